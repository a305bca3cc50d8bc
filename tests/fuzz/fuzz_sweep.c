/* fuzz_sweep -- the ONE grid grammar (src/sweep/sweep.c, ibp_sweep_plan): `ibp sweep`, the sweep
 * page and the gallery all plan here.
 * Input: a base config and the KEY=GRID lines, separated by the first byte 0x01 (all grid lines
 * when there is none). Properties: no crash, leak or undefined behaviour (a --vary value of any
 * length: issue 10 item 2 overflowed a buffer there); a refusal has a message; an accepted plan
 * has prod(nvalues) cells, its JSON parses, the cells' values index back to the cell; a cell that
 * checks out is a canonical config (a fixed point of ibp_config_canonical) carrying each varied
 * value, a cell that does not is refused by the parser too; the shards of 1, 2, 3 and 7 cover
 * every cell once; planning again from the plan's own canonical base gives the same plan. */
#include "fuzz_util.h"

static size_t w_json(const void *s, int a, char *b, size_t c) { (void)a; return ibp_sweep_json(s, b, c); }
static size_t w_cell(const void *s, int cell, char *b, size_t c) { return ibp_sweep_cell_config(s, cell, b, c); }

static void check_cell(const ibp_sweep *s, int64_t cell) {
    char *cfg = fuzz_text(w_cell, s, (int)cell, "cell config"), err[1024] = "";
    int rc = ibp_sweep_cell_check(s, cell, err, sizeof err);
    size_t cap = strlen(cfg) * 2 + 64;
    char *canon = malloc(cap), err2[1024] = "";
    int rc2 = ibp_config_canonical(cfg, 0, canon, cap, err2, sizeof err2);
    FUZZ_ASSERT((rc == IBP_OK) == (rc2 == IBP_OK), "cell %lld: check %d, parser %d (%s | %s)\n%s", (long long)cell, rc,
                rc2, err, err2, cfg);
    if (rc == IBP_OK) {
        FUZZ_ASSERT(!strcmp(canon, cfg), "cell %lld is not canonical:\n  %s\n  %s", (long long)cell, cfg, canon);
        for (int k = 0; k < ibp_sweep_nkeys(s); k++) {
            const char *key = ibp_sweep_key(s, k), *v = ibp_sweep_cell_value(s, cell, k);
            FUZZ_ASSERT(key && v, "cell %lld key %d", (long long)cell, k);
            int64_t i = ibp_sweep_value_index(s, cell, k);
            FUZZ_ASSERT(i >= 0 && i < ibp_sweep_nvalues(s, k) && !strcmp(ibp_sweep_value(s, k, i), v), "value index");
        }
    } else {
        FUZZ_ASSERT(err[0], "a refused cell has a message");
    }
    free(canon);
    free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *in = fuzz_cstr(data, size), *vary = strchr(in, '\x01'), *base = in;
    if (vary) *vary++ = '\0';
    else { vary = in; base = ""; }
    fuzz_check_cut = size % 4 == 0;
    int shard = 0, nshards = 0;
    char err[1024] = "";
    int rc = ibp_sweep_shard_parse(vary, &shard, &nshards, err, sizeof err);
    FUZZ_ASSERT(rc == IBP_OK ? shard >= 1 && shard <= nshards : rc == IBP_E_ARG && err[0], "shard parse %d", rc);
    ibp_sweep *s = NULL;
    rc = ibp_sweep_plan(&s, base, vary, err, sizeof err);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(s == NULL && (rc == IBP_E_CONFIG || rc == IBP_E_NOMEM) && err[0], "refusal %d: %s", rc, err);
        free(in);
        return 0;
    }
    int nk = ibp_sweep_nkeys(s);
    int64_t n = ibp_sweep_ncells(s), prod = 1;
    FUZZ_ASSERT(nk >= 1 && nk <= IBP_SWEEP_MAX_KEYS, "%d keys", nk);
    for (int k = 0; k < nk; k++) {
        int64_t nv = ibp_sweep_nvalues(s, k);
        FUZZ_ASSERT(nv >= 1 && nv <= IBP_SWEEP_MAX_VALUES && ibp_sweep_spec(s, k), "key %d: %lld values", k, (long long)nv);
        prod *= nv;
    }
    FUZZ_ASSERT(n == prod, "%lld cells, the product is %lld", (long long)n, (long long)prod);
    char *js = fuzz_text(w_json, s, 0, "sweep json");
    FUZZ_ASSERT(fuzz_json_valid(js, 0), "the plan's JSON does not parse:\n%s", js);
    /* cells: the first, the last, and a few spread by the input */
    check_cell(s, 0);
    check_cell(s, n - 1);
    for (int i = 0; i < 4; i++) check_cell(s, (int64_t)((size * 2654435761u + (unsigned)i * 40503u) % (uint64_t)n));
    FUZZ_ASSERT(ibp_sweep_cell_check(s, n, err, sizeof err) == IBP_E_ARG, "a cell outside is IBP_E_ARG");
    /* shards cover every cell once */
    static const int shards[] = {1, 2, 3, 7};
    for (int q = 0; q < 4; q++) {
        int64_t total = 0;
        for (int i = 1; i <= shards[q]; i++) {
            int64_t m = ibp_sweep_shard_ncells(s, i, shards[q]);
            FUZZ_ASSERT(m >= 0, "shard %d/%d", i, shards[q]);
            total += m;
            if (m > 0) {
                int64_t c0 = ibp_sweep_shard_cell(s, i, shards[q], 0), cl = ibp_sweep_shard_cell(s, i, shards[q], m - 1);
                FUZZ_ASSERT(c0 == i - 1 && cl % shards[q] == i - 1 && cl < n && ibp_sweep_shard_cell(s, i, shards[q], m) == -1,
                            "shard %d/%d cells", i, shards[q]);
            }
        }
        FUZZ_ASSERT(total == n, "shards of %d cover %lld of %lld cells", shards[q], (long long)total, (long long)n);
    }
    /* planning again from the canonical base and the given specs gives the same plan */
    size_t vlen = 1;
    for (int k = 0; k < nk; k++) vlen += strlen(ibp_sweep_spec(s, k)) + 1;
    char *vary2 = malloc(vlen);
    vary2[0] = '\0';
    for (int k = 0; k < nk; k++) { strcat(vary2, ibp_sweep_spec(s, k)); strcat(vary2, "\n"); }
    size_t blen = strlen(base) * 2 + 4096;
    char *canon = malloc(blen);
    FUZZ_ASSERT(ibp_config_canonical(base, 0, canon, blen, err, sizeof err) == IBP_OK, "the base was accepted: %s", err);
    ibp_sweep *s2 = NULL;
    rc = ibp_sweep_plan(&s2, canon, vary2, err, sizeof err);
    FUZZ_ASSERT(rc == IBP_OK, "the plan's own specs are refused: %s", err);
    char *js2 = fuzz_text(w_json, s2, 0, "sweep json");
    FUZZ_ASSERT(!strcmp(js, js2), "planning again differs:\n%s\n%s", js, js2);
    free(js2);
    ibp_sweep_destroy(s2);
    free(canon);
    free(vary2);
    free(js);
    ibp_sweep_destroy(s);
    free(in);
    return 0;
}
