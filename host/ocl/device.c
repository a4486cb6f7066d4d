/*
 * device.c - OpenCL device discovery and the --device selector.
 *
 * Devices are listed across every platform the ICD loader knows, each with the properties that
 * decide what hetero may run on it (versions, SVM, fp64, C11 atomics).  Selection is a pure
 * function over that list, so it is unit-tested with made-up device lists.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/ocl/ocl.h"

#define MAX_PLATFORMS            16
#define MAX_DEVICES_PER_PLATFORM 64

static void get_string(cl_device_id d, cl_device_info what, char *buf, size_t len) {
    if (clGetDeviceInfo(d, what, len, buf, NULL) != CL_SUCCESS)
        snprintf(buf, len, "?");
    buf[len - 1] = '\0';
}

/* Whether a 3.0 device lists OpenCL C feature `name`. */
static bool has_c_feature(cl_device_id d, const char *name) {
    size_t bytes = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_FEATURES, 0, NULL, &bytes) != CL_SUCCESS || !bytes)
        return false;
    cl_name_version *f = malloc(bytes);
    if (!f)
        return false;
    bool found = false;
    if (clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_FEATURES, bytes, f, NULL) == CL_SUCCESS)
        for (size_t i = 0; i < bytes / sizeof *f; i++)
            if (strcmp(f[i].name, name) == 0)
                found = true;
    free(f);
    return found;
}

/* Whether the device accepts -cl-std=CL3.0 (CL_DEVICE_OPENCL_C_ALL_VERSIONS lists 3.0). */
static bool accepts_c30(cl_device_id d) {
    size_t bytes = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_ALL_VERSIONS, 0, NULL, &bytes) != CL_SUCCESS ||
        !bytes)
        return false;
    cl_name_version *v = malloc(bytes);
    if (!v)
        return false;
    bool found = false;
    if (clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_ALL_VERSIONS, bytes, v, NULL) == CL_SUCCESS)
        for (size_t i = 0; i < bytes / sizeof *v; i++)
            if (CL_VERSION_MAJOR(v[i].version) == 3)
                found = true;
    free(v);
    return found;
}

static void describe_device(hx_ocl_device *d) {
    cl_device_id id = d->id;
    get_string(id, CL_DEVICE_NAME, d->name, sizeof d->name);
    get_string(id, CL_DEVICE_VENDOR, d->vendor, sizeof d->vendor);
    get_string(id, CL_DEVICE_VERSION, d->version, sizeof d->version);
    get_string(id, CL_DEVICE_OPENCL_C_VERSION, d->c_version, sizeof d->c_version);
    get_string(id, CL_DRIVER_VERSION, d->driver, sizeof d->driver);
    clGetDeviceInfo(id, CL_DEVICE_TYPE, sizeof d->type, &d->type, NULL);
    clGetDeviceInfo(id, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof d->compute_units, &d->compute_units,
                    NULL);
    clGetDeviceInfo(id, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof d->clock_mhz, &d->clock_mhz, NULL);
    clGetDeviceInfo(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof d->float_lanes, &d->float_lanes,
                    NULL);
    clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_work_group, &d->max_work_group,
                    NULL);
    clGetDeviceInfo(id, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof d->global_mem, &d->global_mem, NULL);
    clGetDeviceInfo(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof d->max_alloc, &d->max_alloc, NULL);
    clGetDeviceInfo(id, CL_DEVICE_LOCAL_MEM_SIZE, sizeof d->local_mem, &d->local_mem, NULL);
    d->local_mem_type = CL_LOCAL; /* what a device that does not answer most likely has */
    clGetDeviceInfo(id, CL_DEVICE_LOCAL_MEM_TYPE, sizeof d->local_mem_type, &d->local_mem_type,
                    NULL);
    /* deprecated since 2.0 but still answered (PoCL: yes, NVIDIA: no); absent means no */
    cl_bool unified = CL_FALSE;
    if (clGetDeviceInfo(id, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL) !=
        CL_SUCCESS)
        unified = CL_FALSE;
    d->host_unified = unified == CL_TRUE;
    cl_device_fp_config fp64 = 0;
    clGetDeviceInfo(id, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL);
    d->fp64 = fp64 != 0;
    if (sscanf(d->version, "OpenCL %d.%d", &d->cl_major, &d->cl_minor) != 2)
        d->cl_major = 1, d->cl_minor = 0;
    if (d->type & CL_DEVICE_TYPE_GPU) { /* NVIDIA: a scalar per thread, 64-128 lanes per SM */
        unsigned nv = hx_ocl_nvidia_float_lanes(id);
        if (nv)
            d->float_lanes = nv;
    }
    if (d->float_lanes == 0)
        d->float_lanes = 1;
    /* SVM and C features exist only from OpenCL 2.0 / 3.0; asking older devices is an error. */
    if (d->cl_major >= 2)
        clGetDeviceInfo(id, CL_DEVICE_SVM_CAPABILITIES, sizeof d->svm, &d->svm, NULL);
    if (d->cl_major >= 3) {
        d->c30 = accepts_c30(id);
        d->c11_atomics = d->c30 && has_c_feature(id, "__opencl_c_atomic_scope_device") &&
                         has_c_feature(id, "__opencl_c_atomic_order_seq_cst");
    }
}

/* The installed platforms (at most MAX_PLATFORMS): *np = 0, not an error, without an ICD. */
static int platform_ids(cl_platform_id *platforms, cl_uint *np) {
    *np = 0;
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, platforms, np);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR: no ICD installed */ || *np == 0) {
        *np = 0;
        return HX_OK;
    }
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clGetPlatformIDs");
    if (*np > MAX_PLATFORMS)
        *np = MAX_PLATFORMS;
    return HX_OK;
}

int hx_ocl_platforms(hx_ocl_platform_info *out, size_t cap, size_t *count) {
    *count = 0;
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint np;
    HX_TRY(platform_ids(platforms, &np));
    for (cl_uint p = 0; p < np && *count < cap; p++) {
        hx_ocl_platform_info *i = &out[(*count)++];
        static const struct {
            cl_platform_info what;
            size_t offset, len;
        } fields[] = {
            {CL_PLATFORM_NAME, offsetof(hx_ocl_platform_info, name), sizeof i->name},
            {CL_PLATFORM_VENDOR, offsetof(hx_ocl_platform_info, vendor), sizeof i->vendor},
            {CL_PLATFORM_VERSION, offsetof(hx_ocl_platform_info, version), sizeof i->version},
        };
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            char *buf = (char *)i + fields[f].offset;
            if (clGetPlatformInfo(platforms[p], fields[f].what, fields[f].len, buf, NULL) !=
                CL_SUCCESS)
                snprintf(buf, fields[f].len, "?");
            buf[fields[f].len - 1] = '\0';
        }
    }
    return HX_OK;
}

int hx_ocl_devices(hx_ocl_device **out, size_t *count) {
    *out = NULL;
    *count = 0;
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint np;
    HX_TRY(platform_ids(platforms, &np));
    if (np == 0)
        return HX_OK;
    hx_ocl_device *devs = calloc((size_t)np * MAX_DEVICES_PER_PLATFORM, sizeof *devs);
    if (!devs)
        return hx_fail(HX_ERR_RUNTIME, "out of memory listing OpenCL devices");
    size_t n = 0;
    for (cl_uint p = 0; p < np; p++) {
        cl_device_id ids[MAX_DEVICES_PER_PLATFORM];
        cl_uint nd = 0;
        cl_int err =
            clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES_PER_PLATFORM, ids, &nd);
        if (err == CL_DEVICE_NOT_FOUND || nd == 0)
            continue;
        if (err != CL_SUCCESS) {
            free(devs);
            return hx_ocl_fail(err, "clGetDeviceIDs");
        }
        if (nd > MAX_DEVICES_PER_PLATFORM)
            nd = MAX_DEVICES_PER_PLATFORM;
        char pname[256] = "?";
        clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof pname, pname, NULL);
        pname[sizeof pname - 1] = '\0';
        for (cl_uint i = 0; i < nd; i++) {
            hx_ocl_device *d = &devs[n++];
            d->platform = platforms[p];
            d->id = ids[i];
            d->platform_index = p;
            d->device_index = i;
            snprintf(d->platform_name, sizeof d->platform_name, "%s", pname);
            describe_device(d);
        }
    }
    *out = devs;
    *count = n;
    return HX_OK;
}

const char *hx_ocl_type_name(cl_device_type type) {
    if (type & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (type & CL_DEVICE_TYPE_CPU)
        return "CPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return "accelerator";
    if (type & CL_DEVICE_TYPE_CUSTOM)
        return "custom";
    return "other";
}

const char *hx_ocl_describe(const hx_ocl_device *devs, size_t ndevs, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    if (ndevs == 0) {
        snprintf(buf, len, "none (no OpenCL platform is installed or none has a device)");
        return buf;
    }
    for (size_t i = 0; i < ndevs && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%u:%u %s (%s, %s)", i ? "; " : "",
                                 devs[i].platform_index, devs[i].device_index, devs[i].name,
                                 hx_ocl_type_name(devs[i].type), devs[i].platform_name);
    return buf;
}

static bool contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (const char *h = hay; *h; h++)
        if (strncasecmp(h, needle, n) == 0)
            return true;
    return n == 0;
}

/* "P:D" with two decimal numbers -> true. */
static bool parse_pd(const char *spec, unsigned *p, unsigned *d) {
    char tail;
    return sscanf(spec, "%u:%u%c", p, d, &tail) == 2 && isdigit((unsigned char)spec[0]);
}

int hx_ocl_check_spec(const char *spec) {
    if (spec && *spec == '\0')
        return hx_fail(HX_ERR_USAGE, "--device is empty; accepted: gpu, cpu, accelerator, all, "
                                     "P:D (platform:device index) or part of a device name");
    return HX_OK;
}

static size_t pick_type(const hx_ocl_device *devs, size_t n, cl_device_type t, size_t *picked) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (devs[i].type & t)
            picked[k++] = i;
    return k;
}

int hx_ocl_select(const char *spec, const hx_ocl_device *devs, size_t ndevs, size_t *picked,
                  size_t *npicked) {
    char list[2048];
    *npicked = 0;
    HX_TRY(hx_ocl_check_spec(spec));
    if (!spec) {
        size_t k = pick_type(devs, ndevs, CL_DEVICE_TYPE_GPU, picked);
        if (k == 0)
            k = pick_type(devs, ndevs, CL_DEVICE_TYPE_CPU, picked);
        if (k == 0 && ndevs > 0)
            picked[k++] = 0;
        if (k == 0)
            return hx_fail(HX_ERR_MISSING, "no OpenCL device found; devices here: %s",
                           hx_ocl_describe(devs, ndevs, list, sizeof list));
        *npicked = 1;
        const hx_ocl_device *d = &devs[picked[0]];
        hx_notice("no --device given: using %s %u:%u '%s' (%s)", hx_ocl_type_name(d->type),
                  d->platform_index, d->device_index, d->name, d->platform_name);
        return HX_OK;
    }
    struct {
        const char *word;
        cl_device_type type;
        const char *label;
    } kinds[] = {{"gpu", CL_DEVICE_TYPE_GPU, "GPU"},
                 {"cpu", CL_DEVICE_TYPE_CPU, "CPU"},
                 {"accelerator", CL_DEVICE_TYPE_ACCELERATOR, "accelerator"},
                 {"all", CL_DEVICE_TYPE_ALL, "device"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcasecmp(spec, kinds[i].word) != 0)
            continue;
        size_t k = pick_type(devs, ndevs, kinds[i].type, picked);
        if (k == 0)
            return hx_fail(HX_ERR_MISSING, "no OpenCL %s found; devices here: %s", kinds[i].label,
                           hx_ocl_describe(devs, ndevs, list, sizeof list));
        *npicked = k;
        return HX_OK;
    }
    unsigned p, d;
    if (parse_pd(spec, &p, &d)) {
        for (size_t i = 0; i < ndevs; i++)
            if (devs[i].platform_index == p && devs[i].device_index == d) {
                picked[0] = i;
                *npicked = 1;
                return HX_OK;
            }
        return hx_fail(HX_ERR_MISSING, "no OpenCL device %u:%u; devices here: %s", p, d,
                       hx_ocl_describe(devs, ndevs, list, sizeof list));
    }
    size_t k = 0;
    for (size_t i = 0; i < ndevs; i++)
        if (contains_nocase(devs[i].name, spec))
            picked[k++] = i;
    if (k == 0)
        return hx_fail(HX_ERR_MISSING,
                       "no OpenCL device matches --device '%s' (accepted: gpu, cpu, accelerator, "
                       "all, P:D, or part of a device name); devices here: %s",
                       spec, hx_ocl_describe(devs, ndevs, list, sizeof list));
    *npicked = k;
    return HX_OK;
}

/* ---- memory modes ----------------------------------------------------------------------- */

const char *hx_mem_name(hx_mem_mode m) {
    static const char *const names[] = {"buffer", "svm-coarse", "svm-fine", "zero-copy"};
    return (unsigned)m < HX_MEM_COUNT ? names[m] : "?";
}

int hx_mem_parse(const char *text, hx_mem_mode *out) {
    static const char *const names[] = {"buffer", "svm-coarse", "svm-fine", "zero-copy", NULL};
    int i;
    HX_TRY(hx_parse_choice("--mem", text, names, &i));
    *out = (hx_mem_mode)i;
    return HX_OK;
}

bool hx_mem_supported(const hx_ocl_device *d, hx_mem_mode m) {
    switch (m) {
    case HX_MEM_BUFFER:
        return true;
    case HX_MEM_SVM_COARSE:
        return d->svm & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER;
    case HX_MEM_SVM_FINE:
        return d->svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER;
    case HX_MEM_ZERO_COPY:
        return d->host_unified;
    default:
        return false;
    }
}

hx_mem_mode hx_mem_best(const hx_ocl_device *d) {
    if (hx_mem_supported(d, HX_MEM_ZERO_COPY))
        return HX_MEM_ZERO_COPY; /* the device computes in the host's arrays themselves */
    if (hx_mem_supported(d, HX_MEM_SVM_FINE))
        return HX_MEM_SVM_FINE;
    if (hx_mem_supported(d, HX_MEM_SVM_COARSE))
        return HX_MEM_SVM_COARSE;
    return HX_MEM_BUFFER;
}

const char *hx_ocl_svm_describe(cl_device_svm_capabilities caps, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    struct {
        cl_device_svm_capabilities bit;
        const char *name;
    } names[] = {{CL_DEVICE_SVM_COARSE_GRAIN_BUFFER, "coarse-grain buffer"},
                 {CL_DEVICE_SVM_FINE_GRAIN_BUFFER, "fine-grain buffer"},
                 {CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, "fine-grain system"},
                 {CL_DEVICE_SVM_ATOMICS, "atomics"}};
    for (size_t i = 0; i < 4; i++)
        if ((caps & names[i].bit) && used < len)
            used +=
                (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i].name);
    if (used == 0)
        snprintf(buf, len, "none");
    return buf;
}

unsigned hx_ocl_processing_elements(const hx_ocl_device *d) {
    unsigned lanes = d->float_lanes ? d->float_lanes : 1;
    return d->compute_units * lanes;
}
