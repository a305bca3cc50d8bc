/* objective.c -- the training objective at a run's current parameters: the full-batch loss,
 * gradient and gradient norm (cached in the run until theta changes), and the exact Hessian as
 * a matvec for Lanczos and the spectral tools. The training loop, measurement and spectra all
 * build on these; they call nothing above them. */
#include "run/run_internal.h"

int ibp__run_full_loss_grad(ibp_run *r) {
    /* the metrics row's accuracy and margin need the training outputs at this theta: a model
     * that can hands over those of this forward pass, so the row does not run another */
    int keep = r->mout != NULL && r->full.x == r->D.x && r->full.n == r->D.n;
    r->mout_valid = 0;
    if (r->m.kind == IBP__MODEL_MF) r->loss = ibp__model_loss_grad(&r->m, r->theta, NULL, r->fgrad);
    else r->loss = ibp__model_loss_grad_f(&r->m, r->theta, &r->full, r->fgrad, keep ? r->mout : NULL,
                                          &r->mout_valid);
    r->gnorm = ibp__sqrt(ibp__sumsq(r->fgrad, r->m.P));
    r->fgrad_valid = 1;
    return ibp__isfinite(r->loss) && ibp__isfinite(r->gnorm);
}

void ibp__hvp_full(void *ctx, const double *v, double *out) {
    ibp_run *r = ctx;
    ibp__model_hvp(&r->m, r->theta, r->m.kind == IBP__MODEL_MF ? NULL : &r->full, v, out);
}
