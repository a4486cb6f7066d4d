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
/* Memory a new allocation can take without swapping: /proc/meminfo's MemAvailable (the kernel's
 * own estimate: free memory plus the page cache it can drop), or physical memory when the kernel
 * does not say.  For the estimate before a sweep. */
uint64_t hx_memory_available_bytes(void);

/* The estimate before a long piece of work: fail with HX_ERR_USAGE when need exceeds the
 * available memory, naming both figures, what needs it ("the size sweep at size 256M") and what to
 * do instead (hint, e.g. "use a smaller --sizes range"), so an 8 GB laptop refuses at once instead
 * of swapping for an hour.  Work that needs more than half of it gets a notice. */
int hx_memory_check(uint64_t need, const char *what, const char *hint);
/* MemAvailable from /proc/meminfo text, in bytes; 0 when absent (pure, for the unit tests). */
uint64_t hx_meminfo_available(const char *text);

/* n * size with overflow detection: 0 on success, -1 on overflow. */
int hx_mul_overflow(size_t n, size_t size, size_t *out);

#endif
