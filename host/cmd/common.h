/*
 * common.h - the options every workload-running command shares (run, scale), parsed one way.
 *
 * A command puts HX_CLI_WORKLOAD_OPTS into its own option table, hands each parsed option to
 * hx_cli_apply() (which says whether it was one of these), keeps every unknown --NAME=VALUE with
 * hx_cli_keep_param() and, once its workloads are known, resolves them as workload parameters
 * with hx_cli_params().  So --backend, --device, --mem, --size, --reps, --warmup, --seed,
 * --kernels, --format and --output mean the same in every command, with the same messages.
 */
#ifndef HETERO_CMD_COMMON_H
#define HETERO_CMD_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "hetero/core/args.h"
#include "hetero/core/output.h"
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
    uint64_t seed;
    hx_format format;
    const char *output;
    struct {
        char *name;
        const char *value;
    } params[HX_CLI_MAX_PARAMS];
    size_t nparams;
} hx_cli_opts;

/* The shared entries of an option table (a command adds its own and {"help"...}, {NULL}). */
#define HX_CLI_WORKLOAD_OPTS                                                                       \
    {"backend", 'b', "LIST", "backends to run, comma-separated (see 'hetero list')"},              \
        {"device", 'd', "SPEC", "OpenCL device: gpu, cpu, accelerator, all, P:D or name part"},    \
        {"mem", 'm', "MODE",                                                                       \
         "OpenCL memory: buffer (default), svm-coarse, svm-fine, zero-copy, auto, all"},           \
        {"size", 's', "N",                                                                         \
         "problem size (K/M/G suffixes); its meaning per workload: hetero list"},                  \
        {"reps", 'r', "N", "timed repetitions (the median is reported)"},                          \
        {"warmup", 'w', "N", "untimed warm-up runs before timing"},                                \
        {"seed", 0, "N", "seed of the input data (default 42)"},                                   \
        {"kernels", 'k', "DIR", "load kernels/*.cl from DIR instead of the embedded copies"},      \
        {"kernels-fallback", 0, NULL,                                                              \
         "with --kernels: use the embedded copy of a file DIR lacks"},                             \
        {"format", 'f', "FMT", "report format: table (default), csv, json"}, {                     \
        "output", 'o', "FILE", "write the report to FILE instead of stdout"                        \
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

#endif
