/* bench_flows.c -- what the flows beside GD cost (issue 15): on the H2 network of science.md
 * (tanh MLP [8, 32, 32, 1], P = 1377, n = 256) at eta = 0.3, seed 0, T steps of GD with
 *   none            GD alone (with its sharpness every 10 steps)
 *   flow=gf         + gradient flow (gradients only)
 *   flow=central    + central flow, k = 3 (a warm Lanczos solve per right-hand side; at the edge
 *                   up to k (k + 1)/2 exact D3 passes)
 *   flow=rod        + Rod Flow (rodedge: two gradients per right-hand side)
 *   flow=edge       + Edge Flow (rodedge: two gradients and one HVP per right-hand side, a Lanczos
 *                   solve at the start)
 * printed: wall time (and its ratio to GD alone, same run), right-hand sides, HVPs and D3 passes
 * per GD step and per unit of flow time t = eta k, before and after the central flow reaches the
 * edge (its first step with S >= (2/eta)(1 - 1e-3)).
 *   build/native/bench_flows [T]     (default T = 1000; the edge is reached near step 600)
 *   wasm: node --no-experimental-fetch build/wasm/bench_flows.js [T] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "run/run_internal.h"

#define H2CFG "model=mlp&depth=3&d=8&width=32&act=tanh&bias=1&init=fan_in&data=teacher&teacher=tanh_mlp" \
              "&teacher_width=64&teacher_scale=4&standardize=1&n=256&lr=0.3&measure_every=10&log_every=10&seed=0"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct { double wall; long rhs, hvps, d3s; long edge_t, rhs_e, hvps_e, d3s_e; long grads; } cost;

static cost run(const char *extra, long T) {
    char cfg[1024], err[512];
    snprintf(cfg, sizeof cfg, H2CFG "&steps=%ld%s", T, extra);
    ibp_run_desc desc = {.config = cfg};
    ibp_run *r;
    cost c = {0, 0, 0, 0, -1, 0, 0, 0, 0};
    if (ibp_run_create(&r, &desc, err, sizeof err) != IBP_OK) { fprintf(stderr, "%s\n", err); exit(2); }
    double t0 = now();
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_step(r, 1, NULL, 0);
        ibp_run_clear_rows(r);
        ibp__flows *fl = r->flows;
        if (fl && c.edge_t < 0)
            for (int i = 0; i < fl->n; i++)
                if (fl->f[i].kind == IBP__FLOW_CENTRAL && fl->f[i].lam[0] >= (2.0 / r->eta0) * (1 - 1e-3)) {
                    c.edge_t = r->t;
                    c.rhs_e = fl->f[i].rhs; c.hvps_e = fl->f[i].hvps; c.d3s_e = fl->f[i].d3s;
                }
    }
    c.wall = now() - t0;
    if (r->flows)
        for (int i = 0; i < r->flows->n; i++) {
            c.rhs += r->flows->f[i].rhs; c.hvps += r->flows->f[i].hvps; c.d3s += r->flows->f[i].d3s;
            c.grads += r->flows->f[i].grads;
        }
    ibp_run_destroy(r);
    return c;
}

int main(int argc, char **argv) {
    long T = argc > 1 ? atol(argv[1]) : 1000;
    double eta = 0.3;
    printf("H2 (P = 1377, n = 256), eta = %g, seed 0, T = %ld GD steps\n", eta, T);
    cost g = run("", T), f = run("&flow=gf", T), c = run("&flow=central&flow_k=3", T);
    printf("%-26s %9s %7s %12s %12s %12s\n", "", "wall s", "x GD", "rhs/step", "HVPs/step", "D3/step");
    printf("%-26s %9.2f %7.2f %12s %12s %12s\n", "GD alone", g.wall, 1.0, "-", "-", "-");
    printf("%-26s %9.2f %7.2f %12.2f %12s %12s\n", "GD + gradient flow", f.wall, f.wall / g.wall, (double)f.rhs / T, "0", "0");
    printf("%-26s %9.2f %7.2f %12.2f %12.2f %12.2f\n", "GD + central flow (k=3)", c.wall, c.wall / g.wall,
           (double)c.rhs / T, (double)c.hvps / T, (double)c.d3s / T);
    if (c.edge_t > 0 && c.edge_t < T) {
        long a = c.edge_t, b = T - c.edge_t;
        printf("central flow before the edge (steps 0..%ld): %.2f rhs, %.1f HVPs, %.2f D3 per step = %.1f HVPs per unit time\n",
               a, (double)c.rhs_e / a, (double)c.hvps_e / a, (double)c.d3s_e / a, (double)c.hvps_e / (a * eta));
        printf("central flow at the edge (steps %ld..%ld): %.2f rhs, %.1f HVPs, %.2f D3 per step = %.1f HVPs per unit time\n",
               a, T, (double)(c.rhs - c.rhs_e) / b, (double)(c.hvps - c.hvps_e) / b, (double)(c.d3s - c.d3s_e) / b,
               (double)(c.hvps - c.hvps_e) / (b * eta));
    }
    printf("gradient flow: %.2f gradients per step = %.1f per unit time\n", (double)f.rhs / T, (double)f.rhs / (T * eta));
    /* --- rod/edge (rodedge) --- */
    cost rd = run("&flow=rod", T), ed = run("&flow=edge", T);
    printf("%-26s %9.2f %7.2f %12.2f %12.2f %12s   %.2f gradients/step\n", "GD + rod flow", rd.wall, rd.wall / g.wall,
           (double)rd.rhs / T, (double)rd.hvps / T, "0", (double)rd.grads / T);
    printf("%-26s %9.2f %7.2f %12.2f %12.2f %12s   %.2f gradients/step\n", "GD + edge flow", ed.wall, ed.wall / g.wall,
           (double)ed.rhs / T, (double)ed.hvps / T, "0", (double)ed.grads / T);
    printf("rod flow: %.1f gradients per unit time; edge flow: %.1f gradients + %.1f HVPs per unit time "
           "(rod's HVPs: none but the measured rows' Lanczos, %.1f per step)\n",
           (double)rd.grads / (T * eta), (double)ed.grads / (T * eta), (double)ed.hvps / (T * eta), (double)rd.hvps / T);
    /* --- end rod/edge --- */
    return 0;
}
