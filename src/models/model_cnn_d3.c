/* model_cnn_d3.c -- the third derivative of a convolutional network's loss (model=cnn):
 *   D3L[u, u, .] = grad_theta (u^T H(theta) u),
 * the gradient of the curvature along u (for a unit top eigenvector, grad S: the central flow's
 * G = D3L[u, u, .]).
 *
 * Method: model_net_d3.c's R-operator pass through the HVP (reverse mode over the second-order
 * forward along u), on model_cnn.c's layers. Every layer is a GEMM on its input's patch matrix
 * (model_cnn.c), and im2col, the pooling and the flattening are linear in the activations, so
 * the tangents go through them unchanged and their adjoints through col2im and the pooling's
 * adjoint (each position gets dP / pout). With X_i the patch matrix of layer i, Kt = alpha Kp^T
 * and Vt = alpha Vp^T (u's slice, in the patch order; 0 on a fixed head), R{.} = d/de at theta + e u:
 *   Z   = X Kt + c                   Zd = X Vt + Xd Kt + c_u        Zdd = Xdd Kt + 2 Xd Vt
 *   A   = s(Z),  Ad = s'(Z) Zd,  Add = s''(Z) Zd^2 + s'(Z) Zdd                   (hidden layers)
 * and the loss's part q = <Fd, H Fd> + <g, Fdd> with its seeds (loss_d3.c, every loss). Reverse,
 * with B0, B1, B2 the adjoints of Z, Zd, Zdd:
 *   Kbar = alpha (B0^T X + B1^T Xd + B2^T Xdd)   (patch order; back to theta's at the end)
 *   cbar = column sums of B0
 *   Xbar = alpha (B0 Kp + B1 Vp),  Xdbar = alpha (B1 Kp + 2 B2 Vp),  Xddbar = alpha B2 Kp
 * then col2im (a conv's input) or the pooling's adjoint, and through the activation below:
 *   B0 = s' Abar + s'' Zd Adbar + (s''' Zd^2 + s'' Zdd) Addbar
 *   B1 = s' Adbar + 2 s'' Zd Addbar,   B2 = s' Addbar.
 * The batch goes through each layer in model_cnn.c's blocks of samples (ibp__cnn_blk), the weight
 * sums continuing from block to block in row order. The hidden layers' Z, Zd, Zdd are overwritten
 * by their adjoints once the layer above has used them (samples never mix, so block by block).
 * The workspace is the caller's (ibp__model_d3_doubles), so the model's own stays untouched. */
#include <string.h>
#include "models/models.h"

typedef struct ibp__cd3ws {
    /* every layer i: (nmax pout_i, rows_i); hidden ones also A, Ad, Add. The last layer's Z, Zd,
     * Zdd are F, Fd, Fdd (nmax, k), and its seeds B0, B1, B2 and the loss scratch h (nmax, k). */
    double *Z[IBP__MAX_LAYERS], *Zd[IBP__MAX_LAYERS], *Zdd[IBP__MAX_LAYERS];
    double *A[IBP__MAX_LAYERS], *Ad[IBP__MAX_LAYERS], *Add[IBP__MAX_LAYERS];
    double *P, *Pd, *Pdd;          /* (nmax, C): avg-pooled A, Ad, Add */
    double *B0, *B1, *B2, *h;      /* (nmax, k) */
    double *Kp, *Vp, *Vp2;         /* largest layer (rows, cols): K, V and 2 V in the patch order */
    double *Kt, *Vt, *Vt2;         /* largest layer (cols, rows): alpha Kp^T, alpha Vp^T, 2 alpha Vp^T */
    double *Gw;                    /* largest layer (rows, cols): a permuted conv's weight sums */
    double *X[3];                  /* a block's patch matrices of the input and its two tangents */
    double *E[3];                  /* a block's Xbar, Xdbar, Xddbar (block rows, cols) */
    double *dX[3];                 /* their col2im (block samples, hin win cin) */
    double *sa, *s1, *s2, *s3;     /* a block of the layer below: act, act', act'', act''' */
} ibp__cd3ws;

static int ibp__cd3_plain(const ibp__conv *g) { return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1; }

static size_t ibp__cd3_carve(const ibp__model *m, int nmax, double *base, ibp__cd3ws *w) {
    ibp__arena a = {(char *)base, 0};
    size_t nm = (size_t)nmax, lmax = 0, colmax = 0, emax = 0, dxmax = 0, smax = 0;
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        size_t rc = (size_t)ly->rows * ly->cols, s = nm * (size_t)ibp__cnn_pout(m, i) * ly->rows;
        int hidden = i + 1 < m->nl;
        if (rc > lmax) lmax = rc;
        w->Z[i] = ibp__arena_doubles(&a, s);
        w->Zd[i] = ibp__arena_doubles(&a, s);
        w->Zdd[i] = ibp__arena_doubles(&a, s);
        w->A[i] = ibp__arena_doubles(&a, hidden ? s : 0);
        w->Ad[i] = ibp__arena_doubles(&a, hidden ? s : 0);
        w->Add[i] = ibp__arena_doubles(&a, hidden ? s : 0);
        size_t blk = (size_t)ibp__cnn_blk(m, i);
        if (blk > nm) blk = nm;
        size_t pc = blk * (size_t)ibp__cnn_pout(m, i) * (size_t)ly->cols;
        if (i < m->nconv && !ibp__cd3_plain(&m->cv[i]) && pc > colmax) colmax = pc;
        if (i > 0) {
            if (pc > emax) emax = pc;
            if (i < m->nconv) {
                size_t dx = blk * (size_t)m->cv[i].hin * m->cv[i].win * m->cv[i].cin;
                if (dx > dxmax) dxmax = dx;
            }
            size_t below = blk * (size_t)ibp__cnn_pout(m, i - 1) * m->L[i - 1].rows;
            if (below > smax) smax = below;
        }
    }
    size_t np = m->pool == IBP__POOL_AVG ? nm * (size_t)m->feat : 0, nk = nm * (size_t)m->k;
    w->P = ibp__arena_doubles(&a, np);
    w->Pd = ibp__arena_doubles(&a, np);
    w->Pdd = ibp__arena_doubles(&a, np);
    w->B0 = ibp__arena_doubles(&a, nk);
    w->B1 = ibp__arena_doubles(&a, nk);
    w->B2 = ibp__arena_doubles(&a, nk);
    w->h = ibp__arena_doubles(&a, nk);
    w->Kp = ibp__arena_doubles(&a, lmax);
    w->Vp = ibp__arena_doubles(&a, lmax);
    w->Vp2 = ibp__arena_doubles(&a, lmax);
    w->Kt = ibp__arena_doubles(&a, lmax);
    w->Vt = ibp__arena_doubles(&a, lmax);
    w->Vt2 = ibp__arena_doubles(&a, lmax);
    w->Gw = ibp__arena_doubles(&a, lmax);
    for (int j = 0; j < 3; j++) {
        w->X[j] = ibp__arena_doubles(&a, colmax);
        w->E[j] = ibp__arena_doubles(&a, emax);
        w->dX[j] = ibp__arena_doubles(&a, dxmax);
    }
    w->sa = ibp__arena_doubles(&a, smax);
    w->s1 = ibp__arena_doubles(&a, smax);
    w->s2 = ibp__arena_doubles(&a, smax);
    w->s3 = ibp__arena_doubles(&a, smax);
    return ibp__arena_ndoubles(&a);
}

size_t ibp__cnn_d3_doubles(const ibp__model *m, int nmax) {
    ibp__cd3ws w;
    return ibp__cd3_carve(m, nmax, NULL, &w);
}

/* Input j (0: the values, 1: R{.}, 2: R{R{.}}) of layer i for samples [s0, ...); NULL for the
 * tangents of layer 0, whose input does not depend on theta. */
static const double *ibp__cd3_in(const ibp__model *m, const ibp__cd3ws *w, const double *x, int i, int j, int s0) {
    long per = i < m->nconv ? (long)m->cv[i].hin * m->cv[i].win * m->cv[i].cin : m->L[i].cols;
    const double *base;
    if (i == 0) base = j ? NULL : x;
    else if (i == m->nconv && m->pool == IBP__POOL_AVG) base = j == 0 ? w->P : j == 1 ? w->Pd : w->Pdd;
    else base = j == 0 ? w->A[i - 1] : j == 1 ? w->Ad[i - 1] : w->Add[i - 1];
    return base ? base + (long)s0 * per : NULL;
}

/* The patch matrix of nb samples of layer i's input `in`: itself (dense layers, 1x1 convs) or
 * its im2col in buf. */
static const double *ibp__cd3_patches(const ibp__model *m, int i, const double *in, int nb, double *buf) {
    if (!in || i >= m->nconv || ibp__cd3_plain(&m->cv[i])) return in;
    ibp__cnn_im2col(&m->cv[i], in, nb, buf);
    return buf;
}

/* Kp, Kt of layer i, and when it is trained Vp, Vp2, Vt, Vt2 from u; returns whether V exists */
static int ibp__cd3_weights(const ibp__model *m, const double *theta, const double *u, int i, ibp__cd3ws *w,
                            const double **Kp) {
    const ibp__layer *ly = &m->L[i];
    long rc = (long)ly->rows * ly->cols;
    const double *K = ly->off >= 0 ? theta + ly->off : ly->fixed;
    *Kp = ibp__cnn_tscale(m, i, K, w->Kp, w->Kt);
    if (ly->off < 0) return 0;
    const double *Vp = ibp__cnn_tscale(m, i, u + ly->off, w->Vp, w->Vt);
    for (long j = 0; j < rc; j++) {
        w->Vp2[j] = 2.0 * Vp[j];
        w->Vt2[j] = 2.0 * w->Vt[j];
    }
    if (Vp != w->Vp) memcpy(w->Vp, Vp, sizeof(double) * (size_t)rc);
    return 1;
}

static void ibp__cd3_addrow(double *Z, const double *c, long nrows, int rows) {
    for (long r = 0; r < nrows; r++)
        for (int j = 0; j < rows; j++) Z[r * rows + j] += c[j];
}

/* second-order forward: Z, Zd, Zdd of every layer, A, Ad, Add of the hidden ones */
static void ibp__cd3_fwd(const ibp__model *m, const double *theta, const double *u, const double *x, int n,
                         ibp__cd3ws *w) {
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, bs = ibp__cnn_blk(m, i), last = i + 1 == m->nl;
        long pout = ibp__cnn_pout(m, i);
        const double *Kp;
        int hasv = ibp__cd3_weights(m, theta, u, i, w, &Kp);
        for (int s0 = 0; s0 < n; s0 += bs) {
            int nb = n - s0 < bs ? n - s0 : bs;
            long M = nb * pout, o = (long)s0 * pout * rows, cnt = M * rows;
            const double *X = ibp__cd3_patches(m, i, ibp__cd3_in(m, w, x, i, 0, s0), nb, w->X[0]);
            const double *Xd = ibp__cd3_patches(m, i, ibp__cd3_in(m, w, x, i, 1, s0), nb, w->X[1]);
            const double *Xdd = ibp__cd3_patches(m, i, ibp__cd3_in(m, w, x, i, 2, s0), nb, w->X[2]);
            double *Z = w->Z[i] + o, *Zd = w->Zd[i] + o, *Zdd = w->Zdd[i] + o;
            ibp__gemm_nn((int)M, rows, cols, X, w->Kt, Z, 0);
            if (ly->boff >= 0) ibp__cd3_addrow(Z, theta + ly->boff, M, rows);
            int acc = 0;
            if (hasv) { ibp__gemm_nn((int)M, rows, cols, X, w->Vt, Zd, 0); acc = 1; }
            if (Xd) { ibp__gemm_nn((int)M, rows, cols, Xd, w->Kt, Zd, acc); acc = 1; }
            if (!acc) memset(Zd, 0, sizeof(double) * (size_t)cnt);
            if (ly->boff >= 0) ibp__cd3_addrow(Zd, u + ly->boff, M, rows);
            if (Xdd) {
                ibp__gemm_nn((int)M, rows, cols, Xdd, w->Kt, Zdd, 0);
                if (hasv) ibp__gemm_nn((int)M, rows, cols, Xd, w->Vt2, Zdd, 1);
            } else {
                memset(Zdd, 0, sizeof(double) * (size_t)cnt);
            }
            if (last) continue;
            /* A = s(Z); Ad = s' Zd; Add = s'' Zd^2 + s' Zdd (s', s'' first held in Ad, Add) */
            double *A = w->A[i] + o, *Ad = w->Ad[i] + o, *Add = w->Add[i] + o;
            ibp__act_derivs(m->act, m->act_param, Z, A, Ad, Add, cnt);
            for (long j = 0; j < cnt; j++) {
                double zd = Zd[j];
                Add[j] = Add[j] * (zd * zd) + Ad[j] * Zdd[j];
                Ad[j] = Ad[j] * zd;
            }
        }
        if (i == m->nconv - 1 && m->pool == IBP__POOL_AVG) {
            ibp__cnn_pool(m, w->A[i], n, w->P);
            ibp__cnn_pool(m, w->Ad[i], n, w->Pd);
            ibp__cnn_pool(m, w->Add[i], n, w->Pdd);
        }
    }
}

/* The adjoints of layer i-1's A, Ad, Add for block [s0, s0 + nb) (dX[0..3): (nb, per-sample
 * input of layer i)) into the adjoints of its Z, Zd, Zdd, in place of those. */
static void ibp__cd3_down(const ibp__model *m, ibp__cd3ws *w, int i, int s0, int nb, const double *const *dX) {
    const ibp__layer *lo = &m->L[i - 1];
    long pin = ibp__cnn_pout(m, i - 1), o = (long)s0 * pin * lo->rows, cnt = (long)nb * pin * lo->rows;
    double *Z = w->Z[i - 1] + o, *Zd = w->Zd[i - 1] + o, *Zdd = w->Zdd[i - 1] + o;
    int avg = i == m->nconv && m->pool == IBP__POOL_AVG, C = lo->rows;
    double inv = avg ? 1.0 / (double)pin : 1.0;
    ibp__act_derivs(m->act, m->act_param, Z, w->sa, w->s1, w->s2, cnt);
    ibp__act_d3(m->act, m->act_param, Z, w->s3, cnt);
    for (long j = 0; j < cnt; j++) {
        long e = avg ? (j / ((long)pin * C)) * C + j % C : j; /* avg: every position gets dP / pout */
        double ab = dX[0][e] * inv, adb = dX[1][e] * inv, addb = dX[2][e] * inv;
        double s1 = w->s1[j], s2 = w->s2[j], s3 = w->s3[j], zd = Zd[j], zdd = Zdd[j];
        Z[j] = s1 * ab + s2 * zd * adb + (s3 * (zd * zd) + s2 * zdd) * addb;
        Zd[j] = s1 * adb + 2.0 * s2 * zd * addb;
        Zdd[j] = s1 * addb;
    }
}

double ibp__cnn_d3(const ibp__model *m, const double *theta, const ibp__batch *b, const double *u, double *out,
                   double *ws) {
    ibp__cd3ws w;
    int n = b->n, k = m->k, L = m->nl - 1;
    const double *x = b->x;
    ibp__cd3_carve(m, n, ws, &w);
    ibp__cd3_fwd(m, theta, u, x, n, &w);
    double q = ibp__loss_d3_seeds(m->loss, w.Z[L], b->y, w.Zd[L], w.Zdd[L], n, k, w.B0, w.B1, w.B2, w.h);
    for (int i = L; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols, bs = ibp__cnn_blk(m, i);
        long pout = ibp__cnn_pout(m, i);
        int perm = i < m->nconv && ibp__cnn_permuted(&m->cv[i]);
        const double *Kp;
        int hasv = ibp__cd3_weights(m, theta, u, i, &w, &Kp);
        const double *B0 = i == L ? w.B0 : w.Z[i], *B1 = i == L ? w.B1 : w.Zd[i], *B2 = i == L ? w.B2 : w.Zdd[i];
        double *gw = ly->off < 0 ? NULL : perm ? w.Gw : out + ly->off;
        for (int s0 = 0; s0 < n; s0 += bs) {
            int nb = n - s0 < bs ? n - s0 : bs;
            long M = nb * pout, o = (long)s0 * pout * rows;
            if (gw) {
                const double *X = ibp__cd3_patches(m, i, ibp__cd3_in(m, &w, x, i, 0, s0), nb, w.X[0]);
                ibp__gemm_tn(rows, cols, (int)M, B0 + o, X, gw, s0 > 0);
                if (i > 0) {
                    const double *Xd = ibp__cd3_patches(m, i, ibp__cd3_in(m, &w, x, i, 1, s0), nb, w.X[1]);
                    const double *Xdd = ibp__cd3_patches(m, i, ibp__cd3_in(m, &w, x, i, 2, s0), nb, w.X[2]);
                    ibp__gemm_tn(rows, cols, (int)M, B1 + o, Xd, gw, 1);
                    ibp__gemm_tn(rows, cols, (int)M, B2 + o, Xdd, gw, 1);
                }
                if (ly->boff >= 0) {
                    double *cb = out + ly->boff;
                    if (s0 == 0)
                        for (int j = 0; j < rows; j++) cb[j] = 0.0;
                    for (long r = 0; r < M; r++)
                        for (int j = 0; j < rows; j++) cb[j] += B0[o + r * rows + j];
                }
            }
            if (i == 0) continue;
            long ec = M * cols;
            ibp__gemm_nn((int)M, cols, rows, B0 + o, Kp, w.E[0], 0);
            ibp__gemm_nn((int)M, cols, rows, B1 + o, Kp, w.E[1], 0);
            ibp__gemm_nn((int)M, cols, rows, B2 + o, Kp, w.E[2], 0);
            if (hasv) {
                ibp__gemm_nn((int)M, cols, rows, B1 + o, w.Vp, w.E[0], 1);
                ibp__gemm_nn((int)M, cols, rows, B2 + o, w.Vp2, w.E[1], 1);
            }
            const double *dX[3];
            for (int j = 0; j < 3; j++) {
                if (ly->alpha != 1.0) ibp__scale(ec, ly->alpha, w.E[j]);
                dX[j] = w.E[j];
                if (i < m->nconv) {
                    ibp__cnn_col2im(&m->cv[i], w.E[j], nb, w.dX[j]);
                    dX[j] = w.dX[j];
                }
            }
            ibp__cd3_down(m, &w, i, s0, nb, dX);
        }
        if (gw) {
            if (perm) ibp__cnn_kunperm(&m->cv[i], rows, w.Gw, ly->alpha, out + ly->off);
            else if (ly->alpha != 1.0) ibp__scale((long)rows * cols, ly->alpha, out + ly->off);
        }
    }
    return q;
}
