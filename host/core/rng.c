/*
 * rng.c - splitmix64 and parallel, reproducible array fills (see rng.h).
 */
#include "hetero/core/rng.h"

#include "hetero/core/parse.h"

uint64_t hx_mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void hx_fill_uniform_from(float *a, size_t n, uint64_t first, uint64_t seed, uint64_t stream,
                          float lo, float hi) {
    /* static schedule: each thread first-touches the pages it will later stream through; the
     * thread count is the run's (hx_instance_init sets it from --threads), capped for callers
     * that set none */
#pragma omp parallel for schedule(static) num_threads(hx_default_threads())
    for (size_t i = 0; i < n; i++)
        a[i] = hx_rng_float(seed, stream, first + i, lo, hi);
}

void hx_fill_uniform(float *a, size_t n, uint64_t seed, uint64_t stream, float lo, float hi) {
    hx_fill_uniform_from(a, n, 0, seed, stream, lo, hi);
}
