/* run.c -- the run object: planning (config -> sizes -> one allocation), creation (data, model,
 * initial parameters, S0), the training loop (GD, SGD, label noise, schedules) and its stopping
 * rules, and the public accessors.
 *
 * Step semantics: row t of the metrics describes theta_t (loss, gradient, ...). A step applies
 * theta_{t+1} = theta_t - eta_t g_t, with eta_t = eta0 min(1, (t+1)/warmup) (t+1)^-p and g_t the
 * gradient of step t's batch (the full training set for GD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"

/* ---- planning ------------------------------------------------------------------------------ */

typedef struct ibp__plan {
    ibp__csvinfo csv;
    int nmax;
    double arena; /* bytes of the run's one allocation */
    double bytes; /* the whole heap a creation takes at its peak: the arena, the config's lists and
                   * the parser's copy of the config text. A double: estimates of refused configs
                   * may exceed size_t on wasm32 */
    long ring_rows; /* follow mode's ring of GD rows the flows owe (flow_follow.c); 0 without flows */
} ibp__plan;

/* Carve (or, with a->base == NULL, measure) every slice of the run's memory. The run struct
 * itself comes first so the whole run is one allocation. */
static void ibp__carve(ibp_run *r, ibp__arena *a, const ibp__plan *pl) {
    const ibp__config *c = &r->c;
    ibp__model *m = &r->m;
    long P = m->P;
    double *lists = ibp__arena_doubles(a, ibp__config_list_doubles(c));
    /* lr_at lives in a table of its own, with room for the changes made by hand (ibp_run_set_lr) */
    double *lr_at = ibp__arena_doubles(a, 2 * IBP__LR_AT_MAX);
    double *data = ibp__arena_doubles(a, ibp__data_doubles(c, &pl->csv));
    double *fixed = ibp__arena_doubles(a, ibp__model_fixed_doubles(m));
    double *ws = ibp__arena_doubles(a, ibp__model_ws_doubles(m, pl->nmax));
    r->theta = ibp__arena_doubles(a, (size_t)P);
    r->theta0 = ibp__arena_doubles(a, (size_t)P);
    r->grad = ibp__arena_doubles(a, (size_t)P);
    r->fgrad = ibp__arena_doubles(a, (size_t)P);
    r->work = ibp__arena_doubles(a, (size_t)P);
    r->init_scratch = ibp__arena_doubles(a, ibp__model_init_scratch(m, c));
    int kdim = m->d, kout = m->k;
    int bsz = c->opt == IBP__OPT_SGD ? c->batch : 0;
    r->bx = ibp__arena_doubles(a, (size_t)bsz * kdim);
    r->by = ibp__arena_doubles(a, (size_t)bsz * kout);
    r->ynoisy = ibp__arena_doubles(a, c->label_noise > 0 && c->opt == IBP__OPT_GD ? (size_t)c->n * kout : 0);
    ibp__metrics_setup(r); /* the columns depend on the config and model only */
    ibp__metrics_carve(r, a);
    r->rows = ibp__arena_doubles(a, (size_t)IBP__ROWS_CAP * r->ncols);
    ibp__measure_carve(r, a);
    ibp__probe_carve(r, a, pl->nmax);
    r->flows = ibp__flows_carve(a, c, m, pl->nmax);
    ibp__flow_follow_carve(r, a, pl->ring_rows);
    if (a->base) {
        ibp__config_move_lists(&r->c, lists); /* the config's lists join the one allocation */
        if (r->c.lr_at.n) memcpy(lr_at, r->c.lr_at.v, sizeof(double) * (size_t)r->c.lr_at.n);
        r->c.lr_at.v = lr_at;
        r->data_mem = data;
        ibp__model_bind_fixed(m, fixed);
        ibp__model_bind_ws(m, ws, pl->nmax);
    }
}

/* Parse, check the data, set up the model and measure the memory. No large allocation. */
static int ibp__plan_run(const ibp_run_desc *desc, ibp_run *r, ibp__plan *pl, char *err, size_t errlen) {
    const char *cfg = desc && desc->config ? desc->config : "";
    int rc = ibp__config_parse(&r->c, cfg, err, errlen);
    if (rc) return rc;
    ibp__config *c = &r->c;
    memset(pl, 0, sizeof *pl);
    const char *csv = desc ? desc->data_csv : NULL;
    if (c->model != IBP__MODEL_MF) {
        if (c->data == IBP__DATA_CSV) {
            if (!csv || !*csv)
                return ibp__fail(err, errlen, IBP_E_DATA, "data=csv needs a CSV file (ibp run --data FILE.csv, or import one on the page)");
            rc = ibp__csv_scan(csv, c->out, &pl->csv, err, errlen);
            if (rc) return rc;
            c->d = pl->csv.cols - c->out;
            if (c->n_test >= pl->csv.rows)
                return ibp__fail(err, errlen, IBP_E_CONFIG, "n_test=%d leaves no training row: the CSV has %d rows",
                                 c->n_test, pl->csv.rows);
            c->n = pl->csv.rows - c->n_test;
        } else if (csv && *csv) {
            return ibp__fail(err, errlen, IBP_E_DATA, "a data CSV was given but data=%s: add data=csv to the config to use it",
                             c->data == IBP__DATA_TEACHER ? "teacher" : "(a generator)");
        }
    } else if (csv && *csv) {
        return ibp__fail(err, errlen, IBP_E_DATA, "a data CSV was given but model=mf has no data set (its target A "
                         "comes from rows, cols, rank or target)");
    }
    if (c->flow) {
        if (c->warmup > 0 || c->lr_power > 0 || c->lr_at.n)
            return ibp__fail(err, errlen, IBP_E_CONFIG, "flow=: the flows are stated for a constant learning rate; remove %s",
                             c->lr_at.n ? "lr_at" : "warmup and lr_power");
        if (c->label_noise > 0)
            return ibp__fail(err, errlen, IBP_E_CONFIG, "flow=: the flows model deterministic GD; remove label_noise");
        if (c->flow_start == IBP__FLOWSTART_ONSET && !c->measure)
            return ibp__fail(err, errlen, IBP_E_CONFIG, "flow_start=onset starts the flows at the EoS onset, a measured event: it needs measure=1");
    }
    rc = ibp__model_setup(&r->m, c, err, errlen);
    if (rc) return rc;
    if (c->init == IBP__INIT_VALUES && c->init_values.n != r->m.P)
        return ibp__fail(err, errlen, IBP_E_CONFIG, "init has %d values but the model has P = %ld trained parameters",
                         c->init_values.n, r->m.P);
    if (c->init == IBP__INIT_FILE && (!desc || !desc->init_json || !*desc->init_json))
        return ibp__fail(err, errlen, IBP_E_INIT, "init=file needs a params JSON (ibp run --init FILE.json, or load one on the page)");
    if (c->init != IBP__INIT_FILE && desc && desc->init_json && *desc->init_json) {
        static const char *inits[] = {"fan_in", "normal", "residual", "orthogonal", "zero", "file", "<values>"};
        return ibp__fail(err, errlen, IBP_E_INIT, "a params JSON was given but init=%s: add init=file to the config "
                         "to start from it", inits[c->init]);
    }
    int nmax = c->model == IBP__MODEL_MF ? 0 : c->n;
    if (c->n_test > nmax) nmax = c->n_test;
    if (c->opt == IBP__OPT_SGD && c->batch > nmax) nmax = c->batch;
    pl->nmax = nmax;
    /* A lower bound in double precision first: the exact sizes below are size_t products, which
     * must not be formed (and wrap on wasm32) for configs far beyond the cap. */
    double P = (double)r->m.P, widths = 0, low;
    for (int i = 0; i + 1 < r->m.nl; i++) widths += r->m.L[i].rows;
    low = 5.0 * P;
    if (c->model == IBP__MODEL_MF) low += (double)c->rows * c->cols;
    else low += (double)(c->n + c->n_test) * (r->m.d + r->m.k);
    if (c->model == IBP__MODEL_MLP) low += 5.0 * nmax * widths;
    if (c->model == IBP__MODEL_CNN) low += 5.0 * nmax * ibp__cnn_act_doubles(&r->m);
    if (c->measure || c->lr_rel > 0) low += P * (double)((c->lanczos_max ? c->lanczos_max : 80) < P ? (c->lanczos_max ? c->lanczos_max : 80) : P);
    low *= 8.0;
    double cap = c->mem_cap_mib * 1048576.0;
    if (low > cap || (sizeof(size_t) < 8 && low > 2147483648.0)) {
        pl->bytes = low;
        if (low > cap)
            return ibp__fail(err, errlen, IBP_E_MEMORY,
                             "this run needs at least %.1f MiB (P = %ld parameters, %d samples of dimension %d), "
                             "above mem_cap=%g MiB: make the model or the data smaller, or raise mem_cap",
                             low / 1048576.0, r->m.P, c->model == IBP__MODEL_MF ? 0 : c->n, r->m.d, c->mem_cap_mib);
        return ibp__fail(err, errlen, IBP_E_MEMORY,
                         "this run needs at least %.1f MiB (P = %ld parameters): more than the 2 GiB a "
                         "WebAssembly module can address; use the native CLI", low / 1048576.0, r->m.P);
    }
    /* twice: without follow mode's ring, then with the ring in the room left under the cap */
    for (int pass = 0; pass < 2; pass++) {
        pl->ring_rows = pass ? ibp__flow_follow_ring_rows(r, cap - pl->bytes) : 0;
        if (pass && !pl->ring_rows) break;
        ibp__arena a = {NULL, 0};
        ibp__arena_bytes(&a, sizeof(ibp_run));
        ibp__carve(r, &a, pl);
        pl->arena = (double)a.off + 64;
        /* + the parsed lists (moved into the arena, but both exist while they move) + the parser's
         * buffer (freed before the arena is made, counted as if it were not) + 64 for the default
         * lists a given list replaces */
        pl->bytes = pl->arena + 8.0 * (double)ibp__config_list_doubles(c) + (double)strlen(cfg) + 2 + 64;
    }
    if (pl->bytes > cap) {
        return ibp__fail(err, errlen, IBP_E_MEMORY,
                         "this run needs an estimated %.1f MiB (P = %ld parameters, %d samples of dimension %d), "
                         "above mem_cap=%g MiB: make the model or the data smaller, or raise mem_cap",
                         pl->bytes / 1048576.0, r->m.P, c->model == IBP__MODEL_MF ? 0 : c->n, r->m.d,
                         c->mem_cap_mib);
    }
    return IBP_OK;
}

int ibp_estimate(const ibp_run_desc *desc, double *bytes, int64_t *nparams, char *err, size_t errlen) {
    ibp_run *r = calloc(1, sizeof *r);
    if (!r) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory");
    ibp__plan pl;
    int rc = ibp__plan_run(desc, r, &pl, err, errlen);
    if (bytes) *bytes = pl.bytes;
    if (nparams) *nparams = r->m.P;
    ibp__config_free(&r->c);
    free(r);
    return rc;
}

/* ---- creation ------------------------------------------------------------------------------ */

int ibp_run_create(ibp_run **out, const ibp_run_desc *desc, char *err, size_t errlen) {
    *out = NULL;
    ibp_run tmp;
    memset(&tmp, 0, sizeof tmp);
    ibp__plan pl;
    int rc = ibp__plan_run(desc, &tmp, &pl, err, errlen);
    if (rc) { ibp__config_free(&tmp.c); return rc; }
    char *mem = malloc((size_t)pl.arena);
    if (!mem) {
        ibp__config_free(&tmp.c);
        return ibp__fail(err, errlen, IBP_E_NOMEM, "could not allocate %.1f MiB for this run", pl.arena / 1048576.0);
    }
    ibp_run *r = (ibp_run *)(void *)mem;
    memcpy(r, &tmp, sizeof *r);
    r->mem = mem;
    r->mem_bytes = (size_t)pl.bytes;
    r->arena_bytes = (size_t)pl.arena;
    ibp__arena a = {mem, 0};
    ibp__arena_bytes(&a, sizeof(ibp_run));
    ibp__carve(r, &a, &pl);
    ibp__config *c = &r->c;
    ibp__model *m = &r->m;
    if (m->kind != IBP__MODEL_MF) {
        rc = ibp__data_build(&r->D, c, desc ? desc->data_csv : NULL, &pl.csv, desc ? desc->images : NULL, r->data_mem,
                             err, errlen);
        if (rc) { ibp_run_destroy(r); return rc; }
        r->full.x = r->D.x; r->full.y = r->D.y; r->full.n = r->D.n;
        r->test.x = r->D.xt; r->test.y = r->D.yt; r->test.n = r->D.n_test;
    }
    rc = ibp__model_init(m, c, r->theta, desc ? desc->init_json : NULL, r->init_scratch, err, errlen);
    if (rc) { ibp_run_destroy(r); return rc; }
    memcpy(r->theta0, r->theta, sizeof(double) * (size_t)m->P);
    uint64_t seed = (uint64_t)c->seed;
    ibp__rng_seed(&r->rng_sgd, seed, IBP__STREAM_SGD);
    ibp__rng_seed(&r->rng_noise, seed, IBP__STREAM_LABEL_NOISE);
    ibp__rng_seed(&r->rng_online, ibp__config_data_seed(c), IBP__STREAM_ONLINE);
    ibp__rng_seed(&r->rng_lanczos, seed, IBP__STREAM_LANCZOS);
    r->steps = c->steps;
    r->state = IBP_RUNNING;
    r->s0 = IBP_NAN;
    r->meas.t = -1;
    r->meas.ntk = IBP_NAN;
    r->measure_every = c->measure_every ? c->measure_every : ibp__measure_auto_every(m->P);
    if (!ibp__run_full_loss_grad(r)) {
        double l0 = r->loss;
        ibp_run_destroy(r);
        return ibp__fail(err, errlen, IBP_E_NUMERIC, "the loss at initialization is not finite (loss = %g): check the init scale and the data",
                         l0);
    }
    r->loss0 = r->loss;
    r->ev_ref = r->loss;
    ibp__metrics_init(r);
    int measured = 0;
    r->lambda0 = IBP_NAN;
    if (r->lz || r->lz_ntk) {
        /* S0 and lambda0 at fixed settings (lr_rel uses them), then the first measurement */
        rc = ibp__measure_reference(r);
        if (rc == IBP_OK) rc = ibp__measure(r, 0);
        if (rc) { ibp_run_destroy(r); return ibp__fail(err, errlen, rc, "computing the initial sharpness failed"); }
        measured = 1;
    }
    if (c->lr_rel > 0) {
        int ref_kind = c->lr_ref;
        double ref = ref_kind == IBP__LRREF_NTK ? r->lambda0 : ref_kind == IBP__LRREF_SMIN ? r->s_min : r->s0;
        if (!(ref > 0)) {
            double lr_rel = c->lr_rel; /* c lives in the run's memory: read it before the run is freed */
            ibp_run_destroy(r);
            if (ref_kind == IBP__LRREF_SMIN)
                return ibp__fail(err, errlen, IBP_E_CONFIG, "lr_ref=smin needs the Marion-Chizat bound S_min: a deep linear "
                                 "regression (model=linear, out=1, param=standard, loss mse or mse_half) whose OLS solution exists");
            return ibp__fail(err, errlen, IBP_E_CONFIG, "lr_rel=%g needs a positive initial %s, but it is %g here: give an absolute lr instead",
                             lr_rel, ref_kind == IBP__LRREF_NTK ? "NTK eigenvalue lambda0" : "sharpness S0", ref);
        }
        r->eta0 = c->lr_rel / ref;
    } else {
        r->eta0 = c->lr;
    }
    r->eta_next = ibp__run_eta_at(r, 0);
    if (r->flows) {
        ibp__flows_bind(r->flows, m, &r->full, r->eta0);
        if (c->flow_start == IBP__FLOWSTART_INIT) ibp__flows_start(r->flows, r->theta, 0);
    }
    ibp__events_after_step(r, measured); /* a run may start above the edge */
    ibp__metrics_row(r, measured);
    if (r->steps == 0) {
        r->state = IBP_DONE_STEPS;
        snprintf(r->msg, sizeof r->msg, "finished: 0 steps done");
    }
    *out = r;
    return IBP_OK;
}

void ibp_run_destroy(ibp_run *r) {
    if (!r) return;
    free(r->mem); /* the config's lists live in it too */
}

/* ---- the loop ------------------------------------------------------------------------------ */

static void ibp__diverged(ibp_run *r, const char *what) {
    r->state = IBP_DIVERGED;
    char sb[200] = "";
    if (r->meas.t >= 0 && r->meas.hess.k > 0) {
        double s = r->meas.hess.val[0];
        double es = r->eta_next * s;
        snprintf(sb, sizeof sb, "; the last measured sharpness S = %.4g (step %ld) gives eta S = %.3g%s", s,
                 r->meas.t, es, es > 2 ? " > 2, beyond the stability edge" : "");
    }
    snprintf(r->msg, sizeof r->msg, "diverged at step %ld: %s (eta = %.4g)%s", r->t, what, r->eta_next, sb);
    double es = r->meas.t >= 0 && r->meas.hess.k > 0 ? r->eta_next * r->meas.hess.val[0] : IBP_NAN;
    ibp__event_add(r, IBP_EVENT_DIVERGED, es, r->loss);
}

/* Loss, gradient and stopping checks at the new theta. Returns 1 if the run stopped. */
static int ibp__after_step(ibp_run *r, int need_full) {
    const ibp__config *c = &r->c;
    if (need_full) {
        int ok = ibp__run_full_loss_grad(r);
        char what[160];
        if (!ok) {
            snprintf(what, sizeof what, "the loss became %s", ibp__isnan(r->loss) ? "NaN" : "infinite");
            ibp__diverged(r, what);
            return 1;
        }
        if (r->loss > c->div_loss) {
            snprintf(what, sizeof what, "loss %.4g > div_loss %.4g", r->loss, c->div_loss);
            ibp__diverged(r, what);
            return 1;
        }
        if (c->target_loss > 0 && r->loss <= c->target_loss) {
            r->state = IBP_DONE_TARGET;
            snprintf(r->msg, sizeof r->msg, "finished: target loss reached at step %ld (loss %.4g <= %.4g)", r->t,
                     r->loss, c->target_loss);
            ibp__event_add(r, IBP_EVENT_CONVERGED, r->loss, r->gnorm);
            return 1;
        }
        if (c->grad_tol > 0 && r->gnorm < c->grad_tol) {
            r->state = IBP_DONE_GRAD;
            snprintf(r->msg, sizeof r->msg, "finished: gradient norm %.4g < grad_tol %.4g at step %ld", r->gnorm,
                     c->grad_tol, r->t);
            ibp__event_add(r, IBP_EVENT_CONVERGED, r->loss, r->gnorm);
            return 1;
        }
    }
    if (r->t >= r->steps) {
        r->state = IBP_DONE_STEPS;
        snprintf(r->msg, sizeof r->msg, "finished: %ld steps done", r->t);
        return 1;
    }
    return 0;
}

/* Draw step t's minibatch (SGD) or noisy targets into r->last. */
static void ibp__draw_batch(ibp_run *r) {
    const ibp__config *c = &r->c;
    int d = r->m.d, k = r->m.k;
    if (c->opt == IBP__OPT_SGD) {
        int b = c->batch;
        if (c->sample == IBP__SAMPLE_ONLINE) {
            ibp__data_sample(&r->D, c, &r->rng_online, b, r->bx, r->by);
        } else {
            for (int i = 0; i < b; i++) {
                uint64_t j = ibp__rng_below(&r->rng_sgd, (uint64_t)r->D.n);
                memcpy(r->bx + (size_t)i * d, r->D.x + (size_t)j * d, sizeof(double) * (size_t)d);
                memcpy(r->by + (size_t)i * k, r->D.y + (size_t)j * k, sizeof(double) * (size_t)k);
            }
        }
        if (c->label_noise > 0)
            for (long i = 0; i < (long)b * k; i++) r->by[i] += c->label_noise * ibp__rng_normal(&r->rng_noise);
        r->last.x = r->bx; r->last.y = r->by; r->last.n = b;
        return;
    }
    r->last = r->full;
    if (c->label_noise > 0) {
        long nk = (long)r->D.n * k;
        for (long i = 0; i < nk; i++) r->ynoisy[i] = r->D.y[i] + c->label_noise * ibp__rng_normal(&r->rng_noise);
        r->last.y = r->ynoisy;
    }
}

int64_t ibp_run_step(ibp_run *r, int64_t nsteps, char *err, size_t errlen) {
    if (!r || nsteps < 0)
        return ibp__fail(err, errlen, IBP_E_ARG, "step %lld: give a number of steps >= 0", (long long)nsteps);
    const ibp__config *c = &r->c;
    ibp__model *m = &r->m;
    long P = m->P;
    int64_t done = 0;
    while (done < nsteps && r->state == IBP_RUNNING && r->nrows < IBP__ROWS_CAP && !ibp__flow_follow_blocked(r)) {
        double eta = ibp__run_eta_at(r, r->t);
        const double *g;
        int stochastic = m->kind != IBP__MODEL_MF && (c->opt == IBP__OPT_SGD || c->label_noise > 0);
        if (stochastic) {
            ibp__draw_batch(r);
            double bl = ibp__model_loss_grad(m, r->theta, &r->last, r->grad);
            if (!ibp__isfinite(bl) || bl > c->div_loss) {
                char what[160];
                snprintf(what, sizeof what, "the minibatch loss is %.4g", bl);
                ibp__diverged(r, what);
                ibp__metrics_row(r, 0);
                break;
            }
            g = r->grad;
        } else {
            if (!r->fgrad_valid) ibp__run_full_loss_grad(r);
            r->last = r->full;
            g = r->fgrad;
        }
        ibp__axpy(P, -eta, g, r->theta);
        r->fgrad_valid = 0;
        r->t++;
        done++;
        r->eta_next = ibp__run_eta_at(r, r->t);
        int log_now = r->t % c->log_every == 0 || r->t >= r->steps;
        int every = r->measure_every;
        if (c->adaptive && r->meas.t >= 0 && r->lz) {
            /* near the edge (eta S / 2 within 20% of 1) the sharpness moves fast: 5x more often */
            double edge = r->eta_next * r->meas.hess.val[0] / 2.0;
            if (edge > 0.8 && edge < 1.25) every = every / 5 > 0 ? every / 5 : 1;
        }
        int measure_now = ((c->measure && r->lz) || (c->ntk && r->lz_ntk)) && every > 0 &&
                          (r->t % every == 0 || r->t >= r->steps);
        /* GD needs the full gradient for the next step anyway; SGD only when it logs */
        int need_full = !stochastic || log_now || measure_now;
        int stopped = ibp__after_step(r, need_full);
        if (r->state == IBP_DIVERGED) { ibp__metrics_row(r, 0); break; }
        int measured = 0;
        if (measure_now || (stopped && ((c->measure && r->lz) || (c->ntk && r->lz_ntk)))) {
            if (ibp__measure(r, 1) == IBP_OK) measured = 1;
        }
        if (need_full) ibp__events_after_step(r, measured);
        int row = log_now || stopped || measured || r->row_events;
        if (r->flows) ibp__flow_follow_after_step(r, row, measured);
        if (row) ibp__metrics_row(r, measured);
    }
    return done;
}

/* ---- accessors ------------------------------------------------------------------------------ */

int ibp_run_state(const ibp_run *r) { return r->state; }
const char *ibp_run_message(const ibp_run *r) {
    if (r->state == IBP_RUNNING) {
        static const char running[] = "running";
        return running;
    }
    return r->msg;
}
int64_t ibp_run_t(const ibp_run *r) { return r->t; }
int64_t ibp_run_steps_total(const ibp_run *r) { return r->steps; }
double ibp_run_lr(const ibp_run *r) { return r->eta_next; }
double ibp_run_lr0(const ibp_run *r) { return r->eta0; }
double ibp_run_s0(const ibp_run *r) { return r->s0; }
int64_t ibp_run_nparams(const ibp_run *r) { return r->m.P; }
const double *ibp_run_params(const ibp_run *r) { return r->theta; }
size_t ibp_run_params_json(const ibp_run *r, char *buf, size_t cap) {
    /* the gradient at theta is saved with it: the full-batch one the loop keeps (computed here
     * when an SGD step left it stale; that changes nothing the trajectory depends on) */
    if (!r->fgrad_valid) ibp__run_full_loss_grad((ibp_run *)r);
    return ibp__params_json_write(&r->c, &r->m, r->theta, r->fgrad, r->t, buf, cap);
}

size_t ibp_run_vector_json(const ibp_run *r, const double *v, char *buf, size_t cap) {
    return ibp__vector_json_write(&r->m, v, buf, cap);
}

int ibp_run_vector_read(const ibp_run *r, const char *json, double *v, char *err, size_t errlen) {
    if (!json) return ibp__fail(err, errlen, IBP_E_ARG, "no JSON text");
    ibp__model m = r->m; /* the reader may bind fixed arrays of a copy; the run's stay as they are */
    memset(v, 0, sizeof(double) * (size_t)r->m.P);
    return ibp__params_json_read(&m, json, v, NULL, NULL, err, errlen);
}

int ibp_run_set_lr(ibp_run *r, double eta, char *err, size_t errlen) {
    if (!(eta > 0) || !ibp__isfinite(eta) || eta > 1e6)
        return ibp__fail(err, errlen, IBP_E_ARG, "learning rate %g: it must be a number in (0, 1e6]", eta);
    if (r->flows) { /* a same-rate "change" records nothing: lr_at is refused beside flows */
        if (eta != ibp_run_lr(r))
            return ibp__fail(err, errlen, IBP_E_STATE, "this run has flows beside GD (flow=...), which are stated for one constant "
                             "learning rate: start a new run to change it");
        return IBP_OK;
    }
    /* The current row already says which rate the next step uses (its lr column): the change is
     * for the steps after it, recorded as lr_at=t+1,eta so the config reproduces the run. */
    ibp__list *l = &r->c.lr_at;
    double from = (double)(r->t + 1);
    if (l->n >= 2 && l->v[l->n - 2] == from) {
        l->v[l->n - 1] = eta;
    } else {
        if (l->n >= 2 * IBP__LR_AT_MAX)
            return ibp__fail(err, errlen, IBP_E_STATE, "this run already holds %d learning-rate changes, the most a run keeps: "
                             "start a new run from its config", IBP__LR_AT_MAX);
        l->v[l->n] = from;
        l->v[l->n + 1] = eta;
        l->n += 2;
    }
    return IBP_OK;
}

size_t ibp_run_config(const ibp_run *r, int full, char *buf, size_t cap) {
    return ibp__config_write(&r->c, full, buf, cap);
}

int ibp_run_extend(ibp_run *r, int64_t more, char *err, size_t errlen) {
    if (more < 0 || (int64_t)r->steps + more > 1000000000)
        return ibp__fail(err, errlen, IBP_E_ARG, "extend by %lld steps: the step limit (now %d) can grow to at most 1e9",
                         (long long)more, r->steps);
    if (r->state != IBP_RUNNING && r->state != IBP_DONE_STEPS)
        return ibp__fail(err, errlen, IBP_E_STATE, "the run cannot be continued: it %s (%s)",
                         r->state == IBP_DIVERGED ? "diverged" : "has converged", r->msg);
    r->steps += (int)more;
    /* recorded in the config like a change of eta (lr_at): the run's config, its link and its CSV
     * header then name a run that goes as far as this one */
    r->c.steps = r->steps;
    if (r->t < r->steps) r->state = IBP_RUNNING;
    return IBP_OK;
}

int ibp_run_set_params(ibp_run *r, const double *theta, char *err, size_t errlen) {
    for (long i = 0; i < r->m.P; i++)
        if (!ibp__isfinite(theta[i]))
            return ibp__fail(err, errlen, IBP_E_ARG, "parameter %ld of %ld is %s: every parameter must be finite", i,
                             (long)r->m.P, ibp__isnan(theta[i]) ? "NaN" : "infinite");
    memcpy(r->theta, theta, sizeof(double) * (size_t)r->m.P);
    r->fgrad_valid = 0;
    ibp__run_full_loss_grad(r);
    return IBP_OK;
}

int ibp_run_loss_grad(ibp_run *r, double *loss, double *grad) {
    if (!r->fgrad_valid) ibp__run_full_loss_grad(r);
    if (loss) *loss = r->loss;
    if (grad) memcpy(grad, r->fgrad, sizeof(double) * (size_t)r->m.P);
    return IBP_OK;
}

int ibp_run_hvp(ibp_run *r, double *hv, const double *v) {
    ibp__hvp_full(r, v, hv);
    return IBP_OK;
}

size_t ibp_run_data_csv(const ibp_run *r, int test, char *buf, size_t cap) {
    if (r->m.kind != IBP__MODEL_MF) return ibp__data_csv(&r->D, test, buf, cap);
    /* mf: the target matrix A, one row per line */
    ibp__buf b = {buf, cap, 0};
    const ibp__model *m = &r->m;
    for (int j = 0; j < m->mf_cols; j++) ibp__buf_printf(&b, "%sc%d", j ? "," : "", j + 1);
    ibp__buf_puts(&b, "\n");
    for (int i = 0; i < m->mf_rows && !test; i++) {
        for (int j = 0; j < m->mf_cols; j++) {
            if (j) ibp__buf_puts(&b, ",");
            ibp__buf_double(&b, m->A[(size_t)i * m->mf_cols + j]);
        }
        ibp__buf_puts(&b, "\n");
    }
    return ibp__buf_finish(&b);
}
