/* fmt.c -- text output into caller buffers (snprintf semantics) and the one number format.
 *
 * Numbers are written in the shortest form that reads back to the same double: the first of
 * %.15g, %.16g, %.17g that round-trips through strtod (for a subnormal, from %.1g on). The
 * formatting and parsing in musl (wasm) and glibc (native) are both exact, so the bytes are the
 * same on both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/base.h"

int ibp__fail(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int ibp_format_double(char *buf, double x) {
    if (x != x) { memcpy(buf, "nan", 4); return 3; }
    if (x == IBP_INF) { memcpy(buf, "inf", 4); return 3; }
    if (x == -IBP_INF) { memcpy(buf, "-inf", 5); return 4; }
    if (x == 0) { /* keep the sign of -0 out of outputs: it carries no information here */
        memcpy(buf, "0", 2); return 1;
    }
    int len = 0;
    /* A subnormal has fewer than 15 significant digits: %.15g would write 1e-320 as
     * 9.99988867182683e-321, so its shortest round-tripping form is searched from 1 digit. */
    double ax = x < 0 ? -x : x;
    for (int prec = ax < 2.2250738585072014e-308 ? 1 : 15; prec <= 17; prec++) {
        len = snprintf(buf, 32, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return len;
}

void ibp__buf_putn(ibp__buf *b, const char *s, size_t n) {
    if (b->len + 1 < b->cap) {
        size_t room = b->cap - 1 - b->len;
        memcpy(b->p + b->len, s, n < room ? n : room);
    }
    b->len += n;
}

void ibp__buf_puts(ibp__buf *b, const char *s) { ibp__buf_putn(b, s, strlen(s)); }

void ibp__buf_printf(ibp__buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { ibp__buf_putn(b, tmp, (size_t)n); return; }
    /* long output: format straight into the remaining room, then count */
    size_t room = b->len + 1 < b->cap ? b->cap - b->len : 0;
    va_start(ap, fmt);
    if (room) vsnprintf(b->p + b->len, room, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ibp__buf_json_chars(ibp__buf *b, const char *s) {
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') { char e[2] = {'\\', (char)ch}; ibp__buf_putn(b, e, 2); }
        else if (ch < 0x20 || ch == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            ibp__buf_putn(b, e, 6);
        } else ibp__buf_putn(b, s, 1);
    }
}

void ibp__buf_json_str(ibp__buf *b, const char *s) {
    ibp__buf_putn(b, "\"", 1);
    ibp__buf_json_chars(b, s);
    ibp__buf_putn(b, "\"", 1);
}

void ibp__buf_double(ibp__buf *b, double x) {
    char tmp[32];
    int n = ibp_format_double(tmp, x);
    ibp__buf_putn(b, tmp, (size_t)n);
}

size_t ibp__buf_finish(ibp__buf *b) {
    if (b->cap) b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
    return b->len;
}

const char *ibp_status_string(int status) {
    switch (status) {
#define IBP__X(name, value, text) case value: return text;
        IBP_STATUS_LIST(IBP__X)
#undef IBP__X
    }
    return "unknown status";
}

const char *ibp_run_state_string(int state) {
    switch (state) {
#define IBP__X(name, value, text) case value: return text;
        IBP_RUN_STATE_LIST(IBP__X)
#undef IBP__X
    }
    return "unknown state";
}

const char *ibp_regime_string(int regime) {
    switch (regime) {
#define IBP__X(name, value, id, label, help) case value: return id;
        IBP_REGIME_LIST(IBP__X)
#undef IBP__X
    default: return "unknown regime";
    }
}

const char *ibp_version(void) { return IBP_VERSION; }

