/*
 * common.h - the options every workload-running command shares (run, scale, sched), parsed one
 * way, and the one way every command writes its report.
 *
 * A command puts HX_CLI_WORKLOAD_OPTS into its own option table, hands each parsed option to
 * hx_cli_apply() (which says whether it was one of these), keeps every unknown --NAME=VALUE with
 * hx_cli_keep_param() and, once its workloads are known, resolves them as workload parameters
 * with hx_cli_params().  So --backend, --device, --mem, --size, --reps, --warmup, --min-time,
 * --max-time, --target-ci, --seed, --kernels, --format and --output mean the same in every
 * command, with the same messages.
 *
 * Repetitions (engine/measure.h): an explicit --reps fixes the count of every row; without it
 * each row runs until the 95% interval of its median is within --target-ci (default 3%) and
 * --min-time (default 0) has passed, or until --max-time (default 2 s) of runs is spent, with at
 * least one run.  --reps together with one of the three is a usage error: the count cannot be
 * both fixed and decided.
 */
#ifndef HETERO_CMD_COMMON_H
#define HETERO_CMD_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hetero/core/args.h"
#include "hetero/core/output.h"
#include "hetero/engine/measure.h"
#include "hetero/workloads/workload.h"

#define HX_CLI_MAX_PARAMS 16

typedef struct hx_cli_opts {
    bool want[HX_BACKEND_COUNT]; /* --backend (all false: the command's default) */
    bool backend_given;
    const char *device; /* --device */
    const char *mem;    /* --mem */
    uint64_t size;
    bool size_given;
    int reps, warmup;
    bool reps_given, warmup_given;
    double min_time, max_time, target_ci; /* the adaptive rule, without --reps */
    bool timing_given;                    /* one of --min-time, --max-time, --target-ci */
    bool verbose;                         /* --verbose: every notice, the skipped rows' reasons */
    bool wide;                            /* --wide: full device names in tables */
    uint64_t seed;
    hx_format format;
    const char *output;
    struct {
        char *name;
        const char *value;
    } params[HX_CLI_MAX_PARAMS];
    size_t nparams;
} hx_cli_opts;

/* The report options of most commands: --format (table, csv, json) and --output. */
#define HX_CLI_REPORT_OPTS                                                                         \
    {"format", 'f', "FMT", "report format: table (default), csv, json"}, {                         \
        "output", 'o', "FILE", "write the report to FILE instead of stdout"                        \
    }

/* The end of every option table: --help, then the terminator. */
#define HX_CLI_HELP_AND_END                                                                        \
    {"help", 'h', NULL, "show this help"}, {                                                       \
        NULL, 0, NULL, NULL                                                                        \
    }

/* The body of a command's entry point that parses into a config_type, prints its help or runs
 * it, and turns the status into the exit code (hx_report_error). */
#define HX_CLI_MAIN(config_type, parse, help_fn, run_fn, argc, argv)                               \
    do {                                                                                           \
        config_type config_;                                                                       \
        bool help_ = false;                                                                        \
        int status_ = parse(&config_, argc, argv, &help_);                                         \
        if (status_ == HX_OK && help_)                                                             \
            help_fn(stdout);                                                                       \
        else if (status_ == HX_OK)                                                                 \
            status_ = run_fn(&config_);                                                            \
        return hx_report_error(status_);                                                           \
    } while (0)

/* The shared entries of an option table (a command adds its own and HX_CLI_HELP_AND_END). */
#define HX_CLI_WORKLOAD_OPTS                                                                       \
    {"backend", 'b', "LIST", "backends to run, comma-separated (see 'hetero list')"},              \
        {"device", 'd', "SPEC", "OpenCL device: gpu, cpu, accelerator, all, P:D or name part"},    \
        {"mem", 'm', "MODE",                                                                       \
         "OpenCL memory: buffer (default), svm-coarse, svm-fine, zero-copy, auto, all"},           \
        {"size", 's', "N",                                                                         \
         "problem size (K/M/G suffixes); its meaning per workload: hetero list"},                  \
        {"reps", 'r', "N", "fix the timed repetitions per row (default: decided by time, below)"}, \
        {"min-time", 0, "T", "without --reps: time each row for at least T (default 0)"},          \
        {"max-time", 0, "T", "without --reps: stop adding runs after T (default 2s)"},             \
        {"target-ci", 0, "PCT",                                                                    \
         "without --reps: stop when the median's 95% CI is within PCT "                            \
         "(default 3%)"},                                                                          \
        {"warmup", 'w', "N", "untimed warm-up runs before timing"},                                \
        {"seed", 0, "N", "seed of the input data (default 42)"},                                   \
        {"kernels", 'k', "DIR", "load kernels/*.cl from DIR instead of the embedded copies"},      \
        {"kernels-fallback", 0, NULL,                                                              \
         "with --kernels: use the embedded copy of a file DIR lacks"},                             \
        HX_CLI_REPORT_OPTS,                                                                        \
        {"wide", 0, NULL, "tables: full device names (default: shortened to fit 160 columns)"}, {  \
        "verbose", 'v', NULL, "also say what is skipped and why (CUDA on a machine without it)"    \
    }

/* Defaults: the given reps and warm-up, seed 42, table format to stdout. */
void hx_cli_init(hx_cli_opts *c, int reps, int warmup);
void hx_cli_free(hx_cli_opts *c);

/* If a is one of HX_CLI_WORKLOAD_OPTS, apply it (*handled = true); a bad value is
 * HX_ERR_USAGE. */
int hx_cli_apply(hx_cli_opts *c, const hx_arg *a, bool *handled);

/* Keep an unknown --NAME[=VALUE] as a workload parameter, taking its value. */
int hx_cli_keep_param(hx_cli_opts *c, hx_argparse *ap, hx_arg *a);

/* The parameter values of workload w (defaults, then --NAME=VALUE).  Every kept parameter must
 * belong to one of the command's workloads ws[0..n); otherwise it is an unknown option of
 * `hetero COMMAND`. */
int hx_cli_params(const hx_cli_opts *c, const char *command, const hx_workload *const *ws, size_t n,
                  const hx_workload *w, double *values);

/* The reps and warm-up for w: the given ones, else w's own defaults, else the command's. */
void hx_cli_reps_for(const hx_cli_opts *c, const hx_workload *w, int *reps, int *warmup);

/* The measuring options of w's rows: --reps fixed, or the adaptive rule (see the top). */
void hx_cli_measure_opts(const hx_cli_opts *c, const hx_workload *w, hx_measure_opts *o);

/* Once every option is read: --reps and the adaptive options exclude each other; --min-time may
 * not exceed --max-time. */
int hx_cli_check(const hx_cli_opts *c);

/* The end of a report written to o (opened with hx_output_open from --output): published when
 * status, the writer's, is HX_OK and every write succeeded; dropped otherwise, and status passed
 * on.  So a command writes its report as
 *     HX_TRY(hx_output_open(&out, path));
 *     return hx_cli_report_end(&out, writer(out.fp, ...));                                      */
int hx_cli_report_end(hx_output *o, int status);

#endif
