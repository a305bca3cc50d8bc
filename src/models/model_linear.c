/* model_linear.c -- deep linear networks f(x) = alpha_nl W_nl ... alpha_1 W_1 x (no biases, the
 * last layer possibly a fixed head), exploiting the linear structure.
 *
 * A linear net is a function of its end-to-end map only, so nothing here pushes the batch
 * through the layers. With c = prod_h alpha_h and layers indexed i = 0..nl-1 (layer i is the
 * math layer h = i + 1, W_i (rows_i, cols_i)):
 *   T_i = W_{nl-1} ... W_i          (k, cols_i)   "everything from layer i up", T_nl = I_k
 *   E   = c T_0                     (k, d)        end-to-end map
 *   F   = X E^T                     (n, k)        outputs
 *   G   = dL/dF                     (n, k)
 *   M   = G^T X                     (k, d)        dL/dE
 *   Q_0 = M,  Q_{i+1} = Q_i W_i^T   (k, rows_i)   = M (W_i ... W_0)^T
 *   dL/dW_i = c T_{i+1}^T Q_i       (rows_i, cols_i), a sum of k outer products
 * Every intermediate has k rows, so the cost is O(nl k width^2 + n k d) instead of the
 * O(n nl width^2) of a forward/backward pass: for one output it is a few matrix-vector products.
 *
 * Hessian-vector product: the directional derivative of the gradient formula along V = (V_i),
 * V = 0 on a fixed head (R{.} is d/dt at theta + t V):
 *   dT_i = dT_{i+1} W_i + T_{i+1} V_i             (dT_{nl-1} = V_{nl-1})
 *   R{E} = c dT_0,  R{F} = X R{E}^T,  R{G} = (d2L/dF2) R{F} (ibp__loss_hmul),
 *   R{M} = R{G}^T X
 *   S_0 = R{M},  S_{i+1} = S_i W_i^T + Q_i V_i^T  (= R{Q_{i+1}})
 *   H V |_i = c (T_{i+1}^T S_i + dT_{i+1}^T Q_i)
 * Gauss-Newton product: the same with the M-terms dropped: c T_{i+1}^T Q'_i with Q'_0 = R{M}.
 *
 * The products use the kernels' fixed summation order (gemv and gemm accumulate each element
 * over the inner index sequentially from zero), so the shape-dependent choice between them does
 * not change a bit.
 */
#include "models/models.h"

/* Weights of layer i: a view into theta, or the fixed head. */
static const double *ibp__lin_w(const ibp__model *m, const double *theta, int i) {
    const ibp__layer *ly = &m->L[i];
    return ly->off >= 0 ? theta + ly->off : ly->fixed;
}

/* Direction restricted to layer i; NULL (zero) on a fixed head. */
static const double *ibp__lin_v(const ibp__model *m, const double *v, int i) {
    const ibp__layer *ly = &m->L[i];
    return ly->off >= 0 ? v + ly->off : NULL;
}

static int ibp__lin_wmax(const ibp__model *m) {
    int w = m->d;
    for (int i = 0; i < m->nl; i++)
        if (m->L[i].rows > w) w = m->L[i].rows;
    return w;
}

/* Doubles for the stored chain T_0 .. T_{nl-2} (T_{nl-1} is the last layer's weights). */
static size_t ibp__lin_chain_doubles(const ibp__model *m) {
    size_t s = 0;
    for (int i = 0; i + 1 < m->nl; i++) s += (size_t)m->L[i].cols;
    return s * (size_t)m->k;
}

/* The workspace carved into named slices (ibp__lin_carve). */
typedef struct ibp__linws {
    double *T, *dT;            /* chains, ibp__lin_chain_doubles each */
    double *E, *RE, *Et;       /* (k, d) each; Et holds a transposed (d, k) */
    double *M, *RM;            /* (k, d) */
    double *F, *G, *C, *RF;    /* (n, k) each */
    double *Q, *Qn, *S, *Sn;   /* (k, wmax) each */
} ibp__linws;

/* Carve (or, with base == NULL, just measure) the workspace for batches up to nmax; returns
 * the doubles it spans. */
static size_t ibp__lin_carve(const ibp__model *m, int nmax, double *base, ibp__linws *w) {
    ibp__arena a = {(char *)base, 0};
    size_t nt = ibp__lin_chain_doubles(m), kd = (size_t)m->k * m->d;
    size_t nk = (size_t)nmax * m->k, kw = (size_t)m->k * ibp__lin_wmax(m);
    w->T = ibp__arena_doubles(&a, nt);
    w->dT = ibp__arena_doubles(&a, nt);
    w->E = ibp__arena_doubles(&a, kd);
    w->RE = ibp__arena_doubles(&a, kd);
    w->Et = ibp__arena_doubles(&a, kd);
    w->M = ibp__arena_doubles(&a, kd);
    w->RM = ibp__arena_doubles(&a, kd);
    w->F = ibp__arena_doubles(&a, nk);
    w->G = ibp__arena_doubles(&a, nk);
    w->C = ibp__arena_doubles(&a, nk);
    w->RF = ibp__arena_doubles(&a, nk);
    w->Q = ibp__arena_doubles(&a, kw);
    w->Qn = ibp__arena_doubles(&a, kw);
    w->S = ibp__arena_doubles(&a, kw);
    w->Sn = ibp__arena_doubles(&a, kw);
    return ibp__arena_ndoubles(&a);
}

size_t ibp__linear_ws_doubles(const ibp__model *m, int nmax) {
    ibp__linws w;
    return ibp__lin_carve(m, nmax, NULL, &w);
}

static ibp__linws ibp__lin_ws(const ibp__model *m) {
    ibp__linws w;
    ibp__lin_carve(m, m->nmax, m->ws, &w);
    return w;
}

static double ibp__lin_alpha(const ibp__model *m) {
    double c = 1.0;
    for (int i = 0; i < m->nl; i++) c *= m->L[i].alpha;
    return c;
}

/* The chain T_i (and dT_i along v when v != NULL), from the output side down: pointers to
 * each (k, cols_i) block; dT[i] == NULL means zero. */
static void ibp__lin_chain(const ibp__model *m, const double *theta /* (P,) */,
                           const double *v /* (P,) or NULL */, const ibp__linws *w,
                           const double **T /* [nl] */, const double **dT /* [nl] */) {
    int nl = m->nl, k = m->k;
    T[nl - 1] = ibp__lin_w(m, theta, nl - 1);
    dT[nl - 1] = v ? ibp__lin_v(m, v, nl - 1) : NULL;
    size_t off = 0;
    for (int i = 0; i + 1 < nl; i++) off += (size_t)k * m->L[i].cols;
    for (int i = nl - 2; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        off -= (size_t)k * ly->cols;
        double *Ti = w->T + off;
        const double *Wi = theta + ly->off;
        ibp__gemm_nn(k, ly->cols, ly->rows, T[i + 1], Wi, Ti, 0);
        T[i] = Ti;
        if (v) {
            double *dTi = w->dT + off;
            /* layers below the top are always trained, so V_i exists */
            ibp__gemm_nn(k, ly->cols, ly->rows, T[i + 1], v + ly->off, dTi, 0);
            if (dT[i + 1]) ibp__gemm_nn(k, ly->cols, ly->rows, dT[i + 1], Wi, dTi, 1);
            dT[i] = dTi;
        } else {
            dT[i] = NULL;
        }
    }
}

/* E = c T0 (k, d) and F = X E^T (n, k). */
static void ibp__lin_outputs(const ibp__model *m, double c, const double *T0 /* (k, d) */,
                             double *E /* (k, d) */, double *Et /* (d, k) scratch */,
                             const double *x /* (n, d) */, int n, double *F /* (n, k) */) {
    int k = m->k, d = m->d;
    for (long j = 0; j < (long)k * d; j++) E[j] = c * T0[j];
    if (k == 1) {
        ibp__gemv_n(n, d, x, E, F, 0);
    } else {
        ibp__transpose(k, d, E, Et);
        ibp__gemm_nn(n, k, d, x, Et, F, 0);
    }
}

/* Y = Z W^T for Z (k, cols) and W (rows, cols): Y (k, rows); acc adds into Y. */
static void ibp__lin_right_t(int k, int rows, int cols, const double *Z /* (k, cols) */,
                             const double *W /* (rows, cols) */, double *Y /* (k, rows) */, int acc) {
    for (int j = 0; j < k; j++) ibp__gemv_n(rows, cols, W, Z + (long)j * cols, Y + (long)j * rows, acc);
}

/* The bottom-up pass shared by the gradient, the HVP and the GN product:
 *   out_i = c (T_{i+1}^T S_i + dT_{i+1}^T Q_i)     for every trained layer i,
 * with Q_0 = Q0, S_0 = S0 and Q_{i+1} = Q_i W_i^T, S_{i+1} = S_i W_i^T + Q_i V_i^T.
 * Q0 == NULL drops the Q-terms (gradient and GN product: out_i = c T_{i+1}^T S_i). */
static void ibp__lin_up(const ibp__model *m, const double *theta /* (P,) */,
                        const double *v /* (P,) or NULL */, double c, const double **T,
                        const double **dT, const double *Q0 /* (k, d) or NULL */,
                        const double *S0 /* (k, d) */, ibp__linws *w, double *out /* (P,) */) {
    int nl = m->nl, k = m->k;
    double *Q = w->Q, *Qn = w->Qn, *S = w->S, *Sn = w->Sn;
    long kd = (long)k * m->d;
    for (long j = 0; j < kd; j++) S[j] = S0[j];
    if (Q0)
        for (long j = 0; j < kd; j++) Q[j] = Q0[j];
    for (int i = 0; i < nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols;
        if (ly->off >= 0) {
            double *o = out + ly->off;
            long rc = (long)rows * cols;
            if (i == nl - 1) { /* T_nl = I_k, dT_nl = 0 */
                for (long j = 0; j < rc; j++) o[j] = c * S[j];
            } else {
                ibp__gemm_tn(rows, cols, k, T[i + 1], S, o, 0);
                if (Q0 && dT[i + 1]) ibp__gemm_tn(rows, cols, k, dT[i + 1], Q, o, 1);
                ibp__scale(rc, c, o);
            }
        }
        if (i == nl - 1) break;
        const double *Wi = theta + ly->off;
        ibp__lin_right_t(k, rows, cols, S, Wi, Sn, 0);
        if (Q0) {
            ibp__lin_right_t(k, rows, cols, Q, v + ly->off, Sn, 1);
            ibp__lin_right_t(k, rows, cols, Q, Wi, Qn, 0);
            double *t = Q; Q = Qn; Qn = t;
        }
        double *t = S; S = Sn; Sn = t;
    }
}

void ibp__linear_forward(ibp__model *m, const double *theta, const double *x, int n, double *f) {
    ibp__linws w = ibp__lin_ws(m);
    const double *T[IBP__MAX_LAYERS], *dT[IBP__MAX_LAYERS];
    ibp__lin_chain(m, theta, NULL, &w, T, dT);
    ibp__lin_outputs(m, ibp__lin_alpha(m), T[0], w.E, w.Et, x, n, f);
}

double ibp__linear_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b,
                             double *grad) {
    IBP_CHECK(b->n <= m->nmax);
    ibp__linws w = ibp__lin_ws(m);
    const double *T[IBP__MAX_LAYERS], *dT[IBP__MAX_LAYERS];
    double c = ibp__lin_alpha(m);
    int n = b->n, k = m->k, d = m->d;
    ibp__lin_chain(m, theta, NULL, &w, T, dT);
    ibp__lin_outputs(m, c, T[0], w.E, w.Et, b->x, n, w.F);
    double loss = ibp__loss(m->loss, w.F, b->y, n, k, grad ? w.G : NULL);
    if (!grad) return loss;
    ibp__gemm_tn(k, d, n, w.G, b->x, w.M, 0);
    ibp__lin_up(m, theta, NULL, c, T, dT, NULL, w.M, &w, grad);
    return loss;
}

void ibp__linear_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                     double *hv) {
    IBP_CHECK(b->n <= m->nmax);
    ibp__linws w = ibp__lin_ws(m);
    const double *T[IBP__MAX_LAYERS], *dT[IBP__MAX_LAYERS];
    double c = ibp__lin_alpha(m);
    int n = b->n, k = m->k, d = m->d;
    ibp__lin_chain(m, theta, v, &w, T, dT);
    ibp__lin_outputs(m, c, T[0], w.E, w.Et, b->x, n, w.F);
    /* dT[0] is never NULL: layer 0 is trained unless the net is only a fixed head (P = 0) */
    ibp__lin_outputs(m, c, dT[0], w.RE, w.Et, b->x, n, w.RF);
    ibp__loss(m->loss, w.F, b->y, n, k, w.G);
    ibp__loss_curv(m->loss, w.F, b->y, n, k, w.C);
    ibp__loss_hmul(m->loss, w.C, n, k, w.RF, w.RF);
    ibp__gemm_tn(k, d, n, w.G, b->x, w.M, 0);
    ibp__gemm_tn(k, d, n, w.RF, b->x, w.RM, 0);
    ibp__lin_up(m, theta, v, c, T, dT, w.M, w.RM, &w, hv);
}

void ibp__linear_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                      double *out, int ntk) {
    IBP_CHECK(b->n <= m->nmax);
    ibp__linws w = ibp__lin_ws(m);
    const double *T[IBP__MAX_LAYERS], *dT[IBP__MAX_LAYERS];
    double c = ibp__lin_alpha(m);
    int n = b->n, k = m->k, d = m->d;
    long nk = (long)n * k;
    ibp__lin_chain(m, theta, v, &w, T, dT);
    ibp__lin_outputs(m, c, dT[0], w.RE, w.Et, b->x, n, w.RF);
    if (ntk) {
        double inv = 1.0 / (double)n; /* the NTK Theta/n: unit loss curvature per sample */
        for (long j = 0; j < nk; j++) w.RF[j] = inv * w.RF[j];
    } else {
        ibp__lin_outputs(m, c, T[0], w.E, w.Et, b->x, n, w.F);
        ibp__loss_curv(m->loss, w.F, b->y, n, k, w.C);
        ibp__loss_hmul(m->loss, w.C, n, k, w.RF, w.RF);
    }
    ibp__gemm_tn(k, d, n, w.RF, b->x, w.RM, 0);
    ibp__lin_up(m, theta, NULL, c, T, dT, NULL, w.RM, &w, out);
}
