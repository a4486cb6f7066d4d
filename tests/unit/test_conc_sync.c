/*
 * test_conc_sync.c - the levels of synchronisation count right: every method but plain ends
 * with the exact count (queues: every item once, futures: every value), plain's lost updates
 * add up, the forced interleaving loses exactly one update, bad arguments are refused.
 * (Runs under ThreadSanitizer: `plain` is written with relaxed atomics, so it is racy in what
 * it computes but not a data race.)
 */
#include "hetero/conc/sync.h"
#include "hetero/core/error.h"
#include "hx_test.h"

static const unsigned thread_counts[] = {1, 2, 3, 4, 8};

static uint64_t ops_for(hx_sync_method m) {
    return m == HX_SYNC_FUTURE ? 2000 : m >= HX_SYNC_LOCKFREE_QUEUE ? 40000 : 200000;
}

static void every_lock_counts_exactly(void **state) {
    (void)state;
    for (int m = HX_SYNC_ATOMIC; m < HX_SYNC_COUNT; m++)
        for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
            hx_sync_count c;
            unsigned threads = thread_counts[t];
            assert_int_equal(hx_conc_sync_count(m, threads, ops_for(m), &c), HX_OK);
            if (!c.exact)
                print_error("%s T=%u: %llu of %llu\n", hx_sync_names[m], threads,
                            (unsigned long long)c.observed, (unsigned long long)c.expected);
            assert_true(c.exact);
            assert_int_equal(c.expected, ops_for(m) / threads * threads);
            assert_int_equal(c.observed, c.expected);
            assert_int_equal(c.lost, 0);
            assert_true(c.seconds > 0);
        }
}

static void plain_reports_its_lost_updates(void **state) {
    (void)state;
    for (unsigned threads = 1; threads <= 4; threads *= 2) {
        hx_sync_count c;
        assert_int_equal(hx_conc_sync_count(HX_SYNC_PLAIN, threads, 200000, &c), HX_OK);
        assert_int_equal(c.expected, 200000 / threads * threads);
        assert_true(c.observed <= c.expected);
        assert_true(c.observed >= 1); /* in theory racing increments can end as low as 2 */
        assert_int_equal(c.observed + c.lost, c.expected);
        assert_int_equal(c.exact, c.lost == 0);
        if (threads == 1)
            assert_int_equal(c.lost, 0); /* alone, nothing can interleave */
    }
}

static void the_forced_interleaving_loses_one_update(void **state) {
    (void)state;
    for (int i = 0; i < 20; i++) {
        uint64_t final = 0;
        assert_int_equal(hx_conc_lost_update_demo(&final), HX_OK);
        assert_int_equal(final, 1);
    }
}

static void bad_thread_counts_are_refused(void **state) {
    (void)state;
    hx_sync_count c;
    assert_int_equal(hx_conc_sync_count(HX_SYNC_MUTEX, 0, 100, &c), HX_ERR_USAGE);
    assert_int_equal(hx_conc_sync_count(HX_SYNC_MUTEX, 1025, 100, &c), HX_ERR_USAGE);
    hx_error_clear();
}

static void fewer_operations_than_threads_still_count(void **state) {
    (void)state;
    hx_sync_count c;
    assert_int_equal(hx_conc_sync_count(HX_SYNC_FUTURE, 8, 3, &c), HX_OK);
    assert_int_equal(c.expected, 8); /* one each */
    assert_true(c.exact);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_lock_counts_exactly),
        cmocka_unit_test(plain_reports_its_lost_updates),
        cmocka_unit_test(the_forced_interleaving_loses_one_update),
        cmocka_unit_test(bad_thread_counts_are_refused),
        cmocka_unit_test(fewer_operations_than_threads_still_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
