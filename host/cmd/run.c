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
#include "hetero/core/nvidia_arch.h"
#include "hetero/core/parse.h"
#include "hetero/core/plot.h"
#include "hetero/core/report.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/job.h"
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
    bool threads_given;
    bool roofline;    /* --roofline: pct_peak against measured peaks (hetero devices) */
    const char *plot; /* --plot=FILE: the roofline with this run's rows (implies --roofline) */
    const char *variant_spec; /* --variant LIST, or NULL: each workload's default variant */
    hx_mpi_spec mpi;
    const char *mpi_variants;
} run_config;

static const hx_opt run_opts[] = {
    HX_CLI_WORKLOAD_OPTS,
    {"threads", 't', "N", "threads for omp, omp-simd and blas (default: all cores)"},
    {"variant", 0, "LIST", "algorithm variants of simd/omp-simd (hetero list), or all: a row each"},
    {"roofline", 0, NULL, "add pct_peak: % of the measured peak bounding each row (cached)"},
    {"plot", 'p', "FILE", "draw the roofline with this run's rows (.svg/.png; --roofline)"},
    {"mpi-variant", 0, "LIST", "mpi rows: the communication patterns to run (default: all)"},
    {"overlap", 0, NULL, "mpi rows: stencil2d's overlapped halo only (--mpi-variant=overlap)"},
    {"grid", 0, "PxQ", "mpi rows: the 2-D process grid of stencil2d (P x Q = the ranks)"},
    {"chunk", 0, "N", "mpi rows: rows per manager/worker chunk of mandelbrot (default 4)"},
    HX_CLI_HELP_AND_END,
};

static void run_help(FILE *out) {
    hx_args_help(
        out, "hetero run [OPTIONS] [WORKLOAD...]",
        "Run each workload (default: vecadd) on each backend, verify every result against\n"
        "the serial result, time it and print speedup over serial.  Each row reports the\n"
        "median of its runs after --warmup (default 2) with min..max and +- (half the 95%\n"
        "confidence interval of the median).  Without --reps, runs are added until that\n"
        "interval is within --target-ci (default 3%) or --max-time (default 2s) is spent;\n"
        "--reps=N fixes the count instead.  A row measured while other programs took CPU\n"
        "time is marked ~ (noisy: true in JSON), and the run says so once.\n"
        "The serial backend always runs: it is the reference and the baseline.\n"
        "OpenCL rows time the kernel by event profiling and also report the end-to-end\n"
        "time with host<->device transfers.  Workload parameters are given as\n"
        "--NAME=VALUE (see `hetero list`).\n"
        "CUDA rows (builds with nvcc) run on CUDA device 0 and are timed the same way,\n"
        "with CUDA events; without an NVIDIA GPU they are skipped (said with --verbose,\n"
        "or where NVIDIA hardware is present; always listed in the JSON's skipped).\n"
        "Under mpirun (mpirun -np 4 hetero run --backend=mpi,serial vecadd) every rank runs\n"
        "the command: rank 0 runs serial and the other rows and prints the report, and the mpi\n"
        "rows run on every rank, each holding its own block (docs/mpi.md); --backend=mpi\n"
        "without mpirun runs them as a 1-rank singleton job.\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error,\n"
        "3 requested device or feature missing.",
        run_opts);
}

static int apply_option(void *ctx, const hx_arg *a) {
    run_config *c = ctx;
    bool handled;
    HX_TRY(hx_cli_apply(&c->cli, a, &handled));
    if (handled)
        return HX_OK;
    const char *name = a->opt->name;
    if (strcmp(name, "threads") == 0) {
        c->threads_given = true;
        return hx_parse_threads("--threads", a->value, &c->threads);
    }
    if (strcmp(name, "mpi-variant") == 0 || strcmp(name, "overlap") == 0) {
        const char *v = name[0] == 'o' ? "overlap" : a->value;
        if (c->mpi_variants && strcmp(c->mpi_variants, v) != 0)
            return hx_fail(HX_ERR_USAGE, "--overlap and --mpi-variant=%s exclude each other",
                           name[0] == 'o' ? c->mpi_variants : v);
        c->mpi_variants = v;
        return HX_OK;
    }
    if (strcmp(name, "grid") == 0)
        return hx_parse_grid("--grid", a->value, c->mpi.grid);
    if (strcmp(name, "chunk") == 0) {
        int v;
        HX_TRY(hx_parse_int("--chunk", a->value, 1, 1 << 20, &v));
        c->mpi.chunk = (unsigned)v;
        return HX_OK;
    }
    if (strcmp(name, "roofline") == 0) {
        c->roofline = true;
        return HX_OK;
    }
    if (strcmp(name, "variant") == 0) {
        c->variant_spec = a->value;
        return HX_OK;
    }
    if (strcmp(name, "plot") == 0) {
        c->plot = a->value;
        return hx_plot_check("--plot", a->value);
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int run_workload(void *ctx, const char *name) {
    run_config *c = ctx;
    if (c->nworkloads == MAX_WORKLOADS)
        return hx_fail(HX_ERR_USAGE, "too many workloads (at most %d)", MAX_WORKLOADS);
    return hx_workload_parse(name, &c->workloads[c->nworkloads++]);
}

/* maybe a workload parameter: checked once the workloads are known */
static int run_param(void *ctx, hx_argparse *ap, hx_arg *a) {
    return hx_cli_keep_param(&((run_config *)ctx)->cli, ap, a);
}

static int parse_args(run_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, run_opts, "run");
    memset(c, 0, sizeof *c);
    hx_cli_init(&c->cli, DEFAULT_REPS, DEFAULT_WARMUP);
    c->threads = omp_get_num_procs();
    HX_TRY(hx_args_parse_with(&ap, apply_option, run_workload, run_param, c, help));
    if (*help)
        return HX_OK;
    if (c->nworkloads == 0)
        c->workloads[c->nworkloads++] = hx_workload_find("vecadd");
    return hx_cli_check(&c->cli);
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
        /* the mpi rows are a default only under a launcher (MPI starts only then) */
        bool by_default =
            hx_backend_built((hx_backend)b) && (b != HX_BACKEND_MPI || hx_engine_launched());
        plan->want[b] = c->cli.backend_given ? c->cli.want[b] : by_default;
        plan->named[b] = c->cli.backend_given && c->cli.want[b];
    }
    if (plan->want[HX_BACKEND_MPI])
        HX_TRY(hx_mpi_rows_check_variants(c->workloads, c->nworkloads, &c->mpi));
    for (size_t i = 0; i < c->nworkloads; i++) {
        const hx_workload *w = c->workloads[i];
        hx_run_item *it = &items[i];
        it->workload = w;
        HX_TRY(hx_cli_params(&c->cli, "run", c->workloads, c->nworkloads, w, it->params));
        it->size = c->cli.size_given ? c->cli.size : hx_workload_default_size(w);
        HX_TRY(hx_workload_check_size(w, "--size", it->size));
        HX_TRY(resolve_variants(c, w, it->variants));
        if (plan->want[HX_BACKEND_MPI])
            HX_TRY(hx_mpi_rows_check(w, it->size, it->params, &c->mpi));
        hx_cli_measure_opts(&c->cli, w, &it->opts);
    }
    plan->items = items;
    plan->nitems = c->nworkloads;
    plan->threads = c->threads;
    plan->seed = c->cli.seed;
    plan->mpi = &c->mpi;
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
        /* --device also names the device each rank drives (the mpi rows' device variant) */
        .device = plan->want[HX_BACKEND_OPENCL] || !plan->want[HX_BACKEND_MPI] ? o->device : NULL,
        .mem = o->mem,
        .cuda = plan->want[HX_BACKEND_CUDA] && any_workload_has(c, HX_BACKEND_CUDA),
        .cuda_explicit = plan->named[HX_BACKEND_CUDA],
        .verbose = o->verbose,
    };
    return s;
}

static int write_report(const run_config *c, const hx_rows *rows) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->cli.output));
    hx_host_info host;
    hx_host_info_get(&host);
    hx_run_table_opts ro = {.wide = c->cli.wide,
                            .show_cuda_skips = c->cli.verbose || hx_nvidia_present()};
    return hx_cli_report_end(&out, hx_report_write(out.fp, c->cli.format, &host, rows->rows,
                                                   rows->n, rows->skips, rows->nskips, &ro));
}

/* Every rank runs this; only rank 0 opens devices, annotates and reports (engine/job.h). */
static int run(run_config *c) {
    c->mpi.variants = c->mpi_variants;
    c->mpi.threads = c->threads_given ? c->threads : 0;
    c->mpi.device = c->cli.device;
    hx_run_item items[MAX_WORKLOADS];
    hx_run_plan plan;
    HX_TRY(make_plan(c, items, &plan));
    hx_target_spec spec = target_spec(c, &plan);
    bool root = hx_engine_holds_problem();
    if (!root)
        spec = (hx_target_spec){0};
    hx_target_set ts;
    HX_TRY(hx_target_open(&ts, &spec));
    hx_rows rows = {0};
    int status = hx_run_plan_execute(&plan, &ts, &rows);
    hx_target_close(&ts);
    if (status == HX_OK && root) /* pct_peak: with --roofline, or when a survey cache exists */
        status = hx_roofline_annotate(rows.rows, rows.n, c->roofline || c->plot, 0, c->plot);
    if (status == HX_OK) {
        int verified = hx_rows_check_verified(&rows);
        status = root ? write_report(c, &rows) : HX_OK;
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
        status = hx_engine_start(c.cli.backend_given && c.cli.want[HX_BACKEND_MPI]);
    if (status == HX_OK && !help)
        status = run(&c);
    hx_cli_free(&c.cli);
    return hx_engine_stop(hx_report_error(status));
}
