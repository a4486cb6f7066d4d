/*
 * test_workloads_a.c - `hetero run` of triad, reduce, dot, sgemm and scan end to end: every row
 * the binary prints as JSON verifies, each workload has the backends it should, and GB/s and
 * GFLOP/s follow from its cost model.
 */
#include "hetero/core/backend.h"
#include "hx_test.h"

static jv *run_json(const char *args, hx_proc *p) {
    assert_int_equal(hx_run_hetero_cmd(p, "run --format=json --device=cpu %s", args), 0);
    jv *doc = hx_expect_json(p, 0);
    return doc;
}

/* Run workload at size; every row verified, `expect` rows, cost model per element. */
static void every_row_verifies(const char *workload, const char *size, double n, size_t expect,
                               double bytes, double flops) {
    hx_proc p;
    char args[256];
    snprintf(args, sizeof args, "--device=cpu --size=%s --reps=2 --warmup=1 %s", size, workload);
    jv *doc = run_json(args, &p);
    const jv *results = jv_get(doc, "results");
    size_t host_and_opencl = 0; /* a machine with an NVIDIA GPU adds a cuda row */
    for (size_t i = 0; i < results->len; i++)
        host_and_opencl += strcmp(jv_get(jv_at(results, i), "backend")->string, "cuda") != 0;
    if (host_and_opencl != expect)
        print_error("%s: %zu rows, expected %zu\n%s\n", workload, host_and_opencl, expect, p.out);
    assert_int_equal(host_and_opencl, expect);
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        assert_string_equal(jv_get(r, "workload")->string, workload);
        assert_near(jv_get(r, "size")->number, n, 0);
        if (!jv_get(r, "verified")->boolean)
            print_error("%s %s did not verify\n", workload, jv_get(r, "backend")->string);
        assert_true(jv_get(r, "verified")->boolean);
        assert_true(jv_get(r, "max_rel_err")->number <= jv_get(r, "tolerance")->number);
        double med = jv_path(r, "time_s.median")->number;
        assert_true(med > 0);
        assert_near(jv_get(r, "gbps")->number, bytes / med * 1e-9, 1e-9 * bytes / med * 1e-9);
        if (flops > 0)
            assert_near(jv_get(r, "gflops")->number, flops / med * 1e-9, 1e-9 * flops / med * 1e-9);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static size_t with_blas(size_t rows) {
    return rows + (hx_backend_built(HX_BACKEND_BLAS) ? 1 : 0);
}

static void triad_runs_everywhere(void **state) {
    (void)state;
    every_row_verifies("triad", "100K", 102400, 5, 12.0 * 102400, 2.0 * 102400);
}

static void reduce_and_dot_run_everywhere(void **state) {
    (void)state;
    /* serial, simd, omp, omp-simd, threads and opencl (plus blas for dot) */
    every_row_verifies("reduce", "100001", 100001, 6, 4.0 * 100001, 100001);
    every_row_verifies("dot", "100001", 100001, with_blas(6), 8.0 * 100001, 2.0 * 100001);
}

static void sgemm_runs_everywhere(void **state) {
    (void)state;
    every_row_verifies("sgemm", "100", 100, with_blas(5), 12.0 * 100 * 100, 2e6);
}

static void scan_runs_everywhere(void **state) {
    (void)state;
    every_row_verifies("scan", "300007", 300007, 5, 8.0 * 300007, 0);
}

static void list_says_what_size_counts(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "list"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "matrix order n");
    assert_contains(p.out, "elements per vector");
    assert_contains(p.out, "triad");
    assert_contains(p.out, "scan");
    hx_proc_free(&p);
}

static void a_scan_size_that_could_overflow_is_a_usage_error(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --size=1G scan"), 0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "out of range for scan");
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(triad_runs_everywhere),
        cmocka_unit_test(reduce_and_dot_run_everywhere),
        cmocka_unit_test(sgemm_runs_everywhere),
        cmocka_unit_test(scan_runs_everywhere),
        cmocka_unit_test(list_says_what_size_counts),
        cmocka_unit_test(a_scan_size_that_could_overflow_is_a_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
