/*
 * internal.h - the co-scheduler's state, shared by its own files only.
 *
 * sched_ctx is one co-scheduling session: the mandelbrot problem, the device (borrowed from the
 * command's target set) and what the policies need on it (the two kernels, the device image, the
 * SVM image and counters).  sched_run is one run of one policy, shared by its threads: the
 * shared counter and, per thread, the slot only that thread writes.
 */
#ifndef HETERO_SCHED_INTERNAL_H
#define HETERO_SCHED_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/core/parse.h"
#include "hetero/engine/measure.h"
#include "hetero/ocl/ocl.h"
#include "hetero/sched/sched.h"
#include "hetero/workloads/mandelbrot.h"
#include "hetero/workloads/mandelbrot_device.h"

typedef struct sched_ctx {
    const hx_sched_config *c;
    hx_instance in;
    bool have_instance;
    hx_mandelbrot_geometry g;
    hx_ocl_session *session; /* the target set's: the queue is used by one thread at a time */
    const hx_ocl_device *dev;
    hx_mandelbrot_device rows;      /* kernels/mandelbrot.cl: chunks of rows (workloads) */
    cl_kernel persist_kernel;       /* kernels/sched_mandelbrot.cl: persistent, SVM counter */
    uint32_t *svm_image;            /* fine-grain SVM image (dynamic-svm) */
    _Atomic uint32_t *svm_counters; /* [0] next row, [1] chunks the device took */
    size_t local;                   /* work-group size */
    size_t persist_groups;
} sched_ctx;

/* What one run measured (counts as doubles too, so that one median function serves all). */
typedef struct sched_sample {
    double wall;
    double dev_busy, host_busy;
    double dev_chunks, host_chunks, dev_rows, host_rows;
} sched_sample;

/* Shared by the threads of one run. */
typedef struct sched_run {
    sched_ctx *x;
    hx_sched_policy policy;
    uint32_t *image;        /* where rows go: host memory, or the SVM image */
    _Atomic uint32_t *next; /* the shared counter: next unclaimed row */
    _Atomic uint32_t host_counter;
    uint32_t chunk, height;
    unsigned host_threads;
    bool with_proxy;     /* thread 0 drives the device */
    hx_sched_range dev;  /* static and device-only: the device's one range */
    hx_sched_range host; /* static: the host's rows, split in equal blocks */
    /* results, each slot written by its own thread only */
    uint64_t chunks[HX_MAX_THREADS], rows[HX_MAX_THREADS];
    double busy[HX_MAX_THREADS];
    uint64_t dev_chunks, dev_rows;
    double dev_busy;
    char proxy_error[256];
} sched_run;

/* device.c: the kernels and images on the device, and their release */
int hx_sched_prepare_rows_kernel(sched_ctx *x);
int hx_sched_prepare_persist_kernel(sched_ctx *x);
void hx_sched_ctx_close(sched_ctx *x);

/* workers.c: one run of one policy into out (the full image) */
int hx_sched_run_once(sched_ctx *x, hx_sched_policy policy, uint32_t *out, sched_sample *s);

#endif
