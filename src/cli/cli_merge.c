/* cli_merge.c -- `ibp merge`: joins the part files of a sharded sweep (cli_sweep.c) into exactly
 * the bytes of the unsharded sweep, after checking each part against the plan its header names
 * (cli_sweep_file.c reads headers and rows). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli_io.h"
#include "cli/cli_merge.h"
#include "cli/cli_sweep_file.h"

/* A file's whole text (malloc'd; NUL bytes kept for the row checks to reject), or NULL. */
static char *read_part(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "ibp merge: cannot open sweep part file %s: %s\n", path, strerror(errno)); return NULL; }
    struct stat sb;
    memset(&sb, 0, sizeof sb);
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "ibp merge: sweep part file %s: %s\n", path,
                S_ISDIR(sb.st_mode) ? "it is a directory, not a file" : "not a regular file");
        close(fd);
        return NULL;
    }
    char *t = read_fd_all(fd, len);
    if (!t) fprintf(stderr, "ibp merge: cannot read %s: %s\n", path, strerror(errno));
    close(fd);
    return t;
}

/* The header without its "# shard: I/N" line (malloc'd): the same for every shard of a sweep. */
static char *without_shard(const char *h) {
    char *t = malloc(strlen(h) + 1), *q = t;
    if (!t) return NULL;
    for (const char *p = h; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (strncmp(p, "# shard: ", 9) != 0) { memcpy(q, p, n); q += n; }
        p += n;
    }
    *q = '\0';
    return t;
}

int cli_merge(int argc, char **argv) {
    const char *out = NULL;
    int nfiles = 0, nshards = 0, problems = 0, unfinished = 0;
    char *common = NULL, **texts = NULL;
    const char *first = NULL;     /* the file that set the sweep */
    const char **row = NULL;      /* [ncells] each cell's row in its file's text */
    const char **holder = NULL;   /* [nshards] the file that holds each shard */
    ibp_sweep *plan = NULL;       /* of the first file */
    int64_t ncells = 0;
    int rc = 0;
    texts = calloc((size_t)argc + 1, sizeof(char *));
    if (!texts) { fprintf(stderr, "ibp merge: out of memory\n"); return EXIT_BAD; }
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out")) {
            if (i + 1 >= argc) { fprintf(stderr, "ibp merge: --out needs a file name\n"); rc = EXIT_BAD; goto done; }
            out = argv[++i];
            continue;
        }
        const char *name = argv[i];
        size_t len;
        char *text = read_part(name, &len), why[1024];
        if (!text) { problems++; continue; }
        texts[nfiles++] = text;
        sweep_head h;
        if (sweep_head_read(text, len, &h, why, sizeof why) != 0) {
            /* why may quote a line of the file: its control characters (a CR) are shown */
            fprintf(stderr, h.cut ? "ibp merge: %s: " : "ibp merge: %s is not a file of ibp sweep: ", name);
            fputs_visible(why, stderr);
            fputs(h.cut ? ": its shard stopped before its first row (run it again with --resume)\n" : "\n", stderr);
            problems++;
            continue;
        }
        char *mine = without_shard(h.text);
        if (!common) { /* the first file sets the sweep */
            common = mine;
            first = name;
            plan = h.plan;
            h.plan = NULL;
            nshards = h.nshards;
            ncells = ibp_sweep_ncells(plan);
            row = calloc((size_t)ncells, sizeof *row);
            holder = calloc((size_t)nshards, sizeof *holder);
            if (!common || !row || !holder) { fprintf(stderr, "ibp merge: out of memory\n"); sweep_head_free(&h); rc = EXIT_BAD; goto done; }
        } else {
            int same = mine && !strcmp(mine, common);
            free(mine);
            if (!same || h.nshards != nshards) {
                fprintf(stderr, "ibp merge: %s belongs to a different sweep than %s (%s)\n", name, first,
                        same ? "another number of shards" : "its header differs");
                problems++;
                sweep_head_free(&h);
                continue;
            }
        }
        if (holder[h.shard - 1]) {
            fprintf(stderr, "ibp merge: shard %d/%d is given twice (%s and %s)\n", h.shard, nshards, holder[h.shard - 1], name);
            problems++;
            sweep_head_free(&h);
            continue;
        }
        holder[h.shard - 1] = name;
        int64_t done, want = ibp_sweep_shard_ncells(plan, h.shard, nshards);
        int tail;
        size_t end = sweep_rows_scan(plan, h.shard, nshards, text, len, h.len, &done, &tail, why, sizeof why);
        for (size_t p = h.len, j = 0; p < end; j++) { /* the rows, checked: each cell's text */
            row[ibp_sweep_shard_cell(plan, h.shard, nshards, (int64_t)j)] = text + p;
            p = (size_t)((char *)memchr(text + p, '\n', end - p) - text) + 1;
        }
        if (tail == 2) {
            fprintf(stderr, "ibp merge: %s: ", name);
            fputs_visible(why, stderr);
            fputc('\n', stderr);
            problems++;
        } else if (done < want) {
            fprintf(stderr, "ibp merge: %s (shard %d/%d) has %lld of its %lld cells%s: it has not finished\n", name, h.shard,
                    nshards, (long long)done, (long long)want, tail == 1 ? " and a partial last line" : "");
            problems++;
            unfinished++;
        }
        sweep_head_free(&h);
    }
    if (nfiles == 0 && problems == 0) { fprintf(stderr, "ibp merge: give the sweep parts to join\n"); rc = EXIT_BAD; goto done; }
    if (common) {
        int missing = 0;
        for (int k = 0; k < nshards; k++) missing += !holder[k];
        if (missing) {
            fprintf(stderr, "ibp merge: %d of %d shards missing:", missing, nshards);
            for (int k = 0, shown = 0; k < nshards; k++)
                if (!holder[k] && shown++ < 20) fprintf(stderr, " %d/%d", k + 1, nshards);
            fprintf(stderr, "%s\n", missing > 20 ? " ..." : "");
            problems++;
        }
    }
    if (problems) {
        if (unfinished)
            fprintf(stderr, "ibp merge: run an unfinished shard again with the same command and --resume: it goes on "
                            "where it stopped\n");
        rc = EXIT_BAD;
        goto done;
    }
    outfile f; /* every write checked; a failure leaves an existing --out as it was */
    if ((rc = out_open(&f, out, 1))) goto done;
    out_puts(&f, common);
    for (int64_t c = 0; c < ncells && !f.failed; c++) out_write(&f, row[c], (size_t)((char *)strchr(row[c], '\n') - row[c]) + 1);
    rc = out_close(&f, 1);
done:
    for (int i = 0; i < nfiles; i++) free(texts[i]);
    free(texts);
    free(common);
    free(row);
    free(holder);
    ibp_sweep_destroy(plan);
    return rc;
}
