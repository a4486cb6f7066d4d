/*
 * test_devices_cache.c - the per-machine survey cache: where it lives, how its key follows the
 * identity of the CPU, kernel, devices, platforms and drivers, and that a stale file is ignored
 * (test_survey_trust.c: the notices and the plausibility rules).  The surveys are
 * made up, so no device is touched.
 */
#include <stdlib.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/survey/survey.h"
#include "hx_test.h"

static void fake_survey(hx_survey *s, const char *gpu_driver) {
    memset(s, 0, sizeof *s);
    hx_device_record *h = hx_survey_add(s, "host");
    snprintf(h->name, sizeof h->name, "Example CPU 9000");
    snprintf(h->id, sizeof h->id, "host");
    snprintf(h->driver, sizeof h->driver, "Linux 6.1.0");
    hx_device_record *c = hx_survey_add(s, "opencl");
    snprintf(c->name, sizeof c->name, "pthread-example");
    snprintf(c->driver, sizeof c->driver, "3.1");
    snprintf(c->version, sizeof c->version, "OpenCL 3.0 PoCL");
    hx_device_record *g = hx_survey_add(s, "opencl");
    snprintf(g->name, sizeof g->name, "Example GPU\twith a tab");
    snprintf(g->driver, sizeof g->driver, "%s", gpu_driver);
    snprintf(g->platform, sizeof g->platform, "NVIDIA CUDA");
    snprintf(g->version, sizeof g->version, "OpenCL 3.0 CUDA");
}

static void set_figure(hx_device_record *r, hx_figure_id k, double med, double mn, double mx) {
    r->fig[k].measured = true;
    r->fig[k].stats.n = 5;
    r->fig[k].stats.median = med;
    r->fig[k].stats.min = mn;
    r->fig[k].stats.max = mx;
    snprintf(r->fig[k].note, sizeof r->fig[k].note, "note of %s", hx_figure_info(k)->key);
    r->benched = true;
}

static void key_follows_drivers_not_order(void **state) {
    (void)state;
    hx_survey a, b, c;
    fake_survey(&a, "550.54");
    fake_survey(&b, "550.54");
    fake_survey(&c, "555.10");
    char ia[2048], ib[2048], ic[2048];
    /* swap the two OpenCL records of b: same machine, other platform order */
    hx_device_record tmp = b.dev[1];
    b.dev[1] = b.dev[2];
    b.dev[2] = tmp;
    hx_survey_identity(&a, ia, sizeof ia);
    hx_survey_identity(&b, ib, sizeof ib);
    hx_survey_identity(&c, ic, sizeof ic);
    assert_string_equal(ia, ib);
    assert_contains(ia, "cpu=Example CPU 9000");
    assert_contains(ia, "kernel=Linux 6.1.0");
    assert_contains(ia, "opencl=Example GPU with a tab|NVIDIA CUDA|550.54|OpenCL 3.0 CUDA");
    assert_true(hx_survey_key(ia) == hx_survey_key(ib));
    assert_true(hx_survey_key(ia) != hx_survey_key(ic));
    assert_true(hx_survey_key("") == 14695981039346656037ull); /* FNV-1a offset basis */
    hx_survey_free(&a);
    hx_survey_free(&b);
    hx_survey_free(&c);
}

static void cache_path_prefers_absolute_xdg(void **state) {
    (void)state;
    char path[512];
    setenv("XDG_CACHE_HOME", "/tmp/xdg-example", 1);
    setenv("HOME", "/home/example", 1);
    assert_int_equal(hx_survey_cache_path(path, sizeof path), HX_OK);
    assert_string_equal(path, "/tmp/xdg-example/hetero/survey.txt");
    setenv("XDG_CACHE_HOME", "relative/dir", 1); /* the XDG spec says: ignore relative paths */
    assert_int_equal(hx_survey_cache_path(path, sizeof path), HX_OK);
    assert_string_equal(path, "/home/example/.cache/hetero/survey.txt");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    assert_int_equal(hx_survey_cache_path(path, sizeof path), HX_ERR_RUNTIME);
}

static void saved_figures_load_back_until_a_driver_changes(void **state) {
    (void)state;
    char dir[] = "/tmp/hetero-cache-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/sub/dir/survey.txt", dir);

    hx_survey s;
    fake_survey(&s, "550.54");
    set_figure(&s.dev[0], HX_FIG_TRIAD_GBPS, 25.5, 24.0, 26.25);
    s.dev[0].clock.mhz = 3000.5;
    snprintf(s.dev[0].clock.confidence, sizeof s.dev[0].clock.confidence, "high");
    set_figure(&s.dev[2], HX_FIG_FP32_GFLOPS, 30000.0, 29000.0, 31000.0);
    hx_mem_level *l = &s.dev[0].levels[s.dev[0].nlevels++];
    *l = (hx_mem_level){"L2",  1 << 20, 2,    196608, 98304,  524288, 4.25,
                        240.5, 465.25,  99.5, NAN,    225.75, 438.5};
    assert_int_equal(hx_survey_cache_save(&s, path), HX_OK);

    hx_survey same;
    hx_cache_state cs;
    fake_survey(&same, "550.54");
    assert_int_equal(hx_survey_cache_load(&same, path, &cs), HX_OK);
    assert_int_equal(cs, HX_CACHE_LOADED);
    assert_true(same.dev[0].benched);
    assert_true(same.dev[0].fig[HX_FIG_TRIAD_GBPS].measured);
    assert_near(same.dev[0].fig[HX_FIG_TRIAD_GBPS].stats.median, 25.5, 0.0);
    assert_near(same.dev[0].fig[HX_FIG_TRIAD_GBPS].stats.min, 24.0, 0.0);
    assert_near(same.dev[0].fig[HX_FIG_TRIAD_GBPS].stats.max, 26.25, 0.0);
    assert_int_equal(same.dev[0].fig[HX_FIG_TRIAD_GBPS].stats.n, 5);
    assert_string_equal(same.dev[0].fig[HX_FIG_TRIAD_GBPS].note, "note of triad_gbps");
    assert_near(same.dev[0].clock.mhz, 3000.5, 0.0);
    assert_string_equal(same.dev[0].clock.confidence, "high");
    assert_false(same.dev[0].fig[HX_FIG_COPY_GBPS].measured);
    assert_int_equal(same.dev[0].nlevels, 1); /* every field of a level comes back */
    const hx_mem_level *got = &same.dev[0].levels[0];
    assert_string_equal(got->name, "L2");
    assert_int_equal(got->bytes, 1 << 20);
    assert_int_equal(got->instances, 2);
    assert_int_equal(got->test_bytes, 196608);
    assert_int_equal(got->test_bytes_1t, 98304);
    assert_int_equal(got->latency_bytes, 524288);
    assert_near(got->latency_ns, 4.25, 0);
    assert_near(got->read_1t, 240.5, 0);
    assert_near(got->read_all, 465.25, 0);
    assert_near(got->write_1t, 99.5, 0);
    assert_true(isnan(got->write_all));
    assert_near(got->copy_1t, 225.75, 0);
    assert_near(got->copy_all, 438.5, 0);
    assert_false(same.dev[1].benched);
    assert_near(same.dev[2].fig[HX_FIG_FP32_GFLOPS].stats.median, 30000.0, 0.0);

    hx_survey newer;
    fake_survey(&newer, "555.10"); /* driver update: the cache is stale */
    assert_int_equal(hx_survey_cache_load(&newer, path, &cs), HX_OK);
    assert_int_equal(cs, HX_CACHE_FOREIGN);
    assert_false(newer.dev[0].benched);
    assert_false(newer.dev[2].fig[HX_FIG_FP32_GFLOPS].measured);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.txt", dir);
    assert_int_equal(hx_survey_cache_load(&newer, missing, &cs), HX_OK);
    assert_int_equal(cs, HX_CACHE_NONE);

    remove(path);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub/dir", dir);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    rmdir(sub);
    rmdir(dir);
    hx_survey_free(&s);
    hx_survey_free(&same);
    hx_survey_free(&newer);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_follows_drivers_not_order),
        cmocka_unit_test(cache_path_prefers_absolute_xdg),
        cmocka_unit_test(saved_figures_load_back_until_a_driver_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
