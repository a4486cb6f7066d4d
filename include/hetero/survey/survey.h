/*
 * survey.h - what every processor of this machine is, and what it measurably does.
 *
 * A survey is a list of device records.  Each record has a `kind` naming the device family that
 * produced it ("host" for the processor hetero runs on, "opencl" for an OpenCL device; a later
 * family, such as CUDA, appends records of its own kind), the identity and shape that family
 * reports, the features that decide which hetero workloads and memory modes can run on it, its
 * Flynn class and memory organisation (one line each, docs/devices.md), and optionally the
 * figures of `hetero devices --bench`: the ceilings (bandwidth, peak FLOP/s, per memory level),
 * launch latency, host<->device transfer bandwidth and atomic throughput, each with its median,
 * min, max, best and the method that produced it.
 *
 * Ceilings are upper bounds and are measured as such: the best of several kernels and of many
 * repetitions.  A result of `hetero run --roofline` is put against the ceiling of the smallest
 * memory level that holds its working set, or against the compute peak, and is never shown
 * above 100% of it (roofline.c).
 *
 * Measured figures are cached per machine (survey_cache.c) under a key made from the identity of
 * the CPU, the kernel and every device, platform and driver; an entry from another machine or
 * with impossible values is ignored with a notice.
 */
#ifndef HETERO_SURVEY_H
#define HETERO_SURVEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/core/stats.h"

#define HX_DEVICES_SCHEMA "hetero.devices/1"

/* ---- measured figures ------------------------------------------------------------------- */

typedef enum {
    HX_FIG_COPY_GBPS = 0,      /* streaming copy c = a, GB/s (read + write bytes) */
    HX_FIG_SCALE_GBPS,         /* streaming scale b = s*c */
    HX_FIG_ADD_GBPS,           /* streaming add c = a + b */
    HX_FIG_TRIAD_GBPS,         /* streaming triad a = b + s*c */
    HX_FIG_BANDWIDTH_GBPS,     /* the memory ceiling: best of the four, with and without NT */
    HX_FIG_FP32_GFLOPS,        /* peak single precision, GFLOP/s (FMA = 2 flops) */
    HX_FIG_FP64_GFLOPS,        /* peak double precision, GFLOP/s */
    HX_FIG_FP32_THEORETICAL,   /* clock x cores x FMA units x lanes x 2 */
    HX_FIG_FP64_THEORETICAL,   /* the same with fp64 lanes */
    HX_FIG_LAUNCH_US,          /* launch latency of an empty kernel / parallel region, us */
    HX_FIG_H2D_GBPS,           /* host -> device, pageable host memory, GB/s */
    HX_FIG_D2H_GBPS,           /* device -> host, pageable host memory, GB/s */
    HX_FIG_H2D_PINNED_GBPS,    /* host -> device from pinned (ALLOC_HOST_PTR, mapped) memory */
    HX_FIG_D2H_PINNED_GBPS,    /* device -> host into pinned memory */
    HX_FIG_ATOMIC_GOPS,        /* atomic adds, each worker on its own address, Gop/s */
    HX_FIG_ATOMIC_SHARED_GOPS, /* atomic adds, every worker on one address, Gop/s */
    HX_FIG_COUNT
} hx_figure_id;

typedef struct hx_figure_def {
    const char *key;      /* JSON and cache key: "triad_gbps" */
    const char *label;    /* table header: "triad GB/s" */
    const char *unit;     /* "GB/s", "GFLOP/s", "us", "Gop/s" */
    bool lower_is_better; /* latency: the best sample is the smallest */
} hx_figure_def;

const hx_figure_def *hx_figure_info(hx_figure_id id);
/* Figure id from its key; -1 when unknown. */
int hx_figure_find(const char *key);

typedef struct hx_figure {
    bool measured;   /* stats hold a value */
    hx_stats stats;  /* in the figure's unit: median, min, max over the repetitions */
    char method[64]; /* how it was obtained, short: "best of 8 kernels x reps", "computed" */
    char note[200];  /* what the figure includes, or why it was not measured */
} hx_figure;

/* The best sample of f: its max, or its min for a latency; NAN when not measured.  A ceiling is
 * the best sample, the median says how often it is reached. */
double hx_figure_best(const hx_figure *f, hx_figure_id id);
/* Store a computed (not sampled) value: n = 1, median = min = max = value. */
void hx_figure_set(hx_figure *f, double value, const char *method);

/* ---- the host clock ------------------------------------------------------------------------ */

/* Every source of the core clock, in MHz (0: not available). */
typedef struct hx_clock_sources {
    double add_chain;   /* dependent register-register adds, 1 per cycle */
    double imul_chain;  /* dependent 64-bit imul, latency 3 */
    double fma_chain;   /* dependent FMAs divided by the FMA latency of this core */
    int fma_latency;    /* the latency used for fma_chain (cycles) */
    double tsc;         /* the time-stamp counter's rate (nominal on invariant-TSC CPUs) */
    double cpufreq_min; /* /sys/.../cpufreq/cpuinfo_min_freq */
    double cpufreq_max; /* /sys/.../cpufreq/cpuinfo_max_freq */
    double cpuid_base;  /* cpuid leaf 0x16 (Intel), base and maximum */
    double cpuid_max;
} hx_clock_sources;

typedef struct hx_clock {
    hx_clock_sources src;
    double mhz;             /* the core clock hetero uses; 0 when the chains disagree */
    char confidence[8];     /* "high", "medium", "low", "none" */
    char method[128];       /* which sources gave mhz */
    char disagreement[320]; /* "" or, in words, every pair that disagrees by more than 15% */
} hx_clock;

/* Judge the sources: the dependent chains must agree within 15% (else mhz = 0, confidence
 * "none"); mhz is their median; every other source that differs from it by more than 15% is
 * named in `disagreement` (confidence "medium"), a clock above a reported maximum by more than
 * 15% makes it "low".  Pure, unit-tested. */
void hx_clock_judge(const hx_clock_sources *src, hx_clock *out);
/* Measure every source on the calling thread (about 0.1 s) and judge them. */
void hx_clock_measure(hx_clock *out);
/* The range of clocks this CPU can run at, from cpufreq or cpuid 0x16 (+-15%), else the range
 * any x86-64 core has run at (200..6500 MHz). */
void hx_clock_range(double *min_mhz, double *max_mhz);

/* A frequency of cpu0 from /sys/devices/system/cpu/cpu0/cpufreq/FILE ("cpuinfo_max_freq") in
 * MHz; 0 where the kernel exposes no cpufreq (many VMs). */
double hx_cpufreq_mhz(const char *file);

/* FMA instructions per cycle per core at the SIMD width in use, from the vendor and family
 * (cpuid); *known false when it is an assumption (2, the common case since Haswell and Zen 2). */
int hx_fma_units(bool *known);

/* ---- the memory hierarchy ----------------------------------------------------------------- */

#define HX_SURVEY_MAX_CACHES 6
#define HX_MAX_MEM_LEVELS    5 /* L1, L2, L3, L4, DRAM */
#define HX_LAT_POINTS        48
#define HX_MTN_SIZES         16
#define HX_MTN_STRIDES       12

typedef struct hx_cache_level {
    int level;          /* 1, 2, 3 */
    char type[16];      /* "data", "instruction", "unified" */
    uint64_t bytes;     /* size of one instance */
    unsigned line;      /* line size in bytes (0: unknown) */
    unsigned instances; /* how many such caches the machine has */
} hx_cache_level;

/* One level of the data hierarchy and its figures (GB/s, ns; NAN: not measured).  _1t: one
 * thread on a working set of test_bytes_1t; _all: every thread, test_bytes in all; latency_ns
 * at latency_bytes.  The rates are taken near the small end of the level (twice the level
 * above), where it is fastest, so they bound every working set it holds; the latency in its
 * middle (half of it), where it serves nearly every load. */
typedef struct hx_mem_level {
    char name[8];       /* "L1", "L2", "L3", "DRAM" */
    uint64_t bytes;     /* capacity of one instance (DRAM: the host memory) */
    unsigned instances; /* instances on the machine (DRAM: 1) */
    uint64_t test_bytes, test_bytes_1t, latency_bytes;
    double latency_ns;
    double read_1t, read_all, write_1t, write_all, copy_1t, copy_all;
} hx_mem_level;

/* The curves of `--hierarchy` (not cached: they are drawn by the command that measured them). */
typedef struct hx_hierarchy_curves {
    size_t nlat;
    uint64_t lat_bytes[HX_LAT_POINTS];
    double lat_ns[HX_LAT_POINTS];
    size_t nsizes, nstrides; /* the memory mountain: read GB/s over size x stride, 1 thread */
    uint64_t mtn_bytes[HX_MTN_SIZES];
    unsigned mtn_stride[HX_MTN_STRIDES]; /* in 8-byte words */
    double mtn_gbps[HX_MTN_SIZES][HX_MTN_STRIDES];
    char pages[160]; /* huge pages or not, and what that means for the TLB */
} hx_hierarchy_curves;

/* The ceiling of a level: the best of its all-thread read, write and copy rates (NAN if none). */
double hx_mem_level_ceiling(const hx_mem_level *l);

/* ---- device records ----------------------------------------------------------------------- */

#define HX_SURVEY_MAX_ERRORS 4

typedef struct hx_device_record {
    const char *kind;    /* "host", "opencl" (later families add theirs) */
    char id[32];         /* "host", "opencl:0:0" - what --device and the report show */
    size_t family_index; /* index in its family's own device list (opencl: hx_ocl_devices) */
    char name[256];
    char vendor[256];
    char platform[256];  /* OpenCL platform; "" for the host */
    char type[32];       /* "CPU", "GPU", "accelerator" */
    char driver[256];    /* driver version; the kernel release for the host */
    char version[256];   /* OpenCL version string; "" for the host */
    char c_version[256]; /* OpenCL C version; "" for the host */
    int cl_major, cl_minor;

    /* shape */
    unsigned compute_units;        /* OpenCL compute units; host: physical cores */
    unsigned threads;              /* host hardware threads; OpenCL: compute units */
    unsigned packages, numa_nodes; /* host only (0 for OpenCL devices) */
    unsigned clock_mhz;            /* reported maximum clock (0: unknown) */
    size_t max_work_group;
    unsigned vec_char, vec_short, vec_int, vec_long, vec_float, vec_double, vec_half;
    uint64_t local_mem;
    char local_mem_type[16]; /* "local" (dedicated), "global" (emulated), "none" */
    uint64_t global_mem, max_alloc;
    uint64_t global_cache, global_cacheline; /* OpenCL global memory cache */
    hx_cache_level caches[HX_SURVEY_MAX_CACHES];
    size_t ncaches;

    /* features */
    bool fp64, fp16;
    bool svm_coarse, svm_fine_buffer, svm_fine_system, svm_atomics;
    bool has_atomic_caps;                           /* the 3.0 queries were answered */
    uint64_t atomic_memory_caps, atomic_fence_caps; /* cl_device_atomic_capabilities bits */
    unsigned max_sub_groups;                        /* 0: no sub-groups */
    bool unified_memory;                            /* the device works on host memory */
    char isa[256];                                  /* host: "sse4.2 avx avx2 fma ..." */
    char simd[16];                                  /* host: the simd level in use */

    /* classification (docs/devices.md) */
    char flynn[96];
    char memory[96];

    /* --bench */
    bool benched;
    hx_clock clock; /* host: the measured core clock (clock.mhz 0: none) */
    hx_figure fig[HX_FIG_COUNT];
    hx_mem_level levels[HX_MAX_MEM_LEVELS]; /* host: L1 .. DRAM, smallest first */
    size_t nlevels;
    bool has_curves; /* --hierarchy ran: curves holds the staircase and the mountain */
    hx_hierarchy_curves curves;
    char errors[HX_SURVEY_MAX_ERRORS][240]; /* survey errors (hx_survey_check) */
    size_t nerrors;
    bool uncacheable; /* an error no load explains: the figures are not cached */
} hx_device_record;

typedef struct hx_survey {
    hx_device_record *dev;
    size_t n, cap;
} hx_survey;

/* Append a zeroed record; NULL on allocation failure (with a message recorded). */
hx_device_record *hx_survey_add(hx_survey *s, const char *kind);
void hx_survey_free(hx_survey *s);
/* Forget every measured figure of r (before it is benchmarked again). */
void hx_record_clear_bench(hx_device_record *r);

/* The host record: cpuid features and the hwloc topology (cores, threads, caches, NUMA). */
int hx_survey_host(hx_device_record *r);

struct hx_ocl_device;
/* An OpenCL record from a discovered device plus the extra queries of this survey. */
int hx_survey_ocl(const struct hx_ocl_device *d, hx_device_record *r);

/* The whole machine: the host record first, then one record per OpenCL device (family_index =
 * its index in *devs, which is for the caller to free()).  Another device family appends its
 * records after these. */
int hx_survey_build(hx_survey *s, struct hx_ocl_device **devs, size_t *ndevs);

/* ---- classification ------------------------------------------------------------------------ */

typedef struct hx_class_input {
    bool host;           /* the host processor itself, running native code */
    char type[32];       /* "CPU", "GPU", "accelerator" */
    unsigned cores;      /* cores / compute units */
    unsigned simd_lanes; /* float lanes of the vector unit (1: scalar) */
    unsigned numa_nodes; /* host only */
    bool unified_memory; /* device shares the host's memory */
} hx_class_input;

/* Flynn class and memory organisation, one line each (rules: docs/devices.md). */
void hx_classify(const hx_class_input *in, char *flynn, size_t flen, char *memory, size_t mlen);

/* ---- benchmarks ----------------------------------------------------------------------------- */

typedef struct hx_bench_opts {
    double seconds;         /* time budget per device, spread over its figures */
    int threads;            /* host threads (0: all) */
    bool hierarchy;         /* host: also the latency staircase, 1-thread rates, the mountain */
    uint64_t hierarchy_max; /* largest working set of the hierarchy (0: DRAM level, 8 x LLC) */
} hx_bench_opts;

/* Native host figures: OpenMP + AVX2/AVX-512 by cpuid, the clock, the level ceilings. */
int hx_bench_host(hx_device_record *r, const hx_bench_opts *o);
/* The host's memory levels (from its hwloc caches) and their all-thread ceilings; with
 * o->hierarchy also the latency per level, the 1-thread rates and the curves (hierarchy.c). */
int hx_bench_hierarchy(hx_device_record *r, const hx_bench_opts *o);
/* OpenCL figures for device d (kernels/bench_*.cl). */
int hx_bench_ocl(const struct hx_ocl_device *d, hx_device_record *r, const hx_bench_opts *o);

/* Benchmark record r by its kind (devs: the OpenCL list of hx_survey_build). */
int hx_bench_record(hx_device_record *r, const struct hx_ocl_device *devs, const hx_bench_opts *o);

/* Benchmark the records with keep[i] (after clearing their figures), check the survey, and
 * unless cache is false keep the figures of the others from the cache and save the result when
 * the machine is quiet (hx_survey_quiet).  The `hetero devices --bench` library call. */
int hx_survey_bench(hx_survey *s, const struct hx_ocl_device *devs, const bool *keep,
                    const hx_bench_opts *o, bool cache);

/* From the samples of copy, scale, add and triad ([k][0] plain stores, [k][1] streaming): each
 * kernel's figure is its better store kind, the memory ceiling (bandwidth_gbps) the best of all
 * eight; *best_k and *best_nt name the winner.  The callers write the notes. */
void hx_stream_pick(hx_device_record *r, const hx_figure all[4][2], int *best_k, int *best_nt);

/* Repeat fn until budget seconds have passed (at least min_reps, at most max_reps), each call
 * returning one sample in the figure's unit, and store the summary into f.  fn returns HX_OK
 * or an error status. */
typedef int (*hx_bench_sample_fn)(void *ctx, double *value);
int hx_bench_repeat(hx_figure *f, hx_bench_sample_fn fn, void *ctx, double budget, int min_reps,
                    int max_reps);

/* ---- checks -----------------------------------------------------------------------------------
 */

/* Survey errors of each benched record into its errors[] (announced once each).  Impossible
 * values (a measured peak above the theoretical one, a clock above the reported maximum, a rate
 * above what the cores can load) make the record uncacheable; values in the wrong order (fp32
 * below fp64, a level slower than the one below it: what a loaded machine measures) are
 * reported only.  Returns how many were found. */
size_t hx_survey_check(hx_survey *s);

/* Whether the figures of s could have been measured on this machine: a clock inside the CPU's
 * range (hx_clock_range), no bandwidth above what the hierarchy allows (what every core's load
 * ports move per cycle at the highest clock, the top of the hierarchy), no measured peak above
 * the theoretical one, no non-finite or negative figure.  On false, why says which value and
 * rule. */
bool hx_survey_plausible(const hx_survey *s, char *why, size_t len);

/* Whether the machine is quiet enough for its figures to become cached ceilings; why receives
 * the reason when it is not.  It asks core/noise.h about the whole command so far (other
 * programs' share of the CPU, steal, the load and runnable tasks at the start), and the survey
 * calls it before every save. */
bool hx_survey_quiet(char *why, size_t len);

/* ---- cache ---------------------------------------------------------------------------------- */

/* Identity text of the machine: CPU brand, kernel release, then per device kind, name,
 * platform, driver version and OpenCL version (sorted). */
void hx_survey_identity(const hx_survey *s, char *buf, size_t len);
/* 64-bit FNV-1a of the identity text: the cache key. */
uint64_t hx_survey_key(const char *identity);
/* Cache file path: $XDG_CACHE_HOME/hetero/survey.txt, else $HOME/.cache/hetero/survey.txt. */
int hx_survey_cache_path(char *buf, size_t len);
/* Write the measured figures of s to path (atomic rename). */
int hx_survey_cache_save(const hx_survey *s, const char *path);

typedef enum {
    HX_CACHE_NONE = 0,    /* no file, or an older format: nothing loaded */
    HX_CACHE_LOADED,      /* this machine's figures, plausible: the cache is clean */
    HX_CACHE_FOREIGN,     /* another machine's (or kernel's, or driver's) figures: ignored */
    HX_CACHE_IMPLAUSIBLE, /* values this machine cannot produce: ignored */
} hx_cache_state;

/* Fill the figures of s's records from path when it was written for this machine and its
 * values are plausible.  A foreign or implausible entry is ignored with a notice saying why (and
 * leaves s without figures); a missing file is not an error.  *state says what happened. */
int hx_survey_cache_load(hx_survey *s, const char *path, hx_cache_state *state);

/* ---- roofline -------------------------------------------------------------------------------- */

/* Percent of the bounding peak for a result of gbps / gflops with arithmetic intensity
 * flops/bytes on a device with peaks bw (GB/s) and fp (GFLOP/s, <= 0: unknown): memory-bound
 * when intensity < fp/bw (the machine balance), else compute-bound.  NAN when no peak fits. */
double hx_pct_peak(double bytes, double flops, double gbps, double gflops, double peak_bw,
                   double peak_fp, bool *memory_bound);

/* The memory ceiling of r: its streaming ceiling, or its DRAM level's if that is higher (NAN:
 * none). */
double hx_record_memory_ceiling(const hx_device_record *r);
/* The record whose cache levels bound r's rows: r itself, or the host for a CPU device on host
 * memory (PoCL runs on the same cores and caches); NULL when there is none (a discrete GPU). */
const hx_device_record *hx_record_cache_owner(const hx_device_record *r,
                                              const hx_device_record *host);

/* The ceiling that bounds one result. */
typedef struct hx_ceiling {
    double bw;     /* GB/s of the level holding the working set (0: none) */
    double fp;     /* fp32 GFLOP/s (0: none) */
    char level[8]; /* that level: "L1" .. "DRAM" */
    bool memory;   /* memory-bound: bw is the ceiling; else fp */
    double value;  /* the ceiling itself, in the row's unit */
    char name[8];  /* "L2", "DRAM", "fp32" */
} hx_ceiling;

/* The ceiling for a working set of `bytes` and `flops` on record r, using `instances` of each
 * cache level (the threads a row ran on; the caches of a CPU OpenCL device are the host's, so
 * host gives them).  false when r has no figure to bound the row with. */
bool hx_ceiling_for(const hx_device_record *r, const hx_device_record *host, double bytes,
                    double flops, unsigned instances, hx_ceiling *c);

struct hx_result;
/* Re-measure the record a stale ceiling came from: HX_OK when it did (ctx: the caller's). */
typedef int (*hx_remeasure_fn)(void *ctx, hx_device_record *r);

/* Put every row against its ceiling (pct_peak and the ceiling's name): a row above its
 * ceiling is announced; remeasure (may be NULL) is asked once per record for fresh figures, and
 * a ceiling still below the row is raised to the row's rate, so no pct_peak above 100 is ever
 * stored.  stale[k] (s->n entries) says whether record k's ceiling had to be corrected (the
 * cache then no longer holds the truth).  Pure apart from the notices and remeasure;
 * unit-tested. */
int hx_roofline_apply(hx_survey *s, struct hx_result *rows, size_t n, hx_remeasure_fn remeasure,
                      void *ctx, bool *stale);

/* `hetero run --roofline` and the cached %peak: add pct_peak and the ceiling's name to each row
 * whose device has figures.  measure (--roofline): benchmark the devices used that have none
 * (announced) and re-measure a stale one, and cache them; without it, only a clean cache (this
 * machine's, plausible, written on a quiet machine) gives a %peak, and a ceiling a row beats is
 * dropped from the cache with a notice.  plot (may be NULL): draw the roofline with every row
 * to that .svg/.png.  threads: host threads for a host bench (0: all, as a cached peak
 * should be). */
int hx_roofline_annotate(struct hx_result *rows, size_t n, bool measure, int threads,
                         const char *plot);

/* ---- plots and the report ----------------------------------------------------------------------
 */

/* The memory mountain and the latency staircase of r (has_curves) as one figure. */
int hx_hierarchy_plot(const hx_device_record *r, const char *path);
/* The measured roofline of each device used by rows, with the rows as labelled points. */
int hx_roofline_plot(const hx_survey *s, const struct hx_result *rows, size_t n, const char *path);

int hx_survey_write(FILE *out, hx_format fmt, const hx_survey *s);

/* ---- CUDA devices ---------------------------------------------------------------------------- */

/* Append one "cuda" record per CUDA device (none without a driver, a GPU or CUDA in the build). */
int hx_survey_cuda(hx_survey *s);
/* Why there is no CUDA device here, into why. */
int hx_survey_cuda_why(char *why, size_t len);
struct hx_cuda_device; /* cuda/cuda.h, in builds with CUDA */
/* A survey record of kind "cuda" (id "cuda:N") from a device description (builds with CUDA). */
void hx_cuda_survey_record(const struct hx_cuda_device *d, hx_device_record *r);

#endif
