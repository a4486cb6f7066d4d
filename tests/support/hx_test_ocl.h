/*
 * hx_test_ocl.h - open a session on the first OpenCL CPU device (PoCL) for backend tests.
 * A test without any such device is skipped (exit 77), not passed.
 */
#ifndef HETERO_HX_TEST_OCL_H
#define HETERO_HX_TEST_OCL_H

#include <stdio.h>
#include <stdlib.h>

#include "hetero/error.h"
#include "hetero/ocl.h"

typedef struct hx_test_ocl {
    hx_ocl_device *devs;
    size_t ndevs;
    hx_ocl_session session;
    bool open;
} hx_test_ocl;

/* Open a session on the CPU OpenCL device; exit(77) when there is none. */
static inline void hx_test_ocl_open(hx_test_ocl *t) {
    memset(t, 0, sizeof *t);
    size_t picked[16], n = 0;
    if (hx_ocl_devices(&t->devs, &t->ndevs) != HX_OK || t->ndevs == 0 ||
        hx_ocl_select("cpu", t->devs, t->ndevs < 16 ? t->ndevs : 16, picked, &n) != HX_OK) {
        fprintf(stderr, "no OpenCL CPU device: skipping\n");
        free(t->devs);
        exit(77);
    }
    if (hx_ocl_session_open(&t->devs[picked[0]], &t->session) != HX_OK) {
        fprintf(stderr, "cannot open an OpenCL session: %s\n", hx_error_message());
        exit(1);
    }
    t->open = true;
}

static inline void hx_test_ocl_close(hx_test_ocl *t) {
    if (t->open)
        hx_ocl_session_close(&t->session);
    free(t->devs);
    memset(t, 0, sizeof *t);
}

#endif
