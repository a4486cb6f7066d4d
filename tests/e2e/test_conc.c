/*
 * test_conc.c - `hetero conc` end to end: a quick run reports every sub-benchmark in
 * hetero.conc/1 with the counts, answers and signals it promises; --only selects; CSV and the
 * table have their shape; bad input exits 2 naming the value; SIGINT in the middle leaves no
 * shared memory, queue or child behind; --plot draws or says why not.
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hx_conc_test.h"
#include "hx_test.h"

extern char **environ;

static int setup(void **state) {
    (void)state;
    return hx_conc_become_subreaper();
}

static const jv *find_row(const jv *results, const char *bench, const char *name, const char *key,
                          const char *value) {
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        const jv *b = jv_get(r, "bench"), *n = jv_get(r, "name");
        if (!b || !n || strcmp(b->string, bench) || strcmp(n->string, name))
            continue;
        const jv *k = key ? jv_get(r, key) : NULL;
        if (!key || (k && k->type == JV_STRING && strcmp(k->string, value) == 0))
            return r;
    }
    print_error("no %s row named %s%s%s\n", bench, name, key ? " with " : "", key ? value : "");
    fail();
    return NULL;
}

static double num(const jv *row, const char *key) {
    const jv *v = jv_get(row, key);
    if (!v || v->type != JV_NUMBER)
        print_error("field %s missing or not a number\n", key);
    assert_non_null(v);
    assert_int_equal(v->type, JV_NUMBER);
    return v->number;
}

static bool flag(const jv *row, const char *key) {
    const jv *v = jv_get(row, key);
    assert_non_null(v);
    assert_int_equal(v->type, JV_BOOL);
    return v->boolean;
}

static void check_create_and_switch(const jv *res) {
    static const char *const names[] = {"fork",       "fork_hetero",       "fork_large",
                                        "vfork_exec", "posix_spawn",       "pthread_create",
                                        "omp_region", "posix_spawn_large", NULL};
    for (int i = 0; names[i]; i++) {
        const jv *r = find_row(res, "create", names[i], NULL, NULL);
        assert_true(num(r, "us_min") > 0);
        assert_true(num(r, "us_median") >= num(r, "us_min"));
        assert_true(flag(r, "ok"));
    }
    assert_int_equal(num(find_row(res, "create", "fork_large", NULL, NULL), "bytes"), 16 << 20);
    static const char *const pins[] = {"none", "one-core", "two-cores"};
    for (int i = 0; i < 3; i++) {
        const jv *p = find_row(res, "switch", "pipe_pingpong_procs", "pinning", pins[i]);
        const jv *t = find_row(res, "switch", "pipe_pingpong_threads", "pinning", pins[i]);
        if (jv_get(p, "skipped")) /* one CPU: two-core pinning cannot run */
            continue;
        assert_true(num(p, "us_median") > 0 && num(t, "us_median") > 0);
    }
}

static void check_ipc(const jv *doc, const jv *res) {
    static const char *const t[] = {"pipe", "unix-stream", "unix-dgram", "shm-futex", "tcp"};
    for (int i = 0; i < 5; i++) {
        const jv *lat = find_row(res, "ipc", t[i], "kind", "latency");
        assert_true(flag(lat, "ok"));
        assert_true(num(lat, "us_median") > 0);
        const jv *bw = find_row(res, "ipc", t[i], "kind", "bandwidth");
        assert_true(num(bw, "mb_per_s") > 0 && num(bw, "bytes") >= 4096);
    }
    const jv *ranking = jv_get(doc, "ipc_ranking");
    assert_non_null(ranking);
    assert_true(ranking->len >= 5);
    for (size_t i = 1; i < ranking->len; i++) /* ordered by latency */
        assert_true(num(jv_at(ranking, i), "latency_us") >=
                    num(jv_at(ranking, i - 1), "latency_us"));
}

static void check_sync_and_false_sharing(const jv *res) {
    size_t sync_rows = 0;
    for (size_t i = 0; i < res->len; i++) {
        const jv *r = jv_at(res, i);
        if (strcmp(jv_get(r, "bench")->string, "sync") != 0)
            continue;
        sync_rows++;
        const char *name = jv_get(r, "name")->string;
        double expected = num(r, "expected"), observed = num(r, "observed");
        if (strcmp(name, "plain_interleaved") == 0) {
            assert_int_equal(observed, 1);
            assert_int_equal(num(r, "lost_updates"), 1);
        } else if (strcmp(name, "plain") == 0) { /* lost updates: reported, never required */
            assert_int_equal(observed + num(r, "lost_updates"), expected);
        } else {
            assert_int_equal(observed, expected);
            assert_int_equal(num(r, "lost_updates"), 0);
        }
        assert_true(flag(r, "ok"));
    }
    assert_int_equal(sync_rows, 1 + 9 * 2); /* the demo, nine methods at T = 1, 2 */
    static const char *const fs[] = {"counters_packed", "counters_padded", "omp_pi_packed",
                                     "omp_pi_padded", "omp_pi_reduction"};
    for (int i = 0; i < 5; i++) {
        const jv *r = find_row(res, "false-sharing", fs[i], NULL, NULL);
        assert_true(flag(r, "ok"));
        assert_true(num(r, "slowdown") > 0);
        if (i >= 2)
            assert_near(num(r, "value"), M_PI, 1e-8);
    }
}

static void check_gil_and_crash(const jv *res) {
    static const char *const modes[] = {"threads-gil", "threads", "processes"};
    size_t gil_rows = 0;
    for (size_t i = 0; i < res->len; i++) {
        const jv *r = jv_at(res, i);
        if (strcmp(jv_get(r, "bench")->string, "gil") != 0)
            continue;
        gil_rows++;
        assert_true(num(r, "speedup") > 0);
        assert_true(flag(r, "ok"));
        assert_non_null(jv_get(r, "work"));
    }
    assert_int_equal(gil_rows, 2 * 4); /* {cpu, io} x {serial, threads-gil, threads, processes} */
    for (int m = 0; m < 3; m++) {
        find_row(res, "gil", "cpu_bound", "mode", modes[m]);
        find_row(res, "gil", "io_bound", "mode", modes[m]);
    }
    const jv *t = find_row(res, "crash", "thread_pool", "mode", "threads");
    assert_int_equal(num(t, "signal"), SIGSEGV);
    assert_string_equal(jv_get(t, "signal_name")->string, "SIGSEGV");
    assert_true(num(t, "tasks_lost") >= 1);
    assert_false(flag(t, "answer_ok"));
    const jv *p = find_row(res, "crash", "process_pool", "mode", "processes");
    assert_int_equal(num(p, "tasks_lost"), 0);
    assert_int_equal(num(p, "tasks_done"), num(p, "tasks"));
    assert_true(num(p, "restarts") >= 1);
    assert_int_equal(num(p, "signal"), SIGSEGV);
    assert_true(flag(p, "answer_ok"));
}

static void a_quick_run_reports_everything(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "conc --quick --large=16M --threads=1,2 "
                                           "--ipc-sizes=4K..64K*4 --format=json"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.conc/1");
    assert_true(num(jv_get(doc, "host"), "line_bytes") >= 16);
    assert_int_equal(jv_get(jv_get(doc, "host"), "load_avg_start")->len, 3);
    const jv *res = jv_get(doc, "results");
    assert_non_null(res);
    check_create_and_switch(res);
    check_ipc(doc, res);
    check_sync_and_false_sharing(res);
    check_gil_and_crash(res);
    jv_free(doc);
    hx_proc_free(&p);
    assert_int_equal(hx_conc_reap_leftovers(), 0);
}

static void only_selects_sub_benchmarks(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "conc --quick --only=gil,crash --format=json"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *res = jv_get(doc, "results");
    assert_true(res->len == 8 + 2);
    for (size_t i = 0; i < res->len; i++) {
        const char *b = jv_get(jv_at(res, i), "bench")->string;
        assert_true(strcmp(b, "gil") == 0 || strcmp(b, "crash") == 0);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void false_sharing_alone_prints_its_table(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "conc --quick --only=false-sharing"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "== false sharing: cache line");
    assert_contains(p.out, "counters_packed");
    assert_contains(p.out, "counters_padded");
    assert_contains(p.out, "omp_pi_padded");
    assert_contains(p.out, "load average");
    assert_true(strstr(p.out, "== sync") == NULL);
    hx_proc_free(&p);
}

static void csv_has_one_header_and_a_line_per_row(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "conc --quick --only=crash --format=csv"), 0);
    assert_int_equal(p.status, 0);
    const char *header = "bench,name,variant,threads,bytes,samples,us_min,us_median,us_max,";
    assert_true(strncmp(p.out, header, strlen(header)) == 0);
    assert_int_equal(hx_count_lines(p.out), 3);
    assert_contains(p.out, "crash,process_pool,");
    hx_proc_free(&p);
}

static void output_goes_to_a_file(void **state) {
    (void)state;
    char path[] = "/tmp/hetero-conc-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "conc --quick --only=crash --format=json --output=%s", path), 0);
    assert_int_equal(p.status, 0);
    assert_int_equal(strlen(p.out), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 100);
    unlink(path);
    hx_proc_free(&p);
}

static void bad_input_is_a_usage_error(void **state) {
    (void)state;
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"conc --only=nope", "'nope'"},
        {"conc --only=gil,,crash", "--only"},
        {"conc --threads=0", "--threads"},
        {"conc --threads=1,100000", "100000"},
        {"conc --workers=0", "--workers"},
        {"conc --workers=65", "--workers"},
        {"conc --ipc-sizes=1..128G", "--ipc-sizes"},
        {"conc --ipc-sizes=8", "--ipc-sizes"},
        {"conc --large=0", "--large"},
        {"conc --large=1T", "--large"},
        {"conc --reps=0", "--reps"},
        {"conc --tasks=4 --crash-task=4 --only=crash", "--crash-task 4"},
        {"conc --crash-signal=kill", "kill"},
        {"conc --format=xml", "xml"},
        {"conc --plot=conc.pdf --only=sync", "conc.pdf"},
        {"conc --plot=x.svg --only=gil", "--plot"},
        {"conc sync", "'sync'"},
        {"conc --bogus", "--bogus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", cases[i].args), 0);
        if (p.status != 2)
            print_error("'%s' exited %d: %s\n", cases[i].args, p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, cases[i].says);
        assert_int_equal(hx_count_lines(p.err), 1);
        hx_proc_free(&p);
    }
}

static void help_exits_zero(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "conc --help"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "--only=LIST");
    assert_contains(p.out, "false-sharing");
    hx_proc_free(&p);
}

static void sigint_mid_run_leaves_nothing_behind(void **state) {
    (void)state;
    const char *bin = getenv("HETERO_BIN");
    assert_non_null(bin);
    char *argv[] = {(char *)bin, "conc", "--only=ipc", "--ipc-sizes=4K..4M", "--reps=20", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    bool seen = false;
    for (int i = 0; i < 60000 && !seen; i++) { /* the shared memory transport, within 60 s */
        seen = hx_conc_leftover_objects((long)pid) > 0;
        if (!seen)
            hx_conc_sleep_ms(1);
    }
    assert_true(seen);
    hx_conc_sleep_ms(20); /* in the middle of it */
    hx_conc_expect_clean_death(pid, SIGINT);
}

static void plot_draws_or_says_why_not(void **state) {
    (void)state;
    char path[] = "/tmp/hetero-conc-plot-XXXXXX.svg";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    setenv("HETERO_GNUPLOT", "/nonexistent/gnuplot", 1);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "conc --quick --only=sync --plot=%s", path), 0);
    assert_int_equal(p.status, 3);
    assert_contains(p.err, "gnuplot");
    hx_proc_free(&p);
    unsetenv("HETERO_GNUPLOT");
    if (access("/usr/bin/gnuplot", X_OK) != 0) {
        skip();
    }
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "conc --quick --only=sync,ipc --threads=1,2 "
                                       "--ipc-sizes=4K..16K --plot=%s",
                                       path),
                     0);
    assert_int_equal(p.status, 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 1000);
    unlink(path);
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_quick_run_reports_everything),
        cmocka_unit_test(only_selects_sub_benchmarks),
        cmocka_unit_test(false_sharing_alone_prints_its_table),
        cmocka_unit_test(csv_has_one_header_and_a_line_per_row),
        cmocka_unit_test(output_goes_to_a_file),
        cmocka_unit_test(bad_input_is_a_usage_error),
        cmocka_unit_test(help_exits_zero),
        cmocka_unit_test(sigint_mid_run_leaves_nothing_behind),
        cmocka_unit_test(plot_draws_or_says_why_not),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
