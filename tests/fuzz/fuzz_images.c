/* fuzz_images -- the image file reader (src/data/images.c, ibp_images_open) and the data set it
 * builds (data=fashion_mnist).
 * Input: byte 0 = mode, the rest = the file. Mode bit 0 set: the harness appends the file's
 * correct FNV-1a checksum, so the structural checks behind the checksum are explored too;
 * (mode >> 1) % 3 picks the run's image_size (28, 14, 7), bit 3 center=1, bit 4 classes=0,1.
 * Properties: no crash, leak or undefined behaviour; a refusal is IBP_E_DATA (or IBP_E_NOMEM)
 * with a message and no object; an accepted file has consistent counts, its info JSON obeys the
 * snprintf contract and names every class, every image can be read with a label below the class
 * count, and a run on it (when it is a 28x28, 10-class file with images of classes 0 and 1) has
 * finite pixels in [0, 1] (or centred) and +-1 or one-hot targets.
 * Built with libFuzzer by the sanitizer build (tests/fuzz, scripts/fuzz); with -DIBP_FUZZ_REPLAY
 * it is a plain program that replays files (the ctest `fuzz_images_corpus` runs the seed corpus
 * tests/fuzz/corpus/images through it on every build). */
#include "fuzz_util.h"

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The snprintf contract of ibp_images_info_json: the length asked for is written, a short
 * buffer gets a NUL-terminated prefix. Returns the full text (malloc'd). */
static char *info_text(const ibp_images *img) {
    size_t need = ibp_images_info_json(img, NULL, 0);
    FUZZ_ASSERT(need > 0 && need < ((size_t)1 << 24), "info: %zu bytes", need);
    char *full = malloc(need + 1);
    size_t got = ibp_images_info_json(img, full, need + 1);
    FUZZ_ASSERT(got == need && strlen(full) == need, "info: %zu asked, %zu written", need, strlen(full));
    size_t cut = need / 2 + 1;
    char *part = malloc(cut + 1);
    part[cut] = '#';
    got = ibp_images_info_json(img, part, cut);
    FUZZ_ASSERT(got == need && part[cut - 1] == '\0' && part[cut] == '#' && !strncmp(part, full, cut - 1),
               "info: a %zu-byte buffer", cut);
    free(part);
    return full;
}

static unsigned u32(const uint8_t *p) { return p[0] | p[1] << 8 | (unsigned)p[2] << 16 | (unsigned)p[3] << 24; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int mode = data[0];
    size_t n = size - 1, len = (mode & 1) ? n + 8 : n;
    uint8_t *file = malloc(len ? len : 1);
    if (n) memcpy(file, data + 1, n);
    if (mode & 1) {
        uint64_t h = fnv1a(file, n);
        for (int i = 0; i < 8; i++) file[n + (size_t)i] = (uint8_t)(h >> (8 * i));
    }
    char err[512] = "";
    ibp_images *img = (ibp_images *)0x1;
    int rc = ibp_images_open(&img, file, len, err, sizeof err);
    if (rc != IBP_OK) {
        FUZZ_ASSERT(img == NULL && (rc == IBP_E_DATA || rc == IBP_E_NOMEM), "refusal code %d", rc);
        FUZZ_ASSERT(err[0], "a refusal has a message");
        free(file);
        return 0;
    }
    memset(file, 0xAB, len); /* the object must not keep pointers into the caller's bytes */
    unsigned ntr = u32(data + 1 + 12), nte = u32(data + 1 + 16), rows = u32(data + 1 + 20), cols = u32(data + 1 + 24),
             ncls = u32(data + 1 + 28);
    char *info = info_text(img);
    FUZZ_ASSERT(!strncmp(info, "{\"format\":\"ibp-images-1\"", 24), "info: %s", info);
    const char *cl = strstr(info, "\"classes\":[");
    FUZZ_ASSERT(cl != NULL, "no classes in %s", info);
    unsigned names = 0; /* the array's strings, escapes skipped */
    for (const char *p = cl + 11; *p == '"'; names++) {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1]) p++;
        FUZZ_ASSERT(*p == '"', "an unterminated name in %s", info);
        p++;
        if (*p == ',') p++;
    }
    FUZZ_ASSERT(names == ncls, "%u classes, %u names: %s", ncls, names, info);
    free(info);
    size_t px = (size_t)rows * cols;
    uint8_t *pix = malloc(px);
    unsigned count[2] = {ntr, nte};
    int have01[2] = {0, 0};
    for (int set = 0; set < 2; set++) {
        for (unsigned i = 0; i < count[set]; i++) {
            int label = ibp_images_get(img, set, (int)i, i < 3 || i + 1 == count[set] ? pix : NULL, px);
            FUZZ_ASSERT(label >= 0 && (unsigned)label < ncls, "set %d image %u: label %d", set, i, label);
            have01[set] += label <= 1;
        }
        FUZZ_ASSERT(ibp_images_get(img, set, (int)count[set], pix, px) == IBP_E_ARG, "index past the end");
        FUZZ_ASSERT(ibp_images_get(img, set, -1, pix, px) == IBP_E_ARG, "index -1");
    }
    if (px >= 1) FUZZ_ASSERT(ntr == 0 || ibp_images_get(img, 0, 0, pix, px - 1) == IBP_E_ARG, "a short pixel buffer");
    free(pix);
    if (rows == 28 && cols == 28 && ncls == 10 && have01[0] >= 1) {
        static const int sizes[3] = {28, 14, 7};
        int s = sizes[(mode >> 1) % 3], center = (mode >> 3) & 1, two = (mode >> 4) & 1;
        char cfg[256];
        snprintf(cfg, sizeof cfg, "model=linear&depth=1&data=fashion_mnist&image_size=%d&center=%d&n=1&n_test=%d%s"
                 "&steps=0&measure=0&mem_cap=64", s, center, have01[1] >= 1, two ? "&classes=0,1" : "");
        ibp_run *r = NULL;
        ibp_run_desc d = {.config = cfg, .images = img};
        rc = ibp_run_create(&r, &d, err, sizeof err);
        /* all ten classes: n=1 needs an image of class 0 or 1 only when classes=0,1 */
        FUZZ_ASSERT(rc == IBP_OK || rc == IBP_E_DATA, "run: %d %s", rc, err);
        if (rc == IBP_OK) {
            size_t need = ibp_run_data_csv(r, 0, NULL, 0);
            char *csv = malloc(need + 1);
            ibp_run_data_csv(r, 0, csv, need + 1);
            /* one row: s*s pixels, then the targets */
            const char *row = strchr(csv, '\n');
            FUZZ_ASSERT(row != NULL, "no header");
            double sum = 0, v;
            int cnt = 0;
            for (const char *p = row + 1; *p && *p != '\n'; p++) {
                v = strtod(p, (char **)&p);
                if (cnt < s * s) FUZZ_ASSERT(center ? (v == 0) : (v >= 0 && v <= 1), "pixel %d = %g", cnt, v);
                else sum += v;
                cnt++;
                if (*p != ',') break;
            }
            FUZZ_ASSERT(cnt == s * s + (two ? 1 : 10), "%d values in the row", cnt);
            FUZZ_ASSERT(two ? (sum == 1 || sum == -1) : sum == 1, "targets sum to %g", sum);
            free(csv);
            ibp_run_destroy(r);
        }
    }
    ibp_images_close(img);
    free(file);
    return 0;
}

#ifdef IBP_FUZZ_REPLAY
/* Replay: every file named on the command line once, as libFuzzer would run it. */
int main(int argc, char **argv) {
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { fprintf(stderr, "cannot open %s\n", argv[i]); return 2; }
        size_t cap = 1 << 16, n = 0, k;
        uint8_t *buf = malloc(cap);
        while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
            n += k;
            if (n == cap) buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        ran++;
    }
    printf("%d inputs replayed, no property failed\n%d passed, 0 failed\n", ran, ran);
    return ran ? 0 : 2;
}
#endif
