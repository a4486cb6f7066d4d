/*
 * test_zero_copy.c - the zero-copy memory mode (host/ocl/job.c) on a device that shares host
 * memory (PoCL's CPU device; skipped, exit 77, without one):
 *   - vecadd's read-only buffers become the workload's own input arrays and its output buffer
 *     becomes the run's output array after the first run, so later runs copy nothing; every run
 *     verifies;
 *   - an input that is not page-aligned is copied through a map instead, and a buffer the kernel
 *     writes is never made over an input array: the inputs are unchanged after the runs;
 *   - --mem=auto picks zero-copy on such a device, and a device without host-unified memory has
 *     no zero-copy mode.
 */
#include "hetero/core/alloc.h"
#include "hetero/core/rng.h"
#include "hetero/engine/measure.h"
#include "hx_test.h"
#include "hx_test_ocl.h"
#include "workloads/vecadd.h"

static hx_test_ocl ocl;

static int open_ocl(void **state) {
    (void)state;
    hx_test_ocl_open(&ocl);
    if (!ocl.session->dev->host_unified) {
        fprintf(stderr, "the OpenCL CPU device has no host-unified memory: skipping\n");
        hx_test_ocl_close(&ocl);
        exit(77);
    }
    return 0;
}

static int close_ocl(void **state) {
    (void)state;
    hx_test_ocl_close(&ocl);
    return 0;
}

static void check_sum(const float *a, const float *b, const float *c, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (c[i] != a[i] + b[i]) {
            print_error("c[%zu] = %g, expected %g\n", i, c[i], a[i] + b[i]);
            fail();
        }
}

static void vecadd_runs_in_the_workloads_own_arrays(void **state) {
    (void)state;
    const hx_workload *w = hx_workload_find("vecadd");
    hx_instance in;
    assert_int_equal(hx_instance_init(&in, w, 100003, 9, 1, NULL), HX_OK);
    const vecadd_data *d = in.problem.data;
    hx_ocl_job job;
    assert_int_equal(
        hx_ocl_job_start(&job, ocl.session, w->ocl, &in.problem, in.problem.size, HX_MEM_ZERO_COPY),
        HX_OK);
    for (int run = 0; run < 3; run++) {
        memset(in.out, 0xFF, in.problem.out_bytes);
        double k, e;
        assert_int_equal(hx_ocl_job_run(&job, w->ocl, in.out, &k, &e), HX_OK);
        check_sum(d->a, d->b, in.out, d->n);
        assert_true(e >= k);
    }
    size_t inputs = 0, outputs = 0;
    for (size_t i = 0; i < job.nmems; i++) {
        assert_int_equal(job.mems[i].mode, HX_MEM_ZERO_COPY);
        inputs += job.mems[i].host == d->a || job.mems[i].host == d->b;
        outputs += job.mems[i].host == in.out;
        assert_null(job.mems[i].backing); /* no memory of its own is left */
    }
    assert_int_equal(inputs, 2);
    assert_int_equal(outputs, 1);
    hx_ocl_job_finish(&job, w->ocl);
    hx_instance_free(&in);
}

/* A binding whose first input comes from an unaligned address and whose output buffer is the
 * first input's buffer, written in place by the kernel (c = a + b into a's buffer). */
typedef struct odd_state {
    hx_ocl_mem *a, *b;
    cl_kernel k;
    size_t global;
} odd_state;

static const float *odd_a, *odd_b;
static size_t odd_n;

static int odd_prepare(hx_ocl_job *job) {
    odd_state *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, odd_n * sizeof(float), HX_MEM_READ_WRITE, &s->a));
    HX_TRY(hx_ocl_alloc(job, odd_n * sizeof(float), HX_MEM_READ, &s->b));
    HX_TRY(hx_ocl_kernel(job, "vecadd", &s->k));
    cl_uint n = (cl_uint)odd_n;
    HX_TRY(hx_ocl_arg_mem(s->k, 0, s->a));
    HX_TRY(hx_ocl_arg_mem(s->k, 1, s->b));
    HX_TRY(hx_ocl_arg_mem(s->k, 2, s->a));
    HX_CL(clSetKernelArg(s->k, 3, sizeof n, &n));
    s->global = (odd_n + 3) / 4;
    return HX_OK;
}

static int odd_run(hx_ocl_job *job, void *out) {
    odd_state *s = job->state;
    HX_TRY(hx_ocl_upload(job, s->a, odd_a));
    HX_TRY(hx_ocl_upload(job, s->b, odd_b));
    HX_TRY(hx_ocl_launch(job, s->k, 1, &s->global, NULL));
    return hx_ocl_download(job, s->a, out);
}

static void unaligned_and_written_inputs_are_copied_never_changed(void **state) {
    (void)state;
    const hx_ocl_binding odd = {.file = "vecadd.cl", .prepare = odd_prepare, .run = odd_run};
    odd_n = 4099;
    float *a = hx_alloc((odd_n + 1) * sizeof(float)), *b = hx_alloc(odd_n * sizeof(float));
    float *c = hx_alloc(odd_n * sizeof(float)), *a_before = malloc(odd_n * sizeof(float));
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(a_before);
    hx_fill_uniform(a, odd_n + 1, 1, 1, -1.0f, 1.0f);
    hx_fill_uniform(b, odd_n, 1, 2, -1.0f, 1.0f);
    odd_a = a + 1; /* 4 bytes past a page boundary */
    odd_b = b;
    memcpy(a_before, odd_a, odd_n * sizeof(float));
    hx_problem p = {.size = odd_n};
    hx_ocl_job job;
    assert_int_equal(hx_ocl_job_start(&job, ocl.session, &odd, &p, p.size, HX_MEM_ZERO_COPY),
                     HX_OK);
    for (int run = 0; run < 3; run++) {
        memset(c, 0xFF, odd_n * sizeof(float));
        double k, e;
        assert_int_equal(hx_ocl_job_run(&job, &odd, c, &k, &e), HX_OK);
        check_sum(odd_a, odd_b, c, odd_n);
        assert_memory_equal(odd_a, a_before, odd_n * sizeof(float));
    }
    const odd_state *s = job.state;
    assert_true(s->a->host == c); /* the written buffer became the output, not the input */
    assert_true(s->b->host == b); /* the read-only, aligned input is used in place */
    hx_ocl_job_finish(&job, &odd);
    hx_free(a);
    hx_free(b);
    hx_free(c);
    free(a_before);
}

static void auto_picks_zero_copy_only_with_host_unified_memory(void **state) {
    (void)state;
    assert_true(hx_mem_supported(ocl.session->dev, HX_MEM_ZERO_COPY));
    assert_int_equal(hx_mem_best(ocl.session->dev), HX_MEM_ZERO_COPY);
    hx_ocl_device discrete = *ocl.session->dev;
    discrete.host_unified = false;
    assert_false(hx_mem_supported(&discrete, HX_MEM_ZERO_COPY));
    assert_int_not_equal(hx_mem_best(&discrete), HX_MEM_ZERO_COPY);
    hx_mem_mode m;
    assert_int_equal(hx_mem_parse("zero-copy", &m), HX_OK);
    assert_int_equal(m, HX_MEM_ZERO_COPY);
    assert_string_equal(hx_mem_name(HX_MEM_ZERO_COPY), "zero-copy");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vecadd_runs_in_the_workloads_own_arrays),
        cmocka_unit_test(unaligned_and_written_inputs_are_copied_never_changed),
        cmocka_unit_test(auto_picks_zero_copy_only_with_host_unified_memory),
    };
    return cmocka_run_group_tests(tests, open_ocl, close_ocl);
}
