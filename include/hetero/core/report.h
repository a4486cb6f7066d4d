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
    const char *variant; /* the workload's algorithm variant (run --variant), or NULL */
    const char *flynn;
    char device[256]; /* the CPU brand or the device name */
    char mem[16];     /* memory mode of opencl rows, "" elsewhere */
    uint64_t size;
    int threads; /* host threads used (1 for serial/simd) */
    int reps, warmup;
    unsigned pe;   /* processing elements, for efficiency */
    hx_stats time; /* the main time: kernel time for device rows */
    bool has_e2e;
    hx_stats e2e;        /* device rows: including host<->device transfers */
    double bytes, flops; /* per run, from the workload's cost model */
    double speedup, efficiency, gbps, gflops;
    bool verified;
    double max_rel_err, tolerance;
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
/* "key": {"median": .., "min": .., "max": ..} */
void hx_json_kv_stats(hx_json *j, const char *key, const hx_stats *s);

int hx_report_write(FILE *out, hx_format fmt, const hx_host_info *host, const hx_result *rs,
                    size_t n, const hx_skip *skips, size_t nskips);

#endif
