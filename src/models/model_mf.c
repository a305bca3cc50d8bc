/* model_mf.c -- matrix factorization L = s/2 ||X Y^T - A||_F^2, s = 1 (loss=mse_half) or
 * s = 2 (loss=mse), A = m->A (rows, cols), X = L[0] (rows, r), Y = L[1] (cols, r); theta = (X, Y).
 *
 * With the residual R = X Y^T - A (rows, cols):
 *   dL/dX = s R Y,   dL/dY = s R^T X
 * and along a direction V = (VX, VY), with R{R} = VX Y^T + X VY^T (the Jacobian J applied to V):
 *   H V  = s (R{R} Y + R VY,  R{R}^T X + R^T VX)     exact Hessian-vector product
 *   GN V = s (R{R} Y,         R{R}^T X)              = J^T (s I) J V
 * The loss is a sum over entries (no 1/n), so the loss curvature in R is the constant s.
 */
#include "models/models.h"

typedef struct ibp__mfws {
    double *R, *RR;    /* (rows, cols) */
    double *Yt, *VYt;  /* (r, cols) */
} ibp__mfws;

/* Carve (or, with base == NULL, just measure) the workspace; returns the doubles it spans. */
static size_t ibp__mf_carve(const ibp__model *m, double *base, ibp__mfws *w) {
    ibp__arena a = {(char *)base, 0};
    size_t rc = (size_t)m->mf_rows * m->mf_cols, kc = (size_t)m->mf_r * m->mf_cols;
    w->R = ibp__arena_doubles(&a, rc);
    w->RR = ibp__arena_doubles(&a, rc);
    w->Yt = ibp__arena_doubles(&a, kc);
    w->VYt = ibp__arena_doubles(&a, kc);
    return ibp__arena_ndoubles(&a);
}

size_t ibp__mf_ws_doubles(const ibp__model *m, int nmax) {
    (void)nmax; /* the loss is over the whole matrix: no batches */
    ibp__mfws w;
    return ibp__mf_carve(m, NULL, &w);
}

static ibp__mfws ibp__mf_ws(const ibp__model *m) {
    ibp__mfws w;
    ibp__mf_carve(m, m->ws, &w);
    return w;
}

static double ibp__mf_s(const ibp__model *m) { return m->loss == IBP__LOSS_MSE ? 2.0 : 1.0; }

/* R = X Y^T - A; leaves Y^T in w->Yt. */
static void ibp__mf_resid(const ibp__model *m, const double *theta, ibp__mfws *w) {
    int rows = m->mf_rows, cols = m->mf_cols, r = m->mf_r;
    const double *X = theta + m->L[0].off, *Y = theta + m->L[1].off;
    ibp__transpose(cols, r, Y, w->Yt);
    ibp__gemm_nn(rows, cols, r, X, w->Yt, w->R, 0);
    long rc = (long)rows * cols;
    for (long j = 0; j < rc; j++) w->R[j] = w->R[j] - m->A[j];
}

/* RR = VX Y^T + X VY^T (needs w->Yt). */
static void ibp__mf_jv(const ibp__model *m, const double *theta, const double *v, ibp__mfws *w) {
    int rows = m->mf_rows, cols = m->mf_cols, r = m->mf_r;
    const double *X = theta + m->L[0].off;
    ibp__transpose(cols, r, v + m->L[1].off, w->VYt);
    ibp__gemm_nn(rows, cols, r, v + m->L[0].off, w->Yt, w->RR, 0);
    ibp__gemm_nn(rows, cols, r, X, w->VYt, w->RR, 1);
}

/* out = s (U Y, U^T X) for U (rows, cols), overwriting out. */
static void ibp__mf_jt(const ibp__model *m, const double *theta, const double *U, double *out) {
    int rows = m->mf_rows, cols = m->mf_cols, r = m->mf_r;
    const double *X = theta + m->L[0].off, *Y = theta + m->L[1].off;
    ibp__gemm_nn(rows, r, cols, U, Y, out + m->L[0].off, 0);
    ibp__gemm_tn(cols, r, rows, U, X, out + m->L[1].off, 0);
}

double ibp__mf_loss_grad(ibp__model *m, const double *theta, double *grad) {
    ibp__mfws w = ibp__mf_ws(m);
    double s = ibp__mf_s(m);
    ibp__mf_resid(m, theta, &w);
    double loss = 0.5 * s * ibp__sumsq(w.R, (long)m->mf_rows * m->mf_cols);
    if (grad) {
        ibp__mf_jt(m, theta, w.R, grad);
        if (s != 1.0) ibp__scale(m->P, s, grad);
    }
    return loss;
}

void ibp__mf_hvp(ibp__model *m, const double *theta, const double *v, double *hv) {
    ibp__mfws w = ibp__mf_ws(m);
    int rows = m->mf_rows, cols = m->mf_cols, r = m->mf_r;
    double s = ibp__mf_s(m);
    ibp__mf_resid(m, theta, &w);
    ibp__mf_jv(m, theta, v, &w);
    ibp__mf_jt(m, theta, w.RR, hv);
    /* the residual's own curvature: d(R Y)/dY . VY and d(R^T X)/dX . VX */
    ibp__gemm_nn(rows, r, cols, w.R, v + m->L[1].off, hv + m->L[0].off, 1);
    ibp__gemm_tn(cols, r, rows, w.R, v + m->L[0].off, hv + m->L[1].off, 1);
    if (s != 1.0) ibp__scale(m->P, s, hv);
}

void ibp__mf_gnvp(ibp__model *m, const double *theta, const double *v, double *out) {
    ibp__mfws w = ibp__mf_ws(m);
    double s = ibp__mf_s(m);
    /* only Y^T is needed from the residual pass: the GN product does not depend on A */
    ibp__transpose(m->mf_cols, m->mf_r, theta + m->L[1].off, w.Yt);
    ibp__mf_jv(m, theta, v, &w);
    ibp__mf_jt(m, theta, w.RR, out);
    if (s != 1.0) ibp__scale(m->P, s, out);
}
