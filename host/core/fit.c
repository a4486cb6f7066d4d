/*
 * fit.c - Amdahl, Gustafson and Karp-Flatt: formulas and least-squares fits (see fit.h).
 *
 * Everything here is pure arithmetic on (p, S) pairs, so the unit tests feed it synthetic
 * timings with a known P or a and check that the fit gives it back.
 */
#include "hetero/core/fit.h"

#include <math.h>

double hx_amdahl_speedup(double P, double p) {
    return 1.0 / ((1.0 - P) + P / p);
}

double hx_gustafson_speedup(double a, double p) {
    return p - a * (p - 1.0);
}

double hx_karp_flatt(double speedup, double p) {
    if (!(p > 1.0) || !(speedup > 0.0))
        return NAN;
    return (1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p);
}

static double amdahl_rms(double P, const double *p, const double *s, size_t n) {
    double sum = 0.0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] > 1.0))
            continue;
        double r = s[i] - hx_amdahl_speedup(P, p[i]);
        sum += r * r;
        used++;
    }
    return used ? sqrt(sum / (double)used) : NAN;
}

hx_fit hx_fit_amdahl(const double *p, const double *s, size_t n) {
    hx_fit f = {.ok = false, .value = NAN, .residual = NAN, .limit = NAN};
    /* closed form of the linearised law: y = P x with x = 1 - 1/p, y = 1 - 1/S */
    double sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] > 1.0) || !(s[i] > 0.0))
            continue;
        double x = 1.0 - 1.0 / p[i], y = 1.0 - 1.0 / s[i];
        sxy += x * y;
        sxx += x * x;
        f.points++;
    }
    if (f.points == 0)
        return f;
    double P = sxy / sxx;
    /* Gauss-Newton on r_i = S_i - 1/(1 - P x_i): dS/dP = x_i / (1 - P x_i)^2.  Kept below
     * P = 1/x_max, where the model has a pole; a step that does not lower the residual ends it. */
    double best = amdahl_rms(P, p, s, n);
    for (int it = 0; it < 50; it++) {
        double num = 0.0, den = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (!(p[i] > 1.0) || !(s[i] > 0.0))
                continue;
            double x = 1.0 - 1.0 / p[i], d = 1.0 - P * x;
            double model = 1.0 / d, grad = x / (d * d);
            num += grad * (s[i] - model);
            den += grad * grad;
        }
        if (den == 0.0)
            break;
        double next = P + num / den, rms = NAN;
        for (int halve = 0; halve < 30; halve++) { /* damp the step until it helps */
            rms = amdahl_rms(next, p, s, n);
            if (isfinite(rms) && rms <= best)
                break;
            next = P + (next - P) / 2.0;
        }
        if (!(isfinite(rms) && rms <= best))
            break;
        double moved = fabs(next - P);
        P = next;
        best = rms;
        if (moved < 1e-15)
            break;
    }
    f.ok = true;
    f.value = P;
    f.residual = best;
    f.limit = P < 1.0 ? 1.0 / (1.0 - P) : INFINITY;
    return f;
}

hx_fit hx_fit_gustafson(const double *p, const double *s, size_t n) {
    hx_fit f = {.ok = false, .value = NAN, .residual = NAN, .limit = NAN};
    /* p - S = a (p - 1): a line through the origin in x = p - 1, y = p - S */
    double sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] > 1.0))
            continue;
        double x = p[i] - 1.0, y = p[i] - s[i];
        sxy += x * y;
        sxx += x * x;
        f.points++;
    }
    if (f.points == 0)
        return f;
    f.ok = true;
    f.value = sxy / sxx;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] > 1.0))
            continue;
        double r = s[i] - hx_gustafson_speedup(f.value, p[i]);
        sum += r * r;
    }
    f.residual = sqrt(sum / (double)f.points);
    return f;
}

bool hx_scaled_size(double (*work)(uint64_t size, const void *ctx), const void *ctx, uint64_t base,
                    double factor, uint64_t max, uint64_t *out) {
    /* a relative slack of 1e-12 so that rounding in the cost model cannot push an exact
     * multiple (2 x base for linear work) one size further */
    double target = factor * work(base, ctx) * (1.0 - 1e-12);
    uint64_t lo = base, hi = base;
    while (work(hi, ctx) < target) { /* doubling: find an upper bound */
        if (hi >= max)
            return false;
        lo = hi;
        hi = hi > max / 2 ? max : hi * 2;
    }
    while (lo < hi) { /* bisection: the smallest size in [lo, hi] with enough work */
        uint64_t mid = lo + (hi - lo) / 2;
        if (work(mid, ctx) >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    *out = hi;
    return true;
}

hx_line_fit hx_fit_line(const double *x, const double *y, const double *w, size_t n) {
    hx_line_fit f = {.ok = false, .intercept = NAN, .slope = NAN, .r2 = NAN, .points = n};
    double sw = 0.0, sx = 0.0, sy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sw += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    if (n < 2 || !(sw > 0.0))
        return f;
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) { /* centred sums: no cancellation for x in the millions */
        double wi = w ? w[i] : 1.0, dx = x[i] - mx, dy = y[i] - my;
        sxx += wi * dx * dx;
        sxy += wi * dx * dy;
        syy += wi * dy * dy;
    }
    if (!(sxx > 0.0))
        return f;
    f.slope = sxy / sxx;
    f.intercept = my - f.slope * mx;
    double ss_res = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0, r = y[i] - (f.intercept + f.slope * x[i]);
        ss_res += wi * r * r;
    }
    f.r2 = syy > 0.0 ? 1.0 - ss_res / syy : 1.0;
    f.ok = true;
    return f;
}
