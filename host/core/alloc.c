/*
 * alloc.c - aligned host arrays (see alloc.h).
 *
 * Large arrays are aligned to 2 MiB and advised MADV_HUGEPAGE: a streaming kernel over hundreds
 * of MiB then takes a TLB miss per 2 MiB instead of per 4 KiB.  The advice is only a hint; the
 * kernel may ignore it, which changes speed, never results.
 */
#include "hetero/core/alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *hx_alloc(size_t bytes) {
    if (bytes == 0)
        bytes = 64;
    /* huge pages for big arrays; whole pages from one page up, so an OpenCL device that shares
     * host memory can use the array in place (CL_MEM_USE_HOST_PTR wants page alignment) */
    size_t align = bytes >= 4 * HUGE_PAGE ? HUGE_PAGE : bytes >= 4096 ? 4096 : 64;
    size_t rounded = (bytes + align - 1) / align * align; /* aligned_alloc wants a multiple */
    if (rounded < bytes)
        return NULL;
    void *p = aligned_alloc(align, rounded);
    if (p && align == HUGE_PAGE)
        (void)madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

void hx_free(void *p) {
    free(p);
}

int hx_alloc_checked(void **out, size_t bytes, const char *what) {
    *out = hx_alloc(bytes);
    if (!*out) {
        char buf[32];
        return hx_fail(HX_ERR_RUNTIME, "cannot allocate %s for %s",
                       hx_format_bytes(bytes, buf, sizeof buf), what);
    }
    return HX_OK;
}

uint64_t hx_host_memory_bytes(void) {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return UINT64_MAX;
    return (uint64_t)pages * (uint64_t)page;
}

uint64_t hx_memory_available_bytes(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kib) == 1;
    if (f)
        fclose(f);
    return found ? (uint64_t)kib * 1024u : hx_host_memory_bytes();
}

int hx_mul_overflow(size_t n, size_t size, size_t *out) {
    if (size != 0 && n > SIZE_MAX / size)
        return -1;
    *out = n * size;
    return 0;
}

uint64_t hx_meminfo_available(const char *text) {
    const char *p = strstr(text, "MemAvailable:");
    unsigned long long kib;
    if (!p || sscanf(p, "MemAvailable: %llu kB", &kib) != 1)
        return 0;
    return (uint64_t)kib * 1024u;
}

int hx_memory_check(uint64_t need, const char *what, const char *hint) {
    uint64_t avail = hx_memory_available_bytes();
    char a[32], b[32];
    hx_format_bytes(need, a, sizeof a);
    hx_format_bytes(avail, b, sizeof b);
    if (need > avail)
        return hx_fail(HX_ERR_USAGE,
                       "%s needs about %s of memory, and this machine has %s available%s%s", what,
                       a, b, hint && *hint ? ": " : "", hint ? hint : "");
    if (need > avail / 2)
        hx_notice("%s needs about %s of the %s available", what, a, b);
    return HX_OK;
}
