/*
 * test_progress.c - the progress line: drawn by its ticker thread when forced on, erased at the
 * end, handed back by a nested step, erased before a notice, and absent when switched off.
 * stderr is redirected to a file for each case; a line is waited for (the ticker runs every half
 * second), never timed.  Runs under ThreadSanitizer (the ticker is a thread).
 */
#include "hetero/core/progress.h"
#include "hx_test.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

typedef struct capture {
    char path[64];
    int saved;
} capture;

static void capture_begin(capture *c) {
    snprintf(c->path, sizeof c->path, "/tmp/hx-progress-XXXXXX");
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
}

/* What stderr got so far (caller frees). */
static char *captured(const capture *c) {
    fflush(stderr);
    FILE *f = fopen(c->path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void capture_end(capture *c) {
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    unlink(c->path);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait (up to a minute on a loaded machine) until stderr holds text. */
static bool wait_for(const capture *c, const char *text) {
    for (int i = 0; i < 600; i++) {
        char *s = captured(c);
        bool found = strstr(s, text) != NULL;
        free(s);
        if (found)
            return true;
        sleep_ms(100);
    }
    return false;
}

static void a_forced_line_is_drawn_and_erased(void **state) {
    (void)state;
    capture c;
    capture_begin(&c);
    hx_progress p;
    hx_progress_begin(&p, "test step");
    assert_true(p.active);
    hx_progress_set(&p, "run %d of %d", 2, 3);
    bool drawn = wait_for(&c, "hetero: test step: run 2 of 3, ");
    hx_progress_end(&p);
    char *s = captured(&c);
    capture_end(&c);
    assert_true(drawn);
    size_t len = strlen(s);
    assert_true(len >= 4);
    assert_string_equal(s + len - 4, "\r\033[K"); /* erased at the end */
    free(s);
}

static void a_nested_step_hands_the_line_back(void **state) {
    (void)state;
    capture c;
    capture_begin(&c);
    hx_progress outer, inner;
    hx_progress_begin(&outer, "outer");
    hx_progress_set(&outer, "sweep 1 of 4");
    hx_progress_begin(&inner, "inner");
    hx_progress_set(&inner, "run 1");
    bool inner_drawn = wait_for(&c, "hetero: inner: run 1");
    hx_progress_end(&inner);
    bool outer_back = wait_for(&c, "hetero: outer: sweep 1 of 4");
    hx_progress_end(&outer);
    capture_end(&c);
    assert_true(inner_drawn);
    assert_true(outer_back);
}

static void a_notice_erases_the_line_first(void **state) {
    (void)state;
    capture c;
    capture_begin(&c);
    hx_progress p;
    hx_progress_begin(&p, "noticed");
    bool drawn = wait_for(&c, "hetero: noticed");
    hx_notice("something to say");
    hx_progress_end(&p);
    char *s = captured(&c);
    capture_end(&c);
    assert_true(drawn);
    assert_contains(s, "\r\033[Khetero: something to say\n");
    free(s);
}

static int force_on(void **state) {
    (void)state;
    return setenv("HETERO_PROGRESS", "always", 1);
}

int main(void) {
    /* HETERO_PROGRESS is read once per process: these cases all run with it on; the "never" and
     * not-a-terminal cases are checked end to end (tests/e2e/test_trust.c) */
    force_on(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_forced_line_is_drawn_and_erased),
        cmocka_unit_test(a_nested_step_hands_the_line_back),
        cmocka_unit_test(a_notice_erases_the_line_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
