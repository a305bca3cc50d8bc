/* base.h -- what every layer of the core shares: traps on broken invariants, a few IEEE helpers,
 * the error message convention (ibp__fail), the arena that carves every workspace, and text
 * buffers with snprintf semantics (fmt.c). Depends on nothing but libc and ibp.h.
 *
 * The layers of src/, each allowed to use only those below it (no circles):
 *   base/       this header, fmt.c (messages, text buffers, the one number format)
 *   numerics/   SIMD vocabulary, elementary functions, kernels, PRNG, dense linear algebra,
 *               eigensolvers, Lanczos, spectral estimators               (numerics.h, spectral.h)
 *   config/     the ONE parser of "key=value&...", its key table and docs    (config.h)
 *   data/       generators, CSV reading and writing                          (data.h)
 *   models/     the model table, families, activations, losses, init, params JSON (models.h)
 *   run/        the run object: training loop, measurement, metrics, events, summary, spectra
 *   sweep/      the ONE grid grammar: plan, cells, shards
 *   cli/, wasm/ the faces: the `ibp` command and the module's exports (public API only)
 * Memory: every component reports what it needs for a config (a pure function) and is later
 * bound to its slice of an arena; nothing allocates afterwards. */
#ifndef IBP_BASE_H
#define IBP_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "ibp.h"

/* Internal invariant violated: trap (no printf/assert in the core: they pull in WASI I/O). */
#define IBP_TRAP() __builtin_trap()
#define IBP_CHECK(cond) do { if (!(cond)) IBP_TRAP(); } while (0)

#define IBP_NAN (__builtin_nan(""))
#define IBP_INF (__builtin_inf())
static inline int ibp__isfinite(double x) { return x - x == 0.0; }
static inline int ibp__isnan(double x) { return x != x; }
static inline double ibp__fabs(double x) { return x < 0 ? -x : (x == 0 ? 0.0 : x); }
static inline double ibp__sqrt(double x) { return __builtin_sqrt(x); } /* IEEE correctly rounded */

/* Fill err with a formatted message (vsnprintf into the caller's buffer) and return code. */
int ibp__fail(char *err, size_t errlen, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ------------------------------------------------------------------------------------------ */
/* Arena: one allocation per run. Pass 1 runs the same carving code with base == NULL to
 * measure; pass 2 carves the real block. Every slice is 16-byte aligned. */
typedef struct ibp__arena {
    char *base;  /* NULL during the measuring pass */
    size_t off;  /* bytes used so far */
} ibp__arena;
static inline double *ibp__arena_doubles(ibp__arena *a, size_t n) {
    size_t o = (a->off + 15u) & ~(size_t)15u;
    a->off = o + n * sizeof(double);
    return a->base ? (double *)(void *)(a->base + o) : NULL;
}
/* Doubles that cover what the arena has carved so far (for workspaces sized in doubles). */
static inline size_t ibp__arena_ndoubles(const ibp__arena *a) {
    return (a->off + sizeof(double) - 1) / sizeof(double);
}
static inline void *ibp__arena_bytes(ibp__arena *a, size_t n) {
    size_t o = (a->off + 15u) & ~(size_t)15u;
    a->off = o + n;
    return a->base ? (void *)(a->base + o) : NULL;
}


/* ------------------------------------------------------------------------------------------ */
/* Formatting (fmt.c) */
/* Append to a snprintf-style buffer: tracks the needed length even when cap is exceeded. */
typedef struct ibp__buf { char *p; size_t cap, len; } ibp__buf;
void ibp__buf_puts(ibp__buf *b, const char *s);
void ibp__buf_putn(ibp__buf *b, const char *s, size_t n);
void ibp__buf_json_str(ibp__buf *b, const char *s); /* a quoted JSON string ("\\", "\"", \u00XX) */
void ibp__buf_printf(ibp__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ibp__buf_double(ibp__buf *b, double x); /* shortest round-trip */
void ibp__buf_json_chars(ibp__buf *b, const char *s); /* the inside of one (escapes, no quotes) */
size_t ibp__buf_finish(ibp__buf *b);         /* NUL-terminates; returns the needed length */

#endif /* IBP_BASE_H */
