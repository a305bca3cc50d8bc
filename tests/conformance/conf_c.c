/* conf_c.c -- science.md C (Ziyin, Wang, Li, Wu 2024, parameter symmetry and noise equilibrium
 * of SGD): C1 and C2, seeds 0..4.
 *
 * C1: the exact per-step identities, through the real run loop (the approach of
 *     tests/test_identities.c: run_internal.h gives r->last, the batch each step used, and g_t and
 *     the gradients are recomputed here from that batch, independently of the engine's update):
 *       scalar f = u w x (GD over n = 1000 samples, online SGD batch 1; eta = 0.05, 1000 steps):
 *         |C_{t+1} - (1 - eta^2 g_t^2) C_t| <= 1e-12 (u^2 + w^2), C = u^2 - w^2,
 *         g_t = batch mean of (u w x_i - y_i) x_i;
 *       two-layer linear f = U W x (h = 3, d = 3, scalar output, online SGD batch 1, eta = 0.02):
 *         ||D_{t+1} - D_t - eta^2 (G_U^T G_U - G_W G_W^T)||_max <= 1e-12 ||theta_t||^2,
 *         D = U^T U - W W^T.
 * C2: x ~ N(0,1), y = x + eps, sigma = 1, online SGD batch 1, eta = 0.05, T = 2e4 from
 *     (u, w) in {(2, 0.5), (0.5, 2), (3, 1/3)}: |C_T| <= 1e-3, and the first t with
 *     |C_t| < 0.01 |C_0| in [0.6, 1.2] ln(100)/(eta^2 sigma^2); GD on n = 1000 fixed samples:
 *     |C_T - C_0| <= 0.01 |C_0|. C is the gap1 column (layer2_sq - layer1_sq = u^2 - w^2), checked
 *     here against the parameters at the end.
 * theta = (W1, W2) = (w, u) for f = W2 W1 x, so init=<w>,<u>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "run/run_internal.h"
#include "conf.h"
#include "testlib.h"

#define C_SEEDS 5

static const double c_inits[3][2] = {{2, 0.5}, {0.5, 2}, {3, 1.0 / 3}}; /* (u, w) */

/* C1 scalar: the worst per-step deviation in units of u^2 + w^2 */
static double c1_scalar(const char *opt, const double uw[2], int seed) {
    char cfg[512];
    snprintf(cfg, sizeof cfg, "model=linear&depth=2&d=1&width=1&init=%.17g,%.17g&data=teacher&teacher_w=1"
             "&noise=1&n=1000&%s&lr=0.05&steps=1000&measure=0&log_every=1000&seed=%d", uw[1], uw[0], opt, seed);
    ibp_run *r = conf_run(cfg);
    const double eta = 0.05;
    double worst = 0;
    for (int t = 0; t < 1000 && ibp_run_state(r) == IBP_RUNNING; t++) {
        double w = r->theta[0], u = r->theta[1];
        double C = u * u - w * w;
        ibp_run_step(r, 1, NULL, 0);
        ibp_run_clear_rows(r);
        const ibp__batch *b = &r->last;
        double g = 0;
        for (int i = 0; i < b->n; i++) g += (u * w * b->x[i] - b->y[i]) * b->x[i];
        g /= b->n;
        double w1 = r->theta[0], u1 = r->theta[1];
        double dev = fabs((u1 * u1 - w1 * w1) - (1 - eta * eta * g * g) * C) / (u * u + w * w);
        if (dev > worst) worst = dev;
    }
    if (ibp_run_t(r) != 1000) worst = INFINITY;
    ibp_run_destroy(r);
    return worst;
}

/* C1 matrix: f = U W x, W (3, 3) = layer 1, U (1, 3) = layer 2 */
static double c1_matrix(int seed) {
    char cfg[512];
    snprintf(cfg, sizeof cfg, "model=linear&depth=2&d=3&width=3&init=normal&init_scale=0.7&data=teacher&noise=1"
             "&n=1000&opt=sgd&batch=1&sample=online&lr=0.02&steps=1000&measure=0&log_every=1000&seed=%d", seed);
    ibp_run *r = conf_run(cfg);
    const double eta = 0.02;
    double worst = 0;
    for (int t = 0; t < 1000 && ibp_run_state(r) == IBP_RUNNING; t++) {
        double dev = t_c1_matrix_step(r, eta);
        ibp_run_clear_rows(r);
        if (dev > worst) worst = dev;
    }
    if (ibp_run_t(r) != 1000) worst = INFINITY;
    ibp_run_destroy(r);
    return worst;
}

/* C2: one run; returns C_0, C_T and the first t with |C_t| < 0.01 |C_0| (-1 if none) */
static void c2_run(int sgd, const double uw[2], int seed, double *C0, double *CT, long *t1, double *CTp) {
    char cfg[512];
    snprintf(cfg, sizeof cfg, "model=linear&depth=2&d=1&width=1&init=%.17g,%.17g&data=teacher&teacher_w=1"
             "&noise=1&n=1000&%s&lr=0.05&steps=20000&measure=0&seed=%d", uw[1], uw[0],
             sgd ? "opt=sgd&batch=1&sample=online" : "opt=gd", seed);
    ibp_run *r = conf_run(cfg);
    const char *cols[] = {"step", "gap1"};
    long n;
    double *tab = conf_collect(r, cols, 2, &n);
    *C0 = tab[1];
    *CT = tab[(n - 1) * 2 + 1];
    *t1 = -1;
    for (long i = 0; i < n; i++)
        if (fabs(tab[i * 2 + 1]) < 0.01 * fabs(*C0)) { *t1 = (long)tab[i * 2]; break; }
    const double *th = ibp_run_params(r);
    *CTp = th[1] * th[1] - th[0] * th[0];
    if (ibp_run_t(r) != 20000 || tab[(n - 1) * 2] != 20000) *CT = NAN;
    free(tab);
    ibp_run_destroy(r);
}

int main(void) {
    clock_t t0 = clock();
    char where[96], crit[96];
    conf_begin("C", "Ziyin, Wang, Li, Wu 2024, Parameter Symmetry and Noise Equilibrium of SGD");

    /* ---- C1 ---- */
    double w1 = 0;
    for (int s = 0; s < C_SEEDS; s++)
        for (int k = 0; k < 3; k++) {
            for (int sgd = 0; sgd <= 1; sgd++) {
                double dev = c1_scalar(sgd ? "opt=sgd&batch=1&sample=online" : "opt=gd", c_inits[k], s);
                snprintf(where, sizeof where, "C1 %s (u,w)=(%g,%.3g) seed=%d", sgd ? "SGD" : "GD", c_inits[k][0],
                         c_inits[k][1], s);
                conf_check(dev <= 1e-12, where, "max_t |C' - (1-eta^2 g^2) C|/(u^2+w^2)", dev, "<= 1e-12");
                if (dev > w1) w1 = dev;
            }
        }
    double wm = 0;
    for (int s = 0; s < C_SEEDS; s++) {
        double dev = c1_matrix(s);
        snprintf(where, sizeof where, "C1 UWx h=3 d=3 SGD seed=%d", s);
        conf_check(dev <= 1e-12, where, "max_t ||D'-D-eta^2(..)||_max/|th|^2", dev, "<= 1e-12");
        if (dev > wm) wm = dev;
    }
    conf_figure("C1 scalar (all runs)", "worst per-step deviation / (u^2+w^2)", w1);
    conf_figure("C1 matrix (all runs)", "worst per-step deviation / ||theta||^2", wm);

    /* ---- C2 ---- */
    const double eta = 0.05, sigma = 1;
    const double tpred = log(100.0) / (eta * eta * sigma * sigma);
    for (int k = 0; k < 3; k++) {
        double mt = 0, mCT = 0, mgd = 0;
        for (int s = 0; s < C_SEEDS; s++) {
            double C0, CT, CTp;
            long t1;
            snprintf(where, sizeof where, "C2 SGD (u,w)=(%g,%.3g) seed=%d", c_inits[k][0], c_inits[k][1], s);
            c2_run(1, c_inits[k], s, &C0, &CT, &t1, &CTp);
            /* the column against the parameters: same formula, possibly another rounding order */
            conf_check(fabs(CT - CTp) <= 1e-15 * (1 + fabs(C0)), where, "|gap1_T - (u_T^2 - w_T^2)|",
                       fabs(CT - CTp), "<= 1e-15 (1 + |C_0|)");
            conf_check(fabs(CT) <= 1e-3, where, "|C_T|", fabs(CT), "<= 1e-3");
            snprintf(crit, sizeof crit, "in [0.6, 1.2] ln100/(eta^2 s^2) = [%.0f, %.0f]", 0.6 * tpred, 1.2 * tpred);
            conf_check(t1 >= 0 && t1 >= 0.6 * tpred && t1 <= 1.2 * tpred, where, "first t: |C_t| < 0.01 |C_0|",
                       (double)t1, crit);
            mt += (double)t1 / C_SEEDS;
            mCT += fabs(CT) / C_SEEDS;

            snprintf(where, sizeof where, "C2 GD (u,w)=(%g,%.3g) seed=%d", c_inits[k][0], c_inits[k][1], s);
            c2_run(0, c_inits[k], s, &C0, &CT, &t1, &CTp);
            conf_check(fabs(CT - C0) <= 0.01 * fabs(C0), where, "|C_T - C_0| / |C_0|", fabs(CT - C0) / fabs(C0),
                       "<= 0.01");
            mgd += fabs(CT - C0) / fabs(C0) / C_SEEDS;
        }
        snprintf(where, sizeof where, "C2 (u,w)=(%g,%.3g)", c_inits[k][0], c_inits[k][1]);
        conf_figure(where, "SGD first t |C_t|<0.01|C_0| (mean)", mt);
        conf_figure(where, "predicted ln(100)/(eta^2 sigma^2)", tpred);
        conf_figure(where, "SGD |C_T| (mean over seeds)", mCT);
        conf_figure(where, "GD |C_T - C_0|/|C_0| (mean)", mgd);
    }
    printf("conf_c: %.1f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    return conf_end();
}
