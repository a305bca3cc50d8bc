/* test_grad_mf.c -- matrix factorization L = s/2 ||A - X Y^T||_F^2 (model_mf.c), s = 1 for
 * loss=mse_half and 2 for loss=mse, against independent references:
 *   - the loss from plain loops here;
 *   - central differences of the loss (gradient) and of the exact gradient (HVP), symmetry and
 *     linearity of the HVP;
 *   - the explicit Jacobian J = dR/dtheta of the residual R = X Y^T - A, written down here:
 *     GN = s J^T J, and the full Hessian s (J^T J + sum_ab R_ab d2R_ab) entry by entry;
 *   - the scalar closed form of Wang et al. (mu = 1): H = [[y^2, 2xy - mu], [2xy - mu, x^2]],
 *     eigenvalues 0 and x^2 + y^2 at a minimizer xy = mu.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "models/models.h"
#include "testlib.h"

#define GUARD 64
#define SENTINEL (-1234.5678)

typedef struct tmf {
    ibp__config c;
    ibp__model m;
    double *ws, *A, *theta;
    size_t nws;
    ibp__batch b; /* unused by mf, passed for the dispatch */
    char label[96];
} tmf;

static uint64_t rs = 777;

static void tf_build(tmf *t, int rows, int cols, int rank, int factor_rank, int loss) {
    memset(t, 0, sizeof *t);
    t->c.model = IBP__MODEL_MF;
    t->c.rows = rows; t->c.cols = cols; t->c.rank = rank; t->c.factor_rank = factor_rank;
    t->c.loss = loss;
    char err[256];
    int rc = ibp__model_setup(&t->m, &t->c, err, sizeof err);
    T_CHECK(rc == IBP_OK, "mf setup: %s", err);
    int r = factor_rank > 0 ? factor_rank : rank;
    T_CHECK(t->m.P == (long)(rows + cols) * r, "mf P = %ld", t->m.P);
    t->nws = ibp__model_ws_doubles(&t->m, 1);
    t->ws = malloc((t->nws + GUARD) * sizeof(double));
    for (size_t i = 0; i < t->nws + GUARD; i++) t->ws[i] = SENTINEL;
    ibp__model_bind_ws(&t->m, t->ws, 1);
    T_CHECK(ibp__model_fixed_doubles(&t->m) == (size_t)rows * cols, "mf fixed doubles");
    t->A = malloc((size_t)rows * cols * sizeof(double));
    ibp__model_bind_fixed(&t->m, t->A);
    t->theta = malloc(t->m.P * sizeof(double));
    snprintf(t->label, sizeof t->label, "mf %dx%d r=%d loss=%s", rows, cols, r,
             loss == IBP__LOSS_MSE ? "mse" : "mse_half");
}

static void tf_fill(tmf *t) {
    for (long j = 0; j < (long)t->m.mf_rows * t->m.mf_cols; j++) t->A[j] = t_rand_normal(&rs);
    for (long j = 0; j < t->m.P; j++) t->theta[j] = t_rand_normal(&rs);
}

static void tf_free(tmf *t) { free(t->ws); free(t->A); free(t->theta); }

static void tf_check_guard(tmf *t) {
    int ok = 1;
    for (size_t i = t->nws; i < t->nws + GUARD; i++) ok &= t->ws[i] == SENTINEL;
    T_CHECK(ok, "%s: workspace written past its %zu doubles", t->label, t->nws);
}

static double tf_s(const tmf *t) { return t->m.loss == IBP__LOSS_MSE ? 2.0 : 1.0; }
static double tf_loss(tmf *t) { return ibp__model_loss_grad(&t->m, t->theta, &t->b, NULL); }

/* Residual R = X Y^T - A (rows, cols) from plain loops. */
static void ref_resid(const tmf *t, double *R) {
    int rows = t->m.mf_rows, cols = t->m.mf_cols, r = t->m.mf_r;
    const double *X = t->theta, *Y = t->theta + (long)rows * r;
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            double s = 0;
            for (int c = 0; c < r; c++) s += X[a * r + c] * Y[b * r + c];
            R[a * cols + b] = s - t->A[a * cols + b];
        }
}

/* Explicit Jacobian J (rows*cols, P): dR_ab/dX_ac = Y_bc, dR_ab/dY_bc = X_ac. */
static void ref_jacobian(const tmf *t, double *J) {
    int rows = t->m.mf_rows, cols = t->m.mf_cols, r = t->m.mf_r;
    long P = t->m.P, yoff = (long)rows * r;
    const double *X = t->theta, *Y = t->theta + yoff;
    memset(J, 0, (size_t)rows * cols * P * sizeof(double));
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            double *row = J + ((long)a * cols + b) * P;
            for (int c = 0; c < r; c++) {
                row[a * r + c] = Y[b * r + c];
                row[yoff + b * r + c] = X[a * r + c];
            }
        }
}

/* Gradient by central differences: L is quadratic in each single entry (R is linear in it), so
 * the central difference is exact but for rounding eps |L| / h ~ 2e-11 |L| with h = 1e-5 max(|theta_j|, 1);
 * tolerance 1e-7 max(|L|, max|g|) leaves >1000 of margin. Also the loss against plain loops
 * (sum of rows*cols squares, relative rounding < 1e-13). */
static void check_grad(tmf *t) {
    long P = t->m.P, rc = (long)t->m.mf_rows * t->m.mf_cols;
    double *g = malloc(P * sizeof(double)), *gfd = malloc(P * sizeof(double)), *R = malloc(rc * sizeof(double));
    double L = ibp__model_loss_grad(&t->m, t->theta, &t->b, g);
    ref_resid(t, R);
    double Lref = 0.5 * tf_s(t) * t_dot(R, R, rc);
    T_CHECK(fabs(L - Lref) <= 1e-13 * Lref, "%s: loss %.17g vs %.17g", t->label, L, Lref);
    for (long j = 0; j < P; j++) {
        double t0 = t->theta[j], h = 1e-5 * fmax(fabs(t0), 1.0), tp = t0 + h, tm = t0 - h;
        t->theta[j] = tp; double lp = tf_loss(t);
        t->theta[j] = tm; double lm = tf_loss(t);
        t->theta[j] = t0;
        gfd[j] = (lp - lm) / (tp - tm);
    }
    double sc = fmax(fabs(L), t_maxabs(g, P)), worst = 0;
    long wj = 0;
    for (long j = 0; j < P; j++) {
        double e = fabs(g[j] - gfd[j]) / (1e-7 * sc);
        if (e > worst) worst = e, wj = j;
    }
    T_CHECK(worst <= 1, "%s: gradient vs FD, entry %ld: %.17g vs %.17g", t->label, wj, g[wj], gfd[wj]);
    free(g); free(gfd); free(R);
}

/* HVP: FD of the exact gradient along a unit-scale direction with h = 1e-5 (the gradient is a
 * cubic polynomial along the line: truncation h^2/6 |g'''| ~ 1e-10, rounding eps|g|/h ~ 2e-11|g|;
 * tolerance 1e-7 (|Hu| + |g|)); symmetry and linearity to rounding (1e-12 of the norms: sums of
 * O(P) products). GN product against the explicit J (1e-12: same kind of sums). */
static void check_hvp_gn(tmf *t) {
    long P = t->m.P, rc = (long)t->m.mf_rows * t->m.mf_cols;
    double *u = malloc(P * sizeof(double)), *v = malloc(P * sizeof(double)), *w = malloc(P * sizeof(double));
    double *hu = malloc(P * sizeof(double)), *hv = malloc(P * sizeof(double)), *hw = malloc(P * sizeof(double));
    double *gp = malloc(P * sizeof(double)), *gm = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double));
    double *J = malloc(rc * P * sizeof(double)), *ju = malloc(rc * sizeof(double));
    for (long j = 0; j < P; j++) u[j] = t_rand_normal(&rs), v[j] = t_rand_normal(&rs);
    ibp__model_hvp(&t->m, t->theta, &t->b, u, hu);
    ibp__model_hvp(&t->m, t->theta, &t->b, v, hv);
    ibp__model_loss_grad(&t->m, t->theta, &t->b, g);
    double err = t_hvp_fd_error(&t->m, t->theta, &t->b, u, hu, 1e-5);
    T_CHECK(err <= 1e-7 * (t_norm2(hu, P) + t_norm2(g, P)), "%s: HVP vs FD |diff| %.3g", t->label, err);
    double a = t_dot(u, hv, P), b = t_dot(v, hu, P);
    double sc = t_norm2(u, P) * t_norm2(hv, P) + t_norm2(v, P) * t_norm2(hu, P);
    T_CHECK(fabs(a - b) <= 1e-12 * sc, "%s: u.Hv %.17g vs v.Hu %.17g", t->label, a, b);
    for (long j = 0; j < P; j++) w[j] = 0.7 * u[j] - 1.3 * v[j];
    ibp__model_hvp(&t->m, t->theta, &t->b, w, hw);
    for (long j = 0; j < P; j++) gm[j] = 0.7 * hu[j] - 1.3 * hv[j];
    T_CHECK(t_relerr(hw, gm, P) <= 1e-12 * (0.7 * t_norm2(hu, P) + 1.3 * t_norm2(hv, P)) / t_norm2(gm, P),
            "%s: HVP not linear: relerr %.3g", t->label, t_relerr(hw, gm, P));
    /* GN = s J^T J u */
    ref_jacobian(t, J);
    for (long i = 0; i < rc; i++) ju[i] = t_dot(J + i * P, u, P);
    for (long j = 0; j < P; j++) {
        double s = 0;
        for (long i = 0; i < rc; i++) s += J[i * P + j] * ju[i];
        gp[j] = tf_s(t) * s;
    }
    ibp__model_gnvp(&t->m, t->theta, &t->b, u, hw, 0);
    T_CHECK(t_relerr(hw, gp, P) <= 1e-12, "%s: GN vs explicit Jacobian: relerr %.3g", t->label,
            t_relerr(hw, gp, P));
    free(u); free(v); free(w); free(hu); free(hv); free(hw); free(gp); free(gm); free(g);
    free(J); free(ju);
}

/* Full Hessian entry by entry (small P): H = s (J^T J + C), where the residual's curvature C
 * couples X_ac and Y_bc with weight R_ab (d2 R_ab / dX_ac dY_bc = 1). Column j from the HVP
 * with the unit vector e_j. Entries are sums of <= cols products: tolerance 1e-12 of max|H|. */
static void check_full_hessian(tmf *t) {
    int rows = t->m.mf_rows, cols = t->m.mf_cols, r = t->m.mf_r;
    long P = t->m.P, rc = (long)rows * cols, yoff = (long)rows * r;
    double *J = malloc(rc * P * sizeof(double)), *R = malloc(rc * sizeof(double));
    double *H = malloc(P * P * sizeof(double)), *e = malloc(P * sizeof(double)), *col = malloc(P * sizeof(double));
    ref_jacobian(t, J);
    ref_resid(t, R);
    for (long i = 0; i < P; i++)
        for (long j = 0; j < P; j++) {
            double s = 0;
            for (long q = 0; q < rc; q++) s += J[q * P + i] * J[q * P + j];
            H[i * P + j] = s;
        }
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++)
            for (int c = 0; c < r; c++) {
                long ix = a * r + c, iy = yoff + b * r + c;
                H[ix * P + iy] += R[a * cols + b];
                H[iy * P + ix] += R[a * cols + b];
            }
    for (long q = 0; q < P * P; q++) H[q] *= tf_s(t);
    double hmax = t_maxabs(H, P * P);
    int bad = 0;
    for (long j = 0; j < P; j++) {
        for (long i = 0; i < P; i++) e[i] = i == j;
        ibp__model_hvp(&t->m, t->theta, &t->b, e, col);
        for (long i = 0; i < P; i++)
            if (!t_close(col[i], H[i * P + j], 1e-12 * hmax, 0)) {
                if (!bad) T_CHECK(0, "%s: H[%ld,%ld] = %.17g, explicit %.17g", t->label, i, j, col[i], H[i * P + j]);
                bad = 1;
            }
    }
    T_CHECK(!bad, "%s: full Hessian matches the explicit one", t->label);
    free(J); free(R); free(H); free(e); free(col);
}

/* Scalar case (Wang et al.): 1/2 (mu - x y)^2, mu = 1. The Hessian entries are products of two
 * numbers minus mu: rounding ~1e-16 relative, tolerance 1e-14 of max|H|. */
static void hess2(tmf *t, double H[4]) {
    double e[2], col[2];
    for (int j = 0; j < 2; j++) {
        e[0] = j == 0; e[1] = j == 1;
        ibp__model_hvp(&t->m, t->theta, &t->b, e, col);
        H[0 * 2 + j] = col[0]; H[1 * 2 + j] = col[1];
    }
}

static void check_scalar(void) {
    const double pts[5][2] = {{4, 0.1}, {6, 0.05}, {10, 0.02}, {-0.7, 1.3}, {0.3, -2.0}};
    for (int loss = 0; loss < 2; loss++) {
        tmf t;
        tf_build(&t, 1, 1, 1, 0, loss);
        double s = tf_s(&t), mu = 1.0, H[4];
        t.A[0] = mu;
        for (int p = 0; p < 5; p++) {
            double x = pts[p][0], y = pts[p][1];
            t.theta[0] = x; t.theta[1] = y;
            hess2(&t, H);
            double ref[4] = {y * y, 2 * x * y - mu, 2 * x * y - mu, x * x};
            double hm = fmax(fmax(fabs(ref[0]), fabs(ref[1])), fabs(ref[3])) * s;
            for (int q = 0; q < 4; q++) T_CLOSE(H[q], s * ref[q], 1e-14 * hm, 0);
            double g[2];
            double L = ibp__model_loss_grad(&t.m, t.theta, &t.b, g);
            T_CLOSE(L, 0.5 * s * (mu - x * y) * (mu - x * y), 0, 1e-14);
            T_CLOSE(g[0], s * (x * y - mu) * y, 1e-15, 1e-14);
            T_CLOSE(g[1], s * (x * y - mu) * x, 1e-15, 1e-14);
        }
        /* minimizers xy = mu: eigenvalues of the 2x2 Hessian (closed form here) are 0 and
         * s (x^2 + y^2); the zero one to rounding of x^2 y^2 terms: 1e-13 of the large one */
        const double xs[3] = {2.0, 0.5, -4.0};
        for (int p = 0; p < 3; p++) {
            double x = xs[p], y = mu / x;
            t.theta[0] = x; t.theta[1] = y;
            hess2(&t, H);
            double tr = H[0] + H[3], det = H[0] * H[3] - H[1] * H[2];
            double disc = sqrt(fmax(0.25 * tr * tr - det, 0));
            double lmax = 0.5 * tr + disc, lmin = 0.5 * tr - disc;
            double big = s * (x * x + y * y);
            T_CLOSE(lmax, big, 0, 1e-13);
            T_CLOSE(lmin, 0.0, 1e-13 * big, 0);
            T_CHECK(fabs(H[1] - H[2]) == 0, "scalar mf Hessian not symmetric: %.17g vs %.17g", H[1], H[2]);
        }
        tf_check_guard(&t);
        tf_free(&t);
    }
}

int main(void) {
    const int shapes[6][4] = {{1, 1, 1, 0}, {3, 2, 2, 0}, {4, 4, 2, 0}, {5, 3, 1, 4}, {20, 15, 3, 0}, {2, 7, 2, 3}};
    for (int s = 0; s < 6; s++)
        for (int loss = 0; loss < 2; loss++) {
            tmf t;
            tf_build(&t, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], loss);
            tf_fill(&t);
            check_grad(&t);
            check_hvp_gn(&t);
            if (t.m.P <= 40) check_full_hessian(&t);
            tf_check_guard(&t);
            tf_free(&t);
        }
    check_scalar();
    return t_summary();
}
