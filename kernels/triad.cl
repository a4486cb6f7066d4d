/*
 * triad.cl - a[i] = b[i] + s * c[i] (the STREAM triad), one work-item per element.
 *
 * Like vecadd, every work-item is independent and the kernel is limited by memory bandwidth,
 * not arithmetic: two flops per twelve bytes.  The global size is padded to a multiple of the
 * work-group size, so the tail guard keeps the padding work-items from writing past the end.
 */
__kernel void triad(__global const float *restrict b, __global const float *restrict c,
                    __global float *restrict a, const float s, const uint n) {
    const uint i = get_global_id(0);
    if (i < n)
        a[i] = b[i] + s * c[i];
}
