/* fuzz_util.h -- shared by the libFuzzer harnesses of tests/fuzz (built by scripts/build asan,
 * run by scripts/fuzz): the input as a C string, a failed property as a crash with its reason,
 * a strict JSON validator for the library's JSON writers, and a check of the snprintf contract
 * every text writer promises. */
#ifndef IBP_FUZZ_UTIL_H
#define IBP_FUZZ_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ibp.h"

/* A property that does not hold is a finding: print why and abort (libFuzzer saves the input). */
#define FUZZ_ASSERT(cond, ...)                                                            \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz property failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* The input as a NUL-terminated string (a NUL inside ends it, as it would in C). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* ---- a strict JSON validator (RFC 8259 grammar; depth-limited) ------------------------------ */
typedef struct { const char *p; int depth; } fuzz_json;
static int fuzz_json_value(fuzz_json *j);
static void fuzz_json_ws(fuzz_json *j) { while (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t') j->p++; }
static int fuzz_json_string(fuzz_json *j) {
    if (*j->p != '"') return 0;
    for (j->p++; *j->p != '"'; j->p++) {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20) return 0;
        if (c == '\\') {
            j->p++;
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    char h = j->p[i];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
                }
                j->p += 4;
            } else if (!*j->p || !strchr("\"\\/bfnrt", *j->p)) return 0;
        }
    }
    j->p++;
    return 1;
}
static int fuzz_json_number(fuzz_json *j) {
    const char *p = j->p;
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
    else return 0;
    if (*p == '.') { p++; if (!(*p >= '0' && *p <= '9')) return 0; while (*p >= '0' && *p <= '9') p++; }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    j->p = p;
    return 1;
}
static int fuzz_json_value(fuzz_json *j) {
    fuzz_json_ws(j);
    if (++j->depth > 200) return 0;
    int ok = 1;
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        int obj = *j->p == '{';
        j->p++;
        fuzz_json_ws(j);
        if (*j->p == close) j->p++;
        else {
            for (;;) {
                if (obj) {
                    fuzz_json_ws(j);
                    if (!fuzz_json_string(j)) { ok = 0; break; }
                    fuzz_json_ws(j);
                    if (*j->p++ != ':') { ok = 0; break; }
                }
                if (!fuzz_json_value(j)) { ok = 0; break; }
                fuzz_json_ws(j);
                if (*j->p == ',') { j->p++; continue; }
                if (*j->p == close) { j->p++; break; }
                ok = 0;
                break;
            }
        }
    } else if (*j->p == '"') ok = fuzz_json_string(j);
    else if (!strncmp(j->p, "true", 4)) j->p += 4;
    else if (!strncmp(j->p, "false", 5)) j->p += 5;
    else if (!strncmp(j->p, "null", 4)) j->p += 4;
    else ok = fuzz_json_number(j);
    j->depth--;
    return ok;
}
/* text is exactly one JSON value (lines = 0) or one per line (lines = 1, JSON lines). */
static inline int fuzz_json_valid(const char *text, int lines) {
    fuzz_json j = {text, 0};
    do {
        if (!fuzz_json_value(&j)) return 0;
        fuzz_json_ws(&j);
    } while (lines && *j.p);
    return *j.p == '\0';
}

/* ---- the snprintf contract of the text writers ---------------------------------------------- */
typedef size_t (*fuzz_writer)(const void *obj, int arg, char *buf, size_t cap);

/* Check the cut (a smaller buffer) too? A harness that writes many texts per input checks it on
 * some inputs only: formatting numbers is most of its time. */
static int fuzz_check_cut = 1;

/* The full text (malloc'd) after checking: the length asked for is what is written, a smaller
 * buffer gets a NUL-terminated prefix, cap 0 writes nothing. */
static inline char *fuzz_text(fuzz_writer fn, const void *obj, int arg, const char *what) {
    size_t need = fn(obj, arg, NULL, 0);
    FUZZ_ASSERT(need < ((size_t)1 << 30), "%s: %zu bytes", what, need);
    char *full = malloc(need + 1);
    full[need] = 'X';
    size_t got = fn(obj, arg, full, need + 1);
    FUZZ_ASSERT(got == need && full[need] == '\0' && strlen(full) == need, "%s: %zu bytes asked, %zu written", what,
                need, strlen(full));
    if (!fuzz_check_cut) return full;
    size_t cut = need / 2 + 1;
    char *part = malloc(cut + 1);
    part[cut] = '#';
    got = fn(obj, arg, part, cut);
    FUZZ_ASSERT(got == need && part[cut - 1] == '\0' && part[cut] == '#' && !strncmp(part, full, cut - 1),
                "%s: a %zu-byte buffer", what, cut);
    free(part);
    return full;
}
#endif
