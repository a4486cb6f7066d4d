/*
 * test_memory.c - `hetero memory` end to end: the JSON report (topology, five verified triad
 * rows), the table's one-node verdict, the part selection and bad input.
 */
#include "hx_test.h"

#define SMALL "--size=256K --reps=1 --warmup=0"

static void json_has_the_topology_and_five_verified_rows(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "memory --format=json " SMALL), 0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.memory/1");
    const jv *t = jv_get(doc, "topology");
    int nodes = (int)jv_get(t, "numa_nodes")->number;
    assert_true(nodes >= 1);
    assert_string_equal(jv_get(t, "organisation")->string, nodes > 1 ? "NUMA" : "UMA");
    assert_true(jv_get(doc, "can_show_numa")->boolean == (nodes > 1));
    const jv *rows = jv_get(doc, "results");
    assert_int_equal(rows->len, 5);
    const char *variants[] = {"serial-init", "parallel-init", "none", "close", "spread"};
    for (size_t i = 0; i < 5; i++) {
        const jv *r = jv_at(rows, i);
        assert_string_equal(jv_get(r, "variant")->string, variants[i]);
        assert_true(jv_get(r, "verified")->boolean);
        assert_true(jv_get(r, "gbps")->number > 0);
        assert_int_equal(jv_get(r, "pages_on_node")->len, (size_t)nodes);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void the_table_says_what_cannot_show_on_one_node(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "memory --part=topology,first-touch " SMALL), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "organisation: ");
    assert_contains(p.out, "serial-init");
    assert_true(strstr(p.out, "spread") == NULL);
    if (strstr(p.out, "UMA"))
        assert_contains(p.out, "cannot show here: needs numa2");
    hx_proc_free(&p);
}

static void bad_input_is_one_line_and_exit_2(void **state) {
    (void)state;
    const char *bad[] = {"memory --part=cache", "memory --size=10", "memory --threads=0",
                         "memory extra", "memory --reps=0"};
    hx_expect_usage_errors(bad, sizeof bad / sizeof bad[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_the_topology_and_five_verified_rows),
        cmocka_unit_test(the_table_says_what_cannot_show_on_one_node),
        cmocka_unit_test(bad_input_is_one_line_and_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
