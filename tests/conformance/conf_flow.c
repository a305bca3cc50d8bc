/* conf_flow.c -- issue 15's science: continuous-time models beside GD on the H2 network of
 * science.md (tanh MLP [8, 32, 32, 1], n = 256, half-MSE), flows from src/flows/.
 *
 *   conf_flow          the ctest version (cheap): seed 0, eta = 0.3, T = 1000 (GD reaches 2/eta near
 *                      step 570 and keeps sharpening to 7.4 before its first catapult near step 850),
 *                      central flow with k = 2 eigenvalues.
 *   conf_flow --seed4  only the ctest version's seed-4 run (seed4_run below: about 1 CPU-minute).
 *   conf_flow --long   the calibration: seeds 0..4, eta = 0.3 with T = 3000 (the second eigenvalue
 *                      reaches 2/eta near step 2,600 for seed 0), central flow with k = 3; gradient
 *                      flow at eta = 0.2 with T = 6000 (the edge is reached after 3,000 steps); the
 *                      where-it-works table for G1 (catapult) and F1 (scalar factorisation).
 *
 * Criteria (issue 15; thresholds checked over seeds 0..4 with --long, every one passing, figures in
 * the README):
 *  - GD vs GF: ||theta_GD - theta_GF|| / ||theta_GD|| < 5e-2 until GD's measured sharpness first
 *    reaches 2/eta (t_reach), and larger at T than at t_reach.
 *  - central flow: every tracked eigenvalue <= (2/eta)(1 + 1e-6) at every step (its sharpness
 *    and second eigenvalue columns; eigenvalues are sorted, so the rest are below). The ctest
 *    version also runs seed 4 to T = 370, where three eigenvalues sit at the edge (seed4_run).
 *  - (seed4) Edge Flow against its abstract's "resolving the oscillation of the sharpness at the
 *    onset of EoS", GD and the central flow beside it: the first cycle's overshoot, return,
 *    undershoot and period (seed4_run; deviations reported as such).
 *  - predicted average loss L + 1/2 <Sigma, H> against GD's loss, averaged over 20-step and
 *    300-step windows once the central flow is at the edge: median relative error per window
 *    length (figures; the 300-step one checked <= 0.25 in --long).
 *  - distances at T: central/gradient flow from theta0 (~0.65 in the issue), and from GD's
 *    iterate at the EoS onset (flow_start=onset; ~0.06 in the issue).
 *  - (rodedge) Rod Flow and Edge Flow (src/flows/flow_rod.c, flow_edge.c: reconstructed from the
 *    papers' abstracts) against their abstracts' claims on H2 (eta = 0.3, from theta0):
 *    the critical threshold (their oscillation starts growing where the sharpness crosses 2/eta:
 *    eta S / 2 at the first row from which it grows within [0.99, 1.05]; the rod's S is the
 *    Lanczos sharpness at its centre, measured every 10 rows and interpolated; Edge Flow's is its
 *    own Rayleigh quotient, where (E3) makes this a check of the implementation and the floor); self-stabilisation (the flow's
 *    sharpness comes back below 2/eta after its first oscillation peak); tracking GD at least as
 *    well as the gradient flow (||GD - flow|| / ||GD - GF|| at T < 1; the comparison with the
 *    central flow is a figure of --long); the step of the oscillation's first peak beside GD's
 *    first catapult (its loss peak). Plus their rows of the G1/F1 table (--long). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"

#define H2MODEL "model=mlp&depth=3&d=8&width=32&act=tanh&bias=1&init=fan_in&data=teacher&teacher=tanh_mlp" \
                "&teacher_width=64&teacher_scale=4&standardize=1&n=256"
#define H2CFG H2MODEL "&measure_every=10&log_every=1"

enum { C_STEP, C_LOSS, C_S, C_EV, C_GFREL, C_GFDIST, C_CFLOSS, C_CFPRED, C_CFS, C_CFE2, C_CFREL, C_CFDIST,
       C_CFHVPS, NCOL };
static const char *names[NCOL] = {"step", "loss", "sharpness", "events", "gf_rel_dist", "gf_dist", "cf_loss",
                                  "cf_pred_loss", "cf_sharpness", "cf_eig2", "cf_rel_dist", "cf_dist", "cf_hvps"};

typedef struct { long n; double *v; } tab;
#define AT(t, i, c) ((t).v[(size_t)(i) * NCOL + (c)])

/* The run's rows in the columns above; a column the run lacks (no central flow, k = 1 has no
 * cf_eig2, measure=0 no sharpness) is NaN. */
static tab run_tab(const char *cfg, int central) {
    ibp_run *r = conf_run(cfg);
    tab t;
    const char *have[NCOL];
    int map[NCOL], nc = 0;
    for (int c = 0; c < NCOL; c++) {
        map[c] = -1;
        if ((central || c < C_CFLOSS) && ibp_run_column_index(r, names[c]) >= 0) { map[c] = nc; have[nc++] = names[c]; }
    }
    double *v = conf_collect(r, have, nc, &t.n);
    t.v = malloc(sizeof(double) * (size_t)t.n * NCOL);
    for (long i = 0; i < t.n; i++)
        for (int c = 0; c < NCOL; c++) AT(t, i, c) = map[c] >= 0 ? v[i * nc + map[c]] : NAN;
    free(v);
    ibp_run_destroy(r);
    return t;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median over windows [a, a + w) inside [from, n) of |mean GD loss - mean predicted| / mean GD loss */
static double window_error(const tab *t, long from, long w) {
    double e[4096];
    int ne = 0;
    for (long a = from; a + w <= t->n && ne < 4096; a += w) {
        double g = 0, p = 0;
        for (long i = a; i < a + w; i++) { g += AT(*t, i, C_LOSS); p += AT(*t, i, C_CFPRED); }
        e[ne++] = fabs(g - p) / g;
    }
    if (!ne) return NAN;
    qsort(e, (size_t)ne, sizeof(double), cmp_double);
    return ne % 2 ? e[ne / 2] : 0.5 * (e[ne / 2 - 1] + e[ne / 2]);
}

typedef struct { double gf_reach, ratio0, ratio_on, w20, w300, cross, hvps_per_step, cf_rel_T /* rodedge */; long reach; } h2res;

static h2res h2(double eta, int seed, long T, int k, int central, int check_windows) {
    char cfg[1024], where[96];
    h2res res = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, -1};
    snprintf(cfg, sizeof cfg, H2CFG "&lr=%g&steps=%ld&seed=%d&flow=%s&flow_k=%d", eta, T, seed,
             central ? "gf,central" : "gf", k);
    snprintf(where, sizeof where, "H2 eta=%g seed=%d T=%ld", eta, seed, T);
    tab t = run_tab(cfg, central);
    double edge = 2.0 / eta;
    long reach = -1, on = -1;
    for (long i = 0; i < t.n; i++) {
        if (reach < 0 && AT(t, i, C_S) >= edge) reach = i;
        if (on < 0 && ((int)AT(t, i, C_EV) & IBP_EVENT_EOS)) on = i;
    }
    res.reach = reach;
    if (reach < 0) {
        conf_figure(where, "GD never reached 2/eta (step)", (double)T);
        double mx = 0;
        for (long i = 0; i < t.n; i++) mx = fmax(mx, AT(t, i, C_GFREL));
        conf_check(mx < 5e-2, where, "max ||GD - GF|| / ||GD|| (no edge within T)", mx, "< 5e-2");
        free(t.v);
        return res;
    }
    double mx = 0;
    for (long i = 0; i <= reach; i++) mx = fmax(mx, AT(t, i, C_GFREL));
    conf_figure(where, "step GD's sharpness first reaches 2/eta", (double)AT(t, reach, C_STEP));
    conf_check(mx < 5e-2, where, "max ||GD - GF|| / ||GD|| until GD reaches 2/eta", mx, "< 5e-2");
    double last = AT(t, t.n - 1, C_GFREL);
    conf_check(last > AT(t, reach, C_GFREL), where, "||GD - GF|| / ||GD|| at T (above its value at t_reach)", last,
               "> value at t_reach");
    res.gf_reach = AT(t, reach, C_GFREL);
    conf_figure(where, "||GD - GF|| / ||GD|| at t_reach", res.gf_reach);
    if (!central) { free(t.v); return res; }
    double smax = 0, e2max = 0;
    long cf_edge = -1, cross = -1;
    for (long i = 0; i < t.n; i++) {
        double s = AT(t, i, C_CFS), e2 = AT(t, i, C_CFE2);
        if (!isnan(s)) smax = fmax(smax, s * eta / 2);
        if (!isnan(e2)) e2max = fmax(e2max, e2 * eta / 2);
        if (cf_edge < 0 && s >= edge * (1 - 1e-3)) cf_edge = i;
        if (cross < 0 && e2 >= edge * (1 - 1e-3)) cross = i;
    }
    conf_check(smax <= 1 + 1e-6, where, "central flow: max eta S / 2", smax, "<= 1 + 1e-6");
    if (k >= 2) conf_check(e2max <= 1 + 1e-6, where, "central flow: max eta lambda_2 / 2", e2max, "<= 1 + 1e-6");
    if (cross >= 0) {
        res.cross = AT(t, cross, C_STEP);
        conf_figure(where, "central flow: step lambda_2 reaches 2/eta (several-eigenvalue form active)", res.cross);
    }
    if (cf_edge >= 0) {
        res.w20 = window_error(&t, cf_edge, 20);
        res.w300 = window_error(&t, cf_edge, 300);
        conf_figure(where, "predicted vs GD loss, 20-step windows: median relative error", res.w20);
        if (!isnan(res.w300)) conf_figure(where, "predicted vs GD loss, 300-step windows: median relative error", res.w300);
        if (check_windows && !isnan(res.w300))
            conf_check(res.w300 <= 0.25, where, "predicted average loss, 300-step windows: median relative error",
                       res.w300, "<= 0.25");
    }
    res.ratio0 = AT(t, t.n - 1, C_CFDIST) / AT(t, t.n - 1, C_GFDIST);
    res.cf_rel_T = AT(t, t.n - 1, C_CFREL); /* rodedge */
    conf_figure(where, "||GD - central|| / ||GD - GF|| at T, from theta0", res.ratio0);
    res.hvps_per_step = AT(t, t.n - 1, C_CFHVPS) / (double)T;
    conf_figure(where, "central flow: HVPs per GD step (its eigen-solves)", res.hvps_per_step);
    free(t.v);
    /* the same from GD's iterate at its EoS onset */
    snprintf(cfg, sizeof cfg, H2CFG "&lr=%g&steps=%ld&seed=%d&flow=gf,central&flow_k=%d&flow_start=onset", eta, T,
             seed, k);
    tab o = run_tab(cfg, 1);
    res.ratio_on = AT(o, o.n - 1, C_CFDIST) / AT(o, o.n - 1, C_GFDIST);
    conf_figure(where, "||GD - central|| / ||GD - GF|| at T, both from GD's iterate at the onset", res.ratio_on);
    conf_figure(where, "||GD - central|| / ||GD|| at T, from the onset", AT(o, o.n - 1, C_CFREL));
    if (check_windows) /* --long: T long enough for GD's self-stabilization (its first catapult) */
        conf_check(res.ratio_on < res.ratio0, where, "restarted at the onset, central flow closer to GD than from theta0",
                   res.ratio_on, "< the ratio from theta0");
    free(o.v);
    return res;
}

/* --- seed4 (issue 15): seed 4 of H2 at eta = 0.3, T = 370, GD's sharpness every step, the central
 * flow (k = 3) and Edge Flow beside it. Two things are tested on this one run:
 *
 * (1) The central flow's constraint with THREE eigenvalues at the edge. lambda_2 reaches 2/eta
 * early here (step 297) and lambda_3 follows (step ~345): from then on the flow pins three
 * eigenvalues at 2/eta, equal to ~1e-9. The flows' single-vector Lanczos saw that cluster as one
 * or two eigenvalues on some right-hand sides (13 of 522 in steps 300-372: it reported lambda_4 =
 * 0.73 (2/eta) as the third, "converged"); the missed eigenvalue was not constrained for that
 * stage and rose to 1 + 7e-5, and the restoring rate pulled it back: a sawtooth from step 360 on
 * (max eta S / 2 = 1.00006 over 3000 steps). The block Krylov solver (numerics/blockeig.c) keeps
 * all three. T = 370 is about the shortest run that showed the slip (1 + 1.0e-5 at step 361).
 *
 * (2) Edge Flow's claim (Marion 2026, abstract): it tracks GD "while in addition resolving the
 * oscillation of the sharpness at the onset of EoS". At the onset GD's sharpness rises through
 * 2/eta, overshoots (its oscillation along the top eigenvector grows from rounding-level size
 * while progressive sharpening goes on), comes back below 2/eta when the oscillation is large
 * enough (the catapult), undershoots, and rises through 2/eta again: a first cycle of a damped
 * oscillation. The central flow cannot overshoot (S <= 2/eta by construction). What "resolves" is
 * taken to mean, each measured on eta S / 2 (GD's at its raw iterate, every step; Edge Flow's own
 * u^T H u at its centre):
 *   - overshoot: O = max of eta S / 2 - 1 in the first excursion above 2/eta: O_edge / O_GD in
 *     [0.8, 1.25];
 *   - first return below 2/eta: |t_edge - t_GD| <= 0.25 (t_GD - GD's first crossing);
 *   - the cycle: the flow's sharpness undershoots and crosses 2/eta again within T, with its
 *     undershoot U = 1 - min eta S / 2 (between the return and the next crossing) and its period
 *     (first crossing to second crossing) within [0.8, 1.25] of GD's.
 * Why 25 %: the overshoot is how far progressive sharpening carries S while the oscillation grows
 * from its seed to the size at which it stabilises S: ln(a_big / a_seed) ~ 30 e-folds, with
 * S - 2/eta growing about linearly in time, so that the time above the edge D goes as sqrt of it
 * and the overshoot too. A seed uncertain by 10^3 (GD's rounding against the model's floor,
 * DBL_EPSILON ||theta||) moves ln by ~7 of ~30, D and O by ~11 %; a growth law that is GD's only to
 * first order in eta S - 2 (GD multiplies the oscillation by |1 - eta S| per step, log(eta S - 1) =
 * (eta S - 2) - (eta S - 2)^2 / 2 + ..., 15-25 % apart at overshoots of 0.2-0.35) moves them by
 * about as much. A model with GD's mechanism lands within ~25 % of GD's first cycle; one without
 * it is off by O(1) (the central flow: O = 0). The central flow is measured too and must FAIL the
 * overshoot criterion (so the criterion can tell the two apart). A criterion Edge Flow misses is
 * reported as a DEVIATION: the flow is our reconstruction from the abstract (flow_edge.c), and
 * whether the paper's equations do better we cannot say. Measured (README): Edge Flow resolves
 * the first half-cycle (overshoot 0.89 of GD's, return 20 steps early against a tolerance of 24)
 * but not the rest (undershoot 0.60 of GD's, period 0.64): its catapult is milder than GD's. */
typedef struct { long up1, peak1, down1, under1, up2; double O, U; } onset_t;

/* the first cycle of s = eta S / 2 around 1 (rows = steps; NaN rows skipped); -1 where absent */
static onset_t onset_cycle(const double *s, long n, double above) {
    onset_t o = {-1, -1, -1, -1, -1, NAN, NAN};
    long i = 0;
    while (i < n && !(s[i] >= above)) i++;
    if (i >= n) return o;
    o.up1 = o.peak1 = i;
    for (; i < n && !(s[i] < 1); i++) if (s[i] > s[o.peak1]) o.peak1 = i;
    o.O = s[o.peak1] - 1;
    if (i >= n) return o;
    o.down1 = o.under1 = i;
    for (; i < n && !(s[i] >= above); i++) if (s[i] < s[o.under1]) o.under1 = i;
    o.U = 1 - s[o.under1];
    if (i < n) o.up2 = i;
    return o;
}

static int within(double r, double x) { return r >= 1 / x && r <= x; }

static void seed4_run(void) {
    const char *where = "H2 eta=0.3 seed=4 T=370";
    static const char *nm[] = {"step", "sharpness", "cf_sharpness", "cf_eig2", "cf_hvps", "ef_sharpness", "loss",
                               "ef_pred_loss"};
    ibp_run *r = conf_run(H2MODEL "&measure_every=1&log_every=1&lr=0.3&steps=370&seed=4&flow=central,edge&flow_k=3");
    long n;
    double *v8 = conf_collect(r, nm, 8, &n), *v = malloc(sizeof(double) * (size_t)n * 6), gl = 0, el = 0;
    for (long i = 0; i < n; i++) memcpy(v + i * 6, v8 + i * 8, sizeof(double) * 6);
    ibp_run_destroy(r);
    double eta = 0.3, edge = 2.0 / eta, smax = 0, e2max = 0;
    double *gd = malloc(sizeof(double) * (size_t)n * 3), *cf = gd + n, *ef = cf + n;
    long cross = -1;
    for (long i = 0; i < n; i++) {
        double s = v[i * 6 + 2], e2 = v[i * 6 + 3];
        if (!isnan(s)) smax = fmax(smax, s * eta / 2);
        if (!isnan(e2)) e2max = fmax(e2max, e2 * eta / 2);
        if (cross < 0 && e2 >= edge * (1 - 1e-3)) cross = i;
        gd[i] = v[i * 6 + 1] * eta / 2, cf[i] = s * eta / 2, ef[i] = v[i * 6 + 5] * eta / 2;
    }
    /* (1) the constraint with three eigenvalues at the edge */
    if (cross >= 0) conf_figure(where, "central flow: step lambda_2 reaches 2/eta", v[cross * 6]);
    conf_check(cross >= 0, where, "lambda_2 reaches 2/eta within T (several-eigenvalue form)", cross >= 0 ? v[cross * 6] : -1,
               "found");
    conf_check(smax <= 1 + 1e-6, where, "central flow: max eta S / 2", smax, "<= 1 + 1e-6");
    conf_check(e2max <= 1 + 1e-6, where, "central flow: max eta lambda_2 / 2", e2max, "<= 1 + 1e-6");
    conf_figure(where, "central flow: HVPs per GD step (block Krylov, k = 3)", v[(n - 1) * 6 + 4] / 370.0);
    /* (2) the onset's first cycle: GD, Edge Flow, the central flow */
    onset_t g = onset_cycle(gd, n, 1), e = onset_cycle(ef, n, 1), c = onset_cycle(cf, n, 1 + 1e-6);
    char w[128];
    snprintf(w, sizeof w, "%s onset", where);
    if (!conf_check(g.down1 >= 0 && g.up2 >= 0, w, "GD: a first cycle (above, below, above 2/eta) within T", (double)g.up2,
                    "found")) {
        free(gd), free(v), free(v8);
        return;
    }
    conf_figure(w, "GD: first crossing of 2/eta (step)", (double)g.up1);
    conf_figure(w, "GD: overshoot max eta S/2 - 1", g.O);
    conf_figure(w, "GD: step of that peak", (double)g.peak1);
    conf_figure(w, "GD: first return below 2/eta (step)", (double)g.down1);
    conf_figure(w, "GD: undershoot 1 - min eta S/2", g.U);
    conf_figure(w, "GD: second crossing (step)", (double)g.up2);
    if (e.up1 >= 0) conf_figure(w, "edge flow: first crossing of 2/eta (step)", (double)e.up1);
    conf_figure(w, "edge flow: overshoot max eta S/2 - 1", e.O);
    if (e.peak1 >= 0) conf_figure(w, "edge flow: step of that peak", (double)e.peak1);
    if (e.down1 >= 0) conf_figure(w, "edge flow: first return below 2/eta (step)", (double)e.down1);
    conf_figure(w, "edge flow: undershoot 1 - min eta S/2", e.U);
    if (e.up2 >= 0) conf_figure(w, "edge flow: second crossing (step)", (double)e.up2);
    double cmax = 0;
    for (long i = 0; i < n; i++) if (!isnan(cf[i])) cmax = fmax(cmax, cf[i]);
    conf_figure(w, "central flow: max eta S/2 - 1 (its overshoot)", cmax - 1);
    /* the catapults' sizes: GD's loss and Edge Flow's predicted (two-step average) loss, peaks
     * between the first crossing and the return below 2/eta plus 10 steps */
    for (long i = g.up1; i < n && i <= g.down1 + 10; i++) gl = fmax(gl, v8[i * 8 + 6]);
    for (long i = e.up1 >= 0 ? e.up1 : 0; e.down1 >= 0 && i < n && i <= e.down1 + 10; i++) el = fmax(el, v8[i * 8 + 7]);
    conf_figure(w, "GD: loss peak of its first catapult", gl);
    conf_figure(w, "edge flow: peak of its predicted loss 1/2 [L(x+au) + L(x-au)]", el);
    (void)c;
    /* the central flow cannot resolve it: the criterion must say so */
    conf_check(!within((cmax - 1) / g.O, 1.25), w, "central flow: overshoot / GD's (cannot overshoot)", (cmax - 1) / g.O,
               "outside [0.8, 1.25]");
    const char *why = "Edge Flow as reconstructed from the abstract (flow_edge.c): its growth rate S - 2/eta is GD's "
                      "log|1 - eta S| / eta only to first order",
               *why2 = "Edge Flow as reconstructed from the abstract (flow_edge.c): its catapult is milder than GD's (the "
                       "loss peaks above), so S falls less far and re-sharpens sooner; not the growth rate (GD's exact "
                       "rate in (E3) leaves this: README)";
    conf_deviation(within(e.O / g.O, 1.25), w, "edge flow: overshoot / GD's", e.O / g.O, "in [0.8, 1.25]", why);
    double d = e.down1 >= 0 ? (double)(e.down1 - g.down1) : NAN, dur = (double)(g.down1 - g.up1);
    conf_deviation(e.down1 >= 0 && fabs(d) <= 0.25 * dur, w, "edge flow: first return - GD's (steps)", d,
                   "|.| <= 0.25 x GD's time above the edge", why);
    conf_deviation(e.up2 >= 0, w, "edge flow: crosses 2/eta again (a first cycle) (step)", (double)e.up2, "found", why);
    conf_deviation(within(e.U / g.U, 1.25), w, "edge flow: undershoot / GD's", e.U / g.U, "in [0.8, 1.25]", why2);
    double per = e.up2 >= 0 ? (double)(e.up2 - e.up1) / (double)(g.up2 - g.up1) : NAN;
    conf_deviation(e.up2 >= 0 && within(per, 1.25), w, "edge flow: period of the first cycle / GD's", per, "in [0.8, 1.25]",
                   why2);
    free(gd), free(v), free(v8);
}
/* --- end seed4 --- */

/* --- rod/edge (rodedge) --- */
enum { R_STEP, R_LOSS, R_S, R_GFD, R_RFS, R_RFD, R_RFREL, R_RFOSC, R_RFG, R_EFS, R_EFD, R_EFREL, R_EFOSC, R_EFG, R_EFH, NR };
static const char *rnames[NR] = {"step", "loss", "sharpness", "gf_dist", "rf_sharpness", "rf_dist", "rf_rel_dist", "rf_osc",
                                 "rf_grads", "ef_sharpness", "ef_dist", "ef_rel_dist", "ef_osc", "ef_grads", "ef_hvps"};
#define RA(v, i, c) ((v)[(size_t)(i) * NR + (c)])

/* rod (is_edge 0) or edge (1) on a table of the columns above: the claims of the header */
static void rodedge_claims(const double *v, long n, double eta, const char *where0, int is_edge, double cf_rel) {
    char where[128];
    int S = is_edge ? R_EFS : R_RFS, D = is_edge ? R_EFD : R_RFD, REL = is_edge ? R_EFREL : R_RFREL,
        OSC = is_edge ? R_EFOSC : R_RFOSC, G = is_edge ? R_EFG : R_RFG;
    snprintf(where, sizeof where, "%s %s", where0, is_edge ? "edge flow" : "rod flow");
    double edge = 2.0 / eta;
    /* the first row from which its oscillation grows, while still tiny (past the start's decay;
     * rows every step) */
    long grow = -1, peak = -1, gd_cat = -1, reach = -1;
    for (long i = 1; i + 1 < n; i++)
        if (RA(v, i + 1, OSC) > RA(v, i, OSC) * (1 + 1e-9) && RA(v, i, OSC) < 1e-10) { grow = i; break; }
    for (long i = 0; i < n; i++) if (reach < 0 && RA(v, i, R_S) >= edge) reach = i;
    if (grow < 0) {
        conf_check(0, where, "its oscillation grows once the sharpness passes 2/eta (step)", -1, "found");
        return;
    }
    /* the flow's own sharpness there (edge: every row; rod: measured rows, linearly interpolated) */
    double sg = RA(v, grow, S);
    if (isnan(sg)) {
        long a = grow, b = grow;
        while (a > 0 && isnan(RA(v, a, S))) a--;
        while (b + 1 < n && isnan(RA(v, b, S))) b++;
        double sa = RA(v, a, S), sb = RA(v, b, S);
        sg = b > a ? sa + (sb - sa) * (double)(grow - a) / (double)(b - a) : sa;
    }
    conf_figure(where, "step its oscillation starts growing", RA(v, grow, R_STEP));
    conf_check(sg * eta / 2 >= 0.99 && sg * eta / 2 <= 1.05, where, "eta S / 2 where its oscillation starts growing",
               sg * eta / 2, "in [0.99, 1.05] (the critical threshold)");
    double pk = 0, gl = 0;
    for (long i = grow; i < n; i++) if (RA(v, i, OSC) > pk) { pk = RA(v, i, OSC); peak = i; }
    /* the first local peak: the first row after which it falls by half */
    for (long i = grow; i < n; i++) {
        if (RA(v, i, OSC) > (peak >= 0 ? 0 : 0) && i + 1 < n && RA(v, i + 1, OSC) < RA(v, i, OSC)) {
            long j = i;
            while (j + 1 < n && RA(v, j + 1, OSC) < RA(v, j, OSC)) j++;
            if (RA(v, j, OSC) < 0.5 * RA(v, i, OSC)) { peak = i; break; }
        }
    }
    for (long i = reach >= 0 ? reach : 0; i < n; i++) if (RA(v, i, R_LOSS) > gl) { gl = RA(v, i, R_LOSS); gd_cat = i; }
    if (peak >= 0) {
        conf_figure(where, "step of its oscillation's first peak", RA(v, peak, R_STEP));
        if (gd_cat >= 0) conf_figure(where, "step of GD's first catapult (its loss peak after reaching 2/eta)", RA(v, gd_cat, R_STEP));
        double smin = INFINITY;
        for (long i = peak; i < n; i++) if (!isnan(RA(v, i, S))) smin = fmin(smin, RA(v, i, S));
        conf_check(smin * eta / 2 < 1, where, "min eta S / 2 after its first peak (self-stabilisation)", smin * eta / 2, "< 1");
    } else {
        conf_check(0, where, "its oscillation peaks and falls back within T (self-stabilisation)", -1, "found");
    }
    double ratio = RA(v, n - 1, D) / RA(v, n - 1, R_GFD);
    conf_check(ratio < 1, where, "||GD - flow|| / ||GD - GF|| at T", ratio, "< 1");
    conf_figure(where, "||GD - flow|| / ||GD|| at T", RA(v, n - 1, REL));
    if (!isnan(cf_rel)) conf_figure(where, "(its ||GD - flow|| / ||GD||) / (the central flow's) at T", RA(v, n - 1, REL) / cf_rel);
    long T = (long)RA(v, n - 1, R_STEP);
    conf_figure(where, "gradients per GD step", RA(v, n - 1, G) / (double)T);
    if (is_edge) conf_figure(where, "HVPs per GD step", RA(v, n - 1, R_EFH) / (double)T);
}

static void rodedge_h2(double eta, int seed, long T, double cf_rel) {
    char cfg[1024], where[96];
    snprintf(cfg, sizeof cfg, H2CFG "&lr=%g&steps=%ld&seed=%d&flow=gf,rod,edge", eta, T, seed);
    snprintf(where, sizeof where, "H2 eta=%g seed=%d T=%ld", eta, seed, T);
    ibp_run *r = conf_run(cfg);
    long n;
    double *v = conf_collect(r, rnames, NR, &n);
    ibp_run_destroy(r);
    rodedge_claims(v, n, eta, where, 0, cf_rel);
    rodedge_claims(v, n, eta, where, 1, cf_rel);
    free(v);
}

/* their rows of the G1/F1 table */
static void rodedge_table(void) {
    static const double cs[4] = {0.5, 1.9, 2.5, 3.0};
    static const char *tn[6] = {"step", "sharpness", "rf_sharpness", "rf_rel_dist", "ef_sharpness", "ef_rel_dist"};
    for (int i = 0; i < 4; i++)
        for (int f1 = 0; f1 < 2; f1++) {
            char cfg[1024], where[96];
            if (!f1) snprintf(cfg, sizeof cfg, "model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0"
                              "&lr_rel=%g&lr_ref=ntk&measure_every=1&steps=400&seed=0&flow=rod,edge", cs[i]);
            else snprintf(cfg, sizeof cfg, "model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=%g&steps=2000&measure_every=1"
                          "&flow=rod,edge", cs[i]);
            snprintf(where, sizeof where, f1 ? "F1 (4, 0.1) c=%g" : "G1 c=%g", cs[i]);
            ibp_run *r = conf_run(cfg);
            long n;
            double *v = conf_collect(r, tn, 6, &n);
            const char *msg = ibp_run_flow_message(r);
            if (*msg) conf_figure(where, msg, -1);
            ibp_run_destroy(r);
            const double *l = v + (size_t)(n - 1) * 6;
            conf_figure(where, "rod flow: sharpness at T", l[2]);
            conf_figure(where, "||GD - rod|| / ||GD|| at T", l[3]);
            conf_figure(where, "edge flow: sharpness at T", l[4]);
            conf_figure(where, "||GD - edge|| / ||GD|| at T", l[5]);
            free(v);
        }
}
/* --- end rod/edge --- */

/* G1 (catapult, uv model) and F1 (scalar factorisation): where each flow follows GD */
static void table(void) {
    static const double cs[4] = {0.5, 1.9, 2.5, 3.0};
    for (int i = 0; i < 4; i++) {
        char cfg[1024], where[96];
        snprintf(cfg, sizeof cfg, "model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0"
                 "&lr_rel=%g&lr_ref=ntk&measure_every=1&steps=400&seed=0&flow=gf,central&flow_k=1", cs[i]);
        snprintf(where, sizeof where, "G1 c=%g", cs[i]);
        tab t = run_tab(cfg, 1);
        long n = t.n - 1;
        conf_figure(where, "GD: sharpness at T", AT(t, n, C_S));
        conf_figure(where, "central flow: sharpness at T", AT(t, n, C_CFS));
        conf_figure(where, "||GD - GF|| / ||GD|| at T", AT(t, n, C_GFREL));
        conf_figure(where, "||GD - central|| / ||GD|| at T", AT(t, n, C_CFREL));
        free(t.v);
        snprintf(cfg, sizeof cfg, "model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=%g&steps=2000&measure_every=1"
                 "&flow=gf,central&flow_k=1", cs[i]);
        snprintf(where, sizeof where, "F1 (4, 0.1) c=%g", cs[i]);
        t = run_tab(cfg, 1);
        n = t.n - 1;
        conf_figure(where, "GD: sharpness at T", AT(t, n, C_S));
        conf_figure(where, "central flow: sharpness at T", AT(t, n, C_CFS));
        conf_figure(where, "||GD - GF|| / ||GD|| at T", AT(t, n, C_GFREL));
        conf_figure(where, "||GD - central|| / ||GD|| at T", AT(t, n, C_CFREL));
        free(t.v);
    }
}

int main(int argc, char **argv) {
    int lng = argc > 1 && !strcmp(argv[1], "--long");
    /* --long [SEEDS [table|rodedge|rodedge-h2]]: a comma list of seeds (default 0,1,2,3,4) and whether to run the
     * G1/F1 table (default yes), so the calibration can be split over processes; rodedge: only
     * Rod and Edge Flow on those seeds (T = 3000) and their G1/F1 rows (rodedge-h2: without) */
    int seeds[5] = {0, 1, 2, 3, 4}, nseeds = 5, do_table = 1;
    if (lng && argc > 2) {
        nseeds = 0;
        for (const char *p = argv[2]; *p && nseeds < 5; p++)
            if (*p >= '0' && *p <= '9') seeds[nseeds++] = *p - '0';
        do_table = argc > 3 && !strcmp(argv[3], "table");
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* figures appear as they are measured */
    int s4 = argc > 1 && !strcmp(argv[1], "--seed4"); /* seed4 */
    conf_begin(lng ? "FLOW_LONG" : s4 ? "FLOW_SEED4" : "FLOW",
               "Continuous-time models beside GD: gradient flow; central flow (Cohen, Damian, Talwalkar, Kolter, Lee 2025); "
               "Rod Flow (Regis & Chewi 2026) and Edge Flow (Marion 2026), reconstructed from their abstracts");
    if (lng && argc > 3 && !strncmp(argv[3], "rodedge", 7)) { /* rodedge: --long SEEDS rodedge[-h2]: Rod/Edge only */
        for (int i = 0; i < nseeds; i++) rodedge_h2(0.3, seeds[i], 3000, NAN);
        if (strcmp(argv[3], "rodedge-h2")) rodedge_table();
        return conf_end();
    }
    if (s4) { /* seed4: only the seed-4 run of the ctest version */
        seed4_run();
        return conf_end();
    }
    if (!lng) {
        h2res a0 = h2(0.3, 0, 1000, 2, 1, 0);
        rodedge_h2(0.3, 0, 1000, a0.cf_rel_T); /* rodedge */
        seed4_run();                            /* seed4 */
        return conf_end();
    }
    double s0 = 0, son = 0, s20 = 0, s300 = 0;
    int n300 = 0;
    for (int i = 0; i < nseeds; i++) {
        int seed = seeds[i];
        h2res a = h2(0.3, seed, 3000, 3, 1, 1);
        rodedge_h2(0.3, seed, 3000, a.cf_rel_T); /* rodedge */
        s0 += a.ratio0 / nseeds;
        son += a.ratio_on / nseeds;
        s20 += a.w20 / nseeds;
        if (!isnan(a.w300)) { s300 += a.w300; n300++; }
        h2(0.2, seed, 6000, 1, 0, 0);
    }
    if (nseeds) {
        conf_figure("H2 eta=0.3", "distance ratio central/GF from theta0 (mean over these seeds)", s0);
        conf_figure("H2 eta=0.3", "distance ratio central/GF from the onset (mean over these seeds)", son);
        conf_figure("H2 eta=0.3", "20-step window error (mean over these seeds)", s20);
        if (n300) conf_figure("H2 eta=0.3", "300-step window error (mean over these seeds)", s300 / n300);
    }
    if (do_table) { table(); rodedge_table(); /* rodedge */ }
    return conf_end();
}
