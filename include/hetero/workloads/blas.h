/*
 * blas.h - which BLAS the blas backend calls: for the provenance of a report.
 *
 * The blas rows of sgemm and dot are OpenBLAS's figures, and OpenBLAS picks its kernels at run
 * time by the core it detects (DYNAMIC_ARCH): "Zen", "SkylakeX", "Haswell".  A blas figure
 * without the version and the core type cannot be compared with another machine's.
 */
#ifndef HETERO_WORKLOADS_BLAS_H
#define HETERO_WORKLOADS_BLAS_H

#include <stdbool.h>
#include <stddef.h>

/* OpenBLAS's build configuration ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64")
 * and the core type it chose ("Zen").  False in builds without the blas backend. */
bool hx_blas_info(char *config, size_t config_len, char *core, size_t core_len);

#endif
