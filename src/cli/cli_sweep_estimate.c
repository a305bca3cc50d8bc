/* cli_sweep_estimate.c -- how long a sweep (or one shard of it) will take, before it runs: the
 * sum of every cell's own time, each measured on a short probe of its config. `ibp sweep` prints
 * it first, `--check` reports it (scripts/slurm-sweep sets the job array's time limit from it),
 * and a sweep over the job limit is refused with it (cli_sweep.c). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_io.h"
#include "cli/cli_sweep_estimate.h"

/* (declared in cli_sweep_estimate.h: cli_sweep.c runs the same configs) */
char *cli_sweep_cell_config(const ibp_sweep *s, long cell) {
    size_t need = ibp_sweep_cell_config(s, cell, NULL, 0);
    char *cfg = malloc(need + 1);
    if (!cfg) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    ibp_sweep_cell_config(s, cell, cfg, need + 1);
    return cfg;
}

/* Seconds for the probes: CPU time natively (what a step costs, whatever else the machine runs);
 * in wasm, where clock() is wall time in whole milliseconds, the monotonic clock (microseconds). */
static double probe_now(void) {
#ifdef __EMSCRIPTEN__
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

/* The time of one cell, measured on a short probe: its creation plus its steps times the time of
 * a step. The probe may run past a short limit (ibp_run_extend) so that a cell of steps=0 or
 * steps=3 still gives a time per step. Steps run in batches that double until one takes 2 ms;
 * the time per step is the least over the batches of at least 0.5 ms (well above the clock's
 * resolution; a pause of the machine or, in wasm, of the engine's compiler slows a batch, and the
 * least is one without), probing until 3 such batches and 50 steps, or 5000 steps, or ~50 ms.
 * Returns -1 for a config that does not create. */
typedef struct cell_cost { double create, per_step; int64_t total; } cell_cost;

static int probe_cell(const char *cfg, ibp_images *images, cell_cost *cc) {
    enum { MIN_STEPS = 50, MAX_STEPS = 5000 };
    char err[256];
    ibp_run *r;
    ibp_run_desc d = {.config = cfg, .images = images};
    /* The process's first run is not timed: in wasm, V8 compiles the engine's hot functions to
     * their top tier while it runs, and the first probe would time the slow tier. */
    static int warm;
    if (!warm && ibp_run_create(&r, &d, err, sizeof err) == IBP_OK) {
#ifdef __EMSCRIPTEN__
        ibp_run_extend(r, 1000000, NULL, 0);
        for (double w0 = probe_now(); ibp_run_state(r) == IBP_RUNNING && probe_now() - w0 < 0.1;)
            if (ibp_run_step(r, 10, NULL, 0) <= 0) break;
            else ibp_run_clear_rows(r);
#endif
        ibp_run_destroy(r);
    }
    warm = 1;
    double c0 = probe_now();
    if (ibp_run_create(&r, &d, err, sizeof err) != IBP_OK) return -1;
    double c1 = probe_now(), el = 0, best = -1;
    cc->create = c1 - c0;
    cc->total = ibp_run_steps_total(r);
    if (cc->total < MAX_STEPS) ibp_run_extend(r, MAX_STEPS - cc->total, NULL, 0);
    int64_t done = 0, k = 1;
    int good = 0; /* batches of at least 0.5 ms */
    while (ibp_run_state(r) == IBP_RUNNING && done < MAX_STEPS && el < 0.05 && !(good >= 3 && done >= MIN_STEPS)) {
        double b0 = probe_now();
        int64_t got = ibp_run_step(r, k < MAX_STEPS - done ? k : MAX_STEPS - done, NULL, 0);
        double b1 = probe_now();
        if (got <= 0) break;
        ibp_run_clear_rows(r);
        done += got;
        el = b1 - c1;
        if (b1 - b0 >= 0.0005) {
            good++;
            if (best < 0 || (b1 - b0) / (double)got < best) best = (b1 - b0) / (double)got;
        }
        if (b1 - b0 < 0.002) k *= 2; /* batches grow to ~2 ms: a pause in a short one is outgrown */
    }
    cc->per_step = best >= 0 ? best : done > 0 ? el / (double)done : 0;
    ibp_run_destroy(r);
    return 0;
}

/* Keys whose value does not change what a step costs (steps changes only how many there are). */
static int cost_neutral(const char *key) {
    static const char *const keys[] = {"steps", "seed", "lr", "lr_rel", "target_loss"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!strcmp(key, keys[i])) return 1;
    return 0;
}

/* The estimated seconds of every cell, summed: over the whole sweep (*all), over the cells of
 * shard `shard` (*mine) and of them those from its j0-th on (*rest), and the most of any one of
 * the nshards shards (*most). Each cell's estimate is its own probe's; cells that differ only in
 * cost-neutral keys share one probe (a cell of steps=S costs create + S x per step), so a grid
 * of a million cells over lr and seed probes once, and one over widths once per width.
 * whole = 0: only this shard's cells (*all and *most are then this shard's too). */
void cli_sweep_estimate(const ibp_sweep *s, ibp_images *images, int shard, int nshards, int64_t j0, int whole,
                        double *all, double *mine, double *rest, double *most) {
    int nk = ibp_sweep_nkeys(s), steps_key = -1;
    int64_t stride[2] = {0, 0}, ngroups = 1, cells = ibp_sweep_ncells(s);
    for (int k = nk - 1; k >= 0; k--) {
        const char *key = ibp_sweep_key(s, k);
        if (!strcmp(key, "steps")) steps_key = k;
        if (cost_neutral(key)) continue;
        stride[k] = ngroups;
        ngroups *= ibp_sweep_nvalues(s, k);
    }
    cell_cost *memo = calloc((size_t)ngroups, sizeof *memo);
    char *probed = calloc((size_t)ngroups, 1);
    double *per_shard = calloc((size_t)nshards, sizeof *per_shard);
    if (!memo || !probed || !per_shard) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    *all = *mine = *rest = *most = 0;
    for (int64_t c = whole ? 0 : shard - 1; c < cells; c += whole ? 1 : nshards) {
        int64_t g = 0;
        for (int k = 0; k < nk; k++) g += stride[k] * ibp_sweep_value_index(s, c, k);
        if (!probed[g]) {
            char *cfg = cli_sweep_cell_config(s, (long)c);
            if (probe_cell(cfg, images, &memo[g]) != 0) memset(&memo[g], 0, sizeof memo[g]);
            free(cfg);
            probed[g] = 1;
        }
        int64_t total = memo[g].total;
        if (steps_key >= 0) total = strtoll(ibp_sweep_cell_value(s, c, steps_key), NULL, 10);
        double t = memo[g].create + memo[g].per_step * (double)total;
        int sh = (int)(c % nshards);
        *all += t;
        per_shard[sh] += t;
        if (sh == shard - 1) {
            *mine += t;
            if (c / nshards >= j0) *rest += t;
        }
    }
    for (int i = 0; i < nshards; i++) if (per_shard[i] > *most) *most = per_shard[i];
    free(memo);
    free(probed);
    free(per_shard);
}
