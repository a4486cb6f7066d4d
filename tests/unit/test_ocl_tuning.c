/*
 * test_ocl_tuning.c - the file of tuned values per device (host/ocl/tuning.c): a value comes
 * back for the device and tuner that stored it and for no other (another driver, another device,
 * another tuner), a new value replaces the old one without touching the others, and a file that
 * is not ours is ignored, then replaced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"
#include "hx_test.h"

static char dir[256], path[512];

static int fresh_dir(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/hetero-test-tuning-%ld", (long)getpid());
    setenv("XDG_CACHE_HOME", dir, 1); /* created on the first write */
    snprintf(path, sizeof path, "%s/hetero/ocl-tuning.txt", dir);
    return 0;
}

static int remove_dir(void **state) {
    (void)state;
    unlink(path);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/hetero", dir);
    rmdir(sub);
    rmdir(dir);
    return 0;
}

static hx_ocl_device device(const char *name, const char *driver) {
    hx_ocl_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.platform_name, sizeof d.platform_name, "Portable Computing Language");
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.driver, sizeof d.driver, "%s", driver);
    snprintf(d.version, sizeof d.version, "OpenCL 3.0 PoCL");
    return d;
}

static void values_are_kept_per_device_driver_and_tuner(void **state) {
    (void)state;
    hx_ocl_device cpu = device("pthread-cpu", "3.1"), newer = device("pthread-cpu", "4.0"),
                  gpu = device("some\tgpu", "3.1");
    char v[64];
    assert_int_equal(hx_ocl_tuning_get(&cpu, "sgemm-tiles/1", v, sizeof v), HX_ERR_MISSING);
    assert_int_equal(hx_ocl_tuning_put(&cpu, "sgemm-tiles/1", "packed-14x32-f16"), HX_OK);
    assert_int_equal(hx_ocl_tuning_put(&gpu, "sgemm-tiles/1", "local-128x128-8x8"), HX_OK);
    assert_int_equal(hx_ocl_tuning_get(&cpu, "sgemm-tiles/1", v, sizeof v), HX_OK);
    assert_string_equal(v, "packed-14x32-f16");
    assert_int_equal(hx_ocl_tuning_get(&gpu, "sgemm-tiles/1", v, sizeof v), HX_OK);
    assert_string_equal(v, "local-128x128-8x8");
    assert_int_equal(hx_ocl_tuning_get(&newer, "sgemm-tiles/1", v, sizeof v), HX_ERR_MISSING);
    assert_int_equal(hx_ocl_tuning_get(&cpu, "sgemm-tiles/2", v, sizeof v), HX_ERR_MISSING);

    /* a new choice replaces the old line and leaves the other device's */
    assert_int_equal(hx_ocl_tuning_put(&cpu, "sgemm-tiles/1", "packed-6x64-f16"), HX_OK);
    assert_int_equal(hx_ocl_tuning_get(&cpu, "sgemm-tiles/1", v, sizeof v), HX_OK);
    assert_string_equal(v, "packed-6x64-f16");
    assert_int_equal(hx_ocl_tuning_get(&gpu, "sgemm-tiles/1", v, sizeof v), HX_OK);
    assert_string_equal(v, "local-128x128-8x8");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[2048];
    int lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    assert_int_equal(lines, 3); /* header + one line per device */
}

static void a_foreign_file_is_ignored_then_replaced(void **state) {
    (void)state;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a tuning file\nsgemm-tiles/1\tffff\tx\ty\n", f);
    fclose(f);
    hx_ocl_device cpu = device("pthread-cpu", "3.1");
    char v[64];
    assert_int_equal(hx_ocl_tuning_get(&cpu, "sgemm-tiles/1", v, sizeof v), HX_ERR_MISSING);
    assert_int_equal(hx_ocl_tuning_put(&cpu, "sgemm-tiles/1", "packed-8x32-f16"), HX_OK);
    assert_int_equal(hx_ocl_tuning_get(&cpu, "sgemm-tiles/1", v, sizeof v), HX_OK);
    assert_string_equal(v, "packed-8x32-f16");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_are_kept_per_device_driver_and_tuner),
        cmocka_unit_test(a_foreign_file_is_ignored_then_replaced),
    };
    return cmocka_run_group_tests(tests, fresh_dir, remove_dir);
}
