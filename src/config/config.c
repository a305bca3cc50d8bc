/* config.c -- the ONE parser of "key=value&key=value", its validation and its canonical form.
 *
 * Parsing order: defaults (each key's default text through this same parser), then the user's
 * items in any order, then "applies" checks (a key given for a model or data set it does not
 * affect is an error, not silently ignored), then cross-key rules. Every error names the key,
 * the bad value and what is allowed. The canonical form lists, in table order, the applicable
 * keys whose value text differs from the default's, so it is short, stable and a fixed point.
 * Reading a parsed config is config_value.c; the applicability and cross-key rules config_rules.c.
 * Lists are the only allocations; ibp__config_free releases them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"

#define IBP__ERR(...) ibp__fail(err, errlen, IBP_E_CONFIG, __VA_ARGS__)

/* ---- small helpers ---------------------------------------------------------------------- */

/* Whole-string number: strtod must consume everything; finite only. */
int ibp__parse_number(const char *s, double *x) {
    if (!*s) return -1;
    for (const char *p = s; *p; p++) /* strtod also takes "inf", "nan", hex: refuse letters */
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E'))
            return -1;
    char *end;
    *x = strtod(s, &end) + 0.0; /* -0 reads as 0: the writers print no sign on zero, so links stay exact */
    if (*end != '\0' || end == s) return -1;
    if (!ibp__isfinite(*x)) return -2;
    return 0;
}

/* The range first: only a value inside it may be cast to an integer (casting 1e300 is undefined
 * behaviour). The range text is formatted only for a message: a list of 10M values is checked
 * element by element, and formatting it each time made refusing such a list take 30 s. */
static int ibp__check_range(const ibp__key *k, double x, const char *shown, char *err, size_t errlen) {
    int is_int = k->type == IBP__T_INT || k->type == IBP__T_INT64 || (k->type == IBP__T_LIST && k->list_int);
    char rng[80];
    if (!(x >= k->min) || (k->min_open && x <= k->min) || !(x <= k->max) || (is_int && !(x > -9e18 && x < 9e18))) {
        ibp__range_text(k, rng, sizeof rng);
        return IBP__ERR("%s=%s is out of range: %s must be %sin %s (%s)", k->key, shown, k->key,
                        is_int ? "an integer " : "", rng, k->help);
    }
    if (is_int && x != (double)(int64_t)x) {
        ibp__range_text(k, rng, sizeof rng);
        return IBP__ERR("%s=%s: %s must be an integer in %s", k->key, shown, k->key, rng);
    }
    return IBP_OK;
}

/* A list item in the common short form ([sign] digits [. digits] [e [sign] digits], at most 15
 * significant digits, a power of ten within 1e22): its value without strtod, by Clinger's fast
 * path. The digits are an exact integer m < 2^53 and 10^k is exact, so the one multiplication or
 * division rounds correctly: the same double strtod gives, natively and in wasm. Long lists are
 * mostly such items (a 10M-element list is refused in a fraction of a second). Anything else goes
 * through ibp__parse_number. */
static int ibp__fast_decimal(const char *p, size_t n, double *x) {
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    int neg = 0, digits = 0, frac = 0, any = 0;
    if (i < n && (p[i] == '-' || p[i] == '+')) neg = p[i++] == '-';
    int64_t m = 0;
    for (int dot = 0; i < n; i++) {
        if (p[i] == '.' && !dot) { dot = 1; continue; }
        if (p[i] < '0' || p[i] > '9') break;
        any = 1;
        if (m || p[i] != '0') { if (++digits > 15) return 0; m = m * 10 + (p[i] - '0'); }
        frac += dot;
    }
    if (!any) return 0;
    int e = 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        int eneg = i < n && p[i] == '-';
        if (i < n && (p[i] == '-' || p[i] == '+')) i++;
        if (i == n) return 0;
        for (; i < n; i++) {
            if (p[i] < '0' || p[i] > '9' || e > 1000) return 0;
            e = e * 10 + (p[i] - '0');
        }
        if (eneg) e = -e;
    }
    if (i != n) return 0;
    e -= frac;
    if (e < -22 || e > 22) return 0;
    double v = e >= 0 ? (double)m * p10[e] : (double)m / p10[-e];
    *x = (neg ? -v : v) + 0.0; /* -0 reads as 0, as in ibp__parse_number */
    return 1;
}

static int ibp__parse_list(const ibp__key *k, const char *v, ibp__list *out, char *err, size_t errlen) {
    long count = *v ? 1 : 0;
    for (const char *p = v; *p; p++) count += *p == ',';
    if (count < k->list_min)
        return IBP__ERR("%s is empty: give at least %d number%s (comma-separated)", k->key, k->list_min,
                        k->list_min == 1 ? "" : "s");
    if (count > k->list_max)
        return IBP__ERR("%s has %ld values: at most %d are allowed", k->key, count, k->list_max);
    double *vals = count ? malloc(sizeof(double) * (size_t)count) : NULL;
    if (count && !vals) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory parsing %s", k->key);
    const char *p = v;
    for (long i = 0; i < count; i++) {
        const char *e = p;
        while (*e && *e != ',') e++;
        size_t n = (size_t)(e - p);
        char tmp[64];
        if (n >= sizeof tmp) { /* 17 significant digits and an exponent fit many times over */
            free(vals);
            return IBP__ERR("%s: value %ld of the list, \"%.20s...\", is %zu characters long: a number has at "
                            "most %d", k->key, i + 1, p, n, (int)sizeof tmp - 1);
        }
        double x;
        int rc = 0;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        if (!ibp__fast_decimal(p, n, &x)) rc = ibp__parse_number(tmp, &x);
        if (rc) {
            free(vals);
            return IBP__ERR("%s: value %ld of the list, \"%s\", is not %s", k->key, i + 1, tmp,
                            rc == -2 ? "a finite number" : "a number");
        }
        rc = ibp__check_range(k, x, tmp, err, errlen);
        if (rc) { free(vals); return rc; }
        vals[i] = x;
        p = *e ? e + 1 : e;
    }
    free(out->v);
    out->v = vals;
    out->n = (int)count;
    return IBP_OK;
}

/* Conv layers "CxK,CxK,...": C output channels in [k->min, k->max], kernel K in [1, 64], between
 * list_min and list_max layers; stored as the pairs C, K. */
static int ibp__parse_conv(const ibp__key *k, const char *v, ibp__list *out, char *err, size_t errlen) {
    int count = *v ? 1 : 0;
    for (const char *p = v; *p; p++) count += *p == ',';
    if (count < k->list_min || count > k->list_max)
        return IBP__ERR("%s=\"%.60s\": give %d to %d conv layers as CxK (C output channels, kernel K), "
                        "e.g. %s=8x3,16x3", k->key, v, k->list_min, k->list_max, k->key);
    double *vals = malloc(sizeof(double) * 2 * (size_t)count);
    if (!vals) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory parsing %s", k->key);
    const char *p = v;
    for (int i = 0; i < count; i++) {
        size_t n = strcspn(p, ",");
        char tmp[64];
        if (n >= sizeof tmp) n = sizeof tmp - 1;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        char *x = strchr(tmp, 'x');
        double ch = 0, ks = 0;
        int ok = x != NULL;
        if (ok) {
            *x = '\0';
            ok = ibp__parse_number(tmp, &ch) == 0 && ibp__parse_number(x + 1, &ks) == 0;
            *x = 'x';
        }
        if (!ok) {
            free(vals);
            return IBP__ERR("%s: layer %d, \"%s\", is not CxK (C output channels, kernel K), e.g. 8x3", k->key,
                            i + 1, tmp);
        }
        /* the ranges before the casts: (int64_t)6.7e58 is undefined behaviour (found by fuzz_pipeline) */
        int in_range = ch >= k->min && ch <= k->max && ks >= 1 && ks <= 64;
        if (!in_range || ch != (double)(int64_t)ch || ks != (double)(int64_t)ks) {
            free(vals);
            return IBP__ERR("%s: layer %d, \"%s\"%s: the channels must be a whole number in [%g, %g] and the "
                            "kernel in [1, 64]", k->key, i + 1, tmp, in_range ? "" : " is out of range", k->min,
                            k->max);
        }
        vals[2 * i] = ch;
        vals[2 * i + 1] = ks;
        p += n;
        if (*p) p++;
    }
    free(out->v);
    out->v = vals;
    out->n = 2 * count;
    return IBP_OK;
}

/* Parse one value of key k into c. */
static int ibp__parse_value(ibp__config *c, const ibp__key *k, const char *v, char *err, size_t errlen) {
    char *base = (char *)c;
    double x;
    char allowed[256];
    switch (k->type) {
    case IBP__T_INT:
    case IBP__T_INT64:
    case IBP__T_DOUBLE: {
        int rc = ibp__parse_number(v, &x);
        if (rc) {
            char rng[80];
            ibp__range_text(k, rng, sizeof rng);
            return IBP__ERR("%s=\"%s\" is not %s: %s is %s, in %s", k->key, v,
                            rc == -2 ? "a finite number" : "a number", k->key, k->help, rng);
        }
        rc = ibp__check_range(k, x, v, err, errlen);
        if (rc) return rc;
        if (k->type == IBP__T_INT) *(int *)(base + k->off) = (int)x;
        else if (k->type == IBP__T_INT64) *(int64_t *)(base + k->off) = (int64_t)x;
        else *(double *)(base + k->off) = x;
        return IBP_OK;
    }
    case IBP__T_BOOL: {
        static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
        for (int i = 0; i < 4; i++) {
            if (strcmp(v, yes[i]) == 0) { *(int *)(base + k->off) = 1; return IBP_OK; }
            if (strcmp(v, no[i]) == 0) { *(int *)(base + k->off) = 0; return IBP_OK; }
        }
        return IBP__ERR("%s=\"%s\": %s is 0 or 1 (%s)", k->key, v, k->key, k->help);
    }
    case IBP__T_ENUM: {
        int i = ibp__choice_index(k->choices, v, strlen(v));
        if (i < 0) {
            ibp__choices_text(k->choices, allowed, sizeof allowed);
            return IBP__ERR("%s=\"%s\": allowed values are %s", k->key, v, allowed);
        }
        *(int *)(base + k->off) = i;
        return IBP_OK;
    }
    case IBP__T_LIST:
        return ibp__parse_list(k, v, (ibp__list *)(base + k->off), err, errlen);
    case IBP__T_SET: {
        int mask = 0;
        const char *p = v;
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            int i = ibp__choice_index(k->choices, p, n);
            if (i < 0 || n == 0) {
                ibp__choices_text(k->choices, allowed, sizeof allowed);
                return IBP__ERR("%s=\"%s\": \"%.*s\" is not one of %s (give any of them, comma-separated)", k->key,
                                v, (int)n, p, allowed);
            }
            if (mask & (1 << i)) return IBP__ERR("%s=\"%s\": %.*s is given twice", k->key, v, (int)n, p);
            mask |= 1 << i;
            p = comma ? comma + 1 : p + n;
            if (comma && !*p) return IBP__ERR("%s=\"%s\": a trailing comma", k->key, v);
        }
        *(int *)(base + k->off) = mask;
        return IBP_OK;
    }
    case IBP__T_ENUM_OR_LIST: {
        int i = ibp__choice_index(k->choices, v, strlen(v));
        if (i >= 0) {
            *(int *)(base + k->off) = i;
            ibp__list *l = (ibp__list *)(base + k->list_off);
            free(l->v);
            l->v = NULL;
            l->n = 0;
            return IBP_OK;
        }
        if (!((*v >= '0' && *v <= '9') || *v == '-' || *v == '+' || *v == '.')) {
            ibp__choices_text(k->choices, allowed, sizeof allowed);
            return IBP__ERR("%s=\"%s\": allowed values are %s, or a comma list of numbers", k->key, v,
                            allowed);
        }
        int rc = ibp__parse_list(k, v, (ibp__list *)(base + k->list_off), err, errlen);
        if (rc) return rc;
        *(int *)(base + k->off) = ibp__choices_count(k->choices); /* the "values" member */
        return IBP_OK;
    }
    case IBP__T_ACT: {
        const char *paren = strchr(v, '(');
        size_t n = paren ? (size_t)(paren - v) : strlen(v);
        int i = ibp__choice_index(k->choices, v, n);
        if (i < 0) {
            ibp__choices_text(k->choices, allowed, sizeof allowed);
            return IBP__ERR("%s=\"%s\": allowed activations are %s (leaky_relu, softplus and "
                            "leaky_softplus take a parameter, e.g. leaky_relu(0.1))", k->key, v, allowed);
        }
        double prm = ibp__act_default_param(i);
        if (paren) {
            size_t pl = strlen(paren);
            char tmp[64];
            if (!ibp__act_has_param(i))
                return IBP__ERR("%s=\"%s\": %.*s takes no parameter", k->key, v, (int)n, v);
            if (pl < 3 || paren[pl - 1] != ')' || pl - 2 >= sizeof tmp)
                return IBP__ERR("%s=\"%s\": write the parameter as %.*s(0.1)", k->key, v, (int)n, v);
            memcpy(tmp, paren + 1, pl - 2);
            tmp[pl - 2] = '\0';
            if (ibp__parse_number(tmp, &prm))
                return IBP__ERR("%s=\"%s\": the parameter \"%s\" is not a number", k->key, v, tmp);
            int ok = i == IBP__ACT_SOFTPLUS ? (prm > 0 && prm <= 1000) : (prm >= 0 && prm <= 1);
            if (!ok)
                return IBP__ERR("%s=\"%s\": the %s parameter must be in %s", k->key, v,
                                i == IBP__ACT_SOFTPLUS ? "softplus beta" : "slope",
                                i == IBP__ACT_SOFTPLUS ? "(0, 1000]" : "[0, 1]");
        }
        *(int *)(base + k->off) = i;
        *(double *)(base + k->list_off) = prm;
        return IBP_OK;
    }
    case IBP__T_CONV:
        return ibp__parse_conv(k, v, (ibp__list *)(base + k->off), err, errlen);
    }
    IBP_TRAP();
}

/* ---- public entry points ---------------------------------------------------------------- */

void ibp__config_free(ibp__config *c) {
    for (int i = 0; i < ibp__nkeys; i++) {
        const ibp__key *k = &ibp__keys[i];
        ibp__list *l = k->type == IBP__T_LIST || k->type == IBP__T_CONV ? (ibp__list *)((char *)c + k->off)
                       : k->type == IBP__T_ENUM_OR_LIST ? (ibp__list *)((char *)c + k->list_off) : NULL;
        if (l) { free(l->v); l->v = NULL; l->n = 0; }
    }
}

/* The list fields of c, in table order. */
static ibp__list *ibp__list_of(ibp__config *c, const ibp__key *k) {
    return k->type == IBP__T_LIST || k->type == IBP__T_CONV ? (ibp__list *)((char *)c + k->off)
           : k->type == IBP__T_ENUM_OR_LIST ? (ibp__list *)((char *)c + k->list_off) : NULL;
}

size_t ibp__config_list_doubles(const ibp__config *c) {
    size_t n = 0;
    for (int i = 0; i < ibp__nkeys; i++) {
        ibp__list *l = ibp__list_of((ibp__config *)c, &ibp__keys[i]);
        if (l) n += (size_t)l->n;
    }
    return n;
}

void ibp__config_move_lists(ibp__config *c, double *dst) {
    for (int i = 0; i < ibp__nkeys; i++) {
        ibp__list *l = ibp__list_of(c, &ibp__keys[i]);
        if (!l || !l->v) continue;
        memcpy(dst, l->v, sizeof(double) * (size_t)l->n);
        free(l->v);
        l->v = dst;
        dst += l->n;
    }
}

static int ibp__hexval(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Trim spaces and percent-decode s[0..n) into out (NUL-terminated). -1: a % without two hex
 * digits; -2: %00. */
static int ibp__decode(const char *s, size_t n, char *out) {
    while (n && (*s == ' ' || *s == '\t' || *s == '\r')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) return -1;
            int a = ibp__hexval(s[i + 1]), b = ibp__hexval(s[i + 2]);
            if (a < 0 || b < 0) return -1;
            if (a == 0 && b == 0) return -2; /* a NUL would silently cut the key or value */
            out[o++] = (char)(a * 16 + b);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return 0;
}

int ibp__config_find_key(const char *name, char *err, size_t errlen) {
    int idx;
    if (ibp__config_lookup(name, strlen(name), &idx)) return idx;
    char near[64];
    if (ibp__suggest(name, NULL, near, sizeof near))
        return IBP__ERR("unknown key \"%.40s\" (did you mean \"%s\"? `ibp help config` lists every key)", name, near);
    return IBP__ERR("unknown key \"%.40s\" (`ibp help config` lists every key)", name);
}

/* Parse one item "key=value" (n bytes, not NUL-terminated; tmp holds n + 1 bytes) into c.
 * Returns IBP_OK, 1 for an empty item ("a=1&&b=2"), or an error (message in err). */
static int ibp__parse_item(ibp__config *c, const char *item, size_t n, char *tmp, char *err, size_t errlen) {
    const char *eq = memchr(item, '=', n);
    size_t klen = eq ? (size_t)(eq - item) : n;
    int dc = ibp__decode(item, klen, tmp);
    if (dc)
        return IBP__ERR("\"%.*s\": %s", (int)(n > 60 ? 60 : n), item,
                        dc == -2 ? "%00 (a NUL byte) is not allowed in a key" : "a % must be followed by two hex digits");
    if (!tmp[0] && !eq) return 1;
    if (!tmp[0]) return IBP__ERR("\"%.*s\": missing key before '='", (int)(n > 60 ? 60 : n), item);
    int idx = ibp__config_find_key(tmp, err, errlen);
    if (idx < 0) return idx;
    const ibp__key *k = &ibp__keys[idx];
    if (!eq) return IBP__ERR("%s has no value: write %s=<value> (%s)", k->key, k->key, k->help);
    if ((c->given[idx / 64] >> (idx % 64)) & 1u) return IBP__ERR("%s is given twice", k->key);
    dc = ibp__decode(eq + 1, n - klen - 1, tmp);
    if (dc)
        return IBP__ERR("%s: %s", k->key, dc == -2 ? "%00 (a NUL byte) is not allowed in a value"
                                                  : "a % in the value must be followed by two hex digits");
    int rc = ibp__parse_value(c, k, tmp, err, errlen);
    c->given[idx / 64] |= (uint64_t)1 << (idx % 64);
    return rc;
}

int ibp__config_parse(ibp__config *c, const char *s, char *err, size_t errlen) {
    return ibp__config_parse_all(c, s, NULL, err, errlen);
}

int ibp__config_parse_all(ibp__config *c, const char *s, ibp__problems *pr, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    for (int i = 0; i < ibp__nkeys; i++) {
        int rc = ibp__parse_value(c, &ibp__keys[i], ibp__keys[i].def, err, errlen);
        IBP_CHECK(rc == IBP_OK); /* a bad default is a bug in the table */
    }
    if (!s) s = "";
    size_t total = strlen(s);
    char *tmp = malloc(total + 2);
    if (!tmp) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory parsing the config");
    int rc = IBP_OK;
    const char *p = s;
    if (*p == '?' || *p == '#') p++;
    while (*p && rc == IBP_OK) {
        size_t n = strcspn(p, "&\n");
        const char *item = p;
        p += n;
        if (*p) p++;
        rc = ibp__parse_item(c, item, n, tmp, err, errlen);
        if (rc == 1) rc = IBP_OK;
        if (rc == IBP_E_CONFIG && pr) { ibp__problem_item(pr, item, n, err); rc = IBP_OK; }
    }
    free(tmp);
    for (int i = 0; i < ibp__nkeys && rc == IBP_OK; i++) {
        char why[200];
        if (((c->given[i / 64] >> (i % 64)) & 1u) && !ibp__config_applies(c, &ibp__keys[i], why, sizeof why)) {
            rc = IBP__ERR("%s does not apply here: %s", ibp__keys[i].key, why);
            if (pr) {
                char val[256];
                ibp__config_value_of(c, i, val, sizeof val);
                ibp__problem(pr, i, ibp__keys[i].key, val, ibp__keys[i].applies, err);
                rc = IBP_OK;
            }
        }
    }
    if (rc == IBP_OK) rc = ibp__config_validate(c, pr, err, errlen);
    if (rc == IBP_OK && pr && pr->n) rc = IBP_E_CONFIG;
    if (rc != IBP_OK) ibp__config_free(c);
    return rc;
}

int ibp__config_value_text(int i, const char *value, char *out, size_t cap, char *err, size_t errlen) {
    ibp__config c;
    memset(&c, 0, sizeof c);
    /* as the parser reads a value: trimmed and percent-decoded */
    size_t n = strlen(value);
    char *text = malloc(n + 1);
    if (!text) return ibp__fail(err, errlen, IBP_E_NOMEM, "out of memory reading a value of %s", ibp__keys[i].key);
    int dc = ibp__decode(value, n, text);
    int rc = dc ? IBP__ERR("%s: %s", ibp__keys[i].key, dc == -2 ? "%00 (a NUL byte) is not allowed in a value"
                                                             : "a % in the value must be followed by two hex digits")
                : ibp__parse_value(&c, &ibp__keys[i], text, err, errlen);
    free(text);
    if (rc == IBP_OK) {
        ibp__buf b = {out, cap, 0};
        ibp__config_value_buf(&c, &ibp__keys[i], &b);
        if (ibp__buf_finish(&b) >= cap)
            rc = ibp__fail(err, errlen, IBP_E_CONFIG, "%s=%.40s...: the value is too long", ibp__keys[i].key, value);
    }
    ibp__config_free(&c);
    return rc;
}

size_t ibp__config_write(const ibp__config *c, int full, char *out, size_t cap) {
    ibp__buf b = {out, cap, 0};
    ibp__config_write_buf(c, full, 0, &b);
    return ibp__buf_finish(&b);
}

/* Keys, enum names and short values go through one escaping put in json mode; a value too long
 * for the local buffer is a list of numbers, which needs no escapes. */
static void ibp__put(ibp__buf *b, const char *s, int json) {
    if (json) ibp__buf_json_chars(b, s);
    else ibp__buf_puts(b, s);
}

void ibp__config_write_buf(const ibp__config *c, int full, int json, ibp__buf *bp) {
    /* Defaults in the table are written in canonical form (a test checks it), so a value is
     * "default" exactly when its text equals the table's: no second parse, no allocation. */
    int first = 1;
    char why[8];
    for (int i = 0; i < ibp__nkeys; i++) {
        const ibp__key *k = &ibp__keys[i];
        if (!ibp__config_applies(c, k, why, sizeof why)) continue;
        if (!strcmp(k->key, "d") && c->data == IBP__DATA_INLINE) continue; /* implied by xs, ys */
        /* lr and lr_rel exclude each other: the full form writes the one in use */
        if (full && ((!strcmp(k->key, "lr") && c->lr_rel > 0) || (!strcmp(k->key, "lr_rel") && c->lr_rel == 0)))
            continue;
        char vb[256];
        ibp__buf v = {vb, sizeof vb, 0};
        ibp__config_value_buf(c, k, &v);
        ibp__buf_finish(&v);
        int differs = v.len != strlen(k->def) || strcmp(vb, k->def) != 0;
        if (!full && !differs) continue;
        if (!first) ibp__buf_puts(bp, "&");
        first = 0;
        ibp__put(bp, k->key, json);
        ibp__buf_puts(bp, "=");
        if (v.len < sizeof vb) ibp__put(bp, vb, json);
        else ibp__config_value_buf(c, k, bp); /* long lists: write straight into the output */
    }
}

/* The table's default text must be what the writer produces for it (see ibp__config_write).
 * Returns the index of the first key whose default is not canonical, or -1. */
int ibp__config_check_defaults(void) {
    ibp__config c;
    char e[256];
    if (ibp__config_parse(&c, "", e, sizeof e) != IBP_OK) return 0;
    int bad = -1;
    for (int i = 0; i < ibp__nkeys && bad < 0; i++) {
        char vb[256];
        ibp__buf v = {vb, sizeof vb, 0};
        ibp__config_value_buf(&c, &ibp__keys[i], &v);
        ibp__buf_finish(&v);
        if (strcmp(vb, ibp__keys[i].def) != 0) bad = i;
    }
    ibp__config_free(&c);
    return bad;
}

int ibp_config_canonical(const char *config, int full, char *canon, size_t cap, char *err, size_t errlen) {
    ibp__config c;
    int rc = ibp__config_parse(&c, config, err, errlen);
    if (rc != IBP_OK) return rc;
    size_t need = ibp__config_write(&c, full, canon, cap);
    ibp__config_free(&c);
    if (need >= cap) return ibp__fail(err, errlen, IBP_E_ARG, "the canonical config needs %zu bytes", need + 1);
    return IBP_OK;
}

size_t ibp_config_problems_json(const char *config, char *buf, size_t cap) {
    ibp__problems pr;
    memset(&pr, 0, sizeof pr);
    pr.json.p = buf;
    pr.json.cap = cap;
    ibp__buf_puts(&pr.json, "[");
    ibp__config c;
    char err[512];
    int rc = ibp__config_parse_all(&c, config, &pr, err, sizeof err);
    if (rc == IBP_OK) ibp__config_free(&c);
    else if (pr.n == 0) ibp__problem(&pr, -1, "", "", "", err); /* out of memory */
    ibp__buf_puts(&pr.json, "]");
    return ibp__buf_finish(&pr.json);
}

size_t ibp_config_applies_json(const char *config, char *buf, size_t cap) {
    ibp__problems pr; /* a sink: bad items are skipped, as for the problems, and not reported */
    memset(&pr, 0, sizeof pr);
    ibp__config c;
    char err[512], why[8];
    int rc = ibp__config_parse_all(&c, config, &pr, err, sizeof err);
    ibp__buf b = {buf, cap, 0};
    ibp__buf_puts(&b, "[");
    int first = 1;
    if (rc == IBP_OK || pr.n > 0)
        for (int i = 0; i < ibp__nkeys; i++) {
            if (!ibp__config_applies(&c, &ibp__keys[i], why, sizeof why)) continue;
            if (!first) ibp__buf_puts(&b, ",");
            first = 0;
            ibp__buf_json_str(&b, ibp__keys[i].key);
        }
    if (rc == IBP_OK) ibp__config_free(&c);
    ibp__buf_puts(&b, "]");
    return ibp__buf_finish(&b);
}
