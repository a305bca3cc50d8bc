/* test_measure.c -- the measurement suite through real runs, against independent computations:
 *   - Lanczos (r->meas after ibp_run_create and after warm-started measurements) against a dense
 *     eigensolver written here (cyclic Jacobi) on the real model Hessian, built column by column
 *     from ibp_run_hvp: MLPs (tanh, relu with thick restarts), a deep linear net, mf, an
 *     indefinite uv point (large f0, y = 0) and a depth-3 scalar net whose most negative
 *     eigenvalue is the largest in magnitude (sharpness must be the largest ALGEBRAIC one);
 *   - closed forms at a minimum (scalar mf / uv: eigenvalues x^2 + y^2 and 0);
 *   - NTK lambda: (||u||^2 + ||v||^2) x^2 / m at init, and lambda = S at zero residual (G2);
 *   - warm start uses fewer HVPs than a cold start (run here through the internal API);
 *   - Hutchinson trace and SLQ density on a real Hessian within their stated errors;
 *   - edge_ratio = lr S / 2 on every measured row, grad_proj = |g . v1| / ||g||, determinism. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "numerics/spectral.h"
#include "testlib.h"

/* The newest pending row (the run's current step), or NULL. */
static const double *last_row(const ibp_run *r) {
    int n = ibp_run_nrows(r);
    return n > 0 ? ibp_run_rows(r) + (size_t)(n - 1) * ibp_run_ncols(r) : NULL;
}

static void *wsalloc(size_t b) { return aligned_alloc(16, (b + 15) / 16 * 16); }

/* Dense Hessian (P, P) at the run's parameters: column j = H e_j, then symmetrized. */
static double *dense_hessian(ibp_run *r) {
    long P = ibp_run_nparams(r);
    double *H = malloc(sizeof(double) * (size_t)(P * P)), *e = calloc((size_t)P, sizeof(double));
    double *c = malloc(sizeof(double) * (size_t)P);
    for (long j = 0; j < P; j++) {
        e[j] = 1;
        ibp_run_hvp(r, c, e);
        e[j] = 0;
        for (long i = 0; i < P; i++) H[i * P + j] = c[i];
    }
    for (long i = 0; i < P; i++)
        for (long j = 0; j < i; j++) H[i * P + j] = H[j * P + i] = 0.5 * (H[i * P + j] + H[j * P + i]);
    free(e);
    free(c);
    return H;
}

/* testlib's cyclic Jacobi, independent of the engine's eig.c: eigenvalues to a few eps ||A||,
 * eigenvectors to eps ||A|| / gap; V[i*n + j] is component i of vector j; A destroyed. */
static void jacobi(int n, double *A, double *w, double *V) { t_jacobi_eigh(n, A, w, V); }

/* Dense spectrum of the run's Hessian: w ascending (P,), V (P, P) when not NULL; returns ||H||_2. */
static double dense_spectrum(ibp_run *r, double *w, double *V) {
    long P = ibp_run_nparams(r);
    double *H = dense_hessian(r), *VV = V ? V : malloc(sizeof(double) * (size_t)(P * P));
    jacobi((int)P, H, w, VV);
    if (!V) free(VV);
    free(H);
    return fmax(fabs(w[0]), fabs(w[P - 1]));
}

/* ---- Lanczos through the run vs the dense eigensolver ------------------------------------- */

/* Compare r->meas (the run's last measurement, which is at the current step) and the current
 * metrics row with the dense spectrum.
 * Tolerance: Lanczos stops when every wanted Ritz pair has the residual bound
 * rho = |beta s| <= 1e-8 |theta|. A Ritz value with residual rho lies within rho^2 / gap of an
 * eigenvalue (gap: distance to the rest of the spectrum), i.e. within 1e-16 theta^2 / gap:
 * 1e-10 relative whenever the gap exceeds 1e-6 |theta|, which holds for every model here
 * (checked: the gaps are printed on failure). Jacobi adds a few eps ||H||. An eigenvalue
 * below ~1e-13 ||H|| has no relative accuracy (lanczos.c's residual floor): atol 1e-12 ||H||. */
static void compare_dense(ibp_run *r, const char *what) {
    long P = ibp_run_nparams(r);
    const ibp__eigres *e = &r->meas.hess;
    T_CHECK(r->meas.t == r->t, "%s: measured at the current step (%ld vs %ld)", what, r->meas.t, r->t);
    double *w = malloc(sizeof(double) * (size_t)P);
    double hn = dense_spectrum(r, w, NULL);
    int k = r->c.topk < P ? r->c.topk : (int)P;
    T_CHECK(e->k == k, "%s: k = %d reported (%d)", what, k, e->k);
    const double *row = last_row(r);
    char name[16];
    for (int i = 0; i < e->k; i++) {
        double ref = w[P - 1 - i];
        double gap = i + 1 < P ? ref - w[P - 2 - i] : INFINITY;
        if (i > 0) gap = fmin(gap, w[P - i] - ref);
        T_CHECK(e->converged[i], "%s: pair %d converged", what, i);
        T_CHECK(fabs(e->val[i] - ref) <= 1e-12 * hn + 1e-10 * fabs(ref),
                "%s: eigenvalue %d: Lanczos %.17g vs dense %.17g (rel %.2g, gap %.3g, resid %.3g)", what, i,
                e->val[i], ref, (e->val[i] - ref) / ref, gap, e->resid[i]);
        /* the reported residual bound is the true residual of the Ritz vector (same quantity in
         * exact arithmetic; rounding in the basis: 1e-12 ||H||) */
        const double *y = ibp__lanczos_ritz(r->lz, i);
        T_CHECK(y != NULL, "%s: Ritz vector %d available", what, i);
        if (y) {
            double *hy = malloc(sizeof(double) * (size_t)P), rr = 0, yy = 0;
            ibp_run_hvp(r, hy, y);
            for (long q = 0; q < P; q++) {
                double d = hy[q] - e->val[i] * y[q];
                rr += d * d;
                yy += y[q] * y[q];
            }
            T_CLOSE(yy, 1.0, 1e-12, 0);
            T_CHECK(sqrt(rr) <= e->resid[i] + 1e-12 * hn, "%s: true residual %.3g <= bound %.3g (pair %d)", what,
                    sqrt(rr), e->resid[i], i);
            T_CHECK(e->resid[i] <= r->c.lanczos_tol * fabs(e->val[i]) + 1e-12 * hn, "%s: bound %.3g within tol", what,
                    e->resid[i]);
            free(hy);
        }
        /* the metrics row carries the same numbers */
        if (i == 0) snprintf(name, sizeof name, "sharpness");
        else snprintf(name, sizeof name, "eig%d", i + 1);
        int j = ibp_run_column_index(r, name);
        T_CHECK(j >= 0 && row && row[0] == (double)r->t && t_bits(row[j]) == t_bits(e->val[i]),
                "%s: row column %s holds the eigenvalue", what, name);
    }
    if (r->c.lambda_min) {
        double gap = w[1] - w[0];
        T_CHECK(e->vmin_converged, "%s: smallest converged", what);
        T_CHECK(fabs(e->vmin - w[0]) <= 1e-12 * hn + 1e-10 * fabs(w[0]),
                "%s: lambda_min Lanczos %.17g vs dense %.17g (gap %.3g, resid %.3g)", what, e->vmin, w[0], gap,
                e->vmin_resid);
        int j = ibp_run_column_index(r, "lambda_min");
        T_CHECK(j >= 0 && row && t_bits(row[j]) == t_bits(e->vmin), "%s: lambda_min column", what);
    }
    int j = ibp_run_column_index(r, "sharpness_resid");
    T_CHECK(j >= 0 && row && t_bits(row[j]) == t_bits(e->resid[0]), "%s: sharpness_resid column", what);
    free(w);
}

static void lanczos_vs_dense(const char *cfg, const char *what) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    char lab[96];
    snprintf(lab, sizeof lab, "%s (t=0, cold)", what);
    compare_dense(r, lab);
    /* two later measurements: warm-started from the previous Ritz vectors */
    for (int m = 0; m < 2; m++) {
        ibp_run_clear_rows(r);
        ibp_run_step(r, r->measure_every * 3, NULL, 0);
        snprintf(lab, sizeof lab, "%s (t=%ld, warm)", what, r->t);
        compare_dense(r, lab);
    }
    printf("  %s: P=%ld, S=%.6g, lambda_min=%.6g, %d HVPs, %d restarts\n", what, (long)ibp_run_nparams(r),
           r->meas.hess.val[0], r->meas.hess.vmin, r->meas.hess.matvecs, r->meas.hess.restarts);
    ibp_run_destroy(r);
}

/* uv model (G1 parameterization, m = 50) at an init with a large f0 and y = 0: H = g g^T +
 * f ∇²f where ∇²f = K / sqrt(m) (K swaps the u and v blocks: eigenvalues +-1, m times each), so
 * H has -f/sqrt(m) with multiplicity m - 1: a large, repeated negative eigenvalue. */
static void indefinite_uv(void) {
    int m = 50;
    uint64_t s = 99;
    char *cfg = malloc(4096), *p;
    p = cfg + sprintf(cfg, "model=linear&width=%d&param=ntk&data=inline&xs=1&ys=0&topk=5&lambda_min=1&lr=0.01&steps=0&init=", m);
    double u[50], v[50], f = 0, uu = 0, vv = 0;
    for (int i = 0; i < m; i++) u[i] = 1 + 0.5 * t_rand_normal(&s), v[i] = 1 + 0.5 * t_rand_normal(&s);
    for (int i = 0; i < 2 * m; i++) p += sprintf(p, "%s%.17g", i ? "," : "", i < m ? u[i] : v[i - m]);
    for (int i = 0; i < m; i++) f += u[i] * v[i], uu += u[i] * u[i], vv += v[i] * v[i];
    f /= sqrt((double)m);
    ibp_run *r = t_run(cfg, NULL, NULL);
    free(cfg);
    if (!r) return;
    long P = ibp_run_nparams(r);
    double *w = malloc(sizeof(double) * (size_t)P);
    double hn = dense_spectrum(r, w, NULL);
    const ibp__eigres *e = &r->meas.hess;
    printf("  uv m=50, f0=%.4g: dense top %.6g, next %.6g, min %.6g (closed form -f/sqrt(m) = %.6g)\n", f, w[P - 1],
           w[P - 2], w[0], -f / sqrt((double)m));
    /* the closed form of the repeated eigenvalues: +-f/sqrt(m) (dense Jacobi: a few eps ||H||) */
    T_CLOSE(w[0], -f / sqrt((double)m), 1e-13 * hn, 0);
    T_CLOSE(w[P - 2], f / sqrt((double)m), 1e-13 * hn, 0);
    T_CHECK(w[0] < -0.2 * w[P - 1], "a large negative eigenvalue (%.3g vs top %.3g)", w[0], w[P - 1]);
    /* sharpness = largest algebraic; lambda_min = the negative one. Both are simple or
     * (lambda_min) repeated: the residual argument of compare_dense applies with the gap to the
     * nearest DISTINCT eigenvalue. */
    T_CHECK(fabs(e->val[0] - w[P - 1]) <= 1e-10 * fabs(w[P - 1]), "uv: S %.17g vs dense %.17g", e->val[0], w[P - 1]);
    T_CHECK(fabs(e->vmin - w[0]) <= 1e-10 * fabs(w[0]), "uv: lambda_min %.17g vs dense %.17g", e->vmin, w[0]);
    /* top-5 with multiplicity: the Krylov space of an operator with 4 distinct eigenvalues is
     * invariant after 4 steps, and lanczos.c then explores the complement, so the repeated
     * eigenvalue f/sqrt(m) must appear 4 times */
    for (int i = 1; i < e->k; i++)
        T_CHECK(fabs(e->val[i] - w[P - 1 - i]) <= 1e-10 * fabs(w[P - 1 - i]),
                "uv: eigenvalue %d: %.17g vs dense %.17g (repeated)", i, e->val[i], w[P - 1 - i]);
    (void)uu, (void)vv;
    free(w);
    ibp_run_destroy(r);
}

/* Scalar depth-3 net f = a b c x, x = 1, y = 1, a = b = c = 1/2: r = f - y = -7/8,
 * H = g g^T + r ∇²f with g = (1/4)(1,1,1) and ∇²f = (1/2)(1 1^T - I). Along 1: 3/16 - 7/8 = -11/16;
 * orthogonal to 1: +7/16 twice. The most negative eigenvalue has the largest MAGNITUDE, so a
 * largest-magnitude method would report 11/16; the sharpness is 7/16. All values are dyadic:
 * exact in floating point, so the only error is Lanczos' (1e-8 residual -> far below 1e-12). */
static void negative_dominant(void) {
    ibp_run *r = t_run("model=linear&depth=3&d=1&width=1&data=inline&xs=1&ys=1&init=0.5,0.5,0.5&lambda_min=1&lr=0.1&steps=0", NULL, NULL);
    if (!r) return;
    T_CLOSE(r->meas.hess.val[0], 7.0 / 16, 1e-12, 0);
    T_CLOSE(r->meas.hess.vmin, -11.0 / 16, 1e-12, 0);
    T_CLOSE(ibp_run_s0(r), 7.0 / 16, 1e-12, 0);
    ibp_run_destroy(r);
}

/* ---- closed forms at a minimum -------------------------------------------------------------- */

/* At a minimum of 1/2 (y - f)^2 with a single sample the Hessian is g g^T (x^2 (grad f)...):
 * eigenvalues ||g||^2 and 0. Exact dyadic inputs: the only error is rounding, ~1e-15. */
static void closed_form_minimum(void) {
    struct { const char *cfg; double top; } cases[] = {
        /* scalar mf 1/2 (1 - x y)^2 at (2, 1/2): x^2 + y^2 = 4.25 */
        {"model=mf&rows=1&cols=1&rank=1&target=1&init=2,0.5&topk=2&lambda_min=1&steps=0", 4.25},
        /* scalar uv f = w2 w1 x, x = 1, y = 1 at (2, 1/2) */
        {"model=linear&depth=2&d=1&width=1&data=inline&xs=1&ys=1&init=2,0.5&topk=2&lambda_min=1&steps=0", 4.25},
        /* uv with m = 3 (standard param): u = (1,2,2), v = (1/2,1/4,1/2), f = v.u = 2 = y:
         * ||u||^2 + ||v||^2 = 9 + 9/16 */
        {"model=linear&depth=2&d=1&width=3&data=inline&xs=1&ys=2&init=1,2,2,0.5,0.25,0.5&topk=3&lambda_min=1&steps=0",
         9.5625},
        /* the same with x = 2, y = 4: the Hessian scales by x^2 */
        {"model=linear&depth=2&d=1&width=3&data=inline&xs=2&ys=4&init=1,2,2,0.5,0.25,0.5&topk=3&lambda_min=1&steps=0",
         4 * 9.5625},
    };
    for (int c = 0; c < 4; c++) {
        ibp_run *r = t_run(cases[c].cfg, NULL, NULL);
        if (!r) continue;
        double loss;
        ibp_run_loss_grad(r, &loss, NULL);
        T_CHECK(loss == 0, "case %d at a minimum (loss %g)", c, loss);
        const ibp__eigres *e = &r->meas.hess;
        T_CLOSE(e->val[0], cases[c].top, 0, 1e-14);
        int j = ibp_run_column_index(r, "sharpness");
        T_CHECK(j >= 0 && ibp_run_rows(r)[j] == e->val[0], "case %d: sharpness column", c);
        for (int i = 1; i < e->k; i++) T_CLOSE(e->val[i], 0.0, 1e-14 * cases[c].top, 0);
        T_CLOSE(e->vmin, 0.0, 1e-14 * cases[c].top, 0);
        ibp_run_destroy(r);
    }
}

/* ---- NTK --------------------------------------------------------------------------------- */

/* uv model, one sample x: Theta = ||grad f||^2 = x^2 (||u||^2 + ||v||^2) / m. The NTK operator
 * on parameters J^T J / n has rank one, so Lanczos is exact after one step: 1e-13 relative. */
static void ntk_init(void) {
    const char *cfgs[] = {
        "model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&ntk=1&lr=0.1&steps=0",
        "model=linear&width=200&param=ntk&init=normal&data=inline&xs=0.7&ys=0.3&ntk=1&lr=0.1&steps=0&seed=3",
    };
    double xs[] = {1, 0.7};
    for (int c = 0; c < 2; c++) {
        ibp_run *r = t_run(cfgs[c], NULL, NULL);
        if (!r) continue;
        long P = ibp_run_nparams(r), m = P / 2;
        const double *th = ibp_run_params(r);
        double s = 0;
        for (long i = 0; i < P; i++) s += th[i] * th[i];
        double ref = xs[c] * xs[c] * s / (double)m;
        int j = ibp_run_column_index(r, "ntk");
        T_CHECK(j >= 0, "ntk column");
        if (j >= 0) T_CLOSE(ibp_run_rows(r)[j], ref, 0, 1e-13);
        T_CLOSE(r->lambda0, ref, 0, 1e-13);
        ibp_run_destroy(r);
    }
}

/* G2: run G1 (m = 1000, x = 1, y = 0, eta = c / lambda0) to convergence; at zero residual the
 * Hessian is the Gauss-Newton matrix, so S = lambda (science.md: within 1e-5 relative). Also
 * lambda_T against (||u||^2 + ||v||^2)/m from the final parameters (rank one: 1e-12). */
static void ntk_equals_sharpness(double c) {
    char cfg[256];
    snprintf(cfg, sizeof cfg,
             "model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=%g&lr_ref=ntk&steps=2000"
             "&ntk=1&measure_every=100&log_every=100",
             c);
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    double lam0 = r->lambda0;
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_clear_rows(r);
        ibp_run_step(r, 1000, NULL, 0);
    }
    const double *row = last_row(r);
    int js = ibp_run_column_index(r, "sharpness"), jn = ibp_run_column_index(r, "ntk"), jl = ibp_run_column_index(r, "loss");
    T_CHECK(row && js >= 0 && jn >= 0 && row[0] == 2000, "final row measured");
    if (!row || js < 0 || jn < 0) { ibp_run_destroy(r); return; }
    const double *th = ibp_run_params(r);
    double s = 0;
    for (long i = 0; i < 2000; i++) s += th[i] * th[i];
    printf("  G2 c=%g: L_T=%.3g, S_T=%.12g, lambda_T=%.12g, lambda_T/lambda0=%.4f\n", c, row[jl], row[js], row[jn],
           row[jn] / lam0);
    T_CHECK(row[jl] <= 1e-20, "G2 c=%g converged (L_T %.3g)", c, row[jl]);
    T_CLOSE(row[js], row[jn], 0, 1e-5);
    T_CLOSE(row[jn], s / 1000.0, 0, 1e-12);
    ibp_run_destroy(r);
}

/* ---- warm start ------------------------------------------------------------------------------ */

/* A slowly moving trajectory (small eta, a measurement every step): the warm start from the
 * previous Ritz vectors must need fewer HVPs than a seeded cold start on the same parameters,
 * run here through the internal API with the run's own settings (k, tol, Krylov size). */
static void warm_start(void) {
    ibp_run *r = t_run("model=mlp&depth=2&width=16&d=5&n=60&act=tanh&lr=0.01&topk=3&measure_every=1&steps=40", NULL, NULL);
    if (!r) return;
    long P = ibp_run_nparams(r);
    void *mem = wsalloc(ibp__lanczos_bytes(P, r->lz_krylov, 3));
    ibp__lanczos *lz = ibp__lanczos_bind(mem, P, r->lz_krylov, 3);
    ibp_rng rng;
    ibp__rng_seed(&rng, 7, IBP__STREAM_LANCZOS);
    int jh = ibp_run_column_index(r, "hvps"), js = ibp_run_column_index(r, "sharpness");
    long warm_total = 0, cold_total = 0;
    int fewer = 0, nmeas = 0;
    for (int t = 0; t < 40; t++) {
        ibp_run_clear_rows(r);
        ibp_run_step(r, 1, NULL, 0);
        const double *row = last_row(r);
        if (!row || isnan(row[js])) continue;
        ibp__eigres cold;
        int rc = ibp__lanczos_run(lz, ibp__hvp_full, r, 3, 0, r->c.lanczos_tol, 0, &rng, &cold);
        T_CHECK(rc == 0, "cold run");
        T_CLOSE(row[js], cold.val[0], 0, 1e-10); /* both within 1e-16 S^2/gap of the truth */
        warm_total += (long)row[jh];
        cold_total += cold.matvecs;
        fewer += row[jh] < cold.matvecs;
        nmeas++;
    }
    printf("  warm start: %d measurements, %ld HVPs warm vs %ld cold (%d of them fewer)\n", nmeas, warm_total,
           cold_total, fewer);
    T_CHECK(nmeas == 40, "a measurement every step (%d)", nmeas);
    T_CHECK(warm_total < cold_total, "warm %ld < cold %ld HVPs", warm_total, cold_total);
    T_CHECK(fewer >= nmeas * 3 / 4, "warm cheaper in %d of %d measurements", fewer, nmeas);
    free(mem);
    ibp_run_destroy(r);
}

/* ---- Hutchinson and SLQ on a real Hessian ---------------------------------------------------- */

static double Phi(double x) { return 0.5 * (1 + erf(x / sqrt(2.0))); }

static void trace_and_density(void) {
    ibp_run *r = t_run("model=mlp&depth=3&width=8&d=4&n=40&act=tanh&lr=0.05&steps=30&measure=0", NULL, NULL);
    if (!r) return;
    ibp_run_step(r, 30, NULL, 0); /* away from init: a less special spectrum */
    long P = ibp_run_nparams(r);
    double *H = dense_hessian(r), *Hc = malloc(sizeof(double) * (size_t)(P * P));
    double *w = malloc(sizeof(double) * (size_t)P), *V = malloc(sizeof(double) * (size_t)(P * P));
    memcpy(Hc, H, sizeof(double) * (size_t)(P * P));
    double tr = 0, off = 0;
    for (long i = 0; i < P; i++) tr += H[i * P + i];
    for (long i = 0; i < P; i++)
        for (long j = 0; j < P; j++)
            if (i != j) off += H[i * P + j] * H[i * P + j];
    jacobi((int)P, Hc, w, V);
    /* Hutchinson with Rademacher probes: one probe has variance 2 sum_{i != j} H_ij^2, so the
     * mean of N probes is within 4 sd of tr H except with probability 6e-5 (fixed seed anyway);
     * the sample se estimates sd/sqrt(N) to ~1/sqrt(2(N-1)) (+ kurtosis): 25% band */
    int probes = 400;
    void *hw = wsalloc(ibp__hutchinson_bytes(P));
    ibp_rng rng;
    ibp__rng_seed(&rng, 5, IBP__STREAM_PROBES);
    ibp__trace_est est;
    T_CHECK(ibp__hutchinson(ibp__hvp_full, r, P, probes, &rng, hw, &est) == 0, "hutchinson on the run's Hessian");
    double se = sqrt(2 * off / probes);
    printf("  hutchinson: %.6g +- %.3g (exact %.6g, theoretical se %.3g)\n", est.mean, est.se, tr, se);
    T_CHECK(fabs(est.mean - tr) <= 4 * se, "trace %.6g vs exact %.6g (4 se = %.3g)", est.mean, tr, 4 * se);
    T_CLOSE(est.se, se, 0, 0.25);
    /* SLQ: every probe's quadrature sum w_i theta_i is v^T H v for the normalized probe v, so the
     * mean is Hutchinson / P (same 4 se band / P); the broadened CDF against the exact broadened
     * CDF: one probe's v^T f(H) v with 0 <= f <= 1 has variance <= 2/P, so `probes` probes are
     * within 4 sqrt(2/(P probes)); 40 steps make the Gauss quadrature of a Gaussian CDF of width
     * range/30 exact to far below that. */
    int sp = 40, steps = 40, ngrid = 400;
    void *sw = wsalloc(ibp__slq_bytes(P, steps));
    double *nodes = malloc(sizeof(double) * sp * steps), *wts = malloc(sizeof(double) * sp * steps);
    double *grid = malloc(sizeof(double) * ngrid), *dens = malloc(sizeof(double) * ngrid);
    double range = w[P - 1] - w[0], sigma = range / 30;
    ibp__slq_info info;
    T_CHECK(ibp__slq(ibp__hvp_full, r, P, sp, steps, sigma, ngrid, &rng, sw, nodes, wts, grid, dens, &info) == 0,
            "slq on the run's Hessian");
    double mse = sqrt(2 * off / sp) / P;
    T_CHECK(fabs(info.mean - tr / P) <= 4 * mse, "slq mean %.6g vs tr/P %.6g (4 se %.3g)", info.mean, tr / P, 4 * mse);
    double band = 4 * sqrt(2.0 / ((double)P * sp)), worst = 0;
    for (int g = 0; g <= 200; g++) {
        double x = w[0] - 3 * sigma + (range + 6 * sigma) * g / 200.0, fs = 0, fe = 0;
        for (int i = 0; i < info.nodes; i++) fs += wts[i] * Phi((x - nodes[i]) / sigma);
        for (long k = 0; k < P; k++) fe += Phi((x - w[k]) / sigma) / P;
        worst = fmax(worst, fabs(fs - fe));
    }
    T_CHECK(worst <= band, "SLQ CDF within %.3g of the exact broadened CDF (worst %.4f)", band, worst);
    /* the density on the grid integrates to 1 (trapezoid; tails beyond 4 sigma: 6e-5) */
    double mass = 0, hstep = grid[1] - grid[0];
    for (int g = 0; g < ngrid; g++) mass += (g == 0 || g == ngrid - 1 ? 0.5 : 1.0) * dens[g] * hstep;
    T_CLOSE(mass, 1.0, 1e-3, 0);
    /* the extreme nodes are Ritz values: inside the spectrum, and after 40 steps the top one is
     * the top eigenvalue (an outlier converges fast): 1e-6 relative */
    double nlo = nodes[0], nhi = nodes[0];
    for (int i = 0; i < info.nodes; i++) nlo = fmin(nlo, nodes[i]), nhi = fmax(nhi, nodes[i]);
    T_CHECK(nlo >= w[0] - 1e-12 * range && nhi <= w[P - 1] + 1e-12 * range, "nodes inside the spectrum");
    T_CLOSE(nhi, w[P - 1], 0, 1e-6);
    printf("  slq: P=%ld, mean %.6g vs %.6g, CDF worst %.4f (band %.3f), mass %.6f\n", P, info.mean, tr / P, worst,
           band, mass);
    free(H), free(Hc), free(w), free(V), free(hw), free(sw), free(nodes), free(wts), free(grid), free(dens);
    ibp_run_destroy(r);
}

/* ---- edge ratio, gradient projection, determinism ---------------------------------------- */

static void edge_ratio(void) {
    ibp_run *r = t_run("model=mlp&depth=2&width=12&d=4&n=40&act=tanh&lr=0.4&lr_power=0.3&warmup=7&measure_every=3"
                      "&steps=60&lambda_min=1", NULL, NULL);
    if (!r) return;
    ibp_run_step(r, 60, NULL, 0);
    int js = ibp_run_column_index(r, "sharpness"), je = ibp_run_column_index(r, "edge_ratio"), jl = ibp_run_column_index(r, "lr"), nc = ibp_run_ncols(r);
    int nmeas = 0, ok = 1;
    for (int i = 0; i < ibp_run_nrows(r); i++) {
        const double *row = ibp_run_rows(r) + (size_t)i * nc;
        int measured = !isnan(row[js]);
        long t = (long)row[0];
        T_CHECK(measured == (t % 3 == 0 || t == 60), "row %ld measured iff t %% 3 == 0", t);
        if (isnan(row[je]) != !measured) ok = 0;
        if (!measured) continue;
        nmeas++;
        /* eta S / 2 with the lr of the row (the step t -> t+1): one product and one division */
        if (!t_close(row[je], row[jl] * row[js] / 2, 0, 1e-15)) ok = 0;
    }
    T_CHECK(ok && nmeas == 21, "edge_ratio = lr * sharpness / 2 on all %d measured rows, NaN elsewhere", nmeas);
    ibp_run_destroy(r);
}

/* grad_proj = |g . v1| / ||g||. The Ritz vector's angle to v1 is at most resid / gap (Davis-Kahan),
 * which bounds the difference; Jacobi's v1 is accurate to eps ||H|| / gap. */
static void grad_proj(void) {
    ibp_run *r = t_run("model=mlp&depth=2&width=10&d=4&n=40&act=tanh&lr=0.1&measure_every=4&steps=40", NULL, NULL);
    if (!r) return;
    for (int pass = 0; pass < 3; pass++) {
        if (pass) {
            ibp_run_clear_rows(r);
            ibp_run_step(r, 8, NULL, 0);
        }
        long P = ibp_run_nparams(r);
        double *w = malloc(sizeof(double) * (size_t)P), *V = malloc(sizeof(double) * (size_t)(P * P));
        double *g = malloc(sizeof(double) * (size_t)P);
        double hn = dense_spectrum(r, w, V);
        ibp_run_loss_grad(r, NULL, g);
        double gv = 0, gg = 0;
        for (long i = 0; i < P; i++) gv += g[i] * V[i * P + (P - 1)], gg += g[i] * g[i];
        double ref = fabs(gv) / sqrt(gg), gap = w[P - 1] - w[P - 2];
        double tol = r->meas.hess.resid[0] / gap + 1e-13 * hn / gap + 1e-14;
        int j = ibp_run_column_index(r, "grad_proj");
        const double *row = last_row(r);
        T_CHECK(j >= 0 && row && row[0] == (double)r->t, "grad_proj row");
        if (j >= 0 && row) {
            T_CHECK(fabs(row[j] - ref) <= tol, "t=%ld grad_proj %.15g vs dense %.15g (tol %.3g)", r->t, row[j], ref, tol);
            if (pass == 2) printf("  grad_proj t=%ld: %.12g vs dense %.12g (tol %.2g)\n", r->t, row[j], ref, tol);
        }
        free(w), free(V), free(g);
    }
    ibp_run_destroy(r);
}

static void determinism(void) {
    const char *cfgs[] = {
        "model=mlp&depth=3&width=10&d=4&n=40&act=relu&lr=0.2&topk=3&lambda_min=1&ntk=1&measure_every=2&steps=60",
        "model=mf&rows=7&cols=5&rank=2&init=normal&init_scale=0.5&lr=0.2&topk=4&lambda_min=1&ntk=1&measure_every=3&steps=60",
        ("model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&ntk=1&lambda_min=1"
         "&measure_every=2&steps=40"),
    };
    for (int c = 0; c < 3; c++) {
        ibp_run *a = t_run(cfgs[c], NULL, NULL), *b = t_run(cfgs[c], NULL, NULL);
        if (a && b) {
            ibp_run_step(a, 1000, NULL, 0);
            ibp_run_step(b, 1000, NULL, 0);
            int js = ibp_run_column_index(a, "sharpness"), nc = ibp_run_ncols(a), nmeas = 0;
            for (int i = 0; i < ibp_run_nrows(a); i++) nmeas += !isnan(ibp_run_rows(a)[(size_t)i * nc + js]);
            T_CHECK(nmeas >= 20 && ibp_run_nrows(a) == ibp_run_nrows(b) &&
                        t_same_bits(ibp_run_rows(a), ibp_run_rows(b), (long)ibp_run_nrows(a) * nc),
                    "same config, same bits in all rows (%d measured): %s", nmeas, cfgs[c]);
        }
        ibp_run_destroy(a);
        ibp_run_destroy(b);
    }
}

int main(void) {
    lanczos_vs_dense("model=mlp&depth=2&width=10&d=4&n=40&act=tanh&lr=0.05&topk=5&lambda_min=1&measure_every=5&steps=100",
                     "mlp tanh");
    lanczos_vs_dense("model=mlp&depth=3&width=8&d=4&n=40&act=relu&lr=0.05&topk=5&lambda_min=1&measure_every=5"
                     "&lanczos_max=12&steps=100",
                     "mlp relu (Krylov 12: thick restarts)");
    lanczos_vs_dense("model=linear&depth=3&d=4&width=5&data=teacher&n=30&lr=0.02&topk=5&lambda_min=1&measure_every=5"
                     "&steps=100",
                     "deep linear");
    lanczos_vs_dense("model=mf&rows=8&cols=6&rank=2&init=normal&init_scale=0.5&lr=0.05&topk=5&lambda_min=1"
                     "&measure_every=5&steps=100",
                     "mf");
    indefinite_uv();
    negative_dominant();
    closed_form_minimum();
    ntk_init();
    ntk_equals_sharpness(0.5);
    ntk_equals_sharpness(2.5);
    warm_start();
    trace_and_density();
    edge_ratio();
    grad_proj();
    determinism();
    return t_summary();
}
