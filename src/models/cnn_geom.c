/* cnn_geom.c -- the geometry of convolutional networks (model=cnn): the layer table from the
 * config, im2col and its adjoint col2im, the kernel's two column orders, and the names and shapes
 * the params JSON uses.
 *
 * A CNN is conv layers L[0..nconv), then the pooling (flat: the last activation read as one
 * vector per sample, position-major with the channels innermost; avg: the mean over positions,
 * one feature per channel), then dense layers exactly as in an MLP. Conv layer h has the kernel
 * K_h (C_out, C_in, kh, kw) and the bias c_h (C_out,); in im2col form
 *   col[(s, oy, ox), (i, j, c)] = A[s, (oy sh + i - pt, ox sw + j - pl), c]   (0 outside: padding)
 *   Z[(s, oy, ox), :] = alpha col Kp^T + c_h
 * so every conv is the GEMM of an MLP layer on the patch matrix. The patch columns run (i, j, c),
 * channels innermost like the activations, so a kernel row of a patch is one contiguous copy;
 * theta keeps PyTorch's (c, i, j). Kp is K with its columns permuted to the patch order
 * (ibp__cnn_kperm), and a gradient computed in patch order goes back with ibp__cnn_kunperm. padding=valid has no zeros and
 * out = (in - k) / s + 1 positions per dimension; padding=same has ceil(in / s), with the zeros
 * split as TensorFlow does: (out - 1) s + k - in in all, the smaller half above / to the left.
 *
 * Summation orders (fixed, so every platform gets the same bits): col2im adds, for each input
 * element, the patch entries that read it in the order (oy, ox) ascending, then (i, j). */
#include <stdio.h>
#include <string.h>
#include "models/models.h"
#include "numerics/simd.h"

static int ibp__out_size(int in, int k, int s, int same, int *pad) {
    if (same) {
        int out = (in + s - 1) / s, tot = (out - 1) * s + k - in;
        *pad = tot > 0 ? tot / 2 : 0;
        return out;
    }
    *pad = 0;
    return in < k ? 0 : (in - k) / s + 1;
}

int ibp__cnn_setup(ibp__model *m, const ibp__config *c, char *err, size_t errlen) {
    int ch, h, w, dims = ibp__config_in_shape(c, &ch, &h, &w);
    m->d = c->d;
    m->k = c->out;
    m->pool = c->pool;
    if ((int64_t)ch * h * w != c->d) {
        if (dims == 2)
            return ibp__fail(err, errlen, IBP_E_CONFIG, "in_shape=%d,%d,%d gives %lld inputs per sample, but the data "
                             "have d=%d: C*H*W must be d", ch, h, w, (long long)ch * h * w, c->d);
        return ibp__fail(err, errlen, IBP_E_CONFIG, "in_shape=%d,%d gives %lld inputs per sample, but the data have "
                         "d=%d: C*L must be d", ch, w, (long long)ch * w, c->d);
    }
    int nconv = ibp__config_nconv(c), fixed_head = c->head != IBP__HEAD_TRAIN;
    m->nconv = nconv;
    m->nl = nconv + c->depth + fixed_head;
    if (m->nl > IBP__MAX_LAYERS)
        return ibp__fail(err, errlen, IBP_E_CONFIG, "conv has %d layers and depth=%d: at most %d layers in all", nconv,
                         c->depth, IBP__MAX_DEPTH);
    int64_t off = 0;
    int bias = c->bias, same = c->padding == IBP__PAD_SAME;
    for (int i = 0; i < m->nl; i++) {
        ibp__layer *ly = &m->L[i];
        int is_conv = i < nconv, is_head = fixed_head && i == m->nl - 1;
        int rows, cols;
        if (is_conv) {
            ibp__conv *g = &m->cv[i];
            int K = (int)c->conv.v[2 * i + 1], s = c->stride.n ? (int)c->stride.v[c->stride.n == 1 ? 0 : i] : 1;
            g->dims = dims;
            g->cin = ch; g->hin = h; g->win = w;
            g->kw = K; g->kh = dims == 2 ? K : 1;
            g->sw = s; g->sh = dims == 2 ? s : 1;
            g->hout = ibp__out_size(h, g->kh, g->sh, same, &g->pt);
            g->wout = ibp__out_size(w, g->kw, g->sw, same, &g->pl);
            if (g->hout < 1 || g->wout < 1) {
                if (dims == 2)
                    return ibp__fail(err, errlen, IBP_E_CONFIG, "conv layer %d: its %dx%d kernel is larger than its %dx%d input "
                                     "(padding=valid): use a smaller kernel, fewer layers, or padding=same", i + 1, K, K, h, w);
                return ibp__fail(err, errlen, IBP_E_CONFIG, "conv layer %d: its kernel %d is longer than its input of %d "
                                 "positions (padding=valid): use a smaller kernel, fewer layers, or padding=same", i + 1, K, w);
            }
            rows = (int)c->conv.v[2 * i];
            if ((int64_t)ch * g->kh * g->kw > 2147483647 / 8)
                return ibp__fail(err, errlen, IBP_E_MEMORY, "conv layer %d has %lld inputs per output: far above any memory cap",
                                 i + 1, (long long)ch * g->kh * g->kw);
            cols = ch * g->kh * g->kw;
            snprintf(ly->name, sizeof ly->name, "K%d", i + 1);
            ch = rows; h = g->hout; w = g->wout;
            if (i == nconv - 1) {
                int64_t f = m->pool == IBP__POOL_AVG ? ch : (int64_t)ch * h * w;
                if (f > 2147483647 / 8)
                    return ibp__fail(err, errlen, IBP_E_MEMORY, "the convolutions give %lld features: far above any memory cap",
                                     (long long)f);
                m->feat = (int)f;
            }
        } else {
            int fan_in = i == nconv ? m->feat : m->L[i - 1].rows;
            int hd = i - nconv + 1; /* dense layer index among the dense layers, 1-based */
            rows = i == m->nl - 1 ? c->out : ibp__config_width(c, hd);
            cols = fan_in;
            if (is_head) snprintf(ly->name, sizeof ly->name, "head");
            else snprintf(ly->name, sizeof ly->name, "W%d", i + 1);
        }
        ly->rows = rows;
        ly->cols = cols;
        if (is_head) {
            ly->off = -1; ly->boff = -1; ly->alpha = 1.0;
            continue;
        }
        if (off + (int64_t)rows * cols + rows > 2147483647)
            return ibp__fail(err, errlen, IBP_E_MEMORY, "the model has more than 2^31 trained parameters (layer %d is "
                             "%d x %d): far above any memory cap", i + 1, rows, cols);
        ly->off = (long)off;
        off += (int64_t)rows * cols;
        ly->boff = -1;
        if (bias) { ly->boff = (long)off; off += rows; }
        ly->alpha = (c->param == IBP__PARAM_NTK && i >= 1) || c->param == IBP__PARAM_NTK_ALL
                        ? 1.0 / ibp__sqrt((double)cols) : 1.0;
    }
    m->P = (long)off;
    if (c->head == IBP__HEAD_VALUES) {
        const ibp__layer *hl = &m->L[m->nl - 1];
        if ((int64_t)c->head_values.n != (int64_t)hl->rows * hl->cols)
            return ibp__fail(err, errlen, IBP_E_CONFIG, "head has %d values: the fixed head is (out, features) = (%d, %d), "
                             "%lld values", c->head_values.n, hl->rows, hl->cols, (long long)hl->rows * hl->cols);
    }
    return IBP_OK;
}

double ibp__cnn_act_doubles(const ibp__model *m) {
    double s = 0;
    for (int i = 0; i + 1 < m->nl; i++)
        s += (double)m->L[i].rows * (i < m->nconv ? (double)m->cv[i].hout * m->cv[i].wout : 1.0);
    return s;
}

void ibp__cnn_im2col(const ibp__conv *g, const double *X, int nb, double *col) {
    int C = g->cin, kw = g->kw, cols = C * g->kh * kw, run = kw * C;
    long in_s = (long)g->hin * g->win * C;
    double *row = col;
    for (int s = 0; s < nb; s++) {
        const double *x = X + (long)s * in_s;
        for (int oy = 0; oy < g->hout; oy++)
            for (int ox = 0; ox < g->wout; ox++, row += cols) {
                int x0 = ox * g->sw - g->pl, inside = x0 >= 0 && x0 + kw <= g->win;
                for (int i = 0; i < g->kh; i++) {
                    int y = oy * g->sh + i - g->pt;
                    double *dst = row + i * run;
                    if (y < 0 || y >= g->hin) {
                        memset(dst, 0, sizeof(double) * (size_t)run);
                    } else if (inside) { /* the kernel row's kw positions are adjacent: one copy */
                        memcpy(dst, x + ((long)y * g->win + x0) * C, sizeof(double) * (size_t)run);
                    } else {
                        for (int j = 0; j < kw; j++) {
                            int xx = x0 + j;
                            if (xx < 0 || xx >= g->win) memset(dst + j * C, 0, sizeof(double) * (size_t)C);
                            else memcpy(dst + j * C, x + ((long)y * g->win + xx) * C, sizeof(double) * (size_t)C);
                        }
                    }
                }
            }
    }
}

/* y[0..n) += x[0..n), elementwise (each element its own sum) */
static void ibp__cnn_addrun(double *y, const double *x, int n) {
    int j = 0;
    for (; j + 2 <= n; j += 2) ibp_v_store(y + j, ibp_v_add(ibp_v_load(y + j), ibp_v_load(x + j)));
    for (; j < n; j++) y[j] = y[j] + x[j];
}

void ibp__cnn_col2im(const ibp__conv *g, const double *col, int nb, double *dX) {
    int C = g->cin, kw = g->kw, cols = C * g->kh * kw, run = kw * C;
    long in_s = (long)g->hin * g->win * C;
    memset(dX, 0, sizeof(double) * (size_t)nb * (size_t)in_s);
    const double *row = col;
    for (int s = 0; s < nb; s++) {
        double *x = dX + (long)s * in_s;
        for (int oy = 0; oy < g->hout; oy++)
            for (int ox = 0; ox < g->wout; ox++, row += cols) {
                int x0 = ox * g->sw - g->pl, inside = x0 >= 0 && x0 + kw <= g->win;
                for (int i = 0; i < g->kh; i++) {
                    int y = oy * g->sh + i - g->pt;
                    if (y < 0 || y >= g->hin) continue;
                    if (inside) {
                        ibp__cnn_addrun(x + ((long)y * g->win + x0) * C, row + i * run, run);
                        continue;
                    }
                    for (int j = 0; j < kw; j++) {
                        int xx = x0 + j;
                        if (xx >= 0 && xx < g->win)
                            ibp__cnn_addrun(x + ((long)y * g->win + xx) * C, row + i * run + j * C, C);
                    }
                }
            }
    }
}

int ibp__cnn_permuted(const ibp__conv *g) { return g->cin > 1 && g->kh * g->kw > 1; }

void ibp__cnn_kperm(const ibp__conv *g, int rows, const double *K, double *Kp) {
    int C = g->cin, kk = g->kh * g->kw, cols = C * kk;
    for (int o = 0; o < rows; o++)
        for (int q = 0; q < kk; q++)
            for (int c = 0; c < C; c++) Kp[(long)o * cols + q * C + c] = K[(long)o * cols + c * kk + q];
}

void ibp__cnn_kunperm(const ibp__conv *g, int rows, const double *Gp, double alpha, double *G) {
    int C = g->cin, kk = g->kh * g->kw, cols = C * kk;
    for (int o = 0; o < rows; o++)
        for (int q = 0; q < kk; q++)
            for (int c = 0; c < C; c++) G[(long)o * cols + c * kk + q] = alpha * Gp[(long)o * cols + q * C + c];
}

void ibp__layer_bias_name(const ibp__model *m, int i, char *out, size_t cap) {
    int conv = m->kind == IBP__MODEL_CNN && i < m->nconv;
    snprintf(out, cap, "%c%s", conv ? 'c' : 'b', m->L[i].name + 1);
}

int ibp__layer_shape(const ibp__model *m, int i, int *shape) {
    const ibp__layer *ly = &m->L[i];
    shape[0] = ly->rows;
    if (m->kind == IBP__MODEL_CNN && i < m->nconv) {
        const ibp__conv *g = &m->cv[i];
        shape[1] = g->cin;
        if (g->dims == 1) { shape[2] = g->kw; return 3; }
        shape[2] = g->kh;
        shape[3] = g->kw;
        return 4;
    }
    shape[1] = ly->cols;
    return 2;
}
