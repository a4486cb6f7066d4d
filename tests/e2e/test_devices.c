/*
 * test_devices.c - `hetero devices` end to end: the JSON report holds every documented field for
 * the host and the PoCL device with sane values, --bench (short) measures positive figures and
 * fills the cache that `hetero run --roofline` reads, and a --device that matches nothing exits
 * 3 with one line naming the devices that exist.
 *
 * --hierarchy at a tiny size gives the documented bench.hierarchy[] shape, a cache whose ceilings
 * a run beats gives a notice and no pct_peak above 100 in any format, and --plot draws the
 * hierarchy and the roofline.
 *
 * Each test points XDG_CACHE_HOME at a fresh directory, so no test reads or writes the user's
 * cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hetero/core/plot.h"
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
    const char *files[] = {"hetero/survey.txt", "hetero/survey.edited", "roofline.svg",
                           "roofline.png", "hierarchy.svg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", cache_dir, files[i]);
        remove(path);
    }
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
    const char *cmds[] = {"devices --format=xml",
                          "devices --bench-time=0",
                          "devices --bench-time=fast",
                          "devices --threads=0",
                          "devices extra",
                          "devices --nope",
                          "devices --hierarchy",
                          "devices --bench --hierarchy-max=1M",
                          "devices --bench --hierarchy --hierarchy-max=1K",
                          "devices --bench --hierarchy --plot=mountain.pdf",
                          "devices --bench --plot=mountain.svg",
                          "devices --bench --hierarchy --device=cpu"};
    hx_expect_usage_errors(cmds, sizeof cmds / sizeof cmds[0]);
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
    assert_string_field(host, "bench.clock.confidence");
    assert_string_field(host, "bench.clock.method");
    /* the ceilings: best of kernels and reps, each with its method */
    const char *ceilings[] = {"bandwidth_gbps", "fp32_gflops", "fp32_gflops_theoretical"};
    for (size_t i = 0; i < sizeof ceilings / sizeof ceilings[0]; i++) {
        char path[96];
        snprintf(path, sizeof path, "bench.figures.%s.best", ceilings[i]);
        assert_number_at_least(host, path, 1e-9);
        snprintf(path, sizeof path, "bench.figures.%s.method", ceilings[i]);
        assert_string_field(host, path);
    }
    assert_true(jv_path(host, "bench.figures.bandwidth_gbps.best")->number >=
                jv_path(host, "bench.figures.triad_gbps.best")->number);
    /* a measured peak above the theoretical one would be a survey error (a loaded machine can
     * report others: values in the wrong order) */
    const jv *errors = jv_path(host, "bench.errors");
    for (size_t i = 0; i < errors->len; i++)
        assert_null(strstr(jv_at(errors, i)->string, "above the theoretical"));
    /* --bench measures every level's all-thread ceiling */
    const jv *levels = jv_path(host, "bench.hierarchy");
    assert_true(levels && levels->len >= 2);
    assert_string_equal(jv_get(jv_at(levels, levels->len - 1), "level")->string, "DRAM");
    assert_number_at_least(jv_at(levels, 0), "read_gbps_all", 1e-9);
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

static void hierarchy_json_has_the_documented_shape(void **state) {
    (void)state;
    SKIP_BENCH_UNDER_TSAN();
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices --device=host --bench --bench-time=200ms "
                                           "--hierarchy --hierarchy-max=1M --no-cache "
                                           "--format=json"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *host = jv_at(jv_get(doc, "devices"), 0);
    const jv *levels = jv_path(host, "bench.hierarchy");
    assert_non_null(levels);
    assert_true(levels->len >= 2);
    const char *numbers[] = {"latency_ns", "read_gbps_1t", "read_gbps_all"};
    for (size_t i = 0; i < levels->len; i++) {
        const jv *l = jv_at(levels, i);
        assert_true(jv_get(l, "level")->type == JV_STRING);
        assert_number_at_least(l, "bytes", 1024);
        for (size_t k = 0; k < 3; k++) {
            const jv *v = jv_get(l, numbers[k]);
            if (!v || (v->type != JV_NUMBER && v->type != JV_NULL)) {
                print_error("hierarchy[%zu].%s missing\n", i, numbers[k]);
                fail();
            }
        }
    }
    /* L1 fits under 1M: all three measured, a load takes less than 100 ns */
    const jv *l1 = jv_at(levels, 0);
    assert_string_equal(jv_get(l1, "level")->string, "L1");
    assert_number_at_least(l1, "latency_ns", 0.01);
    assert_true(jv_get(l1, "latency_ns")->number < 100);
    assert_number_at_least(l1, "read_gbps_1t", 0.1);
    assert_number_at_least(l1, "read_gbps_all", 0.1);
    /* DRAM is beyond the cap: not measured, said with nulls */
    assert_true(jv_get(jv_at(levels, levels->len - 1), "latency_ns")->type == JV_NULL);
    const jv *lat = jv_path(host, "bench.curves.latency");
    assert_true(lat && lat->len >= 4);
    assert_number_at_least(jv_at(lat, 0), "bytes", 4096);
    assert_true(jv_get(jv_at(lat, lat->len - 1), "bytes")->number <= 1 << 20);
    const jv *sizes = jv_path(host, "bench.curves.mountain.sizes");
    assert_true(sizes && sizes->len >= 2);
    assert_int_equal(jv_get(jv_at(sizes, 0), "read_gbps")->len,
                     jv_path(host, "bench.curves.mountain.stride_bytes")->len);
    assert_string_field(host, "bench.curves.pages");
    jv_free(doc);
    hx_proc_free(&p);
}

/* Scale every GB/s figure of the cached host record by 1/1000: plausible values (only their
 * order is checked), far below what any run reaches. */
static void shrink_cached_ceilings(const char *path) {
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char out_path[200];
    snprintf(out_path, sizeof out_path, "%s.new", path);
    FILE *out = fopen(out_path, "w");
    assert_non_null(out);
    char line[4096];
    while (fgets(line, sizeof line, in)) {
        char kind[16], who[300], key[64];
        if (sscanf(line, "%15[^\t]\t%299[^\t]\t%63[^\t]", kind, who, key) == 3 &&
            strcmp(kind, "fig") == 0 && strncmp(who, "host:", 5) == 0 && strstr(key, "gbps")) {
            size_t reps;
            double med, mn, mx;
            char rest[2048] = "";
            const char *p = line + strlen(kind) + strlen(who) + strlen(key) + 3;
            if (sscanf(p, "%zu\t%lf\t%lf\t%lf\t%2047[^\n]", &reps, &med, &mn, &mx, rest) >= 4) {
                fprintf(out, "fig\t%s\t%s\t%zu\t%.9g\t%.9g\t%.9g\t%s\n", who, key, reps, med / 1000,
                        mn / 1000, mx / 1000, rest);
                continue;
            }
        }
        if (strncmp(line, "level\t", 6) == 0)
            continue; /* no levels: every row is put against the shrunk DRAM ceiling */
        fputs(line, out);
    }
    fclose(in);
    fclose(out);
    assert_int_equal(rename(out_path, path), 0);
}

static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "r"), *out = fopen(to, "w");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* Every number in the table cells ending in '%' is at most 100. */
static void assert_table_percent_at_most_100(const char *table) {
    size_t seen = 0;
    for (const char *p = strchr(table, '%'); p; p = strchr(p + 1, '%')) {
        const char *start = p;
        while (start > table && (start[-1] == '.' || (start[-1] >= '0' && start[-1] <= '9')))
            start--;
        if (start < p && start[-1] == ' ') {
            seen++;
            assert_true(strtod(start, NULL) <= 100.0);
        }
    }
    assert_true(seen >= 2);
}

static void a_cached_ceiling_a_run_beats_is_announced_and_capped(void **state) {
    (void)state;
    SKIP_BENCH_UNDER_TSAN();
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "devices --device=host --bench --bench-time=200ms"), 0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    char cache[160], edited[160];
    snprintf(cache, sizeof cache, "%s/hetero/survey.txt", cache_dir);
    snprintf(edited, sizeof edited, "%s/hetero/survey.edited", cache_dir);
    shrink_cached_ceilings(cache);
    copy_file(cache, edited);
    const char *formats[] = {"json", "csv", "table"};
    for (size_t f = 0; f < 3; f++) {
        copy_file(edited, cache); /* each run drops the stale record: restore it */
        assert_int_equal(hx_run_hetero_cmd(&p,
                                           "run vecadd --size=1M --reps=3 --warmup=1 "
                                           "--backend=serial,omp --format=%s",
                                           formats[f]),
                         0);
        assert_int_equal(p.status, 0);
        assert_contains(p.err, "is above the cached DRAM ceiling");
        assert_contains(p.err, "the ceiling is stale");
        if (f == 0) {
            jv *doc = hx_expect_json(&p, 0);
            const jv *results = jv_get(doc, "results");
            for (size_t i = 0; i < results->len; i++) {
                const jv *row = jv_at(results, i);
                assert_number_at_least(row, "pct_peak", 1e-9);
                assert_true(jv_get(row, "pct_peak")->number <= 100.0);
                assert_string_equal(jv_get(row, "ceiling")->string, "DRAM");
            }
            jv_free(doc);
        } else if (f == 1) {
            assert_contains(p.out, ",pct_peak,ceiling\n");
            for (char *line = strchr(p.out, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
                char *end = strchr(line, '\n');
                *end = '\0';
                char *last = strrchr(line, ',');
                assert_string_equal(last + 1, "DRAM");
                *last = '\0';
                double pct = strtod(strrchr(line, ',') + 1, NULL);
                assert_true(pct > 0 && pct <= 100.0);
                *last = ',';
                *end = '\n';
            }
        } else {
            assert_contains(p.out, "% DRAM");
            assert_table_percent_at_most_100(p.out);
        }
        hx_proc_free(&p);
    }
    /* the stale record was dropped from the cache: no %peak until it is measured again */
    assert_int_equal(hx_run_hetero_cmd(&p, "run vecadd --size=1M --reps=2 --warmup=0 "
                                           "--backend=serial --format=json"),
                     0);
    assert_int_equal(p.status, 0);
    assert_null(strstr(p.out, "pct_peak"));
    hx_proc_free(&p);
}

static void plots_draw_the_hierarchy_and_the_roofline(void **state) {
    (void)state;
    SKIP_BENCH_UNDER_TSAN();
    const char *program;
    if (!hx_gnuplot_found(&program))
        skip(); /* gnuplot is optional at run time */
    char path[200];
    const char *figures[] = {"roofline.svg", "roofline.png"};
    for (size_t i = 0; i < 2; i++) {
        hx_proc p;
        snprintf(path, sizeof path, "%s/%s", cache_dir, figures[i]);
        assert_int_equal(hx_run_hetero_cmd(&p,
                                           "run vecadd sgemm --size=256 --reps=2 --warmup=0 "
                                           "--backend=serial,omp --roofline --plot=%s",
                                           path),
                         0);
        if (p.status != 0)
            print_error("stderr: %s\n", p.err);
        assert_int_equal(p.status, 0);
        hx_proc_free(&p);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char head[512] = "";
        size_t n = fread(head, 1, sizeof head - 1, f);
        fclose(f);
        head[n] = '\0';
        if (i == 0)
            assert_contains(head, "<svg");
        else
            assert_true(n > 8 && memcmp(head + 1, "PNG", 3) == 0);
    }
    hx_proc p;
    snprintf(path, sizeof path, "%s/hierarchy.svg", cache_dir);
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "devices --device=host --bench --bench-time=200ms "
                                       "--hierarchy --hierarchy-max=512K --no-cache --plot=%s",
                                       path),
                     0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    assert_int_equal(access(path, R_OK), 0);
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
        cmocka_unit_test(hierarchy_json_has_the_documented_shape),
        cmocka_unit_test_setup_teardown(a_cached_ceiling_a_run_beats_is_announced_and_capped,
                                        make_cache_dir, remove_cache_dir),
        cmocka_unit_test_setup_teardown(plots_draw_the_hierarchy_and_the_roofline, make_cache_dir,
                                        remove_cache_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
