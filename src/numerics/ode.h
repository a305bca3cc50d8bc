/* ode.h -- the adaptive embedded Runge-Kutta pair of Dormand and Prince, 5(4) (Hairer, Norsett &
 * Wanner, Solving ODEs I, II.5, Table 5.2; the DOPRI5 coefficients), with the standard error
 * control (II.4: mixed absolute/relative scaled RMS norm, step factor 0.9 err^(-1/5) clamped to
 * [0.2, 5], no growth right after a rejection), first-same-as-last, and STEP CLIPPING: a step
 * never passes the requested end time, so the state is available exactly at every output time
 * (the flows compare with GD at integer steps k, t = eta k).
 *
 * No allocation: the workspace is carved by the caller (ibp__dopri_doubles(n) doubles). The
 * arithmetic is plain sequential double operations in a fixed order: the same bits natively and
 * in wasm. */
#ifndef IBP_ODE_H
#define IBP_ODE_H
#include "numerics/numerics.h"

/* dy = f(t, y); returns 0, or nonzero when f cannot be evaluated at y (non-finite, a failed
 * eigensolve): the integrator stops with that code. */
typedef int (*ibp__ode_rhs)(void *ctx, double t, const double *y /* (n,) */, double *dy /* (n,) */);

typedef struct ibp__dopri {
    long n;
    double rtol, atol;
    double h;          /* the next step's size (0: choose one from the first derivative) */
    double hmax;       /* largest step (0: none) */
    double *k[7];      /* (n,) each: the stages; k[0] holds f(t, y) when fsal is set */
    double *ynew;      /* (n,) */
    int fsal;          /* k[0] is f at the current (t, y) */
    int rejected_last;
    long nfev, naccept, nreject;
} ibp__dopri;

size_t ibp__dopri_doubles(long n);
void ibp__dopri_bind(ibp__dopri *d, double *mem, long n, double rtol, double atol);
/* Forget the FSAL stage (the state was changed from outside, e.g. a restart). */
void ibp__dopri_reset(ibp__dopri *d);
/* Integrate y from *t to tend (>= *t), in place. Stops at tend exactly (returns 0), or after an
 * accepted step once max_fev right-hand sides were spent in this call (returns 1, *t < tend;
 * max_fev <= 0: no budget), or on failure: IBP__ODE_SMALL when the step underflows (stiff or
 * singular), or the rhs's own nonzero code (y and *t are then the last accepted state). */
#define IBP__ODE_SMALL (-100)
int ibp__dopri_advance(ibp__dopri *d, ibp__ode_rhs f, void *ctx, double *t, double *y, double tend,
                       long max_fev);

#endif
