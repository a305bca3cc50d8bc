/* flows.h -- continuous-time models of GD run beside it (config flow=gf,central): each flow is
 * an ODE in GD's time t = eta k, integrated by Dormand-Prince 5(4) (numerics/ode.h) with
 * clipping at every integer step k, so its state at step k is compared with GD's iterate there.
 *
 *   gf       gradient flow  dtheta/dt = -grad L                         (flow.c)
 *   central  the central flow of Cohen, Damian, Talwalkar, Kolter & Lee (ICLR 2025,
 *            arXiv:2410.24206), several-eigenvalue form                (flow_central.c)
 *   rod      Rod Flow (Regis & Chewi 2026, arXiv:2602.01480), as reconstructed from its abstract
 *            (the equations were not available to us: see flow_rod.c)  (flow_rod.c)
 *   edge     Edge Flow (Marion 2026, arXiv:2606.18080), as reconstructed from its abstract
 *            (likewise: see flow_edge.c)                                 (flow_edge.c)
 *
 * A flow owns its parameters, integrator, Lanczos workspace and RNG stream (IBP__STREAM_FLOW):
 * it only READS the model and data, so GD's trajectory is the same bits with or without flows
 * (the model's HVP cache is keyed on theta and rebuilt exactly). Memory comes from the run's
 * arena: nothing allocates while a flow runs. */
#ifndef IBP_FLOWS_H
#define IBP_FLOWS_H
#include "models/models.h"
#include "numerics/ode.h"

/* the quantities a flow reports (metric columns <prefix>_<name>) */
enum { IBP__FQ_LOSS, IBP__FQ_PRED, IBP__FQ_SHARP, IBP__FQ_EIG2, IBP__FQ_SIGMA2, IBP__FQ_DIST,
       IBP__FQ_RELDIST, IBP__FQ_HVPS,
       /* --- rod/edge (issue 15): gradients spent, oscillation size --- */
       IBP__FQ_GRADS, IBP__FQ_OSC,
       IBP__NFQ };

typedef struct ibp__flow {
    int kind;                 /* IBP__FLOW_* */
    int started;              /* has a state (flow_start reached) */
    int failed;               /* the right-hand side failed: the flow stopped (message in msg) */
    long k0, k;               /* GD step it started at, GD step its state is at */
    double *theta;            /* (P,) state at step k */
    double *grad;             /* (P,) scratch: the gradient at a stage */
    ibp__dopri ode;
    double t;                 /* its time, eta k when in step */
    /* at the state (the last right-hand side was evaluated at the accepted end point) */
    double loss, pred, sharp, eig2, sigma2;
    int have_sharp;
    long hvps, d3s, rhs;      /* Hessian-vector products, D3 passes, right-hand sides so far */
    long step_fev;            /* right-hand sides spent toward step k + 1 (over calls, in follow mode) */
    /* spectrum (central always; gf only when measuring) */
    ibp__lanczos *lz;
    ibp_rng rng;
    int lz_cold;
    int m;                    /* eigenpairs tracked */
    double *G;                /* (m (m+1)/2, P): D3L[u_i, u_j, .] of the candidate pairs */
    double *u2;               /* (P,) scratch: u_i +- u_j */
    double *d3ws;             /* ibp__model_d3_doubles */
    double lam[IBP__MAX_TOPK];
    double X[IBP__MAX_TOPK * IBP__MAX_TOPK]; /* the last complementarity solution (m, m) */
    double *qp;               /* small dense scratch of the complementarity solver */
    /* --- rod/edge (issue 15; flow_rod.c, flow_edge.c) ---
     * Their state is more than a theta: theta holds y (n,), the centre in y[0..P) (what the
     * columns' loss and a measured sharpness are of), then the oscillation a u/||u||:
     * y = [centre, u, log a] (n = 2P + 1). GD's iterate at step k is predicted as
     * centre + (-1)^(k - k0) oscillation (the distances use that prediction). */
    long n;                   /* state dimension (P for gf and central) */
    long grads;               /* loss gradients spent by the right-hand sides (rod, edge) */
    double osc;               /* rod: ||delta||; edge: a (at the state) */
    double floor;             /* the oscillation's floor: DBL_EPSILON ||theta at the start|| */
    double *s1, *s2;          /* (P,) scratch of rod/edge: a stage point, its gradient */
    double *hu;               /* (P,) edge: H(x) u */
    /* --- end rod/edge --- */
    /* the central flow's spectrum by block Krylov (numerics/blockeig.c) when it tracks k >= 2
     * eigenvalues: the flow pins the active ones at 2/eta, a cluster that a single-vector Lanczos
     * run sees once (NULL otherwise: f->lz) */
    ibp__blockeig *bz;
    char msg[160];
} ibp__flow;

typedef struct ibp__flows {
    int n;                    /* flows configured */
    ibp__flow f[IBP__NFLOWS];
    ibp__model *model;
    const ibp__batch *batch;  /* the full training set (NULL for mf) */
    double eta, kappa, tol;
    int start;                /* IBP__FLOWSTART_* */
    int measure;              /* gf: sharpness on measured rows */
    long P;
    const double *stage;      /* the theta a matvec is applied at */
    char msg[IBP__NFLOWS * 164]; /* every stopped flow's msg, in column order, "; " between */
} ibp__flows;

/* Carve (a->base NULL: measure) the flows of config c; returns NULL without flows. */
ibp__flows *ibp__flows_carve(ibp__arena *a, const ibp__config *c, ibp__model *m, int nmax);
/* After creation: the model, data and eta0 (constant: schedules are refused for flows). */
void ibp__flows_bind(ibp__flows *fl, ibp__model *m, const ibp__batch *full, double eta);
/* Start every flow at theta (GD's iterate at step k). */
void ibp__flows_start(ibp__flows *fl, const double *theta, long k);
/* Advance every started flow to GD step k (t = eta k). max_rhs > 0 bounds the right-hand sides
 * spent in this call (then a flow may stop short of k: returns 1); 0 when all are at k. */
int ibp__flows_advance(ibp__flows *fl, long k, long max_rhs);
/* A flow that needs more right-hand sides than this for one step of GD stops, with a message: its
 * time scale is then about a hundred times shorter than GD's step, so it models nothing GD does,
 * and the integration would only burn time. A flow that follows GD spends 6 to 20 per step (an
 * integrator step every 0.2 to 1 GD step): at most 26 over the conformance suite (conf_flow.c,
 * 6,740 GD steps of four flows), 44 in test_flows.c's EoS run, which checks the cap against it.
 * It was 10,000: the Edge flow of an mf run at eta S / 2 = 325 once spent a million gradients on
 * GD's first step; then a central flow started far above the edge (eta S0 = 17, lr=5 on the
 * default net) showed what 10,000 costs where each right-hand side is a block eigensolve and
 * third derivatives: about 5 ms each, 50 s on GD's first step, a CLI that looked hung and a page
 * that said "at step 0" for minutes. */
#define IBP__FLOW_RHS_PER_STEP_MAX 400
/* The lowest step every started flow has reached (LONG_MAX-free: -1 when none started). */
long ibp__flows_at(const ibp__flows *fl);
/* Column names of a flow kind and quantity ("gf_loss", ...), NULL when the config lacks it. */
const char *ibp__flow_colname(const ibp__config *c, int kind, int q);
/* the prefix of flow kind `kind`'s columns ("gf": gf_loss, gf_sharpness, ...) */
const char *ibp__flow_prefix(int kind);
/* flow kind `kind`'s name in words ("central flow"): messages and the page's legends */
const char *ibp__flow_name(int kind);
/* Value of quantity q of flow kind at GD step `step` (NaN unless the flow's state is at that step),
 * against GD's theta (P,) at that step for the distances;
 * with measured != 0 the gradient flow measures its sharpness (Lanczos at its state). */
double ibp__flows_value(ibp__flows *fl, int kind, int q, const double *theta_gd, long step, int measured);
/* Top k eigenpairs of the Hessian at theta by warm-started Lanczos on the flow's own workspace:
 * values into f->lam, vectors at ibp__flow_vec(f, i). */
int ibp__flow_spectrum(ibp__flows *fl, ibp__flow *f, const double *theta, int k);
/* eigenvector i (unit, P) of the last ibp__flow_spectrum */
const double *ibp__flow_vec(const ibp__flow *f, int i);
/* central flow right-hand side (flow_central.c) */
int ibp__central_rhs(ibp__flows *fl, ibp__flow *f, const double *theta, double *dtheta);
size_t ibp__central_qp_doubles(int m);
/* The complementarity problem: X (nc, nc) >= 0 minimizing 1/4 <X, B X> - <alpha, X>, B given by
 * the Gram matrix Gm (np, np) of the pairs (i <= j, row-major pair order), alpha (nc, nc);
 * qp: ibp__central_qp_doubles(nc) doubles. Returns the iterations used. */
int ibp__central_sdcp(int nc, const double *Gm, const double *alpha, double *X, double *qp);

/* --- rod/edge (issue 15) --- */
/* Their initial oscillation from GD's iterate theta (flow.c has copied it into y[0..P)):
 * IBP_OK or an error code with f->msg filled. */
int ibp__rod_init(ibp__flows *fl, ibp__flow *f, const double *theta);
int ibp__edge_init(ibp__flows *fl, ibp__flow *f, const double *theta);
/* right-hand sides dy/dt at y (n,) */
int ibp__rod_rhs(ibp__flows *fl, ibp__flow *f, const double *y, double *dy);
int ibp__edge_rhs(ibp__flows *fl, ibp__flow *f, const double *y, double *dy);
/* the rod's predicted average loss 1/2 [L(w + delta) + L(w - delta)] at its state */
double ibp__rod_pred(ibp__flows *fl, ibp__flow *f);
/* --- end rod/edge --- */

#endif
