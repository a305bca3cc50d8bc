/* metrics_model.c -- model-aware metrics: accuracy and normalized margin, layer norms and
 * balance gaps, the linear-net invariants W_{h+1}^T W_{h+1} - W_h W_h^T, mf balance, top
 * singular values and the alignment of adjacent layers, the end-to-end vector's distance to the
 * OLS solution w*, the Marion-Chizat bound S_min and the Cai et al. stable-phase threshold.
 * Conventions: a bias belongs with its layer's incoming weights; singular values are those of
 * the raw weights (NTK prefactors are constants and do not change balance or alignment). */
#include <string.h>
#include "run/metrics.h"

static int ibp__is_class_data(int data) {
    return data != IBP__DATA_TEACHER && data != IBP__DATA_MC && data != IBP__DATA_INLINE && data != IBP__DATA_CSV;
}
int ibp__metrics_classification(const ibp__config *c) {
    if (c->model == IBP__MODEL_MF) return 0;
    if (c->loss == IBP__LOSS_CE || c->data == IBP__DATA_FASHION_MNIST) return 1; /* k classes: argmax */
    return c->out == 1 &&
           (c->loss == IBP__LOSS_LOGISTIC || c->labels == IBP__LABELS_SIGN || ibp__is_class_data(c->data));
}
int ibp__metrics_has_wstar(const ibp__config *c) {
    return c->model == IBP__MODEL_LINEAR && !ibp__is_class_data(c->data) && c->labels == IBP__LABELS_RAW &&
           c->loss != IBP__LOSS_LOGISTIC && c->loss != IBP__LOSS_CE;
}
int ibp__metrics_mc_bound(const ibp__config *c) {
    return ibp__metrics_has_wstar(c) && c->out == 1 && c->param == IBP__PARAM_STANDARD;
}
int ibp__metrics_cai(const ibp__config *c) {
    return c->model == IBP__MODEL_MLP && c->depth == 1 && c->head == IBP__HEAD_PM && c->loss == IBP__LOSS_LOGISTIC;
}

static int ibp__has_sv(const ibp__config *c) {
    return (c->model == IBP__MODEL_LINEAR || c->model == IBP__MODEL_MF) && c->measure;
}

/* Scratch for the invariant of trained pair (W_t, W_{t+1}): direct (rh, rh) matrix when rh is
 * small or not the largest dimension, else the trace identity (see ibp__metrics_invariant). */
static int ibp__inv_direct(int r1, int rh, int ch) { return rh <= 64 || rh <= r1 || rh <= ch; }

void ibp__metrics_carve(ibp_run *r, ibp__arena *a) {
    const ibp__config *c = &r->c;
    const ibp__model *m = &r->m;
    int tl[IBP__MAX_LAYERS], nt = ibp__trained_layers(m, tl);
    size_t need = 0, sv = 0, maxw = 0;
    for (int i = 0; i < m->nl; i++) {
        if ((size_t)m->L[i].rows > maxw) maxw = (size_t)m->L[i].rows;
        if ((size_t)m->L[i].cols > maxw) maxw = (size_t)m->L[i].cols;
    }
    for (int t = 0; t < nt; t++) {
        const ibp__layer *ly = &m->L[tl[t]];
        size_t g = (size_t)(ly->rows < ly->cols ? ly->rows : ly->cols);
        size_t big = (size_t)(ly->rows > ly->cols ? ly->rows : ly->cols);
        if (ibp__has_sv(c)) {
            sv += 2 + (size_t)ly->rows + (size_t)ly->cols;
            if (2 * g * g + 3 * g + big > need) need = 2 * g * g + 3 * g + big;
        }
        if (c->model == IBP__MODEL_LINEAR && t + 1 < nt) {
            size_t r1 = (size_t)m->L[tl[t + 1]].rows, rh = (size_t)ly->rows, ch = (size_t)ly->cols;
            size_t q = r1 + ch;
            size_t s = ibp__inv_direct((int)r1, (int)rh, (int)ch) ? 2 * rh * rh : rh * q + q * q;
            if (s > need) need = s;
        }
    }
    if (c->model == IBP__MODEL_MF) {
        size_t rr = (size_t)m->mf_r;
        if (2 * rr * rr > need) need = 2 * rr * rr;
    }
    if (ibp__metrics_has_wstar(c)) {
        size_t s = 2 * (size_t)m->k * maxw;
        if (s > need) need = s;
        size_t d = (size_t)m->d; /* X^T X / n and its eigenvalues, once at creation */
        if (ibp__metrics_mc_bound(c) && d <= 1024 && d * d + 3 * d > need) need = d * d + 3 * d;
    }
    size_t nout = ibp__metrics_classification(c) ? (size_t)(c->n + c->n_test) * (size_t)m->k : 0;
    double *mw = ibp__arena_doubles(a, need + 4 * maxw); /* + ibp__gram_rows' partial sums */
    double *mout = ibp__arena_doubles(a, nout);
    double *msv = ibp__arena_doubles(a, sv);
    if (a->base) { r->mw = mw; r->mout = nout ? mout : NULL; r->msv = msv; }
}

void ibp__metrics_init(ibp_run *r) {
    const ibp__config *c = &r->c;
    r->s_min = IBP_NAN;
    if (ibp__metrics_mc_bound(c) && r->D.wstar) {
        /* a = w*^T Sigma w* / ||w*||^2 with Sigma = X^T X / n; S_min = 2 L a ||w*||^(2 - 2/L) for
         * R = mse, half of it for half-MSE (science.md E) */
        int tl[IBP__MAX_LAYERS], L = ibp__trained_layers(&r->m, tl);
        int n = r->D.n, d = r->D.d;
        double ww = ibp__sumsq(r->D.wstar, d), q = 0;
        for (int i = 0; i < n; i++) {
            double s = ibp__dot(r->D.x + (size_t)i * d, r->D.wstar, d);
            q += s * s;
        }
        double a = (q / n) / ww;
        double norm_pow = ibp__pow(ibp__sqrt(ww), 2.0 - 2.0 / L);
        r->s_min = (c->loss == IBP__LOSS_MSE ? 2.0 : 1.0) * L * a * norm_pow;
    }
    r->data_lambda = IBP_NAN;
    if (ibp__metrics_mc_bound(c) && r->D.wstar && r->D.d <= 1024) {
        int d = r->D.d;
        double *S = r->mw, *w = S + (size_t)d * d, *scr = w + d;
        ibp__gemm_tn(d, d, r->D.n, r->D.x, r->D.x, S, 0);
        ibp__scale((long)d * d, 1.0 / r->D.n, S);
        if (ibp__eigh(d, S, w, NULL, scr) == 0) r->data_lambda = w[d - 1];
    }
    r->cai_r2 = 0;
    if (ibp__metrics_cai(c))
        for (int i = 0; i < r->D.n; i++) {
            double s = ibp__sumsq(r->D.x + (size_t)i * r->D.d, r->D.d);
            if (s > r->cai_r2) r->cai_r2 = s;
        }
}

/* Sample i's margin: y f for one output (y = +-1); with k outputs f_c - max_{j != c} f_j, c the
 * target's class (its largest entry, the first on ties). > 0 means classified right. */
static double ibp__margin_of(const double *f, const double *y, int k) {
    if (k == 1) return y[0] * f[0];
    int c = 0;
    for (int j = 1; j < k; j++) c = y[j] > y[c] ? j : c;
    double other = -IBP_INF;
    for (int j = 0; j < k; j++)
        if (j != c && f[j] > other) other = f[j];
    return f[c] - other;
}

void ibp__metrics_outputs(ibp_run *r, ibp__mcache *mc) {
    if (mc->have_outputs) return;
    mc->have_outputs = 1;
    int tl[IBP__MAX_LAYERS], L = ibp__trained_layers(&r->m, tl), k = r->m.k;
    double *f = r->mout;
    /* the outputs of the last full-batch pass when they are at this theta (run.c), the same bits */
    if (!(r->mout_valid && r->fgrad_valid)) ibp__model_forward(&r->m, r->theta, r->D.x, r->D.n, f);
    double minm = IBP_INF;
    int right = 0;
    for (int i = 0; i < r->D.n; i++) {
        double z = ibp__margin_of(f + (size_t)i * k, r->D.y + (size_t)i * k, k);
        if (z < minm) minm = z;
        right += z > 0;
    }
    mc->train_acc = (double)right / r->D.n;
    /* normalized margin: homogeneity degree = number of trained layers */
    double nrm = ibp__sqrt(ibp__sumsq(r->theta, r->m.P));
    mc->margin = minm / ibp__pow(nrm, (double)L);
    mc->test_acc = IBP_NAN;
    if (r->D.n_test > 0) {
        double *ft = f + (size_t)r->D.n * k;
        ibp__model_forward(&r->m, r->theta, r->D.xt, r->D.n_test, ft);
        right = 0;
        for (int i = 0; i < r->D.n_test; i++) right += ibp__margin_of(ft + (size_t)i * k, r->D.yt + (size_t)i * k, k) > 0;
        mc->test_acc = (double)right / r->D.n_test;
    }
}

double ibp__metrics_layer_sq(const ibp_run *r, int li) {
    const ibp__layer *ly = &r->m.L[li];
    double s = ibp__sumsq(r->theta + ly->off, (long)ly->rows * ly->cols);
    if (ly->boff >= 0) s += ibp__sumsq(r->theta + ly->boff, ly->rows);
    return s;
}

/* ||W_{t+1}||^2 - (||W_t||^2 + ||b_t||^2): a neuron of layer t owns its incoming weights and its
 * bias, and its outgoing weights are a column of W_{t+1} (whose own bias belongs to layer t+1).
 * Under gradient flow this is invariant (Du et al. 2018), so layer t+1's bias is not in it. */
double ibp__metrics_gap(const ibp_run *r, int t) {
    int tl[IBP__MAX_LAYERS];
    ibp__trained_layers(&r->m, tl);
    const ibp__layer *up = &r->m.L[tl[t + 1]];
    return ibp__sumsq(r->theta + up->off, (long)up->rows * up->cols) - ibp__metrics_layer_sq(r, tl[t]);
}

/* G (rows, rows) = A A^T for A (rows, cols): (A A^T)_{ij} = A_i . A_j with the bits of ibp__dot
 * (A_i . A_j and A_j . A_i are the same products). Row i's dots with rows 0..i come from one
 * ibp__gemv_pair sweep, four rows at a time, rather than from i + 1 separate dots (the metrics
 * row of a deep linear net spent 10x its GD step here). part: 4 rows doubles of scratch. */
static void ibp__gram_rows(int rows, int cols, const double *A, double *G, double *part) {
    for (int i = 0; i < rows; i++) {
        ibp__gemv_pair(cols, A, cols, 0, 0, NULL, (double *)(A + (size_t)i * cols), i + 1,
                       G + (size_t)i * rows, NULL, part);
        for (int j = 0; j < i; j++) G[(size_t)j * rows + i] = G[(size_t)i * rows + j];
    }
}

double ibp__metrics_invariant(ibp_run *r, int t) {
    int tl[IBP__MAX_LAYERS];
    ibp__trained_layers(&r->m, tl);
    const ibp__layer *lb = &r->m.L[tl[t]], *la = &r->m.L[tl[t + 1]];
    const double *B = r->theta + lb->off; /* W_t (rh, ch) */
    const double *A = r->theta + la->off; /* W_{t+1} (r1, rh) */
    int rh = lb->rows, ch = lb->cols, r1 = la->rows;
    double *M = r->mw;
    if (ibp__inv_direct(r1, rh, ch)) {
        double *N = M + (size_t)rh * rh;
        ibp__gemm_tn(rh, rh, r1, A, A, M, 0);        /* A^T A */
        ibp__gram_rows(rh, ch, B, N, N + (size_t)rh * rh); /* B B^T */
        double s = 0;
        for (long i = 0; i < (long)rh * rh; i++) {
            double dd = M[i] - N[i];
            s += dd * dd;
        }
        return ibp__sqrt(s);
    }
    /* rh is the large inner width (e.g. the uv model: rh = m, r1 = ch = 1). M = A^T A - B B^T =
     * K S K^T with K = [A^T, B] (rh, q), q = r1 + ch, S = diag(+1 (r1), -1 (ch)). With K = Q R
     * (Householder), ||M||_F = ||R S R^T||_F: O(rh q^2) and as accurate as forming M, unlike
     * the trace identity ||A A^T||^2 + ||B^T B||^2 - 2 ||A B||^2, which cancels to sqrt(eps). */
    int q = r1 + ch;
    double *K = M, *R = K + (size_t)rh * q; /* K (rh, q) row-major, R (q, q) */
    for (int i = 0; i < rh; i++) {
        for (int a = 0; a < r1; a++) K[(size_t)i * q + a] = A[(size_t)a * rh + i];
        for (int c = 0; c < ch; c++) K[(size_t)i * q + r1 + c] = B[(size_t)i * ch + c];
    }
    for (int j = 0; j < q; j++) { /* Householder on column j, rows j.. */
        double nrm = 0;
        for (int i = j; i < rh; i++) nrm += K[(size_t)i * q + j] * K[(size_t)i * q + j];
        nrm = ibp__sqrt(nrm);
        if (nrm == 0) continue;
        double x0 = K[(size_t)j * q + j], alpha = x0 > 0 ? -nrm : nrm;
        double v0 = x0 - alpha, vnorm2 = v0 * v0 + (nrm * nrm - x0 * x0);
        K[(size_t)j * q + j] = v0; /* v = (v0, K[j+1.., j]) */
        for (int c = j + 1; c < q; c++) {
            double s = 0;
            for (int i = j; i < rh; i++) s += K[(size_t)i * q + j] * K[(size_t)i * q + c];
            double f = vnorm2 > 0 ? 2.0 * s / vnorm2 : 0;
            for (int i = j; i < rh; i++) K[(size_t)i * q + c] -= f * K[(size_t)i * q + j];
        }
        K[(size_t)j * q + j] = alpha;
        for (int i = j + 1; i < rh; i++) K[(size_t)i * q + j] = 0;
    }
    for (int i = 0; i < q; i++)
        for (int j = 0; j < q; j++) R[(size_t)i * q + j] = i <= j && i < rh ? K[(size_t)i * q + j] : 0;
    double s = 0;
    for (int i = 0; i < q; i++)
        for (int j = 0; j < q; j++) {
            double e = 0;
            for (int k = 0; k < q; k++)
                e += (k < r1 ? 1.0 : -1.0) * R[(size_t)i * q + k] * R[(size_t)j * q + k];
            s += e * e;
        }
    return ibp__sqrt(s);
}

double ibp__metrics_mf_balance(ibp_run *r) {
    const ibp__model *m = &r->m;
    int rr = m->mf_r;
    double *G1 = r->mw, *G2 = G1 + (size_t)rr * rr;
    ibp__gemm_tn(rr, rr, m->mf_rows, r->theta + m->L[0].off, r->theta + m->L[0].off, G1, 0);
    ibp__gemm_tn(rr, rr, m->mf_cols, r->theta + m->L[1].off, r->theta + m->L[1].off, G2, 0);
    double s = 0;
    for (long i = 0; i < (long)rr * rr; i++) { double dd = G1[i] - G2[i]; s += dd * dd; }
    return ibp__sqrt(s);
}

/* Top two singular values and the top singular vectors of every trained layer, from the
 * eigendecomposition of the smaller Gram matrix. Stored in r->msv per layer as
 * s1, s2, u1 (rows), v1 (cols). */
static void ibp__svd_all(ibp_run *r) {
    const ibp__model *m = &r->m;
    int tl[IBP__MAX_LAYERS], nt = ibp__trained_layers(m, tl);
    double *out = r->msv;
    for (int t = 0; t < nt; t++) {
        const ibp__layer *ly = &m->L[tl[t]];
        int rows = ly->rows, cols = ly->cols, g = rows < cols ? rows : cols;
        const double *W = r->theta + ly->off;
        double *G = r->mw, *V = G + (size_t)g * g, *w = V + (size_t)g * g, *scr = w + g, *tmp = scr + 2 * g;
        double *u1 = out + 2, *v1 = u1 + rows;
        if (cols <= rows) ibp__gemm_tn(cols, cols, rows, W, W, G, 0); /* W^T W */
        else ibp__gram_rows(rows, cols, W, G, tmp + g);                  /* W W^T */
        double s1 = IBP_NAN, s2 = IBP_NAN;
        if (ibp__eigh(g, G, w, V, scr) == 0) {
            s1 = ibp__sqrt(w[g - 1] > 0 ? w[g - 1] : 0);
            s2 = g >= 2 ? ibp__sqrt(w[g - 2] > 0 ? w[g - 2] : 0) : 0;
            for (int i = 0; i < g; i++) tmp[i] = V[(size_t)i * g + (g - 1)]; /* top eigenvector */
            if (cols <= rows) {
                memcpy(v1, tmp, sizeof(double) * (size_t)cols);
                ibp__gemv_n(rows, cols, W, v1, u1, 0);
                for (int i = 0; i < rows; i++) u1[i] = s1 > 0 ? u1[i] / s1 : 0;
            } else {
                memcpy(u1, tmp, sizeof(double) * (size_t)rows);
                ibp__gemv_t(rows, cols, W, u1, v1, 0);
                for (int i = 0; i < cols; i++) v1[i] = s1 > 0 ? v1[i] / s1 : 0;
            }
        }
        out[0] = s1;
        out[1] = s2;
        out += 2 + rows + cols;
    }
}

double ibp__metrics_svd(ibp_run *r, ibp__mcache *mc, int kind, int t) {
    if (!mc->have_svd) { ibp__svd_all(r); mc->have_svd = 1; }
    const ibp__model *m = &r->m;
    int tl[IBP__MAX_LAYERS];
    ibp__trained_layers(m, tl);
    const double *p = r->msv;
    for (int i = 0; i < t; i++) p += 2 + m->L[tl[i]].rows + m->L[tl[i]].cols;
    if (kind == IBP__COL_SV1) return p[0];
    if (kind == IBP__COL_SV2) return p[1];
    if (kind == IBP__COL_SV_RATIO) return p[0] > 0 ? p[1] / p[0] : IBP_NAN;
    /* alignment: |<u1(W_t), v1(W_{t+1})>|, both in the space between the two layers */
    const ibp__layer *ly = &m->L[tl[t]];
    const double *u1 = p + 2;
    const double *q = p + 2 + ly->rows + ly->cols;
    const double *v1n = q + 2 + m->L[tl[t + 1]].rows;
    return ibp__fabs(ibp__dot(u1, v1n, ly->rows));
}

double ibp__metrics_wprod_dist(ibp_run *r) {
    const ibp__model *m = &r->m;
    if (!r->D.wstar) return IBP_NAN;
    int k = m->k, d = m->d;
    /* E = alpha_L W_L ... alpha_1 W_1 (k, d), multiplied from the output side */
    size_t maxw = 0;
    for (int i = 0; i < m->nl; i++) {
        if ((size_t)m->L[i].cols > maxw) maxw = (size_t)m->L[i].cols;
        if ((size_t)m->L[i].rows > maxw) maxw = (size_t)m->L[i].rows;
    }
    double *E = r->mw, *T = E + (size_t)k * maxw; /* (k, width) each */
    const ibp__layer *top = &m->L[m->nl - 1];
    const double *Wt = top->off >= 0 ? r->theta + top->off : top->fixed;
    for (long i = 0; i < (long)k * top->cols; i++) E[i] = top->alpha * Wt[i];
    for (int l = m->nl - 2; l >= 0; l--) {
        const ibp__layer *ly = &m->L[l];
        ibp__gemm_nn(k, ly->cols, ly->rows, E, r->theta + ly->off, T, 0);
        for (long i = 0; i < (long)k * ly->cols; i++) E[i] = ly->alpha * T[i];
    }
    double s = 0;
    for (int o = 0; o < k; o++)
        for (int i = 0; i < d; i++) {
            double dd = E[(size_t)o * d + i] - r->D.wstar[(size_t)i * k + o];
            s += dd * dd;
        }
    return ibp__sqrt(s);
}

/* beta_phi = sup |phi''| of the activation (science.md B) */
static double ibp__beta_phi(int act, double prm) {
    switch (act) {
    case IBP__ACT_LEAKY_SOFTPLUS: return (1.0 - prm) / 4.0;
    case IBP__ACT_SOFTPLUS: return prm / 4.0;
    case IBP__ACT_TANH: return 0.769800358919501;  /* 4 / (3 sqrt 3) */
    case IBP__ACT_GELU: return 0.797884560802865;  /* 2 phi(0) = sqrt(2/pi) */
    default: return 0.0;
    }
}

double ibp__metrics_cai_threshold(const ibp_run *r) {
    /* L <= 1/(eta (rho^2 + beta)), rho^2 = R^2/m, beta = beta_phi R^2/m */
    double mw = (double)r->m.L[0].rows;
    double rho2 = r->cai_r2 / mw, beta = ibp__beta_phi(r->m.act, r->m.act_param) * r->cai_r2 / mw;
    return 1.0 / (r->eta_next * (rho2 + beta));
}
