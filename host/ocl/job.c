/*
 * job.c - one workload's OpenCL run: memory in the chosen mode, kernels, timed launches.
 *
 * The job owns every kernel, memory object and event its binding creates, and releases them in
 * reverse order in hx_ocl_job_finish(), so a binding holds no cleanup code and an error half way
 * through prepare leaks nothing.
 *
 * How each mode moves data (what the e2e time of a run includes):
 *   buffer      upload = clEnqueueWriteBuffer, download = clEnqueueReadBuffer (the copies over
 *               the bus on a discrete GPU; memcpy inside the runtime on a CPU device);
 *   svm-coarse  upload/download = clEnqueueSVMMap, memcpy, clEnqueueSVMUnmap: the map hands the
 *               region to the host, the unmap hands it back;
 *   svm-fine    upload/download = plain memcpy into/out of the shared allocation: no runtime call
 *               at all, the device sees the host's stores (after the queue is idle);
 *   zero-copy   (devices with host-unified memory) the cl_mem is made over the workload's own
 *               page-aligned array with CL_MEM_USE_HOST_PTR - the input itself at the first
 *               upload, the output itself at the first download (that one run copies) - and
 *               upload/download become clEnqueueMapBuffer + unmap: the map hands the region to
 *               the host and, on such a device, returns the same address without copying.
 *               Where that cannot be (an unaligned or partial array, a buffer the kernels also
 *               write that comes from an input, a runtime that maps elsewhere) the transfer is a
 *               map + memcpy, as svm-coarse.
 * So every mode's e2e time pays for the same work - inputs in, kernels, result out - and the modes
 * compare honestly; zero-copy's "in" and "out" are the maps, because there is nothing to copy.  A
 * real fine-grain SVM application would not copy at all: it would produce its inputs in the shared
 * allocation and read the result there.  job->in_place times that (svm-fine only): inputs already
 * placed from the same source are not copied again, and the result is copied out for verification
 * after the clock has stopped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/timer.h"
#include "hetero/ocl/ocl.h"

size_t hx_round_up(size_t n, size_t m) {
    return m ? (n + m - 1) / m * m : n;
}

static void release_events(hx_ocl_job *job) {
    for (size_t i = 0; i < job->nevents; i++)
        clReleaseEvent(job->events[i]);
    job->nevents = 0;
}

static void release_mem(hx_ocl_job *job, hx_ocl_mem *m) {
    if (m->buffer)
        clReleaseMemObject(m->buffer);
    hx_free(m->backing); /* after the buffer that lives in it */
    m->backing = NULL;
    if (m->svm)
        clSVMFree(job->session->context, m->svm);
    m->buffer = NULL;
    m->svm = NULL;
}

void hx_ocl_job_finish(hx_ocl_job *job, const hx_ocl_binding *b) {
    if (job->session && job->session->queue)
        clFinish(job->session->queue);
    release_events(job);
    if (b && b->release)
        b->release(job);
    while (job->nkernels > 0)
        clReleaseKernel(job->kernels[--job->nkernels]);
    while (job->nmems > 0)
        release_mem(job, &job->mems[--job->nmems]);
    free(job->state);
    job->state = NULL;
}

const char *hx_ocl_build_options(const hx_ocl_device *d, const hx_ocl_binding *b, char *buf,
                                 size_t len) {
    const char *extra = b->options ? b->options : "";
    bool c30 = (b->needs_c11_atomics || b->c11_atomics_if_available) && d->c11_atomics &&
               !strstr(extra, "-cl-std=");
    snprintf(buf, len, "%s%s%s", c30 ? "-cl-std=CL3.0" : "", c30 && *extra ? " " : "", extra);
    return buf;
}

int hx_ocl_job_start(hx_ocl_job *job, hx_ocl_session *s, const hx_ocl_binding *b,
                     const struct hx_problem *p, uint64_t size, hx_mem_mode mem) {
    memset(job, 0, sizeof *job);
    job->session = s;
    job->problem = p;
    job->size = size;
    job->mem = mem;
    const hx_ocl_device *d = s->dev;
    if (b->needs_fp64 && !d->fp64)
        return hx_fail(HX_ERR_MISSING, "device '%s' has no fp64 (cl_khr_fp64), which %s needs",
                       d->name, b->file);
    if (b->needs_c11_atomics && !d->c11_atomics)
        return hx_fail(HX_ERR_MISSING,
                       "device '%s' (%s) has no OpenCL C 3.0 device-scope atomics, which %s needs",
                       d->name, d->c_version, b->file);
    if (!hx_mem_supported(d, mem)) {
        char caps[128];
        return hx_fail(HX_ERR_MISSING, "device '%s' has no %s memory; its SVM capabilities: %s",
                       d->name, hx_mem_name(mem), hx_ocl_svm_describe(d->svm, caps, sizeof caps));
    }
    char opts[512];
    hx_ocl_build_options(d, b, opts, sizeof opts);
    int status = b->configure ? b->configure(job, opts, sizeof opts) : HX_OK;
    if (status == HX_OK)
        status = hx_ocl_program(s, b->file, opts, &job->program);
    if (status == HX_OK && b->prepare)
        status = b->prepare(job);
    if (status != HX_OK)
        hx_ocl_job_finish(job, b);
    return status;
}

int hx_ocl_event_seconds(cl_event e, double *seconds) {
    cl_ulong start = 0, end = 0;
    *seconds = 0.0;
    HX_CL(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL));
    HX_CL(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL));
    *seconds = end > start ? (double)(end - start) * 1e-9 : 0.0;
    return HX_OK;
}

/* In place: outputs start as all bits set, so a kernel that skipped an element cannot pass on the
 * previous run's result left in the shared allocation. */
static void poison_outputs(hx_ocl_job *job) {
    if (!job->in_place)
        return;
    for (size_t i = 0; i < job->nmems; i++)
        if (job->mems[i].mode == HX_MEM_SVM_FINE && job->mems[i].access != HX_MEM_READ)
            memset(job->mems[i].svm, 0xFF, job->mems[i].bytes);
}

/* In place: the results the consumer read in the shared allocation, copied out for verification
 * once the clock has stopped (the queue is idle). */
static void finish_deferred(hx_ocl_job *job) {
    for (size_t i = 0; i < job->nmems; i++) {
        hx_ocl_mem *m = &job->mems[i];
        if (m->deferred_dst)
            memcpy(m->deferred_dst, m->svm, m->bytes);
        m->deferred_dst = NULL;
    }
}

int hx_ocl_job_run(hx_ocl_job *job, const hx_ocl_binding *b, void *out, double *kernel_s,
                   double *e2e_s) {
    release_events(job);
    poison_outputs(job);
    double t0 = hx_now();
    int status = b->run(job, out);
    cl_int err = clFinish(job->session->queue);
    double t1 = hx_now();
    if (status == HX_OK && err != CL_SUCCESS)
        status = hx_ocl_fail(err, "clFinish");
    finish_deferred(job);
    double k = 0.0;
    for (size_t i = 0; status == HX_OK && i < job->nevents; i++) {
        double s;
        status = hx_ocl_event_seconds(job->events[i], &s);
        k += s;
    }
    release_events(job);
    *kernel_s = k;
    *e2e_s = t1 - t0;
    return status;
}

int hx_ocl_state(hx_ocl_job *job, size_t bytes, void **out) {
    free(job->state);
    job->state = calloc(1, bytes ? bytes : 1);
    if (!job->state)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    *out = job->state;
    return HX_OK;
}

size_t hx_ocl_stream_local_size(const hx_ocl_device *d) {
    size_t want = (d->type & CL_DEVICE_TYPE_CPU) ? 1024 : 256;
    size_t max = d->max_work_group ? d->max_work_group : 1;
    while (want > max)
        want /= 2;
    return want ? want : 1;
}

int hx_ocl_kernel(hx_ocl_job *job, const char *name, cl_kernel *out) {
    if (job->nkernels == HX_OCL_MAX_KERNELS)
        return hx_fail(HX_ERR_RUNTIME, "too many kernels in one OpenCL job");
    cl_int err;
    cl_kernel k = clCreateKernel(job->program, name, &err);
    if (err != CL_SUCCESS)
        return hx_fail(HX_ERR_RUNTIME, "OpenCL call clCreateKernel(%s) failed: %s", name,
                       hx_ocl_error_name(err));
    job->kernels[job->nkernels++] = k;
    *out = k;
    return HX_OK;
}

static cl_mem_flags access_flags(hx_mem_access a) {
    return a == HX_MEM_READ    ? CL_MEM_READ_ONLY
           : a == HX_MEM_WRITE ? CL_MEM_WRITE_ONLY
                               : CL_MEM_READ_WRITE;
}

int hx_ocl_alloc(hx_ocl_job *job, size_t bytes, hx_mem_access access, hx_ocl_mem **out) {
    const hx_ocl_device *d = job->session->dev;
    char need[32], have[32];
    if (bytes > d->max_alloc)
        return hx_fail(HX_ERR_USAGE,
                       "--size %llu needs a %s buffer, more than device '%s' allows in one "
                       "allocation (%s)",
                       (unsigned long long)job->size, hx_format_bytes(bytes, need, sizeof need),
                       d->name, hx_format_bytes(d->max_alloc, have, sizeof have));
    size_t total = bytes;
    for (size_t i = 0; i < job->nmems; i++)
        total += job->mems[i].bytes;
    if (total > d->global_mem)
        return hx_fail(HX_ERR_USAGE,
                       "--size %llu needs %s of device memory, more than device '%s' has (%s)",
                       (unsigned long long)job->size, hx_format_bytes(total, need, sizeof need),
                       d->name, hx_format_bytes(d->global_mem, have, sizeof have));
    if (job->nmems == HX_OCL_MAX_MEMS)
        return hx_fail(HX_ERR_RUNTIME, "too many memory objects in one OpenCL job");
    hx_ocl_mem *m = &job->mems[job->nmems];
    memset(m, 0, sizeof *m);
    m->mode = job->mem;
    m->access = access;
    m->bytes = bytes;
    cl_int err = CL_SUCCESS;
    if ((job->mem == HX_MEM_BUFFER && (d->type & CL_DEVICE_TYPE_CPU)) ||
        job->mem == HX_MEM_ZERO_COPY) {
        /* A CPU device computes in host memory anyway: give it memory allocated the way the host
         * backends' arrays are (2 MiB aligned, advised into huge pages), so the comparison is of
         * the code, not of the page size.  Uploads and downloads still copy, as in buffer mode
         * on any device. */
        if (hx_alloc_checked(&m->backing, bytes ? bytes : 1, "an OpenCL buffer") != HX_OK)
            return HX_ERR_RUNTIME;
        m->buffer =
            clCreateBuffer(job->session->context, access_flags(access) | CL_MEM_USE_HOST_PTR,
                           bytes ? bytes : 1, m->backing, &err);
        if (err != CL_SUCCESS) {
            hx_free(m->backing);
            m->backing = NULL;
            return hx_ocl_fail(err, "clCreateBuffer");
        }
        /* zero-copy: this backing is a stand-in until the buffer wraps the workload's array */
    } else if (job->mem == HX_MEM_BUFFER) {
        m->buffer = clCreateBuffer(job->session->context, access_flags(access), bytes ? bytes : 1,
                                   NULL, &err);
        if (err != CL_SUCCESS)
            return hx_ocl_fail(err, "clCreateBuffer");
    } else {
        cl_svm_mem_flags flags = CL_MEM_READ_WRITE;
        if (job->mem == HX_MEM_SVM_FINE)
            flags |= CL_MEM_SVM_FINE_GRAIN_BUFFER;
        m->svm = clSVMAlloc(job->session->context, flags, bytes ? bytes : 1, 0);
        if (!m->svm)
            return hx_fail(HX_ERR_RUNTIME, "clSVMAlloc of %s (%s) failed on '%s'",
                           hx_format_bytes(bytes, need, sizeof need), hx_mem_name(job->mem),
                           d->name);
    }
    job->nmems++;
    *out = m;
    return HX_OK;
}

int hx_ocl_arg_mem(cl_kernel k, cl_uint idx, hx_ocl_mem *m) {
    if (m->svm) {
        HX_CL(clSetKernelArgSVMPointer(k, idx, m->svm));
        return HX_OK;
    }
    HX_CL(clSetKernelArg(k, idx, sizeof(cl_mem), &m->buffer));
    for (size_t i = 0; i < m->nargs; i++)
        if (m->args[i].kernel == k && m->args[i].index == idx)
            return HX_OK;
    if (m->nargs == HX_OCL_MAX_MEM_ARGS)
        return hx_fail(HX_ERR_RUNTIME, "one memory object is an argument of more than %d kernels",
                       HX_OCL_MAX_MEM_ARGS);
    m->args[m->nargs].kernel = k;
    m->args[m->nargs++].index = idx;
    return HX_OK;
}

/* ---- zero-copy ----------------------------------------------------------------------------- */

#define ZERO_COPY_ALIGN 4096 /* page-aligned, as CL_MEM_USE_HOST_PTR wants for no copy */

/* Whether m may be made to wrap host array p: whole, page-aligned, and not already wrapped by
 * another memory object of the job (two cl_mem over one array would alias). */
static bool can_wrap(const hx_ocl_job *job, const hx_ocl_mem *m, const void *p) {
    if ((uintptr_t)p % ZERO_COPY_ALIGN != 0 || m->bytes == 0)
        return false;
    for (size_t i = 0; i < job->nmems; i++)
        if (&job->mems[i] != m && job->mems[i].host == p)
            return false;
    return true;
}

/* Replace m's buffer by one over host array p (CL_MEM_USE_HOST_PTR), or over new memory of its
 * own when p is NULL, and set it again wherever the old one was a kernel argument.  An array p
 * outlives the job (the workload's input or the run's output), which releases the buffer before
 * anyone frees the array. */
static int wrap(hx_ocl_job *job, hx_ocl_mem *m, void *p) {
    void *backing = NULL;
    if (!p && hx_alloc_checked(&backing, m->bytes, "an OpenCL buffer") != HX_OK)
        return HX_ERR_RUNTIME;
    cl_int err;
    cl_mem buffer =
        clCreateBuffer(job->session->context, access_flags(m->access) | CL_MEM_USE_HOST_PTR,
                       m->bytes, p ? p : backing, &err);
    for (size_t i = 0; err == CL_SUCCESS && i < m->nargs; i++) {
        err = clSetKernelArg(m->args[i].kernel, m->args[i].index, sizeof buffer, &buffer);
        if (err != CL_SUCCESS)
            clReleaseMemObject(buffer);
    }
    if (err != CL_SUCCESS) {
        hx_free(backing);
        return hx_ocl_fail(err, "clCreateBuffer(CL_MEM_USE_HOST_PTR) or clSetKernelArg");
    }
    clReleaseMemObject(m->buffer);
    hx_free(m->backing);
    m->backing = backing;
    m->buffer = buffer;
    m->host = p;
    return HX_OK;
}

/* Map all of m and copy to or from the host array p only when the map is not p itself; unmap.
 * to_device (p -> m): the map is not waited for when it is p - the host has nothing to write, and
 * the in-order queue puts the unmap, then the kernels, after it; a map elsewhere is waited for
 * and filled.  From the device (m -> p): the map is waited for, as the host reads the result. */
static int map_transfer(hx_ocl_job *job, hx_ocl_mem *m, void *p, bool to_device) {
    cl_command_queue q = job->session->queue;
    cl_int err;
    cl_event mapped_ev = NULL;
    void *mapped = clEnqueueMapBuffer(q, m->buffer, to_device ? CL_FALSE : CL_TRUE,
                                      to_device ? CL_MAP_WRITE : CL_MAP_READ, 0, m->bytes, 0, NULL,
                                      to_device ? &mapped_ev : NULL, &err);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clEnqueueMapBuffer");
    if (mapped != p && to_device)
        err = clWaitForEvents(1, &mapped_ev);
    if (mapped_ev)
        clReleaseEvent(mapped_ev);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clWaitForEvents (map)");
    if (mapped != p) {
        if (to_device)
            memcpy(mapped, p, m->bytes);
        else
            memcpy(p, mapped, m->bytes);
    }
    HX_CL(clEnqueueUnmapMemObject(q, m->buffer, mapped, 0, NULL, NULL));
    return HX_OK;
}

/* Inputs: a read-only buffer becomes the input array itself; the kernels cannot change it.  A
 * buffer the kernels write must not be the workload's input, so it is filled through a map. */
static int zero_copy_upload(hx_ocl_job *job, hx_ocl_mem *m, const void *src) {
    if (m->host != src && m->access == HX_MEM_READ) {
        if (can_wrap(job, m, src))
            HX_TRY(wrap(job, m, (void *)src)); /* CL_MEM_READ_ONLY: never written through */
        else if (m->host)
            HX_TRY(wrap(job, m, NULL)); /* never copy into another input array */
    }
    return map_transfer(job, m, (void *)src, true);
}

/* Outputs: this run's result is copied out through the map, then the buffer becomes dst, so the
 * next runs' kernels write the result in place. */
static int zero_copy_download(hx_ocl_job *job, hx_ocl_mem *m, void *dst) {
    if (m->host == dst)
        return map_transfer(job, m, dst, false);
    HX_TRY(map_transfer(job, m, dst, false));
    if (m->access != HX_MEM_READ && can_wrap(job, m, dst))
        HX_TRY(wrap(job, m, dst));
    return HX_OK;
}

int hx_ocl_upload(hx_ocl_job *job, hx_ocl_mem *m, const void *src) {
    cl_command_queue q = job->session->queue;
    switch (m->mode) {
    case HX_MEM_BUFFER:
        /* non-blocking: src is problem input and outlives the run; the in-order queue puts the
         * copy before the kernels */
        HX_CL(clEnqueueWriteBuffer(q, m->buffer, CL_FALSE, 0, m->bytes, src, 0, NULL, NULL));
        return HX_OK;
    case HX_MEM_SVM_COARSE:
        HX_CL(clEnqueueSVMMap(q, CL_TRUE, CL_MAP_WRITE_INVALIDATE_REGION, m->svm, m->bytes, 0, NULL,
                              NULL));
        memcpy(m->svm, src, m->bytes);
        HX_CL(clEnqueueSVMUnmap(q, m->svm, 0, NULL, NULL));
        return HX_OK;
    case HX_MEM_SVM_FINE:
        if (job->in_place && m->access == HX_MEM_READ && m->placed == src)
            return HX_OK;   /* produced in place: the allocation already holds these inputs */
        HX_CL(clFinish(q)); /* the device must be done with the region before the host writes */
        memcpy(m->svm, src, m->bytes);
        m->placed = m->access == HX_MEM_READ ? src : NULL;
        return HX_OK;
    case HX_MEM_ZERO_COPY:
        return zero_copy_upload(job, m, src);
    default:
        return hx_fail(HX_ERR_RUNTIME, "unknown memory mode");
    }
}

int hx_ocl_download(hx_ocl_job *job, hx_ocl_mem *m, void *dst) {
    cl_command_queue q = job->session->queue;
    switch (m->mode) {
    case HX_MEM_BUFFER:
        HX_CL(clEnqueueReadBuffer(q, m->buffer, CL_TRUE, 0, m->bytes, dst, 0, NULL, NULL));
        return HX_OK;
    case HX_MEM_SVM_COARSE:
        HX_CL(clEnqueueSVMMap(q, CL_TRUE, CL_MAP_READ, m->svm, m->bytes, 0, NULL, NULL));
        memcpy(dst, m->svm, m->bytes);
        HX_CL(clEnqueueSVMUnmap(q, m->svm, 0, NULL, NULL));
        return HX_OK;
    case HX_MEM_SVM_FINE:
        HX_CL(clFinish(q)); /* kernels done: their stores are visible to the host */
        if (job->in_place)
            m->deferred_dst = dst; /* read in place; copied out after the timed region */
        else
            memcpy(dst, m->svm, m->bytes);
        return HX_OK;
    case HX_MEM_ZERO_COPY:
        return zero_copy_download(job, m, dst);
    default:
        return hx_fail(HX_ERR_RUNTIME, "unknown memory mode");
    }
}

int hx_ocl_launch(hx_ocl_job *job, cl_kernel k, cl_uint dims, const size_t *global,
                  const size_t *local) {
    if (job->nevents == HX_OCL_MAX_EVENTS)
        return hx_fail(HX_ERR_RUNTIME, "more than %d kernel launches in one run",
                       HX_OCL_MAX_EVENTS);
    cl_event e;
    HX_CL(clEnqueueNDRangeKernel(job->session->queue, k, dims, NULL, global, local, 0, NULL, &e));
    job->events[job->nevents++] = e;
    return HX_OK;
}
