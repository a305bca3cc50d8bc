/* sweep.c -- the ONE grid grammar of sweeps: `ibp sweep`, the sweep page and the gallery plan
 * their cells here, so a sweep means the same cells with the same value strings everywhere.
 *
 *   vary   one KEY=GRID per line (at most IBP_SWEEP_MAX_KEYS; blank lines are ignored)
 *   GRID   v1,v2,...          an explicit list (at most IBP_SWEEP_MAX_VALUES values)
 *          lin:START:STOP:N   N values evenly spaced from START to STOP
 *          log:START:STOP:N   N values evenly spaced in log from START to STOP (both > 0)
 *
 * Decisions (one place, documented in ibp.h and `ibp help sweep`):
 *   - Spaces and tabs around KEY, GRID, each list value and each part of lin:/log: are not part of
 *     them ("seed=1 ,2" is the values 1 and 2), as the config parser trims its items.
 *   - START and STOP are numbers of the config language (no hex, inf or nan); N is a number whose
 *     value is a whole number in [1, IBP_SWEEP_MAX_VALUES]: "3", "3.0" and "3e0" all mean 3, as
 *     integer keys of the config language accept "1e5".
 *   - lin/log values: the endpoints exactly as written; inside, a + ((b - a) i) / (N - 1) and
 *     a * ibp_pow(b / a, i / (N - 1)), or exp(log a + (log b - log a) i / (N - 1)) where b / a
 *     would overflow (our pow, exp and log: identical bits natively and in wasm).
 *   - A list value may not contain & = # spaces or control characters (they would change what
 *     the cell's config says); %XX escapes are read as the config parser reads them, so a
 *     list-valued key can be swept: init=4%2C0.1,2%2C0.5 is the values "4,0.1" and "2,0.5".
 *   - Every value is checked for its key alone (type, range) and kept in its canonical text (the
 *     config writer's: "1e-1" is "0.1"), commas written %2C so a value stays one grid value and
 *     one CSV field. Whether a key applies and the rules between keys need a
 *     whole config: ibp_sweep_cell_check says whether a cell is valid.
 *   - Cells are numbered with the first key outermost (cell = i0 * n1 + i1). A cell's config is
 *     the canonical base without the varied keys, plus KEY=value for each key, in canonical form.
 *   - Shard I of N (1 <= I <= N) is the cells c with c mod N = I - 1 (round robin balances the
 *     cheap and expensive corners of a phase diagram; each cell depends on its config alone).
 *
 * Memory: a plan is one allocation (measured, then carved from an arena). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "numerics/numerics.h"

typedef struct ibp__vary {
    const char *key;       /* the config key */
    const char *spec;      /* "KEY=GRID" as written, trimmed */
    int64_t n;             /* values */
    const char **values;   /* (n,) canonical texts */
} ibp__vary;

struct ibp_sweep {
    int nkeys;
    int64_t ncells;
    const char *base;      /* canonical base config */
    ibp__vary k[IBP_SWEEP_MAX_KEYS];
    char *mem;             /* the one allocation */
};

#define IBP__SERR(...) ibp__fail(err, errlen, IBP_E_CONFIG, __VA_ARGS__)

static int ibp__sp(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* [*s, *s + *n) without surrounding spaces */
static void ibp__trim(const char **s, size_t *n) {
    while (*n && ibp__sp(**s)) { (*s)++; (*n)--; }
    while (*n && ibp__sp((*s)[*n - 1])) (*n)--;
}

/* A copy of s[0..n) carved from the arena (measured only when a->base is NULL). */
static const char *ibp__carve_str(ibp__arena *a, const char *s, size_t n) {
    char *out = ibp__arena_bytes(a, n + 1);
    if (out) { memcpy(out, s, n); out[n] = '\0'; }
    return out;
}

/* ---- grids -------------------------------------------------------------------------------- */

/* One value: checked for key ki and carved in its canonical text, with its commas written %2C
 * (a list-valued key's value, init=4%2C0.1: the text stays one grid value and one CSV field, and
 * the config parser decodes it). */
static int ibp__value(ibp__arena *a, int ki, const char *spec, int64_t i, const char *text, const char **out,
                      char *err, size_t errlen) {
    char canon[512], enc[1536], msg[512];
    if (ibp__config_value_text(ki, text, canon, sizeof canon, msg, sizeof msg) != IBP_OK)
        return IBP__SERR("vary %s, value %lld: %s", spec, (long long)i + 1, msg);
    size_t o = 0;
    for (const char *p = canon; *p; p++) {
        if (*p == ',') { memcpy(enc + o, "%2C", 3); o += 3; }
        else enc[o++] = *p;
    }
    *out = ibp__carve_str(a, enc, o);
    return IBP_OK;
}

/* The point t in [0, 1] of a log grid from lo to hi (both > 0): lo (hi/lo)^t, as it has always
 * been written, while hi/lo is a normal number; in log space when it is not (log:1e-200:1e200
 * overflows it), where exp(log lo + t (log hi - log lo)) cannot overflow. */
static double ibp__log_point(double lo, double hi, double t) {
    double ratio = hi / lo;
    if (ratio < 1e300 && ratio > 1e-300) return lo * ibp_pow(ratio, t);
    return ibp__exp(ibp__log(lo) + t * (ibp__log(hi) - ibp__log(lo)));
}

/* lin:START:STOP:N or log:START:STOP:N (g points after "lin:"); spec: the vary, for messages. */
static int ibp__grid_range(ibp__arena *a, ibp__vary *v, int ki, const char *spec, int is_log, const char *g,
                           char *err, size_t errlen) {
    double x[3] = {0, 0, 0};
    int ok = 1, colons = 0;
    for (const char *q = g; *q; q++) colons += *q == ':';
    const char *p = g;
    for (int j = 0; j < 3 && ok && colons == 2; j++) {
        size_t n = strcspn(p, ":");
        const char *part = p;
        p += n + (p[n] == ':');
        ibp__trim(&part, &n);
        char num[64];
        ok = n > 0 && n < sizeof num;
        if (ok) {
            memcpy(num, part, n);
            num[n] = '\0';
            ok = ibp__parse_number(num, &x[j]) == 0;
        }
    }
    double count = x[2];
    if (colons != 2 || !ok || !(count >= 1 && count <= IBP_SWEEP_MAX_VALUES && count == (double)(int64_t)count))
        return IBP__SERR("vary %s: write %s:START:STOP:N with numbers START and STOP and a whole number N in "
                         "[1, %d]", spec, is_log ? "log" : "lin", IBP_SWEEP_MAX_VALUES);
    double lo = x[0], hi = x[1];
    if (is_log && !(lo > 0 && hi > 0))
        return IBP__SERR("vary %s: a log grid needs START > 0 and STOP > 0", spec);
    int64_t n = (int64_t)count;
    v->n = n;
    v->values = ibp__arena_bytes(a, sizeof(const char *) * (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        /* the endpoints exactly as written; integers stay exact on a lin grid */
        double t = n == 1 ? 0.0 : (double)i / (double)(n - 1), y;
        if (is_log) y = i == 0 ? lo : i == n - 1 ? hi : ibp__log_point(lo, hi, t);
        else y = i == 0 ? lo : i == n - 1 ? hi : lo + ((hi - lo) * (double)i) / (double)(n - 1);
        char text[32];
        ibp_format_double(text, y);
        const char *val = NULL;
        int rc = ibp__value(a, ki, spec, i, text, &val, err, errlen);
        if (rc) return rc;
        if (a->base) v->values[i] = val;
    }
    return IBP_OK;
}

/* v1,v2,... (spec: the vary, for messages) */
static int ibp__grid_list(ibp__arena *a, ibp__vary *v, int ki, const char *spec, const char *g, char *err,
                          size_t errlen) {
    int64_t n = 1;
    for (const char *p = g; *p; p++) n += *p == ',';
    if (n > IBP_SWEEP_MAX_VALUES)
        return IBP__SERR("vary %s: %lld values, at most %d", spec, (long long)n, IBP_SWEEP_MAX_VALUES);
    v->n = n;
    v->values = ibp__arena_bytes(a, sizeof(const char *) * (size_t)n);
    const char *p = g;
    char *text = malloc(strlen(g) + 1);
    if (!text) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory planning the sweep");
    int rc = IBP_OK;
    for (int64_t i = 0; i < n && rc == IBP_OK; i++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        p += len + (e != NULL);
        ibp__trim(&s, &len);
        memcpy(text, s, len);
        text[len] = '\0';
        if (!len) {
            rc = IBP__SERR("vary %s: value %lld is empty", spec, (long long)i + 1);
            break;
        }
        for (size_t j = 0; j < len && rc == IBP_OK; j++)
            if (strchr("&=# \t", text[j]) || (unsigned char)text[j] < 0x20 || text[j] == 0x7f)
                rc = IBP__SERR("vary %s: the value \"%.60s\" may not contain &, =, #, spaces or control characters "
                               "(write a comma inside a value as %%2C)", spec, text);
        const char *val = NULL;
        if (rc == IBP_OK) rc = ibp__value(a, ki, spec, i, text, &val, err, errlen);
        if (rc == IBP_OK && a->base) v->values[i] = val;
    }
    free(text);
    return rc;
}

/* ---- plan --------------------------------------------------------------------------------- */

/* Every step of planning, run twice: measuring (a->base NULL) and carving. */
static int ibp__plan(ibp_sweep *s, ibp__arena *a, const char *base, const char *vary, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    ibp__config c;
    char msg[512];
    if (ibp__config_parse(&c, base, msg, sizeof msg) != IBP_OK) return IBP__SERR("the base config: %s", msg);
    size_t blen = ibp__config_write(&c, 0, NULL, 0);
    char *canon = ibp__arena_bytes(a, blen + 1);
    if (canon) ibp__config_write(&c, 0, canon, blen + 1);
    ibp__config_free(&c);
    s->base = canon;
    s->ncells = 1;
    const char *p = vary ? vary : "";
    while (*p) {
        size_t n = strcspn(p, "\n");
        const char *line = p;
        p += n + (p[n] == '\n');
        ibp__trim(&line, &n);
        if (!n) continue;
        if (s->nkeys == IBP_SWEEP_MAX_KEYS)
            return IBP__SERR("at most %d keys can be varied (\"%.*s\" is one more)", IBP_SWEEP_MAX_KEYS,
                             (int)(n > 60 ? 60 : n), line);
        ibp__vary *v = &s->k[s->nkeys];
        const char *eq = memchr(line, '=', n);
        v->spec = ibp__carve_str(a, line, n);
        char shown[216]; /* the spec in messages, clipped */
        if (n > 200) snprintf(shown, sizeof shown, "%.200s...", line);
        else snprintf(shown, sizeof shown, "%.*s", (int)n, line);
        if (!eq || eq == line) return IBP__SERR("vary \"%s\": write KEY=GRID, e.g. lr_rel=log:0.5:8:16", shown);
        const char *key = line, *grid = eq + 1;
        size_t klen = (size_t)(eq - line), glen = n - klen - 1;
        ibp__trim(&key, &klen);
        ibp__trim(&grid, &glen);
        char kname[64];
        if (klen >= sizeof kname) klen = sizeof kname - 1;
        memcpy(kname, key, klen);
        kname[klen] = '\0';
        int ki = ibp__config_find_key(kname, msg, sizeof msg);
        if (ki < 0) return IBP__SERR("vary %s: %s", shown, msg);
        v->key = ibp__keys[ki].key;
        for (int j = 0; j < s->nkeys; j++)
            if (s->k[j].key == v->key) return IBP__SERR("%s is varied twice", v->key);
        /* the grid, NUL-terminated for the parsers below */
        char *g = malloc(glen + 1);
        if (!g) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory planning the sweep");
        memcpy(g, grid, glen);
        g[glen] = '\0';
        int rc;
        if (!glen) rc = IBP__SERR("vary %s: give values v1,v2,... or a grid lin:START:STOP:N / log:START:STOP:N", shown);
        else if (!strncmp(g, "lin:", 4) || !strncmp(g, "log:", 4))
            rc = ibp__grid_range(a, v, ki, shown, g[1] == 'o', g + 4, err, errlen);
        else rc = ibp__grid_list(a, v, ki, shown, g, err, errlen);
        free(g);
        if (rc) return rc;
        s->ncells *= v->n;
        s->nkeys++;
    }
    if (!s->nkeys) return IBP__SERR("give at least one key to vary: KEY=GRID, e.g. lr_rel=lin:0.5:4.5:9");
    return IBP_OK;
}

int ibp_sweep_plan(ibp_sweep **out, const char *base_config, const char *vary, char *err, size_t errlen) {
    *out = NULL;
    ibp_sweep tmp;
    ibp__arena a = {NULL, 0};
    ibp__arena_bytes(&a, sizeof(ibp_sweep));
    int rc = ibp__plan(&tmp, &a, base_config, vary, err, errlen);
    if (rc) return rc;
    char *mem = malloc(a.off);
    if (!mem) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory planning the sweep");
    ibp__arena b = {mem, 0};
    ibp_sweep *s = ibp__arena_bytes(&b, sizeof(ibp_sweep));
    rc = ibp__plan(s, &b, base_config, vary, err, errlen);
    IBP_CHECK(rc == IBP_OK && b.off == a.off); /* the same steps on the same input */
    s->mem = mem;
    *out = s;
    return IBP_OK;
}

void ibp_sweep_destroy(ibp_sweep *s) {
    if (s) free(s->mem);
}

/* ---- cells and shards -------------------------------------------------------------------- */

int64_t ibp_sweep_ncells(const ibp_sweep *s) { return s->ncells; }
int ibp_sweep_nkeys(const ibp_sweep *s) { return s->nkeys; }
const char *ibp_sweep_key(const ibp_sweep *s, int k) { return k >= 0 && k < s->nkeys ? s->k[k].key : NULL; }
const char *ibp_sweep_spec(const ibp_sweep *s, int k) { return k >= 0 && k < s->nkeys ? s->k[k].spec : NULL; }
int64_t ibp_sweep_nvalues(const ibp_sweep *s, int k) { return k >= 0 && k < s->nkeys ? s->k[k].n : 0; }
const char *ibp_sweep_value(const ibp_sweep *s, int k, int64_t i) {
    return k >= 0 && k < s->nkeys && i >= 0 && i < s->k[k].n ? s->k[k].values[i] : NULL;
}

int64_t ibp_sweep_value_index(const ibp_sweep *s, int64_t cell, int k) {
    if (k < 0 || k >= s->nkeys || cell < 0 || cell >= s->ncells) return -1;
    for (int j = s->nkeys - 1; j > k; j--) cell /= s->k[j].n; /* the last key is innermost */
    return cell % s->k[k].n;
}

const char *ibp_sweep_cell_value(const ibp_sweep *s, int64_t cell, int k) {
    int64_t i = ibp_sweep_value_index(s, cell, k);
    return i < 0 ? NULL : s->k[k].values[i];
}

/* The text of a cell's config, before canonicalization, into b (snprintf semantics): the
 * canonical base without the varied keys (its items are exactly "key=value"), then key=value
 * for each varied key. */
static void ibp__cell_text(const ibp_sweep *s, int64_t cell, ibp__buf *b) {
    for (const char *p = s->base; *p;) {
        size_t n = strcspn(p, "&");
        int drop = 0;
        for (int k = 0; k < s->nkeys; k++) {
            size_t kl = strlen(s->k[k].key);
            if (n > kl && p[kl] == '=' && !memcmp(p, s->k[k].key, kl)) drop = 1;
        }
        if (!drop) {
            if (b->len) ibp__buf_puts(b, "&");
            ibp__buf_putn(b, p, n);
        }
        p += n + (p[n] == '&');
    }
    for (int k = 0; k < s->nkeys; k++) {
        if (b->len) ibp__buf_puts(b, "&");
        ibp__buf_puts(b, s->k[k].key);
        ibp__buf_puts(b, "=");
        ibp__buf_puts(b, ibp_sweep_cell_value(s, cell, k));
    }
}

/* Parse the config of a cell into c (the caller frees it on success); with text != NULL, the
 * uncanonical text is also handed back (malloc'd). */
static int ibp__cell_parse(const ibp_sweep *s, int64_t cell, ibp__config *c, char **text, char *err, size_t errlen) {
    if (cell < 0 || cell >= s->ncells)
        return ibp__fail(err, errlen, IBP_E_ARG, "cell %lld: the sweep has cells 0 to %lld", (long long)cell,
                         (long long)s->ncells - 1);
    ibp__buf b = {NULL, 0, 0};
    ibp__cell_text(s, cell, &b);
    b.cap = b.len + 1;
    b.len = 0;
    b.p = malloc(b.cap);
    if (!b.p) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory building cell %lld", (long long)cell);
    ibp__cell_text(s, cell, &b);
    ibp__buf_finish(&b);
    int rc = ibp__config_parse(c, b.p, err, errlen);
    if (text) *text = b.p;
    else free(b.p);
    return rc;
}

int ibp_sweep_cell_check(const ibp_sweep *s, int64_t cell, char *err, size_t errlen) {
    ibp__config c;
    int rc = ibp__cell_parse(s, cell, &c, NULL, err, errlen);
    if (rc == IBP_OK) ibp__config_free(&c);
    return rc;
}

size_t ibp_sweep_cell_config(const ibp_sweep *s, int64_t cell, char *buf, size_t cap) {
    ibp__config c;
    char err[8], *text = NULL;
    size_t n = 0;
    int rc = ibp__cell_parse(s, cell, &c, &text, err, sizeof err);
    if (rc == IBP_OK) {
        n = ibp__config_write(&c, 0, buf, cap);
        ibp__config_free(&c);
    } else { /* not a valid config: its text, so that creating a run of it says why */
        ibp__buf b = {buf, cap, 0};
        if (rc == IBP_E_CONFIG && text) ibp__buf_puts(&b, text);
        n = ibp__buf_finish(&b);
    }
    free(text);
    return n;
}

int ibp_sweep_shard_parse(const char *text, int *shard, int *nshards, char *err, size_t errlen) {
    const char *slash = text ? strchr(text, '/') : NULL;
    double i = 0, n = 0;
    char a[32], b[32];
    int ok = slash && slash > text && (size_t)(slash - text) < sizeof a && strlen(slash + 1) < sizeof b;
    if (ok) {
        memcpy(a, text, (size_t)(slash - text));
        a[slash - text] = '\0';
        strcpy(b, slash + 1);
        /* the range before the casts: (int)1e300 is undefined behaviour */
        ok = !ibp__parse_number(a, &i) && !ibp__parse_number(b, &n) && n >= 1 && n <= 1e6 && i >= 1 && i <= n &&
             i == (double)(int)i && n == (double)(int)n;
    }
    if (!ok)
        return ibp__fail(err, errlen, IBP_E_ARG, "shard \"%.40s\": write I/N with whole numbers 1 <= I <= N <= 1000000",
                         text ? text : "");
    *shard = (int)i;
    *nshards = (int)n;
    return IBP_OK;
}

int64_t ibp_sweep_shard_ncells(const ibp_sweep *s, int shard, int nshards) {
    if (nshards < 1 || shard < 1 || shard > nshards) return IBP_E_ARG;
    return s->ncells >= shard ? (s->ncells - shard) / nshards + 1 : 0;
}

int64_t ibp_sweep_shard_cell(const ibp_sweep *s, int shard, int nshards, int64_t j) {
    int64_t n = ibp_sweep_shard_ncells(s, shard, nshards);
    return j >= 0 && j < n ? (shard - 1) + j * nshards : -1;
}

/* ---- JSON --------------------------------------------------------------------------------- */

size_t ibp_sweep_json(const ibp_sweep *s, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_puts(&b, "{\"keys\":[");
    for (int k = 0; k < s->nkeys; k++) {
        ibp__buf_puts(&b, k ? ",{\"key\":" : "{\"key\":");
        ibp__buf_json_str(&b, s->k[k].key);
        ibp__buf_puts(&b, ",\"spec\":");
        ibp__buf_json_str(&b, s->k[k].spec);
        ibp__buf_puts(&b, ",\"values\":[");
        for (int64_t i = 0; i < s->k[k].n; i++) {
            if (i) ibp__buf_puts(&b, ",");
            ibp__buf_json_str(&b, s->k[k].values[i]);
        }
        ibp__buf_puts(&b, "]}");
    }
    ibp__buf_printf(&b, "],\"ncells\":%lld,\"base\":", (long long)s->ncells);
    ibp__buf_json_str(&b, s->base);
    ibp__buf_puts(&b, "}");
    return ibp__buf_finish(&b);
}
