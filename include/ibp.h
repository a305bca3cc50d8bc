/* ibp.h -- Implicit Bias Playground: the whole public C API.
 *
 * OVERVIEW
 *   A small float64 engine for training tiny models with gradient descent at large learning
 *   rates and measuring what the theory papers track (sharpness, balance, margins, ...).
 *   Everything is configured by ONE config language, a URL-query string:
 *
 *       "model=linear&depth=2&width=1000&param=ntk&data=inline&xs=1&ys=0&lr_rel=2.5&steps=2000"
 *
 *   parsed by ONE parser (src/config/config.c) shared by the CLI, the WebAssembly module and the
 *   tests. Every key has a default, a type, a range and a help line (`ibp help config`, or
 *   ibp_config_schema_json() for programs). Unknown keys, bad values and keys that do not apply to
 *   the chosen model are errors that name the key, the value and what is allowed. The engine is
 *   the only interpreter of its languages: programs ask it for every problem of a config
 *   (ibp_config_problems_json), for the cells of a sweep (ibp_sweep_plan: the one grid grammar)
 *   and for every code, bit, regime and summary field (ibp_enums_json), and never split
 *   "k=v&k=v" text or repeat a list themselves.
 *
 *   A run (ibp_run) owns the config, the model, the data, the optimizer state and every workspace
 *   in ONE allocation whose size is computed before anything is allocated (ibp_estimate); parsing
 *   the config allocates only transiently. A spectrum (ibp_spectrum) and a sweep plan (ibp_sweep)
 *   are one allocation each. Parameters
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
 *   buffer (err, errlen) with a sentence naming what was wrong; err may be NULL (errlen 0) when
 *   the caller does not want it. The library never prints, never exits, and a run never
 *   allocates after ibp_run_create. Objects are created and destroyed in pairs;
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
 *       ibp_run_step(r, 100, err, sizeof err);        // up to 100 GD steps, never allocates
 *       int ncol = ibp_run_ncols(r), nrow = ibp_run_nrows(r);
 *       const double *rows = ibp_run_rows(r);         // (nrow, ncol), columns ibp_run_column(r, j)
 *       int jl = ibp_run_column_index(r, "loss");     // rows[i*ncol + jl] is the loss of row i
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

/* Every list of this header as one JSON object, for programs that must not repeat them:
 *   {"status":{"IBP_OK":0,...}, "state":{...}, "spectrum":{...}, "sweep":{limits},
 *    "event":{"IBP_EVENT_CATAPULT":1,...}, "events":[{"bit","id","label","help"}...],
 *    "regime":{"IBP_REGIME_LAZY":0,...}, "regimes":[{"value","id","label","help"}...] (legend order),
 *    "summaryFields":[{"id","label","help"}...] (the order of ibp_summary_fields)}
 * Returns the needed length. */
size_t ibp_enums_json(char *buf, size_t cap);

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

/* Every problem of a config at once, as JSON: "[]" when it is valid, else
 *   [{"key":"lr","value":"-1","allowed":"a number in (0, 1e6]","message":"lr=-1 is out of ..."},...]
 * Items in the order written (bad values, unknown keys, keys given twice), then keys that do not
 * apply, then the rules between keys. A key is reported once. "value" is the text as written (for
 * a rule between keys, the value in use), "allowed" what the key takes in words, "message" the
 * sentence ibp_config_canonical gives when that problem is the first. Returns the needed length. */
size_t ibp_config_problems_json(const char *config, char *buf, size_t cap);

/* The keys that mean something for this config, as a JSON array in table order
 * (["model","depth",...]): a form shows these and hides the rest. Items with problems are
 * skipped (their defaults decide), as in ibp_config_problems_json. Returns the needed length. */
size_t ibp_config_applies_json(const char *config, char *buf, size_t cap);

/* Image data sets (data=fashion_mnist). The build extracts a fixed class-balanced subset of
 * Fashion-MNIST into one file (scripts/build-images.mjs: build/data/fashion-mnist.ibpi, shipped
 * with the site as data/fashion-mnist.ibpi; its format is described in src/data/images.c). Open
 * it once from its bytes (they are validated, checksum included, and copied: the caller may free
 * them) and hand it to any number of runs through ibp_run_desc.images; close it after the last
 * ibp_run_create that uses it (a run copies the images it needs). */
typedef struct ibp_images ibp_images;
int ibp_images_open(ibp_images **out, const void *bytes, size_t len, char *err, size_t errlen);
void ibp_images_close(ibp_images *img); /* NULL is a no-op */
/* {"format":"ibp-images-1","train":N,"test":N,"rows":R,"cols":C,"classes":[names],
 *  "train_per_class":[...],"test_per_class":[...],"text":"the file's notes"} */
size_t ibp_images_info_json(const ibp_images *img, char *buf, size_t cap);
/* Image `index` of the training (test = 0) or test set: its rows*cols pixels (0..255, row-major)
 * into pixels (cap >= rows*cols bytes; NULL: only the label). Returns the label, or IBP_E_ARG. */
int ibp_images_get(const ibp_images *img, int test, int index, unsigned char *pixels, size_t cap);

/* Inputs of a run. Zero means default/none for every field. */
typedef struct ibp_run_desc {
    const char *config;    /* "key=value&..." (NULL or "" = all defaults) */
    const char *data_csv;  /* CSV text for data=csv: header row, last `out` columns = targets
                            * (refused, never ignored, with another data or model=mf) */
    const char *init_json; /* params JSON (the format of ibp_run_params_json) for init=file
                            * (refused, never ignored, with another init) */
    const ibp_images *images; /* the image file for data=fashion_mnist (unused by other data) */
} ibp_run_desc;

/* Estimate the memory a run needs (bytes), its number of trained parameters, without
 * allocating anything large. The estimate bounds the heap ibp_run_create takes at its peak: the
 * run's one allocation, the config's lists and the parser's copy of the config text. Fails with
 * IBP_E_MEMORY and a message giving the estimate when the estimate exceeds mem_cap. */
int ibp_estimate(const ibp_run_desc *desc, double *bytes, int64_t *nparams, char *err, size_t errlen);

/* ------------------------------------------------------------------------------------------ */
/* Runs                                                                                        */

typedef struct ibp_run ibp_run; /* opaque: config + model + data + optimizer + workspace */

/* Build everything the config names: data, model, initial parameters, S0 when lr_rel is used,
 * and the first metrics row (step 0). */
int ibp_run_create(ibp_run **out, const ibp_run_desc *desc, char *err, size_t errlen);
void ibp_run_destroy(ibp_run *r); /* NULL is a no-op */

/* Step counts and parameter counts are int64_t everywhere in this API (long is 32 bits in
 * WebAssembly; JS sees them as BigInt). */

/* Take up to nsteps optimizer steps (fewer when the run stops or the row buffer fills: read and
 * clear the rows, then step again). Returns the number of steps taken (>= 0; 0 for a stopped
 * run, whose state and message say why), or IBP_E_ARG with a message for nsteps < 0. Never
 * allocates. */
int64_t ibp_run_step(ibp_run *r, int64_t nsteps, char *err, size_t errlen);
int ibp_run_state(const ibp_run *r);
/* "running" while the state is IBP_RUNNING; once it stopped, one of
 *   "finished: N steps done"
 *   "finished: target loss reached at step K (loss L <= TARGET)"
 *   "finished: gradient norm G < grad_tol TOL at step K"
 *   "diverged at step K: WHAT (eta = ETA)" + optionally "; the last measured sharpness S = S
 *       (step J) gives eta S = X" + " > 2, beyond the stability edge" when it is,
 *   where WHAT is "loss L > div_loss D", "the loss became NaN" or "... infinite", or
 *   "the minibatch loss is L" (SGD). Numbers are %.4g (eta S: %.3g). */
const char *ibp_run_message(const ibp_run *r);
int64_t ibp_run_t(const ibp_run *r);           /* steps taken so far */
int64_t ibp_run_steps_total(const ibp_run *r); /* the step limit: `steps`, plus any extension */

/* Change the base learning rate to eta (finite, in (0, 1e6]) from step t+1 on, t = ibp_run_t: the
 * step out of the current parameters keeps the rate its metrics row already announced (the lr
 * column), so the table stays true. The change is recorded in the run's config as the pair
 * lr_at=t+1,eta (a second change at the same t replaces it), so ibp_run_config, the CSV header
 * and the params JSON name a config that reproduces the run bit for bit. IBP_E_ARG for a bad eta,
 * IBP_E_STATE when the run already holds IBP__LR_AT_MAX (1024) changes.
 * A stopped run (steps done) can be continued with ibp_run_extend. */
int ibp_run_set_lr(ibp_run *r, double eta, char *err, size_t errlen);
/* The run's config in canonical form (full != 0: every key in use), learning-rate changes made
 * with ibp_run_set_lr included (snprintf semantics). */
size_t ibp_run_config(const ibp_run *r, int full, char *buf, size_t cap);
double ibp_run_lr(const ibp_run *r);  /* the learning rate the next step will use */
double ibp_run_lr0(const ibp_run *r); /* the base learning rate (after lr_rel resolution) */
double ibp_run_s0(const ibp_run *r);  /* sharpness at init if it was computed, else NaN */
/* Raise the step limit by more_steps >= 0 (to at most 1e9); a run stopped by its step limit runs
 * again. The config records the new limit (ibp_run_config says steps=N): the run it names takes
 * the same steps (the same parameters bit for bit; its metrics table lacks the row and the
 * measurement the old limit forced, when they were off the log_every / measure_every grid).
 * IBP_E_ARG or IBP_E_STATE (a run that diverged or converged) with a message. */
int ibp_run_extend(ibp_run *r, int64_t more_steps, char *err, size_t errlen);

/* Parameters: one flat vector (P,) */
int64_t ibp_run_nparams(const ibp_run *r);
const double *ibp_run_params(const ibp_run *r);
/* Replace theta (P,); every value must be finite (else IBP_E_ARG, naming the first that is not). */
int ibp_run_set_params(ibp_run *r, const double *theta, char *err, size_t errlen);

/* Full-batch training loss and gradient at the current parameters; grad may be NULL. */
int ibp_run_loss_grad(ibp_run *r, double *loss, double *grad /* (P,) */);
/* Exact Hessian-vector product of the full-batch training loss at the current parameters. */
int ibp_run_hvp(ibp_run *r, double *hv /* (P,) */, const double *v /* (P,) */);

/* Metrics: a table with fixed columns (chosen at creation). A row is appended every log_every
 * steps and at step 0 and at the last step; quantities not measured in a row are NaN. */
int ibp_run_ncols(const ibp_run *r);
const char *ibp_run_column(const ibp_run *r, int j); /* name of column j, e.g. "loss" */
int ibp_run_column_index(const ibp_run *r, const char *name); /* j of that column, or -1 */
int ibp_run_nrows(const ibp_run *r);                 /* rows waiting to be read */
const double *ibp_run_rows(const ibp_run *r);        /* (nrows, ncols), row-major */
void ibp_run_clear_rows(ibp_run *r);

/* Events, in the order they happened: one list gives each kind's bit, name, label and meaning
 * (the module's enums JSON carries it, so JS never repeats them; the rules in full are at the top
 * of src/run/events.c). kind is one of IBP_EVENT_*; value/value2:
 *   CATAPULT  peak loss / starting loss, step of the peak
 *   EOS       the sharpness S at the confirming measurement, 2/eta
 *   DIVERGED  eta S with the last measured S (NaN if none), the loss
 *   CONVERGED the loss, the gradient norm
 * The metrics column `events` holds the bitmask of the events of each row. */
#define IBP_EVENT_LIST(X)                                                                          \
    X(IBP_EVENT_CATAPULT, 1, "catapult", "catapult",                                              \
      "a loss spike (a rise by catapult_factor above its running minimum, then a fall below it) "  \
      "while the curvature fell from above the edge (eta S / 2 > 1) to below it; spikes during "  \
      "the edge of stability are not catapults")                                                 \
    X(IBP_EVENT_EOS, 2, "eos", "EoS onset",                                                       \
      "the sharpness reached the edge from below and stayed: eta S / 2 >= 0.95 after being "      \
      "below it, still in [0.95, 2) at least 10 steps later without the loss blowing up")         \
    X(IBP_EVENT_DIVERGED, 4, "diverged", "diverged",                                              \
      "the loss exceeded div_loss or stopped being finite")                                       \
    X(IBP_EVENT_CONVERGED, 8, "converged", "converged",                                           \
      "the run stopped at target_loss or grad_tol")
enum {
#define IBP__X(name, bit, id, label, help) name = bit,
    IBP_EVENT_LIST(IBP__X)
#undef IBP__X
};
int ibp_run_nevents(const ibp_run *r);
int ibp_run_event(const ibp_run *r, int i, int *kind, int64_t *step, double *value, double *value2);
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

/* Run summary for sweeps and phase diagrams. A run's regime is one of the list below, in legend
 * order (rules at the top of src/run/summary.c); "error" is a sweep cell whose run could not be
 * created (ibp_run_regime never returns it). The CSV form is one line whose fields are
 * ibp_summary_fields() (comma-separated names; empty = not measured), from the field list
 * below. Both lists, with labels and meanings, are in the module's enums JSON. */
#define IBP_REGIME_LIST(X)                                                                         \
    X(IBP_REGIME_LAZY, 0, "lazy", "lazy", "converged without a catapult or the edge of stability") \
    X(IBP_REGIME_CATAPULT, 1, "catapult", "catapult",                                             \
      "the loss rose catapult_factor times above its start, then ended below it")                 \
    X(IBP_REGIME_EOS, 2, "eos", "edge of stability",                                              \
      "reached the edge, ends there (eta S / 2 in [0.9, 1.1]) with a non-monotone loss")          \
    X(IBP_REGIME_DIVERGENT, 3, "divergent", "divergent", "the run diverged")                      \
    X(IBP_REGIME_NOT_CONVERGED, 4, "not_converged", "not converged",                              \
      "none of the above by the last step")                                                       \
    X(IBP_REGIME_ERROR, 5, "error", "error", "the run could not be created (the message says why)")
enum {
#define IBP__X(name, value, id, label, help) name = value,
    IBP_REGIME_LIST(IBP__X)
#undef IBP__X
};
#define IBP_SUMMARY_FIELD_LIST(X)                                                                  \
    X(regime, "regime", "the regime (IBP_REGIME_LIST)")                                           \
    X(steps, "steps run", "optimizer steps taken")                                                \
    X(final_loss, "final loss L_T", "training loss at the last step")                             \
    X(loss0, "initial loss L_0", "training loss at initialization")                               \
    X(max_loss_ratio, "max_t L_t / L_0", "the highest loss over the initial loss")                \
    X(monotone, "monotone loss (1 = yes)", "1 when every step had L_{t+1} <= L_t (1 + 1e-12)")    \
    X(steps_to_converge, "steps to converge",                                                     \
      "first step with the loss at the convergence level or a vanished gradient")                \
    X(eta, "learning rate \u03b7", "the base learning rate")                                      \
    X(final_sharpness, "final sharpness S_T", "the last measured sharpness")                     \
    X(s0, "initial sharpness S_0", "the sharpness at initialization")                             \
    X(eta_s_final, "\u03b7 S_T", "the learning rate times the final sharpness")                   \
    X(lambda0, "initial NTK \u03bb0", "top NTK eigenvalue at initialization")                     \
    X(final_lambda, "final NTK \u03bb_T", "top NTK eigenvalue at the last measurement")           \
    X(lambda_ratio, "\u03bb_T / \u03bb0 (S_T / S_0 without NTK)",                                 \
      "final over initial NTK eigenvalue, or sharpness when the NTK is not tracked")             \
    X(events, "events (bitmask)", "the bits of every event of the run (IBP_EVENT_LIST)")          \
    X(wprod_dist, "\u2016w_prod \u2212 w*\u2016",                                                  \
      "distance of the end-to-end map of a deep linear net to the OLS solution")                 \
    X(s_min, "S_min (Marion\u2013Chizat bound)", "the sharpness bound of Marion and Chizat")       \
    X(data_lambda, "\u039b = \u03bb_max(\u03a3\u0302)", "the top eigenvalue of the data covariance") \
    X(factor_gap, "|\u2016X\u2016 \u2212 \u2016Y\u2016|", "imbalance of the norms of two factors")
const char *ibp_run_regime(const ibp_run *r);
int ibp_run_regime_id(const ibp_run *r); /* IBP_REGIME_* */
const char *ibp_regime_string(int regime); /* "lazy", ..., "error"; "unknown regime" otherwise */
const char *ibp_summary_fields(void);
size_t ibp_run_summary_json(const ibp_run *r, char *buf, size_t cap);
size_t ibp_run_summary_csv(const ibp_run *r, char *buf, size_t cap);

/* ------------------------------------------------------------------------------------------ */
/* Pictures of the data and the model (the page's data and model view; src/run/probe.c).      */
/* Nothing here changes the run: the forward pass uses a workspace of its own.                */

/* The training set (test = 0) or the test set: inputs (n, d) and targets (n, k), row-major,
 * targets as trained on (+-1 for classification). model=mf has no inputs (x NULL, d = 0): its
 * "targets" are the rows of A (n = rows, k = cols), and it has no test set. */
const double *ibp_run_data_x(const ibp_run *r, int test);
const double *ibp_run_data_y(const ibp_run *r, int test);
int ibp_run_data_n(const ibp_run *r, int test);
int ibp_run_dim_in(const ibp_run *r);  /* d (0 for mf) */
int ibp_run_dim_out(const ibp_run *r); /* k (mf: cols) */
/* The model's outputs f (n, k) at the current parameters for any inputs x (n, d), n >= 0: the
 * same forward pass as training, bit for bit. IBP_E_STATE for model=mf (no inputs). */
int ibp_run_predict(ibp_run *r, const double *x, int64_t n, double *f, char *err, size_t errlen);
/* The layers, input side first: a trained layer h has W (rows = fan_out, cols = fan_in) row-major
 * and, with biases, b (rows,); a fixed head is untrained (trained = 0, its values given);
 * alpha is the forward prefactor (1/sqrt(fan_in) under param=ntk). mf: X (rows, r), Y (cols, r).
 * The pointers see the current parameters. IBP_E_ARG for i outside 0 .. nlayers-1. */
int ibp_run_nlayers(const ibp_run *r);
int ibp_run_layer(const ibp_run *r, int i, int *rows, int *cols, int *trained, double *alpha,
                  const double **w, const double **b);

/* Text outputs (snprintf semantics). */
size_t ibp_run_rows_csv(const ibp_run *r, int header, char *buf, size_t cap); /* pending rows */
/* Rows read earlier (nrows, ncols), as ibp_run_rows_csv would have written them: the same bytes. */
size_t ibp_run_csv_of_rows(const ibp_run *r, const double *rows, int nrows, int header, char *buf,
                           size_t cap);
/* The parameters as JSON (`ibp run --save`): {"format":"ibp-params-1", "version", "config",
 * "step", "params": [{"name","shape","data"}...], "grad": [...]}; "grad" is the gradient of the
 * full-batch training loss at these parameters, as the same named arrays (readers may ignore it). */

/* ------------------------------------------------------------------------------------------ */
/* Flows beside GD (config flow=gf,central,rod,edge; issue 15; src/flows/)
 *
 * Continuous-time models integrated beside GD in its time units t = eta k (Dormand-Prince 5(4),
 * clipped at every integer step k), from GD's theta0 (flow_start=init) or from GD's iterate at
 * its EoS onset event (flow_start=onset). Each flow adds columns: gf_loss, gf_sharpness (on
 * measured rows), gf_dist = ||theta_GD - theta_GF||, gf_rel_dist = gf_dist / ||theta_GD||,
 * gf_hvps; cf_loss, cf_pred_loss (L + 1/2 <Sigma, H>, the central flow's predicted time-averaged
 * loss), cf_sharpness, cf_eig2, cf_sigma2 (tr Sigma), cf_dist, cf_rel_dist, cf_hvps (cumulative
 * Hessian-vector products). The flows only read GD's parameters: GD's own columns are the same
 * bits with or without them.
 * --- rod/edge (issue 15) --- flow=rod (Rod Flow, Regis & Chewi 2026) and flow=edge
 * (Edge Flow, Marion 2026), both as RECONSTRUCTED from their abstracts (their equations were not
 * available; src/flows/flow_rod.c, flow_edge.c state and derive them). Each is a centre plus an
 * oscillation vector o; GD's iterate at step k is predicted as centre + (-1)^(k - k0) o. Columns
 * rf_loss / ef_loss (L at the centre), rf_pred_loss / ef_pred_loss (1/2 [L(c + o) + L(c - o)]),
 * rf_sharpness (measured rows: Lanczos at the centre) / ef_sharpness (every row: the flow's own
 * Rayleigh quotient u^T H u), rf_dist / ef_dist (||theta_GD - predicted iterate||), rf_rel_dist /
 * ef_rel_dist, rf_hvps (measured rows only) / ef_hvps, rf_grads / ef_grads (cumulative loss
 * gradients), rf_osc / ef_osc (||o||: the rod's half-length; Edge Flow's magnitude a).
 * --- end rod/edge ---
 *
 * Lockstep (default): ibp_run_step integrates the flows to each step and fills their columns in
 * GD's rows (the CLI, sweeps). Follow mode, for a page where GD runs ahead and the flows follow
 * as their points arrive:
 *     ibp_run_flow_follow(r, 1, err, n);          // before stepping (or whenever caught up)
 *     loop:  ibp_run_step(r, 50, ...);            // GD: its rows now hold NaN flow columns
 *            ibp_run_flow_step(r, 400, ...);      // the flows: at most ~400 right-hand sides
 *            read ibp_run_flow_rows (step + the flow columns, in the main table's order), clear
 * GD keeps its theta for each row the flows still owe, in a ring of ibp_run_flow_lag_max rows
 * (the run's `steps`, or fewer when they do not fit in 64 MiB or in what mem_cap leaves: the
 * ring is part of the run's memory and of ibp_estimate): while that many are pending, and only
 * then, ibp_run_step takes no step (returns 0 with the run still running) until
 * ibp_run_flow_step catches up. The flow rows are the same bits as the
 * lockstep columns of the same steps (rows GD wrote before the switch, e.g. step 0 at creation,
 * keep their lockstep values). A right-hand side costs one gradient (gf) or one gradient,
 * a warm Lanczos solve and, at the edge, up to k (k+1)/2 D3 passes (central): the budget bounds
 * the time of a call to about budget right-hand sides plus one integrator step (7 of them). */
/* on != 0: follow mode. Going back to lockstep needs the flows caught up (else IBP_E_STATE);
 * IBP_E_STATE too for a run without flows. */
int ibp_run_flow_follow(ibp_run *r, int on, char *err, size_t errlen);
/* Advance the flows toward the rows GD has written, spending at most about max_rhs right-hand
 * sides (0: no limit). Returns the flow rows appended (>= 0), or IBP_E_ARG / IBP_E_STATE. */
int64_t ibp_run_flow_step(ibp_run *r, int64_t max_rhs, char *err, size_t errlen);
int64_t ibp_run_flow_lag(const ibp_run *r); /* rows GD has written that the flows still owe */
int64_t ibp_run_flow_lag_max(const ibp_run *r); /* the most it can be: GD waits there (0: no flows) */
int64_t ibp_run_flow_at(const ibp_run *r);  /* the step the flows' state is at (-1: not started) */
int ibp_run_flow_ncols(const ibp_run *r);   /* 0 without flows; column 0 is "step" */
const char *ibp_run_flow_column(const ibp_run *r, int j);
int ibp_run_flow_nrows(const ibp_run *r);
const double *ibp_run_flow_rows(const ibp_run *r); /* (nrows, ncols) row-major */
void ibp_run_flow_clear_rows(ibp_run *r);
size_t ibp_run_flow_rows_csv(const ibp_run *r, int header, char *buf, size_t cap);
/* "" while every flow runs; else why each stopped flow stopped, in column order with "; " between
 * ("the central flow stopped at step K: ...": a
 * right-hand side that is not finite, an integrator step that underflows, or one GD step that costs
 * the flow more than 10,000 right-hand sides, where it is too stiff to model GD). A stopped flow's
 * columns are NaN from there on; GD goes on. */
const char *ibp_run_flow_message(const ibp_run *r);
/* Flows beside GD: their names and parameters (issue 15, the page; src/run/flow_params.c).
 * A program draws the flows a run has from these and its columns, never from a list of its own:
 *   ibp_run_flow_count      flows configured (0 without flow=), in the order of their columns
 *   ibp_run_flow_prefix     the prefix of flow i's columns ("gf", "cf": gf_loss, cf_sharpness, ...)
 *   ibp_run_flow_label      its name in words ("gradient flow", "central flow"; a flow without a
 *                           name of its own: its choice of the key `flow` + " flow")
 *   ibp_run_flow_params     its current state theta (P,) (lockstep: at GD's step); returns the step
 *                           it is at, -1 when it has not started (flow_start=onset) or stopped
 *   ibp_run_flow_row_params the states at the pending flow rows of follow mode, (nrows, count, P)
 *                           beside ibp_run_flow_rows (cleared with them; NaN where a flow has not
 *                           started or has stopped), for runs with P <= IBP_FLOW_ROW_PARAMS_MAX
 *                           (the trajectory view of two-parameter models); NULL otherwise */
#define IBP_FLOW_ROW_PARAMS_MAX 2
int ibp_run_flow_count(const ibp_run *r);
const char *ibp_run_flow_prefix(const ibp_run *r, int i);
const char *ibp_run_flow_label(const ibp_run *r, int i);
int64_t ibp_run_flow_params(const ibp_run *r, int i, double *theta, int64_t P);
const double *ibp_run_flow_row_params(const ibp_run *r);
size_t ibp_run_params_json(const ibp_run *r, char *buf, size_t cap);
/* A vector v (P,) laid out like theta (a gradient, an HVP, a direction) as the JSON list of its
 * named arrays: [{"name":"W1","shape":[...],"data":[...]}, ...]. */
size_t ibp_run_vector_json(const ibp_run *r, const double *v, char *buf, size_t cap);
/* Read a params JSON (ibp_run_params_json's format, or a bare list of named arrays) into v (P,)
 * laid out like theta: every trained array must be there with its shape. IBP_OK or IBP_E_INIT. */
int ibp_run_vector_read(const ibp_run *r, const char *json, double *v, char *err, size_t errlen);
size_t ibp_run_data_csv(const ibp_run *r, int test, char *buf, size_t cap);
/* Where a viewer finds things (the page's filters and image grid), as JSON:
 *   {"P":P,"n":n,"n_test":n_test,"k":k,
 *    "input":{"d":d,"shape":[H,W,C],"order":"y,x,channel"}   (1-D: [L,C] "x,channel"; other
 *            data: [d] "feature"; model=mf: null),
 *    "classes":[0,6]                                           (data=fashion_mnist: the class of
 *            target j, or of +1 then -1 with two classes),
 *    "params":[{"name":"K1","offset":0,"shape":[8,1,3,3],"trained":true}, ...]}
 * An array's elements are ibp_run_params(r)[offset ...] in row-major order of its shape (a
 * kernel (C_out, C_in, kh, kw)); a fixed array (a head) has offset -1 and "trained": false. */
size_t ibp_run_layout_json(const ibp_run *r, char *buf, size_t cap);
/* Sample `index` of the training (test = 0) or test set as the model sees it: x (d,) in the
 * input's order, y (k,) its target (either may be NULL). IBP_OK, or IBP_E_ARG outside the set
 * (model=mf has no samples). */
int ibp_run_sample(const ibp_run *r, int test, int index, double *x, double *y);
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

/* ------------------------------------------------------------------------------------------ */
/* Sweeps: the ONE grid grammar (`ibp sweep`, the sweep page and the gallery all plan here)    */
/* A plan is a base config and up to IBP_SWEEP_MAX_KEYS varied keys, given as text, one
 * KEY=GRID per line (blank lines ignored):
 *   GRID = v1,v2,...         an explicit list (at most IBP_SWEEP_MAX_VALUES values)
 *        | lin:START:STOP:N  N values evenly spaced from START to STOP
 *        | log:START:STOP:N  N values evenly spaced in log from START to STOP (START, STOP > 0)
 * Spaces and tabs around KEY, GRID, list values and the parts of lin:/log: do not count ("seed=1
 * ,2" is the values 1 and 2). START and STOP are numbers of the config language; N is a number
 * whose value is a whole number in [1, IBP_SWEEP_MAX_VALUES] ("3", "3.0", "3e0"). Grid values
 * keep the endpoints exactly as written; inside they are a + ((b - a) i) / (N - 1) and
 * a * ibp_pow(b / a, i / (N - 1)), the same bits everywhere. A list value may not contain & = #
 * spaces or control characters; %XX escapes read as in a config, so a list-valued key sweeps as
 * init=4%2C0.1,2%2C0.5. Every value is checked for its key (type, range) and kept in the config
 * writer's canonical text ("1e-1" is "0.1") with its commas written %2C; whether a key applies,
 * and the rules between keys, depend on the whole cell (ibp_sweep_cell_check).
 * Cells are numbered 0 .. ncells-1 with the first key outermost: cell = i0 * n1 + i1. A cell's
 * config is the canonical base without the varied keys, plus KEY=value for each key, written in
 * canonical form. Shard I of N (1 <= I <= N) runs the cells c with c mod N = I - 1.
 * A plan is one allocation; its strings live until ibp_sweep_destroy. The limits of a sweep are
 * the callers' (the CLI runs IBP_SWEEP_MAX_CELLS cells in all, IBP_SWEEP_MAX_JOB_CELLS per
 * process; the page fewer). */
#define IBP_SWEEP_MAX_KEYS 2
#define IBP_SWEEP_MAX_VALUES 10000
#define IBP_SWEEP_MAX_CELLS 1000000
#define IBP_SWEEP_MAX_JOB_CELLS 10000
typedef struct ibp_sweep ibp_sweep;
/* IBP_OK, or IBP_E_CONFIG (the base config, a KEY=GRID, a value) / IBP_E_NOMEM, with a message. */
int ibp_sweep_plan(ibp_sweep **out, const char *base_config, const char *vary, char *err, size_t errlen);
void ibp_sweep_destroy(ibp_sweep *s); /* NULL is a no-op */
int64_t ibp_sweep_ncells(const ibp_sweep *s);
/* {"keys":[{"key","spec","values":[canonical texts]}...],"ncells":N,"base":"canonical base"} */
size_t ibp_sweep_json(const ibp_sweep *s, char *buf, size_t cap);
int ibp_sweep_nkeys(const ibp_sweep *s);
const char *ibp_sweep_key(const ibp_sweep *s, int k);         /* NULL outside 0 .. nkeys-1 */
const char *ibp_sweep_spec(const ibp_sweep *s, int k);        /* "KEY=GRID" as given, trimmed */
int64_t ibp_sweep_nvalues(const ibp_sweep *s, int k);
const char *ibp_sweep_value(const ibp_sweep *s, int k, int64_t i);
int64_t ibp_sweep_value_index(const ibp_sweep *s, int64_t cell, int k); /* -1 outside */
const char *ibp_sweep_cell_value(const ibp_sweep *s, int64_t cell, int k);
/* The config of a cell (snprintf semantics): its canonical form when the cell is a valid
 * config; otherwise its text as assembled, so that creating a run of it reports the parser's
 * message; "" outside 0 .. ncells-1. ibp_sweep_cell_check: IBP_OK, IBP_E_CONFIG with the
 * parser's message, or IBP_E_ARG for a cell outside. */
size_t ibp_sweep_cell_config(const ibp_sweep *s, int64_t cell, char *buf, size_t cap);
int ibp_sweep_cell_check(const ibp_sweep *s, int64_t cell, char *err, size_t errlen);
/* "I/N" with whole numbers 1 <= I <= N <= 1000000, or IBP_E_ARG with a message. */
int ibp_sweep_shard_parse(const char *text, int *shard, int *nshards, char *err, size_t errlen);
/* Cells in shard I of N, or IBP_E_ARG for a bad shard; the j-th of them (j from 0), or -1. */
int64_t ibp_sweep_shard_ncells(const ibp_sweep *s, int shard, int nshards);
int64_t ibp_sweep_shard_cell(const ibp_sweep *s, int shard, int nshards, int64_t j);

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
