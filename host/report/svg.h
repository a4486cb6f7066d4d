/*
 * svg.h - the small SVG plotter of the HTML report (private to host/report/).
 *
 * A plot is a frame with two axes (linear or log10), ticks with readable labels, a legend, and
 * marks: series as polylines with a circle per point (each circle carries a <title> tooltip),
 * reference lines (ideal speedup, roofline ceilings) and horizontal bars.  Every data mark has
 * class "mark", which is what the page's check counts.
 */
#ifndef HETERO_REPORT_SVG_H
#define HETERO_REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct svg_axis {
    double lo, hi; /* data range shown */
    bool log;      /* log10 scale */
    const char *label;
} svg_axis;

typedef struct svg_plot {
    FILE *out;
    double width, height;            /* the whole picture, px */
    double left, right, top, bottom; /* margins around the frame */
    svg_axis x, y;
    bool no_y_ticks; /* bar charts label their rows instead */
    int legend_items;
} svg_plot;

/* The colour of series i (a fixed, colour-blind-safe cycle). */
const char *svg_colour(size_t i);

/* Grow [*lo, *hi] to hold v (finite and, on a log axis, positive values only). */
void svg_extend(double *lo, double *hi, double v, bool log);
/* Pad a data range to a nice one: whole decades on a log axis, 5% and zero-based on request. */
void svg_nice_range(svg_axis *a, bool from_zero);

/* Open the <svg> with its title, frame, grid, ticks and axis labels. */
void svg_begin(svg_plot *p, const char *title);
void svg_end(svg_plot *p);

/* A series of n points: a polyline (when n > 1) and a circle per point with tooltip[i]. */
void svg_series(svg_plot *p, const char *name, size_t colour, const double *x, const double *y,
                const char *const *tooltip, size_t n);
/* The same without the polyline: a scatter of points (the roofline's rows). */
void svg_points(svg_plot *p, const char *name, size_t colour, const double *x, const double *y,
                const char *const *tooltip, size_t n);
/* A straight dashed reference segment from (x0, y0) to (x1, y1), with a label at its end. */
void svg_line(svg_plot *p, double x0, double y0, double x1, double y1, const char *label,
              const char *colour);
/* A function y = f(x) drawn dashed over [x0, x1] (the fitted law), as a reference. */
void svg_curve(svg_plot *p, double (*f)(double x, const void *ctx), const void *ctx, double x0,
               double x1, const char *label, size_t colour);

/* Horizontal bars: labels[i] with value[i] on a linear axis from 0; one mark per bar. */
void svg_bars(FILE *out, const char *title, const char *axis_label, const char *const *labels,
              const double *value, const char *const *tooltip, size_t n, double reference);

/* Text escaped for HTML/SVG (&, <, >, "). */
void svg_text(FILE *out, const char *s);

#endif
