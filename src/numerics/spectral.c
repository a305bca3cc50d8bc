/* spectral.c -- trace, spectral density and exact spectrum of a symmetric operator given as a
 * matvec callback (the Hessian or Gauss-Newton products of a run). See spectral.h for the
 * contracts; the methods:
 *   Hutchinson  tr(A) = E[z^T A z] for Rademacher z (i.i.d. +-1): the variance of one probe is
 *               2 sum_{i != j} A_ij^2, the smallest of the usual probe distributions.
 *   SLQ         Ubaru, Chen & Saad (2017): Gauss quadrature from Lanczos on each probe.
 *   exact       P matvecs on unit vectors, symmetrize, dense eigensolver (eig.c).
 * All sums run in fixed orders (ibp__dot etc.), so a seed gives the same bits everywhere.
 */
#include "numerics/spectral.h"

#define SP_EPS 2.220446049250313e-16
#define SP_FLOOR (1024.0 * SP_EPS) /* breakdown level relative to ||T||, as in lanczos.c */
#define SP_INV_SQRT_2PI 0.3989422804014327

/* z <- Rademacher +-1 (P,), 64 signs per draw */
static void sp_rademacher(ibp_rng *rng, double *z, long P) {
    for (long i0 = 0; i0 < P; i0 += 64) {
        uint64_t u = ibp__rng_u64(rng);
        long n = P - i0 < 64 ? P - i0 : 64;
        for (long b = 0; b < n; b++) z[i0 + b] = (u >> b) & 1u ? 1.0 : -1.0;
    }
}

static int sp_finite(const double *x, long n) {
    double s = 0.0; /* inf - inf and NaN both poison the sum */
    for (long i = 0; i < n; i++) s += x[i] - x[i];
    return s == 0.0;
}

/* ------------------------------------------------------------------------------------------ */
size_t ibp__hutchinson_bytes(long P) {
    ibp__arena a = {NULL, 0};
    ibp__arena_doubles(&a, (size_t)P);
    ibp__arena_doubles(&a, (size_t)P);
    return a.off;
}

int ibp__hutchinson(ibp__matvec mv, void *ctx, long P, int probes, ibp_rng *rng, void *work,
                    ibp__trace_est *out) {
    out->mean = out->se = IBP_NAN;
    out->probes = probes;
    out->matvecs = 0;
    if (probes < 1 || P < 1) return -1;
    ibp__arena a = {(char *)work, 0};
    double *z = ibp__arena_doubles(&a, (size_t)P), *az = ibp__arena_doubles(&a, (size_t)P);
    /* Welford: the probe values can share a large common part, so no raw sum of squares */
    double mean = 0.0, m2 = 0.0;
    for (int p = 0; p < probes; p++) {
        sp_rademacher(rng, z, P);
        mv(ctx, z, az);
        out->matvecs++;
        double t = ibp__dot(z, az, P);
        if (!ibp__isfinite(t)) return -2;
        double d = t - mean;
        mean += d / (double)(p + 1);
        m2 += d * (t - mean);
    }
    out->mean = mean;
    if (probes >= 2) out->se = ibp__sqrt(m2 / (double)(probes - 1) / (double)probes);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
typedef struct sp_slq_ws {
    double *V;                     /* (steps + 1, P) Lanczos basis */
    double *al, *be, *th, *z, *sc; /* (steps,) each */
} sp_slq_ws;

static size_t sp_slq_layout(sp_slq_ws *ws, void *mem, long P, int steps) {
    ibp__arena a = {(char *)mem, 0};
    size_t s = (size_t)(steps > 0 ? steps : 1);
    double *V = ibp__arena_doubles(&a, (s + 1) * (size_t)P);
    double *al = ibp__arena_doubles(&a, s), *be = ibp__arena_doubles(&a, s);
    double *th = ibp__arena_doubles(&a, s), *z = ibp__arena_doubles(&a, s);
    double *sc = ibp__arena_doubles(&a, s);
    if (ws) ws->V = V, ws->al = al, ws->be = be, ws->th = th, ws->z = z, ws->sc = sc;
    return a.off;
}

size_t ibp__slq_bytes(long P, int steps) { return sp_slq_layout(NULL, NULL, P, steps); }

/* Lanczos from the unit vector in row 0 of V, at most `steps` steps, full reorthogonalization
 * (twice). Returns the size m of the tridiagonal (al, be) or -2 on non-finite values. */
static int sp_lanczos(ibp__matvec mv, void *ctx, long P, int steps, sp_slq_ws *ws, int *matvecs) {
    double anorm = 0.0;
    for (int j = 0; j < steps; j++) {
        double *vj = ws->V + (long)j * P, *w = vj + P;
        mv(ctx, vj, w);
        (*matvecs)++;
        double alpha = ibp__dot(vj, w, P);
        if (!ibp__isfinite(alpha)) return -2;
        ws->al[j] = alpha;
        if (j == steps - 1 || (long)(j + 1) >= P) return j + 1; /* the last beta is not needed */
        double prev = j > 0 ? ws->be[j - 1] : 0.0;
        if (j > 0) ibp__axpy(P, -prev, vj - P, w);
        ibp__axpy(P, -alpha, vj, w);
        for (int pass = 0; pass < 2; pass++) /* CGS2 against the whole basis */
            for (int i = 0; i <= j; i++) {
                const double *vi = ws->V + (long)i * P;
                double c = ibp__dot(vi, w, P);
                ibp__axpy(P, -c, vi, w);
                if (i == j) ws->al[j] += c;
            }
        double beta = ibp__sqrt(ibp__sumsq(w, P));
        if (!ibp__isfinite(beta)) return -2;
        double rs = ibp__fabs(ws->al[j]) + beta + ibp__fabs(prev);
        if (rs > anorm) anorm = rs;
        if (beta <= SP_FLOOR * anorm) return j + 1; /* invariant: the quadrature is exact */
        ws->be[j] = beta;
        ibp__scale(P, 1.0 / beta, w);
    }
    return steps;
}

void ibp__slq_density(const double *nodes, const double *weights, int count, double sigma,
                      const double *grid, int ngrid, double *dens) {
    double c = SP_INV_SQRT_2PI / sigma, h = 0.5 / (sigma * sigma);
    for (int g = 0; g < ngrid; g++) {
        double s = 0.0;
        for (int i = 0; i < count; i++) {
            double d = grid[g] - nodes[i];
            s += weights[i] * ibp__exp(-h * (d * d));
        }
        dens[g] = c * s;
    }
}

int ibp__slq(ibp__matvec mv, void *ctx, long P, int probes, int steps, double sigma, int ngrid,
             ibp_rng *rng, void *work, double *nodes, double *weights, double *grid, double *dens,
             ibp__slq_info *info) {
    info->probes = probes;
    info->steps = steps;
    info->nodes = info->matvecs = info->ngrid = 0;
    info->sigma = info->lo = info->hi = info->mean = IBP_NAN;
    if (probes < 1 || steps < 1 || P < 1 || ngrid < 0 || (ngrid > 0 && (!grid || !dens))) return -1;
    sp_slq_ws ws;
    sp_slq_layout(&ws, work, P, steps);
    int count = 0, mv_count = 0;
    double inv_sqrt_p = 1.0 / ibp__sqrt((double)P);
    for (int p = 0; p < probes; p++) {
        sp_rademacher(rng, ws.V, P);
        ibp__scale(P, inv_sqrt_p, ws.V);
        int m = sp_lanczos(mv, ctx, P, steps, &ws, &mv_count);
        info->matvecs = mv_count;
        if (m < 0) return -2;
        for (int i = 0; i < m; i++) ws.z[i] = i == 0 ? 1.0 : 0.0;
        if (ibp__eigh_tridiag(m, ws.al, ws.be, ws.th, ws.z, 1, ws.sc)) return -2;
        for (int i = 0; i < m; i++) {
            nodes[count] = ws.th[i];
            weights[count] = ws.z[i] * ws.z[i] / (double)probes;
            count++;
        }
    }
    info->nodes = count;
    double lo = nodes[0], hi = nodes[0], mean = 0.0;
    for (int i = 0; i < count; i++) {
        if (nodes[i] < lo) lo = nodes[i];
        if (nodes[i] > hi) hi = nodes[i];
        mean += weights[i] * nodes[i];
    }
    info->mean = mean;
    if (!(sigma > 0)) {
        double amax = ibp__fabs(lo) > ibp__fabs(hi) ? ibp__fabs(lo) : ibp__fabs(hi);
        sigma = hi > lo ? (hi - lo) / 100.0 : 1e-3 * (amax > 1.0 ? amax : 1.0);
    }
    info->sigma = sigma;
    info->lo = lo - 4.0 * sigma;
    info->hi = hi + 4.0 * sigma;
    info->ngrid = ngrid;
    if (ngrid > 0) {
        double step = ngrid > 1 ? (info->hi - info->lo) / (double)(ngrid - 1) : 0.0;
        for (int g = 0; g < ngrid; g++) grid[g] = info->lo + step * (double)g;
        ibp__slq_density(nodes, weights, count, sigma, grid, ngrid, dens);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
size_t ibp__spectrum_bytes(long P) {
    ibp__arena a = {NULL, 0};
    ibp__arena_doubles(&a, (size_t)P * (size_t)P);
    ibp__arena_doubles(&a, 3 * (size_t)P);
    return a.off;
}

int ibp__spectrum_exact(ibp__matvec mv, void *ctx, long P, void *work, double *w, double *V,
                        double *asym) {
    *asym = IBP_NAN;
    if (P < 1 || P > IBP__SPECTRUM_EXACT_MAX) return -1;
    int n = (int)P;
    ibp__arena a = {(char *)work, 0};
    double *H = ibp__arena_doubles(&a, (size_t)P * (size_t)P),
           *e = ibp__arena_doubles(&a, 3 * (size_t)P);
    for (int i = 0; i < n; i++) e[i] = 0.0;
    /* row j <- A e_j, i.e. column j of H: H is built transposed, which is H for a symmetric A
     * and exposes any asymmetry below */
    for (int j = 0; j < n; j++) {
        e[j] = 1.0;
        mv(ctx, e, H + (long)j * n);
        e[j] = 0.0;
        if (!sp_finite(H + (long)j * n, n)) return -2;
    }
    double num = 0.0, den = 0.0;
    for (int i = 0; i < n; i++) {
        double *hi = H + (long)i * n;
        den += ibp__sumsq(hi, n);
        for (int j = 0; j < i; j++) {
            double *hji = H + (long)j * n + i, d = hi[j] - *hji, s = 0.5 * (hi[j] + *hji);
            num += 2.0 * (d * d);
            hi[j] = *hji = s;
        }
    }
    *asym = den > 0 ? ibp__sqrt(num / den) : 0.0;
    if (ibp__eigh(n, H, w, V, e + n)) return -1;
    /* finite entries near the largest double overflow inside the eigensolver */
    return sp_finite(w, n) ? 0 : -2;
}
