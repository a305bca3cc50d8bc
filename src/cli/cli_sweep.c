/* cli_sweep.c -- `ibp sweep` and `ibp merge`: one run per cell of a grid over one or two config
 * keys, one summary row per run (src/summary.c), sharding for cluster job arrays, and the
 * merge that joins shards into exactly the bytes of the unsharded sweep.
 *
 * The grid grammar, cell numbering, each cell's config and shard membership are the library's
 * (src/sweep/sweep.c, ibp_sweep_plan): this file only runs cells and writes and merges files. */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_io.h"
#include "cli/cli_sweep.h"
#ifndef __EMSCRIPTEN__
#include <sys/wait.h>
#include <unistd.h>
#endif

#define MAX_CELLS IBP_SWEEP_MAX_JOB_CELLS /* per process (a shard) */
#define MAX_TOTAL IBP_SWEEP_MAX_CELLS     /* per sweep */

const char *cli_sweep_help =
    "ibp sweep CONFIG --vary KEY=GRID [--vary KEY2=GRID] [--out FILE.csv] [--shard I/N] [--jobs N] [--plan]\n"
    "  Runs CONFIG once per grid cell (KEY and KEY2 replaced by the cell's values) and writes one\n"
    "  summary row per run: cell, the varied values, regime (lazy | catapult | eos | divergent |\n"
    "  not_converged), steps, final_loss, loss0, max_loss_ratio, monotone, steps_to_converge, eta,\n"
    "  final_sharpness, s0, eta_s_final, lambda0, final_lambda, lambda_ratio, events, message.\n"
    "  GRID: v1,v2,...   an explicit list\n"
    "        lin:a:b:n   n values evenly spaced from a to b (the endpoints as written)\n"
    "        log:a:b:n   n values evenly spaced in log from a to b (a, b > 0)\n"
    "  Spaces around keys, values and grid parts do not count (seed=1 ,2 is 1 and 2); n is a whole\n"
    "  number, also written 3.0 or 3e0; a list value may not contain & = # or spaces, and a comma\n"
    "  inside a value is written %2C (init=4%2C0.1,2%2C0.5). Values are checked for their key and\n"
    "  written in canonical form (lr=1e-1 is 0.1). The page plans the same cells with the same\n"
    "  engine call (ibp_sweep_plan).\n"
    "  Cells are numbered with the first --vary key outermost.\n"
    "  --shard I/N  run only cells c with c mod N = I-1 (I = 1..N): one job of an array\n"
    "  --jobs N     run N local processes in parallel (shards merged at the end)\n"
    "  --plan       run nothing: print the plan (JSON: keys, values, cell count, base config),\n"
    "               then each cell of the shard and its canonical config (or why it is invalid)\n"
    "  At most 10000 cells per job and 1000000 per sweep; the estimated time is printed first.\n"
    "\n"
    "  A Slurm job array of 16 tasks:\n"
    "    #SBATCH --array=1-16\n"
    "    ibp sweep 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&ntk=1&steps=2000' \\\n"
    "        --vary lr_rel=lin:0.5:4.5:33 --vary seed=0,1,2,3,4 \\\n"
    "        --shard $SLURM_ARRAY_TASK_ID/16 --out part-$SLURM_ARRAY_TASK_ID.csv\n"
    "  then, once all tasks are done:\n"
    "    ibp merge part-*.csv --out sweep.csv\n";

/* The canonical config of a cell (malloc'd; "" when the cell is not a valid config). */
static char *cell_config(const ibp_sweep *s, long cell) {
    size_t need = ibp_sweep_cell_config(s, cell, NULL, 0);
    char *cfg = malloc(need + 1);
    ibp_sweep_cell_config(s, cell, cfg, need + 1);
    return cfg;
}

static void csv_quoted(outfile *f, const char *s) {
    out_puts(f, "\"");
    for (; *s; s++) {
        if (*s == '"') out_puts(f, "\"\"");
        else if (*s != '\n') out_write(f, s, 1);
    }
    out_puts(f, "\"");
}

static void write_header(outfile *f, const char *canon, const ibp_sweep *s, int shard, int nshards) {
    out_printf(f, "# ibp sweep %s\n# config: %s\n", ibp_version(), canon);
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) out_printf(f, "# vary: %s\n", ibp_sweep_spec(s, k));
    out_printf(f, "# cells: %lld\n", (long long)ibp_sweep_ncells(s));
    if (nshards > 1) out_printf(f, "# shard: %d/%d\n", shard, nshards);
    out_puts(f, "cell");
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) out_printf(f, ",%s", ibp_sweep_key(s, k));
    out_printf(f, ",%s,message\n", ibp_summary_fields());
}

/* Run one cell and write its row; the write's status (a full disk stops the sweep). */
static int run_cell(outfile *f, const ibp_sweep *s, long cell) {
    char err[1024];
    ibp_run *r;
    char *cfg = cell_config(s, cell);
    ibp_run_desc d = {cfg, NULL, NULL};
    out_printf(f, "%ld", cell);
    for (int k = 0; k < ibp_sweep_nkeys(s); k++) out_printf(f, ",%s", ibp_sweep_cell_value(s, cell, k));
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    free(cfg);
    if (rc != IBP_OK) {
        out_printf(f, ",%s", ibp_regime_string(IBP_REGIME_ERROR));
        for (const char *p = ibp_summary_fields(); *p; p++) if (*p == ',') out_puts(f, ",");
        out_puts(f, ",");
        csv_quoted(f, err);
        return out_puts(f, "\n");
    }
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_step(r, 100000, NULL, 0);
        ibp_run_clear_rows(r);
    }
    char *sum = text_of(r, ibp_run_summary_csv);
    out_printf(f, ",%s,", sum);
    csv_quoted(f, ibp_run_message(r));
    free(sum);
    ibp_run_destroy(r);
    return out_puts(f, "\n");
}

/* --plan: the plan as JSON on one line, then one line per cell of the shard: "CELL<TAB>config",
 * or "CELL<TAB>!<TAB>why" for a cell that is not a valid config. Nothing runs. */
static int print_plan(const char *out, const ibp_sweep *s, int shard, int nshards) {
    outfile f;
    if (out_open(&f, out, 1)) return EXIT_BAD;
    size_t need = ibp_sweep_json(s, NULL, 0);
    char *js = malloc(need + 1), err[1024];
    if (!js) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    ibp_sweep_json(s, js, need + 1);
    out_printf(&f, "%s\n", js);
    free(js);
    for (int64_t j = 0, c; !f.failed && (c = ibp_sweep_shard_cell(s, shard, nshards, j)) >= 0; j++) {
        if (ibp_sweep_cell_check(s, c, err, sizeof err) != IBP_OK) { out_printf(&f, "%lld\t!\t%s\n", (long long)c, err); continue; }
        char *cfg = cell_config(s, (long)c);
        out_printf(&f, "%lld\t%s\n", (long long)c, cfg);
        free(cfg);
    }
    return out_close(&f, 1);
}

/* Time a few steps of the first cell to estimate the whole sweep. */
static double estimate_seconds(const char *cfg, int cells) {
    char err[256];
    ibp_run *r;
    ibp_run_desc d = {cfg, NULL, NULL};
    clock_t c0 = clock();
    if (ibp_run_create(&r, &d, err, sizeof err) != IBP_OK) return -1;
    int total = ibp_run_steps_total(r), probe = total < 50 ? total : 50, done = 0;
    while (done < probe && ibp_run_state(r) == IBP_RUNNING) { done += ibp_run_step(r, probe - done, NULL, 0); ibp_run_clear_rows(r); }
    double sec = (double)(clock() - c0) / CLOCKS_PER_SEC;
    ibp_run_destroy(r);
    double per_step = done > 0 ? sec / done : sec;
    return cells * (per_step * total + sec * 0.1);
}

int cli_sweep(int argc, char **argv) {
    const char *config = NULL, *out = NULL, *shard_s = NULL, *jobs_s = NULL;
    char *config_buf = NULL, *canon = NULL;
    ibp_sweep *s = NULL;
    int rc = 0, plan_only = 0;
    char *vary = calloc(1, 1);
    size_t vlen = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--vary") || !strcmp(a, "--out") || !strcmp(a, "--shard") || !strcmp(a, "--jobs")) && i + 1 >= argc) {
            fprintf(stderr, "ibp sweep: %s needs a value\n", a);
            free(vary);
            return EXIT_BAD;
        }
        if (!strcmp(a, "--vary")) { /* the engine's plan takes one KEY=GRID per line */
            const char *v = argv[++i];
            if (strchr(v, '\n')) {
                fprintf(stderr, "ibp sweep: --vary \"%.60s\": write one KEY=GRID per --vary\n", v);
                rc = EXIT_BAD;
                goto done;
            }
            size_t n = strlen(v);
            vary = realloc(vary, vlen + n + 2);
            memcpy(vary + vlen, v, n);
            vlen += n;
            vary[vlen++] = '\n';
            vary[vlen] = '\0';
        } else if (!strcmp(a, "--out")) out = argv[++i];
        else if (!strcmp(a, "--plan")) plan_only = 1;
        else if (!strcmp(a, "--shard")) shard_s = argv[++i];
        else if (!strcmp(a, "--jobs")) jobs_s = argv[++i];
        else if (a[0] == '-' && a[1] == '-') { fprintf(stderr, "ibp sweep: unknown option %s\n", a); rc = EXIT_BAD; goto done; }
        else if (!config) config = a;
        else { fprintf(stderr, "ibp sweep: unexpected argument \"%s\": quote the config\n", a); rc = EXIT_BAD; goto done; }
    }
    if (!(config = config_arg(config, &config_buf))) { rc = EXIT_BAD; goto done; }
    if (!vlen) { fprintf(stderr, "ibp sweep: give at least one --vary KEY=GRID (see `ibp help sweep`)\n"); rc = EXIT_BAD; goto done; }
    char err[1024];
    int shard = 1, nshards = 1, jobs = 1;
    if (shard_s && ibp_sweep_shard_parse(shard_s, &shard, &nshards, err, sizeof err) != IBP_OK) {
        fprintf(stderr, "ibp sweep: --shard: %s\n", err);
        rc = EXIT_BAD;
        goto done;
    }
    if (jobs_s && (jobs = (int)whole_arg(jobs_s, 1, 256)) < 0) {
        fprintf(stderr, "ibp sweep: --jobs %s: a number of processes in [1, 256]\n", jobs_s);
        rc = EXIT_BAD;
        goto done;
    }
    if (jobs > 1 && shard_s) { fprintf(stderr, "ibp sweep: --jobs and --shard exclude each other\n"); rc = EXIT_BAD; goto done; }
    if (ibp_sweep_plan(&s, config, vary, err, sizeof err) != IBP_OK) {
        fprintf(stderr, "ibp sweep: %s\n", err);
        rc = EXIT_BAD;
        goto done;
    }
    if (plan_only) { rc = print_plan(out, s, shard, nshards); goto done; }
    canon = canonical_of(config); /* valid: the plan parsed it (any length: no cut in the header) */
    if (!canon) { fprintf(stderr, "ibp sweep: the base config was refused on a second reading\n"); rc = EXIT_BAD; goto done; }
    long cells = (long)ibp_sweep_ncells(s);
    long here = (long)ibp_sweep_shard_ncells(s, 1, nshards); /* the most cells one process runs */
    /* every cell's config must be valid before anything runs */
    if (here <= MAX_CELLS && cells <= MAX_TOTAL) {
        for (long c = shard - 1; c < cells; c += nshards)
            if (ibp_sweep_cell_check(s, c, err, sizeof err) != IBP_OK) {
                fprintf(stderr, "ibp sweep: cell %ld is not a valid config: %s\n", c, err);
                rc = EXIT_BAD;
                goto done;
            }
    }
    char *first = cell_config(s, 0);
    double est = estimate_seconds(first, 1) * (double)cells;
    free(first);
    if (cells > MAX_TOTAL || here > MAX_CELLS) {
        if (cells > MAX_TOTAL)
            fprintf(stderr, "ibp sweep: %ld cells is too many (at most %d per sweep; estimated %.3g hours of compute): "
                            "use a coarser grid\n", cells, MAX_TOTAL, est / 3600);
        else
            fprintf(stderr, "ibp sweep: %ld cells in one job is too many (at most %d per job; estimated %.3g hours of "
                            "compute): split it with --shard I/N, N >= %ld (see `ibp help sweep`)\n", here, MAX_CELLS,
                    est / nshards / 3600, (cells + MAX_CELLS - 1) / MAX_CELLS);
        rc = EXIT_BAD;
        goto done;
    }
    fprintf(stderr, "ibp sweep: %ld cells%s, estimated %.3g s%s\n", cells, nshards > 1 ? " (this shard runs ~1/N)" : "",
            nshards > 1 ? est / nshards : jobs > 1 ? est / jobs : est, jobs > 1 ? " with the jobs in parallel" : "");
#ifndef __EMSCRIPTEN__
    if (jobs > 1) {
        /* N local shards as child processes, then a merge */
        outfile merged; /* the output is known to be writable before any cell runs */
        if (out && (rc = out_open(&merged, out, 1))) goto done;
        if (out) out_close(&merged, 0);
        char **parts = calloc((size_t)jobs, sizeof(char *));
        pid_t *pids = calloc((size_t)jobs, sizeof(pid_t));
        const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        for (int j = 0; j < jobs; j++) {
            /* a fresh file of our own (mkstemp: no name another user could have planted) */
            size_t n = strlen(tmpdir) + 40;
            parts[j] = malloc(n);
            snprintf(parts[j], n, "%s/ibp-sweep-XXXXXX", tmpdir);
            int fd = mkstemp(parts[j]);
            if (fd < 0) {
                fprintf(stderr, "ibp sweep: cannot create a part file in %s\n", tmpdir);
                pids[j] = -1;
                parts[j][0] = '\0';
                continue;
            }
            close(fd);
            pids[j] = fork();
            if (pids[j] == 0) {
                outfile f;
                if (out_open(&f, parts[j], 0)) _exit(EXIT_BAD);
                write_header(&f, canon, s, j + 1, jobs);
                for (long c = j; c < cells && !f.failed; c += jobs) run_cell(&f, s, c);
                _exit(out_close(&f, 1) ? EXIT_BAD : 0);
            }
        }
        int failed = 0;
        for (int j = 0; j < jobs; j++) {
            int st = 0;
            if (pids[j] <= 0) { failed = 1; continue; }
            waitpid(pids[j], &st, 0);
            failed |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        if (failed) { fprintf(stderr, "ibp sweep: a job failed\n"); rc = EXIT_BAD; }
        else {
            char **margv = calloc((size_t)jobs + 2, sizeof(char *));
            for (int j = 0; j < jobs; j++) margv[j] = parts[j];
            int margc = jobs;
            if (out) { margv[margc++] = "--out"; margv[margc++] = (char *)out; }
            margv = realloc(margv, sizeof(char *) * (size_t)(margc + 1));
            rc = cli_merge(margc, margv);
            free(margv);
        }
        for (int j = 0; j < jobs; j++) { if (parts[j][0]) remove(parts[j]); free(parts[j]); }
        free(parts);
        free(pids);
        goto done;
    }
#endif
    outfile f;
    if ((rc = out_open(&f, out, 1))) goto done;
    write_header(&f, canon, s, shard, nshards);
    for (long c = shard - 1; c < cells && !f.failed; c += nshards) {
        run_cell(&f, s, c);
        out_flush(&f); /* rows appear as they are done */
    }
    rc = out_close(&f, 1);
done:
    ibp_sweep_destroy(s);
    free(vary);
    free(canon);
    free(config_buf);
    return rc;
}

/* ---- merge --------------------------------------------------------------------------------- */

typedef struct row { long cell; char *text; } row;

static int cmp_row(const void *a, const void *b) {
    long x = ((const row *)a)->cell, y = ((const row *)b)->cell;
    return x < y ? -1 : x > y;
}

int cli_merge(int argc, char **argv) {
    const char *out = NULL;
    int nfiles = 0;
    char *header = NULL;
    long cells = -1, nrows = 0, cap = 0;
    row *rows = NULL;
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--out")) {
            if (i + 1 >= argc) { fprintf(stderr, "ibp merge: --out needs a file name\n"); rc = EXIT_BAD; break; }
            out = argv[++i];
            continue;
        }
        char *text = read_file(argv[i], "sweep part");
        if (!text) { rc = EXIT_BAD; break; }
        nfiles++;
        /* the header (comments + column line) without the shard line must match */
        char *hdr = malloc(strlen(text) + 1), *h = hdr, *p = text;
        long file_cells = -1;
        while (*p == '#') {
            char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p + 1) : strlen(p);
            if (strncmp(p, "# shard:", 8) != 0) { memcpy(h, p, n); h += n; }
            if (!strncmp(p, "# cells:", 8)) file_cells = strtol(p + 8, NULL, 10);
            p += n;
        }
        char *e = strchr(p, '\n');
        if (!e) { fprintf(stderr, "ibp merge: %s is not a sweep file (no column line)\n", argv[i]); rc = EXIT_BAD; free(hdr); free(text); break; }
        memcpy(h, p, (size_t)(e - p + 1));
        h += e - p + 1;
        *h = '\0';
        p = e + 1;
        if (!header) { header = hdr; cells = file_cells; }
        else {
            if (strcmp(header, hdr) != 0) {
                fprintf(stderr, "ibp merge: %s belongs to a different sweep (its header differs)\n", argv[i]);
                rc = EXIT_BAD;
            }
            free(hdr);
        }
        while (*p && !rc) {
            char *le = strchr(p, '\n');
            size_t n = le ? (size_t)(le - p + 1) : strlen(p);
            if (n > 1) {
                if (nrows == cap) { cap = cap ? 2 * cap : 256; rows = realloc(rows, sizeof(row) * (size_t)cap); }
                rows[nrows].cell = strtol(p, NULL, 10);
                rows[nrows].text = malloc(n + 2);
                memcpy(rows[nrows].text, p, n);
                rows[nrows].text[n] = '\0';
                if (rows[nrows].text[n - 1] != '\n') strcat(rows[nrows].text, "\n");
                nrows++;
            }
            p += n;
        }
        free(text);
    }
    if (!rc && nfiles == 0) { fprintf(stderr, "ibp merge: give the sweep parts to join\n"); rc = EXIT_BAD; }
    if (!rc) {
        qsort(rows, (size_t)nrows, sizeof(row), cmp_row);
        for (long i = 0; i < nrows && !rc; i++)
            if (rows[i].cell != i) {
                if (i < nrows && i > 0 && rows[i].cell == rows[i - 1].cell)
                    fprintf(stderr, "ibp merge: cell %ld appears twice\n", rows[i].cell);
                else
                    fprintf(stderr, "ibp merge: cell %ld is missing (is a shard incomplete?)\n", i);
                rc = EXIT_BAD;
            }
        if (!rc && nrows != cells) {
            fprintf(stderr, "ibp merge: %ld of %ld cells present: a shard is missing or incomplete\n", nrows, cells);
            rc = EXIT_BAD;
        }
    }
    if (!rc) {
        outfile f;
        if (!(rc = out_open(&f, out, 1))) {
            out_puts(&f, header);
            for (long i = 0; i < nrows && !f.failed; i++) out_puts(&f, rows[i].text);
            rc = out_close(&f, 1);
        }
    }
    for (long i = 0; i < nrows; i++) free(rows[i].text);
    free(rows);
    free(header);
    return rc;
}
