/*
 * test_mpi_model.c - the arithmetic of the message-passing layer, without a job: how blocks are
 * cut, what --grid accepts, the ping-pong iteration rule, and the Hockney fit on exact times.
 */
#include "hx_test.h"

#include "hetero/core/error.h"
#include "hetero/core/parse.h"

#ifdef HETERO_HAVE_MPI
#include "hetero/mpi/bench.h"
#include "hetero/mpi/mpi.h"

/* Blocks cover [0, n) in order, without gaps, and differ by at most one item. */
static void blocks_are_contiguous_and_nearly_even(void **state) {
    (void)state;
    const uint64_t sizes[] = {1, 3, 7, 10, 10007, 1u << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int p = 1; p <= 7; p++) {
            uint64_t next = 0, lo = UINT64_MAX, hi = 0;
            for (int r = 0; r < p; r++) {
                uint64_t b, e;
                hx_mpi_block(sizes[k], p, r, &b, &e);
                assert_int_equal(b, next);
                next = e;
                lo = e - b < lo ? e - b : lo;
                hi = e - b > hi ? e - b : hi;
            }
            assert_int_equal(next, sizes[k]);
            assert_true(hi - lo <= 1);
        }
    uint64_t b, e; /* 10 over 3: 4, 3, 3 */
    hx_mpi_block(10, 3, 0, &b, &e);
    assert_int_equal(e - b, 4);
    hx_mpi_block(10, 3, 2, &b, &e);
    assert_int_equal(b, 7);
}

static void a_size_smaller_than_the_ranks_is_a_usage_error(void **state) {
    (void)state;
    assert_int_equal(hx_mpi_check_blocks("--size", 4, 1, 4), HX_OK);
    assert_int_equal(hx_mpi_check_blocks("--size", 3, 1, 4), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--size 3 is too small for 4 ranks");
}

static void grids_parse_as_p_by_q(void **state) {
    (void)state;
    int g[2];
    assert_int_equal(hx_parse_grid("--grid", "2x3", g), HX_OK);
    assert_int_equal(g[0], 2);
    assert_int_equal(g[1], 3);
    const char *bad[] = {"", "2", "2x", "x2", "0x4", "2x0", "-2x2", "2x2x2", "2 x2", "99999x1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hx_parse_grid("--grid", bad[i], g), HX_ERR_USAGE);
        assert_contains(hx_error_message(), "is not PxQ");
    }
}

/* OSU's shape at a tenth: the full count below 8 KiB, a tenth from there, capped by bytes. */
static void the_iteration_rule_shrinks_for_large_messages(void **state) {
    (void)state;
    hx_pingpong_opts o = {.min_bytes = 1, .max_bytes = 16u << 20, .batches = 5, .iters = 1000};
    assert_int_equal(hx_pingpong_check(&o), HX_OK);
    assert_int_equal(hx_pingpong_iters(&o, 1), 1000);
    assert_int_equal(hx_pingpong_iters(&o, 4096), 1000);
    assert_int_equal(hx_pingpong_iters(&o, 8192), 100);
    assert_int_equal(hx_pingpong_iters(&o, 16u << 20), 16); /* 256 MiB a batch */
    o.iters = 10;
    assert_int_equal(hx_pingpong_iters(&o, 1u << 20), 10); /* never fewer than 10 */
    o.batches = 4;
    assert_int_equal(hx_pingpong_check(&o), HX_ERR_USAGE);
    o.batches = 5;
    o.min_bytes = 3;
    assert_int_equal(hx_pingpong_check(&o), HX_ERR_USAGE);
}

/* Exact Hockney times give alpha and beta back, with R^2 = 1; the bandwidth column follows. */
static void the_hockney_fit_recovers_alpha_and_beta(void **state) {
    (void)state;
    hx_pingpong_point pts[25];
    const double alpha_us = 0.4, beta_gbps = 12.0;
    for (int i = 0; i < 25; i++) {
        pts[i].bytes = (size_t)1 << i;
        pts[i].latency_us = alpha_us + (double)pts[i].bytes / (beta_gbps * 1e3);
    }
    hx_hockney h = hx_hockney_fit(pts, 25);
    assert_true(h.ok);
    assert_int_equal(h.points, 25);
    assert_near(h.alpha_us, alpha_us, 1e-9);
    assert_near(h.beta_gbps, beta_gbps, 1e-6);
    assert_near(h.r2, 1.0, 1e-12);
    /* a flat line (no size dependence) has no bandwidth to fit */
    for (int i = 0; i < 25; i++)
        pts[i].latency_us = 1.0;
    assert_false(hx_hockney_fit(pts, 25).ok);
}

static void collective_names_parse(void **state) {
    (void)state;
    bool ops[HX_COLL_COUNT];
    assert_int_equal(hx_collectives_parse_ops("bcast,alltoall", ops), HX_OK);
    assert_false(ops[HX_COLL_ALLREDUCE]);
    assert_true(ops[HX_COLL_BCAST] && ops[HX_COLL_ALLTOALL]);
    assert_int_equal(hx_collectives_parse_ops("scatter", ops), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "allreduce, bcast, alltoall");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_are_contiguous_and_nearly_even),
        cmocka_unit_test(a_size_smaller_than_the_ranks_is_a_usage_error),
        cmocka_unit_test(grids_parse_as_p_by_q),
        cmocka_unit_test(the_iteration_rule_shrinks_for_large_messages),
        cmocka_unit_test(the_hockney_fit_recovers_alpha_and_beta),
        cmocka_unit_test(collective_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

int main(void) {
    fputs("this build has no MPI\n", stderr);
    return HX_SKIP;
}

#endif
