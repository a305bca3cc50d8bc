/* measure.c -- sharpness during a run: Lanczos on exact Hessian-vector products of the full
 * training loss at the current parameters, and the NTK top eigenvalue lambda = lambda_max(Theta/n)
 * by Lanczos on J^T J v / n products; and the reference values S0 and lambda0 at creation.
 *
 * Reference values. lr_rel sets eta = lr_rel / S0 (or / lambda0), so S0 and lambda0 are part of
 * the trajectory and must not depend on any observation-only key (measure, topk, lambda_min,
 * lanczos_*, ...). They come from their own solve with fixed settings: the top pair only, a
 * Krylov space of min(P, 80), residual tolerance 1e-10 (so the value is exact to rounding: its
 * error is about resid^2 / gap), a cold start from a stream of their own (one per operator)
 * plus the gradient's direction. The measurements at creation then start from that pair.
 *
 * Warm starts. Between two measurements theta moves by a few steps and the top eigenvectors
 * turn smoothly most of the time. Each measurement keeps the sum of its Ritz vectors (signs
 * aligned with the previous sum); the next one starts from the polynomial through the last
 * four sums at the measurement steps, evaluated at the new step (cubic extrapolation, lower
 * order while fewer sums are consistent or when the weights would exceed IBP__EXTRAP_WMAX),
 * plus seeded noise of relative norm IBP__EXTRAP_NOISE so that a pair crossing the tracked one
 * from outside its span is still seen. Measured values are then the same to within the
 * tolerance, with fewer Hessian-vector products (bench/README.md).
 *
 * The noise sets the floor of a warm measurement's cost: a noise component along an eigenvector
 * just below the top decays only at the rate the gap allows. Less noise would be cheaper
 * (bench/README.md has the figures) but would let a crossing pair go unseen for longer: with
 * P = 3e4, 1e-4 already missed a crossing top pair by 1% for a while (noise 1e-3 by nothing). */
#include <string.h>
#include "run/run_internal.h"

#define IBP__REF_KRYLOV 80
#define IBP__REF_TOL 1e-10
#define IBP__EXTRAP_WMAX 10.0 /* largest |Lagrange weight| an extrapolation may use */
#define IBP__EXTRAP_NOISE 1e-3 /* as the plain warm start: crossings stay visible */
#define IBP__EXTRAP_CONSISTENT 0.5 /* |cos| between successive sums (per Ritz vector) */

static int ibp__auto_krylov(const ibp__config *c, long P) {
    int k = c->lanczos_max ? c->lanczos_max : 80;
    if (k > P) k = (int)P;
    return k;
}

static int ibp__wants_hessian(const ibp__config *c) {
    return c->measure || (c->lr_rel > 0 && c->lr_ref == IBP__LRREF_SHARPNESS);
}
static int ibp__wants_ntk(const ibp__config *c) {
    return c->ntk || (c->lr_rel > 0 && c->lr_ref == IBP__LRREF_NTK);
}

/* Bytes of a Lanczos workspace that serves both the reference solve (top-1, IBP__REF_KRYLOV)
 * and the measurements (kry, topk): they are bound to it one after the other. */
static size_t ibp__lz_shared_bytes(long P, int kry, int topk) {
    size_t a = ibp__lanczos_bytes(P, kry, topk), b = ibp__lanczos_bytes(P, IBP__REF_KRYLOV, 1);
    return a > b ? a : b;
}

void ibp__measure_carve(ibp_run *r, ibp__arena *a) {
    const ibp__config *c = &r->c;
    long P = r->m.P;
    int kry = ibp__auto_krylov(c, P);
    int topk = c->topk < P ? c->topk : (int)P;
    void *h = ibp__wants_hessian(c) ? ibp__arena_bytes(a, ibp__lz_shared_bytes(P, kry, topk)) : NULL;
    void *n = ibp__wants_ntk(c) ? ibp__arena_bytes(a, ibp__lz_shared_bytes(P, kry, 1)) : NULL;
    double *hist[IBP__MEAS_HIST];
    for (int i = 0; i < IBP__MEAS_HIST; i++) hist[i] = ibp__arena_doubles(a, c->measure ? (size_t)P : 0);
    if (!a->base) return;
    r->lz_krylov = kry;
    r->lz_mem = h;
    r->lz_ntk_mem = n;
    r->lz = h ? ibp__lanczos_bind(h, P, kry, topk) : NULL;
    r->lz_ntk = n ? ibp__lanczos_bind(n, P, kry, 1) : NULL;
    for (int i = 0; i < IBP__MEAS_HIST; i++) r->mh[i] = c->measure ? hist[i] : NULL;
    r->mh_n = 0;
}

static void ibp__ntk_full(void *ctx, const double *v, double *out) {
    ibp_run *r = ctx;
    ibp__model_gnvp(&r->m, r->theta, &r->full, v, out, 1);
}

int ibp__measure_auto_every(long P) {
    /* a measurement costs tens of HVPs (~3 gradients each): keep it a modest share of the run */
    return P <= 2000 ? 5 : P <= 20000 ? 20 : 50;
}

/* One reference solve on the workspace mem (bound to it for the solve, then rebound to the
 * measurements' settings by the caller): the top pair at fixed settings. Its Ritz vector is
 * left in v0 (P,). */
static int ibp__reference(ibp_run *r, void *mem, ibp__matvec mv, uint64_t stream, const double *hint,
                          ibp__eigres *out, double *v0) {
    long P = r->m.P;
    int kry = P < IBP__REF_KRYLOV ? (int)P : IBP__REF_KRYLOV;
    ibp__lanczos *lz = ibp__lanczos_bind(mem, P, kry, 1);
    ibp_rng rng;
    ibp__rng_seed(&rng, (uint64_t)r->c.seed, stream);
    ibp__lanczos_set_hint(lz, hint);
    int rc = ibp__lanczos_run(lz, mv, r, 1, 0, IBP__REF_TOL, IBP__LZ_COLD, &rng, out);
    if (rc || !ibp__isfinite(out->val[0])) return IBP_E_NUMERIC;
    memcpy(v0, ibp__lanczos_ritz(lz, 0), sizeof(double) * (size_t)P);
    return IBP_OK;
}

/* Unit sum of the Ritz vectors of the last measurement, each signed to agree with the previous
 * sum (sprev, NULL for none), into s. Returns 0 when every vector agrees clearly enough with
 * sprev (its history may be extended), 1 when it does not (the history restarts at s). */
static int ibp__ritz_sum(const ibp_run *r, const double *sprev, double *s) {
    long P = r->m.P;
    int nr = r->meas.hess.k + (r->c.lambda_min ? 1 : 0), broken = 0;
    double lim = IBP__EXTRAP_CONSISTENT / ibp__sqrt((double)nr);
    memset(s, 0, sizeof(double) * (size_t)P);
    for (int i = 0; i < nr; i++) {
        const double *y = ibp__lanczos_ritz(r->lz, i < r->meas.hess.k ? i : -1);
        if (!y) return 1;
        double d = sprev ? ibp__dot(y, sprev, P) : 1.0;
        if (!(ibp__fabs(d) >= lim)) broken = 1;
        ibp__axpy(P, d < 0 ? -1.0 : 1.0, y, s);
    }
    double ns = ibp__sqrt(ibp__sumsq(s, P));
    if (!(ns > 0) || !ibp__isfinite(ns)) return 1;
    ibp__scale(P, 1.0 / ns, s);
    return broken;
}

/* After a successful Hessian measurement at step t: push its Ritz sum on the history. */
static void ibp__history_push(ibp_run *r) {
    if (!r->mh[0]) return;
    double *s = r->mh[IBP__MEAS_HIST - 1]; /* the oldest slot becomes the newest */
    for (int i = IBP__MEAS_HIST - 1; i > 0; i--) {
        r->mh[i] = r->mh[i - 1];
        r->mh_t[i] = r->mh_t[i - 1];
    }
    r->mh[0] = s;
    r->mh_t[0] = r->t;
    int broken = ibp__ritz_sum(r, r->mh_n > 0 ? r->mh[1] : NULL, s);
    r->mh_n = broken ? 1 : (r->mh_n < IBP__MEAS_HIST ? r->mh_n + 1 : IBP__MEAS_HIST);
}

/* Lagrange weights w (q+1) of the points t_0..t_q at t. */
static double ibp__lagrange(const long *ts, int q, long t, double *w) {
    double big = 0.0;
    for (int a = 0; a <= q; a++) {
        double x = 1.0;
        for (int b = 0; b <= q; b++)
            if (b != a) x *= (double)(t - ts[b]) / (double)(ts[a] - ts[b]);
        w[a] = x;
        if (ibp__fabs(x) > big) big = ibp__fabs(x);
    }
    return big;
}

/* The start of a warm measurement at the current step, extrapolated from the history into the
 * Lanczos start vector. Returns the start mode to use. */
static int ibp__warm_start(ibp_run *r) {
    long P = r->m.P;
    if (!r->mh[0] || r->mh_n == 0 || r->mh_t[0] >= r->t) return IBP__LZ_WARM;
    int q = r->mh_n - 1 < 3 ? r->mh_n - 1 : 3;
    double w[IBP__MEAS_HIST];
    while (q > 0 && ibp__lagrange(r->mh_t, q, r->t, w) > IBP__EXTRAP_WMAX) q--;
    if (q == 0) w[0] = 1.0;
    double *v = ibp__lanczos_start(r->lz);
    memset(v, 0, sizeof(double) * (size_t)P);
    for (int a = 0; a <= q; a++) ibp__axpy(P, w[a], r->mh[a], v);
    ibp__lanczos_set_noise(r->lz, IBP__EXTRAP_NOISE);
    return IBP__LZ_GIVEN;
}

int ibp__measure_reference(ibp_run *r) {
    const ibp__config *c = &r->c;
    long P = r->m.P;
    int kry = r->lz_krylov, topk = c->topk < P ? c->topk : (int)P;
    r->s0 = r->lambda0 = IBP_NAN;
    /* the gradient at theta0 (fgrad is current at creation): a hint for the Hessian's start */
    const double *hint = r->fgrad_valid ? r->fgrad : NULL;
    if (r->lz_mem) {
        int rc = ibp__reference(r, r->lz_mem, ibp__hvp_full, IBP__STREAM_REF_HESSIAN, hint, &r->s0_res,
                                r->work);
        r->lz = ibp__lanczos_bind(r->lz_mem, P, kry, topk);
        if (rc) return rc;
        r->s0 = r->s0_res.val[0];
        memcpy(ibp__lanczos_start(r->lz), r->work, sizeof(double) * (size_t)P);
    }
    if (r->lz_ntk_mem) {
        ibp__eigres e;
        int rc = ibp__reference(r, r->lz_ntk_mem, ibp__ntk_full, IBP__STREAM_REF_NTK, NULL, &e, r->work);
        r->lz_ntk = ibp__lanczos_bind(r->lz_ntk_mem, P, kry, 1);
        if (rc) return rc;
        r->lambda0 = e.val[0];
        r->lambda0_matvecs = e.matvecs;
        memcpy(ibp__lanczos_start(r->lz_ntk), r->work, sizeof(double) * (size_t)P);
    }
    return IBP_OK;
}

/* The Hessian's measurement: top-k (and the smallest) into r->meas.hess. */
static int ibp__measure_hessian(ibp_run *r, int warm, int initial) {
    const ibp__config *c = &r->c;
    long P = r->m.P;
    int k = c->topk < P ? c->topk : (int)P, start = IBP__LZ_COLD;
    if (initial && k == 1 && !c->lambda_min && c->lanczos_tol >= IBP__REF_TOL) {
        /* the reference pair is this measurement (to a tighter tolerance) */
        ibp__lanczos_adopt(r->lz);
        r->meas.hess = r->s0_res;
    } else {
        if (initial) {
            start = IBP__LZ_GIVEN; /* from the reference pair; noise to find the others */
            ibp__lanczos_set_noise(r->lz, IBP__EXTRAP_NOISE);
        } else if (warm) {
            start = ibp__warm_start(r);
        }
        if (start == IBP__LZ_COLD && r->fgrad_valid) ibp__lanczos_set_hint(r->lz, r->fgrad);
        int rc = ibp__lanczos_run(r->lz, ibp__hvp_full, r, k, c->lambda_min, c->lanczos_tol, start,
                                  &r->rng_lanczos, &r->meas.hess);
        ibp__lanczos_set_hint(r->lz, NULL);
        if (rc) {
            r->mh_n = 0;
            return IBP_E_NUMERIC;
        }
    }
    ibp__history_push(r);
    /* share of the gradient along the top eigenvector */
    if (!r->fgrad_valid) ibp__run_full_loss_grad(r);
    const double *v1 = ibp__lanczos_ritz(r->lz, 0);
    r->meas.grad_proj = r->gnorm > 0 && v1 ? ibp__fabs(ibp__dot(r->fgrad, v1, P)) / r->gnorm : IBP_NAN;
    return IBP_OK;
}

int ibp__measure(ibp_run *r, int warm) {
    const ibp__config *c = &r->c;
    int initial = r->meas.t < 0; /* at creation: from the reference pairs (ibp__measure_reference) */
    if (r->lz && (c->measure || initial)) {
        int rc = ibp__measure_hessian(r, warm, initial);
        if (rc) return rc;
    }
    if (r->lz_ntk && (c->ntk || initial)) {
        if (initial && c->lanczos_tol >= IBP__REF_TOL) { /* the reference pair, as above */
            ibp__lanczos_adopt(r->lz_ntk);
            r->meas.ntk = r->lambda0;
            r->meas.ntk_matvecs = r->lambda0_matvecs;
        } else {
            ibp__eigres e;
            int start = initial ? IBP__LZ_GIVEN : warm ? IBP__LZ_WARM : IBP__LZ_COLD;
            int rc = ibp__lanczos_run(r->lz_ntk, ibp__ntk_full, r, 1, 0, c->lanczos_tol, start,
                                      &r->rng_lanczos, &e);
            if (rc) return IBP_E_NUMERIC;
            r->meas.ntk = e.val[0];
            r->meas.ntk_matvecs = e.matvecs;
        }
    }
    r->meas.t = r->t;
    return IBP_OK;
}
