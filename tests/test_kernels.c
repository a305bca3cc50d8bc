/* test_kernels.c -- the kernels keep their documented summation order, bit for bit.
 *
 * 1. GEMM fast == _ref bitwise over shapes that hit every tiling edge (odd M, N, K; N = 1;
 *    K = 1; M = 1; K across the K-chunk boundary; M across the packing boundary), acc = 0/1,
 *    with a guard band around C to catch stray writes.
 * 2. _ref == an independent sequential loop written here (the order in internal.h).
 * 3. Accuracy of the order against a long-double accumulation: the classic bound
 *    |fl(sum) - sum| <= gamma_K sum |a_k b_k| with gamma_K = K u / (1 - K u).
 * 4. dot/sumsq == the four-partial-sum order written out here; gemv == one-column GEMM;
 *    axpy/scale == elementwise mul/add; transpose exact.
 * 5. gemv_pair (Lanczos' Gram-Schmidt sweep) == its separate axpys, then dots and sumsq.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "numerics/numerics.h"
#include "testlib.h"

#define GUARD 8
static const double GUARD_VAL = 12345.678;

static uint64_t seed = 42;

/* Values spanning a few orders of magnitude, with exact zeros of both signs, so -0 products
 * and cancellations exercise the start of each chain (+0 + -0 = +0). */
static void fill(double *p, long n) {
    for (long i = 0; i < n; i++) {
        double u = t_rand_uniform(&seed);
        if (u < 0.05) p[i] = 0.0;
        else if (u < 0.10) p[i] = -0.0;
        else p[i] = t_rand_normal(&seed) * pow(10.0, 4.0 * t_rand_uniform(&seed) - 2.0);
    }
}

/* The documented order, written independently: c = (((c0 + a0 b0) + a1 b1) + ...). */
static void naive(int M, int N, int K, const double *A, int tn, const double *B, double *C,
                  int acc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = acc ? C[i * N + j] : 0.0;
            for (int k = 0; k < K; k++) {
                double a = tn ? A[k * M + i] : A[i * K + k];
                volatile double p = a * B[k * N + j]; /* volatile: no contraction possible */
                s = s + p;
            }
            C[i * N + j] = s;
        }
}

static int guards_ok(const double *buf, long n) {
    for (int g = 0; g < GUARD; g++)
        if (buf[g] != GUARD_VAL || buf[GUARD + n + g] != GUARD_VAL) return 0;
    return 1;
}

/* The same product with an operand packed once: B by ibp__gemm_pack_b (nn), A^T written in
 * the documented packed layout (tn, N even, M >= 2): the bits of the plain call (Cr). */
static void check_packed(int M, int N, int K, const double *A, const double *B, const double *C0,
                         const double *Cr, int tn, int acc) {
    long nc = (long)M * N;
    if (M < 1 || N < 1 || K < 1) return;
    double *C = malloc((nc + 1) * sizeof *C);
    memcpy(C, C0, nc * sizeof *C);
    if (!tn) {
        double *Bp = malloc((ibp__gemm_packed_b_doubles(K, N) + 1) * sizeof *Bp);
        ibp__gemm_pack_b(K, N, B, Bp);
        ibp__gemm_nn_pb(M, N, K, A, B, Bp, C, acc);
        T_CHECK(t_same_bits(C, Cr, nc), "gemm_nn_pb M=%d N=%d K=%d acc=%d: != plain", M, N, K, acc);
        free(Bp);
    } else if (M >= 2 && !(N & 1)) {
        long Mp = M + (M & 1);
        double *Ap = malloc((Mp * K + 1) * sizeof *Ap);
        for (int k = 0; k < K; k++) { /* A (K, M) for tn: element (i, k) of op(A) is A[k M + i] */
            int k0 = k / IBP__GEMM_KC * IBP__GEMM_KC, kc = K - k0 < IBP__GEMM_KC ? K - k0 : IBP__GEMM_KC;
            for (int i = 0; i < M; i++)
                Ap[(long)k0 * Mp + (long)(i / 2) * 2 * kc + 2 * (k - k0) + i % 2] = A[(long)k * M + i];
        }
        ibp__gemm_tn_pa(M, N, K, Ap, B, C, acc);
        T_CHECK(t_same_bits(C, Cr, nc), "gemm_tn_pa M=%d N=%d K=%d acc=%d: != plain", M, N, K, acc);
        free(Ap);
    }
    free(C);
}

static void check_gemm(int M, int N, int K) {
    long na = (long)M * K, nb = (long)K * N, nc = (long)M * N;
    double *A = malloc((na + 1) * sizeof *A), *B = malloc((nb + 1) * sizeof *B);
    double *C0 = malloc((nc + 1) * sizeof *C0);
    double *Cf = malloc((nc + 2 * GUARD) * sizeof *Cf), *Cr = malloc((nc + 1) * sizeof *Cr);
    double *Cn = malloc((nc + 1) * sizeof *Cn);
    fill(A, na), fill(B, nb), fill(C0, nc);
    for (int tn = 0; tn < 2; tn++)
        for (int acc = 0; acc < 2; acc++) {
            for (long t = 0; t < nc + 2 * GUARD; t++) Cf[t] = GUARD_VAL;
            double *cf = Cf + GUARD;
            memcpy(cf, C0, nc * sizeof *C0);
            memcpy(Cr, C0, nc * sizeof *C0);
            memcpy(Cn, C0, nc * sizeof *C0);
            if (tn) {
                ibp__gemm_tn(M, N, K, A, B, cf, acc);
                ibp__gemm_tn_ref(M, N, K, A, B, Cr, acc);
            } else {
                ibp__gemm_nn(M, N, K, A, B, cf, acc);
                ibp__gemm_nn_ref(M, N, K, A, B, Cr, acc);
            }
            naive(M, N, K, A, tn, B, Cn, acc);
            T_CHECK(t_same_bits(cf, Cr, nc), "gemm_%s M=%d N=%d K=%d acc=%d: fast != ref",
                    tn ? "tn" : "nn", M, N, K, acc);
            check_packed(M, N, K, A, B, C0, Cr, tn, acc);
            T_CHECK(t_same_bits(Cr, Cn, nc), "gemm_%s_ref M=%d N=%d K=%d acc=%d: ref != naive",
                    tn ? "tn" : "nn", M, N, K, acc);
            T_CHECK(guards_ok(Cf, nc), "gemm_%s M=%d N=%d K=%d: wrote outside C",
                    tn ? "tn" : "nn", M, N, K);
        }
    free(A), free(B), free(C0), free(Cf), free(Cr), free(Cn);
}

/* Accuracy of the sequential order: error vs a long-double sum within gamma_K sum|a b|
 * (Higham, Accuracy and Stability, eq. 3.5), plus the rounding of the long-double reference. */
static void check_accuracy(int M, int N, int K) {
    double *A = malloc((long)M * K * sizeof *A), *B = malloc((long)K * N * sizeof *B);
    double *C = malloc((long)M * N * sizeof *C);
    fill(A, (long)M * K), fill(B, (long)K * N);
    ibp__gemm_nn(M, N, K, A, B, C, 0);
    double u = 0x1p-53, gamma = K * u / (1 - K * u), worst = 0;
    int ok = 1;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            long double s = 0, sa = 0;
            for (int k = 0; k < K; k++) {
                long double p = (long double)A[i * K + k] * B[k * N + j];
                s += p, sa += fabsl(p);
            }
            double err = fabs((double)((long double)C[i * N + j] - s));
            double bound = gamma * (double)sa + 2 * u * fabs((double)s) + 1e-300;
            if (err > bound) ok = 0;
            if (err / bound > worst) worst = err / bound;
        }
    T_CHECK(ok, "gemm M=%d N=%d K=%d: error above gamma_K bound (worst %.3g of bound)", M, N, K,
            worst);
    free(A), free(B), free(C);
}

static double dot_order(const double *a, const double *b, long n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long n4 = n / 4 * 4, i = 0;
    for (; i < n4; i += 4) {
        volatile double p0 = a[i] * b[i], p1 = a[i + 1] * b[i + 1];
        volatile double p2 = a[i + 2] * b[i + 2], p3 = a[i + 3] * b[i + 3];
        s0 = s0 + p0, s1 = s1 + p1, s2 = s2 + p2, s3 = s3 + p3;
    }
    double s = (s0 + s1) + (s2 + s3);
    for (; i < n; i++) {
        volatile double p = a[i] * b[i];
        s = s + p;
    }
    return s;
}

static void check_vectors(void) {
    enum { NMAX = 1030 };
    static double a[NMAX], b[NMAX], y[NMAX], y2[NMAX];
    fill(a, NMAX), fill(b, NMAX);
    long ns[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 64, 999, 1000, 1001, 1002, 1003, NMAX};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        long n = ns[t];
        double d = ibp__dot(a, b, n), dr = ibp__dot_ref(a, b, n), di = dot_order(a, b, n);
        T_CHECK(t_bits(d) == t_bits(di), "dot n=%ld: %.17g vs order %.17g", n, d, di);
        T_CHECK(t_bits(dr) == t_bits(di), "dot_ref n=%ld: %.17g vs order %.17g", n, dr, di);
        double q = ibp__sumsq(a, n), qi = dot_order(a, a, n);
        T_CHECK(t_bits(q) == t_bits(qi), "sumsq n=%ld: %.17g vs order %.17g", n, q, qi);
        /* axpy and scale: one correctly rounded mul and add per element */
        double alpha = -1.25 + 0.001 * (double)n;
        for (long i = 0; i < n; i++) y[i] = y2[i] = b[i];
        ibp__axpy(n, alpha, a, y);
        for (long i = 0; i < n; i++) {
            volatile double p = alpha * a[i];
            y2[i] = y2[i] + p;
        }
        T_CHECK(t_same_bits(y, y2, n), "axpy n=%ld", n);
        for (long i = 0; i < n; i++) y[i] = a[i], y2[i] = alpha * a[i];
        ibp__scale(n, alpha, y);
        T_CHECK(t_same_bits(y, y2, n), "scale n=%ld", n);
    }
    /* dot of a long vector is accurate: within gamma_n sum|a b| of the long-double value */
    long double s = 0, sa = 0;
    for (long i = 0; i < NMAX; i++) s += (long double)a[i] * b[i], sa += fabsl((long double)a[i] * b[i]);
    double err = fabs((double)((long double)ibp__dot(a, b, NMAX) - s));
    T_CHECK(err <= NMAX * 0x1p-53 * 1.01 * (double)sa, "dot accuracy: err %.3g, sum|ab| %.3g", err,
            (double)sa);
}

/* gemv is the one-column GEMM: y_i sequential over k (gemv_n), y_k sequential over i (gemv_t). */
static void check_gemv(int M, int K) {
    double *A = malloc(((long)M * K + 1) * sizeof *A), *x = malloc((M + K + 1) * sizeof *x);
    double *y = malloc((M + K + 2 * GUARD) * sizeof *y), *yr = malloc((M + K + 1) * sizeof *yr);
    double *y0 = malloc((M + K + 1) * sizeof *y0);
    fill(A, (long)M * K), fill(x, M + K), fill(y0, M + K);
    for (int acc = 0; acc < 2; acc++) {
        for (int t = 0; t < M + K + 2 * GUARD; t++) y[t] = GUARD_VAL;
        memcpy(y + GUARD, y0, M * sizeof *y);
        memcpy(yr, y0, M * sizeof *y);
        ibp__gemv_n(M, K, A, x, y + GUARD, acc);
        naive(M, 1, K, A, 0, x, yr, acc);
        T_CHECK(t_same_bits(y + GUARD, yr, M), "gemv_n M=%d K=%d acc=%d", M, K, acc);
        T_CHECK(guards_ok(y, M), "gemv_n M=%d K=%d wrote outside y", M, K);
        for (int t = 0; t < M + K + 2 * GUARD; t++) y[t] = GUARD_VAL;
        memcpy(y + GUARD, y0, K * sizeof *y);
        memcpy(yr, y0, K * sizeof *y);
        ibp__gemv_t(M, K, A, x, y + GUARD, acc);
        naive(K, 1, M, A, 1, x, yr, acc); /* A^T x: A (M,K) read as the (K', M') = (M, K) of tn */
        T_CHECK(t_same_bits(y + GUARD, yr, K), "gemv_t M=%d K=%d acc=%d", M, K, acc);
        T_CHECK(guards_ok(y, K), "gemv_t M=%d K=%d wrote outside y", M, K);
    }
    free(A), free(x), free(y), free(yr), free(y0);
}

static void check_transpose(int r, int c) {
    double *A = malloc(((long)r * c + 1) * sizeof *A), *T = malloc(((long)r * c + 1) * sizeof *T);
    fill(A, (long)r * c);
    ibp__transpose(r, c, A, T);
    int ok = 1;
    for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++) ok &= t_bits(T[j * r + i]) == t_bits(A[i * c + j]);
    T_CHECK(ok, "transpose %dx%d", r, c);
    free(A), free(T);
}

/* gemv_pair: the update is nu axpys in row order, then nd dots and sumsq of the new w, bit for
 * bit, for every chunking edge (n % 4 tails, rows not a multiple of the four-row passes). */
static void check_gemv_pair(long n, int rows, int u0, int nu, int nd, int with_ss) {
    long ldv = n + 3; /* a stride that is not n */
    double *V = malloc(sizeof(double) * (size_t)(ldv * (rows > 0 ? rows : 1)));
    double *w = malloc(sizeof(double) * (size_t)(n + 1)), *w2 = malloc(sizeof(double) * (size_t)(n + 1));
    double cu[40], hd[40], hr[40], part[160], ss = -1, ssr = -1;
    fill(V, ldv * rows);
    fill(w, n);
    memcpy(w2, w, sizeof(double) * (size_t)n);
    for (int i = 0; i < nu; i++) cu[i] = t_rand_normal(&seed);
    ibp__gemv_pair(n, V, ldv, u0, nu, cu, w, nd, hd, with_ss ? &ss : NULL, part);
    for (int i = 0; i < nu; i++) ibp__axpy(n, cu[i], V + (long)(u0 + i) * ldv, w2);
    for (int i = 0; i < nd; i++) hr[i] = ibp__dot(V + (long)i * ldv, w2, n);
    if (with_ss) ssr = ibp__sumsq(w2, n);
    T_CHECK(t_same_bits(w, w2, n), "gemv_pair n=%ld nu=%d: w is the axpys' bit for bit", n, nu);
    T_CHECK(t_same_bits(hd, hr, nd), "gemv_pair n=%ld nd=%d: dots bit for bit", n, nd);
    T_CHECK(t_bits(ss) == t_bits(ssr), "gemv_pair n=%ld: sumsq bit for bit", n);
    free(V), free(w), free(w2);
}

int main(void) {
    /* every small shape: all edges of the 4-row / 4-column tiles and of the column pass */
    int small[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 17};
    int ns = sizeof small / sizeof small[0];
    for (int a = 0; a < ns; a++)
        for (int b = 0; b < ns; b++)
            for (int c = 0; c < ns; c++) check_gemm(small[a], small[b], small[c]);
    /* K across the chunk boundary, M across the A-packing boundary, wide and tall shapes */
    int big[][3] = {{67, 35, 130}, {130, 9, 300}, {200, 17, 260}, {64, 64, 256}, {1, 33, 257},
                    {33, 1, 257}, {256, 32, 8}, {150, 20, 140}, {65, 66, 129}, {3, 200, 127},
                    {300, 2, 1}, {2, 300, 1}, {1, 1, 1000}, {41, 130, 3}, {129, 15, 385},
                    {64, 8, 128}, {128, 128, 128}, {0, 5, 5}, {5, 0, 5}, {5, 5, 0}, {7, 3, 0},
                    /* several column blocks of packed B, one or several row blocks of A (32 rows);
                     * one output row over more than one column block of it (1024 columns) */
                    {40, 100, 300}, {31, 137, 130}, {70, 530, 20}, {1, 1100, 9}, {1, 2051, 6},
                    {34, 1, 300},
                    /* one output column with K chunks of odd length > 1 (pairs of k, then one) */
                    {17, 1, 131}, {16, 3, 5}, {9, 1, 2}};
    for (size_t t = 0; t < sizeof big / sizeof big[0]; t++) check_gemm(big[t][0], big[t][1], big[t][2]);

    int acc_shapes[][3] = {{5, 7, 3}, {16, 16, 64}, {33, 9, 300}, {8, 8, 1000}};
    for (size_t t = 0; t < sizeof acc_shapes / sizeof acc_shapes[0]; t++)
        check_accuracy(acc_shapes[t][0], acc_shapes[t][1], acc_shapes[t][2]);

    check_vectors();
    int gv[][2] = {{1, 1}, {1, 9}, {9, 1}, {7, 7}, {8, 8}, {17, 33}, {33, 17}, {200, 300},
                   {300, 7}, {5, 300}, {0, 4}, {4, 0}, {0, 9}, {9, 0}, {0, 0}};
    for (size_t t = 0; t < sizeof gv / sizeof gv[0]; t++) check_gemv(gv[t][0], gv[t][1]);
    int tr[][2] = {{1, 1}, {1, 7}, {7, 1}, {16, 16}, {17, 33}, {40, 3}};
    for (size_t t = 0; t < sizeof tr / sizeof tr[0]; t++) check_transpose(tr[t][0], tr[t][1]);
    long pn[] = {1, 3, 4, 5, 63, 64, 65, 1023, 1029, 5000};
    for (size_t t = 0; t < sizeof pn / sizeof pn[0]; t++)
        for (int rows = 1; rows <= 39; rows += 6) {
            check_gemv_pair(pn[t], rows, 0, rows, rows, 1);          /* a pass over the basis */
            check_gemv_pair(pn[t], rows, rows - 1, 1, rows, 0);      /* the recurrence's update */
            check_gemv_pair(pn[t], rows, 0, rows, 0, 1);             /* the last update + w.w */
            if (rows >= 2) check_gemv_pair(pn[t], rows, rows - 2, 2, rows - 1, 0);
        }
    return t_summary();
}
