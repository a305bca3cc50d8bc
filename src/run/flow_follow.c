/* flow_follow.c -- the flows beside GD, in lockstep or following (ibp.h, "Flows beside GD").
 *
 * Lockstep (the default): after each GD step the flows are integrated to that step and their
 * columns are filled in GD's own row.
 * Follow mode: GD runs ahead and keeps, for each row it writes, its theta in a ring (snap_cap
 * rows, sized below; GD stops stepping while the ring is full, and only then);
 * ibp_run_flow_step spends a budget of right-hand sides bringing the flows to the next owed
 * rows and appends their values to the flow table (step + the same columns). The values are
 * the same bits as in lockstep: the flows see the same sequence of calls (the integrator stops
 * after an accepted step and resumes exactly; see numerics/ode.h), and the distances use GD's
 * theta at that row. */
#include <stdio.h>
#include <string.h>
#include "run/run_internal.h"
#include "run/metrics.h"

/* The ring's rows. What the flows read from a GD row is its theta, whole: the distance columns
 * ||theta_GD - x|| and ||theta_GD|| with x the flow's state (or predicted iterate) at that step,
 * which is not known until the flows get there; nothing smaller gives the lockstep bits. So a
 * row costs 8 P bytes + its step and whether it was measured, and the ring holds as many rows as
 *   - the run can write (one row per step at most: `steps`; ibp_run_extend does not grow it),
 *   - IBP__RING_BYTES allow (64 MiB: the EoS preset's 6,000 rows of P = 1,377 fit), and
 *   - the memory left under mem_cap by everything else (room, in bytes) allows,
 * and at least 2 (a run without room for those fails mem_cap, as before). */
#define IBP__RING_BYTES (64.0 * 1048576)

static double ibp__ring_row_bytes(long P) { return 8.0 * (double)P + (double)sizeof(int64_t) + (double)sizeof(int); }

long ibp__flow_follow_ring_rows(const ibp_run *r, double room) {
    if (!r->c.flow) return 0;
    double row = ibp__ring_row_bytes(r->m.P);
    double n = (double)r->c.steps;
    if (n > IBP__RING_BYTES / row) n = IBP__RING_BYTES / row;
    if (n > (room - 3 * 16.0) / row) n = (room - 3 * 16.0) / row; /* 3 slices, each aligned to 16 */
    return n < 2 ? 2 : (long)n;
}

void ibp__flow_follow_carve(ibp_run *r, ibp__arena *a, long ring_rows) {
    if (!r->c.flow) return;
    long P = r->m.P;
    size_t cap = (size_t)ring_rows;
    double *snap = ibp__arena_doubles(a, cap * (size_t)P);
    int64_t *st = ibp__arena_bytes(a, sizeof(int64_t) * cap);
    int *sm = ibp__arena_bytes(a, sizeof(int) * cap);
    int nf = 1;
    for (int j = 0; j < r->ncols; j++)
        if (r->colkind[j] == IBP__COL_FLOW) nf++;
    double *rows = ibp__arena_doubles(a, (size_t)IBP__ROWS_CAP * nf);
    ibp__flow_params_carve(r, a);
    if (!a->base) return;
    r->snap = snap; r->snap_t = st; r->snap_meas = sm; r->snap_cap = (long)cap;
    r->snap_head = r->snap_n = 0;
    r->fncols = 1;
    r->fcol[0] = -1;
    for (int j = 0; j < r->ncols; j++)
        if (r->colkind[j] == IBP__COL_FLOW) r->fcol[r->fncols++] = (short)j;
    r->frows = rows;
    r->fnrows = 0;
}

static int ibp__flows_alive(const ibp__flows *fl) {
    for (int i = 0; i < fl->n; i++)
        if (fl->f[i].started && !fl->f[i].failed) return 1;
    return 0;
}

int ibp__flow_follow_blocked(const ibp_run *r) {
    return r->flow_follow && r->snap_n >= r->snap_cap;
}

/* Append the flow row of step t (GD's theta there: theta_gd). */
static void ibp__flow_row(ibp_run *r, long t, const double *theta_gd, int measured) {
    double *row = r->frows + (size_t)r->fnrows * r->fncols;
    row[0] = (double)t;
    for (int j = 1; j < r->fncols; j++) {
        int h = r->colh[r->fcol[j]];
        row[j] = ibp__flows_value(r->flows, h / IBP__NFQ, h % IBP__NFQ, theta_gd, t, measured);
    }
    ibp__flow_params_row(r, r->fnrows);
    r->fnrows++;
}

void ibp__flow_follow_after_step(ibp_run *r, int row, int measured) {
    ibp__flows *fl = r->flows;
    if (r->c.flow_start == IBP__FLOWSTART_ONSET && !fl->f[0].started && (r->row_events & IBP_EVENT_EOS))
        ibp__flows_start(fl, r->theta, r->t);
    if (!r->flow_follow) {
        ibp__flows_advance(fl, r->t, 0);
        return;
    }
    if (!row || !ibp__flows_alive(fl)) return;
    long slot = (r->snap_head + r->snap_n) % r->snap_cap;
    memcpy(r->snap + (size_t)slot * r->m.P, r->theta, sizeof(double) * (size_t)r->m.P);
    r->snap_t[slot] = r->t;
    r->snap_meas[slot] = measured;
    r->snap_n++;
}

int ibp_run_flow_follow(ibp_run *r, int on, char *err, size_t errlen) {
    if (!r->flows) return ibp__fail(err, errlen, IBP_E_STATE, "this run has no flows (add flow=gf,central,rod,edge or a subset to the config)");
    if (!on && r->flow_follow && (r->snap_n > 0 || (ibp__flows_alive(r->flows) && ibp__flows_at(r->flows) != r->t)))
        return ibp__fail(err, errlen, IBP_E_STATE, "the flows are %lld rows behind GD: call ibp_run_flow_step until "
                         "ibp_run_flow_lag is 0 before going back to lockstep", (long long)r->snap_n);
    r->flow_follow = on != 0;
    return IBP_OK;
}

int64_t ibp_run_flow_step(ibp_run *r, int64_t max_rhs, char *err, size_t errlen) {
    if (!r->flows) return ibp__fail(err, errlen, IBP_E_STATE, "this run has no flows (add flow=gf,central,rod,edge or a subset to the config)");
    if (max_rhs < 0) return ibp__fail(err, errlen, IBP_E_ARG, "flow step: give a budget of right-hand sides >= 0 (0: none)");
    ibp__flows *fl = r->flows;
    int64_t produced = 0;
    long budget = (long)max_rhs;
    while (r->snap_n > 0 && r->fnrows < IBP__ROWS_CAP) {
        if (max_rhs > 0 && budget <= 0) break;
        long slot = r->snap_head;
        long spent = 0;
        for (int i = 0; i < fl->n; i++) spent -= fl->f[i].ode.nfev;
        int short_of = ibp__flows_advance(fl, (long)r->snap_t[slot], max_rhs > 0 ? budget : 0);
        for (int i = 0; i < fl->n; i++) spent += fl->f[i].ode.nfev;
        budget -= spent;
        if (short_of) break;
        ibp__flow_row(r, (long)r->snap_t[slot], r->snap + (size_t)slot * r->m.P, r->snap_meas[slot]);
        r->snap_head = (r->snap_head + 1) % r->snap_cap;
        r->snap_n--;
        produced++;
    }
    return produced;
}

int64_t ibp_run_flow_lag(const ibp_run *r) { return r->flows ? r->snap_n : 0; }
int64_t ibp_run_flow_lag_max(const ibp_run *r) { return r->flows ? r->snap_cap : 0; }
int64_t ibp_run_flow_at(const ibp_run *r) { return r->flows ? ibp__flows_at(r->flows) : -1; }
int ibp_run_flow_ncols(const ibp_run *r) { return r->flows ? r->fncols : 0; }
const char *ibp_run_flow_column(const ibp_run *r, int j) {
    if (!r->flows || j < 0 || j >= r->fncols) return NULL;
    return j == 0 ? "step" : r->cols[r->fcol[j]];
}
int ibp_run_flow_nrows(const ibp_run *r) { return r->flows ? r->fnrows : 0; }
const double *ibp_run_flow_rows(const ibp_run *r) { return r->frows; }
void ibp_run_flow_clear_rows(ibp_run *r) { r->fnrows = 0; }

size_t ibp_run_flow_rows_csv(const ibp_run *r, int header, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    int nc = ibp_run_flow_ncols(r);
    if (header && nc) {
        for (int j = 0; j < nc; j++) {
            if (j) ibp__buf_puts(&b, ",");
            ibp__buf_puts(&b, ibp_run_flow_column(r, j));
        }
        ibp__buf_puts(&b, "\n");
    }
    for (int i = 0; i < ibp_run_flow_nrows(r); i++) {
        const double *row = r->frows + (size_t)i * nc;
        for (int j = 0; j < nc; j++) {
            if (j) ibp__buf_puts(&b, ",");
            if (!ibp__isnan(row[j])) ibp__buf_double(&b, row[j]);
        }
        ibp__buf_puts(&b, "\n");
    }
    return ibp__buf_finish(&b);
}

const char *ibp_run_flow_message(const ibp_run *r) {
    return r->flows ? r->flows->msg : "";
}
