/*
 * run.c - `hetero run`: each workload on each backend, verified against serial, timed, reported.
 *
 * Order of work: parse and check every option and size (usage errors exit 2 before anything
 * runs), open the devices (a requested device that is missing exits 3 before anything runs),
 * run the plan (engine/runner.h), add pct_peak where the survey allows it, and print one report.
 * A backend that fails verification still gets its row (marked NO) and the command then exits 1;
 * a runtime failure aborts without a report.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/report.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/runner.h"
#include "hetero/survey/survey.h"

#define MAX_WORKLOADS  32
#define DEFAULT_REPS   10
#define DEFAULT_WARMUP 2

typedef struct run_config {
    hx_cli_opts cli;
    const hx_workload *workloads[MAX_WORKLOADS];
    size_t nworkloads;
    int threads;
    bool roofline;            /* --roofline: pct_peak against measured peaks (hetero devices) */
    const char *variant_spec; /* --variant LIST, or NULL: each workload's default variant */
} run_config;

static const hx_opt run_opts[] = {
    HX_CLI_WORKLOAD_OPTS,
    {"threads", 't', "N", "threads for omp, omp-simd and blas (default: all cores)"},
    {"variant", 0, "LIST", "algorithm variants of simd/omp-simd (hetero list), or all: a row each"},
    {"roofline", 0, NULL, "add pct_peak: % of the measured peak bounding each row (cached)"},
    {"help", 'h', NULL, "show this help"},
    {NULL, 0, NULL, NULL},
};

static void run_help(FILE *out) {
    hx_args_help(
        out, "hetero run [OPTIONS] [WORKLOAD...]",
        "Run each workload (default: vecadd) on each backend, verify every result against\n"
        "the serial result, time it (median of --reps, default 10, after --warmup, default\n"
        "2) and print speedup over serial.  The serial backend always runs: it is the\n"
        "reference and the baseline.  OpenCL rows time the kernel by event profiling and\n"
        "also report the end-to-end time with host<->device transfers.  Workload parameters\n"
        "are given as --NAME=VALUE (see `hetero list`).\n"
        "CUDA rows (builds with nvcc) run on CUDA device 0 and are timed the same way,\n"
        "with CUDA events; without an NVIDIA GPU they are skipped with a notice.\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error,\n"
        "3 requested device or feature missing.",
        run_opts);
}

static int apply_option(run_config *c, const hx_arg *a) {
    bool handled;
    HX_TRY(hx_cli_apply(&c->cli, a, &handled));
    if (handled)
        return HX_OK;
    const char *name = a->opt->name;
    if (strcmp(name, "threads") == 0)
        return hx_parse_threads("--threads", a->value, &c->threads);
    if (strcmp(name, "roofline") == 0) {
        c->roofline = true;
        return HX_OK;
    }
    if (strcmp(name, "variant") == 0) {
        c->variant_spec = a->value;
        return HX_OK;
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int parse_args(run_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, run_opts, "run");
    memset(c, 0, sizeof *c);
    hx_cli_init(&c->cli, DEFAULT_REPS, DEFAULT_WARMUP);
    c->threads = omp_get_num_procs();
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            break;
        if (a.kind == HX_ARG_POSITIONAL) {
            if (c->nworkloads == MAX_WORKLOADS)
                return hx_fail(HX_ERR_USAGE, "too many workloads (at most %d)", MAX_WORKLOADS);
            HX_TRY(hx_workload_parse(a.value, &c->workloads[c->nworkloads++]));
        } else if (a.kind == HX_ARG_UNKNOWN) {
            /* maybe a workload parameter: checked once the workloads are known */
            HX_TRY(hx_cli_keep_param(&c->cli, &ap, &a));
        } else if (strcmp(a.opt->name, "help") == 0) {
            *help = true;
            return HX_OK;
        } else {
            HX_TRY(apply_option(c, &a));
        }
    }
    if (c->nworkloads == 0)
        c->workloads[c->nworkloads++] = hx_workload_find("vecadd");
    return HX_OK;
}

/* --variant: each name must be a variant of the workload (when it has variants), and at least one
 * chosen workload must have variants.  want[] gets the variants to run (the default alone when
 * --variant is not given). */
static int resolve_variants(const run_config *c, const hx_workload *w, bool *want) {
    bool any = false;
    for (size_t i = 0; i < c->nworkloads; i++)
        any |= hx_workload_variant_count(c->workloads[i]) > 0;
    if (c->variant_spec && !any)
        return hx_fail(HX_ERR_USAGE, "--variant: none of the chosen workloads has variants (see "
                                     "'hetero list')");
    if (!c->variant_spec) {
        for (unsigned v = 0; v < hx_workload_variant_count(w); v++)
            want[v] = v == w->default_variant;
        return HX_OK;
    }
    return hx_workload_variants_parse(w, c->variant_spec, want);
}

/* The plan: every backend built (or those named), each workload's size, parameters and reps,
 * all checked before any device is touched. */
static int make_plan(const run_config *c, hx_run_item *items, hx_run_plan *plan) {
    memset(plan, 0, sizeof *plan);
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        plan->want[b] = c->cli.backend_given ? c->cli.want[b] : hx_backend_built((hx_backend)b);
        plan->named[b] = c->cli.backend_given && c->cli.want[b];
    }
    for (size_t i = 0; i < c->nworkloads; i++) {
        const hx_workload *w = c->workloads[i];
        hx_run_item *it = &items[i];
        it->workload = w;
        HX_TRY(hx_cli_params(&c->cli, "run", c->workloads, c->nworkloads, w, it->params));
        it->size = c->cli.size_given ? c->cli.size : hx_workload_default_size(w);
        HX_TRY(hx_workload_check_size(w, "--size", it->size));
        HX_TRY(resolve_variants(c, w, it->variants));
        hx_cli_reps_for(&c->cli, w, &it->opts.reps, &it->opts.warmup);
    }
    plan->items = items;
    plan->nitems = c->nworkloads;
    plan->threads = c->threads;
    plan->seed = c->cli.seed;
    return HX_OK;
}

static bool any_workload_has(const run_config *c, hx_backend b) {
    for (size_t i = 0; i < c->nworkloads; i++)
        if (hx_workload_has(c->workloads[i], b))
            return true;
    return false;
}

static hx_target_spec target_spec(const run_config *c, const hx_run_plan *plan) {
    const hx_cli_opts *o = &c->cli;
    hx_target_spec s = {
        .opencl = plan->want[HX_BACKEND_OPENCL] && any_workload_has(c, HX_BACKEND_OPENCL),
        .opencl_explicit = plan->named[HX_BACKEND_OPENCL] || o->device,
        .device = o->device,
        .mem = o->mem,
        .cuda = plan->want[HX_BACKEND_CUDA] && any_workload_has(c, HX_BACKEND_CUDA),
        .cuda_explicit = plan->named[HX_BACKEND_CUDA],
    };
    return s;
}

static int write_report(const run_config *c, const hx_rows *rows) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->cli.output));
    hx_host_info host;
    hx_host_info_get(&host);
    int status = hx_report_write(out.fp, c->cli.format, &host, rows->rows, rows->n, rows->skips,
                                 rows->nskips);
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

static int run(const run_config *c) {
    hx_run_item items[MAX_WORKLOADS];
    hx_run_plan plan;
    HX_TRY(make_plan(c, items, &plan));
    hx_target_spec spec = target_spec(c, &plan);
    hx_target_set ts;
    HX_TRY(hx_target_open(&ts, &spec));
    hx_rows rows = {0};
    int status = hx_run_plan_execute(&plan, &ts, &rows);
    hx_target_close(&ts);
    if (status == HX_OK) /* pct_peak: with --roofline, or when a survey cache exists */
        status = hx_roofline_annotate(rows.rows, rows.n, c->roofline, 0);
    if (status == HX_OK) {
        int verified = hx_rows_check_verified(&rows);
        status = write_report(c, &rows);
        if (status == HX_OK)
            status = verified;
    }
    hx_rows_free(&rows);
    return status;
}

int hx_cmd_run(int argc, char **argv) {
    run_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help)
        run_help(stdout);
    else if (status == HX_OK)
        status = run(&c);
    hx_cli_free(&c.cli);
    return hx_report_error(status);
}
