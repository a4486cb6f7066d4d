/*
 * bench_report.c - the table, CSV, JSON and gnuplot writers of `hetero mpi pingpong` and
 * `hetero mpi collectives` (schemas in docs/json.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "hetero/mpi/bench.h"

static void json_host(hx_json *j) {
    hx_host_info host;
    hx_host_info_get(&host);
    hx_json_kv_host(j, &host);
}

static void fit_line(FILE *out, const hx_pingpong_result *r) {
    const hx_hockney *f = &r->fit;
    if (!f->ok) {
        fprintf(out, "Hockney fit: not possible from %zu size%s\n", r->n, r->n == 1 ? "" : "s");
        return;
    }
    fprintf(out,
            "Hockney fit t(n) = alpha + n/beta over %zu sizes (least squares weighted by "
            "1/t^2): alpha = %.3f us, beta = %.3f GB/s, R^2 = %.4f\n",
            f->points, f->alpha_us, f->beta_gbps, f->r2);
}

/* ---- ping-pong --------------------------------------------------------------------------------
 */

static int pingpong_table(FILE *out, const hx_pingpong_result *r) {
    fprintf(out, "hetero mpi pingpong: ranks 0 and 1 of %d, %s: %s (%s)\n", r->ranks,
            r->transport.same_node ? "one node" : "two nodes", r->transport.name,
            r->transport.what);
    static const char *const headers[] = {"bytes", "round trips", "latency",       "median",
                                          "GB/s",  "model",       "model/measured"};
    hx_table *t = hx_table_new(7, headers, "rrrrrrr");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        const hx_pingpong_point *p = &r->points[i];
        char size[32], lat[32], med[32], model[32], ratio[32];
        double m = r->fit.ok ? r->fit.alpha_us + (double)p->bytes / (r->fit.beta_gbps * 1e3) : NAN;
        hx_format_bytes(p->bytes, size, sizeof size);
        hx_format_seconds(lat, sizeof lat, p->latency_us * 1e-6);
        hx_format_seconds(med, sizeof med, p->median_us * 1e-6);
        hx_format_seconds(model, sizeof model, m * 1e-6);
        hx_format_number(ratio, sizeof ratio, m / p->latency_us, "%.2f");
        hx_table_row(t);
        hx_table_cell(t, "%s", size);
        hx_table_cell(t, "%d", p->iters);
        hx_table_cell(t, "%s", lat);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%.3f", p->gbps);
        hx_table_cell(t, "%s", model);
        hx_table_cell(t, "%s", ratio);
    }
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "latency = half a round trip, best of %d batches (median beside it), each after a "
            "warm-up of a tenth of its round trips\n",
            r->opts.batches);
    fit_line(out, r);
    fprintf(out, "transport: %s\n", r->transport.detail);
    return HX_OK;
}

static int pingpong_csv(FILE *out, const hx_pingpong_result *r) {
    fputs("bytes,iters,latency_us,latency_median_us,gbps,alpha_us,beta_gbps,r2,transport\n", out);
    for (size_t i = 0; i < r->n; i++) {
        const hx_pingpong_point *p = &r->points[i];
        fprintf(out, "%zu,%d", p->bytes, p->iters);
        hx_csv_number(out, p->latency_us);
        hx_csv_number(out, p->median_us);
        hx_csv_number(out, p->gbps);
        hx_csv_number(out, r->fit.alpha_us);
        hx_csv_number(out, r->fit.beta_gbps);
        hx_csv_number(out, r->fit.r2);
        hx_csv_field(out, r->transport.name, 0);
        fputc('\n', out);
    }
    return HX_OK;
}

static int pingpong_json(FILE *out, const hx_pingpong_result *r) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_PINGPONG_SCHEMA);
    hx_json_kv_provenance(&j);
    json_host(&j);
    hx_json_kv_int(&j, "ranks", r->ranks);
    hx_json_kv_bool(&j, "same_node", r->transport.same_node);
    hx_json_kv_int(&j, "batches", r->opts.batches);
    hx_json_kv_int(&j, "iters", r->opts.iters);
    hx_json_key(&j, "points");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < r->n; i++) {
        const hx_pingpong_point *p = &r->points[i];
        hx_json_object_begin(&j);
        hx_json_kv_int(&j, "bytes", (int64_t)p->bytes);
        hx_json_kv_int(&j, "iters", p->iters);
        hx_json_kv_number(&j, "latency_us", p->latency_us);
        hx_json_kv_number(&j, "latency_median_us", p->median_us);
        hx_json_kv_number(&j, "gbps", p->gbps);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_key(&j, "fit");
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "model", "t(n) = alpha + n / beta");
    hx_json_kv_bool(&j, "ok", r->fit.ok);
    hx_json_kv_number(&j, "alpha_us", r->fit.alpha_us);
    hx_json_kv_number(&j, "beta_gbps", r->fit.beta_gbps);
    hx_json_kv_number(&j, "r2", r->fit.r2);
    hx_json_kv_int(&j, "points", (int64_t)r->fit.points);
    hx_json_kv_string(&j, "transport", r->transport.name);
    hx_json_kv_string(&j, "transport_kind", r->transport.what);
    hx_json_kv_string(&j, "transport_detail", r->transport.detail);
    hx_json_object_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

int hx_pingpong_write(FILE *out, hx_format fmt, const hx_pingpong_result *r) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return pingpong_json(out, r);
    case HX_FORMAT_CSV:
        return pingpong_csv(out, r);
    default:
        return pingpong_table(out, r);
    }
}

static void pingpong_script(FILE *f, const hx_pingpong_result *r) {
    fputs("$pp << EOD\n", f);
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%zu %.9g %.9g %.9g\n", r->points[i].bytes, r->points[i].latency_us,
                r->points[i].median_us, r->points[i].gbps);
    fputs("EOD\n", f);
    fprintf(f, "set multiplot layout 1,2 title \"hetero mpi pingpong: %s (%s)\"\n",
            r->transport.name, r->transport.what);
    fputs("set logscale x 2\nset xtics 16\nset logscale y 10\nset grid\nset key top left\n"
          "set format x \"%.0b%B\"\nset xlabel \"message size (bytes)\"\n"
          "set ylabel \"half round trip (us)\"\n",
          f);
    fputs("plot $pp using 1:2 title \"best\" with linespoints pt 7, "
          "$pp using 1:3 title \"median\" with points pt 6",
          f);
    if (r->fit.ok)
        fprintf(f,
                ", %.9g + x / (%.9g * 1e3) title \"Hockney: alpha = %.2f us, beta = %.2f GB/s\" "
                "with lines dashtype 2 lw 2",
                r->fit.alpha_us, r->fit.beta_gbps, r->fit.alpha_us, r->fit.beta_gbps);
    fputs("\nset ylabel \"bandwidth (GB/s)\"\nset key bottom right\n"
          "plot $pp using 1:4 title \"measured\" with linespoints pt 7",
          f);
    if (r->fit.ok)
        fprintf(f,
                ", x / (%.9g + x / (%.9g * 1e3)) / 1e3 title \"model\" with lines dashtype 2 lw 2, "
                "%.9g title \"beta\" with lines dashtype 3",
                r->fit.alpha_us, r->fit.beta_gbps, r->fit.beta_gbps);
    fputs("\nunset multiplot\n", f);
}

int hx_pingpong_plot(const char *path, const hx_pingpong_result *r) {
    hx_plot_script s;
    HX_TRY(hx_plot_script_open(&s, path, 1100, 480));
    pingpong_script(s.f, r);
    return hx_plot_script_run(&s);
}

/* ---- collectives ------------------------------------------------------------------------------
 */

static int collectives_table(FILE *out, const hx_collectives_result *r) {
    fprintf(out, "hetero mpi collectives: %d ranks\n", r->ranks);
    static const char *const headers[] = {"operation", "ranks", "bytes", "calls",
                                          "avg",       "min",   "max"};
    hx_table *t = hx_table_new(7, headers, "lrrrrrr");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        const hx_collective_point *p = &r->points[i];
        char size[32], avg[32], lo[32], hi[32];
        hx_format_bytes(p->bytes, size, sizeof size);
        hx_format_seconds(avg, sizeof avg, p->avg_us * 1e-6);
        hx_format_seconds(lo, sizeof lo, p->min_us * 1e-6);
        hx_format_seconds(hi, sizeof hi, p->max_us * 1e-6);
        hx_table_row(t);
        hx_table_cell(t, "%s", hx_collective_name(p->op));
        hx_table_cell(t, "%d", p->ranks);
        hx_table_cell(t, "%s", size);
        hx_table_cell(t, "%d", p->iters);
        hx_table_cell(t, "%s", avg);
        hx_table_cell(t, "%s", lo);
        hx_table_cell(t, "%s", hi);
    }
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "time per call: avg over the ranks, min and max the fastest and slowest rank, from "
            "the median of %d batches; bytes: per rank (allreduce, bcast), per pair of ranks "
            "(alltoall)\n",
            r->opts.batches);
    return HX_OK;
}

static int collectives_csv(FILE *out, const hx_collectives_result *r) {
    fputs("operation,ranks,bytes,iters,avg_us,min_us,max_us\n", out);
    for (size_t i = 0; i < r->n; i++) {
        const hx_collective_point *p = &r->points[i];
        hx_csv_field(out, hx_collective_name(p->op), 1);
        fprintf(out, ",%d,%zu,%d", p->ranks, p->bytes, p->iters);
        hx_csv_number(out, p->avg_us);
        hx_csv_number(out, p->min_us);
        hx_csv_number(out, p->max_us);
        fputc('\n', out);
    }
    return HX_OK;
}

static int collectives_json(FILE *out, const hx_collectives_result *r) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_COLLECTIVES_SCHEMA);
    hx_json_kv_provenance(&j);
    json_host(&j);
    hx_json_kv_int(&j, "ranks", r->ranks);
    hx_json_kv_int(&j, "batches", r->opts.batches);
    hx_json_key(&j, "points");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < r->n; i++) {
        const hx_collective_point *p = &r->points[i];
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "operation", hx_collective_name(p->op));
        hx_json_kv_int(&j, "ranks", p->ranks);
        hx_json_kv_int(&j, "bytes", (int64_t)p->bytes);
        hx_json_kv_int(&j, "iters", p->iters);
        hx_json_kv_number(&j, "latency_us", p->avg_us);
        hx_json_kv_number(&j, "min_us", p->min_us);
        hx_json_kv_number(&j, "max_us", p->max_us);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

int hx_collectives_write(FILE *out, hx_format fmt, const hx_collectives_result *r) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return collectives_json(out, r);
    case HX_FORMAT_CSV:
        return collectives_csv(out, r);
    default:
        return collectives_table(out, r);
    }
}

static void collectives_script(FILE *f, const hx_collectives_result *r) {
    /* one datablock per (operation, ranks) */
    char curves[64][64];
    size_t ncurves = 0;
    for (size_t i = 0; i < r->n && ncurves < 64; i++) {
        const hx_collective_point *p = &r->points[i];
        if (i > 0 && p->op == r->points[i - 1].op && p->ranks == r->points[i - 1].ranks)
            continue;
        snprintf(curves[ncurves], sizeof curves[0], "%s, %d ranks", hx_collective_name(p->op),
                 p->ranks);
        fprintf(f, "%s$c%zu << EOD\n", ncurves ? "EOD\n" : "", ncurves);
        ncurves++;
        for (size_t k = i; k < r->n && r->points[k].op == p->op && r->points[k].ranks == p->ranks;
             k++)
            fprintf(f, "%zu %.9g\n", r->points[k].bytes, r->points[k].avg_us);
    }
    if (ncurves)
        fputs("EOD\n", f);
    fprintf(f, "set title \"hetero mpi collectives: time per call against size\"\n"
               "set logscale x 2\nset xtics 16\nset logscale y 10\nset grid\nset key top left\nset "
               "format x \"%%.0b%%B\"\nset xlabel \"bytes\"\n"
               "set ylabel \"time per call (us), average over the ranks\"\nplot ");
    for (size_t c = 0; c < ncurves; c++)
        fprintf(f, "%s$c%zu using 1:2 title \"%s\" with linespoints pt 7", c ? ", " : "", c,
                curves[c]);
    fputc('\n', f);
}

int hx_collectives_plot(const char *path, const hx_collectives_result *r) {
    if (r->n == 0)
        return hx_fail(HX_ERR_RUNTIME, "no points to plot");
    hx_plot_script s;
    HX_TRY(hx_plot_script_open(&s, path, 900, 560));
    collectives_script(s.f, r);
    return hx_plot_script_run(&s);
}
