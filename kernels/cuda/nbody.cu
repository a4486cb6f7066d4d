/*
 * nbody.cu - all-pairs softened gravity on an NVIDIA GPU, and nbody's CUDA binding.
 *
 * The CUDA twin of kernels/nbody.cl: one thread per body i; a block of 256 threads loads a tile
 * of 256 bodies j (x, y, z, m as one float4) into shared memory, all its threads use the tile,
 * and the block waits before the next tile overwrites it, so each body is read from global
 * memory once per block instead of once per thread.  Bodies past n have mass 0 and add nothing;
 * eps^2 > 0 keeps r2 positive for them and for j = i.  rsqrtf() is accurate to 2 ulp, the bound
 * nbody's tolerance assumes for OpenCL's rsqrt (host/workloads/nbody.c, NOTES); multiply-adds
 * may fuse, which the same tolerance covers.  Output: ax at [i], ay at [n + i], az at [2n + i].
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "nbody.h"

#define NBODY_BLOCK 256u

__global__ void __launch_bounds__(NBODY_BLOCK)
    nbody_kernel(const float *__restrict__ x, const float *__restrict__ y,
                 const float *__restrict__ z, const float *__restrict__ m, unsigned n, float eps2,
                 float *__restrict__ acc) {
    __shared__ float4 tile[NBODY_BLOCK];
    const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    const float xi = i < n ? x[i] : 0.0f, yi = i < n ? y[i] : 0.0f, zi = i < n ? z[i] : 0.0f;
    float ax = 0.0f, ay = 0.0f, az = 0.0f;
    for (unsigned base = 0; base < n; base += NBODY_BLOCK) {
        const unsigned j = base + threadIdx.x;
        tile[threadIdx.x] = j < n ? make_float4(x[j], y[j], z[j], m[j]) : make_float4(0, 0, 0, 0);
        __syncthreads();
#pragma unroll 8
        for (unsigned k = 0; k < NBODY_BLOCK; k++) {
            const float4 b = tile[k];
            const float dx = b.x - xi, dy = b.y - yi, dz = b.z - zi;
            const float r2 = dx * dx + dy * dy + dz * dz + eps2;
            const float inv = rsqrtf(r2);
            const float s = b.w * (inv * inv * inv);
            ax += s * dx;
            ay += s * dy;
            az += s * dz;
        }
        __syncthreads(); /* everyone is done with the tile before it is overwritten */
    }
    if (i < n) {
        acc[i] = ax;
        acc[n + i] = ay;
        acc[2 * (size_t)n + i] = az;
    }
}

typedef struct nbody_cuda {
    float *x, *y, *z, *m, *acc;
    unsigned blocks;
} nbody_cuda;

static int nbody_cuda_prepare(hx_cuda_job *job) {
    const nbody_data *d = (const nbody_data *)job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    nbody_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_cuda_alloc(job, bytes, "x", (void **)&s->x));
    HX_TRY(hx_cuda_alloc(job, bytes, "y", (void **)&s->y));
    HX_TRY(hx_cuda_alloc(job, bytes, "z", (void **)&s->z));
    HX_TRY(hx_cuda_alloc(job, bytes, "m", (void **)&s->m));
    HX_TRY(hx_cuda_alloc(job, 3 * bytes, "the accelerations", (void **)&s->acc));
    return hx_cuda_grid_1d(d->n, NBODY_BLOCK, &s->blocks);
}

static int nbody_cuda_run(hx_cuda_job *job, void *out) {
    const nbody_data *d = (const nbody_data *)job->problem->data;
    nbody_cuda *s = (nbody_cuda *)job->state;
    const size_t bytes = d->n * sizeof(float);
    HX_TRY(hx_cuda_upload(job, s->x, d->x, bytes));
    HX_TRY(hx_cuda_upload(job, s->y, d->y, bytes));
    HX_TRY(hx_cuda_upload(job, s->z, d->z, bytes));
    HX_TRY(hx_cuda_upload(job, s->m, d->m, bytes));
    HX_TRY(hx_cuda_launch_begin(job));
    nbody_kernel<<<s->blocks, NBODY_BLOCK>>>(s->x, s->y, s->z, s->m, (unsigned)d->n, SOFTENING2,
                                             s->acc);
    HX_TRY(hx_cuda_launch_end(job, "nbody_kernel"));
    return hx_cuda_download(job, out, s->acc, 3 * bytes);
}

extern "C" const hx_cuda_binding hx_cuda_binding_nbody = {
    "nbody.cu",
    nbody_cuda_prepare,
    nbody_cuda_run,
    nullptr,
};
