/* layout.c -- where a run keeps what a viewer draws: the named arrays of theta (their offsets in
 * ibp_run_params and their shapes), the input's shape and memory order and, for image data, the
 * classes behind the targets; and one sample of the training or test set as the model sees it.
 * The page draws a CNN's first-layer filters (K1, (C_out, C_in, kh, kw)) as a view of theta and
 * an image grid from samples, without writing or parsing the params JSON on every frame. */
#include <stdio.h>
#include <string.h>
#include "run/run_internal.h"

size_t ibp_run_layout_json(const ibp_run *r, char *buf, size_t cap) {
    const ibp__model *m = &r->m;
    const ibp__config *c = &r->c;
    ibp__buf b = {buf, cap, 0};
    ibp__buf_printf(&b, "{\"P\":%ld,\"n\":%d,\"n_test\":%d,\"k\":%d,\"input\":", (long)m->P, r->D.n, r->D.n_test, r->D.k);
    if (m->kind == IBP__MODEL_MF) {
        ibp__buf_puts(&b, "null");
    } else {
        int ch, h, w, dims = ibp__config_in_shape(c, &ch, &h, &w);
        if (m->kind != IBP__MODEL_CNN && c->data != IBP__DATA_FASHION_MNIST)
            ibp__buf_printf(&b, "{\"d\":%d,\"shape\":[%d],\"order\":\"feature\"}", r->D.d, r->D.d);
        else if (dims == 2)
            ibp__buf_printf(&b, "{\"d\":%d,\"shape\":[%d,%d,%d],\"order\":\"y,x,channel\"}", r->D.d, h, w, ch);
        else
            ibp__buf_printf(&b, "{\"d\":%d,\"shape\":[%d,%d],\"order\":\"x,channel\"}", r->D.d, w, ch);
    }
    if (c->data == IBP__DATA_FASHION_MNIST) { /* target j (or +1, -1 for two) is class classes[j] */
        ibp__buf_puts(&b, ",\"classes\":[");
        for (int i = 0; i < ibp__config_nclasses(c); i++) ibp__buf_printf(&b, "%s%d", i ? "," : "", ibp__config_class(c, i));
        ibp__buf_puts(&b, "]");
    }
    ibp__buf_puts(&b, ",\"params\":[");
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int shape[4], ns = ibp__layer_shape(m, i, shape);
        ibp__buf_printf(&b, "%s{\"name\":\"%s\",\"offset\":%ld,\"shape\":[", i ? "," : "", ly->name, (long)ly->off);
        for (int q = 0; q < ns; q++) ibp__buf_printf(&b, "%s%d", q ? "," : "", shape[q]);
        ibp__buf_printf(&b, "],\"trained\":%s}", ly->off >= 0 ? "true" : "false");
        if (ly->boff >= 0) {
            char bn[8];
            ibp__layer_bias_name(m, i, bn, sizeof bn);
            ibp__buf_printf(&b, ",{\"name\":\"%s\",\"offset\":%ld,\"shape\":[%d],\"trained\":true}", bn, (long)ly->boff,
                            ly->rows);
        }
    }
    ibp__buf_puts(&b, "]}");
    return ibp__buf_finish(&b);
}

int ibp_run_sample(const ibp_run *r, int test, int index, double *x, double *y) {
    const ibp__data *D = &r->D;
    int n = test ? D->n_test : D->n;
    if (r->m.kind == IBP__MODEL_MF || index < 0 || index >= n) return IBP_E_ARG;
    const double *xs = test ? D->xt : D->x, *ys = test ? D->yt : D->y;
    if (x) memcpy(x, xs + (size_t)index * D->d, sizeof(double) * (size_t)D->d);
    if (y) memcpy(y, ys + (size_t)index * D->k, sizeof(double) * (size_t)D->k);
    return IBP_OK;
}
