/*
 * NAME
 *     reduce - s = sum of x_i over n float32 elements
 *     dot    - s = sum of x_i * y_i over n float32 elements (the dot product)
 *
 * PURPOSE
 *     The first workload whose elements are not independent: every element feeds one result.
 *     Parallel versions therefore change the ORDER of the additions - per-thread partial sums,
 *     several vector accumulators, a tree reduction in a work-group's local memory - and float
 *     addition is not associative, so each order rounds differently.  The lesson is that a
 *     parallel sum is correct when it is within the rounding error bound of the sum, not when
 *     it equals the serial one bit for bit; and that a reduction is still memory-bound
 *     (one add per 4 bytes).
 *
 * USAGE
 *     hetero run reduce [--size=N]     N elements (default: 16M, or larger than 2x the LLC)
 *     hetero run dot [--size=N]        N elements of each of the two vectors
 *
 * NOTES
 *     Bytes moved per run: reduce 4 n (read x), dot 8 n (read x and y).  Flops: reduce n,
 *     dot 2 n (one multiply and one add per element; FMA counts as two).
 *     Orders: serial adds in the naive order x_0 + x_1 + ...; simd keeps 4 x 8 (AVX2) or
 *     4 x 16 (AVX-512) running partial sums and adds them up at the end; omp and omp-simd give
 *     each thread a contiguous chunk and add the per-thread partials in thread order on the
 *     host (threads does the same with pthreads it creates and joins itself); opencl accumulates
 *     per work-item (a contiguous chunk of 8-float loads on CPU devices, a coalesced
 *     grid-stride walk on others), reduces each work-group by a tree in local
 * memory to one partial per group, and sums the (at most 256) group partials in a second kernel
 *     launch of one work-group - both launches are counted in the kernel time.
 *     Verification: any order of summing n terms is within gamma(n) * sum |t_i| of the exact
 *     sum (t_i = x_i, or x_i y_i for dot, where each product adds one rounding that the same
 *     gamma(n) covers), so a backend and the serial reference differ by at most
 *     2 gamma(n) sum |t_i|: a norm-wise check with floor sum |t_i| (computed in double at setup).
 *     gamma(n) grows as n u and passes anything once n u nears 1 (n = 2^24), so the tolerance is
 *     the smaller of gamma(n) and Higham and Mary's probabilistic bound
 *     exp(lambda sqrt(n) u + n u^2 / (1 - u)) - 1 with lambda = 10, which holds with probability
 *     at least 1 - 2 n exp(-lambda^2 (1 - u)^2 / 2) (> 1 - 1e-12 for n <= 2^30) under the model
 *     of independent, mean-zero rounding errors.  The inputs are uniform in [-1, 1), so the
 *     partial sums random-walk near zero, their ulp stays far below the terms, and the rounding
 *     errors are unbiased, as the model needs.  (With all-positive terms the naive sum grows to
 *     where its ulp is comparable to the terms - 0.5 at 2^22 - and the rounding errors stop being
 *     mean-zero: a naive float dot of 2^24 values in [0, 1) drifts by about 2%.)
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

#ifdef HETERO_HAVE_BLAS
#include <cblas.h>
#endif

#include "reduce.h" /* reduce_data: the inputs, shared with kernels/cuda/reduce.cu */
#ifdef HETERO_HAVE_MPI
#include <string.h>

#include "distributed.h" /* the blocks of the streaming workloads' message-passing bodies */
#endif

HX_CUDA_DECLARE(reduce); /* kernels/cuda/reduce.cu */

/* ---- data setup ------------------------------------------------------------------------- */

static uint64_t reduce_default_size(void) {
    /* the input at least twice the last-level cache, so every run streams from DRAM */
    uint64_t n = (uint64_t)16 << 20;
    while (n * sizeof(float) < 2 * (uint64_t)hx_cpu_llc_bytes())
        n <<= 1;
    return n;
}

static double reduce_host_bytes(uint64_t n) {
    return (double)n * sizeof(float); /* x; the output is one float */
}

static double dot_host_bytes(uint64_t n) {
    return 2.0 * (double)n * sizeof(float); /* x, y */
}

static double reduce_bytes(const hx_problem *p) {
    return sizeof(float) * (double)p->size;
}

static double dot_bytes(const hx_problem *p) {
    return 2.0 * sizeof(float) * (double)p->size;
}

static double reduce_flops(const hx_problem *p) {
    return (double)p->size;
}

static double dot_flops(const hx_problem *p) {
    return 2.0 * (double)p->size;
}

static void reduce_teardown(hx_problem *p) {
    reduce_data *d = p->data;
    if (!d)
        return;
    hx_free(d->x);
    hx_free(d->y);
    hx_free(d);
    p->data = NULL;
}

/* sum |x_i| or sum |x_i y_i| in double: the scale the tolerance is relative to. */
static double absolute_sum(const float *x, const float *y, size_t n) {
    double s = 0.0;
    const long len = (long)n;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (long i = 0; i < len; i++)
        s += y ? fabs((double)x[i] * (double)y[i]) : fabs((double)x[i]);
    return s;
}

static int reduce_setup_common(hx_problem *p, int with_y) {
    reduce_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->x = d->y = NULL;
    int status = hx_alloc_checked((void **)&d->x, d->n * sizeof(float), "input x");
    if (status == HX_OK && with_y)
        status = hx_alloc_checked((void **)&d->y, d->n * sizeof(float), "input y");
    if (status != HX_OK) {
        reduce_teardown(p);
        return status;
    }
    hx_fill_uniform(d->x, d->n, p->seed, 1, -1.0f, 1.0f);
    if (with_y)
        hx_fill_uniform(d->y, d->n, p->seed, 2, -1.0f, 1.0f);
    d->abs_sum = absolute_sum(d->x, d->y, d->n);
    p->out_bytes = sizeof(float);
    return HX_OK;
}

static int reduce_setup(hx_problem *p) {
    return reduce_setup_common(p, 0);
}

static int dot_setup(hx_problem *p) {
    return reduce_setup_common(p, 1);
}

/* ---- serial: one running sum, naive order (SISD) ----------------------------------------- */

HX_SERIAL static float sum_scalar_range(const float *restrict x, size_t begin, size_t end) {
    float s = 0.0f;
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        s += x[i];
    return s;
}

HX_SERIAL static float dot_scalar_range(const float *restrict x, const float *restrict y,
                                        size_t begin, size_t end) {
    float s = 0.0f;
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        s += x[i] * y[i];
    return s;
}

static void reduce_serial(const hx_problem *p, void *out) {
    const reduce_data *d = p->data;
    *(float *)out = sum_scalar_range(d->x, 0, d->n);
}

static void dot_serial(const hx_problem *p, void *out) {
    const reduce_data *d = p->data;
    *(float *)out = dot_scalar_range(d->x, d->y, 0, d->n);
}

/* ---- simd: several vector accumulators (SIMD) -------------------------------------------- */

/* Four independent accumulators hide the 3-4 cycle latency of a vector add: with one, each add
 * would wait for the previous one.  y == NULL sums x; otherwise sums x*y with FMA. */
HX_TARGET_AVX2 static float avx2_range(const float *restrict x, const float *restrict y,
                                       size_t begin, size_t end) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = begin;
    if (y) {
        for (; i + 32 <= end; i += 32) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), s2);
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), s3);
        }
    } else {
        for (; i + 32 <= end; i += 32) {
            s0 = _mm256_add_ps(_mm256_loadu_ps(x + i), s0);
            s1 = _mm256_add_ps(_mm256_loadu_ps(x + i + 8), s1);
            s2 = _mm256_add_ps(_mm256_loadu_ps(x + i + 16), s2);
            s3 = _mm256_add_ps(_mm256_loadu_ps(x + i + 24), s3);
        }
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    /* horizontal: 8 lanes -> 4 -> 2 -> 1 */
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float total = _mm_cvtss_f32(h);
    for (; i < end; i++) /* tail */
        total += y ? x[i] * y[i] : x[i];
    return total;
}

HX_TARGET_AVX512 static float avx512_range(const float *restrict x, const float *restrict y,
                                           size_t begin, size_t end) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = begin;
    if (y) {
        for (; i + 64 <= end; i += 64) {
            s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
            s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), s1);
            s2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(y + i + 32), s2);
            s3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(y + i + 48), s3);
        }
    } else {
        for (; i + 64 <= end; i += 64) {
            s0 = _mm512_add_ps(_mm512_loadu_ps(x + i), s0);
            s1 = _mm512_add_ps(_mm512_loadu_ps(x + i + 16), s1);
            s2 = _mm512_add_ps(_mm512_loadu_ps(x + i + 32), s2);
            s3 = _mm512_add_ps(_mm512_loadu_ps(x + i + 48), s3);
        }
    }
    for (; i + 16 <= end; i += 16) /* whole vectors left over */
        s0 = y ? _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0)
               : _mm512_add_ps(_mm512_loadu_ps(x + i), s0);
    if (i < end) { /* tail: one masked operation */
        __mmask16 m = (__mmask16)((1u << (end - i)) - 1);
        __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
        s1 = y ? _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, y + i), s1) : _mm512_add_ps(xv, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* The widest path this CPU allows, over [begin, end). */
static float simd_range(const reduce_data *d, size_t begin, size_t end) {
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        return avx512_range(d->x, d->y, begin, end);
    case HX_SIMD_AVX2:
        return avx2_range(d->x, d->y, begin, end);
    default:
        return d->y ? dot_scalar_range(d->x, d->y, begin, end) : sum_scalar_range(d->x, begin, end);
    }
}

static void reduce_simd(const hx_problem *p, void *out) {
    const reduce_data *d = p->data;
    *(float *)out = simd_range(d, 0, d->n);
}

/* ---- omp: per-thread partial sums of the scalar loop (MIMD) ------------------------------ */

/* One partial per thread, each on its own cache line so the threads do not share a line. */
typedef struct padded_partial {
    float value;
    char pad[64 - sizeof(float)];
} padded_partial;

/* Each thread sums its contiguous chunk (scalar or simd); the partials are added in thread
 * order afterwards, so the result does not depend on which thread finishes first. */
static void partial_sums(const reduce_data *d, int use_simd, float *out) {
    int nthreads = omp_get_max_threads();
    padded_partial *partial = hx_alloc((size_t)nthreads * sizeof *partial);
    if (!partial) { /* NaN fails verification instead of crashing */
        *out = NAN;
        return;
    }
    int used = 1;
#pragma omp parallel num_threads(nthreads)
    {
        size_t t = (size_t)omp_get_thread_num(), begin, end;
#pragma omp single
        used = omp_get_num_threads();
        hx_partition(d->n, (size_t)omp_get_num_threads(), t, 16, &begin, &end);
        float s;
        if (use_simd)
            s = simd_range(d, begin, end);
        else
            s = d->y ? dot_scalar_range(d->x, d->y, begin, end)
                     : sum_scalar_range(d->x, begin, end);
        partial[t].value = s;
    }
    float total = 0.0f;
    for (int t = 0; t < used; t++)
        total += partial[t].value;
    hx_free(partial);
    *out = total;
}

static void reduce_omp(const hx_problem *p, void *out) {
    partial_sums(p->data, 0, out);
}

/* ---- omp-simd: per-thread partials of the vector loop (MIMD of SIMD) --------------------- */

static void reduce_omp_simd(const hx_problem *p, void *out) {
    partial_sums(p->data, 1, out);
}

/* ---- threads: the same partial sums with explicit pthreads (MIMD) ------------------------- */

/* What OpenMP does behind `#pragma omp parallel`, written out: the programmer partitions the
 * data, creates a thread per share, joins them, and combines the partials in a fixed order. */
typedef struct sum_share {
    const reduce_data *d;
    size_t begin, end;
    float partial;
    char pad[64]; /* each thread writes its partial: keep two shares off one cache line */
} sum_share;

static void *sum_share_run(void *arg) {
    sum_share *s = arg;
    s->partial = s->d->y ? dot_scalar_range(s->d->x, s->d->y, s->begin, s->end)
                         : sum_scalar_range(s->d->x, s->begin, s->end);
    return NULL;
}

static void reduce_threads(const hx_problem *p, void *out) {
    const reduce_data *d = p->data;
    size_t nthreads = (size_t)p->threads;
    sum_share *share = hx_alloc(nthreads * sizeof *share);
    pthread_t *thread = hx_alloc(nthreads * sizeof *thread);
    float total = NAN; /* what is reported if a thread cannot be made: verification fails */
    size_t started = 0;
    if (share && thread) {
        for (; started < nthreads; started++) { /* partition and create */
            share[started] = (sum_share){.d = d};
            hx_partition(d->n, nthreads, started, 16, &share[started].begin, &share[started].end);
            if (pthread_create(&thread[started], NULL, sum_share_run, &share[started]) != 0)
                break;
        }
        for (size_t t = 0; t < started; t++) /* join */
            pthread_join(thread[t], NULL);
        if (started == nthreads) { /* combine, in thread order */
            total = 0.0f;
            for (size_t t = 0; t < nthreads; t++)
                total += share[t].partial;
        }
    }
    hx_free(thread);
    hx_free(share);
    *(float *)out = total;
}

/* ---- blas: the tuned library's sdot (dot only) --------------------------------------------- */

#ifdef HETERO_HAVE_BLAS
static void dot_blas(const hx_problem *p, void *out) {
    const reduce_data *d = p->data;
    openblas_set_num_threads(p->threads);
    *(float *)out = cblas_sdot((int)d->n, d->x, 1, d->y, 1);
}
#endif

/* ---- opencl: kernels/reduce.cl ------------------------------------------------------------ */

typedef struct reduce_ocl {
    hx_ocl_mem *x, *y, *partials, *result;
    cl_kernel first, second; /* per-group partials; sum of the partials in one group */
    size_t global, local;
} reduce_ocl;

/* A power of two (the tree halves it), at most 256 and what the device allows. */
static size_t tree_local_size(const hx_ocl_device *dev) {
    size_t cap = hx_ocl_stream_local_size(dev);
    if (cap > 256)
        cap = 256;
    size_t local = 1;
    while (local * 2 <= cap)
        local *= 2;
    return local;
}

static int reduce_ocl_prepare(hx_ocl_job *job) {
    const reduce_data *d = job->problem->data;
    const size_t bytes = d->n * sizeof(float);
    reduce_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    s->local = tree_local_size(job->session->dev);
    /* at most `local` groups, so the second pass is one group with one partial per work-item */
    size_t groups = (d->n + s->local - 1) / s->local;
    if (groups > s->local)
        groups = s->local;
    s->global = groups * s->local;
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->x));
    if (d->y)
        HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->y));
    HX_TRY(hx_ocl_alloc(job, groups * sizeof(float), HX_MEM_READ_WRITE, &s->partials));
    HX_TRY(hx_ocl_alloc(job, sizeof(float), HX_MEM_WRITE, &s->result));
    HX_TRY(hx_ocl_kernel(job, d->y ? "dot_partials" : "reduce_sum", &s->first));
    HX_TRY(hx_ocl_kernel(job, "reduce_sum", &s->second));
    /* CPU devices: a contiguous chunk per work-item (a multiple of 8 floats); others:
     * grid-stride, coalesced (see kernels/reduce.cl) */
    const bool cpu = (job->session->dev->type & CL_DEVICE_TYPE_CPU) != 0;
    cl_uint chunk = cpu ? (cl_uint)hx_round_up((d->n + s->global - 1) / s->global, 8) : 0;
    cl_uint n = (cl_uint)d->n, ngroups = (cl_uint)groups, stride = 0;
    cl_uint arg = 0;
    HX_TRY(hx_ocl_arg_mem(s->first, arg++, s->x));
    if (d->y)
        HX_TRY(hx_ocl_arg_mem(s->first, arg++, s->y));
    HX_TRY(hx_ocl_arg_mem(s->first, arg++, s->partials));
    HX_CL(clSetKernelArg(s->first, arg++, sizeof n, &n));
    HX_CL(clSetKernelArg(s->first, arg++, sizeof chunk, &chunk));
    HX_CL(clSetKernelArg(s->first, arg, s->local * sizeof(float), NULL));
    HX_TRY(hx_ocl_arg_mem(s->second, 0, s->partials));
    HX_TRY(hx_ocl_arg_mem(s->second, 1, s->result));
    HX_CL(clSetKernelArg(s->second, 2, sizeof ngroups, &ngroups));
    HX_CL(clSetKernelArg(s->second, 3, sizeof stride, &stride)); /* <= 1 partial per item */
    HX_CL(clSetKernelArg(s->second, 4, s->local * sizeof(float), NULL));
    return HX_OK;
}

static int reduce_ocl_run(hx_ocl_job *job, void *out) {
    reduce_ocl *s = job->state;
    const reduce_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->x, d->x));
    if (d->y)
        HX_TRY(hx_ocl_upload(job, s->y, d->y));
    HX_TRY(hx_ocl_launch(job, s->first, 1, &s->global, &s->local));
    HX_TRY(hx_ocl_launch(job, s->second, 1, &s->local, &s->local));
    return hx_ocl_download(job, s->result, out);
}

static const hx_ocl_binding reduce_ocl_binding = {
    .file = "reduce.cl",
    .prepare = reduce_ocl_prepare,
    .run = reduce_ocl_run,
};

/* ---- mpi: partial sums per rank, combined by messages (MIMD, distributed memory) --------- */

#ifdef HETERO_HAVE_MPI
/* Each rank sums its own block (omp-simd partial sums, distributed.c) and the p partials are
 * then combined so that EVERY rank holds the sum, two ways:
 *   allreduce  MPI_Allreduce(MPI_SUM): the library picks the algorithm (for one float, Open MPI
 *              uses recursive doubling or a binomial tree, by size and rank count);
 *   tree       the same written out: a binomial tree of MPI_Send/MPI_Recv.  Up: at step s = 1,
 *              2, 4, ... a rank whose bit s is set sends its partial to rank - s and drops out,
 *              the others add what rank + s sends; rank 0 ends with the sum after ceil(log2 p)
 *              steps.  Down: the same tree backwards broadcasts it, ceil(log2 p) steps more.
 * Either is one more order of the same n additions, so the tolerance is the one every order
 * gets (see NOTES).  Verification is gathered and rank-wise: rank 0's sum against serial, and
 * every rank's copy must equal rank 0's bit for bit (an allreduce gives all ranks one answer). */
enum { REDUCE_ALLREDUCE = 0, REDUCE_TREE = 1 };

static void reduce_mpi_wire(void *data, float *const *in, size_t n) {
    *(reduce_data *)data = (reduce_data){.x = in[0], .y = in[1], .n = n};
}

extern const hx_workload hx_workload_dot; /* below: dot's blocks have y as well */

static int reduce_mpi_prepare(hx_mpi_job *job) {
    static const hx_stream_spec sum = {.inputs = 1,
                                       .data_bytes = sizeof(reduce_data),
                                       .wire = reduce_mpi_wire,
                                       .ocl = &reduce_ocl_binding};
    static const hx_stream_spec dot = {.inputs = 2,
                                       .data_bytes = sizeof(reduce_data),
                                       .wire = reduce_mpi_wire,
                                       .ocl = &reduce_ocl_binding};
    return hx_stream_block_prepare(job, job->problem->workload == &hx_workload_dot ? &dot : &sum);
}

/* The binomial tree: *v is this rank's partial on entry and the sum on return, on every rank. */
static int tree_allreduce(float *v, MPI_Comm comm, int rank, int p) {
    int mask = 1;
    for (; mask < p; mask <<= 1) { /* up: fold the partials into rank 0 */
        if (rank & mask) {
            HX_MPI(MPI_Send(v, 1, MPI_FLOAT, rank - mask, 0, comm));
            break;
        }
        if (rank + mask < p) {
            float other;
            HX_MPI(MPI_Recv(&other, 1, MPI_FLOAT, rank + mask, 0, comm, MPI_STATUS_IGNORE));
            *v += other;
        }
    }
    if (rank != 0) /* down: wait for the sum from the rank this one sent to */
        HX_MPI(MPI_Recv(v, 1, MPI_FLOAT, rank - mask, 1, comm, MPI_STATUS_IGNORE));
    for (mask >>= 1; mask > 0; mask >>= 1) /* ... and pass it on below that step */
        if (rank + mask < p)
            HX_MPI(MPI_Send(v, 1, MPI_FLOAT, rank + mask, 1, comm));
    return HX_OK;
}

static int reduce_mpi_run(hx_mpi_job *job) {
    HX_TRY(hx_stream_block_compute(job, reduce_omp_simd));
    float *sum = ((hx_stream_block *)job->state)->out; /* the partial, then the sum */
    if (job->variant == REDUCE_TREE)
        return tree_allreduce(sum, job->comm, job->rank, job->ranks);
    HX_MPI(MPI_Allreduce(MPI_IN_PLACE, sum, 1, MPI_FLOAT, MPI_SUM, job->comm));
    return HX_OK;
}

/* Rank 0's sum into out, NaN (failing verification) when another rank holds a different one. */
static int reduce_mpi_gather(hx_mpi_job *job, void *out) {
    float mine = *((hx_stream_block *)job->state)->out, root = mine;
    HX_MPI(MPI_Bcast(&root, 1, MPI_FLOAT, 0, job->comm));
    int differs = memcmp(&mine, &root, sizeof mine) != 0, any = 0;
    HX_MPI(MPI_Reduce(&differs, &any, 1, MPI_INT, MPI_SUM, 0, job->comm));
    if (job->rank == 0) {
        if (any)
            hx_notice("%s/mpi: %d rank%s hold a sum other than rank 0's %.9g",
                      job->problem->workload->name, any, any == 1 ? "" : "s", (double)root);
        *(float *)out = any ? NAN : root;
    }
    return HX_OK;
}

static const hx_mpi_binding reduce_mpi_binding = {
    .variants = {[REDUCE_ALLREDUCE] = {"allreduce", "MPI_Allreduce of one float per rank"},
                 [REDUCE_TREE] = {"tree", "binomial tree of Send/Recv: log2(p) steps up and down"}},
    .nvariants = 2,
    .verification = "gathered and rank-wise: rank 0's sum against serial, every rank's the same",
    .check = hx_stream_block_check,
    .prepare = reduce_mpi_prepare,
    .run = reduce_mpi_run,
    .gather = reduce_mpi_gather,
    .release = hx_stream_block_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

/* Relative bound on the error of summing k terms in any order (see NOTES). */
static double summation_bound(double k) {
    const double u = HX_FLT_UNIT_ROUNDOFF, lambda = 10.0;
    double worst = hx_gamma(k);
    double probable = expm1(lambda * sqrt(k) * u + k * u * u / (1.0 - u));
    return worst < probable ? worst : probable;
}

static void reduce_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    const reduce_data *d = p->data;
    /* serial and the backend each within the bound: they differ by at most twice it */
    hx_verify_floats(out, ref, 1, 2.0 * summation_bound((double)d->n), d->abs_sum, v);
}

/* ---- registry entries ---------------------------------------------------------------------- */

const hx_workload hx_workload_reduce = {
    .name = "reduce",
    .summary = "s = sum of x_i, float32",
    .lesson = "reduction: per-thread partials, tree in local memory, rounding depends on order",
    .size_unit = "elements",
    .default_size_fn = reduce_default_size,
    .min_size = 1,
    .max_size = (uint64_t)1 << 30,
    .test_size = 10007, /* prime: vector and work-group tails */
    .bytes = reduce_bytes,
    .flops = reduce_flops,
    .host_bytes = reduce_host_bytes,
    .setup = reduce_setup,
    .teardown = reduce_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = reduce_serial,
            [HX_BACKEND_SIMD] = reduce_simd,
            [HX_BACKEND_OMP] = reduce_omp,
            [HX_BACKEND_OMP_SIMD] = reduce_omp_simd,
            [HX_BACKEND_THREADS] = reduce_threads},
    .ocl = &reduce_ocl_binding,
    .cuda = HX_CUDA_BINDING(reduce), /* reduce and dot share it */
    .mpi = HX_MPI_BINDING(reduce_mpi_binding),
    .verify = reduce_verify,
};

const hx_workload hx_workload_dot = {
    .name = "dot",
    .summary = "s = sum of x_i * y_i, float32 (dot product)",
    .lesson = "reduction of products: the same partial sums, one FMA per element pair",
    .size_unit = "elements per vector",
    .default_size_fn = reduce_default_size,
    .min_size = 1,
    .max_size = (uint64_t)1 << 30,
    .test_size = 10007, /* prime: vector and work-group tails */
    .bytes = dot_bytes,
    .flops = dot_flops,
    .host_bytes = dot_host_bytes,
    .setup = dot_setup,
    .teardown = reduce_teardown,
    .cpu =
        {
            [HX_BACKEND_SERIAL] = dot_serial,
            [HX_BACKEND_SIMD] = reduce_simd,
            [HX_BACKEND_OMP] = reduce_omp,
            [HX_BACKEND_OMP_SIMD] = reduce_omp_simd,
            [HX_BACKEND_THREADS] = reduce_threads,
#ifdef HETERO_HAVE_BLAS
            [HX_BACKEND_BLAS] = dot_blas,
#endif
        },
    .ocl = &reduce_ocl_binding,
    .cuda = HX_CUDA_BINDING(reduce), /* reduce and dot share it */
    .mpi = HX_MPI_BINDING(reduce_mpi_binding),
    .source = "reduce.c", /* dot shares reduce's file */
    .verify = reduce_verify,
};
