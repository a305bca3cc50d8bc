/* test_eig.c -- the dense symmetric eigensolver (ibp__eigh) and the tridiagonal one
 * (ibp__eigh_tridiag) against independent references: a cyclic Jacobi solver written here,
 * closed forms (1x1, 2x2), matrices built from a known spectrum, and the defining residual
 * ||A v - w v|| and orthogonality of the eigenvectors.
 *
 * Tolerances: both solvers are backward stable, so each eigenpair is exact for A + E with
 * ||E|| ~ c n eps ||A||. Eigenvalues then move by at most ||E|| (Weyl) and residuals are of the
 * same size; for n <= 200, n eps ~ 4e-14, hence the 1e-13 ||A|| bounds. Eigenvectors of an
 * eigenvalue with gap g move by ~||E|| / g, so they are compared only for separated pairs. */
#include "numerics/numerics.h"
#include "testlib.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seed = 12345;

static double *dalloc(long n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(double)); }

static void rand_sym(int n, double *A) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = t_rand_normal(&seed);
}

static double fro(int n, const double *A) {
    double s = 0;
    for (long i = 0; i < (long)n * n; i++) s += A[i] * A[i];
    return sqrt(s);
}

/* Reference: testlib's cyclic Jacobi (Golub & Van Loan 8.5), an algorithm independent of
 * Householder + QL; A0 is kept. */
static void jacobi(int n, const double *A0, double *w, double *V) {
    double *A = dalloc((long)n * n);
    memcpy(A, A0, sizeof(double) * n * n);
    t_jacobi_eigh(n, A, w, V);
    free(A);
}

/* max_i ||A v_i - w_i v_i|| / ||A||_F and max |V^T V - I|, V (n, n) with columns v_i */
static void check_pairs(int n, const double *A, const double *w, const double *V, double tol_res,
                        double tol_orth, const char *what) {
    double an = fro(n, A), worst = 0, orth = 0;
    for (int i = 0; i < n; i++) {
        double r2 = 0;
        for (int a = 0; a < n; a++) {
            double s = 0;
            for (int b = 0; b < n; b++) s += A[a * n + b] * V[b * n + i];
            s -= w[i] * V[a * n + i];
            r2 += s * s;
        }
        worst = fmax(worst, sqrt(r2) / (an > 0 ? an : 1));
        for (int j = 0; j <= i; j++) {
            double d = 0;
            for (int a = 0; a < n; a++) d += V[a * n + i] * V[a * n + j];
            orth = fmax(orth, fabs(d - (i == j)));
        }
    }
    T_CHECK(worst <= tol_res, "%s n=%d: residual %.3g > %.3g", what, n, worst, tol_res);
    T_CHECK(orth <= tol_orth, "%s n=%d: orthogonality %.3g > %.3g", what, n, orth, tol_orth);
    for (int i = 1; i < n; i++) T_CHECK(w[i - 1] <= w[i], "%s: ascending at %d", what, i);
}

/* eigh of a copy; returns 0 on success */
static int eigh_copy(int n, const double *A, double *w, double *V) {
    double *B = dalloc((long)n * n), *scr = dalloc(2L * n);
    memcpy(B, A, sizeof(double) * n * n);
    int rc = ibp__eigh(n, B, w, V, scr);
    free(B);
    free(scr);
    return rc;
}

static void test_random(int n) {
    double *A = dalloc((long)n * n), *V = dalloc((long)n * n), *w = dalloc(n);
    double *Vj = dalloc((long)n * n), *wj = dalloc(n), *w2 = dalloc(n);
    rand_sym(n, A);
    T_CHECK(eigh_copy(n, A, w, V) == 0, "eigh converges (n=%d)", n);
    check_pairs(n, A, w, V, 1e-13, 1e-13, "random");
    /* eigenvalues only: same values (same tridiagonal and same QL shifts give the same bits;
     * compared with the vector run within rounding anyway) */
    T_CHECK(eigh_copy(n, A, w2, NULL) == 0, "eigh without vectors");
    double an = fro(n, A), dmax = 0;
    for (int i = 0; i < n; i++) dmax = fmax(dmax, fabs(w2[i] - w[i]));
    T_CHECK(dmax <= 1e-13 * an, "values-only vs with vectors: %.3g", dmax);
    jacobi(n, A, wj, Vj);
    dmax = 0;
    for (int i = 0; i < n; i++) dmax = fmax(dmax, fabs(w[i] - wj[i]));
    T_CHECK(dmax <= 1e-13 * an, "random n=%d vs Jacobi: max diff %.3g (||A||_F %.3g)", n, dmax, an);
    /* eigenvectors of well separated eigenvalues agree up to sign: angle <~ n eps ||A|| / gap */
    for (int i = 0; i < n; i++) {
        double gap = INFINITY;
        if (i > 0) gap = fmin(gap, wj[i] - wj[i - 1]);
        if (i + 1 < n) gap = fmin(gap, wj[i + 1] - wj[i]);
        double d = 0, e2 = 0;
        for (int a = 0; a < n; a++) d += V[a * n + i] * Vj[a * n + i];
        for (int a = 0; a < n; a++) { /* ||v - sign(d) v_J|| ~ the angle between them */
            double t = V[a * n + i] - (d < 0 ? -1 : 1) * Vj[a * n + i];
            e2 += t * t;
        }
        double bound = 1e-13 * an / gap;
        T_CHECK(sqrt(e2) <= bound, "eigvec %d vs Jacobi %.3g (gap %.3g)", i, sqrt(e2), gap);
    }
    free(A), free(V), free(w), free(Vj), free(wj), free(w2);
}

/* A = Q diag(lam) Q^T: eigenvalues must come back sorted within 1e-13 max|lam| */
static void test_known(int n, const double *lam, const char *what) {
    double *Q = dalloc((long)n * n), *A = dalloc((long)n * n), *V = dalloc((long)n * n);
    double *w = dalloc(n), *ls = dalloc(n);
    t_rand_orth(n, Q, &seed);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += Q[a * n + i] * lam[i] * Q[b * n + i];
            A[a * n + b] = s;
        }
    for (int a = 0; a < n; a++) /* exact symmetry: the solver reads the full matrix */
        for (int b = 0; b < a; b++) A[a * n + b] = A[b * n + a];
    memcpy(ls, lam, sizeof(double) * n);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (ls[j] < ls[i]) {
                double t = ls[i];
                ls[i] = ls[j];
                ls[j] = t;
            }
    T_CHECK(eigh_copy(n, A, w, V) == 0, "%s: converges", what);
    double lmax = fabs(ls[0]) > fabs(ls[n - 1]) ? fabs(ls[0]) : fabs(ls[n - 1]), dmax = 0;
    for (int i = 0; i < n; i++) dmax = fmax(dmax, fabs(w[i] - ls[i]));
    T_CHECK(dmax <= 1e-13 * lmax, "%s: max eigenvalue error %.3g (max|lam| %.3g)", what, dmax,
            lmax);
    check_pairs(n, A, w, V, 1e-13, 1e-13, what);
    free(Q), free(A), free(V), free(w), free(ls);
}

static void test_small(void) {
    double A1[1] = {-3.5}, w[2], V[4], scr[4];
    T_CHECK(ibp__eigh(1, A1, w, V, scr) == 0 && w[0] == -3.5 && V[0] == 1.0, "1x1");
    for (int trial = 0; trial < 20; trial++) {
        double a = t_rand_normal(&seed), b = trial == 0 ? 0.0 : t_rand_normal(&seed) * 1e-3 * trial,
               c = trial == 1 ? a : t_rand_normal(&seed);
        double A[4] = {a, b, b, c}, A0[4] = {a, b, b, c};
        T_CHECK(ibp__eigh(2, A, w, V, scr) == 0, "2x2 converges");
        double m = 0.5 * (a + c), r = hypot(0.5 * (a - c), b);
        double scale = fabs(m) + r;
        T_CLOSE(w[0], m - r, 4e-16 * scale, 0);
        T_CLOSE(w[1], m + r, 4e-16 * scale, 0);
        check_pairs(2, A0, w, V, 1e-15, 1e-15, "2x2");
    }
}

/* Tridiagonal entry: vs Jacobi on the dense matrix; rows mode; first/last components. */
static void test_tridiag(int n, int wilkinson) {
    double *d = dalloc(n), *e = dalloc(n), *A = dalloc((long)n * n), *w = dalloc(n);
    double *Z = dalloc((long)n * n), *z1 = dalloc(n), *z0 = dalloc(n), *scr = dalloc(n);
    double *wj = dalloc(n), *Vj = dalloc((long)n * n), *w0 = dalloc(n);
    for (int i = 0; i < n; i++) d[i] = wilkinson ? fabs((n - 1) / 2.0 - i) : t_rand_normal(&seed);
    for (int i = 0; i + 1 < n; i++) e[i] = wilkinson ? 1.0 : t_rand_normal(&seed);
    for (int i = 0; i < n; i++) {
        A[i * n + i] = d[i];
        if (i + 1 < n) A[i * n + i + 1] = A[(i + 1) * n + i] = e[i];
    }
    for (int i = 0; i < n; i++) Z[i * n + i] = 1.0;
    T_CHECK(ibp__eigh_tridiag(n, d, e, w, Z, n, scr) == 0, "tridiag converges");
    /* Z has eigenvectors as ROWS: transpose to columns for check_pairs */
    double *Vc = dalloc((long)n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) Vc[j * n + i] = Z[i * n + j];
    check_pairs(n, A, w, Vc, 1e-13, 1e-13, wilkinson ? "Wilkinson tridiag" : "tridiag");
    jacobi(n, A, wj, Vj);
    double an = fro(n, A), dmax = 0;
    for (int i = 0; i < n; i++) dmax = fmax(dmax, fabs(w[i] - wj[i]));
    T_CHECK(dmax <= 1e-13 * an, "tridiag n=%d vs Jacobi %.3g", n, dmax);
    /* inputs are kept: the dense copy A was built from them */
    int kept = 1;
    for (int i = 0; i < n; i++)
        kept &= d[i] == A[i * n + i] && (i + 1 == n || e[i] == A[i * n + i + 1]);
    T_CHECK(kept, "tridiag inputs kept");
    /* one-column mode: e_{n-1} gives last components, e_0 first components (signs follow the
     * same rotations as the full run, so compare with the full run's columns; and with Jacobi
     * up to sign for separated eigenvalues). Values-only mode gives the same eigenvalues. */
    z1[n - 1] = 1.0;
    z0[0] = 1.0;
    T_CHECK(ibp__eigh_tridiag(n, d, e, w0, z1, 1, scr) == 0, "last-row mode");
    T_CHECK(ibp__eigh_tridiag(n, d, e, w0, z0, 1, scr) == 0, "first-row mode");
    double s0 = 0, dl = 0;
    for (int i = 0; i < n; i++) {
        s0 += z0[i] * z0[i];
        dl = fmax(dl, fabs(z1[i] - Z[i * n + n - 1]));
        dl = fmax(dl, fabs(z0[i] - Z[i * n + 0]));
        T_CHECK(w0[i] == w[i], "eigenvalues independent of the accumulated rows");
        double gap = INFINITY;
        if (i > 0) gap = fmin(gap, wj[i] - wj[i - 1]);
        if (i + 1 < n) gap = fmin(gap, wj[i + 1] - wj[i]);
        if (gap > 1e-3 * an) T_CLOSE(fabs(z1[i]), fabs(Vj[(n - 1) * n + i]), 1e-13 * an / gap, 0);
    }
    T_CHECK(dl <= 1e-15, "one-row modes vs full accumulation: %.3g", dl);
    T_CLOSE(s0, 1.0, 1e-13, 0); /* Gauss quadrature weights sum to one */
    T_CHECK(ibp__eigh_tridiag(n, d, e, w0, NULL, 0, scr) == 0, "values only");
    for (int i = 0; i < n; i++) T_CHECK(w0[i] == w[i], "values-only mode, same eigenvalues");
    if (wilkinson && n == 21) {                     /* W21+: the top pair agrees to ~1e-14 */
        T_CLOSE(w[n - 1], 10.7461941829, 1e-10, 0); /* published to 10 decimals (Wilkinson 1965) */
        T_CHECK(w[n - 1] - w[n - 2] < 1e-12, "W21+ near-degenerate top pair");
    }
    free(d), free(e), free(A), free(w), free(Z), free(z1), free(z0), free(scr), free(wj), free(Vj);
    free(Vc), free(w0);
}

int main(void) {
    test_small();
    int sizes[] = {3, 4, 5, 10, 37, 64, 150};
    for (int i = 0; i < (int)(sizeof sizes / sizeof *sizes); i++) test_random(sizes[i]);

    /* known spectra: distinct, repeated, negative, zero, mixed scales */
    {
        double lam[12] = {5, 5, 5, -2, -2, 0, 0, 1e-3, 3, -7.5, 5, 1};
        test_known(12, lam, "repeated+negative");
        double lam2[30];
        for (int i = 0; i < 30; i++) lam2[i] = -(double)(i + 1); /* all negative */
        test_known(30, lam2, "negative definite");
        double lam3[20];
        for (int i = 0; i < 20; i++) lam3[i] = i < 10 ? 4.0 : -4.0; /* two eigenvalues only */
        test_known(20, lam3, "two-point spectrum");
        double lam4[25];
        for (int i = 0; i < 25; i++) lam4[i] = pow(10.0, (i % 9) - 4.0) * (i % 2 ? -1 : 1);
        test_known(25, lam4, "graded 1e-4..1e4");
    }
    /* already diagonal, zero and identity matrices */
    {
        int n = 8;
        double A[64] = {0}, B[64], w[8], V[64];
        T_CHECK(eigh_copy(n, A, w, V) == 0, "zero matrix");
        for (int i = 0; i < n; i++) T_CHECK(w[i] == 0.0, "zero eigenvalues");
        check_pairs(n, A, w, V, 0.0, 1e-15, "zero");
        for (int i = 0; i < n; i++) A[i * n + i] = (double)((i * 5) % n) - 3.0;
        memcpy(B, A, sizeof A);
        T_CHECK(eigh_copy(n, A, w, V) == 0, "diagonal matrix");
        for (int i = 0; i < n; i++) T_CHECK(w[i] == (double)i - 3.0, "diagonal eigenvalues exact");
        check_pairs(n, B, w, V, 1e-16, 1e-16, "diagonal");
    }
    test_tridiag(1, 0);
    test_tridiag(2, 0);
    test_tridiag(17, 0);
    test_tridiag(120, 0);
    test_tridiag(21, 1);
    return t_summary();
}
