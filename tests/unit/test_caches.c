/*
 * test_caches.c - cache levels from sysfs, and which level a working set fits.
 */
#include "hetero/core/caches.h"
#include "hx_test.h"

static void fit_picks_the_smallest_level_that_holds_the_set(void **state) {
    (void)state;
    const hx_cache_level levels[] = {{1, 32 << 10}, {2, 512 << 10}, {3, 32 << 20}};
    assert_string_equal(hx_cache_fit(levels, 3, 1), "L1");
    assert_string_equal(hx_cache_fit(levels, 3, 32 << 10), "L1"); /* exactly full still fits */
    assert_string_equal(hx_cache_fit(levels, 3, (32 << 10) + 1), "L2");
    assert_string_equal(hx_cache_fit(levels, 3, 12.0 * (1 << 20)), "L3");
    assert_string_equal(hx_cache_fit(levels, 3, 33.0 * (1 << 20)), "DRAM");
    assert_string_equal(hx_cache_fit(levels, 0, 1), "DRAM"); /* nothing known */
}

static void sysfs_levels_are_data_caches_in_level_order(void **state) {
    (void)state;
    hx_cache_level levels[HX_MAX_CACHE_LEVELS];
    size_t n = hx_cache_levels(levels, HX_MAX_CACHE_LEVELS);
    /* a machine without sysfs cache information reports none; otherwise sizes grow with level */
    for (size_t i = 0; i < n; i++) {
        assert_true(levels[i].level >= 1 && levels[i].level <= 5);
        assert_true(levels[i].bytes >= 1024);
        if (i > 0) {
            assert_true(levels[i].level > levels[i - 1].level); /* instruction L1 left out */
            assert_true(levels[i].bytes > levels[i - 1].bytes);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit_picks_the_smallest_level_that_holds_the_set),
        cmocka_unit_test(sysfs_levels_are_data_caches_in_level_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
