/* model_mlp_hvp.c -- the MLP's exact Hessian-vector product (Pearlmutter's R-operator; the
 * formulas are in model_mlp.c) at a fixed theta, with a cache.
 *
 * Lanczos, the exact spectrum and the SLQ density apply the Hessian of one theta and one batch
 * tens to thousands of times. Everything that does not depend on v is built once per (theta,
 * batch) and kept in the workspace:
 *   alpha W^T of every layer; A = act(z) and act'(z) of the hidden layers; Delta (layers >= 1);
 *   C = (alpha E) act''(z), the v-independent factor of R{Delta}; G = dL/dF; the curvature
 *   (ibp__loss_curv, per row, so ibp__loss_hmul applies a block of rows of it, ce included).
 * A product then runs the R-forward and the R-backward together, one block of batch rows at a
 * time (ibp__mlpws.br rows): every row's R{z}, R{a}, R{F}, R{Delta} depend on that row only,
 * so a block goes up through the layers and back down while its rows are in cache. What sums
 * over rows continues from block to block in row order:
 *   row r of layer i's weight rows: R{Delta}^T A_{i-1} + Delta^T R{A_{i-1}} = (sum over r of
 *   R{Delta}_r A_r) then (continued) the sum of Delta_r R{A}_r. The second sum starts where the
 *   first ENDS, so it runs after the last block, over R{a} kept for every row (RA).
 * Every element is the same chain of the same operations as in a product without cache or
 * blocks (the kernels sum k ascending whatever the chunking), so the result is bit for bit the
 * same; tests/test_hvp_cache.c checks it against plain loops.
 *
 * The cache is valid for the theta it copied (compared bit for bit at every product), the batch
 * arrays (x, y, n) and a fingerprint of their contents, and only while nothing else has used
 * the workspace (model_mlp.c clears m->hk.valid). A new theta, a step, an SGD batch or
 * set_params therefore always rebuilds it.
 */
#include <string.h>
#include "models/model_mlp.h"
#include "numerics/simd.h"

/* Fingerprint of the batch contents: four interleaved multiply-xorshift chains over the bits
 * of every double, so rewriting a batch in place at the same theta is seen (a random change
 * goes unnoticed with probability 2^-64). */
static uint64_t ibp__mlp_fp_run(const double *a, long cnt, uint64_t h) {
    const uint64_t K = 0x9e3779b97f4a7c15ull;
    uint64_t s[4] = {h, h ^ 1u, h ^ 2u, h ^ 3u};
    long i = 0;
    for (; i + 4 <= cnt; i += 4)
        for (int l = 0; l < 4; l++) {
            uint64_t u;
            memcpy(&u, a + i + l, sizeof u);
            s[l] = (s[l] ^ u) * K;
            s[l] ^= s[l] >> 29;
        }
    for (; i < cnt; i++) {
        uint64_t u;
        memcpy(&u, a + i, sizeof u);
        s[0] = (s[0] ^ u) * K;
        s[0] ^= s[0] >> 29;
    }
    uint64_t r = (uint64_t)cnt;
    for (int l = 0; l < 4; l++) {
        r = (r ^ s[l]) * K;
        r ^= r >> 31;
    }
    return r;
}

static uint64_t ibp__mlp_fp(const ibp__model *m, const ibp__batch *b) {
    uint64_t h = ibp__mlp_fp_run(b->x, (long)b->n * m->d, 0x243f6a8885a308d3ull);
    return ibp__mlp_fp_run(b->y, (long)b->n * m->k, h);
}

/* The v-independent part of R{Delta} through layer i+1 (W its weights), for all n rows: with
 * e = alpha E, E = Dl W (inline 0 + g w on a one-row layer, as the gradient's pass forms it),
 * D[i] = e act' (when layer i keeps Delta) and C[i] = e act'' (C held act''). */
static void ibp__mlp_hvp_delta(const ibp__model *m, int n, int i, const double *Dl,
                               const double *W, ibp__mlpws *w) {
    const ibp__layer *ly = &m->L[i + 1];
    int cols = ly->cols, rows = ly->rows;
    if (rows > 1) ibp__gemm_nn(n, cols, rows, Dl, W, w->E, 0);
    ibp_v2d va = ibp_v_splat(ly->alpha), z = ibp_v_zero();
    double al = ly->alpha;
    for (int r = 0; r < n; r++) {
        long o = (long)r * cols;
        const double *d1 = w->Z[i] + o, *E = w->E + o;
        double *C = w->C[i] + o, *D = w->D[i] ? w->D[i] + o : NULL;
        int j = 0;
        if (rows == 1) {
            double g = Dl[r];
            ibp_v2d vg = ibp_v_splat(g);
            for (; j + 2 <= cols; j += 2) {
                ibp_v2d e = ibp_v_mul(va, ibp_v_add(z, ibp_v_mul(vg, ibp_v_load(W + j))));
                if (D) ibp_v_store(D + j, ibp_v_mul(e, ibp_v_load(d1 + j)));
                ibp_v_store(C + j, ibp_v_mul(e, ibp_v_load(C + j)));
            }
            for (; j < cols; j++) {
                double e = al * (0.0 + g * W[j]);
                if (D) D[j] = e * d1[j];
                C[j] = e * C[j];
            }
        } else {
            for (; j + 2 <= cols; j += 2) {
                ibp_v2d e = ibp_v_mul(va, ibp_v_load(E + j));
                if (D) ibp_v_store(D + j, ibp_v_mul(e, ibp_v_load(d1 + j)));
                ibp_v_store(C + j, ibp_v_mul(e, ibp_v_load(C + j)));
            }
            for (; j < cols; j++) {
                double e = al * E[j];
                if (D) D[j] = e * d1[j];
                C[j] = e * C[j];
            }
        }
    }
}

/* Build the cache at (theta, b). */
static void ibp__mlp_hvp_build(ibp__model *m, const double *theta, const ibp__batch *b,
                               ibp__mlpws *w, uint64_t fp) {
    int n = b->n, k = m->k;
    ibp__mlp_prep(m, theta, w);
    for (int i = 1; i < m->nl; i++) ibp__gemm_pack_b(m->L[i].cols, m->L[i].rows, w->Wt[i], w->Wtp[i]);
    ibp__mlp_fwd(m, theta, b->x, n, w, IBP__FWD_D2, w->F);
    ibp__loss(m->loss, w->F, b->y, n, k, w->G);
    ibp__loss_curv(m->loss, w->F, b->y, n, k, w->CU);
    const double *Dl = w->G;
    for (int i = m->nl - 2; i >= 0; i--) {
        ibp__mlp_hvp_delta(m, n, i, Dl, ibp__mlp_w(m, theta, i + 1), w);
        Dl = w->D[i];
    }
    memcpy(w->th, theta, sizeof(double) * (size_t)m->P);
    m->hk.valid = 1;
    m->hk.x = b->x;
    m->hk.y = b->y;
    m->hk.n = n;
    m->hk.fp = fp;
    m->hk.builds++;
}

/* R{Delta} of hidden layer i for the nb rows of a block, through layer i+1 (W (rows, cols),
 * V its direction or NULL on a fixed head): R{E} = RDl W + Dl V (inline on a one-row layer),
 *   R{Delta} = (alpha R{E}) act' + C R{z},
 * element (r, j) stored at RD[r rs + (j / 2) js + j % 2]: rows of cols (rs = cols, js = 2), or
 * the packed layout of a GEMM's A^T (rs = 2, js = 2 nb). bsum (when != NULL) gets the column
 * sums of R{Delta}, row by row (from 0 when !bacc), as ibp__mlp_colsum would. */
static void ibp__mlp_hvp_rdelta(int nb, int cols, int rows, const double *Dl, const double *RDl,
                                const double *W, const double *V, double al, const double *d1,
                                const double *C, const double *RZ, double *RD, long rs, long js,
                                double *REb, double *bsum, int bacc) {
    if (rows > 1) {
        ibp__gemm_nn(nb, cols, rows, RDl, W, REb, 0);
        if (V) ibp__gemm_nn(nb, cols, rows, Dl, V, REb, 1);
    }
    if (bsum && !bacc)
        for (int j = 0; j < cols; j++) bsum[j] = 0.0;
    ibp_v2d va = ibp_v_splat(al), z = ibp_v_zero();
    for (int r = 0; r < nb; r++) {
        long o = (long)r * cols;
        const double *dr = d1 + o, *cr = C + o, *zr = RZ + o;
        double *rd = RD + (long)r * rs;
        int j = 0;
        if (rows == 1) {
            double g = Dl[r], rg = RDl[r];
            ibp_v2d vg = ibp_v_splat(g), vrg = ibp_v_splat(rg);
            for (; j + 2 <= cols; j += 2) {
                ibp_v2d RE = ibp_v_add(z, ibp_v_mul(vrg, ibp_v_load(W + j)));
                if (V) RE = ibp_v_add(RE, ibp_v_mul(vg, ibp_v_load(V + j)));
                ibp_v2d re = ibp_v_mul(va, RE);
                ibp_v2d x = ibp_v_add(ibp_v_mul(re, ibp_v_load(dr + j)),
                                      ibp_v_mul(ibp_v_load(cr + j), ibp_v_load(zr + j)));
                ibp_v_store(rd + (j / 2) * js, x);
                if (bsum) ibp_v_store(bsum + j, ibp_v_add(ibp_v_load(bsum + j), x));
            }
            for (; j < cols; j++) {
                double RE = 0.0 + rg * W[j];
                if (V) RE = RE + g * V[j];
                double x = (al * RE) * dr[j] + cr[j] * zr[j];
                rd[(j / 2) * js + j % 2] = x;
                if (bsum) bsum[j] = bsum[j] + x;
            }
        } else {
            const double *RE = REb + o;
            for (; j + 2 <= cols; j += 2) {
                ibp_v2d re = ibp_v_mul(va, ibp_v_load(RE + j));
                ibp_v2d x = ibp_v_add(ibp_v_mul(re, ibp_v_load(dr + j)),
                                      ibp_v_mul(ibp_v_load(cr + j), ibp_v_load(zr + j)));
                ibp_v_store(rd + (j / 2) * js, x);
                if (bsum) ibp_v_store(bsum + j, ibp_v_add(ibp_v_load(bsum + j), x));
            }
            for (; j < cols; j++) {
                double x = (al * RE[j]) * dr[j] + cr[j] * zr[j];
                rd[(j / 2) * js + j % 2] = x;
                if (bsum) bsum[j] = bsum[j] + x;
            }
        }
    }
}

/* One product from the cache: hv = H v. */
static void ibp__mlp_hvp_apply(const ibp__model *m, const double *x, int n, const double *v,
                               double *hv, ibp__mlpws *w) {
    int nl = m->nl, k = m->k, br = w->br;
    for (int i = 0; i < nl; i++)
        if (m->L[i].off >= 0) {
            ibp__mlp_tscale(&m->L[i], v + m->L[i].off, w->Vt[i]);
            ibp__gemm_pack_b(m->L[i].cols, m->L[i].rows, w->Vt[i], w->Vtp[i]);
        }
    for (int r0 = 0; r0 < n; r0 += br) {
        int nb = n - r0 < br ? n - r0 : br, acc0 = r0 > 0;
        /* R-forward of the block: R{z} in RZb (R{F} in RF), R{a} into RA */
        for (int i = 0; i < nl; i++) {
            const ibp__layer *ly = &m->L[i];
            int rows = ly->rows, cols = ly->cols, last = i == nl - 1, acc = 0;
            const double *in = i ? w->A[i - 1] + (long)r0 * cols : x + (long)r0 * cols;
            double *RZ = last ? w->RF + (long)r0 * k : w->RZb[i];
            if (ly->off >= 0) {
                ibp__gemm_nn_pb(nb, rows, cols, in, w->Vt[i], w->Vtp[i], RZ, 0);
                acc = 1;
            }
            if (i > 0)
                ibp__gemm_nn_pb(nb, rows, cols, w->RA[i - 1] + (long)r0 * cols, w->Wt[i], w->Wtp[i], RZ, acc);
            const double *c = ly->boff >= 0 ? v + ly->boff : NULL;
            if (last) {
                if (c) ibp__mlp_addrow(RZ, c, nb, rows);
                break;
            }
            for (int r = 0; r < nb; r++) { /* R{z} += c, R{a} = act' R{z} */
                long o = (long)r * rows, g = (long)(r0 + r) * rows;
                if (c) ibp__mlp_vadd(RZ + o, c, rows);
                ibp__mlp_vmul(w->RA[i] + g, w->Z[i] + g, RZ + o, rows);
            }
        }
        ibp__loss_hmul(m->loss, w->CU + (long)r0 * k, nb, k, w->RF + (long)r0 * k, w->RG + (long)r0 * k);
        /* R-backward of the block: each layer's first sum, R{Delta} down to the first layer */
        const double *Dl = w->G + (long)r0 * k, *RDl = w->RG + (long)r0 * k;
        for (int i = nl - 1; i >= 0; i--) {
            const ibp__layer *ly = &m->L[i];
            int rows = ly->rows, cols = ly->cols;
            const double *in = i ? w->A[i - 1] + (long)r0 * cols : x + (long)r0 * cols;
            if (ly->off >= 0) {
                if (i == 0 && w->rdp) ibp__gemm_tn_pa(rows, cols, nb, w->RDp, in, hv + ly->off, acc0);
                else ibp__gemm_tn(rows, cols, nb, RDl, in, hv + ly->off, acc0);
                if (ly->boff >= 0 && i == nl - 1) ibp__mlp_colsum(RDl, nb, rows, hv + ly->boff, acc0);
            }
            if (i == 0) break;
            const ibp__layer *lo = &m->L[i - 1];
            long g = (long)r0 * cols;
            int packed = i == 1 && w->rdp; /* layer 0's R{Delta}: only its weight rows read it */
            ibp__mlp_hvp_rdelta(nb, cols, rows, Dl, RDl, ibp__mlp_w(m, w->th, i),
                                ly->off >= 0 ? v + ly->off : NULL, ly->alpha, w->Z[i - 1] + g,
                                w->C[i - 1] + g, w->RZb[i - 1], packed ? w->RDp : w->RDb[i - 1],
                                packed ? 2 : cols, packed ? 2L * nb : 2, w->REb,
                                lo->boff >= 0 ? hv + lo->boff : NULL, acc0);
            Dl = w->D[i - 1] ? w->D[i - 1] + g : NULL;
            RDl = w->RDb[i - 1];
        }
    }
    /* each layer's second sum over all rows, Delta^T R{A} (R{A_0} = 0), then alpha */
    for (int i = nl - 1; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        if (ly->off < 0) continue;
        if (i > 0)
            ibp__gemm_tn(ly->rows, ly->cols, n, i == nl - 1 ? w->G : w->D[i], w->RA[i - 1],
                         hv + ly->off, 1);
        if (ly->alpha != 1.0) ibp__scale((long)ly->rows * ly->cols, ly->alpha, hv + ly->off);
    }
}

void ibp__mlp_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                  double *hv) {
    ibp__mlpws w = ibp__mlp_ws(m, b->n);
    uint64_t fp = ibp__mlp_fp(m, b);
    const ibp__hvpkey *h = &m->hk;
    int fresh = h->valid && h->x == b->x && h->y == b->y && h->n == b->n && h->fp == fp &&
                memcmp(w.th, theta, sizeof(double) * (size_t)m->P) == 0;
    if (!fresh) ibp__mlp_hvp_build(m, theta, b, &w, fp);
    ibp__mlp_hvp_apply(m, b->x, b->n, v, hv, &w);
}
