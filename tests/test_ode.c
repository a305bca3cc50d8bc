/* test_ode.c -- the Dormand-Prince 5(4) integrator against closed-form solutions.
 *
 * 1. y' = -y, the harmonic oscillator y'' = -y and the logistic y' = y (1 - y), integrated to a
 *    grid of output times t_k = 0.3 k (GD's t = eta k): every output lands on t_k exactly and is
 *    within 20 tol of the closed form. Why 20: the controller bounds each step's LOCAL error by
 *    tol (scaled); on these contracting or neutral problems the global error is the sum of the
 *    local errors propagated with factor <= 1, and the 5th-order step's true local error is a
 *    fraction of the 4th-order estimate (local extrapolation), so the global error stays within
 *    a small multiple of tol over the few dozen steps run here (measured: see the printout).
 * 2. Convergence: tol 1e-10 gives an error at least 1e2 smaller than tol 1e-5 (the tolerance
 *    is 1e5 smaller; the grid-clipped last steps of each interval keep some error near eps).
 * 3. A budget (max_fev) stops after an accepted step; continuing gives the same bits as one
 *    uninterrupted call: a flow that follows GD in pieces is the flow computed at once. */
#include <math.h>
#include <string.h>
#include "numerics/ode.h"
#include "testlib.h"

static int f_decay(void *ctx, double t, const double *y, double *dy) { (void)ctx; (void)t; dy[0] = -y[0]; return 0; }
static int f_osc(void *ctx, double t, const double *y, double *dy) {
    (void)ctx; (void)t; dy[0] = y[1]; dy[1] = -y[0]; return 0;
}
static int f_logistic(void *ctx, double t, const double *y, double *dy) {
    (void)ctx; (void)t; dy[0] = y[0] * (1 - y[0]); return 0;
}

typedef struct { ibp__ode_rhs f; int n; double y0[2]; const char *name; } problem;

static void exact(int which, double t, double *y) {
    if (which == 0) y[0] = exp(-t);
    else if (which == 1) { y[0] = cos(t); y[1] = -sin(t); }
    else y[0] = 1.0 / (1.0 + 99.0 * exp(-t));
}

/* max error over the grid t_k = 0.3 k, k = 1..K */
static double run(int which, const problem *p, double tol, int K, long *nfev) {
    double mem[8 * 2], y[2];
    ibp__dopri d;
    ibp__dopri_bind(&d, mem, p->n, tol, tol);
    memcpy(y, p->y0, sizeof y);
    double t = 0, worst = 0;
    for (int k = 1; k <= K; k++) {
        double tk = 0.3 * k;
        int rc = ibp__dopri_advance(&d, p->f, NULL, &t, y, tk, 0);
        T_CHECK(rc == 0, "rc %d", rc);
        T_CHECK(t == tk, "landed at %.17g, not %.17g", t, tk);
        double ye[2];
        exact(which, tk, ye);
        for (int i = 0; i < p->n; i++) if (fabs(y[i] - ye[i]) > worst) worst = fabs(y[i] - ye[i]);
    }
    if (nfev) *nfev = d.nfev;
    return worst;
}

int main(void) {
    problem P[3] = {{f_decay, 1, {1, 0}, "decay"}, {f_osc, 2, {1, 0}, "oscillator"},
                    {f_logistic, 1, {0.01, 0}, "logistic"}};
    for (int w = 0; w < 3; w++) {
        double e[3];
        double tols[3] = {1e-5, 1e-8, 1e-10};
        for (int j = 0; j < 3; j++) {
            long nfev;
            e[j] = run(w, &P[w], tols[j], 60, &nfev);
            printf("%-10s tol %.0e: max error %.3e over t in (0, 18], %ld f-evaluations\n", P[w].name, tols[j],
                   e[j], nfev);
            T_CLOSE(e[j], 0, 20 * tols[j], 0);
        }
        T_CHECK(e[2] * 1e2 < e[0], "%s: %.3g vs %.3g", P[w].name, e[2], e[0]);
    }
    /* a budget: pieces = one call, bit for bit */
    {
        double m1[16], m2[16], y1[2] = {1, 0}, y2[2] = {1, 0}, t1 = 0, t2 = 0;
        ibp__dopri a, b;
        ibp__dopri_bind(&a, m1, 2, 1e-9, 1e-9);
        ibp__dopri_bind(&b, m2, 2, 1e-9, 1e-9);
        T_CHECK(ibp__dopri_advance(&a, f_osc, NULL, &t1, y1, 15.0, 0) == 0, "one call");
        int rc, pieces = 0;
        while ((rc = ibp__dopri_advance(&b, f_osc, NULL, &t2, y2, 15.0, 7)) == 1) {
            T_CHECK(t2 < 15.0, "t %.17g", t2);
            pieces++;
        }
        T_CHECK(rc == 0, "rc %d", rc);
        T_CHECK(pieces > 5, "%d pieces", pieces);
        T_CHECK(t1 == t2 && t_same_bits(y1, y2, 2), "pieces = one call");
        T_CHECK(a.nfev == b.nfev, "%ld vs %ld", a.nfev, b.nfev);
    }
    return t_summary();
}
