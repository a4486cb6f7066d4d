/*
 * runner.h - `hetero run`'s plan: every chosen workload on every chosen backend and device.
 *
 * Per workload: set up the inputs, run serial (the reference and the baseline), then each other
 * backend the workload has, on each opened device and memory mode, and each communication
 * pattern of its distributed body on the ranks of an MPI job; a backend the workload lacks
 * is a skipped row with its reason when it was asked for by name.  Rows accumulate in an
 * hx_rows list for the report writers.
 */
#ifndef HETERO_ENGINE_RUNNER_H
#define HETERO_ENGINE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "hetero/engine/measure.h"

#define HX_ROWS_MAX_SKIPS 64

/* The rows of a command and the backends that did not run. */
typedef struct hx_rows {
    hx_result *rows;
    size_t n, cap;
    hx_skip skips[HX_ROWS_MAX_SKIPS];
    size_t nskips;
} hx_rows;

/* A new zeroed row at the end (NULL when out of memory, with the error recorded). */
hx_result *hx_rows_add(hx_rows *rs);
void hx_rows_skip(hx_rows *rs, const hx_workload *w, hx_backend b, const char *reason);
void hx_rows_free(hx_rows *rs);
/* Every failed verification as one line naming the rows: HX_ERR_RUNTIME if any, else HX_OK. */
int hx_rows_check_verified(const hx_rows *rs);

/* One workload's part of the plan. */
typedef struct hx_run_item {
    const hx_workload *workload;
    uint64_t size;
    double params[HX_MAX_PARAMS];
    bool variants[HX_MAX_VARIANTS]; /* the variants simd and omp-simd run in, a row each */
    hx_measure_opts opts;
} hx_run_item;

typedef struct hx_run_plan {
    const hx_run_item *items;
    size_t nitems;
    bool want[HX_BACKEND_COUNT];  /* the backends to run (serial always runs) */
    bool named[HX_BACKEND_COUNT]; /* asked for by name: a workload lacking one gets a skip row */
    int threads;
    uint64_t seed;
    const hx_mpi_spec *mpi; /* the mpi rows' ranks and options (NULL: every rank, defaults) */
} hx_run_plan;

/* Run the plan on the opened targets, appending to rows.  A runtime failure stops the plan. */
int hx_run_plan_execute(const hx_run_plan *plan, hx_target_set *ts, hx_rows *rows);

#endif
