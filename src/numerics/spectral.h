/* spectral.h -- spectral tools on a symmetric operator given as a matvec callback (spectral.c):
 * Hutchinson trace, stochastic Lanczos quadrature (SLQ) density, exact dense spectrum.
 * Memory: every function works in a caller-provided workspace of *_bytes(...) bytes (16-byte
 * aligned, e.g. an arena slice) and never allocates. Random probes come from the caller's rng
 * (the engine uses IBP__STREAM_PROBES), so results are reproducible bit for bit. */
#ifndef IBP_SPECTRAL_H
#define IBP_SPECTRAL_H
#include "numerics/numerics.h"

#define IBP__SPECTRUM_EXACT_MAX IBP_SPECTRUM_EXACT_MAX /* largest P for the dense spectrum (ibp.h) */

/* ---- Hutchinson: tr(A) ~ mean over Rademacher probes z of z^T A z ------------------------ */
typedef struct ibp__trace_est {
    double mean; /* the estimate of tr(A) */
    double se;   /* standard error of the mean: sample sd / sqrt(probes); NaN if probes < 2 */
    int probes, matvecs;
} ibp__trace_est;
size_t ibp__hutchinson_bytes(long P);
/* Returns 0, -1 on bad arguments (probes < 1), -2 when the operator returned non-finite values. */
int ibp__hutchinson(ibp__matvec mv, void *ctx, long P, int probes, ibp_rng *rng, void *work,
                    ibp__trace_est *out);

/* ---- SLQ: density (1/P) sum_k delta(x - lambda_k) ~ sum_i w_i delta(x - theta_i) -------------
 * Each probe is a normalized Rademacher vector v; `steps` Lanczos steps from v (full
 * reorthogonalization) give Gauss quadrature nodes theta (Ritz values) and weights (first
 * components squared) with sum_i w_i f(theta_i) ~ v^T f(A) v; weights are divided by the number
 * of probes so all weights sum to 1. A probe whose Krylov space becomes invariant early stops
 * there (its quadrature is then exact), so there can be fewer than probes * steps nodes. The
 * density is the node measure broadened by a Gaussian of width sigma, on a uniform grid. */
typedef struct ibp__slq_info {
    int probes, steps; /* as requested */
    int nodes;         /* nodes stored (<= probes * steps) */
    int matvecs;
    double sigma;  /* broadening used (the argument, or automatic when it was <= 0) */
    double lo, hi; /* grid range: [min node - 4 sigma, max node + 4 sigma] */
    int ngrid;     /* grid points, uniform from lo to hi inclusive */
    double mean;   /* sum_i w_i theta_i: estimates tr(A) / P (= the Hutchinson mean / P) */
} ibp__slq_info;
size_t ibp__slq_bytes(long P, int steps);
/* nodes, weights: (probes * steps,) outputs, the first info->nodes used. grid, dens: (ngrid,)
 * outputs, may be NULL when ngrid == 0. sigma <= 0 picks (max node - min node) / 100 (or
 * 1e-3 max(|node|, 1) for a single point). Returns 0, -1 on bad arguments, -2 when the operator
 * returned non-finite values. */
int ibp__slq(ibp__matvec mv, void *ctx, long P, int probes, int steps, double sigma, int ngrid,
             ibp_rng *rng, void *work, double *nodes, double *weights, double *grid, double *dens,
             ibp__slq_info *info);
/* The broadened density sum_i w_i N(x; theta_i, sigma^2) at x = grid[g], g < ngrid. */
void ibp__slq_density(const double *nodes, const double *weights, int count, double sigma,
                      const double *grid, int ngrid, double *dens);

/* ---- Exact spectrum: H built column by column (P matvecs on unit vectors) ----------------- */
size_t ibp__spectrum_bytes(long P);
/* Eigenvalues ascending in w (P,), eigenvectors as the columns of V (P, P) when V != NULL.
 * H is symmetrized as (H + H^T) / 2 before the solve; *asym = ||H - H^T||_F / ||H||_F measures
 * how far the operator was from symmetric (rounding in an exact HVP: ~1e-16). Returns 0, -1
 * when P > IBP__SPECTRUM_EXACT_MAX or the eigensolver fails, -2 on non-finite operator values. */
int ibp__spectrum_exact(ibp__matvec mv, void *ctx, long P, void *work, double *w, double *V,
                        double *asym);

#endif /* IBP_SPECTRAL_H */
