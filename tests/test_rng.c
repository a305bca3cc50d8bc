/* test_rng.c -- the PRNG is the published xoshiro256**, seeded as documented, and its
 * distributions have the right moments.
 *
 * 1. Published vectors: xoshiro256** from the state {1, 2, 3, 4} (Blackman and Vigna's reference
 *    code, as reproduced by rand_xoshiro) and splitmix64 from 0 and from 1234567.
 * 2. An independent transcription here of the algorithms and of the seeding documented in
 *    rng.c reproduces the engine's stream for several (seed, stream) pairs.
 * 3. Moments with tolerances of 5 standard errors (CLT: a false alarm has probability ~6e-7
 *    per check, and the seeds are fixed, so the test is deterministic anyway): uniform mean,
 *    variance and 4th central moment; normal mean, variance, 4th moment, a KS distance.
 * 4. Streams: same (seed, stream) -> same numbers; different streams/seeds -> uncorrelated.
 * 5. below(): chi-square over n bins, and a large n where the biased "x mod n" would fail.
 *   test_rng --dump   prints hex of the first numbers of several streams, nothing else.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "numerics/numerics.h"
#include "testlib.h"

/* ---- independent transcription of the published algorithms ------------------------------ */
static uint64_t ref_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t ref_xoshiro(uint64_t s[4]) {
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = ref_rotl(s[3], 45);
    return result;
}
static uint64_t ref_splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t ref_mix(uint64_t v) { /* the finalizer alone = splitmix from state v - gamma */
    uint64_t st = v - 0x9e3779b97f4a7c15ull;
    return ref_splitmix(&st);
}

static void check_published(void) {
    static const uint64_t xo[10] = {11520u, 0u, 1509978240u, 1215971899390074240ull,
                                    1216172134540287360ull, 607988272756665600ull,
                                    16172922978634559625ull, 8476171486693032832ull,
                                    10595114339597558777ull, 2904607092377533576ull};
    ibp_rng r;
    memset(&r, 0, sizeof r);
    r.s[0] = 1, r.s[1] = 2, r.s[2] = 3, r.s[3] = 4;
    uint64_t rs[4] = {1, 2, 3, 4};
    for (int i = 0; i < 10; i++) {
        uint64_t a = ibp__rng_u64(&r), b = ref_xoshiro(rs);
        T_CHECK(a == xo[i], "xoshiro256** output %d from {1,2,3,4}: %llu, published %llu", i,
                (unsigned long long)a, (unsigned long long)xo[i]);
        T_CHECK(b == xo[i], "test transcription output %d", i);
    }
    static const uint64_t sm0[4] = {0xE220A8397B1DCDAFull, 0x6E789E6AA1B965F4ull,
                                    0x06C45D188009454Full, 0xF88BB8A8724C81ECull};
    static const uint64_t sm1[5] = {6457827717110365317ull, 3203168211198807973ull,
                                    9817491932198370423ull, 4593380528125082431ull,
                                    16408922859458223821ull};
    uint64_t x = 0, y = 1234567;
    for (int i = 0; i < 4; i++) T_CHECK(ref_splitmix(&x) == sm0[i], "splitmix64(0) output %d", i);
    for (int i = 0; i < 5; i++) T_CHECK(ref_splitmix(&y) == sm1[i], "splitmix64(1234567) output %d", i);
}

/* The seeding documented in rng.c, transcribed; the engine must match it for 1000 outputs. */
static void check_seeding(void) {
    static const uint64_t seeds[] = {0, 1, 42, 0xFFFFFFFFFFFFFFFFull, 123456789};
    for (size_t a = 0; a < sizeof seeds / sizeof seeds[0]; a++)
        for (uint64_t stream = 0; stream <= 9; stream++) {
            uint64_t h = ref_mix(seeds[a] ^ ref_mix(stream + 0x632BE59BD9B4E019ull)), s[4];
            for (int i = 0; i < 4; i++) s[i] = ref_splitmix(&h);
            ibp_rng r;
            ibp__rng_seed(&r, seeds[a], stream);
            int ok = 1;
            for (int i = 0; i < 1000; i++) ok &= ibp__rng_u64(&r) == ref_xoshiro(s);
            T_CHECK(ok, "seed %llu stream %llu: engine != documented construction",
                    (unsigned long long)seeds[a], (unsigned long long)stream);
        }
    /* uniform = top 53 bits, exactly */
    ibp_rng r, q;
    ibp__rng_seed(&r, 5, 3), ibp__rng_seed(&q, 5, 3);
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        double u = ibp__rng_uniform(&r);
        ok &= u == (double)(ibp__rng_u64(&q) >> 11) / 9007199254740992.0 && u >= 0 && u < 1;
    }
    T_CHECK(ok, "uniform = (u64 >> 11) 2^-53");
}

/* mean, variance, 4th central moment of N draws, each within 5 standard errors */
static void check_moments(const char *what, double (*draw)(ibp_rng *), double m1, double m2,
                          double m4, double m8, long N) {
    ibp_rng r;
    ibp__rng_seed(&r, 2024, IBP__STREAM_PROBES);
    double s1 = 0, s2 = 0, s4 = 0;
    for (long i = 0; i < N; i++) {
        double x = draw(&r) - m1;
        s1 += x, s2 += x * x, s4 += x * x * x * x;
    }
    s1 /= N, s2 /= N, s4 /= N;
    /* standard errors of the sample means of (x - m1)^p: sqrt((E x^2p - (E x^p)^2) / N) */
    double se1 = sqrt(m2 / N), se2 = sqrt((m4 - m2 * m2) / N), se4 = sqrt((m8 - m4 * m4) / N);
    T_CHECK(fabs(s1) <= 5 * se1, "%s mean off by %.3g (se %.3g)", what, s1, se1);
    T_CHECK(fabs(s2 - m2) <= 5 * se2, "%s variance %.6f vs %.6f (se %.3g)", what, s2, m2, se2);
    T_CHECK(fabs(s4 - m4) <= 5 * se4, "%s 4th moment %.6f vs %.6f (se %.3g)", what, s4, m4, se4);
}

static double draw_uniform(ibp_rng *r) { return ibp__rng_uniform(r); }
static double draw_normal(ibp_rng *r) { return ibp__rng_normal(r); }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance to Phi; sqrt(N) D > 1.95 has probability 0.001. */
static void check_normal_ks(void) {
    enum { N = 200000 };
    static double x[N];
    ibp_rng r;
    ibp__rng_seed(&r, 7, IBP__STREAM_INIT);
    ibp__rng_normals(&r, x, N, 1.0);
    qsort(x, N, sizeof x[0], cmp_double);
    double D = 0;
    for (long i = 0; i < N; i++) {
        double F = 0.5 * erfc(-x[i] / sqrt(2.0));
        D = fmax(D, fmax(fabs(F - (double)i / N), fabs((double)(i + 1) / N - F)));
    }
    T_CHECK(sqrt((double)N) * D < 1.95, "normal KS: sqrt(N) D = %.3f", sqrt((double)N) * D);
    /* the array form is scale * successive normal() calls, spare included */
    ibp_rng a, b;
    ibp__rng_seed(&a, 11, 2), ibp__rng_seed(&b, 11, 2);
    double out[7];
    ibp__rng_normal(&a), ibp__rng_normal(&b); /* leaves a spare cached */
    ibp__rng_normals(&a, out, 7, 2.5);
    int ok = 1;
    for (int i = 0; i < 7; i++) ok &= out[i] == 2.5 * ibp__rng_normal(&b);
    T_CHECK(ok, "normals(out, n, scale) == scale * normal() in sequence");
}

static void check_streams(void) {
    enum { N = 100000 };
    ibp_rng a, b;
    ibp__rng_seed(&a, 99, IBP__STREAM_SGD), ibp__rng_seed(&b, 99, IBP__STREAM_SGD);
    int same = 1;
    for (int i = 0; i < 1000; i++) same &= ibp__rng_normal(&a) == ibp__rng_normal(&b);
    T_CHECK(same, "same seed and stream give the same normals");
    /* correlation of paired uniforms: |rho| sqrt(N) ~ N(0,1) for independent streams */
    uint64_t pairs[][4] = {{99, 1, 99, 2}, {99, 3, 100, 3}, {0, 1, 1, 1}, {0, 0, 0, 1}};
    for (int p = 0; p < 4; p++) {
        ibp__rng_seed(&a, pairs[p][0], pairs[p][1]), ibp__rng_seed(&b, pairs[p][2], pairs[p][3]);
        double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < N; i++) {
            double x = ibp__rng_uniform(&a), y = ibp__rng_uniform(&b);
            sx += x, sy += y, sxy += x * y, sxx += x * x, syy += y * y;
        }
        double cov = sxy / N - sx / N * sy / N;
        double rho = cov / sqrt((sxx / N - sx / N * sx / N) * (syy / N - sy / N * sy / N));
        T_CHECK(fabs(rho) * sqrt((double)N) < 5, "streams (%llu,%llu) vs (%llu,%llu): rho %.4f",
                (unsigned long long)pairs[p][0], (unsigned long long)pairs[p][1],
                (unsigned long long)pairs[p][2], (unsigned long long)pairs[p][3], rho);
    }
}

/* chi-square with k - 1 degrees of freedom against the Wilson-Hilferty 5-sigma quantile */
static void check_below(void) {
    static const uint64_t ns[] = {1, 2, 3, 7, 10, 64, 1000};
    ibp_rng r;
    ibp__rng_seed(&r, 31, IBP__STREAM_SPLIT);
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        uint64_t n = ns[t];
        long N = 200 * (long)n + 20000, cnt[1000] = {0};
        int in_range = 1;
        for (long i = 0; i < N; i++) {
            uint64_t v = ibp__rng_below(&r, n);
            in_range &= v < n;
            if (v < n) cnt[v]++;
        }
        T_CHECK(in_range, "below(%llu) out of range", (unsigned long long)n);
        if (n == 1) continue;
        double e = (double)N / n, chi = 0, dof = (double)n - 1;
        for (uint64_t v = 0; v < n; v++) chi += (cnt[v] - e) * (cnt[v] - e) / e;
        double c = 2.0 / (9 * dof), q = dof * pow(1 - c + 5 * sqrt(c), 3);
        T_CHECK(chi < q, "below(%llu): chi2 %.1f with %.0f dof (5-sigma quantile %.1f)",
                (unsigned long long)n, chi, dof, q);
    }
    /* n = 3 2^62: x mod n would put half the mass below 2^62; unbiased gives one third.
     * The fraction over N draws has standard error sqrt(2/9 / N). */
    uint64_t n = 3ull << 62;
    long N = 100000, low = 0;
    for (long i = 0; i < N; i++) low += ibp__rng_below(&r, n) < (1ull << 62);
    double frac = (double)low / N, se = sqrt(2.0 / 9.0 / N);
    T_CHECK(fabs(frac - 1.0 / 3.0) < 5 * se, "below(3 2^62): P(< 2^62) = %.4f, want 1/3", frac);
    /* n = 2^63 + 1 rejects about half the draws; results stay in range */
    int ok = 1;
    for (int i = 0; i < 10000; i++) ok &= ibp__rng_below(&r, (1ull << 63) + 1) <= (1ull << 63);
    T_CHECK(ok, "below(2^63 + 1) in range");
}

static void dump(void) {
    static const uint64_t seeds[] = {0, 1, 42, 0xFFFFFFFFFFFFFFFFull};
    static const uint64_t streams[] = {1, 2, 3, 9};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
            ibp_rng r;
            ibp__rng_seed(&r, seeds[a], streams[b]);
            for (int i = 0; i < 100; i++)
                printf("%llu %llu u64 %d %016llx\n", (unsigned long long)seeds[a],
                       (unsigned long long)streams[b], i, (unsigned long long)ibp__rng_u64(&r));
            for (int i = 0; i < 50; i++)
                printf("%llu %llu uniform %d %016llx\n", (unsigned long long)seeds[a],
                       (unsigned long long)streams[b], i, (unsigned long long)t_bits(ibp__rng_uniform(&r)));
            for (int i = 0; i < 101; i++)
                printf("%llu %llu normal %d %016llx\n", (unsigned long long)seeds[a],
                       (unsigned long long)streams[b], i, (unsigned long long)t_bits(ibp__rng_normal(&r)));
            for (int i = 0; i < 30; i++)
                printf("%llu %llu below %d %llu\n", (unsigned long long)seeds[a],
                       (unsigned long long)streams[b], i, (unsigned long long)ibp__rng_below(&r, 10 + i));
        }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--dump") == 0) {
        dump();
        return 0;
    }
    check_published();
    check_seeding();
    /* uniform: E(x-1/2)^2 = 1/12, ^4 = 1/80, ^8 = 1/2304; normal: 1, 3, 105 */
    check_moments("uniform", draw_uniform, 0.5, 1.0 / 12, 1.0 / 80, 1.0 / 2304, 1000000);
    check_moments("normal", draw_normal, 0.0, 1.0, 3.0, 105.0, 1000000);
    check_normal_ks();
    check_streams();
    check_below();
    return t_summary();
}
