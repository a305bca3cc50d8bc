/* conf.h -- the conformance suite's reporting: every science.md criterion is checked with its
 * measured figure printed next to it, and the results are written as JSON (for the gallery site)
 * to $IBP_CONF_OUT/<experiment>.json when that variable is set.
 *
 *   conf_begin("G1", "Lewkowycz et al. 2020");
 *   conf_check(ok, "y=0 c=2.5 seed=3", "lambda_T/lambda0", value, "in [0.49, 0.53]");
 *   conf_figure("y=0 c=2.5", "lambda_T/lambda0 (mean over seeds)", mean);   // extra figures
 *   return conf_end();                                  // prints "N passed, N failed"
 *
 * A criterion that fails on code we believe right is NOT loosened: it is reported with
 * conf_deviation (printed as DEVIATION with the explanation, written to the JSON, listed in the
 * README's findings) and does not fail the run. Use it only after checking conventions, and
 * say why in `why`. */
#ifndef IBP_CONF_H
#define IBP_CONF_H
#include "ibp.h"

void conf_begin(const char *experiment, const char *paper);
/* A criterion: pass/fail, where (config/seed), what was measured, its value, the criterion text. */
int conf_check(int ok, const char *where, const char *what, double value, const char *criterion);
/* A failed criterion kept visible but not failing the suite, with the reason. */
void conf_deviation(int ok, const char *where, const char *what, double value, const char *criterion,
                    const char *why);
/* A figure for the site (no pass/fail). */
void conf_figure(const char *where, const char *what, double value);
int conf_end(void); /* writes the JSON, prints the summary, returns the exit code */

/* Helpers shared by the experiments. */
ibp_run *conf_run(const char *config);                  /* create or die with the message */
/* The same with the image file of data=fashion_mnist (build/data/fashion-mnist.ibpi, made by
 * scripts/build; $IBP_IMAGES overrides it), opened once. */
ibp_run *conf_run_images(const char *config);
/* Run to the end collecting the named columns (NaN where not measured) into a malloc'd array
 * (nrows, ncols); returns it and sets *nrows. */
double *conf_collect(ibp_run *r, const char **names, int ncols, long *nrows);
int conf_monotone(const double *loss, long n, long stride, long from, long to); /* science.md rule */
#endif
