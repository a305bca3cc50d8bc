/* test_grad_mlp.c -- MLP forward, gradient, Hessian-vector and Gauss-Newton products against
 * independent computations:
 *   - forward and loss: a plain libm re-implementation here (own layer table, own alphas);
 *   - gradient: central differences of that reference loss, every parameter;
 *   - HVP: central differences of the (checked) engine gradient along random directions;
 *     symmetry u.Hv = v.Hu and linearity in v;
 *   - GN product: J^T D J v with J from central differences of the reference outputs and D the
 *     loss curvature from libm formulas (or I/n for the NTK operator);
 *   - hvp - gnvp = the residual-weighted output Hessians, itself a central difference of the
 *     engine gradient at shifted targets; at zero residual hvp == gnvp;
 *   - batches smaller than nmax work, and results do not depend on nmax (bitwise).
 * Grid: loss x activation x bias x head (trained/fixed) x param (standard/ntk) x depth 1..3,
 * out 1 (every loss) and out 2 (mse losses). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "models/models.h"
#include "testlib.h"

#define MAXL 5
typedef struct spec {
    int depth, out, act, bias, param, fixed, loss;
    double prm;
} spec;

enum { D_IN = 3, N_MAX = 9 };
static const double widths[4] = {4, 3, 5, 4};

/* ---- independent reference ---------------------------------------------------------------- */
typedef struct refnet {
    int nl, dims[MAXL + 1];  /* dims[0] = d, dims[h] = rows of layer h */
    long off[MAXL], boff[MAXL]; /* -1: fixed / none */
    double alpha[MAXL];
    long P;
} refnet;

static refnet ref_layout(const spec *s) {
    refnet r;
    r.nl = s->depth + s->fixed;
    r.dims[0] = D_IN;
    for (int h = 1; h <= r.nl; h++) r.dims[h] = h == r.nl ? s->out : (int)widths[h - 1];
    long off = 0;
    for (int h = 1; h <= r.nl; h++) {
        int rows = r.dims[h], cols = r.dims[h - 1];
        r.alpha[h - 1] = (s->param == IBP__PARAM_NTK && h >= 2) ? 1.0 / sqrt((double)cols) : 1.0;
        /* a fixed head carries its own scale (head=pm is a_j/m, unit has norm 1): no alpha */
        if (s->fixed && h == r.nl) { r.off[h - 1] = r.boff[h - 1] = -1; r.alpha[h - 1] = 1.0; continue; }
        r.off[h - 1] = off; off += (long)rows * cols;
        r.boff[h - 1] = -1;
        if (s->bias) { r.boff[h - 1] = off; off += rows; }
    }
    r.P = off;
    return r;
}

static double ref_act(const spec *s, double z) {
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

/* f (n, k); *zmin = min |z| over hidden pre-activations (distance to a ReLU kink). */
static void ref_forward(const spec *s, const refnet *r, const double *th, const double *head,
                        const double *x, int n, double *f, double *zmin) {
    double a[16], z[16];
    *zmin = INFINITY;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < D_IN; j++) a[j] = x[i * D_IN + j];
        for (int h = 1; h <= r->nl; h++) {
            int rows = r->dims[h], cols = r->dims[h - 1];
            const double *W = r->off[h - 1] >= 0 ? th + r->off[h - 1] : head;
            for (int q = 0; q < rows; q++) {
                double acc = 0;
                for (int c = 0; c < cols; c++) acc += W[q * cols + c] * a[c];
                z[q] = r->alpha[h - 1] * acc + (r->boff[h - 1] >= 0 ? th[r->boff[h - 1] + q] : 0);
            }
            if (h == r->nl) {
                for (int q = 0; q < rows; q++) f[i * rows + q] = z[q];
            } else {
                for (int q = 0; q < rows; q++) {
                    if (fabs(z[q]) < *zmin) *zmin = fabs(z[q]);
                    a[q] = ref_act(s, z[q]);
                }
            }
        }
    }
}

static double ref_loss(int loss, const double *f, const double *y, int n, int k) {
    double s = 0;
    for (int t = 0; t < n * k; t++) {
        if (loss == IBP__LOSS_LOGISTIC) {
            double m = y[t] * f[t];
            s += m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
        } else {
            s += (f[t] - y[t]) * (f[t] - y[t]);
        }
    }
    return loss == IBP__LOSS_MSE_HALF ? s / (2.0 * n) : s / n;
}

/* d2L/df2 diagonal (n*k) */
static void ref_curv(int loss, const double *f, const double *y, int n, int k, double *D) {
    for (int t = 0; t < n * k; t++) {
        if (loss == IBP__LOSS_LOGISTIC) {
            double m = y[t] * f[t], e = exp(-fabs(m));
            D[t] = e / ((1 + e) * (1 + e)) / n;
        } else {
            D[t] = (loss == IBP__LOSS_MSE ? 2.0 : 1.0) / n;
        }
    }
}

/* ---- engine model --------------------------------------------------------------------------- */
typedef struct net {
    ibp__model m;
    double *ws, *head;
} net;

static void net_build(net *nt, const spec *s, int nmax) {
    ibp__config c;
    memset(&c, 0, sizeof c);
    c.model = IBP__MODEL_MLP;
    c.depth = s->depth; c.d = D_IN; c.out = s->out;
    c.width.n = s->depth - 1 + s->fixed;
    c.width.v = (double *)widths;
    c.act = s->act; c.act_param = s->prm;
    c.bias = s->bias; c.param = s->param;
    c.head = s->fixed ? IBP__HEAD_VALUES : IBP__HEAD_TRAIN;
    c.loss = s->loss;
    char err[256];
    int rc = ibp__model_setup(&nt->m, &c, err, sizeof err);
    T_CHECK(rc == IBP_OK, "model setup: %s", err);
    nt->ws = malloc(ibp__model_ws_doubles(&nt->m, nmax) * sizeof(double)); /* exact size: valgrind sees overruns */
    ibp__model_bind_ws(&nt->m, nt->ws, nmax);
    size_t nf = ibp__model_fixed_doubles(&nt->m);
    nt->head = nf ? malloc(nf * sizeof(double)) : NULL;
    if (nf) ibp__model_bind_fixed(&nt->m, nt->head);
}
static void net_free(net *nt) { free(nt->ws); free(nt->head); }

static double vnorm(const double *a, long n) { double s = 0; for (long i = 0; i < n; i++) s += a[i] * a[i]; return sqrt(s); }
static double vdot(const double *a, const double *b, long n) { double s = 0; for (long i = 0; i < n; i++) s += a[i] * b[i]; return s; }

static const char *act_names[] = {"identity", "relu", "leaky_relu", "tanh", "softplus", "leaky_softplus", "gelu"};
static const char *loss_names[] = {"mse_half", "mse", "logistic"};
static char label[160];

static uint64_t rs = 12345;
static int nconf, nredraw;
static double worst_g, worst_h, worst_gn, worst_res, worst_sym;

static void run_one(const spec *s) {
    snprintf(label, sizeof label, "%s out=%d %s(%g) bias=%d %s %s depth=%d", loss_names[s->loss],
             s->out, act_names[s->act], s->prm, s->bias, s->fixed ? "fixed-head" : "trained-head",
             s->param ? "ntk" : "standard", s->depth);
    refnet r = ref_layout(s);
    int n = 5, k = s->out;
    net A;
    net_build(&A, s, n);
    ibp__model *m = &A.m;
    T_CHECK(m->P == r.P && m->nl == r.nl, "%s: P %ld vs %ld", label, m->P, r.P);
    for (int i = 0; i < r.nl && i < m->nl; i++)
        T_CHECK(m->L[i].off == r.off[i] && m->L[i].boff == r.boff[i] && m->L[i].alpha == r.alpha[i],
                "%s: layer %d table", label, i);
    long P = r.P;
    int kinked = s->act == IBP__ACT_RELU || s->act == IBP__ACT_LEAKY_RELU;

    double *th = malloc(P * sizeof *th), *g = malloc(P * sizeof *g), *tp = malloc(P * sizeof *tp);
    double *gfd = malloc(P * sizeof *g), *hv = malloc(P * sizeof *g), *hu = malloc(P * sizeof *g);
    double *u = malloc(P * sizeof *g), *v = malloc(P * sizeof *g), *w = malloc(P * sizeof *g);
    double *g1 = malloc(P * sizeof *g), *g2 = malloc(P * sizeof *g), *t1 = malloc(P * sizeof *g);
    double *J = malloc(P * n * k * sizeof *J);
    double x[N_MAX * D_IN], y[N_MAX * 2], f[N_MAX * 2], f1[N_MAX * 2], f2[N_MAX * 2], Dc[N_MAX * 2];
    double zmin;

    /* a point away from ReLU kinks: FD steps below move z by < 1e-4, so 1e-3 = 100 h is safe */
    for (int tries = 0;; tries++) {
        for (int i = 0; i < n * D_IN; i++) x[i] = t_rand_normal(&rs);
        for (int i = 0; i < n * k; i++)
            y[i] = s->loss == IBP__LOSS_LOGISTIC ? (t_rand_uniform(&rs) < 0.5 ? -1.0 : 1.0) : t_rand_normal(&rs);
        for (int h = 0; h < r.nl; h++) {
            double sc = 1.0 / sqrt((double)r.dims[h]) / r.alpha[h];
            if (r.off[h] >= 0)
                for (long q = 0; q < (long)r.dims[h + 1] * r.dims[h]; q++) th[r.off[h] + q] = sc * t_rand_normal(&rs);
            else
                for (long q = 0; q < (long)r.dims[h + 1] * r.dims[h]; q++) A.head[q] = sc * t_rand_normal(&rs);
            if (r.boff[h] >= 0)
                for (int q = 0; q < r.dims[h + 1]; q++) th[r.boff[h] + q] = 0.5 * t_rand_normal(&rs);
        }
        ref_forward(s, &r, th, A.head, x, n, f, &zmin);
        if (!kinked || zmin > 1e-3 || tries > 50) break;
        nredraw++;
    }
    T_CHECK(!kinked || zmin > 1e-3, "%s: no point away from the kinks", label);
    ibp__batch b = {x, y, n};

    /* forward and loss against the reference. Both sum a handful of O(1) products; 1e-13
     * relative (plus 1e-15 absolute for outputs near 0) is hundreds of ulp of headroom for the
     * difference between our exp/erf and libm's. */
    double fe[N_MAX * 2];
    ibp__model_forward(m, th, x, n, fe);
    for (int t = 0; t < n * k; t++) T_CLOSE(fe[t], f[t], 1e-14, 1e-13);
    double L = ibp__model_loss_grad(m, th, &b, g);
    T_CLOSE(L, ref_loss(s->loss, f, y, n, k), 0, 1e-13);

    /* gradient: central differences of the reference loss, h = 1e-5 max(1,|theta_i|). Error
     * model: truncation h^2/6 |d3L| <~ 1e-10 (third derivatives O(1)-O(10) here), rounding of
     * the reference ~ 1e-16 |L| / h ~ 1e-11 |L|: tolerance 1e-8 (1 + |L| + |g|_inf) absolute
     * and 1e-6 relative. */
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

    /* HVP: central differences of the engine gradient along a unit v, h = 1e-5. Truncation
     * h^2/6 |d3 g| ~ 1e-10, rounding ~ 1e-16 |g| / h ~ 1e-11 |g|: tolerance 1e-7 (|Hv| + |g|)
     * in max norm. */
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

    /* symmetry and linearity: exact identities of a bilinear form, so only rounding separates
     * the sides: P * depth * eps * (norm scale) < 1e-12 of the Cauchy-Schwarz scale. */
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

    /* GN / NTK products against J^T D J v with the FD Jacobian J (n k, P) from above. J's
     * entries carry ~1e-10 relative error (h^2 truncation), so the product matches to 1e-7 of
     * the scale |J|^2 |D| |v|. */
    for (int ntk = 0; ntk < 2; ntk++) {
        ref_curv(s->loss, f, y, n, k, Dc);
        if (ntk) for (int t = 0; t < n * k; t++) Dc[t] = 1.0 / n;
        double Jv[N_MAX * 2], jscale = 0;
        for (int t = 0; t < n * k; t++) {
            Jv[t] = 0;
            for (long i = 0; i < P; i++) { Jv[t] += J[(long)t * P + i] * v[i]; jscale += J[(long)t * P + i] * J[(long)t * P + i]; }
        }
        for (long i = 0; i < P; i++) {
            t1[i] = 0;
            for (int t = 0; t < n * k; t++) t1[i] += J[(long)t * P + i] * Dc[t] * Jv[t];
        }
        ibp__model_gnvp(m, th, &b, v, w, ntk);
        double e = 0, tol = 1e-7 * (jscale * t_maxabs(Dc, n * k) * vnorm(v, P) + 1e-12);
        for (long i = 0; i < P; i++) e = fmax(e, fabs(w[i] - t1[i]));
        if (e / tol > worst_gn) worst_gn = e / tol;
        T_CHECK(e <= tol, "%s: GN product (ntk=%d) vs J^T D J v: %.3g > %.3g", label, ntk, e, tol);
    }

    if (s->loss != IBP__LOSS_LOGISTIC) {
        /* hvp - gnvp = sum_t g_t Hess(f_t) v = d/dt J(theta + t v)^T g. With residual r = f - y
         * held fixed, J(theta')^T g is the engine gradient at theta' against the targets
         * f(theta') - r: a central difference of it (same error model as the HVP check). */
        double r0[N_MAX * 2], yy[N_MAX * 2];
        for (int t = 0; t < n * k; t++) r0[t] = fe[t] - y[t];
        ibp__model_hvp(m, th, &b, v, hv);
        ibp__model_gnvp(m, th, &b, v, w, 0);
        double h = 1e-5 / vnorm(v, P);
        ibp__batch bb = {x, yy, n};
        for (int sg = 0; sg < 2; sg++) {
            for (long i = 0; i < P; i++) tp[i] = th[i] + (sg ? -h : h) * v[i];
            ibp__model_forward(m, tp, x, n, f1);
            for (int t = 0; t < n * k; t++) yy[t] = f1[t] - r0[t];
            ibp__model_loss_grad(m, tp, &bb, sg ? g2 : g1);
        }
        double e = 0, tol = 1e-7 * vnorm(v, P) * (t_maxabs(hv, P) + gmax + 1e-3);
        for (long i = 0; i < P; i++) e = fmax(e, fabs((g1[i] - g2[i]) / (2 * h) - (hv[i] - w[i])));
        if (e / tol > worst_res) worst_res = e / tol;
        T_CHECK(e <= tol, "%s: hvp - gnvp vs the residual term: %.3g > %.3g", label, e, tol);

        /* zero residual: targets = outputs exactly, so dL/dF = 0 and only the GN part is left.
         * The two products then run the same arithmetic up to adding exact zeros: 1e-14. */
        for (int t = 0; t < n * k; t++) yy[t] = fe[t];
        bb.y = yy;
        ibp__model_hvp(m, th, &bb, v, hv);
        ibp__model_gnvp(m, th, &bb, v, w, 0);
        double z0 = 0;
        for (long i = 0; i < P; i++) z0 = fmax(z0, fabs(hv[i] - w[i]));
        T_CHECK(z0 <= 1e-14 * (t_maxabs(w, P) + 1e-300), "%s: zero residual hvp vs gnvp %.3g", label, z0);
        /* the NTK operator is the GN operator scaled by 1/curv: exactly for mse_half (curv =
         * 1/n), times an exact factor 2 for mse */
        ibp__model_gnvp(m, th, &bb, v, t1, 1);
        double fac = s->loss == IBP__LOSS_MSE ? 2.0 : 1.0;
        for (long i = 0; i < P; i++) t1[i] *= fac;
        T_CHECK(t_same_bits(t1, w, P), "%s: gnvp(ntk) * curv != gnvp", label);
    }

    /* nmax independence: the same batch through a workspace for 9 rows gives the same bits;
     * a 2-row sub-batch matches the reference on those rows */
    {
        net B;
        net_build(&B, s, N_MAX);
        if (A.head) memcpy(B.head, A.head, ibp__model_fixed_doubles(m) * sizeof(double));
        double gb[64], hb[64], nb[64], fb[N_MAX * 2];
        T_CHECK(P <= 64, "P small");
        double LB = ibp__model_loss_grad(&B.m, th, &b, gb);
        ibp__model_hvp(&B.m, th, &b, v, hb);
        ibp__model_gnvp(&B.m, th, &b, v, nb, 0);
        ibp__model_hvp(m, th, &b, v, hv);
        ibp__model_gnvp(m, th, &b, v, w, 0);
        ibp__model_forward(&B.m, th, x, n, fb);
        T_CHECK(t_bits(LB) == t_bits(L) && t_same_bits(gb, g, P) && t_same_bits(hb, hv, P) &&
                t_same_bits(nb, w, P) && t_same_bits(fb, fe, n * k), "%s: results depend on nmax", label);
        ibp__batch b2 = {x + D_IN, y + k, 2};
        double L2 = ibp__model_loss_grad(&B.m, th, &b2, gb);
        ref_forward(s, &r, th, A.head, x + D_IN, 2, f1, &zmin);
        T_CLOSE(L2, ref_loss(s->loss, f1, y + k, 2, k), 0, 1e-13);
        net_free(&B);
    }

    free(th); free(g); free(tp); free(gfd); free(hv); free(hu); free(u); free(v); free(w);
    free(g1); free(g2); free(t1); free(J);
    net_free(&A);
    nconf++;
}

int main(void) {
    const double prm[7] = {0, 0, 0.1, 0, 2.0, 0.3, 0};
    const int lo[5][2] = {{IBP__LOSS_MSE_HALF, 1}, {IBP__LOSS_MSE, 1}, {IBP__LOSS_LOGISTIC, 1},
                          {IBP__LOSS_MSE_HALF, 2}, {IBP__LOSS_MSE, 2}};
    for (int l = 0; l < 5; l++)
        for (int act = 0; act < 7; act++)
            for (int bias = 0; bias < 2; bias++)
                for (int fixed = 0; fixed < 2; fixed++)
                    for (int param = 0; param < 2; param++)
                        for (int depth = 1; depth <= 3; depth++) {
                            spec s = {depth, lo[l][1], act, bias, param, fixed, lo[l][0], prm[act]};
                            run_one(&s);
                        }
    printf("%d configurations (%d kink redraws); worst error / tolerance: grad %.3g, hvp %.3g, "
           "gn %.3g, residual term %.3g; symmetry %.3g relative\n",
           nconf, nredraw, worst_g, worst_h, worst_gn, worst_res, worst_sym);
    return t_summary();
}
