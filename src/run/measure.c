/* measure.c -- sharpness during a run: Lanczos on exact Hessian-vector products of the full
 * training loss at the current parameters (warm-started from the previous measurement), and the
 * NTK top eigenvalue lambda = lambda_max(Theta/n) by Lanczos on J^T J v / n products. */
#include "run/run_internal.h"

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

void ibp__measure_carve(ibp_run *r, ibp__arena *a) {
    const ibp__config *c = &r->c;
    long P = r->m.P;
    int kry = ibp__auto_krylov(c, P);
    int topk = c->topk < P ? c->topk : (int)P;
    void *h = ibp__wants_hessian(c) ? ibp__arena_bytes(a, ibp__lanczos_bytes(P, kry, topk)) : NULL;
    void *n = ibp__wants_ntk(c) ? ibp__arena_bytes(a, ibp__lanczos_bytes(P, kry, 1)) : NULL;
    if (!a->base) return;
    r->lz_krylov = kry;
    r->lz = h ? ibp__lanczos_bind(h, P, kry, topk) : NULL;
    r->lz_ntk = n ? ibp__lanczos_bind(n, P, kry, 1) : NULL;
}

static void ibp__ntk_full(void *ctx, const double *v, double *out) {
    ibp_run *r = ctx;
    ibp__model_gnvp(&r->m, r->theta, &r->full, v, out, 1);
}

int ibp__measure_auto_every(long P) {
    /* a measurement costs tens of HVPs (~3 gradients each): keep it a modest share of the run */
    return P <= 2000 ? 5 : P <= 20000 ? 20 : 50;
}

int ibp__measure(ibp_run *r, int warm) {
    const ibp__config *c = &r->c;
    long P = r->m.P;
    int initial = r->meas.t < 0; /* at creation both are measured when available (S0, lambda0) */
    if (r->lz && (c->measure || initial)) {
        int k = c->topk < P ? c->topk : (int)P;
        int rc = ibp__lanczos_run(r->lz, ibp__hvp_full, r, k, c->lambda_min, c->lanczos_tol,
                                  warm && r->meas.t >= 0, &r->rng_lanczos, &r->meas.hess);
        if (rc) return IBP_E_NUMERIC;
        /* share of the gradient along the top eigenvector */
        if (!r->fgrad_valid) ibp__run_full_loss_grad(r);
        const double *v1 = ibp__lanczos_ritz(r->lz, 0);
        r->meas.grad_proj = r->gnorm > 0 && v1 ? ibp__fabs(ibp__dot(r->fgrad, v1, P)) / r->gnorm : IBP_NAN;
    }
    if (r->lz_ntk && (c->ntk || initial)) {
        ibp__eigres e;
        int rc = ibp__lanczos_run(r->lz_ntk, ibp__ntk_full, r, 1, 0, c->lanczos_tol, warm && r->meas.t >= 0,
                                  &r->rng_lanczos, &e);
        if (rc) return IBP_E_NUMERIC;
        r->meas.ntk = e.val[0];
        r->meas.ntk_matvecs = e.matvecs;
    }
    r->meas.t = r->t;
    return IBP_OK;
}
