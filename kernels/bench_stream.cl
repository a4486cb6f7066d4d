/*
 * bench_stream.cl - the memory, launch and atomic kernels of `hetero devices --bench`.
 *
 * copy and scale move 8 bytes per element, add and triad 12 (words read + words written, times
 * 4); the empty kernel measures launch latency; atomic_add is the OpenCL 1.1 form so the file
 * builds on every device, each work-item adding to the counter at (gid & mask) * stride: mask 0
 * puts every work-item on one address, a stride of 16 words gives each its own cache line.
 */
/* Four floats per work-item and, where the compiler offers it, a streaming store: the same
 * access pattern as the vecadd and triad workloads, so their pct_peak compares like with like
 * (kernels/vecadd.cl explains both choices). */
#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define STREAM_STORE4(v, p) __builtin_nontemporal_store((v), (p))
#endif
#endif
#ifndef STREAM_STORE4
#define STREAM_STORE4(v, p) (*(p) = (v))
#endif

/* STREAM's four kernels, each with a streaming store (_nt) and a plain one: the memory ceiling
 * is the best of the eight, since which is fastest depends on the device and the runtime. */
#define PLAIN_STORE4(v, p) (*(p) = (v))
#define STREAM_KERNELS(SUFFIX, STORE)                                                              \
    __kernel void bench_copy##SUFFIX(__global const float4 *restrict a,                            \
                                     __global float4 *restrict c) {                                \
        size_t i = get_global_id(0);                                                               \
        STORE(a[i], &c[i]);                                                                        \
    }                                                                                              \
    __kernel void bench_scale##SUFFIX(__global float4 *restrict b,                                 \
                                      __global const float4 *restrict c, float s) {                \
        size_t i = get_global_id(0);                                                               \
        STORE(s *c[i], &b[i]);                                                                     \
    }                                                                                              \
    __kernel void bench_add##SUFFIX(__global const float4 *restrict a,                             \
                                    __global const float4 *restrict b,                             \
                                    __global float4 *restrict c) {                                 \
        size_t i = get_global_id(0);                                                               \
        STORE(a[i] + b[i], &c[i]);                                                                 \
    }                                                                                              \
    __kernel void bench_triad##SUFFIX(__global float4 *restrict a,                                 \
                                      __global const float4 *restrict b,                           \
                                      __global const float4 *restrict c, float s) {                \
        size_t i = get_global_id(0);                                                               \
        STORE(b[i] + s * c[i], &a[i]);                                                             \
    }

STREAM_KERNELS(_nt, STREAM_STORE4)
STREAM_KERNELS(, PLAIN_STORE4)

__kernel void bench_empty(void) {}

__kernel void bench_atomic(__global volatile uint *counters, uint mask, uint stride, uint iters) {
    uint slot = ((uint)get_global_id(0) & mask) * stride;
    for (uint k = 0; k < iters; k++)
        atomic_add(&counters[slot], 1u);
}
