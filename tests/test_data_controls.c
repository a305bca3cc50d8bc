/* test_data_controls.c -- the data controls and the loss of issue 14, against independent
 * computations:
 *   - cov: the sample covariance of 40000 draws (training set and online samples) against
 *     diag(cov), and with cov_rotate its eigenvalues (Jacobi) against cov, its off-diagonal mass
 *     nonzero; tolerances 6 standard errors of a sample covariance (sqrt(2/n) relative);
 *   - target_dist=iid: ||A||_2 = target_norm by power iteration, full rank (the product target has
 *     rank `rank`), entries that look N(0,1) before the scaling (their mean square / ||A||^2 ratio
 *     against a Marchenko-Pastur-free bound: the rescaled entries' kurtosis is that of a normal);
 *   - param=ntk_all: an MLP whose first layer is scaled by 1/sqrt(d) is the standard MLP with W1 /
 *     sqrt(d): same loss, gradient (chain rule) and outputs;
 *   - loss=ce: value against log-sum-exp in libm, stable at logits of 1e4, gradient against
 *     central differences of the loss, the Hessian action (ibp__loss_hmul) against central
 *     differences of the gradient, soft targets, and an MLP with ce: its gradient and HVP against
 *     central differences of its loss and gradient;
 *   - errors that name the key, the value and what is allowed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static ibp_run *make(const char *cfg) {
    char err[512];
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    T_CHECK(rc == IBP_OK, "%s: %s", cfg, err);
    return r;
}

static void expect_refused(const char *cfg, const char *msg) {
    char err[512] = "";
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    T_CHECK(rc != IBP_OK && !r && strstr(err, msg), "%s: rc %d \"%s\" (want \"%s\")", cfg, rc, err, msg);
    ibp_run_destroy(r);
}

/* sample covariance (d, d) of x (n, d) */
static void covariance(const double *x, int n, int d, double *C) {
    double mean[16] = {0};
    for (int i = 0; i < n; i++) for (int a = 0; a < d; a++) mean[a] += x[i * d + a] / n;
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
            C[a * d + b] = s / n;
        }
}

static void check_cov(const char *what, const double *x, int n, int d, const double *spec, int rotated) {
    double C[256], w[16], Cc[256];
    covariance(x, n, d, C);
    memcpy(Cc, C, sizeof(double) * d * d);
    t_jacobi_eigh(d, Cc, w, NULL);
    double se = 6 * sqrt(2.0 / n), off = 0, top = 0;
    double sorted[16];
    memcpy(sorted, spec, sizeof(double) * d);
    for (int a = 0; a < d; a++) /* ascending, like the eigenvalues */
        for (int b = a + 1; b < d; b++)
            if (sorted[b] < sorted[a]) { double t = sorted[a]; sorted[a] = sorted[b]; sorted[b] = t; }
    for (int a = 0; a < d; a++) {
        T_CHECK(fabs(w[a] - sorted[a]) <= se * sorted[d - 1], "%s: eigenvalue %d %.4g vs %.4g", what, a, w[a], sorted[a]);
        if (!rotated) T_CHECK(fabs(C[a * d + a] - spec[a]) <= se * spec[a], "%s: var %d %.4g vs %.4g", what, a, C[a * d + a], spec[a]);
        for (int b = 0; b < d; b++) if (b != a) off = fmax(off, fabs(C[a * d + b]));
        top = fmax(top, spec[a]);
    }
    if (rotated) T_CHECK(off >= 0.05 * top, "%s: a rotated covariance has off-diagonal entries (max %.3g)", what, off);
    else T_CHECK(off <= se * top, "%s: off-diagonal %.3g", what, off);
}

static void test_cov(void) {
    const double spec[4] = {4, 1, 1, 0.25};
    for (int rot = 0; rot < 2; rot++) {
        char cfg[256], what[64];
        snprintf(cfg, sizeof cfg, "model=linear&depth=1&d=4&data=teacher&cov=4,1,1,0.25&cov_rotate=%d&n=40000&steps=0&measure=0"
                 "&opt=sgd&sample=online&batch=8&seed=%d", rot, 3 + rot);
        ibp_run *r = make(cfg);
        if (!r) continue;
        snprintf(what, sizeof what, "training set, cov_rotate=%d", rot);
        check_cov(what, r->D.x, r->D.n, 4, spec, rot);
        /* online samples come from the same law */
        double *x = malloc(sizeof(double) * 40000 * 4), *y = malloc(sizeof(double) * 40000);
        ibp__data_sample(&r->D, &r->c, &r->rng_online, 40000, x, y);
        snprintf(what, sizeof what, "online samples, cov_rotate=%d", rot);
        check_cov(what, x, 40000, 4, spec, rot);
        free(x); free(y);
        ibp_run_destroy(r);
    }
    /* turning the rotation on does not move the teacher; kappa still works with the rotation */
    ibp_run *a = make("model=linear&depth=1&d=4&data=teacher&cov=4,1,1,0.25&n=10&steps=0&measure=0");
    ibp_run *b = make("model=linear&depth=1&d=4&data=teacher&cov=4,1,1,0.25&cov_rotate=1&n=10&steps=0&measure=0");
    if (a && b) T_CHECK(!memcmp(a->D.gen + 4 + 2, b->D.gen + 4 + 2, sizeof(double) * 4), "the teacher W moved with cov_rotate");
    ibp_run_destroy(a); ibp_run_destroy(b);
    ibp_run *k = make("model=linear&depth=1&d=3&data=teacher&kappa=16&cov_rotate=1&n=40000&steps=0&measure=0&seed=7");
    const double ks[3] = {1, 0.25, 1.0 / 16};
    if (k) check_cov("kappa=16, rotated", k->D.x, k->D.n, 3, ks, 1);
    ibp_run_destroy(k);
    expect_refused("data=teacher&d=4&cov=1,2,3", "cov has 3 values: give one eigenvalue per input dimension (d=4)");
    expect_refused("data=teacher&d=2&cov=1,2&kappa=3", "kappa and cov are both given");
    expect_refused("data=teacher&d=2&cov=1,0", "cov=0 is out of range");
    expect_refused("data=xor&cov=1,2", "cov does not apply here");
}

/* top singular value of A (R, C) by power iteration, and the smallest by inverse-free means:
 * the eigenvalues of A^T A from Jacobi */
static void singular_values(const double *A, int R, int C, double *sv) {
    double *G = malloc(sizeof(double) * C * C);
    for (int a = 0; a < C; a++)
        for (int b = 0; b < C; b++) {
            double s = 0;
            for (int i = 0; i < R; i++) s += A[i * C + a] * A[i * C + b];
            G[a * C + b] = s;
        }
    t_jacobi_eigh(C, G, sv, NULL);
    for (int a = 0; a < C; a++) sv[a] = sqrt(fmax(sv[a], 0));
    free(G);
}

static void test_mf_iid(void) {
    double sv[16];
    for (int seed = 0; seed < 3; seed++) {
        char cfg[200];
        snprintf(cfg, sizeof cfg, "model=mf&rows=9&cols=6&rank=2&target_dist=iid&target_norm=2.5&steps=0&measure=0&seed=%d", seed);
        ibp_run *r = make(cfg);
        if (!r) continue;
        singular_values(r->m.A, 9, 6, sv);
        T_CLOSE(sv[5], 2.5, 0, 1e-12);
        T_CHECK(sv[0] > 1e-3 * sv[5], "iid target: full rank (smallest singular value %.3g)", sv[0]);
        ibp_run_destroy(r);
        snprintf(cfg, sizeof cfg, "model=mf&rows=9&cols=6&rank=2&target_norm=2.5&steps=0&measure=0&seed=%d", seed);
        r = make(cfg);
        if (!r) continue;
        singular_values(r->m.A, 9, 6, sv);
        T_CHECK(fabs(sv[5] - 2.5) <= 1e-12 * 2.5 && sv[3] <= 1e-6 * sv[5], "product target: rank 2 (singular values from the eigenvalues of A^T A: zero ones come out as sqrt(eps) ~ 1e-8) (%.3g %.3g)", sv[3], sv[4]);
        ibp_run_destroy(r);
    }
    /* the entries are i.i.d. N(0,1) before the scaling: over a large target their kurtosis is 3 */
    ibp_run *r = make("model=mf&rows=200&cols=150&target_dist=iid&steps=0&measure=0&mem_cap=64");
    if (r) {
        double m2 = 0, m4 = 0, n = 200.0 * 150;
        for (long i = 0; i < 30000; i++) { double a = r->m.A[i]; m2 += a * a / n; m4 += a * a * a * a / n; }
        double kurt = m4 / (m2 * m2);
        /* sd of the sample kurtosis of a normal: sqrt(24/n) = 0.028 */
        T_CHECK(fabs(kurt - 3) <= 6 * sqrt(24 / n), "iid entries: kurtosis %.3f (a normal has 3)", kurt);
        ibp_run_destroy(r);
    }
    expect_refused("model=mf&target_dist=iid&sv=1,2,3", "target_dist=iid draws A_ij ~ N(0,1): it excludes sv");
}

static void test_ntk_all(void) {
    ibp_run *a = make("model=mlp&depth=3&d=5&width=7&act=tanh&param=ntk_all&n=20&steps=0&measure=0&seed=2");
    ibp_run *b = make("model=mlp&depth=3&d=5&width=7&act=tanh&param=ntk&n=20&steps=0&measure=0&seed=2");
    if (!a || !b) { ibp_run_destroy(a); ibp_run_destroy(b); return; }
    T_CLOSE(a->m.L[0].alpha, 1 / sqrt(5.0), 0, 1e-15);
    T_CHECK(a->m.L[1].alpha == b->m.L[1].alpha && b->m.L[0].alpha == 1, "alphas");
    long P = ibp_run_nparams(a);
    double *th = malloc(sizeof(double) * P), *ga = malloc(sizeof(double) * P), *gb = malloc(sizeof(double) * P), la, lb;
    memcpy(th, ibp_run_params(a), sizeof(double) * P);
    for (long i = 0; i < 35; i++) th[i] /= sqrt(5.0); /* W1 (7, 5) / sqrt(d) */
    ibp_run_set_params(b, th, NULL, 0);
    ibp_run_loss_grad(a, &la, ga);
    ibp_run_loss_grad(b, &lb, gb);
    T_CLOSE(la, lb, 0, 1e-14);
    for (long i = 0; i < 35; i++) gb[i] /= sqrt(5.0); /* dL/dW1 of a = dL/dW1' of b / sqrt(d) */
    T_CHECK(t_relerr(ga, gb, P) <= 1e-13, "ntk_all gradient vs the rescaled standard net: %.3g", t_relerr(ga, gb, P));
    free(th); free(ga); free(gb);
    ibp_run_destroy(a); ibp_run_destroy(b);
}

/* ---- cross-entropy ------------------------------------------------------------------------- */

static double ce_ref(const double *f, const double *y, int n, int k) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        double m = -INFINITY, se = 0, sy = 0, yf = 0;
        for (int j = 0; j < k; j++) m = fmax(m, f[i * k + j]);
        for (int j = 0; j < k; j++) se += exp(f[i * k + j] - m);
        for (int j = 0; j < k; j++) { sy += y[i * k + j]; yf += y[i * k + j] * f[i * k + j]; }
        s += sy * (m + log(se)) - yf;
    }
    return s / n;
}

static void test_ce_loss(void) {
    uint64_t rs = 99;
    enum { N = 5, K = 4 };
    double f[N * K], y[N * K], g[N * K], h[N * K], r[N * K], hr[N * K], fp[N * K], gp[N * K], gm[N * K];
    for (int soft = 0; soft < 2; soft++) {
        for (int i = 0; i < N * K; i++) f[i] = 3 * t_rand_normal(&rs);
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int j = 0; j < K; j++) { y[i * K + j] = soft ? t_rand_uniform(&rs) : j == i % K; s += y[i * K + j]; }
            for (int j = 0; j < K; j++) y[i * K + j] /= s;
        }
        double L = ibp__loss(IBP__LOSS_CE, f, y, N, K, g);
        T_CLOSE(L, ce_ref(f, y, N, K), 0, 1e-14);
        T_CLOSE(ibp__loss(IBP__LOSS_CE, f, y, N, K, NULL), L, 0, 0);
        double worst = 0;
        for (int i = 0; i < N * K; i++) { /* central differences, h = 1e-5: error ~1e-10 */
            memcpy(fp, f, sizeof f);
            fp[i] = f[i] + 1e-5;
            double lp = ce_ref(fp, y, N, K);
            fp[i] = f[i] - 1e-5;
            double lm = ce_ref(fp, y, N, K);
            worst = fmax(worst, fabs((lp - lm) / 2e-5 - g[i]));
        }
        T_CHECK(worst <= 1e-9, "ce gradient vs FD: %.3g", worst);
        for (int i = 0; i < N * K; i++) r[i] = t_rand_normal(&rs);
        ibp__loss_curv(IBP__LOSS_CE, f, y, N, K, h);
        ibp__loss_hmul(IBP__LOSS_CE, h, N, K, r, hr);
        for (int i = 0; i < N * K; i++) { fp[i] = f[i] + 1e-5 * r[i]; }
        ibp__loss(IBP__LOSS_CE, fp, y, N, K, gp);
        for (int i = 0; i < N * K; i++) { fp[i] = f[i] - 1e-5 * r[i]; }
        ibp__loss(IBP__LOSS_CE, fp, y, N, K, gm);
        worst = 0;
        for (int i = 0; i < N * K; i++) worst = fmax(worst, fabs((gp[i] - gm[i]) / 2e-5 - hr[i]));
        T_CHECK(worst <= 1e-9, "ce Hessian action vs FD of the gradient: %.3g", worst);
        /* in place: out aliasing h, and aliasing r */
        double h2[N * K], r2[N * K];
        memcpy(h2, h, sizeof h); memcpy(r2, r, sizeof r);
        ibp__loss_hmul(IBP__LOSS_CE, h2, N, K, r, h2);
        ibp__loss_hmul(IBP__LOSS_CE, h, N, K, r2, r2);
        T_CHECK(t_same_bits(h2, hr, N * K) && t_same_bits(r2, hr, N * K), "hmul in place");
        /* rows are independent: a block of rows on its own gives the same bits (blocked HVPs) */
        double hb[N * K];
        ibp__loss_hmul(IBP__LOSS_CE, h, 2, K, r, hb);
        ibp__loss_hmul(IBP__LOSS_CE, h + 2 * K, N - 2, K, r + 2 * K, hb + 2 * K);
        T_CHECK(t_same_bits(hb, hr, N * K), "hmul by blocks of rows");
        /* the Hessian is (diag p - p p^T)/n per sample: symmetric, rows sum to zero */
        double rowsum = 0;
        for (int i = 0; i < N; i++) {
            double one[K];
            for (int j = 0; j < K; j++) one[j] = 1;
            double out[K];
            ibp__loss_hmul(IBP__LOSS_CE, h + i * K, 1, K, one, out);
            for (int j = 0; j < K; j++) rowsum = fmax(rowsum, fabs(out[j]));
        }
        T_CHECK(rowsum <= 1e-15, "the softmax Hessian (to k eps: sum p = 1 in rounding) annihilates the all-ones vector: %.3g", rowsum);
    }
    /* huge logits: finite, and the exact limits */
    double big[4] = {1e4, -1e4, 0, 1e4 - 1}, yy[4] = {0, 1, 0, 0}, gg[4];
    double L = ibp__loss(IBP__LOSS_CE, big, yy, 1, 4, gg);
    T_CHECK(isfinite(L) && fabs(L - (2e4 + log(1 + exp(-1.0)))) <= 1e-12 * 2e4 && gg[1] == -1 && isfinite(gg[0]),
            "ce at logits of 1e4: L = %.17g", L);
    /* diagonal losses: hmul is exactly h * r */
    double hd[3] = {0.5, 0.25, 2}, rd[3] = {1.1, -3, 0.7}, od[3];
    ibp__loss_hmul(IBP__LOSS_MSE, hd, 3, 1, rd, od);
    T_CHECK(od[0] == 0.5 * 1.1 && od[1] == 0.25 * -3 && od[2] == 2 * 0.7, "diagonal hmul");
}

/* an MLP (and the linear net) with ce: gradient and HVP against central differences */
static void test_ce_models(void) {
    const char *cfgs[2] = {"model=mlp&depth=2&width=6&act=tanh&data=inline&out=3&loss=ce&steps=0&measure=0&xs=%s&ys=%s",
                           "model=linear&depth=2&width=4&data=inline&out=3&loss=ce&steps=0&measure=0&xs=%s&ys=%s"};
    for (int c = 0; c < 2; c++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg, cfgs[c], "0.5,-1,2,0.3,1,1,-0.7,0.2,-2,1.5,0.4,0.9", "1,0,0,0,1,0,0,0,1,0.2,0.3,0.5");
        ibp_run *r = make(cfg);
        if (!r) continue;
        long P = ibp_run_nparams(r);
        double *th = malloc(sizeof(double) * P), *g = malloc(sizeof(double) * P), *tp = malloc(sizeof(double) * P);
        double *v = malloc(sizeof(double) * P), *hv = malloc(sizeof(double) * P), *g1 = malloc(sizeof(double) * P),
               *g2 = malloc(sizeof(double) * P), L;
        memcpy(th, ibp_run_params(r), sizeof(double) * P);
        ibp_run_loss_grad(r, &L, g);
        double worst = 0;
        for (long i = 0; i < P; i++) {
            memcpy(tp, th, sizeof(double) * P);
            tp[i] += 1e-5;
            double lp = ibp__model_loss_grad(&r->m, tp, &r->full, NULL);
            tp[i] -= 2e-5;
            double lm = ibp__model_loss_grad(&r->m, tp, &r->full, NULL);
            worst = fmax(worst, fabs((lp - lm) / 2e-5 - g[i]));
        }
        T_CHECK(worst <= 1e-8, "%s: ce gradient vs FD %.3g", cfg, worst);
        uint64_t rs = 5;
        for (long i = 0; i < P; i++) v[i] = t_rand_normal(&rs);
        ibp_run_hvp(r, hv, v);
        for (long i = 0; i < P; i++) tp[i] = th[i] + 1e-5 * v[i];
        ibp__model_loss_grad(&r->m, tp, &r->full, g1);
        for (long i = 0; i < P; i++) tp[i] = th[i] - 1e-5 * v[i];
        ibp__model_loss_grad(&r->m, tp, &r->full, g2);
        worst = 0;
        for (long i = 0; i < P; i++) worst = fmax(worst, fabs((g1[i] - g2[i]) / 2e-5 - hv[i]));
        T_CHECK(worst <= 1e-7 * (1 + t_maxabs(hv, P)), "%s: ce HVP vs FD %.3g", cfg, worst);
        free(th); free(g); free(tp); free(v); free(hv); free(g1); free(g2);
        ibp_run_destroy(r);
    }
    expect_refused("data=xor&loss=ce", "loss=ce is a softmax over the outputs and needs out >= 2");
    expect_refused("data=teacher&out=2&loss=ce&steps=0", "loss=ce needs targets that are probability vectors");
    expect_refused("data=inline&out=2&xs=1,2&ys=0.5,0.6,1,0&loss=ce", "training row 1 does not sum to 1");
    expect_refused("model=mf&loss=ce", "loss=ce does not apply to model=mf");
    expect_refused("data=teacher&out=2&labels=sign&loss=ce", "labels=sign gives targets +-1");
}

int main(void) {
    test_cov();
    test_mf_iid();
    test_ntk_all();
    test_ce_loss();
    test_ce_models();
    return t_summary();
}
