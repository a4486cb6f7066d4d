/*
 * test_scale.c - `hetero scale` end to end on PoCL's CPU device: strong and weak sweeps, the
 * oversubscription flag, the size sweep, the amdahl workload on every backend, and bad input.
 * Timings are never asserted; the derived figures are checked against the times they came from.
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

/* The figures of one point follow from its times. */
static void check_point(const jv *pt, const char *mode) {
    assert_true(jv_get(pt, "verified")->boolean);
    double med = num(pt, "time_s.median"), t1 = num(pt, "t1_s"), p = num(pt, "p");
    assert_true(num(pt, "time_s.min") <= med && med <= num(pt, "time_s.max"));
    double s = strcmp(mode, "weak") == 0 ? p * t1 / med : t1 / med;
    assert_near(num(pt, "speedup"), s, 1e-9 * s);
    assert_near(num(pt, "efficiency"), s / p, 1e-9 * s);
    assert_near(num(pt, "speedup_vs_serial"), num(pt, "serial_time_s") / med, 1e-9 * s + 1e-12);
    if (p == 1) {
        assert_near(num(pt, "speedup"), 1.0, 1e-12);
        assert_int_equal(jv_get(pt, "karp_flatt")->type, JV_NULL);
    } else {
        assert_near(num(pt, "karp_flatt"), (1 / s - 1 / p) / (1 - 1 / p), 1e-9);
    }
}

static void strong_sweep_of_vecadd_on_omp_and_opencl(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = json_of(&p,
                      "scale vecadd --backend=omp,opencl --device=cpu --threads=1,2 "
                      "--size=64K --format=json %s",
                      QUICK);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.scale/1");
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
        assert_true(jv_get(f, "ok")->boolean);
        assert_int_equal((int)num(f, "points"), 1);
        /* one point: the fit passes through it exactly */
        const jv *pt = point(doc, jv_get(f, "backend")->string, 2);
        double P = num(f, "P"), s = num(pt, "speedup");
        assert_near(1.0 / ((1 - P) + P / 2), s, 1e-9 * s);
        assert_near(num(f, "serial_fraction"), 1 - P, 1e-12);
        if (P < 1)
            assert_near(num(f, "limit"), 1 / (1 - P), 1e-9 / (1 - P));
        /* Karp-Flatt at p = 2 is the serial fraction of that same fit */
        assert_near(num(pt, "karp_flatt"), 1 - P, 1e-9);
    }
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
    assert_near(num(f, "a"), (2 - num(b, "speedup")) / 1.0, 1e-9);
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
    const jv *f = jv_at(jv_get(doc, "fits"), 0);
    assert_int_equal((int)num(f, "points"), 0);
    assert_false(jv_get(f, "ok")->boolean);
    jv_free(doc);
    hx_proc_free(&p);
    /* the table says so too */
    assert_int_equal(hx_run_hetero_cmd(&p, "scale vecadd %s", args), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "oversubscribed");
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
    assert_contains(p.out, "strong,vecadd,omp,");
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

static void amdahl_scale_reports_a_fit(void **state) {
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
        assert_true(jv_get(jv_at(fits, i), "ok")->boolean);
    jv_free(doc);
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
        cmocka_unit_test(amdahl_scale_reports_a_fit),
        cmocka_unit_test(bad_input_is_refused_with_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
