/* test_hvp_cache.c -- the MLP's cached, blocked Hessian-vector product (model_mlp_hvp.c):
 *   - bit for bit equal to the R-operator written here as plain loops, one sum at a time in the
 *     engine's documented order (every sum sequential, from 0; the same elementwise
 *     expressions), over a grid of depths, widths, outputs, activations, losses (ce's
 *     block-diagonal output Hessian included), biases, fixed
 *     heads, parameterizations and batch sizes that span one or several blocks of rows;
 *   - never stale: through the model (theta changed in place by one ulp, a batch rewritten in
 *     place, another batch, other uses of the workspace) and through a run (GD and SGD steps,
 *     set_params, label noise, measurements, the metrics row), every product equals the plain
 *     loops at the current theta and batch, and the cache is rebuilt exactly when it must be
 *     and reused otherwise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

/* ---- the reference: plain loops ------------------------------------------------------------ */
typedef struct refws {
    double *z[IBP__MAX_LAYERS], *a[IBP__MAX_LAYERS], *d1[IBP__MAX_LAYERS], *d2[IBP__MAX_LAYERS];
    double *rz[IBP__MAX_LAYERS], *ra[IBP__MAX_LAYERS];
} refws;

static const double *ref_w(const ibp__model *m, const double *th, int i) {
    return m->L[i].off >= 0 ? th + m->L[i].off : m->L[i].fixed;
}

/* (alpha W^T)[c][o] as the engine's transpose-then-scale forms it */
static double ref_wt(const ibp__layer *ly, const double *W, int c, int o) {
    double w = W[(long)o * ly->cols + c];
    return ly->alpha != 1.0 ? ly->alpha * w : w;
}

static void ref_hvp(const ibp__model *m, const double *th, const double *x, const double *y, int n,
                    const double *v, double *hv) {
    int nl = m->nl, k = m->k;
    refws R;
    for (int i = 0; i < nl; i++) {
        size_t s = (size_t)n * m->L[i].rows;
        R.z[i] = malloc(s * sizeof(double));
        R.a[i] = malloc(s * sizeof(double));
        R.d1[i] = malloc(s * sizeof(double));
        R.d2[i] = malloc(s * sizeof(double));
        R.rz[i] = malloc(s * sizeof(double));
        R.ra[i] = malloc(s * sizeof(double));
    }
    /* forward and R-forward */
    for (int i = 0; i < nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, last = i == nl - 1;
        const double *W = ref_w(m, th, i), *in = i ? R.a[i - 1] : x;
        for (int r = 0; r < n; r++)
            for (int o = 0; o < rows; o++) {
                double s = 0.0;
                for (int c = 0; c < cols; c++) s = s + in[(long)r * cols + c] * ref_wt(ly, W, c, o);
                if (ly->boff >= 0) s = s + th[ly->boff + o];
                R.z[i][(long)r * rows + o] = s;
            }
        if (!last) /* elementwise: an element's bits do not depend on its neighbours */
            for (long t = 0; t < (long)n * rows; t++)
                ibp__act_derivs(m->act, m->act_param, R.z[i] + t, R.a[i] + t, R.d1[i] + t, R.d2[i] + t, 1);
        for (int r = 0; r < n; r++)
            for (int o = 0; o < rows; o++) {
                double s = 0.0;
                if (ly->off >= 0)
                    for (int c = 0; c < cols; c++)
                        s = s + in[(long)r * cols + c] * ref_wt(ly, v + ly->off, c, o);
                if (i > 0)
                    for (int c = 0; c < cols; c++) s = s + R.ra[i - 1][(long)r * cols + c] * ref_wt(ly, W, c, o);
                if (ly->boff >= 0) s = s + v[ly->boff + o];
                R.rz[i][(long)r * rows + o] = s;
                if (!last) R.ra[i][(long)r * rows + o] = R.d1[i][(long)r * rows + o] * s;
            }
    }
    double *G = malloc(sizeof(double) * n * k), *RG = malloc(sizeof(double) * n * k);
    ibp__loss(m->loss, R.z[nl - 1], y, n, k, G);
    ibp__loss_curv(m->loss, R.z[nl - 1], y, n, k, RG);
    if (m->loss == IBP__LOSS_CE) /* RG holds q_i = (s_i/n) p_i: (s_i/n)(diag p - p p^T) r = q (r - q.r / sum q) */
        for (int r = 0; r < n; r++) {
            double *q = RG + (long)r * k;
            const double *rf = R.rz[nl - 1] + (long)r * k;
            double qr = 0.0, qs = 0.0;
            for (int j = 0; j < k; j++) qr = qr + q[j] * rf[j];
            for (int j = 0; j < k; j++) qs = qs + q[j];
            double pr = qs > 0 ? qr / qs : 0.0;
            for (int j = 0; j < k; j++) q[j] = q[j] * (rf[j] - pr);
        }
    else
        for (long t = 0; t < (long)n * k; t++) RG[t] = RG[t] * R.rz[nl - 1][t];
    /* R-backward: Dl, RDl are Delta and R{Delta} of layer i (G, R{G} at the top) */
    double *Dl = G, *RDl = RG;
    for (int i = nl - 1; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols;
        const double *in = i ? R.a[i - 1] : x, *W = ref_w(m, th, i);
        if (ly->off >= 0) {
            for (int o = 0; o < rows; o++)
                for (int c = 0; c < cols; c++) {
                    double s = 0.0;
                    for (int r = 0; r < n; r++) s = s + RDl[(long)r * rows + o] * in[(long)r * cols + c];
                    if (i > 0)
                        for (int r = 0; r < n; r++) s = s + Dl[(long)r * rows + o] * R.ra[i - 1][(long)r * cols + c];
                    hv[ly->off + (long)o * cols + c] = ly->alpha != 1.0 ? ly->alpha * s : s;
                }
            if (ly->boff >= 0 && i == nl - 1)
                for (int o = 0; o < rows; o++) {
                    double s = 0.0;
                    for (int r = 0; r < n; r++) s = s + RDl[(long)r * rows + o];
                    hv[ly->boff + o] = s;
                }
        }
        if (i == 0) break;
        const double *V = ly->off >= 0 ? v + ly->off : NULL;
        double *D = malloc(sizeof(double) * n * cols), *RD = malloc(sizeof(double) * n * cols);
        for (int r = 0; r < n; r++)
            for (int j = 0; j < cols; j++) {
                double E, RE;
                if (rows == 1) {
                    double g = Dl[r], rg = RDl[r];
                    E = 0.0 + g * W[j];
                    RE = 0.0 + rg * W[j];
                    if (V) RE = RE + g * V[j];
                } else {
                    E = 0.0, RE = 0.0;
                    for (int o = 0; o < rows; o++) E = E + Dl[(long)r * rows + o] * W[(long)o * cols + j];
                    for (int o = 0; o < rows; o++) RE = RE + RDl[(long)r * rows + o] * W[(long)o * cols + j];
                    if (V)
                        for (int o = 0; o < rows; o++) RE = RE + Dl[(long)r * rows + o] * V[(long)o * cols + j];
                }
                long t = (long)r * cols + j;
                double e = ly->alpha * E, re = ly->alpha * RE;
                D[t] = e * R.d1[i - 1][t];
                RD[t] = re * R.d1[i - 1][t] + (e * R.d2[i - 1][t]) * R.rz[i - 1][t];
            }
        const ibp__layer *lo = &m->L[i - 1];
        if (lo->boff >= 0)
            for (int j = 0; j < cols; j++) {
                double s = 0.0;
                for (int r = 0; r < n; r++) s = s + RD[(long)r * cols + j];
                hv[lo->boff + j] = s;
            }
        if (Dl != G) free(Dl), free(RDl);
        Dl = D, RDl = RD;
    }
    if (Dl != G) free(Dl), free(RDl);
    free(G), free(RG);
    for (int i = 0; i < nl; i++) {
        free(R.z[i]), free(R.a[i]), free(R.d1[i]), free(R.d2[i]), free(R.rz[i]), free(R.ra[i]);
    }
}

/* ---- models without a run --------------------------------------------------------------------- */
typedef struct net {
    ibp__config c;
    ibp__model m;
    double *ws, *head, *theta, *x, *y;
    int nmax;
} net;

static uint64_t rs = 20261206;

static int net_build(net *t, const char *cfg, int nmax) {
    char err[256];
    memset(t, 0, sizeof *t);
    if (ibp__config_parse(&t->c, cfg, err, sizeof err) || ibp__model_setup(&t->m, &t->c, err, sizeof err)) {
        T_CHECK(0, "%s: %s", cfg, err);
        return -1;
    }
    t->nmax = nmax;
    t->ws = malloc(ibp__model_ws_doubles(&t->m, nmax) * sizeof(double));
    ibp__model_bind_ws(&t->m, t->ws, nmax);
    size_t nf = ibp__model_fixed_doubles(&t->m);
    t->head = nf ? malloc(nf * sizeof(double)) : NULL;
    if (nf) ibp__model_bind_fixed(&t->m, t->head);
    for (size_t i = 0; i < nf; i++) t->head[i] = t_rand_normal(&rs);
    long P = t->m.P;
    t->theta = malloc(sizeof(double) * P);
    for (long i = 0; i < P; i++) t->theta[i] = 0.7 * t_rand_normal(&rs);
    t->x = malloc(sizeof(double) * nmax * t->m.d);
    t->y = malloc(sizeof(double) * nmax * t->m.k);
    for (long i = 0; i < (long)nmax * t->m.d; i++) t->x[i] = t_rand_normal(&rs);
    for (long i = 0; i < (long)nmax * t->m.k; i++)
        t->y[i] = t->c.loss == IBP__LOSS_LOGISTIC ? (t_rand_uniform(&rs) < 0.5 ? -1.0 : 1.0) : t_rand_normal(&rs);
    if (t->c.loss == IBP__LOSS_CE) /* one-hot rows, and a soft row every third */
        for (int r = 0; r < nmax; r++) {
            double *yr = t->y + (long)r * t->m.k;
            for (int j = 0; j < t->m.k; j++) yr[j] = r % 3 == 2 ? 1.0 / t->m.k : 0.0;
            if (r % 3 != 2) yr[(int)(t_rand_uniform(&rs) * t->m.k) % t->m.k] = 1.0;
        }
    return 0;
}

static void net_free(net *t) {
    free(t->ws), free(t->head), free(t->theta), free(t->x), free(t->y);
    ibp__config_free(&t->c);
}

static double *rand_vec(long P) {
    double *v = malloc(sizeof(double) * P);
    for (long i = 0; i < P; i++) v[i] = t_rand_normal(&rs);
    return v;
}

/* engine product against the plain loops, bit for bit */
static int same_as_ref(net *t, const double *v, int n, const char *what) {
    long P = t->m.P;
    double *a = malloc(sizeof(double) * P), *b = malloc(sizeof(double) * P);
    ibp__batch bt = {t->x, t->y, n};
    ibp__model_hvp(&t->m, t->theta, &bt, v, a);
    ref_hvp(&t->m, t->theta, t->x, t->y, n, v, b);
    int ok = t_same_bits(a, b, P);
    T_CHECK(ok, "%s: bit for bit the plain loops (rel diff %.3g)", what, t_relerr(a, b, P));
    free(a), free(b);
    return ok;
}

static void test_bits(void) {
    static const char *grid[] = {
        "model=mlp&depth=1&d=4&out=1",
        "model=mlp&depth=1&d=3&out=3&loss=mse&bias=0",
        "model=mlp&depth=2&d=3&width=9&act=tanh",
        "model=mlp&depth=2&d=5&width=40&act=tanh&bias=0&loss=logistic&labels=sign",
        "model=mlp&depth=2&d=4&width=7&act=gelu&head=pm",
        "model=mlp&depth=2&d=4&width=6&act=softplus(2)&head=unit&out=1",
        "model=mlp&depth=3&d=4&width=9,5&out=2&act=tanh&param=ntk",
        "model=mlp&depth=3&d=3&width=8&out=1&act=leaky_relu(0.1)&loss=logistic&labels=sign&bias=0",
        "model=mlp&depth=3&d=2&width=11,4,5&out=3&act=leaky_softplus&head=pm",
        "model=mlp&depth=4&d=5&width=6,7,5&out=2&act=gelu&param=ntk&loss=mse",
        "model=mlp&depth=4&d=3&width=10&out=1&act=identity&bias=0",
        "model=mlp&depth=3&d=6&width=1,8&out=1&act=tanh",
        "model=mlp&depth=3&d=5&width=600,2&out=1&act=tanh&bias=1",
        "model=mlp&depth=2&d=4&width=9&out=3&act=tanh&loss=ce",
        "model=mlp&depth=3&d=5&width=12,7&out=10&act=gelu&param=ntk&loss=ce&bias=0",
    };
    int ns[] = {1, 7, 40, 150};
    int nbad = 0, ntot = 0;
    for (size_t g = 0; g < sizeof grid / sizeof *grid; g++) {
        net t;
        if (net_build(&t, grid[g], 150)) continue;
        for (int q = 0; q < 4; q++) {
            double *v = rand_vec(t.m.P);
            char what[300];
            snprintf(what, sizeof what, "%s, n=%d", grid[g], ns[q]);
            nbad += !same_as_ref(&t, v, ns[q], what);
            ntot++;
            free(v);
        }
        net_free(&t);
    }
    printf("cached HVP vs plain loops: %d of %d products bit for bit\n", ntot - nbad, ntot);
}

/* through the model: every change of theta, batch or workspace is seen */
static void test_stale_model(void) {
    net t;
    if (net_build(&t, "model=mlp&depth=3&d=4&width=20,12&out=2&act=tanh&loss=mse", 90)) return;
    ibp__model *m = &t.m;
    long P = m->P;
    double *v = rand_vec(P), *u = rand_vec(P), *o = malloc(sizeof(double) * P);
    long b0 = m->hk.builds;
    same_as_ref(&t, v, 90, "first product");
    T_CHECK(m->hk.builds == b0 + 1, "first product builds the cache");
    same_as_ref(&t, u, 90, "second product, same theta");
    same_as_ref(&t, v, 90, "third product, same theta");
    T_CHECK(m->hk.builds == b0 + 1, "same theta and batch: the cache is reused (%ld builds)", m->hk.builds - b0);

    t.theta[P / 2] = nextafter(t.theta[P / 2], 1e300); /* one ulp, in place */
    same_as_ref(&t, v, 90, "theta changed by one ulp in place");
    T_CHECK(m->hk.builds == b0 + 2, "a changed theta rebuilds");

    double *th2 = malloc(sizeof(double) * P); /* the same values elsewhere: reuse is right */
    memcpy(th2, t.theta, sizeof(double) * P);
    ibp__batch bt = {t.x, t.y, 90};
    ibp__model_hvp(m, th2, &bt, v, o);
    T_CHECK(m->hk.builds == b0 + 2, "the same theta bits in another array: reused");
    free(th2);

    t.x[17] = t.x[17] * 1.5; /* the batch rewritten in place, theta unchanged */
    same_as_ref(&t, v, 90, "batch inputs rewritten in place");
    T_CHECK(m->hk.builds == b0 + 3, "rewritten inputs rebuild");
    t.y[5] = -t.y[5];
    same_as_ref(&t, v, 90, "batch targets rewritten in place");
    T_CHECK(m->hk.builds == b0 + 4, "rewritten targets rebuild");
    same_as_ref(&t, v, 61, "a shorter batch");
    T_CHECK(m->hk.builds == b0 + 5, "another batch size rebuilds");

    /* other uses of the workspace in between */
    ibp__batch full = {t.x, t.y, 90};
    same_as_ref(&t, v, 90, "back to the full batch");
    long b1 = m->hk.builds;
    ibp__model_forward(m, t.theta, t.x, 30, o);
    same_as_ref(&t, v, 90, "after a forward pass");
    ibp__model_loss_grad(m, t.theta, &full, o);
    same_as_ref(&t, u, 90, "after a gradient");
    ibp__model_gnvp(m, t.theta, &full, u, o, 1);
    same_as_ref(&t, v, 90, "after an NTK product");
    ibp__model_gnvp(m, t.theta, &full, u, o, 0);
    same_as_ref(&t, v, 90, "after a Gauss-Newton product");
    T_CHECK(m->hk.builds == b1 + 4, "each other use of the workspace rebuilds (%ld)", m->hk.builds - b1);
    free(v), free(u), free(o);
    net_free(&t);
}

/* through a run: steps, SGD batches, label noise, set_params, measurements */
static int run_same_as_ref(ibp_run *r, const double *v, const char *what) {
    long P = r->m.P;
    double *a = malloc(sizeof(double) * P), *b = malloc(sizeof(double) * P);
    ibp_run_hvp(r, a, v);
    ref_hvp(&r->m, ibp_run_params(r), r->full.x, r->full.y, r->full.n, v, b);
    int ok = t_same_bits(a, b, P);
    T_CHECK(ok, "%s: the run's product at its current theta is the plain loops' (rel diff %.3g)", what,
            t_relerr(a, b, P));
    free(a), free(b);
    return ok;
}

static void test_stale_run(void) {
    static const char *cfgs[] = {
        "model=mlp&depth=2&d=4&width=16&n=50&act=tanh&lr=0.1&steps=100&measure_every=3",
        "model=mlp&depth=3&d=3&width=8&n=40&act=gelu&opt=sgd&batch=7&lr=0.05&steps=100&measure_every=4",
        "model=mlp&depth=2&d=3&width=8&n=30&act=tanh&label_noise=0.3&lr=0.05&steps=100&measure=0",
        "model=mlp&depth=2&d=3&width=10&n=33&act=softplus&opt=sgd&batch=5&sample=online&lr=0.05&steps=100&log_every=5&measure=0",
        "model=mlp&depth=2&width=8&act=tanh&data=inline&out=3&loss=ce&opt=sgd&batch=2&lr=0.3&steps=100&measure_every=3&xs=0.5,-1,2,0.3,1,1,-0.7,0.2,-2,1.5,0.4,0.9&ys=1,0,0,0,1,0,0,0,1,0.2,0.3,0.5",
    };
    for (size_t c = 0; c < sizeof cfgs / sizeof *cfgs; c++) {
        ibp_run *r = t_run(cfgs[c], NULL, NULL);
        if (!r) continue;
        long P = ibp_run_nparams(r);
        double *v = rand_vec(P), *th = malloc(sizeof(double) * P);
        char what[400];
        int bad = 0;
        for (int s = 0; s < 12; s++) {
            snprintf(what, sizeof what, "%s, step %lld", cfgs[c], (long long)ibp_run_t(r));
            bad += !run_same_as_ref(r, v, what);
            long b = r->m.hk.builds;
            bad += !run_same_as_ref(r, v, what);
            T_CHECK(r->m.hk.builds == b, "%s: a second product at the same theta reuses the cache", what);
            ibp_run_step(r, 1 + s % 3, NULL, 0);
            ibp_run_clear_rows(r);
        }
        /* set_params to new values, then back to the old ones */
        memcpy(th, ibp_run_params(r), sizeof(double) * P);
        bad += !run_same_as_ref(r, v, "before set_params");
        double *th2 = malloc(sizeof(double) * P);
        for (long i = 0; i < P; i++) th2[i] = th[i] * 0.9;
        ibp_run_set_params(r, th2, NULL, 0);
        bad += !run_same_as_ref(r, v, "after set_params");
        ibp_run_set_params(r, th, NULL, 0);
        bad += !run_same_as_ref(r, v, "after set_params back");
        T_CHECK(!bad, "%s: no stale product", cfgs[c]);
        free(v), free(th), free(th2);
        ibp_run_destroy(r);
    }
}

int main(void) {
    test_bits();
    test_stale_model();
    test_stale_run();
    return t_summary();
}
