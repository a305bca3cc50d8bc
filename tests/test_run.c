/* The run object: the memory cap, the GD update, stopping and divergence, lr_rel against a
 * dense eigensolver, changing eta mid-run, params JSON round trip, determinism run after run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static void test_memory_cap(void) {
    char err[512] = "";
    double bytes = 0;
    int64_t P = 0;
    ibp_run_desc d = {.config = "model=mlp&depth=3&width=20000&d=100&n=1000"};
    int rc = ibp_estimate(&d, &bytes, &P, err, sizeof err);
    T_CHECK(rc == IBP_E_MEMORY, "a 400M-parameter model is refused (rc %d)", rc);
    T_CHECK(strstr(err, "MiB") && strstr(err, "mem_cap=512") && strstr(err, "P = "), "message gives the estimate: %s", err);
    T_CHECK(P == 20000L * 100 + 20000 + 20000L * 20000 + 20000 + 20000 + 1, "P counted before allocating (%ld)", (long)P);
    T_CHECK(bytes >= 8.0 * 5 * (double)P, "estimate covers the 5 parameter-sized vectors (%g bytes)", bytes);
    ibp_run *r;
    rc = ibp_run_create(&r, &d, err, sizeof err);
    T_CHECK(rc == IBP_E_MEMORY && r == NULL, "create refuses too (rc %d)", rc);
    /* raising the cap is the documented way out; the estimate is exactly what create allocates */
    ibp_run_desc d2 = {.config = "model=mlp&depth=2&width=64&d=8&n=100&mem_cap=2"};
    rc = ibp_estimate(&d2, &bytes, &P, err, sizeof err);
    T_CHECK(rc == IBP_OK, "a small model fits 2 MiB? %s", err);
    ibp_run *r2 = t_run("model=mlp&depth=2&width=64&d=8&n=100&mem_cap=2", NULL, NULL);
    if (r2) T_CHECK((double)r2->mem_bytes == bytes, "allocated %zu == estimated %g", r2->mem_bytes, bytes);
    ibp_run_destroy(r2);
}

static void test_gd_update(void) {
    ibp_run *r = t_run("model=mlp&depth=2&width=8&d=3&n=20&lr=0.07&steps=5&measure=0", NULL, NULL);
    if (!r) return;
    long P = ibp_run_nparams(r);
    double *g = malloc(sizeof(double) * P), *th = malloc(sizeof(double) * P);
    for (int t = 0; t < 3; t++) {
        memcpy(th, ibp_run_params(r), sizeof(double) * P);
        double loss;
        ibp_run_loss_grad(r, &loss, g);
        T_CHECK(ibp_run_step(r, 1, NULL, 0) == 1, "one step");
        const double *th1 = ibp_run_params(r);
        int same = 1;
        for (long i = 0; i < P; i++) same &= th1[i] == th[i] + (-0.07) * g[i];
        T_CHECK(same, "theta_{t+1} = theta_t - eta g_t exactly (step %d)", t);
    }
    /* eta changed mid-run (at t = 3): the step out of theta_3 keeps the rate its row announced,
     * the steps after it use the new one */
    char err[256];
    T_CHECK(ibp_run_set_lr(r, 0.5, err, sizeof err) == IBP_OK, "set lr");
    T_CHECK(ibp_run_lr(r) == 0.07, "the next step keeps the announced rate (%g)", ibp_run_lr(r));
    memcpy(th, ibp_run_params(r), sizeof(double) * P);
    ibp_run_loss_grad(r, NULL, g);
    ibp_run_step(r, 1, NULL, 0);
    T_CHECK(ibp_run_params(r)[0] == th[0] + (-0.07) * g[0], "old eta for the announced step");
    T_CHECK(ibp_run_lr(r) == 0.5, "lr reads back from the step after it");
    memcpy(th, ibp_run_params(r), sizeof(double) * P);
    ibp_run_loss_grad(r, NULL, g);
    ibp_run_step(r, 1, NULL, 0);
    T_CHECK(ibp_run_params(r)[0] == th[0] + (-0.5) * g[0], "new eta used");
    T_CHECK(ibp_run_set_lr(r, 1e9, err, sizeof err) == IBP_E_ARG && strstr(err, "1e+09"), "lr 1e9 refused: %s", err);
    T_CHECK(ibp_run_set_lr(r, NAN, err, sizeof err) == IBP_E_ARG, "lr NaN refused");
    T_CHECK(ibp_run_lr(r) == 0.5, "a refused lr changes nothing");
    char cfg[512];
    ibp_run_config(r, 0, cfg, sizeof cfg);
    T_CHECK(strstr(cfg, "lr_at=4,0.5") != NULL, "the change is in the run's config: %s", cfg);
    ibp_run_step(r, 100, NULL, 0);
    T_CHECK(ibp_run_state(r) == IBP_DONE_STEPS && ibp_run_t(r) == 5, "stops at steps=5 (t=%ld)", (long)ibp_run_t(r));
    T_CHECK(strstr(ibp_run_message(r), "5 steps done") != NULL, "message: %s", ibp_run_message(r));
    T_CHECK(ibp_run_extend(r, 3, NULL, 0) == IBP_OK && ibp_run_state(r) == IBP_RUNNING, "extend a finished run");
    T_CHECK(ibp_run_step(r, 100, NULL, 0) == 3 && ibp_run_t(r) == 8, "three more steps");
    /* rows: step 0..8 each logged (log_every=1) */
    int nr = ibp_run_nrows(r), nc = ibp_run_ncols(r);
    T_CHECK(nr == 9 && strcmp(ibp_run_column(r, 0), "step") == 0 && strcmp(ibp_run_column(r, 1), "loss") == 0,
            "9 rows (%d), step and loss columns", nr);
    const double *rows = ibp_run_rows(r);
    for (int i = 0; i < nr; i++) T_CHECK(rows[(size_t)i * nc] == i, "row %d is step %d", i, i);
    free(g);
    free(th);
    ibp_run_destroy(r);
}

/* lr_at: learning-rate changes at given steps, and the changes made by hand (ibp_run_set_lr)
 * recorded there: a run whose eta was changed by hand twice (once replaced at the same step) and
 * a run created from its config give the same parameters and the same metrics rows, bit for bit;
 * the config language checks the pairs. */
static void test_lr_at(void) {
    const char *base = "model=mlp&depth=3&width=16&d=4&n=40&act=tanh&lr=0.1&steps=60&measure_every=7&warmup=5";
    ibp_run *a = t_run(base, NULL, NULL);
    if (!a) return;
    char err[256], cfg[1024];
    double *rows_a = malloc(sizeof(double) * 64 * 64), *rows_b = malloc(sizeof(double) * 64 * 64);
    int na = 0, nc = ibp_run_ncols(a);
    T_CHECK(nc <= 64, "columns fit the test's table (%d)", nc);
    for (int k = 0; k < 3; k++) {
        ibp_run_step(a, k == 0 ? 10 : 15, NULL, 0);
        T_CHECK(ibp_run_set_lr(a, k == 1 ? 0.05 : 0.3, err, sizeof err) == IBP_OK, "set lr %d: %s", k, err);
        if (k == 1) T_CHECK(ibp_run_set_lr(a, 0.02, err, sizeof err) == IBP_OK, "set again at the same step");
        memcpy(rows_a + (size_t)na * nc, ibp_run_rows(a), sizeof(double) * (size_t)ibp_run_nrows(a) * nc);
        na += ibp_run_nrows(a);
        ibp_run_clear_rows(a);
    }
    ibp_run_step(a, 100, NULL, 0);
    memcpy(rows_a + (size_t)na * nc, ibp_run_rows(a), sizeof(double) * (size_t)ibp_run_nrows(a) * nc);
    na += ibp_run_nrows(a);
    ibp_run_config(a, 0, cfg, sizeof cfg);
    T_CHECK(strstr(cfg, "&lr_at=11,0.3,26,0.02,41,0.3&") != NULL, "the hand changes in the config: %s", cfg);
    char head[2048];
    ibp_run_csv_header(a, head, sizeof head);
    T_CHECK(strstr(head, cfg) != NULL, "and in the CSV header");
    ibp_run *b = t_run(cfg, NULL, NULL);
    if (b) {
        ibp_run_step(b, 100, NULL, 0);
        int nb = ibp_run_nrows(b);
        memcpy(rows_b, ibp_run_rows(b), sizeof(double) * (size_t)nb * nc);
        T_CHECK(na == nb && na == 61, "same rows (%d, %d)", na, nb);
        int same = na == nb;
        for (long i = 0; same && i < (long)na * nc; i++) same = t_bits(rows_a[i]) == t_bits(rows_b[i]);
        T_CHECK(same, "every metric of every row bit for bit");
        same = 1;
        for (long i = 0; i < ibp_run_nparams(a); i++) same &= t_bits(ibp_run_params(a)[i]) == t_bits(ibp_run_params(b)[i]);
        T_CHECK(same, "the same parameters bit for bit");
        /* the schedule: warm-up scales every base rate; row 30 (base 0.02 from step 26) */
        int jr = ibp_run_column_index(b, "lr");
        T_CHECK(rows_b[30 * nc + jr] == 0.02 && rows_b[2 * nc + jr] == 0.1 * (3.0 / 5.0) && rows_b[45 * nc + jr] == 0.3,
                "lr column: %g %g %g", rows_b[2 * nc + jr], rows_b[30 * nc + jr], rows_b[45 * nc + jr]);
        ibp_run_destroy(b);
    }
    ibp_run_destroy(a);
    free(rows_a);
    free(rows_b);
    /* the pairs are checked */
    const char *bad[][2] = {
        {"lr_at=10", "pairs step,eta"}, {"lr_at=10,0.1,10,0.2", "larger than the step before"},
        {"lr_at=0,0.1", "whole number >= 1"}, {"lr_at=2.5,0.1", "whole number"}, {"lr_at=5,0", "in (0, 1e6]"},
        {"lr_at=5,2e6", "in (0, 1e6]"},
    };
    for (int i = 0; i < 6; i++) {
        char canon[256];
        int rc = ibp_config_canonical(bad[i][0], 0, canon, sizeof canon, err, sizeof err);
        T_CHECK(rc == IBP_E_CONFIG && strstr(err, bad[i][1]), "%s refused: %s", bad[i][0], err);
    }
    char canon[256];
    T_CHECK(ibp_config_canonical("lr_at=1e2,5e-2", 0, canon, sizeof canon, err, sizeof err) == IBP_OK &&
            !strcmp(canon, "lr_at=100,0.05"), "canonical: %s", canon);
    /* a run holds at most 1024 changes */
    ibp_run *c = t_run("model=mf&rows=1&cols=1&rank=1&target=1&init=1,1&lr=0.01&steps=5000&measure=0", NULL, NULL);
    if (c) {
        int rc = IBP_OK, n = 0;
        while ((rc = ibp_run_set_lr(c, 0.01 + 1e-5 * n, err, sizeof err)) == IBP_OK && n < 2000) {
            n++;
            ibp_run_step(c, 1, NULL, 0);
            ibp_run_clear_rows(c);
        }
        T_CHECK(rc == IBP_E_STATE && n == 1024 && strstr(err, "1024"), "change %d refused: %s", n + 1, err);
        ibp_run_destroy(c);
    }
}

/* A run continued past its steps (the page's "Continue") names that in its config: the run the
 * config makes takes the same steps to the same parameters, and changes of eta after the old
 * limit lie within the new one. */
static void test_extend_config(void) {
    ibp_run *a = t_run("model=mlp&depth=2&width=8&d=3&n=20&lr=0.1&steps=20&measure_every=5", NULL, NULL);
    if (!a) return;
    char err[256], cfg[1024];
    ibp_run_step(a, 100, NULL, 0);
    T_CHECK(ibp_run_state(a) == IBP_DONE_STEPS && ibp_run_t(a) == 20, "stops at 20");
    T_CHECK(ibp_run_extend(a, 20, err, sizeof err) == IBP_OK, "extend: %s", err);
    ibp_run_config(a, 0, cfg, sizeof cfg);
    T_CHECK(strstr(cfg, "steps=40") != NULL && strstr(cfg, "steps=20") == NULL, "the config says steps=40: %s", cfg);
    ibp_run_step(a, 10, NULL, 0);
    T_CHECK(ibp_run_set_lr(a, 0.05, err, sizeof err) == IBP_OK, "set lr: %s", err);
    ibp_run_step(a, 100, NULL, 0);
    ibp_run_config(a, 0, cfg, sizeof cfg);
    T_CHECK(strstr(cfg, "lr_at=31,0.05") != NULL && strstr(cfg, "steps=40") != NULL, "lr_at within steps: %s", cfg);
    ibp_run *b = t_run(cfg, NULL, NULL);
    if (b) {
        ibp_run_step(b, 100, NULL, 0);
        T_CHECK(ibp_run_t(b) == 40 && ibp_run_state(b) == IBP_DONE_STEPS, "the config's run goes to 40: %lld",
                (long long)ibp_run_t(b));
        T_CHECK(t_same_bits(ibp_run_params(a), ibp_run_params(b), ibp_run_nparams(a)), "the same parameters bit for bit");
        ibp_run_destroy(b);
    }
    ibp_run_destroy(a);
}

static void test_divergence(void) {
    /* G1 with c = 6: the loss exceeds 1e10 within 20 steps */
    ibp_run *r = t_run("model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&steps=2000&measure=0", NULL, NULL);
    if (!r) return;
    while (ibp_run_state(r) == IBP_RUNNING) { ibp_run_step(r, 100, NULL, 0); ibp_run_clear_rows(r); }
    T_CHECK(ibp_run_state(r) == IBP_DIVERGED, "c=6 diverges");
    T_CHECK(ibp_run_t(r) <= 20, "within 20 steps (%ld)", (long)ibp_run_t(r));
    T_CHECK(strncmp(ibp_run_message(r), "diverged at step ", 17) == 0 && strstr(ibp_run_message(r), "div_loss"),
            "message: %s", ibp_run_message(r));
    ibp_run_destroy(r);
    /* a learning rate so large that the parameters overflow: NaN/inf is reported, not propagated */
    r = t_run("model=mlp&depth=2&width=8&d=3&n=20&lr=1e6&steps=100&measure=0&div_loss=1e300", NULL, NULL);
    if (!r) return;
    ibp_run_step(r, 100, NULL, 0);
    T_CHECK(ibp_run_state(r) == IBP_DIVERGED && strstr(ibp_run_message(r), "diverged at step"), "%s", ibp_run_message(r));
    ibp_run_destroy(r);
}

/* S0 from lr_rel against the dense Hessian (columns from HVPs, eigenvalues by Jacobi here). */
static void jacobi_max(int n, double *A, double *top) {
    double *w = malloc(sizeof(double) * (size_t)n);
    t_jacobi_eigh(n, A, w, NULL);
    *top = w[n - 1];
    free(w);
}

static void test_lr_rel(void) {
    ibp_run *r = t_run("model=mlp&depth=2&width=6&d=3&n=30&act=tanh&lr_rel=1.5&steps=10", NULL, NULL);
    if (!r) return;
    long P = ibp_run_nparams(r);
    double *H = calloc((size_t)(P * P), sizeof(double)), *e = calloc((size_t)P, sizeof(double));
    for (long j = 0; j < P; j++) {
        memset(e, 0, sizeof(double) * P);
        e[j] = 1;
        ibp_run_hvp(r, H + j * P, e);
    }
    for (long i = 0; i < P; i++) for (long j = 0; j < i; j++) H[i * P + j] = H[j * P + i] = 0.5 * (H[i * P + j] + H[j * P + i]);
    double top;
    jacobi_max((int)P, H, &top);
    T_CHECK(t_close(ibp_run_s0(r), top, 0, 1e-8), "S0 %.15g vs dense %.15g", ibp_run_s0(r), top);
    /* S0 is solved to full precision (residual 1e-10 relative: its error is about resid^2/gap) */
    T_CHECK(t_close(ibp_run_s0(r), top, 0, 1e-13), "S0 %.17g vs dense %.17g to rounding", ibp_run_s0(r), top);
    T_CHECK(t_close(ibp_run_lr0(r) * ibp_run_s0(r), 1.5, 0, 1e-15), "eta S0 = lr_rel");
    free(H);
    free(e);
    ibp_run_destroy(r);
}

/* eta = lr_rel / S0 (or / lambda0) and so the whole trajectory do not depend on any key that
 * only observes (issue 10 item 12): each base run against variants of every measurement key,
 * theta after the steps and eta bit for bit. */
static void test_lr_rel_observation_free(void) {
    static const char *bases[] = {
        "model=mlp&depth=2&width=12&d=4&n=40&act=tanh&lr_rel=1.8&steps=30",
        "model=mlp&depth=3&width=8&d=3&n=33&act=gelu&opt=sgd&batch=5&lr_rel=0.9&steps=30",
        "model=linear&depth=3&d=4&width=5&data=mc&n=30&init=normal&init_scale=0.4&lr_rel=1.5&steps=30",
        "model=mlp&depth=2&width=10&d=3&n=25&act=tanh&lr_rel=1.2&lr_ref=ntk&steps=30",
        "model=mf&rows=6&cols=5&rank=2&init=normal&init_scale=0.3&lr_rel=1.4&steps=30",
    };
    static const char *variants[] = {
        "&measure=0", "&measure=1&topk=3", "&lambda_min=1", "&topk=4&lambda_min=1",
        "&lanczos_tol=1e-4", "&lanczos_tol=1e-12", "&lanczos_max=6", "&measure_every=1",
        "&measure_every=7&adaptive=1", "&ntk=1", "&ntk=1&measure=0", "&log_every=4",
        "&catapult_factor=5",
    };
    int nv = (int)(sizeof variants / sizeof *variants), bad = 0;
    for (size_t b = 0; b < sizeof bases / sizeof *bases; b++) {
        ibp_run *r0 = t_run(bases[b], NULL, NULL);
        if (!r0) continue;
        while (ibp_run_state(r0) == IBP_RUNNING) { ibp_run_step(r0, 7, NULL, 0); ibp_run_clear_rows(r0); }
        long P = ibp_run_nparams(r0);
        for (int v = 0; v < nv; v++) {
            char cfg[400];
            snprintf(cfg, sizeof cfg, "%s%s", bases[b], variants[v]);
            ibp_run *r = t_run(cfg, NULL, NULL);
            if (!r) continue;
            while (ibp_run_state(r) == IBP_RUNNING) { ibp_run_step(r, 5, NULL, 0); ibp_run_clear_rows(r); }
            int same = ibp_run_t(r) == ibp_run_t(r0) && t_bits(ibp_run_lr0(r)) == t_bits(ibp_run_lr0(r0)) &&
                       t_same_bits(ibp_run_params(r), ibp_run_params(r0), P);
            T_CHECK(same, "%s: eta %.17g vs %.17g, the trajectory is the base run's", cfg, ibp_run_lr0(r),
                    ibp_run_lr0(r0));
            bad += !same;
            ibp_run_destroy(r);
        }
        ibp_run_destroy(r0);
    }
    printf("lr_rel: %d of %d variants of the measurement keys keep eta and theta bit for bit\n",
           (int)(sizeof bases / sizeof *bases) * nv - bad, (int)(sizeof bases / sizeof *bases) * nv);
}

static void test_params_roundtrip(void) {
    const char *cfg = "model=mlp&depth=3&width=5,4&d=3&n=20&act=relu&lr=0.05&steps=7&measure=0";
    ibp_run *r = t_run(cfg, NULL, NULL);
    if (!r) return;
    ibp_run_step(r, 7, NULL, 0);
    size_t n = ibp_run_params_json(r, NULL, 0);
    char *js = malloc(n + 1);
    T_CHECK(ibp_run_params_json(r, js, n + 1) == n, "json length");
    char cfg2[256];
    snprintf(cfg2, sizeof cfg2, "%s&init=file", cfg);
    ibp_run *r2 = t_run(cfg2, NULL, js);
    if (r2) {
        T_CHECK(t_same_bits(ibp_run_params(r), ibp_run_params(r2), ibp_run_nparams(r)), "params JSON round trip is bit exact");
        ibp_run_destroy(r2);
    }
    /* a wrong shape names the array and both shapes */
    char *bad = malloc(n + 1);
    memcpy(bad, js, n + 1);
    char *p = strstr(bad, "\"shape\":[5,3]");
    T_CHECK(p != NULL, "W1 shape written as [5,3]");
    if (p) {
        memcpy(p, "\"shape\":[3,5]", 13);
        char err[512];
        ibp_run *r3;
        ibp_run_desc d = {.config = cfg2, .init_json = bad};
        int rc = ibp_run_create(&r3, &d, err, sizeof err);
        T_CHECK(rc == IBP_E_INIT && strstr(err, "W1 has the wrong shape") && strstr(err, "(5, 3)"), "shape error: %s", err);
    }
    free(bad);
    char err[512];
    ibp_run *r4;
    ibp_run_desc d4 = {.config = cfg2, .init_json = "{\"params\":[{\"name\":\"W1\",\"shape\":[5,3],\"data\":[1,2,3]}]}"};
    T_CHECK(ibp_run_create(&r4, &d4, err, sizeof err) == IBP_E_INIT && strstr(err, "W1 has 3 numbers"), "count error: %s", err);
    ibp_run_desc d5 = {.config = cfg2, .init_json = "[{\"name\":\"W9\",\"shape\":[1],\"data\":[1]}]"};
    T_CHECK(ibp_run_create(&r4, &d5, err, sizeof err) == IBP_E_INIT && strstr(err, "no trained array named \"W9\""), "name error: %s", err);
    ibp_run_desc d6 = {.config = cfg2, .init_json = "{\"params\":[{\"name\":\"W1\",\"data\":[1,2"};
    T_CHECK(ibp_run_create(&r4, &d6, err, sizeof err) == IBP_E_INIT && strstr(err, "params JSON, byte"), "syntax error: %s", err);
    ibp_run_desc d7 = {.config = cfg2};
    T_CHECK(ibp_run_create(&r4, &d7, err, sizeof err) == IBP_E_INIT && strstr(err, "init=file needs"), "missing file: %s", err);
    free(js);
    ibp_run_destroy(r);
}

static void test_determinism(void) {
    const char *cfgs[] = {
        "model=mlp&depth=3&width=16&d=4&n=50&opt=sgd&batch=5&lr=0.1&steps=200&label_noise=0.1&topk=2",
        "model=linear&depth=3&d=4&width=4&data=mc&n=30&noise=1&init_scale=0.5&lr=0.02&steps=200",
        "model=mf&init=normal&init_scale=0.1&lr=0.1&steps=200&lambda_min=1",
    };
    for (int k = 0; k < 3; k++) {
        ibp_run *a = t_run(cfgs[k], NULL, NULL), *b = t_run(cfgs[k], NULL, NULL);
        if (!a || !b) continue;
        ibp_run_step(a, 1000, NULL, 0);
        ibp_run_step(b, 1000, NULL, 0);
        T_CHECK(ibp_run_nrows(a) == ibp_run_nrows(b) &&
                t_same_bits(ibp_run_rows(a), ibp_run_rows(b), (long)ibp_run_nrows(a) * ibp_run_ncols(a)),
                "same config, same bits: %s", cfgs[k]);
        T_CHECK(t_same_bits(ibp_run_params(a), ibp_run_params(b), ibp_run_nparams(a)), "same params");
        ibp_run_destroy(a);
        ibp_run_destroy(b);
    }
}

static void test_stopping(void) {
    ibp_run *r = t_run("model=linear&depth=2&d=3&width=3&data=teacher&n=30&lr=0.1&steps=100000&target_loss=1e-12&measure=0", NULL, NULL);
    if (r) {
        while (ibp_run_state(r) == IBP_RUNNING) { ibp_run_step(r, 1000, NULL, 0); ibp_run_clear_rows(r); }
        T_CHECK(ibp_run_state(r) == IBP_DONE_TARGET && strstr(ibp_run_message(r), "target loss reached"), "%s", ibp_run_message(r));
        double loss;
        ibp_run_loss_grad(r, &loss, NULL);
        T_CHECK(loss <= 1e-12, "loss %g at stop", loss);
        ibp_run_destroy(r);
    }
    r = t_run("model=linear&depth=2&d=3&width=3&data=teacher&n=30&lr=0.1&steps=100000&grad_tol=1e-9&measure=0", NULL, NULL);
    if (r) {
        while (ibp_run_state(r) == IBP_RUNNING) { ibp_run_step(r, 1000, NULL, 0); ibp_run_clear_rows(r); }
        T_CHECK(ibp_run_state(r) == IBP_DONE_GRAD, "%s", ibp_run_message(r));
        double *g = malloc(sizeof(double) * ibp_run_nparams(r));
        ibp_run_loss_grad(r, NULL, g);
        double gn = 0;
        for (long i = 0; i < ibp_run_nparams(r); i++) gn += g[i] * g[i];
        T_CHECK(sqrt(gn) < 1e-9, "||g|| %g", sqrt(gn));
        free(g);
        ibp_run_destroy(r);
    }
}

static void test_bad_inputs(void) {
    char err[512];
    ibp_run *r;
    ibp_run_desc d1 = {.config = "data=csv"};
    T_CHECK(ibp_run_create(&r, &d1, err, sizeof err) == IBP_E_DATA && strstr(err, "data=csv needs a CSV"), "%s", err);
    ibp_run_desc d2 = {.config = "data=csv", .data_csv = "x,y\n1,2\n3,abc\n"};
    T_CHECK(ibp_run_create(&r, &d2, err, sizeof err) == IBP_E_DATA && strstr(err, "line 3"), "%s", err);
    ibp_run_desc d3 = {.config = "", .data_csv = "x,y\n1,2\n"};
    T_CHECK(ibp_run_create(&r, &d3, err, sizeof err) == IBP_E_DATA && strstr(err, "add data=csv"), "%s", err);
    ibp_run_desc d4 = {.config = "model=linear&init=1,2,3"};
    T_CHECK(ibp_run_create(&r, &d4, err, sizeof err) == IBP_E_CONFIG && strstr(err, "init has 3 values") && strstr(err, "P = 288"), "%s", err);
    ibp_run_desc d5 = {.config = "model=linear&width=1&data=inline&xs=1&ys=0&init=1e200,1e200"};
    int rc = ibp_run_create(&r, &d5, err, sizeof err);
    T_CHECK(rc == IBP_E_NUMERIC && strstr(err, "not finite"), "overflowing init: rc %d %s", rc, err);
    ibp_run_desc d6 = {.config = "data=csv&n_test=2", .data_csv = "x,y\n1,2\n3,4\n"};
    T_CHECK(ibp_run_create(&r, &d6, err, sizeof err) == IBP_E_CONFIG && strstr(err, "n_test=2 leaves no training row"), "%s", err);
    /* CSV data works end to end */
    ibp_run *ok = t_run("data=csv&model=linear&depth=1&measure=0&steps=3", "x1,x2,y\n1,0,1\n0,1,2\n1,1,3\n", NULL);
    if (ok) { T_CHECK(ok->D.n == 3 && ok->m.d == 2, "csv dims"); ibp_run_destroy(ok); }
}

/* The metrics row's accuracy and margin reuse the outputs of the full-batch pass (run.c): they
 * must be the outputs at the current theta, bit for bit a fresh forward pass, after GD and SGD
 * steps, a measurement and set_params. */
static void test_kept_outputs(void) {
    const char *cfgs[] = {
        "model=mlp&depth=2&width=9&d=3&n=30&n_test=7&data=separable&loss=logistic&steps=20&measure=0",
        "model=mlp&depth=3&width=7&d=3&n=30&data=separable&loss=logistic&act=gelu&steps=20&measure=1&measure_every=2",
        "model=mlp&depth=2&width=9&d=3&n=30&data=separable&loss=logistic&opt=sgd&batch=8&steps=20&log_every=2",
    };
    for (int c = 0; c < 3; c++) {
        ibp_run *r = t_run(cfgs[c], NULL, NULL);
        if (!r) continue;
        int n = r->D.n, k = r->m.k, kept = 0, same = 1, acc_ok = 1;
        double *f = malloc(sizeof(double) * (size_t)n * k);
        for (int t = 0; t < 8; t++) {
            if (t == 5) { /* set_params recomputes the pass at the new theta */
                long P = ibp_run_nparams(r);
                double *th = malloc(sizeof(double) * (size_t)P);
                for (long i = 0; i < P; i++) th[i] = 0.9 * ibp_run_params(r)[i];
                ibp_run_set_params(r, th, NULL, 0);
                free(th);
            }
            ibp_run_step(r, 1, NULL, 0);
            ibp__model_forward(&r->m, r->theta, r->D.x, n, f);
            if (r->mout_valid && r->fgrad_valid) {
                kept++;
                for (long i = 0; i < (long)n * k; i++) same &= t_bits(f[i]) == t_bits(r->mout[i]);
            }
            int right = 0, nc = ibp_run_ncols(r), last = ibp_run_nrows(r) - 1;
            for (int i = 0; i < n; i++) right += r->D.y[i] * f[i] > 0;
            for (int j = 0; j < nc; j++)
                if (strcmp(ibp_run_column(r, j), "train_acc") == 0 && ibp_run_rows(r)[(size_t)last * nc] == r->t)
                    acc_ok &= ibp_run_rows(r)[(size_t)last * nc + j] == (double)right / n;
        }
        T_CHECK(kept > 0 && same, "%s: kept outputs (%d steps) equal a fresh forward bit for bit", cfgs[c], kept);
        T_CHECK(acc_ok, "%s: train_acc from the outputs at theta", cfgs[c]);
        free(f);
        ibp_run_destroy(r);
    }
}

/* The boundary: messages of step/extend/set_params, column lookup by name, the config's lists in
 * the run's one allocation, and the enums JSON built from the header's lists. */
static void test_boundary(void) {
    ibp_run *r = t_run("model=linear&depth=2&d=2&width=3&data=inline&xs=1,2,3,4,5,6&ys=1,0,2&lr=0.001&steps=4&log_every=1", NULL, NULL);
    if (!r) return;
    char err[256] = "";
    for (int j = 0; j < ibp_run_ncols(r); j++)
        T_CHECK(ibp_run_column_index(r, ibp_run_column(r, j)) == j, "column %s at %d", ibp_run_column(r, j), j);
    T_CHECK(ibp_run_column_index(r, "no_such") == -1 && ibp_run_column_index(r, NULL) == -1, "unknown column: -1");
    /* the config's lists live in the run's one allocation */
    const char *lo = r->mem, *hi = r->mem + r->mem_bytes;
    T_CHECK((const char *)r->c.xs.v >= lo && (const char *)(r->c.xs.v + 6) <= hi && (const char *)r->c.ys.v >= lo &&
                (const char *)(r->c.ys.v + 3) <= hi, "xs and ys are inside the run's allocation");
    T_CHECK(r->c.xs.v[5] == 6 && r->c.ys.v[2] == 2, "and keep their values");
    T_CHECK(!strcmp(ibp_run_message(r), "running"), "message while running: %s", ibp_run_message(r));
    T_CHECK(ibp_run_step(r, -1, err, sizeof err) == IBP_E_ARG && strstr(err, "steps >= 0"), "step(-1): %s", err);
    T_CHECK(ibp_run_step(r, 100, err, sizeof err) == 4 && !strcmp(ibp_run_message(r), "finished: 4 steps done"),
            "steps done: %s", ibp_run_message(r));
    T_CHECK(ibp_run_step(r, 5, err, sizeof err) == 0, "a stopped run takes no step");
    T_CHECK(ibp_run_extend(r, -1, err, sizeof err) == IBP_E_ARG && strstr(err, "extend by -1"), "extend(-1): %s", err);
    T_CHECK(ibp_run_extend(r, 2, err, sizeof err) == IBP_OK && ibp_run_steps_total(r) == 6 && ibp_run_state(r) == IBP_RUNNING,
            "extend continues");
    double theta[64];
    memcpy(theta, ibp_run_params(r), sizeof(double) * (size_t)ibp_run_nparams(r));
    theta[2] = NAN;
    T_CHECK(ibp_run_set_params(r, theta, err, sizeof err) == IBP_E_ARG && strstr(err, "parameter 2 of 9 is NaN"),
            "set_params names the value: %s", err);
    ibp_run_destroy(r);
    r = t_run("model=linear&width=100&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=100", NULL, NULL);
    if (!r) return;
    while (ibp_run_state(r) == IBP_RUNNING) ibp_run_step(r, 1000, NULL, 0);
    T_CHECK(ibp_run_extend(r, 5, err, sizeof err) == IBP_E_STATE && strstr(err, "diverged"), "no extension after divergence: %s",
            err);
    T_CHECK(!strncmp(ibp_run_message(r), "diverged at step ", 17) && strstr(ibp_run_message(r), "> div_loss") &&
                strstr(ibp_run_message(r), "(eta = "), "the documented divergence form: %s", ibp_run_message(r));
    ibp_run_destroy(r);
    /* the enums JSON: every entry of every list, and snprintf semantics */
    size_t n = ibp_enums_json(NULL, 0);
    char *js = malloc(n + 1);
    T_CHECK(ibp_enums_json(js, n + 1) == n && strlen(js) == n, "enums length is exact");
    char needle[96];
#define EV(name, bit, id, label, help)                                                            \
    snprintf(needle, sizeof needle, "{\"bit\":%d,\"id\":\"%s\"", bit, id);                         \
    T_CHECK(strstr(js, needle) && strstr(js, "\"" #name "\":"), "event %s in the enums", id);
    IBP_EVENT_LIST(EV)
#undef EV
#define RG(name, value, id, label, help)                                                          \
    snprintf(needle, sizeof needle, "{\"value\":%d,\"id\":\"%s\"", value, id);                     \
    T_CHECK(strstr(js, needle) && strstr(js, "\"" #name "\":"), "regime %s in the enums", id);
    IBP_REGIME_LIST(RG)
#undef RG
    /* the summary fields in the order of ibp_summary_fields() */
    const char *p = js, *f = ibp_summary_fields();
    int nf = 0;
    while (*f) {
        size_t len = strcspn(f, ",");
        snprintf(needle, sizeof needle, "{\"id\":\"%.*s\",\"label\":", (int)len, f);
        const char *q = strstr(p, needle);
        T_CHECK(q != NULL, "summary field %.*s in order", (int)len, f);
        if (q) p = q;
        f += len + (f[len] == ',');
        nf++;
    }
    T_CHECK(nf == 19, "19 summary fields (%d)", nf);
    free(js);
}

int main(void) {
    test_lr_at();
    test_extend_config();
    test_boundary();
    test_memory_cap();
    test_gd_update();
    test_divergence();
    test_lr_rel();
    test_lr_rel_observation_free();
    test_params_roundtrip();
    test_determinism();
    test_stopping();
    test_bad_inputs();
    test_kept_outputs();
    return t_summary();
}
