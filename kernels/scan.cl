/*
 * scan.cl - inclusive prefix sum of int32 in three kernels.
 *
 * x and y may be the same buffer (the host scans block sums in place), so they are not restrict.
 *
 * scan_blocks: each work-group of L items scans one block of 2L elements in local memory with
 * Blelloch's work-efficient tree: an up-sweep builds partial sums in place (log2(2L) levels,
 * 2L - 1 additions), the root is saved as the block's total and cleared, and a down-sweep
 * pushes prefixes back down (another 2L - 1 additions), giving the exclusive scan; adding each
 * element's own input makes it inclusive.  The host runs scan_blocks again over the block totals
 * (recursively, until one block is left), then add_offsets adds the scanned total of all earlier
 * blocks to every element of each block.  L must be a power of two.
 */
__kernel void scan_blocks(__global const int *x, __global int *y,
                          __global int *restrict block_sums, const uint n,
                          __local int *temp) {
    const uint lid = get_local_id(0), items = get_local_size(0), span = 2 * items;
    const uint base = get_group_id(0) * span;
    const uint i0 = base + 2 * lid, i1 = i0 + 1;
    const int x0 = i0 < n ? x[i0] : 0, x1 = i1 < n ? x[i1] : 0;
    temp[2 * lid] = x0;
    temp[2 * lid + 1] = x1;

    uint stride = 1;
    for (uint active = items; active > 0; active >>= 1) { /* up-sweep */
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < active) {
            uint a = stride * (2 * lid + 1) - 1, b = stride * (2 * lid + 2) - 1;
            temp[b] += temp[a];
        }
        stride <<= 1;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        block_sums[get_group_id(0)] = temp[span - 1];
        temp[span - 1] = 0;
    }
    for (uint active = 1; active < span; active <<= 1) { /* down-sweep */
        stride >>= 1;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < active) {
            uint a = stride * (2 * lid + 1) - 1, b = stride * (2 * lid + 2) - 1;
            int t = temp[a];
            temp[a] = temp[b];
            temp[b] += t;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (i0 < n)
        y[i0] = temp[2 * lid] + x0; /* exclusive + own = inclusive */
    if (i1 < n)
        y[i1] = temp[2 * lid + 1] + x1;
}

/* y[i] += scanned total of all blocks before i's block (blocks of 2L elements). */
__kernel void add_offsets(__global int *restrict y, __global const int *restrict scanned_sums,
                          const uint n) {
    const uint i = get_global_id(0);
    const uint block = i / (2 * get_local_size(0));
    if (i < n && block > 0)
        y[i] += scanned_sums[block - 1];
}
