/* summary.c -- one line per run for sweeps and phase diagrams: final loss and sharpness, eta S_T,
 * lambda_T / lambda0, steps to converge, and the regime, classified from the run's events:
 *
 *   divergent      the run diverged
 *   eos            it reached the edge (S >= 0.95 * 2/eta at some measurement), ends there (the
 *                  last measured eta S / 2 is in [0.9, 1.1]) and the loss was not monotone
 *   catapult       the loss rose to catapult_factor times its INITIAL value and ended below it
 *                  (the catapult of Lewkowycz et al.; smaller spikes later in a run are catapult
 *                  events but do not make the regime), and the run does not end at the edge
 *   lazy           no catapult, no edge, and the run converged: the loss fell below target_loss
 *                  (1e-3 of the initial loss when no target is set) or the gradient norm below
 *                  1e-6 of its initial value
 *   not_converged  none of the above by the last step
 */
#include "run/run_internal.h"

static int ibp__has(const ibp_run *r, int kind) {
    for (int i = 0; i < r->nevents; i++) if (r->events[i].kind == kind) return 1;
    return 0;
}

int ibp_run_regime_id(const ibp_run *r) {
    if (r->state == IBP_DIVERGED) return IBP_REGIME_DIVERGENT;
    double edge = r->meas.t >= 0 && r->meas.hess.k > 0 ? r->eta_next * r->meas.hess.val[0] / 2.0 : IBP_NAN;
    if (ibp__has(r, IBP_EVENT_EOS) && edge >= 0.9 && edge <= 1.1 && !r->monotone) return IBP_REGIME_EOS;
    if (r->loss_max >= r->c.catapult_factor * r->loss0 && r->loss < r->loss0) return IBP_REGIME_CATAPULT;
    if (r->t_conv >= 0) return IBP_REGIME_LAZY;
    return IBP_REGIME_NOT_CONVERGED;
}

const char *ibp_run_regime(const ibp_run *r) { return ibp_regime_string(ibp_run_regime_id(r)); }

static void ibp__num(ibp__buf *b, const char *key, double x, int first) {
    ibp__buf_printf(b, "%s\"%s\":", first ? "" : ",", key);
    if (ibp__isfinite(x)) ibp__buf_double(b, x);
    else ibp__buf_puts(b, "null");
}

/* The summary fields, in the order of IBP_SUMMARY_FIELD_LIST (the sweep CSV's columns): the
 * regime, then IBP__NSUM numbers. */
#define IBP__NAME(name, label, help) #name,
static const char *const ibp__fields[] = {IBP_SUMMARY_FIELD_LIST(IBP__NAME)};
#undef IBP__NAME
#define IBP__NSUM ((int)(sizeof ibp__fields / sizeof ibp__fields[0]) - 1)
_Static_assert(IBP__NSUM == 18, "ibp__summary_values fills one number per field after the regime");

const char *ibp_summary_fields(void) {
#define IBP__COMMA_NAME(name, label, help) "," #name
    static const char fields[] = IBP_SUMMARY_FIELD_LIST(IBP__COMMA_NAME);
#undef IBP__COMMA_NAME
    return fields + 1;
}

/* The numbers of the summary, v (IBP__NSUM,): fields 1.. of the list. */
static void ibp__summary_values(const ibp_run *r, double *v) {
    double S = r->meas.t >= 0 && r->meas.hess.k > 0 && r->lz ? r->meas.hess.val[0] : IBP_NAN;
    double lam = r->lz_ntk && r->meas.t >= 0 ? r->meas.ntk : IBP_NAN;
    int ev = 0;
    for (int i = 0; i < r->nevents; i++) ev |= r->events[i].kind;
    v[0] = (double)r->t;
    v[1] = r->loss;
    v[2] = r->loss0;
    v[3] = r->loss_max / r->loss0;
    v[4] = r->monotone;
    v[5] = r->t_conv >= 0 ? (double)r->t_conv : IBP_NAN;
    v[6] = r->eta0;
    v[7] = S;
    v[8] = r->s0;
    v[9] = r->eta_next * S;
    v[10] = r->lambda0;
    v[11] = lam;
    v[12] = ibp__isfinite(lam) ? lam / r->lambda0 : S / r->s0;
    v[13] = ev;
    /* deep linear regression: distance of the end-to-end map to w*, the bound, lambda_max(Sigma) */
    v[14] = r->D.wstar && r->m.kind == IBP__MODEL_LINEAR && r->mw ? ibp__metrics_wprod_dist((ibp_run *)r) : IBP_NAN;
    v[15] = r->s_min;
    v[16] = r->data_lambda;
    /* two-factor models: | ||W2||_F - ||W1||_F | (|x - y| for the scalar factorization) */
    v[17] = IBP_NAN;
    if (r->m.P > 0 && (r->m.kind == IBP__MODEL_MF || (r->m.kind == IBP__MODEL_LINEAR && r->m.nl == 2 && r->m.L[1].off >= 0))) {
        const ibp__layer *a = &r->m.L[0], *b = &r->m.L[1];
        double na = ibp__sqrt(ibp__sumsq(r->theta + a->off, (long)a->rows * a->cols));
        double nb = ibp__sqrt(ibp__sumsq(r->theta + b->off, (long)b->rows * b->cols));
        v[17] = ibp__fabs(na - nb);
    }
}

size_t ibp_run_summary_json(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    double v[IBP__NSUM];
    ibp__summary_values(r, v);
    ibp__buf_printf(&b, "{\"%s\":\"%s\"", ibp__fields[0], ibp_run_regime(r));
    for (int i = 0; i < IBP__NSUM; i++) ibp__num(&b, ibp__fields[i + 1], v[i], 0);
    ibp__buf_puts(&b, "}");
    return ibp__buf_finish(&b);
}

size_t ibp_run_summary_csv(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    double v[IBP__NSUM];
    ibp__summary_values(r, v);
    ibp__buf_puts(&b, ibp_run_regime(r));
    for (int i = 0; i < IBP__NSUM; i++) {
        ibp__buf_puts(&b, ",");
        if (!ibp__isnan(v[i])) ibp__buf_double(&b, v[i]);
    }
    return ibp__buf_finish(&b);
}
