/*
 * mandelbrot.cu - escape count of one pixel per thread on an NVIDIA GPU, and mandelbrot's CUDA
 * binding.
 *
 * The CUDA twin of kernels/mandelbrot.cl, with 16 x 16 thread blocks over the image (2-D, so a
 * warp covers two 16-pixel row segments: neighbouring pixels, similar iteration counts, less
 * divergence than a warp strung along one long row of very different pixels).  A warp runs its
 * 32 pixels in lock step and waits for the slowest, as a CPU vector waits for its slowest lane.
 *
 * Bit-identical arithmetic to serial (host/workloads/mandelbrot.c): nvcc contracts a*b + c into
 * a fused multiply-add by default, so every multiply and add here is written with the _rn
 * intrinsics, which are never contracted: the same roundings in the same order as the CPU.
 * Bytes and flops are the workload's: 4 W^2 bytes, 8 flops per useful iteration.
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" { /* C headers without C++ guards */
#include "hetero/core/error.h"
#include "hetero/workloads/mandelbrot.h"
}

#define MANDEL_TILE 16u

__global__ void mandelbrot_kernel(uint32_t *__restrict__ img, unsigned width, unsigned height,
                                  float x_min, float y_min, float dx, float dy, uint32_t max_iter) {
    const unsigned col = blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned row = blockIdx.y * blockDim.y + threadIdx.y;
    if (col >= width || row >= height) /* partial tiles at the right and bottom edges */
        return;
    const float cx = __fadd_rn(x_min, __fmul_rn((float)col, dx));
    const float cy = __fadd_rn(y_min, __fmul_rn((float)row, dy));
    float x = 0.0f, y = 0.0f;
    uint32_t n = 0;
    while (n < max_iter) {
        const float x2 = __fmul_rn(x, x), y2 = __fmul_rn(y, y);
        if (__fadd_rn(x2, y2) > 4.0f)
            break;
        const float xy = __fmul_rn(x, y);
        y = __fadd_rn(__fadd_rn(xy, xy), cy);
        x = __fadd_rn(__fsub_rn(x2, y2), cx);
        n++;
    }
    img[(size_t)row * width + col] = n;
}

typedef struct mandelbrot_cuda {
    uint32_t *img;
    hx_mandelbrot_geometry g;
    dim3 grid;
} mandelbrot_cuda;

static int mandelbrot_cuda_prepare(hx_cuda_job *job) {
    mandelbrot_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    hx_mandelbrot_geometry_of(job->problem, &s->g);
    HX_TRY(hx_cuda_alloc(job, s->g.width * s->g.height * sizeof(uint32_t), "the image",
                         (void **)&s->img));
    /* --size is at most 32768, so both grid dimensions stay far below CUDA's 65535 in y */
    s->grid = dim3((unsigned)hx_cuda_tiles(s->g.width, MANDEL_TILE),
                   (unsigned)hx_cuda_tiles(s->g.height, MANDEL_TILE), 1);
    return HX_OK;
}

static int mandelbrot_cuda_run(hx_cuda_job *job, void *out) {
    mandelbrot_cuda *s = (mandelbrot_cuda *)job->state;
    const hx_mandelbrot_geometry *g = &s->g;
    HX_TRY(hx_cuda_launch_begin(job));
    mandelbrot_kernel<<<s->grid, dim3(MANDEL_TILE, MANDEL_TILE, 1)>>>(
        s->img, (unsigned)g->width, (unsigned)g->height, g->x_min, g->y_min, g->dx, g->dy,
        g->max_iter);
    HX_TRY(hx_cuda_launch_end(job, "mandelbrot_kernel"));
    return hx_cuda_download(job, out, s->img, g->width * g->height * sizeof(uint32_t));
}

extern "C" const hx_cuda_binding hx_cuda_binding_mandelbrot = {
    "mandelbrot.cu",
    mandelbrot_cuda_prepare,
    mandelbrot_cuda_run,
    nullptr,
};
