/*
 * cuda.h - the cuda backend: NVIDIA devices, error messages, launch geometry, timed jobs.
 *
 * The backend exists only in builds configured with nvcc (HETERO_HAVE_CUDA); this header is
 * plain C, needs no CUDA header, and compiles everywhere.  A workload names its CUDA binding with
 * HX_CUDA_DECLARE / HX_CUDA_BINDING (workloads/workload.h), which is NULL in builds without CUDA.
 * The binding itself (kernels and the host code that launches them) is kernels/cuda/NAME.cu.
 * Like an OpenCL binding it has prepare (allocate device memory, once), run (one timed run:
 * upload the inputs, launch, download the output) and release.  A job owns the device memory
 * and the timing events, so a binding writes no cleanup code.
 *
 * Timing (the same two figures as the opencl rows): the kernel time of a run is the sum of the
 * CUDA-event intervals around each launch (hx_cuda_launch_begin/end); the end-to-end time is the
 * host wall time of the whole run, including the cudaMemcpy transfers both ways.
 *
 * Without a driver or a device every entry point fails cleanly with HX_ERR_MISSING: `hetero run`
 * then skips the cuda rows with a notice (or exits 3 when --backend=cuda was asked for).
 */
#ifndef HETERO_CUDA_H
#define HETERO_CUDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------------------------ */

/* "cudaErrorMemoryAllocation: out of memory" for a cudaError_t value (passed as int, so this
 * header needs no CUDA header). */
const char *hx_cuda_error_text(int err, char *buf, size_t len);

/* The status a CUDA error maps to: HX_ERR_MISSING when the driver, a device or a kernel image for
 * this GPU is missing (nothing the user can fix by retrying), HX_ERR_RUNTIME otherwise. */
int hx_cuda_error_status(int err);

/* Record "CUDA call CALL failed: cudaError...: text" and return hx_cuda_error_status(err). */
int hx_cuda_fail(int err, const char *call);

/* Check an expression returning cudaError_t; on failure return hx_cuda_fail(). */
#define HX_CUDA(expr)                                                                              \
    do {                                                                                           \
        int hx_cuda_err_ = (int)(expr);                                                            \
        if (hx_cuda_err_ != 0)                                                                     \
            return hx_cuda_fail(hx_cuda_err_, #expr);                                              \
    } while (0)

/* ---- devices ----------------------------------------------------------------------------- */

typedef struct hx_cuda_device {
    int index; /* CUDA device ordinal */
    char name[256];
    int cc_major, cc_minor; /* compute capability */
    int sm_count;           /* streaming multiprocessors */
    int fp32_per_sm;        /* FP32 lanes per SM for this compute capability */
    int clock_khz;          /* peak SM clock */
    int mem_clock_khz;      /* peak memory clock */
    int mem_bus_bits;       /* memory bus width */
    uint64_t global_mem;    /* bytes */
    uint64_t l2_bytes;
    size_t shared_per_block; /* bytes of shared memory a block may use by default */
    int max_threads_per_block;
    int warp_size;
    int driver_version, runtime_version; /* 13000 = 13.0 */
} hx_cuda_device;

/* How many CUDA devices there are.  No driver or no device is not an error: *count = 0 and why
 * (if not NULL) says which, e.g. "no NVIDIA driver (cudaErrorInsufficientDriver: ...)". */
int hx_cuda_probe(int *count, char *why, size_t len);

/* Describe every device (caller frees *out).  Zero devices: HX_OK, *out NULL, why filled. */
int hx_cuda_devices(hx_cuda_device **out, size_t *count, char *why, size_t len);

/* Describe device `index`. */
int hx_cuda_device_get(int index, hx_cuda_device *out);

/* Theoretical DRAM bandwidth in bytes/s: 2 (double data rate) x memory clock x bus width. */
double hx_cuda_peak_bandwidth(const hx_cuda_device *d);

/* ---- launch geometry (pure functions, unit-tested without a GPU) --------------------------- */

/* ceil(n / tile); 0 for n == 0.  tile must be > 0. */
size_t hx_cuda_tiles(size_t n, size_t tile);

/* Blocks of `block` threads that cover n items, one item per thread.  Fails (HX_ERR_USAGE) when
 * n needs more than the grid allows (2^31 - 1 blocks), or when block is 0 or above 1024. */
int hx_cuda_grid_1d(size_t n, unsigned block, unsigned *blocks);

/* Blocks for a grid-stride loop: enough to cover n, but at most `cap` (e.g. a few blocks per SM,
 * so a reduction leaves a short list of partial results).  At least 1. */
unsigned hx_cuda_grid_capped(size_t n, unsigned block, unsigned cap);

/* ---- jobs: one workload run on one device ------------------------------------------------- */

#define HX_CUDA_MAX_MEMS     16
#define HX_CUDA_MAX_LAUNCHES 64

struct hx_problem; /* workloads/workload.h: the layer above, reached only through a pointer */

typedef struct hx_cuda_job {
    const struct hx_problem *problem; /* the binding's problem (its data) */
    uint64_t size;                    /* the problem's --size, for messages */
    const hx_cuda_device *dev;
    void *state;                  /* the binding's own, from hx_cuda_state() */
    void *mems[HX_CUDA_MAX_MEMS]; /* cudaMalloc'd, freed with the job */
    size_t nmems;
    void *events[2 * HX_CUDA_MAX_LAUNCHES]; /* cudaEvent_t pairs, created on first use */
    size_t nevents;                         /* events created so far */
    size_t nlaunches;                       /* launches of the current run */
    bool open;                              /* between launch_begin and launch_end */
} hx_cuda_job;

/* What a workload gives to run on CUDA (kernels/cuda/NAME.cu). */
struct hx_cuda_binding {
    const char *file; /* "vecadd.cu", for messages */
    /* Allocate device memory and whatever does not change between runs. */
    int (*prepare)(hx_cuda_job *job);
    /* One timed run: upload inputs, launch kernels (each between launch_begin and launch_end),
     * download the output into out. */
    int (*run)(hx_cuda_job *job, void *out);
    /* Free what prepare allocated outside the job (may be NULL). */
    void (*release)(hx_cuda_job *job);
};
typedef struct hx_cuda_binding hx_cuda_binding;

/* Zeroed binding state of `bytes`, freed with the job. */
int hx_cuda_state(hx_cuda_job *job, size_t bytes, void **out);
/* cudaMalloc `bytes` (freed with the job); the message names what and how much on failure. */
int hx_cuda_alloc(hx_cuda_job *job, size_t bytes, const char *what, void **out);
/* Blocking host -> device and device -> host copies (part of the end-to-end time). */
int hx_cuda_upload(hx_cuda_job *job, void *dev_dst, const void *host_src, size_t bytes);
int hx_cuda_download(hx_cuda_job *job, void *host_dst, const void *dev_src, size_t bytes);
/* Zero device memory (cudaMemset), for accumulators such as histogram bins. */
int hx_cuda_zero(hx_cuda_job *job, void *dev, size_t bytes);
/* Bracket one kernel launch: begin records a start event; end checks the launch
 * (cudaGetLastError, naming `kernel` on failure) and records the stop event. */
int hx_cuda_launch_begin(hx_cuda_job *job);
int hx_cuda_launch_end(hx_cuda_job *job, const char *kernel);

int hx_cuda_job_start(hx_cuda_job *job, const hx_cuda_binding *b, const struct hx_problem *p,
                      uint64_t size, const hx_cuda_device *dev);
/* One run into out: kernel seconds (sum of event intervals) and end-to-end seconds. */
int hx_cuda_job_run(hx_cuda_job *job, const hx_cuda_binding *b, void *out, double *kernel_s,
                    double *e2e_s);
void hx_cuda_job_finish(hx_cuda_job *job, const hx_cuda_binding *b);

#ifdef __cplusplus
}
#endif

#endif
