/* cli_io.c -- the `ibp` command's files, shared by cli.c and cli_sweep.c: reading inputs
 * (configs, data, parameters, image files), writing outputs with every write and close checked, and turning
 * the library's snprintf-style writers into malloc'd text.
 *
 * Inputs are regular files only, at most IBP_CLI_MAX_FILE bytes: a directory, a device such as
 * /dev/zero, an empty file or a missing one each get their own message (a directory used to run
 * the default config; /dev/zero grew the buffer to gigabytes).
 * Outputs are opened before any training, so an unwritable path costs nothing. A write error
 * (a full disk, /dev/full) stops the command with exit code 2. --save replaces an existing
 * regular file only once the new text is completely written (a temporary file in the same
 * directory, then rename), so a failed run never destroys the previous parameters. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli_io.h"
#ifndef __EMSCRIPTEN__
#include <unistd.h>
#endif

char *read_file(const char *path, const char *what) {
    if (!*path) { fprintf(stderr, "ibp: no %s file given (an empty file name)\n", what); return NULL; }
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "ibp: cannot open %s file %s: %s\n", what, path, strerror(errno)); return NULL; }
    struct stat st;
    const char *bad = NULL;
    if (fstat(fileno(f), &st) != 0) bad = strerror(errno);
    else if (S_ISDIR(st.st_mode)) bad = "it is a directory, not a file";
    else if (!S_ISREG(st.st_mode)) bad = "it is not a regular file (a device, a pipe or a socket)";
    else if (st.st_size == 0) bad = "the file is empty";
    else if ((double)st.st_size > IBP_CLI_MAX_FILE) bad = "the file is larger than the 1 GiB that is read";
    if (bad) {
        fprintf(stderr, "ibp: %s file %s: %s\n", what, path, bad);
        fclose(f);
        return NULL;
    }
    size_t size = (size_t)st.st_size, len = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        fprintf(stderr, "ibp: %s file %s: out of memory reading %zu bytes\n", what, path, size);
        fclose(f);
        return NULL;
    }
    while (len < size) {
        size_t n = fread(buf + len, 1, size - len, f);
        if (n == 0) break;
        len += n;
    }
    int failed = ferror(f), grew = len == size && fgetc(f) != EOF;
    fclose(f);
    if (failed || len != size || grew) {
        fprintf(stderr, "ibp: cannot read %s file %s: %s\n", what, path,
                failed ? strerror(errno) : "it changed size while it was read");
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    if (memchr(buf, '\0', len)) {
        fprintf(stderr, "ibp: %s file %s contains a NUL byte: is it a text file?\n", what, path);
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- outputs ------------------------------------------------------------------------------ */

static const char *out_name(const outfile *o) { return o->path ? o->path : "the standard output"; }

int out_open(outfile *o, const char *path, int replace) {
    memset(o, 0, sizeof *o);
    if (!path) { o->f = stdout; return 0; }
    o->path = path;
    if (!*path) { fprintf(stderr, "ibp: an output file name is empty\n"); return EXIT_BAD; }
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ibp: cannot write %s: it is a directory\n", path);
        return EXIT_BAD;
    }
    const char *target = path;
    if (replace && (!exists || S_ISREG(st.st_mode))) {
        size_t n = strlen(path) + 32;
        o->tmp = malloc(n);
        if (!o->tmp) { fprintf(stderr, "ibp: out of memory\n"); return EXIT_BAD; }
        snprintf(o->tmp, n, "%s.tmp-%ld", path, (long)getpid());
        target = o->tmp;
    }
    o->f = fopen(target, "w");
    if (!o->f) {
        fprintf(stderr, "ibp: cannot write %s: %s\n", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return EXIT_BAD;
    }
    return 0;
}

int out_write(outfile *o, const char *text, size_t len) {
    if (o->failed) return EXIT_BAD;
    if (len && fwrite(text, 1, len, o->f) != len) {
        fprintf(stderr, "ibp: writing %s failed: %s\n", out_name(o), strerror(errno));
        o->failed = 1;
        return EXIT_BAD;
    }
    return 0;
}

int out_puts(outfile *o, const char *text) { return out_write(o, text, strlen(text)); }

int out_printf(outfile *o, const char *fmt, ...) {
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) { fprintf(stderr, "ibp: cannot format the output\n"); o->failed = 1; return EXIT_BAD; }
    if ((size_t)n < sizeof small) return out_write(o, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) { fprintf(stderr, "ibp: out of memory\n"); o->failed = 1; return EXIT_BAD; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = out_write(o, big, (size_t)n);
    free(big);
    return rc;
}

int out_flush(outfile *o) {
    if (o->failed) return EXIT_BAD;
    if (fflush(o->f) != 0) {
        fprintf(stderr, "ibp: writing %s failed: %s\n", out_name(o), strerror(errno));
        o->failed = 1;
        return EXIT_BAD;
    }
    return 0;
}

int out_close(outfile *o, int keep) {
    if (!o->f) return o->failed ? EXIT_BAD : 0;
    int rc = o->failed ? EXIT_BAD : 0;
    if (fflush(o->f) != 0 || ferror(o->f)) {
        if (!o->failed) fprintf(stderr, "ibp: writing %s failed: %s\n", out_name(o), strerror(errno));
        rc = EXIT_BAD;
    }
    if (o->f != stdout && fclose(o->f) != 0 && rc == 0) {
        fprintf(stderr, "ibp: writing %s failed: %s\n", out_name(o), strerror(errno));
        rc = EXIT_BAD;
    }
    o->f = NULL;
    if (o->tmp) {
        if (rc == 0 && keep && rename(o->tmp, o->path) != 0) {
            fprintf(stderr, "ibp: cannot write %s: %s\n", o->path, strerror(errno));
            rc = EXIT_BAD;
        }
        if (rc != 0 || !keep) remove(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    o->failed = rc != 0;
    return rc;
}

/* ---- two names, one file ---------------------------------------------------------------------- */

/* What a path names: an existing file (device and inode), a file not yet there (its directory's
 * device and inode and its name), or unknown (cannot be told: compared by the path as given). */
typedef struct file_id { int kind; dev_t dev; ino_t ino; const char *name; } file_id;
enum { ID_UNKNOWN, ID_FILE, ID_NEW, ID_DEVICE };

static file_id id_of(const char *path) {
    file_id id = {ID_UNKNOWN, 0, 0, NULL};
    struct stat st;
    if (!path ? fstat(STDOUT_FILENO, &st) == 0 : stat(path, &st) == 0) {
        id.kind = S_ISCHR(st.st_mode) ? ID_DEVICE : ID_FILE;
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        return id;
    }
    if (!path || errno != ENOENT) return id;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    if ((!slash || dir) && stat(dir ? dir : ".", &st) == 0 && S_ISDIR(st.st_mode)) {
        id.kind = ID_NEW;
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        id.name = slash ? slash + 1 : path;
    }
    free(dir);
    return id;
}

static int same_file(const char *a, const char *b) {
    file_id x = id_of(a), y = id_of(b);
    if (x.kind == ID_DEVICE || y.kind == ID_DEVICE) return 0;
    if (a && b && !strcmp(a, b)) return 1;
    if (x.kind != y.kind || x.kind == ID_UNKNOWN) return 0;
    return x.dev == y.dev && x.ino == y.ino && (x.kind == ID_FILE || !strcmp(x.name, y.name));
}

static void file_label(char *buf, size_t cap, const cli_file *f) {
    if (f->path) snprintf(buf, cap, "%s %s", f->option, f->path);
    else snprintf(buf, cap, "the standard output (no %s)", f->option);
}

int cli_files_distinct(const cli_file *files, int n) {
    for (int i = 0; i < n; i++) {
        if (!files[i].output) continue;
        for (int j = 0; j < n; j++) {
            if (j == i || (files[j].output && j < i) || (!files[j].output && !files[j].path)) continue;
            if (!same_file(files[i].path, files[j].path)) continue;
            char a[1100], b[1100];
            file_label(a, sizeof a, &files[i]);
            file_label(b, sizeof b, &files[j]);
            if (files[j].output)
                fprintf(stderr, "ibp: %s and %s are the same file: one output would overwrite the other; give each "
                                "its own file\n", a, b);
            else
                fprintf(stderr, "ibp: %s is the same file as the input %s: writing it would destroy the input; give "
                                "another output file\n", a, b);
            return EXIT_BAD;
        }
    }
    return 0;
}

int has_suffix(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Text from one of the library's snprintf-style writers, in a malloc'd buffer. */
char *text_of(const ibp_run *r, writer_fn fn) {
    size_t need = fn(r, NULL, 0);
    char *s = malloc(need + 1);
    if (!s) { fprintf(stderr, "ibp: out of memory (%zu bytes of text)\n", need + 1); exit(EXIT_BAD); }
    fn(r, s, need + 1);
    return s;
}

char *canonical_of(const char *config) {
    char err[8];
    size_t cap = 1024;
    for (;;) {
        char *canon = malloc(cap);
        if (!canon) { fprintf(stderr, "ibp: out of memory\n"); exit(EXIT_BAD); }
        int rc = ibp_config_canonical(config, 0, canon, cap, err, sizeof err);
        if (rc == IBP_OK) return canon;
        free(canon);
        if (rc != IBP_E_ARG) return NULL; /* IBP_E_ARG: more room needed */
        cap *= 4;
    }
}

const char *config_arg(const char *arg, char **owned) {
    *owned = NULL;
    if (!arg) return "";
    if (arg[0] != '@') return arg;
    char *text = read_file(arg + 1, "config");
    if (!text) return NULL;
    for (char *p = text; *p; p++) if (*p == '\r') *p = ' ';
    *owned = text;
    return text;
}

long whole_arg(const char *text, long lo, long hi) {
    const char *p = text + (*text == '+' || *text == '-');
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 18) return -1;
    long v = strtol(text, NULL, 10);
    return v >= lo && v <= hi ? v : -1;
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
    char *canon = canonical_of(config); /* any length (a long config is not cut, and not missed) */
    if (!canon) return NULL;
    int uses = 0;
    for (const char *p = canon; (p = strstr(p, "data=fashion_mnist")) != NULL; p++)
        if ((p == canon || p[-1] == '&') && (p[18] == '\0' || p[18] == '&')) uses = 1;
    free(canon);
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

/* The whole of an open file (malloc'd, NUL-terminated after len bytes; NUL bytes inside are
 * kept: a crashed node can leave blocks of zeros, which the row checks then reject). */
char *read_fd_all(int fd, size_t *len) {
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *len = 0;
    if (!buf) return NULL;
    for (;;) {
        if (*len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); return NULL; }
            buf = nb;
        }
        ssize_t n = pread(fd, buf + *len, cap - *len - 1, (off_t)*len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { free(buf); return NULL; }
        if (n == 0) break;
        *len += (size_t)n;
    }
    buf[*len] = '\0';
    return buf;
}

int print_stdout(const char *text) {
    outfile out;
    out_open(&out, NULL, 0);
    out_puts(&out, text);
    return out_close(&out, 1);
}

void fputs_visible(const char *text, FILE *f) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\r') fputs("\\r", f);
        else if (*p == '\t') fputs("\\t", f);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\x%02x", *p);
        else fputc(*p, f);
    }
}
