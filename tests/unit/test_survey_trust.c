/*
 * test_survey_trust.c - the rules that decide whether a survey's figures can be believed: the
 * clock judged from its sources, the survey errors found right after measuring, and the cache
 * that ignores (with a notice) an entry from another machine or with impossible values.  The
 * surveys are made up; no device is touched.
 */
#include <stdlib.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/survey/survey.h"
#include "hx_test.h"

/* ---- the clock ------------------------------------------------------------------------------ */

static void chains_that_agree_give_a_confident_clock(void **state) {
    (void)state;
    hx_clock_sources src = {
        .add_chain = 4280, .imul_chain = 4270, .fma_chain = 4290, .fma_latency = 4, .tsc = 4200};
    hx_clock c;
    hx_clock_judge(&src, &c);
    assert_near(c.mhz, 4280, 1e-9); /* the median */
    assert_string_equal(c.confidence, "high");
    assert_string_equal(c.disagreement, "");
    assert_contains(c.method, "3 dependent chains");
}

static void a_folded_chain_gives_no_clock_and_says_why(void **state) {
    (void)state;
    /* the renamer folded an immediate-add chain: twice the real clock */
    hx_clock_sources src = {
        .add_chain = 8320, .imul_chain = 2651, .fma_chain = 2660, .fma_latency = 4};
    hx_clock c;
    hx_clock_judge(&src, &c);
    assert_near(c.mhz, 0, 0);
    assert_string_equal(c.confidence, "none");
    assert_contains(c.disagreement, "dependent chains disagree");
    assert_contains(c.disagreement, "add 8320");
}

static void a_nominal_tsc_is_named_when_it_disagrees(void **state) {
    (void)state;
    hx_clock_sources src = {
        .add_chain = 4280, .imul_chain = 4276, .fma_chain = 4290, .fma_latency = 4, .tsc = 2596};
    hx_clock c;
    hx_clock_judge(&src, &c);
    assert_near(c.mhz, 4280, 1e-9);
    assert_string_equal(c.confidence, "high"); /* turbo above a nominal TSC is no error */
    assert_contains(c.disagreement, "TSC (nominal rate) 2596 MHz");
    assert_contains(c.disagreement, "+65%");
}

static void a_clock_above_the_reported_maximum_is_low_confidence(void **state) {
    (void)state;
    hx_clock_sources src = {.add_chain = 5200, .imul_chain = 5190, .cpufreq_max = 3500};
    hx_clock c;
    hx_clock_judge(&src, &c);
    assert_string_equal(c.confidence, "low");
    assert_contains(c.disagreement, "cpufreq maximum 3500 MHz");
}

/* ---- survey errors -----------------------------------------------------------------------------
 */

static void set_best(hx_figure *f, double best) {
    f->measured = true;
    f->stats = (hx_stats){
        .n = 5, .median = best * 0.9, .min = best * 0.8, .max = best, .mean = best * 0.9};
}

static void fake_host(hx_survey *s, const char *cpu, const char *kernel) {
    memset(s, 0, sizeof *s);
    hx_device_record *h = hx_survey_add(s, "host");
    snprintf(h->id, sizeof h->id, "host");
    snprintf(h->name, sizeof h->name, "%s", cpu);
    snprintf(h->driver, sizeof h->driver, "%s", kernel);
    snprintf(h->type, sizeof h->type, "CPU");
    h->compute_units = 2;
    h->benched = true;
    h->clock.mhz = 3000;
    snprintf(h->clock.confidence, sizeof h->clock.confidence, "high");
    set_best(&h->fig[HX_FIG_BANDWIDTH_GBPS], 30);
    set_best(&h->fig[HX_FIG_FP32_GFLOPS], 300);
    set_best(&h->fig[HX_FIG_FP64_GFLOPS], 150);
    hx_figure_set(&h->fig[HX_FIG_FP32_THEORETICAL], 384, "computed");
    hx_device_record *c = hx_survey_add(s, "opencl");
    snprintf(c->id, sizeof c->id, "opencl:0:0");
    snprintf(c->name, sizeof c->name, "pthread-example");
    snprintf(c->platform, sizeof c->platform, "Portable Computing Language");
    snprintf(c->driver, sizeof c->driver, "3.1");
    snprintf(c->version, sizeof c->version, "OpenCL 3.0 PoCL");
}

static void add_level(hx_device_record *r, const char *name, uint64_t bytes, double read_all) {
    hx_mem_level *l = &r->levels[r->nlevels++];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->bytes = bytes;
    l->instances = 1;
    l->latency_ns = l->read_1t = l->write_1t = l->write_all = l->copy_1t = l->copy_all = NAN;
    l->read_all = read_all;
}

static void impossible_peaks_are_survey_errors(void **state) {
    (void)state;
    hx_survey s;
    fake_host(&s, "Example CPU 9000", "Linux 6.1");
    assert_int_equal(hx_survey_check(&s), 0);
    assert_false(s.dev[0].uncacheable);
    set_best(&s.dev[0].fig[HX_FIG_FP32_GFLOPS], 420); /* above 384 x 1.03 */
    assert_int_equal(hx_survey_check(&s), 1);
    assert_contains(s.dev[0].errors[0], "above the theoretical");
    assert_true(s.dev[0].uncacheable); /* no load measures more than the hardware does */
    set_best(&s.dev[0].fig[HX_FIG_FP32_GFLOPS], 100); /* below fp64's 150 */
    assert_int_equal(hx_survey_check(&s), 1);
    assert_contains(s.dev[0].errors[0], "fp32 peak 100.0 GFLOP/s is below fp64 150.0");
    assert_false(s.dev[0].uncacheable); /* a loaded machine measures this: reported only */
    add_level(&s.dev[0], "L1", 48 << 10, 100);
    add_level(&s.dev[0], "L2", 1 << 20, 400);
    set_best(&s.dev[0].fig[HX_FIG_FP32_GFLOPS], 300);
    assert_int_equal(hx_survey_check(&s), 1);
    assert_contains(s.dev[0].errors[0], "L2 ceiling 400.0 GB/s is above L1's 100.0");
    hx_survey_free(&s);
}

/* The hook asks core/noise.h; HETERO_TEST_NOISE=quiet (set in main, read once) stands for a quiet
 * machine here, and tests/e2e/test_trust.c checks that a noisy one caches nothing. */
static void the_quiet_hook_answers_quiet(void **state) {
    (void)state;
    char why[64];
    assert_true(hx_survey_quiet(why, sizeof why));
    assert_string_equal(why, "quiet");
}

/* ---- the cache ------------------------------------------------------------------------------- */

/* Save s, load it into fresh (another survey), return the notice printed and the state. */
static char *save_then_load(const hx_survey *s, hx_survey *fresh, hx_cache_state *st) {
    char path[] = "/tmp/hetero-trust-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(hx_survey_cache_save(s, path), HX_OK);
    hx_capture cap;
    hx_expect_capture(&cap);
    assert_int_equal(hx_survey_cache_load(fresh, path, st), HX_OK);
    char *notice = hx_captured(&cap);
    unlink(path);
    return notice;
}

static void a_clean_entry_loads_without_a_word(void **state) {
    (void)state;
    hx_survey s, fresh;
    fake_host(&s, "Example CPU 9000", "Linux 6.1");
    fake_host(&fresh, "Example CPU 9000", "Linux 6.1");
    hx_record_clear_bench(&fresh.dev[0]);
    hx_cache_state st;
    char *notice = save_then_load(&s, &fresh, &st);
    assert_int_equal(st, HX_CACHE_LOADED);
    assert_string_equal(notice, "");
    assert_true(fresh.dev[0].benched);
    assert_near(hx_figure_best(&fresh.dev[0].fig[HX_FIG_FP32_GFLOPS], HX_FIG_FP32_GFLOPS), 300, 0);
    free(notice);
    hx_survey_free(&s);
    hx_survey_free(&fresh);
}

static void an_entry_of_another_machine_is_ignored_with_a_notice(void **state) {
    (void)state;
    const char *cpus[2][2] = {{"Example CPU 9000", "Other CPU 1"}, {"Linux 6.1", "Linux 6.12"}};
    for (int which = 0; which < 2; which++) { /* another CPU, then another kernel */
        hx_survey s, fresh;
        fake_host(&s, cpus[0][0], cpus[1][0]);
        fake_host(&fresh, which == 0 ? cpus[0][1] : cpus[0][0],
                  which == 1 ? cpus[1][1] : cpus[1][0]);
        hx_record_clear_bench(&fresh.dev[0]);
        hx_cache_state st;
        char *notice = save_then_load(&s, &fresh, &st);
        assert_int_equal(st, HX_CACHE_FOREIGN);
        assert_contains(notice, "written for another machine");
        assert_contains(notice, which == 0 ? "cpu=Example CPU 9000" : "kernel=Linux 6.1'");
        assert_contains(notice, "ignored");
        assert_false(fresh.dev[0].benched);
        free(notice);
        hx_survey_free(&s);
        hx_survey_free(&fresh);
    }
}

static void an_impossible_clock_is_ignored_with_a_notice(void **state) {
    (void)state;
    hx_survey s, fresh;
    fake_host(&s, "Example CPU 9000", "Linux 6.1");
    s.dev[0].clock.mhz = 12626; /* what a loaded machine once cached */
    fake_host(&fresh, "Example CPU 9000", "Linux 6.1");
    hx_record_clear_bench(&fresh.dev[0]);
    hx_cache_state st;
    char *notice = save_then_load(&s, &fresh, &st);
    assert_int_equal(st, HX_CACHE_IMPLAUSIBLE);
    assert_contains(notice, "clock 12626 MHz is outside this CPU's range");
    assert_contains(notice, "ignored");
    assert_false(fresh.dev[0].benched);
    free(notice);
    hx_survey_free(&s);
    hx_survey_free(&fresh);
}

static void a_bandwidth_the_hierarchy_forbids_is_ignored_with_a_notice(void **state) {
    (void)state;
    hx_survey s, fresh;
    hx_cache_state st;
    /* a DRAM ceiling above what 2 cores can load per cycle at the highest clock of any x86 */
    fake_host(&s, "Example CPU 9000", "Linux 6.1");
    add_level(&s.dev[0], "L1", 48 << 10, 900);
    add_level(&s.dev[0], "L3", 32 << 20, 200);
    add_level(&s.dev[0], "DRAM", (uint64_t)24 << 30, 20);
    set_best(&s.dev[0].fig[HX_FIG_BANDWIDTH_GBPS], 5000);
    fake_host(&fresh, "Example CPU 9000", "Linux 6.1");
    hx_record_clear_bench(&fresh.dev[0]);
    char *notice = save_then_load(&s, &fresh, &st);
    assert_int_equal(st, HX_CACHE_IMPLAUSIBLE);
    assert_contains(notice, "bandwidth_gbps 5000.0 GB/s is above what 2 cores can load");
    free(notice);
    hx_survey_free(&fresh);
    /* the same bound on a level's own figures */
    set_best(&s.dev[0].fig[HX_FIG_BANDWIDTH_GBPS], 30);
    s.dev[0].levels[0].read_all = 1e6;
    fake_host(&fresh, "Example CPU 9000", "Linux 6.1");
    hx_record_clear_bench(&fresh.dev[0]);
    notice = save_then_load(&s, &fresh, &st);
    assert_int_equal(st, HX_CACHE_IMPLAUSIBLE);
    assert_contains(notice, "L1 figure 1e+06 is impossible");
    free(notice);
    hx_survey_free(&s);
    hx_survey_free(&fresh);
}

static void a_survey_with_errors_is_not_cached(void **state) {
    (void)state;
    hx_survey s, fresh;
    fake_host(&s, "Example CPU 9000", "Linux 6.1");
    set_best(&s.dev[0].fig[HX_FIG_FP32_GFLOPS], 420);
    hx_capture cap;
    hx_expect_capture(&cap);
    hx_survey_check(&s);
    free(hx_captured(&cap));
    fake_host(&fresh, "Example CPU 9000", "Linux 6.1");
    hx_record_clear_bench(&fresh.dev[0]);
    hx_cache_state st;
    char *notice = save_then_load(&s, &fresh, &st);
    assert_false(fresh.dev[0].benched);
    free(notice);
    hx_survey_free(&s);
    hx_survey_free(&fresh);
}

int main(void) {
    setenv("HETERO_TEST_NOISE", "quiet", 1); /* the cache cases must not depend on the load */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chains_that_agree_give_a_confident_clock),
        cmocka_unit_test(a_folded_chain_gives_no_clock_and_says_why),
        cmocka_unit_test(a_nominal_tsc_is_named_when_it_disagrees),
        cmocka_unit_test(a_clock_above_the_reported_maximum_is_low_confidence),
        cmocka_unit_test(impossible_peaks_are_survey_errors),
        cmocka_unit_test(the_quiet_hook_answers_quiet),
        cmocka_unit_test(a_clean_entry_loads_without_a_word),
        cmocka_unit_test(an_entry_of_another_machine_is_ignored_with_a_notice),
        cmocka_unit_test(an_impossible_clock_is_ignored_with_a_notice),
        cmocka_unit_test(a_bandwidth_the_hierarchy_forbids_is_ignored_with_a_notice),
        cmocka_unit_test(a_survey_with_errors_is_not_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
