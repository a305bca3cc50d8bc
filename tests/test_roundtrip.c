/* Save -> init round trip (issue 10 item 11): for every model family and head kind, the params
 * JSON of a run after T steps, loaded with init=file, must give a run whose step 0 is the saved
 * run's step T bit for bit (loss, gradient, norms, balances: every column that depends on theta
 * only). A fixed head=unit head is random, so it must come from the file; it used to be drawn
 * again, and the reloaded loss jumped from 0.6466 to 2.718. */
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static ibp_run *make(const char *cfg, const char *init, char *err, size_t errlen) {
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg, .data_csv = NULL, .init_json = init};
    if (ibp_run_create(&r, &d, err, errlen) != IBP_OK) return NULL;
    return r;
}

/* Columns that describe theta itself (not its history): everything but the step, the distance
 * from the (different) initial point, and the event flags. */
static int compared(const char *col) {
    return strcmp(col, "step") && strcmp(col, "dist_init") && strcmp(col, "events");
}

static char *params_json(const ibp_run *r) {
    size_t n = ibp_run_params_json(r, NULL, 0);
    char *s = malloc(n + 1);
    ibp_run_params_json(r, s, n + 1);
    return s;
}

/* cfg without init; init: the saved run's init (may be empty) */
static void roundtrip(const char *cfg, const char *init, int steps) {
    char err[1024] = "", c1[512], c2[512];
    snprintf(c1, sizeof c1, "%s&measure=0&steps=%d%s%s", cfg, steps, *init ? "&" : "", init);
    ibp_run *a = make(c1, NULL, err, sizeof err);
    T_CHECK(a != NULL, "create \"%s\": %s", c1, err);
    if (!a) return;
    while (ibp_run_state(a) == IBP_RUNNING) ibp_run_step(a, 1000, NULL, 0);
    T_CHECK(ibp_run_t(a) == steps, "%s: %d steps taken (%lld)", cfg, steps, (long long)ibp_run_t(a));
    int nc = ibp_run_ncols(a), na = ibp_run_nrows(a);
    const double *last = ibp_run_rows(a) + (size_t)(na - 1) * nc;
    char *js = params_json(a);
    snprintf(c2, sizeof c2, "%s&measure=0&steps=%d&init=file", cfg, steps);
    ibp_run *b = make(c2, js, err, sizeof err);
    T_CHECK(b != NULL, "reload \"%s\": %s", c2, err);
    if (b) {
        T_CHECK(ibp_run_nparams(b) == ibp_run_nparams(a) &&
                t_same_bits(ibp_run_params(a), ibp_run_params(b), ibp_run_nparams(a)), "%s: theta bit for bit", cfg);
        T_CHECK(ibp_run_ncols(b) == nc && ibp_run_nrows(b) == 1, "%s: one row at step 0", cfg);
        const double *first = ibp_run_rows(b);
        int same = 1;
        for (int j = 0; j < nc && ibp_run_ncols(b) == nc; j++) {
            if (!compared(ibp_run_column(a, j))) continue;
            if (t_bits(first[j]) != t_bits(last[j])) {
                same = 0;
                T_CHECK(0, "%s: column %s: reloaded step 0 %.17g, saved step %d %.17g", cfg, ibp_run_column(a, j),
                        first[j], steps, last[j]);
            }
        }
        T_CHECK(same, "%s: step 0 of the reload is the saved run's step %d (%d columns)", cfg, steps, nc);
        /* and the file of the reloaded run is the same file (the head included) */
        char *js2 = params_json(b);
        const char *p1 = strstr(js, "\"params\""), *p2 = strstr(js2, "\"params\"");
        T_CHECK(p1 && p2 && strcmp(p1, p2) == 0, "%s: the reload saves the same arrays", cfg);
        free(js2);
        /* the two continue identically */
        ibp_run_extend(a, 5, NULL, 0);
        ibp_run_clear_rows(a);
        ibp_run_clear_rows(b);
        ibp_run_extend(b, 5, NULL, 0);
        ibp_run_step(a, 5, NULL, 0);
        ibp_run_step(b, 5, NULL, 0);
        T_CHECK(t_same_bits(ibp_run_params(a), ibp_run_params(b), ibp_run_nparams(a)), "%s: 5 more steps agree", cfg);
    }
    free(js);
    ibp_run_destroy(a);
    ibp_run_destroy(b);
}

static void test_every_family_and_head(void) {
    static const char *cfgs[] = {
        "model=linear&depth=3&width=4&d=3&n=12&lr=0.05",
        "model=linear&depth=2&width=5&d=3&n=12&head=pm&lr=0.05",
        "model=linear&depth=2&width=5&d=3&n=12&head=unit&lr=0.05",
        "model=linear&depth=2&width=3&d=2&n=12&out=2&head=1,-1,0.5,2,0,-0.25&lr=0.05",
        "model=linear&depth=1&d=4&n=12&head=unit&lr=0.05",
        "model=mlp&depth=2&width=6&d=3&n=16&act=tanh&lr=0.1",
        "model=mlp&depth=3&width=5,4&d=3&n=16&act=relu&bias=0&lr=0.1",
        "model=mlp&depth=1&width=8&head=pm&act=leaky_softplus&bias=0&data=p5&loss=logistic&lr=1",
        "model=mlp&depth=2&width=6&d=3&n=16&head=unit&act=tanh&lr=0.1",
        "model=mlp&depth=2&width=6&d=3&n=16&head=unit&act=relu&param=ntk&lr=0.5",
        "model=mlp&depth=2&width=4&d=3&n=16&out=2&head=unit&act=gelu&lr=0.1",
        "model=mlp&depth=1&width=3&d=2&n=10&head=0.5,-1,2&act=softplus&lr=0.1",
        "model=mlp&depth=2&width=6&data=moons&n=20&loss=logistic&head=unit&lr=0.5",
        "model=mf&rows=6&cols=5&rank=2&lr=0.05",
        "model=mf&rows=4&cols=4&rank=2&factor_rank=3&init_scale=0.3&lr=0.05",
        "model=mf&rows=1&cols=1&rank=1&target=1&lr=0.01",
    };
    static const char *inits[] = {"", "init=normal", "init=orthogonal", "init=normal", "init=zero", "", "",
                                  "init=normal", "", "init=normal", "", "", "", "", "init=normal", "init=4,0.1"};
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) roundtrip(cfgs[i], inits[i], 7);
}

/* The reported case: head=unit, a 0.6466 loss reloaded as 2.718. */
static void test_head_unit_loss(void) {
    char err[512];
    ibp_run *a = make("model=mlp&depth=2&width=16&head=unit&steps=20&measure=0&lr=0.2", NULL, err, sizeof err);
    T_CHECK(a != NULL, "%s", err);
    if (!a) return;
    ibp_run_step(a, 20, NULL, 0);
    double la, lb = -1;
    ibp_run_loss_grad(a, &la, NULL);
    char *js = params_json(a);
    T_CHECK(strstr(js, "\"name\":\"head\",\"shape\":[1,16],\"trained\":false") != NULL, "the file carries the head");
    ibp_run *b = make("model=mlp&depth=2&width=16&head=unit&steps=20&measure=0&lr=0.2&init=file", js, err, sizeof err);
    T_CHECK(b != NULL, "%s", err);
    if (b) ibp_run_loss_grad(b, &lb, NULL);
    T_CHECK(la == lb, "reloaded loss %.17g == saved %.17g", lb, la);
    ibp_run_destroy(b);
    /* a file without the head cannot restore a random head: refused, not redrawn */
    char *cut = strstr(js, ",\n{\"name\":\"head\"");
    T_CHECK(cut != NULL, "head entry found");
    if (cut) {
        strcpy(cut, "\n]}\n");
        b = make("model=mlp&depth=2&width=16&head=unit&steps=20&measure=0&lr=0.2&init=file", js, err, sizeof err);
        T_CHECK(b == NULL && strstr(err, "head=unit is a random fixed head"), "missing head refused: %s", err);
        ibp_run_destroy(b);
    }
    free(js);
    ibp_run_destroy(a);
}

/* A head the config determines must agree with the file's: a different head is another model. */
static void test_head_mismatch(void) {
    char err[512];
    ibp_run *a = make("model=mlp&depth=2&width=4&head=unit&steps=0&measure=0", NULL, err, sizeof err);
    if (!a) { T_CHECK(0, "%s", err); return; }
    char *js = params_json(a);
    ibp_run *b = make("model=mlp&depth=2&width=4&head=pm&steps=0&measure=0&init=file", js, err, sizeof err);
    T_CHECK(b == NULL && strstr(err, "differs from head=pm"), "a unit head loaded as pm is refused: %s", err);
    ibp_run_destroy(b);
    b = make("model=mlp&depth=2&width=4&head=1,1,1,1&steps=0&measure=0&init=file", js, err, sizeof err);
    T_CHECK(b == NULL && strstr(err, "differs from head=<values>"), "refused: %s", err);
    ibp_run_destroy(b);
    b = make("model=mlp&depth=2&width=3&head=unit&steps=0&measure=0&init=file", js, err, sizeof err);
    T_CHECK(b == NULL && strstr(err, "wrong shape"), "a wrong-shaped file is refused: %s", err);
    ibp_run_destroy(b);
    free(js);
    ibp_run_destroy(a);
}

int main(void) {
    test_every_family_and_head();
    test_head_unit_loss();
    test_head_mismatch();
    return t_summary();
}
