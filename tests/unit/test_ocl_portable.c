/*
 * test_ocl_portable.c - the OpenCL kernels stay portable to NVIDIA's driver (OpenCL C 1.2, no
 * device-scope C11 atomics, coarse-grain SVM at most), checked on whatever OpenCL device this
 * machine has (PoCL's CPU device in CI):
 *   - the build options a job picks: CL3.0 only where the device has C11 atomics;
 *   - every workload's kernel file builds with the options it would get on an NVIDIA GPU, and
 *     sgemm's in every tile configuration its autotuner may pick;
 *   - one source with an #ifdef __opencl_c_atomic_scope_device fallback counts exactly under
 *     both -cl-std=CL1.2 and -cl-std=CL3.0, taking the branch each language version allows.
 * Without any OpenCL device the device parts are skipped.
 */
#include "hx_test.h"
#include "workloads/sgemm.h"

#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

/* What NVIDIA's driver reports (docs/gpu.md): OpenCL 3.0, C 1.2 plus 3.0 without the optional
 * atomics features, coarse-grain buffer SVM only. */
static hx_ocl_device nvidia_profile(const hx_ocl_device *real) {
    hx_ocl_device d = *real;
    d.cl_major = 3;
    d.cl_minor = 0;
    d.c30 = true;
    d.c11_atomics = false;
    d.svm = CL_DEVICE_SVM_COARSE_GRAIN_BUFFER;
    return d;
}

static void build_options_pick_cl30_only_with_c11_atomics(void **state) {
    (void)state;
    hx_ocl_device pocl = {.cl_major = 3, .c30 = true, .c11_atomics = true};
    hx_ocl_device nv = nvidia_profile(&pocl);
    char buf[256];
    hx_ocl_binding plain = {.file = "x.cl"};
    hx_ocl_binding either = {.file = "x.cl", .c11_atomics_if_available = true};
    hx_ocl_binding with_opts = {
        .file = "x.cl", .options = "-DBINS=256", .c11_atomics_if_available = true};
    hx_ocl_binding own_std = {
        .file = "x.cl", .options = "-cl-std=CL1.2", .c11_atomics_if_available = true};
    assert_string_equal(hx_ocl_build_options(&pocl, &plain, buf, sizeof buf), "");
    assert_string_equal(hx_ocl_build_options(&pocl, &either, buf, sizeof buf), "-cl-std=CL3.0");
    assert_string_equal(hx_ocl_build_options(&nv, &either, buf, sizeof buf), "");
    assert_string_equal(hx_ocl_build_options(&pocl, &with_opts, buf, sizeof buf),
                        "-cl-std=CL3.0 -DBINS=256");
    assert_string_equal(hx_ocl_build_options(&nv, &with_opts, buf, sizeof buf), "-DBINS=256");
    assert_string_equal(hx_ocl_build_options(&pocl, &own_std, buf, sizeof buf), "-cl-std=CL1.2");
}

static hx_ocl_device *devs;
static size_t ndevs;
static hx_ocl_session session;

static int open_first_device(void **state) {
    (void)state;
    if (hx_ocl_devices(&devs, &ndevs) != HX_OK || ndevs == 0)
        return 0;
    return hx_ocl_session_open(&devs[0], &session) == HX_OK ? 0 : -1;
}

static int close_device(void **state) {
    (void)state;
    if (ndevs)
        hx_ocl_session_close(&session);
    free(devs);
    return 0;
}

static void every_kernel_builds_for_the_nvidia_profile(void **state) {
    (void)state;
    if (ndevs == 0)
        skip();
    hx_ocl_device nv = nvidia_profile(&devs[0]);
    size_t built = 0;
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        const hx_ocl_binding *b = w->ocl;
        if (!b || b->needs_c11_atomics) /* refused on NVIDIA with exit 3, by design */
            continue;
        char opts[512];
        cl_program prog;
        int status = hx_ocl_program(&session, b->file,
                                    hx_ocl_build_options(&nv, b, opts, sizeof opts), &prog);
        if (status != HX_OK)
            print_error("%s (%s) with '%s': %s\n", w->name, b->file, opts, hx_error_message());
        assert_int_equal(status, HX_OK);
        built++;
    }
    assert_true(built >= 1);
}

/* sgemm's kernel with each tile configuration's -D options, as sgemm_ocl.c builds it. */
static void every_sgemm_tile_configuration_builds_for_the_nvidia_profile(void **state) {
    (void)state;
    if (ndevs == 0)
        skip();
    hx_ocl_device nv = nvidia_profile(&devs[0]);
    const hx_ocl_binding *b = hx_workload_find("sgemm")->ocl;
    for (size_t i = 0; i < hx_sgemm_ocl_config_count(); i++) {
        char base[256], tile[256], opts[600];
        hx_ocl_build_options(&nv, b, base, sizeof base);
        snprintf(opts, sizeof opts, "%s %s", base,
                 hx_sgemm_ocl_config_options(i, tile, sizeof tile));
        cl_program prog;
        int status = hx_ocl_build(&session, b->file, opts, &prog);
        if (status != HX_OK)
            print_error("sgemm %s with '%s': %s\n", hx_sgemm_ocl_config_name(i), opts,
                        hx_error_message());
        assert_int_equal(status, HX_OK);
        clReleaseProgram(prog);
    }
}

/* The pattern docs/gpu.md prescribes for atomics; `which` records the branch taken. */
static const char *atomics_source =
    "#ifdef __opencl_c_atomic_scope_device\n"
    "#define COUNT(p) atomic_fetch_add_explicit((volatile __global atomic_uint *)(p), 1u, \\\n"
    "                                           memory_order_relaxed, memory_scope_device)\n"
    "#define BRANCH 3u\n"
    "#else\n"
    "#define COUNT(p) atomic_inc(p)\n"
    "#define BRANCH 1u\n"
    "#endif\n"
    "__kernel void count(__global uint *bins, __global uint *which) {\n"
    "    COUNT(&bins[get_global_id(0) % 4]);\n"
    "    if (get_global_id(0) == 0) which[0] = BRANCH;\n"
    "}\n";

static void run_count(const char *std, cl_uint expect_branch) {
    cl_int err;
    const char *src = atomics_source;
    cl_program prog = clCreateProgramWithSource(session.context, 1, &src, NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    err = clBuildProgram(prog, 1, &devs[0].id, std, NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[4096] = "";
        clGetProgramBuildInfo(prog, devs[0].id, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        print_error("%s: %s\n", std, log);
    }
    assert_int_equal(err, CL_SUCCESS);
    cl_kernel k = clCreateKernel(prog, "count", &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_uint zero[5] = {0};
    cl_mem bins = clCreateBuffer(session.context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                 4 * sizeof(cl_uint), zero, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_mem which = clCreateBuffer(session.context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                  sizeof(cl_uint), zero, &err);
    assert_int_equal(err, CL_SUCCESS);
    assert_int_equal(clSetKernelArg(k, 0, sizeof bins, &bins), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(k, 1, sizeof which, &which), CL_SUCCESS);
    size_t global = 4096, local = 64;
    assert_int_equal(
        clEnqueueNDRangeKernel(session.queue, k, 1, NULL, &global, &local, 0, NULL, NULL),
        CL_SUCCESS);
    cl_uint out[4], branch = 0;
    assert_int_equal(
        clEnqueueReadBuffer(session.queue, bins, CL_TRUE, 0, sizeof out, out, 0, NULL, NULL),
        CL_SUCCESS);
    assert_int_equal(clEnqueueReadBuffer(session.queue, which, CL_TRUE, 0, sizeof branch, &branch,
                                         0, NULL, NULL),
                     CL_SUCCESS);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i], 1024);
    assert_int_equal(branch, expect_branch);
    clReleaseMemObject(which);
    clReleaseMemObject(bins);
    clReleaseKernel(k);
    clReleaseProgram(prog);
}

static void atomics_fallback_counts_exactly_in_both_languages(void **state) {
    (void)state;
    if (ndevs == 0)
        skip();
    run_count("-cl-std=CL1.2", 1); /* the NVIDIA path: OpenCL 1.1 atomic_inc */
    if (devs[0].c11_atomics)
        run_count("-cl-std=CL3.0", 3); /* C11 atomics where the device has them */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_options_pick_cl30_only_with_c11_atomics),
        cmocka_unit_test(every_kernel_builds_for_the_nvidia_profile),
        cmocka_unit_test(every_sgemm_tile_configuration_builds_for_the_nvidia_profile),
        cmocka_unit_test(atomics_fallback_counts_exactly_in_both_languages),
    };
    return cmocka_run_group_tests(tests, open_first_device, close_device);
}
