/*
 * test_misd.c - `hetero misd` end to end: the lockstep and sequential rows verified in JSON, the
 * injected fault caught by the vote with the run still correct, CSV and table shapes, bad input.
 */
#include "hx_test.h"

#define SMALL "--size=1M --block=16K --reps=1 --warmup=0"

static void lockstep_and_vote_report_in_json(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "misd --format=json --inject-fault=2:10:3 " SMALL), 0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.misd/1");
    assert_int_equal((int)jv_path(doc, "stream.bytes")->number, 1 << 20);
    const jv *rows = jv_get(doc, "results");
    assert_int_equal(rows->len, 2);
    assert_string_equal(jv_get(jv_at(rows, 0), "mode")->string, "sequential");
    assert_string_equal(jv_get(jv_at(rows, 1), "mode")->string, "lockstep");
    for (size_t i = 0; i < 2; i++) {
        const jv *r = jv_at(rows, i);
        assert_true(jv_get(r, "verified")->boolean);
        assert_int_equal((int)jv_get(r, "streams")->number, 5);
        assert_string_equal(jv_path(r, "values.crc32c")->string,
                            jv_path(jv_at(rows, 0), "values.crc32c")->string);
    }
    assert_int_equal((int)jv_get(jv_at(rows, 1), "barriers")->number, 64); /* 1M / 16K */
    const jv *vote = jv_get(doc, "vote");
    assert_int_equal((int)jv_path(vote, "caught.block")->number, 10);
    assert_string_equal(jv_path(vote, "caught.voter")->string,
                        jv_path(vote, "fault.voter")->string);
    assert_int_equal((int)jv_get(vote, "disagreements")->number, 54); /* blocks 10..63 */
    assert_true(jv_get(vote, "verified")->boolean);
    assert_true(jv_get(vote, "voted")->number == jv_get(vote, "reference")->number);
    jv_free(doc);
    hx_proc_free(&p);
}

static void table_names_the_outvoted_implementation(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "misd --part=vote --inject-fault " SMALL), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "caught: slice8 outvoted from block 32 on");
    assert_contains(p.out, "correct");
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "misd --part=lockstep --format=csv " SMALL), 0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 3);
    assert_contains(p.out, "lockstep,lockstep,5,5,");
    hx_proc_free(&p);
}

static void bad_input_is_one_line_and_exit_2(void **state) {
    (void)state;
    const char *bad[] = {"misd --size=100",         "misd --functions=crc32c,bogus",
                         "misd --inject-fault=7:1", "misd --inject-fault=1:99999 --size=1M",
                         "misd --part=both",        "misd extra",
                         "misd --block=0"};
    hx_expect_usage_errors(bad, sizeof bad / sizeof bad[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lockstep_and_vote_report_in_json),
        cmocka_unit_test(table_names_the_outvoted_implementation),
        cmocka_unit_test(bad_input_is_one_line_and_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
