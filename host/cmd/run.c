/*
 * run.c - `hetero run`: each workload on each backend, verified against serial, timed, reported.
 *
 * Order of work: parse and check every option (usage errors exit 2 before anything runs), find
 * the OpenCL devices (a requested device that is missing exits 3 before anything runs), then per
 * workload: set up inputs, run serial (the reference and the baseline), run the other backends,
 * and finally print one report.  A backend that fails verification still gets its row (marked NO)
 * and the command then exits 1; a runtime failure aborts without a report.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hetero/args.h"
#include "hetero/cpu.h"
#include "hetero/cuda.h"
#include "hetero/error.h"
#include "hetero/measure.h"
#include "hetero/ocl.h"
#include "hetero/output.h"
#include "hetero/parse.h"
#include "hetero/report.h"
#include "hetero/survey.h"
#include "hetero/workload.h"

#define MAX_WORKLOADS  32
#define MAX_DEVICES    16
#define MAX_PARAMS     16
#define DEFAULT_REPS   10
#define DEFAULT_WARMUP 2

typedef struct run_config {
    const hx_workload *workloads[MAX_WORKLOADS];
    size_t nworkloads;
    bool want[HX_BACKEND_COUNT]; /* asked for with --backend (all false: every one there is) */
    bool backend_given;
    uint64_t size;
    bool size_given;
    int reps, warmup, threads;
    bool reps_given, warmup_given;
    uint64_t seed;
    hx_format format;
    const char *output;
    const char *device_spec;
    const char *mem_spec;     /* buffer | svm-coarse | svm-fine | zero-copy | auto | all */
    const char *variant_spec; /* --variant LIST, or NULL: each workload's default variant */
    bool roofline;            /* --roofline: pct_peak against measured peaks (hetero devices) */
    struct {
        const char *name, *value;
    } params[MAX_PARAMS];
    size_t nparams;
} run_config;

static const hx_opt run_opts[] = {
    {"backend", 'b', "LIST", "backends to run, comma-separated (default: every one built)"},
    {"device", 'd', "SPEC", "OpenCL device: gpu, cpu, accelerator, all, P:D or name part"},
    {"size", 's', "N", "problem size (K/M/G suffixes); its meaning per workload: hetero list"},
    {"reps", 'r', "N", "timed repetitions (default 10; the median is reported)"},
    {"warmup", 'w', "N", "untimed warm-up runs before timing (default 2)"},
    {"threads", 't', "N", "threads for omp, omp-simd and blas (default: all cores)"},
    {"seed", 0, "N", "seed of the input data (default 42)"},
    {"variant", 0, "LIST", "algorithm variants of simd/omp-simd (hetero list), or all: a row each"},
    {"mem", 'm', "MODE",
     "OpenCL memory: buffer (default), svm-coarse, svm-fine, zero-copy, auto, all"},
    {"kernels", 'k', "DIR", "load kernels/*.cl from DIR instead of the embedded copies"},
    {"format", 'f', "FMT", "report format: table (default), csv, json"},
    {"output", 'o', "FILE", "write the report to FILE instead of stdout"},
    {"roofline", 0, NULL, "add pct_peak: % of the measured peak bounding each row (cached)"},
    {"help", 'h', NULL, "show this help"},
    {NULL, 0, NULL, NULL},
};

static void run_help(FILE *out) {
    hx_args_help(
        out, "hetero run [OPTIONS] [WORKLOAD...]",
        "Run each workload (default: vecadd) on each backend, verify every result against\n"
        "the serial result, time it (median of --reps after --warmup) and print speedup\n"
        "over serial.  The serial backend always runs: it is the reference and the\n"
        "baseline.  OpenCL rows time the kernel by event profiling and also report the\n"
        "end-to-end time with host<->device transfers.  Workload parameters are given as\n"
        "--NAME=VALUE (see `hetero list`).\n"
        "CUDA rows (builds with nvcc) run on CUDA device 0 and are timed the same way,\n"
        "with CUDA events; without an NVIDIA GPU they are skipped with a notice.\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error,\n"
        "3 requested device or feature missing.",
        run_opts);
}

static int parse_backends(run_config *c, const char *text) {
    c->backend_given = true;
    return hx_backend_parse_list(text, c->want);
}

static int parse_int_option(const char *name, const char *text, uint64_t min, uint64_t max,
                            int *out) {
    uint64_t v;
    HX_TRY(hx_parse_uint(name, text, min, max, &v));
    *out = (int)v;
    return HX_OK;
}

static int apply_option(run_config *c, const hx_arg *a) {
    const char *name = a->opt->name, *v = a->value;
    if (strcmp(name, "backend") == 0)
        return parse_backends(c, v);
    if (strcmp(name, "device") == 0) {
        c->device_spec = v;
        return hx_ocl_check_spec(v);
    }
    if (strcmp(name, "size") == 0) {
        c->size_given = true;
        return hx_parse_size("--size", v, 1, UINT64_MAX, &c->size);
    }
    if (strcmp(name, "reps") == 0) {
        c->reps_given = true;
        return parse_int_option("--reps", v, 1, 100000, &c->reps);
    }
    if (strcmp(name, "warmup") == 0) {
        c->warmup_given = true;
        return parse_int_option("--warmup", v, 0, 100000, &c->warmup);
    }
    if (strcmp(name, "threads") == 0)
        return parse_int_option("--threads", v, 1, 4096, &c->threads);
    if (strcmp(name, "seed") == 0)
        return hx_parse_uint("--seed", v, 0, UINT64_MAX, &c->seed);
    if (strcmp(name, "mem") == 0) {
        static const char *const modes[] = {"buffer", "svm-coarse", "svm-fine", "zero-copy",
                                            "auto",   "all",        NULL};
        int i;
        c->mem_spec = v;
        return hx_parse_choice("--mem", v, modes, &i);
    }
    if (strcmp(name, "variant") == 0) {
        c->variant_spec = v;
        return HX_OK;
    }
    if (strcmp(name, "kernels") == 0)
        return hx_kernels_set_dir(v);
    if (strcmp(name, "format") == 0)
        return hx_parse_format(v, &c->format);
    if (strcmp(name, "output") == 0) {
        c->output = v;
        return HX_OK;
    }
    if (strcmp(name, "roofline") == 0) {
        c->roofline = true;
        return HX_OK;
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int parse_args(run_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, run_opts, "run");
    memset(c, 0, sizeof *c);
    c->reps = DEFAULT_REPS;
    c->warmup = DEFAULT_WARMUP;
    c->threads = omp_get_num_procs();
    c->seed = 42;
    c->format = HX_FORMAT_TABLE;
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
            const char *v = hx_args_take_value(&ap, &a);
            if (!v)
                return HX_ERR_USAGE;
            if (c->nparams == MAX_PARAMS)
                return hx_fail(HX_ERR_USAGE, "too many workload parameters");
            c->params[c->nparams].name = strdup(a.name);
            c->params[c->nparams++].value = v;
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

static void free_config(run_config *c) {
    for (size_t i = 0; i < c->nparams; i++)
        free((char *)c->params[i].name);
    c->nparams = 0;
}

/* --NAME=VALUE workload parameters: each must belong to at least one chosen workload. */
static int resolve_params(const run_config *c, const hx_workload *w, double *values) {
    for (size_t k = 0; k < w->nparams; k++)
        values[k] = w->params[k].def;
    for (size_t i = 0; i < c->nparams; i++) {
        bool known = false;
        for (size_t w2 = 0; w2 < c->nworkloads; w2++)
            known |= hx_workload_param(c->workloads[w2], c->params[i].name, NULL) != NULL;
        if (!known)
            return hx_fail(HX_ERR_USAGE,
                           "unknown option --%s for 'hetero run'; see 'hetero run --help' and, for "
                           "workload parameters, 'hetero list'",
                           c->params[i].name);
        size_t k;
        const hx_param_def *d = hx_workload_param(w, c->params[i].name, &k);
        if (d)
            HX_TRY(hx_param_parse(d, c->params[i].value, &values[k]));
    }
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

/* ---- OpenCL devices ---------------------------------------------------------------------- */

typedef struct run_devices {
    hx_ocl_device *all;
    size_t nall;
    size_t picked[MAX_DEVICES];
    size_t npicked;
    hx_ocl_session sessions[MAX_DEVICES];
    bool open[MAX_DEVICES];
    hx_mem_mode modes[MAX_DEVICES][HX_MEM_COUNT];
    size_t nmodes[MAX_DEVICES];
    bool use_cuda;      /* cuda rows wanted and a CUDA device present */
    char cuda_why[160]; /* why there are no cuda rows (fits an hx_skip reason) */
} run_devices;

static bool wants(const run_config *c, hx_backend b) {
    return c->backend_given ? c->want[b] : hx_backend_built(b);
}

static bool any_workload_has(const run_config *c, hx_backend b) {
    for (size_t i = 0; i < c->nworkloads; i++)
        if (hx_workload_has(c->workloads[i], b))
            return true;
    return false;
}

/* Memory modes to run on device d, by --mem; a mode it lacks is HX_ERR_MISSING. */
static int pick_modes(const run_config *c, const hx_ocl_device *d, hx_mem_mode *modes, size_t *n) {
    const char *spec = c->mem_spec ? c->mem_spec : "buffer";
    *n = 0;
    if (strcmp(spec, "all") == 0) {
        for (int m = 0; m < HX_MEM_COUNT; m++)
            if (hx_mem_supported(d, (hx_mem_mode)m))
                modes[(*n)++] = (hx_mem_mode)m;
        return HX_OK;
    }
    if (strcmp(spec, "auto") == 0) {
        modes[(*n)++] = hx_mem_best(d);
        hx_notice("--mem=auto: using %s on '%s'", hx_mem_name(modes[0]), d->name);
        return HX_OK;
    }
    hx_mem_mode m;
    HX_TRY(hx_mem_parse(spec, &m));
    if (!hx_mem_supported(d, m)) {
        char caps[128];
        return hx_fail(HX_ERR_MISSING, "device '%s' has no %s memory; its SVM capabilities: %s",
                       d->name, spec, hx_ocl_svm_describe(d->svm, caps, sizeof caps));
    }
    modes[(*n)++] = m;
    return HX_OK;
}

static int open_devices(const run_config *c, run_devices *rd, bool *use_ocl) {
    memset(rd, 0, sizeof *rd);
    *use_ocl = wants(c, HX_BACKEND_OPENCL) && any_workload_has(c, HX_BACKEND_OPENCL);
    bool explicit = (c->backend_given && c->want[HX_BACKEND_OPENCL]) || c->device_spec;
    if (!*use_ocl) {
        if (c->device_spec && !wants(c, HX_BACKEND_OPENCL))
            hx_notice("--device applies to the opencl backend, which is not selected");
        return HX_OK;
    }
    HX_TRY(hx_ocl_devices(&rd->all, &rd->nall));
    if (rd->nall == 0 && !explicit) {
        hx_notice("no OpenCL device found (no ICD or platform installed): skipping the opencl "
                  "rows");
        *use_ocl = false;
        return HX_OK;
    }
    size_t picked[256];
    size_t n;
    HX_TRY(hx_ocl_select(c->device_spec, rd->all, rd->nall < 256 ? rd->nall : 256, picked, &n));
    if (n > MAX_DEVICES)
        n = MAX_DEVICES;
    for (size_t i = 0; i < n; i++) {
        rd->picked[i] = picked[i];
        HX_TRY(pick_modes(c, &rd->all[picked[i]], rd->modes[i], &rd->nmodes[i]));
    }
    rd->npicked = n;
    for (size_t i = 0; i < n; i++) {
        HX_TRY(hx_ocl_session_open(&rd->all[rd->picked[i]], &rd->sessions[i]));
        rd->open[i] = true;
    }
    return HX_OK;
}

/* CUDA: absent hardware skips the cuda rows with a notice, or exits 3 when they were asked for. */
static int open_cuda(const run_config *c, run_devices *rd) {
    rd->use_cuda = wants(c, HX_BACKEND_CUDA) && any_workload_has(c, HX_BACKEND_CUDA);
#ifdef HETERO_HAVE_CUDA
    int n = 0;
    if (rd->use_cuda)
        HX_TRY(hx_cuda_probe(&n, rd->cuda_why, sizeof rd->cuda_why));
    if (!rd->use_cuda || n > 0)
        return HX_OK;
    rd->use_cuda = false;
    if (c->backend_given && c->want[HX_BACKEND_CUDA])
        return hx_fail(HX_ERR_MISSING, "--backend=cuda needs an NVIDIA GPU: %s", rd->cuda_why);
    hx_notice("%s: skipping the cuda rows", rd->cuda_why);
#endif
    return HX_OK;
}

static void close_devices(run_devices *rd) {
    for (size_t i = 0; i < rd->npicked; i++)
        if (rd->open[i])
            hx_ocl_session_close(&rd->sessions[i]);
    free(rd->all);
    rd->all = NULL;
}

/* ---- running ------------------------------------------------------------------------------ */

typedef struct run_results {
    hx_result *rows;
    size_t n, cap;
    hx_skip skips[64];
    size_t nskips;
} run_results;

static hx_result *new_row(run_results *rr) {
    if (rr->n == rr->cap) {
        size_t cap = rr->cap ? 2 * rr->cap : 16;
        hx_result *rows = realloc(rr->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        rr->rows = rows;
        rr->cap = cap;
    }
    return &rr->rows[rr->n++];
}

static void add_skip(run_results *rr, const hx_workload *w, hx_backend b, const char *reason) {
    if (rr->nskips < sizeof rr->skips / sizeof rr->skips[0]) {
        hx_skip *s = &rr->skips[rr->nskips++];
        s->workload = w->name;
        s->backend = hx_backend_name(b);
        snprintf(s->reason, sizeof s->reason, "%s", reason);
    }
}

static int measure_row(run_results *rr, hx_instance *in, hx_backend b, const hx_target *t,
                       const hx_measure_opts *o) {
    hx_result *r = new_row(rr);
    if (!r)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_measure(in, b, t, o, r);
    if (status != HX_OK)
        rr->n--;
    return status;
}

static int run_workload(const run_config *c, run_devices *rd, const hx_workload *w,
                        run_results *rr) {
    double params[HX_MAX_PARAMS];
    bool variants[HX_MAX_VARIANTS];
    HX_TRY(resolve_params(c, w, params));
    HX_TRY(resolve_variants(c, w, variants));
    uint64_t size = c->size_given ? c->size : hx_workload_default_size(w);
    hx_measure_opts o = {c->reps, c->warmup};
    if (!c->reps_given && w->default_reps)
        o.reps = w->default_reps;
    if (!c->warmup_given && w->default_warmup)
        o.warmup = w->default_warmup;
    hx_instance in;
    HX_TRY(hx_instance_init(&in, w, size, c->seed, c->threads, params));
    int status = measure_row(rr, &in, HX_BACKEND_SERIAL, NULL, &o);
    for (int b = HX_BACKEND_SIMD; status == HX_OK && b < HX_BACKEND_COUNT; b++) {
        if (!wants(c, (hx_backend)b))
            continue;
        if (!hx_workload_has(w, (hx_backend)b)) {
            if (c->backend_given)
                add_skip(rr, w, (hx_backend)b, "this workload has no such backend");
            continue;
        }
        if (b == HX_BACKEND_OPENCL) {
            for (size_t d = 0; status == HX_OK && d < rd->npicked; d++)
                for (size_t m = 0; status == HX_OK && m < rd->nmodes[d]; m++) {
                    hx_target t = {.session = &rd->sessions[d], .mem = rd->modes[d][m]};
                    status = measure_row(rr, &in, HX_BACKEND_OPENCL, &t, &o);
                }
        } else if (hx_workload_variant_applies(w, (hx_backend)b)) {
            for (unsigned v = 0; status == HX_OK && v < hx_workload_variant_count(w); v++)
                if (variants[v]) {
                    in.problem.variant = v;
                    status = measure_row(rr, &in, (hx_backend)b, NULL, &o);
                }
            in.problem.variant = w->default_variant;
        } else if (b == HX_BACKEND_CUDA) {
            if (!rd->use_cuda) {
                add_skip(rr, w, (hx_backend)b, rd->cuda_why);
                continue;
            }
            hx_target t = {.cuda_device = 0};
            status = measure_row(rr, &in, (hx_backend)b, &t, &o);
        } else {
            status = measure_row(rr, &in, (hx_backend)b, NULL, &o);
        }
    }
    hx_instance_free(&in);
    return status;
}

/* Every failed verification as one line; HX_ERR_RUNTIME if any. */
static int check_verified(const run_results *rr) {
    char msg[1024] = "";
    size_t len = 0, bad = 0;
    for (size_t i = 0; i < rr->n; i++) {
        const hx_result *r = &rr->rows[i];
        if (r->verified)
            continue;
        bad++;
        if (len < sizeof msg)
            len += (size_t)snprintf(msg + len, sizeof msg - len,
                                    "%s%s/%s on %s: max error %.3g > tolerance %.3g",
                                    bad > 1 ? "; " : "", r->workload, r->backend, r->device,
                                    r->max_rel_err, r->tolerance);
    }
    return bad ? hx_fail(HX_ERR_RUNTIME, "verification failed: %s", msg) : HX_OK;
}

static int write_report(const run_config *c, const run_results *rr) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->output));
    hx_host_info host;
    hx_host_info_get(&host);
    int status = hx_report_write(out.fp, c->format, &host, rr->rows, rr->n, rr->skips, rr->nskips);
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

int hx_cmd_run(int argc, char **argv) {
    run_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help) {
        run_help(stdout);
        free_config(&c);
        return HX_OK;
    }
    for (size_t i = 0; status == HX_OK && i < c.nworkloads; i++) {
        double scratch[HX_MAX_PARAMS];
        bool want[HX_MAX_VARIANTS];
        status = resolve_params(&c, c.workloads[i], scratch);
        if (status == HX_OK)
            status = resolve_variants(&c, c.workloads[i], want);
    }
    run_devices rd;
    bool use_ocl = false;
    memset(&rd, 0, sizeof rd);
    if (status == HX_OK)
        status = open_devices(&c, &rd, &use_ocl);
    if (status == HX_OK)
        status = open_cuda(&c, &rd);
    run_results rr = {0};
    for (size_t i = 0; status == HX_OK && i < c.nworkloads; i++)
        status = run_workload(&c, &rd, c.workloads[i], &rr);
    close_devices(&rd);
    if (status == HX_OK) /* pct_peak: with --roofline, or when a survey cache exists */
        status = hx_roofline_annotate(rr.rows, rr.n, c.roofline, 0);
    if (status == HX_OK) {
        int verified = check_verified(&rr);
        status = write_report(&c, &rr);
        if (status == HX_OK)
            status = verified;
    }
    free(rr.rows);
    free_config(&c);
    return hx_report_error(status);
}
