/* testlib.h -- the one tolerance helper and the pass/fail counters every test binary uses.
 *
 *   close(a, b, atol, rtol)  <=>  |a - b| <= atol + rtol * |b|      (b is the reference)
 *
 * A test binary calls T_CHECK / T_CLOSE as often as it likes and ends with
 * `return t_summary();`, which prints "N passed, N failed" and returns nonzero on any failure.
 * Failures print file:line, the expression and the numbers involved. */
#ifndef IBP_TESTLIB_H
#define IBP_TESTLIB_H
#include <stdint.h>
#include <stdio.h>
#include "ibp.h"
#include "models/models.h"

int t_close(double a, double b, double atol, double rtol);     /* the tolerance rule above */
double t_relerr(const double *a, const double *b, long n);      /* ||a - b|| / max(||b||, tiny) */
double t_maxabs(const double *a, long n);
void t_record(int ok, const char *file, int line, const char *what, const char *fmt, ...);
int t_summary(void);
int t_failed(void);
uint64_t t_bits(double x);
int t_same_bits(const double *a, const double *b, long n);      /* bitwise equal arrays */
/* The independent reference eigensolver of the tests: cyclic Jacobi (Golub & Van Loan 8.5),
 * rotations until the off-diagonal mass is below 1e-36 of the total, so eigenvalues are accurate
 * to a few eps ||A|| and eigenvectors to eps ||A|| / gap. Eigenvalues ascending in w (n,),
 * eigenvectors as the columns of V (n, n) when V != NULL; A (n, n) symmetric, destroyed. */
void t_jacobi_eigh(int n, double *A, double *w, double *V);
/* Deterministic test-side random numbers (independent of the engine's rng). */
double t_rand_normal(uint64_t *state);
double t_rand_uniform(uint64_t *state);
/* Random orthogonal Q (n, n): modified Gram-Schmidt, twice, of a Gaussian matrix from state. */
void t_rand_orth(int n, double *Q, uint64_t *state);
/* A = Q diag(lam) Q^T (n, n), malloc'd, with Q from t_rand_orth: a known spectrum lam (n,). */
double *t_with_spectrum(int n, const double *lam, uint64_t *state);
/* Plain sequential sums, for references independent of the engine's kernels. */
double t_dot(const double *a, const double *b, long n);
double t_norm2(const double *a, long n);
/* A run of config cfg (data CSV and params JSON may be NULL); a failure is a failed check and
 * gives NULL. */
ibp_run *t_run(const char *cfg, const char *csv, const char *init);
/* One SGD step of r, a 3-3-1 deep linear net f = U W x (science.md C1), and the worst deviation
 * of U^T U - W W^T from its one-step prediction D + eta^2 (G_U^T G_U - G_W G_W^T), relative to
 * ||theta||^2. */
double t_c1_matrix_step(ibp_run *r, double eta);
/* ||Hu - (g(theta + h u) - g(theta - h u)) / 2h||: an exact HVP hu (P,) against central
 * differences of the exact gradient along u (P,). theta is restored. */
double t_hvp_fd_error(ibp__model *m, double *theta, const ibp__batch *b, const double *u, const double *hu,
                      double h);
/* A dense symmetric operator A (n, n) as a matvec for Lanczos and the spectral tools; it counts
 * its calls and, from call `poison` on (0: never), writes poison_value into out[n/2]. */
typedef struct t_dense {
    int n;
    const double *A;
    long calls;
    long poison;
    double poison_value;
} t_dense;
void t_dense_mv(void *ctx, const double *v, double *out);
void *t_aligned_alloc(size_t bytes); /* 16-byte aligned, like an arena slice; free() it */

#define T_CHECK(cond, ...) t_record(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
#define T_CLOSE(a, b, atol, rtol)                                                           \
    do {                                                                                    \
        double t__a = (a), t__b = (b);                                                      \
        t_record(t_close(t__a, t__b, (atol), (rtol)), __FILE__, __LINE__, #a " ~ " #b,      \
                 "%.17g vs %.17g (diff %.3g, atol %.3g, rtol %.3g)", t__a, t__b, t__a - t__b, \
                 (double)(atol), (double)(rtol));                                           \
    } while (0)
#endif
