/*
 * map.c - `hetero map`: the design and dynamic-mapping lab (docs/map.md).
 *
 *   hetero map [run]     every mapping policy on one task source (table, CSV, JSON, --gantt)
 *   hetero map sweep     makespan and overhead against --chunk=A..B (the U-curve)
 *   hetero map decompose the same job by domain and as a three-stage pipeline
 *   hetero map comm      a halo-exchanging task graph mapped block-wise and cyclically
 *
 * Option parsing and output only: the measurements are host/map's (include/hetero/map/).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/plot.h"
#include "hetero/engine/target.h"
#include "hetero/map/design.h"
#include "hetero/map/device.h"
#include "hetero/map/map.h"

typedef enum { MODE_RUN, MODE_SWEEP, MODE_DECOMPOSE, MODE_COMM, MODE_COUNT } map_mode;
static const char *const mode_names[] = {"run", "sweep", "decompose", "comm", NULL};

enum {
    RUN = 1 << MODE_RUN,
    SWEEP = 1 << MODE_SWEEP,
    DEC = 1 << MODE_DECOMPOSE,
    COMM = 1 << MODE_COMM,
    ALL = RUN | SWEEP | DEC | COMM
};

typedef struct map_cli {
    map_mode mode;
    const char *tasks, *slow, *gantt, *plot, *output, *chunk_text, *device;
    bool all_policies; /* --policy=all, or no --policy */
    bool tasks_given, count_given, cost_given, frontier_given, reps_given, workers_given, help;
    hx_map_params params;
    hx_map_bench_config bench;
    hx_map_decompose_config dec;
    hx_map_comm_config comm;
    uint64_t chunks[HX_MAP_MAX_CHUNKS];
    size_t nchunks;
    hx_format format;
} map_cli;

static const hx_opt map_opts[] = {
    {"tasks", 't', "SRC",
     "task source: mandelbrot (default), mandelbrot-tiles, synthetic, tree, "
     "spmv (sweep: synthetic)"},
    {"policy", 'p', "LIST",
     "policies, or all (default): static-block, static-cyclic, dynamic, "
     "guided, manager-worker, hierarchical, work-stealing, omp-static, "
     "omp-dynamic, omp-guided"},
    {"workers", 'w', "N", "threads that run tasks (default: the cores); managers come on top"},
    {"chunk", 'c', "N", "tasks per claim (default 1); sweep: A..B, doubling (default 1..4096)"},
    {"prefetch", 0, NULL, "manager-worker, hierarchical: keep one request ahead"},
    {"group", 0, "N", "hierarchical: workers per group manager (default 2)"},
    {"victim", 0, "V", "work-stealing victims: random (default), round-robin, nearest (hwloc)"},
    {"slow", 0, "W:F", "worker W runs F times slower (busy-wait); a list W:F,W:F"},
    {"device", 'd', "SPEC",
     "one more worker that runs its claims on this OpenCL device: gpu, cpu, P:D or name part "
     "(mandelbrot)"},
    {"pin", 0, "yes|no", "bind workers to cores with hwloc (default yes)"},
    {"reps", 'r', "N", "timed runs per policy (default 5, sweep 3; the median run is reported)"},
    {"warmup", 0, "N", "untimed, verified runs first (default 1)"},
    {"gantt", 'g', "FILE", "run: timeline of every policy into FILE.png, FILE.svg, FILE.csv"},
    {"plot", 0, "FILE", "sweep: the U-curve into FILE.svg or FILE.png"},
    {"blocks", 0, "N", "decompose: blocks in the job (512); comm: tasks of the graph (64)"},
    {"block-len", 0, "N", "decompose: 64-bit words per block (4096)"},
    {"stages", 0, "G:T:R", "decompose: work units per word of each stage (1:6:1)"},
    {"queue", 0, "N", "decompose: capacity of each bounded queue, in blocks (4)"},
    {"cells", 0, "N", "comm: cells per block (1024)"},
    {"halo", 0, "N", "comm: cells exchanged with each neighbour per step (64)"},
    {"steps", 0, "N", "comm: Jacobi steps (200)"},
    {"work", 0, "U", "comm: work units per cell update, mean (8)"},
    {"shape", 0, "S", "comm: block costs uniform or increasing (default increasing)"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};
static const unsigned opt_modes[] = {
    RUN | SWEEP, RUN,         ALL, RUN | SWEEP, RUN | SWEEP, RUN | SWEEP, RUN | SWEEP,
    RUN | SWEEP, RUN | SWEEP, ALL, ALL,         ALL,         RUN,         SWEEP,
    DEC | COMM,  DEC,         DEC, DEC,         COMM,        COMM,        COMM,
    COMM,        COMM,        ALL, ALL,         ALL};
_Static_assert(sizeof opt_modes / sizeof opt_modes[0] == sizeof map_opts / sizeof map_opts[0] - 1,
               "one mode mask per option");

static void map_help(FILE *out) {
    hx_args_help(
        out, "hetero map [run|sweep|decompose|comm] [OPTIONS]",
        "The design and dynamic-mapping lab.  run: map one task source with every policy\n"
        "(static, dynamic, guided, manager-worker, hierarchical, work-stealing and OpenMP's\n"
        "schedules) on --workers pinned threads, verify each run against serial, and report\n"
        "makespan, speedup, efficiency, imbalance (max/mean busy CPU time), idle fraction,\n"
        "scheduling overhead per task, tasks and steals per worker and messages to managers.\n"
        "sweep: dynamic and manager-worker over chunk sizes, best chunk marked.  decompose:\n"
        "domain vs a three-stage pipeline over bounded queues.  comm: block vs cyclic mapping\n"
        "of a halo-exchanging task graph, with the bytes that cross workers.\n\n"
        "Examples:\n"
        "  hetero map --tasks=mandelbrot --workers=2 --gantt=mandel\n"
        "  hetero map --tasks=tree --tree=geometric --policy=static-block,work-stealing\n"
        "  hetero map sweep --chunk=1..4096 --plot=sweep.svg\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error,\n"
        "3 gnuplot missing for --gantt or --plot, or no OpenCL device for --device.",
        map_opts);
    fputs("\nTask-source options (run, sweep):\n", out);
    for (const hx_opt *o = hx_map_source_opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s=%s", o->name, o->arg_name);
        fprintf(out, "      %-25s%s\n", left, o->help);
    }
}

/* ---- options ---------------------------------------------------------------------------- */

/* A count in [min, max] into an unsigned field (hx_parse_int's range is all positive here). */
static int parse_count(const char *name, const char *v, int min, int max, unsigned *out) {
    int x;
    HX_TRY(hx_parse_int(name, v, min, max, &x));
    *out = (unsigned)x;
    return HX_OK;
}

static int apply_workload_option(map_cli *c, const char *name, const char *v) {
    static const char *const yes_no[] = {"yes", "no", NULL}, *const shapes[] = {"uniform",
                                                                                "increasing", NULL};
    int k;
    if (strcmp(name, "blocks") == 0) {
        HX_TRY(hx_parse_size("--blocks", v, 1, 1u << 24, &c->dec.blocks));
        c->comm.blocks = c->dec.blocks;
        return HX_OK;
    }
    if (strcmp(name, "block-len") == 0)
        return hx_parse_size("--block-len", v, 1, 1u << 24, &c->dec.block_len);
    if (strcmp(name, "stages") == 0)
        return hx_map_parse_stages(v, c->dec.stage);
    if (strcmp(name, "queue") == 0)
        return parse_count("--queue", v, 1, 1024, &c->dec.queue);
    if (strcmp(name, "cells") == 0)
        return hx_parse_size("--cells", v, 1, 1u << 24, &c->comm.cells);
    if (strcmp(name, "halo") == 0)
        return hx_parse_size("--halo", v, 1, 1u << 24, &c->comm.halo);
    if (strcmp(name, "steps") == 0)
        return hx_parse_size("--steps", v, 1, 1u << 24, &c->comm.steps);
    if (strcmp(name, "work") == 0)
        return hx_parse_size("--work", v, 0, 1u << 24, &c->comm.work);
    if (strcmp(name, "shape") == 0) {
        HX_TRY(hx_parse_choice("--shape", v, shapes, &k));
        c->comm.increasing = k == 1;
        return HX_OK;
    }
    if (strcmp(name, "pin") == 0) {
        HX_TRY(hx_parse_choice("--pin", v, yes_no, &k));
        c->bench.run.pin = c->dec.pin = c->comm.pin = k == 0;
        return HX_OK;
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int apply_option(map_cli *c, const char *name, const char *v) {
    int k;
    if (strcmp(name, "tasks") == 0) {
        c->tasks = v;
        c->tasks_given = true;
    } else if (strcmp(name, "policy") == 0) {
        return hx_map_parse_policies(v, c->bench.want, &c->all_policies);
    } else if (strcmp(name, "device") == 0) {
        c->device = v;
        return hx_ocl_check_spec(v);
    } else if (strcmp(name, "workers") == 0) {
        HX_TRY(parse_count("--workers", v, 1, HX_MAP_MAX_WORKERS - 1, &c->bench.run.workers));
        c->workers_given = true;
        c->dec.workers = c->comm.workers = c->bench.run.workers;
    } else if (strcmp(name, "chunk") == 0) {
        c->chunk_text = v;
    } else if (strcmp(name, "prefetch") == 0) {
        c->bench.run.prefetch = true;
    } else if (strcmp(name, "group") == 0) {
        return parse_count("--group", v, 1, HX_MAP_MAX_WORKERS, &c->bench.run.group);
    } else if (strcmp(name, "victim") == 0) {
        HX_TRY(hx_parse_choice("--victim", v, hx_map_victim_names, &k));
        c->bench.run.victim = (hx_map_victim)k;
    } else if (strcmp(name, "slow") == 0) {
        c->slow = v;
    } else if (strcmp(name, "reps") == 0) {
        HX_TRY(hx_parse_int("--reps", v, 1, 1000, &c->bench.reps));
        c->dec.reps = c->comm.reps = c->bench.reps;
    } else if (strcmp(name, "warmup") == 0) {
        HX_TRY(hx_parse_int("--warmup", v, 0, 100, &c->bench.warmup));
        c->dec.warmup = c->comm.warmup = c->bench.warmup;
    } else if (strcmp(name, "gantt") == 0) {
        c->gantt = v;
        c->bench.run.record = true;
    } else if (strcmp(name, "plot") == 0) {
        hx_plot_kind kind;
        c->plot = v;
        return hx_plot_kind_of("--plot", v, &kind);
    } else if (strcmp(name, "format") == 0) {
        return hx_parse_format(v, &c->format);
    } else if (strcmp(name, "output") == 0) {
        c->output = v;
        return hx_output_check(v);
    } else {
        return apply_workload_option(c, name, v);
    }
    return HX_OK;
}

static map_cli *set_defaults(map_cli *c) {
    memset(c, 0, sizeof *c);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->tasks = "mandelbrot";
    hx_map_params_default(&c->params);
    hx_map_config_default(&c->bench.run);
    c->bench.run.workers = cores > 0 && cores <= HX_MAP_MAX_WORKERS ? (unsigned)cores : 2;
    for (int p = 0; p < HX_MAP_POLICY_COUNT; p++)
        c->bench.want[p] = true;
    c->all_policies = true;
    c->bench.reps = 5;
    c->bench.warmup = 1;
    hx_map_decompose_default(&c->dec);
    hx_map_comm_default(&c->comm);
    c->dec.workers = c->comm.workers = c->bench.run.workers;
    c->format = HX_FORMAT_TABLE;
    return c;
}

/* What depends on the mode or on more than one option, once all are read. */
static int finish_options(map_cli *c) {
    if (c->mode == MODE_SWEEP) {
        if (!c->tasks_given)
            c->tasks = "synthetic";
        if (!c->count_given) /* many small tasks: the overhead side of the curve shows */
            c->params.count = 65536;
        if (!c->cost_given)
            c->params.cost = 200;
        if (!c->reps_given)
            c->bench.reps = 3;
        HX_TRY(hx_parse_size_range("--chunk", c->chunk_text ? c->chunk_text : "1..4096", 1,
                                   1u << 30, c->chunks, HX_MAP_MAX_CHUNKS, &c->nchunks));
    } else if (c->chunk_text) {
        HX_TRY(hx_parse_size("--chunk", c->chunk_text, 1, 1u << 30, &c->bench.run.chunk));
    }
    if (c->slow)
        HX_TRY(hx_map_parse_slow(c->slow, &c->bench.run));
    if (!c->frontier_given) /* a static mapper over-decomposes by a few tasks per worker */
        c->params.frontier = 4 * (uint64_t)c->bench.run.workers;
    return HX_OK;
}

typedef struct map_parse { /* the command line as it is read */
    map_cli *c;
    unsigned words; /* arguments read: the mode is the only one */
} map_parse;

static int map_mode_word(void *ctx, const char *value) {
    map_parse *mp = ctx;
    int m = 0;
    if (mp->words++ > 0)
        return hx_fail(HX_ERR_USAGE, "unexpected argument '%s' for 'hetero map'", value);
    HX_TRY(hx_parse_choice("hetero map", value, mode_names, &m));
    mp->c->mode = (map_mode)m;
    return HX_OK;
}

static int map_source_option(void *ctx, hx_argparse *ap, hx_arg *a) { /* --count, --tree, ... */
    map_cli *c = ((map_parse *)ctx)->c;
    bool known;
    const char *v = hx_args_take_value(ap, a);
    if (v)
        HX_TRY(hx_map_param_set(&c->params, a->name, v, &known));
    if (!v || !known)
        return hx_args_unknown(ap, a);
    c->count_given |= strcmp(a->name, "count") == 0;
    c->cost_given |= strcmp(a->name, "cost") == 0;
    c->frontier_given |= strcmp(a->name, "frontier") == 0;
    return HX_OK;
}

static int map_option(void *ctx, const hx_arg *a) {
    map_parse *mp = ctx;
    if (!(opt_modes[a->opt - map_opts] & (1u << mp->c->mode)))
        return hx_fail(HX_ERR_USAGE, "--%s is not an option of 'hetero map %s'", a->opt->name,
                       mode_names[mp->c->mode]);
    mp->c->reps_given |= strcmp(a->opt->name, "reps") == 0;
    return apply_option(mp->c, a->opt->name, a->value);
}

static int parse_args(map_cli *c, int argc, char **argv) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, map_opts, "map");
    map_parse mp = {.c = set_defaults(c)};
    HX_TRY(hx_args_parse_with(&ap, map_option, map_mode_word, map_source_option, &mp, &c->help));
    return c->help ? HX_OK : finish_options(c);
}

/* ---- the modes -------------------------------------------------------------------------- */

static int need_gnuplot(const char *option) {
    const char *program;
    if (hx_gnuplot_found(&program))
        return HX_OK;
    return hx_fail(HX_ERR_MISSING,
                   "%s needs gnuplot, and '%s' was not found; install it (Debian: apt-get "
                   "install gnuplot-nox) or leave out %s",
                   option, program, option);
}

static int write_report(const map_cli *c, const void *data) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->output));
    int status;
    switch (c->mode) {
    case MODE_SWEEP:
        status = hx_map_sweep_write(out.fp, c->format, data);
        break;
    case MODE_DECOMPOSE:
        status = hx_map_decompose_write(out.fp, c->format, data);
        break;
    case MODE_COMM:
        status = hx_map_comm_write(out.fp, c->format, data);
        break;
    default:
        status = hx_map_write(out.fp, c->format, data);
    }
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

/* The device worker's device: the engine's target set (as hetero sched opens it) and what the
 * worker adds on it (a sub-device of the free cores, on a CPU device). */
typedef struct map_device {
    hx_target_set ts;
    hx_map_device worker;
} map_device;

static void map_device_close(map_device *d) {
    hx_map_device_close(&d->worker);
    hx_target_close(&d->ts);
}

/* --device: check, open the device, and join the worker to the run (host/map/device.c). */
static int add_device_worker(map_cli *c, hx_map_source *src, map_device *d) {
    HX_TRY(hx_map_device_prepare(src, c->mode == MODE_RUN ? c->bench.want : NULL, c->all_policies));
    hx_target_spec spec = {.opencl = true,
                           .opencl_explicit = true,
                           .device = c->device,
                           .max_devices = 1,
                           .purpose = "a device worker"};
    HX_TRY(hx_target_open(&d->ts, &spec));
    if (d->ts.ndevices == 0)
        return hx_fail(HX_ERR_MISSING, "--device=%s: no OpenCL device was opened", c->device);
    return hx_map_device_join(src, d->ts.devices[0].dev, &d->ts.devices[0].session,
                              c->workers_given, &c->bench.run, &d->worker);
}

/* The task source, with its device worker under --device. */
static int open_source(map_cli *c, hx_map_source *src, map_device *d) {
    memset(d, 0, sizeof *d);
    HX_TRY(hx_map_source_open(c->tasks, &c->params, src));
    int status = c->device ? add_device_worker(c, src, d) : HX_OK;
    if (status != HX_OK) {
        hx_map_source_close(src);
        map_device_close(d);
    }
    return status;
}

static void close_source(hx_map_source *src, map_device *d) {
    hx_map_source_close(src); /* the kernel on the device first, then the device */
    map_device_close(d);
}

static int run_policies(map_cli *c) {
    if (c->gantt)
        HX_TRY(need_gnuplot("--gantt"));
    hx_map_source src;
    map_device dev;
    HX_TRY(open_source(c, &src, &dev));
    hx_map_report rep;
    int status = hx_map_bench(&src, &c->bench, &rep);
    if (status == HX_OK || status == HX_ERR_RUNTIME) { /* a failed check still shows the table */
        int wstatus = rep.n ? write_report(c, &rep) : HX_OK;
        status = status == HX_OK ? wstatus : status;
    }
    if (status == HX_OK && c->gantt)
        status = hx_map_gantt(&rep, c->gantt);
    hx_map_report_free(&rep);
    close_source(&src, &dev);
    return status;
}

static int run_sweep(map_cli *c) {
    if (c->plot)
        HX_TRY(need_gnuplot("--plot"));
    hx_map_source src;
    map_device dev;
    HX_TRY(open_source(c, &src, &dev));
    static hx_map_sweep sweep; /* large: 64 results with their runs */
    int status = hx_map_sweep_run(&src, &c->bench, c->chunks, c->nchunks, &sweep);
    if (status == HX_OK)
        status = write_report(c, &sweep);
    if (status == HX_OK && c->plot)
        status = hx_map_sweep_plot(&sweep, c->plot);
    hx_map_sweep_free(&sweep);
    close_source(&src, &dev);
    return status;
}

int hx_cmd_map(int argc, char **argv) {
    static map_cli c;
    int status = parse_args(&c, argc, argv);
    if (status == HX_OK && c.help) {
        map_help(stdout);
        return HX_OK;
    }
    if (status == HX_OK) {
        if (c.mode == MODE_SWEEP) {
            status = run_sweep(&c);
        } else if (c.mode == MODE_DECOMPOSE) {
            static hx_map_decompose d;
            status = hx_map_decompose_run(&c.dec, &d);
            status = status == HX_OK ? write_report(&c, &d) : status;
        } else if (c.mode == MODE_COMM) {
            static hx_map_comm m;
            status = hx_map_comm_run(&c.comm, &m);
            status = status == HX_OK ? write_report(&c, &m) : status;
        } else {
            status = run_policies(&c);
        }
    }
    return hx_report_error(status);
}
