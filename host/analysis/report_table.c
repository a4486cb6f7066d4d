/*
 * report_table.c - the table report of a scaling sweep (see report.h).
 *
 * One row per point, then the lines that explain them: skipped points, what S and S abs divide
 * by, the fits (a number, or "no fit" and why), what oversubscribed and superlinear mean when a
 * row is marked so, the caches and the crossover of a size sweep, and the memory estimate.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hetero/analysis/report.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/table.h"
#include "internal.h"

static const char *const headers[] = {"backend", "device",     "p",      "size",     "working set",
                                      "fits",    "share fits", "median", "min..max", "e2e median",
                                      "S",       "S abs",      "E",      "e(p)",     "GB/s",
                                      "GFLOP/s", "verified",   "note"};
#define NCOLS (sizeof headers / sizeof headers[0])

static void header_line(FILE *out, const hx_scale_config *c) {
    hx_host_info host;
    hx_host_info_get(&host);
    bool sizes = c->mode == HX_SCALE_SIZES;
    fprintf(out, "hetero scale %s: %s%s; host: %s, %d cores, %s\n", c->w->name,
            sizes ? "size sweep" : hx_scale_mode_name(c->mode), sizes ? "" : " scaling", host.cpu,
            host.cores, host.simd);
}

/* The note column: why a row is not like the others. */
static void note_of(const hx_scale_run *run, size_t i, char *buf, size_t len) {
    const hx_scale_point *pt = &run->points[i];
    size_t at = 0;
    buf[0] = '\0';
    if (pt->oversubscribed)
        at += (size_t)snprintf(buf + at, len - at, "oversubscribed: not fitted");
    if (pt->superlinear && at < len)
        at += (size_t)snprintf(buf + at, len - at, "%ssuperlinear: S > p%s%s%s", at ? "; " : "",
                               strcmp(pt->share_cache, pt->cache) ? " (share fits " : "",
                               strcmp(pt->share_cache, pt->cache) ? pt->share_cache : "",
                               strcmp(pt->share_cache, pt->cache) ? ")" : "");
    if (pt->noisy && at < len)
        at += (size_t)snprintf(buf + at, len - at, "%snoisy", at ? "; " : "");
    if (run->crossover == (long)i && at < len)
        snprintf(buf + at, len - at, "%scrossover: opencl e2e beats the best CPU from here",
                 at ? "; " : "");
}

static void point_row(hx_table *t, const hx_scale_run *run, size_t i) {
    const hx_scale_point *pt = &run->points[i];
    char med[40], mn[32], mx[32], e2e[32], s[32], sa[32], e[32], kf[32], gb[32], gf[32], ws[32];
    char note[256];
    hx_format_median(med, sizeof med, &pt->r); /* "~" in front when noisy */
    hx_format_seconds(mn, sizeof mn, pt->r.time.min);
    hx_format_seconds(mx, sizeof mx, pt->r.time.max);
    hx_format_seconds(e2e, sizeof e2e, pt->r.has_e2e ? pt->r.e2e.median : NAN);
    hx_format_number(s, sizeof s, pt->speedup, "%.2f");
    hx_format_number(sa, sizeof sa, pt->speedup_abs, "%.2f");
    hx_format_number(e, sizeof e, pt->efficiency, "%.2f");
    if (pt->karp_flatt_no_fit)
        snprintf(kf, sizeof kf, "no fit: %s", pt->karp_flatt_no_fit);
    else
        hx_format_number(kf, sizeof kf, pt->karp_flatt, "%.3f");
    hx_format_number(gb, sizeof gb, pt->r.gbps, "%.1f");
    hx_format_number(gf, sizeof gf, pt->r.gflops, "%.2f");
    hx_format_bytes((uint64_t)pt->working_set, ws, sizeof ws);
    note_of(run, i, note, sizeof note);
    hx_table_row(t);
    hx_table_cell(t, "%s", pt->r.backend);
    hx_table_cell(t, "%s%s%s%s", pt->r.device, pt->r.mem[0] ? " [" : "", pt->r.mem,
                  pt->r.mem[0] ? "]" : "");
    hx_table_cell(t, "%u", pt->p);
    hx_table_cell(t, "%llu", (unsigned long long)pt->r.size);
    hx_table_cell(t, "%s", ws);
    hx_table_cell(t, "%s", pt->cache);
    hx_table_cell(t, "%s", pt->share_cache);
    hx_table_cell(t, "%s", med);
    hx_table_cell(t, "%s..%s", mn, mx);
    hx_table_cell(t, "%s", e2e);
    hx_table_cell(t, "%s", s);
    hx_table_cell(t, "%s", sa);
    hx_table_cell(t, "%s", e);
    hx_table_cell(t, "%s", kf);
    hx_table_cell(t, "%s", gb);
    hx_table_cell(t, "%s", gf);
    hx_table_cell(t, "%s", pt->r.verified ? "yes" : "NO");
    hx_table_cell(t, "%s", note);
}

static int points_table(FILE *out, const hx_scale_run *run) {
    hx_table *t = hx_table_new(NCOLS, headers, "lllrrllrrrrrrrrrll");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < run->n; i++)
        point_row(t, run, i);
    hx_table_print(t, out);
    hx_table_free(t);
    return HX_OK;
}

/* The best one-processor code behind S abs, once per size of a threads sweep. */
static void best_serial_lines(FILE *out, const hx_scale_config *c, const hx_scale_run *run) {
    if (c->mode == HX_SCALE_SIZES) {
        fputs("S abs = the best one-processor code at the same size (of serial, simd, blas on "
              "one thread) / median; which one per size: CSV and JSON\n",
              out);
        return;
    }
    fputs("S abs = the best one-processor code at the same size (of serial, simd, blas on one "
          "thread) / Tp:",
          out);
    uint64_t last = 0;
    for (size_t i = 0; i < run->n; i++) {
        const hx_scale_point *pt = &run->points[i];
        if (pt->r.size == last)
            continue;
        char t[32];
        hx_format_seconds(t, sizeof t, pt->best_serial);
        fprintf(out, "%s %s %s at size %llu", last ? ";" : "",
                hx_backend_name(pt->best_serial_backend), t, (unsigned long long)pt->r.size);
        last = pt->r.size;
    }
    fputc('\n', out);
}

static void fit_line(FILE *out, const hx_scale_fit *f) {
    const char *name = hx_backend_name(f->backend);
    const char *law = f->weak ? "Gustafson S(p) = p - a(p-1)" : "Amdahl";
    if (!f->ok) {
        fprintf(out, "fit %s: %s: no fit: %s\n", name, law, f->no_fit);
    } else if (f->exact) {
        fprintf(out,
                "fit %s: %s %s = %.4f, exact through the one point with 1 < p <= cores (residual "
                "0 by construction: it reads that point, 1 - e(p))\n",
                name, law, f->weak ? "a" : "P", f->fit.value);
    } else if (f->weak) {
        fprintf(out, "fit %s: %s: a = %.4f (rms residual %.3g over %zu points)\n", name, law,
                f->fit.value, f->fit.residual, f->fit.points);
    } else {
        char lim[32];
        hx_format_number(lim, sizeof lim, f->fit.limit, "%.2f");
        fprintf(out,
                "fit %s: Amdahl P = %.4f (serial 1-P = %.4f; rms residual %.3g over %zu points); "
                "speedup limit 1/(1-P) = %s\n",
                name, f->fit.value, 1.0 - f->fit.value, f->fit.residual, f->fit.points,
                isfinite(f->fit.limit) ? lim : "unbounded");
    }
}

/* What a marked row means, once, when there is one. */
static void mark_lines(FILE *out, const hx_scale_run *run) {
    bool over = false, super = false;
    for (size_t i = 0; i < run->n; i++) {
        over |= run->points[i].oversubscribed;
        super |= run->points[i].superlinear;
    }
    if (over)
        fprintf(out,
                "oversubscribed: p > %d cores, so threads take turns on the cores (concurrency, "
                "not parallelism); measured and marked, never fitted; their e(p) shows the "
                "overhead growing with p\n",
                run->cores);
    if (super)
        fputs("superlinear: S > p, more than p times faster on p: typically each thread's share "
              "of the working set (share fits) fits a faster cache than the whole did at p = 1\n",
              out);
}

static void sizes_lines(FILE *out, const hx_scale_run *run) {
    fputs("caches:", out);
    for (size_t i = 0; i < run->ncaches; i++) {
        char b[32];
        fprintf(out, " L%d %s", run->caches[i].level,
                hx_format_bytes(run->caches[i].bytes, b, sizeof b));
    }
    fputs(run->ncaches ? "\n" : " unknown (no sysfs cache information)\n", out);
    if (!run->have_crossover) {
        fputs("crossover: not measured (needs the opencl backend and a CPU backend)\n", out);
    } else if (run->crossover < 0) {
        fputs("crossover: none in this range - the OpenCL device, counted with transfers, does "
              "not stay ahead of the best CPU backend\n",
              out);
    } else {
        char b[32];
        fprintf(out,
                "crossover: from size %llu (working set %s) the OpenCL device end to end beats "
                "the best CPU backend\n",
                (unsigned long long)run->crossover_size,
                hx_format_bytes((uint64_t)run->crossover_ws, b, sizeof b));
    }
}

static void memory_line(FILE *out, const hx_scale_run *run) {
    char need[32], have[32];
    fprintf(out, "memory: about %s at the largest point (size %llu), %s available\n",
            hx_format_bytes((uint64_t)run->memory.estimate, need, sizeof need),
            (unsigned long long)run->memory.size,
            hx_format_bytes((uint64_t)run->memory.available, have, sizeof have));
}

int hx_scale_write_table(FILE *out, const hx_scale_config *c, const hx_scale_run *run) {
    header_line(out, c);
    HX_TRY(points_table(out, run));
    for (size_t i = 0; i < run->nskips; i++)
        fprintf(out, "skipped %s p=%u size %llu: %s\n", hx_backend_name(run->skips[i].backend),
                run->skips[i].p, (unsigned long long)run->skips[i].size, run->skips[i].reason);
    fprintf(out,
            "median of %d reps after %d warm-up; %s; E = S/p; e(p) = Karp-Flatt serial "
            "fraction (1/S - 1/p)/(1 - 1/p), no fit outside [0, 1]\n",
            c->reps, c->warmup, hx_scale_reference_text(c->mode));
    best_serial_lines(out, c, run);
    if (c->mode == HX_SCALE_WEAK)
        fprintf(out, "weak scaling: the size at p makes the work (%s) p times the work at p=1\n",
                strcmp(hx_scale_work_kind(c->w), "flops") == 0 ? "flop count" : "bytes moved");
    for (size_t i = 0; i < run->nfits; i++)
        fit_line(out, &run->fits[i]);
    mark_lines(out, run);
    if (c->mode == HX_SCALE_SIZES)
        sizes_lines(out, run);
    memory_line(out, run);
    return HX_OK;
}

int hx_scale_write(FILE *out, hx_format fmt, const hx_scale_config *c, const hx_scale_run *run) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return hx_scale_write_json(out, c, run);
    case HX_FORMAT_CSV:
        return hx_scale_write_csv(out, c, run);
    default:
        return hx_scale_write_table(out, c, run);
    }
}
