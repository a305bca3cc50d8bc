/* conf_f.c -- science.md F (Wang, Chen, Zhao, Tao 2022, "Large Learning Rate Tames Homogeneity").
 *
 * F1: scalar factorization 1/2 (mu - x y)^2 with mu = 1 (model=mf, 1 x 1, rank 1, target=1;
 * theta = (X, Y) = (x, y)), inits (x0, y0) in {(4, 0.1), (6, 0.05), (10, 0.02)}, eta = c / L0 with
 * L0 the top |eigenvalue| of the Hessian at init (lr_rel=c; the engine's S0 is the largest
 * ALGEBRAIC eigenvalue, which equals the largest in magnitude here because the trace
 * x0^2 + y0^2 > 0 -- checked below against the closed form).
 *   c in {0.5, 1.5, 2.5, 3.0}: |x_T y_T - mu| <= 1e-10 at T = 2e5, x_T^2 + y_T^2 <= (2/eta)(1 + 1e-9);
 *   c in {2.5, 3.0}: |x_T - y_T| <= 0.75 |x_T - y_T|(c = 0.5) and <= sqrt(2/eta - 2 mu);
 *   c in {4.5, 5, 8}: |x| > 1e6 within 1000 steps, reported as diverged.
 * No randomness: the runs are deterministic, one per (init, c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"

#define MU 1.0

static const double inits[3][2] = {{4, 0.1}, {6, 0.05}, {10, 0.02}};

/* Closed form: the Hessian of 1/2 (mu - x y)^2 is [[y^2, 2xy - mu], [2xy - mu, x^2]]. */
static double top_abs_eig(double x, double y) {
    double a = y * y, c = x * x, b = 2 * x * y - MU;
    double mid = 0.5 * (a + c), rad = sqrt(0.25 * (a - c) * (a - c) + b * b);
    return fmax(fabs(mid + rad), fabs(mid - rad));
}

static void cfg_of(char *buf, size_t cap, int i, double c, long steps, const char *extra) {
    snprintf(buf, cap, "model=mf&rows=1&cols=1&rank=1&target=1&init=%.17g,%.17g&lr_rel=%.17g&steps=%ld&measure=0%s",
             inits[i][0], inits[i][1], c, steps, extra);
}

/* One converging run: returns |x_T - y_T| and fills *eta_out. */
static double converge(int i, double c, double *eta_out) {
    char cfg[512], where[96];
    cfg_of(cfg, sizeof cfg, i, c, 200000, "&log_every=200000");
    snprintf(where, sizeof where, "F1 init=(%g,%g) c=%g", inits[i][0], inits[i][1], c);
    ibp_run *r = conf_run(cfg);
    double L0 = top_abs_eig(inits[i][0], inits[i][1]);
    double eta = ibp_run_lr0(r);
    /* Lanczos on a 2x2 Hessian with residual tol 1e-8 gives S0 to ~1e-16 relative (the error is
     * quadratic in the residual); 1e-12 leaves room for the closed form's own rounding. */
    conf_check(fabs(eta * L0 - c) <= 1e-12 * c, where, "eta * L0 (closed-form L0)", eta * L0, "= c to 1e-12");

    /* Independent recursion for the first 10 steps: x' = x - eta (xy - mu) y, y' = y - eta (xy - mu) x.
     * Different evaluation orders differ by ~1e-16 per step; |1 - eta S| <= 2 for c <= 3 amplifies it
     * at most 2^10 times over 10 steps, so 1e-11 relative is a generous bound. */
    double x = inits[i][0], y = inits[i][1], worst = 0;
    for (int t = 0; t < 10; t++) {
        double res = x * y - MU, gx = res * y, gy = res * x;
        x -= eta * gx;
        y -= eta * gy;
        ibp_run_step(r, 1, NULL, 0);
        ibp_run_clear_rows(r);
        const double *th = ibp_run_params(r);
        double e = fmax(fabs(th[0] - x) / fabs(x), fabs(th[1] - y) / fabs(y));
        if (e > worst) worst = e;
    }
    conf_check(worst <= 1e-11, where, "first 10 steps vs recursion (rel)", worst, "<= 1e-11");

    long nrows;
    const char *cols[] = {"step"};
    free(conf_collect(r, cols, 1, &nrows));
    const double *th = ibp_run_params(r);
    double xT = th[0], yT = th[1];
    conf_check(ibp_run_state(r) == IBP_DONE_STEPS && ibp_run_t(r) == 200000, where, "steps done", (double)ibp_run_t(r),
               "= 2e5, not diverged");
    conf_check(fabs(xT * yT - MU) <= 1e-10, where, "|x_T y_T - mu|", fabs(xT * yT - MU), "<= 1e-10");
    double rad = xT * xT + yT * yT;
    conf_check(rad <= (2 / eta) * (1 + 1e-9), where, "(x_T^2 + y_T^2) eta / 2", rad * eta / 2, "<= 1 + 1e-9");
    ibp_run_destroy(r);
    *eta_out = eta;
    return fabs(xT - yT);
}

static void diverge(int i, double c) {
    char cfg[512], where[96];
    snprintf(where, sizeof where, "F1 init=(%g,%g) c=%g", inits[i][0], inits[i][1], c);
    /* As configured (default div_loss 1e10): the engine must say "diverged at step k", k <= 1000. */
    cfg_of(cfg, sizeof cfg, i, c, 1000, "&log_every=1000");
    ibp_run *r = conf_run(cfg);
    long nrows;
    const char *cols[] = {"step"};
    free(conf_collect(r, cols, 1, &nrows));
    long k = -1;
    if (ibp_run_state(r) == IBP_DIVERGED) sscanf(ibp_run_message(r), "diverged at step %ld", &k);
    conf_check(k >= 1 && k <= 1000, where, "engine: \"diverged at step k\"", (double)k, "k <= 1000");
    ibp_run_destroy(r);
    /* The loss bound 1e10 stops the run while |x| is still 1e3..1e6; raise it to 1e300 to see
     * |x| itself pass 1e6 (every row logged). */
    cfg_of(cfg, sizeof cfg, i, c, 1000, "&log_every=1&div_loss=1e300");
    r = conf_run(cfg);
    const char *cols2[] = {"step", "theta1"};
    double *rows = conf_collect(r, cols2, 2, &nrows);
    double first = -1;
    for (long j = 0; j < nrows; j++)
        if (rows[j * 2] <= 1000 && !(fabs(rows[j * 2 + 1]) <= 1e6)) { first = rows[j * 2]; break; }
    conf_check(first >= 0 && ibp_run_state(r) == IBP_DIVERGED, where, "first step with |x| > 1e6", first,
               "<= 1000 (and diverged)");
    free(rows);
    ibp_run_destroy(r);
}

int main(void) {
    static const double cs[4] = {0.5, 1.5, 2.5, 3.0}, cdiv[3] = {4.5, 5, 8};
    conf_begin("F", "Wang, Chen, Zhao, Tao 2022, Large Learning Rate Tames Homogeneity");
    for (int i = 0; i < 3; i++) {
        double gap[4], eta[4];
        for (int j = 0; j < 4; j++) gap[j] = converge(i, cs[j], &eta[j]);
        char where[96], what[96];
        for (int j = 0; j < 4; j++) {
            snprintf(where, sizeof where, "F1 init=(%g,%g) c=%g", inits[i][0], inits[i][1], cs[j]);
            conf_figure(where, "|x_T - y_T|", gap[j]);
            conf_figure(where, "bound sqrt(2/eta - 2 mu)", sqrt(2 / eta[j] - 2 * MU));
        }
        for (int j = 2; j < 4; j++) {
            snprintf(where, sizeof where, "F1 init=(%g,%g) c=%g", inits[i][0], inits[i][1], cs[j]);
            snprintf(what, sizeof what, "|x_T - y_T| / |x_T - y_T|(c=0.5)");
            conf_check(gap[j] <= 0.75 * gap[0], where, what, gap[j] / gap[0], "<= 0.75");
            double bound = sqrt(2 / eta[j] - 2 * MU);
            conf_check(gap[j] <= bound, where, "|x_T - y_T| / sqrt(2/eta - 2 mu)", gap[j] / bound, "<= 1");
        }
        for (int j = 0; j < 3; j++) diverge(i, cdiv[j]);
    }
    return conf_end();
}
