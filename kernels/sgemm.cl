/*
 * sgemm.cl - C = A * B for n x n row-major float matrices, tiled through local memory.
 *
 * Each work-group of 8 x 8 items computes one 64 x 64 tile of C; each item keeps an 8 x 8 block
 * of it in eight float8 registers (rows 8 ty .. 8 ty + 7, columns 8 tx .. 8 tx + 7).  The k
 * dimension is walked in slices of 64: the group copies a 64 x 64 block of A (transposed, so an
 * item's 8 rows are adjacent) and a 64 x 64 block of B into local memory (32 KiB), 64 elements of
 * each per item, waits at a barrier, and every item then does, per k, one 8-wide load of A, one of
 * B and 8 vector multiply-adds - an outer product, the same register blocking as the CPU
 * micro-kernel.  Long slices mean few barriers: a CPU device such as PoCL runs a work-group as
 * loops over its items and must park every item's 64 accumulators in memory at each barrier
 * (slices of 16 ran at 40 GFLOP/s on PoCL at n = 2048, slices of 64 at 46).
 * Each value loaded from global memory is used 64 times.  Interior tiles are copied 4 floats at a
 * time without bounds checks (twice as fast on PoCL); at the edges, loads past the matrix read
 * zero and stores past it are skipped, so n need not be a multiple of 64.  Needs an 8 x 8
 * work-group.
 */
#define TILE   64
#define KSLICE 64
#define ITEMS  8

__kernel __attribute__((reqd_work_group_size(ITEMS, ITEMS, 1))) void
sgemm(__global const float *restrict a, __global const float *restrict b,
      __global float *restrict c, const uint n) {
    __local float a_tile[KSLICE * TILE]; /* a_tile[k * TILE + row]: A transposed */
    __local float b_tile[KSLICE * TILE]; /* b_tile[k * TILE + col] */
    const uint tx = get_local_id(0), ty = get_local_id(1);
    const uint row0 = get_group_id(1) * TILE, col0 = get_group_id(0) * TILE;
    const uint flat = ty * ITEMS + tx;
    float8 acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
    float8 acc4 = 0.0f, acc5 = 0.0f, acc6 = 0.0f, acc7 = 0.0f;

    for (uint k0 = 0; k0 < n; k0 += KSLICE) {
        if (row0 + TILE <= n && col0 + TILE <= n && k0 + KSLICE <= n) {
            /* interior tile (the same branch for the whole group): 4-wide loads, no checks */
            for (uint l = 0; l < KSLICE * TILE / (4 * ITEMS * ITEMS); l++) {
                const uint q = flat + l * ITEMS * ITEMS;
                const uint ar = q / (KSLICE / 4), ak = q % (KSLICE / 4) * 4;
                const float4 av = vload4(0, a + (row0 + ar) * n + k0 + ak);
                a_tile[(ak + 0) * TILE + ar] = av.s0;
                a_tile[(ak + 1) * TILE + ar] = av.s1;
                a_tile[(ak + 2) * TILE + ar] = av.s2;
                a_tile[(ak + 3) * TILE + ar] = av.s3;
                const uint bk = q / (TILE / 4), bc = q % (TILE / 4) * 4;
                vstore4(vload4(0, b + (k0 + bk) * n + col0 + bc), 0, b_tile + bk * TILE + bc);
            }
        } else {
            /* edge tile: one element at a time, zero past the matrix */
            for (uint l = 0; l < KSLICE * TILE / (ITEMS * ITEMS); l++) {
                const uint idx = flat + l * ITEMS * ITEMS;
                const uint ar = idx / KSLICE, ak = idx % KSLICE; /* A: 64 rows x 16 k */
                const uint gr = row0 + ar, gk = k0 + ak;
                a_tile[ak * TILE + ar] = gr < n && gk < n ? a[gr * n + gk] : 0.0f;
                const uint bk = idx / TILE, bc = idx % TILE; /* B: 16 k x 64 columns */
                const uint hk = k0 + bk, gc = col0 + bc;
                b_tile[bk * TILE + bc] = hk < n && gc < n ? b[hk * n + gc] : 0.0f;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint k = 0; k < KSLICE; k++) {
            const float8 av = vload8(0, a_tile + k * TILE + ty * 8);
            const float8 bv = vload8(0, b_tile + k * TILE + tx * 8);
            acc0 += av.s0 * bv;
            acc1 += av.s1 * bv;
            acc2 += av.s2 * bv;
            acc3 += av.s3 * bv;
            acc4 += av.s4 * bv;
            acc5 += av.s5 * bv;
            acc6 += av.s6 * bv;
            acc7 += av.s7 * bv;
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* the tiles are overwritten next slice */
    }
    const float8 acc[8] = {acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7};
    const uint col = col0 + tx * 8;
    for (uint r = 0; r < 8; r++) {
        const uint row = row0 + ty * 8 + r;
        if (row >= n)
            break;
        if (col + 8 <= n) {
            vstore8(acc[r], 0, c + row * n + col);
        } else {
            float vals[8];
            vstore8(acc[r], 0, vals);
            for (uint q = 0; col + q < n; q++)
                c[row * n + col + q] = vals[q];
        }
    }
}
