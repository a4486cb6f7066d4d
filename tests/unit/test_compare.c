/*
 * test_compare.c - hetero compare's matching and verdicts on made-up documents (a row slowed
 * exactly 2x, overlapping intervals, rows in one report only, min..max standing in for a missing
 * interval), its refusals, and the HTML page's frame: the policy that forbids fetches, the
 * render check and a mark in every plot.  Nothing here is timed.
 */
#include "hetero/core/error.h"
#include "hetero/report/compare.h"
#include "hetero/report/html.h"
#include "hx_test.h"

static const char *const kinds[] = {"hetero.run/1", "hetero.scale/2", "hetero.scale/1", NULL};

/* A run document with rows "NAME median lo hi" (ci95_s = [lo, hi]; lo < 0: no interval). */
static char *run_doc(const char *const *rows, size_t n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fputs("{\"schema\": \"hetero.run/1\", \"host\": {\"cpu\": \"Test CPU\", \"cores\": 2},"
          " \"results\": [",
          f);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        double med, lo, hi;
        assert_int_equal(sscanf(rows[i], "%31s %lf %lf %lf", name, &med, &lo, &hi), 4);
        fprintf(f,
                "%s{\"workload\": \"%s\", \"backend\": \"serial\", \"device\": \"Test CPU\", "
                "\"size\": 1024, \"threads\": 1, \"reps\": 10, \"time_s\": {\"median\": %g, "
                "\"min\": %g, \"max\": %g}, ",
                i ? ", " : "", name, med, med * 0.5, med * 1.5);
        if (lo >= 0)
            fprintf(f, "\"ci95_s\": [%g, %g], \"noisy\": false}", lo, hi);
        else
            fprintf(f, "\"ci95_s\": null, \"noisy\": true}");
    }
    fputs("], \"skipped\": []}", f);
    fclose(f);
    return buf;
}

static void compare_texts(const char *base, const char *now, hx_compare *c) {
    hx_doc b, n;
    assert_int_equal(hx_doc_parse(&b, "base.json", base, kinds), HX_OK);
    assert_int_equal(hx_doc_parse(&n, "new.json", now, kinds), HX_OK);
    hx_cmp_opts o = {.threshold = 0.05, .fail_above = 0.10};
    assert_int_equal(hx_compare_docs(&b, &n, &o, c), HX_OK);
    hx_doc_free(&b);
    hx_doc_free(&n);
}

static const hx_cmp_row *row_named(const hx_compare *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->rows[i].name, name) == 0)
            return &c->rows[i];
    fail_msg("no row %s", name);
    return NULL;
}

static void a_report_against_itself_is_the_same_everywhere(void **state) {
    (void)state;
    const char *rows[] = {"vecadd 0.010 0.0098 0.0102", "triad 0.020 0.019 0.021",
                          "reduce 0.005 -1 -1"};
    char *doc = run_doc(rows, 3);
    hx_compare c;
    compare_texts(doc, doc, &c);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.same, 3);
    assert_int_equal(c.regressions, 0);
    for (size_t i = 0; i < c.n; i++)
        assert_near(c.rows[i].ratio, 1.0, 0.0);
    hx_compare_free(&c);
    free(doc);
}

static void a_row_slowed_twice_is_a_regression(void **state) {
    (void)state;
    const char *base_rows[] = {"vecadd 0.010 0.0098 0.0102", "triad 0.020 0.019 0.021"};
    const char *new_rows[] = {"vecadd 0.020 0.0196 0.0204", "triad 0.0201 0.019 0.021"};
    char *base = run_doc(base_rows, 2), *now = run_doc(new_rows, 2);
    hx_compare c;
    compare_texts(base, now, &c);
    const hx_cmp_row *v = row_named(&c, "vecadd/serial");
    assert_int_equal(v->verdict, HX_CMP_SLOWER);
    assert_true(v->regression);
    assert_near(v->ratio, 2.0, 1e-12);
    assert_int_equal(row_named(&c, "triad/serial")->verdict, HX_CMP_SAME); /* overlapping */
    assert_int_equal(c.regressions, 1);
    /* and the other way round: faster, no regression */
    hx_compare back;
    compare_texts(now, base, &back);
    assert_int_equal(row_named(&back, "vecadd/serial")->verdict, HX_CMP_FASTER);
    assert_int_equal(back.regressions, 0);
    hx_compare_free(&c);
    hx_compare_free(&back);
    free(base);
    free(now);
}

static void judging_pairs(void **state) {
    (void)state;
    double ratio;
    hx_cmp_side a = {.present = true, .median = 1.0, .lo = 0.99, .hi = 1.01, .has_ci = true};
    hx_cmp_side b = a;
    b.median = 1.03; /* disjoint intervals but within the 5% threshold */
    b.lo = 1.02;
    b.hi = 1.04;
    assert_int_equal(hx_cmp_judge(&a, &b, 0.05, &ratio), HX_CMP_SAME);
    b.median = 1.2, b.lo = 1.19, b.hi = 1.21;
    assert_int_equal(hx_cmp_judge(&a, &b, 0.05, &ratio), HX_CMP_SLOWER);
    b.lo = 0.9; /* a wide interval that reaches the base: same */
    assert_int_equal(hx_cmp_judge(&a, &b, 0.05, &ratio), HX_CMP_SAME);
    hx_cmp_side missing = {0};
    assert_int_equal(hx_cmp_judge(&missing, &a, 0.05, &ratio), HX_CMP_ONLY_NEW);
    assert_int_equal(hx_cmp_judge(&a, &missing, 0.05, &ratio), HX_CMP_ONLY_BASE);
    assert_true(isnan(ratio));
}

static void rows_in_one_report_only_are_listed(void **state) {
    (void)state;
    const char *base_rows[] = {"vecadd 0.010 0.0098 0.0102"};
    const char *new_rows[] = {"triad 0.020 0.019 0.021"};
    char *base = run_doc(base_rows, 1), *now = run_doc(new_rows, 1);
    hx_compare c;
    compare_texts(base, now, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.unmatched, 2);
    assert_int_equal(row_named(&c, "vecadd/serial")->verdict, HX_CMP_ONLY_BASE);
    assert_int_equal(row_named(&c, "triad/serial")->verdict, HX_CMP_ONLY_NEW);
    /* every format writes; markdown and JSON carry the verdicts */
    for (int f = HX_CMP_TABLE; f <= HX_CMP_JSON; f++) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        assert_int_equal(hx_compare_write(out, (hx_cmp_format)f, &c), HX_OK);
        fclose(out);
        assert_contains(text, f == HX_CMP_CSV ? "only in base" : "only in new");
        if (f == HX_CMP_JSON)
            assert_contains(text, "\"schema\": \"hetero.compare/1\"");
        free(text);
    }
    hx_compare_free(&c);
    free(base);
    free(now);
}

static void documents_are_checked(void **state) {
    (void)state;
    hx_doc d;
    assert_int_equal(hx_doc_parse(&d, "cut.json", "{\"schema\": \"hetero.run/1\", ", kinds),
                     HX_ERR_USAGE);
    assert_contains(hx_error_message(), "cut.json is not valid JSON");
    assert_contains(hx_error_message(), "line 1");
    assert_int_equal(hx_doc_parse(&d, "list.json", "{\"schema\": \"hetero.list/1\"}", kinds),
                     HX_ERR_USAGE);
    assert_contains(hx_error_message(), "list.json has schema hetero.list/1; accepted: "
                                        "hetero.run/1, hetero.scale/2, hetero.scale/1");
    assert_int_equal(hx_doc_parse(&d, "x.json", "[1, 2]", NULL), HX_ERR_USAGE);
    assert_int_equal(hx_doc_load(&d, "/nonexistent/x.json", NULL), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "cannot read /nonexistent/x.json");
    hx_doc run, scale;
    const char *rows[] = {"vecadd 0.01 0.009 0.011"};
    char *text = run_doc(rows, 1);
    assert_int_equal(hx_doc_parse(&run, "run.json", text, kinds), HX_OK);
    assert_int_equal(hx_doc_parse(&scale, "scale.json",
                                  "{\"schema\": \"hetero.scale/1\", \"mode\": \"strong\", "
                                  "\"points\": []}",
                                  kinds),
                     HX_OK);
    hx_compare c;
    hx_cmp_opts o = {.threshold = 0.05, .fail_above = 0.1};
    assert_int_equal(hx_compare_docs(&run, &scale, &o, &c), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "different kinds of report");
    hx_doc_free(&run);
    hx_doc_free(&scale);
    free(text);
}

static void the_page_is_self_contained_and_checks_itself(void **state) {
    (void)state;
    const char *rows[] = {"vecadd 0.01 0.009 0.011", "triad 0.02 0.019 0.021"};
    char *text = run_doc(rows, 2);
    /* speedups and flops for the bars and the roofline */
    char *patched = NULL;
    assert_true(asprintf(&patched, "%s", text) > 0);
    hx_doc d;
    assert_int_equal(hx_doc_parse(&d, "run.json", patched, NULL), HX_OK);
    json_t *results = json_object_get(d.root, "results");
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *r = json_array_get(results, i);
        json_object_set_new(r, "speedup", json_real(1.0 + (double)i));
        json_object_set_new(r, "flops", json_real(1e6));
        json_object_set_new(r, "bytes", json_real(12e6));
        json_object_set_new(r, "gflops", json_real(0.1));
        json_object_set_new(r, "verified", json_true());
    }
    char *html = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&html, &len);
    assert_int_equal(hx_html_report(out, &d, 1), HX_OK);
    fclose(out);
    assert_contains(html, "Content-Security-Policy\" content=\"default-src 'none'");
    assert_contains(html, "data-rendered");
    assert_contains(html, "<table class=\"data\">");
    assert_contains(html, "class=\"mark\"");
    assert_contains(html, "roofline");
    assert_null(strstr(html, "http://")); /* nothing to fetch */
    assert_null(strstr(html, "https://"));
    hx_doc_free(&d);
    free(html);
    free(patched);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_report_against_itself_is_the_same_everywhere),
        cmocka_unit_test(a_row_slowed_twice_is_a_regression),
        cmocka_unit_test(judging_pairs),
        cmocka_unit_test(rows_in_one_report_only_are_listed),
        cmocka_unit_test(documents_are_checked),
        cmocka_unit_test(the_page_is_self_contained_and_checks_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
