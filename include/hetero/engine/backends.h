/*
 * backends.h - the engine's backend table: how the measuring loop runs each backend.
 *
 * Every backend is one table entry of four steps, so the loop in measure.c is the same for all
 * and a new backend is one file (host/engine/backend_NAME.c) plus one line in the table
 * (host/engine/backends.c) and its name in core/backend_list.h; the workloads then give it
 * bodies.
 *
 *     describe   fill the row's identity: device, memory mode, threads, processing elements
 *     open       make what the timed runs need (jobs, device memory), once per row
 *     run        one run into run->out; returns the main time and, for devices, end to end
 *     finish     after the runs: add the backend's own figures to the row (r != NULL only when
 *                every run succeeded) and release what open made
 *     share      (distributed backends) after verification on rank 0: the verdict to every rank
 */
#ifndef HETERO_ENGINE_BACKENDS_H
#define HETERO_ENGINE_BACKENDS_H

#include <stdbool.h>

#include "hetero/engine/measure.h"

/* One row in progress. */
typedef struct hx_backend_run {
    hx_instance *in;
    hx_backend backend;
    const hx_target *target;
    const hx_measure_opts *opts;
    void *out;     /* where the runs write: in->ref for serial, in->out otherwise */
    void *state;   /* the backend's own, made by open */
    int reps_done; /* timed runs made, known at finish (adaptive rows choose their count) */
} hx_backend_run;

typedef struct hx_backend_ops {
    bool has_e2e;     /* its rows report an end-to-end time beside the main one */
    bool fixed_reps;  /* its rows always get the fixed count (measure.h): mpi's ranks run in step */
    bool distributed; /* every rank of an MPI job runs its rows (the others run on rank 0) */
    /* Whether workload w has a body for backend b. */
    bool (*has)(const hx_workload *w, hx_backend b);
    int (*describe)(const hx_instance *in, hx_backend b, const hx_target *t, hx_result *r);
    int (*open)(hx_backend_run *run);
    int (*run)(hx_backend_run *run, double *main_s, double *e2e_s);
    int (*finish)(hx_backend_run *run, hx_result *r);
    /* distributed backends, after verification: rank 0's verdict in r reaches every rank */
    int (*share)(hx_result *r);
} hx_backend_ops;

/* The entry of backend b, or NULL when this build lacks it. */
const hx_backend_ops *hx_backend_ops_of(hx_backend b);

/* Whether workload w runs on backend b in this build. */
bool hx_workload_has(const hx_workload *w, hx_backend b);

/* The backends' entries (one file each). */
extern const hx_backend_ops hx_backend_cpu;    /* serial, simd, omp, omp-simd, threads, blas */
extern const hx_backend_ops hx_backend_opencl; /* backend_opencl.c */
extern const hx_backend_ops hx_backend_cuda;   /* backend_cuda.c, builds with nvcc */
extern const hx_backend_ops hx_backend_mpi;    /* backend_mpi.c, builds with MPI */

#endif
