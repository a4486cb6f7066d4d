/*
 * NAME
 *     triad - a = b + s * c over n float32 elements (the STREAM triad, s = 3)
 *
 * PURPOSE
 *     The memory-bound end of the roofline.  Two flops per 12 bytes (an arithmetic intensity of
 *     1/6 flop per byte) is far below what any core can compute while waiting for DRAM, so the
 *     fastest versions all run at the machine's streaming bandwidth: more threads help only until
 *     the memory channels are saturated, wider vectors hardly help at all, and non-temporal stores
 *     help because they save the read of a that a plain store would cause.
 *
 * USAGE
 *     hetero run triad [--size=N]      N elements (default: 16M, or larger than 2x the LLC)
 *
 * NOTES
 *     Bytes moved per run = 3 * 4 * n (read b, read c, write a), as STREAM counts it; plain
 *     stores also read each line of a before writing it ("write allocate"), so a kernel with
 *     plain stores really moves 16 n bytes while being credited 12 n.  The simd paths use
 *     non-temporal stores on arrays larger than the last-level cache.  Flops = 2 n.
 *     Verification: serial rounds twice (s*c, then + b); a fused multiply-add rounds once.  Each
 *     result is within gamma(2) * (|b_i| + |s c_i|) of the exact value, so two backends differ
 *     by at most 2 gamma(2) * (|b_i| + |s c_i|) <= 2 gamma(2) * (1 + |s|) for inputs in [-1, 1):
 *     a norm-wise check with tolerance 2 gamma(2) and floor 1 + |s| (the floor matters where
 *     b_i + s c_i cancels to near zero, where a relative error means nothing).
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

#include "triad.h" /* triad_data: the inputs, shared with kernels/cuda/triad.cu */
#ifdef HETERO_HAVE_MPI
#include "distributed.h" /* the blocks of the streaming workloads' message-passing bodies */
#endif

HX_CUDA_DECLARE(triad); /* kernels/cuda/triad.cu */

/* ---- data setup ------------------------------------------------------------------------- */

static uint64_t triad_default_size(void) {
    /* each array at least twice the last-level cache, so every run streams from DRAM */
    uint64_t n = (uint64_t)16 << 20;
    while (n * sizeof(float) < 2 * (uint64_t)hx_cpu_llc_bytes())
        n <<= 1;
    return n;
}

static double triad_host_bytes(uint64_t n) {
    return 4.0 * (double)n * sizeof(float); /* b, c, out, reference */
}

static double triad_bytes(const hx_problem *p) {
    return 3.0 * sizeof(float) * (double)p->size;
}

static double triad_flops(const hx_problem *p) {
    return 2.0 * (double)p->size;
}

static void triad_teardown(hx_problem *p) {
    triad_data *d = p->data;
    if (!d)
        return;
    hx_free(d->b);
    hx_free(d->c);
    hx_free(d);
    p->data = NULL;
}

static int triad_setup(hx_problem *p) {
    triad_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->b = d->c = NULL;
    int status = hx_alloc_checked((void **)&d->b, d->n * sizeof(float), "triad input b");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->c, d->n * sizeof(float), "triad input c");
    if (status != HX_OK) {
        triad_teardown(p);
        return status;
    }
    hx_fill_uniform(d->b, d->n, p->seed, 1, -1.0f, 1.0f);
    hx_fill_uniform(d->c, d->n, p->seed, 2, -1.0f, 1.0f);
    p->out_bytes = d->n * sizeof(float);
    return HX_OK;
}

/* ---- serial: one element per step (SISD) ------------------------------------------------- */

HX_SERIAL static void triad_serial(const hx_problem *p, void *out) {
    const triad_data *d = p->data;
    const float *restrict b = d->b, *restrict c = d->c;
    float *restrict a = out;
    const float s = TRIAD_SCALAR;
    HX_NOVEC
    for (size_t i = 0; i < d->n; i++)
        a[i] = b[i] + s * c[i];
}

/* ---- simd: 8 or 16 elements per instruction (SIMD) --------------------------------------- */

/* Streaming stores pay off only when the output does not fit in the cache anyway. */
static int use_streaming_stores(size_t n) {
    return 3 * n * sizeof(float) > hx_cpu_llc_bytes();
}

HX_SERIAL static void triad_scalar_range(const float *restrict b, const float *restrict c,
                                         float *restrict a, size_t begin, size_t end) {
    const float s = TRIAD_SCALAR;
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        a[i] = b[i] + s * c[i];
}

HX_TARGET_AVX2 static void triad_avx2_range(const float *restrict b, const float *restrict c,
                                            float *restrict a, size_t begin, size_t end,
                                            int stream) {
    const float s = TRIAD_SCALAR;
    const __m256 vs = _mm256_set1_ps(s);
    size_t i = begin;
    for (; i < end && ((uintptr_t)(a + i) & 31); i++) /* peel to a 32-byte boundary */
        a[i] = b[i] + s * c[i];
    if (stream) {
        for (; i + 8 <= end; i += 8)
            _mm256_stream_ps(a + i,
                             _mm256_fmadd_ps(vs, _mm256_loadu_ps(c + i), _mm256_loadu_ps(b + i)));
        _mm_sfence(); /* streaming stores are weakly ordered: publish them before returning */
    } else {
        for (; i + 8 <= end; i += 8)
            _mm256_store_ps(a + i,
                            _mm256_fmadd_ps(vs, _mm256_loadu_ps(c + i), _mm256_loadu_ps(b + i)));
    }
    for (; i < end; i++) /* tail */
        a[i] = b[i] + s * c[i];
}

HX_TARGET_AVX512 static void triad_avx512_range(const float *restrict b, const float *restrict c,
                                                float *restrict a, size_t begin, size_t end,
                                                int stream) {
    const float s = TRIAD_SCALAR;
    const __m512 vs = _mm512_set1_ps(s);
    size_t i = begin;
    for (; i < end && ((uintptr_t)(a + i) & 63); i++)
        a[i] = b[i] + s * c[i];
    if (stream) {
        for (; i + 16 <= end; i += 16)
            _mm512_stream_ps(a + i,
                             _mm512_fmadd_ps(vs, _mm512_loadu_ps(c + i), _mm512_loadu_ps(b + i)));
        _mm_sfence();
    } else {
        for (; i + 16 <= end; i += 16)
            _mm512_store_ps(a + i,
                            _mm512_fmadd_ps(vs, _mm512_loadu_ps(c + i), _mm512_loadu_ps(b + i)));
    }
    if (i < end) { /* tail: one masked operation instead of a scalar loop */
        __mmask16 m = (__mmask16)((1u << (end - i)) - 1);
        _mm512_mask_storeu_ps(
            a + i, m,
            _mm512_fmadd_ps(vs, _mm512_maskz_loadu_ps(m, c + i), _mm512_maskz_loadu_ps(m, b + i)));
    }
}

/* The widest path this CPU allows, over [begin, end). */
static void triad_simd_range(const triad_data *d, float *a, size_t begin, size_t end) {
    int stream = use_streaming_stores(d->n);
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        triad_avx512_range(d->b, d->c, a, begin, end, stream);
        break;
    case HX_SIMD_AVX2:
        triad_avx2_range(d->b, d->c, a, begin, end, stream);
        break;
    default:
        triad_scalar_range(d->b, d->c, a, begin, end);
    }
}

static void triad_simd(const hx_problem *p, void *out) {
    const triad_data *d = p->data;
    triad_simd_range(d, out, 0, d->n);
}

/* ---- omp: threads, each running the scalar loop on its share (MIMD) ---------------------- */

HX_SERIAL static void triad_omp(const hx_problem *p, void *out) {
    const triad_data *d = p->data;
    const float *restrict b = d->b, *restrict c = d->c;
    float *restrict a = out;
    const float s = TRIAD_SCALAR;
    const long n = (long)d->n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

/* ---- omp-simd: threads x vectors (MIMD of SIMD) ------------------------------------------ */

static void triad_omp_simd(const hx_problem *p, void *out) {
    const triad_data *d = p->data;
#pragma omp parallel
    {
        size_t begin, end;
        /* one contiguous, cache-line aligned chunk per thread: 16 floats = 64 bytes */
        hx_partition(d->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &begin,
                     &end);
        triad_simd_range(d, out, begin, end);
    }
}

/* ---- opencl: kernels/triad.cl ------------------------------------------------------------- */

typedef struct triad_ocl {
    hx_ocl_mem *b, *c, *a;
    cl_kernel kernel;
    size_t global, local;
} triad_ocl;

static int triad_ocl_prepare(hx_ocl_job *job) {
    const triad_data *d = job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    triad_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->b));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->c));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_WRITE, &s->a));
    HX_TRY(hx_ocl_kernel(job, "triad", &s->kernel));
    cl_uint n = (cl_uint)d->n;
    cl_float scalar = TRIAD_SCALAR;
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->b));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 1, s->c));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 2, s->a));
    HX_CL(clSetKernelArg(s->kernel, 3, sizeof scalar, &scalar));
    HX_CL(clSetKernelArg(s->kernel, 4, sizeof n, &n));
    s->local = hx_ocl_stream_local_size(job->session->dev);
    s->global = hx_round_up((d->n + 3) / 4, s->local); /* four elements per work-item */
    return HX_OK;
}

static int triad_ocl_run(hx_ocl_job *job, void *out) {
    triad_ocl *s = job->state;
    const triad_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->b, d->b));
    HX_TRY(hx_ocl_upload(job, s->c, d->c));
    HX_TRY(hx_ocl_launch(job, s->kernel, 1, &s->global, &s->local));
    return hx_ocl_download(job, s->a, out);
}

static const hx_ocl_binding triad_ocl_binding = {
    .file = "triad.cl",
    .prepare = triad_ocl_prepare,
    .run = triad_ocl_run,
};

/* ---- mpi: each rank computes its own block (MIMD, distributed memory) --------------------- */

#ifdef HETERO_HAVE_MPI
/* Like vecadd's: one block of b, c and a per rank, first-touched by that rank with serial's
 * values (distributed.c), the omp-simd body (or the rank's OpenCL device) on it, no message
 * while computing, and a gather of a to rank 0 for verification after the timed runs.  What
 * the rows show is the STREAM triad's bandwidth summed over ranks: on one node the ranks share
 * its memory channels, so the sum stops growing where the node's bandwidth is reached, exactly
 * as threads do; across nodes every node adds its own. */
static void triad_mpi_wire(void *data, float *const *in, size_t n) {
    *(triad_data *)data = (triad_data){.b = in[0], .c = in[1], .n = n};
}

static int triad_mpi_prepare(hx_mpi_job *job) {
    static const hx_stream_spec spec = {.inputs = 2,
                                        .elementwise = true,
                                        .data_bytes = sizeof(triad_data),
                                        .wire = triad_mpi_wire,
                                        .ocl = &triad_ocl_binding};
    return hx_stream_block_prepare(job, &spec);
}

static int triad_mpi_run(hx_mpi_job *job) {
    return hx_stream_block_compute(job, triad_omp_simd);
}

static const hx_mpi_binding triad_mpi_binding = {
    .variants = {{"block", "none: each rank streams its own block"},
                 {"device", "none: each rank streams its block on its own OpenCL device", true}},
    .nvariants = 2,
    .verification = "gathered: the blocks of a to rank 0, against serial",
    .check = hx_stream_block_check,
    .prepare = triad_mpi_prepare,
    .run = triad_mpi_run,
    .gather = hx_stream_block_gather,
    .release = hx_stream_block_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

static void triad_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    /* norm-wise: |out - ref| <= 2 gamma(2) (|b| + |s c|) <= 2 gamma(2) (1 + |s|) */
    hx_verify_floats(out, ref, p->size, 2.0 * hx_gamma(2), 1.0 + TRIAD_SCALAR, v);
}

/* ---- registry entry ----------------------------------------------------------------------- */

const hx_workload hx_workload_triad = {
    .name = "triad",
    .summary = "a = b + s*c, float32 (STREAM triad)",
    .lesson = "memory-bound streaming: the left side of the roofline, bandwidth is the limit",
    .size_unit = "elements",
    .default_size_fn = triad_default_size,
    .min_size = 1,
    .max_size = (uint64_t)1 << 31,
    .test_size = 10007, /* prime: vector and work-group tails */
    .bytes = triad_bytes,
    .flops = triad_flops,
    .host_bytes = triad_host_bytes,
    .setup = triad_setup,
    .teardown = triad_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = triad_serial,
            [HX_BACKEND_SIMD] = triad_simd,
            [HX_BACKEND_OMP] = triad_omp,
            [HX_BACKEND_OMP_SIMD] = triad_omp_simd},
    .ocl = &triad_ocl_binding,
    .cuda = HX_CUDA_BINDING(triad),
    .mpi = HX_MPI_BINDING(triad_mpi_binding),
    .verify = triad_verify,
};
