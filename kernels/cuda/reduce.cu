/*
 * reduce.cu - sum x_i (reduce) or sum x_i y_i (dot) on an NVIDIA GPU, and their CUDA binding.
 *
 * Two launches, both in the kernel time, as in kernels/reduce.cl:
 *   1. a few blocks per SM walk the input with a grid-stride loop (16-byte loads), each thread
 *      keeping one running sum; each block then reduces its threads' sums to one partial -
 *      within a warp by shuffles (__shfl_down_sync: registers to registers, no shared memory),
 *      across the warps of the block through 32 words of shared memory;
 *   2. one block reduces the partials the same way and writes the result.
 * The grid is capped (8 blocks of 256 threads per SM), so the list of partials stays short and
 * the second launch is cheap, while there are still enough warps to keep the memory busy.
 * The order of summation differs from serial's; reduce's tolerance covers every order
 * (host/workloads/reduce.c, NOTES).  Bytes and flops are the workload's.
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "reduce.h"

#define REDUCE_BLOCK         256u
#define REDUCE_BLOCKS_PER_SM 8u
#define REDUCE_FINAL_BLOCK   1024u

/* The sum of v over the block, valid in thread 0.  blockDim.x is a multiple of 32. */
__device__ float block_sum(float v) {
    __shared__ float warp_sums[32];
    for (int offset = 16; offset > 0; offset /= 2)
        v += __shfl_down_sync(0xffffffffu, v, offset);
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0)
        warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < blockDim.x / 32 ? warp_sums[lane] : 0.0f;
        for (int offset = 16; offset > 0; offset /= 2)
            v += __shfl_down_sync(0xffffffffu, v, offset);
    }
    return v;
}

/* partials[blockIdx.x] = this block's share of sum x_i (y == nullptr) or sum x_i y_i. */
template <bool DOT>
__global__ void reduce_kernel(const float *__restrict__ x, const float *__restrict__ y, size_t n,
                              float *__restrict__ partials) {
    const size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    const size_t n4 = n / 4;
    float s = 0.0f;
    for (size_t q = tid; q < n4; q += stride) {
        const float4 a = reinterpret_cast<const float4 *>(x)[q];
        if (DOT) {
            const float4 b = reinterpret_cast<const float4 *>(y)[q];
            s += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        } else {
            s += a.x + a.y + a.z + a.w;
        }
    }
    const size_t tail = 4 * n4 + tid; /* the last n % 4 elements, one per thread */
    if (tail < n)
        s += DOT ? x[tail] * y[tail] : x[tail];
    s = block_sum(s);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = s;
}

typedef struct reduce_cuda {
    float *x, *y, *partials, *result;
    unsigned blocks;
} reduce_cuda;

static int reduce_cuda_prepare(hx_cuda_job *job) {
    const reduce_data *d = (const reduce_data *)job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    reduce_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_cuda_alloc(job, bytes, "input x", (void **)&s->x));
    if (d->y)
        HX_TRY(hx_cuda_alloc(job, bytes, "input y", (void **)&s->y));
    s->blocks = hx_cuda_grid_capped(hx_cuda_tiles(d->n, 4), REDUCE_BLOCK,
                                    REDUCE_BLOCKS_PER_SM * (unsigned)job->dev->sm_count);
    if (s->blocks > REDUCE_FINAL_BLOCK) /* the final pass reads one partial per thread at most */
        s->blocks = REDUCE_FINAL_BLOCK;
    HX_TRY(hx_cuda_alloc(job, s->blocks * sizeof(float), "partial sums", (void **)&s->partials));
    return hx_cuda_alloc(job, sizeof(float), "the result", (void **)&s->result);
}

static int reduce_cuda_run(hx_cuda_job *job, void *out) {
    const reduce_data *d = (const reduce_data *)job->problem->data;
    reduce_cuda *s = (reduce_cuda *)job->state;
    const size_t bytes = d->n * sizeof(float);
    HX_TRY(hx_cuda_upload(job, s->x, d->x, bytes));
    if (d->y)
        HX_TRY(hx_cuda_upload(job, s->y, d->y, bytes));
    HX_TRY(hx_cuda_launch_begin(job));
    if (d->y)
        reduce_kernel<true><<<s->blocks, REDUCE_BLOCK>>>(s->x, s->y, d->n, s->partials);
    else
        reduce_kernel<false><<<s->blocks, REDUCE_BLOCK>>>(s->x, nullptr, d->n, s->partials);
    HX_TRY(hx_cuda_launch_end(job, "reduce_kernel (partials)"));
    HX_TRY(hx_cuda_launch_begin(job));
    reduce_kernel<false><<<1, REDUCE_FINAL_BLOCK>>>(s->partials, nullptr, s->blocks, s->result);
    HX_TRY(hx_cuda_launch_end(job, "reduce_kernel (final)"));
    return hx_cuda_download(job, out, s->result, sizeof(float));
}

extern "C" const hx_cuda_binding hx_cuda_binding_reduce = {
    "reduce.cu",
    reduce_cuda_prepare,
    reduce_cuda_run,
    nullptr,
};
