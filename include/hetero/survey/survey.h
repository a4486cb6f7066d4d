/*
 * survey.h - what every processor of this machine is, and what it measurably does.
 *
 * A survey is a list of device records.  Each record has a `kind` naming the device family that
 * produced it ("host" for the processor hetero runs on, "opencl" for an OpenCL device; a later
 * family, such as CUDA, appends records of its own kind), the identity and shape that family
 * reports, the features that decide which hetero workloads and memory modes can run on it, its
 * Flynn class and memory organisation (one line each, docs/devices.md), and optionally the
 * figures of `hetero devices --bench`: streaming bandwidth, peak FLOP/s, launch latency,
 * host<->device transfer bandwidth and atomic throughput, each a median with its min and max.
 *
 * Measured figures are cached per machine (survey_cache.c) under a key made from the identity of
 * the CPU and of every device and driver, so `hetero run --roofline` can put a result against
 * the peaks without measuring them again, and a new driver or device invalidates the cache.
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
    HX_FIG_COPY_GBPS = 0,      /* streaming copy, GB/s (read + write bytes) */
    HX_FIG_TRIAD_GBPS,         /* streaming triad a = b + s*c, GB/s */
    HX_FIG_FP32_GFLOPS,        /* peak single precision, GFLOP/s (FMA = 2 flops) */
    HX_FIG_FP64_GFLOPS,        /* peak double precision, GFLOP/s */
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
    const char *key;   /* JSON and cache key: "triad_gbps" */
    const char *label; /* table header: "triad GB/s" */
    const char *unit;  /* "GB/s", "GFLOP/s", "us", "Gop/s" */
} hx_figure_def;

const hx_figure_def *hx_figure_info(hx_figure_id id);
/* Figure id from its key; -1 when unknown. */
int hx_figure_find(const char *key);

typedef struct hx_figure {
    bool measured;  /* stats hold a value */
    hx_stats stats; /* in the figure's unit: median, min, max over the repetitions */
    char note[160]; /* what the figure includes, or why it was not measured */
} hx_figure;

/* ---- device records ----------------------------------------------------------------------- */

#define HX_SURVEY_MAX_CACHES 6

typedef struct hx_cache_level {
    int level;          /* 1, 2, 3 */
    char type[16];      /* "data", "instruction", "unified" */
    uint64_t bytes;     /* size of one instance */
    unsigned line;      /* line size in bytes (0: unknown) */
    unsigned instances; /* how many such caches the machine has */
} hx_cache_level;

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
    double bench_clock_mhz; /* host: clock measured by a dependent-add chain (0: none) */
    hx_figure fig[HX_FIG_COUNT];
} hx_device_record;

typedef struct hx_survey {
    hx_device_record *dev;
    size_t n, cap;
} hx_survey;

/* Append a zeroed record; NULL on allocation failure (with a message recorded). */
hx_device_record *hx_survey_add(hx_survey *s, const char *kind);
void hx_survey_free(hx_survey *s);

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
    double seconds; /* time budget per device, spread over its figures */
    int threads;    /* host threads (0: all) */
} hx_bench_opts;

/* Native host figures: OpenMP + AVX2/AVX-512 by cpuid. */
int hx_bench_host(hx_device_record *r, const hx_bench_opts *o);
/* OpenCL figures for device d (kernels/bench_*.cl). */
int hx_bench_ocl(const struct hx_ocl_device *d, hx_device_record *r, const hx_bench_opts *o);

/* Benchmark record r by its kind (devs: the OpenCL list of hx_survey_build). */
int hx_bench_record(hx_device_record *r, const struct hx_ocl_device *devs, const hx_bench_opts *o);

/* Repeat fn until budget seconds have passed (at least min_reps, at most max_reps), each call
 * returning one sample in the figure's unit, and store the summary into f.  fn returns HX_OK
 * or an error status. */
typedef int (*hx_bench_sample_fn)(void *ctx, double *value);
int hx_bench_repeat(hx_figure *f, hx_bench_sample_fn fn, void *ctx, double budget, int min_reps,
                    int max_reps);

/* ---- cache ---------------------------------------------------------------------------------- */

/* Identity text of the machine: CPU brand, then per device kind, name and driver version. */
void hx_survey_identity(const hx_survey *s, char *buf, size_t len);
/* 64-bit FNV-1a of the identity text: the cache key. */
uint64_t hx_survey_key(const char *identity);
/* Cache file path: $XDG_CACHE_HOME/hetero/survey.txt, else $HOME/.cache/hetero/survey.txt. */
int hx_survey_cache_path(char *buf, size_t len);
/* Write the measured figures of s to path (atomic rename). */
int hx_survey_cache_save(const hx_survey *s, const char *path);
/* Fill the figures of s's records from path when its key matches s's identity.  *loaded says
 * whether it did; a missing file or a stale key is not an error. */
int hx_survey_cache_load(hx_survey *s, const char *path, bool *loaded);

/* ---- roofline -------------------------------------------------------------------------------- */

/* Percent of the bounding peak for a result of gbps / gflops with arithmetic intensity
 * flops/bytes on a device with peaks bw (GB/s) and fp (GFLOP/s, <= 0: unknown): memory-bound
 * when intensity < fp/bw (the machine balance), else compute-bound.  NAN when no peak fits. */
double hx_pct_peak(double bytes, double flops, double gbps, double gflops, double peak_bw,
                   double peak_fp, bool *memory_bound);

struct hx_result;
/* Add "pct_peak" to each result row whose device has cached peaks (host rows: the host record;
 * opencl rows: the device of that name).  measure: benchmark the devices used that have no
 * cached figures (announced) and save them to the cache (--roofline); otherwise rows without
 * cached peaks are left alone.  Without a cache and without measure this does nothing, and a
 * failure without measure is only announced.  threads: host threads for a host bench (0: all,
 * as a cached peak should be). */
int hx_roofline_annotate(struct hx_result *rows, size_t n, bool measure, int threads);

/* ---- the report ------------------------------------------------------------------------------ */

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
