/*
 * scan.cu - inclusive prefix sum of n int32 on an NVIDIA GPU, and scan's CUDA binding.
 *
 * Reduce, then scan (three launches, all in the kernel time):
 *   1. the input is cut into B contiguous chunks, one per block (B at most 1024 and a few per
 *      SM); each block sums its chunk;
 *   2. one block scans the B chunk sums into each chunk's offset (exclusive scan);
 *   3. each block scans its chunk tile by tile (1024 elements, one per thread), starting from
 *      its offset and carrying each tile's total into the next.
 * Inside a block the scan is two levels of warp shuffles: each warp scans its 32 values with
 * __shfl_up_sync (log2 32 = 5 steps), the 32 warp totals are scanned the same way by one warp,
 * and each warp adds the total of the warps before it.  Like the CPU's three-phase scan it
 * reads the input twice; bytes are credited as the workload counts them (8 n).  Integer
 * addition is exact: the result must equal serial element for element.
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "scan.h"

#define SCAN_TILE          1024u /* threads per block, elements per tile */
#define SCAN_BLOCKS_PER_SM 4u
#define FULL               0xffffffffu

/* Inclusive scan of v over the block (blockDim.x a multiple of 32); *total = the block's sum. */
__device__ int32_t block_inclusive_scan(int32_t v, int32_t *total) {
    __shared__ int32_t warp_sums[32];
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, nwarps = blockDim.x / 32;
    for (unsigned o = 1; o < 32; o *= 2) {
        const int32_t t = __shfl_up_sync(FULL, v, o);
        if (lane >= o)
            v += t;
    }
    if (lane == 31)
        warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        int32_t w = lane < nwarps ? warp_sums[lane] : 0;
        for (unsigned o = 1; o < 32; o *= 2) {
            const int32_t t = __shfl_up_sync(FULL, w, o);
            if (lane >= o)
                w += t;
        }
        warp_sums[lane] = w; /* now inclusive over the warps */
    }
    __syncthreads();
    if (warp > 0)
        v += warp_sums[warp - 1];
    *total = warp_sums[nwarps - 1];
    __syncthreads(); /* warp_sums is reused by the next call */
    return v;
}

/* Phase 1: sums[b] = sum of chunk b, chunk b = [b chunk, min((b + 1) chunk, n)). */
__global__ void scan_chunk_sums(const int32_t *__restrict__ x, size_t n, size_t chunk,
                                int32_t *__restrict__ sums) {
    const size_t begin = blockIdx.x * chunk, end = begin + chunk < n ? begin + chunk : n;
    int32_t s = 0;
    for (size_t i = begin + threadIdx.x; i < end; i += blockDim.x)
        s += x[i];
    int32_t total;
    block_inclusive_scan(s, &total);
    if (threadIdx.x == 0)
        sums[blockIdx.x] = total;
}

/* Phase 2 (one block of SCAN_TILE threads, nsums <= SCAN_TILE): offsets = exclusive scan. */
__global__ void scan_offsets(const int32_t *__restrict__ sums, unsigned nsums,
                             int32_t *__restrict__ offsets) {
    const int32_t v = threadIdx.x < nsums ? sums[threadIdx.x] : 0;
    int32_t total;
    const int32_t inclusive = block_inclusive_scan(v, &total);
    if (threadIdx.x < nsums)
        offsets[threadIdx.x] = inclusive - v;
}

/* Phase 3: y over chunk b, tile by tile, from offsets[b]. */
__global__ void scan_chunks(const int32_t *__restrict__ x, size_t n, size_t chunk,
                            const int32_t *__restrict__ offsets, int32_t *__restrict__ y) {
    const size_t begin = blockIdx.x * chunk, end = begin + chunk < n ? begin + chunk : n;
    int32_t carry = offsets[blockIdx.x];
    for (size_t base = begin; base < end; base += blockDim.x) {
        const size_t i = base + threadIdx.x;
        const int32_t v = i < end ? x[i] : 0;
        int32_t total;
        const int32_t inclusive = block_inclusive_scan(v, &total);
        if (i < end)
            y[i] = carry + inclusive;
        carry += total;
    }
}

typedef struct scan_cuda {
    int32_t *x, *y, *sums, *offsets;
    unsigned blocks;
    size_t chunk;
} scan_cuda;

static int scan_cuda_prepare(hx_cuda_job *job) {
    const scan_data *d = (const scan_data *)job->problem->data;
    const size_t bytes = d->n * sizeof(int32_t);
    scan_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    unsigned cap = SCAN_BLOCKS_PER_SM * (unsigned)job->dev->sm_count;
    if (cap > SCAN_TILE)
        cap = SCAN_TILE; /* phase 2 scans one chunk sum per thread of one block */
    s->blocks = hx_cuda_grid_capped(d->n, SCAN_TILE, cap);
    s->chunk = hx_cuda_tiles(hx_cuda_tiles(d->n, s->blocks), SCAN_TILE) * SCAN_TILE;
    s->blocks = (unsigned)hx_cuda_tiles(d->n, s->chunk); /* no empty chunk at the end */
    if (s->blocks == 0)
        s->blocks = 1;
    HX_TRY(hx_cuda_alloc(job, bytes, "input x", (void **)&s->x));
    HX_TRY(hx_cuda_alloc(job, bytes, "output y", (void **)&s->y));
    HX_TRY(hx_cuda_alloc(job, s->blocks * sizeof(int32_t), "chunk sums", (void **)&s->sums));
    return hx_cuda_alloc(job, s->blocks * sizeof(int32_t), "chunk offsets", (void **)&s->offsets);
}

static int scan_cuda_run(hx_cuda_job *job, void *out) {
    const scan_data *d = (const scan_data *)job->problem->data;
    scan_cuda *s = (scan_cuda *)job->state;
    const size_t bytes = d->n * sizeof(int32_t);
    HX_TRY(hx_cuda_upload(job, s->x, d->x, bytes));
    HX_TRY(hx_cuda_launch_begin(job));
    scan_chunk_sums<<<s->blocks, SCAN_TILE>>>(s->x, d->n, s->chunk, s->sums);
    HX_TRY(hx_cuda_launch_end(job, "scan_chunk_sums"));
    HX_TRY(hx_cuda_launch_begin(job));
    scan_offsets<<<1, SCAN_TILE>>>(s->sums, s->blocks, s->offsets);
    HX_TRY(hx_cuda_launch_end(job, "scan_offsets"));
    HX_TRY(hx_cuda_launch_begin(job));
    scan_chunks<<<s->blocks, SCAN_TILE>>>(s->x, d->n, s->chunk, s->offsets, s->y);
    HX_TRY(hx_cuda_launch_end(job, "scan_chunks"));
    return hx_cuda_download(job, out, s->y, bytes);
}

extern "C" const hx_cuda_binding hx_cuda_binding_scan = {
    "scan.cu",
    scan_cuda_prepare,
    scan_cuda_run,
    nullptr,
};
