/*
 * test_scale_laws.c - the scaling analysis on hand-made points: weak-scaling sizes, Karp-Flatt
 * and its domain, absolute and relative speedups, the fit selection (oversubscribed, unverified
 * and noisy points) and the no-fit rules, the crossover, the plan and its memory estimate.
 * Nothing here measures: every time is made up, so every expected value is exact.
 */
#include "hetero/analysis/laws.h"
#include "hetero/analysis/report.h"
#include "hetero/analysis/scale.h"
#include "hetero/core/error.h"
#include "hx_test.h"

#define CORES 4

/* A measured point of backend b at p with median t (seconds), verified. */
static hx_scale_point point(hx_backend b, unsigned p, uint64_t size, double t) {
    hx_scale_point pt;
    memset(&pt, 0, sizeof pt);
    pt.backend = b;
    pt.p = p;
    pt.r.size = size;
    pt.r.threads = (int)p;
    pt.r.time.median = pt.r.time.min = pt.r.time.max = t;
    pt.r.verified = true;
    pt.r.bytes = 1e6;
    pt.oversubscribed = p > CORES && hx_backend_is_cpu(b);
    pt.serial_median = 10.0;
    snprintf(pt.r.device, sizeof pt.r.device, "test cpu");
    return pt;
}

/* omp points following Amdahl's law with parallel fraction P exactly (T1 = 10 s). */
static size_t amdahl_points(hx_scale_point *pts, double P, const unsigned *ps, size_t n) {
    for (size_t i = 0; i < n; i++)
        pts[i] = point(HX_BACKEND_OMP, ps[i], 1000, 10.0 * ((1 - P) + P / ps[i]));
    hx_scale_derive(pts, n, NULL, 0, HX_SCALE_STRONG, NULL, 0);
    return n;
}

/* ---- weak scaling ------------------------------------------------------------------------------
 */

static void weak_sizes_follow_the_cost_model(void **state) {
    (void)state;
    const hx_workload *vecadd = hx_workload_find("vecadd"), *sgemm = hx_workload_find("sgemm");
    const hx_workload *stencil = hx_workload_find("stencil2d");
    double params[HX_MAX_PARAMS] = {10}; /* stencil2d: 10 sweeps */
    uint64_t s;
    assert_int_equal(hx_scale_weak_size(vecadd, params, 32768, 2, &s), HX_OK);
    assert_int_equal(s, 65536); /* linear work: size x p */
    assert_int_equal(hx_scale_weak_size(vecadd, params, 1000, 3, &s), HX_OK);
    assert_int_equal(s, 3000);
    assert_int_equal(hx_scale_weak_size(sgemm, params, 256, 8, &s), HX_OK);
    assert_int_equal(s, 512); /* n^3 work: n x p^(1/3) */
    assert_int_equal(hx_scale_weak_size(sgemm, params, 100, 2, &s), HX_OK);
    assert_int_equal(s, 126); /* 2 x 100^3 = 2e6 <= 126^3 = 2000376, 125^3 < 2e6 */
    assert_int_equal(hx_scale_weak_size(stencil, params, 1000, 4, &s), HX_OK);
    assert_int_equal(s, 1998); /* (n-2)^2 flops: (n-2) x sqrt(p) */
    assert_string_equal(hx_scale_work_kind(vecadd), "flops");
}

static void weak_sizes_of_data_dependent_flops_use_bytes(void **state) {
    (void)state;
    const hx_workload *m = hx_workload_find("mandelbrot");
    double params[HX_MAX_PARAMS] = {256};
    assert_string_equal(hx_scale_work_kind(m), "bytes");
    uint64_t s;
    assert_int_equal(hx_scale_weak_size(m, params, 32, 2, &s), HX_OK);
    assert_int_equal(s, 46); /* 4 W^2 bytes: 2 x 32^2 = 2048 <= 46^2 = 2116, 45^2 < 2048 */
}

static void weak_size_beyond_the_workload_is_a_usage_error(void **state) {
    (void)state;
    const hx_workload *vecadd = hx_workload_find("vecadd");
    double params[HX_MAX_PARAMS] = {0};
    uint64_t s;
    assert_int_equal(hx_scale_weak_size(vecadd, params, vecadd->max_size / 2, 4, &s), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--size");
    assert_contains(hx_error_message(), "--threads");
    hx_error_clear();
}

/* ---- per point --------------------------------------------------------------------------------
 */

static void karp_flatt_outside_its_domain_is_no_fit(void **state) {
    (void)state;
    const char *why;
    assert_near(hx_scale_karp_flatt(1.6, 2, &why), 0.25, 1e-15); /* (1/1.6 - 1/2)/(1/2) */
    assert_null(why);
    assert_near(hx_scale_karp_flatt(2, 2, &why), 0.0, 0); /* ideal: no serial fraction */
    assert_null(why);
    assert_near(hx_scale_karp_flatt(1, 2, &why), 1.0, 0); /* no speedup: all serial */
    assert_null(why);
    assert_true(isnan(hx_scale_karp_flatt(2.5, 2, &why))); /* superlinear: e < 0 */
    assert_string_equal(why, "S > p");
    assert_true(isnan(hx_scale_karp_flatt(0.8, 2, &why))); /* slower than p = 1: e > 1 */
    assert_string_equal(why, "S < 1");
    assert_true(isnan(hx_scale_karp_flatt(1, 1, &why))); /* undefined, not refused */
    assert_null(why);
}

static void derive_gives_relative_absolute_and_serial_speedups(void **state) {
    (void)state;
    hx_scale_point pts[2] = {point(HX_BACKEND_OMP, 1, 1000, 8.0),
                             point(HX_BACKEND_OMP, 2, 1000, 5.0)};
    hx_scale_point refs[3] = {point(HX_BACKEND_SERIAL, 1, 1000, 10.0),
                              point(HX_BACKEND_SIMD, 1, 1000, 2.5),
                              point(HX_BACKEND_SIMD, 1, 999, 0.1)}; /* another size */
    hx_scale_derive(pts, 2, refs, 3, HX_SCALE_STRONG, NULL, 0);
    assert_near(pts[1].t1, 8.0, 0);
    assert_near(pts[1].speedup, 1.6, 1e-15);     /* relative: T1/T2 */
    assert_near(pts[1].speedup_abs, 0.5, 1e-15); /* absolute: best serial code 2.5 / 5 */
    assert_int_equal(pts[1].best_serial_backend, HX_BACKEND_SIMD);
    assert_near(pts[1].speedup_serial, 2.0, 1e-15); /* serial 10 / 5 */
    assert_near(pts[1].efficiency, 0.8, 1e-15);
    assert_near(pts[1].karp_flatt, 0.25, 1e-15);
    assert_false(pts[1].superlinear);
    assert_near(pts[0].speedup, 1.0, 0);
    assert_true(isnan(pts[0].karp_flatt));
}

static void blas_counts_as_serial_code_on_one_thread_only(void **state) {
    (void)state;
    hx_scale_point pts[2] = {point(HX_BACKEND_BLAS, 1, 64, 4.0),
                             point(HX_BACKEND_BLAS, 2, 64, 1.0)};
    hx_scale_point refs[1] = {point(HX_BACKEND_SERIAL, 1, 64, 50.0)};
    hx_backend which;
    assert_near(hx_scale_best_serial(pts, 2, refs, 1, 64, &which), 4.0, 0);
    assert_int_equal(which, HX_BACKEND_BLAS);
    assert_true(isinf(hx_scale_best_serial(pts, 2, refs, 1, 65, &which)));
}

static void superlinear_points_are_marked_with_their_share(void **state) {
    (void)state;
    const hx_cache_level caches[] = {{1, 32768}, {2, 1 << 20}, {3, 32 << 20}};
    hx_scale_point pts[2] = {point(HX_BACKEND_OMP, 1, 1000, 10.0),
                             point(HX_BACKEND_OMP, 2, 1000, 4.0)};
    pts[0].r.bytes = pts[1].r.bytes = 1.5 * (1 << 20); /* 1.5 MiB: L3; a half: L2 */
    hx_scale_derive(pts, 2, NULL, 0, HX_SCALE_STRONG, caches, 3);
    assert_near(pts[1].speedup, 2.5, 1e-15);
    assert_true(pts[1].superlinear);
    assert_string_equal(pts[1].karp_flatt_no_fit, "S > p");
    assert_string_equal(pts[1].cache, "L3");
    assert_string_equal(pts[1].share_cache, "L2");
    assert_near(pts[1].share, 0.75 * (1 << 20), 0);
    assert_false(pts[0].superlinear);
}

static void weak_speedup_is_scaled(void **state) {
    (void)state;
    hx_scale_point pts[2] = {point(HX_BACKEND_OMP, 1, 1000, 10.0),
                             point(HX_BACKEND_OMP, 2, 2000, 11.0)};
    hx_scale_derive(pts, 2, NULL, 0, HX_SCALE_WEAK, NULL, 0);
    assert_near(pts[1].speedup, 2.0 * 10.0 / 11.0, 1e-15);
}

/* ---- fits ------------------------------------------------------------------------------------ */

static void amdahl_fit_recovers_p_and_leaves_oversubscribed_points_out(void **state) {
    (void)state;
    hx_scale_point pts[6];
    const unsigned ps[] = {1, 2, 3, 4, 6, 8}; /* 6 and 8 > CORES */
    size_t n = amdahl_points(pts, 0.9, ps, 6);
    pts[4].r.time.median = pts[5].r.time.median = 100.0; /* time-sliced: far off the law */
    hx_scale_derive(pts, n, NULL, 0, HX_SCALE_STRONG, NULL, 0);
    hx_scale_fit f;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_true(f.ok);
    assert_int_equal(f.fit.points, 3);
    assert_int_equal(f.oversubscribed, 2);
    assert_near(f.fit.value, 0.9, 1e-9);
    assert_string_equal(f.no_fit, "");
    /* their e(p) is still computed: the trend a 2-core machine can show */
    assert_true(pts[4].karp_flatt > 0 || pts[4].karp_flatt_no_fit != NULL);
}

static void one_point_is_an_exact_fit_and_none_is_no_fit(void **state) {
    (void)state;
    hx_scale_point pts[4];
    const unsigned ps[] = {1, 2, 3, 4};
    size_t n = amdahl_points(pts, 0.9, ps, 4);
    hx_scale_fit f;
    for (size_t i = 2; i < 4; i++) /* 2 cores: p = 3, 4 oversubscribed */
        pts[i].oversubscribed = true;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, 2, &f);
    assert_true(f.ok);
    assert_true(f.exact); /* through p = 2 alone: it reads that point, 1 - e(2) */
    assert_int_equal(f.fit.points, 1);
    assert_int_equal(f.oversubscribed, 2);
    assert_near(f.fit.value, 0.9, 1e-9);
    assert_near(f.fit.value, 1.0 - pts[1].karp_flatt, 1e-9);
    assert_near(f.fit.residual, 0.0, 1e-12);
    hx_scale_fit_backend(pts, 1, HX_BACKEND_OMP, false, 2, &f); /* p = 1 alone */
    assert_false(f.ok);
    assert_contains(f.no_fit, "no point with 1 < p <= 2 cores");
    pts[1].oversubscribed = true; /* every p > 1 left out */
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, 1, &f);
    assert_false(f.ok);
    assert_contains(f.no_fit, "3 oversubscribed left out");
}

static void unverified_points_are_left_out(void **state) {
    (void)state;
    hx_scale_point pts[3];
    const unsigned ps[] = {1, 2, 4};
    size_t n = amdahl_points(pts, 0.5, ps, 3);
    pts[2].r.verified = false;
    hx_scale_fit f;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_true(f.ok);
    assert_true(f.exact); /* p = 2 alone is left */
    assert_int_equal(f.unverified, 1);
    assert_near(f.fit.value, 0.5, 1e-9);
    pts[1].r.verified = false;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_false(f.ok);
    assert_int_equal(f.unverified, 2);
    assert_contains(f.no_fit, "2 unverified left out");
}

static void a_parallel_fraction_outside_zero_one_is_no_fit(void **state) {
    (void)state;
    hx_scale_point pts[3];
    const unsigned ps[] = {1, 2, 4};
    size_t n = amdahl_points(pts, 0.5, ps, 3);
    pts[1].r.time.median = 12.0; /* slower with more threads: the loaded machine's P < 0 */
    pts[2].r.time.median = 14.0;
    hx_scale_derive(pts, n, NULL, 0, HX_SCALE_STRONG, NULL, 0);
    hx_scale_fit f;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_false(f.ok);
    assert_contains(f.no_fit, "P = -");
    assert_contains(f.no_fit, "< 0");
    assert_true(isnan(f.fit.value) && isnan(f.fit.limit));
    pts[1].r.time.median = 4.0; /* S = 2.5 at p = 2, 5 at p = 4: superlinear, P > 1 */
    pts[2].r.time.median = 2.0;
    hx_scale_derive(pts, n, NULL, 0, HX_SCALE_STRONG, NULL, 0);
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_false(f.ok);
    assert_contains(f.no_fit, "> 1: the points are superlinear");
}

static void gustafson_a_above_one_is_no_fit(void **state) {
    (void)state;
    /* S(2) = 2 x 10/25 = 0.8 and S(4) = 4 x 10/100 = 0.4: p - S = 1.2 (p - 1), a = 1.2 */
    hx_scale_point pts[3] = {point(HX_BACKEND_OMP, 1, 100, 10.0),
                             point(HX_BACKEND_OMP, 2, 200, 25.0),
                             point(HX_BACKEND_OMP, 4, 400, 100.0)};
    hx_scale_derive(pts, 3, NULL, 0, HX_SCALE_WEAK, NULL, 0);
    hx_scale_fit f;
    hx_scale_fit_backend(pts, 3, HX_BACKEND_OMP, true, CORES, &f);
    assert_false(f.ok);
    assert_contains(f.no_fit, "a = 1.200 > 1");
    pts[1].r.time.median = 10.0 * 2 / (2 - 0.1); /* a = 0.1 exactly */
    pts[2].r.time.median = 10.0 * 4 / (4 - 0.3);
    hx_scale_derive(pts, 3, NULL, 0, HX_SCALE_WEAK, NULL, 0);
    hx_scale_fit_backend(pts, 3, HX_BACKEND_OMP, true, CORES, &f);
    assert_true(f.ok);
    assert_near(f.fit.value, 0.1, 1e-12);
}

static void a_fit_over_noisy_points_is_no_fit(void **state) {
    (void)state;
    hx_scale_point pts[3];
    const unsigned ps[] = {1, 2, 4};
    size_t n = amdahl_points(pts, 0.9, ps, 3);
    hx_scale_fit f;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_true(f.ok);
    pts[2].noisy = true;
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_false(f.ok);
    assert_contains(f.no_fit, "1 of 2 points measured on a noisy machine");
    pts[2].noisy = false;
    pts[0].noisy = true; /* the T1 every S divides by */
    hx_scale_derive(pts, n, NULL, 0, HX_SCALE_STRONG, NULL, 0);
    hx_scale_fit_backend(pts, n, HX_BACKEND_OMP, false, CORES, &f);
    assert_false(f.ok);
    assert_contains(f.no_fit, "2 of 2 points");
}

static void fits_keep_to_their_backend(void **state) {
    (void)state;
    hx_scale_point pts[6];
    const unsigned ps[] = {1, 2, 4};
    amdahl_points(pts, 0.9, ps, 3);
    amdahl_points(pts + 3, 0.5, ps, 3);
    for (int i = 3; i < 6; i++)
        pts[i].backend = HX_BACKEND_OMP_SIMD;
    hx_scale_derive(pts, 6, NULL, 0, HX_SCALE_STRONG, NULL, 0);
    hx_scale_fit f;
    hx_scale_fit_backend(pts, 6, HX_BACKEND_OMP_SIMD, false, CORES, &f);
    assert_true(f.ok);
    assert_near(f.fit.value, 0.5, 1e-9);
}

/* ---- the crossover ------------------------------------------------------------------------- */

static hx_scale_point ocl_point(uint64_t size, double e2e) {
    hx_scale_point pt = point(HX_BACKEND_OPENCL, 8, size, e2e / 2);
    pt.r.has_e2e = true;
    pt.r.e2e.median = e2e;
    return pt;
}

static void crossover_is_the_first_size_of_a_lasting_win(void **state) {
    (void)state;
    const uint64_t sizes[] = {1, 2, 3, 4};
    const double cpu[] = {1, 2, 3, 4}, ocl[] = {5, 1, 4, 2}; /* wins at 2, loses at 3, wins at 4 */
    hx_scale_point pts[8];
    for (int i = 0; i < 4; i++) {
        pts[2 * i] = point(HX_BACKEND_OMP, 2, sizes[i], cpu[i]);
        pts[2 * i + 1] = ocl_point(sizes[i], ocl[i]);
    }
    bool measured;
    assert_int_equal(hx_scale_crossover(pts, 8, sizes, 4, &measured), 7);
    assert_true(measured);
    pts[7].r.e2e.median = 9; /* loses at the largest: no lasting win */
    assert_int_equal(hx_scale_crossover(pts, 8, sizes, 4, &measured), -1);
    assert_true(measured);
    assert_int_equal(hx_scale_crossover(pts, 1, sizes, 4, &measured), -1); /* no opencl */
    assert_false(measured);
}

/* ---- the plan and its memory --------------------------------------------------------------- */

static hx_scale_config config(const char *workload, hx_scale_mode mode) {
    hx_scale_config c;
    memset(&c, 0, sizeof c);
    c.w = hx_workload_find(workload);
    c.mode = mode;
    c.reps = 1;
    c.cores = 2;
    c.seed = 42;
    for (size_t k = 0; k < c.w->nparams; k++)
        c.params[k] = c.w->params[k].def;
    return c;
}

static void strong_plan_measures_baselines_first_then_every_p(void **state) {
    (void)state;
    hx_scale_config c = config("vecadd", HX_SCALE_STRONG);
    c.p[0] = 4; /* unsorted, no 1: prepare sorts and adds p = 1 */
    c.p[1] = 2;
    c.np = 2;
    c.threads_given = true;
    c.size = 4096;
    c.size_given = true;
    assert_int_equal(hx_scale_prepare(&c), HX_OK);
    assert_int_equal(c.np, 3);
    assert_int_equal(c.p[0], 1);
    assert_int_equal(c.p[2], 4);
    hx_scale_plan plan;
    assert_int_equal(hx_scale_plan_make(&c, NULL, &plan), HX_OK);
    /* serial and simd baselines, then omp at 1, 2, 4 */
    assert_int_equal(plan.n, 5);
    assert_true(plan.jobs[0].fresh && plan.jobs[0].reference && !plan.jobs[0].report);
    assert_int_equal(plan.jobs[0].backend, HX_BACKEND_SERIAL);
    assert_int_equal(plan.jobs[1].backend, HX_BACKEND_SIMD);
    assert_true(plan.jobs[1].reference && !plan.jobs[1].fresh);
    for (size_t i = 2; i < 5; i++) {
        assert_int_equal(plan.jobs[i].backend, HX_BACKEND_OMP);
        assert_true(plan.jobs[i].report && !plan.jobs[i].fresh);
        assert_int_equal(plan.jobs[i].size, 4096);
    }
    assert_int_equal(plan.jobs[4].p, 4);
    hx_scale_plan_free(&plan);
}

static void weak_plan_starts_an_instance_per_size(void **state) {
    (void)state;
    hx_scale_config c = config("vecadd", HX_SCALE_WEAK);
    c.p[0] = 1;
    c.p[1] = 2;
    c.np = 2;
    c.threads_given = true;
    c.size = 1000;
    c.size_given = true;
    assert_int_equal(hx_scale_prepare(&c), HX_OK);
    hx_scale_plan plan;
    assert_int_equal(hx_scale_plan_make(&c, NULL, &plan), HX_OK);
    assert_int_equal(plan.n, 6); /* per size: serial, simd, omp */
    assert_true(plan.jobs[3].fresh);
    assert_int_equal(plan.jobs[3].size, 2000);
    assert_int_equal(plan.jobs[5].p, 2);
    hx_scale_plan_free(&plan);
}

static void size_plan_runs_opencl_on_the_whole_device(void **state) {
    (void)state;
    hx_scale_config c = config("dot", HX_SCALE_SIZES);
    c.sizes[0] = 1024;
    c.sizes[1] = 4096;
    c.nsizes = 2;
    c.want[HX_BACKEND_OMP] = c.want[HX_BACKEND_OPENCL] = true;
    c.backend_given = true;
    assert_int_equal(hx_scale_prepare(&c), HX_OK);
    hx_ocl_device dev;
    memset(&dev, 0, sizeof dev);
    dev.compute_units = 6;
    dev.type = CL_DEVICE_TYPE_CPU;
    hx_target_set ts;
    memset(&ts, 0, sizeof ts);
    ts.ndevices = 1;
    ts.devices[0].dev = &dev;
    hx_scale_plan plan;
    assert_int_equal(hx_scale_plan_make(&c, &ts, &plan), HX_OK);
    /* per size: serial and simd baselines, blas on one thread (dot has blas, when built), omp
     * and opencl */
    size_t blas = hx_backend_built(HX_BACKEND_BLAS) ? 1 : 0;
    assert_int_equal(plan.n, 2 * (4 + blas));
    const hx_scale_job *j = plan.jobs;
    if (blas) {
        assert_int_equal(j[2].backend, HX_BACKEND_BLAS);
        assert_true(j[2].reference && j[2].p == 1);
    }
    assert_int_equal(j[2 + blas].backend, HX_BACKEND_OMP);
    assert_int_equal(j[2 + blas].p, 2); /* the cores */
    assert_int_equal(j[3 + blas].backend, HX_BACKEND_OPENCL);
    assert_int_equal(j[3 + blas].p, 6);
    /* memory: dot holds x and y (8 bytes per element), twice with buffers on the CPU device */
    hx_scale_memory m;
    hx_scale_memory_estimate(&c, &plan, true, 1e12, &m);
    assert_near(m.estimate, 2 * 8.0 * 4096, 0);
    assert_int_equal(m.size, 4096);
    assert_int_equal(hx_scale_memory_verdict(&c, &m), HX_OK);
    hx_scale_memory_estimate(&c, &plan, false, 1e12, &m);
    assert_near(m.estimate, 8.0 * 4096, 0);
    hx_scale_memory_estimate(&c, &plan, true, 100000, &m); /* more than half: a notice only */
    assert_int_equal(hx_scale_memory_verdict(&c, &m), HX_OK);
    /* more than is available: refused, naming both figures */
    hx_scale_memory_estimate(&c, &plan, true, 60000, &m);
    assert_int_equal(hx_scale_memory_verdict(&c, &m), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "needs about 64 KiB");
    assert_contains(hx_error_message(), "32 KiB of OpenCL buffers");
    assert_contains(hx_error_message(), "59 KiB is available");
    hx_error_clear();
    hx_scale_plan_free(&plan);
}

static void prepare_refuses_what_cannot_be_swept(void **state) {
    (void)state;
    hx_scale_config c = config("vecadd", HX_SCALE_STRONG);
    c.want[HX_BACKEND_SERIAL] = true;
    c.backend_given = true;
    assert_int_equal(hx_scale_prepare(&c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "no p to vary");
    c = config("vecadd", HX_SCALE_STRONG);
    c.want[HX_BACKEND_BLAS] = true;
    c.backend_given = true;
    assert_int_equal(hx_scale_prepare(&c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "has no blas backend");
    c = config("vecadd", HX_SCALE_SIZES);
    c.p[0] = 1;
    c.p[1] = 2;
    c.np = 2;
    c.threads_given = true;
    assert_int_equal(hx_scale_prepare(&c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "at most one --threads");
    hx_error_clear();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weak_sizes_follow_the_cost_model),
        cmocka_unit_test(weak_sizes_of_data_dependent_flops_use_bytes),
        cmocka_unit_test(weak_size_beyond_the_workload_is_a_usage_error),
        cmocka_unit_test(karp_flatt_outside_its_domain_is_no_fit),
        cmocka_unit_test(derive_gives_relative_absolute_and_serial_speedups),
        cmocka_unit_test(blas_counts_as_serial_code_on_one_thread_only),
        cmocka_unit_test(superlinear_points_are_marked_with_their_share),
        cmocka_unit_test(weak_speedup_is_scaled),
        cmocka_unit_test(amdahl_fit_recovers_p_and_leaves_oversubscribed_points_out),
        cmocka_unit_test(one_point_is_an_exact_fit_and_none_is_no_fit),
        cmocka_unit_test(unverified_points_are_left_out),
        cmocka_unit_test(a_parallel_fraction_outside_zero_one_is_no_fit),
        cmocka_unit_test(gustafson_a_above_one_is_no_fit),
        cmocka_unit_test(a_fit_over_noisy_points_is_no_fit),
        cmocka_unit_test(fits_keep_to_their_backend),
        cmocka_unit_test(crossover_is_the_first_size_of_a_lasting_win),
        cmocka_unit_test(strong_plan_measures_baselines_first_then_every_p),
        cmocka_unit_test(weak_plan_starts_an_instance_per_size),
        cmocka_unit_test(size_plan_runs_opencl_on_the_whole_device),
        cmocka_unit_test(prepare_refuses_what_cannot_be_swept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
