/* test_data.c -- data generators, splits, OLS solution, online sampling, CSV import/export
 * (src/data_gen.c, src/data_csv.c).
 *
 * Each generator is checked against its definition with independent arithmetic (libm, long
 * double OLS by pivoted elimination) and statistical properties with CLT tolerances: with a
 * sample of size m and a per-sample standard deviation sd, a mean is allowed 5 sd / sqrt(m)
 * (the seeds are fixed, so this is a one-time ~6e-7 false-alarm risk per check, not a flake). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/data.h"
#include "testlib.h"

#define GUARD 64
#define CANARY (-12345.678)

static ibp__config cfg(int data) {
    ibp__config c;
    memset(&c, 0, sizeof c);
    c.data = data;
    c.n = 100;
    c.d = 4;
    c.out = 1;
    c.kappa = 1;
    c.teacher = IBP__TEACHER_LINEAR;
    c.teacher_width = 16;
    c.teacher_scale = 1;
    c.wstar_norm = 1;
    c.p = 0.5;
    c.margin = 0.1;
    c.flip = 0.1;
    c.labels = IBP__LABELS_RAW;
    c.data_seed = 1;
    return c;
}

typedef struct set {
    ibp__data D;
    double *mem;
    size_t nd;
    int rc;
    char err[512];
} set;

/* Build into exactly ibp__data_doubles doubles followed by a canary block that must survive. */
static void build(set *s, const ibp__config *c, const char *csv) {
    ibp__csvinfo info = {0, 0};
    memset(s, 0, sizeof *s);
    if (c->data == IBP__DATA_CSV) {
        s->rc = ibp__csv_scan(csv, c->out, &info, s->err, sizeof s->err);
        if (s->rc) return;
    }
    s->nd = ibp__data_doubles(c, &info);
    s->mem = malloc(sizeof(double) * (s->nd + GUARD));
    for (size_t i = 0; i < s->nd + GUARD; i++) s->mem[i] = CANARY;
    s->rc = ibp__data_build(&s->D, c, csv, &info, NULL, s->mem, s->err, sizeof s->err);
    int intact = 1;
    for (size_t i = s->nd; i < s->nd + GUARD; i++) intact &= s->mem[i] == CANARY;
    T_CHECK(intact, "data=%d wrote past ibp__data_doubles", c->data);
}
static void release(set *s) { free(s->mem); s->mem = NULL; }

static int has(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

/* Independent OLS: normal equations solved by pivoted elimination in long double. */
static void ref_ols(int n, int d, int k, const double *X, const double *Y, double *w) {
    long double *M = calloc((size_t)d * (d + k), sizeof(long double));
    int W = d + k;
    for (int a = 0; a < d; a++) {
        for (int b = 0; b < d; b++)
            for (int i = 0; i < n; i++) M[a * W + b] += (long double)X[i * d + a] * X[i * d + b];
        for (int o = 0; o < k; o++)
            for (int i = 0; i < n; i++) M[a * W + d + o] += (long double)X[i * d + a] * Y[i * k + o];
    }
    for (int c = 0; c < d; c++) {
        int piv = c;
        for (int r = c + 1; r < d; r++)
            if (fabsl(M[r * W + c]) > fabsl(M[piv * W + c])) piv = r;
        for (int j = 0; j < W; j++) {
            long double t = M[c * W + j];
            M[c * W + j] = M[piv * W + j];
            M[piv * W + j] = t;
        }
        for (int r = c + 1; r < d; r++) {
            long double f = M[r * W + c] / M[c * W + c];
            for (int j = c; j < W; j++) M[r * W + j] -= f * M[c * W + j];
        }
    }
    for (int o = 0; o < k; o++)
        for (int i = d - 1; i >= 0; i--) {
            long double s = M[i * W + d + o];
            for (int j = i + 1; j < d; j++) s -= M[i * W + j] * w[j * k + o];
            w[i * k + o] = (double)(s / M[i * W + i]);
        }
    free(M);
}

static double mean_col(const double *a, int n, int stride, int j) {
    double s = 0;
    for (int i = 0; i < n; i++) s += a[(size_t)i * stride + j];
    return s / n;
}

/* ------------------------------------------------------------------------------------------ */

static void test_teacher_linear(void) {
    /* covariance spectrum: s_i = kappa^(-(i-1)/(d-1)); the sample second moment of x_i has
     * standard error s_i sqrt(2/n), of x_i x_j (i != j) sqrt(s_i s_j / n) */
    ibp__config c = cfg(IBP__DATA_TEACHER);
    c.n = 20000;
    c.n_test = 500;
    c.d = 5;
    c.out = 2;
    c.kappa = 100;
    set s;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0, "%s", s.err);
    const ibp__data *D = &s.D;
    T_CHECK(D->n == 20000 && D->n_test == 500 && D->d == 5 && D->k == 2 && D->online_ok, "shape");
    for (int i = 0; i < 5; i++) {
        double si = pow(100.0, -i / 4.0);
        T_CLOSE(D->gen[i], sqrt(si), 0, 1e-14); /* stored sqrt(s_i): pow to a few ulp */
        for (int j = 0; j < 5; j++) {
            double sj = pow(100.0, -j / 4.0), m = 0;
            for (int r = 0; r < D->n; r++) m += D->x[r * 5 + i] * D->x[r * 5 + j];
            m /= D->n;
            double se = i == j ? si * sqrt(2.0 / D->n) : sqrt(si * sj / D->n);
            T_CLOSE(m, i == j ? si : 0.0, 5 * se, 0);
        }
    }
    /* y = x W exactly (noise 0), W from the generator state; the entries of W are N(0, 1) */
    const double *W = D->gen + 5 + 2 * 2;
    double maxerr = 0;
    for (int r = 0; r < D->n + D->n_test; r++) {
        const double *x = r < D->n ? D->x + r * 5 : D->xt + (r - D->n) * 5;
        const double *y = r < D->n ? D->y + r * 2 : D->yt + (r - D->n) * 2;
        for (int o = 0; o < 2; o++) {
            double z = 0, sc = 0;
            for (int i = 0; i < 5; i++) {
                z += x[i] * W[i * 2 + o];
                sc += fabs(x[i] * W[i * 2 + o]);
            }
            maxerr = fmax(maxerr, fabs(y[o] - z) / sc);
        }
    }
    T_CHECK(maxerr <= 1e-15, "y = x W: relative error %.3g", maxerr); /* a few roundings */
    /* W is what the TEACHER stream gives: N(0, teacher_scale^2) drawn row-major */
    {
        ibp_rng r;
        ibp__rng_seed(&r, 1, IBP__STREAM_TEACHER);
        int same = 1;
        for (int i = 0; i < 10; i++) same &= W[i] == ibp__rng_normal(&r);
        T_CHECK(same, "teacher weights drawn from the TEACHER stream");
    }
    /* the OLS solution recovers W exactly (noise 0): compare with the reference OLS */
    {
        double ref[10];
        T_CHECK(D->wstar != NULL, "wstar exists for n >= d");
        ref_ols(D->n, 5, 2, D->x, D->y, ref);
        if (D->wstar) {
            T_CHECK(t_relerr(D->wstar, ref, 10) <= 1e-10, "wstar vs reference OLS %.3g", t_relerr(D->wstar, ref, 10));
            T_CHECK(t_relerr(D->wstar, W, 10) <= 1e-10, "wstar recovers W (noise 0)");
        }
    }
    /* online: fresh samples from the same law */
    {
        int m = 20000;
        double *x = malloc(sizeof(double) * m * 5), *y = malloc(sizeof(double) * m * 2);
        ibp_rng r;
        ibp__rng_seed(&r, 9, IBP__STREAM_ONLINE);
        ibp__data_sample(D, &c, &r, m, x, y);
        for (int i = 0; i < 5; i++) {
            double si = pow(100.0, -i / 4.0), m2 = 0;
            for (int q = 0; q < m; q++) m2 += x[q * 5 + i] * x[q * 5 + i];
            T_CLOSE(m2 / m, si, 5 * si * sqrt(2.0 / m), 0);
        }
        double e = 0;
        for (int q = 0; q < m; q++)
            for (int o = 0; o < 2; o++) {
                double z = 0;
                for (int i = 0; i < 5; i++) z += x[q * 5 + i] * W[i * 2 + o];
                e = fmax(e, fabs(y[q * 2 + o] - z) / (1 + fabs(z)));
            }
        T_CHECK(e <= 1e-14, "online y = x W: %.3g", e);
        free(x);
        free(y);
    }
    release(&s);

    /* given teacher_w, d = 1 (s = 1), and noise: y - x w has standard deviation `noise` */
    c = cfg(IBP__DATA_TEACHER);
    double tw[2] = {2.0, -0.5};
    c.d = 2;
    c.n = 20000;
    c.kappa = 1e4;
    c.teacher_w.n = 2;
    c.teacher_w.v = tw;
    c.noise = 0.3;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0, "%s", s.err);
    T_CHECK(s.D.gen[4] == 2.0 && s.D.gen[5] == -0.5, "teacher_w copied (after sqrt s, mean, std)");
    {
        double m1 = 0, m2 = 0;
        for (int r = 0; r < s.D.n; r++) {
            double e = s.D.y[r] - (s.D.x[2 * r] * 2.0 - 0.5 * s.D.x[2 * r + 1]);
            m1 += e;
            m2 += e * e;
        }
        m1 /= s.D.n;
        m2 /= s.D.n;
        T_CLOSE(m1, 0.0, 5 * 0.3 / sqrt(s.D.n), 0);
        T_CLOSE(sqrt(m2), 0.3, 5 * 0.3 / sqrt(2.0 * s.D.n), 0);
        double ref[2];
        ref_ols(s.D.n, 2, 1, s.D.x, s.D.y, ref);
        T_CHECK(s.D.wstar && t_relerr(s.D.wstar, ref, 2) <= 1e-10, "wstar with noise vs reference OLS");
    }
    release(&s);

    c = cfg(IBP__DATA_TEACHER);
    c.d = 1;
    c.kappa = 50;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.gen[0] == 1.0, "d = 1: unit variance");
    release(&s);

    /* n < d: no OLS solution */
    c = cfg(IBP__DATA_TEACHER);
    c.n = 3;
    c.d = 5;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.wstar == NULL, "n < d: wstar NULL");
    release(&s);
}

static void test_teacher_nonlinear(void) {
    /* sin: y = sin(x B); tanh_mlp: y = tanh(x W1^T) W2^T; standardized with the training moments */
    for (int kind = 0; kind < 2; kind++) {
        ibp__config c = cfg(IBP__DATA_TEACHER);
        c.teacher = kind ? IBP__TEACHER_TANH_MLP : IBP__TEACHER_SIN;
        c.n = 3000;
        c.n_test = 3000;
        c.d = 8;
        c.out = 2;
        c.teacher_width = 200;
        c.teacher_scale = 4;
        c.kappa = 10;
        c.standardize = 1;
        set s;
        build(&s, &c, NULL);
        T_CHECK(s.rc == 0, "%s", s.err);
        const ibp__data *D = &s.D;
        const double *mean = D->gen + 8, *sd = D->gen + 10, *W = D->gen + 12;
        /* weight scales: sin N(0, 16); tanh W1 N(0, 16/d), W2 N(0, 16/width); the sample std of
         * m entries has standard error std / sqrt(2 m) */
        if (kind) {
            double v1 = 0, v2 = 0;
            for (int j = 0; j < 200 * 8; j++) v1 += W[j] * W[j];
            for (int j = 0; j < 2 * 200; j++) v2 += W[1600 + j] * W[1600 + j];
            T_CLOSE(sqrt(v1 / 1600), 4 / sqrt(8.0), 5 * 4 / sqrt(8.0) / sqrt(3200.0), 0);
            T_CLOSE(sqrt(v2 / 400), 4 / sqrt(200.0), 5 * 4 / sqrt(200.0) / sqrt(800.0), 0);
        }
        /* the training targets are standardized exactly (up to rounding) */
        for (int o = 0; o < 2; o++) {
            double m = mean_col(D->y, D->n, 2, o), v = 0;
            for (int i = 0; i < D->n; i++) v += (D->y[i * 2 + o] - m) * (D->y[i * 2 + o] - m);
            T_CLOSE(m, 0.0, 1e-13, 0);
            T_CLOSE(sqrt(v / D->n), 1.0, 0, 1e-13);
            /* the test set under the same map: mean 0 and std 1 up to sampling error */
            double mt = mean_col(D->yt, D->n_test, 2, o);
            T_CLOSE(mt, 0.0, 5 / sqrt((double)D->n_test), 0);
        }
        /* every target (train, test, online) is the standardized teacher output of its input */
        double *xo = malloc(sizeof(double) * 500 * 8), *yo = malloc(sizeof(double) * 500 * 2);
        ibp_rng r;
        ibp__rng_seed(&r, 4, IBP__STREAM_ONLINE);
        ibp__data_sample(D, &c, &r, 500, xo, yo);
        double err = 0;
        for (int set_i = 0; set_i < 3; set_i++) {
            int m = set_i == 0 ? D->n : set_i == 1 ? D->n_test : 500;
            const double *X = set_i == 0 ? D->x : set_i == 1 ? D->xt : xo;
            const double *Y = set_i == 0 ? D->y : set_i == 1 ? D->yt : yo;
            for (int q = 0; q < m; q++) {
                const double *x = X + q * 8;
                for (int o = 0; o < 2; o++) {
                    double raw = 0;
                    if (kind) {
                        for (int j = 0; j < 200; j++) {
                            double z = 0;
                            for (int i = 0; i < 8; i++) z += W[j * 8 + i] * x[i];
                            raw += W[1600 + o * 200 + j] * tanh(z);
                        }
                    } else {
                        double z = 0;
                        for (int i = 0; i < 8; i++) z += x[i] * W[i * 2 + o];
                        raw = sin(z);
                    }
                    err = fmax(err, fabs(Y[q * 2 + o] - (raw - mean[o]) / sd[o]));
                }
            }
        }
        /* libm vs our tanh/sin: a few ulp per term; a sum of 200 terms of size ~0.3 */
        T_CHECK(err <= 1e-12, "teacher %s reproduces y: max error %.3g", kind ? "tanh_mlp" : "sin", err);
        free(xo);
        free(yo);
        release(&s);
    }
}

static void test_mc(void) {
    double norms[2] = {1.0, 3.0};
    for (int t = 0; t < 2; t++) {
        ibp__config c = cfg(IBP__DATA_MC);
        c.n = 50;
        c.d = 5;
        c.noise = 1.0;
        c.n_test = 20;
        c.wstar_norm = norms[t];
        set s;
        build(&s, &c, NULL);
        T_CHECK(s.rc == 0, "%s", s.err);
        T_CHECK(!s.D.online_ok, "mc is a fixed set");
        double w[5];
        ref_ols(50, 5, 1, s.D.x, s.D.y, w);
        double nrm = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2] + w[3] * w[3] + w[4] * w[4]);
        T_CLOSE(nrm, norms[t], 1e-10, 0);
        T_CHECK(s.D.wstar && t_relerr(s.D.wstar, w, 5) <= 1e-10, "wstar vs reference OLS");
        /* optimality: X^T (X w* - y) = 0 relative to sum |x_ia| |y_i| */
        if (s.D.wstar) {
            double worst = 0;
            for (int a = 0; a < 5; a++) {
                double g = 0, sc = 0;
                for (int i = 0; i < 50; i++) {
                    double r = -s.D.y[i];
                    for (int j = 0; j < 5; j++) r += s.D.x[i * 5 + j] * s.D.wstar[j];
                    g += s.D.x[i * 5 + a] * r;
                    sc += fabs(s.D.x[i * 5 + a] * s.D.y[i]);
                }
                worst = fmax(worst, fabs(g) / sc);
            }
            T_CHECK(worst <= 1e-12, "X^T (X w* - y) = %.3g", worst);
        }
        /* X is N(0, 1) */
        double m2 = 0;
        for (int i = 0; i < 250; i++) m2 += s.D.x[i] * s.D.x[i];
        T_CLOSE(m2 / 250, 1.0, 5 * sqrt(2.0 / 250), 0);
        release(&s);
    }
    /* noise 0: y = s X w_true, so the test set must satisfy yt = xt w* with the same scale */
    ibp__config c = cfg(IBP__DATA_MC);
    c.n = 30;
    c.d = 4;
    c.n_test = 10;
    c.wstar_norm = 2.5;
    set s;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.wstar, "%s", s.err);
    if (s.D.wstar) {
        ibp_rng r; /* w_true from the TEACHER stream: w* is its rescaling */
        ibp__rng_seed(&r, 1, IBP__STREAM_TEACHER);
        double wt[4], nt = 0;
        for (int i = 0; i < 4; i++) { wt[i] = ibp__rng_normal(&r); nt += wt[i] * wt[i]; }
        for (int i = 0; i < 4; i++) wt[i] *= 2.5 / sqrt(nt);
        T_CHECK(t_relerr(s.D.wstar, wt, 4) <= 1e-12, "noise 0: w* = w_true rescaled");
        double e = 0;
        for (int i = 0; i < 10; i++) {
            double z = 0;
            for (int j = 0; j < 4; j++) z += s.D.xt[i * 4 + j] * wt[j];
            e = fmax(e, fabs(s.D.yt[i] - z));
        }
        T_CHECK(e <= 1e-12, "test set has the same scale: %.3g", e);
    }
    release(&s);
    c.n = 3; /* n < d */
    build(&s, &c, NULL);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "n >= d"), "mc n < d: %s", s.err);
    release(&s);
    c = cfg(IBP__DATA_MC);
    c.out = 2;
    build(&s, &c, NULL);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "out=1"), "mc out=2: %s", s.err);
    release(&s);
}

static void test_degenerate(void) {
    double ps[3] = {0.8, 0.75, 1.0};
    for (int t = 0; t < 3; t++) {
        ibp__config c = cfg(IBP__DATA_DEGENERATE);
        c.n = 10;
        c.n_test = 5;
        c.d = 3;
        c.p = ps[t];
        set s;
        build(&s, &c, NULL);
        T_CHECK(s.rc == 0, "%s", s.err);
        int pos = 0, post = 0, prefix = 1, e1 = 1;
        for (int i = 0; i < 10; i++) {
            pos += s.D.y[i] == 1;
            if (i > 0 && s.D.y[i] == 1 && s.D.y[i - 1] == -1) prefix = 0;
            e1 &= s.D.x[i * 3] == 1 && s.D.x[i * 3 + 1] == 0 && s.D.x[i * 3 + 2] == 0;
        }
        for (int i = 0; i < 5; i++) post += s.D.yt[i] == 1;
        T_CHECK(pos == (int)round(ps[t] * 10) && prefix && e1, "p=%g: %d labels +1", ps[t], pos);
        T_CHECK(post == (int)round(ps[t] * 5), "p=%g test: %d labels +1", ps[t], post);
        /* online: +1 with probability p */
        int m = 20000, cnt = 0;
        double *x = malloc(sizeof(double) * m * 3), *y = malloc(sizeof(double) * m);
        ibp_rng r;
        ibp__rng_seed(&r, 2, IBP__STREAM_ONLINE);
        ibp__data_sample(&s.D, &c, &r, m, x, y);
        for (int i = 0; i < m; i++) cnt += y[i] == 1;
        T_CLOSE((double)cnt / m, ps[t], 5 * sqrt(ps[t] * (1 - ps[t]) / m) + 1e-15, 0);
        T_CHECK(x[3 * (m - 1)] == 1 && x[3 * (m - 1) + 2] == 0, "online input is e1");
        free(x);
        free(y);
        release(&s);
    }
}

/* w.x for the separable sets, with the margin condition */
static void check_margin(const double *w, const double *x, const double *y, int n, int d, double gamma,
                         int *viol, int *disagree) {
    *viol = *disagree = 0;
    for (int i = 0; i < n; i++) {
        double t = 0;
        for (int j = 0; j < d; j++) t += w[j] * x[i * d + j];
        if (fabs(t) < gamma * (1 - 1e-12)) (*viol)++;
        if ((t >= 0 ? 1.0 : -1.0) != y[i]) (*disagree)++;
    }
}

static void test_separable(void) {
    for (int flip = 0; flip < 2; flip++) {
        ibp__config c = cfg(flip ? IBP__DATA_FLIP : IBP__DATA_SEPARABLE);
        c.n = 200;
        c.n_test = 50;
        c.d = 5;
        c.margin = 0.3;
        c.flip = 0.1;
        set s;
        build(&s, &c, NULL);
        T_CHECK(s.rc == 0, "%s", s.err);
        const double *w = s.D.gen;
        T_CLOSE(sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2] + w[3] * w[3] + w[4] * w[4]), 1.0, 0, 1e-15);
        int viol, dis;
        check_margin(w, s.D.x, s.D.y, 200, 5, 0.3, &viol, &dis);
        T_CHECK(viol == 0, "%d training points inside the margin", viol);
        T_CHECK(dis == (flip ? 20 : 0), "flip=%d: %d training labels disagree with sign(w.x)", flip, dis);
        check_margin(w, s.D.xt, s.D.yt, 50, 5, 0.3, &viol, &dis);
        T_CHECK(viol == 0 && dis == (flip ? 5 : 0), "test set: %d inside, %d flipped", viol, dis);
        int m = 100000; /* flip probability 0.1 to +-0.005 (5 standard errors) */
        double *x = malloc(sizeof(double) * m * 5), *y = malloc(sizeof(double) * m);
        ibp_rng r;
        ibp__rng_seed(&r, 3, IBP__STREAM_ONLINE);
        ibp__data_sample(&s.D, &c, &r, m, x, y);
        check_margin(w, x, y, m, 5, 0.3, &viol, &dis);
        T_CHECK(viol == 0, "online: %d inside the margin", viol);
        if (flip) T_CLOSE((double)dis / m, 0.1, 5 * sqrt(0.09 / m), 0);
        else T_CHECK(dis == 0, "online separable: %d disagree", dis);
        free(x);
        free(y);
        release(&s);
    }
    ibp__config c = cfg(IBP__DATA_SEPARABLE);
    c.out = 2;
    set s;
    build(&s, &c, NULL);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "needs out=1"), "separable out=2: %s", s.err);
    release(&s);
}

static void test_toy2d(void) {
    /* geometry without input noise, checked with libm */
    int kinds[4] = {IBP__DATA_XOR, IBP__DATA_CIRCLES, IBP__DATA_SPIRALS, IBP__DATA_MOONS};
    for (int t = 0; t < 4; t++) {
        ibp__config c = cfg(kinds[t]);
        c.d = 2;
        c.n = 301;
        c.n_test = 50;
        c.xnoise = 0;
        set s;
        build(&s, &c, NULL);
        T_CHECK(s.rc == 0, "%s", s.err);
        double *x = malloc(sizeof(double) * 1000 * 2), *y = malloc(sizeof(double) * 1000);
        ibp_rng r;
        ibp__rng_seed(&r, 5, IBP__STREAM_ONLINE);
        ibp__data_sample(&s.D, &c, &r, 1000, x, y);
        int bad = 0, pos = 0;
        for (int part = 0; part < 3; part++) {
            int m = part == 0 ? s.D.n : part == 1 ? s.D.n_test : 1000;
            const double *X = part == 0 ? s.D.x : part == 1 ? s.D.xt : x;
            const double *Y = part == 0 ? s.D.y : part == 1 ? s.D.yt : y;
            for (int i = 0; i < m; i++) {
                double a = X[2 * i], b = X[2 * i + 1], l = Y[i];
                if (part == 0) pos += l == 1;
                if (l != 1 && l != -1) bad++;
                else if (kinds[t] == IBP__DATA_XOR) {
                    if (fabs(a) > 1 || fabs(b) > 1 || l != (a * b >= 0 ? 1 : -1)) bad++;
                } else if (kinds[t] == IBP__DATA_CIRCLES) {
                    if (fabs(hypot(a, b) - (l > 0 ? 0.5 : 1.0)) > 1e-14) bad++;
                } else if (kinds[t] == IBP__DATA_SPIRALS) {
                    double rad = hypot(a, b), ang = 3.5 * 3.14159265358979323846 * rad, sg = l > 0 ? 1 : -1;
                    if (rad >= 1 || fabs(a - sg * rad * cos(ang)) > 1e-12 || fabs(b - sg * rad * sin(ang)) > 1e-12)
                        bad++;
                } else { /* moons */
                    double ca = l > 0 ? 1 - a : a, sa = l > 0 ? 0.5 - b : b;
                    if (fabs(ca * ca + sa * sa - 1) > 1e-14 || sa < -1e-15) bad++;
                }
            }
        }
        T_CHECK(bad == 0, "data=%d: %d points off their shape", kinds[t], bad);
        if (kinds[t] != IBP__DATA_XOR) T_CHECK(pos == 151, "alternating classes: %d of 301 are +1", pos);
        free(x);
        free(y);
        release(&s);
    }
    /* xnoise adds N(0, xnoise^2) per coordinate: Var x1 = 1/3 + xnoise^2 for xor (uniform in
     * [-1, 1] has variance 1/3; Var(x^2) <= 1 bounds the standard error by 1/sqrt(n)) */
    ibp__config c = cfg(IBP__DATA_XOR);
    c.d = 2;
    c.n = 20000;
    c.xnoise = 0.2;
    set s;
    build(&s, &c, NULL);
    double v = 0;
    for (int i = 0; i < s.D.n; i++) v += s.D.x[2 * i] * s.D.x[2 * i];
    T_CLOSE(v / s.D.n, 1.0 / 3 + 0.04, 5 / sqrt(20000.0), 0);
    release(&s);
    c.d = 3;
    build(&s, &c, NULL);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "has d=2"), "xor d=3: %s", s.err);
    release(&s);
}

static void test_fixed_sets(void) {
    /* p5: the five points of science.md B */
    static const double P5[5][4] = {{0.05, 1, 2, 1}, {0.05, -2, 1, 1}, {0.05, -2, -2, 1}, {0.05, 1, -2, 1},
                                    {-1, 0, 2, -1}};
    ibp__config c = cfg(IBP__DATA_P5);
    c.d = 3;
    c.n = 5;
    set s;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.n == 5 && s.D.d == 3 && !s.D.online_ok, "%s", s.err);
    int ok = 1;
    for (int i = 0; i < 5; i++)
        ok &= s.D.x[3 * i] == P5[i][0] && s.D.x[3 * i + 1] == P5[i][1] && s.D.x[3 * i + 2] == P5[i][2] &&
              s.D.y[i] == P5[i][3];
    T_CHECK(ok, "p5 exact");
    T_CHECK(s.D.wstar == NULL, "p5 is classification: no wstar");
    release(&s);
    c.n_test = 5;
    build(&s, &c, NULL);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "leaves no training rows"), "p5 n_test=5: %s", s.err);
    release(&s);

    /* xor40: 10 points around each centre, label = product of the centre's coordinates */
    c = cfg(IBP__DATA_XOR40);
    c.d = 2;
    c.n = 40;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.n == 40 && s.D.online_ok, "%s", s.err);
    int cnt[4] = {0}, far = 0, badlab = 0;
    double dm = 0, dv = 0;
    for (int i = 0; i < 40; i++) {
        double a = s.D.x[2 * i], b = s.D.x[2 * i + 1];
        double ca = a >= 0 ? 1 : -1, cb = b >= 0 ? 1 : -1; /* nearest centre */
        cnt[(ca > 0 ? 0 : 2) + (cb > 0 ? 0 : 1)]++;
        if (fabs(a - ca) > 0.75 || fabs(b - cb) > 0.75) far++; /* 5 standard deviations */
        if (s.D.y[i] != ca * cb) badlab++;
        dm += (a - ca) + (b - cb);
        dv += (a - ca) * (a - ca) + (b - cb) * (b - cb);
    }
    T_CHECK(cnt[0] == 10 && cnt[1] == 10 && cnt[2] == 10 && cnt[3] == 10 && far == 0 && badlab == 0,
            "xor40 centres %d %d %d %d, far %d, bad labels %d", cnt[0], cnt[1], cnt[2], cnt[3], far, badlab);
    T_CLOSE(dm / 80, 0.0, 5 * 0.15 / sqrt(80.0), 0);
    T_CLOSE(sqrt(dv / 80), 0.15, 5 * 0.15 / sqrt(160.0), 0);
    { /* online: centres equally likely, the same noise law, measured on many samples */
        int m = 40000, cc[4] = {0};
        double *x = malloc(sizeof(double) * m * 2), *y = malloc(sizeof(double) * m), v = 0;
        ibp_rng r;
        ibp__rng_seed(&r, 8, IBP__STREAM_ONLINE);
        ibp__data_sample(&s.D, &c, &r, m, x, y);
        badlab = 0;
        for (int i = 0; i < m; i++) {
            double a = x[2 * i], b = x[2 * i + 1], ca = a >= 0 ? 1 : -1, cb = b >= 0 ? 1 : -1;
            cc[(ca > 0 ? 0 : 2) + (cb > 0 ? 0 : 1)]++;
            v += (a - ca) * (a - ca) + (b - cb) * (b - cb);
            badlab += y[i] != ca * cb;
        }
        /* nearest-centre assignment errs only beyond 6.7 standard deviations */
        T_CHECK(badlab == 0, "online xor40 labels: %d wrong", badlab);
        for (int q = 0; q < 4; q++) T_CLOSE(cc[q] / (double)m, 0.25, 5 * sqrt(0.1875 / m), 0);
        T_CLOSE(sqrt(v / (2.0 * m)), 0.15, 5 * 0.15 / sqrt(4.0 * m), 0);
        free(x);
        free(y);
    }
    /* split: n_test rows move to the test set, the rest keep their order */
    c.n_test = 10;
    set s2;
    build(&s2, &c, NULL);
    T_CHECK(s2.rc == 0 && s2.D.n == 30 && s2.D.n_test == 10, "xor40 split: %s", s2.err);
    {
        int a = 0, b = 0, match = 1;
        for (int i = 0; i < 40; i++) {
            const double *row = s.D.x + 2 * i;
            if (a < 30 && s2.D.x[2 * a] == row[0] && s2.D.x[2 * a + 1] == row[1] && s2.D.y[a] == s.D.y[i]) a++;
            else if (b < 10 && s2.D.xt[2 * b] == row[0] && s2.D.xt[2 * b + 1] == row[1] && s2.D.yt[b] == s.D.y[i]) b++;
            else match = 0;
        }
        T_CHECK(match && a == 30 && b == 10, "split keeps every row once, in order");
    }
    release(&s);
    release(&s2);

    /* inline: copied, wstar = OLS, split */
    double xs[6 * 2] = {1, 0, 0, 1, 1, 1, 2, -1, 0.5, 3, -1, -2};
    double ys[6] = {1, 2, 2.5, 0.5, 7, -3};
    c = cfg(IBP__DATA_INLINE);
    c.d = 2;
    c.n = 6;
    c.xs.n = 12;
    c.xs.v = xs;
    c.ys.n = 6;
    c.ys.v = ys;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.n == 6 && t_same_bits(s.D.x, xs, 12) && t_same_bits(s.D.y, ys, 6), "inline copy");
    {
        double w[2];
        ref_ols(6, 2, 1, xs, ys, w);
        T_CHECK(s.D.wstar && t_relerr(s.D.wstar, w, 2) <= 1e-13, "inline wstar");
    }
    release(&s);
    c.n_test = 2;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.n == 4 && s.D.n_test == 2, "inline split: %s", s.err);
    {
        double sum = 0, tot = 0;
        for (int i = 0; i < 4; i++) sum += s.D.y[i];
        for (int i = 0; i < 2; i++) sum += s.D.yt[i];
        for (int i = 0; i < 6; i++) tot += ys[i];
        T_CHECK(sum == tot, "inline split keeps the rows");
    }
    release(&s);
    c.n_test = 6;
    build(&s, &c, NULL);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "leaves no training rows"), "inline n_test=6: %s", s.err);
    release(&s);
    /* a repeated column: X^T X singular, no wstar */
    double xs2[6 * 2] = {1, 1, 2, 2, 3, 3, -1, -1, 0.5, 0.5, 4, 4};
    c = cfg(IBP__DATA_INLINE);
    c.d = 2;
    c.xs.n = 12;
    c.xs.v = xs2;
    c.ys.n = 6;
    c.ys.v = ys;
    build(&s, &c, NULL);
    T_CHECK(s.rc == 0 && s.D.wstar == NULL, "singular X^T X: wstar NULL");
    release(&s);
}

static void test_labels_sign(void) {
    ibp__config c = cfg(IBP__DATA_TEACHER);
    c.n = 200;
    c.n_test = 20;
    c.noise = 0.5;
    set a, b;
    build(&a, &c, NULL);
    c.labels = IBP__LABELS_SIGN;
    build(&b, &c, NULL);
    int ok = 1;
    for (int i = 0; i < 200; i++) ok &= b.D.y[i] == (a.D.y[i] >= 0 ? 1.0 : -1.0);
    for (int i = 0; i < 20; i++) ok &= b.D.yt[i] == (a.D.yt[i] >= 0 ? 1.0 : -1.0);
    T_CHECK(ok && t_same_bits(a.D.x, b.D.x, 800), "labels=sign is sign(raw target)");
    T_CHECK(a.D.wstar != NULL && b.D.wstar == NULL, "no wstar for sign labels");
    double x[40], y[10];
    ibp_rng r;
    ibp__rng_seed(&r, 1, IBP__STREAM_ONLINE);
    ibp__data_sample(&b.D, &c, &r, 10, x, y);
    ok = 1;
    for (int i = 0; i < 10; i++) ok &= y[i] == 1 || y[i] == -1;
    T_CHECK(ok, "online labels are signs");
    release(&a);
    release(&b);
}

static int fixed_dim(int kind) {
    if (kind == IBP__DATA_P5) return 3;
    if (kind >= IBP__DATA_XOR && kind <= IBP__DATA_MOONS) return 2;
    if (kind == IBP__DATA_XOR40) return 2;
    return 4;
}

/* every generator: same seed same bits, another seed other bits; online draws reproducible */
static void test_determinism(void) {
    for (int kind = IBP__DATA_TEACHER; kind <= IBP__DATA_XOR40; kind++) {
        ibp__config c = cfg(kind);
        c.n = kind == IBP__DATA_P5 ? 5 : kind == IBP__DATA_XOR40 ? 40 : 20;
        c.n_test = kind == IBP__DATA_P5 ? 1 : 4;
        c.d = fixed_dim(kind);
        c.noise = 0.1;
        c.xnoise = 0.1;
        set a, b, e;
        build(&a, &c, NULL);
        build(&b, &c, NULL);
        c.data_seed = 2;
        build(&e, &c, NULL);
        c.data_seed = 1;
        T_CHECK(a.rc == 0 && b.rc == 0 && e.rc == 0, "data=%d: %s", kind, a.err);
        T_CHECK(a.nd == b.nd && t_same_bits(a.mem, b.mem, (long)a.nd), "data=%d: same seed, same bits", kind);
        int n = a.D.n, nt = a.D.n_test, d = a.D.d;
        int differs = !t_same_bits(a.D.x, e.D.x, (long)n * d) || !t_same_bits(a.D.xt, e.D.xt, (long)nt * d);
        /* degenerate has no randomness; p5's only randomness is which 1 of 5 rows is held out */
        if (kind != IBP__DATA_DEGENERATE && kind != IBP__DATA_P5)
            T_CHECK(differs, "data=%d: another seed, other data", kind);
        if (a.D.online_ok) {
            double x1[40], y1[10], x2[40], y2[10];
            int m = 10 / a.D.k;
            ibp_rng r1, r2;
            ibp__rng_seed(&r1, 5, IBP__STREAM_ONLINE);
            ibp__rng_seed(&r2, 5, IBP__STREAM_ONLINE);
            ibp__data_sample(&a.D, &c, &r1, m, x1, y1);
            ibp__data_sample(&b.D, &c, &r2, m, x2, y2);
            T_CHECK(t_same_bits(x1, x2, (long)m * d) && t_same_bits(y1, y2, (long)m * a.D.k), "data=%d online", kind);
        }
        int expect_online = kind != IBP__DATA_MC && kind != IBP__DATA_P5;
        T_CHECK(a.D.online_ok == expect_online, "data=%d online_ok=%d", kind, a.D.online_ok);
        release(&a);
        release(&b);
        release(&e);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* CSV */

static void test_csv_roundtrip(void) {
    ibp__config c = cfg(IBP__DATA_TEACHER);
    c.n = 50;
    c.n_test = 10;
    c.d = 3;
    c.out = 2;
    c.noise = 0.1;
    c.standardize = 1;
    c.teacher = IBP__TEACHER_SIN;
    set s;
    build(&s, &c, NULL);
    for (int test = 0; test < 2; test++) {
        size_t need = ibp__data_csv(&s.D, test, NULL, 0);
        char *buf = malloc(need + 1);
        T_CHECK(ibp__data_csv(&s.D, test, buf, need + 1) == need && strlen(buf) == need, "csv length");
        T_CHECK(strncmp(buf, "x1,x2,x3,y1,y2\n", 15) == 0, "csv header: %.20s", buf);
        char small[10];
        T_CHECK(ibp__data_csv(&s.D, test, small, sizeof small) == need && small[9] == 0 &&
                    strncmp(small, buf, 9) == 0, "truncated export is NUL-terminated");
        ibp__config cc = cfg(IBP__DATA_CSV);
        cc.out = 2;
        set t;
        build(&t, &cc, buf);
        int m = test ? s.D.n_test : s.D.n;
        T_CHECK(t.rc == 0 && t.D.n == m && t.D.d == 3 && t.D.k == 2 && t.D.n_test == 0, "reload: %s", t.err);
        if (t.rc == 0) {
            T_CHECK(t_same_bits(t.D.x, test ? s.D.xt : s.D.x, (long)m * 3) &&
                        t_same_bits(t.D.y, test ? s.D.yt : s.D.y, (long)m * 2),
                    "CSV round trip keeps the bits (set %d)", test);
            double w[6];
            ref_ols(m, 3, 2, t.D.x, t.D.y, w);
            T_CHECK(t.D.wstar && t_relerr(t.D.wstar, w, 6) <= 1e-10, "csv wstar");
            T_CHECK(!t.D.online_ok, "csv is a fixed set");
        }
        release(&t);
        free(buf);
    }
    release(&s);
    /* out = 1: the target column is "y" */
    c = cfg(IBP__DATA_XOR40);
    c.d = 2;
    c.n = 40;
    build(&s, &c, NULL);
    char buf[4096];
    ibp__data_csv(&s.D, 0, buf, sizeof buf);
    T_CHECK(strncmp(buf, "x1,x2,y\n", 8) == 0, "header with one target: %.10s", buf);
    release(&s);
}

static void test_csv_features(void) {
    /* BOM, quoted names, blanks around fields, \r\n, blank lines, no final newline */
    const char *text = "\xEF\xBB\xBF\"in a\", in_b ,\"t\"\r\n\r\n 1.5 , -2e-3,\t7\r\n\n1e2,  .5,-0\n3,4,5";
    ibp__csvinfo info = {0, 0};
    char err[256] = "";
    int rc = ibp__csv_scan(text, 1, &info, err, sizeof err);
    T_CHECK(rc == 0 && info.rows == 3 && info.cols == 3,
            "features: %s (rows %d cols %d)", err, info.rows, info.cols);
    ibp__config c = cfg(IBP__DATA_CSV);
    set s;
    build(&s, &c, text);
    const double xs[6] = {1.5, -2e-3, 1e2, 0.5, 3, 4}, ys[3] = {7, -0.0, 5};
    T_CHECK(s.rc == 0 && s.D.d == 2 && t_same_bits(s.D.x, xs, 6) && t_same_bits(s.D.y, ys, 3), "values: %s", s.err);
    release(&s);
    /* n_test splits the CSV rows */
    c.n_test = 1;
    build(&s, &c, text);
    T_CHECK(s.rc == 0 && s.D.n == 2 && s.D.n_test == 1, "csv split: %s", s.err);
    double tot = 0;
    for (int i = 0; i < 2; i++) tot += s.D.y[i];
    tot += s.D.yt[0];
    T_CHECK(tot == 12, "csv split keeps the rows");
    release(&s);
    c.n_test = 3;
    build(&s, &c, text);
    T_CHECK(s.rc == IBP_E_DATA && has(s.err, "leaves no training rows"), "csv n_test=3: %s", s.err);
    release(&s);
}

static void test_csv_errors(void) {
    static char longbad[128];
    memset(longbad, 0, sizeof longbad);
    strcpy(longbad, "a,b\n1,");
    memset(longbad + 6, 'z', 60);
    struct { const char *text; int k; const char *expect; } cases[] = {
        {"", 1, "data CSV is empty"},
        {"\n  \r\n\t\n", 1, "data CSV is empty"},
        {"x,y\n", 1, "header row (line 1) but no data rows"},
        {"\n\nx,y\n\n\r\n", 1, "header row (line 3) but no data rows"},
        {"y\n1\n", 1, "has 1 column, but out=1 needs at least 2"},
        {"a,b\n1,2\n", 2, "has 2 columns, but out=2 needs at least 3"},
        {"x1,x2,y\n1,2,3\n4,abc,6\n", 1, "data CSV line 3, column 2 (\"x2\"): \"abc\" is not a number"},
        {"a,b,c\n1,2,3\n1,2\n", 1, "data CSV line 3 has 2 fields, the header has 3"},
        {"a,b\n1,2,3\n", 1, "data CSV line 2 has 3 fields, the header has 2"},
        {"a,b\n1,nan\n", 1, "line 2, column 2 (\"b\"): \"nan\" is not a finite number"},
        {"a,b\n-inf,1\n", 1, "line 2, column 1 (\"a\"): \"-inf\" is not a finite number"},
        {"a,b\n1e999,1\n", 1, "\"1e999\" is not a finite number"},
        {"a,b\r\n\r\n1,2\r\n\r\n3,x\r\n", 1, "line 5, column 2 (\"b\"): \"x\" is not a number"},
        {"\n\na,b\n1,2\n3,4,5\n", 1, "line 5 has 3 fields"},
        {"a,b\r1,2\rq,3\r", 1, "line 3, column 1 (\"a\"): \"q\""},
        {"a,b\n1,\n", 1, "line 2, column 2 (\"b\"): \"\" is not a number"},
        {"\"x 1\",\"y\"\n1,2\n zz ,2\n", 1, "line 3, column 1 (\"x 1\"): \"zz\" is not a number"},
        {"a,b\n1.5x,2\n", 1, "\"1.5x\" is not a number"},
        {"a,b\n1 2,3\n", 1, "\"1 2\" is not a number"},
        {"a,b\n\"1\",2\n", 1, "\"\"1\"\" is not a number"},
        {"\"a,b\n1,2\n", 1, "line 1, column 1: unterminated quote"},
        {"\"a\"x,b\n1,2\n", 1, "line 1, column 1: text after the closing quote"},
        {"1,2\n3,4\n", 1, "line 1: the first row must be a header"},
        {longbad, 1, "\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...\" is not a number"},
        {"a,b\n1,2\n", 0, "need at least 1 target"},
    };
    int nc = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < nc; i++) {
        ibp__csvinfo info = {7, 7};
        char err[256] = "";
        int rc = ibp__csv_scan(cases[i].text, cases[i].k, &info, err, sizeof err);
        T_CHECK(rc == IBP_E_DATA && has(err, cases[i].expect) && info.rows == 0,
                "case %d: got \"%s\", want \"%s\"", i, err, cases[i].expect);
    }
    /* a NULL text is an empty one */
    ibp__csvinfo info;
    char err[256];
    T_CHECK(ibp__csv_scan(NULL, 1, &info, err, sizeof err) == IBP_E_DATA && has(err, "empty"), "NULL text");
}

int main(void) {
    test_teacher_linear();
    test_teacher_nonlinear();
    test_mc();
    test_degenerate();
    test_separable();
    test_toy2d();
    test_fixed_sets();
    test_labels_sign();
    test_determinism();
    test_csv_roundtrip();
    test_csv_features();
    test_csv_errors();
    return t_summary();
}
