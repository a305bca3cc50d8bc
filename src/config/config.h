/* config.h -- the config layer: the parsed config and the ONE parser of "key=value&..."
 * (config.c), the key table (config_table.c) and its documentation (config_doc.c). */
#ifndef IBP_CONFIG_H
#define IBP_CONFIG_H
#include <stddef.h>
#include "numerics/numerics.h" /* IBP__MAX_TOPK */

/* The parsed config: one field per key of the table (config_table.c). */
enum { IBP__MODEL_LINEAR, IBP__MODEL_MLP, IBP__MODEL_MF, IBP__MODEL_CNN };
enum { IBP__ACT_IDENTITY, IBP__ACT_RELU, IBP__ACT_LEAKY_RELU, IBP__ACT_TANH, IBP__ACT_SOFTPLUS,
       IBP__ACT_LEAKY_SOFTPLUS, IBP__ACT_GELU };
enum { IBP__PARAM_STANDARD, IBP__PARAM_NTK, IBP__PARAM_NTK_ALL };
enum { IBP__INIT_FAN_IN, IBP__INIT_NORMAL, IBP__INIT_RESIDUAL, IBP__INIT_ORTHOGONAL,
       IBP__INIT_ZERO, IBP__INIT_FILE, IBP__INIT_VALUES /* inline list in init_values */ };
enum { IBP__HEAD_TRAIN, IBP__HEAD_PM, IBP__HEAD_UNIT, IBP__HEAD_VALUES };
enum { IBP__DATA_TEACHER, IBP__DATA_MC, IBP__DATA_DEGENERATE, IBP__DATA_SEPARABLE,
       IBP__DATA_FLIP, IBP__DATA_XOR, IBP__DATA_CIRCLES, IBP__DATA_SPIRALS, IBP__DATA_MOONS,
       IBP__DATA_P5, IBP__DATA_XOR40, IBP__DATA_INLINE, IBP__DATA_CSV, IBP__DATA_FASHION_MNIST };
enum { IBP__TEACHER_LINEAR, IBP__TEACHER_SIN, IBP__TEACHER_TANH_MLP };
enum { IBP__LABELS_RAW, IBP__LABELS_SIGN };
enum { IBP__LOSS_MSE_HALF, IBP__LOSS_MSE, IBP__LOSS_LOGISTIC, IBP__LOSS_CE };
enum { IBP__OPT_GD, IBP__OPT_SGD };
enum { IBP__SAMPLE_REPLACE, IBP__SAMPLE_ONLINE };
enum { IBP__LRREF_SHARPNESS, IBP__LRREF_NTK, IBP__LRREF_SMIN };
enum { IBP__POOL_FLAT, IBP__POOL_AVG };
enum { IBP__PAD_VALID, IBP__PAD_SAME };
enum { IBP__TARGET_PRODUCT, IBP__TARGET_IID };
enum { IBP__FLOW_GF, IBP__FLOW_CENTRAL, IBP__FLOW_ROD, IBP__FLOW_EDGE /* rod, edge: issue 15 */, IBP__NFLOWS }; /* bits of c->flow: 1 << IBP__FLOW_* */
enum { IBP__FLOWSTART_INIT, IBP__FLOWSTART_ONSET };

typedef struct ibp__list { int n; double *v; } ibp__list; /* owned by the config */

#define IBP__MAX_DEPTH 64
#define IBP__LR_AT_MAX 1024 /* learning-rate changes a config (and a run) can hold */

typedef struct ibp__config {
    /* model */
    int model, depth, d, out;
    ibp__list width;          /* hidden widths: one value (broadcast) or one per hidden layer */
    int act; double act_param;
    int bias, param, init;
    ibp__list init_values;    /* init=<list>: every trained parameter, theta order */
    ibp__list init_scale;     /* one value or one per trained layer (mf: per factor) */
    int head; ibp__list head_values;
    /* convolutional networks (model=cnn) */
    ibp__list conv;           /* (channels, kernel) per conv layer: "8x3,16x3" -> 8,3,16,3 */
    ibp__list stride;         /* one value or one per conv layer */
    int padding, pool;
    ibp__list in_shape;       /* C,L (1-D) or C,H,W (2-D); empty: implied by the data */
    /* matrix factorization */
    int rows, cols, rank, factor_rank;
    ibp__list sv, target;     /* singular values of A / explicit entries of A (rows, cols) */
    double target_norm;
    int target_dist;          /* IBP__TARGET_*: A = G H^T or i.i.d. entries */
    /* data */
    int data, n, n_test;
    double kappa;
    int teacher; ibp__list teacher_w; int teacher_width; double teacher_scale;
    int standardize; double noise, xnoise, wstar_norm, p, margin, flip;
    ibp__list xs, ys;         /* data=inline: inputs (n, d) and targets (n, out), row-major */
    int labels; int64_t data_seed; /* data_seed < 0: use seed */
    ibp__list cov;            /* explicit input spectrum (d values) of data=teacher */
    int cov_rotate;           /* rotate it by a seeded Haar rotation */
    int image_size;           /* data=fashion_mnist: index of 28|14|7 */
    ibp__list classes;        /* data=fashion_mnist: class subset (empty = all ten) */
    int center;               /* subtract the training set's mean image */
    /* loss and optimizer */
    int loss, opt, batch, sample;
    double label_noise, lr, lr_rel, lr_power;
    int lr_ref;               /* what lr_rel is relative to: IBP__LRREF_* */
    int warmup, steps;
    ibp__list lr_at;          /* learning-rate changes: pairs (step, eta), steps increasing; a run
                               * appends the changes made by hand (ibp_run_set_lr) */
    double target_loss, grad_tol, div_loss;
    /* measurement */
    int log_every, measure, measure_every, topk, lanczos_max, adaptive, lambda_min, ntk;
    double lanczos_tol, catapult_factor;
    /* continuous-time models beside GD (src/flows/) */
    int flow;                 /* IBP__T_SET bitmask of IBP__FLOW_* */
    int flow_start, flow_k;
    double flow_tol, flow_kappa;
    /* misc */
    double mem_cap_mib;
    int64_t seed;
    uint64_t given[2];        /* bit i set: key i of the table was given explicitly */
} ibp__config;

int ibp__config_parse(ibp__config *c, const char *s, char *err, size_t errlen);
void ibp__config_free(ibp__config *c); /* frees the lists; the struct itself is the caller's */
/* The lists' values, moved into dst (ibp__config_list_doubles of them) and their own memory
 * freed: a run keeps its config in its one allocation (do not ibp__config_free it then). */
size_t ibp__config_list_doubles(const ibp__config *c);
void ibp__config_move_lists(ibp__config *c, double *dst);
int ibp__config_given(const ibp__config *c, const char *key); /* was key set explicitly? */
/* Canonical serialization (see ibp_config_canonical). */
size_t ibp__config_write(const ibp__config *c, int full, char *buf, size_t cap);
/* The same appended to b; json != 0 escapes it as the inside of a JSON string. */
void ibp__config_write_buf(const ibp__config *c, int full, int json, ibp__buf *b);
/* Hidden width of hidden layer h (1-based, h < number of layers). */
int ibp__config_width(const ibp__config *c, int h);
uint64_t ibp__config_data_seed(const ibp__config *c);
/* ---- cnn and images (config.c) */
#define IBP__MAX_CONV 16
int ibp__config_nconv(const ibp__config *c);                /* conv layers of model=cnn */
int ibp__config_image_size(const ibp__config *c);           /* 28, 14 or 7 */
int ibp__config_nclasses(const ibp__config *c);             /* fashion_mnist classes used */
int ibp__config_class(const ibp__config *c, int i);         /* the i-th class used */
/* The CNN's input shape: channels, height, width (height 1 for a 1-D signal); returns the
 * number of spatial dimensions (1 or 2). */
int ibp__config_in_shape(const ibp__config *c, int *ch, int *h, int *w);
/* ------------------------------------------------------------------------------------------ */
/* The key table, shared by the parser, its documentation and `ibp info`. */

enum {
    IBP__T_INT,          /* int field (written as an integer; "1e5" accepted on input) */
    IBP__T_INT64,        /* int64_t field (seeds), same text rules */
    IBP__T_DOUBLE,       /* finite double */
    IBP__T_BOOL,         /* 0/1 (true/false, yes/no, on/off accepted) */
    IBP__T_ENUM,         /* one of choices */
    IBP__T_LIST,         /* comma list of numbers */
    IBP__T_ENUM_OR_LIST, /* one of choices, or a comma list of numbers (stored in list_off) */
    IBP__T_ACT,          /* activation name with an optional (parameter) */
    IBP__T_CONV,         /* conv layers "CxK,CxK,...": a list of (channels, kernel) pairs */
    IBP__T_SET           /* comma list of distinct choices, stored as a bitmask (bit i = choice i) */
};

typedef struct ibp__key {
    const char *key;
    const char *group;
    int type;
    size_t off;          /* offsetof the field in ibp__config */
    size_t list_off;     /* ENUM_OR_LIST: the list field; ACT: the parameter field */
    const char *def;     /* default, as config text (parsed by the same parser) */
    double min, max;     /* range of the value (each element for lists) */
    int min_open;        /* the minimum is excluded: (min, max] */
    int list_int;        /* list elements must be integers */
    int list_min, list_max; /* allowed list lengths */
    const char *choices; /* "a|b|c" for ENUM, ENUM_OR_LIST, ACT */
    const char *applies; /* "" or "key=v1,v2&key2=v3": when the key means something */
    const char *help;    /* one line */
} ibp__key;

extern const ibp__key ibp__keys[];
extern const int ibp__nkeys;

/* "a|b|c" -> "a, b, c"; a key's range as "[lo, hi]", "(lo, inf)", ... */
void ibp__choices_text(const char *choices, char *out, size_t cap);
void ibp__range_text(const ibp__key *k, char *out, size_t cap);
/* What key k allows, in words: "an integer in [1, 64]", "one of relu, tanh, ...". (config_doc.c) */
void ibp__key_allowed(const ibp__key *k, ibp__buf *b);

/* ------------------------------------------------------------------------------------------ */
/* Every problem of a config (ibp_config_problems_json, config_problems.c): with a sink the parser
 * records each problem and goes on instead of stopping at the first. A key is reported once. */
typedef struct ibp__problems {
    ibp__buf json;       /* the JSON array under construction */
    int n;               /* problems recorded */
    uint64_t seen[2];    /* bit i: key i has a problem already */
} ibp__problems;
/* key_index < 0: not a key of the table. */
void ibp__problem(ibp__problems *pr, int key_index, const char *key, const char *value, const char *allowed,
                  const char *message);
/* The same with a suggested replacement item "key=value" (what the writer most likely meant). */
void ibp__problem_s(ibp__problems *pr, int key_index, const char *key, const char *value, const char *allowed,
                    const char *message, const char *suggest);
/* A problem of the item "key=value" (n bytes) as written. */
void ibp__problem_item(ibp__problems *pr, const char *item, size_t n, const char *message);
/* ibp__config_parse, reporting every problem to pr (NULL: stop at the first). */
int ibp__config_parse_all(ibp__config *c, const char *s, ibp__problems *pr, char *err, size_t errlen);
/* A number of the config language (digits, '.', sign, exponent; no hex, inf or nan): 0, -1 when
 * s is not a number, -2 when it is not finite. */
int ibp__parse_number(const char *s, double *x);
/* What `word` most likely meant: a key (choices NULL) or one of "a|b|c": the shortest that starts
 * with it, else the nearest within 2 edits. Writes it to out and returns 1, or 0 (out empty). */
int ibp__suggest(const char *word, const char *choices, char *out, size_t cap);
/* Index of key `name`, or IBP_E_CONFIG with "unknown key ... (did you mean ...)" in err. */
int ibp__config_find_key(const char *name, char *err, size_t errlen);
/* Canonical text of key i's value in c. */
void ibp__config_value_of(const ibp__config *c, int i, char *out, size_t cap);
/* Canonical text of one value of key i as written in a config (trimmed, percent-decoded),
 * checking the value alone (type, range, list length): whether the key applies and the rules
 * between keys need a whole config. */
int ibp__config_value_text(int i, const char *value, char *out, size_t cap, char *err, size_t errlen);

/* Index of choice `name` in "a|b|c" (exact match), or -1. */
int ibp__choice_index(const char *choices, const char *name, size_t len);
/* Copy choice number i of "a|b|c" into out (cap bytes). */
void ibp__choice_name(const char *choices, int i, char *out, size_t cap);
int ibp__choices_count(const char *choices); /* the number of choices in "a|b|c" */

/* Reading a parsed config (config_value.c). */
const ibp__key *ibp__config_lookup(const char *name, size_t len, int *index); /* NULL: no such key */
void ibp__config_value_buf(const ibp__config *c, const ibp__key *k, ibp__buf *b); /* canonical value text */
int ibp__config_hidden_layers(const ibp__config *c);
/* Rules between keys (config_rules.c): does key k mean something for c (if not, why); the
 * cross-key rules (IBP_OK, or the first broken rule; with a problems sink pr, every one). */
int ibp__config_applies(const ibp__config *c, const ibp__key *k, char *why, size_t cap);
int ibp__config_validate(ibp__config *c, ibp__problems *pr, char *err, size_t errlen);
/* Activation parameter defaults (leaky_relu alpha, softplus beta, leaky_softplus c). */
double ibp__act_default_param(int act);
int ibp__act_has_param(int act);
int ibp__config_check_defaults(void); /* -1 when every default is canonical */

#endif
