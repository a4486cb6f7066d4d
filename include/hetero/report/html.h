/*
 * html.h - `hetero report RUN.json... -o report.html`: one self-contained page.
 *
 * The page holds everything it shows: inline CSS, inline SVG plots and a few lines of inline
 * script that check the page rendered (they count the tables and plots and the marks in each
 * plot and write the counts into <html data-rendered="...">, and record any script error or
 * blocked request in data-errors).  A Content-Security-Policy forbids every fetch, so the page
 * cannot depend on the network by accident: it opens the same on a laptop on a train.
 *
 * What it shows, per document given (in order):
 *   the machine   once, from the first document's provenance (CPU, ISA, kernel, OpenCL
 *                 platforms, OpenBLAS, governor, noise at start and end, build)
 *   hetero.run    the results table; speedup bars; a roofline (GFLOP/s against flops per byte,
 *                 log-log) with the ceilings of any `hetero devices --bench` document given
 *   hetero.scale  the points table; S(p) against p with the ideal and the fitted law (threads), or
 *                 GB/s or GFLOP/s against the working set (sizes)
 *   hetero.devices  the devices and their measured figures
 *   hetero.compare  the rows and verdicts
 *   other schemas  the document itself, pretty-printed
 */
#ifndef HETERO_REPORT_HTML_H
#define HETERO_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "hetero/report/doc.h"

/* Write the page for docs[0..n) (n >= 1) to out. */
int hx_html_report(FILE *out, const hx_doc *docs, size_t n);

#endif
