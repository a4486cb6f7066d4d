/*
 * cpu.c - processor identification through cpuid and xgetbv.
 *
 * A vector ISA is usable only when the CPU implements it AND the operating system saves its
 * registers on a context switch (OSXSAVE + XCR0 bits), so both are checked: a kernel that
 * disabled AVX-512 state would otherwise fault on the first zmm instruction.
 */
#include "hetero/core/cpu.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/core/error.h"

static hx_cpu_info info;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static unsigned long long read_xcr0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static void read_brand(char *brand, size_t len) {
    unsigned regs[12] = {0};
    unsigned max_ext = __get_cpuid_max(0x80000000u, NULL);
    if (max_ext < 0x80000004u) {
        snprintf(brand, len, "unknown x86-64");
        return;
    }
    for (unsigned i = 0; i < 3; i++)
        __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2],
                    &regs[4 * i + 3]);
    char raw[49];
    memcpy(raw, regs, 48);
    raw[48] = '\0';
    /* trim the padding blanks some vendors put around the name */
    char *s = raw;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    snprintf(brand, len, "%s", s);
}

static void detect(void) {
    unsigned a, b, c, d;
    memset(&info, 0, sizeof info);
    unsigned max_leaf = __get_cpuid_max(0, NULL);
    __cpuid(0, a, b, c, d);
    memcpy(info.vendor, &b, 4);
    memcpy(info.vendor + 4, &d, 4);
    memcpy(info.vendor + 8, &c, 4);
    read_brand(info.brand, sizeof info.brand);

    __cpuid(1, a, b, c, d);
    info.sse42 = c & bit_SSE4_2;
    info.fma = c & bit_FMA;
    info.f16c = c & bit_F16C;
    bool osxsave = c & bit_OSXSAVE;
    bool avx_hw = c & bit_AVX;
    unsigned long long xcr0 = osxsave ? read_xcr0() : 0;
    info.os_avx = (xcr0 & 0x6) == 0x6;                     /* SSE and AVX state */
    info.os_avx512 = info.os_avx && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
    info.avx = avx_hw && info.os_avx;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        info.avx2 = info.avx && (b & bit_AVX2);
        bool ok512 = info.os_avx512;
        info.avx512f = ok512 && (b & bit_AVX512F);
        info.avx512bw = ok512 && (b & bit_AVX512BW);
        info.avx512dq = ok512 && (b & bit_AVX512DQ);
        info.avx512vl = ok512 && (b & bit_AVX512VL);
        info.avx512cd = ok512 && (b & bit_AVX512CD);
        info.avx512vnni = ok512 && (c & (1u << 11));
        info.avx512fp16 = ok512 && (d & (1u << 23));
        __cpuid_count(7, 1, a, b, c, d);
        info.avx512bf16 = ok512 && (a & (1u << 5));
    }
    if (!info.avx)
        info.fma = false;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    info.logical_cpus = n > 0 ? (int)n : 1;

    if (info.avx512f && info.avx512bw && info.avx512dq && info.avx512vl && info.fma)
        info.simd_max = HX_SIMD_AVX512;
    else if (info.avx2 && info.fma)
        info.simd_max = HX_SIMD_AVX2;
    else
        info.simd_max = HX_SIMD_SCALAR;
    info.simd = info.simd_max;

    /* HETERO_SIMD caps the level, e.g. to show AVX2 figures on an AVX-512 machine. */
    const char *cap = getenv("HETERO_SIMD");
    if (cap && *cap) {
        hx_simd_level want = info.simd_max;
        if (strcmp(cap, "scalar") == 0)
            want = HX_SIMD_SCALAR;
        else if (strcmp(cap, "avx2") == 0)
            want = HX_SIMD_AVX2;
        else if (strcmp(cap, "avx512") == 0)
            want = HX_SIMD_AVX512;
        else
            hx_notice("ignoring HETERO_SIMD='%s'; accepted: scalar, avx2, avx512", cap);
        if (want > info.simd_max)
            hx_notice("HETERO_SIMD=%s is not available on this CPU; using %s", cap,
                      hx_simd_name(info.simd_max));
        else
            info.simd = want;
    }
}

/* Detected exactly once, even when the first call comes from inside a parallel region. */
const hx_cpu_info *hx_cpu(void) {
    pthread_once(&detect_once, detect);
    return &info;
}

const char *hx_simd_name(hx_simd_level level) {
    switch (level) {
    case HX_SIMD_AVX512:
        return "avx512";
    case HX_SIMD_AVX2:
        return "avx2";
    default:
        return "scalar";
    }
}

int hx_simd_float_lanes(hx_simd_level level) {
    return level == HX_SIMD_AVX512 ? 16 : level == HX_SIMD_AVX2 ? 8 : 1;
}

int hx_cpu_set_simd(hx_simd_level level) {
    hx_cpu();
    if (level > info.simd_max)
        return hx_fail(HX_ERR_MISSING, "SIMD level %s is not available on this CPU (best: %s)",
                       hx_simd_name(level), hx_simd_name(info.simd_max));
    info.simd = level;
    return HX_OK;
}

/* Size of the largest cache level cpu0 sees, from sysfs (what the kernel and hwloc report);
 * sysconf() is the fallback, but under some hypervisors it reports the host's whole L3. */
static size_t sysfs_llc_bytes(void) {
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        unsigned long v = 0;
        char unit = 0;
        if (fscanf(f, "%lu%c", &v, &unit) >= 1) {
            size_t bytes = unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : v;
            if (bytes > best)
                best = bytes;
        }
        fclose(f);
    }
    return best;
}

static size_t llc_bytes;
static pthread_once_t llc_once = PTHREAD_ONCE_INIT;

static void detect_llc(void) {
    size_t llc = sysfs_llc_bytes();
    if (!llc) {
        long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
        llc = l3 > 0 ? (size_t)l3 : l2 > 0 ? (size_t)l2 : (size_t)32 << 20;
    }
    llc_bytes = llc;
}

size_t hx_cpu_llc_bytes(void) {
    pthread_once(&llc_once, detect_llc);
    return llc_bytes;
}
