/*
 * sgemm.h - sgemm's input data, shared by host/workloads/sgemm.c (which owns it) and its CUDA
 * binding kernels/cuda/sgemm.cu (which reads it); plain C, valid C++.  The rest is what the
 * tests look into: the CPU blocking and the OpenCL tile configurations.
 */
#ifndef HETERO_WORKLOAD_SGEMM_H
#define HETERO_WORKLOAD_SGEMM_H

#include <stddef.h>

typedef struct sgemm_data {
    float *a, *b;
    size_t n;
    float *row_max_a;     /* max_k |a_ik| */
    float *col_abs_sum_b; /* sum_k |b_kj| */
} sgemm_data;

#ifndef __cplusplus
#include <stdbool.h>

/* ---- the CPU blocking ------------------------------------------------------------------------ */

/* The block sizes of the packed variants (see sgemm.c, "blocking from the caches"): the
 * micro-tile mr x nr and the cache blocks mc x kc (of A) and kc x nc (of B). */
typedef struct hx_sgemm_blocking {
    size_t mr, nr, mc, kc, nc;
} hx_sgemm_blocking;

/* The blocking the packed variants use for n x n on `threads` threads at the current SIMD level
 * (micro_kernel: the hand-written micro-kernel's tile, else the plain C one's). */
hx_sgemm_blocking hx_sgemm_blocking_for(size_t n, int threads, bool micro_kernel);

/* Tests: cap mc, kc and nc (0 = the cache-derived value), so small matrices cross every block
 * edge.  Not thread-safe; call between runs. */
void hx_sgemm_cap_blocking(size_t mc, size_t kc, size_t nc);

/* ---- the OpenCL binding ---------------------------------------------------------------------- */

/* The OpenCL tile configurations the autotuner chooses from, by name. */
size_t hx_sgemm_ocl_config_count(void);
const char *hx_sgemm_ocl_config_name(size_t i);
/* Whether configuration i is one for devices with real local memory (CL_LOCAL). */
bool hx_sgemm_ocl_config_uses_local(size_t i);
/* The build options of configuration i (-D macros for kernels/sgemm.cl). */
const char *hx_sgemm_ocl_config_options(size_t i, char *buf, size_t len);
#endif

#endif
