/* config.h -- the key table shared by the parser (config.c) and its data (config_table.c). */
#ifndef IBP_CONFIG_H
#define IBP_CONFIG_H
#include <stddef.h>
#include "internal.h"

enum {
    IBP__T_INT,          /* int field (written as an integer; "1e5" accepted on input) */
    IBP__T_INT64,        /* int64_t field (seeds), same text rules */
    IBP__T_DOUBLE,       /* finite double */
    IBP__T_BOOL,         /* 0/1 (true/false, yes/no, on/off accepted) */
    IBP__T_ENUM,         /* one of choices */
    IBP__T_LIST,         /* comma list of numbers */
    IBP__T_ENUM_OR_LIST, /* one of choices, or a comma list of numbers (stored in list_off) */
    IBP__T_ACT           /* activation name with an optional (parameter) */
};

typedef struct ibp__key {
    const char *key;
    const char *group;
    int type;
    size_t off;          /* offsetof the field in ibp__config */
    size_t list_off;     /* ENUM_OR_LIST: the list field; ACT: the parameter field */
    const char *def;     /* default, as config text (parsed by the same parser) */
    double min, max;     /* range of the value (each element for lists) */
    int min_open;        /* the minimum is excluded: (min, max] */
    int list_int;        /* list elements must be integers */
    int list_min, list_max; /* allowed list lengths */
    const char *choices; /* "a|b|c" for ENUM, ENUM_OR_LIST, ACT */
    const char *applies; /* "" or "key=v1,v2&key2=v3": when the key means something */
    const char *help;    /* one line */
} ibp__key;

extern const ibp__key ibp__keys[];
extern const int ibp__nkeys;

/* Index of choice `name` in "a|b|c" (exact match), or -1. */
int ibp__choice_index(const char *choices, const char *name, size_t len);
/* Copy choice number i of "a|b|c" into out (cap bytes). */
void ibp__choice_name(const char *choices, int i, char *out, size_t cap);
/* Activation parameter defaults (leaky_relu alpha, softplus beta, leaky_softplus c). */
double ibp__act_default_param(int act);
int ibp__act_has_param(int act);
int ibp__config_check_defaults(void); /* -1 when every default is canonical */

#endif
