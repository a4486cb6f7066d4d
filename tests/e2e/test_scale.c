/*
 * test_scale.c - `hetero scale` end to end on PoCL's CPU device: strong and weak sweeps, the
 * oversubscription flag, the size sweep, the amdahl workload on every backend, the no-fit rules,
 * the memory estimate and its refusal, and bad input.  Timings are never asserted: the derived
 * figures, and whether each is a number or "no fit", are checked against the times they came
 * from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hx_test.h"

#define QUICK "--reps=2 --warmup=1"

static jv *json_of(hx_proc *p, const char *fmt, const char *args) {
    assert_int_equal(hx_run_hetero_cmd(p, fmt, args), 0);
    jv *doc = hx_expect_json(p, 0);
    return doc;
}

static double num(const jv *v, const char *path) {
    const jv *x = jv_path(v, path);
    if (!x || x->type != JV_NUMBER)
        print_error("%s is not a number\n", path);
    assert_non_null(x);
    assert_int_equal(x->type, JV_NUMBER);
    return x->number;
}

static const jv *point(const jv *doc, const char *backend, int p) {
    const jv *pts = jv_get(doc, "points");
    for (size_t i = 0; i < pts->len; i++) {
        const jv *pt = jv_at(pts, i);
        if (strcmp(jv_get(pt, "backend")->string, backend) == 0 && (int)num(pt, "p") == p)
            return pt;
    }
    print_error("no point %s p=%d\n", backend, p);
    fail();
    return NULL;
}

static const char *str_or_null(const jv *v, const char *key) {
    const jv *x = jv_get(v, key);
    assert_non_null(x);
    return x->type == JV_STRING ? x->string : NULL;
}

/* The figures of one point follow from its times; e(p) is a number only inside [0, 1]. */
static void check_point(const jv *pt, const char *mode) {
    assert_true(jv_get(pt, "verified")->boolean);
    double med = num(pt, "time_s.median"), t1 = num(pt, "t1_s"), p = num(pt, "p");
    assert_true(num(pt, "time_s.min") <= med && med <= num(pt, "time_s.max"));
    double s = strcmp(mode, "weak") == 0 ? p * t1 / med : t1 / med;
    assert_near(num(pt, "speedup"), s, 1e-9 * s);
    assert_near(num(pt, "efficiency"), s / p, 1e-9 * s);
    assert_near(num(pt, "speedup_vs_serial"), num(pt, "serial_time_s") / med, 1e-9 * s + 1e-12);
    /* absolute speedup: the best one-processor code, never slower than serial, over Tp */
    double best = num(pt, "best_serial.time_s");
    assert_true(best <= num(pt, "serial_time_s"));
    assert_near(num(pt, "speedup_abs"), best / med, 1e-9 * best / med);
    assert_near(num(pt, "share_bytes"), num(pt, "working_set_bytes") / p, 1e-9);
    assert_int_equal(jv_get(pt, "superlinear")->boolean, p > 1 && s > p);
    assert_false(jv_get(pt, "noisy")->boolean);
    const char *no_fit = str_or_null(pt, "karp_flatt_no_fit");
    if (p == 1) {
        assert_near(num(pt, "speedup"), 1.0, 1e-12);
        assert_int_equal(jv_get(pt, "karp_flatt")->type, JV_NULL);
        assert_null(no_fit);
        return;
    }
    double e = (1 / s - 1 / p) / (1 - 1 / p);
    if (e < 0 || e > 1) {
        assert_int_equal(jv_get(pt, "karp_flatt")->type, JV_NULL);
        assert_string_equal(no_fit, e < 0 ? "S > p" : "S < 1");
    } else {
        assert_null(no_fit);
        assert_near(num(pt, "karp_flatt"), e, 1e-9);
    }
}

/* A fit is over the backend's verified points with 1 < p <= cores; none is no fit, one is an
 * exact fit (residual 0 by construction), and a value outside [0, 1] is no fit either. */
static void check_fit(const jv *doc, const jv *f) {
    const char *backend = jv_get(f, "backend")->string;
    double cores = num(doc, "host.cores");
    const jv *pts = jv_get(doc, "points");
    int used = 0;
    for (size_t i = 0; i < pts->len; i++) {
        const jv *pt = jv_at(pts, i);
        double p = num(pt, "p");
        if (strcmp(jv_get(pt, "backend")->string, backend) == 0 && p > 1 && p <= cores &&
            !jv_get(pt, "oversubscribed")->boolean)
            used++;
    }
    assert_int_equal((int)num(f, "points"), used);
    bool ok = jv_get(f, "ok")->boolean;
    const char *no_fit = str_or_null(f, "no_fit");
    const char *value = strcmp(jv_get(f, "law")->string, "amdahl") == 0 ? "P" : "a";
    if (used == 0) {
        assert_false(ok);
        assert_contains(no_fit, "no point with 1 < p <=");
    }
    if (ok) {
        assert_null(no_fit);
        double v = num(f, value);
        assert_true(v >= 0 && v <= 1);
        assert_true(jv_get(f, "exact")->boolean == (used == 1));
        if (used == 1)
            assert_near(num(f, "residual"), 0.0, 1e-9);
    } else {
        assert_non_null(no_fit);
        assert_int_equal(jv_get(f, value)->type, JV_NULL);
    }
}

static void strong_sweep_of_vecadd_on_omp_and_opencl(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = json_of(&p,
                      "scale vecadd --backend=omp,opencl --device=cpu --threads=1,2 "
                      "--size=64K --format=json %s",
                      QUICK);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.scale/2");
    assert_string_equal(jv_get(doc, "mode")->string, "strong");
    assert_string_equal(jv_get(doc, "workload")->string, "vecadd");
    assert_int_equal(jv_get(doc, "points")->len, 4);
    const char *backends[] = {"omp", "opencl"};
    for (int b = 0; b < 2; b++)
        for (int q = 1; q <= 2; q++) {
            const jv *pt = point(doc, backends[b], q);
            assert_int_equal((int)num(pt, "size"), 65536);
            assert_near(num(pt, "working_set_bytes"), 12.0 * 65536, 0);
            assert_false(jv_get(pt, "oversubscribed")->boolean);
            check_point(pt, "strong");
        }
    /* opencl's p = 1 ran on a one-compute-unit sub-device, with transfers timed too */
    const jv *o1 = point(doc, "opencl", 1);
    assert_contains(jv_get(o1, "device")->string, "[1 CU]");
    assert_true(num(o1, "e2e_s.median") > 0);
    assert_int_equal(jv_get(point(doc, "omp", 1), "e2e_s")->type, JV_NULL);
    const jv *fits = jv_get(doc, "fits");
    assert_int_equal(fits->len, 2);
    for (size_t i = 0; i < 2; i++) {
        const jv *f = jv_at(fits, i);
        assert_string_equal(jv_get(f, "law")->string, "amdahl");
        /* one point with p > 1: an exact fit, or no fit when the point leaves [0, 1] */
        assert_int_equal((int)num(f, "points"), 1);
        check_fit(doc, f);
    }
    /* the memory estimate: vecadd's host arrays (a, b, out, reference: 16 bytes an element),
     * twice with the OpenCL buffers of a CPU device */
    assert_near(num(doc, "memory.estimate_bytes"), 2 * 16.0 * 65536, 0);
    assert_true(num(doc, "memory.available_bytes") > 0);
    jv_free(doc);
    hx_proc_free(&p);
}

static void weak_sweep_grows_the_size_with_p(void **state) {
    (void)state;
    hx_proc p;
    jv *doc =
        json_of(&p, "scale vecadd --mode=weak --threads=2 --size=32K --format=json %s", QUICK);
    assert_string_equal(jv_get(doc, "mode")->string, "weak");
    assert_string_equal(jv_get(doc, "weak_work")->string, "flops");
    assert_contains(p.err, "p=1"); /* p = 1 added and announced */
    assert_int_equal(jv_get(doc, "points")->len, 2);
    const jv *a = point(doc, "omp", 1), *b = point(doc, "omp", 2);
    assert_int_equal((int)num(a, "size"), 32768);
    assert_int_equal((int)num(b, "size"), 65536); /* linear work: size x p */
    check_point(a, "weak");
    check_point(b, "weak");
    const jv *f = jv_at(jv_get(doc, "fits"), 0);
    assert_string_equal(jv_get(f, "law")->string, "gustafson");
    check_fit(doc, f);
    assert_near(num(doc, "memory.estimate_bytes"), 16.0 * 65536, 0); /* the larger size */
    jv_free(doc);
    hx_proc_free(&p);
}

static void threads_beyond_the_cores_are_flagged_and_not_fitted(void **state) {
    (void)state;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char args[128];
    snprintf(args, sizeof args, "--threads=1,%ld --size=16K --reps=2 --warmup=0", cores + 1);
    hx_proc p;
    jv *doc = json_of(&p, "scale vecadd --format=json %s", args);
    const jv *over = point(doc, "omp", (int)cores + 1);
    assert_true(jv_get(over, "oversubscribed")->boolean);
    assert_false(jv_get(point(doc, "omp", 1), "oversubscribed")->boolean);
    check_point(over, "strong"); /* measured, with its e(p): the trend past the cores */
    const jv *f = jv_at(jv_get(doc, "fits"), 0);
    assert_int_equal((int)num(f, "points"), 0);
    assert_int_equal((int)num(f, "oversubscribed_left_out"), 1);
    assert_false(jv_get(f, "ok")->boolean);
    assert_contains(str_or_null(f, "no_fit"), "1 oversubscribed left out");
    jv_free(doc);
    hx_proc_free(&p);
    /* the table says so too, and what it means */
    assert_int_equal(hx_run_hetero_cmd(&p, "scale vecadd %s", args), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "oversubscribed: not fitted");
    assert_contains(p.out, "concurrency, not parallelism");
    assert_contains(p.out, "no fit: no point with 1 < p <=");
    hx_proc_free(&p);
}

static void size_sweep_marks_cache_levels_and_the_crossover(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = json_of(&p,
                      "scale vecadd --sizes=1K..64K*8 --backend=serial,omp,opencl "
                      "--device=cpu --format=json %s",
                      QUICK);
    assert_string_equal(jv_get(doc, "mode")->string, "sizes");
    const jv *pts = jv_get(doc, "points");
    assert_int_equal(pts->len, 3 * 3); /* 1K, 8K, 64K x serial, omp, opencl */
    const jv *caches = jv_path(doc, "host.caches");
    for (size_t i = 0; i < pts->len; i++) {
        const jv *pt = jv_at(pts, i);
        assert_true(jv_get(pt, "verified")->boolean);
        double ws = num(pt, "working_set_bytes");
        assert_near(ws, 12.0 * num(pt, "size"), 0);
        const char *want = "DRAM";
        char lv[8];
        for (size_t k = 0; k < caches->len; k++)
            if (ws <= num(jv_at(caches, k), "bytes")) {
                snprintf(lv, sizeof lv, "L%d", (int)num(jv_at(caches, k), "level"));
                want = lv;
                break;
            }
        assert_string_equal(jv_get(pt, "cache")->string, want);
        assert_near(num(pt, "gbps"), num(pt, "working_set_bytes") / num(pt, "time_s.median") * 1e-9,
                    1e-6);
    }
    const jv *x = jv_get(doc, "crossover");
    assert_true(x->type == JV_NULL || x->type == JV_OBJECT);
    if (x->type == JV_OBJECT) {
        double s = num(x, "size");
        assert_true(s == 1024 || s == 8192 || s == 65536);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void csv_has_one_row_per_point(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "scale vecadd --threads=1,2 --size=8K --format=csv %s", QUICK), 0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 3);
    assert_contains(p.out, "mode,workload,backend,device,mem,p,size,");
    assert_contains(p.out, ",verified,speedup_abs,best_serial_backend,");
    assert_contains(p.out, ",fit_law,fit_value,fit_no_fit\n");
    assert_contains(p.out, "strong,vecadd,omp,");
    /* one point with p > 1: an exact fit (a value, no reason) or no fit (a reason, no value) */
    char *save = NULL, *line = strtok_r(p.out, "\n", &save);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *fit = strstr(line, ",amdahl,");
        assert_non_null(fit);
        char *value = fit + strlen(",amdahl,"), *reason = strchr(value, ',');
        assert_non_null(reason);
        bool has_value = reason > value, has_reason = reason[1] != '\0';
        assert_true(has_value != has_reason);
    }
    hx_proc_free(&p);
}

static void amdahl_verifies_on_every_backend(void **state) {
    (void)state;
    const char *fractions[] = {"0", "0.25", "1"};
    for (int k = 0; k < 3; k++) {
        hx_proc p;
        char args[160];
        snprintf(args, sizeof args, "--serial-fraction=%s --size=300000 --device=cpu %s",
                 fractions[k], QUICK);
        jv *doc = json_of(&p, "run amdahl --format=json %s", args);
        const jv *rows = jv_get(doc, "results");
        assert_int_equal(rows->len, 5); /* serial simd omp omp-simd opencl */
        for (size_t i = 0; i < rows->len; i++) {
            const jv *r = jv_at(rows, i);
            assert_true(jv_get(r, "verified")->boolean);
            /* flops = 2 (S + 1024 C), S = round(F W), C = floor((W - S) / 1024) */
            double f = atof(fractions[k]), w = 300000, s = round(f * w);
            double c = floor((w - s) / 1024);
            assert_near(num(r, "flops"), 2 * (s + 1024 * c), 0);
        }
        jv_free(doc);
        hx_proc_free(&p);
    }
}

static void amdahl_scale_reports_its_fits(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = json_of(&p,
                      "scale amdahl --serial-fraction=0.5 --threads=1,2 --size=256K "
                      "--backend=omp,omp-simd --format=json %s",
                      QUICK);
    assert_near(num(doc, "params.serial-fraction"), 0.5, 0);
    const jv *fits = jv_get(doc, "fits");
    assert_int_equal(fits->len, 2);
    for (size_t i = 0; i < 2; i++)
        check_fit(doc, jv_at(fits, i));
    const jv *pts = jv_get(doc, "points");
    for (size_t i = 0; i < pts->len; i++)
        check_point(jv_at(pts, i), "strong");
    jv_free(doc);
    hx_proc_free(&p);
}

/* With three cores or more, a fit has two points: a number in [0, 1], or no fit and why. */
static void a_fit_over_two_points_is_a_fraction_or_no_fit(void **state) {
    (void)state;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 3) {
        fprintf(stderr, "(2 cores: a fit over two points with p <= cores cannot be made here)\n");
        return;
    }
    hx_proc p;
    jv *doc = json_of(&p,
                      "scale amdahl --serial-fraction=0.25 --threads=1,2,3 --size=256K "
                      "--format=json %s",
                      QUICK);
    const jv *f = jv_at(jv_get(doc, "fits"), 0);
    assert_int_equal((int)num(f, "points"), 2);
    check_fit(doc, f);
    jv_free(doc);
    hx_proc_free(&p);
}

/* mandelbrot counts its flops from the image, so weak scaling sizes it by bytes (4 W^2). */
static void weak_mandelbrot_scales_by_bytes(void **state) {
    (void)state;
    hx_proc p;
    jv *doc =
        json_of(&p, "scale mandelbrot --mode=weak --size=32 --threads=1,2 --format=json %s", QUICK);
    assert_string_equal(jv_get(doc, "weak_work")->string, "bytes");
    assert_int_equal((int)num(point(doc, "omp", 2), "size"), 46); /* 46^2 >= 2 x 32^2 > 45^2 */
    jv_free(doc);
    hx_proc_free(&p);
}

/* A sweep whose estimate exceeds the available memory is refused before it allocates: vecadd
 * at 3/4 of physical memory in host arrays, doubled by the buffers of the CPU device. */
static void a_sweep_larger_than_memory_is_refused(void **state) {
    (void)state;
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    uint64_t n = (uint64_t)(0.75 * phys / 16);
    if (n > (1ull << 31)) {
        fprintf(stderr, "(more than 128 GiB of memory: vecadd's largest size fits; skipped)\n");
        return;
    }
    char args[160];
    snprintf(args, sizeof args,
             "scale vecadd --sizes=%llu..%llu --backend=serial,opencl --device=cpu",
             (unsigned long long)n, (unsigned long long)n);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", args), 0);
    if (p.status != 2)
        print_error("exit %d\nstderr: %s\n", p.status, p.err);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "needs about");
    assert_contains(p.err, "of OpenCL buffers on the CPU device");
    assert_contains(p.err, "is available");
    assert_contains(p.err, "--sizes");
    assert_int_equal(p.out[0], '\0'); /* no report */
    hx_proc_free(&p);
}

static void expect_usage(const char *args, int code, const char *needle) {
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", args), 0);
    if (p.status != code)
        print_error("'%s' exited %d\nstderr: %s\n", args, p.status, p.err);
    assert_int_equal(p.status, code);
    assert_contains(p.err, needle);
    assert_int_equal(hx_count_lines(p.err), 1);
    hx_proc_free(&p);
}

static void bad_input_is_refused_with_one_line(void **state) {
    (void)state;
    expect_usage("scale", 2, "needs a workload");
    expect_usage("scale nosuch", 2, "vecadd");
    expect_usage("scale vecadd --sizes=64K..4K", 2, "backwards");
    expect_usage("scale vecadd --sizes=4K..64K*1", 2, "factor");
    expect_usage("scale vecadd --backend=serial", 2, "no p to vary");
    expect_usage("scale vecadd --mode=sideways", 2, "strong");
    expect_usage("scale vecadd --threads=0", 2, "--threads");
    expect_usage("scale vecadd --sizes=4K..8K --mode=weak", 2, "use one");
    expect_usage("scale vecadd --serial-fraction=0.5", 2, "--serial-fraction");
    expect_usage("scale amdahl --serial-fraction=1.5", 2, "--serial-fraction");
    expect_usage("scale vecadd --plot=figure.pdf", 2, ".svg or .png");
    expect_usage("scale vecadd vecadd", 2, "one workload");
    setenv("HETERO_GNUPLOT", "/nonexistent/gnuplot", 1);
    expect_usage("scale vecadd --threads=1 --size=1K --plot=x.svg", 3, "gnuplot-nox");
    unsetenv("HETERO_GNUPLOT");
}

int main(void) {
    /* these cases check the sweeps and the fits' arithmetic; a busy machine would turn every fit
     * into "no fit: noisy" (tested in test_amdahl_noise.c), so the machine is called quiet */
    setenv("HETERO_TEST_NOISE", "quiet", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strong_sweep_of_vecadd_on_omp_and_opencl),
        cmocka_unit_test(weak_sweep_grows_the_size_with_p),
        cmocka_unit_test(threads_beyond_the_cores_are_flagged_and_not_fitted),
        cmocka_unit_test(size_sweep_marks_cache_levels_and_the_crossover),
        cmocka_unit_test(csv_has_one_row_per_point),
        cmocka_unit_test(amdahl_verifies_on_every_backend),
        cmocka_unit_test(amdahl_scale_reports_its_fits),
        cmocka_unit_test(a_fit_over_two_points_is_a_fraction_or_no_fit),
        cmocka_unit_test(weak_mandelbrot_scales_by_bytes),
        cmocka_unit_test(a_sweep_larger_than_memory_is_refused),
        cmocka_unit_test(bad_input_is_refused_with_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
