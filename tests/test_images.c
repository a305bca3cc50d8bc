/* test_images.c -- the image file and data=fashion_mnist against the file's bytes read here:
 *   - the file scripts/build makes: header, counts, 500 / 100 images per class, interleaved by
 *     class, the checksum recomputed here;
 *   - ibp_images_get returns the file's pixels and labels; the info JSON names the classes;
 *   - a run's training and test sets: pixels = block sums / (255 f^2) computed here from the raw
 *     bytes (the same operations, so the same bits), centring by the mean image computed here,
 *     the first n images of the chosen classes in file order, +-1 / one-hot targets;
 *   - refusals: a damaged byte (checksum), a truncated file, a wrong magic, n or n_test above what
 *     the classes have, no image file, loss=logistic on ten classes; each names what is wrong. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "testlib.h"

static unsigned char *file;
static size_t flen;

static unsigned u32(const unsigned char *p) { return p[0] | p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24; }

static ibp_images *open_bytes(const unsigned char *b, size_t n, char *err, size_t errlen, int *rc) {
    ibp_images *img = NULL;
    *rc = ibp_images_open(&img, b, n, err, errlen);
    return img;
}

static ibp_run *make(const char *cfg, const ibp_images *img, char *err, size_t errlen, int *rc) {
    ibp_run *r = NULL;
    ibp_run_desc d = {.config = cfg, .images = img};
    *rc = ibp_run_create(&r, &d, err, errlen);
    return r;
}

/* the expected x of image `index` of a set at image size s, from the raw bytes */
static void expect_pixels(int set, int index, int s, double *x) {
    unsigned head = u32(file + 8), ntr = u32(file + 12), nte = u32(file + 16);
    const unsigned char *px = file + head + ntr + nte + ((size_t)(set ? ntr : 0) + (size_t)index) * 784;
    int f = 28 / s;
    for (int r = 0; r < s; r++)
        for (int q = 0; q < s; q++) {
            int sum = 0;
            for (int i = 0; i < f; i++)
                for (int j = 0; j < f; j++) sum += px[(r * f + i) * 28 + q * f + j];
            x[r * s + q] = (double)sum / (255.0 * f * f);
        }
}
static int label_of(int set, int index) {
    unsigned head = u32(file + 8), ntr = u32(file + 12);
    return file[head + (set ? ntr : 0) + index];
}

/* check a run's data set against the file: classes cls[0..nc), image size s, center */
static void check_set(const char *cfg, const int *cls, int nc, int s, int center, int ce) {
    char err[512];
    int rc;
    ibp_images *img = open_bytes(file, flen, err, sizeof err, &rc);
    ibp_run *r = make(cfg, img, err, sizeof err, &rc);
    T_CHECK(rc == IBP_OK, "%s: %s", cfg, err);
    if (rc) { ibp_images_close(img); return; }
    const ibp__data *D = &r->D;
    int d = s * s, k = nc == 2 && !ce ? 1 : nc;
    T_CHECK(D->d == d && D->k == k, "%s: d %d k %d", cfg, D->d, D->k);
    double *want = malloc(sizeof(double) * (size_t)d * (D->n + D->n_test)), *mean = calloc((size_t)d, sizeof(double));
    int bad_px = 0, bad_y = 0, count[10] = {0};
    for (int set = 0; set < 2; set++) {
        int n = set ? D->n_test : D->n, got = 0, total = set ? 1000 : 5000;
        for (int i = 0; i < total && got < n; i++) {
            int lab = label_of(set, i), q = -1;
            for (int c = 0; c < nc; c++) if (cls[c] == lab) q = c;
            if (q < 0) continue;
            double *x = want + (size_t)(set ? D->n + got : got) * d;
            expect_pixels(set, i, s, x);
            const double *y = (set ? D->yt : D->y) + (size_t)got * k;
            if (k == 1) bad_y += y[0] != (q == 0 ? 1.0 : -1.0);
            else for (int c = 0; c < k; c++) bad_y += y[c] != (c == q ? 1.0 : 0.0);
            if (!set) count[q]++;
            got++;
        }
    }
    if (center) {
        for (int i = 0; i < D->n; i++) for (int j = 0; j < d; j++) mean[j] += want[(size_t)i * d + j];
        for (int j = 0; j < d; j++) mean[j] = mean[j] / (double)D->n;
        for (int i = 0; i < D->n + D->n_test; i++) for (int j = 0; j < d; j++) want[(size_t)i * d + j] -= mean[j];
    }
    for (int i = 0; i < D->n; i++) bad_px += memcmp(want + (size_t)i * d, D->x + (size_t)i * d, sizeof(double) * d) != 0;
    for (int i = 0; i < D->n_test; i++)
        bad_px += memcmp(want + (size_t)(D->n + i) * d, D->xt + (size_t)i * d, sizeof(double) * d) != 0;
    T_CHECK(bad_px == 0, "%s: %d images differ from the file's pixels", cfg, bad_px);
    T_CHECK(bad_y == 0, "%s: %d targets differ", cfg, bad_y);
    /* what a viewer reads: ibp_run_sample (the file's pixels, as above) and the layout's classes and shape */
    int bad_s = 0;
    double *xs = malloc(sizeof(double) * (size_t)d), ys[10];
    for (int set = 0; set < 2; set++)
        for (int i = 0; i < (set ? D->n_test : D->n); i++)
            bad_s += ibp_run_sample(r, set, i, xs, ys) != IBP_OK ||
                     memcmp(xs, want + (size_t)(set ? D->n + i : i) * d, sizeof(double) * (size_t)d) != 0 ||
                     memcmp(ys, (set ? D->yt : D->y) + (size_t)i * k, sizeof(double) * (size_t)k) != 0;
    T_CHECK(bad_s == 0 && ibp_run_sample(r, 0, D->n, xs, NULL) == IBP_E_ARG && ibp_run_sample(r, 1, -1, NULL, NULL) == IBP_E_ARG,
            "%s: ibp_run_sample: %d samples differ, or one outside the sets was given", cfg, bad_s);
    free(xs);
    char lay[4096], want_cls[64], want_in[64];
    int len = snprintf(want_cls, sizeof want_cls, "\"classes\":[");
    for (int c = 0; c < nc; c++) len += snprintf(want_cls + len, sizeof want_cls - (size_t)len, "%s%d", c ? "," : "", cls[c]);
    snprintf(want_cls + len, sizeof want_cls - (size_t)len, "]");
    snprintf(want_in, sizeof want_in, "\"input\":{\"d\":%d,\"shape\":[%d,%d,1],\"order\":\"y,x,channel\"}", d, s, s);
    size_t need = ibp_run_layout_json(r, lay, sizeof lay);
    T_CHECK(need < sizeof lay && strstr(lay, want_cls) && strstr(lay, want_in), "%s: layout %s", cfg, lay);
    for (int c = 0; c < nc; c++)
        T_CHECK(abs(count[c] - D->n / nc) <= 1, "%s: class %d has %d of %d images (balanced?)", cfg, cls[c], count[c], D->n);
    if (center) {
        double m0 = 0;
        for (int i = 0; i < D->n; i++) m0 += D->x[(size_t)i * d + d / 2];
        T_CHECK(fabs(m0 / D->n) <= 1e-15, "%s: the centred pixel's mean is %.3g", cfg, m0 / D->n);
    } else {
        double lo = 1, hi = 0;
        for (long i = 0; i < (long)D->n * d; i++) { lo = fmin(lo, D->x[i]); hi = fmax(hi, D->x[i]); }
        T_CHECK(lo >= 0 && hi <= 1 && hi > 0.9, "%s: pixels in [%g, %g], expected [0, 1]", cfg, lo, hi);
    }
    free(want); free(mean);
    ibp_run_destroy(r);
    ibp_images_close(img);
}

int main(void) {
    FILE *f = fopen(IBP_TEST_IMAGES, "rb");
    T_CHECK(f != NULL, "the image file %s is missing: run scripts/build", IBP_TEST_IMAGES);
    if (!f) return t_summary();
    fseek(f, 0, SEEK_END);
    flen = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    file = malloc(flen);
    T_CHECK(fread(file, 1, flen, f) == flen, "read");
    fclose(f);

    /* the file as written by scripts/build-images.mjs */
    unsigned head = u32(file + 8), ntr = u32(file + 12), nte = u32(file + 16);
    T_CHECK(!memcmp(file, "IBPIMG1\n", 8) && ntr == 5000 && nte == 1000 && u32(file + 20) == 28 && u32(file + 24) == 28 &&
            u32(file + 28) == 10 && head == 36 + u32(file + 32), "header");
    T_CHECK(flen == head + 6000 + 6000 * 784 + 8, "length %zu", flen);
    uint64_t h = 0xcbf29ce484222325ull, sum = 0;
    for (size_t i = 0; i < flen - 8; i++) h = (h ^ file[i]) * 0x100000001b3ull;
    for (int i = 7; i >= 0; i--) sum = sum << 8 | file[flen - 8 + (size_t)i];
    T_CHECK(h == sum, "checksum");
    int interleaved = 1;
    for (int i = 0; i < 5000; i++) interleaved &= label_of(0, i) == i % 10;
    for (int i = 0; i < 1000; i++) interleaved &= label_of(1, i) == i % 10;
    T_CHECK(interleaved, "image j has class j mod 10");

    char err[512];
    int rc;
    ibp_images *img = open_bytes(file, flen, err, sizeof err, &rc);
    T_CHECK(rc == IBP_OK && img, "open: %s", err);
    unsigned char px[784];
    int same = 1;
    for (int i = 0; i < 6000; i += 37) {
        int set = i >= 5000, idx = set ? i - 5000 : i;
        int lab = ibp_images_get(img, set, idx, px, sizeof px);
        same &= lab == label_of(set, idx) && !memcmp(px, file + head + 6000 + (size_t)i * 784, 784);
    }
    T_CHECK(same, "ibp_images_get returns the file's labels and pixels");
    T_CHECK(ibp_images_get(img, 0, 5000, px, sizeof px) == IBP_E_ARG && ibp_images_get(img, 1, -1, NULL, 0) == IBP_E_ARG &&
            ibp_images_get(img, 0, 0, px, 783) == IBP_E_ARG, "out-of-range images and short buffers are refused");
    char info[4096];
    size_t need = ibp_images_info_json(img, info, sizeof info);
    T_CHECK(need < sizeof info && strstr(info, "\"classes\":[\"T-shirt/top\",\"Trouser\"") && strstr(info, "\"Ankle boot\"]") &&
            strstr(info, "\"train_per_class\":[500,500,500,500,500,500,500,500,500,500]") &&
            strstr(info, "\"test_per_class\":[100,"), "info: %s", info);

    /* data sets */
    const int two[2] = {0, 6}, three[3] = {9, 1, 4}, all[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    check_set("data=fashion_mnist&classes=0,6&n=300&n_test=50&steps=0&measure=0", two, 2, 28, 0, 0);
    check_set("data=fashion_mnist&image_size=14&classes=0,6&n=300&loss=ce&steps=0&measure=0", two, 2, 14, 0, 1);
    check_set("model=cnn&data=fashion_mnist&image_size=7&classes=9,1,4&n=1500&n_test=300&center=1&steps=0&measure=0", three, 3,
              7, 1, 0);
    check_set("model=linear&data=fashion_mnist&image_size=14&n=5000&n_test=1000&center=1&steps=0&measure=0", all, 10, 14, 1, 0);

    /* refusals */
    struct { const char *cfg, *msg; } bad[] = {
        {"data=fashion_mnist&classes=0,6&n=1001&steps=0&measure=0", "n=1001: the Fashion-MNIST subset has 1000 training images of classes 0,6 (500 per class)"},
        {"data=fashion_mnist&classes=3,4,5&n_test=301&steps=0&measure=0", "n_test=301"},
        {"data=fashion_mnist&n=5001&steps=0&measure=0", "n=5001: the Fashion-MNIST subset has 5000 training images of all ten classes (500 per class): use n <= 5000"},
        {"data=fashion_mnist&n_test=1001&steps=0&measure=0", "n_test=1001: the Fashion-MNIST subset has 1000 test images of all ten classes (100 per class): use n_test <= 1000"},
        {"data=fashion_mnist&loss=logistic&steps=0", "give two classes"},
        {"data=fashion_mnist&classes=2&steps=0", "classes has one class"},
        {"data=fashion_mnist&classes=2,2&steps=0", "lists class 2 twice"},
        {"data=fashion_mnist&classes=0,10&steps=0", "classes=10 is out of range: classes must be an integer in [0, 9]"},
        {"data=fashion_mnist&image_size=8&steps=0", "allowed values are 28, 14, 7"},
        {"data=fashion_mnist&d=49&steps=0", "d does not apply here"},
        {"data=fashion_mnist&opt=sgd&sample=online&steps=0", "a fixed set of images"},
        {"model=cnn&data=fashion_mnist&in_shape=1,7,7&steps=0", "in_shape=1,28,28"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ibp_run *r = make(bad[i].cfg, img, err, sizeof err, &rc);
        T_CHECK(rc != IBP_OK && !r && strstr(err, bad[i].msg), "%s: rc %d, \"%s\"", bad[i].cfg, rc, err);
    }
    ibp_run *r = make("data=fashion_mnist&steps=0", NULL, err, sizeof err, &rc);
    T_CHECK(rc == IBP_E_DATA && strstr(err, "needs the image file"), "no images: %s", err);
    unsigned char *copy = malloc(flen);
    memcpy(copy, file, flen);
    copy[head + 3000] ^= 1; /* a label bit */
    ibp_images *x = open_bytes(copy, flen, err, sizeof err, &rc);
    T_CHECK(rc == IBP_E_DATA && !x && strstr(err, "checksum"), "a damaged byte: %s", err);
    x = open_bytes(file, flen - 1000, err, sizeof err, &rc);
    T_CHECK(rc == IBP_E_DATA && !x && strstr(err, "truncated or damaged"), "truncated: %s", err);
    memcpy(copy, file, flen);
    copy[6] = '2';
    x = open_bytes(copy, flen, err, sizeof err, &rc);
    T_CHECK(rc == IBP_E_DATA && !x && strstr(err, "does not start with IBPIMG1"), "magic: %s", err);
    x = open_bytes(file, 10, err, sizeof err, &rc);
    T_CHECK(rc == IBP_E_DATA && !x && strstr(err, "too short"), "short: %s", err);
    /* the images object keeps its own copy: the caller's bytes may go */
    memcpy(copy, file, flen);
    x = open_bytes(copy, flen, err, sizeof err, &rc);
    memset(copy, 0, flen);
    free(copy);
    check_set("data=fashion_mnist&classes=0,6&n=10&steps=0&measure=0", two, 2, 28, 0, 0);
    r = make("data=fashion_mnist&classes=0,6&n=10&steps=0&measure=0", x, err, sizeof err, &rc);
    T_CHECK(rc == IBP_OK && r->D.y[0] == 1 && r->D.y[1] == -1, "after freeing the bytes: %s", err);
    ibp_run_destroy(r);
    ibp_images_close(x);
    ibp_images_close(img);
    ibp_images_close(NULL);
    free(file);
    return t_summary();
}
