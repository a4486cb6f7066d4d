/*
 * verify.c - output checks against the serial reference (see verify.h).
 */
#include "hetero/core/verify.h"

#include <math.h>

double hx_gamma(double k) {
    double ku = k * HX_FLT_UNIT_ROUNDOFF;
    return ku < 1.0 ? ku / (1.0 - ku) : INFINITY;
}

static void start(hx_verdict *v, double tol) {
    v->ok = true;
    v->max_err = 0.0;
    v->tolerance = tol;
    v->bad_count = 0;
    v->first_bad = 0;
}

static void mark_bad(hx_verdict *v, size_t i) {
    if (v->bad_count++ == 0)
        v->first_bad = i;
    v->ok = false;
}

void hx_verify_floats(const float *out, const float *ref, size_t n, double tol, double floor,
                      hx_verdict *v) {
    start(v, tol);
    for (size_t i = 0; i < n; i++) {
        double o = out[i], r = ref[i];
        /* NaN is never a valid result here: it is the poison an unwritten element keeps */
        if (isnan(o) || isnan(r) || isinf(o) != isinf(r)) {
            v->max_err = INFINITY;
            mark_bad(v, i);
            continue;
        }
        if (isinf(r)) {
            if (o != r) {
                v->max_err = INFINITY;
                mark_bad(v, i);
            }
            continue;
        }
        double scale = fabs(r) > floor ? fabs(r) : floor;
        double err = scale > 0.0 ? fabs(o - r) / scale : fabs(o - r);
        if (err > v->max_err)
            v->max_err = err;
        if (!(err <= tol))
            mark_bad(v, i);
    }
}

void hx_verify_u32(const uint32_t *out, const uint32_t *ref, size_t n, hx_verdict *v) {
    start(v, 0.0);
    for (size_t i = 0; i < n; i++)
        if (out[i] != ref[i]) {
            v->max_err = 1.0;
            mark_bad(v, i);
        }
}

void hx_verify_i32(const int32_t *out, const int32_t *ref, size_t n, hx_verdict *v) {
    hx_verify_u32((const uint32_t *)out, (const uint32_t *)ref, n, v);
}
