/*
 * gantt.c - figures of hetero map: the timeline (--gantt) and the granularity sweep's U-curve.
 *
 * The timeline has one panel per policy and one lane per worker; each box is a task (or tasks
 * merged where they were closer than the resolution, about 2000 boxes per lane), coloured by its
 * time per task on a log scale shared by every panel, and every panel has the same time axis, so
 * the idle tail of static-block and its absence under dynamic are seen side by side.  Data go
 * inline into the gnuplot script (plot.h) and into base.csv for other tools.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hetero/core/error.h"
#include "hetero/core/plot.h"
#include "hetero/core/report.h"
#include "hetero/map/map.h"

static char *strip_extension(const char *base) {
    char *b = strdup(base);
    if (!b)
        return NULL;
    char *dot = strrchr(b, '.');
    if (dot && (strcasecmp(dot, ".svg") == 0 || strcasecmp(dot, ".png") == 0 ||
                strcasecmp(dot, ".csv") == 0))
        *dot = '\0';
    return b;
}

static int write_intervals_csv(const hx_map_report *r, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f)
        return hx_fail(HX_ERR_RUNTIME, "cannot write %s", path);
    fputs("policy,worker,start_s,end_s,tasks,first_task\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const hx_map_run *run = &r->results[i].run;
        for (unsigned w = 0; w < run->workers; w++)
            for (size_t k = 0; k < run->w[w].niv; k++) {
                const hx_map_interval *iv = &run->w[w].iv[k];
                fprintf(f, "%s,%u,%.9g,%.9g,%llu,%llu\n", hx_map_policy_names[run->policy], w,
                        iv->start, iv->end, (unsigned long long)iv->count,
                        (unsigned long long)iv->first);
            }
    }
    if (fclose(f) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot write %s", path);
    return HX_OK;
}

typedef struct span {
    double tmax, cmin, cmax;
} span;

static span extent(const hx_map_report *r) {
    span s = {0.0, 1e300, 0.0};
    for (size_t i = 0; i < r->n; i++) {
        const hx_map_run *run = &r->results[i].run;
        s.tmax = run->makespan_s > s.tmax ? run->makespan_s : s.tmax;
        for (unsigned w = 0; w < run->workers; w++)
            for (size_t k = 0; k < run->w[w].niv; k++) {
                const hx_map_interval *iv = &run->w[w].iv[k];
                double c = (iv->end - iv->start) / (double)(iv->count ? iv->count : 1);
                c = c > 1e-9 ? c : 1e-9;
                s.cmin = c < s.cmin ? c : s.cmin;
                s.cmax = c > s.cmax ? c : s.cmax;
            }
    }
    if (s.cmax <= s.cmin) {
        s.cmin = s.cmin < 1e300 ? s.cmin / 2 : 1e-9;
        s.cmax = s.cmin * 4;
    }
    return s;
}

static void gantt_panel(FILE *f, const hx_map_result *x, size_t index, bool last, span sp) {
    const hx_map_run *run = &x->run;
    fprintf(f, "$d%zu << EOD\n", index);
    for (unsigned w = 0; w < run->workers; w++)
        for (size_t k = 0; k < run->w[w].niv; k++) {
            const hx_map_interval *iv = &run->w[w].iv[k];
            double c = (iv->end - iv->start) / (double)(iv->count ? iv->count : 1);
            fprintf(f, "%.9g %u %.9g %.9g %.3f %.3f %.6g\n", (iv->start + iv->end) / 2, w,
                    iv->start, iv->end, w - 0.4, w + 0.4, c > 1e-9 ? c : 1e-9);
        }
    fputs("EOD\n", f);
    char ms[32];
    hx_format_seconds(ms, sizeof ms, x->makespan.median);
    fprintf(f, "set title \"%s: makespan %s, imbalance %.2fx\"\n", hx_map_policy_names[x->policy],
            ms, x->imbalance);
    fprintf(f, "set yrange [-0.6:%u.6]\nset ytics (", run->workers - 1);
    for (unsigned w = 0; w < run->workers; w++)
        fprintf(f, "%s\"%s%u\" %u", w ? ", " : "", run->w[w].device ? "dev w" : "w", w, w);
    fprintf(f, ")\nset xrange [0:%.9g]\n", sp.tmax * 1.02);
    fputs(last ? "set xlabel \"time (s) from the run's start\"\n" : "unset xlabel\n", f);
    fprintf(f,
            "plot $d%zu using 1:2:3:4:5:6:7 with boxxyerror fs solid 1.0 noborder "
            "lc palette notitle\n",
            index);
}

static int draw_gantt(const hx_map_report *r, const char *path, hx_plot_kind kind) {
    char *script = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&script, &len);
    if (!f)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the gantt script");
    span sp = extent(r);
    unsigned lanes = 0;
    for (size_t i = 0; i < r->n; i++)
        lanes += r->results[i].run.workers;
    int height = 80 * (int)r->n + 22 * (int)lanes + 60;
    char term[1400];
    fputs(hx_plot_terminal(kind, path, 1200, height, term, sizeof term), f);
    fprintf(f, "set multiplot layout %zu,1 title \"hetero map: %s\"\n", r->n, r->src->describe);
    fprintf(f,
            "set logscale cb\nset cbrange [%.6g:%.6g]\nset palette rgb 33,13,10\n"
            "set cblabel \"s per task\"\nset format cb \"%%.0e\"\nset grid xtics\n"
            "set lmargin 8\nset rmargin 18\n",
            sp.cmin, sp.cmax);
    for (size_t i = 0; i < r->n; i++)
        gantt_panel(f, &r->results[i], i, i + 1 == r->n, sp);
    fputs("unset multiplot\n", f);
    if (fclose(f) != 0) {
        free(script);
        return hx_fail(HX_ERR_RUNTIME, "cannot build the gantt script");
    }
    int status = hx_plot_run(script, path);
    free(script);
    return status;
}

int hx_map_gantt(const hx_map_report *r, const char *base) {
    char *b = strip_extension(base);
    char *path = b ? malloc(strlen(b) + 8) : NULL;
    if (!path) {
        free(b);
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    sprintf(path, "%s.csv", b);
    int status = write_intervals_csv(r, path);
    if (status == HX_OK) {
        sprintf(path, "%s.png", b);
        status = draw_gantt(r, path, HX_PLOT_PNG);
    }
    if (status == HX_OK) {
        sprintf(path, "%s.svg", b);
        status = draw_gantt(r, path, HX_PLOT_SVG);
    }
    free(path);
    free(b);
    return status;
}

/* ---- the sweep's U-curve ----------------------------------------------------------------------
 */

int hx_map_sweep_plot(const hx_map_sweep *sw, const char *path) {
    hx_plot_kind kind;
    HX_TRY(hx_plot_kind_of("--plot", path, &kind));
    char *script = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&script, &len);
    if (!f)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the sweep script");
    char term[1400];
    fputs(hx_plot_terminal(kind, path, 1100, 480, term, sizeof term), f);
    for (int p = 0; p < 2; p++) {
        fprintf(f, "$p%d << EOD\n", p);
        for (size_t i = 0; i < sw->nchunks; i++) {
            const hx_map_result *x = &sw->cells[p][i];
            fprintf(f, "%llu %.9g %.9g %.9g %.6g\n", (unsigned long long)sw->chunks[i],
                    x->makespan.median, x->makespan.min, x->makespan.max,
                    x->overhead_ns > 0.01 ? x->overhead_ns : 0.01);
        }
        fprintf(f, "EOD\n$b%d << EOD\n%llu %.9g\nEOD\n", p,
                (unsigned long long)sw->chunks[sw->best[p]],
                sw->cells[p][sw->best[p]].makespan.median);
    }
    fprintf(f, "set multiplot layout 1,2 title \"hetero map sweep: %s, %u workers\"\n",
            sw->src->describe, sw->cfg.run.workers);
    fputs("set logscale x 2\nset logscale y\nset xlabel \"chunk (tasks per claim)\"\nset grid\n"
          "set key top center\nset ylabel \"makespan (s), median, min..max (log scale)\"\n"
          "plot $p0 using 1:2:3:4 with yerrorlines lc rgb \"#1f77b4\" title \"dynamic\", "
          "$p1 using 1:2:3:4 with yerrorlines lc rgb \"#d62728\" title \"manager-worker\", "
          "$b0 using 1:2 with points pt 7 ps 2 lc rgb \"#1f77b4\" title \"best dynamic\", "
          "$b1 using 1:2 with points pt 7 ps 2 lc rgb \"#d62728\" title \"best manager-worker\"\n"
          "set ylabel \"overhead per task (ns)\"\n"
          "plot $p0 using 1:5 with linespoints lc rgb \"#1f77b4\" title \"dynamic\", "
          "$p1 using 1:5 with linespoints lc rgb \"#d62728\" title \"manager-worker\"\n"
          "unset multiplot\n",
          f);
    if (fclose(f) != 0) {
        free(script);
        return hx_fail(HX_ERR_RUNTIME, "cannot build the sweep script");
    }
    int status = hx_plot_run(script, path);
    free(script);
    return status;
}
