/*
 * test_stats.c - median/min/max/mean/stddev and quantiles on samples with known answers.
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(odd_count_median_is_middle_value),
        cmocka_unit_test(even_count_median_averages_the_middle_pair),
        cmocka_unit_test(one_sample_has_zero_spread),
        cmocka_unit_test(no_samples_gives_zeros),
        cmocka_unit_test(quantiles_interpolate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
