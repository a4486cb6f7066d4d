/*
 * sgemm.cl - C = A * B for n x n row-major float matrices: register tiles of float vectors per
 * work-item, with local-memory tiling only on devices whose local memory is real.
 *
 * Every work-item keeps an MR x (NV * VW) tile of C in MR x NV registers of type floatVW and, per
 * k, multiplies one value of A per row (broadcast) into NV vectors of B: the outer-product
 * schedule of the CPU micro-kernel (host/workloads/sgemm.c), which a CPU device such as PoCL
 * compiles to vector FMAs.  The tile shape comes from the host's autotuner (-D MR, NV, VW, ...;
 * the defaults below build anywhere).  Two ways to feed the registers, by SGEMM_LOCAL:
 *
 * SGEMM_LOCAL = 0 (CPU devices: CL_DEVICE_LOCAL_MEM_TYPE is CL_GLOBAL, "local" memory is plain
 * memory and a barrier makes the runtime park every work-item's registers): no local memory and
 * no barrier.  sgemm_pack_a and sgemm_pack_b first copy A into micro-panels of MR rows (for each
 * k, the MR values of one column, contiguous) and B into micro-panels of NR = NV * VW columns
 * (for each k, NR values of one row), both padded with zeros to whole panels, as BLIS packs.
 * sgemm_tile then reads both as two contiguous streams: work-item (i, j) walks A's panel i and
 * B's panel j over all k.  A work-group is TX row panels x TY column panels; a CPU device runs
 * its items one after the other on one core, so the group's A and B panels are reused from L2.
 * The packing kernels move whole vectors per item (a row of B, 16 k of an A panel): one float per
 * item cost 12 % of the run at n = 2048 in per-item overhead, now about 4 %.  With
 * SGEMM_PACK_A = 0 A is not packed at all: sgemm_tile reads its MR rows of A in place, MR
 * sequential streams of 4 bytes per k that the prefetcher follows as well as the one packed
 * stream; with MR = 6 the rows' lines fit one L1d set's 12 ways even when n is a power of two and
 * they all map to the same set (MR = 14 would not).  That saves pack_a's pass over A (0.7 ms at
 * n = 2048) and measured 5-9 % faster at n = 2048 on PoCL.
 *
 * There is no k-blocking (no KC): on PoCL (Zen 5, 48 KiB L1d, 1 MiB L2) the 6 x 64 item walking
 * all k runs at 0.95-0.97 x PoCL's measured fp32 peak for the tile kernel alone, even at n = 4096
 * where its B panel (n x 64 floats = 1 MiB) no longer fits L2: the two sequential streams are
 * prefetched well and need 280 bytes per 24 FMAs (12 cycles), about 23 B/cycle of L2's 64.  An
 * item owning several micro-tiles and walking k in blocks of KC (B micro-panel of KC x 64 floats
 * kept in L1 at KC = 128 (32 KiB) or L2 at 256-512, C loaded, added and stored per block) ran
 * 10-27 % slower at KC = 128..512 with 4 to 16 micro-tiles per item, so it was not kept.
 *
 * SGEMM_LOCAL = 1 (GPUs): sgemm_local, the classic shared-memory kernel.  A work-group of
 * TX x TY items computes a (TY MR) x (TX NR) tile of C, walking k in slices of BK: the group
 * copies the A slice (transposed, so an item's MR rows are adjacent) and the B slice into local
 * memory, waits at a barrier, and each item does BK outer products from there.  Each value read
 * from global memory is used TX NR (A) or TY MR (B) times.  Interior tiles load without bounds
 * checks; at the edges, loads past the matrix read zero and stores past it are skipped, so n
 * need not be a multiple of anything.
 *
 * Each c_ij is a sum of n products in another order than the host's serial loop, with FMA; the
 * workload's tolerance 2 gamma(n) covers every order.
 */
#ifndef SGEMM_LOCAL
#define SGEMM_LOCAL 0
#endif
#ifndef SGEMM_PACK_A
#define SGEMM_PACK_A 1 /* sgemm_tile reads A's packed panels (0: A's rows in place) */
#endif
#ifndef MR
#define MR 8 /* rows of C per work-item */
#endif
#ifndef VW
#define VW 8 /* float lanes per vector: 4, 8 or 16 */
#endif
#ifndef NV
#define NV 1 /* vectors per row: NR = NV * VW columns of C per work-item */
#endif
#ifndef TX
#define TX 8 /* sgemm_local: work-items per group along columns */
#endif
#ifndef TY
#define TY 8 /* sgemm_local: work-items per group along rows */
#endif
#ifndef BK
#define BK 16 /* sgemm_local: k per slice */
#endif

#define NR (NV * VW)

#define CAT_(a, b) a##b
#define CAT(a, b)  CAT_(a, b)
#define floatv     CAT(float, VW)
#define vloadv     CAT(vload, VW)
#define vstorev    CAT(vstore, VW)

static void zero_tile(__private floatv acc[MR][NV]) {
#pragma unroll
    for (uint r = 0; r < MR; r++)
#pragma unroll
        for (uint q = 0; q < NV; q++)
            acc[r][q] = (floatv)(0.0f);
}

/* One k of the register tile: acc[r][q] += a[r] * b[q], the value of A broadcast over the vector
 * of B, with fma (mad would let PoCL split it into a multiply and an add: half the rate). */
static void outer_product(__private floatv acc[MR][NV], __private const float *a,
                          __private const floatv *b) {
#pragma unroll
    for (uint r = 0; r < MR; r++) {
        const floatv av = (floatv)(a[r]);
#pragma unroll
        for (uint q = 0; q < NV; q++)
            acc[r][q] = fma(av, b[q], acc[r][q]);
    }
}

/* Row r of the item's tile: NV vectors into c (row-major, n columns), the part inside n only. */
static void store_row(__global float *restrict c, uint n, uint row, uint col,
                      __private const floatv *v) {
    if (row >= n)
        return;
    __global float *dst = c + (size_t)row * n + col;
    if (col + NR <= n) {
#pragma unroll
        for (uint q = 0; q < NV; q++)
            vstorev(v[q], q, dst);
        return;
    }
    float vals[NR];
#pragma unroll
    for (uint q = 0; q < NV; q++)
        vstorev(v[q], q, vals);
    for (uint q = 0; col + q < n && q < NR; q++)
        dst[q] = vals[q];
}

#if !SGEMM_LOCAL

/* The packing kernels move n^2 floats each against the tile kernel's 2 n^3 flops, but at n = 2048
 * they were 12 % of the run when every item moved one float (pack_b: 4 M items in 64 K groups of
 * 64) or gathered MR floats down a column of A: per-item and per-group overhead, not bandwidth.
 * Each item now moves whole vectors: 0.7 ms each at n = 2048 instead of 2.3 (A) and 3.4 ms (B). */

#define PACK_K 16 /* sgemm_pack_a: k per item; the host sizes its grid with the same number */

/* Item (c, p): k = c PACK_K .. + PACK_K - 1 of row panel p, i.e. the MR values a[p MR + r][k]
 * for each such k, contiguous in ap[(p n + k) MR + r]; zero past the matrix.  An interior item
 * reads one float16 from each of the panel's MR rows and writes them back transposed, PACK_K MR
 * contiguous floats. */
__kernel void sgemm_pack_a(__global const float *restrict a, __global float *restrict ap,
                           const uint n) {
    const uint k0 = get_global_id(0) * PACK_K, p = get_global_id(1);
    if (k0 >= n)
        return;
    __global float *dst = ap + ((size_t)p * n + k0) * MR;
    if (k0 + PACK_K <= n) {
        float t[MR][PACK_K];
#pragma unroll
        for (uint r = 0; r < MR; r++) {
            const uint row = p * MR + r;
            vstore16(row < n ? vload16(0, a + (size_t)row * n + k0) : (float16)(0.0f), 0, t[r]);
        }
#pragma unroll
        for (uint k = 0; k < PACK_K; k++)
#pragma unroll
            for (uint r = 0; r < MR; r++)
                dst[k * MR + r] = t[r][k];
        return;
    }
    for (uint k = 0; k0 + k < n; k++)
        for (uint r = 0; r < MR; r++) {
            const uint row = p * MR + r;
            dst[k * MR + r] = row < n ? a[(size_t)row * n + k0 + k] : 0.0f;
        }
}

/* Item k: row k of B into every column panel, NR values at a time:
 * bp[((j / NR) n + k) NR + j % NR] = b[k][j], zero past the matrix.  The item reads its row as
 * one contiguous stream; the work-group's consecutive rows land next to each other in each
 * panel. */
__kernel void sgemm_pack_b(__global const float *restrict b, __global float *restrict bp,
                           const uint n) {
    const uint k = get_global_id(0);
    if (k >= n)
        return;
    const __global float *src = b + (size_t)k * n;
    __global float *dst = bp + (size_t)k * NR;
    uint j = 0;
    for (; j + NR <= n; j += NR, dst += (size_t)n * NR)
#pragma unroll
        for (uint q = 0; q < NV; q++)
            vstorev(vloadv(q, src + j), q, dst);
    if (j < n)
        for (uint q = 0; q < NR; q++)
            dst[q] = j + q < n ? src[j + q] : 0.0f;
}

/* Item (i, j) of the grid of tiles: C[i MR .., j NR ..] = A panel i x B panel j over all k.
 * Items past the last panel (the grid is padded to whole work-groups) do nothing.
 * SGEMM_PACK_A = 0: a is A itself, row-major, not its packed panels; the item reads its MR rows in
 * place, MR sequential streams of one float per k instead of one stream of MR floats.  Rows past
 * n (the last panel's) read row n - 1 instead of zeros: store_row drops their results. */
__kernel void sgemm_tile(__global const float *restrict a, __global const float *restrict bp,
                         __global float *restrict c, const uint n) {
    const uint pi = get_global_id(0), pj = get_global_id(1);
    if (pi * MR >= n || pj * NR >= n)
        return;
#if SGEMM_PACK_A
    const __global float *ap = a + (size_t)pi * n * MR;
#else
    const __global float *rows[MR];
#pragma unroll
    for (uint r = 0; r < MR; r++)
        rows[r] = a + (size_t)min(pi * MR + r, n - 1) * n;
#endif
    const __global float *b = bp + (size_t)pj * n * NR;
    floatv acc[MR][NV];
    zero_tile(acc);
    for (uint k = 0; k < n; k++, b += NR) {
        float av[MR];
        floatv bv[NV];
#pragma unroll
        for (uint r = 0; r < MR; r++)
#if SGEMM_PACK_A
            av[r] = ap[r];
        ap += MR;
#else
            av[r] = rows[r][k];
#endif
#pragma unroll
        for (uint q = 0; q < NV; q++)
            bv[q] = vloadv(q, b);
        outer_product(acc, av, bv);
    }
#pragma unroll
    for (uint r = 0; r < MR; r++)
        store_row(c, n, pi * MR + r, pj * NR, acc[r]);
}

#else /* SGEMM_LOCAL */

#define BM (TY * MR) /* rows of C per work-group */
#define BN (TX * NR) /* columns of C per work-group */

__kernel __attribute__((reqd_work_group_size(TX, TY, 1))) void
sgemm_local(__global const float *restrict a, __global const float *restrict b,
            __global float *restrict c, const uint n) {
    __local float a_tile[BK * BM]; /* a_tile[k BM + row]: A transposed */
    __local float b_tile[BK * BN]; /* b_tile[k BN + col] */
    const uint tx = get_local_id(0), ty = get_local_id(1);
    const uint row0 = get_group_id(1) * BM, col0 = get_group_id(0) * BN;
    const uint flat = ty * TX + tx;
    floatv acc[MR][NV];
    zero_tile(acc);

    for (uint k0 = 0; k0 < n; k0 += BK) {
        const bool interior = row0 + BM <= n && col0 + BN <= n && k0 + BK <= n;
        for (uint e = flat; e < BK * BM; e += TX * TY) {
            const uint ar = e / BK, ak = e % BK; /* consecutive items: consecutive k of a row */
            const uint gr = row0 + ar, gk = k0 + ak;
            a_tile[ak * BM + ar] = interior || (gr < n && gk < n) ? a[(size_t)gr * n + gk] : 0.0f;
        }
        for (uint e = flat; e < BK * BN; e += TX * TY) {
            const uint bk = e / BN, bc = e % BN; /* consecutive items: consecutive columns */
            const uint gk = k0 + bk, gc = col0 + bc;
            b_tile[bk * BN + bc] = interior || (gk < n && gc < n) ? b[(size_t)gk * n + gc] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
        for (uint k = 0; k < BK; k++) {
            float av[MR];
            floatv bv[NV];
#pragma unroll
            for (uint r = 0; r < MR; r++)
                av[r] = a_tile[k * BM + ty * MR + r];
#pragma unroll
            for (uint q = 0; q < NV; q++)
                bv[q] = vloadv(q, b_tile + k * BN + tx * NR);
            outer_product(acc, av, bv);
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* the tiles are overwritten next slice */
    }
#pragma unroll
    for (uint r = 0; r < MR; r++)
        store_row(c, n, row0 + ty * MR + r, col0 + tx * NR, acc[r]);
}

#endif
