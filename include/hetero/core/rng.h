/*
 * rng.h - reproducible input data.
 *
 * Inputs come from a counter-based generator (splitmix64 of seed and index), so element i has the
 * same value however many threads fill the array and in whatever order: a run is reproducible
 * from --seed alone, and parallel first-touch initialisation is allowed.
 */
#ifndef HETERO_RNG_H
#define HETERO_RNG_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64 finaliser of x. */
uint64_t hx_mix64(uint64_t x);

/* The i-th value of stream `stream` under seed, as 64 random bits. */
static inline uint64_t hx_rng_bits(uint64_t seed, uint64_t stream, uint64_t i) {
    return hx_mix64(seed ^ hx_mix64(stream + 0x9e3779b97f4a7c15ULL * (i + 1)));
}

/* Uniform float in [lo, hi) for element i. */
static inline float hx_rng_float(uint64_t seed, uint64_t stream, uint64_t i, float lo, float hi) {
    float u = (float)(hx_rng_bits(seed, stream, i) >> 40) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
}

/* Fill a[0..n) with uniform floats in [lo, hi), in parallel (first touch by the thread that will
 * use the data under a static schedule). */
void hx_fill_uniform(float *a, size_t n, uint64_t seed, uint64_t stream, float lo, float hi);

/* The same for elements first .. first+n-1 of the stream into a[0..n): a block of the array that
 * hx_fill_uniform would make, for a process that owns only that block (an MPI rank). */
void hx_fill_uniform_from(float *a, size_t n, uint64_t first, uint64_t seed, uint64_t stream,
                          float lo, float hi);

#endif
