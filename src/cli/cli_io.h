/* cli_io.h -- shared by the `ibp` command's files (cli.c, cli_sweep.c): exit codes, input
 * files, text of the library's writers. */
#ifndef IBP_CLI_IO_H
#define IBP_CLI_IO_H
#include <stddef.h>
#include "ibp.h"

#define EXIT_DIVERGED 1
#define EXIT_BAD 2

char *read_file(const char *path, const char *what);   /* malloc'd text or NULL (message printed) */
int has_suffix(const char *s, const char *suf);
typedef size_t (*writer_fn)(const ibp_run *, char *, size_t);
char *text_of(const ibp_run *r, writer_fn fn);           /* malloc'd text of a library writer */
/* The image file of data=fashion_mnist: the file given (--images), else, when the config uses
 * data=fashion_mnist, $IBP_IMAGES, then data/fashion-mnist.ibpi beside the build directory of the
 * executable (build/data/, made by scripts/build), then the one of the tree it was built in.
 * Returns the opened images, or NULL: *rc = 0 when none are needed, EXIT_BAD (message printed)
 * when they cannot be read. */
ibp_images *cli_images(const char *path, const char *config, const char *argv0, int *rc);
#endif
