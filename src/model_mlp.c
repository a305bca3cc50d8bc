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
 *   R{G} = curv . R{F}   (the loss Hessian in F is diagonal, ibp__loss_curv)
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
#include "internal.h"

/* The workspace, carved in a fixed order from m->ws (see ibp__mlp_carve). Hidden layer i
 * (0 <= i < nl-1) owns five (nmax, rows_i) slices whose contents change through a call:
 *   Z[i]   z, then act'(z) once the forward has made A, then Delta in the backward pass
 *   Q[i]   act''(z) (HVP only), then R{Delta} in the backward pass
 *   A[i]   act(z);   RZ[i], RA[i]: R{z}, R{a} (HVP / GN only) */
typedef struct ibp__mlpws {
    double *Wt[IBP__MAX_LAYERS];  /* (cols, rows): alpha W^T of each layer */
    double *Vt;                   /* (cols, rows) of the largest layer: alpha V^T, one at a time */
    double *Z[IBP__MAX_LAYERS], *Q[IBP__MAX_LAYERS], *A[IBP__MAX_LAYERS];
    double *RZ[IBP__MAX_LAYERS], *RA[IBP__MAX_LAYERS];
    double *F, *G, *RF, *RG;      /* (nmax, k): outputs, dL/dF, R{F}, R{G} */
    double *E, *RE;               /* (nmax, widest hidden layer under a multi-row layer) */
} ibp__mlpws;

/* Slice sizes rounded up to an even number of doubles so every slice stays 16-byte aligned. */
static size_t ibp__mlp_even(size_t n) { return (n + 1u) & ~(size_t)1u; }

/* Carve (or, with base == NULL, just measure) the workspace for batches up to nmax. */
static size_t ibp__mlp_carve(const ibp__model *m, int nmax, double *base, ibp__mlpws *w) {
    size_t off = 0, wmax = 0, lmax = 0, nm = (size_t)nmax;
#define IBP__TAKE(ptr, count)                                  \
    do {                                                       \
        size_t c__ = ibp__mlp_even(count);                     \
        if (base) (ptr) = base + off;                          \
        off += c__;                                            \
    } while (0)
    for (int i = 0; i < m->nl; i++) {
        size_t rc = (size_t)m->L[i].rows * m->L[i].cols;
        IBP__TAKE(w->Wt[i], rc);
        if (rc > lmax) lmax = rc;
    }
    IBP__TAKE(w->Vt, lmax);
    for (int i = 0; i + 1 < m->nl; i++) {
        size_t s = nm * m->L[i].rows;
        IBP__TAKE(w->Z[i], s);
        IBP__TAKE(w->Q[i], s);
        IBP__TAKE(w->A[i], s);
        IBP__TAKE(w->RZ[i], s);
        IBP__TAKE(w->RA[i], s);
    }
    for (int i = 1; i < m->nl; i++) /* E is formed inline below a one-row layer */
        if (m->L[i].rows > 1 && (size_t)m->L[i].cols > wmax) wmax = (size_t)m->L[i].cols;
    size_t nk = nm * m->k;
    IBP__TAKE(w->F, nk);
    IBP__TAKE(w->G, nk);
    IBP__TAKE(w->RF, nk);
    IBP__TAKE(w->RG, nk);
    IBP__TAKE(w->E, nm * wmax);
    IBP__TAKE(w->RE, nm * wmax);
#undef IBP__TAKE
    return off;
}

size_t ibp__mlp_ws_doubles(const ibp__model *m, int nmax) {
    ibp__mlpws w;
    return ibp__mlp_carve(m, nmax, NULL, &w);
}

static ibp__mlpws ibp__mlp_ws(const ibp__model *m, int n) {
    ibp__mlpws w;
    IBP_CHECK(m->ws != NULL && n >= 0 && n <= m->nmax);
    ibp__mlp_carve(m, m->nmax, m->ws, &w);
    return w;
}

/* Weights of layer i: a view into theta, or the fixed head. */
static const double *ibp__mlp_w(const ibp__model *m, const double *theta, int i) {
    const ibp__layer *ly = &m->L[i];
    return ly->off >= 0 ? theta + ly->off : ly->fixed;
}

/* Dst (cols, rows) = alpha Src^T for Src (rows, cols). */
static void ibp__mlp_tscale(const ibp__layer *ly, const double *src, double *dst) {
    ibp__transpose(ly->rows, ly->cols, src, dst);
    if (ly->alpha != 1.0) ibp__scale((long)ly->rows * ly->cols, ly->alpha, dst);
}

static void ibp__mlp_prep(const ibp__model *m, const double *theta, ibp__mlpws *w) {
    for (int i = 0; i < m->nl; i++) ibp__mlp_tscale(&m->L[i], ibp__mlp_w(m, theta, i), w->Wt[i]);
}

/* Z (n, rows) += b per row. */
static void ibp__mlp_addrow(double *Z, const double *b, int n, int rows) {
    for (int r = 0; r < n; r++) {
        double *z = Z + (long)r * rows;
        for (int j = 0; j < rows; j++) z[j] = z[j] + b[j];
    }
}

/* s (cols,) = sum over the n rows of D (n, cols), rows in order: the bias gradient. */
static void ibp__mlp_colsum(const double *D, int n, int cols, double *s) {
    for (int j = 0; j < cols; j++) s[j] = 0.0;
    for (int r = 0; r < n; r++) {
        const double *d = D + (long)r * cols;
        for (int j = 0; j < cols; j++) s[j] = s[j] + d[j];
    }
}

enum { IBP__FWD_OUT, IBP__FWD_D1, IBP__FWD_D2 }; /* what the forward keeps besides A */

/* Forward pass into F (n, k). With IBP__FWD_D1 each Z[i] ends as act'(z); IBP__FWD_D2 also
 * fills Q[i] = act''(z). The bias and the activation run over blocks of whole rows small
 * enough to stay in L1, so z is read from cache by every elementwise function. */
static void ibp__mlp_fwd(const ibp__model *m, const double *theta, const double *x, int n,
                         ibp__mlpws *w, int keep, double *F) {
    const double *in = x;
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, last = i == m->nl - 1;
        double *Z = last ? F : w->Z[i];
        const double *b = ly->boff >= 0 ? theta + ly->boff : NULL;
        ibp__gemm_nn(n, rows, ly->cols, in, w->Wt[i], Z, 0);
        if (last) {
            if (b) ibp__mlp_addrow(Z, b, n, rows);
            break;
        }
        int rb = rows >= 1024 ? 1 : 1024 / rows; /* rows per block */
        for (int r0 = 0; r0 < n; r0 += rb) {
            int nr = n - r0 < rb ? n - r0 : rb;
            long o = (long)r0 * rows, cnt = (long)nr * rows;
            if (b) ibp__mlp_addrow(Z + o, b, nr, rows);
            if (keep == IBP__FWD_OUT) ibp__act_fwd(m->act, m->act_param, Z + o, w->A[i] + o, cnt);
            else ibp__act_derivs(m->act, m->act_param, Z + o, w->A[i] + o, Z + o,
                                 keep == IBP__FWD_D2 ? w->Q[i] + o : NULL, cnt);
        }
        in = w->A[i];
    }
}

/* D (n, cols) = (alpha E) . D with E = Dl W (Dl (n, rows), W (rows, cols)): Delta of the layer
 * below from act' held in D. When bsum != NULL it also receives the column sums of the new D
 * (that layer's bias gradient), accumulated row by row exactly as ibp__mlp_colsum would, so the
 * 4 MiB-class Delta is not read a second time. With one output row the product is an outer
 * product, formed inline as 0 + g w (the kernel's chain from 0, bit for bit) instead of being
 * written to E and read back. */
static void ibp__mlp_delta(int n, int cols, int rows, const double *Dl, const double *W,
                           double al, double *E, double *D, double *bsum) {
    if (rows > 1) ibp__gemm_nn(n, cols, rows, Dl, W, E, 0);
    if (bsum)
        for (int j = 0; j < cols; j++) bsum[j] = 0.0;
    for (int r = 0; r < n; r++) {
        double *d = D + (long)r * cols;
        if (rows == 1) {
            double g = Dl[r];
            for (int j = 0; j < cols; j++) d[j] = (al * (0.0 + g * W[j])) * d[j];
        } else {
            const double *e = E + (long)r * cols;
            for (int j = 0; j < cols; j++) d[j] = (al * e[j]) * d[j];
        }
        if (bsum)
            for (int j = 0; j < cols; j++) bsum[j] = bsum[j] + d[j];
    }
}

/* out (P,) = J^T Dl: backpropagate Dl = dL/dF (n, k) (it may be the loss gradient or any
 * output-space vector) through a forward made with IBP__FWD_D1. Overwrites Z[i] with Delta. */
static void ibp__mlp_back(const ibp__model *m, const double *theta, const double *x, int n,
                          ibp__mlpws *w, const double *Dl, double *out) {
    for (int i = m->nl - 1; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols;
        const double *in = i ? w->A[i - 1] : x;
        if (ly->off >= 0) {
            double *gw = out + ly->off;
            ibp__gemm_tn(rows, cols, n, Dl, in, gw, 0);
            if (ly->alpha != 1.0) ibp__scale((long)rows * cols, ly->alpha, gw);
            /* below the top, ibp__mlp_delta already summed this layer's bias gradient */
            if (ly->boff >= 0 && i == m->nl - 1) ibp__mlp_colsum(Dl, n, rows, out + ly->boff);
        }
        if (i == 0) break;
        const ibp__layer *lo = &m->L[i - 1];
        ibp__mlp_delta(n, cols, rows, Dl, ibp__mlp_w(m, theta, i), ly->alpha, w->E, w->Z[i - 1],
                       lo->boff >= 0 ? out + lo->boff : NULL);
        Dl = w->Z[i - 1];
    }
}

/* R-forward along v after a forward with IBP__FWD_D1 or _D2: RZ, RA of the hidden layers, RF. */
static void ibp__mlp_rfwd(const ibp__model *m, const double *x, const double *v, int n,
                          ibp__mlpws *w) {
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, last = i == m->nl - 1, acc = 0;
        double *RZ = last ? w->RF : w->RZ[i];
        if (ly->off >= 0) {
            ibp__mlp_tscale(ly, v + ly->off, w->Vt);
            ibp__gemm_nn(n, rows, cols, i ? w->A[i - 1] : x, w->Vt, RZ, 0);
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
            double *rz = RZ + (long)r * rows, *ra = w->RA[i] + (long)r * rows;
            const double *d1 = w->Z[i] + (long)r * rows;
            if (c)
                for (int j = 0; j < rows; j++) rz[j] = rz[j] + c[j];
            for (int j = 0; j < rows; j++) ra[j] = d1[j] * rz[j];
        }
    }
}

/* The HVP's step down through layer i+1 (W (rows, cols), V its direction or NULL on a fixed
 * head): with E = Dl W and R{E} = RDl W + Dl V,
 *   Z[i] (act') -> Delta = (alpha E) act',  Q[i] (act'') -> R{Delta} = (alpha R{E}) act'
 *   + ((alpha E) act'') R{Z}, and bsum (when != NULL) = column sums of R{Delta}, layer i's bias
 * row of the HVP. One output row: the products are formed inline, as in ibp__mlp_delta. */
static void ibp__mlp_rdelta(int n, int cols, int rows, const double *Dl, const double *RDl,
                            const double *W, const double *V, double al, ibp__mlpws *w, int i,
                            double *bsum) {
    if (rows > 1) {
        ibp__gemm_nn(n, cols, rows, Dl, W, w->E, 0);
        ibp__gemm_nn(n, cols, rows, RDl, W, w->RE, 0);
        if (V) ibp__gemm_nn(n, cols, rows, Dl, V, w->RE, 1);
    }
    if (bsum)
        for (int j = 0; j < cols; j++) bsum[j] = 0.0;
    for (int r = 0; r < n; r++) {
        long o = (long)r * cols;
        double *D = w->Z[i] + o, *RD = w->Q[i] + o;
        const double *RZ = w->RZ[i] + o;
        if (rows == 1) {
            double g = Dl[r], rg = RDl[r];
            for (int j = 0; j < cols; j++) {
                double E = 0.0 + g * W[j], RE = 0.0 + rg * W[j];
                if (V) RE = RE + g * V[j];
                double e = al * E, re = al * RE, d1 = D[j];
                D[j] = e * d1;
                RD[j] = re * d1 + (e * RD[j]) * RZ[j];
            }
        } else {
            const double *E = w->E + o, *RE = w->RE + o;
            for (int j = 0; j < cols; j++) {
                double e = al * E[j], re = al * RE[j], d1 = D[j];
                D[j] = e * d1;
                RD[j] = re * d1 + (e * RD[j]) * RZ[j];
            }
        }
        if (bsum)
            for (int j = 0; j < cols; j++) bsum[j] = bsum[j] + RD[j];
    }
}

void ibp__mlp_forward(ibp__model *m, const double *theta, const double *x, int n, double *f) {
    ibp__mlpws w = ibp__mlp_ws(m, n);
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, x, n, &w, IBP__FWD_OUT, f);
}

double ibp__mlp_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad) {
    int n = b->n;
    ibp__mlpws w = ibp__mlp_ws(m, n);
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, b->x, n, &w, grad ? IBP__FWD_D1 : IBP__FWD_OUT, w.F);
    double loss = ibp__loss(m->loss, w.F, b->y, n, m->k, grad ? w.G : NULL);
    if (grad) ibp__mlp_back(m, theta, b->x, n, &w, w.G, grad);
    return loss;
}

void ibp__mlp_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                  double *hv) {
    int n = b->n, k = m->k;
    ibp__mlpws w = ibp__mlp_ws(m, n);
    const double *x = b->x;
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, x, n, &w, IBP__FWD_D2, w.F);
    ibp__loss(m->loss, w.F, b->y, n, k, w.G);
    ibp__loss_curv(m->loss, w.F, b->y, n, k, w.RG);
    ibp__mlp_rfwd(m, x, v, n, &w);
    for (long t = 0; t < (long)n * k; t++) w.RG[t] = w.RG[t] * w.RF[t];

    const double *Dl = w.G, *RDl = w.RG;
    for (int i = m->nl - 1; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols;
        const double *in = i ? w.A[i - 1] : x;
        if (ly->off >= 0) {
            double *o = hv + ly->off;
            ibp__gemm_tn(rows, cols, n, RDl, in, o, 0);
            if (i > 0) ibp__gemm_tn(rows, cols, n, Dl, w.RA[i - 1], o, 1); /* R{A_0} = 0 */
            if (ly->alpha != 1.0) ibp__scale((long)rows * cols, ly->alpha, o);
            if (ly->boff >= 0 && i == m->nl - 1) ibp__mlp_colsum(RDl, n, rows, hv + ly->boff);
        }
        if (i == 0) break;
        const ibp__layer *lo = &m->L[i - 1];
        ibp__mlp_rdelta(n, cols, rows, Dl, RDl, ibp__mlp_w(m, theta, i),
                        ly->off >= 0 ? v + ly->off : NULL, ly->alpha, &w, i - 1,
                        lo->boff >= 0 ? hv + lo->boff : NULL);
        Dl = w.Z[i - 1];
        RDl = w.Q[i - 1];
    }
}

void ibp__mlp_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                   double *out, int ntk) {
    int n = b->n, k = m->k;
    ibp__mlpws w = ibp__mlp_ws(m, n);
    long nk = (long)n * k;
    ibp__mlp_prep(m, theta, &w);
    ibp__mlp_fwd(m, theta, b->x, n, &w, IBP__FWD_D1, w.F);
    if (ntk) {
        double inv = 1.0 / (double)n;
        for (long t = 0; t < nk; t++) w.RG[t] = inv;
    } else {
        ibp__loss_curv(m->loss, w.F, b->y, n, k, w.RG);
    }
    ibp__mlp_rfwd(m, b->x, v, n, &w);
    for (long t = 0; t < nk; t++) w.RG[t] = w.RG[t] * w.RF[t];
    ibp__mlp_back(m, theta, b->x, n, &w, w.RG, out);
}
