/* test_d3.c -- D3L[u, u, .] = grad (u^T H u), the gradient of the curvature along u (the central
 * flow's grad S), for every model family and loss, against central differences of EXACT
 * Hessian-vector products: D3L[u, u, .] = d/de H(theta + e u) u (symmetry of the third
 * derivative), so
 *   fd(h) = (H(theta + h u) u - H(theta - h u) u) / 2h = D3L[u, u, .] + h^2/6 D5L[u, u, u, u, .] + r(h)
 * with the rounding part |r(h)| ~ eps ||Hu|| / h (each HVP exact to a few eps ||Hu||).
 * Tolerance, justified by that expansion: with h = 1e-3 ||theta|| / ||u|| the h^2 term is ~1e-6
 * relative (fd(h/2)'s a quarter of fd(h)'s) and the rounding term ~eps/h ~ 1e-13 relative (for
 * ||Hu|| ~ ||D3|| ||u|| h-scale, as in these nets). Richardson's R = (4 fd(h/2) - fd(h)) / 3 cancels
 * the h^2 term, leaving O(h^4) ~ 1e-12 and 5/3 of the rounding, both far below 1e-6. We assert
 *   (1) ||D3 - R|| <= 1e-6 ||R||, and
 *   (2) ||D3 - fd(h/2)|| <= ||fd(h) - fd(h/2)||: the exact value is closer to fd(h/2) than
 *       fd(h/2) is to fd(h), as it must be if the error is the h^2 term (a wrong D3 fails it).
 * Also q = u^T H u against the HVP's own dot product, to 1e-12 relative, and (cheap, so for every
 * case) the symmetry of the trilinear form T = D3L: with T(a, b, .) = (D3(a + b) - D3(a - b)) / 4
 * by polarization, <T(u, v, .), w> = <T(u, w, .), v> = <T(v, w, .), u> for random u, v, w, to 1e-9
 * of max ||T(a, b, .)|| ||c|| (the three are different sums of exact passes, equal up to rounding,
 * ~P eps; a pass that is not the gradient of a symmetric form misses by O(1)).
 * Models: mlp (tanh, gelu, softplus, leaky_softplus, relu; biases; ntk; fixed head; logistic;
 * ce), deep linear nets (standard and ntk, fixed head, 3 outputs, ce), mf (mse_half and mse),
 * cnn (1-D and 2-D; strides 1 and 2; padding valid and same; biases or not; flat and avg
 * pooling; 1x1 and permuted kernels (C_in > 1); ntk and ntk_all; a fixed head; tanh, gelu,
 * softplus, leaky_softplus, relu; mse_half, mse, logistic and ce; a batch of several blocks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static double worst_rich, worst_sym;
static int ncases;

static void hvp_at(ibp_run *r, const double *theta, const double *u, double *out) {
    ibp__model_hvp(&r->m, theta, r->m.kind == IBP__MODEL_MF ? NULL : &r->full, u, out);
}

static void check(const char *cfg) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    long P = r->m.P;
    double *u = malloc(P * sizeof(double)), *d3 = malloc(P * sizeof(double)), *th = malloc(P * sizeof(double));
    double *hp = malloc(P * sizeof(double)), *hm = malloc(P * sizeof(double)), *f1 = malloc(P * sizeof(double)),
           *f2 = malloc(P * sizeof(double)), *R = malloc(P * sizeof(double)), *hu = malloc(P * sizeof(double));
    size_t wsn = ibp__model_d3_doubles(&r->m, r->m.nmax);
    double *ws = t_aligned_alloc((wsn + 1) * sizeof(double));
    uint64_t st = 12345;
    for (long j = 0; j < P; j++) u[j] = t_rand_normal(&st);
    /* move off a symmetric start (zero biases) so every term of the pass is exercised */
    for (long j = 0; j < P; j++) r->theta[j] += 0.1 * t_rand_normal(&st);
    double q = ibp__model_d3(&r->m, r->theta, &r->full, u, d3, ws);
    hvp_at(r, r->theta, u, hu);
    T_CLOSE(q, t_dot(u, hu, P), 1e-300, 1e-12);
    double h = 1e-3 * t_norm2(r->theta, P) / t_norm2(u, P);
    for (int pass = 0; pass < 2; pass++) {
        double hh = pass ? h / 2 : h;
        for (long j = 0; j < P; j++) th[j] = r->theta[j] + hh * u[j];
        hvp_at(r, th, u, hp);
        for (long j = 0; j < P; j++) th[j] = r->theta[j] - hh * u[j];
        hvp_at(r, th, u, hm);
        double *f = pass ? f2 : f1;
        for (long j = 0; j < P; j++) f[j] = (hp[j] - hm[j]) / (2 * hh);
    }
    for (long j = 0; j < P; j++) R[j] = (4 * f2[j] - f1[j]) / 3;
    double e_rich = t_relerr(d3, R, P);
    double dfd = 0, dd3 = 0;
    for (long j = 0; j < P; j++) { dfd += (f1[j] - f2[j]) * (f1[j] - f2[j]); dd3 += (d3[j] - f2[j]) * (d3[j] - f2[j]); }
    dfd = sqrt(dfd); dd3 = sqrt(dd3);
    printf("%-.100s P=%5ld |D3|=%.3e rel.err vs Richardson %.2e, |D3-fd(h/2)|=%.2e <= |fd(h)-fd(h/2)|=%.2e", cfg, P,
           t_norm2(d3, P), e_rich, dd3, dfd);
    T_CHECK(e_rich <= 1e-6, "%s: relative error %.3g vs Richardson", cfg, e_rich);
    T_CHECK(dd3 <= dfd || dd3 <= 1e-10 * t_norm2(d3, P), "%s: %.3g vs %.3g", cfg, dd3, dfd);
    /* symmetry of the trilinear form (hp, hm, f1, f2, R as scratch) */
    double *v = hp, *w = hm;
    for (long j = 0; j < P; j++) { v[j] = t_rand_normal(&st); w[j] = t_rand_normal(&st); }
    const double *pa[3] = {u, u, v}, *pb[3] = {v, w, w}, *pc[3] = {w, v, u};
    double sym[3], scale = 0;
    for (int c = 0; c < 3; c++) {
        for (long j = 0; j < P; j++) th[j] = pa[c][j] + pb[c][j];
        ibp__model_d3(&r->m, r->theta, &r->full, th, f1, ws);
        for (long j = 0; j < P; j++) th[j] = pa[c][j] - pb[c][j];
        ibp__model_d3(&r->m, r->theta, &r->full, th, f2, ws);
        for (long j = 0; j < P; j++) R[j] = 0.25 * (f1[j] - f2[j]);
        sym[c] = t_dot(R, pc[c], P);
        scale = fmax(scale, t_norm2(R, P) * t_norm2(pc[c], P));
    }
    double asym = fmax(fabs(sym[0] - sym[1]), fabs(sym[0] - sym[2])) / (scale > 0 ? scale : 1e-300);
    printf(", asymmetry %.1e\n", asym);
    T_CHECK(asym <= 1e-9, "%s: T(u,v,w) symmetric: %.17g %.17g %.17g (%.3g of the scale)", cfg, sym[0], sym[1],
            sym[2], asym);
    worst_rich = fmax(worst_rich, e_rich);
    worst_sym = fmax(worst_sym, asym);
    ncases++;
    free(u); free(d3); free(th); free(hp); free(hm); free(f1); free(f2); free(R); free(hu); free(ws);
    ibp_run_destroy(r);
}

/* loss=ce on data=inline: n samples of d standard normal inputs, one-hot targets of k classes */
static void check_ce(const char *model, int d, int n, int k) {
    static char cfg[8192], xs[4096], ys[2048];
    uint64_t st = 777 + (uint64_t)d * 31 + (uint64_t)k;
    xs[0] = ys[0] = 0;
    for (int i = 0; i < n * d; i++) {
        size_t l = strlen(xs);
        snprintf(xs + l, sizeof xs - l, "%s%.3f", i ? "," : "", t_rand_normal(&st));
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            size_t l = strlen(ys);
            snprintf(ys + l, sizeof ys - l, "%s%d", i + j ? "," : "", j == (i * 7 + 3) % k);
        }
    snprintf(cfg, sizeof cfg, "%s&data=inline&d=%d&out=%d&loss=ce&measure=0&xs=%s&ys=%s", model, d, k, xs, ys);
    check(cfg);
}

int main(void) {
    check("model=mlp&act=tanh&depth=3&width=6&d=3&n=7&data=teacher&measure=0");
    check("model=mlp&act=tanh&depth=3&width=6,5&d=3&out=2&n=7&data=teacher&param=ntk&measure=0");
    check("model=mlp&act=gelu&depth=2&width=5&d=3&n=6&data=teacher&measure=0");
    check("model=mlp&act=softplus(2)&depth=2&width=5&d=3&n=6&data=teacher&bias=0&measure=0");
    check("model=mlp&act=leaky_softplus&depth=2&width=4&data=p5&loss=logistic&head=pm&measure=0");
    check("model=mlp&act=relu&depth=2&width=5&d=3&n=6&data=teacher&measure=0");
    check("model=mlp&act=tanh&depth=2&width=5&d=2&n=8&data=teacher&loss=logistic&labels=sign&measure=0");
    check("model=linear&depth=3&width=4&d=3&n=6&data=teacher&measure=0");
    check("model=linear&depth=2&width=5&d=2&out=3&n=6&data=teacher&param=ntk&init=normal&measure=0");
    check("model=linear&depth=2&width=6&data=inline&xs=1&ys=0.5&head=unit&measure=0");
    check("model=mf&rows=5&cols=4&rank=2&measure=0");
    check("model=mf&rows=4&cols=6&rank=2&factor_rank=3&loss=mse&measure=0");
    /* softmax cross-entropy: mlp and deep linear nets */
    check_ce("model=mlp&act=tanh&depth=3&width=6,5", 3, 9, 3);
    check_ce("model=mlp&act=gelu&depth=2&width=7&param=ntk&bias=0", 4, 8, 4);
    check_ce("model=linear&depth=3&width=5&init=normal", 3, 7, 3);
    /* cnn, 1-D signals: strides, padding same and valid, avg and flat, 1x1 kernels, channels */
    check("model=cnn&d=12&in_shape=1,12&conv=4x3,3x3&stride=2,1&padding=same&depth=2&width=5&act=tanh&data=teacher&n=6&measure=0");
    check("model=cnn&d=16&in_shape=2,8&conv=3x3,4x1&padding=valid&pool=avg&depth=1&act=gelu&out=2&data=teacher&n=5&measure=0");
    check("model=cnn&d=10&in_shape=2,5&conv=3x2&stride=2&padding=same&depth=2&width=4&act=softplus(3)&bias=0&param=ntk&data=teacher&n=7&measure=0");
    check("model=cnn&d=9&in_shape=3,3&conv=4x1,2x3&pool=avg&depth=2&width=3&act=leaky_softplus(0.1)&param=ntk_all&data=teacher&n=5&measure=0");
    /* cnn, 2-D images: stride 2, same padding, permuted kernels (C_in > 1), a fixed head */
    check("model=cnn&d=36&in_shape=1,6,6&conv=3x3,2x2&stride=1,2&padding=same&depth=2&width=4&act=tanh&out=2&data=teacher&n=4&measure=0");
    check("model=cnn&d=50&in_shape=2,5,5&conv=3x3&stride=2&padding=valid&pool=avg&depth=2&width=4&act=gelu&head=pm&data=teacher&n=4&measure=0");
    check("model=cnn&d=32&in_shape=2,4,4&conv=3x2,2x3&padding=same&pool=flat&depth=1&act=relu&data=teacher&n=5&measure=0");
    check("model=cnn&d=25&in_shape=1,5,5&conv=2x3&padding=valid&depth=2&width=3&act=tanh&loss=logistic&labels=sign&data=teacher&n=6&measure=0");
    check("model=cnn&d=16&in_shape=1,4,4&conv=3x2&depth=1&act=softplus&loss=mse&data=teacher&n=5&measure=0");
    /* cnn, a batch of several blocks (12x12 images, 3x3 kernels: 72 samples per block of layer 1) */
    check("model=cnn&d=144&in_shape=1,12,12&conv=2x3&padding=valid&depth=1&act=tanh&data=teacher&n=150&measure=0");
    /* cnn with softmax cross-entropy, 1-D and 2-D */
    check_ce("model=cnn&in_shape=2,5&conv=3x3,2x2&stride=1,2&padding=same&depth=2&width=4&act=tanh", 10, 6, 3);
    check_ce("model=cnn&in_shape=1,4,4&conv=3x3&padding=valid&pool=avg&depth=1&act=gelu&param=ntk", 16, 6, 4);
    printf("%d cases: worst relative error vs Richardson %.3g (bound 1e-6), worst asymmetry of T %.3g (bound 1e-9)\n",
           ncases, worst_rich, worst_sym);
    return t_summary();
}
