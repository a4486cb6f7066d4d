/*
 * test_devices_survey.c - the survey of this machine through the library: the host record from
 * cpuid + hwloc and the OpenCL records have sane values, and the three writers agree on them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"
#include "hx_test.h"

static void host_record_is_sane(void **state) {
    (void)state;
    hx_survey s;
    hx_ocl_device *devs = NULL;
    size_t ndevs = 0;
    assert_int_equal(hx_survey_build(&s, &devs, &ndevs), HX_OK);
    assert_int_equal(s.n, ndevs + 1);
    const hx_device_record *h = &s.dev[0];
    assert_string_equal(h->kind, "host");
    assert_string_equal(h->id, "host");
    assert_true(h->compute_units >= 1);
    assert_true(h->threads >= h->compute_units);
    assert_true(h->numa_nodes >= 1);
    assert_true(h->global_mem >= ((uint64_t)64 << 20));
    assert_true(h->ncaches >= 1);
    for (size_t i = 0; i < h->ncaches; i++) {
        assert_true(h->caches[i].bytes >= 1024);
        assert_true(h->caches[i].level >= 1 && h->caches[i].level <= 4);
        assert_true(h->caches[i].instances >= 1);
    }
    assert_true(h->vec_float >= 1);
    assert_true(h->flynn[0] && h->memory[0]);
    assert_false(h->benched);
    for (size_t i = 0; i < ndevs; i++) {
        const hx_device_record *r = &s.dev[i + 1];
        char id[32];
        snprintf(id, sizeof id, "opencl:%u:%u", devs[i].platform_index, devs[i].device_index);
        assert_string_equal(r->kind, "opencl");
        assert_string_equal(r->id, id);
        assert_string_equal(r->name, devs[i].name);
        assert_true(r->compute_units >= 1);
        assert_true(r->max_alloc >= 1 && r->max_alloc <= r->global_mem);
        assert_true(r->flynn[0] && r->memory[0]);
        /* SVM bits are only reported from 2.0, atomic capabilities from 3.0 */
        if (r->cl_major < 2)
            assert_false(r->svm_coarse || r->svm_fine_buffer);
        if (r->cl_major < 3)
            assert_false(r->has_atomic_caps);
    }
    free(devs);
    hx_survey_free(&s);
}

static char *write_to_string(const hx_survey *s, hx_format fmt) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(hx_survey_write(f, fmt, s), HX_OK);
    fclose(f);
    return buf;
}

static void writers_agree_on_the_records(void **state) {
    (void)state;
    hx_survey s;
    hx_ocl_device *devs = NULL;
    size_t ndevs = 0;
    assert_int_equal(hx_survey_build(&s, &devs, &ndevs), HX_OK);
    /* one made-up figure on the host, to see it in every format */
    s.dev[0].benched = true;
    s.dev[0].fig[HX_FIG_TRIAD_GBPS].measured = true;
    s.dev[0].fig[HX_FIG_TRIAD_GBPS].stats =
        (hx_stats){.n = 3, .median = 12.5, .min = 12.0, .max = 13.0, .mean = 12.5, .stddev = 0.5};

    char *json = write_to_string(&s, HX_FORMAT_JSON);
    char err[128];
    jv *doc = jv_parse(json, err, sizeof err);
    assert_non_null(doc);
    assert_string_equal(jv_get(doc, "schema")->string, HX_DEVICES_SCHEMA);
    assert_int_equal(jv_get(doc, "devices")->len, s.n);
    const jv *host = jv_at(jv_get(doc, "devices"), 0);
    assert_near(jv_path(host, "bench.figures.triad_gbps.median")->number, 12.5, 0.0);
    assert_near(jv_path(host, "bench.figures.triad_gbps.min")->number, 12.0, 0.0);
    assert_int_equal(jv_path(host, "bench.figures.triad_gbps.reps")->number, 3);
    assert_true(jv_path(host, "bench.figures.copy_gbps.median")->type == JV_NULL);
    assert_int_equal(jv_path(host, "shape.compute_units")->number, s.dev[0].compute_units);
    for (size_t i = 1; i < s.n; i++)
        assert_true(jv_path(jv_at(jv_get(doc, "devices"), i), "bench")->type == JV_NULL);
    jv_free(doc);
    free(json);

    char *csv = write_to_string(&s, HX_FORMAT_CSV);
    assert_int_equal(hx_count_lines(csv), s.n + 1);
    assert_contains(csv, "kind,id,type,name");
    assert_contains(csv, ",12.5,");
    free(csv);

    char *table = write_to_string(&s, HX_FORMAT_TABLE);
    assert_contains(table, "triad GB/s");
    assert_contains(table, "12.5");
    assert_contains(table, s.dev[0].flynn);
    free(table);
    free(devs);
    hx_survey_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(host_record_is_sane),
        cmocka_unit_test(writers_agree_on_the_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
