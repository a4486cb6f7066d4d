/*
 * bench_host.c - the host's figures for `hetero devices --bench`, from native code.
 *
 * NAME     host memory ceiling, peak and theoretical FLOP/s, fork/join latency, atomics
 * PURPOSE  the ceilings a CPU backend of `hetero run` can reach, measured as upper bounds (the
 *          best of several kernels and of many repetitions), so a result can be read as a
 *          fraction of them (--roofline) and never exceeds them.
 * NOTES    bandwidth: STREAM's four kernels - copy c = a, scale b = s*c, add c = a + b,
 *          triad a = b + s*c - each with non-temporal (streaming) stores and with plain stores,
 *          over arrays of 4 x the last-level cache (at least 64 MiB each), one aligned chunk per
 *          OpenMP thread, vectors by cpuid (AVX-512, AVX2, else SSE).  Bytes = words read +
 *          words written, times 4 (copy and scale 8 n, add and triad 12 n), as STREAM counts
 *          them; plain stores also read each written line first (write-allocate), which that
 *          count does not include, so they come out lower.  Each kernel's figure is the better
 *          of its two store kinds; the memory ceiling (bandwidth_gbps) is the best of all
 *          eight, taken as the best repetition (the median is reported beside it).
 *          peak: per thread 12 independent FMA chains on full vectors (AVX-512 zmm, AVX2 ymm):
 *          an FMA has a latency of about 4 cycles and 2 pipes issue one each per cycle, so at
 *          least 8 chains are in flight to keep both pipes busy; flops = 2 per lane per FMA.
 *          theoretical: clock (clock.c, the best of a measurement before and after the peaks)
 *          x cores x FMA units per core x lanes x 2; a measured peak above it is a survey error
 *          (survey_check.c).
 *          launch: wall time of an empty OpenMP parallel region (fork + join), the host's
 *          analogue of a kernel launch.
 *          atomics: C11 atomic_fetch_add (relaxed) by every thread, on its own cache line and
 *          then all on one address; the shared count is checked exactly.
 *          levels: the ceilings of L1, L2, L3 and DRAM (hierarchy.c).
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

#define CHAINS        12
#define MIN_REPS      3
#define MIN_STREAM    5
#define MAX_REPS      200
#define STREAM_SCALAR 3.0f

typedef enum { K_COPY, K_SCALE, K_ADD, K_TRIAD, K_COUNT } stream_kernel;

static const struct {
    const char *name;
    int words; /* words read + written per element */
    hx_figure_id fig;
} stream_kernels[K_COUNT] = {
    [K_COPY] = {"copy", 2, HX_FIG_COPY_GBPS},
    [K_SCALE] = {"scale", 2, HX_FIG_SCALE_GBPS},
    [K_ADD] = {"add", 3, HX_FIG_ADD_GBPS},
    [K_TRIAD] = {"triad", 3, HX_FIG_TRIAD_GBPS},
};

typedef struct host_ctx {
    int threads;
    hx_simd_level simd;
    size_t n; /* floats per array */
    float *a, *b, *c;
    stream_kernel kernel;
    bool nt;          /* non-temporal stores */
    float va, vb, vc; /* every element of a, b, c holds the same value: what it must be */
    long fma_iters;
    bool fp64;
    double flops_per_call;
} host_ctx;

/* ---- streaming kernels ------------------------------------------------------------------- */

/* The four kernels for one vector ISA: W floats per vector, LD/ST/NT load, store and streaming
 * store, SET1/ADD/MUL the arithmetic.  The store kind is chosen outside the loop. */
#define STREAM_LOOP(nt, W, ST, NT, ptr, value)                                                     \
    do {                                                                                           \
        if (nt)                                                                                    \
            for (size_t i = lo; i < hi; i += W)                                                    \
                NT(ptr + i, value);                                                                \
        else                                                                                       \
            for (size_t i = lo; i < hi; i += W)                                                    \
                ST(ptr + i, value);                                                                \
        _mm_sfence();                                                                              \
    } while (0)

#define STREAM_KERNELS(SUF, ATTR, V, W, LD, ST, NT, SET1, ADD, MUL)                                \
    ATTR static void copy_##SUF(float *restrict c, const float *restrict a, size_t lo, size_t hi,  \
                                bool nt) {                                                         \
        STREAM_LOOP(nt, W, ST, NT, c, LD(a + i));                                                  \
    }                                                                                              \
    ATTR static void scale_##SUF(float *restrict b, const float *restrict c, float s, size_t lo,   \
                                 size_t hi, bool nt) {                                             \
        V vs = SET1(s);                                                                            \
        STREAM_LOOP(nt, W, ST, NT, b, MUL(vs, LD(c + i)));                                         \
    }                                                                                              \
    ATTR static void add_##SUF(float *restrict c, const float *restrict a,                         \
                               const float *restrict b, size_t lo, size_t hi, bool nt) {           \
        STREAM_LOOP(nt, W, ST, NT, c, ADD(LD(a + i), LD(b + i)));                                  \
    }                                                                                              \
    ATTR static void triad_##SUF(float *restrict a, const float *restrict b,                       \
                                 const float *restrict c, float s, size_t lo, size_t hi,           \
                                 bool nt) {                                                        \
        V vs = SET1(s);                                                                            \
        STREAM_LOOP(nt, W, ST, NT, a, ADD(LD(b + i), MUL(vs, LD(c + i))));                         \
    }

STREAM_KERNELS(avx512, HX_TARGET_AVX512, __m512, 16, _mm512_load_ps, _mm512_store_ps,
               _mm512_stream_ps, _mm512_set1_ps, _mm512_add_ps, _mm512_mul_ps)
STREAM_KERNELS(avx2, HX_TARGET_AVX2, __m256, 8, _mm256_load_ps, _mm256_store_ps, _mm256_stream_ps,
               _mm256_set1_ps, _mm256_add_ps, _mm256_mul_ps)
/* baseline x86-64 has SSE, whose streaming store is as old as the Pentium III */
STREAM_KERNELS(sse, , __m128, 4, _mm_load_ps, _mm_store_ps, _mm_stream_ps, _mm_set1_ps, _mm_add_ps,
               _mm_mul_ps)

#define STREAM_DISPATCH(SUF, x, lo, hi)                                                            \
    switch ((x)->kernel) {                                                                         \
    case K_COPY:                                                                                   \
        copy_##SUF((x)->c, (x)->a, lo, hi, (x)->nt);                                               \
        break;                                                                                     \
    case K_SCALE:                                                                                  \
        scale_##SUF((x)->b, (x)->c, STREAM_SCALAR, lo, hi, (x)->nt);                               \
        break;                                                                                     \
    case K_ADD:                                                                                    \
        add_##SUF((x)->c, (x)->a, (x)->b, lo, hi, (x)->nt);                                        \
        break;                                                                                     \
    default:                                                                                       \
        triad_##SUF((x)->a, (x)->b, (x)->c, STREAM_SCALAR, lo, hi, (x)->nt);                       \
        break;                                                                                     \
    }

static int sample_stream(void *vctx, double *gbps) {
    host_ctx *x = vctx;
    double t0 = hx_now();
#pragma omp parallel num_threads(x->threads)
    {
        size_t lo, hi;
        hx_partition(x->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &lo,
                     &hi);
        if (x->simd == HX_SIMD_AVX512)
            STREAM_DISPATCH(avx512, x, lo, hi)
        else if (x->simd == HX_SIMD_AVX2)
            STREAM_DISPATCH(avx2, x, lo, hi)
        else
            STREAM_DISPATCH(sse, x, lo, hi)
    }
    double t = hx_now() - t0;
    *gbps = 4.0 * stream_kernels[x->kernel].words * (double)x->n / t * 1e-9;
    switch (x->kernel) { /* the same arithmetic on one element, for the check */
    case K_COPY:
        x->vc = x->va;
        break;
    case K_SCALE:
        x->vb = STREAM_SCALAR * x->vc;
        break;
    case K_ADD:
        x->vc = x->va + x->vb;
        break;
    default:
        x->va = x->vb + STREAM_SCALAR * x->vc;
        break;
    }
    return HX_OK;
}

/* Every 1021st element (and the last) of each array against the value it must hold. */
static int check_stream(const host_ctx *x) {
    const float *arr[3] = {x->a, x->b, x->c};
    const float want[3] = {x->va, x->vb, x->vc};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < x->n; i = i + 1021 < x->n || i == x->n - 1 ? i + 1021 : x->n - 1)
            if (fabsf(arr[k][i] - want[k]) > 1e-6f * fabsf(want[k]))
                return hx_fail(HX_ERR_RUNTIME,
                               "host stream bench: %c[%zu] = %g, expected %g after %s (%s stores)",
                               "abc"[k], i, arr[k][i], want[k], stream_kernels[x->kernel].name,
                               x->nt ? "non-temporal" : "plain");
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
    x->va = 1.0f, x->vb = 2.0f, x->vc = 0.5f;
    /* first touch by the thread that streams the chunk later (NUMA placement) */
#pragma omp parallel num_threads(x->threads)
    {
        size_t lo, hi;
        hx_partition(x->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &lo,
                     &hi);
        for (size_t i = lo; i < hi; i++)
            x->a[i] = x->va, x->b[i] = x->vb, x->c[i] = x->vc;
    }
    return HX_OK;
}

static void free_arrays(host_ctx *x) {
    hx_free(x->a);
    hx_free(x->b);
    hx_free(x->c);
    x->a = x->b = x->c = NULL;
}

/* One kernel with both store kinds; its figure is the better one (by best sample). */
static int bench_kernel(host_ctx *x, stream_kernel k, double budget, hx_figure variants[2]) {
    x->kernel = k;
    for (int nt = 0; nt < 2; nt++) {
        x->nt = nt;
        double warm;
        HX_TRY(sample_stream(x, &warm)); /* untimed: page faults and turbo ramp */
        HX_TRY(hx_bench_repeat(&variants[nt], sample_stream, x, budget / 2, MIN_STREAM, MAX_REPS));
        HX_TRY(check_stream(x));
    }
    return HX_OK;
}

static const char *isa_words(hx_simd_level simd) {
    return simd == HX_SIMD_AVX512 ? "AVX-512" : simd == HX_SIMD_AVX2 ? "AVX2" : "SSE";
}

static int bench_bandwidth(host_ctx *x, hx_device_record *r, double budget) {
    int status = alloc_arrays(x);
    hx_figure all[K_COUNT][2];
    memset(all, 0, sizeof all);
    for (int k = 0; status == HX_OK && k < K_COUNT; k++)
        status = bench_kernel(x, (stream_kernel)k, budget / K_COUNT, all[k]);
    size_t mib = x->n * sizeof(float) >> 20;
    free_arrays(x);
    HX_TRY(status);
    int best_k, best_nt;
    hx_stream_pick(r, (const hx_figure(*)[2])all, &best_k, &best_nt);
    for (int k = 0; k < K_COUNT; k++)
        snprintf(r->fig[stream_kernels[k].fig].note, sizeof r->fig[0].note,
                 "%d threads, %s, %s stores (best: non-temporal %.1f, plain %.1f GB/s), "
                 "%d x %zu MiB arrays, %d bytes per element, wall time",
                 x->threads, isa_words(x->simd),
                 all[k][1].stats.max >= all[k][0].stats.max ? "non-temporal" : "plain",
                 all[k][1].stats.max, all[k][0].stats.max, stream_kernels[k].words, mib,
                 4 * stream_kernels[k].words);
    hx_figure *bw = &r->fig[HX_FIG_BANDWIDTH_GBPS];
    snprintf(bw->note, sizeof bw->note,
             "the best of copy/scale/add/triad x non-temporal/plain stores: %s with %s stores, "
             "%d threads, %s, %zu MiB arrays",
             stream_kernels[best_k].name, best_nt ? "non-temporal" : "plain", x->threads,
             isa_words(x->simd), mib);
    return HX_OK;
}

static int bench_peak(host_ctx *x, hx_device_record *r, bool fp64, double budget) {
    hx_figure *f = &r->fig[fp64 ? HX_FIG_FP64_GFLOPS : HX_FIG_FP32_GFLOPS];
    int lanes = fma_lanes(x->simd, fp64);
    x->fp64 = fp64;
    x->fma_iters = x->simd == HX_SIMD_SCALAR ? 1L << 20 : 1L << 21;
    x->flops_per_call = (double)x->threads * (double)x->fma_iters * CHAINS * lanes * 2.0;
    double warm;
    HX_TRY(sample_flops(x, &warm)); /* untimed: wakes the wide units and the turbo */
    HX_TRY(hx_bench_repeat(f, sample_flops, x, budget, MIN_REPS, MAX_REPS));
    snprintf(f->method, sizeof f->method, "best of reps, independent FMA chains");
    snprintf(f->note, sizeof f->note,
             "%d threads x %d independent %d-lane %s chains (%s), 2 flops per lane, wall time",
             x->threads, CHAINS, lanes, x->simd == HX_SIMD_SCALAR ? "multiply-add" : "FMA",
             hx_simd_name(x->simd));
    return HX_OK;
}

/* clock x cores x FMA units x lanes x 2 for fp32 and fp64, beside the measured peaks. */
static void theoretical_peaks(const host_ctx *x, hx_device_record *r) {
    bool known;
    int units = hx_fma_units(&known);
    unsigned cores = r->compute_units ? r->compute_units : (unsigned)x->threads;
    if ((unsigned)x->threads < cores)
        cores = (unsigned)x->threads;
    for (int p = 0; p < 2; p++) {
        hx_figure *f = &r->fig[p ? HX_FIG_FP64_THEORETICAL : HX_FIG_FP32_THEORETICAL];
        int lanes = fma_lanes(x->simd, p == 1);
        /* without FMA the scalar chains issue a multiply and an add: one flop per pipe */
        double per_cycle = x->simd == HX_SIMD_SCALAR ? units : units * lanes * 2.0;
        if (r->clock.mhz <= 0) {
            snprintf(f->note, sizeof f->note, "not computed: the clock sources disagree");
            continue;
        }
        hx_figure_set(f, r->clock.mhz * 1e-3 * cores * per_cycle, "computed");
        if (x->simd == HX_SIMD_SCALAR)
            snprintf(f->note, sizeof f->note,
                     "%.0f MHz x %u cores x %d pipes (assumed) x 1 flop: without FMA a multiply "
                     "and an add are two instructions",
                     r->clock.mhz, cores, units);
        else
            snprintf(f->note, sizeof f->note,
                     "%.0f MHz x %u cores x %d FMA units (%s) x %d lanes x 2 flops", r->clock.mhz,
                     cores, units, known ? "by cpu family" : "assumed", lanes);
    }
}

/* The clock measured before and after the peaks (turbo moves): the best of each chain. */
static void merge_clocks(const hx_clock *a, const hx_clock *b, hx_clock *out) {
    hx_clock_sources s = a->src;
    s.add_chain = fmax(a->src.add_chain, b->src.add_chain);
    s.imul_chain = fmax(a->src.imul_chain, b->src.imul_chain);
    s.fma_chain = fmax(a->src.fma_chain, b->src.fma_chain);
    hx_clock_judge(&s, out);
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
    for (int i = 0; i < 2; i++)
        snprintf(r->fig[HX_FIG_ATOMIC_GOPS + i].method, sizeof r->fig[0].method, "median of reps");
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
    /* shares of the device's budget: bandwidth 30%, peaks 25%, levels 25% (hierarchy.c),
     * launch and atomics 20%; the clock takes about 0.1 s on top */
    double t = o->seconds;
    hx_clock before, after;
    hx_clock_measure(&before);
    HX_TRY(bench_bandwidth(&x, r, 0.30 * t));
    HX_TRY(bench_peak(&x, r, false, 0.125 * t));
    HX_TRY(bench_peak(&x, r, true, 0.125 * t));
    hx_clock_measure(&after);
    merge_clocks(&before, &after, &r->clock);
    theoretical_peaks(&x, r);
    HX_TRY(hx_bench_repeat(&r->fig[HX_FIG_LAUNCH_US], sample_fork_join, &x, 0.05 * t, MIN_REPS,
                           MAX_REPS));
    snprintf(r->fig[HX_FIG_LAUNCH_US].method, sizeof r->fig[0].method, "median of reps");
    snprintf(r->fig[HX_FIG_LAUNCH_US].note, sizeof r->fig[0].note,
             "empty OpenMP parallel region on %d threads: fork + join, mean of %d per sample",
             x.threads, REGIONS);
    HX_TRY(bench_atomics(&x, r, 0.075 * t));
    for (int f = HX_FIG_H2D_GBPS; f <= HX_FIG_D2H_PINNED_GBPS; f++)
        snprintf(r->fig[f].note, sizeof r->fig[f].note,
                 "not applicable: the host works on its own memory");
    hx_bench_opts levels = *o;
    levels.seconds = 0.25 * t;
    levels.threads = x.threads;
    HX_TRY(hx_bench_hierarchy(r, &levels));
    r->benched = true;
    return HX_OK;
}
