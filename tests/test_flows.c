/* test_flows.c -- the flows beside GD (src/flows/, src/run/flow_follow.c).
 *
 * 1. Gradient flow of linear regression (model=linear, depth=1: L = 1/2n ||X w - y||^2) against
 *    its closed form w(t) = w* + V exp(-Lambda t) V^T (w0 - w*) at every step t = eta k, with
 *    flow_tol = 1e-10: within 1e-8 relative (a few tol over the run; see test_ode.c).
 * 2. Observation never changes GD: GD's columns are the same bits with and without flows.
 * 3. Follow mode (GD runs ahead, the flows catch up in budgets of a few right-hand sides) gives
 *    the same bits as lockstep, row for row; GD stops stepping while its ring is full, and only
 *    then. The ring holds a row per step of the run, at most 64 MiB, at most what mem_cap leaves,
 *    and ibp_estimate counts it to the row.
 * 4. The complementarity problem of the central flow on random instances (nc = 1..4): the KKT
 *    conditions X >= 0, 1/2 B X - alpha >= 0, <X, 1/2 B X - alpha> = 0, checked with the test's
 *    own Jacobi eigensolver to 1e-8 of the problem's scale; nc = 1 equals the closed form.
 * 5. The central flow at the edge (F1 scalar factorisation, c = 1.5 < 2: GD converges; and the
 *    uv catapult at c = 2.5, which starts above 2/eta): once at the edge its sharpness stays
 *    <= (2/eta)(1 + 1e-6), and its sigma^2 >= 0. The same on two tiny cnns (1-D, one with avg pooling and
 *    two conv layers) and an mlp with softmax cross-entropy, where it must also reach 2/eta.
 * 6. (rodedge) Rod Flow and Edge Flow on a quadratic (linear regression, eta above 2/lambda_max):
 *    there both reduce to centre = the gradient flow and oscillation vector
 *    o(t) = V exp((Lambda - 2/eta) t) V^T o0 (Edge: the Rayleigh flow of u and log a' = S - 2/eta
 *    integrate to the same), so the magnitude grows at rate S - 2/eta exactly; checked against
 *    that closed form with the test's own eigensolver and start (o0 = eta/2 grad L for the rod,
 *    eta/2 <u1, grad L> u1 for Edge) within 1e-6 relative at flow_tol = 1e-10.
 * 7. (rodedge) Self-stabilisation on a quartic (F1 scalar factorisation 1/2 (1 - x y)^2 from
 *    (0.5, 1.9), eta = 0.9, 2/eta = 2.22 below the sharpness 3.84 there): GD catapults to a
 *    minimum with S = 2.108 < 2/eta; the gradient flow stays at 3.91; Rod and Edge Flow must end
 *    at S <= 2/eta within 5% of 2/eta of GD's. GD's columns with rod,edge, follow == lockstep.
 * 8. (rodedge) A CNN at the edge (they need only gradients and HVPs, no D3L): at T the Edge
 *    Flow's sharpness is within [0.97, 1] 2/eta (GD's hovers there), and both are closer to GD
 *    than the gradient flow is (||GD - flow|| / ||GD|| below gf_rel_dist).
 * 9. A flow far too stiff to model GD stops, with its message, once one GD step has cost it
 *    IBP__FLOW_RHS_PER_STEP_MAX right-hand sides (the Edge flow of an mf run at eta S / 2 = 325
 *    spent a million gradients on GD's first step before the cap): in lockstep and in follow mode
 *    with small budgets alike, at the same step, after the same number of right-hand sides. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "run/metrics.h"
#include "testlib.h"

static void gf_closed_form(void) {
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
    double Hc[16];
    memcpy(Hc, H, sizeof Hc);
    t_jacobi_eigh(d, Hc, w, V);
    memcpy(w0, r->theta0, sizeof w0);
    double worst = 0;
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_step(r, 1, NULL, 0);
        double t = r->eta0 * (double)r->t, wt[4] = {0};
        /* in the eigenbasis: c_i(t) = e^{-l t} c_i(0) + (1 - e^{-l t}) / l (V^T b)_i */
        for (int i = 0; i < d; i++) {
            double c0 = 0, bi = 0;
            for (int j = 0; j < d; j++) { c0 += V[j * d + i] * w0[j]; bi += V[j * d + i] * b[j]; }
            double e = exp(-w[i] * t), ci = e * c0 + (1 - e) / w[i] * bi;
            for (int j = 0; j < d; j++) wt[j] += V[j * d + i] * ci;
        }
        T_CHECK(r->flows->f[0].k == r->t, "the flow is at step %ld (GD %ld)", r->flows->f[0].k, r->t);
        worst = fmax(worst, t_relerr(r->flows->f[0].theta, wt, d));
    }
    printf("gradient flow of linear regression vs closed form: worst relative error %.3e over 60 steps\n", worst);
    T_CHECK(worst <= 1e-8, "worst relative error %.3g", worst);
    ibp_run_destroy(r);
}

/* all rows of a run, GD columns only (flow columns skipped) */
static double *gd_rows(const char *cfg, long *nrows, int *ncols) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return NULL;
    size_t cap = 4096, n = 0;
    int nc = ibp_run_ncols(r), keep = 0;
    for (int j = 0; j < nc; j++) keep += r->colkind[j] != IBP__COL_FLOW;
    double *out = malloc(sizeof(double) * cap * keep);
    for (;;) {
        for (int i = 0; i < ibp_run_nrows(r); i++) {
            int c = 0;
            for (int j = 0; j < nc; j++)
                if (r->colkind[j] != IBP__COL_FLOW) out[n * keep + c++] = ibp_run_rows(r)[i * nc + j];
            n++;
        }
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        ibp_run_step(r, 1000, NULL, 0);
    }
    *nrows = (long)n;
    *ncols = keep;
    ibp_run_destroy(r);
    return out;
}

#define EOSCFG "model=mlp&depth=2&d=4&width=12&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=48" \
               "&lr=0.6&measure_every=7&log_every=3"

static void gd_unchanged(void) {
    long n1, n2;
    int c1, c2;
    double *a = gd_rows(EOSCFG "&steps=160", &n1, &c1), *b = gd_rows(EOSCFG "&steps=160&flow=gf,central&flow_k=2", &n2, &c2);
    T_CHECK(a && b && n1 == n2 && c1 == c2 && t_same_bits(a, b, n1 * c1), "GD's rows are the same bits with flows (%ld vs %ld rows)",
            n1, n2);
    free(a); free(b);
}

/* ring: 0 keeps the ring the run was given (its `steps` rows here: GD never waits); else the
 * ring is cut to that many rows (white box: the same memory, fewer slots), so GD waits and the
 * ring wraps around. Either way GD waits exactly when the ring is full, and only then. */
static void follow_equals_lockstep(const char *cfg, long ring) {
    ibp_run *a = t_run(cfg, NULL, NULL), *b = t_run(cfg, NULL, NULL);
    if (!a || !b) return;
    long steps = (long)a->c.steps;
    T_CHECK(ibp_run_flow_lag_max(b) == steps, "%s: the ring holds a row for each of the %ld steps (%lld)", cfg, steps,
            (long long)ibp_run_flow_lag_max(b));
    if (ring) {
        T_CHECK(ring <= b->snap_cap && b->snap_n == 0, "the ring can be cut to %ld rows", ring);
        b->snap_cap = ring;
    }
    long cap = (long)ibp_run_flow_lag_max(b), maxlag = 0, early = 0, full_stepped = 0;
    int nc = ibp_run_ncols(a);
    /* lockstep: flow columns of every row, by step */
    double *lock = calloc(2000 * (size_t)nc, sizeof(double));
    long nl = 0;
    for (;;) {
        for (int i = 0; i < ibp_run_nrows(a); i++) memcpy(lock + nl++ * nc, ibp_run_rows(a) + i * nc, sizeof(double) * nc);
        ibp_run_clear_rows(a);
        if (ibp_run_state(a) != IBP_RUNNING) break;
        ibp_run_step(a, 1000, NULL, 0);
    }
    T_CHECK(ibp_run_flow_follow(b, 1, NULL, 0) == IBP_OK, "follow mode");
    int fnc = ibp_run_flow_ncols(b);
    T_CHECK(fnc > 1 && !strcmp(ibp_run_flow_column(b, 0), "step"), "flow table columns");
    /* the step-0 row was written at creation, in lockstep (flow columns filled there) */
    long nf = 0, ngd = 0, same = 1, blocked = 0;
    double *gd = calloc(2000 * (size_t)nc, sizeof(double));
    for (int i = 0; i < ibp_run_nrows(b); i++) memcpy(gd + ngd++ * nc, ibp_run_rows(b) + i * nc, sizeof(double) * nc);
    ibp_run_clear_rows(b);
    int rounds = 0;
    while ((ibp_run_state(b) == IBP_RUNNING || ibp_run_flow_lag(b) > 0) && rounds++ < 100000) {
        int running = ibp_run_state(b) == IBP_RUNNING;
        int64_t lag0 = ibp_run_flow_lag(b);
        int64_t took = running ? ibp_run_step(b, 7, NULL, 0) : 0;
        int64_t lag1 = ibp_run_flow_lag(b);
        if (lag1 > maxlag) maxlag = (long)lag1;
        if (running && took == 0) blocked++;
        if (running && lag0 == cap && took != 0) full_stepped++;        /* a step with the ring full */
        if (ibp_run_state(b) == IBP_RUNNING && took < 7 && lag1 < cap) early++; /* stopped, not full */
        for (int i = 0; i < ibp_run_nrows(b); i++) memcpy(gd + ngd++ * nc, ibp_run_rows(b) + i * nc, sizeof(double) * nc);
        ibp_run_clear_rows(b);
        if (rounds % 5 == 0 || ibp_run_state(b) != IBP_RUNNING) ibp_run_flow_step(b, 13, NULL, 0);
        for (int i = 0; i < ibp_run_flow_nrows(b); i++) {
            const double *fr = ibp_run_flow_rows(b) + i * fnc;
            /* the lockstep row of the same step */
            long k = -1;
            for (long j = 0; j < nl; j++) if (lock[j * nc] == fr[0]) k = j;
            if (k < 0) { same = 0; continue; }
            for (int c = 1; c < fnc; c++) {
                double x = lock[k * nc + b->fcol[c]], y = fr[c];
                if (!(t_bits(x) == t_bits(y) || (isnan(x) && isnan(y)))) same = 0;
            }
            nf++;
        }
        ibp_run_clear_rows(b);
        ibp_run_flow_clear_rows(b);
    }
    T_CHECK(nf == nl - 1, "a flow row for every GD row after step 0 (%ld vs %ld)", nf, nl - 1);
    T_CHECK(same, "follow-mode flow rows are the lockstep columns, bit for bit");
    T_CHECK(maxlag <= cap && !full_stepped && !early, "GD waits when its ring of %ld rows is full, and only then "
            "(most rows owed %ld; steps taken with the ring full %ld; stops short of full %ld)", cap, maxlag, full_stepped, early);
    if (ring) T_CHECK(blocked > 0 && maxlag == cap, "a ring of %ld rows: GD waited for the flows (%ld times)", cap, blocked);
    else T_CHECK(blocked == 0, "a ring of the run's %ld steps: GD never waited (%ld times)", cap, blocked);
    /* GD's own columns in follow mode: the lockstep bits (flow columns NaN) */
    int gd_same = ngd == nl;
    for (long i = 1; gd_same && i < nl; i++)
        for (int j = 0; j < nc; j++) {
            if (b->colkind[j] == IBP__COL_FLOW) { if (!isnan(gd[i * nc + j])) gd_same = 0; continue; }
            if (t_bits(gd[i * nc + j]) != t_bits(lock[i * nc + j])) gd_same = 0;
        }
    T_CHECK(gd_same, "follow mode: GD's rows unchanged, flow columns NaN there");
    T_CHECK(ibp_run_flow_follow(b, 0, NULL, 0) == IBP_OK, "back to lockstep once caught up");
    free(lock); free(gd);
    ibp_run_destroy(a);
    ibp_run_destroy(b);
}

/* --- rod/edge (rodedge) --- */
static void gd_unchanged_with(const char *cfg) {
    long n1, n2;
    int c1, c2;
    double *a = gd_rows(EOSCFG "&steps=160", &n1, &c1), *b = gd_rows(cfg, &n2, &c2);
    T_CHECK(a && b && n1 == n2 && c1 == c2 && t_same_bits(a, b, n1 * c1), "%s: GD's rows are the same bits (%ld vs %ld rows)",
            cfg, n1, n2);
    free(a); free(b);
}

static void quad_closed_form(int kind) {
    ibp_run *r = t_run(kind == IBP__FLOW_ROD ? "model=linear&depth=1&d=4&n=20&data=teacher&noise=0.3&lr_rel=2.6&steps=25&flow=rod&flow_tol=1e-10&measure=0"
                                             : "model=linear&depth=1&d=4&n=20&data=teacher&noise=0.3&lr_rel=2.6&steps=25&flow=edge&flow_tol=1e-10&measure=0",
                       NULL, NULL);
    if (!r) return;
    const char *name = kind == IBP__FLOW_ROD ? "rod" : "edge";
    int d = 4, n = r->D.n;
    double eta = r->eta0, H[16] = {0}, b[4] = {0}, lam[4], V[16], g0[4], o0[4], c0[4];
    for (int s2 = 0; s2 < n; s2++)
        for (int i = 0; i < d; i++) {
            b[i] += r->D.x[s2 * d + i] * r->D.y[s2] / n;
            for (int j = 0; j < d; j++) H[i * d + j] += r->D.x[s2 * d + i] * r->D.x[s2 * d + j] / n;
        }
    double Hc[16];
    memcpy(Hc, H, sizeof Hc);
    t_jacobi_eigh(d, Hc, lam, V);
    int top = 0;
    for (int i = 1; i < d; i++) if (lam[i] > lam[top]) top = i;
    T_CHECK(lam[top] > 2 / eta, "%s: the quadratic is above the edge (S eta/2 = %.3f)", name, lam[top] * eta / 2);
    for (int i = 0; i < d; i++) { g0[i] = -b[i]; for (int j = 0; j < d; j++) g0[i] += H[i * d + j] * r->theta0[j]; }
    if (kind == IBP__FLOW_ROD) {
        for (int i = 0; i < d; i++) o0[i] = 0.5 * eta * g0[i];
    } else {
        double ug = 0;
        for (int i = 0; i < d; i++) ug += V[i * d + top] * g0[i];
        for (int i = 0; i < d; i++) o0[i] = 0.5 * eta * ug * V[i * d + top];
    }
    for (int i = 0; i < d; i++) c0[i] = r->theta0[i] - o0[i];
    double worst = 0, growth = 0;
    const ibp__flow *f = &r->flows->f[0];
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_step(r, 1, NULL, 0);
        double t = eta * (double)r->t, ct[4] = {0}, ot[4] = {0}, fo[4];
        for (int i = 0; i < d; i++) {
            double p0 = 0, bi = 0, q0 = 0;
            for (int j = 0; j < d; j++) { p0 += V[j * d + i] * c0[j]; bi += V[j * d + i] * b[j]; q0 += V[j * d + i] * o0[j]; }
            double e = exp(-lam[i] * t), ci = e * p0 + (1 - e) / lam[i] * bi, oi = exp((lam[i] - 2 / eta) * t) * q0;
            for (int j = 0; j < d; j++) { ct[j] += V[j * d + i] * ci; ot[j] += V[j * d + i] * oi; }
        }
        double nv = sqrt(t_dot(f->theta + d, f->theta + d, d)), a = exp(f->theta[2 * d]);
        for (int i = 0; i < d; i++) fo[i] = a * f->theta[d + i] / nv;
        worst = fmax(worst, fmax(t_relerr(f->theta, ct, d), t_relerr(fo, ot, d)));
        double q0 = 0, qt = 0;
        for (int j = 0; j < d; j++) { q0 += V[j * d + top] * o0[j]; qt += V[j * d + top] * fo[j]; }
        growth = log(fabs(qt / q0)) / t;
        T_CHECK(f->k == r->t, "%s: the flow is at GD's step", name);
    }
    printf("%s flow on a quadratic above the edge vs closed form: worst relative error %.3e over 25 steps; "
           "growth rate along the top eigenvector %.9f vs S - 2/eta = %.9f\n", name, worst, growth, lam[top] - 2 / eta);
    T_CHECK(worst <= 1e-6, "%s: worst relative error %.3g", name, worst);
    T_CHECK(fabs(growth - (lam[top] - 2 / eta)) <= 1e-6 * lam[top], "%s: growth rate %.9g", name, growth);
    ibp_run_destroy(r);
}

static void quartic_self_stabilisation(void) {
    ibp_run *r = t_run("model=mf&rows=1&cols=1&rank=1&target=1&init=0.5,1.9&lr=0.9&steps=300&measure=1&measure_every=1"
                       "&log_every=1&flow=gf,rod,edge", NULL, NULL);
    if (!r) return;
    int nc = ibp_run_ncols(r), js = ibp_run_column_index(r, "sharpness"), jg = ibp_run_column_index(r, "gf_sharpness"),
        jr = ibp_run_column_index(r, "rf_sharpness"), je = ibp_run_column_index(r, "ef_sharpness");
    double last[4] = {0};
    for (;;) {
        for (int i = 0; i < ibp_run_nrows(r); i++) {
            const double *row = ibp_run_rows(r) + i * nc;
            last[0] = row[js]; last[1] = row[jg]; last[2] = row[jr]; last[3] = row[je];
        }
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        ibp_run_step(r, 1000, NULL, 0);
    }
    double edge = 2.0 / r->eta0;
    printf("F1 quartic, eta = 0.9 (2/eta = %.4f): final sharpness GD %.4f, gradient flow %.4f, rod %.4f, edge %.4f\n", edge,
           last[0], last[1], last[2], last[3]);
    T_CHECK(last[0] < edge && last[1] > edge, "the setting: GD stabilises (S %.4f), the gradient flow does not (%.4f)", last[0], last[1]);
    T_CHECK(last[2] <= edge && fabs(last[2] - last[0]) <= 0.05 * edge, "rod flow self-stabilises near GD: %.4f", last[2]);
    T_CHECK(last[3] <= edge && fabs(last[3] - last[0]) <= 0.05 * edge, "edge flow self-stabilises near GD: %.4f", last[3]);
    T_CHECK(!*ibp_run_flow_message(r), "%s", ibp_run_flow_message(r));
    ibp_run_destroy(r);
}
static void cnn_at_edge(void) {
    ibp_run *r = t_run("model=cnn&d=16&in_shape=1,4,4&conv=3x2&depth=2&width=8&act=tanh&data=teacher&teacher=sin&n=40"
                       "&lr=1&steps=200&measure_every=10&log_every=20&flow=gf,rod,edge", NULL, NULL);
    if (!r) return;
    int nc = ibp_run_ncols(r), jg = ibp_run_column_index(r, "gf_rel_dist"), jr = ibp_run_column_index(r, "rf_rel_dist"),
        je = ibp_run_column_index(r, "ef_rel_dist"), js = ibp_run_column_index(r, "ef_sharpness");
    double g = NAN, rd = NAN, ed = NAN, es = NAN;
    for (;;) {
        for (int i = 0; i < ibp_run_nrows(r); i++) {
            const double *row = ibp_run_rows(r) + i * nc;
            g = row[jg]; rd = row[jr]; ed = row[je]; es = row[js];
        }
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        ibp_run_step(r, 1000, NULL, 0);
    }
    double edge = 2.0 / r->eta0;
    printf("cnn at the edge, T = 200: ||GD - flow|| / ||GD||: gradient flow %.4f, rod %.4f, edge %.4f; edge flow S eta/2 = %.4f\n",
           g, rd, ed, es / edge);
    T_CHECK(rd < g && ed < g, "cnn: rod (%.4g) and edge (%.4g) closer to GD than the gradient flow (%.4g)", rd, ed, g);
    T_CHECK(es <= edge && es >= 0.97 * edge, "cnn: the edge flow's sharpness at the edge: %.6g eta/2", es / edge);
    T_CHECK(!*ibp_run_flow_message(r), "%s", ibp_run_flow_message(r));
    ibp_run_destroy(r);
}
/* --- end rod/edge --- */

static void sdcp_kkt(void) {
    uint64_t st = 99;
    for (int trial = 0; trial < 200; trial++) {
        int nc = 1 + trial % 4, np = nc * (nc + 1) / 2, P = 12;
        double G[10 * 12], Gm[100], alpha[16], X[16], qp[400];
        for (int p = 0; p < np * P; p++) G[p] = t_rand_normal(&st);
        if (trial % 3 == 0) for (int l = 0; l < P; l++) G[P + l] = G[l] + 1e-3 * G[P + l]; /* near-parallel pairs */
        for (int p = 0; p < np; p++)
            for (int q = 0; q < np; q++) Gm[p * np + q] = t_dot(G + p * P, G + q * P, P);
        for (int i = 0; i < nc; i++)
            for (int j = i; j < nc; j++) alpha[i * nc + j] = alpha[j * nc + i] = 3 * t_rand_normal(&st);
        ibp__central_sdcp(nc, Gm, alpha, X, qp);
        if (nc == 1) { X[0] = alpha[0] > 0 ? alpha[0] / (0.5 * Gm[0]) : 0; }
        /* R = 1/2 B X - alpha */
        double R[16], scale = 1e-300;
        int pi[4][4], p = 0;
        for (int i = 0; i < nc; i++) for (int j = i; j < nc; j++) pi[i][j] = pi[j][i] = p++;
        for (int i = 0; i < nc; i++)
            for (int j = 0; j < nc; j++) {
                double s = 0;
                for (int k = 0; k < nc; k++) for (int l = 0; l < nc; l++) s += Gm[pi[i][j] * np + pi[k][l]] * X[k * nc + l];
                R[i * nc + j] = 0.5 * s - alpha[i * nc + j];
                scale = fmax(scale, fabs(alpha[i * nc + j]));
            }
        double A[16], w[4];
        memcpy(A, X, sizeof A); t_jacobi_eigh(nc, A, w, NULL);
        double xmin = w[0];
        memcpy(A, R, sizeof A); t_jacobi_eigh(nc, A, w, NULL);
        double rmin = w[0], comp = 0, xs = 0;
        for (int i = 0; i < nc * nc; i++) { comp += X[i] * R[i]; xs += fabs(X[i]); }
        double tol = 1e-8 * scale;
        T_CHECK(xmin >= -1e-10 * (xs + 1e-300) - 1e-300, "trial %d (nc %d): X >= 0 (min eig %.3g)", trial, nc, xmin);
        T_CHECK(rmin >= -tol, "trial %d (nc %d): 1/2 B X - alpha >= 0 (min eig %.3g, scale %.3g)", trial, nc, rmin, scale);
        T_CHECK(fabs(comp) <= tol * (xs + 1), "trial %d (nc %d): complementarity %.3g", trial, nc, comp);
    }
}

/* Follow mode's ring (flow_follow.c): a row for each of the run's steps, at most 64 MiB of them,
 * at most what mem_cap leaves; a row is GD's theta (8 P bytes), its step (8) and whether it was
 * measured (4). ibp_estimate counts it, to the row; GD waits exactly when it is full. */
#define WIDECFG "model=mlp&depth=3&d=4&width=256&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=16" \
                "&lr=0.02&measure=0&log_every=1&flow=gf"
static double est(const char *cfg, int64_t *P) {
    char err[512] = "";
    double bytes = -1;
    ibp_run_desc d = {.config = cfg};
    int rc = ibp_estimate(&d, &bytes, P, err, sizeof err);
    T_CHECK(rc == IBP_OK, "estimate %s: %s", cfg, err);
    return bytes;
}

static void ring_bound(void) {
    const double MiB = 1048576.0, slack = 3 * 16; /* 3 slices, each aligned to 16 bytes */
    int64_t P = 0;
    /* the estimate grows by a row per step with flows, and not at all without */
    double e100 = est(EOSCFG "&steps=100&flow=gf", &P), e160 = est(EOSCFG "&steps=160&flow=gf", &P);
    double row = 8.0 * (double)P + 12;
    T_CHECK(fabs(e160 - e100 - 60 * row) <= slack, "60 more steps: the estimate grows by 60 ring rows of %g bytes (%g)", row,
            e160 - e100);
    T_CHECK(est(EOSCFG "&steps=160", NULL) == est(EOSCFG "&steps=100", NULL), "no ring without flows");
    /* a wide model (P = 67,329): 64 MiB hold 124 rows of its 400 steps */
    double e2 = est(WIDECFG "&steps=2", &P), e400 = est(WIDECFG "&steps=400", &P);
    row = 8.0 * (double)P + 12;
    ibp_run *r = t_run(WIDECFG "&steps=400", NULL, NULL);
    if (!r) return;
    long full = (long)ibp_run_flow_lag_max(r);
    T_CHECK(full < 400 && full * row <= 64 * MiB && (full + 1) * row > 64 * MiB,
            "P = %lld: the ring holds the %ld rows that fit in 64 MiB (rows of %g bytes)", (long long)P, full, row);
    T_CHECK(fabs(e400 - e2 - (double)(full - 2) * row) <= slack && (double)r->mem_bytes == e400,
            "the estimate counts those %ld rows (%g bytes more than 2 rows; allocated %zu, estimated %g)", full, e400 - e2,
            r->mem_bytes, e400);
    ibp_run_destroy(r);
    /* mem_cap 30.5 rows below that: the ring takes the room left, and the run still fits */
    char cfg[512], err[512] = "";
    double cap = e400 - 30.5 * row;
    snprintf(cfg, sizeof cfg, WIDECFG "&steps=400&mem_cap=%.17g", cap / MiB);
    r = t_run(cfg, NULL, NULL);
    if (!r) return;
    long n = (long)ibp_run_flow_lag_max(r);
    T_CHECK(n < full && n >= 2 && (double)r->mem_bytes <= cap && cap - (double)r->mem_bytes < row + slack,
            "mem_cap %.3f MiB: a ring of %ld rows (of %ld) in the room it leaves (%g bytes left)", cap / MiB, n, full,
            cap - (double)r->mem_bytes);
    printf("follow mode's ring: P = %lld, rows of %.0f bytes: %ld rows in 64 MiB (of 400 steps), %ld under mem_cap %.3f MiB\n",
           (long long)P, row, full, n, cap / MiB);
    /* GD waits exactly when the ring is full: a row per step, so n steps, then none */
    T_CHECK(ibp_run_flow_follow(r, 1, err, sizeof err) == IBP_OK, "follow: %s", err);
    long took = 0, waited_early = 0;
    for (long i = 0; i < n; i++) {
        if (ibp_run_step(r, 1, NULL, 0) == 1) took++;
        else waited_early++;
        ibp_run_clear_rows(r);
    }
    T_CHECK(took == n && !waited_early && ibp_run_flow_lag(r) == n, "GD took %ld steps with the ring filling (of %ld)", took, n);
    T_CHECK(ibp_run_step(r, 1, NULL, 0) == 0 && ibp_run_state(r) == IBP_RUNNING && ibp_run_flow_lag(r) == n,
            "the ring full: GD waits, still running");
    int64_t got = 0;
    for (int i = 0; i < 1000 && !got; i++) got = ibp_run_flow_step(r, 1, NULL, 0);
    T_CHECK(got == 1 && ibp_run_flow_lag(r) == n - 1 && ibp_run_flow_nrows(r) == 1, "the flows produced one row (%lld)",
            (long long)got);
    T_CHECK(ibp_run_step(r, 5, NULL, 0) == 1 && ibp_run_flow_lag(r) == n, "one row free: GD takes one step, and waits again");
    ibp_run_destroy(r);
    /* a cap without room for 2 rows: refused, as before */
    snprintf(cfg, sizeof cfg, WIDECFG "&steps=400&mem_cap=%.17g", (e2 - row) / MiB);
    ibp_run_desc d = {.config = cfg};
    r = NULL;
    T_CHECK(ibp_run_create(&r, &d, err, sizeof err) == IBP_E_MEMORY && strstr(err, "mem_cap"), "no room for the ring: %s", err);
    if (r) ibp_run_destroy(r);
}

static double central_at_edge(const char *cfg) {
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return 0;
    int js = ibp_run_column_index(r, "cf_sharpness"), jg = ibp_run_column_index(r, "cf_sigma2");
    double edge = 2.0 / r->eta0, worst = 0;
    int at_edge = 0;
    for (;;) {
        for (int i = 0; i < ibp_run_nrows(r); i++) {
            double s = ibp_run_rows(r)[i * ibp_run_ncols(r) + js], g = ibp_run_rows(r)[i * ibp_run_ncols(r) + jg];
            if (at_edge) worst = fmax(worst, s / edge);
            if (s <= edge * (1 + 1e-6)) at_edge = 1;
            T_CHECK(isnan(g) || g >= 0, "%s: sigma^2 = %.3g >= 0", cfg, g);
        }
        ibp_run_clear_rows(r);
        if (ibp_run_state(r) != IBP_RUNNING) break;
        ibp_run_step(r, 1000, NULL, 0);
    }
    printf("%s: central flow max S / (2/eta) once at the edge %.12f\n", cfg, worst);
    T_CHECK(at_edge && worst <= 1 + 1e-6, "%s: max S eta/2 = %.12g", cfg, worst);
    T_CHECK(!*ibp_run_flow_message(r), "%s: %s", cfg, ibp_run_flow_message(r));
    ibp_run_destroy(r);
    return worst;
}

static void refusals(void) {
    ibp_run *r = t_run(EOSCFG "&steps=10&flow=gf", NULL, NULL);
    if (!r) return;
    char err[256] = "";
    T_CHECK(ibp_run_set_lr(r, 0.5, err, sizeof err) == IBP_E_STATE && strstr(err, "constant"), "set_lr refused: %s", err);
    T_CHECK(ibp_run_flow_step(r, -1, err, sizeof err) == IBP_E_ARG, "negative budget refused: %s", err);
    /* the same rate is no change: nothing is recorded, so the run's config still creates a run */
    T_CHECK(ibp_run_set_lr(r, ibp_run_lr(r), err, sizeof err) == IBP_OK, "set_lr to the same rate: %s", err);
    char cfg[4096];
    ibp_run_config(r, 0, cfg, sizeof cfg);
    T_CHECK(!strstr(cfg, "lr_at"), "no lr_at recorded beside flows: %s", cfg);
    ibp_run_destroy(r);
    /* lr_at changes eta mid-run: the flows, stated for one eta, refuse it as they refuse warmup */
    ibp_run_desc d = {.config = EOSCFG "&steps=10&flow=gf&lr_at=5,0.1"};
    T_CHECK(ibp_run_create(&r, &d, err, sizeof err) == IBP_E_CONFIG && strstr(err, "lr_at"), "lr_at beside flows refused: %s", err);
    if (r) ibp_run_destroy(r);
    r = NULL;
    r = t_run(EOSCFG "&steps=10", NULL, NULL);
    if (!r) return;
    T_CHECK(ibp_run_flow_follow(r, 1, err, sizeof err) == IBP_E_STATE && strstr(err, "no flows"), "no flows: %s", err);
    T_CHECK(ibp_run_flow_ncols(r) == 0 && ibp_run_flow_at(r) == -1 && !*ibp_run_flow_message(r), "no flows: empty table");
    ibp_run_destroy(r);
}

/* 9: GD diverges at once and a flow cannot follow its first step: the Edge flow of an mf run at
 * eta S / 2 = 325; the central flow and the rod flow started far above the edge (eta S0 = 17 on
 * the default net), where each of the central flow's right-hand sides is a block eigensolve and
 * third derivatives (before the cap came down to 400, GD's first step took it about 50 s). */
static void too_stiff(const char *cfg, const char *name) {
    long rhs[2] = {0, 0}, k[2] = {-1, -1};
    for (int follow = 0; follow < 2; follow++) {
        ibp_run *r = t_run(cfg, NULL, NULL);
        if (!r) return;
        if (follow) T_CHECK(ibp_run_flow_follow(r, 1, NULL, 0) == IBP_OK, "follow mode");
        for (int round = 0; round < 10000 && (ibp_run_state(r) == IBP_RUNNING || ibp_run_flow_lag(r) > 0); round++) {
            if (ibp_run_state(r) == IBP_RUNNING) ibp_run_step(r, 1, NULL, 0);
            ibp_run_clear_rows(r);
            if (follow) { ibp_run_flow_step(r, 97, NULL, 0); ibp_run_flow_clear_rows(r); }
            if (*ibp_run_flow_message(r) && ibp_run_state(r) != IBP_RUNNING) break;
        }
        const char *m = ibp_run_flow_message(r);
        const ibp__flow *f = &r->flows->f[0];
        T_CHECK(f->failed && strstr(m, name) && strstr(m, "stopped at step 0") && strstr(m, "right-hand sides") &&
                    strstr(m, "too stiff"),
                "%s mode: the %s stopped, said: %s", follow ? "follow" : "lockstep", name, m);
        /* the cap is checked after each ACCEPTED integrator step: it is passed by that step (6
         * stages), the first call's start (2) and the attempts rejected just before it (6 each;
         * the central flow above the edge needed 4 of them) */
        T_CHECK(f->rhs >= IBP__FLOW_RHS_PER_STEP_MAX && f->rhs <= IBP__FLOW_RHS_PER_STEP_MAX + 8 + 6 * 8,
                "%s mode, %s: %ld right-hand sides before it stopped (cap %d)", follow ? "follow" : "lockstep", name,
                f->rhs, IBP__FLOW_RHS_PER_STEP_MAX);
        T_CHECK(ibp_run_state(r) == IBP_DIVERGED, "GD diverged as before (state %d)", ibp_run_state(r));
        rhs[follow] = f->rhs;
        k[follow] = f->k;
        ibp_run_destroy(r);
    }
    T_CHECK(rhs[0] == rhs[1] && k[0] == k[1], "the same stop in both modes: %ld / %ld right-hand sides, step %ld / %ld",
            rhs[0], rhs[1], k[0], k[1]);
}

/* The cap against what a flow that does follow GD spends: the central flow at the edge of
 * stability (EOSCFG reaches it at step ~60) and the rod flow, in lockstep, GD step by GD step.
 * The cap must leave such flows a wide margin (5x their worst step) and stop one that cannot
 * follow within a few tens of their steps' work (20x): a central flow's right-hand side is a block
 * eigensolve and third derivatives, and the old cap (10,000) let one stuck step cost ~50 s. */
static void cap_against_normal_steps(void) {
    const char *cfgs[] = {EOSCFG "&flow=central&flow_k=2&steps=300", EOSCFG "&flow=rod&steps=300"};
    for (int c = 0; c < 2; c++) {
        ibp_run *r = t_run(cfgs[c], NULL, NULL);
        if (!r) return;
        long worst = 0, prev = r->flows->f[0].rhs;
        while (ibp_run_state(r) == IBP_RUNNING) {
            ibp_run_step(r, 1, NULL, 0);
            ibp_run_clear_rows(r);
            long now = r->flows->f[0].rhs;
            if (now - prev > worst) worst = now - prev;
            prev = now;
        }
        T_CHECK(!r->flows->f[0].failed && worst > 0, "%s: followed GD to the end (%s)", cfgs[c], ibp_run_flow_message(r));
        T_CHECK(IBP__FLOW_RHS_PER_STEP_MAX >= 5 * worst && IBP__FLOW_RHS_PER_STEP_MAX <= 20 * worst,
                "%s: worst step %ld right-hand sides; cap %d in [5x, 20x] of it", cfgs[c], worst, IBP__FLOW_RHS_PER_STEP_MAX);
        printf("%s flow: worst GD step %ld right-hand sides (cap %d)\n", c ? "rod" : "central", worst, IBP__FLOW_RHS_PER_STEP_MAX);
        ibp_run_destroy(r);
    }
}

/* Two flows that stop for different reasons are both named, in column order (the CLI and the
 * page print this one message). */
static void every_stop_said(void) {
    ibp_run *r = t_run("model=mf&rows=4&flow=rod,edge&lr=51.26&steps=5", NULL, NULL);
    if (!r) return;
    while (ibp_run_state(r) == IBP_RUNNING) { ibp_run_step(r, 1, NULL, 0); ibp_run_clear_rows(r); }
    const char *m = ibp_run_flow_message(r);
    const ibp__flow *rod = &r->flows->f[0], *edge = &r->flows->f[1];
    char want[sizeof r->flows->msg];
    snprintf(want, sizeof want, "%s; %s", rod->msg, edge->msg);
    T_CHECK(rod->failed && edge->failed && strstr(rod->msg, "rod flow") && strstr(edge->msg, "edge flow") && !strcmp(m, want),
            "both stops said, in column order: %s", m);
    ibp_run_destroy(r);
}

int main(void) {
    refusals();
    too_stiff("model=mf&rows=4&flow=edge&lr=51.26&steps=5", "edge flow");
    too_stiff("flow=central&lr=5&steps=100", "central flow");
    too_stiff("flow=rod&lr=5&steps=100", "rod flow");
    cap_against_normal_steps();
    every_stop_said();
    gf_closed_form();
    gd_unchanged();
    follow_equals_lockstep(EOSCFG "&steps=160&flow=gf,central&flow_k=2", 0);
    follow_equals_lockstep(EOSCFG "&steps=160&flow=gf,central&flow_k=2", 5);
    ring_bound();
    /* --- rod/edge (rodedge) --- */
    follow_equals_lockstep(EOSCFG "&steps=160&flow=rod,edge", 0);
    follow_equals_lockstep(EOSCFG "&steps=160&flow=rod,edge", 6);
    gd_unchanged_with(EOSCFG "&steps=160&flow=gf,rod,edge");
    quad_closed_form(IBP__FLOW_ROD);
    quad_closed_form(IBP__FLOW_EDGE);
    quartic_self_stabilisation();
    cnn_at_edge();
    /* --- end rod/edge --- */
    sdcp_kkt();
    central_at_edge("model=linear&depth=2&d=1&width=200&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&steps=200&flow=central&flow_k=2");
    central_at_edge(EOSCFG "&flow=central&flow_k=2&steps=300");
    /* D3L of a cnn and of the softmax cross-entropy (issue 15): the constraint becomes active (the
     * flow reaches 2/eta, so the check above is not vacuous) and holds */
    static const char *d3cfgs[] = {
        "model=cnn&d=8&in_shape=1,8&conv=4x3&depth=2&width=8&act=tanh&data=teacher&teacher=tanh_mlp&teacher_scale=4"
        "&standardize=1&n=16&lr=0.5&measure_every=5&steps=120&flow=gf,central&flow_k=2",
        "model=cnn&d=16&in_shape=2,8&conv=3x3,4x2&stride=1,2&padding=same&pool=avg&depth=1&act=gelu&data=teacher"
        "&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=12&lr_rel=1.9&measure_every=5&steps=120&flow=central&flow_k=2",
        "model=mlp&depth=2&d=4&width=12&out=3&act=tanh&data=inline&loss=ce&lr=2&measure_every=5&steps=150&flow=gf,central&flow_k=2"
        "&xs=0.5,-1,2,0.3,1,1,-0.7,0.2,-2,1.5,0.4,0.9,0.1,0.2,-0.3,1.1,-1.2,0.8,0.6,-0.4,0.3,-0.9,1.4,-0.2"
        "&ys=1,0,0,0,1,0,0,0,1,1,0,0,0,1,0,0,0,1",
    };
    for (int i = 0; i < 3; i++) {
        double top = central_at_edge(d3cfgs[i]);
        T_CHECK(top >= 1 - 1e-3, "%s: the central flow reached 2/eta (max S eta/2 = %.6g)", d3cfgs[i], top);
    }
    return t_summary();
}
