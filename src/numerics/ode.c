/* ode.c -- Dormand-Prince 5(4) with error control and step clipping (see ode.h). */
#include "numerics/ode.h"

/* Dormand & Prince (1980), as tabulated in Hairer-Norsett-Wanner I, Table II.5.2. */
static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176,
                    A65 = -5103.0 / 18656;
static const double A71 = 35.0 / 384, A73 = 500.0 / 1113, A74 = 125.0 / 192, A75 = -2187.0 / 6784,
                    A76 = 11.0 / 84;
/* error weights: 5th-order b minus the embedded 4th-order b* */
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200,
                    E6 = 22.0 / 525, E7 = -1.0 / 40;

size_t ibp__dopri_doubles(long n) { return 8 * (size_t)n; }

void ibp__dopri_bind(ibp__dopri *d, double *mem, long n, double rtol, double atol) {
    d->n = n;
    d->rtol = rtol;
    d->atol = atol;
    d->h = 0;
    d->hmax = 0;
    for (int i = 0; i < 7; i++) d->k[i] = mem + (size_t)i * n;
    d->ynew = mem + 7 * (size_t)n;
    d->fsal = 0;
    d->rejected_last = 0;
    d->nfev = d->naccept = d->nreject = 0;
}

void ibp__dopri_reset(ibp__dopri *d) { d->fsal = 0; }

static double ibp__absd(double x) { return x < 0 ? -x : x; }

/* Scaled RMS norm of v against the scale atol + rtol max(|y|, |y2|) (y2 may be NULL). */
static double ibp__ode_norm(const ibp__dopri *d, const double *v, const double *y, const double *y2) {
    double s = 0;
    for (long i = 0; i < d->n; i++) {
        double m = ibp__absd(y[i]);
        if (y2 && ibp__absd(y2[i]) > m) m = ibp__absd(y2[i]);
        double sc = d->atol + d->rtol * m;
        double q = v[i] / sc;
        s += q * q;
    }
    return ibp__sqrt(s / (double)(d->n > 0 ? d->n : 1));
}

/* Hairer's starting step (II.4, "Starting step size"), with one extra f evaluation. */
static int ibp__dopri_h0(ibp__dopri *d, ibp__ode_rhs f, void *ctx, double t, const double *y, double span) {
    double d0 = ibp__ode_norm(d, y, y, NULL), d1 = ibp__ode_norm(d, d->k[0], y, NULL);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    if (h0 > span) h0 = span;
    double *y1 = d->ynew;
    for (long i = 0; i < d->n; i++) y1[i] = y[i] + h0 * d->k[0][i];
    int rc = f(ctx, t + h0, y1, d->k[1]);
    d->nfev++;
    if (rc) return rc;
    for (long i = 0; i < d->n; i++) d->k[2][i] = d->k[1][i] - d->k[0][i];
    double d2 = ibp__ode_norm(d, d->k[2], y, NULL) / h0;
    double m = d1 > d2 ? d1 : d2;
    double h1 = m <= 1e-15 ? (h0 * 1e-3 > 1e-6 ? h0 * 1e-3 : 1e-6) : ibp__pow(0.01 / m, 0.2);
    d->h = 100 * h0 < h1 ? 100 * h0 : h1;
    return 0;
}

int ibp__dopri_advance(ibp__dopri *d, ibp__ode_rhs f, void *ctx, double *tp, double *y, double tend,
                       long max_fev) {
    long n = d->n, fev0 = d->nfev;
    double t = *tp;
    double **k = d->k;
    int rc;
    if (!(tend > t)) return 0;
    if (!d->fsal) {
        rc = f(ctx, t, y, k[0]);
        d->nfev++;
        if (rc) return rc;
        d->fsal = 1;
    }
    if (!(d->h > 0)) {
        rc = ibp__dopri_h0(d, f, ctx, t, y, tend - t);
        if (rc) return rc;
    }
    double *yt = d->ynew;
    while (t < tend) {
        double h = d->h;
        if (d->hmax > 0 && h > d->hmax) h = d->hmax;
        int last = 0;
        /* clip at tend; a step that would leave a sliver shorter than h/100 stretches to tend */
        if (t + h >= tend || t + 1.01 * h >= tend) { h = tend - t; last = 1; }
        if (!(h > 1e-14 * (ibp__absd(t) > 1 ? ibp__absd(t) : 1))) return IBP__ODE_SMALL;
        for (long i = 0; i < n; i++) yt[i] = y[i] + h * (A21 * k[0][i]);
        if ((rc = f(ctx, t + C2 * h, yt, k[1]))) return rc;
        for (long i = 0; i < n; i++) yt[i] = y[i] + h * (A31 * k[0][i] + A32 * k[1][i]);
        if ((rc = f(ctx, t + C3 * h, yt, k[2]))) return rc;
        for (long i = 0; i < n; i++) yt[i] = y[i] + h * (A41 * k[0][i] + A42 * k[1][i] + A43 * k[2][i]);
        if ((rc = f(ctx, t + C4 * h, yt, k[3]))) return rc;
        for (long i = 0; i < n; i++)
            yt[i] = y[i] + h * (A51 * k[0][i] + A52 * k[1][i] + A53 * k[2][i] + A54 * k[3][i]);
        if ((rc = f(ctx, t + C5 * h, yt, k[4]))) return rc;
        for (long i = 0; i < n; i++)
            yt[i] = y[i] + h * (A61 * k[0][i] + A62 * k[1][i] + A63 * k[2][i] + A64 * k[3][i] + A65 * k[4][i]);
        if ((rc = f(ctx, t + h, yt, k[5]))) return rc;
        /* the 5th-order solution; its derivative is the FSAL stage k7 (kept in k[6]) */
        for (long i = 0; i < n; i++)
            yt[i] = y[i] + h * (A71 * k[0][i] + A73 * k[2][i] + A74 * k[3][i] + A75 * k[4][i] + A76 * k[5][i]);
        if ((rc = f(ctx, t + h, yt, k[6]))) return rc;
        d->nfev += 6;
        /* error estimate into k[1] (no longer needed) */
        for (long i = 0; i < n; i++)
            k[1][i] = h * (E1 * k[0][i] + E3 * k[2][i] + E4 * k[3][i] + E5 * k[4][i] + E6 * k[5][i] + E7 * k[6][i]);
        double err = ibp__ode_norm(d, k[1], y, yt);
        if (!ibp__isfinite(err)) err = 1e10;
        double fac = err > 0 ? 0.9 * ibp__pow(err, -0.2) : 5.0;
        if (fac > 5.0) fac = 5.0;
        if (fac < 0.2) fac = 0.2;
        if (err <= 1.0) {
            for (long i = 0; i < n; i++) { y[i] = yt[i]; k[0][i] = k[6][i]; }
            t = last ? tend : t + h;
            d->naccept++;
            /* the proposal is kept from the unclipped size, so clipping does not shrink it */
            if (d->rejected_last && fac > 1) fac = 1;
            double hn = h * fac;
            if (!last || hn > d->h) d->h = hn;
            d->rejected_last = 0;
            if (max_fev > 0 && d->nfev - fev0 >= max_fev && t < tend) break;
        } else {
            d->nreject++;
            d->h = h * fac;
            d->rejected_last = 1;
        }
    }
    *tp = t;
    return t < tend ? 1 : 0;
}
