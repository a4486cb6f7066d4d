/*
 * bench_ocl.c - an OpenCL device's figures for `hetero devices --bench`.
 *
 * NAME     device memory ceiling, peak FLOP/s, launch latency, transfers, atomics
 * PURPOSE  the ceilings an opencl row of `hetero run` can reach, from the kernels in
 *          kernels/bench_*.cl, measured as upper bounds (the best kernel, the best repetition),
 *          so a result can be read as a fraction of them (--roofline).
 * NOTES    kernel figures (stream, FLOP/s, atomics) are timed by event profiling
 *          (END - START of the kernel's event: the kernel alone, no launch or transfer).
 *          stream: copy, scale, add and triad, each with streaming and with plain stores, count
 *          words read + words written times 4 bytes over arrays of at least 64 MiB (4 x the
 *          host's last-level cache for a CPU device, 256 MiB on other devices, never more than
 *          the device's allocation limit); each kernel's figure is the better store kind and
 *          the memory ceiling the best of all eight.
 *          FLOP/s: 8 FMA chains per work-item on scalars and on 2-, 4-, 8- and 16-wide vectors;
 *          the fastest width is the figure (the note gives every width); iterations are raised
 *          until one kernel runs for at least 2 ms.
 *          launch: host wall time from clEnqueueNDRangeKernel of an empty one-work-item kernel
 *          to the return of clFinish - what a host loop pays per dependent launch.
 *          transfers: host wall time of a blocking clEnqueueWrite/ReadBuffer of 64 MiB (or a
 *          quarter of the allocation limit) from ordinary (pageable) host memory, and from
 *          pinned memory: a CL_MEM_ALLOC_HOST_PTR buffer mapped into the host.
 *          atomics: OpenCL 1.1 atomic_add, each work-item on its own cache line, then every one
 *          on one address; the shared count is checked exactly.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"

#define MIN_REPS      3
#define MAX_REPS      200
#define ATOMIC_STRIDE 16 /* uints: one 64-byte line per counter */
#define ATOMIC_ITERS  16

typedef struct ocl_ctx {
    hx_ocl_session s;
    const hx_ocl_device *d;
    size_t local;
    /* stream */
    size_t n; /* floats per array, a multiple of local */
    cl_mem a, b, c;
    cl_kernel stream, empty, atomic;
    int stream_words; /* words read + written per element by the kernel in `stream` */
    float va, vb, vc; /* every element of a, b, c holds the same value: what it must be */
    /* flops */
    cl_kernel flops;
    size_t flops_global, flops_local;
    int flops_iters;
    double flops_per_wi_iter;
    cl_mem out;
    /* transfers */
    size_t xfer_bytes;
    void *host; /* pageable or pinned source/destination */
    cl_mem dev_buf;
    bool to_device;
    /* atomics */
    cl_mem counters;
    cl_uint mask;
    size_t atomic_global;
} ocl_ctx;

static int kernel_seconds(ocl_ctx *x, cl_kernel k, size_t global, size_t local, double *s) {
    cl_event ev;
    HX_CL(clEnqueueNDRangeKernel(x->s.queue, k, 1, NULL, &global, &local, 0, NULL, &ev));
    cl_int err = clWaitForEvents(1, &ev);
    cl_ulong t0 = 0, t1 = 0;
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
    clReleaseEvent(ev);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clGetEventProfilingInfo");
    *s = (double)(t1 - t0) * 1e-9;
    if (*s <= 0)
        *s = 1e-9; /* below the profiling resolution */
    return HX_OK;
}

static int make_kernel(cl_program p, const char *name, cl_kernel *k) {
    cl_int err;
    *k = clCreateKernel(p, name, &err);
    return err == CL_SUCCESS ? HX_OK : hx_ocl_fail(err, "clCreateKernel");
}

static int make_buffer(ocl_ctx *x, cl_mem_flags flags, size_t bytes, cl_mem *m) {
    cl_int err;
    *m = clCreateBuffer(x->s.context, flags, bytes, NULL, &err);
    return err == CL_SUCCESS ? HX_OK : hx_ocl_fail(err, "clCreateBuffer");
}

static int fill(ocl_ctx *x, cl_mem m, float v, size_t bytes) {
    HX_CL(clEnqueueFillBuffer(x->s.queue, m, &v, sizeof v, 0, bytes, 0, NULL, NULL));
    return HX_OK;
}

/* ---- streaming --------------------------------------------------------------------------------
 */

static int sample_stream(void *v, double *gbps) {
    ocl_ctx *x = v;
    double s = 0;
    HX_TRY(kernel_seconds(x, x->stream, x->n / 4, x->local, &s)); /* float4 per work-item */
    *gbps = 4.0 * x->stream_words * (double)x->n / s * 1e-9;
    return HX_OK;
}

static size_t stream_bytes(const hx_ocl_device *d) {
    size_t want = (size_t)256 << 20;
    if (d->type & CL_DEVICE_TYPE_CPU) {
        want = 4 * hx_cpu_llc_bytes();
        if (want < ((size_t)64 << 20))
            want = (size_t)64 << 20;
    }
    if (want > d->max_alloc)
        want = (size_t)d->max_alloc;
    if (d->global_mem && want > d->global_mem / 8)
        want = (size_t)(d->global_mem / 8);
    return want;
}

static const struct {
    const char *name;
    int words;
    hx_figure_id fig;
    int nargs; /* buffers a, b, c in the kernel's order, then the scalar if any */
    int buffers[3];
    bool scalar;
} stream_kernels[] = {
    {"copy", 2, HX_FIG_COPY_GBPS, 2, {0, 2}, false},     /* c = a */
    {"scale", 2, HX_FIG_SCALE_GBPS, 2, {1, 2}, true},    /* b = s*c */
    {"add", 3, HX_FIG_ADD_GBPS, 3, {0, 1, 2}, false},    /* c = a + b */
    {"triad", 3, HX_FIG_TRIAD_GBPS, 3, {0, 1, 2}, true}, /* a = b + s*c */
};
#define NSTREAM (sizeof stream_kernels / sizeof stream_kernels[0])

/* Each kernel gives the same output for the same inputs: apply kernel k once to the expected
 * values, then read the first and last element of its output back and compare. */
static int check_stream(ocl_ctx *x, size_t k, float s) {
    static const int output[] = {2, 1, 2, 0}; /* c, b, c, a */
    float *v[3] = {&x->va, &x->vb, &x->vc};
    float next[] = {x->va, s * x->vc, x->va + x->vb, x->vb + s * x->vc};
    *v[output[k]] = next[k];
    cl_mem bufs[3] = {x->a, x->b, x->c};
    size_t at[2] = {0, x->n - 1};
    for (int i = 0; i < 2; i++) {
        float got = 0;
        HX_CL(clEnqueueReadBuffer(x->s.queue, bufs[output[k]], CL_TRUE, at[i] * sizeof got,
                                  sizeof got, &got, 0, NULL, NULL));
        if (fabsf(got - *v[output[k]]) > 1e-6f * fabsf(*v[output[k]]))
            return hx_fail(HX_ERR_RUNTIME, "bench_%s on '%s': element %zu = %g, expected %g",
                           stream_kernels[k].name, x->d->name, at[i], got, *v[output[k]]);
    }
    return HX_OK;
}

/* One kernel, one store kind: its samples into f (an untimed launch first: PoCL compiles the
 * work-group function at the first launch). */
static int stream_variant(ocl_ctx *x, cl_program p, size_t k, bool nt, double budget,
                          hx_figure *f) {
    char name[48];
    snprintf(name, sizeof name, "bench_%s%s", stream_kernels[k].name, nt ? "_nt" : "");
    HX_TRY(make_kernel(p, name, &x->stream));
    cl_mem bufs[3] = {x->a, x->b, x->c};
    float s = 3.0f;
    int status = HX_OK;
    for (int i = 0; i < stream_kernels[k].nargs; i++) {
        cl_mem m = bufs[stream_kernels[k].buffers[i]];
        cl_int err = clSetKernelArg(x->stream, (cl_uint)i, sizeof m, &m);
        if (err != CL_SUCCESS)
            status = hx_ocl_fail(err, "clSetKernelArg");
    }
    if (status == HX_OK && stream_kernels[k].scalar) {
        cl_int err = clSetKernelArg(x->stream, (cl_uint)stream_kernels[k].nargs, sizeof s, &s);
        if (err != CL_SUCCESS)
            status = hx_ocl_fail(err, "clSetKernelArg");
    }
    x->stream_words = stream_kernels[k].words;
    double warm;
    if (status == HX_OK)
        status = sample_stream(x, &warm);
    if (status == HX_OK)
        status = hx_bench_repeat(f, sample_stream, x, budget, MIN_REPS + 2, MAX_REPS);
    if (status == HX_OK)
        status = check_stream(x, k, s);
    clReleaseKernel(x->stream);
    x->stream = NULL;
    return status;
}

static int bench_stream(ocl_ctx *x, cl_program p, hx_device_record *r, double budget) {
    x->local = hx_ocl_stream_local_size(x->d);
    x->n = stream_bytes(x->d) / sizeof(float) / (4 * x->local) * (4 * x->local);
    if (x->n == 0)
        return hx_fail(HX_ERR_RUNTIME, "device '%s' allows too small an allocation", x->d->name);
    size_t bytes = x->n * sizeof(float);
    HX_TRY(make_buffer(x, CL_MEM_READ_WRITE, bytes, &x->a));
    HX_TRY(make_buffer(x, CL_MEM_READ_WRITE, bytes, &x->b));
    HX_TRY(make_buffer(x, CL_MEM_READ_WRITE, bytes, &x->c));
    x->va = 1.0f, x->vb = 2.0f, x->vc = 0.5f;
    HX_TRY(fill(x, x->a, x->va, bytes));
    HX_TRY(fill(x, x->b, x->vb, bytes));
    HX_TRY(fill(x, x->c, x->vc, bytes));
    hx_figure all[NSTREAM][2];
    memset(all, 0, sizeof all);
    for (size_t k = 0; k < NSTREAM; k++)
        for (int nt = 0; nt < 2; nt++)
            HX_TRY(stream_variant(x, p, k, nt, budget / (2 * NSTREAM), &all[k][nt]));
    int best_k, best_nt;
    hx_stream_pick(r, (const hx_figure(*)[2])all, &best_k, &best_nt);
    for (size_t k = 0; k < NSTREAM; k++)
        snprintf(r->fig[stream_kernels[k].fig].note, sizeof r->fig[0].note,
                 "kernel time (event profiling), %s stores (best: streaming %.1f, plain %.1f "
                 "GB/s), %d x %zu MiB buffers, float4 per work-item, local size %zu",
                 all[k][1].stats.max >= all[k][0].stats.max ? "streaming" : "plain",
                 all[k][1].stats.max, all[k][0].stats.max, stream_kernels[k].words, bytes >> 20,
                 x->local);
    hx_figure *bw = &r->fig[HX_FIG_BANDWIDTH_GBPS];
    snprintf(bw->note, sizeof bw->note,
             "the best of copy/scale/add/triad x streaming/plain stores: %s with %s stores, "
             "kernel time (event profiling), %zu MiB buffers",
             stream_kernels[best_k].name, best_nt ? "streaming" : "plain", bytes >> 20);
    return HX_OK;
}

/* ---- FLOP/s ------------------------------------------------------------------------------------
 */

static int sample_flops(void *v, double *gflops) {
    ocl_ctx *x = v;
    double s = 0;
    HX_TRY(kernel_seconds(x, x->flops, x->flops_global, x->flops_local, &s));
    *gflops = (double)x->flops_global * x->flops_iters * x->flops_per_wi_iter / s * 1e-9;
    return HX_OK;
}

/* Raise the iteration count until one kernel takes >= 2 ms (or a cap is hit). */
static int calibrate_flops(ocl_ctx *x) {
    for (x->flops_iters = 64;; x->flops_iters *= 2) {
        HX_CL(clSetKernelArg(x->flops, 2, sizeof x->flops_iters, &x->flops_iters));
        double s;
        HX_TRY(kernel_seconds(x, x->flops, x->flops_global, x->flops_local, &s));
        if (s >= 2e-3 || x->flops_iters >= (1 << 20))
            return HX_OK;
    }
}

static int bench_one_width(ocl_ctx *x, cl_program p, const char *name, bool fp64, int lanes,
                           hx_figure *f, double budget) {
    HX_TRY(make_kernel(p, name, &x->flops));
    HX_CL(clSetKernelArg(x->flops, 0, sizeof x->out, &x->out));
    if (fp64) {
        double seed = 1.0;
        HX_CL(clSetKernelArg(x->flops, 1, sizeof seed, &seed));
    } else {
        float seed = 1.0f;
        HX_CL(clSetKernelArg(x->flops, 1, sizeof seed, &seed));
    }
    x->flops_per_wi_iter = 8.0 * lanes * 2.0;
    int status = calibrate_flops(x);
    if (status == HX_OK)
        status = hx_bench_repeat(f, sample_flops, x, budget, MIN_REPS, MAX_REPS);
    clReleaseKernel(x->flops);
    x->flops = NULL;
    return status;
}

static int bench_peak(ocl_ctx *x, hx_device_record *r, bool fp64, double budget) {
    hx_figure *f = &r->fig[fp64 ? HX_FIG_FP64_GFLOPS : HX_FIG_FP32_GFLOPS];
    if (fp64 && !x->d->fp64) {
        snprintf(f->note, sizeof f->note, "not measured: the device has no fp64");
        return HX_OK;
    }
    cl_program p;
    HX_TRY(hx_ocl_program(&x->s, "bench_flops.cl", fp64 ? "-DBENCH_FP64" : NULL, &p));
    bool cpu = x->d->type & CL_DEVICE_TYPE_CPU;
    x->flops_local = hx_ocl_stream_local_size(x->d);
    if (!cpu && x->flops_local > 256)
        x->flops_local = 256;
    x->flops_global =
        (size_t)(x->d->compute_units ? x->d->compute_units : 1) * x->flops_local * (cpu ? 2 : 8);
    if (!x->out)
        HX_TRY(make_buffer(x, CL_MEM_WRITE_ONLY, x->flops_global * sizeof(double), &x->out));
    static const int lanes[] = {1, 2, 4, 8, 16};
    hx_figure widths[5];
    memset(widths, 0, sizeof widths);
    int best = 0;
    for (int w = 0; w < 5; w++) {
        char name[32];
        snprintf(name, sizeof name, "bench_fp%d_x%d", fp64 ? 64 : 32, lanes[w]);
        HX_TRY(bench_one_width(x, p, name, fp64, lanes[w], &widths[w], budget / 5));
        if (widths[w].stats.max > widths[best].stats.max)
            best = w;
    }
    *f = widths[best];
    snprintf(f->method, sizeof f->method, "best of reps, fastest of 5 vector widths");
    snprintf(f->note, sizeof f->note,
             "kernel time (event profiling), %zu work-items x 8 FMA chains of %s%d (best per "
             "width 1/2/4/8/16: %.1f/%.1f/%.1f/%.1f/%.1f GFLOP/s)",
             x->flops_global, fp64 ? "double" : "float", lanes[best], widths[0].stats.max,
             widths[1].stats.max, widths[2].stats.max, widths[3].stats.max, widths[4].stats.max);
    return HX_OK;
}

/* ---- launch latency ---------------------------------------------------------------------------
 */

static int sample_launch(void *v, double *us) {
    ocl_ctx *x = v;
    size_t one = 1;
    double t0 = hx_now();
    HX_CL(clEnqueueNDRangeKernel(x->s.queue, x->empty, 1, NULL, &one, &one, 0, NULL, NULL));
    HX_CL(clFinish(x->s.queue));
    *us = (hx_now() - t0) * 1e6;
    return HX_OK;
}

/* ---- transfers --------------------------------------------------------------------------------
 */

static int sample_transfer(void *v, double *gbps) {
    ocl_ctx *x = v;
    double t0 = hx_now();
    if (x->to_device)
        HX_CL(clEnqueueWriteBuffer(x->s.queue, x->dev_buf, CL_TRUE, 0, x->xfer_bytes, x->host, 0,
                                   NULL, NULL));
    else
        HX_CL(clEnqueueReadBuffer(x->s.queue, x->dev_buf, CL_TRUE, 0, x->xfer_bytes, x->host, 0,
                                  NULL, NULL));
    *gbps = (double)x->xfer_bytes / (hx_now() - t0) * 1e-9;
    return HX_OK;
}

static int transfer_pair(ocl_ctx *x, hx_figure *h2d, hx_figure *d2h, double budget) {
    double warm;
    x->to_device = true;
    HX_TRY(sample_transfer(x, &warm));
    HX_TRY(hx_bench_repeat(h2d, sample_transfer, x, budget, MIN_REPS, MAX_REPS));
    x->to_device = false;
    HX_TRY(sample_transfer(x, &warm));
    return hx_bench_repeat(d2h, sample_transfer, x, budget, MIN_REPS, MAX_REPS);
}

static int bench_transfers(ocl_ctx *x, hx_device_record *r, double budget) {
    x->xfer_bytes = (size_t)64 << 20;
    if (x->xfer_bytes > x->d->max_alloc / 4)
        x->xfer_bytes = (size_t)(x->d->max_alloc / 4);
    HX_TRY(make_buffer(x, CL_MEM_READ_WRITE, x->xfer_bytes, &x->dev_buf));
    /* pageable: ordinary host memory, touched first so page faults are not timed */
    void *pageable = NULL;
    HX_TRY(hx_alloc_checked(&pageable, x->xfer_bytes, "transfer buffer"));
    memset(pageable, 1, x->xfer_bytes);
    x->host = pageable;
    int status = transfer_pair(x, &r->fig[HX_FIG_H2D_GBPS], &r->fig[HX_FIG_D2H_GBPS], budget);
    hx_free(pageable);
    x->host = NULL;
    HX_TRY(status);
    /* pinned: the runtime's own host allocation, mapped once for the host to use */
    cl_mem pinned;
    HX_TRY(make_buffer(x, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, x->xfer_bytes, &pinned));
    cl_int err;
    x->host = clEnqueueMapBuffer(x->s.queue, pinned, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                                 x->xfer_bytes, 0, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        clReleaseMemObject(pinned);
        return hx_ocl_fail(err, "clEnqueueMapBuffer");
    }
    memset(x->host, 1, x->xfer_bytes);
    status =
        transfer_pair(x, &r->fig[HX_FIG_H2D_PINNED_GBPS], &r->fig[HX_FIG_D2H_PINNED_GBPS], budget);
    clEnqueueUnmapMemObject(x->s.queue, pinned, x->host, 0, NULL, NULL);
    clFinish(x->s.queue);
    clReleaseMemObject(pinned);
    x->host = NULL;
    const char *what[4] = {"pageable host memory -> device buffer",
                           "device buffer -> pageable host memory",
                           "pinned (ALLOC_HOST_PTR, mapped) -> device buffer",
                           "device buffer -> pinned (ALLOC_HOST_PTR, mapped)"};
    for (int i = 0; i < 4; i++) {
        snprintf(r->fig[HX_FIG_H2D_GBPS + i].method, sizeof r->fig[0].method, "median of reps");
        snprintf(r->fig[HX_FIG_H2D_GBPS + i].note, sizeof r->fig[0].note,
                 "%s, %zu MiB, host wall time of a blocking call", what[i], x->xfer_bytes >> 20);
    }
    return status;
}

/* ---- atomics ----------------------------------------------------------------------------------
 */

static int sample_atomic(void *v, double *gops) {
    ocl_ctx *x = v;
    size_t slots = x->mask ? x->atomic_global : 1;
    cl_uint zero = 0;
    HX_CL(clEnqueueFillBuffer(x->s.queue, x->counters, &zero, sizeof zero, 0,
                              slots * ATOMIC_STRIDE * sizeof(cl_uint), 0, NULL, NULL));
    double s = 0;
    HX_TRY(kernel_seconds(x, x->atomic, x->atomic_global, x->local, &s));
    double ops = (double)x->atomic_global * ATOMIC_ITERS;
    if (x->mask == 0) {
        cl_uint got = 0;
        HX_CL(clEnqueueReadBuffer(x->s.queue, x->counters, CL_TRUE, 0, sizeof got, &got, 0, NULL,
                                  NULL));
        cl_uint want = (cl_uint)((uint64_t)x->atomic_global * ATOMIC_ITERS);
        if (got != want)
            return hx_fail(HX_ERR_RUNTIME, "atomic_add on '%s' lost updates: %u of %u", x->d->name,
                           got, want);
    }
    *gops = ops / s * 1e-9;
    return HX_OK;
}

static int bench_atomics(ocl_ctx *x, cl_program p, hx_device_record *r, double budget) {
    /* a power of two (a multiple of the power-of-two local size), so gid & (global-1) works */
    x->atomic_global = x->local;
    while (x->atomic_global * 2 <= x->flops_global)
        x->atomic_global *= 2;
    HX_TRY(make_buffer(x, CL_MEM_READ_WRITE, x->atomic_global * ATOMIC_STRIDE * sizeof(cl_uint),
                       &x->counters));
    HX_TRY(make_kernel(p, "bench_atomic", &x->atomic));
    cl_uint stride = ATOMIC_STRIDE, iters = ATOMIC_ITERS;
    HX_CL(clSetKernelArg(x->atomic, 0, sizeof x->counters, &x->counters));
    HX_CL(clSetKernelArg(x->atomic, 2, sizeof stride, &stride));
    HX_CL(clSetKernelArg(x->atomic, 3, sizeof iters, &iters));
    cl_uint masks[2] = {(cl_uint)(x->atomic_global - 1), 0};
    hx_figure *figs[2] = {&r->fig[HX_FIG_ATOMIC_GOPS], &r->fig[HX_FIG_ATOMIC_SHARED_GOPS]};
    for (int i = 0; i < 2; i++) {
        x->mask = masks[i];
        HX_CL(clSetKernelArg(x->atomic, 1, sizeof x->mask, &x->mask));
        double warm;
        HX_TRY(sample_atomic(x, &warm));
        HX_TRY(hx_bench_repeat(figs[i], sample_atomic, x, budget, MIN_REPS, MAX_REPS));
        snprintf(figs[i]->method, sizeof figs[i]->method, "median of reps");
        snprintf(figs[i]->note, sizeof figs[i]->note,
                 "kernel time (event profiling), %zu work-items x %d atomic_add, %s",
                 x->atomic_global, ATOMIC_ITERS,
                 i == 0 ? "one cache line each" : "all on one address");
    }
    return HX_OK;
}

/* ---- driver ------------------------------------------------------------------------------------
 */

static void release_ctx(ocl_ctx *x) {
    cl_kernel ks[] = {x->stream, x->empty, x->atomic, x->flops};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (ks[i])
            clReleaseKernel(ks[i]);
    cl_mem ms[] = {x->a, x->b, x->c, x->out, x->dev_buf, x->counters};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (ms[i])
            clReleaseMemObject(ms[i]);
    hx_ocl_session_close(&x->s);
}

static int free_stream_buffers(ocl_ctx *x) {
    cl_mem *ms[] = {&x->a, &x->b, &x->c};
    for (size_t i = 0; i < 3; i++) {
        if (*ms[i])
            clReleaseMemObject(*ms[i]);
        *ms[i] = NULL;
    }
    return HX_OK;
}

static int run_all(ocl_ctx *x, hx_device_record *r, double budget) {
    cl_program p;
    HX_TRY(hx_ocl_program(&x->s, "bench_stream.cl", NULL, &p));
    HX_TRY(bench_stream(x, p, r, budget));
    HX_TRY(free_stream_buffers(x)); /* leave room for the transfer buffers */
    HX_TRY(bench_peak(x, r, false, budget));
    HX_TRY(bench_peak(x, r, true, budget));
    HX_TRY(make_kernel(p, "bench_empty", &x->empty));
    double warm;
    HX_TRY(sample_launch(x, &warm));
    HX_TRY(
        hx_bench_repeat(&r->fig[HX_FIG_LAUNCH_US], sample_launch, x, budget, MIN_REPS, MAX_REPS));
    snprintf(r->fig[HX_FIG_LAUNCH_US].method, sizeof r->fig[0].method, "median of reps");
    snprintf(r->fig[HX_FIG_LAUNCH_US].note, sizeof r->fig[0].note,
             "host wall time, enqueue of an empty 1-work-item kernel to the return of clFinish");
    HX_TRY(bench_transfers(x, r, budget / 2));
    return bench_atomics(x, p, r, budget);
}

int hx_bench_ocl(const hx_ocl_device *d, hx_device_record *r, const hx_bench_opts *o) {
    ocl_ctx x;
    memset(&x, 0, sizeof x);
    x.d = d;
    HX_TRY(hx_ocl_session_open(d, &x.s));
    int status = run_all(&x, r, o->seconds / 8);
    release_ctx(&x);
    if (status == HX_OK)
        r->benched = true;
    return status;
}
