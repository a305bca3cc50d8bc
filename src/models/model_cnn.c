/* model_cnn.c -- convolutional networks: forward, exact gradient, exact Hessian-vector product
 * (Pearlmutter's R-operator) and Gauss-Newton / NTK products, on a batch of n samples.
 *
 * Layers i = 0..nl-1 (math layer h = i + 1): convolutions i < nconv, then dense layers; the
 * geometry, im2col and col2im are in cnn_geom.c. Every layer is a GEMM on its input's patch
 * matrix X_i (a conv's im2col, a dense layer's input rows), with M_i = n pout_i rows:
 *   Z_i = X_i Kt_i + c_i          (M_i, rows_i)    Kt_i = alpha_i K_i^T (cols_i, rows_i)
 * (for a convolution K_i here is Kp, the kernel with its columns in the patch order (i, j, c):
 * products with it are in that order, and its gradient goes back to theta's order at the end)
 *   A_i = act(Z_i)                hidden layers; F = Z_last (n, k)
 * The input of layer i is x (i = 0), A_{i-1}, or after the last convolution the pooled features:
 * flat reads A (n, pout C) as (n, feat); avg is P = (1/pout) sum over positions of A (n, C).
 * Backward, Delta_i = dL/dZ_i, Delta_last = G = dL/dF:
 *   dL/dK_i = alpha_i Delta_i^T X_i,   dL/dc_i = column sums of Delta_i
 *   E = Delta_i K_i (M_i, cols_i);  dX = col2im(E) (conv) or E;  Delta_{i-1} = (alpha_i dX) . act'
 *   (under avg pooling dX is dP (n, C) and reaches every position as (alpha_i dP) / pout)
 * R-operator along v = (V_i, c_i) (V = 0 on a fixed head), R{.} = d/dt at theta + t v:
 *   R{Z_i} = X_i Vt_i + R{X_i} Kt_i + c_i,   R{A_i} = act' . R{Z_i},   R{G} = (d2L/dF2) R{F}
 *   R{dL/dK_i} = alpha_i (R{Delta_i}^T X_i + Delta_i^T R{X_i})
 *   R{E} = R{Delta_i} K_i + Delta_i V_i,   R{Delta_{i-1}} = (alpha R{dX}) . act' + (alpha dX) . act'' . R{Z_{i-1}}
 * The Gauss-Newton product J^T D J v is the R-forward followed by the plain backward of D R{F}.
 *
 * The batch goes through each layer in blocks of samples whose patch matrices fit in a fixed
 * workspace (ibp__cnn_blk: from the layer's shape only, never from n or nmax). Sums over the
 * batch continue from one block to the next in row order (gemm with acc, the bias sums), so the
 * gradient is that of one pass; the HVP's two weight terms alternate block by block, a fixed
 * order too. Every product is a kernels.c GEMM with its fixed summation order, so the results
 * are the same bits natively, in wasm and in the scalar build, whatever nmax is. */
#include "models/models.h"
#include "numerics/simd.h"

#define IBP__CNN_BLK 65536 /* doubles per block buffer (512 KiB): a block's patches stay in L2 */

typedef struct ibp__cnnws {
    double *Kt[IBP__MAX_LAYERS];  /* (cols, rows): alpha K^T of each layer (Kp^T: patch order) */
    double *Kp[IBP__MAX_LAYERS];  /* (rows, cols): a permuted conv's kernel in patch order */
    double *Vt, *Vp, *Gt;         /* largest layer: alpha V^T; V and a gradient in patch order */
    /* hidden layer i: (nmax pout_i, rows_i) each. Z: z, then act', then Delta; Q: act'' (HVP),
     * then R{Delta}; A: act(z); RZ, RA: R{z}, R{a} */
    double *Z[IBP__MAX_LAYERS], *Q[IBP__MAX_LAYERS], *A[IBP__MAX_LAYERS];
    double *RZ[IBP__MAX_LAYERS], *RA[IBP__MAX_LAYERS];
    double *P, *RP;               /* (nmax, C): avg-pooled features and R{.} */
    double *F, *G, *RF, *RG;      /* (nmax, k): outputs, dL/dF, R{F}, R{G} */
    double *col, *rcol;           /* a block's patch matrices X_i, R{X_i} */
    double *E, *RE;               /* a block's Delta K and R{.}: (block rows, cols) */
    double *dX, *RdX;             /* a block's col2im of E, RE: (block samples, pin cin) */
} ibp__cnnws;

long ibp__cnn_pout(const ibp__model *m, int i) {
    return i < m->nconv ? (long)m->cv[i].hout * m->cv[i].wout : 1;
}

/* Samples per block of layer i: its patch matrix and E stay within IBP__CNN_BLK doubles. */
int ibp__cnn_blk(const ibp__model *m, int i) {
    double per = (double)ibp__cnn_pout(m, i) * m->L[i].cols;
    double b = (double)IBP__CNN_BLK / per;
    return b >= 1 ? (b > 1e6 ? 1000000 : (int)b) : 1;
}

/* A conv whose im2col is its input itself: 1x1 kernel, stride 1 (no padding is possible). */
static int ibp__cnn_plain(const ibp__conv *g) { return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1; }

static size_t ibp__cnn_carve(const ibp__model *m, int nmax, double *base, ibp__cnnws *w) {
    ibp__arena a = {(char *)base, 0};
    size_t lmax = 0, nm = (size_t)nmax, colmax = 0, emax = 0, dxmax = 0;
    for (int i = 0; i < m->nl; i++) {
        size_t rc = (size_t)m->L[i].rows * m->L[i].cols;
        int perm = i < m->nconv && ibp__cnn_permuted(&m->cv[i]);
        w->Kt[i] = ibp__arena_doubles(&a, rc);
        w->Kp[i] = perm ? ibp__arena_doubles(&a, rc) : NULL;
        if (rc > lmax) lmax = rc;
        size_t blk = (size_t)ibp__cnn_blk(m, i);
        if (blk > nm) blk = nm;
        size_t pc = blk * (size_t)ibp__cnn_pout(m, i) * (size_t)m->L[i].cols;
        if (i < m->nconv && !ibp__cnn_plain(&m->cv[i]) && pc > colmax) colmax = pc;
        if (i > 0 && pc > emax) emax = pc;
        if (i > 0 && i < m->nconv) {
            size_t dx = blk * (size_t)m->cv[i].hin * m->cv[i].win * m->cv[i].cin;
            if (dx > dxmax) dxmax = dx;
        }
    }
    w->Vt = ibp__arena_doubles(&a, lmax);
    w->Vp = ibp__arena_doubles(&a, lmax);
    w->Gt = ibp__arena_doubles(&a, lmax);
    for (int i = 0; i + 1 < m->nl; i++) {
        size_t s = nm * (size_t)ibp__cnn_pout(m, i) * (size_t)m->L[i].rows;
        w->Z[i] = ibp__arena_doubles(&a, s);
        w->Q[i] = ibp__arena_doubles(&a, s);
        w->A[i] = ibp__arena_doubles(&a, s);
        w->RZ[i] = ibp__arena_doubles(&a, s);
        w->RA[i] = ibp__arena_doubles(&a, s);
    }
    size_t np = m->pool == IBP__POOL_AVG ? nm * (size_t)m->feat : 0;
    w->P = ibp__arena_doubles(&a, np);
    w->RP = ibp__arena_doubles(&a, np);
    size_t nk = nm * (size_t)m->k;
    w->F = ibp__arena_doubles(&a, nk);
    w->G = ibp__arena_doubles(&a, nk);
    w->RF = ibp__arena_doubles(&a, nk);
    w->RG = ibp__arena_doubles(&a, nk);
    w->col = ibp__arena_doubles(&a, colmax);
    w->rcol = ibp__arena_doubles(&a, colmax);
    w->E = ibp__arena_doubles(&a, emax);
    w->RE = ibp__arena_doubles(&a, emax);
    w->dX = ibp__arena_doubles(&a, dxmax);
    w->RdX = ibp__arena_doubles(&a, dxmax);
    return ibp__arena_ndoubles(&a);
}

size_t ibp__cnn_ws_doubles(const ibp__model *m, int nmax) {
    ibp__cnnws w;
    return ibp__cnn_carve(m, nmax, NULL, &w);
}

static ibp__cnnws ibp__cnn_ws(const ibp__model *m, int n) {
    ibp__cnnws w;
    IBP_CHECK(m->ws != NULL && n >= 0 && n <= m->nmax);
    ibp__cnn_carve(m, m->nmax, m->ws, &w);
    return w;
}

static const double *ibp__cnn_w(const ibp__model *m, const double *theta, int i) {
    const ibp__layer *ly = &m->L[i];
    return ly->off >= 0 ? theta + ly->off : ly->fixed;
}

static int ibp__cnn_perm(const ibp__model *m, int i) { return i < m->nconv && ibp__cnn_permuted(&m->cv[i]); }

/* Dst (cols, rows) = alpha Src^T for Src (rows, cols) in theta's order; a permuted conv's Src
 * goes to the patch order first, into perm (rows, cols), which is kept. Returns the weights in
 * the patch order: perm, or Src itself. */
const double *ibp__cnn_tscale(const ibp__model *m, int i, const double *src, double *perm, double *dst) {
    const ibp__layer *ly = &m->L[i];
    if (ibp__cnn_perm(m, i)) {
        ibp__cnn_kperm(&m->cv[i], ly->rows, src, perm);
        src = perm;
    }
    ibp__transpose(ly->rows, ly->cols, src, dst);
    if (ly->alpha != 1.0) ibp__scale((long)ly->rows * ly->cols, ly->alpha, dst);
    return src;
}

/* A layer's weight gradient was summed into g: in theta's order (out + off, still to be scaled
 * by alpha) or, for a permuted conv, in Gt. Finish it: alpha times it, in theta's order. */
static void ibp__cnn_wgrad_done(const ibp__model *m, int i, const double *Gt, double *out) {
    const ibp__layer *ly = &m->L[i];
    if (ibp__cnn_perm(m, i)) ibp__cnn_kunperm(&m->cv[i], ly->rows, Gt, ly->alpha, out + ly->off);
    else if (ly->alpha != 1.0) ibp__scale((long)ly->rows * ly->cols, ly->alpha, out + ly->off);
}

/* ---- elementwise helpers (SIMD vocabulary: the wasm build has no auto-vectorizer) ---------- */

static void ibp__cnn_vadd(double *y, const double *x, long cnt) { /* y += x */
    long j = 0;
    for (; j + 2 <= cnt; j += 2) ibp_v_store(y + j, ibp_v_add(ibp_v_load(y + j), ibp_v_load(x + j)));
    for (; j < cnt; j++) y[j] = y[j] + x[j];
}

static void ibp__cnn_vmul(double *y, const double *a, const double *b, long cnt) { /* y = a b */
    long j = 0;
    for (; j + 2 <= cnt; j += 2) ibp_v_store(y + j, ibp_v_mul(ibp_v_load(a + j), ibp_v_load(b + j)));
    for (; j < cnt; j++) y[j] = a[j] * b[j];
}

static void ibp__cnn_addrow(double *Z, const double *b, long nrows, int rows) { /* Z (nrows, rows) += b */
    for (long r = 0; r < nrows; r++) ibp__cnn_vadd(Z + r * rows, b, rows);
}

/* s (cols,) (+)= the column sums of D (nrows, cols), rows in order */
static void ibp__cnn_colsum(const double *D, long nrows, int cols, double *s, int acc) {
    if (!acc)
        for (int j = 0; j < cols; j++) s[j] = 0.0;
    for (long r = 0; r < nrows; r++) ibp__cnn_vadd(s, D + r * cols, cols);
}

/* D = (al X) . D, elementwise over cnt values: Delta from act' held in D */
static void ibp__cnn_delta(double *D, const double *X, double al, long cnt) {
    ibp_v2d va = ibp_v_splat(al);
    long j = 0;
    for (; j + 2 <= cnt; j += 2)
        ibp_v_store(D + j, ibp_v_mul(ibp_v_mul(va, ibp_v_load(X + j)), ibp_v_load(D + j)));
    for (; j < cnt; j++) D[j] = (al * X[j]) * D[j];
}

/* The HVP's Delta and R{Delta} from act' in D and act'' in RD:
 * D = (al X) act',  RD = (al RX) act' + ((al X) act'') RZ */
static void ibp__cnn_rdelta(double *D, double *RD, const double *X, const double *RX, const double *RZ,
                            double al, long cnt) {
    ibp_v2d va = ibp_v_splat(al);
    long j = 0;
    for (; j + 2 <= cnt; j += 2) {
        ibp_v2d e = ibp_v_mul(va, ibp_v_load(X + j)), re = ibp_v_mul(va, ibp_v_load(RX + j));
        ibp_v2d d1 = ibp_v_load(D + j);
        ibp_v_store(D + j, ibp_v_mul(e, d1));
        ibp_v_store(RD + j, ibp_v_add(ibp_v_mul(re, d1), ibp_v_mul(ibp_v_mul(e, ibp_v_load(RD + j)),
                                                                   ibp_v_load(RZ + j))));
    }
    for (; j < cnt; j++) {
        double e = al * X[j], re = al * RX[j], d1 = D[j];
        D[j] = e * d1;
        RD[j] = re * d1 + (e * RD[j]) * RZ[j];
    }
}

/* ---- layer inputs ------------------------------------------------------------------------ */

/* The input rows of layer i for samples [s0, ...): x, A_{i-1}, or the pooled features; R
 * selects R{.} (NULL for layer 0, whose input does not depend on theta). */
static const double *ibp__cnn_in(const ibp__model *m, const ibp__cnnws *w, const double *x, int i, int R,
                                 int s0) {
    long per = i < m->nconv ? (long)m->cv[i].hin * m->cv[i].win * m->cv[i].cin : m->L[i].cols;
    const double *base;
    if (i == 0) base = R ? NULL : x;
    else if (i == m->nconv && m->pool == IBP__POOL_AVG) base = R ? w->RP : w->P;
    else base = R ? w->RA[i - 1] : w->A[i - 1];
    return base ? base + (long)s0 * per : NULL;
}

/* The patch matrix of layer i for nb samples of its input in: the input itself (dense layers
 * and 1x1 convolutions) or its im2col in buf. */
static const double *ibp__cnn_patches(const ibp__model *m, int i, const double *in, int nb, double *buf) {
    if (i >= m->nconv || ibp__cnn_plain(&m->cv[i])) return in;
    ibp__cnn_im2col(&m->cv[i], in, nb, buf);
    return buf;
}

/* P (n, C) = (1/pout) sum over positions of A (n, pout, C), positions in order */
void ibp__cnn_pool(const ibp__model *m, const double *A, int n, double *P) {
    const ibp__layer *ly = &m->L[m->nconv - 1];
    long pout = ibp__cnn_pout(m, m->nconv - 1);
    int C = ly->rows;
    double inv = 1.0 / (double)pout;
    for (int s = 0; s < n; s++) {
        double *p = P + (long)s * C;
        const double *a = A + (long)s * pout * C;
        for (int c = 0; c < C; c++) p[c] = 0.0;
        for (long q = 0; q < pout; q++) ibp__cnn_vadd(p, a + q * C, C);
        for (int c = 0; c < C; c++) p[c] = p[c] * inv;
    }
}

/* ---- passes -------------------------------------------------------------------------------- */

enum { IBP__CFWD_OUT, IBP__CFWD_D1, IBP__CFWD_D2 }; /* what the forward keeps besides A */

static void ibp__cnn_prep(const ibp__model *m, const double *theta, ibp__cnnws *w) {
    for (int i = 0; i < m->nl; i++) ibp__cnn_tscale(m, i, ibp__cnn_w(m, theta, i), w->Kp[i], w->Kt[i]);
}

/* Layer i's weights in the patch order (E = Delta K): Kp, or theta's (the fixed head's). */
static const double *ibp__cnn_wp(const ibp__model *m, const ibp__cnnws *w, const double *theta, int i) {
    return ibp__cnn_perm(m, i) ? w->Kp[i] : ibp__cnn_w(m, theta, i);
}

static void ibp__cnn_fwd(const ibp__model *m, const double *theta, const double *x, int n, ibp__cnnws *w,
                         int keep, double *F) {
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, last = i == m->nl - 1, bs = ibp__cnn_blk(m, i);
        long pout = ibp__cnn_pout(m, i);
        double *Z = last ? F : w->Z[i];
        const double *b = ly->boff >= 0 ? theta + ly->boff : NULL;
        for (int s0 = 0; s0 < n; s0 += bs) {
            int nb = n - s0 < bs ? n - s0 : bs;
            long M = nb * pout, o = (long)s0 * pout * rows;
            const double *X = ibp__cnn_patches(m, i, ibp__cnn_in(m, w, x, i, 0, s0), nb, w->col);
            ibp__gemm_nn((int)M, rows, ly->cols, X, w->Kt[i], Z + o, 0);
            if (b) ibp__cnn_addrow(Z + o, b, M, rows);
            if (last) continue;
            if (keep == IBP__CFWD_OUT) ibp__act_fwd(m->act, m->act_param, Z + o, w->A[i] + o, M * rows);
            else ibp__act_derivs(m->act, m->act_param, Z + o, w->A[i] + o, Z + o,
                                 keep == IBP__CFWD_D2 ? w->Q[i] + o : NULL, M * rows);
        }
        if (i == m->nconv - 1 && m->pool == IBP__POOL_AVG) ibp__cnn_pool(m, w->A[i], n, w->P);
    }
}

/* R-forward along v after a forward with D1 or D2: RZ, RA of the hidden layers, RP, RF. */
static void ibp__cnn_rfwd(const ibp__model *m, const double *x, const double *v, int n, ibp__cnnws *w) {
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, last = i == m->nl - 1, bs = ibp__cnn_blk(m, i);
        long pout = ibp__cnn_pout(m, i);
        double *RZ = last ? w->RF : w->RZ[i];
        const double *c = ly->boff >= 0 ? v + ly->boff : NULL;
        if (ly->off >= 0) ibp__cnn_tscale(m, i, v + ly->off, w->Vp, w->Vt);
        for (int s0 = 0; s0 < n; s0 += bs) {
            int nb = n - s0 < bs ? n - s0 : bs, acc = 0;
            long M = nb * pout, o = (long)s0 * pout * rows;
            if (ly->off >= 0) {
                const double *X = ibp__cnn_patches(m, i, ibp__cnn_in(m, w, x, i, 0, s0), nb, w->col);
                ibp__gemm_nn((int)M, rows, cols, X, w->Vt, RZ + o, 0);
                acc = 1;
            }
            if (i > 0) {
                const double *RX = ibp__cnn_patches(m, i, ibp__cnn_in(m, w, x, i, 1, s0), nb, w->rcol);
                ibp__gemm_nn((int)M, rows, cols, RX, w->Kt[i], RZ + o, acc);
            }
            if (c) ibp__cnn_addrow(RZ + o, c, M, rows);
            if (!last) ibp__cnn_vmul(w->RA[i] + o, w->Z[i] + o, RZ + o, M * rows);
        }
        if (i == m->nconv - 1 && m->pool == IBP__POOL_AVG) ibp__cnn_pool(m, w->RA[i], n, w->RP);
    }
}

/* Hand a block's dX (the gradient with respect to layer i's input, without alpha) to the layer
 * below: Delta_{i-1} = (alpha dX) act' in Z[i-1], and with RdX != NULL (HVP) R{Delta_{i-1}} in
 * Q[i-1] as well. Under avg pooling dX is dP (nb, C) and every position gets dP / pout. */
static void ibp__cnn_down(const ibp__model *m, ibp__cnnws *w, int i, int s0, int nb, const double *dX,
                          const double *RdX) {
    const ibp__layer *lo = &m->L[i - 1];
    double al = m->L[i].alpha;
    long pin = ibp__cnn_pout(m, i - 1), o = (long)s0 * pin * lo->rows;
    double *D = w->Z[i - 1] + o, *RD = w->Q[i - 1] + o;
    const double *RZ = w->RZ[i - 1] + o;
    if (i == m->nconv && m->pool == IBP__POOL_AVG) {
        int C = lo->rows;
        double inv = 1.0 / (double)pin;
        for (int s = 0; s < nb; s++)
            for (long q = 0; q < pin; q++) {
                long e = ((long)s * pin + q) * C;
                for (int c = 0; c < C; c++) { /* the same chain as the other layers: (al dX) act' */
                    double g = dX[(long)s * C + c] * inv;
                    if (RdX) {
                        double rg = RdX[(long)s * C + c] * inv, ee = al * g, re = al * rg, d1 = D[e + c];
                        D[e + c] = ee * d1;
                        RD[e + c] = re * d1 + (ee * RD[e + c]) * RZ[e + c];
                    } else {
                        D[e + c] = (al * g) * D[e + c];
                    }
                }
            }
        return;
    }
    long cnt = (long)nb * pin * lo->rows;
    if (RdX) ibp__cnn_rdelta(D, RD, dX, RdX, RZ, al, cnt);
    else ibp__cnn_delta(D, dX, al, cnt);
}

/* out (P,) = J^T Dl: backpropagate Dl = dL/dF (n, k) through a forward made with D1. */
static void ibp__cnn_back(const ibp__model *m, const double *theta, const double *x, int n, ibp__cnnws *w,
                          const double *Dl, double *out) {
    for (int i = m->nl - 1; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, bs = ibp__cnn_blk(m, i);
        long pout = ibp__cnn_pout(m, i);
        const double *D = i == m->nl - 1 ? Dl : w->Z[i];
        double *gw = ly->off < 0 ? NULL : ibp__cnn_perm(m, i) ? w->Gt : out + ly->off;
        for (int s0 = 0; s0 < n; s0 += bs) {
            int nb = n - s0 < bs ? n - s0 : bs, acc = s0 > 0;
            long M = nb * pout;
            const double *Db = D + (long)s0 * pout * rows;
            if (gw) {
                const double *X = ibp__cnn_patches(m, i, ibp__cnn_in(m, w, x, i, 0, s0), nb, w->col);
                ibp__gemm_tn(rows, cols, (int)M, Db, X, gw, acc);
                if (ly->boff >= 0) ibp__cnn_colsum(Db, M, rows, out + ly->boff, acc);
            }
            if (i == 0) continue;
            ibp__gemm_nn((int)M, cols, rows, Db, ibp__cnn_wp(m, w, theta, i), w->E, 0);
            const double *dX = w->E;
            if (i < m->nconv) {
                ibp__cnn_col2im(&m->cv[i], w->E, nb, w->dX);
                dX = w->dX;
            }
            ibp__cnn_down(m, w, i, s0, nb, dX, NULL);
        }
        if (gw) ibp__cnn_wgrad_done(m, i, w->Gt, out);
    }
}

void ibp__cnn_forward(ibp__model *m, const double *theta, const double *x, int n, double *f) {
    ibp__cnnws w = ibp__cnn_ws(m, n);
    ibp__cnn_prep(m, theta, &w);
    ibp__cnn_fwd(m, theta, x, n, &w, IBP__CFWD_OUT, f);
}

double ibp__cnn_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad, double *f) {
    int n = b->n;
    ibp__cnnws w = ibp__cnn_ws(m, n);
    ibp__cnn_prep(m, theta, &w);
    ibp__cnn_fwd(m, theta, b->x, n, &w, grad ? IBP__CFWD_D1 : IBP__CFWD_OUT, w.F);
    if (f) memcpy(f, w.F, sizeof(double) * (size_t)n * (size_t)m->k);
    double loss = ibp__loss(m->loss, w.F, b->y, n, m->k, grad ? w.G : NULL);
    if (grad) ibp__cnn_back(m, theta, b->x, n, &w, w.G, grad);
    return loss;
}

void ibp__cnn_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *hv) {
    int n = b->n, k = m->k;
    ibp__cnnws w = ibp__cnn_ws(m, n);
    const double *x = b->x;
    ibp__cnn_prep(m, theta, &w);
    ibp__cnn_fwd(m, theta, x, n, &w, IBP__CFWD_D2, w.F);
    ibp__loss(m->loss, w.F, b->y, n, k, w.G);
    ibp__loss_curv(m->loss, w.F, b->y, n, k, w.RG);
    ibp__cnn_rfwd(m, x, v, n, &w);
    ibp__loss_hmul(m->loss, w.RG, n, k, w.RF, w.RG);
    for (int i = m->nl - 1; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, bs = ibp__cnn_blk(m, i), last = i == m->nl - 1;
        long pout = ibp__cnn_pout(m, i);
        const double *D = last ? w.G : w.Z[i], *RD = last ? w.RG : w.Q[i];
        const double *V = ly->off >= 0 ? v + ly->off : NULL;
        if (V && ibp__cnn_perm(m, i)) { /* V in the patch order, for R{E} */
            ibp__cnn_kperm(&m->cv[i], rows, V, w.Vp);
            V = w.Vp;
        }
        double *gw = ly->off < 0 ? NULL : ibp__cnn_perm(m, i) ? w.Gt : hv + ly->off;
        for (int s0 = 0; s0 < n; s0 += bs) {
            int nb = n - s0 < bs ? n - s0 : bs;
            long M = nb * pout, o = (long)s0 * pout * rows;
            const double *X = ibp__cnn_patches(m, i, ibp__cnn_in(m, &w, x, i, 0, s0), nb, w.col);
            const double *RX = i > 0 ? ibp__cnn_patches(m, i, ibp__cnn_in(m, &w, x, i, 1, s0), nb, w.rcol) : NULL;
            if (gw) {
                ibp__gemm_tn(rows, cols, (int)M, RD + o, X, gw, s0 > 0);
                if (RX) ibp__gemm_tn(rows, cols, (int)M, D + o, RX, gw, 1);
                if (ly->boff >= 0) ibp__cnn_colsum(RD + o, M, rows, hv + ly->boff, s0 > 0);
            }
            if (i == 0) continue;
            const double *W = ibp__cnn_wp(m, &w, theta, i);
            ibp__gemm_nn((int)M, cols, rows, D + o, W, w.E, 0);
            ibp__gemm_nn((int)M, cols, rows, RD + o, W, w.RE, 0);
            if (V) ibp__gemm_nn((int)M, cols, rows, D + o, V, w.RE, 1);
            const double *dX = w.E, *RdX = w.RE;
            if (i < m->nconv) {
                ibp__cnn_col2im(&m->cv[i], w.E, nb, w.dX);
                ibp__cnn_col2im(&m->cv[i], w.RE, nb, w.RdX);
                dX = w.dX;
                RdX = w.RdX;
            }
            ibp__cnn_down(m, &w, i, s0, nb, dX, RdX);
        }
        if (gw) ibp__cnn_wgrad_done(m, i, w.Gt, hv);
    }
}

void ibp__cnn_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *out,
                   int ntk) {
    int n = b->n, k = m->k;
    ibp__cnnws w = ibp__cnn_ws(m, n);
    long nk = (long)n * k;
    ibp__cnn_prep(m, theta, &w);
    ibp__cnn_fwd(m, theta, b->x, n, &w, IBP__CFWD_D1, w.F);
    ibp__cnn_rfwd(m, b->x, v, n, &w);
    if (ntk) {
        double inv = 1.0 / (double)n;
        for (long t = 0; t < nk; t++) w.RG[t] = inv * w.RF[t];
    } else {
        ibp__loss_curv(m->loss, w.F, b->y, n, k, w.RG);
        ibp__loss_hmul(m->loss, w.RG, n, k, w.RF, w.RG);
    }
    ibp__cnn_back(m, theta, b->x, n, &w, w.RG, out);
}
