/*
 * sgemm.h - sgemm's input data, shared by host/workloads/sgemm.c (which owns it) and its CUDA
 * binding kernels/cuda/sgemm.cu (which reads it).  Plain C, valid C++.
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

#endif
