/* The fuzzers' dictionary of the config language (tests/fuzz/config.dict, used by fuzz_config,
 * fuzz_pipeline and fuzz_sweep) names every key of the engine's table and every choice of its
 * enumerated keys. A key missing from it is reached by the fuzzers only through the seed corpus:
 * when conv, flow and the image keys were added without it, fuzz_config never mutated a conv list,
 * and the conv list's out-of-range cast was found late, by fuzz_pipeline's long run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "testlib.h"

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* the dictionary holds the entry "word" (quoted, as libFuzzer's format writes it) */
static int has_entry(const char *dict, const char *word, size_t len) {
    char q[96];
    if (len + 3 > sizeof q) return 0;
    q[0] = '"';
    memcpy(q + 1, word, len);
    q[len + 1] = '"';
    q[len + 2] = '\0';
    return strstr(dict, q) != NULL;
}

int main(void) {
    const char *path = IBP_TEST_SOURCE_DIR "/tests/fuzz/config.dict";
    char *dict = read_all(path);
    T_CHECK(dict != NULL, "read %s", path);
    if (!dict) return t_summary();
    int keys = 0, choices = 0;
    for (int i = 0; i < ibp__nkeys; i++) {
        const ibp__key *k = &ibp__keys[i];
        char entry[80];
        snprintf(entry, sizeof entry, "%s=", k->key);
        T_CHECK(has_entry(dict, entry, strlen(entry)), "%s lacks the key \"%s\"", path, entry);
        keys++;
        if (!k->choices || !k->choices[0]) continue;
        for (const char *c = k->choices; *c;) {
            size_t n = strcspn(c, "|");
            T_CHECK(has_entry(dict, c, n), "%s lacks %s's choice \"%.*s\"", path, k->key, (int)n, c);
            choices++;
            c += n;
            if (*c) c++;
        }
    }
    T_CHECK(keys > 60 && choices > 50, "the table was read: %d keys, %d choices", keys, choices);
    free(dict);
    return t_summary();
}
