/* config_table.c -- every config key: type, default, range, when it applies, and its help line.
 *
 * This table is the single source of truth for the CLI's `ibp help config`, the page's controls
 * (ibp_config_schema_json) and the parser. Order matters: it is the canonical order of keys, and
 * a key's `applies` condition may only refer to ENUM keys above it. */
#include "config/config.h"

#define O(f) offsetof(ibp__config, f)
#define BIG 1e300
#define IMAX 1e9
#define SEEDMAX 9007199254740991.0 /* 2^53 - 1: exact in a double and in JS */

/* key, group, type, off, list_off, def, min, max, min_open, list_int, list_min, list_max,
 * choices, applies, help */
const ibp__key ibp__keys[] = {
    /* ---- model ---- */
    {"model", "model", IBP__T_ENUM, O(model), 0, "mlp", 0, 0, 0, 0, 0, 0, "linear|mlp|mf|cnn", "",
     "model family: linear = deep linear net W_L...W_1 x; mlp = feed-forward net; mf = matrix "
     "factorization 1/2 ||A - X Y^T||_F^2; cnn = convolutions (conv), pooling (pool), then dense "
     "layers as in mlp"},
    {"depth", "model", IBP__T_INT, O(depth), 0, "2", 1, IBP__MAX_DEPTH, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn", "trained weight layers L (a fixed head adds one untrained layer on top); "
     "cnn: the dense layers after the convolutions, the output layer included"},
    {"width", "model", IBP__T_LIST, O(width), 0, "32", 1, 100000, 0, 1, 1, IBP__MAX_DEPTH, "",
     "model=linear,mlp,cnn", "hidden widths: one number for all hidden layers, or one per hidden layer "
     "(cnn: the hidden dense layers)"},
    {"d", "model", IBP__T_INT, O(d), 0, "8", 1, 100000, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher,mc,degenerate,separable,flip,inline",
     "input dimension (implied by data=p5, xor40, xor, circles, spirals, moons, csv, fashion_mnist; "
     "checked for inline)"},
    {"out", "model", IBP__T_INT, O(out), 0, "1", 1, 10000, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher,inline,csv", "output dimension k (the other data sets have k = 1; "
     "fashion_mnist: 1 for two classes, else one per class)"},
    {"act", "model", IBP__T_ACT, O(act), O(act_param), "tanh", 0, 0, 0, 0, 0, 0,
     "identity|relu|leaky_relu|tanh|softplus|leaky_softplus|gelu", "model=mlp,cnn",
     "activation: identity, relu, leaky_relu(alpha=0.01), tanh, softplus(beta=1), "
     "leaky_softplus(c=0.5) = c z + (1-c) log(1+e^z), gelu = z Phi(z)"},
    {"bias", "model", IBP__T_BOOL, O(bias), 0, "1", 0, 1, 0, 0, 0, 0, "", "model=mlp,cnn",
     "trained biases on every trained layer (cnn: one per output channel of a convolution)"},
    {"param", "model", IBP__T_ENUM, O(param), 0, "standard", 0, 0, 0, 0, 0, 0, "standard|ntk|ntk_all",
     "model=linear,mlp,cnn",
     "parameterization: ntk multiplies trained layer h >= 2 by 1/sqrt(fan_in), i.e. f = m^-(L-1)/2 W_L...W_1 x; "
     "ntk_all also the first layer (by 1/sqrt(d)), as in the catapult paper's ReLU nets; "
     "either never scales a fixed head (head=pm, unit or values are used as given)"},
    {"init", "model", IBP__T_ENUM_OR_LIST, O(init), O(init_values), "fan_in", -BIG, BIG, 0, 0, 1,
     1000000, "fan_in|normal|residual|orthogonal|zero|file", "",
     "initial parameters: fan_in N(0,s^2/fan_in), normal N(0,s^2), residual I + s/sqrt(L d) N(0,1), "
     "orthogonal s*Haar, zero, file (params JSON), or every parameter as a comma list (theta order)"},
    {"init_scale", "model", IBP__T_LIST, O(init_scale), 0, "1", 0, 1e6, 0, 0, 1, IBP__MAX_DEPTH + 1,
     "", "", "init scale s: one number, or one per trained layer (mf: one per factor X, Y)"},
    {"head", "model", IBP__T_ENUM_OR_LIST, O(head), O(head_values), "train", -BIG, BIG, 0, 0, 1,
     1000000, "train|pm|unit", "model=linear,mlp,cnn",
     "output layer: train; fixed pm (a_j/m, a = +1 on the first half, -1 on the rest); fixed unit "
     "(random unit vector); or fixed values (out, width) row-major"},
    /* ---- convolutional networks (model=cnn) ---- */
    {"conv", "cnn", IBP__T_CONV, O(conv), 0, "8x3", 1, 4096, 0, 1, 1, IBP__MAX_CONV, "", "model=cnn",
     "convolution layers, input side first: CxK = C output channels, kernel K (K x K on images, "
     "K on 1-D signals), e.g. 8x3,16x3; weights K_h (C_out, C_in, K, K) as in PyTorch"},
    {"stride", "cnn", IBP__T_LIST, O(stride), 0, "1", 1, 64, 0, 1, 1, IBP__MAX_CONV, "", "model=cnn",
     "stride of the convolutions: one number for all, or one per conv layer"},
    {"padding", "cnn", IBP__T_ENUM, O(padding), 0, "valid", 0, 0, 0, 0, 0, 0, "valid|same", "model=cnn",
     "valid: no padding (the output shrinks by K - 1); same: zeros around the input so that the "
     "output has ceil(size / stride) positions"},
    {"pool", "cnn", IBP__T_ENUM, O(pool), 0, "flat", 0, 0, 0, 0, 0, 0, "flat|avg", "model=cnn",
     "after the convolutions: flat = flatten (position-major, channels innermost) or avg = global "
     "average pooling (one feature per channel)"},
    {"in_shape", "cnn", IBP__T_LIST, O(in_shape), 0, "", 1, 100000, 0, 1, 0, 3, "", "model=cnn",
     "input shape C,L (1-D signal) or C,H,W (image), C*L or C*H*W = d, inputs stored position-major "
     "(channels innermost); empty: 1,d, or 1,S,S for data=fashion_mnist"},
    /* ---- matrix factorization ---- */
    {"rows", "mf", IBP__T_INT, O(rows), 0, "20", 1, 100000, 0, 0, 0, 0, "", "model=mf",
     "rows of the target A"},
    {"cols", "mf", IBP__T_INT, O(cols), 0, "15", 1, 100000, 0, 0, 0, 0, "", "model=mf",
     "columns of the target A"},
    {"rank", "mf", IBP__T_INT, O(rank), 0, "3", 1, 100000, 0, 0, 0, 0, "", "model=mf",
     "rank of the target A"},
    {"factor_rank", "mf", IBP__T_INT, O(factor_rank), 0, "0", 0, 100000, 0, 0, 0, 0, "", "model=mf",
     "inner dimension r of X (rows, r) and Y (cols, r); 0 = rank"},
    {"sv", "mf", IBP__T_LIST, O(sv), 0, "", 0, 1e12, 0, 0, 0, 100000, "", "model=mf",
     "singular values of A = U diag(sv) V^T (Haar U, V); empty: A = G H^T Gaussian, ||A||_2 = target_norm"},
    {"target", "mf", IBP__T_LIST, O(target), 0, "", -1e12, 1e12, 0, 0, 0, 10000000, "", "model=mf",
     "explicit entries of A (rows, cols) row-major; e.g. rows=cols=rank=1&target=1: 1/2 (1 - x y)^2"},
    {"target_norm", "mf", IBP__T_DOUBLE, O(target_norm), 0, "1", 0, 1e12, 1, 0, 0, 0, "",
     "model=mf", "spectral norm of the Gaussian target"},
    {"target_dist", "mf", IBP__T_ENUM, O(target_dist), 0, "product", 0, 0, 0, 0, 0, 0, "product|iid", "model=mf",
     "Gaussian target: product A = G H^T (G, H with `rank` N(0,1) columns) or iid A_ij ~ N(0,1) "
     "(full rank, Wang et al. 2022); both scaled to ||A||_2 = target_norm"},
    /* ---- data ---- */
    {"data", "data", IBP__T_ENUM, O(data), 0, "teacher", 0, 0, 0, 0, 0, 0,
     "teacher|mc|degenerate|separable|flip|xor|circles|spirals|moons|p5|xor40|inline|csv|fashion_mnist",
     "model=linear,mlp,cnn",
     "data set: teacher regression, mc (Marion-Chizat), degenerate, separable, flip, xor, circles, "
     "spirals, moons, p5, xor40, inline (xs, ys), csv (imported file), fashion_mnist (real images: "
     "a fixed class-balanced subset of Fashion-MNIST, 5000 training and 1000 test images)"},
    {"n", "data", IBP__T_INT, O(n), 0, "256", 1, 10000000, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher,mc,degenerate,separable,flip,xor,circles,spirals,moons,fashion_mnist",
     "training samples"},
    {"n_test", "data", IBP__T_INT, O(n_test), 0, "0", 0, 10000000, 0, 0, 0, 0, "", "model=linear,mlp,cnn",
     "test samples (generated sets: extra draws; fixed sets: a random split; fashion_mnist: its test images)"},
    {"kappa", "data", IBP__T_DOUBLE, O(kappa), 0, "1", 1, 1e12, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher", "condition number of the input covariance (eigenvalues 1 .. 1/kappa)"},
    {"cov", "data", IBP__T_LIST, O(cov), 0, "", 0, 1e12, 1, 0, 0, 100000, "", "model=linear,mlp,cnn&data=teacher",
     "explicit input covariance spectrum: d eigenvalues along the axes, e.g. 4,1,1,0.25 (instead of kappa)"},
    {"cov_rotate", "data", IBP__T_BOOL, O(cov_rotate), 0, "0", 0, 1, 0, 0, 0, 0, "", "model=linear,mlp,cnn&data=teacher",
     "rotate the input covariance by a seeded random (Haar) rotation: x = R diag(sqrt(s)) z"},
    {"teacher", "data", IBP__T_ENUM, O(teacher), 0, "linear", 0, 0, 0, 0, 0, 0, "linear|sin|tanh_mlp",
     "model=linear,mlp,cnn&data=teacher", "target function: linear x W, sin(x B), or a tanh MLP"},
    {"teacher_w", "data", IBP__T_LIST, O(teacher_w), 0, "", -1e12, 1e12, 0, 0, 0, 10000000, "",
     "model=linear,mlp,cnn&data=teacher&teacher=linear",
     "linear teacher weights (d, out) row-major; empty: N(0, teacher_scale^2)"},
    {"teacher_width", "data", IBP__T_INT, O(teacher_width), 0, "64", 1, 100000, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher&teacher=tanh_mlp", "hidden width of the tanh teacher"},
    {"teacher_scale", "data", IBP__T_DOUBLE, O(teacher_scale), 0, "1", 0, 1e6, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher",
     "teacher weight scale s: linear and sin N(0, s^2); tanh_mlp N(0, s^2/fan_in)"},
    {"standardize", "data", IBP__T_BOOL, O(standardize), 0, "0", 0, 1, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher", "centre the targets and scale them to unit std"},
    {"noise", "data", IBP__T_DOUBLE, O(noise), 0, "0", 0, 1e6, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher,mc", "label noise std"},
    {"xnoise", "data", IBP__T_DOUBLE, O(xnoise), 0, "0.1", 0, 10, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=xor,circles,spirals,moons", "input noise std of the 2-D sets"},
    {"wstar_norm", "data", IBP__T_DOUBLE, O(wstar_norm), 0, "1", 0, 1e6, 1, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=mc", "||w*|| of the OLS solution after normalization"},
    {"p", "data", IBP__T_DOUBLE, O(p), 0, "0.5", 0, 1, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=degenerate", "fraction of +1 labels (separable iff p = 0 or 1)"},
    {"margin", "data", IBP__T_DOUBLE, O(margin), 0, "0.1", 0, 1000, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=separable,flip", "margin gamma: |w.x| >= gamma for a unit w"},
    {"flip", "data", IBP__T_DOUBLE, O(flip), 0, "0.1", 0, 0.5, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=flip", "fraction of flipped labels"},
    {"xs", "data", IBP__T_LIST, O(xs), 0, "", -1e12, 1e12, 0, 0, 0, 10000000, "",
     "model=linear,mlp,cnn&data=inline", "inputs (n, d) row-major"},
    {"ys", "data", IBP__T_LIST, O(ys), 0, "", -1e12, 1e12, 0, 0, 0, 10000000, "",
     "model=linear,mlp,cnn&data=inline", "targets (n, out) row-major"},
    {"labels", "data", IBP__T_ENUM, O(labels), 0, "raw", 0, 0, 0, 0, 0, 0, "raw|sign",
     "model=linear,mlp,cnn&data=teacher,mc,inline,csv", "sign: replace targets by sign(y) in {-1, +1}"},
    {"data_seed", "data", IBP__T_INT64, O(data_seed), 0, "-1", -1, SEEDMAX, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=teacher,mc,degenerate,separable,flip,xor,circles,spirals,moons,p5,xor40,inline,csv",
     "seed of the data (and teacher); -1 = seed"},
    /* ---- real images (data=fashion_mnist) ---- */
    {"image_size", "data", IBP__T_ENUM, O(image_size), 0, "28", 0, 0, 0, 0, 0, 0, "28|14|7",
     "model=linear,mlp,cnn&data=fashion_mnist",
     "image side in pixels: 28 (the original), or 14, 7 by averaging 2x2 or 4x4 blocks; d = size^2"},
    {"classes", "data", IBP__T_LIST, O(classes), 0, "", 0, 9, 0, 1, 0, 10, "",
     "model=linear,mlp,cnn&data=fashion_mnist",
     "Fashion-MNIST classes to use (0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, "
     "6 shirt, 7 sneaker, 8 bag, 9 ankle boot); empty = all ten. Two classes: labels +1 (first) and -1 "
     "(out=1), or one-hot with loss=ce; more: one-hot targets, one output per class"},
    {"center", "data", IBP__T_BOOL, O(center), 0, "0", 0, 1, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn&data=fashion_mnist",
     "subtract the training set's mean image from every image (pixels are in [0, 1] otherwise)"},
    /* ---- loss ---- */
    {"loss", "loss", IBP__T_ENUM, O(loss), 0, "mse_half", 0, 0, 0, 0, 0, 0, "mse_half|mse|logistic|ce",
     "", "mse_half 1/(2n) sum (f-y)^2; mse 1/n sum (f-y)^2; logistic 1/n sum log(1+e^-yf) (mf: no 1/n); "
     "ce softmax cross-entropy 1/n sum (logsumexp(f) - y.f) on targets that are probability vectors "
     "(one-hot), out >= 2"},
    /* ---- optimizer ---- */
    {"opt", "optimizer", IBP__T_ENUM, O(opt), 0, "gd", 0, 0, 0, 0, 0, 0, "gd|sgd", "",
     "full-batch gradient descent, or SGD on minibatches"},
    {"batch", "optimizer", IBP__T_INT, O(batch), 0, "32", 1, 1000000, 0, 0, 0, 0, "", "opt=sgd",
     "minibatch size"},
    {"sample", "optimizer", IBP__T_ENUM, O(sample), 0, "replace", 0, 0, 0, 0, 0, 0, "replace|online",
     "opt=sgd", "replace: draw with replacement from the training set; online: fresh samples each step"},
    {"label_noise", "optimizer", IBP__T_DOUBLE, O(label_noise), 0, "0", 0, 1e6, 0, 0, 0, 0, "",
     "model=linear,mlp,cnn", "std of fresh Gaussian noise added to the targets at every step"},
    {"lr", "optimizer", IBP__T_DOUBLE, O(lr), 0, "0.1", 0, 1e6, 1, 0, 0, 0, "", "",
     "learning rate eta (absolute)"},
    {"lr_rel", "optimizer", IBP__T_DOUBLE, O(lr_rel), 0, "0", 0, 1e4, 0, 0, 0, 0, "", "",
     "learning rate relative to the initial sharpness: eta = lr_rel / S0 (2 = the stability edge); 0 = off"},
    {"lr_ref", "optimizer", IBP__T_ENUM, O(lr_ref), 0, "sharpness", 0, 0, 0, 0, 0, 0, "sharpness|ntk|smin", "",
     "what lr_rel is relative to: sharpness S0 (Hessian), ntk lambda0 = lambda_max(Theta/n) at init, or smin "
     "(the Marion-Chizat bound S_min of deep linear regression: lr_rel=2 is eta_c = 2/S_min)"},
    {"lr_power", "optimizer", IBP__T_DOUBLE, O(lr_power), 0, "0", 0, 4, 0, 0, 0, 0, "", "",
     "decay p of the schedule eta_t = eta (t+1)^-p"},
    {"warmup", "optimizer", IBP__T_INT, O(warmup), 0, "0", 0, IMAX, 0, 0, 0, 0, "", "",
     "linear warm-up over this many steps: eta_t = eta min(1, (t+1)/warmup)"},
    {"lr_at", "optimizer", IBP__T_LIST, O(lr_at), 0, "", 0, 1e9, 0, 0, 0, 2 * IBP__LR_AT_MAX, "", "",
     "learning-rate changes during the run: pairs step,eta (e.g. 300,0.05,800,0.1): from each step on, "
     "the base learning rate is that eta (the page records eta changed by hand here)"},
    {"steps", "optimizer", IBP__T_INT, O(steps), 0, "1000", 0, IMAX, 0, 0, 0, 0, "", "",
     "number of steps"},
    {"target_loss", "optimizer", IBP__T_DOUBLE, O(target_loss), 0, "0", 0, BIG, 0, 0, 0, 0, "", "",
     "stop when the training loss is at most this; 0 = off (at most 1e300)"},
    {"grad_tol", "optimizer", IBP__T_DOUBLE, O(grad_tol), 0, "0", 0, BIG, 0, 0, 0, 0, "", "",
     "stop when ||grad|| < grad_tol; 0 = off"},
    {"div_loss", "optimizer", IBP__T_DOUBLE, O(div_loss), 0, "10000000000", 0, BIG, 1, 0, 0, 0, "", "",
     "divergence bound: stop as diverged when the loss is above it (at most 1e300; a loss that is not finite "
     "always stops the run)"},
    /* ---- measurement ---- */
    {"log_every", "measure", IBP__T_INT, O(log_every), 0, "1", 1, IMAX, 0, 0, 0, 0, "", "",
     "write a metrics row every k steps"},
    {"measure", "measure", IBP__T_BOOL, O(measure), 0, "1", 0, 1, 0, 0, 0, 0, "", "",
     "measure the sharpness (Lanczos on exact Hessian-vector products) during the run"},
    {"measure_every", "measure", IBP__T_INT, O(measure_every), 0, "0", 0, IMAX, 0, 0, 0, 0, "", "",
     "steps between sharpness measurements; 0 = chosen from the model size"},
    {"topk", "measure", IBP__T_INT, O(topk), 0, "1", 1, IBP__MAX_TOPK, 0, 0, 0, 0, "", "",
     "number of top Hessian eigenvalues to track"},
    {"lanczos_tol", "measure", IBP__T_DOUBLE, O(lanczos_tol), 0, "1e-08", 0, 0.1, 1, 0, 0, 0, "", "",
     "Lanczos stopping rule: residual bound <= tol |eigenvalue|"},
    {"lanczos_max", "measure", IBP__T_INT, O(lanczos_max), 0, "0", 0, 100000, 0, 0, 0, 0, "", "",
     "largest Krylov space before a thick restart; 0 = min(P, 80)"},
    {"adaptive", "measure", IBP__T_BOOL, O(adaptive), 0, "0", 0, 1, 0, 0, 0, 0, "", "",
     "measure more often when eta S / 2 is near 1"},
    {"lambda_min", "measure", IBP__T_BOOL, O(lambda_min), 0, "0", 0, 1, 0, 0, 0, 0, "", "",
     "also track the smallest (most negative) Hessian eigenvalue"},
    {"ntk", "measure", IBP__T_BOOL, O(ntk), 0, "0", 0, 1, 0, 0, 0, 0, "", "",
     "also track the top NTK eigenvalue lambda = lambda_max(Theta/n)"},
    {"catapult_factor", "measure", IBP__T_DOUBLE, O(catapult_factor), 0, "2", 1, 1e12, 1, 0, 0, 0, "",
     "", "a catapult is a rise of the loss by this factor followed by a fall below its start"},
    /* ---- continuous-time models beside GD ---- */
    {"flow", "flows", IBP__T_SET, O(flow), 0, "", 0, 0, 0, 0, 0, 0, "gf|central|rod|edge", "opt=gd",
     "continuous-time models run beside GD, any subset: gf = gradient flow, central = the central flow "
     "of Cohen et al. 2025 (S <= 2/eta by complementarity over the top flow_k eigenvalues); "
     /* rod, edge: issue 15 */
     "rod = Rod Flow (Regis & Chewi 2026) and edge = Edge Flow (Marion 2026), both as reconstructed from "
     "their abstracts (the papers' equations were not available): a centre on the symmetrised loss plus "
     "an oscillation that grows iff the sharpness exceeds 2/eta; columns rf_*, ef_*"},
    {"flow_start", "flows", IBP__T_ENUM, O(flow_start), 0, "init", 0, 0, 0, 0, 0, 0, "init|onset", "opt=gd",
     "where the flows start: init = GD's theta0; onset = GD's iterate at the EoS onset event"},
    {"flow_tol", "flows", IBP__T_DOUBLE, O(flow_tol), 0, "1e-07", 1e-13, 1e-2, 0, 0, 0, 0, "", "opt=gd",
     "error tolerance of the flows' Dormand-Prince 5(4) integrator (relative and absolute, per step)"},
    {"flow_k", "flows", IBP__T_INT, O(flow_k), 0, "3", 1, IBP__MAX_TOPK - 1, 0, 0, 0, 0, "", "opt=gd",
     "eigenvalues the central flow tracks (1 = the single-eigenvalue form; >= 2 the several-eigenvalue form, "
     "found by a block eigensolver of flow_k vectors, which resolves the eigenvalues the flow holds together at 2/eta)"},
    {"flow_kappa", "flows", IBP__T_DOUBLE, O(flow_kappa), 0, "1", 0, 1e3, 1, 0, 0, 0, "", "opt=gd",
     "central flow: rate (per GD step) at which an eigenvalue may approach 2/eta, and a drifted one is pulled back: "
     "dS/dt <= kappa/eta (2/eta - S). Ours, not in the paper's equations: the continuous-time form of the authors' "
     "code, which imposes the edge at the end of each Euler substep (kappa = 1/substep there, 4)"},
    /* ---- run ---- */
    {"seed", "run", IBP__T_INT64, O(seed), 0, "0", 0, SEEDMAX, 0, 0, 0, 0, "", "",
     "random seed (data, init, SGD, Lanczos start)"},
    {"mem_cap", "run", IBP__T_DOUBLE, O(mem_cap_mib), 0, "512", 1, 1e6, 0, 0, 0, 0, "", "",
     "memory cap in MiB: a larger run is refused before anything is allocated"},
};
const int ibp__nkeys = (int)(sizeof ibp__keys / sizeof ibp__keys[0]);

static const double ibp__act_defaults[] = {0, 0, 0.01, 0, 1.0, 0.5, 0};
double ibp__act_default_param(int act) { return ibp__act_defaults[act]; }
int ibp__act_has_param(int act) {
    return act == IBP__ACT_LEAKY_RELU || act == IBP__ACT_SOFTPLUS || act == IBP__ACT_LEAKY_SOFTPLUS;
}
