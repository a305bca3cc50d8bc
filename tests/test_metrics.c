/* test_metrics.c -- every metrics column against a direct computation written here from the
 * parameters (ibp_run_params) and the data (r->D): a forward pass with libm activations, the
 * losses (ce by a shifted log-sum-exp in libm), norms, per-layer balance, the linear-net invariants
 * (dense matrices), mf balance, accuracy and the normalized margin (homogeneity degree = trained
 * layers; with k classes by argmax: ce on three classes, mse on Fashion-MNIST's one-hot ten), singular values and
 * alignment (one-sided Jacobi SVD), the end-to-end vector against an OLS w* solved here, the
 * Marion-Chizat bound, the Cai et al. threshold, the learning-rate schedule, and the events
 * (catapult, edge of stability, divergence, convergence) with the `events` bitmask of each row.
 *
 * Tolerances: direct sums of squares and products agree to a few eps per term; 1e-12 relative
 * unless a comment says otherwise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static double sq(const double *a, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * a[i];
    return s;
}

/* ---- the model, recomputed here ---------------------------------------------------------- */

typedef struct lay {
    int rows, cols;
    const double *W, *b; /* W (rows, cols) row-major; b (rows,) or NULL */
    double alpha;
    int trained;
} lay;

/* Layers from the documented theta layout: W_h (rows, cols) then b_h (rows,) per trained layer;
 * shapes from the run's table; a fixed head after them. alpha from the parameterization. */
static int layers(ibp_run *r, const double *th, lay *L) {
    const ibp__model *m = &r->m;
    long off = 0;
    int bias = r->c.model == IBP__MODEL_MLP && r->c.bias;
    for (int i = 0; i < m->nl; i++) {
        L[i].rows = m->L[i].rows;
        L[i].cols = m->L[i].cols;
        L[i].trained = m->L[i].off >= 0;
        L[i].alpha = (r->c.param == IBP__PARAM_NTK && i >= 1) ? 1 / sqrt((double)L[i].cols) : 1;
        if (!L[i].trained) {
            L[i].W = m->L[i].fixed;
            L[i].b = NULL;
            continue;
        }
        T_CHECK(m->L[i].off == off, "layer %d at offset %ld", i, off);
        L[i].W = th + off;
        off += (long)L[i].rows * L[i].cols;
        L[i].b = bias ? th + off : NULL;
        if (bias) off += L[i].rows;
    }
    T_CHECK(off == m->P, "layout covers P");
    return m->nl;
}

static double act(int a, double prm, double z) {
    switch (a) {
    case IBP__ACT_IDENTITY: return z;
    case IBP__ACT_RELU: return z > 0 ? z : 0;
    case IBP__ACT_LEAKY_RELU: return z > 0 ? z : prm * z;
    case IBP__ACT_TANH: return tanh(z);
    case IBP__ACT_LEAKY_SOFTPLUS: return prm * z + (1 - prm) * (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)));
    default: T_CHECK(0, "activation %d not covered by the test", a); return NAN;
    }
}

/* f (n, k) = outputs on x (n, d). With fa != NULL also fa (n, k): the same network run on
 * |W|, |b|, |x| with |act(z)| bounded by |z| (+ (1-c) log 2 for leaky softplus): the magnitude
 * of the sums behind each output, which scales the rounding error of any evaluation of f. */
static void forward_abs(ibp_run *r, const double *th, const double *x, int n, double *f, double *fa) {
    lay L[IBP__MAX_LAYERS];
    int nl = layers(r, th, L);
    int wmax = r->m.d;
    for (int i = 0; i < nl; i++) wmax = L[i].rows > wmax ? L[i].rows : wmax;
    double *a = malloc(sizeof(double) * wmax), *z = malloc(sizeof(double) * wmax);
    double *aa = malloc(sizeof(double) * wmax), *za = malloc(sizeof(double) * wmax);
    double shift = r->m.act == IBP__ACT_LEAKY_SOFTPLUS ? (1 - r->m.act_param) * log(2.0) : 0;
    for (int s = 0; s < n; s++) {
        memcpy(a, x + (size_t)s * r->m.d, sizeof(double) * r->m.d);
        for (int q = 0; q < r->m.d; q++) aa[q] = fabs(a[q]);
        for (int i = 0; i < nl; i++) {
            for (int o = 0; o < L[i].rows; o++) {
                double acc = 0, acca = 0;
                for (int q = 0; q < L[i].cols; q++) {
                    double w = L[i].W[(size_t)o * L[i].cols + q];
                    acc += w * a[q], acca += fabs(w) * aa[q];
                }
                z[o] = L[i].alpha * acc + (L[i].b ? L[i].b[o] : 0);
                za[o] = L[i].alpha * acca + (L[i].b ? fabs(L[i].b[o]) : 0);
            }
            for (int o = 0; o < L[i].rows; o++) {
                a[o] = i + 1 < nl ? act(r->m.act, r->m.act_param, z[o]) : z[o];
                aa[o] = i + 1 < nl ? za[o] + shift : za[o];
            }
        }
        memcpy(f + (size_t)s * r->m.k, a, sizeof(double) * r->m.k);
        if (fa) memcpy(fa + (size_t)s * r->m.k, aa, sizeof(double) * r->m.k);
    }
    free(a), free(z), free(aa), free(za);
}

static void forward(ibp_run *r, const double *th, const double *x, int n, double *f) {
    forward_abs(r, th, x, n, f, NULL);
}

static double loss_of(int loss, const double *f, const double *y, int n, int k) {
    double s = 0;
    if (loss == IBP__LOSS_CE) { /* sum_j y_ij (log sum_l e^f_il - f_ij), the log-sum-exp shifted by the max in libm */
        for (int i = 0; i < n; i++) {
            const double *fi = f + (size_t)i * k, *yi = y + (size_t)i * k;
            double mx = fi[0], se = 0;
            for (int j = 1; j < k; j++) mx = fmax(mx, fi[j]);
            for (int j = 0; j < k; j++) se += exp(fi[j] - mx);
            for (int j = 0; j < k; j++) s += yi[j] * (mx + log(se) - fi[j]);
        }
        return s / n;
    }
    for (long i = 0; i < (long)n * k; i++) {
        if (loss == IBP__LOSS_LOGISTIC) {
            double zz = y[i] * f[i];
            s += (zz < 0 ? -zz : 0) + log1p(exp(-fabs(zz)));
        } else {
            s += (f[i] - y[i]) * (f[i] - y[i]);
        }
    }
    return loss == IBP__LOSS_MSE_HALF ? s / (2.0 * n) : s / n;
}

/* The loss, and in *atol a bound on the rounding error of any evaluation of it: each output
 * (or mf entry) carries ~(terms) eps of its magnitude scale fa, which moves the loss by
 * |dl/df| fa; 1e-12 fa covers sums of up to ~1000 terms. This matters near a minimum, where the
 * residual f - y is a small difference of large numbers. */
static double ref_loss(ibp_run *r, const double *th, const double *x, const double *y, int n, double *atol) {
    double e = 0;
    if (r->c.model == IBP__MODEL_MF) {
        const ibp__model *m = &r->m;
        int R = m->mf_rows, C = m->mf_cols, q = m->mf_r;
        const double *X = th, *Y = th + (long)R * q;
        double s = 0, sc = r->c.loss == IBP__LOSS_MSE ? 2 : 1;
        for (int i = 0; i < R; i++)
            for (int j = 0; j < C; j++) {
                double p = 0, pa = fabs(m->A[i * C + j]);
                for (int l = 0; l < q; l++) p += X[i * q + l] * Y[j * q + l], pa += fabs(X[i * q + l] * Y[j * q + l]);
                s += (m->A[i * C + j] - p) * (m->A[i * C + j] - p);
                e += sc * fabs(m->A[i * C + j] - p) * 1e-12 * pa;
            }
        *atol = e;
        return sc * s / 2;
    }
    int k = r->m.k;
    double *f = malloc(sizeof(double) * (size_t)n * k), *fa = malloc(sizeof(double) * (size_t)n * k);
    forward_abs(r, th, x, n, f, fa);
    double l = loss_of(r->c.loss, f, y, n, k);
    for (long i = 0; i < (long)n * k; i++) {
        /* logistic and ce: |dl/df| <= 1 per output (ce: |p - y| summed over a row <= 2, y one-hot) */
        double dl = r->c.loss == IBP__LOSS_LOGISTIC || r->c.loss == IBP__LOSS_CE ? 2
                                                                                 : fabs(f[i] - y[i]) + 1e-12 * (fa[i] + fabs(y[i]));
        e += dl * 1e-12 * (fa[i] + fabs(y[i]));
    }
    *atol = (r->c.loss == IBP__LOSS_MSE ? 2.0 : 1.0) * e / n; /* dL/df_i = (1 or 2) r_i / n, |l'| / n */
    free(f), free(fa);
    return l;
}

/* ---- small dense linear algebra, here ---------------------------------------------------- */

/* One-sided Jacobi SVD of W (rows, cols): top two singular values, left/right top vectors.
 * Rotations orthogonalize the columns (of W or W^T, whichever is taller) until every pair is
 * orthogonal to 1e-15: singular values to a few eps relative, vectors to eps / relative gap. */
static void svd_top2(int rows, int cols, const double *W, double *s1, double *s2, double *u1, double *v1) {
    int tr = rows < cols; /* work on the taller of W, W^T: A (m, n), m >= n, column-major */
    int m = tr ? cols : rows, n = tr ? rows : cols;
    double *A = malloc(sizeof(double) * m * n), *V = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            if (tr) A[(size_t)i * m + j] = W[(size_t)i * cols + j]; /* column i of W^T */
            else A[(size_t)j * m + i] = W[(size_t)i * cols + j];
        }
    for (int i = 0; i < n; i++) V[i * n + i] = 1;
    for (int sweep = 0; sweep < 60; sweep++) {
        int rot = 0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                double *ap = A + (size_t)p * m, *aq = A + (size_t)q * m, al = 0, be = 0, ga = 0;
                for (int i = 0; i < m; i++) al += ap[i] * ap[i], be += aq[i] * aq[i], ga += ap[i] * aq[i];
                if (fabs(ga) <= 1e-15 * sqrt(al * be) || ga == 0) continue;
                rot = 1;
                double ze = (be - al) / (2 * ga), t = (ze >= 0 ? 1 : -1) / (fabs(ze) + sqrt(1 + ze * ze));
                double c = 1 / sqrt(1 + t * t), s = c * t;
                for (int i = 0; i < m; i++) {
                    double x = ap[i], y = aq[i];
                    ap[i] = c * x - s * y, aq[i] = s * x + c * y;
                }
                for (int i = 0; i < n; i++) {
                    double x = V[p * n + i], y = V[q * n + i];
                    V[p * n + i] = c * x - s * y, V[q * n + i] = s * x + c * y;
                }
            }
        if (!rot) break;
    }
    int b1 = 0, b2 = -1;
    double *nr = malloc(sizeof(double) * n);
    for (int j = 0; j < n; j++) nr[j] = sqrt(sq(A + (size_t)j * m, m));
    for (int j = 1; j < n; j++) if (nr[j] > nr[b1]) b1 = j;
    for (int j = 0; j < n; j++) if (j != b1 && (b2 < 0 || nr[j] > nr[b2])) b2 = j;
    *s1 = nr[b1];
    *s2 = b2 >= 0 ? nr[b2] : 0; /* a vector has one singular value; the engine reports 0 */
    /* A = U S V^T (A = W or W^T): left vectors of A are columns / s, right vectors V rows */
    double *lu = tr ? v1 : u1, *rv = tr ? u1 : v1;
    for (int i = 0; i < m; i++) lu[i] = A[(size_t)b1 * m + i] / nr[b1];
    for (int i = 0; i < n; i++) rv[i] = V[b1 * n + i];
    free(A), free(V), free(nr);
}

/* OLS w* (d, k) from the normal equations X^T X w = X^T y, Gaussian elimination with partial
 * pivoting (well-conditioned data here: error ~ cond * eps). Returns 0 or -1 if singular. */
static int ols(int n, int d, int k, const double *x, const double *y, double *w) {
    double *M = malloc(sizeof(double) * d * (d + k));
    int cw = d + k;
    for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int q = 0; q < n; q++) s += x[(size_t)q * d + i] * x[(size_t)q * d + j];
            M[i * cw + j] = s;
        }
        for (int o = 0; o < k; o++) {
            double s = 0;
            for (int q = 0; q < n; q++) s += x[(size_t)q * d + i] * y[(size_t)q * k + o];
            M[i * cw + d + o] = s;
        }
    }
    for (int c = 0; c < d; c++) {
        int p = c;
        for (int i = c + 1; i < d; i++) if (fabs(M[i * cw + c]) > fabs(M[p * cw + c])) p = i;
        if (M[p * cw + c] == 0) { free(M); return -1; }
        for (int j = 0; j < cw; j++) { double t = M[c * cw + j]; M[c * cw + j] = M[p * cw + j]; M[p * cw + j] = t; }
        for (int i = 0; i < d; i++) {
            if (i == c) continue;
            double f = M[i * cw + c] / M[c * cw + c];
            for (int j = c; j < cw; j++) M[i * cw + j] -= f * M[c * cw + j];
        }
    }
    for (int i = 0; i < d; i++)
        for (int o = 0; o < k; o++) w[i * k + o] = M[i * cw + d + o] / M[i * cw + i];
    free(M);
    return 0;
}

/* ---- one row against the direct computations ---------------------------------------------- */

static double eta_sched(const ibp_run *r, long t) {
    double e = ibp_run_lr0(r);
    if (r->c.warmup > 0) e *= fmin(1.0, (double)(t + 1) / r->c.warmup);
    if (r->c.lr_power > 0) e *= pow((double)(t + 1), -r->c.lr_power);
    return e;
}

static int is_measure_col(const char *nm) {
    static const char *names[] = {"sharpness", "sharpness_resid", "lambda_min", "edge_ratio", "grad_proj", "hvps", "ntk"};
    for (int i = 0; i < 7; i++) if (strcmp(nm, names[i]) == 0) return 1;
    return strncmp(nm, "eig", 3) == 0; /* all of these are checked in test_measure.c */
}

typedef struct stats { int rows, measured, checked; } stats;

/* Check the newest row, which must describe the current parameters. */
static void verify_row(ibp_run *r, const double *row, const double *theta0, stats *st, const char *what) {
    const double *th = ibp_run_params(r);
    long P = ibp_run_nparams(r);
    const ibp__data *D = &r->D;
    int is_mf = r->c.model == IBP__MODEL_MF;
    lay L[IBP__MAX_LAYERS];
    int nl = is_mf ? 0 : layers(r, th, L);
    /* trained layer views (mf: X, Y) */
    int nt = 0, rows_[IBP__MAX_LAYERS], cols_[IBP__MAX_LAYERS];
    const double *Wt[IBP__MAX_LAYERS], *bt[IBP__MAX_LAYERS];
    if (is_mf) {
        const ibp__model *m = &r->m;
        rows_[0] = m->mf_rows, cols_[0] = m->mf_r, Wt[0] = th, bt[0] = NULL;
        rows_[1] = m->mf_cols, cols_[1] = m->mf_r, Wt[1] = th + (long)m->mf_rows * m->mf_r, bt[1] = NULL;
        nt = 2;
    } else {
        for (int i = 0; i < nl; i++)
            if (L[i].trained) rows_[nt] = L[i].rows, cols_[nt] = L[i].cols, Wt[nt] = L[i].W, bt[nt++] = L[i].b;
    }
    double lsq[IBP__MAX_LAYERS];
    for (int t = 0; t < nt; t++) lsq[t] = sq(Wt[t], (long)rows_[t] * cols_[t]) + (bt[t] ? sq(bt[t], rows_[t]) : 0);
    /* outputs for accuracy and margin */
    double *f = NULL, *ft = NULL, *fa = NULL;
    if (!is_mf) {
        f = malloc(sizeof(double) * (size_t)D->n * D->k);
        fa = malloc(sizeof(double) * (size_t)D->n * D->k);
        forward_abs(r, th, D->x, D->n, f, fa);
        if (D->n_test) {
            ft = malloc(sizeof(double) * (size_t)D->n_test * D->k);
            forward(r, th, D->xt, D->n_test, ft);
        }
    }
    int js = ibp_run_column_index(r, "sharpness");
    int measured = js >= 0 && !isnan(row[js]);
    st->rows++;
    st->measured += measured;
    double sv[IBP__MAX_LAYERS][2], *u1[IBP__MAX_LAYERS], *v1[IBP__MAX_LAYERS];
    int have_sv = 0;
    double wst_dist = NAN, smin = NAN;
    for (int j = 0; j < ibp_run_ncols(r); j++) {
        const char *nm = ibp_run_column(r, j);
        double v = row[j], ref = NAN, atol = 0, rtol = 1e-12;
        int h = 0;
        if (!strcmp(nm, "step")) {
            ref = (double)r->t, rtol = 0;
        } else if (!strcmp(nm, "loss")) {
            ref = ref_loss(r, th, D->x, D->y, D->n, &atol);
        } else if (!strcmp(nm, "test_loss")) {
            ref = ref_loss(r, th, D->xt, D->yt, D->n_test, &atol);
        } else if (!strcmp(nm, "grad_norm")) {
            double *g = malloc(sizeof(double) * (size_t)P);
            ibp_run_loss_grad(r, NULL, g);
            ref = sqrt(sq(g, P));
            free(g);
        } else if (!strcmp(nm, "param_norm")) {
            ref = sqrt(sq(th, P));
        } else if (!strcmp(nm, "dist_init")) {
            double s = 0;
            for (long i = 0; i < P; i++) s += (th[i] - theta0[i]) * (th[i] - theta0[i]);
            ref = sqrt(s), atol = 1e-15 * sqrt(sq(th, P));
        } else if (!strcmp(nm, "lr")) {
            ref = eta_sched(r, r->t), rtol = 1e-14; /* our pow vs libm: a few ulp */
        } else if (!strcmp(nm, "theta1") || !strcmp(nm, "theta2")) {
            ref = th[nm[5] - '1'], rtol = 0;
        } else if (!strcmp(nm, "train_acc") || !strcmp(nm, "test_acc") || !strcmp(nm, "margin")) {
            const double *ff = nm[1] == 'e' ? ft : f, *yy = nm[1] == 'e' ? D->yt : D->y;
            int n = nm[1] == 'e' ? D->n_test : D->n, right = 0;
            double mn = INFINITY, fam = 0;
            int k = r->m.k;
            for (int i = 0; i < n; i++) {
                /* k = 1: y f; k classes: f of the target's class (its largest entry) minus the largest other f */
                double z = yy[i] * ff[i];
                if (k > 1) {
                    const double *fi = ff + (size_t)i * k, *yi = yy + (size_t)i * k;
                    int c = 0;
                    for (int q = 1; q < k; q++) if (yi[q] > yi[c]) c = q;
                    double other = -INFINITY;
                    for (int q = 0; q < k; q++) if (q != c) other = fmax(other, fi[q]);
                    z = fi[c] - other;
                }
                right += z > 0, mn = fmin(mn, z);
            }
            for (long i = 0; i < (long)D->n * r->m.k; i++) fam = fmax(fam, fa[i]);
            /* homogeneity degree in the trained parameters = number of trained layers */
            ref = nm[0] == 'm' ? mn / pow(sqrt(sq(th, P)), nt) : (double)right / n;
            /* an output is good to ~1e-12 of its magnitude scale (see ref_loss) */
            if (nm[0] == 'm') atol = 1e-12 * fam / pow(sqrt(sq(th, P)), nt);
        } else if (sscanf(nm, "layer%d_sq", &h) == 1) {
            ref = lsq[h - 1];
        } else if (sscanf(nm, "gap%d", &h) == 1) {
            /* Du et al.'s invariant: ||W_{h+1}||^2 - (||W_h||^2 + ||b_h||^2); b_{h+1} is not in it */
            double up = sq(Wt[h], (long)rows_[h] * cols_[h]);
            ref = up - lsq[h - 1], atol = 1e-13 * (up + lsq[h - 1]); /* a difference */
        } else if (sscanf(nm, "invariant%d", &h) == 1) {
            /* M = W_{h+1}^T W_{h+1} - W_h W_h^T (rh, rh), densely */
            const double *A = Wt[h], *B = Wt[h - 1];
            int rh = rows_[h - 1], ch = cols_[h - 1], r1 = rows_[h];
            double s = 0;
            for (int a = 0; a < rh; a++)
                for (int b = 0; b < rh; b++) {
                    double mm = 0;
                    for (int q = 0; q < r1; q++) mm += A[(size_t)q * rh + a] * A[(size_t)q * rh + b];
                    for (int q = 0; q < ch; q++) mm -= B[(size_t)a * ch + q] * B[(size_t)b * ch + q];
                    s += mm * mm;
                }
            /* compare squares: the engine may use ||AA^T||^2 + ||B^TB||^2 - 2||AB||^2, whose
             * rounding is ~eps (||A||^2 + ||B||^2)^2 per term (x dimension); 1e-12 covers m = 1000 */
            double a2 = sq(A, (long)r1 * rh), b2 = sq(B, (long)rh * ch);
            T_CHECK(v >= 0 && fabs(v * v - s) <= 1e-12 * (a2 + b2) * (a2 + b2), "%s t=%ld %s: %.17g vs dense %.17g",
                    what, r->t, nm, v, sqrt(s));
            st->checked++;
            continue;
        } else if (!strcmp(nm, "mf_balance")) {
            int q = r->m.mf_r;
            double s = 0;
            for (int a = 0; a < q; a++)
                for (int b = 0; b < q; b++) {
                    double mm = 0;
                    for (int i = 0; i < rows_[0]; i++) mm += Wt[0][i * q + a] * Wt[0][i * q + b];
                    for (int i = 0; i < rows_[1]; i++) mm -= Wt[1][i * q + a] * Wt[1][i * q + b];
                    s += mm * mm;
                }
            ref = sqrt(s), atol = 1e-13 * (lsq[0] + lsq[1]);
        } else if (sscanf(nm, "sv%d_", &h) == 1 || sscanf(nm, "sv_ratio%d", &h) == 1 ||
                   sscanf(nm, "align%d", &h) == 1) {
            if (!measured) {
                T_CHECK(isnan(v), "%s t=%ld: %s NaN on an unmeasured row", what, r->t, nm);
                st->checked++;
                continue;
            }
            if (!have_sv) {
                for (int t = 0; t < nt; t++) {
                    u1[t] = malloc(sizeof(double) * rows_[t]), v1[t] = malloc(sizeof(double) * cols_[t]);
                    svd_top2(rows_[t], cols_[t], Wt[t], &sv[t][0], &sv[t][1], u1[t], v1[t]);
                }
                have_sv = 1;
            }
            double s1 = sv[h - 1][0], s2 = sv[h - 1][1];
            /* the engine takes square roots of Gram eigenvalues: sigma_i^2 carries ~eps s1^2,
             * so sigma_2 is good to eps s1^2 / s2 absolute */
            if (nm[0] == 'a') {
                double a = 0;
                for (int i = 0; i < rows_[h - 1]; i++) a += u1[h - 1][i] * v1[h][i];
                ref = fabs(a);
                /* top singular vectors to eps / relative gap (Gram eigenvectors, Jacobi here) */
                double g1 = 1 - (s2 * s2) / (s1 * s1), g2 = 1 - (sv[h][1] * sv[h][1]) / (sv[h][0] * sv[h][0]);
                atol = 1e-13 / g1 + 1e-13 / g2;
            } else if (!strncmp(nm, "sv_ratio", 8)) ref = s2 / s1, atol = 1e-13 + 1e-14 * s1 / fmax(s2, 1e-300);
            else if (nm[strlen(nm) - 1] == '1') ref = s1;
            else ref = s2, atol = 1e-13 * s1 + 1e-14 * s1 * s1 / fmax(s2, 1e-300);
        } else if (!strcmp(nm, "wprod_dist") || !strcmp(nm, "s_min") || !strcmp(nm, "s_ratio")) {
            if (isnan(wst_dist)) {
                int d = D->d, k = D->k;
                double *w = malloc(sizeof(double) * d * k), *E = malloc(sizeof(double) * k * d);
                T_CHECK(ols(D->n, d, k, D->x, D->y, w) == 0, "OLS solvable");
                /* E = alpha_L W_L ... alpha_1 W_1 (k, d): push the identity through the net */
                double *xi = calloc((size_t)d, sizeof(double)), *fo = malloc(sizeof(double) * k);
                for (int i = 0; i < d; i++) {
                    xi[i] = 1;
                    forward(r, th, xi, 1, fo);
                    xi[i] = 0;
                    for (int o = 0; o < k; o++) E[o * d + i] = fo[o];
                }
                double s = 0, ww = 0, q = 0;
                for (int o = 0; o < k; o++)
                    for (int i = 0; i < d; i++) s += (E[o * d + i] - w[i * k + o]) * (E[o * d + i] - w[i * k + o]);
                wst_dist = sqrt(s);
                ww = sq(w, (long)d * k);
                wst_dist = sqrt(s);
                atol = 1e-12 * (sqrt(sq(E, (long)k * d)) + sqrt(ww));
                /* science.md E: a = w*^T Sigma w* / ||w*||^2, Sigma = X^T X / n;
                 * S_min = 2 L a ||w*||^(2 - 2/L) for R = mse, half of it for half-MSE */
                if (k == 1) {
                    for (int i = 0; i < D->n; i++) {
                        double z = 0;
                        for (int c = 0; c < d; c++) z += D->x[(size_t)i * d + c] * w[c];
                        q += z * z;
                    }
                    double a = q / D->n / ww;
                    smin = (r->c.loss == IBP__LOSS_MSE ? 2.0 : 1.0) * nt * a * pow(sqrt(ww), 2.0 - 2.0 / nt);
                }
                free(w), free(E), free(xi), free(fo);
            }
            if (nm[0] == 'w') {
                ref = wst_dist;
                atol = 1e-11 * fmax(1.0, wst_dist);
            } else if (nm[2] == 'm') {
                ref = smin;
            } else {
                ref = measured ? row[js] / smin : NAN;
            }
        } else if (!strcmp(nm, "cai_threshold")) {
            /* 1/(eta (rho^2 + beta)), rho^2 = R^2/m, beta = beta_phi R^2/m, R = max ||x_i||,
             * m = hidden width; leaky softplus beta_phi = (1 - c)/4 */
            double R2 = 0;
            for (int i = 0; i < D->n; i++) R2 = fmax(R2, sq(D->x + (size_t)i * D->d, D->d));
            double mw = L[0].rows, bphi;
            T_CHECK(r->m.act == IBP__ACT_LEAKY_SOFTPLUS, "cai test uses leaky softplus");
            bphi = (1 - r->m.act_param) / 4;
            ref = 1 / (eta_sched(r, r->t) * (R2 / mw + bphi * R2 / mw)), rtol = 1e-13;
        } else if (!strcmp(nm, "events")) {
            int mask = 0;
            for (int i = 0; i < ibp_run_nevents(r); i++) {
                int kind;
                int64_t step;
                ibp_run_event(r, i, &kind, &step, NULL, NULL);
                if (step == r->t) mask |= kind;
            }
            ref = mask, rtol = 0;
        } else if (is_measure_col(nm)) {
            continue;
        } else {
            T_CHECK(0, "%s: column %s has no direct computation in this test", what, nm);
            continue;
        }
        st->checked++;
        int ok = (isnan(ref) && isnan(v)) || t_close(v, ref, atol, rtol);
        T_CHECK(ok, "%s t=%ld %s: row %.17g vs direct %.17g (diff %.3g, atol %.3g, rtol %.3g)", what, r->t, nm, v, ref,
                v - ref, atol, rtol);
    }
    if (have_sv)
        for (int t = 0; t < nt; t++) free(u1[t]), free(v1[t]);
    free(f), free(ft), free(fa);
}

/* Step a run one step at a time, checking every new row against the current parameters, and
 * check the update used the scheduled eta: theta_{t+1} = theta_t - eta_t g_t. */
static void check_created(ibp_run *r, const char *what, int steps, const char *const *must) {
    if (!r) return;
    for (int i = 0; must && must[i]; i++) T_CHECK(ibp_run_column_index(r, must[i]) >= 0, "%s: has column %s", what, must[i]);
    long P = ibp_run_nparams(r);
    double *th0 = malloc(sizeof(double) * (size_t)P), *th = malloc(sizeof(double) * (size_t)P);
    double *g = malloc(sizeof(double) * (size_t)P);
    memcpy(th0, ibp_run_params(r), sizeof(double) * (size_t)P);
    stats st = {0, 0, 0};
    T_CHECK(ibp_run_nrows(r) == 1, "%s: one row at creation", what);
    verify_row(r, ibp_run_rows(r), th0, &st, what);
    double worst = 0;
    for (int t = 0; t < steps && ibp_run_state(r) == IBP_RUNNING; t++) {
        memcpy(th, ibp_run_params(r), sizeof(double) * (size_t)P);
        ibp_run_loss_grad(r, NULL, g);
        double eta = eta_sched(r, r->t);
        ibp_run_clear_rows(r);
        ibp_run_step(r, 1, NULL, 0);
        /* rounding of th - fl(eta g): eps |th| + eps |eta g| per entry */
        const double *th1 = ibp_run_params(r);
        for (long i = 0; i < P; i++) {
            double dv = fabs(th1[i] - (th[i] - eta * g[i])) / (fabs(th[i]) + fabs(eta * g[i]) + 1e-300);
            worst = fmax(worst, dv);
        }
        int n = ibp_run_nrows(r);
        T_CHECK(n == 1, "%s: one row per step (%d)", what, n);
        if (n) verify_row(r, ibp_run_rows(r) + (size_t)(n - 1) * ibp_run_ncols(r), th0, &st, what);
    }
    T_CHECK(worst <= 1e-14, "%s: every step used eta_t of the schedule (worst %.3g)", what, worst);
    printf("  %-34s %3d rows (%2d measured), %5d cells checked, P=%ld\n", what, st.rows, st.measured, st.checked, P);
    free(th0), free(th), free(g);
    ibp_run_destroy(r);
}

static void check_run(const char *cfg, const char *what, int steps, const char *const *must) {
    check_created(t_run(cfg, NULL, NULL), what, steps, must);
}

static void check_run_csv(const char *cfg, const char *csv, const char *what, int steps, const char *const *must) {
    check_created(t_run(cfg, csv, NULL), what, steps, must);
}

/* data=fashion_mnist with the image file scripts/build makes */
static void check_run_images(const char *cfg, const char *what, int steps, const char *const *must) {
    FILE *f = fopen(IBP_TEST_IMAGES, "rb");
    T_CHECK(f != NULL, "the image file %s is missing: run scripts/build", IBP_TEST_IMAGES);
    if (!f) return;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *bytes = malloc(len);
    size_t got = fread(bytes, 1, len, f);
    fclose(f);
    char err[512];
    ibp_images *img = NULL;
    ibp_run *r = NULL;
    T_CHECK(got == len && ibp_images_open(&img, bytes, len, err, sizeof err) == IBP_OK, "image file: %s", err);
    free(bytes); /* the reader keeps its own copy of what a run needs */
    ibp_run_desc d = {.config = cfg, .images = img};
    if (img) T_CHECK(ibp_run_create(&r, &d, err, sizeof err) == IBP_OK, "%s: %s", cfg, err);
    check_created(r, what, steps, must);
    ibp_images_close(img);
}

/* Three classes in the plane (one-hot targets, the class of the largest of x1, x2, 0.8 - x1 - x2),
 * 60 rows: the last n_test of them are the test set. */
static char *three_classes_csv(void) {
    size_t cap = 8192, len = 0;
    char *s = malloc(cap);
    len += (size_t)snprintf(s, cap, "x1,x2,y1,y2,y3\n");
    for (int i = 0; i < 60; i++) {
        double x1 = sin(1.7 * i + 0.3), x2 = cos(2.3 * i + 1.1), u[3] = {x1, x2, 0.8 - x1 - x2};
        int c = u[1] > u[0] ? 1 : 0;
        c = u[2] > u[c] ? 2 : c;
        len += (size_t)snprintf(s + len, cap - len, "%.6f,%.6f,%d,%d,%d\n", x1, x2, c == 0, c == 1, c == 2);
    }
    return s;
}

/* ---- specific values -------------------------------------------------------------------- */

/* A fixed pm head is a_j/m with a = +1 on the first half; s_min(mse) = 2 s_min(mse_half); the
 * balanced uv model has a zero invariant (u = v: v v^T - u u^T = 0), where the engine's trace
 * identity leaves only rounding. */
static void specific_values(void) {
    ibp_run *r = t_run("model=mlp&depth=1&head=pm&width=6&act=leaky_softplus&bias=0&data=p5&loss=logistic&steps=0", NULL, NULL);
    if (r) {
        const double *a = r->m.L[1].fixed;
        int ok = r->m.L[1].off < 0 && r->m.L[1].rows == 1 && r->m.L[1].cols == 6;
        for (int j = 0; j < 6 && ok; j++) ok = a[j] == (j < 3 ? 1.0 : -1.0) / 6;
        T_CHECK(ok, "pm head = (+1,+1,+1,-1,-1,-1)/6");
        ibp_run_destroy(r);
    }
    ibp_run *a = t_run("model=linear&depth=3&d=5&width=5&data=mc&n=50&wstar_norm=3&loss=mse&steps=0&measure=0", NULL, NULL);
    ibp_run *b = t_run("model=linear&depth=3&d=5&width=5&data=mc&n=50&wstar_norm=3&loss=mse_half&steps=0&measure=0", NULL, NULL);
    if (a && b) {
        double sa = ibp_run_rows(a)[ibp_run_column_index(a, "s_min")], sb = ibp_run_rows(b)[ibp_run_column_index(b, "s_min")];
        T_CLOSE(sa, 2 * sb, 0, 1e-15);
        double ww = sq(a->D.wstar, 5);
        T_CLOSE(ww, 9.0, 0, 1e-13); /* ||w*|| = wstar_norm */
    }
    ibp_run_destroy(a);
    ibp_run_destroy(b);
    /* balanced (v = u) and nearly balanced (v_i = u_i (1 + 1e-6 z_i)) uv, m = 1000: the dense
     * ||v v^T - u u^T||_F here against the engine's trace identity */
    int m = 1000;
    char *cfg = malloc(60000), *p;
    uint64_t s = 17;
    double *u = malloc(sizeof(double) * m), *v = malloc(sizeof(double) * m);
    for (int i = 0; i < m; i++) u[i] = t_rand_normal(&s);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < m; i++) v[i] = pass ? u[i] * (1 + 1e-6 * t_rand_normal(&s)) : u[i];
        p = cfg + sprintf(cfg, "model=linear&width=%d&param=ntk&data=inline&xs=1&ys=0.5&measure=0&steps=0&init=", m);
        for (int i = 0; i < 2 * m; i++) p += sprintf(p, "%s%.17g", i ? "," : "", i < m ? u[i] : v[i - m]);
        r = t_run(cfg, NULL, NULL);
        if (!r) continue;
        double val = ibp_run_rows(r)[ibp_run_column_index(r, "invariant1")], n2 = sq(u, m) + sq(v, m), ref = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) ref += (v[i] * v[j] - u[i] * u[j]) * (v[i] * v[j] - u[i] * u[j]);
        ref = sqrt(ref);
        printf("  %s uv m=1000: invariant1 = %.6g vs dense %.6g (||theta||^2 = %.4g)\n", pass ? "nearly balanced" : "balanced",
               val, ref, n2);
        T_CHECK(fabs(val * val - ref * ref) <= 1e-12 * n2 * n2, "invariant at rounding level of the identity");
        ibp_run_destroy(r);
    }
    free(v);
    free(cfg), free(u);
}

/* ---- events --------------------------------------------------------------------------------- */

typedef struct tab { double *v; int n, nc, cap; } tab;

static void run_all(ibp_run *r, tab *T) {
    T->nc = ibp_run_ncols(r);
    T->n = 0, T->cap = 1024;
    T->v = malloc(sizeof(double) * T->cap * T->nc);
    for (;;) {
        int n = ibp_run_nrows(r);
        if (T->n + n > T->cap) {
            T->cap = 2 * (T->n + n);
            T->v = realloc(T->v, sizeof(double) * T->cap * T->nc);
        }
        memcpy(T->v + (size_t)T->n * T->nc, ibp_run_rows(r), sizeof(double) * n * T->nc);
        T->n += n;
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        ibp_run_step(r, 1000, NULL, 0);
    }
}

/* The events column of every row is the OR of the events at that step, and every event has a row. */
static void check_bitmask(ibp_run *r, const tab *T, const char *what) {
    int je = ibp_run_column_index(r, "events"), ok = 1;
    for (int i = 0; i < T->n; i++) {
        const double *row = T->v + (size_t)i * T->nc;
        int mask = 0;
        for (int e = 0; e < ibp_run_nevents(r); e++) {
            int kind;
            int64_t step;
            ibp_run_event(r, e, &kind, &step, NULL, NULL);
            if (step == (long)row[0]) mask |= kind;
        }
        if (row[je] != mask) ok = 0, printf("  %s: row %g events %g, expected %d\n", what, row[0], row[je], mask);
    }
    for (int e = 0; e < ibp_run_nevents(r); e++) {
        int64_t step;
        ibp_run_event(r, e, NULL, &step, NULL, NULL);
        int found = 0;
        for (int i = 0; i < T->n; i++) found |= (long)T->v[(size_t)i * T->nc] == step;
        if (!found) ok = 0;
    }
    T_CHECK(ok, "%s: events bitmask on exactly the event rows", what);
}

static int nth_event(ibp_run *r, int kind, int nth, int64_t *step, double *v1, double *v2) {
    for (int e = 0; e < ibp_run_nevents(r); e++) {
        int k;
        ibp_run_event(r, e, &k, step, v1, v2);
        if (k == kind && nth-- == 0) return 1;
    }
    return 0;
}

static int count_events(ibp_run *r, int kind) {
    int c = 0;
    for (int e = 0; e < ibp_run_nevents(r); e++) {
        int k;
        ibp_run_event(r, e, &k, NULL, NULL, NULL);
        c += k == kind;
    }
    return c;
}

static void events_text_has(ibp_run *r, const char *needle) {
    char buf[8192];
    ibp_run_events_text(r, buf, sizeof buf);
    T_CHECK(strstr(buf, needle) != NULL, "events text has \"%s\":\n%s", needle, buf);
}

/* The documented rules of src/run/events.c, applied here to the rows of a run logged at every
 * step (an independent reading: the rows, not the engine's state). C = eta * curvature / 2 from the
 * sharpness column (the ntk column when the run measures only that). Fills the expected catapult
 * steps (and their peak/ref and peak step) and EoS steps; returns their numbers. */
typedef struct { int ncat, neos; long cat[64], cat_peak[64], eos[8]; double cat_ratio[64], eos_S[8]; } expect_ev;
static void expected_events(ibp_run *r, const tab *T, expect_ev *E) {
    memset(E, 0, sizeof *E);
    int jl = ibp_run_column_index(r, "loss"), jr = ibp_run_column_index(r, "lr");
    int js = ibp_run_column_index(r, "sharpness"), jn = ibp_run_column_index(r, "ntk");
    double f = r->c.catapult_factor, L0 = T->v[jl];
    double ref = L0, peak = 0, last = NAN, rise = NAN, fall = NAN, pend_ratio = 0, cand_loss = 0, base_eos = 0;
    long peak_t = 0, pend = -1, cand = -1;
    int rising = 0, below = 0, phase = 0, rise_phase = 0;
    for (int i = 0; i < T->n; i++) {
        const double *row = T->v + (size_t)i * T->nc;
        long t = (long)row[0];
        double L = row[jl], lr = row[jr];
        double S = js >= 0 && (r->c.measure || t == 0) ? row[js] : NAN;
        double curv = !isnan(S) ? lr * S / 2 : jn >= 0 ? lr * row[jn] / 2 : NAN;
        double base = lr; /* these runs have no schedule: the base rate is the row's rate */
        if (phase && base != base_eos) phase = 0;
        if (!isnan(curv)) {
            last = curv;
            if (pend >= 0) {
                if (curv < 1 && E->ncat < 64) E->cat_ratio[E->ncat] = pend_ratio, E->cat_peak[E->ncat] = pend, E->cat[E->ncat++] = t;
                pend = -1;
            }
            if (rising && t > peak_t) fall = isnan(fall) || curv < fall ? curv : fall;
            else rise = isnan(rise) || curv > rise ? curv : rise;
        }
        if (!rising) {
            if (L < ref) ref = L, rise = last;
            if (L >= f * ref && ref > 1e-28 * fmax(L0, 1)) rising = 1, peak = L, peak_t = t, fall = NAN, rise_phase = phase;
        } else {
            if (L > peak) {
                peak = L, peak_t = t;
                if (!isnan(fall) && (isnan(rise) || fall > rise)) rise = fall;
                fall = NAN;
                if (!isnan(curv) && (isnan(rise) || curv > rise)) rise = curv;
            }
            if (L < ref) {
                int above = rise > 1 && !rise_phase;
                if (above && fall < 1 && E->ncat < 64) E->cat_ratio[E->ncat] = peak / ref, E->cat_peak[E->ncat] = peak_t, E->cat[E->ncat++] = t;
                else if (above && isnan(fall)) pend = peak_t, pend_ratio = peak / ref;
                rising = 0, ref = L, rise = last;
            }
        }
        if (!isnan(S) && r->c.measure && !phase) {
            double ratio = lr * S / 2;
            if (ratio < 0.95) below = 1, cand = -1;
            else if (below) {
                if (cand < 0) cand = t, cand_loss = L;
                else if (t - cand >= 10) {
                    if (ratio < 2 && L <= f * cand_loss && E->neos < 8) {
                        E->eos_S[E->neos] = S, E->eos[E->neos++] = t;
                        phase = 1, base_eos = base, below = 0;
                    }
                    cand = -1;
                }
            }
        }
    }
}

/* G1 uv model, c = 2.5, with the NTK lambda measured at every step: the loss rises >= 10x and
 * falls below its start while eta lambda / 2 drops from 1.25 to below 1: one catapult, at the
 * first step below the start (value = peak / L_0, value2 = the peak's step); the same run without
 * any curvature measured reports none (nothing shows the drop). */
static void event_catapult(void) {
    ibp_run *r = t_run("model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk"
                      "&steps=2000&measure=0&ntk=1&measure_every=1", NULL, NULL);
    if (!r) return;
    tab T;
    run_all(r, &T);
    int jl = ibp_run_column_index(r, "loss"), jn = ibp_run_column_index(r, "ntk"), jr = ibp_run_column_index(r, "lr");
    T_CHECK(T.n == 2001, "a row per step (%d)", T.n);
    double L0 = T.v[jl], peak = L0;
    long tpk = 0, tfall = -1;
    for (int i = 1; i < T.n; i++) {
        double L = T.v[(size_t)i * T.nc + jl];
        if (tfall < 0 && L > peak) peak = L, tpk = i;
        if (tfall < 0 && peak >= 10 * L0 && L < L0) tfall = i;
    }
    T_CHECK(peak >= 10 * L0 && tfall > 0, "G1 c=2.5 catapults: peak %.3g x L0 at step %ld, below L0 at %ld", peak / L0,
            tpk, tfall);
    double c0 = T.v[jr] * T.v[jn] / 2, cf = T.v[(size_t)tfall * T.nc + jr] * T.v[(size_t)tfall * T.nc + jn] / 2;
    T_CHECK(c0 > 1.2 && cf < 1, "eta lambda / 2 from %.4g (above the edge) to %.4g at the fall", c0, cf);
    int64_t step;
    double v1, v2;
    T_CHECK(nth_event(r, IBP_EVENT_CATAPULT, 0, &step, &v1, &v2), "a catapult event");
    T_CHECK(step == tfall, "catapult event at step %ld (first step below the start: %ld)", (long)step, tfall);
    T_CLOSE(v1, peak / L0, 0, 1e-15);
    T_CHECK(v2 == (double)tpk, "peak step %g vs %ld", v2, tpk);
    expect_ev E;
    expected_events(r, &T, &E);
    T_CHECK(count_events(r, IBP_EVENT_CATAPULT) == E.ncat && E.ncat == 1, "%d catapult events (rule: %d)",
            count_events(r, IBP_EVENT_CATAPULT), E.ncat);
    char needle[64];
    snprintf(needle, sizeof needle, "catapult at step %ld", tfall);
    events_text_has(r, needle);
    check_bitmask(r, &T, "catapult");
    free(T.v);
    ibp_run_destroy(r);
    /* no curvature measured: the loss curve alone does not make a catapult event */
    r = t_run("model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk"
              "&steps=300&measure=0", NULL, NULL);
    if (!r) return;
    run_all(r, &T);
    T_CHECK(count_events(r, IBP_EVENT_CATAPULT) == 0, "no curvature measured: no catapult event (%d)",
            count_events(r, IBP_EVENT_CATAPULT));
    T_CHECK(!strcmp(ibp_run_regime(r), "catapult"), "the regime still reads the loss curve: %s", ibp_run_regime(r));
    free(T.v);
    ibp_run_destroy(r);
}

/* science.md H with eta = 0.3, the page's default run: progressive sharpening to 2/eta, then the
 * edge of stability with its loss spikes. One EoS event, at the measurement confirming the first
 * at the edge (value S there, value2 2/eta), and no catapult: the spikes at the edge are its own
 * oscillation (they used to read "catapult x7"). log_every=10 with measurements every 20 steps:
 * event rows must appear even off the logging schedule. */
static void event_eos(void) {
    ibp_run *r = t_run("model=mlp&depth=3&width=32&d=8&n=256&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64"
                      "&teacher_scale=4&standardize=1&lr=0.3&steps=6000&measure_every=20&log_every=10", NULL, NULL);
    if (!r) return;
    tab T;
    run_all(r, &T);
    int js = ibp_run_column_index(r, "sharpness"), jr = ibp_run_column_index(r, "lr"), jl = ibp_run_column_index(r, "loss");
    long ton = -1, tconf = -1;
    double Sconf = NAN, edge = NAN, Lon = NAN;
    for (int i = 0; i < T.n && tconf < 0; i++) {
        const double *row = T.v + (size_t)i * T.nc;
        if (isnan(row[js])) continue;
        if (ton < 0 && row[js] >= 0.95 * 2 / row[jr]) { ton = (long)row[0], Lon = row[jl]; continue; }
        if (ton >= 0) tconf = (long)row[0], Sconf = row[js], edge = 2 / row[jr];
    }
    T_CHECK(ton > 0 && ton <= 3000, "H (eta 0.3): sharpens to the edge (t_on = %ld)", ton);
    T_CHECK(tconf == ton + 20 && Sconf >= 0.95 * edge && Sconf < 2 * edge && T.v[(size_t)(tconf / 10) * T.nc + jl] <= 2 * Lon,
            "the next measurement (step %ld) is still at the edge: eta S / 2 = %.4g", tconf, Sconf / edge);
    int64_t step;
    double v1, v2;
    T_CHECK(nth_event(r, IBP_EVENT_EOS, 0, &step, &v1, &v2) && count_events(r, IBP_EVENT_EOS) == 1, "one EoS event");
    T_CHECK(step == tconf, "EoS event at %ld (confirmed at %ld, first at the edge %ld)", (long)step, tconf, ton);
    T_CHECK(v1 == Sconf, "EoS value S = %.17g (row %.17g)", v1, Sconf);
    T_CLOSE(v2, edge, 0, 1e-15);
    T_CHECK(count_events(r, IBP_EVENT_CATAPULT) == 0, "no catapult at the edge of stability (%d)", count_events(r, IBP_EVENT_CATAPULT));
    char needle[64];
    snprintf(needle, sizeof needle, "edge of stability at step %ld", tconf);
    events_text_has(r, needle);
    check_bitmask(r, &T, "eos");
    printf("  EoS: first at the edge %ld, onset (confirmed) %ld, S = %.6g, 2/eta = %.6g\n", ton, tconf, Sconf, edge);
    free(T.v);
    ibp_run_destroy(r);
    /* the rules over whole runs logged at every step: the EoS run, the same run with eta raised
     * past the edge after the onset (a true catapult: the sharpness is thrown above the new edge
     * and falls below it; the edge is then reached afresh), and a run thrown so far past the edge
     * that it diverges (never an EoS onset at a divergence) */
    const char *cfgs[] = {
        "model=mlp&depth=3&width=32&d=8&n=256&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64"
        "&teacher_scale=4&standardize=1&lr=0.3&steps=2500&measure_every=20",
        "model=mlp&depth=3&width=32&d=8&n=256&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64"
        "&teacher_scale=4&standardize=1&lr=0.3&lr_at=1001,0.5&steps=2500&measure_every=5",
        "model=mlp&depth=3&width=32&d=8&n=256&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64"
        "&teacher_scale=4&standardize=1&lr=0.05&lr_at=101,3&steps=400&measure_every=1",
    };
    for (int k = 0; k < 3; k++) {
        r = t_run(cfgs[k], NULL, NULL);
        if (!r) continue;
        run_all(r, &T);
        expect_ev E;
        expected_events(r, &T, &E);
        int ok = count_events(r, IBP_EVENT_CATAPULT) == E.ncat && count_events(r, IBP_EVENT_EOS) == E.neos;
        for (int e = 0; ok && e < E.ncat; e++) {
            nth_event(r, IBP_EVENT_CATAPULT, e, &step, &v1, &v2);
            ok = step == E.cat[e] && v1 == E.cat_ratio[e] && v2 == (double)E.cat_peak[e];
        }
        for (int e = 0; ok && e < E.neos; e++) {
            nth_event(r, IBP_EVENT_EOS, e, &step, &v1, &v2);
            ok = step == E.eos[e] && v1 == E.eos_S[e];
        }
        T_CHECK(ok, "run %d: events by the documented rule: %d catapult, %d EoS (engine %d, %d)", k, E.ncat, E.neos,
                count_events(r, IBP_EVENT_CATAPULT), count_events(r, IBP_EVENT_EOS));
        if (k == 1) T_CHECK(E.ncat >= 1 && E.neos >= 1, "eta raised past the edge: a catapult (%d), after an onset (%d)", E.ncat, E.neos);
        if (k == 2) T_CHECK(ibp_run_state(r) == IBP_DIVERGED && E.neos == 0 && count_events(r, IBP_EVENT_EOS) == 0,
                            "thrown past the edge: diverged (%s), no EoS onset", ibp_run_message(r));
        check_bitmask(r, &T, "rules");
        free(T.v);
        ibp_run_destroy(r);
    }
}

/* G1, c = 6: divergence within 20 steps; the event's value is eta * (the last measured S), value2
 * the loss of the diverged step. */
static void event_divergence(void) {
    ibp_run *r = t_run("model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=2000", NULL, NULL);
    if (!r) return;
    tab T;
    run_all(r, &T);
    int js = ibp_run_column_index(r, "sharpness"), jl = ibp_run_column_index(r, "loss"), jr = ibp_run_column_index(r, "lr");
    const double *last = T.v + (size_t)(T.n - 1) * T.nc;
    double S = NAN;
    for (int i = 0; i < T.n; i++)
        if (!isnan(T.v[(size_t)i * T.nc + js])) S = T.v[(size_t)i * T.nc + js];
    int below = 1;
    for (int i = 0; i + 1 < T.n; i++) below &= T.v[(size_t)i * T.nc + jl] <= r->c.div_loss;
    T_CHECK(ibp_run_state(r) == IBP_DIVERGED && last[0] <= 20 && !(last[jl] <= r->c.div_loss) && below,
            "diverged at step %g (loss %.3g), earlier rows below div_loss", last[0], last[jl]);
    int64_t step;
    double v1, v2;
    T_CHECK(nth_event(r, IBP_EVENT_DIVERGED, 0, &step, &v1, &v2), "a divergence event");
    T_CHECK(step == (long)last[0], "at step %ld", (long)step);
    T_CLOSE(v1, last[jr] * S, 0, 1e-15);
    T_CHECK(t_bits(v2) == t_bits(last[jl]), "value2 = the loss %.17g (%.17g)", v2, last[jl]);
    T_CHECK(v1 > 2, "eta S = %.3g > 2", v1);
    char needle[64];
    snprintf(needle, sizeof needle, "diverged at step %ld: eta S = ", (long)step);
    events_text_has(r, needle);
    check_bitmask(r, &T, "divergence");
    free(T.v);
    ibp_run_destroy(r);
}

/* target_loss / grad_tol: one CONVERGED event at the first row at or below the target, with the
 * loss and the gradient norm of that row. */
static void event_convergence(void) {
    const char *cfgs[] = {
        "model=linear&depth=2&d=3&width=3&data=teacher&n=30&lr=0.1&steps=100000&target_loss=1e-12&log_every=1",
        "model=linear&depth=2&d=3&width=3&data=teacher&n=30&lr=0.1&steps=100000&grad_tol=1e-8&measure_every=7",
    };
    for (int c = 0; c < 2; c++) {
        ibp_run *r = t_run(cfgs[c], NULL, NULL);
        if (!r) continue;
        tab T;
        run_all(r, &T);
        int jl = ibp_run_column_index(r, "loss"), jg = ibp_run_column_index(r, "grad_norm");
        long first = -1;
        double L = NAN, G = NAN;
        for (int i = 0; i < T.n && first < 0; i++) {
            const double *row = T.v + (size_t)i * T.nc;
            if (c == 0 ? row[jl] <= 1e-12 : row[jg] < 1e-8) first = (long)row[0], L = row[jl], G = row[jg];
        }
        int64_t step;
        double v1, v2;
        T_CHECK(nth_event(r, IBP_EVENT_CONVERGED, 0, &step, &v1, &v2) && count_events(r, IBP_EVENT_CONVERGED) == 1,
                "one convergence event (%s)", c ? "grad_tol" : "target_loss");
        T_CHECK(step == first && step == ibp_run_t(r), "converged at %ld (first row below: %ld)", (long)step, first);
        T_CHECK(v1 == L && v2 == G, "event carries the loss and gradient norm of the row");
        char needle[64];
        snprintf(needle, sizeof needle, "converged at step %ld", first);
        events_text_has(r, needle);
        check_bitmask(r, &T, "convergence");
        free(T.v);
        ibp_run_destroy(r);
    }
}

/* Rows kept as numbers and formatted later (the page's export) are the bytes of the pending rows'
 * CSV: measured and unmeasured rows (empty cells), and a run that diverges. */
static void csv_of_rows(void) {
    const char *cfgs[] = {"model=mlp&depth=3&width=6&d=4&n=30&act=tanh&lr=0.3&measure_every=3&steps=20",
                          "model=linear&depth=2&d=3&width=3&data=teacher&n=20&lr=40&steps=20&measure=0"};
    for (int c = 0; c < 2; c++) {
        ibp_run *r = t_run(cfgs[c], NULL, NULL);
        if (!r) continue;
        ibp_run_step(r, 20, NULL, 0);
        int n = ibp_run_nrows(r), nc = ibp_run_ncols(r);
        double *copy = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1) * (size_t)nc);
        memcpy(copy, ibp_run_rows(r), sizeof(double) * (size_t)n * (size_t)nc);
        for (int h = 0; h < 2; h++) {
            size_t need = ibp_run_rows_csv(r, h, NULL, 0);
            T_CHECK(ibp_run_csv_of_rows(r, copy, n, h, NULL, 0) == need, "%s: same length (header %d)", cfgs[c], h);
            char *a = malloc(need + 1), *b = malloc(need + 1);
            ibp_run_rows_csv(r, h, a, need + 1);
            ibp_run_csv_of_rows(r, copy, n, h, b, need + 1);
            T_CHECK(strcmp(a, b) == 0, "%s: same bytes (header %d)", cfgs[c], h);
            if (c == 0) T_CHECK(strstr(a, ",,") != NULL, "unmeasured rows have empty cells");
            free(a);
            free(b);
        }
        T_CHECK(n > 1 && ibp_run_csv_of_rows(r, copy, 1, 0, NULL, 0) < ibp_run_rows_csv(r, 0, NULL, 0), "nrows counts");
        T_CHECK(ibp_run_csv_of_rows(r, NULL, 5, 0, NULL, 0) == 0, "no rows: no text");
        free(copy);
        ibp_run_destroy(r);
    }
}

int main(void) {
    csv_of_rows();
    const char *reg[] = {"loss", "test_loss", "grad_norm", "param_norm", "dist_init", "lr", "layer3_sq", "gap2", NULL};
    const char *reg2[] = {"loss", "grad_norm", "param_norm", "dist_init", "lr", "layer2_sq", "gap1", NULL};
    check_run("model=mlp&depth=3&width=6,5&d=4&n=30&n_test=10&act=tanh&lr=0.3&lr_power=0.4&warmup=5&steps=25&measure=0",
              "mlp tanh, schedule, test set", 25, reg);
    check_run("model=mlp&depth=2&width=7&d=3&out=2&n=25&act=relu&param=ntk&loss=mse&lr=0.2&steps=15&measure=0",
              "mlp relu ntk out=2 mse", 15, reg2);
    check_run("model=mlp&depth=2&width=6&d=3&n=20&act=leaky_softplus(0.3)&data=teacher&teacher=sin&lr=0.1&steps=10"
              "&measure=0",
              "mlp leaky_softplus", 10, reg2);
    const char *lin[] = {"test_loss", "invariant1", "invariant2", "sv3_2", "align2", "wprod_dist", "s_min", "s_ratio", NULL};
    check_run("model=linear&depth=3&d=5&width=5&data=mc&n=50&n_test=10&wstar_norm=3&init_scale=0.5&loss=mse&lr=0.01"
              "&measure_every=4&steps=24",
              "deep linear mc, mse", 24, lin);
    check_run("model=linear&depth=3&d=5&width=5&data=mc&n=50&wstar_norm=3&init_scale=0.5&lr=0.01&measure_every=4&steps=12",
              "deep linear mc, mse_half", 12, lin + 1);
    const char *lin2[] = {"invariant3", "sv4_1", "align3", "wprod_dist", NULL};
    check_run("model=linear&depth=4&d=3&width=4&out=2&data=teacher&n=30&lr=0.02&measure_every=3&steps=12",
              "deep linear out=2", 12, lin2);
    const char *uv[] = {"invariant1", "sv1_1", "sv2_2", "align1", "wprod_dist", NULL};
    check_run("model=linear&width=1000&param=ntk&init=normal&data=inline&xs=0.7&ys=0.3&lr=0.5&measure_every=3&steps=12",
              "uv m=1000 (trace identity)", 12, uv);
    check_run("model=linear&depth=2&d=3&width=3&init=normal&init_scale=0.7&data=teacher&n=64&lr=0.02&measure_every=2&steps=8",
              "two-layer linear 3x3", 8, uv);
    const char *mf[] = {"mf_balance", "layer1_sq", "layer2_sq", "gap1", "sv1_1", "sv2_2", "sv_ratio2", NULL};
    check_run("model=mf&rows=6&cols=5&rank=2&init=normal&init_scale=0.5&lr=0.1&measure_every=2&steps=10", "mf", 10, mf);
    check_run("model=mf&rows=6&cols=5&rank=2&factor_rank=3&loss=mse&init=normal&init_scale=0.5&lr=0.05&measure_every=2"
              "&steps=10",
              "mf mse, factor_rank 3", 10, mf);
    const char *p2[] = {"theta1", "theta2", "lr", NULL};
    check_run("model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr=0.02&lr_power=0.5&warmup=10&steps=30&measure=0",
              "scalar mf P=2, warmup + power", 30, p2);
    const char *cls[] = {"train_acc", "test_acc", "margin", "cai_threshold", NULL};
    check_run("model=mlp&depth=1&head=pm&width=20&act=leaky_softplus&bias=0&data=xor40&n_test=10&loss=logistic&lr=10"
              "&init=normal&steps=30&measure=0",
              "fixed head k=1 (xor40)", 30, cls);
    check_run("model=mlp&depth=1&head=pm&width=2&act=leaky_softplus(0.3)&bias=0&data=p5&loss=logistic&lr=30&warmup=5"
              "&init=normal&init_scale=0.1&steps=20&measure=0",
              "fixed head k=1 (p5, c=0.3, warmup)", 20, cls + 2);
    const char *acc[] = {"train_acc", "test_acc", "margin", NULL};
    check_run("model=linear&depth=3&d=5&width=4&data=separable&n=40&n_test=20&loss=logistic&lr=0.5&steps=30&measure=0",
              "deep linear k=3 logistic", 30, acc);
    check_run("model=mlp&depth=2&width=8&act=relu&bias=0&data=circles&n=40&loss=logistic&lr=0.5&steps=20&measure=0",
              "relu k=2 logistic", 20, acc + 2);
    /* loss=ce on three classes: the loss and test loss (log-sum-exp here), accuracy and margin
     * from the argmax (the target's class against the largest other output) */
    const char *ce[] = {"loss", "test_loss", "train_acc", "test_acc", "margin", "grad_norm", NULL};
    char *csv3 = three_classes_csv();
    check_run_csv("data=csv&out=3&n_test=15&model=mlp&depth=2&width=8&act=tanh&loss=ce&lr=1&steps=30&measure_every=10",
                  csv3, "mlp tanh ce, 3 classes, test set", 30, ce);
    free(csv3);
    /* MSE on the one-hot targets of ten classes (Cohen et al.): accuracy and margin by argmax */
    check_run_images("data=fashion_mnist&image_size=7&n=200&n_test=50&model=mlp&depth=2&width=16&act=tanh&loss=mse"
                     "&lr=0.05&steps=10&measure=0",
                     "fashion_mnist mse one-hot, 10 classes", 10, ce);
    specific_values();
    event_catapult();
    event_eos();
    event_divergence();
    event_convergence();
    return t_summary();
}
