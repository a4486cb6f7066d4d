/*
 * test_run.c - `hetero run` and `hetero list` end to end: the binary is run as a user would run
 * it, and its JSON, CSV and table output and its exit codes and messages are checked by value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hx_test.h"

#define QUICK "--size=100K --reps=3 --warmup=1"

static jv *run_json(const char *args, hx_proc *p) {
    assert_int_equal(hx_run_hetero_cmd(p, "run --format=json %s", args), 0);
    jv *doc = hx_expect_json(p, 0);
    return doc;
}

static const jv *find_row(const jv *results, const char *backend) {
    for (size_t i = 0; i < results->len; i++)
        if (strcmp(jv_get(jv_at(results, i), "backend")->string, backend) == 0)
            return jv_at(results, i);
    return NULL;
}

static void every_vecadd_backend_verifies_on_the_cpu_device(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = run_json("--device=cpu " QUICK " vecadd", &p);
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.run/1");
    assert_true(jv_path(doc, "host.cores")->number >= 1);
    assert_true(strlen(jv_path(doc, "host.cpu")->string) > 0);
    assert_non_null(jv_path(doc, "host.simd")->string);
    const jv *results = jv_get(doc, "results");
    const char *backends[] = {"serial", "simd", "omp", "omp-simd", "opencl"};
    for (size_t b = 0; b < 5; b++) {
        const jv *r = find_row(results, backends[b]);
        if (!r)
            print_error("no %s row in\n%s\n", backends[b], p.out);
        assert_non_null(r);
        assert_string_equal(jv_get(r, "workload")->string, "vecadd");
        assert_int_equal((int)jv_get(r, "size")->number, 102400);
        assert_int_equal((int)jv_get(r, "reps")->number, 3);
        assert_true(jv_get(r, "verified")->boolean);
        double err = jv_get(r, "max_rel_err")->number, tol = jv_get(r, "tolerance")->number;
        assert_true(err <= tol);
        double med = jv_path(r, "time_s.median")->number;
        assert_true(jv_path(r, "time_s.min")->number <= med);
        assert_true(med <= jv_path(r, "time_s.max")->number);
        assert_true(med > 0);
        /* GB/s and GFLOP/s follow from the cost model: 12 bytes and 1 flop per element */
        assert_near(jv_get(r, "gbps")->number, 12.0 * 102400 / med * 1e-9,
                    1e-9 * jv_get(r, "gbps")->number);
        assert_near(jv_get(r, "gflops")->number, 102400 / med * 1e-9,
                    1e-9 * jv_get(r, "gflops")->number);
        assert_true(jv_get(r, "speedup")->number > 0);
        assert_non_null(jv_get(r, "efficiency"));
        assert_true(jv_get(r, "threads")->number >= 1);
        assert_non_null(jv_get(r, "device")->string);
    }
    assert_near(jv_get(find_row(results, "serial"), "speedup")->number, 1.0, 0);
    const jv *cl = find_row(results, "opencl");
    assert_string_equal(jv_get(cl, "mem")->string, "buffer");
    assert_true(jv_path(cl, "e2e_time_s.median")->number >= jv_path(cl, "time_s.median")->number);
    assert_null(jv_get(find_row(results, "simd"), "e2e_time_s"));
    jv_free(doc);
    hx_proc_free(&p);
}

static void backend_list_selects_rows_and_serial_always_runs(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = run_json("--device=cpu --backend=omp " QUICK " vecadd", &p);
    const jv *results = jv_get(doc, "results");
    assert_int_equal(results->len, 2);
    assert_non_null(find_row(results, "serial"));
    assert_non_null(find_row(results, "omp"));
    jv_free(doc);
    hx_proc_free(&p);
}

static void all_memory_modes_give_one_row_each(void **state) {
    (void)state;
    hx_proc p;
    jv *doc = run_json("--device=cpu --backend=opencl --mem=all " QUICK " vecadd", &p);
    const jv *results = jv_get(doc, "results");
    size_t modes = 0;
    for (size_t i = 0; i < results->len; i++) {
        const jv *r = jv_at(results, i);
        if (strcmp(jv_get(r, "backend")->string, "opencl") == 0) {
            modes++;
            assert_true(jv_get(r, "verified")->boolean);
        }
    }
    assert_true(modes >= 1); /* PoCL reports buffer, svm-coarse and svm-fine */
    jv_free(doc);
    hx_proc_free(&p);
}

static void csv_has_one_header_and_a_line_per_row(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(
            &p, "run --device=cpu --backend=serial,simd,omp,omp-simd,opencl --format=csv " QUICK
                " vecadd"),
        0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 1 + 5);
    assert_true(strncmp(p.out, "workload,backend,flynn,device,mem,size,threads,reps", 51) == 0);
    assert_contains(p.out, "time_median_s");
    assert_contains(p.out, "\nvecadd,serial,SISD,");
    assert_contains(p.out, ",true,");
    hx_proc_free(&p);
}

static void table_says_what_the_times_mean(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run " QUICK " vecadd"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "speedup");
    assert_contains(p.out, "verified");
    assert_contains(p.out, "omp-simd");
    assert_contains(p.out, "kernel time");
    assert_contains(p.err, "no --device given: using");
    hx_proc_free(&p);
}

static void output_file_is_written_whole(void **state) {
    (void)state;
    char path[] = "/tmp/hetero-e2e-XXXXXX";
    assert_non_null(mkdtemp(path));
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(
            &p, "run --backend=simd --format=json --output=%s/r.json " QUICK " vecadd", path),
        0);
    assert_int_equal(p.status, 0);
    assert_string_equal(p.out, "");
    char file[256];
    snprintf(file, sizeof file, "%s/r.json", path);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    char buf[8192] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_true(n > 0);
    jv *doc = jv_parse(buf, NULL, 0);
    assert_non_null(doc);
    assert_int_equal(jv_get(doc, "results")->len, 2);
    jv_free(doc);
    unlink(file);
    /* a failing run leaves no file behind */
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "run --output=%s/bad.json --size=0 vecadd", path), 0);
    assert_int_equal(p.status, 2);
    snprintf(file, sizeof file, "%s/bad.json", path);
    assert_int_equal(access(file, F_OK), -1);
    hx_proc_free(&p);
    rmdir(path);
}

/* Expect exit `code`, nothing on stdout, and one line on stderr containing `needle`. */
static void expect_error(int code, const char *needle, const char *args) {
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", args), 0);
    if (p.status != code)
        print_error("hetero %s: exit %d, expected %d\nstderr: %s\n", args, p.status, code, p.err);
    assert_int_equal(p.status, code);
    assert_string_equal(p.out, "");
    assert_contains(p.err, needle);
    assert_true(strncmp(p.err, "hetero: ", 8) == 0);
    hx_proc_free(&p);
}

static void bad_input_gets_one_line_and_the_right_exit_code(void **state) {
    (void)state;
    expect_error(2, "unknown workload 'vecmul'; accepted: vecadd", "run vecmul");
    expect_error(2, "unknown backend 'cuda2'; accepted: serial, simd, omp, omp-simd",
                 "run --backend=serial,cuda2 vecadd");
    expect_error(2, "--size 0 is out of range for vecadd; accepted: 1 to 2147483648",
                 "run --size=0 vecadd");
    expect_error(2, "--size '-5' is not a positive size", "run --size=-5 vecadd");
    expect_error(2, "--size 'abc' is not a positive size", "run --size=abc vecadd");
    expect_error(2, "--size 2147483648 is too large for vecadd", "run --size=2G vecadd");
    expect_error(2, "--size 4294967296 is out of range for vecadd", "run --size=4G vecadd");
    expect_error(2, "--reps '0' is out of range", "run --reps=0 vecadd");
    expect_error(2, "unknown --format 'xml'; accepted: table, csv, json", "run --format=xml");
    expect_error(2, "unknown --mem 'pinned'", "run --mem=pinned");
    expect_error(2, "--kernels '/nonexistent/dir' is not a readable directory",
                 "run --kernels=/nonexistent/dir vecadd");
    expect_error(2, "unknown option --bogus for 'hetero run'", "run --bogus=1 vecadd");
    expect_error(2, "option --size needs a value", "run vecadd --size");
    expect_error(3, "no OpenCL device matches --device 'no-such-device'",
                 "run --device=no-such-device vecadd");
    expect_error(2, "unknown command 'walk'", "walk");
}

static void missing_gpu_exits_3_listing_the_devices(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --device=gpu " QUICK " vecadd"), 0);
    if (p.status == 0) { /* this machine has a GPU: then the opencl row ran there */
        hx_proc_free(&p);
        skip();
    }
    assert_int_equal(p.status, 3);
    assert_contains(p.err, "no OpenCL GPU found; devices here: 0:0 ");
    assert_int_equal(hx_count_lines(p.err), 1);
    assert_string_equal(p.out, "");
    hx_proc_free(&p);
}

static void a_kernel_that_does_not_build_prints_the_build_log(void **state) {
    (void)state;
    char dir[] = "/tmp/hetero-kernels-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[256];
    snprintf(file, sizeof file, "%s/vecadd.cl", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("__kernel void vecadd(__global float *a) { a[0] = undeclared_thing; }\n", f);
    fclose(f);
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --device=cpu --backend=opencl --kernels=%s " QUICK " vecadd",
                          dir),
        0);
    assert_int_equal(p.status, 1);
    assert_contains(p.err, "kernel vecadd.cl failed to build");
    assert_contains(p.err, "undeclared_thing");
    assert_string_equal(p.out, "");
    hx_proc_free(&p);
    /* a working copy in the directory is used instead of the embedded one */
    f = fopen(file, "w");
    assert_non_null(f);
    fputs("__kernel void vecadd(__global const float *a, __global const float *b,\n"
          "                     __global float *c, const uint n) {\n"
          "    for (uint k = 4 * get_global_id(0); k < n && k < 4 * get_global_id(0) + 4; k++)\n"
          "        c[k] = b[k] + a[k];\n"
          "}\n",
          f);
    fclose(f);
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --device=cpu --backend=opencl --kernels=%s " QUICK " vecadd",
                          dir),
        0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    unlink(file);
    rmdir(dir);
}

static void a_kernel_with_a_wrong_result_fails_verification(void **state) {
    (void)state;
    char dir[] = "/tmp/hetero-kernels-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[256];
    snprintf(file, sizeof file, "%s/vecadd.cl", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("__kernel void vecadd(__global const float *a, __global const float *b,\n"
          "                     __global float *c, const uint n) {\n"
          "    for (uint k = 4 * get_global_id(0); k < n && k < 4 * get_global_id(0) + 4; k++)\n"
          "        c[k] = (k == 77) ? a[k] : a[k] + b[k];\n"
          "}\n",
          f);
    fclose(f);
    hx_proc p;
    assert_int_equal(
        hx_run_hetero_cmd(&p, "run --device=cpu --backend=opencl --kernels=%s " QUICK " vecadd",
                          dir),
        0);
    assert_int_equal(p.status, 1);
    assert_contains(p.err, "verification failed: vecadd/opencl");
    assert_contains(p.out, "NO (err"); /* the row is still shown, marked */
    hx_proc_free(&p);
    unlink(file);
    rmdir(dir);
}

static void help_version_and_list(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --help"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "Usage: hetero run");
    assert_contains(p.out, "--backend=LIST");
    assert_contains(p.out, "--kernels=DIR");
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "--version"), 0);
    assert_int_equal(p.status, 0);
    assert_true(strncmp(p.out, "hetero ", 7) == 0);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "list --format=json"), 0);
    assert_int_equal(p.status, 0);
    jv *doc = jv_parse(p.out, NULL, 0);
    assert_non_null(doc);
    const jv *w = jv_at(jv_get(doc, "workloads"), 0);
    assert_string_equal(jv_get(w, "name")->string, "vecadd");
    assert_string_equal(jv_get(w, "size_unit")->string, "elements");
    assert_true(jv_get(w, "backends")->len >= 5);
    jv_free(doc);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "list"), 0);
    assert_contains(p.out, "vecadd");
    assert_contains(p.out, "--size counts");
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "list --help"), 0);
    assert_contains(p.out, "Usage: hetero list");
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_vecadd_backend_verifies_on_the_cpu_device),
        cmocka_unit_test(backend_list_selects_rows_and_serial_always_runs),
        cmocka_unit_test(all_memory_modes_give_one_row_each),
        cmocka_unit_test(csv_has_one_header_and_a_line_per_row),
        cmocka_unit_test(table_says_what_the_times_mean),
        cmocka_unit_test(output_file_is_written_whole),
        cmocka_unit_test(bad_input_gets_one_line_and_the_right_exit_code),
        cmocka_unit_test(missing_gpu_exits_3_listing_the_devices),
        cmocka_unit_test(a_kernel_that_does_not_build_prints_the_build_log),
        cmocka_unit_test(a_kernel_with_a_wrong_result_fails_verification),
        cmocka_unit_test(help_version_and_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
