/*
 * hierarchy.c - the host's memory hierarchy: a ceiling per level, latency, and the curves of
 * `hetero devices --bench --hierarchy`.
 *
 * NAME     per-level bandwidth and latency of L1, L2, L3 and DRAM; latency staircase; mountain
 * PURPOSE  the ceiling of each level, so a result whose working set fits in a cache is put
 *          against that cache (roofline.c), and the two pictures of the memory lesson: the
 *          latency staircase and the memory mountain (CS:APP 6.6).
 * NOTES    levels: the data and unified caches hwloc reports (survey_host.c), then DRAM.
 *          A level's rates are measured at its fast end: twice the level above it (L1: half of
 *          L1), so no working set the level holds runs faster and the figure is a ceiling; all
 *          threads each use their share (a shared L3 is split among its threads).  Its latency
 *          is measured in its middle, at half its size, where it serves nearly every load (a
 *          random chase hits the level above with probability its size / the working set).
 *          DRAM: 8 x
 *          the last-level cache in all, at least 256 MiB (a victim L3 keeps part of a stream
 *          only a few times its size, and a random chase hits it with probability LLC / working
 *          set).  --hierarchy-max caps every working set.
 *          rates: every thread streams its own buffer (first touched by itself) with AVX-512,
 *          AVX2 or SSE vectors: read = a sum over 8 accumulators (enough to cover the add
 *          latency at 2 loads per cycle), write = plain stores of a constant (non-temporal on
 *          DRAM), copy = a load and a store (GB/s counts both).  A sample is one parallel region:
 *          a warm pass, a barrier, then passes worth 64 MiB per thread between two barriers,
 *          wall time.  The figure is the best of the samples (a ceiling).
 *          latency: one pointer per 64-byte line, the lines linked in one random cycle
 *          (Sattolo's shuffle), so every load depends on the one before and no prefetcher can
 *          guess the next address; the cycle is walked once and checked to close after exactly
 *          `lines` steps, then timed; ns per load, the best of 3 walks.  The loop counter runs
 *          beside the chain, so there is no loop overhead to subtract.  The buffer is advised
 *          into transparent huge pages; whether it got them is read from /proc/self/smaps, and
 *          without them a large working set also pays a TLB miss per load.
 *          mountain: one thread reads 8-byte words at strides of 1..12 words over working sets
 *          from 16 KiB to the largest, with 4 accumulators (the CS:APP kernel); GB/s = words
 *          read x 8 / time, best of 3 timed passes after a warm one.
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/simd.h"
#include "hetero/core/timer.h"
#include "hetero/survey/survey.h"

#define LINE          64
#define MIN_REPS      3
#define MAX_REPS      100
#define PASS_BYTES    ((size_t)64 << 20) /* per thread per sample */
#define LAT_LOADS_MAX (1L << 20)
#define LAT_LOADS_MIN (1L << 16)
#define MTN_MIN_BYTES ((uint64_t)16 << 10)
#define LAT_MIN_BYTES ((uint64_t)4 << 10)

typedef enum { OP_READ, OP_WRITE, OP_COPY } mem_op;
static const char *const op_names[] = {"read", "write", "copy"};

/* ---- streaming kernels, one per ISA ---------------------------------------------------------- */

#define LEVEL_KERNELS(SUF, ATTR, V, W, LD, ST, NT, SET1, ADD, ZERO, REDUCE)                        \
    ATTR static float read_##SUF(const float *p, size_t n) {                                       \
        V s0 = ZERO(), s1 = ZERO(), s2 = ZERO(), s3 = ZERO();                                      \
        V s4 = ZERO(), s5 = ZERO(), s6 = ZERO(), s7 = ZERO();                                      \
        for (size_t i = 0; i < n; i += 8 * W) {                                                    \
            s0 = ADD(s0, LD(p + i));                                                               \
            s1 = ADD(s1, LD(p + i + W));                                                           \
            s2 = ADD(s2, LD(p + i + 2 * W));                                                       \
            s3 = ADD(s3, LD(p + i + 3 * W));                                                       \
            s4 = ADD(s4, LD(p + i + 4 * W));                                                       \
            s5 = ADD(s5, LD(p + i + 5 * W));                                                       \
            s6 = ADD(s6, LD(p + i + 6 * W));                                                       \
            s7 = ADD(s7, LD(p + i + 7 * W));                                                       \
        }                                                                                          \
        V s = ADD(ADD(ADD(s0, s1), ADD(s2, s3)), ADD(ADD(s4, s5), ADD(s6, s7)));                   \
        return REDUCE(s);                                                                          \
    }                                                                                              \
    ATTR static void write_##SUF(float *p, size_t n, float v, bool nt) {                           \
        V x = SET1(v);                                                                             \
        if (nt)                                                                                    \
            for (size_t i = 0; i < n; i += W)                                                      \
                NT(p + i, x);                                                                      \
        else                                                                                       \
            for (size_t i = 0; i < n; i += W)                                                      \
                ST(p + i, x);                                                                      \
        _mm_sfence();                                                                              \
    }                                                                                              \
    ATTR static void copy_##SUF(float *restrict d, const float *restrict s, size_t n, bool nt) {   \
        if (nt)                                                                                    \
            for (size_t i = 0; i < n; i += W)                                                      \
                NT(d + i, LD(s + i));                                                              \
        else                                                                                       \
            for (size_t i = 0; i < n; i += W)                                                      \
                ST(d + i, LD(s + i));                                                              \
        _mm_sfence();                                                                              \
    }

HX_TARGET_AVX512 static float reduce512(__m512 v) {
    return _mm512_reduce_add_ps(v);
}
HX_TARGET_AVX2 static float reduce256(__m256 v) {
    float l[8], s = 0;
    _mm256_storeu_ps(l, v);
    for (int i = 0; i < 8; i++)
        s += l[i];
    return s;
}
static float reduce128(__m128 v) {
    float l[4];
    _mm_storeu_ps(l, v);
    return l[0] + l[1] + l[2] + l[3];
}

LEVEL_KERNELS(avx512, HX_TARGET_AVX512, __m512, 16, _mm512_load_ps, _mm512_store_ps,
              _mm512_stream_ps, _mm512_set1_ps, _mm512_add_ps, _mm512_setzero_ps, reduce512)
LEVEL_KERNELS(avx2, HX_TARGET_AVX2, __m256, 8, _mm256_load_ps, _mm256_store_ps, _mm256_stream_ps,
              _mm256_set1_ps, _mm256_add_ps, _mm256_setzero_ps, reduce256)
LEVEL_KERNELS(sse, , __m128, 4, _mm_load_ps, _mm_store_ps, _mm_stream_ps, _mm_set1_ps, _mm_add_ps,
              _mm_setzero_ps, reduce128)

typedef struct level_ctx {
    int threads;
    hx_simd_level simd;
    float **bufs;  /* one per thread, first touched by it, cap floats each */
    size_t floats; /* per-thread working set now (copy: half source, half destination) */
    mem_op op;
    bool nt;
    int passes;
    float last_sum; /* thread 0's sum of its last read pass, for the check */
} level_ctx;

static float one_pass(const level_ctx *x, float *p) {
    size_t n = x->floats;
    if (x->op == OP_READ)
        return x->simd == HX_SIMD_AVX512 ? read_avx512(p, n)
               : x->simd == HX_SIMD_AVX2 ? read_avx2(p, n)
                                         : read_sse(p, n);
    if (x->op == OP_WRITE) {
        if (x->simd == HX_SIMD_AVX512)
            write_avx512(p, n, 1.0f, x->nt);
        else if (x->simd == HX_SIMD_AVX2)
            write_avx2(p, n, 1.0f, x->nt);
        else
            write_sse(p, n, 1.0f, x->nt);
        return 0;
    }
    size_t half = n / 2;
    if (x->simd == HX_SIMD_AVX512)
        copy_avx512(p + half, p, half, x->nt);
    else if (x->simd == HX_SIMD_AVX2)
        copy_avx2(p + half, p, half, x->nt);
    else
        copy_sse(p + half, p, half, x->nt);
    return 0;
}

static int sample_level(void *vctx, double *gbps) {
    level_ctx *x = vctx;
    double t0 = 0, t1 = 0;
    float sum0 = 0;
#pragma omp parallel num_threads(x->threads)
    {
        int t = omp_get_thread_num();
        float *p = x->bufs[t];
        float s = one_pass(x, p); /* warm: the data into the level being measured */
#pragma omp barrier
#pragma omp master
        t0 = hx_now();
        for (int k = 0; k < x->passes; k++) {
            /* p "changes" and memory may have: every pass is done again, none hoisted */
            __asm__ volatile("" : "+r"(p)::"memory");
            s = one_pass(x, p);
        }
#pragma omp barrier
#pragma omp master
        {
            t1 = hx_now();
            sum0 = s;
        }
    }
    x->last_sum = sum0;
    double bytes = (double)x->threads * (double)x->floats * sizeof(float) * x->passes;
    *gbps = t1 > t0 ? bytes / (t1 - t0) * 1e-9 : 0;
    return HX_OK;
}

/* Every buffer holds 1.0f everywhere: a read pass sums to its length, exactly (the partial
 * sums stay far below 2^24). */
static int check_level(const level_ctx *x) {
    if (x->op == OP_READ && fabsf(x->last_sum - (float)x->floats) > 1e-6f * (float)x->floats)
        return hx_fail(HX_ERR_RUNTIME, "hierarchy read check: sum %g of %zu ones", x->last_sum,
                       x->floats);
    for (int t = 0; t < x->threads; t++)
        for (size_t i = 0; i < x->floats; i += 4099)
            if (x->bufs[t][i] != 1.0f)
                return hx_fail(HX_ERR_RUNTIME, "hierarchy %s check: thread %d element %zu = %g",
                               op_names[x->op], t, i, x->bufs[t][i]);
    return HX_OK;
}

/* ---- levels -------------------------------------------------------------------------------- */

static void add_level(hx_device_record *r, const char *name, uint64_t bytes, unsigned instances) {
    if (r->nlevels == HX_MAX_MEM_LEVELS)
        return;
    hx_mem_level *l = &r->levels[r->nlevels++];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->bytes = bytes;
    l->instances = instances ? instances : 1;
    l->latency_ns = l->read_1t = l->read_all = l->write_1t = l->write_all = l->copy_1t =
        l->copy_all = NAN;
}

static uint64_t llc_bytes(const hx_device_record *r) {
    uint64_t b = 0;
    for (size_t i = 0; i < r->nlevels; i++)
        if (strcmp(r->levels[i].name, "DRAM") != 0 && r->levels[i].bytes > b)
            b = r->levels[i].bytes;
    return b ? b : hx_cpu_llc_bytes();
}

/* L1 .. Ln from the hwloc caches (data and unified), then DRAM. */
static void make_levels(hx_device_record *r, int threads, uint64_t max_bytes) {
    r->nlevels = 0;
    for (int level = 1; level <= 4; level++)
        for (size_t i = 0; i < r->ncaches; i++) {
            const hx_cache_level *c = &r->caches[i];
            if (c->level == level && strcmp(c->type, "instruction") != 0 && c->bytes > 0) {
                char name[8];
                snprintf(name, sizeof name, "L%d", level);
                add_level(r, name, c->bytes, c->instances);
                break;
            }
        }
    /* 8 x the last-level cache: a victim L3 keeps part of a stream that is only a few times its
     * size, and a random chase hits it with probability LLC / working set */
    uint64_t dram = 8 * llc_bytes(r);
    if (dram < ((uint64_t)256 << 20))
        dram = (uint64_t)256 << 20;
    add_level(r, "DRAM", r->global_mem ? r->global_mem : dram, 1);
    for (size_t i = 0; i < r->nlevels; i++) {
        hx_mem_level *l = &r->levels[i];
        bool is_dram = i + 1 == r->nlevels;
        unsigned sharers = ((unsigned)threads + l->instances - 1) / l->instances;
        uint64_t share = l->bytes / sharers; /* of one thread */
        uint64_t per_thread = share / 2, one = l->bytes / 2;
        if (i > 0 && !is_dram) {
            /* the fast end of the level: twice the level above (its share, per thread) */
            const hx_mem_level *up = &r->levels[i - 1];
            unsigned up_sharers = ((unsigned)threads + up->instances - 1) / up->instances;
            uint64_t up_share = up->bytes / up_sharers;
            per_thread = 2 * up_share < per_thread ? 2 * up_share : per_thread;
            one = 2 * up->bytes < one ? 2 * up->bytes : one;
        }
        if (is_dram) {
            per_thread = dram / (uint64_t)threads;
            one = dram;
        }
        l->test_bytes = per_thread / 4096 * 4096 * (uint64_t)threads; /* whole pages */
        l->test_bytes_1t = one / 4096 * 4096;
        l->latency_bytes = (is_dram ? dram : l->bytes / 2) / 4096 * 4096;
        if (max_bytes && l->test_bytes > max_bytes)
            l->test_bytes = 0; /* beyond --hierarchy-max: not measured */
        if (max_bytes && l->test_bytes_1t > max_bytes)
            l->test_bytes_1t = 0;
        if (max_bytes && l->latency_bytes > max_bytes)
            l->latency_bytes = 0;
    }
}

typedef struct level_bufs {
    float **bufs;
    int threads;
} level_bufs;

static void free_bufs(level_bufs *b) {
    for (int t = 0; b->bufs && t < b->threads; t++)
        hx_free(b->bufs[t]);
    free(b->bufs);
    b->bufs = NULL;
}

/* One buffer of cap bytes per thread, each first touched (with 1.0f) by its own thread. */
static int alloc_bufs(level_bufs *b, int threads, size_t cap) {
    b->threads = threads;
    b->bufs = calloc((size_t)threads, sizeof *b->bufs);
    if (!b->bufs)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (int t = 0; t < threads; t++)
        HX_TRY(hx_alloc_checked((void **)&b->bufs[t], cap, "hierarchy buffer"));
#pragma omp parallel num_threads(threads)
    {
        float *p = b->bufs[omp_get_thread_num()];
        for (size_t i = 0; i < cap / sizeof(float); i++)
            p[i] = 1.0f;
    }
    return HX_OK;
}

/* The best rate of op on `threads` threads over per-thread working sets of bytes. */
static int measure_rate(level_bufs *b, int threads, uint64_t bytes, mem_op op, bool nt,
                        double budget, double *gbps) {
    level_ctx x = {.threads = threads, .simd = hx_cpu()->simd, .bufs = b->bufs, .op = op, .nt = nt};
    x.floats = (size_t)bytes / sizeof(float);
    x.passes = (int)(PASS_BYTES / bytes > 0 ? PASS_BYTES / bytes : 1);
    hx_figure f;
    memset(&f, 0, sizeof f);
    HX_TRY(hx_bench_repeat(&f, sample_level, &x, budget, MIN_REPS, MAX_REPS));
    HX_TRY(check_level(&x));
    *gbps = f.stats.max;
    return HX_OK;
}

static int level_rates(level_bufs *b, hx_mem_level *l, bool dram, int threads, bool one_thread,
                       double budget) {
    uint64_t bytes = one_thread ? l->test_bytes_1t : l->test_bytes / (uint64_t)threads;
    if (bytes == 0)
        return HX_OK;
    double *out[3] = {one_thread ? &l->read_1t : &l->read_all,
                      one_thread ? &l->write_1t : &l->write_all,
                      one_thread ? &l->copy_1t : &l->copy_all};
    for (int op = 0; op < 3; op++)
        HX_TRY(measure_rate(b, one_thread ? 1 : threads, bytes, (mem_op)op, dram && op != OP_READ,
                            budget / 3, out[op]));
    return HX_OK;
}

/* ---- latency ------------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Link the first `lines` lines of buf into one random cycle (Sattolo: every line once). */
static int link_cycle(char *buf, size_t lines, uint32_t *order) {
    uint64_t seed = 42;
    for (size_t i = 0; i < lines; i++)
        order[i] = (uint32_t)i;
    for (size_t i = lines - 1; i > 0; i--) {
        size_t j = (size_t)(splitmix(&seed) % i); /* j < i: a single cycle */
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < lines; i++)
        *(void **)(buf + (size_t)i * LINE) = buf + (size_t)order[i] * LINE;
    return HX_OK;
}

static void *chase(void *p, long loads) {
    for (long i = 0; i < loads; i += 16)
        for (int k = 0; k < 16; k++)
            p = *(void *volatile *)p;
    return p;
}

/* ns per dependent load over the first `bytes` of buf (best of 3 walks). */
static int chase_latency(char *buf, uint64_t bytes, uint32_t *order, double *ns) {
    size_t lines = (size_t)(bytes / LINE);
    if (lines < 2)
        return hx_fail(HX_ERR_RUNTIME, "latency working set %llu bytes is below two lines",
                       (unsigned long long)bytes);
    HX_TRY(link_cycle(buf, lines, order));
    /* walk the cycle once: it must close after exactly `lines` steps */
    void *p = buf;
    size_t steps = 0;
    do {
        p = *(void **)p;
        steps++;
    } while (p != buf && steps <= lines);
    if (p != buf || steps != lines)
        return hx_fail(HX_ERR_RUNTIME, "pointer chase: the cycle closed after %zu of %zu lines",
                       steps, lines);
    long loads = (long)lines * 4;
    loads = loads < LAT_LOADS_MIN ? LAT_LOADS_MIN : loads > LAT_LOADS_MAX ? LAT_LOADS_MAX : loads;
    loads = loads / 16 * 16;
    double best = INFINITY;
    for (int r = 0; r < 3; r++) {
        double t0 = hx_now();
        p = chase(p, loads);
        double t = hx_now() - t0;
        if (t < best)
            best = t;
    }
    if (p == NULL) /* never: keeps the walk alive */
        return HX_ERR_RUNTIME;
    *ns = best / (double)loads * 1e9;
    return HX_OK;
}

/* Share of [p, p + bytes) backed by huge pages, from /proc/self/smaps (-1: unknown). */
static double huge_page_share(const void *p, size_t bytes) {
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[256];
    uintptr_t a = (uintptr_t)p, lo = 0, hi = 0;
    bool inside = false;
    double huge_kb = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
            lo = s, hi = e;
            inside = a + bytes > lo && a < hi;
            continue;
        }
        unsigned long kb;
        if (inside && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
            huge_kb += (double)kb;
    }
    fclose(f);
    return huge_kb * 1024.0 / (double)bytes;
}

static void describe_pages(hx_hierarchy_curves *c, double share, uint64_t bytes) {
    if (share < 0)
        snprintf(c->pages, sizeof c->pages, "page size unknown (no /proc/self/smaps)");
    else if (share >= 0.9)
        snprintf(c->pages, sizeof c->pages,
                 "huge pages: %.0f%% of the %llu MiB buffer on 2 MiB pages, so TLB misses stay "
                 "rare at every size",
                 100 * share, (unsigned long long)(bytes >> 20));
    else
        snprintf(c->pages, sizeof c->pages,
                 "4 KiB pages (%.0f%% huge): beyond the TLB's reach (a few MiB) a load also "
                 "walks the page table, which the DRAM latency then includes",
                 100 * share);
}

/* ---- the curves ------------------------------------------------------------------------------ */

/* One pass of the CS:APP kernel: words at `stride` over data[0, words), 4 accumulators. */
static uint64_t strided_sum(const uint64_t *data, size_t words, size_t stride) {
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t sx2 = 2 * stride, sx3 = 3 * stride, sx4 = 4 * stride;
    size_t limit = words > sx3 ? words - sx3 : 0, i = 0;
    for (; i < limit; i += sx4) {
        a0 += data[i];
        a1 += data[i + stride];
        a2 += data[i + sx2];
        a3 += data[i + sx3];
    }
    for (; i < words; i += stride)
        a0 += data[i];
    return a0 + a1 + a2 + a3;
}

/* GB/s of words read, best of 3 timed runs after a warm one; a run repeats the pass until it
 * has read 4 MiB, so a small working set is not timed below the clock's resolution. */
static int mountain_point(const uint64_t *data, size_t words, unsigned stride, double *gbps) {
    size_t read_words = (words + stride - 1) / stride;
    size_t passes = ((size_t)4 << 20) / (words * sizeof *data);
    passes = passes ? passes : 1;
    /* data[i] = i: a pass sums every stride-th index */
    uint64_t want = 0;
    for (size_t i = 0; i < words; i += stride)
        want += i;
    double best = 0;
    for (int r = 0; r < 4; r++) {
        double t0 = hx_now();
        uint64_t sum = 0;
        for (size_t p = 0; p < passes; p++) {
            __asm__ volatile("" : "+r"(data)::"memory"); /* no pass may be hoisted */
            sum = strided_sum(data, words, stride);
        }
        double t = hx_now() - t0;
        if (sum != want)
            return hx_fail(HX_ERR_RUNTIME,
                           "memory mountain: stride %u over %zu words summed %llu, "
                           "expected %llu",
                           stride, words, (unsigned long long)sum, (unsigned long long)want);
        double rate = (double)read_words * sizeof *data * (double)passes / t * 1e-9;
        if (r > 0 && t > 0 && rate > best)
            best = rate;
    }
    *gbps = best;
    return HX_OK;
}

static int latency_curve(hx_device_record *r, char *buf, uint64_t max, uint32_t *order) {
    hx_hierarchy_curves *c = &r->curves;
    c->nlat = 0;
    for (uint64_t b = LAT_MIN_BYTES; b <= max && c->nlat < HX_LAT_POINTS; b *= 2) {
        const uint64_t sizes[2] = {b, b + b / 2}; /* two points per octave */
        for (int k = 0; k < 2 && sizes[k] <= max && c->nlat < HX_LAT_POINTS; k++) {
            HX_TRY(chase_latency(buf, sizes[k], order, &c->lat_ns[c->nlat]));
            c->lat_bytes[c->nlat++] = sizes[k];
        }
    }
    for (size_t i = 0; i < r->nlevels; i++) {
        hx_mem_level *l = &r->levels[i];
        if (l->latency_bytes >= 2 * LINE && l->latency_bytes <= max)
            HX_TRY(chase_latency(buf, l->latency_bytes, order, &l->latency_ns));
    }
    return HX_OK;
}

static int memory_mountain(hx_device_record *r, char *buf, uint64_t max) {
    hx_hierarchy_curves *c = &r->curves;
    uint64_t *words = (uint64_t *)buf;
    for (size_t i = 0; i < max / sizeof *words; i++)
        words[i] = i;
    c->nstrides = HX_MTN_STRIDES;
    for (size_t s = 0; s < c->nstrides; s++)
        c->mtn_stride[s] = (unsigned)s + 1;
    c->nsizes = 0;
    for (uint64_t b = MTN_MIN_BYTES; b <= max && c->nsizes < HX_MTN_SIZES; b *= 2) {
        for (size_t s = 0; s < c->nstrides; s++)
            HX_TRY(mountain_point(words, (size_t)(b / sizeof *words), c->mtn_stride[s],
                                  &c->mtn_gbps[c->nsizes][s]));
        c->mtn_bytes[c->nsizes++] = b;
    }
    return HX_OK;
}

static int curves(hx_device_record *r, uint64_t max) {
    char *buf = NULL;
    uint32_t *order = malloc((size_t)(max / LINE) * sizeof *order);
    if (!order)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the pointer-chase order");
    int status = hx_alloc_checked((void **)&buf, (size_t)max, "pointer-chase buffer");
    if (status == HX_OK) {
        memset(buf, 0, (size_t)max); /* touch every page, so it is backed before it is timed */
        describe_pages(&r->curves, huge_page_share(buf, (size_t)max), max);
        status = latency_curve(r, buf, max, order);
    }
    if (status == HX_OK)
        status = memory_mountain(r, buf, max);
    hx_free(buf);
    free(order);
    r->has_curves = status == HX_OK;
    return status;
}

/* ---- driver ---------------------------------------------------------------------------------- */

int hx_bench_hierarchy(hx_device_record *r, const hx_bench_opts *o) {
    int threads = o->threads > 0 ? o->threads : omp_get_num_procs();
    make_levels(r, threads, o->hierarchy_max);
    uint64_t cap = 0; /* the largest per-thread working set */
    for (size_t i = 0; i < r->nlevels; i++) {
        uint64_t per = r->levels[i].test_bytes / (uint64_t)threads;
        uint64_t one = o->hierarchy ? r->levels[i].test_bytes_1t : 0;
        cap = per > cap ? per : cap;
        cap = one > cap ? one : cap;
    }
    level_bufs b = {0};
    int status = alloc_bufs(&b, threads, (size_t)cap);
    /* a ceiling is an all-thread rate; the 1-thread rates belong to --hierarchy */
    double budget = o->seconds / (double)r->nlevels / (o->hierarchy ? 2 : 1);
    for (size_t i = 0; status == HX_OK && i < r->nlevels; i++) {
        bool dram = i + 1 == r->nlevels;
        status = level_rates(&b, &r->levels[i], dram, threads, false, budget);
        if (status == HX_OK && o->hierarchy)
            status = level_rates(&b, &r->levels[i], dram, threads, true, budget);
    }
    free_bufs(&b);
    HX_TRY(status);
    if (!o->hierarchy)
        return HX_OK;
    /* the sweep ends at the DRAM working set */
    uint64_t dram = r->levels[r->nlevels - 1].latency_bytes;
    uint64_t max = o->hierarchy_max ? o->hierarchy_max : dram;
    return curves(r, max);
}
