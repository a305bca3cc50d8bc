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
#include "numerics/numerics.h"
#include "numerics/simd.h"

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
#define KC IBP__GEMM_KC /* k rows per chunk (128): the B panel (KC x NR, 8 KiB) stays in L1 */
#define MC (8 * MR) /* rows of A per block: MC x KC packed doubles (16 KiB), beside the B panel
                     * in L1 (16 rows ran tn 512x32x1024 3 % faster in wasm than 32 or 8) */

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

/* Packing is plain copying, written with vector loads and stores: the wasm build compiles
 * without the auto-vectorizers, and scalar copies there cost as much as a tenth of the GEMM. */
_Static_assert(MR == 2, "ibp__apack copies one vector per k and pair of rows");

/* Pack rows k < kc, columns j < nc (nc even) of b (row stride ldb) as consecutive panels of NR
 * columns, each kc x NR row-major; a narrower last panel of w = nc % NR columns has row stride w. */
static void ibp__bpack(int kc, int nc, const double *b, long ldb, double *bp) {
    int nfull = nc / NR, w = nc - nfull * NR;
    for (int k = 0; k < kc; k++) {
        const double *row = b + (long)k * ldb;
        for (int q = 0; q < nfull; q++) {
            double *d = bp + (long)q * kc * NR + k * NR;
            for (int v = 0; v < NV; v++) ibp_v_store(d + 2 * v, ibp_v_load(row + q * NR + 2 * v));
        }
        double *d = bp + (long)nfull * kc * NR + k * w;
        for (int j = 0; j < w; j += 2) ibp_v_store(d + j, ibp_v_load(row + nfull * NR + j));
    }
}

/* Pack A(p, k) = a[p + k*lda] (p < mc, k < kc: the tn layout) as ap[(p/MR)*kc*MR + k*MR + p%MR]:
 * each pair of rows becomes one panel read in k order by ibp__tile_apack. */
static void ibp__apack(int mc, int kc, const double *a, long lda, double *ap) {
    for (int k = 0; k < kc; k++) {
        const double *row = a + (long)k * lda;
        int p = 0;
        for (; p + MR <= mc; p += MR) ibp_v_store(ap + p * kc + k * MR, ibp_v_load(row + p));
        if (p < mc) ap[p * kc + k * MR] = row[p];
    }
}

/* One output column (N odd: the last column; N = 1: GEMV). The SIMD runs across pairs of ROWS
 * here, lane r being row i+r's own sequential chain; CV vectors (2 CV rows) at a time, enough
 * independent chains to hide the latency of the add. A(i, k) = a[i*ars + k*aks], b[k*bks]. */
#define CV 4
static void ibp__col1(int M, int K, const double *a, long ars, long aks, const double *b, long bks,
                      double *c, long ldc, int acc) {
    int i = 0;
    if (K <= 0) { /* empty sums: zero, or keep the old values */
        for (; !acc && i < M; i++) c[i * ldc] = 0.0;
        return;
    }
    for (; i + 2 * CV <= M; i += 2 * CV) {
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = K - k0 < KC ? K - k0 : KC, first = k0 == 0 && !acc;
            const double *ai = a + i * ars + (long)k0 * aks, *bk = b + (long)k0 * bks;
            ibp_v2d s[CV];
            for (int v = 0; v < CV; v++)
                s[v] = first ? ibp_v_zero()
                             : ibp_v_set(c[(i + 2 * v) * ldc], c[(i + 2 * v + 1) * ldc]);
            if (ars == 1) { /* rows adjacent in memory (tn): plain vector loads */
                for (int k = 0; k < kc; k++) {
                    ibp_v2d bb = ibp_v_splat(bk[k * bks]);
                    for (int v = 0; v < CV; v++)
                        s[v] = ibp_v_madd(ibp_v_load(ai + k * aks + 2 * v), bb, s[v]);
                }
            } else {
                int k = 0;
                if (aks == 1) /* rows contiguous in k (nn): a pair of k from each of two rows,
                               * regrouped by k with one shuffle each */
                    for (; k + 2 <= kc; k += 2) {
                        ibp_v2d b0 = ibp_v_splat(bk[k * bks]), b1 = ibp_v_splat(bk[(k + 1) * bks]);
                        for (int v = 0; v < CV; v++) {
                            const double *p = ai + (2 * v) * ars + k;
                            ibp_v2d r0 = ibp_v_load(p), r1 = ibp_v_load(p + ars);
                            s[v] = ibp_v_madd(ibp_v_unpacklo(r0, r1), b0, s[v]);
                            s[v] = ibp_v_madd(ibp_v_unpackhi(r0, r1), b1, s[v]);
                        }
                    }
                for (; k < kc; k++) {
                    ibp_v2d bb = ibp_v_splat(bk[k * bks]);
                    for (int v = 0; v < CV; v++) {
                        const double *p = ai + (2 * v) * ars + k * aks;
                        s[v] = ibp_v_madd(ibp_v_set(p[0], p[ars]), bb, s[v]);
                    }
                }
            }
            for (int v = 0; v < CV; v++) {
                c[(i + 2 * v) * ldc] = ibp_v_lane0(s[v]);
                c[(i + 2 * v + 1) * ldc] = ibp_v_lane1(s[v]);
            }
        }
    }
    for (; i < M; i++) { /* fewer than 2 CV rows left: scalar chains */
        double s = acc ? c[i * ldc] : 0.0;
        for (int k = 0; k < K; k++) s = s + a[i * ars + (long)k * aks] * b[(long)k * bks];
        c[i * ldc] = s;
    }
}

/* One output row (M = 1): c[0:N] (+)= sum_k a[k*aks] B[k, 0:N]. The SIMD runs across columns and
 * B is read row after row, contiguously (a column walk down B would cross a page per k); C holds
 * the partial sums between rows, four rows of B per pass, each element still adding its products
 * k = 0, 1, ..., K-1 in order. A first pass writes +0, the chain's start. */
static void ibp__row1(int N, int K, const double *a, long aks, const double *B, double *c,
                      int acc) {
    enum { JB = 1024 }; /* columns per block: that part of C stays in L1 while B streams */
    for (int j0 = 0; j0 < N; j0 += JB) {
        int nb = N - j0 < JB ? N - j0 : JB, ne = nb & ~1, k = 0;
        double *cj = c + j0;
        const double *bj = B + j0;
        if (!acc)
            for (int j = 0; j < nb; j++) cj[j] = 0.0;
        for (; k + 4 <= K; k += 4) {
            const double *b0 = bj + (long)k * N, *b1 = b0 + N, *b2 = b1 + N, *b3 = b2 + N;
            double x0 = a[k * aks], x1 = a[(k + 1) * aks], x2 = a[(k + 2) * aks],
                   x3 = a[(k + 3) * aks];
            ibp_v2d a0 = ibp_v_splat(x0), a1 = ibp_v_splat(x1), a2 = ibp_v_splat(x2),
                    a3 = ibp_v_splat(x3);
            int j = 0;
            for (; j < ne; j += 2) {
                ibp_v2d s = ibp_v_load(cj + j);
                s = ibp_v_madd(a0, ibp_v_load(b0 + j), s);
                s = ibp_v_madd(a1, ibp_v_load(b1 + j), s);
                s = ibp_v_madd(a2, ibp_v_load(b2 + j), s);
                s = ibp_v_madd(a3, ibp_v_load(b3 + j), s);
                ibp_v_store(cj + j, s);
            }
            if (j < nb)
                cj[j] = (((cj[j] + x0 * b0[j]) + x1 * b1[j]) + x2 * b2[j]) + x3 * b3[j];
        }
        for (; k < K; k++) {
            const double *b0 = bj + (long)k * N;
            double x0 = a[k * aks];
            ibp_v2d a0 = ibp_v_splat(x0);
            int j = 0;
            for (; j < ne; j += 2) ibp_v_store(cj + j, ibp_v_madd(a0, ibp_v_load(b0 + j), ibp_v_load(cj + j)));
            if (j < nb) cj[j] = cj[j] + x0 * b0[j];
        }
    }
}

/* Packed B: the B rows of one k-chunk over as many whole panels as BPK doubles hold (4 panels at
 * kc = KC, more when K is short), packed once and reused by every row block of A. */
#define BPK (4 * KC * NR)

/* C (M,N) (+)= op(A) B with A(i, k) = A[i*ars + k*aks]: nn has (ars, aks) = (K, 1), tn (1, M).
 * Ap / Bp, when not NULL, hold A / B already packed for the whole product (ibp__gemm_pack_a,
 * ibp__gemm_pack_b layouts): the products that reuse one operand across many calls pack it once.
 * The tiles, the chunks of k and so every sum are the same either way. */
static void ibp__gemm(int M, int N, int K, const double *A, long ars, long aks, const double *Ap,
                      const double *B, const double *Bp, double *C, int acc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!acc)
            for (long t = 0; t < (long)M * N; t++) C[t] = 0.0;
        return;
    }
    if (M == 1) { /* a row vector times B */
        ibp__row1(N, K, A, aks, B, C, acc);
        return;
    }
    double apack[MC * KC], bpack[BPK];
    int Ne = N & ~1; /* even columns go through the tiles; an odd last one through col1 */
    long Mp = M + (M & 1);
    /* Packing pays off when the panel is reused: B over the rows of A, A over the panels of B.
     * With a single block of rows (M <= MC), A is packed once per k-chunk. */
    int packb = Bp || M > 2 * MR, packa = Ap || (ars == 1 && M > MR && Ne > NR);
    int aonce = !Ap && packa && M <= MC;
    for (int k0 = 0; k0 < K && Ne > 0; k0 += KC) {
        int kc = K - k0 < KC ? K - k0 : KC, first = k0 == 0 && !acc;
        int ncb = packb ? BPK / (kc * NR) * NR : Ne; /* columns per block of B (L1) */
        if (aonce) ibp__apack(M, kc, A + (long)k0 * aks, aks, apack);
        for (int jc = 0; jc < Ne; jc += ncb) {
            int ncol = Ne - jc < ncb ? Ne - jc : ncb;
            if (packb && !Bp) ibp__bpack(kc, ncol, B + (long)k0 * N + jc, N, bpack);
            for (int i0 = 0; i0 < M; i0 += MC) {
                int mc = M - i0 < MC ? M - i0 : MC;
                const double *ap = Ap ? Ap + (long)k0 * Mp + (long)i0 * kc : A + i0 * ars + (long)k0 * aks;
                long pars = ars, paks = aks; /* layout of A in use: packed or in place */
                if (packa) {
                    if (!aonce && !Ap) ibp__apack(mc, kc, ap, aks, apack);
                    if (!Ap) ap = apack;
                    pars = 1, paks = MR;
                }
                for (int q = 0, j0 = jc; j0 < jc + ncol; q++, j0 += NR) {
                    int nv = (jc + ncol - j0 < NR ? jc + ncol - j0 : NR) / 2, p = 0;
                    const double *bp = B + (long)k0 * N + j0;
                    long bks = N;
                    if (Bp) bp = Bp + (long)k0 * Ne + (long)kc * j0, bks = 2 * nv;
                    else if (packb) bp = bpack + (long)q * kc * NR, bks = 2 * nv;
                    double *cp = C + (long)i0 * N + j0;
                    if (packb && nv == NV) {
                        if (packa)
                            for (; p + MR <= mc; p += MR)
                                ibp__tile_apack(kc, ap + p * kc, bp, cp + (long)p * N, N, first);
                        else if (aks == 1)
                            for (; p + MR <= mc; p += MR)
                                ibp__tile_arows(kc, ap + p * ars, ars, bp, cp + (long)p * N, N, first);
                    }
                    for (; p < mc; p += MR) {
                        int mr = mc - p < MR ? mc - p : MR;
                        const double *apr = packa ? ap + p * kc : ap + p * ars;
                        ibp__micro_edge(mr, nv, kc, apr, pars, paks, bp, bks, cp + (long)p * N, N, first);
                    }
                }
            }
        }
    }
    if (N & 1) ibp__col1(M, K, A, ars, aks, B + (N - 1), N, C + (N - 1), N, acc);
}

long ibp__gemm_packed_b_doubles(int K, int N) { return (long)K * (N & ~1); }

void ibp__gemm_pack_b(int K, int N, const double *B /* (K,N) */, double *Bp) {
    int Ne = N & ~1;
    for (int k0 = 0; k0 < K && Ne > 0; k0 += KC) {
        int kc = K - k0 < KC ? K - k0 : KC;
        ibp__bpack(kc, Ne, B + (long)k0 * N, N, Bp + (long)k0 * Ne);
    }
}

void ibp__gemm_nn_pb(int M, int N, int K, const double *A, const double *B, const double *Bp,
                     double *C, int acc) {
    ibp__gemm(M, N, K, A, K, 1, NULL, B, Bp, C, acc);
}

void ibp__gemm_tn_pa(int M, int N, int K, const double *Ap, const double *B, double *C, int acc) {
    IBP_CHECK(M >= 2 && !(N & 1));
    ibp__gemm(M, N, K, NULL, 1, M, Ap, B, NULL, C, acc);
}

void ibp__gemm_nn(int M, int N, int K, const double *A /* (M,K) */, const double *B /* (K,N) */,
                  double *C /* (M,N) */, int acc) {
    ibp__gemm(M, N, K, A, K, 1, NULL, B, NULL, C, acc);
}

void ibp__gemm_tn(int M, int N, int K, const double *A /* (K,M) */, const double *B /* (K,N) */,
                  double *C /* (M,N) */, int acc) {
    ibp__gemm(M, N, K, A, 1, M, NULL, B, NULL, C, acc);
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

/* ------------------------------------------------------------------------------------------ */
/* The Gram-Schmidt pair of Lanczos over the rows of V (stride ldv), in one sweep of column
 * chunks: w += sum_i cu[i] V_{u0+i} (i ascending for every element: the bits of nu ibp__axpy
 * calls), then hd[i] = V_i . w for i < nd and *ss = w . w (the bits of ibp__dot and ibp__sumsq:
 * each row's four partial sums live in part (4 nd) between chunks). A chunk of w stays in L1
 * while every row's chunk streams past it twice, once for the update and once for the dots. */
#ifndef IBP__GS_CB
#define IBP__GS_CB 3072
#endif
void ibp__gemv_pair(long n, const double *V, long ldv, int u0, int nu, const double *cu,
                    double *w, int nd, double *hd, double *ss, double *part) {
    long n4 = n - n % 4;
    int rmax = nu > nd ? nu : nd;
    long cb = (long)(IBP__GS_CB / (rmax > 0 ? rmax : 1)) & ~3L; /* columns per chunk */
    cb = cb < 64 ? 64 : cb > 1024 ? 1024 : cb;
    ibp_v2d q01 = ibp_v_zero(), q23 = ibp_v_zero();
    for (int i = 0; i < 4 * nd; i++) part[i] = 0.0;
    for (long c0 = 0; c0 < n4; c0 += cb) {
        long ce = n4 - c0 < cb ? n4 : c0 + cb;
        /* the update, four rows per pass: w stays in registers between their terms, which
         * still come one after another, row order, for every element */
        int i = 0;
        for (; i + 4 <= nu; i += 4) {
            const double *v0 = V + (long)(u0 + i) * ldv, *v1 = v0 + ldv, *v2 = v1 + ldv, *v3 = v2 + ldv;
            ibp_v2d a0 = ibp_v_splat(cu[i]), a1 = ibp_v_splat(cu[i + 1]);
            ibp_v2d a2 = ibp_v_splat(cu[i + 2]), a3 = ibp_v_splat(cu[i + 3]);
            for (long p = c0; p < ce; p += 2) {
                ibp_v2d x = ibp_v_load(w + p);
                x = ibp_v_madd(a0, ibp_v_load(v0 + p), x);
                x = ibp_v_madd(a1, ibp_v_load(v1 + p), x);
                x = ibp_v_madd(a2, ibp_v_load(v2 + p), x);
                x = ibp_v_madd(a3, ibp_v_load(v3 + p), x);
                ibp_v_store(w + p, x);
            }
        }
        for (; i < nu; i++) {
            const double *v = V + (long)(u0 + i) * ldv;
            ibp_v2d a = ibp_v_splat(cu[i]);
            for (long p = c0; p < ce; p += 2) ibp_v_store(w + p, ibp_v_madd(a, ibp_v_load(v + p), ibp_v_load(w + p)));
        }
        /* the dots, four rows per pass: eight independent chains hide the add latency */
        i = 0;
        for (; i + 4 <= nd; i += 4) {
            const double *v0 = V + (long)i * ldv, *v1 = v0 + ldv, *v2 = v1 + ldv, *v3 = v2 + ldv;
            double *q = part + 4 * i;
            ibp_v2d s0 = ibp_v_load(q), t0 = ibp_v_load(q + 2), s1 = ibp_v_load(q + 4);
            ibp_v2d t1 = ibp_v_load(q + 6), s2 = ibp_v_load(q + 8), t2 = ibp_v_load(q + 10);
            ibp_v2d s3 = ibp_v_load(q + 12), t3 = ibp_v_load(q + 14);
            for (long p = c0; p < ce; p += 4) {
                ibp_v2d x = ibp_v_load(w + p), y = ibp_v_load(w + p + 2);
                s0 = ibp_v_madd(ibp_v_load(v0 + p), x, s0);
                t0 = ibp_v_madd(ibp_v_load(v0 + p + 2), y, t0);
                s1 = ibp_v_madd(ibp_v_load(v1 + p), x, s1);
                t1 = ibp_v_madd(ibp_v_load(v1 + p + 2), y, t1);
                s2 = ibp_v_madd(ibp_v_load(v2 + p), x, s2);
                t2 = ibp_v_madd(ibp_v_load(v2 + p + 2), y, t2);
                s3 = ibp_v_madd(ibp_v_load(v3 + p), x, s3);
                t3 = ibp_v_madd(ibp_v_load(v3 + p + 2), y, t3);
            }
            ibp_v_store(q, s0), ibp_v_store(q + 2, t0), ibp_v_store(q + 4, s1);
            ibp_v_store(q + 6, t1), ibp_v_store(q + 8, s2), ibp_v_store(q + 10, t2);
            ibp_v_store(q + 12, s3), ibp_v_store(q + 14, t3);
        }
        for (; i < nd; i++) {
            const double *v = V + (long)i * ldv;
            ibp_v2d s01 = ibp_v_load(part + 4 * i), s23 = ibp_v_load(part + 4 * i + 2);
            for (long p = c0; p < ce; p += 4) {
                s01 = ibp_v_madd(ibp_v_load(v + p), ibp_v_load(w + p), s01);
                s23 = ibp_v_madd(ibp_v_load(v + p + 2), ibp_v_load(w + p + 2), s23);
            }
            ibp_v_store(part + 4 * i, s01);
            ibp_v_store(part + 4 * i + 2, s23);
        }
        if (ss)
            for (long p = c0; p < ce; p += 4) {
                ibp_v2d x = ibp_v_load(w + p), y = ibp_v_load(w + p + 2);
                q01 = ibp_v_madd(x, x, q01);
                q23 = ibp_v_madd(y, y, q23);
            }
    }
    for (long p = n4; p < n; p++) /* the tail: each element's own chain */
        for (int i = 0; i < nu; i++) w[p] = w[p] + cu[i] * V[(long)(u0 + i) * ldv + p];
    for (int i = 0; i < nd; i++) {
        const double *v = V + (long)i * ldv, *s = part + 4 * i;
        double d = (s[0] + s[1]) + (s[2] + s[3]);
        for (long p = n4; p < n; p++) d = d + v[p] * w[p];
        hd[i] = d;
    }
    if (ss) {
        double d = (ibp_v_lane0(q01) + ibp_v_lane1(q01)) + (ibp_v_lane0(q23) + ibp_v_lane1(q23));
        for (long p = n4; p < n; p++) d = d + w[p] * w[p];
        *ss = d;
    }
}
