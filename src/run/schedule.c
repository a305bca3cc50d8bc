/* schedule.c -- the learning rate of each step: the base rate (eta0 from lr or lr_rel, replaced
 * from given steps on by the lr_at changes, which include those made by hand with
 * ibp_run_set_lr), times the warm-up and decay factors. Used by the training loop (run.c) and by
 * the events (events.c: a new base rate moves the edge). */
#include "run/run_internal.h"

/* The base learning rate of step t: eta0, or the last lr_at change at or before t. */
double ibp__run_eta_base(const ibp_run *r, long t) {
    const ibp__list *l = &r->c.lr_at;
    for (int i = l->n - 2; i >= 0; i -= 2)
        if (l->v[i] <= (double)t) return l->v[i + 1];
    return r->eta0;
}

double ibp__run_eta_at(const ibp_run *r, long t) {
    double e = ibp__run_eta_base(r, t);
    if (r->c.warmup > 0 && t + 1 < r->c.warmup) e *= (double)(t + 1) / (double)r->c.warmup;
    if (r->c.lr_power > 0) e *= ibp__pow((double)(t + 1), -r->c.lr_power);
    return e;
}
