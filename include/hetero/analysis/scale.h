/*
 * scale.h - the scaling analysis behind `hetero scale`: threads sweeps (strong and weak), size
 * sweeps, and what they measured.
 *
 * A sweep is planned before anything runs (hx_scale_plan_make): one job per measurement, in the
 * order they will run, each naming its size, backend and p.  So the memory a sweep needs is
 * estimated from the plan and checked against what the host has free before the first
 * allocation (hx_scale_memory_check), and the progress count is the plan's length.  Then
 * hx_scale_sweep() runs the plan through the engine's measuring loop (the same warm-up,
 * repetitions, poisoning and verification as `hetero run`) and derives every figure with the
 * rules of laws.h.  The report writers are in report.h.
 *
 * Figures, per point (docs/scale.md):
 *     S       relative speedup T1/Tp, T1 = the same code at p = 1 (the parallel code on one
 *             processor); weak: the scaled speedup p T1(base)/Tp
 *     S abs   absolute speedup: the best one-processor code at the same size (the fastest of
 *             serial, simd and blas on one thread) / Tp
 *     E       S/p;  e(p) the Karp-Flatt serial fraction, "no fit" outside [0, 1]
 * Baselines that are not points of the report (serial in a threads sweep, simd and blas on one
 * thread) are measured as references and kept apart from the points.
 */
#ifndef HETERO_ANALYSIS_SCALE_H
#define HETERO_ANALYSIS_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/core/caches.h"
#include "hetero/core/fit.h"
#include "hetero/core/report.h"
#include "hetero/engine/target.h"
#include "hetero/workloads/workload.h"

#define HX_SCALE_SCHEMA    "hetero.scale/2"
#define HX_SCALE_MAX_P     64
#define HX_SCALE_MAX_SIZES 64
#define HX_SCALE_MAX_SKIPS 64

typedef enum { HX_SCALE_STRONG, HX_SCALE_WEAK, HX_SCALE_SIZES } hx_scale_mode;

/* "strong", "weak", "sizes" */
const char *hx_scale_mode_name(hx_scale_mode m);

/* What to sweep.  The command fills it from its options; hx_scale_prepare() checks and completes
 * it. */
typedef struct hx_scale_config {
    const hx_workload *w;
    double params[HX_MAX_PARAMS]; /* the workload's parameter values */
    hx_scale_mode mode;
    bool want[HX_BACKEND_COUNT]; /* --backend; all false with backend_given false: the default */
    bool backend_given;
    uint64_t p[HX_SCALE_MAX_P]; /* --threads, or --ranks */
    size_t np;
    bool threads_given;
    bool ranks_given; /* --ranks: p is ranks of the mpi backend, one thread each (docs/mpi.md) */
    hx_mpi_spec mpi;  /* --ranks: the variant swept (hx_scale_prepare picks the first if none) */
    uint64_t size;    /* strong: the size; weak: the size at p = 1 */
    bool size_given;
    uint64_t sizes[HX_SCALE_MAX_SIZES]; /* size sweep */
    size_t nsizes;
    int reps, warmup;
    /* the adaptive rule of engine/measure.h for every point (--min-time, --max-time,
     * --target-ci given); false: exactly reps runs per point */
    bool adaptive;
    double min_time, max_time, target_ci;
    uint64_t seed;
    int cores; /* the host's cores: a host p above it is oversubscribed (0: ask the CPU) */
} hx_scale_config;

/* Check the backends against the mode and the workload, sort the p list (adding p = 1, the T1 of
 * every speedup, with a notice), default --threads to 1, 2, 4, ... up to the cores, and check
 * every size against the workload.  Usage errors only; touches no device. */
int hx_scale_prepare(hx_scale_config *c);

/* --ranks, once the MPI job has started: the largest p must be ranks the job has, and every
 * point's size one its ranks can split (HX_ERR_USAGE naming the mpirun to use). */
int hx_scale_check_ranks(const hx_scale_config *c);

/* The devices the sweep needs (opencl when selected), for hx_target_open(). */
hx_target_spec hx_scale_target_spec(const hx_scale_config *c, const char *device, const char *mem);

/* ---- the plan ---------------------------------------------------------------------------------
 */

typedef struct hx_scale_job {
    uint64_t size;
    int threads; /* the instance's threads (size sweeps: --threads for the omp backends) */
    hx_backend backend;
    unsigned p;     /* threads or compute units of this measurement */
    bool fresh;     /* the first job of a new instance (new inputs at this size) */
    bool reference; /* a baseline only: kept out of the report's points */
    bool report;    /* a point of the report */
} hx_scale_job;

typedef struct hx_scale_plan {
    hx_scale_job *jobs;
    size_t n, cap;
} hx_scale_plan;

/* Every measurement of the sweep, in order, on the opened targets ts (NULL: host backends only):
 * opencl jobs when ts has a device, cuda jobs when it has CUDA. */
int hx_scale_plan_make(const hx_scale_config *c, const hx_target_set *ts, hx_scale_plan *plan);
void hx_scale_plan_free(hx_scale_plan *plan);

/* ---- memory ------------------------------------------------------------------------------- */

typedef struct hx_scale_memory {
    double estimate;  /* bytes the largest instance of the plan needs, an upper bound */
    double host;      /* of which the host arrays (inputs, output, reference) */
    double device;    /* of which OpenCL buffers kept in host memory (a CPU device) */
    uint64_t size;    /* the size of that instance */
    double available; /* what the host had free when asked (MemAvailable) */
} hx_scale_memory;

/* The estimate of the plan: per instance, the workload's host bytes, twice when opencl jobs run
 * on a device whose buffers live in host memory (a CPU device); the largest instance counts. */
void hx_scale_memory_estimate(const hx_scale_config *c, const hx_scale_plan *plan,
                              bool device_in_host_memory, double available, hx_scale_memory *m);
/* HX_OK when the estimate fits in the available memory (with a notice when it needs more than
 * half of it), else HX_ERR_USAGE naming both. */
int hx_scale_memory_verdict(const hx_scale_config *c, const hx_scale_memory *m);
/* Estimate the plan on the opened targets against the host's available memory, then judge. */
int hx_scale_memory_check(const hx_scale_config *c, const hx_scale_plan *plan,
                          const hx_target_set *ts, hx_scale_memory *m);

/* ---- what a sweep measured ---------------------------------------------------------------- */

typedef struct hx_scale_point {
    hx_result r; /* what the measuring loop filled in */
    hx_backend backend;
    unsigned p;          /* threads or compute units */
    bool oversubscribed; /* a host p above the cores: measured, marked, never fitted */
    /* True when this point was measured on a noisy machine (its row's verdict, copied by
     * hx_scale_mark_noise); a fit over a noisy point, or over points whose T1 is noisy, is no
     * fit. */
    bool noisy;
    bool t1_noisy;        /* the T1 this point's S divides by is noisy */
    double serial_median; /* the serial backend at this size */
    double best_serial;   /* the fastest one-processor code at this size */
    hx_backend best_serial_backend;
    double t1;             /* the same backend at p = 1 (weak: at the base size) */
    double speedup;        /* relative: t1/tp (weak: p t1/tp) */
    double speedup_abs;    /* absolute: best_serial/tp */
    double speedup_serial; /* serial_median/tp */
    double efficiency;
    double karp_flatt;               /* NAN when undefined (p = 1) or out of its domain */
    const char *karp_flatt_no_fit;   /* why e(p) is no fit ("S > p", "S < 1"), or NULL */
    bool superlinear;                /* S > p at p > 1 */
    double working_set;              /* bytes: the workload's cost model */
    double share;                    /* working set per processing element, working_set / p */
    const char *cache, *share_cache; /* the cache level each fits */
} hx_scale_point;

typedef struct hx_scale_skip {
    hx_backend backend;
    unsigned p;
    uint64_t size;
    char reason[200];
} hx_scale_skip;

typedef struct hx_scale_fit {
    hx_backend backend;
    char device[256];
    bool weak;  /* Gustafson's a (weak) or Amdahl's P (strong) */
    bool ok;    /* false: no fit, no_fit says why and the values are NAN */
    bool exact; /* fitted through one point with p > 1: residual 0 by construction */
    hx_fit fit; /* the law's parameter, residual, limit and the points used */
    size_t oversubscribed, unverified, noisy; /* points with 1 < p left out, and why */
    char no_fit[200];
} hx_scale_fit;

typedef struct hx_scale_run {
    hx_scale_point *points; /* the report's points, in measuring order */
    size_t n, cap;
    hx_scale_point *refs; /* the baselines that are not points */
    size_t nrefs, refcap;
    hx_scale_skip skips[HX_SCALE_MAX_SKIPS];
    size_t nskips;
    hx_scale_fit fits[HX_BACKEND_COUNT];
    size_t nfits;
    hx_cache_level caches[HX_MAX_CACHE_LEVELS];
    size_t ncaches;
    bool have_crossover; /* size sweeps: whether opencl e2e and a CPU backend ran */
    long crossover;      /* index into points of the first opencl point of the win, or -1 */
    uint64_t crossover_size;
    double crossover_ws;
    int cores;
    hx_scale_memory memory;
} hx_scale_run;

/* Called before each job with the jobs done so far (for a progress line). */
typedef void (*hx_scale_progress_fn)(void *ctx, size_t done, size_t total, const hx_scale_job *job);

/* Initialise run for a sweep of c on this host (cores, caches). */
void hx_scale_run_init(hx_scale_run *run, const hx_scale_config *c);
/* Run the plan on the opened targets, then derive every figure, the fits and the crossover.  A
 * runtime failure stops the sweep.  progress may be NULL. */
int hx_scale_sweep(const hx_scale_config *c, const hx_scale_plan *plan, hx_target_set *ts,
                   hx_scale_run *run, hx_scale_progress_fn progress, void *ctx);
void hx_scale_run_free(hx_scale_run *run);

/* Mark the points (and baselines) measured on a noisy machine, from their rows' verdicts. */
void hx_scale_mark_noise(hx_scale_run *run);

/* Every point that failed verification as one message: HX_ERR_RUNTIME if any, else HX_OK. */
int hx_scale_check_verified(const hx_scale_run *run);

#endif
