/*
 * embedded_kernels.h - the .cl files of kernels/ compiled into the binary (generated table).
 */
#ifndef HETERO_EMBEDDED_KERNELS_H
#define HETERO_EMBEDDED_KERNELS_H

#include <stddef.h>

typedef struct hx_embedded_kernel {
    const char *name; /* file name, "vecadd.cl" */
    const char *text; /* NUL-terminated source */
    size_t len;
} hx_embedded_kernel;

extern const hx_embedded_kernel hx_embedded_kernels[];
extern const size_t hx_embedded_kernel_count;

#endif
