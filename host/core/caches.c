/*
 * caches.c - data cache levels from sysfs (see caches.h).
 */
#include "hetero/core/caches.h"

#include <stdio.h>
#include <string.h>

static int read_line(const char *dir, const char *file, char *buf, size_t len) {
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

size_t hx_cache_levels(hx_cache_level *out, size_t cap) {
    size_t n = 0;
    for (int i = 0; i < 16 && n < cap; i++) {
        char dir[96], level[16], type[32], size[32];
        snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu0/cache/index%d", i);
        if (read_line(dir, "level", level, sizeof level) != 0 ||
            read_line(dir, "type", type, sizeof type) != 0 ||
            read_line(dir, "size", size, sizeof size) != 0)
            continue;
        if (strcmp(type, "Instruction") == 0)
            continue;
        unsigned long v = 0;
        char unit = 0;
        if (sscanf(size, "%lu%c", &v, &unit) < 1 || v == 0)
            continue;
        uint64_t bytes = unit == 'K'   ? (uint64_t)v << 10
                         : unit == 'M' ? (uint64_t)v << 20
                         : unit == 'G' ? (uint64_t)v << 30
                                       : v;
        int lv = 0;
        if (sscanf(level, "%d", &lv) != 1)
            continue;
        /* insertion in level order */
        size_t k = n;
        while (k > 0 && out[k - 1].level > lv) {
            out[k] = out[k - 1];
            k--;
        }
        out[k].level = lv;
        out[k].bytes = bytes;
        n++;
    }
    return n;
}

const char *hx_cache_fit(const hx_cache_level *levels, size_t n, double bytes) {
    static const char *const names[] = {"L0", "L1", "L2", "L3", "L4", "L5"};
    for (size_t i = 0; i < n; i++)
        if (bytes <= (double)levels[i].bytes && levels[i].level >= 0 && levels[i].level < 6)
            return names[levels[i].level];
    return "DRAM";
}
