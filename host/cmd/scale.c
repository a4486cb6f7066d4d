/*
 * scale.c - `hetero scale`: speedup, efficiency and the scaling laws, measured in one command.
 *
 * Two sweeps:
 *   --threads=1,2,4   strong (fixed size) or weak (size grows with p) scaling of the threaded
 *                     backends; p is OpenMP threads for omp/omp-simd and compute units of an
 *                     OpenCL sub-device (device fission) for opencl.  Each point: median time with
 *                     min/max, S(p) = T1/Tp, E(p) = S/p, the Karp-Flatt serial fraction, and the
 *                     speedup over the serial backend; then Amdahl's P (strong) or Gustafson's a
 *                     (weak) fitted per backend (host/core/fit.c).
 *   --sizes=4K..256M  every backend against size: time, GB/s, GFLOP/s, the cache level the
 *                     working set fits, and where the OpenCL device (end to end, with transfers)
 *                     starts beating the best CPU backend.
 * Every point is one hx_measure() call: the same warm-up, repetitions, poisoning and verification
 * as `hetero run`.  T1 is the same backend's p = 1 point (measured even when --threads leaves it
 * out), because the laws assume S(1) = 1; the speedup over the serial backend, the course's "best
 * serial time" reading, is reported next to it.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "hetero/core/args.h"
#include "hetero/core/caches.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/fit.h"
#include "hetero/core/json.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/plot.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/measure.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

#define SCALE_SCHEMA   "hetero.scale/1"
#define MAX_P          64
#define MAX_SIZES      64
#define MAX_PARAMS     8
#define MAX_SKIPS      64
#define DEFAULT_REPS   5
#define DEFAULT_WARMUP 1

typedef enum { MODE_STRONG, MODE_WEAK, MODE_SIZES } scale_mode;

static const char *const mode_names[] = {"strong", "weak", "sizes", NULL};

typedef struct scale_config {
    const hx_workload *w;
    bool want[HX_BACKEND_COUNT];
    bool backend_given;
    uint64_t p[MAX_P];
    size_t np;
    bool threads_given;
    scale_mode mode;
    bool mode_given;
    uint64_t size;
    bool size_given;
    uint64_t sizes[MAX_SIZES];
    size_t nsizes;
    int reps, warmup;
    bool reps_given, warmup_given;
    uint64_t seed;
    hx_format format;
    const char *output, *plot, *device_spec, *mem_spec;
    hx_plot_kind plot_kind;
    struct {
        const char *name, *value;
    } params[MAX_PARAMS];
    size_t nparams;
    double param_values[HX_MAX_PARAMS];
} scale_config;

/* One measured point. */
typedef struct scale_point {
    hx_result r; /* what hx_measure filled in */
    hx_backend backend;
    unsigned p;           /* threads or compute units */
    bool oversubscribed;  /* p > the cores of this host */
    double serial_median; /* serial backend at this size */
    double t1;            /* same backend, p = 1 (at the base size for weak scaling) */
    double speedup, efficiency, karp_flatt, speedup_serial;
    double working_set; /* bytes: the workload's cost model */
    const char *cache;  /* level the working set fits */
} scale_point;

typedef struct scale_skip {
    hx_backend backend;
    unsigned p;
    uint64_t size;
    char reason[200];
} scale_skip;

typedef struct scale_fit {
    hx_backend backend;
    char device[256];
    hx_fit fit;
} scale_fit;

typedef struct scale_run {
    scale_point *points;
    size_t n, cap;
    scale_skip skips[MAX_SKIPS];
    size_t nskips;
    scale_fit fits[HX_BACKEND_COUNT];
    size_t nfits;
    hx_cache_level caches[HX_MAX_CACHE_LEVELS];
    size_t ncaches;
    bool have_crossover; /* sizes mode: whether opencl e2e ran */
    long crossover;      /* index into points of the first opencl point of the win, or -1 */
    uint64_t crossover_size;
    double crossover_ws;
    int cores;
    bool progress;
    size_t done, total;
} scale_run;

static const hx_opt scale_opts[] = {
    {"threads", 't', "LIST",
     "p values to sweep, e.g. 1,2,4 (default: 1, 2, 4, ... up to the cores)"},
    {"backend", 'b', "LIST",
     "threads sweep: omp, omp-simd, opencl (default omp); sizes sweep: "
     "any (default: all)"},
    {"mode", 0, "MODE", "strong (default: fixed size) or weak (size grows with p)"},
    {"size", 's', "N", "problem size (strong), base size at p=1 (weak); default: the workload's"},
    {"sizes", 0, "A..B[*F]", "sweep sizes A, A*F, ... up to B instead of threads (F 2 or more)"},
    {"reps", 'r', "N", "timed repetitions per point (default 5; the median is reported)"},
    {"warmup", 'w', "N", "untimed warm-up runs per point (default 1)"},
    {"device", 'd', "SPEC", "OpenCL device: gpu, cpu, accelerator, P:D or name part"},
    {"mem", 'm', "MODE", "OpenCL memory: buffer (default), svm-coarse, svm-fine, zero-copy"},
    {"seed", 0, "N", "seed of the input data (default 42)"},
    {"kernels", 'k', "DIR", "load kernels/*.cl from DIR instead of the embedded copies"},
    {"kernels-fallback", 0, NULL, "with --kernels: use the embedded copy of a file DIR lacks"},
    {"plot", 'p', "FILE", "draw the figure with gnuplot into FILE.svg or FILE.png"},
    {"format", 'f', "FMT", "report format: table (default), csv, json"},
    {"output", 'o', "FILE", "write the report to FILE instead of stdout"},
    {"help", 'h', NULL, "show this help"},
    {NULL, 0, NULL, NULL},
};

static void scale_help(FILE *out) {
    hx_args_help(
        out, "hetero scale WORKLOAD [--threads=LIST | --sizes=A..B] [OPTIONS]",
        "Strong or weak scaling of one workload over p = threads (omp, omp-simd) or compute\n"
        "units of an OpenCL sub-device (opencl), with S(p) = T1/Tp (T1: the same backend at\n"
        "p=1), E(p) = S/p, the Karp-Flatt serial fraction e(p) = (1/S - 1/p)/(1 - 1/p) and the\n"
        "speedup over the serial backend; then Amdahl's parallel fraction P fitted to the\n"
        "strong-scaling speedups (limit 1/(1-P)) or Gustafson's serial fraction a fitted to the\n"
        "weak-scaling ones.  Weak scaling grows the size so the work (the workload's flop\n"
        "count, or bytes when it has none) is p times the base.  A p above the core count is\n"
        "measured, marked oversubscribed and left out of the fits.\n"
        "With --sizes: every backend against size, with the cache level the working set fits\n"
        "and the size where the OpenCL device, counted with transfers, beats the best CPU\n"
        "backend.  Workload parameters are given as --NAME=VALUE (see `hetero list`).\n\n"
        "Examples:\n"
        "  hetero scale amdahl --serial-fraction=0.1 --threads=1,2\n"
        "  hetero scale vecadd --mode=weak --size=4M --threads=1,2 --plot=weak.svg\n"
        "  hetero scale vecadd --sizes=4K..64M*4 --format=json\n\n"
        "Exit status: 0 ok, 1 runtime failure or failed verification, 2 usage error,\n"
        "3 device or gnuplot missing.",
        scale_opts);
}

/* ---- options -------------------------------------------------------------------------------- */

static int parse_backends(scale_config *c, const char *text) {
    c->backend_given = true;
    return hx_backend_parse_list(text, c->want);
}

static int parse_int(const char *name, const char *text, uint64_t min, uint64_t max, int *out) {
    uint64_t v;
    HX_TRY(hx_parse_uint(name, text, min, max, &v));
    *out = (int)v;
    return HX_OK;
}

static int apply_option(scale_config *c, const hx_arg *a) {
    const char *name = a->opt->name, *v = a->value;
    if (strcmp(name, "threads") == 0) {
        c->threads_given = true;
        return hx_parse_size_list("--threads", v, 1, HX_MAX_THREADS, c->p, MAX_P, &c->np);
    }
    if (strcmp(name, "backend") == 0)
        return parse_backends(c, v);
    if (strcmp(name, "mode") == 0) {
        int i;
        HX_TRY(hx_parse_choice("--mode", v, mode_names, &i));
        if (i == MODE_SIZES)
            return hx_fail(HX_ERR_USAGE, "--mode 'sizes' is chosen by --sizes=A..B; accepted "
                                         "for --mode: strong, weak");
        c->mode = (scale_mode)i;
        c->mode_given = true;
        return HX_OK;
    }
    if (strcmp(name, "size") == 0) {
        c->size_given = true;
        return hx_parse_size("--size", v, 0, UINT64_MAX, &c->size);
    }
    if (strcmp(name, "sizes") == 0)
        return hx_parse_size_range("--sizes", v, 1, UINT64_MAX, c->sizes, MAX_SIZES, &c->nsizes);
    if (strcmp(name, "reps") == 0) {
        c->reps_given = true;
        return parse_int("--reps", v, 1, 100000, &c->reps);
    }
    if (strcmp(name, "warmup") == 0) {
        c->warmup_given = true;
        return parse_int("--warmup", v, 0, 100000, &c->warmup);
    }
    if (strcmp(name, "device") == 0) {
        c->device_spec = v;
        return hx_ocl_check_spec(v);
    }
    if (strcmp(name, "mem") == 0) {
        hx_mem_mode m;
        c->mem_spec = v;
        return hx_mem_parse(v, &m);
    }
    if (strcmp(name, "seed") == 0)
        return hx_parse_uint("--seed", v, 0, UINT64_MAX, &c->seed);
    if (strcmp(name, "kernels-fallback") == 0) {
        hx_kernels_set_fallback(true);
        return HX_OK;
    }
    if (strcmp(name, "kernels") == 0)
        return hx_kernels_set_dir(v);
    if (strcmp(name, "plot") == 0) {
        c->plot = v;
        return hx_plot_kind_of("--plot", v, &c->plot_kind);
    }
    if (strcmp(name, "format") == 0)
        return hx_parse_format(v, &c->format);
    if (strcmp(name, "output") == 0) {
        c->output = v;
        return hx_output_check(v);
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

/* --NAME=VALUE parameters of the workload, checked against its table. */
static int resolve_params(scale_config *c) {
    const hx_workload *w = c->w;
    for (size_t k = 0; k < w->nparams; k++)
        c->param_values[k] = w->params[k].def;
    for (size_t i = 0; i < c->nparams; i++) {
        size_t k;
        const hx_param_def *d = hx_workload_param(w, c->params[i].name, &k);
        if (!d)
            return hx_fail(HX_ERR_USAGE,
                           "unknown option --%s for 'hetero scale %s'; see 'hetero scale --help' "
                           "and, for workload parameters, 'hetero list'",
                           c->params[i].name, w->name);
        HX_TRY(hx_param_parse(d, c->params[i].value, &c->param_values[k]));
    }
    return HX_OK;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Threads sweep: sorted, without repeats, and with p = 1 (the T1 of every speedup). */
static void normalise_p(scale_config *c) {
    if (!c->threads_given) {
        int cores = hx_cpu()->logical_cpus;
        c->np = 0;
        for (uint64_t p = 1; p <= (uint64_t)cores && c->np < MAX_P; p *= 2)
            c->p[c->np++] = p;
        if (c->p[c->np - 1] != (uint64_t)cores && c->np < MAX_P)
            c->p[c->np++] = (uint64_t)cores;
    }
    qsort(c->p, c->np, sizeof c->p[0], cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < c->np; i++)
        if (k == 0 || c->p[i] != c->p[k - 1])
            c->p[k++] = c->p[i];
    c->np = k;
    if (c->p[0] != 1) {
        if (c->np == MAX_P)
            c->np--;
        memmove(c->p + 1, c->p, c->np * sizeof c->p[0]);
        c->p[0] = 1;
        c->np++;
        hx_notice("--threads has no 1: measuring p=1 as well, the T1 of every speedup");
    }
}

static int check_backends(scale_config *c) {
    const hx_workload *w = c->w;
    if (c->mode == MODE_SIZES) {
        for (int b = 0; b < HX_BACKEND_COUNT; b++)
            if (c->backend_given && c->want[b] && !hx_workload_has(w, (hx_backend)b))
                return hx_fail(HX_ERR_USAGE, "workload %s has no %s backend (see 'hetero list')",
                               w->name, hx_backend_name((hx_backend)b));
        if (!c->backend_given)
            for (int b = 0; b < HX_BACKEND_COUNT; b++)
                c->want[b] = hx_workload_has(w, (hx_backend)b) && b != HX_BACKEND_CUDA;
        return HX_OK;
    }
    if (!c->backend_given)
        c->want[HX_BACKEND_OMP] = true;
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!c->want[b])
            continue;
        if (b != HX_BACKEND_OMP && b != HX_BACKEND_OMP_SIMD && b != HX_BACKEND_BLAS &&
            b != HX_BACKEND_OPENCL)
            return hx_fail(HX_ERR_USAGE,
                           "--backend %s has no p to vary; accepted for a threads sweep: omp, "
                           "omp-simd, blas, opencl",
                           hx_backend_name((hx_backend)b));
        if (!hx_workload_has(w, (hx_backend)b))
            return hx_fail(HX_ERR_USAGE, "workload %s has no %s backend (see 'hetero list')",
                           w->name, hx_backend_name((hx_backend)b));
    }
    return HX_OK;
}

static int parse_args(scale_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, scale_opts, "scale");
    memset(c, 0, sizeof *c);
    c->reps = DEFAULT_REPS;
    c->warmup = DEFAULT_WARMUP;
    c->seed = 42;
    c->format = HX_FORMAT_TABLE;
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            break;
        if (a.kind == HX_ARG_POSITIONAL) {
            if (c->w)
                return hx_fail(HX_ERR_USAGE,
                               "'hetero scale' takes one workload; got '%s' after '%s'", a.value,
                               c->w->name);
            HX_TRY(hx_workload_parse(a.value, &c->w));
        } else if (a.kind == HX_ARG_UNKNOWN) {
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
    if (!c->w)
        return hx_fail(HX_ERR_USAGE, "'hetero scale' needs a workload, e.g. 'hetero scale "
                                     "vecadd --threads=1,2'; see 'hetero list'");
    if (c->nsizes > 0) {
        if (c->mode_given)
            return hx_fail(HX_ERR_USAGE, "--sizes sweeps sizes, --mode scales threads: use one");
        if (c->size_given)
            return hx_fail(HX_ERR_USAGE, "--sizes and --size exclude each other");
        if (c->threads_given && c->np != 1)
            return hx_fail(HX_ERR_USAGE,
                           "--sizes takes at most one --threads value (the threads of the omp "
                           "backends at every size)");
        c->mode = MODE_SIZES;
    }
    HX_TRY(resolve_params(c));
    HX_TRY(check_backends(c));
    if (c->mode != MODE_SIZES)
        normalise_p(c);
    for (size_t i = 0; i < c->nsizes; i++)
        HX_TRY(hx_workload_check_size(c->w, "--sizes: size", c->sizes[i]));
    if (c->size_given)
        HX_TRY(hx_workload_check_size(c->w, "--size", c->size));
    if (!c->reps_given && c->w->default_reps && c->w->default_reps < c->reps)
        c->reps = c->w->default_reps;
    if (!c->warmup_given && c->w->default_warmup && c->w->default_warmup < c->warmup)
        c->warmup = c->w->default_warmup;
    return HX_OK;
}

static void free_config(scale_config *c) {
    for (size_t i = 0; i < c->nparams; i++)
        free((char *)c->params[i].name);
    c->nparams = 0;
}

/* ---- weak scaling: the size whose work is p times the base's --------------------------------- */

static double work_of(const scale_config *c, uint64_t size) {
    hx_problem p;
    memset(&p, 0, sizeof p);
    p.workload = c->w;
    p.size = size;
    p.threads = 1;
    for (size_t k = 0; k < c->w->nparams && k < HX_MAX_PARAMS; k++)
        p.param[k] = c->param_values[k];
    return c->w->flops ? c->w->flops(&p) : c->w->bytes(&p);
}

static double work_at(uint64_t size, const void *ctx) {
    return work_of(ctx, size);
}

/* The weak-scaling size at p (hx_scaled_size), with a message naming the options on failure. */
static int weak_size(const scale_config *c, uint64_t base, uint64_t p, uint64_t *out) {
    if (hx_scaled_size(work_at, c, base, (double)p, c->w->max_size, out))
        return HX_OK;
    return hx_fail(HX_ERR_USAGE,
                   "weak scaling from --size %llu to p=%llu needs more than %s's largest size "
                   "%llu; use a smaller --size or fewer --threads",
                   (unsigned long long)base, (unsigned long long)p, c->w->name,
                   (unsigned long long)c->w->max_size);
}

/* ---- OpenCL --------------------------------------------------------------------------------- */

typedef struct scale_ocl {
    bool use;
    hx_ocl_device *all;
    size_t nall;
    const hx_ocl_device *dev;
    hx_mem_mode mem;
    hx_ocl_session whole; /* the whole device, for sizes sweeps and p = all units */
    bool whole_open;
} scale_ocl;

static int open_ocl(const scale_config *c, scale_ocl *o) {
    memset(o, 0, sizeof *o);
    o->use = c->want[HX_BACKEND_OPENCL];
    if (!o->use) {
        if (c->device_spec)
            hx_notice("--device applies to the opencl backend, which is not selected");
        return HX_OK;
    }
    HX_TRY(hx_ocl_devices(&o->all, &o->nall));
    if (o->nall == 0 && !c->backend_given) {
        hx_notice("no OpenCL device found (no ICD or platform installed): skipping opencl");
        o->use = false;
        return HX_OK;
    }
    size_t picked[256], n;
    HX_TRY(hx_ocl_select(c->device_spec, o->all, o->nall < 256 ? o->nall : 256, picked, &n));
    o->dev = &o->all[picked[0]];
    if (n > 1)
        hx_notice("--device matches %zu devices: scaling the first, %u:%u '%s'", n,
                  o->dev->platform_index, o->dev->device_index, o->dev->name);
    o->mem = HX_MEM_BUFFER;
    if (c->mem_spec)
        HX_TRY(hx_mem_parse(c->mem_spec, &o->mem));
    if (!hx_mem_supported(o->dev, o->mem)) {
        char caps[128];
        return hx_fail(HX_ERR_MISSING, "device '%s' has no %s memory; its SVM capabilities: %s",
                       o->dev->name, hx_mem_name(o->mem),
                       hx_ocl_svm_describe(o->dev->svm, caps, sizeof caps));
    }
    HX_TRY(hx_ocl_session_open(o->dev, &o->whole));
    o->whole_open = true;
    return HX_OK;
}

static void close_ocl(scale_ocl *o) {
    if (o->whole_open)
        hx_ocl_session_close(&o->whole);
    free(o->all);
    memset(o, 0, sizeof *o);
}

/* ---- measuring ------------------------------------------------------------------------------ */

static void progress(scale_run *run, const char *backend, unsigned p, uint64_t size) {
    run->done++;
    if (!run->progress)
        return;
    fprintf(stderr, "\rhetero scale: %zu/%zu  %s p=%u size=%llu   ", run->done, run->total, backend,
            p, (unsigned long long)size);
    fflush(stderr);
}

static void progress_end(const scale_run *run) {
    if (run->progress) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static scale_point *new_point(scale_run *run) {
    if (run->n == run->cap) {
        size_t cap = run->cap ? 2 * run->cap : 32;
        scale_point *pts = realloc(run->points, cap * sizeof *pts);
        if (!pts)
            return NULL;
        run->points = pts;
        run->cap = cap;
    }
    scale_point *pt = &run->points[run->n++];
    memset(pt, 0, sizeof *pt);
    return pt;
}

static void add_skip(scale_run *run, hx_backend b, unsigned p, uint64_t size, const char *why) {
    if (run->nskips == MAX_SKIPS)
        return;
    scale_skip *s = &run->skips[run->nskips++];
    s->backend = b;
    s->p = p;
    s->size = size;
    snprintf(s->reason, sizeof s->reason, "%s", why);
}

/* Measure backend b with p threads / compute units on the instance. */
static int measure_point(scale_run *run, const scale_config *c, scale_ocl *o, hx_instance *in,
                         hx_backend b, unsigned p, scale_point **out) {
    hx_measure_opts mo = {c->reps, c->warmup};
    *out = NULL;
    hx_target t = {0};
    hx_ocl_device sub;
    hx_ocl_session session;
    bool sub_made = false, session_open = false;
    if (b == HX_BACKEND_OPENCL) {
        if (p == o->dev->compute_units || c->mode == MODE_SIZES) {
            t.session = &o->whole;
        } else {
            int s = hx_ocl_subdevice(o->dev, p, &sub);
            if (s == HX_ERR_MISSING) { /* this p cannot be made here: a row that says why */
                add_skip(run, b, p, in->problem.size, hx_error_message());
                hx_error_clear();
                return HX_OK;
            }
            HX_TRY(s);
            sub_made = true;
            s = hx_ocl_session_open(&sub, &session);
            if (s != HX_OK) {
                hx_ocl_subdevice_release(&sub);
                return s;
            }
            session_open = true;
            t.session = &session;
        }
        t.mem = o->mem;
    } else {
        in->problem.threads = (int)p;
    }
    scale_point *pt = new_point(run);
    int status = pt ? hx_measure(in, b, b == HX_BACKEND_OPENCL ? &t : NULL, &mo, &pt->r)
                    : hx_fail(HX_ERR_RUNTIME, "out of memory");
    if (session_open)
        hx_ocl_session_close(&session);
    if (sub_made)
        hx_ocl_subdevice_release(&sub);
    if (status != HX_OK) {
        if (pt)
            run->n--;
        return status;
    }
    pt->backend = b;
    pt->p = p;
    pt->oversubscribed = b != HX_BACKEND_OPENCL && p > (unsigned)run->cores;
    pt->serial_median = in->serial_median;
    pt->working_set = pt->r.bytes;
    pt->cache = hx_cache_fit(run->caches, run->ncaches, pt->working_set);
    pt->speedup_serial = in->serial_median / pt->r.time.median;
    *out = pt;
    return HX_OK;
}

static int measure_serial(scale_run *run, const scale_config *c, hx_instance *in,
                          scale_point **out) {
    hx_measure_opts mo = {c->reps, c->warmup};
    scale_point *pt = new_point(run);
    if (!pt)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_measure(in, HX_BACKEND_SERIAL, NULL, &mo, &pt->r);
    if (status != HX_OK) {
        run->n--;
        return status;
    }
    pt->backend = HX_BACKEND_SERIAL;
    pt->p = 1;
    pt->serial_median = in->serial_median;
    pt->working_set = pt->r.bytes;
    pt->cache = hx_cache_fit(run->caches, run->ncaches, pt->working_set);
    pt->speedup_serial = 1.0;
    *out = pt;
    return HX_OK;
}

/* Derive S, E and e(p) once every point of a backend is in. */
static void derive_threads(scale_run *run, const scale_config *c) {
    for (size_t i = 0; i < run->n; i++) {
        scale_point *pt = &run->points[i];
        pt->t1 = NAN;
        for (size_t k = 0; k < run->n; k++)
            if (run->points[k].backend == pt->backend && run->points[k].p == 1)
                pt->t1 = run->points[k].r.time.median;
        double tp = pt->r.time.median;
        pt->speedup = c->mode == MODE_WEAK ? (double)pt->p * pt->t1 / tp : pt->t1 / tp;
        pt->efficiency = pt->speedup / (double)pt->p;
        pt->karp_flatt = hx_karp_flatt(pt->speedup, (double)pt->p);
    }
}

static void fit_backends(scale_run *run, const scale_config *c) {
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!c->want[b] || b == HX_BACKEND_SERIAL)
            continue;
        double p[MAX_P], s[MAX_P];
        size_t n = 0;
        const char *device = "";
        for (size_t i = 0; i < run->n && n < MAX_P; i++) {
            const scale_point *pt = &run->points[i];
            if (pt->backend != (hx_backend)b)
                continue;
            device = pt->r.device;
            if (pt->oversubscribed || !pt->r.verified || !isfinite(pt->speedup))
                continue;
            p[n] = (double)pt->p;
            s[n++] = pt->speedup;
        }
        scale_fit *f = &run->fits[run->nfits++];
        f->backend = (hx_backend)b;
        snprintf(f->device, sizeof f->device, "%s", device);
        f->fit = c->mode == MODE_WEAK ? hx_fit_gustafson(p, s, n) : hx_fit_amdahl(p, s, n);
    }
}

static int sweep_threads(scale_run *run, const scale_config *c, scale_ocl *o) {
    uint64_t base = c->size_given ? c->size : hx_workload_default_size(c->w);
    size_t nb = 0;
    for (int b = 0; b < HX_BACKEND_COUNT; b++)
        nb += c->want[b];
    run->total = c->np * (nb + (c->mode == MODE_WEAK ? 1 : 0)) + (c->mode == MODE_STRONG);
    hx_instance in;
    int status = HX_OK;
    bool have = false;
    for (size_t i = 0; status == HX_OK && i < c->np; i++) {
        unsigned p = (unsigned)c->p[i];
        uint64_t size = base;
        if (c->mode == MODE_WEAK)
            status = weak_size(c, base, p, &size);
        if (status == HX_OK && (!have || c->mode == MODE_WEAK)) {
            if (have)
                hx_instance_free(&in);
            have = false;
            status = hx_instance_init(&in, c->w, size, c->seed, 1, c->param_values);
            have = status == HX_OK;
            scale_point *sp;
            if (status == HX_OK) {
                progress(run, "serial", 1, size);
                status = measure_serial(run, c, &in, &sp);
            }
        }
        for (int b = 0; status == HX_OK && b < HX_BACKEND_COUNT; b++) {
            if (!c->want[b] || (b == HX_BACKEND_OPENCL && !o->use))
                continue;
            scale_point *pt;
            progress(run, hx_backend_name((hx_backend)b), p, size);
            status = measure_point(run, c, o, &in, (hx_backend)b, p, &pt);
        }
    }
    if (have)
        hx_instance_free(&in);
    progress_end(run);
    if (status != HX_OK)
        return status;
    /* the serial rows are only the baseline; keep them out of S(p) and the fits */
    size_t k = 0;
    for (size_t i = 0; i < run->n; i++)
        if (run->points[i].backend != HX_BACKEND_SERIAL)
            run->points[k++] = run->points[i];
    run->n = k;
    derive_threads(run, c);
    fit_backends(run, c);
    return HX_OK;
}

/* Sizes sweep: the first OpenCL point (end to end) from which on the device beats the best CPU
 * backend at every larger size of the sweep. */
static void find_crossover(scale_run *run, const scale_config *c) {
    run->crossover = -1;
    run->have_crossover = false;
    long candidate = -1;
    for (size_t s = 0; s < c->nsizes; s++) {
        double best_cpu = INFINITY;
        long ocl = -1;
        for (size_t i = 0; i < run->n; i++) {
            const scale_point *pt = &run->points[i];
            if (pt->r.size != c->sizes[s])
                continue;
            if (pt->backend == HX_BACKEND_OPENCL && pt->r.has_e2e)
                ocl = (long)i;
            else if (hx_backend_is_cpu(pt->backend) && pt->r.time.median < best_cpu)
                best_cpu = pt->r.time.median;
        }
        if (ocl < 0 || !isfinite(best_cpu))
            continue;
        run->have_crossover = true;
        if (run->points[ocl].r.e2e.median < best_cpu) {
            if (candidate < 0)
                candidate = ocl;
        } else {
            candidate = -1;
        }
    }
    run->crossover = candidate;
    if (candidate >= 0) {
        run->crossover_size = run->points[candidate].r.size;
        run->crossover_ws = run->points[candidate].working_set;
    }
}

static int sweep_sizes(scale_run *run, const scale_config *c, scale_ocl *o) {
    int threads = c->threads_given ? (int)c->p[0] : run->cores;
    size_t nb = 0;
    for (int b = 0; b < HX_BACKEND_COUNT; b++)
        nb += c->want[b] && b != HX_BACKEND_SERIAL && (b != HX_BACKEND_OPENCL || o->use);
    run->total = c->nsizes * (nb + 1);
    int status = HX_OK;
    for (size_t s = 0; status == HX_OK && s < c->nsizes; s++) {
        hx_instance in;
        status = hx_instance_init(&in, c->w, c->sizes[s], c->seed, threads, c->param_values);
        if (status != HX_OK)
            break;
        scale_point *pt;
        progress(run, "serial", 1, c->sizes[s]);
        status = measure_serial(run, c, &in, &pt);
        if (status == HX_OK && !c->want[HX_BACKEND_SERIAL])
            run->n--; /* measured as the reference only */
        for (int b = HX_BACKEND_SIMD; status == HX_OK && b < HX_BACKEND_COUNT; b++) {
            if (!c->want[b] || (b == HX_BACKEND_OPENCL && !o->use))
                continue;
            unsigned p = b == HX_BACKEND_OPENCL ? o->dev->compute_units
                         : b == HX_BACKEND_SIMD ? 1
                                                : (unsigned)threads;
            progress(run, hx_backend_name((hx_backend)b), p, c->sizes[s]);
            status = measure_point(run, c, o, &in, (hx_backend)b, p, &pt);
        }
        hx_instance_free(&in);
    }
    progress_end(run);
    if (status != HX_OK)
        return status;
    for (size_t i = 0; i < run->n; i++) {
        scale_point *pt = &run->points[i];
        pt->t1 = pt->serial_median;
        pt->speedup = pt->speedup_serial;
        pt->efficiency = NAN;
        pt->karp_flatt = NAN;
    }
    find_crossover(run, c);
    return HX_OK;
}

/* ---- reports -------------------------------------------------------------------------------- */

static const char *mode_label(scale_mode m) {
    return mode_names[m];
}

static const char *reference_text(scale_mode m) {
    switch (m) {
    case MODE_STRONG:
        return "S = T1/Tp, T1 = the same backend at p=1 and the same size";
    case MODE_WEAK:
        return "S = p * T1(base)/Tp(p-times size), the scaled speedup; T1 = the same backend at "
               "p=1 on the base size";
    default:
        return "S = serial backend median / median at the same size";
    }
}

static int write_table(FILE *out, const scale_config *c, const scale_run *run) {
    hx_host_info host;
    hx_host_info_get(&host);
    fprintf(out, "hetero scale %s: %s%s; host: %s, %d cores, %s\n", c->w->name,
            c->mode == MODE_SIZES ? "size sweep" : mode_label(c->mode),
            c->mode == MODE_SIZES ? "" : " scaling", host.cpu, host.cores, host.simd);
    static const char *const headers[] = {
        "backend",     "device",   "p",          "size",     "working set", "fits",
        "median",      "min..max", "e2e median", "S",        "E",           "e(p)",
        "S vs serial", "GB/s",     "GFLOP/s",    "verified", "note"};
    hx_table *t = hx_table_new(17, headers, "lllrrlrrrrrrrrrll");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < run->n; i++) {
        const scale_point *pt = &run->points[i];
        char med[32], mn[32], mx[32], e2e[32], s[32], e[32], kf[32], ss[32], gb[32], gf[32], ws[32];
        hx_format_seconds(med, sizeof med, pt->r.time.median);
        hx_format_seconds(mn, sizeof mn, pt->r.time.min);
        hx_format_seconds(mx, sizeof mx, pt->r.time.max);
        hx_format_seconds(e2e, sizeof e2e, pt->r.has_e2e ? pt->r.e2e.median : NAN);
        hx_format_number(s, sizeof s, pt->speedup, "%.2f");
        hx_format_number(e, sizeof e, pt->efficiency, "%.2f");
        hx_format_number(kf, sizeof kf, pt->karp_flatt, "%.3f");
        hx_format_number(ss, sizeof ss, pt->speedup_serial, "%.2fx");
        hx_format_number(gb, sizeof gb, pt->r.gbps, "%.1f");
        hx_format_number(gf, sizeof gf, pt->r.gflops, "%.2f");
        hx_format_bytes((uint64_t)pt->working_set, ws, sizeof ws);
        const char *note = pt->oversubscribed ? "oversubscribed: not fitted" : "";
        if (c->mode == MODE_SIZES && run->crossover == (long)i)
            note = "crossover: opencl e2e beats the best CPU from here";
        hx_table_row(t);
        hx_table_cell(t, "%s", pt->r.backend);
        hx_table_cell(t, "%s%s%s%s", pt->r.device, pt->r.mem[0] ? " [" : "", pt->r.mem,
                      pt->r.mem[0] ? "]" : "");
        hx_table_cell(t, "%u", pt->p);
        hx_table_cell(t, "%llu", (unsigned long long)pt->r.size);
        hx_table_cell(t, "%s", ws);
        hx_table_cell(t, "%s", pt->cache);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%s", e2e);
        hx_table_cell(t, "%s", s);
        hx_table_cell(t, "%s", e);
        hx_table_cell(t, "%s", kf);
        hx_table_cell(t, "%s", ss);
        hx_table_cell(t, "%s", gb);
        hx_table_cell(t, "%s", gf);
        hx_table_cell(t, "%s", pt->r.verified ? "yes" : "NO");
        hx_table_cell(t, "%s", note);
    }
    hx_table_print(t, out);
    hx_table_free(t);
    for (size_t i = 0; i < run->nskips; i++)
        fprintf(out, "skipped %s p=%u size %llu: %s\n", hx_backend_name(run->skips[i].backend),
                run->skips[i].p, (unsigned long long)run->skips[i].size, run->skips[i].reason);
    fprintf(out,
            "median of %d reps after %d warm-up; %s; E = S/p; e(p) = Karp-Flatt serial "
            "fraction (1/S - 1/p)/(1 - 1/p)\n",
            c->reps, c->warmup, reference_text(c->mode));
    if (c->mode == MODE_WEAK)
        fprintf(out, "weak scaling: the size at p makes the work (%s) p times the work at p=1\n",
                c->w->flops ? "flop count" : "bytes moved");
    for (size_t i = 0; i < run->nfits; i++) {
        const scale_fit *f = &run->fits[i];
        if (!f->fit.ok) {
            fprintf(out, "fit %s: no point with 1 < p <= %d cores to fit\n",
                    hx_backend_name(f->backend), run->cores);
        } else if (c->mode == MODE_WEAK) {
            fprintf(out,
                    "fit %s: Gustafson S(p) = p - a(p-1): a = %.4f (rms residual %.3g over %zu "
                    "points)\n",
                    hx_backend_name(f->backend), f->fit.value, f->fit.residual, f->fit.points);
        } else {
            char lim[32];
            hx_format_number(lim, sizeof lim, f->fit.limit, "%.2f");
            fprintf(out,
                    "fit %s: Amdahl P = %.4f (serial 1-P = %.4f; rms residual %.3g over %zu "
                    "points); speedup limit 1/(1-P) = %s\n",
                    hx_backend_name(f->backend), f->fit.value, 1.0 - f->fit.value, f->fit.residual,
                    f->fit.points, isfinite(f->fit.limit) ? lim : "unbounded");
        }
    }
    if (c->mode == MODE_SIZES) {
        fputs("caches:", out);
        for (size_t i = 0; i < run->ncaches; i++) {
            char b[32];
            fprintf(out, " L%d %s", run->caches[i].level,
                    hx_format_bytes(run->caches[i].bytes, b, sizeof b));
        }
        fputs(run->ncaches ? "\n" : " unknown (no sysfs cache information)\n", out);
        if (!run->have_crossover)
            fputs("crossover: not measured (needs the opencl backend and a CPU backend)\n", out);
        else if (run->crossover < 0)
            fputs("crossover: none in this range - the OpenCL device, counted with transfers, "
                  "does not stay ahead of the best CPU backend\n",
                  out);
        else {
            char b[32];
            fprintf(out,
                    "crossover: from size %llu (working set %s) the OpenCL device end to end "
                    "beats the best CPU backend\n",
                    (unsigned long long)run->crossover_size,
                    hx_format_bytes((uint64_t)run->crossover_ws, b, sizeof b));
        }
    }
    return HX_OK;
}

static int write_csv(FILE *out, const scale_config *c, const scale_run *run) {
    fputs("mode,workload,backend,device,mem,p,size,working_set_bytes,cache,oversubscribed,"
          "median_s,min_s,max_s,e2e_median_s,serial_median_s,t1_s,speedup,efficiency,karp_flatt,"
          "speedup_vs_serial,gbps,gflops,verified\n",
          out);
    for (size_t i = 0; i < run->n; i++) {
        const scale_point *pt = &run->points[i];
        hx_csv_field(out, mode_label(c->mode), 1);
        hx_csv_field(out, c->w->name, 0);
        hx_csv_field(out, pt->r.backend, 0);
        hx_csv_field(out, pt->r.device, 0);
        hx_csv_field(out, pt->r.mem, 0);
        fprintf(out, ",%u,%llu,%.0f", pt->p, (unsigned long long)pt->r.size, pt->working_set);
        hx_csv_field(out, pt->cache, 0);
        fprintf(out, ",%s", pt->oversubscribed ? "true" : "false");
        hx_csv_number(out, pt->r.time.median);
        hx_csv_number(out, pt->r.time.min);
        hx_csv_number(out, pt->r.time.max);
        hx_csv_number(out, pt->r.has_e2e ? pt->r.e2e.median : NAN);
        hx_csv_number(out, pt->serial_median);
        hx_csv_number(out, pt->t1);
        hx_csv_number(out, pt->speedup);
        hx_csv_number(out, pt->efficiency);
        hx_csv_number(out, pt->karp_flatt);
        hx_csv_number(out, pt->speedup_serial);
        hx_csv_number(out, pt->r.gbps);
        hx_csv_number(out, pt->r.gflops);
        fprintf(out, ",%s\n", pt->r.verified ? "true" : "false");
    }
    return HX_OK;
}

static void json_point(hx_json *j, const scale_point *pt) {
    hx_json_object_begin(j);
    hx_json_kv_string(j, "backend", pt->r.backend);
    hx_json_kv_string(j, "device", pt->r.device);
    if (pt->r.mem[0])
        hx_json_kv_string(j, "mem", pt->r.mem);
    hx_json_kv_int(j, "p", pt->p);
    hx_json_kv_int(j, "threads", pt->r.threads);
    hx_json_kv_int(j, "size", (int64_t)pt->r.size);
    hx_json_kv_number(j, "working_set_bytes", pt->working_set);
    hx_json_kv_string(j, "cache", pt->cache);
    hx_json_kv_bool(j, "oversubscribed", pt->oversubscribed);
    hx_json_kv_stats(j, "time_s", &pt->r.time);
    if (pt->r.has_e2e)
        hx_json_kv_stats(j, "e2e_s", &pt->r.e2e);
    else {
        hx_json_key(j, "e2e_s");
        hx_json_null(j);
    }
    hx_json_kv_number(j, "serial_time_s", pt->serial_median);
    hx_json_kv_number(j, "t1_s", pt->t1);
    hx_json_kv_number(j, "speedup", pt->speedup);
    hx_json_kv_number(j, "efficiency", pt->efficiency);
    hx_json_kv_number(j, "karp_flatt", pt->karp_flatt);
    hx_json_kv_number(j, "speedup_vs_serial", pt->speedup_serial);
    hx_json_kv_number(j, "gbps", pt->r.gbps);
    hx_json_kv_number(j, "gflops", pt->r.gflops);
    hx_json_kv_bool(j, "verified", pt->r.verified);
    hx_json_kv_number(j, "max_rel_err", pt->r.max_rel_err);
    hx_json_kv_number(j, "tolerance", pt->r.tolerance);
    hx_json_object_end(j);
}

static void json_fit(hx_json *j, const scale_config *c, const scale_fit *f) {
    hx_json_object_begin(j);
    hx_json_kv_string(j, "backend", hx_backend_name(f->backend));
    hx_json_kv_string(j, "device", f->device);
    hx_json_kv_string(j, "law", c->mode == MODE_WEAK ? "gustafson" : "amdahl");
    hx_json_kv_bool(j, "ok", f->fit.ok);
    hx_json_kv_int(j, "points", (int64_t)f->fit.points);
    if (c->mode == MODE_WEAK) {
        hx_json_kv_number(j, "a", f->fit.value);
    } else {
        hx_json_kv_number(j, "P", f->fit.value);
        hx_json_kv_number(j, "serial_fraction", 1.0 - f->fit.value);
        hx_json_kv_number(j, "limit", f->fit.limit); /* null when unbounded */
    }
    hx_json_kv_number(j, "residual", f->fit.residual);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const scale_config *c, const scale_run *run) {
    hx_json j;
    hx_host_info host;
    hx_host_info_get(&host);
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", SCALE_SCHEMA);
    hx_json_key(&j, "host");
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "cpu", host.cpu);
    hx_json_kv_int(&j, "cores", host.cores);
    hx_json_kv_string(&j, "simd", host.simd);
    hx_json_key(&j, "caches");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < run->ncaches; i++) {
        hx_json_object_begin(&j);
        hx_json_kv_int(&j, "level", run->caches[i].level);
        hx_json_kv_int(&j, "bytes", (int64_t)run->caches[i].bytes);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_kv_string(&j, "workload", c->w->name);
    hx_json_kv_string(&j, "size_unit", c->w->size_unit);
    hx_json_kv_string(&j, "mode", mode_label(c->mode));
    hx_json_key(&j, "params");
    hx_json_object_begin(&j);
    for (size_t k = 0; k < c->w->nparams; k++)
        hx_json_kv_number(&j, c->w->params[k].name, c->param_values[k]);
    hx_json_object_end(&j);
    hx_json_kv_int(&j, "reps", c->reps);
    hx_json_kv_int(&j, "warmup", c->warmup);
    hx_json_kv_string(&j, "speedup_reference", reference_text(c->mode));
    if (c->mode == MODE_WEAK)
        hx_json_kv_string(&j, "weak_work", c->w->flops ? "flops" : "bytes");
    hx_json_key(&j, "points");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < run->n; i++)
        json_point(&j, &run->points[i]);
    hx_json_array_end(&j);
    hx_json_key(&j, "fits");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < run->nfits; i++)
        json_fit(&j, c, &run->fits[i]);
    hx_json_array_end(&j);
    hx_json_key(&j, "skipped");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < run->nskips; i++) {
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "backend", hx_backend_name(run->skips[i].backend));
        hx_json_kv_int(&j, "p", run->skips[i].p);
        hx_json_kv_int(&j, "size", (int64_t)run->skips[i].size);
        hx_json_kv_string(&j, "reason", run->skips[i].reason);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_key(&j, "crossover");
    if (c->mode != MODE_SIZES || run->crossover < 0) {
        hx_json_null(&j);
    } else {
        hx_json_object_begin(&j);
        hx_json_kv_int(&j, "size", (int64_t)run->crossover_size);
        hx_json_kv_number(&j, "working_set_bytes", run->crossover_ws);
        hx_json_object_end(&j);
    }
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

static int write_report(const scale_config *c, const scale_run *run) {
    hx_output out;
    HX_TRY(hx_output_open(&out, c->output));
    int status = c->format == HX_FORMAT_JSON  ? write_json(out.fp, c, run)
                 : c->format == HX_FORMAT_CSV ? write_csv(out.fp, c, run)
                                              : write_table(out.fp, c, run);
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

/* ---- the figure ----------------------------------------------------------------------------- */

/* Datablock names allow letters and digits only ("omp-simd" would not do). */
static const char *block(hx_backend b) {
    static const char *const names[HX_BACKEND_COUNT] = {
        [HX_BACKEND_SERIAL] = "serial",   [HX_BACKEND_SIMD] = "simd",
        [HX_BACKEND_OMP] = "omp",         [HX_BACKEND_OMP_SIMD] = "ompsimd",
        [HX_BACKEND_THREADS] = "threads", [HX_BACKEND_BLAS] = "blas",
        [HX_BACKEND_OPENCL] = "opencl",   [HX_BACKEND_CUDA] = "cuda"};
    return names[b];
}

static void plot_threads(FILE *f, const scale_config *c, const scale_run *run) {
    double pmax = 1;
    for (size_t i = 0; i < run->n; i++)
        if (run->points[i].p > pmax)
            pmax = run->points[i].p;
    for (size_t k = 0; k < run->nfits; k++) {
        hx_backend b = run->fits[k].backend;
        fprintf(f, "$%s << EOD\n", block(b));
        for (size_t i = 0; i < run->n; i++) {
            const scale_point *pt = &run->points[i];
            if (pt->backend == b)
                fprintf(f, "%u %.9g %.9g %d\n", pt->p, pt->speedup, pt->efficiency,
                        pt->oversubscribed);
        }
        fputs("EOD\n", f);
    }
    fprintf(f, "set multiplot layout 1,2 title \"hetero scale %s: %s scaling\"\n", c->w->name,
            mode_label(c->mode));
    fprintf(f,
            "set xlabel \"p (threads or compute units)\"\nset xrange [0.8:%g]\nset grid\n"
            "set key top left\nset ylabel \"%s\"\nset yrange [0:*]\n",
            pmax * 1.1, c->mode == MODE_WEAK ? "scaled speedup S(p)" : "speedup S(p) = T1/Tp");
    fputs("plot x title \"ideal S = p\" with lines dashtype 2 lc rgb \"gray40\"", f);
    for (size_t k = 0; k < run->nfits; k++) {
        const char *name = hx_backend_name(run->fits[k].backend);
        int lc = (int)run->fits[k].backend + 1; /* one colour per backend in both panels */
        fprintf(f, ", $%s using 1:2 title \"%s\" with linespoints pt 7 lw 2 lc %d",
                block(run->fits[k].backend), name, lc);
        const hx_fit *fit = &run->fits[k].fit;
        if (fit->ok && c->mode == MODE_WEAK)
            fprintf(f,
                    ", x - %.9g*(x-1) title \"%s Gustafson a=%.3f\" with lines dashtype 2 lw 1.5 "
                    "lc %d",
                    fit->value, name, fit->value, lc);
        else if (fit->ok)
            fprintf(f,
                    ", 1/((1-%.9g) + %.9g/x) title \"%s Amdahl P=%.3f\" with lines dashtype 2 "
                    "lw 1.5 lc %d",
                    fit->value, fit->value, name, fit->value, lc);
    }
    fputs("\nset ylabel \"efficiency E(p) = S/p\"\nset yrange [0:1.2]\nset key bottom left\n", f);
    fputs("plot 1 title \"ideal E = 1\" with lines dashtype 2 lc rgb \"gray40\"", f);
    for (size_t k = 0; k < run->nfits; k++) {
        const char *name = hx_backend_name(run->fits[k].backend);
        fprintf(f, ", $%s using 1:3 title \"%s\" with linespoints pt 7 lw 2 lc %d",
                block(run->fits[k].backend), name, (int)run->fits[k].backend + 1);
    }
    fputs("\nunset multiplot\n", f);
}

static void plot_sizes(FILE *f, const scale_config *c, const scale_run *run) {
    /* GB/s for workloads that move at least a byte per flop, GFLOP/s for the others */
    bool by_bytes = true;
    if (run->n > 0 && run->points[0].r.flops > run->points[0].r.bytes)
        by_bytes = false;
    bool seen[HX_BACKEND_COUNT] = {false};
    for (size_t i = 0; i < run->n; i++)
        seen[run->points[i].backend] = true;
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!seen[b])
            continue;
        fprintf(f, "$%s << EOD\n", block((hx_backend)b));
        for (size_t i = 0; i < run->n; i++) {
            const scale_point *pt = &run->points[i];
            if (pt->backend == (hx_backend)b)
                fprintf(f, "%.9g %.9g %.9g %.9g\n", pt->working_set, pt->r.time.median,
                        pt->r.has_e2e ? pt->r.e2e.median : NAN,
                        by_bytes ? pt->r.gbps : pt->r.gflops);
        }
        fputs("EOD\n", f);
    }
    fprintf(f, "set multiplot layout 1,2 title \"hetero scale %s: size sweep\"\n", c->w->name);
    fputs("set logscale x 2\nset logscale y 10\nset grid\nset key bottom right\n"
          "set format x \"%.0b%B\"\nset xlabel \"working set (bytes)\"\n",
          f);
    /* a fixed x range for both panels, and only the cache sizes inside it */
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < run->n; i++) {
        lo = fmin(lo, run->points[i].working_set);
        hi = fmax(hi, run->points[i].working_set);
    }
    if (run->n > 0)
        fprintf(f, "set xrange [%.9g:%.9g]\n", lo / 1.5, hi * 1.5);
    for (size_t i = 0; i < run->ncaches; i++)
        if ((double)run->caches[i].bytes >= lo / 1.5 && (double)run->caches[i].bytes <= hi * 1.5)
            fprintf(f,
                    "set arrow from %llu, graph 0 to %llu, graph 1 nohead dashtype 2 lc rgb "
                    "\"gray50\"\nset label \"L%d\" at %llu, graph 0.97 offset 0.3,0\n",
                    (unsigned long long)run->caches[i].bytes,
                    (unsigned long long)run->caches[i].bytes, run->caches[i].level,
                    (unsigned long long)run->caches[i].bytes);
    fputs("set format y \"10^{%T}\"\nset ylabel \"time (s), median\"\nplot ", f);
    bool first = true;
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!seen[b])
            continue;
        const char *name = hx_backend_name((hx_backend)b);
        fprintf(f, "%s$%s using 1:2 title \"%s%s\" with linespoints pt 7 lc %d", first ? "" : ", ",
                block((hx_backend)b), name, b == HX_BACKEND_OPENCL ? " (kernel)" : "", b + 1);
        if (b == HX_BACKEND_OPENCL)
            fprintf(f,
                    ", $%s using 1:3 title \"opencl (end to end)\" with linespoints pt 6 "
                    "dashtype 2 lc %d",
                    block((hx_backend)b), b + 1);
        first = false;
    }
    fprintf(f,
            "\nunset logscale y\nset format y \"%%g\"\nset yrange [0:*]\nset key top right\n"
            "set ylabel \"%s\"\nplot ",
            by_bytes ? "GB/s" : "GFLOP/s");
    first = true;
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!seen[b])
            continue;
        const char *name = hx_backend_name((hx_backend)b);
        fprintf(f, "%s$%s using 1:4 title \"%s\" with linespoints pt 7 lc %d", first ? "" : ", ",
                block((hx_backend)b), name, b + 1);
        first = false;
    }
    fputs("\nunset multiplot\n", f);
}

static int draw_plot(const scale_config *c, const scale_run *run) {
    char *script = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&script, &len);
    if (!f)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    char term[1400];
    fputs(hx_plot_terminal(c->plot_kind, c->plot, 1100, 480, term, sizeof term), f);
    if (c->mode == MODE_SIZES)
        plot_sizes(f, c, run);
    else
        plot_threads(f, c, run);
    fclose(f);
    int status = hx_plot_run(script, c->plot);
    free(script);
    return status;
}

/* ---- the command ---------------------------------------------------------------------------- */

static int check_verified(const scale_run *run) {
    for (size_t i = 0; i < run->n; i++) {
        const hx_result *r = &run->points[i].r;
        if (!r->verified)
            return hx_fail(HX_ERR_RUNTIME,
                           "verification failed: %s/%s p=%u size %llu: max error %.3g > "
                           "tolerance %.3g",
                           r->workload, r->backend, run->points[i].p, (unsigned long long)r->size,
                           r->max_rel_err, r->tolerance);
    }
    return HX_OK;
}

int hx_cmd_scale(int argc, char **argv) {
    scale_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help) {
        scale_help(stdout);
        free_config(&c);
        return HX_OK;
    }
    if (status == HX_OK && c.plot) {
        const char *program;
        if (!hx_gnuplot_found(&program)) /* before minutes of measuring, not after */
            status = hx_fail(HX_ERR_MISSING,
                             "--plot needs gnuplot, and '%s' was not found; install it (Debian: "
                             "apt-get install gnuplot-nox) or leave out --plot",
                             program);
    }
    scale_ocl o;
    memset(&o, 0, sizeof o);
    if (status == HX_OK)
        status = open_ocl(&c, &o);
    scale_run run;
    memset(&run, 0, sizeof run);
    run.cores = hx_cpu()->logical_cpus;
    run.progress = isatty(STDERR_FILENO);
    run.ncaches = hx_cache_levels(run.caches, HX_MAX_CACHE_LEVELS);
    if (status == HX_OK)
        status = c.mode == MODE_SIZES ? sweep_sizes(&run, &c, &o) : sweep_threads(&run, &c, &o);
    close_ocl(&o);
    if (status == HX_OK) {
        int verified = check_verified(&run);
        status = write_report(&c, &run);
        if (status == HX_OK && c.plot)
            status = draw_plot(&c, &run);
        if (status == HX_OK)
            status = verified;
    }
    free(run.points);
    free_config(&c);
    return hx_report_error(status);
}
