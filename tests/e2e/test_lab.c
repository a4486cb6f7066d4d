/*
 * test_lab.c - `hetero lab` end to end: the list's shape, check's verdict lines, and bad input.
 * Every lab's own run and check at its smallest size, which reads back every report it promises,
 * is a test of its own (lab_check_NAME, tests/lab_check.sh).
 */
#include <stdlib.h>
#include <unistd.h>

#include "hx_test.h"

static char dir[256];

static int make_dir(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "%s/hx-lab-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void list_has_a_header_and_one_lab_a_line(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "lab list"), 0);
    assert_int_equal(p.status, 0);
    char *save = NULL, *line = strtok_r(p.out, "\n", &save);
    assert_non_null(line);
    assert_true(strncmp(line, "NAME", 4) == 0);
    assert_contains(line, "NEEDS");
    assert_contains(line, "AVAILABLE");
    size_t labs = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char name[64], needs[16], avail[8];
        assert_int_equal(sscanf(line, "%63s %15s %7s", name, needs, avail), 3);
        assert_true(strcmp(needs, "none") == 0 || strcmp(needs, "gpu") == 0 ||
                    strcmp(needs, "mpi") == 0 || strcmp(needs, "numa2") == 0);
        assert_true(strcmp(avail, "yes") == 0 || strcmp(avail, "no") == 0);
        labs++;
    }
    assert_true(labs >= 1);
    hx_proc_free(&p);
}

static void check_prints_a_verdict_per_shape(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "lab check flynn --dir=%s/check", dir), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "machine: ");
    assert_contains(p.out, "MISD for redundancy");
    size_t verdicts = 0;
    for (const char *s = p.out; (s = strstr(s, "\n  ")); s++)
        verdicts++;
    assert_true(verdicts >= 5);
    hx_proc_free(&p);
}

static void bad_input_is_one_line_and_exit_2(void **state) {
    (void)state;
    const char *bad[] = {"lab",
                         "lab bogus",
                         "lab run",
                         "lab run nosuchlab",
                         "lab list extra",
                         "lab check flynn extra",
                         "lab list --fast"};
    hx_expect_usage_errors(bad, sizeof bad / sizeof bad[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_has_a_header_and_one_lab_a_line),
        cmocka_unit_test(check_prints_a_verdict_per_shape),
        cmocka_unit_test(bad_input_is_one_line_and_exit_2),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
