/*
 * device.c - what the co-scheduling policies need on the device (see internal.h): the row-range
 * kernel and the device image for the policies that launch chunks, the persistent kernel with
 * its fine-grain SVM image and counters for dynamic-svm.  The row-range kernel and its image are
 * the workload's (hx_mandelbrot_device, shared with hetero map's device worker).
 */
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/ocl/svm.h"
#include "internal.h"

static int make_kernel(cl_program prog, const char *name, cl_kernel *out) {
    cl_int err;
    *out = clCreateKernel(prog, name, &err);
    if (err != CL_SUCCESS)
        return hx_fail(HX_ERR_RUNTIME, "OpenCL call clCreateKernel(%s) failed: %s", name,
                       hx_ocl_error_name(err));
    return HX_OK;
}

static size_t image_bytes(const sched_ctx *x) {
    return x->g.width * x->g.height * sizeof(uint32_t);
}

int hx_sched_prepare_rows_kernel(sched_ctx *x) {
    return hx_mandelbrot_device_open(x->session, &x->g, &x->rows);
}

int hx_sched_prepare_persist_kernel(sched_ctx *x) {
    cl_program prog;
    HX_TRY(hx_ocl_program(x->session, "sched_mandelbrot.cl", "-cl-std=CL3.0", &prog));
    HX_TRY(make_kernel(prog, "mandelbrot_persistent", &x->persist_kernel));
    void *counters;
    HX_TRY(hx_svm_alloc_atomic(x->session->context, 2 * sizeof(uint32_t), &counters));
    x->svm_counters = counters;
    void *img = clSVMAlloc(x->session->context, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER,
                           image_bytes(x), 0);
    if (!img)
        return hx_fail(HX_ERR_RUNTIME, "clSVMAlloc of the %zu-byte image (fine-grain) failed",
                       image_bytes(x));
    x->svm_image = img;
    cl_uint width = (cl_uint)x->g.width, height = (cl_uint)x->g.height, iters = x->g.max_iter;
    cl_uint chunk = (cl_uint)x->c->chunk;
    cl_kernel k = x->persist_kernel;
    HX_CL(clSetKernelArgSVMPointer(k, 0, img));
    HX_CL(clSetKernelArg(k, 1, sizeof width, &width));
    HX_CL(clSetKernelArg(k, 2, sizeof height, &height));
    HX_CL(clSetKernelArg(k, 3, sizeof(float), &x->g.x_min));
    HX_CL(clSetKernelArg(k, 4, sizeof(float), &x->g.y_min));
    HX_CL(clSetKernelArg(k, 5, sizeof(float), &x->g.dx));
    HX_CL(clSetKernelArg(k, 6, sizeof(float), &x->g.dy));
    HX_CL(clSetKernelArg(k, 7, sizeof iters, &iters));
    HX_CL(clSetKernelArgSVMPointer(k, 8, counters));
    HX_CL(clSetKernelArg(k, 9, sizeof chunk, &chunk));
    /* persistent threads: about as many groups as the device runs at once */
    unsigned cus = x->dev->compute_units ? x->dev->compute_units : 1;
    x->persist_groups = (x->dev->type & CL_DEVICE_TYPE_CPU) ? cus : 4 * (size_t)cus;
    return HX_OK;
}

/* Release in reverse order of creation; the session itself belongs to the target set. */
void hx_sched_ctx_close(sched_ctx *x) {
    if (x->session)
        clFinish(x->session->queue);
    hx_mandelbrot_device_close(&x->rows); /* a no-op on the zeroed one */
    if (x->persist_kernel)
        clReleaseKernel(x->persist_kernel);
    if (x->svm_image)
        clSVMFree(x->session->context, x->svm_image);
    if (x->svm_counters)
        clSVMFree(x->session->context, (void *)x->svm_counters);
    if (x->have_instance)
        hx_instance_free(&x->in);
    memset(x, 0, sizeof *x);
}
