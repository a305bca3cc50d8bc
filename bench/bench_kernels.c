/* bench_kernels.c -- GFLOP/s of the GEMM and dot kernels against the machine's f64x2 peak.
 *
 * The peak is a tight loop of independent multiply-add chains written with the same simd.h
 * operations as the kernels (mul then add, never fused), so gemm/peak says how much of the
 * reachable arithmetic rate the kernels get, natively and under node (wasm SIMD).
 * Flops count 2 per lane per multiply-add. Every figure is the best of several repetitions.
 * (d) the elementwise tanh_n used by the MLP activations, in ns per element.
 *   native: build-x/bench_kernels        wasm: node --no-experimental-fetch build-w/bench_kernels.js
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "numerics/numerics.h"
#include "numerics/simd.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile double sink; /* keeps results alive */

/* NCH independent chains x <- x*m + c (one lane-pair madd each); the chains hide latency. */
#define PEAK_KERNEL(NAME, NCH)                                                                \
    static double NAME(long iters) {                                                          \
        ibp_v2d x[NCH], m = ibp_v_splat(0.9999999), c = ibp_v_set(1e-7, 2e-7);                \
        for (int i = 0; i < NCH; i++) x[i] = ibp_v_set(1.0 + i, 2.0 + i);                    \
        for (long t = 0; t < iters; t++)                                                      \
            for (int i = 0; i < NCH; i++) x[i] = ibp_v_madd(x[i], m, c);                      \
        double s = 0;                                                                         \
        for (int i = 0; i < NCH; i++) s += ibp_v_lane0(x[i]) + ibp_v_lane1(x[i]);            \
        return s;                                                                             \
    }
PEAK_KERNEL(peak8, 8)
PEAK_KERNEL(peak10, 10)
PEAK_KERNEL(peak12, 12)
PEAK_KERNEL(peak14, 14)

/* Every measured function is called through a volatile pointer. In wasm this matters: V8 runs
 * new code in its baseline compiler (Liftoff) and swaps in optimized code only on a later CALL,
 * while wasm-opt inlines single-call-site functions into main, which never returns; a kernel
 * inlined there stays 4-5x slow for the whole run. An indirect call cannot be inlined. */
static double (*volatile peak_fns[])(long) = {peak8, peak10, peak12, peak14};
static double (*volatile dot_fn)(const double *, const double *, long) = ibp__dot;
static void (*volatile tanh_fn)(double *, const double *, long) = ibp__tanh_n;

static double peak(int *best_nch) {
    double (*volatile *fn)(long) = peak_fns;
    int nch[] = {8, 10, 12, 14};
    double best = 0;
    long iters = 2000000;
    for (int f = 0; f < 4; f++) {
        double b = 1e30;
        for (int rep = 0; rep < 15; rep++) {
            double t0 = now();
            sink = fn[f](iters);
            double t = now() - t0;
            if (t < b) b = t;
        }
        double gf = 4.0 * nch[f] * (double)iters / b * 1e-9; /* 2 lanes x 2 flops */
        if (gf > best) best = gf, *best_nch = nch[f];
    }
    return best;
}

static double *randn(long n, unsigned seed) {
    double *p = malloc((size_t)n * sizeof *p);
    srand(seed);
    for (long i = 0; i < n; i++) p[i] = (double)rand() / RAND_MAX - 0.5;
    return p;
}

typedef void (*gemm_fn)(int, int, int, const double *, const double *, double *, int);

static double bench_gemm(gemm_fn f, int M, int N, int K, int reps) {
    gemm_fn volatile fv = f; /* see peak_fns */
    double *A = randn((long)M * K, 1), *B = randn((long)K * N, 2), *C = randn((long)M * N, 3);
    double best = 1e30;
    fv(M, N, K, A, B, C, 0); /* warm up (and let V8 tier up) */
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        fv(M, N, K, A, B, C, 0);
        double t = now() - t0;
        if (t < best) best = t;
    }
    sink = C[0];
    free(A), free(B), free(C);
    return 2.0 * M * N * K / best * 1e-9;
}

static double bench_dot(long n, int reps) {
    double *a = randn(n, 4), *b = randn(n, 5);
    int inner = (int)(20000000 / n) + 1;
    double best = 1e30, s = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (int i = 0; i < inner; i++) s += dot_fn(a, b, n);
        double t = (now() - t0) / inner;
        if (t < best) best = t;
    }
    sink = s;
    free(a), free(b);
    return 2.0 * n / best * 1e-9;
}

/* elementwise throughput of the activation the MLP uses (ns per element) */
static double bench_tanh(long n, int reps) {
    double *x = randn(n, 6), *y = malloc((size_t)n * sizeof *y);
    for (long i = 0; i < n; i++) x[i] *= 6.0;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        tanh_fn(y, x, n);
        double t = now() - t0;
        if (t < best) best = t;
    }
    sink = y[n / 2];
    free(x), free(y);
    return best / n * 1e9;
}

int main(void) {
    int nch = 0;
    double pk = peak(&nch);
    printf("simd backend: %s\n", IBP_SIMD_NAME);
    printf("peak f64x2 mul+add: %.2f GFLOP/s (%d chains)\n", pk, nch);
    struct { const char *name; gemm_fn f; int M, N, K; } cases[] = {
        {"gemm_nn", ibp__gemm_nn, 1024, 512, 32}, {"gemm_tn", ibp__gemm_tn, 512, 32, 1024},
        {"gemm_tn", ibp__gemm_tn, 32, 512, 1024}, {"gemm_nn", ibp__gemm_nn, 256, 256, 256},
        {"gemm_tn", ibp__gemm_tn, 256, 256, 256}, {"gemm_nn", ibp__gemm_nn, 256, 32, 8},
        {"gemm_nn", ibp__gemm_nn, 256, 32, 32},   {"gemm_tn", ibp__gemm_tn, 32, 32, 256},
        {"gemm_nn", ibp__gemm_nn, 256, 1, 32},    {"gemm_nn_ref", ibp__gemm_nn_ref, 256, 256, 256},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        long work = 2L * cases[c].M * cases[c].N * cases[c].K;
        int reps = (int)(400000000L / work) + 3;
        if (reps > 200) reps = 200;
        double gf = bench_gemm(cases[c].f, cases[c].M, cases[c].N, cases[c].K, reps);
        printf("%-12s M=%4d N=%4d K=%4d  %7.2f GFLOP/s  %5.1f%% of peak\n", cases[c].name,
               cases[c].M, cases[c].N, cases[c].K, gf, 100.0 * gf / pk);
    }
    long dn[] = {1000, 100000};
    for (int i = 0; i < 2; i++) {
        double gf = bench_dot(dn[i], 7);
        printf("dot n=%-7ld %7.2f GFLOP/s  %5.1f%% of peak\n", dn[i], gf, 100.0 * gf / pk);
    }
    printf("tanh_n n=100000  %7.2f ns/element\n", bench_tanh(100000, 20));
    return 0;
}
