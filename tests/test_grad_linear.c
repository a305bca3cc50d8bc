/* test_grad_linear.c -- deep linear nets (model_linear.c): exact gradient, HVP and Gauss-Newton
 * product against independent references:
 *   - central differences of the loss (gradient) and of the exact gradient (HVP);
 *   - symmetry u.Hv = v.Hu and linearity of the HVP;
 *   - an explicit Jacobian of the outputs by central differences (GN and NTK products), with the
 *     loss curvature computed here with libm;
 *   - closed forms: scalar chains f = w_L ... w_1 x and the NTK uv model of Lewkowycz et al.;
 *   - the MLP family with act=identity, bias=0 (a second, independent implementation);
 * over depth 1..5, out 1 and 3, param standard/ntk, head trained/fixed, losses mse_half/mse/
 * logistic. Also: the workspace is never written past ibp__linear_ws_doubles, and the timing of
 * the engine benchmark W1 against the MLP path (printed; the linear path must be clearly faster).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "models/models.h"
#include "testlib.h"

#define GUARD 64
#define SENTINEL (-1234.5678)

typedef struct tmodel {
    ibp__config c;
    double wl[IBP__MAX_DEPTH];
    ibp__model m;
    double *ws, *fixed, *theta, *x, *y;
    size_t nws;
    ibp__batch b;
    char label[160];
} tmodel;

static uint64_t rs = 12345;

/* Build a model of family kind; widths has one entry per hidden layer. */
static void tm_build(tmodel *t, int kind, int depth, int d, int out, const int *widths, int param,
                     int head, int loss, int n) {
    memset(t, 0, sizeof *t);
    ibp__config *c = &t->c;
    c->model = kind; c->depth = depth; c->d = d; c->out = out;
    int hidden = depth - 1 + (head != IBP__HEAD_TRAIN);
    for (int h = 0; h < hidden; h++) t->wl[h] = widths[h];
    c->width.n = hidden > 0 ? hidden : 1;
    c->width.v = t->wl;
    if (hidden == 0) t->wl[0] = 1;
    c->act = IBP__ACT_IDENTITY; c->bias = 0; c->param = param; c->head = head; c->loss = loss;
    char err[256];
    int rc = ibp__model_setup(&t->m, c, err, sizeof err);
    T_CHECK(rc == IBP_OK, "setup: %s", err);
    t->nws = ibp__model_ws_doubles(&t->m, n);
    t->ws = malloc((t->nws + GUARD) * sizeof(double));
    for (size_t i = 0; i < t->nws + GUARD; i++) t->ws[i] = SENTINEL;
    ibp__model_bind_ws(&t->m, t->ws, n);
    size_t nf = ibp__model_fixed_doubles(&t->m);
    t->fixed = malloc((nf ? nf : 1) * sizeof(double));
    ibp__model_bind_fixed(&t->m, t->fixed);
    t->theta = malloc(t->m.P * sizeof(double));
    t->x = malloc((size_t)n * d * sizeof(double));
    t->y = malloc((size_t)n * out * sizeof(double));
    t->b.x = t->x; t->b.y = t->y; t->b.n = n;
    snprintf(t->label, sizeof t->label, "%s depth=%d d=%d out=%d param=%s head=%s loss=%s n=%d",
             kind == IBP__MODEL_LINEAR ? "linear" : "mlp", depth, d, out,
             param == IBP__PARAM_NTK ? "ntk" : "standard", head == IBP__HEAD_TRAIN ? "train" : "fixed",
             loss == IBP__LOSS_MSE_HALF ? "mse_half" : loss == IBP__LOSS_MSE ? "mse" : "logistic", n);
}

/* Random parameters (N(0, 1/fan_in) standard, N(0,1) ntk), unit-norm head rows, data. */
static void tm_fill(tmodel *t) {
    ibp__model *m = &t->m;
    for (int i = 0; i < m->nl; i++) {
        ibp__layer *ly = &m->L[i];
        long rc = (long)ly->rows * ly->cols;
        if (ly->off >= 0) {
            double s = t->c.param == IBP__PARAM_NTK ? 1.0 : 1.0 / sqrt((double)ly->cols);
            for (long j = 0; j < rc; j++) t->theta[ly->off + j] = s * t_rand_normal(&rs);
        } else {
            for (int r = 0; r < ly->rows; r++) {
                double *row = ly->fixed + (long)r * ly->cols;
                for (int j = 0; j < ly->cols; j++) row[j] = t_rand_normal(&rs);
                double nr = t_norm2(row, ly->cols);
                for (int j = 0; j < ly->cols; j++) row[j] /= nr;
            }
        }
    }
    int n = t->b.n, d = m->d, k = m->k;
    for (long j = 0; j < (long)n * d; j++) t->x[j] = t_rand_normal(&rs);
    for (long j = 0; j < (long)n * k; j++)
        t->y[j] = m->loss == IBP__LOSS_LOGISTIC ? (t_rand_uniform(&rs) < 0.5 ? -1.0 : 1.0)
                                                 : t_rand_normal(&rs);
}

static void tm_free(tmodel *t) {
    free(t->ws); free(t->fixed); free(t->theta); free(t->x); free(t->y);
}

static void tm_check_guard(tmodel *t) {
    int ok = 1;
    for (size_t i = t->nws; i < t->nws + GUARD; i++) ok &= t->ws[i] == SENTINEL;
    T_CHECK(ok, "%s: workspace written past its %zu doubles", t->label, t->nws);
}

static double tm_loss(tmodel *t) { return ibp__model_loss_grad(&t->m, t->theta, &t->b, NULL); }

/* A direction scaled like theta, layer by layer (so h below is a relative step). */
static void tm_direction(tmodel *t, double *u) {
    ibp__model *m = &t->m;
    for (int i = 0; i < m->nl; i++) {
        ibp__layer *ly = &m->L[i];
        if (ly->off < 0) continue;
        long rc = (long)ly->rows * ly->cols;
        double s = t_norm2(t->theta + ly->off, rc) / sqrt((double)rc);
        for (long j = 0; j < rc; j++) u[ly->off + j] = s * t_rand_normal(&rs);
    }
}

/* ---- gradient vs central differences ---------------------------------------------------- */
/* Step h = 1e-5 max(|theta_j|, rms theta). The error of the central difference is
 * h^2/6 |L'''| (zero for the squared losses: f is linear in each single weight, so L is
 * quadratic in it) plus the rounding eps |L| / h ~ 2e-11 |L| / rms. The tolerance 1e-7 in
 * units of max(|L| / rms, max|g|) leaves a margin of >1000 over that and is still 1e6 below
 * the O(1) relative errors of a wrong formula. */
static void check_grad(tmodel *t) {
    long P = t->m.P;
    double *g = malloc(P * sizeof(double)), *gfd = malloc(P * sizeof(double));
    double L = ibp__model_loss_grad(&t->m, t->theta, &t->b, g);
    double rms = t_norm2(t->theta, P) / sqrt((double)P);
    for (long j = 0; j < P; j++) {
        double t0 = t->theta[j], h = 1e-5 * fmax(fabs(t0), rms);
        double tp = t0 + h, tm = t0 - h;
        t->theta[j] = tp; double lp = tm_loss(t);
        t->theta[j] = tm; double lm = tm_loss(t);
        t->theta[j] = t0;
        gfd[j] = (lp - lm) / (tp - tm);
    }
    double scale = fmax(fabs(L) / rms, t_maxabs(g, P)), worst = 0;
    long wj = 0;
    for (long j = 0; j < P; j++) {
        double r = fabs(g[j] - gfd[j]) / (1e-7 * scale + 1e-6 * fabs(gfd[j]));
        if (r > worst) worst = r, wj = j;
    }
    T_CHECK(worst <= 1.0, "%s: gradient vs FD, worst entry %ld: %.17g vs %.17g", t->label, wj, g[wj],
            gfd[wj]);
    /* the loss-only call returns the same loss */
    T_CHECK(tm_loss(t) == L, "%s: loss with and without the gradient differ", t->label);
    free(g); free(gfd);
}

/* ---- HVP: FD of the gradient, symmetry, linearity ---------------------------------------- */
static void check_hvp(tmodel *t) {
    long P = t->m.P;
    double *u = malloc(P * sizeof(double)), *v = malloc(P * sizeof(double));
    double *hu = malloc(P * sizeof(double)), *hv = malloc(P * sizeof(double));
    double *gm = malloc(P * sizeof(double)), *w = malloc(P * sizeof(double));
    double *hw = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double));
    tm_direction(t, u);
    tm_direction(t, v);
    ibp__model_hvp(&t->m, t->theta, &t->b, u, hu);
    ibp__model_hvp(&t->m, t->theta, &t->b, v, hv);
    /* FD of the exact gradient along u (a relative step h = 1e-5 since u is scaled like theta):
     * truncation h^2/6 |g'''[u,u,u]| ~ 2e-11 |Hu|, rounding eps |g| / h ~ 2e-11 |g|; the
     * tolerance 1e-7 (|Hu| + |g|) has a margin >1000. */
    double err = t_hvp_fd_error(&t->m, t->theta, &t->b, u, hu, 1e-5);
    ibp__model_loss_grad(&t->m, t->theta, &t->b, g);
    double gn = t_norm2(g, P);
    T_CHECK(err <= 1e-7 * (t_norm2(hu, P) + gn), "%s: HVP vs FD of the gradient: |diff| %.3g, |Hu| %.3g",
            t->label, err, t_norm2(hu, P));
    /* symmetry: both sides are sums of O(P) products each bounded by |u||Hv|; rounding
     * ~ P eps relative, far below 1e-11 for P <= 1e3 */
    double a = t_dot(u, hv, P), bb = t_dot(v, hu, P);
    double sc = t_norm2(u, P) * t_norm2(hv, P) + t_norm2(v, P) * t_norm2(hu, P);
    T_CHECK(fabs(a - bb) <= 1e-11 * sc, "%s: u.Hv %.17g vs v.Hu %.17g", t->label, a, bb);
    /* linearity: H(a u + b v) = a Hu + b Hv up to rounding (same bound) */
    double ca = 0.7, cb = -1.3;
    for (long j = 0; j < P; j++) w[j] = ca * u[j] + cb * v[j];
    ibp__model_hvp(&t->m, t->theta, &t->b, w, hw);
    for (long j = 0; j < P; j++) gm[j] = ca * hu[j] + cb * hv[j];
    double lerr = 0;
    for (long j = 0; j < P; j++) lerr += (hw[j] - gm[j]) * (hw[j] - gm[j]);
    T_CHECK(sqrt(lerr) <= 1e-11 * (fabs(ca) * t_norm2(hu, P) + fabs(cb) * t_norm2(hv, P)),
            "%s: HVP not linear: %.3g", t->label, sqrt(lerr));
    free(u); free(v); free(hu); free(hv); free(gm); free(w); free(hw); free(g);
}

/* ---- GN / NTK product against an explicit Jacobian ---------------------------------------- */
/* J (n k, P) by central differences of the forward map. f is linear in every single weight
 * (a product of layers), so the central difference is exact but for rounding, eps |f| / h; with
 * h = 1e-2 max(|theta_j|, rms) that is ~1e-14 relative, and 1e-9 is a safe tolerance. The loss
 * curvature is computed here with libm (mse_half 1/n, mse 2/n, logistic s(z) s(-z) / n). */
static void check_gn(tmodel *t) {
    ibp__model *m = &t->m;
    long P = m->P;
    int n = t->b.n, k = m->k;
    long nk = (long)n * k;
    double *J = malloc(nk * P * sizeof(double)), *fp = malloc(nk * sizeof(double));
    double *fm = malloc(nk * sizeof(double)), *f0 = malloc(nk * sizeof(double));
    double *u = malloc(P * sizeof(double)), *out = malloc(P * sizeof(double));
    double *ref = malloc(P * sizeof(double)), *ju = malloc(nk * sizeof(double));
    double rms = t_norm2(t->theta, P) / sqrt((double)P);
    ibp__model_forward(m, t->theta, t->x, n, f0);
    for (long j = 0; j < P; j++) {
        double t0 = t->theta[j], h = 1e-2 * fmax(fabs(t0), rms), tp = t0 + h, tm = t0 - h;
        t->theta[j] = tp; ibp__model_forward(m, t->theta, t->x, n, fp);
        t->theta[j] = tm; ibp__model_forward(m, t->theta, t->x, n, fm);
        t->theta[j] = t0;
        for (long i = 0; i < nk; i++) J[i * P + j] = (fp[i] - fm[i]) / (tp - tm);
    }
    tm_direction(t, u);
    for (long i = 0; i < nk; i++) ju[i] = t_dot(J + i * P, u, P);
    for (int ntk = 0; ntk <= 1; ntk++) {
        ibp__model_gnvp(m, t->theta, &t->b, u, out, ntk);
        for (long j = 0; j < P; j++) ref[j] = 0;
        for (long i = 0; i < nk; i++) {
            double D;
            if (ntk || m->loss == IBP__LOSS_MSE_HALF) D = 1.0 / n;
            else if (m->loss == IBP__LOSS_MSE) D = 2.0 / n;
            else {
                double z = t->y[i] * f0[i];
                D = (1 / (1 + exp(-z))) * (1 / (1 + exp(z))) / n;
            }
            for (long j = 0; j < P; j++) ref[j] += J[i * P + j] * D * ju[i];
        }
        double re = t_relerr(out, ref, P);
        T_CHECK(re <= 1e-9, "%s: GN product (ntk=%d) vs explicit Jacobian: relerr %.3g", t->label, ntk, re);
    }
    free(J); free(fp); free(fm); free(f0); free(u); free(out); free(ref); free(ju);
}

/* ---- the MLP family with identity activation: an independent implementation ------------- */
/* Both compute the same polynomial in theta; they differ only in the order of the floating-point
 * operations, so they agree to a few hundred ulp on well-conditioned random points: 1e-13. */
static void check_vs_mlp(tmodel *t, const int *widths) {
    ibp__model *m = &t->m;
    tmodel q;
    tm_build(&q, IBP__MODEL_MLP, t->c.depth, m->d, m->k, widths, t->c.param, t->c.head, m->loss, t->b.n);
    long P = m->P;
    T_CHECK(q.m.P == P, "%s: MLP twin has P = %ld, linear %ld", t->label, q.m.P, P);
    if (q.m.P != P) { tm_free(&q); return; }
    memcpy(q.theta, t->theta, P * sizeof(double));
    memcpy(q.x, t->x, (size_t)t->b.n * m->d * sizeof(double));
    memcpy(q.y, t->y, (size_t)t->b.n * m->k * sizeof(double));
    size_t nf = ibp__model_fixed_doubles(m);
    if (nf) memcpy(q.fixed, t->fixed, nf * sizeof(double));
    long nk = (long)t->b.n * m->k;
    double *a = malloc((P + nk) * sizeof(double)), *b = malloc((P + nk) * sizeof(double));
    double *u = malloc(P * sizeof(double));
    ibp__model_forward(m, t->theta, t->x, t->b.n, a);
    ibp__model_forward(&q.m, q.theta, q.x, t->b.n, b);
    T_CHECK(t_relerr(a, b, nk) <= 1e-13, "%s: forward vs MLP: relerr %.3g", t->label, t_relerr(a, b, nk));
    double la = ibp__model_loss_grad(m, t->theta, &t->b, a);
    double lb = ibp__model_loss_grad(&q.m, q.theta, &q.b, b);
    T_CHECK(fabs(la - lb) <= 1e-13 * fabs(lb), "%s: loss %.17g vs MLP %.17g", t->label, la, lb);
    T_CHECK(t_relerr(a, b, P) <= 1e-13, "%s: gradient vs MLP: relerr %.3g", t->label, t_relerr(a, b, P));
    tm_direction(t, u);
    ibp__model_hvp(m, t->theta, &t->b, u, a);
    ibp__model_hvp(&q.m, q.theta, &q.b, u, b);
    T_CHECK(t_relerr(a, b, P) <= 1e-13, "%s: HVP vs MLP: relerr %.3g", t->label, t_relerr(a, b, P));
    for (int ntk = 0; ntk <= 1; ntk++) {
        ibp__model_gnvp(m, t->theta, &t->b, u, a, ntk);
        ibp__model_gnvp(&q.m, q.theta, &q.b, u, b, ntk);
        T_CHECK(t_relerr(a, b, P) <= 1e-13, "%s: GN (ntk=%d) vs MLP: relerr %.3g", t->label, ntk,
                t_relerr(a, b, P));
    }
    free(a); free(b); free(u);
    tm_free(&q);
}

static void sweep(void) {
    static const int widths[6] = {4, 3, 5, 2, 4, 3};
    int cases = 0;
    for (int depth = 1; depth <= 5; depth++)
        for (int oi = 0; oi < 2; oi++)
            for (int param = 0; param < 2; param++)
                for (int head = 0; head < 2; head++)
                    for (int loss = 0; loss < 3; loss++) {
                        int out = oi ? 3 : 1;
                        if (loss == IBP__LOSS_LOGISTIC && out != 1) continue;
                        tmodel t;
                        tm_build(&t, IBP__MODEL_LINEAR, depth, 3, out, widths, param,
                                 head ? IBP__HEAD_UNIT : IBP__HEAD_TRAIN, loss, 7);
                        tm_fill(&t);
                        check_grad(&t);
                        check_hvp(&t);
                        check_gn(&t);
                        check_vs_mlp(&t, widths);
                        tm_check_guard(&t);
                        tm_free(&t);
                        cases++;
                    }
    T_CHECK(cases == 100, "sweep ran %d cases", cases);
}

/* ---- scalar chains: closed forms --------------------------------------------------------- */
/* f = p x with p = w_1 ... w_L; L = a p^2 / 2 - b p + const, a = mean x^2, b = mean x y:
 *   dL/dw_i = (a p - b) p / w_i
 *   H_ii = a (p / w_i)^2,   H_ij = a p^2 / (w_i w_j) + (a p - b) p / (w_i w_j)   (i != j)
 * Entries are products of <= 8 numbers: relative rounding ~1e-15; tolerance 1e-12 of max|H|. */
static void check_scalar_chain(int depth) {
    static const int ones[IBP__MAX_DEPTH] = {1, 1, 1, 1, 1, 1, 1, 1};
    tmodel t;
    tm_build(&t, IBP__MODEL_LINEAR, depth, 1, 1, ones, IBP__PARAM_STANDARD, IBP__HEAD_TRAIN,
             IBP__LOSS_MSE_HALF, 3);
    T_CHECK(t.m.P == depth, "scalar chain depth %d: P = %ld", depth, t.m.P);
    double xs[3] = {0.8, -1.1, 0.5}, ys[3] = {0.3, -0.2, 0.9};
    memcpy(t.x, xs, sizeof xs);
    memcpy(t.y, ys, sizeof ys);
    for (int i = 0; i < depth; i++) t.theta[i] = (i % 2 ? -1.0 : 1.0) * (0.8 + 0.1 * i);
    double a = 0, bsum = 0, p = 1;
    for (int i = 0; i < 3; i++) a += xs[i] * xs[i] / 3, bsum += xs[i] * ys[i] / 3;
    for (int i = 0; i < depth; i++) p *= t.theta[i];
    double g[IBP__MAX_DEPTH], e[IBP__MAX_DEPTH], hcol[IBP__MAX_DEPTH];
    double L = ibp__model_loss_grad(&t.m, t.theta, &t.b, g);
    double Lref = 0;
    for (int i = 0; i < 3; i++) Lref += 0.5 * (p * xs[i] - ys[i]) * (p * xs[i] - ys[i]) / 3;
    T_CLOSE(L, Lref, 0, 1e-13);
    for (int i = 0; i < depth; i++) T_CLOSE(g[i], (a * p - bsum) * p / t.theta[i], 1e-15, 1e-12);
    double hmax = 0;
    for (int i = 0; i < depth; i++) hmax = fmax(hmax, a * (p / t.theta[i]) * (p / t.theta[i]));
    for (int j = 0; j < depth; j++) {
        for (int i = 0; i < depth; i++) e[i] = i == j;
        ibp__model_hvp(&t.m, t.theta, &t.b, e, hcol);
        for (int i = 0; i < depth; i++) {
            double wi = t.theta[i], wj = t.theta[j];
            double ref = i == j ? a * (p / wi) * (p / wi)
                                : a * p * p / (wi * wj) + (a * p - bsum) * p / (wi * wj);
            T_CLOSE(hcol[i], ref, 1e-12 * hmax, 1e-12);
        }
    }
    tm_check_guard(&t);
    tm_free(&t);
}

/* ---- the NTK uv model f = v . u x / sqrt(m) (Lewkowycz et al.) --------------------------- */
/* x = 1: J = (v, u) / sqrt(m) (u = W1 (m,1), v = W2 (1,m)); L = (f - y)^2 / 2;
 *   grad = (f - y) J,  NTK/GN product G w = J (J.w) with top eigenvalue (|u|^2 + |v|^2)/m,
 *   H w = J (J.w) + (f - y)/sqrt(m) (w_v, w_u)  (the cross term swaps the two blocks).
 * Sums of 1000 products: relative rounding ~1e-14; tolerance 1e-12. */
static void check_uv(void) {
    int mw = 1000, widths[1] = {1000};
    tmodel t;
    tm_build(&t, IBP__MODEL_LINEAR, 2, 1, 1, widths, IBP__PARAM_NTK, IBP__HEAD_TRAIN, IBP__LOSS_MSE_HALF, 1);
    tm_fill(&t);
    long P = t.m.P;
    T_CHECK(P == 2 * mw, "uv: P = %ld", P);
    t.x[0] = 1.0; t.y[0] = 0.3;
    const double *u = t.theta, *v = t.theta + mw;
    double sm = sqrt((double)mw), f = t_dot(u, v, mw) / sm, r = f - t.y[0];
    double *J = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double));
    double *w = malloc(P * sizeof(double)), *o = malloc(P * sizeof(double)), *ref = malloc(P * sizeof(double));
    for (int i = 0; i < mw; i++) J[i] = v[i] / sm, J[mw + i] = u[i] / sm;
    double L = ibp__model_loss_grad(&t.m, t.theta, &t.b, g);
    T_CLOSE(L, 0.5 * r * r, 0, 1e-12);
    for (long j = 0; j < P; j++) ref[j] = r * J[j];
    T_CHECK(t_relerr(g, ref, P) <= 1e-12, "uv gradient relerr %.3g", t_relerr(g, ref, P));
    /* J is the top NTK eigenvector, eigenvalue lambda */
    double lambda = (t_dot(u, u, mw) + t_dot(v, v, mw)) / mw;
    ibp__model_gnvp(&t.m, t.theta, &t.b, J, o, 1);
    for (long j = 0; j < P; j++) ref[j] = lambda * J[j];
    T_CHECK(t_relerr(o, ref, P) <= 1e-12, "uv NTK eigenpair relerr %.3g", t_relerr(o, ref, P));
    for (long j = 0; j < P; j++) w[j] = t_rand_normal(&rs);
    double jw = t_dot(J, w, P);
    ibp__model_hvp(&t.m, t.theta, &t.b, w, o);
    for (int i = 0; i < mw; i++) {
        ref[i] = J[i] * jw + r / sm * w[mw + i];
        ref[mw + i] = J[mw + i] * jw + r / sm * w[i];
    }
    T_CHECK(t_relerr(o, ref, P) <= 1e-12, "uv HVP relerr %.3g", t_relerr(o, ref, P));
    ibp__model_gnvp(&t.m, t.theta, &t.b, w, o, 0);
    for (long j = 0; j < P; j++) ref[j] = J[j] * jw;
    T_CHECK(t_relerr(o, ref, P) <= 1e-12, "uv GN relerr %.3g", t_relerr(o, ref, P));
    tm_check_guard(&t);
    free(J); free(g); free(w); free(o); free(ref);
    tm_free(&t);
}

/* ---- W1 timing: one full-batch gradient and one HVP, linear vs MLP ----------------------- */
static double seconds(void) { return (double)clock() / CLOCKS_PER_SEC; }

/* Time per call: batches of calls long enough for clock()'s resolution (coarse in wasm),
 * best of 4 batches (the minimum is the least noisy estimate on a shared machine). */
static double time_batch(tmodel *t, int hvp, const double *u, double *out, long inner) {
    double t0 = seconds();
    for (long i = 0; i < inner; i++) {
        if (hvp) ibp__model_hvp(&t->m, t->theta, &t->b, u, out);
        else ibp__model_loss_grad(&t->m, t->theta, &t->b, out);
    }
    return seconds() - t0;
}

static double time_call(tmodel *t, int hvp, const double *u, double *out) {
    long inner = 1;
    double dt;
    while ((dt = time_batch(t, hvp, u, out, inner)) < 0.02) inner *= 2;
    double best = dt / inner;
    for (int rep = 0; rep < 3; rep++) {
        dt = time_batch(t, hvp, u, out, inner) / inner;
        if (dt < best) best = dt;
    }
    return best;
}

static void bench_w1(void) {
    int widths[3] = {64, 64, 64};
    tmodel lin, mlp;
    tm_build(&lin, IBP__MODEL_LINEAR, 4, 64, 1, widths, IBP__PARAM_STANDARD, IBP__HEAD_TRAIN, IBP__LOSS_MSE_HALF, 256);
    tm_build(&mlp, IBP__MODEL_MLP, 4, 64, 1, widths, IBP__PARAM_STANDARD, IBP__HEAD_TRAIN, IBP__LOSS_MSE_HALF, 256);
    tm_fill(&lin);
    long P = lin.m.P;
    memcpy(mlp.theta, lin.theta, P * sizeof(double));
    memcpy(mlp.x, lin.x, 256 * 64 * sizeof(double));
    memcpy(mlp.y, lin.y, 256 * sizeof(double));
    double *u = malloc(P * sizeof(double)), *o1 = malloc(P * sizeof(double)), *o2 = malloc(P * sizeof(double));
    tm_direction(&lin, u);
    double tg_lin = time_call(&lin, 0, u, o1), tg_mlp = time_call(&mlp, 0, u, o2);
    T_CHECK(t_relerr(o1, o2, P) <= 1e-13, "W1 gradient linear vs MLP relerr %.3g", t_relerr(o1, o2, P));
    double th_lin = time_call(&lin, 1, u, o1), th_mlp = time_call(&mlp, 1, u, o2);
    T_CHECK(t_relerr(o1, o2, P) <= 1e-13, "W1 HVP linear vs MLP relerr %.3g", t_relerr(o1, o2, P));
    printf("W1 (d=64, width 64, depth 4, out 1, n=256, mse_half, P=%ld), best of repeats:\n", P);
    printf("  gradient: linear %.2f us, mlp %.2f us (x%.1f)\n", tg_lin * 1e6, tg_mlp * 1e6, tg_mlp / tg_lin);
    printf("  HVP:      linear %.2f us, mlp %.2f us (x%.1f)\n", th_lin * 1e6, th_mlp * 1e6, th_mlp / th_lin);
    /* the linear path does ~1/30 of the MLP's arithmetic here; a factor 3 survives any noise */
    T_CHECK(3 * tg_lin < tg_mlp, "W1 gradient: linear %.3g s is not clearly faster than mlp %.3g s", tg_lin, tg_mlp);
    T_CHECK(3 * th_lin < th_mlp, "W1 HVP: linear %.3g s is not clearly faster than mlp %.3g s", th_lin, th_mlp);
    free(u); free(o1); free(o2);
    tm_free(&lin); tm_free(&mlp);
}

int main(void) {
    sweep();
    for (int depth = 2; depth <= 6; depth++) check_scalar_chain(depth);
    check_uv();
    bench_w1();
    return t_summary();
}
