/*
 * target.c - open the devices a command's rows run on (see target.h).
 */
#include "hetero/engine/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/nvidia_arch.h"
#include "hetero/core/parse.h"
#ifdef HETERO_HAVE_CUDA
#include "hetero/cuda/cuda.h"
#endif

static const char *const mem_specs[] = {"buffer", "svm-coarse", "svm-fine", "zero-copy",
                                        "auto",   "all",        NULL};

int hx_target_check_mem(const char *mem) {
    int i;
    return hx_parse_choice("--mem", mem, mem_specs, &i);
}

/* The memory modes to run on device d, by --mem; a mode it lacks is HX_ERR_MISSING. */
static int pick_modes(const char *spec, const hx_ocl_device *d, hx_target_device *td) {
    td->nmodes = 0;
    if (!spec)
        spec = "buffer";
    if (strcmp(spec, "all") == 0) {
        for (int m = 0; m < HX_MEM_COUNT; m++)
            if (hx_mem_supported(d, (hx_mem_mode)m))
                td->modes[td->nmodes++] = (hx_mem_mode)m;
        return HX_OK;
    }
    if (strcmp(spec, "auto") == 0) {
        td->modes[td->nmodes++] = hx_mem_best(d);
        hx_notice("--mem=auto: using %s on '%s'", hx_mem_name(td->modes[0]), d->name);
        return HX_OK;
    }
    hx_mem_mode m;
    HX_TRY(hx_mem_parse(spec, &m));
    if (!hx_mem_supported(d, m)) {
        char caps[128];
        return hx_fail(HX_ERR_MISSING, "device '%s' has no %s memory; its SVM capabilities: %s",
                       d->name, spec, hx_ocl_svm_describe(d->svm, caps, sizeof caps));
    }
    td->modes[td->nmodes++] = m;
    return HX_OK;
}

/* Pick the devices, check their modes, then open a session on each. */
static int open_opencl(hx_target_set *ts, const hx_target_spec *spec) {
    HX_TRY(hx_ocl_devices(&ts->all, &ts->nall));
    if (ts->nall == 0 && !spec->opencl_explicit) {
        hx_notice("no OpenCL device found (no ICD or platform installed): skipping the opencl "
                  "rows");
        return HX_OK;
    }
    size_t picked[256], n;
    HX_TRY(hx_ocl_select(spec->device, ts->all, ts->nall < 256 ? ts->nall : 256, picked, &n));
    size_t keep = spec->max_devices ? spec->max_devices : HX_TARGET_MAX_DEVICES;
    if (keep > HX_TARGET_MAX_DEVICES)
        keep = HX_TARGET_MAX_DEVICES;
    if (n > keep) {
        const hx_ocl_device *first = &ts->all[picked[0]];
        hx_notice("--device matches %zu devices: %s %s %u:%u '%s'", n,
                  spec->purpose ? spec->purpose : "using",
                  keep == 1 ? "the first," : "the first ones, from", first->platform_index,
                  first->device_index, first->name);
        n = keep;
    }
    for (size_t i = 0; i < n; i++) {
        hx_target_device *td = &ts->devices[i];
        td->dev = &ts->all[picked[i]];
        HX_TRY(pick_modes(spec->mem, td->dev, td));
    }
    for (size_t i = 0; i < n; i++) {
        HX_TRY(hx_ocl_session_open(ts->devices[i].dev, &ts->devices[i].session));
        ts->devices[i].open = true;
        ts->ndevices = i + 1;
    }
    return HX_OK;
}

/* CUDA: absent hardware skips the cuda rows (the reason kept), or exits 3 when they were asked
 * for. */
static int open_cuda(hx_target_set *ts, const hx_target_spec *spec) {
    snprintf(ts->cuda_why, sizeof ts->cuda_why, "this build has no cuda backend");
#ifdef HETERO_HAVE_CUDA
    int n = 0;
    HX_TRY(hx_cuda_probe(&n, ts->cuda_why, sizeof ts->cuda_why));
    if (n > 0) {
        ts->cuda = true;
        ts->cuda_why[0] = '\0';
        return HX_OK;
    }
    if (spec->cuda_explicit)
        return hx_fail(HX_ERR_MISSING, "--backend=cuda needs an NVIDIA GPU: %s", ts->cuda_why);
    if (spec->verbose || hx_nvidia_present())
        hx_notice("%s: skipping the cuda rows", ts->cuda_why);
#else
    if (spec->cuda_explicit)
        return hx_fail(HX_ERR_MISSING, "backend cuda is not in this build of hetero");
#endif
    return HX_OK;
}

int hx_target_open(hx_target_set *ts, const hx_target_spec *spec) {
    memset(ts, 0, sizeof *ts);
    int status = HX_OK;
    if (spec->opencl)
        status = open_opencl(ts, spec);
    else if (spec->device)
        hx_notice("--device applies to the opencl backend, which is not selected");
    if (status == HX_OK && spec->cuda)
        status = open_cuda(ts, spec);
    if (status != HX_OK)
        hx_target_close(ts);
    return status;
}

void hx_target_close(hx_target_set *ts) {
    for (size_t i = 0; i < ts->ndevices; i++)
        if (ts->devices[i].open)
            hx_ocl_session_close(&ts->devices[i].session);
    free(ts->all);
    memset(ts, 0, sizeof *ts);
}

hx_target hx_target_of(hx_target_set *ts, size_t d, size_t m) {
    hx_target t = {.session = &ts->devices[d].session, .mem = ts->devices[d].modes[m]};
    return t;
}
