/*
 * test_svm_caps.c - which memory modes and SVM-atomics work a device record allows, and the
 * exit-3 refusals for what it lacks.  PoCL, which the tests run on, has every mode, so a device
 * without SVM (a discrete NVIDIA GPU reports coarse-grain buffer only) is simulated by a record.
 */
#include <stdio.h>

#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"
#include "hetero/ocl/svm.h"
#include "hetero/workloads/workload.h"
#include "hx_test.h"

static hx_ocl_device fake_device(cl_device_svm_capabilities svm, bool c11_atomics) {
    hx_ocl_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "Fake GPU");
    snprintf(d.c_version, sizeof d.c_version, "OpenCL C 1.2");
    d.type = CL_DEVICE_TYPE_GPU;
    d.cl_major = 3;
    d.svm = svm;
    d.c11_atomics = c11_atomics;
    d.max_alloc = (cl_ulong)1 << 30;
    return d;
}

static void device_without_svm_has_buffer_mode_only(void **state) {
    (void)state;
    hx_ocl_device d = fake_device(0, false);
    assert_true(hx_mem_supported(&d, HX_MEM_BUFFER));
    assert_false(hx_mem_supported(&d, HX_MEM_SVM_COARSE));
    assert_false(hx_mem_supported(&d, HX_MEM_SVM_FINE));
    assert_int_equal(hx_mem_best(&d), HX_MEM_BUFFER);
}

static void coarse_only_device_like_nvidia(void **state) {
    (void)state;
    hx_ocl_device d = fake_device(CL_DEVICE_SVM_COARSE_GRAIN_BUFFER, false);
    assert_true(hx_mem_supported(&d, HX_MEM_SVM_COARSE));
    assert_false(hx_mem_supported(&d, HX_MEM_SVM_FINE));
    assert_int_equal(hx_mem_best(&d), HX_MEM_SVM_COARSE);
    assert_false(hx_svm_atomics_supported(&d));
    assert_string_equal(hx_svm_atomics_missing(d.svm, d.c11_atomics), "no fine-grain buffer SVM");
}

static void pocl_like_device_has_everything(void **state) {
    (void)state;
    hx_ocl_device d = fake_device(CL_DEVICE_SVM_COARSE_GRAIN_BUFFER |
                                      CL_DEVICE_SVM_FINE_GRAIN_BUFFER | CL_DEVICE_SVM_ATOMICS,
                                  true);
    assert_int_equal(hx_mem_best(&d), HX_MEM_SVM_FINE);
    assert_true(hx_svm_atomics_supported(&d));
    assert_int_equal(hx_svm_require_atomics(&d, "test"), HX_OK);
}

static void fine_grain_without_atomics_is_refused(void **state) {
    (void)state;
    hx_ocl_device d =
        fake_device(CL_DEVICE_SVM_COARSE_GRAIN_BUFFER | CL_DEVICE_SVM_FINE_GRAIN_BUFFER, true);
    assert_string_equal(hx_svm_atomics_missing(d.svm, true), "no SVM atomics");
    hx_error_clear();
    assert_int_equal(hx_svm_require_atomics(&d, "histogram-coop"), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "histogram-coop");
    assert_contains(hx_error_message(), "no SVM atomics");
    assert_contains(hx_error_message(), "coarse-grain buffer, fine-grain buffer");
    /* SVM atomics but no OpenCL C 3.0 atomics to use them from a kernel */
    d.svm |= CL_DEVICE_SVM_ATOMICS;
    assert_string_equal(hx_svm_atomics_missing(d.svm, false),
                        "no OpenCL C 3.0 device-scope atomics");
}

static int never_prepare(hx_ocl_job *job) {
    (void)job;
    fail_msg("prepare must not run on a device that lacks the mode");
    return HX_ERR_RUNTIME;
}

/* The job refuses a mode before it builds or allocates anything: exit status 3, naming the mode
 * and the device's capabilities (what `hetero run --mem=svm-fine` prints on such a device). */
static void job_refuses_missing_mode_with_exit_3(void **state) {
    (void)state;
    hx_ocl_device d = fake_device(CL_DEVICE_SVM_COARSE_GRAIN_BUFFER, false);
    hx_ocl_session s;
    memset(&s, 0, sizeof s);
    s.dev = &d;
    hx_problem p;
    memset(&p, 0, sizeof p);
    hx_ocl_binding b = {.file = "vecadd.cl", .prepare = never_prepare};
    hx_ocl_job job;
    hx_error_clear();
    assert_int_equal(hx_ocl_job_start(&job, &s, &b, &p, p.size, HX_MEM_SVM_FINE), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "no svm-fine memory");
    assert_contains(hx_error_message(), "coarse-grain buffer");
    b.needs_c11_atomics = true;
    hx_error_clear();
    assert_int_equal(hx_ocl_job_start(&job, &s, &b, &p, p.size, HX_MEM_BUFFER), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "device-scope atomics");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_without_svm_has_buffer_mode_only),
        cmocka_unit_test(coarse_only_device_like_nvidia),
        cmocka_unit_test(pocl_like_device_has_everything),
        cmocka_unit_test(fine_grain_without_atomics_is_refused),
        cmocka_unit_test(job_refuses_missing_mode_with_exit_3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
