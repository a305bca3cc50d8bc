/* cli_help.h -- `ibp help` (cli_help.c). */
#ifndef IBP_CLI_HELP_H
#define IBP_CLI_HELP_H
extern const char *const cli_usage;
/* Print the help of a topic (NULL: the usage) on stdout: 0, or EXIT_BAD (message printed). */
int cli_help(const char *topic);
#endif
