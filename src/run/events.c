/* events.c -- what a run reports with its step: a catapult (the loss rises by catapult_factor
 * above the level it started from, then falls below that level), the edge-of-stability onset
 * (the first measured S >= 0.95 * 2/eta after one below it), divergence (with eta S at that moment) and
 * convergence. Each is stored (ibp_run_event) and flagged in the metrics row's `events` bitmask.
 * The EoS onset needs the sharpness to come up to the edge: a run that starts above it is a
 * catapult (or a divergence), not an onset, until it has been below 0.95 * 2/eta once. */
#include <stdio.h>
#include "run/run_internal.h"

void ibp__event_add(ibp_run *r, int kind, double value, double value2) {
    r->row_events |= kind;
    if (r->nevents >= IBP__MAX_EVENTS) return;
    r->events[r->nevents].kind = kind;
    r->events[r->nevents].t = r->t;
    r->events[r->nevents].value = value;
    r->events[r->nevents].value2 = value2;
    r->nevents++;
}

static int ibp__has_event(const ibp_run *r, int kind) {
    for (int i = 0; i < r->nevents; i++)
        if (r->events[i].kind == kind) return 1;
    return 0;
}

double ibp__conv_level(const ibp_run *r) {
    return r->c.target_loss > 0 ? r->c.target_loss : 1e-3 * r->loss0;
}

void ibp__events_after_step(ibp_run *r, int measured) {
    double L = r->loss;
    if (!ibp__isfinite(L)) return;
    /* summary trackers (science.md 0: monotone means L_{t+1} <= L_t (1 + 1e-12); steps starting
     * below 1e-28 are float64 round-off and not judged) */
    if (r->t == 0) {
        r->t_conv = -1;
        r->loss_max = L;
        r->monotone = 1;
    } else {
        if (L > r->loss_max) r->loss_max = L;
        if (r->loss_prev >= 1e-28 && !(L <= r->loss_prev * (1 + 1e-12))) r->monotone = 0;
    }
    r->loss_prev = L;
    /* converged: the loss fell to the level (noiseless fits) or the gradient vanished (a noisy
     * regression converges to its nonzero OLS residual) */
    if (r->t == 0) r->gnorm0 = r->gnorm;
    if (r->t_conv < 0 && (L <= ibp__conv_level(r) || r->gnorm <= 1e-6 * r->gnorm0)) r->t_conv = r->t;
    if (!r->ev_rising) {
        if (L < r->ev_ref) r->ev_ref = L;
        /* below ~1e-28 of the loss scale the loss is float64 round-off: no events there */
        double floor = 1e-28 * (r->loss0 > 1 ? r->loss0 : 1);
        if (L >= r->c.catapult_factor * r->ev_ref && r->ev_ref > floor) {
            r->ev_rising = 1;
            r->ev_peak = L;
            r->ev_peak_t = r->t;
        }
    } else {
        if (L > r->ev_peak) { r->ev_peak = L; r->ev_peak_t = r->t; }
        if (L < r->ev_ref) {
            ibp__event_add(r, IBP_EVENT_CATAPULT, r->ev_peak / r->ev_ref, (double)r->ev_peak_t);
            r->ev_rising = 0;
            r->ev_ref = L;
        }
    }
    /* The edge is REACHED from below: a run that starts above 2/eta catapults (or diverges),
     * and only reaching the edge again after having been below it is an onset. */
    if (measured && r->lz && r->c.measure && !ibp__has_event(r, IBP_EVENT_EOS)) {
        double S = r->meas.hess.val[0], edge = 2.0 / r->eta_next;
        if (S < 0.95 * edge) r->ev_below_edge = 1;
        else if (r->ev_below_edge) ibp__event_add(r, IBP_EVENT_EOS, S, edge);
    }
}

int ibp_run_nevents(const ibp_run *r) { return r->nevents; }

int ibp_run_event(const ibp_run *r, int i, int *kind, int64_t *step, double *value, double *value2) {
    if (i < 0 || i >= r->nevents) return IBP_E_ARG;
    if (kind) *kind = r->events[i].kind;
    if (step) *step = r->events[i].t;
    if (value) *value = r->events[i].value;
    if (value2) *value2 = r->events[i].value2;
    return IBP_OK;
}

size_t ibp_run_events_text(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    for (int i = 0; i < r->nevents; i++) {
        const double v = r->events[i].value, v2 = r->events[i].value2;
        long t = r->events[i].t;
        switch (r->events[i].kind) {
        case IBP_EVENT_CATAPULT:
            ibp__buf_printf(&b, "catapult at step %ld: the loss rose %.3gx (peak at step %ld) and fell below its start\n",
                            t, v, (long)v2);
            break;
        case IBP_EVENT_EOS:
            ibp__buf_printf(&b, "edge of stability at step %ld: S = %.6g >= 0.95 * 2/eta = %.6g\n", t, v, 0.95 * v2);
            break;
        case IBP_EVENT_DIVERGED:
            if (ibp__isfinite(v)) ibp__buf_printf(&b, "diverged at step %ld: eta S = %.3g (last measured)\n", t, v);
            else ibp__buf_printf(&b, "diverged at step %ld\n", t);
            break;
        case IBP_EVENT_CONVERGED:
            ibp__buf_printf(&b, "converged at step %ld: loss %.4g\n", t, v);
            break;
        }
    }
    return ibp__buf_finish(&b);
}
