/*
 * sched.c - `hetero sched`: one mandelbrot image computed by an OpenCL device and host threads
 * together, and `hetero sched --svm-stress=N`.
 *
 * Options -> the co-scheduler (host/sched: the policies, host workers, proxy thread, SVM
 * counter) on the device hx_target_open() picks -> the report.  The image size is checked before
 * any device is touched.  docs/sched.md describes the policies and the figures; docs/svm.md the
 * memory-ordering argument behind the shared counters.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/sched/sched.h"

typedef struct sched_cli {
    hx_cli_opts cli; /* --device, --size, --reps, --warmup, --seed, --format, --output */
    hx_sched_config sc;
    uint64_t stress;
} sched_cli;

static const hx_opt sched_opts[] = {
    {"policy", 'p', "LIST",
     "device-only, host-only, static, dynamic-proxy, dynamic-svm or all (default all)"},
    {"split", 0, "F", "static: fraction of the rows the device takes (default 0.5)"},
    {"chunk", 'c', "ROWS", "rows per claim from the shared counter (default 16)"},
    {"inflight", 0, "N", "dynamic-proxy: chunks kept queued on the device (default 2)"},
    {"size", 's', "W", "image W x W pixels (default 1024)"},
    {"iters", 0, "N", "iterations per pixel at most (default 256)"},
    {"threads", 't', "N", "host threads (default: all cores)"},
    {"device", 'd', "SPEC", "OpenCL device: gpu, cpu, accelerator, P:D or name part"},
    {"reps", 'r', "N", "timed runs per policy (default 5; the median is reported)"},
    {"warmup", 'w', "N", "untimed runs per policy first (default 1)"},
    {"svm-stress", 0, "N",
     "instead: N runs of histogram-coop with random sizes, splits and threads, each exact"},
    {"seed", 0, "N", "seed of --svm-stress's random choices (default 42)"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static void sched_help(FILE *out) {
    hx_args_help(
        out, "hetero sched [OPTIONS] [mandelbrot]",
        "Co-schedule one mandelbrot image between an OpenCL device and host threads and compare\n"
        "the policies: each device alone, a static split at --split, and dynamic claiming of\n"
        "--chunk rows from one shared atomic counter - by a host proxy thread that enqueues the\n"
        "device's chunks (every device), or by the kernel's work-groups themselves from a counter\n"
        "in fine-grain SVM with atomics (devices that have SVM atomics).  Every run is verified\n"
        "against the serial image.  Reports per device the chunks and rows taken and the busy\n"
        "time, and the speedup over serial and over the faster device alone.\n"
        "--svm-stress=N instead hammers host+device atomics on shared SVM bins N times with\n"
        "random sizes and checks every count.\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error,\n"
        "3 device or feature missing (dynamic-svm or --svm-stress without SVM atomics).",
        sched_opts);
}

static int apply_option(sched_cli *s, const hx_arg *a) {
    bool handled;
    HX_TRY(hx_cli_apply(&s->cli, a, &handled));
    if (handled)
        return HX_OK;
    const char *name = a->opt->name, *v = a->value;
    hx_sched_config *c = &s->sc;
    if (strcmp(name, "policy") == 0)
        return hx_sched_parse_policies(v, c->want);
    if (strcmp(name, "split") == 0)
        return hx_parse_double("--split", v, 0.0, 1.0, &c->split);
    if (strcmp(name, "chunk") == 0)
        return hx_parse_uint("--chunk", v, 1, 32768, &c->chunk);
    if (strcmp(name, "inflight") == 0)
        return hx_parse_uint("--inflight", v, 1, HX_SCHED_MAX_INFLIGHT, &c->inflight);
    if (strcmp(name, "iters") == 0)
        return hx_parse_uint("--iters", v, 1, 1u << 20, &c->iters);
    if (strcmp(name, "threads") == 0)
        return hx_parse_threads("--threads", v, &c->threads);
    if (strcmp(name, "svm-stress") == 0)
        return hx_parse_uint("--svm-stress", v, 1, 1000000, &s->stress);
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int parse_args(sched_cli *s, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, sched_opts, "sched");
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            break;
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_args_unknown(&ap, &a);
        if (a.kind == HX_ARG_POSITIONAL) {
            if (strcmp(a.value, "mandelbrot") != 0)
                return hx_fail(HX_ERR_USAGE,
                               "'sched' co-schedules the workload mandelbrot only, not '%s'",
                               a.value);
            continue;
        }
        if (strcmp(a.opt->name, "help") == 0) {
            *help = true;
            return HX_OK;
        }
        HX_TRY(apply_option(s, &a));
    }
    if (s->cli.size_given)
        s->sc.size = s->cli.size;
    s->sc.reps = s->cli.reps;
    s->sc.warmup = s->cli.warmup;
    return HX_OK;
}

/* The co-scheduling report, or with stress the --svm-stress summary. */
static int write_report(const sched_cli *s, const hx_sched_report *rep,
                        const hx_sched_stress_report *stress) {
    hx_output out;
    HX_TRY(hx_output_open(&out, s->cli.output));
    int status = HX_OK;
    if (stress)
        hx_sched_stress_write(out.fp, s->cli.format, stress);
    else
        status = hx_sched_write(out.fp, s->cli.format, rep);
    return hx_cli_report_end(&out, status);
}

/* Co-schedule (or stress) on the opened device, then write the report; a failed verification
 * exits 1 after the report. */
static int sched(const sched_cli *s) {
    if (!s->stress)
        HX_TRY(hx_sched_check(&s->sc)); /* before any device is touched */
    hx_target_spec spec = hx_sched_target_spec(s->cli.device);
    hx_target_set ts;
    HX_TRY(hx_target_open(&ts, &spec));
    hx_sched_report rep;
    hx_sched_stress_report stress;
    int status = s->stress ? hx_sched_svm_stress(s->stress, s->cli.seed, &ts, &stress)
                           : hx_sched_run(&s->sc, &ts, &rep);
    hx_target_close(&ts);
    if (status != HX_OK)
        return status;
    HX_TRY(write_report(s, &rep, s->stress ? &stress : NULL));
    return s->stress ? HX_OK : hx_sched_check_verified(&rep);
}

int hx_cmd_sched(int argc, char **argv) {
    sched_cli s;
    memset(&s, 0, sizeof s);
    hx_sched_config_defaults(&s.sc);
    hx_cli_init(&s.cli, s.sc.reps, s.sc.warmup);
    bool help = false;
    int status = parse_args(&s, argc, argv, &help);
    if (status == HX_OK && help)
        sched_help(stdout);
    else if (status == HX_OK)
        status = sched(&s);
    hx_cli_free(&s.cli);
    return hx_report_error(status);
}
