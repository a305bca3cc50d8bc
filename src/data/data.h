/* data.h -- the data layer: generators and online sampling (data_gen.c), CSV reading and
 * writing (data_csv.c), image files and the image data sets (images.c). */
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
/* Bind D to storage (ibp__data_doubles of them) and generate or load the data (img: the image
 * file for data=fashion_mnist, else unused). */
int ibp__data_build(ibp__data *D, const ibp__config *c, const char *csv, const ibp__csvinfo *info,
                    const ibp_images *img, double *storage, char *err, size_t errlen);
/* Read the next row of validated CSV text, skipping blank lines: its first d numbers into x (d,)
 * and the last k into y (k,); with x == NULL skip the header line instead. Returns where the
 * following line starts. */
const char *ibp__csv_next_row(const char *p, int d, int k, double *x, double *y);
/* Online sampling: n fresh samples from the data distribution (teacher + noise, ...). */
void ibp__data_sample(const ibp__data *D, const ibp__config *c, ibp_rng *rng, int n, double *x,
                      double *y);
/* Write a set as CSV ("x1,...,xd,y1,...,yk" header, shortest round-trip numbers). */
size_t ibp__data_csv(const ibp__data *D, int test, char *buf, size_t cap);

/* ---- image files (images.c) ---- */
#define IBP__IMG_MAXCLS 16 /* class names kept (the file may have up to 256 classes) */
struct ibp_images {       /* a validated image file (ibp_images_open); the bytes follow the struct */
    size_t len;
    int n_train, n_test, rows, cols, nclasses;
    const char *text;     /* the "key: value" lines (text_len bytes, not NUL-terminated) */
    size_t text_len;
    const unsigned char *labels[2], *pixels[2]; /* [0] training, [1] test */
    char names[IBP__IMG_MAXCLS][32];
};
/* Is the file a Fashion-MNIST file with enough images of the config's classes for n and n_test? */
int ibp__images_check(const ibp_images *img, const ibp__config *c, char *err, size_t errlen);
/* The training set x (n, d), y (n, k) and test set xt, yt of data=fashion_mnist (see images.c);
 * mean (d,) receives the mean image when center=1. */
void ibp__images_build(const ibp_images *img, const ibp__config *c, int n, int nt, int k, double *x, double *y,
                       double *xt, double *yt, double *mean);

#endif /* IBP_DATA_H */
