/*
 * test_svm.c - memory modes and shared virtual memory with atomics, end to end.
 *
 * Every memory mode the OpenCL CPU device reports runs and verifies vecadd, histogram and
 * histogram-coop, each row carrying its mode and an end-to-end time next to its kernel time; the
 * coop histogram (device and host threads incrementing the same SVM bins) is exact in every run,
 * whatever the split.  Without an OpenCL CPU device the tests are skipped (exit 77).
 */
#include <stdio.h>
#include <stdlib.h>

#include "hx_test.h"

static jv *run_json(const char *args, int expect_status) {
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "%s --format=json", args), 0);
    jv *doc = hx_expect_json(&p, expect_status);
    hx_proc_free(&p);
    return doc;
}

static const jv *row(const jv *doc, const char *workload, const char *backend, const char *mem) {
    const jv *rs = jv_get(doc, "results");
    for (size_t i = 0; rs && i < rs->len; i++) {
        const jv *r = jv_at(rs, i);
        const jv *m = jv_get(r, "mem");
        if (strcmp(jv_get(r, "workload")->string, workload) == 0 &&
            strcmp(jv_get(r, "backend")->string, backend) == 0 &&
            (!mem || (m && strcmp(m->string, mem) == 0)))
            return r;
    }
    return NULL;
}

static double number(const jv *r, const char *path) {
    const jv *v = jv_path(r, path);
    if (!v || v->type != JV_NUMBER) {
        print_error("no number at %s\n", path);
        fail();
    }
    return v->number;
}

static void every_mode_runs_verifies_and_reports_its_e2e(void **state) {
    (void)state;
    jv *doc = run_json("run --device=cpu --mem=all --backend=serial,opencl --size=65536 --reps=3 "
                       "--warmup=1 vecadd histogram histogram-coop",
                       0);
    static const char *const modes[] = {"buffer", "svm-coarse", "svm-fine", "zero-copy"};
    static const char *const workloads[] = {"vecadd", "histogram", "histogram-coop"};
    for (size_t w = 0; w < 3; w++)
        for (size_t m = 0; m < 4; m++) {
            const jv *r = row(doc, workloads[w], "opencl", modes[m]);
            if (!r)
                print_error("no %s opencl row in mode %s\n", workloads[w], modes[m]);
            assert_non_null(r);
            assert_true(jv_get(r, "verified")->boolean);
            double kernel = number(r, "time_s.median"), e2e = number(r, "e2e_time_s.median");
            assert_true(kernel > 0.0);
            assert_true(e2e >= kernel); /* the whole run includes its kernels */
            bool fine = m == 2;
            assert_int_equal(jv_get(r, "e2e_in_place_s") != NULL, fine);
            if (fine)
                assert_true(number(r, "e2e_in_place_s") > 0.0);
        }
    jv_free(doc);
}

static void table_names_each_mode_and_its_in_place_figure(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --device=cpu --mem=all --backend=opencl "
                                           "--size=4096 --reps=1 --warmup=0 vecadd"),
                     0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "[buffer]");
    assert_contains(p.out, "[svm-coarse]");
    assert_contains(p.out, "[svm-fine]");
    assert_contains(p.out, "[zero-copy]");
    assert_contains(p.out, "e2e median");
    assert_contains(p.out, "vecadd/opencl [svm-fine]: e2e_in_place_s=");
    hx_proc_free(&p);
}

/* PoCL shares the host's memory: auto takes zero-copy there and says so. */
static void auto_takes_zero_copy_on_a_host_unified_device(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --device=cpu --mem=auto --backend=opencl "
                                           "--size=70000 --reps=2 --warmup=1 --format=json vecadd"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    assert_contains(p.err, "--mem=auto: using zero-copy");
    const jv *r = row(doc, "vecadd", "opencl", "zero-copy");
    assert_non_null(r);
    assert_true(jv_get(r, "verified")->boolean);
    jv_free(doc);
    hx_proc_free(&p);
}

/* Host-only, device-only and mixed splits, many runs each: every run is held to the serial
 * counts inside the binding, so one lost or doubled atomic update fails the command. */
static void coop_histogram_is_exact_for_every_split(void **state) {
    (void)state;
    static const char *const shares[] = {"0", "0.3", "0.5", "0.9", "1"};
    for (size_t i = 0; i < sizeof shares / sizeof shares[0]; i++) {
        char args[256];
        snprintf(args, sizeof args,
                 "run --device=cpu --mem=svm-fine --backend=serial,opencl --size=1000003 "
                 "--bins=%s --device-share=%s --seed=%zu --reps=15 --warmup=1 histogram-coop",
                 i % 2 ? "7" : "1024", shares[i], 100 + i);
        jv *doc = run_json(args, 0);
        const jv *r = row(doc, "histogram-coop", "opencl", "svm-fine");
        assert_non_null(r);
        assert_true(jv_get(r, "verified")->boolean);
        double share = atof(shares[i]);
        assert_near(number(r, "device_share"), share, 1e-5);
        assert_near(number(r, "host_share"), 1.0 - share, 1e-5);
        assert_true(number(r, "atomic_updates_per_s") > 0.0);
        jv_free(doc);
    }
}

static void coop_rejects_a_share_out_of_range(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --device=cpu --device-share=1.5 histogram-coop"),
                     0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "--device-share");
    hx_proc_free(&p);
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
        cmocka_unit_test(every_mode_runs_verifies_and_reports_its_e2e),
        cmocka_unit_test(table_names_each_mode_and_its_in_place_figure),
        cmocka_unit_test(auto_takes_zero_copy_on_a_host_unified_device),
        cmocka_unit_test(coop_histogram_is_exact_for_every_split),
        cmocka_unit_test(coop_rejects_a_share_out_of_range),
    };
    return cmocka_run_group_tests(tests, have_cpu_device, NULL);
}
