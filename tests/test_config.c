/* Config language: defaults, canonical round trip, and a table of bad configs with the exact
 * part of the message a user must see (the key, the bad value, what is allowed). */
#include <string.h>
#include <stdlib.h>
#include "config/config.h"
#include "testlib.h"

static void expect_ok_canon(const char *in, const char *want) {
    char canon[4096], err[512] = "";
    int rc = ibp_config_canonical(in, 0, canon, sizeof canon, err, sizeof err);
    T_CHECK(rc == IBP_OK, "config \"%s\" should parse: %s", in, err);
    if (rc) return;
    T_CHECK(strcmp(canon, want) == 0, "canonical of \"%s\": got \"%s\", want \"%s\"", in, canon, want);
    /* fixed point */
    char again[4096];
    rc = ibp_config_canonical(canon, 0, again, sizeof again, err, sizeof err);
    T_CHECK(rc == IBP_OK && strcmp(again, canon) == 0, "canonical is a fixed point: \"%s\" -> \"%s\"", canon, again);
    /* the full form parses and canonicalizes back to the same short form */
    char full[16384];
    rc = ibp_config_canonical(in, 1, full, sizeof full, err, sizeof err);
    T_CHECK(rc == IBP_OK, "full form of \"%s\": %s", in, err);
    rc = ibp_config_canonical(full, 0, again, sizeof again, err, sizeof err);
    T_CHECK(rc == IBP_OK && strcmp(again, canon) == 0, "full -> canonical: \"%s\" vs \"%s\" (%s)", again, canon, err);
}

/* Field `name` of the n-th object (from 0) of a problems JSON array, unescaped into out; 0 when
 * there is no such object. The engine writes each object as {"key":..,"value":..,"allowed":..,
 * "message":..} (an independent reading here: no JSON library in the tests). */
static int problem_field(const char *js, int n, const char *name, char *out, size_t cap) {
    const char *p = js;
    for (int i = 0; i <= n; i++) {
        p = strstr(p, "{\"key\":");
        if (!p) return 0;
        if (i < n) p++;
    }
    char needle[32];
    snprintf(needle, sizeof needle, "\"%s\":\"", name);
    p = strstr(p, needle);
    if (!p) return 0;
    p += strlen(needle);
    size_t o = 0;
    for (; *p && *p != '"' && o + 1 < cap; p++) {
        if (*p == '\\') p++;
        out[o++] = *p;
    }
    out[o] = '\0';
    return 1;
}

static int count_problems(const char *js) {
    int n = 0;
    for (const char *p = js; (p = strstr(p, "{\"key\":")); p++) n++;
    return n;
}

static void expect_err(const char *in, const char *substr1, const char *substr2) {
    char canon[4096], err[512] = "";
    int rc = ibp_config_canonical(in, 0, canon, sizeof canon, err, sizeof err);
    T_CHECK(rc == IBP_E_CONFIG, "config \"%s\" must be refused (rc %d)", in, rc);
    T_CHECK(strstr(err, substr1) != NULL, "message for \"%s\" should contain \"%s\": got \"%s\"", in, substr1, err);
    if (substr2) T_CHECK(strstr(err, substr2) != NULL, "message for \"%s\" should contain \"%s\": got \"%s\"", in, substr2, err);
    /* the structured problems: the first is the parser's own sentence for the first problem */
    char js[8192], msg[600] = "";
    size_t n = ibp_config_problems_json(in, js, sizeof js);
    T_CHECK(n < sizeof js && problem_field(js, 0, "message", msg, sizeof msg) && strcmp(msg, err) == 0,
            "problems of \"%s\": first message \"%s\", the parser says \"%s\"", in, msg, err);
}

/* A config with several problems lists each one, keyed, in the parser's order. */
static void expect_problems(const char *in, int count, const char *const *keys, const char *const *values) {
    size_t n = ibp_config_problems_json(in, NULL, 0);
    char *js = malloc(n + 1);
    T_CHECK(ibp_config_problems_json(in, js, n + 1) == n && strlen(js) == n, "problems length is exact");
    T_CHECK(count_problems(js) == count, "\"%s\" has %d problems: %s", in, count, js);
    for (int i = 0; i < count; i++) {
        char key[64] = "", value[256] = "", allowed[256] = "";
        problem_field(js, i, "key", key, sizeof key);
        problem_field(js, i, "value", value, sizeof value);
        problem_field(js, i, "allowed", allowed, sizeof allowed);
        T_CHECK(!strcmp(key, keys[i]) && !strcmp(value, values[i]) && allowed[0],
                "problem %d of \"%s\": key \"%s\" value \"%s\" (want \"%s\" \"%s\"), allowed \"%s\"", i, in, key, value,
                keys[i], values[i], allowed);
    }
    free(js);
}

int main(void) {
    T_CHECK(ibp__config_check_defaults() == -1, "every default in the table is written canonically (key %d)",
            ibp__config_check_defaults());
    /* every key has a help line, a group, and applies-conditions that name ENUM keys above it */
    for (int i = 0; i < ibp__nkeys; i++) {
        T_CHECK(strlen(ibp__keys[i].help) > 10, "key %s has a help line", ibp__keys[i].key);
        for (int j = 0; j < i; j++)
            T_CHECK(strcmp(ibp__keys[i].key, ibp__keys[j].key) != 0, "key %s is unique", ibp__keys[i].key);
    }
    expect_ok_canon("", "");
    expect_ok_canon("lr=0.1", "");                       /* the default value is omitted */
    expect_ok_canon("steps=2e4&lr=0.05", "lr=0.05&steps=20000"); /* table order, integers */
    expect_ok_canon("?lr=.5", "lr=0.5");                 /* URL query prefix */
    expect_ok_canon("#lr=0.5&&", "lr=0.5");              /* fragment prefix, empty items */
    expect_ok_canon(" lr = 0.25 \n steps=10", "lr=0.25&steps=10"); /* spaces, newlines */
    expect_ok_canon("width=32%2C16&depth=3", "depth=3&width=32,16"); /* percent-encoding */
    expect_ok_canon("act=leaky_relu(0.1)", "act=leaky_relu(0.1)");
    expect_ok_canon("act=leaky_relu(0.01)", "act=leaky_relu");   /* default parameter dropped */
    expect_ok_canon("act=relu&bias=false", "act=relu&bias=0");
    expect_ok_canon("model=linear&depth=2&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5",
                    "model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5");
    expect_ok_canon("model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1", "model=mf&init=4,0.1&rows=1&cols=1&rank=1&target=1");
    expect_ok_canon("seed=9007199254740991", "seed=9007199254740991");
    expect_ok_canon("lr=1e-3", "lr=0.001");
    expect_ok_canon("lr=0.1000000000000000055511151231257827", ""); /* same double as 0.1 */
    expect_ok_canon("opt=sgd&batch=1&sample=online&label_noise=0.5", "opt=sgd&batch=1&sample=online&label_noise=0.5");
    expect_ok_canon("model=mlp&depth=1&head=pm&width=2&act=leaky_softplus", "depth=1&width=2&act=leaky_softplus&head=pm");

    /* the table of bad configs: each names the key and the offending value or the rule */
    expect_err("lrr=0.1", "unknown key \"lrr\"", "did you mean \"lr\"");
    expect_err("zzzzzz=1", "unknown key \"zzzzzz\"", "ibp help config");
    expect_err("lr", "lr has no value", "lr=<value>");
    expect_err("=3", "missing key", NULL);
    expect_err("lr=abc", "lr=\"abc\" is not a number", "(0, 1000000]");
    expect_err("lr=nan", "lr=\"nan\" is not a number", NULL);
    expect_err("lr=inf", "lr=\"inf\"", NULL);
    expect_err("lr=1e9", "lr=1e9 is out of range", "(0, 1000000]");
    expect_err("lr=0", "lr=0 is out of range", NULL);
    expect_err("lr=-0.1", "out of range", NULL);
    expect_err("lr=1e999", "not a finite number", NULL);
    expect_err("lr=0.1&lr=0.2", "lr is given twice", NULL);
    expect_err("lr=0.1&lr_rel=2", "lr and lr_rel are both given", NULL);
    expect_err("steps=1.5", "steps=1.5: steps must be an integer", NULL);
    expect_err("steps=-1", "steps=-1 is out of range", NULL);
    expect_err("depth=0", "depth=0 is out of range", "[1, 64]");
    expect_err("depth=65", "depth=65 is out of range", NULL);
    expect_err("model=rnn", "model=\"rnn\": allowed values are linear, mlp, mf, cnn", NULL);
    expect_err("act=swish", "act=\"swish\": allowed activations are", "gelu");
    expect_err("act=relu(0.1)", "relu takes no parameter", NULL);
    expect_err("act=leaky_relu(2)", "must be in [0, 1]", NULL);
    expect_err("act=leaky_relu(x)", "the parameter \"x\" is not a number", NULL);
    expect_err("act=leaky_relu(0.1", "write the parameter as leaky_relu(0.1)", NULL);
    expect_err("model=linear&act=relu", "act does not apply here", "model=mlp");
    expect_err("model=linear&bias=1", "bias does not apply here", NULL);
    expect_err("bias=maybe", "bias=\"maybe\": bias is 0 or 1", NULL);
    expect_err("width=", "width is empty", NULL);
    expect_err("width=32,x", "value 2 of the list, \"x\", is not a number", NULL);
    expect_err("width=0", "width=0 is out of range", NULL);
    expect_err("width=3.5", "width must be an integer", NULL);
    expect_err("depth=3&width=4,5,6", "width has 3 values but the model has 2 hidden layers", NULL);
    expect_err("depth=1&width=4", "width does not apply here", "no hidden layer");
    expect_err("init=uniform", "init=\"uniform\": allowed values are fan_in", "comma list");
    expect_err("init=1,2,x", "value 3 of the list", NULL);
    expect_err("init_scale=1,2,3", "init_scale has 3 values", NULL);
    expect_err("model=mf&batch=3", "batch does not apply here", "opt=sgd");
    expect_err("batch=3", "batch does not apply here", "opt=sgd");
    expect_err("model=mf&opt=sgd", "opt=sgd needs samples", NULL);
    expect_err("model=mf&loss=logistic", "loss=logistic does not apply to model=mf", NULL);
    expect_err("model=mf&rank=30", "rank=30 is larger than min(rows, cols) = 15", NULL);
    expect_err("model=mf&sv=1,2", "sv has 2 values", "rank=3");
    expect_err("model=mf&rows=2&cols=2&target=1,2,3", "target has 3 values", NULL);
    expect_err("model=mf&data=teacher", "data does not apply here", "model=linear,mlp");
    expect_err("data=inline", "data=inline needs ys", NULL);
    expect_err("data=inline&xs=1,2,3&ys=1,2", "xs has 3 values", NULL);
    expect_err("data=inline&xs=1,2,3,4&ys=1,2&d=1", "d=1, but xs has 4 values for 2 samples: d = 2", NULL);
    expect_err("data=p5&d=4", "d does not apply here", "data=teacher");
    expect_err("data=p5&n=10", "n does not apply here", NULL);
    expect_err("data=p5&n_test=5", "n_test=5 leaves no training sample", NULL);
    expect_err("loss=logistic&out=2", "loss=logistic needs out=1", NULL);
    expect_err("data=xor&out=2", "out does not apply here", "data=teacher,inline,csv");
    expect_err("data=mc&opt=sgd&sample=online", "sample=online draws fresh samples", "data=mc");
    expect_err("teacher_w=1,2", "teacher_w has 2 values", NULL);
    expect_err("data=xor&kappa=2", "kappa does not apply here", NULL);
    expect_err("head=1,2,3", "head has 3 values", "(1, 32)");
    expect_err("lr=1%2", "two hex digits", NULL);
    expect_err("p=0.5", "p does not apply here", "data=degenerate");
    expect_err("data=degenerate&p=1.5", "p=1.5 is out of range", "[0, 1]");
    expect_err("flip=0.6&data=flip", "flip=0.6 is out of range", NULL);
    expect_err("seed=-1", "seed=-1 is out of range", NULL);
    expect_err("seed=9007199254740993", "out of range", NULL);
    expect_err("mem_cap=0", "mem_cap=0 is out of range", NULL);

    /* every problem at once (ibp_config_problems_json) */
    {
        char js[64];
        T_CHECK(ibp_config_problems_json("lr=0.5&model=linear", js, sizeof js) == 2 && !strcmp(js, "[]"), "no problems: []");
        const char *k1[] = {"lr", "depth", "lrr", "steps", "act", "lr_rel"}, *v1[] = {"-1", "1.5", "3", "2", "tanh", "2"};
        expect_problems("lr=-1&depth=1.5&lrr=3&act=tanh&model=linear&lr_rel=2&steps=1&steps=2", 6, k1, v1);
        const char *k2[] = {"loss", "opt", "init"}, *v2[] = {"logistic", "sgd", "residual"};
        expect_problems("model=mf&loss=logistic&opt=sgd&init=residual", 3, k2, v2);
        const char *k3[] = {"width", "init_scale", "teacher_w"}, *v3[] = {"4,5,6", "1,2", "1,2,3"};
        expect_problems("depth=3&width=4,5,6&init_scale=1,2&teacher_w=1,2,3", 3, k3, v3);
        /* a key is reported once: its bad value, not also that it does not apply */
        const char *k4[] = {"act"}, *v4[] = {"swish"};
        expect_problems("model=linear&act=swish", 1, k4, v4);
        /* quotes and backslashes in what was written come back escaped */
        char esc[512], value[64];
        ibp_config_problems_json("lr=\"a\\b", esc, sizeof esc);
        T_CHECK(strstr(esc, "\"value\":\"\\\"a\\\\b\"") != NULL, "JSON escapes: %s", esc);
        problem_field(esc, 0, "value", value, sizeof value);
        T_CHECK(!strcmp(value, "\"a\\b"), "the value as written: %s", value);
    }

    /* schema JSON and help text cover every key */
    size_t n = ibp_config_schema_json(NULL, 0);
    char *js = malloc(n + 1);
    T_CHECK(ibp_config_schema_json(js, n + 1) == n && strlen(js) == n, "schema length is exact");
    for (int i = 0; i < ibp__nkeys; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "{\"key\":\"%s\"", ibp__keys[i].key);
        T_CHECK(strstr(js, needle) != NULL, "schema has key %s", ibp__keys[i].key);
    }
    /* truncation keeps snprintf semantics: NUL-terminated, needed length returned */
    char small[16];
    T_CHECK(ibp_config_schema_json(small, sizeof small) == n && strlen(small) == 15, "truncated schema");
    free(js);
    n = ibp_config_help_text(NULL, 0);
    char *help = malloc(n + 1);
    ibp_config_help_text(help, n + 1);
    for (int i = 0; i < ibp__nkeys; i++) T_CHECK(strstr(help, ibp__keys[i].key) != NULL, "help lists %s", ibp__keys[i].key);
    free(help);

    /* the parser keeps what it was given */
    ibp__config c;
    char err[256];
    T_CHECK(ibp__config_parse(&c, "model=linear&width=4,5&depth=3&init_scale=3,1,0.3&seed=7", err, sizeof err) == IBP_OK, "%s", err);
    T_CHECK(c.model == IBP__MODEL_LINEAR && c.depth == 3 && c.width.n == 2 && c.width.v[1] == 5 && c.seed == 7, "fields");
    T_CHECK(ibp__config_width(&c, 1) == 4 && ibp__config_width(&c, 2) == 5, "per-layer widths");
    T_CHECK(ibp__config_given(&c, "seed") && !ibp__config_given(&c, "lr"), "given flags");
    ibp__config_free(&c);
    return t_summary();
}
