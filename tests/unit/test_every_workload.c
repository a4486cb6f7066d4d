/*
 * test_every_workload.c - the generic correctness test: every registered workload on every
 * backend it declares, at its small test size, must verify against serial; at every SIMD level
 * this CPU has (so the AVX2 path is checked on an AVX-512 machine too), on the OpenCL CPU device
 * in every memory mode it has, and on CUDA where a GPU is present.  A workload added to the
 * registry is covered here without a test of its own.
 *
 * Each check can fail: a row that does not verify fails the test, and for each workload an output
 * left poisoned (never written) must be refused by its verify function.
 */
#include "hx_test.h"

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/engine/backends.h"
#include "hx_test_ocl.h"

static const hx_measure_opts quick = {.reps = 1, .warmup = 0};
static size_t rows_verified[HX_BACKEND_COUNT]; /* so a loop that ran nothing cannot pass */

static uint64_t test_size(const hx_workload *w) {
    return w->test_size ? w->test_size : w->min_size;
}

/* A device without a feature the workload needs (fp64, SVM atomics) is not a failure. */
static bool missing_feature(int status) {
    if (status != HX_ERR_MISSING)
        return false;
    fprintf(stderr, "  (not on this device: %s)\n", hx_error_message());
    hx_error_clear();
    return true;
}

static void expect_verified(hx_instance *in, hx_backend b, const hx_target *t) {
    hx_result r;
    int status = hx_measure(in, b, t, &quick, &r);
    if (missing_feature(status))
        return;
    if (status != HX_OK)
        print_error("%s/%s: %s\n", in->problem.workload->name, hx_backend_name(b),
                    hx_error_message());
    assert_int_equal(status, HX_OK);
    if (!r.verified)
        print_error("%s/%s on %s [%s]: max error %g > tolerance %g\n", r.workload, r.backend,
                    r.device, r.mem, r.max_rel_err, r.tolerance);
    assert_true(r.verified);
    assert_true(r.time.median >= 0);
    rows_verified[b]++;
}

/* Every backend w declares, on every target it can run on here. */
static void check_workload(const hx_workload *w, hx_target_set *ts, int threads) {
    hx_instance in;
    assert_int_equal(hx_instance_init(&in, w, test_size(w), 7, threads, NULL), HX_OK);
    expect_verified(&in, HX_BACKEND_SERIAL, NULL);
    for (int b = HX_BACKEND_SERIAL + 1; b < HX_BACKEND_COUNT; b++) {
        if (!hx_workload_has(w, (hx_backend)b))
            continue;
        if (b == HX_BACKEND_OPENCL) {
            for (size_t m = 0; m < ts->devices[0].nmodes; m++) {
                hx_target t = hx_target_of(ts, 0, m);
                expect_verified(&in, (hx_backend)b, &t);
            }
        } else if (b == HX_BACKEND_MPI) {
            continue; /* needs a job: test_mpi_bodies (1 rank) and e2e test_mpi (2 to 4 ranks) */
        } else if (b == HX_BACKEND_CUDA) {
            if (!ts->cuda)
                continue;
            hx_target t = {.cuda_device = 0};
            expect_verified(&in, (hx_backend)b, &t);
        } else {
            expect_verified(&in, (hx_backend)b, NULL);
        }
    }
    hx_instance_free(&in);
}

static void every_workload_verifies_on_every_backend(void **state) {
    hx_target_set *ts = *state;
    hx_simd_level best = hx_cpu()->simd_max;
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        fprintf(stderr, "%s at size %llu\n", w->name, (unsigned long long)test_size(w));
        check_workload(w, ts, 3); /* an odd thread count: uneven shares */
        for (int level = HX_SIMD_SCALAR; level < (int)best; level++) {
            assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
            check_workload(w, ts, 2);
        }
        hx_cpu_set_simd(best);
    }
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        size_t declared = 0;
        for (size_t i = 0; i < hx_workload_count(); i++)
            declared += hx_workload_has(hx_workload_at(i), (hx_backend)b);
        fprintf(stderr, "%-9s %zu workloads, %zu rows verified\n", hx_backend_name((hx_backend)b),
                declared, rows_verified[b]);
        if ((b != HX_BACKEND_CUDA || ts->cuda) && b != HX_BACKEND_MPI)
            assert_true(rows_verified[b] >= declared);
    }
}

static void a_poisoned_output_never_verifies(void **state) {
    (void)state;
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        hx_instance in;
        assert_int_equal(hx_instance_init(&in, w, test_size(w), 7, 2, NULL), HX_OK);
        hx_result r;
        assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
        assert_true(r.verified);
        memset(in.out, 0xFF, in.problem.out_bytes); /* what no backend wrote */
        hx_verdict v;
        w->verify(&in.problem, in.out, in.ref, &v);
        if (v.ok)
            print_error("%s accepted an output nobody wrote\n", w->name);
        assert_false(v.ok);
        hx_instance_free(&in);
    }
}

static int open_targets(void **state) {
    static hx_test_ocl ocl;
    hx_test_ocl_open_mem(&ocl, "all");
    hx_target_set *ts = &ocl.targets;
#ifdef HETERO_HAVE_CUDA
    hx_target_spec cuda = {.cuda = true};
    hx_target_set gpu;
    if (hx_target_open(&gpu, &cuda) == HX_OK) {
        ts->cuda = gpu.cuda;
        hx_target_close(&gpu);
    }
#endif
    *state = ts;
    return 0;
}

static int close_targets(void **state) {
    hx_target_close(*state);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_workload_verifies_on_every_backend),
        cmocka_unit_test(a_poisoned_output_never_verifies),
    };
    return cmocka_run_group_tests(tests, open_targets, close_targets);
}
