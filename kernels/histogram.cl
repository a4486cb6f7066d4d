/*
 * histogram.cl - 256-bin histogram of n bytes, two ways.
 *
 * histogram_global: every byte is one atomic increment on the global bins.  All work-items of
 * the device contend for 256 counters (for a skewed input, mostly for one), so the atomics
 * serialise in the memory system: correct, and slow.
 *
 * histogram_local: privatisation.  Each work-group counts into its own bins in local memory
 * (contention only among the group's work-items, in fast on-chip memory), then adds each
 * non-zero bin to the global bins once: one global atomic per bin per group instead of one per
 * byte.
 *
 * Each work-group takes one contiguous chunk of the input, and its work-items stride through
 * the chunk by the group size (item k takes bytes k, k + L, k + 2L, ... of the chunk): on a GPU
 * neighbouring work-items read neighbouring bytes (coalesced), and on a CPU device, which runs a
 * group's work-items one after another, the chunk stays in cache while they do.  The global
 * bins must be zero before a launch.  OpenCL 1.1 atomic_inc/atomic_add: they build under
 * -cl-std=CL1.2 on every device (NVIDIA's OpenCL C has no C11 atomics).
 */
#define BINS 256

/* The chunk [*begin, *end) of this work-group: chunk bytes per group, clipped to n. */
static void group_chunk(const uint n, const uint chunk, uint *begin, uint *end) {
    const uint b = get_group_id(0) * chunk;
    *begin = min(b, n);
    *end = min(b + chunk, n);
}

__kernel void histogram_global(__global const uchar *restrict bytes, const uint n, const uint chunk,
                               __global uint *restrict bins) {
    uint begin, end;
    group_chunk(n, chunk, &begin, &end);
    for (uint i = begin + get_local_id(0); i < end; i += get_local_size(0))
        atomic_inc(&bins[bytes[i]]);
}

__kernel void histogram_local(__global const uchar *restrict bytes, const uint n, const uint chunk,
                              __global uint *restrict bins) {
    __local uint group_bins[BINS];
    const uint lid = get_local_id(0), lsize = get_local_size(0);
    for (uint b = lid; b < BINS; b += lsize)
        group_bins[b] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    uint begin, end;
    group_chunk(n, chunk, &begin, &end);
    for (uint i = begin + lid; i < end; i += lsize)
        atomic_inc(&group_bins[bytes[i]]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint b = lid; b < BINS; b += lsize) {
        const uint count = group_bins[b];
        if (count)
            atomic_add(&bins[b], count);
    }
}
