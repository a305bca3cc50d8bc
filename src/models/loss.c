/* loss.c -- losses as functions of the model outputs f (n, k): value, dL/df and d2L/df2.
 *
 * Conventions (ibp.h): mean over the n samples, summed over the k outputs.
 *   mse_half  L = 1/(2n) sum (f - y)^2    dL/df = (f - y)/n      d2L/df2 = 1/n
 *   mse       L = 1/n    sum (f - y)^2    dL/df = 2(f - y)/n     d2L/df2 = 2/n
 *   logistic  L = 1/n    sum l(y f),  l(z) = log(1 + e^-z) = max(-z, 0) + log1p(e^-|z|)
 *             dL/df = -y sigmoid(-y f)/n,   d2L/df2 = y^2 sigmoid(yf) sigmoid(-yf)/n
 *   ce        L = 1/n sum_i sum_j y_ij (logsumexp(f_i) - f_ij)   softmax cross-entropy, y_i a
 *             probability vector (one-hot); with p_i = softmax(f_i) and s_i = sum_j y_ij (= 1):
 *             dL/df_i = (s_i p_i - y_i)/n,   d2L/df_i2 = s_i (diag(p_i) - p_i p_i^T)/n
 *             logsumexp(f) = m + log(sum_j e^(f_j - m)) with m = max_j f_j: every exponent <= 0,
 *             and each term y_ij ((m - f_ij) + log sum) is >= 0, so nothing cancels.
 * The loss Hessian with respect to f is block diagonal over samples; it is diagonal for every
 * loss but ce. ibp__loss_curv stores what the Hessian needs, row by row (its diagonal, or for ce
 * q_i = (s_i/n) p_i, whose row sum is s_i/n), and ibp__loss_hmul applies it to an output-space
 * vector from that alone, so any block of rows can be multiplied on its own.
 * Sums run sequentially over i then j, so the result is the same on every platform.
 */
#include "models/models.h"

/* log(1 + e^-z), stable for every z */
static double ibp__logistic(double z) {
    double mz = z < 0 ? -z : 0.0;
    return mz + ibp__log1p(ibp__exp(-ibp__fabs(z)));
}

/* Softmax of row f (k,) into p (k,); returns log(sum_j e^(f_j - m)) and sets *m = max f. */
static double ibp__softmax_row(const double *f, int k, double *p, double *m) {
    double mx = f[0];
    for (int j = 1; j < k; j++) mx = f[j] > mx ? f[j] : mx;
    double se = 0.0;
    for (int j = 0; j < k; j++) { p[j] = ibp__exp(f[j] - mx); se += p[j]; }
    double inv = 1.0 / se;
    for (int j = 0; j < k; j++) p[j] = p[j] * inv;
    *m = mx;
    return ibp__log(se);
}

/* Cross-entropy: value, and g (n, k) when asked. g holds p until it is turned into the gradient. */
static double ibp__ce(const double *f, const double *y, int n, int k, double *g) {
    double s = 0.0, inv = 1.0 / (double)n, pbuf[64];
    for (int i = 0; i < n; i++) {
        const double *fi = f + (long)i * k, *yi = y + (long)i * k;
        double *p = g ? g + (long)i * k : (k <= 64 ? pbuf : NULL), m, ls;
        if (p) {
            ls = ibp__softmax_row(fi, k, p, &m);
        } else { /* no room for p: the log-sum-exp alone */
            m = fi[0];
            for (int j = 1; j < k; j++) m = fi[j] > m ? fi[j] : m;
            double se = 0.0;
            for (int j = 0; j < k; j++) se += ibp__exp(fi[j] - m);
            ls = ibp__log(se);
        }
        double wi = 0.0;
        for (int j = 0; j < k; j++) {
            s += yi[j] * ((m - fi[j]) + ls);
            wi += yi[j];
        }
        if (g)
            for (int j = 0; j < k; j++) g[(long)i * k + j] = (wi * p[j] - yi[j]) * inv;
    }
    return s * inv;
}

double ibp__loss(int loss, const double *f, const double *y, int n, int k, double *g) {
    double s = 0.0, inv = 1.0 / (double)n;
    long nk = (long)n * k;
    if (loss == IBP__LOSS_CE) return ibp__ce(f, y, n, k, g);
    if (loss == IBP__LOSS_LOGISTIC) {
        for (long i = 0; i < nk; i++) {
            double z = y[i] * f[i];
            s += ibp__logistic(z);
            if (g) g[i] = -y[i] * ibp__sigmoid(-z) * inv;
        }
        return s * inv;
    }
    double gs = loss == IBP__LOSS_MSE ? 2.0 * inv : inv;
    for (long i = 0; i < nk; i++) {
        double r = f[i] - y[i];
        s += r * r;
        if (g) g[i] = r * gs;
    }
    return loss == IBP__LOSS_MSE ? s * inv : 0.5 * (s * inv);
}

void ibp__loss_curv(int loss, const double *f, const double *y, int n, int k, double *h) {
    double inv = 1.0 / (double)n;
    long nk = (long)n * k;
    if (loss == IBP__LOSS_CE) { /* q_i = (s_i/n) p_i: ibp__loss_hmul forms the Hessian from it */
        for (int i = 0; i < n; i++) {
            double m, wi = 0.0, *q = h + (long)i * k;
            ibp__softmax_row(f + (long)i * k, k, q, &m);
            for (int j = 0; j < k; j++) wi += y[(long)i * k + j];
            double c = wi * inv;
            for (int j = 0; j < k; j++) q[j] = c * q[j];
        }
        return;
    }
    if (loss == IBP__LOSS_LOGISTIC) {
        for (long i = 0; i < nk; i++) {
            double z = y[i] * f[i];
            h[i] = y[i] * y[i] * (ibp__sigmoid(z) * ibp__sigmoid(-z)) * inv;
        }
        return;
    }
    double c = loss == IBP__LOSS_MSE ? 2.0 * inv : inv;
    for (long i = 0; i < nk; i++) h[i] = c;
}

void ibp__loss_hmul(int loss, const double *h, int n, int k, const double *r, double *out) {
    long nk = (long)n * k;
    if (loss != IBP__LOSS_CE) {
        for (long i = 0; i < nk; i++) out[i] = h[i] * r[i];
        return;
    }
    /* (s_i/n) (diag(p) - p p^T) r = q . (r - p.r) with q = (s_i/n) p and p.r = q.r / sum q, row by
     * row; both sums are formed before any element of the row is written, so out may alias h or r */
    for (int i = 0; i < n; i++) {
        const double *q = h + (long)i * k, *ri = r + (long)i * k;
        double qr = 0.0, qs = 0.0;
        for (int j = 0; j < k; j++) { qr += q[j] * ri[j]; qs += q[j]; }
        double pr = qs > 0 ? qr / qs : 0.0; /* qs = 0: a row without target mass, zero curvature */
        for (int j = 0; j < k; j++) out[(long)i * k + j] = q[j] * (ri[j] - pr);
    }
}
