/*
 * mandelbrot.h - the geometry of the mandelbrot workload and its row-range entry point.
 *
 * The image is square: --size pixels wide and --size pixels high, covering the complex plane
 * [-2, 1] x [-1.5, 1.5].  Pixel (col, row) stands for c = (x_min + col*dx) + i (y_min + row*dy),
 * each coordinate computed in float as one multiplication and one addition, in that order, so
 * every backend (and every chunk of rows computed by whoever claims it) maps a pixel to the same
 * c.  The output is one uint32 escape count per pixel, row-major.
 *
 * hx_mandelbrot_rows() computes rows [row_begin, row_end) with the widest SIMD code the CPU has
 * and writes them into their place in the full image: a co-scheduler that hands chunks of rows
 * to CPU threads and to a device (kernels/mandelbrot.cl takes a row offset) produces the same
 * bits as the simd backend.  mandelbrot_device.h has the rows on an OpenCL device (it names
 * OpenCL, which the CUDA binding including this header does not see).
 */
#ifndef HETERO_MANDELBROT_H
#define HETERO_MANDELBROT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/workloads/workload.h"

typedef struct hx_mandelbrot_geometry {
    size_t width, height; /* pixels */
    float x_min, y_min;   /* the plane coordinates of pixel (0, 0) */
    float dx, dy;         /* plane distance between neighbouring pixels */
    uint32_t max_iter;    /* --iters: a pixel that has not escaped after this many is "inside" */
} hx_mandelbrot_geometry;

/* The geometry of problem p (a mandelbrot problem made by its setup). */
void hx_mandelbrot_geometry_of(const hx_problem *p, hx_mandelbrot_geometry *g);

/* Rows [row_begin, row_end) of the image into out (the full width x height image). */
void hx_mandelbrot_rows(const hx_problem *p, uint32_t *out, size_t row_begin, size_t row_end);

/* The pixels of rows [row_begin, row_end) x columns [col_begin, col_end) of any geometry g (not
 * only the workload's view: hetero map draws an off-centre window), into out, the full
 * g->width x g->height image; same code, same bits as hx_mandelbrot_rows. */
void hx_mandelbrot_block(const hx_mandelbrot_geometry *g, uint32_t *out, size_t row_begin,
                         size_t row_end, size_t col_begin, size_t col_end);

/* ---- comparison with the serial image --------------------------------------------------------
 * The workload's rule: equal, or different on at most 0.1% of the pixels, every one of them on an
 * edge between count levels of the serial image (a neighbour of 8 has another count), where a
 * device that rounds c = x_min + col dx differently by one ulp lands on the other side. */
typedef struct hx_mandelbrot_diff {
    size_t bad;       /* pixels that differ */
    size_t first_bad; /* the first of them (when bad > 0) */
    bool off_edge;    /* some differing pixel is not on an edge */
    bool ok;          /* within the rule */
} hx_mandelbrot_diff;

void hx_mandelbrot_compare(const uint32_t *out, const uint32_t *ref, size_t width, size_t height,
                           hx_mandelbrot_diff *d);

#endif
