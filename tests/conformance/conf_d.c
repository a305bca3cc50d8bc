/* conf_d.c -- science.md D (Du, Hu, Lee 2018, "Algorithmic Regularization in Learning Deep
 * Homogeneous Models"), seeds 0..4.
 *
 * D1  MLP 10-32-32-32-2 with biases, act in {relu, identity}, fan_in init (biases 0), X N(0,1),
 *     Y = sin(X B), half-MSE, eta = 0.02, 1000 steps: with D_h = ||W_h||^2 + ||b_h||^2 - ||W_{h+1}||^2,
 *     |D_h(t+1) - D_h(t) - eta^2 (||G_Wh||^2 + ||G_bh||^2 - ||G_W(h+1)||^2)| <= 1e-10 max(1, |D_h|)
 *     at every step. D_h is computed here from theta (the bias of layer h+1 belongs to the neurons
 *     of layer h+1, so it is NOT part of D_h; the engine's gap{h} column includes it) and G is the
 *     full-batch gradient at theta_t, the one this GD step uses.
 * D2  the same to the horizon eta T = 20 for eta in {0.02, 0.01, 0.005}:
 *     drift(eta) = max_h |D_h(T) - D_h(0)| <= 0.01 max_h |D_h(0)|, drift(eta)/drift(eta/2) in [1.6, 2.6].
 * D4  matrix factorization 20 x 15, rank 3, ||M||_2 = 1, U0, V0 ~ N(0, 1e-6), eta_t = 0.3/(t+1)^0.6,
 *     T = 1e5: loss <= 1e-8 and max_t ||U^T U - V^T V||_F <= 1e-4.
 * D5  rank 1, constant eta in {0.05, 0.2, 0.4} (sigma_1(M) = 1): loss <= 1e-20 by t <= 700, 170, 90.
 * ||M||_2 and the final loss and balance are recomputed here from the target and the factors.
 * D6  (issue 14) the D1 identity for convolutional networks: Du et al.'s invariant holds per
 *     channel, so with D_h = ||K_h||^2 + ||c_h||^2 - ||K_{h+1}||^2 (layer h+1's bias excluded, a
 *     dense layer's W in place of K above the convolutions) GD changes it by exactly
 *     eta^2 (||G_Kh||^2 + ||G_ch||^2 - ||G_K(h+1)||^2) per step: |that| <= 1e-10 max(1, |D_h|) at
 *     every one of 1000 steps (eta = 0.02), act in {relu, identity}, two CNNs: 2-D (8x8 inputs,
 *     conv 4x3 then 6x3 with stride 2, flat, dense 16, 2 outputs) and 1-D (2 channels of 16,
 *     conv 4x3 and 4x3 with padding=same, average pooling, dense 16, 2 outputs); biases on,
 *     fan_in init, sin teacher, n = 64, half-MSE.
 * D7  D2's drift for those CNNs: to the horizon eta T = 20 for eta in {0.02, 0.01, 0.005},
 *     max_h |D_h(T) - D_h(0)| <= 0.01 max_h |D_h(0)| and drift(eta)/drift(eta/2) in [1.6, 2.6]. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "run/run_internal.h"

static double sumsq(const double *a, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * a[i];
    return s;
}

/* D_h (h = 1..nl-1) of parameters-or-gradient vector v laid out like theta, any depth (CNNs:
 * the convolutions' kernels and biases are layers like any other). */
static void dvals_n(const ibp_run *r, const double *v, double *D) {
    const ibp__model *m = &r->m;
    for (int h = 0; h + 1 < m->nl; h++) {
        const ibp__layer *a = &m->L[h], *b = &m->L[h + 1];
        D[h] = sumsq(v + a->off, (long)a->rows * a->cols) + (a->boff >= 0 ? sumsq(v + a->boff, a->rows) : 0) -
               sumsq(v + b->off, (long)b->rows * b->cols);
    }
}

/* D_h (h = 1..3) of parameters-or-gradient vector v laid out like theta. */
static void dvals(const ibp_run *r, const double *v, double D[3]) {
    const ibp__model *m = &r->m;
    for (int h = 0; h < 3; h++) {
        const ibp__layer *a = &m->L[h], *b = &m->L[h + 1];
        D[h] = sumsq(v + a->off, (long)a->rows * a->cols) + sumsq(v + a->boff, a->rows) -
               sumsq(v + b->off, (long)b->rows * b->cols);
    }
}

static void mlp_cfg(char *buf, size_t cap, const char *act, double eta, int steps, int seed) {
    snprintf(buf, cap,
             "model=mlp&depth=4&d=10&out=2&width=32&bias=1&act=%s&init=fan_in&data=teacher&teacher=sin&n=64"
             "&lr=%g&steps=%d&measure=0&log_every=%d&seed=%d",
             act, eta, steps, steps, seed);
}

/* D1 (eta = 0.02, stepwise) and the D2 drift of eta = 0.02; returns the drift, sets *d0max. */
static double d1_run(const char *act, int seed, double *d0max) {
    char cfg[512], where[96];
    mlp_cfg(cfg, sizeof cfg, act, 0.02, 1000, seed);
    snprintf(where, sizeof where, "D1 act=%s seed=%d", act, seed);
    ibp_run *r = conf_run(cfg);
    const ibp__model *m = &r->m;
    long P = m->P;
    int layout_ok = P == 10 * 32 + 32 + 2 * (32 * 32 + 32) + 32 * 2 + 2 && m->nl == 4;
    for (int h = 0; h < 4; h++) layout_ok = layout_ok && m->L[h].off >= 0 && m->L[h].boff >= 0;
    double bias0 = 0;
    for (int h = 0; h < 4 && layout_ok; h++) bias0 += sumsq(r->theta + m->L[h].boff, m->L[h].rows);
    conf_check(layout_ok && bias0 == 0, where, "P (4 trained layers, biases 0 at init)", (double)P, "= 2530");
    double *g = malloc(sizeof(double) * (size_t)P);
    double D0[3], Dt[3], Dn[3], G[3], worst = 0;
    dvals(r, r->theta, D0);
    memcpy(Dt, D0, sizeof Dt);
    const double eta = 0.02;
    for (int t = 0; t < 1000 && ibp_run_state(r) == IBP_RUNNING; t++) {
        double loss;
        ibp_run_loss_grad(r, &loss, g);
        dvals(r, g, G);
        ibp_run_step(r, 1, NULL, 0);
        ibp_run_clear_rows(r);
        dvals(r, r->theta, Dn);
        for (int h = 0; h < 3; h++) {
            double dev = fabs(Dn[h] - Dt[h] - eta * eta * G[h]) / fmax(1.0, fabs(Dt[h]));
            if (dev > worst) worst = dev;
        }
        memcpy(Dt, Dn, sizeof Dt);
    }
    conf_check(ibp_run_t(r) == 1000 && worst <= 1e-10, where, "worst |dD - eta^2 dG|/max(1,|D|)", worst,
               "<= 1e-10 every step (1000 steps)");
    double drift = 0;
    *d0max = 0;
    for (int h = 0; h < 3; h++) {
        drift = fmax(drift, fabs(Dt[h] - D0[h]));
        *d0max = fmax(*d0max, fabs(D0[h]));
    }
    free(g);
    ibp_run_destroy(r);
    return drift;
}

static double d2_run(const char *act, double eta, int seed) {
    char cfg[512];
    int steps = (int)lround(20 / eta);
    mlp_cfg(cfg, sizeof cfg, act, eta, steps, seed);
    ibp_run *r = conf_run(cfg);
    double D0[3], DT[3];
    dvals(r, r->theta, D0);
    long nrows;
    const char *cols[] = {"step"};
    free(conf_collect(r, cols, 1, &nrows));
    dvals(r, r->theta, DT);
    double drift = ibp_run_t(r) == steps ? 0 : NAN;
    for (int h = 0; h < 3; h++) drift = fmax(drift, fabs(DT[h] - D0[h]));
    ibp_run_destroy(r);
    return drift;
}

static void d1_d2(const char *act) {
    static const double etas[3] = {0.02, 0.01, 0.005};
    double ratio_sum[2] = {0, 0}, rel_sum[3] = {0, 0, 0};
    for (int seed = 0; seed < 5; seed++) {
        double drift[3], d0max;
        drift[0] = d1_run(act, seed, &d0max);
        drift[1] = d2_run(act, 0.01, seed);
        drift[2] = d2_run(act, 0.005, seed);
        char where[96], what[96];
        for (int e = 0; e < 3; e++) {
            snprintf(where, sizeof where, "D2 act=%s eta=%g seed=%d", act, etas[e], seed);
            conf_check(drift[e] <= 0.01 * d0max, where, "max_h|D_h(T)-D_h(0)| / max_h|D_h(0)|", drift[e] / d0max,
                       "<= 0.01");
            rel_sum[e] += drift[e] / d0max / 5;
        }
        for (int e = 0; e < 2; e++) {
            double ratio = drift[e] / drift[e + 1];
            snprintf(where, sizeof where, "D2 act=%s seed=%d", act, seed);
            snprintf(what, sizeof what, "drift(%g)/drift(%g)", etas[e], etas[e + 1]);
            conf_check(ratio >= 1.6 && ratio <= 2.6, where, what, ratio, "in [1.6, 2.6]");
            ratio_sum[e] += ratio / 5;
        }
    }
    char where[96], what[96];
    snprintf(where, sizeof where, "D2 act=%s", act);
    for (int e = 0; e < 3; e++) {
        snprintf(what, sizeof what, "relative drift at eta=%g (mean)", etas[e]);
        conf_figure(where, what, rel_sum[e]);
    }
    for (int e = 0; e < 2; e++) {
        snprintf(what, sizeof what, "drift(%g)/drift(%g) (mean)", etas[e], etas[e + 1]);
        conf_figure(where, what, ratio_sum[e]);
    }
}

/* Top singular value of the mf target A (rows, cols) by power iteration on A^T A (libm only). */
static double sigma1(const ibp_run *r) {
    const ibp__model *m = &r->m;
    int R = m->mf_rows, C = m->mf_cols;
    double v[64], w[64], lam = 0;
    for (int j = 0; j < C; j++) v[j] = 1.0 + 0.01 * j;
    for (int it = 0; it < 2000; it++) {
        double nv = sqrt(sumsq(v, C));
        for (int j = 0; j < C; j++) v[j] /= nv;
        for (int j = 0; j < C; j++) w[j] = 0;
        for (int i = 0; i < R; i++) {
            double s = 0;
            for (int j = 0; j < C; j++) s += m->A[i * C + j] * v[j];
            for (int j = 0; j < C; j++) w[j] += m->A[i * C + j] * s;
        }
        lam = sqrt(sumsq(w, C));
        memcpy(v, w, sizeof(double) * (size_t)C);
    }
    return sqrt(lam);
}

/* 1/2 ||A - X Y^T||_F^2 and ||X^T X - Y^T Y||_F from the factors X (rows, k), Y (cols, k). */
static void mf_state(const ibp_run *r, double *loss, double *bal) {
    const ibp__model *m = &r->m;
    int R = m->mf_rows, C = m->mf_cols, k = m->mf_r;
    const double *X = r->theta + m->L[0].off, *Y = r->theta + m->L[1].off;
    double s = 0;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            double p = 0;
            for (int q = 0; q < k; q++) p += X[i * k + q] * Y[j * k + q];
            double dd = m->A[i * C + j] - p;
            s += dd * dd;
        }
    *loss = 0.5 * s;
    double b = 0;
    for (int p = 0; p < k; p++)
        for (int q = 0; q < k; q++) {
            double gx = 0, gy = 0;
            for (int i = 0; i < R; i++) gx += X[i * k + p] * X[i * k + q];
            for (int j = 0; j < C; j++) gy += Y[j * k + p] * Y[j * k + q];
            b += (gx - gy) * (gx - gy);
        }
    *bal = sqrt(b);
}

static void d4(void) {
    double maxbal_all = 0, loss_all = 0;
    for (int seed = 0; seed < 5; seed++) {
        char cfg[512], where[64];
        snprintf(cfg, sizeof cfg,
                 "model=mf&rows=20&cols=15&rank=3&init=normal&init_scale=1e-3&lr=0.3&lr_power=0.6&steps=100000"
                 "&measure=0&log_every=1&seed=%d", seed);
        snprintf(where, sizeof where, "D4 seed=%d", seed);
        ibp_run *r = conf_run(cfg);
        double s1 = sigma1(r);
        /* power iteration: 2000 sweeps converge far below 1e-9 unless sigma_1 ~ sigma_2 */
        conf_check(fabs(s1 - 1) <= 1e-9, where, "||M||_2 (power iteration)", s1, "= 1 to 1e-9");
        long nrows;
        const char *cols[] = {"step", "loss", "mf_balance"};
        double *rows = conf_collect(r, cols, 3, &nrows);
        double maxbal = 0;
        for (long i = 0; i < nrows; i++) maxbal = fmax(maxbal, rows[i * 3 + 2]);
        double lossT, balT;
        mf_state(r, &lossT, &balT);
        /* the column and the recomputation differ only by summation order: 1e-12 relative on the
         * balance, and 1e-30 absolute on a loss near 1e-21 (the terms are ~1e-11 each) */
        conf_check(nrows == 100001 && fabs(balT - rows[(nrows - 1) * 3 + 2]) <= 1e-12 * balT + 1e-300 &&
                       fabs(lossT - rows[(nrows - 1) * 3 + 1]) <= 1e-12 * lossT + 1e-30,
                   where, "rows logged; final loss, balance recomputed", (double)nrows, "= 1e5 + 1, columns agree");
        conf_check(lossT <= 1e-8, where, "loss_T", lossT, "<= 1e-8");
        conf_check(maxbal <= 1e-4, where, "max_t ||U^T U - V^T V||_F", maxbal, "<= 1e-4");
        maxbal_all = fmax(maxbal_all, maxbal);
        loss_all = fmax(loss_all, lossT);
        free(rows);
        ibp_run_destroy(r);
    }
    conf_figure("D4", "max_t ||U^T U - V^T V||_F (max over seeds)", maxbal_all);
    conf_figure("D4", "loss_T (max over seeds)", loss_all);
}

static void d5(void) {
    static const double etas[3] = {0.05, 0.2, 0.4};
    static const int bound[3] = {700, 170, 90};
    for (int e = 0; e < 3; e++) {
        double tmax = 0;
        for (int seed = 0; seed < 5; seed++) {
            char cfg[512], where[64];
            snprintf(cfg, sizeof cfg,
                     "model=mf&rows=20&cols=15&rank=1&init=normal&init_scale=1e-3&lr=%g&steps=%d&measure=0&log_every=1"
                     "&seed=%d", etas[e], bound[e], seed);
            snprintf(where, sizeof where, "D5 eta=%g seed=%d", etas[e], seed);
            ibp_run *r = conf_run(cfg);
            if (seed == 0) {
                double s1 = sigma1(r); /* rank 1: the power iteration is exact after one sweep */
                conf_check(fabs(s1 - 1) <= 1e-12, where, "sigma_1(M) (power iteration)", s1, "= 1 to 1e-12");
            }
            long nrows;
            const char *cols[] = {"step", "loss"};
            double *rows = conf_collect(r, cols, 2, &nrows);
            double first = NAN;
            for (long i = 0; i < nrows; i++)
                if (rows[i * 2 + 1] <= 1e-20) { first = rows[i * 2]; break; }
            char crit[64];
            snprintf(crit, sizeof crit, "first t with loss <= 1e-20: <= %d", bound[e]);
            conf_check(first <= bound[e], where, "first t with loss <= 1e-20", first, crit);
            tmax = fmax(tmax, first);
            free(rows);
            ibp_run_destroy(r);
        }
        char where[64];
        snprintf(where, sizeof where, "D5 eta=%g", etas[e]);
        conf_figure(where, "first t with loss <= 1e-20 (max over seeds)", tmax);
    }
}

/* ---- D6, D7: convolutional networks ---------------------------------------------------------- */

static const char *cnn_names[2] = {"2-D", "1-D"};

static void cnn_cfg(char *buf, size_t cap, int variant, const char *act, double eta, int steps, int seed) {
    snprintf(buf, cap,
             "model=cnn&%s&depth=2&width=16&out=2&bias=1&act=%s&init=fan_in&data=teacher&teacher=sin&n=64"
             "&lr=%g&steps=%d&measure=0&log_every=%d&seed=%d",
             variant == 0 ? "d=64&in_shape=1,8,8&conv=4x3,6x3&stride=1,2&pool=flat"
                          : "d=32&in_shape=2,16&conv=4x3,4x3&padding=same&pool=avg",
             act, eta, steps, steps, seed);
}

/* D6 at eta = 0.02 (stepwise) and the D7 drift of eta = 0.02; returns the drift, sets *d0max. */
static double d6_run(int variant, const char *act, int seed, double *d0max) {
    char cfg[512], where[96];
    cnn_cfg(cfg, sizeof cfg, variant, act, 0.02, 1000, seed);
    snprintf(where, sizeof where, "D6 %s act=%s seed=%d", cnn_names[variant], act, seed);
    ibp_run *r = conf_run(cfg);
    const ibp__model *m = &r->m;
    int nd = m->nl - 1, ok = m->nl == 4 && m->nconv == 2;
    for (int h = 0; h < m->nl && ok; h++) ok = m->L[h].off >= 0 && m->L[h].boff >= 0;
    conf_check(ok, where, "layers (2 conv + 2 dense, all with biases)", (double)m->nl, "= 4");
    long P = m->P;
    double *g = malloc(sizeof(double) * (size_t)P);
    double D0[IBP__MAX_LAYERS], Dt[IBP__MAX_LAYERS], Dn[IBP__MAX_LAYERS], G[IBP__MAX_LAYERS], worst = 0;
    dvals_n(r, r->theta, D0);
    memcpy(Dt, D0, sizeof Dt);
    const double eta = 0.02;
    for (int t = 0; t < 1000 && ibp_run_state(r) == IBP_RUNNING; t++) {
        double loss;
        ibp_run_loss_grad(r, &loss, g);
        dvals_n(r, g, G);
        ibp_run_step(r, 1, NULL, 0);
        ibp_run_clear_rows(r);
        dvals_n(r, r->theta, Dn);
        for (int h = 0; h < nd; h++) {
            double dev = fabs(Dn[h] - Dt[h] - eta * eta * G[h]) / fmax(1.0, fabs(Dt[h]));
            if (dev > worst) worst = dev;
        }
        memcpy(Dt, Dn, sizeof Dt);
    }
    conf_check(ibp_run_t(r) == 1000 && worst <= 1e-10, where, "worst |dD - eta^2 dG|/max(1,|D|)", worst,
               "<= 1e-10 every step (1000 steps)");
    double drift = 0;
    *d0max = 0;
    for (int h = 0; h < nd; h++) {
        drift = fmax(drift, fabs(Dt[h] - D0[h]));
        *d0max = fmax(*d0max, fabs(D0[h]));
    }
    free(g);
    ibp_run_destroy(r);
    return drift;
}

static double d7_run(int variant, const char *act, double eta, int seed) {
    char cfg[512];
    int steps = (int)lround(20 / eta);
    cnn_cfg(cfg, sizeof cfg, variant, act, eta, steps, seed);
    ibp_run *r = conf_run(cfg);
    double D0[IBP__MAX_LAYERS], DT[IBP__MAX_LAYERS];
    int nd = r->m.nl - 1;
    dvals_n(r, r->theta, D0);
    long nrows;
    const char *cols[] = {"step"};
    free(conf_collect(r, cols, 1, &nrows));
    dvals_n(r, r->theta, DT);
    double drift = ibp_run_t(r) == steps ? 0 : NAN;
    for (int h = 0; h < nd; h++) drift = fmax(drift, fabs(DT[h] - D0[h]));
    ibp_run_destroy(r);
    return drift;
}

static void d6_d7(int variant, const char *act) {
    static const double etas[3] = {0.02, 0.01, 0.005};
    double ratio_sum[2] = {0, 0}, rel_sum[3] = {0, 0, 0};
    for (int seed = 0; seed < 5; seed++) {
        double drift[3], d0max;
        drift[0] = d6_run(variant, act, seed, &d0max);
        drift[1] = d7_run(variant, act, 0.01, seed);
        drift[2] = d7_run(variant, act, 0.005, seed);
        char where[96], what[96];
        for (int e = 0; e < 3; e++) {
            snprintf(where, sizeof where, "D7 %s act=%s eta=%g seed=%d", cnn_names[variant], act, etas[e], seed);
            conf_check(drift[e] <= 0.01 * d0max, where, "max_h|D_h(T)-D_h(0)| / max_h|D_h(0)|", drift[e] / d0max,
                       "<= 0.01");
            rel_sum[e] += drift[e] / d0max / 5;
        }
        for (int e = 0; e < 2; e++) {
            double ratio = drift[e] / drift[e + 1];
            snprintf(where, sizeof where, "D7 %s act=%s seed=%d", cnn_names[variant], act, seed);
            snprintf(what, sizeof what, "drift(%g)/drift(%g)", etas[e], etas[e + 1]);
            conf_check(ratio >= 1.6 && ratio <= 2.6, where, what, ratio, "in [1.6, 2.6]");
            ratio_sum[e] += ratio / 5;
        }
    }
    char where[96], what[96];
    snprintf(where, sizeof where, "D7 %s act=%s", cnn_names[variant], act);
    for (int e = 0; e < 3; e++) {
        snprintf(what, sizeof what, "relative drift at eta=%g (mean)", etas[e]);
        conf_figure(where, what, rel_sum[e]);
    }
    for (int e = 0; e < 2; e++) {
        snprintf(what, sizeof what, "drift(%g)/drift(%g) (mean)", etas[e], etas[e + 1]);
        conf_figure(where, what, ratio_sum[e]);
    }
}

int main(void) {
    conf_begin("D", "Du, Hu, Lee 2018, Algorithmic Regularization in Learning Deep Homogeneous Models");
    d1_d2("relu");
    d1_d2("identity");
    for (int variant = 0; variant < 2; variant++) {
        d6_d7(variant, "relu");
        d6_d7(variant, "identity");
    }
    d4();
    d5();
    return conf_end();
}
