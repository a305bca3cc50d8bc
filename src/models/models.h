/* models.h -- the models layer: the layer table and dispatch (model.c), the families
 * (model_linear.c, model_mlp.c, model_mf.c), activations (act.c), losses (loss.c), initial
 * parameters (init.c) and the params JSON format (params_json.c). */
#ifndef IBP_MODELS_H
#define IBP_MODELS_H
#include "config/config.h"
#include "numerics/numerics.h"

/* Losses (loss.c), mean over the n samples (see the conventions in ibp.h). */
/* Loss of outputs f (n, k) against targets y (n, k); g = dL/df (n, k) when g != NULL. */
double ibp__loss(int loss, const double *f, const double *y, int n, int k, double *g);
/* What the loss Hessian with respect to f needs (n, k), row by row: its diagonal d2L/df2 (every
 * loss but ce), or (s_i/n) softmax(f_i) (ce, whose Hessian is block diagonal over samples). */
void ibp__loss_curv(int loss, const double *f, const double *y, int n, int k, double *h);
/* out (n, k) = (d2L/df2) r from h = ibp__loss_curv(...), for any block of rows of it: h . r for
 * the diagonal losses (the same bits as that product), (s_i/n) (diag(p_i) - p_i p_i^T) r_i for
 * ce. out may alias h or r. */
void ibp__loss_hmul(int loss, const double *h, int n, int k, const double *r, double *out);

/* ------------------------------------------------------------------------------------------ */
/* Models. A layer h computes z_h = alpha_h W_h a_{h-1} (+ b_h), a_h = act(z_h) for every layer
 * but the last; f = z_last. W_h (rows, cols) = (fan_out, fan_in). A fixed head is a last layer
 * whose weights are not in theta. Linear nets are act = identity without biases. */
#define IBP__MAX_LAYERS (IBP__MAX_DEPTH + 1)
typedef struct ibp__layer {
    char name[8];         /* "W1", ...; "X", "Y" for mf */
    int rows, cols;       /* (fan_out, fan_in) */
    long off;             /* offset of W in theta, -1 when fixed */
    long boff;            /* offset of the bias (rows,) in theta, -1 when none */
    double alpha;         /* forward prefactor (NTK parameterization), 1 otherwise */
    double *fixed;        /* (rows, cols) values when off == -1 */
} ibp__layer;

/* A convolution's geometry (model=cnn, cnn_geom.c). Conv layer i is L[i], i < nconv, with rows =
 * C_out and cols = C_in kh kw: K stored (C_out, C_in, kh, kw) row-major, PyTorch's layout, so
 * its im2col form is the (rows, cols) matrix of every other layer. Inputs and activations are
 * position-major with the channels innermost: sample s, position (y, x), channel c is at
 * [s][(y w + x) C + c]; flattening keeps that order. A 1-D signal is an image of height 1. */
typedef struct ibp__conv {
    int dims;             /* spatial dimensions: 1 or 2 */
    int cin, hin, win;    /* input channels and positions */
    int kh, kw, sh, sw;   /* kernel and stride (kh = sh = 1 in 1-D) */
    int pt, pl;           /* zero rows above and columns to the left (padding=same) */
    int hout, wout;       /* output positions; the output channels are the layer's rows */
} ibp__conv;

typedef struct ibp__batch {
    const double *x; /* (n, d) */
    const double *y; /* (n, k) */
    int n;
} ibp__batch;

/* The MLP's Hessian-vector product keeps what does not depend on v (model_mlp_hvp.c) for the
 * theta and batch it was built at: a later product with the same theta (bit for bit, against
 * a copy), the same batch arrays and the same batch contents (a fingerprint) reuses it. Every
 * other use of the workspace clears `valid`. */
typedef struct ibp__hvpkey {
    int valid;
    const double *x, *y;  /* the batch it was built for */
    int n;
    uint64_t fp;          /* fingerprint of the batch contents */
    long builds;          /* caches built so far (a test's window into reuse) */
} ibp__hvpkey;

typedef struct ibp__model {
    int kind, loss, act;
    double act_param;
    int d, k;             /* input and output dimension */
    int nl;               /* number of layers, a fixed head included */
    ibp__layer L[IBP__MAX_LAYERS];
    long P;               /* trained parameters */
    int nmax;             /* largest batch the workspace holds */
    double *ws;           /* workspace (ibp__model_ws_doubles(m, nmax) doubles) */
    ibp__hvpkey hk;       /* MLP: what the workspace's HVP cache holds */
    /* mf: L = 1/2 ||A - X Y^T||_F^2 with X = L[0] (rows, r), Y = L[1] (cols, r) */
    int mf_rows, mf_cols, mf_r;
    double *A;            /* (mf_rows, mf_cols) */
    /* cnn: L[0..nconv) are convolutions, then the pooling, then dense layers as in an mlp */
    int nconv, pool;      /* pool: IBP__POOL_FLAT or IBP__POOL_AVG */
    int feat;             /* features after the pooling: the first dense layer's cols */
    ibp__conv cv[IBP__MAX_CONV];
} ibp__model;

/* Fill the layer table and P from the config (no allocation; fixed arrays bound later). */
int ibp__model_setup(ibp__model *m, const ibp__config *c, char *err, size_t errlen);
/* Indices (into L) of the trained layers, in order; returns their number. */
int ibp__trained_layers(const ibp__model *m, int *idx /* (IBP__MAX_LAYERS,) */);
size_t ibp__model_fixed_doubles(const ibp__model *m); /* fixed head + mf target */
void ibp__model_bind_fixed(ibp__model *m, double *fixed);
size_t ibp__model_ws_doubles(const ibp__model *m, int nmax);
void ibp__model_bind_ws(ibp__model *m, double *ws, int nmax);
/* Outputs f (n, k) of inputs x (n, d); n <= nmax. */
void ibp__model_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
/* Loss on the batch; the exact gradient (P,) when grad != NULL. */
double ibp__model_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad);
/* The same, and for an MLP also the outputs on the batch into f (b->n, k), bit for bit those of
 * ibp__model_forward (the forward pass is the same one). Returns the loss; *have_f says whether
 * f was written (other families: never). */
double ibp__model_loss_grad_f(ibp__model *m, const double *theta, const ibp__batch *b,
                              double *grad, double *f, int *have_f);
/* Exact Hessian-vector product hv = H v of the batch loss (Pearlmutter R-operator). */
void ibp__model_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                    double *hv);
/* Gauss-Newton product J^T D J v / n; with ntk != 0 the loss curvature D is replaced by the
 * identity so the operator is the NTK Theta/n (same nonzero spectrum, acting on parameters). */
void ibp__model_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v,
                     double *out, int ntk);
/* Family implementations (dispatched by ibp__model_*). */
size_t ibp__linear_ws_doubles(const ibp__model *m, int nmax);
void ibp__linear_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
double ibp__linear_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad);
void ibp__linear_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *hv);
void ibp__linear_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *out, int ntk);
size_t ibp__mlp_ws_doubles(const ibp__model *m, int nmax);
void ibp__mlp_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
double ibp__mlp_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad,
                         double *f /* (n, k) or NULL: a copy of the outputs */);
void ibp__mlp_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *hv);
void ibp__mlp_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *out, int ntk);
/* cnn (cnn_geom.c: the layer table, im2col and col2im, naming; model_cnn.c: the passes) */
int ibp__cnn_setup(ibp__model *m, const ibp__config *c, char *err, size_t errlen);
double ibp__cnn_act_doubles(const ibp__model *m); /* activations per sample of the hidden layers */
/* Patch matrices with the columns in the order (i, j, c), channels innermost. */
void ibp__cnn_im2col(const ibp__conv *g, const double *X /* (nb, hin win cin) */, int nb,
                     double *col /* (nb hout wout, kh kw cin) */);
void ibp__cnn_col2im(const ibp__conv *g, const double *col /* (nb hout wout, kh kw cin) */, int nb,
                     double *dX /* (nb, hin win cin): overwritten with the sums */);
/* Does the patch order (i, j, c) differ from theta's (c, i, j)? (C_in > 1 and a kernel > 1x1) */
int ibp__cnn_permuted(const ibp__conv *g);
/* Kp (rows, cols) = K (rows, cols) with its columns from theta's order to the patch order; and
 * back, times alpha: G = alpha Gp permuted. */
void ibp__cnn_kperm(const ibp__conv *g, int rows, const double *K, double *Kp);
void ibp__cnn_kunperm(const ibp__conv *g, int rows, const double *Gp, double alpha, double *G);
/* params JSON: the name of layer i's bias ("b3", or "c1" for a convolution) and its weights'
 * shape (2 numbers, or 3 or 4 for a convolution); returns the number of dimensions. */
void ibp__layer_bias_name(const ibp__model *m, int i, char *out, size_t cap);
int ibp__layer_shape(const ibp__model *m, int i, int *shape /* (4,) */);
size_t ibp__cnn_ws_doubles(const ibp__model *m, int nmax);
void ibp__cnn_forward(ibp__model *m, const double *theta, const double *x, int n, double *f);
double ibp__cnn_loss_grad(ibp__model *m, const double *theta, const ibp__batch *b, double *grad,
                          double *f /* (n, k) or NULL: a copy of the outputs */);
void ibp__cnn_hvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *hv);
void ibp__cnn_gnvp(ibp__model *m, const double *theta, const ibp__batch *b, const double *v, double *out, int ntk);
/* model_cnn.c's pieces its third derivative (model_cnn_d3.c) shares: output positions of layer
 * i (1 for dense layers), samples per block of layer i, the avg pooling P (n, C) of the last
 * conv's activations A (n, pout, C), and dst (cols, rows) = alpha src^T in the patch order (a
 * permuted conv's src goes through perm (rows, cols); returns the weights in the patch order). */
long ibp__cnn_pout(const ibp__model *m, int i);
int ibp__cnn_blk(const ibp__model *m, int i);
void ibp__cnn_pool(const ibp__model *m, const double *A, int n, double *P);
const double *ibp__cnn_tscale(const ibp__model *m, int i, const double *src, double *perm, double *dst);
size_t ibp__mf_ws_doubles(const ibp__model *m, int nmax);
double ibp__mf_loss_grad(ibp__model *m, const double *theta, double *grad);
void ibp__mf_hvp(ibp__model *m, const double *theta, const double *v, double *hv);
void ibp__mf_gnvp(ibp__model *m, const double *theta, const double *v, double *out);
/* Activation and its first two derivatives, elementwise over n values (vectorized). */
void ibp__act_fwd(int act, double prm, const double *z, double *a, long n);
void ibp__act_d1(int act, double prm, const double *z, double *d1, long n);
void ibp__act_d2(int act, double prm, const double *z, double *d2, long n);
/* a = act(z), d1 = act'(z) and, when d2 != NULL, d2 = act''(z) in one pass (shares e.g. tanh's
 * exponential): the same bits as the three functions above. Outputs may alias z, elementwise. */
void ibp__act_derivs(int act, double prm, const double *z, double *a, double *d1, double *d2,
                     long n);

/* ---- third derivatives (model_net_d3.c: linear and mlp; model_cnn_d3.c: cnn; model_mf_d3.c: mf and
 * the dispatch; loss_d3.c: the loss's part, every loss) ---- */
/* out (P,) = D3L[u, u, .] = grad_theta (u^T H u) of the batch loss, exactly (an R-operator pass
 * through the HVP); returns q = u^T H u. ws: ibp__model_d3_doubles(m, nmax) doubles of the
 * caller's own (not the model's workspace, so the HVP cache stays valid). mf ignores b. */
size_t ibp__model_d3_doubles(const ibp__model *m, int nmax);
double ibp__model_d3(const ibp__model *m, const double *theta, const ibp__batch *b, const double *u,
                     double *out, double *ws);
size_t ibp__net_d3_doubles(const ibp__model *m, int nmax);
double ibp__net_d3(const ibp__model *m, const double *theta, const ibp__batch *b, const double *u,
                   double *out, double *ws);
size_t ibp__mf_d3_doubles(const ibp__model *m);
double ibp__mf_d3(const ibp__model *m, const double *theta, const double *u, double *out, double *ws);
void ibp__act_d3(int act, double prm, const double *z, double *d3, long n); /* act''' elementwise */
/* The loss's part (loss_d3.c): q = <Fd, H Fd> + <g, Fdd> from the outputs F (n, k) and their
 * derivatives along u, Fd and Fdd (n, k); the reverse pass's seeds B0 = T[Fd, Fd, .] + H Fdd,
 * B1 = 2 H Fd, B2 = g (n, k each); h (n, k) scratch. Every loss, ce included. */
double ibp__loss_d3_seeds(int loss, const double *F, const double *y, const double *Fd, const double *Fdd, int n,
                          int k, double *B0, double *B1, double *B2, double *h);
/* cnn (model_cnn_d3.c): the same pass through convolutions, pooling and the dense head */
size_t ibp__cnn_d3_doubles(const ibp__model *m, int nmax);
double ibp__cnn_d3(const ibp__model *m, const double *theta, const ibp__batch *b, const double *u,
                   double *out, double *ws);

/* Initial parameters (init.c): fills theta (P,) and the fixed arrays (head, mf target) that
 * depend on the init stream. init_json is the params JSON for init=file. */
int ibp__model_init(ibp__model *m, const ibp__config *c, double *theta, const char *init_json,
                    double *scratch, char *err, size_t errlen);
size_t ibp__model_init_scratch(const ibp__model *m, const ibp__config *c);

/* The params JSON format (params_json.c; the format is described there). The writer covers
 * every layer (fixed ones marked "trained": false) and the mf target; the reader fills the
 * trained slices of theta (P,) and refuses missing, misshapen or non-finite arrays. */
size_t ibp__params_json_write(const ibp__config *c, const ibp__model *m, const double *theta,
                              const double *grad /* (P,) or NULL: the "grad" list */, long step,
                              char *buf, size_t cap);
/* A vector v (P,) laid out like theta as the list of its named trained arrays (JSON). */
size_t ibp__vector_json_write(const ibp__model *m, const double *v, char *buf, size_t cap);
/* Reads theta (P,) and, when the model has a fixed head and head != NULL, the file's head array
 * into head (rows, cols) with *head_found = 1 (a random head=unit is restored from it). */
int ibp__params_json_read(ibp__model *m, const char *json, double *theta, double *head, int *head_found,
                          char *err, size_t errlen);

#endif /* IBP_MODELS_H */
