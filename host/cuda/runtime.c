/*
 * runtime.c - the cuda backend's contact with the CUDA runtime: error messages and devices.
 *
 * Plain C over cuda_runtime_api.h.  The runtime is linked statically and loads the driver
 * (libcuda.so.1) at the first call; on a machine without a driver or a GPU that call returns an
 * error code, which is turned into a reason ("no NVIDIA driver", "no CUDA device") rather than a
 * failure, because a missing GPU is a property of the machine, not a fault.
 */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/nvidia_arch.h"
#include "hetero/cuda/cuda.h"

/* ---- errors ------------------------------------------------------------------------------ */

const char *hx_cuda_error_text(int err, char *buf, size_t len) {
    const char *name = cudaGetErrorName((cudaError_t)err);
    const char *text = cudaGetErrorString((cudaError_t)err);
    if (!name || strncmp(name, "cuda", 4) != 0) /* unknown codes come back as "unrecognized" */
        snprintf(buf, len, "cudaError(%d): %s", err, text ? text : "unknown error");
    else
        snprintf(buf, len, "%s: %s", name, text ? text : "no description");
    return buf;
}

int hx_cuda_error_status(int err) {
    switch ((cudaError_t)err) {
    case cudaSuccess:
        return HX_OK;
    case cudaErrorInsufficientDriver:
    case cudaErrorNoDevice:
    case cudaErrorInvalidDevice:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
    case cudaErrorDevicesUnavailable:
        return HX_ERR_MISSING;
    default:
        return HX_ERR_RUNTIME;
    }
}

int hx_cuda_fail(int err, const char *call) {
    char text[256];
    int status = hx_cuda_error_status(err);
    if (status == HX_OK)
        return HX_OK;
    return hx_fail(status, "CUDA call %s failed: %s", call,
                   hx_cuda_error_text(err, text, sizeof text));
}

/* ---- devices ----------------------------------------------------------------------------- */

int hx_cuda_probe(int *count, char *why, size_t len) {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    *count = 0;
    if (why && len)
        why[0] = '\0';
    if (err == cudaSuccess && n > 0) {
        *count = n;
        return HX_OK;
    }
    if (why && len) {
        char text[256];
        if (err == cudaSuccess || err == cudaErrorNoDevice)
            snprintf(why, len, "no CUDA device");
        else if (err == cudaErrorInsufficientDriver)
            snprintf(why, len, "no usable NVIDIA driver (%s)",
                     hx_cuda_error_text(err, text, sizeof text));
        else
            snprintf(why, len, "CUDA is unavailable (%s)",
                     hx_cuda_error_text(err, text, sizeof text));
    }
    return HX_OK;
}

double hx_cuda_peak_bandwidth(const hx_cuda_device *d) {
    return 2.0 * (double)d->mem_clock_khz * 1e3 * (double)d->mem_bus_bits / 8.0;
}

static int attribute(int index, enum cudaDeviceAttr what, const char *name, int *out) {
    *out = 0;
    cudaError_t err = cudaDeviceGetAttribute(out, what, index);
    if (err != cudaSuccess)
        return hx_cuda_fail(err, name);
    return HX_OK;
}

int hx_cuda_device_get(int index, hx_cuda_device *d) {
    memset(d, 0, sizeof *d);
    struct cudaDeviceProp prop;
    HX_CUDA(cudaGetDeviceProperties(&prop, index));
    d->index = index;
    snprintf(d->name, sizeof d->name, "%s", prop.name);
    d->cc_major = prop.major;
    d->cc_minor = prop.minor;
    d->sm_count = prop.multiProcessorCount;
    d->global_mem = (uint64_t)prop.totalGlobalMem;
    d->l2_bytes = (uint64_t)prop.l2CacheSize;
    d->shared_per_block = prop.sharedMemPerBlock;
    d->max_threads_per_block = prop.maxThreadsPerBlock;
    d->warp_size = prop.warpSize;
    d->fp32_per_sm = hx_nvidia_fp32_per_sm(d->cc_major, d->cc_minor);
    /* clocks are attributes only: CUDA 13 removed them from cudaDeviceProp */
    HX_TRY(
        attribute(index, cudaDevAttrClockRate, "cudaDeviceGetAttribute(ClockRate)", &d->clock_khz));
    HX_TRY(attribute(index, cudaDevAttrMemoryClockRate, "cudaDeviceGetAttribute(MemoryClockRate)",
                     &d->mem_clock_khz));
    HX_TRY(attribute(index, cudaDevAttrGlobalMemoryBusWidth,
                     "cudaDeviceGetAttribute(GlobalMemoryBusWidth)", &d->mem_bus_bits));
    HX_CUDA(cudaDriverGetVersion(&d->driver_version));
    HX_CUDA(cudaRuntimeGetVersion(&d->runtime_version));
    return HX_OK;
}

int hx_cuda_devices(hx_cuda_device **out, size_t *count, char *why, size_t len) {
    *out = NULL;
    *count = 0;
    int n;
    HX_TRY(hx_cuda_probe(&n, why, len));
    if (n == 0)
        return HX_OK;
    hx_cuda_device *devs = calloc((size_t)n, sizeof *devs);
    if (!devs)
        return hx_fail(HX_ERR_RUNTIME, "out of memory listing CUDA devices");
    for (int i = 0; i < n; i++) {
        int status = hx_cuda_device_get(i, &devs[i]);
        if (status != HX_OK) {
            free(devs);
            return status;
        }
    }
    *out = devs;
    *count = (size_t)n;
    return HX_OK;
}
