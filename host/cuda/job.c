/*
 * job.c - one workload's CUDA run: device memory, timed launches, and the measuring loop.
 *
 * A job owns the device memory and the CUDA events its binding uses and frees them in
 * hx_cuda_job_finish(), so a binding has no cleanup code and an error half way through prepare
 * leaks nothing.  Events are created once per job and reused by every run: run k's launch j uses
 * pair j, so repetitions create no new driver objects.
 *
 * What the two times of a run include (the same split as the opencl rows):
 *   kernel  the sum over launches of cudaEventElapsedTime(start, stop): device time only;
 *   e2e     host wall time from before the uploads to after the download and a synchronise,
 *           i.e. cudaMemcpy host->device, every kernel, cudaMemcpy device->host.
 */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/timer.h"
#include "hetero/cuda/cuda.h"

int hx_cuda_state(hx_cuda_job *job, size_t bytes, void **out) {
    free(job->state);
    job->state = calloc(1, bytes ? bytes : 1);
    if (!job->state)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    *out = job->state;
    return HX_OK;
}

int hx_cuda_alloc(hx_cuda_job *job, size_t bytes, const char *what, void **out) {
    *out = NULL;
    if (job->nmems == HX_CUDA_MAX_MEMS)
        return hx_fail(HX_ERR_RUNTIME, "too many device allocations in one CUDA job");
    char need[32], have[32];
    if (job->dev && bytes > job->dev->global_mem)
        return hx_fail(
            HX_ERR_USAGE, "--size %llu needs %s of device memory for %s, more than '%s' has (%s)",
            (unsigned long long)job->size, hx_format_bytes(bytes, need, sizeof need), what,
            job->dev->name, hx_format_bytes(job->dev->global_mem, have, sizeof have));
    void *p = NULL;
    cudaError_t err = cudaMalloc(&p, bytes ? bytes : 1);
    if (err != cudaSuccess) {
        char text[256];
        return hx_fail(err == cudaErrorMemoryAllocation ? HX_ERR_USAGE : hx_cuda_error_status(err),
                       "CUDA call cudaMalloc(%s) of %s for %s failed: %s",
                       hx_format_bytes(bytes, need, sizeof need), what,
                       job->dev ? job->dev->name : "the device",
                       hx_cuda_error_text(err, text, sizeof text));
    }
    job->mems[job->nmems++] = p;
    *out = p;
    return HX_OK;
}

int hx_cuda_upload(hx_cuda_job *job, void *dev_dst, const void *host_src, size_t bytes) {
    (void)job;
    HX_CUDA(cudaMemcpy(dev_dst, host_src, bytes, cudaMemcpyHostToDevice));
    return HX_OK;
}

int hx_cuda_download(hx_cuda_job *job, void *host_dst, const void *dev_src, size_t bytes) {
    (void)job;
    HX_CUDA(cudaMemcpy(host_dst, dev_src, bytes, cudaMemcpyDeviceToHost));
    return HX_OK;
}

int hx_cuda_zero(hx_cuda_job *job, void *dev, size_t bytes) {
    (void)job;
    HX_CUDA(cudaMemset(dev, 0, bytes));
    return HX_OK;
}

/* Event `i` of the job, created on first use. */
static int job_event(hx_cuda_job *job, size_t i, cudaEvent_t *out) {
    while (job->nevents <= i) {
        cudaEvent_t e;
        HX_CUDA(cudaEventCreate(&e));
        job->events[job->nevents++] = e;
    }
    *out = (cudaEvent_t)job->events[i];
    return HX_OK;
}

int hx_cuda_launch_begin(hx_cuda_job *job) {
    if (job->nlaunches == HX_CUDA_MAX_LAUNCHES)
        return hx_fail(HX_ERR_RUNTIME, "more than %d kernel launches in one CUDA run",
                       HX_CUDA_MAX_LAUNCHES);
    if (job->open)
        return hx_fail(HX_ERR_RUNTIME, "internal: hx_cuda_launch_begin twice without end");
    cudaEvent_t start = NULL;
    HX_TRY(job_event(job, 2 * job->nlaunches, &start));
    HX_CUDA(cudaEventRecord(start, 0));
    job->open = true;
    return HX_OK;
}

int hx_cuda_launch_end(hx_cuda_job *job, const char *kernel) {
    if (!job->open)
        return hx_fail(HX_ERR_RUNTIME, "internal: hx_cuda_launch_end without begin");
    job->open = false;
    cudaError_t err = cudaGetLastError(); /* a bad configuration shows here, at launch */
    if (err != cudaSuccess) {
        char call[128];
        snprintf(call, sizeof call, "launch of kernel %s", kernel);
        return hx_cuda_fail(err, call);
    }
    cudaEvent_t stop = NULL;
    HX_TRY(job_event(job, 2 * job->nlaunches + 1, &stop));
    HX_CUDA(cudaEventRecord(stop, 0));
    job->nlaunches++;
    return HX_OK;
}

void hx_cuda_job_finish(hx_cuda_job *job, const hx_cuda_binding *b) {
    cudaDeviceSynchronize(); /* nothing may still use what is freed below */
    if (b && b->release)
        b->release(job);
    while (job->nmems > 0)
        cudaFree(job->mems[--job->nmems]);
    while (job->nevents > 0)
        cudaEventDestroy((cudaEvent_t)job->events[--job->nevents]);
    free(job->state);
    job->state = NULL;
}

int hx_cuda_job_start(hx_cuda_job *job, const hx_cuda_binding *b, const struct hx_problem *p,
                      uint64_t size, const hx_cuda_device *dev) {
    memset(job, 0, sizeof *job);
    job->problem = p;
    job->size = size;
    job->dev = dev;
    HX_CUDA(cudaSetDevice(dev->index));
    int status = b->prepare ? b->prepare(job) : HX_OK;
    if (status != HX_OK)
        hx_cuda_job_finish(job, b);
    return status;
}

int hx_cuda_job_run(hx_cuda_job *job, const hx_cuda_binding *b, void *out, double *kernel_s,
                    double *e2e_s) {
    job->nlaunches = 0;
    job->open = false;
    double t0 = hx_now();
    int status = b->run(job, out);
    cudaError_t err = cudaDeviceSynchronize(); /* also surfaces faults inside the kernels */
    double t1 = hx_now();
    if (status == HX_OK && err != cudaSuccess)
        status = hx_cuda_fail(err, "cudaDeviceSynchronize");
    double k = 0.0;
    for (size_t i = 0; status == HX_OK && i < job->nlaunches; i++) {
        float ms = 0.0f;
        err = cudaEventElapsedTime(&ms, (cudaEvent_t)job->events[2 * i],
                                   (cudaEvent_t)job->events[2 * i + 1]);
        if (err != cudaSuccess)
            status = hx_cuda_fail(err, "cudaEventElapsedTime");
        k += (double)ms * 1e-3;
    }
    *kernel_s = k;
    *e2e_s = t1 - t0;
    return status;
}
