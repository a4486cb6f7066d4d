/*
 * nvidia_arch.c - FP32 lanes per SM by compute capability (see nvidia_arch.h).
 */
#include "hetero/core/nvidia_arch.h"

int hx_nvidia_fp32_per_sm(int cc_major, int cc_minor) {
    if (cc_major < 8 || (cc_major == 8 && cc_minor == 0))
        return 64;
    return 128;
}
