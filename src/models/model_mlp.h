/* model_mlp.h -- private to the MLP: the workspace shared by model_mlp.c (forward, gradient,
 * Gauss-Newton products) and model_mlp_hvp.c (the cached Hessian-vector product), and the
 * elementwise helpers both use. */
#ifndef IBP_MODEL_MLP_H
#define IBP_MODEL_MLP_H
#include "models/models.h"

/* The workspace, carved in a fixed order from m->ws (ibp__mlp_carve). Hidden layer i
 * (0 <= i < nl-1) owns these (nmax, rows_i) slices:
 *   Z[i]   z, then act'(z) once the forward has made A; the gradient turns it into Delta,
 *          the HVP cache keeps act'
 *   A[i]   act(z)
 *   C[i]   HVP cache: act''(z), then (alpha E) act''(z), the v-independent factor of R{Delta}
 *   D[i]   HVP cache, layers i >= 1: Delta (layer 0's is never needed)
 *   RA[i]  R{a}: the HVP keeps it for the second sum of the weight rows; the GN product forms
 *          R{z} there and turns it into R{a} in place
 * and (br, rows_i) blocks RZb[i], RDb[i]: R{z} and R{Delta} of the HVP's current block of rows.
 * The HVP cache is valid while m->hk says so (model_mlp_hvp.c); every other use of the
 * workspace clears it. */
typedef struct ibp__mlpws {
    double *Wt[IBP__MAX_LAYERS]; /* (cols, rows): alpha W^T of each layer */
    double *Vt[IBP__MAX_LAYERS]; /* (cols, rows): alpha V^T of each trained layer (HVP, GN) */
    double *Wtp[IBP__MAX_LAYERS], *Vtp[IBP__MAX_LAYERS]; /* Wt (layers >= 1), Vt packed for the
                                  * GEMM (ibp__gemm_pack_b): the HVP's blocks all reuse them */
    double *RDp;                 /* R{Delta} of layer 0 for a block, written in the GEMM's packed
                                  * layout of A^T (ibp__gemm_tn_pa), when w->rdp */
    int rdp;
    double *Z[IBP__MAX_LAYERS], *A[IBP__MAX_LAYERS], *C[IBP__MAX_LAYERS];
    double *D[IBP__MAX_LAYERS], *RA[IBP__MAX_LAYERS];
    double *RZb[IBP__MAX_LAYERS], *RDb[IBP__MAX_LAYERS];
    double *F, *G, *CU, *RF, *RG; /* (nmax, k): outputs, dL/dF, loss curvature, R{F}, R{G} */
    double *E;                    /* (nmax, widest layer below a multi-row layer): E = Dl W */
    double *REb;                  /* (br, the same width): R{E} of the HVP's block */
    double *th;                   /* (P,): the theta of the HVP cache */
    int br;                       /* batch rows per block of the HVP (<= IBP__GEMM_KC) */
} ibp__mlpws;

ibp__mlpws ibp__mlp_ws(const ibp__model *m, int n);

/* Weights of layer i: a view into theta, or the fixed head. */
static inline const double *ibp__mlp_w(const ibp__model *m, const double *theta, int i) {
    const ibp__layer *ly = &m->L[i];
    return ly->off >= 0 ? theta + ly->off : ly->fixed;
}

void ibp__mlp_tscale(const ibp__layer *ly, const double *src, double *dst); /* alpha Src^T */
void ibp__mlp_prep(const ibp__model *m, const double *theta, ibp__mlpws *w); /* every Wt */
void ibp__mlp_vadd(double *y, const double *x, long cnt);                   /* y += x */
void ibp__mlp_vmul(double *y, const double *a, const double *b, long cnt);  /* y = a b */
void ibp__mlp_addrow(double *Z, const double *b, int n, int rows);          /* rows += b */
void ibp__mlp_colsum(const double *D, int n, int cols, double *s, int acc); /* s (+)= sums */

enum { IBP__FWD_OUT, IBP__FWD_D1, IBP__FWD_D2 }; /* what the forward keeps besides A */
/* Forward pass into F (n, k); Z[i] ends as act'(z) (D1, D2), C[i] as act''(z) (D2). */
void ibp__mlp_fwd(const ibp__model *m, const double *theta, const double *x, int n,
                  ibp__mlpws *w, int keep, double *F);

#endif
