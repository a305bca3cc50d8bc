/* model_net_d3.c -- the third derivative of the loss of a layered net (model=mlp and
 * model=linear: the same layer table, linear nets being act = identity without biases):
 *   D3L[u, u, .] = grad_theta (u^T H(theta) u),
 * the gradient of the curvature along u, so for a unit top eigenvector u it is grad S (the
 * central flow's and Edge Flow's dS/dtheta).
 *
 * Method: an R-operator pass through the HVP, i.e. reverse mode over the second-order forward
 * (Pearlmutter's R{.} applied twice along u). With R{.} = d/de at theta + e u and layer i:
 *   Z   = alpha A W^T + b                Zd  = alpha (A U^T + Ad W^T) + ub
 *   Zdd = alpha (2 Ad U^T + Add W^T)     (U, ub: u's slices; 0 on a fixed head)
 *   A'  = s(Z),  Ad' = s'(Z) Zd,  Add' = s''(Z) Zd^2 + s'(Z) Zdd        (hidden layers)
 * and for the loss l(f) (mean over samples, l', l'', l''' as in loss.c, 1/n included):
 *   q = u^T H u = sum l''(f) fd^2 + l'(f) fdd.
 * The reverse pass of this computation gives grad q exactly (up to rounding):
 *   seeds  Zbar = l''' fd^2 + l'' fdd,  Zdbar = 2 l'' fd,  Zddbar = l'
 *   (loss_d3.c; for ce, l'' and l''' are the softmax's block-diagonal tensors)
 *   Wbar  = alpha (Zbar^T A + Zdbar^T Ad + Zddbar^T Add),   bbar = column sums of Zbar
 *   Abar  = alpha (Zbar W + Zdbar U),  Adbar = alpha (Zdbar W + 2 Zddbar U),  Addbar = alpha Zddbar W
 *   Zbar  = s' Abar + s'' Zd Adbar + (s''' Zd^2 + s'' Zdd) Addbar
 *   Zdbar = s' Adbar + 2 s'' Zd Addbar,   Zddbar = s' Addbar          (layer below)
 * The cost is about three forward/backward passes. Products use the kernels' fixed order. */
#include "models/models.h"

/* act''' elementwise (act.c has the first two derivatives; the third is only needed here).
 *   tanh: -2 (1 - t^2)(1 - 3 t^2);  softplus(beta): beta^2 s (1 - s)(1 - 2 s), s = sigmoid(beta z);
 *   leaky_softplus(c): (1 - c) s (1 - s)(1 - 2 s);  gelu: phi(z) (z^3 - 4 z);
 *   identity, relu, leaky_relu: 0 (piecewise linear). */
void ibp__act_d3(int act, double prm, const double *z, double *d3, long n) {
    for (long i = 0; i < n; i++) {
        double x = z[i], v = 0;
        switch (act) {
        case IBP__ACT_TANH: {
            double t = ibp__tanh(x), t2 = t * t;
            v = -2.0 * (1.0 - t2) * (1.0 - 3.0 * t2);
            break;
        }
        case IBP__ACT_SOFTPLUS: {
            double s = ibp__sigmoid(prm * x);
            v = prm * prm * (s * (1.0 - s) * (1.0 - 2.0 * s));
            break;
        }
        case IBP__ACT_LEAKY_SOFTPLUS: {
            double s = ibp__sigmoid(x);
            v = (1.0 - prm) * (s * (1.0 - s) * (1.0 - 2.0 * s));
            break;
        }
        case IBP__ACT_GELU: {
            double phi = ibp__exp(-0.5 * x * x) * 0.39894228040143267794; /* 1/sqrt(2 pi) */
            v = phi * (x * x * x - 4.0 * x);
            break;
        }
        default: v = 0; break;
        }
        d3[i] = v;
    }
}

/* Largest layer width (inputs included). */
static int ibp__net_wmax(const ibp__model *m) {
    int w = m->d;
    for (int i = 0; i < m->nl; i++) {
        if (m->L[i].rows > w) w = m->L[i].rows;
        if (m->L[i].cols > w) w = m->L[i].cols;
    }
    return w;
}

typedef struct ibp__d3ws {
    double *Z[IBP__MAX_LAYERS], *Zd[IBP__MAX_LAYERS], *Zdd[IBP__MAX_LAYERS]; /* (n, rows_i) */
    double *A[IBP__MAX_LAYERS], *Ad[IBP__MAX_LAYERS], *Add[IBP__MAX_LAYERS]; /* (n, rows_i), hidden */
    double *zero;                      /* (n, d): the input's tangents */
    double *Wt, *Ut;                   /* (cols, rows) of the largest layer */
    double *B0, *B1, *B2;              /* (n, wmax): adjoints of Z, Zd, Zdd */
    double *C0, *C1, *C2;              /* (n, wmax): adjoints of A, Ad, Add */
    double *s1, *s2, *s3;              /* (n, wmax): act derivatives */
} ibp__d3ws;

static size_t ibp__d3_carve(const ibp__model *m, int n, double *base, ibp__d3ws *w) {
    ibp__arena a = {(char *)base, 0};
    int wm = ibp__net_wmax(m);
    size_t big = 0;
    for (int i = 0; i < m->nl; i++) {
        size_t s = (size_t)n * m->L[i].rows;
        w->Z[i] = ibp__arena_doubles(&a, s);
        w->Zd[i] = ibp__arena_doubles(&a, s);
        w->Zdd[i] = ibp__arena_doubles(&a, s);
        int hidden = i + 1 < m->nl;
        w->A[i] = ibp__arena_doubles(&a, hidden ? s : 0);
        w->Ad[i] = ibp__arena_doubles(&a, hidden ? s : 0);
        w->Add[i] = ibp__arena_doubles(&a, hidden ? s : 0);
        size_t wc = (size_t)m->L[i].rows * m->L[i].cols;
        if (wc > big) big = wc;
    }
    w->zero = ibp__arena_doubles(&a, (size_t)n * m->d);
    w->Wt = ibp__arena_doubles(&a, big);
    w->Ut = ibp__arena_doubles(&a, big);
    size_t nw = (size_t)n * wm;
    w->B0 = ibp__arena_doubles(&a, nw); w->B1 = ibp__arena_doubles(&a, nw); w->B2 = ibp__arena_doubles(&a, nw);
    w->C0 = ibp__arena_doubles(&a, nw); w->C1 = ibp__arena_doubles(&a, nw); w->C2 = ibp__arena_doubles(&a, nw);
    w->s1 = ibp__arena_doubles(&a, nw); w->s2 = ibp__arena_doubles(&a, nw); w->s3 = ibp__arena_doubles(&a, nw);
    return ibp__arena_ndoubles(&a);
}

size_t ibp__net_d3_doubles(const ibp__model *m, int nmax) {
    ibp__d3ws w;
    return ibp__d3_carve(m, nmax, NULL, &w);
}

static void ibp__addrow(double *Z, const double *b, int n, int rows) {
    for (int s = 0; s < n; s++)
        for (int j = 0; j < rows; j++) Z[(long)s * rows + j] += b[j];
}

double ibp__net_d3(const ibp__model *m, const double *theta, const ibp__batch *b, const double *u,
                   double *out, double *ws) {
    ibp__d3ws w;
    int n = b->n, k = m->k;
    ibp__d3_carve(m, n, ws, &w);
    long nd = (long)n * m->d;
    for (long i = 0; i < nd; i++) w.zero[i] = 0;
    /* ---- second-order forward ---- */
    const double *A = b->x, *Ad = w.zero, *Add = w.zero;
    for (int i = 0; i < m->nl; i++) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols;
        long nr = (long)n * rows;
        const double *W = ly->off >= 0 ? theta + ly->off : ly->fixed;
        const double *U = ly->off >= 0 ? u + ly->off : NULL;
        double al = ly->alpha;
        ibp__transpose(rows, cols, W, w.Wt);
        double *Z = w.Z[i], *Zd = w.Zd[i], *Zdd = w.Zdd[i];
        ibp__gemm_nn(n, rows, cols, A, w.Wt, Z, 0);
        ibp__gemm_nn(n, rows, cols, Ad, w.Wt, Zd, 0);
        ibp__gemm_nn(n, rows, cols, Add, w.Wt, Zdd, 0);
        if (U) {
            ibp__transpose(rows, cols, U, w.Ut);
            ibp__gemm_nn(n, rows, cols, A, w.Ut, Zd, 1);
            /* Zdd gets 2 Ad U^T: accumulate Ad U^T twice into a scratch-free form */
            ibp__gemm_nn(n, rows, cols, Ad, w.Ut, w.B0, 0);
            for (long j = 0; j < nr; j++) Zdd[j] += 2.0 * w.B0[j];
        }
        ibp__scale(nr, al, Z);
        ibp__scale(nr, al, Zd);
        ibp__scale(nr, al, Zdd);
        if (ly->boff >= 0) {
            ibp__addrow(Z, theta + ly->boff, n, rows);
            ibp__addrow(Zd, u + ly->boff, n, rows);
        }
        if (i + 1 == m->nl) break;
        ibp__act_derivs(m->act, m->act_param, Z, w.A[i], w.s1, w.s2, nr);
        for (long j = 0; j < nr; j++) {
            w.Ad[i][j] = w.s1[j] * Zd[j];
            w.Add[i][j] = w.s2[j] * (Zd[j] * Zd[j]) + w.s1[j] * Zdd[j];
        }
        A = w.A[i]; Ad = w.Ad[i]; Add = w.Add[i];
    }
    /* ---- the loss: q and the seeds (loss_d3.c) ---- */
    int L = m->nl - 1;
    double q = ibp__loss_d3_seeds(m->loss, w.Z[L], b->y, w.Zd[L], w.Zdd[L], n, k, w.B0, w.B1, w.B2, w.C1);
    /* ---- reverse ---- */
    for (int i = L; i >= 0; i--) {
        const ibp__layer *ly = &m->L[i];
        int rows = ly->rows, cols = ly->cols;
        const double *W = ly->off >= 0 ? theta + ly->off : ly->fixed;
        const double *U = ly->off >= 0 ? u + ly->off : NULL;
        double al = ly->alpha;
        const double *Ai = i ? w.A[i - 1] : b->x, *Adi = i ? w.Ad[i - 1] : w.zero, *Addi = i ? w.Add[i - 1] : w.zero;
        if (ly->off >= 0) {
            double *Wb = out + ly->off;
            ibp__gemm_tn(rows, cols, n, w.B0, Ai, Wb, 0);
            if (i) {
                ibp__gemm_tn(rows, cols, n, w.B1, Adi, Wb, 1);
                ibp__gemm_tn(rows, cols, n, w.B2, Addi, Wb, 1);
            }
            ibp__scale((long)rows * cols, al, Wb);
            if (ly->boff >= 0) {
                double *bb = out + ly->boff;
                for (int j = 0; j < rows; j++) bb[j] = 0;
                for (int s = 0; s < n; s++)
                    for (int j = 0; j < rows; j++) bb[j] += w.B0[(long)s * rows + j];
            }
        }
        if (i == 0) break;
        /* adjoints of the activations below: C0 = Abar, C1 = Adbar, C2 = Addbar (n, cols) */
        long nc = (long)n * cols;
        ibp__gemm_nn(n, cols, rows, w.B0, W, w.C0, 0);
        ibp__gemm_nn(n, cols, rows, w.B1, W, w.C1, 0);
        ibp__gemm_nn(n, cols, rows, w.B2, W, w.C2, 0);
        if (U) {
            ibp__gemm_nn(n, cols, rows, w.B1, U, w.C0, 1);
            ibp__gemm_nn(n, cols, rows, w.B2, U, w.s3, 0);
            for (long j = 0; j < nc; j++) w.C1[j] += 2.0 * w.s3[j];
        }
        ibp__scale(nc, al, w.C0);
        ibp__scale(nc, al, w.C1);
        ibp__scale(nc, al, w.C2);
        /* through the activation of layer i - 1 */
        const double *Zp = w.Z[i - 1], *Zdp = w.Zd[i - 1], *Zddp = w.Zdd[i - 1];
        ibp__act_derivs(m->act, m->act_param, Zp, w.B0, w.s1, w.s2, nc); /* B0 as scratch for act(z) */
        ibp__act_d3(m->act, m->act_param, Zp, w.s3, nc);
        for (long j = 0; j < nc; j++) {
            double s1 = w.s1[j], s2 = w.s2[j], s3 = w.s3[j], zd = Zdp[j];
            double ab = w.C0[j], adb = w.C1[j], addb = w.C2[j];
            w.B0[j] = s1 * ab + s2 * zd * adb + (s3 * (zd * zd) + s2 * Zddp[j]) * addb;
            w.B1[j] = s1 * adb + 2.0 * s2 * zd * addb;
            w.B2[j] = s1 * addb;
        }
    }
    return q;
}
