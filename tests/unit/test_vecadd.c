/*
 * test_vecadd.c - every vecadd backend on small, awkward sizes (tails, a single element, sizes
 * that are not multiples of any vector or work-group), every SIMD level this CPU has, every
 * OpenCL memory mode the device has; each verified by measure.c against serial and spot-checked
 * against values computed here.
 */
#include "hetero/core/cpu.h"
#include "hetero/core/rng.h"
#include "hetero/engine/measure.h"
#include "hx_test.h"
#include "hx_test_ocl.h"

static const hx_measure_opts quick = {.reps = 2, .warmup = 1};
static const uint64_t sizes[] = {1, 7, 16, 33, 1000, 4099, 65536 + 13};

/* c[i] must be a[i] + b[i] of the generator's values, independently of the workload code. */
static void spot_check(const hx_instance *in) {
    const float *c = in->out;
    for (uint64_t i = 0; i < in->problem.size; i += 1 + in->problem.size / 17) {
        float a = hx_rng_float(in->problem.seed, 1, i, -1.0f, 1.0f);
        float b = hx_rng_float(in->problem.seed, 2, i, -1.0f, 1.0f);
        assert_near(c[i], a + b, 0.0);
    }
}

static void run_backend(hx_backend b, const hx_target *t) {
    const hx_workload *w = hx_workload_find("vecadd");
    assert_non_null(w);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        hx_instance in;
        hx_result r;
        assert_int_equal(hx_instance_init(&in, w, sizes[s], 7, 2, NULL), HX_OK);
        assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
        assert_true(r.verified);
        int status = hx_measure(&in, b, t, &quick, &r);
        if (status != HX_OK)
            print_error("%s\n", hx_error_message());
        assert_int_equal(status, HX_OK);
        if (!r.verified)
            print_error("%s size %llu: max err %g\n", r.backend, (unsigned long long)sizes[s],
                        r.max_rel_err);
        assert_true(r.verified);
        assert_true(r.time.median > 0);
        assert_near(r.bytes, 12.0 * (double)sizes[s], 0);
        spot_check(&in);
        hx_instance_free(&in);
    }
}

static void cpu_backends_at_every_simd_level(void **state) {
    (void)state;
    hx_simd_level best = hx_cpu()->simd_max;
    for (int level = HX_SIMD_SCALAR; level <= (int)best; level++) {
        assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
        run_backend(HX_BACKEND_SIMD, NULL);
        run_backend(HX_BACKEND_OMP_SIMD, NULL);
    }
    hx_cpu_set_simd(best);
    run_backend(HX_BACKEND_OMP, NULL);
}

static void asking_for_more_simd_than_the_cpu_has_is_refused(void **state) {
    (void)state;
    if (hx_cpu()->simd_max == HX_SIMD_AVX512)
        skip();
    assert_int_equal(hx_cpu_set_simd(HX_SIMD_AVX512), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "avx512");
}

static void opencl_in_every_memory_mode(void **state) {
    (void)state;
    for (int m = 0; m < HX_MEM_COUNT; m++) {
        if (!hx_mem_supported(hx_ocl.session->dev, (hx_mem_mode)m))
            continue;
        hx_target t = {.session = hx_ocl.session, .mem = (hx_mem_mode)m};
        run_backend(HX_BACKEND_OPENCL, &t);
    }
}

static void a_wrong_result_is_caught(void **state) {
    (void)state;
    const hx_workload *w = hx_workload_find("vecadd");
    hx_instance in;
    hx_result r;
    assert_int_equal(hx_instance_init(&in, w, 1024, 7, 1, NULL), HX_OK);
    assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
    float *out = in.out;
    memcpy(out, in.ref, in.problem.out_bytes);
    hx_verdict v;
    w->verify(&in.problem, out, in.ref, &v);
    assert_true(v.ok);
    out[500] = nextafterf(nextafterf(nextafterf(out[500], 10.f), 10.f), 10.f); /* 3 ulps off */
    w->verify(&in.problem, out, in.ref, &v);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 500);
    hx_instance_free(&in);
}

static void sizes_out_of_range_are_refused_before_allocating(void **state) {
    (void)state;
    const hx_workload *w = hx_workload_find("vecadd");
    hx_instance in;
    assert_int_equal(hx_instance_init(&in, w, 0, 7, 1, NULL), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--size 0 is out of range for vecadd");
    assert_int_equal(hx_instance_init(&in, w, w->max_size + 1, 7, 1, NULL), HX_ERR_USAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpu_backends_at_every_simd_level),
        cmocka_unit_test(asking_for_more_simd_than_the_cpu_has_is_refused),
        cmocka_unit_test(opencl_in_every_memory_mode),
        cmocka_unit_test(a_wrong_result_is_caught),
        cmocka_unit_test(sizes_out_of_range_are_refused_before_allocating),
    };
    return cmocka_run_group_tests(tests, hx_test_ocl_setup, hx_test_ocl_teardown);
}
