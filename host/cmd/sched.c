/*
 * sched.c - `hetero sched`: one mandelbrot image computed by an OpenCL device and host threads
 * together, and `hetero sched --svm-stress=N`.
 *
 * Policies (docs/svm.md):
 *   device-only    the device alone: one launch over every row, read back
 *   host-only      host threads alone, claiming chunks of rows from a shared atomic counter
 *   static         the device takes the first --split of the rows in one launch, host threads
 *                  split the rest in equal blocks: no counter, and no help for whoever is done
 *   dynamic-proxy  one shared counter; host threads claim chunks and compute them, and a proxy
 *                  host thread claims chunks for the device and enqueues them, keeping --inflight
 *                  chunks queued so the device never waits for the host.  Works on every device.
 *   dynamic-svm    the counter lives in fine-grain SVM with atomics: the kernel's work-groups
 *                  claim chunks themselves (persistent threads, kernels/sched_mandelbrot.cl) while
 *                  host threads claim from the same counter with C11 atomics, and both write
 *                  into one fine-grain SVM image.  Needs SVM atomics (not on NVIDIA's driver).
 * device-only and host-only always run: the combined policies are compared with the faster of
 * the two.  Every run of every policy is verified against the serial image.
 *
 * Timing: the wall time of a run, from the first claim or launch until the last row is in the
 * image (device rows read back into host memory for the non-SVM policies; the dynamic-svm image
 * is read in place, as an SVM application would, and copied out for verification afterwards).
 * Device busy = the device's kernel time (event profiling); host busy = the time host threads
 * spent computing rows, summed over the threads.
 *
 * Host workers are pthreads (svm.h: ThreadSanitizer can check them); the OpenCL queue is used by
 * one thread at a time (the proxy thread during a run, the main thread otherwise).
 */
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "hetero/core/args.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/rng.h"
#include "hetero/core/stats.h"
#include "hetero/core/table.h"
#include "hetero/core/threads.h"
#include "hetero/core/timer.h"
#include "hetero/engine/measure.h"
#include "hetero/ocl/ocl.h"
#include "hetero/ocl/svm.h"
#include "hetero/workloads/mandelbrot.h"
#include "hetero/workloads/workload.h"

#define SCHED_SCHEMA  "hetero.sched/1"
#define STRESS_SCHEMA "hetero.sched-stress/1" /* the --svm-stress summary */
#define MAX_INFLIGHT  16
#define MAX_REPS      1000

typedef enum {
    POLICY_DEVICE_ONLY,
    POLICY_HOST_ONLY,
    POLICY_STATIC,
    POLICY_DYNAMIC_PROXY,
    POLICY_DYNAMIC_SVM,
    POLICY_COUNT
} sched_policy;

static const char *const policy_names[] = {"device-only",   "host-only",   "static",
                                           "dynamic-proxy", "dynamic-svm", NULL};
/* what --policy accepts: the policies, and "all" (index POLICY_COUNT) */
static const char *const policy_choices[] = {"device-only", "host-only", "static", "dynamic-proxy",
                                             "dynamic-svm", "all",       NULL};

typedef struct sched_config {
    bool want[POLICY_COUNT];
    double split;
    uint64_t chunk, size, iters, inflight, stress, seed;
    int threads, reps, warmup;
    const char *device_spec;
    hx_format format;
    const char *output;
} sched_config;

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
    {"format", 'f', "FMT", "report format: table (default), csv, json"},
    {"output", 'o', "FILE", "write the report to FILE instead of stdout"},
    {"help", 'h', NULL, "show this help"},
    {NULL, 0, NULL, NULL},
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

/* ---- options ---------------------------------------------------------------------------- */

static int parse_policies(sched_config *c, const char *text) {
    char *copy = strdup(text);
    char *items[POLICY_COUNT * 2 + 2];
    size_t n = 0;
    if (!copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(c->want, 0, sizeof c->want);
    int status = hx_split_list("--policy", copy, items, sizeof items / sizeof items[0], &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        int p;
        status = hx_parse_choice("--policy", items[i], policy_choices, &p);
        for (int q = 0; status == HX_OK && q < POLICY_COUNT; q++)
            c->want[q] |= p == q || p == POLICY_COUNT;
    }
    free(copy);
    return status;
}

static int parse_int(const char *name, const char *text, uint64_t min, uint64_t max, int *out) {
    uint64_t v;
    HX_TRY(hx_parse_uint(name, text, min, max, &v));
    *out = (int)v;
    return HX_OK;
}

static int apply_option(sched_config *c, const hx_arg *a) {
    const char *name = a->opt->name, *v = a->value;
    if (strcmp(name, "policy") == 0)
        return parse_policies(c, v);
    if (strcmp(name, "split") == 0)
        return hx_parse_double("--split", v, 0.0, 1.0, &c->split);
    if (strcmp(name, "chunk") == 0)
        return hx_parse_uint("--chunk", v, 1, 32768, &c->chunk);
    if (strcmp(name, "inflight") == 0)
        return hx_parse_uint("--inflight", v, 1, MAX_INFLIGHT, &c->inflight);
    if (strcmp(name, "size") == 0)
        return hx_parse_size("--size", v, 0, UINT64_MAX, &c->size);
    if (strcmp(name, "iters") == 0)
        return hx_parse_uint("--iters", v, 1, 1u << 20, &c->iters);
    if (strcmp(name, "threads") == 0)
        return hx_parse_threads("--threads", v, &c->threads);
    if (strcmp(name, "device") == 0) {
        c->device_spec = v;
        return hx_ocl_check_spec(v);
    }
    if (strcmp(name, "reps") == 0)
        return parse_int("--reps", v, 1, MAX_REPS, &c->reps);
    if (strcmp(name, "warmup") == 0)
        return parse_int("--warmup", v, 0, 1000, &c->warmup);
    if (strcmp(name, "svm-stress") == 0)
        return hx_parse_uint("--svm-stress", v, 1, 1000000, &c->stress);
    if (strcmp(name, "seed") == 0)
        return hx_parse_uint("--seed", v, 0, UINT64_MAX, &c->seed);
    if (strcmp(name, "format") == 0)
        return hx_parse_format(v, &c->format);
    if (strcmp(name, "output") == 0) {
        c->output = v;
        return hx_output_check(v);
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int parse_args(sched_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, sched_opts, "sched");
    memset(c, 0, sizeof *c);
    for (int p = 0; p < POLICY_COUNT; p++)
        c->want[p] = true;
    c->split = 0.5;
    c->chunk = 16;
    c->inflight = 2;
    c->size = 1024;
    c->iters = 256;
    c->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c->threads < 1)
        c->threads = 1;
    c->reps = 5;
    c->warmup = 1;
    c->seed = 42;
    c->format = HX_FORMAT_TABLE;
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            return HX_OK;
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
        HX_TRY(apply_option(c, &a));
    }
}

/* ---- the problem and the device ----------------------------------------------------------- */

typedef struct sched_ctx {
    const sched_config *c;
    hx_instance in;
    bool have_instance;
    hx_mandelbrot_geometry g;
    hx_ocl_device *devs;
    size_t ndevs;
    hx_ocl_session session;
    bool session_open;
    const hx_ocl_device *dev;
    cl_kernel rows_kernel;          /* kernels/mandelbrot.cl: a range of rows */
    cl_kernel persist_kernel;       /* kernels/sched_mandelbrot.cl: persistent, SVM counter */
    cl_mem image;                   /* the device's image for the non-SVM policies */
    uint32_t *svm_image;            /* fine-grain SVM image (dynamic-svm) */
    _Atomic uint32_t *svm_counters; /* [0] next row, [1] chunks the device took */
    size_t local;                   /* work-group size */
    size_t persist_groups;
    double serial_median;
} sched_ctx;

static int open_device(sched_ctx *x) {
    HX_TRY(hx_ocl_devices(&x->devs, &x->ndevs));
    size_t picked[256], n = 0;
    HX_TRY(hx_ocl_select(x->c->device_spec, x->devs, x->ndevs < 256 ? x->ndevs : 256, picked, &n));
    if (n > 1)
        hx_notice("--device matches %zu devices: co-scheduling on the first, '%s'", n,
                  x->devs[picked[0]].name);
    x->dev = &x->devs[picked[0]];
    HX_TRY(hx_ocl_session_open(x->dev, &x->session));
    x->session_open = true;
    return HX_OK;
}

static int make_kernel(cl_program prog, const char *name, cl_kernel *out) {
    cl_int err;
    *out = clCreateKernel(prog, name, &err);
    if (err != CL_SUCCESS)
        return hx_fail(HX_ERR_RUNTIME, "OpenCL call clCreateKernel(%s) failed: %s", name,
                       hx_ocl_error_name(err));
    return HX_OK;
}

/* The arguments that do not change: image, geometry. */
static int prepare_rows_kernel(sched_ctx *x) {
    cl_program prog;
    HX_TRY(hx_ocl_program(&x->session, "mandelbrot.cl", NULL, &prog));
    HX_TRY(make_kernel(prog, "mandelbrot", &x->rows_kernel));
    size_t bytes = x->g.width * x->g.height * sizeof(uint32_t);
    cl_int err;
    x->image = clCreateBuffer(x->session.context, CL_MEM_WRITE_ONLY, bytes, NULL, &err);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clCreateBuffer");
    cl_uint width = (cl_uint)x->g.width, iters = x->g.max_iter;
    cl_kernel k = x->rows_kernel;
    HX_CL(clSetKernelArg(k, 0, sizeof(cl_mem), &x->image));
    HX_CL(clSetKernelArg(k, 1, sizeof width, &width));
    HX_CL(clSetKernelArg(k, 4, sizeof(float), &x->g.x_min));
    HX_CL(clSetKernelArg(k, 5, sizeof(float), &x->g.y_min));
    HX_CL(clSetKernelArg(k, 6, sizeof(float), &x->g.dx));
    HX_CL(clSetKernelArg(k, 7, sizeof(float), &x->g.dy));
    HX_CL(clSetKernelArg(k, 8, sizeof iters, &iters));
    return HX_OK;
}

static int prepare_persist_kernel(sched_ctx *x) {
    cl_program prog;
    HX_TRY(hx_ocl_program(&x->session, "sched_mandelbrot.cl", "-cl-std=CL3.0", &prog));
    HX_TRY(make_kernel(prog, "mandelbrot_persistent", &x->persist_kernel));
    void *img, *counters;
    HX_TRY(hx_svm_alloc_atomic(x->session.context, 2 * sizeof(uint32_t), &counters));
    x->svm_counters = counters;
    size_t bytes = x->g.width * x->g.height * sizeof(uint32_t);
    img =
        clSVMAlloc(x->session.context, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER, bytes, 0);
    if (!img)
        return hx_fail(HX_ERR_RUNTIME, "clSVMAlloc of the %zu-byte image (fine-grain) failed",
                       bytes);
    x->svm_image = img;
    cl_uint width = (cl_uint)x->g.width, height = (cl_uint)x->g.height, iters = x->g.max_iter;
    cl_uint chunk = (cl_uint)x->c->chunk;
    cl_kernel k = x->persist_kernel;
    HX_CL(clSetKernelArgSVMPointer(k, 0, img));
    HX_CL(clSetKernelArg(k, 1, sizeof width, &width));
    HX_CL(clSetKernelArg(k, 2, sizeof height, &height));
    HX_CL(clSetKernelArg(k, 3, sizeof(float), &x->g.x_min));
    HX_CL(clSetKernelArg(k, 4, sizeof(float), &x->g.y_min));
    HX_CL(clSetKernelArg(k, 5, sizeof(float), &x->g.dx));
    HX_CL(clSetKernelArg(k, 6, sizeof(float), &x->g.dy));
    HX_CL(clSetKernelArg(k, 7, sizeof iters, &iters));
    HX_CL(clSetKernelArgSVMPointer(k, 8, counters));
    HX_CL(clSetKernelArg(k, 9, sizeof chunk, &chunk));
    /* persistent threads: about as many groups as the device runs at once */
    unsigned cus = x->dev->compute_units ? x->dev->compute_units : 1;
    x->persist_groups = (x->dev->type & CL_DEVICE_TYPE_CPU) ? cus : 4 * (size_t)cus;
    return HX_OK;
}

static void close_ctx(sched_ctx *x) {
    if (x->session_open)
        clFinish(x->session.queue);
    if (x->rows_kernel)
        clReleaseKernel(x->rows_kernel);
    if (x->persist_kernel)
        clReleaseKernel(x->persist_kernel);
    if (x->image)
        clReleaseMemObject(x->image);
    if (x->svm_image)
        clSVMFree(x->session.context, x->svm_image);
    if (x->svm_counters)
        clSVMFree(x->session.context, (void *)x->svm_counters);
    if (x->session_open)
        hx_ocl_session_close(&x->session);
    free(x->devs);
    if (x->have_instance)
        hx_instance_free(&x->in);
    memset(x, 0, sizeof *x);
}

/* ---- one run ------------------------------------------------------------------------------ */

/* What one run measured (counts as doubles too, so that one median function serves all). */
typedef struct sched_sample {
    double wall;
    double dev_busy, host_busy;
    double dev_chunks, host_chunks, dev_rows, host_rows;
} sched_sample;

#define MAX_HOST_THREADS HX_MAX_THREADS

/* Shared by the threads of one run. */
typedef struct sched_run {
    sched_ctx *x;
    sched_policy policy;
    uint32_t *image;        /* where rows go: host memory, or the SVM image */
    _Atomic uint32_t *next; /* the shared counter: next unclaimed row */
    _Atomic uint32_t host_counter;
    uint32_t chunk, height;
    unsigned host_threads;
    bool with_proxy;             /* thread 0 drives the device */
    size_t dev_begin, dev_end;   /* static and device-only: the device's one range */
    size_t host_begin, host_end; /* static: the host's rows, split in equal blocks */
    /* results, each slot written by its own thread only */
    uint64_t chunks[MAX_HOST_THREADS], rows[MAX_HOST_THREADS];
    double busy[MAX_HOST_THREADS];
    uint64_t dev_chunks, dev_rows;
    double dev_busy;
    char proxy_error[256];
} sched_run;

static void host_rows(sched_run *r, unsigned slot, size_t begin, size_t end) {
    double t0 = hx_now();
    hx_mandelbrot_rows(&r->x->in.problem, r->image, begin, end);
    r->busy[slot] += hx_now() - t0;
    r->chunks[slot]++;
    r->rows[slot] += end - begin;
}

/* A host thread: claim chunks until the counter passes the last row (or its static block). */
static void host_worker(sched_run *r, unsigned slot) {
    if (r->policy == POLICY_STATIC) {
        size_t span = r->host_end - r->host_begin;
        size_t lo = r->host_begin + span * slot / r->host_threads;
        size_t hi = r->host_begin + span * (slot + 1) / r->host_threads;
        if (hi > lo)
            host_rows(r, slot, lo, hi);
        return;
    }
    for (;;) {
        uint32_t row = atomic_fetch_add_explicit(r->next, r->chunk, memory_order_relaxed);
        if (row >= r->height)
            return;
        size_t end = row + r->chunk < r->height ? row + r->chunk : r->height;
        host_rows(r, slot, row, end);
    }
}

static double event_seconds(cl_event e) {
    cl_ulong start = 0, end = 0;
    if (clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) !=
            CL_SUCCESS ||
        clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) != CL_SUCCESS)
        return 0.0;
    return end > start ? (double)(end - start) * 1e-9 : 0.0;
}

/* Enqueue rows [row, row + rows) on the device and their read-back into the host image. */
static cl_int enqueue_chunk(sched_run *r, size_t row, size_t rows, cl_event *kernel_done,
                            cl_event *read_done) {
    sched_ctx *x = r->x;
    cl_uint offset = (cl_uint)row, count = (cl_uint)rows;
    cl_int err = clSetKernelArg(x->rows_kernel, 2, sizeof offset, &offset);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(x->rows_kernel, 3, sizeof count, &count);
    size_t global = hx_round_up(rows * x->g.width, x->local);
    if (err == CL_SUCCESS)
        err = clEnqueueNDRangeKernel(x->session.queue, x->rows_kernel, 1, NULL, &global, &x->local,
                                     0, NULL, kernel_done);
    size_t at = row * x->g.width * sizeof(uint32_t), bytes = rows * x->g.width * sizeof(uint32_t);
    if (err == CL_SUCCESS)
        err = clEnqueueReadBuffer(x->session.queue, x->image, CL_FALSE, at, bytes,
                                  r->image + row * x->g.width, 0, NULL, read_done);
    if (err == CL_SUCCESS)
        err = clFlush(x->session.queue);
    return err;
}

/* The device's host-side proxy: claim a chunk for the device from the shared counter (or take
 * the one static range) and enqueue it, keeping up to --inflight chunks queued; retire the
 * oldest when full.  Errors are kept as text: the error message is per thread. */
static void device_proxy(sched_run *r) {
    cl_event kernels[MAX_INFLIGHT], reads[MAX_INFLIGHT];
    size_t head = 0, count = 0, depth = r->x->c->inflight;
    bool exhausted = false, single = r->policy != POLICY_DYNAMIC_PROXY;
    cl_int err = CL_SUCCESS;
    const char *call = "";
    for (;;) {
        while (err == CL_SUCCESS && !exhausted && count < depth) {
            size_t row, rows;
            if (single) {
                exhausted = true;
                row = r->dev_begin;
                rows = r->dev_end - r->dev_begin;
                if (rows == 0)
                    break;
            } else {
                uint32_t claimed =
                    atomic_fetch_add_explicit(r->next, r->chunk, memory_order_relaxed);
                if (claimed >= r->height) {
                    exhausted = true;
                    break;
                }
                row = claimed;
                rows = row + r->chunk < r->height ? r->chunk : r->height - row;
            }
            size_t slot = (head + count) % MAX_INFLIGHT;
            err = enqueue_chunk(r, row, rows, &kernels[slot], &reads[slot]);
            call = "enqueueing a chunk (clEnqueueNDRangeKernel/ReadBuffer)";
            if (err != CL_SUCCESS)
                break;
            count++;
            r->dev_chunks++;
            r->dev_rows += rows;
        }
        if (count == 0)
            break;
        cl_int werr = clWaitForEvents(1, &reads[head]);
        if (werr != CL_SUCCESS && err == CL_SUCCESS) {
            err = werr;
            call = "clWaitForEvents";
        }
        r->dev_busy += event_seconds(kernels[head]);
        clReleaseEvent(kernels[head]);
        clReleaseEvent(reads[head]);
        head = (head + 1) % MAX_INFLIGHT;
        count--;
    }
    if (err != CL_SUCCESS)
        snprintf(r->proxy_error, sizeof r->proxy_error, "OpenCL call %s failed: %s", call,
                 hx_ocl_error_name(err));
}

static void run_thread(void *arg, unsigned index) {
    sched_run *r = arg;
    if (r->with_proxy && index == 0)
        device_proxy(r);
    else
        host_worker(r, index - (r->with_proxy ? 1u : 0u));
}

/* dynamic-svm: the kernel claims from the SVM counter while host threads claim from it too. */
static int run_svm(sched_run *r) {
    sched_ctx *x = r->x;
    size_t global = x->persist_groups * x->local;
    cl_event done;
    HX_CL(clEnqueueNDRangeKernel(x->session.queue, x->persist_kernel, 1, NULL, &global, &x->local,
                                 0, NULL, &done));
    cl_int err = clFlush(x->session.queue);
    int status = err == CL_SUCCESS ? hx_threads_run(r->host_threads, run_thread, r)
                                   : hx_ocl_fail(err, "clFlush");
    err = clWaitForEvents(1, &done); /* the kernel's image stores are now visible to the host */
    r->dev_busy = event_seconds(done);
    clReleaseEvent(done);
    HX_TRY(status);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clWaitForEvents");
    r->dev_chunks = atomic_load_explicit(&x->svm_counters[1], memory_order_relaxed);
    return HX_OK;
}

static int run_once(sched_ctx *x, sched_policy policy, uint32_t *out, sched_sample *s) {
    const sched_config *c = x->c;
    sched_run *r = calloc(1, sizeof *r);
    if (!r)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    r->x = x;
    r->policy = policy;
    r->chunk = (uint32_t)c->chunk;
    r->height = (uint32_t)x->g.height;
    r->next = &r->host_counter;
    r->host_threads = policy == POLICY_DEVICE_ONLY ? 0 : (unsigned)c->threads;
    r->with_proxy = policy != POLICY_HOST_ONLY && policy != POLICY_DYNAMIC_SVM;
    r->image = out;
    if (policy == POLICY_DEVICE_ONLY)
        r->dev_end = x->g.height;
    if (policy == POLICY_STATIC) {
        r->dev_end = (size_t)lround(c->split * (double)x->g.height);
        r->host_begin = r->dev_end;
        r->host_end = x->g.height;
    }
    atomic_init(&r->host_counter, 0);
    int status;
    double t0;
    if (policy == POLICY_DYNAMIC_SVM) {
        r->image = x->svm_image;
        r->next = &x->svm_counters[0];
        memset(x->svm_image, 0xFF, x->g.width * x->g.height * sizeof(uint32_t)); /* poison */
        /* no kernel runs: plain stores; the enqueue publishes them to the device */
        atomic_store_explicit(&x->svm_counters[0], 0, memory_order_relaxed);
        atomic_store_explicit(&x->svm_counters[1], 0, memory_order_relaxed);
        t0 = hx_now();
        status = run_svm(r);
    } else {
        t0 = hx_now();
        status = hx_threads_run(r->host_threads + (r->with_proxy ? 1 : 0), run_thread, r);
        if (status == HX_OK && r->proxy_error[0])
            status = hx_fail(HX_ERR_RUNTIME, "%s", r->proxy_error);
    }
    s->wall = hx_now() - t0;
    if (policy == POLICY_DYNAMIC_SVM && status == HX_OK) /* read in place; copied to verify */
        memcpy(out, x->svm_image, x->g.width * x->g.height * sizeof(uint32_t));
    s->dev_busy = r->dev_busy;
    s->dev_chunks = (double)r->dev_chunks;
    s->dev_rows = (double)r->dev_rows;
    uint64_t host_chunks = 0, host_rows = 0;
    s->host_busy = 0.0;
    for (unsigned i = 0; i < r->host_threads; i++) {
        s->host_busy += r->busy[i];
        host_chunks += r->chunks[i];
        host_rows += r->rows[i];
    }
    s->host_chunks = (double)host_chunks;
    s->host_rows = (double)host_rows;
    if (policy == POLICY_DYNAMIC_SVM) /* every row was claimed exactly once */
        s->dev_rows = (double)(x->g.height - host_rows);
    free(r);
    return status;
}

/* ---- one policy: warm-up, timed runs, each verified --------------------------------------- */

typedef struct sched_result {
    sched_policy policy;
    bool ran;
    char skip_reason[512];
    hx_stats wall;
    double dev_busy, host_busy, dev_chunks, host_chunks, dev_rows, host_rows; /* medians */
    double speedup_serial, speedup_best;
    bool verified;
    double max_err, tolerance;
} sched_result;

/* Median over n runs of the field at `offset` (offsetof(sched_sample, FIELD)). */
static double median_of(const sched_sample *s, int n, size_t offset) {
    double v[MAX_REPS];
    for (int i = 0; i < n; i++)
        memcpy(&v[i], (const char *)&s[i] + offset, sizeof v[i]);
    return hx_stats_of(v, (size_t)n).median;
}

static int run_policy(sched_ctx *x, sched_policy policy, sched_result *res) {
    const sched_config *c = x->c;
    hx_instance *in = &x->in;
    sched_sample samples[MAX_REPS];
    res->policy = policy;
    res->verified = true;
    for (int i = 0; i < c->warmup + c->reps; i++) {
        memset(in->out, 0xFF, in->problem.out_bytes); /* a row nobody wrote cannot pass */
        sched_sample s;
        HX_TRY(run_once(x, policy, in->out, &s));
        hx_verdict v;
        in->problem.workload->verify(&in->problem, in->out, in->ref, &v);
        if (!v.ok || v.max_err > res->max_err) {
            res->max_err = v.max_err;
            res->tolerance = v.tolerance;
        }
        res->verified &= v.ok;
        if (i >= c->warmup)
            samples[i - c->warmup] = s;
    }
    double walls[MAX_REPS];
    for (int i = 0; i < c->reps; i++)
        walls[i] = samples[i].wall;
    res->wall = hx_stats_of(walls, (size_t)c->reps);
    res->dev_busy = median_of(samples, c->reps, offsetof(sched_sample, dev_busy));
    res->host_busy = median_of(samples, c->reps, offsetof(sched_sample, host_busy));
    res->dev_chunks = median_of(samples, c->reps, offsetof(sched_sample, dev_chunks));
    res->host_chunks = median_of(samples, c->reps, offsetof(sched_sample, host_chunks));
    res->dev_rows = median_of(samples, c->reps, offsetof(sched_sample, dev_rows));
    res->host_rows = median_of(samples, c->reps, offsetof(sched_sample, host_rows));
    res->ran = true;
    return HX_OK;
}

static int measure_serial(sched_ctx *x) {
    hx_instance *in = &x->in;
    hx_cpu_fn serial = in->problem.workload->cpu[HX_BACKEND_SERIAL];
    double t[MAX_REPS];
    for (int i = 0; i < x->c->warmup; i++)
        serial(&in->problem, in->ref);
    for (int i = 0; i < x->c->reps; i++) {
        double t0 = hx_now();
        serial(&in->problem, in->ref);
        t[i] = hx_now() - t0;
    }
    x->serial_median = hx_stats_of(t, (size_t)x->c->reps).median;
    in->have_reference = true;
    return HX_OK;
}

/* ---- reports ------------------------------------------------------------------------------ */

static const char *policy_label(const sched_config *c, sched_policy p, char *buf, size_t len) {
    if (p == POLICY_STATIC)
        snprintf(buf, len, "static (%.2f)", c->split);
    else
        snprintf(buf, len, "%s", policy_names[p]);
    return buf;
}

static int write_table(FILE *out, const sched_ctx *x, const sched_result *rs) {
    static const char *const headers[] = {"policy",        "median",     "min..max",  "speedup",
                                          "vs best alone", "dev chunks", "dev rows",  "dev busy",
                                          "host chunks",   "host rows",  "host busy", "verified"};
    hx_table *t = hx_table_new(12, headers, "lrrrrrrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    const sched_config *c = x->c;
    for (int p = 0; p < POLICY_COUNT; p++) {
        const sched_result *r = &rs[p];
        if (!r->ran)
            continue;
        char label[32], med[32], mn[32], mx[32], db[32], hb[32];
        hx_format_seconds(med, sizeof med, r->wall.median);
        hx_format_seconds(mn, sizeof mn, r->wall.min);
        hx_format_seconds(mx, sizeof mx, r->wall.max);
        hx_format_seconds(db, sizeof db, r->dev_busy);
        hx_format_seconds(hb, sizeof hb, r->host_busy);
        hx_table_row(t);
        hx_table_cell(t, "%s", policy_label(c, (sched_policy)p, label, sizeof label));
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%.2fx", r->speedup_serial);
        hx_table_cell(t, "%.2fx", r->speedup_best);
        hx_table_cell(t, "%.0f", r->dev_chunks);
        hx_table_cell(t, "%.0f", r->dev_rows);
        hx_table_cell(t, "%s", db);
        hx_table_cell(t, "%.0f", r->host_chunks);
        hx_table_cell(t, "%.0f", r->host_rows);
        hx_table_cell(t, "%s", hb);
        hx_table_cell(t, r->verified ? "yes" : "NO (err %.2g > %.2g)", r->max_err, r->tolerance);
    }
    char serial[32];
    hx_format_seconds(serial, sizeof serial, x->serial_median);
    fprintf(out,
            "mandelbrot %zux%zu, %u iterations; device '%s'; %d host threads; chunk %llu rows; "
            "%llu in flight (proxy)\n",
            x->g.width, x->g.height, x->g.max_iter, x->dev->name, c->threads,
            (unsigned long long)c->chunk, (unsigned long long)c->inflight);
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "median of %d runs after %d warm-up, each verified; speedup = serial median (%s) / "
            "median; vs best alone = faster of device-only and host-only / median\n"
            "busy: device = kernel time (event profiling); host = time in row computation, "
            "summed over threads; median over runs\n",
            c->reps, c->warmup, serial);
    if (x->dev->type & CL_DEVICE_TYPE_CPU)
        fputs("note: the OpenCL device is this CPU, so device and host threads share its cores\n",
              out);
    for (int p = 0; p < POLICY_COUNT; p++)
        if (!rs[p].ran && rs[p].skip_reason[0])
            fprintf(out, "skipped: %s: %s\n", policy_names[p], rs[p].skip_reason);
    return HX_OK;
}

static void json_side(hx_json *j, const char *key, double chunks, double rows, double busy) {
    hx_json_key(j, key);
    hx_json_object_begin(j);
    hx_json_kv_number(j, "chunks", chunks);
    hx_json_kv_number(j, "rows", rows);
    hx_json_kv_number(j, "busy_s", busy);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const sched_ctx *x, const sched_result *rs) {
    const sched_config *c = x->c;
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", SCHED_SCHEMA);
    hx_json_kv_string(&j, "workload", "mandelbrot");
    hx_json_kv_int(&j, "size", (int64_t)x->g.width);
    hx_json_kv_int(&j, "iters", x->g.max_iter);
    hx_json_kv_string(&j, "device", x->dev->name);
    hx_json_kv_int(&j, "threads", c->threads);
    hx_json_kv_int(&j, "chunk", (int64_t)c->chunk);
    hx_json_kv_int(&j, "inflight", (int64_t)c->inflight);
    hx_json_kv_number(&j, "split", c->split);
    hx_json_kv_int(&j, "reps", c->reps);
    hx_json_kv_int(&j, "warmup", c->warmup);
    hx_json_kv_number(&j, "serial_s", x->serial_median);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (int p = 0; p < POLICY_COUNT; p++) {
        const sched_result *r = &rs[p];
        if (!r->ran)
            continue;
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "policy", policy_names[p]);
        hx_json_kv_stats(&j, "time_s", &r->wall);
        hx_json_kv_number(&j, "speedup_vs_serial", r->speedup_serial);
        hx_json_kv_number(&j, "speedup_vs_best_alone", r->speedup_best);
        json_side(&j, "device", r->dev_chunks, r->dev_rows, r->dev_busy);
        json_side(&j, "host", r->host_chunks, r->host_rows, r->host_busy);
        hx_json_kv_bool(&j, "verified", r->verified);
        hx_json_kv_number(&j, "max_err", r->max_err);
        hx_json_kv_number(&j, "tolerance", r->tolerance);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_key(&j, "skipped");
    hx_json_array_begin(&j);
    for (int p = 0; p < POLICY_COUNT; p++) {
        if (rs[p].ran || !rs[p].skip_reason[0])
            continue;
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "policy", policy_names[p]);
        hx_json_kv_string(&j, "reason", rs[p].skip_reason);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

static void csv_num(FILE *out, double v) {
    fprintf(out, ",%.9g", v);
}

static int write_csv(FILE *out, const sched_ctx *x, const sched_result *rs) {
    fputs("policy,size,iters,device,threads,chunk,split,time_median_s,time_min_s,time_max_s,"
          "speedup_vs_serial,speedup_vs_best_alone,device_chunks,device_rows,device_busy_s,"
          "host_chunks,host_rows,host_busy_s,verified\n",
          out);
    for (int p = 0; p < POLICY_COUNT; p++) {
        const sched_result *r = &rs[p];
        if (!r->ran)
            continue;
        hx_csv_field(out, policy_names[p], 1);
        fprintf(out, ",%zu,%u", x->g.width, x->g.max_iter);
        hx_csv_field(out, x->dev->name, 0);
        fprintf(out, ",%d,%llu", x->c->threads, (unsigned long long)x->c->chunk);
        csv_num(out, x->c->split);
        csv_num(out, r->wall.median);
        csv_num(out, r->wall.min);
        csv_num(out, r->wall.max);
        csv_num(out, r->speedup_serial);
        csv_num(out, r->speedup_best);
        csv_num(out, r->dev_chunks);
        csv_num(out, r->dev_rows);
        csv_num(out, r->dev_busy);
        csv_num(out, r->host_chunks);
        csv_num(out, r->host_rows);
        csv_num(out, r->host_busy);
        fprintf(out, ",%s\n", r->verified ? "true" : "false");
    }
    return HX_OK;
}

static int write_report(const sched_ctx *x, const sched_result *rs) {
    hx_output out;
    HX_TRY(hx_output_open(&out, x->c->output));
    int status;
    switch (x->c->format) {
    case HX_FORMAT_JSON:
        status = write_json(out.fp, x, rs);
        break;
    case HX_FORMAT_CSV:
        status = write_csv(out.fp, x, rs);
        break;
    default:
        status = write_table(out.fp, x, rs);
    }
    if (status == HX_OK)
        return hx_output_commit(&out);
    hx_output_abort(&out);
    return status;
}

/* ---- co-scheduling ---------------------------------------------------------------------- */

static int co_schedule(sched_ctx *x) {
    const sched_config *c = x->c;
    const hx_workload *w = hx_workload_find("mandelbrot");
    if (!w)
        return hx_fail(HX_ERR_MISSING, "this build has no mandelbrot workload");
    double params[HX_MAX_PARAMS] = {0};
    for (size_t i = 0; i < w->nparams && i < HX_MAX_PARAMS; i++)
        params[i] = strcmp(w->params[i].name, "iters") == 0 ? (double)c->iters : w->params[i].def;
    HX_TRY(hx_workload_check_size(w, "--size", c->size)); /* before any device is touched */
    HX_TRY(open_device(x));
    HX_TRY(hx_instance_init(&x->in, w, c->size, 42, c->threads, params));
    x->have_instance = true;
    hx_mandelbrot_geometry_of(&x->in.problem, &x->g);
    (void)hx_cpu(); /* detect the CPU once, before threads ask for it */
    x->local = hx_ocl_stream_local_size(x->dev);
    HX_TRY(prepare_rows_kernel(x));

    sched_result rs[POLICY_COUNT];
    memset(rs, 0, sizeof rs);
    bool svm_wanted = c->want[POLICY_DYNAMIC_SVM];
    const char *missing = hx_svm_atomics_missing(x->dev->svm, x->dev->c11_atomics);
    if (svm_wanted && missing) {
        bool only_svm = true;
        for (int p = 0; p < POLICY_COUNT; p++)
            only_svm &= p == POLICY_DYNAMIC_SVM || !c->want[p];
        if (only_svm)
            return hx_svm_require_atomics(x->dev, "--policy=dynamic-svm");
        snprintf(rs[POLICY_DYNAMIC_SVM].skip_reason, sizeof rs[0].skip_reason,
                 "device '%s' has %s (needs fine-grain buffer SVM with atomics)", x->dev->name,
                 missing);
        hx_notice("skipping dynamic-svm: %s", rs[POLICY_DYNAMIC_SVM].skip_reason);
        svm_wanted = false;
    }
    if (svm_wanted)
        HX_TRY(prepare_persist_kernel(x));

    HX_TRY(measure_serial(x));
    bool run[POLICY_COUNT];
    for (int p = 0; p < POLICY_COUNT; p++)
        run[p] = c->want[p] || p == POLICY_DEVICE_ONLY || p == POLICY_HOST_ONLY;
    run[POLICY_DYNAMIC_SVM] = svm_wanted;
    for (int p = 0; p < POLICY_COUNT; p++)
        if (run[p])
            HX_TRY(run_policy(x, (sched_policy)p, &rs[p]));
    double best = fmin(rs[POLICY_DEVICE_ONLY].wall.median, rs[POLICY_HOST_ONLY].wall.median);
    bool failed = false;
    for (int p = 0; p < POLICY_COUNT; p++) {
        if (!rs[p].ran)
            continue;
        rs[p].speedup_serial = x->serial_median / rs[p].wall.median;
        rs[p].speedup_best = best / rs[p].wall.median;
        failed |= !rs[p].verified;
    }
    HX_TRY(write_report(x, rs));
    if (failed)
        return hx_fail(HX_ERR_RUNTIME, "a co-scheduled image differs from the serial image beyond "
                                       "mandelbrot's tolerance (see the verified column)");
    return HX_OK;
}

/* ---- --svm-stress ------------------------------------------------------------------------- */

/* The --svm-stress summary in the chosen --format, to stdout or --output. */
static void write_stress(FILE *out, const sched_ctx *x, uint64_t updates, double seconds) {
    const sched_config *c = x->c;
    if (c->format == HX_FORMAT_JSON) {
        hx_json j;
        hx_json_init(&j, out, true);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "schema", STRESS_SCHEMA);
        hx_json_kv_string(&j, "workload", "histogram-coop");
        hx_json_kv_string(&j, "device", x->dev->name);
        hx_json_kv_int(&j, "runs", (int64_t)c->stress);
        hx_json_kv_int(&j, "seed", (int64_t)c->seed);
        hx_json_kv_int(&j, "atomic_updates", (int64_t)updates);
        hx_json_kv_bool(&j, "exact", true);
        hx_json_kv_number(&j, "seconds", seconds);
        hx_json_object_end(&j);
        hx_json_end(&j);
    } else if (c->format == HX_FORMAT_CSV) {
        fputs("workload,device,runs,seed,atomic_updates,exact,seconds\n", out);
        fprintf(out, "histogram-coop,\"%s\",%llu,%llu,%llu,true", x->dev->name,
                (unsigned long long)c->stress, (unsigned long long)c->seed,
                (unsigned long long)updates);
        hx_csv_number(out, seconds);
        fputc('\n', out);
    } else {
        fprintf(out,
                "svm-stress: %llu runs on '%s', %llu atomic updates from device and host threads "
                "on shared SVM bins, every count exact (%.2f s)\n",
                (unsigned long long)c->stress, x->dev->name, (unsigned long long)updates, seconds);
    }
}

static int write_stress_report(const sched_ctx *x, uint64_t updates, double seconds) {
    hx_output out;
    HX_TRY(hx_output_open(&out, x->c->output));
    write_stress(out.fp, x, updates, seconds);
    return hx_output_commit(&out);
}

/* N runs of histogram-coop, each with a random size, bin count, device share, host thread count
 * and input memory mode, on the shared SVM bins; the binding holds each run to the serial counts,
 * so a lost or doubled atomic update fails the command with the run that showed it. */
static int svm_stress(sched_ctx *x) {
    const sched_config *c = x->c;
    const hx_workload *w = hx_workload_find("histogram-coop");
    if (!w)
        return hx_fail(HX_ERR_MISSING, "this build has no histogram-coop workload");
    HX_TRY(open_device(x));
    HX_TRY(hx_svm_require_atomics(x->dev, "--svm-stress"));
    hx_mem_mode modes[HX_MEM_COUNT];
    size_t nmodes = 0;
    for (int m = 0; m < HX_MEM_COUNT; m++)
        if (hx_mem_supported(x->dev, (hx_mem_mode)m))
            modes[nmodes++] = (hx_mem_mode)m;
    uint64_t updates = 0;
    double t0 = hx_now();
    for (uint64_t i = 0; i < c->stress; i++) {
        uint64_t bits = hx_rng_bits(c->seed, 11, i);
        uint64_t size = 1 + hx_rng_bits(c->seed, 12, i) % (1u << 18);
        double params[HX_MAX_PARAMS] = {0};
        params[0] = (double)(1 + (bits % 4 == 0 ? bits % 3 : (bits >> 8) % 4096)); /* bins */
        params[1] = (double)((bits >> 20) % 101) / 100.0; /* device share 0..1 */
        if ((bits >> 28) % 8 == 0)
            params[1] = (bits >> 31) % 2 ? 1.0 : 0.0; /* the edges: one side only */
        int threads = 1 + (int)((bits >> 32) % 4);
        hx_mem_mode mem = modes[(bits >> 36) % nmodes];
        hx_instance in;
        HX_TRY(hx_instance_init(&in, w, size, c->seed + i, threads, params));
        hx_ocl_job job;
        int status = hx_ocl_job_start(&job, &x->session, w->ocl, &in.problem, size, mem);
        double k, e;
        if (status == HX_OK) {
            status = hx_ocl_job_run(&job, w->ocl, in.out, &k, &e);
            hx_ocl_job_finish(&job, w->ocl);
        }
        if (status != HX_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", hx_error_message());
            status = hx_fail(status,
                             "--svm-stress run %llu (size %llu, %g bins, device share %.2f, %d "
                             "host threads, %s): %s",
                             (unsigned long long)i, (unsigned long long)size, params[0], params[1],
                             threads, hx_mem_name(mem), why);
        }
        hx_instance_free(&in);
        HX_TRY(status);
        updates += size;
    }
    return write_stress_report(x, updates, hx_now() - t0);
}

int hx_cmd_sched(int argc, char **argv) {
    sched_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help) {
        sched_help(stdout);
        return HX_OK;
    }
    if (status == HX_OK && c.threads > MAX_HOST_THREADS)
        status = hx_fail(HX_ERR_USAGE, "--threads %d is more than %d", c.threads, MAX_HOST_THREADS);
    sched_ctx x;
    memset(&x, 0, sizeof x);
    x.c = &c;
    if (status == HX_OK)
        status = c.stress ? svm_stress(&x) : co_schedule(&x);
    close_ctx(&x);
    return hx_report_error(status);
}
