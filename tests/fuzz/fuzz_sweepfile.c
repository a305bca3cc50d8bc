/* fuzz_sweepfile -- the sweep file reader (src/cli/cli_sweep_file.c): what `ibp merge` and
 * `ibp sweep --resume` read back from a shard's output, which a killed job, a lost node or a
 * full disk may have cut or damaged anywhere.
 * Input: a sweep file's text (the seed corpus holds real shards, whole, cut and damaged).
 * Properties: no crash, leak or undefined behaviour. The header reader either refuses with a
 * message (saying whether the file ends inside its header) or returns a plan, a shard in range
 * and a header that is the exact prefix of the text and reads back the same by itself. The row
 * scan keeps a prefix that ends with a newline, never more rows than the shard has cells, reads
 * the same from the kept prefix alone (nothing left over), and reports what follows it truly:
 * nothing, a partial line (no newline), or a line that is not the next row (with a reason).
 * Every kept row is accepted by the row check as its cell, and the writer's row for that cell,
 * with the kept row's summary and message, is the same bytes. Rows the writer makes for the
 * plan's cells from the input's bytes (summary fields, messages with quotes, newlines, commas)
 * are accepted as their cell. */
#include "fuzz_util.h"
/* The reader belongs to the `ibp` command, not the library: compiled into the harness. */
#include "cli/cli_sweep_file.c"

static void check_rows(const sweep_head *h, const char *text, size_t len) {
    int64_t done = 0, done2 = 0;
    int tail = -1, tail2 = -1;
    char why[600] = "", why2[600] = "";
    size_t keep = sweep_rows_scan(h->plan, h->shard, h->nshards, text, len, h->len, &done, &tail, why, sizeof why);
    FUZZ_ASSERT(keep >= h->len && keep <= len, "keep %zu outside [%zu, %zu]", keep, h->len, len);
    FUZZ_ASSERT(keep == h->len || text[keep - 1] == '\n', "the kept prefix does not end a line");
    FUZZ_ASSERT(done >= 0 && done <= ibp_sweep_shard_ncells(h->plan, h->shard, h->nshards), "%lld rows kept", (long long)done);
    const char *nl = memchr(text + keep, '\n', len - keep);
    FUZZ_ASSERT(tail == (keep == len ? 0 : nl ? 2 : 1), "tail %d for %zu bytes after the rows", tail, len - keep);
    FUZZ_ASSERT(tail != 2 || why[0], "a damaged line has a reason");
    size_t keep2 = sweep_rows_scan(h->plan, h->shard, h->nshards, text, keep, h->len, &done2, &tail2, why2, sizeof why2);
    FUZZ_ASSERT(keep2 == keep && done2 == done && tail2 == 0, "the kept prefix reads differently alone");
    /* each kept row: its cell, and the writer's bytes for it */
    const char *p = text + h->len;
    for (int64_t j = 0; j < done; j++) {
        const char *e = memchr(p, '\n', (size_t)(text + keep - p));
        int64_t want = ibp_sweep_shard_cell(h->plan, h->shard, h->nshards, j);
        FUZZ_ASSERT(e && sweep_row_check(h->plan, p, (size_t)(e - p), why, sizeof why) == want, "row %lld", (long long)j);
        /* the message is the last field: from the first ',"' after the summary fields */
        const char *q = p;
        int commas = 0, nfields = 2 + ibp_sweep_nkeys(h->plan); /* commas before the message */
        for (const char *f = ibp_summary_fields(); *f; f++) nfields += *f == ',';
        while (commas < nfields) commas += *q++ == ',';
        char *summary = malloc((size_t)(q - p)), *msg = malloc((size_t)(e - q)), *m = msg;
        const char *sum0 = p;
        for (int c = 0; c < 1 + ibp_sweep_nkeys(h->plan); c++) sum0 = strchr(sum0, ',') + 1;
        memcpy(summary, sum0, (size_t)(q - 1 - sum0));
        summary[q - 1 - sum0] = '\0';
        for (const char *r = q + 1; r < e - 1; r++) { *m++ = *r; if (*r == '"') r++; }
        *m = '\0';
        int is_error = !strncmp(summary, "error,", 6) && strspn(summary + 6, ",") == strlen(summary + 6);
        char *row = sweep_row_text(h->plan, want, is_error ? NULL : summary, msg);
        FUZZ_ASSERT(row && strlen(row) == (size_t)(e - p) + 1 && !memcmp(row, p, (size_t)(e - p) + 1),
                    "the writer's row differs:\n  %.*s\n  %s", (int)(e - p), p, row ? row : "(null)");
        free(row);
        free(summary);
        free(msg);
        p = e + 1;
    }
}

/* Rows written for cells of the plan from the input's bytes are read back as those cells. */
static void check_writer(const ibp_sweep *s, const uint8_t *data, size_t size) {
    int nfields = 1;
    for (const char *f = ibp_summary_fields(); *f; f++) nfields += *f == ',';
    static const double special[] = {0.0, -0.0, 1e300, -1e-300, 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 3.0};
    for (int t = 0; t < 3 && size > 0; t++) {
        int64_t cell = (int64_t)((data[t % size] * 2654435761u + (unsigned)t) % (uint64_t)ibp_sweep_ncells(s));
        char summary[2048], *q = summary;
        q += sprintf(q, "%s", ibp_regime_string(data[(t + 1) % size] % IBP_REGIME_ERROR));
        for (int i = 1; i < nfields; i++) {
            uint8_t b = data[(t + i) % size];
            double x = special[b % 8] * (b / 8 + 1);
            *q++ = ',';
            if (x == x) q += ibp_format_double(q, x); /* NaN: an empty field */
            *q = '\0';
        }
        size_t mlen = size < 200 ? size : 200;
        char *msg = fuzz_cstr(data, mlen); /* a NUL in the input ends the message, as in C */
        char *row = sweep_row_text(s, cell, t == 2 ? NULL : summary, msg), why[600] = "";
        FUZZ_ASSERT(row, "out of memory");
        size_t n = strlen(row);
        FUZZ_ASSERT(n > 0 && row[n - 1] == '\n' && !memchr(row, '\n', n - 1), "a written row is one line");
        FUZZ_ASSERT(sweep_row_check(s, row, n - 1, why, sizeof why) == cell, "a written row is refused: %s\n%s", why, row);
        free(row);
        free(msg);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data; /* not NUL-terminated: the reader takes a length */
    sweep_head h;
    char why[1024] = "";
    if (sweep_head_read(text, size, &h, why, sizeof why) != 0) {
        FUZZ_ASSERT(why[0] && h.plan == NULL && h.text == NULL, "a refused header has a message and nothing kept");
        return 0;
    }
    FUZZ_ASSERT(h.plan && h.len <= size && h.len == strlen(h.text) && !memcmp(h.text, text, h.len), "the header is not the prefix");
    FUZZ_ASSERT(h.nshards >= 1 && h.shard >= 1 && h.shard <= h.nshards, "shard %d/%d", h.shard, h.nshards);
    sweep_head h2;
    FUZZ_ASSERT(sweep_head_read(h.text, h.len, &h2, why, sizeof why) == 0 && h2.len == h.len && h2.shard == h.shard &&
                h2.nshards == h.nshards && ibp_sweep_ncells(h2.plan) == ibp_sweep_ncells(h.plan), "the header alone reads differently: %s", why);
    sweep_head_free(&h2);
    check_rows(&h, text, size);
    check_writer(h.plan, data + h.len, size - h.len);
    sweep_head_free(&h);
    return 0;
}
