/* test_d3.c -- D3L[u, u, .] = grad (u^T H u), the gradient of the curvature along u (the central
 * flow's grad S), for every model family, against central differences of EXACT Hessian-vector
 * products: D3L[u, u, .] = d/de H(theta + e u) u (symmetry of the third derivative), so
 *   fd(h) = (H(theta + h u) u - H(theta - h u) u) / 2h = D3L[u, u, .] + h^2/6 D5 + O(eps/h).
 * Tolerance, justified by the expansion: the truncation error of fd(h/2) is a quarter of fd(h)'s,
 * so ||fd(h/2) - D3|| ~ ||fd(h) - fd(h/2)|| / 3. We assert
 *   (1) ||D3 - R|| <= 1e-6 ||R|| with R = (4 fd(h/2) - fd(h)) / 3 (Richardson, error O(h^4),
 *       h = 1e-3 ||theta||/||u||: h^4 ~ 1e-12 relative, rounding eps/h ~ 1e-13 ||Hu||/||D3||), and
 *   (2) ||D3 - fd(h/2)|| <= ||fd(h) - fd(h/2)||: the exact value is closer to fd(h/2) than
 *       fd(h/2) is to fd(h), as it must be if the error is the h^2 term (a wrong D3 fails it).
 * Also q = u^T H u against the HVP's own dot product, to 1e-12 relative.
 * Models: mlp (tanh, gelu, softplus, leaky_softplus, relu; biases; ntk; fixed head; logistic),
 * deep linear nets (standard and ntk, fixed head, 3 outputs), mf (mse_half and mse). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

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
    printf("%-90s P=%5ld |D3|=%.3e rel.err vs Richardson %.2e, |D3-fd(h/2)|=%.2e <= |fd(h)-fd(h/2)|=%.2e\n", cfg, P,
           t_norm2(d3, P), e_rich, dd3, dfd);
    T_CHECK(e_rich <= 1e-6, "%s: relative error %.3g vs Richardson", cfg, e_rich);
    T_CHECK(dd3 <= dfd || dd3 <= 1e-10 * t_norm2(d3, P), "%s: %.3g vs %.3g", cfg, dd3, dfd);
    free(u); free(d3); free(th); free(hp); free(hm); free(f1); free(f2); free(R); free(hu); free(ws);
    ibp_run_destroy(r);
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
    return t_summary();
}
