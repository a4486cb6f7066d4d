/*
 * stats.c - median, min, max, mean, standard deviation, cv and the median's 95% interval.
 *
 * Samples are copied and sorted (n is small: tens to thousands of repetitions), so the caller's
 * order is kept.  The interval's ranks come from the binomial distribution with p = 1/2, summed in
 * log space so that n in the thousands neither underflows nor loses the tail.
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

bool hx_median_ci_ranks(size_t n, double level, size_t *lo_index, size_t *hi_index) {
    double alpha = 1.0 - level;
    /* the largest k with 2 P(B <= k-1) <= alpha; P(B = j) = C(n, j) / 2^n */
    double log_half_n = (double)n * log(0.5), lg_n1 = lgamma((double)n + 1.0);
    double cdf = 0.0;
    size_t k = 0;
    for (size_t j = 0; j <= n / 2; j++) {
        cdf += exp(lg_n1 - lgamma((double)j + 1.0) - lgamma((double)(n - j) + 1.0) + log_half_n);
        if (2.0 * cdf > alpha)
            break;
        k = j + 1;
    }
    if (k == 0)
        return false;
    *lo_index = k - 1;
    *hi_index = n - k;
    return true;
}

double hx_stats_ci_rel(const hx_stats *s) {
    if (!s->has_ci || !(s->median > 0))
        return NAN;
    return (s->ci_hi - s->ci_lo) / 2.0 / s->median;
}

hx_stats hx_stats_of(const double *samples, size_t n) {
    hx_stats st = {0};
    st.cv = st.ci_lo = st.ci_hi = NAN;
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
    if (n > 1 && st.mean > 0)
        st.cv = st.stddev / st.mean;
    size_t lo, hi;
    if (hx_median_ci_ranks(n, 0.95, &lo, &hi)) {
        st.has_ci = true;
        st.ci_lo = s[lo];
        st.ci_hi = s[hi];
    }
    free(s);
    return st;
}
