/*
 * sgemm.cl - C = A * B for n x n row-major float matrices, tiled through local memory.
 *
 * Each work-group of 16 x 16 items computes one 64 x 64 tile of C; each item accumulates 4 x 4
 * outputs in private registers (rows ty + 16 r, columns tx + 16 c, so neighbouring items write
 * neighbouring columns).  The k dimension is walked in slices of 16: the group copies a 64 x 16
 * block of A and a 16 x 64 block of B into local memory (4 elements of each per item), waits at
 * a barrier, and every item then does 16 x 16 multiply-adds reading only local memory - each
 * value loaded from global memory is used 64 times.  Loads past the matrix edge read zero and
 * stores past it are skipped, so n need not be a multiple of 64.  Needs a 16 x 16 work-group.
 */
#define TILE 64
#define KSLICE 16
#define ITEMS 16
#define PER_ITEM 4

__kernel __attribute__((reqd_work_group_size(ITEMS, ITEMS, 1))) void
sgemm(__global const float *restrict a, __global const float *restrict b,
      __global float *restrict c, const uint n) {
    __local float a_tile[KSLICE][TILE]; /* a_tile[k][row]: transposed, read along rows */
    __local float b_tile[KSLICE][TILE]; /* b_tile[k][col] */
    const uint tx = get_local_id(0), ty = get_local_id(1);
    const uint row0 = get_group_id(1) * TILE, col0 = get_group_id(0) * TILE;
    const uint flat = ty * ITEMS + tx;
    float acc[PER_ITEM][PER_ITEM];
    for (int r = 0; r < PER_ITEM; r++)
        for (int q = 0; q < PER_ITEM; q++)
            acc[r][q] = 0.0f;

    for (uint k0 = 0; k0 < n; k0 += KSLICE) {
        for (uint l = 0; l < 4; l++) { /* 1024 elements of each tile, 4 per item */
            const uint idx = flat + l * ITEMS * ITEMS;
            const uint ar = idx / KSLICE, ak = idx % KSLICE; /* A: 64 rows x 16 k */
            const uint gr = row0 + ar, gk = k0 + ak;
            a_tile[ak][ar] = gr < n && gk < n ? a[gr * n + gk] : 0.0f;
            const uint bk = idx / TILE, bc = idx % TILE; /* B: 16 k x 64 columns */
            const uint hk = k0 + bk, gc = col0 + bc;
            b_tile[bk][bc] = hk < n && gc < n ? b[hk * n + gc] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint k = 0; k < KSLICE; k++) {
            float av[PER_ITEM], bv[PER_ITEM];
            for (int r = 0; r < PER_ITEM; r++)
                av[r] = a_tile[k][ty + ITEMS * r];
            for (int q = 0; q < PER_ITEM; q++)
                bv[q] = b_tile[k][tx + ITEMS * q];
            for (int r = 0; r < PER_ITEM; r++)
                for (int q = 0; q < PER_ITEM; q++)
                    acc[r][q] += av[r] * bv[q];
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* the tiles are overwritten next slice */
    }
    for (int r = 0; r < PER_ITEM; r++) {
        const uint gr = row0 + ty + ITEMS * r;
        for (int q = 0; q < PER_ITEM; q++) {
            const uint gc = col0 + tx + ITEMS * q;
            if (gr < n && gc < n)
                c[gr * n + gc] = acc[r][q];
        }
    }
}
