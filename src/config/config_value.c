/* config_value.c -- reading a parsed config: a key by name, the canonical text of a value,
 * whether a key was given, and the widths and seeds the layers below ask for. */
#include <stdio.h>
#include <string.h>
#include "config/config.h"

const ibp__key *ibp__config_lookup(const char *name, size_t len, int *index) {
    for (int i = 0; i < ibp__nkeys; i++)
        if (strlen(ibp__keys[i].key) == len && memcmp(ibp__keys[i].key, name, len) == 0) {
            if (index) *index = i;
            return &ibp__keys[i];
        }
    return NULL;
}

/* Text of key k's value in c (canonical). */
void ibp__config_value_buf(const ibp__config *c, const ibp__key *k, ibp__buf *b) {
    const char *base = (const char *)c;
    char name[64];
    const ibp__list *l = NULL;
    switch (k->type) {
    case IBP__T_INT: ibp__buf_printf(b, "%d", *(const int *)(base + k->off)); return;
    case IBP__T_INT64: ibp__buf_printf(b, "%lld", (long long)*(const int64_t *)(base + k->off)); return;
    case IBP__T_BOOL: ibp__buf_puts(b, *(const int *)(base + k->off) ? "1" : "0"); return;
    case IBP__T_DOUBLE: ibp__buf_double(b, *(const double *)(base + k->off)); return;
    case IBP__T_ENUM:
        ibp__choice_name(k->choices, *(const int *)(base + k->off), name, sizeof name);
        ibp__buf_puts(b, name);
        return;
    case IBP__T_ACT: {
        int a = *(const int *)(base + k->off);
        double prm = *(const double *)(base + k->list_off);
        ibp__choice_name(k->choices, a, name, sizeof name);
        ibp__buf_puts(b, name);
        if (ibp__act_has_param(a) && prm != ibp__act_default_param(a)) {
            ibp__buf_puts(b, "(");
            ibp__buf_double(b, prm);
            ibp__buf_puts(b, ")");
        }
        return;
    }
    case IBP__T_ENUM_OR_LIST: {
        int i = *(const int *)(base + k->off);
        if (i < ibp__choices_count(k->choices)) {
            ibp__choice_name(k->choices, i, name, sizeof name);
            ibp__buf_puts(b, name);
            return;
        }
        l = (const ibp__list *)(base + k->list_off);
        break;
    }
    case IBP__T_LIST: l = (const ibp__list *)(base + k->off); break;
    case IBP__T_CONV: {
        const ibp__list *cv = (const ibp__list *)(base + k->off);
        for (int i = 0; i + 1 < cv->n; i += 2)
            ibp__buf_printf(b, "%s%dx%d", i ? "," : "", (int)cv->v[i], (int)cv->v[i + 1]);
        return;
    }
    case IBP__T_SET: {
        int mask = *(const int *)(base + k->off), first = 1;
        for (int i = 0; i < 31; i++) {
            if (!(mask & (1 << i))) continue;
            ibp__choice_name(k->choices, i, name, sizeof name);
            if (!first) ibp__buf_puts(b, ",");
            ibp__buf_puts(b, name);
            first = 0;
        }
        return;
    }
    }
    for (int i = 0; i < l->n; i++) {
        if (i) ibp__buf_puts(b, ",");
        ibp__buf_double(b, l->v[i]);
    }
}

/* Canonical text of key index i's value in c. */
void ibp__config_value_of(const ibp__config *c, int i, char *out, size_t cap) {
    ibp__buf b = {out, cap, 0};
    ibp__config_value_buf(c, &ibp__keys[i], &b);
    ibp__buf_finish(&b);
}

int ibp__config_given(const ibp__config *c, const char *key) {
    int i;
    if (!ibp__config_lookup(key, strlen(key), &i)) return 0;
    return (int)((c->given[i / 64] >> (i % 64)) & 1u);
}

int ibp__config_width(const ibp__config *c, int h) {
    if (c->width.n == 0) return 1;
    return (int)c->width.v[c->width.n == 1 ? 0 : h - 1];
}

int ibp__config_hidden_layers(const ibp__config *c) {
    return c->head != IBP__HEAD_TRAIN ? c->depth : c->depth - 1;
}

uint64_t ibp__config_data_seed(const ibp__config *c) {
    return (uint64_t)(c->data_seed >= 0 ? c->data_seed : c->seed);
}

