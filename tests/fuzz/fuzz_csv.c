/* fuzz_csv -- the data CSV reader (src/data_csv.c) through a run with data=csv.
 * Input: byte 0 picks out = 1..3 and n_test = 0..1, the rest is the CSV text. Properties: no
 * crash, leak or undefined behaviour; a refusal is IBP_E_DATA or IBP_E_CONFIG with a message; an
 * accepted file gives a run with finite inputs and targets, and writing that training set out
 * (ibp_run_data_csv) and reading it back gives the same bits (a -0 comes back as 0). */
#include "fuzz_util.h"
#include "run/run_internal.h"

/* The same bits, but for the sign of zero: the CSV reader keeps a -0 it reads, the writer
 * prints no sign on zero (ibp_format_double). */
static int same(const double *a, const double *b, long n) {
    for (long i = 0; i < n; i++)
        if (memcmp(a + i, b + i, sizeof(double)) != 0 && !(a[i] == 0 && b[i] == 0)) return 0;
    return 1;
}

static size_t data_csv(const void *r, int test, char *b, size_t c) { return ibp_run_data_csv(r, test, b, c); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int out = 1 + data[0] % 3, n_test = (data[0] / 3) % 2;
    char *csv = fuzz_cstr(data + 1, size - 1), cfg[160], err[1024] = "";
    snprintf(cfg, sizeof cfg, "model=linear&depth=1&data=csv&out=%d&n_test=%d&steps=0&measure=0&mem_cap=64", out, n_test);
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg, .data_csv = csv, .init_json = NULL};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(r == NULL && (rc == IBP_E_DATA || rc == IBP_E_CONFIG || rc == IBP_E_MEMORY || rc == IBP_E_NUMERIC),
                    "refusal code %d", rc);
        FUZZ_ASSERT(err[0], "a refusal has a message");
    } else {
        const ibp__data *D = &r->D;
        FUZZ_ASSERT(D->k == out && D->n >= 1 && D->n_test == n_test, "shape n %d k %d", D->n, D->k);
        for (long i = 0; i < (long)D->n * D->d; i++) FUZZ_ASSERT(ibp__isfinite(D->x[i]), "x[%ld]", i);
        for (long i = 0; i < (long)D->n * D->k; i++) FUZZ_ASSERT(ibp__isfinite(D->y[i]), "y[%ld]", i);
        char *text = fuzz_text(data_csv, r, 0, "data csv");
        char cfg2[160];
        snprintf(cfg2, sizeof cfg2, "model=linear&depth=1&data=csv&out=%d&steps=0&measure=0&mem_cap=64", out);
        ibp_run *r2 = NULL;
        ibp_run_desc d2 = {.config = cfg2, .data_csv = text, .init_json = NULL};
        rc = ibp_run_create(&r2, &d2, err, sizeof err);
        FUZZ_ASSERT(rc == IBP_OK, "the written set is refused: %s\n%s", err, text);
        FUZZ_ASSERT(r2->D.n == D->n && r2->D.d == D->d && same(r2->D.x, D->x, (long)D->n * D->d) &&
                    same(r2->D.y, D->y, (long)D->n * D->k), "the round trip changed the data");
        ibp_run_destroy(r2);
        free(text);
        ibp_run_destroy(r);
    }
    free(csv);
    return 0;
}
