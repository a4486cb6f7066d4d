/*
 * test_parse.c - the strict value parsers: every accepted form and every rejected one.
 */
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hx_test.h"

static void sizes_accept_plain_and_binary_suffixes(void **state) {
    (void)state;
    uint64_t v;
    assert_int_equal(hx_parse_size("--size", "1000", 1, UINT64_MAX, &v), HX_OK);
    assert_int_equal(v, 1000);
    assert_int_equal(hx_parse_size("--size", "4K", 1, UINT64_MAX, &v), HX_OK);
    assert_int_equal(v, 4096);
    assert_int_equal(hx_parse_size("--size", "16m", 1, UINT64_MAX, &v), HX_OK);
    assert_int_equal(v, 16u << 20);
    assert_int_equal(hx_parse_size("--size", "2G", 1, UINT64_MAX, &v), HX_OK);
    assert_int_equal(v, 2ull << 30);
}

static void sizes_reject_junk_with_a_message_naming_it(void **state) {
    (void)state;
    const char *bad[] = {"", "-5", "abc", "12x", "4KB", " 4", "4 ", "1.5M", "+3", "K"};
    uint64_t v = 7;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hx_error_clear();
        assert_int_equal(hx_parse_size("--size", bad[i], 1, UINT64_MAX, &v), HX_ERR_USAGE);
        char quoted[32];
        snprintf(quoted, sizeof quoted, "'%s'", bad[i]);
        assert_contains(hx_error_message(), quoted);
        assert_contains(hx_error_message(), "--size");
    }
    assert_int_equal(v, 7); /* untouched on failure */
}

static void sizes_check_range_and_overflow(void **state) {
    (void)state;
    uint64_t v;
    assert_int_equal(hx_parse_size("--size", "0", 1, 100, &v), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "out of range");
    assert_contains(hx_error_message(), "1 to 100");
    assert_int_equal(hx_parse_size("--size", "101", 1, 100, &v), HX_ERR_USAGE);
    assert_int_equal(hx_parse_size("--size", "99999999999999999999", 1, UINT64_MAX, &v),
                     HX_ERR_USAGE);
    assert_int_equal(hx_parse_size("--size", "17179869184G", 1, UINT64_MAX, &v), HX_ERR_USAGE);
}

static void uints_reject_suffixes_and_signs(void **state) {
    (void)state;
    uint64_t v;
    assert_int_equal(hx_parse_uint("--reps", "10", 1, 100, &v), HX_OK);
    assert_int_equal(v, 10);
    assert_int_equal(hx_parse_uint("--reps", "0", 1, 100, &v), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "'0'");
    assert_int_equal(hx_parse_uint("--reps", "1K", 1, 100000, &v), HX_ERR_USAGE);
    assert_int_equal(hx_parse_uint("--reps", "-1", 1, 100, &v), HX_ERR_USAGE);
}

static void doubles_and_durations(void **state) {
    (void)state;
    double d;
    assert_int_equal(hx_parse_double("--split", "0.25", 0, 1, &d), HX_OK);
    assert_near(d, 0.25, 0);
    assert_int_equal(hx_parse_double("--split", "1.5", 0, 1, &d), HX_ERR_USAGE);
    assert_int_equal(hx_parse_double("--split", "nan", 0, 1, &d), HX_ERR_USAGE);
    assert_int_equal(hx_parse_double("--split", "0.5x", 0, 1, &d), HX_ERR_USAGE);
    assert_int_equal(hx_parse_duration("--duration", "3s", &d), HX_OK);
    assert_near(d, 3.0, 0);
    assert_int_equal(hx_parse_duration("--duration", "250ms", &d), HX_OK);
    assert_near(d, 0.25, 1e-15);
    assert_int_equal(hx_parse_duration("--duration", "2", &d), HX_OK);
    assert_near(d, 2.0, 0);
    assert_int_equal(hx_parse_duration("--duration", "3h", &d), HX_ERR_USAGE);
    assert_int_equal(hx_parse_duration("--duration", "0s", &d), HX_ERR_USAGE);
}

static void lists_split_and_reject_empty_items(void **state) {
    (void)state;
    uint64_t v[8];
    size_t n;
    assert_int_equal(hx_parse_size_list("--threads", "1,2,4", 1, 64, v, 8, &n), HX_OK);
    assert_int_equal(n, 3);
    assert_int_equal(v[2], 4);
    assert_int_equal(hx_parse_size_list("--threads", "1,,4", 1, 64, v, 8, &n), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "empty item");
    assert_int_equal(hx_parse_size_list("--threads", "1,2,", 1, 64, v, 8, &n), HX_ERR_USAGE);
    assert_int_equal(hx_parse_size_list("--threads", "1,2,3", 1, 64, v, 2, &n), HX_ERR_USAGE);
}

static void choices_list_the_accepted_words(void **state) {
    (void)state;
    hx_format f;
    assert_int_equal(hx_parse_format("json", &f), HX_OK);
    assert_int_equal(f, HX_FORMAT_JSON);
    assert_int_equal(hx_parse_format("xml", &f), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "'xml'");
    assert_contains(hx_error_message(), "table, csv, json");
}

static void bytes_are_formatted_in_binary_units(void **state) {
    (void)state;
    char b[32];
    assert_string_equal(hx_format_bytes(512, b, sizeof b), "512 B");
    assert_string_equal(hx_format_bytes(64ull << 20, b, sizeof b), "64 MiB");
    assert_string_equal(hx_format_bytes(1536, b, sizeof b), "1.5 KiB");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_accept_plain_and_binary_suffixes),
        cmocka_unit_test(sizes_reject_junk_with_a_message_naming_it),
        cmocka_unit_test(sizes_check_range_and_overflow),
        cmocka_unit_test(uints_reject_suffixes_and_signs),
        cmocka_unit_test(doubles_and_durations),
        cmocka_unit_test(lists_split_and_reject_empty_items),
        cmocka_unit_test(choices_list_the_accepted_words),
        cmocka_unit_test(bytes_are_formatted_in_binary_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
