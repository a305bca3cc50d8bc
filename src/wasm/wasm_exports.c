/* wasm_exports.c -- the WebAssembly module's surface: the public C API (listed in exports.txt)
 * plus the few wrappers below that turn struct arguments into plain ints, doubles and pointers.
 * No logic lives here. JS never hard-codes a number: ibp_w_enums() gives the codes as JSON. */
#include <stdlib.h>
#include "ibp.h"

void *ibp_w_malloc(size_t n) { return malloc(n ? n : 1); }
void ibp_w_free(void *p) { free(p); }

/* ibp_run_create with the desc fields as arguments; NULL on failure (message in err). */
ibp_run *ibp_w_create(const char *config, const char *data_csv, const char *init_json, char *err,
                      size_t errlen) {
    ibp_run_desc d = {.config = config, .data_csv = data_csv, .init_json = init_json};
    ibp_run *r = NULL;
    return ibp_run_create(&r, &d, err, errlen) == IBP_OK ? r : NULL;
}

/* The status of the last ibp_w_create is in its message; this gives the code too. */
int ibp_w_create_status(const char *config, const char *data_csv, const char *init_json, char *err,
                        size_t errlen, ibp_run **out) {
    ibp_run_desc d = {.config = config, .data_csv = data_csv, .init_json = init_json};
    return ibp_run_create(out, &d, err, errlen);
}

/* ibp_w_create_status for data=fashion_mnist: images is an ibp_images from ibp_w_images_open
 * (0 for none). */
int ibp_w_create_ex(const char *config, const char *data_csv, const char *init_json, const ibp_images *images,
                    char *err, size_t errlen, ibp_run **out) {
    ibp_run_desc d = {.config = config, .data_csv = data_csv, .init_json = init_json, .images = images};
    return ibp_run_create(out, &d, err, errlen);
}

/* ibp_images_open returning the images (NULL on failure: message in err). The worker fetches
 * data/fashion-mnist.ibpi, copies the bytes into the heap, opens them once and frees its copy. */
ibp_images *ibp_w_images_open(const void *bytes, size_t len, char *err, size_t errlen) {
    ibp_images *img = NULL;
    return ibp_images_open(&img, bytes, len, err, errlen) == IBP_OK ? img : NULL;
}

/* Memory estimate in bytes (negative status on failure: message in err). */
double ibp_w_estimate(const char *config, const char *data_csv, char *err, size_t errlen) {
    ibp_run_desc d = {.config = config, .data_csv = data_csv};
    double bytes = 0;
    int rc = ibp_estimate(&d, &bytes, NULL, err, errlen);
    return rc == IBP_OK ? bytes : (double)rc;
}

double ibp_w_estimate_ex(const char *config, const char *data_csv, const ibp_images *images, char *err,
                         size_t errlen) {
    ibp_run_desc d = {.config = config, .data_csv = data_csv, .images = images};
    double bytes = 0;
    int rc = ibp_estimate(&d, &bytes, NULL, err, errlen);
    return rc == IBP_OK ? bytes : (double)rc;
}

/* Every code, bit, name and label of ibp.h's lists as JSON (ibp_enums_json): JS reads them here. */
size_t ibp_w_enums(char *buf, size_t cap) { return ibp_enums_json(buf, cap); }
