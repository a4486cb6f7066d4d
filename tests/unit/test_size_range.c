/*
 * test_size_range.c - geometric size ranges for `hetero scale --sizes`, valid and invalid.
 */
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hx_test.h"

static void factor_two_is_the_default(void **state) {
    (void)state;
    uint64_t v[64];
    size_t n;
    assert_int_equal(hx_parse_size_range("--sizes", "4K..64K", 1, UINT64_MAX, v, 64, &n), HX_OK);
    assert_int_equal(n, 5);
    const uint64_t want[] = {4096, 8192, 16384, 32768, 65536};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(v[i], want[i]);
}

static void factor_four_and_an_end_off_the_ladder(void **state) {
    (void)state;
    uint64_t v[64];
    size_t n;
    assert_int_equal(hx_parse_size_range("--sizes", "4K..256M*4", 1, UINT64_MAX, v, 64, &n), HX_OK);
    assert_int_equal(n, 9); /* 4K 16K 64K 256K 1M 4M 16M 64M 256M */
    assert_int_equal(v[0], 4096);
    assert_int_equal(v[8], (uint64_t)256 << 20);
    /* 100 is not on the ladder 1, 4, 16, 64: the range stops at the last size <= 100 */
    assert_int_equal(hx_parse_size_range("--sizes", "1..100*4", 1, UINT64_MAX, v, 64, &n), HX_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[3], 64);
    /* a single size */
    assert_int_equal(hx_parse_size_range("--sizes", "1M..1M", 1, UINT64_MAX, v, 64, &n), HX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0], 1 << 20);
}

static void the_top_of_the_range_does_not_overflow(void **state) {
    (void)state;
    uint64_t v[80];
    size_t n;
    assert_int_equal(hx_parse_size_range("--sizes", "1G..8G*16", 1, UINT64_MAX, v, 80, &n), HX_OK);
    assert_int_equal(n, 1);
}

static void bad_ranges_are_usage_errors_that_quote_the_text(void **state) {
    (void)state;
    const char *bad[] = {"",         "4K",        "..4K",   "4K..",    "64K..4K", "4K..1M*1",
                         "4K..1M*x", "4K..1M*17", "4X..1M", "4K...1M", "-1..4K",  "4K..1M*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v[64];
        size_t n = 99;
        hx_error_clear();
        int s = hx_parse_size_range("--sizes", bad[i], 1, UINT64_MAX, v, 64, &n);
        if (s != HX_ERR_USAGE)
            print_error("'%s' gave %d\n", bad[i], s);
        assert_int_equal(s, HX_ERR_USAGE);
        assert_contains(hx_error_message(), "--sizes");
        assert_int_equal(n, 0);
    }
    hx_error_clear();
    uint64_t v[64];
    size_t n;
    assert_int_equal(hx_parse_size_range("--sizes", "64K..4K", 1, UINT64_MAX, v, 64, &n),
                     HX_ERR_USAGE);
    assert_contains(hx_error_message(), "backwards");
    assert_contains(hx_error_message(), "A..B*F");
}

static void limits_and_capacity_are_enforced(void **state) {
    (void)state;
    uint64_t v[4];
    size_t n;
    assert_int_equal(hx_parse_size_range("--sizes", "1..1M", 1, 1000, v, 4, &n), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "out of range");
    assert_int_equal(hx_parse_size_range("--sizes", "1..1K", 1, UINT64_MAX, v, 4, &n),
                     HX_ERR_USAGE);
    assert_contains(hx_error_message(), "more than 4 sizes");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(factor_two_is_the_default),
        cmocka_unit_test(factor_four_and_an_end_off_the_ladder),
        cmocka_unit_test(the_top_of_the_range_does_not_overflow),
        cmocka_unit_test(bad_ranges_are_usage_errors_that_quote_the_text),
        cmocka_unit_test(limits_and_capacity_are_enforced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
