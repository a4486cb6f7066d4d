/*
 * test_fit.c - the scaling laws and their fits on synthetic timings with known answers.
 */
#include "hetero/core/fit.h"
#include "hx_test.h"

static void amdahl_and_gustafson_formulas(void **state) {
    (void)state;
    assert_near(hx_amdahl_speedup(0.9, 1.0), 1.0, 1e-15);
    assert_near(hx_amdahl_speedup(0.9, 2.0), 1.0 / 0.55, 1e-12);
    assert_near(hx_amdahl_speedup(0.5, 1e12), 2.0, 1e-9); /* limit 1/(1-P) */
    assert_near(hx_amdahl_speedup(1.0, 8.0), 8.0, 1e-12);
    assert_near(hx_gustafson_speedup(0.1, 1.0), 1.0, 0.0);
    assert_near(hx_gustafson_speedup(0.1, 8.0), 8.0 - 0.7, 1e-12);
}

static void karp_flatt_is_the_serial_fraction_of_an_amdahl_run(void **state) {
    (void)state;
    /* a speedup that follows Amdahl exactly shows e(p) = 1 - P at every p */
    for (double p = 2; p <= 64; p *= 2)
        assert_near(hx_karp_flatt(hx_amdahl_speedup(0.8, p), p), 0.2, 1e-12);
    assert_near(hx_karp_flatt(4.0, 4.0), 0.0, 1e-15);  /* ideal: no serial fraction */
    assert_near(hx_karp_flatt(1.0, 4.0), 1.0, 1e-15);  /* no speedup: all serial */
    assert_near(hx_karp_flatt(2.0, 3.0), 0.25, 1e-15); /* (1/2 - 1/3) / (2/3) */
    assert_true(isnan(hx_karp_flatt(1.0, 1.0)));       /* undefined at p = 1 */
    assert_true(isnan(hx_karp_flatt(0.0, 2.0)));
}

static void amdahl_fit_recovers_p_from_exact_timings(void **state) {
    (void)state;
    const double Ps[] = {0.0, 0.5, 0.9, 0.95, 0.999};
    for (size_t k = 0; k < sizeof Ps / sizeof Ps[0]; k++) {
        double p[] = {1, 2, 4, 8, 16}, s[5];
        for (int i = 0; i < 5; i++)
            s[i] = 10.0 / (10.0 * (1 - Ps[k]) + 10.0 * Ps[k] / p[i]); /* T1 / Tp */
        hx_fit f = hx_fit_amdahl(p, s, 5);
        assert_true(f.ok);
        assert_int_equal(f.points, 4); /* p = 1 carries no information */
        assert_near(f.value, Ps[k], 1e-12);
        assert_near(f.residual, 0.0, 1e-12);
        assert_near(f.limit, 1.0 / (1.0 - Ps[k]), 1e-6 / (1.0 - Ps[k]));
    }
}

static void amdahl_fit_minimises_the_speedup_residual(void **state) {
    (void)state;
    /* noisy speedups: the fit must do at least as well as any nearby P */
    double p[] = {2, 4, 8}, s[] = {1.85, 3.1, 4.9};
    hx_fit f = hx_fit_amdahl(p, s, 3);
    assert_true(f.ok);
    assert_true(f.value > 0.8 && f.value < 0.95);
    for (double d = -0.01; d <= 0.01; d += 0.002) {
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            double r = s[i] - hx_amdahl_speedup(f.value + d, p[i]);
            sum += r * r;
        }
        assert_true(sqrt(sum / 3) >= f.residual - 1e-12);
    }
}

static void amdahl_fit_needs_a_point_above_one(void **state) {
    (void)state;
    double p[] = {1, 1}, s[] = {1, 1};
    hx_fit f = hx_fit_amdahl(p, s, 2);
    assert_false(f.ok);
    assert_int_equal(f.points, 0);
    assert_false(hx_fit_gustafson(p, s, 2).ok);
    assert_false(hx_fit_amdahl(p, s, 0).ok);
}

static void gustafson_fit_recovers_a_exactly(void **state) {
    (void)state;
    const double as[] = {0.0, 0.05, 0.3, 1.0};
    for (size_t k = 0; k < 4; k++) {
        double p[] = {1, 2, 3, 4, 8}, s[5];
        for (int i = 0; i < 5; i++)
            s[i] = p[i] - as[k] * (p[i] - 1);
        hx_fit f = hx_fit_gustafson(p, s, 5);
        assert_true(f.ok);
        assert_int_equal(f.points, 4);
        assert_near(f.value, as[k], 1e-14);
        assert_near(f.residual, 0.0, 1e-12);
    }
}

static void gustafson_fit_is_least_squares(void **state) {
    (void)state;
    /* p - S = a (p - 1): points (1, 0.2) and (3, 0.4) -> a = (0.2 + 1.2) / (1 + 9) = 0.14 */
    double p[] = {2, 4}, s[] = {1.8, 3.6};
    hx_fit f = hx_fit_gustafson(p, s, 2);
    assert_near(f.value, 0.14, 1e-14);
    double r1 = 1.8 - (2 - 0.14), r2 = 3.6 - (4 - 3 * 0.14);
    assert_near(f.residual, sqrt((r1 * r1 + r2 * r2) / 2), 1e-14);
}

static double linear(uint64_t n, const void *ctx) {
    (void)ctx;
    return 12.0 * (double)n;
}
static double cubic(uint64_t n, const void *ctx) {
    (void)ctx;
    return 2.0 * (double)n * (double)n * (double)n;
}
static double square(uint64_t n, const void *ctx) {
    (void)ctx;
    return 10.0 * (double)n * (double)n;
}

static void weak_scaling_sizes_grow_the_work_by_p(void **state) {
    (void)state;
    uint64_t n;
    assert_true(hx_scaled_size(linear, NULL, 1000, 4, 1 << 30, &n));
    assert_int_equal(n, 4000);
    assert_true(hx_scaled_size(linear, NULL, 1000, 1, 1 << 30, &n));
    assert_int_equal(n, 1000);
    /* sgemm-like n^3: 512 x 8^(1/3) = 1024 exactly; x 2 -> ceil(512 x 1.2599) = 646 */
    assert_true(hx_scaled_size(cubic, NULL, 512, 8, 1 << 20, &n));
    assert_int_equal(n, 1024);
    assert_true(hx_scaled_size(cubic, NULL, 512, 2, 1 << 20, &n));
    assert_int_equal(n, 646);
    assert_true(cubic(n, NULL) >= 2 * cubic(512, NULL) &&
                cubic(n - 1, NULL) < 2 * cubic(512, NULL));
    /* stencil-like n^2: 1000 x sqrt(4) = 2000 */
    assert_true(hx_scaled_size(square, NULL, 1000, 4, 1 << 20, &n));
    assert_int_equal(n, 2000);
    /* beyond the largest size */
    assert_false(hx_scaled_size(linear, NULL, 1000, 4, 3999, &n));
    assert_true(hx_scaled_size(linear, NULL, 1000, 4, 4000, &n));
}


/* A Hockney line t(n) = alpha + n / beta sampled exactly comes back exactly, weighted or not. */
static void line_fit_recovers_an_exact_hockney_line(void **state) {
    (void)state;
    double n[25], t[25], w[25];
    const double alpha = 0.5e-6, beta = 5e9;
    for (int i = 0; i < 25; i++) {
        n[i] = (double)(1u << i);
        t[i] = alpha + n[i] / beta;
        w[i] = 1.0 / (t[i] * t[i]);
    }
    hx_line_fit f = hx_fit_line(n, t, w, 25);
    assert_true(f.ok);
    assert_near(f.intercept, alpha, 1e-12);
    assert_near(1.0 / f.slope, beta, beta * 1e-9);
    assert_near(f.r2, 1.0, 1e-12);
    f = hx_fit_line(n, t, NULL, 25);
    assert_true(f.ok);
    assert_near(f.intercept, alpha, 1e-12);
}

/* With noise the weights matter: 1/t^2 keeps the small messages' latency, the unweighted fit lets
 * the large messages set alpha; and r2 drops below one. */
static void line_fit_weights_the_residuals(void **state) {
    (void)state;
    double n[25], t[25], w[25];
    for (int i = 0; i < 25; i++) {
        n[i] = (double)(1u << i);
        t[i] = (1e-6 + n[i] / 1e9) * (i % 2 ? 1.05 : 0.95); /* +-5% */
        w[i] = 1.0 / (t[i] * t[i]);
    }
    hx_line_fit weighted = hx_fit_line(n, t, w, 25), plain = hx_fit_line(n, t, NULL, 25);
    assert_true(weighted.ok && plain.ok);
    assert_true(fabs(weighted.intercept - 1e-6) < 0.1e-6);
    assert_true(fabs(plain.intercept - 1e-6) > fabs(weighted.intercept - 1e-6));
    assert_true(weighted.r2 < 1.0 && weighted.r2 > 0.9);
}

static void line_fit_needs_two_distinct_x(void **state) {
    (void)state;
    double x[2] = {3, 3}, y[2] = {1, 2};
    assert_false(hx_fit_line(x, y, NULL, 1).ok);
    assert_false(hx_fit_line(x, y, NULL, 2).ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(amdahl_and_gustafson_formulas),
        cmocka_unit_test(karp_flatt_is_the_serial_fraction_of_an_amdahl_run),
        cmocka_unit_test(amdahl_fit_recovers_p_from_exact_timings),
        cmocka_unit_test(amdahl_fit_minimises_the_speedup_residual),
        cmocka_unit_test(amdahl_fit_needs_a_point_above_one),
        cmocka_unit_test(gustafson_fit_recovers_a_exactly),
        cmocka_unit_test(gustafson_fit_is_least_squares),
        cmocka_unit_test(weak_scaling_sizes_grow_the_work_by_p),
        cmocka_unit_test(line_fit_recovers_an_exact_hockney_line),
        cmocka_unit_test(line_fit_weights_the_residuals),
        cmocka_unit_test(line_fit_needs_two_distinct_x),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
