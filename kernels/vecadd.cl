/*
 * vecadd.cl - c[i] = a[i] + b[i], one work-item per element.
 *
 * The simplest data-parallel kernel: no work-item talks to another, so the hardware is free to
 * run them in any order and width (SIMT lanes on a GPU; PoCL packs a work-group into SIMD loops
 * on a CPU).  The global size is padded to a multiple of the work-group size, so the tail guard
 * keeps the padding work-items from writing past the end.
 */
__kernel void vecadd(__global const float *restrict a, __global const float *restrict b,
                     __global float *restrict c, const uint n) {
    const uint i = get_global_id(0);
    if (i < n)
        c[i] = a[i] + b[i];
}
