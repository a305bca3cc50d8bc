/* cli_help.c -- the text of `ibp help [TOPIC]` and of the usage line; `ibp help config` is the
 * library's own (ibp_config_help_text), so the key documentation has one source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ibp.h"
#include "cli/cli_help.h"
#include "cli/cli_io.h"
#include "cli/cli_sweep.h"

const char *const cli_usage =
    "ibp " IBP_VERSION " -- Implicit Bias Playground engine\n"
    "\n"
    "usage:\n"
    "  ibp run CONFIG [--out FILE.csv|FILE.jsonl] [--data FILE.csv] [--init FILE.json]\n"
    "                 [--save FILE.json] [--params-every K --params-out FILE.jsonl]\n"
    "                 [--images FILE] [--quiet]\n"
    "      train and write the metrics table (CSV to stdout without --out)\n"
    "  ibp info CONFIG [--data FILE.csv] [--init FILE.json] [--images FILE]\n"
    "      parameter count, memory estimate, S0 and 2/S0, conventions\n"
    "  ibp data CONFIG --out FILE.csv [--test] [--data FILE.csv] [--images FILE]\n"
    "      write the generated training (or test) set\n"
    "  ibp hvp CONFIG --params P.json --dir V.json|grad [--out FILE.json] [--data FILE.csv]\n"
    "      the loss, the gradient and the Hessian-vector product H v at the parameters P\n"
    "      (the --save format) along v (the same format, or the gradient), as JSON, with\n"
    "      v^T H v and the Rayleigh quotient v^T H v / ||v||^2: \"rayleigh\" is null for a zero\n"
    "      v (0/0); a result that is not finite (an overflowing v) is refused (exit code 2)\n"
    "  ibp spectrum CONFIG [--at-step N] [--exact | --density] [--k K] [--probes N]\n"
    "               [--steps M] [--sigma S] [--out FILE.json] [--data FILE.csv] [--init FILE.json]\n"
    "      Hessian spectrum after N training steps: top-k with residuals (default), every\n"
    "      eigenvalue (--exact, P <= 2000), or the SLQ density (--density); the JSON's \"step\"\n"
    "      is the step it was taken at: earlier than N when the run stopped there (target_loss,\n"
    "      grad_tol), which stderr says\n"
    "  ibp sweep CONFIG --vary KEY=GRID [--vary KEY2=GRID] [--out FILE.csv] [--shard I/N]\n"
    "            [--resume] [--jobs N] [--plan | --check] [--images FILE]\n"
    "      one run per grid cell; one summary row per run (regime, final loss and sharpness,\n"
    "      eta S_T, lambda_T/lambda0, steps to converge); GRID = v1,v2,... | lin:a:b:n | log:a:b:n;\n"
    "      --resume goes on with a stopped sweep or shard in --out FILE; --plan prints the cells\n"
    "      and their configs, --check the counts and the estimate, without running them\n"
    "  ibp merge PART.csv... --out FILE.csv\n"
    "      join the shards of a sweep, each part checked (the result is identical to the\n"
    "      unsharded sweep); on Slurm, scripts/slurm-sweep does both (ibp help sweep)\n"
    "  ibp help [config|run|output|conventions|sweep|exit]\n"
    "  ibp version\n"
    "\n"
    "CONFIG is key=value pairs joined by '&' (quote it in the shell), or @FILE to read it from a\n"
    "file. An option is given once; no output may be the same file as another output or an\n"
    "input (compared by path and, for existing files, by device and inode).\n"
    "Example, the catapult of Lewkowycz et al. (2020):\n"
    "  ibp run 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&steps=200'\n";

static const char *help_run =
    "ibp run CONFIG: builds the data, the model and the initial parameters, computes S0 when\n"
    "lr_rel is given (eta = lr_rel / S0), then takes `steps` optimizer steps. It stops early, and\n"
    "says why on stderr, when the loss reaches target_loss, ||grad|| < grad_tol, or the loss\n"
    "exceeds div_loss or stops being finite (\"diverged at step k ...\", exit code 1).\n"
    "  --out FILE.csv     metrics as CSV (a '#' comment header gives version, config, conventions)\n"
    "  --out FILE.jsonl   metrics as JSON lines (first line: meta {ibp, config, seed, conventions,\n"
    "                     columns}; then one object per row, null = not measured)\n"
    "  --data FILE.csv    data for data=csv (header row; the last `out` columns are targets); means\n"
    "                     data=csv when the config does not set data\n"
    "  --init FILE.json   initial parameters (the format of --save); means init=file when the\n"
    "                     config does not set init (a config that sets another init is refused)\n"
    "  --save FILE.json   final parameters (fixed heads too), and under \"grad\" the full-batch gradient\n"
    "                     at them (the same named arrays); numpy: P = {a['name']:\n"
    "                     np.array(a['data']).reshape(a['shape']) for a in json.load(open('FILE.json'))['params']}\n"
    "  --params-every K --params-out FILE.jsonl\n"
    "                     the parameters at steps 0, K, 2K, ... and the last step: one line each,\n"
    "                     each the --save JSON of that step (with its gradient)\n"
    "  --images FILE      the image file of data=fashion_mnist (default: $IBP_IMAGES, else\n"
    "                     build/data/fashion-mnist.ibpi, which scripts/build makes)\n"
    "  --quiet            no progress bar (it is shown only when stderr is a terminal anyway)\n"
    "Input files (@CONFIG, --data, --init) are regular files of at most 1 GiB. Outputs are opened\n"
    "before the first step and every write is checked: a full disk stops the run (exit code 2);\n"
    "--save replaces an existing file only once the new one is completely written. --out, --save\n"
    "and --params-out must be different files, none of them an input (@CONFIG, --data, --init,\n"
    "--images; the standard output counts when there is no --out): the same path, another path\n"
    "to it (./f, a symlink) or the same file by device and inode is refused before the first step\n"
    "(exit code 2). /dev/null and other character devices are exempt. An option given twice is\n"
    "refused too.\n"
    "The same config and seed give the same bits, run after run, native or WebAssembly.\n";

static const char *help_output =
    "Metrics columns (one row every log_every steps, plus step 0 and the last step):\n"
    "  step          optimizer steps taken; the row describes the parameters theta_step\n"
    "  loss          full-batch training loss L(theta) (see `ibp help conventions`)\n"
    "  test_loss     loss on the test set (when n_test > 0)\n"
    "  grad_norm     ||grad L(theta)||_2 (full batch)\n"
    "  param_norm    ||theta||_2\n"
    "  lr            the learning rate of the next step (after the schedule)\n"
    "  sharpness     S = largest algebraic Hessian eigenvalue (Lanczos on exact HVPs), on\n"
    "                measured rows (every measure_every steps); empty elsewhere\n"
    "  sharpness_resid  bound on the distance from S to a Hessian eigenvalue (absolute): the\n"
    "                Lanczos residual |beta_m s_m1| plus the HVP's rounding, eps (4 sqrt(P) + 32) ||H||\n"
    "  eig2..eigK    the next top eigenvalues (topk=K)\n"
    "  lambda_min    the smallest (most negative) eigenvalue (lambda_min=1)\n"
    "  edge_ratio    eta S / 2: 1 is the edge of stability of GD on a quadratic\n"
    "  grad_proj     |g . v1| / ||g||: the gradient's share along the top Hessian eigenvector\n"
    "  hvps          Hessian-vector products used by that measurement (its cost)\n"
    "  ntk           lambda = lambda_max(Theta/n), Theta_ij = grad f(x_i) . grad f(x_j) (ntk=1)\n"
    "  dist_init     ||theta - theta_0||_2\n"
    "  theta1,theta2 the two parameters of a P = 2 model (x, y of the mf scalar problem)\n"
    "  train_acc, test_acc, margin   classification: accuracy, and the normalized margin\n"
    "                min_i y_i f(x_i) / ||theta||^k, k = number of trained layers (homogeneity);\n"
    "                with k classes (one-hot targets, loss=ce) the prediction is the largest\n"
    "                output and the margin f_y - max_{j != y} f_j\n"
    "  layer{h}_sq   ||W_h||_F^2 + ||b_h||^2 of trained layer h (a bias goes with its layer; a\n"
    "                convolution's kernel K_h and bias c_h count the same way)\n"
    "  gap{h}        ||W_{h+1}||_F^2 - (||W_h||_F^2 + ||b_h||^2): conserved by gradient flow for\n"
    "                homogeneous activations (Du et al. 2018); C = u^2 - w^2 for f = u w x\n"
    "  invariant{h}  ||W_{h+1}^T W_{h+1} - W_h W_h^T||_F (linear nets)\n"
    "  mf_balance    ||X^T X - Y^T Y||_F (model=mf)\n"
    "  sv{h}_1, sv{h}_2, sv_ratio{h}   top two singular values of W_h and their ratio\n"
    "  align{h}      |<u_1(W_h), v_1(W_{h+1})>|: alignment of adjacent layers' singular vectors\n"
    "  wprod_dist    ||W_L ... W_1 - w*^T||: end-to-end map against the OLS solution w*\n"
    "  s_min         Marion-Chizat bound 2 L a ||w*||^(2-2/L) (half for half-MSE); s_ratio = S / s_min\n"
    "  cai_threshold 1 / (eta (rho^2 + beta)) of Cai et al. 2024 (two-layer, fixed head, logistic)\n"
    "  events        bitmask of the events at this row: 1 catapult, 2 EoS onset, 4 diverged,\n"
    "                8 converged (their list is printed at the end of `ibp run`):\n"
    "                catapult = the loss rises catapult_factor x above its running minimum and\n"
    "                  falls back below it while the curvature (S, else the NTK lambda) falls from\n"
    "                  above the edge (eta C / 2 > 1) to below it; spikes that start at the edge of\n"
    "                  stability are its oscillation, and a run measuring no curvature has none\n"
    "                EoS onset = eta S / 2 >= 0.95 after being below it, still in [0.95, 2) at a\n"
    "                  measurement >= 10 steps later with the loss at most catapult_factor x its\n"
    "                  value at the first (stamped there): never at a divergence; a new base\n"
    "                  learning rate (lr_at) moves the edge and the onset is looked for afresh\n"
    /* --- flows (issue 15; rf_, ef_: Rod Flow, Edge Flow) --- */
    "Flow columns (flow=gf,central,rod,edge; README \"Continuous-time models beside GD\"):\n"
    "  gf_*          gradient flow: gf_loss, gf_sharpness and gf_hvps (measured rows), gf_dist =\n"
    "                ||theta_GD - theta_flow||, gf_rel_dist = gf_dist / ||theta_GD||\n"
    "  cf_*          central flow: cf_loss, cf_pred_loss (L + 1/2 <Sigma, H>), cf_sharpness, cf_eig2,\n"
    "                cf_sigma2 (tr Sigma), cf_dist, cf_rel_dist, cf_hvps (cumulative)\n"
    "  rf_*, ef_*    Rod Flow, Edge Flow (reconstructed from their abstracts: see the README): a\n"
    "                centre c and an oscillation o, GD's iterate predicted as c + (-1)^(k-k0) o;\n"
    "                *_loss L(c), *_pred_loss 1/2 [L(c + o) + L(c - o)], *_dist and *_rel_dist to the\n"
    "                predicted iterate, *_grads gradients spent, *_osc ||o||; rf_sharpness and\n"
    "                rf_hvps on measured rows (Lanczos at c); ef_sharpness u^T H u, ef_hvps\n"
    /* --- end flows --- */
    "Empty CSV fields (JSON null) mean \"not measured at this row\".\n";

static const char *help_conventions =
    "Conventions (they move every threshold by factors of 2 and n):\n"
    "  loss=mse_half (default)  L = 1/(2n) sum_i ||f(x_i) - y_i||^2   (mean over samples)\n"
    "  loss=mse                 L = 1/n sum_i ||f(x_i) - y_i||^2\n"
    "  loss=logistic            L = 1/n sum_i log(1 + exp(-y_i f(x_i))), y in {-1,+1}, stable form\n"
    "  loss=ce                  L = 1/n sum_i (logsumexp(f(x_i)) - y_i . f(x_i)), softmax cross-entropy,\n"
    "                           y_i one-hot (a probability vector), stable log-sum-exp\n"
    "  model=mf                 L = 1/2 ||A - X Y^T||_F^2 (mse_half) or ||A - X Y^T||_F^2 (mse)\n"
    "  sharpness S = lambda_max(Hessian of L), the largest ALGEBRAIC eigenvalue\n"
    "  lr_rel=c  means eta = c / S0; GD on a quadratic is stable iff eta S < 2. S0 (and lambda0)\n"
    "            come from their own Lanczos solve at fixed settings (top pair, residual 1e-10, a\n"
    "            seeded start of their own): no measurement key (measure, topk, lanczos_*) moves eta\n"
    "  param=ntk multiplies trained layer h >= 2 by 1/sqrt(fan_in): f = m^-(L-1)/2 W_L ... W_1 x;\n"
    "            it never scales a fixed head (head=pm, unit or values are used as given)\n"
    "  param=ntk_all also the first layer (by 1/sqrt(d))\n"
    "  model=cnn: K_h (C_out, C_in, kh, kw) as in PyTorch; inputs and activations position-major\n"
    "  with the channels innermost; pool=flat flattens in that order (y, x, channel)\n"
    "  relu'(0) = 0; a bias belongs with its layer's incoming weights\n";

static const char *help_exit =
    "Exit codes: 0 finished (steps done, target loss or gradient tolerance reached),\n"
    "1 diverged (the message says at which step and why), 2 bad input or failure\n"
    "(the message names the key, the value and what is allowed).\n";

/* ---- helpers ---------------------------------------------------------------------------- */

int cli_help(const char *topic) {
    if (!topic) return print_stdout(cli_usage);
    if (!strcmp(topic, "config")) {
        size_t need = ibp_config_help_text(NULL, 0);
        char *s = malloc(need + 1);
        if (!s) { fprintf(stderr, "ibp: out of memory\n"); return EXIT_BAD; }
        ibp_config_help_text(s, need + 1);
        int rc = print_stdout(s);
        free(s);
        return rc;
    }
    if (!strcmp(topic, "run")) return print_stdout(help_run);
    if (!strcmp(topic, "output")) return print_stdout(help_output);
    if (!strcmp(topic, "conventions")) return print_stdout(help_conventions);
    if (!strcmp(topic, "exit")) return print_stdout(help_exit);
    if (!strcmp(topic, "sweep")) return print_stdout(cli_sweep_help);
    fprintf(stderr, "ibp help: no topic \"%s\" (topics: config, run, output, conventions, sweep, exit)\n", topic);
    return EXIT_BAD;
}
