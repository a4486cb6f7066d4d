/*
 * test_memory.c - the memory-organisation library: the topology is consistent, the binding
 * policies give the cores they promise, and the first-touch and binding triads are verified with
 * the placement of their pages accounted for.
 */
#include "hx_test.h"

#include "hetero/core/error.h"
#include "hetero/memory/memory.h"

static void close_and_spread_give_the_cores_they_promise(void **state) {
    (void)state;
    /* 8 cores, 4 threads: close packs 0,1,2,3; spread leaves gaps 0,2,4,6 */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(hx_memory_core_for(HX_BIND_CLOSE, i, 4, 8), i);
        assert_int_equal(hx_memory_core_for(HX_BIND_SPREAD, i, 4, 8), 2 * i);
    }
    /* more threads than cores: both wrap around */
    assert_int_equal(hx_memory_core_for(HX_BIND_CLOSE, 5, 6, 2), 1);
    assert_int_equal(hx_memory_core_for(HX_BIND_SPREAD, 5, 6, 2), 1);
    assert_int_equal(hx_memory_core_for(HX_BIND_SPREAD, 0, 1, 0), 0);
}

static void the_topology_is_consistent(void **state) {
    (void)state;
    hx_memory_topology t;
    assert_int_equal(hx_memory_topology_get(&t), HX_OK);
    assert_true(t.nodes >= 1);
    assert_true(t.cores >= 1);
    assert_true(t.pus >= t.cores);
    assert_string_equal(t.organisation, t.nodes > 1 ? "NUMA" : "UMA");
    for (size_t i = 0; i < t.ncaches; i++) {
        assert_int_equal(t.caches[i].level, (int)i + 1);
        assert_true(t.caches[i].bytes > 0);
        assert_true(t.caches[i].shared_by >= 1);
        if (i > 0)
            assert_true(t.caches[i].bytes >= t.caches[i - 1].bytes);
    }
}

static void check_placement(const hx_memory_row *r) {
    double total = 0;
    for (unsigned n = 0; n < r->nodes; n++)
        total += r->pages_on_node[n];
    /* move_pages may be refused (a seccomp profile): then nothing was counted */
    assert_true(total == 0.0 || fabs(total - 1.0) < 1e-9);
    assert_true(r->local_fraction >= 0.0 && r->local_fraction <= 1.0 + 1e-12);
}

static void first_touch_and_binding_triads_verify(void **state) {
    (void)state;
    hx_memory_topology t;
    assert_int_equal(hx_memory_topology_get(&t), HX_OK);
    hx_memory_opts o = {.elements = 300007, .threads = 3, .reps = 2, .warmup = 1};
    hx_memory_row ft[HX_INIT_COUNT], b[HX_BIND_COUNT];
    assert_int_equal(hx_memory_first_touch(&o, &t, ft), HX_OK);
    for (int i = 0; i < HX_INIT_COUNT; i++) {
        assert_true(ft[i].verified);
        assert_true(ft[i].gbps > 0);
        assert_string_equal(ft[i].part, "first-touch");
        check_placement(&ft[i]);
        if (t.nodes == 1 && ft[i].pages_on_node[0] > 0)
            assert_true(ft[i].local_fraction == 1.0); /* one node: every page is local */
    }
    assert_int_equal(hx_memory_binding(&o, &t, b), HX_OK);
    for (int i = 0; i < HX_BIND_COUNT; i++) {
        assert_true(b[i].verified);
        assert_int_equal(b[i].threads, 3);
        for (int k = 0; k < 3; k++)
            assert_true(b[i].cpu_of_thread[k] >= 0);
    }
    for (int k = 0; k < 3; k++) /* bound threads ran where the policy put them */
        assert_int_equal(b[HX_BIND_CLOSE].cpu_of_thread[k],
                         t.core_cpu[hx_memory_core_for(HX_BIND_CLOSE, k, 3, (int)t.cores)]);
    o.elements = 0;
    assert_int_equal(hx_memory_binding(&o, &t, b), HX_ERR_USAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_and_spread_give_the_cores_they_promise),
        cmocka_unit_test(the_topology_is_consistent),
        cmocka_unit_test(first_touch_and_binding_triads_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
