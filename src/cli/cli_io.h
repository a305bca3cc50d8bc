/* cli_io.h -- shared by the `ibp` command's files (cli.c, cli_sweep.c): exit codes, input
 * files, text of the library's writers. */
#ifndef IBP_CLI_IO_H
#define IBP_CLI_IO_H
#include <stddef.h>
#include <stdio.h>
#include "ibp.h"

#define EXIT_DIVERGED 1
#define EXIT_BAD 2

/* Inputs: regular files of at most IBP_CLI_MAX_FILE bytes; malloc'd text, or NULL with the
 * message printed (a directory, a device, an empty or missing file, a NUL byte, ...). */
#define IBP_CLI_MAX_FILE 1073741824.0
char *read_file(const char *path, const char *what);
/* The whole of an open file from offset 0 (malloc'd, NUL after len bytes, NUL bytes inside kept),
 * or NULL (errno set); nothing printed. */
char *read_fd_all(int fd, size_t *len);
/* Outputs: every write and the close are checked; the first failure prints a message and every
 * later call returns EXIT_BAD. path NULL = stdout. replace != 0 writes a regular file through a
 * temporary one renamed over it by out_close(o, keep = 1), so a failure leaves the old file. */
typedef struct outfile { FILE *f; const char *path; char *tmp; int failed; } outfile;
int out_open(outfile *o, const char *path, int replace); /* 0 or EXIT_BAD (message printed) */
int out_write(outfile *o, const char *text, size_t len);
int out_puts(outfile *o, const char *text);
int out_printf(outfile *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int out_flush(outfile *o);                                /* 0 or EXIT_BAD */
int out_close(outfile *o, int keep);                      /* 0 or EXIT_BAD */
int has_suffix(const char *s, const char *suf);
/* The files a command names: an option, its path (an output's NULL = the standard output; an
 * input's NULL = not given) and whether the command writes it. */
typedef struct cli_file { const char *option; const char *path; int output; } cli_file;
/* 0 when no output is the same file as another output or as an input; else EXIT_BAD with a
 * message naming both options and the file. Compared by the paths as given, by device and inode
 * when the files exist (a symlink, ./o.csv, a hard link), and by directory and name when they do
 * not yet. A character device (/dev/null, a terminal) is never "the same file": nothing written
 * there is kept, so nothing is lost. */
int cli_files_distinct(const cli_file *files, int n);
int print_stdout(const char *text);
/* text with its control characters written visibly (\r, \t, \n, \xNN): a message quoting a line
 * of a file must not hide a CR. */
void fputs_visible(const char *text, FILE *f);                      /* 0 or EXIT_BAD (message printed) */
typedef size_t (*writer_fn)(const ibp_run *, char *, size_t);
char *text_of(const ibp_run *r, writer_fn fn);           /* malloc'd text of a library writer */
/* The canonical form of a config (malloc'd, any length), or NULL when it does not parse. */
char *canonical_of(const char *config);
/* The config argument: the text itself, or for @FILE the file's (read_file; NULL with the message
 * printed). *owned is what to free. */
const char *config_arg(const char *arg, char **owned);
/* A whole number in [lo, hi] written as digits (a sign allowed), or -1 with nothing printed. */
long whole_arg(const char *text, long lo, long hi);
/* The image file of data=fashion_mnist: the file given (--images), else, when the config uses
 * data=fashion_mnist, $IBP_IMAGES, then data/fashion-mnist.ibpi beside the build directory of the
 * executable (build/data/, made by scripts/build), then the one of the tree it was built in.
 * Returns the opened images, or NULL: *rc = 0 when none are needed, EXIT_BAD (message printed)
 * when they cannot be read. */
ibp_images *cli_images(const char *path, const char *config, const char *argv0, int *rc);
#endif
