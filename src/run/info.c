/* info.c -- human-readable descriptions of a run: `ibp info` and the conventions line that
 * heads every output (the factors of 2 and n that move every threshold). */
#include <stdio.h>
#include <string.h>
#include "config/config.h"
#include "run/run_internal.h"

static const char *ibp__loss_formula(const ibp__config *c) {
    if (c->model == IBP__MODEL_MF)
        return c->loss == IBP__LOSS_MSE ? "L = ||A - X Y^T||_F^2 (no 1/2, no mean)" : "L = 1/2 ||A - X Y^T||_F^2 (no mean)";
    switch (c->loss) {
    case IBP__LOSS_MSE: return "L = 1/n sum_i ||f(x_i) - y_i||^2 (mean over samples, no 1/2)";
    case IBP__LOSS_LOGISTIC: return "L = 1/n sum_i log(1 + exp(-y_i f(x_i))), y in {-1,+1}";
    case IBP__LOSS_CE: return "L = 1/n sum_i (logsumexp(f(x_i)) - y_i . f(x_i)), softmax cross-entropy, y_i one-hot";
    default: return "L = 1/(2n) sum_i ||f(x_i) - y_i||^2 (half-MSE, mean over samples)";
    }
}

size_t ibp_run_conventions(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    char name[32];
    const ibp__key *lk = NULL;
    for (int i = 0; i < ibp__nkeys; i++) if (!strcmp(ibp__keys[i].key, "loss")) lk = &ibp__keys[i];
    ibp__choice_name(lk->choices, r->c.loss, name, sizeof name);
    ibp__buf_printf(&b, "loss=%s: %s; sharpness S = largest algebraic eigenvalue of the Hessian of L; "
                    "edge_ratio = eta S / 2", name, ibp__loss_formula(&r->c));
    return ibp__buf_finish(&b);
}

size_t ibp_run_csv_header(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_printf(&b, "# ibp %s\n# config: ", IBP_VERSION);
    ibp__config_write_buf(&r->c, 0, 0, &b);
    ibp__buf_printf(&b, "\n# seed: %lld\n# ", (long long)r->c.seed);
    size_t room = b.len + 1 < b.cap ? b.cap - b.len : 0;
    b.len += ibp_run_conventions(r, room ? b.p + b.len : NULL, room);
    ibp__buf_puts(&b, "\n");
    return ibp__buf_finish(&b);
}

size_t ibp_run_jsonl_header(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_puts(&b, "{\"ibp\":");
    ibp__buf_json_str(&b, IBP_VERSION);
    ibp__buf_puts(&b, ",\"config\":\"");
    ibp__config_write_buf(&r->c, 0, 1, &b);
    ibp__buf_printf(&b, "\",\"seed\":%lld,\"conventions\":", (long long)r->c.seed);
    char conv[512];
    size_t need = ibp_run_conventions(r, conv, sizeof conv);
    IBP_CHECK(need < sizeof conv);
    ibp__buf_json_str(&b, conv);
    ibp__buf_puts(&b, ",\"columns\":[");
    for (int j = 0; j < r->ncols; j++) {
        if (j) ibp__buf_puts(&b, ",");
        ibp__buf_json_str(&b, r->cols[j]);
    }
    ibp__buf_puts(&b, "]}\n");
    return ibp__buf_finish(&b);
}

size_t ibp_run_info_text(const ibp_run *r, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    const ibp__config *c = &r->c;
    const ibp__model *m = &r->m;
    ibp__buf_puts(&b, "config      ");
    size_t at = b.len;
    ibp__config_write_buf(c, 0, 0, &b);
    ibp__buf_puts(&b, b.len == at ? "(all defaults)\n" : "\n");
    static const char *kinds[] = {"linear", "mlp", "mf", "cnn"};
    ibp__buf_printf(&b, "model       %s", kinds[m->kind]);
    if (m->kind == IBP__MODEL_MF) {
        ibp__buf_printf(&b, ": A (%d, %d), X (%d, %d), Y (%d, %d)\n", m->mf_rows, m->mf_cols, m->L[0].rows,
                        m->L[0].cols, m->L[1].rows, m->L[1].cols);
    } else {
        ibp__buf_printf(&b, ", input d = %d, output k = %d, layers:", m->d, m->k);
        for (int i = 0; i < m->nl; i++) {
            const ibp__layer *ly = &m->L[i];
            if (m->kind == IBP__MODEL_CNN && i < m->nconv) { /* K (C_out, C_in, kh, kw): in -> out positions */
                const ibp__conv *g = &m->cv[i];
                if (g->dims == 2)
                    ibp__buf_printf(&b, " %s (%d, %d, %d, %d)%s stride %d: %dx%dx%d -> %dx%dx%d;", ly->name, ly->rows,
                                    g->cin, g->kh, g->kw, ly->boff >= 0 ? "+c" : "", g->sw, g->cin, g->hin, g->win,
                                    ly->rows, g->hout, g->wout);
                else
                    ibp__buf_printf(&b, " %s (%d, %d, %d)%s stride %d: %dx%d -> %dx%d;", ly->name, ly->rows, g->cin,
                                    g->kw, ly->boff >= 0 ? "+c" : "", g->sw, g->cin, g->win, ly->rows, g->wout);
                if (ly->alpha != 1.0) { ibp__buf_puts(&b, " x"); ibp__buf_double(&b, ly->alpha); }
                if (i == m->nconv - 1)
                    ibp__buf_printf(&b, " %s pooling: %d features;", m->pool == IBP__POOL_AVG ? "average" : "flat", m->feat);
                continue;
            }
            ibp__buf_printf(&b, " %s (%d, %d)%s%s", ly->name, ly->rows, ly->cols, ly->boff >= 0 ? "+b" : "",
                            ly->off < 0 ? " fixed" : "");
            if (ly->alpha != 1.0) { ibp__buf_puts(&b, " x"); ibp__buf_double(&b, ly->alpha); }
        }
        ibp__buf_puts(&b, "\n");
    }
    ibp__buf_printf(&b, "parameters  P = %ld trained\n", m->P);
    if (m->kind != IBP__MODEL_MF)
        ibp__buf_printf(&b, "data        %d training and %d test samples\n", r->D.n, r->D.n_test);
    ibp__buf_printf(&b, "loss        %s\n", ibp__loss_formula(c));
    ibp__buf_printf(&b, "loss at init  L0 = ");
    ibp__buf_double(&b, r->loss0);
    ibp__buf_puts(&b, "\n");
    if (ibp__isfinite(r->s0)) {
        ibp__buf_puts(&b, "sharpness   S0 = ");
        ibp__buf_double(&b, r->s0);
        ibp__buf_puts(&b, ", 2/S0 = ");
        ibp__buf_double(&b, 2.0 / r->s0);
        ibp__buf_printf(&b, " (Lanczos, residual bound %.2g, %d Hessian-vector products)\n", r->s0_res.resid[0],
                        r->s0_res.matvecs);
    } else {
        ibp__buf_puts(&b, "sharpness   S0 not measured (measure=0)\n");
    }
    if (ibp__isfinite(r->lambda0)) {
        ibp__buf_puts(&b, "NTK         lambda0 = lambda_max(Theta/n) = ");
        ibp__buf_double(&b, r->lambda0);
        ibp__buf_puts(&b, "\n");
    }
    if (ibp__isfinite(r->s_min)) {
        ibp__buf_puts(&b, "bound       S_min = 2 L a ||w*||^(2-2/L)");
        ibp__buf_puts(&b, c->loss == IBP__LOSS_MSE ? " = " : " / 2 (half-MSE) = ");
        ibp__buf_double(&b, r->s_min);
        ibp__buf_puts(&b, ", eta_c = 2/S_min = ");
        ibp__buf_double(&b, 2.0 / r->s_min);
        ibp__buf_puts(&b, " (Marion & Chizat 2024)\n");
    }
    ibp__buf_puts(&b, "learning    eta = ");
    ibp__buf_double(&b, r->eta0);
    if (c->lr_rel > 0) {
        static const char *refs[] = {"S0", "lambda0", "S_min"};
        ibp__buf_printf(&b, " = lr_rel / %s = ", refs[c->lr_ref]);
        ibp__buf_double(&b, c->lr_rel);
        ibp__buf_printf(&b, " / %s", refs[c->lr_ref]);
    }
    if (ibp__isfinite(r->s0)) { ibp__buf_puts(&b, ", eta S0 / 2 = "); ibp__buf_double(&b, r->eta0 * r->s0 / 2); }
    ibp__buf_puts(&b, "\n");
    ibp__buf_printf(&b, "memory      %.2f MiB in one allocation (at most %.2f MiB while it was created)\n",
                    (double)r->arena_bytes / 1048576.0, (double)r->mem_bytes / 1048576.0);
    ibp__buf_printf(&b, "build       ibp %s, float64, deterministic\n", IBP_VERSION);
    return ibp__buf_finish(&b);
}
