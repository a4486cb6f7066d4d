/*
 * scan.cl - inclusive prefix sum of int32 in three kernels.
 *
 * scan_blocks: each work-group of L items scans one block of 8L elements.  An item first scans
 * its own 8 consecutive elements in registers (a short serial scan: cheap, and it cuts the
 * tree's size and barriers by 8), then the group runs Blelloch's work-efficient tree over the L
 * item totals in local memory: an up-sweep builds partial sums in place (log2 L levels, L - 1
 * additions), the root is saved as the block's total and cleared, and a down-sweep pushes the
 * prefixes back down (another L - 1 additions), leaving each item the exclusive prefix of the
 * items before it, which it adds to its 8 results.  The host runs scan_blocks again over the
 * block totals (recursively, until one block is left), then add_offsets adds the scanned total
 * of all earlier blocks to every element of each block.  L must be a power of two, and PER_ITEM
 * must match SCAN_OCL_PER_ITEM in host/workloads/scan.c.
 *
 * x and y may be the same buffer (the host scans block sums in place), so they are not restrict:
 * each item reads its own elements before the first barrier and writes them after the last.
 */
#define PER_ITEM 8

__kernel void scan_blocks(__global const int *x, __global int *y, __global int *restrict block_sums,
                          const uint n, __local int *temp) {
    const uint lid = get_local_id(0), items = get_local_size(0);
    const uint base = get_group_id(0) * items * PER_ITEM + lid * PER_ITEM;
    int v[PER_ITEM];
    int run = 0;
    for (uint e = 0; e < PER_ITEM; e++) { /* serial inclusive scan of this item's elements */
        run += base + e < n ? x[base + e] : 0;
        v[e] = run;
    }
    temp[lid] = run;

    for (uint stride = 1; stride < items; stride <<= 1) { /* up-sweep */
        barrier(CLK_LOCAL_MEM_FENCE);
        const uint b = (lid + 1) * stride * 2 - 1;
        if (b < items)
            temp[b] += temp[b - stride];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        block_sums[get_group_id(0)] = temp[items - 1];
        temp[items - 1] = 0;
    }
    for (uint stride = items / 2; stride > 0; stride >>= 1) { /* down-sweep */
        barrier(CLK_LOCAL_MEM_FENCE);
        const uint b = (lid + 1) * stride * 2 - 1;
        if (b < items) {
            const int t = temp[b - stride];
            temp[b - stride] = temp[b];
            temp[b] += t;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int offset = temp[lid]; /* exclusive prefix of the items before this one */
    for (uint e = 0; e < PER_ITEM; e++)
        if (base + e < n)
            y[base + e] = v[e] + offset;
}

/* y[i] += scanned total of all blocks before i's block (blocks of `span` elements). */
__kernel void add_offsets(__global int *restrict y, __global const int *restrict scanned_sums,
                          const uint n, const uint span) {
    const uint i = get_global_id(0);
    const uint block = i / span;
    if (i < n && block > 0)
        y[i] += scanned_sums[block - 1];
}
