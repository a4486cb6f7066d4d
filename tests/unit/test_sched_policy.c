/*
 * test_sched_policy.c - the co-scheduler's rules without a device or a thread: which rows the
 * device and each host thread take under every policy (each row exactly once), which policies
 * run, the speedups, --policy parsing and --svm-stress's random choices.
 */
#include "hetero/core/error.h"
#include "hetero/sched/sched.h"
#include "hx_test.h"

/* Mark rows [r.begin, r.end) as taken in count[]. */
static void take(unsigned *count, hx_sched_range r) {
    for (size_t i = r.begin; i < r.end; i++)
        count[i]++;
}

static void static_split_takes_every_row_once(void **state) {
    (void)state;
    const double splits[] = {0.0, 0.25, 0.5, 0.999, 1.0};
    const size_t heights[] = {1, 7, 96, 101};
    for (size_t s = 0; s < 5; s++)
        for (size_t h = 0; h < 4; h++)
            for (unsigned n = 1; n <= 5; n++) {
                unsigned count[128] = {0};
                hx_sched_range dev = hx_sched_device_rows(HX_SCHED_STATIC, splits[s], heights[h]);
                assert_int_equal(dev.begin, 0);
                assert_int_equal(dev.end, (size_t)lround(splits[s] * (double)heights[h]));
                take(count, dev);
                size_t smallest = SIZE_MAX, largest = 0;
                for (unsigned slot = 0; slot < n; slot++) {
                    hx_sched_range b = hx_sched_host_block(dev.end, heights[h], slot, n);
                    take(count, b);
                    size_t len = b.end - b.begin;
                    smallest = len < smallest ? len : smallest;
                    largest = len > largest ? len : largest;
                }
                assert_true(largest - smallest <= 1); /* equal blocks, give or take a row */
                for (size_t i = 0; i < heights[h]; i++)
                    assert_int_equal(count[i], 1);
            }
}

static void device_only_takes_all_and_the_dynamic_policies_claim(void **state) {
    (void)state;
    hx_sched_range r = hx_sched_device_rows(HX_SCHED_DEVICE_ONLY, 0.1, 50);
    assert_int_equal(r.begin, 0);
    assert_int_equal(r.end, 50);
    r = hx_sched_device_rows(HX_SCHED_DYNAMIC_PROXY, 0.5, 50);
    assert_int_equal(r.end - r.begin, 0);
    r = hx_sched_device_rows(HX_SCHED_HOST_ONLY, 0.5, 50);
    assert_int_equal(r.end - r.begin, 0);
}

static void chunks_claimed_in_turn_cover_the_image(void **state) {
    (void)state;
    const uint32_t chunks[] = {1, 7, 16, 200};
    for (size_t c = 0; c < 4; c++) {
        unsigned count[101] = {0};
        uint32_t next = 0, claims = 0;
        for (;;) { /* what atomic_fetch_add hands out, one claim after another */
            hx_sched_range r = hx_sched_chunk(next, chunks[c], 101);
            next += chunks[c];
            if (r.end == r.begin)
                break;
            assert_true(r.end - r.begin <= chunks[c]);
            take(count, r);
            claims++;
        }
        assert_int_equal(claims, (101 + chunks[c] - 1) / chunks[c]);
        for (size_t i = 0; i < 101; i++)
            assert_int_equal(count[i], 1);
    }
    hx_sched_range past = hx_sched_chunk(4000000000u, 16, 101); /* far past the end */
    assert_int_equal(past.end - past.begin, 0);
}

static void the_two_alone_always_run_and_svm_needs_atomics(void **state) {
    (void)state;
    bool want[HX_SCHED_POLICY_COUNT] = {false}, run[HX_SCHED_POLICY_COUNT], skipped;
    want[HX_SCHED_STATIC] = true;
    assert_true(hx_sched_policies_to_run(want, false, run, &skipped));
    assert_true(run[HX_SCHED_DEVICE_ONLY] && run[HX_SCHED_HOST_ONLY] && run[HX_SCHED_STATIC]);
    assert_false(run[HX_SCHED_DYNAMIC_PROXY] || run[HX_SCHED_DYNAMIC_SVM] || skipped);
    want[HX_SCHED_DYNAMIC_SVM] = true; /* with another: svm dropped, the rest runs */
    assert_true(hx_sched_policies_to_run(want, false, run, &skipped));
    assert_true(skipped && !run[HX_SCHED_DYNAMIC_SVM] && run[HX_SCHED_STATIC]);
    assert_true(hx_sched_policies_to_run(want, true, run, &skipped));
    assert_true(run[HX_SCHED_DYNAMIC_SVM] && !skipped);
    want[HX_SCHED_STATIC] = false; /* svm alone on a device without atomics: an error */
    assert_false(hx_sched_policies_to_run(want, false, run, &skipped));
}

static void speedups_compare_with_serial_and_the_faster_alone(void **state) {
    (void)state;
    hx_sched_result rs[HX_SCHED_POLICY_COUNT];
    memset(rs, 0, sizeof rs);
    const double medians[] = {4.0, 2.0, 1.6, 1.0, 0};
    for (int p = 0; p < 4; p++) {
        rs[p].ran = true;
        rs[p].wall.median = medians[p];
    }
    hx_sched_speedups(rs, 8.0);
    assert_near(rs[HX_SCHED_DEVICE_ONLY].speedup_serial, 2.0, 0);
    assert_near(rs[HX_SCHED_DEVICE_ONLY].speedup_best, 0.5, 0);
    assert_near(rs[HX_SCHED_HOST_ONLY].speedup_best, 1.0, 0);
    assert_near(rs[HX_SCHED_DYNAMIC_PROXY].speedup_best, 2.0, 0);
    assert_near(rs[HX_SCHED_DYNAMIC_PROXY].speedup_serial, 8.0, 0);
    assert_near(rs[HX_SCHED_DYNAMIC_SVM].speedup_best, 0.0, 0); /* did not run: untouched */
}

static void policies_parse_as_a_list_or_all(void **state) {
    (void)state;
    bool want[HX_SCHED_POLICY_COUNT];
    assert_int_equal(hx_sched_parse_policies("static,dynamic-svm", want), HX_OK);
    assert_true(want[HX_SCHED_STATIC] && want[HX_SCHED_DYNAMIC_SVM]);
    assert_false(want[HX_SCHED_DEVICE_ONLY] || want[HX_SCHED_DYNAMIC_PROXY]);
    assert_int_equal(hx_sched_parse_policies("all", want), HX_OK);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        assert_true(want[p]);
    assert_int_equal(hx_sched_parse_policies("fastest", want), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "fastest");
    assert_contains(hx_error_message(), "dynamic-proxy");
    hx_error_clear();
    assert_string_equal(hx_sched_policy_name(HX_SCHED_DYNAMIC_PROXY), "dynamic-proxy");
}

static void stress_cases_stay_in_range_and_reach_the_edges(void **state) {
    (void)state;
    bool share0 = false, share1 = false, few_bins = false, mode_seen[3] = {false};
    for (uint64_t i = 0; i < 2000; i++) {
        hx_sched_stress_case k, again;
        memset(&k, 0, sizeof k); /* the padding too, for the comparison */
        memset(&again, 0, sizeof again);
        hx_sched_stress_case_of(7, i, 3, &k);
        hx_sched_stress_case_of(7, i, 3, &again);
        assert_memory_equal(&k, &again, sizeof k); /* the seed decides everything */
        assert_true(k.size >= 1 && k.size <= (1u << 18));
        assert_true(k.bins >= 1 && k.bins <= 4096 && k.bins == floor(k.bins));
        assert_true(k.device_share >= 0 && k.device_share <= 1);
        assert_true(k.threads >= 1 && k.threads <= 4);
        assert_true(k.mode < 3);
        share0 |= k.device_share == 0.0;
        share1 |= k.device_share == 1.0;
        few_bins |= k.bins <= 3;
        mode_seen[k.mode] = true;
    }
    assert_true(share0 && share1 && few_bins);
    assert_true(mode_seen[0] && mode_seen[1] && mode_seen[2]);
}

static void config_defaults_and_size_check(void **state) {
    (void)state;
    hx_sched_config c;
    hx_sched_config_defaults(&c);
    assert_near(c.split, 0.5, 0);
    assert_int_equal(c.chunk, 16);
    assert_int_equal(c.size, 1024);
    assert_true(c.threads >= 1);
    assert_int_equal(hx_sched_check(&c), HX_OK);
    c.size = 0;
    assert_int_equal(hx_sched_check(&c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--size 0");
    hx_error_clear();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(static_split_takes_every_row_once),
        cmocka_unit_test(device_only_takes_all_and_the_dynamic_policies_claim),
        cmocka_unit_test(chunks_claimed_in_turn_cover_the_image),
        cmocka_unit_test(the_two_alone_always_run_and_svm_needs_atomics),
        cmocka_unit_test(speedups_compare_with_serial_and_the_faster_alone),
        cmocka_unit_test(policies_parse_as_a_list_or_all),
        cmocka_unit_test(stress_cases_stay_in_range_and_reach_the_edges),
        cmocka_unit_test(config_defaults_and_size_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
