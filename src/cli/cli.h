/* cli.h -- shared between the `ibp` command's files (cli.c, cli_sweep.c). */
#ifndef IBP_CLI_H
#define IBP_CLI_H
#include <stddef.h>
#include "ibp.h"

#define EXIT_DIVERGED 1
#define EXIT_BAD 2

char *read_file(const char *path, const char *what);   /* malloc'd text or NULL (message printed) */
int has_suffix(const char *s, const char *suf);
typedef size_t (*writer_fn)(const ibp_run *, char *, size_t);
char *text_of(const ibp_run *r, writer_fn fn);           /* malloc'd text of a library writer */
int cli_sweep(int argc, char **argv);
int cli_merge(int argc, char **argv);
extern const char *cli_sweep_help;
#endif
