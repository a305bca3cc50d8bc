/* test_flow_params.c -- the flows' names and parameters (src/run/flow_params.c; ibp.h "Flows
 * beside GD: their names and parameters"), what the page draws the flows from.
 *
 * 1. Names: the prefix of each flow is the prefix of its columns, in column order; the labels.
 * 2. ibp_run_flow_params in lockstep: gradient flow of linear regression against its closed form
 *    w(t) = w* + V exp(-Lambda t) V^T (w0 - w*) at every step t = eta k (flow_tol = 1e-10: within
 *    1e-8 relative, as in test_flows.c), read through the public accessor only.
 * 3. ibp_run_flow_row_params in follow mode (uv factorization, P = 2, gf and central, GD ahead):
 *    each flow row's parameters are the lockstep run's flow parameters at that step, bit for bit,
 *    and ||theta_GD - theta_row|| computed here from them equals the row's own <prefix>_dist
 *    column to 1e-12 relative (the engine sums the same squares; only the order may differ).
 * 4. Models with P > IBP_FLOW_ROW_PARAMS_MAX keep no row parameters; runs without flows have none. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static int col_index(const ibp_run *r, const char *name) {
    for (int j = 0; j < ibp_run_flow_ncols(r); j++)
        if (!strcmp(ibp_run_flow_column(r, j), name)) return j;
    return -1;
}

static void names(void) {
    ibp_run *r = t_run("model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=1.5&steps=5&flow=gf,central", NULL, NULL);
    if (!r) return;
    T_CHECK(ibp_run_flow_count(r) == 2, "two flows: %d", ibp_run_flow_count(r));
    T_CHECK(!strcmp(ibp_run_flow_prefix(r, 0), "gf") && !strcmp(ibp_run_flow_prefix(r, 1), "cf"), "prefixes %s %s",
            ibp_run_flow_prefix(r, 0), ibp_run_flow_prefix(r, 1));
    T_CHECK(!strcmp(ibp_run_flow_label(r, 0), "gradient flow") && !strcmp(ibp_run_flow_label(r, 1), "central flow"),
            "labels %s / %s", ibp_run_flow_label(r, 0), ibp_run_flow_label(r, 1));
    T_CHECK(!ibp_run_flow_prefix(r, 2) && !ibp_run_flow_label(r, -1), "out of range: NULL");
    /* every flow column starts with the prefix of a flow, in the flows' order */
    int at = 0, ok = 1;
    for (int j = 1; j < ibp_run_flow_ncols(r); j++) {
        const char *c = ibp_run_flow_column(r, j);
        while (at < 2 && strncmp(c, ibp_run_flow_prefix(r, at), strlen(ibp_run_flow_prefix(r, at)))) at++;
        ok &= at < 2;
    }
    T_CHECK(ok, "the flow columns are grouped by flow, in the order of the prefixes");
    double th[2];
    T_CHECK(ibp_run_flow_params(r, 0, th, 3) == -1, "a wrong P is refused");
    ibp_run_destroy(r);
    /* all four flows: each flow's columns are "<its prefix>_...", and only its own */
    r = t_run("model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=1.5&steps=5&flow=gf,central,rod,edge", NULL, NULL);
    if (!r) return;
    T_CHECK(ibp_run_flow_count(r) == 4, "four flows: %d", ibp_run_flow_count(r));
    const char *want[4] = {"gf", "cf", "rf", "ef"};
    int mine[4] = {0}, strays = 0;
    for (int i = 0; i < 4 && i < ibp_run_flow_count(r); i++)
        T_CHECK(!strcmp(ibp_run_flow_prefix(r, i), want[i]), "flow %d: prefix %s, want %s", i, ibp_run_flow_prefix(r, i), want[i]);
    for (int j = 1; j < ibp_run_flow_ncols(r); j++) {
        const char *c = ibp_run_flow_column(r, j);
        int k = 0;
        while (k < 4 && !(strncmp(c, want[k], 2) == 0 && c[2] == '_')) k++;
        if (k < 4) mine[k]++; else strays++;
    }
    T_CHECK(!strays && mine[0] && mine[1] && mine[2] && mine[3], "columns per flow %d %d %d %d, %d without a flow's prefix",
            mine[0], mine[1], mine[2], mine[3], strays);
    ibp_run_destroy(r);
    r = t_run("model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=1.5&steps=5", NULL, NULL);
    if (!r) return;
    T_CHECK(ibp_run_flow_count(r) == 0 && !ibp_run_flow_prefix(r, 0) && !ibp_run_flow_row_params(r), "no flows: nothing");
    ibp_run_destroy(r);
}

static void params_closed_form(void) {
    ibp_run *r = t_run("model=linear&depth=1&d=4&n=20&data=teacher&noise=0.3&lr=0.05&steps=60&flow=gf&flow_tol=1e-10&measure=0",
                       NULL, NULL);
    if (!r) return;
    int d = 4, n = r->D.n;
    double H[16] = {0}, b[4] = {0}, w[4], V[16], w0[4];
    for (int s = 0; s < n; s++)
        for (int i = 0; i < d; i++) {
            b[i] += r->D.x[s * d + i] * r->D.y[s] / n;
            for (int j = 0; j < d; j++) H[i * d + j] += r->D.x[s * d + i] * r->D.x[s * d + j] / n;
        }
    t_jacobi_eigh(d, H, w, V);
    memcpy(w0, ibp_run_params(r), sizeof w0);
    T_CHECK(!ibp_run_flow_row_params(r), "P = 4 > IBP_FLOW_ROW_PARAMS_MAX: no row parameters");
    double worst = 0;
    int steps_ok = 1;
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_step(r, 1, NULL, 0);
        double t = ibp_run_lr0(r) * (double)ibp_run_t(r), wt[4] = {0}, th[4];
        for (int i = 0; i < d; i++) {
            double c0 = 0, bi = 0;
            for (int j = 0; j < d; j++) { c0 += V[j * d + i] * w0[j]; bi += V[j * d + i] * b[j]; }
            double e = exp(-w[i] * t), ci = e * c0 + (1 - e) / w[i] * bi;
            for (int j = 0; j < d; j++) wt[j] += V[j * d + i] * ci;
        }
        steps_ok &= ibp_run_flow_params(r, 0, th, 4) == ibp_run_t(r);
        worst = fmax(worst, t_relerr(th, wt, d));
    }
    printf("ibp_run_flow_params, gradient flow vs closed form: worst relative error %.3e over 60 steps\n", worst);
    T_CHECK(steps_ok, "the flow's step is GD's step in lockstep");
    T_CHECK(worst <= 1e-8, "worst relative error %.3g", worst);
    ibp_run_destroy(r);
}

#define UVCFG "model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=1.5&steps=120&measure_every=1&flow=gf,central"

static void row_params_follow(void) {
    ibp_run *a = t_run(UVCFG, NULL, NULL), *b = t_run(UVCFG, NULL, NULL);
    if (!a || !b) return;
    /* lockstep twin: the flows' parameters after every step */
    double lock[121][2][2];
    for (int k = 0; k <= 120; k++)
        for (int i = 0; i < 2; i++) lock[k][i][0] = lock[k][i][1] = NAN;
    while (ibp_run_state(a) == IBP_RUNNING) {
        ibp_run_step(a, 1, NULL, 0);
        long k = (long)ibp_run_t(a);
        for (int i = 0; i < 2 && k <= 120; i++) ibp_run_flow_params(a, i, lock[k][i], 2);
    }
    char err[256];
    T_CHECK(ibp_run_flow_follow(b, 1, err, sizeof err) == IBP_OK, "follow: %s", err);
    T_CHECK(ibp_run_flow_row_params(b) != NULL, "P = 2: row parameters kept");
    double gd[121][2];
    memcpy(gd[0], ibp_run_params(b), sizeof gd[0]);
    int jd[2] = {col_index(b, "gf_dist"), col_index(b, "cf_dist")};
    T_CHECK(jd[0] > 0 && jd[1] > 0, "dist columns");
    long rows = 0, nans = 0;
    int same = 1;
    double worst = 0;
    while (ibp_run_state(b) == IBP_RUNNING || ibp_run_flow_lag(b) > 0) {
        /* GD ahead by several steps, then the flows catch up in small budgets (many rows a call) */
        for (int s = 0; s < 7 && ibp_run_state(b) == IBP_RUNNING; s++) {
            if (ibp_run_step(b, 1, NULL, 0) <= 0) break;
            memcpy(gd[ibp_run_t(b)], ibp_run_params(b), sizeof gd[0]);
        }
        if (ibp_run_flow_step(b, 40, err, sizeof err) < 0) { T_CHECK(0, "flow step: %s", err); break; }
        const double *fr = ibp_run_flow_rows(b), *th = ibp_run_flow_row_params(b);
        int nc = ibp_run_flow_ncols(b);
        for (int q = 0; q < ibp_run_flow_nrows(b); q++) {
            long k = (long)fr[q * nc];
            for (int i = 0; i < 2; i++) {
                const double *x = th + ((size_t)q * 2 + i) * 2;
                same &= t_same_bits(x, lock[k][i], 2);
                nans += isnan(x[0]) || isnan(x[1]);
                double dx = gd[k][0] - x[0], dy = gd[k][1] - x[1], dist = sqrt(dx * dx + dy * dy);
                double e = fabs(dist - fr[q * nc + jd[i]]) / fmax(fabs(fr[q * nc + jd[i]]), 1e-300);
                if (fr[q * nc + jd[i]] != 0 || dist != 0) worst = fmax(worst, e);
            }
            rows++;
        }
        ibp_run_flow_clear_rows(b);
    }
    printf("follow mode, uv (P = 2): %ld flow rows, worst |dist - <prefix>_dist| / dist = %.3e\n", rows, worst);
    T_CHECK(rows == 120, "a flow row per GD row after step 0: %ld", rows);
    T_CHECK(nans == 0 && !*ibp_run_flow_message(b), "both flows ran throughout: %ld NaN states; %s", nans, ibp_run_flow_message(b));
    T_CHECK(same, "row parameters = the lockstep flow parameters, bit for bit");
    T_CHECK(worst <= 1e-12, "distance from the row parameters: %.3g", worst);
    ibp_run_destroy(a);
    ibp_run_destroy(b);
}

int main(void) {
    names();
    params_closed_form();
    row_params_follow();
    return t_summary();
}
