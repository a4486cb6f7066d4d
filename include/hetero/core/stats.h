/*
 * stats.h - summaries of repeated timings.
 *
 * hetero reports the median (robust to the odd slow repetition caused by the OS) with the min
 * and max, so the spread is always visible next to the figure, and two measures of how far the
 * figure can be trusted: the coefficient of variation (stddev / mean) and a 95% confidence
 * interval of the median.  The interval is distribution-free, from order statistics: with n
 * samples sorted, the median lies between x(k) and x(n+1-k) with probability
 * 1 - 2 P(B <= k-1), B ~ Binomial(n, 1/2); k is the largest for which that is >= 95%.  Timings
 * are skewed (a floor and a long tail of interruptions), so no normal approximation is assumed.
 * Fewer than 6 samples cannot give 95% (n = 5 gives 93.75% for [min, max]): then there is no
 * interval.  Mean and standard deviation are kept for the fitting code that wants them.
 */
#ifndef HETERO_STATS_H
#define HETERO_STATS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hx_stats {
    size_t n;
    double median, min, max, mean, stddev;
    double cv;           /* stddev / mean; NAN for n < 2 */
    bool has_ci;         /* n >= HX_CI_MIN_SAMPLES */
    double ci_lo, ci_hi; /* 95% confidence interval of the median (NAN without one) */
} hx_stats;

/* The fewest samples that give a 95% interval of the median. */
#define HX_CI_MIN_SAMPLES 6

/* Summarise n samples (n >= 1; the input is not modified).  n == 0 gives all-zero stats. */
hx_stats hx_stats_of(const double *samples, size_t n);

/* Value at quantile q in [0,1] of n samples by linear interpolation between order statistics
 * (q = 0.5 is the median).  The input is not modified. */
double hx_quantile(const double *samples, size_t n, double q);

/* The order-statistic interval of the median of n sorted samples at confidence level (e.g.
 * 0.95): sorted[*lo_index] .. sorted[*hi_index].  Returns false when n is too small for it. */
bool hx_median_ci_ranks(size_t n, double level, size_t *lo_index, size_t *hi_index);

/* Half the interval's width relative to the median, e.g. 0.021 for +-2.1%; NAN without one. */
double hx_stats_ci_rel(const hx_stats *s);

#endif
