/* metrics.h -- private to metrics.c, metrics_model.c and events.c: column kinds and the per-row
 * cache of quantities shared by several columns. */
#ifndef IBP_METRICS_H
#define IBP_METRICS_H
#include "run/run_internal.h"

enum {
    IBP__COL_STEP, IBP__COL_LOSS, IBP__COL_TEST_LOSS, IBP__COL_TRAIN_ACC, IBP__COL_TEST_ACC,
    IBP__COL_MARGIN, IBP__COL_GRAD_NORM, IBP__COL_PARAM_NORM, IBP__COL_DIST_INIT, IBP__COL_LR,
    IBP__COL_THETA, IBP__COL_NTK, IBP__COL_SHARP, IBP__COL_SHARP_RESID, IBP__COL_EIG, IBP__COL_LMIN,
    IBP__COL_EDGE, IBP__COL_GRAD_PROJ, IBP__COL_HVPS, IBP__COL_LAYER_SQ, IBP__COL_GAP,
    IBP__COL_INVARIANT, IBP__COL_MF_BALANCE, IBP__COL_SV1, IBP__COL_SV2, IBP__COL_SV_RATIO,
    IBP__COL_ALIGN, IBP__COL_WPROD_DIST, IBP__COL_S_MIN, IBP__COL_S_RATIO, IBP__COL_CAI,
    IBP__COL_EVENTS, IBP__COL_FLOW /* h = kind * IBP__NFQ + quantity (flows.h) */
};

typedef struct ibp__mcache {
    int have_outputs, have_svd;
    double train_acc, test_acc, margin;
} ibp__mcache;

/* which optional groups of columns a config has */
int ibp__metrics_classification(const ibp__config *c);
int ibp__metrics_has_wstar(const ibp__config *c);
int ibp__metrics_mc_bound(const ibp__config *c);
int ibp__metrics_cai(const ibp__config *c);

/* model-aware quantities (metrics_model.c); t indexes TRAINED layers, li the layer table */
void ibp__metrics_outputs(ibp_run *r, ibp__mcache *mc);
double ibp__metrics_layer_sq(const ibp_run *r, int li);
double ibp__metrics_gap(const ibp_run *r, int t);
double ibp__metrics_invariant(ibp_run *r, int t);
double ibp__metrics_mf_balance(ibp_run *r);
double ibp__metrics_svd(ibp_run *r, ibp__mcache *mc, int kind, int t);
double ibp__metrics_cai_threshold(const ibp_run *r);
#endif
