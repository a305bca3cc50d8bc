/* flow_params.c -- which flows a run has and where they are (ibp.h, "Flows beside GD: names and
 * parameters"): their column prefixes and names, read by the page so that it draws whatever
 * flows the engine runs and never keeps a list of its own, and their parameters theta, so the
 * trajectory view of a two-parameter model can draw each flow's path. In follow mode the states
 * at the flow rows are gone by the time the rows are read (one ibp_run_flow_step may integrate
 * through many rows), so for P <= IBP_FLOW_ROW_PARAMS_MAX each flow row keeps them beside it. */
#include <stdio.h>
#include <string.h>
#include "flows/flows.h"
#include "run/run_internal.h"

void ibp__flow_params_carve(ibp_run *r, ibp__arena *a) {
    long P = r->m.P;
    int nf = 0;
    for (int kind = 0; kind < IBP__NFLOWS; kind++)
        if (r->c.flow & (1 << kind)) nf++;
    size_t n = P <= IBP_FLOW_ROW_PARAMS_MAX ? (size_t)IBP__ROWS_CAP * (size_t)nf * (size_t)P : 0;
    double *th = ibp__arena_doubles(a, n);
    if (!a->base) return;
    r->frow_theta = n ? th : NULL;
    for (int i = 0; r->flows && i < r->flows->n; i++) {
        snprintf(r->fprefix[i], sizeof r->fprefix[i], "%s", ibp__flow_prefix(r->flows->f[i].kind));
        snprintf(r->flabel[i], sizeof r->flabel[i], "%s", ibp__flow_name(r->flows->f[i].kind));
    }
}

void ibp__flow_params_row(ibp_run *r, int row) {
    if (!r->frow_theta) return;
    const ibp__flows *fl = r->flows;
    long P = r->m.P;
    double *out = r->frow_theta + (size_t)row * (size_t)fl->n * (size_t)P;
    for (int i = 0; i < fl->n; i++) {
        const ibp__flow *f = &fl->f[i];
        int ok = f->started && !f->failed;
        for (long p = 0; p < P; p++) out[(size_t)i * P + p] = ok ? f->theta[p] : IBP_NAN;
    }
}

int ibp_run_flow_count(const ibp_run *r) { return r->flows ? r->flows->n : 0; }

const char *ibp_run_flow_prefix(const ibp_run *r, int i) {
    if (!r->flows || i < 0 || i >= r->flows->n) return NULL;
    return r->fprefix[i];
}

const char *ibp_run_flow_label(const ibp_run *r, int i) {
    if (!r->flows || i < 0 || i >= r->flows->n) return NULL;
    return r->flabel[i];
}

int64_t ibp_run_flow_params(const ibp_run *r, int i, double *theta, int64_t P) {
    if (!r->flows || i < 0 || i >= r->flows->n || P != r->m.P || !theta) return -1;
    const ibp__flow *f = &r->flows->f[i];
    if (!f->started || f->failed) return -1;
    memcpy(theta, f->theta, sizeof(double) * (size_t)P);
    return f->k;
}

const double *ibp_run_flow_row_params(const ibp_run *r) { return r->flows ? r->frow_theta : NULL; }
