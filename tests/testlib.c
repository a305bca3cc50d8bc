#include "testlib.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>

static int t_npass, t_nfail;

int t_close(double a, double b, double atol, double rtol) {
    if (isnan(a) || isnan(b)) return 0;
    if (isinf(a) || isinf(b)) return a == b;
    return fabs(a - b) <= atol + rtol * fabs(b);
}

double t_relerr(const double *a, const double *b, long n) {
    double num = 0, den = 0;
    for (long i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return sqrt(num) / fmax(sqrt(den), 1e-300);
}

double t_maxabs(const double *a, long n) {
    double m = 0;
    for (long i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

void t_record(int ok, const char *file, int line, const char *what, const char *fmt, ...) {
    if (ok) { t_npass++; return; }
    t_nfail++;
    fprintf(stderr, "FAIL %s:%d: %s: ", file, line, what);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int t_summary(void) {
    printf("%d passed, %d failed\n", t_npass, t_nfail);
    return t_nfail != 0;
}

int t_failed(void) { return t_nfail; }

uint64_t t_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

int t_same_bits(const double *a, const double *b, long n) {
    return memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

static uint64_t t_next(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
double t_rand_uniform(uint64_t *s) { return (double)(t_next(s) >> 11) * 0x1.0p-53; }
double t_rand_normal(uint64_t *s) {
    double u1 = t_rand_uniform(s), u2 = t_rand_uniform(s);
    return sqrt(-2.0 * log(u1 + 1e-300)) * cos(6.283185307179586 * u2);
}
