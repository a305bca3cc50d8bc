/* cli_sweep_file.h -- the sweep file: what `ibp sweep` writes, and what `ibp merge` and
 * `ibp sweep --resume` read back (cli_sweep_file.c).
 *
 *   # ibp sweep VERSION
 *   # config: CANONICAL BASE CONFIG
 *   # vary: KEY=GRID                one line per varied key, as given (trimmed)
 *   # cells: NCELLS
 *   # shard: I/N                    only in a shard of N > 1
 *   cell,KEY[,KEY2],SUMMARY FIELDS,message
 *   CELL,VALUE[,VALUE2],REGIME,NUMBER OR EMPTY...,"MESSAGE"      one row per cell
 *
 * The header is written in one write, then each row in one write, in the shard's cell order.
 * So a file cut anywhere (a job killed or requeued, a node lost, a full disk) is a prefix of the
 * header, or the header and a run of complete rows followed by at most a partial line. The
 * reader takes nothing on trust: the header must be exactly the one `ibp sweep` writes for the
 * plan it describes, and every row must be the next cell of the shard with that cell's values. */
#ifndef IBP_CLI_SWEEP_FILE_H
#define IBP_CLI_SWEEP_FILE_H
#include <stddef.h>
#include <stdint.h>
#include "ibp.h"

/* The header text (malloc'd; NULL when out of memory). */
char *sweep_header_text(const char *version, const char *canon_base, const ibp_sweep *s, int shard,
                        int nshards);

/* One row, '\n' included (malloc'd; NULL when out of memory): the cell, its value of each
 * varied key, the run's summary (ibp_run_summary_csv) and its message, quoted ("" for a quote,
 * newlines dropped). summary NULL: the cell's run could not be created, message says why; the
 * row has the regime "error" and empty summary fields. */
char *sweep_row_text(const ibp_sweep *s, int64_t cell, const char *summary, const char *message);

/* Check one row, given as a line without its '\n': the cell number, the cell's value of each
 * varied key, a regime name, the other summary fields (each a number or empty), the quoted
 * message and nothing after it. Returns the row's cell, or -1 with the reason in why. */
int64_t sweep_row_check(const ibp_sweep *s, const char *line, size_t len, char *why, size_t whylen);

/* The header of a sweep file read back: the plan is made again from its config and vary lines,
 * and the header must be byte for byte the one sweep_header_text writes for that plan.
 * Returns 0, or -1 with the reason (the file is not a sweep file, or its header is cut). */
typedef struct sweep_head {
    ibp_sweep *plan;       /* owned; sweep_head_free */
    char *text;            /* the header (malloc'd, NUL-terminated) */
    size_t len;            /* its bytes in the file */
    int shard, nshards;    /* 1/1 when the file is not a shard */
    int cut;               /* the file ends inside the header (when -1 is returned) */
} sweep_head;
int sweep_head_read(const char *text, size_t len, sweep_head *h, char *why, size_t whylen);
void sweep_head_free(sweep_head *h);

/* The rows of a shard after its header: how many of the shard's cells, in order, are there as
 * complete, valid rows (*done), and the byte offset just past the last of them (returned).
 * What follows that offset is a partial line or damage; *tail says which: 0 nothing, 1 a partial
 * last line (no '\n'), 2 one or more complete lines that are not the next rows (why says
 * where and what). */
size_t sweep_rows_scan(const ibp_sweep *s, int shard, int nshards, const char *text, size_t len,
                       size_t start, int64_t *done, int *tail, char *why, size_t whylen);
#endif
