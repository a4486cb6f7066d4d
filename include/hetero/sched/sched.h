/*
 * sched.h - the co-scheduler behind `hetero sched`: one mandelbrot image computed by an OpenCL
 * device and host threads together, under five policies (docs/sched.md).
 *
 *   device-only    the device alone: one launch over every row, read back
 *   host-only      host threads alone, claiming chunks of rows from a shared atomic counter
 *   static         the device takes the first --split of the rows in one launch, host threads
 *                  split the rest in equal blocks: no counter, and no help for whoever is done
 *   dynamic-proxy  one shared counter; host threads claim chunks and compute them, and a proxy
 *                  host thread claims chunks for the device and enqueues them, keeping --inflight
 *                  chunks queued so the device never waits for the host.  Works on every device.
 *   dynamic-svm    the counter lives in fine-grain SVM with atomics: the kernel's work-groups
 *                  claim chunks themselves (persistent threads, kernels/sched_mandelbrot.cl) while
 *                  host threads claim from the same counter with C11 atomics, and both write into
 *                  one fine-grain SVM image.  Needs SVM atomics (not on NVIDIA's driver).
 *
 * device-only and host-only always run: the combined policies are compared with the faster of
 * the two.  Every run of every policy is verified against the serial image.  The split rules
 * (which rows each side takes) are pure functions here, unit-tested apart from any device.
 *
 * Timing: the wall time of a run, from the first claim or launch until the last row is in the
 * image (device rows read back into host memory for the non-SVM policies; the dynamic-svm image
 * is read in place, as an SVM application would, and copied out for verification afterwards).
 * Device busy = the device's kernel time (event profiling); host busy = the time host threads
 * spent computing rows, summed over the threads.
 */
#ifndef HETERO_SCHED_SCHED_H
#define HETERO_SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/core/stats.h"
#include "hetero/engine/target.h"

#define HX_SCHED_SCHEMA        "hetero.sched/1"
#define HX_SCHED_STRESS_SCHEMA "hetero.sched-stress/1" /* the --svm-stress summary */
#define HX_SCHED_MAX_INFLIGHT  16

typedef enum {
    HX_SCHED_DEVICE_ONLY,
    HX_SCHED_HOST_ONLY,
    HX_SCHED_STATIC,
    HX_SCHED_DYNAMIC_PROXY,
    HX_SCHED_DYNAMIC_SVM,
    HX_SCHED_POLICY_COUNT
} hx_sched_policy;

/* "device-only", "host-only", "static", "dynamic-proxy", "dynamic-svm" */
const char *hx_sched_policy_name(hx_sched_policy p);
/* --policy LIST: policy names or "all", into want[] (cleared first); HX_ERR_USAGE naming them. */
int hx_sched_parse_policies(const char *text, bool want[HX_SCHED_POLICY_COUNT]);

typedef struct hx_sched_config {
    bool want[HX_SCHED_POLICY_COUNT];
    double split;      /* static: the device's fraction of the rows */
    uint64_t chunk;    /* rows per claim */
    uint64_t inflight; /* dynamic-proxy: chunks kept queued on the device */
    uint64_t size;     /* image side in pixels */
    uint64_t iters;    /* iterations per pixel at most */
    int threads;       /* host threads */
    int reps, warmup;
} hx_sched_config;

/* Every policy, split 0.5, chunk 16, inflight 2, 1024 x 1024, 256 iterations, all cores, 5 reps
 * after 1 warm-up. */
void hx_sched_config_defaults(hx_sched_config *c);
/* The image size against the workload's range and memory, before any device is touched. */
int hx_sched_check(const hx_sched_config *c);
/* What the co-scheduler asks of hx_target_open(): --device (NULL: the default device). */
hx_target_spec hx_sched_target_spec(const char *device);

/* ---- results -------------------------------------------------------------------------------- */

typedef struct hx_sched_result {
    bool ran;
    char skip_reason[512];
    hx_stats wall;
    double dev_busy, host_busy, dev_chunks, host_chunks, dev_rows, host_rows; /* medians */
    double speedup_serial, speedup_best;
    bool verified;
    double max_err, tolerance;
} hx_sched_result;

typedef struct hx_sched_report {
    hx_sched_config config;
    char device[256];
    bool device_is_cpu; /* device and host threads share the same cores */
    size_t width, height;
    unsigned iters;
    double serial_median;
    hx_sched_result results[HX_SCHED_POLICY_COUNT];
} hx_sched_report;

/* Co-schedule on the first device of ts under every wanted policy (and the two alone).  A
 * failed verification is not an error status: hx_sched_check_verified() says it. */
int hx_sched_run(const hx_sched_config *c, hx_target_set *ts, hx_sched_report *rep);
int hx_sched_check_verified(const hx_sched_report *rep);
int hx_sched_write(FILE *out, hx_format fmt, const hx_sched_report *rep);

/* ---- the pure rules ------------------------------------------------------------------------- */

typedef struct hx_sched_range {
    size_t begin, end; /* rows [begin, end) */
} hx_sched_range;

/* The device's one range: every row (device-only), the first round(split x height) (static),
 * none otherwise (the dynamic policies claim). */
hx_sched_range hx_sched_device_rows(hx_sched_policy p, double split, size_t height);
/* Host thread slot's equal block of [begin, end) among n threads (static). */
hx_sched_range hx_sched_host_block(size_t begin, size_t end, unsigned slot, unsigned n);
/* The chunk claimed at row: [row, min(row + chunk, height)), empty when row >= height. */
hx_sched_range hx_sched_chunk(uint32_t row, uint32_t chunk, uint32_t height);
/* Which policies run: the wanted ones plus device-only and host-only; dynamic-svm only when the
 * device has SVM atomics (svm_ok).  False when dynamic-svm was the only one wanted and cannot
 * run (the caller then fails naming what the device lacks); *svm_skipped when it was dropped. */
bool hx_sched_policies_to_run(const bool want[HX_SCHED_POLICY_COUNT], bool svm_ok,
                              bool run[HX_SCHED_POLICY_COUNT], bool *svm_skipped);
/* Speedups of every policy that ran: over the serial median, and over the faster of
 * device-only and host-only. */
void hx_sched_speedups(hx_sched_result rs[HX_SCHED_POLICY_COUNT], double serial_median);

/* ---- --svm-stress --------------------------------------------------------------------------- */

/* One stress run's random choices, drawn from (seed, i). */
typedef struct hx_sched_stress_case {
    uint64_t size;       /* input values, 1 .. 2^18 */
    double bins;         /* 1 .. 4096 (often 1..3: the most contended) */
    double device_share; /* 0 .. 1 in steps of 0.01, the edges 0 and 1 often */
    int threads;         /* host threads, 1 .. 4 */
    size_t mode;         /* index into the device's memory modes, < nmodes */
} hx_sched_stress_case;

void hx_sched_stress_case_of(uint64_t seed, uint64_t i, size_t nmodes, hx_sched_stress_case *k);

typedef struct hx_sched_stress_report {
    char device[256];
    uint64_t runs, seed, updates;
    double seconds;
} hx_sched_stress_report;

/* runs runs of histogram-coop on the shared SVM bins of ts's first device, each held to the
 * serial counts: a lost or doubled atomic update fails with the run that showed it. */
int hx_sched_svm_stress(uint64_t runs, uint64_t seed, hx_target_set *ts,
                        hx_sched_stress_report *rep);
void hx_sched_stress_write(FILE *out, hx_format fmt, const hx_sched_stress_report *rep);

#endif
