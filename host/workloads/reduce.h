/*
 * reduce.h - reduce's input data, shared by host/workloads/reduce.c (which owns it) and its CUDA
 * binding kernels/cuda/reduce.cu (which reads it).  Plain C, valid C++.
 */
#ifndef HETERO_WORKLOAD_REDUCE_H
#define HETERO_WORKLOAD_REDUCE_H

#include <stddef.h>

typedef struct reduce_data {
    float *x, *y; /* y is NULL for reduce */
    size_t n;
    double abs_sum; /* sum |x_i| or sum |x_i y_i|, the scale of the error bound */
} reduce_data;

#endif
