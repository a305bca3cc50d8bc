/* bench_engine.c -- the reference workloads of the engine (bench/README.md), float64, seeded:
 * ms, steps/s and GFLOP/s next to the measured f64x2 peak and GEMM rate of the same run.
 *
 *   W1  deep linear net d=64, widths 64, depth 4, out 1, n=256, half-MSE: one full-batch GD step
 *       (the structured linear path), and the same network as an MLP (act=identity, bias=0)
 *   W2  W1's sharpness: exactly 20 Lanczos iterations on exact HVPs; default-tolerance solves
 *   W3  two-layer tanh net d=32, m=512, n=1024, logistic loss: one full-batch GD step
 *   W4  W3's sharpness: 20 Lanczos iterations; default-tolerance solves
 *   W5  a CNN on 14x14 inputs: conv 8x3 (12x12), conv 16x3 (10x10), flat, one output, relu,
 *       n=1024, logistic loss: one full-batch GD step
 *   W6  W5's sharpness: the same four measurements
 *
 * Flops are NOMINAL: those of the plain layer-by-layer algorithm (forward, backward, R-operator)
 * counted as 2 per multiply-add of every matrix product, rank-1 products included; elementwise
 * work (activations, loss, bias, the GD update) is not counted. The structured linear path
 * executes far fewer flops than it is credited with: its rate says how fast the same answer
 * comes, compared with the unstructured path at the same count. Lanczos adds its own vector work
 * (full reorthogonalization), counted from its iteration count (see lz_flops).
 *
 * Every figure is the best of several timed repetitions after a warm-up. Measured functions are
 * called through volatile pointers: V8 runs new wasm code in its baseline tier and switches to
 * optimized code only on a later CALL, and wasm-opt inlines single-call-site functions into
 * main, which never returns; a kernel inlined there would stay slow for the whole run.
 *   native: build-x/bench_engine     wasm: node --no-experimental-fetch build-w/bench_engine.js
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "numerics/numerics.h"
#include "numerics/simd.h"

#define WARM_S 0.3 /* seconds of warm-up before a timed series */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile double sink; /* keeps results alive */

/* ---- machine rates ------------------------------------------------------------------------- */
/* NCH independent chains x <- x*m + c (mul then add, as every kernel): the chains hide latency. */
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
static double (*volatile peak_fns[])(long) = {peak8, peak10, peak12, peak14};

static double peak_rate(void) {
    int nch[] = {8, 10, 12, 14};
    double best = 0;
    long iters = 1000000;
    for (int f = 0; f < 4; f++) {
        double b = 1e30;
        for (int rep = 0; rep < 12; rep++) {
            double t0 = now();
            sink = peak_fns[f](iters);
            double t = now() - t0;
            if (t < b) b = t;
        }
        double gf = 4.0 * nch[f] * (double)iters / b * 1e-9; /* 2 lanes x 2 flops */
        if (gf > best) best = gf;
    }
    return best;
}

typedef void (*gemm_fn)(int, int, int, const double *, const double *, double *, int);
static gemm_fn volatile gemm_nn_fn = ibp__gemm_nn, gemm_tn_fn = ibp__gemm_tn;

/* GFLOP/s of one GEMM shape: best of reps after a warm-up call. */
static double gemm_rate(gemm_fn volatile *f, int M, int N, int K, int reps) {
    size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
    double *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B), *C = malloc(nc * sizeof *C);
    ibp_rng g;
    ibp__rng_seed(&g, 1, 1);
    ibp__rng_normals(&g, A, (long)na, 1.0);
    ibp__rng_normals(&g, B, (long)nb, 1.0);
    double best = 1e30, w0 = now();
    do (*f)(M, N, K, A, B, C, 0);
    while (now() - w0 < WARM_S);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        (*f)(M, N, K, A, B, C, 0);
        double t = now() - t0;
        if (t < best) best = t;
    }
    sink = C[nc / 2];
    free(A), free(B), free(C);
    return 2.0 * M * N * K / best * 1e-9;
}

/* ---- nominal flop counts ------------------------------------------------------------------- */
/* A net of nl layers (rows_i, cols_i), no biases, batch n (the MLP algorithm of model_mlp.c):
 *   step: forward Z_i = A_{i-1} W_i^T and weight gradient Delta_i^T A_{i-1} for every layer
 *         (2 n r c each), and E = Delta_i W_i for every layer but the first: 4 + 2.
 *   HVP:  forward, R-forward A V^T (+ R{A} W^T above the first), R{Delta}^T A (+ Delta^T R{A}
 *         above the first), and above the first E, R{E} = R{Delta} W + Delta V: 6 + 10. */
/* A CNN layer is the same GEMMs on its patch matrix: n pos rows instead of n (pos = output
 * positions of a convolution, 0 meaning 1 for a dense layer); im2col and col2im are copies and
 * are not counted. */
typedef struct net { int nl, rows[4], cols[4], pos[4]; } net;
static double net_flops(const net *N, int n, int hvp) {
    double f = 0;
    for (int i = 0; i < N->nl; i++) {
        double rc = 2.0 * n * (N->pos[i] ? N->pos[i] : 1) * N->rows[i] * N->cols[i];
        f += (hvp ? 3.0 : 2.0) * rc + (i > 0 ? (hvp ? 5.0 : 1.0) * rc : 0.0);
    }
    return f;
}
static double net_params(const net *N) {
    double p = 0;
    for (int i = 0; i < N->nl; i++) p += (double)N->rows[i] * N->cols[i];
    return p;
}

/* Lanczos vector work of a run of `it` iterations without restart, on P parameters: per
 * iteration j (0-based) alpha = v.w, the recurrence's two axpys, one Gram-Schmidt pass over j+1
 * rows (a dot and an axpy each), the two norms and the scaling: (4 (j+1) + 11) P; then the final
 * rotation to `nr` Ritz vectors, 2 it nr P. (The rare second Gram-Schmidt pass and restarts add
 * work not counted here.) */
static double lz_flops(int it, int nr, double P) {
    double f = 0;
    for (int j = 0; j < it; j++) f += (4.0 * (j + 1) + 11.0) * P;
    return f + 2.0 * it * nr * P;
}

/* ---- workloads ----------------------------------------------------------------------------- */
static int64_t (*volatile step_fn)(ibp_run *, int64_t, char *, size_t) = ibp_run_step;
static int (*volatile lz_fn)(ibp__lanczos *, ibp__matvec, void *, int, int, double, int, ibp_rng *,
                             ibp__eigres *) = ibp__lanczos_run;

/* A run of config + "&log_every=<log_every>": 1 writes a metrics row after every step, a huge
 * value none (the optimizer step alone). */
static ibp_run *make_run(const char *base, long log_every) {
    char err[512], config[512];
    snprintf(config, sizeof config, "%s&log_every=%ld", base, log_every);
    ibp_run *r;
    ibp_run_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.config = config;
    if (ibp_run_create(&r, &desc, err, sizeof err) != IBP_OK) {
        fprintf(stderr, "bench_engine: %s\n  config: %s\n", err, config);
        exit(2);
    }
    return r;
}

static double *copy_params(const ibp_run *r) {
    size_t P = (size_t)ibp_run_nparams(r);
    double *th = malloc(P * sizeof *th);
    memcpy(th, ibp_run_params(r), P * sizeof *th);
    return th;
}

/* Seconds per GD step: chunks of `chunk` steps (rows cleared between chunks, the row buffer
 * holds 1024), best chunk of `reps` after `warm` warm-up chunks. */
static double time_steps(ibp_run *r, int chunk, int warm, int reps) {
    double best = 1e30, w0 = now();
    for (int rep = -warm; rep < reps; rep++) {
        /* warm for at least WARM_S: V8 compiles the optimized tier in the background */
        if (rep == 0 && now() - w0 < WARM_S) rep = -1;
        ibp_run_clear_rows(r);
        double t0 = now();
        int done = (int)step_fn(r, chunk, NULL, 0);
        double t = now() - t0;
        if (done != chunk || ibp_run_state(r) != IBP_RUNNING) {
            fprintf(stderr, "bench_engine: the run stopped: %s\n", ibp_run_message(r));
            exit(2);
        }
        if (rep >= 0 && t / chunk < best) best = t / chunk;
    }
    ibp_run_clear_rows(r);
    return best;
}

static void hvp_mv(void *ctx, const double *v, double *out) { ibp_run_hvp((ibp_run *)ctx, out, v); }
static void (*volatile hvp_fn)(void *, const double *, double *) = hvp_mv;
static void hvp_call(void *ctx, const double *v, double *out) { hvp_fn(ctx, v, out); }

/* One Lanczos configuration: cold start from the same seeded vector every repetition, plus the
 * direction of the gradient at theta (hint), as a run's cold solves start. */
typedef struct lzres { double sec; ibp__eigres e; } lzres;
static lzres time_lanczos(ibp_run *r, int max_krylov, long max_mv, int k, double tol, int reps,
                          const double *hint) {
    long P = ibp_run_nparams(r);
    void *mem = malloc(ibp__lanczos_bytes(P, max_krylov, k));
    ibp__lanczos *lz = ibp__lanczos_bind(mem, P, max_krylov, k);
    if (max_mv > 0) ibp__lanczos_set_max_matvecs(lz, max_mv);
    ibp__lanczos_set_hint(lz, hint);
    lzres res;
    res.sec = 1e30;
    double w0 = now();
    for (int rep = -1; rep < reps; rep++) {
        if (rep == 0 && now() - w0 < WARM_S) rep = -1;
        ibp_rng g;
        ibp__rng_seed(&g, 0, IBP__STREAM_LANCZOS);
        double t0 = now();
        int rc = lz_fn(lz, hvp_call, r, k, 0, tol, 0, &g, &res.e);
        double t = now() - t0;
        if (rc != 0) {
            fprintf(stderr, "bench_engine: Lanczos failed (%d)\n", rc);
            exit(2);
        }
        if (rep >= 0 && t < res.sec) res.sec = t;
    }
    free(mem);
    return res;
}

/* Thread CPU time where the platform has it (the wall clock otherwise): on a shared machine the
 * other processes' share of the core does not count. */
static double cpu_now(void) {
#if defined(CLOCK_THREAD_CPUTIME_ID) && !defined(__EMSCRIPTEN__)
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#else
    return now();
#endif
}

/* Issue 12's W4.lz20 / W3.step once more, in thread CPU time, the three measured in turn (a step,
 * 20 HVPs at theta0 with the cache built, a 20-iteration Lanczos solve) so that each ratio
 * divides figures of the same seconds; best of each over reps rounds. tt: step, HVP, lz20. */
static void interleaved(ibp_run *r, const double *theta0, int reps, double *tt) {
    long P = ibp_run_nparams(r);
    double *V = malloc(sizeof(double) * (size_t)P * 20), *hv = malloc(sizeof(double) * (size_t)P);
    void *mem = malloc(ibp__lanczos_bytes(P, 20, 1));
    ibp__lanczos *lz = ibp__lanczos_bind(mem, P, 20, 1);
    ibp__lanczos_set_max_matvecs(lz, 20);
    ibp_rng g;
    ibp__rng_seed(&g, 3, 3);
    ibp__rng_normals(&g, V, P * 20, 1.0);
    tt[0] = tt[1] = tt[2] = 1e30;
    for (int rep = -1; rep < reps; rep++) {
        ibp_run_set_params(r, theta0, NULL, 0);
        double t0 = cpu_now();
        step_fn(r, 1, NULL, 0);
        double ts = cpu_now() - t0;
        ibp_run_set_params(r, theta0, NULL, 0);
        hvp_fn(r, V, hv); /* builds the cache */
        t0 = cpu_now();
        for (int i = 0; i < 20; i++) hvp_fn(r, V + (long)i * P, hv);
        double th = (cpu_now() - t0) / 20;
        ibp__eigres e;
        ibp_rng gl;
        ibp__rng_seed(&gl, 0, IBP__STREAM_LANCZOS);
        t0 = cpu_now();
        lz_fn(lz, hvp_call, r, 1, 0, 1e-300, 0, &gl, &e);
        double tl = cpu_now() - t0;
        if (rep < 0) continue;
        if (ts < tt[0]) tt[0] = ts;
        if (th < tt[1]) tt[1] = th;
        if (tl < tt[2]) tt[2] = tl;
    }
    sink = hv[0];
    free(V), free(hv), free(mem);
}

static double time_hvp(ibp_run *r, int reps) {
    long P = ibp_run_nparams(r);
    double *v = malloc((size_t)P * sizeof *v), *hv = malloc((size_t)P * sizeof *hv);
    ibp_rng g;
    ibp__rng_seed(&g, 3, 3);
    ibp__rng_normals(&g, v, P, 1.0);
    double best = 1e30, w0 = now();
    for (int rep = -2; rep < reps; rep++) {
        if (rep == 0 && now() - w0 < WARM_S) rep = -1;
        double t0 = now();
        hvp_fn(r, v, hv);
        double t = now() - t0;
        if (rep >= 0 && t < best) best = t;
    }
    sink = hv[0];
    free(v), free(hv);
    return best;
}

#define NOLOG 1000000000L
static double peak_gf, gemm_gf;

/* One table row: a key (scripts/bench joins the native and wasm tables on it), time, rate,
 * nominal GFLOP/s and its share of the GEMM rate and of the peak, and a note. */
static void row(const char *key, const char *what, double sec, double flops, const char *note) {
    double gf = flops / sec * 1e-9;
    printf("%-9s %-27s %10.3f %9.0f %9.2f %6.0f %6.0f  %s\n", key, what, sec * 1e3, 1.0 / sec, gf,
           100 * gf / gemm_gf, 100 * gf / peak_gf, note);
}

/* The same steps with a metrics row after each (log_every=1, the default): what a logged run
 * pays per step on top of the optimizer step. */
static void row_log(const char *key, const char *config, int chunk, int reps, double t_step,
                    double flops) {
    ibp_run *r = make_run(config, 1);
    double t = time_steps(r, chunk, 1, reps);
    char note[96];
    snprintf(note, sizeof note, "the metrics row costs %.3f ms", (t - t_step) * 1e3);
    row(key, "  same, log_every=1", t, flops, note);
    ibp_run_destroy(r);
}

/* Sharpness rows at theta0: one HVP, 20 fixed Lanczos iterations, then the default-tolerance
 * top-1 (the sharpness) and top-3 solves, cold-started from the same seeded vector. Returns the
 * times of the HVP, the 20 iterations and the sharpness in t (3,). */
static void sharpness(const char *w, ibp_run *r, const double *theta0, double hvp_flops,
                      int reps, double *tt) {
    ibp_run_set_params(r, theta0, NULL, 0); /* the same operator whatever was timed before */
    double *grad = malloc(sizeof(double) * (size_t)ibp_run_nparams(r));
    ibp_run_loss_grad(r, NULL, grad);
    double P = (double)ibp_run_nparams(r), t_hvp = time_hvp(r, 3 * reps);
    tt[0] = t_hvp;
    char key[16], note[128];
    snprintf(key, sizeof key, "%s.hvp", w);
    row(key, "one exact HVP", t_hvp, hvp_flops, "");
    struct { const char *key, *what; int krylov; long maxmv; int k; double tol; } cs[] = {
        {"lz20", "20 Lanczos iterations", 20, 20, 1, 1e-300}, /* below any residual: all 20 run */
        {"sharp", "sharpness, tol 1e-8", 80, 0, 1, 1e-8},
        {"top3", "top-3, tol 1e-8", 80, 0, 3, 1e-8},
    };
    for (int c = 0; c < 3; c++) {
        lzres z = time_lanczos(r, cs[c].krylov, cs[c].maxmv, cs[c].k, cs[c].tol, reps, grad);
        if (c < 2) tt[1 + c] = z.sec;
        int conv = 1;
        for (int i = 0; i < z.e.k; i++) conv &= z.e.converged[i];
        snprintf(key, sizeof key, "%s.%s", w, cs[c].key);
        snprintf(note, sizeof note, "%d HVPs%s, S = %.10g%s", z.e.matvecs,
                 z.e.restarts ? " (restarted)" : "", z.e.val[0],
                 c == 0 ? "" : conv ? ", converged" : ", NOT converged");
        row(key, cs[c].what, z.sec, z.e.matvecs * hvp_flops + lz_flops(z.e.matvecs, z.e.k, P), note);
    }
    free(grad);
}

/* A whole run with its measurement schedule, warm-started as always: the Hessian-vector products
 * per measurement, on average (the first, at creation, is the reference solve of S0). */
static void warm_run(const char *key, const char *what, const char *config) {
    ibp_run *r = make_run(config, NOLOG);
    int col = -1, nc = ibp_run_ncols(r);
    for (int j = 0; j < nc; j++)
        if (strcmp(ibp_run_column(r, j), "hvps") == 0) col = j;
    long n = 0, sum = 0, first = -1;
    double t0 = now();
    for (;;) {
        const double *rows = ibp_run_rows(r);
        for (int i = 0; i < ibp_run_nrows(r); i++) {
            double h = rows[(size_t)i * nc + col];
            if (h == h) {
                if (first < 0) first = (long)h;
                else n++, sum += (long)h;
            }
        }
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        step_fn(r, 1000, NULL, 0);
    }
    double sec = now() - t0;
    printf("%-9s %-27s %10.3f %9.0f  HVPs per measurement %.2f over %ld warm measurements "
           "(the first, S0's reference solve: %ld); %s\n", key, what, sec * 1e3, (double)ibp_run_t(r) / sec,
           n ? (double)sum / n : 0.0, n, first, ibp_run_message(r));
    ibp_run_destroy(r);
}

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0; /* fewer repetitions */
    int reps = quick ? 3 : 7;
    char note[128];
    printf("bench_engine %s: simd backend %s, float64, seeded; best of %d after %.1f s warm-up\n",
           ibp_version(), IBP_SIMD_NAME, reps, WARM_S);
    peak_gf = peak_rate();
    gemm_gf = gemm_rate(&gemm_nn_fn, 1024, 512, 32, 4 * reps);
    double g_tn = gemm_rate(&gemm_tn_fn, 512, 32, 1024, 4 * reps);
    double g_sq = gemm_rate(&gemm_nn_fn, 256, 256, 256, 4 * reps);
    printf("peak      f64x2 mul+add peak          %8.2f GFLOP/s\n", peak_gf);
    printf("gemm      GEMM rate (reference)       %8.2f GFLOP/s  gemm_nn 1024x512x32, W3's forward "
           "product; %.0f%% of peak\n", gemm_gf, 100 * gemm_gf / peak_gf);
    printf("gemm.more other GEMM shapes           gemm_tn 512x32x1024 %.2f, gemm_nn 256^3 %.2f "
           "GFLOP/s\n", g_tn, g_sq);
    printf("%-9s %-27s %10s %9s %9s %6s %6s  %s\n", "key", "workload", "ms", "per s", "GFLOP/s",
           "%GEMM", "%peak", "note");

    /* W1: the structured path against the same network run as a generic MLP */
    net w1 = {4, {64, 64, 64, 1}, {64, 64, 64, 64}, {0}};
    double w1_step = net_flops(&w1, 256, 0), w1_hvp = net_flops(&w1, 256, 1);
    const char *c_lin = "model=linear&depth=4&d=64&width=64&n=256&lr_rel=1&measure=0&steps=1000000";
    const char *c_mlp =
        "model=mlp&act=identity&bias=0&depth=4&d=64&width=64&n=256&lr_rel=1&measure=0&steps=1000000";
    ibp_run *lin = make_run(c_lin, NOLOG), *mlp = make_run(c_mlp, NOLOG);
    double *th1 = copy_params(lin), l_lin, l_mlp;
    ibp_run_loss_grad(lin, &l_lin, NULL);
    ibp_run_loss_grad(mlp, &l_mlp, NULL);
    if (ibp_run_nparams(lin) != (long)net_params(&w1) || ibp_run_nparams(mlp) != (long)net_params(&w1) ||
        l_lin != l_lin || ibp__fabs(l_lin - l_mlp) > 1e-12 * ibp__fabs(l_lin)) {
        fprintf(stderr, "bench_engine: W1's two runs are not the same network (P %ld %ld, loss %.17g %.17g)\n",
                (long)ibp_run_nparams(lin), (long)ibp_run_nparams(mlp), l_lin, l_mlp);
        return 2;
    }
    double t_lin = time_steps(lin, 1000, 1, reps), t_mlp = time_steps(mlp, 100, 1, reps);
    snprintf(note, sizeof note, "%.1fx faster than the unstructured path", t_mlp / t_lin);
    row("W1.step", "W1 GD step, linear path", t_lin, w1_step, note);
    row("W1.mlp", "W1 GD step, as mlp identity", t_mlp, w1_step, "");
    row_log("W1.log", c_lin, 1000, reps, t_lin, w1_step);
    /* W2: W1's sharpness on the structured path; the unstructured HVP for comparison */
    ibp_run_set_params(mlp, th1, NULL, 0);
    double t_mhvp = time_hvp(mlp, 3 * reps);
    ibp_run_destroy(mlp);
    double t2[3], t4[3];
    sharpness("W2", lin, th1, w1_hvp, reps, t2);
    row("W2.mlp", "one HVP, as mlp identity", t_mhvp, w1_hvp, "");
    ibp_run_destroy(lin);
    free(th1);

    /* W3, W4: the tanh MLP */
    net w3 = {2, {512, 1}, {32, 512}, {0}};
    double w3_step = net_flops(&w3, 1024, 0), w3_hvp = net_flops(&w3, 1024, 1);
    const char *c_w3 = "model=mlp&depth=2&d=32&width=512&act=tanh&bias=0&data=separable&n=1024"
                       "&loss=logistic&measure=0&steps=1000000";
    ibp_run *t = make_run(c_w3, NOLOG);
    double *th3 = copy_params(t);
    double t_w3 = time_steps(t, 10, 2, reps);
    row("W3.step", "W3 GD step, tanh mlp", t_w3, w3_step, "");
    row_log("W3.log", c_w3, 10, reps, t_w3, w3_step);
    sharpness("W4", t, th3, w3_hvp, reps, t4);
    double ti[3];
    interleaved(t, th3, 2 * reps, ti);
    ibp_run_destroy(t);
    free(th3);

    /* W5, W6: a CNN on 14x14 inputs (the layer table is checked against the flop model) */
    net w5 = {3, {8, 16, 1}, {9, 72, 1600}, {144, 100, 1}};
    double w5_step = net_flops(&w5, 1024, 0), w5_hvp = net_flops(&w5, 1024, 1);
    const char *c_w5 = "model=cnn&d=196&in_shape=1,14,14&conv=8x3,16x3&depth=1&act=relu&bias=0&data=separable"
                       "&n=1024&loss=logistic&measure=0&steps=1000000";
    ibp_run *cn = make_run(c_w5, NOLOG);
    if (ibp_run_nparams(cn) != (int64_t)net_params(&w5)) {
        fprintf(stderr, "bench_engine: W5 has P = %lld, the flop model %.0f\n", (long long)ibp_run_nparams(cn), net_params(&w5));
        return 2;
    }
    double *th5 = copy_params(cn);
    double t_w5 = time_steps(cn, 5, 1, reps);
    row("W5.step", "W5 GD step, cnn 14x14", t_w5, w5_step, "");
    row_log("W5.log", c_w5, 5, reps, t_w5, w5_step);
    double t6[3];
    sharpness("W6", cn, th5, w5_hvp, reps, t6);
    ibp_run_destroy(cn);
    free(th5);

    /* the default edge-of-stability runs: presets/presets.json "cohen2021-eos" and the page's
     * default experiment (web/js/link.js DEFAULT_CONFIG) */
    warm_run("EOS.run", "EoS preset, 6000 steps",
             "model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64"
             "&teacher_scale=4&standardize=1&lr=0.2&steps=6000&measure_every=20");
    warm_run("PAGE.run", "page default, 6000 steps",
             "model=mlp&depth=3&width=32&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1"
             "&lr=0.3&steps=6000&measure_every=20");
    /* issue 12's ratios, all from this run */
    printf("ratio     W4.lz20 / W3.step           %10.2f  target <= 13\n", t4[1] / t_w3);
    printf("ratio     W4.hvp / W3.step            %10.2f  (one HVP at a fixed theta, in steps)\n",
           t4[0] / t_w3);
    printf("ratio     the same two, interleaved   %10.2f  %.2f (%s; step %.3f ms, HVP %.3f ms, "
           "20 iterations %.2f ms)\n", ti[2] / ti[0], ti[1] / ti[0],
#if defined(CLOCK_THREAD_CPUTIME_ID) && !defined(__EMSCRIPTEN__)
           "thread CPU time",
#else
           "wall time",
#endif
           ti[0] * 1e3, ti[1] * 1e3, ti[2] * 1e3);
    printf("ratio     W2.lz20 / (20 W2.mlp)       %10.3f  target <= 0.08\n", t2[1] / (20 * t_mhvp));
    printf("ratio     W4.sharp / W4.lz20          %10.2f  target <= 1.6\n", t4[2] / t4[1]);
    printf("nominal Mflop: W1 step %.2f, W1 HVP %.2f, W3 step %.2f, W3 HVP %.2f, W5 step %.2f, W5 HVP %.2f "
           "(+ Lanczos vector work in the Lanczos rows)\n",
           w1_step * 1e-6, w1_hvp * 1e-6, w3_step * 1e-6, w3_hvp * 1e-6, w5_step * 1e-6, w5_hvp * 1e-6);
    return 0;
}
