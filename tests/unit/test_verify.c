/*
 * test_verify.c - tolerance checks accept correctly rounded results and reject a single
 * corrupted element, NaN poison, and integer differences.
 */
#include "hetero/core/verify.h"
#include "hx_test.h"

#include <float.h>

static void gamma_matches_its_definition(void **state) {
    (void)state;
    double u = HX_FLT_UNIT_ROUNDOFF;
    assert_near(hx_gamma(1), u / (1 - u), 1e-22);
    assert_near(hx_gamma(1000), 1000 * u / (1 - 1000 * u), 1e-18);
    assert_true(isinf(hx_gamma(1.0 / u)));
}

static void identical_arrays_pass_with_zero_error(void **state) {
    (void)state;
    float a[4] = {1.0f, -2.0f, 0.0f, 3.5f};
    hx_verdict v;
    hx_verify_floats(a, a, 4, hx_gamma(2), 0.0, &v);
    assert_true(v.ok);
    assert_near(v.max_err, 0.0, 0.0);
    assert_int_equal(v.bad_count, 0);
}

static void one_ulp_passes_and_one_corrupted_element_fails(void **state) {
    (void)state;
    float ref[64], out[64];
    for (int i = 0; i < 64; i++)
        ref[i] = out[i] = 1.0f + (float)i / 7.0f;
    out[10] = nextafterf(ref[10], 2.0f * ref[10]); /* one rounding apart: allowed */
    hx_verdict v;
    hx_verify_floats(out, ref, 64, hx_gamma(2), 0.0, &v);
    assert_true(v.ok);
    out[33] = ref[33] * (1.0f + 1e-5f); /* far beyond two roundings */
    hx_verify_floats(out, ref, 64, hx_gamma(2), 0.0, &v);
    assert_false(v.ok);
    assert_int_equal(v.bad_count, 1);
    assert_int_equal(v.first_bad, 33);
    assert_true(v.max_err > hx_gamma(2));
}

static void nan_poison_never_passes(void **state) {
    (void)state;
    float ref[3] = {1, 2, 3}, out[3] = {1, NAN, 3};
    hx_verdict v;
    hx_verify_floats(out, ref, 3, 1.0, 0.0, &v); /* even with a huge tolerance */
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 1);
    float nan_ref[1] = {NAN}, nan_out[1] = {NAN};
    hx_verify_floats(nan_out, nan_ref, 1, 1.0, 0.0, &v);
    assert_false(v.ok); /* a reference that was never written is not a match either */
}

static void floor_makes_the_check_normwise_near_zero(void **state) {
    (void)state;
    float ref[1] = {1e-9f}, out[1] = {2e-9f};
    hx_verdict v;
    hx_verify_floats(out, ref, 1, 1e-6, 0.0, &v);
    assert_false(v.ok); /* relative error 1 */
    hx_verify_floats(out, ref, 1, 1e-6, 1.0, &v);
    assert_true(v.ok); /* 1e-9 against a scale of 1 */
}

static void integers_are_exact(void **state) {
    (void)state;
    uint32_t ref[5] = {1, 2, 3, 4, 5}, out[5] = {1, 2, 3, 4, 5};
    hx_verdict v;
    hx_verify_u32(out, ref, 5, &v);
    assert_true(v.ok);
    out[4] = 6;
    hx_verify_u32(out, ref, 5, &v);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 4);
    int32_t r2[2] = {-1, 7}, o2[2] = {-1, 7};
    hx_verify_i32(o2, r2, 2, &v);
    assert_true(v.ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gamma_matches_its_definition),
        cmocka_unit_test(identical_arrays_pass_with_zero_error),
        cmocka_unit_test(one_ulp_passes_and_one_corrupted_element_fails),
        cmocka_unit_test(nan_poison_never_passes),
        cmocka_unit_test(floor_makes_the_check_normwise_near_zero),
        cmocka_unit_test(integers_are_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
