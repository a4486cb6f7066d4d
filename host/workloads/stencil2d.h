/*
 * stencil2d.h - stencil2d's input data, shared by host/workloads/stencil2d.c (which owns it) and
 * its CUDA binding kernels/cuda/stencil2d.cu (which reads it).  Plain C, valid C++.
 */
#ifndef HETERO_WORKLOAD_STENCIL2D_H
#define HETERO_WORKLOAD_STENCIL2D_H

#include <stddef.h>

typedef struct stencil2d_data {
    float *u0;  /* the initial grid, boundary included (read only) */
    float *tmp; /* the second buffer of the ping-pong, with out */
    size_t n;
    unsigned sweeps;
    float max_abs; /* M = max |u0| */
} stencil2d_data;

#endif
