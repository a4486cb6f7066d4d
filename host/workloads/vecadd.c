/*
 * NAME
 *     vecadd - c = a + b over n float32 elements
 *
 * PURPOSE
 *     The "hello world" of data parallelism, written five ways: serial (SISD), simd (one core's
 *     vector unit), omp (many cores, scalar), omp-simd (cores x vectors) and opencl (a kernel on
 *     a device).  Each element is independent, so every way is correct; what differs is how much
 *     of the machine each one uses, and the lesson is that it barely matters: one add per 12
 *     bytes is far too little arithmetic to keep up with memory, so every fast version runs into
 *     the same memory-bandwidth wall.
 *
 * USAGE
 *     hetero run vecadd [--size=N]     N elements (default: 16M, or larger than 2x the LLC)
 *
 * NOTES
 *     Bytes moved per run = 3 * 4 * n (read a, read b, write c).  Plain stores also read each
 *     line of c before writing it ("write allocate"), so a kernel with plain stores really moves
 *     16 n bytes while being credited 12 n; the simd paths use non-temporal (streaming) stores
 *     on arrays larger than the last-level cache, which skip that read.  Flops = n.
 *     Verification: each backend performs exactly one correctly rounded float add per element,
 *     the same one as serial, so results agree to the bit unless a device flushes subnormals;
 *     the tolerance is gamma(2) = 2u/(1-2u), the bound on two independent roundings.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"
#ifdef HETERO_HAVE_MPI
#include "distributed.h" /* the blocks of the streaming workloads' message-passing bodies */
#endif

#include "vecadd.h" /* vecadd_data: the inputs, shared with kernels/cuda/vecadd.cu */

HX_CUDA_DECLARE(vecadd);

/* ---- data setup ------------------------------------------------------------------------- */

static uint64_t vecadd_default_size(void) {
    /* each array at least twice the last-level cache, so every run streams from DRAM */
    uint64_t n = (uint64_t)16 << 20;
    while (n * sizeof(float) < 2 * (uint64_t)hx_cpu_llc_bytes())
        n <<= 1;
    return n;
}

static double vecadd_host_bytes(uint64_t n) {
    return 4.0 * (double)n * sizeof(float); /* a, b, out, reference */
}

static double vecadd_bytes(const hx_problem *p) {
    return 3.0 * sizeof(float) * (double)p->size;
}

static double vecadd_flops(const hx_problem *p) {
    return (double)p->size;
}

static void vecadd_teardown(hx_problem *p) {
    vecadd_data *d = p->data;
    if (!d)
        return;
    hx_free(d->a);
    hx_free(d->b);
    hx_free(d);
    p->data = NULL;
}

static int vecadd_setup(hx_problem *p) {
    vecadd_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->a = d->b = NULL;
    int status = hx_alloc_checked((void **)&d->a, d->n * sizeof(float), "vecadd input a");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->b, d->n * sizeof(float), "vecadd input b");
    if (status != HX_OK) {
        vecadd_teardown(p);
        return status;
    }
    hx_fill_uniform(d->a, d->n, p->seed, 1, -1.0f, 1.0f);
    hx_fill_uniform(d->b, d->n, p->seed, 2, -1.0f, 1.0f);
    p->out_bytes = d->n * sizeof(float);
    return HX_OK;
}

/* ---- serial: one element per step (SISD) ------------------------------------------------- */

HX_SERIAL static void vecadd_serial(const hx_problem *p, void *out) {
    const vecadd_data *d = p->data;
    const float *restrict a = d->a, *restrict b = d->b;
    float *restrict c = out;
    HX_NOVEC
    for (size_t i = 0; i < d->n; i++)
        c[i] = a[i] + b[i];
}

/* ---- simd: 8 or 16 elements per instruction (SIMD) --------------------------------------- */

/* Streaming stores pay off only when the output does not fit in the cache anyway. */
static int use_streaming_stores(size_t n) {
    return 3 * n * sizeof(float) > hx_cpu_llc_bytes();
}

HX_SERIAL static void vecadd_scalar_range(const float *restrict a, const float *restrict b,
                                          float *restrict c, size_t begin, size_t end) {
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        c[i] = a[i] + b[i];
}

HX_TARGET_AVX2 static void vecadd_avx2_range(const float *restrict a, const float *restrict b,
                                             float *restrict c, size_t begin, size_t end,
                                             int stream) {
    size_t i = begin;
    for (; i < end && ((uintptr_t)(c + i) & 31); i++) /* peel to a 32-byte boundary */
        c[i] = a[i] + b[i];
    if (stream) {
        for (; i + 8 <= end; i += 8)
            _mm256_stream_ps(c + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
        _mm_sfence(); /* streaming stores are weakly ordered: publish them before returning */
    } else {
        for (; i + 8 <= end; i += 8)
            _mm256_store_ps(c + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    }
    for (; i < end; i++) /* tail */
        c[i] = a[i] + b[i];
}

HX_TARGET_AVX512 static void vecadd_avx512_range(const float *restrict a, const float *restrict b,
                                                 float *restrict c, size_t begin, size_t end,
                                                 int stream) {
    size_t i = begin;
    for (; i < end && ((uintptr_t)(c + i) & 63); i++)
        c[i] = a[i] + b[i];
    if (stream) {
        for (; i + 16 <= end; i += 16)
            _mm512_stream_ps(c + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
        _mm_sfence();
    } else {
        for (; i + 16 <= end; i += 16)
            _mm512_store_ps(c + i, _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    }
    if (i < end) { /* tail: one masked operation instead of a scalar loop */
        __mmask16 m = (__mmask16)((1u << (end - i)) - 1);
        _mm512_mask_storeu_ps(
            c + i, m,
            _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
    }
}

/* The widest path this CPU allows, over [begin, end). */
static void vecadd_simd_range(const vecadd_data *d, float *c, size_t begin, size_t end) {
    int stream = use_streaming_stores(d->n);
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        vecadd_avx512_range(d->a, d->b, c, begin, end, stream);
        break;
    case HX_SIMD_AVX2:
        vecadd_avx2_range(d->a, d->b, c, begin, end, stream);
        break;
    default:
        vecadd_scalar_range(d->a, d->b, c, begin, end);
    }
}

static void vecadd_simd(const hx_problem *p, void *out) {
    const vecadd_data *d = p->data;
    vecadd_simd_range(d, out, 0, d->n);
}

/* ---- omp: threads, each running the scalar loop on its share (MIMD) ---------------------- */

HX_SERIAL static void vecadd_omp(const hx_problem *p, void *out) {
    const vecadd_data *d = p->data;
    const float *restrict a = d->a, *restrict b = d->b;
    float *restrict c = out;
    const long n = (long)d->n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        c[i] = a[i] + b[i];
}

/* ---- omp-simd: threads x vectors (MIMD of SIMD) ------------------------------------------ */

static void vecadd_omp_simd(const hx_problem *p, void *out) {
    const vecadd_data *d = p->data;
#pragma omp parallel
    {
        size_t begin, end;
        /* one contiguous, cache-line aligned chunk per thread: 16 floats = 64 bytes */
        hx_partition(d->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &begin,
                     &end);
        vecadd_simd_range(d, out, begin, end);
    }
}

/* ---- opencl: kernels/vecadd.cl ------------------------------------------------------------ */

typedef struct vecadd_ocl {
    hx_ocl_mem *a, *b, *c;
    cl_kernel kernel;
    size_t global, local;
} vecadd_ocl;

static int vecadd_ocl_prepare(hx_ocl_job *job) {
    const vecadd_data *d = job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    vecadd_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->a));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->b));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_WRITE, &s->c));
    HX_TRY(hx_ocl_kernel(job, "vecadd", &s->kernel));
    cl_uint n = (cl_uint)d->n;
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->a));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 1, s->b));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 2, s->c));
    HX_CL(clSetKernelArg(s->kernel, 3, sizeof n, &n));
    s->local = hx_ocl_stream_local_size(job->session->dev);
    s->global = hx_round_up((d->n + 3) / 4, s->local); /* four elements per work-item */
    return HX_OK;
}

static int vecadd_ocl_run(hx_ocl_job *job, void *out) {
    vecadd_ocl *s = job->state;
    const vecadd_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->a, d->a));
    HX_TRY(hx_ocl_upload(job, s->b, d->b));
    HX_TRY(hx_ocl_launch(job, s->kernel, 1, &s->global, &s->local));
    return hx_ocl_download(job, s->c, out);
}

static const hx_ocl_binding vecadd_ocl_binding = {
    .file = "vecadd.cl",
    .prepare = vecadd_ocl_prepare,
    .run = vecadd_ocl_run,
};

/* ---- mpi: each rank adds its own block (MIMD, distributed memory) ------------------------- */

#ifdef HETERO_HAVE_MPI
/* The n elements are cut into one contiguous block per rank (blocks differ by at most one
 * element, so any rank count works).  A rank allocates only its block of a, b and c and fills a
 * and b from the seed at their global indices: the data are serial's, and no rank holds them
 * all (distributed.c).  Nothing is sent while computing - embarrassingly parallel - and the one
 * message is the gather of c to rank 0 for verification, after the timed runs.  Inside a rank
 * the block is a vecadd problem of its own, run by the omp-simd body (threads x vectors); the
 * "device" variant runs it through the OpenCL binding on the rank's own device instead
 * (--device: a node's ranks share out its GPUs). */
static void vecadd_mpi_wire(void *data, float *const *in, size_t n) {
    *(vecadd_data *)data = (vecadd_data){.a = in[0], .b = in[1], .n = n};
}

static int vecadd_mpi_prepare(hx_mpi_job *job) {
    static const hx_stream_spec spec = {.inputs = 2,
                                        .elementwise = true,
                                        .data_bytes = sizeof(vecadd_data),
                                        .wire = vecadd_mpi_wire,
                                        .ocl = &vecadd_ocl_binding};
    return hx_stream_block_prepare(job, &spec);
}

static int vecadd_mpi_run(hx_mpi_job *job) {
    return hx_stream_block_compute(job, vecadd_omp_simd); /* and no message */
}

static const hx_mpi_binding vecadd_mpi_binding = {
    .variants = {{"block", "none: each rank adds its own block"},
                 {"device", "none: each rank adds its block on its own OpenCL device", true}},
    .nvariants = 2,
    .verification = "gathered: the blocks of c to rank 0, against serial",
    .check = hx_stream_block_check,
    .prepare = vecadd_mpi_prepare,
    .run = vecadd_mpi_run,
    .gather = hx_stream_block_gather,
    .release = hx_stream_block_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

static void vecadd_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    hx_verify_floats(out, ref, p->size, hx_gamma(2), 0.0, v);
}

/* ---- registry entry ----------------------------------------------------------------------- */

const hx_workload hx_workload_vecadd = {
    .name = "vecadd",
    .summary = "c = a + b, float32",
    .lesson = "data parallelism; memory-bound: every fast version meets the bandwidth wall",
    .size_unit = "elements",
    .default_size_fn = vecadd_default_size,
    .min_size = 1,
    .max_size = (uint64_t)1 << 31,
    .test_size = 10007, /* prime: vector and work-group tails */
    .bytes = vecadd_bytes,
    .flops = vecadd_flops,
    .host_bytes = vecadd_host_bytes,
    .setup = vecadd_setup,
    .teardown = vecadd_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = vecadd_serial,
            [HX_BACKEND_SIMD] = vecadd_simd,
            [HX_BACKEND_OMP] = vecadd_omp,
            [HX_BACKEND_OMP_SIMD] = vecadd_omp_simd},
    .ocl = &vecadd_ocl_binding,
    .cuda = HX_CUDA_BINDING(vecadd), /* kernels/cuda/vecadd.cu */
    .mpi = HX_MPI_BINDING(vecadd_mpi_binding),
    .verify = vecadd_verify,
};
