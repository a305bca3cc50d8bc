/* rng.c -- xoshiro256** (Blackman and Vigna 2018) seeded by splitmix64 from (seed, stream).
 *
 * Every random purpose (data, init, SGD batches, Lanczos starts, ...) owns a stream, so that a
 * change in how many numbers one purpose draws never shifts another. The construction, fixed
 * forever because saved runs and tests depend on it:
 *   h    = mix(seed ^ mix(stream + 0x632BE59BD9B4E019))      mix = splitmix64's finalizer
 *   s[i] = splitmix64_next(&h), i = 0..3                       (state += golden gamma; mix)
 * Distinct (seed, stream) pairs give unrelated states: mix is a bijection with full avalanche,
 * so the four words are four outputs of a splitmix64 sequence started at an unrelated point.
 * Doubles: uniform = (u64 >> 11) 2^-53 in [0, 1); normals by Marsaglia's polar method with our
 * own log and the correctly rounded sqrt, so the normal stream is the same on every platform.
 */
#include "numerics/numerics.h"

static uint64_t ibp__mix64(uint64_t z) { /* splitmix64's output function (Stafford variant 13) */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t ibp__splitmix_next(uint64_t *state) {
    *state += 0x9E3779B97F4A7C15ull;
    return ibp__mix64(*state);
}

static uint64_t ibp__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ibp__rng_seed(ibp_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t h = ibp__mix64(seed ^ ibp__mix64(stream + 0x632BE59BD9B4E019ull));
    for (int i = 0; i < 4; i++) r->s[i] = ibp__splitmix_next(&h);
    r->spare = 0.0;
    r->has_spare = 0;
}

uint64_t ibp__rng_u64(ibp_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = ibp__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ibp__rotl(s[3], 45);
    return out;
}

double ibp__rng_uniform(ibp_rng *r) { return (double)(ibp__rng_u64(r) >> 11) * 0x1.0p-53; }

/* Polar method: (u, v) uniform in the unit disc, s = u^2 + v^2, then u m and v m with
 * m = sqrt(-2 log s / s) are two independent N(0, 1); the second is kept for the next call. */
double ibp__rng_normal(ibp_rng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * ibp__rng_uniform(r) - 1.0;
        v = 2.0 * ibp__rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = ibp__sqrt(-2.0 * ibp__log(s) / s);
    r->spare = v * m;
    r->has_spare = 1;
    return u * m;
}

/* high and low 64 bits of a * b, from 32-bit halves (no 128-bit type needed). */
static uint64_t ibp__mul128(uint64_t a, uint64_t b, uint64_t *lo) {
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    *lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* Lemire's nearly divisionless method: floor(x n / 2^64) is uniform on [0, n) once the low
 * half of x n is rejected below 2^64 mod n (the values that make some outcomes one more likely). */
uint64_t ibp__rng_below(ibp_rng *r, uint64_t n) {
    IBP_CHECK(n >= 1);
    uint64_t lo, hi = ibp__mul128(ibp__rng_u64(r), n, &lo);
    if (lo < n) {
        uint64_t t = (0 - n) % n; /* 2^64 mod n */
        while (lo < t) hi = ibp__mul128(ibp__rng_u64(r), n, &lo);
    }
    return hi;
}

void ibp__rng_normals(ibp_rng *r, double *out /* (n,) */, long n, double scale) {
    for (long i = 0; i < n; i++) out[i] = scale * ibp__rng_normal(r);
}
