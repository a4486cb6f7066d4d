/*
 * test_workloads_a.c - triad, reduce, dot, sgemm and scan on every backend this build has
 * (serial, simd at every SIMD level of this CPU, omp and omp-simd at 2 and 3 threads, blas, and
 * opencl in every memory mode of the CPU OpenCL device), at small and awkward sizes (one
 * element, tails, sizes that are not multiples of a vector, a micro-tile, a work-group or a
 * 64 x 64 tile, a scan deep enough for three levels of block sums).  Each result is verified by
 * measure.c against serial and spot-checked against values computed here from the input
 * generator; and each tolerance is shown to reject an output with ONE element corrupted.
 */
#include "hetero/core/cpu.h"
#include "hetero/core/rng.h"
#include "hetero/engine/backends.h"
#include "hx_test.h"
#include "hx_test_ocl.h"

static const hx_measure_opts quick = {.reps = 2, .warmup = 1};

typedef struct case_sizes {
    const char *workload;
    uint64_t sizes[5];
    size_t count;
} case_sizes;

static const case_sizes cases[] = {
    {"triad", {1, 7, 4099, 65536 + 13}, 4},
    {"reduce", {1, 33, 100003}, 3},
    {"dot", {1, 33, 100003}, 3},
    {"sgemm", {1, 7, 67, 130}, 4},
    /* scan on OpenCL: blocks of 8 x 256; 4194311 = 2049 blocks -> 2 -> 1, three levels */
    {"scan", {1, 7, 1000, 300007, 4194311}, 5},
};

/* ---- spot checks from the generator, independent of the workload code -------------------- */

static double u_roundoff(void) {
    return HX_FLT_UNIT_ROUNDOFF;
}

static void check_triad(const hx_instance *in, const float *a) {
    const uint64_t n = in->problem.size, seed = in->problem.seed;
    for (uint64_t i = 0; i < n; i += 1 + n / 17) {
        double b = hx_rng_float(seed, 1, i, -1.0f, 1.0f), c = hx_rng_float(seed, 2, i, -1.0f, 1.0f);
        assert_near(a[i], b + 3.0 * c, 2.0 * u_roundoff() * (fabs(b) + 3.0 * fabs(c)));
    }
}

/* sum |t_i| of reduce's or dot's terms, from the generator. */
static double abs_sum_of_terms(uint64_t n, uint64_t seed, bool dot, double *exact) {
    double abs_sum = 0.0;
    *exact = 0.0;
    for (uint64_t i = 0; i < n; i++) {
        double t = hx_rng_float(seed, 1, i, -1.0f, 1.0f);
        if (dot)
            t *= hx_rng_float(seed, 2, i, -1.0f, 1.0f);
        *exact += t;
        abs_sum += fabs(t);
    }
    return abs_sum;
}

static void check_sum(const hx_instance *in, const float *s, bool dot) {
    double exact;
    double abs_sum = abs_sum_of_terms(in->problem.size, in->problem.seed, dot, &exact);
    /* Higham: any order of n additions (and n products) is within gamma(n) sum |t_i| */
    assert_near(s[0], exact, hx_gamma((double)in->problem.size) * abs_sum);
}

static void check_sgemm(const hx_instance *in, const float *c) {
    const uint64_t n = in->problem.size, seed = in->problem.seed;
    for (uint64_t i = 0; i < n; i += 1 + n / 5)
        for (uint64_t j = 0; j < n; j += 1 + n / 7) {
            double exact = 0.0, scale = 0.0;
            for (uint64_t k = 0; k < n; k++) {
                double a = hx_rng_float(seed, 1, i * n + k, -1.0f, 1.0f);
                double b = hx_rng_float(seed, 2, k * n + j, -1.0f, 1.0f);
                exact += a * b;
                scale += fabs(a * b);
            }
            assert_near(c[i * n + j], exact, hx_gamma((double)n) * scale);
        }
}

static void check_scan(const hx_instance *in, const int32_t *y) {
    const uint64_t n = in->problem.size, seed = in->problem.seed;
    int64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += (int64_t)(hx_rng_bits(seed, 1, i) & 15);
        if (y[i] != sum) {
            print_error("scan: y[%llu] = %d, expected %lld\n", (unsigned long long)i, y[i],
                        (long long)sum);
            fail();
        }
    }
}

static void spot_check(const hx_instance *in, const void *out) {
    const char *name = in->problem.workload->name;
    if (strcmp(name, "triad") == 0)
        check_triad(in, out);
    else if (strcmp(name, "reduce") == 0)
        check_sum(in, out, false);
    else if (strcmp(name, "dot") == 0)
        check_sum(in, out, true);
    else if (strcmp(name, "sgemm") == 0)
        check_sgemm(in, out);
    else
        check_scan(in, out);
}

/* ---- every backend verifies ---------------------------------------------------------------- */

static void run_case(const case_sizes *c, hx_backend b, const hx_target *t, int threads) {
    const hx_workload *w = hx_workload_find(c->workload);
    assert_non_null(w);
    if (!hx_workload_has(w, b))
        return;
    for (size_t s = 0; s < c->count; s++) {
        hx_instance in;
        hx_result r;
        assert_int_equal(hx_instance_init(&in, w, c->sizes[s], 11, threads, NULL), HX_OK);
        assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
        assert_true(r.verified);
        spot_check(&in, in.ref);
        int status = hx_measure(&in, b, t, &quick, &r);
        if (status != HX_OK)
            print_error("%s %s: %s\n", c->workload, hx_backend_name(b), hx_error_message());
        assert_int_equal(status, HX_OK);
        if (!r.verified)
            print_error("%s %s size %llu: max err %g > %g\n", c->workload, r.backend,
                        (unsigned long long)c->sizes[s], r.max_rel_err, r.tolerance);
        assert_true(r.verified);
        assert_true(r.time.median > 0);
        spot_check(&in, in.out);
        hx_instance_free(&in);
    }
}

static void run_all(hx_backend b, const hx_target *t, int threads) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], b, t, threads);
}

static void simd_backends_at_every_simd_level(void **state) {
    (void)state;
    hx_simd_level best = hx_cpu()->simd_max;
    for (int level = HX_SIMD_SCALAR; level <= (int)best; level++) {
        assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
        run_all(HX_BACKEND_SIMD, NULL, 2);
        run_all(HX_BACKEND_OMP_SIMD, NULL, 2);
    }
    hx_cpu_set_simd(best);
    run_all(HX_BACKEND_OMP_SIMD, NULL, 3); /* an odd thread count: uneven chunks */
}

static void omp_backends_at_two_and_three_threads(void **state) {
    (void)state;
    run_all(HX_BACKEND_OMP, NULL, 2);
    run_all(HX_BACKEND_OMP, NULL, 3);
}

static void blas_backend(void **state) {
    (void)state;
    if (!hx_backend_built(HX_BACKEND_BLAS))
        skip();
    assert_true(hx_workload_has(hx_workload_find("sgemm"), HX_BACKEND_BLAS));
    assert_true(hx_workload_has(hx_workload_find("dot"), HX_BACKEND_BLAS));
    run_all(HX_BACKEND_BLAS, NULL, 2);
}

static void opencl_in_every_memory_mode(void **state) {
    (void)state;
    for (int m = 0; m < HX_MEM_COUNT; m++) {
        if (!hx_mem_supported(hx_ocl.session->dev, (hx_mem_mode)m))
            continue;
        hx_target t = {.session = hx_ocl.session, .mem = (hx_mem_mode)m};
        run_all(HX_BACKEND_OPENCL, &t, 1);
    }
}

/* ---- each tolerance rejects one corrupted element ------------------------------------------ */

/* Verify out (a copy of ref) untouched, then with element k moved by delta: the first passes,
 * the second fails on exactly element k. */
static void one_corrupted_element_is_caught(const char *name, uint64_t size, size_t k,
                                            double delta_in_tolerances) {
    const hx_workload *w = hx_workload_find(name);
    hx_instance in;
    hx_result r;
    assert_int_equal(hx_instance_init(&in, w, size, 5, 1, NULL), HX_OK);
    assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &r), HX_OK);
    memcpy(in.out, in.ref, in.problem.out_bytes);
    hx_verdict v;
    w->verify(&in.problem, in.out, in.ref, &v);
    assert_true(v.ok);
    if (strcmp(name, "scan") == 0) {
        assert_near(v.tolerance, 0.0, 0.0); /* integers: exact */
        ((int32_t *)in.out)[k] += 1;
    } else {
        float *o = in.out;
        assert_true(v.tolerance > 0);
        /* the largest scale any element's error is measured against, times a few tolerances */
        double scale;
        if (strcmp(name, "triad") == 0)
            scale = 4.0; /* |b| + 3 |c| <= 4 */
        else if (strcmp(name, "sgemm") == 0)
            scale = (double)size; /* max_k |a_ik| sum_k |b_kj| <= 1 * n */
        else {                    /* the floor of the norm-wise check: sum |t_i| */
            double exact;
            scale = abs_sum_of_terms(size, 5, strcmp(name, "dot") == 0, &exact);
        }
        o[k] = (float)(o[k] + delta_in_tolerances * v.tolerance * scale);
    }
    w->verify(&in.problem, in.out, in.ref, &v);
    assert_false(v.ok);
    assert_int_equal(v.bad_count, 1);
    assert_int_equal(v.first_bad, k);
    hx_instance_free(&in);
}

static void tolerances_reject_one_corrupted_element(void **state) {
    (void)state;
    one_corrupted_element_is_caught("triad", 4099, 2050, 3.0);
    one_corrupted_element_is_caught("reduce", 1000, 0, 3.0);
    one_corrupted_element_is_caught("dot", 1000, 0, 3.0);
    one_corrupted_element_is_caught("sgemm", 67, 67 * 30 + 41, 3.0);
    one_corrupted_element_is_caught("scan", 1000, 999, 0.0);
}

/* The perturbation above is small: a relative change well under 1% of the value. */
static void the_corruptions_are_small(void **state) {
    (void)state;
    /* triad: 3 * 2 gamma(2) * 4 ~ 3e-6 absolute on values up to 4 */
    assert_true(3.0 * 2.0 * hx_gamma(2) * 4.0 < 1e-5);
    /* reduce/dot at n = 1000: 3 * 2 * lambda sqrt(n) u ~ 1.1e-4 of sum |t_i| (~500 for reduce,
     * ~250 for dot): about 0.06 on sums of size ~ sqrt(n) / 2 ~ 16 */
    assert_true(3.0 * 2.0 * 10.0 * sqrt(1000.0) * u_roundoff() < 1.2e-4);
    /* sgemm at n = 67: 3 * 2 gamma(67) * 67 ~ 1.6e-3 absolute on values of size ~ sqrt(67)/3 */
    assert_true(3.0 * 2.0 * hx_gamma(67) * 67.0 < 2e-3);
}

static void cost_models(void **state) {
    (void)state;
    struct {
        const char *name;
        uint64_t n;
        double bytes, flops;
    } expect[] = {
        {"triad", 1000, 12000.0, 2000.0}, {"reduce", 1000, 4000.0, 1000.0},
        {"dot", 1000, 8000.0, 2000.0},    {"sgemm", 100, 120000.0, 2e6},
        {"scan", 1000, 8000.0, 0.0},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const hx_workload *w = hx_workload_find(expect[i].name);
        hx_problem p = {.workload = w, .size = expect[i].n};
        assert_near(w->bytes(&p), expect[i].bytes, 0);
        assert_near(w->flops ? w->flops(&p) : 0.0, expect[i].flops, 0);
    }
    assert_int_equal(hx_workload_default_size(hx_workload_find("sgemm")), 1000);
    assert_string_equal(hx_workload_find("sgemm")->size_unit, "matrix order n (n x n matrices)");
}

static void scan_refuses_sizes_that_could_overflow(void **state) {
    (void)state;
    const hx_workload *w = hx_workload_find("scan");
    assert_true(15.0 * (double)w->max_size < 2147483648.0);
    hx_instance in;
    assert_int_equal(hx_instance_init(&in, w, w->max_size + 1, 1, 1, NULL), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "out of range for scan");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cost_models),
        cmocka_unit_test(tolerances_reject_one_corrupted_element),
        cmocka_unit_test(the_corruptions_are_small),
        cmocka_unit_test(scan_refuses_sizes_that_could_overflow),
        cmocka_unit_test(simd_backends_at_every_simd_level),
        cmocka_unit_test(omp_backends_at_two_and_three_threads),
        cmocka_unit_test(blas_backend),
        cmocka_unit_test(opencl_in_every_memory_mode),
    };
    return cmocka_run_group_tests(tests, hx_test_ocl_setup, hx_test_ocl_teardown);
}
