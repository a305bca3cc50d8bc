/* wasm_exports.c -- the WebAssembly module's surface: the public C API (listed in exports.txt)
 * plus the few wrappers below that turn struct arguments into plain ints, doubles and pointers,
 * and the module's recovery from a trap. JS never hard-codes a number: ibp_w_enums() gives the
 * codes as JSON.
 *
 * RECOVERY FROM A TRAP
 * A failure that returns (a bad config, a bad file) frees everything and leaves the stack as it
 * was: the library's rule. A trap does not return: an engine bug or the JS engine's stack limit
 * (a params file nested 9,500 deep used to do it) unwinds straight to JS without running any C,
 * so the module's stack pointer stays where the trap left it and what the call had allocated is
 * lost; a couple of hundred such failures left the module unusable. So every export call is
 * bracketed by the loader (web/js/wasm-loader.js):
 *   ibp_w_call_begin()  opens a ledger of the call's allocations; the stack pointer, which belongs
 *                       at its base between calls, is put back there if anything moved it
 *   ibp_w_call_end()    the call returned: what it allocated now belongs to its owner
 *   ibp_w_recover()     the call trapped: free what it allocated, put the stack pointer back;
 *                       returns 0, or 1 when the trap hit inside the allocator itself (the heap
 *                       may be inconsistent: the caller must instantiate the module again)
 * The ledger is kept by the malloc family defined below (this file is linked into the browser
 * module only; they override the C library's weak definitions and call its dlmalloc underneath):
 * each block carries a 16-byte header linking it into the current call's list. These statics are
 * the module's state, not the engine's: the core keeps no globals.
 * A trap may also leave the object the call was working on half-updated (a run mid-step): the
 * caller destroys it. ibp_w_heap_in_use() and ibp_w_stack_pointer() let tests prove that neither
 * failures nor recoveries leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ibp.h"

/* ---- the ledger ------------------------------------------------------------------------- */

#ifdef __EMSCRIPTEN__
void *emscripten_builtin_malloc(size_t n);
void emscripten_builtin_free(void *p);
void *emscripten_builtin_memalign(size_t align, size_t n);
void *stackSave(void);           /* compiler-rt: the __stack_pointer global */
void stackRestore(void *sp);

typedef struct ibp__blk {
    struct ibp__blk *prev, *next; /* in the current call's list (NULL when owned) */
    void *base;                   /* what the allocator returned */
    size_t size;
} ibp__blk;
_Static_assert(sizeof(ibp__blk) == 16, "the header keeps the allocator's 16-byte alignment");

static struct {
    ibp__blk head;        /* the current call's blocks (a ring) */
    int in_call, in_alloc;
    void *base;           /* the stack pointer between calls (read at the first call) */
    size_t bytes, blocks; /* live, owned or not */
    size_t repairs;       /* times the stack pointer was found moved between calls */
} ibp__led = {{&ibp__led.head, &ibp__led.head, NULL, 0}, 0, 0, NULL, 0, 0, 0};

static void *ibp__track(void *base, size_t align, size_t n) {
    if (!base) return NULL;
    ibp__blk *h = (ibp__blk *)(void *)((char *)base + align - sizeof(ibp__blk));
    h->base = base;
    h->size = n;
    if (ibp__led.in_call) {
        h->next = ibp__led.head.next;
        h->prev = &ibp__led.head;
        h->next->prev = h;
        ibp__led.head.next = h;
    } else {
        h->prev = h->next = NULL;
    }
    ibp__led.bytes += n;
    ibp__led.blocks++;
    return (char *)base + align;
}

static void *ibp__alloc(size_t align, size_t n) {
    if (align < sizeof(ibp__blk)) align = sizeof(ibp__blk);
    if (n > SIZE_MAX - align) return NULL;
    ibp__led.in_alloc = 1;
    void *base = align == sizeof(ibp__blk) ? emscripten_builtin_malloc(n + align)
                                           : emscripten_builtin_memalign(align, n + align);
    void *p = ibp__track(base, align, n);
    ibp__led.in_alloc = 0;
    return p;
}

void free(void *p) {
    if (!p) return;
    ibp__led.in_alloc = 1;
    ibp__blk *h = (ibp__blk *)p - 1;
    if (h->next) { h->prev->next = h->next; h->next->prev = h->prev; }
    ibp__led.bytes -= h->size;
    ibp__led.blocks--;
    emscripten_builtin_free(h->base);
    ibp__led.in_alloc = 0;
}

void *malloc(size_t n) { return ibp__alloc(0, n); }

void *calloc(size_t m, size_t n) {
    if (n && m > SIZE_MAX / n) return NULL;
    void *p = ibp__alloc(0, m * n);
    if (p) memset(p, 0, m * n);
    return p;
}

void *realloc(void *p, size_t n) {
    if (!p) return malloc(n);
    void *q = malloc(n);
    if (!q) return NULL;
    size_t old = ((ibp__blk *)p - 1)->size;
    memcpy(q, p, old < n ? old : n);
    free(p);
    return q;
}

void *aligned_alloc(size_t align, size_t n) {
    if (!align || (align & (align - 1))) return NULL;
    return ibp__alloc(align, n);
}
void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }
int posix_memalign(void **out, size_t align, size_t n) {
    if (!align || (align & (align - 1)) || align % sizeof(void *)) return 22; /* EINVAL */
    void *p = ibp__alloc(align, n);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void ibp_w_call_begin(void) {
    void *sp = stackSave(); /* this function keeps nothing on the stack: the caller's pointer */
    if (!ibp__led.base) ibp__led.base = sp;
    else if (sp != ibp__led.base) { stackRestore(ibp__led.base); ibp__led.repairs++; }
    ibp__led.in_call = 1;
}

void ibp_w_call_end(void) {
    for (ibp__blk *h = ibp__led.head.next; h != &ibp__led.head;) {
        ibp__blk *next = h->next;
        h->prev = h->next = NULL;
        h = next;
    }
    ibp__led.head.next = ibp__led.head.prev = &ibp__led.head;
    ibp__led.in_call = 0;
}

int ibp_w_recover(void) {
    if (ibp__led.in_alloc) return 1;
    if (ibp__led.in_call) while (ibp__led.head.next != &ibp__led.head) free(ibp__led.head.next + 1);
    if (ibp__led.base) stackRestore(ibp__led.base);
    ibp__led.in_call = 0;
    return 0;
}

size_t ibp_w_heap_in_use(void) { return ibp__led.bytes; }
size_t ibp_w_heap_blocks(void) { return ibp__led.blocks; }
void *ibp_w_stack_pointer(void) { return stackSave(); }
size_t ibp_w_stack_repairs(void) { return ibp__led.repairs; }
#endif

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
