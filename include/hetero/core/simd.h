/*
 * simd.h - the attributes that let one source file hold scalar, AVX2 and AVX-512 code.
 *
 * The project is compiled for baseline x86-64; a function marked HX_TARGET_AVX2 or
 * HX_TARGET_AVX512 may use those intrinsics and is called only after cpuid says so (cpu.h).
 *
 * HX_SERIAL keeps the compiler from vectorising a function, so the serial backend is a true SISD
 * baseline (GCC: per-function optimize attribute).  HX_NOVEC is the per-loop form for compilers
 * that honour loop pragmas (clang); use both on a serial loop.
 */
#ifndef HETERO_SIMD_H
#define HETERO_SIMD_H

#include <stddef.h>

#if defined(__clang__)
#define HX_SERIAL __attribute__((noinline))
#define HX_NOVEC  _Pragma("clang loop vectorize(disable) interleave(disable)")
#elif defined(__GNUC__)
#define HX_SERIAL __attribute__((noinline, optimize("no-tree-vectorize", "no-tree-slp-vectorize")))
#if __GNUC__ >= 14
#define HX_NOVEC _Pragma("GCC novector")
#else
#define HX_NOVEC
#endif
#else
#define HX_SERIAL
#define HX_NOVEC
#endif

#define HX_TARGET_AVX2   __attribute__((target("avx2,fma")))
#define HX_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

/* Split [0, n) into `parts` near-equal contiguous ranges aligned to `align` elements; part k gets
 * [*begin, *end).  Used by omp-simd code so each thread streams one aligned chunk. */
static inline void hx_partition(size_t n, size_t parts, size_t k, size_t align, size_t *begin,
                                size_t *end) {
    size_t blocks = (n + align - 1) / align;
    size_t per = blocks / parts, extra = blocks % parts;
    size_t b0 = k * per + (k < extra ? k : extra);
    size_t b1 = b0 + per + (k < extra ? 1 : 0);
    *begin = b0 * align < n ? b0 * align : n;
    *end = b1 * align < n ? b1 * align : n;
}

#endif
