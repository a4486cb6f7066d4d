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
 * bits as the simd backend.
 */
#ifndef HETERO_MANDELBROT_H
#define HETERO_MANDELBROT_H

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

#endif
