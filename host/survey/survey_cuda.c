/*
 * survey_cuda.c - CUDA devices as records of the `hetero devices` survey (kind "cuda").
 *
 * The OpenCL records already show an NVIDIA GPU through NVIDIA's OpenCL driver; the cuda record
 * shows the same GPU as the CUDA runtime sees it (compute capability, SMs, FP32 lanes per SM,
 * warps), so a reader can put the cuda and opencl rows of `hetero run` side by side.
 * hx_cuda_survey_record() is a pure function of hx_cuda_device, unit-tested without a GPU.  In
 * builds without CUDA the survey has no cuda records and says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/survey/survey.h"

#ifndef HETERO_HAVE_CUDA

int hx_survey_cuda(hx_survey *s) {
    (void)s;
    return HX_OK;
}

int hx_survey_cuda_why(char *why, size_t len) {
    snprintf(why, len,
             "this build of hetero has no cuda backend (configure on a machine with nvcc)");
    return HX_OK;
}

#else

#include "hetero/cuda/cuda.h"

int hx_survey_cuda_why(char *why, size_t len) {
    int n;
    return hx_cuda_probe(&n, why, len);
}

void hx_cuda_survey_record(const hx_cuda_device *d, hx_device_record *r) {
    snprintf(r->id, sizeof r->id, "cuda:%d", d->index);
    r->family_index = (size_t)d->index; /* the CUDA device ordinal */
    snprintf(r->name, sizeof r->name, "%s", d->name);
    snprintf(r->vendor, sizeof r->vendor, "NVIDIA");
    snprintf(r->platform, sizeof r->platform, "CUDA runtime %d.%d", d->runtime_version / 1000,
             d->runtime_version % 1000 / 10);
    snprintf(r->type, sizeof r->type, "GPU");
    snprintf(r->driver, sizeof r->driver, "CUDA %d.%d", d->driver_version / 1000,
             d->driver_version % 1000 / 10);
    snprintf(r->version, sizeof r->version, "compute capability %d.%d", d->cc_major, d->cc_minor);
    snprintf(r->c_version, sizeof r->c_version, "sm_%d%d", d->cc_major, d->cc_minor);
    r->compute_units = (unsigned)d->sm_count;
    r->threads = (unsigned)d->sm_count;
    r->clock_mhz = (unsigned)(d->clock_khz / 1000);
    r->max_work_group = (size_t)d->max_threads_per_block;
    r->vec_float = (unsigned)d->fp32_per_sm;
    r->local_mem = d->shared_per_block;
    snprintf(r->local_mem_type, sizeof r->local_mem_type, "local");
    r->global_mem = d->global_mem;
    r->max_alloc = d->global_mem;
    r->fp64 = true; /* every CUDA device since sm_13 */
    r->fp16 = d->cc_major >= 6;
    r->max_sub_groups = d->max_threads_per_block / (d->warp_size ? d->warp_size : 32); /* warps */
    if (d->l2_bytes) {
        hx_cache_level *c = &r->caches[r->ncaches++];
        c->level = 2;
        snprintf(c->type, sizeof c->type, "unified");
        c->bytes = d->l2_bytes;
        c->line = 128;
        c->instances = 1;
    }
    hx_class_input in = {.host = false,
                         .cores = (unsigned)d->sm_count,
                         .simd_lanes = (unsigned)d->fp32_per_sm,
                         .unified_memory = false};
    snprintf(in.type, sizeof in.type, "GPU");
    hx_classify(&in, r->flynn, sizeof r->flynn, r->memory, sizeof r->memory);
}

int hx_survey_cuda(hx_survey *s) {
    hx_cuda_device *devs;
    size_t n;
    HX_TRY(hx_cuda_devices(&devs, &n, NULL, 0));
    int status = HX_OK;
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        hx_device_record *r = hx_survey_add(s, "cuda");
        if (!r)
            status = HX_ERR_RUNTIME;
        else
            hx_cuda_survey_record(&devs[i], r);
    }
    free(devs);
    return status;
}

#endif
