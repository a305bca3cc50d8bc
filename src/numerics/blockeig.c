/* blockeig.c -- the top eigenpairs of a symmetric operator by block Krylov iteration (block
 * Lanczos with explicit Rayleigh-Ritz and thick restart), for eigenvalues that come in CLUSTERS.
 *
 * Why a second solver beside lanczos.c: a single-vector Krylov space sees a cluster of nearly
 * equal eigenvalues as ONE eigenvalue (a polynomial of degree m cannot tell apart eigenvalues
 * closer than its resolution), so top-k skips the cluster's other copies and reports the next
 * distinct eigenvalue instead, with a small residual and "converged". The central flow makes such
 * clusters on purpose: it pins every eigenvalue that reaches 2/eta AT 2/eta, so two or three of
 * them agree to ~1e-9. A block of b >= (the cluster's size) start vectors spans every copy: the
 * block Krylov space span{X, H X, H^2 X, ...} resolves multiplicity up to b.
 *
 * Algorithm: the basis V (nv, P) grows by blocks of b orthonormalized vectors, each with its
 * operator image W = A V (one matvec per vector); T = V^T A V (symmetrized from V and W, no
 * recurrence is trusted) is solved densely for the Ritz pairs, the residuals r = W z - theta V z
 * of the top b pairs are the next block (in exact arithmetic span{V, r} is the next block Krylov
 * space; the residuals of pairs already converged are left out: soft locking), and when the
 * basis is full it restarts from the top Ritz vectors (V <- V Z, W <- W Z, T <- diag(theta): no
 * matvec is repeated). Stops when the top k pairs have ||r|| <= max(tol |theta|, the rounding
 * floor). Gram-Schmidt runs twice ("twice is enough").
 * Starts: cold (a seeded random block) or warm (the previous top b Ritz vectors plus seeded noise
 * of relative size 1e-3, so that no direction is missing).
 *
 * Memory (bound once, never allocates): V, W (mk, P), the Ritz vectors Y and the residual block
 * R (b, P), small (mk, mk) matrices. */
#include <string.h>
#include "numerics/numerics.h"

#define BZ_EPS 2.220446049250313e-16
#define BZ_NOISE 1e-3 /* relative noise of a warm start */
#define BZ_CHUNK 64   /* columns per block of the in-place rotation */

struct ibp__blockeig {
    long P;
    int b, mk, have; /* block size, max basis, Ritz vectors held in Y */
    long max_matvecs;
    double *V, *W;      /* (mk, P) basis, its images */
    double *Y, *R;      /* (b, P) Ritz vectors (descending), residual block */
    double *T, *A, *Z;  /* (mk, mk) projection, its copy, eigenvectors (columns) */
    double *th, *scr;   /* (mk,), (2 mk,) */
    double *tmp;        /* (mk, BZ_CHUNK) rotation block */
};

static size_t bz_layout(ibp__blockeig **out, void *mem, long P, int b, int mk) {
    ibp__arena a = {(char *)mem, 0};
    ibp__blockeig *z = ibp__arena_bytes(&a, sizeof(ibp__blockeig));
    size_t m = (size_t)mk, bb = (size_t)b;
    double *V = ibp__arena_doubles(&a, m * (size_t)P), *W = ibp__arena_doubles(&a, m * (size_t)P);
    double *Y = ibp__arena_doubles(&a, bb * (size_t)P), *R = ibp__arena_doubles(&a, bb * (size_t)P);
    double *T = ibp__arena_doubles(&a, m * m), *A = ibp__arena_doubles(&a, m * m), *Z = ibp__arena_doubles(&a, m * m);
    double *th = ibp__arena_doubles(&a, m), *scr = ibp__arena_doubles(&a, 2 * m);
    double *tmp = ibp__arena_doubles(&a, m * BZ_CHUNK);
    if (z) {
        memset(z, 0, sizeof *z);
        z->P = P, z->b = b, z->mk = mk, z->max_matvecs = 20L * mk;
        z->V = V, z->W = W, z->Y = Y, z->R = R, z->T = T, z->A = A, z->Z = Z, z->th = th, z->scr = scr;
        z->tmp = tmp;
    }
    if (out) *out = z;
    return a.off;
}

/* the basis size: at least 3 blocks, at most P */
static int bz_mk(long P, int b, int max_basis) {
    int mk = max_basis < 3 * b ? 3 * b : max_basis;
    return (long)mk > P ? (int)P : mk;
}

size_t ibp__blockeig_bytes(long P, int b, int max_basis) {
    IBP_CHECK(P >= 1 && b >= 1 && b <= IBP__MAX_TOPK);
    if ((long)b > P) b = (int)P;
    return bz_layout(NULL, NULL, P, b, bz_mk(P, b, max_basis));
}

ibp__blockeig *ibp__blockeig_bind(void *mem, long P, int b, int max_basis) {
    IBP_CHECK(mem && P >= 1 && b >= 1 && b <= IBP__MAX_TOPK);
    if ((long)b > P) b = (int)P;
    ibp__blockeig *z;
    bz_layout(&z, mem, P, b, bz_mk(P, b, max_basis));
    return z;
}

const double *ibp__blockeig_vec(const ibp__blockeig *z, int i) {
    return i >= 0 && i < z->have ? z->Y + (long)i * z->P : NULL;
}

/* v -= V_{0..n} (V_{0..n}^T v), twice; returns ||v|| after */
static double bz_orth(const ibp__blockeig *z, int n, double *v) {
    long P = z->P;
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < n; j++) ibp__axpy(P, -ibp__dot(z->V + (long)j * P, v, P), z->V + (long)j * P, v);
    return ibp__sqrt(ibp__sumsq(v, P));
}

/* rows [0, n) of X (mk, P) <- sum_j C[j][sel_i] X_j over j < m: C holds columns (m, m stride m),
 * in place by column chunks */
static void bz_rotate(ibp__blockeig *z, double *X, int m, int n, const int *sel) {
    long P = z->P;
    for (long c0 = 0; c0 < P; c0 += BZ_CHUNK) {
        long w = P - c0 < BZ_CHUNK ? P - c0 : BZ_CHUNK;
        memset(z->tmp, 0, sizeof(double) * (size_t)n * BZ_CHUNK);
        for (int j = 0; j < m; j++)
            for (int i = 0; i < n; i++)
                ibp__axpy(w, z->Z[(long)j * m + sel[i]], X + (long)j * P + c0, z->tmp + (long)i * BZ_CHUNK);
        for (int i = 0; i < n; i++) memcpy(X + (long)i * P + c0, z->tmp + (long)i * BZ_CHUNK, sizeof(double) * (size_t)w);
    }
}

int ibp__blockeig_run(ibp__blockeig *z, ibp__matvec mv, void *ctx, int k, double tol, int warm, ibp_rng *rng,
                      ibp__eigres *out) {
    long P = z->P;
    int b = z->b, mk = z->mk;
    for (int i = 0; i < IBP__MAX_TOPK; i++) { out->val[i] = out->resid[i] = IBP_NAN; out->converged[i] = 0; }
    out->vmin = out->vmin_resid = IBP_NAN;
    out->vmin_converged = 0;
    out->k = 0;
    out->matvecs = out->restarts = 0;
    if (k < 1 || k > b || !(tol > 0)) return -1;
    /* the start block in R */
    for (int i = 0; i < b; i++) {
        double *r = z->R + (long)i * P;
        ibp__rng_normals(rng, r, P, 1.0);
        if (warm && z->have == b) {
            double nr = ibp__sqrt(ibp__sumsq(r, P));
            ibp__scale(P, nr > 0 ? BZ_NOISE / nr : 0.0, r);
            ibp__axpy(P, 1.0, z->Y + (long)i * P, r);
        }
    }
    z->have = 0;
    int nv = 0, nadd = b, nb = 0, conv = 0;
    long matvecs = 0;
    double rnd = (4.0 * ibp__sqrt((double)P) + 32.0) * BZ_EPS, flr = rnd > 1024 * BZ_EPS ? rnd : 1024 * BZ_EPS;
    double anorm = 0;
    for (;;) {
        int added = 0;
        for (int i = 0; i < nadd && nv < mk; i++) {
            double *v = z->V + (long)nv * P;
            memcpy(v, z->R + (long)i * P, sizeof(double) * (size_t)P);
            double n0 = ibp__sqrt(ibp__sumsq(v, P));
            double n1 = bz_orth(z, nv, v);
            if (!(n1 > 1e-10 * n0)) continue; /* in the span already */
            ibp__scale(P, 1.0 / n1, v);
            double *w = z->W + (long)nv * P;
            mv(ctx, v, w);
            matvecs++;
            for (int j = 0; j <= nv; j++) {
                double t = 0.5 * (ibp__dot(z->V + (long)j * P, w, P) + ibp__dot(v, z->W + (long)j * P, P));
                if (!ibp__isfinite(t)) goto nonfinite;
                z->T[(long)j * mk + nv] = z->T[(long)nv * mk + j] = t;
            }
            nv++;
            added++;
        }
        if (!added && nv < k && (long)nv < P) { /* the block fell in the span: fresh random vectors */
            for (int i = 0; i < b; i++) ibp__rng_normals(rng, z->R + (long)i * P, P, 1.0);
            nadd = b;
            continue;
        }
        if (!added && nb > 0) break; /* the residuals fell in the span: nothing more to learn */
        /* Rayleigh-Ritz */
        for (int i = 0; i < nv; i++)
            for (int j = 0; j < nv; j++) z->A[(long)i * nv + j] = z->T[(long)i * mk + j];
        if (ibp__eigh(nv, z->A, z->th, z->Z, z->scr)) goto nonfinite;
        anorm = 0;
        for (int i = 0; i < nv; i++) if (ibp__fabs(z->th[i]) > anorm) anorm = ibp__fabs(z->th[i]);
        /* residuals of the top nb pairs into R; which of them expand the basis (soft locking: a
         * converged pair's residual is rounding-level, so only the unconverged ones, and the guard
         * pairs beyond k while a wanted one is unconverged) */
        nb = b < nv ? b : nv;
        conv = nv >= k;
        int grow[IBP__MAX_TOPK];
        for (int q = 0; q < nb; q++) {
            int c = nv - 1 - q;
            double *r = z->R + (long)q * P, th = z->th[c];
            memset(r, 0, sizeof(double) * (size_t)P);
            for (int j = 0; j < nv; j++) {
                double s = z->Z[(long)j * nv + c];
                ibp__axpy(P, s, z->W + (long)j * P, r);
                ibp__axpy(P, -s * th, z->V + (long)j * P, r);
            }
            double rn = ibp__sqrt(ibp__sumsq(r, P));
            if (!ibp__isfinite(rn)) goto nonfinite;
            double thr = tol * ibp__fabs(th) > flr * anorm ? tol * ibp__fabs(th) : flr * anorm;
            grow[q] = !(rn <= thr);
            if (q < k) {
                out->resid[q] = rn + rnd * anorm;
                out->converged[q] = rn <= thr;
                if (!(rn <= thr)) conv = 0;
            }
        }
        if (conv || (long)nv >= P || matvecs >= z->max_matvecs) break;
        nadd = 0;
        for (int q = 0; q < nb; q++)
            if (grow[q]) {
                if (q != nadd) memcpy(z->R + (long)nadd * P, z->R + (long)q * P, sizeof(double) * (size_t)P);
                nadd++;
            }
        if (nv + nadd > mk) { /* thick restart: keep the top Ritz pairs */
            int nk = mk - nadd < 2 * b ? mk - nadd : 2 * b, sel[IBP__MAX_TOPK * 3];
            if (nk > 3 * IBP__MAX_TOPK) nk = 3 * IBP__MAX_TOPK;
            for (int i = 0; i < nk; i++) sel[i] = nv - 1 - i;
            bz_rotate(z, z->V, nv, nk, sel);
            bz_rotate(z, z->W, nv, nk, sel);
            for (int i = 0; i < nk; i++)
                for (int j = 0; j < nk; j++) z->T[(long)i * mk + j] = i == j ? z->th[sel[i]] : 0.0;
            nv = nk;
            out->restarts++;
        }
    }
    /* the top nb Ritz vectors into Y (descending) */
    for (int q = 0; q < nb; q++) {
        double *y = z->Y + (long)q * P;
        int c = nv - 1 - q;
        memset(y, 0, sizeof(double) * (size_t)P);
        for (int j = 0; j < nv; j++) ibp__axpy(P, z->Z[(long)j * nv + c], z->V + (long)j * P, y);
        double ny = ibp__sqrt(ibp__sumsq(y, P));
        if (ny > 0) ibp__scale(P, 1.0 / ny, y);
    }
    z->have = nb;
    out->k = k < nb ? k : nb;
    for (int q = 0; q < out->k; q++) out->val[q] = z->th[nv - 1 - q];
    out->matvecs = (int)matvecs;
    return 0;

nonfinite:
    z->have = 0;
    out->matvecs = (int)matvecs;
    return -2;
}
