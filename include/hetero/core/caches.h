/*
 * caches.h - the data cache levels of the host, for marking which level a working set fits.
 *
 * Read from /sys/devices/system/cpu/cpu0/cache/index* (level, type and size of each cache the
 * kernel reports for cpu0); instruction caches are left out.  Sizes are per cache as cpu0 sees
 * it: a private L1/L2 per core, a shared L3 per core complex.
 */
#ifndef HETERO_CACHES_H
#define HETERO_CACHES_H

#include <stddef.h>
#include <stdint.h>

#define HX_MAX_CACHE_LEVELS 6

typedef struct hx_cache_level {
    int level;      /* 1, 2, 3, ... */
    uint64_t bytes; /* size of one cache of this level */
} hx_cache_level;

/* The data/unified caches of cpu0, smallest level first; 0 entries when sysfs has none. */
size_t hx_cache_levels(hx_cache_level *out, size_t cap);

/* "L1", "L2", "L3" for the smallest level that holds `bytes`, "DRAM" when none does. */
const char *hx_cache_fit(const hx_cache_level *levels, size_t n, double bytes);

#endif
