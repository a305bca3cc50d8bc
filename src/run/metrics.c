/* metrics.c -- the metrics table: which columns a run has (chosen from its config and model
 * before anything is allocated), and one row per logged step. Cheap quantities are computed on
 * every row; spectral ones (sharpness, singular values) on measured rows; elsewhere they are NaN.
 * The model-aware quantities themselves are in metrics_model.c. */
#include <stdio.h>
#include <string.h>
#include "run/metrics.h"

static void ibp__col(ibp_run *r, const char *name, int kind, int h) {
    IBP_CHECK(r->ncols < IBP__MAX_COLS);
    size_t used = 0;
    for (int j = 0; j < r->ncols; j++) used += strlen(r->cols[j]) + 1;
    IBP_CHECK(used + strlen(name) + 1 <= sizeof r->colbuf);
    char *dst = r->colbuf + used;
    strcpy(dst, name);
    r->colkind[r->ncols] = (short)kind;
    r->colh[r->ncols] = (short)h;
    r->cols[r->ncols++] = dst;
}

void ibp__metrics_setup(ibp_run *r) {
    const ibp__config *c = &r->c;
    const ibp__model *m = &r->m;
    char name[32];
    int tl[IBP__MAX_LAYERS], nt = ibp__trained_layers(m, tl);
    r->ncols = 0;
    ibp__col(r, "step", IBP__COL_STEP, 0);
    ibp__col(r, "loss", IBP__COL_LOSS, 0);
    if (c->model != IBP__MODEL_MF && c->n_test > 0) ibp__col(r, "test_loss", IBP__COL_TEST_LOSS, 0);
    if (ibp__metrics_classification(c)) {
        ibp__col(r, "train_acc", IBP__COL_TRAIN_ACC, 0);
        if (c->n_test > 0) ibp__col(r, "test_acc", IBP__COL_TEST_ACC, 0);
        ibp__col(r, "margin", IBP__COL_MARGIN, 0);
    }
    ibp__col(r, "grad_norm", IBP__COL_GRAD_NORM, 0);
    ibp__col(r, "param_norm", IBP__COL_PARAM_NORM, 0);
    ibp__col(r, "dist_init", IBP__COL_DIST_INIT, 0);
    ibp__col(r, "lr", IBP__COL_LR, 0);
    if (m->P == 2) {
        ibp__col(r, "theta1", IBP__COL_THETA, 0);
        ibp__col(r, "theta2", IBP__COL_THETA, 1);
    }
    if (c->ntk) ibp__col(r, "ntk", IBP__COL_NTK, 0);
    if (c->measure) {
        ibp__col(r, "sharpness", IBP__COL_SHARP, 0);
        ibp__col(r, "sharpness_resid", IBP__COL_SHARP_RESID, 0);
        int k = c->topk < m->P ? c->topk : (int)m->P;
        for (int i = 2; i <= k; i++) { snprintf(name, sizeof name, "eig%d", i); ibp__col(r, name, IBP__COL_EIG, i - 1); }
        if (c->lambda_min) ibp__col(r, "lambda_min", IBP__COL_LMIN, 0);
        ibp__col(r, "edge_ratio", IBP__COL_EDGE, 0);
        ibp__col(r, "grad_proj", IBP__COL_GRAD_PROJ, 0);
        ibp__col(r, "hvps", IBP__COL_HVPS, 0);
    }
    /* layers: squared norms (a bias with its incoming weights) and balance gaps */
    if (nt >= 2 || c->model == IBP__MODEL_MF) {
        for (int t = 0; t < nt; t++) {
            snprintf(name, sizeof name, "layer%d_sq", t + 1);
            ibp__col(r, name, IBP__COL_LAYER_SQ, tl[t]);
        }
        for (int t = 0; t + 1 < nt; t++) {
            snprintf(name, sizeof name, "gap%d", t + 1);
            ibp__col(r, name, IBP__COL_GAP, t);
        }
    }
    if (c->model == IBP__MODEL_LINEAR) {
        for (int t = 0; t + 1 < nt; t++) {
            snprintf(name, sizeof name, "invariant%d", t + 1);
            ibp__col(r, name, IBP__COL_INVARIANT, t);
        }
    }
    if (c->model == IBP__MODEL_MF) ibp__col(r, "mf_balance", IBP__COL_MF_BALANCE, 0);
    if ((c->model == IBP__MODEL_LINEAR || c->model == IBP__MODEL_MF) && c->measure) {
        for (int t = 0; t < nt; t++) {
            snprintf(name, sizeof name, "sv%d_1", t + 1); ibp__col(r, name, IBP__COL_SV1, t);
            snprintf(name, sizeof name, "sv%d_2", t + 1); ibp__col(r, name, IBP__COL_SV2, t);
            snprintf(name, sizeof name, "sv_ratio%d", t + 1); ibp__col(r, name, IBP__COL_SV_RATIO, t);
        }
        if (c->model == IBP__MODEL_LINEAR)
            for (int t = 0; t + 1 < nt; t++) {
                snprintf(name, sizeof name, "align%d", t + 1);
                ibp__col(r, name, IBP__COL_ALIGN, t);
            }
    }
    if (ibp__metrics_has_wstar(c)) {
        ibp__col(r, "wprod_dist", IBP__COL_WPROD_DIST, 0);
        if (ibp__metrics_mc_bound(c)) {
            ibp__col(r, "s_min", IBP__COL_S_MIN, 0);
            if (c->measure) ibp__col(r, "s_ratio", IBP__COL_S_RATIO, 0);
        }
    }
    if (ibp__metrics_cai(c)) ibp__col(r, "cai_threshold", IBP__COL_CAI, 0);
    ibp__col(r, "events", IBP__COL_EVENTS, 0);
    /* the flows beside GD: their columns after GD's own */
    for (int kind = 0; kind < IBP__NFLOWS; kind++)
        for (int q = 0; q < IBP__NFQ; q++) {
            const char *fname = ibp__flow_colname(c, kind, q);
            if (fname) ibp__col(r, fname, IBP__COL_FLOW, kind * IBP__NFQ + q);
        }
}

void ibp__metrics_row(ibp_run *r, int measured) {
    if (r->nrows >= IBP__ROWS_CAP) return;
    const ibp__config *c = &r->c;
    double *row = r->rows + (size_t)r->nrows * r->ncols;
    ibp__mcache mc;
    memset(&mc, 0, sizeof mc);
    const ibp__eigres *e = &r->meas.hess;
    for (int j = 0; j < r->ncols; j++) {
        int h = r->colh[j];
        double v = IBP_NAN;
        switch (r->colkind[j]) {
        case IBP__COL_STEP: v = (double)r->t; break;
        case IBP__COL_LOSS: v = r->loss; break;
        case IBP__COL_TEST_LOSS: v = ibp__model_loss_grad(&r->m, r->theta, &r->test, NULL); break;
        case IBP__COL_TRAIN_ACC: ibp__metrics_outputs(r, &mc); v = mc.train_acc; break;
        case IBP__COL_TEST_ACC: ibp__metrics_outputs(r, &mc); v = mc.test_acc; break;
        case IBP__COL_MARGIN: ibp__metrics_outputs(r, &mc); v = mc.margin; break;
        case IBP__COL_GRAD_NORM: v = r->gnorm; break;
        case IBP__COL_PARAM_NORM: v = ibp__sqrt(ibp__sumsq(r->theta, r->m.P)); break;
        case IBP__COL_DIST_INIT: {
            double s = 0;
            for (long i = 0; i < r->m.P; i++) { double dd = r->theta[i] - r->theta0[i]; s += dd * dd; }
            v = ibp__sqrt(s);
            break;
        }
        case IBP__COL_LR: v = r->eta_next; break;
        case IBP__COL_THETA: v = r->theta[h]; break;
        case IBP__COL_NTK: if (measured) v = r->meas.ntk; break;
        case IBP__COL_SHARP: if (measured) v = e->val[0]; break;
        case IBP__COL_SHARP_RESID: if (measured) v = e->resid[0]; break;
        case IBP__COL_EIG: if (measured) v = e->val[h]; break;
        case IBP__COL_LMIN: if (measured) v = e->vmin; break;
        case IBP__COL_EDGE: if (measured) v = r->eta_next * e->val[0] / 2.0; break;
        case IBP__COL_GRAD_PROJ: if (measured) v = r->meas.grad_proj; break;
        case IBP__COL_HVPS: if (measured) v = (double)e->matvecs; break;
        case IBP__COL_LAYER_SQ: v = ibp__metrics_layer_sq(r, h); break;
        case IBP__COL_GAP: v = ibp__metrics_gap(r, h); break;
        case IBP__COL_INVARIANT: v = ibp__metrics_invariant(r, h); break;
        case IBP__COL_MF_BALANCE: v = ibp__metrics_mf_balance(r); break;
        case IBP__COL_SV1: case IBP__COL_SV2: case IBP__COL_SV_RATIO: case IBP__COL_ALIGN:
            if (measured) v = ibp__metrics_svd(r, &mc, r->colkind[j], h);
            break;
        case IBP__COL_WPROD_DIST: v = ibp__metrics_wprod_dist(r); break;
        case IBP__COL_S_MIN: v = r->s_min; break;
        case IBP__COL_S_RATIO: if (measured) v = e->val[0] / r->s_min; break;
        case IBP__COL_CAI: v = ibp__metrics_cai_threshold(r); break;
        case IBP__COL_EVENTS: v = (double)r->row_events; break;
        case IBP__COL_FLOW:
            if (r->flows && !r->flow_follow) v = ibp__flows_value(r->flows, h / IBP__NFQ, h % IBP__NFQ, r->theta, r->t, measured);
            break;
        }
        row[j] = v;
    }
    (void)c;
    r->row_events = 0;
    r->nrows++;
}

int ibp_run_ncols(const ibp_run *r) { return r->ncols; }
const char *ibp_run_column(const ibp_run *r, int j) { return j >= 0 && j < r->ncols ? r->cols[j] : NULL; }
int ibp_run_column_index(const ibp_run *r, const char *name) {
    for (int j = 0; name && j < r->ncols; j++)
        if (!strcmp(r->cols[j], name)) return j;
    return -1;
}
int ibp_run_nrows(const ibp_run *r) { return r->nrows; }
const double *ibp_run_rows(const ibp_run *r) { return r->rows; }
void ibp_run_clear_rows(ibp_run *r) { r->nrows = 0; }

size_t ibp_run_rows_jsonl(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    for (int i = 0; i < r->nrows; i++) {
        const double *row = r->rows + (size_t)i * r->ncols;
        for (int j = 0; j < r->ncols; j++) {
            ibp__buf_puts(&b, j ? "," : "{");
            ibp__buf_json_str(&b, r->cols[j]);
            ibp__buf_puts(&b, ":");
            double x = row[j]; /* JSON has no NaN or infinity: null = not measured (or NaN) */
            if (ibp__isnan(x)) ibp__buf_puts(&b, "null");
            else if (!ibp__isfinite(x)) ibp__buf_puts(&b, x > 0 ? "\"inf\"" : "\"-inf\"");
            else ibp__buf_double(&b, x);
        }
        ibp__buf_puts(&b, "}\n");
    }
    return ibp__buf_finish(&b);
}

size_t ibp_run_rows_csv(const ibp_run *r, int header, char *buf, size_t cap) {
    return ibp_run_csv_of_rows(r, r->rows, r->nrows, header, buf, cap);
}

/* rows: (nrows, ncols) read earlier from ibp_run_rows; the page keeps them as numbers and formats
 * them only when the table is exported (formatting costs a third of a step of the EoS run). */
size_t ibp_run_csv_of_rows(const ibp_run *r, const double *rows_in, int nrows, int header, char *buf,
                           size_t cap) {
    ibp__buf b = {buf, cap, 0};
    if (!rows_in || nrows < 0) nrows = 0;
    if (header) {
        for (int j = 0; j < r->ncols; j++) {
            if (j) ibp__buf_puts(&b, ",");
            ibp__buf_puts(&b, r->cols[j]);
        }
        ibp__buf_puts(&b, "\n");
    }
    for (int i = 0; i < nrows; i++) {
        const double *row = rows_in + (size_t)i * r->ncols;
        for (int j = 0; j < r->ncols; j++) {
            if (j) ibp__buf_puts(&b, ",");
            /* empty = not measured at this row; a NaN loss (divergence) is written as nan */
            if (!ibp__isnan(row[j]) || r->colkind[j] == IBP__COL_LOSS) ibp__buf_double(&b, row[j]);
        }
        ibp__buf_puts(&b, "\n");
    }
    return ibp__buf_finish(&b);
}
