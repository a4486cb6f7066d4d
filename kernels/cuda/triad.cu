/*
 * triad.cu - a = b + s * c on an NVIDIA GPU (the STREAM triad), and triad's CUDA binding.
 *
 * Written like kernels/cuda/vecadd.cu: four elements per thread through 16-byte loads and
 * stores, a tail of 1-3 elements in the last thread.  The multiply and add may contract into
 * one fused multiply-add (one rounding instead of serial's two); triad's tolerance of
 * 2 gamma(2) (1 + |s|) covers that (host/workloads/triad.c, NOTES).
 * Bytes and flops are the workload's: 12 n bytes, 2 n flops.
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "triad.h"

#define TRIAD_BLOCK 256u

__global__ void triad_kernel(float *__restrict__ a, const float *__restrict__ b,
                             const float *__restrict__ c, float s, size_t n) {
    const size_t q = (size_t)blockIdx.x * blockDim.x + threadIdx.x; /* which float4 */
    const size_t i = 4 * q;
    if (i + 4 <= n) {
        const float4 x = reinterpret_cast<const float4 *>(b)[q];
        const float4 y = reinterpret_cast<const float4 *>(c)[q];
        reinterpret_cast<float4 *>(a)[q] =
            make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
    } else {
        for (size_t k = i; k < n; k++)
            a[k] = b[k] + s * c[k];
    }
}

typedef struct triad_cuda {
    float *a, *b, *c;
    unsigned blocks;
} triad_cuda;

static int triad_cuda_prepare(hx_cuda_job *job) {
    const triad_data *d = (const triad_data *)job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    triad_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_cuda_alloc(job, bytes, "output a", (void **)&s->a));
    HX_TRY(hx_cuda_alloc(job, bytes, "input b", (void **)&s->b));
    HX_TRY(hx_cuda_alloc(job, bytes, "input c", (void **)&s->c));
    return hx_cuda_grid_1d(hx_cuda_tiles(d->n, 4), TRIAD_BLOCK, &s->blocks);
}

static int triad_cuda_run(hx_cuda_job *job, void *out) {
    const triad_data *d = (const triad_data *)job->problem->data;
    triad_cuda *s = (triad_cuda *)job->state;
    const size_t bytes = d->n * sizeof(float);
    HX_TRY(hx_cuda_upload(job, s->b, d->b, bytes));
    HX_TRY(hx_cuda_upload(job, s->c, d->c, bytes));
    HX_TRY(hx_cuda_launch_begin(job));
    triad_kernel<<<s->blocks, TRIAD_BLOCK>>>(s->a, s->b, s->c, TRIAD_SCALAR, d->n);
    HX_TRY(hx_cuda_launch_end(job, "triad_kernel"));
    return hx_cuda_download(job, out, s->a, bytes);
}

extern "C" const hx_cuda_binding hx_cuda_binding_triad = {
    "triad.cu",
    triad_cuda_prepare,
    triad_cuda_run,
    nullptr,
};
