/* data_csv.c -- CSV import (validate + count, then read rows) and export of data sets.
 *
 * Format: a header row of column names (optionally in double quotes), then rows of numbers,
 * every row with as many fields as the header; the last k columns are the targets. Blank lines
 * are ignored; lines may end in \n, \r\n or \r; a UTF-8 byte order mark is skipped. Numbers are
 * decimal (digits, sign, '.', exponent: no hex, no nan or inf, as in the config language) and read
 * by strtod (the core never sets a locale, so "." is the decimal point); a value that overflows to
 * inf is rejected because it would poison every loss and gradient silently.
 * Line numbers in messages count every physical line (blank ones included) from 1, so they match
 * what an editor shows. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "data/data.h"

static const char *skip_bom(const char *p) {
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        return p + 3;
    return p;
}
static const char *line_end(const char *p) {
    while (*p && *p != '\n' && *p != '\r') p++;
    return p;
}
static const char *next_line(const char *e) { /* e from line_end */
    if (*e == '\r' && e[1] == '\n') return e + 2;
    return *e ? e + 1 : e;
}
static int is_space(char ch) { return ch == ' ' || ch == '\t'; }
/* Only decimal numbers, as in the config language: strtod alone would also take hex (0x10),
 * "infinity" and "nan". */
static int is_decimal(const char *p, const char *e) {
    for (; p < e; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E')) return 0;
    return 1;
}
static int is_blank(const char *p, const char *e) {
    for (; p < e; p++)
        if (!is_space(*p)) return 0;
    return 1;
}

/* One header field starting at p (< e or == e for an empty last field): its name with quotes
 * and surrounding blanks stripped. Returns the position of the following ',' or e, or NULL when a
 * quote is unterminated (*bad = 1) or followed by other text (*bad = 2). */
static const char *header_field(const char *p, const char *e, const char **name, int *len, int *bad) {
    while (p < e && is_space(*p)) p++;
    if (p < e && *p == '"') {
        const char *q = p + 1;
        while (q < e && *q != '"') q++;
        if (q >= e) { *bad = 1; return NULL; }
        *name = p + 1;
        *len = (int)(q - p - 1);
        q++;
        while (q < e && is_space(*q)) q++;
        if (q < e && *q != ',') { *bad = 2; return NULL; }
        return q;
    }
    const char *q = p;
    while (q < e && *q != ',') q++;
    const char *t = q;
    while (t > p && is_space(t[-1])) t--;
    *name = p;
    *len = (int)(t - p);
    return q;
}

/* Name of column j (0-based) of a header already validated. */
static void header_name(const char *h, const char *he, int j, const char **name, int *len) {
    int bad = 0;
    *name = "";
    *len = 0;
    for (int c = 0; c <= j; c++) {
        h = header_field(h, he, name, len, &bad);
        if (!h) return;
        if (h < he) h++;
    }
}

/* Quote a field for a message: at most 40 characters, "..." marks a cut. */
#define FIELD_SHOWN 40

int ibp__csv_scan(const char *text, int k, ibp__csvinfo *info, char *err, size_t errlen) {
    info->rows = info->cols = 0;
    if (k < 1) return ibp__fail(err, errlen, IBP_E_DATA, "data CSV: out=%d, need at least 1 target", k);
    const char *p = skip_bom(text ? text : "");
    int line = 1;
    const char *e = line_end(p);
    while (*p && is_blank(p, e)) {
        p = next_line(e);
        e = line_end(p);
        line++;
    }
    if (!*p)
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "data CSV is empty: expected a header row of column names, then rows of numbers");

    /* header */
    const char *h = p, *he = e;
    int hline = line, cols = 0, numeric = 1;
    for (const char *q = h;;) {
        const char *name;
        int len, bad = 0;
        const char *start = q;
        q = header_field(q, he, &name, &len, &bad);
        cols++;
        if (!q)
            return ibp__fail(err, errlen, IBP_E_DATA, "data CSV line %d, column %d: %s", hline, cols,
                             bad == 1 ? "unterminated quote in the header"
                                      : "text after the closing quote of a header name");
        { /* a header made only of numbers is almost surely a missing header */
            char *end;
            while (start < q && is_space(*start)) start++;
            double v = strtod(start, &end);
            (void)v;
            while (end < q && is_space(*end)) end++;
            if (len == 0 || *start == '"' || end != q) numeric = 0;
        }
        if (cols == INT_MAX / 2)
            return ibp__fail(err, errlen, IBP_E_DATA, "data CSV line %d: too many columns", hline);
        if (q == he) break;
        q++;
    }
    if (numeric)
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "data CSV line %d: the first row must be a header of column names, "
                         "but it holds only numbers (add a row such as x1,x2,y)", hline);
    if (cols < k + 1)
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "data CSV has %d column%s, but out=%d needs at least %d "
                         "(input columns, then the %d target column%s)",
                         cols, cols == 1 ? "" : "s", k, k + 1, k, k == 1 ? "" : "s");

    /* data rows */
    int rows = 0;
    p = next_line(he);
    line++;
    for (; *p; p = next_line(e), line++) {
        e = line_end(p);
        if (is_blank(p, e)) continue;
        int nf = 1;
        for (const char *q = p; q < e; q++) nf += *q == ',';
        if (nf != cols)
            return ibp__fail(err, errlen, IBP_E_DATA, "data CSV line %d has %d field%s, the header has %d",
                             line, nf, nf == 1 ? "" : "s", cols);
        const char *q = p;
        for (int j = 0; j < cols; j++) {
            const char *s = q, *t;
            while (q < e && *q != ',') q++;
            t = q;
            while (s < t && is_space(*s)) s++;
            while (t > s && is_space(t[-1])) t--;
            char *end = (char *)s;
            double v = 0;
            if (t > s) v = strtod(s, &end);
            int parsed = t > s && end == t, finite = parsed && ibp__isfinite(v);
            if (!finite || !is_decimal(s, t)) {
                const char *name;
                int nlen, flen = (int)(t - s);
                header_name(h, he, j, &name, &nlen);
                return ibp__fail(err, errlen, IBP_E_DATA,
                                 "data CSV line %d, column %d (\"%.*s\"): \"%.*s%s\" is not a %snumber",
                                 line, j + 1, nlen, name, flen > FIELD_SHOWN ? FIELD_SHOWN : flen, s,
                                 flen > FIELD_SHOWN ? "..." : "",
                                 parsed && !finite ? "finite " : parsed ? "decimal " : "");
            }
            if (q < e) q++;
        }
        if (rows == INT_MAX - 1)
            return ibp__fail(err, errlen, IBP_E_DATA, "data CSV line %d: too many rows", line);
        rows++;
    }
    if (rows == 0)
        return ibp__fail(err, errlen, IBP_E_DATA,
                         "data CSV has a header row (line %d) but no data rows", hline);
    info->rows = rows;
    info->cols = cols;
    return IBP_OK;
}

const char *ibp__csv_next_row(const char *p, int d, int k, double *x /* (d,) */,
                              double *y /* (k,) */) {
    if (!x) p = skip_bom(p);
    const char *e = line_end(p);
    while (*p && is_blank(p, e)) {
        p = next_line(e);
        e = line_end(p);
    }
    for (int j = 0; x && j < d + k; j++) {
        char *end;
        double v = strtod(p, &end);
        if (j < d) x[j] = v;
        else y[j - d] = v;
        p = end;
        while (p < e && *p != ',') p++;
        if (p < e) p++;
    }
    return next_line(e);
}

/* ------------------------------------------------------------------------------------------ */
/* Export */

size_t ibp__data_csv(const ibp__data *D, int test, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    int n = test ? D->n_test : D->n, d = D->d, k = D->k;
    const double *x = test ? D->xt : D->x, *y = test ? D->yt : D->y;
    for (int j = 0; j < d; j++) ibp__buf_printf(&b, "x%d,", j + 1);
    if (k == 1) ibp__buf_puts(&b, "y\n");
    for (int j = 0; k > 1 && j < k; j++) ibp__buf_printf(&b, "y%d%s", j + 1, j + 1 < k ? "," : "\n");
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++) {
            ibp__buf_double(&b, x[(size_t)i * d + j]);
            ibp__buf_puts(&b, ",");
        }
        for (int j = 0; j < k; j++) {
            ibp__buf_double(&b, y[(size_t)i * k + j]);
            ibp__buf_puts(&b, j + 1 < k ? "," : "\n");
        }
    }
    return ibp__buf_finish(&b);
}
