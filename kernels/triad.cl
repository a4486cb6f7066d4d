/*
 * triad.cl - a[i] = b[i] + s * c[i] (the STREAM triad): each work-item does four elements.
 *
 * Like vecadd, every work-item is independent and the kernel is limited by memory bandwidth,
 * not arithmetic: two flops per twelve bytes.  Four elements per work-item give 16-byte loads and
 * stores (coalesced on a GPU, a quarter of the work-items on a CPU device); the host launches
 * ceil(n/4) work-items rounded up to the work-group size, and the last ones handle a tail of
 * fewer than four elements or nothing.  The store is a streaming (non-temporal) one where the
 * compiler offers it, so a CPU device does not read a into the cache before overwriting it
 * (vecadd.cl explains this).
 */
#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define STREAM_STORE4(v, i, p) __builtin_nontemporal_store((v), (__global float4 *)(p) + (i))
#endif
#endif
#ifndef STREAM_STORE4
#define STREAM_STORE4(v, i, p) vstore4((v), (i), (p))
#endif

__kernel void triad(__global const float *restrict b, __global const float *restrict c,
                    __global float *restrict a, const float s, const uint n) {
    const uint i = get_global_id(0);
    const uint first = 4 * i;
    if (first + 3 < n) {
        STREAM_STORE4(vload4(i, b) + s * vload4(i, c), i, a);
    } else {
        for (uint k = first; k < n; k++)
            a[k] = b[k] + s * c[k];
    }
}
