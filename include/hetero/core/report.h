/*
 * report.h - the result record of `hetero run` and its three writers (table, CSV, JSON).
 *
 * One record per (workload, backend, variant, device, size, threads, mem).  Derived figures
 * (speedup, efficiency, GB/s, GFLOP/s) are computed once, in hx_result_derive(), from the
 * workload's cost model and the measured median: writers only format.  docs/json.md documents the
 * JSON schema "hetero.run/1"; the CSV has the same fields flattened, one header row.
 */
#ifndef HETERO_REPORT_H
#define HETERO_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hetero/core/json.h"
#include "hetero/core/output.h"
#include "hetero/core/stats.h"

#define HX_RUN_SCHEMA "hetero.run/1"

typedef struct hx_result {
    const char *workload;
    const char *backend;
    const char *flynn;
    char device[256]; /* the CPU brand or the device name */
    char mem[16];     /* memory mode of opencl rows, "" elsewhere */
    uint64_t size;
    int threads;      /* host threads used (1 for serial/simd); per rank on mpi rows */
    int ranks;        /* processes: the ranks of an mpi row, 1 elsewhere */
    /* The row's variant, "" for none: the algorithm variant of simd/omp-simd rows of a workload
     * that has variants (run --variant), the communication pattern of mpi rows ("allreduce", ...). */
    char variant[16];
    int reps, warmup;
    unsigned pe;   /* processing elements, for efficiency */
    hx_stats time; /* the main time: kernel time for device rows */
    bool has_e2e;
    hx_stats e2e;        /* device rows: including host<->device transfers */
    double bytes, flops; /* per run, from the workload's cost model */
    double speedup, efficiency, gbps, gflops;
    bool verified;
    double max_rel_err, tolerance;
    /* The ceiling pct_peak (an extra) is put against: "L1".."L3", "DRAM", "fp32"; "" without. */
    char ceiling[8];
    /* How the repetitions were decided (engine/measure.h) and what the machine did meanwhile. */
    bool adaptive;    /* --min-time/--max-time/--target-ci decided reps; false: --reps fixed it */
    double target_ci; /* adaptive: the half-width aimed at, relative to the median */
    bool ci_reached;  /* the 95% interval's half-width came within target_ci */
    const char *stop; /* why the runs stopped: "reps", "ci", "max-time", "max-reps" */
    bool noisy;       /* other programs or the hypervisor took CPU while it ran (noise.h) */
    double noise_foreign, noise_steal; /* the shares of the machine they took */
    /* Optional extra figures a workload or mode adds (name -> value), shown in JSON. */
    struct {
        const char *name;
        double value;
    } extra[8];
    int nextra;
} hx_result;

/* A backend that did not run, and why (clpeak's habit: every row has a status). */
typedef struct hx_skip {
    const char *workload;
    const char *backend;
    char reason[192];
} hx_skip;

typedef struct hx_host_info {
    char cpu[64];
    int cores;
    const char *simd;
} hx_host_info;

void hx_host_info_get(hx_host_info *h);

/* speedup/efficiency against the serial median; GB/s and GFLOP/s from bytes/flops. */
void hx_result_derive(hx_result *r, double serial_median);

/* Add an extra figure to r (ignored past the capacity). */
void hx_result_extra(hx_result *r, const char *name, double value);

/* Shared by every command's writers. */
/* Seconds in the unit that keeps 3-4 significant digits readable ("11.476 ms"); "-" if not finite.
 */
void hx_format_seconds(char *buf, size_t len, double s);
/* v with printf format fmt, or "-" when v is not finite. */
void hx_format_number(char *buf, size_t len, double v, const char *fmt);
/* ",<v>" with 9 significant digits, or "," (an empty CSV field) when v is not finite. */
void hx_csv_number(FILE *out, double v);
/* "host": {"cpu": .., "cores": .., "simd": ..}, the block every report opens with */
void hx_json_kv_host(hx_json *j, const hx_host_info *host);
/* "key": {"median": .., "min": .., "max": ..} */
void hx_json_kv_stats(hx_json *j, const char *key, const hx_stats *s);

/* How far a row's figure can be trusted, for every writer of rows:
 *   JSON  "cv", "ci95_s": [lo, hi] (null with fewer than 6 runs), "noisy", "noise":
 *         {"foreign", "steal"}, "repetitions": {"rule", "target_ci", "reached", "stop"};
 *   table the median with "~" in front when noisy, and "±2.1%" (half the interval, relative). */
void hx_json_kv_spread(hx_json *j, const hx_result *r);
void hx_format_median(char *buf, size_t len, const hx_result *r);
void hx_format_ci(char *buf, size_t len, const hx_stats *s);
/* The CSV columns of the same: ",cv,ci95_lo_s,ci95_hi_s,noisy,rule,ci_reached" and the values. */
#define HX_CSV_SPREAD_HEADER "cv,ci95_lo_s,ci95_hi_s,noisy,reps_rule,ci_reached"
void hx_csv_spread(FILE *out, const hx_result *r);
/* The table footer's lines about repetitions and noise, for the rows rs[0..n). */
void hx_report_footer_reps(FILE *out, const hx_result *rs, size_t n);

/* A device or CPU name short enough for a table column (at most max columns): vendor marks,
 * clock and core-count suffixes and PoCL's "pthread-ARCH-" prefix dropped ("AMD EPYC 7763
 * 64-Core Processor" -> "AMD EPYC 7763", "pthread-skylake-avx512-AMD EPYC" -> "PoCL AMD EPYC"),
 * then cut with "..".  Returns buf. */
const char *hx_device_short(const char *name, char *buf, size_t len, size_t max);

/* What the table writer of `hetero run` is asked for beyond the rows. */
typedef struct hx_run_table_opts {
    bool wide;            /* full device names */
    bool show_cuda_skips; /* list skipped cuda rows (--verbose, or NVIDIA hardware present) */
} hx_run_table_opts;

/* opts may be NULL (short names, every skip listed). */
int hx_report_write(FILE *out, hx_format fmt, const hx_host_info *host, const hx_result *rs,
                    size_t n, const hx_skip *skips, size_t nskips, const hx_run_table_opts *opts);

#endif
