/*
 * test_bad_input.c - the defects a bad-input audit found, one regression test each: --output
 * targets (temporaries, symlinks, FIFOs, devices, one exit code for every path problem), write
 * errors on stdout, an unchecked OMP_NUM_THREADS, --kernels entries that are not regular files or
 * are missing, --svm-stress's --format and --output, extra arguments to `hetero help`, sizes
 * checked against the workload before any device, and one --threads limit for every command.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hx_test.h"

#define QUICK "--size=1K --reps=1 --warmup=0"

static char scratch[256];

static int make_scratch(void **state) {
    (void)state;
    snprintf(scratch, sizeof scratch, "%s/hx-bad-input-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in_scratch(char *buf, size_t len, const char *name) {
    snprintf(buf, len, "%s/%s", scratch, name);
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static jv *parse_file(const char *path) {
    char err[256];
    const char *text = read_text(path);
    return text ? jv_parse(text, err, sizeof err) : NULL;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The exit status of HETERO_BIN ARGS with stdout sent to `redirect` (a shell word). */
static int run_redirected(const char *args, const char *redirect) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"$HETERO_BIN\" %s >%s 2>/dev/null", args, redirect);
    int s = system(cmd);
    return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
}

/* ---- 1, 7: --output targets -------------------------------------------------------------- */

/* A file called PATH.tmp belongs to the user: the report must not be written through it. */
static void output_uses_a_unique_temporary(void **state) {
    (void)state;
    char report[300], tmp[320];
    path_in_scratch(report, sizeof report, "report.json");
    snprintf(tmp, sizeof tmp, "%s.tmp", report);
    write_text(tmp, "mine");
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --format=json -o %s " QUICK " vecadd", report),
        0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    assert_string_equal(read_text(tmp), "mine");
    jv *doc = parse_file(report);
    assert_non_null(doc);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.run/1");
    jv_free(doc);
}

static void output_through_a_symlink_keeps_the_link(void **state) {
    (void)state;
    char target[300], link[300];
    path_in_scratch(target, sizeof target, "target.csv");
    path_in_scratch(link, sizeof link, "link.csv");
    write_text(target, "old");
    assert_int_equal(symlink(target, link), 0);
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --format=csv -o %s " QUICK " vecadd", link), 0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_contains(read_text(target), "vecadd,serial");
}

/* The test holds the FIFO's read end open (non-blocking) before hetero runs, so hetero's open for
 * writing does not block and the small CSV fits in the pipe buffer; a FIFO replaced by a regular
 * file would leave the read end empty. */
static void output_to_a_fifo_streams_and_leaves_the_fifo(void **state) {
    (void)state;
    char fifo[300];
    path_in_scratch(fifo, sizeof fifo, "pipe");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int fd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(fd >= 0);
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial --format=csv -o %s " QUICK " vecadd", fifo), 0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    char text[4096];
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    text[got > 0 ? got : 0] = '\0';
    assert_contains(text, "vecadd,serial");
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
}

static void output_to_dev_null_leaves_a_device(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial -o /dev/null " QUICK " vecadd"),
                     0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

/* Every path problem is a usage error, found before the run: exit 2, the path named. */
static void every_bad_output_path_is_a_usage_error(void **state) {
    (void)state;
    char missing_dir[300];
    path_in_scratch(missing_dir, sizeof missing_dir, "no/such/dir/report");
    const char *paths[] = {"", scratch, "/proc/hetero-no-such-file", missing_dir};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const char *args[] = {"run",    "--backend=serial", "--size=1K", "-o",
                              paths[i], "vecadd",           NULL};
        hx_proc p;
        assert_int_equal(hx_run_hetero(args, &p), 0);
        if (p.status != 2)
            print_error("-o '%s': exit %d: %s\n", paths[i], p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, "--output");
        assert_int_equal(hx_count_lines(p.err), 1); /* refused before serial ran: one line */
        hx_proc_free(&p);
    }
}

/* ---- 2: write errors on stdout ----------------------------------------------------------- */

static void a_full_stdout_fails_the_command(void **state) {
    (void)state;
    assert_int_equal(run_redirected("list", "/dev/full"), 1);
    assert_int_equal(run_redirected("run --backend=serial " QUICK " vecadd", "/dev/full"), 1);
    assert_int_equal(
        run_redirected("run --backend=serial --format=json " QUICK " vecadd", "/dev/full"), 1);
    assert_int_equal(run_redirected("--version", "/dev/full"), 1);
}

/* ---- 3: OMP_NUM_THREADS does not bypass --threads ---------------------------------------- */

static void a_huge_omp_num_threads_is_not_used_for_the_input_fill(void **state) {
    (void)state;
    setenv("OMP_NUM_THREADS", "100000", 1);
    hx_proc p;
    int started = hx_run_hetero_cmd(&p, "run --backend=serial,omp --format=json " QUICK " vecadd");
    unsetenv("OMP_NUM_THREADS");
    assert_int_equal(started, 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *rows = jv_get(doc, "results");
    assert_int_equal(rows->len, 2);
    for (size_t i = 0; i < rows->len; i++)
        assert_true(jv_get(jv_at(rows, i), "verified")->boolean);
    jv_free(doc);
    hx_proc_free(&p);
}

/* ---- 5, 10: --kernels DIR entries --------------------------------------------------------- */

static void expect_kernel_refused(const char *dir, const char *why) {
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(
            &p, "run --backend=serial,opencl --device=cpu --kernels=%s " QUICK " vecadd", dir),
        0);
    if (p.status != 2)
        print_error("exit %d: %s\n", p.status, p.err);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, why);
    hx_proc_free(&p);
}

static void a_kernel_that_is_a_directory_or_fifo_is_refused(void **state) {
    (void)state;
    char dir[300], entry[320];
    path_in_scratch(dir, sizeof dir, "kernels-odd");
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(entry, sizeof entry, "%s/vecadd.cl", dir);
    assert_int_equal(mkdir(entry, 0700), 0);
    expect_kernel_refused(dir, "is not a regular file");
    assert_int_equal(rmdir(entry), 0);
    assert_int_equal(mkfifo(entry, 0600), 0); /* opening it for reading would block forever */
    expect_kernel_refused(dir, "is not a regular file");
}

static void a_kernel_missing_from_the_dir_is_an_error_unless_fallback(void **state) {
    (void)state;
    char dir[300];
    path_in_scratch(dir, sizeof dir, "kernels-empty");
    assert_int_equal(mkdir(dir, 0700), 0);
    expect_kernel_refused(dir, "--kernels-fallback");
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "run --backend=serial,opencl --device=cpu --kernels=%s "
                                       "--kernels-fallback --format=json " QUICK " vecadd",
                                       dir),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    assert_contains(p.err, "using the embedded copy");
    assert_int_equal(jv_get(doc, "results")->len, 2);
    jv_free(doc);
    hx_proc_free(&p);
}

/* ---- 6: --svm-stress honours --format and --output ---------------------------------------- */

static void svm_stress_writes_json_to_output(void **state) {
    (void)state;
    char report[300];
    path_in_scratch(report, sizeof report, "stress.json");
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "sched --device=cpu --svm-stress=3 --format=json -o %s", report), 0);
    if (p.status == 3) { /* a device without SVM atomics */
        hx_proc_free(&p);
        skip();
    }
    assert_int_equal(p.status, 0);
    assert_string_equal(p.out, "");
    hx_proc_free(&p);
    jv *doc = parse_file(report);
    assert_non_null(doc);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.sched-stress/1");
    assert_int_equal((int)jv_get(doc, "runs")->number, 3);
    assert_true(jv_get(doc, "exact")->boolean);
    assert_true(jv_get(doc, "atomic_updates")->number >= 3);
    jv_free(doc);
}

/* ---- 8: extra arguments ------------------------------------------------------------------- */

static void help_refuses_an_unknown_command_and_extra_words(void **state) {
    (void)state;
    const char *cmds[] = {"help bogus", "help run extra", "--version extra"};
    hx_expect_usage_errors(cmds, sizeof cmds / sizeof cmds[0]);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "help run"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "hetero run");
    hx_proc_free(&p);
}

/* ---- 9: sizes are checked against the workload, before any device ------------------------- */

static void size_zero_names_the_workload_range_before_any_device(void **state) {
    (void)state;
    const char *cmds[] = {"run --size=0 vecadd", "run --size=3G vecadd",
                          "scale vecadd --size=0 --threads=1", "sched --size=0"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmds[i]), 0);
        if (p.status != 2 || hx_count_lines(p.err) != 1)
            print_error("%s: exit %d:\n%s\n", cmds[i], p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_int_equal(hx_count_lines(p.err), 1); /* no device notice before it */
        assert_contains(p.err, "accepted: 1 to ");
        assert_true(strstr(p.err, "18446744073709551615") == NULL);
        hx_proc_free(&p);
    }
}

/* ---- 11: one --threads limit ------------------------------------------------------------- */

static void every_command_has_the_same_threads_limit(void **state) {
    (void)state;
    const char *cmds[] = {"run --threads=%s vecadd", "devices --threads=%s",
                          "scale vecadd --threads=%s", "sched --threads=%s",
                          "io bench --threads=%s"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, cmds[i], "2000");
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmd), 0);
        if (p.status != 2)
            print_error("%s: exit %d: %s\n", cmd, p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, "--threads '2000' is out of range; accepted: 1 to 1024");
        hx_proc_free(&p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_uses_a_unique_temporary),
        cmocka_unit_test(output_through_a_symlink_keeps_the_link),
        cmocka_unit_test(output_to_a_fifo_streams_and_leaves_the_fifo),
        cmocka_unit_test(output_to_dev_null_leaves_a_device),
        cmocka_unit_test(every_bad_output_path_is_a_usage_error),
        cmocka_unit_test(a_full_stdout_fails_the_command),
        cmocka_unit_test(a_huge_omp_num_threads_is_not_used_for_the_input_fill),
        cmocka_unit_test(a_kernel_that_is_a_directory_or_fifo_is_refused),
        cmocka_unit_test(a_kernel_missing_from_the_dir_is_an_error_unless_fallback),
        cmocka_unit_test(svm_stress_writes_json_to_output),
        cmocka_unit_test(help_refuses_an_unknown_command_and_extra_words),
        cmocka_unit_test(size_zero_names_the_workload_range_before_any_device),
        cmocka_unit_test(every_command_has_the_same_threads_limit),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
