/* test_act.c -- activations: values and first two derivatives against libm closed forms and
 * against central differences of the engine's own forward/first derivative; tails; the scalar
 * tail of the vector loops giving the same bits as the vector body, at every length; in-place
 * operation; the fused ibp__act_derivs giving the single functions' bits. */
#include <math.h>
#include <string.h>
#include "models/models.h"
#include "testlib.h"

static const char *act_name[] = {"identity", "relu", "leaky_relu", "tanh", "softplus",
                                 "leaky_softplus", "gelu"};

/* Independent references (libm), each written in a form that is accurate where it is used. */
static double sp_ref(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static double sig_ref(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
static double sig2_ref(double x) { /* sigma(x) sigma(-x) */
    double e = exp(-fabs(x));
    return e / ((1.0 + e) * (1.0 + e));
}
static double phi_ref(double z) { return exp(-0.5 * z * z) / sqrt(2.0 * 3.14159265358979323846); }
static double Phi_ref(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* ref value of derivative order `o` of act at z; *scale gets the magnitude of the terms that
 * were summed, so a cancellation is judged against the size of what cancelled. */
static double ref(int act, double p, int o, double z, double *scale) {
    double v = 0;
    switch (act) {
    case IBP__ACT_IDENTITY: v = o == 0 ? z : o == 1 ? 1 : 0; break;
    case IBP__ACT_RELU: v = o == 0 ? (z > 0 ? z : 0) : o == 1 ? (z > 0 ? 1 : 0) : 0; break;
    case IBP__ACT_LEAKY_RELU: v = o == 0 ? (z > 0 ? z : p * z) : o == 1 ? (z > 0 ? 1 : p) : 0; break;
    case IBP__ACT_TANH: {
        double c = cosh(z), s2 = 1.0 / (c * c); /* sech^2, accurate in the tails unlike 1 - t^2 */
        v = o == 0 ? tanh(z) : o == 1 ? s2 : -2.0 * tanh(z) * s2;
        break;
    }
    case IBP__ACT_SOFTPLUS:
        v = o == 0 ? sp_ref(p * z) / p : o == 1 ? sig_ref(p * z) : p * sig2_ref(p * z);
        break;
    case IBP__ACT_LEAKY_SOFTPLUS:
        v = o == 0 ? p * z + (1 - p) * sp_ref(z) : o == 1 ? p + (1 - p) * sig_ref(z)
                                                       : (1 - p) * sig2_ref(z);
        *scale = o == 0 ? fabs(p * z) + fabs((1 - p) * sp_ref(z)) : fabs(v);
        return v;
    case IBP__ACT_GELU:
        if (o == 0) v = z * Phi_ref(z);
        else if (o == 1) {
            v = Phi_ref(z) + z * phi_ref(z);
            *scale = Phi_ref(z) + fabs(z * phi_ref(z));
            return v;
        } else {
            v = phi_ref(z) * (2 - z * z);
            *scale = phi_ref(z) * (2 + z * z);
            return v;
        }
        break;
    }
    *scale = fabs(v);
    return v;
}

static void eval(int act, double p, int o, const double *z, double *out, long n) {
    if (o == 0) ibp__act_fwd(act, p, z, out, n);
    else if (o == 1) ibp__act_d1(act, p, z, out, n);
    else ibp__act_d2(act, p, z, out, n);
}
static double eval1(int act, double p, int o, double z) {
    double r;
    eval(act, p, o, &z, &r, 1);
    return r;
}

#define NZ 241
int main(void) {
    struct { int act; double p; } cases[] = {
        {IBP__ACT_IDENTITY, 0},      {IBP__ACT_RELU, 0},          {IBP__ACT_LEAKY_RELU, 0.01},
        {IBP__ACT_LEAKY_RELU, 0.3},  {IBP__ACT_TANH, 0},          {IBP__ACT_SOFTPLUS, 1.0},
        {IBP__ACT_SOFTPLUS, 4.0},    {IBP__ACT_SOFTPLUS, 0.25},   {IBP__ACT_LEAKY_SOFTPLUS, 0.5},
        {IBP__ACT_LEAKY_SOFTPLUS, 0.1}, {IBP__ACT_GELU, 0},
    };
    int ncase = (int)(sizeof cases / sizeof cases[0]);
    /* z grid: +-(1e-8 .. 30) geometric, 0, and a few odd points (odd count: exercises the tail) */
    double z[NZ], out[NZ], one[NZ];
    int nz = 0;
    z[nz++] = 0.0;
    for (int i = 0; i < 120; i++) {
        double a = 1e-8 * pow(30.0 / 1e-8, i / 119.0);
        z[nz++] = a;
        z[nz++] = -a;
    }
    for (int c = 0; c < ncase; c++) {
        int act = cases[c].act;
        double p = cases[c].p;
        for (int o = 0; o < 3; o++) {
            eval(act, p, o, z, out, nz);
            /* 1. closed forms. Our exp/log1p/erf/tanh are within a few ulp; each formula
             * composes a handful of correctly rounded operations on them, so 1e-13 relative
             * is ~500 ulp of headroom; the absolute part (4e-16 of the size of the terms that
             * cancelled) covers sums like Phi + z phi whose result is far below their terms.
             * Gaussian tails e^{-z^2/2} have condition number z^2: rounding z / sqrt 2 one way
             * or the other moves them by z^2 2^-53, hence the 1e-15 z^2 term (1e-12 at 30). */
            int bad = 0;
            for (int i = 0; i < nz; i++) {
                double s, r = ref(act, p, o, z[i], &s), rt = 1e-13 + 1e-15 * z[i] * z[i];
                if (!t_close(out[i], r, 4e-16 * s + 1e-300, rt)) {
                    if (bad++ < 3)
                        T_CLOSE(out[i], r, 4e-16 * s + 1e-300, rt);
                }
            }
            T_CHECK(bad == 0, "%s(%g) order %d: %d grid points off the closed form", act_name[act], p, o, bad);
            /* 2. the scalar tail gives the vector body's bits: element by element, n = 1 */
            for (int i = 0; i < nz; i++) eval(act, p, o, z + i, one + i, 1);
            T_CHECK(t_same_bits(out, one, nz), "%s order %d: n=1 calls differ from the array call", act_name[act], o);
            /* 3. in place (the model evaluates act' over z's own storage) */
            double tmp[NZ];
            memcpy(tmp, z, sizeof tmp);
            eval(act, p, o, tmp, tmp, nz);
            T_CHECK(t_same_bits(out, tmp, nz), "%s order %d: in-place result differs", act_name[act], o);
        }
        /* 3b. the fused pass gives the three functions' bits, with and without d2, and with
         * d1 written over z (as the model does) */
        {
            double fa[NZ], f1[NZ], f2[NZ], g1[NZ], ga[NZ], r0[NZ], r1[NZ], r2[NZ];
            eval(act, p, 0, z, r0, nz);
            eval(act, p, 1, z, r1, nz);
            eval(act, p, 2, z, r2, nz);
            ibp__act_derivs(act, p, z, fa, f1, f2, nz);
            memcpy(g1, z, sizeof g1);
            ibp__act_derivs(act, p, g1, ga, g1, NULL, nz);
            T_CHECK(t_same_bits(fa, r0, nz) && t_same_bits(f1, r1, nz) && t_same_bits(f2, r2, nz) &&
                        t_same_bits(ga, r0, nz) && t_same_bits(g1, r1, nz),
                    "%s(%g): ibp__act_derivs differs from fwd/d1/d2", act_name[act], p);
        }
        /* 3c. every length and start: the unrolled loops, the pairs left over and the odd
         * last element all give the elements' bits of the full call */
        {
            double r0[NZ], r1[NZ], r2[NZ], fa[24], f1[24], f2[24], ga[24], g1[24];
            eval(act, p, 0, z, r0, nz);
            eval(act, p, 1, z, r1, nz);
            eval(act, p, 2, z, r2, nz);
            int same = 1;
            for (int s0 = 0; s0 < 3; s0++)
                for (int n = 1; n <= 23; n++) {
                    eval(act, p, 0, z + s0, fa, n);
                    same &= t_same_bits(fa, r0 + s0, n);
                    ibp__act_derivs(act, p, z + s0, fa, f1, f2, n);
                    memcpy(g1, z + s0, sizeof(double) * (size_t)n);
                    ibp__act_derivs(act, p, g1, ga, g1, NULL, n);
                    same &= t_same_bits(fa, r0 + s0, n) && t_same_bits(f1, r1 + s0, n) &&
                            t_same_bits(f2, r2 + s0, n) && t_same_bits(ga, r0 + s0, n) &&
                            t_same_bits(g1, r1 + s0, n);
                }
            T_CHECK(same, "%s(%g): short arrays (n = 1..23, 3 starts) differ from the full call",
                    act_name[act], p);
        }
        /* 4. consistency: d1 and d2 are central differences of fwd and d1 (the engine's own).
         * Step h = 1e-4 max(1,|z|): truncation h^2 |f'''|/6 <~ 2e-9 for these O(1)-curvature
         * functions (softplus beta=4 has f''' up to ~ beta^2/10), rounding 2^-52 |f|/h <~ 3e-12
         * max(1,|f|); tolerance 1e-7 (1 + |f'|). Points within 10 h of a ReLU kink are skipped. */
        int bad1 = 0, bad2 = 0, checked = 0;
        for (int i = 0; i < nz; i++) {
            double zi = z[i], h = 1e-4 * fmax(1.0, fabs(zi));
            if ((act == IBP__ACT_RELU || act == IBP__ACT_LEAKY_RELU) && fabs(zi) < 10 * h) continue;
            checked++;
            double fd1 = (eval1(act, p, 0, zi + h) - eval1(act, p, 0, zi - h)) / (2 * h);
            double fd2 = (eval1(act, p, 1, zi + h) - eval1(act, p, 1, zi - h)) / (2 * h);
            double d1 = eval1(act, p, 1, zi), d2 = eval1(act, p, 2, zi);
            if (!t_close(fd1, d1, 1e-7 * (1 + fabs(d1)), 0)) {
                if (bad1++ < 3) T_CLOSE(fd1, d1, 1e-7 * (1 + fabs(d1)), 0);
            }
            if (!t_close(fd2, d2, 1e-7 * (1 + fabs(d2)), 0)) {
                if (bad2++ < 3) T_CLOSE(fd2, d2, 1e-7 * (1 + fabs(d2)), 0);
            }
        }
        T_CHECK(bad1 == 0 && bad2 == 0 && checked > 100, "%s(%g): FD of fwd/d1 off at %d/%d of %d points",
                act_name[act], p, bad1, bad2, checked);
    }

    /* 5. tails far beyond the grid: finite and equal to the limits or the asymptotic forms. */
    double big[] = {40.0, 100.0, 700.0, 1e4, 1e200};
    for (int b = 0; b < 5; b++) {
        double zp = big[b], zm = -big[b];
        for (int c = 0; c < ncase; c++) {
            int act = cases[c].act;
            double p = cases[c].p;
            for (int o = 0; o < 3; o++) {
                double vp = eval1(act, p, o, zp), vm = eval1(act, p, o, zm);
                T_CHECK(!isnan(vp) && !isnan(vm), "%s(%g) order %d at +-%g: %g %g", act_name[act], p, o, zp, vp, vm);
                double s, rp = ref(act, p, o, zp, &s), rm = ref(act, p, o, zm, &s);
                /* the references are exact limits here except where their own formulas
                 * overflow (cosh at 1e4, z*z at 1e200): there the true values are 0 */
                if (isnan(rp)) rp = 0;
                if (isnan(rm)) rm = 0;
                T_CLOSE(vp, rp, 1e-300, 1e-13);
                T_CLOSE(vm, rm, 1e-300, 1e-13);
            }
        }
    }
    /* relative accuracy deep in the tails, where naive formulas round to 0 or 1 */
    T_CLOSE(eval1(IBP__ACT_TANH, 0, 1, 25.0), 4 * exp(-50.0), 0, 1e-13);   /* 1 - t^2 would be 0 */
    T_CLOSE(eval1(IBP__ACT_TANH, 0, 2, -25.0), 8 * exp(-50.0), 0, 1e-13);
    T_CLOSE(eval1(IBP__ACT_SOFTPLUS, 1, 0, -40.0), exp(-40.0), 0, 1e-13);
    T_CLOSE(eval1(IBP__ACT_SOFTPLUS, 1, 1, -40.0), exp(-40.0), 0, 1e-13);
    T_CLOSE(eval1(IBP__ACT_SOFTPLUS, 1, 2, 40.0), exp(-40.0), 0, 1e-13);
    T_CLOSE(eval1(IBP__ACT_SOFTPLUS, 1, 0, 40.0), 40.0, 0, 1e-15);
    T_CLOSE(eval1(IBP__ACT_GELU, 0, 0, -10.0), -10.0 * 0.5 * erfc(10.0 / sqrt(2.0)), 0, 1e-13);
    T_CLOSE(eval1(IBP__ACT_GELU, 0, 0, -30.0), -30.0 * 0.5 * erfc(30.0 / sqrt(2.0)), 0, 1e-12);
    T_CHECK(eval1(IBP__ACT_RELU, 0, 1, 0.0) == 0.0, "relu'(0) = 0");
    T_CHECK(eval1(IBP__ACT_RELU, 0, 0, -0.0) == 0.0, "relu(-0) = 0");
    T_CHECK(isnan(eval1(IBP__ACT_RELU, 0, 0, NAN)), "relu propagates NaN");
    T_CHECK(isnan(eval1(IBP__ACT_LEAKY_RELU, 0.1, 0, NAN)), "leaky_relu propagates NaN");
    return t_summary();
}
