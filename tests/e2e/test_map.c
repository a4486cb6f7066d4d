/*
 * test_map.c - `hetero map` end to end: the JSON report (hetero.map/1) of every policy on small
 * task sources, the sweep, decompose and comm reports, the timeline files, CSV, and every kind
 * of bad input refused with exit 2 and a line naming the bad value.  No timing is asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hx_test.h"

static const char *const policies[] = {
    "static-block", "static-cyclic", "dynamic",    "guided",      "manager-worker",
    "hierarchical", "work-stealing", "omp-static", "omp-dynamic", "omp-guided"};

static jv *map_json(const char *args) {
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "map --format=json --reps=1 --warmup=0 %s", args), 0);
    jv *doc = hx_expect_json(&p, 0);
    hx_proc_free(&p);
    return doc;
}

static double num(const jv *v, const char *path) {
    const jv *n = jv_path(v, path);
    if (!n || n->type != JV_NUMBER) {
        print_error("no number at %s\n", path);
        fail();
    }
    return n->number;
}

static void every_policy_reports_and_verifies(void **state) {
    (void)state;
    jv *doc = map_json("--tasks=mandelbrot --size=64 --iters=64 --workers=2");
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.map/1");
    assert_near(num(doc, "source.tasks"), 32, 0);
    const jv *rs = jv_get(doc, "results");
    assert_int_equal(rs->len, 10);
    for (size_t i = 0; i < rs->len; i++) {
        const jv *r = jv_at(rs, i);
        assert_string_equal(jv_get(r, "policy")->string, policies[i]);
        assert_true(jv_get(r, "verified")->boolean);
        assert_near(num(r, "tasks"), 32, 0);
        assert_near(num(r, "workers"), 2, 0);
        assert_true(num(r, "makespan_s") > 0.0);
        assert_true(num(r, "speedup") > 0.0);
        assert_true(num(r, "imbalance") >= 1.0 - 1e-9);
        assert_true(num(r, "idle_frac") >= 0.0 && num(r, "idle_frac") <= 1.0);
        assert_true(num(r, "overhead_ns_per_task") >= 0.0);
        const jv *pw = jv_get(r, "per_worker");
        assert_int_equal(pw->len, 2);
        assert_near(num(jv_at(pw, 0), "tasks") + num(jv_at(pw, 1), "tasks"), 32, 0);
        if (strcmp(policies[i], "work-stealing") != 0)
            assert_near(num(r, "steals"), 0, 0);
    }
    assert_near(num(jv_at(rs, 4), "managers"), 1, 0); /* manager-worker: one manager */
    assert_near(num(jv_at(rs, 5), "managers"), 2, 0); /* hierarchical: top + one group of 2 */
    assert_true(num(jv_at(rs, 4), "messages") >= 32 + 2);
    assert_near(num(jv_at(rs, 0), "managers"), 0, 0);
    jv_free(doc);
}

/* Work-stealing explores the tree from the root: its tasks are the nodes, the count verified. */
static void tree_from_the_root(void **state) {
    (void)state;
    jv *doc = map_json("--tasks=tree --tree=balanced --branch=3 --depth=5 --node-work=5 "
                       "--frontier=9 --workers=3 --policy=static-block,work-stealing");
    const jv *rs = jv_get(doc, "results");
    assert_int_equal(rs->len, 2);
    assert_near(num(jv_at(rs, 0), "tasks"), 9, 0);   /* the frontier: depth 2, 9 >= 9 nodes */
    assert_near(num(jv_at(rs, 1), "tasks"), 364, 0); /* (3^6 - 1) / 2 nodes */
    assert_true(jv_get(jv_at(rs, 1), "verified")->boolean);
    jv_free(doc);
    /* without --frontier: a level of at least 4 tasks per worker (12 for 3: depth 3, 27 nodes) */
    doc = map_json("--tasks=tree --tree=balanced --branch=3 --depth=5 --node-work=5 --workers=3 "
                   "--policy=static-block");
    assert_near(num(jv_at(jv_get(doc, "results"), 0), "tasks"), 27, 0);
    jv_free(doc);
}

static void sweep_decompose_comm(void **state) {
    (void)state;
    jv *doc = map_json("sweep --count=400 --cost=20 --chunk=1..16 --workers=2");
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.map-sweep/1");
    assert_int_equal(jv_get(doc, "results")->len, 10); /* 5 chunks x 2 policies */
    assert_true(num(doc, "best.dynamic") >= 1 && num(doc, "best.dynamic") <= 16);
    jv_free(doc);
    doc = map_json("decompose --blocks=16 --block-len=64 --workers=2");
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.map-decompose/1");
    for (size_t i = 0; i < 2; i++)
        assert_true(jv_get(jv_at(jv_get(doc, "results"), i), "verified")->boolean);
    assert_near(num(jv_at(jv_get(doc, "results"), 1), "threads"), 3, 0);
    jv_free(doc);
    doc = map_json("comm --blocks=8 --cells=64 --halo=4 --steps=10 --workers=2");
    assert_string_equal(jv_get(doc, "schema")->string, "hetero.map-comm/1");
    const jv *block = jv_at(jv_get(doc, "results"), 0), *cyclic = jv_at(jv_get(doc, "results"), 1);
    assert_near(num(block, "cross_edges"), 1, 0);
    assert_near(num(cyclic, "cross_edges"), 7, 0);
    assert_near(num(cyclic, "cross_bytes"), 7 * 2 * 4 * 4 * 10, 0); /* edges x 2 ways x H x 4 B */
    assert_true(jv_get(block, "verified")->boolean && jv_get(cyclic, "verified")->boolean);
    jv_free(doc);
}

static void csv_has_a_line_per_policy(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "map --tasks=synthetic --count=50 --cost=10 "
                                       "--reps=1 --warmup=0 --format=csv --policy=dynamic,guided"),
                     0);
    assert_int_equal(p.status, 0);
    assert_int_equal(hx_count_lines(p.out), 3);
    assert_contains(p.out, "\ndynamic,");
    hx_proc_free(&p);
}

static void gantt_files(void **state) {
    (void)state;
    char dir[] = "/tmp/hetero-map-XXXXXX", base[64], path[80];
    assert_non_null(mkdtemp(dir));
    snprintf(base, sizeof base, "%s/g", dir);
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "map --size=64 --iters=32 --reps=1 --warmup=0 "
                                       "--policy=static-block,dynamic --gantt=%s.svg",
                                       base),
                     0);
    if (p.status == 3) { /* no gnuplot here: the message says so */
        assert_contains(p.err, "gnuplot");
        hx_proc_free(&p);
        rmdir(dir);
        skip();
    }
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    static const char *const ext[] = {"csv", "png", "svg"};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s.%s", base, ext[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_size > 0);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/sweep.svg", dir); /* the sweep's U-curve */
    assert_int_equal(hx_run_hetero_cmd(&p,
                                       "map sweep --count=256 --cost=10 --chunk=1..8 --reps=1 "
                                       "--warmup=0 --plot=%s",
                                       path),
                     0);
    assert_int_equal(p.status, 0);
    hx_proc_free(&p);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
    unlink(path);
    rmdir(dir);
    setenv("HETERO_GNUPLOT", "/nonexistent/gnuplot", 1);
    assert_int_equal(hx_run_hetero_cmd(&p, "map --size=64 --gantt=%s", base), 0);
    unsetenv("HETERO_GNUPLOT");
    assert_int_equal(p.status, 3);
    assert_contains(p.err, "gnuplot");
    hx_proc_free(&p);
}

/* --device: the last worker runs its claims on the CPU OpenCL device; OpenMP's rows are left out
 * (said on stderr); every run still verified against the serial image. */
static void device_worker_joins_the_cpu_workers(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "map --format=json --reps=1 --warmup=0 --device=cpu "
                                           "--tasks=mandelbrot --size=96 --iters=64 --chunk=4"),
                     0);
    jv *doc = hx_expect_json(&p, 0);
    assert_contains(p.err, "leaving out omp-static, omp-dynamic and omp-guided");
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) /* --workers not given: a core left for PoCL */
        assert_contains(p.err, "is this CPU");
    hx_proc_free(&p);
    const jv *dev = jv_path(doc, "config.device");
    assert_true(dev && dev->type == JV_STRING && strlen(dev->string) > 0);
    const jv *rs = jv_get(doc, "results");
    assert_int_equal(rs->len, 7); /* the hand-written policies */
    for (size_t i = 0; i < rs->len; i++) {
        const jv *r = jv_at(rs, i);
        assert_string_equal(jv_get(r, "policy")->string, policies[i]);
        assert_true(jv_get(r, "verified")->boolean);
        const jv *pw = jv_get(r, "per_worker");
        size_t W = pw->len;
        assert_true(W >= 2);
        assert_near(num(r, "workers"), (double)W, 0);
        double tasks = 0;
        for (size_t w = 0; w < W; w++) {
            tasks += num(jv_at(pw, w), "tasks");
            assert_true(jv_get(jv_at(pw, w), "device")->boolean == (w == W - 1));
        }
        assert_near(tasks, 48, 0);
        const jv *d = jv_at(pw, W - 1);
        assert_near(num(d, "pu"), -1, 0);
        assert_near(num(d, "busy_s"), num(d, "task_s"), 1e-12);
    }
    jv_free(doc);
}

static void expect_usage(const char *args, const char *needle) {
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "map %s", args), 0);
    if (p.status != 2)
        print_error("hetero map %s: exit %d\nstderr: %s\n", args, p.status, p.err);
    assert_int_equal(p.status, 2);
    assert_contains(p.err, needle);
    assert_int_equal(hx_count_lines(p.err), 1);
    hx_proc_free(&p);
}

static void bad_input_exits_2(void **state) {
    (void)state;
    expect_usage("--policy=fastest", "work-stealing");
    expect_usage("--tasks=fractal", "mandelbrot-tiles");
    expect_usage("--chunk=0", "--chunk");
    expect_usage("--size=8 --workers=8", "more than the 4 tasks");
    expect_usage("--workers=2 --slow=5:2", "worker 5");
    expect_usage("--slow=1", "W:F");
    expect_usage("--blocks=4", "not an option of 'hetero map run'");
    expect_usage("shuffle", "decompose");
    expect_usage("--dist=gaussian", "bimodal");
    expect_usage("--victim=closest", "round-robin");
    expect_usage("--gantt=g --pin=maybe", "--pin");
    expect_usage("sweep --chunk=0..8", "--chunk");
    expect_usage("decompose --stages=1:2", "G:T:R");
    expect_usage("comm --blocks=2 --workers=3", "more than the 2 blocks");
    expect_usage("--nosuch=1", "unknown option --nosuch");
    expect_usage("--device=cpu --tasks=tree", "'tree' has no device kernel");
    expect_usage("--device=cpu --workers=1 --policy=omp-dynamic", "OpenMP's schedules");
    expect_usage("--device=cpu --workers=1 --slow=1:2", "only workers 0..0");
    expect_usage("--device=", "--device is empty");
    expect_usage("decompose --device=cpu", "not an option of 'hetero map decompose'");
}

static void help_lists_modes_and_source_options(void **state) {
    (void)state;
    hx_proc p;
    assert_int_equal(hx_run_hetero_cmd(&p, "map --help"), 0);
    assert_int_equal(p.status, 0);
    assert_contains(p.out, "sweep");
    assert_contains(p.out, "--node-work");
    assert_contains(p.out, "--victim");
    hx_proc_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_policy_reports_and_verifies),
        cmocka_unit_test(tree_from_the_root),
        cmocka_unit_test(sweep_decompose_comm),
        cmocka_unit_test(csv_has_a_line_per_policy),
        cmocka_unit_test(gantt_files),
        cmocka_unit_test(device_worker_joins_the_cpu_workers),
        cmocka_unit_test(bad_input_exits_2),
        cmocka_unit_test(help_lists_modes_and_source_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
