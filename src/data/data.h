/* data.h -- the data layer: generators and online sampling (data_gen.c), CSV reading and
 * writing (data_csv.c). */
#ifndef IBP_DATA_H
#define IBP_DATA_H
#include "config/config.h"
#include "numerics/numerics.h"

/* Data (data.c). Inputs (n, d) and targets (n, k) row-major; classification targets are +-1. */
typedef struct ibp__csvinfo { int rows, cols; } ibp__csvinfo;
/* Validate CSV text (header row, then numeric rows; the last k columns are targets) and count
 * it. Errors name the line and column: "data CSV line 7, column 3 ("x2"): "abc" is not a number". */
int ibp__csv_scan(const char *text, int k, ibp__csvinfo *info, char *err, size_t errlen);

typedef struct ibp__data {
    int n, n_test, d, k;
    double *x, *y;       /* (n, d), (n, k) training set */
    double *xt, *yt;     /* (n_test, d), (n_test, k) test set */
    double *wstar;       /* (d, k) OLS solution of the training set when it exists, else NULL */
    double *gen;         /* generator state for online sampling. teacher: sqrt(s_i) (d), target
                          * mean (k), std (k), then W (d,k) (linear), B (d,k) (sin) or W1 (width,d)
                          * and W2 (k,width) (tanh_mlp); separable/flip: unit w (d). */
    int online_ok;       /* the generator can draw fresh samples */
} ibp__data;
/* Doubles needed for storage + generator state + scratch (from the config and the CSV info). */
size_t ibp__data_doubles(const ibp__config *c, const ibp__csvinfo *csv);
/* Bind D to storage (ibp__data_doubles of them) and generate or load the data. */
int ibp__data_build(ibp__data *D, const ibp__config *c, const char *csv, const ibp__csvinfo *info,
                    double *storage, char *err, size_t errlen);
/* Read the next row of validated CSV text, skipping blank lines: its first d numbers into x (d,)
 * and the last k into y (k,); with x == NULL skip the header line instead. Returns where the
 * following line starts. */
const char *ibp__csv_next_row(const char *p, int d, int k, double *x, double *y);
/* Online sampling: n fresh samples from the data distribution (teacher + noise, ...). */
void ibp__data_sample(const ibp__data *D, const ibp__config *c, ibp_rng *rng, int n, double *x,
                      double *y);
/* Write a set as CSV ("x1,...,xd,y1,...,yk" header, shortest round-trip numbers). */
size_t ibp__data_csv(const ibp__data *D, int test, char *buf, size_t cap);

#endif /* IBP_DATA_H */
