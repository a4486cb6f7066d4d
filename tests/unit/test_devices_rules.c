/*
 * test_devices_rules.c - the pure parts of `hetero devices`: Flynn/memory classification, the
 * roofline percentage, the figure table and the repetition loop.
 */
#include <stdlib.h>

#include "hetero/core/error.h"
#include "hetero/survey/survey.h"
#include "hx_test.h"

static void classify(bool host, const char *type, unsigned cores, unsigned lanes, unsigned numa,
                     bool unified, char *flynn, char *memory) {
    hx_class_input in = {.host = host,
                         .cores = cores,
                         .simd_lanes = lanes,
                         .numa_nodes = numa,
                         .unified_memory = unified};
    snprintf(in.type, sizeof in.type, "%s", type);
    hx_classify(&in, flynn, 96, memory, 96);
}

static void multicore_vector_host_is_mimd_of_simd_uma(void **state) {
    (void)state;
    char f[96], m[96];
    classify(true, "CPU", 8, 8, 1, true, f, m);
    assert_string_equal(f, "MIMD of SIMD");
    assert_string_equal(m, "UMA");
}

static void multi_socket_host_is_numa(void **state) {
    (void)state;
    char f[96], m[96];
    classify(true, "CPU", 64, 16, 2, true, f, m);
    assert_string_equal(f, "MIMD of SIMD");
    assert_string_equal(m, "NUMA (2 nodes)");
}

static void single_scalar_core_is_sisd(void **state) {
    (void)state;
    char f[96], m[96];
    classify(true, "CPU", 1, 1, 1, true, f, m);
    assert_string_equal(f, "SISD");
    classify(true, "CPU", 4, 1, 1, true, f, m);
    assert_string_equal(f, "MIMD");
}

static void opencl_cpu_is_mimd_of_simd_shared_memory(void **state) {
    (void)state;
    char f[96], m[96];
    classify(false, "CPU", 2, 8, 0, true, f, m);
    assert_string_equal(f, "MIMD of SIMD (work-groups on cores, work-items in vector lanes)");
    assert_string_equal(m, "shared host memory");
}

static void discrete_gpu_is_simt_discrete(void **state) {
    (void)state;
    char f[96], m[96];
    classify(false, "GPU", 80, 1, 0, false, f, m);
    assert_string_equal(f, "SIMT");
    assert_string_equal(m, "discrete memory");
    classify(false, "GPU", 12, 1, 0, true, f, m);
    assert_string_equal(m, "unified memory (shared with the host)");
}

static void low_intensity_is_memory_bound(void **state) {
    (void)state;
    bool mem;
    /* vecadd: 1 flop per 12 bytes; balance 200 GFLOP/s / 20 GB/s = 10 flop/byte */
    double pct = hx_pct_peak(12e6, 1e6, 15.0, 1.25, 20.0, 200.0, &mem);
    assert_true(mem);
    assert_near(pct, 75.0, 1e-12);
}

static void high_intensity_is_compute_bound(void **state) {
    (void)state;
    bool mem;
    /* sgemm-like: 2n^3 flops over 12n^2 bytes, n = 1024: about 170 flop/byte > 10 */
    double n = 1024;
    double pct = hx_pct_peak(12 * n * n, 2 * n * n * n, 1.0, 150.0, 20.0, 200.0, &mem);
    assert_false(mem);
    assert_near(pct, 75.0, 1e-12);
}

static void missing_peaks_give_nan_or_the_one_known(void **state) {
    (void)state;
    bool mem;
    assert_true(isnan(hx_pct_peak(1e6, 1e6, 1.0, 1.0, 0.0, 0.0, &mem)));
    /* integer workload: no flops, bandwidth decides */
    double pct = hx_pct_peak(1e6, 0.0, 5.0, NAN, 10.0, 100.0, &mem);
    assert_true(mem);
    assert_near(pct, 50.0, 1e-12);
    /* no bandwidth peak known: the compute peak is the only one */
    pct = hx_pct_peak(1e6, 1e6, 5.0, 40.0, 0.0, 100.0, &mem);
    assert_false(mem);
    assert_near(pct, 40.0, 1e-12);
}

static void figure_keys_round_trip(void **state) {
    (void)state;
    for (int k = 0; k < HX_FIG_COUNT; k++) {
        const hx_figure_def *d = hx_figure_info((hx_figure_id)k);
        assert_non_null(d);
        assert_int_equal(hx_figure_find(d->key), k);
    }
    assert_int_equal(hx_figure_find("no_such_figure"), -1);
    assert_null(hx_figure_info(HX_FIG_COUNT));
}

static int counter_sample(void *ctx, double *v) {
    int *calls = ctx;
    *v = (double)++*calls;
    return HX_OK;
}

static int failing_sample(void *ctx, double *v) {
    (void)ctx;
    (void)v;
    return hx_fail(HX_ERR_RUNTIME, "sample failed");
}

static void repeat_respects_min_and_max_reps(void **state) {
    (void)state;
    hx_figure f = {0};
    int calls = 0;
    /* zero budget: exactly min_reps */
    assert_int_equal(hx_bench_repeat(&f, counter_sample, &calls, 0.0, 3, 10), HX_OK);
    assert_int_equal(calls, 3);
    assert_true(f.measured);
    assert_near(f.stats.median, 2.0, 0.0);
    assert_near(f.stats.min, 1.0, 0.0);
    assert_near(f.stats.max, 3.0, 0.0);
    /* a long budget stops at max_reps */
    calls = 0;
    assert_int_equal(hx_bench_repeat(&f, counter_sample, &calls, 100.0, 1, 7), HX_OK);
    assert_int_equal(calls, 7);
    hx_figure g = {0};
    assert_int_equal(hx_bench_repeat(&g, failing_sample, NULL, 1.0, 3, 10), HX_ERR_RUNTIME);
    assert_false(g.measured);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(multicore_vector_host_is_mimd_of_simd_uma),
        cmocka_unit_test(multi_socket_host_is_numa),
        cmocka_unit_test(single_scalar_core_is_sisd),
        cmocka_unit_test(opencl_cpu_is_mimd_of_simd_shared_memory),
        cmocka_unit_test(discrete_gpu_is_simt_discrete),
        cmocka_unit_test(low_intensity_is_memory_bound),
        cmocka_unit_test(high_intensity_is_compute_bound),
        cmocka_unit_test(missing_peaks_give_nan_or_the_one_known),
        cmocka_unit_test(figure_keys_round_trip),
        cmocka_unit_test(repeat_respects_min_and_max_reps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
