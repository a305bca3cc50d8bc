/* data_gen.c -- data sets: generators, inline/CSV loading, train/test splits, the OLS solution
 * and online sampling.
 *
 * Randomness: teacher / ground-truth weights come from IBP__STREAM_TEACHER, samples from
 * IBP__STREAM_DATA, random train/test splits from IBP__STREAM_SPLIT, all seeded with the data
 * seed; so changing n does not change the teacher, and changing n_test does not move the fixed
 * sets' rows. Every per-sample draw is made whether or not its factor is zero (noise, xnoise), so
 * turning noise on does not shift the inputs. One sample routine serves both the build and
 * ibp__data_sample, so a fresh sample is drawn exactly like a training sample.
 *
 * Storage (ibp__data_doubles, carved from an arena in this order by data_carve):
 *   x (n,d) | y (n,k) | xt (n_test,d) | yt (n_test,k) | wstar (d,k) for regression data |
 *   gen (see data.h) | OLS scratch 2 d^2 + d k when an OLS solve can happen (n >= d). */
#include <string.h>
#include "data/data.h"

#define PI 3.14159265358979323846

static const char *const data_names[] = {"teacher", "mc",     "degenerate", "separable", "flip",
                                         "xor",     "circles", "spirals",   "moons",     "p5",
                                         "xor40",   "inline",  "csv",        "fashion_mnist"};

static int is_regression(int data) {
    return data == IBP__DATA_TEACHER || data == IBP__DATA_MC || data == IBP__DATA_INLINE ||
           data == IBP__DATA_CSV;
}
static int is_fixed(int data) { /* a fixed list of rows, split at random when n_test > 0 */
    return data == IBP__DATA_P5 || data == IBP__DATA_XOR40 || data == IBP__DATA_INLINE ||
           data == IBP__DATA_CSV;
}
static int fixed_d(int data) { /* input dimension the set defines, 0 when the config decides */
    if (data == IBP__DATA_P5) return 3;
    if (data >= IBP__DATA_XOR && data <= IBP__DATA_MOONS) return 2;
    if (data == IBP__DATA_XOR40) return 2;
    return 0;
}
static int online(int data) {
    return data != IBP__DATA_MC && data != IBP__DATA_P5 && data != IBP__DATA_INLINE &&
           data != IBP__DATA_CSV && data != IBP__DATA_FASHION_MNIST;
}

typedef struct shape {
    int total, n, nt, d, k; /* n + nt == total; n or nt may be out of range: build reports it */
    size_t gen, scratch, wstar;
} shape;

static size_t nz(long v) { return v > 0 ? (size_t)v : 0; }

static void data_shape(const ibp__config *c, const ibp__csvinfo *csv, shape *s) {
    s->d = c->d;
    s->k = c->out;
    if (c->data == IBP__DATA_CSV) {
        s->total = csv ? csv->rows : 0;
        s->d = csv ? csv->cols - c->out : 0;
    } else if (c->data == IBP__DATA_INLINE) {
        s->total = c->out > 0 ? c->ys.n / c->out : 0;
    } else if (c->data == IBP__DATA_P5) {
        s->total = 5;
    } else if (c->data == IBP__DATA_XOR40) {
        s->total = 40;
    } else {
        s->total = c->n + c->n_test;
    }
    s->nt = c->n_test;
    s->n = s->total - s->nt;
    size_t d = nz(s->d), k = nz(s->k);
    s->gen = 0;
    if (c->data == IBP__DATA_TEACHER) {
        size_t w = nz(c->teacher_width);
        s->gen = d + 2 * k + (c->teacher == IBP__TEACHER_TANH_MLP ? w * d + k * w : d * k);
    } else if (c->data == IBP__DATA_SEPARABLE || c->data == IBP__DATA_FLIP) {
        s->gen = d;
    }
    if (c->data == IBP__DATA_TEACHER && c->cov_rotate) s->gen += d * d + d; /* the rotation R (d, d), a (d,) temp */
    int reg = is_regression(c->data);
    s->wstar = reg ? d * k : 0;
    s->scratch = (reg && s->n >= s->d && s->d >= 1) ? 2 * d * d + d * k : 0;
    if (c->data == IBP__DATA_FASHION_MNIST && c->center) s->scratch = d; /* the mean image */
    if (c->data == IBP__DATA_TEACHER && c->cov_rotate && d * d + d > s->scratch) s->scratch = d * d + d;
}

/* Carve (or, with base == NULL, just measure) the storage in the order above; returns the
 * doubles it spans. */
static size_t data_carve(const shape *s, double *base, ibp__data *D, double **wstar, double **scratch) {
    ibp__arena a = {(char *)base, 0};
    size_t d = nz(s->d), k = nz(s->k), n = nz(s->n), nt = nz(s->nt);
    D->x = ibp__arena_doubles(&a, n * d);
    D->y = ibp__arena_doubles(&a, n * k);
    D->xt = ibp__arena_doubles(&a, nt * d);
    D->yt = ibp__arena_doubles(&a, nt * k);
    *wstar = ibp__arena_doubles(&a, s->wstar);
    D->gen = ibp__arena_doubles(&a, s->gen);
    *scratch = ibp__arena_doubles(&a, s->scratch);
    return ibp__arena_ndoubles(&a);
}

size_t ibp__data_doubles(const ibp__config *c, const ibp__csvinfo *csv) {
    shape s;
    data_shape(c, csv, &s);
    ibp__data D;
    double *wstar, *scratch;
    return data_carve(&s, NULL, &D, &wstar, &scratch);
}

/* ------------------------------------------------------------------------------------------ */
/* Sample routines shared by the build and online sampling */

static double sgn(double v) { return v >= 0 ? 1.0 : -1.0; }

/* The rotation R (d, d) of the input covariance in the teacher's state (cov_rotate=1), then a
 * (d,) temp; NULL without a rotation. */
static double *teacher_rotation(const ibp__config *c, int d, int k, double *gen) {
    if (!c->cov_rotate) return NULL;
    size_t w = c->teacher == IBP__TEACHER_TANH_MLP ? (size_t)c->teacher_width * d + (size_t)k * c->teacher_width
                                                   : (size_t)d * k;
    return gen + d + 2 * k + w;
}

/* x = R diag(sqrt(s)) z (R = I without a rotation), z ~ N(0, I): covariance R diag(s) R^T. */
static void teacher_draw(const ibp__config *c, int d, int k, double *gen, ibp_rng *r,
                         double *x /* (d,) */, double *y /* (k,) */) {
    const double *sq = gen, *W = gen + d + 2 * k;
    double *R = teacher_rotation(c, d, k, gen);
    if (R) {
        double *u = R + (size_t)d * d;
        for (int i = 0; i < d; i++) u[i] = sq[i] * ibp__rng_normal(r);
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += R[(size_t)i * d + j] * u[j];
            x[i] = s;
        }
    } else {
        for (int i = 0; i < d; i++) x[i] = sq[i] * ibp__rng_normal(r);
    }
    if (c->teacher == IBP__TEACHER_TANH_MLP) {
        int w = c->teacher_width;
        const double *W1 = W, *W2 = W + (size_t)w * d;
        for (int o = 0; o < k; o++) y[o] = 0;
        for (int j = 0; j < w; j++) {
            double z = 0;
            for (int i = 0; i < d; i++) z += W1[(size_t)j * d + i] * x[i];
            double h = ibp__tanh(z);
            for (int o = 0; o < k; o++) y[o] += W2[(size_t)o * w + j] * h;
        }
    } else {
        for (int o = 0; o < k; o++) {
            double z = 0;
            for (int i = 0; i < d; i++) z += x[i] * W[(size_t)i * k + o];
            y[o] = c->teacher == IBP__TEACHER_SIN ? ibp__sin(z) : z;
        }
    }
    for (int o = 0; o < k; o++) y[o] += c->noise * ibp__rng_normal(r);
}

static void teacher_standardize(const ibp__config *c, int d, int k, const double *gen, double *y) {
    if (!c->standardize) return;
    const double *mean = gen + d, *sd = gen + d + k;
    for (int o = 0; o < k; o++) y[o] = (y[o] - mean[o]) / sd[o];
}

static void separable_draw(const ibp__config *c, int d, const double *w, ibp_rng *r, double *x,
                           double *y) {
    for (int i = 0; i < d; i++) x[i] = ibp__rng_normal(r);
    double t = 0;
    for (int i = 0; i < d; i++) t += w[i] * x[i];
    double s = sgn(t);
    /* pushing x along w by the margin keeps the direction law symmetric and |w.x| >= margin */
    for (int i = 0; i < d; i++) x[i] += s * c->margin * w[i];
    y[0] = s;
}

/* 2-D toy sets. cls (+1/-1) picks the class for circles, spirals and moons; xor ignores it. */
static void toy2d_draw(const ibp__config *c, double cls, ibp_rng *r, double *x, double *y) {
    double u = ibp__rng_uniform(r);
    switch (c->data) {
    case IBP__DATA_XOR: {
        double v = ibp__rng_uniform(r);
        x[0] = 2 * u - 1;
        x[1] = 2 * v - 1;
        cls = sgn(x[0] * x[1]);
        break;
    }
    case IBP__DATA_CIRCLES: { /* outer radius 1 is class -1, inner radius 0.5 is class +1 */
        double a = 2 * PI * u, rad = cls > 0 ? 0.5 : 1.0;
        x[0] = rad * ibp__cos(a);
        x[1] = rad * ibp__sin(a);
        break;
    }
    case IBP__DATA_SPIRALS: { /* radius t, 1.75 turns; class -1 is the +1 arm rotated by pi */
        double a = 3.5 * PI * u + (cls > 0 ? 0.0 : PI);
        x[0] = u * ibp__cos(a);
        x[1] = u * ibp__sin(a);
        break;
    }
    default: { /* moons (scikit-learn): upper arc is class -1, the shifted lower arc class +1 */
        double a = PI * u;
        if (cls > 0) {
            x[0] = 1 - ibp__cos(a);
            x[1] = 0.5 - ibp__sin(a);
        } else {
            x[0] = ibp__cos(a);
            x[1] = ibp__sin(a);
        }
        break;
    }
    }
    x[0] += c->xnoise * ibp__rng_normal(r);
    x[1] += c->xnoise * ibp__rng_normal(r);
    y[0] = cls;
}

static void xor40_draw(int centre, ibp_rng *r, double *x, double *y) {
    /* centres (1,1), (1,-1), (-1,1), (-1,-1); the label is the centre's x1*x2 */
    double c1 = centre < 2 ? 1.0 : -1.0, c2 = (centre & 1) ? -1.0 : 1.0;
    x[0] = c1 + 0.15 * ibp__rng_normal(r);
    x[1] = c2 + 0.15 * ibp__rng_normal(r);
    y[0] = c1 * c2;
}

static void sign_labels(const ibp__config *c, double *y, size_t m) {
    if (c->labels != IBP__LABELS_SIGN) return;
    for (size_t i = 0; i < m; i++) y[i] = sgn(y[i]);
}

void ibp__data_sample(const ibp__data *D, const ibp__config *c, ibp_rng *rng, int n,
                      double *x /* (n, d) */, double *y /* (n, k) */) {
    IBP_CHECK(D->online_ok);
    int d = D->d, k = D->k;
    for (int i = 0; i < n; i++) {
        double *xi = x + (size_t)i * d, *yi = y + (size_t)i * k;
        switch (c->data) {
        case IBP__DATA_TEACHER:
            teacher_draw(c, d, k, D->gen, rng, xi, yi);
            teacher_standardize(c, d, k, D->gen, yi);
            break;
        case IBP__DATA_DEGENERATE:
            memset(xi, 0, (size_t)d * sizeof(double));
            xi[0] = 1;
            yi[0] = ibp__rng_uniform(rng) < c->p ? 1.0 : -1.0;
            break;
        case IBP__DATA_SEPARABLE:
        case IBP__DATA_FLIP:
            separable_draw(c, d, D->gen, rng, xi, yi);
            if (c->data == IBP__DATA_FLIP && ibp__rng_uniform(rng) < c->flip) yi[0] = -yi[0];
            break;
        case IBP__DATA_XOR40:
            xor40_draw((int)ibp__rng_below(rng, 4), rng, xi, yi);
            break;
        default: /* xor, circles, spirals, moons */
            toy2d_draw(c, ibp__rng_below(rng, 2) ? 1.0 : -1.0, rng, xi, yi);
            break;
        }
    }
    sign_labels(c, y, (size_t)n * k);
}

/* ------------------------------------------------------------------------------------------ */
/* Build */

/* Training row i < n, then test row i - n. */
static double *row_x(ibp__data *D, int i) {
    return i < D->n ? D->x + (size_t)i * D->d : D->xt + (size_t)(i - D->n) * D->d;
}
static double *row_y(ibp__data *D, int i) {
    return i < D->n ? D->y + (size_t)i * D->k : D->yt + (size_t)(i - D->n) * D->k;
}

/* Random split of a fixed list of rows: each row in turn goes to the test set with probability
 * (test rows still to place) / (rows left) -- selection sampling (Knuth's Algorithm S): exactly
 * n_test rows, every subset equally likely, row order kept within each set. */
typedef struct router {
    ibp_rng r;
    int left, test_left, ntr, nte;
} router;
static void route(router *rt, ibp__data *D, double **x, double **y) {
    int to_test = 0;
    if (rt->test_left > 0) to_test = ibp__rng_uniform(&rt->r) * rt->left < rt->test_left;
    rt->left--;
    if (to_test) {
        rt->test_left--;
        *x = D->xt + (size_t)rt->nte * D->d;
        *y = D->yt + (size_t)rt->nte++ * D->k;
    } else {
        *x = D->x + (size_t)rt->ntr * D->d;
        *y = D->y + (size_t)rt->ntr++ * D->k;
    }
}

/* Flip exactly m of the labels y[0..n) (one target each), the m chosen by selection sampling. */
static void flip_exact(double *y, int n, int m, ibp_rng *r) {
    for (int i = 0; i < n && m > 0; i++)
        if (ibp__rng_uniform(r) * (n - i) < m) {
            y[i] = -y[i];
            m--;
        }
}

static int round_count(double frac, int n) { return (int)(frac * n + 0.5); }

/* OLS solution w (d,k) of min ||X w - Y||: normal equations by Cholesky. Returns 0 or -1. */
static int ols(int n, int d, int k, const double *X /* (n,d) */, const double *Y /* (n,k) */,
               double *w /* (d,k) */, double *scratch /* 2 d^2 + d k */) {
    double *G = scratch, *B = scratch + (size_t)d * d, *cs = B + (size_t)d * k;
    memset(G, 0, (size_t)d * d * sizeof(double));
    memset(B, 0, (size_t)d * k * sizeof(double));
    for (int i = 0; i < n; i++) { /* each entry accumulates over samples i in order */
        const double *xi = X + (size_t)i * d, *yi = Y + (size_t)i * k;
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) G[(size_t)a * d + b] += xi[a] * xi[b];
            for (int o = 0; o < k; o++) B[(size_t)a * k + o] += xi[a] * yi[o];
        }
    }
    for (int a = 0; a < d; a++)
        for (int b = 0; b < a; b++) G[(size_t)a * d + b] = G[(size_t)b * d + a];
    return ibp__chol_solve(d, k, G, B, w, cs);
}

static const double p5_rows[5][4] = {
    {0.05, 1, 2, 1}, {0.05, -2, 1, 1}, {0.05, -2, -2, 1}, {0.05, 1, -2, 1}, {-1, 0, 2, -1}};

/* loss=ce needs targets that are probability vectors: entries >= 0 summing to 1 (to 1e-9). */
static int ce_targets(const double *y, int n, int k, const char *set, char *err, size_t errlen) {
    for (int i = 0; i < n; i++) {
        double s = 0;
        int neg = 0;
        for (int j = 0; j < k; j++) { s += y[(size_t)i * k + j]; neg |= !(y[(size_t)i * k + j] >= 0); }
        if (neg || !(ibp__fabs(s - 1) <= 1e-9))
            return ibp__fail(err, errlen, IBP_E_DATA, "loss=ce needs targets that are probability vectors (entries >= 0 "
                             "summing to 1, e.g. one-hot): %s row %d %s", set, i + 1,
                             neg ? "has a negative entry" : "does not sum to 1");
    }
    return IBP_OK;
}

int ibp__data_build(ibp__data *D, const ibp__config *c, const char *csv, const ibp__csvinfo *info,
                    const ibp_images *img, double *storage, char *err, size_t errlen) {
    shape s;
    memset(D, 0, sizeof *D);
    if (c->data < 0 || c->data > IBP__DATA_FASHION_MNIST)
        return ibp__fail(err, errlen, IBP_E_DATA, "unknown data kind %d", c->data);
    const char *name = data_names[c->data];
    if (c->data == IBP__DATA_CSV && (!csv || !info))
        return ibp__fail(err, errlen, IBP_E_DATA, "data=csv needs the CSV text");
    data_shape(c, info, &s);
    int d = s.d, k = s.k, n = s.n, nt = s.nt;
    if (k < 1) return ibp__fail(err, errlen, IBP_E_DATA, "out=%d: need at least 1 output", k);
    if (d < 1) return ibp__fail(err, errlen, IBP_E_DATA, "data=%s: d=%d, need at least 1 input", name, d);
    if (!is_regression(c->data) && c->data != IBP__DATA_FASHION_MNIST && k != 1)
        return ibp__fail(err, errlen, IBP_E_DATA, "data=%s gives one label per sample: it needs out=1 (got out=%d)",
                         name, k);
    if (c->data == IBP__DATA_MC && k != 1)
        return ibp__fail(err, errlen, IBP_E_DATA, "data=mc has one target: it needs out=1 (got out=%d)", k);
    if (fixed_d(c->data) && d != fixed_d(c->data))
        return ibp__fail(err, errlen, IBP_E_DATA, "data=%s has d=%d inputs (got d=%d)", name,
                         fixed_d(c->data), d);
    if (nt < 0) return ibp__fail(err, errlen, IBP_E_DATA, "n_test=%d must be >= 0", nt);
    if (is_fixed(c->data) && n < 1)
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "n_test=%d leaves no training rows: data=%s has %d rows", nt, name, s.total);
    if (n < 1) return ibp__fail(err, errlen, IBP_E_DATA, "data=%s: n=%d, need at least 1 sample", name, n);
    if (c->data == IBP__DATA_INLINE && (c->xs.n != s.total * d || c->ys.n != s.total * k))
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "data=inline: xs has %d values and ys %d; with d=%d and out=%d they must "
                         "hold the same number of rows (n*d and n*out values)", c->xs.n, c->ys.n, d, k);
    if (c->data == IBP__DATA_MC && n < d)
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "data=mc needs n >= d for its OLS solution w* (got n=%d, d=%d)", n, d);
    if (c->data == IBP__DATA_TEACHER && c->teacher == IBP__TEACHER_LINEAR && c->teacher_w.n &&
        c->teacher_w.n != d * k)
        return ibp__fail(err, errlen, IBP_E_DATA, "teacher_w has %d values; d*out = %d needed",
                         c->teacher_w.n, d * k);
    if (c->data == IBP__DATA_TEACHER && c->teacher == IBP__TEACHER_TANH_MLP && c->teacher_width < 1)
        return ibp__fail(err, errlen, IBP_E_DATA, "teacher_width=%d must be >= 1", c->teacher_width);
    if (c->data == IBP__DATA_FASHION_MNIST) {
        int rc = ibp__images_check(img, c, err, errlen);
        if (rc) return rc;
    }

    D->n = n; D->n_test = nt; D->d = d; D->k = k;
    double *wst, *scratch;
    data_carve(&s, storage, D, &wst, &scratch);
    D->online_ok = online(c->data);

    uint64_t seed = ibp__config_data_seed(c);
    ibp_rng dr, tr;
    ibp__rng_seed(&dr, seed, IBP__STREAM_DATA);
    ibp__rng_seed(&tr, seed, IBP__STREAM_TEACHER);
    router rt;
    ibp__rng_seed(&rt.r, seed, IBP__STREAM_SPLIT);
    rt.left = s.total; rt.test_left = nt; rt.ntr = rt.nte = 0;
    int N = n + nt;

    switch (c->data) {
    case IBP__DATA_TEACHER: {
        double *sq = D->gen, *mean = sq + d, *sd = mean + k, *W = sd + k;
        for (int i = 0; i < d; i++) /* s_i = cov_i, or kappa^(-(i-1)/(d-1)): condition number kappa */
            sq[i] = c->cov.n ? ibp__sqrt(c->cov.v[i])
                    : (i == 0 || c->kappa == 1) ? 1.0 : ibp__sqrt(ibp__pow(c->kappa, -(double)i / (d - 1)));
        double *R = teacher_rotation(c, d, k, D->gen);
        if (R) { /* a Haar rotation from its own stream: turning it on moves nothing else */
            ibp_rng rr;
            ibp__rng_seed(&rr, seed, IBP__STREAM_ROTATION);
            ibp__random_orthonormal(d, d, &rr, R, scratch);
        }
        if (c->teacher == IBP__TEACHER_TANH_MLP) {
            size_t w = (size_t)c->teacher_width;
            double s1 = c->teacher_scale / ibp__sqrt((double)d), s2 = c->teacher_scale / ibp__sqrt((double)w);
            for (size_t j = 0; j < w * d; j++) W[j] = s1 * ibp__rng_normal(&tr);
            for (size_t j = 0; j < (size_t)k * w; j++) W[w * d + j] = s2 * ibp__rng_normal(&tr);
        } else if (c->teacher == IBP__TEACHER_LINEAR && c->teacher_w.n) {
            memcpy(W, c->teacher_w.v, (size_t)d * k * sizeof(double));
        } else {
            for (size_t j = 0; j < (size_t)d * k; j++) W[j] = c->teacher_scale * ibp__rng_normal(&tr);
        }
        for (int o = 0; o < k; o++) { mean[o] = 0; sd[o] = 1; }
        for (int i = 0; i < N; i++) teacher_draw(c, d, k, D->gen, &dr, row_x(D, i), row_y(D, i));
        if (c->standardize) { /* the training set's moments define the map for every sample */
            for (int o = 0; o < k; o++) {
                double m = 0, v = 0;
                for (int i = 0; i < n; i++) m += D->y[(size_t)i * k + o];
                m /= n;
                for (int i = 0; i < n; i++) {
                    double e = D->y[(size_t)i * k + o] - m;
                    v += e * e;
                }
                v = ibp__sqrt(v / n);
                mean[o] = m;
                sd[o] = v > 0 ? v : 1.0; /* a constant column is only centred */
            }
            for (int i = 0; i < N; i++) teacher_standardize(c, d, k, D->gen, row_y(D, i));
        }
        break;
    }
    case IBP__DATA_MC: { /* science.md E */
        double *wt = wst; /* w_true lives in the w* slot until the OLS solve replaces it */
        for (int i = 0; i < d; i++) wt[i] = ibp__rng_normal(&tr);
        for (int i = 0; i < N; i++) {
            double *xi = row_x(D, i), z = 0;
            for (int j = 0; j < d; j++) xi[j] = ibp__rng_normal(&dr);
            for (int j = 0; j < d; j++) z += xi[j] * wt[j];
            *row_y(D, i) = z + c->noise * ibp__rng_normal(&dr);
        }
        if (ols(n, d, 1, D->x, D->y, wst, scratch) != 0)
            return ibp__fail(err, errlen, IBP_E_DATA, "data=mc: X^T X is singular, no OLS solution");
        double nrm2 = 0;
        for (int j = 0; j < d; j++) nrm2 += wst[j] * wst[j];
        double nrm = ibp__sqrt(nrm2);
        if (!(nrm > 0)) return ibp__fail(err, errlen, IBP_E_DATA, "data=mc: the OLS solution is 0");
        double sc = c->wstar_norm / nrm; /* y scales the OLS solution linearly */
        for (int i = 0; i < N; i++) *row_y(D, i) *= sc;
        break;
    }
    case IBP__DATA_DEGENERATE: {
        int mtr = round_count(c->p, n), mte = round_count(c->p, nt);
        for (int i = 0; i < N; i++) {
            double *xi = row_x(D, i);
            memset(xi, 0, (size_t)d * sizeof(double));
            xi[0] = 1;
            *row_y(D, i) = (i < n ? i < mtr : i - n < mte) ? 1.0 : -1.0;
        }
        break;
    }
    case IBP__DATA_SEPARABLE:
    case IBP__DATA_FLIP: {
        double *w = D->gen, nrm2 = 0;
        for (int i = 0; i < d; i++) w[i] = ibp__rng_normal(&tr);
        for (int i = 0; i < d; i++) nrm2 += w[i] * w[i];
        double inv = 1.0 / ibp__sqrt(nrm2);
        for (int i = 0; i < d; i++) w[i] *= inv;
        for (int i = 0; i < N; i++) separable_draw(c, d, w, &dr, row_x(D, i), row_y(D, i));
        if (c->data == IBP__DATA_FLIP) {
            flip_exact(D->y, n, round_count(c->flip, n), &dr);
            flip_exact(D->yt, nt, round_count(c->flip, nt), &dr);
        }
        break;
    }
    case IBP__DATA_XOR: case IBP__DATA_CIRCLES: case IBP__DATA_SPIRALS: case IBP__DATA_MOONS:
        for (int i = 0; i < N; i++) /* alternate classes: balanced even for tiny n */
            toy2d_draw(c, (i & 1) ? -1.0 : 1.0, &dr, row_x(D, i), row_y(D, i));
        break;
    case IBP__DATA_P5:
        for (int i = 0; i < 5; i++) {
            double *xi, *yi;
            route(&rt, D, &xi, &yi);
            memcpy(xi, p5_rows[i], 3 * sizeof(double));
            yi[0] = p5_rows[i][3];
        }
        break;
    case IBP__DATA_XOR40:
        for (int i = 0; i < 40; i++) {
            double *xi, *yi;
            route(&rt, D, &xi, &yi);
            xor40_draw(i / 10, &dr, xi, yi);
        }
        break;
    case IBP__DATA_INLINE:
        for (int i = 0; i < s.total; i++) {
            double *xi, *yi;
            route(&rt, D, &xi, &yi);
            memcpy(xi, c->xs.v + (size_t)i * d, (size_t)d * sizeof(double));
            memcpy(yi, c->ys.v + (size_t)i * k, (size_t)k * sizeof(double));
        }
        break;
    case IBP__DATA_CSV: {
        const char *q = ibp__csv_next_row(csv, d, k, NULL, NULL);
        for (int i = 0; i < s.total; i++) {
            double *xi, *yi;
            route(&rt, D, &xi, &yi);
            q = ibp__csv_next_row(q, d, k, xi, yi);
        }
        break;
    }
    default:
        break;
    }

    if (c->data == IBP__DATA_FASHION_MNIST) ibp__images_build(img, c, n, nt, k, D->x, D->y, D->xt, D->yt, scratch);
    sign_labels(c, D->y, (size_t)n * k);
    sign_labels(c, D->yt, (size_t)nt * k);
    if (c->loss == IBP__LOSS_LOGISTIC) /* the config checked every other source of targets */
        for (long i = 0; i < (long)(n + nt) * k; i++) {
            double yi = i < (long)n * k ? D->y[i] : D->yt[i - (long)n * k];
            if (yi != 1.0 && yi != -1.0) {
                char v[32];
                ibp_format_double(v, yi);
                return ibp__fail(err, errlen, IBP_E_DATA, "loss=logistic needs labels in {-1, +1}, but the data has "
                                 "a target %s (add labels=sign to use sign(y))", v);
            }
        }
    if (c->loss == IBP__LOSS_CE) {
        int rc = ce_targets(D->y, n, k, "training", err, errlen);
        if (!rc) rc = ce_targets(D->yt, nt, k, "test", err, errlen);
        if (rc) return rc;
    }
    D->wstar = NULL;
    if (is_regression(c->data) && c->labels == IBP__LABELS_RAW && s.scratch &&
        ols(n, d, k, D->x, D->y, wst, scratch) == 0)
        D->wstar = wst;
    return IBP_OK;
}
