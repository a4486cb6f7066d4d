/*
 * test_mpi_bodies.c - every workload's distributed body, run in this process as a one-rank
 * singleton job, must verify against serial: at the workload's test size, in every variant, at
 * every SIMD level this CPU has.  (More ranks need mpirun: tests/e2e/test_mpi.c runs 2, 3 and 4.)
 * Also: the plan checks that refuse a grid or a size the ranks cannot split.
 */
#include "hx_test.h"

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/job.h"

#ifdef HETERO_HAVE_MPI
#include "hetero/mpi/mpi.h"

static const hx_measure_opts quick = {.reps = 2, .warmup = 1};

static int start_job(void **state) {
    (void)state;
    return hx_engine_start(true) == HX_OK ? 0 : -1;
}

static int stop_job(void **state) {
    (void)state;
    return hx_engine_stop(HX_OK) == HX_OK ? 0 : -1;
}

static size_t check_variants(hx_instance *in, const hx_mpi_spec *spec) {
    const hx_workload *w = in->problem.workload;
    int variants[8];
    size_t n = hx_mpi_rows_variants(w, spec, variants, 8);
    for (size_t v = 0; v < n; v++) {
        hx_target t = {.mpi = spec, .mpi_variant = variants[v]};
        hx_result r;
        int status = hx_measure(in, HX_BACKEND_MPI, &t, &quick, &r);
        if (status != HX_OK)
            print_error("%s/mpi [%s]: %s\n", w->name, hx_mpi_variant_name(w, variants[v]),
                        hx_error_message());
        assert_int_equal(status, HX_OK);
        if (!r.verified)
            print_error("%s/mpi [%s]: max error %g > tolerance %g\n", w->name, r.variant,
                        r.max_rel_err, r.tolerance);
        assert_true(r.verified);
        assert_int_equal(r.ranks, 1);
        assert_string_equal(r.variant, hx_mpi_variant_name(w, variants[v]));
        assert_true(r.has_e2e && r.e2e.median >= r.time.median * 0.999);
        assert_true(r.pe >= 1);
    }
    return n;
}

static void every_distributed_body_verifies_on_one_rank(void **state) {
    (void)state;
    hx_simd_level best = hx_cpu()->simd_max;
    size_t rows = 0, bodies = 0;
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        if (!hx_workload_has(w, HX_BACKEND_MPI))
            continue;
        bodies++;
        for (int level = (int)best; level >= HX_SIMD_SCALAR; level--) {
            assert_int_equal(hx_cpu_set_simd((hx_simd_level)level), HX_OK);
            hx_instance in;
            uint64_t size = w->test_size ? w->test_size : w->min_size;
            assert_int_equal(hx_instance_init(&in, w, size, 7, 2, NULL), HX_OK);
            hx_result serial;
            assert_int_equal(hx_measure(&in, HX_BACKEND_SERIAL, NULL, &quick, &serial), HX_OK);
            hx_mpi_spec spec = {.threads = level == (int)best ? 3 : 1}; /* uneven thread shares */
            rows += check_variants(&in, &spec);
            hx_instance_free(&in);
        }
    }
    hx_cpu_set_simd(best);
    fprintf(stderr, "%zu workloads with a distributed body, %zu rows verified\n", bodies, rows);
    assert_true(bodies >= 8); /* vecadd triad reduce dot sgemm stencil2d histogram scan mandel. */
    assert_true(rows >= 2 * bodies);
}

static void a_grid_the_ranks_cannot_fill_is_refused(void **state) {
    (void)state;
    hx_mpi_spec spec = {.grid = {2, 1}}; /* 2 places, a job of 1 rank */
    const hx_workload *w = hx_workload_find("stencil2d");
    assert_int_equal(hx_mpi_rows_check(w, 61, NULL, &spec), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--grid 2x1 has 2 places but the job has 1 ranks");
    spec = (hx_mpi_spec){.ranks = 4, .grid = {4, 1}};
    assert_int_equal(hx_mpi_rows_check(w, 3, NULL, &spec), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "too small for a 4x1 grid");
    spec.grid[0] = spec.grid[1] = 0; /* MPI_Dims_create: 2x2 fits a 3 x 3 grid */
    assert_int_equal(hx_mpi_rows_check(w, 3, NULL, &spec), HX_OK);
}

static void a_size_below_the_ranks_is_refused(void **state) {
    (void)state;
    hx_mpi_spec spec = {.ranks = 3};
    const char *names[] = {"vecadd", "dot", "sgemm", "scan", "histogram", "mandelbrot"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const hx_workload *w = hx_workload_find(names[i]);
        assert_int_equal(hx_mpi_rows_check(w, 2, NULL, &spec), HX_ERR_USAGE);
        assert_contains(hx_error_message(), "too small for 3 ranks");
        assert_int_equal(hx_mpi_rows_check(w, 3, NULL, &spec), HX_OK);
    }
}

static void variants_are_chosen_by_name(void **state) {
    (void)state;
    const hx_workload *w = hx_workload_find("mandelbrot");
    hx_mpi_spec spec = {.variants = "dynamic,cyclic"};
    int v[8];
    assert_int_equal(hx_mpi_rows_variants(w, &spec, v, 8), 2);
    assert_string_equal(hx_mpi_variant_name(w, v[0]), "cyclic");
    assert_string_equal(hx_mpi_variant_name(w, v[1]), "dynamic");
    spec.variants = NULL; /* every variant but the ones that need --device */
    assert_int_equal(hx_mpi_rows_variants(hx_workload_find("vecadd"), &spec, v, 8), 1);
    const hx_workload *ws[] = {w, hx_workload_find("dot")};
    spec.variants = "tree,overlap";
    assert_int_equal(hx_mpi_rows_check_variants(ws, 2, &spec), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--mpi-variant 'overlap' is not a variant");
    assert_contains(hx_error_message(), "dot/tree");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_distributed_body_verifies_on_one_rank),
        cmocka_unit_test(a_grid_the_ranks_cannot_fill_is_refused),
        cmocka_unit_test(a_size_below_the_ranks_is_refused),
        cmocka_unit_test(variants_are_chosen_by_name),
    };
    return cmocka_run_group_tests(tests, start_job, stop_job);
}

#else

int main(void) {
    fputs("this build has no MPI\n", stderr);
    return HX_SKIP;
}

#endif
