/*
 * nbody.h - nbody's input data, shared by host/workloads/nbody.c (which owns it) and its CUDA
 * binding kernels/cuda/nbody.cu (which reads it).  Plain C, valid C++.
 */
#ifndef HETERO_WORKLOAD_NBODY_H
#define HETERO_WORKLOAD_NBODY_H

#include <stddef.h>

#define SOFTENING2 0.01f /* eps^2, eps = 0.1: keeps close pairs finite */

typedef struct nbody_data {
    float *x, *y, *z, *m; /* structure of arrays */
    double *mag_sum;      /* S_i, the verification scale */
    size_t n;
} nbody_data;

#endif
