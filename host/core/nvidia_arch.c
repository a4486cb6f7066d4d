/*
 * nvidia_arch.c - FP32 lanes per SM by compute capability (see nvidia_arch.h).
 */
#include "hetero/core/nvidia_arch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hx_nvidia_fp32_per_sm(int cc_major, int cc_minor) {
    if (cc_major < 8 || (cc_major == 8 && cc_minor == 0))
        return 64;
    return 128;
}

static bool has_nvidia_node(void) {
    DIR *d = opendir("/dev");
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL)
        found = strncmp(e->d_name, "nvidia", 6) == 0;
    closedir(d);
    return found;
}

static bool has_libcuda_in(const char *dir, size_t len) {
    char path[512];
    if (len == 0 || len > 400)
        return false;
    snprintf(path, sizeof path, "%.*s/libcuda.so.1", (int)len, dir);
    return access(path, F_OK) == 0;
}

static bool has_libcuda(void) {
    static const char *const system_dirs[] = {
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
        "/usr/local/nvidia/lib64",   "/usr/lib/wsl/lib",      NULL};
    for (size_t i = 0; system_dirs[i]; i++)
        if (has_libcuda_in(system_dirs[i], strlen(system_dirs[i])))
            return true;
    const char *ld = getenv("LD_LIBRARY_PATH");
    while (ld && *ld) {
        size_t n = strcspn(ld, ":");
        if (has_libcuda_in(ld, n))
            return true;
        ld += n + (ld[n] == ':');
    }
    return false;
}

bool hx_nvidia_present(void) {
    return has_nvidia_node() || has_libcuda();
}
