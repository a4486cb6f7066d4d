/*
 * survey_ocl.c - an OpenCL device's record: what device.c already found plus the queries only
 * the survey needs (vector widths, caches, local memory type, fp16, atomic and sub-group
 * capabilities, unified memory).
 *
 * A query that belongs to a later OpenCL version than the device's is not asked (drivers answer
 * CL_INVALID_VALUE); a query a driver refuses leaves the field at zero, which the report shows as
 * "no" or "0" - the survey describes a device, it does not fail because of one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"

static cl_uint query_uint(cl_device_id d, cl_device_info what) {
    cl_uint v = 0;
    if (clGetDeviceInfo(d, what, sizeof v, &v, NULL) != CL_SUCCESS)
        return 0;
    return v;
}

static cl_ulong query_ulong(cl_device_id d, cl_device_info what) {
    cl_ulong v = 0;
    if (clGetDeviceInfo(d, what, sizeof v, &v, NULL) != CL_SUCCESS)
        return 0;
    return v;
}

static bool has_extension(cl_device_id d, const char *ext) {
    size_t bytes = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &bytes) != CL_SUCCESS || bytes == 0)
        return false;
    char *text = malloc(bytes + 1);
    if (!text)
        return false;
    bool found = false;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, bytes, text, NULL) == CL_SUCCESS) {
        text[bytes] = '\0';
        size_t n = strlen(ext);
        for (char *p = strstr(text, ext); p && !found; p = strstr(p + 1, ext))
            found = (p == text || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0');
    }
    free(text);
    return found;
}

static void query_shape(cl_device_id id, hx_device_record *r) {
    r->vec_char = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR);
    r->vec_short = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT);
    r->vec_int = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT);
    r->vec_long = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG);
    r->vec_float = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT);
    r->vec_double = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE);
    r->vec_half = query_uint(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF);
    cl_device_local_mem_type lt = 0;
    if (clGetDeviceInfo(id, CL_DEVICE_LOCAL_MEM_TYPE, sizeof lt, &lt, NULL) != CL_SUCCESS)
        lt = 0;
    snprintf(r->local_mem_type, sizeof r->local_mem_type, "%s",
             lt == CL_LOCAL    ? "local"
             : lt == CL_GLOBAL ? "global"
                               : "none");
    r->global_cache = query_ulong(id, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE);
    r->global_cacheline = query_uint(id, CL_DEVICE_GLOBAL_MEM_CACHELINE_SIZE);
    if (r->global_cache) {
        hx_cache_level *c = &r->caches[r->ncaches++];
        c->level = 0; /* OpenCL names one "global memory cache", not its level */
        snprintf(c->type, sizeof c->type, "global");
        c->bytes = r->global_cache;
        c->line = (unsigned)r->global_cacheline;
        c->instances = 1;
    }
}

static void query_features(const hx_ocl_device *d, hx_device_record *r) {
    cl_device_id id = d->id;
    r->fp64 = d->fp64;
    cl_device_fp_config half = 0;
    if (clGetDeviceInfo(id, 0x1033 /* CL_DEVICE_HALF_FP_CONFIG (cl_ext.h) */, sizeof half, &half,
                        NULL) != CL_SUCCESS)
        half = 0;
    r->fp16 = half != 0 || has_extension(id, "cl_khr_fp16");
    r->svm_coarse = d->svm & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER;
    r->svm_fine_buffer = d->svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER;
    r->svm_fine_system = d->svm & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM;
    r->svm_atomics = d->svm & CL_DEVICE_SVM_ATOMICS;
    if (d->cl_major >= 3) {
        cl_device_atomic_capabilities mem = 0, fence = 0;
        bool ok = clGetDeviceInfo(id, CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES, sizeof mem, &mem,
                                  NULL) == CL_SUCCESS &&
                  clGetDeviceInfo(id, CL_DEVICE_ATOMIC_FENCE_CAPABILITIES, sizeof fence, &fence,
                                  NULL) == CL_SUCCESS;
        r->has_atomic_caps = ok;
        r->atomic_memory_caps = ok ? mem : 0;
        r->atomic_fence_caps = ok ? fence : 0;
    }
    /* Sub-groups are core in 2.1, optional in 3.0 (max 0 means none), an extension before. */
    if (d->cl_major > 2 || (d->cl_major == 2 && d->cl_minor >= 1))
        r->max_sub_groups = query_uint(id, CL_DEVICE_MAX_NUM_SUB_GROUPS);
    else if (has_extension(id, "cl_khr_subgroups"))
        r->max_sub_groups = 1;
    cl_bool unified = CL_FALSE;
    if (clGetDeviceInfo(id, 0x1035 /* CL_DEVICE_HOST_UNIFIED_MEMORY, deprecated in 2.0 */,
                        sizeof unified, &unified, NULL) != CL_SUCCESS)
        unified = (d->type & CL_DEVICE_TYPE_CPU) ? CL_TRUE : CL_FALSE;
    r->unified_memory = unified == CL_TRUE;
}

int hx_survey_ocl(const hx_ocl_device *d, hx_device_record *r) {
    snprintf(r->id, sizeof r->id, "opencl:%u:%u", d->platform_index, d->device_index);
    snprintf(r->name, sizeof r->name, "%s", d->name);
    snprintf(r->vendor, sizeof r->vendor, "%s", d->vendor);
    snprintf(r->platform, sizeof r->platform, "%s", d->platform_name);
    snprintf(r->type, sizeof r->type, "%s", hx_ocl_type_name(d->type));
    snprintf(r->driver, sizeof r->driver, "%s", d->driver);
    snprintf(r->version, sizeof r->version, "%s", d->version);
    snprintf(r->c_version, sizeof r->c_version, "%s", d->c_version);
    r->cl_major = d->cl_major;
    r->cl_minor = d->cl_minor;
    r->compute_units = d->compute_units;
    r->threads = d->compute_units;
    r->clock_mhz = d->clock_mhz;
    r->max_work_group = d->max_work_group;
    r->local_mem = d->local_mem;
    r->global_mem = d->global_mem;
    r->max_alloc = d->max_alloc;
    query_shape(d->id, r);
    query_features(d, r);
    hx_class_input in = {.host = false,
                         .cores = d->compute_units,
                         .simd_lanes = d->float_lanes,
                         .unified_memory = r->unified_memory};
    snprintf(in.type, sizeof in.type, "%s", r->type);
    hx_classify(&in, r->flynn, sizeof r->flynn, r->memory, sizeof r->memory);
    return HX_OK;
}
