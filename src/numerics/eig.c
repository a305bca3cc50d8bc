/* eig.c -- dense symmetric eigensolver: Householder tridiagonalization followed by implicit QL
 * with Wilkinson shifts (the EISPACK tred2/tql2 scheme), and the symmetric tridiagonal solver
 * that Lanczos and stochastic Lanczos quadrature call directly.
 *
 * One layout serves every caller: the QL rotations are accumulated into Z (n, r) whose ROW i
 * belongs to eigenvalue i. Each rotation then touches two contiguous rows (cache and SIMD
 * friendly even at n = 2000), and r may be 1 when only one component of every eigenvector is
 * needed: Lanczos residual bounds need the last components, Gauss quadrature weights the first.
 * Row i of the output is Q^T x where x are the input columns, so Z = I gives the eigenvectors
 * as rows and Z = e_last^T (one column) gives their last components.
 *
 * Everything is plain loops and fixed-order kernels: the same bits natively and in wasm.
 */
#include "numerics/numerics.h"

#define EIG_EPS 2.220446049250313e-16 /* 2^-52 */
#define EIG_MAXIT 60                  /* QL sweeps per eigenvalue; 2-3 is typical */

/* sqrt(a^2 + b^2) without overflow: p = (d1 - d0) / (2 e) can be huge when e is tiny. */
static double eig_hypot(double a, double b) {
    double x = ibp__fabs(a), y = ibp__fabs(b);
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (hi == 0.0) return 0.0;
    double q = lo / hi;
    return hi * ibp__sqrt(1.0 + q * q);
}

/* Sort d ascending, permuting the rows of Z (n, r) along (selection sort: n row swaps). */
static void eig_sort(int n, double *d, double *Z, int r) {
    for (int i = 0; i < n - 1; i++) {
        int k = i;
        for (int j = i + 1; j < n; j++)
            if (d[j] < d[k]) k = j;
        if (k == i) continue;
        double t = d[i];
        d[i] = d[k];
        d[k] = t;
        if (r > 0) {
            double *a = Z + (long)i * r, *b = Z + (long)k * r;
            for (int c = 0; c < r; c++) {
                double u = a[c];
                a[c] = b[c];
                b[c] = u;
            }
        }
    }
}

/* Implicit QL on the tridiagonal (d (n,), e (n,)): e[i] couples i and i+1, e[n-1] is scratch.
 * On return d holds the eigenvalues ascending and Z (n, r) has been rotated along (row i goes
 * with d[i]). Shifts are accumulated in f as in tql2, so deflation is tested against the
 * running norm estimate tst1 (absolute accuracy eps ||T||, which is what backward stability
 * gives anyway). Returns 0, or -1 when an eigenvalue needs more than EIG_MAXIT sweeps. */
static int eig_ql(int n, double *d, double *e, double *Z, int r) {
    if (n <= 0) return 0;
    e[n - 1] = 0.0;
    double f = 0.0, tst1 = 0.0;
    for (int l = 0; l < n; l++) {
        double t = ibp__fabs(d[l]) + ibp__fabs(e[l]);
        if (t > tst1) tst1 = t;
        int m = l;
        while (m < n - 1 && ibp__fabs(e[m]) > EIG_EPS * tst1) m++;
        if (m > l) {
            int iter = 0;
            do {
                if (++iter > EIG_MAXIT) return -1;
                /* Wilkinson shift: the eigenvalue of the leading 2x2 block nearer d[l]. */
                double g = d[l];
                double p = (d[l + 1] - g) / (2.0 * e[l]);
                double rr = eig_hypot(p, 1.0);
                if (p < 0) rr = -rr;
                d[l] = e[l] / (p + rr);
                d[l + 1] = e[l] * (p + rr);
                double dl1 = d[l + 1];
                double h = g - d[l];
                for (int i = l + 2; i < n; i++) d[i] -= h;
                f += h;
                /* Chase the bulge from m up to l with Givens rotations. */
                p = d[m];
                double c = 1.0, c2 = 1.0, c3 = 1.0, el1 = e[l + 1], s = 0.0, s2 = 0.0;
                for (int i = m - 1; i >= l; i--) {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    g = c * e[i];
                    h = c * p;
                    rr = eig_hypot(p, e[i]);
                    e[i + 1] = s * rr;
                    s = e[i] / rr;
                    c = p / rr;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    if (r > 0) {
                        double *zi = Z + (long)i * r, *zj = zi + r;
                        for (int k = 0; k < r; k++) {
                            double a = zi[k], b = zj[k];
                            zj[k] = s * a + c * b;
                            zi[k] = c * a - s * b;
                        }
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
            } while (ibp__fabs(e[l]) > EIG_EPS * tst1);
        }
        d[l] += f;
        e[l] = 0.0;
    }
    eig_sort(n, d, Z, r);
    return 0;
}

int ibp__eigh_tridiag(int n, const double *diag, const double *offdiag, double *w, double *Z, int r,
                      double *scratch) {
    if (n <= 0) return 0;
    for (int i = 0; i < n; i++) w[i] = diag[i];
    for (int i = 0; i < n - 1; i++) scratch[i] = offdiag[i];
    return eig_ql(n, w, scratch, Z, Z ? r : 0);
}

/* Householder reduction T = Q^T A Q, Q = H_0 H_1 ... H_{n-3}, H_k = I - 2 v v^T acting on
 * indices > k. A (n, n) full symmetric; d (n,), e (n,) out; p (n,) scratch. The unit vector v
 * of step k is left in row k, columns k+1.. (zero when the column was already reduced).
 * Memory-bound at large n, so each step makes ONE pass over its trailing block: row i is
 * updated and at once multiplied by the next step's vector (formed from the first updated
 * row), the product parked in the stale column k (never read again). Same operations, same
 * order, as the two-pass form. */
static int eig_householder(double *v, int len, double *e) {
    double xnorm = ibp__sqrt(ibp__sumsq(v, len));
    if (xnorm == 0.0) {
        *e = 0.0;
        return 0;
    }
    /* alpha of the opposite sign to x0, so x0 - alpha never cancels */
    double alpha = v[0] >= 0 ? -xnorm : xnorm;
    *e = alpha;
    v[0] -= alpha;
    ibp__scale(len, 1.0 / ibp__sqrt(ibp__sumsq(v, len)), v);
    return 1;
}

static void eig_tridiagonalize(int n, double *A, double *d, double *e, double *p) {
    int have = 0; /* step k's d, e, v and p = B v were prepared by step k-1 */
    for (int k = 0; k < n - 2; k++) {
        double *ak = A + (long)k * n, *v = ak + k + 1; /* row k beyond the diagonal */
        int len = n - k - 1;
        double *B = A + (long)(k + 1) * n + (k + 1); /* trailing block (len, len) */
        if (have) {
            if (have < 0) { /* column already reduced: H_k = I */
                have = 0;
                continue;
            }
            for (int i = 0; i < len; i++) p[i] = A[(long)(k + 1 + i) * n + (k - 1)];
        } else {
            d[k] = ak[k];
            if (!eig_householder(v, len, &e[k])) continue;
            for (int i = 0; i < len; i++) p[i] = ibp__dot(B + (long)i * n, v, len);
        }
        /* B <- H B H = B - 2 (v q^T + q v^T) with p = B v, q = p - (v.p) v */
        double K = ibp__dot(v, p, len);
        for (int i = 0; i < len; i++) p[i] -= K * v[i];
        have = 0;
        double *vn = NULL;
        for (int i = 0; i < len; i++) {
            double *bi = B + (long)i * n, vi = v[i], qi = p[i];
            /* v_i q_j + q_i v_j is the same expression for (i,j) and (j,i): B stays exactly
             * symmetric. */
            for (int j = 0; j < len; j++) bi[j] -= 2.0 * (vi * p[j] + qi * v[j]);
            if (i == 0 && k + 1 < n - 2) { /* row k+1 is final: form step k+1's vector */
                d[k + 1] = bi[0];
                have = eig_householder(bi + 1, len - 1, &e[k + 1]) ? 1 : -1;
                if (have > 0) vn = bi + 1;
            } else if (vn) {
                A[(long)(k + 1 + i) * n + k] = ibp__dot(bi + 1, vn, len - 1);
            }
        }
    }
    if (n >= 2) {
        d[n - 2] = A[(long)(n - 2) * n + (n - 2)];
        e[n - 2] = A[(long)(n - 2) * n + (n - 1)];
    }
    d[n - 1] = A[(long)(n - 1) * n + (n - 1)];
}

/* M = Q^T = H_{n-3} ... H_0, built as M <- M H_k for k descending: row-wise, each row meets
 * v through one dot and one axpy, and rows <= k are still unit vectors untouched by H_k. */
static void eig_build_qt(int n, const double *A, double *M) {
    for (long i = 0; i < (long)n * n; i++) M[i] = 0.0;
    for (int i = 0; i < n; i++) M[(long)i * n + i] = 1.0;
    for (int k = n - 3; k >= 0; k--) {
        const double *v = A + (long)k * n + k + 1;
        int len = n - k - 1;
        if (ibp__sumsq(v, len) == 0.0) continue; /* column was already reduced: H_k = I */
        for (int i = k + 1; i < n; i++) {
            double *mi = M + (long)i * n + k + 1;
            ibp__axpy(len, -2.0 * ibp__dot(mi, v, len), v, mi);
        }
    }
}

void ibp__tridiag_reduce(int n, double *A, double *d, double *e, double *Qt, double *scratch) {
    if (n <= 0) return;
    eig_tridiagonalize(n, A, d, e, scratch);
    eig_build_qt(n, A, Qt);
}

int ibp__eigh(int n, double *A, double *w, double *V, double *scratch) {
    if (n <= 0) return 0;
    double *e = scratch, *p = scratch + n;
    eig_tridiagonalize(n, A, w, e, p);
    if (V) eig_build_qt(n, A, V);
    if (eig_ql(n, w, e, V, V ? n : 0)) return -1;
    if (V) { /* rows are eigenvectors: transpose so that the columns are */
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double t = V[(long)i * n + j];
                V[(long)i * n + j] = V[(long)j * n + i];
                V[(long)j * n + i] = t;
            }
    }
    return 0;
}
