/* fuzz_config -- the ONE config parser and its canonical form (src/config.c).
 * Input: a config text. Properties: parsing never crashes, leaks or hits undefined behaviour;
 * a refusal is IBP_E_CONFIG with a message; an accepted config's canonical form is a fixed point
 * (canonical(canonical(c)) == canonical(c)); the full form (every key) canonicalizes back to
 * the same short form; the memory estimate of an accepted config is computed without crashing
 * and, when it succeeds, is positive. */
#include "fuzz_util.h"

static char *canonical(const char *cfg, int full, int *rc, char *err, size_t errlen) {
    size_t cap = 4096;
    for (;;) {
        char *out = malloc(cap);
        *rc = ibp_config_canonical(cfg, full, out, cap, err, errlen);
        if (*rc != IBP_E_ARG) return out;
        free(out);
        cap *= 8;
        FUZZ_ASSERT(cap < ((size_t)1 << 32), "canonical form keeps growing");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *cfg = fuzz_cstr(data, size), err[1024];
    int rc;
    err[0] = '\0';
    char *canon = canonical(cfg, 0, &rc, err, sizeof err);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(rc == IBP_E_CONFIG || rc == IBP_E_NOMEM, "refusal code %d", rc);
        FUZZ_ASSERT(err[0] && strlen(err) < sizeof err, "a refusal has a message");
    } else {
        char *again = canonical(canon, 0, &rc, err, sizeof err);
        FUZZ_ASSERT(rc == IBP_OK, "the canonical form \"%s\" is refused: %s", canon, err);
        FUZZ_ASSERT(!strcmp(again, canon), "not a fixed point:\n  %s\n  %s", canon, again);
        free(again);
        char *full = canonical(cfg, 1, &rc, err, sizeof err);
        FUZZ_ASSERT(rc == IBP_OK, "the full form is refused: %s", err);
        char *back = canonical(full, 0, &rc, err, sizeof err);
        FUZZ_ASSERT(rc == IBP_OK && !strcmp(back, canon), "full form \"%s\" -> \"%s\", want \"%s\" (%s)", full, back,
                    canon, err);
        free(back);
        free(full);
        double bytes = -1;
        int64_t P = -1;
        ibp_run_desc d = {.config = canon, .data_csv = NULL, .init_json = NULL};
        rc = ibp_estimate(&d, &bytes, &P, err, sizeof err);
        FUZZ_ASSERT(rc <= 0 && (rc != IBP_OK || (bytes > 0 && P > 0)), "estimate rc %d, %g bytes, P %lld", rc, bytes, (long long)P);
    }
    free(canon);
    free(cfg);
    return 0;
}
