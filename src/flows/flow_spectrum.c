/* flow_spectrum.c -- a flow's top Hessian eigenpairs at a stage: Lanczos on exact HVPs of the
 * full training loss at that theta, warm-started from the previous stage's Ritz vectors (the
 * central flow's right-hand side, the gradient flow's sharpness on measured rows).
 * The central flow needs U, the eigenvectors spanning the 2/eta eigenspace that Sigma is
 * supported in (companion site of Cohen et al. 2025, Part I, eq. (5); see flow_central.c for why
 * we cite the site's numbers and not the paper's). The authors' code does the same job with
 * LOBPCG warm-started from the previous substep's eigenvectors (central_flows_jax, utils.py
 * compute_eigs, tol 1e-5); ours reach a relative residual of 1e-9:
 *  - the central flow with k >= 2: block Krylov (numerics/blockeig.c), block k, warm-started
 *    from the previous stage's k Ritz vectors (a cluster has at most k members: only the tracked
 *    eigenvalues are pinned; block k costs 1.4x the HVPs of Lanczos before any cluster forms,
 *    block k + 1 1.8x, on seed 4). It must be a BLOCK method: the flow pins every
 *    eigenvalue that reaches 2/eta at 2/eta, so its active eigenvalues form a cluster equal to
 *    ~1e-9, which a single-vector Krylov space sees as one eigenvalue. With single-vector Lanczos
 *    (before), seed 4 of the H2 calibration (three eigenvalues at the edge from step ~350) lost a
 *    copy on ~2.5 % of its right-hand sides (lambda_4 reported third, "converged"); that
 *    eigenvalue was not constrained for the stage and rose to 1 + 7e-5 times 2/eta;
 *  - the rest (central k = 1, Edge Flow's start, the gradient flow's measured sharpness): one
 *    top eigenvalue, single-vector Lanczos (numerics/lanczos.c), warm-started. */
#include "flows/flows.h"

#define IBP__FLOW_LZ_TOL 1e-9 /* relative residual of a flow's eigenpairs */

/* matvec of the Hessian at the stage theta (Lanczos' operator) */
static void ibp__flow_hvp(void *ctx, const double *v, double *out) {
    ibp__flows *fl = ctx;
    ibp__model_hvp(fl->model, fl->stage, fl->batch, v, out);
}

/* top eigenpairs at theta into f->lam (and the Lanczos Ritz vectors); counts the HVPs */
int ibp__flow_spectrum(ibp__flows *fl, ibp__flow *f, const double *theta, int k) {
    ibp__eigres e;
    fl->stage = theta;
    int rc = f->bz ? ibp__blockeig_run(f->bz, ibp__flow_hvp, fl, k, IBP__FLOW_LZ_TOL, !f->lz_cold, &f->rng, &e)
                   : ibp__lanczos_run(f->lz, ibp__flow_hvp, fl, k, 0, IBP__FLOW_LZ_TOL,
                                      f->lz_cold ? IBP__LZ_COLD : IBP__LZ_WARM, &f->rng, &e);
    f->hvps += e.matvecs;
    if (rc || !ibp__isfinite(e.val[0])) { f->lz_cold = 1; return IBP_E_NUMERIC; }
    f->lz_cold = 0;
    for (int i = 0; i < e.k; i++) f->lam[i] = e.val[i];
    for (int i = e.k; i < k; i++) f->lam[i] = IBP_NAN;
    return IBP_OK;
}

const double *ibp__flow_vec(const ibp__flow *f, int i) {
    return f->bz ? ibp__blockeig_vec(f->bz, i) : ibp__lanczos_ritz(f->lz, i);
}
