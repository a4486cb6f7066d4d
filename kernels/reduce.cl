/*
 * reduce.cl - sum (and dot product) of n floats in two passes.
 *
 * Pass 1 (reduce_sum or dot_partials over the input): each work-item accumulates a private
 * partial, then the work-group adds its items' partials by a tree in local memory - log2(L)
 * halving steps separated by barriers - and item 0 writes one partial per group.  Pass 2 runs
 * reduce_sum again over those partials as a single work-group, leaving the sum in element 0.
 * The local size must be a power of two.
 *
 * How an item walks the input depends on the device, chosen by the host through `chunk`:
 *   chunk == 0  grid-stride: item i takes i, i + G, i + 2G, ... for G items in all, so items
 *               running side by side (a GPU warp) read neighbouring elements - coalesced;
 *   chunk > 0   item i takes the contiguous range [i chunk, (i + 1) chunk), 8 floats per load:
 *               on a CPU device the runtime runs a group's items one after another on a core,
 *               and a grid-stride walk there would touch a new page on every access.
 */

/* Tree reduction of scratch[0..L) into scratch[0]; every work-item of the group must call it. */
static float group_tree_sum(__local float *scratch, float mine) {
    const uint lid = get_local_id(0);
    scratch[lid] = mine;
    for (uint step = get_local_size(0) / 2; step > 0; step >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < step)
            scratch[lid] += scratch[lid + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return scratch[0];
}

__kernel void reduce_sum(__global const float *restrict x, __global float *restrict partials,
                         const uint n, const uint chunk, __local float *scratch) {
    float acc = 0.0f;
    if (chunk) {
        const uint begin = min((uint)get_global_id(0) * chunk, n), end = min(begin + chunk, n);
        float8 acc8 = 0.0f;
        uint i = begin;
        for (; i + 8 <= end; i += 8)
            acc8 += vload8(0, x + i);
        for (; i < end; i++)
            acc += x[i];
        acc += ((acc8.s0 + acc8.s1) + (acc8.s2 + acc8.s3)) +
               ((acc8.s4 + acc8.s5) + (acc8.s6 + acc8.s7));
    } else {
        for (uint i = get_global_id(0); i < n; i += get_global_size(0))
            acc += x[i];
    }
    float total = group_tree_sum(scratch, acc);
    if (get_local_id(0) == 0)
        partials[get_group_id(0)] = total;
}

__kernel void dot_partials(__global const float *restrict x, __global const float *restrict y,
                           __global float *restrict partials, const uint n, const uint chunk,
                           __local float *scratch) {
    float acc = 0.0f;
    if (chunk) {
        const uint begin = min((uint)get_global_id(0) * chunk, n), end = min(begin + chunk, n);
        float8 acc8 = 0.0f;
        uint i = begin;
        for (; i + 8 <= end; i += 8)
            acc8 += vload8(0, x + i) * vload8(0, y + i);
        for (; i < end; i++)
            acc += x[i] * y[i];
        acc += ((acc8.s0 + acc8.s1) + (acc8.s2 + acc8.s3)) +
               ((acc8.s4 + acc8.s5) + (acc8.s6 + acc8.s7));
    } else {
        for (uint i = get_global_id(0); i < n; i += get_global_size(0))
            acc += x[i] * y[i];
    }
    float total = group_tree_sum(scratch, acc);
    if (get_local_id(0) == 0)
        partials[get_group_id(0)] = total;
}
