/* vmath.h -- elementary functions on ibp_v2d, branch-free, written only with simd.h operations.
 *
 *   ibp__vexp  ibp__vexpm1  ibp__vlog  ibp__vlog1p  ibp__vtanh  ibp__vsigmoid  ibp__vsoftplus
 *   ibp__verf  ibp__verfc   ibp__vsin  ibp__vcos    (+ ibp__vlog_dd: log as a double-double)
 *
 * Why our own: libm differs between glibc, musl and Emscripten, so the same model would give
 * different bits natively and in the browser. Here every result is a fixed sequence of IEEE
 * add/sub/mul/div (never fused), compares, bit selects and integer ops on the exponent field,
 * which each backend of simd.h performs identically; mathf.c's scalar forms are lane 0 of these.
 *
 * Method: the fdlibm algorithms (Sun Microsystems 1993, "Permission to use, copy, modify, and
 * distribute this software is freely granted, provided that this notice is preserved"), with
 * their polynomial and rational coefficients, rewritten without branches: every range's formula
 * is evaluated and the lane's answer chosen by compare + select. Integers never leave the
 * floating-point registers: n = (x + 1.5*2^52) - 1.5*2^52 rounds to an integer, whose low bits
 * are then readable in the bits of x + 1.5*2^52 (2^n and quadrants come from there).
 * Accuracy against the correctly rounded result (tests/test_mathf.c measures it): below 1 ulp
 * for exp, expm1, log, log1p, erf, sin, cos; below 2.5 ulp for tanh, sigmoid, softplus, erfc.
 * Specials follow C99 Annex F: NaN in -> that NaN out; exp(+-inf) = inf/0, log(0) = -inf,
 * log(<0) = NaN, odd functions keep the sign of 0, sin/cos(inf) = NaN. Results that underflow
 * are rounded once (subnormals are exact to within an ulp). sin/cos reduce with a 3-part pi/2
 * (33 bits each), exact for |x| < 2^20 pi/2 ~ 1.6e6; beyond that the absolute error grows like
 * |x| 2^-54, and for |x| >= 2^50 (no fractional bits left) the result is NaN.
 */
#ifndef IBP_VMATH_H
#define IBP_VMATH_H

#include "numerics/simd.h"

#define IBP__VM static inline
#define IBP__K(c) ibp_v_splat(c)
#define IBP__VM_INF (__builtin_inf())

/* ---- building blocks --------------------------------------------------------------------- */
/* x rounded to an integer (ties to even), |x| < 2^51: the add pushes the fraction out. */
IBP__VM ibp_v2d ibp__vm_rint(ibp_v2d x) {
    ibp_v2d m = IBP__K(0x1.8p52);
    return ibp_v_sub(ibp_v_add(x, m), m);
}
/* 2^n for an integer-valued n in [-1022, 1023]: n sits in the low bits of n + 1.5*2^52, so
 * adding the bias and shifting by 52 builds the exponent field (the high bits shift out). */
IBP__VM ibp_v2d ibp__vm_pow2i(ibp_v2d n) {
    ibp_v2i b = ibp_v_as_i(ibp_v_add(n, IBP__K(0x1.8p52)));
    return ibp_v_as_d(ibp_vi_shl(ibp_vi_add(b, ibp_vi_splat(1023)), 52));
}
/* y 2^n for integer n in [-1078, 1024] in two steps, the first exact, so a subnormal or
 * overflowing result is rounded once. */
IBP__VM ibp_v2d ibp__vm_ldexp(ibp_v2d y, ibp_v2d n) {
    ibp_v2d n1 = ibp__vm_rint(ibp_v_mul(n, IBP__K(0.5)));
    ibp_v2d n2 = ibp_v_sub(n, n1);
    return ibp_v_mul(ibp_v_mul(y, ibp__vm_pow2i(n1)), ibp__vm_pow2i(n2));
}
/* NaN inputs come out unchanged (same bits on every platform, unlike arithmetic NaNs). */
IBP__VM ibp_v2d ibp__vm_keepnan(ibp_v2d x, ibp_v2d y) { return ibp_v_select(ibp_v_eq(x, x), y, x); }
/* c0 + z (c1 + z (c2 + ...)): Horner, each step add(mul). */
#define IBP__H2(z, a, b) ibp_v_add(IBP__K(a), ibp_v_mul(z, IBP__K(b)))
#define IBP__H(z, a, rest) ibp_v_add(IBP__K(a), ibp_v_mul(z, rest))

/* a + b = s + e exactly (Knuth's TwoSum, no condition on the magnitudes). */
IBP__VM ibp_v2d ibp__vm_two_sum(ibp_v2d a, ibp_v2d b, ibp_v2d *e) {
    ibp_v2d s = ibp_v_add(a, b), bb = ibp_v_sub(s, a);
    *e = ibp_v_add(ibp_v_sub(a, ibp_v_sub(s, bb)), ibp_v_sub(b, bb));
    return s;
}
/* a b = p + e exactly (Dekker with Veltkamp splitting; no FMA), |a|, |b| < 2^995. */
IBP__VM ibp_v2d ibp__vm_two_prod(ibp_v2d a, ibp_v2d b, ibp_v2d *e) {
    ibp_v2d sp = IBP__K(134217729.0); /* 2^27 + 1 */
    ibp_v2d ca = ibp_v_mul(a, sp), cb = ibp_v_mul(b, sp);
    ibp_v2d ah = ibp_v_sub(ca, ibp_v_sub(ca, a)), al = ibp_v_sub(a, ah);
    ibp_v2d bh = ibp_v_sub(cb, ibp_v_sub(cb, b)), bl = ibp_v_sub(b, bh);
    ibp_v2d p = ibp_v_mul(a, b);
    *e = ibp_v_add(ibp_v_add(ibp_v_add(ibp_v_sub(ibp_v_mul(ah, bh), p), ibp_v_mul(ah, bl)),
                             ibp_v_mul(al, bh)),
                   ibp_v_mul(al, bl));
    return p;
}

#define IBP__LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000: k ln2_hi exact, |k| < 2^21 */
#define IBP__LN2_LO 1.90821492927058770002e-10
#define IBP__INVLN2 1.44269504088896338700e+00

/* ---- exp --------------------------------------------------------------------------------- */
/* x = k ln2 + r, |r| <= ln2/2; exp(r) = 1 + r + r c / (2 - c) with c = r - r^2 P(r^2). */
IBP__VM ibp_v2d ibp__vexp(ibp_v2d x) {
    /* beyond [-746, 710] the result is 0 or inf anyway; clamping keeps k in ldexp's range */
    ibp_v2d xc = ibp_v_min(ibp_v_max(x, IBP__K(-746.0)), IBP__K(710.0));
    ibp_v2d k = ibp__vm_rint(ibp_v_mul(xc, IBP__K(IBP__INVLN2)));
    ibp_v2d hi = ibp_v_sub(xc, ibp_v_mul(k, IBP__K(IBP__LN2_HI)));
    ibp_v2d lo = ibp_v_mul(k, IBP__K(IBP__LN2_LO));
    ibp_v2d r = ibp_v_sub(hi, lo), t = ibp_v_mul(r, r);
    ibp_v2d p = IBP__H(t, 1.66666666666666019037e-01,
                IBP__H(t, -2.77777777770155933842e-03,
                IBP__H(t, 6.61375632143793436117e-05,
                IBP__H2(t, -1.65339022054652515390e-06, 4.13813679705723846039e-08))));
    ibp_v2d c = ibp_v_sub(r, ibp_v_mul(t, p));
    ibp_v2d q = ibp_v_div(ibp_v_mul(r, c), ibp_v_sub(IBP__K(2.0), c));
    ibp_v2d y = ibp_v_sub(IBP__K(1.0), ibp_v_sub(ibp_v_sub(lo, q), hi));
    return ibp__vm_keepnan(x, ibp__vm_ldexp(y, k));
}

/* ---- expm1 ------------------------------------------------------------------------------- */
/* fdlibm's expm1 kernel: x = k ln2 + r + c (c: the rounding error of r), expm1(r) by a rational
 * form. Returns expm1(r) (the answer when k = 0, where c = 0) and sets e, the correction with
 * expm1(r + c) ~ r - e, for the other ways of putting 2^k back. */
IBP__VM ibp_v2d ibp__vm_expm1_kernel(ibp_v2d x, ibp_v2d *k, ibp_v2d *r, ibp_v2d *e) {
    ibp_v2d kk = ibp__vm_rint(ibp_v_mul(x, IBP__K(IBP__INVLN2)));
    ibp_v2d hi = ibp_v_sub(x, ibp_v_mul(kk, IBP__K(IBP__LN2_HI)));
    ibp_v2d lo = ibp_v_mul(kk, IBP__K(IBP__LN2_LO));
    ibp_v2d rr = ibp_v_sub(hi, lo), c = ibp_v_sub(ibp_v_sub(hi, rr), lo);
    ibp_v2d hfx = ibp_v_mul(IBP__K(0.5), rr), hxs = ibp_v_mul(rr, hfx);
    ibp_v2d r1 = IBP__H(hxs, 1.0,
                 IBP__H(hxs, -3.33333333333331316428e-02,
                 IBP__H(hxs, 1.58730158725481460165e-03,
                 IBP__H(hxs, -7.93650757867487942473e-05,
                 IBP__H2(hxs, 4.00821782732936239552e-06, -2.01099218183624371326e-07)))));
    ibp_v2d t = ibp_v_sub(IBP__K(3.0), ibp_v_mul(r1, hfx));
    ibp_v2d ee = ibp_v_mul(hxs, ibp_v_div(ibp_v_sub(r1, t),
                                          ibp_v_sub(IBP__K(6.0), ibp_v_mul(rr, t))));
    *k = kk, *r = rr;
    *e = ibp_v_sub(ibp_v_sub(ibp_v_mul(rr, ibp_v_sub(ee, c)), c), hxs);
    return ibp_v_sub(rr, ibp_v_sub(ibp_v_mul(rr, ee), hxs));
}

/* fdlibm's seven ways to put 2^k back, all evaluated; the lane's k picks one. */
IBP__VM ibp_v2d ibp__vexpm1(ibp_v2d x) {
    ibp_v2d one = IBP__K(1.0), k, r, e;
    ibp_v2d xc = ibp_v_min(ibp_v_max(x, IBP__K(-60.0)), IBP__K(710.0)); /* -60: result is -1 */
    ibp_v2d res0 = ibp__vm_expm1_kernel(xc, &k, &r, &e);                 /* k = 0 */
    ibp_v2d rme = ibp_v_sub(r, e);
    ibp_v2d resm1 = ibp_v_sub(ibp_v_mul(IBP__K(0.5), rme), IBP__K(0.5)); /* k = -1 */
    ibp_v2d resp1 = ibp_v_select(ibp_v_lt(r, IBP__K(-0.25)),           /* k = 1 */
                                 ibp_v_mul(IBP__K(-2.0), ibp_v_sub(e, ibp_v_add(r, IBP__K(0.5)))),
                                 ibp_v_add(one, ibp_v_mul(IBP__K(2.0), rme)));
    ibp_v2d twomk = ibp__vm_pow2i(ibp_v_neg(k)); /* only used (and valid) for 2 <= k <= 56 */
    ibp_v2d ylo = ibp_v_add(rme, ibp_v_sub(one, twomk));                          /* k < 20 */
    ibp_v2d yhi = ibp_v_add(ibp_v_sub(r, ibp_v_add(e, twomk)), one);              /* k >= 20 */
    ibp_v2d far = ibp_v_or(ibp_v_lt(k, IBP__K(-1.5)), ibp_v_lt(IBP__K(56.5), k)); /* exp - 1 */
    ibp_v2d y = ibp_v_select(far, ibp_v_add(rme, one),
                             ibp_v_select(ibp_v_lt(k, IBP__K(19.5)), ylo, yhi));
    y = ibp__vm_ldexp(y, k);
    y = ibp_v_select(far, ibp_v_sub(y, one), y);
    y = ibp_v_select(ibp_v_eq(k, IBP__K(1.0)), resp1, y);
    y = ibp_v_select(ibp_v_eq(k, IBP__K(-1.0)), resm1, y);
    y = ibp_v_select(ibp_v_eq(k, ibp_v_zero()), res0, y);
    y = ibp_v_select(ibp_v_lt(ibp_v_abs(x), IBP__K(0x1p-54)), x, y); /* keeps -0, subnormals */
    return ibp__vm_keepnan(x, y);
}

/* ---- log --------------------------------------------------------------------------------- */
/* Shared core for positive finite u: u = 2^k m with m in [sqrt2/2, sqrt2), f = m - 1 (exact),
 * s = f / (2 + f), and log(1 + f) = 2 atanh(s) = 2s + s R(s^2) with fdlibm's R (Lg1..Lg7). */
IBP__VM void ibp__vm_log_reduce(ibp_v2d u, ibp_v2d *k, ibp_v2d *f, ibp_v2d *s, ibp_v2d *R) {
    ibp_v2d sub = ibp_v_lt(u, IBP__K(0x1p-1022)); /* subnormal: scale into the normal range */
    u = ibp_v_select(sub, ibp_v_mul(u, IBP__K(0x1p54)), u);
    /* adding 0x95f62 to the high word carries into the exponent exactly when m >= sqrt2 */
    ibp_v2i ix = ibp_vi_add(ibp_v_as_i(u), ibp_vi_splat(0x00095F6200000000LL));
    ibp_v2d e = ibp_v_as_d(ibp_vi_shr(ix, 52)); /* biased exponent as a tiny integer pattern */
    ibp_v2d kk = ibp_v_sub(ibp_v_or(e, IBP__K(0x1p52)), IBP__K(0x1p52 + 1023.0));
    *k = ibp_v_sub(kk, ibp_v_and(sub, IBP__K(54.0)));
    ibp_v2d mant = ibp_v_and(ibp_v_as_d(ix), ibp_v_as_d(ibp_vi_splat(0x000FFFFFFFFFFFFFLL)));
    ibp_v2d m = ibp_v_as_d(ibp_vi_add(ibp_v_as_i(mant), ibp_vi_splat(0x3FE6A09E00000000LL)));
    ibp_v2d ff = ibp_v_sub(m, IBP__K(1.0));
    ibp_v2d ss = ibp_v_div(ff, ibp_v_add(IBP__K(2.0), ff));
    ibp_v2d z = ibp_v_mul(ss, ss), w = ibp_v_mul(z, z);
    ibp_v2d t1 = ibp_v_mul(w, IBP__H(w, 3.999999999940941908e-01,
                              IBP__H2(w, 2.222219843214978396e-01, 1.531383769920937332e-01)));
    ibp_v2d t2 = ibp_v_mul(z, IBP__H(w, 6.666666666666735130e-01,
                              IBP__H(w, 2.857142874366239149e-01,
                              IBP__H2(w, 1.818357216161805012e-01, 1.479819860511658591e-01))));
    *f = ff, *s = ss, *R = ibp_v_add(t2, t1);
}
/* log(u) + c for positive finite u and a small correction c: fdlibm's arrangement
 * k ln2_hi + (f - (hfsq - (s (hfsq + R) + k ln2_lo + c))) with hfsq = f^2 / 2. */
IBP__VM ibp_v2d ibp__vm_log_core(ibp_v2d u, ibp_v2d c) {
    ibp_v2d k, f, s, R;
    ibp__vm_log_reduce(u, &k, &f, &s, &R);
    ibp_v2d hfsq = ibp_v_mul(ibp_v_mul(IBP__K(0.5), f), f);
    ibp_v2d sr = ibp_v_mul(s, ibp_v_add(hfsq, R));
    ibp_v2d lo = ibp_v_add(ibp_v_mul(k, IBP__K(IBP__LN2_LO)), c);
    return ibp_v_add(ibp_v_add(ibp_v_sub(ibp_v_add(sr, lo), hfsq), f),
                     ibp_v_mul(k, IBP__K(IBP__LN2_HI)));
}
/* The special results of log-like functions at argument u: 0 -> -inf, +inf -> +inf, NaN ->
 * itself, anything else (negative) -> NaN; ok marks the lanes where y is the answer. */
IBP__VM ibp_v2d ibp__vm_log_special(ibp_v2d u, ibp_v2d ok, ibp_v2d y) {
    ibp_v2d inf = IBP__K(IBP__VM_INF);
    ibp_v2d sp = ibp_v_select(ibp_v_eq(u, ibp_v_zero()), ibp_v_neg(inf),
                              ibp_v_select(ibp_v_eq(u, inf), inf, IBP__K(__builtin_nan(""))));
    return ibp__vm_keepnan(u, ibp_v_select(ok, y, sp));
}
IBP__VM ibp_v2d ibp__vlog(ibp_v2d x) {
    ibp_v2d ok = ibp_v_and(ibp_v_lt(ibp_v_zero(), x), ibp_v_lt(x, IBP__K(IBP__VM_INF)));
    ibp_v2d y = ibp__vm_log_core(ibp_v_select(ok, x, IBP__K(1.0)), ibp_v_zero());
    return ibp__vm_log_special(x, ok, y);
}

/* log(1 + x) = log(u) + (1 + x - u) / u with u = fl(1 + x); 1 + x - u is computed exactly
 * (x - (u - 1) for x < 1, 1 - (u - x) above: each subtraction is exact by Sterbenz). */
IBP__VM ibp_v2d ibp__vlog1p(ibp_v2d x) {
    ibp_v2d one = IBP__K(1.0), u = ibp_v_add(one, x);
    ibp_v2d ok = ibp_v_and(ibp_v_lt(IBP__K(-1.0), x), ibp_v_lt(x, IBP__K(IBP__VM_INF)));
    ibp_v2d us = ibp_v_select(ok, u, one);
    ibp_v2d c = ibp_v_select(ibp_v_le(one, x), ibp_v_sub(one, ibp_v_sub(us, x)),
                             ibp_v_sub(x, ibp_v_sub(us, one)));
    c = ibp_v_and(ok, ibp_v_div(c, us));
    ibp_v2d y = ibp__vm_log_core(us, c);
    y = ibp_v_select(ibp_v_lt(ibp_v_abs(x), IBP__K(0x1p-54)), x, y); /* keeps -0, subnormals */
    return ibp__vm_log_special(u, ok, y);
}

/* log(x) = hi + lo to about 2^-58 relative, for x > 0 finite: s = f / (2 + f) is carried as
 * a double-double, so log = k ln2_hi + 2 s + (2 slo / (1 - s^2) + s R + k ln2_lo) rounds only in
 * the last, small group. The extra bits keep pow(x, y) = exp(y log x) accurate when
 * y log x is large. */
IBP__VM ibp_v2d ibp__vlog_dd(ibp_v2d x, ibp_v2d *lo) {
    ibp_v2d k, f, s, R, pe, e1;
    ibp__vm_log_reduce(x, &k, &f, &s, &R);
    ibp_v2d two = IBP__K(2.0), d = ibp_v_add(two, f);
    ibp_v2d dlo = ibp_v_add(ibp_v_sub(two, d), f);      /* 2 + f = d + dlo exactly */
    ibp_v2d p = ibp__vm_two_prod(s, d, &pe);            /* s d = p + pe exactly */
    ibp_v2d res = ibp_v_sub(ibp_v_sub(ibp_v_sub(f, p), pe), ibp_v_mul(s, dlo));
    ibp_v2d slo = ibp_v_div(res, d);                    /* f / (2 + f) = s + slo */
    /* fdlibm's R is good to ~2^-57 of log only; the atanh series 2 sum z^j / (2j + 1) to
     * j = 11 leaves 2 z^12 / 25 < 2^-62 relative on z = s^2 <= 0.0295 */
    ibp_v2d z = ibp_v_mul(s, s);
    R = IBP__H(z, 2.0 / 3, IBP__H(z, 2.0 / 5, IBP__H(z, 2.0 / 7, IBP__H(z, 2.0 / 9,
        IBP__H(z, 2.0 / 11, IBP__H(z, 2.0 / 13, IBP__H(z, 2.0 / 15, IBP__H(z, 2.0 / 17,
        IBP__H(z, 2.0 / 19, IBP__H2(z, 2.0 / 21, 2.0 / 23))))))))));
    R = ibp_v_mul(z, R);
    ibp_v2d h1 = ibp__vm_two_sum(ibp_v_mul(k, IBP__K(IBP__LN2_HI)), ibp_v_mul(two, s), &e1);
    /* 2 atanh(s + slo) = 2 atanh(s) + 2 slo / (1 - s^2) + O(slo^2) */
    ibp_v2d dl = ibp_v_div(ibp_v_mul(two, slo), ibp_v_sub(IBP__K(1.0), z));
    ibp_v2d small = ibp_v_add(ibp_v_add(dl, ibp_v_mul(s, R)),
                              ibp_v_mul(k, IBP__K(IBP__LN2_LO)));
    ibp_v2d l = ibp_v_add(e1, small);
    ibp_v2d h = ibp_v_add(h1, l);
    *lo = ibp_v_sub(l, ibp_v_sub(h, h1));
    return h;
}

/* ---- tanh, sigmoid, softplus ------------------------------------------------------------- */
/* expm1 restricted to x in [-40, 0], the range tanh needs. With k <= 0 only fdlibm's ways
 * k = 0 and k = -1 remain, returned as t = e^x - 1; for k <= -2, u = e^x = (r - e + 1) 2^k
 * itself is returned (one 2^k step), which is what tanh wants there. */
IBP__VM ibp_v2d ibp__vm_expm1_neg(ibp_v2d x, ibp_v2d *k, ibp_v2d *u) {
    ibp_v2d r, e;
    ibp_v2d res0 = ibp__vm_expm1_kernel(x, k, &r, &e);
    ibp_v2d rme = ibp_v_sub(r, e);
    ibp_v2d resm1 = ibp_v_sub(ibp_v_mul(IBP__K(0.5), rme), IBP__K(0.5));
    *u = ibp_v_mul(ibp_v_add(rme, IBP__K(1.0)), ibp__vm_pow2i(*k));
    return ibp_v_select(ibp_v_eq(*k, ibp_v_zero()), res0, resm1);
}

/* tanh|x| from u = e^{-2|x|}: -t / (t + 2) with t = u - 1 = expm1(-2|x|) while |x| < ~0.52
 * (k >= -1), (1 - u) / (1 + u) beyond, where u < 0.36 and nothing cancels. Either way about one
 * ulp; one shared reduction instead of fdlibm's two expm1 calls. |x| >= 20 rounds to 1. */
IBP__VM ibp_v2d ibp__vtanh(ibp_v2d x) {
    ibp_v2d a = ibp_v_min(ibp_v_abs(x), IBP__K(20.0)), k, u, one = IBP__K(1.0);
    ibp_v2d t = ibp__vm_expm1_neg(ibp_v_mul(a, IBP__K(-2.0)), &k, &u);
    ibp_v2d big = ibp_v_lt(k, IBP__K(-1.5));
    ibp_v2d z = ibp_v_div(ibp_v_select(big, ibp_v_sub(one, u), ibp_v_neg(t)),
                          ibp_v_select(big, ibp_v_add(one, u), ibp_v_add(t, IBP__K(2.0))));
    return ibp__vm_keepnan(x, ibp_v_copysign(z, x));
}

/* 1 / (1 + e^-x): with u = e^-|x| in (0, 1], 1 / (1 + u) for x >= 0 and u / (1 + u) below,
 * so neither tail overflows or cancels. */
IBP__VM ibp_v2d ibp__vsigmoid(ibp_v2d x) {
    ibp_v2d u = ibp__vexp(ibp_v_neg(ibp_v_abs(x))), one = IBP__K(1.0);
    ibp_v2d y = ibp_v_div(ibp_v_select(ibp_v_lt(x, ibp_v_zero()), u, one), ibp_v_add(one, u));
    return ibp__vm_keepnan(x, y);
}

/* log(1 + e^x) = max(x, 0) + log1p(e^-|x|). */
IBP__VM ibp_v2d ibp__vsoftplus(ibp_v2d x) {
    ibp_v2d y = ibp_v_add(ibp_v_max(x, ibp_v_zero()),
                          ibp__vlog1p(ibp__vexp(ibp_v_neg(ibp_v_abs(x)))));
    return ibp__vm_keepnan(x, y);
}

/* ---- erf, erfc --------------------------------------------------------------------------- */
/* The pieces of fdlibm's erf for a = |x|: xy = a R(a^2) on [0, 0.84375), pq = P(a-1)/Q(a-1)
 * on [0.84375, 1.25) and tail = erfc(a) = exp(-a^2 - 0.5625 + R/S(1/a^2)) / a on [1.25, 28).
 * Each output is valid only on its range (the callers select). */
IBP__VM void ibp__vm_erf_parts(ibp_v2d a, ibp_v2d *xy, ibp_v2d *pq, ibp_v2d *tail) {
    ibp_v2d one = IBP__K(1.0), z = ibp_v_mul(a, a);
    ibp_v2d r = IBP__H(z, 1.28379167095512558561e-01,
                IBP__H(z, -3.25042107247001499370e-01,
                IBP__H(z, -2.84817495755985104766e-02,
                IBP__H2(z, -5.77027029648944159157e-03, -2.37630166566501626084e-05))));
    ibp_v2d s = IBP__H(z, 1.0,
                IBP__H(z, 3.97917223959155352819e-01,
                IBP__H(z, 6.50222499887672944485e-02,
                IBP__H(z, 5.08130628187576562776e-03,
                IBP__H2(z, 1.32494738004321644526e-04, -3.96022827877536812320e-06)))));
    ibp_v2d sm = ibp_v_sub(a, one);
    ibp_v2d P = IBP__H(sm, -2.36211856075265944077e-03,
                IBP__H(sm, 4.14856118683748331666e-01,
                IBP__H(sm, -3.72207876035701323847e-01,
                IBP__H(sm, 3.18346619901161753674e-01,
                IBP__H(sm, -1.10894694282396677476e-01,
                IBP__H2(sm, 3.54783043256182359371e-02, -2.16637559486879084300e-03))))));
    ibp_v2d Q = IBP__H(sm, 1.0,
                IBP__H(sm, 1.06420880400844228286e-01,
                IBP__H(sm, 5.40397917702171048937e-01,
                IBP__H(sm, 7.18286544141962662868e-02,
                IBP__H(sm, 1.26171219808761642112e-01,
                IBP__H2(sm, 1.36370839120290507362e-02, 1.19844998467991074170e-02))))));
    /* one division serves both low ranges: R/S below 0.84375, P/Q above */
    ibp_v2d low = ibp_v_lt(a, IBP__K(0.84375));
    ibp_v2d q = ibp_v_div(ibp_v_select(low, r, P), ibp_v_select(low, s, Q));
    *xy = ibp_v_mul(a, q), *pq = q;
    /* tail, evaluated on a clamped to [1.25, 28] so every lane stays finite */
    ibp_v2d at = ibp_v_min(ibp_v_max(a, IBP__K(1.25)), IBP__K(28.0));
    ibp_v2d w = ibp_v_div(one, ibp_v_mul(at, at));
    ibp_v2d Ra = IBP__H(w, -9.86494403484714822705e-03,
                 IBP__H(w, -6.93858572707181764372e-01,
                 IBP__H(w, -1.05586262253232909814e+01,
                 IBP__H(w, -6.23753324503260060396e+01,
                 IBP__H(w, -1.62396669462573470355e+02,
                 IBP__H(w, -1.84605092906711035994e+02,
                 IBP__H2(w, -8.12874355063065934246e+01, -9.81432934416914548592e+00)))))));
    ibp_v2d Sa = IBP__H(w, 1.0,
                 IBP__H(w, 1.96512716674392571292e+01,
                 IBP__H(w, 1.37657754143519042600e+02,
                 IBP__H(w, 4.34565877475229228821e+02,
                 IBP__H(w, 6.45387271733267880336e+02,
                 IBP__H(w, 4.29008140027567833386e+02,
                 IBP__H(w, 1.08635005541779435134e+02,
                 IBP__H2(w, 6.57024977031928170135e+00, -6.04244152148580987438e-02))))))));
    ibp_v2d Rb = IBP__H(w, -9.86494292470009928597e-03,
                 IBP__H(w, -7.99283237680523006574e-01,
                 IBP__H(w, -1.77579549177547519889e+01,
                 IBP__H(w, -1.60636384855821916062e+02,
                 IBP__H(w, -6.37566443368389627722e+02,
                 IBP__H2(w, -1.02509513161107724954e+03, -4.83519191608651397019e+02))))));
    ibp_v2d Sb = IBP__H(w, 1.0,
                 IBP__H(w, 3.03380607434824582924e+01,
                 IBP__H(w, 3.25792512996573918826e+02,
                 IBP__H(w, 1.53672958608443695994e+03,
                 IBP__H(w, 3.19985821950859553908e+03,
                 IBP__H(w, 2.55305040643316442583e+03,
                 IBP__H2(w, 4.74528541206955367215e+02, -2.24409524465858183362e+01)))))));
    ibp_v2d near = ibp_v_lt(at, IBP__K(2.85714285714285714286)); /* 1 / 0.35 */
    ibp_v2d RS = ibp_v_div(ibp_v_select(near, Ra, Rb), ibp_v_select(near, Sa, Sb));
    /* z = at with the low 32 bits cleared: z^2 and z^2 + 0.5625 are exact, so the large part
     * of the exponent carries no rounding error; (z - a)(z + a) is the small rest */
    ibp_v2d zz = ibp_v_and(at, ibp_v_as_d(ibp_vi_splat((int64_t)0xFFFFFFFF00000000ULL)));
    ibp_v2d e1 = ibp__vexp(ibp_v_sub(ibp_v_neg(ibp_v_mul(zz, zz)), IBP__K(0.5625)));
    ibp_v2d e2 = ibp__vexp(ibp_v_add(ibp_v_mul(ibp_v_sub(zz, at), ibp_v_add(zz, at)), RS));
    *tail = ibp_v_div(ibp_v_mul(e1, e2), at);
}

#define IBP__ERX 8.45062911510467529297e-01 /* erf(1) rounded to 24 bits */

IBP__VM ibp_v2d ibp__verf(ibp_v2d x) {
    ibp_v2d a = ibp_v_abs(x), xy, pq, tail;
    ibp__vm_erf_parts(a, &xy, &pq, &tail);
    /* below 2^-28, a (1 + 2/sqrt(pi) - 1) scaled by 8 so subnormal a loses nothing */
    ibp_v2d tiny = ibp_v_mul(IBP__K(0.125), ibp_v_add(ibp_v_mul(IBP__K(8.0), a),
                                                       ibp_v_mul(IBP__K(1.02703333676410069053), a)));
    ibp_v2d y = ibp_v_select(ibp_v_lt(a, IBP__K(6.0)), ibp_v_sub(IBP__K(1.0), tail), IBP__K(1.0));
    y = ibp_v_select(ibp_v_lt(a, IBP__K(1.25)), ibp_v_add(IBP__K(IBP__ERX), pq), y);
    y = ibp_v_select(ibp_v_lt(a, IBP__K(0.84375)), ibp_v_add(a, xy), y);
    y = ibp_v_select(ibp_v_lt(a, IBP__K(0x1p-28)), tiny, y);
    return ibp__vm_keepnan(x, ibp_v_copysign(y, x));
}

/* erfc keeps relative accuracy in the right tail (down to underflow near x = 27). */
IBP__VM ibp_v2d ibp__verfc(ibp_v2d x) {
    ibp_v2d a = ibp_v_abs(x), xy, pq, tail, one = IBP__K(1.0), two = IBP__K(2.0);
    ibp__vm_erf_parts(a, &xy, &pq, &tail);
    ibp_v2d neg = ibp_v_lt(x, ibp_v_zero());
    ibp_v2d y = ibp_v_select(neg, two, ibp_v_zero());                               /* a >= 28 */
    y = ibp_v_select(ibp_v_lt(a, IBP__K(28.0)), ibp_v_select(neg, ibp_v_sub(two, tail), tail), y);
    y = ibp_v_select(ibp_v_lt(a, IBP__K(1.25)),
                     ibp_v_select(neg, ibp_v_add(one, ibp_v_add(IBP__K(IBP__ERX), pq)),
                                  ibp_v_sub(IBP__K(1.0 - IBP__ERX), pq)),
                     y);
    ibp_v2d xyx = ibp_v_xor(xy, ibp_v_and(x, IBP__K(-0.0))); /* x R(x^2): sign(x) times a R */
    ibp_v2d lowr = ibp_v_select(ibp_v_lt(x, IBP__K(0.25)), ibp_v_sub(one, ibp_v_add(x, xyx)),
                                ibp_v_sub(IBP__K(0.5), ibp_v_add(xyx, ibp_v_sub(x, IBP__K(0.5)))));
    y = ibp_v_select(ibp_v_lt(a, IBP__K(0.84375)), lowr, y);
    return ibp__vm_keepnan(x, y);
}

/* ---- sin, cos ---------------------------------------------------------------------------- */
/* x = n pi/2 + (y0 + y1), |y0| <~ pi/4; returns the bits of n + 1.5*2^52 (n in the low bits).
 * pi/2 = p1 + p2 + p3 + p3t with 33-bit p1..p3: n p_i is exact for n < 2^20 and each step
 * is an exact TwoSum, so the reduction keeps ~150 bits even next to a multiple of pi/2. */
IBP__VM ibp_v2i ibp__vm_rem_pio2(ibp_v2d x, ibp_v2d *y0, ibp_v2d *y1) {
    ibp_v2d t = ibp_v_add(ibp_v_mul(x, IBP__K(6.36619772367581382433e-01)), IBP__K(0x1.8p52));
    ibp_v2d fn = ibp_v_sub(t, IBP__K(0x1.8p52)), e2, e3;
    ibp_v2d r1 = ibp_v_sub(x, ibp_v_mul(fn, IBP__K(1.57079632673412561417e+00)));
    ibp_v2d r2 = ibp__vm_two_sum(r1, ibp_v_neg(ibp_v_mul(fn, IBP__K(6.07710050630396597660e-11))), &e2);
    ibp_v2d r3 = ibp__vm_two_sum(r2, ibp_v_neg(ibp_v_mul(fn, IBP__K(2.02226624871116645580e-21))), &e3);
    ibp_v2d lo = ibp_v_sub(ibp_v_add(e2, e3), ibp_v_mul(fn, IBP__K(8.47842766036889956997e-32)));
    *y0 = ibp_v_add(r3, lo);
    *y1 = ibp_v_add(ibp_v_sub(r3, *y0), lo);
    return ibp_v_as_i(t);
}
/* sin(x + y) on |x| <= pi/4, y the tail of x. */
IBP__VM ibp_v2d ibp__vm_sin_k(ibp_v2d x, ibp_v2d y) {
    ibp_v2d z = ibp_v_mul(x, x), w = ibp_v_mul(z, z), v = ibp_v_mul(z, x);
    ibp_v2d r = ibp_v_add(IBP__H(z, 8.33333333332248946124e-03,
                                 IBP__H2(z, -1.98412698298579493134e-04, 2.75573137070700676789e-06)),
                          ibp_v_mul(ibp_v_mul(z, w),
                                    IBP__H2(z, -2.50507602534068634195e-08, 1.58969099521155010221e-10)));
    ibp_v2d q = ibp_v_sub(ibp_v_mul(z, ibp_v_sub(ibp_v_mul(IBP__K(0.5), y), ibp_v_mul(v, r))), y);
    return ibp_v_sub(x, ibp_v_sub(q, ibp_v_mul(v, IBP__K(-1.66666666666666324348e-01))));
}
/* cos(x + y) on |x| <= pi/4. */
IBP__VM ibp_v2d ibp__vm_cos_k(ibp_v2d x, ibp_v2d y) {
    ibp_v2d one = IBP__K(1.0), z = ibp_v_mul(x, x), w = ibp_v_mul(z, z);
    ibp_v2d r = ibp_v_add(ibp_v_mul(z, IBP__H(z, 4.16666666666666019037e-02,
                                            IBP__H2(z, -1.38888888888741095749e-03, 2.48015872894767294178e-05))),
                          ibp_v_mul(ibp_v_mul(w, w),
                                    IBP__H(z, -2.75573143513906633035e-07,
                                    IBP__H2(z, 2.08757232129817482790e-09, -1.13596475577881948265e-11))));
    ibp_v2d hz = ibp_v_mul(IBP__K(0.5), z), ww = ibp_v_sub(one, hz);
    return ibp_v_add(ww, ibp_v_add(ibp_v_sub(ibp_v_sub(one, ww), hz),
                                   ibp_v_sub(ibp_v_mul(z, r), ibp_v_mul(x, y))));
}
/* quadrant q (low bits of the integer): q odd -> the other kernel, bit 1 -> negate. */
IBP__VM ibp_v2d ibp__vm_trig(ibp_v2d x, int cosine) {
    ibp_v2d fin = ibp_v_lt(ibp_v_abs(x), IBP__K(0x1p50));
    ibp_v2d xs = ibp_v_and(fin, x), y0, y1;
    ibp_v2i q = ibp__vm_rem_pio2(xs, &y0, &y1);
    if (cosine) q = ibp_vi_add(q, ibp_vi_splat(1)); /* cos x = sin(x + pi/2) */
    ibp_v2d s = ibp__vm_sin_k(y0, y1), c = ibp__vm_cos_k(y0, y1);
    /* bit 0 moved to the sign of 1.0 gives -1 for odd q; bit 1 moved to the sign bit flips */
    ibp_v2d odd = ibp_v_lt(ibp_v_or(ibp_v_as_d(ibp_vi_shl(q, 63)), IBP__K(1.0)), ibp_v_zero());
    ibp_v2d flip = ibp_v_and(ibp_v_as_d(ibp_vi_shl(q, 62)), IBP__K(-0.0));
    ibp_v2d y = ibp_v_xor(ibp_v_select(odd, c, s), flip);
    return ibp__vm_keepnan(x, ibp_v_select(fin, y, IBP__K(__builtin_nan(""))));
}
IBP__VM ibp_v2d ibp__vsin(ibp_v2d x) { /* x itself below 2^-26: keeps -0 and subnormals */
    return ibp_v_select(ibp_v_lt(ibp_v_abs(x), IBP__K(0x1p-26)), x, ibp__vm_trig(x, 0));
}
IBP__VM ibp_v2d ibp__vcos(ibp_v2d x) { return ibp__vm_trig(x, 1); }

#endif /* IBP_VMATH_H */
