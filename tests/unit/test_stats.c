/*
 * test_stats.c - median/min/max/mean/stddev, quantiles, cv and the median's 95% interval on
 * samples with known answers (the interval's ranks against the binomial tables).
 */

#include "hetero/core/stats.h"
#include "hx_test.h"

static void odd_count_median_is_middle_value(void **state) {
    (void)state;
    double s[] = {5.0, 1.0, 3.0, 9.0, 7.0};
    hx_stats st = hx_stats_of(s, 5);
    assert_int_equal(st.n, 5);
    assert_near(st.median, 5.0, 0.0);
    assert_near(st.min, 1.0, 0.0);
    assert_near(st.max, 9.0, 0.0);
    assert_near(st.mean, 5.0, 1e-15);
    assert_near(st.stddev, sqrt(10.0), 1e-12); /* sample stddev of 1,3,5,7,9 */
    assert_near(s[0], 5.0, 0.0);               /* input order kept */
}

static void even_count_median_averages_the_middle_pair(void **state) {
    (void)state;
    double s[] = {4.0, 1.0, 2.0, 3.0};
    hx_stats st = hx_stats_of(s, 4);
    assert_near(st.median, 2.5, 0.0);
}

static void one_sample_has_zero_spread(void **state) {
    (void)state;
    double s[] = {0.25};
    hx_stats st = hx_stats_of(s, 1);
    assert_near(st.median, 0.25, 0.0);
    assert_near(st.min, 0.25, 0.0);
    assert_near(st.max, 0.25, 0.0);
    assert_near(st.stddev, 0.0, 0.0);
}

static void no_samples_gives_zeros(void **state) {
    (void)state;
    hx_stats st = hx_stats_of(NULL, 0);
    assert_int_equal(st.n, 0);
    assert_near(st.median, 0.0, 0.0);
}

static void quantiles_interpolate(void **state) {
    (void)state;
    double s[] = {10, 20, 30, 40, 50};
    assert_near(hx_quantile(s, 5, 0.0), 10.0, 0.0);
    assert_near(hx_quantile(s, 5, 1.0), 50.0, 0.0);
    assert_near(hx_quantile(s, 5, 0.25), 20.0, 1e-12);
    assert_near(hx_quantile(s, 5, 0.99), 49.6, 1e-9);
}

/* The ranks of the order-statistic interval, 1-indexed in the tables: n = 6: x(1)..x(6);
 * n = 10: x(2)..x(9); n = 20: x(6)..x(15); n = 100: x(40)..x(61). */
static void median_interval_ranks_match_the_binomial_tables(void **state) {
    (void)state;
    static const struct {
        size_t n, lo, hi; /* 0-indexed */
    } cases[] = {{6, 0, 5}, {10, 1, 8}, {20, 5, 14}, {100, 39, 60}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t lo = 99, hi = 99;
        assert_true(hx_median_ci_ranks(cases[i].n, 0.95, &lo, &hi));
        assert_int_equal(lo, cases[i].lo);
        assert_int_equal(hi, cases[i].hi);
    }
    size_t lo, hi;
    assert_false(hx_median_ci_ranks(5, 0.95, &lo, &hi)); /* [min, max] covers only 93.75% */
    assert_false(hx_median_ci_ranks(1, 0.95, &lo, &hi));
    /* large n: no underflow, and the half-width is about 1.96 sqrt(n) / 2 ranks */
    assert_true(hx_median_ci_ranks(10000, 0.95, &lo, &hi));
    assert_in_range(lo, 4895, 4905);
    assert_int_equal(hi, 10000 - 1 - lo);
}

static void stats_carry_the_interval_and_cv(void **state) {
    (void)state;
    double s[10] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
    hx_stats st = hx_stats_of(s, 10);
    assert_true(st.has_ci);
    assert_near(st.ci_lo, 2.0, 0.0); /* x(2) */
    assert_near(st.ci_hi, 9.0, 0.0); /* x(9) */
    assert_near(hx_stats_ci_rel(&st), (9.0 - 2.0) / 2.0 / 5.5, 1e-12);
    assert_near(st.cv, st.stddev / st.mean, 1e-15);
    hx_stats few = hx_stats_of(s, 5);
    assert_false(few.has_ci);
    assert_true(isnan(few.ci_lo) && isnan(few.ci_hi));
    assert_true(isnan(hx_stats_ci_rel(&few)));
    hx_stats one = hx_stats_of(s, 1);
    assert_true(isnan(one.cv));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(odd_count_median_is_middle_value),
        cmocka_unit_test(even_count_median_averages_the_middle_pair),
        cmocka_unit_test(one_sample_has_zero_spread),
        cmocka_unit_test(no_samples_gives_zeros),
        cmocka_unit_test(quantiles_interpolate),
        cmocka_unit_test(median_interval_ranks_match_the_binomial_tables),
        cmocka_unit_test(stats_carry_the_interval_and_cv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
