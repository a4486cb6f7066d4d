/*
 * mandelbrot_device.h - rows of a mandelbrot image on an OpenCL device, a chunk at a time.
 *
 * kernels/mandelbrot.cl over any geometry (mandelbrot.h), the device side of hetero sched's proxy
 * thread and of hetero map's device worker: the kernel writes a device image, and each chunk's
 * rows are read back into their place in a host image.  The kernel object is not thread-safe: one
 * thread at a time enqueues (the one that drives the device).
 */
#ifndef HETERO_MANDELBROT_DEVICE_H
#define HETERO_MANDELBROT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "hetero/ocl/ocl.h"
#include "hetero/workloads/mandelbrot.h"

typedef struct hx_mandelbrot_device {
    hx_ocl_session *session;
    hx_mandelbrot_geometry g;
    cl_kernel kernel;
    cl_mem image; /* the whole image on the device */
    size_t local; /* work-group size */
} hx_mandelbrot_device;

int hx_mandelbrot_device_open(hx_ocl_session *s, const hx_mandelbrot_geometry *g,
                              hx_mandelbrot_device *d);
/* Enqueue rows [begin, end) and their read-back into host_image (the full image), then flush.
 * kernel_done and read_done receive events the caller waits on and releases (either may be
 * NULL).  The raw OpenCL status, so that a thread other than the caller's can keep it. */
cl_int hx_mandelbrot_device_enqueue(hx_mandelbrot_device *d, size_t begin, size_t end,
                                    uint32_t *host_image, cl_event *kernel_done,
                                    cl_event *read_done);
void hx_mandelbrot_device_close(hx_mandelbrot_device *d);

#endif
