/* ibp.h -- Implicit Bias Playground: the whole public C API.
 *
 * OVERVIEW
 *   A small float64 engine for training tiny models with gradient descent at large learning
 *   rates and measuring what the theory papers track (sharpness, balance, margins, ...).
 *   Everything is configured by ONE config language, a URL-query string:
 *
 *       "model=linear&depth=2&width=1000&param=ntk&data=inline&xs=1&ys=0&lr_rel=2.5&steps=2000"
 *
 *   parsed by ONE parser (src/config.c) shared by the CLI, the WebAssembly module and the tests.
 *   Every key has a default, a type, a range and a help line (`ibp help config`, or
 *   ibp_config_schema_json() for programs). Unknown keys, bad values and keys that do not apply to
 *   the chosen model are errors that name the key, the value and what is allowed.
 *
 *   A run (ibp_run) owns the model, the data, the optimizer state and every workspace in ONE
 *   allocation whose size is computed before anything is allocated (ibp_estimate). Parameters
 *   live in one flat vector theta of length P; the trained layers are named views into it
 *   (W1, b1, W2, ...; X and Y for matrix factorization), each stored row-major with the
 *   mathematical shape (fan_out, fan_in).
 *
 * CONVENTIONS (printed by `ibp info` and in every output header)
 *   loss=mse_half (default)  L = 1/(2n) sum_i ||f(x_i) - y_i||^2       (mean over samples)
 *   loss=mse                 L = 1/n    sum_i ||f(x_i) - y_i||^2
 *   loss=logistic            L = 1/n    sum_i log(1 + exp(-y_i f(x_i))), y in {-1, +1}
 *   model=mf                 L = 1/2 ||A - X Y^T||_F^2 (mse_half) or ||A - X Y^T||_F^2 (mse): no 1/n
 *   Sharpness S = largest ALGEBRAIC eigenvalue of the Hessian of the training loss.
 *   lr_rel=c means eta = c / S0, S0 the sharpness at initialization.
 *
 * DETERMINISM
 *   Same config and seed => the same bits, run after run, native (x86-64 SSE2 or scalar) and
 *   WebAssembly (SIMD or scalar): our own PRNG and elementary functions, no FMA contraction,
 *   and one fixed reduction order shared by the SIMD and scalar paths.
 *
 * MEMORY AND ERRORS
 *   Functions return IBP_OK (0) or a negative IBP_E_* code, and fill a caller-supplied message
 *   buffer (err, errlen) with a sentence naming what was wrong. The library never prints, never
 *   exits and never allocates after ibp_run_create. Objects are created and destroyed in pairs;
 *   destroying NULL is a no-op. Functions that produce text write into a caller buffer with
 *   snprintf semantics: they return the length the full text needs (excluding the NUL) and write
 *   at most cap bytes, always NUL-terminated when cap > 0.
 *
 * WORKED EXAMPLE (the catapult of Lewkowycz et al. 2020)
 *
 *   char err[512];
 *   ibp_run *r;
 *   ibp_run_desc desc = {0};
 *   desc.config = "model=linear&depth=2&width=1000&param=ntk&init=normal"
 *                 "&data=inline&xs=1&ys=0&lr_rel=2.5&steps=2000";
 *   if (ibp_run_create(&r, &desc, err, sizeof err) != IBP_OK) { fputs(err, stderr); return 2; }
 *   while (ibp_run_state(r) == IBP_RUNNING) {
 *       ibp_run_step(r, 100);                         // up to 100 GD steps, never allocates
 *       int ncol = ibp_run_ncols(r), nrow = ibp_run_nrows(r);
 *       const double *rows = ibp_run_rows(r);         // (nrow, ncol), columns ibp_run_column(r, j)
 *       ...                                           // e.g. rows[i*ncol + 1] is the loss
 *       ibp_run_clear_rows(r);
 *   }
 *   puts(ibp_run_message(r));                         // "finished: 2000 steps done" / "diverged at step 12: ..."
 *   ibp_run_destroy(r);
 */
#ifndef IBP_H
#define IBP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IBP_VERSION "0.1.0"

/* Status codes: one list generates the enum and the strings, so they cannot drift. */
#define IBP_STATUS_LIST(X)                                                  \
    X(IBP_OK, 0, "ok")                                                      \
    X(IBP_E_CONFIG, -1, "bad config")                                       \
    X(IBP_E_DATA, -2, "bad data")                                           \
    X(IBP_E_INIT, -3, "bad initial parameters")                             \
    X(IBP_E_MEMORY, -4, "over the memory cap")                              \
    X(IBP_E_NOMEM, -5, "out of memory")                                     \
    X(IBP_E_ARG, -6, "bad argument")                                        \
    X(IBP_E_STATE, -7, "not possible in the run's current state")           \
    X(IBP_E_NUMERIC, -8, "numerical failure")

enum {
#define IBP__X(name, value, text) name = value,
    IBP_STATUS_LIST(IBP__X)
#undef IBP__X
};
const char *ibp_status_string(int status); /* "bad config", ...; "unknown status" otherwise */

/* Run states (ibp_run_state). A run that is not IBP_RUNNING has stopped and says why in
 * ibp_run_message. */
#define IBP_RUN_STATE_LIST(X)                                                \
    X(IBP_RUNNING, 0, "running")                                            \
    X(IBP_DONE_STEPS, 1, "steps done")                                      \
    X(IBP_DONE_TARGET, 2, "target loss reached")                            \
    X(IBP_DONE_GRAD, 3, "gradient norm below tolerance")                    \
    X(IBP_DIVERGED, 4, "diverged")

enum {
#define IBP__X(name, value, text) name = value,
    IBP_RUN_STATE_LIST(IBP__X)
#undef IBP__X
};
const char *ibp_run_state_string(int state);

const char *ibp_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Config language                                                                             */

/* Parse and validate a config; on success write its canonical form (table order, only keys
 * that differ from their defaults, numbers in shortest round-trip form) to canon. The canonical
 * form is a fixed point: parsing it and canonicalizing again gives the same string. With
 * full != 0 every key is written, defaults included. Returns IBP_OK or IBP_E_CONFIG. */
int ibp_config_canonical(const char *config, int full, char *canon, size_t cap, char *err,
                         size_t errlen);

/* The key table as JSON: [{"key","group","type","default","min","max","choices","help",
 * "models"}...] for programs (the page builds its controls from it). Returns needed length. */
size_t ibp_config_schema_json(char *buf, size_t cap);

/* The key table as aligned text for `ibp help config`. Returns needed length. */
size_t ibp_config_help_text(char *buf, size_t cap);

/* Inputs of a run. Zero means default/none for every field. */
typedef struct ibp_run_desc {
    const char *config;    /* "key=value&..." (NULL or "" = all defaults) */
    const char *data_csv;  /* CSV text for data=csv: header row, last `out` columns = targets
                            * (refused, never ignored, with another data or model=mf) */
    const char *init_json; /* params JSON (the format of ibp_run_params_json) for init=file
                            * (refused, never ignored, with another init) */
} ibp_run_desc;

/* Estimate the memory a run needs (bytes), its number of trained parameters, without
 * allocating anything large. The estimate bounds the heap ibp_run_create takes at its peak: the
 * run's one allocation, the config's lists and the parser's copy of the config text. Fails with
 * IBP_E_MEMORY and a message giving the estimate when the estimate exceeds mem_cap. */
int ibp_estimate(const ibp_run_desc *desc, double *bytes, long *nparams, char *err, size_t errlen);

/* ------------------------------------------------------------------------------------------ */
/* Runs                                                                                        */

typedef struct ibp_run ibp_run; /* opaque: config + model + data + optimizer + workspace */

/* Build everything the config names: data, model, initial parameters, S0 when lr_rel is used,
 * and the first metrics row (step 0). */
int ibp_run_create(ibp_run **out, const ibp_run_desc *desc, char *err, size_t errlen);
void ibp_run_destroy(ibp_run *r); /* NULL is a no-op */

/* Take up to nsteps optimizer steps (fewer if the run stops or the row buffer fills). Returns
 * the number of steps taken (>= 0) or a negative status. Never allocates. */
int ibp_run_step(ibp_run *r, int nsteps);
int ibp_run_state(const ibp_run *r);
const char *ibp_run_message(const ibp_run *r); /* why it stopped, or "running: step k" */
long ibp_run_t(const ibp_run *r);              /* steps taken so far */
int ibp_run_steps_total(const ibp_run *r);     /* the config's `steps` */

/* Change the (base) learning rate from the next step on. eta must be finite and > 0.
 * A stopped run (steps done) can be continued with ibp_run_extend. */
int ibp_run_set_lr(ibp_run *r, double eta, char *err, size_t errlen);
double ibp_run_lr(const ibp_run *r);  /* the learning rate the next step will use */
double ibp_run_lr0(const ibp_run *r); /* the base learning rate (after lr_rel resolution) */
double ibp_run_s0(const ibp_run *r);  /* sharpness at init if it was computed, else NaN */
int ibp_run_extend(ibp_run *r, int more_steps); /* raise the step limit of a stopped run */

/* Parameters: one flat vector (P,) */
long ibp_run_nparams(const ibp_run *r);
const double *ibp_run_params(const ibp_run *r);
int ibp_run_set_params(ibp_run *r, const double *theta); /* (P,) */

/* Full-batch training loss and gradient at the current parameters; grad may be NULL. */
int ibp_run_loss_grad(ibp_run *r, double *loss, double *grad /* (P,) */);
/* Exact Hessian-vector product of the full-batch training loss at the current parameters. */
int ibp_run_hvp(ibp_run *r, double *hv /* (P,) */, const double *v /* (P,) */);

/* Metrics: a table with fixed columns (chosen at creation). A row is appended every log_every
 * steps and at step 0 and at the last step; quantities not measured in a row are NaN. */
int ibp_run_ncols(const ibp_run *r);
const char *ibp_run_column(const ibp_run *r, int j); /* name of column j, e.g. "loss" */
int ibp_run_nrows(const ibp_run *r);                 /* rows waiting to be read */
const double *ibp_run_rows(const ibp_run *r);        /* (nrows, ncols), row-major */
void ibp_run_clear_rows(ibp_run *r);

/* Events, in the order they happened. kind is one of IBP_EVENT_*; value/value2:
 *   CATAPULT  peak loss / starting loss, step of the peak
 *   EOS       the sharpness S at onset, 2/eta
 *   DIVERGED  eta S with the last measured S (NaN if none), the loss
 *   CONVERGED the loss, the gradient norm
 * The metrics column `events` holds the bitmask of the events of each row. */
#define IBP_EVENT_CATAPULT 1
#define IBP_EVENT_EOS 2
#define IBP_EVENT_DIVERGED 4
#define IBP_EVENT_CONVERGED 8
int ibp_run_nevents(const ibp_run *r);
int ibp_run_event(const ibp_run *r, int i, int *kind, long *step, double *value, double *value2);
size_t ibp_run_events_text(const ibp_run *r, char *buf, size_t cap); /* one line per event */

/* ------------------------------------------------------------------------------------------ */
/* Spectra of the training-loss Hessian at the run's current parameters (one shot).           */
/* A spectrum object makes one allocation at creation (estimated first, refused above the
 * run's mem_cap) and holds the result; the run is unchanged. Modes:
 *   IBP_SPECTRUM_TOP      top-k (k_or_probes, 0 = max(topk, 3)) algebraic eigenvalues by
 *                         Lanczos with residual bounds, the smallest eigenvalue, and a
 *                         Hutchinson trace (10 Rademacher probes) with its standard error
 *   IBP_SPECTRUM_EXACT    every eigenvalue: the Hessian built from P HVPs
 *                         (P <= IBP_SPECTRUM_EXACT_MAX)
 *   IBP_SPECTRUM_DENSITY  stochastic Lanczos quadrature: k_or_probes probes (0 = 10) x steps
 *                         Lanczos steps (0 = 80), Gaussian broadening sigma (<= 0: automatic)
 * ibp_spectrum_json writes the result, with every parameter used, as one JSON object. */
#define IBP_SPECTRUM_TOP 0
#define IBP_SPECTRUM_EXACT 1
#define IBP_SPECTRUM_DENSITY 2
#define IBP_SPECTRUM_EXACT_MAX 2000 /* largest P for the exact spectrum (H is P^2 doubles) */
typedef struct ibp_spectrum ibp_spectrum;
int ibp_spectrum_create(ibp_spectrum **out, ibp_run *r, int mode, int k_or_probes, int steps,
                        double sigma, char *err, size_t errlen);
size_t ibp_spectrum_json(const ibp_spectrum *s, char *buf, size_t cap);
void ibp_spectrum_destroy(ibp_spectrum *s); /* NULL is a no-op */

/* Run summary for sweeps and phase diagrams. The regime is one of "lazy", "catapult", "eos",
 * "divergent", "not_converged" (definitions at the top of src/summary.c). The CSV form is one
 * line whose fields are ibp_summary_fields() (comma-separated names; empty = not measured). */
const char *ibp_run_regime(const ibp_run *r);
const char *ibp_summary_fields(void);
size_t ibp_run_summary_json(const ibp_run *r, char *buf, size_t cap);
size_t ibp_run_summary_csv(const ibp_run *r, char *buf, size_t cap);

/* Text outputs (snprintf semantics). */
size_t ibp_run_rows_csv(const ibp_run *r, int header, char *buf, size_t cap); /* pending rows */
size_t ibp_run_params_json(const ibp_run *r, char *buf, size_t cap);
size_t ibp_run_data_csv(const ibp_run *r, int test, char *buf, size_t cap);
size_t ibp_run_info_text(const ibp_run *r, char *buf, size_t cap); /* `ibp info` */
size_t ibp_run_conventions(const ibp_run *r, char *buf, size_t cap); /* one-line convention note */
/* The '#' comment lines that head a metrics CSV, shared by the CLI and the page so their files
 * are the same bytes: "# ibp VERSION", "# config: CANONICAL", "# seed: N", "# CONVENTIONS". */
size_t ibp_run_csv_header(const ibp_run *r, char *buf, size_t cap);
/* The metrics as JSON lines (`ibp run --out FILE.jsonl`): a meta line {"ibp": VERSION, "config":
 * CANONICAL, "seed": N, "conventions": "...", "columns": [...]}, then one object per pending row
 * (a value not measured at a row is null; an infinite loss is the string "inf" or "-inf"). */
size_t ibp_run_jsonl_header(const ibp_run *r, char *buf, size_t cap);
size_t ibp_run_rows_jsonl(const ibp_run *r, char *buf, size_t cap);

/* x^y for x > 0 with the engine's own elementary functions: the same bits everywhere (used for
 * log-spaced grids, so the CLI and the page build identical sweeps). */
double ibp_pow(double x, double y);

/* Shortest round-trip decimal form of x ("nan", "inf", "-inf" for non-finite). Identical bytes
 * natively and in WebAssembly. buf needs 32 bytes. Returns the length. */
int ibp_format_double(char *buf, double x);

#ifdef __cplusplus
}
#endif
#endif /* IBP_H */
