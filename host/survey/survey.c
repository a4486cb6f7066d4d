/*
 * survey.c - the device list, the figure table, the Flynn/memory classification, the repetition
 * loop of every benchmark and the roofline percentage.
 *
 * Everything here is pure (no device is touched), so the rules are unit-tested with made-up
 * inputs; survey_host.c and survey_ocl.c fill the records, bench_*.c, clock.c and hierarchy.c
 * measure them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "hetero/survey/survey.h"

static const hx_figure_def figures[HX_FIG_COUNT] = {
    [HX_FIG_COPY_GBPS] = {"copy_gbps", "copy GB/s", "GB/s", false},
    [HX_FIG_SCALE_GBPS] = {"scale_gbps", "scale GB/s", "GB/s", false},
    [HX_FIG_ADD_GBPS] = {"add_gbps", "add GB/s", "GB/s", false},
    [HX_FIG_TRIAD_GBPS] = {"triad_gbps", "triad GB/s", "GB/s", false},
    [HX_FIG_BANDWIDTH_GBPS] = {"bandwidth_gbps", "memory ceiling GB/s", "GB/s", false},
    [HX_FIG_FP32_GFLOPS] = {"fp32_gflops", "fp32 GFLOP/s", "GFLOP/s", false},
    [HX_FIG_FP64_GFLOPS] = {"fp64_gflops", "fp64 GFLOP/s", "GFLOP/s", false},
    [HX_FIG_FP32_THEORETICAL] = {"fp32_gflops_theoretical", "fp32 theoretical", "GFLOP/s", false},
    [HX_FIG_FP64_THEORETICAL] = {"fp64_gflops_theoretical", "fp64 theoretical", "GFLOP/s", false},
    [HX_FIG_LAUNCH_US] = {"launch_us", "launch us", "us", true},
    [HX_FIG_H2D_GBPS] = {"h2d_gbps", "h2d GB/s", "GB/s", false},
    [HX_FIG_D2H_GBPS] = {"d2h_gbps", "d2h GB/s", "GB/s", false},
    [HX_FIG_H2D_PINNED_GBPS] = {"h2d_pinned_gbps", "h2d pinned GB/s", "GB/s", false},
    [HX_FIG_D2H_PINNED_GBPS] = {"d2h_pinned_gbps", "d2h pinned GB/s", "GB/s", false},
    [HX_FIG_ATOMIC_GOPS] = {"atomic_gops", "atomic Gop/s", "Gop/s", false},
    [HX_FIG_ATOMIC_SHARED_GOPS] = {"atomic_shared_gops", "atomic 1-addr Gop/s", "Gop/s", false},
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

double hx_figure_best(const hx_figure *f, hx_figure_id id) {
    if (!f->measured || id < 0 || id >= HX_FIG_COUNT)
        return NAN;
    return figures[id].lower_is_better ? f->stats.min : f->stats.max;
}

void hx_figure_set(hx_figure *f, double value, const char *method) {
    memset(&f->stats, 0, sizeof f->stats);
    f->stats.n = 1;
    f->stats.median = f->stats.min = f->stats.max = f->stats.mean = value;
    f->measured = isfinite(value) && value > 0;
    snprintf(f->method, sizeof f->method, "%s", method);
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

void hx_record_clear_bench(hx_device_record *r) {
    r->benched = false;
    memset(&r->clock, 0, sizeof r->clock);
    memset(r->fig, 0, sizeof r->fig);
    memset(r->levels, 0, sizeof r->levels);
    r->nlevels = 0;
    r->has_curves = false;
    r->nerrors = 0;
    r->uncacheable = false;
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

/* ---- stream ceilings ----------------------------------------------------------------------- */

void hx_stream_pick(hx_device_record *r, const hx_figure all[4][2], int *best_k, int *best_nt) {
    static const hx_figure_id ids[4] = {HX_FIG_COPY_GBPS, HX_FIG_SCALE_GBPS, HX_FIG_ADD_GBPS,
                                        HX_FIG_TRIAD_GBPS};
    *best_k = 0;
    *best_nt = 0;
    for (int k = 0; k < 4; k++) {
        int pick = all[k][1].stats.max >= all[k][0].stats.max;
        r->fig[ids[k]] = all[k][pick];
        snprintf(r->fig[ids[k]].method, sizeof r->fig[0].method,
                 "best of reps, better of 2 store kinds");
        if (all[k][pick].stats.max > all[*best_k][*best_nt].stats.max)
            *best_k = k, *best_nt = pick;
    }
    hx_figure *bw = &r->fig[HX_FIG_BANDWIDTH_GBPS];
    *bw = all[*best_k][*best_nt];
    snprintf(bw->method, sizeof bw->method, "best of reps, best of 8 stream kernels");
}

/* ---- ceilings ----------------------------------------------------------------------------------
 */

double hx_mem_level_ceiling(const hx_mem_level *l) {
    double best = NAN;
    const double v[3] = {l->read_all, l->write_all, l->copy_all};
    for (int i = 0; i < 3; i++)
        if (isfinite(v[i]) && v[i] > 0 && !(best >= v[i]))
            best = v[i];
    return best;
}

static bool is_dram(const hx_mem_level *l) {
    return strcmp(l->name, "DRAM") == 0;
}

double hx_record_memory_ceiling(const hx_device_record *r) {
    double bw = hx_figure_best(&r->fig[HX_FIG_BANDWIDTH_GBPS], HX_FIG_BANDWIDTH_GBPS);
    for (size_t i = 0; i < r->nlevels; i++) {
        double l = hx_mem_level_ceiling(&r->levels[i]);
        if (is_dram(&r->levels[i]) && isfinite(l) && !(bw >= l))
            bw = l;
    }
    return bw;
}

const hx_device_record *hx_record_cache_owner(const hx_device_record *r,
                                              const hx_device_record *host) {
    if (r->nlevels > 0)
        return r;
    if (host && host->nlevels > 0 && strcmp(r->type, "CPU") == 0 && r->unified_memory)
        return host;
    return NULL;
}

/* The smallest cache level holding bytes with `instances` of it in use; its ceiling into *bw.
 * A level without a measured ceiling cannot bound the row: a faster level below it then does
 * (a higher, still honest bound), else nothing does (false). */
static bool cache_level_for(const hx_device_record *owner, double bytes, unsigned instances,
                            double *bw, char *name, size_t len) {
    double faster = NAN;
    char faster_name[8] = "";
    for (size_t i = 0; i < owner->nlevels; i++) {
        const hx_mem_level *l = &owner->levels[i];
        if (is_dram(l))
            break;
        unsigned used = instances < l->instances ? instances : l->instances;
        double capacity = (double)l->bytes * (used ? used : 1);
        double ceiling = hx_mem_level_ceiling(l);
        if (isfinite(ceiling)) {
            faster = ceiling;
            snprintf(faster_name, sizeof faster_name, "%s", l->name);
        }
        if (bytes <= capacity) {
            *bw = faster;
            snprintf(name, len, "%s", faster_name);
            return true;
        }
    }
    return false;
}

bool hx_ceiling_for(const hx_device_record *r, const hx_device_record *host, double bytes,
                    double flops, unsigned instances, hx_ceiling *c) {
    memset(c, 0, sizeof *c);
    double bw = NAN;
    const hx_device_record *owner = hx_record_cache_owner(r, host);
    bool in_cache = owner && bytes > 0 &&
                    cache_level_for(owner, bytes, instances, &bw, c->level, sizeof c->level);
    if (!in_cache) {
        bw = hx_record_memory_ceiling(r);
        snprintf(c->level, sizeof c->level, "DRAM");
    }
    double fp = hx_figure_best(&r->fig[HX_FIG_FP32_GFLOPS], HX_FIG_FP32_GFLOPS);
    c->bw = isfinite(bw) && bw > 0 ? bw : 0;
    c->fp = isfinite(fp) && fp > 0 ? fp : 0;
    if (in_cache && c->bw <= 0)
        return false; /* the level holding the data has no ceiling: DRAM's would be no bound */
    bool have_bw = c->bw > 0 && bytes > 0, have_fp = c->fp > 0 && flops > 0;
    if (!have_bw && !have_fp)
        return false;
    /* memory-bound below the machine balance (flop per byte the device can feed) */
    c->memory = have_bw && (!have_fp || flops / bytes < c->fp / c->bw);
    c->value = c->memory ? c->bw : c->fp;
    snprintf(c->name, sizeof c->name, "%s", c->memory ? c->level : "fp32");
    return true;
}
