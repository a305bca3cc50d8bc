/* cli_sweep.h -- `ibp sweep` (cli_sweep.c), called by the command's main. */
#ifndef IBP_CLI_SWEEP_H
#define IBP_CLI_SWEEP_H
int cli_sweep(int argc, char **argv);
extern const char *cli_sweep_help;
#endif
