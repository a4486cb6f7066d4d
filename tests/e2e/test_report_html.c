/*
 * test_report_html.c - `hetero report` rendered in a real browser.
 *
 * A run, a scale sweep, a devices survey and a comparison are written as JSON, turned into one
 * page, and the page is loaded by headless Chromium (Debian's `chromium`; the test exits 77
 * where it is absent).  The DOM Chromium dumps after the load event carries what the page's own
 * check counted (data-rendered: tables, plots, marks, plots without a mark) and how many script
 * errors or blocked requests it saw (data-errors); Chromium's stderr must hold no console message
 * at all.  Then the refusals of the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hx_test.h"

static char scratch[256];

static void path_of(char *buf, size_t len, const char *name) {
    snprintf(buf, len, "%s/%s", scratch, name);
}

static const char *chromium(void) {
    static const char *const names[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", NULL};
    for (size_t i = 0; names[i]; i++)
        if (access(names[i], X_OK) == 0)
            return names[i];
    return NULL;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void write_json(const char *cmd, const char *name) {
    char path[300];
    path_of(path, sizeof path, name);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "%s --format=json -o %s", cmd, path), 0);
    if (p.status != 0)
        print_error("%s: exit %d: %s\n", cmd, p.status, p.err);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
}

/* The number after key= in the data-rendered attribute, or -1. */
static long rendered(const char *dom, const char *key) {
    const char *attr = strstr(dom, "data-rendered=\"");
    if (!attr)
        return -1;
    char pattern[32];
    snprintf(pattern, sizeof pattern, "%s=", key);
    const char *at = strstr(attr, pattern);
    const char *end = strchr(attr + 15, '"');
    if (!at || !end || at > end)
        return -1;
    return strtol(at + strlen(pattern), NULL, 10);
}

static void the_page_renders_in_chromium(void **state) {
    (void)state;
    const char *browser = chromium();
    if (!browser) {
        fprintf(stderr, "no chromium here: the browser check is skipped\n");
        exit(HX_SKIP);
    }
    write_json("run --backend=serial,simd,omp --reps=6 --size=64K vecadd triad", "run.json");
    write_json("scale vecadd --threads=1,2 --size=16K --reps=2 --warmup=0", "scale.json");
    write_json("devices", "devices.json");
    char run[300], scale[300], devices[300], cmp[300], page[300], dom[300], log[300];
    path_of(run, sizeof run, "run.json");
    path_of(scale, sizeof scale, "scale.json");
    path_of(devices, sizeof devices, "devices.json");
    path_of(cmp, sizeof cmp, "compare.json");
    path_of(page, sizeof page, "report.html");
    path_of(dom, sizeof dom, "dom.html");
    path_of(log, sizeof log, "chromium.log");
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "compare %s %s --format=json -o %s", run, run, cmp), 0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    assert_int_equal(
        hx_run_hetero_cmd(&p, "report %s %s %s %s -o %s", run, scale, devices, cmp, page), 0);
    if (p.status != 0)
        print_error("report: %s\n", p.err);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);

    /* a throwaway profile, no sandbox (CI runs as root), no GPU; the DOM after load */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "timeout 120 %s --headless --no-sandbox --disable-gpu --no-first-run "
             "--user-data-dir=%s/profile --enable-logging=stderr --v=0 --dump-dom file://%s "
             ">%s 2>%s",
             browser, scratch, page, dom, log);
    int rc = system(cmd);
    char *out = read_file(dom), *err = read_file(log);
    if (rc != 0 || !out || !strstr(out, "data-rendered"))
        print_error("chromium exit %d\nstderr:\n%s\n", rc, err ? err : "(none)");
    assert_int_equal(rc, 0);
    assert_non_null(out);
    /* run (table + machine facts), scale, devices, compare: five tables at least */
    assert_true(rendered(out, "tables") >= 5);
    assert_true(rendered(out, "plots") >= 3); /* speedup bars, roofline, scaling */
    assert_true(rendered(out, "marks") >= 6);
    assert_int_equal(rendered(out, "empty"), 0);
    assert_contains(out, "data-errors=\"0\"");
    assert_contains(out, "The machine");
    if (err && strstr(err, ":CONSOLE"))
        print_error("console messages:\n%s\n", err);
    assert_true(err && !strstr(err, ":CONSOLE"));
    free(out);
    free(err);
}

static void the_command_refuses_bad_input(void **state) {
    (void)state;
    char notjson[300];
    path_of(notjson, sizeof notjson, "notjson.txt");
    FILE *f = fopen(notjson, "w");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
    static const struct {
        const char *cmd, *message;
    } cases[] = {
        {"report", "needs at least one JSON report"},
        {"report %s", "is not valid JSON"},
        {"report /nonexistent/x.json", "cannot read /nonexistent/x.json"},
        {"report %s -o /nonexistent/dir/r.html", "/nonexistent/dir"},
        {"report --bogus %s", "--bogus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, cases[i].cmd, notjson), 0);
        if (p.status != 2)
            print_error("%s: exit %d: %s\n", cases[i].cmd, p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_contains(p.err, cases[i].message);
        hx_proc_free(&p);
    }
}

static int make_scratch(void **state) {
    (void)state;
    return hx_scratch_make(scratch, sizeof scratch, "hx-html");
}

static int remove_scratch(void **state) {
    (void)state;
    return hx_scratch_remove(scratch);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_command_refuses_bad_input),
        cmocka_unit_test(the_page_renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
