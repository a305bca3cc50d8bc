/* kernels.c -- GEMM, GEMV, dot, axpy: one fixed summation order shared by SIMD and scalar.
 *
 * Every C element of a GEMM accumulates its K products one after another, k ascending, from 0
 * (or from the old C value when acc != 0). That order is independent of how the work is tiled,
 * so the fast kernels may tile freely as long as each element still sees k = 0, 1, ..., K-1:
 *   - the SIMD runs across output COLUMNS j ("axpy" form: C[i, j..j+1] += A[i,k] * B[k, j..j+1]),
 *     never across k, so a vector lane is exactly one element's scalar chain;
 *   - K is blocked into chunks of KC; between chunks the partial sums are stored in C and
 *     reloaded, which is exact (a double in a register and in memory are the same double);
 *   - panels of A and B are packed into small stack buffers so the inner loop streams
 *     contiguous memory (row strides of 4 KiB otherwise alias in L1 and defeat prefetching).
 * The _ref loops below each fast kernel spell out the order with plain scalar code.
 */
#include "internal.h"
#include "simd.h"

#if defined(__GNUC__)
#define IBP__INLINE static inline __attribute__((always_inline))
#else
#define IBP__INLINE static inline
#endif

/* Register block: MR = 2 rows by NR = 8 columns of C in 8 vector registers; with the 4 B
 * vectors and the A splat that is 13 of the 16 xmm registers SSE2 and V8's wasm code generator
 * allocate, so nothing spills. Measured with bench_kernels against 4x4, 3x8, 4x6, 3x6, 5x4 and
 * 6x4 tiles and against unrolling k (which V8 schedules worse): 2x8 was the fastest in wasm. */
#define MR 2
#define NV 4
#define NR (2 * NV)
#define KC 128      /* k rows per chunk: the B panel (KC x NR, 8 KiB) stays in L1 */
#define MC (16 * MR) /* rows of A packed at a time (tn): whole panels, MC x KC doubles (32 KiB) */

/* ------------------------------------------------------------------------------------------ */
/* Micro-kernel: C[r, 0:2nv] (+)= sum_k A(r, k) B[k, 0:2nv] for r < mr, k < kc, k ascending.
 * A(r, k) = a[r*ars + k*aks]; B row k at b + k*bks. first != 0 starts the chains at +0. */
IBP__INLINE void ibp__micro(int mr, int nv, int kc, const double *a, long ars, long aks,
                            const double *b, long bks, double *c, long ldc, int first) {
    ibp_v2d acc[MR][NV];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++)
            acc[r][v] = first ? ibp_v_zero() : ibp_v_load(c + r * ldc + 2 * v);
    for (int k = 0; k < kc; k++) {
        ibp_v2d bv[NV];
        for (int v = 0; v < nv; v++) bv[v] = ibp_v_load(b + k * bks + 2 * v);
        for (int r = 0; r < mr; r++) {
            ibp_v2d av = ibp_v_splat(a[r * ars + k * aks]);
            for (int v = 0; v < nv; v++) acc[r][v] = ibp_v_madd(av, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) ibp_v_store(c + r * ldc + 2 * v, acc[r][v]);
}

/* Any tile (the edges of the tiling): a specialization with compile-time mr and nv, runtime
 * strides. Kept out of line: only the full tiles below are hot. */
static void ibp__micro_edge(int mr, int nv, int kc, const double *a, long ars, long aks,
                            const double *b, long bks, double *c, long ldc, int first) {
#define IBP__MK(R, V) ibp__micro(R, V, kc, a, ars, aks, b, bks, c, ldc, first)
#define IBP__MKR(V) if (mr == 2) IBP__MK(2, V); else IBP__MK(1, V)
    _Static_assert(MR == 2 && NV == 4, "the cases below enumerate mr <= MR, nv <= NV");
    switch (nv) {
    case 4: IBP__MKR(4); break;
    case 3: IBP__MKR(3); break;
    case 2: IBP__MKR(2); break;
    default: IBP__MKR(1); break;
    }
#undef IBP__MKR
#undef IBP__MK
}

/* The hot full tiles read a packed B panel (row stride NR) and A either packed (tn) or in place
 * (nn: rows of A are contiguous in k). Constant strides let the compiler fold the addressing. */
static void ibp__tile_apack(int kc, const double *a, const double *b, double *c, long ldc,
                            int first) {
    ibp__micro(MR, NV, kc, a, 1, MR, b, NR, c, ldc, first);
}
static void ibp__tile_arows(int kc, const double *a, long lda, const double *b, double *c,
                            long ldc, int first) {
    ibp__micro(MR, NV, kc, a, lda, 1, b, NR, c, ldc, first);
}

/* One output column (N odd: the last column; N = 1: GEMV). The SIMD runs across pairs of ROWS
 * here, lane r being row i+r's own sequential chain. A(i, k) = a[i*ars + k*aks], b[k*bks]. */
static void ibp__col1(int M, int K, const double *a, long ars, long aks, const double *b, long bks,
                      double *c, long ldc, int acc) {
    int i = 0;
    if (K <= 0) { /* empty sums: zero, or keep the old values */
        for (; !acc && i < M; i++) c[i * ldc] = 0.0;
        return;
    }
    for (; i + 8 <= M; i += 8) {
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = K - k0 < KC ? K - k0 : KC, first = k0 == 0 && !acc;
            const double *ai = a + i * ars + (long)k0 * aks, *bk = b + (long)k0 * bks;
            ibp_v2d s[4];
            for (int v = 0; v < 4; v++)
                s[v] = first ? ibp_v_zero()
                             : ibp_v_set(c[(i + 2 * v) * ldc], c[(i + 2 * v + 1) * ldc]);
            if (ars == 1) { /* rows adjacent in memory (tn): plain vector loads */
                for (int k = 0; k < kc; k++) {
                    ibp_v2d bb = ibp_v_splat(bk[k * bks]);
                    for (int v = 0; v < 4; v++)
                        s[v] = ibp_v_madd(ibp_v_load(ai + k * aks + 2 * v), bb, s[v]);
                }
            } else {
                for (int k = 0; k < kc; k++) {
                    ibp_v2d bb = ibp_v_splat(bk[k * bks]);
                    for (int v = 0; v < 4; v++) {
                        const double *p = ai + (2 * v) * ars + k * aks;
                        s[v] = ibp_v_madd(ibp_v_set(p[0], p[ars]), bb, s[v]);
                    }
                }
            }
            for (int v = 0; v < 4; v++) {
                c[(i + 2 * v) * ldc] = ibp_v_lane0(s[v]);
                c[(i + 2 * v + 1) * ldc] = ibp_v_lane1(s[v]);
            }
        }
    }
    for (; i < M; i++) { /* fewer than 8 rows left: scalar chains */
        double s = acc ? c[i * ldc] : 0.0;
        for (int k = 0; k < K; k++) s = s + a[i * ars + (long)k * aks] * b[(long)k * bks];
        c[i * ldc] = s;
    }
}

/* C (M,N) (+)= op(A) B with A(i, k) = A[i*ars + k*aks]: nn has (ars, aks) = (K, 1), tn (1, M). */
static void ibp__gemm(int M, int N, int K, const double *A, long ars, long aks, const double *B,
                      double *C, int acc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!acc)
            for (long t = 0; t < (long)M * N; t++) C[t] = 0.0;
        return;
    }
    double apack[MC * KC], bpack[KC * NR];
    int Ne = N & ~1; /* even columns go through the tiles; an odd last one through col1 */
    /* Packing pays off when the panel is reused: B over the rows of A, A over the panels of B. */
    int packb = M > 2 * MR, packa = ars == 1 && M > MR && Ne > NR;
    for (int k0 = 0; k0 < K && Ne > 0; k0 += KC) {
        int kc = K - k0 < KC ? K - k0 : KC, first = k0 == 0 && !acc;
        for (int i0 = 0; i0 < M; i0 += MC) {
            int mc = M - i0 < MC ? M - i0 : MC;
            const double *ap = A + i0 * ars + (long)k0 * aks;
            long pars = ars, paks = aks; /* layout of A in use: packed or in place */
            if (packa) { /* A(i0+p+r, k0+k) -> apack[(p/MR)*kc*MR + k*MR + r] */
                for (int k = 0; k < kc; k++) {
                    const double *row = A + (long)(k0 + k) * aks + i0;
                    int p = 0;
                    for (; p + MR <= mc; p += MR)
                        for (int r = 0; r < MR; r++) apack[p * kc + k * MR + r] = row[p + r];
                    for (int r = 0; p + r < mc; r++) apack[p * kc + k * MR + r] = row[p + r];
                }
                pars = 1, paks = MR;
            }
            for (int j0 = 0; j0 < Ne; j0 += NR) {
                int nv = (Ne - j0 < NR ? Ne - j0 : NR) / 2, p = 0;
                const double *bp = B + (long)k0 * N + j0;
                double *cp = C + (long)i0 * N + j0;
                if (packb && nv == NV) {
                    for (int k = 0; k < kc; k++)
                        for (int j = 0; j < NR; j++) bpack[k * NR + j] = bp[(long)k * N + j];
                    if (packa)
                        for (; p + MR <= mc; p += MR)
                            ibp__tile_apack(kc, apack + p * kc, bpack, cp + (long)p * N, N, first);
                    else if (aks == 1)
                        for (; p + MR <= mc; p += MR)
                            ibp__tile_arows(kc, ap + p * ars, ars, bpack, cp + (long)p * N, N, first);
                    if (p < mc) bp = bpack;
                }
                long bks = bp == bpack ? NR : N;
                for (; p < mc; p += MR) {
                    int mr = mc - p < MR ? mc - p : MR;
                    const double *apr = packa ? apack + p * kc : ap + p * ars;
                    ibp__micro_edge(mr, nv, kc, apr, pars, paks, bp, bks, cp + (long)p * N, N, first);
                }
            }
        }
    }
    if (N & 1) ibp__col1(M, K, A, ars, aks, B + (N - 1), N, C + (N - 1), N, acc);
}

void ibp__gemm_nn(int M, int N, int K, const double *A /* (M,K) */, const double *B /* (K,N) */,
                  double *C /* (M,N) */, int acc) {
    ibp__gemm(M, N, K, A, K, 1, B, C, acc);
}

void ibp__gemm_tn(int M, int N, int K, const double *A /* (K,M) */, const double *B /* (K,N) */,
                  double *C /* (M,N) */, int acc) {
    ibp__gemm(M, N, K, A, 1, M, B, C, acc);
}

void ibp__gemm_nn_ref(int M, int N, int K, const double *A, const double *B, double *C, int acc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = acc ? C[(long)i * N + j] : 0.0;
            for (int k = 0; k < K; k++) s = s + A[(long)i * K + k] * B[(long)k * N + j];
            C[(long)i * N + j] = s;
        }
}

void ibp__gemm_tn_ref(int M, int N, int K, const double *A, const double *B, double *C, int acc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = acc ? C[(long)i * N + j] : 0.0;
            for (int k = 0; k < K; k++) s = s + A[(long)k * M + i] * B[(long)k * N + j];
            C[(long)i * N + j] = s;
        }
}

/* y = A x and y = A^T x are the one-column GEMMs; col1 vectorizes them across outputs. */
void ibp__gemv_n(int M, int K, const double *A /* (M,K) */, const double *x /* (K,) */,
                 double *y /* (M,) */, int acc) {
    if (M <= 0) return;
    ibp__col1(M, K, A, K, 1, x, 1, y, 1, acc);
}

void ibp__gemv_t(int M, int K, const double *A /* (M,K) */, const double *x /* (M,) */,
                 double *y /* (K,) */, int acc) {
    if (K <= 0) return;
    ibp__col1(K, M, A, 1, K, x, 1, y, 1, acc);
}

void ibp__transpose(int rows, int cols, const double *A /* (rows,cols) */,
                    double *At /* (cols,rows) */) {
    enum { TB = 16 }; /* square tiles so both the reads and the writes touch few lines */
    for (int i0 = 0; i0 < rows; i0 += TB)
        for (int j0 = 0; j0 < cols; j0 += TB) {
            int i1 = i0 + TB < rows ? i0 + TB : rows, j1 = j0 + TB < cols ? j0 + TB : cols;
            for (int j = j0; j < j1; j++)
                for (int i = i0; i < i1; i++) At[(long)j * rows + i] = A[(long)i * cols + j];
        }
}

/* ------------------------------------------------------------------------------------------ */
/* dot/sumsq: partial sums s_j over i = j mod 4 live in two vectors (s0, s1) and (s2, s3). */
double ibp__dot(const double *a, const double *b, long n) {
    long n4 = n - n % 4, i = 0;
    ibp_v2d s01 = ibp_v_zero(), s23 = ibp_v_zero();
    for (; i < n4; i += 4) {
        s01 = ibp_v_madd(ibp_v_load(a + i), ibp_v_load(b + i), s01);
        s23 = ibp_v_madd(ibp_v_load(a + i + 2), ibp_v_load(b + i + 2), s23);
    }
    double s = (ibp_v_lane0(s01) + ibp_v_lane1(s01)) + (ibp_v_lane0(s23) + ibp_v_lane1(s23));
    for (; i < n; i++) s = s + a[i] * b[i];
    return s;
}

double ibp__dot_ref(const double *a, const double *b, long n) {
    long n4 = n - n % 4, i;
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    for (i = 0; i < n4; i++) s[i % 4] = s[i % 4] + a[i] * b[i];
    double t = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < n; i++) t = t + a[i] * b[i];
    return t;
}

double ibp__sumsq(const double *a, long n) {
    long n4 = n - n % 4, i = 0;
    ibp_v2d s01 = ibp_v_zero(), s23 = ibp_v_zero();
    for (; i < n4; i += 4) {
        ibp_v2d x = ibp_v_load(a + i), y = ibp_v_load(a + i + 2);
        s01 = ibp_v_madd(x, x, s01);
        s23 = ibp_v_madd(y, y, s23);
    }
    double s = (ibp_v_lane0(s01) + ibp_v_lane1(s01)) + (ibp_v_lane0(s23) + ibp_v_lane1(s23));
    for (; i < n; i++) s = s + a[i] * a[i];
    return s;
}

void ibp__axpy(long n, double alpha, const double *x, double *y) {
    ibp_v2d va = ibp_v_splat(alpha);
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        ibp_v_store(y + i, ibp_v_madd(va, ibp_v_load(x + i), ibp_v_load(y + i)));
        ibp_v_store(y + i + 2, ibp_v_madd(va, ibp_v_load(x + i + 2), ibp_v_load(y + i + 2)));
    }
    for (; i < n; i++) y[i] = y[i] + alpha * x[i];
}

void ibp__scale(long n, double alpha, double *x) {
    ibp_v2d va = ibp_v_splat(alpha);
    long i = 0;
    for (; i + 2 <= n; i += 2) ibp_v_store(x + i, ibp_v_mul(va, ibp_v_load(x + i)));
    for (; i < n; i++) x[i] = alpha * x[i];
}
