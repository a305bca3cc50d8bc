/* model_mlp.c -- multilayer perceptrons: forward, exact gradient, exact Hessian-vector product
 * (Pearlmutter's R-operator) and Gauss-Newton / NTK products, on a batch of n rows.
 *
 * Layers h = 1..nl (index i = h - 1), W_h (rows, cols), batch rows as matrix rows:
 *   Z_h = alpha_h A_{h-1} W_h^T + b_h      (n, rows)     A_0 = X (n, d)
 *   A_h = act(Z_h)                         hidden layers only; F = Z_nl (n, k)
 * Backward, with Delta_h = dL/dZ_h (n, rows) and Delta_nl = G = dL/dF:
 *   dL/dW_h = alpha_h Delta_h^T A_{h-1},   dL/db_h = column sums of Delta_h
 *   E = Delta_h W_h (n, cols),             Delta_{h-1} = (alpha_h E) . act'(Z_{h-1})
 * R-operator along v = (V_h, c_h) (V = 0 on a fixed head), R{.} = d/dt at theta + t v:
 *   R{Z_h} = alpha_h (A_{h-1} V_h^T + R{A_{h-1}} W_h^T) + c_h,    R{A_h} = act'(Z_h) . R{Z_h}
 *   R{G} = (d2L/dF2) R{F}   (ibp__loss_hmul: diagonal but for ce, block diagonal over samples)
 *   R{dL/dW_h} = alpha_h (R{Delta_h}^T A_{h-1} + Delta_h^T R{A_{h-1}})
 *   R{E} = R{Delta_h} W_h + Delta_h V_h
 *   R{Delta_{h-1}} = (alpha_h R{E}) . act' + (alpha_h E) . act'' . R{Z_{h-1}}
 * The Gauss-Newton product J^T D J v is the same R-forward followed by the plain backward of
 * D . R{F}: the terms that carry Delta (the residual) are exactly the ones it drops.
 *
 * Every product goes through the kernels, whose per-element summation order is fixed (k
 * ascending from 0), so no result depends on SIMD or on nmax. Forward uses alpha_h W_h^T
 * transposed once per call, so each layer is one gemm_nn; the gradient of layer 1's input is
 * never formed.
 */
#include "models/model_mlp.h"
#include "numerics/simd.h"

/* The elementwise loops below are written with the SIMD vocabulary: the wasm build compiles
 * without the auto-vectorizers, so plain C loops would run one double at a time there. Each
 * lane does exactly the scalar tail's operations, in the same order. */

/* Batch rows per block of the HVP: each hidden layer's R{z} and R{Delta} blocks (br, rows)
 * stay in L2 with the cached rows they are combined with. */
static int ibp__mlp_block_rows(const ibp__model *m, int nmax) {
    int wide = 1;
    for (int i = 0; i + 1 < m->nl; i++)
        if (m->L[i].rows > wide) wide = m->L[i].rows;
    int br = 16384 / wide;
    br = br < 16 ? 16 : br > IBP__GEMM_KC ? IBP__GEMM_KC : br;
    return nmax < br ? (nmax > 0 ? nmax : 1) : br;
}

/* Carve (or, with base == NULL, just measure) the workspace for batches up to nmax; returns
 * the doubles it spans. */
static size_t ibp__mlp_carve(const ibp__model *m, int nmax, double *base, ibp__mlpws *w) {
    ibp__arena a = {(char *)base, 0};
    size_t wmax = 0, nm = (size_t)nmax;
    int br = ibp__mlp_block_rows(m, nmax);
    for (int i = 0; i < m->nl; i++) {
        size_t rc = (size_t)m->L[i].rows * m->L[i].cols;
        w->Wt[i] = ibp__arena_doubles(&a, rc);
        w->Vt[i] = ibp__arena_doubles(&a, m->L[i].off >= 0 ? rc : 0);
        size_t pk = (size_t)ibp__gemm_packed_b_doubles(m->L[i].cols, m->L[i].rows);
        w->Wtp[i] = ibp__arena_doubles(&a, i > 0 ? pk : 0);
        w->Vtp[i] = ibp__arena_doubles(&a, m->L[i].off >= 0 ? pk : 0);
    }
    /* layer 0's R{Delta} goes straight into the packed layout of its weight rows' product */
    w->rdp = m->nl >= 2 && m->L[0].rows >= 2 && !(m->L[0].cols & 1);
    w->RDp = ibp__arena_doubles(&a, w->rdp ? (size_t)br * (m->L[0].rows + 1) : 0);
    for (int i = 0; i + 1 < m->nl; i++) {
        size_t s = nm * m->L[i].rows, sb = (size_t)br * m->L[i].rows;
        w->Z[i] = ibp__arena_doubles(&a, s);
        w->A[i] = ibp__arena_doubles(&a, s);
        w->C[i] = ibp__arena_doubles(&a, s);
        w->D[i] = i > 0 ? ibp__arena_doubles(&a, s) : NULL;
        w->RA[i] = ibp__arena_doubles(&a, s);
        w->RZb[i] = ibp__arena_doubles(&a, sb);
        w->RDb[i] = ibp__arena_doubles(&a, i > 0 || !w->rdp ? sb : 0);
    }
    for (int i = 1; i < m->nl; i++) /* E is formed inline below a one-row layer */
        if (m->L[i].rows > 1 && (size_t)m->L[i].cols > wmax) wmax = (size_t)m->L[i].cols;
    size_t nk = nm * m->k;
    w->F = ibp__arena_doubles(&a, nk);
    w->G = ibp__arena_doubles(&a, nk);
    w->CU = ibp__arena_doubles(&a, nk);
    w->RF = ibp__arena_doubles(&a, nk);
    w->RG = ibp__arena_doubles(&a, nk);
    w->E = ibp__arena_doubles(&a, nm * wmax);
    w->REb = ibp__arena_doubles(&a, (size_t)br * wmax);
    w->th = ibp__arena_doubles(&a, (size_t)m->P);
    w->br = br;
    return ibp__arena_ndoubles(&a);
}

size_t ibp__mlp_ws_doubles(const ibp__model *m, int nmax) {
    ibp__mlpws w;
    return ibp__mlp_carve(m, nmax, NULL, &w);
}

ibp__mlpws ibp__mlp_ws(const ibp__model *m, int n) {
    ibp__mlpws w;
    IBP_CHECK(m->ws != NULL && n >= 0 && n <= m->nmax);
    ibp__mlp_carve(m, m->nmax, m->ws, &w);
    return w;
}

/* Dst (cols, rows) = alpha Src^T for Src (rows, cols). */
void ibp__mlp_tscale(const ibp__layer *ly, const double *src, double *dst) {
    ibp__transpose(ly->rows, ly->cols, src, dst);
    if (ly->alpha != 1.0) ibp__scale((long)ly->rows * ly->cols, ly->alpha, dst);
}

void ibp__mlp_prep(const ibp__model *m, const double *theta, ibp__mlpws *w) {
    for (int i = 0; i < m->nl; i++) ibp__mlp_tscale(&m->L[i], ibp__mlp_w(m, theta, i), w->Wt[i]);
}

/* y[j] = y[j] + x[j], j < cnt. */
void ibp__mlp_vadd(double *y, const double *x, long cnt) {
    long j = 0;
    for (; j + 2 <= cnt; j += 2) ibp_v_store(y + j, ibp_v_add(ibp_v_load(y + j), ibp_v_load(x + j)));
    for (; j < cnt; j++) y[j] = y[j] + x[j];
}

/* y[j] = a[j] * b[j], j < cnt (y may be a or b). */
void ibp__mlp_vmul(double *y, const double *a, const double *b, long cnt) {
    long j = 0;
    for (; j + 2 <= cnt; j += 2) ibp_v_store(y + j, ibp_v_mul(ibp_v_load(a + j), ibp_v_load(b + j)));
    for (; j < cnt; j++) y[j] = a[j] * b[j];
}

/* Z (n, rows) += b per row. */
void ibp__mlp_addrow(double *Z, const double *b, int n, int rows) {
    for (int r = 0; r < n; r++) ibp__mlp_vadd(Z + (long)r * rows, b, rows);
}

/* s (cols,) (+)= sum over the n rows of D (n, cols), rows in order: the bias gradient. */
void ibp__mlp_colsum(const double *D, int n, int cols, double *s, int acc) {
    if (!acc)
        for (int j = 0; j < cols; j++) s[j] = 0.0;
    for (int r = 0; r < n; r++) ibp__mlp_vadd(s, D + (long)r * cols, cols);
}

/* Forward pass into F (n, k). With IBP__FWD_D1 each Z[i] ends as act'(z); IBP__FWD_D2 also
 * fills C[i] = act''(z). The bias and the activation run over blocks of whole rows small
 * enough to stay in L1, so z is read from cache by every elementwise function. Below a one-row
 * output layer, F is formed every IBP__FSB rows, right after their activations and while they
 * are still in cache: a one-column product reuses no panel, so splitting its rows costs nothing,
 * and each row's sum is the same sequential chain either way. */
#define IBP__FSB 16
void ibp__mlp_fwd(const ibp__model *m, const double *theta, const double *x, int n,
                  ibp__mlpws *w, int keep, double *F) {
    const double *in = x;
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, last = i == m->nl - 1;
        double *Z = last ? F : w->Z[i];
        const double *b = ly->boff >= 0 ? theta + ly->boff : NULL;
        if (last) {
            if (i == 0 || rows != 1) /* else F was formed with the layer below */
                ibp__gemm_nn(n, rows, ly->cols, in, w->Wt[i], Z, 0);
            if (b) ibp__mlp_addrow(Z, b, n, rows);
            break;
        }
        ibp__gemm_nn(n, rows, ly->cols, in, w->Wt[i], Z, 0);
        int fuse = i + 2 == m->nl && m->L[i + 1].rows == 1;
        int rb = rows >= 1024 ? 1 : 1024 / rows; /* rows per block */
        int sb = fuse ? (IBP__FSB + rb - 1) / rb * rb : rb; /* rows per block of F */
        for (int s0 = 0; s0 < n; s0 += sb) {
            int se = n - s0 < sb ? n : s0 + sb;
            for (int r0 = s0; r0 < se; r0 += rb) {
                int nr = se - r0 < rb ? se - r0 : rb;
                long o = (long)r0 * rows, cnt = (long)nr * rows;
                if (b) ibp__mlp_addrow(Z + o, b, nr, rows);
                if (keep == IBP__FWD_OUT) ibp__act_fwd(m->act, m->act_param, Z + o, w->A[i] + o, cnt);
                else ibp__act_derivs(m->act, m->act_param, Z + o, w->A[i] + o, Z + o,
                                     keep == IBP__FWD_D2 ? w->C[i] + o : NULL, cnt);
            }
            if (fuse)
                ibp__gemm_nn(se - s0, 1, rows, w->A[i] + (long)s0 * rows, w->Wt[i + 1], F + s0, 0);
        }
        in = w->A[i];
    }
}

/* D (n, cols) = (alpha E) . D with E = Dl W (Dl (n, rows), W (rows, cols)): Delta of the layer
 * below from act' held in D. When bsum != NULL the column sums of the new D (that layer's bias
 * gradient) are added to it, row by row exactly as ibp__mlp_colsum would, so Delta is not read a
 * second time. With one output row the product is an outer
 * product, formed inline as 0 + g w (the kernel's chain from 0, bit for bit) instead of being
 * written to E and read back. */
static void ibp__mlp_delta(int n, int cols, int rows, const double *Dl, const double *W,
                           double al, double *E, double *D, double *bsum) {
    if (rows > 1) ibp__gemm_nn(n, cols, rows, Dl, W, E, 0);
    ibp_v2d va = ibp_v_splat(al), z = ibp_v_zero();
    for (int r = 0; r < n; r++) {
        double *d = D + (long)r * cols;
        int j = 0;
        if (rows == 1) {
            double g = Dl[r];
            ibp_v2d vg = ibp_v_splat(g);
            for (; j + 2 <= cols; j += 2) {
                ibp_v2d e = ibp_v_add(z, ibp_v_mul(vg, ibp_v_load(W + j)));
                ibp_v_store(d + j, ibp_v_mul(ibp_v_mul(va, e), ibp_v_load(d + j)));
            }
            for (; j < cols; j++) d[j] = (al * (0.0 + g * W[j])) * d[j];
        } else {
            const double *e = E + (long)r * cols;
            for (; j + 2 <= cols; j += 2)
                ibp_v_store(d + j, ibp_v_mul(ibp_v_mul(va, ibp_v_load(e + j)), ibp_v_load(d + j)));
            for (; j < cols; j++) d[j] = (al * e[j]) * d[j];
        }
        if (bsum) ibp__mlp_vadd(bsum, d, cols);
    }
}

/* ibp__mlp_delta below a one-row layer, fused with that layer's weight gradient
 * gw (cols,) (+)= sum_r g_r A[r, :] (A (n, cols) its input, g = Dl): both read row r of the
 * batch, so the rows are visited once. gw adds its products row after row from 0 (or from the
 * previous block's sums when gacc), the chain of ibp__gemm_tn(1, cols, n, ...). Two rows per
 * pass: gw is loaded and stored once per pair. */
static void ibp__mlp_delta1(int n, int cols, const double *Dl, const double *W, double al,
                            const double *A, double *gw, int gacc, double *D, double *bsum) {
    ibp_v2d va = ibp_v_splat(al), z = ibp_v_zero();
    if (!gacc)
        for (int j = 0; j < cols; j++) gw[j] = 0.0;
    int r = 0;
    for (; r + 2 <= n; r += 2) {
        double g0 = Dl[r], g1 = Dl[r + 1], *d0 = D + (long)r * cols, *d1 = d0 + cols;
        const double *a0 = A + (long)r * cols, *a1 = a0 + cols;
        ibp_v2d vg0 = ibp_v_splat(g0), vg1 = ibp_v_splat(g1);
        int j = 0;
        for (; j + 2 <= cols; j += 2) {
            ibp_v2d wj = ibp_v_load(W + j);
            ibp_v2d sg = ibp_v_madd(vg0, ibp_v_load(a0 + j), ibp_v_load(gw + j));
            ibp_v_store(gw + j, ibp_v_madd(vg1, ibp_v_load(a1 + j), sg));
            ibp_v2d e0 = ibp_v_add(z, ibp_v_mul(vg0, wj)), e1 = ibp_v_add(z, ibp_v_mul(vg1, wj));
            ibp_v_store(d0 + j, ibp_v_mul(ibp_v_mul(va, e0), ibp_v_load(d0 + j)));
            ibp_v_store(d1 + j, ibp_v_mul(ibp_v_mul(va, e1), ibp_v_load(d1 + j)));
        }
        for (; j < cols; j++) {
            gw[j] = (gw[j] + g0 * a0[j]) + g1 * a1[j];
            d0[j] = (al * (0.0 + g0 * W[j])) * d0[j];
            d1[j] = (al * (0.0 + g1 * W[j])) * d1[j];
        }
        if (bsum) {
            ibp__mlp_vadd(bsum, d0, cols);
            ibp__mlp_vadd(bsum, d1, cols);
        }
    }
    if (r < n) { /* the odd last row */
        const double *a0 = A + (long)r * cols;
        double g0 = Dl[r];
        ibp_v2d vg0 = ibp_v_splat(g0);
        int j = 0;
        for (; j + 2 <= cols; j += 2)
            ibp_v_store(gw + j, ibp_v_madd(vg0, ibp_v_load(a0 + j), ibp_v_load(gw + j)));
        for (; j < cols; j++) gw[j] = gw[j] + g0 * a0[j];
        ibp__mlp_delta(1, cols, 1, Dl + r, W, al, NULL, D + (long)r * cols, bsum);
    }
}

/* Batch rows per block of the backward pass: a block's Delta, up to 64K doubles (512 KiB), is
 * still in L2 when the weight gradient below reads it. */
static int ibp__mlp_brows(const ibp__model *m) {
    int wmax = 1;
    for (int i = 0; i < m->nl; i++)
        if (m->L[i].cols > wmax) wmax = m->L[i].cols;
    return 65536 / wmax > 128 ? 65536 / wmax : 128;
}

/* out (P,) = J^T Dl: backpropagate Dl = dL/dF (n, k) (it may be the loss gradient or any
 * output-space vector) through a forward made with IBP__FWD_D1. Overwrites Z[i] with Delta.
 * The rows of the batch go through the whole depth block by block (ibp__mlp_brows). Every
 * gradient sums over the rows in order, continuing from the previous block's partial sums, so
 * the result is the one of a single pass: the kernels chunk their sums the same way. */
static void ibp__mlp_back(const ibp__model *m, const double *theta, const double *x, int n,
                          ibp__mlpws *w, const double *Dl, double *out) {
    int bs = ibp__mlp_brows(m);
    for (int r0 = 0; r0 < n; r0 += bs) {
        int nb = n - r0 < bs ? n - r0 : bs, acc = r0 > 0;
        const double *D = Dl + (long)r0 * m->k;
        for (int i = m->nl - 1; i >= 0; i--) {
            const ibp__layer *ly = &m->L[i];
            int rows = ly->rows, cols = ly->cols;
            const double *in = (i ? w->A[i - 1] : x) + (long)r0 * cols;
            /* one row above a hidden layer: its weight gradient is formed in ibp__mlp_delta1 */
            int fuse = rows == 1 && i > 0 && ly->off >= 0;
            if (ly->off >= 0) {
                if (!fuse) ibp__gemm_tn(rows, cols, nb, D, in, out + ly->off, acc);
                /* below the top, ibp__mlp_delta sums this layer's bias gradient */
                if (ly->boff >= 0 && i == m->nl - 1) ibp__mlp_colsum(D, nb, rows, out + ly->boff, acc);
            }
            if (i == 0) break;
            double *bsum = m->L[i - 1].boff >= 0 ? out + m->L[i - 1].boff : NULL;
            if (bsum && !acc)
                for (int j = 0; j < cols; j++) bsum[j] = 0.0;
            double *Dn = w->Z[i - 1] + (long)r0 * cols;
            if (fuse)
                ibp__mlp_delta1(nb, cols, D, ibp__mlp_w(m, theta, i), ly->alpha, in, out + ly->off,
                                acc, Dn, bsum);
            else
                ibp__mlp_delta(nb, cols, rows, D, ibp__mlp_w(m, theta, i), ly->alpha, w->E, Dn, bsum);
            D = Dn;
        }
    }
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        if (ly->off >= 0 && ly->alpha != 1.0)
            ibp__scale((long)ly->rows * ly->cols, ly->alpha, out + ly->off);
    }
}

/* The Gauss-Newton product's R-forward along v, after a forward with IBP__FWD_D1: R{z} is
 * formed in RA[i] and turned into R{a} = act' R{z} in place; RF of the output layer. */
static void ibp__mlp_rfwd(const ibp__model *m, const double *x, const double *v, int n,
                          ibp__mlpws *w) {
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, last = i == m->nl - 1, acc = 0;
        double *RZ = last ? w->RF : w->RA[i];
        if (ly->off >= 0) {
            ibp__mlp_tscale(ly, v + ly->off, w->Vt[i]);
            ibp__gemm_nn(n, rows, cols, i ? w->A[i - 1] : x, w->Vt[i], RZ, 0);
            acc = 1;
        }
        if (i > 0) ibp__gemm_nn(n, rows, cols, w->RA[i - 1], w->Wt[i], RZ, acc);
        const double *c = ly->boff >= 0 ? v + ly->boff : NULL;
        if (last) {
            if (c) ibp__mlp_addrow(RZ, c, n, rows);
            break;
        }
        /* R{z} += c and R{a} = act' R{z} in one pass over the rows */
        for (int r = 0; r < n; r++) {
            long o = (long)r * rows;
            if (c) ibp__mlp_vadd(RZ + o, c, rows);
            ibp__mlp_vmul(RZ + o, w->Z[i] + o, RZ + o, rows);
        }
    }
}

void ibp__mlp_forward(ibp__model *m, const double *theta, const double *x, int n, double *f) {
    ibp__mlpws w = ibp__mlp_ws(m, n);
    m->hk.valid = 0; /* the HVP cache's slices are overwritten */
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, x, n, &w, IBP__FWD_OUT, f);
}

/* f: the outputs, the same bits as ibp__mlp_forward's (act_derivs gives act_fwd's bits, and
 * the products are the same calls). */
double ibp__mlp_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad,
                          double *f) {
    int n = b->n;
    ibp__mlpws w = ibp__mlp_ws(m, n);
    m->hk.valid = 0;
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, b->x, n, &w, grad ? IBP__FWD_D1 : IBP__FWD_OUT, w.F);
    if (f) memcpy(f, w.F, sizeof(double) * (size_t)n * (size_t)m->k);
    double loss = ibp__loss(m->loss, w.F, b->y, n, m->k, grad ? w.G : NULL);
    if (grad) ibp__mlp_back(m, theta, b->x, n, &w, w.G, grad);
    return loss;
}

void ibp__mlp_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                   double *out, int ntk) {
    int n = b->n, k = m->k;
    ibp__mlpws w = ibp__mlp_ws(m, n);
    long nk = (long)n * k;
    m->hk.valid = 0;
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, b->x, n, &w, IBP__FWD_D1, w.F);
    if (ntk) {
        double inv = 1.0 / (double)n;
        for (long t = 0; t < nk; t++) w.RG[t] = inv;
    } else {
        ibp__loss_curv(m->loss, w.F, b->y, n, k, w.RG);
    }
    ibp__mlp_rfwd(m, b->x, v, n, &w);
    if (ntk) ibp__mlp_vmul(w.RG, w.RG, w.RF, nk);
    else ibp__loss_hmul(m->loss, w.RG, n, k, w.RF, w.RG);
    ibp__mlp_back(m, theta, b->x, n, &w, w.RG, out);
}
