/*
 * bench_host.c - the host's figures for `hetero devices --bench`, from native code.
 *
 * NAME     host streaming bandwidth, peak FLOP/s, fork/join latency, atomic throughput
 * PURPOSE  the ceilings a CPU backend of `hetero run` can reach, measured the way a tuned code
 *          reaches them, so a result can be read as a fraction of them (--roofline).
 * NOTES    bandwidth: copy c = a and triad a = b + s*c over arrays of 4 x the last-level cache
 *          (at least 64 MiB each), one aligned chunk per OpenMP thread, non-temporal (streaming)
 *          stores so no write-allocate traffic is spent; bytes = words read + words written,
 *          times 4 (copy 8 n, triad 12 n), as STREAM counts them.
 *          peak: per thread 12 independent FMA chains on full vectors (AVX-512 zmm, AVX2 ymm, by
 *          cpuid): an FMA has a latency of about 4 cycles and 2 pipes issue one each per cycle,
 *          so at least 8 chains are in flight to keep both pipes busy; flops = 2 per lane per FMA.
 *          launch: wall time of an empty OpenMP parallel region (fork + join), the host's
 *          analogue of a kernel launch.
 *          atomics: C11 atomic_fetch_add (relaxed) by every thread, on its own cache line and
 *          then all on one address; the shared count is checked exactly.
 *          clock: a chain of dependent integer adds runs at one add per cycle; adds / seconds of
 *          the fastest of 5 runs is the clock the core sustains (turbo included).
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/simd.h"
#include "hetero/core/timer.h"
#include "hetero/survey/survey.h"

#define CHAINS   12
#define MIN_REPS 3
#define MAX_REPS 200

typedef struct host_ctx {
    int threads;
    hx_simd_level simd;
    size_t n; /* floats per array */
    float *a, *b, *c;
    long fma_iters;
    bool fp64;
    double flops_per_call;
} host_ctx;

/* ---- streaming kernels ------------------------------------------------------------------- */

HX_TARGET_AVX512 static void triad_avx512(float *a, const float *b, const float *c, float s,
                                          size_t lo, size_t hi) {
    __m512 vs = _mm512_set1_ps(s);
    for (size_t i = lo; i < hi; i += 16)
        _mm512_stream_ps(a + i, _mm512_fmadd_ps(vs, _mm512_load_ps(c + i), _mm512_load_ps(b + i)));
    _mm_sfence();
}

HX_TARGET_AVX2 static void triad_avx2(float *a, const float *b, const float *c, float s, size_t lo,
                                      size_t hi) {
    __m256 vs = _mm256_set1_ps(s);
    for (size_t i = lo; i < hi; i += 16) {
        _mm256_stream_ps(a + i, _mm256_fmadd_ps(vs, _mm256_load_ps(c + i), _mm256_load_ps(b + i)));
        _mm256_stream_ps(a + i + 8,
                         _mm256_fmadd_ps(vs, _mm256_load_ps(c + i + 8), _mm256_load_ps(b + i + 8)));
    }
    _mm_sfence();
}

static void triad_scalar(float *a, const float *b, const float *c, float s, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + s * c[i];
}

HX_TARGET_AVX512 static void copy_avx512(float *dst, const float *src, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i += 16)
        _mm512_stream_ps(dst + i, _mm512_load_ps(src + i));
    _mm_sfence();
}

HX_TARGET_AVX2 static void copy_avx2(float *dst, const float *src, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i += 16) {
        _mm256_stream_ps(dst + i, _mm256_load_ps(src + i));
        _mm256_stream_ps(dst + i + 8, _mm256_load_ps(src + i + 8));
    }
    _mm_sfence();
}

static void copy_scalar(float *dst, const float *src, size_t lo, size_t hi) {
    memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
}

static int sample_triad(void *vctx, double *gbps) {
    host_ctx *x = vctx;
    double t0 = hx_now();
#pragma omp parallel num_threads(x->threads)
    {
        size_t lo, hi;
        hx_partition(x->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &lo,
                     &hi);
        if (x->simd == HX_SIMD_AVX512)
            triad_avx512(x->a, x->b, x->c, 3.0f, lo, hi);
        else if (x->simd == HX_SIMD_AVX2)
            triad_avx2(x->a, x->b, x->c, 3.0f, lo, hi);
        else
            triad_scalar(x->a, x->b, x->c, 3.0f, lo, hi);
    }
    double t = hx_now() - t0;
    *gbps = 12.0 * (double)x->n / t * 1e-9;
    return HX_OK;
}

static int sample_copy(void *vctx, double *gbps) {
    host_ctx *x = vctx;
    double t0 = hx_now();
#pragma omp parallel num_threads(x->threads)
    {
        size_t lo, hi;
        hx_partition(x->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &lo,
                     &hi);
        if (x->simd == HX_SIMD_AVX512)
            copy_avx512(x->c, x->a, lo, hi);
        else if (x->simd == HX_SIMD_AVX2)
            copy_avx2(x->c, x->a, lo, hi);
        else
            copy_scalar(x->c, x->a, lo, hi);
    }
    double t = hx_now() - t0;
    *gbps = 8.0 * (double)x->n / t * 1e-9;
    return HX_OK;
}

/* ---- FMA chains ----------------------------------------------------------------------------- */

/* m slightly below 1 and a small addend keep every chain finite and normal for any length. */
#define STEP12(fma, a, m, k)                                                                       \
    a[0] = fma(a[0], m, k), a[1] = fma(a[1], m, k), a[2] = fma(a[2], m, k),                        \
    a[3] = fma(a[3], m, k), a[4] = fma(a[4], m, k), a[5] = fma(a[5], m, k),                        \
    a[6] = fma(a[6], m, k), a[7] = fma(a[7], m, k), a[8] = fma(a[8], m, k),                        \
    a[9] = fma(a[9], m, k), a[10] = fma(a[10], m, k), a[11] = fma(a[11], m, k)

HX_TARGET_AVX512 static double chains_ps512(long iters, float seed) {
    __m512 a[CHAINS], m = _mm512_set1_ps(0.99999f), k = _mm512_set1_ps(1e-6f);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm512_set1_ps(seed + (float)i);
    for (long i = 0; i < iters; i++)
        STEP12(_mm512_fmadd_ps, a, m, k);
    double s = 0;
    for (int i = 0; i < CHAINS; i++)
        s += _mm512_reduce_add_ps(a[i]);
    return s;
}

HX_TARGET_AVX512 static double chains_pd512(long iters, double seed) {
    __m512d a[CHAINS], m = _mm512_set1_pd(0.99999), k = _mm512_set1_pd(1e-6);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm512_set1_pd(seed + i);
    for (long i = 0; i < iters; i++)
        STEP12(_mm512_fmadd_pd, a, m, k);
    double s = 0;
    for (int i = 0; i < CHAINS; i++)
        s += _mm512_reduce_add_pd(a[i]);
    return s;
}

HX_TARGET_AVX2 static double chains_ps256(long iters, float seed) {
    __m256 a[CHAINS], m = _mm256_set1_ps(0.99999f), k = _mm256_set1_ps(1e-6f);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm256_set1_ps(seed + (float)i);
    for (long i = 0; i < iters; i++)
        STEP12(_mm256_fmadd_ps, a, m, k);
    float lanes[8];
    double s = 0;
    for (int i = 0; i < CHAINS; i++) {
        _mm256_storeu_ps(lanes, a[i]);
        for (int l = 0; l < 8; l++)
            s += lanes[l];
    }
    return s;
}

HX_TARGET_AVX2 static double chains_pd256(long iters, double seed) {
    __m256d a[CHAINS], m = _mm256_set1_pd(0.99999), k = _mm256_set1_pd(1e-6);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm256_set1_pd(seed + i);
    for (long i = 0; i < iters; i++)
        STEP12(_mm256_fmadd_pd, a, m, k);
    double lanes[4], s = 0;
    for (int i = 0; i < CHAINS; i++) {
        _mm256_storeu_pd(lanes, a[i]);
        for (int l = 0; l < 4; l++)
            s += lanes[l];
    }
    return s;
}

#define MULADD(a, m, k) ((a) * (m) + (k))
/* HX_SERIAL: the 12 chains must stay scalar, or the compiler packs them into SSE vectors. */
HX_SERIAL static double chains_scalar(long iters, double seed, bool fp64) {
    double s = 0;
    if (fp64) {
        double a[CHAINS];
        for (int i = 0; i < CHAINS; i++)
            a[i] = seed + i;
        for (long i = 0; i < iters; i++)
            STEP12(MULADD, a, 0.99999, 1e-6);
        for (int i = 0; i < CHAINS; i++)
            s += a[i];
    } else {
        float a[CHAINS];
        for (int i = 0; i < CHAINS; i++)
            a[i] = (float)seed + (float)i;
        for (long i = 0; i < iters; i++)
            STEP12(MULADD, a, 0.99999f, 1e-6f);
        for (int i = 0; i < CHAINS; i++)
            s += a[i];
    }
    return s;
}

static int fma_lanes(hx_simd_level simd, bool fp64) {
    int lanes = simd == HX_SIMD_AVX512 ? 16 : simd == HX_SIMD_AVX2 ? 8 : 1;
    return fp64 && lanes > 1 ? lanes / 2 : lanes;
}

static volatile double fma_sink; /* keeps the chains' results alive */
static volatile float fma_seed = 1.0f;

static double run_chains(const host_ctx *x) {
    if (x->simd == HX_SIMD_AVX512)
        return x->fp64 ? chains_pd512(x->fma_iters, fma_seed)
                       : chains_ps512(x->fma_iters, fma_seed);
    if (x->simd == HX_SIMD_AVX2)
        return x->fp64 ? chains_pd256(x->fma_iters, fma_seed)
                       : chains_ps256(x->fma_iters, fma_seed);
    return chains_scalar(x->fma_iters, fma_seed, x->fp64);
}

static int sample_flops(void *vctx, double *gflops) {
    host_ctx *x = vctx;
    double sum = 0;
    double t0 = hx_now();
#pragma omp parallel num_threads(x->threads) reduction(+ : sum)
    sum += run_chains(x);
    double t = hx_now() - t0;
    fma_sink = sum;
    *gflops = x->flops_per_call / t * 1e-9;
    return HX_OK;
}

/* ---- launch latency, atomics, clock -----------------------------------------------------------
 */

#define REGIONS 200

static int sample_fork_join(void *vctx, double *us) {
    host_ctx *x = vctx;
    double t0 = hx_now();
    for (int i = 0; i < REGIONS; i++) {
#pragma omp parallel num_threads(x->threads)
        { __asm__ volatile("" ::: "memory"); }
    }
    *us = (hx_now() - t0) / REGIONS * 1e6;
    return HX_OK;
}

#define ATOMIC_OPS (1L << 20)

typedef struct padded_counter {
    _Alignas(64) atomic_ulong v;
} padded_counter;

typedef struct atomic_ctx {
    int threads;
    bool shared;
    padded_counter *counters; /* one per thread; [0] is the shared one */
} atomic_ctx;

static int sample_atomics(void *vctx, double *gops) {
    atomic_ctx *x = vctx;
    for (int i = 0; i < x->threads; i++)
        atomic_store(&x->counters[i].v, 0);
    double t0 = hx_now();
#pragma omp parallel num_threads(x->threads)
    {
        atomic_ulong *p = &x->counters[x->shared ? 0 : omp_get_thread_num()].v;
        for (long i = 0; i < ATOMIC_OPS; i++)
            atomic_fetch_add_explicit(p, 1, memory_order_relaxed);
    }
    double t = hx_now() - t0;
    unsigned long total = 0;
    for (int i = 0; i < x->threads; i++)
        total += atomic_load(&x->counters[i].v);
    if (total != (unsigned long)x->threads * ATOMIC_OPS)
        return hx_fail(HX_ERR_RUNTIME, "host atomics lost updates: %lu of %lu", total,
                       (unsigned long)x->threads * ATOMIC_OPS);
    *gops = (double)total / t * 1e-9;
    return HX_OK;
}

static double measure_clock_mhz(void) {
    const long iters = 1L << 21;
    double best = 0;
    for (int run = 0; run < 5; run++) {
        uint64_t v = 0;
        double t0 = hx_now();
        for (long i = 0; i < iters; i++)
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                             "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                             "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                             "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                             : "+r"(v));
        double t = hx_now() - t0;
        double mhz = (double)v / t * 1e-6;
        if (mhz > best)
            best = mhz;
    }
    return best;
}

/* ---- driver ------------------------------------------------------------------------------------
 */

static int alloc_arrays(host_ctx *x) {
    size_t bytes = 4 * hx_cpu_llc_bytes();
    if (bytes < ((size_t)64 << 20))
        bytes = (size_t)64 << 20;
    x->n = bytes / sizeof(float) / 16 * 16;
    HX_TRY(hx_alloc_checked((void **)&x->a, x->n * sizeof(float), "bench array a"));
    HX_TRY(hx_alloc_checked((void **)&x->b, x->n * sizeof(float), "bench array b"));
    HX_TRY(hx_alloc_checked((void **)&x->c, x->n * sizeof(float), "bench array c"));
    /* first touch by the thread that streams the chunk later (NUMA placement) */
#pragma omp parallel num_threads(x->threads)
    {
        size_t lo, hi;
        hx_partition(x->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &lo,
                     &hi);
        for (size_t i = lo; i < hi; i++)
            x->a[i] = 1.0f, x->b[i] = 2.0f, x->c[i] = 0.5f;
    }
    return HX_OK;
}

static void free_arrays(host_ctx *x) {
    hx_free(x->a);
    hx_free(x->b);
    hx_free(x->c);
    x->a = x->b = x->c = NULL;
}

static int bench_bandwidth(host_ctx *x, hx_device_record *r, double budget) {
    int status = alloc_arrays(x);
    if (status != HX_OK) {
        free_arrays(x);
        return status;
    }
    status = hx_bench_repeat(&r->fig[HX_FIG_COPY_GBPS], sample_copy, x, budget, MIN_REPS, MAX_REPS);
    if (status == HX_OK)
        status = hx_bench_repeat(&r->fig[HX_FIG_TRIAD_GBPS], sample_triad, x, budget, MIN_REPS,
                                 MAX_REPS);
    const char *how = x->simd == HX_SIMD_AVX512 ? "AVX-512 streaming stores"
                      : x->simd == HX_SIMD_AVX2 ? "AVX2 streaming stores"
                                                : "scalar stores";
    snprintf(r->fig[HX_FIG_COPY_GBPS].note, sizeof r->fig[0].note,
             "%d threads, %s, 2 x %zu MiB arrays, 8 bytes per element, wall time", x->threads, how,
             x->n * sizeof(float) >> 20);
    snprintf(r->fig[HX_FIG_TRIAD_GBPS].note, sizeof r->fig[0].note,
             "%d threads, %s, 3 x %zu MiB arrays, 12 bytes per element, wall time", x->threads, how,
             x->n * sizeof(float) >> 20);
    free_arrays(x);
    return status;
}

static int bench_peak(host_ctx *x, hx_device_record *r, bool fp64, double budget) {
    hx_figure *f = &r->fig[fp64 ? HX_FIG_FP64_GFLOPS : HX_FIG_FP32_GFLOPS];
    int lanes = fma_lanes(x->simd, fp64);
    x->fp64 = fp64;
    x->fma_iters = x->simd == HX_SIMD_SCALAR ? 1L << 20 : 1L << 21;
    x->flops_per_call = (double)x->threads * (double)x->fma_iters * CHAINS * lanes * 2.0;
    HX_TRY(hx_bench_repeat(f, sample_flops, x, budget, MIN_REPS, MAX_REPS));
    snprintf(f->note, sizeof f->note,
             "%d threads x %d independent %d-lane %s chains (%s), 2 flops per lane, wall time",
             x->threads, CHAINS, lanes, x->simd == HX_SIMD_SCALAR ? "multiply-add" : "FMA",
             hx_simd_name(x->simd));
    return HX_OK;
}

static int bench_atomics(host_ctx *x, hx_device_record *r, double budget) {
    padded_counter *counters = hx_alloc((size_t)x->threads * sizeof *counters);
    if (!counters)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    atomic_ctx a = {x->threads, false, counters};
    int status = hx_bench_repeat(&r->fig[HX_FIG_ATOMIC_GOPS], sample_atomics, &a, budget, MIN_REPS,
                                 MAX_REPS);
    a.shared = true;
    if (status == HX_OK)
        status = hx_bench_repeat(&r->fig[HX_FIG_ATOMIC_SHARED_GOPS], sample_atomics, &a, budget,
                                 MIN_REPS, MAX_REPS);
    snprintf(r->fig[HX_FIG_ATOMIC_GOPS].note, sizeof r->fig[0].note,
             "%d threads, C11 atomic_fetch_add relaxed, one cache line each", x->threads);
    snprintf(r->fig[HX_FIG_ATOMIC_SHARED_GOPS].note, sizeof r->fig[0].note,
             "%d threads, C11 atomic_fetch_add relaxed, all on one address", x->threads);
    hx_free(counters);
    return status;
}

int hx_bench_host(hx_device_record *r, const hx_bench_opts *o) {
    host_ctx x = {.threads = o->threads > 0 ? o->threads : omp_get_num_procs(),
                  .simd = hx_cpu()->simd};
    double budget = o->seconds / 8; /* eight timed figures share the device's budget */
    r->bench_clock_mhz = measure_clock_mhz();
    HX_TRY(bench_bandwidth(&x, r, budget));
    HX_TRY(bench_peak(&x, r, false, budget));
    HX_TRY(bench_peak(&x, r, true, budget));
    HX_TRY(hx_bench_repeat(&r->fig[HX_FIG_LAUNCH_US], sample_fork_join, &x, budget, MIN_REPS,
                           MAX_REPS));
    snprintf(r->fig[HX_FIG_LAUNCH_US].note, sizeof r->fig[0].note,
             "empty OpenMP parallel region on %d threads: fork + join, mean of %d per sample",
             x.threads, REGIONS);
    HX_TRY(bench_atomics(&x, r, budget));
    for (int f = HX_FIG_H2D_GBPS; f <= HX_FIG_D2H_PINNED_GBPS; f++)
        snprintf(r->fig[f].note, sizeof r->fig[f].note,
                 "not applicable: the host works on its own memory");
    r->benched = true;
    return HX_OK;
}
