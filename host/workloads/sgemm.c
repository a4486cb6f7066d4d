/*
 * NAME
 *     sgemm - C = A * B for n x n float32 matrices (row-major)
 *
 * PURPOSE
 *     The compute-bound end of the roofline: 2 n^3 flops on 3 n^2 words, so the arithmetic
 *     intensity grows with n and the limit is the cores' FMA units - IF the data is reused from
 *     registers and caches instead of memory.  The versions show how: serial is the naive triple
 *     loop (i-k-j order, scalar); omp runs cache-blocked tiles on threads with the same scalar
 *     body; simd and omp-simd follow GotoBLAS/BLIS: an mc x kc block of A and a kc x nc panel of
 *     B are packed into contiguous micro-panels (so the innermost loop reads memory in order and
 *     the blocks stay in L2 and L3), and a register-blocked micro-kernel keeps a 6 x 16 tile of C
 *     in twelve AVX2 registers (6 x 32 in AVX-512 registers), doing 12 FMAs per 2 loads of B and
 *     6 broadcasts of A.  The blas backend is the tuned library; opencl tiles 64 x 64 blocks of C
 *     through local memory with 8 x 8 outputs (eight float8 registers) per work-item.
 *
 * USAGE
 *     hetero run sgemm [--size=N]      N = matrix order (default 512; the benchmark uses 2048)
 *
 * NOTES
 *     Bytes moved per run = 3 * 4 * n^2 (A and B read once, C written once: the compulsory
 *     traffic; blocking exists to keep the real traffic near it).  Flops = 2 n^3 (one multiply
 *     and one add per (i, j, k); an FMA counts as two).
 *     Verification: every backend forms c_ij as a sum of n products in some order (with or
 *     without FMA), so |c^_ij - c_ij| <= gamma(n) (|A||B|)_ij for each (Higham, Thm 3.5), and a
 *     backend and serial differ by at most 2 gamma(n) (|A||B|)_ij.  The check bounds
 *     (|A||B|)_ij <= max_k |a_ik| * sum_k |b_kj| (row maxima of A and column sums of |B|,
 *     computed at setup in O(n^2)), so element (i, j) passes when
 *     |out_ij - ref_ij| / (max_k |a_ik| sum_k |b_kj|) <= 2 gamma(n).
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

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

/* Cache blocking of the packed path: a KC x NC panel of B (1 MiB) stays in L2/L3, an MC x KC
 * block of A (~120 KiB) in L2, a KC x NR micro-panel of B (16 KiB) in L1. */
#define SGEMM_KC     256
#define SGEMM_MC     120
#define SGEMM_NC     1024
#define SGEMM_MAX_MR 6
#define SGEMM_MAX_NR 32
/* OpenCL: a 64 x 64 tile of C per work-group of 8 x 8 items, 8 x 8 outputs each. */
#define SGEMM_OCL_TILE  64
#define SGEMM_OCL_ITEMS 8

#include "sgemm.h" /* sgemm_data: the inputs, shared with kernels/cuda/sgemm.cu */
#ifdef HETERO_HAVE_MPI
#include <stdlib.h>

#include "hetero/mpi/mpi.h"
#endif

HX_CUDA_DECLARE(sgemm); /* kernels/cuda/sgemm.cu */

/* ---- data setup ------------------------------------------------------------------------- */

static double sgemm_host_bytes(uint64_t n) {
    return 4.0 * (double)n * (double)n * sizeof(float); /* A, B, out, reference */
}

static double sgemm_bytes(const hx_problem *p) {
    return 3.0 * sizeof(float) * (double)p->size * (double)p->size;
}

static double sgemm_flops(const hx_problem *p) {
    double n = (double)p->size;
    return 2.0 * n * n * n;
}

static void sgemm_teardown(hx_problem *p) {
    sgemm_data *d = p->data;
    if (!d)
        return;
    hx_free(d->a);
    hx_free(d->b);
    hx_free(d->row_max_a);
    hx_free(d->col_abs_sum_b);
    hx_free(d);
    p->data = NULL;
}

/* The per-row and per-column scales of the error bound (see NOTES). */
static void error_scales(sgemm_data *d) {
    const size_t n = d->n;
    for (size_t i = 0; i < n; i++) {
        float m = 0.0f;
        for (size_t k = 0; k < n; k++)
            m = fmaxf(m, fabsf(d->a[i * n + k]));
        d->row_max_a[i] = m;
    }
    for (size_t j = 0; j < n; j++)
        d->col_abs_sum_b[j] = 0.0f;
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < n; j++)
            d->col_abs_sum_b[j] += fabsf(d->b[k * n + j]);
}

static int sgemm_setup(hx_problem *p) {
    sgemm_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(d, 0, sizeof *d);
    p->data = d;
    d->n = p->size;
    const size_t elems = d->n * d->n;
    int status = hx_alloc_checked((void **)&d->a, elems * sizeof(float), "sgemm input A");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->b, elems * sizeof(float), "sgemm input B");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->row_max_a, d->n * sizeof(float), "row scales");
    if (status == HX_OK)
        status =
            hx_alloc_checked((void **)&d->col_abs_sum_b, d->n * sizeof(float), "column scales");
    if (status != HX_OK) {
        sgemm_teardown(p);
        return status;
    }
    hx_fill_uniform(d->a, elems, p->seed, 1, -1.0f, 1.0f);
    hx_fill_uniform(d->b, elems, p->seed, 2, -1.0f, 1.0f);
    error_scales(d);
    p->out_bytes = elems * sizeof(float);
    return HX_OK;
}

/* ---- serial: the naive triple loop (SISD) ------------------------------------------------ */

/* i-k-j order: the innermost loop walks a row of B and a row of C in memory order. */
HX_SERIAL static void sgemm_serial(const hx_problem *p, void *out) {
    const sgemm_data *d = p->data;
    const size_t n = d->n;
    const float *restrict a = d->a, *restrict b = d->b;
    float *restrict c = out;
    for (size_t i = 0; i < n; i++) {
        HX_NOVEC
        for (size_t j = 0; j < n; j++)
            c[i * n + j] = 0.0f;
        for (size_t k = 0; k < n; k++) {
            const float aik = a[i * n + k];
            HX_NOVEC
            for (size_t j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
    }
}

/* ---- simd: packed panels and a register-blocked micro-kernel (SIMD) ----------------------- */

/* A micro-kernel computes an mr x nr tile of C from a packed kc x mr micro-panel of A (column
 * of mr values per k) and a packed kc x nr micro-panel of B (row of nr values per k):
 * C = A B (accumulate = 0) or C += A B (accumulate = 1), with row stride ldc. */
typedef void (*sgemm_micro_fn)(size_t kc, const float *restrict ap, const float *restrict bp,
                               float *restrict c, size_t ldc, int accumulate);

typedef struct sgemm_micro {
    sgemm_micro_fn fn;
    size_t mr, nr;
} sgemm_micro;

/* Plain C, for CPUs without AVX2: the same packed structure, the compiler's code for the tile. */
static void micro_generic_6x16(size_t kc, const float *restrict ap, const float *restrict bp,
                               float *restrict c, size_t ldc, int accumulate) {
    float acc[6][16] = {{0}};
    for (size_t p = 0; p < kc; p++, ap += 6, bp += 16)
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 16; j++)
                acc[r][j] += ap[r] * bp[j];
    for (int r = 0; r < 6; r++)
        for (int j = 0; j < 16; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}

/* 6 x 16 tile in 12 ymm accumulators; per k: 2 loads of B, 6 broadcasts of A, 12 FMAs. */
#define AVX2_ROW(r)                                                                                \
    do {                                                                                           \
        __m256 a_ = _mm256_broadcast_ss(ap + (r));                                                 \
        c##r##0 = _mm256_fmadd_ps(a_, b0, c##r##0);                                                \
        c##r##1 = _mm256_fmadd_ps(a_, b1, c##r##1);                                                \
    } while (0)
#define AVX2_STORE(r)                                                                              \
    do {                                                                                           \
        float *row_ = c + (r)*ldc;                                                                 \
        if (accumulate) {                                                                          \
            c##r##0 = _mm256_add_ps(c##r##0, _mm256_loadu_ps(row_));                               \
            c##r##1 = _mm256_add_ps(c##r##1, _mm256_loadu_ps(row_ + 8));                           \
        }                                                                                          \
        _mm256_storeu_ps(row_, c##r##0);                                                           \
        _mm256_storeu_ps(row_ + 8, c##r##1);                                                       \
    } while (0)

HX_TARGET_AVX2 static void micro_avx2_6x16(size_t kc, const float *restrict ap,
                                           const float *restrict bp, float *restrict c, size_t ldc,
                                           int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
    for (size_t p = 0; p < kc; p++, ap += 6, bp += 16) {
        const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        AVX2_ROW(0);
        AVX2_ROW(1);
        AVX2_ROW(2);
        AVX2_ROW(3);
        AVX2_ROW(4);
        AVX2_ROW(5);
    }
    AVX2_STORE(0);
    AVX2_STORE(1);
    AVX2_STORE(2);
    AVX2_STORE(3);
    AVX2_STORE(4);
    AVX2_STORE(5);
}

/* 6 x 32 tile in 12 zmm accumulators: the same schedule at twice the width. */
#define AVX512_ROW(r)                                                                              \
    do {                                                                                           \
        __m512 a_ = _mm512_set1_ps(ap[(r)]);                                                       \
        c##r##0 = _mm512_fmadd_ps(a_, b0, c##r##0);                                                \
        c##r##1 = _mm512_fmadd_ps(a_, b1, c##r##1);                                                \
    } while (0)
#define AVX512_STORE(r)                                                                            \
    do {                                                                                           \
        float *row_ = c + (r)*ldc;                                                                 \
        if (accumulate) {                                                                          \
            c##r##0 = _mm512_add_ps(c##r##0, _mm512_loadu_ps(row_));                               \
            c##r##1 = _mm512_add_ps(c##r##1, _mm512_loadu_ps(row_ + 16));                          \
        }                                                                                          \
        _mm512_storeu_ps(row_, c##r##0);                                                           \
        _mm512_storeu_ps(row_ + 16, c##r##1);                                                      \
    } while (0)

HX_TARGET_AVX512 static void micro_avx512_6x32(size_t kc, const float *restrict ap,
                                               const float *restrict bp, float *restrict c,
                                               size_t ldc, int accumulate) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t p = 0; p < kc; p++, ap += 6, bp += 32) {
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        AVX512_ROW(0);
        AVX512_ROW(1);
        AVX512_ROW(2);
        AVX512_ROW(3);
        AVX512_ROW(4);
        AVX512_ROW(5);
    }
    AVX512_STORE(0);
    AVX512_STORE(1);
    AVX512_STORE(2);
    AVX512_STORE(3);
    AVX512_STORE(4);
    AVX512_STORE(5);
}

/* The widest micro-kernel this CPU allows. */
static sgemm_micro pick_micro_kernel(void) {
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        return (sgemm_micro){micro_avx512_6x32, 6, 32};
    case HX_SIMD_AVX2:
        return (sgemm_micro){micro_avx2_6x16, 6, 16};
    default:
        return (sgemm_micro){micro_generic_6x16, 6, 16};
    }
}

/* Pack rows [0, m) x columns [0, kc) of the block at a (row stride lda) into micro-panels of
 * mr rows: panel q holds, for each k, the mr values a[q*mr + r][k]; missing rows are zero. */
static void pack_a(const float *a, size_t lda, size_t m, size_t kc, size_t mr, float *dst) {
    for (size_t q = 0; q * mr < m; q++, dst += mr * kc)
        for (size_t r = 0; r < mr; r++) {
            const size_t row = q * mr + r;
            const float *src = a + row * lda;
            for (size_t k = 0; k < kc; k++)
                dst[k * mr + r] = row < m ? src[k] : 0.0f;
        }
}

/* Pack micro-panel q of the kc x nc block at b (row stride ldb): for each k, nr consecutive
 * values b[k][q*nr + j]; missing columns are zero. */
static void pack_b_panel(const float *b, size_t ldb, size_t kc, size_t nc, size_t nr, size_t q,
                         float *dst) {
    const size_t j0 = q * nr, width = nc - j0 < nr ? nc - j0 : nr;
    for (size_t k = 0; k < kc; k++) {
        const float *src = b + k * ldb + j0;
        size_t j = 0;
        for (; j < width; j++)
            dst[k * nr + j] = src[j];
        for (; j < nr; j++)
            dst[k * nr + j] = 0.0f;
    }
}

/* C[0..m) x [0..nc) (+)= packed A block x packed B panel, one micro-tile at a time.  Edge tiles
 * are computed into a scratch tile and only their valid part is copied. */
static void macro_kernel(const sgemm_micro *uk, size_t m, size_t nc, size_t kc, const float *ap,
                         const float *bp, float *c, size_t ldc, int accumulate) {
    float tile[SGEMM_MAX_MR * SGEMM_MAX_NR] __attribute__((aligned(64)));
    for (size_t j = 0; j < nc; j += uk->nr) {
        const float *bq = bp + (j / uk->nr) * uk->nr * kc;
        const size_t nn = nc - j < uk->nr ? nc - j : uk->nr;
        for (size_t i = 0; i < m; i += uk->mr) {
            const float *aq = ap + (i / uk->mr) * uk->mr * kc;
            const size_t mm = m - i < uk->mr ? m - i : uk->mr;
            float *cij = c + i * ldc + j;
            if (mm == uk->mr && nn == uk->nr) {
                uk->fn(kc, aq, bq, cij, ldc, accumulate);
                continue;
            }
            uk->fn(kc, aq, bq, tile, uk->nr, 0);
            for (size_t r = 0; r < mm; r++)
                for (size_t q = 0; q < nn; q++)
                    cij[r * ldc + q] =
                        accumulate ? cij[r * ldc + q] + tile[r * uk->nr + q] : tile[r * uk->nr + q];
        }
    }
}

/* The GotoBLAS loop nest for C (m x n) = A (m x n) * B (n x n), all row-major: for each NC-wide
 * panel of B and KC-deep slice, pack the B panel (threads share the packing), then threads take
 * MC-row blocks of A, pack them into their own buffer, and run the macro-kernel.  threaded = 0
 * runs it on the calling thread alone. */
static void sgemm_packed_rows(const float *a, const float *b, size_t m, size_t n, float *c,
                              int threaded) {
    const sgemm_micro uk = pick_micro_kernel();
    const size_t kc_max = SGEMM_KC, nc_max = SGEMM_NC;
    const size_t mc_max = SGEMM_MC / uk.mr * uk.mr;
    const int nthreads = threaded ? omp_get_max_threads() : 1;
    const size_t a_floats = mc_max * kc_max;
    float *bpack = hx_alloc(hx_round_up(nc_max, uk.nr) * kc_max * sizeof(float));
    float *apack = hx_alloc((size_t)nthreads * a_floats * sizeof(float));
    if (!bpack || !apack) { /* leave the poison in c: verification reports the failure */
        hx_free(bpack);
        hx_free(apack);
        return;
    }
#pragma omp parallel num_threads(nthreads)
    {
        float *mine = apack + (size_t)omp_get_thread_num() * a_floats;
        for (size_t jc = 0; jc < n; jc += nc_max) {
            const size_t nc = n - jc < nc_max ? n - jc : nc_max;
            const long panels = (long)((nc + uk.nr - 1) / uk.nr);
            for (size_t pc = 0; pc < n; pc += kc_max) {
                const size_t kc = n - pc < kc_max ? n - pc : kc_max;
#pragma omp for schedule(static)
                for (long q = 0; q < panels; q++)
                    pack_b_panel(b + pc * n + jc, n, kc, nc, uk.nr, (size_t)q,
                                 bpack + (size_t)q * uk.nr * kc);
                /* implicit barrier: the B panel is complete */
                const long blocks = (long)((m + mc_max - 1) / mc_max);
#pragma omp for schedule(dynamic, 1)
                for (long ib = 0; ib < blocks; ib++) {
                    const size_t ic = (size_t)ib * mc_max;
                    const size_t mc = m - ic < mc_max ? m - ic : mc_max;
                    pack_a(a + ic * n + pc, n, mc, kc, uk.mr, mine);
                    macro_kernel(&uk, mc, nc, kc, mine, bpack, c + ic * n + jc, n, pc > 0);
                }
                /* implicit barrier: nobody still reads the B panel when it is repacked */
            }
        }
    }
    hx_free(apack);
    hx_free(bpack);
}

static void sgemm_packed(const sgemm_data *d, float *c, int threaded) {
    sgemm_packed_rows(d->a, d->b, d->n, d->n, c, threaded);
}

static void sgemm_simd(const hx_problem *p, void *out) {
    sgemm_packed(p->data, out, 0);
}

/* ---- omp: threads over cache blocks, scalar body (MIMD) ---------------------------------- */

/* Each thread owns 64-row x 256-column blocks of C and walks k in 256-deep slices, so the slice
 * of B it reads (256 x 256 floats = 256 KiB) stays in L2 while 64 rows of C reuse it. */
HX_SERIAL static void sgemm_omp(const hx_problem *p, void *out) {
    const sgemm_data *d = p->data;
    const long n = (long)d->n;
    const float *restrict a = d->a, *restrict b = d->b;
    float *restrict c = out;
    const long bi = 64, bj = 256, bk = 256;
#pragma omp parallel for collapse(2) schedule(static)
    for (long i0 = 0; i0 < n; i0 += bi)
        for (long j0 = 0; j0 < n; j0 += bj) {
            const long i1 = i0 + bi < n ? i0 + bi : n, j1 = j0 + bj < n ? j0 + bj : n;
            for (long i = i0; i < i1; i++)
                for (long j = j0; j < j1; j++)
                    c[i * n + j] = 0.0f;
            for (long k0 = 0; k0 < n; k0 += bk) {
                const long k1 = k0 + bk < n ? k0 + bk : n;
                for (long i = i0; i < i1; i++)
                    for (long k = k0; k < k1; k++) {
                        const float aik = a[i * n + k];
                        for (long j = j0; j < j1; j++)
                            c[i * n + j] += aik * b[k * n + j];
                    }
            }
        }
}

/* ---- omp-simd: threads x micro-kernel over packed panels (MIMD of SIMD) ------------------- */

static void sgemm_omp_simd(const hx_problem *p, void *out) {
    sgemm_packed(p->data, out, 1);
}

/* ---- blas: the tuned library call ---------------------------------------------------------- */

#ifdef HETERO_HAVE_BLAS
static void sgemm_blas(const hx_problem *p, void *out) {
    const sgemm_data *d = p->data;
    const int n = (int)d->n;
    openblas_set_num_threads(p->threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, d->a, n, d->b, n, 0.0f,
                out, n);
}
#endif

/* ---- opencl: kernels/sgemm.cl ------------------------------------------------------------- */

typedef struct sgemm_ocl {
    hx_ocl_mem *a, *b, *c;
    cl_kernel kernel;
    size_t global[2], local[2];
} sgemm_ocl;

static int sgemm_ocl_prepare(hx_ocl_job *job) {
    const sgemm_data *d = job->problem->data;
    const size_t bytes = d->n * d->n * sizeof(float);
    const hx_ocl_device *dev = job->session->dev;
    if (dev->max_work_group < SGEMM_OCL_ITEMS * SGEMM_OCL_ITEMS)
        return hx_fail(HX_ERR_MISSING,
                       "sgemm needs work-groups of %d items; device '%s' allows %zu",
                       SGEMM_OCL_ITEMS * SGEMM_OCL_ITEMS, dev->name, dev->max_work_group);
    sgemm_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->a));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->b));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_WRITE, &s->c));
    HX_TRY(hx_ocl_kernel(job, "sgemm", &s->kernel));
    cl_uint n = (cl_uint)d->n;
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->a));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 1, s->b));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 2, s->c));
    HX_CL(clSetKernelArg(s->kernel, 3, sizeof n, &n));
    /* one work-group per 64 x 64 tile of C; tiles past the edge are guarded in the kernel */
    const size_t tiles = (d->n + SGEMM_OCL_TILE - 1) / SGEMM_OCL_TILE;
    s->local[0] = s->local[1] = SGEMM_OCL_ITEMS;
    s->global[0] = s->global[1] = tiles * SGEMM_OCL_ITEMS;
    return HX_OK;
}

static int sgemm_ocl_run(hx_ocl_job *job, void *out) {
    sgemm_ocl *s = job->state;
    const sgemm_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->a, d->a));
    HX_TRY(hx_ocl_upload(job, s->b, d->b));
    HX_TRY(hx_ocl_launch(job, s->kernel, 2, s->global, s->local));
    return hx_ocl_download(job, s->c, out);
}

static const hx_ocl_binding sgemm_ocl_binding = {
    .file = "sgemm.cl",
    .prepare = sgemm_ocl_prepare,
    .run = sgemm_ocl_run,
};

/* ---- mpi: rows of A and C per rank, B gathered (MIMD, distributed memory) ------------------ */

#ifdef HETERO_HAVE_MPI
/* 1-D row distribution: rank r owns rows [r0, r1) of A, B and C (blocks differ by at most one
 * row) and first-touches its rows of A and B with serial's values.  Row i of C needs row i of A
 * and ALL of B, so each run starts with MPI_Allgatherv of the B blocks into a full copy of B on
 * every rank - n^2 floats arriving at every rank, against 2 n^3 / p flops of its own work, the
 * ratio that decides whether this scales - then the packed omp-simd kernel computes the rank's
 * rows of C.  Each c_ij is the same sum in the same order as on the omp-simd row, so the
 * tolerance is the one every backend gets.  (SUMMA, on a 2-D grid, would send each rank only
 * its panels of A and B - 2 n^2 / sqrt(p) floats - at the price of more, smaller messages.) */
typedef struct sgemm_mpi {
    float *a, *c;         /* this rank's rows: rows x n */
    float *b;             /* all of B after the gather; this rank's rows start at row r0 */
    size_t r0, rows;      /* the owned rows */
    int *counts, *displs; /* every rank's B block, in floats (MPI_Allgatherv) */
} sgemm_mpi;

static int sgemm_mpi_check(const hx_problem *p, int ranks, const int grid[2]) {
    (void)grid;
    return hx_mpi_check_blocks("--size (rows)", p->size, 1, ranks);
}

static void sgemm_mpi_release(hx_mpi_job *job) {
    sgemm_mpi *s = job->state;
    if (!s)
        return;
    hx_free(s->a);
    hx_free(s->b);
    hx_free(s->c);
    free(s->counts);
    free(s->displs);
    hx_free(s);
    job->state = NULL;
}

static int sgemm_mpi_prepare(hx_mpi_job *job) {
    sgemm_mpi *s = hx_alloc(sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(s, 0, sizeof *s);
    job->state = s;
    const size_t n = (size_t)job->problem->size;
    uint64_t begin, end;
    hx_mpi_block(n, job->ranks, job->rank, &begin, &end);
    s->r0 = (size_t)begin;
    s->rows = (size_t)(end - begin);
    s->counts = calloc((size_t)job->ranks, sizeof *s->counts);
    s->displs = calloc((size_t)job->ranks, sizeof *s->displs);
    if (!s->counts || !s->displs)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (int r = 0; r < job->ranks; r++) {
        hx_mpi_block(n, job->ranks, r, &begin, &end);
        s->counts[r] = (int)((end - begin) * n);
        s->displs[r] = (int)(begin * n);
    }
    const size_t mine = s->rows * n * sizeof(float);
    HX_TRY(hx_alloc_checked((void **)&s->a, mine, "this rank's rows of A"));
    HX_TRY(hx_alloc_checked((void **)&s->c, mine, "this rank's rows of C"));
    HX_TRY(hx_alloc_checked((void **)&s->b, n * n * sizeof(float), "a whole copy of B"));
    hx_fill_uniform_from(s->a, s->rows * n, s->r0 * n, job->problem->seed, 1, -1.0f, 1.0f);
    hx_fill_uniform_from(s->b + s->r0 * n, s->rows * n, s->r0 * n, job->problem->seed, 2, -1.0f,
                         1.0f);
    return HX_OK;
}

static int sgemm_mpi_run(hx_mpi_job *job) {
    sgemm_mpi *s = job->state;
    const size_t n = (size_t)job->problem->size;
    HX_MPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, s->b, s->counts, s->displs, MPI_FLOAT,
                          job->comm));
    double t = hx_mpi_compute_begin();
    sgemm_packed_rows(s->a, s->b, s->rows, n, s->c, 1);
    hx_mpi_compute_end(job, t);
    return HX_OK;
}

static int sgemm_mpi_gather(hx_mpi_job *job, void *out) {
    sgemm_mpi *s = job->state;
    const size_t n = (size_t)job->problem->size;
    return hx_mpi_gather_blocks(job->comm, s->c, n, n * sizeof(float), out); /* rows of C */
}

static const hx_mpi_binding sgemm_mpi_binding = {
    .variants = {{"allgather", "MPI_Allgatherv of B's row blocks, then each rank's rows of C"}},
    .nvariants = 1,
    .verification = "gathered: the rows of C to rank 0, against serial",
    .check = sgemm_mpi_check,
    .prepare = sgemm_mpi_prepare,
    .run = sgemm_mpi_run,
    .gather = sgemm_mpi_gather,
    .release = sgemm_mpi_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

static void sgemm_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    const sgemm_data *d = p->data;
    const float *o = out, *r = ref;
    const size_t n = d->n;
    const double tol = 2.0 * hx_gamma((double)n);
    *v = (hx_verdict){.ok = true, .tolerance = tol};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const size_t e = i * n + j;
            /* (|A||B|)_ij <= max_k |a_ik| sum_k |b_kj|; zero only if the row or column is */
            double scale = (double)d->row_max_a[i] * (double)d->col_abs_sum_b[j];
            double err = isnan(o[e]) || isnan(r[e]) ? INFINITY : fabs((double)o[e] - r[e]);
            if (scale > 0.0)
                err /= scale;
            if (err > v->max_err)
                v->max_err = err;
            if (!(err <= tol)) {
                if (v->bad_count++ == 0)
                    v->first_bad = e;
                v->ok = false;
            }
        }
}

/* ---- registry entry ----------------------------------------------------------------------- */

const hx_workload hx_workload_sgemm = {
    .name = "sgemm",
    .summary = "C = A * B, n x n float32 matrices",
    .lesson = "compute-bound: cache blocking, packing and register tiling, the roofline's right",
    .size_unit = "matrix order n (n x n matrices)",
    .default_size = 512,
    .min_size = 1,
    .max_size = 16384,
    .test_size = 37,
    .default_reps = 3,
    .default_warmup = 1,
    .bytes = sgemm_bytes,
    .flops = sgemm_flops,
    .host_bytes = sgemm_host_bytes,
    .setup = sgemm_setup,
    .teardown = sgemm_teardown,
    .cpu =
        {
            [HX_BACKEND_SERIAL] = sgemm_serial,
            [HX_BACKEND_SIMD] = sgemm_simd,
            [HX_BACKEND_OMP] = sgemm_omp,
            [HX_BACKEND_OMP_SIMD] = sgemm_omp_simd,
#ifdef HETERO_HAVE_BLAS
            [HX_BACKEND_BLAS] = sgemm_blas,
#endif
        },
    .ocl = &sgemm_ocl_binding,
    .cuda = HX_CUDA_BINDING(sgemm),
    .mpi = HX_MPI_BINDING(sgemm_mpi_binding),
    .verify = sgemm_verify,
};
