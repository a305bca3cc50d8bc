/* config_problems.c -- every problem of a config at once, as JSON, for programs (the page marks
 * each bad control; no caller reads keys out of the prose of a message):
 *
 *   [{"key":"lr","value":"-1","allowed":"a number in (0, 1e6]","message":"lr=-1 is out of ..."}]
 *
 * This file is the sink: the ONE parser (config.c, ibp_config_problems_json) records each problem
 * here and goes on where it would stop. Each key is reported once (its first problem). */
#include <string.h>
#include "config/config.h"

void ibp__problem(ibp__problems *pr, int key_index, const char *key, const char *value, const char *allowed,
                  const char *message) {
    if (key_index >= 0) {
        uint64_t bit = (uint64_t)1 << (key_index % 64);
        if (pr->seen[key_index / 64] & bit) return;
        pr->seen[key_index / 64] |= bit;
    }
    ibp__buf *b = &pr->json;
    ibp__buf_puts(b, pr->n ? ",\n{\"key\":" : "{\"key\":");
    ibp__buf_json_str(b, key);
    ibp__buf_puts(b, ",\"value\":");
    ibp__buf_json_str(b, value);
    ibp__buf_puts(b, ",\"allowed\":");
    ibp__buf_json_str(b, allowed);
    ibp__buf_puts(b, ",\"message\":");
    ibp__buf_json_str(b, message);
    ibp__buf_puts(b, "}");
    pr->n++;
}

/* s[0..n) without surrounding spaces, tabs and CRs (as the parser trims), into out. */
static void ibp__trimmed(const char *s, size_t n, char *out, size_t cap) {
    while (n && (*s == ' ' || *s == '\t' || *s == '\r')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

void ibp__problem_item(ibp__problems *pr, const char *item, size_t n, const char *message) {
    const char *eq = memchr(item, '=', n);
    size_t klen = eq ? (size_t)(eq - item) : n;
    char key[64], value[256], allowed[512];
    ibp__trimmed(item, klen, key, sizeof key);
    ibp__trimmed(eq ? eq + 1 : item + n, eq ? n - klen - 1 : 0, value, sizeof value);
    int idx = -1;
    for (int i = 0; i < ibp__nkeys; i++)
        if (!strcmp(ibp__keys[i].key, key)) idx = i;
    ibp__buf ab = {allowed, sizeof allowed, 0};
    if (idx >= 0) ibp__key_allowed(&ibp__keys[idx], &ab);
    else ibp__buf_puts(&ab, "a key listed by `ibp help config`");
    ibp__buf_finish(&ab);
    ibp__problem(pr, idx, key, value, allowed, message);
}
