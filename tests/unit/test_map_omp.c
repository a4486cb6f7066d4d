/*
 * test_map_omp.c - hetero map's OpenMP reference rows (omp-static, omp-dynamic, omp-guided)
 * compute the right answer with 1, 2, 3 and 7 threads, and count every task once.  Kept apart
 * from test_map_policies.c because libgomp is not instrumented for ThreadSanitizer: the TSan
 * run leaves this file out.
 */
#include "hetero/core/error.h"
#include "hetero/map/map.h"
#include "hx_test.h"

static void omp_rows_on(const char *name, void (*tweak)(hx_map_params *)) {
    hx_map_params p;
    hx_map_params_default(&p);
    p.width = 64;
    p.iters = 64;
    p.count = 200;
    p.cost = 200;
    p.rows = 300;
    p.node_work = 5;
    p.frontier = 8;
    if (tweak)
        tweak(&p);
    hx_map_source s;
    assert_int_equal(hx_map_source_open(name, &p, &s), HX_OK);
    hx_map_exec ref;
    (void)hx_map_source_serial(&s, &ref);
    static const unsigned workers[] = {1, 2, 3, 7};
    for (size_t k = 0; k < 4; k++)
        for (int pol = HX_MAP_OMP_STATIC; pol <= HX_MAP_OMP_GUIDED; pol++) {
            hx_map_config c;
            hx_map_config_default(&c);
            c.workers = workers[k];
            c.chunk = 1 + k;
            hx_map_run run;
            s.kind->begin(&s, false);
            assert_int_equal(hx_map_run_policy(&s, (hx_map_policy)pol, &c, &run), HX_OK);
            hx_map_check check;
            s.kind->verify(&s, &run.total, false, &check);
            if (!check.ok)
                print_error("%s on %s: %s\n", hx_map_policy_names[pol], name, check.detail);
            assert_true(check.ok);
            assert_int_equal(run.tasks, s.ntasks);
            assert_int_equal(run.workers, workers[k]);
            assert_true(hx_map_overhead_ns(&run) >= 0.0);
            hx_map_run_free(&run);
        }
    hx_map_source_close(&s);
}

static void geometric(hx_map_params *p) {
    p->branch = 3;
    p->depth = 6;
}

static void every_source(void **state) {
    (void)state;
    omp_rows_on("mandelbrot", NULL);
    omp_rows_on("synthetic", NULL);
    omp_rows_on("spmv", NULL);
    omp_rows_on("tree", geometric);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_source)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
