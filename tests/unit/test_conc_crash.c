/*
 * test_conc_crash.c - crash isolation: a worker that faults takes a thread pool down (and the
 * signal is reported), while a process pool restarts it, re-queues its task, loses nothing and
 * gets the right answer - for SIGSEGV and SIGABRT, with the faulting task anywhere.  Nothing is
 * left running afterwards.
 */
#include <signal.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/pool.h"
#include "hetero/core/error.h"
#include "hx_conc_test.h"
#include "hx_test.h"

static int setup(void **state) {
    (void)state;
    return hx_conc_become_subreaper();
}

static uint64_t answer_of(unsigned tasks) {
    uint64_t sum = 0;
    for (unsigned t = 0; t < tasks; t++)
        sum += hx_conc_task_value(t, 1u << 18);
    return sum;
}

static void a_process_pool_restarts_the_worker_and_loses_nothing(void **state) {
    (void)state;
    static const int sigs[] = {SIGSEGV, SIGABRT};
    static const unsigned crash_tasks[] = {0, 5, 11};
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < 3; k++) {
            hx_crash_result r;
            assert_int_equal(hx_conc_crash_processes(3, 12, crash_tasks[k], sigs[s], &r), HX_OK);
            assert_int_equal(r.tasks, 12);
            assert_int_equal(r.done, 12);
            assert_int_equal(r.lost, 0);
            assert_int_equal(r.restarts, 1);
            assert_int_equal(r.signal, sigs[s]);
            assert_int_equal(r.expected, answer_of(12));
            assert_int_equal(r.answer, r.expected);
            assert_true(r.answer_ok);
        }
    assert_int_equal(hx_conc_tracked_children(), 0);
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

static void a_thread_pool_dies_with_the_signal(void **state) {
    (void)state;
    static const int sigs[] = {SIGSEGV, SIGABRT};
    for (size_t s = 0; s < 2; s++) {
        hx_crash_result r;
        assert_int_equal(hx_conc_crash_threads(2, 10, 4, sigs[s], &r), HX_OK);
        assert_int_equal(r.signal, sigs[s]);
        assert_true(r.lost >= 1); /* the faulting task never comes back */
        assert_true(r.done <= 9);
        assert_int_equal((int64_t)r.done + r.lost, 10);
        assert_false(r.answer_ok);
        assert_int_equal(r.expected, answer_of(10));
    }
    assert_int_equal(hx_conc_tracked_children(), 0);
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

static void a_single_worker_pool_recovers_too(void **state) {
    (void)state;
    hx_crash_result r;
    assert_int_equal(hx_conc_crash_processes(1, 4, 3, SIGSEGV, &r), HX_OK);
    assert_int_equal(r.lost, 0);
    assert_true(r.answer_ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_process_pool_restarts_the_worker_and_loses_nothing),
        cmocka_unit_test(a_thread_pool_dies_with_the_signal),
        cmocka_unit_test(a_single_worker_pool_recovers_too),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
