/*
 * test_trust.c - numbers a user can trust, end to end: every row's spread and interval, the
 * repetition rules and their refusals, the noise marks and the one line about them (made
 * deterministic with HETERO_TEST_NOISE), the provenance of every JSON document, the first screen
 * (nothing about CUDA without NVIDIA hardware, 160 columns), the progress line, and hetero
 * compare on real runs.  The machine running the tests may be busy: no assertion depends on how
 * busy it is or on how long anything took.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hetero/core/nvidia_arch.h"
#include "hx_test.h"

#define QUICK "--size=64K --warmup=1"

static char scratch[256];

static void scratch_path(char *buf, size_t len, const char *name) {
    snprintf(buf, len, "%s/%s", scratch, name);
}

/* ---- spread, intervals, repetition rules ------------------------------------------------- */

static void every_row_carries_cv_interval_and_rule(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial,omp --reps=8 --format=json " QUICK " vecadd"),
        0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *results = jv_get(doc, "results");
    assert_int_equal(results->len, 2);
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        assert_int_equal(jv_get(r, "reps")->number, 8);
        assert_int_equal(jv_get(r, "cv")->type, JV_NUMBER);
        const jv *ci = jv_get(r, "ci95_s");
        assert_int_equal(ci->type, JV_ARRAY);
        assert_int_equal(ci->len, 2);
        double lo = jv_at(ci, 0)->number, hi = jv_at(ci, 1)->number;
        double med = jv_path(r, "time_s.median")->number;
        assert_true(lo <= med && med <= hi); /* the interval holds its median */
        assert_true(jv_path(r, "time_s.min")->number <= lo);
        assert_true(hi <= jv_path(r, "time_s.max")->number);
        assert_int_equal(jv_get(r, "noisy")->type, JV_BOOL);
        assert_string_equal(jv_path(r, "repetitions.rule")->string, "fixed");
        assert_string_equal(jv_path(r, "repetitions.stop")->string, "reps");
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void fewer_than_six_runs_have_no_interval(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --reps=5 --format=json " QUICK " vecadd"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *r = jv_at(jv_get(doc, "results"), 0);
    assert_int_equal(jv_get(r, "ci95_s")->type, JV_NULL);
    jv_free(doc);
    hx_proc_free(&p);
}

static void without_reps_the_times_decide(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial --max-time=300ms --target-ci=1%% "
                                           "--format=json " QUICK " vecadd"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *r = jv_at(jv_get(doc, "results"), 0);
    assert_string_equal(jv_path(r, "repetitions.rule")->string, "adaptive");
    assert_near(jv_path(r, "repetitions.target_ci")->number, 0.01, 1e-12);
    const char *stop = jv_path(r, "repetitions.stop")->string;
    bool reached = jv_path(r, "repetitions.reached")->boolean;
    /* either the interval got within 1% (and then it is) or the time ran out */
    if (reached) {
        assert_string_equal(stop, "ci");
        const jv *ci = jv_get(r, "ci95_s");
        double med = jv_path(r, "time_s.median")->number;
        assert_true((jv_at(ci, 1)->number - jv_at(ci, 0)->number) / 2 / med <= 0.01 + 1e-12);
    } else {
        assert_true(strcmp(stop, "max-time") == 0 || strcmp(stop, "max-reps") == 0);
    }
    assert_true(jv_get(r, "reps")->number >= 1);
    jv_free(doc);
    hx_proc_free(&p);
    /* the table says how the count was decided */
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --max-time=200ms " QUICK " vecadd"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "runs added until the 95% CI of the median was within ±3%");
    assert_contains(p.out, "± = half the 95% CI of the median");
    hx_proc_free(&p);
}

static void reps_and_the_time_rule_exclude_each_other(void **state) {
    (void)state;
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"--reps=5 --target-ci=2%", "--reps fixes the count of runs"},
        {"--reps=5 --max-time=1s", "--reps fixes the count of runs"},
        {"--min-time=2s --max-time=1s", "--min-time (2s) is longer than --max-time (1s)"},
        {"--target-ci=0", "--target-ci '0' is not a percentage; accepted: 0.1% to 100%"},
        {"--target-ci=abc", "--target-ci 'abc' is not a percentage"},
        {"--max-time=2h", "--max-time"},
        {"--min-time=-1s", "--min-time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "run %s vecadd", cases[i].args), 0);
        if (p.status != 2)
            print_error("%s: exit %d, stderr %s\n", cases[i].args, p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, cases[i].message);
        assert_int_equal(hx_count_lines(p.err), 1);
        hx_proc_free(&p);
    }
}

/* ---- noise marks -------------------------------------------------------------------------- */

static void a_noisy_machine_marks_every_row_and_says_so_once(void **state) {
    (void)state;
    setenv("HETERO_TEST_NOISE", "foreign=0.5,steal=0.09,load=4.1", 1);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial,simd --reps=6 " QUICK " vecadd"),
                     0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "~");
    assert_contains(p.out, "~ = other programs or the hypervisor took CPU time during the row "
                           "(2 of 2 rows)");
    assert_contains(p.err, "noisy machine: load 4.1 on ");
    assert_contains(p.err, "steal 9%: figures marked ~ (2 of 2 rows)");
    const char *first = strstr(p.err, "noisy machine");
    assert_null(strstr(first + 1, "noisy machine")); /* once */
    hx_proc_free(&p);
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --reps=6 --format=json " QUICK " vecadd"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *r = jv_at(jv_get(doc, "results"), 0);
    assert_true(jv_get(r, "noisy")->boolean);
    assert_near(jv_path(r, "noise.foreign")->number, 0.5, 1e-12);
    assert_near(jv_path(r, "noise.steal")->number, 0.09, 1e-12);
    assert_true(jv_path(doc, "provenance.noise.noisy")->boolean);
    assert_int_equal(jv_path(doc, "provenance.noise.noisy_rows")->number, 1);
    jv_free(doc);
    hx_proc_free(&p);
    unsetenv("HETERO_TEST_NOISE");
}

static void a_quiet_machine_marks_nothing(void **state) {
    (void)state;
    setenv("HETERO_TEST_NOISE", "quiet", 1);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial,simd --reps=6 " QUICK " vecadd"),
                     0);
    assert_int_equal(p.status, 0);
    assert_null(strstr(p.out, "~"));
    assert_null(strstr(p.err, "noisy machine"));
    hx_proc_free(&p);
    unsetenv("HETERO_TEST_NOISE");
    /* a hook it does not understand is said, not obeyed */
    setenv("HETERO_TEST_NOISE", "loud", 1);
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial --reps=1 " QUICK " vecadd"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.err, "HETERO_TEST_NOISE='loud' ignored");
    hx_proc_free(&p);
    unsetenv("HETERO_TEST_NOISE");
}

static void nothing_measured_under_noise_is_cached(void **state) {
    (void)state;
    char cache[300], file[400];
    scratch_path(cache, sizeof cache, "cache");
    snprintf(file, sizeof file, "%s/hetero/survey.txt", cache);
    setenv("XDG_CACHE_HOME", cache, 1);
    setenv("HETERO_TEST_NOISE", "foreign=0.5", 1);
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "devices --device=host --bench --bench-time=100ms --format=json"), 0);
    unsetenv("HETERO_TEST_NOISE");
    unsetenv("XDG_CACHE_HOME");
    jv *doc = hx_expect_json(&p, 0);
    assert_contains(p.err, "the figures are not cached: the machine was noisy while measuring: "
                           "other programs used 50% of the CPU");
    assert_int_equal(access(file, F_OK), -1);
    jv_free(doc);
    hx_proc_free(&p);
}

/* ---- provenance in every document ---------------------------------------------------------- */

static void check_provenance(const char *what, const jv *doc) {
    const jv *pv = jv_get(doc, "provenance");
    if (!pv)
        print_error("%s: no provenance\n", what);
    assert_non_null(pv);
    static const char *const strings[] = {
        "hetero.version", "hetero.commit", "hetero.build_type", "hetero.compiler", "command",
        "date",           "cpu.model",     "cpu.isa",           "kernel.release",  "governor"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        const jv *v = jv_path(pv, strings[i]);
        if (!v || v->type != JV_STRING)
            print_error("%s: provenance.%s missing\n", what, strings[i]);
        assert_true(v && v->type == JV_STRING && strlen(v->string) > 0);
    }
    assert_int_equal(jv_path(pv, "hetero.dirty")->type, JV_BOOL);
    assert_int_equal(jv_path(pv, "hetero.c_flags")->type, JV_STRING);
    assert_int_equal(jv_get(pv, "omp")->type, JV_OBJECT);
    assert_int_equal(jv_path(pv, "noise.start")->type, JV_OBJECT);
    assert_int_equal(jv_path(pv, "noise.end")->type, JV_OBJECT);
    assert_int_equal(jv_path(pv, "noise.cpus")->type, JV_NUMBER);
    const jv *ocl = jv_get(pv, "opencl");
    assert_true(ocl && (ocl->type == JV_ARRAY || ocl->type == JV_NULL));
    assert_non_null(jv_get(pv, "openblas"));
    assert_int_equal(jv_path(pv, "cuda.built")->type, JV_BOOL);
    assert_contains(jv_get(pv, "command")->string, "hetero ");
}

static void every_json_document_has_its_provenance(void **state) {
    (void)state;
    static const char *const commands[] = {
        "run --backend=serial --reps=1 --format=json " QUICK " vecadd",
        "list --format=json",
        "devices --format=json",
        "scale vecadd --threads=1,2 --size=8K --reps=1 --warmup=0 --format=json",
        "sched --device=cpu --size=64 --iters=16 --reps=1 --warmup=0 --format=json",
        "io bench --model=poll --conns=1 --size=100 --duration=100ms --format=json",
        "conc --quick --only=crash --format=json",
        "map --format=json --reps=1 --warmup=0 --tasks=mandelbrot --size=64 --iters=64 "
        "--workers=2",
        "misd --format=json",
        "memory --format=json",
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", commands[i]), 0);
        jv *doc = hx_expect_json(&p, 0);
        check_provenance(commands[i], doc);
        jv_free(doc);
        hx_proc_free(&p);
    }
}

static void version_names_the_build(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "--version"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "hetero ");
    assert_contains(p.out, "(commit ");
    hx_proc_free(&p);
}

/* ---- the first screen ------------------------------------------------------------------------ */

/* Display columns of the widest line of s ("±" is one). */
static size_t widest_line(const char *s) {
    size_t widest = 0, w = 0;
    for (; *s; s++) {
        if (*s == '\n') {
            widest = w > widest ? w : widest;
            w = 0;
        } else if (((unsigned char)*s & 0xC0) != 0x80) {
            w++;
        }
    }
    return w > widest ? w : widest;
}

static void the_first_screen_fits_and_says_nothing_of_absent_cuda(void **state) {
    (void)state;
    hx_proc p;
    /* a default run: every backend built, the default workload, a small size */
    assert_int_equal(hx_run_hetero_cmd(&p, "run --size=64K --max-time=200ms"), 0);
    assert_int_equal(p.status, 0);
    assert_true(widest_line(p.out) <= 160);
    assert_contains(p.out, "eff = speedup / processing elements, where every SIMD lane counts as "
                           "one");
    if (!hx_nvidia_present()) {
        assert_null(strcasestr(p.out, "cuda"));
        assert_null(strcasestr(p.err, "cuda"));
    }
    hx_proc_free(&p);
    /* the reason stays in the JSON and under --verbose */
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial,cuda --reps=1 --format=json " QUICK " vecadd"),
        0);
    /* exit 3: no cuda backend in this build, or one asked for by name without a GPU */
    bool not_built = p.status == 3 && strstr(p.err, "not in this build");
    if (p.status == 3)
        assert_true(not_built || strstr(p.err, "needs an NVIDIA GPU"));
    hx_proc_free(&p);
    if (not_built)
        return; /* no skipped cuda row to look for */
    if (hx_nvidia_present())
        return; /* cuda rows may run here: nothing to check about their absence */
    assert_int_equal(hx_run_hetero_cmd(&p, "run --reps=1 --format=json " QUICK " vecadd"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *skipped = jv_get(doc, "skipped");
    bool cuda_skip = false;
    for (size_t i = 0; i < skipped->len; i++)
        cuda_skip |= strcmp(jv_get(jv_at(skipped, i), "backend")->string, "cuda") == 0;
    assert_true(cuda_skip);
    jv_free(doc);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "run --reps=1 --verbose " QUICK " vecadd"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "skipped: vecadd/cuda: ");
    hx_proc_free(&p);
}

static void wide_keeps_the_full_names(void **state) {
    (void)state;
    hx_proc p, q;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --reps=1 --format=json " QUICK " vecadd"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const char *full = jv_get(jv_at(jv_get(doc, "results"), 0), "device")->string;
    assert_int_equal(hx_run_hetero_cmd(&q, "run --backend=serial --reps=1 --wide " QUICK " vecadd"),
                     0);
    assert_int_equal(q.status, 0);
    assert_contains(q.out, full);
    jv_free(doc);
    hx_proc_free(&p);
    hx_proc_free(&q);
}

/* ---- long work is visible ------------------------------------------------------------------- */

static void progress_is_drawn_on_request_and_never_into_a_pipe(void **state) {
    (void)state;
    hx_proc p;
    /* stderr is a pipe here: no line */
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial --max-time=1s " QUICK " vecadd"),
                     0);
    assert_int_equal(p.status, 0);
    assert_null(strstr(p.err, "\033[K"));
    hx_proc_free(&p);
    /* forced: the row's line appears (the ticker draws every half second) and is erased */
    setenv("HETERO_PROGRESS", "always", 1);
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --min-time=2s --max-time=3s " QUICK " vecadd"),
        0);
    unsetenv("HETERO_PROGRESS");
    assert_int_equal(p.status, 0);
    assert_contains(p.err, "\r\033[Khetero: vecadd/serial: run ");
    assert_contains(p.err, "(until +-3% or 3 s)");
    hx_proc_free(&p);
}

/* ---- compare on real runs ------------------------------------------------------------------- */

static void run_to(const char *path, const char *slowdown) {
    if (slowdown)
        setenv("HETERO_TEST_SLOWDOWN", slowdown, 1);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "run --backend=serial --size=256K --reps=12 --warmup=2 "
                                       "--format=json -o %s vecadd triad",
                                       path),
                     0);
    unsetenv("HETERO_TEST_SLOWDOWN");
    if (p.status != 0)
        print_error("stderr: %s\n", p.err);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
}

static void compare_against_itself_is_the_same(void **state) {
    (void)state;
    char base[300];
    scratch_path(base, sizeof base, "base.json");
    run_to(base, NULL);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "compare %s %s --format=json", base, base), 0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.compare/1");
    const jv *rows = jv_get(doc, "rows");
    assert_int_equal(rows->len, 2);
    for (size_t i = 0; i < rows->len; i++) {
        assert_string_equal(jv_get(jv_at(rows, i), "verdict")->string, "same");
        assert_near(jv_get(jv_at(rows, i), "ratio")->number, 1.0, 0.0);
    }
    check_provenance("compare", doc);
    jv_free(doc);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "compare %s %s --format=markdown", base, base), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "| vecadd/serial |");
    assert_contains(p.out, "2 same, 0 faster, 0 slower");
    hx_proc_free(&p);
}

/* The slowed run is flagged.  Two runs of a busy machine can differ by more than 2x by
 * themselves, so the pair is measured again (up to 8 times) until the slowed row shows; each
 * attempt is a fresh base and a fresh slowed run, and a real failure of the hook or of compare
 * fails all eight. */
static void compare_flags_a_workload_slowed_twice(void **state) {
    (void)state;
    char base[300], slow[300];
    scratch_path(base, sizeof base, "base2.json");
    scratch_path(slow, sizeof slow, "slow.json");
    bool flagged = false;
    for (int attempt = 0; attempt < 8 && !flagged; attempt++) {
        run_to(base, NULL);
        run_to(slow, "vecadd:2");
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "compare %s %s --format=json", base, slow), 0);
        char err[128];
        jv *doc = jv_parse(p.out, err, sizeof err);
        assert_non_null(doc);
        const jv *rows = jv_get(doc, "rows");
        for (size_t i = 0; i < rows->len; i++) {
            const jv *r = jv_at(rows, i);
            if (strcmp(jv_get(r, "row")->string, "vecadd/serial") == 0 &&
                strcmp(jv_get(r, "verdict")->string, "slower") == 0 &&
                jv_get(r, "regression")->boolean) {
                flagged = true;
                assert_int_equal(p.status, 1); /* a regression fails the command */
                assert_contains(p.err, "slower than the base by more than 10%");
            }
        }
        jv_free(doc);
        hx_proc_free(&p);
    }
    assert_true(flagged);
}

static void compare_refuses_what_it_cannot_compare(void **state) {
    (void)state;
    char list[300], bad[300];
    scratch_path(list, sizeof list, "list.json");
    scratch_path(bad, sizeof bad, "bad.json");
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "list --format=json -o %s", list), 0);
    hx_proc_free(&p);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{\"schema\": \"hetero.run/1\", \"results\": [", f);
    fclose(f);
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"compare", "needs two reports"},
        {"compare %s", "needs two reports"},
        {"compare %s %s",
         "has schema hetero.list/1; accepted: hetero.run/1, hetero.scale/2, hetero.scale/1"},
        {"compare %s %s", "is not valid JSON"},
        {"compare /nonexistent/a.json /nonexistent/b.json", "cannot read /nonexistent/a.json"},
        {"compare --fail-above=lots a b", "--fail-above 'lots' is not a percentage"},
        {"compare --format=yaml a b", "accepted: table, markdown, csv, json"},
    };
    const char *args[][2] = {{NULL, NULL}, {list, NULL}, {list, list}, {bad, bad},
                             {NULL, NULL}, {NULL, NULL}, {NULL, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(hx_run_hetero_cmd(&p, cases[i].args, args[i][0], args[i][1]), 0);
        if (p.status != 2)
            print_error("%s: exit %d, stderr %s\n", cases[i].args, p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, cases[i].message);
        hx_proc_free(&p);
    }
}

static int make_scratch(void **state) {
    (void)state;
    return hx_scratch_make(scratch, sizeof scratch, "hx-trust");
}

static int remove_scratch(void **state) {
    (void)state;
    return hx_scratch_remove(scratch);
}

int main(void) {
    unsetenv("HETERO_TEST_NOISE");
    unsetenv("HETERO_PROGRESS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_carries_cv_interval_and_rule),
        cmocka_unit_test(fewer_than_six_runs_have_no_interval),
        cmocka_unit_test(without_reps_the_times_decide),
        cmocka_unit_test(reps_and_the_time_rule_exclude_each_other),
        cmocka_unit_test(a_noisy_machine_marks_every_row_and_says_so_once),
        cmocka_unit_test(a_quiet_machine_marks_nothing),
        cmocka_unit_test(nothing_measured_under_noise_is_cached),
        cmocka_unit_test(every_json_document_has_its_provenance),
        cmocka_unit_test(version_names_the_build),
        cmocka_unit_test(the_first_screen_fits_and_says_nothing_of_absent_cuda),
        cmocka_unit_test(wide_keeps_the_full_names),
        cmocka_unit_test(progress_is_drawn_on_request_and_never_into_a_pipe),
        cmocka_unit_test(compare_against_itself_is_the_same),
        cmocka_unit_test(compare_flags_a_workload_slowed_twice),
        cmocka_unit_test(compare_refuses_what_it_cannot_compare),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
