/* init.c -- initial parameters: the schemes of the `init` key, a fixed head, the mf target A.
 *
 * Randomness: trained layers and a random head draw from the INIT stream of `seed`, in layer
 * order (so changing the head does not move the trained layers); the mf target A draws from the
 * TEACHER stream of the data seed (it is data, not initialization). */
#include <string.h>
#include "models/models.h"

static double ibp__scale_of(const ibp__config *c, int i) {
    if (c->init_scale.n == 0) return 1.0;
    return c->init_scale.v[c->init_scale.n == 1 ? 0 : i];
}

size_t ibp__model_init_scratch(const ibp__model *m, const ibp__config *c) {
    size_t need = 0;
    for (int i = 0; i < m->nl; i++) {
        size_t s = (size_t)m->L[i].rows * m->L[i].cols + (size_t)m->L[i].rows + (size_t)m->L[i].cols;
        if (s > need) need = s;
    }
    if (m->kind == IBP__MODEL_MF) {
        size_t R = (size_t)m->mf_rows, C = (size_t)m->mf_cols, k = (size_t)c->rank;
        size_t t = R * k + C * k + C * C + 2 * C + C + (R > C ? R : C) * k + (R > C ? R : C);
        if (t > need) need = t;
    }
    return need;
}

/* W (rows, cols) = s * a matrix with orthonormal columns (rows >= cols) or rows. */
static void ibp__orthogonal(int rows, int cols, double s, ibp_rng *rng, double *W, double *scratch) {
    if (rows >= cols) {
        ibp__random_orthonormal(rows, cols, rng, W, scratch);
        for (long i = 0; i < (long)rows * cols; i++) W[i] *= s;
        return;
    }
    double *Q = scratch; /* (cols, rows) */
    ibp__random_orthonormal(cols, rows, rng, Q, scratch + (size_t)rows * cols);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) W[(size_t)i * cols + j] = s * Q[(size_t)j * rows + i];
}

static void ibp__mf_target(ibp__model *m, const ibp__config *c, double *scratch) {
    int R = m->mf_rows, C = m->mf_cols, k = c->rank;
    double *A = m->A;
    if (c->target.n) { memcpy(A, c->target.v, sizeof(double) * (size_t)R * C); return; }
    ibp_rng rng;
    ibp__rng_seed(&rng, ibp__config_data_seed(c), IBP__STREAM_TEACHER);
    double *U = scratch, *V = U + (size_t)R * k, *rest = V + (size_t)C * k;
    if (c->sv.n) {
        ibp__random_orthonormal(R, k, &rng, U, rest);
        ibp__random_orthonormal(C, k, &rng, V, rest);
        for (int i = 0; i < R; i++)
            for (int j = 0; j < C; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += U[(size_t)i * k + q] * c->sv.v[q] * V[(size_t)j * k + q];
                A[(size_t)i * C + j] = s;
            }
        return;
    }
    if (c->target_dist == IBP__TARGET_IID) { /* Wang et al. 2022: i.i.d. entries, full rank */
        ibp__rng_normals(&rng, A, (long)R * C, 1.0);
        rest = scratch;
    } else {
        ibp__rng_normals(&rng, U, (long)R * k, 1.0);
        ibp__rng_normals(&rng, V, (long)C * k, 1.0);
        for (int i = 0; i < R; i++)
            for (int j = 0; j < C; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += U[(size_t)i * k + q] * V[(size_t)j * k + q];
                A[(size_t)i * C + j] = s;
            }
    }
    /* scale to ||A||_2 = target_norm: the top eigenvalue of A^T A (C, C) */
    double *AtA = rest, *w = AtA + (size_t)C * C, *es = w + C;
    ibp__gemm_tn(C, C, R, A, A, AtA, 0);
    if (ibp__eigh(C, AtA, w, NULL, es) == 0 && w[C - 1] > 0) {
        double f = c->target_norm / ibp__sqrt(w[C - 1]);
        for (long i = 0; i < (long)R * C; i++) A[i] *= f;
    }
}

int ibp__model_init(ibp__model *m, const ibp__config *c, double *theta, const char *init_json,
                    double *scratch, char *err, size_t errlen) {
    if (m->kind == IBP__MODEL_MF) ibp__mf_target(m, c, scratch);
    memset(theta, 0, sizeof(double) * (size_t)m->P);
    ibp_rng rng;
    ibp__rng_seed(&rng, (uint64_t)c->seed, IBP__STREAM_INIT);
    double *file_head = scratch; /* (rows, cols) of a fixed head read from the params JSON */
    int have_file_head = 0;
    if (c->init == IBP__INIT_VALUES) {
        memcpy(theta, c->init_values.v, sizeof(double) * (size_t)m->P);
    } else if (c->init == IBP__INIT_FILE) {
        int rc = ibp__params_json_read(m, init_json, theta, file_head, &have_file_head, err, errlen);
        if (rc) return rc;
    } else {
        int ti = 0; /* trained layer index */
        for (int i = 0; i < m->nl; i++) {
            ibp__layer *ly = &m->L[i];
            if (ly->off < 0) continue;
            double s = ibp__scale_of(c, ti++);
            double *W = theta + ly->off;
            long cnt = (long)ly->rows * ly->cols;
            int fan_in = ly->cols;
            switch (c->init) {
            case IBP__INIT_FAN_IN: ibp__rng_normals(&rng, W, cnt, s / ibp__sqrt((double)fan_in)); break;
            case IBP__INIT_NORMAL: ibp__rng_normals(&rng, W, cnt, s); break;
            case IBP__INIT_RESIDUAL: {
                int depth = m->kind == IBP__MODEL_MF ? 2 : c->depth;
                ibp__rng_normals(&rng, W, cnt, s / ibp__sqrt((double)depth * fan_in));
                for (int d = 0; d < ly->rows && d < ly->cols; d++) W[(size_t)d * ly->cols + d] += 1.0;
                break;
            }
            case IBP__INIT_ORTHOGONAL: ibp__orthogonal(ly->rows, ly->cols, s, &rng, W, scratch); break;
            default: break; /* zero */
            }
        }
    }
    for (long i = 0; i < m->P; i++)
        if (!ibp__isfinite(theta[i]))
            return ibp__fail(err, errlen, IBP_E_INIT, "initial parameter %ld is not finite", i);
    /* a fixed head. init=file: a random head (unit) is the file's, since it cannot be drawn again
     * (the draws follow the trained layers' in the INIT stream); a head the config determines (pm,
     * values) must agree with the file's when the file has one: a different head is another model. */
    if (m->kind != IBP__MODEL_MF && m->L[m->nl - 1].off < 0) {
        ibp__layer *h = &m->L[m->nl - 1];
        int width = h->cols;
        double *H = h->fixed;
        long nh = (long)h->rows * width;
        if (c->init == IBP__INIT_FILE && c->head == IBP__HEAD_UNIT) {
            if (!have_file_head)
                return ibp__fail(err, errlen, IBP_E_INIT, "params JSON: head=unit is a random fixed head, and the file "
                                 "has no \"head\" array to restore it from (ibp run --save writes it)");
            for (long i = 0; i < nh; i++)
                if (!ibp__isfinite(file_head[i]))
                    return ibp__fail(err, errlen, IBP_E_INIT, "params JSON: head value %ld is not finite", i + 1);
            memcpy(H, file_head, sizeof(double) * (size_t)nh);
            return IBP_OK;
        }
        for (int o = 0; o < h->rows; o++) {
            double *row = H + (size_t)o * width;
            if (c->head == IBP__HEAD_PM) {
                for (int j = 0; j < width; j++) row[j] = (j < (width + 1) / 2 ? 1.0 : -1.0) / (double)width;
            } else if (c->head == IBP__HEAD_UNIT) {
                double nn;
                do {
                    ibp__rng_normals(&rng, row, width, 1.0);
                    nn = ibp__sqrt(ibp__sumsq(row, width));
                } while (!(nn > 0));
                for (int j = 0; j < width; j++) row[j] /= nn;
            } else {
                memcpy(row, c->head_values.v + (size_t)o * width, sizeof(double) * (size_t)width);
            }
        }
        if (have_file_head)
            for (long i = 0; i < nh; i++)
                if (file_head[i] != H[i]) {
                    char a[32], b[32];
                    ibp_format_double(a, file_head[i]);
                    ibp_format_double(b, H[i]);
                    return ibp__fail(err, errlen, IBP_E_INIT, "params JSON: the file's fixed head differs from "
                                     "head=%s in the config (value %ld: %s in the file, %s here): it belongs to "
                                     "another model", c->head == IBP__HEAD_PM ? "pm" : "<values>", i + 1, a, b);
                }
    }
    return IBP_OK;
}
