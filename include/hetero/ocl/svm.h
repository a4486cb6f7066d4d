/*
 * svm.h - shared virtual memory with atomics: host threads and an OpenCL device updating the same
 * words at the same time (docs/svm.md).
 *
 * Fine-grain buffer SVM allocated with CL_MEM_SVM_ATOMICS is one allocation that the host and the
 * device address with the same pointer, on which atomic operations of both sides are atomic with
 * respect to each other.  Host code treats it as C11 `_Atomic uint32_t`; kernels as OpenCL C 3.0
 * `atomic_uint` (kernels/histogram_coop.cl, kernels/sched_mandelbrot.cl).  A device offers it
 * only when it reports both the fine-grain buffer and the atomics SVM capabilities and compiles
 * OpenCL C 3.0 device-scope atomics; PoCL's CPU device does, NVIDIA's driver does not.
 *
 * Host workers are plain pthreads (hx_threads_run, core/threads.h), not OpenMP, so that
 * ThreadSanitizer, which cannot see libgomp's synchronisation, checks the threaded host code of
 * these labs.
 */
#ifndef HETERO_SVM_H
#define HETERO_SVM_H

#include <stdbool.h>
#include <stddef.h>

#include "hetero/ocl/ocl.h"

/* Whether d can run host+device concurrent atomics on fine-grain SVM. */
bool hx_svm_atomics_supported(const hx_ocl_device *d);

/* HX_OK, or HX_ERR_MISSING naming what d lacks for `what` (e.g. "histogram-coop"). */
int hx_svm_require_atomics(const hx_ocl_device *d, const char *what);

/* Same test on a raw capability record, for tests and reports: the reason d lacks it, or NULL. */
const char *hx_svm_atomics_missing(cl_device_svm_capabilities caps, bool c11_atomics);

/* clSVMAlloc(FINE_GRAIN_BUFFER | ATOMICS | READ_WRITE) of bytes, zero-filled. */
int hx_svm_alloc_atomic(cl_context context, size_t bytes, void **out);

#endif
