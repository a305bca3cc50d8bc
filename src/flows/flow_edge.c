/* flow_edge.c -- Edge Flow (Marion, "Edge Flow: A Tractable and Predictive Continuous-Time Model
 * for Gradient Descent at the Edge of Stability", 2026, arXiv:2606.18080).
 *
 * WHAT IS PUBLISHED AND WHAT IS OURS. The only text of the paper available to us (the stored
 * arXiv HTML and its abstract pages) is the abstract and Figure 1's caption: NOT its equations,
 * so no equation number can be cited. The abstract states: three coupled ODEs; "the center
 * follows a modified gradient flow on a symmetrized loss; the direction tracks a top
 * eigenvector of the Hessian via Rayleigh quotient dynamics; and the magnitude grows or decays
 * exponentially depending on whether the sharpness exceeds or falls below the threshold 2/eta";
 * sharpness stabilisation emerges from the coupling; discretising needs "two gradient
 * evaluations and one Hessian-vector product at each iteration". The equations below are OUR
 * reading of those sentences, in GD's time t = eta k; check them against arXiv:2606.18080
 * Section 3 before relying on the details:
 *     dx/dt     = -1/2 [grad L(x + a u) + grad L(x - a u)]    centre: gradient flow on the
 *                                                             symmetrised loss 1/2[L(x+au)+L(x-au)] (E1)
 *     du/dt     = H(x) u - (u^T H(x) u) u                     direction: Rayleigh-quotient flow (E2)
 *     d(log a)/dt = u^T H(x) u - 2/eta                        magnitude: grows iff S > 2/eta   (E3)
 * with ||u|| = 1 (the right-hand side uses u/||u||, so integration error in ||u|| has no
 * effect). Per right-hand side: the two gradients of (E1) and the one HVP H(x) u of (E2)-(E3),
 * as the abstract counts. The rates are those of GD linearised at the edge: along an eigenvalue
 * lambda GD's oscillation is multiplied by |1 - eta lambda| per step, log(eta lambda - 1) =
 * eta (lambda - 2/eta) + O(eta^2 (lambda - 2/eta)^2) per step, i.e. (E3) per unit t; and the ratio
 * of two components near the edge changes by eta (lambda_1 - lambda_2) per step, (E2)'s rate. The
 * paper's "modified" gradient flow may differ from (E1) (we do not know how): that is the first
 * place to look if its figures and ours disagree.
 *
 * Ours too:
 *  - the start, from GD's iterate theta: u0 = the top Hessian eigenvector at theta (Lanczos),
 *    signed so that a0 = eta/2 <u0, grad L(theta)> >= 0 (the part along u0 of half GD's first
 *    step: the rod of GD's first two iterates projected on u0), x0 = theta - a0 u0 (so that the
 *    predicted iterate x0 + a0 u0 is theta);
 *  - GD's iterate at step k is predicted as x + (-1)^(k - k0) a u (the columns' distances);
 *  - the FLOOR (as in flow_rod.c): below 2/eta, (E3)'s decay is scaled by (1 - floor/a),
 *    floor = DBL_EPSILON ||theta_start||, GD's own rounding, which is what seeds its onset;
 *    without it a decays by thousands of e-folds before the onset and cannot regrow in time.
 * Its sharpness column is the Rayleigh quotient S = u^T H(x) u of (E2)-(E3); the predicted
 * time-averaged loss is the symmetrised loss 1/2 [L(x + a u) + L(x - a u)]. */
#include <float.h>
#include <string.h>
#include "config/config.h"
#include "flows/flows.h"

int ibp__edge_init(ibp__flows *fl, ibp__flow *f, const double *theta) {
    long P = fl->P;
    double *x = f->theta, *u = f->theta + P, *g = f->s2;
    double L = ibp__model_loss_grad(fl->model, theta, fl->batch, g);
    f->grads++;
    if (!ibp__isfinite(L) || !ibp__isfinite(ibp__sumsq(g, P))) return IBP_E_NUMERIC;
    f->lz_cold = 1;
    int rc = ibp__flow_spectrum(fl, f, theta, 1);
    if (rc) return rc;
    memcpy(u, ibp__flow_vec(f, 0), sizeof(double) * (size_t)P);
    double nu = ibp__sqrt(ibp__sumsq(u, P));
    if (!(nu > 0)) return IBP_E_NUMERIC;
    ibp__scale(P, 1.0 / nu, u);
    double ug = ibp__dot(u, g, P);
    if (ug < 0) { ibp__scale(P, -1.0, u); ug = -ug; }
    double a = 0.5 * fl->eta * ug;
    double nt = ibp__sqrt(ibp__sumsq(theta, P));
    f->floor = DBL_EPSILON * (nt > 0 ? nt : 1.0);
    if (a < f->floor) a = f->floor;
    for (long i = 0; i < P; i++) x[i] = theta[i] - a * u[i];
    f->theta[2 * P] = ibp__log(a);
    f->osc = a;
    /* the step-0 row's sharpness (the Lanczos eigenvalue: u0^T H u0 to its residual) and
     * predicted loss, before any right-hand side */
    f->sharp = f->lam[0];
    double lp = 0;
    for (int side = -1; side <= 1; side += 2) {
        for (long i = 0; i < P; i++) f->s1[i] = x[i] + side * a * u[i];
        lp += 0.5 * ibp__model_loss_grad(fl->model, f->s1, fl->batch, NULL);
    }
    f->pred = lp;
    return IBP_OK;
}

int ibp__edge_rhs(ibp__flows *fl, ibp__flow *f, const double *y, double *dy) {
    long P = fl->P;
    const double *x = y, *u = y + P;
    double *dx = dy, *du = dy + P;
    double *pt = f->s1, *gm = f->s2, *hu = f->hu, *uh = du; /* du first holds u/||u|| */
    double edge = 2.0 / fl->eta;
    double nu = ibp__sqrt(ibp__sumsq(u, P));
    double a = ibp__exp(y[2 * P]);
    if (!(nu > 0) || !ibp__isfinite(a)) return IBP_E_NUMERIC;
    for (long i = 0; i < P; i++) uh[i] = u[i] / nu;
    /* (E1): dx holds grad L(x + a u) first */
    for (long i = 0; i < P; i++) pt[i] = x[i] + a * uh[i];
    double Lp = ibp__model_loss_grad(fl->model, pt, fl->batch, dx);
    for (long i = 0; i < P; i++) pt[i] = x[i] - a * uh[i];
    double Lm = ibp__model_loss_grad(fl->model, pt, fl->batch, gm);
    f->grads += 2;
    if (!ibp__isfinite(Lp) || !ibp__isfinite(Lm)) return IBP_E_NUMERIC;
    for (long i = 0; i < P; i++) dx[i] = -0.5 * (dx[i] + gm[i]);
    /* (E2), (E3): one HVP at the centre */
    ibp__model_hvp(fl->model, x, fl->batch, uh, hu);
    f->hvps++;
    double S = ibp__dot(uh, hu, P);
    if (!ibp__isfinite(S)) return IBP_E_NUMERIC;
    for (long i = 0; i < P; i++) du[i] = hu[i] - S * uh[i];
    double dl = S - edge;
    if (dl < 0) dl *= f->floor < a ? 1.0 - f->floor / a : 0.0; /* the floor */
    dy[2 * P] = dl;
    if (!ibp__isfinite(ibp__sumsq(dy, 2 * P))) return IBP_E_NUMERIC;
    f->loss = IBP_NAN; /* the centre's loss is computed for a row when asked */
    f->pred = 0.5 * (Lp + Lm);
    f->sharp = S;
    f->lam[0] = S;
    f->osc = a;
    return IBP_OK;
}
