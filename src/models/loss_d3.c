/* loss_d3.c -- the loss's part of D3L[u, u, .] (model_net_d3.c, model_cnn_d3.c): from the outputs
 * F (n, k) and their first and second derivatives along u, Fd = R{F} and Fdd = R{R{F}}, the
 * curvature along u and the seeds of the reverse pass.
 *
 * With l the batch loss as a function of F (loss.c's conventions, 1/n included), g = dl/dF,
 * H = d2l/dF2 (block diagonal over samples) and T = d3l/dF3:
 *   q = u^T H_theta u = <Fd, H Fd> + <g, Fdd>
 *   seeds  Fbar = T[Fd, Fd, .] + H Fdd,   Fdbar = 2 H Fd,   Fddbar = g
 * (the partial derivatives of q with respect to F, Fd and Fdd).
 * T[Fd, Fd, .] per loss:
 *   mse_half, mse: 0;
 *   logistic, l(z) = log(1 + e^-z), z = y f (diagonal): y^3 l'''(z) fd^2 / n, l''' = s (1 - s)(1 - 2 s),
 *     s = sigmoid(z);
 *   ce (softmax cross-entropy, l_i = s_i logsumexp(f_i) - y_i.f_i, s_i = sum_j y_ij): the third
 *     derivative of logsumexp contracted twice with a row d = Fd_i, with p = softmax(f_i):
 *       (s_i/n) p_j [ (d_j - dbar)^2 - sum_l p_l (d_l - dbar)^2 ],   dbar = p.d
 *     (differentiate d^T (diag p - p p^T) d = sum p_l d_l^2 - (p.d)^2 with dp_l/df_j = p_l (delta_lj - p_j)).
 * The diagonal losses keep the exact expressions (and so the bits) model_net_d3.c had before ce. */
#include "models/models.h"

double ibp__loss_d3_seeds(int loss, const double *F, const double *y, const double *Fd, const double *Fdd, int n,
                          int k, double *B0, double *B1, double *B2, double *h) {
    long nk = (long)n * k;
    double q = 0, inv = 1.0 / (double)n;
    ibp__loss(loss, F, y, n, k, B2); /* Fddbar = g */
    ibp__loss_curv(loss, F, y, n, k, h);
    if (loss != IBP__LOSS_CE) {
        for (long j = 0; j < nk; j++) {
            double t3 = 0;
            if (loss == IBP__LOSS_LOGISTIC) {
                double s = ibp__sigmoid(y[j] * F[j]);
                t3 = y[j] * y[j] * y[j] * (s * (1.0 - s) * (1.0 - 2.0 * s)) * inv;
            }
            q += h[j] * (Fd[j] * Fd[j]) + B2[j] * Fdd[j];
            B0[j] = t3 * (Fd[j] * Fd[j]) + h[j] * Fdd[j];
            B1[j] = 2.0 * h[j] * Fd[j];
        }
        return q;
    }
    /* ce: h holds q_i = (s_i/n) p_i per row (loss.c); ibp__loss_hmul applies the row blocks */
    ibp__loss_hmul(loss, h, n, k, Fd, B1);  /* H Fd */
    ibp__loss_hmul(loss, h, n, k, Fdd, B0); /* H Fdd */
    for (int i = 0; i < n; i++) {
        const double *qi = h + (long)i * k, *d = Fd + (long)i * k;
        double qs = 0, qd = 0;
        for (int j = 0; j < k; j++) { qs += qi[j]; qd += qi[j] * d[j]; }
        double db = qs > 0 ? qd / qs : 0.0, var = 0; /* var = (s_i/n) sum_l p_l (d_l - dbar)^2 */
        for (int j = 0; j < k; j++) var += qi[j] * ((d[j] - db) * (d[j] - db));
        double vp = qs > 0 ? var / qs : 0.0;
        for (int j = 0; j < k; j++) {
            long e = (long)i * k + j;
            q += d[j] * B1[e] + B2[e] * Fdd[e];
            B0[e] += qi[j] * ((d[j] - db) * (d[j] - db) - vp);
            B1[e] = 2.0 * B1[e];
        }
    }
    return q;
}
