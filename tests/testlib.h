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

#define T_CHECK(cond, ...) t_record(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
#define T_CLOSE(a, b, atol, rtol)                                                           \
    do {                                                                                    \
        double t__a = (a), t__b = (b);                                                      \
        t_record(t_close(t__a, t__b, (atol), (rtol)), __FILE__, __LINE__, #a " ~ " #b,      \
                 "%.17g vs %.17g (diff %.3g, atol %.3g, rtol %.3g)", t__a, t__b, t__a - t__b, \
                 (double)(atol), (double)(rtol));                                           \
    } while (0)
#endif
