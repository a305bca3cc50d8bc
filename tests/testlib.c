#include "testlib.h"
#include "run/run_internal.h"
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

void t_rand_orth(int n, double *Q, uint64_t *state) {
    for (int i = 0; i < n * n; i++) Q[i] = t_rand_normal(state);
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < j; k++) {
                double d = 0;
                for (int a = 0; a < n; a++) d += Q[a * n + j] * Q[a * n + k];
                for (int a = 0; a < n; a++) Q[a * n + j] -= d * Q[a * n + k];
            }
            double s = 0;
            for (int a = 0; a < n; a++) s += Q[a * n + j] * Q[a * n + j];
            s = sqrt(s);
            for (int a = 0; a < n; a++) Q[a * n + j] /= s;
        }
}

double *t_with_spectrum(int n, const double *lam, uint64_t *state) {
    double *Q = malloc(sizeof(double) * n * n), *A = malloc(sizeof(double) * n * n);
    t_rand_orth(n, Q, state);
    for (int a = 0; a < n; a++)
        for (int b = 0; b <= a; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += Q[a * n + i] * lam[i] * Q[b * n + i];
            A[a * n + b] = A[b * n + a] = s;
        }
    free(Q);
    return A;
}

double t_dot(const double *a, const double *b, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

double t_norm2(const double *a, long n) { return sqrt(t_dot(a, a, n)); }

ibp_run *t_run(const char *cfg, const char *csv, const char *init) {
    char err[512];
    ibp_run *r;
    ibp_run_desc d = {.config = cfg, .data_csv = csv, .init_json = init};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    T_CHECK(rc == IBP_OK, "create \"%.120s\": %s", cfg, err);
    return rc == IBP_OK ? r : NULL;
}

/* ---- the per-step identity of science.md C1 on f = U W x (W (3,3) layer 1, U (1,3) layer 2) -- */

double t_c1_matrix_step(ibp_run *r, double eta) {
    double W[9], U[3], D0[9];
    memcpy(W, r->theta, sizeof W);
    memcpy(U, r->theta + 9, sizeof U);
    double th2 = 0;
    for (int i = 0; i < 12; i++) th2 += r->theta[i] * r->theta[i];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double ww = 0;
            for (int q = 0; q < 3; q++) ww += W[i * 3 + q] * W[j * 3 + q];
            D0[i * 3 + j] = U[i] * U[j] - ww;
        }
    ibp_run_step(r, 1, NULL, 0);
    /* batch gradients of 1/2 (U W x - y)^2: e = U W x - y, G_U = e (W x)^T, G_W = e U^T x^T */
    const ibp__batch *b = &r->last;
    const double *x = b->x;
    double Wx[3], GU[3], GW[9];
    for (int i = 0; i < 3; i++) Wx[i] = W[i * 3] * x[0] + W[i * 3 + 1] * x[1] + W[i * 3 + 2] * x[2];
    double e = U[0] * Wx[0] + U[1] * Wx[1] + U[2] * Wx[2] - b->y[0];
    for (int i = 0; i < 3; i++) GU[i] = e * Wx[i];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) GW[i * 3 + j] = e * U[i] * x[j];
    const double *W1 = r->theta, *U1 = r->theta + 9;
    double worst = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double ww = 0, gg = 0;
            for (int q = 0; q < 3; q++) {
                ww += W1[i * 3 + q] * W1[j * 3 + q];
                gg += GW[i * 3 + q] * GW[j * 3 + q];
            }
            double pred = D0[i * 3 + j] + eta * eta * (GU[i] * GU[j] - gg);
            double dev = fabs(U1[i] * U1[j] - ww - pred) / th2;
            if (dev > worst) worst = dev;
        }
    return worst;
}

double t_hvp_fd_error(ibp__model *m, double *theta, const ibp__batch *b, const double *u, const double *hu,
                      double h) {
    long P = m->P;
    double *th0 = malloc(P * sizeof(double)), *gp = malloc(P * sizeof(double)), *gm = malloc(P * sizeof(double));
    memcpy(th0, theta, P * sizeof(double));
    for (long j = 0; j < P; j++) theta[j] = th0[j] + h * u[j];
    ibp__model_loss_grad(m, theta, b, gp);
    for (long j = 0; j < P; j++) theta[j] = th0[j] - h * u[j];
    ibp__model_loss_grad(m, theta, b, gm);
    memcpy(theta, th0, P * sizeof(double));
    double err = 0;
    for (long j = 0; j < P; j++) {
        double fd = (gp[j] - gm[j]) / (2 * h);
        err += (hu[j] - fd) * (hu[j] - fd);
    }
    free(th0);
    free(gp);
    free(gm);
    return sqrt(err);
}

void t_dense_mv(void *ctx, const double *v, double *out) {
    t_dense *d = ctx;
    d->calls++;
    for (int i = 0; i < d->n; i++) {
        double s = 0;
        for (int j = 0; j < d->n; j++) s += d->A[(long)i * d->n + j] * v[j];
        out[i] = s;
    }
    if (d->poison && d->calls >= d->poison) out[d->n / 2] = d->poison_value;
}

void *t_aligned_alloc(size_t bytes) { return aligned_alloc(16, (bytes + 15) / 16 * 16); }
