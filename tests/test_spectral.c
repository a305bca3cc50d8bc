/* test_spectral.c -- Hutchinson trace, SLQ density and the exact dense spectrum against exact
 * traces, known spectra and the dense eigensolver, with statistical tolerances derived from the
 * known variances of the estimators (stated next to each check). */
#include "numerics/spectral.h"
#include "testlib.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seed = 4242;


static double trace(int n, const double *A) {
    double t = 0;
    for (int i = 0; i < n; i++) t += A[i * n + i];
    return t;
}

/* Variance of one Rademacher probe z^T A z: 2 sum_{i != j} A_ij^2 */
static double rademacher_var(int n, const double *A) {
    double s = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (i != j) s += A[i * n + j] * A[i * n + j];
    return 2 * s;
}

static void test_hutchinson(void) {
    int n = 200, probes = 400;
    double *A = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            A[i * n + j] = A[j * n + i] = (i == j ? 1.0 : 0.0) + 0.05 * t_rand_normal(&seed);
    void *ws = t_aligned_alloc(ibp__hutchinson_bytes(n));
    ibp_rng rng;
    ibp__rng_seed(&rng, 3, IBP__STREAM_PROBES);
    t_dense d = {n, A, 0, 0, 0};
    ibp__trace_est est;
    T_CHECK(ibp__hutchinson(t_dense_mv, &d, n, probes, &rng, ws, &est) == 0, "hutchinson runs");
    double tr = trace(n, A), se_true = sqrt(rademacher_var(n, A) / probes);
    printf("  hutchinson: %.6g +- %.3g (exact %.6g, theoretical se %.3g), %d matvecs\n", est.mean,
           est.se, tr, se_true, est.matvecs);
    T_CHECK(est.matvecs == probes && d.calls == probes, "one matvec per probe");
    /* the mean is within 4 standard errors (a 6e-5 two-sided chance of a false failure) */
    T_CHECK(fabs(est.mean - tr) <= 4 * se_true, "trace within 4 se: %.3g vs %.3g", est.mean - tr,
            se_true);
    /* the sample se estimates the true one; its relative sd is ~1/sqrt(2 (probes-1)) = 3.5%,
     * plus a small excess-kurtosis term: +-20% is a > 5 sd band */
    T_CLOSE(est.se, se_true, 0, 0.2);
    /* diagonal operator: z^T D z = tr D for every Rademacher z, so the estimate is exact */
    double *D = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++) D[i * n + i] = 0.5 + i;
    t_dense dd = {n, D, 0, 0, 0};
    T_CHECK(ibp__hutchinson(t_dense_mv, &dd, n, 10, &rng, ws, &est) == 0, "diagonal");
    T_CLOSE(est.mean, trace(n, D), 0, 1e-14);
    T_CHECK(est.se <= 1e-12 * trace(n, D), "diagonal: zero standard error (%.3g)", est.se);
    /* determinism, one probe (no se), errors */
    ibp__trace_est e1, e2;
    ibp_rng r1, r2;
    ibp__rng_seed(&r1, 8, IBP__STREAM_PROBES);
    ibp__rng_seed(&r2, 8, IBP__STREAM_PROBES);
    ibp__hutchinson(t_dense_mv, &d, n, 7, &r1, ws, &e1);
    ibp__hutchinson(t_dense_mv, &d, n, 7, &r2, ws, &e2);
    T_CHECK(t_bits(e1.mean) == t_bits(e2.mean) && t_bits(e1.se) == t_bits(e2.se),
            "same seed same bits");
    T_CHECK(ibp__hutchinson(t_dense_mv, &d, n, 1, &r1, ws, &e1) == 0 && isnan(e1.se),
            "1 probe: se NaN");
    T_CHECK(ibp__hutchinson(t_dense_mv, &d, n, 0, &r1, ws, &e1) == -1, "0 probes refused");
    d.poison = 1, d.poison_value = INFINITY;
    T_CHECK(ibp__hutchinson(t_dense_mv, &d, n, 3, &r1, ws, &e1) == -2, "non-finite operator");
    free(A), free(D), free(ws);
}

static double Phi(double x) { return 0.5 * (1 + erf(x / sqrt(2.0))); }

static void test_slq(void) {
    int n = 300, probes = 50, steps = 40, ngrid = 1501;
    double *lam = malloc(sizeof(double) * n);
    /* a Hessian-like spectrum: a bulk near zero, a few outliers, some negative values */
    for (int i = 0; i < n; i++) lam[i] = 0.5 * pow(t_rand_uniform(&seed), 2.0) - 0.1;
    lam[0] = 6, lam[1] = 4.5, lam[2] = 3, lam[3] = -1.2;
    double *A = t_with_spectrum(n, lam, &seed);
    double range = 6 + 1.2, sigma = range / 30; /* 40 steps resolve features ~ range / 40 */
    void *ws = t_aligned_alloc(ibp__slq_bytes(n, steps));
    double *nodes = malloc(sizeof(double) * probes * steps),
           *wts = malloc(sizeof(double) * probes * steps);
    double *grid = malloc(sizeof(double) * ngrid), *dens = malloc(sizeof(double) * ngrid);
    ibp_rng rng;
    ibp__rng_seed(&rng, 11, IBP__STREAM_PROBES);
    t_dense d = {n, A, 0, 0, 0};
    ibp__slq_info info;
    T_CHECK(ibp__slq(t_dense_mv, &d, n, probes, steps, sigma, ngrid, &rng, ws, nodes, wts, grid, dens,
                     &info) == 0,
            "slq runs");
    T_CHECK(info.nodes == probes * steps && info.matvecs == probes * steps &&
                d.calls == info.matvecs,
            "slq: %d nodes, %d matvecs", info.nodes, info.matvecs);
    T_CHECK(info.sigma == sigma && info.ngrid == ngrid && info.probes == probes &&
                info.steps == steps,
            "slq reports its parameters");
    double wsum = 0;
    for (int i = 0; i < info.nodes; i++) wsum += wts[i];
    T_CLOSE(wsum, 1.0, 1e-12, 0);
    /* the grid covers [min node - 4 sigma, max node + 4 sigma]: the mass outside is 2 x 3.2e-5 at
     * most; the trapezoid rule at spacing ~0.04 sigma is exact to far better than that */
    double mass = 0, m1 = 0, hstep = grid[1] - grid[0];
    for (int g = 0; g < ngrid; g++) {
        double wt = (g == 0 || g == ngrid - 1) ? 0.5 : 1.0;
        mass += wt * dens[g] * hstep;
        m1 += wt * dens[g] * grid[g] * hstep;
    }
    T_CLOSE(mass, 1.0, 1e-4, 0);
    T_CLOSE(grid[0], info.lo, 1e-15, 0);
    T_CLOSE(grid[ngrid - 1], info.hi, 1e-12, 0);
    /* mean: sum w theta = average of v^T A v = Hutchinson / P, whose se is
     * sqrt(2 sum_{i != j} A_ij^2 / probes) / P; 4 se bound. The broadened density has the same
     * first moment (within the 1e-4 tail mass times the range). */
    double tr = trace(n, A), se = sqrt(rademacher_var(n, A) / probes) / n;
    printf("  slq: mean %.6g vs tr/P %.6g (se %.2g), mass %.8f, %d nodes\n", info.mean, tr / n, se,
           mass, info.nodes);
    T_CHECK(fabs(info.mean - tr / n) <= 4 * se, "slq mean %.6g vs %.6g", info.mean, tr / n);
    T_CLOSE(m1, info.mean, 1e-3, 0);
    /* The same probes through Hutchinson give exactly the mean (same rng draws). */
    {
        ibp_rng r2;
        ibp__rng_seed(&r2, 11, IBP__STREAM_PROBES);
        void *hw = t_aligned_alloc(ibp__hutchinson_bytes(n));
        ibp__trace_est est;
        ibp__hutchinson(t_dense_mv, &d, n, probes, &r2, hw, &est);
        T_CLOSE(info.mean, est.mean / n, 1e-12, 1e-12);
        free(hw);
    }
    /* CDF: F(x) = sum w Phi((x - theta)/sigma) against the exact broadened CDF
     * (1/P) sum_k Phi((x - lambda_k)/sigma). For one probe, v^T f(A) v with f in [0, 1] has
     * variance <= 2 ||f(A)||_F^2 / P^2 <= 2 / P, so the probe average has sd <= sqrt(2/(P probes))
     * = 0.0115; 4 sd = 0.046. And against the UNbroadened exact CDF: within the same band once
     * the exact CDF is taken 3 sigma to either side. */
    double band = 4 * sqrt(2.0 / ((double)n * probes)), worst = 0;
    for (double x = -1.6; x <= 6.4; x += 0.05) {
        double fs = 0, fe = 0, lo = 0, hi = 0;
        for (int i = 0; i < info.nodes; i++) fs += wts[i] * Phi((x - nodes[i]) / sigma);
        for (int k = 0; k < n; k++) {
            fe += Phi((x - lam[k]) / sigma) / n;
            lo += (lam[k] <= x - 3 * sigma) / (double)n;
            hi += (lam[k] <= x + 3 * sigma) / (double)n;
        }
        worst = fmax(worst, fabs(fs - fe));
        T_CHECK(fabs(fs - fe) <= band, "CDF at %.2f: %.4f vs %.4f (band %.3f)", x, fs, fe, band);
        T_CHECK(fs >= lo - band && fs <= hi + band, "CDF at %.2f within the broadening", x);
    }
    printf("  slq: max |CDF - exact broadened CDF| = %.4f (band %.3f)\n", worst, band);
    /* Automatic sigma and range */
    T_CHECK(ibp__slq(t_dense_mv, &d, n, 4, 20, 0.0, 0, &rng, ws, nodes, wts, NULL, NULL, &info) == 0,
            "slq without grid");
    {
        double lo = nodes[0], hi = nodes[0];
        for (int i = 0; i < info.nodes; i++) lo = fmin(lo, nodes[i]), hi = fmax(hi, nodes[i]);
        T_CLOSE(info.sigma, (hi - lo) / 100, 0, 1e-15);
        T_CLOSE(info.lo, lo - 4 * info.sigma, 1e-15, 1e-15);
    }
    free(A), free(lam), free(ws), free(nodes), free(wts), free(grid), free(dens);
}

/* Three distinct eigenvalues: every probe's Krylov space is invariant after 3 steps, so SLQ
 * stops early with nodes at the exact eigenvalues (Gauss quadrature is then exact). */
static void test_slq_invariant(void) {
    int n = 90, probes = 6, steps = 20;
    double *lam = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) lam[i] = (i % 3 == 0) ? -2.0 : (i % 3 == 1 ? 1.0 : 5.0);
    double *A = t_with_spectrum(n, lam, &seed);
    void *ws = t_aligned_alloc(ibp__slq_bytes(n, steps));
    double nodes[120], wts[120];
    ibp_rng rng;
    ibp__rng_seed(&rng, 2, IBP__STREAM_PROBES);
    t_dense d = {n, A, 0, 0, 0};
    ibp__slq_info info;
    T_CHECK(ibp__slq(t_dense_mv, &d, n, probes, steps, 0.1, 0, &rng, ws, nodes, wts, NULL, NULL,
                     &info) == 0,
            "slq invariant");
    T_CHECK(info.nodes == 3 * probes, "3 nodes per probe (%d)", info.nodes);
    T_CHECK(info.matvecs <= 4 * probes, "early stop: %d matvecs", info.matvecs);
    for (int i = 0; i < info.nodes; i++) {
        double dmin = fmin(fabs(nodes[i] + 2), fmin(fabs(nodes[i] - 1), fabs(nodes[i] - 5)));
        T_CHECK(dmin <= 1e-12, "node %d at an eigenvalue (%.17g)", i, nodes[i]);
    }
    /* P tiny: P = 1 and 2 (Krylov space exhausted) */
    for (int p = 1; p <= 2; p++) {
        double B[4] = {2.0, 0.0, 0.0, -1.0}, B1[1] = {3.0}; /* diagonal: z^T B z / P is exact */
        t_dense db = {p, p == 1 ? B1 : B, 0, 0, 0};
        void *w2 = t_aligned_alloc(ibp__slq_bytes(p, 5));
        T_CHECK(ibp__slq(t_dense_mv, &db, p, 2, 5, 0.1, 0, &rng, w2, nodes, wts, NULL, NULL, &info) ==
                    0,
                "slq P=%d", p);
        T_CHECK(info.nodes == 2 * p, "P=%d: %d nodes", p, info.nodes);
        T_CLOSE(info.mean, p == 1 ? 3.0 : 0.5, 1e-15, 0); /* Rademacher probe: exact trace / P */
        free(w2);
    }
    T_CHECK(ibp__slq(t_dense_mv, &d, n, 0, steps, 0.1, 0, &rng, ws, nodes, wts, NULL, NULL, &info) ==
                -1,
            "0 probes refused");
    free(A), free(lam), free(ws);
}

static void test_exact(void) {
    int n = 70;
    double *A = malloc(sizeof(double) * n * n), *S = malloc(sizeof(double) * n * n);
    /* a symmetric matrix plus an antisymmetric perturbation of relative size ~1e-10 */
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = t_rand_normal(&seed);
    double num = 0, den = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) {
            double eps = 1e-10 * t_rand_normal(&seed);
            A[i * n + j] += eps;
            A[j * n + i] -= eps;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double a = A[i * n + j], b = A[j * n + i];
            num += (a - b) * (a - b);
            den += a * a;
            S[i * n + j] = 0.5 * (a + b);
        }
    void *ws = t_aligned_alloc(ibp__spectrum_bytes(n));
    double *w = malloc(sizeof(double) * n), *V = malloc(sizeof(double) * n * n);
    double *wr = malloc(sizeof(double) * n), *S2 = malloc(sizeof(double) * n * n), scr[140], asym;
    t_dense d = {n, A, 0, 0, 0};
    T_CHECK(ibp__spectrum_exact(t_dense_mv, &d, n, ws, w, V, &asym) == 0, "exact spectrum");
    T_CHECK(d.calls == n, "one matvec per column");
    T_CLOSE(asym, sqrt(num / den), 0, 1e-6);
    memcpy(S2, S, sizeof(double) * n * n);
    ibp__eigh(n, S2, wr, NULL, scr);
    double an = sqrt(den), worst = 0;
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(w[i] - wr[i]));
    T_CHECK(worst <= 1e-13 * an, "exact vs eigh of the symmetrized matrix: %.3g", worst);
    for (int i = 0; i < n; i += 7) { /* eigenvectors: residual against the symmetric part */
        double r2 = 0;
        for (int a = 0; a < n; a++) {
            double s = -w[i] * V[a * n + i];
            for (int b = 0; b < n; b++) s += S[a * n + b] * V[b * n + i];
            r2 += s * s;
        }
        T_CHECK(sqrt(r2) <= 1e-13 * an, "exact: eigenvector residual %.3g", sqrt(r2));
    }
    /* a symmetric operator has asym exactly 0 (the symmetric part is then A itself) */
    t_dense ds = {n, S, 0, 0, 0};
    T_CHECK(ibp__spectrum_exact(t_dense_mv, &ds, n, ws, w, NULL, &asym) == 0 && asym == 0.0,
            "symmetric operator: asym %.3g", asym);
    d.poison = 1, d.poison_value = INFINITY;
    T_CHECK(ibp__spectrum_exact(t_dense_mv, &d, n, ws, w, NULL, &asym) == -2, "non-finite operator");
    /* finite entries near the largest double: the eigensolver overflows, and its NaN
     * eigenvalues must not come back as a result (a diverged run's Hessian did) */
    d.poison = 0;
    for (int i = 0; i < n * n; i++) S2[i] = 1e308 * (i % 3 ? 1.0 : -1.0);
    t_dense dh = {n, S2, 0, 0, 0};
    T_CHECK(ibp__spectrum_exact(t_dense_mv, &dh, n, ws, w, NULL, &asym) == -2, "overflowing eigenvalues refused");
    T_CHECK(ibp__spectrum_exact(t_dense_mv, &d, IBP__SPECTRUM_EXACT_MAX + 1, ws, w, NULL, &asym) ==
                -1,
            "P above the limit refused");
    free(A), free(S), free(ws), free(w), free(V), free(wr), free(S2);
}

int main(void) {
    test_hutchinson();
    test_slq();
    test_slq_invariant();
    test_exact();
    return t_summary();
}
