/* linalg.c -- small dense linear algebra: Cholesky solve, random orthonormal frames.
 *
 * Sizes here are small (d x d Gram matrices, one layer's weights), so plain loops with fixed
 * sequential summation orders are used: the bits are the same on every build. */
#include <float.h>
#include <string.h>
#include "numerics/numerics.h"

/* ------------------------------------------------------------------------------------------ */
/* Cholesky solve */

int ibp__chol_solve(int n, int k, const double *S /* (n, n) */, const double *b /* (n, k) */,
                    double *w /* (n, k) */, double *scratch /* n*n */) {
    double *L = scratch; /* (n, n), lower triangle used */
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
            double s = S[(size_t)i * n + j];
            for (int p = 0; p < j; p++) s -= L[(size_t)i * n + p] * L[(size_t)j * n + p];
            if (i == j) {
                /* A pivot that lost all but a few ulps of its diagonal means column i is a linear
                 * combination of the earlier ones up to rounding: the solution would be noise. */
                double sii = S[(size_t)i * n + i];
                if (!(s > 4.0 * (n + 1) * DBL_EPSILON * sii) || !ibp__isfinite(s)) return -1;
                L[(size_t)i * n + i] = ibp__sqrt(s);
            } else {
                L[(size_t)i * n + j] = s / L[(size_t)j * n + j];
            }
        }
    }
    if (w != b) memmove(w, b, (size_t)n * k * sizeof(double));
    for (int c = 0; c < k; c++) {
        for (int i = 0; i < n; i++) { /* L z = b */
            double s = w[(size_t)i * k + c];
            for (int p = 0; p < i; p++) s -= L[(size_t)i * n + p] * w[(size_t)p * k + c];
            w[(size_t)i * k + c] = s / L[(size_t)i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) { /* L^T w = z */
            double s = w[(size_t)i * k + c];
            for (int p = i + 1; p < n; p++) s -= L[(size_t)p * n + i] * w[(size_t)p * k + c];
            w[(size_t)i * k + c] = s / L[(size_t)i * n + i];
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Haar-distributed orthonormal columns.
 * G (rows, cols) is drawn row-major from rng (ibp__rng_normal). G = Q R by Householder; Q's
 * column j is then multiplied by sign(R_jj), which makes the factorization the unique one with
 * R_jj > 0. Without that fix Q is biased (Householder's choice of reflection makes R_11 < 0
 * always, so Q_11 = -|g_11|/||g_1||); with it Q is exactly Haar (Mezzadri 2007). */

void ibp__random_orthonormal(int rows, int cols, ibp_rng *rng, double *Q /* (rows, cols) */,
                             double *scratch /* rows*cols + rows */) {
    IBP_CHECK(rows >= cols && cols >= 0);
    double *A = scratch;                        /* (rows, cols): G, then unit reflectors below */
    double *rdiag = scratch + (size_t)rows * cols; /* (cols,) R_jj */
    for (size_t i = 0; i < (size_t)rows * cols; i++) A[i] = ibp__rng_normal(rng);

    for (int j = 0; j < cols; j++) {
        double nrm2 = 0;
        for (int i = j; i < rows; i++) nrm2 += A[(size_t)i * cols + j] * A[(size_t)i * cols + j];
        double nrm = ibp__sqrt(nrm2);
        double x0 = A[(size_t)j * cols + j];
        if (nrm == 0) { /* zero column (probability 0): identity reflector, R_jj = 0 */
            rdiag[j] = 0;
            for (int i = j; i < rows; i++) A[(size_t)i * cols + j] = 0;
            continue;
        }
        /* alpha = -sign(x0) ||x|| avoids cancellation in v0 = x0 - alpha */
        double alpha = x0 >= 0 ? -nrm : nrm;
        rdiag[j] = alpha;
        A[(size_t)j * cols + j] = x0 - alpha;
        double vn2 = 0;
        for (int i = j; i < rows; i++) vn2 += A[(size_t)i * cols + j] * A[(size_t)i * cols + j];
        double inv = 1.0 / ibp__sqrt(vn2);
        for (int i = j; i < rows; i++) A[(size_t)i * cols + j] *= inv; /* unit v: H = I - 2 v v^T */
        for (int c = j + 1; c < cols; c++) { /* apply H to the remaining columns */
            double s = 0;
            for (int i = j; i < rows; i++) s += A[(size_t)i * cols + j] * A[(size_t)i * cols + c];
            s *= 2.0;
            for (int i = j; i < rows; i++) A[(size_t)i * cols + c] -= s * A[(size_t)i * cols + j];
        }
    }

    /* Q = H_0 H_1 ... H_{cols-1} [I; 0], applied right to left */
    memset(Q, 0, (size_t)rows * cols * sizeof(double));
    for (int j = 0; j < cols; j++) Q[(size_t)j * cols + j] = 1.0;
    for (int j = cols - 1; j >= 0; j--) {
        for (int c = j; c < cols; c++) { /* columns < j of Q are still e_c: untouched by H_j */
            double s = 0;
            for (int i = j; i < rows; i++) s += A[(size_t)i * cols + j] * Q[(size_t)i * cols + c];
            s *= 2.0;
            for (int i = j; i < rows; i++) Q[(size_t)i * cols + c] -= s * A[(size_t)i * cols + j];
        }
    }
    for (int j = 0; j < cols; j++)
        if (rdiag[j] < 0)
            for (int i = 0; i < rows; i++) Q[(size_t)i * cols + j] = -Q[(size_t)i * cols + j];
}
