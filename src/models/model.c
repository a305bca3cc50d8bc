/* model.c -- the layer table of a model from its config, and dispatch to the families.
 *
 * theta layout (P,): for each trained layer h = 1..: W_h (rows, cols) row-major, then b_h (rows,)
 * when the model has biases. A fixed head (head=pm|unit|<list>) is a last layer outside theta.
 * mf: X (rows, r) then Y (cols, r). cnn (cnn_geom.c): K_h (C_out, C_in kh kw) and its bias c_h for each
 * convolution, then the dense layers W_h, b_h. */
#include <stdio.h>
#include <string.h>
#include "models/models.h"

int ibp__model_setup(ibp__model *m, const ibp__config *c, char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    m->kind = c->model;
    m->loss = c->loss;
    m->act = c->model == IBP__MODEL_MLP || c->model == IBP__MODEL_CNN ? c->act : IBP__ACT_IDENTITY;
    m->act_param = c->act_param;
    if (c->model == IBP__MODEL_MF) {
        int r = c->factor_rank > 0 ? c->factor_rank : c->rank;
        m->mf_rows = c->rows; m->mf_cols = c->cols; m->mf_r = r;
        m->nl = 2;
        ibp__layer *X = &m->L[0], *Y = &m->L[1];
        strcpy(X->name, "X"); X->rows = c->rows; X->cols = r; X->off = 0; X->boff = -1; X->alpha = 1;
        strcpy(Y->name, "Y"); Y->rows = c->cols; Y->cols = r; Y->off = (long)c->rows * r;
        Y->boff = -1; Y->alpha = 1;
        if ((int64_t)(c->rows + c->cols) * r > 2147483647)
            return ibp__fail(err, errlen, IBP_E_MEMORY, "the factors have more than 2^31 parameters");
        m->P = (long)(c->rows + c->cols) * r;
        m->d = 0; m->k = 0;
        return IBP_OK;
    }
    if (c->model == IBP__MODEL_CNN) return ibp__cnn_setup(m, c, err, errlen);
    int fixed_head = c->head != IBP__HEAD_TRAIN;
    int trained = c->depth;
    m->nl = trained + fixed_head;
    if (m->nl > IBP__MAX_LAYERS)
        return ibp__fail(err, errlen, IBP_E_CONFIG, "depth=%d: at most %d layers", c->depth, IBP__MAX_DEPTH);
    m->d = c->d; m->k = c->out;
    int bias = c->model == IBP__MODEL_MLP && c->bias;
    int64_t off = 0; /* 64-bit even on wasm32: a huge config must be refused, not wrapped */
    int fan_in = c->d;
    for (int h = 1; h <= m->nl; h++) {
        ibp__layer *ly = &m->L[h - 1];
        int rows = h == m->nl ? c->out : ibp__config_width(c, h);
        ly->rows = rows; ly->cols = fan_in;
        int is_head = fixed_head && h == m->nl;
        if (is_head) {
            snprintf(ly->name, sizeof ly->name, "head");
            ly->off = -1; ly->boff = -1; ly->alpha = 1.0;
        } else {
            snprintf(ly->name, sizeof ly->name, "W%d", h);
            if (off + (int64_t)rows * fan_in + rows > 2147483647)
                return ibp__fail(err, errlen, IBP_E_MEMORY, "the model has more than 2^31 trained parameters "
                                 "(layer %d is %d x %d): far above any memory cap", h, rows, fan_in);
            ly->off = (long)off; off += (int64_t)rows * fan_in;
            ly->boff = -1;
            if (bias) { ly->boff = (long)off; off += rows; }
            ly->alpha = (c->param == IBP__PARAM_NTK && h >= 2) || c->param == IBP__PARAM_NTK_ALL
                            ? 1.0 / ibp__sqrt((double)fan_in) : 1.0;
        }
        fan_in = rows;
    }
    m->P = (long)off;
    if (m->P <= 0) return ibp__fail(err, errlen, IBP_E_CONFIG, "the model has no trained parameters");
    return IBP_OK;
}

size_t ibp__model_fixed_doubles(const ibp__model *m) {
    if (m->kind == IBP__MODEL_MF) return (size_t)m->mf_rows * m->mf_cols;
    const ibp__layer *last = &m->L[m->nl - 1];
    return last->off < 0 ? (size_t)last->rows * last->cols : 0;
}

void ibp__model_bind_fixed(ibp__model *m, double *fixed) {
    if (m->kind == IBP__MODEL_MF) { m->A = fixed; return; }
    ibp__layer *last = &m->L[m->nl - 1];
    if (last->off < 0) last->fixed = fixed;
}

size_t ibp__model_ws_doubles(const ibp__model *m, int nmax) {
    switch (m->kind) {
    case IBP__MODEL_LINEAR: return ibp__linear_ws_doubles(m, nmax);
    case IBP__MODEL_MLP: return ibp__mlp_ws_doubles(m, nmax);
    case IBP__MODEL_CNN: return ibp__cnn_ws_doubles(m, nmax);
    default: return ibp__mf_ws_doubles(m, nmax);
    }
}

int ibp__trained_layers(const ibp__model *m, int *idx) {
    int n = 0;
    for (int i = 0; i < m->nl; i++)
        if (m->L[i].off >= 0) idx[n++] = i;
    return n;
}

void ibp__model_bind_ws(ibp__model *m, double *ws, int nmax) {
    m->ws = ws;
    m->nmax = nmax;
    m->hk.valid = 0;
}

void ibp__model_forward(ibp__model *m, const double *theta, const double *x, int n, double *f) {
    IBP_CHECK(n <= m->nmax && m->kind != IBP__MODEL_MF);
    if (m->kind == IBP__MODEL_LINEAR) ibp__linear_forward(m, theta, x, n, f);
    else if (m->kind == IBP__MODEL_CNN) ibp__cnn_forward(m, theta, x, n, f);
    else ibp__mlp_forward(m, theta, x, n, f);
}

double ibp__model_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad) {
    switch (m->kind) {
    case IBP__MODEL_LINEAR: IBP_CHECK(b->n <= m->nmax); return ibp__linear_loss_grad(m, theta, b, grad);
    case IBP__MODEL_MLP: IBP_CHECK(b->n <= m->nmax); return ibp__mlp_loss_grad(m, theta, b, grad, NULL);
    case IBP__MODEL_CNN: IBP_CHECK(b->n <= m->nmax); return ibp__cnn_loss_grad(m, theta, b, grad, NULL);
    default: return ibp__mf_loss_grad(m, theta, grad);
    }
}

double ibp__model_loss_grad_f(ibp__model *m, const double *theta, const ibp__batch *b,
                              double *grad, double *f, int *have_f) {
    *have_f = (m->kind == IBP__MODEL_MLP || m->kind == IBP__MODEL_CNN) && f != NULL;
    if (!*have_f) return ibp__model_loss_grad(m, theta, b, grad);
    IBP_CHECK(b->n <= m->nmax);
    if (m->kind == IBP__MODEL_CNN) return ibp__cnn_loss_grad(m, theta, b, grad, f);
    return ibp__mlp_loss_grad(m, theta, b, grad, f);
}

void ibp__model_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                    double *hv) {
    switch (m->kind) {
    case IBP__MODEL_LINEAR: IBP_CHECK(b->n <= m->nmax); ibp__linear_hvp(m, theta, b, v, hv); break;
    case IBP__MODEL_MLP: IBP_CHECK(b->n <= m->nmax); ibp__mlp_hvp(m, theta, b, v, hv); break;
    case IBP__MODEL_CNN: IBP_CHECK(b->n <= m->nmax); ibp__cnn_hvp(m, theta, b, v, hv); break;
    default: ibp__mf_hvp(m, theta, v, hv);
    }
}

void ibp__model_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                     double *out, int ntk) {
    switch (m->kind) {
    case IBP__MODEL_LINEAR: ibp__linear_gnvp(m, theta, b, v, out, ntk); break;
    case IBP__MODEL_MLP: ibp__mlp_gnvp(m, theta, b, v, out, ntk); break;
    case IBP__MODEL_CNN: IBP_CHECK(b->n <= m->nmax); ibp__cnn_gnvp(m, theta, b, v, out, ntk); break;
    default: ibp__mf_gnvp(m, theta, v, out);
    }
}
