/*
 * lab_speedup.c - chapter 7, performance: speedup, efficiency, Amdahl, Gustafson, Karp-Flatt,
 * and chapter 8's concurrency vs parallelism, over `hetero scale`
 * (docs/labs/speedup-and-scaling.md).
 *
 * Every shape is read from the reports' own figures (schema hetero.scale/2): a figure the
 * analysis refused ("no fit") is not shown, with the analysis's reason; a shape this machine's
 * cores or caches cannot produce is "cannot show", with what it would need.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "labs.h"

enum { AMDAHL, OVER, VECADD, MANDELBROT, SUPERLINEAR, SGEMM, WEAK, SIZES };

static const hx_lab_step steps[] = {
    [AMDAHL] = {.name = "amdahl",
                .args = "scale amdahl --serial-fraction=0.1 --threads=1,2 --size=4M",
                .full_args = "scale amdahl --serial-fraction=0.1 --threads=1,2 "
                             "--plot={DIR}/amdahl.svg"},
    [OVER] = {.name = "amdahl-over",
              .args = "scale amdahl --serial-fraction=0.1 --threads=1,2,3,4 --size=4M",
              .full_args = "scale amdahl --serial-fraction=0.1 --threads=1,2,3,4 "
                           "--plot={DIR}/amdahl-over.svg"},
    [VECADD] = {.name = "vecadd",
                .args = "scale vecadd --threads=1,2 --backend=omp,omp-simd --size=4M",
                .full_args = "scale vecadd --threads=1,2 --backend=omp,omp-simd "
                             "--plot={DIR}/vecadd.svg"},
    [MANDELBROT] = {.name = "mandelbrot",
                    .args = "scale mandelbrot --threads=1,2 --backend=omp,omp-simd --size=256",
                    .full_args = "scale mandelbrot --threads=1,2 --backend=omp,omp-simd"},
    [SUPERLINEAR] = {.name = "superlinear",
                     .args = "scale vecadd --threads=1,2 --size=128K --backend=omp,omp-simd "
                             "--reps=21"},
    [SGEMM] = {.name = "sgemm",
               .args = "scale sgemm --threads=1,2 --backend=omp,blas --size=256",
               .full_args = "scale sgemm --threads=1,2 --backend=omp,blas --size=512"},
    [WEAK] = {.name = "weak",
              .args = "scale vecadd --mode=weak --size=1M --threads=1,2",
              .full_args = "scale vecadd --mode=weak --size=4M --threads=1,2 "
                           "--plot={DIR}/weak.svg"},
    [SIZES] = {.name = "sizes",
               .args = "scale vecadd --sizes=4K..4M*4 --reps=3",
               .full_args = "scale vecadd --sizes=4K..64M*4 --plot={DIR}/sizes.svg"},
};

#define BUSY "other work on the cores: compare the load average, and run it again"

static const json_t *pt(const json_t *doc, const char *backend, int p) {
    const json_t *points = json_object_get(doc, "points");
    size_t i;
    const json_t *row;
    json_array_foreach(points, i, row) {
        if (strcmp(hx_lab_string(row, "backend"), backend) == 0 &&
            (int)hx_lab_number(row, "p") == p)
            return row;
    }
    return NULL;
}

/* e(p) of a point as text: the number, or the analysis's "no fit" reason. */
static const char *kf_text(const json_t *point, char *buf, size_t len) {
    const char *why = hx_lab_string(point, "karp_flatt_no_fit");
    if (why[0])
        snprintf(buf, len, "no fit: %s", why);
    else
        snprintf(buf, len, "%.3f", hx_lab_number(point, "karp_flatt"));
    return buf;
}

static void check_amdahl(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *p2 = pt(r->docs[AMDAHL], "omp", 2);
    double e2 = hx_lab_number(p2, "karp_flatt"), s2 = hx_lab_number(p2, "speedup");
    char kf[64];
    hx_lab_find(out, "Amdahl, F = 0.1: e(2) reads the serial fraction (within 0.05)",
                fabs(e2 - 0.1) <= 0.05 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "S(2) = %.2f (the law: 1.82), e(2) = %s%s", s2, kf_text(p2, kf, sizeof kf),
                fabs(e2 - 0.1) <= 0.05 ? "" : ": " BUSY);
    const json_t *fit = hx_lab_row(r->docs[OVER], "fits", "backend", "omp", NULL, NULL);
    double P = hx_lab_number(fit, "P");
    if (m->cores < 3)
        hx_lab_find(out, "Amdahl's law fitted to 2 or more points with 1 < p <= cores",
                    HX_LAB_CANNOT_SHOW,
                    "cannot show here: %d cores, so one point with p > 1, which any P passes "
                    "exactly (P = %.3f%s%s)",
                    m->cores, P, json_is_true(json_object_get(fit, "ok")) ? "" : ", no fit: ",
                    hx_lab_string(fit, "no_fit"));
    else
        hx_lab_find(out, "Amdahl's law fitted to 2 or more points with 1 < p <= cores",
                    fabs(P - 0.9) <= 0.1 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "P = %.3f (1 - F = 0.9)%s%s", P,
                    json_is_true(json_object_get(fit, "ok")) ? "" : ", no fit: ",
                    hx_lab_string(fit, "no_fit"));
}

/* Past the cores: S no higher than at p = cores, and e(p) rising. */
static void check_oversubscribed(const hx_lab_reports *r, const hx_lab_machine *m,
                                 hx_lab_findings *out) {
    const json_t *at_cores = pt(r->docs[OVER], "omp", m->cores),
                 *last = pt(r->docs[OVER], "omp", 4);
    const char *shape = "Threads beyond the cores time-slice: S(4) no higher than S(cores)";
    const char *trend = "Karp-Flatt e(p) rises past the cores (overhead, not serial code)";
    if (m->cores >= 4 || !at_cores || !last) {
        hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW,
                    "cannot show here: %d cores, so p = 4 is not oversubscribed (run with "
                    "--threads up to twice the cores)",
                    m->cores);
        hx_lab_find(out, trend, HX_LAB_CANNOT_SHOW, "cannot show here: no oversubscribed point");
        return;
    }
    double sc = hx_lab_number(at_cores, "speedup"), s4 = hx_lab_number(last, "speedup");
    hx_lab_find(out, shape, s4 <= 1.1 * sc ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "S(%d) = %.2f, S(4) = %.2f (oversubscribed: %s)%s", m->cores, sc, s4,
                json_is_true(json_object_get(last, "oversubscribed")) ? "yes" : "no",
                s4 <= 1.1 * sc ? "" : ": S(cores) was held back by " BUSY);
    double ec = hx_lab_number(at_cores, "karp_flatt"), e4 = hx_lab_number(last, "karp_flatt");
    char a[64], b[64];
    bool both = isfinite(ec) && isfinite(e4);
    hx_lab_find(out, trend, both && e4 > ec ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "e(%d) = %s, e(4) = %s%s", m->cores, kf_text(at_cores, a, sizeof a),
                kf_text(last, b, sizeof b), both ? "" : ": a speedup outside [1, p] - " BUSY);
}

static void check_bound(const hx_lab_reports *r, hx_lab_findings *out) {
    double ev = hx_lab_number(pt(r->docs[VECADD], "omp-simd", 2), "efficiency");
    double em = hx_lab_number(pt(r->docs[MANDELBROT], "omp-simd", 2), "efficiency");
    hx_lab_find(out, "Compute-bound scales better than memory-bound: E(2) mandelbrot > vecadd",
                em > ev ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "omp-simd E(2): mandelbrot %.2f, vecadd %.2f%s", em, ev, em > ev ? "" : ": " BUSY);
}

static void check_superlinear(const hx_lab_reports *r, hx_lab_findings *out) {
    const json_t *p2 = pt(r->docs[SUPERLINEAR], "omp-simd", 2);
    const char *whole = hx_lab_string(p2, "cache"), *share = hx_lab_string(p2, "share_cache");
    const char *shape = "Superlinear speedup when each thread's share fits a faster cache";
    double s2 = hx_lab_number(p2, "speedup");
    if (strcmp(whole, share) == 0)
        hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW,
                    "cannot show here at 128K elements: the whole and each half fit %s (choose a "
                    "size whose 12 bytes per element lie between one and two L2 caches)",
                    whole);
    else
        hx_lab_find(out, shape, s2 > 2 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "omp-simd S(2) = %.2f, the whole in %s, each half in %s%s", s2, whole, share,
                    s2 > 2 ? ""
                           : ": the faster cache did not make up for the thread start-up, "
                             "or " BUSY);
}

static void check_absolute(const hx_lab_reports *r, hx_lab_findings *out) {
    const json_t *a = pt(r->docs[AMDAHL], "omp", 2), *g = pt(r->docs[SGEMM], "omp", 2);
    double sa = hx_lab_number(a, "speedup_abs"), s = hx_lab_number(a, "speedup");
    bool shown = sa < s;
    char more[160] = "";
    if (g) { /* no report when this build has no blas */
        double gsa = hx_lab_number(g, "speedup_abs"), gs = hx_lab_number(g, "speedup");
        shown &= gsa < gs;
        snprintf(more, sizeof more, "; sgemm omp S abs %.2f against %s, S %.2f", gsa,
                 hx_lab_string(g, "best_serial.backend"), gs);
    }
    hx_lab_find(out, "Absolute speedup (over the best serial code) below relative speedup",
                shown ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "amdahl omp S abs %.2f against %s, S %.2f%s", sa,
                hx_lab_string(a, "best_serial.backend"), s, more);
}

static void check_weak(const hx_lab_reports *r, hx_lab_findings *out) {
    double weak = hx_lab_number(pt(r->docs[WEAK], "omp", 2), "speedup");
    double strong = hx_lab_number(pt(r->docs[VECADD], "omp", 2), "speedup");
    hx_lab_find(out, "Memory-bound weak scaling gains nothing: vecadd scaled S(2) <= 1.1 x strong",
                weak <= 1.1 * strong ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "scaled S(2) %.2f, strong S(2) %.2f%s", weak, strong,
                weak <= 1.1 * strong ? "" : ": the doubled size still fit a cache, or " BUSY);
}

static void check_sizes(const hx_lab_reports *r, hx_lab_findings *out) {
    const json_t *points = json_object_get(r->docs[SIZES], "points");
    double peak = 0, last = NAN, omp_first = NAN, serial_first = NAN;
    const char *last_cache = "";
    size_t i;
    const json_t *row;
    json_array_foreach(points, i, row) {
        const char *b = hx_lab_string(row, "backend");
        if (strcmp(b, "simd") == 0) {
            peak = fmax(peak, hx_lab_number(row, "gbps"));
            last = hx_lab_number(row, "gbps");
            last_cache = hx_lab_string(row, "cache");
        }
        if (strcmp(b, "omp") == 0 && isnan(omp_first))
            omp_first = hx_lab_number(row, "time_s.median");
        if (strcmp(b, "serial") == 0 && isnan(serial_first))
            serial_first = hx_lab_number(row, "time_s.median");
    }
    const char *shape = "GB/s falls from cache-resident sizes to DRAM";
    if (strcmp(last_cache, "DRAM") != 0)
        hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW,
                    "cannot show here: the largest size still fits %s (run with --full)",
                    last_cache);
    else
        hx_lab_find(out, shape, last < 0.8 * peak ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "simd: peak %.1f GB/s, %.1f GB/s at the largest size", peak, last);
    hx_lab_find(out,
                "A parallel region costs a fixed time: omp loses to serial at the smallest size",
                omp_first > serial_first ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "at 4K elements: serial %.2g s, omp %.2g s", serial_first, omp_first);
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    check_amdahl(r, m, out);
    check_oversubscribed(r, m, out);
    check_bound(r, out);
    check_superlinear(r, out);
    check_absolute(r, out);
    check_weak(r, out);
    check_sizes(r, out);
}

const hx_lab hx_lab_speedup = {
    .name = "speedup-and-scaling",
    .chapter = "performance: speedup, efficiency, Amdahl, Gustafson, Karp-Flatt, scalability",
    .needs = "none",
    .handout = "docs/labs/speedup-and-scaling.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
