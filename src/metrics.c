/* metrics.c -- the metrics table: which columns a run has, and one row per logged step.
 * Quantities not computed at a row (e.g. the sharpness between measurements) are NaN. */
#include <stdio.h>
#include <string.h>
#include "run_internal.h"

static void ibp__col(ibp_run *r, const char *name) {
    IBP_CHECK(r->ncols < IBP__MAX_COLS);
    size_t used = 0;
    for (int j = 0; j < r->ncols; j++) used += strlen(r->cols[j]) + 1;
    IBP_CHECK(used + strlen(name) + 1 <= sizeof r->colbuf);
    char *dst = r->colbuf + used;
    strcpy(dst, name);
    r->cols[r->ncols++] = dst;
}

void ibp__metrics_setup(ibp_run *r) {
    const ibp__config *c = &r->c;
    r->ncols = 0;
    ibp__col(r, "step");
    ibp__col(r, "loss");
    if (c->model != IBP__MODEL_MF && c->n_test > 0) ibp__col(r, "test_loss");
    ibp__col(r, "grad_norm");
    ibp__col(r, "param_norm");
    ibp__col(r, "lr");
    if (c->ntk) ibp__col(r, "ntk");
    if (c->measure) {
        ibp__col(r, "sharpness");
        ibp__col(r, "sharpness_resid");
        char name[16];
        int k = c->topk < r->m.P ? c->topk : (int)r->m.P;
        for (int i = 2; i <= k; i++) { snprintf(name, sizeof name, "eig%d", i); ibp__col(r, name); }
        if (c->lambda_min) ibp__col(r, "lambda_min");
        ibp__col(r, "edge_ratio");
        ibp__col(r, "hvps");
    }
}

void ibp__metrics_row(ibp_run *r, int measured) {
    if (r->nrows >= IBP__ROWS_CAP) return;
    const ibp__config *c = &r->c;
    double *row = r->rows + (size_t)r->nrows * r->ncols;
    int j = 0;
    row[j++] = (double)r->t;
    row[j++] = r->loss;
    if (r->test.n > 0) {
        double tl = ibp__model_loss_grad(&r->m, r->theta, &r->test, NULL);
        row[j++] = tl;
    }
    row[j++] = r->gnorm;
    row[j++] = ibp__sqrt(ibp__sumsq(r->theta, r->m.P));
    row[j++] = r->eta_next;
    if (c->ntk) row[j++] = measured ? r->meas.ntk : IBP_NAN;
    if (c->measure) {
        const ibp__eigres *e = &r->meas.hess;
        row[j++] = measured ? e->val[0] : IBP_NAN;
        row[j++] = measured ? e->resid[0] : IBP_NAN;
        int k = c->topk < r->m.P ? c->topk : (int)r->m.P;
        for (int i = 1; i < k; i++) row[j++] = measured ? e->val[i] : IBP_NAN;
        if (c->lambda_min) row[j++] = measured ? e->vmin : IBP_NAN;
        row[j++] = measured ? r->eta_next * e->val[0] / 2.0 : IBP_NAN;
        row[j++] = measured ? (double)e->matvecs : IBP_NAN;
    }
    IBP_CHECK(j == r->ncols);
    r->nrows++;
}

int ibp_run_ncols(const ibp_run *r) { return r->ncols; }
const char *ibp_run_column(const ibp_run *r, int j) { return j >= 0 && j < r->ncols ? r->cols[j] : NULL; }
int ibp_run_nrows(const ibp_run *r) { return r->nrows; }
const double *ibp_run_rows(const ibp_run *r) { return r->rows; }
void ibp_run_clear_rows(ibp_run *r) { r->nrows = 0; }

size_t ibp_run_rows_csv(const ibp_run *r, int header, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    if (header) {
        for (int j = 0; j < r->ncols; j++) {
            if (j) ibp__buf_puts(&b, ",");
            ibp__buf_puts(&b, r->cols[j]);
        }
        ibp__buf_puts(&b, "\n");
    }
    for (int i = 0; i < r->nrows; i++) {
        const double *row = r->rows + (size_t)i * r->ncols;
        for (int j = 0; j < r->ncols; j++) {
            if (j) ibp__buf_puts(&b, ",");
            if (!ibp__isnan(row[j]) || j == 1) ibp__buf_double(&b, row[j]); /* empty = not measured */
        }
        ibp__buf_puts(&b, "\n");
    }
    return ibp__buf_finish(&b);
}
