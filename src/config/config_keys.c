/* config_keys.c -- what the key table says about one key, in words and by index: the choices of
 * an enum, a range as text, what a key allows. Shared by the parser (config.c), its problems
 * (config_problems.c) and its documentation (config_doc.c). */
#include <string.h>
#include "config/config.h"

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
