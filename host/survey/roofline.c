/*
 * roofline.c - `hetero run --roofline`: each result as a percentage of the peak that bounds it.
 *
 * The bound is chosen by the roofline model: a workload with arithmetic intensity I = flops/bytes
 * (its cost model) on a device whose measured peaks are P (fp32 GFLOP/s) and B (GB/s, the better
 * of copy and triad) is memory-bound when I < P/B (the machine balance) and compute-bound
 * otherwise; pct_peak is then GB/s over B or GFLOP/s over P, times 100.  Host backends (serial,
 * simd, omp, omp-simd, blas) are put against the host's all-core peaks, so a serial row shows how
 * much of the machine one scalar thread uses.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hetero/core/error.h"
#include "hetero/core/report.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"

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
    if (!is_device_row(r))
        return 0; /* the host record is always first */
    if (strcmp(r->backend, "opencl") != 0)
        return -1;
    for (size_t i = 1; i < s->n; i++)
        if (strcmp(s->dev[i].kind, "opencl") == 0 && strcmp(s->dev[i].name, r->device) == 0)
            return (long)i;
    return -1;
}

static int measure_missing(hx_survey *s, const hx_ocl_device *devs, const hx_result *rows, size_t n,
                           int threads, const char *path) {
    bool saved_any = false;
    for (size_t i = 0; i < n; i++) {
        long k = record_of(s, &rows[i]);
        if (k < 0 || s->dev[k].benched)
            continue;
        hx_device_record *r = &s->dev[k];
        hx_notice("--roofline: measuring the peaks of '%s' (about %.0f s; cached in %s)", r->name,
                  ROOFLINE_BENCH_SECONDS, path);
        hx_bench_opts o = {ROOFLINE_BENCH_SECONDS, threads};
        HX_TRY(hx_bench_record(r, devs, &o));
        saved_any = true;
    }
    return saved_any ? hx_survey_cache_save(s, path) : HX_OK;
}

static double best_bandwidth(const hx_device_record *r) {
    double bw = 0;
    for (int f = HX_FIG_COPY_GBPS; f <= HX_FIG_TRIAD_GBPS; f++)
        if (r->fig[f].measured && r->fig[f].stats.median > bw)
            bw = r->fig[f].stats.median;
    return bw;
}

int hx_roofline_annotate(hx_result *rows, size_t n, bool measure, int threads) {
    char path[4096];
    HX_TRY(hx_survey_cache_path(path, sizeof path));
    struct stat st;
    if (!measure && stat(path, &st) != 0)
        return HX_OK; /* no cache and not asked: nothing to put the results against */
    hx_survey s;
    hx_ocl_device *devs = NULL;
    size_t ndevs = 0;
    bool loaded = false;
    int status = hx_survey_build(&s, &devs, &ndevs);
    if (status == HX_OK)
        status = hx_survey_cache_load(&s, path, &loaded);
    if (status == HX_OK && measure)
        status = measure_missing(&s, devs, rows, n, threads, path);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        long k = record_of(&s, &rows[i]);
        if (k < 0 || !s.dev[k].benched)
            continue;
        const hx_device_record *r = &s.dev[k];
        double fp =
            r->fig[HX_FIG_FP32_GFLOPS].measured ? r->fig[HX_FIG_FP32_GFLOPS].stats.median : 0;
        bool memory_bound;
        double pct = hx_pct_peak(rows[i].bytes, rows[i].flops, rows[i].gbps, rows[i].gflops,
                                 best_bandwidth(r), fp, &memory_bound);
        if (isfinite(pct))
            hx_result_extra(&rows[i], "pct_peak", pct);
    }
    free(devs);
    hx_survey_free(&s);
    if (status != HX_OK && !measure) {
        /* not asked for: a broken cache or survey must not fail the run */
        hx_notice("no pct_peak: %s", hx_error_message());
        return HX_OK;
    }
    return status;
}
