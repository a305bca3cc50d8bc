/* hessian-dump.c -- the dense Hessian (P, P) of a run after given numbers of steps, one binary
 * file of float64 each (H<step>.bin, row i = H e_i from ibp_run_hvp), for lanczos-floor.py.
 * A study tool, not part of the build:
 *   gcc -O2 -Iinclude bench/study/hessian-dump.c build/native/libibp_core.a -lm -o /tmp/hdump
 *   (cd /tmp/h && /tmp/hdump 'CONFIG&steps=100000&log_every=100000' 1960 1980 2000 2020)
 * P^2 doubles per file: 15 MB for the page's default net (P = 1377). */
#include "ibp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: hessian-dump CONFIG STEP...\n");
        return 2;
    }
    ibp_run_desc d;
    memset(&d, 0, sizeof d);
    d.config = argv[1];
    ibp_run *r;
    char err[256];
    if (ibp_run_create(&r, &d, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    long P = (long)ibp_run_nparams(r), last = 0;
    double *H = malloc(sizeof(double) * (size_t)(P * P)), *v = calloc((size_t)P, sizeof(double));
    for (int a = 2; a < argc; a++) {
        long t = atol(argv[a]);
        if (t < last || ibp_run_step(r, t - last, err, sizeof err) != t - last) {
            fprintf(stderr, "cannot reach step %ld\n", t);
            return 1;
        }
        last = t;
        for (long i = 0; i < P; i++) {
            v[i] = 1;
            ibp_run_hvp(r, H + i * P, v);
            v[i] = 0;
        }
        char fn[64];
        snprintf(fn, sizeof fn, "H%ld.bin", t);
        FILE *f = fopen(fn, "wb");
        if (!f || fwrite(H, sizeof(double), (size_t)(P * P), f) != (size_t)(P * P) || fclose(f)) {
            fprintf(stderr, "cannot write %s\n", fn);
            return 1;
        }
        fprintf(stderr, "%s: step %ld, P = %ld\n", fn, t, P);
    }
    ibp_run_destroy(r);
    free(H), free(v);
    return 0;
}
