/*
 * plot.c - the gnuplot figure of a scaling sweep (see report.h).
 *
 * The data goes inline as datablocks, one per backend.  A threads sweep draws three panels
 * against p: S(p) with the ideal S = p and each fitted law, E(p), and Karp-Flatt e(p).  The
 * points a law was fitted to are filled and joined; oversubscribed points (p above the cores)
 * are hollow and not joined, since they measure time-slicing, not more processors; a fit that is
 * no fit puts its reason in the key instead of a curve.  A size sweep draws time and GB/s (or
 * GFLOP/s) against the working set, log-scaled, with the cache sizes as dashed lines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/analysis/report.h"
#include "hetero/core/error.h"
#include "internal.h"

/* Datablock names allow letters and digits only ("omp-simd" would not do). */
static const char *block(hx_backend b) {
    static const char *const names[HX_BACKEND_COUNT] = {
        [HX_BACKEND_SERIAL] = "serial",   [HX_BACKEND_SIMD] = "simd",
        [HX_BACKEND_OMP] = "omp",         [HX_BACKEND_OMP_SIMD] = "ompsimd",
        [HX_BACKEND_THREADS] = "threads", [HX_BACKEND_BLAS] = "blas",
        [HX_BACKEND_OPENCL] = "opencl",   [HX_BACKEND_CUDA] = "cuda",
        [HX_BACKEND_MPI] = "mpi"};
    return names[b];
}

static int colour(hx_backend b) { /* one colour per backend in every panel */
    return (int)b + 1;
}

/* ---- threads sweeps ------------------------------------------------------------------------- */

/* Columns: p, S, E, e(p) (NaN where no fit), oversubscribed (0/1). */
static void threads_data(FILE *f, const hx_scale_run *run) {
    for (size_t k = 0; k < run->nfits; k++) {
        hx_backend b = run->fits[k].backend;
        fprintf(f, "$%s << EOD\n", block(b));
        for (size_t i = 0; i < run->n; i++) {
            const hx_scale_point *pt = &run->points[i];
            if (pt->backend == b)
                fprintf(f, "%u %.9g %.9g %.9g %d\n", pt->p, pt->speedup, pt->efficiency,
                        pt->karp_flatt, pt->oversubscribed);
        }
        fputs("EOD\n", f);
    }
}

static double column(const hx_scale_point *pt, int col) {
    return col == 2 ? pt->speedup : col == 3 ? pt->efficiency : pt->karp_flatt;
}

/* Whether backend b has a value to draw in column col among its oversubscribed points (over)
 * or the others: gnuplot warns about a series with none. */
static bool drawable(const hx_scale_run *run, hx_backend b, int col, bool over) {
    for (size_t i = 0; i < run->n; i++) {
        const hx_scale_point *pt = &run->points[i];
        if (pt->backend == b && pt->oversubscribed == over && isfinite(column(pt, col)))
            return true;
    }
    return false;
}

/* One panel's series: the measured points of every backend in column col, fitted-style and
 * oversubscribed-style. */
static void series(FILE *f, const hx_scale_run *run, int col) {
    for (size_t k = 0; k < run->nfits; k++) {
        hx_backend b = run->fits[k].backend;
        const char *name = hx_backend_name(b);
        if (drawable(run, b, col, false))
            fprintf(f,
                    ", $%s using 1:($5 == 0 ? $%d : NaN) title \"%s\" with linespoints pt 7 "
                    "lw 2 lc %d",
                    block(b), col, name, colour(b));
        if (drawable(run, b, col, true))
            fprintf(f,
                    ", $%s using 1:($5 == 1 ? $%d : NaN) title \"%s oversubscribed (not "
                    "fitted)\" with points pt 6 ps 1.5 lc %d",
                    block(b), col, name, colour(b));
    }
}

static void law_curves(FILE *f, const hx_scale_run *run, bool weak) {
    for (size_t k = 0; k < run->nfits; k++) {
        const hx_scale_fit *fit = &run->fits[k];
        const char *name = hx_backend_name(fit->backend);
        double v = fit->fit.value;
        int lc = colour(fit->backend);
        if (!fit->ok) /* the reason up to its first ';', to fit in the key */
            fprintf(f, ", keyentry with lines dashtype 2 lc %d title \"%s %s: no fit, %.*s\"", lc,
                    name, weak ? "Gustafson" : "Amdahl", (int)strcspn(fit->no_fit, ";"),
                    fit->no_fit);
        else if (weak)
            fprintf(f,
                    ", x - %.9g*(x-1) title \"%s Gustafson a=%.3f%s\" with lines dashtype 2 lw "
                    "1.5 lc %d",
                    v, name, v, fit->exact ? " (exact: one point)" : "", lc);
        else
            fprintf(f,
                    ", 1/((1-%.9g) + %.9g/x) title \"%s Amdahl P=%.3f%s\" with lines dashtype 2 "
                    "lw 1.5 lc %d",
                    v, v, name, v, fit->exact ? " (exact: one point)" : "", lc);
    }
}

/* e(p) = 1 - P at every p for an Amdahl fit; Gustafson's a is the weak-scaling analogue. */
static void karp_flatt_lines(FILE *f, const hx_scale_run *run, bool weak) {
    for (size_t k = 0; k < run->nfits; k++) {
        const hx_scale_fit *fit = &run->fits[k];
        if (fit->ok)
            fprintf(f, ", %.9g title \"%s: %s\" with lines dashtype 2 lc %d",
                    weak ? fit->fit.value : 1.0 - fit->fit.value, hx_backend_name(fit->backend),
                    weak ? "a" : "1 - P", colour(fit->backend));
    }
}

static void plot_threads(FILE *f, const hx_scale_config *c, const hx_scale_run *run) {
    bool weak = c->mode == HX_SCALE_WEAK;
    double pmax = 1;
    for (size_t i = 0; i < run->n; i++)
        pmax = fmax(pmax, run->points[i].p);
    threads_data(f, run);
    fprintf(f, "set multiplot layout 1,3 title \"hetero scale %s: %s scaling\"\n", c->w->name,
            hx_scale_mode_name(c->mode));
    fprintf(f,
            "set xlabel \"p (threads or compute units)\"\nset xrange [0.8:%g]\nset grid\n"
            "set key top left Left reverse\nset ylabel \"%s\"\nset yrange [0:*]\n",
            pmax * 1.1, weak ? "scaled speedup S(p)" : "speedup S(p) = T1/Tp");
    fputs("plot x title \"ideal S = p\" with lines dashtype 2 lc rgb \"gray40\"", f);
    series(f, run, 2);
    law_curves(f, run, weak);
    fputs("\nset ylabel \"efficiency E(p) = S/p\"\nset yrange [0:1.2]\nset key bottom left\n", f);
    fputs("plot 1 title \"ideal E = 1\" with lines dashtype 2 lc rgb \"gray40\"", f);
    series(f, run, 3);
    fputs("\nset ylabel \"Karp-Flatt e(p)\"\nset yrange [0:1]\nset key top left\n", f);
    fputs("plot 0 title \"e = 0: no serial fraction\" with lines dashtype 2 lc rgb \"gray40\"", f);
    series(f, run, 4);
    karp_flatt_lines(f, run, weak);
    fputs("\nunset multiplot\n", f);
}

/* ---- size sweeps ---------------------------------------------------------------------------- */

static void sizes_data(FILE *f, const hx_scale_run *run, const bool *seen, bool by_bytes) {
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!seen[b])
            continue;
        fprintf(f, "$%s << EOD\n", block((hx_backend)b));
        for (size_t i = 0; i < run->n; i++) {
            const hx_scale_point *pt = &run->points[i];
            if (pt->backend == (hx_backend)b)
                fprintf(f, "%.9g %.9g %.9g %.9g\n", pt->working_set, pt->r.time.median,
                        pt->r.has_e2e ? pt->r.e2e.median : NAN,
                        by_bytes ? pt->r.gbps : pt->r.gflops);
        }
        fputs("EOD\n", f);
    }
}

/* A fixed x range for both panels, and only the cache sizes inside it. */
static void cache_marks(FILE *f, const hx_scale_run *run) {
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < run->n; i++) {
        lo = fmin(lo, run->points[i].working_set);
        hi = fmax(hi, run->points[i].working_set);
    }
    if (run->n > 0)
        fprintf(f, "set xrange [%.9g:%.9g]\n", lo / 1.5, hi * 1.5);
    for (size_t i = 0; i < run->ncaches; i++) {
        unsigned long long bytes = (unsigned long long)run->caches[i].bytes;
        if ((double)bytes >= lo / 1.5 && (double)bytes <= hi * 1.5)
            fprintf(f,
                    "set arrow from %llu, graph 0 to %llu, graph 1 nohead dashtype 2 lc rgb "
                    "\"gray50\"\nset label \"L%d\" at %llu, graph 0.97 offset 0.3,0\n",
                    bytes, bytes, run->caches[i].level, bytes);
    }
}

static void sizes_series(FILE *f, const bool *seen, int col, bool with_e2e) {
    bool first = true;
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!seen[b])
            continue;
        const char *name = hx_backend_name((hx_backend)b);
        bool ocl = b == HX_BACKEND_OPENCL;
        fprintf(f, "%s$%s using 1:%d title \"%s%s\" with linespoints pt 7 lc %d", first ? "" : ", ",
                block((hx_backend)b), col, name, ocl && with_e2e ? " (kernel)" : "", b + 1);
        if (ocl && with_e2e)
            fprintf(f,
                    ", $%s using 1:3 title \"opencl (end to end)\" with linespoints pt 6 "
                    "dashtype 2 lc %d",
                    block((hx_backend)b), b + 1);
        first = false;
    }
}

static void plot_sizes(FILE *f, const hx_scale_config *c, const hx_scale_run *run) {
    /* GB/s for workloads that move at least a byte per flop, GFLOP/s for the others */
    bool by_bytes = !(run->n > 0 && run->points[0].r.flops > run->points[0].r.bytes);
    bool seen[HX_BACKEND_COUNT] = {false};
    for (size_t i = 0; i < run->n; i++)
        seen[run->points[i].backend] = true;
    sizes_data(f, run, seen, by_bytes);
    fprintf(f, "set multiplot layout 1,2 title \"hetero scale %s: size sweep\"\n", c->w->name);
    fputs("set logscale x 2\nset logscale y 10\nset grid\nset key bottom right\n"
          "set format x \"%.0b%B\"\nset xlabel \"working set (bytes)\"\n",
          f);
    cache_marks(f, run);
    fputs("set format y \"10^{%T}\"\nset ylabel \"time (s), median\"\nplot ", f);
    sizes_series(f, seen, 2, true);
    fprintf(f,
            "\nunset logscale y\nset format y \"%%g\"\nset yrange [0:*]\nset key top right\n"
            "set ylabel \"%s\"\nplot ",
            by_bytes ? "GB/s" : "GFLOP/s");
    sizes_series(f, seen, 4, false);
    fputs("\nunset multiplot\n", f);
}

void hx_scale_plot_script(FILE *f, const hx_scale_config *c, const hx_scale_run *run) {
    if (c->mode == HX_SCALE_SIZES)
        plot_sizes(f, c, run);
    else
        plot_threads(f, c, run);
}

int hx_scale_plot(const hx_scale_config *c, const hx_scale_run *run, const char *path) {
    hx_plot_script s;
    HX_TRY(hx_plot_script_open(&s, path, c->mode == HX_SCALE_SIZES ? 1100 : 1500, 480));
    hx_scale_plot_script(s.f, c, run);
    return hx_plot_script_run(&s);
}
