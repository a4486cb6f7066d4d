/*
 * test_map_policies.c - every hand-written mapping policy of hetero map computes the right
 * answer, with 1, 2, 3 and 7 workers, on every task source: the image, y = A x and the synthetic
 * results bit for bit against serial, the tree's node count and checksum.  Also: each task runs
 * exactly once (the per-worker counts add up), manager-worker sends at least one message per
 * chunk, work-stealing with every victim rule, --slow, and the bad configurations refused.
 * Runs under ThreadSanitizer too (the OpenMP rows are in test_map_omp.c, which TSan skips).
 */
#include "hetero/core/error.h"
#include "hetero/map/map.h"
#include "hx_test.h"

static const unsigned worker_counts[] = {1, 2, 3, 7};

static void small_params(hx_map_params *p) {
    hx_map_params_default(p);
    p->width = 64;
    p->iters = 64;
    p->tile = 8;
    p->count = 300;
    p->cost = 300;
    p->node_work = 10;
    p->frontier = 8;
    p->rows = 400;
}

static void open_source(const char *name, hx_map_params *p, hx_map_source *s, hx_map_exec *ref) {
    int status = hx_map_source_open(name, p, s);
    if (status != HX_OK)
        print_error("%s: %s\n", name, hx_error_message());
    assert_int_equal(status, HX_OK);
    (void)hx_map_source_serial(s, ref);
}

/* One run of policy p on s; checks the answer and that every task ran once. */
static void check_run(hx_map_source *s, hx_map_policy p, const hx_map_config *c,
                      const hx_map_exec *ref) {
    hx_map_run run;
    s->kind->begin(s, false);
    int status = hx_map_run_policy(s, p, c, &run);
    if (status != HX_OK)
        print_error("%s on %s: %s\n", hx_map_policy_names[p], s->kind->name, hx_error_message());
    assert_int_equal(status, HX_OK);
    hx_map_check check;
    bool from_root = s->spawns && p == HX_MAP_WORK_STEALING;
    s->kind->verify(s, &run.total, from_root, &check);
    if (!check.ok)
        print_error("%s, %u workers, chunk %llu on %s: %s\n", hx_map_policy_names[p], c->workers,
                    (unsigned long long)c->chunk, s->describe, check.detail);
    assert_true(check.ok);
    uint64_t tasks = 0;
    for (unsigned i = 0; i < run.workers; i++)
        tasks += run.w[i].tasks;
    assert_int_equal(tasks, run.tasks);
    if (from_root) /* the deque's tasks: a node each, and the subtrees searched without it */
        assert_true(run.tasks >= 1 && run.tasks <= ref->units);
    else
        assert_int_equal(run.tasks, s->ntasks);
    assert_int_equal(run.workers, c->workers);
    assert_true(run.makespan_s > 0.0);
    assert_true(hx_map_imbalance(&run) >= 1.0 - 1e-9);
    if (p == HX_MAP_MANAGER_WORKER) {
        uint64_t chunks = (s->ntasks + c->chunk - 1) / c->chunk;
        assert_true(run.messages >= chunks + c->workers); /* one per chunk, one "no more" each */
        assert_int_equal(run.managers, 1);
    }
    if (p == HX_MAP_HIERARCHICAL)
        assert_int_equal(run.managers, 1 + (c->workers + c->group - 1) / c->group);
    if (p != HX_MAP_WORK_STEALING)
        for (unsigned i = 0; i < run.workers; i++)
            assert_int_equal(run.w[i].steals, 0);
    hx_map_run_free(&run);
}

static void every_policy_on(const char *name, void (*tweak)(hx_map_params *)) {
    hx_map_params p;
    small_params(&p);
    if (tweak)
        tweak(&p);
    hx_map_source s;
    hx_map_exec ref;
    open_source(name, &p, &s, &ref);
    for (size_t k = 0; k < sizeof worker_counts / sizeof worker_counts[0]; k++) {
        hx_map_config c;
        hx_map_config_default(&c);
        c.workers = worker_counts[k];
        for (int pol = 0; pol < HX_MAP_POLICY_COUNT; pol++) {
            if (hx_map_policy_is_omp((hx_map_policy)pol))
                continue;
            c.chunk = 1;
            c.prefetch = false;
            check_run(&s, (hx_map_policy)pol, &c, &ref);
            c.chunk = 3;
            c.prefetch = true;
            c.victim = (hx_map_victim)(k % 3);
            check_run(&s, (hx_map_policy)pol, &c, &ref);
        }
    }
    hx_map_source_close(&s);
}

static void mandelbrot_rows(void **state) {
    (void)state;
    every_policy_on("mandelbrot", NULL);
}

static void mandelbrot_tiles(void **state) {
    (void)state;
    every_policy_on("mandelbrot-tiles", NULL);
}

static void synthetic_all_distributions(void **state) {
    (void)state;
    for (int d = 0; d < HX_MAP_DIST_COUNT; d++) {
        hx_map_params p;
        small_params(&p);
        p.dist = (hx_map_dist)d;
        hx_map_source s;
        hx_map_exec ref;
        open_source("synthetic", &p, &s, &ref);
        hx_map_config c;
        hx_map_config_default(&c);
        for (size_t k = 0; k < sizeof worker_counts / sizeof worker_counts[0]; k++) {
            c.workers = worker_counts[k];
            for (int pol = 0; pol <= HX_MAP_WORK_STEALING; pol++)
                check_run(&s, (hx_map_policy)pol, &c, &ref);
        }
        hx_map_source_close(&s);
    }
}

static void binomial(hx_map_params *p) {
    p->tree = HX_MAP_TREE_BINOMIAL;
    p->branch = 40;
    p->m = 4;
    p->q = 0.2;
}
static void geometric(hx_map_params *p) {
    p->tree = HX_MAP_TREE_GEOMETRIC;
    p->branch = 3;
    p->depth = 6;
}
static void balanced(hx_map_params *p) {
    p->tree = HX_MAP_TREE_BALANCED;
    p->branch = 4;
    p->depth = 4;
}

static void tree_binomial(void **state) {
    (void)state;
    every_policy_on("tree", binomial);
}

static void tree_geometric(void **state) {
    (void)state;
    every_policy_on("tree", geometric);
}

/* The balanced tree's count is known in closed form: 1 + 4 + ... + 4^4 = 341. */
static void tree_balanced(void **state) {
    (void)state;
    hx_map_params p;
    small_params(&p);
    balanced(&p);
    hx_map_source s;
    hx_map_exec ref;
    open_source("tree", &p, &s, &ref);
    assert_int_equal(ref.units, 341);
    assert_int_equal(s.ntasks, 16); /* the first level of >= 8 nodes: depth 2 */
    assert_int_equal(s.above_units, 5);
    hx_map_source_close(&s);
    every_policy_on("tree", balanced);
}

static void spmv_rows(void **state) {
    (void)state;
    every_policy_on("spmv", NULL);
}

/* A slow worker still leaves the answer right, and does fewer tasks under dynamic. */
static void slow_worker(void **state) {
    (void)state;
    hx_map_params p;
    small_params(&p);
    p.dist = HX_MAP_DIST_UNIFORM;
    p.cost = 3000;
    hx_map_source s;
    hx_map_exec ref;
    open_source("synthetic", &p, &s, &ref);
    hx_map_config c;
    hx_map_config_default(&c);
    c.workers = 2;
    assert_int_equal(hx_map_parse_slow("1:4", &c), HX_OK);
    assert_near(c.slow[1], 4.0, 0);
    for (int pol = 0; pol <= HX_MAP_WORK_STEALING; pol++)
        check_run(&s, (hx_map_policy)pol, &c, &ref);
    assert_int_equal(hx_map_parse_slow("2:4", &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "worker 2");
    assert_int_equal(hx_map_parse_slow("1", &c), HX_ERR_USAGE);
    assert_int_equal(hx_map_parse_slow("0:0.5", &c), HX_ERR_USAGE);
    hx_map_source_close(&s);
}

/* The timeline holds every task once when recording at full resolution. */
static void timeline_records_every_task(void **state) {
    (void)state;
    hx_map_params p;
    small_params(&p);
    hx_map_source s;
    hx_map_exec ref;
    open_source("mandelbrot", &p, &s, &ref);
    hx_map_config c;
    hx_map_config_default(&c);
    c.workers = 3;
    c.record = true;
    c.record_resolution_s = 0.0;
    hx_map_run run;
    s.kind->begin(&s, false);
    assert_int_equal(hx_map_run_policy(&s, HX_MAP_DYNAMIC, &c, &run), HX_OK);
    uint64_t recorded = 0;
    for (unsigned w = 0; w < run.workers; w++)
        for (size_t k = 0; k < run.w[w].niv; k++) {
            recorded += run.w[w].iv[k].count;
            assert_true(run.w[w].iv[k].end >= run.w[w].iv[k].start);
            assert_true(run.w[w].iv[k].end <= run.makespan_s * 1.0001 + 1e-6);
        }
    assert_int_equal(recorded, s.ntasks);
    hx_map_run_free(&run);
    hx_map_source_close(&s);
}

static void bad_configurations(void **state) {
    (void)state;
    hx_map_params p;
    small_params(&p);
    hx_map_source s;
    assert_int_equal(hx_map_source_open("mandel", &p, &s), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "mandelbrot-tiles");
    p.width = 8; /* 4 rows */
    hx_map_exec ref;
    open_source("mandelbrot", &p, &s, &ref);
    hx_map_config c;
    hx_map_config_default(&c);
    c.workers = 5;
    assert_int_equal(hx_map_config_check(&s, HX_MAP_DYNAMIC, &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "more than the 4 tasks");
    c.workers = 2;
    c.chunk = 0;
    assert_int_equal(hx_map_config_check(&s, HX_MAP_DYNAMIC, &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "--chunk=0");
    hx_map_source_close(&s);
    bool known;
    assert_int_equal(hx_map_param_set(&p, "dist", "gaussian", &known), HX_ERR_USAGE);
    assert_true(known);
    assert_contains(hx_error_message(), "pareto");
    assert_int_equal(hx_map_param_set(&p, "nosuch", "1", &known), HX_OK);
    assert_false(known);
    p.tree = HX_MAP_TREE_BINOMIAL;
    p.m = 8;
    p.q = 0.2;
    assert_int_equal(hx_map_source_open("tree", &p, &s), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "q m");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mandelbrot_rows),
        cmocka_unit_test(mandelbrot_tiles),
        cmocka_unit_test(synthetic_all_distributions),
        cmocka_unit_test(tree_binomial),
        cmocka_unit_test(tree_geometric),
        cmocka_unit_test(tree_balanced),
        cmocka_unit_test(spmv_rows),
        cmocka_unit_test(slow_worker),
        cmocka_unit_test(timeline_records_every_task),
        cmocka_unit_test(bad_configurations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
