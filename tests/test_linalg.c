/* test_linalg.c -- Cholesky solve and Haar-random orthonormal frames (src/linalg.c).
 *
 * References are independent: Gaussian elimination with partial pivoting in long double for the
 * solves; for the frames, the defining properties (Q^T Q = I, Q R = G with R upper triangular and
 * R_ii > 0, where G is the Gaussian matrix redrawn from the same stream) and the moments of the
 * Haar measure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "numerics/numerics.h"
#include "testlib.h"

/* Reference solve of A x = b (n, n) by Gaussian elimination with partial pivoting, long double. */
static void ref_solve(int n, const double *A, const double *b, double *x) {
    long double *M = malloc(sizeof(long double) * (size_t)n * (n + 1));
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) M[i * (n + 1) + j] = A[i * n + j];
        M[i * (n + 1) + n] = b[i];
    }
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabsl(M[r * (n + 1) + c]) > fabsl(M[piv * (n + 1) + c])) piv = r;
        for (int j = 0; j <= n; j++) {
            long double t = M[c * (n + 1) + j];
            M[c * (n + 1) + j] = M[piv * (n + 1) + j];
            M[piv * (n + 1) + j] = t;
        }
        for (int r = c + 1; r < n; r++) {
            long double f = M[r * (n + 1) + c] / M[c * (n + 1) + c];
            for (int j = c; j <= n; j++) M[r * (n + 1) + j] -= f * M[c * (n + 1) + j];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        long double s = M[i * (n + 1) + n];
        for (int j = i + 1; j < n; j++) s -= M[i * (n + 1) + j] * x[j];
        x[i] = (double)(s / M[i * (n + 1) + i]);
    }
    free(M);
}

/* S = A^T A + shift I with A (m, n) standard normal: SPD, condition number modest for m >> n. */
static void random_spd(int n, int m, double shift, uint64_t *st, double *S) {
    double *A = malloc(sizeof(double) * (size_t)m * n);
    for (int i = 0; i < m * n; i++) A[i] = t_rand_normal(st);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int r = 0; r < m; r++) s += A[r * n + i] * A[r * n + j];
            S[i * n + j] = s + (i == j ? shift : 0);
        }
    free(A);
}

static void test_chol(void) {
    uint64_t st = 11;
    int sizes[] = {1, 2, 5, 17, 40};
    for (int t = 0; t < 5; t++) {
        int n = sizes[t], k = 3;
        double *S = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * k),
               *w = malloc(sizeof(double) * n * k), *sc = malloc(sizeof(double) * n * n),
               *col = malloc(sizeof(double) * n), *ref = malloc(sizeof(double) * n);
        random_spd(n, 2 * n + 5, 0.5, &st, S);
        for (int i = 0; i < n * k; i++) b[i] = t_rand_normal(&st);
        T_CHECK(ibp__chol_solve(n, k, S, b, w, sc) == 0, "n=%d", n);
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < n; i++) col[i] = b[i * k + c];
            ref_solve(n, S, col, ref);
            for (int i = 0; i < n; i++) col[i] = w[i * k + c];
            /* cond(S) <= ~(sqrt(3n+5)+sqrt(n))^2/(sqrt(3n+5)-sqrt(n))^2 + shift effects < 100 here;
             * a backward-stable solve is then accurate to ~cond * n * eps < 1e-12 */
            double e = t_relerr(col, ref, n);
            T_CHECK(e <= 1e-12, "n=%d rhs %d: relative error %.3g vs pivoted elimination", n, c, e);
            /* residual S w - b against the size of S w */
            double rmax = 0, smax = 0;
            for (int i = 0; i < n; i++) {
                double r = -b[i * k + c], s = 0;
                for (int j = 0; j < n; j++) {
                    r += S[i * n + j] * w[j * k + c];
                    s += fabs(S[i * n + j] * w[j * k + c]);
                }
                rmax = fmax(rmax, fabs(r));
                smax = fmax(smax, s);
            }
            T_CHECK(rmax <= 8 * n * 2.2e-16 * smax, "n=%d residual %.3g (scale %.3g)", n, rmax, smax);
        }
        /* in place: w == b */
        memcpy(w, b, sizeof(double) * n * k);
        double *w2 = malloc(sizeof(double) * n * k);
        ibp__chol_solve(n, k, S, b, w2, sc);
        T_CHECK(ibp__chol_solve(n, k, S, w, w, sc) == 0 && t_same_bits(w, w2, n * k), "aliasing n=%d", n);
        free(w2);
        free(S); free(b); free(w); free(sc); free(col); free(ref);
    }

    /* Hilbert matrix n = 8 (cond ~ 1.5e10): still PD numerically; backward stable residual */
    {
        int n = 8;
        double S[64], b[8], w[8], sc[64];
        for (int i = 0; i < n; i++) {
            b[i] = 1;
            for (int j = 0; j < n; j++) S[i * n + j] = 1.0 / (i + j + 1);
        }
        T_CHECK(ibp__chol_solve(n, 1, S, b, w, sc) == 0, "Hilbert 8 is PD");
        double rmax = 0;
        for (int i = 0; i < n; i++) {
            double r = -b[i];
            for (int j = 0; j < n; j++) r += S[i * n + j] * w[j];
            rmax = fmax(rmax, fabs(r));
        }
        /* |S||w| ~ 1e9 here; a backward stable solve leaves a residual of a few eps times that */
        T_CHECK(rmax <= 1e-5, "Hilbert residual %.3g", rmax);
    }

    /* not positive definite */
    {
        double sc[16], w[4];
        double indef[4] = {1, 2, 2, 1};              /* eigenvalues 3, -1 */
        double zero[4] = {0, 0, 0, 0};
        double neg[1] = {-1};
        double nanm[4] = {1, 0, 0, NAN};
        double b[4] = {1, 1, 1, 1};
        T_CHECK(ibp__chol_solve(2, 1, indef, b, w, sc) == -1, "indefinite");
        T_CHECK(ibp__chol_solve(2, 1, zero, b, w, sc) == -1, "zero matrix");
        T_CHECK(ibp__chol_solve(1, 1, neg, b, w, sc) == -1, "negative 1x1");
        T_CHECK(ibp__chol_solve(2, 1, nanm, b, w, sc) == -1, "NaN entry");
        /* Gram matrix of X with a repeated column: singular up to rounding */
        uint64_t st2 = 5;
        double X[20 * 3], G[9];
        for (int i = 0; i < 20; i++) {
            X[i * 3] = t_rand_normal(&st2);
            X[i * 3 + 1] = t_rand_normal(&st2);
            X[i * 3 + 2] = 0.1 * X[i * 3] - 3 * X[i * 3 + 1];
        }
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int i = 0; i < 20; i++) s += X[i * 3 + a] * X[i * 3 + c];
                G[a * 3 + c] = s;
            }
        T_CHECK(ibp__chol_solve(3, 1, G, b, w, sc) == -1, "rank-deficient Gram matrix");
    }
}

static void test_orthonormal(void) {
    int shapes[][2] = {{1, 1}, {5, 5}, {10, 3}, {50, 50}, {200, 20}, {7, 1}};
    for (int t = 0; t < 6; t++) {
        int rows = shapes[t][0], cols = shapes[t][1];
        double *Q = malloc(sizeof(double) * rows * cols), *G = malloc(sizeof(double) * rows * cols);
        double *sc = malloc(sizeof(double) * (rows * cols + rows));
        ibp_rng r;
        ibp__rng_seed(&r, 42 + t, IBP__STREAM_INIT);
        ibp__random_orthonormal(rows, cols, &r, Q, sc);
        ibp__rng_seed(&r, 42 + t, IBP__STREAM_INIT);
        for (int i = 0; i < rows * cols; i++) G[i] = ibp__rng_normal(&r);
        double orth = 0, lower = 0, qr = 0, gmax = t_maxabs(G, rows * cols);
        int diagpos = 1;
        for (int a = 0; a < cols; a++)
            for (int b = 0; b < cols; b++) {
                long double s = 0, rr = 0; /* Q^T Q and R = Q^T G in long double */
                for (int i = 0; i < rows; i++) {
                    s += (long double)Q[i * cols + a] * Q[i * cols + b];
                    rr += (long double)Q[i * cols + a] * G[i * cols + b];
                }
                orth = fmax(orth, fabs((double)s - (a == b)));
                if (a > b) lower = fmax(lower, fabs((double)rr));
                if (a == b && !(rr > 0)) diagpos = 0;
            }
        for (int i = 0; i < rows; i++) /* Q (Q^T G) = G: G lies in the span with R from Q */
            for (int b = 0; b < cols; b++) {
                long double s = 0;
                for (int a = 0; a < cols; a++) {
                    long double rr = 0;
                    for (int j = 0; j < rows; j++) rr += (long double)Q[j * cols + a] * G[j * cols + b];
                    s += Q[i * cols + a] * rr;
                }
                qr = fmax(qr, fabs((double)s - G[i * cols + b]));
            }
        /* Householder QR is orthogonal to O(rows * eps) ~ 1e-14 at rows = 50; the sums are
         * evaluated in long double so the check adds no error of its own */
        T_CHECK(orth <= 1e-14, "%dx%d: max |Q^T Q - I| = %.3g", rows, cols, orth);
        T_CHECK(lower <= 1e-13 * gmax * sqrt(rows), "%dx%d: R below diagonal %.3g", rows, cols, lower);
        T_CHECK(qr <= 1e-13 * gmax * sqrt(rows), "%dx%d: |Q R - G| = %.3g", rows, cols, qr);
        T_CHECK(diagpos, "%dx%d: R_ii > 0 (sign fix)", rows, cols);
        free(Q); free(G); free(sc);
    }

    /* Haar moments on O(3) over M draws: E Q_ij = 0, E Q_ij^2 = 1/3, E det = 0 (the last two
     * would fail without the sign fix: Householder alone gives Q_11 < 0 and det = (-1)^n always).
     * Standard errors: Q_ij: sqrt(1/3 / M); Q_ij^2: sqrt(Var) with Var = 1/5 - 1/9 (x^2 on the
     * sphere is Beta(1/2, 1)); det = +-1: 1/sqrt(M). Tolerance 5 standard errors. */
    {
        const int M = 20000;
        double sum[9] = {0}, sum2[9] = {0}, sdet = 0, Q[9], sc[12];
        ibp_rng r;
        ibp__rng_seed(&r, 7, IBP__STREAM_INIT);
        for (int m = 0; m < M; m++) {
            ibp__random_orthonormal(3, 3, &r, Q, sc);
            for (int i = 0; i < 9; i++) {
                sum[i] += Q[i];
                sum2[i] += Q[i] * Q[i];
            }
            sdet += Q[0] * (Q[4] * Q[8] - Q[5] * Q[7]) - Q[1] * (Q[3] * Q[8] - Q[5] * Q[6]) +
                    Q[2] * (Q[3] * Q[7] - Q[4] * Q[6]);
        }
        double se1 = sqrt(1.0 / 3 / M), se2 = sqrt((1.0 / 5 - 1.0 / 9) / M), se3 = 1 / sqrt((double)M);
        for (int i = 0; i < 9; i++) {
            T_CLOSE(sum[i] / M, 0.0, 5 * se1, 0);
            T_CLOSE(sum2[i] / M, 1.0 / 3, 5 * se2, 0);
        }
        T_CLOSE(sdet / M, 0.0, 5 * se3, 0);
    }

    /* determinism: the same stream gives the same bits */
    {
        double Q1[40], Q2[40], sc[48];
        ibp_rng r1, r2;
        ibp__rng_seed(&r1, 3, IBP__STREAM_INIT);
        ibp__rng_seed(&r2, 3, IBP__STREAM_INIT);
        ibp__random_orthonormal(8, 5, &r1, Q1, sc);
        ibp__random_orthonormal(8, 5, &r2, Q2, sc);
        T_CHECK(t_same_bits(Q1, Q2, 40), "same seed, same bits");
    }
}

int main(void) {
    test_chol();
    test_orthonormal();
    return t_summary();
}
