/*
 * nvidia.c - what NVIDIA's OpenCL driver does not say in core OpenCL terms.
 *
 * NVIDIA reports CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT = 1 (each work-item is a scalar thread), so
 * compute units x vector width would count one lane per SM and the efficiency column would be
 * off by two orders of magnitude.  The lanes of an SM are its FP32 cores, which follow from the
 * compute capability; the cl_nv_device_attribute_query extension reports it.  The table is shared
 * with the cuda backend, which is why it lives in core (core/nvidia_arch.h).
 */
#include <CL/cl_ext.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/nvidia_arch.h"
#include "hetero/ocl/ocl.h"

static bool has_extension(cl_device_id id, const char *name) {
    size_t bytes = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, 0, NULL, &bytes) != CL_SUCCESS || !bytes)
        return false;
    char *ext = malloc(bytes + 1);
    if (!ext)
        return false;
    bool found = false;
    if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, bytes, ext, NULL) == CL_SUCCESS) {
        ext[bytes] = '\0';
        size_t n = strlen(name);
        for (const char *p = strstr(ext, name); p && !found; p = strstr(p + 1, name))
            found = (p == ext || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0');
    }
    free(ext);
    return found;
}

unsigned hx_ocl_nvidia_float_lanes(cl_device_id id) {
    if (!has_extension(id, "cl_nv_device_attribute_query"))
        return 0;
    cl_uint major = 0, minor = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV, sizeof major, &major, NULL) !=
            CL_SUCCESS ||
        clGetDeviceInfo(id, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV, sizeof minor, &minor, NULL) !=
            CL_SUCCESS ||
        major == 0)
        return 0;
    return (unsigned)hx_nvidia_fp32_per_sm((int)major, (int)minor);
}
