/*
 * survey_check.c - whether a survey's figures can be true, and the `--bench` driver that only
 * caches figures that can.
 *
 * Survey errors (hx_survey_check) are found right after measuring and reported with the
 * figures.  They come in two kinds.  Impossible values - a measured peak above the theoretical
 * one (the clock or the FMA-unit count is wrong), a clock above the maximum the system reports,
 * a rate above what the load ports of every core could move in a cycle at the highest clock
 * this CPU runs - no amount of load produces; such a record is not cached, and a cache holding
 * one is not believed (hx_survey_plausible, which adds a clock outside the CPU's range and
 * broken statistics: figures from another machine, a broken clock or a bug).  Values in the
 * wrong order - fp32 below fp64 (the fp32 kernel is not the fastest the device runs), a cache
 * level slower than the level below it - are what a loaded machine produces: they are reported
 * (rerun on a quiet machine) but cached, since a ceiling measured too low is caught later by
 * the run that beats it (roofline.c).
 *
 * Tolerances: 3% on measured-above-theoretical (the clock is measured on one thread and the
 * turbo moves with the load), 10% on the order of the levels (two rates measured at different
 * moments on a shared machine).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/noise.h"
#include "hetero/core/progress.h"
#include "hetero/survey/survey.h"

#define THEORETICAL_SLACK 1.03
#define LEVEL_SLACK       1.10
#define LOAD_BYTES_CYCLE  256.0 /* per core: above any x86 core's L1 (2-3 loads + 1 store) */

typedef void (*rule_fn)(void *ctx, hx_device_record *r, const char *text);

HX_PRINTF(4, 5) static void say(rule_fn fn, void *ctx, hx_device_record *r, const char *fmt, ...) {
    char text[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fn(ctx, r, text);
}

static double best(const hx_device_record *r, hx_figure_id id) {
    return hx_figure_best(&r->fig[id], id);
}

/* Values no load produces: the measured peaks above the theoretical ones. */
static void impossible_rules(hx_device_record *r, rule_fn fn, void *ctx) {
    const char *prec[2] = {"fp32", "fp64"};
    for (int p = 0; p < 2; p++) {
        double measured = best(r, p ? HX_FIG_FP64_GFLOPS : HX_FIG_FP32_GFLOPS);
        double theory = best(r, p ? HX_FIG_FP64_THEORETICAL : HX_FIG_FP32_THEORETICAL);
        if (measured > theory * THEORETICAL_SLACK)
            say(fn, ctx, r,
                "measured %s peak %.1f GFLOP/s is above the theoretical %.1f (%s): the clock "
                "or the FMA-unit count is wrong",
                prec[p], measured, theory, r->fig[HX_FIG_FP32_THEORETICAL + p].note);
    }
}

/* Values in the wrong order: what a loaded machine measures. */
static void order_rules(hx_device_record *r, rule_fn fn, void *ctx) {
    double fp32 = best(r, HX_FIG_FP32_GFLOPS), fp64 = best(r, HX_FIG_FP64_GFLOPS);
    if (fp32 < fp64)
        say(fn, ctx, r,
            "fp32 peak %.1f GFLOP/s is below fp64 %.1f: the fp32 kernels are not the fastest "
            "the device runs",
            fp32, fp64);
    for (size_t i = 1; i < r->nlevels; i++) {
        double slow = hx_mem_level_ceiling(&r->levels[i]);
        double fast = hx_mem_level_ceiling(&r->levels[i - 1]);
        if (strcmp(r->levels[i].name, "DRAM") == 0) {
            double stream = best(r, HX_FIG_BANDWIDTH_GBPS);
            slow = isfinite(slow) && !(stream > slow) ? slow : stream;
        }
        if (slow > fast * LEVEL_SLACK)
            say(fn, ctx, r,
                "%s ceiling %.1f GB/s is above %s's %.1f: a level is never faster "
                "than the one above it",
                r->levels[i].name, slow, r->levels[i - 1].name, fast);
    }
}

/* Values this machine cannot produce: a clock outside its range, broken statistics, a rate
 * above what its cores can load. */
static void bound_rules(hx_device_record *r, rule_fn fn, void *ctx) {
    double lo, hi;
    hx_clock_range(&lo, &hi);
    if (r->clock.mhz > 0 && (r->clock.mhz < lo || r->clock.mhz > hi))
        say(fn, ctx, r, "clock %.0f MHz is outside this CPU's range (%.0f..%.0f MHz)", r->clock.mhz,
            lo, hi);
    for (int k = 0; k < HX_FIG_COUNT; k++) {
        const hx_figure *f = &r->fig[k];
        if (f->measured && !(isfinite(f->stats.median) && f->stats.min > 0 &&
                             f->stats.min <= f->stats.median && f->stats.median <= f->stats.max))
            say(fn, ctx, r, "%s has impossible statistics (median %g, min %g, max %g)",
                hx_figure_info((hx_figure_id)k)->key, f->stats.median, f->stats.min, f->stats.max);
    }
    /* what every core could load and store per cycle at the highest clock this CPU runs */
    bool on_host_cores = strcmp(r->kind, "host") == 0 || strcmp(r->type, "CPU") == 0;
    unsigned cores = r->compute_units ? r->compute_units : 1;
    double bound = cores * hi * 1e-3 * LOAD_BYTES_CYCLE;
    for (int k = HX_FIG_COPY_GBPS; on_host_cores && k <= HX_FIG_BANDWIDTH_GBPS; k++)
        if (best(r, (hx_figure_id)k) > bound)
            say(fn, ctx, r, "%s %.1f GB/s is above what %u cores can load at %.0f MHz (%.0f)",
                hx_figure_info((hx_figure_id)k)->key, best(r, (hx_figure_id)k), cores, hi, bound);
    for (size_t i = 0; i < r->nlevels; i++) {
        const hx_mem_level *l = &r->levels[i];
        const double v[] = {l->read_1t, l->read_all, l->write_1t,  l->write_all,
                            l->copy_1t, l->copy_all, l->latency_ns};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
            if (!isnan(v[j]) && !(v[j] > 0 && (j == 6 || v[j] <= bound)))
                say(fn, ctx, r, "%s figure %g is impossible (rates above %.0f GB/s cannot be)",
                    l->name, v[j], bound);
    }
}

/* ---- survey errors ------------------------------------------------------------------------- */

typedef struct error_ctx {
    size_t count;
    bool blocking; /* the rule now being applied makes the record uncacheable */
} error_ctx;

static void record_error(void *ctx, hx_device_record *r, const char *text) {
    error_ctx *e = ctx;
    e->count++;
    if (r->nerrors < HX_SURVEY_MAX_ERRORS)
        snprintf(r->errors[r->nerrors++], sizeof r->errors[0], "%s", text);
    r->uncacheable |= e->blocking;
    hx_notice("survey error on %s: %s%s", r->id, text,
              e->blocking ? "" : " (a loaded machine measures this; rerun when it is quiet)");
}

size_t hx_survey_check(hx_survey *s) {
    error_ctx e = {0, true};
    for (size_t i = 0; i < s->n; i++) {
        hx_device_record *r = &s->dev[i];
        r->nerrors = 0;
        r->uncacheable = false;
        if (!r->benched)
            continue;
        e.blocking = true;
        bound_rules(r, record_error, &e);
        impossible_rules(r, record_error, &e);
        if (r->clock.mhz > 0 && strcmp(r->clock.confidence, "low") == 0)
            record_error(&e, r, "the measured clock is above the maximum the system reports");
        e.blocking = false;
        order_rules(r, record_error, &e);
    }
    return e.count;
}

/* ---- plausibility ---------------------------------------------------------------------------- */

typedef struct first_reason {
    bool bad;
    char *why;
    size_t len;
} first_reason;

static void keep_first(void *ctx, hx_device_record *r, const char *text) {
    first_reason *f = ctx;
    if (!f->bad)
        snprintf(f->why, f->len, "%s %s", r->id[0] ? r->id : r->kind, text);
    f->bad = true;
}

bool hx_survey_plausible(const hx_survey *s, char *why, size_t len) {
    first_reason f = {false, why, len};
    if (len)
        why[0] = '\0';
    for (size_t i = 0; i < s->n && !f.bad; i++) {
        hx_device_record *r = &s->dev[i];
        if (!r->benched)
            continue;
        bound_rules(r, keep_first, &f);
        if (!f.bad)
            impossible_rules(r, keep_first, &f);
    }
    return !f.bad;
}

/* ---- noise
 * --------------------------------------------------------------------------------------- */

bool hx_survey_quiet(char *why, size_t len) {
    /* Nothing measured under noise becomes a cached ceiling: the window is the whole command so
     * far (core/noise.h), which holds every benchmark of the survey (and, for `run --roofline`,
     * the rows measured meanwhile). */
    hx_noise n;
    hx_noise_command(&n);
    if (len && n.noisy)
        snprintf(why, len, "the machine was noisy while measuring: %.100s", n.reason);
    else if (len)
        snprintf(why, len, "quiet");
    return !n.noisy;
}

/* ---- the --bench driver -----------------------------------------------------------------------
 */

int hx_survey_bench(hx_survey *s, const struct hx_ocl_device *devs, const bool *keep,
                    const hx_bench_opts *o, bool cache) {
    char path[4096] = "";
    hx_cache_state state = HX_CACHE_NONE;
    if (cache) {
        HX_TRY(hx_survey_cache_path(path, sizeof path));
        /* keep the figures of the devices not benchmarked now */
        HX_TRY(hx_survey_cache_load(s, path, &state));
    }
    size_t total = 0, done = 0;
    for (size_t i = 0; i < s->n; i++)
        total += keep[i];
    hx_progress pg;
    hx_progress_begin(&pg, "devices --bench");
    int status = HX_OK;
    for (size_t i = 0; status == HX_OK && i < s->n; i++) {
        if (!keep[i])
            continue;
        hx_progress_set(&pg, "device %zu of %zu, %s", ++done, total, s->dev[i].name);
        hx_record_clear_bench(&s->dev[i]);
        status = hx_bench_record(&s->dev[i], devs, o);
    }
    hx_progress_end(&pg);
    HX_TRY(status);
    hx_survey_check(s);
    if (!cache)
        return HX_OK;
    char why[160];
    if (!hx_survey_quiet(why, sizeof why)) {
        hx_notice("the figures are not cached: %s", why);
        return HX_OK;
    }
    return hx_survey_cache_save(s, path);
}
