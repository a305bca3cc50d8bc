/* flow_rod.c -- Rod Flow (Regis & Chewi, "Rod Flow: A Continuous-Time Model for Gradient Descent
 * at the Edge of Stability", 2026, arXiv:2602.01480).
 *
 * WHAT IS PUBLISHED AND WHAT IS OURS. The only text of the paper available to us (the stored
 * arXiv HTML of v1 and its abstract pages) is the abstract and the first paragraphs of the
 * introduction: NOT its equations. The abstract states: GD's iterates are pictured "as an
 * extended one-dimensional object -- a rod"; the flow is "explicit and cheap to compute"; it
 * "correctly predicts the critical sharpness threshold" and "explains self-stabilization in
 * quartic potentials". The equations below are OUR derivation from that picture, so no equation
 * number of the paper can be cited; where the paper may differ we say so. Check against
 * arXiv:2602.01480 Sections 2-3 before relying on the details.
 *
 * The derivation (ours). Take the rod to be the segment between two consecutive iterates,
 * centre w and half-vector delta: x_k = w + delta, x_{k+1} = w - delta. One GD step applied to
 * both ends gives the next pair, whose order is flipped at the edge of stability (the iterate
 * oscillates along the sharp direction); re-labelling it so that delta varies slowly:
 *     w'     = w - eta/2 [grad L(w + delta) + grad L(w - delta)]
 *     delta' = -delta + eta/2 [grad L(w + delta) - grad L(w - delta)]
 * and, per unit of GD time t = eta k (one step = eta),
 *     dw/dt     = -1/2 [grad L(w + delta) + grad L(w - delta)]                   (R1)
 *     ddelta/dt =  1/2 [grad L(w + delta) - grad L(w - delta)] - (2/eta) delta   (R2)
 * Explicit, two gradients per right-hand side, no Hessian. Linearised, (R2) is
 * ddelta/dt = (H - 2/eta) delta: the rod grows exactly along the eigenvalues above 2/eta (the
 * critical threshold), and (R1) is the gradient flow on the symmetrised loss
 * 1/2 [L(w + delta) + L(w - delta)] = L(w) + 1/2 delta^T H delta + ..., whose second term pulls the
 * sharpness down as the rod grows (self-stabilisation; on a quartic the rod settles where the
 * secant curvature along it is 2/eta, GD's period-2 orbit).
 *
 * Ours too:
 *  - the state: delta = a v/||v|| with log a a variable of its own, y = [w, v, log a]: the same
 *    ODE (R1)-(R2) written in the rod's length and direction,
 *        d(log a)/dt = vh^T D,   dv/dt = D - (vh^T D) vh,
 *        D = 1/2 [g(w + delta) - g(w - delta)]/a - (2/eta) vh      (vh = v/||v||, g = grad L):
 *    the integrator controls the rod's length relatively while it is 1e-16 of theta (before the
 *    onset) as well as when it is 1e-1 (after), which an absolute tolerance on delta cannot;
 *  - a rod shorter than h = 1e-6 max(1, ||w||) is evaluated at half-length h along the same
 *    direction: [g(w + h vh) - g(w - h vh)] / (2h) is odd in h, so it equals the short rod's
 *    value to relative O(h^2), where the short rod's own ends would round to w; the symmetric
 *    part then carries an O(h^2) bias (<= 1e-10 relative here);
 *  - the start: the rod of GD's first two iterates from theta: delta0 = eta/2 grad L(theta),
 *    w0 = theta - delta0 (so w0 + delta0 = theta and w0 - delta0 = theta - eta grad L(theta));
 *  - GD's iterate at step k is predicted as w + (-1)^(k - k0) delta (the columns' distances);
 *  - the FLOOR: GD's own oscillation never decays below the rounding of its iterate (relative
 *    2^-52), and that rounding is what seeds GD's first catapult. In exact arithmetic (R2) lets
 *    ||delta|| decay like e^{-(2/eta - S) t}, thousands of e-folds before the onset on our runs,
 *    from which the rod could not regrow in time. So a decaying d(log a)/dt is scaled by
 *    (1 - floor/a), floor = DBL_EPSILON ||theta_start||: the rod's length decays to the floor,
 *    never below it; everything else is (R1), (R2) unchanged.
 * Predicted time-averaged loss: 1/2 [L(w + delta) + L(w - delta)] (the mean of the loss at the
 * two ends: GD's loss averaged over two steps). Its oscillation column rf_osc is a = ||delta||. */
#include <float.h>
#include <string.h>
#include "config/config.h"
#include "flows/flows.h"

#define IBP__ROD_H 1e-6 /* the shortest rod evaluated as such, relative to max(1, ||w||) */

int ibp__rod_init(ibp__flows *fl, ibp__flow *f, const double *theta) {
    long P = fl->P;
    double *w = f->theta, *v = f->theta + P;
    double L = ibp__model_loss_grad(fl->model, theta, fl->batch, v);
    f->grads++;
    if (!ibp__isfinite(L) || !ibp__isfinite(ibp__sumsq(v, P))) return IBP_E_NUMERIC;
    ibp__scale(P, 0.5 * fl->eta, v); /* delta0 */
    for (long i = 0; i < P; i++) w[i] = theta[i] - v[i];
    double a = ibp__sqrt(ibp__sumsq(v, P));
    double nt = ibp__sqrt(ibp__sumsq(theta, P));
    f->floor = DBL_EPSILON * (nt > 0 ? nt : 1.0);
    if (a > 0) ibp__scale(P, 1.0 / a, v);
    else v[0] = 1.0; /* a stationary start: any direction, at the floor */
    if (a < f->floor) a = f->floor;
    f->theta[2 * P] = ibp__log(a);
    f->osc = a;
    return IBP_OK;
}

int ibp__rod_rhs(ibp__flows *fl, ibp__flow *f, const double *y, double *dy) {
    long P = fl->P;
    const double *w = y, *v = y + P;
    double *dw = dy, *dv = dy + P, *gm = f->s2, *pt = f->s1, *vh = f->grad;
    double nv = ibp__sqrt(ibp__sumsq(v, P)), a = ibp__exp(y[2 * P]);
    if (!(nv > 0) || !ibp__isfinite(a)) return IBP_E_NUMERIC;
    for (long i = 0; i < P; i++) vh[i] = v[i] / nv;
    double nw = ibp__sqrt(ibp__sumsq(w, P));
    double h = IBP__ROD_H * (nw > 1 ? nw : 1.0), r = a > h ? a : h;
    /* the ends w +- r vh; dw holds grad L(w + r vh) first */
    for (long i = 0; i < P; i++) pt[i] = w[i] + r * vh[i];
    double Lp = ibp__model_loss_grad(fl->model, pt, fl->batch, dw);
    for (long i = 0; i < P; i++) pt[i] = w[i] - r * vh[i];
    double Lm = ibp__model_loss_grad(fl->model, pt, fl->batch, gm);
    f->grads += 2;
    if (!ibp__isfinite(Lp) || !ibp__isfinite(Lm)) return IBP_E_NUMERIC;
    /* D = (R2) / a = 1/2 [g(w + delta) - g(w - delta)] / a - (2/eta) vh  (into dv) */
    double edge = 2.0 / fl->eta;
    for (long i = 0; i < P; i++) {
        double gp = dw[i], gn = gm[i];
        dv[i] = 0.5 * (gp - gn) / r - edge * vh[i];
        dw[i] = -0.5 * (gp + gn); /* (R1) */
    }
    double rad = ibp__dot(vh, dv, P); /* d(log a)/dt */
    ibp__axpy(P, -rad, vh, dv);       /* dv/dt: the direction's part */
    if (rad < 0) rad *= f->floor < a ? 1.0 - f->floor / a : 0.0; /* the floor */
    dy[2 * P] = rad;
    if (!ibp__isfinite(ibp__sumsq(dy, 2 * P)) || !ibp__isfinite(rad)) return IBP_E_NUMERIC;
    f->loss = IBP_NAN; /* the centre's loss is computed for a row when asked */
    /* the predicted average loss at the rod's true ends (computed for a row when shorter than h) */
    f->pred = a >= h ? 0.5 * (Lp + Lm) : IBP_NAN;
    f->osc = a;
    return IBP_OK;
}

double ibp__rod_pred(ibp__flows *fl, ibp__flow *f) {
    long P = fl->P;
    const double *w = f->theta, *v = f->theta + P;
    double nv = ibp__sqrt(ibp__sumsq(v, P)), a = ibp__exp(f->theta[2 * P]), s = 0;
    if (!(nv > 0)) return IBP_NAN;
    for (int side = -1; side <= 1; side += 2) {
        for (long i = 0; i < P; i++) f->s1[i] = w[i] + side * a * v[i] / nv;
        s += 0.5 * ibp__model_loss_grad(fl->model, f->s1, fl->batch, NULL);
    }
    return s;
}
