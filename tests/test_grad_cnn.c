/* test_grad_cnn.c -- convolutional networks (model=cnn) against independent computations:
 *   - geometry and parameter layout against formulas written out here (valid / same padding,
 *     strides, 1-D and 2-D, flat and average pooling, NTK scalings, a fixed head);
 *   - forward and loss: a direct (not im2col) convolution in plain libm loops;
 *   - gradient: central differences of that reference loss, every parameter;
 *   - HVP: central differences of the (checked) engine gradient; symmetry u.Hv = v.Hu; linearity;
 *   - GN / NTK products: J^T D J v with J from central differences of the reference outputs and D
 *     the loss Hessian in the outputs (the full softmax block for ce);
 *   - the Hessian built from P HVPs is symmetric, and its top eigenvalue from a dense Jacobi
 *     solver equals the engine's Lanczos sharpness;
 *   - results do not depend on nmax, and a batch larger than one block (several blocks of samples
 *     per layer) equals the reference;
 *   - a CNN whose kernels cover the whole input, or whose 1x1 kernels see one position, IS an
 *     MLP: the engine's two model families agree on loss, gradient, HVP and a short GD run.
 * Grid: losses (mse_half, mse, logistic, ce) x activations x pooling x padding x strides x
 * 1-D/2-D x bias x fixed head x parameterization (standard, ntk, ntk_all). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/models.h"
#include "numerics/numerics.h"
#include "testlib.h"

#define MAXC 3
typedef struct cspec {
    int dims, cin, hin, win;                /* input */
    int nconv, ch[MAXC], ks[MAXC], st[MAXC];
    int same, pool;                         /* pool: 0 flat, 1 avg */
    int depth, width;                       /* dense layers (the output included), hidden width */
    int out, act, bias, param, fixed, loss;
    double prm;
} cspec;

static const char *act_names[] = {"identity", "relu", "leaky_relu", "tanh", "softplus", "leaky_softplus", "gelu"};
static const char *loss_names[] = {"mse_half", "mse", "logistic", "ce"};
static const char *param_names[] = {"standard", "ntk", "ntk_all"};
static char label[640];

/* ---- independent reference -------------------------------------------------------------- */
#define MAXL 8
typedef struct reflayer {
    int conv, cin, hin, win, kh, kw, sh, sw, pt, pl, hout, wout, rows, cols;
    long off, boff;
    double alpha;
} reflayer;
typedef struct refnet { int nl, nconv, feat, d; reflayer L[MAXL]; long P; } refnet;

static int outsz(int in, int k, int s, int same, int *pad) {
    if (same) {
        int out = (int)ceil((double)in / s), tot = (out - 1) * s + k - in;
        *pad = tot > 0 ? tot / 2 : 0;
        return out;
    }
    *pad = 0;
    return (in - k) / s + 1;
}

static refnet ref_layout(const cspec *s) {
    refnet r;
    memset(&r, 0, sizeof r);
    int c = s->cin, h = s->hin, w = s->win;
    r.d = c * h * w;
    r.nconv = s->nconv;
    r.nl = s->nconv + s->depth + s->fixed;
    long off = 0;
    for (int i = 0; i < r.nl; i++) {
        reflayer *L = &r.L[i];
        if (i < s->nconv) {
            L->conv = 1;
            L->cin = c; L->hin = h; L->win = w;
            L->kw = s->ks[i]; L->kh = s->dims == 2 ? s->ks[i] : 1;
            L->sw = s->st[i]; L->sh = s->dims == 2 ? s->st[i] : 1;
            L->hout = outsz(h, L->kh, L->sh, s->same, &L->pt);
            L->wout = outsz(w, L->kw, L->sw, s->same, &L->pl);
            L->rows = s->ch[i];
            L->cols = c * L->kh * L->kw;
            c = L->rows; h = L->hout; w = L->wout;
            if (i == s->nconv - 1) r.feat = s->pool ? c : c * h * w;
        } else {
            L->cols = i == s->nconv ? r.feat : r.L[i - 1].rows;
            L->rows = i == r.nl - 1 ? s->out : s->width;
        }
        int head = s->fixed && i == r.nl - 1;
        L->alpha = ((s->param == IBP__PARAM_NTK && i >= 1) || s->param == IBP__PARAM_NTK_ALL) && !head
                       ? 1.0 / sqrt((double)L->cols) : 1.0;
        if (head) { L->off = L->boff = -1; continue; }
        L->off = off; off += (long)L->rows * L->cols;
        L->boff = -1;
        if (s->bias) { L->boff = off; off += L->rows; }
    }
    r.P = off;
    return r;
}

static double ref_act(const cspec *s, double z) {
    double p = s->prm;
    switch (s->act) {
    case IBP__ACT_RELU: return z > 0 ? z : 0;
    case IBP__ACT_LEAKY_RELU: return z > 0 ? z : p * z;
    case IBP__ACT_TANH: return tanh(z);
    case IBP__ACT_SOFTPLUS: { double x = p * z; return (x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))) / p; }
    case IBP__ACT_LEAKY_SOFTPLUS: return p * z + (1 - p) * (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)));
    case IBP__ACT_GELU: return z * 0.5 * erfc(-z / sqrt(2.0));
    default: return z;
    }
}

/* f (n, k); *zmin = min |z| over the hidden pre-activations (distance to a ReLU kink). Direct
 * convolution: out[(oy, ox), co] = alpha sum_{ci, i, j} K[co][ci][i][j] in[(oy sh + i - pt, ...), ci]. */
static void ref_forward(const cspec *s, const refnet *r, const double *th, const double *head, const double *x,
                        int n, double *f, double *zmin) {
    static double a[4096], z[4096];
    *zmin = INFINITY;
    for (int smp = 0; smp < n; smp++) {
        memcpy(a, x + (long)smp * r->d, sizeof(double) * (size_t)r->d);
        for (int li = 0; li < r->nl; li++) {
            const reflayer *L = &r->L[li];
            const double *W = L->off >= 0 ? th + L->off : head;
            int last = li == r->nl - 1, nz;
            if (L->conv) {
                nz = L->hout * L->wout * L->rows;
                for (int oy = 0; oy < L->hout; oy++)
                    for (int ox = 0; ox < L->wout; ox++)
                        for (int co = 0; co < L->rows; co++) {
                            double acc = 0;
                            for (int ci = 0; ci < L->cin; ci++)
                                for (int i = 0; i < L->kh; i++)
                                    for (int j = 0; j < L->kw; j++) {
                                        int y = oy * L->sh + i - L->pt, xx = ox * L->sw + j - L->pl;
                                        if (y < 0 || y >= L->hin || xx < 0 || xx >= L->win) continue;
                                        acc += W[((co * L->cin + ci) * L->kh + i) * L->kw + j] *
                                               a[(y * L->win + xx) * L->cin + ci];
                                    }
                            z[(oy * L->wout + ox) * L->rows + co] =
                                L->alpha * acc + (L->boff >= 0 ? th[L->boff + co] : 0);
                        }
            } else {
                nz = L->rows;
                for (int q = 0; q < L->rows; q++) {
                    double acc = 0;
                    for (int c = 0; c < L->cols; c++) acc += W[q * L->cols + c] * a[c];
                    z[q] = L->alpha * acc + (L->boff >= 0 ? th[L->boff + q] : 0);
                }
            }
            if (last) { memcpy(f + (long)smp * L->rows, z, sizeof(double) * (size_t)L->rows); break; }
            for (int q = 0; q < nz; q++) {
                if (fabs(z[q]) < *zmin) *zmin = fabs(z[q]);
                a[q] = ref_act(s, z[q]);
            }
            if (L->conv && li == r->nconv - 1 && s->pool) { /* global average pooling */
                int P = L->hout * L->wout, C = L->rows;
                for (int c = 0; c < C; c++) {
                    double m = 0;
                    for (int p = 0; p < P; p++) m += a[p * C + c];
                    z[c] = m / P;
                }
                memcpy(a, z, sizeof(double) * (size_t)C);
            }
        }
    }
}

static double ref_loss(int loss, const double *f, const double *y, int n, int k) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        const double *fi = f + i * k, *yi = y + i * k;
        if (loss == IBP__LOSS_CE) {
            double m = fi[0], se = 0, dot = 0;
            for (int j = 1; j < k; j++) m = fmax(m, fi[j]);
            for (int j = 0; j < k; j++) se += exp(fi[j] - m);
            for (int j = 0; j < k; j++) dot += yi[j] * fi[j];
            s += m + log(se) - dot; /* one-hot targets: sum_j y_j = 1 */
            continue;
        }
        for (int j = 0; j < k; j++) {
            if (loss == IBP__LOSS_LOGISTIC) {
                double mm = yi[j] * fi[j];
                s += mm > 0 ? log1p(exp(-mm)) : -mm + log1p(exp(mm));
            } else {
                s += (fi[j] - yi[j]) * (fi[j] - yi[j]);
            }
        }
    }
    return loss == IBP__LOSS_MSE_HALF ? s / (2.0 * n) : s / n;
}

/* out = (d2L/df2) r: diagonal for the squared and logistic losses; for ce the per-sample block
 * (diag p - p p^T)/n (one-hot targets). */
static void ref_dmul(int loss, const double *f, const double *y, int n, int k, const double *r, double *out) {
    for (int i = 0; i < n; i++) {
        const double *fi = f + i * k;
        if (loss == IBP__LOSS_CE) {
            double p[16], m = fi[0], se = 0, pr = 0;
            for (int j = 1; j < k; j++) m = fmax(m, fi[j]);
            for (int j = 0; j < k; j++) { p[j] = exp(fi[j] - m); se += p[j]; }
            for (int j = 0; j < k; j++) { p[j] /= se; pr += p[j] * r[i * k + j]; }
            for (int j = 0; j < k; j++) out[i * k + j] = (p[j] * r[i * k + j] - p[j] * pr) / n;
            continue;
        }
        for (int j = 0; j < k; j++) {
            double D;
            if (loss == IBP__LOSS_LOGISTIC) {
                double mm = y[i * k + j] * fi[j], e = exp(-fabs(mm));
                D = e / ((1 + e) * (1 + e)) / n;
            } else {
                D = (loss == IBP__LOSS_MSE ? 2.0 : 1.0) / n;
            }
            out[i * k + j] = D * r[i * k + j];
        }
    }
}

/* ---- engine model ------------------------------------------------------------------------ */
typedef struct net { ibp__config c; ibp__model m; double *ws, *head; } net;

static void spec_config(const cspec *s, char *buf, size_t cap) {
    char conv[96] = "", stride[64] = "";
    for (int i = 0; i < s->nconv; i++) {
        size_t l = strlen(conv), ls = strlen(stride);
        snprintf(conv + l, sizeof conv - l, "%s%dx%d", i ? "," : "", s->ch[i], s->ks[i]);
        snprintf(stride + ls, sizeof stride - ls, "%s%d", i ? "," : "", s->st[i]);
    }
    char shape[48];
    if (s->dims == 2) snprintf(shape, sizeof shape, "%d,%d,%d", s->cin, s->hin, s->win);
    else snprintf(shape, sizeof shape, "%d,%d", s->cin, s->win);
    int hidden = s->depth - 1 + s->fixed;
    char width[32] = "";
    if (hidden) snprintf(width, sizeof width, "&width=%d", s->width);
    char act[48];
    if (s->act == IBP__ACT_LEAKY_RELU || s->act == IBP__ACT_SOFTPLUS || s->act == IBP__ACT_LEAKY_SOFTPLUS)
        snprintf(act, sizeof act, "%s(%g)", act_names[s->act], s->prm);
    else
        snprintf(act, sizeof act, "%s", act_names[s->act]);
    snprintf(buf, cap,
             "model=cnn&d=%d&in_shape=%s&conv=%s&stride=%s&padding=%s&pool=%s&depth=%d%s&out=%d&act=%s&bias=%d"
             "&param=%s&head=%s&loss=%s%s",
             s->cin * s->hin * s->win, shape, conv, stride, s->same ? "same" : "valid", s->pool ? "avg" : "flat",
             s->depth, width, s->out, act, s->bias, param_names[s->param], s->fixed ? "pm" : "train",
             loss_names[s->loss], s->loss == IBP__LOSS_LOGISTIC ? "&labels=sign" : ""); /* logistic needs +-1 labels */
}

static int net_build(net *nt, const cspec *s, int nmax) {
    char cfg[512], err[512];
    spec_config(s, cfg, sizeof cfg);
    memset(nt, 0, sizeof *nt);
    int rc = ibp__config_parse(&nt->c, cfg, err, sizeof err);
    T_CHECK(rc == IBP_OK, "config %s: %s", cfg, err);
    if (rc) return rc;
    rc = ibp__model_setup(&nt->m, &nt->c, err, sizeof err);
    T_CHECK(rc == IBP_OK, "model setup %s: %s", cfg, err);
    if (rc) return rc;
    nt->ws = malloc(ibp__model_ws_doubles(&nt->m, nmax) * sizeof(double)); /* exact: valgrind sees overruns */
    ibp__model_bind_ws(&nt->m, nt->ws, nmax);
    size_t nf = ibp__model_fixed_doubles(&nt->m);
    nt->head = nf ? malloc(nf * sizeof(double)) : NULL;
    if (nf) ibp__model_bind_fixed(&nt->m, nt->head);
    return 0;
}
static void net_free(net *nt) { free(nt->ws); free(nt->head); ibp__config_free(&nt->c); }

static double vnorm(const double *a, long n) { double s = 0; for (long i = 0; i < n; i++) s += a[i] * a[i]; return sqrt(s); }
static double vdot(const double *a, const double *b, long n) { double s = 0; for (long i = 0; i < n; i++) s += a[i] * b[i]; return s; }

static uint64_t rs = 4242;
static int nconf, nredraw, nsharp;
static double worst_g, worst_h, worst_gn, worst_sym, worst_sharp;

typedef struct hvctx { ibp__model *m; const double *th; const ibp__batch *b; } hvctx;
static void hv_mv(void *ctx, const double *v, double *out) {
    hvctx *h = ctx;
    ibp__model_hvp(h->m, h->th, h->b, v, out);
}

static void draw_targets(const cspec *s, int n, int k, double *y) {
    for (int i = 0; i < n; i++) {
        if (s->loss == IBP__LOSS_CE) {
            int cls = (int)(t_rand_uniform(&rs) * k);
            for (int j = 0; j < k; j++) y[i * k + j] = j == cls;
        } else {
            for (int j = 0; j < k; j++)
                y[i * k + j] = s->loss == IBP__LOSS_LOGISTIC ? (t_rand_uniform(&rs) < 0.5 ? -1.0 : 1.0)
                                                             : t_rand_normal(&rs);
        }
    }
}

static void run_one(const cspec *s, int nsamp, int sharp) {
    char cfg[512];
    spec_config(s, cfg, sizeof cfg);
    snprintf(label, sizeof label, "%s (n=%d)", cfg, nsamp);
    refnet r = ref_layout(s);
    int n = nsamp, k = s->out;
    net A;
    if (net_build(&A, s, n)) return;
    ibp__model *m = &A.m;
    long P = r.P;
    /* layout and geometry against the formulas above */
    int same_table = m->P == r.P && m->nl == r.nl && m->nconv == r.nconv;
    for (int i = 0; i < r.nl && same_table; i++) {
        const reflayer *L = &r.L[i];
        same_table = m->L[i].off == L->off && m->L[i].boff == L->boff && m->L[i].rows == L->rows &&
                     m->L[i].cols == L->cols && fabs(m->L[i].alpha - L->alpha) <= 1e-15;
        if (same_table && L->conv) {
            const ibp__conv *g = &m->cv[i];
            same_table = g->hout == L->hout && g->wout == L->wout && g->pt == L->pt && g->pl == L->pl &&
                         g->kh == L->kh && g->sh == L->sh;
        }
    }
    T_CHECK(same_table, "%s: layer table (P %ld vs %ld)", label, m->P, r.P);
    if (!same_table) { net_free(&A); return; }
    int kinked = s->act == IBP__ACT_RELU || s->act == IBP__ACT_LEAKY_RELU;
    int d = r.d;
    double *th = malloc(P * sizeof *th), *g = malloc(P * sizeof *g), *tp = malloc(P * sizeof *g);
    double *gfd = malloc(P * sizeof *g), *hv = malloc(P * sizeof *g), *hu = malloc(P * sizeof *g);
    double *u = malloc(P * sizeof *g), *v = malloc(P * sizeof *g), *w = malloc(P * sizeof *g);
    double *g1 = malloc(P * sizeof *g), *g2 = malloc(P * sizeof *g), *t1 = malloc(P * sizeof *g);
    double *x = malloc((size_t)n * d * sizeof *x), *y = malloc((size_t)n * k * sizeof *y);
    double *f = malloc((size_t)n * k * sizeof *f), *f1 = malloc((size_t)n * k * sizeof *f);
    double *f2 = malloc((size_t)n * k * sizeof *f), *fe = malloc((size_t)n * k * sizeof *f);
    double *J = malloc((size_t)P * n * k * sizeof *J), *Jv = malloc((size_t)n * k * sizeof *J);
    double *DJv = malloc((size_t)n * k * sizeof *J);
    double zmin;
    for (int tries = 0;; tries++) {
        for (int i = 0; i < n * d; i++) x[i] = t_rand_normal(&rs);
        draw_targets(s, n, k, y);
        for (int h = 0; h < r.nl; h++) {
            const reflayer *L = &r.L[h];
            double sc = 1.0 / sqrt((double)L->cols) / L->alpha;
            long cnt = (long)L->rows * L->cols;
            if (L->off >= 0) for (long q = 0; q < cnt; q++) th[L->off + q] = sc * t_rand_normal(&rs);
            else for (long q = 0; q < cnt; q++) A.head[q] = sc * t_rand_normal(&rs);
            if (L->boff >= 0) for (int q = 0; q < L->rows; q++) th[L->boff + q] = 0.3 * t_rand_normal(&rs);
        }
        ref_forward(s, &r, th, A.head, x, n, f, &zmin);
        if (!kinked || zmin > 1e-3 || tries > 50) break;
        nredraw++;
    }
    T_CHECK(!kinked || zmin > 1e-3, "%s: no point away from the kinks", label);
    ibp__batch b = {x, y, n};

    /* forward and loss: sums of a few dozen O(1) products, our exp/tanh/erf against libm's */
    ibp__model_forward(m, th, x, n, fe);
    double fw = 0;
    for (int t = 0; t < n * k; t++) fw = fmax(fw, fabs(fe[t] - f[t]) / (1e-14 + 1e-13 * fabs(f[t])));
    T_CHECK(fw <= 1, "%s: forward vs the direct convolution: %.3g of the tolerance", label, fw);
    double L = ibp__model_loss_grad(m, th, &b, g);
    T_CLOSE(L, ref_loss(s->loss, f, y, n, k), 1e-15, 1e-13);

    /* gradient: central differences of the reference loss; error model as in test_grad_mlp */
    double gmax = t_maxabs(g, P), worst = 0;
    for (long i = 0; i < P; i++) {
        double h = 1e-5 * fmax(1.0, fabs(th[i]));
        memcpy(tp, th, P * sizeof *tp);
        tp[i] = th[i] + h;
        ref_forward(s, &r, tp, A.head, x, n, f1, &zmin);
        double Lp = ref_loss(s->loss, f1, y, n, k);
        tp[i] = th[i] - h;
        ref_forward(s, &r, tp, A.head, x, n, f2, &zmin);
        double Lm = ref_loss(s->loss, f2, y, n, k);
        gfd[i] = (Lp - Lm) / (2 * h);
        for (int t = 0; t < n * k; t++) J[(long)t * P + i] = (f1[t] - f2[t]) / (2 * h);
        double e = fabs(gfd[i] - g[i]) / (1e-8 * (1 + fabs(L) + gmax) + 1e-6 * fabs(g[i]));
        if (e > worst) worst = e;
    }
    if (worst > worst_g) worst_g = worst;
    T_CHECK(worst <= 1.0, "%s: gradient vs FD: error %.3g of the tolerance", label, worst);

    /* HVP: central differences of the engine gradient along a unit v */
    for (int rep = 0; rep < 2; rep++) {
        for (long i = 0; i < P; i++) v[i] = t_rand_normal(&rs);
        double nv = vnorm(v, P);
        for (long i = 0; i < P; i++) v[i] /= nv;
        ibp__model_hvp(m, th, &b, v, hv);
        double h = 1e-5;
        for (long i = 0; i < P; i++) tp[i] = th[i] + h * v[i];
        ibp__model_loss_grad(m, tp, &b, g1);
        for (long i = 0; i < P; i++) tp[i] = th[i] - h * v[i];
        ibp__model_loss_grad(m, tp, &b, g2);
        double e = 0, tol = 1e-7 * (t_maxabs(hv, P) + gmax + 1e-3);
        for (long i = 0; i < P; i++) e = fmax(e, fabs((g1[i] - g2[i]) / (2 * h) - hv[i]));
        if (e / tol > worst_h) worst_h = e / tol;
        T_CHECK(e <= tol, "%s: HVP vs FD of the gradient: %.3g > %.3g", label, e, tol);
    }

    /* symmetry and linearity: exact identities of a bilinear form up to rounding */
    for (long i = 0; i < P; i++) { u[i] = t_rand_normal(&rs); v[i] = t_rand_normal(&rs); }
    ibp__model_hvp(m, th, &b, u, hu);
    ibp__model_hvp(m, th, &b, v, hv);
    double uhv = vdot(u, hv, P), vhu = vdot(v, hu, P);
    double cs = vnorm(u, P) * vnorm(hv, P) + vnorm(v, P) * vnorm(hu, P) + 1e-300;
    if (fabs(uhv - vhu) / cs > worst_sym) worst_sym = fabs(uhv - vhu) / cs;
    T_CHECK(fabs(uhv - vhu) <= 1e-12 * cs, "%s: u.Hv %.17g vs v.Hu %.17g", label, uhv, vhu);
    double al = 0.7, be = -1.3;
    for (long i = 0; i < P; i++) w[i] = al * u[i] + be * v[i];
    ibp__model_hvp(m, th, &b, w, t1);
    double lin = 0, lsc = fabs(al) * t_maxabs(hu, P) + fabs(be) * t_maxabs(hv, P) + 1e-300;
    for (long i = 0; i < P; i++) lin = fmax(lin, fabs(t1[i] - (al * hu[i] + be * hv[i])));
    T_CHECK(lin <= 1e-12 * lsc, "%s: HVP not linear: %.3g of %.3g", label, lin, lsc);

    /* GN / NTK products against J^T D J v with the FD Jacobian */
    for (int ntk = 0; ntk < 2; ntk++) {
        double jscale = 0;
        for (int t = 0; t < n * k; t++) {
            Jv[t] = 0;
            for (long i = 0; i < P; i++) { Jv[t] += J[(long)t * P + i] * v[i]; jscale += J[(long)t * P + i] * J[(long)t * P + i]; }
        }
        if (ntk) for (int t = 0; t < n * k; t++) DJv[t] = Jv[t] / n;
        else ref_dmul(s->loss, f, y, n, k, Jv, DJv);
        for (long i = 0; i < P; i++) {
            t1[i] = 0;
            for (int t = 0; t < n * k; t++) t1[i] += J[(long)t * P + i] * DJv[t];
        }
        ibp__model_gnvp(m, th, &b, v, w, ntk);
        double dscale = s->loss == IBP__LOSS_MSE ? 2.0 / n : 1.0 / n;
        double e = 0, tol = 1e-7 * (jscale * dscale * vnorm(v, P) + 1e-12);
        for (long i = 0; i < P; i++) e = fmax(e, fabs(w[i] - t1[i]));
        if (e / tol > worst_gn) worst_gn = e / tol;
        T_CHECK(e <= tol, "%s: GN product (ntk=%d) vs J^T D J v: %.3g > %.3g", label, ntk, e, tol);
    }

    /* nmax independence: the same batch through a workspace for 3n samples, the same bits */
    {
        net B;
        if (!net_build(&B, s, 3 * n)) {
            if (A.head) memcpy(B.head, A.head, ibp__model_fixed_doubles(m) * sizeof(double));
            double *gb = malloc(P * sizeof *gb), *hb = malloc(P * sizeof *gb), *nb = malloc(P * sizeof *gb);
            double LB = ibp__model_loss_grad(&B.m, th, &b, gb);
            ibp__model_hvp(&B.m, th, &b, v, hb);
            ibp__model_gnvp(&B.m, th, &b, v, nb, 0);
            ibp__model_hvp(m, th, &b, v, hv);
            ibp__model_gnvp(m, th, &b, v, w, 0);
            T_CHECK(t_bits(LB) == t_bits(L) && t_same_bits(gb, g, P) && t_same_bits(hb, hv, P) &&
                    t_same_bits(nb, w, P), "%s: results depend on nmax", label);
            free(gb); free(hb); free(nb);
        }
        net_free(&B);
    }

    /* the Hessian from P HVPs: symmetric, and Lanczos finds its top eigenvalue */
    if (sharp && P <= 400) {
        double *H = malloc((size_t)P * P * sizeof *H), *ev = malloc(P * sizeof *ev), *e_i = calloc(P, sizeof *e_i);
        for (long j = 0; j < P; j++) {
            e_i[j] = 1;
            ibp__model_hvp(m, th, &b, e_i, hv);
            e_i[j] = 0;
            for (long i = 0; i < P; i++) H[i * P + j] = hv[i];
        }
        double asym = 0, hmax = t_maxabs(H, P * P);
        for (long i = 0; i < P; i++)
            for (long j = 0; j < i; j++) asym = fmax(asym, fabs(H[i * P + j] - H[j * P + i]));
        T_CHECK(asym <= 1e-12 * hmax, "%s: Hessian asymmetry %.3g of %.3g", label, asym, hmax);
        t_jacobi_eigh((int)P, H, ev, NULL);
        double top = ev[P - 1];
        void *mem = malloc(ibp__lanczos_bytes(P, 80, 1));
        ibp__lanczos *lz = ibp__lanczos_bind(mem, P, 80, 1);
        ibp_rng rng;
        ibp__rng_seed(&rng, 7, IBP__STREAM_LANCZOS);
        ibp__eigres er;
        hvctx ctx = {m, th, &b};
        int rc = ibp__lanczos_run(lz, hv_mv, &ctx, 1, 0, 1e-10, 0, &rng, &er);
        double rel = fabs(er.val[0] - top) / fmax(fabs(top), 1e-300);
        if (rel > worst_sharp) worst_sharp = rel;
        /* Lanczos stops at a residual bound 1e-10 |S|: the Ritz value is then within
         * resid^2 / gap of S, far below 1e-8 relative unless the top two nearly coincide */
        T_CHECK(rc == 0 && er.converged[0] && rel <= 1e-8, "%s: Lanczos sharpness %.17g vs dense %.17g", label,
                er.val[0], top);
        nsharp++;
        free(mem); free(H); free(ev); free(e_i);
    }

    free(th); free(g); free(tp); free(gfd); free(hv); free(hu); free(u); free(v); free(w);
    free(g1); free(g2); free(t1); free(x); free(y); free(f); free(f1); free(f2); free(fe); free(J);
    free(Jv); free(DJv);
    net_free(&A);
    nconf++;
}

/* ---- a CNN that is an MLP ------------------------------------------------------------------ */

static ibp_run *make(const char *cfg) {
    char err[512];
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    T_CHECK(rc == IBP_OK, "%s: %s", cfg, err);
    return r;
}

/* The CNN and the MLP have the same parameter layout (so the same fan_in init from the same
 * seed): their loss, gradient, HVP and a 30-step GD run agree to rounding. */
static void same_as_mlp(const char *cnn, const char *mlp) {
    ibp_run *a = make(cnn), *b = make(mlp);
    if (!a || !b) { ibp_run_destroy(a); ibp_run_destroy(b); return; }
    long P = ibp_run_nparams(a);
    T_CHECK(P == ibp_run_nparams(b) && t_same_bits(ibp_run_params(a), ibp_run_params(b), P),
            "%s vs %s: P %ld vs %ld, or different initial parameters", cnn, mlp, P, ibp_run_nparams(b));
    if (P != ibp_run_nparams(b)) { ibp_run_destroy(a); ibp_run_destroy(b); return; }
    double *ga = malloc(P * sizeof *ga), *gb = malloc(P * sizeof *ga), *v = malloc(P * sizeof *ga);
    double *ha = malloc(P * sizeof *ga), *hb = malloc(P * sizeof *ga), la, lb;
    ibp_run_loss_grad(a, &la, ga);
    ibp_run_loss_grad(b, &lb, gb);
    for (long i = 0; i < P; i++) v[i] = t_rand_normal(&rs);
    ibp_run_hvp(a, ha, v);
    ibp_run_hvp(b, hb, v);
    T_CLOSE(la, lb, 0, 1e-13);
    T_CHECK(t_relerr(ga, gb, P) <= 1e-13, "%s: gradient differs from the MLP's by %.3g", cnn, t_relerr(ga, gb, P));
    T_CHECK(t_relerr(ha, hb, P) <= 1e-13, "%s: HVP differs from the MLP's by %.3g", cnn, t_relerr(ha, hb, P));
    ibp_run_step(a, 30, NULL, 0);
    ibp_run_step(b, 30, NULL, 0);
    ibp_run_loss_grad(a, &la, NULL);
    ibp_run_loss_grad(b, &lb, NULL);
    T_CHECK(ibp_run_t(a) == 30 && ibp_run_t(b) == 30, "%s: 30 steps", cnn);
    T_CLOSE(la, lb, 0, 1e-11);
    T_CHECK(t_relerr(ibp_run_params(a), ibp_run_params(b), P) <= 1e-12, "%s: 30 GD steps differ from the MLP's", cnn);
    free(ga); free(gb); free(v); free(ha); free(hb);
    ibp_run_destroy(a);
    ibp_run_destroy(b);
}

int main(void) {
    const double prm[7] = {0, 0, 0.1, 0, 2.0, 0.3, 0};
    /* the geometry grid: 2-D and 1-D, strides, padding, two conv layers, pooling */
    const struct { int dims, cin, hin, win, nconv, ch0, k0, s0, ch1, k1, s1; } G[] = {
        {2, 1, 5, 5, 1, 3, 3, 1, 0, 0, 0},   /* one conv, 3x3 on 5x5 */
        {2, 2, 6, 5, 2, 3, 3, 2, 2, 2, 1},   /* two convs, stride 2 then 1, non-square input */
        {1, 2, 9, 9, 2, 3, 3, 1, 2, 3, 2},   /* 1-D, two channels in */
        {2, 1, 4, 4, 1, 2, 1, 1, 0, 0, 0},   /* 1x1 kernel */
    };
    const int losses[4][2] = {{IBP__LOSS_MSE_HALF, 1}, {IBP__LOSS_MSE, 2}, {IBP__LOSS_LOGISTIC, 1}, {IBP__LOSS_CE, 3}};
    int count = 0;
    for (int gi = 0; gi < 4; gi++)
        for (int l = 0; l < 4; l++)
            for (int act = 0; act < 7; act++)
                for (int variant = 0; variant < 4; variant++) {
                    cspec s;
                    memset(&s, 0, sizeof s);
                    s.dims = G[gi].dims; s.cin = G[gi].cin; s.hin = G[gi].dims == 2 ? G[gi].hin : 1; s.win = G[gi].win;
                    s.nconv = G[gi].nconv;
                    s.ch[0] = G[gi].ch0; s.ks[0] = G[gi].k0; s.st[0] = G[gi].s0;
                    s.ch[1] = G[gi].ch1; s.ks[1] = G[gi].k1; s.st[1] = G[gi].s1;
                    s.same = variant & 1;
                    s.pool = (variant >> 1) & 1;
                    s.depth = 1 + (act + l) % 2;
                    s.width = 3;
                    s.out = losses[l][1];
                    s.loss = losses[l][0];
                    s.act = act;
                    s.prm = prm[act];
                    s.bias = (act + variant) % 2;
                    s.param = (gi + act + variant) % 3;
                    s.fixed = s.loss != IBP__LOSS_CE && (act + gi + variant) % 5 == 0;
                    run_one(&s, 3, count % 16 == 0);
                    count++;
                }
    /* a batch of several blocks per layer (IBP__CNN_BLK / (positions x patch) samples each) */
    {
        cspec s = {2, 1, 12, 12, 2, {4, 4}, {3, 3}, {1, 1}, 0, 1, 2, 4, 3, IBP__ACT_TANH, 1, 0, 0, IBP__LOSS_CE, 0};
        run_one(&s, 120, 1);
        cspec s2 = {2, 1, 12, 12, 2, {4, 4}, {3, 3}, {1, 1}, 1, 0, 1, 0, 1, IBP__ACT_GELU, 1, 1, 0, IBP__LOSS_MSE_HALF, 0};
        run_one(&s2, 60, 0);
    }
    /* a CNN that is an MLP: kernels covering the whole 4x4 image (flat and average pooling of
     * one position), 1x1 kernels on a one-position signal with d channels, two conv layers */
    const char *base = "&data=teacher&teacher=tanh_mlp&n=20&lr=0.05&steps=100&measure=0&seed=3";
    char a[512], b[512];
    snprintf(a, sizeof a, "model=cnn&d=16&in_shape=1,4,4&conv=6x4&depth=2&width=5&act=tanh%s", base);
    snprintf(b, sizeof b, "model=mlp&d=16&depth=3&width=6,5&act=tanh%s", base);
    same_as_mlp(a, b);
    snprintf(a, sizeof a, "model=cnn&d=16&in_shape=1,4,4&conv=6x4&pool=avg&depth=1&act=relu&param=ntk%s", base);
    snprintf(b, sizeof b, "model=mlp&d=16&depth=2&width=6&act=relu&param=ntk%s", base);
    same_as_mlp(a, b);
    snprintf(a, sizeof a, "model=cnn&d=5&in_shape=5,1&conv=7x1,4x1&depth=2&width=3&act=gelu&out=2&param=ntk_all%s", base);
    snprintf(b, sizeof b, "model=mlp&d=5&depth=4&width=7,4,3&act=gelu&out=2&param=ntk_all%s", base);
    same_as_mlp(a, b);
    snprintf(a, sizeof a, "model=cnn&d=5&in_shape=5,1&conv=7x1&pool=avg&depth=1&act=leaky_relu(0.2)&bias=0%s", base);
    snprintf(b, sizeof b, "model=mlp&d=5&depth=2&width=7&act=leaky_relu(0.2)&bias=0%s", base);
    same_as_mlp(a, b);

    printf("%d configurations (%d kink redraws, %d dense spectra); worst error / tolerance: grad %.3g, hvp %.3g, "
           "gn %.3g; symmetry %.3g relative; Lanczos vs dense %.3g relative\n",
           nconf, nredraw, nsharp, worst_g, worst_h, worst_gn, worst_sym, worst_sharp);
    return t_summary();
}
