/*
 * test_sched.c - `hetero sched`: every co-scheduling policy produces the serial image (within
 * mandelbrot's tolerance) in every run, every row is computed by exactly one side, and
 * --svm-stress holds host+device atomics on shared SVM to exact counts.  Skipped (exit 77)
 * without an OpenCL CPU device.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hx_test.h"

#define SIZE 96 /* image side: 96 rows, 12 chunks of 8 */

static jv *sched_json(const char *args) {
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "sched --device=cpu --format=json %s", args), 0);
    jv *doc = hx_expect_json(&p, 0);
    hx_proc_free(&p);
    return doc;
}

static const jv *policy(const jv *doc, const char *name) {
    const jv *rs = jv_get(doc, "results");
    for (size_t i = 0; rs && i < rs->len; i++)
        if (strcmp(jv_get(jv_at(rs, i), "policy")->string, name) == 0)
            return jv_at(rs, i);
    print_error("no result for policy %s\n", name);
    fail();
    return NULL;
}

static double num(const jv *v, const char *path) {
    const jv *n = jv_path(v, path);
    if (!n || n->type != JV_NUMBER) {
        print_error("no number at %s\n", path);
        fail();
    }
    return n->number;
}

/* One timed run each, so the per-run counts add up exactly (medians of one sample). */
static void every_policy_verifies_and_splits_the_rows(void **state) {
    (void)state;
    char args[160];
    snprintf(args, sizeof args,
             "--size=%d --iters=64 --chunk=8 --split=0.25 --reps=1 --warmup=1 --policy=all", SIZE);
    jv *doc = sched_json(args);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.sched/1");
    static const char *const names[] = {"device-only", "host-only", "static", "dynamic-proxy",
                                        "dynamic-svm"};
    for (size_t i = 0; i < 5; i++) {
        const jv *r = policy(doc, names[i]);
        assert_true(jv_get(r, "verified")->boolean);
        assert_near(num(r, "device.rows") + num(r, "host.rows"), SIZE, 0);
        assert_true(num(r, "time_s.median") > 0.0);
        assert_true(num(r, "speedup_vs_serial") > 0.0);
        assert_true(num(r, "speedup_vs_best_alone") > 0.0);
    }
    assert_near(num(policy(doc, "device-only"), "device.rows"), SIZE, 0);
    assert_near(num(policy(doc, "host-only"), "host.rows"), SIZE, 0);
    assert_near(num(policy(doc, "host-only"), "host.chunks"), SIZE / 8, 0);
    assert_near(num(policy(doc, "static"), "device.rows"), SIZE / 4, 0);
    assert_near(num(policy(doc, "static"), "device.chunks"), 1, 0);
    /* dynamic: every chunk of the one counter went to exactly one side */
    const jv *proxy = policy(doc, "dynamic-proxy"), *svm = policy(doc, "dynamic-svm");
    assert_near(num(proxy, "device.chunks") + num(proxy, "host.chunks"), SIZE / 8, 0);
    assert_near(num(svm, "device.chunks") + num(svm, "host.chunks"), SIZE / 8, 0);
    jv_free(doc);
}

/* Many runs of the two dynamic policies with odd chunk sizes: a row claimed twice or never
 * shows as a failed verification (the image is poisoned before each run). */
static void dynamic_policies_verify_run_after_run(void **state) {
    (void)state;
    static const char *const chunks[] = {"1", "7", "200"};
    for (size_t i = 0; i < 3; i++) {
        char args[160];
        snprintf(args, sizeof args,
                 "--size=%d --iters=32 --chunk=%s --reps=8 --warmup=0 --inflight=%zu "
                 "--policy=dynamic-proxy,dynamic-svm",
                 SIZE + 5, chunks[i], 1 + i);
        jv *doc = sched_json(args);
        assert_true(jv_get(policy(doc, "dynamic-proxy"), "verified")->boolean);
        assert_true(jv_get(policy(doc, "dynamic-svm"), "verified")->boolean);
        jv_free(doc);
    }
}

static void table_reports_each_policy(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "sched --device=cpu --size=64 --iters=16 --reps=1 --warmup=0"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "static (0.50)");
    assert_contains(p.out, "dynamic-proxy");
    assert_contains(p.out, "dynamic-svm");
    assert_contains(p.out, "vs best alone");
    hx_proc_free(&p);
}

static void svm_stress_counts_exactly(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "sched --device=cpu --svm-stress=60 --seed=7"), 0);
    if (p.status != 0)
        print_error("stderr: %s\n", p.err);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "svm-stress: 60 runs");
    assert_contains(p.out, "every count exact");
    hx_proc_free(&p);
}

static void bad_options_are_usage_errors(void **state) {
    (void)state;
    static const char *const bad[] = {
        "sched --policy=fastest", "sched --split=1.5", "sched --chunk=0",
        "sched --inflight=99",    "sched sgemm",       "sched --size=0"};
    static const char *const named[] = {"fastest",    "--split", "--chunk",
                                        "--inflight", "sgemm",   "--size"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", bad[i]), 0);
        if (p.status != 2)
            print_error("%s: exit %d, stderr %s\n", bad[i], p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, named[i]);
        hx_proc_free(&p);
    }
}

static int have_cpu_device(void **state) {
    (void)state;
    hx_proc p;
    if (hx_run_hetero_cmd(&p, "run --device=cpu --backend=opencl --size=16 --reps=1 vecadd") != 0)
        return -1;
    int status = p.status;
    hx_proc_free(&p);
    if (status == 3) {
        fprintf(stderr, "no OpenCL CPU device: skipped\n");
        exit(77);
    }
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_policy_verifies_and_splits_the_rows),
        cmocka_unit_test(dynamic_policies_verify_run_after_run),
        cmocka_unit_test(table_reports_each_policy),
        cmocka_unit_test(svm_stress_counts_exactly),
        cmocka_unit_test(bad_options_are_usage_errors),
    };
    return cmocka_run_group_tests(tests, have_cpu_device, NULL);
}
