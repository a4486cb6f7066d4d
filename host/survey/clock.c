/*
 * clock.c - the host's core clock, measured three ways and checked against what the system says.
 *
 * NAME     core clock of the host, in MHz
 * PURPOSE  the clock behind the theoretical peak (clock x cores x FMA units x lanes x 2); a wrong
 *          clock makes a wrong peak, so it is measured by chains the hardware cannot shorten and
 *          cross-checked instead of trusted.
 * NOTES    add chain:  16 dependent `add reg, reg` per iteration run at one per cycle.  A chain of
 *                      `add $1, reg` is not used: recent Intel renamers fold immediate adds and
 *                      run such a chain faster than one per cycle (a "clock" of 8 GHz).
 *          imul chain: 16 dependent 64-bit `imul reg, reg`, 3 cycles each on every x86-64 core of
 *                      the last fifteen years.
 *          FMA chain:  16 dependent vfmadd on xmm registers, divided by the FMA latency of this
 *                      core (4 cycles from Skylake and Zen 3 on, 5 on Haswell, Broadwell, Zen 1/2).
 *          Each chain: the fastest of 15 runs of about 0.5 ms on the calling thread, the chains
 *          interleaved (a preempted run is slower, never faster; a run shorter than a time
 *          slice is seldom preempted).  The TSC rate is read over the same runs; on CPUs with
 *          an invariant TSC it is the nominal rate, which a turbo clock exceeds.  cpufreq
 *          (/sys) and cpuid leaf 0x16 give the range where the kernel or the CPU reports one.
 *          hx_clock_judge turns the sources into one clock, a confidence and, in words, every
 *          source that disagrees by more than 15%.
 */
#include <cpuid.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

#include "hetero/core/cpu.h"
#include "hetero/core/simd.h"
#include "hetero/core/timer.h"
#include "hetero/survey/survey.h"

#define CLOCK_RUNS   15
#define DISAGREE     0.15 /* sources further apart than this are said to disagree */
#define CHAINS_AGREE 0.05 /* chains this close give a "high" confidence */
#define CHAIN_OPS    16
#define ADD_ITERS    (1L << 17) /* about 0.5 ms per run at 4 GHz: shorter than a time slice */
#define IMUL_ITERS   (1L << 15)
#define FMA_ITERS    (1L << 15)
#define ANY_X86_MIN  200.0
#define ANY_X86_MAX  6500.0

/* ---- the chains ----------------------------------------------------------------------------- */

typedef struct chain_timing {
    double seconds;
    uint64_t tsc;
} chain_timing;

/* A chain of 16 dependent `INSN one, v` per iteration, timed on the clock and the TSC. */
#define INTEGER_CHAIN(name, insn, start, iters)                                                    \
    static chain_timing name(void) {                                                               \
        uint64_t v = start, one = 1;                                                               \
        double t0 = hx_now();                                                                      \
        uint64_t c0 = __rdtsc();                                                                   \
        for (long i = 0; i < iters; i++)                                                           \
            __asm__ volatile(".rept 16\n\t" insn " %1, %0\n\t.endr" : "+r"(v) : "r"(one));         \
        uint64_t c1 = __rdtsc();                                                                   \
        chain_timing t = {hx_now() - t0, c1 - c0};                                                 \
        __asm__ volatile("" ::"r"(v));                                                             \
        return t;                                                                                  \
    }

INTEGER_CHAIN(add_chain, "add", 0, ADD_ITERS)    /* 1 cycle each */
INTEGER_CHAIN(imul_chain, "imul", 3, IMUL_ITERS) /* 3 cycles each */

HX_TARGET_AVX2 static chain_timing fma_chain(void) {
    __m128 a = _mm_set1_ps(1.0f), m = _mm_set1_ps(0.99999f), k = _mm_set1_ps(1e-6f);
    double t0 = hx_now();
    uint64_t c0 = __rdtsc();
    for (long i = 0; i < FMA_ITERS; i++)
        __asm__ volatile(".rept 16\n\tvfmadd213ps %2, %1, %0\n\t.endr" : "+x"(a) : "x"(m), "x"(k));
    uint64_t c1 = __rdtsc();
    chain_timing t = {hx_now() - t0, c1 - c0};
    __asm__ volatile("" ::"x"(a));
    return t;
}

typedef struct clock_chain {
    chain_timing (*fn)(void);
    long iters;
    int cycles_per_op;
    double best_mhz;
} clock_chain;

/* The chains run interleaved, CLOCK_RUNS rounds, so they see the same turbo and load; each
 * keeps its fastest run (a preempted or throttled run is slower, never faster).  tsc_mhz: the
 * TSC rate over every run. */
static void run_chains(clock_chain *c, size_t n, double *tsc_mhz) {
    double secs = 0;
    uint64_t ticks = 0;
    for (int r = 0; r < CLOCK_RUNS; r++)
        for (size_t k = 0; k < n; k++) {
            chain_timing t = c[k].fn();
            if (t.seconds <= 0)
                continue;
            double mhz = (double)c[k].iters * CHAIN_OPS * c[k].cycles_per_op / t.seconds * 1e-6;
            if (mhz > c[k].best_mhz)
                c[k].best_mhz = mhz;
            secs += t.seconds;
            ticks += t.tsc;
        }
    *tsc_mhz = secs > 0 ? (double)ticks / secs * 1e-6 : 0;
}

/* ---- what the system reports ------------------------------------------------------------------
 */

double hx_cpufreq_mhz(const char *file) {
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cpufreq/%s", file);
    FILE *f = fopen(path, "r");
    unsigned long khz = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu", &khz) != 1)
        khz = 0;
    fclose(f);
    return (double)khz / 1000.0;
}

static void cpuid_16(double *base, double *max) {
    unsigned a, b, c, d;
    *base = *max = 0;
    if (__get_cpuid_max(0, NULL) < 0x16)
        return;
    __cpuid(0x16, a, b, c, d);
    *base = (double)(a & 0xffff);
    *max = (double)(b & 0xffff);
}

static void family_model(unsigned *family, unsigned *model) {
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    unsigned base_family = (a >> 8) & 0xf;
    *family = base_family == 0xf ? base_family + ((a >> 20) & 0xff) : base_family;
    *model = ((a >> 4) & 0xf) | (base_family >= 0x6 ? ((a >> 12) & 0xf0) : 0);
}

static bool is_amd(void) {
    return strcmp(hx_cpu()->vendor, "AuthenticAMD") == 0;
}

/* FMA latency in cycles: 5 on Haswell/Broadwell and Zen 1/2, 4 on later cores. */
static int fma_latency(void) {
    unsigned family, model;
    family_model(&family, &model);
    if (is_amd())
        return family <= 0x17 ? 5 : 4;
    static const unsigned hsw_bdw[] = {0x3c, 0x3f, 0x45, 0x46, 0x3d, 0x47, 0x4f, 0x56};
    if (family == 6)
        for (size_t i = 0; i < sizeof hsw_bdw / sizeof hsw_bdw[0]; i++)
            if (model == hsw_bdw[i])
                return 5;
    return 4;
}

int hx_fma_units(bool *known) {
    unsigned family, model;
    family_model(&family, &model);
    hx_simd_level simd = hx_cpu()->simd;
    *known = false;
    if (!is_amd() || simd == HX_SIMD_SCALAR)
        return 2; /* Intel cores since Haswell, and scalar FMA/mul-add ports: two */
    *known = true;
    if (family == 0x17)
        return model < 0x30 ? 1 : 2; /* Zen 1: two 128-bit pipes = one 256-bit FMA per cycle */
    if (family == 0x19)
        return simd == HX_SIMD_AVX512 ? 1 : 2; /* Zen 4 runs a 512-bit FMA over both pipes */
    if (family == 0x1a) {
        /* Zen 5: full 512-bit pipes on server and desktop parts; mobile parts split them */
        bool mobile = (model >= 0x20 && model <= 0x2f) || (model >= 0x60 && model <= 0x7f);
        return simd == HX_SIMD_AVX512 && mobile ? 1 : 2;
    }
    *known = false;
    return 2;
}

void hx_clock_range(double *min_mhz, double *max_mhz) {
    double lo = hx_cpufreq_mhz("cpuinfo_min_freq"), hi = hx_cpufreq_mhz("cpuinfo_max_freq");
    double base, max;
    cpuid_16(&base, &max);
    if (hi <= 0)
        hi = max;
    *min_mhz = lo > 0 ? lo * (1 - DISAGREE) : ANY_X86_MIN;
    *max_mhz = hi > 0 ? hi * (1 + DISAGREE) : ANY_X86_MAX;
}

/* ---- judging ------------------------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Name a reference that differs from mhz by more than DISAGREE; true if it did. */
static bool check_reference(hx_clock *c, const char *name, double ref) {
    if (ref <= 0 || fabs(c->mhz / ref - 1) <= DISAGREE)
        return false;
    size_t used = strlen(c->disagreement);
    if (used + 1 < sizeof c->disagreement)
        snprintf(c->disagreement + used, sizeof c->disagreement - used,
                 "%s%s %.0f MHz (the chains are %+.0f%% from it)", used ? "; " : "", name, ref,
                 100 * (c->mhz / ref - 1));
    return true;
}

void hx_clock_judge(const hx_clock_sources *src, hx_clock *out) {
    memset(out, 0, sizeof *out);
    out->src = *src;
    double chain[3];
    size_t n = 0;
    const double values[3] = {src->add_chain, src->imul_chain, src->fma_chain};
    for (int i = 0; i < 3; i++)
        if (values[i] > 0 && isfinite(values[i]))
            chain[n++] = values[i];
    if (n == 0) {
        snprintf(out->confidence, sizeof out->confidence, "none");
        snprintf(out->method, sizeof out->method, "no dependent chain could be timed");
        return;
    }
    qsort(chain, n, sizeof chain[0], compare_doubles);
    double spread = chain[n - 1] / chain[0] - 1;
    if (spread > DISAGREE) {
        snprintf(out->confidence, sizeof out->confidence, "none");
        snprintf(out->method, sizeof out->method, "dependent chains disagree: no clock");
        snprintf(out->disagreement, sizeof out->disagreement,
                 "dependent chains disagree by %.0f%%: add %.0f, imul %.0f, FMA %.0f MHz",
                 100 * spread, src->add_chain, src->imul_chain, src->fma_chain);
        return;
    }
    out->mhz = n == 3 ? chain[1] : n == 2 ? (chain[0] + chain[1]) / 2 : chain[0];
    snprintf(out->method, sizeof out->method,
             "median of %zu dependent chains (add 1, imul 3, FMA %d cycles), fastest of %d runs", n,
             src->fma_latency ? src->fma_latency : 4, CLOCK_RUNS);
    snprintf(out->confidence, sizeof out->confidence, "%s",
             n >= 2 && spread <= CHAINS_AGREE ? "high" : "medium");
    check_reference(out, "TSC (nominal rate)", src->tsc);
    check_reference(out, "cpuid 0x16 base", src->cpuid_base);
    bool above_max =
        check_reference(out, "cpuid 0x16 maximum", src->cpuid_max) && out->mhz > src->cpuid_max;
    if (check_reference(out, "cpufreq maximum", src->cpufreq_max) && out->mhz > src->cpufreq_max)
        above_max = true;
    if (above_max)
        snprintf(out->confidence, sizeof out->confidence, "low");
}

void hx_clock_measure(hx_clock *out) {
    hx_clock_sources s;
    memset(&s, 0, sizeof s);
    const hx_cpu_info *c = hx_cpu();
    bool fma = c->fma && c->os_avx;
    s.fma_latency = fma ? fma_latency() : 0;
    clock_chain chains[3] = {{add_chain, ADD_ITERS, 1, 0},
                             {imul_chain, IMUL_ITERS, 3, 0},
                             {fma_chain, FMA_ITERS, s.fma_latency, 0}};
    run_chains(chains, fma ? 3 : 2, &s.tsc);
    s.add_chain = chains[0].best_mhz;
    s.imul_chain = chains[1].best_mhz;
    s.fma_chain = chains[2].best_mhz;
    s.cpufreq_min = hx_cpufreq_mhz("cpuinfo_min_freq");
    s.cpufreq_max = hx_cpufreq_mhz("cpuinfo_max_freq");
    cpuid_16(&s.cpuid_base, &s.cpuid_max);
    hx_clock_judge(&s, out);
}
