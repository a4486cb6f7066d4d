/*
 * stats.h - summaries of repeated timings.
 *
 * hetero reports the median (robust to the odd slow repetition caused by the OS) with the min
 * and max, so the spread is always visible next to the figure.  Mean and standard deviation are
 * kept for the fitting code that wants them.
 */
#ifndef HETERO_STATS_H
#define HETERO_STATS_H

#include <stddef.h>

typedef struct hx_stats {
    size_t n;
    double median, min, max, mean, stddev;
} hx_stats;

/* Summarise n samples (n >= 1; the input is not modified).  n == 0 gives all-zero stats. */
hx_stats hx_stats_of(const double *samples, size_t n);

/* Value at quantile q in [0,1] of n samples by linear interpolation between order statistics
 * (q = 0.5 is the median).  The input is not modified. */
double hx_quantile(const double *samples, size_t n, double q);

#endif
