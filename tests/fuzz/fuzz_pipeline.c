/* fuzz_pipeline -- the whole engine behind one config: parse, estimate, create (data, model,
 * init, S0), a few steps, every measurement kind, every text writer.
 * Input: a config text; a small mem_cap (16 MiB) is added unless the config sets one, and
 * configs bigger than tiny (P > 64, more than 32 samples, ...) are skipped, so that a run costs
 * well under a millisecond and 1e7 executions take hours, not days. Properties: no crash, leak or undefined behaviour; a
 * refusal has a message; the heap a creation takes at its peak never exceeds ibp_estimate's
 * bytes; ibp_run_step allocates nothing; spectra stay within mem_cap; every writer keeps the
 * snprintf contract and every JSON writer writes valid JSON; a finished run's rows are finite
 * where the engine promises it (step, loss unless diverged). Heap use is counted by the
 * sanitizer's malloc and free hooks. */
#include <sanitizer/allocator_interface.h>
#include "fuzz_util.h"
#include "run/run_internal.h"

static struct { int on; size_t cur, peak, count; } heap;

static void on_malloc(const volatile void *p, size_t n) {
    (void)p;
    if (!heap.on) return;
    heap.cur += n;
    heap.count++;
    if (heap.cur > heap.peak) heap.peak = heap.cur;
}
static void on_free(const volatile void *p) {
    if (!heap.on || !p) return;
    heap.cur -= __sanitizer_get_allocated_size((const void *)p);
}
static void track(int on) {
    heap.on = on;
    if (on) heap.cur = heap.peak = heap.count = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    return 0;
}

/* writers with one signature */
#define W(name, call) static size_t name(const void *o, int a, char *b, size_t c) { (void)a; return call; }
W(w_rows_csv, ibp_run_rows_csv(o, a, b, c))
W(w_rows_jsonl, ibp_run_rows_jsonl(o, b, c))
W(w_jsonl_header, ibp_run_jsonl_header(o, b, c))
W(w_csv_header, ibp_run_csv_header(o, b, c))
W(w_params, ibp_run_params_json(o, b, c))
W(w_data, ibp_run_data_csv(o, a, b, c))
W(w_info, ibp_run_info_text(o, b, c))
W(w_conv, ibp_run_conventions(o, b, c))
W(w_events, ibp_run_events_text(o, b, c))
W(w_sum_json, ibp_run_summary_json(o, b, c))
W(w_sum_csv, ibp_run_summary_csv(o, b, c))
W(w_spec, ibp_spectrum_json(o, b, c))

static void text(fuzz_writer fn, const void *o, int a, const char *what, int json) {
    char *t = fuzz_text(fn, o, a, what);
    if (json) FUZZ_ASSERT(fuzz_json_valid(t, json == 2), "%s is not valid JSON:\n%s", what, t);
    free(t);
}

/* Tiny enough for 1e7 executions? (far below the engine's limits: every code path is reachable
 * with a few parameters and samples) */
static int cheap(const ibp__config *c, int64_t P) {
    if (P > 64 || c->lanczos_max > 64) return 0;
    if (c->model == IBP__MODEL_MF) return c->rows <= 16 && c->cols <= 16;
    long n = c->n > c->n_test ? c->n : c->n_test;
    if (c->opt == IBP__OPT_SGD && c->batch > n) n = c->batch;
    return n <= 32 && c->d <= 16 && c->out <= 4 && c->teacher_width <= 16;
}

static void spectrum(ibp_run *r, int mode, int k, int steps) {
    ibp_spectrum *s = NULL;
    char err[512] = "";
    track(1);
    int rc = ibp_spectrum_create(&s, r, mode, k, steps, 0, err, sizeof err);
    track(0);
    FUZZ_ASSERT(heap.peak <= r->c.mem_cap_mib * 1048576.0, "spectrum %d took %zu bytes, above mem_cap", mode, heap.peak);
    if (rc != IBP_OK) { FUZZ_ASSERT(s == NULL && err[0], "spectrum refusal %d has a message", rc); return; }
    text(w_spec, s, 0, "spectrum json", 1);
    ibp_spectrum_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *in = fuzz_cstr(data, size), err[1024] = "";
    fuzz_check_cut = size % 4 == 0; /* the snprintf cut on a quarter of the inputs */
    ibp__config c;
    if (ibp__config_parse(&c, in, err, sizeof err) != IBP_OK) { free(in); return 0; }
    int given_cap = ibp__config_given(&c, "mem_cap");
    double cap_mib = c.mem_cap_mib;
    ibp__config_free(&c);
    if (given_cap && cap_mib > 16) { free(in); return 0; }
    size_t len = strlen(in);
    char *cfg = malloc(len + 32);
    snprintf(cfg, len + 32, "%s%s", in, given_cap ? "" : "&mem_cap=16");
    free(in);

    ibp_run_desc d = {.config = cfg, .data_csv = NULL, .init_json = NULL};
    double est = 0;
    int64_t P = 0;
    int rc = ibp_estimate(&d, &est, &P, err, sizeof err);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(err[0], "an estimate refusal (%d) has a message", rc);
        free(cfg);
        return 0;
    }
    ibp__config_parse(&c, cfg, err, sizeof err);
    int ok = cheap(&c, P);
    ibp__config_free(&c);
    if (!ok) { free(cfg); return 0; }

    ibp_run *r = NULL;
    track(1);
    rc = ibp_run_create(&r, &d, err, sizeof err);
    track(0);
    FUZZ_ASSERT(heap.peak <= est, "the creation took %zu bytes at its peak, above the estimate %.0f", heap.peak, est);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(r == NULL && err[0], "a refusal (%d) has a message", rc);
        free(cfg);
        return 0;
    }
    FUZZ_ASSERT(ibp_run_nparams(r) == P, "P %lld vs estimated %lld", (long long)ibp_run_nparams(r), (long long)P);
    text(w_jsonl_header, r, 0, "jsonl header", 2);
    text(w_csv_header, r, 0, "csv header", 0);
    track(1);
    int took = ibp_run_step(r, 3, NULL, 0);
    track(0);
    FUZZ_ASSERT(heap.count == 0, "ibp_run_step allocated %zu times", heap.count);
    FUZZ_ASSERT(took >= 0 && took <= 3, "steps taken %d", took);
    int nc = ibp_run_ncols(r), nr = ibp_run_nrows(r);
    const double *rows = ibp_run_rows(r);
    FUZZ_ASSERT(nr >= 1 && rows[0] == 0, "the first row is step 0");
    for (int i = 0; i < nr; i++) {
        FUZZ_ASSERT(i == 0 || rows[(size_t)i * nc] > rows[(size_t)(i - 1) * nc], "row %d: steps increase", i);
        if (ibp_run_state(r) != IBP_DIVERGED) FUZZ_ASSERT(ibp__isfinite(rows[(size_t)i * nc + 1]), "row %d loss", i);
    }
    text(w_rows_csv, r, 1, "rows csv", 0);
    text(w_rows_jsonl, r, 0, "rows jsonl", nr ? 2 : 0);
    ibp_run_clear_rows(r);
    FUZZ_ASSERT(ibp_run_set_lr(r, __builtin_nan(""), err, sizeof err) == IBP_E_ARG, "NaN lr refused");
    if (ibp_run_state(r) == IBP_DONE_STEPS) FUZZ_ASSERT(ibp_run_extend(r, 2, NULL, 0) == IBP_OK, "extend a finished run");
    ibp_run_step(r, 2, NULL, 0);
    /* the top-k always; the exact spectrum and the density (400 grid points to format) on a third
     * of the inputs each: their code is reached as often as the fuzzer needs, at a third the cost */
    spectrum(r, IBP_SPECTRUM_TOP, 2, 0);
    if (P <= 16 && size % 3 == 1) spectrum(r, IBP_SPECTRUM_EXACT, 0, 0);
    if (size % 3 == 2) spectrum(r, IBP_SPECTRUM_DENSITY, 2, 8);
    text(w_params, r, 0, "params json", 1);
    text(w_data, r, 0, "data csv", 0);
    text(w_data, r, 1, "test data csv", 0);
    text(w_info, r, 0, "info", 0);
    text(w_conv, r, 0, "conventions", 0);
    text(w_events, r, 0, "events", 0);
    text(w_sum_json, r, 0, "summary json", 1);
    text(w_sum_csv, r, 0, "summary csv", 0);
    ibp_run_destroy(r);
    free(cfg);
    return 0;
}
