/*
 * histogram.cu - 256-bin histogram of n bytes on an NVIDIA GPU, two ways, and its CUDA binding.
 *
 * histogram_global_kernel (--shared-bins=1): every byte is one atomicAdd on the 256 bins in
 * global memory.  Every thread of the GPU contends for 256 counters (on a skewed input mostly
 * for one); the L2 cache serialises the atomics on each address.  Correct, and slow.
 *
 * histogram_shared_kernel (default): privatisation.  Each block counts into its own 256 bins in
 * shared memory (contention only among its 256 threads, in on-chip memory with fast native
 * atomics), then adds each non-zero bin to the global bins once: one global atomic per bin per
 * block instead of one per byte.  The same idea as kernels/histogram.cl's local-memory kernel
 * and the omp backend's per-thread bins.
 *
 * Both walk the input with a grid-stride loop over 4-byte words (a few blocks per SM; a thread
 * reads a whole word and counts its four bytes), so neighbouring threads read neighbouring
 * words.  Counting is exact in any order: the result must match serial bin for bin.
 */
#include <cuda_runtime.h>
#include <string.h>

#include "hetero/cuda/cuda.h"
#include "hetero/workloads/workload.h"
extern "C" { /* C headers without C++ guards */
#include "hetero/core/error.h"
#include "hetero/workloads/histogram.h"
}

#define HIST_BLOCK         256u
#define HIST_BLOCKS_PER_SM 8u

/* Count the bytes of [0, n) that this thread's grid-stride walk covers, with count(byte). */
template <typename Count>
__device__ void walk_bytes(const uint8_t *__restrict__ bytes, size_t n, Count count) {
    const size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    const size_t words = n / 4;
    const uint32_t *w = reinterpret_cast<const uint32_t *>(bytes); /* cudaMalloc: aligned */
    for (size_t q = tid; q < words; q += stride) {
        const uint32_t v = w[q];
        count(v & 0xffu);
        count((v >> 8) & 0xffu);
        count((v >> 16) & 0xffu);
        count(v >> 24);
    }
    const size_t tail = 4 * words + tid; /* the last n % 4 bytes, one per thread */
    if (tail < n)
        count(bytes[tail]);
}

__global__ void histogram_global_kernel(const uint8_t *__restrict__ bytes, size_t n,
                                        unsigned *__restrict__ bins) {
    walk_bytes(bytes, n, [&](unsigned b) { atomicAdd(&bins[b], 1u); });
}

__global__ void histogram_shared_kernel(const uint8_t *__restrict__ bytes, size_t n,
                                        unsigned *__restrict__ bins) {
    __shared__ unsigned block_bins[HX_HISTOGRAM_BINS];
    for (unsigned b = threadIdx.x; b < HX_HISTOGRAM_BINS; b += blockDim.x)
        block_bins[b] = 0;
    __syncthreads();
    walk_bytes(bytes, n, [&](unsigned b) { atomicAdd(&block_bins[b], 1u); });
    __syncthreads();
    for (unsigned b = threadIdx.x; b < HX_HISTOGRAM_BINS; b += blockDim.x)
        if (block_bins[b])
            atomicAdd(&bins[b], block_bins[b]);
}

typedef struct histogram_cuda {
    uint8_t *bytes;
    unsigned *bins;
    unsigned blocks;
    bool shared_bins; /* --shared-bins=1: the global-atomics kernel */
} histogram_cuda;

/* The value of the workload parameter `name` in problem p. */
static double param_of(const hx_problem *p, const char *name) {
    const hx_workload *w = p->workload;
    for (size_t i = 0; i < w->nparams; i++)
        if (strcmp(w->params[i].name, name) == 0)
            return p->param[i];
    return 0.0;
}

static int histogram_cuda_prepare(hx_cuda_job *job) {
    hx_histogram_input in;
    hx_histogram_input_of(job->problem, &in);
    histogram_cuda *s;
    HX_TRY(hx_cuda_state(job, sizeof *s, (void **)&s));
    s->shared_bins = param_of(job->problem, "shared-bins") != 0.0;
    HX_TRY(hx_cuda_alloc(job, in.n, "the input bytes", (void **)&s->bytes));
    HX_TRY(hx_cuda_alloc(job, HX_HISTOGRAM_BINS * sizeof(unsigned), "the bins", (void **)&s->bins));
    s->blocks = hx_cuda_grid_capped(hx_cuda_tiles(in.n, 4), HIST_BLOCK,
                                    HIST_BLOCKS_PER_SM * (unsigned)job->dev->sm_count);
    return HX_OK;
}

static int histogram_cuda_run(hx_cuda_job *job, void *out) {
    hx_histogram_input in;
    hx_histogram_input_of(job->problem, &in);
    histogram_cuda *s = (histogram_cuda *)job->state;
    HX_TRY(hx_cuda_upload(job, s->bytes, in.bytes, in.n));
    HX_TRY(hx_cuda_zero(job, s->bins, HX_HISTOGRAM_BINS * sizeof(unsigned)));
    HX_TRY(hx_cuda_launch_begin(job));
    if (s->shared_bins)
        histogram_global_kernel<<<s->blocks, HIST_BLOCK>>>(s->bytes, in.n, s->bins);
    else
        histogram_shared_kernel<<<s->blocks, HIST_BLOCK>>>(s->bytes, in.n, s->bins);
    HX_TRY(hx_cuda_launch_end(job, s->shared_bins ? "histogram_global_kernel"
                                                  : "histogram_shared_kernel"));
    return hx_cuda_download(job, out, s->bins, HX_HISTOGRAM_BINS * sizeof(unsigned));
}

extern "C" const hx_cuda_binding hx_cuda_binding_histogram = {
    "histogram.cu",
    histogram_cuda_prepare,
    histogram_cuda_run,
    nullptr,
};
