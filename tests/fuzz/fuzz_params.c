/* fuzz_params -- the params JSON reader (src/params_json.c, init=file).
 * Input: byte 0 picks one of the models below (trained heads, fixed heads, biases, mf), the rest
 * is the JSON text. Properties: no crash, leak, stack overflow or undefined behaviour; a refusal
 * is IBP_E_INIT (or IBP_E_NUMERIC: finite values whose loss overflows) with a message; an
 * accepted file gives finite parameters, and saving them and loading the saved file again gives
 * the same bits (the fixed head included) and the same file. */
#include "fuzz_util.h"
#include "run/run_internal.h"

static const char *models[] = {
    "model=mlp&depth=2&width=3&d=2&n=4",
    "model=mlp&depth=1&width=2&d=2&n=4&bias=0&head=unit",
    "model=mlp&depth=2&width=2&d=1&n=4&out=2&head=pm",
    "model=linear&depth=2&width=2&d=2&n=4",
    "model=linear&depth=1&d=3&width=3&n=4&head=0.5,-1,2",
    "model=mf&rows=3&cols=2&rank=1",
    "model=mlp&depth=3&width=2,3,2&d=1&n=4&head=unit",
    "model=linear&depth=1&d=1&n=2",
};

static size_t params_json(const void *r, int arg, char *b, size_t c) { (void)arg; return ibp_run_params_json(r, b, c); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *model = models[data[0] % (sizeof models / sizeof models[0])];
    char *json = fuzz_cstr(data + 1, size - 1), cfg[200], err[1024] = "";
    snprintf(cfg, sizeof cfg, "%s&init=file&steps=0&measure=0&mem_cap=16", model);
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg, .data_csv = NULL, .init_json = json};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(r == NULL && (rc == IBP_E_INIT || rc == IBP_E_NUMERIC), "refusal code %d: %s", rc, err);
        FUZZ_ASSERT(err[0], "a refusal has a message");
    } else {
        int64_t P = ibp_run_nparams(r);
        for (int64_t i = 0; i < P; i++) FUZZ_ASSERT(ibp__isfinite(ibp_run_params(r)[i]), "theta[%lld]", (long long)i);
        char *saved = fuzz_text(params_json, r, 0, "params json");
        FUZZ_ASSERT(fuzz_json_valid(saved, 0), "the saved file is not JSON:\n%s", saved);
        ibp_run *r2 = NULL;
        ibp_run_desc d2 = {.config = cfg, .data_csv = NULL, .init_json = saved};
        rc = ibp_run_create(&r2, &d2, err, sizeof err);
        FUZZ_ASSERT(rc == IBP_OK, "the saved file is refused: %s\n%s", err, saved);
        FUZZ_ASSERT(!memcmp(ibp_run_params(r), ibp_run_params(r2), sizeof(double) * (size_t)P), "theta changed");
        const ibp__layer *h1 = &r->m.L[r->m.nl - 1], *h2 = &r2->m.L[r2->m.nl - 1];
        if (r->m.kind != IBP__MODEL_MF && h1->off < 0)
            FUZZ_ASSERT(!memcmp(h1->fixed, h2->fixed, sizeof(double) * (size_t)h1->rows * h1->cols), "the head changed");
        char *again = fuzz_text(params_json, r2, 0, "params json");
        FUZZ_ASSERT(!strcmp(saved, again), "saving the reload gives another file");
        free(again);
        free(saved);
        ibp_run_destroy(r2);
        ibp_run_destroy(r);
    }
    free(json);
    return 0;
}
