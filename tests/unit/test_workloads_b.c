/*
 * test_workloads_b.c - mandelbrot, histogram, stencil2d and nbody: every backend (each SIMD level
 * this CPU has, and OpenCL on the CPU device) at small and awkward sizes, verified by measure.c
 * against serial; spot checks computed here, independently of the workload code; and for each
 * workload a proof that its tolerance rejects a result with one element corrupted.
 */
#include "hetero/core/cpu.h"
#include "hetero/core/rng.h"
#include "hetero/engine/measure.h"
#include "hetero/workloads/histogram.h"
#include "hetero/workloads/mandelbrot.h"
#include "hx_test.h"
#include "hx_test_ocl.h"

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
        if (!hx_mem_supported(hx_ocl.session->dev, (hx_mem_mode)m))
            continue;
        hx_target t = {.session = hx_ocl.session, .mem = (hx_mem_mode)m};
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

/* ---- histogram ------------------------------------------------------------------------------ */

/* The bins of in->out must sum to n and match counts made here from the input itself. */
static void histogram_spot_check(const hx_instance *in) {
    hx_histogram_input input;
    hx_histogram_input_of(&in->problem, &input);
    assert_int_equal(input.n, in->problem.size);
    const uint32_t *bins = in->out;
    uint64_t sum = 0;
    for (int b = 0; b < HX_HISTOGRAM_BINS; b++)
        sum += bins[b];
    assert_int_equal(sum, input.n);
    const int probe[] = {0, 0x2A, 255};
    for (size_t k = 0; k < 3; k++) {
        uint32_t count = 0;
        for (size_t i = 0; i < input.n; i++)
            count += input.bytes[i] == probe[k];
        assert_int_equal(bins[probe[k]], count);
    }
}

static void histogram_every_backend(void **state) {
    (void)state;
    const uint64_t sizes[] = {1, 31, 33, 1000, 65536 + 13};
    const double variants[][2] = {{0, 0}, {0.9, 0}, {0, 1}, {1, 1}}; /* skew, shared-bins */
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            hx_instance in;
            every_backend(&in, "histogram", sizes[s], variants[v]);
            histogram_spot_check(&in);
            hx_instance_free(&in);
        }
}

static void histogram_full_skew_fills_one_bin(void **state) {
    (void)state;
    hx_instance in;
    const double all_hot[] = {1, 0};
    init_with_reference(&in, "histogram", 4096, all_hot);
    const uint32_t *bins = in.ref;
    for (int b = 0; b < HX_HISTOGRAM_BINS; b++)
        assert_int_equal(bins[b], b == 0x2A ? 4096 : 0);
    hx_instance_free(&in);
}

static void histogram_tolerance_rejects_one_wrong_bin(void **state) {
    (void)state;
    hx_instance in;
    init_with_reference(&in, "histogram", 10000, NULL);
    check_verdicts(&in, add_one_count, 77);
    hx_instance_free(&in);
}

/* ---- stencil2d ------------------------------------------------------------------------------ */

/* The initial grid, as setup makes it: uniform in [-1, 1) from stream 1 of the seed. */
static float grid0(const hx_instance *in, size_t i, size_t j) {
    return hx_rng_float(in->problem.seed, 1, i * in->problem.size + j, -1.0f, 1.0f);
}

/* One sweep: every interior point is the average of its neighbours in the initial grid, the
 * boundary is the initial one, and nothing leaves [-M, M] (maximum principle). */
static void stencil2d_one_sweep_spot_check(const hx_instance *in) {
    const size_t n = in->problem.size;
    const float *u = in->out;
    float m = 0.0f;
    for (size_t k = 0; k < n * n; k++)
        m = fmaxf(m, fabsf(grid0(in, k / n, k % n)));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            float expect = grid0(in, i, j);
            if (i > 0 && j > 0 && i + 1 < n && j + 1 < n)
                expect = 0.25f * ((grid0(in, i - 1, j) + grid0(in, i + 1, j)) +
                                  (grid0(in, i, j - 1) + grid0(in, i, j + 1)));
            assert_near(u[i * n + j], expect, 0.0);
            assert_true(fabsf(u[i * n + j]) <= m);
        }
}

static void stencil2d_every_backend(void **state) {
    (void)state;
    const uint64_t sizes[] = {3, 4, 17, 33, 70};
    const double sweeps[][1] = {{1}, {2}, {5}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t k = 0; k < sizeof sweeps / sizeof sweeps[0]; k++) {
            hx_instance in;
            every_backend(&in, "stencil2d", sizes[s], sweeps[k]);
            if (sweeps[k][0] == 1)
                stencil2d_one_sweep_spot_check(&in);
            hx_instance_free(&in);
        }
}

static void stencil2d_many_sweeps_approach_the_boundary_mean(void **state) {
    (void)state;
    /* Jacobi converges to the discrete harmonic function of the boundary: after many sweeps on
     * a small grid, each interior point is (nearly) the average of its neighbours */
    hx_instance in;
    const double sweeps[] = {2000};
    init_with_reference(&in, "stencil2d", 8, sweeps);
    const float *u = in.ref;
    for (size_t i = 1; i < 7; i++)
        for (size_t j = 1; j < 7; j++)
            assert_near(u[i * 8 + j],
                        0.25 * (u[(i - 1) * 8 + j] + u[(i + 1) * 8 + j] + u[i * 8 + j - 1] +
                                u[i * 8 + j + 1]),
                        1e-5);
    hx_instance_free(&in);
}

static float stencil2d_bad_by;

static void shift_float(void *out, size_t k) {
    ((float *)out)[k] += stencil2d_bad_by;
}

static void stencil2d_tolerance_rejects_one_wrong_point(void **state) {
    (void)state;
    hx_instance in;
    init_with_reference(&in, "stencil2d", 40, NULL);
    memcpy(in.out, in.ref, in.problem.out_bytes);
    hx_verdict v;
    in.problem.workload->verify(&in.problem, in.out, in.ref, &v);
    /* twice the allowed absolute difference (tolerance x M, M <= 1) */
    stencil2d_bad_by = (float)(2.0 * v.tolerance);
    check_verdicts(&in, shift_float, 20 * 40 + 13);
    hx_instance_free(&in);
}

/* ---- nbody ---------------------------------------------------------------------------------- */

typedef struct body {
    double x, y, z, m;
} body;

/* Body i as setup makes it from the generator: positions in [-1, 1)^3, mass in [0.5, 1.5). */
static body body_at(const hx_instance *in, size_t i) {
    uint64_t seed = in->problem.seed;
    return (body){hx_rng_float(seed, 1, i, -1.0f, 1.0f), hx_rng_float(seed, 2, i, -1.0f, 1.0f),
                  hx_rng_float(seed, 3, i, -1.0f, 1.0f), hx_rng_float(seed, 4, i, 0.5f, 1.5f)};
}

/* The force on body i in double (acc[3]) and the sum of the term magnitudes S_i. */
static double exact_force(const hx_instance *in, size_t i, double acc[3]) {
    const double eps2 = (double)0.01f;
    body bi = body_at(in, i);
    double s = 0.0;
    acc[0] = acc[1] = acc[2] = 0.0;
    for (size_t j = 0; j < in->problem.size; j++) {
        body bj = body_at(in, j);
        double d[3] = {bj.x - bi.x, bj.y - bi.y, bj.z - bi.z};
        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        double w = bj.m / pow(r2 + eps2, 1.5);
        for (int c = 0; c < 3; c++)
            acc[c] += w * d[c];
        s += w * sqrt(r2);
    }
    return s;
}

/* A few bodies against double precision, within one backend's share of the tolerance, and
 * momentum conservation: sum_i m_i a_i = 0 up to rounding (every pair acts equal and opposite). */
static void nbody_spot_check(const hx_instance *in) {
    const size_t n = in->problem.size;
    const float *a = in->out;
    const double one_backend = hx_gamma((double)n + 40.0);
    for (size_t i = 0; i < n; i += 1 + n / 5) {
        double acc[3];
        double s = exact_force(in, i, acc);
        for (int c = 0; c < 3; c++)
            assert_true(fabs(a[c * n + i] - acc[c]) <= one_backend * s + 1e-30);
    }
    double p[3] = {0, 0, 0}, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double acc[3], m = body_at(in, i).m;
        if (n <= 300)
            scale += m * exact_force(in, i, acc);
        for (int c = 0; c < 3; c++)
            p[c] += m * a[c * n + i];
    }
    for (int c = 0; c < 3 && n <= 300; c++)
        assert_true(fabs(p[c]) <= 2.0 * one_backend * scale + 1e-30);
}

static void nbody_every_backend(void **state) {
    (void)state;
    const uint64_t sizes[] = {1, 2, 7, 17, 100, 300};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        hx_instance in;
        every_backend(&in, "nbody", sizes[s], NULL);
        nbody_spot_check(&in);
        hx_instance_free(&in);
    }
}

static float nbody_bad_by;

static void shift_nbody(void *out, size_t k) {
    ((float *)out)[k] += nbody_bad_by;
}

static void nbody_tolerance_rejects_one_wrong_component(void **state) {
    (void)state;
    hx_instance in;
    init_with_reference(&in, "nbody", 64, NULL);
    double acc[3];
    const size_t which = 21, component = 1; /* ay of body 21 */
    double s = exact_force(&in, which, acc);
    nbody_bad_by = (float)(2.0 * 2.0 * hx_gamma(64 + 40) * s); /* twice the tolerance */
    check_verdicts(&in, shift_nbody, component * 64 + which);
    hx_instance_free(&in);
}

/* ---- the suite --------------------------------------------------------------------------------
 */

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mandelbrot_every_backend),
        cmocka_unit_test(mandelbrot_known_points),
        cmocka_unit_test(mandelbrot_rows_compute_a_chunk_in_place),
        cmocka_unit_test(mandelbrot_tolerance_rejects_one_wrong_pixel),
        cmocka_unit_test(histogram_every_backend),
        cmocka_unit_test(histogram_full_skew_fills_one_bin),
        cmocka_unit_test(histogram_tolerance_rejects_one_wrong_bin),
        cmocka_unit_test(stencil2d_every_backend),
        cmocka_unit_test(stencil2d_many_sweeps_approach_the_boundary_mean),
        cmocka_unit_test(stencil2d_tolerance_rejects_one_wrong_point),
        cmocka_unit_test(nbody_every_backend),
        cmocka_unit_test(nbody_tolerance_rejects_one_wrong_component),
    };
    return cmocka_run_group_tests(tests, hx_test_ocl_setup, hx_test_ocl_teardown);
}
