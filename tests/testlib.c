#include "testlib.h"
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
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

void t_jacobi_eigh(int n, double *A, double *w, double *V) {
    double *Vw = V ? V : malloc(sizeof(double) * (size_t)n * n);
    for (long i = 0; i < (long)n * n; i++) Vw[i] = 0;
    for (int i = 0; i < n; i++) Vw[(long)i * n + i] = 1;
    double tot = 0;
    for (long i = 0; i < (long)n * n; i++) tot += A[i] * A[i];
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) off += 2 * A[(long)p * n + q] * A[(long)p * n + q];
        if (off <= 1e-36 * tot) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = A[(long)p * n + q];
                if (fabs(apq) < 1e-300) continue;
                double th = (A[(long)q * n + q] - A[(long)p * n + p]) / (2 * apq);
                double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) { /* A <- J^T A J */
                    double akp = A[(long)k * n + p], akq = A[(long)k * n + q];
                    A[(long)k * n + p] = c * akp - s * akq;
                    A[(long)k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) {
                    double apk = A[(long)p * n + k], aqk = A[(long)q * n + k];
                    A[(long)p * n + k] = c * apk - s * aqk;
                    A[(long)q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = Vw[(long)k * n + p], vkq = Vw[(long)k * n + q];
                    Vw[(long)k * n + p] = c * vkp - s * vkq;
                    Vw[(long)k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    for (int i = 0; i < n; i++) w[i] = A[(long)i * n + i];
    for (int i = 0; i < n; i++) { /* selection sort ascending, moving the vectors along */
        int k = i;
        for (int j = i + 1; j < n; j++)
            if (w[j] < w[k]) k = j;
        double t = w[i];
        w[i] = w[k];
        w[k] = t;
        for (int r = 0; r < n; r++) {
            double v = Vw[(long)r * n + i];
            Vw[(long)r * n + i] = Vw[(long)r * n + k];
            Vw[(long)r * n + k] = v;
        }
    }
    if (!V) free(Vw);
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
