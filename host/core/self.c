/*
 * self.c - installed or build tree (see self.h).
 */
#include "hetero/core/self.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The directory part of path into buf ("" when none). */
static void dir_of(const char *path, char *buf, size_t len) {
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= len)
        n = len - 1;
    memcpy(buf, path, n);
    buf[n] = '\0';
}

hx_self_place hx_self_place_of(const char *exe, bool (*exists)(const char *path)) {
    char dir[4096], probe[4200];
    dir_of(exe, dir, sizeof dir);
    if (!dir[0])
        return HX_SELF_ELSEWHERE;
    snprintf(probe, sizeof probe, "%s/CMakeCache.txt", dir);
    if (exists(probe))
        return HX_SELF_BUILD_TREE;
    size_t n = strlen(dir);
    if (n >= 4 && strcmp(dir + n - 4, "/bin") == 0) {
        snprintf(probe, sizeof probe, "%.*s/share/hetero", (int)(n - 4), dir);
        if (exists(probe))
            return HX_SELF_INSTALLED;
    }
    return HX_SELF_ELSEWHERE;
}

static bool file_exists(const char *path) {
    return access(path, F_OK) == 0;
}

hx_self_place hx_self(char *exe, size_t len) {
    ssize_t n = readlink("/proc/self/exe", exe, len - 1);
    if (n <= 0) {
        exe[0] = '\0';
        return HX_SELF_ELSEWHERE;
    }
    exe[n] = '\0';
    return hx_self_place_of(exe, file_exists);
}

bool hx_self_note(char *buf, size_t len) {
    char exe[4096], dir[4096];
    buf[0] = '\0';
    if (hx_self(exe, sizeof exe) != HX_SELF_BUILD_TREE)
        return false;
    dir_of(exe, dir, sizeof dir);
    snprintf(buf, len,
             "running %s from the build tree; `cmake --install %s` puts hetero on PATH, which the "
             "lab handouts use",
             exe, dir);
    return true;
}
