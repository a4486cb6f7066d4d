/*
 * reduce.cl - sum (and dot product) of n floats in two passes.
 *
 * Pass 1 (reduce_sum or dot_partials over the input): each work-item accumulates a private
 * partial over a grid-stride loop (item i takes i, i + G, i + 2G, ... for G work-items in all,
 * so neighbouring items read neighbouring elements), then the work-group adds its items'
 * partials by a tree in local memory - log2(L) halving steps separated by barriers - and item 0
 * writes one partial per group.  Pass 2 runs reduce_sum again over those partials as a single
 * work-group, leaving the sum in element 0.  The local size must be a power of two.
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
                         const uint n, __local float *scratch) {
    const uint stride = get_global_size(0);
    float acc = 0.0f;
    for (uint i = get_global_id(0); i < n; i += stride)
        acc += x[i];
    float total = group_tree_sum(scratch, acc);
    if (get_local_id(0) == 0)
        partials[get_group_id(0)] = total;
}

__kernel void dot_partials(__global const float *restrict x, __global const float *restrict y,
                           __global float *restrict partials, const uint n,
                           __local float *scratch) {
    const uint stride = get_global_size(0);
    float acc = 0.0f;
    for (uint i = get_global_id(0); i < n; i += stride)
        acc += x[i] * y[i];
    float total = group_tree_sum(scratch, acc);
    if (get_local_id(0) == 0)
        partials[get_group_id(0)] = total;
}
