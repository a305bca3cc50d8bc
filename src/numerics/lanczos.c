/* lanczos.c -- extreme eigenpairs of a symmetric operator given as a matvec callback.
 *
 * Algorithm: Lanczos with full reorthogonalization (classical Gram-Schmidt, a second pass when
 * the first cancelled: "twice is enough", so the basis stays orthonormal to ~eps and no
 * spurious copies appear), the top-k
 * largest ALGEBRAIC Ritz values (and the smallest on request), stopping when every wanted pair
 * has the residual bound |beta_m s_{m,i}| <= tol |theta_i|, and Wu-Simon thick restart when the
 * basis reaches its maximum size: the wanted Ritz vectors plus a few neighbours are kept and the
 * recurrence continues from the old last vector (the arrowhead projection this gives is
 * re-tridiagonalized at once, so T is always tridiagonal and each convergence check costs
 * O(m^2): the last components of T's eigenvectors only).
 *
 * Invariant Krylov spaces (beta ~ 0: a low-rank operator, few distinct eigenvalues, P exhausted)
 * are not an error: T gets a zero coupling and a fresh random vector orthogonal to the basis
 * starts a new block in the complement. Blocks continue until one brings no new wanted value, so
 * repeated eigenvalues are found with their multiplicity when the space becomes invariant
 * (a zero eigenvalue of a low-rank Hessian; a linear model with k outputs, whose Hessian is
 * (X^T X / n) (x) I_k). Without invariance, an exactly repeated eigenvalue is seen ONCE, as with
 * any single-vector Krylov method: top-k then skips its copies (the top value is unaffected).
 *
 * Residual floor: an eigenvalue below ~1e-13 ||A|| has no meaningful relative accuracy, so the
 * test is |beta s| <= max(tol |theta|, floor) with floor = max(LZ_FLOOR ||A||, the rounding
 * level below) and ||A|| estimated from T (the largest Gershgorin row sum of T).
 *
 * Reported bound: |beta s| is the residual of the Ritz pair in exact arithmetic only. The
 * operator itself is applied in floating point: an HVP's rounding error is about eps ||A||
 * sqrt(P) (sums over the network of up to P products), and the basis is orthonormal to about
 * eps. So each pair reports resid = |beta s| + eps (4 sqrt(P) + 32) ||A||, which bounds the distance
 * from its Ritz value to an eigenvalue of the exact operator (tests/test_lanczos.c checks it
 * against a dense eigensolver, including pairs converged to round-off).
 *
 * Starts: cold (a seeded random vector, plus the direction of a hint when one is set: the run
 * passes its gradient, which a top eigenvector of a loss Hessian usually leans on), warm (the
 * previous Ritz vectors, equal weights) or given (a vector the caller wrote, e.g. one
 * extrapolated from earlier measurements); warm and given starts get a little seeded noise
 * (ibp__lanczos_set_noise) so that no direction is missing from the Krylov space.
 *
 * Memory (bound once, never allocates): the basis V (m+1, P) and small (m, m) matrices. Between
 * runs rows 0.. of V hold the last Ritz vectors (the warm start and the accessor read them).
 */
#include "numerics/numerics.h"
#include <string.h>

#define LZ_EPS 2.220446049250313e-16
#define LZ_FLOOR (1024.0 * LZ_EPS) /* residual floor and breakdown level, relative to ||A|| */
#define LZ_WARM_NOISE 1e-3         /* default relative norm of the noise added to a warm start */
#define LZ_ROUND (4.0 * LZ_EPS)    /* a matvec's rounding error, in units of sqrt(P) ||A|| */
#define LZ_DGKS 0.5                /* ||w1||^2 / ||w0||^2 below which a second pass runs */
#define LZ_CHUNK 64                /* columns per block of the in-place basis rotation */

struct ibp__lanczos {
    long P;
    int mk, topk; /* max basis size (>= topk + 3, <= P), largest k */
    long max_matvecs;
    int check; /* record orthogonality loss */
    double ortho;
    double *V;            /* (mk + 1, P) basis rows */
    double *alpha, *beta; /* (mk,) the tridiagonal T = V^T A V: diagonal, coupling i <-> i+1 */
    double *S;            /* (mk, mk) row i: eigenvector i of T (or only its last component) */
    double *Tc, *R;       /* (mk + 1, mk), (mk, mk): restart arrowhead and its Q^T; rotation
                           * coefficients (Ritz vectors of the final basis) */
    double *theta;        /* (mk,) Ritz values ascending */
    double *scr;          /* (2 mk,) eigensolver scratch */
    double *h, *h2;       /* (mk + 1,) Gram-Schmidt coefficients of the two passes */
    double *part;         /* (4 (mk + 1),) their partial sums (ibp__gemv_pair) */
    double *tmp;          /* (mk + 1, LZ_CHUNK) rotation block */
    int *sel;             /* (mk + 1,) Ritz indices kept or reported */
    int ntop, has_min;    /* Ritz vectors stored in V rows [0, ntop) and row ntop */
    int srows;            /* S holds full rows (1) or only last components (0) */
    double noise;         /* relative noise added to warm and given starts */
    const double *hint;   /* (P,) direction added to cold starts, or NULL */
};

static int lz_mk(long P, int max_krylov, int topk) {
    int mk = max_krylov < topk + 3 ? topk + 3 : max_krylov;
    return (long)mk > P ? (int)P : mk;
}

/* One carving routine for measuring (base NULL) and binding, so they cannot disagree. */
static size_t lz_layout(ibp__lanczos **out, void *mem, long P, int max_krylov, int topk) {
    ibp__arena a = {(char *)mem, 0};
    ibp__lanczos *lz = ibp__arena_bytes(&a, sizeof(ibp__lanczos));
    int mk = lz_mk(P, max_krylov, topk);
    size_t m = (size_t)mk;
    double *V = ibp__arena_doubles(&a, (m + 1) * (size_t)P);
    double *al = ibp__arena_doubles(&a, m), *be = ibp__arena_doubles(&a, m);
    double *S = ibp__arena_doubles(&a, m * m), *Tc = ibp__arena_doubles(&a, (m + 1) * m);
    double *R = ibp__arena_doubles(&a, m * m), *theta = ibp__arena_doubles(&a, m);
    double *scr = ibp__arena_doubles(&a, 2 * m), *h = ibp__arena_doubles(&a, m + 1);
    double *h2 = ibp__arena_doubles(&a, m + 1), *part = ibp__arena_doubles(&a, 4 * (m + 1));
    double *tmp = ibp__arena_doubles(&a, (m + 1) * LZ_CHUNK);
    int *sel = ibp__arena_bytes(&a, (m + 1) * sizeof(int));
    if (lz) {
        memset(lz, 0, sizeof *lz);
        lz->P = P;
        lz->mk = mk;
        lz->topk = topk;
        lz->max_matvecs = 20L * mk;
        lz->noise = LZ_WARM_NOISE;
        lz->V = V, lz->alpha = al, lz->beta = be, lz->S = S, lz->Tc = Tc, lz->R = R;
        lz->theta = theta, lz->scr = scr, lz->h = h, lz->h2 = h2, lz->part = part, lz->tmp = tmp;
        lz->sel = sel;
    }
    if (out) *out = lz;
    return a.off;
}

size_t ibp__lanczos_bytes(long P, int max_krylov, int topk) {
    IBP_CHECK(P >= 1 && topk >= 1 && topk <= IBP__MAX_TOPK);
    return lz_layout(NULL, NULL, P, max_krylov, topk);
}

ibp__lanczos *ibp__lanczos_bind(void *mem, long P, int max_krylov, int topk) {
    IBP_CHECK(mem && P >= 1 && topk >= 1 && topk <= IBP__MAX_TOPK);
    ibp__lanczos *lz;
    lz_layout(&lz, mem, P, max_krylov, topk);
    return lz;
}

void ibp__lanczos_set_max_matvecs(ibp__lanczos *lz, long n) { lz->max_matvecs = n < 1 ? 1 : n; }
void ibp__lanczos_set_check(ibp__lanczos *lz, int on) { lz->check = on; }
void ibp__lanczos_set_noise(ibp__lanczos *lz, double rel) { lz->noise = rel > 0 ? rel : 0.0; }
void ibp__lanczos_set_hint(ibp__lanczos *lz, const double *hint) { lz->hint = hint; }
double *ibp__lanczos_start(ibp__lanczos *lz) { return lz->V; }
void ibp__lanczos_adopt(ibp__lanczos *lz) {
    lz->ntop = 1;
    lz->has_min = 0;
}
double ibp__lanczos_ortho(const ibp__lanczos *lz) { return lz->ortho; }

const double *ibp__lanczos_ritz(const ibp__lanczos *lz, int i) {
    if (i >= 0 && i < lz->ntop) return lz->V + (long)i * lz->P;
    if (i == -1 && lz->has_min) return lz->V + (long)lz->ntop * lz->P;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */

/* w -= V_{0..j} (V_{0..j}^T w) (classical Gram-Schmidt), after w += sum_i pre[i] V_{p0+i} (npre
 * rows: the three-term recurrence's own subtractions), and once more when the pass cancelled
 * much of w (Daniel, Gragg, Kaufman & Stewart 1976: ||w1|| < ||w0|| / sqrt 2; "twice is
 * enough"). In exact arithmetic the recurrence leaves w orthogonal to the basis, so one pass
 * only removes rounding and cancels nothing: the second pass is needed near an invariant
 * subspace (beta ~ 0), seldom otherwise. Each pass is two sweeps of the basis by blocked GEMV
 * pairs: the dots (fused with the recurrence's update and ||w0||), then the update (fused with
 * ||w1||, returned in *ss when ss != NULL). Every number is the one the separate dots and axpys
 * (ibp__dot, ibp__axpy, ibp__sumsq) would give. Returns the total coefficient on v_j (it
 * corrects alpha). */
static double lz_orth(ibp__lanczos *lz, int j, double *w, int p0, int npre, const double *pre,
                      double *ss) {
    long P = lz->P;
    double *h = lz->h, *h2 = lz->h2, s0, s1;
    ibp__gemv_pair(P, lz->V, P, p0, npre, pre, w, j + 1, h, &s0, lz->part);
    for (int i = 0; i <= j; i++) h[i] = -h[i];
    ibp__gemv_pair(P, lz->V, P, 0, j + 1, h, w, 0, NULL, &s1, lz->part);
    double cj = 0.0 + -h[j];
    if (!(s1 >= LZ_DGKS * s0)) {
        ibp__gemv_pair(P, lz->V, P, 0, 0, NULL, w, j + 1, h2, NULL, lz->part);
        for (int i = 0; i <= j; i++) h2[i] = -h2[i];
        ibp__gemv_pair(P, lz->V, P, 0, j + 1, h2, w, 0, NULL, &s1, lz->part);
        cj = cj + -h2[j];
    }
    if (ss) *ss = s1;
    return cj;
}

/* Row m of V <- a random unit vector orthogonal to rows 0..m-1. Returns -1 if none is left. */
static int lz_fresh(ibp__lanczos *lz, int m, ibp_rng *rng) {
    long P = lz->P;
    double *w = lz->V + (long)m * P;
    ibp__rng_normals(rng, w, P, 1.0);
    double n0 = ibp__sqrt(ibp__sumsq(w, P));
    if (m > 0) lz_orth(lz, m - 1, w, 0, 0, NULL, NULL);
    double n1 = ibp__sqrt(ibp__sumsq(w, P));
    /* a random vector keeps ~sqrt((P-m)/P) of its norm outside an m-dimensional space */
    if (!(n1 > 1e-10 * n0)) return -1;
    ibp__scale(P, 1.0 / n1, w);
    return 0;
}

/* Cold start in row 0: a seeded random unit vector, plus the hint's unit direction when the
 * hint is usable (the random part keeps every direction in the Krylov space). */
static void lz_cold(ibp__lanczos *lz, ibp_rng *rng) {
    long P = lz->P;
    double *v = lz->V;
    lz_fresh(lz, 0, rng);
    if (!lz->hint || P < 2) return;
    double nh = ibp__sqrt(ibp__sumsq(lz->hint, P));
    if (!(nh > 0) || !ibp__isfinite(nh)) return;
    ibp__axpy(P, 1.0 / nh, lz->hint, v);
    double nv = ibp__sqrt(ibp__sumsq(v, P));
    if (!(nv > 0) || !ibp__isfinite(nv)) {
        lz_fresh(lz, 0, rng);
        return;
    }
    ibp__scale(P, 1.0 / nv, v);
}

/* Start vector in row 0: the previous Ritz vectors (equal weights; IBP__LZ_WARM) or the
 * caller's vector (IBP__LZ_GIVEN), plus noise; or cold. */
static void lz_start(ibp__lanczos *lz, int mode, int want_min, ibp_rng *rng) {
    long P = lz->P;
    double *v = lz->V;
    int nr = lz->ntop + (want_min && lz->has_min ? 1 : 0);
    if (mode == IBP__LZ_COLD || (mode == IBP__LZ_WARM && nr == 0)) {
        lz_cold(lz, rng);
        return;
    }
    if (mode == IBP__LZ_WARM)
        for (int i = 1; i < nr; i++) ibp__axpy(P, 1.0, lz->V + (long)i * P, v);
    /* noise keeps every direction in the Krylov space (the top eigenvector may have moved
     * out of the old span); its draw uses row 1 as scratch */
    double *g = lz->V + P;
    if (P > 1 && lz->noise > 0) {
        ibp__rng_normals(rng, g, P, 1.0);
        double nv = ibp__sqrt(ibp__sumsq(v, P)), ng = ibp__sqrt(ibp__sumsq(g, P));
        if (ng > 0) ibp__axpy(P, lz->noise * nv / ng, g, v);
    }
    double nv = ibp__sqrt(ibp__sumsq(v, P));
    if (!(nv > 0) || !ibp__isfinite(nv)) {
        lz_cold(lz, rng);
        return;
    }
    ibp__scale(P, 1.0 / nv, v);
}

/* Eigen-decomposition of the tridiagonal T_m (alpha, beta). vectors == 0: only the last
 * components S[i] = s_{m-1,i} (O(m^2), every iteration); else S (m, m), eigenvectors as rows. */
static int lz_solve(ibp__lanczos *lz, int m, int vectors) {
    double *S = lz->S;
    int r = vectors ? m : 1;
    lz->srows = vectors;
    for (long i = 0; i < (long)m * r; i++) S[i] = 0.0;
    if (vectors)
        for (int i = 0; i < m; i++) S[(long)i * m + i] = 1.0;
    else
        S[m - 1] = 1.0;
    return ibp__eigh_tridiag(m, lz->alpha, lz->beta, lz->theta, S, r, lz->scr);
}

/* Last component of Ritz vector i after lz_solve(m, ...). */
static double lz_last(const ibp__lanczos *lz, int m, int i) {
    return lz->srows ? lz->S[(long)i * m + m - 1] : lz->S[i];
}

/* V rows [0, n) <- sum_j C[i][j] V_j over j < m (C (n, m)), in place by column blocks: each
 * block of all m rows is read before any of it is overwritten. */
static void lz_rotate(ibp__lanczos *lz, int m, int n, const double *C) {
    long P = lz->P;
    for (long c0 = 0; c0 < P; c0 += LZ_CHUNK) {
        long b = P - c0 < LZ_CHUNK ? P - c0 : LZ_CHUNK;
        for (long i = 0; i < (long)n * LZ_CHUNK; i++) lz->tmp[i] = 0.0;
        for (int j = 0; j < m; j++) {
            const double *vj = lz->V + (long)j * P + c0;
            for (int i = 0; i < n; i++)
                ibp__axpy(b, C[(long)i * m + j], vj, lz->tmp + (long)i * LZ_CHUNK);
        }
        for (int i = 0; i < n; i++)
            memcpy(lz->V + (long)i * P + c0, lz->tmp + (long)i * LZ_CHUNK,
                   (size_t)b * sizeof(double));
    }
}

/* Thick restart (Wu & Simon) at m = mk with residual coupling beta (v_m in row m). The kept
 * Ritz vectors y_i (indices sel[0..nk)) and v_m project A to an arrowhead [diag(theta) c; c^T .],
 * c_i = beta s_{m-1,i}. Instead of carrying the arrowhead, it is re-tridiagonalized by
 * Householder from the v_m end (index order reversed so that v_m is index 0, which the reduction
 * never mixes): the kept vectors are rotated once more, w = Y B, and the recurrence continues
 * as plain three-term Lanczos, so every later solve is the O(m^2) tridiagonal one. */
static void lz_restart(ibp__lanczos *lz, int m, int nk, double beta) {
    long P = lz->P;
    int n1 = nk + 1;
    double *M = lz->Tc, *Qt = lz->R, *d = lz->scr, *e = lz->scr + n1, *C = lz->Tc;
    for (long i = 0; i < (long)n1 * n1; i++) M[i] = 0.0;
    for (int i = 0; i < nk; i++) { /* original index i -> reversed nk - i; v_m -> 0 */
        int s = lz->sel[i], ri = nk - i;
        M[(long)ri * n1 + ri] = lz->theta[s];
        M[ri] = M[(long)ri * n1] = beta * lz->S[(long)s * m + m - 1];
    }
    ibp__tridiag_reduce(n1, M, d, e, Qt, lz->h);
    /* C (nk, m) = B^T S_sel with B[a][i] = Q_rev[nk-a][nk-i] = Qt[nk-i][nk-a] */
    for (int i = 0; i < nk; i++)
        for (int j = 0; j < m; j++) {
            double c = 0.0;
            for (int a = 0; a < nk; a++)
                c += Qt[(long)(nk - i) * n1 + (nk - a)] * lz->S[(long)lz->sel[a] * m + j];
            C[(long)i * m + j] = c;
        }
    lz_rotate(lz, m, nk, C);
    memcpy(lz->V + (long)nk * P, lz->V + (long)m * P, (size_t)P * sizeof(double));
    for (int i = 0; i < nk; i++) {
        lz->alpha[i] = d[nk - i];
        lz->beta[i] = e[nk - 1 - i]; /* couples i and i+1; i = nk-1 couples to v_m */
    }
}

/* The operator's rounding level relative to ||A|| (see the reported bound above): the HVP's
 * eps sqrt(P) (4x: its sums of products and the reorthogonalized basis), and a few eps of the
 * tridiagonal eigensolver and the Ritz vectors' own rounding. */
static double lz_round(long P) { return LZ_ROUND * ibp__sqrt((double)P) + 32.0 * LZ_EPS; }

/* The convergence floor relative to ||A||: never below the rounding level. */
static double lz_floor(long P) {
    double r = lz_round(P);
    return r > LZ_FLOOR ? r : LZ_FLOOR;
}

/* Convergence threshold of a Ritz value; floor: lz_round(P) ||A||. */
static double lz_thr(double theta, double tol, double floor) {
    double a = tol * ibp__fabs(theta);
    return a > floor ? a : floor;
}

/* Are the wanted pairs converged? (top keff, and the smallest when want_min) */
static int lz_converged(const ibp__lanczos *lz, int m, int keff, int want_min, double beta,
                        double tol, double fl) {
    int ntop = keff < m ? keff : m;
    for (int i = 0; i < ntop; i++) {
        int idx = m - 1 - i;
        if (ibp__fabs(beta * lz_last(lz, m, idx)) > lz_thr(lz->theta[idx], tol, fl)) return 0;
    }
    if (want_min && ibp__fabs(beta * lz_last(lz, m, 0)) > lz_thr(lz->theta[0], tol, fl))
        return 0;
    return 1;
}

/* Extreme Ritz values of the block [blk, m) of T (blocks are separated by zero couplings after
 * a breakdown) and whether they meet the residual test; scratch in Tc. */
static int lz_block(ibp__lanczos *lz, int blk, int m, double beta, double tol, double fl,
                    double *top, double *bot) {
    int b = m - blk;
    double *th = lz->Tc, *z = th + b, *sc = z + b;
    for (int i = 0; i < b; i++) z[i] = i == b - 1 ? 1.0 : 0.0;
    if (ibp__eigh_tridiag(b, lz->alpha + blk, lz->beta + blk, th, z, 1, sc)) return -1;
    *top = th[b - 1];
    *bot = th[0];
    return ibp__fabs(beta * z[b - 1]) <= lz_thr(th[b - 1], tol, fl) &&
           ibp__fabs(beta * z[0]) <= lz_thr(th[0], tol, fl);
}

static void lz_nan(ibp__eigres *out, int k) {
    for (int i = 0; i < IBP__MAX_TOPK; i++) {
        out->val[i] = out->resid[i] = IBP_NAN;
        out->converged[i] = 0;
    }
    out->k = k;
    out->vmin = out->vmin_resid = IBP_NAN;
    out->vmin_converged = 0;
}

/* max |V^T V - I| over rows [0, n) */
static double lz_ortho_loss(const ibp__lanczos *lz, int n) {
    double worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double d = ibp__dot(lz->V + (long)i * lz->P, lz->V + (long)j * lz->P, lz->P);
            d = ibp__fabs(i == j ? d - 1.0 : d);
            if (!(d <= worst)) worst = d;
        }
    return worst;
}

int ibp__lanczos_run(ibp__lanczos *lz, ibp__matvec mv, void *ctx, int k, int want_min, double tol,
                     int start, ibp_rng *rng, ibp__eigres *out) {
    long P = lz->P;
    int mk = lz->mk;
    want_min = want_min ? 1 : 0;
    lz_nan(out, 0);
    out->matvecs = 0;
    out->restarts = 0;
    if (k < 1 || k > lz->topk || !(tol > 0)) return -1;
    int keff = (long)k < P ? k : (int)P;
    int need = keff + want_min; /* Ritz values needed before the wanted ones all exist */
    if ((long)need > P) need = (int)P;
    double *V = lz->V, *al = lz->alpha, *be = lz->beta;

    lz_start(lz, start, want_min, rng);
    lz->ntop = lz->has_min = 0;
    int m = 0, restarts = 0, blk = 0; /* blk: first row of the block after the last breakdown */
    long matvecs = 0;
    double anorm = 0.0, beta = 0.0, kth_prev = -IBP_INF, min_prev = IBP_INF;
    double rnd = lz_round(P), flr = lz_floor(P); /* relative to ||A|| (anorm) */
    for (;;) {
        int j = m;
        double *vj = V + (long)j * P, *w = vj + P;
        mv(ctx, vj, w);
        matvecs++;
        double alpha = ibp__dot(vj, w, P);
        if (!ibp__isfinite(alpha)) goto nonfinite;
        double prev = j > 0 ? be[j - 1] : 0.0, pre[2] = {-prev, -alpha}, ss;
        alpha += j > 0 ? lz_orth(lz, j, w, j - 1, 2, pre, &ss) : lz_orth(lz, j, w, j, 1, pre + 1, &ss);
        al[j] = alpha;
        beta = ibp__sqrt(ss);
        if (!ibp__isfinite(beta)) goto nonfinite;
        double rs = ibp__fabs(alpha) + beta + ibp__fabs(prev); /* Gershgorin row of T */
        if (rs > anorm) anorm = rs;
        m = j + 1;
        /* invariant subspace: the full space, or a residual at rounding level */
        int brk = (long)m >= P || beta <= LZ_FLOOR * anorm;
        if (brk)
            beta = 0.0;
        else
            ibp__scale(P, 1.0 / beta, w);
        be[j] = beta;

        /* inv: the Krylov space is invariant, exactly (brk) or to within the tolerance relative
         * to ||A|| (rounding noise amplified by a nearly invariant start, e.g. a warm start on a
         * few-eigenvalue operator: beta ~ 1e-12 ||A|| where a generic run has beta ~ ||A||) */
        int conv = 0, inv = brk;
        if (m >= need) {
            if (lz_solve(lz, m, 0)) goto nonfinite;
            conv = lz_converged(lz, m, keff, want_min, beta, tol, flr * anorm);
            if (conv && beta <= tol * anorm) inv = 1;
        }
        if (conv && blk > 0) {
            /* Exploring the complement of an invariant subspace: this block's extreme values
             * must settle. If it brought a new wanted value (a copy of a repeated eigenvalue
             * the earlier blocks could not see), there may be more: the block runs on until it
             * is invariant in turn, and another block follows. */
            double top, bot;
            int settled = lz_block(lz, blk, m, beta, tol, flr * anorm, &top, &bot);
            if (settled < 0) goto nonfinite;
            /* "new" beyond the tolerance: copies agree only to rounding */
            int new_top = kth_prev == -IBP_INF || top > kth_prev + lz_thr(kth_prev, tol, flr * anorm);
            int new_min =
                want_min && (min_prev == IBP_INF || bot < min_prev - lz_thr(min_prev, tol, flr * anorm));
            if (!settled || new_top || new_min) conv = 0;
        } else if (conv && inv && (long)m < P) {
            conv = 0; /* invariant first block: repeated eigenvalues may hide in the complement */
        }
        if (conv || (long)m >= P || matvecs >= lz->max_matvecs) break;
        if (inv) { /* a new block starts at m: a fresh vector after an exact breakdown, else the
                    * (legitimate, tiny-beta) next Lanczos vector */
            /* thresholds the next block must beat to matter (everything when T is too small) */
            kth_prev = m >= need ? lz->theta[m - keff] : -IBP_INF;
            min_prev = m >= need ? lz->theta[0] : IBP_INF;
            blk = m;
            if (brk && lz_fresh(lz, m, rng)) break;
        }
        if (m == mk) { /* thick restart: keep the wanted pairs and their nearest neighbours */
            if (lz_solve(lz, m, 1)) goto nonfinite;
            int wanted = keff + want_min, nk = wanted + (mk - wanted) / 3, n = 0;
            if (nk > mk - 2) nk = mk - 2;
            int top = m - 1, bot = 0;
            for (int i = 0; i < keff; i++) lz->sel[n++] = top--;
            if (want_min) lz->sel[n++] = bot++;
            while (n < nk) {
                lz->sel[n++] = top--;
                if (want_min && n < nk) lz->sel[n++] = bot++;
            }
            lz_restart(lz, m, nk, beta);
            m = nk;
            blk = 0; /* the restart merged the blocks into one chain */
            restarts++;
        }
    }

    /* Final decomposition with vectors: values, bounds, flags, Ritz vectors. */
    if (lz_solve(lz, m, 1)) goto nonfinite;
    if (lz->check) lz->ortho = lz_ortho_loss(lz, beta != 0.0 ? m + 1 : m);
    int ntop = keff < m ? keff : m;
    int complete = m >= need; /* all wanted pairs have a Ritz value */
    out->k = ntop;
    for (int i = 0; i < ntop; i++) {
        int idx = m - 1 - i;
        out->val[i] = lz->theta[idx];
        double rb = ibp__fabs(beta * lz_last(lz, m, idx));
        out->resid[i] = rb + rnd * anorm;
        out->converged[i] = complete && rb <= lz_thr(out->val[i], tol, flr * anorm);
        lz->sel[i] = idx;
    }
    if (want_min) {
        out->vmin = lz->theta[0];
        double rb = ibp__fabs(beta * lz_last(lz, m, 0));
        out->vmin_resid = rb + rnd * anorm;
        out->vmin_converged = complete && rb <= lz_thr(out->vmin, tol, flr * anorm);
        lz->sel[ntop] = 0;
    }
    out->matvecs = (int)matvecs;
    out->restarts = restarts;
    int nr = ntop + want_min;
    for (int i = 0; i < nr; i++)
        memcpy(lz->Tc + (long)i * m, lz->S + (long)lz->sel[i] * m, (size_t)m * sizeof(double));
    lz_rotate(lz, m, nr, lz->Tc);
    lz->ntop = ntop;
    lz->has_min = want_min;
    return 0;

nonfinite: /* the operator produced inf/NaN (a diverged run), or T did (same cause) */
    lz_nan(out, 0);
    out->matvecs = (int)matvecs;
    out->restarts = restarts;
    lz->ntop = lz->has_min = 0;
    return -2;
}
