/*
 * provenance.c - the OpenCL, OpenBLAS and CUDA parts of the provenance (see provenance.h).
 */
#include "hetero/engine/provenance.h"

#include <stdio.h>

#include "hetero/core/error.h"
#include "hetero/core/nvidia_arch.h"
#include "hetero/core/provenance.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/blas.h"
#ifdef HETERO_HAVE_CUDA
#include "hetero/cuda/cuda.h"
#endif

#define MAX_PLATFORMS 16

/* "opencl": [{"name", "vendor", "version"}, ...]; [] without an ICD. */
static void write_opencl(hx_json *j) {
    hx_ocl_platform_info p[MAX_PLATFORMS];
    size_t n = 0;
    if (hx_ocl_platforms(p, MAX_PLATFORMS, &n) != HX_OK) {
        hx_error_clear(); /* a broken ICD is a fact of the machine, not the command's failure */
        hx_json_null(j);
        return;
    }
    hx_json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        hx_json_object_begin(j);
        hx_json_kv_string(j, "name", p[i].name);
        hx_json_kv_string(j, "vendor", p[i].vendor);
        hx_json_kv_string(j, "version", p[i].version);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
}

/* "openblas": {"config", "core"}, or null in builds without the blas backend. */
static void write_openblas(hx_json *j) {
    char config[256], core[64];
    if (!hx_blas_info(config, sizeof config, core, sizeof core)) {
        hx_json_null(j);
        return;
    }
    hx_json_object_begin(j);
    hx_json_kv_string(j, "config", config);
    hx_json_kv_string(j, "core", core);
    hx_json_object_end(j);
}

/* "cuda": {"built", "devices", "reason"}; the runtime is not touched without NVIDIA hardware. */
static void write_cuda(hx_json *j) {
    hx_json_object_begin(j);
#ifdef HETERO_HAVE_CUDA
    hx_json_kv_bool(j, "built", true);
    int n = 0;
    char why[160] = "";
    if (!hx_nvidia_present())
        snprintf(why, sizeof why, "no NVIDIA hardware (no /dev/nvidia*, no libcuda)");
    else if (hx_cuda_probe(&n, why, sizeof why) != HX_OK)
        hx_error_clear();
    hx_json_kv_int(j, "devices", n);
    hx_json_kv_string(j, "reason", n > 0 ? NULL : why);
#else
    hx_json_kv_bool(j, "built", false);
    hx_json_kv_int(j, "devices", 0);
    hx_json_kv_string(j, "reason", "this build has no cuda backend");
#endif
    hx_json_object_end(j);
}

void hx_engine_provenance_init(void) {
    hx_provenance_provide("opencl", write_opencl);
    hx_provenance_provide("openblas", write_openblas);
    hx_provenance_provide("cuda", write_cuda);
}
