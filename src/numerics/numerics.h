/* numerics.h -- the numerical layer: PRNG (rng.c), elementary functions (mathf.c, vmath.h),
 * kernels (kernels.c), dense linear algebra (linalg.c, eig.c) and Lanczos (lanczos.c). The SIMD
 * vocabulary is simd.h; spectral estimators on a matvec are in spectral.h. */
#ifndef IBP_NUMERICS_H
#define IBP_NUMERICS_H
#include "base/base.h"

#define IBP__MAX_TOPK 10 /* eigenpairs one Lanczos run reports at most */

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
    IBP__STREAM_PROBES = 8, IBP__STREAM_ONLINE = 9, IBP__STREAM_REF_HESSIAN = 10,
    IBP__STREAM_REF_NTK = 11, IBP__STREAM_ROTATION = 12, IBP__STREAM_FLOW = 13
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
/* The same products with an operand packed once for many calls (same bits):
 *   B packed by ibp__gemm_pack_b (K * (N & ~1) doubles; an odd last column is read from B);
 *   A^T of gemm_tn written by the caller straight in the kernel's layout, for N even, M >= 2:
 *   element (i, k) at Ap[k0 Mp + (i / 2) 2 kc + 2 (k - k0) + i % 2], k in the chunk
 *   [k0, k0 + kc), k0 a multiple of IBP__GEMM_KC, kc = min(IBP__GEMM_KC, K - k0), Mp = M + M % 2. */
#define IBP__GEMM_KC 128
long ibp__gemm_packed_b_doubles(int K, int N);
void ibp__gemm_pack_b(int K, int N, const double *B /* (K,N) */, double *Bp);
void ibp__gemm_nn_pb(int M, int N, int K, const double *A /* (M,K) */, const double *B /* (K,N) */,
                     const double *Bp, double *C /* (M,N) */, int acc);
void ibp__gemm_tn_pa(int M, int N, int K, const double *Ap, const double *B /* (K,N) */,
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
/* Lanczos' Gram-Schmidt pair over rows of V (stride ldv), one sweep: w += sum_i cu[i] V_{u0+i}
 * (i < nu ascending: the bits of nu axpys), then hd[i] = V_i . w (i < nd) and *ss = w . w when
 * ss != NULL (the bits of ibp__dot, ibp__sumsq). part: 4 nd doubles of scratch. */
void ibp__gemv_pair(long n, const double *V, long ldv, int u0, int nu, const double *cu,
                    double *w, int nd, double *hd, double *ss, double *part);

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
/* Lanczos (lanczos.c) on a symmetric operator given as a matvec callback. */
typedef void (*ibp__matvec)(void *ctx, const double *v /* (P,) */, double *out /* (P,) */);
typedef struct ibp__eigres {
    int k;                            /* eigenpairs reported */
    double val[IBP__MAX_TOPK];        /* largest algebraic eigenvalues, descending */
    double resid[IBP__MAX_TOPK];      /* |beta_m s_mi| + the operator's rounding level */
    int converged[IBP__MAX_TOPK];
    double vmin, vmin_resid;          /* smallest algebraic eigenvalue (when asked) */
    int vmin_converged;
    int matvecs;                      /* operator applications used */
    int restarts;                     /* thick restarts performed */
} ibp__eigres;
typedef struct ibp__lanczos ibp__lanczos;
size_t ibp__lanczos_bytes(long P, int max_krylov, int topk);
ibp__lanczos *ibp__lanczos_bind(void *mem, long P, int max_krylov, int topk);
/* Top-k (and optionally the smallest) eigenvalues to relative residual tol. start: IBP__LZ_COLD
 * (a seeded random vector, plus the hint's direction when one is set), IBP__LZ_WARM (the previous
 * call's Ritz vectors plus seeded noise) or IBP__LZ_GIVEN (the vector written at
 * ibp__lanczos_start(lz) plus seeded noise). Each resid is |beta s| plus the operator's rounding
 * level eps (4 sqrt(P) + 32) ||A||: a bound on the distance from the value to an eigenvalue of
 * the exact operator. Returns 0 when out holds estimates (out->converged says which met tol;
 * out->k = min(k, P)), -1 on bad arguments (k outside 1..topk, tol <= 0), -2 when the operator
 * returned non-finite values (out->val NaN; the next warm start falls back to a cold one).
 * max_krylov < topk + 3 is raised to topk + 3 (then capped at P). */
enum { IBP__LZ_COLD, IBP__LZ_WARM, IBP__LZ_GIVEN };
int ibp__lanczos_run(ibp__lanczos *lz, ibp__matvec mv, void *ctx, int k, int want_min, double tol,
                     int start, ibp_rng *rng, ibp__eigres *out);
/* Block Krylov eigensolver (blockeig.c) for clustered top eigenvalues: a block of b start vectors
 * resolves a cluster of up to b nearly equal eigenvalues, which a single-vector Lanczos run sees
 * once. Top k <= b eigenpairs to relative residual tol (||A y - theta y|| <= tol |theta|, floored
 * at the operator's rounding level); warm != 0 starts from the previous run's top b Ritz vectors
 * plus seeded noise (cold: a seeded random block). Same result struct and return codes as
 * ibp__lanczos_run; the Ritz vectors (unit, descending, b of them) at ibp__blockeig_vec. */
typedef struct ibp__blockeig ibp__blockeig;
size_t ibp__blockeig_bytes(long P, int b, int max_basis);
ibp__blockeig *ibp__blockeig_bind(void *mem, long P, int b, int max_basis);
int ibp__blockeig_run(ibp__blockeig *z, ibp__matvec mv, void *ctx, int k, double tol, int warm, ibp_rng *rng,
                      ibp__eigres *out);
const double *ibp__blockeig_vec(const ibp__blockeig *z, int i);
/* Where a given start goes: (P,), row 0 of the basis (it overwrites the first Ritz vector). */
double *ibp__lanczos_start(ibp__lanczos *lz);
/* Make the vector at ibp__lanczos_start the last run's one Ritz vector (a top pair found
 * elsewhere, e.g. by another solve on the same operator): warm starts and the accessor use it. */
void ibp__lanczos_adopt(ibp__lanczos *lz);
/* Relative norm of the noise added to warm and given starts (default 1e-3; 0: none). */
void ibp__lanczos_set_noise(ibp__lanczos *lz, double rel);
/* Direction (P,) added to cold starts (NULL: none); read during runs, kept by the caller. */
void ibp__lanczos_set_hint(ibp__lanczos *lz, const double *hint);
/* Ritz vector (P,) of the last successful run: i in [0, out->k) in out->val order, i = -1 the
 * smallest (when it was asked); NULL otherwise. Valid until the next run. */
const double *ibp__lanczos_ritz(const ibp__lanczos *lz, int i);
/* Operator applications allowed per run (default 20 * max Krylov size). */
void ibp__lanczos_set_max_matvecs(ibp__lanczos *lz, long max_matvecs);
/* Test diagnostic: when on, each run records max |V^T V - I| over its final Krylov basis
 * (costs m^2 P flops), returned by ibp__lanczos_ortho. */
void ibp__lanczos_set_check(ibp__lanczos *lz, int on);
double ibp__lanczos_ortho(const ibp__lanczos *lz);

#endif /* IBP_NUMERICS_H */
