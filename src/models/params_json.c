/* params_json.c -- the params JSON format, written by `ibp run --save` and the page, read by
 * init=file:
 *
 *   {"format": "ibp-params-1", "version": "...", "config": "...", "step": 0,
 *    "params": [{"name": "W1", "shape": [32, 8], "data": [...]}, ...]}
 *
 * One line of numpy loads it:
 *   P = {a["name"]: np.array(a["data"]).reshape(a["shape"]) for a in json.load(open(f))["params"]}
 * After "params" comes "grad", the gradient of the full-batch training loss at these parameters,
 * as the same named arrays (trained ones only); readers need not have it. A convolution's kernel
 * K_h has the shape (C_out, C_in, kh, kw) ((C_out, C_in, k) in 1-D) and its bias is c_h; the
 * reader also takes the kernel as the (C_out, C_in kh kw) matrix.
 * The reader also takes a bare list of arrays, and "data" as nested lists (numpy's tolist()).
 * Arrays marked "trained": false (a fixed head, the mf target) are written for reference and
 * ignored on reading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/models.h"

static void ibp__json_array(ibp__buf *b, const char *name, int rows, int cols, const double *v,
                            int trained, int vector, const int *shape, int nshape) {
    ibp__buf_printf(b, "{\"name\":\"%s\",\"shape\":", name);
    if (vector) ibp__buf_printf(b, "[%d]", rows);
    else if (shape && nshape > 2) {
        for (int i = 0; i < nshape; i++) ibp__buf_printf(b, "%s%d", i ? "," : "[", shape[i]);
        ibp__buf_puts(b, "]");
    } else ibp__buf_printf(b, "[%d,%d]", rows, cols);
    if (!trained) ibp__buf_puts(b, ",\"trained\":false");
    ibp__buf_puts(b, ",\"data\":[");
    long n = vector ? rows : (long)rows * cols;
    for (long i = 0; i < n; i++) {
        if (i) ibp__buf_puts(b, ",");
        /* JSON has no inf or nan: a diverged run's parameters or gradient are written as null
         * (found by fuzz_pipeline: an overflowing mf gradient wrote -inf); the reader refuses
         * them with a message */
        if (ibp__isfinite(v[i])) ibp__buf_double(b, v[i]);
        else ibp__buf_puts(b, "null");
    }
    ibp__buf_puts(b, "]}");
}

/* The trained arrays of v (P,), laid out like theta, as a comma-separated list of objects. */
static void ibp__json_vector(ibp__buf *b, const ibp__model *m, const double *v) {
    int first = 1;
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        if (ly->off < 0) continue;
        int shape[4], ns = ibp__layer_shape(m, i, shape);
        if (!first) ibp__buf_puts(b, ",\n");
        first = 0;
        ibp__json_array(b, ly->name, ly->rows, ly->cols, v + ly->off, 1, 0, shape, ns);
        if (ly->boff >= 0) {
            char bn[8];
            ibp__layer_bias_name(m, i, bn, sizeof bn);
            ibp__buf_puts(b, ",\n");
            ibp__json_array(b, bn, ly->rows, 1, v + ly->boff, 1, 1, NULL, 0);
        }
    }
}

size_t ibp__vector_json_write(const ibp__model *m, const double *v, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_puts(&b, "[\n");
    ibp__json_vector(&b, m, v);
    ibp__buf_puts(&b, "\n]\n");
    return ibp__buf_finish(&b);
}

size_t ibp__params_json_write(const ibp__config *c, const ibp__model *m, const double *theta,
                              const double *grad, long step, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_printf(&b, "{\"format\":\"ibp-params-1\",\"version\":\"%s\",\"config\":\"", IBP_VERSION);
    ibp__config_write_buf(c, 0, 1, &b);
    ibp__buf_printf(&b, "\",\"step\":%ld,\"params\":[\n", step);
    int first = 1;
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int shape[4], ns = ibp__layer_shape(m, i, shape);
        if (!first) ibp__buf_puts(&b, ",\n");
        first = 0;
        if (ly->off >= 0) ibp__json_array(&b, ly->name, ly->rows, ly->cols, theta + ly->off, 1, 0, shape, ns);
        else ibp__json_array(&b, ly->name, ly->rows, ly->cols, ly->fixed, 0, 0, NULL, 0);
        if (ly->boff >= 0) {
            char bn[8];
            ibp__layer_bias_name(m, i, bn, sizeof bn);
            ibp__buf_puts(&b, ",\n");
            ibp__json_array(&b, bn, ly->rows, 1, theta + ly->boff, 1, 1, NULL, 0);
        }
    }
    if (m->kind == IBP__MODEL_MF) {
        ibp__buf_puts(&b, ",\n");
        ibp__json_array(&b, "A", m->mf_rows, m->mf_cols, m->A, 0, 0, NULL, 0);
    }
    ibp__buf_puts(&b, "\n]");
    if (grad) { /* the gradient at these parameters: the same trained arrays */
        ibp__buf_puts(&b, ",\"grad\":[\n");
        ibp__json_vector(&b, m, grad);
        ibp__buf_puts(&b, "\n]");
    }
    ibp__buf_puts(&b, "}\n");
    return ibp__buf_finish(&b);
}

/* ---- reading: a small recursive-descent walk over the JSON text ---------------------------- */

/* Nesting deeper than this is refused: the walk below recurses once per level, and a file nested
 * a million deep used to overflow the stack (native SIGSEGV; in wasm a RangeError that left the
 * module unusable). The format itself nests 4 deep; numpy's tolist() adds one per dimension. */
#define IBP__JSON_MAX_DEPTH 64

typedef struct ibp__json {
    const char *s, *p;
    char *err;
    size_t errlen;
    int rc;
    int depth; /* arrays and objects open around p */
} ibp__json;

static int ibp__jerr(ibp__json *j, const char *what) {
    if (j->rc == IBP_OK)
        j->rc = ibp__fail(j->err, j->errlen, IBP_E_INIT, "params JSON, byte %ld: %s", (long)(j->p - j->s), what);
    return j->rc;
}
static void ibp__jws(ibp__json *j) {
    while (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t') j->p++;
}
static int ibp__jlit(ibp__json *j, char ch) {
    ibp__jws(j);
    if (*j->p != ch) return 0;
    j->p++;
    return 1;
}
/* A string into out (cap bytes, truncated), escapes decoded for ASCII. */
static int ibp__jstr(ibp__json *j, char *out, size_t cap) {
    ibp__jws(j);
    if (*j->p != '"') return ibp__jerr(j, "expected a string");
    j->p++;
    size_t o = 0;
    while (*j->p && *j->p != '"') {
        char ch = *j->p++;
        if (ch == '\\') {
            if (!*j->p) break; /* a backslash at the very end: never step over the NUL */
            ch = *j->p++;
            if (ch == 'u') { for (int i = 0; i < 4 && *j->p; i++) j->p++; ch = '?'; }
            else if (ch == 'n') ch = '\n';
            else if (ch == 't') ch = '\t';
        }
        if (o + 1 < cap) out[o++] = ch;
    }
    if (cap) out[o] = '\0';
    if (*j->p != '"') return ibp__jerr(j, "unterminated string");
    j->p++;
    return IBP_OK;
}
static int ibp__jnum(ibp__json *j, double *x) {
    ibp__jws(j);
    char *end;
    const char *q = j->p; /* decimal only: strtod alone would also take hex, nan and infinity */
    while ((*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '+' || *q == 'e' || *q == 'E') q++;
    *x = q > j->p ? strtod(j->p, &end) + 0.0 : 0.0; /* -0 reads as 0: the writer prints no sign on zero */
    if (q == j->p || end != q) return ibp__jerr(j, "expected a number");
    if (!ibp__isfinite(*x)) return ibp__jerr(j, "a value is not finite");
    j->p = end;
    return IBP_OK;
}
/* Enter an array or object at p (its bracket already consumed): refuse too deep a nesting. */
static int ibp__jenter(ibp__json *j) {
    if (++j->depth > IBP__JSON_MAX_DEPTH) {
        char msg[96];
        snprintf(msg, sizeof msg, "arrays and objects are nested more than %d deep", IBP__JSON_MAX_DEPTH);
        return ibp__jerr(j, msg);
    }
    return IBP_OK;
}
static int ibp__jskip(ibp__json *j) {
    ibp__jws(j);
    char ch = *j->p;
    if (ch == '"') { char t[2]; return ibp__jstr(j, t, sizeof t); }
    if (ch == '{' || ch == '[') {
        char close = ch == '{' ? '}' : ']';
        j->p++;
        if (ibp__jenter(j)) return j->rc;
        if (!ibp__jlit(j, close)) {
            do {
                if (ch == '{') {
                    char t[2];
                    if (ibp__jstr(j, t, sizeof t) || !ibp__jlit(j, ':')) return ibp__jerr(j, "expected \"key\":");
                }
                if (ibp__jskip(j)) return j->rc;
            } while (ibp__jlit(j, ','));
            if (!ibp__jlit(j, close)) return ibp__jerr(j, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        j->depth--;
        return IBP_OK;
    }
    if (!strncmp(j->p, "true", 4)) { j->p += 4; return IBP_OK; }
    if (!strncmp(j->p, "false", 5)) { j->p += 5; return IBP_OK; }
    if (!strncmp(j->p, "null", 4)) { j->p += 4; return IBP_OK; }
    double x;
    return ibp__jnum(j, &x);
}
/* Numbers of a (possibly nested) array into out[*n...] (at most cap). */
static int ibp__jdata(ibp__json *j, double *out, long cap, long *n) {
    if (!ibp__jlit(j, '[')) return ibp__jerr(j, "\"data\" must be an array of numbers");
    if (ibp__jenter(j)) return j->rc;
    if (!ibp__jlit(j, ']')) {
        do {
            ibp__jws(j);
            if (*j->p == '[') { if (ibp__jdata(j, out, cap, n)) return j->rc; continue; }
            if (!strncmp(j->p, "null", 4))
                return ibp__jerr(j, "\"data\" holds null: a value was not finite when it was saved (a diverged run)");
            double x;
            if (ibp__jnum(j, &x)) return j->rc;
            if (*n < cap) out[*n] = x;
            (*n)++;
        } while (ibp__jlit(j, ','));
        if (!ibp__jlit(j, ']')) return ibp__jerr(j, "expected ',' or ']' in \"data\"");
    }
    j->depth--;
    return IBP_OK;
}

/* Find the slice of theta named `name`: a layer's W (K), or its bias "b<k>" ("c<k>"); *li is the
 * layer. */
static int ibp__find_slice(ibp__model *m, const char *name, long *off, int *rows, int *cols, int *li) {
    for (int i = 0; i < m->nl; i++) {
        ibp__layer *ly = &m->L[i];
        char bn[8];
        *li = i;
        if (ly->off >= 0 && strcmp(name, ly->name) == 0) { *off = ly->off; *rows = ly->rows; *cols = ly->cols; return 1; }
        ibp__layer_bias_name(m, i, bn, sizeof bn);
        if (ly->boff >= 0 && strcmp(name, bn) == 0) {
            *off = ly->boff; *rows = ly->rows; *cols = -1; return 1;
        }
    }
    return 0;
}

/* What the reader fills: theta's slices, and the fixed head when the model has one (a random
 * head=unit cannot be drawn again: it comes from the file). */
typedef struct ibp__pjread {
    ibp__model *m;
    double *theta;          /* (P,) */
    double *head;           /* (rows, cols) of the fixed head, or NULL when the model has none */
    /* 1 + the byte of the "name" that loaded each slice (layer i's W at 2i, its bias at 2i + 1;
     * the head at head_at), else 0: a second entry of one name is refused, as a config key given
     * twice is, rather than silently overwriting the first */
    long head_at;
    int head_found;
    long seen[2 * IBP__MAX_LAYERS];
} ibp__pjread;

/* Refuse a second entry of `name` at name_at (the first was at 1 + first_at). */
static int ibp__jtwice(ibp__json *j, const char *name, const char *name_at, long first_at) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s is given twice (first at byte %ld, again here): the file must give each array once",
             name, first_at - 1);
    j->p = name_at;
    return ibp__jerr(j, msg);
}

static int ibp__jparam(ibp__json *j, ibp__pjread *rd) {
    ibp__model *m = rd->m;
    if (!ibp__jlit(j, '{')) return ibp__jerr(j, "each entry of \"params\" must be an object {name, shape, data}");
    if (ibp__jenter(j)) return j->rc;
    char name[32] = "", key[32];
    int shape[4], nshape = -1, trained = 1;
    const char *data_at = NULL, *name_at = NULL;
    /* the keys read so far (name, shape, trained, data): one given twice is refused, not
     * silently replaced by the second */
    static const char *const keys[] = {"name", "shape", "trained", "data"};
    int given = 0;
    if (!ibp__jlit(j, '}')) {
        do {
            ibp__jws(j);
            const char *key_at = j->p;
            if (ibp__jstr(j, key, sizeof key) || !ibp__jlit(j, ':')) return ibp__jerr(j, "expected \"key\":");
            for (int q = 0; q < 4; q++)
                if (!strcmp(key, keys[q])) {
                    if (given & (1 << q)) {
                        char msg[96];
                        snprintf(msg, sizeof msg, "an entry gives \"%s\" twice", keys[q]);
                        j->p = key_at;
                        return ibp__jerr(j, msg);
                    }
                    given |= 1 << q;
                }
            if (!strcmp(key, "name")) {
                ibp__jws(j);
                name_at = j->p;
                if (ibp__jstr(j, name, sizeof name)) return j->rc;
            } else if (!strcmp(key, "shape")) {
                if (!ibp__jlit(j, '[')) return ibp__jerr(j, "\"shape\" must be an array of integers");
                nshape = 0;
                if (!ibp__jlit(j, ']')) {
                    do {
                        double x;
                        if (ibp__jnum(j, &x)) return j->rc;
                        if (!(x >= 0 && x <= 2147483647.0)) /* before the cast: (int)1e300 is undefined */
                            return ibp__jerr(j, "a \"shape\" value is out of range: sizes are integers in [0, 2147483647]");
                        if (x != (double)(int)x) return ibp__jerr(j, "\"shape\" must be an array of integers");
                        if (nshape == 4) return ibp__jerr(j, "a \"shape\" has at most 2 sizes");
                        shape[nshape++] = (int)x;
                    } while (ibp__jlit(j, ','));
                    if (!ibp__jlit(j, ']')) return ibp__jerr(j, "expected ']' after the shape");
                }
            } else if (!strcmp(key, "trained")) {
                ibp__jws(j);
                trained = strncmp(j->p, "false", 5) != 0;
                if (ibp__jskip(j)) return j->rc;
            } else if (!strcmp(key, "data")) {
                ibp__jws(j);
                data_at = j->p;
                if (ibp__jskip(j)) return j->rc;
            } else if (ibp__jskip(j)) return j->rc;
        } while (ibp__jlit(j, ','));
        if (!ibp__jlit(j, '}')) return ibp__jerr(j, "expected ',' or '}'");
    }
    const ibp__layer *last = &m->L[m->nl - 1];
    int is_head = rd->head && !strcmp(name, last->name);
    if (!trained && !is_head) { j->depth--; return IBP_OK; } /* written for reference (the mf target A) */
    long off = -1;
    int rows, cols, li;
    if (is_head) {
        rows = last->rows;
        cols = last->cols;
        li = m->nl - 1;
    } else if (!ibp__find_slice(m, name, &off, &rows, &cols, &li)) {
        char msg[160];
        snprintf(msg, sizeof msg, "the model has no trained array named \"%s\"", name);
        return ibp__jerr(j, msg);
    }
    long *at = is_head ? &rd->head_at : &rd->seen[2 * li + (cols < 0)];
    if (*at) return ibp__jtwice(j, name, name_at, *at);
    *at = 1 + (long)(name_at - j->s);
    long want = cols < 0 ? rows : (long)rows * cols;
    int full[4], nfull = ibp__layer_shape(m, li, full), same_full = nshape == nfull && nfull > 2;
    for (int q = 0; q < nfull && q < 4 && same_full; q++) same_full = shape[q] == full[q];
    int shape_ok = cols < 0 ? (nshape == 1 && shape[0] == rows) || (nshape == 2 && shape[0] == rows && shape[1] == 1)
                            : (nshape == 2 && shape[0] == rows && shape[1] == cols) || same_full;
    if (nshape >= 0 && !shape_ok) {
        char msg[200];
        if (cols < 0) snprintf(msg, sizeof msg, "%s has the wrong shape: the model's %s is (%d,)", name, name, rows);
        else if (nfull == 4)
            snprintf(msg, sizeof msg, "%s has the wrong shape: the model's %s is (%d, %d, %d, %d) or (%d, %d)", name, name,
                     full[0], full[1], full[2], full[3], rows, cols);
        else if (nfull == 3)
            snprintf(msg, sizeof msg, "%s has the wrong shape: the model's %s is (%d, %d, %d) or (%d, %d)", name, name,
                     full[0], full[1], full[2], rows, cols);
        else snprintf(msg, sizeof msg, "%s has the wrong shape: the model's %s is (%d, %d)", name, name, rows, cols);
        return ibp__jerr(j, msg);
    }
    if (!data_at) return ibp__jerr(j, "an entry has no \"data\"");
    const char *save = j->p;
    int depth = j->depth;
    j->p = data_at;
    long n = 0;
    if (ibp__jdata(j, is_head ? rd->head : rd->theta + off, want, &n)) return j->rc;
    j->p = save;
    j->depth = depth - 1;
    if (n != want) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s has %ld numbers, the model's %s has %ld", name, n, name, want);
        return ibp__jerr(j, msg);
    }
    if (is_head) rd->head_found = 1;
    return IBP_OK;
}

int ibp__params_json_read(ibp__model *m, const char *json, double *theta, double *head, int *head_found,
                          char *err, size_t errlen) {
    ibp__json j = {json, json, err, errlen, IBP_OK, 0};
    ibp__pjread rd;
    memset(&rd, 0, sizeof rd);
    rd.m = m;
    rd.theta = theta;
    rd.head = m->kind != IBP__MODEL_MF && m->L[m->nl - 1].off < 0 ? head : NULL;
    if (head_found) *head_found = 0;
    ibp__jws(&j);
    if (*j.p == '{') { /* find "params" */
        j.p++;
        j.depth = 1;
        char key[32];
        int found = 0;
        if (!ibp__jlit(&j, '}')) {
            do {
                if (ibp__jstr(&j, key, sizeof key) || !ibp__jlit(&j, ':')) return ibp__jerr(&j, "expected \"key\":");
                if (!strcmp(key, "params")) { found = 1; break; }
                if (ibp__jskip(&j)) return j.rc;
            } while (ibp__jlit(&j, ','));
        }
        if (!found) return ibp__jerr(&j, "no \"params\" array");
    }
    if (!ibp__jlit(&j, '[')) return ibp__jerr(&j, "expected the array of parameters");
    if (ibp__jenter(&j)) return j.rc;
    if (!ibp__jlit(&j, ']')) {
        do {
            if (ibp__jparam(&j, &rd)) return j.rc;
        } while (ibp__jlit(&j, ','));
        if (!ibp__jlit(&j, ']')) return ibp__jerr(&j, "expected ',' or ']' after a parameter");
    }
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        if (ly->off >= 0 && !rd.seen[2 * i])
            return ibp__fail(err, errlen, IBP_E_INIT, "params JSON: %s is missing", ly->name);
        if (ly->boff >= 0 && !rd.seen[2 * i + 1]) {
            char bn[8];
            ibp__layer_bias_name(m, i, bn, sizeof bn);
            return ibp__fail(err, errlen, IBP_E_INIT, "params JSON: %s is missing", bn);
        }
    }
    if (head_found) *head_found = rd.head_found;
    return IBP_OK;
}
