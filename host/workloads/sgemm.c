/*
 * NAME
 *     sgemm - C = A * B for n x n float32 matrices (row-major)
 *
 * PURPOSE
 *     The compute-bound end of the roofline: 2 n^3 flops on 3 n^2 words, so the arithmetic
 *     intensity grows with n and the limit is the cores' FMA units - IF the data is reused from
 *     registers and caches instead of memory.  serial is the plain triple loop (i-k-j order,
 *     scalar); omp runs cache-blocked tiles on threads with the same scalar body; simd (one
 *     thread) and omp-simd (every thread) come in five variants, the steps from the textbook loop
 *     to a BLIS-style GEMM, kept side by side so each step's gain can be measured:
 *
 *       naive         c_ij = sum_k a_ik b_kj in i-j-k order: B is walked down a column, one
 *                     cache line per multiply-add, and the float sum cannot be vectorised;
 *       transposed    B is transposed first (inside the timed run), so c_ij is a dot product of
 *                     two contiguous rows: unit stride and a vectorised sum (omp simd reduction);
 *       blocked       64 x 256 tiles of C over 256-deep slices of k, i-k-j inside a tile with the
 *                     j loop vectorised: the tile of C stays in L1 and the slice of B in L2;
 *       packed        the GotoBLAS/BLIS loop nest (below) with A and B packed into contiguous,
 *                     aligned micro-panels, and the micro-tile written as plain C loops that the
 *                     compiler vectorises as it can;
 *       micro-kernel  the same nest with a hand-written register-blocked micro-kernel (default):
 *                     a 14 x 32 tile of C in 28 zmm registers (AVX-512) or 6 x 16 in 12 ymm
 *                     registers (AVX2), per k two loads of B, one broadcast of A per row, and
 *                     an FMA per register - 28 FMAs per 16 memory operations.
 *     blas is the tuned library (OpenBLAS).  opencl computes register tiles of float8/float16
 *     vectors per work-item, with the tile shape autotuned per device (kernels/sgemm.cl).
 *
 *     The loop nest of the packed variants (Goto & van de Geijn, "Anatomy of High-Performance
 *     Matrix Multiplication", 2008; the loop names are BLIS's):
 *
 *       loop 5  ic: rows of C in blocks of mc    A's mc x kc block, packed once, shared: L3
 *       loop 4  pc: k in slices of kc            (all threads pack it together)
 *       loop 3  jc: columns of C in blocks of nc B's kc x nc block, packed per thread: L2
 *                                                THREADS take jc blocks
 *       loop 2  ir: rows in steps of mr          A micro-panel mr x kc: stays in L1
 *       loop 1  jr: columns in steps of nr       B micro-panels kc x nr stream from L2
 *               micro-kernel: C[mr x nr] += A micro-panel x B micro-panel
 *
 *     The micro-kernel loads rows of B as vectors and broadcasts elements of A, so B's block is
 *     the one streamed from L2 and A's micro-panel the one held in L1 - the roles the paper gives
 *     A and B in a column-major GEMM, exchanged (a row-major C = A B is the column-major
 *     C^T = B^T A^T).  Block sizes come from the caches the kernel reports for cpu0 (the ones
 *     hwloc reads; host/core/caches.c), each buffer taking half of its cache and the other half
 *     left for the operand streaming through:
 *
 *       kc = L1d / (2 * 4 B * mr)    the A micro-panel mr x kc in half of L1d, rounded down to a
 *                                    multiple of 8, within [32, 512];
 *       nc = L2  / (2 * 4 B * kc)    the B block kc x nc in half of L2, rounded down to a
 *                                    multiple of nr;
 *       mc = L3  / (2 * 4 B * kc)    the A block mc x kc in half of L3, a multiple of mr;
 *
 *     then each is evened out over the matrix (k = 2048 in slices of at most 432 is 5 slices of
 *     410, not four of 432 and one of 320), and the number of jc blocks is made a multiple of
 *     the thread count where nr allows, so every thread gets the same work.  A 2-core AMD EPYC
 *     (Zen 5: 48 KiB L1d, 1 MiB L2, 32 MiB L3) with AVX-512 (mr = 14, nr = 32) gets
 *     kc = 49152 / 112 = 438 -> 432, nc = 1048576 / 3456 = 303 -> 288, mc = 9702; at n = 2048
 *     that is 5 slices of kc = 410, 8 jc blocks of nc = 256 (four per thread) and one mc block.
 *
 * USAGE
 *     hetero run sgemm [--size=N] [--variant=LIST|all]
 *         N = matrix order (default 1000: a whole default run takes seconds on 2 cores, serial
 *         included; not a power of two, where the naive variant's column walk maps every
 *         element of a column to the same few cache sets and runs ten times slower again);
 *         --variant picks the simd and omp-simd variants (default micro-kernel), a row each.
 *
 * NOTES
 *     Bytes moved per run = 3 * 4 * n^2 (A and B read once, C written once: the compulsory
 *     traffic; blocking exists to keep the real traffic near it).  Flops = 2 n^3 (one multiply
 *     and one add per (i, j, k); an FMA counts as two).
 *     Verification: every backend and variant forms c_ij as a sum of n products in some order
 *     (with or without FMA), so |c^_ij - c_ij| <= gamma(n) (|A||B|)_ij for each (Higham, Thm 3.5),
 *     and a backend and serial differ by at most 2 gamma(n) (|A||B|)_ij.  The check bounds
 *     (|A||B|)_ij <= max_k |a_ik| * sum_k |b_kj| (row maxima of A and column sums of |B|,
 *     computed at setup in O(n^2)), so element (i, j) passes when
 *     |out_ij - ref_ij| / (max_k |a_ik| sum_k |b_kj|) <= 2 gamma(n).
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/caches.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/report.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/core/timer.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

#ifdef HETERO_HAVE_BLAS
#include <cblas.h>
#endif

#include "sgemm.h" /* sgemm_data, shared with kernels/cuda/sgemm.cu; the tests' hooks */
#ifdef HETERO_HAVE_MPI
#include <stdlib.h>

#include "hetero/mpi/mpi.h"
#endif

HX_CUDA_DECLARE(sgemm); /* kernels/cuda/sgemm.cu */

#define SGEMM_MAX_MR 14
#define SGEMM_MAX_NR 32

/* ---- data setup ------------------------------------------------------------------------------ */

static double sgemm_host_bytes(uint64_t n) {
    /* A, B, out, reference, and the transposed variant's copy of B */
    return 5.0 * (double)n * (double)n * sizeof(float);
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

/* ---- serial: the plain triple loop (SISD) ---------------------------------------------------- */

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

/* ---- simd: the variants of simd and omp-simd, step by step ----------------------------------- */

/* The project is built for baseline x86-64, so a loop the compiler vectorises gets the wide
 * registers only inside a function compiled for them: each step's loop body is written once
 * (always inlined) and instantiated for AVX-512, AVX2 and the baseline. */
#define SGEMM_INLINE static inline __attribute__((always_inline))

enum { SGEMM_NAIVE, SGEMM_TRANSPOSED, SGEMM_BLOCKED, SGEMM_PACKED, SGEMM_MICRO_KERNEL };
static const char *const sgemm_variants[] = {"naive",  "transposed",   "blocked",
                                             "packed", "micro-kernel", NULL};

/* Step 1, naive: i-j-k, a dot product down a column of B (stride n floats). */
static void sgemm_naive(const sgemm_data *d, float *c, int threads) {
    const long n = (long)d->n;
    const float *restrict a = d->a, *restrict b = d->b;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            float s = 0.0f;
            for (long k = 0; k < n; k++)
                s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

/* Step 2, transposed: bt = B^T (in 32 x 32 blocks, so both sides stay in cache), then each c_ij
 * is a dot product of row i of A and row j of bt, both contiguous. */
static void transpose(const float *restrict b, float *restrict bt, long n, int threads) {
#pragma omp parallel for collapse(2) num_threads(threads) schedule(static)
    for (long k0 = 0; k0 < n; k0 += 32)
        for (long j0 = 0; j0 < n; j0 += 32)
            for (long k = k0; k < k0 + 32 && k < n; k++)
                for (long j = j0; j < j0 + 32 && j < n; j++)
                    bt[j * n + k] = b[k * n + j];
}

SGEMM_INLINE void transposed_row(const float *restrict ai, const float *restrict bt,
                                 float *restrict ci, long n) {
    for (long j = 0; j < n; j++) {
        const float *restrict btj = bt + j * n;
        float s = 0.0f;
#pragma omp simd reduction(+ : s)
        for (long k = 0; k < n; k++)
            s += ai[k] * btj[k];
        ci[j] = s;
    }
}

/* Step 3, blocked: one 64 x 256 tile of C over k in slices of 256, so the tile's rows (1 KiB
 * each) stay in L1 and the 256 x 256 slice of B (256 KiB) in L2 while 64 rows reuse it. */
#define BLOCK_I 64
#define BLOCK_J 256
#define BLOCK_K 256

SGEMM_INLINE void blocked_tile(const float *restrict a, const float *restrict b, float *restrict c,
                               long n, long i0, long j0) {
    const long i1 = i0 + BLOCK_I < n ? i0 + BLOCK_I : n, j1 = j0 + BLOCK_J < n ? j0 + BLOCK_J : n;
    for (long i = i0; i < i1; i++)
        for (long j = j0; j < j1; j++)
            c[i * n + j] = 0.0f;
    for (long k0 = 0; k0 < n; k0 += BLOCK_K) {
        const long k1 = k0 + BLOCK_K < n ? k0 + BLOCK_K : n;
        for (long i = i0; i < i1; i++)
            for (long k = k0; k < k1; k++) {
                const float aik = a[i * n + k];
                float *restrict ci = c + i * n;
                const float *restrict bk = b + k * n;
#pragma omp simd
                for (long j = j0; j < j1; j++)
                    ci[j] += aik * bk[j];
            }
    }
}

/* Steps 2 and 3 compiled for each SIMD level: a row of C, a tile of C.  The parallel loops
 * below call them through a pointer, once per row or tile (n or n^2 / 16384 calls against
 * O(n^2) or O(n^3) work), picked by cpuid. */
typedef void (*transposed_row_fn)(const float *restrict ai, const float *restrict bt,
                                  float *restrict ci, long n);
typedef void (*blocked_tile_fn)(const float *restrict a, const float *restrict b, float *restrict c,
                                long n, long i0, long j0);

HX_TARGET_AVX512 static void transposed_row_avx512(const float *restrict ai,
                                                   const float *restrict bt, float *restrict ci,
                                                   long n) {
    transposed_row(ai, bt, ci, n);
}
HX_TARGET_AVX2 static void transposed_row_avx2(const float *restrict ai, const float *restrict bt,
                                               float *restrict ci, long n) {
    transposed_row(ai, bt, ci, n);
}
static void transposed_row_base(const float *restrict ai, const float *restrict bt,
                                float *restrict ci, long n) {
    transposed_row(ai, bt, ci, n);
}
HX_TARGET_AVX512 static void blocked_tile_avx512(const float *restrict a, const float *restrict b,
                                                 float *restrict c, long n, long i0, long j0) {
    blocked_tile(a, b, c, n, i0, j0);
}
HX_TARGET_AVX2 static void blocked_tile_avx2(const float *restrict a, const float *restrict b,
                                             float *restrict c, long n, long i0, long j0) {
    blocked_tile(a, b, c, n, i0, j0);
}
static void blocked_tile_base(const float *restrict a, const float *restrict b, float *restrict c,
                              long n, long i0, long j0) {
    blocked_tile(a, b, c, n, i0, j0);
}

static void sgemm_transposed(const sgemm_data *d, float *c, int threads) {
    const long n = (long)d->n;
    float *bt = hx_alloc((size_t)n * (size_t)n * sizeof(float));
    if (!bt) { /* c keeps its poison: verification reports the failed row */
        hx_notice("sgemm transposed: out of memory for B^T");
        return;
    }
    const hx_simd_level simd = hx_cpu()->simd;
    const transposed_row_fn row = simd == HX_SIMD_AVX512 ? transposed_row_avx512
                                  : simd == HX_SIMD_AVX2 ? transposed_row_avx2
                                                         : transposed_row_base;
    transpose(d->b, bt, n, threads);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < n; i++)
        row(d->a + i * n, bt, c + i * n, n);
    hx_free(bt);
}

static void sgemm_blocked(const sgemm_data *d, float *c, int threads) {
    const long n = (long)d->n;
    const hx_simd_level simd = hx_cpu()->simd;
    const blocked_tile_fn tile = simd == HX_SIMD_AVX512 ? blocked_tile_avx512
                                 : simd == HX_SIMD_AVX2 ? blocked_tile_avx2
                                                        : blocked_tile_base;
#pragma omp parallel for collapse(2) num_threads(threads) schedule(static)
    for (long i0 = 0; i0 < n; i0 += BLOCK_I)
        for (long j0 = 0; j0 < n; j0 += BLOCK_J)
            tile(d->a, d->b, c, n, i0, j0);
}

/* --- steps 4 and 5: micro-kernels ------------------------------------------------------------- */

/* A micro-kernel computes an mr x nr tile of C from a packed kc x mr micro-panel of A (mr values
 * per k, one from each row) and a packed kc x nr micro-panel of B (nr values per k, one row):
 * C = A B (accumulate = 0) or C += A B (accumulate = 1), C with row stride ldc. */
typedef void (*sgemm_micro_fn)(size_t kc, const float *restrict ap, const float *restrict bp,
                               float *restrict c, size_t ldc, int accumulate);

typedef struct sgemm_micro {
    sgemm_micro_fn fn;
    size_t mr, nr;
} sgemm_micro;

/* Step 4: the tile as plain C; what the compiler makes of it (vectorised along j, the tile in
 * memory or in registers as it decides, no fused multiply-add under ISO C). */
SGEMM_INLINE void micro_plain(size_t mr, size_t nr, size_t kc, const float *restrict ap,
                              const float *restrict bp, float *restrict c, size_t ldc,
                              int accumulate) {
    float acc[SGEMM_MAX_MR * SGEMM_MAX_NR];
    for (size_t e = 0; e < mr * nr; e++)
        acc[e] = 0.0f;
    for (size_t p = 0; p < kc; p++, ap += mr, bp += nr)
        for (size_t r = 0; r < mr; r++) {
            const float a = ap[r];
#pragma omp simd
            for (size_t j = 0; j < nr; j++)
                acc[r * nr + j] += a * bp[j];
        }
    for (size_t r = 0; r < mr; r++)
        for (size_t j = 0; j < nr; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r * nr + j] : acc[r * nr + j];
}

HX_TARGET_AVX512 static void plain_avx512_14x32(size_t kc, const float *restrict ap,
                                                const float *restrict bp, float *restrict c,
                                                size_t ldc, int accumulate) {
    micro_plain(14, 32, kc, ap, bp, c, ldc, accumulate);
}

HX_TARGET_AVX2 static void plain_avx2_6x16(size_t kc, const float *restrict ap,
                                           const float *restrict bp, float *restrict c, size_t ldc,
                                           int accumulate) {
    micro_plain(6, 16, kc, ap, bp, c, ldc, accumulate);
}

static void plain_base_6x16(size_t kc, const float *restrict ap, const float *restrict bp,
                            float *restrict c, size_t ldc, int accumulate) {
    micro_plain(6, 16, kc, ap, bp, c, ldc, accumulate);
}

/* Step 5, AVX-512: a 14 x 32 tile of C in 28 zmm accumulators (of 32 registers: two more hold
 * the row of B, one the broadcast).  Per k: 2 loads of B, 14 broadcasts of A, 28 FMAs - enough
 * independent FMAs to cover their latency (4 cycles x 2 per cycle = 8 in flight) 3.5 times. */
HX_TARGET_AVX512 static void micro_avx512_14x32(size_t kc, const float *restrict ap,
                                                const float *restrict bp, float *restrict c,
                                                size_t ldc, int accumulate) {
    __m512 acc[14][2];
#pragma GCC unroll 14
    for (int r = 0; r < 14; r++)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (size_t p = 0; p < kc; p++, ap += 14, bp += 32) {
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 14
        for (int r = 0; r < 14; r++) {
            const __m512 a = _mm512_set1_ps(ap[r]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 14
    for (int r = 0; r < 14; r++) {
        float *row = c + (size_t)r * ldc;
        if (accumulate) {
            acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_loadu_ps(row));
            acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_loadu_ps(row + 16));
        }
        _mm512_storeu_ps(row, acc[r][0]);
        _mm512_storeu_ps(row + 16, acc[r][1]);
    }
}

/* Step 5, AVX2: 6 x 16 in 12 ymm accumulators (of 16: two for B, one broadcast, one spare).
 * Per k: 2 loads of B, 6 broadcasts, 12 FMAs. */
HX_TARGET_AVX2 static void micro_avx2_6x16(size_t kc, const float *restrict ap,
                                           const float *restrict bp, float *restrict c, size_t ldc,
                                           int accumulate) {
    __m256 acc[6][2];
#pragma GCC unroll 6
    for (int r = 0; r < 6; r++)
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (size_t p = 0; p < kc; p++, ap += 6, bp += 16) {
        const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 6
        for (int r = 0; r < 6; r++) {
            const __m256 a = _mm256_broadcast_ss(ap + r);
            acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; r++) {
        float *row = c + (size_t)r * ldc;
        if (accumulate) {
            acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(row));
            acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(row + 8));
        }
        _mm256_storeu_ps(row, acc[r][0]);
        _mm256_storeu_ps(row + 8, acc[r][1]);
    }
}

/* The micro-kernel of this CPU's SIMD level (after HETERO_SIMD): hand-written or plain C.  A CPU
 * without AVX2 has no hand-written one; its micro-kernel variant runs the plain tile. */
static sgemm_micro pick_micro(bool micro_kernel) {
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        return micro_kernel ? (sgemm_micro){micro_avx512_14x32, 14, 32}
                            : (sgemm_micro){plain_avx512_14x32, 14, 32};
    case HX_SIMD_AVX2:
        return micro_kernel ? (sgemm_micro){micro_avx2_6x16, 6, 16}
                            : (sgemm_micro){plain_avx2_6x16, 6, 16};
    default:
        return (sgemm_micro){plain_base_6x16, 6, 16};
    }
}

/* --- blocking from the caches ----------------------------------------------------------------- */

static hx_cache_level cache_levels[HX_MAX_CACHE_LEVELS];
static size_t ncache_levels;
static pthread_once_t caches_once = PTHREAD_ONCE_INIT;
static size_t cap_mc, cap_kc, cap_nc; /* hx_sgemm_cap_blocking (tests) */

static void read_caches(void) {
    ncache_levels = hx_cache_levels(cache_levels, HX_MAX_CACHE_LEVELS);
}

/* Bytes of the data cache of `level`, or `fallback` when the kernel reports none. */
static size_t cache_bytes(int level, size_t fallback) {
    pthread_once(&caches_once, read_caches);
    for (size_t i = 0; i < ncache_levels; i++)
        if (cache_levels[i].level == level && cache_levels[i].bytes > 0)
            return (size_t)cache_levels[i].bytes;
    return fallback;
}

/* A block size for a dimension of n: at most max (rounded down to a multiple of align), in as
 * few blocks as that allows, evened out over n.  With parts > 1 threads taking the blocks in turn,
 * a few more blocks are tried too, and the count whose busiest thread has the fewest elements
 * (ceil(blocks / parts) x size) wins, the largest blocks on a tie. */
static size_t even_block(size_t n, size_t max, size_t parts, size_t align) {
    max = max / align * align;
    if (max < align)
        max = align;
    const size_t fewest = (n + max - 1) / max;
    size_t best = max, best_cost = SIZE_MAX;
    for (size_t b = fewest; b <= fewest + (parts > 1 ? 4 * parts : 0); b++) {
        const size_t size = ((n + b - 1) / b + align - 1) / align * align;
        const size_t blocks = (n + size - 1) / size;
        const size_t cost = (blocks + parts - 1) / parts * size;
        if (cost < best_cost) {
            best = size;
            best_cost = cost;
        }
    }
    return best;
}

static size_t clamp_size(size_t v, size_t lo, size_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

hx_sgemm_blocking hx_sgemm_blocking_for(size_t n, int threads, bool micro_kernel) {
    const sgemm_micro uk = pick_micro(micro_kernel);
    const size_t word = sizeof(float);
    const size_t l1 = cache_bytes(1, 32 << 10), l2 = cache_bytes(2, 512 << 10),
                 l3 = cache_bytes(3, 8 << 20);
    hx_sgemm_blocking bl = {.mr = uk.mr, .nr = uk.nr};
    size_t kc = clamp_size(l1 / (2 * word * uk.mr) / 8 * 8, 32, 512);
    if (cap_kc && kc > cap_kc)
        kc = cap_kc;
    bl.kc = even_block(n ? n : 1, kc, 1, 1);
    size_t nc = l2 / (2 * word * bl.kc), mc = l3 / (2 * word * bl.kc);
    if (cap_nc && nc > cap_nc)
        nc = cap_nc;
    if (cap_mc && mc > cap_mc)
        mc = cap_mc;
    bl.nc = even_block(n ? n : 1, nc, threads > 0 ? (size_t)threads : 1, uk.nr);
    bl.mc = even_block(n ? n : 1, mc, 1, uk.mr);
    return bl;
}

void hx_sgemm_cap_blocking(size_t mc, size_t kc, size_t nc) {
    cap_mc = mc;
    cap_kc = kc;
    cap_nc = nc;
}

/* --- packing ---------------------------------------------------------------------------------- */

/* Rows [0, rows) x columns [0, kc) of A at a (row stride lda) into one micro-panel of mr rows:
 * for each k the mr values a[r][k], contiguous; rows past `rows` are zero. */
static void pack_a_panel(const float *restrict a, size_t lda, size_t rows, size_t kc, size_t mr,
                         float *restrict dst) {
    for (size_t k = 0; k < kc; k++, dst += mr) {
        size_t r = 0;
        for (; r < rows; r++)
            dst[r] = a[r * lda + k];
        for (; r < mr; r++)
            dst[r] = 0.0f;
    }
}

/* The kc x nc block of B at b (row stride ldb) into micro-panels of nr columns: panel q holds,
 * for each k, the nr values b[k][q nr ..], contiguous; columns past nc are zero.  B is read
 * row by row, in memory order. */
static void pack_b_block(const float *restrict b, size_t ldb, size_t kc, size_t nc, size_t nr,
                         float *restrict dst) {
    for (size_t k = 0; k < kc; k++) {
        const float *restrict src = b + k * ldb;
        for (size_t j0 = 0; j0 < nc; j0 += nr) {
            float *restrict out = dst + (j0 / nr) * nr * kc + k * nr;
            const size_t width = nc - j0 < nr ? nc - j0 : nr;
            size_t j = 0;
            for (; j < width; j++)
                out[j] = src[j0 + j];
            for (; j < nr; j++)
                out[j] = 0.0f;
        }
    }
}

/* --- the loop nest ---------------------------------------------------------------------------- */

/* Loops 2 and 1: C[0..m) x [0..nc) (+)= packed A block x packed B block.  An edge tile is
 * computed into a scratch tile and only its valid part copied. */
static void macro_kernel(const sgemm_micro *uk, size_t m, size_t nc, size_t kc, const float *ap,
                         const float *bp, float *c, size_t ldc, int accumulate) {
    float tile[SGEMM_MAX_MR * SGEMM_MAX_NR] __attribute__((aligned(64)));
    for (size_t ir = 0; ir < m; ir += uk->mr) { /* loop 2: this A micro-panel stays in L1 */
        const float *aq = ap + ir * kc;
        const size_t mm = m - ir < uk->mr ? m - ir : uk->mr;
        for (size_t jr = 0; jr < nc; jr += uk->nr) { /* loop 1: B micro-panels from L2 */
            const float *bq = bp + jr * kc;
            const size_t nn = nc - jr < uk->nr ? nc - jr : uk->nr;
            float *cij = c + ir * ldc + jr;
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

/* Loops 5, 4 and 3 (see the header) for C (m x n) = A (m x n) * B (n x n), all row-major: pack
 * A's mc x kc block together, then each thread packs its own kc x nc blocks of B and runs the
 * macro-kernel on them.  m < n: a block of C's rows (the mpi rows). */
static void sgemm_goto_rows(const float *a, const float *b, size_t m, size_t n, float *c,
                            int threads, bool micro_kernel) {
    const sgemm_micro uk = pick_micro(micro_kernel);
    const hx_sgemm_blocking bl = hx_sgemm_blocking_for(n, threads, micro_kernel);
    const size_t a_floats = (bl.mc + uk.mr - 1) / uk.mr * uk.mr * bl.kc;
    const size_t b_floats = (bl.nc + uk.nr - 1) / uk.nr * uk.nr * bl.kc;
    float *apack = hx_alloc(a_floats * sizeof(float));
    float *bpack = hx_alloc((size_t)threads * b_floats * sizeof(float));
    if (!apack || !bpack) { /* c keeps its poison: verification reports the failed row */
        hx_notice("sgemm: out of memory for the packing buffers");
        hx_free(apack);
        hx_free(bpack);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        float *bmine = bpack + (size_t)omp_get_thread_num() * b_floats;
        for (size_t ic = 0; ic < m; ic += bl.mc) { /* loop 5 */
            const size_t mc = m - ic < bl.mc ? m - ic : bl.mc;
            const long panels = (long)((mc + uk.mr - 1) / uk.mr);
            for (size_t pc = 0; pc < n; pc += bl.kc) { /* loop 4 */
                const size_t kc = n - pc < bl.kc ? n - pc : bl.kc;
#pragma omp for schedule(static)
                for (long q = 0; q < panels; q++) {
                    const size_t row = (size_t)q * uk.mr;
                    pack_a_panel(a + (ic + row) * n + pc, n, mc - row < uk.mr ? mc - row : uk.mr,
                                 kc, uk.mr, apack + row * kc);
                }
                /* implicit barrier: the A block is complete */
                const long blocks = (long)((n + bl.nc - 1) / bl.nc);
#pragma omp for schedule(dynamic, 1)
                for (long jb = 0; jb < blocks; jb++) { /* loop 3 */
                    const size_t jc = (size_t)jb * bl.nc;
                    const size_t nc = n - jc < bl.nc ? n - jc : bl.nc;
                    pack_b_block(b + pc * n + jc, n, kc, nc, uk.nr, bmine);
                    macro_kernel(&uk, mc, nc, kc, apack, bmine, c + ic * n + jc, n, pc > 0);
                }
                /* implicit barrier: nobody still reads the A block when it is repacked */
            }
        }
    }
    hx_free(apack);
    hx_free(bpack);
}

/* --- simd and omp-simd: the chosen variant on one thread or on all ---------------------------- */

static void sgemm_variant(const hx_problem *p, float *c, int threads) {
    const sgemm_data *d = p->data;
    switch (p->variant) {
    case SGEMM_NAIVE:
        sgemm_naive(d, c, threads);
        break;
    case SGEMM_TRANSPOSED:
        sgemm_transposed(d, c, threads);
        break;
    case SGEMM_BLOCKED:
        sgemm_blocked(d, c, threads);
        break;
    case SGEMM_PACKED:
        sgemm_goto_rows(d->a, d->b, d->n, d->n, c, threads, false);
        break;
    default:
        sgemm_goto_rows(d->a, d->b, d->n, d->n, c, threads, true);
    }
}

static void sgemm_simd(const hx_problem *p, void *out) {
    sgemm_variant(p, out, 1);
}

/* ---- omp: threads over cache blocks, scalar body (MIMD) -------------------------------------- */

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

/* ---- omp-simd: threads x SIMD, in the chosen variant (MIMD of SIMD) -------------------------- */

static void sgemm_omp_simd(const hx_problem *p, void *out) {
    sgemm_variant(p, out, omp_get_max_threads());
}

/* ---- blas: the tuned library call ------------------------------------------------------------ */

#ifdef HETERO_HAVE_BLAS
static void sgemm_blas(const hx_problem *p, void *out) {
    const sgemm_data *d = p->data;
    const int n = (int)d->n;
    openblas_set_num_threads(p->threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, d->a, n, d->b, n, 0.0f,
                out, n);
}
#endif

/* ---- opencl: autotuned register tiles, kernels/sgemm.cl -------------------------------------- */

/*
 * A configuration is a register tile (MR rows x NV vectors of VW floats per work-item) and a way
 * to feed it: "packed" configurations (CPU devices, whose local memory is ordinary memory: the
 * device reports CL_DEVICE_LOCAL_MEM_TYPE = CL_GLOBAL) pack A and B into panels with two small
 * kernels and run sgemm_tile on them with no barrier; "local" configurations (GPUs: CL_LOCAL)
 * stage k-slices in local memory in sgemm_local.  Which tile is fastest depends on the device
 * and its compiler (register count, how wide vectors are lowered), so the first run on a device
 * times every configuration of its kind at n = 2048 and keeps the fastest in the tuning file
 * (host/ocl/tuning.c, keyed by platform, device, driver and version): later runs read it.  The
 * tuning is announced on stderr, costs a kernel build per configuration (about a second each on
 * PoCL, once: PoCL caches binaries) and is not part of any timed run.  HETERO_SGEMM_OCL=NAME
 * forces a configuration (any kind, on any device it fits: that is how the tests run the local
 * kernel on a CPU device).
 *
 * Timing: the kernel time of a run is the sum of its launches - for packed configurations the two
 * packing kernels and the tile kernel, so the packing is paid for in every run, as in the CPU
 * variant.
 */

#define TUNING_KEY  "sgemm-tiles/3" /* bump when the kernels or the candidates change */
#define TUNING_N    2048
#define TUNING_REPS 3 /* rounds of timed runs, after one of warm-up */

typedef struct sgemm_config {
    const char *name;
    bool local;          /* sgemm_local (else the packed kernels) */
    bool a_in_place;     /* packed: sgemm_tile reads A's rows in place; only B is packed */
    unsigned mr, nv, vw; /* the register tile: mr x (nv * vw) */
    unsigned tx, ty;     /* work-group: tx x ty items (packed: row panels x column panels) */
    unsigned bk;         /* local: k-slices of bk */
} sgemm_config;

/* The candidates.  Packed, named MRxNR-fVW-TXxTY: tiles that fill AVX-512's 32 vector registers
 * with float16 accumulators (24 to 28 of them), or AVX2's 16 with float8 (12); work-groups of
 * TX row panels x TY column panels, whose items PoCL runs one after the other on one core, so
 * the group's TX A panels and TY B panels are reused from L2 (a group of 4 x 1 panels, reusing
 * only B, ran at half the speed of 4 x 4 at n = 4096).  packed-b-*: only B is packed and
 * sgemm_tile reads its MR rows of A in place, MR sequential streams (MR = 6 fits L1d's 12 ways
 * even when n is a power of two and the rows share a set): one packing kernel less, 5-9 % faster
 * than the same tile on packed A at n = 2048 on PoCL.  Local: the 64 x 64 tile of 8 x 8 items,
 * the 128 x 128 tile of 16 x 16 items that the CUDA kernel uses, and 4 x 4 per item. */
static const sgemm_config configs[] = {
    {"packed-14x32-f16-4x4", false, false, 14, 2, 16, 4, 4, 0},
    {"packed-6x64-f16-4x2", false, false, 6, 4, 16, 4, 2, 0},
    {"packed-6x64-f16-4x4", false, false, 6, 4, 16, 4, 4, 0},
    {"packed-b-6x64-f16-4x4", false, true, 6, 4, 16, 4, 4, 0},
    {"packed-6x64-f16-8x2", false, false, 6, 4, 16, 8, 2, 0},
    {"packed-4x96-f16-4x2", false, false, 4, 6, 16, 4, 2, 0},
    {"packed-6x32-f8-4x4", false, false, 6, 4, 8, 4, 4, 0},
    {"packed-6x16-f8-4x4", false, false, 6, 2, 8, 4, 4, 0},
    {"local-64x64-8x8", true, false, 8, 1, 8, 8, 8, 16},
    {"local-128x128-8x8", true, false, 8, 1, 8, 16, 16, 8},
    {"local-64x64-4x4", true, false, 4, 1, 4, 16, 16, 16},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

size_t hx_sgemm_ocl_config_count(void) {
    return NCONFIGS;
}

const char *hx_sgemm_ocl_config_name(size_t i) {
    return i < NCONFIGS ? configs[i].name : NULL;
}

bool hx_sgemm_ocl_config_uses_local(size_t i) {
    return i < NCONFIGS && configs[i].local;
}

const char *hx_sgemm_ocl_config_options(size_t i, char *buf, size_t len) {
    const sgemm_config *c = &configs[i < NCONFIGS ? i : 0];
    snprintf(buf, len,
             "-DSGEMM_LOCAL=%d -DSGEMM_PACK_A=%d -DMR=%u -DNV=%u -DVW=%u -DTX=%u -DTY=%u -DBK=%u",
             c->local ? 1 : 0, c->a_in_place ? 0 : 1, c->mr, c->nv, c->vw, c->tx, c->ty,
             c->local ? c->bk : 1);
    return buf;
}

/* Why configuration c cannot run on d, or NULL. */
static const char *unfit(const sgemm_config *c, const hx_ocl_device *d) {
    if ((size_t)c->tx * c->ty > d->max_work_group)
        return "work-group larger than the device allows";
    if (c->local &&
        (cl_ulong)c->bk * (c->ty * c->mr + c->tx * c->nv * c->vw) * sizeof(float) > d->local_mem)
        return "more local memory than the device has";
    return NULL;
}

/* Whether c is of the kind d should run: local tiling only where local memory is real. */
static bool suits(const sgemm_config *c, const hx_ocl_device *d) {
    return c->local == (d->local_mem_type == CL_LOCAL) && !unfit(c, d);
}

static int find_config(const char *name, size_t *out) {
    for (size_t i = 0; i < NCONFIGS; i++)
        if (strcmp(configs[i].name, name) == 0) {
            *out = i;
            return HX_OK;
        }
    char list[512];
    size_t used = 0;
    for (size_t i = 0; i < NCONFIGS && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 configs[i].name);
    return hx_fail(HX_ERR_USAGE,
                   "HETERO_SGEMM_OCL='%s' is not an sgemm tile configuration; "
                   "accepted: %s",
                   name, list);
}

/* --- the launches of one run ------------------------------------------------------------------ */

/* The buffers a kernel takes, in argument order, before its last argument n. */
typedef enum { BUF_A, BUF_B, BUF_C, BUF_AP, BUF_BP, NBUFS } sgemm_buf;

typedef struct sgemm_launch {
    const char *name;
    cl_kernel kernel;
    size_t global[2], local[2];
    unsigned nbufs;
    sgemm_buf bufs[3];
} sgemm_launch;

typedef struct sgemm_plan {
    sgemm_launch step[3];
    size_t nsteps;
    size_t packed_a_bytes, packed_b_bytes; /* scratch of the packed configurations */
} sgemm_plan;

static size_t round_up(size_t n, size_t m) {
    return (n + m - 1) / m * m;
}

#define PACK_K 16 /* k per item of sgemm_pack_a: PACK_K in kernels/sgemm.cl */

/* The launches of c at order n, in order, with their work sizes and buffer arguments (kernels
 * filled in by the caller). */
static sgemm_plan plan_for(const sgemm_config *c, size_t n) {
    sgemm_plan p = {0};
    const size_t nr = (size_t)c->nv * c->vw;
    if (c->local) {
        const size_t bm = (size_t)c->ty * c->mr, bn = (size_t)c->tx * nr;
        p.step[p.nsteps++] =
            (sgemm_launch){.name = "sgemm_local",
                           .global = {(n + bn - 1) / bn * c->tx, (n + bm - 1) / bm * c->ty},
                           .local = {c->tx, c->ty},
                           .nbufs = 3,
                           .bufs = {BUF_A, BUF_B, BUF_C}};
        return p;
    }
    const size_t panels_a = (n + c->mr - 1) / c->mr, panels_b = (n + nr - 1) / nr;
    if (!c->a_in_place) {
        p.step[p.nsteps++] = /* an item per PACK_K values of k of a row panel */
            (sgemm_launch){.name = "sgemm_pack_a",
                           .global = {round_up((n + PACK_K - 1) / PACK_K, 16), panels_a},
                           .local = {16, 1},
                           .nbufs = 2,
                           .bufs = {BUF_A, BUF_AP}};
        p.packed_a_bytes = panels_a * c->mr * n * sizeof(float);
    }
    p.step[p.nsteps++] = /* an item per row of B */
        (sgemm_launch){.name = "sgemm_pack_b",
                       .global = {round_up(n, 16), 1},
                       .local = {16, 1},
                       .nbufs = 2,
                       .bufs = {BUF_B, BUF_BP}};
    p.step[p.nsteps++] = /* tiles: tx row panels x ty column panels per group */
        (sgemm_launch){.name = "sgemm_tile",
                       .global = {round_up(panels_a, c->tx), round_up(panels_b, c->ty)},
                       .local = {c->tx, c->ty},
                       .nbufs = 3,
                       .bufs = {c->a_in_place ? BUF_A : BUF_AP, BUF_BP, BUF_C}};
    p.packed_b_bytes = panels_b * nr * n * sizeof(float);
    return p;
}

/* --- the autotuner ---------------------------------------------------------------------------- */

/* Scratch of one tuning session: matrices of TUNING_N and packed panels big enough for every
 * candidate. */
typedef struct tune_mem {
    cl_mem a, b, c, ap, bp;
} tune_mem;

static void tune_mem_release(tune_mem *m) {
    cl_mem *all[] = {&m->a, &m->b, &m->c, &m->ap, &m->bp};
    for (size_t i = 0; i < 5; i++)
        if (*all[i])
            clReleaseMemObject(*all[i]);
}

static int tune_mem_create(hx_ocl_session *s, tune_mem *m) {
    memset(m, 0, sizeof *m);
    const size_t bytes = (size_t)TUNING_N * TUNING_N * sizeof(float);
    const size_t panels = (size_t)(TUNING_N + 64) * TUNING_N * sizeof(float); /* any tile */
    float *host = malloc(bytes);
    if (!host)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the sgemm tuning matrices");
    hx_fill_uniform(host, (size_t)TUNING_N * TUNING_N, 1, 1, -1.0f, 1.0f);
    cl_int err;
    m->a = clCreateBuffer(s->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host, &err);
    if (err == CL_SUCCESS)
        m->b =
            clCreateBuffer(s->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host, &err);
    if (err == CL_SUCCESS)
        m->c = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, bytes, NULL, &err);
    if (err == CL_SUCCESS)
        m->ap = clCreateBuffer(s->context, CL_MEM_READ_WRITE, panels, NULL, &err);
    if (err == CL_SUCCESS)
        m->bp = clCreateBuffer(s->context, CL_MEM_READ_WRITE, panels, NULL, &err);
    free(host);
    if (err != CL_SUCCESS) {
        tune_mem_release(m);
        return hx_ocl_fail(err, "clCreateBuffer (sgemm tuning)");
    }
    return HX_OK;
}

/* Set the arguments of p's kernels on the given memory (mems[BUF_A] ... mems[BUF_BP]). */
static int set_args(sgemm_plan *p, const cl_mem mems[NBUFS], cl_uint n) {
    for (size_t i = 0; i < p->nsteps; i++) {
        const sgemm_launch *l = &p->step[i];
        for (cl_uint j = 0; j < l->nbufs; j++)
            HX_CL(clSetKernelArg(l->kernel, j, sizeof(cl_mem), &mems[l->bufs[j]]));
        HX_CL(clSetKernelArg(l->kernel, l->nbufs, sizeof n, &n));
    }
    return HX_OK;
}

/* Kernel seconds of one run of plan p (sum of its launches' event times). */
static int time_plan(cl_command_queue q, const sgemm_plan *p, double *seconds) {
    cl_event ev[3];
    size_t launched = 0;
    cl_int err = CL_SUCCESS;
    for (size_t i = 0; err == CL_SUCCESS && i < p->nsteps; i++) {
        err = clEnqueueNDRangeKernel(q, p->step[i].kernel, 2, NULL, p->step[i].global,
                                     p->step[i].local, 0, NULL, &ev[i]);
        launched += err == CL_SUCCESS;
    }
    if (err == CL_SUCCESS)
        err = clFinish(q);
    double total = 0.0;
    for (size_t i = 0; i < launched; i++) {
        cl_ulong t0 = 0, t1 = 0;
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        total += t1 > t0 ? (double)(t1 - t0) * 1e-9 : 0.0;
        clReleaseEvent(ev[i]);
    }
    *seconds = total;
    return err == CL_SUCCESS ? HX_OK : hx_ocl_fail(err, "sgemm tuning run");
}

/* One candidate of a tuning session: its program and kernels on the tuning memory. */
typedef struct candidate {
    size_t config;
    cl_program program;
    sgemm_plan plan;
    double best; /* best kernel seconds so far; 0 = none yet */
    bool failed;
} candidate;

static void candidate_release(candidate *k) {
    for (size_t i = 0; i < k->plan.nsteps; i++)
        if (k->plan.step[i].kernel)
            clReleaseKernel(k->plan.step[i].kernel);
    if (k->program)
        clReleaseProgram(k->program);
}

/* Build configuration i and set its kernels up on m.  A configuration the device's compiler
 * refuses is left out with a notice (false), not an error: the others may run. */
static bool candidate_make(hx_ocl_session *s, size_t i, const tune_mem *m, candidate *k) {
    const sgemm_config *c = &configs[i];
    char opts[256];
    memset(k, 0, sizeof *k);
    k->config = i;
    if (hx_ocl_build(s, "sgemm.cl", hx_sgemm_ocl_config_options(i, opts, sizeof opts),
                     &k->program) != HX_OK) {
        hx_notice("sgemm tuning: %s does not build on '%s'; left out", c->name, s->dev->name);
        return false;
    }
    k->plan = plan_for(c, TUNING_N);
    int status = HX_OK;
    for (size_t step = 0; status == HX_OK && step < k->plan.nsteps; step++) {
        cl_int err;
        k->plan.step[step].kernel = clCreateKernel(k->program, k->plan.step[step].name, &err);
        if (err != CL_SUCCESS)
            status = hx_ocl_fail(err, "clCreateKernel (sgemm tuning)");
    }
    if (status == HX_OK) {
        const cl_mem mems[NBUFS] = {m->a, m->b, m->c, m->ap, m->bp};
        status = set_args(&k->plan, mems, TUNING_N);
    }
    if (status != HX_OK) {
        hx_notice("sgemm tuning: %s cannot be set up on '%s' (%s); left out", c->name, s->dev->name,
                  hx_error_message());
        candidate_release(k);
        return false;
    }
    return true;
}

/* Time every configuration that suits the device and keep the fastest.  The candidates take
 * turns, one run each per round (after a warm-up round), and each keeps its best time, so a burst
 * of load from other programs hits them all alike instead of sinking one. */
static int tune(hx_ocl_session *s, size_t *chosen) {
    const hx_ocl_device *d = s->dev;
    char path[4096] = "the tuning file";
    hx_ocl_tuning_path(path, sizeof path);
    hx_notice("sgemm: timing the OpenCL tile configurations on '%s' at n = %d (once for this "
              "device and driver; kept in %s)",
              d->name, TUNING_N, path);
    tune_mem m;
    HX_TRY(tune_mem_create(s, &m));
    candidate cands[NCONFIGS];
    size_t ncands = 0;
    for (size_t i = 0; i < NCONFIGS; i++)
        if (suits(&configs[i], d) && candidate_make(s, i, &m, &cands[ncands]))
            ncands++;
    for (int round = 0; round <= TUNING_REPS; round++)
        for (size_t k = 0; k < ncands; k++) {
            double t;
            if (cands[k].failed)
                continue;
            if (time_plan(s->queue, &cands[k].plan, &t) != HX_OK) {
                hx_notice("sgemm tuning: %s fails on '%s' (%s); left out",
                          configs[cands[k].config].name, d->name, hx_error_message());
                cands[k].failed = true;
            } else if (round > 0 && (cands[k].best == 0.0 || t < cands[k].best)) {
                cands[k].best = t;
            }
        }
    double best = 0.0;
    char summary[512] = "";
    size_t used = 0;
    for (size_t k = 0; k < ncands; k++) {
        if (!cands[k].failed && cands[k].best > 0.0) {
            const double gflops = 2.0 * TUNING_N * TUNING_N * (double)TUNING_N / cands[k].best;
            if (used < sizeof summary)
                used += (size_t)snprintf(summary + used, sizeof summary - used, "%s%s %.1f",
                                         used ? ", " : "", configs[cands[k].config].name,
                                         gflops * 1e-9);
            if (best == 0.0 || cands[k].best < best) {
                best = cands[k].best;
                *chosen = cands[k].config;
            }
        }
        candidate_release(&cands[k]);
    }
    tune_mem_release(&m);
    if (best == 0.0)
        return hx_fail(HX_ERR_RUNTIME, "sgemm: no tile configuration runs on '%s'", d->name);
    hx_notice("sgemm: using %s on '%s' (best GFLOP/s at n = %d: %s)", configs[*chosen].name,
              d->name, TUNING_N, summary);
    if (hx_ocl_tuning_put(d, TUNING_KEY, configs[*chosen].name) != HX_OK)
        hx_notice("sgemm: could not keep the choice: %s", hx_error_message());
    return HX_OK;
}

/* The configuration for this device: forced, cached, or tuned now. */
static int choose_config(hx_ocl_session *s, size_t *chosen) {
    const hx_ocl_device *d = s->dev;
    const char *forced = getenv("HETERO_SGEMM_OCL");
    if (forced && *forced) {
        HX_TRY(find_config(forced, chosen));
        const char *why = unfit(&configs[*chosen], d);
        if (why)
            return hx_fail(HX_ERR_MISSING, "HETERO_SGEMM_OCL=%s cannot run on '%s': %s", forced,
                           d->name, why);
        return HX_OK;
    }
    char name[64];
    if (hx_ocl_tuning_get(d, TUNING_KEY, name, sizeof name) == HX_OK)
        for (size_t i = 0; i < NCONFIGS; i++)
            if (strcmp(configs[i].name, name) == 0 && suits(&configs[i], d)) {
                *chosen = i;
                return HX_OK;
            }
    return tune(s, chosen);
}

/* --- the binding ------------------------------------------------------------------------------ */

typedef struct sgemm_ocl {
    size_t config;
    hx_ocl_mem *a, *b, *c, *ap, *bp;
    sgemm_plan plan;
} sgemm_ocl;

static int sgemm_ocl_configure(hx_ocl_job *job, char *options, size_t len) {
    sgemm_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(choose_config(job->session, &s->config));
    const size_t used = strlen(options);
    char tile[256];
    snprintf(options + used, len - used, "%s%s", used ? " " : "",
             hx_sgemm_ocl_config_options(s->config, tile, sizeof tile));
    return HX_OK;
}

static int sgemm_ocl_prepare(hx_ocl_job *job) {
    sgemm_ocl *s = job->state;
    const sgemm_config *c = &configs[s->config];
    const sgemm_data *d = job->problem->data;
    const size_t bytes = d->n * d->n * sizeof(float);
    s->plan = plan_for(c, d->n);
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->a));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->b));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_WRITE, &s->c));
    const cl_uint n = (cl_uint)d->n;
    if (s->plan.packed_a_bytes)
        HX_TRY(hx_ocl_alloc(job, s->plan.packed_a_bytes, HX_MEM_READ_WRITE, &s->ap));
    if (s->plan.packed_b_bytes)
        HX_TRY(hx_ocl_alloc(job, s->plan.packed_b_bytes, HX_MEM_READ_WRITE, &s->bp));
    hx_ocl_mem *const mems[NBUFS] = {s->a, s->b, s->c, s->ap, s->bp};
    for (size_t i = 0; i < s->plan.nsteps; i++) {
        sgemm_launch *l = &s->plan.step[i];
        HX_TRY(hx_ocl_kernel(job, l->name, &l->kernel));
        for (cl_uint j = 0; j < l->nbufs; j++)
            HX_TRY(hx_ocl_arg_mem(l->kernel, j, mems[l->bufs[j]]));
        HX_CL(clSetKernelArg(l->kernel, l->nbufs, sizeof n, &n));
    }
    return HX_OK;
}

static int sgemm_ocl_run(hx_ocl_job *job, void *out) {
    sgemm_ocl *s = job->state;
    const sgemm_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->a, d->a));
    HX_TRY(hx_ocl_upload(job, s->b, d->b));
    for (size_t i = 0; i < s->plan.nsteps; i++)
        HX_TRY(hx_ocl_launch(job, s->plan.step[i].kernel, 2, s->plan.step[i].global,
                             s->plan.step[i].local));
    return hx_ocl_download(job, s->c, out);
}

/* The configuration that ran, for the row (JSON and the line under the table). */
static void sgemm_ocl_extras(hx_ocl_job *job, hx_result *r) {
    const sgemm_ocl *s = job->state;
    const sgemm_config *c = &configs[s->config];
    hx_result_extra(r, "tile_rows", c->mr);
    hx_result_extra(r, "tile_cols", (double)c->nv * c->vw);
    hx_result_extra(r, "vector_width", c->vw);
    hx_result_extra(r, "local_memory", c->local ? 1.0 : 0.0);
}

static const hx_ocl_binding sgemm_ocl_binding = {
    .file = "sgemm.cl",
    .configure = sgemm_ocl_configure,
    .prepare = sgemm_ocl_prepare,
    .run = sgemm_ocl_run,
    .extras = sgemm_ocl_extras,
};

/* ---- verification ---------------------------------------------------------------------------- */
/* ---- mpi: rows of A and C per rank, B gathered (MIMD, distributed memory) ------------------ */

#ifdef HETERO_HAVE_MPI
/* 1-D row distribution: rank r owns rows [r0, r1) of A, B and C (blocks differ by at most one
 * row) and first-touches its rows of A and B with serial's values.  Row i of C needs row i of A
 * and ALL of B, so each run starts with MPI_Allgatherv of the B blocks into a full copy of B on
 * every rank - n^2 floats arriving at every rank, against 2 n^3 / p flops of its own work, the
 * ratio that decides whether this scales - then the omp-simd micro-kernel variant computes the
 * rank's rows of C.  Each c_ij is the same sum in the same order as on the omp-simd row, so the
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
    sgemm_goto_rows(s->a, s->b, s->rows, n, s->c, omp_get_max_threads(), true);
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

/* ---- registry entry -------------------------------------------------------------------------- */

const hx_workload hx_workload_sgemm = {
    .name = "sgemm",
    .summary = "C = A * B, n x n float32 matrices",
    .lesson = "compute-bound: cache blocking, packing and register tiling, the roofline's right",
    .size_unit = "matrix order n (n x n matrices)",
    .default_size = 1000,
    .min_size = 1,
    .max_size = 16384,
    .variants = sgemm_variants,
    .default_variant = SGEMM_MICRO_KERNEL,
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
