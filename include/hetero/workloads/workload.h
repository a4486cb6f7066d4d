/*
 * workload.h - what a workload is, and the registry of them.
 *
 * A workload is a table of data and function pointers (the BabelStream habit): its name and
 * lesson, what --size counts, its cost model (bytes moved and flops, from which GB/s and GFLOP/s
 * are computed in one place), how to set up inputs, one plain C function per CPU backend, an
 * OpenCL binding, and how to verify an output against the serial reference.
 *
 * The life of one run (the engine drives it: engine/measure.h):
 *
 *     setup(p)                   inputs from --seed; p->out_bytes says how big an output is
 *     serial -> ref              the reference output and the baseline time
 *     for each other backend:    out poisoned (all bits set: NaN floats, -1 ints), run, verify
 *     teardown(p)
 *
 * Backends write only into `out` and never modify the inputs, so every backend sees the same
 * problem.  CPU functions get the thread count through OpenMP (the caller has set it).
 */
#ifndef HETERO_WORKLOAD_H
#define HETERO_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/core/backend.h"
#include "hetero/core/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HX_MAX_PARAMS   4
#define HX_MAX_VARIANTS 8

/* A workload's own numeric parameter, given on the command line as --NAME=VALUE. */
typedef struct hx_param_def {
    const char *name; /* "iters" */
    double def;       /* default */
    double min, max;  /* accepted range */
    bool integer;     /* must be a whole number */
    const char *help; /* one line */
} hx_param_def;

typedef struct hx_workload hx_workload;

typedef struct hx_problem {
    const hx_workload *workload;
    uint64_t size; /* the natural size (--size): elements, matrix order, grid side, ... */
    uint64_t seed; /* --seed */
    int threads;   /* threads for the omp backends */
    double param[HX_MAX_PARAMS]; /* workload parameters, in the order of workload->params */
    unsigned variant;            /* index into workload->variants for the simd/omp-simd backends */
    void *data;                  /* workload-private inputs and scratch, made by setup */
    size_t out_bytes;            /* bytes of one output, set by setup */
} hx_problem;

/* One CPU backend: compute the output of problem p into out. */
typedef void (*hx_cpu_fn)(const hx_problem *p, void *out);

struct hx_ocl_binding;  /* ocl/ocl.h */
struct hx_cuda_binding; /* cuda/cuda.h */
struct hx_mpi_binding;  /* mpi/mpi.h */

/* A workload names its CUDA binding (kernels/cuda/NAME.cu) unconditionally:
 *     HX_CUDA_DECLARE(vecadd);                      near the top of host/workloads/vecadd.c
 *     .cuda = HX_CUDA_BINDING(vecadd),              in its registry entry (NULL without CUDA) */
#define HX_CUDA_DECLARE(name) extern const struct hx_cuda_binding hx_cuda_binding_##name
#ifdef HETERO_HAVE_CUDA
#define HX_CUDA_BINDING(name) (&hx_cuda_binding_##name)
#else
#define HX_CUDA_BINDING(name) NULL
#endif

/* A workload's message-passing body sits in its own file, in a section built only with MPI:
 *     #ifdef HETERO_HAVE_MPI ... static const hx_mpi_binding vecadd_mpi = {...}; #endif
 *     .mpi = HX_MPI_BINDING(vecadd_mpi),            in its registry entry (NULL without MPI) */
#ifdef HETERO_HAVE_MPI
#define HX_MPI_BINDING(name) (&(name))
#else
#define HX_MPI_BINDING(name) NULL
#endif

struct hx_workload {
    const char *name;                  /* command-line name */
    const char *summary;               /* what it computes, one line */
    const char *lesson;                /* the lesson it carries, one line */
    const char *size_unit;             /* what --size counts: "elements", "matrix order n", ... */
    uint64_t default_size;             /* used when --size is not given; see default_size_fn */
    uint64_t (*default_size_fn)(void); /* optional: a default that depends on the machine */
    uint64_t min_size, max_size;       /* accepted --size range */
    const hx_param_def *params;        /* optional, nparams entries */
    size_t nparams;
    /* Optional algorithm variants of the simd and omp-simd backends, in the order a lesson steps
     * through them (NULL-terminated, at most HX_MAX_VARIANTS), chosen with `run --variant`;
     * hx_problem.variant is the index, default_variant the one used when none is chosen. */
    const char *const *variants;
    unsigned default_variant;
    int default_reps, default_warmup; /* 0: the command's defaults (long-running workloads
                                         such as sgemm ask for fewer) */
    /* A small size that still takes every path of every backend (vector tails, several
     * work-groups, uneven thread shares): the generic correctness test runs each workload on
     * each of its backends at this size (0: min_size). */
    uint64_t test_size;

    /* Cost model of one run, for GB/s and GFLOP/s: the bytes a run must move to and from memory
     * (each input read once, each output written once) and its floating-point operations. */
    double (*bytes)(const hx_problem *p);
    double (*flops)(const hx_problem *p); /* NULL: no floating-point work (integer workloads) */
    /* flops() reads what setup made (mandelbrot counts its escape iterations), so it cannot be
     * asked of a size that was not set up: weak scaling then sizes the problem by bytes. */
    bool flops_need_data;
    /* Host bytes setup and the run will allocate for this size (inputs, output, reference), so
     * a size too large is refused before anything is allocated. */
    double (*host_bytes)(uint64_t size);

    int (*setup)(hx_problem *p); /* HX_OK or an error status (hx_fail) */
    void (*teardown)(hx_problem *p);

    /* Host backends, indexed by hx_backend (serial, simd, omp, omp-simd, blas); NULL = none. */
    hx_cpu_fn cpu[HX_BACKEND_COUNT];
    const struct hx_ocl_binding *ocl;   /* NULL = no OpenCL backend */
    const struct hx_cuda_binding *cuda; /* NULL = no CUDA backend */
    const struct hx_mpi_binding *mpi;   /* NULL = no message-passing backend */

    /* The file that holds it, when not NAME.c (with '-' as '_'): dot lives in reduce.c. */
    const char *source;

    /* Compare out with the serial reference ref; fill v (v->ok decides). */
    void (*verify)(const hx_problem *p, const void *out, const void *ref, hx_verdict *v);
};

/* The registry: every workload, in the order `hetero list` shows them. */
size_t hx_workload_count(void);
const hx_workload *hx_workload_at(size_t i);
const hx_workload *hx_workload_find(const char *name);

/* Look up a workload; on a miss, fail (HX_ERR_USAGE) listing every workload. */
int hx_workload_parse(const char *name, const hx_workload **out);

/* w's parameter called name (and its index in w->params), or NULL. */
const hx_param_def *hx_workload_param(const hx_workload *w, const char *name, size_t *index);

/* Parse text as the value of parameter d: a number in [d->min, d->max], whole if d->integer;
 * HX_ERR_USAGE naming --NAME and the text otherwise. */
int hx_param_parse(const hx_param_def *d, const char *text, double *out);

/* Whether backend b of w runs in variants (w has variants and b is simd or omp-simd). */
bool hx_workload_variant_applies(const hx_workload *w, hx_backend b);

/* Number of w's variants (0 when it has none). */
unsigned hx_workload_variant_count(const hx_workload *w);

/* Parse a --variant list ("all" or comma-separated names) for w into want[0..count): a name w
 * does not have is HX_ERR_USAGE naming it and w's variants.  w without variants: all false. */
int hx_workload_variants_parse(const hx_workload *w, const char *list, bool *want);

/* Whether size is in w's range and its inputs fit in host memory: HX_OK, or HX_ERR_USAGE naming
 * option ("--size"), the size and w's accepted range.  Touches no device. */
int hx_workload_check_size(const hx_workload *w, const char *option, uint64_t size);

/* Lines of one section of a workload file (a banner "---- NAME:" to the next), counted from
 * the source at build time; kernels/NAME.cl is the section "opencl-kernel". */
typedef struct hx_code_section {
    const char *file;    /* "reduce.c" */
    const char *section; /* "omp", "threads", "opencl", "opencl-kernel", ... */
    int lines;
} hx_code_section;

/* The sections of w's file, in file order; n gets how many (0 when none were counted). */
const hx_code_section *hx_workload_code(const hx_workload *w, size_t *n);

/* The default --size for w on this machine. */
uint64_t hx_workload_default_size(const hx_workload *w);

#ifdef __cplusplus
}
#endif

#endif
