/* run_internal.h -- the run object, shared by run.c (lifecycle and the training loop),
 * metrics.c (the metrics table), measure.c (sharpness and spectra) and tests that need to look
 * inside (the per-step identities of science.md C1/D1 need the batch of each step). */
#ifndef IBP_RUN_INTERNAL_H
#define IBP_RUN_INTERNAL_H
#include "data/data.h"
#include "models/models.h"
#include "flows/flows.h"

#define IBP__MAX_COLS 512
#define IBP__ROWS_CAP 1024 /* rows buffered between two reads; ibp_run_step stops when full */
#define IBP__MAX_EVENTS 64
#define IBP__MEAS_HIST 4   /* measurements a warm start extrapolates from (cubic) */

typedef struct ibp__measurement {
    long t;                 /* step of the measurement, -1 if none yet */
    ibp__eigres hess;       /* Hessian top-k (+ smallest) */
    double ntk;             /* NTK top eigenvalue (NaN when not measured) */
    int ntk_matvecs;
    double grad_proj;       /* |g . v1| / ||g||: the gradient's share along the top eigenvector */
} ibp__measurement;

struct ibp_run {
    ibp__config c;
    char *mem;              /* the one allocation */
    size_t arena_bytes;     /* its size (the config's lists included) */
    size_t mem_bytes;       /* the estimate: the heap the creation took at its peak (ibp_estimate):
                             * the arena, the parsed lists before they moved in, the parser's text */
    ibp__model m;
    ibp__data D;
    ibp__batch full;        /* the whole training set */
    ibp__batch test;        /* the test set (n may be 0) */
    double *theta;          /* (P,) current parameters */
    double *theta0;         /* (P,) initial parameters */
    double *grad;           /* (P,) gradient of the last step's batch at theta */
    double *fgrad;          /* (P,) full-batch gradient at theta (GD: same as grad) */
    double *work;           /* (P,) scratch for one step */
    double *init_scratch;   /* scratch used at creation only */
    double *data_mem;       /* storage handed to ibp__data_build */
    double *bx, *by;        /* (batch, d), (batch, k): SGD minibatch or noisy targets */
    double *ynoisy;         /* (n, k): targets + fresh label noise (GD with label_noise) */
    ibp__batch last;        /* the batch the last step used */
    ibp_rng rng_sgd, rng_noise, rng_online, rng_lanczos;
    /* optimizer state */
    long t;                 /* steps taken */
    int steps;              /* step limit */
    int state;              /* IBP_RUNNING or a stop reason */
    char msg[320];
    double eta0;            /* base learning rate */
    double eta_next;        /* learning rate of the next step */
    double s0;              /* sharpness at init (NaN when not computed) */
    double lambda0;         /* NTK top eigenvalue at init (NaN when not computed) */
    double loss;            /* full-batch training loss at theta */
    double loss0;           /* at init */
    double gnorm;           /* full-batch gradient norm at theta */
    int fgrad_valid;        /* fgrad/loss are for the current theta */
    int mout_valid;         /* with fgrad_valid: mout's training rows hold the outputs at theta,
                             * kept from the full-batch forward pass (MLP classification runs) */
    /* measurement */
    ibp__lanczos *lz;
    ibp__lanczos *lz_ntk;   /* NTK lambda (ntk=1 or lr_ref=ntk) */
    void *lz_mem, *lz_ntk_mem; /* their workspaces, shared with the reference solves */
    int lz_krylov;
    ibp__eigres s0_res;     /* the reference solve of S0 (measure.c) */
    int lambda0_matvecs;
    double *mh[IBP__MEAS_HIST]; /* (P,) each: Ritz sums of the last measurements, newest first */
    long mh_t[IBP__MEAS_HIST];  /* their steps */
    int mh_n;               /* how many are consistent (a warm start extrapolates them) */
    int measure_every;      /* resolved */
    ibp__measurement meas;
    /* metrics table */
    int ncols;
    const char *cols[IBP__MAX_COLS];
    short colkind[IBP__MAX_COLS], colh[IBP__MAX_COLS];
    char colbuf[IBP__MAX_COLS * 16];
    double *rows;           /* (IBP__ROWS_CAP, ncols) */
    int nrows;
    /* model-aware metrics (metrics_model.c) */
    double *mw;             /* scratch: Gram matrices, products (ibp__metrics_carve) */
    double *mout;           /* (n + n_test, k): outputs for accuracy and margin, or NULL */
    double *msv;            /* per trained layer: s1, s2, u1 (rows), v1 (cols) */
    double s_min;           /* Marion-Chizat bound (NaN when it does not apply) */
    double data_lambda;     /* lambda_max(X^T X / n) for the same runs (NaN otherwise) */
    double cai_r2;          /* R^2 = max ||x_i||^2 for the Cai et al. threshold */
    /* pictures of the data and the model (probe.c) */
    double *probe_ws;       /* workspace of the probe's forward pass: its own, so looking never
                             * touches the training workspace */
    int probe_rows;         /* rows per block of it (0 for mf) */
    /* events (events.c) */
    int row_events;         /* bitmask of the events at the next row */
    double ev_ref;          /* loss at the start of the current excursion */
    double ev_peak;         /* highest loss since ev_ref */
    long ev_peak_t;
    int ev_rising;
    int ev_below_edge;      /* a measured S was below 0.95 * 2/eta (EoS onsets need it) */
    /* curvature around a loss excursion (events.c: a catapult needs the drop, EoS its confirmation) */
    double ev_curv;         /* eta * curvature / 2 of the latest measurement (S, else NTK lambda), NaN */
    double ev_rise_max;     /* largest eta curv / 2 from the excursion's start to its peak, NaN */
    double ev_fall_min;     /* smallest eta curv / 2 measured after the peak, NaN */
    double ev_pend_ratio;   /* a fallen excursion waiting for a measurement below the edge: peak/ref */
    long ev_pend_peak_t;    /* ... its peak step (-1: none pending) */
    int ev_eos_phase;       /* the EoS onset happened at the current base learning rate */
    int ev_rise_at_edge;    /* the current excursion started during that phase */
    double ev_eos_base;     /* that base learning rate */
    long ev_cand_t;         /* EoS candidate: first measurement at the edge (-1: none) */
    double ev_cand_loss;    /* the loss there */
    int nevents;
    /* run summary (summary.c) */
    long t_conv;            /* first step with loss <= the convergence level, -1 if none */
    double loss_max, loss_prev, gnorm0;
    int monotone;           /* every judged step had L_{t+1} <= L_t (1 + 1e-12) */
    struct { int kind; long t; double value, value2; } events[IBP__MAX_EVENTS];
    /* continuous-time models beside GD (src/flows/; NULL without flow=), flow_follow.c */
    ibp__flows *flows;
    int flow_follow;        /* GD runs ahead; the flows catch up in ibp_run_flow_step */
    double *snap;           /* (snap_cap, P): GD's theta at the rows the flows still owe */
    int64_t *snap_t;        /* (snap_cap,) their steps */
    int *snap_meas;         /* (snap_cap,) measured rows */
    long snap_cap, snap_head, snap_n; /* the ring's rows (ibp__flow_follow_ring_rows), first, used */
    int fncols;             /* flow table: "step" + the flow columns */
    short fcol[IBP__MAX_COLS]; /* main-table index of flow column j (j >= 1) */
    double *frows;          /* (IBP__ROWS_CAP, fncols) */
    int fnrows;
    /* the flows' names and parameters (flow_params.c) */
    double *frow_theta;     /* (IBP__ROWS_CAP, flows, P) beside frows, P <= IBP_FLOW_ROW_PARAMS_MAX; else NULL */
    char fprefix[IBP__NFLOWS][24]; /* flow i's column prefix */
    char flabel[IBP__NFLOWS][40];  /* flow i's name in words */
};
/* flow_follow.c */
/* the ring's rows for this run, given the bytes left under mem_cap by everything else */
long ibp__flow_follow_ring_rows(const ibp_run *r, double room);
void ibp__flow_follow_carve(ibp_run *r, ibp__arena *a, long ring_rows);
void ibp__flow_follow_after_step(ibp_run *r, int row, int measured); /* in ibp_run_step */
int ibp__flow_follow_blocked(const ibp_run *r);                      /* GD may not step */
/* flow_params.c */
void ibp__flow_params_carve(ibp_run *r, ibp__arena *a);  /* in ibp__flow_follow_carve */
void ibp__flow_params_row(ibp_run *r, int row);         /* when flow row `row` is written */

/* metrics.c, metrics_model.c, events.c */
void ibp__metrics_setup(ibp_run *r);                  /* choose the columns */
void ibp__metrics_carve(ibp_run *r, ibp__arena *a);   /* workspace (a->base NULL: measure) */
void ibp__metrics_init(ibp_run *r);                   /* constants: s_min, R^2 */
void ibp__events_after_step(ibp_run *r, int measured); /* detect events at the current step */
void ibp__event_add(ibp_run *r, int kind, double value, double value2);
double ibp__conv_level(const ibp_run *r);             /* loss level that counts as converged */
double ibp__metrics_wprod_dist(ibp_run *r);           /* ||W_L...W_1 - w*^T|| (NaN without w*) */
void ibp__metrics_row(ibp_run *r, int measured);      /* append the row of the current step */
/* probe.c */
int ibp__probe_rows(const ibp_run *r, int nmax);      /* rows per block of the probe's forward pass */
void ibp__probe_carve(ibp_run *r, ibp__arena *a, int nmax); /* its workspace (a->base NULL: measure) */
/* measure.c */
void ibp__measure_carve(ibp_run *r, ibp__arena *a); /* Lanczos workspaces (a->base NULL: measure) */
int ibp__measure_reference(ibp_run *r);               /* S0, lambda0 at fixed settings */
int ibp__measure(ibp_run *r, int warm);               /* Lanczos at theta into r->meas */
int ibp__measure_auto_every(long P);
/* objective.c */
int ibp__run_full_loss_grad(ibp_run *r);              /* loss, fgrad, gnorm at theta */
void ibp__hvp_full(void *ctx, const double *v, double *out);  /* matvec: the run's Hessian */
/* run.c */
double ibp__run_eta_at(const ibp_run *r, long t);     /* schedule: eta of step t -> t+1 */
double ibp__run_eta_base(const ibp_run *r, long t);   /* its base: eta0 or the last lr_at change */

#endif
