/*
 * alloc.h - host memory for workload arrays.
 *
 * Arrays are 64-byte aligned (one cache line, one AVX-512 vector) so aligned and streaming
 * vector stores are legal on them, and large ones are advised into transparent huge pages to cut
 * TLB misses in streaming kernels.  Sizes are checked against physical memory before anything is
 * allocated, so "too large" is a clean error instead of an OOM kill.
 */
#ifndef HETERO_ALLOC_H
#define HETERO_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Allocate bytes (64-byte aligned); NULL on failure.  Free with hx_free(). */
void *hx_alloc(size_t bytes);
void hx_free(void *p);

/* Allocate or fail with a message naming what and how much. */
int hx_alloc_checked(void **out, size_t bytes, const char *what);

/* Physical memory of the host in bytes. */
uint64_t hx_host_memory_bytes(void);

/* n * size with overflow detection: 0 on success, -1 on overflow. */
int hx_mul_overflow(size_t n, size_t size, size_t *out);

#endif
