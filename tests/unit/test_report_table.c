/*
 * test_report_table.c - what the run table says about a row beyond its numbers: where a variant
 * goes (beside the backend, or in the device cell of an mpi row) and the footer that explains an
 * efficiency above 1.  Made-up rows; no workload runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/report.h"
#include "hx_test.h"

static hx_result row(const char *backend, const char *variant, double efficiency) {
    hx_result r;
    memset(&r, 0, sizeof r);
    r.workload = "sgemm";
    r.backend = backend;
    r.flynn = "SISD";
    snprintf(r.device, sizeof r.device, "%s", "Example CPU");
    snprintf(r.variant, sizeof r.variant, "%s", variant);
    r.size = 64;
    r.threads = r.ranks = r.reps = 1;
    r.pe = 1;
    r.time = (hx_stats){.n = 1, .median = 1e-3, .min = 1e-3, .max = 1e-3, .mean = 1e-3};
    r.speedup = efficiency;
    r.efficiency = efficiency;
    r.gbps = r.gflops = NAN;
    r.verified = true;
    r.tolerance = 1e-6;
    return r;
}

static char *table(const hx_result *rows, size_t n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    hx_host_info host = {"Example CPU", 2, "avx2"};
    assert_int_equal(hx_report_write(f, HX_FORMAT_TABLE, &host, rows, n, NULL, 0, NULL), HX_OK);
    fclose(f);
    return buf;
}

static void an_algorithm_variant_goes_beside_the_backend(void **state) {
    (void)state;
    hx_result rows[] = {row("serial", "", 1.0), row("omp-simd", "packed", 0.5)};
    char *out = table(rows, 2);
    assert_non_null(strstr(out, "omp-simd (packed)"));
    assert_null(strstr(out, "[packed]"));
    free(out);
}

static void an_mpi_pattern_goes_into_the_device_cell(void **state) {
    (void)state;
    hx_result rows[] = {row("serial", "", 1.0), row("mpi", "allgather", 0.5)};
    char *out = table(rows, 2);
    assert_non_null(strstr(out, " [allgather]"));
    assert_null(strstr(out, "mpi (allgather)"));
    free(out);
}

static void efficiency_above_one_is_explained_only_when_a_row_has_it(void **state) {
    (void)state;
    hx_result plain[] = {row("serial", "", 1.0), row("omp", "", 0.9)};
    char *out = table(plain, 2);
    assert_null(strstr(out, "eff > 1"));
    free(out);
    hx_result beyond[] = {row("serial", "", 1.0), row("omp-simd", "micro-kernel", 2.1)};
    out = table(beyond, 2);
    assert_non_null(strstr(out, "eff > 1: more than p times serial's speed"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_algorithm_variant_goes_beside_the_backend),
        cmocka_unit_test(an_mpi_pattern_goes_into_the_device_cell),
        cmocka_unit_test(efficiency_above_one_is_explained_only_when_a_row_has_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
