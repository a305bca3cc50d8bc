/* cli_sweep_file.c -- the sweep file's header and rows: written by `ibp sweep`, read back by
 * `ibp merge` and `ibp sweep --resume` (the format is described in cli_sweep_file.h).
 * Pure text functions: no printing, no files, so the fuzz harness can drive them directly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_sweep_file.h"

static void say(char *why, size_t whylen, const char *fmt, ...) {
    if (!why || !whylen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* ---- writing ------------------------------------------------------------------------------- */

char *sweep_header_text(const char *version, const char *canon_base, const ibp_sweep *s, int shard,
                        int nshards) {
    size_t cap = strlen(version) + strlen(canon_base) + strlen(ibp_summary_fields()) + 128;
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) cap += strlen(ibp_sweep_spec(s, k)) + strlen(ibp_sweep_key(s, k)) + 16;
    char *t = malloc(cap), *p = t;
    if (!t) return NULL;
    p += sprintf(p, "# ibp sweep %s\n# config: %s\n", version, canon_base);
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) p += sprintf(p, "# vary: %s\n", ibp_sweep_spec(s, k));
    p += sprintf(p, "# cells: %lld\n", (long long)ibp_sweep_ncells(s));
    if (nshards > 1) p += sprintf(p, "# shard: %d/%d\n", shard, nshards);
    p += sprintf(p, "cell");
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) p += sprintf(p, ",%s", ibp_sweep_key(s, k));
    sprintf(p, ",%s,message\n", ibp_summary_fields());
    return t;
}

char *sweep_row_text(const ibp_sweep *s, int64_t cell, const char *summary, const char *message) {
    int nfields = 1;
    for (const char *f = ibp_summary_fields(); *f; f++) nfields += *f == ',';
    const char *error = ibp_regime_string(IBP_REGIME_ERROR);
    size_t cap = 32 + (summary ? strlen(summary) : strlen(error) + (size_t)nfields) + 2 * strlen(message) + 4;
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) cap += strlen(ibp_sweep_cell_value(s, cell, k)) + 1;
    char *t = malloc(cap), *p = t;
    if (!t) return NULL;
    p += sprintf(p, "%lld", (long long)cell);
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) p += sprintf(p, ",%s", ibp_sweep_cell_value(s, cell, k));
    if (summary) p += sprintf(p, ",%s", summary);
    else {
        p += sprintf(p, ",%s", error);
        for (int i = 1; i < nfields; i++) *p++ = ',';
    }
    *p++ = ',';
    *p++ = '"';
    for (const char *m = message; *m; m++) {
        if (*m == '"') *p++ = '"';
        if (*m != '\n') *p++ = *m;
    }
    strcpy(p, "\"\n");
    return t;
}

/* ---- one row read back ------------------------------------------------------------------------------- */

/* A summary number as ibp_format_double writes it (or nan/inf): the whole field must read. */
static int is_number(const char *p, size_t n) {
    char buf[48], *end;
    if (n == 0 || n >= sizeof buf) return 0;
    for (size_t i = 0; i < n; i++)
        if (!p[i] || !strchr("0123456789+-.eEnaif", p[i])) return 0; /* strchr finds a NUL too */
    memcpy(buf, p, n);
    buf[n] = '\0';
    strtod(buf, &end);
    return *end == '\0';
}

static int is_regime(const char *p, size_t n) {
    for (int i = 0; i <= IBP_REGIME_ERROR; i++) {
        const char *r = ibp_regime_string(i);
        if (strlen(r) == n && !memcmp(r, p, n)) return 1;
    }
    return 0;
}

int64_t sweep_row_check(const ibp_sweep *s, const char *line, size_t len, char *why, size_t whylen) {
    const char *p = line, *end = line + len;
    int64_t cell = 0, ncells = ibp_sweep_ncells(s);
    /* the cell: a whole number in 0 .. ncells-1, written without leading zeros */
    if (p == end || *p < '0' || *p > '9') { say(why, whylen, "no cell number"); return -1; }
    if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') { say(why, whylen, "a cell number with a leading zero"); return -1; }
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        cell = cell * 10 + (*p - '0');
        if (cell >= ncells) { say(why, whylen, "a cell number beyond the sweep's %lld cells", (long long)ncells); return -1; }
    }
    /* the cell's value of each varied key, exactly as the plan writes it */
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) {
        const char *v = ibp_sweep_cell_value(s, cell, k);
        size_t n = strlen(v);
        if (p == end || *p != ',' || (size_t)(end - p - 1) < n || memcmp(p + 1, v, n) != 0 || (p + 1 + n < end && p[1 + n] != ',')) {
            say(why, whylen, "cell %lld: its %s is not %s", (long long)cell, ibp_sweep_key(s, k), v);
            return -1;
        }
        p += 1 + n;
    }
    /* the summary fields: a regime, then numbers or empty fields */
    int nfields = 1;
    for (const char *f = ibp_summary_fields(); *f; f++) nfields += *f == ',';
    for (int i = 0; i < nfields; i++) {
        if (p == end || *p != ',') { say(why, whylen, "cell %lld: %d summary fields, expected %d", (long long)cell, i, nfields); return -1; }
        const char *f = ++p;
        while (p < end && *p != ',') p++;
        size_t n = (size_t)(p - f);
        if (i == 0 ? !is_regime(f, n) : n > 0 && !is_number(f, n)) {
            say(why, whylen, "cell %lld: summary field %d is \"%.*s\", not %s", (long long)cell, i + 1, (int)(n > 40 ? 40 : n), f,
                i == 0 ? "a regime" : "a number");
            return -1;
        }
    }
    /* the message: quoted, "" inside, nothing after the closing quote */
    if (p + 1 >= end || p[0] != ',' || p[1] != '"') { say(why, whylen, "cell %lld: no quoted message", (long long)cell); return -1; }
    for (p += 2; p < end; p++) {
        if (*p == '\0') { say(why, whylen, "cell %lld: a NUL byte in the message", (long long)cell); return -1; }
        if (*p != '"') continue;
        if (p + 1 < end && p[1] == '"') { p++; continue; }
        if (p + 1 == end) return cell;
        say(why, whylen, "cell %lld: text after the message's closing quote", (long long)cell);
        return -1;
    }
    say(why, whylen, "cell %lld: the message's closing quote is missing", (long long)cell);
    return -1;
}

/* ---- the header read back ------------------------------------------------------------------ */

/* The line at p (up to and without '\n'), if it starts with tag; its rest in (*v, *vn). */
static int tagged(const char *p, const char *end, const char *tag, const char **v, size_t *vn) {
    size_t t = strlen(tag);
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || (size_t)(nl - p) < t || memcmp(p, tag, t) != 0) return 0;
    *v = p + t;
    *vn = (size_t)(nl - p) - t;
    return 1;
}

static char *dup_n(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (s) { memcpy(s, p, n); s[n] = '\0'; }
    return s;
}

void sweep_head_free(sweep_head *h) {
    ibp_sweep_destroy(h->plan);
    free(h->text);
    memset(h, 0, sizeof *h);
}

int sweep_head_read(const char *text, size_t len, sweep_head *h, char *why, size_t whylen) {
    memset(h, 0, sizeof *h);
    h->shard = h->nshards = 1;
    const char *p = text, *end = text + len, *v;
    size_t vn;
    /* the header ends with the first line that is not a comment: the column line */
    const char *q = text;
    while (q < end && *q == '#') {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) break;
        q = nl + 1;
    }
    const char *hend = q < end && *q != '#' ? memchr(q, '\n', (size_t)(end - q)) : NULL;
    if (!hend) {
        h->cut = 1;
        say(why, whylen, len ? "it ends inside its header (no column line)" : "it is empty");
        return -1;
    }
    h->len = (size_t)(hend + 1 - text);
    char *version = NULL, *config = NULL, *vary = NULL;
    int rc = -1;
    size_t vary_len = 0;
    if (!tagged(p, end, "# ibp sweep ", &v, &vn) || vn == 0 || vn > 64) {
        say(why, whylen, "its first line is not \"# ibp sweep VERSION\"");
        goto done;
    }
    version = dup_n(v, vn);
    p = v + vn + 1;
    if (!tagged(p, end, "# config: ", &v, &vn)) { say(why, whylen, "line 2 is not \"# config: CONFIG\""); goto done; }
    config = dup_n(v, vn);
    p = v + vn + 1;
    vary = calloc(1, 1);
    for (int k = 0; tagged(p, end, "# vary: ", &v, &vn); k++) {
        if (k == IBP_SWEEP_MAX_KEYS) { say(why, whylen, "more than %d vary lines", IBP_SWEEP_MAX_KEYS); goto done; }
        char *nv = realloc(vary, vary_len + vn + 2);
        if (!nv) { say(why, whylen, "out of memory"); goto done; }
        vary = nv;
        memcpy(vary + vary_len, v, vn);
        vary_len += vn;
        vary[vary_len++] = '\n';
        vary[vary_len] = '\0';
        p = v + vn + 1;
    }
    if (!version || !config || !vary) { say(why, whylen, "out of memory"); goto done; }
    /* the shard line comes after the cells line */
    for (const char *r = p; r < hend && *r == '#'; r = (const char *)memchr(r, '\n', (size_t)(end - r)) + 1)
        if (tagged(r, end, "# shard: ", &v, &vn)) {
            char sh[32], err[256];
            if (vn >= sizeof sh) { say(why, whylen, "a bad shard line"); goto done; }
            memcpy(sh, v, vn);
            sh[vn] = '\0';
            if (ibp_sweep_shard_parse(sh, &h->shard, &h->nshards, err, sizeof err) != IBP_OK || h->nshards < 2) {
                say(why, whylen, "a bad shard line \"%s\"", sh);
                goto done;
            }
        }
    char err[1024];
    if (ibp_sweep_plan(&h->plan, config, vary, err, sizeof err) != IBP_OK) {
        say(why, whylen, "its config and vary lines are not a sweep: %s", err);
        goto done;
    }
    h->text = sweep_header_text(version, config, h->plan, h->shard, h->nshards);
    if (!h->text) { say(why, whylen, "out of memory"); goto done; }
    if (strlen(h->text) != h->len || memcmp(h->text, text, h->len) != 0) {
        /* name the first line that differs */
        const char *a = h->text, *b = text;
        int line = 1;
        while (*a && *a == *b && b < hend) { if (*a == '\n') line++; a++; b++; }
        say(why, whylen, "header line %d is not what ibp sweep writes for this plan", line);
        goto done;
    }
    rc = 0;
done:
    free(version);
    free(config);
    free(vary);
    if (rc) { ibp_sweep_destroy(h->plan); h->plan = NULL; free(h->text); h->text = NULL; }
    return rc;
}

/* ---- the rows of a shard ------------------------------------------------------------------- */

size_t sweep_rows_scan(const ibp_sweep *s, int shard, int nshards, const char *text, size_t len,
                       size_t start, int64_t *done, int *tail, char *why, size_t whylen) {
    size_t p = start;
    int64_t j = 0;
    long line = 1;
    for (size_t i = 0; i < start && i < len; i++) line += text[i] == '\n';
    *tail = 0;
    if (why && whylen) why[0] = '\0';
    while (p < len) {
        const char *nl = memchr(text + p, '\n', len - p);
        if (!nl) { *tail = 1; break; }
        size_t n = (size_t)(nl - (text + p));
        int64_t want = ibp_sweep_shard_cell(s, shard, nshards, j);
        char w[512];
        int64_t cell = want < 0 ? -1 : sweep_row_check(s, text + p, n, w, sizeof w);
        if (want < 0) {
            *tail = 2;
            say(why, whylen, "line %ld: a line after the shard's last row", line);
            break;
        }
        if (cell != want) {
            *tail = 2;
            if (cell < 0) say(why, whylen, "line %ld is not a row: %s", line, w);
            else say(why, whylen, "line %ld is cell %lld where cell %lld comes next", line, (long long)cell, (long long)want);
            break;
        }
        j++;
        line++;
        p += n + 1;
    }
    *done = j;
    return p;
}
