/*
 * test_cuda.c - the cuda backend's host code that needs no GPU: launch geometry, the mapping of
 * cudaError_t values to one-line messages and exit statuses, FP32 lanes per SM, and the probe's
 * answer on a machine without a driver or device.  Exits 77 (skipped) in builds without CUDA.
 */
#include "hx_test.h"

#ifdef HETERO_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "hetero/core/error.h"
#include "hetero/core/nvidia_arch.h"
#include "hetero/cuda/cuda.h"
#include "hetero/survey/survey.h"

static void tiles_round_up(void **state) {
    (void)state;
    assert_int_equal(hx_cuda_tiles(0, 256), 0);
    assert_int_equal(hx_cuda_tiles(1, 256), 1);
    assert_int_equal(hx_cuda_tiles(256, 256), 1);
    assert_int_equal(hx_cuda_tiles(257, 256), 2);
    assert_int_equal(hx_cuda_tiles(1000, 32), 32);
    assert_int_equal(hx_cuda_tiles(1024, 32), 32);
    assert_int_equal(hx_cuda_tiles(5, 0), 0);
}

static void grid_1d_covers_n_and_refuses_bad_blocks(void **state) {
    (void)state;
    unsigned blocks = 7;
    assert_int_equal(hx_cuda_grid_1d(1000, 256, &blocks), HX_OK);
    assert_int_equal(blocks, 4); /* 4 x 256 = 1024 >= 1000 > 3 x 256 */
    assert_int_equal(hx_cuda_grid_1d(1024, 256, &blocks), HX_OK);
    assert_int_equal(blocks, 4);
    assert_int_equal(hx_cuda_grid_1d(0, 256, &blocks), HX_OK);
    assert_int_equal(blocks, 1); /* one block of guarded threads, never an empty grid */
    assert_int_equal(hx_cuda_grid_1d((size_t)1 << 31, 1024, &blocks), HX_OK);
    assert_int_equal(blocks, 1u << 21);

    hx_error_clear();
    assert_int_equal(hx_cuda_grid_1d(100, 0, &blocks), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "block size 0");
    assert_contains(hx_error_message(), "1 to 1024");
    assert_int_equal(hx_cuda_grid_1d(100, 2048, &blocks), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "2048");
    /* more than 2^31 - 1 blocks of one thread */
    assert_int_equal(hx_cuda_grid_1d((size_t)1 << 32, 1, &blocks), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "more than a CUDA grid holds");
}

static void grid_capped_stays_between_one_and_cap(void **state) {
    (void)state;
    assert_int_equal(hx_cuda_grid_capped(1000, 256, 1000), 4);
    assert_int_equal(hx_cuda_grid_capped(1 << 24, 256, 528), 528);
    assert_int_equal(hx_cuda_grid_capped(0, 256, 528), 1);
    assert_int_equal(hx_cuda_grid_capped(100, 256, 0), 1);
}

static void errors_map_to_named_one_line_messages(void **state) {
    (void)state;
    char buf[256];
    hx_cuda_error_text(cudaErrorMemoryAllocation, buf, sizeof buf);
    assert_contains(buf, "cudaErrorMemoryAllocation");
    assert_null(strchr(buf, '\n'));
    hx_cuda_error_text(99999, buf, sizeof buf); /* a code the runtime does not know */
    assert_contains(buf, "99999");

    hx_error_clear();
    assert_int_equal(hx_cuda_fail(cudaErrorMemoryAllocation, "cudaMalloc(&p, n)"), HX_ERR_RUNTIME);
    assert_contains(hx_error_message(), "CUDA call cudaMalloc(&p, n) failed: ");
    assert_contains(hx_error_message(), "cudaErrorMemoryAllocation");
    assert_null(strchr(hx_error_message(), '\n'));
    assert_int_equal(hx_cuda_fail(cudaSuccess, "cudaFree"), HX_OK);
}

static void missing_hardware_maps_to_exit_3(void **state) {
    (void)state;
    assert_int_equal(hx_cuda_error_status(cudaSuccess), HX_OK);
    assert_int_equal(hx_cuda_error_status(cudaErrorNoDevice), HX_ERR_MISSING);
    assert_int_equal(hx_cuda_error_status(cudaErrorInsufficientDriver), HX_ERR_MISSING);
    assert_int_equal(hx_cuda_error_status(cudaErrorNoKernelImageForDevice), HX_ERR_MISSING);
    assert_int_equal(hx_cuda_error_status(cudaErrorIllegalAddress), HX_ERR_RUNTIME);
    assert_int_equal(hx_cuda_error_status(cudaErrorLaunchFailure), HX_ERR_RUNTIME);
    hx_error_clear();
    assert_int_equal(hx_cuda_fail(cudaErrorNoDevice, "cudaSetDevice"), HX_ERR_MISSING);
    assert_contains(hx_error_message(), "cudaErrorNoDevice");
}

static void fp32_lanes_follow_compute_capability(void **state) {
    (void)state;
    assert_int_equal(hx_nvidia_fp32_per_sm(7, 5), 64);
    assert_int_equal(hx_nvidia_fp32_per_sm(8, 0), 64);  /* A100 */
    assert_int_equal(hx_nvidia_fp32_per_sm(8, 6), 128); /* GA10x */
    assert_int_equal(hx_nvidia_fp32_per_sm(8, 9), 128); /* Ada */
    assert_int_equal(hx_nvidia_fp32_per_sm(9, 0), 128); /* H100/H200 */
    hx_cuda_device d = {.mem_clock_khz = 2619000, .mem_bus_bits = 5120};
    /* 2 x 2.619 GHz x 640 bytes = 3.352 TB/s (H100 SXM) */
    assert_near(hx_cuda_peak_bandwidth(&d), 3.35232e12, 1e6);
}

/* Every machine answers: a count, and a reason when it is 0. */
static void probe_gives_a_count_or_a_reason(void **state) {
    (void)state;
    int n = -1;
    char why[160] = "unchanged";
    assert_int_equal(hx_cuda_probe(&n, why, sizeof why), HX_OK);
    assert_true(n >= 0);
    if (n == 0) {
        assert_true(strlen(why) > 0);
        assert_null(strchr(why, '\n'));
        hx_cuda_device *devs = (hx_cuda_device *)1;
        size_t count = 5;
        assert_int_equal(hx_cuda_devices(&devs, &count, NULL, 0), HX_OK);
        assert_null(devs);
        assert_int_equal(count, 0);
    } else {
        assert_string_equal(why, "");
    }
}

/* A made-up H100 as a `hetero devices` record, and that record in the JSON report. */
static void cuda_devices_become_survey_records(void **state) {
    (void)state;
    hx_cuda_device d = {.index = 1,
                        .cc_major = 9,
                        .cc_minor = 0,
                        .sm_count = 132,
                        .fp32_per_sm = 128,
                        .clock_khz = 1980000,
                        .mem_clock_khz = 2619000,
                        .mem_bus_bits = 5120,
                        .global_mem = (uint64_t)80 << 30,
                        .l2_bytes = 50u << 20,
                        .shared_per_block = 48 << 10,
                        .max_threads_per_block = 1024,
                        .warp_size = 32,
                        .driver_version = 13000,
                        .runtime_version = 13000};
    snprintf(d.name, sizeof d.name, "NVIDIA H100 80GB HBM3");
    hx_survey s = {0};
    hx_device_record *r = hx_survey_add(&s, "cuda");
    assert_non_null(r);
    hx_cuda_survey_record(&d, r);
    assert_string_equal(r->id, "cuda:1");
    assert_int_equal(r->family_index, 1);
    assert_string_equal(r->type, "GPU");
    assert_int_equal(r->compute_units, 132);
    assert_int_equal(r->clock_mhz, 1980);
    assert_string_equal(r->c_version, "sm_90");
    assert_string_equal(r->driver, "CUDA 13.0");
    assert_string_equal(r->flynn, "SIMT");
    assert_string_equal(r->memory, "discrete memory");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(hx_survey_write(f, HX_FORMAT_JSON, &s), HX_OK);
    fclose(f);
    char err[256];
    jv *doc = jv_parse(text, err, sizeof err);
    assert_non_null(doc);
    const jv *dev = jv_at(jv_get(doc, "devices"), 0);
    assert_string_equal(jv_get(dev, "kind")->string, "cuda");
    assert_string_equal(jv_get(dev, "name")->string, "NVIDIA H100 80GB HBM3");
    jv_free(doc);
    free(text);
    hx_survey_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cuda_devices_become_survey_records),
        cmocka_unit_test(tiles_round_up),
        cmocka_unit_test(grid_1d_covers_n_and_refuses_bad_blocks),
        cmocka_unit_test(grid_capped_stays_between_one_and_cap),
        cmocka_unit_test(errors_map_to_named_one_line_messages),
        cmocka_unit_test(missing_hardware_maps_to_exit_3),
        cmocka_unit_test(fp32_lanes_follow_compute_capability),
        cmocka_unit_test(probe_gives_a_count_or_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void) {
    fprintf(stderr, "this build has no cuda backend: skipped\n");
    return 77;
}
#endif
