/*
 * triad.h - triad's input data, shared by host/workloads/triad.c (which owns it) and its CUDA
 * binding kernels/cuda/triad.cu (which reads it).  Plain C, valid C++.
 */
#ifndef HETERO_WORKLOAD_TRIAD_H
#define HETERO_WORKLOAD_TRIAD_H

#include <stddef.h>

#define TRIAD_SCALAR 3.0f /* STREAM's s */

typedef struct triad_data {
    float *b, *c;
    size_t n;
} triad_data;

#endif
