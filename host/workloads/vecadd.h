/*
 * vecadd.h - vecadd's input arrays, shared by host/workloads/vecadd.c (which owns them) and
 * its CUDA binding kernels/cuda/vecadd.cu (which reads them).  Plain C, valid C++.
 */
#ifndef HETERO_WORKLOAD_VECADD_H
#define HETERO_WORKLOAD_VECADD_H

#include <stddef.h>

typedef struct vecadd_data {
    float *a, *b;
    size_t n;
} vecadd_data;

#endif
