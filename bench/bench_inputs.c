/* bench_inputs -- how long hostile inputs take to refuse (issue 10 item 10: refusing a
 * 10M-element list took 29 s; the target is under 0.5 s). Prints figures, checks nothing.
 *   build/native/bench_inputs        node --no-experimental-fetch build/wasm/bench_inputs.js */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ibp.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sort5(double *t) {
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            if (t[j] < t[i]) { double x = t[i]; t[i] = t[j]; t[j] = x; }
}

/* median of 5 refusals of cfg: wall time and CPU time (the machine may be shared) */
static void refuse(const char *what, const char *cfg) {
    double t[5], c[5];
    char canon[64], err[512] = "";
    for (int i = 0; i < 5; i++) {
        double t0 = now();
        clock_t c0 = clock();
        int rc = ibp_config_canonical(cfg, 0, canon, sizeof canon, err, sizeof err);
        c[i] = (double)(clock() - c0) / CLOCKS_PER_SEC;
        t[i] = now() - t0;
        if (rc == IBP_OK) { printf("%s: accepted?\n", what); return; }
    }
    sort5(t);
    sort5(c);
    printf("%-48s %7.3f s wall %7.3f s cpu   (%.60s...)\n", what, t[2], c[2], err);
}

static char *list(const char *head, long n, const char *item, const char *last) {
    size_t li = strlen(item), hl = strlen(head);
    char *s = malloc(hl + (size_t)n * (li + 1) + strlen(last) + 1), *p = s;
    memcpy(p, head, hl);
    p += hl;
    for (long i = 0; i + 1 < n; i++) { memcpy(p, item, li); p += li; *p++ = ','; }
    strcpy(p, last);
    return s;
}

int main(void) {
    printf("refusal times, median of 5 (target: under 0.5 s for 10M elements)\n");
    char *a = list("model=mf&rows=10000&cols=1000&target=", 10000000, "1", "2e13");
    refuse("10M integers, the last out of range", a);
    free(a);
    a = list("model=mf&rows=10000&cols=1000&target=", 10000000, "0.125", "2e13");
    refuse("10M decimals, the last out of range", a);
    free(a);
    a = list("model=mf&rows=10&cols=10&target=", 10000000, "1", "1");
    refuse("10M integers, the count wrong for rows x cols", a);
    free(a);
    a = list("model=mf&rows=2&cols=2&target=", 10000001, "1", "1");
    refuse("10000001 elements (over the 10M list limit)", a);
    free(a);
    return 0;
}
