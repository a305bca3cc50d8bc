/* test_blockeig.c -- the block Krylov eigensolver (numerics/blockeig.c) against a known spectrum
 * with a CLUSTER at the top, the case it exists for: the central flow pins every eigenvalue that
 * reaches 2/eta at 2/eta, so its top k agree to ~1e-9 (issue 15, seed 4 of the H2 calibration).
 *
 * Spectrum: three eigenvalues at 1 (spread 1e-10, as the flow leaves them), then 0.73, then a
 * spread down to -0.5, in a random orthonormal basis (P = 300). References: the spectrum itself
 * (it is built from it) and the dense eigensolver.
 *  - single-vector Lanczos (the flows' solver before) reports the cluster's value once or twice
 *    and 0.73 among its top 3, with a small residual and "converged": the miss this solver fixes.
 *    Checked as a fact about that method (if it ever stops missing, this check says so).
 *  - block Krylov (block 3, as the central flow uses it for k = 3), cold and warm: the top 3 are the cluster, within 1e-9 relative (a
 *    Ritz value is within resid^2 / gap of its eigenvalue, gap 0.27 to the rest, resid <= 1e-9:
 *    far below; within the cluster the values are all 1 +- 1e-10 and any is correct to 2e-10),
 *    true residuals ||A y - theta y|| <= 1e-9 (the requested tolerance, plus rounding), the Ritz
 *    vectors orthonormal and spanning the cluster's eigenspace (projection residual <= 1e-8);
 *  - the warm start, after the operator moved by 1e-6, needs fewer matvecs than the cold one. */
#include "numerics/numerics.h"
#include "testlib.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 300

static uint64_t seed = 4242;

static void spectrum(double *lam, double shift) {
    lam[0] = 1.0, lam[1] = 1.0 - 0.4e-10, lam[2] = 1.0 - 1e-10; /* the cluster */
    lam[3] = 0.73 + shift;
    for (int i = 4; i < N; i++) lam[i] = 0.3 * pow(0.97, (double)(i - 4)) - 0.01 * (double)(i % 3);
}

/* top 3 of a run against the cluster; the vectors' span against the eigenspace Q[:, 0..3) */
static void check_cluster(const char *what, const double *A, const double *Q, const ibp__eigres *e,
                          const ibp__blockeig *z) {
    T_CHECK(e->k == 3, "%s: 3 pairs (got %d)", what, e->k);
    double y[N];
    for (int i = 0; i < 3 && i < e->k; i++) {
        T_CHECK(e->converged[i], "%s: pair %d converged (resid %.3g)", what, i, e->resid[i]);
        T_CHECK(fabs(e->val[i] - 1.0) <= 2e-10, "%s: value %d = %.15g in the cluster 1 +- 1e-10", what, i, e->val[i]);
        const double *v = ibp__blockeig_vec(z, i);
        T_CHECK(v != NULL, "%s: vector %d", what, i);
        if (!v) continue;
        t_dense d = {N, A, 0, 0, 0};
        t_dense_mv(&d, v, y);
        for (int j = 0; j < N; j++) y[j] -= e->val[i] * v[j];
        double r = t_norm2(y, N);
        T_CHECK(r <= 1e-9 * fabs(e->val[i]) + 1e-12, "%s: true residual %d = %.3g <= 1e-9", what, i, r);
        T_CHECK(r <= e->resid[i] + 1e-13, "%s: true residual %d within the reported %.3g", what, i, e->resid[i]);
        /* in the cluster's eigenspace: v - Q_c Q_c^T v small */
        double p[N];
        memcpy(p, v, sizeof p);
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int j = 0; j < N; j++) s += Q[j * N + c] * v[j];
            for (int j = 0; j < N; j++) p[j] -= s * Q[j * N + c];
        }
        T_CHECK(t_norm2(p, N) <= 1e-8, "%s: vector %d in the cluster's eigenspace (off by %.3g)", what, i, t_norm2(p, N));
        for (int j = 0; j <= i; j++) {
            const double *u = ibp__blockeig_vec(z, j);
            double o = t_dot(u, v, N) - (i == j ? 1.0 : 0.0);
            T_CHECK(fabs(o) <= 1e-12, "%s: vectors %d, %d orthonormal (%.3g)", what, i, j, o);
        }
    }
}

/* A = Q diag(lam) Q^T with a given Q */
static double *build(const double *Q, const double *lam) {
    double *A = calloc((size_t)N * N, sizeof(double));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int c = 0; c < N; c++) s += Q[i * N + c] * lam[c] * Q[j * N + c];
            A[i * N + j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++) A[i * N + j] = A[j * N + i] = 0.5 * (A[i * N + j] + A[j * N + i]);
    return A;
}

int main(void) {
    double lam[N], *Q = malloc(sizeof(double) * N * N);
    t_rand_orth(N, Q, &seed);
    spectrum(lam, 0);
    double *A = build(Q, lam);
    /* the reference: the dense eigensolver agrees with the built spectrum */
    {
        double *B = malloc(sizeof(double) * N * N), w[N], scr[2 * N];
        memcpy(B, A, sizeof(double) * N * N);
        T_CHECK(ibp__eigh(N, B, w, NULL, scr) == 0, "dense eigh");
        T_CHECK(fabs(w[N - 1] - lam[0]) <= 1e-13 && fabs(w[N - 2] - lam[1]) <= 1e-13 && fabs(w[N - 3] - lam[2]) <= 1e-13 &&
                    fabs(w[N - 4] - lam[3]) <= 1e-13,
                "dense: the cluster at 1, then 0.73 (%.15g, %.15g)", w[N - 3], w[N - 4]);
        free(B);
    }
    ibp_rng rng;
    ibp__rng_seed(&rng, 1, IBP__STREAM_LANCZOS);
    /* single-vector Lanczos, cold and then warm as the flows used it: counts the runs whose top 3
     * hold 0.73 (a missed copy) */
    {
        ibp__lanczos *lz;
        void *mem = t_aligned_alloc(ibp__lanczos_bytes(N, 60, 3));
        lz = ibp__lanczos_bind(mem, N, 60, 3);
        t_dense d = {N, A, 0, 0, 0};
        ibp__eigres e;
        int missed = 0;
        for (int run = 0; run < 5; run++) {
            ibp__lanczos_run(lz, t_dense_mv, &d, 3, 0, 1e-9, run ? IBP__LZ_WARM : IBP__LZ_COLD, &rng, &e);
            if (fabs(e.val[2] - 0.73) < 1e-6 && e.converged[2]) missed++;
            printf("lanczos run %d: %.15g %.15g %.15g (%d matvecs)\n", run, e.val[0], e.val[1], e.val[2], e.matvecs);
        }
        printf("single-vector Lanczos: %d of 5 runs report 0.73 as the 3rd eigenvalue (converged)\n", missed);
        T_CHECK(missed > 0, "single-vector Lanczos misses a copy of the cluster (%d of 5 runs)", missed);
        free(mem);
    }
    /* block Krylov, block 3: cold, then warm on a moved operator */
    void *mem = t_aligned_alloc(ibp__blockeig_bytes(N, 3, 60));
    ibp__blockeig *z = ibp__blockeig_bind(mem, N, 3, 60);
    ibp__eigres e;
    t_dense d = {N, A, 0, 0, 0};
    T_CHECK(ibp__blockeig_run(z, t_dense_mv, &d, 3, 1e-9, 0, &rng, &e) == 0, "block: cold run");
    check_cluster("block cold", A, Q, &e, z);
    int cold = e.matvecs;
    T_CHECK(ibp__blockeig_run(z, t_dense_mv, &d, 4, 1e-9, 0, &rng, &e) == -1, "block: k > block refused");
    spectrum(lam, 1e-6);
    lam[1] -= 1e-7; /* the cluster also moves a little */
    double *A2 = build(Q, lam);
    d.A = A2;
    T_CHECK(ibp__blockeig_run(z, t_dense_mv, &d, 3, 1e-9, 1, &rng, &e) == 0, "block: warm run");
    T_CHECK(e.k == 3 && fabs(e.val[0] - 1.0) <= 2e-10 && fabs(e.val[1] - 1.0) <= 2e-10 &&
                fabs(e.val[2] - (1.0 - 1e-7)) <= 2e-10,
            "block warm: the moved cluster (%.15g %.15g %.15g)", e.val[0], e.val[1], e.val[2]);
    printf("block Krylov: %d matvecs cold, %d warm\n", cold, e.matvecs);
    T_CHECK(e.matvecs < cold, "block: the warm start is cheaper (%d < %d matvecs)", e.matvecs, cold);
    /* exact multiplicity 3 (equal values): the block still finds all three copies */
    lam[0] = lam[1] = lam[2] = 1.0;
    double *A3 = build(Q, lam);
    d.A = A3;
    T_CHECK(ibp__blockeig_run(z, t_dense_mv, &d, 3, 1e-9, 0, &rng, &e) == 0, "block: exact triple");
    check_cluster("block exact triple", A3, Q, &e, z);
    free(mem), free(A), free(A2), free(A3), free(Q);
    return t_summary();
}
