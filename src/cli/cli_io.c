/* cli_io.c -- what the `ibp` command's files share: reading input files and turning the
 * library's snprintf-style writers into malloc'd text. */
#define _POSIX_C_SOURCE 200809L /* fileno, readlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli_io.h"
#ifndef __EMSCRIPTEN__
#include <unistd.h>
#endif

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

/* ---- image files ----------------------------------------------------------------------------- */

#define IBP_CLI_MAX_IMAGES (256.0 * 1048576.0) /* far above the 4.7 MB Fashion-MNIST subset */

/* The bytes of a regular file of at most IBP_CLI_MAX_IMAGES bytes, or NULL (message printed). */
static unsigned char *read_binary(const char *path, size_t *len) {
    struct stat st;
    const char *bad = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "ibp: cannot open image file %s\n", path); return NULL; }
    if (fstat(fileno(f), &st) != 0) bad = "cannot read its size";
    else if (S_ISDIR(st.st_mode)) bad = "it is a directory, not a file";
    else if (!S_ISREG(st.st_mode)) bad = "it is not a regular file";
    else if ((double)st.st_size > IBP_CLI_MAX_IMAGES) bad = "it is larger than the 256 MiB an image file may have";
    if (bad) { fprintf(stderr, "ibp: image file %s: %s\n", path, bad); fclose(f); return NULL; }
    size_t n = (size_t)st.st_size, got = 0;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) { fprintf(stderr, "ibp: image file %s: out of memory\n", path); fclose(f); return NULL; }
    while (got < n) {
        size_t k = fread(buf + got, 1, n - got, f);
        if (k == 0) break;
        got += k;
    }
    int failed = ferror(f) || got != n;
    fclose(f);
    if (failed) { fprintf(stderr, "ibp: cannot read image file %s (it changed while it was read?)\n", path); free(buf); return NULL; }
    *len = n;
    return buf;
}

static ibp_images *open_images(const char *path, int *rc) {
    size_t len = 0;
    unsigned char *bytes = read_binary(path, &len);
    if (!bytes) { *rc = EXIT_BAD; return NULL; }
    char err[512];
    ibp_images *img = NULL;
    if (ibp_images_open(&img, bytes, len, err, sizeof err) != IBP_OK) {
        fprintf(stderr, "ibp: %s: %s\n", path, err);
        *rc = EXIT_BAD;
    }
    free(bytes);
    return img;
}

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

ibp_images *cli_images(const char *path, const char *config, const char *argv0, int *rc) {
    *rc = 0;
    if (path) return open_images(path, rc);
    /* does the config use images? The engine's canonical form says so */
    char canon[8192], err[256];
    if (ibp_config_canonical(config, 0, canon, sizeof canon, err, sizeof err) != IBP_OK) return NULL;
    int uses = 0;
    for (const char *p = canon; (p = strstr(p, "data=fashion_mnist")) != NULL; p++)
        if ((p == canon || p[-1] == '&') && (p[18] == '\0' || p[18] == '&')) uses = 1;
    if (!uses) return NULL;
    const char *tried[3];
    char exe_based[4096] = "";
    int nt = 0;
    const char *env = getenv("IBP_IMAGES");
    if (env && *env) {
        if (is_file(env)) return open_images(env, rc);
        tried[nt++] = env;
    }
    /* data/ beside the build directory the executable is in: build/native/ibp -> build/data */
    char self[4096] = "";
#ifndef __EMSCRIPTEN__
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k > 0) self[k] = '\0';
#endif
    if (!self[0] && argv0) snprintf(self, sizeof self, "%s", argv0);
    char *slash = strrchr(self, '/');
    if (slash) {
        *slash = '\0';
        snprintf(exe_based, sizeof exe_based, "%s/../data/fashion-mnist.ibpi", self);
        if (is_file(exe_based)) return open_images(exe_based, rc);
        tried[nt++] = exe_based;
    }
#ifdef IBP_DEFAULT_IMAGES
    if (is_file(IBP_DEFAULT_IMAGES)) return open_images(IBP_DEFAULT_IMAGES, rc);
    tried[nt++] = IBP_DEFAULT_IMAGES;
#endif
    fprintf(stderr, "ibp: data=fashion_mnist needs the image file, and it is not at");
    for (int i = 0; i < nt; i++) fprintf(stderr, "%s %s", i ? "," : "", tried[i]);
    fprintf(stderr, "%s: build it with scripts/build (node scripts/build-images.mjs) or give --images FILE\n",
            nt ? "" : " any default place");
    *rc = EXIT_BAD;
    return NULL;
}
