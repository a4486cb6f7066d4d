/*
 * cpu.h - what the host processor can do, read once from cpuid.
 *
 * SIMD code paths are chosen at run time from these flags (never from compile-time -m flags),
 * so one binary runs the best path on any x86-64.  HETERO_SIMD=scalar|avx2|avx512 caps the level
 * (to demonstrate or test a narrower path on a wider machine); asking for more than the CPU has
 * is refused with a notice.
 */
#ifndef HETERO_CPU_H
#define HETERO_CPU_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    HX_SIMD_SCALAR = 0, /* no usable vector unit: scalar code */
    HX_SIMD_AVX2 = 1,   /* AVX2 + FMA, 256-bit: 8 float lanes */
    HX_SIMD_AVX512 = 2, /* AVX-512 F/BW/DQ/VL, 512-bit: 16 float lanes */
} hx_simd_level;

typedef struct hx_cpu_info {
    char brand[64];  /* processor brand string */
    char vendor[16]; /* "GenuineIntel", "AuthenticAMD" */
    bool sse42, avx, avx2, fma, f16c;
    bool avx512f, avx512bw, avx512dq, avx512vl, avx512cd, avx512vnni, avx512bf16, avx512fp16;
    bool os_avx, os_avx512; /* the OS saves the wide registers (XGETBV) */
    int logical_cpus;       /* online processors */
    hx_simd_level simd;     /* level the simd backends use (after HETERO_SIMD) */
    hx_simd_level simd_max; /* best level the hardware+OS allow */
} hx_cpu_info;

/* Detected once, then cached. */
const hx_cpu_info *hx_cpu(void);

/* Name of a level: "scalar", "avx2", "avx512". */
const char *hx_simd_name(hx_simd_level level);

/* float lanes of a level: 1, 8, 16. */
int hx_simd_float_lanes(hx_simd_level level);

/* Override the level used by simd backends (tests, --simd).  Fails with HX_ERR_MISSING when the
 * CPU lacks it. */
int hx_cpu_set_simd(hx_simd_level level);

/* Bytes of the last-level cache (sysconf), or 32 MiB when unknown. */
size_t hx_cpu_llc_bytes(void);

#endif
