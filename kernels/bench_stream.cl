/*
 * bench_stream.cl - the memory, launch and atomic kernels of `hetero devices --bench`.
 *
 * copy and triad move 8 and 12 bytes per work-item (words read + words written, times 4); the
 * empty kernel measures launch latency; atomic_add is the OpenCL 1.1 form so the file builds on
 * every device, each work-item adding to the counter at (gid & mask) * stride: mask 0 puts every
 * work-item on one address, a stride of 16 words gives each its own cache line.
 */
__kernel void bench_copy(__global const float *restrict a, __global float *restrict c) {
    size_t i = get_global_id(0);
    c[i] = a[i];
}

__kernel void bench_triad(__global float *restrict a, __global const float *restrict b,
                          __global const float *restrict c, float s) {
    size_t i = get_global_id(0);
    a[i] = b[i] + s * c[i];
}

__kernel void bench_empty(void) {}

__kernel void bench_atomic(__global volatile uint *counters, uint mask, uint stride, uint iters) {
    uint slot = ((uint)get_global_id(0) & mask) * stride;
    for (uint k = 0; k < iters; k++)
        atomic_add(&counters[slot], 1u);
}
