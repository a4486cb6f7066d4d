/*
 * test_cuda_run.c - `hetero run` and the cuda backend end to end.
 *
 * Without an NVIDIA GPU (the usual CI machine): asking for --backend=cuda exits 3 with one line
 * saying why, and the default backend list skips the cuda rows with a notice, records the skip
 * in the report and still exits 0.  With a GPU: the cuda row of vecadd verifies and its
 * end-to-end time includes its kernel time.  Builds without CUDA check the "not in this build"
 * answer instead.
 */
#include "hetero/core/nvidia_arch.h"
#include "hx_test.h"

#ifdef HETERO_HAVE_CUDA
#include "hetero/cuda/cuda.h"
#endif

#define QUICK "--size=100003 --reps=2 --warmup=1"

static bool have_cuda_device(void) {
#ifdef HETERO_HAVE_CUDA
    int n = 0;
    return hx_cuda_probe(&n, NULL, 0) == 0 && n > 0;
#else
    return false;
#endif
}

static const jv *find_row(const jv *results, const char *backend) {
    for (size_t i = 0; results && i < results->len; i++)
        if (strcmp(jv_get(jv_at(results, i), "backend")->string, backend) == 0)
            return jv_at(results, i);
    return NULL;
}

static void explicit_cuda_without_a_gpu_exits_3_with_one_line(void **state) {
    (void)state;
    if (have_cuda_device())
        skip();
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=cuda " QUICK " vecadd"), 0);
    assert_int_equal(p.status, 3);
    assert_int_equal(hx_count_lines(p.err), 1);
    assert_contains(p.err, "hetero: ");
#ifdef HETERO_HAVE_CUDA
    assert_contains(p.err, "--backend=cuda needs an NVIDIA GPU");
#else
    assert_contains(p.err, "backend cuda is not in this build");
#endif
    assert_string_equal(p.out, ""); /* refused before anything ran */
    hx_proc_free(&p);
}

static void default_backends_skip_cuda_with_a_notice_and_exit_0(void **state) {
    (void)state;
    if (have_cuda_device())
        skip();
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --format=json " QUICK " vecadd"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *results = jv_get(doc, "results");
    assert_non_null(find_row(results, "serial"));
    assert_null(find_row(results, "cuda"));
#ifdef HETERO_HAVE_CUDA
    /* announced where NVIDIA hardware is (a driver that does not work); silent where there is
     * none, the reason kept in the JSON (and said with --verbose) */
    if (hx_nvidia_present())
        assert_contains(p.err, "skipping the cuda rows");
    else
        assert_null(strcasestr(p.err, "cuda"));
    const jv *skipped = jv_get(doc, "skipped");
    assert_non_null(skipped);
    bool found = false;
    for (size_t i = 0; i < skipped->len; i++) {
        const jv *s = jv_at(skipped, i);
        if (strcmp(jv_get(s, "backend")->string, "cuda") == 0) {
            assert_string_equal(jv_get(s, "workload")->string, "vecadd");
            assert_true(strlen(jv_get(s, "reason")->string) > 0);
            found = true;
        }
    }
    assert_true(found);
#endif
    jv_free(doc);
    hx_proc_free(&p);
}

static void cuda_is_silent_when_not_selected(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=serial,simd " QUICK " vecadd"), 0);
    assert_int_equal(p.status, 0);
    if (strstr(p.err, "cuda"))
        print_error("unexpected cuda notice: %s\n", p.err);
    assert_null(strstr(p.err, "cuda"));
    hx_proc_free(&p);
}

static void cuda_row_verifies_on_a_gpu(void **state) {
    (void)state;
    if (!have_cuda_device())
        skip();
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --backend=serial,cuda --format=json " QUICK " vecadd"), 0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *r = find_row(jv_get(doc, "results"), "cuda");
    assert_non_null(r);
    assert_true(jv_get(r, "verified")->boolean);
    assert_true(jv_path(r, "time_s.median")->number > 0);
    assert_true(jv_path(r, "e2e_time_s.median")->number >= jv_path(r, "time_s.median")->number);
    assert_true(jv_get(r, "efficiency")->number > 0); /* processing elements were filled in */
    jv_free(doc);
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explicit_cuda_without_a_gpu_exits_3_with_one_line),
        cmocka_unit_test(default_backends_skip_cuda_with_a_notice_and_exit_0),
        cmocka_unit_test(cuda_is_silent_when_not_selected),
        cmocka_unit_test(cuda_row_verifies_on_a_gpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
