/* config_rules.c -- the config language's rules between keys, run after parsing (config.c):
 * whether a key applies to the config at all (a key given where it means nothing is an error),
 * and the cross-key rules. Each broken rule names its key, what is allowed and why; with a
 * problems sink every one is reported (ibp_config_problems_json), else the first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"

#define IBP__ERR(...) ibp__fail(err, errlen, IBP_E_CONFIG, __VA_ARGS__)

/* ---- applicability ---------------------------------------------------------------------- */

/* Does key k mean something for config c? If not, describe the condition that fails. */
int ibp__config_applies(const ibp__config *c, const ibp__key *k, char *why, size_t cap) {
    if (strcmp(k->key, "width") == 0 && c->model != IBP__MODEL_MF && ibp__config_hidden_layers(c) == 0) {
        snprintf(why, cap, "depth=1 with a trained head has no hidden layer");
        return 0;
    }
    const char *p = k->applies;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t clause = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', clause);
        IBP_CHECK(eq != NULL);
        const ibp__key *ck = ibp__config_lookup(p, (size_t)(eq - p), NULL);
        IBP_CHECK(ck && ck->type == IBP__T_ENUM);
        char cur[64];
        ibp__choice_name(ck->choices, *(const int *)((const char *)c + ck->off), cur, sizeof cur);
        /* is cur among the comma-separated values of the clause? */
        int found = 0;
        const char *v = eq + 1, *end = p + clause;
        while (v < end) {
            const char *comma = memchr(v, ',', (size_t)(end - v));
            size_t n = comma ? (size_t)(comma - v) : (size_t)(end - v);
            if (n == strlen(cur) && memcmp(v, cur, n) == 0) found = 1;
            v += n + 1;
        }
        if (!found) {
            snprintf(why, cap, "it is used with %.*s only, and here %s=%s", (int)clause, p, ck->key, cur);
            return 0;
        }
        p = amp ? amp + 1 : p + clause;
    }
    return 1;
}

/* ---- cross-key rules ---------------------------------------------------------------------- */

static int ibp__is_classification(int data) {
    return data != IBP__DATA_TEACHER && data != IBP__DATA_MC && data != IBP__DATA_INLINE &&
           data != IBP__DATA_CSV;
}

/* ---- cnn, real images, cross-entropy, input covariance (issue 14) ---------------------------- */

int ibp__config_nconv(const ibp__config *c) { return c->model == IBP__MODEL_CNN ? c->conv.n / 2 : 0; }
int ibp__config_image_size(const ibp__config *c) {
    static const int sizes[3] = {28, 14, 7};
    return sizes[c->image_size];
}
int ibp__config_nclasses(const ibp__config *c) { return c->classes.n ? c->classes.n : 10; }
int ibp__config_class(const ibp__config *c, int i) { return c->classes.n ? (int)c->classes.v[i] : i; }

int ibp__config_in_shape(const ibp__config *c, int *ch, int *h, int *w) {
    if (c->in_shape.n == 3) {
        *ch = (int)c->in_shape.v[0]; *h = (int)c->in_shape.v[1]; *w = (int)c->in_shape.v[2];
        return 2;
    }
    if (c->in_shape.n == 2) {
        *ch = (int)c->in_shape.v[0]; *h = 1; *w = (int)c->in_shape.v[1];
        return 1;
    }
    if (c->data == IBP__DATA_FASHION_MNIST) {
        *ch = 1; *h = *w = ibp__config_image_size(c);
        return 2;
    }
    *ch = 1; *h = 1; *w = c->d;
    return 1;
}

/* A broken rule: stop at the first (pr == NULL), or record it against `key` and go on. The data
 * dimension rules stop in both modes: the rules after them need the dimensions. */
#define IBP__RULE(key, allowed, ...)                                                       \
    do {                                                                                   \
        int rc__ = IBP__ERR(__VA_ARGS__);                                                  \
        if (!pr) return rc__;                                                              \
        ibp__problem_rule(pr, c, key, allowed, err);                                       \
    } while (0)
#define IBP__RULE_STOP(key, allowed, ...)                                                  \
    do {                                                                                   \
        IBP__RULE(key, allowed, __VA_ARGS__);                                              \
        return IBP_OK;                                                                     \
    } while (0)

static void ibp__problem_rule(ibp__problems *pr, const ibp__config *c, const char *key, const char *allowed,
                              const char *msg) {
    int i;
    char val[256] = "";
    if (ibp__config_lookup(key, strlen(key), &i)) ibp__config_value_of(c, i, val, sizeof val);
    else i = -1;
    ibp__problem(pr, i, key, val, allowed, msg);
}

/* Rules of the keys added for issue 14, run after the data-implied dimensions are known. */
static int ibp__validate_issue14(ibp__config *c, ibp__problems *pr, char *err, size_t errlen) {
    if (c->data == IBP__DATA_FASHION_MNIST) {
        int s = ibp__config_image_size(c), nc = ibp__config_nclasses(c);
        for (int i = 0; i < c->classes.n; i++)
            for (int j = 0; j < i; j++)
                if (c->classes.v[i] == c->classes.v[j])
                    IBP__RULE("classes", "distinct classes 0..9", "classes lists class %d twice", (int)c->classes.v[i]);
        if (nc < 2) IBP__RULE_STOP("classes", "two or more classes", "classes has one class (%d): give two or more (e.g. classes=0,6)", ibp__config_class(c, 0));
        c->d = s * s;
        c->out = nc == 2 && c->loss != IBP__LOSS_CE ? 1 : nc;
        if (c->opt == IBP__OPT_SGD && c->sample == IBP__SAMPLE_ONLINE)
            IBP__RULE("sample", "replace", "sample=online draws fresh samples from a distribution: data=fashion_mnist is a fixed "
                            "set of images (use sample=replace)");
    }
    if (c->loss == IBP__LOSS_CE) {
        if (c->out < 2)
            IBP__RULE("loss", "mse_half, mse, or one output and loss=logistic", "loss=ce is a softmax over the outputs and needs out >= 2 (here out=%d): for one output "
                            "with labels +-1 use loss=logistic%s", c->out,
                            c->data == IBP__DATA_FASHION_MNIST ? "" : "; with data=inline or csv give one-hot targets and out=k");
        if (c->labels == IBP__LABELS_SIGN)
            IBP__RULE("labels", "raw", "labels=sign gives targets +-1, but loss=ce needs targets that are probability vectors (one-hot)");
    }
    if (c->model == IBP__MODEL_CNN) {
        int nconv = ibp__config_nconv(c);
        if (c->stride.n > 1 && c->stride.n != nconv)
            IBP__RULE("stride", "one value, or one per conv layer", "stride has %d values but conv has %d layer%s: give one value or %d", c->stride.n, nconv,
                            nconv == 1 ? "" : "s", nconv);
        if (c->in_shape.n == 1)
            IBP__RULE("in_shape", "C,L or C,H,W", "in_shape has one value: give C,L for a 1-D signal or C,H,W for an image");
        if (c->in_shape.n) {
            double prod = 1;
            for (int i = 0; i < c->in_shape.n; i++) prod *= c->in_shape.v[i];
            if (c->data == IBP__DATA_FASHION_MNIST) {
                int s = ibp__config_image_size(c);
                if (!(c->in_shape.n == 3 && c->in_shape.v[0] == 1 && c->in_shape.v[1] == s && c->in_shape.v[2] == s))
                    IBP__RULE("in_shape", "1,S,S for S x S images, or nothing", "in_shape: data=fashion_mnist gives 1-channel %dx%d images: in_shape=1,%d,%d (or leave "
                                    "it out)", s, s, s, s);
            } else if (c->data == IBP__DATA_TEACHER || c->data == IBP__DATA_MC || c->data == IBP__DATA_DEGENERATE ||
                       c->data == IBP__DATA_SEPARABLE || c->data == IBP__DATA_FLIP) {
                if (prod > 100000) IBP__RULE_STOP("in_shape", "at most 100000 inputs", "in_shape: %g inputs per sample, at most 100000", prod);
                /* d follows the shape. Given both, they must agree here, at parse time: the
                 * canonical form drops d when it equals its default, and d=8 beside
                 * in_shape=1,8,8 would come back as d=64 (fuzz_config found that). Elsewhere
                 * (data sets that fix d) the model checks C*L or C*H*W = d. */
                if (ibp__config_given(c, "d") && prod != c->d) {
                    char shape[64] = "";
                    for (int i = 0; i < c->in_shape.n; i++)
                        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%g", i ? "," : "", c->in_shape.v[i]);
                    IBP__RULE_STOP("in_shape", "C*H*W (or C*L) = d, or leave d out", "in_shape=%s gives %g inputs per sample, but the data have "
                                   "d=%d: C*H*W (C*L for signals) must be d (or leave d out: it follows in_shape)", shape, prod, c->d);
                }
                c->d = (int)prod;
            }
        }
        if (nconv + c->depth > IBP__MAX_DEPTH)
            IBP__RULE("conv", "at most 64 layers with the dense ones", "conv has %d layers and depth=%d dense layers: at most %d layers in all", nconv, c->depth,
                            IBP__MAX_DEPTH);
    }
    if (c->cov.n) {
        if (ibp__config_given(c, "kappa"))
            IBP__RULE("cov", "cov or kappa, not both", "kappa and cov are both given: cov sets the whole input spectrum (use one)");
        if (c->cov.n != c->d)
            IBP__RULE("cov", "d values", "cov has %d values: give one eigenvalue per input dimension (d=%d)", c->cov.n, c->d);
    }
    return IBP_OK;
}

int ibp__config_validate(ibp__config *c, ibp__problems *pr, char *err, size_t errlen) {
    if (ibp__config_given(c, "lr") && ibp__config_given(c, "lr_rel"))
        IBP__RULE("lr_rel", "lr or lr_rel, not both", "lr and lr_rel are both given: use one (lr_rel=c means eta = c / S0)");
    if (c->lr_at.n) {
        if (c->lr_at.n % 2) {
            IBP__RULE("lr_at", "pairs step,eta", "lr_at has %d values: give pairs step,eta (e.g. lr_at=300,0.05)", c->lr_at.n);
        } else {
            double prev = 0;
            for (int i = 0; i < c->lr_at.n; i += 2) {
                double t = c->lr_at.v[i], eta = c->lr_at.v[i + 1];
                if (t != (double)(long long)t || t < 1 || t <= prev) {
                    IBP__RULE("lr_at", "pairs step,eta with whole steps >= 1, increasing",
                              "lr_at: step %g (pair %d) must be a whole number >= 1 and larger than the step before it", t, i / 2 + 1);
                    break;
                }
                if (!(eta > 0) || eta > 1e6) {
                    IBP__RULE("lr_at", "pairs step,eta with eta in (0, 1e6]", "lr_at: eta %g (pair %d) must be in (0, 1e6]", eta, i / 2 + 1);
                    break;
                }
                prev = t;
            }
        }
    }
    if (c->model == IBP__MODEL_MF) {
        if (c->loss == IBP__LOSS_LOGISTIC)
            IBP__RULE("loss", "mse_half, mse", "loss=logistic does not apply to model=mf (use mse_half or mse)");
        if (c->opt == IBP__OPT_SGD) IBP__RULE("opt", "gd", "opt=sgd needs samples: model=mf has no data set (use opt=gd)");
        int mn = c->rows < c->cols ? c->rows : c->cols;
        if (c->target.n) {
            if (c->target.n != c->rows * c->cols)
                IBP__RULE("target", "rows * cols values", "target has %d values: A is rows x cols = %d x %d = %d entries", c->target.n,
                                c->rows, c->cols, c->rows * c->cols);
        } else {
            if (c->rank > mn) IBP__RULE("rank", "at most min(rows, cols)", "rank=%d is larger than min(rows, cols) = %d", c->rank, mn);
            if (c->sv.n && c->sv.n != c->rank)
                IBP__RULE("sv", "rank values", "sv has %d values: give rank=%d singular values", c->sv.n, c->rank);
        }
        if (c->init_scale.n > 2) IBP__RULE("init_scale", "1 or 2 values", "init_scale has %d values: model=mf takes 1 or 2 (X, Y)", c->init_scale.n);
        if (c->init == IBP__INIT_RESIDUAL) IBP__RULE("init", "any init but residual", "init=residual does not apply to model=mf");
        if (c->loss == IBP__LOSS_CE) IBP__RULE("loss", "mse_half, mse", "loss=ce does not apply to model=mf (use mse_half or mse)");
        if (c->target_dist == IBP__TARGET_IID && (c->sv.n || c->target.n))
            IBP__RULE("target_dist", "product (with sv or target)", "target_dist=iid draws A_ij ~ N(0,1): it excludes %s (an explicit target)",
                      c->sv.n ? "sv" : "target");
        return IBP_OK;
    }
    /* data-implied dimensions */
    switch (c->data) {
    case IBP__DATA_P5: c->d = 3; c->n = 5; break;
    case IBP__DATA_XOR40: c->d = 2; c->n = 40; break;
    case IBP__DATA_XOR: case IBP__DATA_CIRCLES: case IBP__DATA_SPIRALS: case IBP__DATA_MOONS: c->d = 2; break;
    case IBP__DATA_INLINE:
        if (c->ys.n == 0) IBP__RULE_STOP("ys", "the targets, n * out values", "data=inline needs ys (the targets) and xs (the inputs)");
        if (c->ys.n % c->out)
            IBP__RULE_STOP("ys", "a multiple of out values", "ys has %d values, not a multiple of out=%d", c->ys.n, c->out);
        c->n = c->ys.n / c->out;
        if (c->xs.n == 0 || c->xs.n % c->n)
            IBP__RULE_STOP("xs", "n * d values", "xs has %d values: with %d samples (from ys) it must hold n*d values", c->xs.n, c->n);
        if (ibp__config_given(c, "d") && c->d != c->xs.n / c->n)
            IBP__RULE_STOP("d", "the number of values of xs per sample", "d=%d, but xs has %d values for %d samples: d = %d", c->d, c->xs.n, c->n, c->xs.n / c->n);
        c->d = c->xs.n / c->n;
        break;
    default: break;
    }
    if (ibp__is_classification(c->data)) c->out = 1;
    int rc14 = ibp__validate_issue14(c, pr, err, errlen);
    if (rc14) return rc14;
    if (c->loss == IBP__LOSS_LOGISTIC && c->out != 1)
        IBP__RULE("out", "1", "loss=logistic needs out=1 (here out=%d)%s", c->out,
                  c->data == IBP__DATA_FASHION_MNIST ? ": with data=fashion_mnist give two classes (e.g. classes=0,6), "
                                                       "or use loss=ce for more" : "");
    /* the logistic loss is defined for labels y in {-1, +1} (the conventions, the margin) */
    if (c->loss == IBP__LOSS_LOGISTIC && c->labels == IBP__LABELS_RAW) {
        if (c->data == IBP__DATA_TEACHER || c->data == IBP__DATA_MC)
            IBP__RULE("labels", "sign (loss=logistic needs labels in {-1, +1})", "loss=logistic needs labels in "
                      "{-1, +1}, but data=%s gives real-valued targets: add labels=sign (y -> sign(y))",
                      c->data == IBP__DATA_TEACHER ? "teacher" : "mc");
        if (c->data == IBP__DATA_INLINE)
            for (int i = 0; i < c->ys.n; i++)
                if (c->ys.v[i] != 1.0 && c->ys.v[i] != -1.0) {
                    char v[32];
                    ibp_format_double(v, c->ys.v[i]);
                    IBP__RULE("ys", "labels in {-1, +1} (loss=logistic), or labels=sign", "loss=logistic needs labels "
                              "in {-1, +1}: value %d of ys is %s (add labels=sign to use sign(y))", i + 1, v);
                    break;
                }
    }
    if (c->loss == IBP__LOSS_LOGISTIC && c->label_noise > 0)
        IBP__RULE("label_noise", "0 with loss=logistic", "label_noise adds Gaussian noise to the targets, but "
                  "loss=logistic needs labels in {-1, +1}: use a regression loss, or data=flip for noisy labels");
    if ((c->data == IBP__DATA_P5 || c->data == IBP__DATA_XOR40 || c->data == IBP__DATA_INLINE) &&
        c->n_test >= c->n)
        IBP__RULE("n_test", "fewer than the samples of the data set", "n_test=%d leaves no training sample: the data set has %d samples", c->n_test, c->n);
    int hidden = ibp__config_hidden_layers(c);
    if (c->width.n > 1 && c->width.n != hidden)
        IBP__RULE("width", "one value, or one per hidden layer", "width has %d values but the model has %d hidden layer%s (depth=%d%s): give one "
                        "value or %d", c->width.n, hidden, hidden == 1 ? "" : "s", c->depth,
                        c->head != IBP__HEAD_TRAIN ? " and a fixed head" : "", hidden);
    if (c->init_scale.n > 1 && c->init_scale.n != c->depth)
        IBP__RULE("init_scale", "one value, or one per trained layer", "init_scale has %d values: give one, or one per trained layer (depth=%d)",
                        c->init_scale.n, c->depth);
    if (c->head == IBP__HEAD_VALUES && c->model != IBP__MODEL_CNN) { /* cnn: checked with its layers */
        int last = hidden ? ibp__config_width(c, hidden) : c->d;
        if (c->head_values.n != c->out * last)
            IBP__RULE("head", "out * width values", "head has %d values: the fixed head is (out, width) = (%d, %d), %d values",
                            c->head_values.n, c->out, last, c->out * last);
    }
    if (c->teacher_w.n && c->teacher_w.n != c->d * c->out)
        IBP__RULE("teacher_w", "d * out values", "teacher_w has %d values: the linear teacher is (d, out) = (%d, %d)", c->teacher_w.n,
                        c->d, c->out);
    if (c->opt == IBP__OPT_SGD && c->sample == IBP__SAMPLE_ONLINE &&
        (c->data == IBP__DATA_MC || c->data == IBP__DATA_P5 || c->data == IBP__DATA_INLINE ||
         c->data == IBP__DATA_CSV))
        IBP__RULE("sample", "replace", "sample=online draws fresh samples from a distribution: data=%s is a fixed set "
                        "(use sample=replace)",
                        c->data == IBP__DATA_MC ? "mc" : c->data == IBP__DATA_P5 ? "p5"
                        : c->data == IBP__DATA_INLINE ? "inline" : "csv");
    if (c->data == IBP__DATA_MC && c->out != 1) IBP__RULE("out", "1", "data=mc has one output (out=1)");
    return IBP_OK;
}
#undef IBP__RULE_STOP
#undef IBP__RULE

