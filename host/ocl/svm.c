/*
 * svm.c - fine-grain SVM with atomics: capability checks and the allocation.
 *
 * See svm.h and docs/svm.md.  The capability test is a pure function of the device record so that
 * tests can feed it a device without SVM (PoCL, the device tests run on, has every mode).
 */
#include "hetero/ocl/svm.h"

#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"

const char *hx_svm_atomics_missing(cl_device_svm_capabilities caps, bool c11_atomics) {
    if (!(caps & CL_DEVICE_SVM_FINE_GRAIN_BUFFER))
        return "no fine-grain buffer SVM";
    if (!(caps & CL_DEVICE_SVM_ATOMICS))
        return "no SVM atomics";
    if (!c11_atomics)
        return "no OpenCL C 3.0 device-scope atomics";
    return NULL;
}

bool hx_svm_atomics_supported(const hx_ocl_device *d) {
    return hx_svm_atomics_missing(d->svm, d->c11_atomics) == NULL;
}

int hx_svm_require_atomics(const hx_ocl_device *d, const char *what) {
    const char *missing = hx_svm_atomics_missing(d->svm, d->c11_atomics);
    if (!missing)
        return HX_OK;
    char caps[128];
    return hx_fail(HX_ERR_MISSING,
                   "%s needs fine-grain buffer SVM with atomics and OpenCL C 3.0 atomics; device "
                   "'%s' has %s (SVM capabilities: %s; OpenCL C %s)",
                   what, d->name, missing, hx_ocl_svm_describe(d->svm, caps, sizeof caps),
                   d->c_version);
}

int hx_svm_alloc_atomic(cl_context context, size_t bytes, void **out) {
    cl_svm_mem_flags flags = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS;
    void *p = clSVMAlloc(context, flags, bytes ? bytes : 1, 0);
    if (!p)
        return hx_fail(HX_ERR_RUNTIME, "clSVMAlloc of %zu bytes (fine-grain, atomics) failed",
                       bytes);
    memset(p, 0, bytes); /* fine-grain: the host writes it directly; no kernel is running yet */
    *out = p;
    return HX_OK;
}
