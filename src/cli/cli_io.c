/* cli_io.c -- what the `ibp` command's files share: reading input files and turning the
 * library's snprintf-style writers into malloc'd text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_io.h"

char *read_file(const char *path, const char *what) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "ibp: cannot open %s file %s\n", what, path); return NULL; }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) { cap *= 2; buf = realloc(buf, cap); }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0) break;
        len += n;
    }
    fclose(f);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        fprintf(stderr, "ibp: %s file %s contains a NUL byte: is it a text file?\n", what, path);
        free(buf);
        return NULL;
    }
    return buf;
}

int has_suffix(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Text from one of the library's snprintf-style writers, in a malloc'd buffer. */
char *text_of(const ibp_run *r, writer_fn fn) {
    size_t need = fn(r, NULL, 0);
    char *s = malloc(need + 1);
    fn(r, s, need + 1);
    return s;
}
