/*
 * stencil2d.cu - Jacobi sweeps of the 5-point stencil on an NVIDIA GPU, and stencil2d's CUDA
 * binding.
 *
 * The CUDA twin of kernels/stencil2d.cl: one thread per grid point in 32 x 8 blocks (a warp
 * reads 32 neighbouring floats of a row: one coalesced 128-byte line), one launch per sweep
 * with the two device grids swapping roles (ping-pong), because the only barrier across the
 * whole GPU is the boundary between two launches.  Boundary points copy themselves, so each
 * sweep's output carries the fixed boundary.  The sum is formed in serial's order,
 * 0.25 * ((up + down) + (left + right)), with the _rn intrinsics so nvcc cannot contract it:
 * the result is bit-identical to serial.
 * Timing: the kernel time is one event interval around all sweeps (the launches queue back to
 * back; the gaps between them are part of what a sweep costs on a GPU).
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "stencil2d.h"

#define ST_BX 32u
#define ST_BY 8u

__global__ void stencil2d_kernel(const float *__restrict__ src, float *__restrict__ dst,
                                 unsigned n) {
    const unsigned j = blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i >= n || j >= n) /* partial blocks at the right and bottom edges */
        return;
    const size_t k = (size_t)i * n + j;
    if (i == 0 || j == 0 || i == n - 1 || j == n - 1) {
        dst[k] = src[k];
        return;
    }
    const float vertical = __fadd_rn(src[k - n], src[k + n]);
    const float horizontal = __fadd_rn(src[k - 1], src[k + 1]);
    dst[k] = __fmul_rn(0.25f, __fadd_rn(vertical, horizontal));
}

typedef struct stencil2d_cuda {
    float *grid[2];
    dim3 blocks;
} stencil2d_cuda;

static int stencil2d_cuda_prepare(hx_cuda_job *job) {
    const stencil2d_data *d = (const stencil2d_data *)job->problem->data;
    const size_t bytes = d->n * d->n * sizeof(float);
    stencil2d_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_cuda_alloc(job, bytes, "grid 0", (void **)&s->grid[0]));
    HX_TRY(hx_cuda_alloc(job, bytes, "grid 1", (void **)&s->grid[1]));
    const size_t by = hx_cuda_tiles(d->n, ST_BY);
    if (by > 65535)
        return hx_fail(HX_ERR_USAGE, "stencil2d grid side %zu is too large for one CUDA grid",
                       d->n);
    s->blocks = dim3((unsigned)hx_cuda_tiles(d->n, ST_BX), (unsigned)by, 1);
    return HX_OK;
}

static int stencil2d_cuda_run(hx_cuda_job *job, void *out) {
    const stencil2d_data *d = (const stencil2d_data *)job->problem->data;
    stencil2d_cuda *s = (stencil2d_cuda *)job->state;
    const size_t bytes = d->n * d->n * sizeof(float);
    HX_TRY(hx_cuda_upload(job, s->grid[0], d->u0, bytes));
    HX_TRY(hx_cuda_launch_begin(job));
    for (unsigned k = 1; k <= d->sweeps; k++)
        stencil2d_kernel<<<s->blocks, dim3(ST_BX, ST_BY, 1)>>>(s->grid[(k - 1) % 2], s->grid[k % 2],
                                                               (unsigned)d->n);
    HX_TRY(hx_cuda_launch_end(job, "stencil2d_kernel"));
    return hx_cuda_download(job, out, s->grid[d->sweeps % 2], bytes);
}

extern "C" const hx_cuda_binding hx_cuda_binding_stencil2d = {
    "stencil2d.cu",
    stencil2d_cuda_prepare,
    stencil2d_cuda_run,
    nullptr,
};
