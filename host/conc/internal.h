/*
 * internal.h - what the files of host/conc/ share and nothing outside needs: the row builder,
 * the summary of timing samples, progress lines, and one runner per sub-benchmark.
 */
#ifndef HETERO_CONC_INTERNAL_H
#define HETERO_CONC_INTERNAL_H

#include <stddef.h>

#include "hetero/conc/conc.h"

/* A new row of bench named name, its doubles NaN, ok true; NULL (with hx_fail) when out of
 * memory. */
hx_conc_row *hx_conc_row_add(hx_conc_report *r, hx_conc_bench bench, const char *name);

/* samples, us_min, us_median, us_max from n per-operation costs in microseconds. */
void hx_conc_row_costs(hx_conc_row *row, const double *us, size_t n);

/* "hetero conc: <text>" on stderr when the configuration asks for progress. */
void hx_conc_progress(const hx_conc_config *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int hx_conc_run_create(const hx_conc_config *c, hx_conc_report *r);
int hx_conc_run_switch(const hx_conc_config *c, hx_conc_report *r);
int hx_conc_run_ipc(const hx_conc_config *c, hx_conc_report *r);
int hx_conc_run_sync(const hx_conc_config *c, hx_conc_report *r);
int hx_conc_run_false_sharing(const hx_conc_config *c, hx_conc_report *r);
int hx_conc_run_gil(const hx_conc_config *c, hx_conc_report *r);
int hx_conc_run_crash(const hx_conc_config *c, hx_conc_report *r);

#endif
