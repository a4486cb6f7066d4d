/*
 * devices.c - `hetero devices`: what every processor here is, and (--bench) what it does.
 *
 * The survey always covers the whole machine (the host, then every OpenCL device on every
 * platform), so the cache key does not depend on --device; --device only chooses which records
 * are printed and benchmarked.  --bench measures each chosen device for about --bench-time and
 * stores the figures in the per-machine cache that `hetero run --roofline` reads; --hierarchy
 * adds the host's latency staircase, 1-thread rates and memory mountain, which --plot draws.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/plot.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"

#define DEFAULT_BENCH_SECONDS 2.0

typedef struct devices_config {
    hx_cli_opts cli; /* --device, --kernels, --format, --output */
    bool bench;
    double bench_seconds;
    int threads;
    bool no_cache;
    bool hierarchy;
    uint64_t hierarchy_max;
    const char *plot;
} devices_config;

static const hx_opt devices_opts[] = {
    {"device", 'd', "SPEC", "show only: host, gpu, cpu, accelerator, all, P:D or name part"},
    {"bench", 'b', NULL, "measure bandwidth, peak FLOP/s, latency, transfers and atomics"},
    {"bench-time", 0, "TIME", "time budget per device for --bench (default 2s; e.g. 500ms)"},
    {"threads", 't', "N", "host threads for --bench (default: all cores)"},
    {"no-cache", 0, NULL, "do not write the --bench figures to the survey cache"},
    {"hierarchy", 0, NULL, "with --bench: host latency per level, 1-thread rates, mountain"},
    {"hierarchy-max", 0, "SIZE", "largest working set of --hierarchy (default 8 x the LLC)"},
    {"plot", 'p', "FILE", "with --hierarchy: draw the memory mountain and latency (.svg/.png)"},
    {"kernels", 'k', "DIR", "load kernels/*.cl from DIR instead of the embedded copies"},
    {"kernels-fallback", 0, NULL, "with --kernels: use the embedded copy of a file DIR lacks"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static void devices_help(FILE *out) {
    hx_args_help(out, "hetero devices [OPTIONS]",
                 "Describe the host CPU and every OpenCL device: identity, shape, the features\n"
                 "that decide what hetero can run, and the Flynn class and memory organisation\n"
                 "of each.  --bench also measures each one (median of repetitions, with min and\n"
                 "max) and caches the figures per machine for `hetero run --roofline`;\n"
                 "--hierarchy adds the host's memory hierarchy (latency staircase, per-level\n"
                 "bandwidth with 1 and all threads, memory mountain) and --plot draws it.\n"
                 "docs/devices.md explains every field and the JSON schema hetero.devices/1.\n\n"
                 "Exit status: 0 ok, 1 runtime failure, 2 usage error, 3 no such device.",
                 devices_opts);
}

static int apply_option(devices_config *c, const hx_arg *a) {
    bool handled;
    HX_TRY(hx_cli_apply(&c->cli, a, &handled));
    if (handled)
        return HX_OK;
    const char *name = a->opt->name, *v = a->value;
    if (strcmp(name, "bench") == 0) {
        c->bench = true;
        return HX_OK;
    }
    if (strcmp(name, "bench-time") == 0) {
        HX_TRY(hx_parse_duration("--bench-time", v, &c->bench_seconds));
        if (c->bench_seconds <= 0 || c->bench_seconds > 3600)
            return hx_fail(HX_ERR_USAGE, "--bench-time '%s' must be above 0 and at most 3600s", v);
        return HX_OK;
    }
    if (strcmp(name, "threads") == 0) {
        return hx_parse_threads("--threads", v, &c->threads);
    }
    if (strcmp(name, "no-cache") == 0) {
        c->no_cache = true;
        return HX_OK;
    }
    if (strcmp(name, "hierarchy") == 0) {
        c->hierarchy = true;
        return HX_OK;
    }
    if (strcmp(name, "hierarchy-max") == 0)
        return hx_parse_size("--hierarchy-max", v, (uint64_t)64 << 10, (uint64_t)1 << 36,
                             &c->hierarchy_max);
    if (strcmp(name, "plot") == 0) {
        c->plot = v;
        return hx_plot_check("--plot", v);
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int parse_args(devices_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, devices_opts, "devices");
    memset(c, 0, sizeof *c);
    hx_cli_init(&c->cli, 1, 0);
    c->bench_seconds = DEFAULT_BENCH_SECONDS;
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            return HX_OK;
        if (a.kind == HX_ARG_POSITIONAL)
            return hx_fail(HX_ERR_USAGE,
                           "unexpected argument '%s' for 'hetero devices'; see 'hetero devices "
                           "--help'",
                           a.value);
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_args_unknown(&ap, &a);
        if (strcmp(a.opt->name, "help") == 0) {
            *help = true;
            return HX_OK;
        }
        HX_TRY(apply_option(c, &a));
    }
}

/* The options that only make sense together, checked before anything is measured. */
static int check_combination(const devices_config *c) {
    if (c->hierarchy && !c->bench)
        return hx_fail(HX_ERR_USAGE, "--hierarchy is part of the benchmark: add --bench");
    if (c->hierarchy_max && !c->hierarchy)
        return hx_fail(HX_ERR_USAGE, "--hierarchy-max needs --hierarchy");
    if (c->plot && !c->hierarchy)
        return hx_fail(HX_ERR_USAGE, "--plot draws the hierarchy: add --bench --hierarchy");
    return HX_OK;
}

/* keep[i] for survey record i, by --device. */
static int choose(const devices_config *c, const hx_survey *s, const hx_ocl_device *devs,
                  size_t ndevs, bool *keep) {
    if (!c->cli.device || strcmp(c->cli.device, "all") == 0) {
        for (size_t i = 0; i < s->n; i++)
            keep[i] = true;
        return HX_OK;
    }
    if (strcmp(c->cli.device, "host") == 0) {
        for (size_t i = 0; i < s->n; i++)
            keep[i] = strcmp(s->dev[i].kind, "host") == 0;
        return HX_OK;
    }
    if (strcmp(c->cli.device, "cuda") == 0)
        return HX_OK; /* CUDA records only: keep_cuda() */
    size_t *picked = calloc(ndevs + 1, sizeof *picked);
    if (!picked)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    size_t n = 0;
    int status = hx_ocl_select(c->cli.device, devs, ndevs, picked, &n);
    for (size_t i = 0; status == HX_OK && i < s->n; i++)
        for (size_t k = 0; k < n; k++)
            keep[i] |= strcmp(s->dev[i].kind, "opencl") == 0 && s->dev[i].family_index == picked[k];
    free(picked);
    return status;
}

/* CUDA records are shown for no --device, all, gpu, cuda, or a part of their name.
 * --device=cuda without a CUDA device is HX_ERR_MISSING. */
static int keep_cuda(const devices_config *c, const hx_survey *s, bool *keep) {
    const char *spec = c->cli.device;
    size_t ncuda = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->dev[i].kind, "cuda") != 0)
            continue;
        ncuda++;
        keep[i] = !spec || strcasecmp(spec, "all") == 0 || strcasecmp(spec, "gpu") == 0 ||
                  strcasecmp(spec, "cuda") == 0 || strcasestr(s->dev[i].name, spec);
    }
    if (!spec || strcmp(spec, "cuda") != 0 || ncuda > 0)
        return HX_OK;
    char why[160];
    HX_TRY(hx_survey_cuda_why(why, sizeof why));
    return hx_fail(HX_ERR_MISSING, "--device=cuda: %s", why);
}

static int run_bench(const devices_config *c, hx_survey *s, const hx_ocl_device *devs,
                     const bool *keep) {
    hx_bench_opts o = {c->bench_seconds, c->threads ? c->threads : omp_get_num_procs(),
                       c->hierarchy, c->hierarchy_max};
    bool cache = !c->no_cache;
    if (cache && o.threads != omp_get_num_procs()) {
        /* the cache holds the machine's peaks, which take every core */
        hx_notice("--threads=%d: the figures are not cached (the cache holds all-core peaks)",
                  o.threads);
        cache = false;
    }
    if (c->hierarchy && !keep[0])
        return hx_fail(HX_ERR_USAGE,
                       "--hierarchy measures the host's caches, which --device=%s "
                       "leaves out; use --device=host or all",
                       c->cli.device);
    HX_TRY(hx_survey_bench(s, devs, keep, &o, cache));
    return c->plot ? hx_hierarchy_plot(&s->dev[0], c->plot) : HX_OK;
}

/* Drop the records not chosen (and, without --bench, any cached figures). */
static void filter(hx_survey *s, const bool *keep, bool bench) {
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (keep[i]) {
            s->dev[k] = s->dev[i];
            s->dev[k].benched &= bench;
            k++;
        }
    s->n = k;
}

static int write_report(const devices_config *c, const hx_survey *s) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->cli.output));
    return hx_cli_report_end(&out, hx_survey_write(out.fp, c->cli.format, s));
}

int hx_cmd_devices(int argc, char **argv) {
    devices_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help) {
        devices_help(stdout);
        return HX_OK;
    }
    if (status == HX_OK)
        status = check_combination(&c);
    hx_survey s = {0};
    hx_ocl_device *devs = NULL;
    size_t ndevs = 0;
    bool *keep = NULL;
    if (status == HX_OK)
        status = hx_survey_build(&s, &devs, &ndevs);
    if (status == HX_OK)
        status = hx_survey_cuda(&s); /* appended after the OpenCL records */
    if (status == HX_OK && !(keep = calloc(s.n + 1, sizeof *keep)))
        status = hx_fail(HX_ERR_RUNTIME, "out of memory");
    if (status == HX_OK)
        status = choose(&c, &s, devs, ndevs, keep);
    if (status == HX_OK)
        status = keep_cuda(&c, &s, keep);
    if (status == HX_OK && c.bench)
        status = run_bench(&c, &s, devs, keep);
    if (status == HX_OK) {
        filter(&s, keep, c.bench);
        status = write_report(&c, &s);
    }
    free(keep);
    free(devs);
    hx_survey_free(&s);
    hx_cli_free(&c.cli);
    return hx_report_error(status);
}
