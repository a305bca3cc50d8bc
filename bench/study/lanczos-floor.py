# lanczos-floor.py -- how many Hessian-vector products a warm measurement needs, whatever its start
# (issue 12, bench/README.md "Why 6 HVPs is out of reach"). A study tool (numpy; not a test):
#   python3 bench/study/lanczos-floor.py DIR T_PREV2 T_PREV T
# reads DIR/H<t>.bin (hessian-dump.c) at three measurement steps and runs plain Lanczos with full
# reorthogonalization on H(T) from several starts, counting products until the engine's stopping
# rule holds (|beta s| <= 1e-8 |theta|, the config's lanczos_tol), and until the eigenvalue-error
# estimate |beta s|^2 / (theta_1 - theta_2 - |beta s_2|) does (a rule the config does not promise).
import sys
import numpy as np

d, ts = sys.argv[1], [int(x) for x in sys.argv[2:5]]
H = {}
for t in ts:
    a = np.fromfile(f'{d}/H{t}.bin')
    P = int(round(len(a) ** 0.5))
    a = a.reshape(P, P)
    H[t] = (a + a.T) / 2
E = {t: np.linalg.eigh(H[t]) for t in ts}
rng = np.random.default_rng(0)


def lanczos(A, x, tol=1e-8, maxit=80, rule='resid'):
    V = [x / np.linalg.norm(x)]
    al, be = [], []
    for j in range(maxit):
        w = A @ V[-1]
        a = V[-1] @ w
        w -= a * V[-1]
        if j:
            w -= be[-1] * V[-2]
        Vm = np.array(V)
        w -= Vm.T @ (Vm @ w)
        w -= Vm.T @ (Vm @ w)
        b = np.linalg.norm(w)
        al.append(a)
        be.append(b)
        T = np.diag(al) + np.diag(be[:-1], 1) + np.diag(be[:-1], -1)
        th, S = np.linalg.eigh(T)
        r = abs(b * S[-1, -1])
        if rule == 'resid' and r <= tol * abs(th[-1]):
            return j + 1
        if rule == 'value' and len(th) > 1:
            gap = th[-1] - (th[-2] + abs(b * S[-1, -2]))
            if gap > 0 and r * r / gap <= tol * abs(th[-1]):
                return j + 1
        V.append(w / b)
    return maxit


def noisy(x, rel):
    g = rng.standard_normal(len(x))
    return x + rel * np.linalg.norm(x) * g / np.linalg.norm(g)


t2, t1, t = ts
top = lambda s: E[s][1][:, -1]
now, prev, prev2 = top(t), top(t1), top(t2)
prev = prev if prev @ now > 0 else -prev
prev2 = prev2 if prev2 @ prev > 0 else -prev2
lin = 2 * prev - prev2
ev = E[t][0][::-1]
print(f'step {t}: P = {len(now)}, top eigenvalues {np.round(ev[:10], 4).tolist()}')
print(f'  top eigenvector turned {np.degrees(np.arccos(min(1.0, abs(prev @ now)))):.2f} deg since step {t1}')
for name, x in [('the exact top eigenvector + 1e-3 noise', noisy(now, 1e-3)),
                ('the previous one, no noise', prev.copy()), ('the previous one + 1e-3 noise', noisy(prev, 1e-3)),
                ('linear extrapolation, no noise', lin.copy()), ('linear extrapolation + 1e-3 noise', noisy(lin, 1e-3))]:
    print(f'  start {name:40s}: residual rule {lanczos(H[t], x.copy()):3d} HVPs, eigenvalue-error rule {lanczos(H[t], x.copy(), rule="value"):3d}')
