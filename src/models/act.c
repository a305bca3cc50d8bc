/* act.c -- activations and their first two derivatives, elementwise, vectorized.
 *
 *   identity        z                              1                       0
 *   relu            max(z, 0)                      [z > 0]  (relu'(0) = 0)  0
 *   leaky_relu(a)   z > 0 ? z : a z                z > 0 ? 1 : a           0
 *   tanh            t = tanh z                     s = sech^2 z            -2 t s
 *   softplus(b)     log(1 + e^{bz}) / b            sigma(bz)               b sigma(bz) sigma(-bz)
 *   leaky_softplus(c)  c z + (1-c) log(1 + e^z)    c + (1-c) sigma(z)      (1-c) sigma(z) sigma(-z)
 *   gelu            z Phi(z)                       Phi(z) + z phi(z)       phi(z) (2 - z^2)
 *
 * Tails: every formula is written so that it keeps relative accuracy where it decays:
 *   sech^2 z = 4u / (1 + u)^2 and sigma(x) sigma(-x) = u / (1 + u)^2 with u = e^{-|.|} in (0, 1]
 *   (1 - t^2 would round to 0 past |z| ~ 19); softplus = max(x, 0) + log1p(e^{-|x|});
 *   Phi(z) = erfc(-z / sqrt 2) / 2 (1 + erf would cancel for z << 0); phi's argument is clamped
 *   at |z| <= 40, where phi has already underflowed to 0, so z^2 cannot overflow into inf * 0.
 * Each kernel maps one ibp_v2d lane by lane; the odd last element goes through the same kernel
 * in a padded vector, so an element's bits never depend on its position or on n.
 * Outputs may alias z (the model evaluates act' over z's own storage).
 */
#include "models/models.h"
#include "numerics/simd.h"
#include "numerics/vmath.h"

#define IBP__INV_SQRT2 0.70710678118654752440   /* 1 / sqrt 2 */
#define IBP__INV_SQRT2PI 0.39894228040143267794 /* 1 / sqrt(2 pi) */

/* u / (1 + u)^2: sigma(x) sigma(-x) for u = e^{-|x|}; times 4 it is sech^2(x/2). */
static inline ibp_v2d ibp__v_bump(ibp_v2d u) {
    ibp_v2d q = ibp_v_add(ibp_v_splat(1.0), u);
    return ibp_v_div(u, ibp_v_mul(q, q));
}
static inline ibp_v2d ibp__v_emabs(ibp_v2d x) { return ibp__vexp(ibp_v_neg(ibp_v_abs(x))); }

/* vmath's softplus and sigmoid are the stable forms: max(x, 0) + log1p(e^{-|x|}) and
 * 1/(1 + u) or u/(1 + u) with u = e^{-|x|} */
#define ibp__v_sp ibp__vsoftplus
#define ibp__v_sig ibp__vsigmoid
static inline ibp_v2d ibp__v_Phi(ibp_v2d z) {
    return ibp_v_mul(ibp_v_splat(0.5), ibp__verfc(ibp_v_mul(z, ibp_v_splat(-IBP__INV_SQRT2))));
}
/* phi at z clamped to [-40, 40]; returns the clamped z in *zc */
static inline ibp_v2d ibp__v_phi(ibp_v2d z, ibp_v2d *zc) {
    ibp_v2d c = ibp_v_min(ibp_v_max(z, ibp_v_splat(-40.0)), ibp_v_splat(40.0));
    *zc = c;
    ibp_v2d e = ibp__vexp(ibp_v_mul(ibp_v_splat(-0.5), ibp_v_mul(c, c)));
    return ibp_v_mul(e, ibp_v_splat(IBP__INV_SQRT2PI));
}

/* ---- kernels: (z, p) -> value, p the activation parameter splatted ----------------------- */
static inline ibp_v2d k_relu0(ibp_v2d z, ibp_v2d p) {
    (void)p; /* z <= 0 (and -0) -> +0; NaN stays NaN so a diverging run is still seen */
    return ibp_v_select(ibp_v_le(z, ibp_v_zero()), ibp_v_zero(), z);
}
static inline ibp_v2d k_relu1(ibp_v2d z, ibp_v2d p) {
    (void)p;
    return ibp_v_select(ibp_v_gt(z, ibp_v_zero()), ibp_v_splat(1.0), ibp_v_zero());
}
static inline ibp_v2d k_leaky0(ibp_v2d z, ibp_v2d p) {
    return ibp_v_select(ibp_v_le(z, ibp_v_zero()), ibp_v_mul(p, z), z);
}
static inline ibp_v2d k_leaky1(ibp_v2d z, ibp_v2d p) {
    return ibp_v_select(ibp_v_gt(z, ibp_v_zero()), ibp_v_splat(1.0), p);
}
/* tanh: one exponential u = e^{-2a}, a = |z|, serves both t = (1 - u)/(1 + u) and
 * sech^2 = 4u/(1 + u)^2 (fused fwd + d1 in the model's forward pass). fdlibm's exp reduction
 * -2a = k ln2 + r (|r| <= ln2/2, k <= 0) gives w = e^r - 1 to full relative accuracy (vmath's
 * exp kernel, fdlibm's rational form); with P = 2^k (a power of two, exact) and Pw = P w
 * (exact) the three quantities needed are each rounded ONCE:
 *   1 - u = (1 - P) - Pw,   1 + u = (1 + P) + Pw,   u = P + Pw
 * (1 - P and 1 + P are exact while k >= -52; below, u < 2^-52 and what is lost is below half
 * an ulp of 1 +- u). Nothing cancels: near 0 (k = 0, P = 1) 1 - u = -w keeps w's relative
 * accuracy, and at k = -1 it is 1/2 - w/2, not 1 - fl(u). Measured against long double over
 * 2^21 points of |z| <= 380: t within 1.9 ulp, sech^2 within 3.8 ulp. About 45 SIMD operations
 * per pair, half of the former polynomial-plus-vexp form (vexp spends both clamps, a two-step
 * ldexp and a NaN select that tanh does not need): the MLP's activation pass is that much
 * cheaper. */
static inline void ibp__v_tanh_core(ibp_v2d z, ibp_v2d *t, ibp_v2d *sech2) {
    ibp_v2d one = ibp_v_splat(1.0), big = ibp_v_splat(0x1.8p52);
    /* a <= 372.75: e^{-745.5} < 2^-1075 rounds to 0 anyway, and k >= -1076 keeps 2^(k+60)
     * normal; a NaN compares false and passes through (t and sech^2 come out NaN) */
    ibp_v2d a = ibp_v_abs(z), lim = ibp_v_splat(372.75);
    a = ibp_v_min(lim, a);
    ibp_v2d x = ibp_v_mul(a, ibp_v_splat(-2.0));
    ibp_v2d kb = ibp_v_add(ibp_v_mul(x, ibp_v_splat(IBP__INVLN2)), big); /* k in the low bits */
    ibp_v2d k = ibp_v_sub(kb, big);
    ibp_v2d hi = ibp_v_sub(x, ibp_v_mul(k, ibp_v_splat(IBP__LN2_HI)));
    ibp_v2d lo = ibp_v_mul(k, ibp_v_splat(IBP__LN2_LO));
    ibp_v2d r = ibp_v_sub(hi, lo), rr = ibp_v_mul(r, r);
    ibp_v2d p = IBP__H(rr, 1.66666666666666019037e-01,
                IBP__H(rr, -2.77777777770155933842e-03,
                IBP__H(rr, 6.61375632143793436117e-05,
                IBP__H2(rr, -1.65339022054652515390e-06, 4.13813679705723846039e-08))));
    ibp_v2d c = ibp_v_sub(r, ibp_v_mul(rr, p));
    ibp_v2d q = ibp_v_div(ibp_v_mul(r, c), ibp_v_sub(ibp_v_splat(2.0), c));
    ibp_v2d w = ibp_v_sub(hi, ibp_v_sub(lo, q)); /* e^r - 1 = r + r c / (2 - c) */
    /* P = 2^(k+60) 2^-60: the first factor built in the exponent field, the product exact
     * (a power of two down to 2^-1074, 0 below) */
    ibp_v2i e = ibp_vi_shl(ibp_vi_add(ibp_v_as_i(kb), ibp_vi_splat(1023 + 60)), 52);
    ibp_v2d P = ibp_v_mul(ibp_v_as_d(e), ibp_v_splat(0x1p-60)), Pw = ibp_v_mul(P, w);
    ibp_v2d num = ibp_v_sub(ibp_v_sub(one, P), Pw);      /* 1 - u >= +0 */
    ibp_v2d den = ibp_v_add(Pw, ibp_v_add(P, one));      /* 1 + u */
    ibp_v2d u4 = ibp_v_mul(ibp_v_splat(4.0), ibp_v_add(Pw, P));
    *t = ibp_v_or(ibp_v_div(num, den), ibp_v_and(z, ibp_v_splat(-0.0))); /* sign of z */
    *sech2 = ibp_v_div(u4, ibp_v_mul(den, den));
}
static inline ibp_v2d k_tanh0(ibp_v2d z, ibp_v2d p) {
    (void)p;
    ibp_v2d t, s2;
    ibp__v_tanh_core(z, &t, &s2);
    return t;
}
static inline ibp_v2d k_tanh1(ibp_v2d z, ibp_v2d p) {
    (void)p;
    ibp_v2d t, s2;
    ibp__v_tanh_core(z, &t, &s2);
    return s2;
}
static inline ibp_v2d k_tanh2(ibp_v2d z, ibp_v2d p) {
    (void)p;
    ibp_v2d t, s2;
    ibp__v_tanh_core(z, &t, &s2);
    return ibp_v_mul(ibp_v_mul(ibp_v_splat(-2.0), t), s2);
}
static inline ibp_v2d k_sp0(ibp_v2d z, ibp_v2d p) { return ibp_v_div(ibp__v_sp(ibp_v_mul(p, z)), p); }
static inline ibp_v2d k_sp1(ibp_v2d z, ibp_v2d p) { return ibp__v_sig(ibp_v_mul(p, z)); }
static inline ibp_v2d k_sp2(ibp_v2d z, ibp_v2d p) {
    return ibp_v_mul(p, ibp__v_bump(ibp__v_emabs(ibp_v_mul(p, z))));
}
/* leaky softplus: p = c; (1 - c) is formed in the kernel (one subtraction, same every time) */
static inline ibp_v2d k_lsp0(ibp_v2d z, ibp_v2d p) {
    ibp_v2d q = ibp_v_sub(ibp_v_splat(1.0), p);
    return ibp_v_add(ibp_v_mul(p, z), ibp_v_mul(q, ibp__v_sp(z)));
}
static inline ibp_v2d k_lsp1(ibp_v2d z, ibp_v2d p) {
    ibp_v2d q = ibp_v_sub(ibp_v_splat(1.0), p);
    return ibp_v_add(p, ibp_v_mul(q, ibp__v_sig(z)));
}
static inline ibp_v2d k_lsp2(ibp_v2d z, ibp_v2d p) {
    ibp_v2d q = ibp_v_sub(ibp_v_splat(1.0), p);
    return ibp_v_mul(q, ibp__v_bump(ibp__v_emabs(z)));
}
static inline ibp_v2d k_gelu0(ibp_v2d z, ibp_v2d p) { (void)p; return ibp_v_mul(z, ibp__v_Phi(z)); }
static inline ibp_v2d k_gelu1(ibp_v2d z, ibp_v2d p) {
    (void)p;
    ibp_v2d zc, ph = ibp__v_phi(z, &zc);
    return ibp_v_add(ibp__v_Phi(z), ibp_v_mul(zc, ph));
}
static inline ibp_v2d k_gelu2(ibp_v2d z, ibp_v2d p) {
    (void)p;
    ibp_v2d zc, ph = ibp__v_phi(z, &zc);
    return ibp_v_mul(ph, ibp_v_sub(ibp_v_splat(2.0), ibp_v_mul(zc, zc)));
}

/* out[i] = K(z[i]) over n elements; the odd last one through a padded vector. */
#define IBP__ACT_MAP(K)                                                            \
    do {                                                                           \
        ibp_v2d pv = ibp_v_splat(prm);                                             \
        long i = 0;                                                                \
        for (; i + 2 <= n; i += 2) ibp_v_store(out + i, K(ibp_v_load(z + i), pv)); \
        if (i < n) {                                                               \
            double t2[2] = {z[i], z[i]};                                           \
            ibp_v_store(t2, K(ibp_v_load(t2), pv));                                \
            out[i] = t2[0];                                                        \
        }                                                                          \
    } while (0)

/* a[i], d1[i] (and d2[i] when WANT2) from one kernel call K(z, p, &a, &d1, &d2), which runs the
 * same operations as the single kernels, so the bits match ibp__act_fwd/d1/d2. */
#define IBP__ACT_LOOP3(K, WANT2)                                                   \
    do {                                                                           \
        ibp_v2d pv = ibp_v_splat(prm), av, bv, cv;                                 \
        long i = 0;                                                                \
        for (; i + 2 <= n; i += 2) {                                               \
            K(ibp_v_load(z + i), pv, &av, &bv, &cv);                               \
            ibp_v_store(a + i, av);                                                \
            ibp_v_store(d1 + i, bv);                                               \
            if (WANT2) ibp_v_store(d2 + i, cv);                                    \
        }                                                                          \
        if (i < n) {                                                               \
            double t2[2] = {z[i], z[i]}, u2[2], w2[2];                             \
            K(ibp_v_load(t2), pv, &av, &bv, &cv);                                  \
            ibp_v_store(t2, av);                                                   \
            ibp_v_store(u2, bv);                                                   \
            ibp_v_store(w2, cv);                                                   \
            a[i] = t2[0];                                                          \
            d1[i] = u2[0];                                                         \
            if (WANT2) d2[i] = w2[0];                                              \
        }                                                                          \
    } while (0)
#define IBP__ACT_MAP3(K)                   \
    do {                                   \
        if (d2) IBP__ACT_LOOP3(K, 1);      \
        else IBP__ACT_LOOP3(K, 0);         \
    } while (0)
/* The triple kernels: the single kernels side by side (after inlining the compiler shares
 * their common subexpressions, e.g. softplus's e^{-|x|}); tanh shares its core explicitly. */
#define IBP__TRIPLE(name, K0, K1, K2)                                                        \
    static inline void name(ibp_v2d z, ibp_v2d p, ibp_v2d *a, ibp_v2d *d1, ibp_v2d *d2) {   \
        *a = K0(z, p);                                                                     \
        *d1 = K1(z, p);                                                                    \
        *d2 = K2(z, p);                                                                    \
    }
static inline ibp_v2d k_zero(ibp_v2d z, ibp_v2d p) { (void)z; (void)p; return ibp_v_zero(); }
IBP__TRIPLE(k3_relu, k_relu0, k_relu1, k_zero)
IBP__TRIPLE(k3_leaky, k_leaky0, k_leaky1, k_zero)
IBP__TRIPLE(k3_sp, k_sp0, k_sp1, k_sp2)
IBP__TRIPLE(k3_lsp, k_lsp0, k_lsp1, k_lsp2)
IBP__TRIPLE(k3_gelu, k_gelu0, k_gelu1, k_gelu2)
#undef IBP__TRIPLE
static inline void k3_tanh(ibp_v2d z, ibp_v2d p, ibp_v2d *a, ibp_v2d *d1, ibp_v2d *d2) {
    (void)p;
    ibp__v_tanh_core(z, a, d1);
    *d2 = ibp_v_mul(ibp_v_mul(ibp_v_splat(-2.0), *a), *d1); /* = k_tanh2 */
}

/* tanh over whole arrays, TU pairs per iteration: the pairs are independent chains of ~45
 * operations, and in wasm V8 schedules four side by side much better than one (one pair per
 * iteration ran the MLP's activation pass 30 % slower). SSE2, with no three-operand forms,
 * spills beyond two. The pairs left over, then the odd last element, go through the plain
 * loops, so every element runs the same kernel whatever its position. */
#if defined(IBP_SIMD_WASM)
#define TU 4
#else
#define TU 2
#endif
static void ibp__tanh_map(const double *z, double *out, long n) {
    const double prm = 0.0;
    long j = 0;
    for (; j + 2 * TU <= n; j += 2 * TU) {
        ibp_v2d t[TU], s2[TU];
        for (int u = 0; u < TU; u++) ibp__v_tanh_core(ibp_v_load(z + j + 2 * u), &t[u], &s2[u]);
        for (int u = 0; u < TU; u++) ibp_v_store(out + j + 2 * u, t[u]);
    }
    z += j, out += j, n -= j;
    IBP__ACT_MAP(k_tanh0);
}
static void ibp__tanh_derivs(const double *z, double *a, double *d1, double *d2, long n) {
    const double prm = 0.0;
    long j = 0;
    for (; j + 2 * TU <= n; j += 2 * TU) {
        ibp_v2d t[TU], s2[TU];
        for (int u = 0; u < TU; u++) ibp__v_tanh_core(ibp_v_load(z + j + 2 * u), &t[u], &s2[u]);
        for (int u = 0; u < TU; u++) {
            ibp_v_store(a + j + 2 * u, t[u]);
            ibp_v_store(d1 + j + 2 * u, s2[u]);
            if (d2) ibp_v_store(d2 + j + 2 * u, ibp_v_mul(ibp_v_mul(ibp_v_splat(-2.0), t[u]), s2[u]));
        }
    }
    z += j, a += j, d1 += j, n -= j;
    if (d2) d2 += j;
    IBP__ACT_MAP3(k3_tanh);
}
#undef TU

static void ibp__fill(double *out, long n, double v) {
    for (long i = 0; i < n; i++) out[i] = v;
}

void ibp__act_fwd(int act, double prm, const double *z /* (n,) */, double *out /* (n,) */, long n) {
    switch (act) {
    case IBP__ACT_RELU: IBP__ACT_MAP(k_relu0); break;
    case IBP__ACT_LEAKY_RELU: IBP__ACT_MAP(k_leaky0); break;
    case IBP__ACT_TANH: ibp__tanh_map(z, out, n); break;
    case IBP__ACT_SOFTPLUS: IBP__ACT_MAP(k_sp0); break;
    case IBP__ACT_LEAKY_SOFTPLUS: IBP__ACT_MAP(k_lsp0); break;
    case IBP__ACT_GELU: IBP__ACT_MAP(k_gelu0); break;
    default:
        if (out != z)
            for (long i = 0; i < n; i++) out[i] = z[i];
    }
}

void ibp__act_d1(int act, double prm, const double *z /* (n,) */, double *out /* (n,) */, long n) {
    switch (act) {
    case IBP__ACT_RELU: IBP__ACT_MAP(k_relu1); break;
    case IBP__ACT_LEAKY_RELU: IBP__ACT_MAP(k_leaky1); break;
    case IBP__ACT_TANH: IBP__ACT_MAP(k_tanh1); break;
    case IBP__ACT_SOFTPLUS: IBP__ACT_MAP(k_sp1); break;
    case IBP__ACT_LEAKY_SOFTPLUS: IBP__ACT_MAP(k_lsp1); break;
    case IBP__ACT_GELU: IBP__ACT_MAP(k_gelu1); break;
    default: ibp__fill(out, n, 1.0);
    }
}

void ibp__act_d2(int act, double prm, const double *z /* (n,) */, double *out /* (n,) */, long n) {
    switch (act) {
    case IBP__ACT_TANH: IBP__ACT_MAP(k_tanh2); break;
    case IBP__ACT_SOFTPLUS: IBP__ACT_MAP(k_sp2); break;
    case IBP__ACT_LEAKY_SOFTPLUS: IBP__ACT_MAP(k_lsp2); break;
    case IBP__ACT_GELU: IBP__ACT_MAP(k_gelu2); break;
    default: ibp__fill(out, n, 0.0); /* piecewise linear: identity, relu, leaky_relu */
    }
}

void ibp__act_derivs(int act, double prm, const double *z /* (n,) */, double *a /* (n,) */,
                     double *d1 /* (n,) */, double *d2 /* (n,) or NULL */, long n) {
    switch (act) {
    case IBP__ACT_RELU: IBP__ACT_MAP3(k3_relu); break;
    case IBP__ACT_LEAKY_RELU: IBP__ACT_MAP3(k3_leaky); break;
    case IBP__ACT_TANH: ibp__tanh_derivs(z, a, d1, d2, n); break;
    case IBP__ACT_SOFTPLUS: IBP__ACT_MAP3(k3_sp); break;
    case IBP__ACT_LEAKY_SOFTPLUS: IBP__ACT_MAP3(k3_lsp); break;
    case IBP__ACT_GELU: IBP__ACT_MAP3(k3_gelu); break;
    default: /* identity: copy a first, since d1 or d2 may be z's own storage */
        ibp__act_fwd(act, prm, z, a, n);
        ibp__fill(d1, n, 1.0);
        if (d2) ibp__fill(d2, n, 0.0);
    }
}
