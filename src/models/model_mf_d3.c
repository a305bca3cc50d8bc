/* model_mf_d3.c -- the third derivative of matrix factorization L = s/2 ||X Y^T - A||_F^2
 * (model_mf.c's conventions): D3L[u, u, .] = grad (u^T H u), u = (UX, UY), in closed form.
 * Along theta + e u the residual is R + e M + e^2 UX UY^T with M = UX Y^T + X UY^T, so
 *   q = u^T H u = s (||M||^2 + 2 <R, UX UY^T>)
 *   dq/dX = 2 s (M UY + UX (UY^T Y)),   dq/dY = 2 s (M^T UX + UY (UX^T X)).
 * (This is the R-operator of the HVP written out: mf's HVP is already a closed form.) */
#include "models/models.h"

size_t ibp__mf_d3_doubles(const ibp__model *m) {
    size_t rc = (size_t)m->mf_rows * m->mf_cols, r = (size_t)m->mf_r;
    return 3 * rc + 2 * r * (size_t)m->mf_cols + r * r;
}

double ibp__mf_d3(const ibp__model *m, const double *theta, const double *u, double *out, double *ws) {
    int rows = m->mf_rows, cols = m->mf_cols, r = m->mf_r;
    long rc = (long)rows * cols;
    double s = m->loss == IBP__LOSS_MSE ? 2.0 : 1.0;
    const double *X = theta + m->L[0].off, *Y = theta + m->L[1].off;
    const double *UX = u + m->L[0].off, *UY = u + m->L[1].off;
    double *R = ws, *M = ws + rc, *P = ws + 2 * rc, *Yt = ws + 3 * rc, *UYt = Yt + (size_t)r * cols,
           *G = UYt + (size_t)r * cols;
    ibp__transpose(cols, r, Y, Yt);
    ibp__transpose(cols, r, UY, UYt);
    ibp__gemm_nn(rows, cols, r, X, Yt, R, 0);
    for (long j = 0; j < rc; j++) R[j] -= m->A[j];
    ibp__gemm_nn(rows, cols, r, UX, Yt, M, 0);
    ibp__gemm_nn(rows, cols, r, X, UYt, M, 1);
    ibp__gemm_nn(rows, cols, r, UX, UYt, P, 0);
    double q = s * (ibp__sumsq(M, rc) + 2.0 * ibp__dot(R, P, rc));
    double *oX = out + m->L[0].off, *oY = out + m->L[1].off;
    /* X part: M UY + UX (UY^T Y) */
    ibp__gemm_nn(rows, r, cols, M, UY, oX, 0);
    ibp__gemm_tn(r, r, cols, UY, Y, G, 0);
    ibp__gemm_nn(rows, r, r, UX, G, oX, 1);
    /* Y part: M^T UX + UY (UX^T X) */
    ibp__gemm_tn(cols, r, rows, M, UX, oY, 0);
    ibp__gemm_tn(r, r, rows, UX, X, G, 0);
    ibp__gemm_nn(cols, r, r, UY, G, oY, 1);
    ibp__scale(m->P, 2.0 * s, out);
    return q;
}

/* Dispatch (the layered nets are in model_net_d3.c, convolutional ones in model_cnn_d3.c; every
 * loss's part in loss_d3.c). */
size_t ibp__model_d3_doubles(const ibp__model *m, int nmax) {
    if (m->kind == IBP__MODEL_MF) return ibp__mf_d3_doubles(m);
    return m->kind == IBP__MODEL_CNN ? ibp__cnn_d3_doubles(m, nmax) : ibp__net_d3_doubles(m, nmax);
}

double ibp__model_d3(const ibp__model *m, const double *theta, const ibp__batch *b, const double *u,
                     double *out, double *ws) {
    if (m->kind == IBP__MODEL_MF) return ibp__mf_d3(m, theta, u, out, ws);
    IBP_CHECK(b && b->n <= m->nmax);
    if (m->kind == IBP__MODEL_CNN) return ibp__cnn_d3(m, theta, b, u, out, ws);
    return ibp__net_d3(m, theta, b, u, out, ws);
}
