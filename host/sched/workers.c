/*
 * workers.c - one run of one co-scheduling policy (see sched.h): the host workers, the device's
 * proxy thread, and dynamic-svm's persistent kernel beside the host workers.
 *
 * Host workers are pthreads (core/threads.h: ThreadSanitizer can check them).  The OpenCL queue
 * is used by one thread at a time: the proxy thread during a run, the calling thread otherwise.
 * Each thread writes only its own result slot; the calling thread reads them after the join.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/threads.h"
#include "hetero/core/timer.h"
#include "internal.h"

static void host_rows(sched_run *r, unsigned slot, hx_sched_range rows) {
    double t0 = hx_now();
    hx_mandelbrot_rows(&r->x->in.problem, r->image, rows.begin, rows.end);
    r->busy[slot] += hx_now() - t0;
    r->chunks[slot]++;
    r->rows[slot] += rows.end - rows.begin;
}

/* A host thread: claim chunks until the counter passes the last row (or its static block). */
static void host_worker(sched_run *r, unsigned slot) {
    if (r->policy == HX_SCHED_STATIC) {
        hx_sched_range b = hx_sched_host_block(r->host.begin, r->host.end, slot, r->host_threads);
        if (b.end > b.begin)
            host_rows(r, slot, b);
        return;
    }
    for (;;) {
        uint32_t row = atomic_fetch_add_explicit(r->next, r->chunk, memory_order_relaxed);
        hx_sched_range c = hx_sched_chunk(row, r->chunk, r->height);
        if (c.end == c.begin)
            return;
        host_rows(r, slot, c);
    }
}

/* Enqueue rows of chunk c on the device and their read-back into the host image. */
static cl_int enqueue_chunk(sched_run *r, hx_sched_range c, cl_event *kernel_done,
                            cl_event *read_done) {
    return hx_mandelbrot_device_enqueue(&r->x->rows, c.begin, c.end, r->image, kernel_done,
                                        read_done);
}

/* The proxy's next chunk for the device: the one static range, or a claim from the counter. */
static bool next_device_chunk(sched_run *r, bool *exhausted, hx_sched_range *c) {
    if (r->policy != HX_SCHED_DYNAMIC_PROXY) {
        *exhausted = true;
        *c = r->dev;
    } else {
        uint32_t row = atomic_fetch_add_explicit(r->next, r->chunk, memory_order_relaxed);
        *c = hx_sched_chunk(row, r->chunk, r->height);
        *exhausted = c->end == c->begin;
    }
    return c->end > c->begin;
}

/* Wait for the oldest chunk in flight, add its kernel time, release it.  An error is kept as
 * text: the error message is per thread. */
static void retire_chunk(sched_run *r, cl_event kernel, cl_event read) {
    cl_int err = clWaitForEvents(1, &read);
    double busy = 0.0;
    if (err != CL_SUCCESS && !r->proxy_error[0])
        snprintf(r->proxy_error, sizeof r->proxy_error, "OpenCL call clWaitForEvents failed: %s",
                 hx_ocl_error_name(err));
    else if (err == CL_SUCCESS && hx_ocl_event_seconds(kernel, &busy) != HX_OK &&
             !r->proxy_error[0])
        snprintf(r->proxy_error, sizeof r->proxy_error, "%s", hx_error_message());
    r->dev_busy += busy;
    clReleaseEvent(kernel);
    clReleaseEvent(read);
}

/* The device's host-side proxy: claim a chunk for the device and enqueue it, keeping up to
 * --inflight chunks queued; retire the oldest when full. */
static void device_proxy(sched_run *r) {
    cl_event kernels[HX_SCHED_MAX_INFLIGHT], reads[HX_SCHED_MAX_INFLIGHT];
    size_t head = 0, count = 0, depth = r->x->c->inflight;
    bool exhausted = false;
    cl_int err = CL_SUCCESS;
    for (;;) {
        hx_sched_range c;
        while (err == CL_SUCCESS && !r->proxy_error[0] && !exhausted && count < depth &&
               next_device_chunk(r, &exhausted, &c)) {
            size_t slot = (head + count) % HX_SCHED_MAX_INFLIGHT;
            err = enqueue_chunk(r, c, &kernels[slot], &reads[slot]);
            if (err != CL_SUCCESS)
                break;
            count++;
            r->dev_chunks++;
            r->dev_rows += c.end - c.begin;
        }
        if (count == 0)
            break;
        retire_chunk(r, kernels[head], reads[head]);
        head = (head + 1) % HX_SCHED_MAX_INFLIGHT;
        count--;
    }
    if (err != CL_SUCCESS)
        snprintf(r->proxy_error, sizeof r->proxy_error,
                 "OpenCL call enqueueing a chunk (clEnqueueNDRangeKernel/ReadBuffer) failed: %s",
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
    HX_CL(clEnqueueNDRangeKernel(x->session->queue, x->persist_kernel, 1, NULL, &global, &x->local,
                                 0, NULL, &done));
    cl_int err = clFlush(x->session->queue);
    int status = err == CL_SUCCESS ? hx_threads_run(r->host_threads, run_thread, r)
                                   : hx_ocl_fail(err, "clFlush");
    err = clWaitForEvents(1, &done); /* the kernel's image stores are now visible to the host */
    if (status == HX_OK && err != CL_SUCCESS)
        status = hx_ocl_fail(err, "clWaitForEvents");
    if (status == HX_OK)
        status = hx_ocl_event_seconds(done, &r->dev_busy);
    clReleaseEvent(done);
    HX_TRY(status);
    r->dev_chunks = atomic_load_explicit(&x->svm_counters[1], memory_order_relaxed);
    return HX_OK;
}

/* Before the clock starts: the SVM image poisoned, the counters zeroed. */
static void prepare_svm_run(sched_run *r) {
    sched_ctx *x = r->x;
    r->image = x->svm_image;
    r->next = &x->svm_counters[0];
    memset(x->svm_image, 0xFF, x->g.width * x->g.height * sizeof(uint32_t));
    /* no kernel runs: plain stores; the enqueue publishes them to the device */
    atomic_store_explicit(&x->svm_counters[0], 0, memory_order_relaxed);
    atomic_store_explicit(&x->svm_counters[1], 0, memory_order_relaxed);
}

static void collect(const sched_run *r, sched_sample *s) {
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
    if (r->policy == HX_SCHED_DYNAMIC_SVM) /* every row was claimed exactly once */
        s->dev_rows = (double)(r->height - host_rows);
}

int hx_sched_run_once(sched_ctx *x, hx_sched_policy policy, uint32_t *out, sched_sample *s) {
    const hx_sched_config *c = x->c;
    sched_run *r = calloc(1, sizeof *r);
    if (!r)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    r->x = x;
    r->policy = policy;
    r->chunk = (uint32_t)c->chunk;
    r->height = (uint32_t)x->g.height;
    r->next = &r->host_counter;
    r->host_threads = policy == HX_SCHED_DEVICE_ONLY ? 0 : (unsigned)c->threads;
    r->with_proxy = policy != HX_SCHED_HOST_ONLY && policy != HX_SCHED_DYNAMIC_SVM;
    r->image = out;
    r->dev = hx_sched_device_rows(policy, c->split, x->g.height);
    r->host.begin = r->dev.end;
    r->host.end = x->g.height;
    atomic_init(&r->host_counter, 0);
    int status;
    if (policy == HX_SCHED_DYNAMIC_SVM)
        prepare_svm_run(r);
    double t0 = hx_now();
    if (policy == HX_SCHED_DYNAMIC_SVM) {
        status = run_svm(r);
    } else {
        status = hx_threads_run(r->host_threads + (r->with_proxy ? 1 : 0), run_thread, r);
        if (status == HX_OK && r->proxy_error[0])
            status = hx_fail(HX_ERR_RUNTIME, "%s", r->proxy_error);
    }
    s->wall = hx_now() - t0;
    if (policy == HX_SCHED_DYNAMIC_SVM && status == HX_OK) /* read in place; copied to verify */
        memcpy(out, x->svm_image, x->g.width * x->g.height * sizeof(uint32_t));
    collect(r, s);
    free(r);
    return status;
}
