/*
 * test_workloads_b.c - `hetero run` of mandelbrot, histogram, stencil2d and nbody end to end:
 * each run on the CPU OpenCL device with --format=json must report all five backends, each
 * verified, with the cost model's bytes; `hetero list` must say what --size counts; a bad
 * workload parameter is a usage error naming it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hx_test.h"

static jv *run_json(const char *args, hx_proc *p) {
    assert_int_equal(
        hx_run_hetero_cmd(p, "run --format=json --device=cpu --reps=1 --warmup=1 %s", args), 0);
    jv *doc = hx_expect_json(p, 0);
    return doc;
}

/* Every backend row present and verified; returns the serial row's "bytes". */
static void every_row_verified(const char *workload, const char *args, double bytes) {
    hx_proc p;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s %s", args, workload);
    jv *doc = run_json(cmd, &p);
    const jv *results = jv_get(doc, "results");
    assert_non_null(results);
    const char *backends[] = {"serial", "simd", "omp", "omp-simd", "opencl"};
    bool seen[5] = {false};
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        assert_string_equal(jv_get(r, "workload")->string, workload);
        if (!jv_get(r, "verified")->boolean)
            print_error("%s/%s not verified:\n%s\n", workload, jv_get(r, "backend")->string, p.out);
        assert_true(jv_get(r, "verified")->boolean);
        assert_true(jv_get(r, "max_rel_err")->number <= jv_get(r, "tolerance")->number);
        assert_near(jv_get(r, "bytes")->number, bytes, 0.5);
        for (size_t b = 0; b < 5; b++)
            if (strcmp(jv_get(r, "backend")->string, backends[b]) == 0)
                seen[b] = true;
    }
    for (size_t b = 0; b < 5; b++) {
        if (!seen[b])
            print_error("%s: no %s row in\n%s\n", workload, backends[b], p.out);
        assert_true(seen[b]);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void mandelbrot_runs_verified(void **state) {
    (void)state;
    every_row_verified("mandelbrot", "--size=100 --iters=64", 4.0 * 100 * 100);
}

static void histogram_runs_verified(void **state) {
    (void)state;
    every_row_verified("histogram", "--size=100K --skew=0.5", 102400.0 + 1024.0);
    every_row_verified("histogram", "--size=100K --skew=1 --shared-bins=1", 102400.0 + 1024.0);
}

static void stencil2d_runs_verified(void **state) {
    (void)state;
    every_row_verified("stencil2d", "--size=130 --sweeps=4", 8.0 * 130 * 130 * 4);
}

static void nbody_runs_verified(void **state) {
    (void)state;
    every_row_verified("nbody", "--size=500", 28.0 * 500);
}

static void list_says_what_size_counts(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "list --format=json"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *ws = jv_get(doc, "workloads");
    const char *names[] = {"mandelbrot", "histogram", "stencil2d", "nbody"};
    const char *units[] = {"pixels", "bytes", "grid side", "bodies"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const jv *found = NULL;
        for (size_t i = 0; i < ws->len; i++)
            if (strcmp(jv_get(jv_at(ws, i), "name")->string, names[k]) == 0)
                found = jv_at(ws, i);
        assert_non_null(found);
        assert_contains(jv_get(found, "size_unit")->string, units[k]);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void a_bad_parameter_value_is_a_usage_error(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --iters=0 mandelbrot"), 0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "--iters");
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mandelbrot_runs_verified),
        cmocka_unit_test(histogram_runs_verified),
        cmocka_unit_test(stencil2d_runs_verified),
        cmocka_unit_test(nbody_runs_verified),
        cmocka_unit_test(list_says_what_size_counts),
        cmocka_unit_test(a_bad_parameter_value_is_a_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
