/* loss.c -- losses as functions of the model outputs f (n, k): value, dL/df and d2L/df2.
 *
 * Conventions (ibp.h): mean over the n samples, summed over the k outputs.
 *   mse_half  L = 1/(2n) sum (f - y)^2    dL/df = (f - y)/n      d2L/df2 = 1/n
 *   mse       L = 1/n    sum (f - y)^2    dL/df = 2(f - y)/n     d2L/df2 = 2/n
 *   logistic  L = 1/n    sum l(y f),  l(z) = log(1 + e^-z) = max(-z, 0) + log1p(e^-|z|)
 *             dL/df = -y sigmoid(-y f)/n,   d2L/df2 = y^2 sigmoid(yf) sigmoid(-yf)/n
 * Sums run sequentially over i then j, so the result is the same on every platform.
 */
#include "models/models.h"

/* log(1 + e^-z), stable for every z */
static double ibp__logistic(double z) {
    double mz = z < 0 ? -z : 0.0;
    return mz + ibp__log1p(ibp__exp(-ibp__fabs(z)));
}

double ibp__loss(int loss, const double *f, const double *y, int n, int k, double *g) {
    double s = 0.0, inv = 1.0 / (double)n;
    long nk = (long)n * k;
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
