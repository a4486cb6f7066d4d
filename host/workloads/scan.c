/*
 * NAME
 *     scan - inclusive prefix sum y_i = x_0 + ... + x_i over n int32 elements
 *
 * PURPOSE
 *     A loop where every result depends on the one before it, and yet it parallelises: the
 *     work-efficient scan does O(n) additions in O(log n) parallel steps.  On the CPU it runs in
 *     three phases - each thread sums its chunk, the few chunk sums are scanned, each thread
 *     scans its chunk starting from its offset - so it reads the input twice and does about 2n
 *     additions instead of n.  Inside a vector register the same idea is shift-and-add (log2 of
 *     the lane count steps); on a device each work-item scans 8 elements serially, Blelloch's
 *     up-sweep/down-sweep tree in local memory scans the items' totals, the work-group sums are
 *     scanned the same way, and a last pass adds each group's offset.
 *
 * USAGE
 *     hetero run scan [--size=N]       N elements (default: 16M, or larger than 2x the LLC)
 *
 * NOTES
 *     Bytes moved per run = 2 * 4 * n (read x, write y; the algorithm's second read of x and
 *     the offset pass are not credited).  No floating-point work: integer additions only.
 *     Inputs are in 0..15 and --size is at most 2^27, so every prefix is at most
 *     15 * 2^27 < 2^31 and fits int32 without overflow; verification is exact (every element
 *     equal to the serial one).
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

#define SCAN_MAX_SIZE     ((uint64_t)1 << 27) /* 15 * 2^27 < 2^31: no overflow */
#define SCAN_MAX_LEVELS   8                   /* OpenCL: group sums of group sums of ... */
#define SCAN_OCL_PER_ITEM 8 /* OpenCL elements per work-item, as PER_ITEM in kernels/scan.cl */

#include "scan.h" /* scan_data: the inputs, shared with kernels/cuda/scan.cu */
#ifdef HETERO_HAVE_MPI
#include <string.h>

#include "hetero/mpi/mpi.h"
#endif

HX_CUDA_DECLARE(scan); /* kernels/cuda/scan.cu */

/* ---- data setup ------------------------------------------------------------------------- */

static uint64_t scan_default_size(void) {
    /* each array at least twice the last-level cache, so every run streams from DRAM */
    uint64_t n = (uint64_t)16 << 20;
    while (n * sizeof(int32_t) < 2 * (uint64_t)hx_cpu_llc_bytes() && n < SCAN_MAX_SIZE)
        n <<= 1;
    return n;
}

static double scan_host_bytes(uint64_t n) {
    return 3.0 * (double)n * sizeof(int32_t); /* x, out, reference */
}

static double scan_bytes(const hx_problem *p) {
    return 2.0 * sizeof(int32_t) * (double)p->size;
}

static void scan_teardown(hx_problem *p) {
    scan_data *d = p->data;
    if (!d)
        return;
    hx_free(d->x);
    hx_free(d);
    p->data = NULL;
}

/* Elements first .. first+n-1 of the input, 0..15 from --seed, into x[0..n). */
static void fill_input(int32_t *x, size_t n, uint64_t first, uint64_t seed) {
    const long len = (long)n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < len; i++)
        x[i] = (int32_t)(hx_rng_bits(seed, 1, first + (uint64_t)i) & 15);
}

static int scan_setup(hx_problem *p) {
    scan_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->x = NULL;
    int status = hx_alloc_checked((void **)&d->x, d->n * sizeof(int32_t), "scan input x");
    if (status != HX_OK) {
        scan_teardown(p);
        return status;
    }
    fill_input(d->x, d->n, 0, p->seed);
    p->out_bytes = d->n * sizeof(int32_t);
    return HX_OK;
}

/* ---- serial: one running sum (SISD) ------------------------------------------------------ */

/* y[i] = carry + x[begin] + ... + x[i] over [begin, end); returns the last prefix. */
HX_SERIAL static int32_t scan_scalar_range(const int32_t *restrict x, int32_t *restrict y,
                                           size_t begin, size_t end, int32_t carry) {
    HX_NOVEC
    for (size_t i = begin; i < end; i++) {
        carry += x[i];
        y[i] = carry;
    }
    return carry;
}

HX_SERIAL static int32_t sum_scalar_range(const int32_t *restrict x, size_t begin, size_t end) {
    int32_t s = 0;
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        s += x[i];
    return s;
}

static void scan_serial(const hx_problem *p, void *out) {
    const scan_data *d = p->data;
    scan_scalar_range(d->x, out, 0, d->n, 0);
}

/* ---- simd: shift-and-add inside a register (SIMD) ---------------------------------------- */

/* In-register scan of 8 lanes: add the vector shifted by 1, 2 and 4 lanes.  AVX2 byte shifts
 * work within each 128-bit half, so the halves are scanned separately and the low half's total
 * is then added to the high half. */
HX_TARGET_AVX2 static int32_t scan_avx2_range(const int32_t *restrict x, int32_t *restrict y,
                                              size_t begin, size_t end, int32_t carry) {
    size_t i = begin;
    __m256i offset = _mm256_set1_epi32(carry);
    const __m256i last = _mm256_set1_epi32(7);
    for (; i + 8 <= end; i += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(x + i));
        v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));  /* within each half: shift 1 lane */
        v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));  /* shift 2 lanes */
        __m256i low_total = _mm256_shuffle_epi32(v, 0xFF); /* lane 3 of each half, broadcast */
        low_total = _mm256_permute2x128_si256(low_total, low_total, 0x08); /* [0, low half's] */
        v = _mm256_add_epi32(_mm256_add_epi32(v, low_total), offset);
        _mm256_storeu_si256((__m256i *)(y + i), v);
        offset = _mm256_permutevar8x32_epi32(v, last); /* the running total in every lane */
    }
    carry = _mm256_cvtsi256_si32(offset);
    for (; i < end; i++) { /* tail */
        carry += x[i];
        y[i] = carry;
    }
    return carry;
}

/* 16 lanes: valignd with a zero vector shifts whole lanes across the register. */
HX_TARGET_AVX512 static int32_t scan_avx512_range(const int32_t *restrict x, int32_t *restrict y,
                                                  size_t begin, size_t end, int32_t carry) {
    size_t i = begin;
    const __m512i zero = _mm512_setzero_si512(), last = _mm512_set1_epi32(15);
    __m512i offset = _mm512_set1_epi32(carry);
    for (; i + 16 <= end; i += 16) {
        __m512i v = _mm512_loadu_si512(x + i);
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 15)); /* shift up 1 lane */
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 14)); /* 2 lanes */
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 12)); /* 4 lanes */
        v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, zero, 8));  /* 8 lanes */
        v = _mm512_add_epi32(v, offset);
        _mm512_storeu_si512(y + i, v);
        offset = _mm512_permutexvar_epi32(last, v);
    }
    carry = _mm512_cvtsi512_si32(offset);
    for (; i < end; i++) {
        carry += x[i];
        y[i] = carry;
    }
    return carry;
}

HX_TARGET_AVX2 static int32_t sum_avx2_range(const int32_t *restrict x, size_t begin, size_t end) {
    __m256i s0 = _mm256_setzero_si256(), s1 = s0;
    size_t i = begin;
    for (; i + 16 <= end; i += 16) {
        s0 = _mm256_add_epi32(s0, _mm256_loadu_si256((const __m256i *)(x + i)));
        s1 = _mm256_add_epi32(s1, _mm256_loadu_si256((const __m256i *)(x + i + 8)));
    }
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, _mm256_add_epi32(s0, s1));
    int32_t s = 0;
    for (int k = 0; k < 8; k++)
        s += lanes[k];
    for (; i < end; i++)
        s += x[i];
    return s;
}

static int32_t scan_simd_range(const int32_t *x, int32_t *y, size_t begin, size_t end,
                               int32_t carry) {
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        return scan_avx512_range(x, y, begin, end, carry);
    case HX_SIMD_AVX2:
        return scan_avx2_range(x, y, begin, end, carry);
    default:
        return scan_scalar_range(x, y, begin, end, carry);
    }
}

static int32_t sum_simd_range(const int32_t *x, size_t begin, size_t end) {
    /* AVX2 integer adds are wide enough to saturate memory; AVX-512 machines take them too */
    return hx_cpu()->simd >= HX_SIMD_AVX2 ? sum_avx2_range(x, begin, end)
                                          : sum_scalar_range(x, begin, end);
}

static void scan_simd(const hx_problem *p, void *out) {
    const scan_data *d = p->data;
    scan_simd_range(d->x, out, 0, d->n, 0);
}

/* ---- omp: three phases over per-thread chunks (MIMD) ------------------------------------- */

/* Phase 1: each thread sums its chunk.  Phase 2: one thread scans the chunk sums into starting
 * offsets.  Phase 3: each thread scans its chunk from its offset.  The barriers between the
 * phases are the only synchronisation. */
static void scan_three_phase(const scan_data *d, int32_t *y, int use_simd) {
    int nthreads = omp_get_max_threads();
    int32_t *offset = hx_alloc(((size_t)nthreads + 1) * sizeof *offset);
    if (!offset) { /* leave the poison in y: verification reports the failure */
        return;
    }
#pragma omp parallel num_threads(nthreads)
    {
        const int t = omp_get_thread_num(), parts = omp_get_num_threads();
        size_t begin, end;
        hx_partition(d->n, (size_t)parts, (size_t)t, 16, &begin, &end);
        offset[t + 1] =
            use_simd ? sum_simd_range(d->x, begin, end) : sum_scalar_range(d->x, begin, end);
#pragma omp barrier
#pragma omp single
        {
            offset[0] = 0;
            for (int k = 1; k <= parts; k++)
                offset[k] += offset[k - 1];
        } /* implicit barrier: every offset is ready */
        if (use_simd)
            scan_simd_range(d->x, y, begin, end, offset[t]);
        else
            scan_scalar_range(d->x, y, begin, end, offset[t]);
    }
    hx_free(offset);
}

static void scan_omp(const hx_problem *p, void *out) {
    scan_three_phase(p->data, out, 0);
}

/* ---- omp-simd: the three phases with vector sums and vector scans (MIMD of SIMD) --------- */

static void scan_omp_simd(const hx_problem *p, void *out) {
    scan_three_phase(p->data, out, 1);
}

/* ---- opencl: kernels/scan.cl -------------------------------------------------------------- */

/* Level 0 scans the input in blocks of 8L (L work-items, eight elements each) and writes one sum
 * per block; level 1 scans those sums the same way; and so on until one block remains.  Then,
 * from the top level down, add_offsets adds block b-1's scanned total to every element of block
 * b. */
typedef struct scan_ocl {
    hx_ocl_mem *x, *y;
    hx_ocl_mem *sums[SCAN_MAX_LEVELS]; /* block sums of level k, scanned in place at level k+1 */
    cl_kernel scan_blocks[SCAN_MAX_LEVELS], add_offsets[SCAN_MAX_LEVELS];
    size_t count[SCAN_MAX_LEVELS]; /* elements at level k */
    size_t levels, local;
} scan_ocl;

static int scan_ocl_prepare(hx_ocl_job *job) {
    const scan_data *d = job->problem->data;
    scan_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    size_t cap = hx_ocl_stream_local_size(job->session->dev);
    s->local = 1;
    while (s->local * 2 <= cap && s->local < 256) /* a power of two for the tree */
        s->local *= 2;
    const size_t block = SCAN_OCL_PER_ITEM * s->local;
    HX_TRY(hx_ocl_alloc(job, d->n * sizeof(int32_t), HX_MEM_READ, &s->x));
    HX_TRY(hx_ocl_alloc(job, d->n * sizeof(int32_t), HX_MEM_WRITE, &s->y));
    s->levels = 0;
    size_t count = d->n;
    hx_ocl_mem *in = s->x, *out = s->y;
    for (;;) { /* one level per pass until a single block covers everything */
        size_t k = s->levels++;
        if (k >= SCAN_MAX_LEVELS)
            return hx_fail(HX_ERR_RUNTIME, "scan: too many levels for %zu elements", d->n);
        size_t blocks = (count + block - 1) / block;
        s->count[k] = count;
        HX_TRY(hx_ocl_alloc(job, blocks * sizeof(int32_t), HX_MEM_READ_WRITE, &s->sums[k]));
        HX_TRY(hx_ocl_kernel(job, "scan_blocks", &s->scan_blocks[k]));
        cl_uint n = (cl_uint)count;
        HX_TRY(hx_ocl_arg_mem(s->scan_blocks[k], 0, in));
        HX_TRY(hx_ocl_arg_mem(s->scan_blocks[k], 1, out));
        HX_TRY(hx_ocl_arg_mem(s->scan_blocks[k], 2, s->sums[k]));
        HX_CL(clSetKernelArg(s->scan_blocks[k], 3, sizeof n, &n));
        HX_CL(clSetKernelArg(s->scan_blocks[k], 4, s->local * sizeof(cl_int), NULL));
        if (k > 0) { /* level k scanned the sums of level k-1 in place */
            HX_TRY(hx_ocl_kernel(job, "add_offsets", &s->add_offsets[k - 1]));
            cl_uint m = (cl_uint)s->count[k - 1], span = (cl_uint)block;
            hx_ocl_mem *target = k - 1 == 0 ? s->y : s->sums[k - 2];
            HX_TRY(hx_ocl_arg_mem(s->add_offsets[k - 1], 0, target));
            HX_TRY(hx_ocl_arg_mem(s->add_offsets[k - 1], 1, s->sums[k - 1]));
            HX_CL(clSetKernelArg(s->add_offsets[k - 1], 2, sizeof m, &m));
            HX_CL(clSetKernelArg(s->add_offsets[k - 1], 3, sizeof span, &span));
        }
        if (blocks == 1)
            break;
        count = blocks;
        in = out = s->sums[k];
    }
    return HX_OK;
}

static int scan_ocl_run(hx_ocl_job *job, void *out) {
    scan_ocl *s = job->state;
    const scan_data *d = job->problem->data;
    const size_t block = SCAN_OCL_PER_ITEM * s->local;
    HX_TRY(hx_ocl_upload(job, s->x, d->x));
    for (size_t k = 0; k < s->levels; k++) { /* up: scan blocks, then their sums, ... */
        size_t global = (s->count[k] + block - 1) / block * s->local;
        HX_TRY(hx_ocl_launch(job, s->scan_blocks[k], 1, &global, &s->local));
    }
    for (size_t k = s->levels - 1; k-- > 0;) { /* down: add each block's offset */
        size_t global = hx_round_up(s->count[k], s->local);
        HX_TRY(hx_ocl_launch(job, s->add_offsets[k], 1, &global, &s->local));
    }
    return hx_ocl_download(job, s->y, out);
}

static const hx_ocl_binding scan_ocl_binding = {
    .file = "scan.cl",
    .prepare = scan_ocl_prepare,
    .run = scan_ocl_run,
};

/* ---- mpi: the three phases with ranks as one more level (MIMD, distributed memory) -------- */

#ifdef HETERO_HAVE_MPI
/* Each rank owns a block of x and of y.  Phase 1: the rank's threads sum their chunks of its
 * block, and the chunk sums give the block's total.  Between the phases the ranks exchange one
 * int each: MPI_Exscan(MPI_SUM) of the block totals gives every rank the sum of all blocks
 * before its own (rank 0 gets nothing, and starts from 0) - the scan of the p block sums,
 * done by the library in log2(p) steps.  Phase 3: each thread scans its chunk from its rank's
 * offset plus its own.  Integer additions are exact, so y is serial's element for element. */
typedef struct scan_mpi {
    int32_t *x, *y; /* this rank's blocks */
    size_t n;
    int parts;       /* chunks of the block: the rank's threads */
    int32_t *offset; /* parts + 1: chunk offsets within the block */
} scan_mpi;

static int scan_mpi_check(const hx_problem *p, int ranks, const int grid[2]) {
    (void)grid;
    return hx_mpi_check_blocks("--size", p->size, 1, ranks);
}

static void scan_mpi_release(hx_mpi_job *job) {
    scan_mpi *s = job->state;
    if (!s)
        return;
    hx_free(s->x);
    hx_free(s->y);
    hx_free(s->offset);
    hx_free(s);
    job->state = NULL;
}

static int scan_mpi_prepare(hx_mpi_job *job) {
    scan_mpi *s = hx_alloc(sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(s, 0, sizeof *s);
    job->state = s;
    uint64_t begin, end;
    hx_mpi_block(job->problem->size, job->ranks, job->rank, &begin, &end);
    s->n = (size_t)(end - begin);
    s->parts = job->threads > 0 ? job->threads : 1;
    HX_TRY(hx_alloc_checked((void **)&s->x, s->n * sizeof(int32_t), "this rank's block of x"));
    HX_TRY(hx_alloc_checked((void **)&s->y, s->n * sizeof(int32_t), "this rank's block of y"));
    HX_TRY(hx_alloc_checked((void **)&s->offset, ((size_t)s->parts + 1) * sizeof(int32_t),
                            "chunk offsets"));
    fill_input(s->x, s->n, begin, job->problem->seed);
    return HX_OK;
}

static int scan_mpi_run(hx_mpi_job *job) {
    scan_mpi *s = job->state;
    const int parts = s->parts;
    double t = hx_mpi_compute_begin();
#pragma omp parallel for schedule(static, 1)
    for (int k = 0; k < parts; k++) { /* phase 1: chunk sums */
        size_t begin, end;
        hx_partition(s->n, (size_t)parts, (size_t)k, 16, &begin, &end);
        s->offset[k + 1] = sum_simd_range(s->x, begin, end);
    }
    s->offset[0] = 0;
    for (int k = 1; k <= parts; k++)
        s->offset[k] += s->offset[k - 1];
    hx_mpi_compute_end(job, t);
    int32_t before = 0; /* the sum of the blocks of the ranks before this one */
    HX_MPI(MPI_Exscan(&s->offset[parts], &before, 1, MPI_INT32_T, MPI_SUM, job->comm));
    if (job->rank == 0)
        before = 0; /* MPI_Exscan leaves rank 0's result undefined */
    t = hx_mpi_compute_begin();
#pragma omp parallel for schedule(static, 1)
    for (int k = 0; k < parts; k++) { /* phase 3: each chunk from its offset */
        size_t begin, end;
        hx_partition(s->n, (size_t)parts, (size_t)k, 16, &begin, &end);
        scan_simd_range(s->x, s->y, begin, end, before + s->offset[k]);
    }
    hx_mpi_compute_end(job, t);
    return HX_OK;
}

static int scan_mpi_gather(hx_mpi_job *job, void *out) {
    scan_mpi *s = job->state;
    return hx_mpi_gather_blocks(job->comm, s->y, job->problem->size, sizeof(int32_t), out);
}

static const hx_mpi_binding scan_mpi_binding = {
    .variants = {{"exscan", "MPI_Exscan of one block sum per rank between the two passes"}},
    .nvariants = 1,
    .verification = "gathered: the blocks of y to rank 0, against serial, exactly",
    .check = scan_mpi_check,
    .prepare = scan_mpi_prepare,
    .run = scan_mpi_run,
    .gather = scan_mpi_gather,
    .release = scan_mpi_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

static void scan_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    hx_verify_i32(out, ref, p->size, v); /* integer additions: exact */
}

/* ---- registry entry ----------------------------------------------------------------------- */

const hx_workload hx_workload_scan = {
    .name = "scan",
    .summary = "inclusive prefix sum of int32 (inputs 0..15, exact)",
    .lesson = "a dependent loop made parallel: work-efficient three-phase and Blelloch scans",
    .size_unit = "elements",
    .default_size_fn = scan_default_size,
    .min_size = 1,
    .max_size = SCAN_MAX_SIZE,
    .test_size = 10007, /* prime: vector and work-group tails */
    .bytes = scan_bytes,
    .flops = NULL,
    .host_bytes = scan_host_bytes,
    .setup = scan_setup,
    .teardown = scan_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = scan_serial,
            [HX_BACKEND_SIMD] = scan_simd,
            [HX_BACKEND_OMP] = scan_omp,
            [HX_BACKEND_OMP_SIMD] = scan_omp_simd},
    .ocl = &scan_ocl_binding,
    .cuda = HX_CUDA_BINDING(scan),
    .mpi = HX_MPI_BINDING(scan_mpi_binding),
    .verify = scan_verify,
};
