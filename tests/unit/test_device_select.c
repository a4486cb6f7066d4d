/*
 * test_device_select.c - the --device grammar over made-up device lists: types, P:D, name parts,
 * the default choice, and the exit-3 messages that list what exists.
 */
#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"
#include "hx_test.h"

static hx_ocl_device fake(unsigned p, unsigned d, const char *name, cl_device_type type) {
    hx_ocl_device dev;
    memset(&dev, 0, sizeof dev);
    dev.platform_index = p;
    dev.device_index = d;
    snprintf(dev.name, sizeof dev.name, "%s", name);
    snprintf(dev.platform_name, sizeof dev.platform_name, "%s", p == 0 ? "PoCL" : "NVIDIA CUDA");
    dev.type = type;
    return dev;
}

static hx_ocl_device machine[3];

static int setup(void **state) {
    (void)state;
    machine[0] = fake(0, 0, "pthread-haswell-AMD EPYC", CL_DEVICE_TYPE_CPU);
    machine[1] = fake(1, 0, "NVIDIA H100 80GB HBM3", CL_DEVICE_TYPE_GPU);
    machine[2] = fake(1, 1, "NVIDIA A100-SXM4-40GB", CL_DEVICE_TYPE_GPU);
    return 0;
}

static void types_pick_every_device_of_that_type(void **state) {
    (void)state;
    size_t picked[3], n;
    assert_int_equal(hx_ocl_select("gpu", machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(picked[0], 1);
    assert_int_equal(picked[1], 2);
    assert_int_equal(hx_ocl_select("CPU", machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(picked[0], 0);
    assert_int_equal(hx_ocl_select("all", machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 3);
}

static void platform_device_index(void **state) {
    (void)state;
    size_t picked[3], n;
    assert_int_equal(hx_ocl_select("1:1", machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(picked[0], 2);
    assert_int_equal(hx_ocl_select("2:0", machine, 3, picked, &n), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "no OpenCL device 2:0");
    assert_contains(hx_error_message(), "1:1 NVIDIA A100-SXM4-40GB (GPU, NVIDIA CUDA)");
}

static void name_substring_is_case_insensitive(void **state) {
    (void)state;
    size_t picked[3], n;
    assert_int_equal(hx_ocl_select("h100", machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(picked[0], 1);
    assert_int_equal(hx_ocl_select("nvidia", machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hx_ocl_select("radeon", machine, 3, picked, &n), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "'radeon'");
    assert_contains(hx_error_message(), "gpu, cpu, accelerator, all, P:D");
}

static void missing_gpu_is_exit_3_listing_devices(void **state) {
    (void)state;
    size_t picked[1], n;
    assert_int_equal(hx_ocl_select("gpu", machine, 1, picked, &n), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "no OpenCL GPU found");
    assert_contains(hx_error_message(), "0:0 pthread-haswell-AMD EPYC (CPU, PoCL)");
    assert_int_equal(hx_ocl_select("accelerator", machine, 3, picked, &n), HX_ERR_MISSING);
}

static void default_prefers_a_gpu_then_the_cpu(void **state) {
    (void)state;
    size_t picked[3], n;
    assert_int_equal(hx_ocl_select(NULL, machine, 3, picked, &n), HX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(picked[0], 1);
    assert_int_equal(hx_ocl_select(NULL, machine, 1, picked, &n), HX_OK);
    assert_int_equal(picked[0], 0);
    assert_int_equal(hx_ocl_select(NULL, machine, 0, picked, &n), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "no OpenCL device found");
}

static void empty_spec_is_a_usage_error(void **state) {
    (void)state;
    size_t picked[3], n;
    assert_int_equal(hx_ocl_select("", machine, 3, picked, &n), HX_ERR_USAGE);
}

static void memory_modes_follow_svm_capabilities(void **state) {
    (void)state;
    hx_ocl_device d = fake(0, 0, "x", CL_DEVICE_TYPE_GPU);
    assert_true(hx_mem_supported(&d, HX_MEM_BUFFER));
    assert_false(hx_mem_supported(&d, HX_MEM_SVM_COARSE));
    assert_int_equal(hx_mem_best(&d), HX_MEM_BUFFER);
    d.svm = CL_DEVICE_SVM_COARSE_GRAIN_BUFFER;
    assert_int_equal(hx_mem_best(&d), HX_MEM_SVM_COARSE);
    d.svm |= CL_DEVICE_SVM_FINE_GRAIN_BUFFER | CL_DEVICE_SVM_ATOMICS;
    assert_int_equal(hx_mem_best(&d), HX_MEM_SVM_FINE);
    char buf[128];
    assert_string_equal(hx_ocl_svm_describe(d.svm, buf, sizeof buf),
                        "coarse-grain buffer, fine-grain buffer, atomics");
    assert_string_equal(hx_ocl_svm_describe(0, buf, sizeof buf), "none");
}

static void error_names_are_symbolic(void **state) {
    (void)state;
    assert_string_equal(hx_ocl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    assert_string_equal(hx_ocl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    assert_string_equal(hx_ocl_error_name(-9999), "CL_UNKNOWN_ERROR(-9999)");
    assert_int_equal(hx_ocl_fail(CL_INVALID_VALUE, "clEnqueueWriteBuffer(q, b, ...)"),
                     HX_ERR_RUNTIME);
    assert_string_equal(hx_error_message(),
                        "OpenCL call clEnqueueWriteBuffer failed: CL_INVALID_VALUE");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(types_pick_every_device_of_that_type),
        cmocka_unit_test(platform_device_index),
        cmocka_unit_test(name_substring_is_case_insensitive),
        cmocka_unit_test(missing_gpu_is_exit_3_listing_devices),
        cmocka_unit_test(default_prefers_a_gpu_then_the_cpu),
        cmocka_unit_test(empty_spec_is_a_usage_error),
        cmocka_unit_test(memory_modes_follow_svm_capabilities),
        cmocka_unit_test(error_names_are_symbolic),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
