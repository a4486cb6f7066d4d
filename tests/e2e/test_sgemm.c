/*
 * test_sgemm.c - `hetero run sgemm` end to end: the --variant rows (every variant of simd and
 * omp-simd, each named in the table, the JSON and the CSV, each verified), the usage errors of
 * --variant, and the OpenCL tile autotuner (the first run on a device tunes and keeps its choice
 * in the tuning file under XDG_CACHE_HOME, the next run reads it; HETERO_SGEMM_OCL forces one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hx_test.h"

static const char *const variants[] = {"naive", "transposed", "blocked", "packed", "micro-kernel"};

static void every_variant_is_a_verified_row(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --format=json --backend=simd,omp-simd "
                                           "--variant=all --size=37 --reps=1 --warmup=0 sgemm"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *rs = jv_get(doc, "results");
    assert_int_equal(rs->len, 1 + 2 * 5);
    assert_string_equal(jv_get(jv_at(rs, 0), "backend")->string, "serial");
    assert_null(jv_get(jv_at(rs, 0), "variant"));
    for (size_t i = 1; i < rs->len; i++) {
        const jv *r = jv_at(rs, i);
        assert_string_equal(jv_get(r, "backend")->string, i <= 5 ? "simd" : "omp-simd");
        assert_string_equal(jv_get(r, "variant")->string, variants[(i - 1) % 5]);
        assert_true(jv_get(r, "verified")->boolean);
    }
    jv_free(doc);
    hx_proc_free(&p);
}

static void a_variant_list_names_its_rows_in_table_and_csv(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --backend=omp-simd --variant=packed,naive "
                                           "--size=20 --reps=1 --warmup=0 sgemm"),
                     0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "omp-simd (naive)");
    assert_contains(p.out, "omp-simd (packed)");
    assert_true(strstr(p.out, "micro-kernel") == NULL);
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "run --format=csv --backend=omp-simd "
                                           "--variant=blocked --size=20 --reps=1 --warmup=0 sgemm"),
                     0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "threads_per_rank,variant,");
    assert_contains(p.out, ",blocked,");
    hx_proc_free(&p);
}

static void without_variant_only_the_default_runs(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --format=json --backend=simd --size=9 --reps=1 "
                                           "--warmup=0 sgemm"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    const jv *rs = jv_get(doc, "results");
    assert_int_equal(rs->len, 2);
    assert_string_equal(jv_get(jv_at(rs, 1), "variant")->string, "micro-kernel");
    jv_free(doc);
    hx_proc_free(&p);
}

static void bad_variants_are_usage_errors(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "run --variant=packed,bogus --size=9 sgemm"), 0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "'bogus'");
    assert_contains(p.err, "naive, transposed, blocked, packed, micro-kernel, all");
    hx_proc_free(&p);
    assert_int_equal(hx_run_hetero_cmd(&p, "run --variant=naive --size=9 vecadd"), 0);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, "none of the chosen workloads has variants");
    hx_proc_free(&p);
}

/* ---- the OpenCL autotuner -------------------------------------------------------------------- */

static char cache_dir[256];

static int fresh_cache(void **state) {
    (void)state;
    snprintf(cache_dir, sizeof cache_dir, "/tmp/hetero-test-sgemm-%ld", (long)getpid());
    if (mkdir(cache_dir, 0755) != 0)
        return -1;
    setenv("XDG_CACHE_HOME", cache_dir, 1);
    return 0;
}

static int drop_cache(void **state) {
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/hetero/ocl-tuning.txt", cache_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/hetero", cache_dir);
    rmdir(path);
    rmdir(cache_dir);
    return 0;
}

static char *read_all(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void the_first_run_tunes_and_the_next_reads_the_choice(void **state) {
    (void)state;
    hx_proc p;
    const char *cmd = "run --device=cpu --backend=opencl --size=40 --reps=1 --warmup=0 sgemm";
    assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmd), 0);
    if (p.status == 3) { /* no OpenCL CPU device */
        hx_proc_free(&p);
        skip();
    }
    assert_int_equal(p.status, 0);
    assert_contains(p.err, "timing the OpenCL tile configurations");
    assert_contains(p.err, "sgemm: using packed-");
    assert_contains(p.out, "tile_rows=");
    hx_proc_free(&p);
    char path[512];
    snprintf(path, sizeof path, "%s/hetero/ocl-tuning.txt", cache_dir);
    const char *text = read_all(path);
    assert_non_null(text);
    assert_contains(text, "hetero-ocl-tuning 1\n");
    assert_contains(text, "sgemm-tiles/3\t");
    assert_contains(text, "\tpacked-");

    assert_int_equal(hx_run_hetero_cmd(&p, "%s", cmd), 0);
    assert_int_equal(p.status, 0);
    assert_true(strstr(p.err, "timing the OpenCL tile") == NULL);
    hx_proc_free(&p);

    /* forced: the local-memory kernel on the CPU device, named in the row */
    setenv("HETERO_SGEMM_OCL", "local-64x64-8x8", 1);
    assert_int_equal(hx_run_hetero_cmd(&p, "%s --format=json", cmd), 0);
    unsetenv("HETERO_SGEMM_OCL");
    jv *doc = hx_expect_json(&p, 0);
    const jv *r = jv_at(jv_get(doc, "results"), 1);
    assert_true(jv_get(r, "verified")->boolean);
    assert_near(jv_get(r, "local_memory")->number, 1, 0);
    assert_near(jv_get(r, "tile_rows")->number, 8, 0);
    jv_free(doc);
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest cpu[] = {
        cmocka_unit_test(every_variant_is_a_verified_row),
        cmocka_unit_test(a_variant_list_names_its_rows_in_table_and_csv),
        cmocka_unit_test(without_variant_only_the_default_runs),
        cmocka_unit_test(bad_variants_are_usage_errors),
    };
    const struct CMUnitTest tuning[] = {
        cmocka_unit_test(the_first_run_tunes_and_the_next_reads_the_choice),
    };
    int failed = cmocka_run_group_tests(cpu, NULL, NULL);
    return failed + cmocka_run_group_tests(tuning, fresh_cache, drop_cache);
}
