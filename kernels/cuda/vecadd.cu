/*
 * vecadd.cu - c[i] = a[i] + b[i] on an NVIDIA GPU, and vecadd's CUDA binding.
 *
 * The CUDA twin of kernels/vecadd.cl.  Each thread adds four neighbouring elements with one
 * 16-byte load per input and one 16-byte store (float4): the same bytes as four scalar threads
 * but a quarter of the memory instructions, which is what lets a streaming kernel come close to
 * the copy bandwidth of the GPU.  cudaMalloc returns 256-byte aligned memory, so every float4
 * is aligned; the last thread finishes a tail of 1-3 elements one at a time.
 *
 * Bytes and flops are the workload's (host/workloads/vecadd.c): 12 n bytes, n flops.  The add is
 * one correctly rounded IEEE float add, bit-identical to serial's (no FMA is possible here).
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "vecadd.h"

#define VECADD_BLOCK 256u

__global__ void vecadd_kernel(const float *__restrict__ a, const float *__restrict__ b,
                              float *__restrict__ c, size_t n) {
    const size_t q = (size_t)blockIdx.x * blockDim.x + threadIdx.x; /* which float4 */
    const size_t i = 4 * q;
    if (i + 4 <= n) {
        const float4 x = reinterpret_cast<const float4 *>(a)[q];
        const float4 y = reinterpret_cast<const float4 *>(b)[q];
        reinterpret_cast<float4 *>(c)[q] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
    } else {
        for (size_t k = i; k < n; k++) /* the tail: at most 3 elements, one thread */
            c[k] = a[k] + b[k];
    }
}

typedef struct vecadd_cuda {
    float *a, *b, *c;
    unsigned blocks;
} vecadd_cuda;

static int vecadd_cuda_prepare(hx_cuda_job *job) {
    const vecadd_data *d = (const vecadd_data *)job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    vecadd_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_cuda_alloc(job, bytes, "input a", (void **)&s->a));
    HX_TRY(hx_cuda_alloc(job, bytes, "input b", (void **)&s->b));
    HX_TRY(hx_cuda_alloc(job, bytes, "output c", (void **)&s->c));
    return hx_cuda_grid_1d(hx_cuda_tiles(d->n, 4), VECADD_BLOCK, &s->blocks);
}

static int vecadd_cuda_run(hx_cuda_job *job, void *out) {
    const vecadd_data *d = (const vecadd_data *)job->problem->data;
    vecadd_cuda *s = (vecadd_cuda *)job->state;
    const size_t bytes = d->n * sizeof(float);
    HX_TRY(hx_cuda_upload(job, s->a, d->a, bytes));
    HX_TRY(hx_cuda_upload(job, s->b, d->b, bytes));
    HX_TRY(hx_cuda_launch_begin(job));
    vecadd_kernel<<<s->blocks, VECADD_BLOCK>>>(s->a, s->b, s->c, d->n);
    HX_TRY(hx_cuda_launch_end(job, "vecadd_kernel"));
    return hx_cuda_download(job, out, s->c, bytes);
}

extern "C" const hx_cuda_binding hx_cuda_binding_vecadd = {
    "vecadd.cu",
    vecadd_cuda_prepare,
    vecadd_cuda_run,
    nullptr,
};
