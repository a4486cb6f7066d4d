/*
 * test_workloads_b.c - mandelbrot, histogram, stencil2d and nbody: every backend (each SIMD level
 * this CPU has, and OpenCL on the CPU device) at small and awkward sizes, verified by measure.c
 * against serial; spot checks computed here, independently of the workload code; and for each
 * workload a proof that its tolerance rejects a result with one element corrupted.
 */
#include "hetero/cpu.h"
#include "hetero/mandelbrot.h"
#include "hetero/measure.h"
#include "hx_test.h"
#include "hx_test_ocl.h"

static hx_test_ocl ocl;
static const hx_measure_opts quick = {.reps = 1, .warmup = 1};

/* Set up w at size with params (NULL: defaults) and measure serial into in->ref. */
static void init_with_reference(hx_instance *in, const char *name, uint64_t size,
                                const double *params) {
    const hx_workload *w = hx_workload_find(name);
    assert_non_null(w);
    int status = hx_instance_init(in, w, size, 7, 2, params);
    if (status != HX_OK)
        print_error("%s\n", hx_error_message());
    assert_int_equal(status, HX_OK);
    hx_result r;
    assert_int_equal(hx_measure(in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
    if (!r.verified)
        print_error("%s serial does not verify itself\n", name);
    assert_true(r.verified);
}

static void measure_verified(hx_instance *in, hx_backend b, const hx_target *t) {
    hx_result r;
    int status = hx_measure(in, b, t, &quick, &r);
    if (status != HX_OK)
        print_error("%s\n", hx_error_message());
    assert_int_equal(status, HX_OK);
    if (!r.verified)
        print_error("%s/%s size %llu: max err %g > tolerance %g\n", r.workload, r.backend,
                    (unsigned long long)r.size, r.max_rel_err, r.tolerance);
    assert_true(r.verified);
    assert_true(r.bytes > 0);
}

/* Every backend of workload name at size: simd and omp-simd at every SIMD level, omp, and
 * OpenCL in every memory mode the device has.  The output is left from the last backend. */
static void every_backend(hx_instance *in, const char *name, uint64_t size, const double *params) {
    init_with_reference(in, name, size, params);
    hx_simd_level best = hx_cpu()->simd_max;
    for (int level = HX_SIMD_SCALAR; level <= (int)best; level++) {
        assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
        measure_verified(in, HX_BACKEND_SIMD, NULL);
        measure_verified(in, HX_BACKEND_OMP_SIMD, NULL);
    }
    hx_cpu_set_simd(best);
    measure_verified(in, HX_BACKEND_OMP, NULL);
    for (int m = 0; m < HX_MEM_COUNT; m++) {
        if (!hx_mem_supported(ocl.session.dev, (hx_mem_mode)m))
            continue;
        hx_target t = {.session = &ocl.session, .mem = (hx_mem_mode)m};
        measure_verified(in, HX_BACKEND_OPENCL, &t);
    }
}

/* verify(copy of ref) passes; verify(copy with element k changed by corrupt()) fails. */
static void check_verdicts(hx_instance *in, void (*corrupt)(void *out, size_t k), size_t k) {
    const hx_workload *w = in->problem.workload;
    memcpy(in->out, in->ref, in->problem.out_bytes);
    hx_verdict v;
    w->verify(&in->problem, in->out, in->ref, &v);
    assert_true(v.ok);
    assert_int_equal(v.bad_count, 0);
    corrupt(in->out, k);
    w->verify(&in->problem, in->out, in->ref, &v);
    if (v.ok)
        print_error("%s: element %zu corrupted and still verified (err %g, tol %g)\n", w->name, k,
                    v.max_err, v.tolerance);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, k);
}

/* ---- mandelbrot ----------------------------------------------------------------------------- */

static void mandelbrot_every_backend(void **state) {
    (void)state;
    const uint64_t sizes[] = {1, 7, 17, 64, 131};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        hx_instance in;
        every_backend(&in, "mandelbrot", sizes[s], NULL);
        hx_instance_free(&in);
    }
    hx_instance in;
    const double few_iters[] = {3};
    every_backend(&in, "mandelbrot", 40, few_iters);
    hx_instance_free(&in);
}

/* At 64 x 64 pixel (col, row) is c = (-2 + col*3/64, -1.5 + row*3/64), all exact in float. */
static void mandelbrot_known_points(void **state) {
    (void)state;
    hx_instance in;
    const double iters[] = {300};
    init_with_reference(&in, "mandelbrot", 64, iters);
    const uint32_t *img = in.ref;
    assert_int_equal(img[32 * 64 + 32], 300); /* c = -0.5: inside the main cardioid */
    assert_int_equal(img[32 * 64 + 16], 300); /* c = -1.25: inside the period-2 bulb */
    assert_int_equal(img[0], 1);              /* c = -2 - 1.5i: |c|^2 > 4 after one step */
    assert_int_equal(img[32 * 64 + 0], 300);  /* c = -2: the tip, stays at z = 2 forever */
    /* c = 0.4375 (col 52), right of the cusp at 0.25: z passes 2 after a few steps */
    uint32_t n = img[32 * 64 + 52];
    assert_true(n > 1 && n < 20);
    hx_mandelbrot_geometry g;
    hx_mandelbrot_geometry_of(&in.problem, &g);
    assert_int_equal(g.width, 64);
    assert_int_equal(g.height, 64);
    assert_near(g.x_min + 32 * g.dx, -0.5, 0);
    hx_instance_free(&in);
}

static void mandelbrot_rows_compute_a_chunk_in_place(void **state) {
    (void)state;
    hx_instance in;
    init_with_reference(&in, "mandelbrot", 50, NULL);
    uint32_t *img = in.out;
    memset(img, 0xFF, in.problem.out_bytes);
    hx_mandelbrot_rows(&in.problem, img, 10, 20);
    const uint32_t *ref = in.ref;
    for (size_t i = 0; i < 50 * 50; i++) {
        if (i >= 10 * 50 && i < 20 * 50)
            assert_int_equal(img[i], ref[i]);
        else
            assert_int_equal(img[i], 0xFFFFFFFFu); /* rows outside the chunk untouched */
    }
    hx_instance_free(&in);
}

static void add_one_count(void *out, size_t k) {
    ((uint32_t *)out)[k] += 1;
}

static void mandelbrot_tolerance_rejects_one_wrong_pixel(void **state) {
    (void)state;
    hx_instance in;
    init_with_reference(&in, "mandelbrot", 64, NULL);
    /* pixel (32, 32) lies deep inside the set: a flat region where any difference is wrong */
    check_verdicts(&in, add_one_count, 32 * 64 + 32);
    /* edge pixels may differ, at most 0.1% of them (4 of 4096): 4 pass, 5 fail */
    const uint32_t *ref = in.ref;
    uint32_t *out = in.out;
    memcpy(out, ref, in.problem.out_bytes);
    size_t changed = 0;
    hx_verdict v;
    for (size_t i = 64; i < 64 * 63 && changed < 5; i++) {
        if (ref[i] != ref[i + 1] && ref[i] != ref[i - 1]) { /* on an edge */
            out[i] += 1;
            if (++changed == 4) {
                in.problem.workload->verify(&in.problem, out, ref, &v);
                assert_true(v.ok);
                assert_int_equal(v.bad_count, 4);
            }
        }
    }
    assert_int_equal(changed, 5);
    in.problem.workload->verify(&in.problem, out, ref, &v);
    assert_false(v.ok);
    hx_instance_free(&in);
}

/* ---- the suite --------------------------------------------------------------------------------
 */

static int open_ocl(void **state) {
    (void)state;
    hx_test_ocl_open(&ocl);
    return 0;
}

static int close_ocl(void **state) {
    (void)state;
    hx_test_ocl_close(&ocl);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mandelbrot_every_backend),
        cmocka_unit_test(mandelbrot_known_points),
        cmocka_unit_test(mandelbrot_rows_compute_a_chunk_in_place),
        cmocka_unit_test(mandelbrot_tolerance_rejects_one_wrong_pixel),
    };
    return cmocka_run_group_tests(tests, open_ocl, close_ocl);
}
