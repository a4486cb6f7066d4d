/*
 * stats.c - median, min, max, mean and standard deviation of timing samples.
 *
 * Samples are copied and sorted (n is small: tens of repetitions), so the caller's order is kept.
 */
#include "hetero/core/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorted copy of samples, or NULL on allocation failure. */
static double *sorted_copy(const double *samples, size_t n) {
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, samples, n * sizeof *s);
    qsort(s, n, sizeof *s, compare_doubles);
    return s;
}

static double quantile_sorted(const double *s, size_t n, double q) {
    if (q <= 0.0)
        return s[0];
    if (q >= 1.0)
        return s[n - 1];
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    double frac = pos - (double)lo;
    if (lo + 1 >= n)
        return s[n - 1];
    return s[lo] + frac * (s[lo + 1] - s[lo]);
}

double hx_quantile(const double *samples, size_t n, double q) {
    if (n == 0)
        return 0.0;
    double *s = sorted_copy(samples, n);
    if (!s)
        return NAN;
    double v = quantile_sorted(s, n, q);
    free(s);
    return v;
}

hx_stats hx_stats_of(const double *samples, size_t n) {
    hx_stats st = {0};
    if (n == 0)
        return st;
    double *s = sorted_copy(samples, n);
    if (!s) {
        st.median = st.min = st.max = st.mean = st.stddev = NAN;
        return st;
    }
    st.n = n;
    st.min = s[0];
    st.max = s[n - 1];
    st.median = quantile_sorted(s, n, 0.5);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    st.mean = sum / (double)n;
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (s[i] - st.mean) * (s[i] - st.mean);
    st.stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0.0;
    free(s);
    return st;
}
