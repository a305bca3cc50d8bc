/* cli_merge.h -- `ibp merge` (cli_merge.c), called by the command's main. */
#ifndef IBP_CLI_MERGE_H
#define IBP_CLI_MERGE_H
int cli_merge(int argc, char **argv);
#endif
