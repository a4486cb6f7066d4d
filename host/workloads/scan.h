/*
 * scan.h - scan's input data, shared by host/workloads/scan.c (which owns it) and its CUDA
 * binding kernels/cuda/scan.cu (which reads it).  Plain C, valid C++.
 */
#ifndef HETERO_WORKLOAD_SCAN_H
#define HETERO_WORKLOAD_SCAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct scan_data {
    int32_t *x;
    size_t n;
} scan_data;

#endif
