/*
 * sgemm.cu - C = A B for n x n float32 matrices on an NVIDIA GPU, and sgemm's CUDA binding.
 *
 * Register blocking on top of shared-memory tiling, the two levels every fast GEMM has:
 *   - a block of 256 threads computes a 128 x 128 tile of C, stepping through k 8 at a time: it
 *     copies a 128 x 8 slice of A (transposed, so a thread's 8 rows are contiguous) and an
 *     8 x 128 slice of B into shared memory with one 16-byte load per thread each;
 *   - each thread owns an 8 x 8 sub-tile of C in registers: per k it reads 8 values of A and
 *     8 of B from shared memory and does 64 fused multiply-adds, so every shared-memory word
 *     read feeds 8 FMAs and the kernel is bound by arithmetic rather than by memory traffic.
 * The matrices are stored on the device padded with zeros to a multiple of 128 in both
 * dimensions (cudaMemcpy2D places the n x n input inside), so the kernel needs no bounds checks;
 * the zero padding adds nothing to any element of C.  The kernel time is that of the padded
 * product; GFLOP/s counts the workload's 2 n^3 (sizes that are multiples of 128 pad nothing).
 * Each c_ij is a sum of n products in another order than serial's, with FMA; sgemm's tolerance
 * 2 gamma(n) covers every order (host/workloads/sgemm.c, NOTES).
 */
#include <cuda_runtime.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" {
#include "hetero/core/error.h" /* a C header without C++ guards */
}
#include "sgemm.h"

#define BM            128
#define BN            128
#define BK            8
#define TM            8
#define TN            8
#define SGEMM_THREADS ((BM / TM) * (BN / TN)) /* 256 */

/* C = A B for np x np row-major matrices, np a multiple of 128. */
__global__ void __launch_bounds__(SGEMM_THREADS)
    sgemm_kernel(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
                 int np) {
    __shared__ __align__(16) float As[BK][BM]; /* A tile, transposed: As[k][row] */
    __shared__ __align__(16) float Bs[BK][BN];
    const int tid = threadIdx.x;
    const int ty = tid / (BN / TN), tx = tid % (BN / TN); /* this thread's 8 x 8 sub-tile */
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const int a_row = tid / 2, a_k = (tid % 2) * 4;   /* one float4 of the 128 x 8 A slice */
    const int b_k = tid / 32, b_col = (tid % 32) * 4; /* one float4 of the 8 x 128 B slice */
    const float *a_src = A + (size_t)(row0 + a_row) * np + a_k;
    const float *b_src = B + (size_t)b_k * np + col0 + b_col;

    float acc[TM][TN] = {};
    for (int k0 = 0; k0 < np; k0 += BK) {
        const float4 a4 = *reinterpret_cast<const float4 *>(a_src + k0);
        As[a_k + 0][a_row] = a4.x;
        As[a_k + 1][a_row] = a4.y;
        As[a_k + 2][a_row] = a4.z;
        As[a_k + 3][a_row] = a4.w;
        *reinterpret_cast<float4 *>(&Bs[b_k][b_col]) =
            *reinterpret_cast<const float4 *>(b_src + (size_t)k0 * np);
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
            float a[TM], b[TN];
            const float4 a0 = *reinterpret_cast<const float4 *>(&As[k][ty * TM]);
            const float4 a1 = *reinterpret_cast<const float4 *>(&As[k][ty * TM + 4]);
            const float4 b0 = *reinterpret_cast<const float4 *>(&Bs[k][tx * TN]);
            const float4 b1 = *reinterpret_cast<const float4 *>(&Bs[k][tx * TN + 4]);
            a[0] = a0.x, a[1] = a0.y, a[2] = a0.z, a[3] = a0.w;
            a[4] = a1.x, a[5] = a1.y, a[6] = a1.z, a[7] = a1.w;
            b[0] = b0.x, b[1] = b0.y, b[2] = b0.z, b[3] = b0.w;
            b[4] = b1.x, b[5] = b1.y, b[6] = b1.z, b[7] = b1.w;
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++)
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads(); /* the tile is read by all before the next copy overwrites it */
    }
#pragma unroll
    for (int i = 0; i < TM; i++) {
        float *c = C + (size_t)(row0 + ty * TM + i) * np + col0 + tx * TN;
        reinterpret_cast<float4 *>(c)[0] = make_float4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
        reinterpret_cast<float4 *>(c)[1] = make_float4(acc[i][4], acc[i][5], acc[i][6], acc[i][7]);
    }
}

typedef struct sgemm_cuda {
    float *a, *b, *c;
    size_t np; /* padded order: n rounded up to 128 */
} sgemm_cuda;

static int sgemm_cuda_prepare(hx_cuda_job *job) {
    const sgemm_data *d = (const sgemm_data *)job->problem->data;
    sgemm_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    s->np = hx_cuda_tiles(d->n, BM) * BM;
    if (s->np / BM > 65535)
        return hx_fail(HX_ERR_USAGE, "sgemm order %zu is too large for one CUDA grid", d->n);
    const size_t bytes = s->np * s->np * sizeof(float);
    HX_TRY(hx_cuda_alloc(job, bytes, "matrix A", (void **)&s->a));
    HX_TRY(hx_cuda_alloc(job, bytes, "matrix B", (void **)&s->b));
    HX_TRY(hx_cuda_alloc(job, bytes, "matrix C", (void **)&s->c));
    /* the padding stays zero: uploads write only the n x n corner */
    HX_TRY(hx_cuda_zero(job, s->a, bytes));
    return hx_cuda_zero(job, s->b, bytes);
}

static int sgemm_cuda_run(hx_cuda_job *job, void *out) {
    const sgemm_data *d = (const sgemm_data *)job->problem->data;
    sgemm_cuda *s = (sgemm_cuda *)job->state;
    const size_t row = d->n * sizeof(float), prow = s->np * sizeof(float);
    HX_CUDA(cudaMemcpy2D(s->a, prow, d->a, row, row, d->n, cudaMemcpyHostToDevice));
    HX_CUDA(cudaMemcpy2D(s->b, prow, d->b, row, row, d->n, cudaMemcpyHostToDevice));
    const unsigned tiles = (unsigned)(s->np / BM);
    HX_TRY(hx_cuda_launch_begin(job));
    sgemm_kernel<<<dim3(tiles, tiles, 1), SGEMM_THREADS>>>(s->a, s->b, s->c, (int)s->np);
    HX_TRY(hx_cuda_launch_end(job, "sgemm_kernel"));
    HX_CUDA(cudaMemcpy2D(out, row, s->c, prow, row, d->n, cudaMemcpyDeviceToHost));
    return HX_OK;
}

extern "C" const hx_cuda_binding hx_cuda_binding_sgemm = {
    "sgemm.cu",
    sgemm_cuda_prepare,
    sgemm_cuda_run,
    nullptr,
};
