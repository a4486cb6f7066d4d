/*
 * cache_dir.c - the per-user cache directory (see cache_dir.h).
 */
#include "hetero/core/cache_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hetero/core/error.h"

int hx_cache_file(const char *name, char *buf, size_t len) {
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/hetero/%s", xdg, name);
    else if (home && *home)
        n = snprintf(buf, len, "%s/.cache/hetero/%s", home, name);
    else
        return hx_fail(HX_ERR_RUNTIME, "no cache directory: neither XDG_CACHE_HOME nor HOME set");
    if (n < 0 || (size_t)n >= len)
        return hx_fail(HX_ERR_RUNTIME, "cache path too long");
    return HX_OK;
}

int hx_make_parent_dirs(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return HX_OK;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        const char keep = *p;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return hx_fail(HX_ERR_RUNTIME, "cannot create %s: %s", dir, strerror(errno));
        *p = keep;
        if (keep == '\0')
            return HX_OK;
    }
}
