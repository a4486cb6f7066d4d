/*
 * test_survey_roofline.c - the ceiling each result is put against, and the rule that no pct_peak
 * above 100 reaches any report: a made-up survey, made-up rows, no device touched.
 */
#include <stdlib.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/report.h"
#include "hetero/survey/survey.h"
#include "hx_test.h"

/* ---- a made-up machine ------------------------------------------------------------------------
 */

static void set_best(hx_figure *f, double best) {
    f->measured = true;
    f->stats = (hx_stats){
        .n = 5, .median = best * 0.9, .min = best * 0.8, .max = best, .mean = best * 0.9};
}

static void add_level(hx_device_record *r, const char *name, uint64_t bytes, unsigned instances,
                      double read_all) {
    hx_mem_level *l = &r->levels[r->nlevels++];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->bytes = bytes;
    l->instances = instances;
    l->latency_ns = l->read_1t = l->write_1t = l->write_all = l->copy_1t = l->copy_all = NAN;
    l->read_all = read_all;
}

/* host: L1 48K x2 (900 GB/s), L2 1M x2 (450), L3 32M (200), DRAM (stream 30); fp32 500.
 * opencl:0:0 is a CPU device on host memory (fp32 250, stream 25); opencl:1:0 a GPU. */
static void machine(hx_survey *s, bool with_levels) {
    memset(s, 0, sizeof *s);
    hx_device_record *h = hx_survey_add(s, "host");
    snprintf(h->id, sizeof h->id, "host");
    snprintf(h->name, sizeof h->name, "Example CPU 9000");
    snprintf(h->type, sizeof h->type, "CPU");
    h->compute_units = 2;
    h->benched = true;
    set_best(&h->fig[HX_FIG_BANDWIDTH_GBPS], 30);
    set_best(&h->fig[HX_FIG_FP32_GFLOPS], 500);
    if (with_levels) {
        add_level(h, "L1", 48 << 10, 2, 900);
        add_level(h, "L2", 1 << 20, 2, 450);
        add_level(h, "L3", 32 << 20, 1, 200);
        add_level(h, "DRAM", (uint64_t)24 << 30, 1, 28);
    }
    hx_device_record *c = hx_survey_add(s, "opencl");
    snprintf(c->id, sizeof c->id, "opencl:0:0");
    snprintf(c->name, sizeof c->name, "pthread-example");
    snprintf(c->type, sizeof c->type, "CPU");
    c->unified_memory = true;
    c->benched = true;
    set_best(&c->fig[HX_FIG_BANDWIDTH_GBPS], 25);
    set_best(&c->fig[HX_FIG_FP32_GFLOPS], 250);
    hx_device_record *g = hx_survey_add(s, "opencl");
    snprintf(g->id, sizeof g->id, "opencl:1:0");
    snprintf(g->name, sizeof g->name, "Example GPU");
    snprintf(g->type, sizeof g->type, "GPU");
    g->benched = true;
    set_best(&g->fig[HX_FIG_BANDWIDTH_GBPS], 900);
    set_best(&g->fig[HX_FIG_FP32_GFLOPS], 30000);
}

static hx_result row(const char *workload, const char *backend, const char *device, int threads,
                     double bytes, double flops, double seconds) {
    hx_result r;
    memset(&r, 0, sizeof r);
    r.workload = workload;
    r.backend = backend;
    snprintf(r.device, sizeof r.device, "%s", device);
    r.threads = threads;
    r.bytes = bytes;
    r.flops = flops;
    r.reps = 3;
    r.verified = true;
    r.time = (hx_stats){.n = 3, .median = seconds, .min = seconds, .max = seconds, .mean = seconds};
    hx_result_derive(&r, seconds);
    return r;
}

static double pct_of(const hx_result *r) {
    for (int e = 0; e < r->nextra; e++)
        if (strcmp(r->extra[e].name, "pct_peak") == 0)
            return r->extra[e].value;
    return NAN;
}

/* ---- the ceiling of each row
 * --------------------------------------------------------------------- */

static void ceiling_name(const hx_survey *s, size_t k, double bytes, double flops,
                         unsigned instances, const char *want, double value) {
    hx_ceiling c;
    assert_true(hx_ceiling_for(&s->dev[k], &s->dev[0], bytes, flops, instances, &c));
    if (strcmp(c.name, want) != 0)
        print_error("%g bytes on %u instances: ceiling %s, expected %s\n", bytes, instances, c.name,
                    want);
    assert_string_equal(c.name, want);
    assert_near(c.value, value, 1e-9);
}

static void the_smallest_level_holding_the_working_set_bounds_a_row(void **state) {
    (void)state;
    hx_survey s;
    machine(&s, true);
    double vecadd_flops = 1.0 / 12;                                         /* per byte */
    ceiling_name(&s, 0, 64 << 10, (64 << 10) * vecadd_flops, 2, "L1", 900); /* 2 x 48K */
    ceiling_name(&s, 0, 64 << 10, (64 << 10) * vecadd_flops, 1, "L2", 450); /* one L1: 48K */
    ceiling_name(&s, 0, 1.5 * (1 << 20), 1e5, 2, "L2", 450);                /* 2 x 1M */
    ceiling_name(&s, 0, 1.5 * (1 << 20), 1e5, 1, "L3", 200);
    ceiling_name(&s, 0, 48.0 * (1 << 20), 4e6, 2, "DRAM", 30); /* 48 MiB on a 32 MiB L3 */
    /* sgemm-like: 170 flop/byte is above the machine balance 500/450 of L2 */
    ceiling_name(&s, 0, 12.0 * 512 * 512, 2.0 * 512 * 512 * 512, 2, "fp32", 500);
    /* a CPU OpenCL device runs in the host's caches; DRAM is its own stream ceiling */
    ceiling_name(&s, 1, 64 << 10, 5e3, UINT32_MAX, "L1", 900);
    ceiling_name(&s, 1, 256.0 * (1 << 20), 2e7, UINT32_MAX, "DRAM", 25);
    /* a GPU has no host caches */
    ceiling_name(&s, 2, 64 << 10, 5e3, UINT32_MAX, "DRAM", 900);
    hx_survey_free(&s);
}

static void a_level_without_a_ceiling_gives_no_bound_rather_than_dram(void **state) {
    (void)state;
    hx_survey s;
    machine(&s, true);
    s.dev[0].levels[0].read_all = NAN; /* L1 not measured */
    hx_ceiling c;
    assert_false(hx_ceiling_for(&s.dev[0], &s.dev[0], 32 << 10, 1e3, 2, &c));
    /* a level above it still has one: an L2-sized row is bounded by L2 */
    assert_true(hx_ceiling_for(&s.dev[0], &s.dev[0], 1 << 20, 1e3, 2, &c));
    assert_string_equal(c.name, "L2");
    hx_survey_free(&s);
}

/* ---- never above 100% -------------------------------------------------------------------------
 */

__attribute__((noinline)) static char *report(const hx_result *rows, size_t n, hx_format fmt) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    hx_host_info host = {"Example CPU 9000", 2, "avx512"};
    assert_int_equal(hx_report_write(f, fmt, &host, rows, n, NULL, 0, NULL), HX_OK);
    fclose(f);
    return buf;
}

/* Every pct_peak of every format is at most 100. */
static void assert_no_pct_above_100(const hx_result *rows, size_t n) {
    char *json = report(rows, n, HX_FORMAT_JSON);
    char err[128];
    jv *doc = jv_parse(json, err, sizeof err);
    assert_non_null(doc);
    const jv *results = jv_get(doc, "results");
    size_t with_pct = 0;
    for (size_t i = 0; i < results->len; i++) {
        const jv *p = jv_get(jv_at(results, i), "pct_peak");
        if (p && p->type == JV_NUMBER) {
            with_pct++;
            assert_true(p->number <= 100.0);
            assert_non_null(jv_get(jv_at(results, i), "ceiling"));
        }
    }
    assert_int_equal(with_pct, n);
    jv_free(doc);
    free(json);

    char *csv = report(rows, n, HX_FORMAT_CSV);
    char *line = strchr(csv, '\n') + 1; /* the header names pct_peak,ceiling last */
    assert_contains(csv, ",pct_peak,ceiling\n");
    for (size_t i = 0; i < n; i++) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        char *comma = strrchr(line, ',');
        *comma = '\0';
        double pct = strtod(strrchr(line, ',') + 1, NULL);
        assert_true(pct > 0 && pct <= 100.0);
        line = end + 1;
    }
    free(csv);

    char *table = report(rows, n, HX_FORMAT_TABLE);
    for (const char *p = strchr(table, '%'); p; p = strchr(p + 1, '%')) {
        const char *start = p;
        while (start > table && (start[-1] == '.' || (start[-1] >= '0' && start[-1] <= '9')))
            start--;
        if (start < p)
            assert_true(strtod(start, NULL) <= 100.0);
    }
    free(table);
}

static void a_row_above_its_ceiling_is_announced_and_never_shown_above_100(void **state) {
    (void)state;
    hx_survey s;
    machine(&s, false);
    /* 192 MiB vecadd at 32.1 GB/s against a cached DRAM ceiling of 30, and a slow row */
    double bytes = 192.0 * (1 << 20);
    hx_result rows[2] = {
        row("vecadd", "omp-simd", "Example CPU 9000", 2, bytes, bytes / 12, bytes / 32.1e9),
        row("vecadd", "serial", "Example CPU 9000", 1, bytes, bytes / 12, bytes / 5e9)};
    bool stale[3];
    hx_capture cap;
    hx_expect_capture(&cap);
    assert_int_equal(hx_roofline_apply(&s, rows, 2, NULL, NULL, stale), HX_OK);
    char *notice = hx_captured(&cap);
    assert_contains(notice, "vecadd omp-simd 32.1 GB/s is above the cached DRAM ceiling 30.0 GB/s");
    assert_contains(notice, "the ceiling is stale");
    assert_contains(notice, "hetero devices --bench");
    free(notice);
    assert_true(stale[0]);
    assert_false(stale[1]);
    /* the ceiling is corrected to the row: 100%, and the slow row is put against it too */
    assert_near(pct_of(&rows[0]), 100.0, 1e-9);
    assert_near(pct_of(&rows[1]), 100.0 * 5.0 / 32.1, 1e-6);
    assert_string_equal(rows[0].ceiling, "DRAM");
    assert_no_pct_above_100(rows, 2);
    hx_survey_free(&s);
}

static int fresh_ceiling(void *ctx, hx_device_record *r) {
    double *value = ctx;
    set_best(&r->fig[HX_FIG_BANDWIDTH_GBPS], *value);
    return HX_OK;
}

static void a_stale_ceiling_is_measured_again_once(void **state) {
    (void)state;
    hx_survey s;
    machine(&s, false);
    double bytes = 192.0 * (1 << 20);
    hx_result rows[1] = {
        row("vecadd", "omp-simd", "Example CPU 9000", 2, bytes, bytes / 12, bytes / 32.1e9)};
    bool stale[3];
    double remeasured = 40.0;
    hx_capture cap;
    hx_expect_capture(&cap);
    assert_int_equal(hx_roofline_apply(&s, rows, 1, fresh_ceiling, &remeasured, stale), HX_OK);
    char *notice = hx_captured(&cap);
    assert_contains(notice, "re-measuring");
    free(notice);
    assert_near(pct_of(&rows[0]), 100.0 * 32.1 / 40.0, 1e-6);

    /* a re-measurement still below the row: raised to it, and said */
    hx_result again[1] = {
        row("vecadd", "omp-simd", "Example CPU 9000", 2, bytes, bytes / 12, bytes / 50e9)};
    remeasured = 45.0;
    hx_expect_capture(&cap);
    assert_int_equal(hx_roofline_apply(&s, again, 1, fresh_ceiling, &remeasured, stale), HX_OK);
    notice = hx_captured(&cap);
    assert_contains(notice, "still above the re-measured DRAM ceiling 45.0 GB/s");
    free(notice);
    assert_near(pct_of(&again[0]), 100.0, 1e-9);
    assert_no_pct_above_100(again, 1);
    hx_survey_free(&s);
}

static void a_compute_bound_row_above_the_peak_is_capped_too(void **state) {
    (void)state;
    hx_survey s;
    machine(&s, true);
    double n = 1024;
    /* sgemm on the CPU OpenCL device at 260 GFLOP/s against a cached fp32 peak of 250 */
    hx_result rows[1] = {row("sgemm", "opencl", "pthread-example", 1, 12 * n * n, 2 * n * n * n,
                             2 * n * n * n / 260e9)};
    bool stale[3];
    hx_capture cap;
    hx_expect_capture(&cap);
    assert_int_equal(hx_roofline_apply(&s, rows, 1, NULL, NULL, stale), HX_OK);
    char *notice = hx_captured(&cap);
    assert_contains(notice, "sgemm opencl 260.0 GFLOP/s is above the cached fp32 ceiling 250.0");
    free(notice);
    assert_true(stale[1]);
    assert_string_equal(rows[0].ceiling, "fp32");
    assert_no_pct_above_100(rows, 1);
    hx_survey_free(&s);
}

/* ---- clocks: a driver's figure is marked, a measured one is not -------------------------------
 */

static char *survey_table(const hx_survey *s) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(hx_survey_write(f, HX_FORMAT_TABLE, s), HX_OK);
    fclose(f);
    return buf;
}

static void a_reported_clock_is_marked_and_the_measured_one_is_shown(void **state) {
    (void)state;
    hx_survey s;
    machine(&s, false);
    s.dev[1].clock_mhz = 2596; /* PoCL: the nominal TSC rate */
    char *out = survey_table(&s);
    assert_non_null(strstr(out, "2596*"));
    assert_non_null(strstr(out, "--bench measures the host's"));
    free(out);
    s.dev[0].clock.mhz = 4041; /* the host's chains, measured */
    out = survey_table(&s);
    assert_non_null(strstr(out, " 4041 "));
    assert_non_null(strstr(out, "the host's cores measure 4041 MHz"));
    free(out);
    s.dev[1].clock_mhz = 0;
    out = survey_table(&s);
    assert_null(strstr(out, "as the driver reports it"));
    free(out);
    hx_survey_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_smallest_level_holding_the_working_set_bounds_a_row),
        cmocka_unit_test(a_level_without_a_ceiling_gives_no_bound_rather_than_dram),
        cmocka_unit_test(a_row_above_its_ceiling_is_announced_and_never_shown_above_100),
        cmocka_unit_test(a_stale_ceiling_is_measured_again_once),
        cmocka_unit_test(a_compute_bound_row_above_the_peak_is_capped_too),
        cmocka_unit_test(a_reported_clock_is_marked_and_the_measured_one_is_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
