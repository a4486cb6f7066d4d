/*
 * fit.h - the scaling laws of the course, as formulas and least-squares fits.
 *
 *     speedup       S(p) = T1 / Tp                      efficiency  E(p) = S(p) / p
 *     Amdahl        S(p) = 1 / ((1 - P) + P / p)        P = the parallel fraction of the work
 *     Gustafson     S(p) = p - a (p - 1)                a = the serial fraction of the scaled run
 *     Karp-Flatt    e(p) = (1/S - 1/p) / (1 - 1/p)      the serial fraction the measurement shows
 *
 * Amdahl's fit minimises sum_i (S_i - S_amdahl(p_i; P))^2 over P.  It starts from the closed-form
 * fit of the linearised law 1 - 1/S = P (1 - 1/p) (a line through the origin in x = 1 - 1/p,
 * y = 1 - 1/S) and refines it with Gauss-Newton steps on the speedups themselves, so exact
 * timings give P back exactly and noisy ones are weighted as the speedups are, not as 1/S.
 * Gustafson's law is linear in a: a = sum (p_i - 1)(p_i - S_i) / sum (p_i - 1)^2, closed form.
 * Points with p = 1 carry no information about P or a (every law gives S = 1 there) and are
 * ignored; at least one point with p > 1 is needed.
 */
#ifndef HETERO_FIT_H
#define HETERO_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* S = 1 / ((1 - P) + P / p) */
double hx_amdahl_speedup(double P, double p);
/* S = p - a (p - 1) */
double hx_gustafson_speedup(double a, double p);
/* Karp-Flatt experimentally determined serial fraction; NAN at p <= 1 (undefined) or S <= 0. */
double hx_karp_flatt(double speedup, double p);

typedef struct hx_fit {
    bool ok;         /* false: fewer than one point with p > 1 */
    double value;    /* P for Amdahl, a for Gustafson */
    double residual; /* root mean square of S_i - S_model(p_i) over the points used */
    double limit;    /* Amdahl: 1 / (1 - P), the speedup as p -> infinity (INFINITY at P >= 1);
                        Gustafson: NAN */
    size_t points;   /* points used (p > 1) */
} hx_fit;

/* Fit Amdahl's P to n points (p_i, S_i). */
hx_fit hx_fit_amdahl(const double *p, const double *speedup, size_t n);
/* Fit Gustafson's a to n points (p_i, S_i) of a weak-scaling run. */
hx_fit hx_fit_gustafson(const double *p, const double *speedup, size_t n);

/* Weak scaling: the smallest size >= base whose work reaches factor x work(base), where work is a
 * cost model non-decreasing in the size (a workload's flops or bytes).  Linear work gives
 * base x factor; n^3 work (sgemm) base x factor^(1/3); n^2 work base x sqrt(factor), each rounded
 * up to a whole size.  False when no size up to max has that much work. */
bool hx_scaled_size(double (*work)(uint64_t size, const void *ctx), const void *ctx, uint64_t base,
                    double factor, uint64_t max, uint64_t *out);

/* A straight line y = intercept + slope x through n points by weighted least squares (weights w,
 * NULL for all 1), and its coefficient of determination in the same weights:
 * r2 = 1 - sum w (y - fit)^2 / sum w (y - mean_w y)^2.  Weights 1/y^2 minimise the RELATIVE
 * residuals, which is what a fit over sizes spanning decades needs (the Hockney model of message
 * time, t(n) = alpha + n / beta, fitted to 1 B .. 16 MiB: unweighted, the largest messages alone
 * would set alpha).  ok is false with fewer than two distinct x. */
typedef struct hx_line_fit {
    bool ok;
    double intercept, slope, r2;
    size_t points;
} hx_line_fit;

hx_line_fit hx_fit_line(const double *x, const double *y, const double *w, size_t n);

#endif
