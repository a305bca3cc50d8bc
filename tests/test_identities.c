/* The exact per-step identities of science.md, through the real run loop:
 *   C1  scalar f = u w x (GD and SGD): C = u^2 - w^2 obeys C_{t+1} = (1 - eta^2 g_t^2) C_t with
 *       g_t = batch mean of (u w x_i - y_i) x_i, to 1e-12 (u^2 + w^2) at every step;
 *       two-layer linear f = U W x (h = 3, d = 3), SGD batch 1: D = U^T U - W W^T changes by
 *       exactly eta^2 (G_U^T G_U - G_W G_W^T), to 1e-12 ||theta||^2 (max norm).
 *   D1  MLP 10-32-32-32-2 with biases, relu and identity: D_h = ||W_h||^2 + ||b_h||^2 - ||W_{h+1}||^2
 *       changes by exactly eta^2 (||G_Wh||^2 + ||G_bh||^2 - ||G_W(h+1)||^2), to 1e-10 max(1, |D_h|).
 * g_t and the gradients G are recomputed here from the batch the step used, independently of
 * the engine's update. */
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include "run/run_internal.h"
#include "testlib.h"

static void c1_scalar(const char *cfg, int steps) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    double worst = 0;
    for (int t = 0; t < steps; t++) {
        double u = r->theta[0], w = r->theta[1]; /* f = W2 W1 x: theta = (W1, W2) = (w, u) */
        double C = u * u - w * w;
        ibp_run_step(r, 1, NULL, 0);
        const ibp__batch *b = &r->last;
        double g = 0;
        for (int i = 0; i < b->n; i++) g += (u * w * b->x[i] - b->y[i]) * b->x[i];
        g /= b->n;
        double eta = 0.05;
        double u1 = r->theta[0], w1 = r->theta[1];
        double C1 = u1 * u1 - w1 * w1;
        double dev = fabs(C1 - (1 - eta * eta * g * g) * C) / (u * u + w * w);
        if (dev > worst) worst = dev;
    }
    T_CHECK(worst <= 1e-12, "C1 scalar identity (%s): worst deviation %.3g (u^2+w^2 units)", cfg, worst);
    ibp_run_destroy(r);
}

static void c1_matrix(void) {
    /* f = U W x with W (3, 3) = layer 1, U (1, 3) = layer 2 */
    ibp_run *r = t_run("model=linear&depth=2&d=3&width=3&init=normal&init_scale=0.7&data=teacher&n=64&noise=0.5"
                      "&opt=sgd&batch=1&lr=0.02&steps=1000&measure=0", NULL, NULL);
    if (!r) return;
    double worst = 0;
    for (int t = 0; t < 1000; t++) {
        double dev = t_c1_matrix_step(r, 0.02);
        if (dev > worst) worst = dev;
    }
    T_CHECK(worst <= 1e-12, "C1 matrix identity: worst deviation %.3g (||theta||^2 units)", worst);
    ibp_run_destroy(r);
}

static double sq(const double *a, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * a[i];
    return s;
}

static void d1(const char *act) {
    char cfg[512];
    snprintf(cfg, sizeof cfg, "model=mlp&depth=4&d=10&out=2&width=32&bias=1&act=%s&init=fan_in&data=teacher"
                              "&teacher=sin&n=64&lr=0.02&steps=1000&measure=0", act);
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    const ibp__model *m = &r->m;
    long P = m->P;
    double *g = malloc(sizeof(double) * (size_t)P);
    double worst = 0;
    for (int t = 0; t < 1000; t++) {
        double loss;
        ibp_run_loss_grad(r, &loss, g); /* the gradient at theta_t that this GD step uses */
        double Dt[3], pred[3];
        for (int h = 0; h < 3; h++) {
            const ibp__layer *a = &m->L[h], *b = &m->L[h + 1];
            long na = (long)a->rows * a->cols, nb = (long)b->rows * b->cols;
            Dt[h] = sq(r->theta + a->off, na) + sq(r->theta + a->boff, a->rows) - sq(r->theta + b->off, nb);
            pred[h] = 0.02 * 0.02 * (sq(g + a->off, na) + sq(g + a->boff, a->rows) - sq(g + b->off, nb));
        }
        ibp_run_step(r, 1, NULL, 0);
        for (int h = 0; h < 3; h++) {
            const ibp__layer *a = &m->L[h], *b = &m->L[h + 1];
            long na = (long)a->rows * a->cols, nb = (long)b->rows * b->cols;
            double D1 = sq(r->theta + a->off, na) + sq(r->theta + a->boff, a->rows) - sq(r->theta + b->off, nb);
            double dev = fabs(D1 - Dt[h] - pred[h]) / fmax(1.0, fabs(Dt[h]));
            if (dev > worst) worst = dev;
        }
    }
    T_CHECK(worst <= 1e-10, "D1 identity (act=%s): worst deviation %.3g", act, worst);
    printf("D1 act=%s: worst per-step deviation %.3g (criterion 1e-10)\n", act, worst);
    free(g);
    ibp_run_destroy(r);
}

int main(void) {
    /* f = u w x: depth 2, d = 1, width 1; x ~ N(0,1), y = x + N(0,1) */
    c1_scalar("model=linear&depth=2&d=1&width=1&init=2,0.5&data=teacher&teacher_w=1&noise=1&n=1000&lr=0.05&steps=1000&measure=0", 1000);
    c1_scalar("model=linear&depth=2&d=1&width=1&init=2,0.5&data=teacher&teacher_w=1&noise=1&n=1000&opt=sgd&batch=1"
              "&sample=online&lr=0.05&steps=1000&measure=0", 1000);
    c1_scalar("model=linear&depth=2&d=1&width=1&init=0.5,2&data=teacher&teacher_w=1&noise=1&n=1000&opt=sgd&batch=4"
              "&lr=0.05&steps=1000&measure=0", 1000);
    c1_matrix();
    d1("relu");
    d1("identity");
    return t_summary();
}
