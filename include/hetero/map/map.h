/*
 * map.h - hetero map: mapping policies compared on irregular tasks, and the granularity sweep.
 *
 * hx_map_bench() times the serial reference (every task on one thread: the baseline of the
 * speedups, and the output every run is verified against), then each chosen policy: --warmup
 * untimed runs and --reps timed ones, each verified.  A policy's figures come from its run with
 * the median makespan (so the per-worker counts and the timeline belong to one real run), and the
 * makespan's min and max across the reps are reported beside it.
 *
 * hx_map_sweep() does the same for a list of chunk sizes under dynamic and manager-worker: the
 * U-shaped curve between overhead (small chunks) and imbalance (large chunks), with the best
 * chunk of each policy marked.
 *
 * Writers: a table, CSV or JSON (schema hetero.map/1 and hetero.map-sweep/1, docs/json.md), the
 * timeline (--gantt: intervals as CSV, figures as PNG and SVG through gnuplot) and the sweep's
 * figure.
 */
#ifndef HETERO_MAP_MAP_H
#define HETERO_MAP_MAP_H

#include <stdbool.h>
#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/core/stats.h"
#include "hetero/map/policy.h"
#include "hetero/map/source.h"

#define HX_MAP_SCHEMA       "hetero.map/1"
#define HX_MAP_SWEEP_SCHEMA "hetero.map-sweep/1"
#define HX_MAP_MAX_CHUNKS   32

typedef struct hx_map_bench_config {
    hx_map_config run;
    bool want[HX_MAP_POLICY_COUNT];
    int reps, warmup;
} hx_map_bench_config;

typedef struct hx_map_result {
    hx_map_policy policy;
    uint64_t chunk;
    hx_stats makespan;
    double speedup, efficiency, imbalance, idle_frac, overhead_ns;
    bool verified; /* every run verified */
    hx_map_check check;
    hx_map_run run; /* the median run */
} hx_map_result;

typedef struct hx_map_report {
    const hx_map_source *src;
    hx_map_bench_config cfg;
    hx_stats serial;
    double timer_ns;
    hx_map_result *results;
    size_t n;
} hx_map_report;

/* Serial reference, then every wanted policy; a failed verification is HX_ERR_RUNTIME, after
 * every policy has run (the report then shows which). */
int hx_map_bench(hx_map_source *s, const hx_map_bench_config *c, hx_map_report *out);
void hx_map_report_free(hx_map_report *r);

int hx_map_write(FILE *out, hx_format fmt, const hx_map_report *r);

/* base (a trailing .svg, .png or .csv is dropped): base.csv (every interval), base.png and
 * base.svg (one panel per policy, one lane per worker, boxes coloured by cost per task). */
int hx_map_gantt(const hx_map_report *r, const char *base);

typedef struct hx_map_sweep {
    const hx_map_source *src;
    hx_map_bench_config cfg;
    hx_stats serial;
    double timer_ns;
    uint64_t chunks[HX_MAP_MAX_CHUNKS];
    size_t nchunks;
    hx_map_policy policies[2];
    hx_map_result cells[2][HX_MAP_MAX_CHUNKS];
    size_t best[2]; /* index of each policy's chunk with the lowest median makespan */
} hx_map_sweep;

int hx_map_sweep_run(hx_map_source *s, const hx_map_bench_config *c, const uint64_t *chunks,
                     size_t nchunks, hx_map_sweep *out);
void hx_map_sweep_free(hx_map_sweep *sw);
int hx_map_sweep_write(FILE *out, hx_format fmt, const hx_map_sweep *sw);
/* The U-curve: makespan and overhead per task against chunk size, best chunk marked. */
int hx_map_sweep_plot(const hx_map_sweep *sw, const char *path);

#endif
