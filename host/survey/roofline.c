/*
 * roofline.c - `hetero run --roofline`: each result as a percentage of the ceiling that bounds
 * it, never above 100% silently.
 *
 * The ceiling is chosen by the roofline model over the memory hierarchy: a row whose working set
 * (the bytes of its cost model: each input read once, each output written once; or what the
 * workload allocates when a run sweeps its data several times) fits in a cache level is bounded
 * by that level's measured ceiling, else by DRAM's (hx_ceiling_for).  With the
 * workload's arithmetic intensity I = flops / bytes and the fp32 peak P of the device, the row
 * is memory-bound when I < P / B (B the bandwidth of that level) and pct_peak = GB/s / B, else
 * compute-bound and pct_peak = GFLOP/s / P; the row names the ceiling ("L2", "DRAM", "fp32").
 * Host backends (serial, simd, omp, omp-simd, blas) are put against the host's all-core ceilings
 * (using as many private caches as the row had threads), so a serial row shows how much of the
 * machine one scalar thread uses; OpenCL rows against the device of that name, whose caches on a
 * CPU device are the host's.
 *
 * Ceilings are upper bounds, so a row above its ceiling means the ceiling is wrong (measured
 * under load, or at another time): the row is announced, the device is re-measured once when
 * measuring is allowed (--roofline), and a ceiling still below the row is raised to the row's
 * rate, so no pct_peak above 100 reaches any report.  Without --roofline the stale device is
 * dropped from the cache, so the next %peak comes from fresh figures.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hetero/core/error.h"
#include "hetero/core/report.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"
#include "hetero/workloads/workload.h"

#define ROOFLINE_BENCH_SECONDS 2.0

int hx_survey_build(hx_survey *s, hx_ocl_device **devs, size_t *ndevs) {
    memset(s, 0, sizeof *s);
    *devs = NULL;
    *ndevs = 0;
    hx_device_record *host = hx_survey_add(s, "host");
    if (!host)
        return HX_ERR_RUNTIME;
    HX_TRY(hx_survey_host(host));
    HX_TRY(hx_ocl_devices(devs, ndevs));
    for (size_t i = 0; i < *ndevs; i++) {
        hx_device_record *r = hx_survey_add(s, "opencl");
        if (!r)
            return HX_ERR_RUNTIME;
        r->family_index = i;
        HX_TRY(hx_survey_ocl(&(*devs)[i], r));
    }
    return HX_OK;
}

int hx_bench_record(hx_device_record *r, const hx_ocl_device *devs, const hx_bench_opts *o) {
    if (strcmp(r->kind, "host") == 0)
        return hx_bench_host(r, o);
    if (strcmp(r->kind, "opencl") == 0)
        return hx_bench_ocl(&devs[r->family_index], r, o);
    return HX_OK; /* a family without benchmarks yet: its figures stay unmeasured */
}

static bool is_device_row(const hx_result *r) {
    return strcmp(r->backend, "opencl") == 0 || strcmp(r->backend, "cuda") == 0;
}

/* Index of the survey record a row ran on, or -1 (e.g. a CUDA row before that family lands). */
static long record_of(const hx_survey *s, const hx_result *r) {
    if (strcmp(r->backend, "mpi") == 0) /* ranks, perhaps on several nodes: no one device's */
        return -1;                      /* ceiling bounds the row */
    if (!is_device_row(r))
        return s->n > 0 && strcmp(s->dev[0].kind, "host") == 0 ? 0 : -1;
    if (strcmp(r->backend, "opencl") != 0)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->dev[i].kind, "opencl") == 0 && strcmp(s->dev[i].name, r->device) == 0)
            return (long)i;
    return -1;
}

static const hx_device_record *host_of(const hx_survey *s) {
    return s->n > 0 && strcmp(s->dev[0].kind, "host") == 0 ? &s->dev[0] : NULL;
}

/* The bytes a row keeps in memory at once: its traffic per run (each input read once, each
 * output written once), or less when a run sweeps the same data again and again (stencil2d's
 * sweeps): what the workload allocates, reference output included, bounds it then. */
static double working_set(const hx_result *r) {
    const hx_workload *w = r->workload ? hx_workload_find(r->workload) : NULL;
    double held = w && w->host_bytes && r->size ? w->host_bytes(r->size) : 0;
    return held > 0 && held < r->bytes ? held : r->bytes;
}

/* The ceiling of row r in survey s; false when its device has none. */
static bool row_ceiling(const hx_survey *s, const hx_result *r, long *k, hx_ceiling *c) {
    *k = record_of(s, r);
    if (*k < 0 || !s->dev[*k].benched)
        return false;
    unsigned instances = is_device_row(r) || r->threads < 1 ? UINT_MAX : (unsigned)r->threads;
    /* the level holding the working set; the balance point from the row's own intensity */
    double ws = working_set(r);
    if (!hx_ceiling_for(&s->dev[*k], host_of(s), ws, r->flops * ws / r->bytes, instances, c))
        return false;
    return true;
}

static double row_rate(const hx_result *r, const hx_ceiling *c) {
    return c->memory ? r->gbps : r->gflops;
}

/* Raise the ceiling c of record k to rate: the level's read rate, the DRAM ceiling or the fp32
 * peak (the figure a ceiling is read from, hx_ceiling_for). */
static void raise_ceiling(hx_survey *s, long k, const hx_ceiling *c, double rate) {
    hx_device_record *r = &s->dev[k];
    hx_figure *f = NULL;
    if (!c->memory)
        f = &r->fig[HX_FIG_FP32_GFLOPS];
    else if (strcmp(c->level, "DRAM") == 0)
        f = &r->fig[HX_FIG_BANDWIDTH_GBPS];
    if (f) {
        if (!f->measured)
            hx_figure_set(f, rate, "raised to an observed run");
        f->stats.max = rate > f->stats.max ? rate : f->stats.max;
        return;
    }
    hx_device_record *owner = r->nlevels > 0 ? r : &s->dev[0];
    for (size_t i = 0; i < owner->nlevels; i++)
        if (strcmp(owner->levels[i].name, c->level) == 0)
            owner->levels[i].read_all = rate;
}

static void describe_row(const hx_result *r, char *buf, size_t len) {
    snprintf(buf, len, "%s %s%s%s%s", r->workload, r->backend, r->mem[0] ? " [" : "", r->mem,
             r->mem[0] ? "]" : "");
}

/* One pass over the rows: announce every row above its ceiling, re-measure its record once
 * (when allowed), and raise a ceiling still below the row to it.  Returns how many ceilings were
 * corrected; raising one can move a row across the machine balance onto another ceiling, so
 * the caller repeats until none is. */
static size_t correct_ceilings(hx_survey *s, hx_result *rows, size_t n, hx_remeasure_fn remeasure,
                               void *ctx, bool *asked, bool *stale, int *status) {
    size_t corrected = 0;
    for (size_t i = 0; *status == HX_OK && i < n; i++) {
        long k;
        hx_ceiling c;
        if (!row_ceiling(s, &rows[i], &k, &c) || !(row_rate(&rows[i], &c) > c.value))
            continue;
        char what[128];
        describe_row(&rows[i], what, sizeof what);
        const char *unit = c.memory ? "GB/s" : "GFLOP/s";
        bool again = remeasure && !asked[k];
        hx_notice("%s %.1f %s is above the %s %s ceiling %.1f %s of '%s': the ceiling is "
                  "stale, %s",
                  what, row_rate(&rows[i], &c), unit, stale[k] ? "corrected" : "cached", c.name,
                  c.value, unit, s->dev[k].name,
                  again ? "re-measuring"
                        : "so the row is put against its own rate (run `hetero devices --bench` "
                          "on a quiet machine)");
        stale[k] = true;
        corrected++;
        if (again) {
            asked[k] = true;
            *status = remeasure(ctx, &s->dev[k]);
            if (*status != HX_OK || !row_ceiling(s, &rows[i], &k, &c) ||
                !(row_rate(&rows[i], &c) > c.value))
                continue;
            hx_notice("%s is still above the re-measured %s ceiling %.1f %s: the ceiling is "
                      "raised to it",
                      what, c.name, c.value, unit);
        }
        raise_ceiling(s, k, &c, row_rate(&rows[i], &c));
    }
    return corrected;
}

int hx_roofline_apply(hx_survey *s, hx_result *rows, size_t n, hx_remeasure_fn remeasure, void *ctx,
                      bool *stale) {
    memset(stale, 0, s->n * sizeof *stale);
    bool *asked = calloc(s->n + 1, sizeof *asked);
    if (!asked)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    /* first every ceiling a row beats is corrected, then every row is put against them all;
     * each pass raises a ceiling to a row's rate, so at most one pass per row and ceiling kind
     * changes anything */
    for (size_t pass = 0; pass < 2 * n + 1 && status == HX_OK; pass++)
        if (correct_ceilings(s, rows, n, remeasure, ctx, asked, stale, &status) == 0)
            break;
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        long k;
        hx_ceiling c;
        if (!row_ceiling(s, &rows[i], &k, &c))
            continue;
        double pct = 100.0 * row_rate(&rows[i], &c) / c.value;
        if (!isfinite(pct) || pct > 100.0 * (1 + 1e-12))
            continue; /* never: the passes above raised every ceiling a row beats */
        hx_result_extra(&rows[i], "pct_peak", pct > 100.0 ? 100.0 : pct);
        snprintf(rows[i].ceiling, sizeof rows[i].ceiling, "%s", c.name);
    }
    free(asked);
    return status;
}

/* ---- measuring and the cache ----------------------------------------------------------------- */

typedef struct measure_ctx {
    hx_survey *s;
    const hx_ocl_device *devs;
    int threads;
    const char *path;
} measure_ctx;

static int save_if_quiet(hx_survey *s, const char *path) {
    char why[160];
    if (!hx_survey_quiet(why, sizeof why)) {
        hx_notice("the figures are not cached: %s", why);
        return HX_OK;
    }
    return hx_survey_cache_save(s, path);
}

static int bench_one(measure_ctx *m, hx_device_record *r) {
    hx_bench_opts o = {ROOFLINE_BENCH_SECONDS, m->threads, false, 0};
    hx_record_clear_bench(r);
    HX_TRY(hx_bench_record(r, m->devs, &o));
    hx_survey_check(m->s);
    return HX_OK;
}

static int remeasure_record(void *ctx, hx_device_record *r) {
    measure_ctx *m = ctx;
    HX_TRY(bench_one(m, r));
    return save_if_quiet(m->s, m->path);
}

static int measure_missing(measure_ctx *m, const hx_result *rows, size_t n) {
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        long k = record_of(m->s, &rows[i]);
        if (k < 0 || m->s->dev[k].benched)
            continue;
        hx_device_record *r = &m->s->dev[k];
        hx_notice("--roofline: measuring the peaks of '%s' (about %.0f s; cached in %s)", r->name,
                  ROOFLINE_BENCH_SECONDS, m->path);
        HX_TRY(bench_one(m, r));
        any = true;
    }
    return any ? save_if_quiet(m->s, m->path) : HX_OK;
}

/* Drop the stale records from the cache (reread: s holds raised ceilings now), so the next
 * %peak comes from fresh figures. */
static int invalidate(const bool *stale, size_t nstale, const char *path) {
    hx_survey fresh;
    hx_ocl_device *devs = NULL;
    size_t ndevs = 0;
    hx_cache_state state = HX_CACHE_NONE;
    int status = hx_survey_build(&fresh, &devs, &ndevs);
    if (status == HX_OK)
        status = hx_survey_cache_load(&fresh, path, &state);
    for (size_t k = 0; status == HX_OK && k < fresh.n && k < nstale; k++)
        if (stale[k])
            hx_record_clear_bench(&fresh.dev[k]);
    if (status == HX_OK && state == HX_CACHE_LOADED)
        status = hx_survey_cache_save(&fresh, path);
    free(devs);
    hx_survey_free(&fresh);
    return status;
}

static int annotate(hx_survey *s, const hx_ocl_device *devs, hx_result *rows, size_t n,
                    bool measure, int threads, const char *path, const char *plot) {
    hx_cache_state state;
    HX_TRY(hx_survey_cache_load(s, path, &state));
    if (!measure && state != HX_CACHE_LOADED)
        return HX_OK; /* no clean cache: no %peak (a foreign or implausible one was announced) */
    measure_ctx m = {s, devs, threads, path};
    if (measure)
        HX_TRY(measure_missing(&m, rows, n));
    bool *stale = calloc(s->n + 1, sizeof *stale);
    if (!stale)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_roofline_apply(s, rows, n, measure ? remeasure_record : NULL, &m, stale);
    if (status == HX_OK && plot)
        status = hx_roofline_plot(s, rows, n, plot);
    bool any = false;
    for (size_t k = 0; k < s->n; k++)
        any |= stale[k];
    if (status == HX_OK && any && !measure)
        status = invalidate(stale, s->n, path);
    free(stale);
    return status;
}

int hx_roofline_annotate(hx_result *rows, size_t n, bool measure, int threads, const char *plot) {
    char path[4096];
    HX_TRY(hx_survey_cache_path(path, sizeof path));
    struct stat st;
    if (!measure && stat(path, &st) != 0)
        return HX_OK; /* no cache and not asked: nothing to put the results against */
    hx_survey s;
    hx_ocl_device *devs = NULL;
    size_t ndevs = 0;
    int status = hx_survey_build(&s, &devs, &ndevs);
    if (status == HX_OK)
        status = annotate(&s, devs, rows, n, measure, threads, path, plot);
    free(devs);
    hx_survey_free(&s);
    if (status != HX_OK && !measure) {
        /* not asked for: a broken cache or survey must not fail the run */
        hx_notice("no pct_peak: %s", hx_error_message());
        return HX_OK;
    }
    return status;
}
