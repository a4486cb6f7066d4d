/*
 * histogram.h - the input of the histogram workload, for code that counts it another way.
 *
 * The histogram workload counts n bytes into 256 uint32 bins.  A cooperative variant (host
 * threads and a device counting parts of the same input into shared bins) needs the input
 * itself: hx_histogram_input_of() gives the bytes a histogram problem's setup made.
 */
#ifndef HETERO_HISTOGRAM_H
#define HETERO_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "hetero/workloads/workload.h"

#define HX_HISTOGRAM_BINS 256

typedef struct hx_histogram_input {
    const uint8_t *bytes; /* n input bytes, 64-byte aligned */
    size_t n;
} hx_histogram_input;

/* The input of problem p (a histogram problem made by its setup). */
void hx_histogram_input_of(const hx_problem *p, hx_histogram_input *in);

#endif
