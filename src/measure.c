/* measure.c -- sharpness during a run: Lanczos on exact Hessian-vector products of the full
 * training loss at the current parameters (warm-started from the previous measurement), and the
 * NTK top eigenvalue by Lanczos on Gauss-Newton products. */
#include "run_internal.h"

static int ibp__auto_krylov(const ibp__config *c, long P) {
    int k = c->lanczos_max ? c->lanczos_max : 80;
    if (k > P) k = (int)P;
    return k;
}

size_t ibp__measure_bytes(const ibp__config *c, long P, int *krylov) {
    if (!c->measure && !(c->lr_rel > 0)) { *krylov = 0; return 0; }
    int kry = ibp__auto_krylov(c, P);
    int topk = c->topk < P ? c->topk : (int)P;
    *krylov = kry;
    size_t b = ibp__lanczos_bytes(P, kry, topk);
    return b;
}

void ibp__hvp_full(void *ctx, const double *v, double *out) {
    ibp_run *r = ctx;
    ibp__model_hvp(&r->m, r->theta, r->m.kind == IBP__MODEL_MF ? NULL : &r->full, v, out);
}

int ibp__measure(ibp_run *r, int warm) {
    const ibp__config *c = &r->c;
    long P = r->m.P;
    int k = c->topk < P ? c->topk : (int)P;
    int rc = ibp__lanczos_run(r->lz, ibp__hvp_full, r, k, c->lambda_min, c->lanczos_tol,
                              warm && r->meas.t >= 0, &r->rng_lanczos, &r->meas.hess);
    if (rc) return IBP_E_NUMERIC;
    r->meas.t = r->t;
    return IBP_OK;
}
