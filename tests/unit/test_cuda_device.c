/*
 * test_cuda_device.c - the cuda backend on a real NVIDIA GPU: the device description is sane,
 * and every workload with a CUDA binding verifies against serial at a small, odd size (so every
 * tail and partial tile is exercised).  Exits 77 (skipped) without a GPU or without CUDA.
 */
#include "hx_test.h"

#ifdef HETERO_HAVE_CUDA
#include "hetero/core/error.h"
#include "hetero/cuda/cuda.h"
#include "hetero/engine/backends.h"

static void devices_are_described(void **state) {
    (void)state;
    hx_cuda_device *devs;
    size_t n;
    assert_int_equal(hx_cuda_devices(&devs, &n, NULL, 0), HX_OK);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const hx_cuda_device *d = &devs[i];
        assert_int_equal(d->index, (int)i);
        assert_true(strlen(d->name) > 0);
        assert_true(d->cc_major >= 7);
        assert_true(d->sm_count > 0);
        assert_true(d->global_mem > ((uint64_t)1 << 30));
        assert_true(d->clock_khz > 0);
        assert_int_equal(d->warp_size, 32);
        assert_true(d->max_threads_per_block >= 1024);
        assert_true(d->driver_version >= d->runtime_version);
    }
    free(devs);
}

/* A size with tails for each kind of workload: elements, a matrix order, an image side. */
static uint64_t test_size(const hx_workload *w) {
    static const struct {
        const char *name;
        uint64_t size;
    } sizes[] = {{"sgemm", 203}, {"mandelbrot", 301}, {"stencil2d", 301}, {"nbody", 1003}};
    uint64_t s = 1000003;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (strcmp(w->name, sizes[i].name) == 0)
            s = sizes[i].size;
    if (s < w->min_size)
        s = w->min_size;
    if (s > w->max_size)
        s = w->max_size;
    return s;
}

static void every_cuda_binding_verifies(void **state) {
    (void)state;
    size_t tested = 0;
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        if (!hx_workload_has(w, HX_BACKEND_CUDA))
            continue;
        hx_instance in;
        assert_int_equal(hx_instance_init(&in, w, test_size(w), 42, 2, NULL), HX_OK);
        hx_measure_opts o = {.reps = 2, .warmup = 1};
        hx_target t = {.cuda_device = 0};
        hx_result serial, cuda;
        assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &o, &serial), HX_OK);
        int status = hx_measure(&in, HX_BACKEND_CUDA, &t, &o, &cuda);
        if (status != HX_OK)
            print_error("%s: %s\n", w->name, hx_error_message());
        assert_int_equal(status, HX_OK);
        if (!cuda.verified)
            print_error("%s: max error %g > tolerance %g\n", w->name, cuda.max_rel_err,
                        cuda.tolerance);
        assert_true(cuda.verified);
        assert_true(cuda.has_e2e);
        assert_true(cuda.e2e.median >= cuda.time.median);
        assert_true(cuda.pe > 0);
        hx_instance_free(&in);
        tested++;
    }
    assert_true(tested >= 1);
}

int main(void) {
    int n = 0;
    char why[160];
    hx_cuda_probe(&n, why, sizeof why);
    if (n == 0) {
        fprintf(stderr, "no CUDA device (%s): skipped\n", why);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(devices_are_described),
        cmocka_unit_test(every_cuda_binding_verifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void) {
    fprintf(stderr, "this build has no cuda backend: skipped\n");
    return 77;
}
#endif
