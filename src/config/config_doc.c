/* config_doc.c -- the key table as documentation: JSON for programs, aligned text for people. */
#include <string.h>
#include "config/config.h"

static const char *ibp__type_name(int t) {
    switch (t) {
    case IBP__T_INT: case IBP__T_INT64: return "int";
    case IBP__T_DOUBLE: return "number";
    case IBP__T_BOOL: return "bool";
    case IBP__T_ENUM: return "enum";
    case IBP__T_LIST: return "list";
    case IBP__T_ENUM_OR_LIST: return "enum_or_list";
    case IBP__T_CONV: return "conv";
    case IBP__T_SET: return "set";
    default: return "activation";
    }
}

size_t ibp_config_schema_json(char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_puts(&b, "[");
    for (int i = 0; i < ibp__nkeys; i++) {
        const ibp__key *k = &ibp__keys[i];
        ibp__buf_puts(&b, i ? ",\n{" : "{");
        ibp__buf_puts(&b, "\"key\":"); ibp__buf_json_str(&b, k->key);
        ibp__buf_puts(&b, ",\"group\":"); ibp__buf_json_str(&b, k->group);
        ibp__buf_puts(&b, ",\"type\":"); ibp__buf_json_str(&b, ibp__type_name(k->type));
        ibp__buf_puts(&b, ",\"default\":"); ibp__buf_json_str(&b, k->def);
        if (k->type != IBP__T_ENUM && k->type != IBP__T_ACT && k->type != IBP__T_BOOL && k->type != IBP__T_SET) {
            ibp__buf_puts(&b, ",\"min\":");
            ibp__buf_double(&b, k->min);
            ibp__buf_puts(&b, ",\"max\":");
            ibp__buf_double(&b, k->max);
            ibp__buf_printf(&b, ",\"minOpen\":%s", k->min_open ? "true" : "false");
        }
        if (k->type == IBP__T_LIST || k->type == IBP__T_ENUM_OR_LIST || k->type == IBP__T_CONV)
            ibp__buf_printf(&b, ",\"listMin\":%d,\"listMax\":%d,\"listInt\":%s", k->list_min, k->list_max,
                            k->list_int ? "true" : "false");
        if (*k->choices) {
            ibp__buf_puts(&b, ",\"choices\":[");
            char name[64];
            for (int j = 0;; j++) {
                ibp__choice_name(k->choices, j, name, sizeof name);
                if (!name[0]) break;
                if (j) ibp__buf_puts(&b, ",");
                ibp__buf_json_str(&b, name);
            }
            ibp__buf_puts(&b, "]");
        }
        ibp__buf_puts(&b, ",\"applies\":"); ibp__buf_json_str(&b, k->applies);
        ibp__buf_puts(&b, ",\"help\":"); ibp__buf_json_str(&b, k->help);
        ibp__buf_puts(&b, "}");
    }
    ibp__buf_puts(&b, "]\n");
    return ibp__buf_finish(&b);
}

size_t ibp_config_help_text(char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_puts(&b,
        "CONFIG: key=value pairs joined by '&' (URL-query style), e.g.\n"
        "  model=linear&depth=2&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5\n"
        "Unknown keys, bad values and keys that do not apply to the chosen model/data are errors.\n"
        "Lists are comma-separated. Values may be percent-encoded (%2C = ',').\n");
    const char *group = "";
    for (int i = 0; i < ibp__nkeys; i++) {
        const ibp__key *k = &ibp__keys[i];
        if (strcmp(group, k->group) != 0) {
            group = k->group;
            ibp__buf_printf(&b, "\n[%s]\n", group);
        }
        char range[96] = "";
        ibp__buf rb = {range, sizeof range, 0};
        if (*k->choices) {
            const char *p = k->choices;
            for (; *p; p++) { char ch[2] = {*p == '|' ? '|' : *p, 0}; ibp__buf_puts(&rb, ch); }
            if (k->type == IBP__T_ENUM_OR_LIST) ibp__buf_puts(&rb, "|<list>");
            if (k->type == IBP__T_SET) ibp__buf_puts(&rb, " (any, comma-separated)");
        } else if (k->type == IBP__T_BOOL) {
            ibp__buf_puts(&rb, "0|1");
        } else if (k->type == IBP__T_CONV) {
            ibp__buf_puts(&rb, "CxK,CxK,... (C 1..4096, K 1..64)");
        } else {
            char lo[32], hi[32];
            ibp_format_double(lo, k->min);
            ibp_format_double(hi, k->max);
            ibp__buf_printf(&rb, "%s%s%s..%s", k->type == IBP__T_LIST ? "list " : "", k->min_open ? ">" : "", lo, hi);
        }
        ibp__buf_finish(&rb);
        ibp__buf_printf(&b, "  %-16s %-10s %-34s %s", k->key, *k->def ? k->def : "(none)", range, k->help);
        if (*k->applies) ibp__buf_printf(&b, "  [when %s]", k->applies);
        ibp__buf_puts(&b, "\n");
    }
    return ibp__buf_finish(&b);
}
