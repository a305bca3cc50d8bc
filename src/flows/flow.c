/* flow.c -- the flows beside GD: memory, start, advance in GD's time units, and the values of
 * their metric columns; the gradient flow's right-hand side. See flows.h. */
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include "config/config.h"
#include "flows/flows.h"

#define IBP__FLOW_KRYLOV 60   /* Lanczos basis of a flow's spectrum */

ibp__flows *ibp__flows_carve(ibp__arena *a, const ibp__config *c, ibp__model *m, int nmax) {
    if (!c->flow) return NULL;
    ibp__flows *fl = ibp__arena_bytes(a, sizeof(ibp__flows));
    long P = m->P;
    int kry = P < IBP__FLOW_KRYLOV ? (int)P : IBP__FLOW_KRYLOV;
    int n = 0;
    for (int kind = 0; kind < IBP__NFLOWS; kind++) {
        if (!(c->flow & (1 << kind))) continue;
        ibp__flow tmp, *f = a->base ? &fl->f[n] : &tmp;
        memset(f, 0, sizeof *f);
        f->kind = kind;
        /* --- rod/edge: their state is [centre, oscillation] --- */
        int rod = kind == IBP__FLOW_ROD, edge = kind == IBP__FLOW_EDGE;
        long ny = rod || edge ? 2 * P + 1 : P;
        f->s1 = ibp__arena_doubles(a, rod || edge ? (size_t)P : 0);
        f->s2 = ibp__arena_doubles(a, rod || edge ? (size_t)P : 0);
        f->hu = ibp__arena_doubles(a, edge ? (size_t)P : 0);
        /* --- end rod/edge --- */
        f->theta = ibp__arena_doubles(a, (size_t)ny);
        f->grad = ibp__arena_doubles(a, (size_t)P);
        double *ode = ibp__arena_doubles(a, ibp__dopri_doubles(ny));
        int central = kind == IBP__FLOW_CENTRAL;
        int m_eigs = central ? (c->flow_k < P ? c->flow_k : (int)P) : 1;
        /* the central flow's k >= 2 eigenpairs by block Krylov, block k (flow_spectrum.c); Lanczos
         * for its k = 1, Edge Flow's start and the measured sharpness of gf and rod (the central
         * flow's sharpness is its own lam[0]: it never measures with Lanczos) */
        int block = central && m_eigs >= 2;
        void *bzmem = block ? ibp__arena_bytes(a, ibp__blockeig_bytes(P, m_eigs, IBP__FLOW_KRYLOV)) : NULL;
        int want_lz = central ? !block : edge || c->measure;
        void *lzmem = want_lz ? ibp__arena_bytes(a, ibp__lanczos_bytes(P, kry, m_eigs)) : NULL;
        size_t npairs = central ? (size_t)m_eigs * (m_eigs + 1) / 2 : 0;
        f->G = ibp__arena_doubles(a, npairs * (size_t)P);
        f->u2 = ibp__arena_doubles(a, central ? (size_t)P : 0);
        f->d3ws = ibp__arena_doubles(a, central ? ibp__model_d3_doubles(m, nmax) : 0);
        f->qp = ibp__arena_doubles(a, central ? ibp__central_qp_doubles(m_eigs) : 0);
        if (a->base) {
            ibp__dopri_bind(&f->ode, ode, ny, c->flow_tol, c->flow_tol);
            f->n = ny;
            f->m = m_eigs;
            f->lz = lzmem ? ibp__lanczos_bind(lzmem, P, kry, m_eigs) : NULL;
            f->bz = bzmem ? ibp__blockeig_bind(bzmem, P, m_eigs, IBP__FLOW_KRYLOV) : NULL;
            ibp__rng_seed(&f->rng, (uint64_t)c->seed, (uint64_t)IBP__STREAM_FLOW * 16 + (uint64_t)kind);
            f->lz_cold = 1;
            f->loss = f->pred = f->sharp = f->eig2 = f->sigma2 = IBP_NAN;
        }
        n++;
    }
    if (!a->base) return NULL;
    fl->n = n;
    fl->msg[0] = '\0';
    fl->P = P;
    fl->kappa = c->flow_kappa;
    fl->tol = c->flow_tol;
    fl->start = c->flow_start;
    fl->measure = c->measure;
    return fl;
}

void ibp__flows_bind(ibp__flows *fl, ibp__model *m, const ibp__batch *full, double eta) {
    fl->model = m;
    fl->batch = m->kind == IBP__MODEL_MF ? NULL : full;
    fl->eta = eta;
}

/* The flows' names in words (messages, and the page's legends through ibp_run_flow_label). Rod
 * and Edge Flow say "reconstructed": they are our reading of the papers' abstracts, not their
 * published equations (flow_rod.c, flow_edge.c). */
const char *ibp__flow_name(int kind) {
    static const char *const names[IBP__NFLOWS] = {"gradient flow", "central flow", "rod flow (reconstructed)",
                                                   "edge flow (reconstructed)"};
    return kind >= 0 && kind < IBP__NFLOWS ? names[kind] : "flow";
}

const char *ibp__flow_prefix(int kind) {
    static const char *const prefixes[IBP__NFLOWS] = {"gf", "cf", "rf", "ef"};
    return kind >= 0 && kind < IBP__NFLOWS ? prefixes[kind] : "";
}

/* Flow f stopped: its message, and the run's, which names every stopped flow (two flows may stop
 * for different reasons, and a person must hear of both). */
static void ibp__flow_stop(ibp__flows *fl, ibp__flow *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    f->failed = 1;
    size_t at = 0;
    fl->msg[0] = '\0';
    for (int i = 0; i < fl->n; i++) {
        if (!fl->f[i].failed || at >= sizeof fl->msg) continue;
        int w = snprintf(fl->msg + at, sizeof fl->msg - at, "%s%s", at ? "; " : "", fl->f[i].msg);
        if (w > 0) at += (size_t)w;
    }
}

void ibp__flows_start(ibp__flows *fl, const double *theta, long k) {
    for (int i = 0; i < fl->n; i++) {
        ibp__flow *f = &fl->f[i];
        memcpy(f->theta, theta, sizeof(double) * (size_t)fl->P);
        f->k0 = f->k = k;
        f->t = fl->eta * (double)k;
        f->started = 1;
        f->step_fev = 0;
        ibp__dopri_reset(&f->ode);
        f->ode.h = 0;
        f->lz_cold = 1;
        f->loss = f->pred = f->sharp = f->eig2 = f->sigma2 = IBP_NAN;
        for (int j = 0; j < IBP__MAX_TOPK; j++) f->lam[j] = IBP_NAN;
        /* --- rod/edge: the initial oscillation from GD's iterate --- */
        f->osc = 0;
        if (f->kind == IBP__FLOW_ROD || f->kind == IBP__FLOW_EDGE) {
            int rc = f->kind == IBP__FLOW_ROD ? ibp__rod_init(fl, f, theta) : ibp__edge_init(fl, f, theta);
            if (rc)
                ibp__flow_stop(fl, f, "the %s could not start at step %ld: %s", ibp__flow_name(f->kind), k,
                               "the gradient or the top Hessian eigenvector is not finite there");
        }
        /* --- end rod/edge --- */
    }
}

typedef struct { ibp__flows *fl; ibp__flow *f; } ibp__flow_ctx;

/* dtheta/dt of flow f at theta: the ODE's right-hand side */
static int ibp__flow_rhs(void *ctx, double t, const double *theta, double *dtheta) {
    ibp__flow_ctx *c = ctx;
    ibp__flows *fl = c->fl;
    ibp__flow *f = c->f;
    (void)t;
    f->rhs++;
    if (f->kind == IBP__FLOW_CENTRAL) return ibp__central_rhs(fl, f, theta, dtheta);
    if (f->kind == IBP__FLOW_ROD) return ibp__rod_rhs(fl, f, theta, dtheta);
    if (f->kind == IBP__FLOW_EDGE) return ibp__edge_rhs(fl, f, theta, dtheta);
    f->grads++;
    /* gradient flow: dtheta/dt = -grad L (t = eta k: GD is its Euler discretization) */
    double L = ibp__model_loss_grad(fl->model, theta, fl->batch, dtheta);
    long P = fl->P;
    double s = ibp__sumsq(dtheta, P);
    if (!ibp__isfinite(L) || !ibp__isfinite(s)) return IBP_E_NUMERIC;
    ibp__scale(P, -1.0, dtheta);
    f->loss = L;
    f->pred = L;
    return 0;
}

int ibp__flows_advance(ibp__flows *fl, long k, long max_rhs) {
    int short_of = 0;
    long budget = max_rhs;
    for (int i = 0; i < fl->n; i++) {
        ibp__flow *f = &fl->f[i];
        if (!f->started || f->failed) continue;
        ibp__flow_ctx ctx = {fl, f};
        while (f->k < k) {
            if (max_rhs > 0 && budget <= 0) { short_of = 1; break; }
            double tend = fl->eta * (double)(f->k + 1);
            long before = f->ode.nfev, room = IBP__FLOW_RHS_PER_STEP_MAX - f->step_fev;
            /* a budget only cuts the integration between accepted steps, whose sizes it keeps:
             * the same steps in one call or many (lockstep and follow mode, the same bits) */
            int rc = ibp__dopri_advance(&f->ode, ibp__flow_rhs, &ctx, &f->t, f->theta, tend,
                                        max_rhs > 0 && budget < room ? budget : room);
            f->step_fev += f->ode.nfev - before;
            if (max_rhs > 0) budget -= f->ode.nfev - before;
            if (rc == 1 && f->step_fev >= IBP__FLOW_RHS_PER_STEP_MAX) {
                ibp__flow_stop(fl, f, "the %s stopped at step %ld: one step of GD took it over %d "
                               "right-hand sides (too stiff here to model GD)", ibp__flow_name(f->kind), f->k, IBP__FLOW_RHS_PER_STEP_MAX);
                break;
            }
            if (rc < 0) {
                ibp__flow_stop(fl, f, "the %s stopped at step %ld: %s", ibp__flow_name(f->kind), f->k,
                               rc == IBP__ODE_SMALL ? "the integrator's step underflowed (the flow is stiff or singular here)"
                                                    : "the right-hand side is not finite");
                break;
            }
            if (rc == 1) { short_of = 1; break; }
            /* the last right-hand side was the FSAL stage at the end point: the recorded loss,
             * spectrum and complementarity solution are those of the state at step k */
            f->k++;
            f->step_fev = 0;
            f->have_sharp = 0;
        }
    }
    return short_of;
}

long ibp__flows_at(const ibp__flows *fl) {
    long at = -1;
    for (int i = 0; i < fl->n; i++) {
        const ibp__flow *f = &fl->f[i];
        if (!f->started || f->failed) continue;
        if (at < 0 || f->k < at) at = f->k;
    }
    return at;
}

const char *ibp__flow_colname(const ibp__config *c, int kind, int q) {
    static const char *const names[IBP__NFLOWS][IBP__NFQ] = {
        {"gf_loss", "gf_pred_loss", "gf_sharpness", "gf_eig2", "gf_sigma2", "gf_dist", "gf_rel_dist", "gf_hvps"},
        {"cf_loss", "cf_pred_loss", "cf_sharpness", "cf_eig2", "cf_sigma2", "cf_dist", "cf_rel_dist", "cf_hvps"},
        /* --- rod/edge --- */
        {"rf_loss", "rf_pred_loss", "rf_sharpness", NULL, NULL, "rf_dist", "rf_rel_dist", "rf_hvps", "rf_grads", "rf_osc"},
        {"ef_loss", "ef_pred_loss", "ef_sharpness", NULL, NULL, "ef_dist", "ef_rel_dist", "ef_hvps", "ef_grads", "ef_osc"}};
    int central = kind == IBP__FLOW_CENTRAL;
    if (!(c->flow & (1 << kind))) return NULL;
    if (kind == IBP__FLOW_ROD && (q == IBP__FQ_SHARP || q == IBP__FQ_HVPS) && !c->measure) return NULL;
    if (kind == IBP__FLOW_ROD || kind == IBP__FLOW_EDGE) return names[kind][q];
    if (q == IBP__FQ_GRADS || q == IBP__FQ_OSC) return NULL;
    /* --- end rod/edge --- */
    if (!central && (q == IBP__FQ_PRED || q == IBP__FQ_EIG2 || q == IBP__FQ_SIGMA2)) return NULL;
    if (!central && (q == IBP__FQ_SHARP || q == IBP__FQ_HVPS) && !c->measure) return NULL;
    if (central && q == IBP__FQ_EIG2 && c->flow_k < 2) return NULL;
    return names[kind][q];
}

double ibp__flows_value(ibp__flows *fl, int kind, int q, const double *theta_gd, long step, int measured) {
    ibp__flow *f = NULL;
    for (int i = 0; i < fl->n; i++)
        if (fl->f[i].kind == kind) f = &fl->f[i];
    if (!f || !f->started || f->failed || f->k != step) return IBP_NAN;
    long P = fl->P;
    switch (q) {
    case IBP__FQ_LOSS:
        if (!ibp__isfinite(f->loss) || f->rhs == 0) f->loss = ibp__model_loss_grad(fl->model, f->theta, fl->batch, NULL);
        return f->loss;
    case IBP__FQ_PRED:
        if (kind == IBP__FLOW_ROD && !ibp__isfinite(f->pred)) f->pred = ibp__rod_pred(fl, f);
        return f->pred;
    case IBP__FQ_SHARP:
        if (kind == IBP__FLOW_CENTRAL) return f->lam[0];
        if (kind == IBP__FLOW_EDGE) return f->sharp; /* its Rayleigh quotient u^T H(x) u */
        if (!measured || !f->lz) return IBP_NAN;
        if (!f->have_sharp) {
            if (ibp__flow_spectrum(fl, f, f->theta, 1) != IBP_OK) return IBP_NAN;
            f->sharp = f->lam[0];
            f->have_sharp = 1;
        }
        return f->sharp;
    case IBP__FQ_EIG2: return f->m >= 2 ? f->lam[1] : IBP_NAN;
    case IBP__FQ_SIGMA2: return f->sigma2;
    case IBP__FQ_DIST:
    case IBP__FQ_RELDIST: {
        double s = 0;
        /* --- rod/edge: GD's iterate predicted as centre + (-1)^(k - k0) oscillation --- */
        if (kind == IBP__FLOW_ROD || kind == IBP__FLOW_EDGE) {
            double sg = ((step - f->k0) & 1) ? -1.0 : 1.0;
            const double *o = f->theta + P;
            double nu = ibp__sqrt(ibp__sumsq(o, P));
            double sc = nu > 0 ? sg * ibp__exp(f->theta[2 * P]) / nu : 0.0;
            for (long i = 0; i < P; i++) { double d = theta_gd[i] - (f->theta[i] + sc * o[i]); s += d * d; }
        } else
        /* --- end rod/edge --- */
        for (long i = 0; i < P; i++) { double d = theta_gd[i] - f->theta[i]; s += d * d; }
        double d = ibp__sqrt(s);
        if (q == IBP__FQ_DIST) return d;
        double ng = ibp__sqrt(ibp__sumsq(theta_gd, P));
        return ng > 0 ? d / ng : IBP_NAN;
    }
    case IBP__FQ_HVPS: return (double)f->hvps;
    case IBP__FQ_GRADS: return (double)f->grads; 
    case IBP__FQ_OSC: return f->osc;             
    }
    return IBP_NAN;
}
