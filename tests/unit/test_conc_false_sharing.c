/*
 * test_conc_false_sharing.c - the false-sharing demo computes what it claims: every per-thread
 * counter reaches its count in both layouts, the OpenMP pi is right in all three, the line size
 * is a power of two.  (OpenMP: kept out of the ThreadSanitizer run, see the Makefile.)
 */
#include <math.h>

#include "hetero/conc/sync.h"
#include "hetero/core/error.h"
#include "hx_test.h"

static void the_line_size_is_a_power_of_two(void **state) {
    (void)state;
    const char *source = NULL;
    unsigned line = hx_conc_line_bytes(&source);
    assert_true(line >= 16 && line <= 4096);
    assert_int_equal(line & (line - 1), 0);
    assert_non_null(source);
    assert_true(strcmp(source, "hwloc") == 0 || strcmp(source, "sysconf") == 0 ||
                strcmp(source, "assumed") == 0);
}

static void counters_are_exact_packed_and_padded(void **state) {
    (void)state;
    unsigned line = hx_conc_line_bytes(NULL);
    for (unsigned threads = 1; threads <= 9; threads += 4)
        for (int padded = 0; padded <= 1; padded++) {
            hx_false_sharing fs;
            assert_int_equal(hx_conc_false_sharing(threads, 50000, line, padded, &fs), HX_OK);
            assert_true(fs.exact);
            assert_true(fs.seconds > 0);
        }
}

static void omp_pi_is_right_in_every_layout(void **state) {
    (void)state;
    unsigned line = hx_conc_line_bytes(NULL);
    for (int layout = HX_PI_PACKED; layout <= HX_PI_REDUCTION; layout++)
        for (unsigned threads = 1; threads <= 3; threads++) {
            double pi = 0, seconds = 0;
            assert_int_equal(hx_conc_omp_pi(layout, threads, 100000, line, &pi, &seconds), HX_OK);
            assert_near(pi, M_PI, 1e-9);
            assert_true(seconds > 0);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_line_size_is_a_power_of_two),
        cmocka_unit_test(counters_are_exact_packed_and_padded),
        cmocka_unit_test(omp_pi_is_right_in_every_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
