/*
 * src_spmv.c - y = A x, one task per row of a sparse matrix whose row lengths follow a power law.
 *
 * Row i has ceil(K (1 - u)^(-1/alpha)) nonzeros (Pareto from K = --min-nnz, shape --alpha, at
 * most --rows), in random columns, with random values: most rows are short and a few are
 * thousands of times longer, as in web and social graphs, so a row's cost is its length.  The
 * matrix is compressed sparse row (CSR).  Each row's sum is taken in column order by whoever
 * runs it, in float, by the same function as the serial run, so y is checked bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "source_kinds.h"

typedef struct spmv_data {
    size_t n;
    uint64_t *rowptr;
    uint32_t *col;
    float *val, *x;
    float *ref, *out, *cur;
    uint64_t max_len;
} spmv_data;

static uint64_t row_length(const hx_map_params *p, uint64_t i) {
    double u = (double)(hx_rng_bits(p->seed, 21, i) >> 11) * 0x1.0p-53;
    double len = ceil((double)p->min_nnz * pow(1.0 - u, -1.0 / p->alpha));
    return len < (double)p->rows ? (uint64_t)len : p->rows;
}

static int setup(hx_map_source *s) {
    const hx_map_params *p = &s->params;
    spmv_data *d = calloc(1, sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    s->data = d;
    const size_t n = p->rows;
    d->n = n;
    HX_TRY(hx_alloc_checked((void **)&d->rowptr, (n + 1) * sizeof *d->rowptr, "the row index"));
    d->rowptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t len = row_length(p, i);
        d->max_len = len > d->max_len ? len : d->max_len;
        d->rowptr[i + 1] = d->rowptr[i] + len;
    }
    const size_t nnz = d->rowptr[n];
    if (nnz > (1ull << 31))
        return hx_fail(HX_ERR_USAGE, "%zu nonzeros: more than 2^31; use fewer --rows", nnz);
    HX_TRY(hx_alloc_checked((void **)&d->col, nnz * sizeof *d->col, "the column indices"));
    HX_TRY(hx_alloc_checked((void **)&d->val, nnz * sizeof *d->val, "the matrix values"));
    HX_TRY(hx_alloc_checked((void **)&d->x, n * sizeof *d->x, "x"));
    HX_TRY(hx_alloc_checked((void **)&d->ref, n * sizeof *d->ref, "the serial y"));
    HX_TRY(hx_alloc_checked((void **)&d->out, n * sizeof *d->out, "y"));
    for (size_t k = 0; k < nnz; k++) {
        d->col[k] = (uint32_t)(hx_rng_bits(p->seed, 22, k) % n);
        d->val[k] = hx_rng_float(p->seed, 23, k, -1.0f, 1.0f);
    }
    for (size_t j = 0; j < n; j++)
        d->x[j] = hx_rng_float(p->seed, 24, j, -1.0f, 1.0f);
    s->ntasks = n;
    snprintf(s->describe, sizeof s->describe,
             "spmv: %zu rows, %zu nonzeros (mean %.1f, longest %llu per row; Pareto alpha %g)", n,
             nnz, (double)nnz / (double)n, (unsigned long long)d->max_len, p->alpha);
    return HX_OK;
}

static void teardown(hx_map_source *s) {
    spmv_data *d = s->data;
    if (!d)
        return;
    hx_free(d->rowptr);
    hx_free(d->col);
    hx_free(d->val);
    hx_free(d->x);
    hx_free(d->ref);
    hx_free(d->out);
    free(d);
}

static void begin(hx_map_source *s, bool reference) {
    spmv_data *d = s->data;
    d->cur = reference ? d->ref : d->out;
    memset(d->cur, 0xff, d->n * sizeof *d->cur);
}

static void run(const hx_map_source *s, uint64_t task, hx_map_exec *e) {
    const spmv_data *d = s->data;
    const uint64_t b = d->rowptr[task], end = d->rowptr[task + 1];
    float sum = 0.0f;
    for (uint64_t k = b; k < end; k++)
        sum += d->val[k] * d->x[d->col[k]];
    d->cur[task] = sum;
    e->units += end - b;
}

static void verify(const hx_map_source *s, const hx_map_exec *total, bool from_root,
                   hx_map_check *c) {
    (void)from_root;
    const spmv_data *d = s->data;
    hx_map_compare32(d->out, d->ref, d->n, "y = A x rows (bit patterns)", c);
    if (c->ok && total->units != d->rowptr[d->n]) {
        c->ok = false;
        snprintf(c->detail, sizeof c->detail, "%llu nonzeros visited, the matrix has %llu",
                 (unsigned long long)total->units, (unsigned long long)d->rowptr[d->n]);
    }
}

const hx_map_source_kind hx_map_kind_spmv = {
    .name = "spmv",
    .summary = "y = A x, one task per row; row lengths follow a power law",
    .setup = setup,
    .teardown = teardown,
    .begin = begin,
    .run = run,
    .verify = verify,
};
