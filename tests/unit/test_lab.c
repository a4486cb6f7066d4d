/*
 * test_lab.c - the labs' checks on recorded reports (data/lab/NAME/STEP.json, recorded on a
 * 2-core AMD EPYC with one NUMA node and PoCL): each verdict follows from the figures and the
 * machine's facts, a shape that needs missing hardware is "cannot show", and editing a figure
 * flips its verdict.  Also the table: ten chapters, every lab named once, needs in the set.
 */
#include "hx_test.h"

#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/lab/lab.h"

static const hx_lab_machine two_cores = {.cores = 2, .numa_nodes = 1, .opencl = true};

/* The recorded reports of a lab, in step order. */
static void load(const hx_lab *lab, hx_lab_reports *r) {
    memset(r, 0, sizeof *r);
    r->n = lab->nsteps;
    for (size_t i = 0; i < lab->nsteps; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/data/lab/%s/%s.json", getenv("HETERO_SOURCE_DIR"),
                 lab->name, lab->steps[i].name);
        json_error_t e;
        r->docs[i] = json_load_file(path, 0, &e);
        if (!r->docs[i])
            print_error("%s: %s\n", path, e.text);
        assert_non_null(r->docs[i]);
    }
}

static const hx_lab *lab_named(const char *name) {
    const hx_lab *lab = NULL;
    assert_int_equal(hx_lab_find_by_name(name, &lab), HX_OK);
    return lab;
}

/* The verdict of the finding whose shape starts with `prefix`. */
static hx_lab_verdict verdict_of(const hx_lab_findings *f, const char *prefix) {
    for (size_t i = 0; i < f->n; i++)
        if (strncmp(f->f[i].shape, prefix, strlen(prefix)) == 0)
            return f->f[i].verdict;
    print_error("no finding '%s'\n", prefix);
    fail();
    return HX_LAB_NOT_SHOWN;
}

static hx_lab_findings check(const hx_lab *lab, const hx_lab_reports *r, const hx_lab_machine *m) {
    hx_lab_findings f = {0};
    lab->check(r, m, &f);
    return f;
}

/* Set a number inside the first row of `array` matching key=value. */
static void set_number(json_t *doc, const char *key, const char *value, const char *field,
                       double v) {
    json_t *row = (json_t *)hx_lab_row(doc, "results", key, value, NULL, NULL);
    assert_non_null(row);
    json_object_set_new(row, field, json_real(v));
}

static void flynn_reads_simd_misd_and_the_vote(void **state) {
    (void)state;
    const hx_lab *lab = lab_named("flynn");
    hx_lab_reports r;
    load(lab, &r);
    hx_lab_findings f = check(lab, &r, &two_cores);
    assert_int_equal(verdict_of(&f, "SIMD"), HX_LAB_SHOWN);       /* simd 3.70x */
    assert_int_equal(verdict_of(&f, "MIMD: "), HX_LAB_NOT_SHOWN); /* omp 0.54x: a loaded machine */
    assert_int_equal(verdict_of(&f, "MISD: "), HX_LAB_SHOWN);
    assert_int_equal(verdict_of(&f, "MISD for redundancy"), HX_LAB_SHOWN);
    hx_lab_machine one = two_cores;
    one.cores = 1;
    f = check(lab, &r, &one);
    assert_int_equal(verdict_of(&f, "MIMD: "), HX_LAB_CANNOT_SHOW);
    set_number(r.docs[1], "mode", "lockstep", "speedup", 0.8);
    f = check(lab, &r, &two_cores);
    assert_int_equal(verdict_of(&f, "MISD: "), HX_LAB_NOT_SHOWN);
    hx_lab_reports_free(&r);
}

static void the_table_has_every_chapter_once(void **state) {
    (void)state;
    static const char *const needs[] = {"none", "gpu", "mpi", "numa2"};
    for (size_t i = 0; i < hx_lab_count(); i++) {
        const hx_lab *lab = hx_lab_at(i);
        bool known = false;
        for (size_t k = 0; k < 4; k++)
            known |= strcmp(lab->needs, needs[k]) == 0;
        assert_true(known);
        assert_non_null(lab->check);
        assert_true(lab->nsteps >= 1 && lab->nsteps <= HX_LAB_MAX_STEPS);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(hx_lab_at(j)->name, lab->name);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", getenv("HETERO_SOURCE_DIR"), lab->handout);
        assert_int_equal(access(path, R_OK), 0);
    }
    const hx_lab *lab;
    assert_int_equal(hx_lab_find_by_name("bogus", &lab), HX_ERR_USAGE);
    assert_contains(hx_error_message(), "flynn");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flynn_reads_simd_misd_and_the_vote),
        cmocka_unit_test(the_table_has_every_chapter_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
