/*
 * laws.h - the rules that turn a sweep's measured points into its figures, and refuse to
 * over-interpret them.  Pure functions of the points: the unit tests feed them synthetic ones.
 *
 *   weak-scaling sizes   the size at p whose work (the cost model's flops, else bytes) is p times
 *                        the work at the base size
 *   per point            relative, absolute and serial speedups, E, Karp-Flatt e(p), superlinear
 *                        marks, the cache level of the working set and of each thread's share
 *   fits                 Amdahl's P (strong) or Gustafson's a (weak) per backend, over the
 *                        points with 1 < p <= cores that verified: oversubscribed points are
 *                        measured and marked but never fitted
 *   crossover            the size from which on the OpenCL device, end to end, beats the best CPU
 *
 * "No fit" rules (docs/scale.md): a law's parameter is a fraction of the work, so P, a and e(p)
 * must each lie in [0, 1]; a value outside says the law does not describe the points (S > p:
 * superlinear; S < 1: slower than one thread), not that the code has such a fraction.  A fit over
 * fewer than 2 points (p = 1 and at least one p > 1) and a fit over a point marked noisy are no
 * fit either.  No fit carries its reason instead of a number.  A fit through exactly one point
 * with p > 1 (a 2-core machine) is exact: any one-parameter law passes through it, so its
 * residual is 0 by construction and it reads that point's serial fraction (P = 1 - e(2)); the
 * fit says so (`exact`).
 */
#ifndef HETERO_ANALYSIS_LAWS_H
#define HETERO_ANALYSIS_LAWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/analysis/scale.h"

/* A fit needs this many points with 1 < p <= cores (besides p = 1, which every law passes). */
#define HX_SCALE_MIN_FIT_POINTS 1

/* The work of w at size (flops, or bytes when w has no flops or its flops depend on the data),
 * and which of the two it is ("flops" or "bytes"). */
double hx_scale_work(const hx_workload *w, const double *params, uint64_t size);
const char *hx_scale_work_kind(const hx_workload *w);

/* The weak-scaling size at p from base (hx_scaled_size over hx_scale_work); HX_ERR_USAGE naming
 * --size and --threads when w has no size that large. */
int hx_scale_weak_size(const hx_workload *w, const double *params, uint64_t base, uint64_t p,
                       uint64_t *out);

/* Karp-Flatt e(p) with its domain: the value, or NAN with *no_fit set to "S > p" (e < 0) or
 * "S < 1" (e > 1).  NAN and NULL where it is undefined (p <= 1, no speedup). */
double hx_scale_karp_flatt(double speedup, double p, const char **no_fit);

/* Fill each point's T1, speedups, efficiency, e(p), superlinear mark and cache levels.  refs are
 * the baselines measured beside the points (they count for the best one-processor time). */
void hx_scale_derive(hx_scale_point *pts, size_t n, const hx_scale_point *refs, size_t nrefs,
                     hx_scale_mode mode, const hx_cache_level *caches, size_t ncaches);

/* The best one-processor code of the rows at `size`: serial, simd, or blas on one thread.
 * Returns its median (INFINITY when none) and its backend in *which. */
double hx_scale_best_serial(const hx_scale_point *pts, size_t n, const hx_scale_point *refs,
                            size_t nrefs, uint64_t size, hx_backend *which);

/* Fit backend b's points: select (1 < p, not oversubscribed, verified, finite S), apply the no-fit
 * rules, fit Amdahl (weak false) or Gustafson (weak true).  cores goes into the reason text. */
void hx_scale_fit_backend(const hx_scale_point *pts, size_t n, hx_backend b, bool weak, int cores,
                          hx_scale_fit *f);

/* The first OpenCL point (end to end) of a size sweep from which on the device beats the best CPU
 * backend at every larger size: its index, or -1.  *measured: whether any size had both. */
long hx_scale_crossover(const hx_scale_point *pts, size_t n, const uint64_t *sizes, size_t nsizes,
                        bool *measured);

#endif
