/*
 * NAME
 *     histogram - 256-bin histogram of n bytes (uint8 in, uint32 bins out)
 *
 * PURPOSE
 *     Atomics and contention.  Every byte increments one of only 256 counters, so parallel
 *     workers collide on the same counters, and on a skewed input mostly on the same one.  The
 *     cure everywhere is privatisation: count into private bins and merge once.
 *       serial    bins[b[i]]++.  On a skewed input consecutive bytes hit the same counter, and
 *                 each increment waits for the previous store to that counter (a store-to-load
 *                 dependence through memory: several cycles per byte).
 *       simd      x86 has no vector "scatter-increment", so the data-parallel trick is eight
 *                 private tables: byte k of each 8-byte word goes to table k, so consecutive
 *                 equal bytes update different memory and the increments overlap; AVX2 loads
 *                 32 bytes at a time and merges the tables with vector adds.  (AVX-512 adds a
 *                 conflict-detection instruction, but resolving conflicts per vector costs more
 *                 than eight tables do for 256 bins: AVX-512 machines run the same code.)
 *       omp       each thread counts its share into private bins, then adds them to the result
 *                 once (256 atomic adds per thread).  --shared-bins=1 shows the naive version
 *                 instead: one shared bin array and an atomic increment per byte, which makes
 *                 the cores fight over cache lines and is many times slower than serial.
 *       omp-simd  each thread runs the eight-table code on its share, then merges once.
 *       opencl    per-work-group bins in local memory, merged with one global atomic per bin
 *                 per group; --shared-bins=1 runs the kernel with a global atomic per byte.
 *     --skew=P makes a fraction P of the bytes one hot value (the rest uniform), to show what
 *     contention costs: try --skew=0 and --skew=1 with and without --shared-bins=1.
 *
 * USAGE
 *     hetero run histogram [--size=N] [--skew=P] [--shared-bins=0|1]
 *         N input bytes (default 64M), P in [0, 1] (default 0)
 *
 * NOTES
 *     Bytes moved per run = n (each input byte read once) + 4 * 256 (the bins written once).
 *     Flops = none (integer work; GFLOP/s is not reported).
 *     Verification: counting is exact integer arithmetic, in any order, so every backend must
 *     match serial bin for bin (n is limited to 2^31, so no bin can overflow uint32).
 */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/histogram.h"
#include "hetero/workloads/workload.h"
#ifdef HETERO_HAVE_MPI
#include "hetero/mpi/mpi.h"
#endif

enum { PARAM_SKEW = 0, PARAM_SHARED_BINS = 1 };

#define BINS     HX_HISTOGRAM_BINS
#define HOT_BYTE 0x2A /* the value a skewed input repeats */

HX_CUDA_DECLARE(histogram); /* kernels/cuda/histogram.cu */

typedef struct histogram_data {
    uint8_t *bytes;
    size_t n;
    bool shared_bins; /* --shared-bins=1: omp and opencl use one atomic per byte */
} histogram_data;

/* ---- data setup ------------------------------------------------------------------------- */

void hx_histogram_input_of(const hx_problem *p, hx_histogram_input *in) {
    const histogram_data *d = p->data;
    in->bytes = d->bytes;
    in->n = d->n;
}

static double histogram_host_bytes(uint64_t n) {
    return (double)n + 2.0 * BINS * sizeof(uint32_t);
}

static double histogram_bytes(const hx_problem *p) {
    return (double)p->size + (double)BINS * sizeof(uint32_t);
}

static void histogram_teardown(hx_problem *p) {
    histogram_data *d = p->data;
    if (!d)
        return;
    hx_free(d->bytes);
    hx_free(d);
    p->data = NULL;
}

/* Byte first + i into b[i]: with probability skew the hot value, else uniform over 0..255 (from
 * --seed). */
static void fill_bytes(uint8_t *b, size_t n, uint64_t first, uint64_t seed, double skew) {
    const uint64_t threshold = (uint64_t)(skew * 16777216.0); /* skew in units of 2^-24 */
    const long len = (long)n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < len; i++) {
        uint64_t r = hx_rng_bits(seed, 1, first + (uint64_t)i);
        b[i] = (r >> 40) < threshold ? HOT_BYTE : (uint8_t)r;
    }
}

static int histogram_setup(hx_problem *p) {
    histogram_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->shared_bins = p->param[PARAM_SHARED_BINS] != 0.0;
    d->bytes = NULL;
    int status = hx_alloc_checked((void **)&d->bytes, d->n, "histogram input");
    if (status != HX_OK) {
        histogram_teardown(p);
        return status;
    }
    fill_bytes(d->bytes, d->n, 0, p->seed, p->param[PARAM_SKEW]);
    p->out_bytes = BINS * sizeof(uint32_t);
    return HX_OK;
}

/* ---- serial: one byte, one increment (SISD) ---------------------------------------------- */

HX_SERIAL static void histogram_serial(const hx_problem *p, void *out) {
    const histogram_data *d = p->data;
    const uint8_t *restrict b = d->bytes;
    uint32_t *restrict bins = out;
    memset(bins, 0, BINS * sizeof *bins);
    HX_NOVEC
    for (size_t i = 0; i < d->n; i++)
        bins[b[i]]++;
}

/* ---- simd: eight private tables, vector loads and merge (SIMD) --------------------------- */

/* Eight tables of 256 counters (8 KiB, in L1): byte k of every 8-byte word counts into table k. */
typedef uint32_t histogram_tables[8][BINS];

static inline void count_word(histogram_tables t, uint64_t w) {
    t[0][w & 0xFF]++;
    t[1][(w >> 8) & 0xFF]++;
    t[2][(w >> 16) & 0xFF]++;
    t[3][(w >> 24) & 0xFF]++;
    t[4][(w >> 32) & 0xFF]++;
    t[5][(w >> 40) & 0xFF]++;
    t[6][(w >> 48) & 0xFF]++;
    t[7][w >> 56]++;
}

/* Count b[begin, end) and ADD the counts to bins (which the caller zeroed or merges into). */
HX_TARGET_AVX2 static void histogram_avx2_range(const uint8_t *b, size_t begin, size_t end,
                                                uint32_t *bins) {
    _Alignas(32) histogram_tables t;
    memset(t, 0, sizeof t);
    size_t i = begin;
    for (; i + 32 <= end; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(b + i));
        count_word(t, (uint64_t)_mm256_extract_epi64(v, 0));
        count_word(t, (uint64_t)_mm256_extract_epi64(v, 1));
        count_word(t, (uint64_t)_mm256_extract_epi64(v, 2));
        count_word(t, (uint64_t)_mm256_extract_epi64(v, 3));
    }
    for (; i < end; i++) /* tail */
        t[0][b[i]]++;
    for (size_t j = 0; j < BINS; j += 8) {
        __m256i sum = _mm256_loadu_si256((const __m256i *)(bins + j));
        for (int k = 0; k < 8; k++)
            sum = _mm256_add_epi32(sum, _mm256_load_si256((const __m256i *)(t[k] + j)));
        _mm256_storeu_si256((__m256i *)(bins + j), sum);
    }
}

HX_SERIAL static void histogram_scalar_range(const uint8_t *b, size_t begin, size_t end,
                                             uint32_t *bins) {
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        bins[b[i]]++;
}

/* The widest path this CPU allows, adding the counts of b[begin, end) to bins. */
static void histogram_simd_range(const uint8_t *b, size_t begin, size_t end, uint32_t *bins) {
    if (hx_cpu()->simd >= HX_SIMD_AVX2)
        histogram_avx2_range(b, begin, end, bins);
    else
        histogram_scalar_range(b, begin, end, bins);
}

static void histogram_simd(const hx_problem *p, void *out) {
    const histogram_data *d = p->data;
    memset(out, 0, BINS * sizeof(uint32_t));
    histogram_simd_range(d->bytes, 0, d->n, out);
}

/* ---- omp: private bins per thread, merged once (MIMD) ------------------------------------ */

/* The naive version, for --shared-bins=1: every byte an atomic increment on shared bins. */
HX_SERIAL static void histogram_omp_shared(const histogram_data *d, uint32_t *bins) {
    const uint8_t *restrict b = d->bytes;
    const long n = (long)d->n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
#pragma omp atomic update
        bins[b[i]]++;
    }
}

HX_SERIAL static void histogram_omp(const hx_problem *p, void *out) {
    const histogram_data *d = p->data;
    uint32_t *bins = out;
    memset(bins, 0, BINS * sizeof *bins);
    if (d->shared_bins) {
        histogram_omp_shared(d, bins);
        return;
    }
    const uint8_t *restrict b = d->bytes;
    const long n = (long)d->n;
#pragma omp parallel
    {
        uint32_t mine[BINS] = {0};
#pragma omp for schedule(static) nowait
        for (long i = 0; i < n; i++)
            mine[b[i]]++;
        for (int j = 0; j < BINS; j++) {
            if (!mine[j])
                continue;
#pragma omp atomic update
            bins[j] += mine[j];
        }
    }
}

/* ---- omp-simd: eight tables per thread, merged once (MIMD of SIMD) ----------------------- */

static void histogram_omp_simd(const hx_problem *p, void *out) {
    const histogram_data *d = p->data;
    uint32_t *bins = out;
    memset(bins, 0, BINS * sizeof *bins);
#pragma omp parallel
    {
        _Alignas(64) uint32_t mine[BINS] = {0};
        size_t begin, end;
        hx_partition(d->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 64, &begin,
                     &end);
        histogram_simd_range(d->bytes, begin, end, mine);
        for (int j = 0; j < BINS; j++) {
            if (!mine[j])
                continue;
#pragma omp atomic update
            bins[j] += mine[j];
        }
    }
}

/* ---- opencl: kernels/histogram.cl --------------------------------------------------------- */

typedef struct histogram_ocl {
    hx_ocl_mem *bytes, *bins;
    cl_kernel kernel;
    size_t global, local;
} histogram_ocl;

static const uint32_t zero_bins[BINS];

static int histogram_ocl_prepare(hx_ocl_job *job) {
    const histogram_data *d = job->problem->data;
    const hx_ocl_device *dev = job->session->dev;
    histogram_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, d->n, HX_MEM_READ, &s->bytes));
    HX_TRY(hx_ocl_alloc(job, sizeof zero_bins, HX_MEM_READ_WRITE, &s->bins));
    HX_TRY(hx_ocl_kernel(job, d->shared_bins ? "histogram_global" : "histogram_local", &s->kernel));
    /* Groups of 256 work-items (the bin count: one bin each to clear and merge), each counting
     * one contiguous chunk.  A GPU gets eight groups per compute unit.  A CPU device runs a
     * group's work-items one after another, each striding through the whole chunk, so there
     * the chunk is kept to 64 KiB, small enough to stay in cache until the last work-item has
     * read it (with a few large chunks every work-item would fetch them from memory again). */
    s->local = dev->max_work_group < 256 ? dev->max_work_group : 256;
    size_t groups =
        (dev->type & CL_DEVICE_TYPE_CPU) ? (d->n + 65535) / 65536 : (size_t)dev->compute_units * 8;
    size_t needed = (d->n + s->local - 1) / s->local;
    if (groups > needed)
        groups = needed;
    s->global = groups * s->local;
    cl_uint n = (cl_uint)d->n, chunk = (cl_uint)hx_round_up((d->n + groups - 1) / groups, s->local);
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->bytes));
    HX_CL(clSetKernelArg(s->kernel, 1, sizeof n, &n));
    HX_CL(clSetKernelArg(s->kernel, 2, sizeof chunk, &chunk));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 3, s->bins));
    return HX_OK;
}

static int histogram_ocl_run(hx_ocl_job *job, void *out) {
    histogram_ocl *s = job->state;
    const histogram_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->bytes, d->bytes));
    HX_TRY(hx_ocl_upload(job, s->bins, zero_bins)); /* the kernels add into the bins */
    HX_TRY(hx_ocl_launch(job, s->kernel, 1, &s->global, &s->local));
    return hx_ocl_download(job, s->bins, out);
}

static const hx_ocl_binding histogram_ocl_binding = {
    .file = "histogram.cl",
    .prepare = histogram_ocl_prepare,
    .run = histogram_ocl_run,
};

/* ---- mpi: private bins per rank, one MPI_Reduce (MIMD, distributed memory) ----------------- */

#ifdef HETERO_HAVE_MPI
/* Privatisation once more, one level up: each rank counts its own block of the input (made from
 * the seed at the block's global indices) into its own 256 bins with the omp-simd body, and one
 * MPI_Reduce(MPI_SUM) adds the p bin arrays on rank 0 - 1 KiB per rank, whatever n is, so the
 * communication does not grow with the input.  Counting is exact, so the sum is serial's bin for
 * bin. */
typedef struct histogram_mpi {
    histogram_data block; /* this rank's bytes */
    hx_problem local;     /* the block as a problem of its own */
    uint32_t mine[BINS], total[BINS];
} histogram_mpi;

static int histogram_mpi_check(const hx_problem *p, int ranks, const int grid[2]) {
    (void)grid;
    return hx_mpi_check_blocks("--size", p->size, 1, ranks);
}

static void histogram_mpi_release(hx_mpi_job *job) {
    histogram_mpi *s = job->state;
    if (!s)
        return;
    hx_free(s->block.bytes);
    hx_free(s);
    job->state = NULL;
}

static int histogram_mpi_prepare(hx_mpi_job *job) {
    histogram_mpi *s = hx_alloc(sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(s, 0, sizeof *s);
    job->state = s;
    const hx_problem *p = job->problem;
    uint64_t begin, end;
    hx_mpi_block(p->size, job->ranks, job->rank, &begin, &end);
    s->block.n = (size_t)(end - begin);
    s->block.shared_bins = false; /* the omp-simd body never shares bins */
    HX_TRY(hx_alloc_checked((void **)&s->block.bytes, s->block.n, "this rank's bytes"));
    fill_bytes(s->block.bytes, s->block.n, begin, p->seed, p->param[PARAM_SKEW]);
    s->local = *p;
    s->local.size = s->block.n;
    s->local.data = &s->block;
    return HX_OK;
}

static int histogram_mpi_run(hx_mpi_job *job) {
    histogram_mpi *s = job->state;
    double t = hx_mpi_compute_begin();
    histogram_omp_simd(&s->local, s->mine);
    hx_mpi_compute_end(job, t);
    HX_MPI(MPI_Reduce(s->mine, s->total, BINS, MPI_UINT32_T, MPI_SUM, 0, job->comm));
    return HX_OK;
}

static int histogram_mpi_gather(hx_mpi_job *job, void *out) {
    histogram_mpi *s = job->state;
    if (job->rank == 0) /* MPI_Reduce has already put the sum there */
        memcpy(out, s->total, sizeof s->total);
    return HX_OK;
}

static const hx_mpi_binding histogram_mpi_binding = {
    .variants = {{"reduce", "MPI_Reduce(MPI_SUM) of every rank's 256 private bins"}},
    .nvariants = 1,
    .verification = "gathered: the reduced bins on rank 0, against serial, exactly",
    .check = histogram_mpi_check,
    .prepare = histogram_mpi_prepare,
    .run = histogram_mpi_run,
    .gather = histogram_mpi_gather,
    .release = histogram_mpi_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

static void histogram_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    (void)p;
    hx_verify_u32(out, ref, BINS, v);
}

/* ---- registry entry ----------------------------------------------------------------------- */

static const hx_param_def histogram_params[] = {
    [PARAM_SKEW] = {"skew", 0, 0, 1, false, "fraction of bytes equal to one hot value (0..1)"},
    [PARAM_SHARED_BINS] = {"shared-bins", 0, 0, 1, true,
                           "1: omp and opencl use one atomic per byte on shared bins"},
};

const hx_workload hx_workload_histogram = {
    .name = "histogram",
    .summary = "256-bin histogram of n bytes, uint32 bins",
    .lesson = "atomics and contention: private bins merged once beat shared atomic counters",
    .size_unit = "input bytes",
    .default_size = (uint64_t)64 << 20, /* twice a 32 MiB last-level cache; a few seconds */
    .min_size = 1,
    .max_size = (uint64_t)1 << 31,
    .test_size = 10007, /* prime: vector and work-group tails */
    .params = histogram_params,
    .nparams = sizeof histogram_params / sizeof histogram_params[0],
    .bytes = histogram_bytes,
    .flops = NULL,
    .host_bytes = histogram_host_bytes,
    .setup = histogram_setup,
    .teardown = histogram_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = histogram_serial,
            [HX_BACKEND_SIMD] = histogram_simd,
            [HX_BACKEND_OMP] = histogram_omp,
            [HX_BACKEND_OMP_SIMD] = histogram_omp_simd},
    .ocl = &histogram_ocl_binding,
    .cuda = HX_CUDA_BINDING(histogram),
    .mpi = HX_MPI_BINDING(histogram_mpi_binding),
    .verify = histogram_verify,
};
