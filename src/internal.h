/* internal.h -- private interfaces between the core's files (ibp__ names).
 *
 * File map (one purpose each):
 *   simd.h       the SIMD vocabulary (wasm simd128 / SSE2 / scalar)
 *   vmath.h      our elementary functions on ibp_v2d (exp, log, tanh, ...), branch-free
 *   mathf.c      scalar wrappers of vmath.h (lane 0 of the vector code: identical bits)
 *   rng.c        xoshiro256** with splitmix64 seeding; uniforms, normals; one stream per purpose
 *   kernels.c    GEMM, dot, axpy: one fixed summation order shared by SIMD and scalar
 *   linalg.c     small dense linear algebra: Cholesky solve, Householder QR, random orthogonal
 *   eig.c        dense symmetric eigensolver (reference for Lanczos, exact spectra)
 *   lanczos.c    Lanczos on a matvec callback (top-k algebraic, smallest), full reorth.
 *   config.c     the ONE parser of "key=value&..."; key table, defaults, ranges, messages
 *   data.c       data generators, CSV import/export, online sampling
 *   loss.c       losses: value, gradient and curvature with respect to the outputs
 *   model.c      model setup from the config, layer table, dispatch
 *   model_linear.c / model_mlp.c / model_mf.c   forward, exact gradient, exact HVP, GN products
 *   init.c       initial parameters (schemes, inline values, params JSON)
 *   run.c        the run object: arena, training loop, schedule, stopping, metrics rows
 *   fmt.c        number formatting and small text builders (snprintf-style buffers)
 *   wasm_exports.c  the only file with export attributes
 * Memory: a run makes ONE allocation. Every component reports the doubles it needs for a
 * config (a pure function) and is later bound to its slice; nothing allocates afterwards.
 */
#ifndef IBP_INTERNAL_H
#define IBP_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "ibp.h"

/* Internal invariant violated: trap (no printf/assert in the core: they pull in WASI I/O). */
#define IBP_TRAP() __builtin_trap()
#define IBP_CHECK(cond) do { if (!(cond)) IBP_TRAP(); } while (0)

#define IBP_NAN (__builtin_nan(""))
#define IBP_INF (__builtin_inf())
static inline int ibp__isfinite(double x) { return x - x == 0.0; }
static inline int ibp__isnan(double x) { return x != x; }
static inline double ibp__fabs(double x) { return x < 0 ? -x : (x == 0 ? 0.0 : x); }
static inline double ibp__sqrt(double x) { return __builtin_sqrt(x); } /* IEEE correctly rounded */

/* Fill err with a formatted message (vsnprintf into the caller's buffer) and return code. */
int ibp__fail(char *err, size_t errlen, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ------------------------------------------------------------------------------------------ */
/* Arena: one allocation per run. Pass 1 runs the same carving code with base == NULL to
 * measure; pass 2 carves the real block. Every slice is 16-byte aligned. */
typedef struct ibp__arena {
    char *base;  /* NULL during the measuring pass */
    size_t off;  /* bytes used so far */
} ibp__arena;
static inline double *ibp__arena_doubles(ibp__arena *a, size_t n) {
    size_t o = (a->off + 15u) & ~(size_t)15u;
    a->off = o + n * sizeof(double);
    return a->base ? (double *)(void *)(a->base + o) : NULL;
}
static inline void *ibp__arena_bytes(ibp__arena *a, size_t n) {
    size_t o = (a->off + 15u) & ~(size_t)15u;
    a->off = o + n;
    return a->base ? (void *)(a->base + o) : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* PRNG (rng.c): xoshiro256**, seeded by splitmix64 from (seed, stream). Normals by the Marsaglia
 * polar method using our own log, so the stream is identical on every platform. */
typedef struct ibp_rng {
    uint64_t s[4];
    double spare; /* second normal of the last polar pair */
    int has_spare;
} ibp_rng;
enum { /* streams: one per purpose so that changing one does not shift another */
    IBP__STREAM_DATA = 1, IBP__STREAM_INIT = 2, IBP__STREAM_SGD = 3, IBP__STREAM_LANCZOS = 4,
    IBP__STREAM_LABEL_NOISE = 5, IBP__STREAM_SPLIT = 6, IBP__STREAM_TEACHER = 7,
    IBP__STREAM_PROBES = 8, IBP__STREAM_ONLINE = 9
};
void ibp__rng_seed(ibp_rng *r, uint64_t seed, uint64_t stream);
uint64_t ibp__rng_u64(ibp_rng *r);
double ibp__rng_uniform(ibp_rng *r);          /* [0, 1), 53 random bits */
double ibp__rng_normal(ibp_rng *r);           /* N(0, 1) */
uint64_t ibp__rng_below(ibp_rng *r, uint64_t n); /* uniform in [0, n), unbiased; n >= 1 */
void ibp__rng_normals(ibp_rng *r, double *out, long n, double scale); /* out[i] = scale N(0,1) */

/* ------------------------------------------------------------------------------------------ */
/* Elementary functions (mathf.c): our own, so the bits are the same natively and in wasm.
 * Accuracy: within a few ulp of the correctly rounded result on their documented ranges. */
double ibp__exp(double x);
double ibp__expm1(double x);
double ibp__log(double x);
double ibp__log1p(double x);
double ibp__tanh(double x);
double ibp__sigmoid(double x);   /* 1 / (1 + e^-x), stable both tails */
double ibp__softplus(double x);  /* log(1 + e^x), stable: max(x,0) + log1p(e^-|x|) */
double ibp__erf(double x);
double ibp__sin(double x);       /* accurate for |x| <= 1e6 */
double ibp__cos(double x);
double ibp__pow(double x, double y); /* x > 0: exp(y log x) with extra precision */
/* Array forms (SIMD inside, same bits as the scalar forms): y may alias x. */
void ibp__exp_n(double *y, const double *x, long n);
void ibp__tanh_n(double *y, const double *x, long n);

/* ------------------------------------------------------------------------------------------ */
/* Kernels (kernels.c). All row-major, contiguous. Summation order is FIXED and identical for
 * the SIMD and scalar builds:
 *   gemm: each C element accumulates its K products sequentially, k = 0, 1, ..., K-1, starting
 *         from 0 (or from the old C value when acc != 0): c = (((c0 + a0 b0) + a1 b1) + ...).
 *   dot/sumsq: four partial sums s_j over indices i = j mod 4 (i < n - n%4), combined as
 *         (s0 + s1) + (s2 + s3), then the tail i >= n - n%4 added sequentially.
 * A plain reference loop with the same order is kept beside each fast kernel (_ref). */
void ibp__gemm_nn(int M, int N, int K, const double *A /* (M,K) */, const double *B /* (K,N) */,
                  double *C /* (M,N) */, int acc);
void ibp__gemm_tn(int M, int N, int K, const double *A /* (K,M) */, const double *B /* (K,N) */,
                  double *C /* (M,N) */, int acc);
void ibp__gemm_nn_ref(int M, int N, int K, const double *A, const double *B, double *C, int acc);
void ibp__gemm_tn_ref(int M, int N, int K, const double *A, const double *B, double *C, int acc);
void ibp__transpose(int rows, int cols, const double *A /* (rows,cols) */, double *At /* (cols,rows) */);
double ibp__dot(const double *a, const double *b, long n);
double ibp__dot_ref(const double *a, const double *b, long n);
double ibp__sumsq(const double *a, long n);
void ibp__axpy(long n, double alpha, const double *x, double *y); /* y += alpha x */
void ibp__scale(long n, double alpha, double *x);                 /* x *= alpha */
void ibp__gemv_n(int M, int K, const double *A /* (M,K) */, const double *x /* (K,) */,
                 double *y /* (M,) */, int acc); /* y = A x, each y_i sequential over k */
void ibp__gemv_t(int M, int K, const double *A /* (M,K) */, const double *x /* (M,) */,
                 double *y /* (K,) */, int acc); /* y = A^T x, each y_k sequential over i */

/* ------------------------------------------------------------------------------------------ */
/* Small dense linear algebra (linalg.c), scratch supplied by the caller. */
/* Solve S w = b for symmetric positive definite S (n,n), k right-hand sides b (n,k) -> w (n,k).
 * scratch: n*n doubles. Returns 0, or -1 if S is not numerically positive definite. */
int ibp__chol_solve(int n, int k, const double *S, const double *b, double *w, double *scratch);
/* Q (rows, cols) with orthonormal columns (rows >= cols) from Householder QR of a Gaussian
 * matrix drawn from rng, sign-fixed so the distribution is Haar. scratch: rows*cols + rows. */
void ibp__random_orthonormal(int rows, int cols, ibp_rng *rng, double *Q, double *scratch);
/* Dense symmetric eigensolver (eig.c): all eigenvalues ascending in w (n,), eigenvectors as
 * columns of V (n,n) when V != NULL. A (n,n) is destroyed. scratch: 2n doubles. Returns 0 or -1
 * when the iteration fails to converge. */
int ibp__eigh(int n, double *A, double *w, double *V, double *scratch);
/* Symmetric tridiagonal eigensolver (eig.c): diag (n,), offdiag (n-1,) (offdiag[i] couples i
 * and i+1) are kept; eigenvalues ascending in w (n,). Z (n, r), when not NULL, holds r input
 * columns x_c and returns Z[i][c] = q_i . x_c (q_i the eigenvector of w[i]): Z = I (r = n) gives
 * the eigenvectors as ROWS, a single column e_{n-1} (r = 1) their last components.
 * scratch: n doubles. Returns 0 or -1 on failure to converge. */
int ibp__eigh_tridiag(int n, const double *diag, const double *offdiag, double *w, double *Z,
                      int r, double *scratch);
/* Householder reduction T = Q^T A Q of A (n,n) (destroyed) to tridiagonal: diag d (n,), offdiag
 * e (n,) (e[i] couples i and i+1), Qt = Q^T (n,n). Index 0 is never mixed (Q e_0 = e_0), which
 * Lanczos uses to re-tridiagonalize after a thick restart. scratch: n doubles. */
void ibp__tridiag_reduce(int n, double *A, double *d, double *e, double *Qt, double *scratch);

/* ------------------------------------------------------------------------------------------ */
/* Config (config.c) */
enum { IBP__MODEL_LINEAR, IBP__MODEL_MLP, IBP__MODEL_MF };
enum { IBP__ACT_IDENTITY, IBP__ACT_RELU, IBP__ACT_LEAKY_RELU, IBP__ACT_TANH, IBP__ACT_SOFTPLUS,
       IBP__ACT_LEAKY_SOFTPLUS, IBP__ACT_GELU };
enum { IBP__PARAM_STANDARD, IBP__PARAM_NTK };
enum { IBP__INIT_FAN_IN, IBP__INIT_NORMAL, IBP__INIT_RESIDUAL, IBP__INIT_ORTHOGONAL,
       IBP__INIT_ZERO, IBP__INIT_FILE, IBP__INIT_VALUES /* inline list in init_values */ };
enum { IBP__HEAD_TRAIN, IBP__HEAD_PM, IBP__HEAD_UNIT, IBP__HEAD_VALUES };
enum { IBP__DATA_TEACHER, IBP__DATA_MC, IBP__DATA_DEGENERATE, IBP__DATA_SEPARABLE,
       IBP__DATA_FLIP, IBP__DATA_XOR, IBP__DATA_CIRCLES, IBP__DATA_SPIRALS, IBP__DATA_MOONS,
       IBP__DATA_P5, IBP__DATA_XOR40, IBP__DATA_INLINE, IBP__DATA_CSV };
enum { IBP__TEACHER_LINEAR, IBP__TEACHER_SIN, IBP__TEACHER_TANH_MLP };
enum { IBP__LABELS_RAW, IBP__LABELS_SIGN };
enum { IBP__LOSS_MSE_HALF, IBP__LOSS_MSE, IBP__LOSS_LOGISTIC };
enum { IBP__OPT_GD, IBP__OPT_SGD };
enum { IBP__SAMPLE_REPLACE, IBP__SAMPLE_ONLINE };
enum { IBP__LRREF_SHARPNESS, IBP__LRREF_NTK, IBP__LRREF_SMIN };

typedef struct ibp__list { int n; double *v; } ibp__list; /* owned by the config */

#define IBP__MAX_DEPTH 64
#define IBP__MAX_TOPK 10

typedef struct ibp__config {
    /* model */
    int model, depth, d, out;
    ibp__list width;          /* hidden widths: one value (broadcast) or one per hidden layer */
    int act; double act_param;
    int bias, param, init;
    ibp__list init_values;    /* init=<list>: every trained parameter, theta order */
    ibp__list init_scale;     /* one value or one per trained layer (mf: per factor) */
    int head; ibp__list head_values;
    /* matrix factorization */
    int rows, cols, rank, factor_rank;
    ibp__list sv, target;     /* singular values of A / explicit entries of A (rows, cols) */
    double target_norm;
    /* data */
    int data, n, n_test;
    double kappa;
    int teacher; ibp__list teacher_w; int teacher_width; double teacher_scale;
    int standardize; double noise, xnoise, wstar_norm, p, margin, flip;
    ibp__list xs, ys;         /* data=inline: inputs (n, d) and targets (n, out), row-major */
    int labels; int64_t data_seed; /* data_seed < 0: use seed */
    /* loss and optimizer */
    int loss, opt, batch, sample;
    double label_noise, lr, lr_rel, lr_power;
    int lr_ref;               /* what lr_rel is relative to: IBP__LRREF_* */
    int warmup, steps;
    double target_loss, grad_tol, div_loss;
    /* measurement */
    int log_every, measure, measure_every, topk, lanczos_max, adaptive, lambda_min, ntk;
    double lanczos_tol, catapult_factor;
    /* misc */
    double mem_cap_mib;
    int64_t seed;
    uint64_t given[2];        /* bit i set: key i of the table was given explicitly */
} ibp__config;

int ibp__config_parse(ibp__config *c, const char *s, char *err, size_t errlen);
void ibp__config_free(ibp__config *c); /* frees the lists; the struct itself is the caller's */
size_t ibp__config_heap_bytes(const ibp__config *c); /* bytes of the lists it owns */
int ibp__config_given(const ibp__config *c, const char *key); /* was key set explicitly? */
/* Canonical serialization (see ibp_config_canonical). */
size_t ibp__config_write(const ibp__config *c, int full, char *buf, size_t cap);
/* The same appended to b; json != 0 escapes it as the inside of a JSON string. */
struct ibp__buf;
void ibp__config_write_buf(const ibp__config *c, int full, int json, struct ibp__buf *b);
/* Hidden width of hidden layer h (1-based, h < number of layers). */
int ibp__config_width(const ibp__config *c, int h);
uint64_t ibp__config_data_seed(const ibp__config *c);

/* ------------------------------------------------------------------------------------------ */
/* Data (data.c). Inputs (n, d) and targets (n, k) row-major; classification targets are +-1. */
typedef struct ibp__csvinfo { int rows, cols; } ibp__csvinfo;
/* Validate CSV text (header row, then numeric rows; the last k columns are targets) and count
 * it. Errors name the line and column: "data CSV line 7, column 3 ("x2"): "abc" is not a number". */
int ibp__csv_scan(const char *text, int k, ibp__csvinfo *info, char *err, size_t errlen);

typedef struct ibp__data {
    int n, n_test, d, k;
    double *x, *y;       /* (n, d), (n, k) training set */
    double *xt, *yt;     /* (n_test, d), (n_test, k) test set */
    double *wstar;       /* (d, k) OLS solution of the training set when it exists, else NULL */
    double *gen;         /* generator state for online sampling. teacher: sqrt(s_i) (d), target
                          * mean (k), std (k), then W (d,k) (linear), B (d,k) (sin) or W1 (width,d)
                          * and W2 (k,width) (tanh_mlp); separable/flip: unit w (d). */
    int online_ok;       /* the generator can draw fresh samples */
} ibp__data;
/* Doubles needed for storage + generator state + scratch (from the config and the CSV info). */
size_t ibp__data_doubles(const ibp__config *c, const ibp__csvinfo *csv);
/* Bind D to storage (ibp__data_doubles of them) and generate or load the data. */
int ibp__data_build(ibp__data *D, const ibp__config *c, const char *csv, const ibp__csvinfo *info,
                    double *storage, char *err, size_t errlen);
/* Read the next row of validated CSV text, skipping blank lines: its first d numbers into x (d,)
 * and the last k into y (k,); with x == NULL skip the header line instead. Returns where the
 * following line starts. */
const char *ibp__csv_next_row(const char *p, int d, int k, double *x, double *y);
/* Online sampling: n fresh samples from the data distribution (teacher + noise, ...). */
void ibp__data_sample(const ibp__data *D, const ibp__config *c, ibp_rng *rng, int n, double *x,
                      double *y);
/* Write a set as CSV ("x1,...,xd,y1,...,yk" header, shortest round-trip numbers). */
size_t ibp__data_csv(const ibp__data *D, int test, char *buf, size_t cap);

/* ------------------------------------------------------------------------------------------ */
/* Losses (loss.c), mean over the n samples (see the conventions in ibp.h). */
/* Loss of outputs f (n, k) against targets y (n, k); g = dL/df (n, k) when g != NULL. */
double ibp__loss(int loss, const double *f, const double *y, int n, int k, double *g);
/* Diagonal curvature d2L/df2 (n, k): the loss Hessian with respect to f is diagonal for every
 * loss here. */
void ibp__loss_curv(int loss, const double *f, const double *y, int n, int k, double *h);

/* ------------------------------------------------------------------------------------------ */
/* Models. A layer h computes z_h = alpha_h W_h a_{h-1} (+ b_h), a_h = act(z_h) for every layer
 * but the last; f = z_last. W_h (rows, cols) = (fan_out, fan_in). A fixed head is a last layer
 * whose weights are not in theta. Linear nets are act = identity without biases. */
#define IBP__MAX_LAYERS (IBP__MAX_DEPTH + 1)
typedef struct ibp__layer {
    char name[8];         /* "W1", ...; "X", "Y" for mf */
    int rows, cols;       /* (fan_out, fan_in) */
    long off;             /* offset of W in theta, -1 when fixed */
    long boff;            /* offset of the bias (rows,) in theta, -1 when none */
    double alpha;         /* forward prefactor (NTK parameterization), 1 otherwise */
    double *fixed;        /* (rows, cols) values when off == -1 */
} ibp__layer;

typedef struct ibp__batch {
    const double *x; /* (n, d) */
    const double *y; /* (n, k) */
    int n;
} ibp__batch;

typedef struct ibp__model {
    int kind, loss, act;
    double act_param;
    int d, k;             /* input and output dimension */
    int nl;               /* number of layers, a fixed head included */
    ibp__layer L[IBP__MAX_LAYERS];
    long P;               /* trained parameters */
    int nmax;             /* largest batch the workspace holds */
    double *ws;           /* workspace (ibp__model_ws_doubles(m, nmax) doubles) */
    /* mf: L = 1/2 ||A - X Y^T||_F^2 with X = L[0] (rows, r), Y = L[1] (cols, r) */
    int mf_rows, mf_cols, mf_r;
    double *A;            /* (mf_rows, mf_cols) */
} ibp__model;

/* Fill the layer table and P from the config (no allocation; fixed arrays bound later). */
int ibp__model_setup(ibp__model *m, const ibp__config *c, char *err, size_t errlen);
size_t ibp__model_fixed_doubles(const ibp__model *m); /* fixed head + mf target */
void ibp__model_bind_fixed(ibp__model *m, double *fixed);
size_t ibp__model_ws_doubles(const ibp__model *m, int nmax);
void ibp__model_bind_ws(ibp__model *m, double *ws, int nmax);
/* Outputs f (n, k) of inputs x (n, d); n <= nmax. */
void ibp__model_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
/* Loss on the batch; the exact gradient (P,) when grad != NULL. */
double ibp__model_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad);
/* The same, and for an MLP also the outputs on the batch into f (b->n, k), bit for bit those of
 * ibp__model_forward (the forward pass is the same one). Returns the loss; *have_f says whether
 * f was written (other families: never). */
double ibp__model_loss_grad_f(ibp__model *m, const double *theta, const ibp__batch *b,
                              double *grad, double *f, int *have_f);
/* Exact Hessian-vector product hv = H v of the batch loss (Pearlmutter R-operator). */
void ibp__model_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                    double *hv);
/* Gauss-Newton product J^T D J v / n; with ntk != 0 the loss curvature D is replaced by the
 * identity so the operator is the NTK Theta/n (same nonzero spectrum, acting on parameters). */
void ibp__model_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                     double *out, int ntk);
/* Family implementations (dispatched by ibp__model_*). */
size_t ibp__linear_ws_doubles(const ibp__model *m, int nmax);
void ibp__linear_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
double ibp__linear_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad);
void ibp__linear_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *hv);
void ibp__linear_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *out, int ntk);
size_t ibp__mlp_ws_doubles(const ibp__model *m, int nmax);
void ibp__mlp_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
double ibp__mlp_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad,
                         double *f /* (n, k) or NULL: a copy of the outputs */);
void ibp__mlp_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *hv);
void ibp__mlp_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *out, int ntk);
size_t ibp__mf_ws_doubles(const ibp__model *m, int nmax);
double ibp__mf_loss_grad(ibp__model *m, const double *theta, double *grad);
void ibp__mf_hvp(ibp__model *m, const double *theta, const double *v, double *hv);
void ibp__mf_gnvp(ibp__model *m, const double *theta, const double *v, double *out);
/* Activation and its first two derivatives, elementwise over n values (vectorized). */
void ibp__act_fwd(int act, double prm, const double *z, double *a, long n);
void ibp__act_d1(int act, double prm, const double *z, double *d1, long n);
void ibp__act_d2(int act, double prm, const double *z, double *d2, long n);
/* a = act(z), d1 = act'(z) and, when d2 != NULL, d2 = act''(z) in one pass (shares e.g. tanh's
 * exponential): the same bits as the three functions above. Outputs may alias z, elementwise. */
void ibp__act_derivs(int act, double prm, const double *z, double *a, double *d1, double *d2,
                     long n);

/* Initial parameters (init.c): fills theta (P,) and the fixed arrays (head, mf target) that
 * depend on the init stream. init_json is the params JSON for init=file. */
int ibp__model_init(ibp__model *m, const ibp__config *c, double *theta, const char *init_json,
                    double *scratch, char *err, size_t errlen);
size_t ibp__model_init_scratch(const ibp__model *m, const ibp__config *c);

/* ------------------------------------------------------------------------------------------ */
/* Lanczos (lanczos.c) on a symmetric operator given as a matvec callback. */
typedef void (*ibp__matvec)(void *ctx, const double *v /* (P,) */, double *out /* (P,) */);
typedef struct ibp__eigres {
    int k;                            /* eigenpairs reported */
    double val[IBP__MAX_TOPK];        /* largest algebraic eigenvalues, descending */
    double resid[IBP__MAX_TOPK];      /* residual bounds |beta_m s_mi| */
    int converged[IBP__MAX_TOPK];
    double vmin, vmin_resid;          /* smallest algebraic eigenvalue (when asked) */
    int vmin_converged;
    int matvecs;                      /* operator applications used */
    int restarts;                     /* thick restarts performed */
} ibp__eigres;
typedef struct ibp__lanczos ibp__lanczos;
size_t ibp__lanczos_bytes(long P, int max_krylov, int topk);
ibp__lanczos *ibp__lanczos_bind(void *mem, long P, int max_krylov, int topk);
/* Top-k (and optionally the smallest) eigenvalues to relative residual tol. warm != 0 starts
 * from the previous call's Ritz vectors plus seeded noise; otherwise a seeded random start.
 * Returns 0 when out holds estimates (out->converged says which met tol; out->k = min(k, P)),
 * -1 on bad arguments (k outside 1..topk, tol <= 0), -2 when the operator returned non-finite
 * values (out->val NaN; the next warm start falls back to a cold one). max_krylov < topk + 3 is raised to topk + 3 (then capped at P). */
int ibp__lanczos_run(ibp__lanczos *lz, ibp__matvec mv, void *ctx, int k, int want_min, double tol,
                     int warm, ibp_rng *rng, ibp__eigres *out);
/* Ritz vector (P,) of the last successful run: i in [0, out->k) in out->val order, i = -1 the
 * smallest (when it was asked); NULL otherwise. Valid until the next run. */
const double *ibp__lanczos_ritz(const ibp__lanczos *lz, int i);
/* Operator applications allowed per run (default 20 * max Krylov size). */
void ibp__lanczos_set_max_matvecs(ibp__lanczos *lz, long max_matvecs);
/* Test diagnostic: when on, each run records max |V^T V - I| over its final Krylov basis
 * (costs m^2 P flops), returned by ibp__lanczos_ortho. */
void ibp__lanczos_set_check(ibp__lanczos *lz, int on);
double ibp__lanczos_ortho(const ibp__lanczos *lz);

/* ------------------------------------------------------------------------------------------ */
/* Formatting (fmt.c) */
/* Append to a snprintf-style buffer: tracks the needed length even when cap is exceeded. */
typedef struct ibp__buf { char *p; size_t cap, len; } ibp__buf;
void ibp__buf_puts(ibp__buf *b, const char *s);
void ibp__buf_printf(ibp__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ibp__buf_double(ibp__buf *b, double x); /* shortest round-trip */
void ibp__buf_json_str(ibp__buf *b, const char *s);   /* a JSON string literal: quotes, escapes */
void ibp__buf_json_chars(ibp__buf *b, const char *s); /* the same without the quotes */
size_t ibp__buf_finish(ibp__buf *b);         /* NUL-terminates; returns the needed length */

#endif /* IBP_INTERNAL_H */
