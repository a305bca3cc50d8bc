/* cli_sweep.c -- `ibp sweep` and `ibp merge`: one run per cell of a grid over one or two config
 * keys, one summary row per run (src/summary.c), sharding for cluster job arrays, and the
 * merge that joins shards into exactly the bytes of the unsharded sweep.
 *
 * Cells are numbered with the first --vary key outermost. Shard i/N takes the cells c with
 * c mod N == i - 1 (round-robin balances cheap and expensive corners of a phase diagram). Each
 * cell's result depends only on its own config, so the partition cannot change any number. */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, strdup */
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

#define MAX_CELLS 10000      /* per process (a shard) */
#define MAX_TOTAL 1000000    /* per sweep */
#define MAX_VALUES 10000

const char *cli_sweep_help =
    "ibp sweep CONFIG --vary KEY=GRID [--vary KEY2=GRID] [--out FILE.csv] [--shard I/N] [--jobs N]\n"
    "  Runs CONFIG once per grid cell (KEY and KEY2 replaced by the cell's values) and writes one\n"
    "  summary row per run: cell, the varied values, regime (lazy | catapult | eos | divergent |\n"
    "  not_converged), steps, final_loss, loss0, max_loss_ratio, monotone, steps_to_converge, eta,\n"
    "  final_sharpness, s0, eta_s_final, lambda0, final_lambda, lambda_ratio, events, message.\n"
    "  GRID: v1,v2,...   an explicit list\n"
    "        lin:a:b:n   n values evenly spaced from a to b\n"
    "        log:a:b:n   n values evenly spaced in log from a to b (a, b > 0)\n"
    "  --shard I/N  run only cells c with c mod N = I-1 (I = 1..N): one job of an array\n"
    "  --jobs N     run N local processes in parallel (shards merged at the end)\n"
    "  At most 10000 cells per sweep; the estimated time is printed before starting.\n"
    "\n"
    "  A Slurm job array of 16 tasks:\n"
    "    #SBATCH --array=1-16\n"
    "    ibp sweep 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&ntk=1&steps=2000' \\\n"
    "        --vary lr_rel=lin:0.5:4.5:33 --vary seed=0,1,2,3,4 \\\n"
    "        --shard $SLURM_ARRAY_TASK_ID/16 --out part-$SLURM_ARRAY_TASK_ID.csv\n"
    "  then, once all tasks are done:\n"
    "    ibp merge part-*.csv --out sweep.csv\n";

typedef struct vary {
    char key[64];
    char spec[256];
    int n;
    char **vals; /* formatted values */
} vary;

static void free_vary(vary *v) {
    for (int i = 0; i < v->n; i++) free(v->vals[i]);
    free(v->vals);
}

/* Parse KEY=GRID into v. Returns 0 or prints an error and returns EXIT_BAD. */
static int parse_vary(const char *arg, vary *v) {
    memset(v, 0, sizeof *v);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof v->key) {
        fprintf(stderr, "ibp sweep: --vary %s: write KEY=GRID, e.g. --vary lr_rel=log:0.5:8:16\n", arg);
        return EXIT_BAD;
    }
    memcpy(v->key, arg, (size_t)(eq - arg));
    snprintf(v->spec, sizeof v->spec, "%s", arg);
    const char *g = eq + 1;
    char buf[40];
    if (!strncmp(g, "lin:", 4) || !strncmp(g, "log:", 4)) {
        int is_log = g[1] == 'o';
        double a, b;
        long n;
        char extra;
        if (sscanf(g + 4, "%lf:%lf:%ld%c", &a, &b, &n, &extra) != 3 || n < 1 || n > MAX_VALUES) {
            fprintf(stderr, "ibp sweep: --vary %s: write %s:START:STOP:COUNT with 1 <= COUNT <= %d\n", arg,
                    is_log ? "log" : "lin", MAX_VALUES);
            return EXIT_BAD;
        }
        if (is_log && !(a > 0 && b > 0)) {
            fprintf(stderr, "ibp sweep: --vary %s: a log grid needs START > 0 and STOP > 0\n", arg);
            return EXIT_BAD;
        }
        v->n = (int)n;
        v->vals = calloc((size_t)n, sizeof(char *));
        for (long i = 0; i < n; i++) {
            double t = n == 1 ? 0.0 : (double)i / (double)(n - 1), x;
            /* the endpoints exactly as written; ibp_pow (not libm) so that native, wasm and the
             * page compute the same grid */
            if (is_log) x = i == 0 ? a : i == n - 1 ? b : a * ibp_pow(b / a, t);
            else x = i == 0 ? a : i == n - 1 ? b : a + ((b - a) * (double)i) / (double)(n - 1); /* integers stay exact */
            ibp_format_double(buf, x);
            v->vals[i] = strdup(buf);
        }
        return 0;
    }
    int n = 1;
    for (const char *p = g; *p; p++) n += *p == ',';
    if (!*g || n > MAX_VALUES) {
        fprintf(stderr, "ibp sweep: --vary %s: give values v1,v2,... (at most %d) or lin:/log: grids\n", arg, MAX_VALUES);
        return EXIT_BAD;
    }
    v->n = n;
    v->vals = calloc((size_t)n, sizeof(char *));
    const char *p = g;
    for (int i = 0; i < n; i++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        v->vals[i] = malloc(len + 1);
        memcpy(v->vals[i], p, len);
        v->vals[i][len] = '\0';
        if (!len) { fprintf(stderr, "ibp sweep: --vary %s: value %d is empty\n", arg, i + 1); return EXIT_BAD; }
        p = e ? e + 1 : p + len;
    }
    return 0;
}

/* base config without the varied keys, plus the cell's values */
static char *cell_config(const char *base, vary *vs, int nv, int cell) {
    size_t cap = strlen(base) + 512;
    char *out = malloc(cap), *o = out;
    *o = '\0';
    const char *p = base;
    if (*p == '?' || *p == '#') p++;
    while (*p) {
        size_t n = strcspn(p, "&\n");
        int drop = 0;
        for (int k = 0; k < nv; k++) {
            size_t kl = strlen(vs[k].key);
            const char *q = p;
            while (q < p + n && (*q == ' ' || *q == '\t')) q++;
            if ((size_t)(p + n - q) > kl && !strncmp(q, vs[k].key, kl) && (q[kl] == '=' || q[kl] == ' ')) drop = 1;
        }
        if (!drop && n) {
            if (o != out) *o++ = '&';
            memcpy(o, p, n);
            o += n;
            *o = '\0';
        }
        p += n;
        if (*p) p++;
    }
    int idx[2] = {nv == 2 ? cell / vs[1].n : cell, nv == 2 ? cell % vs[1].n : 0};
    for (int k = 0; k < nv; k++)
        o += sprintf(o, "%s%s=%s", o != out ? "&" : "", vs[k].key, vs[k].vals[idx[k]]);
    return out;
}

static void csv_quoted(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        if (*s != '\n') fputc(*s, f);
    }
    fputc('"', f);
}

static void write_header(FILE *f, const char *canon, vary *vs, int nv, int cells, int shard, int nshards) {
    fprintf(f, "# ibp sweep %s\n# config: %s\n", ibp_version(), canon);
    for (int k = 0; k < nv; k++) fprintf(f, "# vary: %s\n", vs[k].spec);
    fprintf(f, "# cells: %d\n", cells);
    if (nshards > 1) fprintf(f, "# shard: %d/%d\n", shard, nshards);
    fprintf(f, "cell");
    for (int k = 0; k < nv; k++) fprintf(f, ",%s", vs[k].key);
    fprintf(f, ",%s,message\n", ibp_summary_fields());
}

/* Run one cell and write its row. */
static void run_cell(FILE *f, const char *cfg, vary *vs, int nv, int cell) {
    char err[1024];
    ibp_run *r;
    ibp_run_desc d = {cfg, NULL, NULL};
    int idx[2] = {nv == 2 ? cell / vs[1].n : cell, nv == 2 ? cell % vs[1].n : 0};
    fprintf(f, "%d", cell);
    for (int k = 0; k < nv; k++) fprintf(f, ",%s", vs[k].vals[idx[k]]);
    if (ibp_run_create(&r, &d, err, sizeof err) != IBP_OK) {
        fprintf(f, ",error");
        for (const char *p = ibp_summary_fields(); *p; p++) if (*p == ',') fputc(',', f);
        fputc(',', f);
        csv_quoted(f, err);
        fputc('\n', f);
        return;
    }
    while (ibp_run_state(r) == IBP_RUNNING) {
        ibp_run_step(r, 100000);
        ibp_run_clear_rows(r);
    }
    char *s = text_of(r, ibp_run_summary_csv);
    fprintf(f, ",%s,", s);
    csv_quoted(f, ibp_run_message(r));
    fputc('\n', f);
    free(s);
    ibp_run_destroy(r);
}

/* Time a few steps of the first cell to estimate the whole sweep. */
static double estimate_seconds(const char *cfg, int cells) {
    char err[256];
    ibp_run *r;
    ibp_run_desc d = {cfg, NULL, NULL};
    clock_t c0 = clock();
    if (ibp_run_create(&r, &d, err, sizeof err) != IBP_OK) return -1;
    int total = ibp_run_steps_total(r), probe = total < 50 ? total : 50, done = 0;
    while (done < probe && ibp_run_state(r) == IBP_RUNNING) { done += ibp_run_step(r, probe - done); ibp_run_clear_rows(r); }
    double sec = (double)(clock() - c0) / CLOCKS_PER_SEC;
    ibp_run_destroy(r);
    double per_step = done > 0 ? sec / done : sec;
    return cells * (per_step * total + sec * 0.1);
}

int cli_sweep(int argc, char **argv) {
    const char *config = NULL, *out = NULL, *shard_s = NULL, *jobs_s = NULL;
    vary vs[2];
    int nv = 0, rc = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--vary") || !strcmp(a, "--out") || !strcmp(a, "--shard") || !strcmp(a, "--jobs")) && i + 1 >= argc) {
            fprintf(stderr, "ibp sweep: %s needs a value\n", a);
            rc = EXIT_BAD;
            goto done;
        }
        if (!strcmp(a, "--vary")) {
            if (nv == 2) { fprintf(stderr, "ibp sweep: at most two --vary keys\n"); rc = EXIT_BAD; goto done; }
            if ((rc = parse_vary(argv[++i], &vs[nv]))) { free_vary(&vs[nv]); goto done; }
            nv++;
        } else if (!strcmp(a, "--out")) out = argv[++i];
        else if (!strcmp(a, "--shard")) shard_s = argv[++i];
        else if (!strcmp(a, "--jobs")) jobs_s = argv[++i];
        else if (a[0] == '-' && a[1] == '-') { fprintf(stderr, "ibp sweep: unknown option %s\n", a); rc = EXIT_BAD; goto done; }
        else if (!config) config = a;
        else { fprintf(stderr, "ibp sweep: unexpected argument \"%s\": quote the config\n", a); rc = EXIT_BAD; goto done; }
    }
    if (!config) config = "";
    if (nv == 0) { fprintf(stderr, "ibp sweep: give at least one --vary KEY=GRID (see `ibp help sweep`)\n"); return EXIT_BAD; }
    if (nv == 2 && !strcmp(vs[0].key, vs[1].key)) { fprintf(stderr, "ibp sweep: %s is varied twice\n", vs[0].key); rc = EXIT_BAD; goto done; }
    int shard = 1, nshards = 1, jobs = 1;
    if (shard_s && (sscanf(shard_s, "%d/%d", &shard, &nshards) != 2 || nshards < 1 || shard < 1 || shard > nshards)) {
        fprintf(stderr, "ibp sweep: --shard %s: write I/N with 1 <= I <= N\n", shard_s);
        rc = EXIT_BAD;
        goto done;
    }
    if (jobs_s && (sscanf(jobs_s, "%d", &jobs) != 1 || jobs < 1 || jobs > 256)) {
        fprintf(stderr, "ibp sweep: --jobs %s: a number of processes in [1, 256]\n", jobs_s);
        rc = EXIT_BAD;
        goto done;
    }
    if (jobs > 1 && shard_s) { fprintf(stderr, "ibp sweep: --jobs and --shard exclude each other\n"); rc = EXIT_BAD; goto done; }
    long cells = nv == 2 ? (long)vs[0].n * vs[1].n : vs[0].n;
    long here = (cells + nshards - 1) / nshards; /* cells this process runs */
    /* every cell's config must be valid before anything runs */
    char err[1024], canon[8192];
    if (ibp_config_canonical(config, 0, canon, sizeof canon, err, sizeof err) != IBP_OK) {
        fprintf(stderr, "ibp sweep: the base config: %s\n", err);
        rc = EXIT_BAD;
        goto done;
    }
    if (here <= MAX_CELLS && cells <= MAX_TOTAL) {
        for (long c = shard - 1; c < cells; c += nshards) {
            char *cfg = cell_config(config, vs, nv, (int)c);
            int bad = ibp_config_canonical(cfg, 0, NULL, 0, err, sizeof err) == IBP_E_CONFIG;
            free(cfg);
            if (bad) {
                fprintf(stderr, "ibp sweep: cell %ld is not a valid config: %s\n", c, err);
                rc = EXIT_BAD;
                goto done;
            }
        }
    }
    char *first = cell_config(config, vs, nv, 0);
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
        char **parts = calloc((size_t)jobs, sizeof(char *));
        pid_t *pids = calloc((size_t)jobs, sizeof(pid_t));
        for (int j = 0; j < jobs; j++) {
            parts[j] = malloc(64);
            snprintf(parts[j], 64, "/tmp/ibp-sweep-%d-%d.csv", (int)getpid(), j + 1);
            pids[j] = fork();
            if (pids[j] == 0) {
                FILE *f = fopen(parts[j], "w");
                if (!f) _exit(EXIT_BAD);
                write_header(f, canon, vs, nv, (int)cells, j + 1, jobs);
                for (long c = j; c < cells; c += jobs) {
                    char *cfg = cell_config(config, vs, nv, (int)c);
                    run_cell(f, cfg, vs, nv, (int)c);
                    free(cfg);
                }
                fclose(f);
                _exit(0);
            }
        }
        int failed = 0;
        for (int j = 0; j < jobs; j++) {
            int st = 0;
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
        for (int j = 0; j < jobs; j++) { remove(parts[j]); free(parts[j]); }
        free(parts);
        free(pids);
        goto done;
    }
#endif
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) { fprintf(stderr, "ibp sweep: cannot write %s\n", out); rc = EXIT_BAD; goto done; }
    write_header(f, canon, vs, nv, (int)cells, shard, nshards);
    for (long c = shard - 1; c < cells; c += nshards) {
        char *cfg = cell_config(config, vs, nv, (int)c);
        run_cell(f, cfg, vs, nv, (int)c);
        fflush(f);
        free(cfg);
    }
    if (f != stdout) fclose(f);
done:
    for (int k = 0; k < nv; k++) free_vary(&vs[k]);
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
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f) { fprintf(stderr, "ibp merge: cannot write %s\n", out); rc = EXIT_BAD; }
        else {
            fputs(header, f);
            for (long i = 0; i < nrows; i++) fputs(rows[i].text, f);
            if (f != stdout) fclose(f);
        }
    }
    for (long i = 0; i < nrows; i++) free(rows[i].text);
    free(rows);
    free(header);
    return rc;
}
