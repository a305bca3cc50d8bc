/* bench_d3.c -- what one exact D3L[u, u, .] pass (the central flow's grad S, models/model_*_d3.c)
 * costs against one exact Hessian-vector product, on the same model, data and theta, per family
 * and loss (issue 15: D3L for every family; the central flow spends up to k (k + 1) / 2 of them
 * per right-hand side at the edge, beside a Lanczos solve of HVPs).
 * printed: microseconds per HVP and per D3 pass, and their ratio (same run, interleaved rounds).
 *   build/native/bench_d3 [ROUNDS]     (default 20)
 *   wasm: node --no-experimental-fetch build/wasm/bench_d3.js [ROUNDS] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "run/run_internal.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void bench(const char *name, const char *cfg, int rounds) {
    char err[512];
    ibp_run_desc desc = {.config = cfg};
    ibp_run *r;
    if (ibp_run_create(&r, &desc, err, sizeof err) != IBP_OK) { fprintf(stderr, "%s: %s\n", name, err); exit(2); }
    long P = r->m.P;
    double *u = malloc(sizeof(double) * P), *out = malloc(sizeof(double) * P);
    double *ws = malloc(sizeof(double) * (ibp__model_d3_doubles(&r->m, r->m.nmax) + 1));
    uint64_t s = 88172645463325252ull;
    for (long j = 0; j < P; j++) { /* a fixed pseudo-random direction */
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        u[j] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
    }
    const ibp__batch *b = r->m.kind == IBP__MODEL_MF ? NULL : &r->full;
    double th = 0, td = 0, sink = 0;
    for (int k = 0; k < rounds; k++) { /* interleaved, so a load change hits both alike */
        double t0 = now();
        ibp__model_hvp(&r->m, r->theta, b, u, out);
        double t1 = now();
        sink += out[0];
        sink += ibp__model_d3(&r->m, r->theta, b, u, out, ws);
        double t2 = now();
        sink += out[P - 1];
        u[0] += 1e-12; /* a new direction each round: no HVP cache reuse */
        th += t1 - t0;
        td += t2 - t1;
    }
    printf("%-34s P=%7ld  HVP %10.1f us  D3 %10.1f us  D3/HVP %5.2f%s\n", name, P, 1e6 * th / rounds, 1e6 * td / rounds,
           td / th, sink == 12345.678 ? " " : "");
    free(u); free(out); free(ws);
    ibp_run_destroy(r);
}

/* data=inline with one-hot targets for loss=ce: n samples of d pseudo-random inputs, k classes */
static char *ce_config(const char *model, int d, int n, int k) {
    size_t cap = (size_t)n * (d * 8 + k * 2) + 1024;
    char *cfg = malloc(cap);
    size_t l = (size_t)snprintf(cfg, cap, "%s&data=inline&d=%d&out=%d&loss=ce&steps=0&measure=0&xs=", model, d, k);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < n * d; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        l += (size_t)snprintf(cfg + l, cap - l, "%s%.2f", i ? "," : "", (double)(s >> 11) / 4503599627370496.0 - 1.0);
    }
    l += (size_t)snprintf(cfg + l, cap - l, "&ys=");
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) l += (size_t)snprintf(cfg + l, cap - l, "%s%d", i + j ? "," : "", j == i % k);
    return cfg;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    if (rounds < 1) rounds = 1;
    printf("one exact D3L[u, u, .] pass against one exact HVP (%d rounds each, interleaved)\n", rounds);
    bench("mlp H2 (tanh, n=256)", "model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&n=256&steps=0&measure=0", rounds);
    char *c1 = ce_config("model=mlp&depth=2&width=32&act=tanh", 16, 128, 4);
    bench("mlp, ce on 4 classes (n=128)", c1, rounds);
    bench("cnn 1-D (4x3,8x3, n=256)",
          "model=cnn&d=32&in_shape=1,32&conv=4x3,8x3&depth=2&width=16&act=tanh&data=teacher&n=256&steps=0&measure=0",
          rounds);
    char *c2 = ce_config("model=cnn&in_shape=1,8,8&conv=8x3,8x3&stride=1,2&pool=avg&depth=1&act=gelu", 64, 128, 4);
    bench("cnn 2-D 8x8, ce (8x3,8x3 s2, avg)", c2, rounds);
    bench("mf 20x15 rank 3", "model=mf&rows=20&cols=15&rank=3&steps=0&measure=0", rounds);
    free(c1);
    free(c2);
    return 0;
}
