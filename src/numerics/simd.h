/* simd.h -- the SIMD vocabulary: two float64 lanes, on wasm simd128, SSE2 or plain C.
 *
 * Every kernel is written once against these macros. Each operation is the same IEEE-754
 * operation lane by lane on every backend (add, sub, mul, div, sqrt are correctly rounded
 * everywhere), so a kernel gives identical bits on all three. Rules that keep it so:
 *   - multiply-add is ALWAYS add(mul(a, b), c): never a fused multiply-add;
 *   - min/max/abs/select are defined here by compare + select: min(a, b) = a < b ? a : b and
 *     max(a, b) = b < a ? a : b, so an unordered compare (a NaN) and +0 vs -0 give b. Never
 *     the IEEE minimum/maximum instructions (wasm f64x2.min/max propagate NaN and order -0 <
 *     +0). SSE2's minpd/maxpd and wasm's pmin/pmax are defined as exactly these selects, so
 *     those backends use them: one instruction instead of four;
 *   - horizontal sums are written explicitly as lane0 + lane1 by the caller, in a documented
 *     order, and scalar reference code reproduces that order.
 * Define IBP_NO_SIMD to force the scalar backend (the build option IBP_SIMD=OFF does).
 */
#ifndef IBP_SIMD_H
#define IBP_SIMD_H

#include <stdint.h>
#include <string.h>

#if !defined(IBP_NO_SIMD) && defined(__wasm_simd128__)
#define IBP_SIMD_WASM 1
#include <wasm_simd128.h>
typedef v128_t ibp_v2d; /* two doubles */
typedef v128_t ibp_v2i; /* two int64 (bit patterns) */
#define IBP_SIMD_NAME "wasm-simd128"
static inline ibp_v2d ibp_v_load(const double *p) { return wasm_v128_load(p); }
static inline void ibp_v_store(double *p, ibp_v2d a) { wasm_v128_store(p, a); }
static inline ibp_v2d ibp_v_splat(double x) { return wasm_f64x2_splat(x); }
static inline ibp_v2d ibp_v_set(double lo, double hi) { return wasm_f64x2_make(lo, hi); }
static inline double ibp_v_lane0(ibp_v2d a) { return wasm_f64x2_extract_lane(a, 0); }
static inline double ibp_v_lane1(ibp_v2d a) { return wasm_f64x2_extract_lane(a, 1); }
static inline ibp_v2d ibp_v_add(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_add(a, b); }
static inline ibp_v2d ibp_v_sub(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_sub(a, b); }
static inline ibp_v2d ibp_v_mul(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_mul(a, b); }
static inline ibp_v2d ibp_v_div(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_div(a, b); }
static inline ibp_v2d ibp_v_sqrt(ibp_v2d a) { return wasm_f64x2_sqrt(a); }
static inline ibp_v2d ibp_v_lt(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_lt(a, b); }
static inline ibp_v2d ibp_v_le(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_le(a, b); }
static inline ibp_v2d ibp_v_eq(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_eq(a, b); }
static inline ibp_v2d ibp_v_and(ibp_v2d a, ibp_v2d b) { return wasm_v128_and(a, b); }
static inline ibp_v2d ibp_v_or(ibp_v2d a, ibp_v2d b) { return wasm_v128_or(a, b); }
static inline ibp_v2d ibp_v_xor(ibp_v2d a, ibp_v2d b) { return wasm_v128_xor(a, b); }
static inline ibp_v2d ibp_v_andnot(ibp_v2d a, ibp_v2d b) { return wasm_v128_andnot(b, a); } /* ~a & b */
/* mask ? a : b, mask lanes all-ones or all-zeros */
static inline ibp_v2d ibp_v_select(ibp_v2d mask, ibp_v2d a, ibp_v2d b) { return wasm_v128_bitselect(a, b, mask); }
/* a < b ? a : b and b < a ? a : b: pmin(x, y) is y < x ? y : x, pmax(x, y) is x < y ? y : x */
static inline ibp_v2d ibp_v_min(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_pmin(b, a); }
static inline ibp_v2d ibp_v_max(ibp_v2d a, ibp_v2d b) { return wasm_f64x2_pmax(b, a); }
/* [a0, b0] and [a1, b1]: with two rows loaded as pairs, these are the pairs' columns */
static inline ibp_v2d ibp_v_unpacklo(ibp_v2d a, ibp_v2d b) { return wasm_i64x2_shuffle(a, b, 0, 2); }
static inline ibp_v2d ibp_v_unpackhi(ibp_v2d a, ibp_v2d b) { return wasm_i64x2_shuffle(a, b, 1, 3); }
static inline ibp_v2i ibp_v_as_i(ibp_v2d a) { return a; }
static inline ibp_v2d ibp_v_as_d(ibp_v2i a) { return a; }
static inline ibp_v2i ibp_vi_add(ibp_v2i a, ibp_v2i b) { return wasm_i64x2_add(a, b); }
static inline ibp_v2i ibp_vi_sub(ibp_v2i a, ibp_v2i b) { return wasm_i64x2_sub(a, b); }
static inline ibp_v2i ibp_vi_splat(int64_t x) { return wasm_i64x2_splat(x); }
#define ibp_vi_shl(a, n) wasm_i64x2_shl((a), (n))
#define ibp_vi_shr(a, n) wasm_u64x2_shr((a), (n)) /* logical */

#elif !defined(IBP_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64))
#define IBP_SIMD_SSE2 1
#include <emmintrin.h>
typedef __m128d ibp_v2d;
typedef __m128i ibp_v2i;
#define IBP_SIMD_NAME "sse2"
static inline ibp_v2d ibp_v_load(const double *p) { return _mm_loadu_pd(p); }
static inline void ibp_v_store(double *p, ibp_v2d a) { _mm_storeu_pd(p, a); }
static inline ibp_v2d ibp_v_splat(double x) { return _mm_set1_pd(x); }
static inline ibp_v2d ibp_v_set(double lo, double hi) { return _mm_set_pd(hi, lo); }
static inline double ibp_v_lane0(ibp_v2d a) { return _mm_cvtsd_f64(a); }
static inline double ibp_v_lane1(ibp_v2d a) { return _mm_cvtsd_f64(_mm_unpackhi_pd(a, a)); }
static inline ibp_v2d ibp_v_add(ibp_v2d a, ibp_v2d b) { return _mm_add_pd(a, b); }
static inline ibp_v2d ibp_v_sub(ibp_v2d a, ibp_v2d b) { return _mm_sub_pd(a, b); }
static inline ibp_v2d ibp_v_mul(ibp_v2d a, ibp_v2d b) { return _mm_mul_pd(a, b); }
static inline ibp_v2d ibp_v_div(ibp_v2d a, ibp_v2d b) { return _mm_div_pd(a, b); }
static inline ibp_v2d ibp_v_sqrt(ibp_v2d a) { return _mm_sqrt_pd(a); }
static inline ibp_v2d ibp_v_lt(ibp_v2d a, ibp_v2d b) { return _mm_cmplt_pd(a, b); }
static inline ibp_v2d ibp_v_le(ibp_v2d a, ibp_v2d b) { return _mm_cmple_pd(a, b); }
static inline ibp_v2d ibp_v_eq(ibp_v2d a, ibp_v2d b) { return _mm_cmpeq_pd(a, b); }
static inline ibp_v2d ibp_v_and(ibp_v2d a, ibp_v2d b) { return _mm_and_pd(a, b); }
static inline ibp_v2d ibp_v_or(ibp_v2d a, ibp_v2d b) { return _mm_or_pd(a, b); }
static inline ibp_v2d ibp_v_xor(ibp_v2d a, ibp_v2d b) { return _mm_xor_pd(a, b); }
static inline ibp_v2d ibp_v_andnot(ibp_v2d a, ibp_v2d b) { return _mm_andnot_pd(a, b); } /* ~a & b */
static inline ibp_v2d ibp_v_select(ibp_v2d mask, ibp_v2d a, ibp_v2d b) {
    return _mm_or_pd(_mm_and_pd(mask, a), _mm_andnot_pd(mask, b));
}
/* minpd(a, b) is a < b ? a : b and maxpd(a, b) is a > b ? a : b, else b (NaN, +-0) */
static inline ibp_v2d ibp_v_min(ibp_v2d a, ibp_v2d b) { return _mm_min_pd(a, b); }
static inline ibp_v2d ibp_v_max(ibp_v2d a, ibp_v2d b) { return _mm_max_pd(a, b); }
static inline ibp_v2d ibp_v_unpacklo(ibp_v2d a, ibp_v2d b) { return _mm_unpacklo_pd(a, b); }
static inline ibp_v2d ibp_v_unpackhi(ibp_v2d a, ibp_v2d b) { return _mm_unpackhi_pd(a, b); }
static inline ibp_v2i ibp_v_as_i(ibp_v2d a) { return _mm_castpd_si128(a); }
static inline ibp_v2d ibp_v_as_d(ibp_v2i a) { return _mm_castsi128_pd(a); }
static inline ibp_v2i ibp_vi_add(ibp_v2i a, ibp_v2i b) { return _mm_add_epi64(a, b); }
static inline ibp_v2i ibp_vi_sub(ibp_v2i a, ibp_v2i b) { return _mm_sub_epi64(a, b); }
static inline ibp_v2i ibp_vi_splat(int64_t x) { return _mm_set1_epi64x(x); }
#define ibp_vi_shl(a, n) _mm_slli_epi64((a), (n))
#define ibp_vi_shr(a, n) _mm_srli_epi64((a), (n))

#else
#define IBP_SIMD_SCALAR 1
typedef struct { double v[2]; } ibp_v2d;
typedef struct { uint64_t v[2]; } ibp_v2i;
#define IBP_SIMD_NAME "scalar"
static inline ibp_v2d ibp_v_load(const double *p) { ibp_v2d r; r.v[0] = p[0]; r.v[1] = p[1]; return r; }
static inline void ibp_v_store(double *p, ibp_v2d a) { p[0] = a.v[0]; p[1] = a.v[1]; }
static inline ibp_v2d ibp_v_splat(double x) { ibp_v2d r; r.v[0] = x; r.v[1] = x; return r; }
static inline ibp_v2d ibp_v_set(double lo, double hi) { ibp_v2d r; r.v[0] = lo; r.v[1] = hi; return r; }
static inline double ibp_v_lane0(ibp_v2d a) { return a.v[0]; }
static inline double ibp_v_lane1(ibp_v2d a) { return a.v[1]; }
static inline ibp_v2d ibp_v_unpacklo(ibp_v2d a, ibp_v2d b) { return ibp_v_set(a.v[0], b.v[0]); }
static inline ibp_v2d ibp_v_unpackhi(ibp_v2d a, ibp_v2d b) { return ibp_v_set(a.v[1], b.v[1]); }
#define IBP__V_BIN(name, expr)                                                  \
    static inline ibp_v2d name(ibp_v2d a, ibp_v2d b) {                          \
        ibp_v2d r; for (int i = 0; i < 2; i++) { double x = a.v[i], y = b.v[i]; r.v[i] = (expr); } \
        return r;                                                               \
    }
IBP__V_BIN(ibp_v_add, x + y)
IBP__V_BIN(ibp_v_sub, x - y)
IBP__V_BIN(ibp_v_mul, x * y)
IBP__V_BIN(ibp_v_div, x / y)
#undef IBP__V_BIN
static inline ibp_v2d ibp_v_sqrt(ibp_v2d a) {
    ibp_v2d r; r.v[0] = __builtin_sqrt(a.v[0]); r.v[1] = __builtin_sqrt(a.v[1]); return r;
}
static inline ibp_v2i ibp_v_as_i(ibp_v2d a) { ibp_v2i r; memcpy(&r, &a, sizeof r); return r; }
static inline ibp_v2d ibp_v_as_d(ibp_v2i a) { ibp_v2d r; memcpy(&r, &a, sizeof r); return r; }
static inline ibp_v2d ibp__v_mask(int m0, int m1) {
    ibp_v2i r; r.v[0] = m0 ? ~(uint64_t)0 : 0; r.v[1] = m1 ? ~(uint64_t)0 : 0; return ibp_v_as_d(r);
}
static inline ibp_v2d ibp_v_lt(ibp_v2d a, ibp_v2d b) { return ibp__v_mask(a.v[0] < b.v[0], a.v[1] < b.v[1]); }
static inline ibp_v2d ibp_v_le(ibp_v2d a, ibp_v2d b) { return ibp__v_mask(a.v[0] <= b.v[0], a.v[1] <= b.v[1]); }
static inline ibp_v2d ibp_v_eq(ibp_v2d a, ibp_v2d b) { return ibp__v_mask(a.v[0] == b.v[0], a.v[1] == b.v[1]); }
#define IBP__VI_BIN(name, expr)                                                 \
    static inline ibp_v2i name(ibp_v2i a, ibp_v2i b) {                          \
        ibp_v2i r; for (int i = 0; i < 2; i++) { uint64_t x = a.v[i], y = b.v[i]; r.v[i] = (expr); } \
        return r;                                                               \
    }
IBP__VI_BIN(ibp_vi_add, x + y)
IBP__VI_BIN(ibp_vi_sub, x - y)
IBP__VI_BIN(ibp__vi_and, x & y)
IBP__VI_BIN(ibp__vi_or, x | y)
IBP__VI_BIN(ibp__vi_xor, x ^ y)
IBP__VI_BIN(ibp__vi_andnot, ~x & y)
#undef IBP__VI_BIN
static inline ibp_v2d ibp_v_and(ibp_v2d a, ibp_v2d b) { return ibp_v_as_d(ibp__vi_and(ibp_v_as_i(a), ibp_v_as_i(b))); }
static inline ibp_v2d ibp_v_or(ibp_v2d a, ibp_v2d b) { return ibp_v_as_d(ibp__vi_or(ibp_v_as_i(a), ibp_v_as_i(b))); }
static inline ibp_v2d ibp_v_xor(ibp_v2d a, ibp_v2d b) { return ibp_v_as_d(ibp__vi_xor(ibp_v_as_i(a), ibp_v_as_i(b))); }
static inline ibp_v2d ibp_v_andnot(ibp_v2d a, ibp_v2d b) { return ibp_v_as_d(ibp__vi_andnot(ibp_v_as_i(a), ibp_v_as_i(b))); }
static inline ibp_v2d ibp_v_select(ibp_v2d mask, ibp_v2d a, ibp_v2d b) { return ibp_v_or(ibp_v_and(mask, a), ibp_v_andnot(mask, b)); }
static inline ibp_v2d ibp_v_min(ibp_v2d a, ibp_v2d b) { return ibp_v_select(ibp_v_lt(a, b), a, b); }
static inline ibp_v2d ibp_v_max(ibp_v2d a, ibp_v2d b) { return ibp_v_select(ibp_v_lt(b, a), a, b); }
static inline ibp_v2i ibp_vi_splat(int64_t x) { ibp_v2i r; r.v[0] = (uint64_t)x; r.v[1] = (uint64_t)x; return r; }
static inline ibp_v2i ibp_vi_shl(ibp_v2i a, int n) { a.v[0] <<= n; a.v[1] <<= n; return a; }
static inline ibp_v2i ibp_vi_shr(ibp_v2i a, int n) { a.v[0] >>= n; a.v[1] >>= n; return a; }
#endif

/* Derived operations: identical definitions on every backend. */
static inline ibp_v2d ibp_v_zero(void) { return ibp_v_splat(0.0); }
/* a * b + c, NEVER fused */
static inline ibp_v2d ibp_v_madd(ibp_v2d a, ibp_v2d b, ibp_v2d c) { return ibp_v_add(ibp_v_mul(a, b), c); }
static inline ibp_v2d ibp_v_gt(ibp_v2d a, ibp_v2d b) { return ibp_v_lt(b, a); }
static inline ibp_v2d ibp_v_ge(ibp_v2d a, ibp_v2d b) { return ibp_v_le(b, a); }
static inline ibp_v2d ibp_v_abs(ibp_v2d a) { return ibp_v_andnot(ibp_v_splat(-0.0), a); }
static inline ibp_v2d ibp_v_neg(ibp_v2d a) { return ibp_v_xor(ibp_v_splat(-0.0), a); }
/* Copy the sign of s onto |a|. */
static inline ibp_v2d ibp_v_copysign(ibp_v2d a, ibp_v2d s) {
    ibp_v2d m = ibp_v_splat(-0.0);
    return ibp_v_or(ibp_v_andnot(m, a), ibp_v_and(m, s));
}

#endif /* IBP_SIMD_H */
