/* probe.c -- pictures of the data and the model, for the page's data and model view: the training
 * and test sets as arrays, the model's outputs on any inputs (a decision boundary over a grid of
 * the plane, a fitted curve, predictions against targets), and the layer table with pointers to
 * each layer's weights (the network drawing, its weight colours and per-layer norms).
 *
 * Observation never changes the trajectory: ibp_run_predict runs the forward pass through a
 * workspace of its own (carved at creation, IBP__PROBE_ROWS rows at a time), so the training
 * workspace, the cached gradient and the outputs kept for the metrics are untouched. */
#include <string.h>
#include "run/run_internal.h"

/* Rows per block of the probe's forward pass: up to 64, fewer when one block of a very wide model
 * would need more than 8 MiB of workspace. */
int ibp__probe_rows(const ibp_run *r, int nmax) {
    if (r->m.kind == IBP__MODEL_MF || nmax < 1) return 0;
    int rows = nmax < 64 ? nmax : 64;
    while (rows > 1 && ibp__model_ws_doubles(&r->m, rows) > (size_t)1 << 20) rows /= 2;
    return rows;
}

void ibp__probe_carve(ibp_run *r, ibp__arena *a, int nmax) {
    int rows = ibp__probe_rows(r, nmax);
    double *ws = ibp__arena_doubles(a, rows ? ibp__model_ws_doubles(&r->m, rows) : 0);
    if (!a->base) return;
    r->probe_ws = ws;
    r->probe_rows = rows;
}

const double *ibp_run_data_x(const ibp_run *r, int test) {
    if (r->m.kind == IBP__MODEL_MF) return NULL;
    return test ? r->D.xt : r->D.x;
}
/* mf: the target A (rows, cols), as the "targets" of its rows (no test set) */
const double *ibp_run_data_y(const ibp_run *r, int test) {
    if (r->m.kind == IBP__MODEL_MF) return test ? NULL : r->m.A;
    return test ? r->D.yt : r->D.y;
}
int ibp_run_data_n(const ibp_run *r, int test) {
    if (r->m.kind == IBP__MODEL_MF) return test ? 0 : r->m.mf_rows;
    return test ? r->D.n_test : r->D.n;
}
int ibp_run_dim_in(const ibp_run *r) { return r->m.kind == IBP__MODEL_MF ? 0 : r->m.d; }
int ibp_run_dim_out(const ibp_run *r) { return r->m.kind == IBP__MODEL_MF ? r->m.mf_cols : r->m.k; }

int ibp_run_predict(ibp_run *r, const double *x /* (n, d) */, int64_t n, double *f /* (n, k) */,
                    char *err, size_t errlen) {
    if (r->m.kind == IBP__MODEL_MF)
        return ibp__fail(err, errlen, IBP_E_STATE, "matrix factorization has no inputs: its output is the matrix X Y^T");
    if (n < 0 || (n > 0 && (!x || !f))) return ibp__fail(err, errlen, IBP_E_ARG, "predict: %lld inputs", (long long)n);
    ibp__model pm = r->m; /* the same layers and weights, the probe's workspace */
    ibp__model_bind_ws(&pm, r->probe_ws, r->probe_rows);
    int d = r->m.d, k = r->m.k;
    for (int64_t i = 0; i < n; i += r->probe_rows) {
        int nb = (int)(n - i < r->probe_rows ? n - i : r->probe_rows);
        ibp__model_forward(&pm, r->theta, x + (size_t)i * d, nb, f + (size_t)i * k);
    }
    return IBP_OK;
}

int ibp_run_nlayers(const ibp_run *r) { return r->m.nl; }

int ibp_run_layer(const ibp_run *r, int i, int *rows, int *cols, int *trained, double *alpha,
                  const double **w, const double **b) {
    if (i < 0 || i >= r->m.nl) return IBP_E_ARG;
    const ibp__layer *ly = &r->m.L[i];
    if (rows) *rows = ly->rows;
    if (cols) *cols = ly->cols;
    if (trained) *trained = ly->off >= 0;
    if (alpha) *alpha = ly->alpha;
    if (w) *w = ly->off >= 0 ? r->theta + ly->off : ly->fixed;
    if (b) *b = ly->boff >= 0 ? r->theta + ly->boff : NULL;
    return IBP_OK;
}
