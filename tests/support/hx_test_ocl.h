/*
 * hx_test_ocl.h - open the first OpenCL CPU device (PoCL) for backend tests, through the same
 * hx_target_open() every command uses.  A test without any such device is skipped (exit 77), not
 * passed.
 */
#ifndef HETERO_HX_TEST_OCL_H
#define HETERO_HX_TEST_OCL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/engine/target.h"

typedef struct hx_test_ocl {
    hx_target_set targets;
    hx_ocl_session *session; /* the opened session, for tests that use it directly */
} hx_test_ocl;

/* Open a session on the CPU OpenCL device in `mem` mode (NULL: buffer); exit(77) when there is
 * none. */
static inline void hx_test_ocl_open_mem(hx_test_ocl *t, const char *mem) {
    memset(t, 0, sizeof *t);
    hx_target_spec spec = {
        .opencl = true, .opencl_explicit = true, .device = "cpu", .mem = mem, .max_devices = 1};
    int status = hx_target_open(&t->targets, &spec);
    if (status == HX_ERR_MISSING) {
        fprintf(stderr, "no OpenCL CPU device: skipping (%s)\n", hx_error_message());
        exit(77);
    }
    if (status != HX_OK) {
        fprintf(stderr, "cannot open an OpenCL session: %s\n", hx_error_message());
        exit(1);
    }
    t->session = &t->targets.devices[0].session;
}

static inline void hx_test_ocl_open(hx_test_ocl *t) {
    hx_test_ocl_open_mem(t, NULL);
}

/* The row target of the opened device in its first memory mode. */
static inline hx_target hx_test_ocl_target(hx_test_ocl *t) {
    return hx_target_of(&t->targets, 0, 0);
}

static inline void hx_test_ocl_close(hx_test_ocl *t) {
    hx_target_close(&t->targets);
    memset(t, 0, sizeof *t);
}

/* The device of a test program whose tests all share one session: cmocka group fixtures,
 * cmocka_run_group_tests(tests, hx_test_ocl_setup, hx_test_ocl_teardown). */
__attribute__((unused)) static hx_test_ocl hx_ocl;

__attribute__((unused)) static int hx_test_ocl_setup(void **state) {
    (void)state;
    hx_test_ocl_open(&hx_ocl);
    return 0;
}

__attribute__((unused)) static int hx_test_ocl_teardown(void **state) {
    (void)state;
    hx_test_ocl_close(&hx_ocl);
    return 0;
}

#endif
