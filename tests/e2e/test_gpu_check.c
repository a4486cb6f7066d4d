/*
 * test_gpu_check.c - the logic of tools/gpu-check.sh that runs without a GPU: finding the NVIDIA
 * libraries (or failing with a clear message and exit 3 when there are none), refusing to run
 * without the prepared carry directory, the environment and commands it would use (--dry-run),
 * and its usage errors.  A made-up carry directory and made-up driver libraries stand in for
 * the real ones; `--prepare` itself (which compiles with nvcc) is exercised by hand and in CI's
 * GPU runs, not here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hx_test.h"

static char root[256];      /* scratch directory of this test */
static char carry[300];     /* fake build/gpu-carry */
static char driver[300];    /* fake driver library directory */
static char empty_dir[300]; /* a directory without NVIDIA libraries */

static void touch(const char *dir, const char *name, bool exec) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (exec)
        fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    assert_int_equal(chmod(path, exec ? 0755 : 0644), 0);
}

static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/hetero-gpu-check-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(carry, sizeof carry, "%s/carry", root);
    snprintf(driver, sizeof driver, "%s/driver", root);
    snprintf(empty_dir, sizeof empty_dir, "%s/empty", root);
    char path[512];
    const char *dirs[] = {carry, driver, empty_dir};
    for (size_t i = 0; i < 3; i++)
        if (mkdir(dirs[i], 0755) != 0)
            return -1;
    snprintf(path, sizeof path, "%s/bin", carry);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/lib", carry);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/bin/hetero", carry);
    const char *bin = getenv("HETERO_BIN");
    if (!bin || symlink(bin, path) != 0)
        return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run the script with extra environment `env` and arguments; combined output into out. */
static int run_script(const char *env, const char *args, char *out, size_t len) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && env HETERO_CARRY='%s' %s tools/gpu-check.sh %s 2>&1",
             getenv("HETERO_SOURCE_DIR"), carry, env, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void without_the_carry_directory_it_asks_for_prepare(void **state) {
    (void)state;
    char out[8192], env[512], args[512];
    snprintf(env, sizeof env, "HETERO_NVIDIA_LIB_DIRS='%s'", driver);
    snprintf(args, sizeof args, "--dry-run '%s/out'", root);
    assert_int_equal(run_script(env, args, out, sizeof out), 3);
    assert_contains(out, "run tools/gpu-check.sh --prepare");
}

static void without_nvidia_libraries_it_fails_clearly(void **state) {
    (void)state;
    touch(carry, "gpu-ref", true);
    char path[512];
    snprintf(path, sizeof path, "%s/lib/libOpenCL.so.1", carry);
    /* the real loader: the dry run asks the carried binary for its workloads */
    const char *loader = access("/usr/lib/x86_64-linux-gnu/libOpenCL.so.1", F_OK) == 0
                             ? "/usr/lib/x86_64-linux-gnu/libOpenCL.so.1"
                             : "/lib/x86_64-linux-gnu/libOpenCL.so.1";
    assert_int_equal(symlink(loader, path), 0);
    char out[8192], env[512], args[512];
    snprintf(env, sizeof env, "HETERO_NVIDIA_LIB_DIRS='%s'", empty_dir);
    snprintf(args, sizeof args, "'%s/out'", root);
    assert_int_equal(run_script(env, args, out, sizeof out), 3);
    assert_contains(out, "gpu-check: no NVIDIA driver: libcuda.so.1 not found");
    assert_contains(out, empty_dir); /* says where it looked */
    assert_int_equal(hx_count_lines(out), 1);
}

static void it_points_ocl_icd_at_the_nvidia_library(void **state) {
    (void)state;
    touch(driver, "libcuda.so.1", false);
    touch(driver, "libnvidia-opencl.so.570.86.15", false); /* versioned name only */
    char out[8192], env[1024], args[512];
    snprintf(env, sizeof env, "HETERO_NVIDIA_LIB_DIRS='%s:%s'", empty_dir, driver);
    snprintf(args, sizeof args, "--dry-run '%s/out'", root);
    assert_int_equal(run_script(env, args, out, sizeof out), 0);
    char want[600];
    snprintf(want, sizeof want, "OCL_ICD_VENDORS=%s/libnvidia-opencl.so.570.86.15", driver);
    assert_contains(out, want);
    snprintf(want, sizeof want, "LD_LIBRARY_PATH=%s/out/lib", root);
    assert_contains(out, want);
    /* every workload the binary lists, on the GPU, with serial as the reference */
    assert_contains(out, "would run: hetero run --device=gpu --backend=serial,opencl,cuda");
    assert_contains(out, " vecadd\n");
    assert_contains(out, "--size=2048 --reps=3 --warmup=1 sgemm\n");
    /* the carried ocl-icd loader comes first on the library path */
    snprintf(want, sizeof want, "%s/out/lib/libOpenCL.so.1", root);
    assert_int_equal(access(want, F_OK), 0);
}

static void without_nvidia_opencl_it_runs_the_cuda_rows_only(void **state) {
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/libnvidia-opencl.so.570.86.15", driver);
    assert_int_equal(unlink(path), 0);
    char out[8192], env[512], args[512];
    snprintf(env, sizeof env, "HETERO_NVIDIA_LIB_DIRS='%s'", driver);
    snprintf(args, sizeof args, "--dry-run '%s/out2'", root);
    assert_int_equal(run_script(env, args, out, sizeof out), 0);
    assert_contains(out, "no libnvidia-opencl.so.1");
    assert_contains(out, "--backend=serial,cuda");
    assert_null(strstr(out, "serial,opencl,cuda"));
}

static void usage_errors_exit_2(void **state) {
    (void)state;
    char out[8192];
    assert_int_equal(run_script("", "--frobnicate", out, sizeof out), 2);
    assert_contains(out, "unknown option '--frobnicate'");
    assert_int_equal(run_script("", "", out, sizeof out), 2);
    assert_contains(out, "usage:");
    assert_int_equal(run_script("", "--with-cublas out", out, sizeof out), 2);
    assert_int_equal(run_script("", "--help", out, sizeof out), 0);
    assert_contains(out, "--prepare");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(without_the_carry_directory_it_asks_for_prepare),
        cmocka_unit_test(without_nvidia_libraries_it_fails_clearly),
        cmocka_unit_test(it_points_ocl_icd_at_the_nvidia_library),
        cmocka_unit_test(without_nvidia_opencl_it_runs_the_cuda_rows_only),
        cmocka_unit_test(usage_errors_exit_2),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
