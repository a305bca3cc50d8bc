/* cli_sweep_estimate.h -- the estimated time of a sweep (cli_sweep_estimate.c). */
#ifndef IBP_CLI_SWEEP_ESTIMATE_H
#define IBP_CLI_SWEEP_ESTIMATE_H
#include <stdint.h>
#include "ibp.h"
/* The canonical config of cell `cell` of the sweep (malloc'd; "" when the cell is not a valid
 * config): what a probe measures here and what cli_sweep.c runs. */
char *cli_sweep_cell_config(const ibp_sweep *s, long cell);
/* The estimated seconds of every cell, summed: over the whole sweep (*all), over the cells of
 * shard `shard` of nshards (*mine) and of them those from its j0-th on (*rest), and the most of
 * any one shard (*most). whole = 0: only this shard's cells are probed (*all and *most are then
 * this shard's too). images: the image file of data=fashion_mnist, or NULL. */
void cli_sweep_estimate(const ibp_sweep *s, ibp_images *images, int shard, int nshards, int64_t j0, int whole,
                        double *all, double *mine, double *rest, double *most);
#endif
