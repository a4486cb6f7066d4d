/*
 * test_conc_create.c - the creation costs run and check what they start (exit codes, thread
 * return values, the OpenMP team), the helper is found or its absence named, the large parent
 * is mapped and freed, and the configuration's defaults and limits hold.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/conc.h"
#include "hetero/conc/create.h"
#include "hetero/core/error.h"
#include "hx_conc_test.h"
#include "hx_test.h"

static void every_creation_op_runs_and_is_timed(void **state) {
    (void)state;
    char helper[4096];
    assert_int_equal(hx_conc_find_helper(helper, sizeof helper), HX_OK);
    for (int op = HX_CREATE_FORK_HELPER; op <= HX_CREATE_OMP_REGION; op++) {
        double us[8];
        memset(us, 0, sizeof us);
        int status = hx_conc_create_time(op, helper, 2, 8, 2, us);
        if (status != HX_OK)
            print_error("op %d: %s\n", op, hx_error_message());
        assert_int_equal(status, HX_OK);
        for (int i = 0; i < 8; i++)
            assert_true(us[i] > 0 && isfinite(us[i]));
    }
    assert_int_equal(hx_conc_tracked_children(), 0);
}

static void a_large_parent_still_forks(void **state) {
    (void)state;
    void *big = NULL;
    assert_int_equal(hx_conc_big_memory(8u << 20, &big), HX_OK);
    assert_non_null(big);
    ((volatile unsigned char *)big)[(8u << 20) - 1] = 42; /* mapped and writable */
    assert_int_equal(((volatile unsigned char *)big)[(8u << 20) - 1], 42);
    double us[3];
    assert_int_equal(hx_conc_create_time(HX_CREATE_FORK_SELF, NULL, 0, 3, 1, us), HX_OK);
    hx_conc_big_memory_free(big, 8u << 20);
}

static void a_missing_helper_is_named(void **state) {
    (void)state;
    const char *saved = getenv("HETERO_CONC_HELPER");
    char *copy = saved ? strdup(saved) : NULL;
    setenv("HETERO_CONC_HELPER", "/nonexistent/hetero-conc-helper", 1);
    char path[256];
    assert_int_equal(hx_conc_find_helper(path, sizeof path), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "/nonexistent/hetero-conc-helper");
    hx_error_clear();
    if (copy)
        setenv("HETERO_CONC_HELPER", copy, 1);
    else
        unsetenv("HETERO_CONC_HELPER");
    free(copy);
}

static void defaults_fill_in_and_limits_hold(void **state) {
    (void)state;
    hx_conc_config c;
    memset(&c, 0, sizeof c);
    c.quick = true;
    assert_int_equal(hx_conc_config_resolve(&c), HX_OK);
    for (int b = 0; b < HX_CONC_BENCH_COUNT; b++)
        assert_true(c.want[b]); /* nothing chosen: everything */
    assert_true(c.reps >= 1 && c.nipc_sizes >= 1 && c.nsync_threads >= 1);
    assert_true(c.workers >= 2 && c.tasks >= c.workers && c.crash_task < c.tasks);
    assert_int_equal(c.crash_signal, SIGSEGV);

    memset(&c, 0, sizeof c);
    c.want[HX_CONC_CRASH] = true;
    c.tasks = 4;
    c.crash_task = 4;
    c.crash_task_set = true;
    assert_int_equal(hx_conc_config_resolve(&c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--crash-task 4");
    hx_error_clear();
    assert_false(c.want[HX_CONC_GIL]);

    assert_int_equal(hx_conc_bench_find("false-sharing"), HX_CONC_FALSE_SHARING);
    assert_int_equal(hx_conc_bench_find("nope"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_creation_op_runs_and_is_timed),
        cmocka_unit_test(a_large_parent_still_forks),
        cmocka_unit_test(a_missing_helper_is_named),
        cmocka_unit_test(defaults_fill_in_and_limits_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
