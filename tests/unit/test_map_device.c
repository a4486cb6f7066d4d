/*
 * test_map_device.c - hetero map's device worker on the CPU OpenCL device (PoCL): every
 * hand-written policy with 1, 2 and 3 CPU workers and the device worker computes the serial
 * image, each task runs once, the device worker's figures are its wall time in launches and it
 * is never bound; static-block gives it exactly its block; the timeline records its launches;
 * and what it cannot do is refused with a clear message (OpenMP's rows, --slow on it, a source
 * without a device kernel, a device worker with no device).  Skipped without an OpenCL CPU
 * device.
 */
#include "hetero/core/error.h"
#include "hetero/map/map.h"
#include "hx_test.h"
#include "hx_test_ocl.h"

static void small_params(hx_map_params *p) {
    hx_map_params_default(p);
    p->width = 96; /* 48 rows */
    p->iters = 200;
}

/* The mandelbrot rows source with its serial reference and its device side on PoCL. */
static void open_with_device(hx_map_source *s) {
    hx_map_params p;
    small_params(&p);
    assert_int_equal(hx_map_source_open("mandelbrot", &p, s), HX_OK);
    hx_map_exec ref;
    (void)hx_map_source_serial(s, &ref);
    int status = hx_map_source_attach_device(s, hx_ocl.session, hx_ocl.session->dev->name);
    if (status != HX_OK)
        print_error("attach: %s\n", hx_error_message());
    assert_int_equal(status, HX_OK);
    assert_true(s->device_ready);
}

static void device_config(hx_map_config *c, unsigned cpu_workers) {
    hx_map_config_default(c);
    c->workers = cpu_workers + 1;
    c->device_worker = true;
}

static void run_checked(hx_map_source *s, hx_map_policy p, const hx_map_config *c,
                        hx_map_run *run) {
    s->kind->begin(s, false);
    int status = hx_map_run_policy(s, p, c, run);
    if (status != HX_OK)
        print_error("%s with a device worker: %s\n", hx_map_policy_names[p], hx_error_message());
    assert_int_equal(status, HX_OK);
    hx_map_check check;
    s->kind->verify(s, &run->total, false, &check);
    if (!check.ok)
        print_error("%s, %u workers with the device, chunk %llu: %s\n", hx_map_policy_names[p],
                    c->workers, (unsigned long long)c->chunk, check.detail);
    assert_true(check.ok);
    uint64_t tasks = 0;
    for (unsigned i = 0; i < run->workers; i++)
        tasks += run->w[i].tasks;
    assert_int_equal(tasks, s->ntasks);
    assert_int_equal(run->tasks, s->ntasks);
    assert_int_equal(run->total.units, s->ntasks * s->params.width); /* every pixel once */
    const hx_map_worker_stats *dev = &run->w[run->workers - 1];
    assert_true(dev->device);
    assert_int_equal(dev->pu, -1);
    assert_true(dev->busy_s == dev->task_s); /* wall time in launches, not its CPU time */
    for (unsigned i = 0; i + 1 < run->workers; i++)
        assert_false(run->w[i].device);
}

static void every_policy_with_the_device(void **state) {
    (void)state;
    hx_map_source s;
    open_with_device(&s);
    for (unsigned cpu = 1; cpu <= 3; cpu++) {
        hx_map_config c;
        device_config(&c, cpu);
        for (int pol = 0; pol < HX_MAP_POLICY_COUNT; pol++) {
            if (hx_map_policy_is_omp((hx_map_policy)pol))
                continue;
            for (uint64_t chunk = 1; chunk <= 5; chunk += 4) {
                c.chunk = chunk;
                c.prefetch = chunk > 1;
                hx_map_run run;
                run_checked(&s, (hx_map_policy)pol, &c, &run);
                hx_map_run_free(&run);
            }
        }
    }
    hx_map_source_close(&s);
}

/* static-block: the device worker, the last of W, takes rows [(W-1) N / W, N) in one launch. */
static void static_block_gives_the_device_its_block(void **state) {
    (void)state;
    hx_map_source s;
    open_with_device(&s);
    hx_map_config c;
    device_config(&c, 2);
    c.record = true;
    c.record_resolution_s = 0.0;
    hx_map_run run;
    run_checked(&s, HX_MAP_STATIC_BLOCK, &c, &run);
    const size_t n = s.ntasks;
    assert_int_equal(run.w[2].tasks, n - n * 2 / 3);
    assert_int_equal(run.w[2].niv, 1); /* one launch, one box */
    assert_int_equal(run.w[2].iv[0].count, n - n * 2 / 3);
    assert_int_equal(run.w[2].iv[0].first, n * 2 / 3);
    assert_true(run.w[2].task_s > 0.0);
    hx_map_run_free(&run);
    hx_map_source_close(&s);
}

/* The device's rows alone (no CPU worker) are still the serial image. */
static void the_device_alone(void **state) {
    (void)state;
    hx_map_source s;
    open_with_device(&s);
    hx_map_config c;
    device_config(&c, 0);
    hx_map_run run;
    run_checked(&s, HX_MAP_DYNAMIC, &c, &run);
    assert_int_equal(run.w[0].tasks, s.ntasks);
    hx_map_run_free(&run);
    hx_map_source_close(&s);
}

static void what_a_device_worker_cannot_do(void **state) {
    (void)state;
    hx_map_source s;
    open_with_device(&s);
    hx_map_config c;
    device_config(&c, 2);
    assert_int_equal(hx_map_config_check(&s, HX_MAP_OMP_DYNAMIC, &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "OpenMP");
    assert_contains(hx_error_message(), "omp-dynamic");
    c.slow[2] = 2.0;
    assert_int_equal(hx_map_config_check(&s, HX_MAP_DYNAMIC, &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "worker 2, the device worker");
    assert_contains(hx_error_message(), "0..1");
    c.slow[2] = 1.0;
    c.slow[1] = 2.0; /* a CPU worker may be slowed */
    assert_int_equal(hx_map_config_check(&s, HX_MAP_DYNAMIC, &c), HX_OK);
    hx_map_source_close(&s);

    hx_map_params p;
    small_params(&p);
    p.node_work = 10;
    assert_int_equal(hx_map_source_open("tree", &p, &s), HX_OK);
    assert_false(hx_map_source_has_device(&s));
    assert_int_equal(hx_map_source_attach_device(&s, hx_ocl.session, "x"), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "'tree' has no device kernel");
    assert_contains(hx_error_message(), "mandelbrot");
    device_config(&c, 1);
    assert_int_equal(hx_map_config_check(&s, HX_MAP_DYNAMIC, &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "device kernel");
    hx_map_source_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_policy_with_the_device),
        cmocka_unit_test(static_block_gives_the_device_its_block),
        cmocka_unit_test(the_device_alone),
        cmocka_unit_test(what_a_device_worker_cannot_do),
    };
    return cmocka_run_group_tests(tests, hx_test_ocl_setup, hx_test_ocl_teardown);
}
