/*
 * survey_plot.c - the figures of the survey, through gnuplot (plot.h): the memory mountain and
 * the latency staircase of `hetero devices --bench --hierarchy --plot`, and the measured
 * roofline of `hetero run --roofline --plot`.
 *
 * Each writes a complete gnuplot script with the data inline (datablocks), so no temporary data
 * files exist; the terminal (SVG or PNG) follows from the file's extension.
 *
 * The mountain is CS:APP's (figure 6.41): read throughput of one thread over working set x
 * stride, a surface whose ridges are the cache levels and whose slopes are spatial locality.
 * The staircase is the pointer-chase latency over the working set, with the level sizes marked:
 * each step is a level.  The roofline (Williams, Waterman and Patterson, 2009) puts every row of
 * a run at its arithmetic intensity under the ceilings of its device: one diagonal per memory
 * level (bandwidth x intensity) and one horizontal line per peak.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/plot.h"
#include "hetero/core/report.h"
#include "hetero/survey/survey.h"

static void quoted(FILE *f, const char *text) {
    fputc('"', f);
    for (const char *p = text; *p; p++)
        if (*p == '"' || *p == '\\')
            fputc(' ', f); /* gnuplot strings: keep them simple */
        else
            fputc(*p, f);
    fputc('"', f);
}

/* ---- the hierarchy ------------------------------------------------------------------------------
 */

static void mountain(FILE *f, const hx_hierarchy_curves *c) {
    fputs("$mountain << EOD\n", f);
    for (size_t i = 0; i < c->nsizes; i++) {
        for (size_t s = 0; s < c->nstrides; s++)
            fprintf(f, "%u %llu %.6g\n", c->mtn_stride[s], (unsigned long long)c->mtn_bytes[i],
                    c->mtn_gbps[i][s]);
        fputs("\n", f);
    }
    fputs("EOD\n", f);
    fputs("set title \"memory mountain: read GB/s, 1 thread (CS:APP 6.6)\"\n"
          "set xlabel \"stride (x 8 bytes)\"\nset ylabel \"working set\" rotate parallel\n"
          "set zlabel \"GB/s\" rotate parallel\nset logscale y 2\nset format y \"%.0b%B\"\n"
          "set xrange [*:*] reverse\nset view 60, 300\nset pm3d depthorder\n"
          "set palette rgbformulae 33,13,10\nunset colorbox\nset ticslevel 0\n"
          "splot $mountain using 1:2:3 with pm3d notitle\n",
          f);
}

static void staircase(FILE *f, const hx_device_record *r) {
    const hx_hierarchy_curves *c = &r->curves;
    fputs("$latency << EOD\n", f);
    for (size_t i = 0; i < c->nlat; i++)
        fprintf(f, "%llu %.6g\n", (unsigned long long)c->lat_bytes[i], c->lat_ns[i]);
    fputs("EOD\n", f);
    fputs("reset\nset title \"latency staircase: dependent loads, random cycle of lines\"\n"
          "set logscale x 2\nset logscale y 10\nset format x \"%.0b%B\"\nset grid\n"
          "set xlabel \"working set\"\nset ylabel \"ns per load\"\nset key bottom right\n",
          f);
    for (size_t i = 0; i < r->nlevels; i++) {
        const hx_mem_level *l = &r->levels[i];
        if (strcmp(l->name, "DRAM") == 0)
            continue;
        fprintf(f,
                "set arrow from %llu, graph 0 to %llu, graph 1 nohead dashtype 2 lc rgb "
                "\"gray50\"\nset label \"%s\" at %llu, graph 0.95 offset 0.4,0\n",
                (unsigned long long)l->bytes, (unsigned long long)l->bytes, l->name,
                (unsigned long long)l->bytes);
    }
    fputs("set label 99 ", f);
    quoted(f, c->pages);
    fputs(" at graph 0.02, graph 0.04 font \",8\"\n"
          "plot $latency using 1:2 title \"pointer chase\" with linespoints pt 7 lw 2\n",
          f);
}

int hx_hierarchy_plot(const hx_device_record *r, const char *path) {
    if (!r->has_curves || r->curves.nlat == 0)
        return hx_fail(HX_ERR_RUNTIME, "no hierarchy curves to plot for %s", r->id);
    hx_plot_script ps;
    HX_TRY(hx_plot_script_open(&ps, path, 1300, 560));
    FILE *f = ps.f;
    fputs("set multiplot layout 1,2 title ", f);
    char title[400];
    snprintf(title, sizeof title, "memory hierarchy of %s", r->name);
    quoted(f, title);
    fputs("\n", f);
    if (r->curves.nsizes > 0)
        mountain(f, &r->curves);
    staircase(f, r);
    fputs("unset multiplot\n", f);
    return hx_plot_script_run(&ps);
}

/* ---- the roofline
 * -------------------------------------------------------------------------------- */

static long record_named(const hx_survey *s, const hx_result *row) {
    bool device = strcmp(row->backend, "opencl") == 0 || strcmp(row->backend, "cuda") == 0;
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        if (!device && strcmp(r->kind, "host") == 0)
            return (long)i;
        if (device && strcmp(row->backend, r->kind) == 0 && strcmp(r->name, row->device) == 0)
            return (long)i;
    }
    return -1;
}

/* One panel: the ceilings of record k, the rows that ran on it as labelled points. */
static void roofline_panel(FILE *f, const hx_survey *s, size_t k, const hx_result *rows, size_t n) {
    const hx_device_record *r = &s->dev[k];
    const hx_device_record *host = strcmp(s->dev[0].kind, "host") == 0 ? &s->dev[0] : NULL;
    double fp32 = hx_figure_best(&r->fig[HX_FIG_FP32_GFLOPS], HX_FIG_FP32_GFLOPS);
    double fp64 = hx_figure_best(&r->fig[HX_FIG_FP64_GFLOPS], HX_FIG_FP64_GFLOPS);
    fprintf(f, "$points%zu << EOD\n", k);
    size_t shown = 0;
    double lo = 0.01, hi = 1000; /* widened to every point */
    for (size_t i = 0; i < n; i++) {
        const hx_result *row = &rows[i];
        if (record_named(s, row) != (long)k || !(row->flops > 0 && row->bytes > 0) ||
            !isfinite(row->gflops))
            continue;
        double intensity = row->flops / row->bytes;
        fprintf(f, "%.6g %.6g \"%s %s%s%s\"\n", intensity, row->gflops, row->workload, row->backend,
                row->mem[0] ? " " : "", row->mem);
        lo = fmin(lo, intensity / 3);
        hi = fmax(hi, intensity * 3);
        shown++;
    }
    fputs("EOD\n", f);
    fprintf(f, "reset\nset xrange [%.6g:%.6g]\n", lo, hi);
    fputs("set logscale xy\nset grid\nset key bottom right\n"
          "set xlabel \"arithmetic intensity (flop/byte)\"\nset ylabel \"GFLOP/s\"\n"
          "set title ",
          f);
    char title[400];
    snprintf(title, sizeof title, "%s (%s)", r->name, r->id);
    quoted(f, title);
    fputs("\nplot ", f);
    const char *sep = "";
    const hx_device_record *owner = hx_record_cache_owner(r, host);
    double peak = isfinite(fp32) ? fp32 : 1e9;
    for (size_t i = 0; owner && i < owner->nlevels; i++) {
        const hx_mem_level *l = &owner->levels[i];
        double bw = hx_mem_level_ceiling(l);
        if (strcmp(l->name, "DRAM") == 0 || !isfinite(bw))
            continue;
        fprintf(f, "%s(x*%.6g < %.6g ? x*%.6g : %.6g) title \"%s %.0f GB/s\" lw 2", sep, bw, peak,
                bw, peak, l->name, bw);
        sep = ", ";
    }
    double dram = hx_record_memory_ceiling(r);
    if (isfinite(dram))
        fprintf(f,
                "%s(x*%.6g < %.6g ? x*%.6g : %.6g) title \"DRAM %.1f GB/s\" lw 3 lc rgb \"black\"",
                sep, dram, peak, dram, peak, dram),
            sep = ", ";
    if (isfinite(fp32))
        fprintf(f, "%s%.6g title \"fp32 peak %.0f GFLOP/s\" dashtype 2 lc rgb \"red\"", sep, fp32,
                fp32),
            sep = ", ";
    if (isfinite(fp64))
        fprintf(f, "%s%.6g title \"fp64 peak %.0f GFLOP/s\" dashtype 3 lc rgb \"dark-red\"", sep,
                fp64, fp64),
            sep = ", ";
    if (shown)
        fprintf(f,
                "%s$points%zu using 1:2 title \"this run\" with points pt 7 ps 1.3 lc rgb "
                "\"blue\", $points%zu using 1:2:3 notitle with labels offset char 0.8,0.6 left "
                "font \",8\"",
                sep, k, k);
    fputs("\n", f);
}

int hx_roofline_plot(const hx_survey *s, const hx_result *rows, size_t n, const char *path) {
    bool *used = calloc(s->n + 1, sizeof *used);
    if (!used)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    size_t panels = 0;
    for (size_t i = 0; i < n; i++) {
        long k = record_named(s, &rows[i]);
        if (k >= 0 && s->dev[k].benched && !used[k]) {
            used[k] = true;
            panels++;
        }
    }
    if (panels == 0) {
        free(used);
        return hx_fail(HX_ERR_RUNTIME, "--plot: no row ran on a device with measured ceilings");
    }
    hx_plot_script ps;
    int status = hx_plot_script_open(&ps, path, 700 * (int)panels, 560);
    if (status != HX_OK) {
        free(used);
        return status;
    }
    FILE *f = ps.f;
    fprintf(f, "set multiplot layout 1,%zu title \"hetero run: the measured roofline\"\n", panels);
    for (size_t k = 0; k < s->n; k++)
        if (used[k])
            roofline_panel(f, s, k, rows, n);
    fputs("unset multiplot\n", f);
    free(used);
    return hx_plot_script_run(&ps);
}
