/*
 * test_devices.c - `hetero devices` end to end: the JSON report holds every documented field for
 * the host and the PoCL device with sane values, --bench (short) measures positive figures and
 * fills the cache that `hetero run --roofline` reads, and a --device that matches nothing exits
 * 3 with one line naming the devices that exist.
 *
 * Each test points XDG_CACHE_HOME at a fresh directory, so no test reads or writes the user's
 * cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hx_test.h"

static char cache_dir[64];

/* The benchmarks run OpenMP regions; libgomp is not instrumented, so under ThreadSanitizer they
 * report its fork/join as races and run 100x slower.  The bench tests skip there. */
#if defined(__SANITIZE_THREAD__)
#define SKIP_BENCH_UNDER_TSAN() skip()
#else
#define SKIP_BENCH_UNDER_TSAN() ((void)0)
#endif

static int make_cache_dir(void **state) {
    (void)state;
    snprintf(cache_dir, sizeof cache_dir, "/tmp/hetero-devices-e2e-XXXXXX");
    if (!mkdtemp(cache_dir))
        return -1;
    setenv("XDG_CACHE_HOME", cache_dir, 1);
    /* the cache takes only figures measured on a quiet machine: call this one quiet, so the
     * cache tests do not depend on how busy the machine running them is */
    setenv("HETERO_TEST_NOISE", "quiet", 1);
    return 0;
}

static int remove_cache_dir(void **state) {
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/hetero/survey.txt", cache_dir);
    remove(path);
    snprintf(path, sizeof path, "%s/hetero", cache_dir);
    rmdir(path);
    rmdir(cache_dir);
    return 0;
}

static jv *parse_or_fail(const hx_proc *p) {
    char err[256];
    jv *doc = jv_parse(p->out, err, sizeof err);
    if (!doc)
        print_error("bad JSON (%s):\n%s\nstderr:\n%s\n", err, p->out, p->err);
    assert_non_null(doc);
    return doc;
}

static const jv *device_of_kind(const jv *doc, const char *kind, const char *type) {
    const jv *devs = jv_get(doc, "devices");
    for (size_t i = 0; devs && i < devs->len; i++) {
        const jv *d = jv_at(devs, i);
        if (strcmp(jv_get(d, "kind")->string, kind) == 0 &&
            (!type || strcmp(jv_get(d, "type")->string, type) == 0))
            return d;
    }
    return NULL;
}

static void assert_string_field(const jv *d, const char *path) {
    const jv *v = jv_path(d, path);
    if (!v || v->type != JV_STRING || !v->string[0]) {
        print_error("field %s missing or empty\n", path);
        fail();
    }
}

static void assert_number_at_least(const jv *d, const char *path, double min) {
    const jv *v = jv_path(d, path);
    if (!v || v->type != JV_NUMBER || !(v->number >= min)) {
        print_error("field %s = %g, expected a number >= %g\n", path,
                    v && v->type == JV_NUMBER ? v->number : NAN, min);
        fail();
    }
}

static void assert_bool_field(const jv *d, const char *path) {
    const jv *v = jv_path(d, path);
    if (!v || v->type != JV_BOOL) {
        print_error("field %s missing or not a boolean\n", path);
        fail();
    }
}

static void json_describes_host_and_pocl(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices --format=json"), 0);
    assert_int_equal(p.status, 0);
    jv *doc = parse_or_fail(&p);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.devices/1");

    const jv *host = device_of_kind(doc, "host", NULL);
    assert_non_null(host);
    assert_string_equal(jv_get(host, "id")->string, "host");
    assert_string_field(host, "name");
    assert_string_field(host, "class.flynn");
    assert_string_field(host, "class.memory");
    assert_number_at_least(host, "shape.compute_units", 1);
    assert_number_at_least(host, "shape.threads", 1);
    assert_true(jv_path(host, "shape.threads")->number >=
                jv_path(host, "shape.compute_units")->number);
    assert_number_at_least(host, "shape.numa_nodes", 1);
    assert_number_at_least(host, "shape.global_mem_bytes", 1 << 20);
    assert_number_at_least(host, "shape.vector_widths.float", 1);
    assert_true(jv_path(host, "shape.caches")->len >= 1);
    assert_number_at_least(jv_at(jv_path(host, "shape.caches"), 0), "bytes", 1024);
    assert_string_field(host, "features.simd");
    assert_true(jv_path(host, "features.isa")->type == JV_ARRAY);
    assert_bool_field(host, "features.fp64");
    assert_true(jv_path(host, "bench")->type == JV_NULL);
    /* a multicore host is MIMD; memory is UMA or NUMA */
    if (jv_path(host, "shape.threads")->number > 1)
        assert_contains(jv_path(host, "class.flynn")->string, "MIMD");
    assert_contains(jv_path(host, "class.memory")->string, "UMA");

    const jv *cpu = device_of_kind(doc, "opencl", "CPU");
    if (!cpu) {
        jv_free(doc);
        hx_proc_free(&p);
        skip(); /* no OpenCL CPU device (PoCL) on this machine */
    }
    assert_contains(jv_get(cpu, "id")->string, "opencl:");
    assert_string_field(cpu, "platform");
    assert_string_field(cpu, "driver");
    assert_contains(jv_get(cpu, "version")->string, "OpenCL");
    assert_contains(jv_get(cpu, "c_version")->string, "OpenCL C");
    assert_number_at_least(cpu, "shape.compute_units", 1);
    assert_number_at_least(cpu, "shape.max_work_group", 1);
    assert_number_at_least(cpu, "shape.max_alloc_bytes", 1 << 20);
    assert_number_at_least(cpu, "shape.local_mem_bytes", 1024);
    assert_bool_field(cpu, "features.svm.coarse_grain_buffer");
    assert_bool_field(cpu, "features.svm.fine_grain_buffer");
    assert_bool_field(cpu, "features.svm.fine_grain_system");
    assert_bool_field(cpu, "features.svm.atomics");
    assert_bool_field(cpu, "features.unified_memory");
    assert_true(jv_path(cpu, "features.unified_memory")->boolean);
    assert_string_equal(jv_path(cpu, "class.memory")->string, "shared host memory");
    assert_contains(jv_path(cpu, "class.flynn")->string, "work-groups on cores");
    /* a 3.0 device answers the atomic capability queries */
    if (strstr(jv_get(cpu, "version")->string, "OpenCL 3."))
        assert_true(jv_path(cpu, "features.atomic_capabilities.memory")->type == JV_ARRAY);
    jv_free(doc);
    hx_proc_free(&p);
}

static void table_names_every_device(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "host");
    assert_contains(p.out, "class:");
    assert_contains(p.out, "caches:");
    hx_proc_free(&p);
}

static void unmatched_device_exits_3_with_one_line(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices --device=no-such-device-xyz"), 0);
    assert_int_equal(p.status, 3);
    assert_int_equal(hx_count_lines(p.err), 1);
    assert_contains(p.err, "no-such-device-xyz");
    assert_contains(p.err, "devices here:");
    assert_string_equal(p.out, "");
    hx_proc_free(&p);
}

static void bad_options_exit_2(void **state) {
    (void)state;
    const char *cmds[] = {
        "devices --format=xml", "devices --bench-time=0", "devices --bench-time=fast",
        "devices --threads=0",  "devices extra",          "devices --nope"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmds[i]), 0);
        if (p.status != 2)
            print_error("'%s' exited %d: %s\n", cmds[i], p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_int_equal(hx_count_lines(p.err), 1);
        hx_proc_free(&p);
    }
}

static void short_bench_measures_positive_figures_and_fills_the_cache(void **state) {
    (void)state;
    SKIP_BENCH_UNDER_TSAN();
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices --device=host --bench --bench-time=300ms "
                                           "--format=json"),
                     0);
    assert_int_equal(p.status, 0);
    jv *doc = parse_or_fail(&p);
    const jv *devs = jv_get(doc, "devices");
    assert_int_equal(devs->len, 1); /* --device=host shows the host alone */
    const jv *host = jv_at(devs, 0);
    const char *positive[] = {"copy_gbps", "triad_gbps",  "fp32_gflops",       "fp64_gflops",
                              "launch_us", "atomic_gops", "atomic_shared_gops"};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++) {
        char path[96];
        snprintf(path, sizeof path, "bench.figures.%s.median", positive[i]);
        assert_number_at_least(host, path, 1e-9);
        snprintf(path, sizeof path, "bench.figures.%s.min", positive[i]);
        const jv *mn = jv_path(host, path);
        snprintf(path, sizeof path, "bench.figures.%s.max", positive[i]);
        const jv *mx = jv_path(host, path);
        snprintf(path, sizeof path, "bench.figures.%s.median", positive[i]);
        const jv *med = jv_path(host, path);
        assert_true(mn->number <= med->number && med->number <= mx->number);
    }
    assert_false(jv_path(host, "bench.figures.h2d_gbps.measured")->boolean);
    assert_true(jv_path(host, "bench.figures.h2d_gbps.median")->type == JV_NULL);
    assert_contains(jv_path(host, "bench.figures.h2d_gbps.note")->string, "not applicable");
    assert_number_at_least(host, "bench.clock_mhz_measured", 100);
    jv_free(doc);
    hx_proc_free(&p);

    char path[160];
    snprintf(path, sizeof path, "%s/hetero/survey.txt", cache_dir);
    assert_int_equal(access(path, R_OK), 0);

    /* hetero run reads the cache: host rows get pct_peak without --roofline */
    assert_int_equal(hx_run_hetero_cmd(&p, "run vecadd --size=256K --reps=3 --warmup=1 "
                                           "--backend=serial,omp-simd --format=json"),
                     0);
    assert_int_equal(p.status, 0);
    doc = parse_or_fail(&p);
    const jv *results = jv_get(doc, "results");
    assert_non_null(results);
    assert_true(results->len >= 2);
    for (size_t i = 0; i < results->len; i++)
        assert_number_at_least(jv_at(results, i), "pct_peak", 1e-6);
    jv_free(doc);
    hx_proc_free(&p);
}

static void bench_of_the_opencl_cpu_device(void **state) {
    (void)state;
    SKIP_BENCH_UNDER_TSAN();
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices --device=cpu --bench --bench-time=300ms "
                                           "--format=json --no-cache"),
                     0);
    if (p.status == 3) {
        hx_proc_free(&p);
        skip();
    }
    assert_int_equal(p.status, 0);
    jv *doc = parse_or_fail(&p);
    const jv *dev = device_of_kind(doc, "opencl", "CPU");
    assert_non_null(dev);
    const char *positive[] = {
        "copy_gbps", "triad_gbps",      "fp32_gflops",     "launch_us",   "h2d_gbps",
        "d2h_gbps",  "h2d_pinned_gbps", "d2h_pinned_gbps", "atomic_gops", "atomic_shared_gops"};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++) {
        char path[96];
        snprintf(path, sizeof path, "bench.figures.%s.median", positive[i]);
        assert_number_at_least(dev, path, 1e-9);
    }
    assert_null(device_of_kind(doc, "host", NULL)); /* --device=cpu: OpenCL CPU devices only */
    jv_free(doc);
    hx_proc_free(&p);
    char path[160];
    snprintf(path, sizeof path, "%s/hetero/survey.txt", cache_dir);
    assert_int_equal(access(path, F_OK), -1); /* --no-cache wrote nothing */
}

static void run_roofline_measures_once_then_reads_the_cache(void **state) {
    (void)state;
    SKIP_BENCH_UNDER_TSAN();
    hx_proc p;
    const char *cmd = "run vecadd --size=64K --reps=2 --warmup=0 --backend=serial --roofline "
                      "--format=json";
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmd), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.err, "--roofline: measuring the peaks");
    jv *doc = parse_or_fail(&p);
    const jv *row = jv_at(jv_get(doc, "results"), 0);
    assert_non_null(row);
    assert_number_at_least(row, "pct_peak", 1e-6);
    jv_free(doc);
    hx_proc_free(&p);
    /* second run: the cached peaks, nothing measured */
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmd), 0);
    assert_int_equal(p.status, 0);
    assert_null(strstr(p.err, "measuring"));
    assert_contains(p.out, "\"pct_peak\"");
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_describes_host_and_pocl),
        cmocka_unit_test(table_names_every_device),
        cmocka_unit_test(unmatched_device_exits_3_with_one_line),
        cmocka_unit_test(bad_options_exit_2),
        cmocka_unit_test_setup_teardown(bench_of_the_opencl_cpu_device, make_cache_dir,
                                        remove_cache_dir),
        cmocka_unit_test_setup_teardown(short_bench_measures_positive_figures_and_fills_the_cache,
                                        make_cache_dir, remove_cache_dir),
        cmocka_unit_test_setup_teardown(run_roofline_measures_once_then_reads_the_cache,
                                        make_cache_dir, remove_cache_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
