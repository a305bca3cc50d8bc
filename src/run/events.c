/* events.c -- what a run reports with its step. One definition of each event, shared by the CLI,
 * the page's charts and status line, the embed API and the docs (ibp.h IBP_EVENT_LIST):
 *
 *   catapult   the loss rises catapult_factor times above its running minimum and falls back
 *              below it, while the curvature falls from above the edge to below it: some
 *              measurement from the start of the rise to its peak has eta C / 2 > 1, and one after
 *              the peak has eta C / 2 < 1 (C = the sharpness S, or the NTK lambda when only that is
 *              measured). A spike that starts during the edge of stability (after the EoS onset
 *              at the current base learning rate) is the edge's own oscillation, not a catapult. A run that
 *              measures no curvature reports no catapult (its summary regime still classifies the
 *              loss curve). Stamped at the step the drop is established: the fall below the
 *              minimum, or the first measurement after it that is below the edge.
 *   eos        the sharpness reaches the edge from below and stays there: a measured S with
 *              eta S / 2 >= 0.95 after one below it (since the base learning rate last changed),
 *              confirmed by a measurement at least 10 steps later that is still at the edge
 *              (0.95 <= eta S / 2 < 2) with the loss no higher than catapult_factor times its
 *              value at the first one. Stamped at the confirming measurement. A run that blows up
 *              past the edge fails the confirmation, so the onset is never marked at a divergence.
 *   diverged   the loss exceeded div_loss or stopped being finite (with eta S at that moment)
 *   converged  target_loss or grad_tol stopped the run
 *
 * Each is stored (ibp_run_event) and flagged in the metrics row's `events` bitmask. */
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
    /* the curvature of this step's measurement, in units of the edge */
    double curv = IBP_NAN;
    if (measured && r->meas.t == r->t) {
        if (r->lz && (r->c.measure || r->t == 0)) curv = r->eta_next * r->meas.hess.val[0] / 2.0;
        else if (r->lz_ntk) curv = r->eta_next * r->meas.ntk / 2.0;
    }
    if (r->t == 0) {
        r->ev_curv = r->ev_rise_max = r->ev_fall_min = IBP_NAN;
        r->ev_pend_peak_t = -1;
        r->ev_cand_t = -1;
    }
    /* a new base learning rate moves the edge: the edge of stability is reached afresh */
    double base = ibp__run_eta_base(r, r->t);
    if (r->ev_eos_phase && base != r->ev_eos_base) r->ev_eos_phase = 0;
    if (ibp__isfinite(curv)) {
        r->ev_curv = curv;
        /* a fallen excursion waits for the first measurement after it */
        if (r->ev_pend_peak_t >= 0) {
            if (curv < 1) ibp__event_add(r, IBP_EVENT_CATAPULT, r->ev_pend_ratio, (double)r->ev_pend_peak_t);
            r->ev_pend_peak_t = -1;
        }
        if (r->ev_rising && r->t > r->ev_peak_t) {
            if (!(curv >= r->ev_fall_min)) r->ev_fall_min = curv;
        } else if (!(curv <= r->ev_rise_max)) {
            r->ev_rise_max = curv;
        }
    }
    if (!r->ev_rising) {
        if (L < r->ev_ref) {
            r->ev_ref = L;
            /* the excursion starts from here: its curvature is the latest measured */
            r->ev_rise_max = r->ev_curv;
        }
        /* below ~1e-28 of the loss scale the loss is float64 round-off: no events there */
        double floor = 1e-28 * (r->loss0 > 1 ? r->loss0 : 1);
        if (L >= r->c.catapult_factor * r->ev_ref && r->ev_ref > floor) {
            r->ev_rising = 1;
            r->ev_peak = L;
            r->ev_peak_t = r->t;
            r->ev_fall_min = IBP_NAN;
            r->ev_rise_at_edge = r->ev_eos_phase; /* a spike that starts at the edge is its oscillation */
        }
    } else {
        if (L > r->ev_peak) {
            r->ev_peak = L;
            r->ev_peak_t = r->t;
            /* measurements before the new peak belong to the rise */
            if (ibp__isfinite(r->ev_fall_min) && !(r->ev_fall_min <= r->ev_rise_max)) r->ev_rise_max = r->ev_fall_min;
            r->ev_fall_min = IBP_NAN;
            if (ibp__isfinite(curv) && !(curv <= r->ev_rise_max)) r->ev_rise_max = curv;
        }
        if (L < r->ev_ref) {
            int above = r->ev_rise_max > 1 && !r->ev_rise_at_edge;
            if (above && r->ev_fall_min < 1) {
                ibp__event_add(r, IBP_EVENT_CATAPULT, r->ev_peak / r->ev_ref, (double)r->ev_peak_t);
            } else if (above && !ibp__isfinite(r->ev_fall_min)) {
                r->ev_pend_ratio = r->ev_peak / r->ev_ref; /* no measurement since the peak yet */
                r->ev_pend_peak_t = r->ev_peak_t;
            }
            r->ev_rising = 0;
            r->ev_ref = L;
            r->ev_rise_max = r->ev_curv;
        }
    }
    /* The edge is REACHED from below and held: a run that starts above 2/eta catapults (or
     * diverges), and only reaching the edge again after having been below it is an onset. */
    if (measured && r->meas.t == r->t && r->lz && r->c.measure && !r->ev_eos_phase) {
        double S = r->meas.hess.val[0], edge = 2.0 / r->eta_next, ratio = S / edge;
        if (ratio < 0.95) {
            r->ev_below_edge = 1;
            r->ev_cand_t = -1;
        } else if (r->ev_below_edge) {
            if (r->ev_cand_t < 0) {
                r->ev_cand_t = r->t;
                r->ev_cand_loss = L;
            } else if (r->t - r->ev_cand_t >= 10) {
                if (ratio < 2 && L <= r->c.catapult_factor * r->ev_cand_loss) {
                    ibp__event_add(r, IBP_EVENT_EOS, S, edge);
                    r->ev_eos_phase = 1;
                    r->ev_eos_base = base;
                    r->ev_below_edge = 0;
                }
                r->ev_cand_t = -1;
            }
        }
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
            ibp__buf_printf(&b, "edge of stability at step %ld: S = %.6g, eta S / 2 = %.4g, held since an earlier measurement\n",
                            t, v, v / v2);
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
