/*
 * laws.c - from measured points to speedups, Karp-Flatt, fits and the crossover (see laws.h).
 *
 * Everything here is arithmetic on points that are already measured, so the unit tests build
 * points by hand (a known P, an oversubscribed p, a noisy point) and check each rule.  The
 * formulas themselves (Amdahl, Gustafson, Karp-Flatt, the least-squares fits, the weak-scaling
 * bisection) live in core/fit.c; this file decides which points they are given and whether what
 * comes back may be shown as a number.
 */
#include "hetero/analysis/laws.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hetero/core/error.h"

/* ---- weak scaling -----------------------------------------------------------------------------
 */

static bool work_is_flops(const hx_workload *w) {
    return w->flops && !w->flops_need_data;
}

double hx_scale_work(const hx_workload *w, const double *params, uint64_t size) {
    hx_problem p;
    memset(&p, 0, sizeof p);
    p.workload = w;
    p.size = size;
    p.threads = 1;
    for (size_t k = 0; k < w->nparams && k < HX_MAX_PARAMS; k++)
        p.param[k] = params[k];
    return work_is_flops(w) ? w->flops(&p) : w->bytes(&p);
}

const char *hx_scale_work_kind(const hx_workload *w) {
    return work_is_flops(w) ? "flops" : "bytes";
}

typedef struct work_ctx {
    const hx_workload *w;
    const double *params;
} work_ctx;

static double work_at(uint64_t size, const void *ctx) {
    const work_ctx *x = ctx;
    return hx_scale_work(x->w, x->params, size);
}

int hx_scale_weak_size(const hx_workload *w, const double *params, uint64_t base, uint64_t p,
                       uint64_t *out) {
    work_ctx x = {w, params};
    if (hx_scaled_size(work_at, &x, base, (double)p, w->max_size, out))
        return HX_OK;
    return hx_fail(HX_ERR_USAGE,
                   "weak scaling from --size %llu to p=%llu needs more than %s's largest size "
                   "%llu; use a smaller --size or fewer --threads",
                   (unsigned long long)base, (unsigned long long)p, w->name,
                   (unsigned long long)w->max_size);
}

/* ---- per point ------------------------------------------------------------------------------ */

double hx_scale_karp_flatt(double speedup, double p, const char **no_fit) {
    *no_fit = NULL;
    double e = hx_karp_flatt(speedup, p);
    if (isnan(e))
        return NAN;
    if (e < 0.0) {
        *no_fit = "S > p"; /* superlinear: no serial fraction explains it */
        return NAN;
    }
    if (e > 1.0) {
        *no_fit = "S < 1"; /* slower than one thread: more than all of it serial */
        return NAN;
    }
    return e;
}

static bool one_processor_code(const hx_scale_point *pt) {
    return pt->backend == HX_BACKEND_SERIAL || pt->backend == HX_BACKEND_SIMD ||
           (pt->backend == HX_BACKEND_BLAS && pt->r.threads == 1);
}

static void best_of(const hx_scale_point *pts, size_t n, uint64_t size, double *best,
                    hx_backend *which) {
    for (size_t i = 0; i < n; i++) {
        const hx_scale_point *pt = &pts[i];
        if (pt->r.size == size && one_processor_code(pt) && pt->r.time.median < *best) {
            *best = pt->r.time.median;
            *which = pt->backend;
        }
    }
}

double hx_scale_best_serial(const hx_scale_point *pts, size_t n, const hx_scale_point *refs,
                            size_t nrefs, uint64_t size, hx_backend *which) {
    double best = INFINITY;
    *which = HX_BACKEND_SERIAL;
    best_of(refs, nrefs, size, &best, which);
    best_of(pts, n, size, &best, which);
    return best;
}

/* The time a point's speedups divide: with communication for mpi points (a ranks sweep shows
 * communication as serial fraction), the main time otherwise. */
static double point_time(const hx_scale_point *pt) {
    return pt->backend == HX_BACKEND_MPI && pt->r.has_e2e ? pt->r.e2e.median : pt->r.time.median;
}

/* The same backend's p = 1 point (in a weak sweep, the one at the base size). */
static const hx_scale_point *t1_of(const hx_scale_point *pts, size_t n, hx_backend b) {
    for (size_t k = 0; k < n; k++)
        if (pts[k].backend == b && pts[k].p == 1)
            return &pts[k];
    return NULL;
}

static void derive_threads(hx_scale_point *pt, const hx_scale_point *t1, hx_scale_mode mode) {
    pt->t1 = t1 ? point_time(t1) : NAN;
    pt->t1_noisy = t1 && t1->noisy;
    double p = (double)pt->p, tp = point_time(pt);
    pt->speedup = mode == HX_SCALE_WEAK ? p * pt->t1 / tp : pt->t1 / tp;
    pt->efficiency = pt->speedup / p;
    pt->karp_flatt = hx_scale_karp_flatt(pt->speedup, p, &pt->karp_flatt_no_fit);
    pt->superlinear = pt->p > 1 && pt->speedup > p;
}

void hx_scale_derive(hx_scale_point *pts, size_t n, const hx_scale_point *refs, size_t nrefs,
                     hx_scale_mode mode, const hx_cache_level *caches, size_t ncaches) {
    for (size_t i = 0; i < n; i++) {
        hx_scale_point *pt = &pts[i];
        double tp = point_time(pt);
        pt->best_serial =
            hx_scale_best_serial(pts, n, refs, nrefs, pt->r.size, &pt->best_serial_backend);
        pt->speedup_abs = pt->best_serial / tp;
        pt->speedup_serial = pt->serial_median / tp;
        pt->working_set = pt->r.bytes;
        pt->share = pt->working_set / (double)(pt->p ? pt->p : 1);
        pt->cache = hx_cache_fit(caches, ncaches, pt->working_set);
        pt->share_cache = hx_cache_fit(caches, ncaches, pt->share);
        if (mode == HX_SCALE_SIZES) { /* S against serial; no p to scale */
            pt->t1 = pt->serial_median;
            pt->speedup = pt->speedup_serial;
            pt->efficiency = NAN;
            pt->karp_flatt = NAN;
            pt->karp_flatt_no_fit = NULL;
            pt->superlinear = false;
        } else {
            derive_threads(pt, t1_of(pts, n, pt->backend), mode);
        }
    }
}

/* ---- fits ----------------------------------------------------------------------------------- */

static void no_fit(hx_scale_fit *f, const char *fmt, ...) HX_PRINTF(2, 3);

static void no_fit(hx_scale_fit *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->no_fit, sizeof f->no_fit, fmt, ap);
    va_end(ap);
    f->ok = false;
    f->fit.ok = false;
    f->fit.value = f->fit.residual = f->fit.limit = NAN;
}

/* A law's parameter is a fraction of the work: [0, 1], or the law does not describe the points. */
static void check_domain(hx_scale_fit *f) {
    double v = f->fit.value;
    const char *name = f->weak ? "a" : "P";
    if (!isfinite(v))
        no_fit(f, "the fit of %s did not converge", name);
    else if (!f->weak && v < 0.0)
        no_fit(f, "P = %.3f < 0: the points are slower than at p = 1 (S < 1)", v);
    else if (!f->weak && v > 1.0)
        no_fit(f, "P = %.3f > 1: the points are superlinear (S > p)", v);
    else if (f->weak && v > 1.0)
        no_fit(f, "a = %.3f > 1: the scaled points are slower than at p = 1 (S < 1)", v);
    else if (f->weak && v < 0.0)
        no_fit(f, "a = %.3f < 0: the scaled points are superlinear (S > p)", v);
}

static void too_few(hx_scale_fit *f, size_t used, int cores) {
    char left[96] = "";
    if (f->oversubscribed && f->unverified)
        snprintf(left, sizeof left, "; %zu oversubscribed and %zu unverified left out",
                 f->oversubscribed, f->unverified);
    else if (f->oversubscribed || f->unverified)
        snprintf(left, sizeof left, "; %zu %s left out", f->oversubscribed + f->unverified,
                 f->oversubscribed ? "oversubscribed" : "unverified");
    (void)used;
    no_fit(f, "no point with 1 < p <= %d cores%s", cores, left);
}

void hx_scale_fit_backend(const hx_scale_point *pts, size_t n, hx_backend b, bool weak, int cores,
                          hx_scale_fit *f) {
    memset(f, 0, sizeof *f);
    f->backend = b;
    f->weak = weak;
    double p[HX_SCALE_MAX_P], s[HX_SCALE_MAX_P];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const hx_scale_point *pt = &pts[i];
        if (pt->backend != b)
            continue;
        snprintf(f->device, sizeof f->device, "%s", pt->r.device);
        if (pt->p <= 1)
            continue; /* every law gives S(1) = 1: no information */
        if (pt->oversubscribed) {
            f->oversubscribed++;
            continue;
        }
        if (!pt->r.verified || !isfinite(pt->speedup)) {
            f->unverified++;
            continue;
        }
        if (pt->noisy || pt->t1_noisy)
            f->noisy++;
        if (used < HX_SCALE_MAX_P) {
            p[used] = (double)pt->p;
            s[used++] = pt->speedup;
        }
    }
    f->fit.points = used;
    if (f->noisy) {
        no_fit(f, "%zu of %zu points measured on a noisy machine", f->noisy, used);
        return;
    }
    if (used < HX_SCALE_MIN_FIT_POINTS) {
        too_few(f, used, cores);
        return;
    }
    f->fit = weak ? hx_fit_gustafson(p, s, used) : hx_fit_amdahl(p, s, used);
    f->ok = f->fit.ok;
    f->exact = used == 1;
    if (f->ok)
        check_domain(f);
}

/* ---- the crossover -------------------------------------------------------------------------- */

long hx_scale_crossover(const hx_scale_point *pts, size_t n, const uint64_t *sizes, size_t nsizes,
                        bool *measured) {
    *measured = false;
    long candidate = -1;
    for (size_t s = 0; s < nsizes; s++) {
        double best_cpu = INFINITY;
        long ocl = -1;
        for (size_t i = 0; i < n; i++) {
            const hx_scale_point *pt = &pts[i];
            if (pt->r.size != sizes[s])
                continue;
            if (pt->backend == HX_BACKEND_OPENCL && pt->r.has_e2e)
                ocl = (long)i;
            else if (hx_backend_is_cpu(pt->backend) && pt->r.time.median < best_cpu)
                best_cpu = pt->r.time.median;
        }
        if (ocl < 0 || !isfinite(best_cpu))
            continue;
        *measured = true;
        if (pts[ocl].r.e2e.median < best_cpu) {
            if (candidate < 0)
                candidate = ocl; /* a win that must hold at every larger size */
        } else {
            candidate = -1;
        }
    }
    return candidate;
}
