/*
 * survey.c - the device list, the figure table, the Flynn/memory classification, the repetition
 * loop of every benchmark and the roofline percentage.
 *
 * Everything here is pure (no device is touched), so the rules are unit-tested with made-up
 * inputs; survey_host.c and survey_ocl.c fill the records, bench_*.c measure them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "hetero/survey/survey.h"

static const hx_figure_def figures[HX_FIG_COUNT] = {
    [HX_FIG_COPY_GBPS] = {"copy_gbps", "copy GB/s", "GB/s"},
    [HX_FIG_TRIAD_GBPS] = {"triad_gbps", "triad GB/s", "GB/s"},
    [HX_FIG_FP32_GFLOPS] = {"fp32_gflops", "fp32 GFLOP/s", "GFLOP/s"},
    [HX_FIG_FP64_GFLOPS] = {"fp64_gflops", "fp64 GFLOP/s", "GFLOP/s"},
    [HX_FIG_LAUNCH_US] = {"launch_us", "launch us", "us"},
    [HX_FIG_H2D_GBPS] = {"h2d_gbps", "h2d GB/s", "GB/s"},
    [HX_FIG_D2H_GBPS] = {"d2h_gbps", "d2h GB/s", "GB/s"},
    [HX_FIG_H2D_PINNED_GBPS] = {"h2d_pinned_gbps", "h2d pinned GB/s", "GB/s"},
    [HX_FIG_D2H_PINNED_GBPS] = {"d2h_pinned_gbps", "d2h pinned GB/s", "GB/s"},
    [HX_FIG_ATOMIC_GOPS] = {"atomic_gops", "atomic Gop/s", "Gop/s"},
    [HX_FIG_ATOMIC_SHARED_GOPS] = {"atomic_shared_gops", "atomic 1-addr Gop/s", "Gop/s"},
};

const hx_figure_def *hx_figure_info(hx_figure_id id) {
    return id >= 0 && id < HX_FIG_COUNT ? &figures[id] : NULL;
}

int hx_figure_find(const char *key) {
    for (int i = 0; i < HX_FIG_COUNT; i++)
        if (strcmp(figures[i].key, key) == 0)
            return i;
    return -1;
}

hx_device_record *hx_survey_add(hx_survey *s, const char *kind) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        hx_device_record *d = realloc(s->dev, cap * sizeof *d);
        if (!d) {
            hx_fail(HX_ERR_RUNTIME, "out of memory listing devices");
            return NULL;
        }
        s->dev = d;
        s->cap = cap;
    }
    hx_device_record *r = &s->dev[s->n++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    return r;
}

void hx_survey_free(hx_survey *s) {
    free(s->dev);
    memset(s, 0, sizeof *s);
}

/* ---- classification ------------------------------------------------------------------------ */

void hx_classify(const hx_class_input *in, char *flynn, size_t flen, char *memory, size_t mlen) {
    bool vector = in->simd_lanes > 1;
    if (in->host) {
        /* Native code: independent instruction streams on cores (MIMD), each issuing vector
         * instructions (SIMD) when the ISA has them. */
        if (in->cores > 1)
            snprintf(flynn, flen, "%s", vector ? "MIMD of SIMD" : "MIMD");
        else
            snprintf(flynn, flen, "%s", vector ? "SIMD" : "SISD");
        if (in->numa_nodes > 1)
            snprintf(memory, mlen, "NUMA (%u nodes)", in->numa_nodes);
        else
            snprintf(memory, mlen, "UMA");
        return;
    }
    if (strcmp(in->type, "CPU") == 0) {
        snprintf(flynn, flen, "%s",
                 vector ? "MIMD of SIMD (work-groups on cores, work-items in vector lanes)"
                        : "MIMD (work-groups on cores, work-items in a loop)");
        snprintf(memory, mlen, "shared host memory");
        return;
    }
    if (strcmp(in->type, "GPU") == 0)
        snprintf(flynn, flen, "SIMT");
    else
        snprintf(flynn, flen, "data parallel (%s)", in->type);
    snprintf(memory, mlen, "%s",
             in->unified_memory ? "unified memory (shared with the host)" : "discrete memory");
}

/* ---- benchmark repetition ------------------------------------------------------------------- */

int hx_bench_repeat(hx_figure *f, hx_bench_sample_fn fn, void *ctx, double budget, int min_reps,
                    int max_reps) {
    double *v = malloc((size_t)max_reps * sizeof *v);
    if (!v)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double start = hx_now();
    int n = 0;
    int status = HX_OK;
    while (n < max_reps && (n < min_reps || hx_now() - start < budget)) {
        status = fn(ctx, &v[n]);
        if (status != HX_OK)
            break;
        n++;
    }
    if (status == HX_OK && n > 0) {
        f->stats = hx_stats_of(v, (size_t)n);
        f->measured = true;
    }
    free(v);
    return status;
}

/* ---- roofline -------------------------------------------------------------------------------- */

double hx_pct_peak(double bytes, double flops, double gbps, double gflops, double peak_bw,
                   double peak_fp, bool *memory_bound) {
    bool have_bw = peak_bw > 0 && isfinite(peak_bw) && isfinite(gbps) && bytes > 0;
    bool have_fp = peak_fp > 0 && isfinite(peak_fp) && isfinite(gflops) && flops > 0;
    *memory_bound = true;
    if (!have_bw && !have_fp)
        return NAN;
    if (have_bw && have_fp) {
        double intensity = flops / bytes;   /* flop per byte of the workload */
        double balance = peak_fp / peak_bw; /* flop per byte the machine can feed */
        *memory_bound = intensity < balance;
    } else {
        *memory_bound = have_bw;
    }
    return *memory_bound ? 100.0 * gbps / peak_bw : 100.0 * gflops / peak_fp;
}
