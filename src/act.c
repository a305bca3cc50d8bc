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
#include "internal.h"
#include "simd.h"
#include "vmath.h"

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
/* tanh: one exponential u = e^{-2|z|} serves both t and sech^2 (fused fwd + d1 in the model's
 * forward pass). t = (1 - u)/(1 + u) for |z| >= 1/2, where 1 - u >= 0.63 cannot cancel; below,
 * t = a + a s G(s), s = a^2, a = |z|, with G a degree-9 polynomial fitted (Chebyshev, mpmath)
 * to (tanh(a)/a - 1)/s on s in [0, 1/4]: |G error| < 5e-17, so t is within ~1 ulp on both
 * sides. (vmath's tanh is as accurate, but it spends an expm1 that sech^2 could not share.) */
static inline void ibp__v_tanh_core(ibp_v2d z, ibp_v2d *t, ibp_v2d *sech2) {
    static const double G[10] = {5.946956589774769e-05, -0.00022107222975864633,
                                 0.0005849653729022644, -0.001454959384380466,
                                 0.0035920334653723926, -0.008863229270067843,
                                 0.021869488297234514, -0.05396825396361009,
                                 0.13333333333329825, -0.3333333333333333};
    ibp_v2d a = ibp_v_abs(z), s = ibp_v_mul(a, a), one = ibp_v_splat(1.0);
    /* Estrin's scheme (G[9 - k] multiplies s^k): a short dependency chain, so the polynomial
     * overlaps with the exponential instead of queuing behind ten dependent steps */
    ibp_v2d s2 = ibp_v_mul(s, s), s4 = ibp_v_mul(s2, s2), s8 = ibp_v_mul(s4, s4), p[5];
    for (int j = 0; j < 5; j++) p[j] = ibp_v_madd(ibp_v_splat(G[8 - 2 * j]), s, ibp_v_splat(G[9 - 2 * j]));
    ibp_v2d g = ibp_v_add(ibp_v_add(p[0], ibp_v_mul(p[1], s2)),
                          ibp_v_mul(ibp_v_add(p[2], ibp_v_mul(p[3], s2)), s4));
    g = ibp_v_madd(p[4], s8, g);
    ibp_v2d small = ibp_v_add(a, ibp_v_mul(a, ibp_v_mul(s, g)));
    ibp_v2d u = ibp__vexp(ibp_v_mul(ibp_v_splat(-2.0), a));
    ibp_v2d r = ibp_v_div(one, ibp_v_add(one, u)); /* 1/(1 + u): one division for both */
    ibp_v2d large = ibp_v_mul(ibp_v_sub(one, u), r);
    *t = ibp_v_copysign(ibp_v_select(ibp_v_lt(a, ibp_v_splat(0.5)), small, large), z);
    *sech2 = ibp_v_mul(ibp_v_mul(ibp_v_splat(4.0), u), ibp_v_mul(r, r));
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

static void ibp__fill(double *out, long n, double v) {
    for (long i = 0; i < n; i++) out[i] = v;
}

void ibp__act_fwd(int act, double prm, const double *z /* (n,) */, double *out /* (n,) */, long n) {
    switch (act) {
    case IBP__ACT_RELU: IBP__ACT_MAP(k_relu0); break;
    case IBP__ACT_LEAKY_RELU: IBP__ACT_MAP(k_leaky0); break;
    case IBP__ACT_TANH: IBP__ACT_MAP(k_tanh0); break;
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
    case IBP__ACT_TANH: IBP__ACT_MAP3(k3_tanh); break;
    case IBP__ACT_SOFTPLUS: IBP__ACT_MAP3(k3_sp); break;
    case IBP__ACT_LEAKY_SOFTPLUS: IBP__ACT_MAP3(k3_lsp); break;
    case IBP__ACT_GELU: IBP__ACT_MAP3(k3_gelu); break;
    default: /* identity: copy a first, since d1 or d2 may be z's own storage */
        ibp__act_fwd(act, prm, z, a, n);
        ibp__fill(d1, n, 1.0);
        if (d2) ibp__fill(d2, n, 0.0);
    }
}
