/*
 * conc.c - the driver of `hetero conc`: defaults, the run of each chosen sub-benchmark in a
 * fixed order, the cleanup guard around it, and the row builder every sub-benchmark uses.
 *
 * Order matters a little: creation runs first, before the other sub-benchmarks have grown the
 * process (its large-parent rows then add exactly the memory they say), and the pools come last.
 * The defaults keep the whole run under a minute on two cores; `quick` shrinks every size so
 * the whole run takes seconds (the tests use it).
 */
#include "hetero/conc/conc.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/create.h"
#include "hetero/conc/sync.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "internal.h"

const char *const hx_conc_bench_names[] = {"create",        "switch", "ipc",   "sync",
                                           "false-sharing", "gil",    "crash", NULL};

int hx_conc_bench_find(const char *name) {
    for (int i = 0; hx_conc_bench_names[i]; i++)
        if (strcmp(hx_conc_bench_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- defaults ---------------------------------------------------------------------------------
 */

static unsigned clamp_u(long v, unsigned lo, unsigned hi) {
    return v < (long)lo ? lo : v > (long)hi ? hi : (unsigned)v;
}

static void default_ipc_sizes(hx_conc_config *c) {
    uint64_t top = c->quick ? 64u << 10 : 4u << 20;
    unsigned factor = c->quick ? 4 : 2;
    c->nipc_sizes = 0;
    for (uint64_t s = 4096; s <= top && c->nipc_sizes < HX_CONC_MAX_IPC_SIZES; s *= factor)
        c->ipc_sizes[c->nipc_sizes++] = s;
}

int hx_conc_config_resolve(hx_conc_config *c) {
    bool any = false;
    for (int i = 0; i < HX_CONC_BENCH_COUNT; i++)
        any |= c->want[i];
    if (!any)
        for (int i = 0; i < HX_CONC_BENCH_COUNT; i++)
            c->want[i] = true;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    bool q = c->quick;
    if (!c->reps)
        c->reps = q ? 3 : 5;
    if (!c->large_bytes)
        c->large_bytes = q ? 64u << 20 : 1u << 30;
    if (!c->create_ops)
        c->create_ops = q ? 30 : 200;
    if (!c->pingpong_rounds)
        c->pingpong_rounds = q ? 200 : 1000;
    if (!c->nipc_sizes)
        default_ipc_sizes(c);
    if (!c->nsync_threads) {
        static const unsigned t[] = {1, 2, 4, 8};
        c->nsync_threads = q ? 3 : 4;
        memcpy(c->sync_threads, t, c->nsync_threads * sizeof t[0]);
    }
    if (!c->sync_ops)
        c->sync_ops = q ? 1u << 15 : 1u << 20;
    if (!c->fs_threads)
        c->fs_threads = clamp_u(cores, 2, 8);
    if (!c->fs_ops)
        c->fs_ops = q ? 1u << 18 : 1u << 23;
    if (!c->pi_steps)
        c->pi_steps = q ? 1u << 18 : 1u << 23;
    if (!c->workers)
        c->workers = clamp_u(cores, 2, 8);
    if (!c->tasks)
        c->tasks = (q ? 4 : 8) * c->workers;
    if (!(c->task_ms > 0))
        c->task_ms = q ? 2 : 10;
    if (!c->crash_signal)
        c->crash_signal = SIGSEGV;
    if (!c->crash_task_set)
        c->crash_task = c->tasks > 3 ? 3 : c->tasks - 1;
    if (c->crash_task >= c->tasks)
        return hx_fail(HX_ERR_USAGE, "--crash-task %u is not one of the %u tasks (0 to %u)",
                       c->crash_task, c->tasks, c->tasks - 1);
    return HX_OK;
}

/* ---- rows -------------------------------------------------------------------------------------
 */

hx_conc_row *hx_conc_row_add(hx_conc_report *r, hx_conc_bench bench, const char *name) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        hx_conc_row *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows) {
            hx_fail(HX_ERR_RUNTIME, "out of memory");
            return NULL;
        }
        r->rows = rows;
        r->cap = cap;
    }
    hx_conc_row *row = &r->rows[r->n++];
    memset(row, 0, sizeof *row);
    row->bench = bench;
    snprintf(row->name, sizeof row->name, "%s", name);
    row->us_min = row->us_median = row->us_max = NAN;
    row->mb_per_s = row->mb_per_s_best = row->slowdown = row->value = row->speedup = NAN;
    row->ok = true;
    return row;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void hx_conc_row_costs(hx_conc_row *row, const double *us, size_t n) {
    row->samples = n;
    if (n == 0)
        return;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return;
    memcpy(s, us, n * sizeof *s);
    qsort(s, n, sizeof *s, compare_doubles);
    row->us_min = s[0];
    row->us_max = s[n - 1];
    row->us_median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
}

void hx_conc_progress(const hx_conc_config *c, const char *fmt, ...) {
    if (!c->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("hetero conc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- the run ----------------------------------------------------------------------------------
 */

typedef int (*runner)(const hx_conc_config *, hx_conc_report *);

static const runner runners[HX_CONC_BENCH_COUNT] = {
    [HX_CONC_CREATE] = hx_conc_run_create,
    [HX_CONC_SWITCH] = hx_conc_run_switch,
    [HX_CONC_IPC] = hx_conc_run_ipc,
    [HX_CONC_SYNC] = hx_conc_run_sync,
    [HX_CONC_FALSE_SHARING] = hx_conc_run_false_sharing,
    [HX_CONC_GIL] = hx_conc_run_gil,
    [HX_CONC_CRASH] = hx_conc_run_crash,
};

static void describe_host(hx_conc_report *r) {
    const hx_cpu_info *cpu = hx_cpu();
    snprintf(r->cpu, sizeof r->cpu, "%s", cpu->brand);
    r->cores = cpu->logical_cpus;
    const char *source;
    r->line_bytes = hx_conc_line_bytes(&source);
    snprintf(r->line_source, sizeof r->line_source, "%s", source);
    const char *policy = getenv("OMP_WAIT_POLICY");
    snprintf(r->omp_wait_policy, sizeof r->omp_wait_policy, "%s", policy ? policy : "default");
}

int hx_conc_run(const hx_conc_config *c, hx_conc_report *r) {
    r->config = *c;
    HX_TRY(hx_conc_config_resolve(&r->config));
    describe_host(r);
    if (getloadavg(r->load_start, 3) != 3)
        r->load_start[0] = r->load_start[1] = r->load_start[2] = NAN;
    HX_TRY(hx_conc_guard_install());
    /* a write to a pipe whose reader died must fail with EPIPE, not end the run */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    double t0 = hx_now();
    int status = HX_OK;
    for (int b = 0; b < HX_CONC_BENCH_COUNT && status == HX_OK; b++)
        if (r->config.want[b])
            status = runners[b](&r->config, r);
    r->seconds = hx_now() - t0;
    hx_conc_cleanup_now(); /* normally empty: every part reaps and unlinks its own */
    sigaction(SIGPIPE, &old_pipe, NULL);
    hx_conc_guard_uninstall();
    if (getloadavg(r->load_end, 3) != 3)
        r->load_end[0] = r->load_end[1] = r->load_end[2] = NAN;
    return status;
}

int hx_conc_verdict(const hx_conc_report *r) {
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->ok || row->skipped)
            continue;
        char where[64] = "";
        if (row->variant[0])
            snprintf(where, sizeof where, " %s", row->variant);
        else if (row->mode[0])
            snprintf(where, sizeof where, " %s%s%s", row->work, row->work[0] ? "/" : "", row->mode);
        else if (row->threads)
            snprintf(where, sizeof where, " T=%u", row->threads);
        return hx_fail(HX_ERR_RUNTIME, "check failed: %s %s%s: %s", hx_conc_bench_names[row->bench],
                       row->name, where, row->note);
    }
    return HX_OK;
}

void hx_conc_report_free(hx_conc_report *r) {
    free(r->rows);
    r->rows = NULL;
    r->n = r->cap = 0;
}
