/*
 * verify.h - comparing a backend's output with the serial reference.
 *
 * Every backend's output is compared with the serial result of the same run.  Float comparisons
 * use a tolerance derived from the arithmetic (see docs/workloads.md): err_i = |out_i - ref_i| /
 * max(|ref_i|, floor), and the result passes when max err_i <= tol and no element is NaN.  The
 * floor turns the test into a norm-wise one where the reference is near zero (a dot product of
 * values that cancel), where a relative error would be meaningless.  Integer results are exact.
 */
#ifndef HETERO_VERIFY_H
#define HETERO_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hx_verdict {
    bool ok;
    double max_err;   /* largest err_i (relative); exact checks report 0 or 1 */
    double tolerance; /* what max_err was held against */
    size_t bad_count; /* elements over the tolerance (or different, for exact checks) */
    size_t first_bad; /* index of the first such element */
} hx_verdict;

/* float32 unit roundoff u = 2^-24: the relative error of one correctly rounded operation. */
#define HX_FLT_UNIT_ROUNDOFF 5.9604644775390625e-08

/* gamma_k = k u / (1 - k u): Higham's bound on k accumulated roundings, as a relative error. */
double hx_gamma(double k);

void hx_verify_floats(const float *out, const float *ref, size_t n, double tol, double floor,
                      hx_verdict *v);
void hx_verify_u32(const uint32_t *out, const uint32_t *ref, size_t n, hx_verdict *v);
void hx_verify_i32(const int32_t *out, const int32_t *ref, size_t n, hx_verdict *v);

#endif
