/*
 * geometry.c - launch geometry for the cuda backend: how many blocks cover n items.
 *
 * Pure arithmetic, kept apart from the runtime calls so it is unit-tested on machines without a
 * GPU.  The limits are CUDA's: at most 1024 threads per block and 2^31 - 1 blocks in x.
 */
#include <stdint.h>

#include "hetero/core/error.h"
#include "hetero/cuda/cuda.h"

#define MAX_BLOCK_THREADS 1024u
#define MAX_GRID_X        2147483647ull

size_t hx_cuda_tiles(size_t n, size_t tile) {
    return tile ? n / tile + (n % tile != 0) : 0;
}

int hx_cuda_grid_1d(size_t n, unsigned block, unsigned *blocks) {
    *blocks = 0;
    if (block == 0 || block > MAX_BLOCK_THREADS)
        return hx_fail(HX_ERR_USAGE, "CUDA block size %u is out of range; accepted: 1 to %u", block,
                       MAX_BLOCK_THREADS);
    size_t b = hx_cuda_tiles(n, block);
    if ((unsigned long long)b > MAX_GRID_X)
        return hx_fail(HX_ERR_USAGE,
                       "%zu items need %zu blocks of %u threads, more than a CUDA grid holds "
                       "(%llu)",
                       n, b, block, MAX_GRID_X);
    *blocks = b ? (unsigned)b : 1u; /* an empty problem still launches one block of guards */
    return HX_OK;
}

unsigned hx_cuda_grid_capped(size_t n, unsigned block, unsigned cap) {
    size_t b = block ? hx_cuda_tiles(n, block) : 1;
    if (cap == 0)
        cap = 1;
    if (b > cap)
        b = cap;
    return b ? (unsigned)b : 1u;
}
