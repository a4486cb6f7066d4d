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

#endif
