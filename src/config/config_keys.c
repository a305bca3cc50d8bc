/* config_keys.c -- what the key table says about one key, in words and by index: the choices of
 * an enum, a range as text, what a key allows. Shared by the parser (config.c), its problems
 * (config_problems.c) and its documentation (config_doc.c); and the guess at what a misspelt key
 * or name meant ("did you mean"). */
#include <stdio.h>
#include <string.h>
#include "config/config.h"

int ibp__choices_count(const char *choices) {
    int n = *choices ? 1 : 0;
    for (const char *p = choices; *p; p++) n += *p == '|';
    return n;
}

int ibp__choice_index(const char *choices, const char *name, size_t len) {
    int i = 0;
    const char *p = choices;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && memcmp(p, name, len) == 0) return i;
        if (!e) break;
        p = e + 1;
        i++;
    }
    return -1;
}

void ibp__choice_name(const char *choices, int i, char *out, size_t cap) {
    const char *p = choices;
    for (; i > 0 && p; i--) { p = strchr(p, '|'); if (p) p++; }
    size_t n = 0;
    if (p) { const char *e = strchr(p, '|'); n = e ? (size_t)(e - p) : strlen(p); }
    if (n >= cap) n = cap - 1;
    if (p) memcpy(out, p, n);
    out[n] = '\0';
}

/* "a|b|c" -> "a, b, c" */
void ibp__choices_text(const char *choices, char *out, size_t cap) {
    ibp__buf b = {out, cap, 0};
    for (const char *p = choices; *p; p++) {
        if (*p == '|') ibp__buf_puts(&b, ", ");
        else { char ch[2] = {*p, 0}; ibp__buf_puts(&b, ch); }
    }
    ibp__buf_finish(&b);
}

/* The range as it is: the widest bounds are +-1e300, not infinities (inf is refused). */
void ibp__range_text(const ibp__key *k, char *out, size_t cap) {
    char lo[32], hi[32];
    ibp_format_double(lo, k->min);
    ibp_format_double(hi, k->max);
    ibp__buf b = {out, cap, 0};
    ibp__buf_printf(&b, "%s%s, %s]", k->min_open ? "(" : "[", lo, hi);
    ibp__buf_finish(&b);
}

void ibp__key_allowed(const ibp__key *k, ibp__buf *b) {
    char text[256];
    switch (k->type) {
    case IBP__T_BOOL: ibp__buf_puts(b, "0 or 1"); return;
    case IBP__T_ENUM:
        ibp__choices_text(k->choices, text, sizeof text);
        ibp__buf_printf(b, "one of %s", text);
        return;
    case IBP__T_SET:
        ibp__choices_text(k->choices, text, sizeof text);
        ibp__buf_printf(b, "any of %s, comma-separated (empty: none)", text);
        return;
    case IBP__T_ACT:
        ibp__choices_text(k->choices, text, sizeof text);
        ibp__buf_printf(b, "one of %s (leaky_relu, softplus and leaky_softplus take a parameter, e.g. "
                           "leaky_relu(0.1))", text);
        return;
    case IBP__T_CONV:
        ibp__buf_printf(b, "%d to %d conv layers CxK (C output channels in [%g, %g], kernel K in [1, 64]), "
                           "e.g. 8x3,16x3", k->list_min, k->list_max, k->min, k->max);
        return;
    default: break;
    }
    char rng[80];
    ibp__range_text(k, rng, sizeof rng);
    if (k->type == IBP__T_INT || k->type == IBP__T_INT64) { ibp__buf_printf(b, "an integer in %s", rng); return; }
    if (k->type == IBP__T_DOUBLE) { ibp__buf_printf(b, "a number in %s", rng); return; }
    if (k->type == IBP__T_ENUM_OR_LIST) {
        ibp__choices_text(k->choices, text, sizeof text);
        ibp__buf_printf(b, "one of %s, or ", text);
    }
    if (k->list_min == k->list_max) ibp__buf_printf(b, "a list of %d", k->list_min);
    else ibp__buf_printf(b, "a list of %d to %d", k->list_min, k->list_max);
    ibp__buf_printf(b, " %s in %s", k->list_int ? "integers" : "numbers", rng);
}

/* ---- did you mean ------------------------------------------------------------------------ */

static int ibp__edit_distance(const char *a, const char *b) {
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 31 || lb > 31) return 99;
    int prev[32], cur[32];
    for (int j = 0; j <= lb; j++) prev[j] = j;
    for (int i = 1; i <= la; i++) {
        cur[0] = i;
        for (int j = 1; j <= lb; j++) {
            int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c) c = prev[j] + 1;
            if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, sizeof(int) * (size_t)(lb + 1));
    }
    return prev[lb];
}

/* The word of `n` candidates (cand(i) gives candidate i) that `word` most likely meant: the
 * shortest candidate that starts with it (a cut-off name: teacher_sc -> teacher_scale), else the
 * nearest within 2 edits (one typo: lrr -> lr), else none (-1). */
static int ibp__nearest(const char *word, int n, const void *ctx, const char *(*cand)(const void *, int, char *, size_t)) {
    size_t wl = strlen(word);
    int best = -1;
    size_t bestlen = 0;
    char tmp[64];
    if (wl >= 2)
        for (int i = 0; i < n; i++) {
            const char *c = cand(ctx, i, tmp, sizeof tmp);
            size_t cl = strlen(c);
            if (cl > wl && !strncmp(c, word, wl) && (best < 0 || cl < bestlen)) best = i, bestlen = cl;
        }
    if (best >= 0) return best;
    int bd = 3;
    for (int i = 0; i < n; i++) {
        int dd = ibp__edit_distance(word, cand(ctx, i, tmp, sizeof tmp));
        if (dd < bd) bd = dd, best = i;
    }
    return best;
}

static const char *ibp__key_name(const void *ctx, int i, char *tmp, size_t cap) {
    (void)ctx, (void)tmp, (void)cap;
    return ibp__keys[i].key;
}
static const char *ibp__choice_at(const void *choices, int i, char *tmp, size_t cap) {
    ibp__choice_name(choices, i, tmp, cap);
    return tmp;
}

int ibp__suggest(const char *word, const char *choices, char *out, size_t cap) {
    int i;
    if (!choices) {
        i = ibp__nearest(word, ibp__nkeys, NULL, ibp__key_name);
        if (i >= 0) snprintf(out, cap, "%s", ibp__keys[i].key);
    } else {
        i = ibp__nearest(word, ibp__choices_count(choices), choices, ibp__choice_at);
        if (i >= 0) ibp__choice_name(choices, i, out, cap);
    }
    if (i < 0 && cap) out[0] = '\0';
    return i >= 0;
}

