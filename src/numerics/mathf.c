/* mathf.c -- the scalar elementary functions: lane 0 of the vector code in vmath.h.
 *
 * Each scalar function splats its argument and returns lane 0 of the vmath.h function, so a
 * scalar call and an element of a SIMD loop (ibp__exp_n, the activations) give identical bits
 * by construction, on every backend. pow is the one function with branches: it is scalar only,
 * and its special cases are cheaper to state as C than as selects.
 */
#include "numerics/numerics.h"
#include "numerics/simd.h"
#include "numerics/vmath.h"

#define IBP__LANE0(vf, x) ibp_v_lane0(vf(ibp_v_splat(x)))

double ibp__exp(double x) { return IBP__LANE0(ibp__vexp, x); }
double ibp__expm1(double x) { return IBP__LANE0(ibp__vexpm1, x); }
double ibp__log(double x) { return IBP__LANE0(ibp__vlog, x); }
double ibp__log1p(double x) { return IBP__LANE0(ibp__vlog1p, x); }
double ibp__tanh(double x) { return IBP__LANE0(ibp__vtanh, x); }
double ibp__sigmoid(double x) { return IBP__LANE0(ibp__vsigmoid, x); }
double ibp__softplus(double x) { return IBP__LANE0(ibp__vsoftplus, x); }
double ibp__erf(double x) { return IBP__LANE0(ibp__verf, x); }
double ibp__sin(double x) { return IBP__LANE0(ibp__vsin, x); }
double ibp__cos(double x) { return IBP__LANE0(ibp__vcos, x); }

/* x^y = exp(y log x) for x > 0. log x is carried as hi + lo (~2^-58 relative) and y hi is
 * split exactly into p + pe, so the exponent's absolute error stays ~|y log x| 2^-58 instead of
 * |y log x| 2^-53: relative error of the result ~1.5 ulp + |y log x| 2^-58 (4e-16 at 100).
 * Specials (C99 pow, restricted to x >= 0): x^0 = 1, 1^y = 1, NaN -> NaN, 0^y = 0 or inf,
 * inf^y = inf or 0; negative x is outside the contract and gives NaN. */
double ibp__pow(double x, double y) {
    if (y == 0.0 || x == 1.0) return 1.0;
    if (ibp__isnan(x) || ibp__isnan(y)) return IBP_NAN;
    if (x < 0.0) return IBP_NAN;
    if (x == 0.0) return y > 0.0 ? 0.0 : IBP_INF;
    if (x == IBP_INF) return y > 0.0 ? IBP_INF : 0.0;
    ibp_v2d vlo, vhi = ibp__vlog_dd(ibp_v_splat(x), &vlo);
    double hi = ibp_v_lane0(vhi), lo = ibp_v_lane0(vlo);
    double p0 = y * hi;
    if (!(ibp__fabs(p0) < 800.0)) return ibp__exp(p0); /* 0 or inf (also y = +-inf) */
    ibp_v2d vpe, vp = ibp__vm_two_prod(ibp_v_splat(y), vhi, &vpe);
    double p = ibp_v_lane0(vp), t = ibp_v_lane0(vpe) + y * lo;
    double e = ibp__exp(p);
    return e + e * t; /* exp(p + t) = e (1 + t + O(t^2)), |t| < 2^-43 */
}

/* The tails go through the scalar forms, which are lane 0 of the same vector code. */
void ibp__exp_n(double *y, const double *x, long n) {
    long i = 0;
    for (; i + 2 <= n; i += 2) ibp_v_store(y + i, ibp__vexp(ibp_v_load(x + i)));
    if (i < n) y[i] = ibp__exp(x[i]);
}

void ibp__tanh_n(double *y, const double *x, long n) {
    long i = 0;
    for (; i + 2 <= n; i += 2) ibp_v_store(y + i, ibp__vtanh(ibp_v_load(x + i)));
    if (i < n) y[i] = ibp__tanh(x[i]);
}

double ibp_pow(double x, double y) { return ibp__pow(x, y); } /* public (ibp.h) */
