/*
 * scale.c - `hetero scale`: speedup, efficiency and the scaling laws, measured in one command.
 *
 * Options -> one sweep of the analysis library (host/analysis: the plan, its memory check, the
 * measuring, the laws and fits) -> the report and, with --plot, the figure.  Order of work: every
 * option and size is checked (usage errors exit 2 before anything runs), gnuplot is looked for
 * when --plot asks for it, the devices are opened (hx_target_open), the plan's memory is checked
 * against what the host has free, then the sweep runs with a progress line on stderr when stderr
 * is a terminal.  A point that failed verification is still reported, and the command then exits
 * 1.  docs/scale.md describes the command, its figures and its schema.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "hetero/analysis/report.h"
#include "hetero/analysis/scale.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/engine/job.h"

#define DEFAULT_REPS   5
#define DEFAULT_WARMUP 1

typedef struct scale_cli {
    hx_cli_opts cli;
    hx_scale_config sc;
    bool mode_given;
    const char *plot;
} scale_cli;

static const hx_opt scale_opts[] = {
    HX_CLI_WORKLOAD_OPTS,
    {"threads", 't', "LIST",
     "p values to sweep, e.g. 1,2,4 (default: 1, 2, 4, ... up to the cores)"},
    {"ranks", 0, "LIST", "p values as MPI ranks, one thread each (mpirun -np max(LIST) ...)"},
    {"mpi-variant", 0, "NAME", "--ranks: the workload's distributed variant (default: its first)"},
    {"mode", 0, "MODE", "strong (default: fixed size) or weak (size grows with p)"},
    {"sizes", 0, "A..B[*F]", "sweep sizes A, A*F, ... up to B instead of threads (F 2 or more)"},
    {"plot", 'p', "FILE", "draw the figure with gnuplot into FILE.svg or FILE.png"},
    HX_CLI_HELP_AND_END,
};

static void scale_help(FILE *out) {
    hx_args_help(
        out, "hetero scale WORKLOAD [--threads=LIST | --sizes=A..B] [OPTIONS]",
        "Strong or weak scaling of one workload over p = threads (omp, omp-simd, threads, blas;\n"
        "default omp) or compute units of an OpenCL sub-device (opencl), with the relative "
        "speedup\n"
        "S(p) = T1/Tp (T1: the same backend at p=1), the absolute speedup S abs (the best\n"
        "one-processor code: serial, simd or blas on one thread), E(p) = S/p and the Karp-Flatt\n"
        "serial fraction e(p) = (1/S - 1/p)/(1 - 1/p); then Amdahl's parallel fraction P\n"
        "fitted to the strong-scaling speedups (limit 1/(1-P)) or Gustafson's serial fraction a\n"
        "fitted to the weak-scaling ones.  --size is the size (strong) or the size at p=1\n"
        "(weak: the size grows so the work is p times the base).  A p above the core count is\n"
        "measured and marked oversubscribed, never fitted; S > p is marked superlinear.  A fit\n"
        "with no point 1 < p <= cores, or whose P, a or e(p) leaves [0, 1], prints \"no fit\"\n"
        "and the reason instead of a number; through a single such point it is exact.\n"
        "With --sizes: every backend (default: all) against size, with the cache level the\n"
        "working set fits and the size where the OpenCL device, counted with transfers, beats\n"
        "the best CPU backend.  A sweep whose memory estimate exceeds the available memory is\n"
        "refused.  Defaults: --reps=5 --warmup=1.  Workload parameters are given as\n"
        "--NAME=VALUE (see `hetero list`).\n"
        "With --ranks (under mpirun -np N, N >= the largest): p is ranks of the mpi backend,\n"
        "one thread each, and S(p) uses the time WITH communication, so communication shows\n"
        "as serial fraction; the ranks a point leaves out wait sleeping (docs/mpi.md).\n\n"
        "Examples:\n"
        "  hetero scale amdahl --serial-fraction=0.1 --threads=1,2 --plot=amdahl.svg\n"
        "  hetero scale vecadd --mode=weak --size=4M --threads=1,2 --plot=weak.svg\n"
        "  hetero scale vecadd --sizes=4K..64M*4 --format=json\n"
        "  mpirun -np 4 hetero scale stencil2d --ranks=1,2,4\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error (also a\n"
        "sweep too large for the available memory), 3 device or gnuplot missing.",
        scale_opts);
}

/* ---- options -------------------------------------------------------------------------------- */

static const char *const mode_choices[] = {"strong", "weak", "sizes", NULL};

static int apply_option(scale_cli *s, const hx_arg *a) {
    bool handled;
    HX_TRY(hx_cli_apply(&s->cli, a, &handled));
    if (handled)
        return HX_OK;
    const char *name = a->opt->name, *v = a->value;
    hx_scale_config *c = &s->sc;
    if (strcmp(name, "threads") == 0) {
        c->threads_given = true;
        return hx_parse_size_list("--threads", v, 1, HX_MAX_THREADS, c->p, HX_SCALE_MAX_P, &c->np);
    }
    if (strcmp(name, "ranks") == 0) {
        c->ranks_given = true;
        return hx_parse_size_list("--ranks", v, 1, 65536, c->p, HX_SCALE_MAX_P, &c->np);
    }
    if (strcmp(name, "mpi-variant") == 0) {
        c->mpi.variants = v;
        return HX_OK;
    }
    if (strcmp(name, "mode") == 0) {
        int i;
        HX_TRY(hx_parse_choice("--mode", v, mode_choices, &i));
        if (i == HX_SCALE_SIZES)
            return hx_fail(HX_ERR_USAGE, "--mode 'sizes' is chosen by --sizes=A..B; accepted "
                                         "for --mode: strong, weak");
        c->mode = (hx_scale_mode)i;
        s->mode_given = true;
        return HX_OK;
    }
    if (strcmp(name, "sizes") == 0)
        return hx_parse_size_range("--sizes", v, 1, UINT64_MAX, c->sizes, HX_SCALE_MAX_SIZES,
                                   &c->nsizes);
    if (strcmp(name, "plot") == 0) {
        s->plot = v; /* the extension, and gnuplot, before minutes of measuring */
        return hx_plot_check("--plot", v);
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int read_args(scale_cli *s, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, scale_opts, "scale");
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            return HX_OK;
        if (a.kind == HX_ARG_POSITIONAL) {
            if (s->sc.w)
                return hx_fail(HX_ERR_USAGE,
                               "'hetero scale' takes one workload; got '%s' after '%s'", a.value,
                               s->sc.w->name);
            HX_TRY(hx_workload_parse(a.value, &s->sc.w));
        } else if (a.kind == HX_ARG_UNKNOWN) {
            HX_TRY(hx_cli_keep_param(&s->cli, &ap, &a)); /* a workload parameter, checked later */
        } else if (strcmp(a.opt->name, "help") == 0) {
            *help = true;
            return HX_OK;
        } else {
            HX_TRY(apply_option(s, &a));
        }
    }
}

/* The shared options into the sweep, and the combinations that make no sense. */
static int complete(scale_cli *s) {
    hx_scale_config *c = &s->sc;
    const hx_cli_opts *o = &s->cli;
    if (!c->w)
        return hx_fail(HX_ERR_USAGE, "'hetero scale' needs a workload, e.g. 'hetero scale "
                                     "vecadd --threads=1,2'; see 'hetero list'");
    if (c->nsizes > 0) {
        if (s->mode_given)
            return hx_fail(HX_ERR_USAGE, "--sizes sweeps sizes, --mode scales threads: use one");
        if (o->size_given)
            return hx_fail(HX_ERR_USAGE, "--sizes and --size exclude each other");
        c->mode = HX_SCALE_SIZES;
    }
    if (o->mem && strcmp(o->mem, "all") == 0)
        return hx_fail(HX_ERR_USAGE, "--mem all runs every memory mode, and a sweep scales one; "
                                     "accepted for 'hetero scale': buffer, svm-coarse, "
                                     "svm-fine, auto");
    HX_TRY(hx_cli_params(o, "scale", &c->w, 1, c->w, c->params));
    memcpy(c->want, o->want, sizeof c->want);
    c->backend_given = o->backend_given;
    c->size = o->size;
    c->size_given = o->size_given;
    c->seed = o->seed;
    /* a workload's own defaults only ever lower the sweep's (sgemm asks for fewer) */
    c->reps = o->reps;
    c->warmup = o->warmup;
    if (!o->reps_given && c->w->default_reps && c->w->default_reps < c->reps)
        c->reps = c->w->default_reps;
    if (!o->warmup_given && c->w->default_warmup && c->w->default_warmup < c->warmup)
        c->warmup = c->w->default_warmup;
    /* a sweep has many points: a fixed count unless one of the time options asks for the rule */
    HX_TRY(hx_cli_check(o));
    c->adaptive = o->timing_given;
    c->min_time = o->min_time;
    c->max_time = o->max_time;
    c->target_ci = o->target_ci;
    return hx_scale_prepare(c);
}

/* ---- the command ---------------------------------------------------------------------------- */

/* The progress line, on a terminal only: "hetero scale: 3/7  omp p=2 size=16777216". */
static void progress(void *ctx, size_t done, size_t total, const hx_scale_job *j) {
    (void)ctx;
    fprintf(stderr, "\r\033[Khetero scale: %zu/%zu  %s p=%u size=%llu%s", done + 1, total,
            hx_backend_name(j->backend), j->p, (unsigned long long)j->size,
            j->reference ? " (baseline)" : "");
    fflush(stderr);
}

/* Under mpirun every rank runs the sweep; rank 0 alone opens devices and shows progress. */
static int measure(scale_cli *s, hx_scale_run *run) {
    bool root = hx_engine_holds_problem();
    hx_target_spec spec = hx_scale_target_spec(&s->sc, s->cli.device, s->cli.mem);
    if (!root)
        spec = (hx_target_spec){0};
    hx_target_set ts;
    HX_TRY(hx_target_open(&ts, &spec));
    hx_scale_plan plan;
    int status = hx_scale_plan_make(&s->sc, &ts, &plan);
    if (status == HX_OK)
        status = hx_scale_memory_check(&s->sc, &plan, &ts, &run->memory);
    bool tty = root && isatty(STDERR_FILENO);
    if (status == HX_OK)
        status = hx_scale_sweep(&s->sc, &plan, &ts, run, tty ? progress : NULL, NULL);
    if (tty && plan.n > 0)
        fputs("\r\033[K", stderr);
    hx_scale_plan_free(&plan);
    hx_target_close(&ts);
    return status;
}

static int write_report(const scale_cli *s, const hx_scale_run *run) {
    hx_output out;
    HX_TRY(hx_output_open(&out, s->cli.output));
    return hx_cli_report_end(&out, hx_scale_write(out.fp, s->cli.format, &s->sc, run));
}

static int scale(scale_cli *s) {
    hx_scale_run run;
    hx_scale_run_init(&run, &s->sc);
    int status = measure(s, &run);
    bool root = hx_engine_holds_problem();
    if (status == HX_OK) {
        int verified = hx_scale_check_verified(&run);
        status = root ? write_report(s, &run) : HX_OK;
        if (status == HX_OK && s->plot && root)
            status = hx_scale_plot(&s->sc, &run, s->plot);
        if (status == HX_OK)
            status = verified;
    }
    hx_scale_run_free(&run);
    return status;
}

int hx_cmd_scale(int argc, char **argv) {
    scale_cli s;
    memset(&s, 0, sizeof s);
    hx_cli_init(&s.cli, DEFAULT_REPS, DEFAULT_WARMUP);
    bool help = false;
    int status = read_args(&s, argc, argv, &help);
    if (status == HX_OK && help)
        scale_help(stdout);
    else if (status == HX_OK && (status = complete(&s)) == HX_OK &&
             (status = hx_engine_start(s.sc.ranks_given)) == HX_OK &&
             (!s.sc.ranks_given || (status = hx_scale_check_ranks(&s.sc)) == HX_OK))
        status = scale(&s);
    hx_cli_free(&s.cli);
    return hx_engine_stop(hx_report_error(status));
}
