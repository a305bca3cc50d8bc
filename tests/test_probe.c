/* test_probe.c -- the pictures of the data and the model (src/run/probe.c): the model's outputs
 * on any inputs against a forward pass written here from the layer table with libm activations
 * (1e-12 relative: one rounding per multiply-add and ~1 ulp per activation, over a few dozen
 * terms); outputs in blocks, alone or all at once, bit for bit the same; the layer table against
 * the documented theta layout; the data arrays against the data CSV the CLI writes; and looking
 * never changes a run: a run probed at every step and one left alone agree bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testlib.h"

static double act(const char *a, double z) {
    if (!strcmp(a, "tanh")) return tanh(z);
    if (!strcmp(a, "relu")) return z > 0 ? z : 0;
    return z; /* identity */
}

/* f (k,) of one input x (d,), from the layer table (ibp_run_layer), with activation `a` between
 * layers. */
static void ref_forward(ibp_run *r, const char *a, const double *x, double *f) {
    int nl = ibp_run_nlayers(r), d = ibp_run_dim_in(r);
    double cur[512], nxt[512];
    memcpy(cur, x, sizeof(double) * d);
    int width = d;
    for (int i = 0; i < nl; i++) {
        int rows, cols, trained;
        double alpha;
        const double *W, *b;
        ibp_run_layer(r, i, &rows, &cols, &trained, &alpha, &W, &b);
        T_CHECK(cols == width && rows <= 512, "layer %d: %d inputs (%d)", i, cols, width);
        for (int o = 0; o < rows; o++) {
            double s = 0;
            for (int q = 0; q < cols; q++) s += W[(size_t)o * cols + q] * cur[q];
            nxt[o] = alpha * s + (b ? b[o] : 0);
            if (i + 1 < nl) nxt[o] = act(a, nxt[o]);
        }
        memcpy(cur, nxt, sizeof(double) * rows);
        width = rows;
    }
    memcpy(f, cur, sizeof(double) * width);
}

static void check_model(const char *cfg, const char *a, int expect_layers, int fixed_head) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    ibp_run_step(r, 7, NULL, 0); /* not the initial parameters */
    int d = ibp_run_dim_in(r), k = ibp_run_dim_out(r), n = ibp_run_data_n(r, 0);
    T_CHECK(ibp_run_nlayers(r) == expect_layers, "%s: %d layers", cfg, ibp_run_nlayers(r));
    /* the layer table is the documented theta layout: W_h then b_h per trained layer */
    const double *th = ibp_run_params(r);
    long off = 0;
    for (int i = 0; i < ibp_run_nlayers(r); i++) {
        int rows, cols, trained;
        const double *W, *b;
        ibp_run_layer(r, i, &rows, &cols, &trained, NULL, &W, &b);
        int last = i + 1 == ibp_run_nlayers(r);
        T_CHECK(trained == !(fixed_head && last), "layer %d trained = %d", i, trained);
        if (!trained) continue;
        T_CHECK(W == th + off, "layer %d weights at offset %ld", i, off);
        off += (long)rows * cols;
        if (b) { T_CHECK(b == th + off, "bias at %ld", off); off += rows; }
    }
    T_CHECK(off == ibp_run_nparams(r), "the layers cover P (%ld of %ld)", off, (long)ibp_run_nparams(r));
    T_CHECK(ibp_run_layer(r, -1, NULL, NULL, NULL, NULL, NULL, NULL) == IBP_E_ARG &&
            ibp_run_layer(r, ibp_run_nlayers(r), NULL, NULL, NULL, NULL, NULL, NULL) == IBP_E_ARG, "layers outside");
    /* outputs on the training inputs, and on a grid of inputs of our own */
    int m = n + 150;
    double *x = malloc(sizeof(double) * m * d), *f = malloc(sizeof(double) * m * k);
    double *one = malloc(sizeof(double) * k), *ref = malloc(sizeof(double) * k);
    memcpy(x, ibp_run_data_x(r, 0), sizeof(double) * n * d);
    uint64_t st = 7;
    for (long i = (long)n * d; i < (long)m * d; i++) x[i] = 3 * t_rand_normal(&st);
    char err[256];
    T_CHECK(ibp_run_predict(r, x, m, f, err, sizeof err) == IBP_OK, "predict %d inputs: %s", m, err);
    double worst = 0;
    int same = 1;
    for (int i = 0; i < m; i++) {
        ref_forward(r, a, x + (size_t)i * d, ref);
        for (int j = 0; j < k; j++) {
            double e = fabs(f[(size_t)i * k + j] - ref[j]) / fmax(1e-300, fabs(ref[j]) + 1e-3);
            if (e > worst) worst = e;
        }
        ibp_run_predict(r, x + (size_t)i * d, 1, one, NULL, 0);
        same &= t_same_bits(one, f + (size_t)i * k, k);
    }
    T_CHECK(worst <= 1e-12, "%s: outputs against the forward pass written here, worst %.3g", cfg, worst);
    T_CHECK(same, "one input alone gives the bits it gets in a block");
    T_CHECK(ibp_run_predict(r, x, 0, NULL, NULL, 0) == IBP_OK && ibp_run_predict(r, x, -1, f, err, sizeof err) == IBP_E_ARG,
            "0 inputs is fine, -1 is refused");
    free(x), free(f), free(one), free(ref);
    ibp_run_destroy(r);
}

/* The data arrays are the rows of the data CSV (ibp data), number for number. */
static void check_data(const char *cfg, int test) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    int d = ibp_run_dim_in(r), k = ibp_run_dim_out(r), n = ibp_run_data_n(r, test);
    size_t len = ibp_run_data_csv(r, test, NULL, 0);
    char *csv = malloc(len + 1);
    ibp_run_data_csv(r, test, csv, len + 1);
    const double *x = ibp_run_data_x(r, test), *y = ibp_run_data_y(r, test);
    char *p = strchr(csv, '\n') + 1;
    int rows = 0, ok = 1;
    while (*p) {
        for (int j = 0; j < d + k; j++) {
            char *end;
            double v = strtod(p, &end);
            ok &= j < d ? v == x[(size_t)rows * d + j] : v == y[(size_t)rows * k + j - d];
            p = end + 1;
        }
        rows++;
    }
    T_CHECK(ok && rows == n && n > 0, "%s (%s set): %d rows, the arrays are the CSV's numbers", cfg, test ? "test" : "training", rows);
    free(csv);
    ibp_run_destroy(r);
}

/* A run probed after every step (outputs on a grid, the layers) and a run left alone: the same
 * parameters and metrics rows, bit for bit. */
static void check_no_effect(const char *cfg) {
    ibp_run *a = t_run(cfg, NULL, NULL), *b = t_run(cfg, NULL, NULL);
    if (!a || !b) { ibp_run_destroy(a); ibp_run_destroy(b); return; }
    int d = ibp_run_dim_in(a), k = ibp_run_dim_out(a);
    double *x = malloc(sizeof(double) * 300 * d), *f = malloc(sizeof(double) * 300 * k);
    uint64_t st = 3;
    for (int i = 0; i < 300 * d; i++) x[i] = t_rand_normal(&st);
    int same_rows = 1;
    for (int t = 0; t < 40; t++) {
        ibp_run_step(a, 1, NULL, 0);
        ibp_run_predict(a, x, 300, f, NULL, 0);
        ibp_run_step(b, 1, NULL, 0);
        int nc = ibp_run_ncols(a);
        same_rows &= ibp_run_nrows(a) == ibp_run_nrows(b) && t_same_bits(ibp_run_rows(a), ibp_run_rows(b), (long)ibp_run_nrows(a) * nc);
        ibp_run_clear_rows(a), ibp_run_clear_rows(b);
    }
    T_CHECK(same_rows && t_same_bits(ibp_run_params(a), ibp_run_params(b), ibp_run_nparams(a)),
            "%s: probed at every step or not, the same bits", cfg);
    free(x), free(f);
    ibp_run_destroy(a), ibp_run_destroy(b);
}

int main(void) {
    check_model("model=mlp&depth=3&width=7,5&d=3&out=2&n=150&act=tanh&lr=0.05&measure=0", "tanh", 3, 0);
    check_model("model=mlp&depth=2&width=16&data=moons&n=90&act=relu&loss=logistic&lr=0.5&measure=0", "relu", 2, 0);
    check_model("model=linear&depth=3&width=6&d=4&n=70&param=ntk&head=pm&lr=0.01&measure=0", "identity", 4, 1);
    check_model("model=mlp&depth=2&width=2&bias=0&act=relu&init=zero&head=pm&data=p5&loss=logistic&lr=3&measure=0", "relu", 3, 1);
    check_data("model=mlp&data=spirals&n=77&n_test=13&measure=0", 0);
    check_data("model=mlp&data=spirals&n=77&n_test=13&measure=0", 1);
    check_data("model=linear&data=teacher&d=5&out=2&n=40&measure=0", 0);
    check_no_effect("model=mlp&depth=3&width=32&d=8&n=256&act=tanh&data=teacher&teacher=tanh_mlp&lr=0.3&measure_every=5");
    check_no_effect("model=mlp&depth=2&width=16&act=gelu&data=moons&n=64&loss=logistic&lr=0.5&measure_every=3");
    /* matrix factorization: no inputs; its factors are the layers */
    ibp_run *r = t_run("model=mf&rows=4&cols=3&rank=2&measure=0", NULL, NULL);
    if (r) {
        char err[256];
        double f[4];
        T_CHECK(ibp_run_predict(r, f, 1, f, err, sizeof err) == IBP_E_STATE && strstr(err, "no inputs"), "mf: %s", err);
        int rows, cols;
        const double *W;
        T_CHECK(ibp_run_nlayers(r) == 2 && ibp_run_layer(r, 1, &rows, &cols, NULL, NULL, &W, NULL) == IBP_OK && rows == 3 &&
                cols == 2 && W == ibp_run_params(r) + 8, "mf: X (4, 2), Y (3, 2) in theta");
        T_CHECK(ibp_run_data_x(r, 0) == NULL && ibp_run_dim_in(r) == 0 && ibp_run_data_n(r, 1) == 0, "mf: no inputs, no test set");
        /* its targets are the rows of A: the data CSV the CLI writes */
        size_t len = ibp_run_data_csv(r, 0, NULL, 0);
        char *csv = malloc(len + 1), *p;
        ibp_run_data_csv(r, 0, csv, len + 1);
        p = strchr(csv, '\n') + 1;
        const double *A = ibp_run_data_y(r, 0);
        int ok = ibp_run_data_n(r, 0) == 4 && ibp_run_dim_out(r) == 3;
        for (int i = 0; ok && i < 12; i++) { char *end; ok = strtod(p, &end) == A[i]; p = end + 1; }
        T_CHECK(ok, "mf: A (4, 3) is the data CSV's numbers");
        free(csv);
        ibp_run_destroy(r);
    }
    return t_summary();
}
