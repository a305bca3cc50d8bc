#include "conf.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *conf_exp = "", *conf_paper = "";
static int conf_pass, conf_fail, conf_dev;
static char *conf_json;
static size_t conf_len, conf_cap;

static void conf_append(const char *s) {
    size_t n = strlen(s);
    if (conf_len + n + 1 > conf_cap) {
        conf_cap = (conf_len + n + 1) * 2;
        conf_json = realloc(conf_json, conf_cap);
    }
    memcpy(conf_json + conf_len, s, n + 1);
    conf_len += n;
}

static void conf_jstr(const char *s) {
    char buf[8];
    conf_append("\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') { buf[0] = '\\'; buf[1] = *s; buf[2] = 0; }
        else if ((unsigned char)*s < 32) snprintf(buf, sizeof buf, "\\u%04x", *s);
        else { buf[0] = *s; buf[1] = 0; }
        conf_append(buf);
    }
    conf_append("\"");
}

static void conf_jnum(double x) {
    char buf[40];
    if (isfinite(x)) { ibp_format_double(buf, x); conf_append(buf); }
    else conf_append("null");
}

static void conf_entry(const char *kind, int ok, const char *where, const char *what, double value,
                       const char *criterion, const char *why) {
    conf_append(conf_len > 0 && conf_json[conf_len - 1] == '[' ? "\n" : ",\n");
    conf_append("{\"kind\":"); conf_jstr(kind);
    conf_append(",\"where\":"); conf_jstr(where);
    conf_append(",\"what\":"); conf_jstr(what);
    conf_append(",\"value\":"); conf_jnum(value);
    if (criterion) { conf_append(",\"criterion\":"); conf_jstr(criterion); conf_append(ok ? ",\"pass\":true" : ",\"pass\":false"); }
    if (why) { conf_append(",\"why\":"); conf_jstr(why); }
    conf_append("}");
}

void conf_begin(const char *experiment, const char *paper) {
    conf_exp = experiment;
    conf_paper = paper;
    conf_len = 0;
    conf_pass = conf_fail = conf_dev = 0;
    conf_append("{\"experiment\":"); conf_jstr(experiment);
    conf_append(",\"paper\":"); conf_jstr(paper);
    conf_append(",\"version\":"); conf_jstr(ibp_version());
    conf_append(",\"results\":[");
    printf("== %s (%s)\n", experiment, paper);
}

int conf_check(int ok, const char *where, const char *what, double value, const char *criterion) {
    printf("%s %-28s %-34s %-14.6g %s\n", ok ? "PASS" : "FAIL", where, what, value, criterion);
    if (ok) conf_pass++; else conf_fail++;
    conf_entry("check", ok, where, what, value, criterion, NULL);
    fflush(stdout);
    return ok;
}

void conf_deviation(int ok, const char *where, const char *what, double value, const char *criterion, const char *why) {
    if (ok) { conf_check(1, where, what, value, criterion); return; }
    printf("DEVIATION %-23s %-34s %-14.6g %s -- %s\n", where, what, value, criterion, why);
    conf_dev++;
    conf_entry("deviation", 0, where, what, value, criterion, why);
}

void conf_figure(const char *where, const char *what, double value) {
    printf("     %-28s %-34s %.6g\n", where, what, value);
    conf_entry("figure", 1, where, what, value, NULL, NULL);
}

int conf_end(void) {
    conf_append("\n]}\n");
    const char *dir = getenv("IBP_CONF_OUT");
    if (dir && *dir) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.json", dir, conf_exp);
        FILE *f = fopen(path, "w");
        if (f) { fputs(conf_json, f); fclose(f); }
        else fprintf(stderr, "conformance: cannot write %s\n", path);
    }
    printf("%s: %d passed, %d failed, %d deviations reported\n", conf_exp, conf_pass, conf_fail, conf_dev);
    printf("%d passed, %d failed\n", conf_pass, conf_fail);
    free(conf_json);
    conf_json = NULL;
    conf_cap = 0;
    return conf_fail != 0;
}

ibp_run *conf_run(const char *config) {
    char err[1024];
    ibp_run *r;
    ibp_run_desc d = {.config = config};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    if (rc != IBP_OK) {
        fprintf(stderr, "conformance: config \"%s\" refused: %s\n", config, err);
        exit(2);
    }
    return r;
}

static ibp_images *conf_images; /* opened by the first conf_run_images, kept to the end */

ibp_run *conf_run_images(const char *config) {
    if (!conf_images) {
        const char *path = getenv("IBP_IMAGES");
#ifdef IBP_CONF_IMAGES
        if (!path || !*path) path = IBP_CONF_IMAGES;
#endif
        FILE *f = path ? fopen(path, "rb") : NULL;
        if (!f) {
            fprintf(stderr, "conformance: cannot open the image file %s: run scripts/build (it makes it)\n",
                    path ? path : "(none: set IBP_IMAGES)");
            exit(2);
        }
        size_t cap = 1 << 20, n = 0, k;
        unsigned char *buf = malloc(cap);
        while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
            n += k;
            if (n == cap) buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        char err[512];
        if (ibp_images_open(&conf_images, buf, n, err, sizeof err) != IBP_OK) {
            fprintf(stderr, "conformance: %s: %s\n", path, err);
            exit(2);
        }
        free(buf);
    }
    char err[1024];
    ibp_run *r;
    ibp_run_desc d = {.config = config, .images = conf_images};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    if (rc != IBP_OK) {
        fprintf(stderr, "conformance: config \"%s\" refused: %s\n", config, err);
        exit(2);
    }
    return r;
}


double *conf_collect(ibp_run *r, const char **names, int ncols, long *nrows) {
    int idx[64];
    for (int c = 0; c < ncols; c++) {
        idx[c] = ibp_run_column_index(r, names[c]);
        if (idx[c] < 0) { fprintf(stderr, "conformance: no column %s\n", names[c]); exit(2); }
    }
    size_t cap = 1024, n = 0;
    double *out = malloc(sizeof(double) * cap * (size_t)ncols);
    for (;;) {
        int nr = ibp_run_nrows(r), nc = ibp_run_ncols(r);
        const double *rows = ibp_run_rows(r);
        for (int i = 0; i < nr; i++) {
            if (n == cap) { cap *= 2; out = realloc(out, sizeof(double) * cap * (size_t)ncols); }
            for (int c = 0; c < ncols; c++) out[n * (size_t)ncols + (size_t)c] = rows[(size_t)i * nc + idx[c]];
            n++;
        }
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        ibp_run_step(r, 100000, NULL, 0);
    }
    *nrows = (long)n;
    return out;
}

int conf_monotone(const double *loss, long n, long stride, long from, long to) {
    /* science.md: L_{t+1} <= L_t (1 + 1e-12) at every step of the window. Steps that start below
     * 1e-28 are float64 round-off (the loss flickers between adjacent levels near 1e-32) and are
     * not judged; the README's findings explain it. */
    for (long i = from + 1; i <= to && i < n; i++) {
        double a = loss[(i - 1) * stride], b = loss[i * stride];
        if (a < 1e-28) continue;
        if (!(b <= a * (1 + 1e-12))) return 0;
    }
    return 1;
}
