/*
 * conc.c - `hetero conc`: processes, threads and concurrency, measured (docs/conc.md).
 *
 * Options -> one hx_conc_config -> hx_conc_run (host/conc/) -> the report and the plot.
 * Every measurement and every check lives in the library; this file only reads the command
 * line, holds it to the library's limits and writes what came back.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "hetero/conc/conc.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/plot.h"

typedef struct conc_args {
    hx_conc_config c;
    hx_format format;
    const char *output, *plot;
    bool help;
} conc_args;

static const hx_opt conc_opts[] = {
    {"only", 0, "LIST", "sub-benchmarks: create, switch, ipc, sync, false-sharing, gil, crash"},
    {"quick", 'q', NULL, "small sizes everywhere: the whole run in seconds"},
    {"reps", 'r', "N", "timed repetitions per point (default 5; quick 3)"},
    {"large", 0, "SIZE", "create: extra memory of the large parent (default 1G; quick 64M)"},
    {"ops", 0, "N", "create: operations per row (default 200; quick 30)"},
    {"rounds", 0, "N", "switch, ipc: round trips per latency sample (default 2000)"},
    {"ipc-sizes", 0, "A..B[*F]", "ipc: message sizes (default 4K..4M, factor 2)"},
    {"threads", 't', "LIST", "sync: thread counts T (default 1,2,4,8)"},
    {"sync-ops", 0, "N", "sync: operations per point, all threads (default 2M; quick 32K)"},
    {"fs-threads", 0, "N", "false-sharing: threads (default the cores, 2 to 8)"},
    {"fs-ops", 0, "N", "false-sharing: increments per thread (default 8M)"},
    {"pi-steps", 0, "N", "false-sharing: OpenMP pi steps (default 8M)"},
    {"workers", 'w', "N", "gil, crash: pool size (default the cores, 2 to 8)"},
    {"tasks", 0, "N", "gil, crash: tasks (default 8 per worker; quick 4)"},
    {"task-ms", 0, "MS", "gil: milliseconds of one cpu task (default 20; quick 2)"},
    {"crash-task", 0, "N", "crash: the task whose first attempt faults (default 3)"},
    {"crash-signal", 0, "SIG", "crash: segv (an invalid store, default) or abort"},
    {"plot", 'p', "FILE", "draw the sync and ipc sweeps with gnuplot into FILE.svg or .png"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static void conc_help(FILE *out) {
    hx_args_help(
        out, "hetero conc [--only=LIST] [--quick] [OPTIONS]",
        "Processes, threads and concurrency, measured on this machine:\n"
        "  create         fork (from a small helper, from hetero, from a 1 GiB parent),\n"
        "                 vfork+exec, posix_spawn, pthread_create, an OpenMP region\n"
        "  switch         pipe ping-pong between processes and between threads, unpinned,\n"
        "                 on one core and on two\n"
        "  ipc            8-byte latency and bandwidth of pipe, UNIX stream/datagram sockets,\n"
        "                 shared memory + futex, POSIX message queues, TCP loopback; ranked\n"
        "  sync           a shared counter: plain (lost updates counted), atomic, CAS, TTAS\n"
        "                 spinlock, mutex, semaphore, lock-free vs mutex queue, futures\n"
        "  false-sharing  per-thread counters packed vs padded to a cache line; OpenMP pi\n"
        "  gil            a global interpreter lock: {cpu, io} x {threads-gil, threads,\n"
        "                 processes} speedups\n"
        "  crash          a worker segfaults: a thread pool dies, a process pool recovers\n"
        "Every result is checked (counts, echoed bytes, pi, the pool's answer); a failed check\n"
        "exits 1.  Children are reaped and shared memory and queues unlinked, also on SIGINT.\n\n"
        "Examples:\n"
        "  hetero conc --quick\n"
        "  hetero conc --only=false-sharing\n"
        "  hetero conc --only=gil,crash --format=json\n"
        "  hetero conc --only=sync,ipc --plot=conc.svg\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed check, 2 usage error, 3 missing\n"
        "helper program or gnuplot.",
        conc_opts);
}

/* ---- options ----------------------------------------------------------------------------------
 */

static int parse_only(hx_conc_config *c, const char *text) {
    char copy[256], *items[HX_CONC_BENCH_COUNT * 2];
    size_t n;
    snprintf(copy, sizeof copy, "%s", text);
    HX_TRY(hx_split_list("--only", copy, items, sizeof items / sizeof items[0], &n));
    for (size_t i = 0; i < n; i++) {
        int b = hx_conc_bench_find(items[i]);
        if (b < 0)
            return hx_fail(HX_ERR_USAGE,
                           "unknown sub-benchmark '%s' in --only; accepted: create, switch, ipc, "
                           "sync, false-sharing, gil, crash",
                           items[i]);
        c->want[b] = true;
    }
    return HX_OK;
}

static int parse_threads(hx_conc_config *c, const char *text) {
    uint64_t t[HX_CONC_MAX_THREAD_LIST];
    HX_TRY(hx_parse_size_list("--threads", text, 1, HX_CONC_MAX_THREADS, t, HX_CONC_MAX_THREAD_LIST,
                              &c->nsync_threads));
    for (size_t i = 0; i < c->nsync_threads; i++)
        c->sync_threads[i] = (unsigned)t[i];
    return HX_OK;
}

static int parse_unsigned(const char *name, const char *text, uint64_t min, uint64_t max,
                          unsigned *out) {
    uint64_t v;
    HX_TRY(hx_parse_size(name, text, min, max, &v));
    *out = (unsigned)v;
    return HX_OK;
}

static int parse_signal(hx_conc_config *c, const char *text) {
    static const char *const names[] = {"segv", "abort", NULL};
    int i;
    HX_TRY(hx_parse_choice("--crash-signal", text, names, &i));
    c->crash_signal = i == 0 ? SIGSEGV : SIGABRT;
    return HX_OK;
}

static int apply_option(conc_args *a, const char *n, const char *v) {
    hx_conc_config *c = &a->c;
    if (strcmp(n, "only") == 0)
        return parse_only(c, v);
    else if (strcmp(n, "quick") == 0)
        c->quick = true;
    else if (strcmp(n, "reps") == 0)
        return parse_unsigned("--reps", v, 1, HX_CONC_MAX_REPS, &c->reps);
    else if (strcmp(n, "large") == 0)
        return hx_parse_size("--large", v, HX_CONC_MIN_LARGE_BYTES, HX_CONC_MAX_LARGE_BYTES,
                             &c->large_bytes);
    else if (strcmp(n, "ops") == 0)
        return parse_unsigned("--ops", v, 5, 1000000, &c->create_ops);
    else if (strcmp(n, "rounds") == 0)
        return parse_unsigned("--rounds", v, 1, 10000000, &c->pingpong_rounds);
    else if (strcmp(n, "ipc-sizes") == 0)
        return hx_parse_size_range("--ipc-sizes", v, HX_CONC_MIN_IPC_BYTES, HX_CONC_MAX_IPC_BYTES,
                                   c->ipc_sizes, HX_CONC_MAX_IPC_SIZES, &c->nipc_sizes);
    else if (strcmp(n, "threads") == 0)
        return parse_threads(c, v);
    else if (strcmp(n, "sync-ops") == 0)
        return hx_parse_size("--sync-ops", v, 1, HX_CONC_MAX_SYNC_OPS, &c->sync_ops);
    else if (strcmp(n, "fs-threads") == 0)
        return parse_unsigned("--fs-threads", v, 1, HX_CONC_MAX_THREADS, &c->fs_threads);
    else if (strcmp(n, "fs-ops") == 0)
        return hx_parse_size("--fs-ops", v, 1, HX_CONC_MAX_SYNC_OPS, &c->fs_ops);
    else if (strcmp(n, "pi-steps") == 0)
        return hx_parse_size("--pi-steps", v, 1000, HX_CONC_MAX_SYNC_OPS, &c->pi_steps);
    else if (strcmp(n, "workers") == 0)
        return parse_unsigned("--workers", v, 1, HX_CONC_MAX_WORKERS, &c->workers);
    else if (strcmp(n, "tasks") == 0)
        return parse_unsigned("--tasks", v, 1, HX_CONC_MAX_TASKS, &c->tasks);
    else if (strcmp(n, "task-ms") == 0)
        return hx_parse_double("--task-ms", v, 0.01, 10000, &c->task_ms);
    else if (strcmp(n, "crash-task") == 0) {
        c->crash_task_set = true;
        return parse_unsigned("--crash-task", v, 0, HX_CONC_MAX_TASKS - 1, &c->crash_task);
    } else if (strcmp(n, "crash-signal") == 0)
        return parse_signal(c, v);
    else if (strcmp(n, "plot") == 0) {
        hx_plot_kind kind;
        a->plot = v;
        return hx_plot_kind_of("--plot", v, &kind);
    } else if (strcmp(n, "format") == 0)
        return hx_parse_format(v, &a->format);
    else if (strcmp(n, "output") == 0) {
        a->output = v;
        return hx_output_check(v); /* before the run, not after it */
    }
    return HX_OK;
}

static int apply_arg(void *ctx, const hx_arg *arg) {
    return apply_option(ctx, arg->opt->name, arg->value);
}

static int parse_args(conc_args *a, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    a->format = HX_FORMAT_TABLE;
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, conc_opts, "conc");
    return hx_args_parse_options(&ap, apply_arg, a, &a->help);
}

/* The plot draws sync and ipc: refuse before minutes of measuring, not after. */
static int check_plot(const conc_args *a) {
    if (!a->plot)
        return HX_OK;
    bool all = true, sweeps = false;
    for (int b = 0; b < HX_CONC_BENCH_COUNT; b++)
        all &= !a->c.want[b];
    sweeps = all || a->c.want[HX_CONC_SYNC] || a->c.want[HX_CONC_IPC];
    if (!sweeps)
        return hx_fail(HX_ERR_USAGE, "--plot draws the sync and ipc sweeps; add sync or ipc to "
                                     "--only, or leave out --plot");
    return hx_plot_require();
}

/* ---- the command ------------------------------------------------------------------------------
 */

/* The report (a file appears only when the whole of it was written), then the plot. */
static int write_outputs(const conc_args *a, const hx_conc_report *report) {
    hx_output out = {0};
    int status = hx_output_open(&out, a->output);
    if (status == HX_OK)
        status = hx_conc_write(report, a->format, out.fp);
    if (status == HX_OK)
        status = hx_output_commit(&out);
    else
        hx_output_abort(&out);
    if (status == HX_OK && a->plot)
        status = hx_conc_plot(report, a->plot);
    return status;
}

int hx_cmd_conc(int argc, char **argv) {
    conc_args a;
    int status = parse_args(&a, argc, argv);
    if (status == HX_OK && a.help) {
        conc_help(stdout);
        return HX_OK;
    }
    if (status == HX_OK)
        status = check_plot(&a);
    a.c.progress = isatty(STDERR_FILENO);
    hx_conc_report report;
    memset(&report, 0, sizeof report);
    if (status == HX_OK)
        status = hx_conc_run(&a.c, &report);
    if (status == HX_OK) {
        int verdict = hx_conc_verdict(&report); /* the rows are written either way */
        status = write_outputs(&a, &report);
        if (status == HX_OK)
            status = verdict;
    }
    hx_conc_report_free(&report);
    return hx_report_error(status);
}
