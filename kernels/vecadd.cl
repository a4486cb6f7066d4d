/*
 * vecadd.cl - c[i] = a[i] + b[i]: each work-item adds four neighbouring elements.
 *
 * The simplest data-parallel kernel: no work-item talks to another, so the hardware is free to run
 * them in any order and width (SIMT lanes on a GPU; PoCL packs a work-group into SIMD loops on a
 * CPU).  Four elements per work-item make every load and store 16 bytes wide: a GPU coalesces
 * them into full memory transactions, and a CPU device runs a quarter of the work-items for the
 * same bytes (on PoCL this doubles the bandwidth of the one-element version).  The host rounds
 * the number of work-items, ceil(n/4), up to a multiple of the work-group size; the last
 * work-items take the scalar path for a tail of fewer than four elements, or do nothing.
 *
 * The result is written with a streaming (non-temporal) store where the compiler offers one
 * (clang-based ones such as PoCL's): c is written once and not read again, and a plain store on a
 * CPU first reads each line of c into the cache ("write allocate"), a third more memory traffic
 * than the 12 bytes per element the kernel needs.  Elsewhere it is an ordinary store.
 */
#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define STREAM_STORE4(v, i, p) __builtin_nontemporal_store((v), (__global float4 *)(p) + (i))
#endif
#endif
#ifndef STREAM_STORE4
#define STREAM_STORE4(v, i, p) vstore4((v), (i), (p))
#endif

__kernel void vecadd(__global const float *restrict a, __global const float *restrict b,
                     __global float *restrict c, const uint n) {
    const uint i = get_global_id(0);
    const uint first = 4 * i;
    if (first + 3 < n) {
        STREAM_STORE4(vload4(i, a) + vload4(i, b), i, c);
    } else {
        for (uint k = first; k < n; k++)
            c[k] = a[k] + b[k];
    }
}
