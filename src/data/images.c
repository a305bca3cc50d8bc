/* images.c -- image data sets: the reader of the engine's image file, and the training and test
 * sets data=fashion_mnist builds from it.
 *
 * The file (written by scripts/build-images.mjs; all integers little-endian):
 *   0   "IBPIMG1\n"                         magic
 *   8   u32 header_bytes                    36 + text_bytes
 *   12  u32 n_train, u32 n_test             images in each set (each <= 1000000)
 *   20  u32 rows, u32 cols                  pixels per image (each in 1..1024)
 *   28  u32 n_classes                       2..256
 *   32  u32 text_bytes                      <= 65536
 *   36  text                                "key: value" lines, e.g. "classes: T-shirt/top|Trouser|..."
 *       u8 labels[n_train], u8 labels[n_test]   each < n_classes
 *       u8 pixels[n_train][rows][cols], u8 pixels[n_test][rows][cols]   0 = black, 255 = white
 *   end u64 FNV-1a 64 of every byte before it
 * Nothing is trusted: every size is checked against the length before it is used, the total must
 * match exactly, and the checksum catches a truncated or damaged download. tests/fuzz/fuzz_images.c
 * feeds the reader arbitrary bytes.
 *
 * The data set of a run (ibp__images_build): the first n training images whose label is one of
 * `classes`, in file order, and likewise n_test test images. The file interleaves the classes
 * (image j has class j mod 10), so any class subset comes out balanced. Pixels become
 * sum / (255 f^2) over f x f blocks (f = 28 / image_size): an exact integer sum and one division,
 * the same bits everywhere; center=1 then subtracts the training set's mean image (summed over
 * the images in order). Targets: +1 / -1 for two classes (the first listed is +1), else one-hot
 * in the order of `classes`. */
#include <stdlib.h>
#include <string.h>
#include "data/data.h"

#define IBP__IMG_HEAD 36

static uint32_t ibp__u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ibp__fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

#define IBP__IERR(...) ibp__fail(err, errlen, IBP_E_DATA, __VA_ARGS__)

/* The class names from the text's "classes: a|b|..." line into names (n_classes x 32, NUL-
 * terminated, truncated); "0", "1", ... when there is no such line. */
static void ibp__img_names(const unsigned char *text, size_t tn, int ncls, char names[][32]) {
    for (int c = 0; c < ncls; c++) {
        int v = c, l = 0;
        char tmp[8];
        do { tmp[l++] = (char)('0' + v % 10); v /= 10; } while (v);
        for (int i = 0; i < l; i++) names[c][i] = tmp[l - 1 - i];
        names[c][l] = '\0';
    }
    static const char key[] = "classes: ";
    size_t kl = sizeof key - 1;
    for (size_t p = 0; p + kl <= tn; p++) {
        if ((p > 0 && text[p - 1] != '\n') || memcmp(text + p, key, kl) != 0) continue;
        size_t q = p + kl;
        for (int c = 0; c < ncls && q < tn && text[q] != '\n'; c++) {
            size_t o = 0;
            while (q < tn && text[q] != '|' && text[q] != '\n') {
                if (o + 1 < 32) names[c][o++] = (char)text[q];
                q++;
            }
            names[c][o] = '\0';
            if (q < tn && text[q] == '|') q++;
        }
        return;
    }
}

int ibp_images_open(ibp_images **out, const void *bytes, size_t len, char *err, size_t errlen) {
    *out = NULL;
    const unsigned char *b = bytes;
    if (!b || len < IBP__IMG_HEAD + 8)
        return IBP__IERR("image file: %zu bytes, too short to be an image file (it starts with a %d-byte header)", len,
                         IBP__IMG_HEAD);
    if (memcmp(b, "IBPIMG1\n", 8) != 0)
        return IBP__IERR("image file: it does not start with IBPIMG1 (not an image file of this engine: make one "
                         "with scripts/build-images.mjs)");
    uint32_t head = ibp__u32(b + 8), ntr = ibp__u32(b + 12), nte = ibp__u32(b + 16), rows = ibp__u32(b + 20),
             cols = ibp__u32(b + 24), ncls = ibp__u32(b + 28), tn = ibp__u32(b + 32);
    if (tn > 65536 || head != IBP__IMG_HEAD + tn)
        return IBP__IERR("image file: the header says %u text bytes and a %u-byte header (the text must be at most "
                         "65536 bytes and the header 36 bytes longer)", tn, head);
    if (ntr > 1000000 || nte > 1000000 || ntr + nte == 0)
        return IBP__IERR("image file: %u training and %u test images (each at most 1000000, not both 0)", ntr, nte);
    if (rows < 1 || rows > 1024 || cols < 1 || cols > 1024)
        return IBP__IERR("image file: images of %u x %u pixels (each side must be in 1..1024)", rows, cols);
    if (ncls < 2 || ncls > 256) return IBP__IERR("image file: %u classes (2..256 allowed)", ncls);
    /* 64-bit arithmetic: at most 2e6 * (1 + 2^20) bytes, no overflow */
    uint64_t nimg = (uint64_t)ntr + nte, want = (uint64_t)head + nimg + nimg * rows * cols + 8;
    if ((uint64_t)len != want)
        return IBP__IERR("image file: %zu bytes, but its header describes %llu (%u + %u images of %u x %u pixels): "
                         "the file is truncated or damaged", len, (unsigned long long)want, ntr, nte, rows, cols);
    uint64_t sum = 0;
    for (int i = 7; i >= 0; i--) sum = sum << 8 | b[len - 8 + (size_t)i];
    if (ibp__fnv1a(b, len - 8) != sum)
        return IBP__IERR("image file: the checksum does not match: the file is damaged (rebuild it with "
                         "scripts/build-images.mjs, or download it again)");
    const unsigned char *lab = b + head;
    for (uint64_t i = 0; i < nimg; i++)
        if (lab[i] >= ncls)
            return IBP__IERR("image file: %s image %llu has label %u, but there are %u classes",
                             i < ntr ? "training" : "test", (unsigned long long)(i < ntr ? i : i - ntr), lab[i], ncls);
    for (uint32_t i = 0; i < tn; i++)
        if (b[IBP__IMG_HEAD + i] == 0) return IBP__IERR("image file: the text part contains a NUL byte");
    ibp_images *img = malloc(sizeof *img + len);
    if (!img) return ibp__fail(err, errlen, IBP_E_NOMEM, "image file: out of memory for %zu bytes", len);
    memset(img, 0, sizeof *img);
    unsigned char *copy = (unsigned char *)(img + 1);
    memcpy(copy, b, len);
    img->len = len;
    img->n_train = (int)ntr; img->n_test = (int)nte;
    img->rows = (int)rows; img->cols = (int)cols; img->nclasses = (int)ncls;
    img->text = (const char *)copy + IBP__IMG_HEAD;
    img->text_len = tn;
    img->labels[0] = copy + head;
    img->labels[1] = copy + head + ntr;
    img->pixels[0] = copy + head + nimg;
    img->pixels[1] = img->pixels[0] + (size_t)ntr * rows * cols;
    ibp__img_names(copy + IBP__IMG_HEAD, tn, (int)(ncls < IBP__IMG_MAXCLS ? ncls : IBP__IMG_MAXCLS), img->names);
    *out = img;
    return IBP_OK;
}

void ibp_images_close(ibp_images *img) { free(img); }

static void ibp__json_text(ibp__buf *b, const char *s, size_t n) {
    ibp__buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char one[2] = {(char)ch, 0};
        if (ch == '"' || ch == '\\') { ibp__buf_puts(b, "\\"); ibp__buf_puts(b, one); }
        else if (ch == '\n') ibp__buf_puts(b, "\\n");
        else if (ch < 0x20 || ch >= 0x7f) ibp__buf_printf(b, "\\u%04x", ch); /* bytes, not UTF-8 sequences */
        else ibp__buf_puts(b, one);
    }
    ibp__buf_puts(b, "\"");
}

size_t ibp_images_info_json(const ibp_images *img, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    ibp__buf_printf(&b, "{\"format\":\"ibp-images-1\",\"train\":%d,\"test\":%d,\"rows\":%d,\"cols\":%d,\"classes\":[",
                    img->n_train, img->n_test, img->rows, img->cols);
    for (int c = 0; c < img->nclasses; c++) {
        if (c) ibp__buf_puts(&b, ",");
        const char *nm = c < IBP__IMG_MAXCLS ? img->names[c] : "";
        ibp__json_text(&b, nm, strlen(nm));
    }
    for (int set = 0; set < 2; set++) {
        ibp__buf_printf(&b, "],\"%s_per_class\":[", set ? "test" : "train");
        int n = set ? img->n_test : img->n_train;
        for (int c = 0; c < img->nclasses; c++) {
            int k = 0;
            for (int i = 0; i < n; i++) k += img->labels[set][i] == c;
            ibp__buf_printf(&b, "%s%d", c ? "," : "", k);
        }
    }
    ibp__buf_puts(&b, "],\"text\":");
    ibp__json_text(&b, img->text, img->text_len);
    ibp__buf_puts(&b, "}");
    return ibp__buf_finish(&b);
}

int ibp_images_get(const ibp_images *img, int test, int index, unsigned char *pixels, size_t cap) {
    int n = test ? img->n_test : img->n_train;
    size_t px = (size_t)img->rows * img->cols;
    if (index < 0 || index >= n || (pixels && cap < px)) return IBP_E_ARG;
    if (pixels) memcpy(pixels, img->pixels[test ? 1 : 0] + (size_t)index * px, px);
    return img->labels[test ? 1 : 0][index];
}

/* ------------------------------------------------------------------------------------------ */
/* The data set of a run */

int ibp__images_check(const ibp_images *img, const ibp__config *c, char *err, size_t errlen) {
    if (!img)
        return IBP__IERR("data=fashion_mnist needs the image file: the CLI reads it (ibp run --images FILE; by default "
                         "build/data/fashion-mnist.ibpi, made by scripts/build), the page loads data/fashion-mnist.ibpi");
    int s = ibp__config_image_size(c);
    if (img->rows != 28 || img->cols != 28 || img->nclasses != 10)
        return IBP__IERR("data=fashion_mnist: the image file has %dx%d images in %d classes, not 28x28 in 10",
                         img->rows, img->cols, img->nclasses);
    if (28 % s) return IBP__IERR("image_size=%d does not divide 28", s);
    int nc = ibp__config_nclasses(c), have[2] = {0, 0};
    for (int set = 0; set < 2; set++) {
        int n = set ? img->n_test : img->n_train;
        for (int i = 0; i < n; i++)
            for (int q = 0; q < nc; q++) have[set] += img->labels[set][i] == ibp__config_class(c, q);
    }
    char list[64] = "all ten classes";
    if (c->classes.n) {
        ibp__buf lb = {list, sizeof list, 0};
        ibp__buf_puts(&lb, "classes ");
        for (int q = 0; q < nc; q++) ibp__buf_printf(&lb, "%s%d", q ? "," : "", ibp__config_class(c, q));
        ibp__buf_finish(&lb);
    }
    if (c->n > have[0])
        return IBP__IERR("n=%d: the Fashion-MNIST subset has %d training images of %s (%d per class): use n <= %d",
                         c->n, have[0], list, have[0] / nc, have[0]);
    if (c->n_test > have[1])
        return IBP__IERR("n_test=%d: the Fashion-MNIST subset has %d test images of %s (%d per class): use n_test <= %d",
                         c->n_test, have[1], list, have[1] / nc, have[1]);
    return IBP_OK;
}

/* The scaled pixels of image `index` of a set into x (s*s,) and its target into y (k,). */
static void ibp__img_sample(const ibp_images *img, const ibp__config *c, int set, int index, int k, double *x,
                            double *y) {
    int s = ibp__config_image_size(c), f = 28 / s, nc = ibp__config_nclasses(c);
    const unsigned char *p = img->pixels[set] + (size_t)index * 784;
    double den = 255.0 * (double)(f * f);
    for (int r = 0; r < s; r++)
        for (int q = 0; q < s; q++) {
            int sum = 0;
            for (int i = 0; i < f; i++)
                for (int j = 0; j < f; j++) sum += p[(r * f + i) * 28 + q * f + j];
            x[r * s + q] = (double)sum / den;
        }
    int label = img->labels[set][index], cls = 0;
    for (int q = 0; q < nc; q++)
        if (ibp__config_class(c, q) == label) cls = q;
    if (k == 1) y[0] = cls == 0 ? 1.0 : -1.0;
    else
        for (int q = 0; q < k; q++) y[q] = q == cls ? 1.0 : 0.0;
}

void ibp__images_build(const ibp_images *img, const ibp__config *c, int n, int nt, int k, double *x, double *y,
                       double *xt, double *yt, double *mean) {
    int d = ibp__config_image_size(c) * ibp__config_image_size(c), nc = ibp__config_nclasses(c);
    for (int set = 0; set < 2; set++) {
        int want = set ? nt : n, got = 0, total = set ? img->n_test : img->n_train;
        double *xs = set ? xt : x, *ys = set ? yt : y;
        for (int i = 0; i < total && got < want; i++) {
            int ok = 0;
            for (int q = 0; q < nc; q++) ok |= img->labels[set][i] == ibp__config_class(c, q);
            if (!ok) continue;
            ibp__img_sample(img, c, set, i, k, xs + (size_t)got * d, ys + (size_t)got * k);
            got++;
        }
        IBP_CHECK(got == want); /* ibp__images_check counted them */
    }
    if (!c->center) return;
    for (int j = 0; j < d; j++) mean[j] = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) mean[j] += x[(size_t)i * d + j];
    for (int j = 0; j < d; j++) mean[j] = mean[j] / (double)n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) x[(size_t)i * d + j] -= mean[j];
    for (int i = 0; i < nt; i++)
        for (int j = 0; j < d; j++) xt[(size_t)i * d + j] -= mean[j];
}
