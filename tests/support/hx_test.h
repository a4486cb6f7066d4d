/*
 * hx_test.h - cmocka with its prerequisites, plus value assertions that print both sides.
 */
#ifndef HETERO_HX_TEST_H
#define HETERO_HX_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* |a - b| <= eps, NaN never passes */
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b), e_ = (double)(eps);                             \
        if (!(fabs(a_ - b_) <= e_)) {                                                              \
            print_error("%s = %.17g, expected %.17g (+-%g)\n", #a, a_, b_, e_);                    \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* haystack contains needle */
#define assert_contains(haystack, needle)                                                          \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (!h_ || !strstr(h_, n_)) {                                                              \
            print_error("expected to find \"%s\" in:\n%s\n", n_, h_ ? h_ : "(null)");              \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* The JSON document that finished process p printed, after checking that it exited with
 * `status`; fails the test otherwise, showing its stderr or the text that did not parse.  The
 * caller frees the document with jv_free. */
static inline jv *hx_expect_json(const hx_proc *p, int status) {
    if (p->status != status)
        print_error("exit %d, expected %d\nstderr: %s\n", p->status, status, p->err);
    assert_int_equal(p->status, status);
    char err[256];
    jv *doc = jv_parse(p->out, err, sizeof err);
    if (!doc)
        print_error("bad JSON (%s):\n%s\n", err, p->out);
    assert_non_null(doc);
    return doc;
}

/* Each of the n command lines is a usage error: `hetero CMD` exits 2 with one line on stderr. */
static inline void hx_expect_usage_errors(const char *const *cmds, size_t n) {
    for (size_t i = 0; i < n; i++) {
        hx_proc p;
        assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmds[i]), 0);
        if (p.status != 2)
            print_error("'%s' exited %d: %s\n", cmds[i], p.status, p.err);
        assert_int_equal(p.status, 2);
        assert_int_equal(hx_count_lines(p.err), 1);
        hx_proc_free(&p);
    }
}

/* What the code under test writes to stderr between the two calls (testutil.h); the caller
 * frees the text. */
static inline void hx_expect_capture(hx_capture *c) {
    assert_int_equal(hx_capture_begin(c), 0);
}

static inline char *hx_captured(hx_capture *c) {
    char *text = hx_capture_end(c);
    assert_non_null(text);
    return text;
}

#endif
