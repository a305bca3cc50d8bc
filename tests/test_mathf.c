/* test_mathf.c -- our elementary functions against libm, special values, scalar == vector.
 *
 * Accuracy: each function is compared with the host libm evaluated in long double where the
 * platform has it (x86-64: 64-bit significand, so the reference is ~2^-11 ulp from the true
 * value) over dense grids and random points of its range; the worst error in ulps of the double
 * result is printed and bounded. The bounds are fdlibm's documented errors (< 1 ulp for exp,
 * log, log1p, expm1, sin, cos kernels; erf < 1 ulp per range) plus composition where a function
 * is built from two (tanh, sigmoid, softplus: an expm1/exp error propagated through one more
 * rounded division or log1p), plus 1 ulp when long double is no wider than double (wasm:
 * musl's long double libm forwards to the double one, itself within 1 ulp).
 *
 *   test_mathf           run the checks, end with "N passed, N failed"
 *   test_mathf --dump    print "name x-bits result-bits" over a fixed grid, nothing else: the
 *                        cross-build test diffs this output between native, scalar and wasm.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "numerics/numerics.h"
#include "numerics/simd.h"
#include "testlib.h"
#include "numerics/vmath.h"

/* Does a long-double reference carry bits beyond double? (musl's long double libm, used by
 * Emscripten, forwards some functions to the double ones.) */
static int wide(long double (*ref)(long double)) {
    static const double pts[] = {0.3, 0.7, 1.1, 1.9, 2.3, 3.7, 5.3};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        long double r = ref(pts[i]);
        if (r != (long double)(double)r) return 1;
    }
    return 0;
}

static double my_erfc(double x) { return ibp_v_lane0(ibp__verfc(ibp_v_splat(x))); }

/* long-double references (functions that libm lacks are composed in long double) */
static long double r_exp(long double x) { return expl(x); }
static long double r_log(long double x);
static long double r_sin(long double x);
/* Composed references (sigmoid, softplus) are only as good as expl and log1pl: judge the
 * library as a whole. */
static int libm_wide(void) { return wide(r_exp) && wide(r_log) && wide(r_sin); }
static long double r_expm1(long double x) { return expm1l(x); }
static long double r_log(long double x) { return logl(x); }
static long double r_log1p(long double x) { return log1pl(x); }
static long double r_tanh(long double x) { return tanhl(x); }
static long double r_sigmoid(long double x) {
    return x >= 0 ? 1.0L / (1.0L + expl(-x)) : expl(x) / (1.0L + expl(x));
}
static long double r_softplus(long double x) {
    return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}
static long double r_erf(long double x) { return erfl(x); }
static long double r_erfc(long double x) { return erfcl(x); }
static long double r_sin(long double x) { return sinl(x); }
static long double r_cos(long double x) { return cosl(x); }

typedef struct fn {
    const char *name;
    double (*f)(double);
    long double (*ref)(long double);
    double lo, hi;    /* random points: uniform on [lo, hi] ... */
    double slo, shi;  /* ... and log-uniform magnitudes in [slo, shi] with random sign */
    int pos;          /* only positive arguments for the log-uniform points */
    double bound;     /* max ulp error allowed with a long-double reference */
} fn;

static const fn FNS[] = {
    {"exp", ibp__exp, r_exp, -745.0, 709.7, 1e-300, 700.0, 0, 1.0},
    {"expm1", ibp__expm1, r_expm1, -40.0, 709.7, 1e-300, 700.0, 0, 1.0},
    {"log", ibp__log, r_log, 0.0, 4.0, 4.9e-324, 1.7e308, 1, 1.0},
    {"log1p", ibp__log1p, r_log1p, -1.0, 4.0, 1e-300, 1e300, 1, 1.5},
    {"tanh", ibp__tanh, r_tanh, -25.0, 25.0, 1e-300, 30.0, 0, 2.5},
    {"sigmoid", ibp__sigmoid, r_sigmoid, -745.0, 745.0, 1e-300, 700.0, 0, 2.5},
    {"softplus", ibp__softplus, r_softplus, -745.0, 745.0, 1e-300, 700.0, 0, 2.5},
    {"erf", ibp__erf, r_erf, -7.0, 7.0, 1e-300, 7.0, 0, 1.5},
    {"erfc", my_erfc, r_erfc, -7.0, 27.0, 1e-300, 27.0, 0, 3.0}, /* two exps, a product, a / */
    {"sin", ibp__sin, r_sin, -1e6, 1e6, 1e-300, 1e6, 0, 1.0},
    {"cos", ibp__cos, r_cos, -1e6, 1e6, 1e-300, 1e6, 0, 1.0},
};
#define NFN ((int)(sizeof FNS / sizeof FNS[0]))

/* |ours - ref| in units of the last place of the double nearest ref (2^-1074 below normal). */
static double ulp_err(double ours, long double ref) {
    if (isnan(ours) || isnan((double)ref)) return isnan(ours) && isnan((double)ref) ? 0 : 1e9;
    if (isinf((double)ref) || isinf(ours)) return (double)ref == ours ? 0 : 1e9;
    double r = (double)ref;
    int e;
    frexp(r == 0 ? DBL_MIN : r, &e);
    long double ulp = ldexpl(1.0L, (e - 53 < -1074 ? -1074 : e - 53));
    return (double)(fabsl((long double)ours - ref) / ulp);
}

static uint64_t seed = 7;

static double rand_point(const fn *F, int i) {
    double u = t_rand_uniform(&seed);
    if (i % 2 == 0) return F->lo + (F->hi - F->lo) * u;
    double m = exp(log(F->slo) + (log(F->shi) - log(F->slo)) * u);
    return (!F->pos && t_rand_uniform(&seed) < 0.5) ? -m : m;
}

static void check_accuracy(void) {
    for (int f = 0; f < NFN; f++) {
        const fn *F = &FNS[f];
        double worst = 0, at = 0;
        for (int i = 0; i < 60000; i++) {
            double x = rand_point(F, i);
            double e = ulp_err(F->f(x), F->ref(x));
            if (e > worst) worst = e, at = x;
        }
        /* dense grid: the whole "interesting" middle of each range, step 2^-10 */
        double glo = F->lo < -40 ? -40 : F->lo, ghi = F->hi > 40 ? 40 : F->hi;
        for (double x = glo; x <= ghi; x += 0x1p-10) {
            double e = ulp_err(F->f(x), F->ref(x));
            if (e > worst) worst = e, at = x;
        }
        double bound = F->bound + (libm_wide() ? 0.0 : 1.0);
        printf("  %-9s max error %.3f ulp at %.17g%s\n", F->name, worst, at,
               libm_wide() ? "" : " (double-precision reference)");
        T_CHECK(worst <= bound, "%s: %.3f ulp at %.17g (bound %.1f)", F->name, worst, at, bound);
    }
}

/* Arguments next to multiples of pi/2 (the hardest for the reduction): the doubles nearest
 * k pi/2 and their neighbours, for k up to 2^20 * 0.6. */
static void check_trig_reduction(void) {
    double worst = 0, at = 0;
    for (long k = 1; k < 640000; k += 997) {
        double x0 = (double)((long double)k * 1.5707963267948966192313216916397514L);
        for (int d = -2; d <= 2; d++) {
            double x = nextafter(x0, d < 0 ? -INFINITY : INFINITY);
            if (d == 0) x = x0;
            if (d == 2 || d == -2) x = nextafter(x, d < 0 ? -INFINITY : INFINITY);
            double es = ulp_err(ibp__sin(x), sinl(x)), ec = ulp_err(ibp__cos(x), cosl(x));
            if (es > worst) worst = es, at = x;
            if (ec > worst) worst = ec, at = x;
        }
    }
    double bound = 1.0 + (libm_wide() ? 0.0 : 1.0);
    printf("  sin/cos near k pi/2: max error %.3f ulp at %.17g\n", worst, at);
    T_CHECK(worst <= bound, "sin/cos near multiples of pi/2: %.3f ulp at %.17g", worst, at);
}

/* pow for x > 0: exp's < 1 ulp, + 0.5 ulp for the final e + e t, + the log's ~2^-58 relative
 * error times |y log x| (mathf.c); allowed: 2 ulp + |y log x| 2^-57 (an ulp is >= 2^-53
 * relative, so that term is at most |y log x| / 16 ulp), + 1 ulp for a double reference. */
static long double r_pow3(long double y) { return powl(3.0L, y); }
static void check_pow(void) {
    double worst = 0, at_x = 0, at_y = 0;
    int wide_pow = libm_wide() && wide(r_pow3);
    int ok = 1;
    for (int i = 0; i < 60000; i++) {
        double x, y;
        if (i % 3 == 0) { /* schedules: (t + 1)^-p */
            x = 1.0 + floor(1e6 * t_rand_uniform(&seed));
            y = -2.0 * t_rand_uniform(&seed);
        } else if (i % 3 == 1) {
            x = exp(-20 + 40 * t_rand_uniform(&seed));
            y = -5 + 10 * t_rand_uniform(&seed);
        } else { /* large exponents: y log x up to ~700 */
            x = exp(-3 + 6 * t_rand_uniform(&seed));
            y = (t_rand_uniform(&seed) - 0.5) * 1400.0 / fmax(fabs(log(x)), 1.0);
        }
        double ours = ibp__pow(x, y);
        long double ref = powl(x, y);
        if (!isfinite((double)ref) || (double)ref < DBL_MIN) continue;
        double e = ulp_err(ours, ref);
        double allow = 2.0 + (wide_pow ? 0.0 : 1.0) + fabs(y * log(x)) / 16.0;
        if (e > allow) ok = 0;
        if (e > worst) worst = e, at_x = x, at_y = y;
    }
    printf("  pow       max error %.3f ulp at (%.17g, %.17g)\n", worst, at_x, at_y);
    T_CHECK(ok, "pow: error above 2 ulp + 2^-57 |y log x| (worst %.3f ulp at %.17g^%.17g)", worst,
            at_x, at_y);
    /* exact cases */
    T_CHECK(ibp__pow(2.0, 10.0) == 1024.0, "pow(2, 10) = %.17g", ibp__pow(2.0, 10.0));
    T_CHECK(ibp__pow(4.0, 0.5) == 2.0, "pow(4, 0.5) = %.17g", ibp__pow(4.0, 0.5));
    T_CHECK(ibp__pow(10.0, -2.0) == 0.01, "pow(10, -2) = %.17g", ibp__pow(10.0, -2.0));
    T_CHECK(ibp__pow(5.0, 0.0) == 1.0 && ibp__pow(1.0, 1e300) == 1.0, "pow x^0, 1^y");
    T_CHECK(ibp__pow(0.0, 2.0) == 0.0 && ibp__pow(0.0, -1.0) == INFINITY, "pow 0^y");
    T_CHECK(ibp__pow(INFINITY, 2.0) == INFINITY && ibp__pow(INFINITY, -2.0) == 0.0, "pow inf^y");
    T_CHECK(ibp__pow(2.0, 5000.0) == INFINITY && ibp__pow(2.0, -5000.0) == 0.0, "pow overflow");
    T_CHECK(isnan(ibp__pow(-2.0, 2.0)) && isnan(ibp__pow(NAN, 2.0)), "pow NaN cases");
}

#define EXPECT(call, want)                                                                   \
    do {                                                                                     \
        double g_ = (call), w_ = (want);                                                     \
        T_CHECK((isnan(w_) && isnan(g_)) || t_bits(g_) == t_bits(w_), "%s = %.17g, want %.17g", \
                #call, g_, w_);                                                              \
    } while (0)

/* not exact cases: within 1 ulp of a long-double libm value (2 when that is only double) */
#define EXPECT_ULP(call, refl)                                                               \
    do {                                                                                     \
        double g_ = (call), e_ = ulp_err(g_, (refl));                                        \
        T_CHECK(e_ <= 1.0 + (libm_wide() ? 0 : 1), "%s = %.17g: %.3f ulp", #call, g_, e_);   \
    } while (0)

static void check_specials(void) {
    const double inf = INFINITY, nan_ = NAN, mind = 4.9406564584124654e-324;
    EXPECT(ibp__exp(0.0), 1.0);            EXPECT(ibp__exp(-0.0), 1.0);
    EXPECT(ibp__exp(inf), inf);            EXPECT(ibp__exp(-inf), 0.0);
    EXPECT(ibp__exp(710.0), inf);          EXPECT(ibp__exp(-746.0), 0.0);
    EXPECT(ibp__exp(1e300), inf);          EXPECT(ibp__exp(-1e300), 0.0);
    EXPECT(ibp__exp(nan_), nan_);          EXPECT(ibp__exp(-745.1332191019411), mind);
    const double xbig = 709.782712893384, pio2 = 1.5707963267948966, pi = 3.141592653589793;
    EXPECT_ULP(ibp__exp(xbig), expl(xbig)); /* the largest finite result */
    EXPECT_ULP(ibp__exp(1.0), expl(1.0L));
    EXPECT_ULP(ibp__exp(-740.0), expl(-740.0L)); /* subnormal result */
    EXPECT(ibp__expm1(0.0), 0.0);          EXPECT(ibp__expm1(-0.0), -0.0);
    EXPECT(ibp__expm1(inf), inf);          EXPECT(ibp__expm1(-inf), -1.0);
    EXPECT(ibp__expm1(1e-310), 1e-310);    EXPECT(ibp__expm1(-1e-310), -1e-310);
    EXPECT(ibp__expm1(710.0), inf);        EXPECT(ibp__expm1(-100.0), -1.0);
    EXPECT(ibp__expm1(nan_), nan_);
    EXPECT(ibp__log(1.0), 0.0);            EXPECT(ibp__log(0.0), -inf);
    EXPECT(ibp__log(-0.0), -inf);          EXPECT(ibp__log(-1.0), nan_);
    EXPECT(ibp__log(inf), inf);            EXPECT(ibp__log(-inf), nan_);
    EXPECT(ibp__log(nan_), nan_);          EXPECT_ULP(ibp__log(mind), logl(mind));
    EXPECT_ULP(ibp__log(2.0), logl(2.0L)); EXPECT_ULP(ibp__log(DBL_MAX), logl(DBL_MAX));
    EXPECT_ULP(ibp__log(3e-310), logl(3e-310L));
    EXPECT(ibp__log1p(0.0), 0.0);          EXPECT(ibp__log1p(-0.0), -0.0);
    EXPECT(ibp__log1p(-1.0), -inf);        EXPECT(ibp__log1p(-2.0), nan_);
    EXPECT(ibp__log1p(inf), inf);          EXPECT(ibp__log1p(nan_), nan_);
    EXPECT(ibp__log1p(1e-310), 1e-310);    EXPECT_ULP(ibp__log1p(DBL_MAX), logl(DBL_MAX));
    EXPECT(ibp__tanh(0.0), 0.0);           EXPECT(ibp__tanh(-0.0), -0.0);
    EXPECT(ibp__tanh(inf), 1.0);           EXPECT(ibp__tanh(-inf), -1.0);
    EXPECT(ibp__tanh(30.0), 1.0);          EXPECT(ibp__tanh(-1e300), -1.0);
    EXPECT(ibp__tanh(1e-300), 1e-300);     EXPECT(ibp__tanh(nan_), nan_);
    EXPECT(ibp__sigmoid(0.0), 0.5);        EXPECT(ibp__sigmoid(-0.0), 0.5);
    EXPECT(ibp__sigmoid(inf), 1.0);        EXPECT(ibp__sigmoid(-inf), 0.0);
    EXPECT(ibp__sigmoid(40.0), 1.0);       EXPECT(ibp__sigmoid(nan_), nan_);
    EXPECT(ibp__sigmoid(-800.0), 0.0);
    EXPECT(ibp__softplus(inf), inf);       EXPECT(ibp__softplus(-inf), 0.0);
    EXPECT(ibp__softplus(1e300), 1e300);   EXPECT(ibp__softplus(nan_), nan_);
    EXPECT_ULP(ibp__softplus(0.0), logl(2.0L));
    EXPECT(ibp__erf(0.0), 0.0);            EXPECT(ibp__erf(-0.0), -0.0);
    EXPECT(ibp__erf(inf), 1.0);            EXPECT(ibp__erf(-inf), -1.0);
    EXPECT_ULP(ibp__erf(1e-310), erfl(1e-310L)); EXPECT(ibp__erf(nan_), nan_);
    EXPECT(my_erfc(inf), 0.0);             EXPECT(my_erfc(-inf), 2.0);
    EXPECT(my_erfc(0.0), 1.0);             EXPECT(my_erfc(30.0), 0.0);
    EXPECT(my_erfc(nan_), nan_);
    EXPECT(ibp__sin(0.0), 0.0);            EXPECT(ibp__sin(-0.0), -0.0);
    EXPECT(ibp__sin(1e-300), 1e-300);      EXPECT(ibp__sin(-1e-310), -1e-310);
    EXPECT(ibp__sin(inf), nan_);           EXPECT(ibp__sin(nan_), nan_);
    EXPECT(ibp__cos(0.0), 1.0);            EXPECT(ibp__cos(-0.0), 1.0);
    EXPECT(ibp__cos(-inf), nan_);          EXPECT(ibp__cos(nan_), nan_);
    EXPECT(ibp__sin(1e300), nan_);         /* documented: no fractional bits, NaN */
    /* sin/cos of the doubles nearest small multiples of pi/2 */
    EXPECT_ULP(ibp__cos(pio2), cosl(pio2));
    EXPECT_ULP(ibp__sin(pi), sinl(pi));
    /* odd/even symmetry holds bit for bit (the reduction is symmetric under rint ties-to-even) */
    int sym = 1;
    for (int i = 0; i < 2000; i++) {
        double x = (i + 0.5) * 0.0123 * (1 + i % 7);
        sym &= ibp__sin(-x) == -ibp__sin(x) && ibp__cos(-x) == ibp__cos(x);
        sym &= ibp__tanh(-x) == -ibp__tanh(x) && ibp__erf(-x) == -ibp__erf(x);
    }
    T_CHECK(sym, "odd/even symmetry of sin, cos, tanh, erf");
}

/* Scalar == either lane of the vector code, and the array forms == the scalar ones. */
static void check_lanes(void) {
    ibp_v2d (*vf[])(ibp_v2d) = {ibp__vexp, ibp__vexpm1, ibp__vlog, ibp__vlog1p, ibp__vtanh,
                                ibp__vsigmoid, ibp__vsoftplus, ibp__verf, ibp__verfc,
                                ibp__vsin, ibp__vcos};
    int ok = 1;
    for (int f = 0; f < NFN; f++)
        for (int i = 0; i < 4000; i++) {
            double x = rand_point(&FNS[f], i), o = rand_point(&FNS[f], i + 1);
            double s = FNS[f].f(x);
            ibp_v2d a = vf[f](ibp_v_set(x, o)), b = vf[f](ibp_v_set(o, x));
            ok &= t_bits(s) == t_bits(ibp_v_lane0(a)) && t_bits(s) == t_bits(ibp_v_lane1(b));
        }
    T_CHECK(ok, "scalar results equal both vector lanes bit for bit");
    enum { N = 1001 };
    static double x[N], y[N], z[N];
    for (int i = 0; i < N; i++) x[i] = -30 + 60.0 * i / N;
    ibp__exp_n(y, x, N);
    int e_ok = 1, t_ok = 1;
    for (int i = 0; i < N; i++) e_ok &= t_bits(y[i]) == t_bits(ibp__exp(x[i]));
    memcpy(z, x, sizeof z);
    ibp__tanh_n(z, z, N); /* in place */
    for (int i = 0; i < N; i++) t_ok &= t_bits(z[i]) == t_bits(ibp__tanh(x[i]));
    T_CHECK(e_ok, "ibp__exp_n == ibp__exp elementwise");
    T_CHECK(t_ok, "ibp__tanh_n (in place) == ibp__tanh elementwise");
}

/* The vocabulary's min/max are exactly the selects a < b ? a : b and b < a ? a : b on every
 * backend (SSE2 minpd/maxpd, wasm pmin/pmax, scalar compare + select): NaNs, signed zeros. */
static void check_minmax(void) {
    const double v[] = {0.0, -0.0, 1.0, -1.0, 2.5, INFINITY, -INFINITY, NAN, -NAN, 1e-310, -3e300};
    int nv = (int)(sizeof v / sizeof v[0]), ok = 1;
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nv; j++) {
            double a = v[i], b = v[j], o = v[(i + j) % nv];
            double mn = a < b ? a : b, mx = b < a ? a : b, om = o < o ? o : o;
            ibp_v2d lo = ibp_v_min(ibp_v_set(a, o), ibp_v_set(b, o));
            ibp_v2d hi = ibp_v_max(ibp_v_set(o, a), ibp_v_set(o, b));
            ok &= t_bits(ibp_v_lane0(lo)) == t_bits(mn) && t_bits(ibp_v_lane1(hi)) == t_bits(mx);
            ok &= t_bits(ibp_v_lane1(lo)) == t_bits(om) && t_bits(ibp_v_lane0(hi)) == t_bits(om);
        }
    T_CHECK(ok, "ibp_v_min/max are a < b ? a : b and b < a ? a : b bit for bit (NaN, +-0)");
}

/* ---- --dump ------------------------------------------------------------------------------ */
/* A fixed grid built with exact operations only (so it is the same everywhere): special
 * values, then a linear grid over each function's main range and a geometric one. */
static int dump_grid(double *g, double lo, double hi, double mlo, double mhi) {
    static const double sp[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-310, -1e-310, 1e-300,
                                710.0, -746.0, 30.0, -30.0, 1e6, -1e6, 1e300, -1e300};
    int n = 0;
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) g[n++] = sp[i];
    g[n++] = INFINITY, g[n++] = -INFINITY, g[n++] = NAN;
    for (int i = 0; i <= 200; i++) g[n++] = lo + (hi - lo) * (i / 200.0);
    double m = mlo;
    for (int i = 0; i < 80 && m <= mhi; i++, m *= 2.7182818284590451) g[n++] = m, g[n++] = -m;
    return n;
}

static void dump(void) {
    static double g[512];
    for (int f = 0; f < NFN; f++) {
        const fn *F = &FNS[f];
        int n = dump_grid(g, F->lo, F->hi, 1e-20, F->shi);
        for (int i = 0; i < n; i++)
            printf("%s %016llx %016llx\n", F->name, (unsigned long long)t_bits(g[i]),
                   (unsigned long long)t_bits(F->f(g[i])));
    }
    static const double px[] = {0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 1000.0, 1e6, 1e-6, 0.999, 7.25};
    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++)
        for (int j = 0; j <= 40; j++) {
            double y = -4.0 + j * 0.2;
            printf("pow %016llx %016llx %016llx\n", (unsigned long long)t_bits(px[i]),
                   (unsigned long long)t_bits(y), (unsigned long long)t_bits(ibp__pow(px[i], y)));
        }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--dump") == 0) {
        dump();
        return 0;
    }
    printf("simd backend %s\n", IBP_SIMD_NAME);
    check_specials();
    check_minmax();
    check_lanes();
    check_accuracy();
    check_trig_reduction();
    check_pow();
    return t_summary();
}
