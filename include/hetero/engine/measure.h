/*
 * measure.h - run one workload on one backend: warm up, repeat, time, verify, fill a result.
 *
 * This is the measuring loop every command shares (run, scale, sched, the tests), so warm-up,
 * repetition, poisoning of the output and verification are done the same way everywhere.  The
 * loop knows no backend: it calls the backend's table entry (backends.h) for each step:
 *
 *     describe                           device name, memory mode, processing elements
 *     poison out (all bits set)          an element a backend forgot to write cannot pass
 *     open                               jobs, device memory, kernels
 *     warmup x run                       first-touch, JIT, caches, clocks; not timed
 *     reps x run, each timed             CPU: host wall clock around the call;
 *                                        devices: kernel events + end-to-end wall clock
 *                                        (a noise window around them: core/noise.h)
 *     finish                             the backend's extra figures; releases what open made
 *     verify out against ref             ref = the serial output (the serial row verifies
 *                                        itself: complete and free of NaN)
 */
#ifndef HETERO_ENGINE_MEASURE_H
#define HETERO_ENGINE_MEASURE_H

#include <stdbool.h>

#include "hetero/core/report.h"
#include "hetero/engine/target.h"
#include "hetero/workloads/workload.h"

/* A problem with its output and reference buffers. */
typedef struct hx_instance {
    hx_problem problem;
    void *out;            /* what the backend under test writes */
    void *ref;            /* the serial output */
    double serial_median; /* baseline for speedup: set when serial is measured */
    bool have_reference;
    bool remote; /* an MPI follower's instance: no data, no buffers (engine/job.h) */
} hx_instance;

/* Check size range and host memory, then setup and allocate out/ref.  params may be NULL
 * (defaults).  Fails with HX_ERR_USAGE for a bad size, before allocating anything.  On an MPI
 * follower the instance stays remote: the problem's parameters only. */
int hx_instance_init(hx_instance *in, const hx_workload *w, uint64_t size, uint64_t seed,
                     int threads, const double *params);
void hx_instance_free(hx_instance *in);

/* How many timed runs a row gets.
 *
 *   fixed (adaptive false)  exactly reps runs: an explicit --reps, and every caller that sets only
 *                           reps and warmup;
 *   adaptive                runs are added one by one until the 95% interval of the median is
 *                           within target_ci of it (relative half-width) and min_time seconds of
 *                           runs have passed, or until max_time seconds of runs have passed,
 *                           whichever comes first; at least max(min_reps, 1) runs, at most
 *                           HX_MEASURE_MAX_REPS.  A run longer than max_time is still done once.
 *                           A backend whose runs must be counted the same on every process (mpi:
 *                           each rank takes part in every run) gets the fixed rule with reps.
 *
 * The row says which rule applied, whether the target was reached and why the runs stopped
 * (hx_result.adaptive, ci_reached, stop). */
typedef struct hx_measure_opts {
    int reps, warmup;
    bool adaptive;
    int min_reps;
    double min_time, max_time, target_ci;
} hx_measure_opts;

#define HX_MEASURE_MAX_REPS 100000

/* Measure backend b on target (NULL for the host backends).  Long rows show progress on a
 * terminal (core/progress.h); every row notes its noise window (core/noise.h).
 * Test hook: HETERO_TEST_SLOWDOWN=WORKLOAD:FACTOR makes every timed run of WORKLOAD FACTOR times
 * as long with a busy loop (for the tests of `hetero compare`); documented in docs/noise.md. Serial
 * must come first: it fills in->ref and in->serial_median.  Verification failure is not an error
 * status: r->verified says it; the caller decides the exit code. */
int hx_measure(hx_instance *in, hx_backend b, const hx_target *target, const hx_measure_opts *o,
               hx_result *r);

#endif
