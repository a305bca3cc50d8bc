/* cli_sweep.c -- `ibp sweep`: one run per cell of a grid over one or two config keys, one
 * summary row per run (src/summary.c), sharding for cluster job arrays, and resuming a shard
 * that was stopped (`ibp merge`, which joins shards, is cli_merge.c).
 *
 * The grid grammar, cell numbering, each cell's config and shard membership are the library's
 * (src/sweep/sweep.c, ibp_sweep_plan); the file format is cli_sweep_file.c's: this file runs
 * cells and writes, resumes and merges files. */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, ftruncate */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli_io.h"
#include "cli/cli_merge.h"
#include "cli/cli_sweep.h"
#include "cli/cli_sweep_estimate.h"
#include "cli/cli_sweep_file.h"
#ifndef __EMSCRIPTEN__
#include <sys/wait.h>
#endif
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define MAX_CELLS IBP_SWEEP_MAX_JOB_CELLS /* per process (a shard) */
#define MAX_TOTAL IBP_SWEEP_MAX_CELLS     /* per sweep */

const char *cli_sweep_help =
    "ibp sweep CONFIG --vary KEY=GRID [--vary KEY2=GRID] [--out FILE.csv] [--shard I/N] [--resume]\n"
    "          [--jobs N] [--plan | --check] [--images FILE]   (the image file of data=fashion_mnist,\n"
    "          as for ibp run)\n"
    "  Runs CONFIG once per grid cell (KEY and KEY2 replaced by the cell's values) and writes one\n"
    "  summary row per run: cell, the varied values, regime (lazy | catapult | eos | divergent |\n"
    "  not_converged), steps, final_loss, loss0, max_loss_ratio, monotone, steps_to_converge, eta,\n"
    "  final_sharpness, s0, eta_s_final, lambda0, final_lambda, lambda_ratio, events, message.\n"
    "  GRID: v1,v2,...   an explicit list\n"
    "        lin:a:b:n   n values evenly spaced from a to b (the endpoints as written)\n"
    "        log:a:b:n   n values evenly spaced in log from a to b (a, b > 0; the endpoints as\n"
    "                    written; log:1e-200:1e200:3 is 1e-200, 1, 1e+200)\n"
    "  Spaces around keys, values and grid parts do not count (seed=1 ,2 is 1 and 2); n is a whole\n"
    "  number, also written 3.0 or 3e0; a list value may not contain & = # or spaces, and a comma\n"
    "  inside a value is written %2C (init=4%2C0.1,2%2C0.5). Values are checked for their key and\n"
    "  written in canonical form (lr=1e-1 is 0.1). The page plans the same cells with the same\n"
    "  engine call (ibp_sweep_plan).\n"
    "  Cells are numbered with the first --vary key outermost. Each row is written whole as its\n"
    "  cell ends, so a stopped sweep leaves its finished cells readable.\n"
    "  --shard I/N  run only cells c with c mod N = I-1 (I = 1..N): one task of a job array\n"
    "  --resume     go on with the sweep (or shard) in --out FILE where it stopped: its complete\n"
    "               rows stay, a partial last line (a job killed while writing) is dropped, and\n"
    "               only the missing cells run, so no cell is lost or written twice. FILE must\n"
    "               hold this same sweep and shard, or it is refused and left as it is; a missing\n"
    "               or empty FILE starts afresh. Two processes never write one FILE (it is locked).\n"
    "  --jobs N     run N local processes in parallel (their rows joined in cell order). Stopped\n"
    "               by SIGINT (Ctrl-C), SIGTERM or SIGHUP, it stops them, removes their temporary\n"
    "               files, writes the complete rows so far to --out FILE and exits with code 2;\n"
    "               --resume (with --jobs or without) goes on from there\n"
    "  --plan       run nothing: print the plan (JSON: keys, values, cell count, base config),\n"
    "               then each cell of the shard and its canonical config (or why it is invalid)\n"
    "  --check      run nothing: check what a run would (the plan, every cell of the shard, the\n"
    "               limits; with --resume also FILE, which is left as it is) and print one JSON\n"
    "               line: cells, shard, nshards, shard_cells, then done (with --resume) or\n"
    "               estimated_seconds (this shard), estimated_seconds_all (the whole sweep) and\n"
    "               estimated_seconds_max_shard (the longest of the N shards)\n"
    "  At most 10000 cells per job and 1000000 per sweep; the estimated time is printed first: the\n"
    "  sum of every cell's own, timed on a short probe of its config (cells that differ only in\n"
    "  steps, seed, lr, lr_rel or target_loss share a probe).\n"
    "\n"
    "ibp merge PART.csv... [--out FILE.csv]\n"
    "  Joins the shards of one sweep into exactly the bytes of the unsharded sweep. Each part's\n"
    "  header and every row are checked (the next cell of its shard, with that cell's values),\n"
    "  and every shard must be there once and complete; each problem is named, e.g. a shard that\n"
    "  has not finished (run it again with --resume: it goes on where it stopped).\n"
    "\n"
    "  On a Slurm cluster, scripts/slurm-sweep (in the source tree) submits the shards as a job\n"
    "  array and the merge as a job that runs when the array ends, and resubmits what failed:\n"
    "    scripts/slurm-sweep 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&ntk=1&steps=2000' \\\n"
    "        --vary lr_rel=lin:0.5:4.5:33 --vary seed=0,1,2,3,4 --tasks 16 --out sweep.csv \\\n"
    "        --partition=PART --account=ACCOUNT --time=0:30:00\n"
    "    scripts/slurm-sweep --retry sweep.csv.parts     (when tasks failed or hit the time limit)\n"
    "  The same by hand: a job array whose task I runs\n"
    "    ibp sweep CONFIG --vary ... --shard $SLURM_ARRAY_TASK_ID/16 --resume \\\n"
    "        --out part-$SLURM_ARRAY_TASK_ID.csv\n"
    "  (sbatch --array=1-16 --requeue), then, once every task has ended:\n"
    "    ibp merge part-*.csv --out sweep.csv\n";

/* ---- one cell ------------------------------------------------------------------------------ */

/* The image file of data=fashion_mnist, read once for every cell (cli_images). */
static ibp_images *sweep_images;

/* Run one cell; its whole row, '\n' included (malloc'd). */
static char *run_cell(const ibp_sweep *s, long cell) {
    char err[1024], *row;
    ibp_run *r;
    char *cfg = cli_sweep_cell_config(s, cell);
    ibp_run_desc d = {.config = cfg, .images = sweep_images};
    int rc = ibp_run_create(&r, &d, err, sizeof err);
    free(cfg);
    if (rc != IBP_OK) row = sweep_row_text(s, cell, NULL, err);
    else {
        while (ibp_run_state(r) == IBP_RUNNING) {
            ibp_run_step(r, 100000, NULL, 0);
            ibp_run_clear_rows(r);
        }
        char *sum = text_of(r, ibp_run_summary_csv);
        row = sweep_row_text(s, cell, sum, ibp_run_message(r));
        free(sum);
        ibp_run_destroy(r);
    }
    if (!row) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    return row;
}

/* ---- output: every write checked; a row is one write, so a kill cannot tear it ------------- */

/* Why a file could not be opened, in the words of the other file messages of `ibp`. */
static const char *open_why(int e) { return e == EISDIR ? "it is a directory" : strerror(e); }

typedef struct sink { int fd; const char *name; } sink;

static int sink_write(const sink *o, const char *text, size_t len) {
    while (len > 0) {
        ssize_t n = write(o->fd, text, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fprintf(stderr, "ibp: writing %s failed: %s\n", o->name, n < 0 ? strerror(errno) : "nothing written");
            return EXIT_BAD;
        }
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Run the cells of a shard from its j0-th on, one row each. */
static int run_shard(const sink *o, const ibp_sweep *s, int shard, int nshards, int64_t j0) {
    int rc = 0;
    for (int64_t j = j0, c; rc == 0 && (c = ibp_sweep_shard_cell(s, shard, nshards, j)) >= 0; j++) {
        char *row = run_cell(s, (long)c);
        rc = sink_write(o, row, strlen(row));
        free(row);
    }
    return rc;
}

/* ---- resuming a stopped shard ---------------------------------------------------------------- */

/* What is already in a shard's output: the bytes to keep and the cells they hold. */
typedef struct resume_state { size_t keep; int64_t done; } resume_state;

/* Read the partial output at fd against the header this run writes. Returns 0, or EXIT_BAD when
 * the file holds something else (a message printed). quiet: say nothing about dropped text. */
static int resume_read(int fd, const char *name, const char *header, const ibp_sweep *s, int shard, int nshards,
                       int quiet, resume_state *st) {
    size_t len, hl = strlen(header);
    char *text = read_fd_all(fd, &len);
    st->keep = 0;
    st->done = 0;
    if (!text) { fprintf(stderr, "ibp sweep: cannot read %s: %s\n", name, strerror(errno)); return EXIT_BAD; }
    if (len < hl && memcmp(text, header, len) == 0) { /* nothing, or a header cut short: start again */
        if (len > 0 && !quiet) fprintf(stderr, "ibp sweep: %s ends inside its header: starting the shard again\n", name);
        free(text);
        return 0;
    }
    if (len < hl || memcmp(text, header, hl) != 0) {
        size_t i = 0;
        int line = 1;
        while (i < len && i < hl && text[i] == header[i]) line += text[i++] == '\n';
        const char *a = header + i, *b = text + i;
        while (a > header && a[-1] != '\n') a--, b--;
        const char *ae = strchr(a, '\n'), *be = memchr(b, '\n', len - (size_t)(b - text));
        int an = (int)(ae - a), bn = be ? (int)(be - b) : (int)(len - (size_t)(b - text));
        fprintf(stderr,
                "ibp sweep: --resume: %s holds another sweep or shard, so it is left as it is: its line %d is\n"
                "  \"%.*s\", where this sweep writes\n  \"%.*s\".\n"
                "  Give another --out, or remove the file to start this shard afresh.\n",
                name, line, bn > 200 ? 200 : bn, b, an > 200 ? 200 : an, a);
        free(text);
        return EXIT_BAD;
    }
    int tail;
    char why[600];
    st->keep = sweep_rows_scan(s, shard, nshards, text, len, hl, &st->done, &tail, why, sizeof why);
    if (!quiet && tail == 1)
        fprintf(stderr, "ibp sweep: %s: dropping its partial last line (%zu bytes: the shard stopped while writing it)\n",
                name, len - st->keep);
    if (!quiet && tail == 2)
        fprintf(stderr, "ibp sweep: %s: keeping its first %lld rows and dropping the %zu bytes after them (%s);\n"
                        "  their cells run again\n", name, (long long)st->done, len - st->keep, why);
    free(text);
    return 0;
}

/* Open --out for --resume: locked against a second writer, cut to its complete rows, positioned
 * at their end, with the header written when the file starts afresh. */
static int resume_open(sink *o, const char *out, const char *header, const ibp_sweep *s, int shard, int nshards,
                       double lock_wait, resume_state *st) {
    int fd = open(out, O_RDWR | O_CREAT, 0666);
    if (fd < 0) { fprintf(stderr, "ibp sweep: cannot write %s: %s\n", out, open_why(errno)); return EXIT_BAD; }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "ibp sweep: --resume needs a regular file, and %s is not one\n", out);
        close(fd);
        return EXIT_BAD;
    }
#ifdef __EMSCRIPTEN__
    (void)lock_wait;
#else
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    /* Poll rather than F_SETLKW: the wait must end after lock_wait seconds, and an alarm would
     * be process state the CLI does not otherwise touch. */
    for (double waited = 0;; waited += 0.2) {
        if (fcntl(fd, F_SETLK, &fl) == 0 || (errno != EAGAIN && errno != EACCES)) break;
        /* other errors: a file system without locks; go on */
        if (waited >= lock_wait) {
            fprintf(stderr, "ibp sweep: %s is being written by another process (the same shard running twice?): "
                            "leaving it alone%s\n", out, lock_wait > 0 ? " (it still held the file after --lock-wait)" : "");
            close(fd);
            return EXIT_BAD;
        }
        if (waited == 0) fprintf(stderr, "ibp sweep: %s is held by another process: waiting up to %g s for it to end\n", out, lock_wait);
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
#endif
    if (resume_read(fd, out, header, s, shard, nshards, 0, st)) { close(fd); return EXIT_BAD; }
    if (ftruncate(fd, (off_t)st->keep) != 0 || lseek(fd, (off_t)st->keep, SEEK_SET) < 0) {
        fprintf(stderr, "ibp sweep: cannot cut %s to its complete rows: %s\n", out, strerror(errno));
        close(fd);
        return EXIT_BAD;
    }
    o->fd = fd;
    o->name = out;
    if (st->keep == 0) return sink_write(o, header, strlen(header));
    return 0;
}

/* ---- plan and estimate --------------------------------------------------------------------- */

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
        char *cfg = cli_sweep_cell_config(s, (long)c);
        out_printf(&f, "%lld\t%s\n", (long long)c, cfg);
        free(cfg);
    }
    return out_close(&f, 1);
}

#ifndef __EMSCRIPTEN__
/* ---- --jobs N: local processes ------------------------------------------------------------- */

/* The signal that stopped the sweep (0: none); set by the parent's handler, read by its loop. */
static volatile sig_atomic_t jobs_stop;
static void on_stop(int sig) { jobs_stop = sig; }

static const char *signal_name(int sig) {
    return sig == SIGINT ? "SIGINT (Ctrl-C)" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

/* The complete lines of a part file (each a row, '\n' included): a child stopped while writing
 * leaves at most a partial last line, which is not a row. Returns the count; *text to free. */
static int64_t part_rows(const char *name, char **text, const char ***rows) {
    size_t len = 0;
    int fd = open(name, O_RDONLY);
    *text = fd >= 0 ? read_fd_all(fd, &len) : NULL;
    if (fd >= 0) close(fd);
    *rows = NULL;
    if (!*text) return 0;
    int64_t n = 0;
    for (size_t i = 0; i < len; i++) n += (*text)[i] == '\n';
    *rows = calloc((size_t)n + 1, sizeof **rows);
    if (!*rows) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    int64_t k = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++)
        if ((*text)[i] == '\n') { (*rows)[k++] = *text + start; start = i + 1; }
    (*rows)[k] = *text + start; /* row i runs from rows[i] to rows[i + 1] */
    return n;
}

/* Run the cells from m on in `jobs` child processes (child j: cells m+j, m+j+jobs, ...), each
 * writing bare rows to a part file of its own in TMPDIR, and append their rows to o in cell
 * order. On SIGINT, SIGTERM or SIGHUP (or a child failing) the children are stopped, and the
 * rows of the cells m.. up to the first one missing are appended: o then holds the complete
 * rows of a sweep that --resume goes on with. The part files are removed in every case. */
static int run_jobs(const sink *o, const ibp_sweep *s, int jobs, int64_t m, const char *out) {
    int64_t cells = ibp_sweep_ncells(s);
    char **parts = calloc((size_t)jobs, sizeof(char *));
    pid_t *pids = calloc((size_t)jobs, sizeof(pid_t));
    int *fds = calloc((size_t)jobs, sizeof(int));
    if (!parts || !pids || !fds) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int rc = 0, failed = 0, made = 0;
    for (; made < jobs; made++) { /* mkstemp: a fresh file of our own, no name another user planted */
        size_t n = strlen(tmpdir) + 40;
        if (!(parts[made] = malloc(n))) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
        snprintf(parts[made], n, "%s/ibp-sweep-XXXXXX", tmpdir);
        if ((fds[made] = mkstemp(parts[made])) < 0) {
            fprintf(stderr, "ibp sweep: cannot create a part file in %s: %s\n", tmpdir, strerror(errno));
            free(parts[made]);
            rc = EXIT_BAD;
            goto cleanup;
        }
    }
    /* Signals are blocked across fork: the handler is the parent's alone, and a child that has
     * not yet restored the default action cannot miss a SIGTERM meant for it. */
    sigset_t stopset, old;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGINT);
    sigaddset(&stopset, SIGTERM);
    sigaddset(&stopset, SIGHUP);
    sigprocmask(SIG_BLOCK, &stopset, &old);
    struct sigaction sa, saved[3];
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: nanosleep in the loop below returns at once */
    sigemptyset(&sa.sa_mask);
    jobs_stop = 0;
    for (int i = 0; i < 3; i++) sigaction(sigs[i], &sa, &saved[i]);
    pid_t parent = getpid();
    for (int j = 0; j < jobs; j++) {
        pids[j] = fork();
        if (pids[j] < 0) {
            fprintf(stderr, "ibp sweep: cannot start job %d: %s\n", j + 1, strerror(errno));
            failed = 1;
            break;
        }
        if (pids[j] == 0) {
            for (int i = 0; i < 3; i++) sigaction(sigs[i], &saved[i], NULL);
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGTERM); /* the parent killed outright takes its children along */
#endif
            if (getppid() != parent) _exit(EXIT_BAD); /* it died before prctl */
            sigprocmask(SIG_SETMASK, &old, NULL);
            for (int i = 0; i < jobs; i++) if (i != j) close(fds[i]);
            sink po = {fds[j], parts[j]};
            int crc = 0;
            for (int64_t c = m + j; crc == 0 && c < cells; c += jobs) {
                char *row = run_cell(s, (long)c);
                crc = sink_write(&po, row, strlen(row));
                free(row);
            }
            _exit(close(po.fd) != 0 || crc ? EXIT_BAD : 0);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* Wait for every child; on a stop signal or a failed child, stop the others. */
    for (int live = 1; live;) {
        live = 0;
        for (int j = 0; j < jobs; j++) {
            if (pids[j] <= 0) continue;
            int st = 0;
            pid_t w = waitpid(pids[j], &st, WNOHANG);
            if (w == 0) { live = 1; continue; }
            if (w == pids[j] && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) failed = 1;
            pids[j] = 0;
        }
        if (live && (jobs_stop || failed)) {
            for (int j = 0; j < jobs; j++) if (pids[j] > 0) kill(pids[j], SIGTERM);
            for (int j = 0; j < jobs; j++) if (pids[j] > 0) { while (waitpid(pids[j], NULL, 0) < 0 && errno == EINTR) {} pids[j] = 0; }
            live = 0;
        }
        if (live) { struct timespec ts = {0, 50000000L}; nanosleep(&ts, NULL); }
    }
    for (int i = 0; i < 3; i++) sigaction(sigs[i], &saved[i], NULL);
    int sig = jobs_stop;
    /* Append the rows in cell order up to the first cell missing. */
    char **texts = calloc((size_t)jobs, sizeof(char *));
    const char ***rows = calloc((size_t)jobs, sizeof(const char **));
    int64_t *nrows = calloc((size_t)jobs, sizeof(int64_t)), c = m;
    if (!texts || !rows || !nrows) { fprintf(stderr, "ibp sweep: out of memory\n"); exit(EXIT_BAD); }
    for (int j = 0; j < jobs; j++) nrows[j] = part_rows(parts[j], &texts[j], &rows[j]);
    for (; c < cells && rc == 0; c++) {
        int j = (int)((c - m) % jobs);
        int64_t k = (c - m) / jobs;
        if (k >= nrows[j]) break;
        rc = sink_write(o, rows[j][k], (size_t)(rows[j][k + 1] - rows[j][k]));
    }
    for (int j = 0; j < jobs; j++) { free(texts[j]); free(rows[j]); }
    free(texts);
    free(rows);
    free(nrows);
    if (rc == 0 && (failed || c < cells)) { /* a signal after the last row: the sweep is complete */
        rc = EXIT_BAD;
        if (sig) fprintf(stderr, "ibp sweep: stopped by %s", signal_name(sig));
        else fprintf(stderr, "ibp sweep: a job failed (above)");
        if (out)
            fprintf(stderr, ": the first %lld of %lld cells are in %s.\n  Go on with the same command and --resume "
                            "(with --jobs or without): only the missing cells run.\n", (long long)c, (long long)cells, out);
        else
            fprintf(stderr, ": the first %lld of %lld cells were written (give --out FILE to be able to --resume)\n",
                    (long long)c, (long long)cells);
    }
cleanup:
    for (int j = 0; j < made; j++) { close(fds[j]); remove(parts[j]); free(parts[j]); }
    free(parts);
    free(pids);
    free(fds);
    return rc;
}
#endif

/* ---- ibp sweep ----------------------------------------------------------------------------- */

int cli_sweep(int argc, char **argv) {
    const char *config = NULL, *out = NULL, *shard_s = NULL, *jobs_s = NULL, *images_s = NULL, *wait_s = NULL;
    ibp_sweep *s = NULL;
    char *header = NULL, *canon = NULL, *config_buf = NULL;
    int rc = 0, plan_only = 0, check_only = 0, resume = 0;
    char *vary = calloc(1, 1);
    size_t vlen = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--vary") || !strcmp(a, "--out") || !strcmp(a, "--shard") || !strcmp(a, "--jobs") ||
             !strcmp(a, "--images") || !strcmp(a, "--lock-wait")) && i + 1 >= argc) {
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
        else if (!strcmp(a, "--check")) check_only = 1;
        else if (!strcmp(a, "--resume")) resume = 1;
        else if (!strcmp(a, "--shard")) shard_s = argv[++i];
        else if (!strcmp(a, "--jobs")) jobs_s = argv[++i];
        else if (!strcmp(a, "--images")) images_s = argv[++i];
        else if (!strcmp(a, "--lock-wait")) wait_s = argv[++i];
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
    if (plan_only && check_only) { fprintf(stderr, "ibp sweep: --plan and --check exclude each other\n"); rc = EXIT_BAD; goto done; }
    if (resume && !out) {
        fprintf(stderr, "ibp sweep: --resume needs --out FILE (the partial output to go on with)\n");
        rc = EXIT_BAD;
        goto done;
    }
    double lock_wait = 0;
    if (wait_s) {
        char *end;
        lock_wait = strtod(wait_s, &end);
        if (end == wait_s || *end || !(lock_wait >= 0 && lock_wait <= 86400)) {
            fprintf(stderr, "ibp sweep: --lock-wait %s: a number of seconds in [0, 86400]\n", wait_s);
            rc = EXIT_BAD;
            goto done;
        }
        if (!resume) { fprintf(stderr, "ibp sweep: --lock-wait goes with --resume\n"); rc = EXIT_BAD; goto done; }
    }
    if (resume && plan_only) {
        fprintf(stderr, "ibp sweep: --resume goes with a run writing --out FILE, not with --plan\n");
        rc = EXIT_BAD;
        goto done;
    }
    if (ibp_sweep_plan(&s, config, vary, err, sizeof err) != IBP_OK) {
        fprintf(stderr, "ibp sweep: %s\n", err);
        rc = EXIT_BAD;
        goto done;
    }
    if (plan_only) { rc = print_plan(out, s, shard, nshards); goto done; }
    sweep_images = cli_images(images_s, config, NULL, &rc);
    if (rc) goto done;
    canon = canonical_of(config); /* valid: the plan parsed it (any length: no cut in the header) */
    if (!canon) { fprintf(stderr, "ibp sweep: the base config was refused on a second reading\n"); rc = EXIT_BAD; goto done; }
    long cells = (long)ibp_sweep_ncells(s);
    long here = (long)ibp_sweep_shard_ncells(s, 1, nshards); /* the most cells one process runs */
    long mine = (long)ibp_sweep_shard_ncells(s, shard, nshards);
    /* every cell's config must be valid before anything runs */
    if (here <= MAX_CELLS && cells <= MAX_TOTAL) {
        for (long c = shard - 1; c < cells; c += nshards)
            if (ibp_sweep_cell_check(s, c, err, sizeof err) != IBP_OK) {
                fprintf(stderr, "ibp sweep: cell %ld is not a valid config: %s\n", c, err);
                rc = EXIT_BAD;
                goto done;
            }
    }
    if (cells > MAX_TOTAL) {
        fprintf(stderr, "ibp sweep: %ld cells is too many (at most %d per sweep): use a coarser grid, or split the "
                        "sweep into several sweeps over parts of a grid\n", cells, MAX_TOTAL);
        rc = EXIT_BAD;
        goto done;
    }
    double est_all, est_mine, est_rest, est_most;
    if (here > MAX_CELLS) {
        cli_sweep_estimate(s, sweep_images, shard, nshards, 0, 1, &est_all, &est_mine, &est_rest, &est_most);
        fprintf(stderr, "ibp sweep: %ld cells in one job is too many (at most %d per job; estimated %.3g hours of "
                        "compute): split it with --shard I/N, N >= %ld (see `ibp help sweep`)\n", here, MAX_CELLS,
                est_all / 3600, (cells + MAX_CELLS - 1) / MAX_CELLS);
        rc = EXIT_BAD;
        goto done;
    }
    header = sweep_header_text(ibp_version(), canon, s, shard, nshards);
    if (!header) { fprintf(stderr, "ibp sweep: out of memory\n"); rc = EXIT_BAD; goto done; }
    if (check_only) {
        printf("{\"cells\":%ld,\"shard\":%d,\"nshards\":%d,\"shard_cells\":%ld", cells, shard, nshards, mine);
        if (resume) { /* what a resume would find, the file left as it is */
            resume_state st = {0, 0};
            int fd = open(out, O_RDONLY);
            if (fd < 0 && errno != ENOENT) { fprintf(stderr, "ibp sweep: cannot read %s: %s\n", out, strerror(errno)); rc = EXIT_BAD; goto done; }
            if (fd >= 0) {
                rc = resume_read(fd, out, header, s, shard, nshards, 1, &st);
                close(fd);
                if (rc) goto done;
            }
            printf(",\"done\":%lld}\n", (long long)st.done);
        } else {
            char e1[32], e2[32], e3[32];
            cli_sweep_estimate(s, sweep_images, shard, nshards, 0, 1, &est_all, &est_mine, &est_rest, &est_most);
            ibp_format_double(e1, est_mine);
            ibp_format_double(e2, est_all);
            ibp_format_double(e3, est_most);
            printf(",\"estimated_seconds\":%s,\"estimated_seconds_all\":%s,\"estimated_seconds_max_shard\":%s}\n",
                   e1, e2, e3);
        }
        goto done;
    }
    sink o = {1, "the standard output"};
    resume_state st = {0, 0};
    if (resume) {
        if ((rc = resume_open(&o, out, header, s, shard, nshards, lock_wait, &st))) goto done;
        if (st.done == mine) {
            fprintf(stderr, "ibp sweep: every cell of %s (%ld) is already in %s: nothing to run\n",
                    nshards > 1 ? "this shard" : "the sweep", mine, out);
            rc = close(o.fd) ? EXIT_BAD : 0;
            goto done;
        }
        if (st.done > 0)
            fprintf(stderr, "ibp sweep: resuming %s: %lld of %ld cells are already in %s\n",
                    nshards > 1 ? "the shard" : "the sweep", (long long)st.done, mine, out);
    } else if (out) {
        o.fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        o.name = out;
        if (o.fd < 0) { fprintf(stderr, "ibp sweep: cannot write %s: %s\n", out, open_why(errno)); rc = EXIT_BAD; goto done; }
    }
    cli_sweep_estimate(s, sweep_images, shard, nshards, st.done, 0, &est_all, &est_mine, &est_rest, &est_most);
    fprintf(stderr, "ibp sweep: %ld cells%s, estimated %.3g s%s%s\n", cells, nshards > 1 ? " (this shard runs ~1/N)" : "",
            est_rest / jobs, st.done > 0 ? " for the rest" : "", jobs > 1 ? " with the jobs in parallel" : "");
    if (!resume || st.keep == 0) rc = resume ? 0 : sink_write(&o, header, strlen(header));
#ifndef __EMSCRIPTEN__
    if (!rc && jobs > 1) rc = run_jobs(&o, s, jobs, st.done, out);
    else
#endif
    if (!rc) rc = run_shard(&o, s, shard, nshards, st.done);
    if (o.fd != 1 && close(o.fd) != 0 && !rc) {
        fprintf(stderr, "ibp sweep: writing %s failed: %s\n", out, strerror(errno));
        rc = EXIT_BAD;
    }
done:
    ibp_sweep_destroy(s);
    free(header);
    free(canon);
    free(config_buf);
    free(vary);
    ibp_images_close(sweep_images);
    sweep_images = NULL;
    return rc;
}
