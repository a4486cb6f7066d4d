/*
 * report.h - the reports of a scaling sweep: table, CSV and JSON (schema "hetero.scale/2",
 * docs/scale.md), and the gnuplot figure.
 *
 * Writers only format what the sweep derived (scale.h, laws.h).  A figure that is no fit is
 * written as "no fit: REASON" in every format: in the table's fit lines and e(p) column, in the
 * CSV's karp_flatt_no_fit and fit_no_fit columns, and as the JSON strings `karp_flatt_no_fit`
 * and `no_fit` beside a null value.
 */
#ifndef HETERO_ANALYSIS_REPORT_H
#define HETERO_ANALYSIS_REPORT_H

#include <stdio.h>

#include "hetero/analysis/scale.h"
#include "hetero/core/output.h"
#include "hetero/core/plot.h"

/* The report in format fmt. */
int hx_scale_write(FILE *out, hx_format fmt, const hx_scale_config *c, const hx_scale_run *run);
int hx_scale_write_table(FILE *out, const hx_scale_config *c, const hx_scale_run *run);
int hx_scale_write_csv(FILE *out, const hx_scale_config *c, const hx_scale_run *run);
int hx_scale_write_json(FILE *out, const hx_scale_config *c, const hx_scale_run *run);

/* The gnuplot script of the figure, after the terminal and output lines.  Threads sweeps: S(p),
 * E(p) and e(p) against p, the points each law was fitted to filled, the oversubscribed ones
 * hollow and unconnected, each fit's curve or its "no fit" reason in the key.  Size sweeps: time
 * and GB/s (or GFLOP/s) against the working set, the cache sizes marked. */
void hx_scale_plot_script(FILE *f, const hx_scale_config *c, const hx_scale_run *run);
/* Draw the figure into path (.svg or .png) with gnuplot. */
int hx_scale_plot(const hx_scale_config *c, const hx_scale_run *run, const char *path);

#endif
