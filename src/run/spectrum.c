/* spectrum.c -- one-shot spectral analyses of the training-loss Hessian at a run's current
 * parameters (`ibp spectrum`, the page's spectrum view): top-k by Lanczos with residuals and the
 * smallest eigenvalue plus a Hutchinson trace; the exact dense spectrum (P <= 2000); the SLQ
 * density. A spectrum object makes its own single allocation at creation (estimated first and
 * refused above the run's mem_cap) and holds the result; the run is not modified. */
#include <stdlib.h>
#include <string.h>
#include "run/run_internal.h"
#include "numerics/spectral.h"

struct ibp_spectrum {
    int mode;
    long P, t;
    double *values, *resid; /* top: k values, residual bounds; exact: P eigenvalues */
    int *conv;
    int nvalues;
    double lmin, lmin_resid;
    double trace, trace_se, asym;
    int probes, steps, matvecs, ngrid, nodes;
    double sigma, lo, hi, mean;
    double *nodes_v, *weights, *grid, *dens;
    void *work, *hwork;
    char *mem;
};

/* One carving routine for measuring (a->base NULL) and binding, so they cannot disagree. */
static void ibp__spec_carve(ibp_spectrum *s, ibp__arena *a, long P, int k, int probes, int steps, int ngrid,
                            int krylov) {
    if (s->mode == IBP_SPECTRUM_EXACT) {
        s->values = ibp__arena_doubles(a, (size_t)P);
        s->work = ibp__arena_bytes(a, ibp__spectrum_bytes(P));
    } else if (s->mode == IBP_SPECTRUM_DENSITY) {
        s->nodes_v = ibp__arena_doubles(a, (size_t)probes * steps);
        s->weights = ibp__arena_doubles(a, (size_t)probes * steps);
        s->grid = ibp__arena_doubles(a, (size_t)ngrid);
        s->dens = ibp__arena_doubles(a, (size_t)ngrid);
        s->work = ibp__arena_bytes(a, ibp__slq_bytes(P, steps));
    } else {
        s->values = ibp__arena_doubles(a, (size_t)k);
        s->resid = ibp__arena_doubles(a, (size_t)k);
        s->conv = ibp__arena_bytes(a, sizeof(int) * (size_t)k);
        s->work = ibp__arena_bytes(a, ibp__lanczos_bytes(P, krylov, k));
        s->hwork = ibp__arena_bytes(a, ibp__hutchinson_bytes(P));
    }
}

int ibp_spectrum_create(ibp_spectrum **out, ibp_run *r, int mode, int k_or_probes, int steps,
                        double sigma, char *err, size_t errlen) {
    *out = NULL;
    long P = r->m.P;
    const ibp__config *c = &r->c;
    if (mode < IBP_SPECTRUM_TOP || mode > IBP_SPECTRUM_DENSITY)
        return ibp__fail(err, errlen, IBP_E_ARG, "spectrum mode %d: use top (0), exact (1) or density (2)", mode);
    if (!ibp__isfinite(sigma))
        return ibp__fail(err, errlen, IBP_E_ARG, "the density's broadening sigma must be a finite number "
                         "(0 or less: chosen automatically)");
    if (mode == IBP_SPECTRUM_EXACT && P > IBP__SPECTRUM_EXACT_MAX)
        return ibp__fail(err, errlen, IBP_E_ARG, "the exact spectrum needs P <= %d (the Hessian is P^2 doubles); "
                         "this model has P = %ld: use the density (SLQ) instead", IBP__SPECTRUM_EXACT_MAX, P);
    /* The Hessian is defined only where the loss is finite. A diverged run's last step can have
     * finite parameters, an infinite loss and Hessian columns that are finite but so large that
     * every eigenvalue came out NaN (the page showed them as zeros): refuse before computing. */
    for (long i = 0; i < P; i++)
        if (!ibp__isfinite(r->theta[i]))
            return ibp__fail(err, errlen, IBP_E_NUMERIC, "no spectrum at step %ld: the parameters are not finite "
                             "there (the run diverged); reset the run, or stop it before it diverges", r->t);
    if (!r->fgrad_valid) ibp__run_full_loss_grad(r); /* a cache of theta's loss: the run is unchanged */
    if (!ibp__isfinite(r->loss))
        return ibp__fail(err, errlen, IBP_E_NUMERIC, "no spectrum at step %ld: the training loss is not finite "
                         "there (%s), so its Hessian is not defined; reset the run, or stop it before it diverges",
                         r->t, r->loss != r->loss ? "NaN" : "infinite");
    int k = 0, probes = 0, ngrid = 400, krylov = 0;
    if (mode == IBP_SPECTRUM_TOP) {
        k = k_or_probes > 0 ? k_or_probes : (c->topk > 3 ? c->topk : 3);
        if (k > IBP__MAX_TOPK) return ibp__fail(err, errlen, IBP_E_ARG, "at most %d top eigenvalues (asked %d)", IBP__MAX_TOPK, k);
        if (k > P) k = (int)P;
        krylov = c->lanczos_max ? c->lanczos_max : 80;
        if (krylov > P) krylov = (int)P;
        probes = 10;
    }
    if (mode == IBP_SPECTRUM_DENSITY) {
        probes = k_or_probes > 0 ? k_or_probes : 10;
        steps = steps > 0 ? steps : 80;
        if (steps > P) steps = (int)P;
        if (probes > 1000 || steps > 1000)
            return ibp__fail(err, errlen, IBP_E_ARG, "density: at most 1000 probes and 1000 Lanczos steps (asked %d, %d)", probes, steps);
    }
    ibp_spectrum tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.mode = mode;
    ibp__arena a = {NULL, 0};
    ibp__arena_bytes(&a, sizeof(ibp_spectrum));
    ibp__spec_carve(&tmp, &a, P, k, probes, steps, ngrid, krylov);
    double cap = c->mem_cap_mib * 1048576.0;
    if ((double)a.off > cap)
        return ibp__fail(err, errlen, IBP_E_MEMORY, "this spectrum needs %.1f MiB, above mem_cap=%g MiB",
                         (double)a.off / 1048576.0, c->mem_cap_mib);
    char *mem = malloc(a.off);
    if (!mem) return ibp__fail(err, errlen, IBP_E_NOMEM, "could not allocate %.1f MiB", (double)a.off / 1048576.0);
    ibp_spectrum *s = (ibp_spectrum *)(void *)mem;
    memset(s, 0, sizeof *s);
    s->mem = mem;
    s->mode = mode;
    s->P = P;
    s->t = r->t;
    ibp__arena b = {mem, 0};
    ibp__arena_bytes(&b, sizeof(ibp_spectrum));
    ibp__spec_carve(s, &b, P, k, probes, steps, ngrid, krylov);
    ibp_rng rng;
    ibp__rng_seed(&rng, (uint64_t)c->seed, IBP__STREAM_PROBES);
    int rc = 0;
    if (mode == IBP_SPECTRUM_EXACT) {
        rc = ibp__spectrum_exact(ibp__hvp_full, r, P, s->work, s->values, NULL, &s->asym);
        s->nvalues = (int)P;
        s->matvecs = (int)P;
        s->trace = 0;
        for (long i = 0; i < P; i++) s->trace += s->values[i];
        s->trace_se = 0;
    } else if (mode == IBP_SPECTRUM_DENSITY) {
        ibp__slq_info info;
        rc = ibp__slq(ibp__hvp_full, r, P, probes, steps, sigma, ngrid, &rng, s->work, s->nodes_v, s->weights, s->grid,
                      s->dens, &info);
        s->probes = info.probes; s->steps = info.steps; s->nodes = info.nodes; s->matvecs = info.matvecs;
        s->sigma = info.sigma; s->lo = info.lo; s->hi = info.hi; s->ngrid = info.ngrid; s->mean = info.mean;
        s->trace = info.mean * (double)P;
    } else {
        ibp__lanczos *lz = ibp__lanczos_bind(s->work, P, krylov, k);
        ibp__eigres e;
        ibp_rng lr;
        ibp__rng_seed(&lr, (uint64_t)c->seed, IBP__STREAM_LANCZOS);
        rc = ibp__lanczos_run(lz, ibp__hvp_full, r, k, 1, c->lanczos_tol, 0, &lr, &e);
        if (rc == 0) {
            s->nvalues = e.k;
            for (int i = 0; i < e.k; i++) { s->values[i] = e.val[i]; s->resid[i] = e.resid[i]; s->conv[i] = e.converged[i]; }
            s->lmin = e.vmin;
            s->lmin_resid = e.vmin_resid;
            s->matvecs = e.matvecs;
            ibp__trace_est te;
            rc = ibp__hutchinson(ibp__hvp_full, r, P, probes, &rng, s->hwork, &te);
            s->trace = te.mean;
            s->trace_se = te.se;
            s->probes = te.probes;
            s->matvecs += te.matvecs;
        }
    }
    if (rc != 0) {
        free(mem);
        return ibp__fail(err, errlen, IBP_E_NUMERIC, "the spectrum computation failed (%s)",
                         rc == -2 ? "the Hessian's entries or eigenvalues are not finite at these parameters"
                                  : "no convergence");
    }
    *out = s;
    return IBP_OK;
}

void ibp_spectrum_destroy(ibp_spectrum *s) {
    if (s) free(s->mem);
}

static void ibp__json_list(ibp__buf *b, const char *name, const double *v, int n) {
    ibp__buf_printf(b, ",\"%s\":[", name);
    for (int i = 0; i < n; i++) {
        if (i) ibp__buf_puts(b, ",");
        if (ibp__isfinite(v[i])) ibp__buf_double(b, v[i]);
        else ibp__buf_puts(b, "null");
    }
    ibp__buf_puts(b, "]");
}

static void ibp__json_num(ibp__buf *b, const char *name, double x) {
    ibp__buf_printf(b, ",\"%s\":", name);
    if (ibp__isfinite(x)) ibp__buf_double(b, x);
    else ibp__buf_puts(b, "null");
}

size_t ibp_spectrum_json(const ibp_spectrum *s, char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    static const char *modes[] = {"top", "exact", "density"};
    ibp__buf_printf(&b, "{\"mode\":\"%s\",\"step\":%ld,\"P\":%ld,\"matvecs\":%d", modes[s->mode], s->t, s->P, s->matvecs);
    if (s->mode == IBP_SPECTRUM_TOP) {
        ibp__json_list(&b, "values", s->values, s->nvalues);
        ibp__json_list(&b, "residuals", s->resid, s->nvalues);
        ibp__buf_puts(&b, ",\"converged\":[");
        for (int i = 0; i < s->nvalues; i++) ibp__buf_printf(&b, "%s%s", i ? "," : "", s->conv[i] ? "true" : "false");
        ibp__buf_puts(&b, "]");
        ibp__json_num(&b, "lambda_min", s->lmin);
        ibp__json_num(&b, "lambda_min_residual", s->lmin_resid);
        ibp__json_num(&b, "trace", s->trace);
        ibp__json_num(&b, "trace_se", s->trace_se);
        ibp__buf_printf(&b, ",\"probes\":%d", s->probes);
    } else if (s->mode == IBP_SPECTRUM_EXACT) {
        ibp__json_list(&b, "eigenvalues", s->values, s->nvalues);
        ibp__json_num(&b, "trace", s->trace);
        ibp__json_num(&b, "asymmetry", s->asym);
    } else {
        ibp__buf_printf(&b, ",\"probes\":%d,\"steps\":%d", s->probes, s->steps);
        ibp__json_num(&b, "sigma", s->sigma);
        ibp__json_num(&b, "trace", s->trace);
        ibp__json_list(&b, "grid", s->grid, s->ngrid);
        ibp__json_list(&b, "density", s->dens, s->ngrid);
        ibp__json_list(&b, "nodes", s->nodes_v, s->nodes);
        ibp__json_list(&b, "weights", s->weights, s->nodes);
    }
    ibp__buf_puts(&b, "}\n");
    return ibp__buf_finish(&b);
}
