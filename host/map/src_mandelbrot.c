/*
 * src_mandelbrot.c - mandelbrot rows and tiles over an off-centre window.
 *
 * The window is x in [-2, 1], y in [0, 1.5]: the upper half of the usual view.  The full view is
 * symmetric about the real axis, so two static halves of it cost the same and 2 workers would
 * show no imbalance at all; in the upper half the expensive rows (the main cardioid and the
 * period-2 bulb, on and near y = 0) are all in the first rows, so static-block gives worker 0 of
 * 2 most of the work.  The image is W x W/2 pixels (square pixels), computed by
 * hx_mandelbrot_block(), the workload's own SIMD code, so every task is bit-identical to the
 * serial image whoever computes it.  Tasks: one row each (mandelbrot), or one T x T tile each,
 * row-major (mandelbrot-tiles).  The rows source has a device side: a device worker runs its
 * claims of rows as one launch of kernels/mandelbrot.cl (the workload's hx_mandelbrot_device).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/mandelbrot.h"
#include "hetero/workloads/mandelbrot_device.h"
#include "source_kinds.h"

typedef struct mandel_data {
    hx_mandelbrot_geometry g;
    size_t tile, tiles_x;
    uint32_t *ref, *out, *cur;
    hx_mandelbrot_device dev; /* the device worker's kernel and image (rows only) */
    bool dev_ran;             /* the device computed rows of this run: its rule applies */
} mandel_data;

void hx_map_compare32(const void *out_, const void *ref_, size_t n, const char *what,
                      hx_map_check *c) {
    const unsigned char *out = out_, *ref = ref_;
    memset(c, 0, sizeof *c);
    uint64_t h = 0xcbf29ce484222325ull;
    size_t bad = 0, first = 0;
    uint32_t first_out = 0, first_ref = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, out + 4 * i, 4);
        memcpy(&b, ref + 4 * i, 4);
        h = (h ^ a) * 0x100000001b3ull;
        if (a != b && bad++ == 0) {
            first = i;
            first_out = a;
            first_ref = b;
        }
    }
    c->checksum = hx_mix64(h);
    c->ok = bad == 0;
    if (c->ok)
        snprintf(c->detail, sizeof c->detail, "%s: all %zu equal to serial", what, n);
    else
        snprintf(c->detail, sizeof c->detail,
                 "%s: %zu of %zu differ from serial, the first at %zu (0x%x, serial 0x%x)", what,
                 bad, n, first, first_out, first_ref);
}

static int setup_common(hx_map_source *s, bool tiles) {
    const hx_map_params *p = &s->params;
    mandel_data *d = calloc(1, sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    s->data = d;
    d->g.width = p->width;
    d->g.height = p->width / 2 > 0 ? p->width / 2 : 1;
    d->g.x_min = -2.0f;
    d->g.y_min = 0.0f;
    d->g.dx = 3.0f / (float)d->g.width;
    d->g.dy = 1.5f / (float)d->g.height;
    d->g.max_iter = (uint32_t)p->iters;
    size_t npix = d->g.width * d->g.height;
    HX_TRY(hx_alloc_checked((void **)&d->ref, npix * sizeof *d->ref, "the serial image"));
    HX_TRY(hx_alloc_checked((void **)&d->out, npix * sizeof *d->out, "the image"));
    if (tiles) {
        d->tile = p->tile;
        d->tiles_x = (d->g.width + d->tile - 1) / d->tile;
        s->ntasks = d->tiles_x * ((d->g.height + d->tile - 1) / d->tile);
        snprintf(s->describe, sizeof s->describe,
                 "mandelbrot tiles %zux%zu of a %zux%zu image, x in [-2,1], y in [0,1.5], %u "
                 "iterations",
                 d->tile, d->tile, d->g.width, d->g.height, d->g.max_iter);
    } else {
        s->ntasks = d->g.height;
        snprintf(s->describe, sizeof s->describe,
                 "mandelbrot rows of a %zux%zu image, x in [-2,1], y in [0,1.5], %u iterations",
                 d->g.width, d->g.height, d->g.max_iter);
    }
    return HX_OK;
}

static int setup_rows(hx_map_source *s) {
    return setup_common(s, false);
}

static int setup_tiles(hx_map_source *s) {
    return setup_common(s, true);
}

static void teardown(hx_map_source *s) {
    mandel_data *d = s->data;
    if (!d)
        return;
    hx_free(d->ref);
    hx_free(d->out);
    free(d);
}

static void begin(hx_map_source *s, bool reference) {
    mandel_data *d = s->data;
    d->cur = reference ? d->ref : d->out;
    d->dev_ran = false;
    memset(d->cur, 0xff, d->g.width * d->g.height * sizeof *d->cur);
}

static void run_row(const hx_map_source *s, uint64_t task, hx_map_exec *e) {
    const mandel_data *d = s->data;
    hx_mandelbrot_block(&d->g, d->cur, (size_t)task, (size_t)task + 1, 0, d->g.width);
    e->units += d->g.width;
}

static void run_tile(const hx_map_source *s, uint64_t task, hx_map_exec *e) {
    const mandel_data *d = s->data;
    size_t r0 = (size_t)task / d->tiles_x * d->tile, c0 = (size_t)task % d->tiles_x * d->tile;
    size_t r1 = r0 + d->tile < d->g.height ? r0 + d->tile : d->g.height;
    size_t c1 = c0 + d->tile < d->g.width ? c0 + d->tile : d->g.width;
    hx_mandelbrot_block(&d->g, d->cur, r0, r1, c0, c1);
    e->units += (r1 - r0) * (c1 - c0);
}

/* Rows [begin, end) on the device, waited for: the kernel, then the read-back of those rows. */
static int device_rows(const hx_map_source *s, size_t begin, size_t end, hx_map_exec *e) {
    mandel_data *d = s->data;
    cl_event kernel = NULL, read = NULL;
    cl_int err = hx_mandelbrot_device_enqueue(&d->dev, begin, end, d->cur, &kernel, &read);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err,
                           "enqueueing rows on the device (clEnqueueNDRangeKernel/ReadBuffer)");
    err = clWaitForEvents(1, &read);
    clReleaseEvent(kernel);
    clReleaseEvent(read);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clWaitForEvents (rows on the device)");
    d->dev_ran = true; /* read after the workers are joined */
    e->units += (end - begin) * d->g.width;
    return HX_OK;
}

static int device_open(hx_map_source *s, struct hx_ocl_session *session) {
    mandel_data *d = s->data;
    return hx_mandelbrot_device_open(session, &d->g, &d->dev);
}

static void device_close(hx_map_source *s) {
    mandel_data *d = s->data;
    if (d)
        hx_mandelbrot_device_close(&d->dev);
}

/* Bit for bit against serial; when the device computed rows, the workload's own rule instead
 * (mandelbrot.h): the kernel does the host's arithmetic with contraction off, so on an IEEE
 * device the two agree exactly, and a device that rounds differently moves edge pixels only. */
static void verify(const hx_map_source *s, const hx_map_exec *total, bool from_root,
                   hx_map_check *c) {
    (void)total;
    (void)from_root;
    const mandel_data *d = s->data;
    const size_t npix = d->g.width * d->g.height;
    hx_map_compare32(d->out, d->ref, npix, "image pixels", c);
    if (c->ok || !d->dev_ran)
        return;
    hx_mandelbrot_diff diff;
    hx_mandelbrot_compare(d->out, d->ref, d->g.width, d->g.height, &diff);
    if (diff.ok) {
        c->ok = true;
        snprintf(c->detail, sizeof c->detail,
                 "image pixels: %zu of %zu differ from serial, all on count edges (the "
                 "workload's rule for device rows: at most 0.1%%)",
                 diff.bad, npix);
    }
}

const hx_map_source_kind hx_map_kind_mandelbrot = {
    .name = "mandelbrot",
    .summary = "one task per image row; cost falls from the real axis upwards",
    .setup = setup_rows,
    .teardown = teardown,
    .begin = begin,
    .run = run_row,
    .verify = verify,
    .device_open = device_open,
    .device_run = device_rows,
    .device_close = device_close,
};

const hx_map_source_kind hx_map_kind_tiles = {
    .name = "mandelbrot-tiles",
    .summary = "one task per T x T tile, row-major",
    .setup = setup_tiles,
    .teardown = teardown,
    .begin = begin,
    .run = run_tile,
    .verify = verify,
};
