/*
 * plan.c - what a scaling sweep will measure, checked before anything runs (see scale.h).
 *
 * hx_scale_prepare() turns the options into a complete sweep (backends, the sorted p list with
 * p = 1, sizes in range); hx_scale_plan_make() lists every measurement in the order the sweep
 * makes them; the memory estimate and the progress count are read off that list, so neither can
 * disagree with what runs.
 *
 * Per instance (one size, one set of inputs) the plan measures serial first (the reference every
 * output is verified against, and the serial baseline), then the one-processor baselines that
 * absolute speedup needs (simd, blas on one thread) unless they are points anyway, then the
 * points.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/analysis/laws.h"
#include "hetero/analysis/scale.h"
#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/job.h"

static const char *const mode_names[] = {"strong", "weak", "sizes"};

const char *hx_scale_mode_name(hx_scale_mode m) {
    return mode_names[m];
}

/* ---- the sweep's options, checked ------------------------------------------------------------ */

static bool sweepable(hx_backend b) { /* the backends with a p to vary */
    return b == HX_BACKEND_OMP || b == HX_BACKEND_OMP_SIMD || b == HX_BACKEND_THREADS ||
           b == HX_BACKEND_BLAS || b == HX_BACKEND_OPENCL;
}

/* --ranks: the mpi backend alone, on one of the workload's variants. */
static int check_ranks_backend(hx_scale_config *c) {
    const hx_workload *w = c->w;
    for (int b = 0; b < HX_BACKEND_COUNT; b++)
        if (c->backend_given && c->want[b] && b != HX_BACKEND_MPI)
            return hx_fail(HX_ERR_USAGE,
                           "--ranks sweeps the mpi backend; --backend %s has no ranks",
                           hx_backend_name((hx_backend)b));
    if (!hx_backend_built(HX_BACKEND_MPI))
        return hx_fail(HX_ERR_MISSING, "--ranks needs the mpi backend, which is not in this build "
                                       "of hetero (install libopenmpi-dev and rebuild)");
    if (!hx_workload_has(w, HX_BACKEND_MPI))
        return hx_fail(HX_ERR_USAGE, "workload %s has no mpi backend (see 'hetero list')", w->name);
    if (c->threads_given || c->mode == HX_SCALE_SIZES)
        return hx_fail(HX_ERR_USAGE, "--ranks sweeps ranks (one thread each): it excludes "
                                     "--threads and --sizes");
    memset(c->want, 0, sizeof c->want);
    c->want[HX_BACKEND_MPI] = true;
    c->mpi.threads = 1; /* p counts ranks: one thread each */
    if (c->mpi.variants && strchr(c->mpi.variants, ','))
        return hx_fail(HX_ERR_USAGE, "--mpi-variant '%s': a ranks sweep takes one variant",
                       c->mpi.variants);
    HX_TRY(hx_mpi_rows_check_variants(&c->w, 1, &c->mpi));
    int variant;
    if (hx_mpi_rows_variants(w, &c->mpi, &variant, 1) == 0)
        return hx_fail(HX_ERR_USAGE, "workload %s has no distributed variant to sweep", w->name);
    c->mpi.variants = hx_mpi_variant_name(w, variant);
    return HX_OK;
}

static int check_backends(hx_scale_config *c) {
    const hx_workload *w = c->w;
    if (c->ranks_given)
        return check_ranks_backend(c);
    if (c->mode == HX_SCALE_SIZES) {
        for (int b = 0; b < HX_BACKEND_COUNT; b++)
            if (c->backend_given && c->want[b] && !hx_workload_has(w, (hx_backend)b))
                return hx_fail(HX_ERR_USAGE, "workload %s has no %s backend (see 'hetero list')",
                               w->name, hx_backend_name((hx_backend)b));
        if (c->backend_given && c->want[HX_BACKEND_MPI])
            return hx_fail(HX_ERR_USAGE, "--backend mpi has no place in a size sweep (one "
                                         "process); sweep its ranks with --ranks");
        if (!c->backend_given) /* mpi rows need a job of ranks: --ranks sweeps them */
            for (int b = 0; b < HX_BACKEND_COUNT; b++)
                c->want[b] = hx_workload_has(w, (hx_backend)b) && b != HX_BACKEND_CUDA &&
                             b != HX_BACKEND_MPI;
        return HX_OK;
    }
    if (!c->backend_given)
        c->want[HX_BACKEND_OMP] = true;
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        if (!c->want[b])
            continue;
        if (!sweepable((hx_backend)b))
            return hx_fail(HX_ERR_USAGE,
                           "--backend %s has no p to vary; accepted for a threads sweep: omp, "
                           "omp-simd, threads, blas, opencl (mpi: sweep its ranks with --ranks)",
                           hx_backend_name((hx_backend)b));
        if (!hx_workload_has(w, (hx_backend)b))
            return hx_fail(HX_ERR_USAGE, "workload %s has no %s backend (see 'hetero list')",
                           w->name, hx_backend_name((hx_backend)b));
    }
    return HX_OK;
}

int hx_scale_check_ranks(const hx_scale_config *c) {
    int world = hx_engine_ranks();
    uint64_t most = c->p[c->np - 1];
    if (most > (uint64_t)world)
        return hx_fail(HX_ERR_USAGE,
                       "--ranks %llu needs %llu ranks and this job has %d: run 'mpirun -np %llu "
                       "hetero scale %s --ranks=...'",
                       (unsigned long long)most, (unsigned long long)most, world,
                       (unsigned long long)most, c->w->name);
    uint64_t base = c->size_given ? c->size : hx_workload_default_size(c->w);
    for (size_t i = 0; i < c->np; i++) {
        uint64_t size = base;
        if (c->mode == HX_SCALE_WEAK)
            HX_TRY(hx_scale_weak_size(c->w, c->params, base, c->p[i], &size));
        hx_mpi_spec spec = c->mpi;
        spec.ranks = (int)c->p[i];
        HX_TRY(hx_mpi_rows_check(c->w, size, c->params, &spec));
    }
    return HX_OK;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Threads sweep: sorted, without repeats, and with p = 1 (the T1 of every speedup). */
static void normalise_p(hx_scale_config *c) {
    if (!c->threads_given && !c->ranks_given) {
        c->np = 0;
        for (uint64_t p = 1; p <= (uint64_t)c->cores && c->np < HX_SCALE_MAX_P; p *= 2)
            c->p[c->np++] = p;
        if (c->p[c->np - 1] != (uint64_t)c->cores && c->np < HX_SCALE_MAX_P)
            c->p[c->np++] = (uint64_t)c->cores;
    }
    qsort(c->p, c->np, sizeof c->p[0], cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < c->np; i++)
        if (k == 0 || c->p[i] != c->p[k - 1])
            c->p[k++] = c->p[i];
    c->np = k;
    if (c->p[0] != 1) {
        if (c->np == HX_SCALE_MAX_P)
            c->np--;
        memmove(c->p + 1, c->p, c->np * sizeof c->p[0]);
        c->p[0] = 1;
        c->np++;
        hx_notice("--%s has no 1: measuring p=1 as well, the T1 of every speedup",
                  c->ranks_given ? "ranks" : "threads");
    }
}

int hx_scale_prepare(hx_scale_config *c) {
    if (c->cores <= 0)
        c->cores = hx_cpu()->logical_cpus;
    if (c->mode == HX_SCALE_SIZES && c->threads_given && c->np != 1)
        return hx_fail(HX_ERR_USAGE, "--sizes takes at most one --threads value (the threads of "
                                     "the omp backends at every size)");
    HX_TRY(check_backends(c));
    if (c->mode != HX_SCALE_SIZES)
        normalise_p(c);
    for (size_t i = 0; i < c->nsizes; i++)
        HX_TRY(hx_workload_check_size(c->w, "--sizes: size", c->sizes[i]));
    if (c->size_given)
        HX_TRY(hx_workload_check_size(c->w, "--size", c->size));
    return HX_OK;
}

hx_target_spec hx_scale_target_spec(const hx_scale_config *c, const char *device, const char *mem) {
    hx_target_spec s = {
        .opencl = c->want[HX_BACKEND_OPENCL] && hx_workload_has(c->w, HX_BACKEND_OPENCL),
        .opencl_explicit = (c->backend_given && c->want[HX_BACKEND_OPENCL]) || device,
        .device = device,
        .mem = mem,
        .max_devices = 1,
        .purpose = "scaling",
        .cuda = c->want[HX_BACKEND_CUDA],
        .cuda_explicit = c->backend_given && c->want[HX_BACKEND_CUDA],
    };
    return s;
}

/* ---- the plan ------------------------------------------------------------------------------ */

static int add_job(hx_scale_plan *plan, hx_scale_job job) {
    if (plan->n == plan->cap) {
        size_t cap = plan->cap ? 2 * plan->cap : 32;
        hx_scale_job *jobs = realloc(plan->jobs, cap * sizeof *jobs);
        if (!jobs)
            return hx_fail(HX_ERR_RUNTIME, "out of memory");
        plan->jobs = jobs;
        plan->cap = cap;
    }
    plan->jobs[plan->n++] = job;
    return HX_OK;
}

static bool has(const hx_scale_config *c, hx_backend b) {
    return hx_workload_has(c->w, b);
}

/* The start of an instance: serial (a point only in a size sweep that asked for it), then the
 * one-processor baselines of absolute speedup that will not be points anyway. */
static int add_baselines(hx_scale_plan *plan, const hx_scale_config *c, uint64_t size,
                         int threads) {
    bool sizes = c->mode == HX_SCALE_SIZES;
    bool serial_point = sizes && c->want[HX_BACKEND_SERIAL];
    hx_scale_job j = {size, threads, HX_BACKEND_SERIAL, 1, true, !serial_point, serial_point};
    HX_TRY(add_job(plan, j));
    j.fresh = false;
    j.reference = true;
    j.report = false;
    if (has(c, HX_BACKEND_SIMD) && !(sizes && c->want[HX_BACKEND_SIMD])) {
        j.backend = HX_BACKEND_SIMD;
        HX_TRY(add_job(plan, j));
    }
    /* blas at p = 1 is a point of a threads sweep of blas, and of a size sweep on one thread */
    bool blas_point_at_1 = c->want[HX_BACKEND_BLAS] && (!sizes || threads == 1);
    if (has(c, HX_BACKEND_BLAS) && !blas_point_at_1) {
        j.backend = HX_BACKEND_BLAS;
        HX_TRY(add_job(plan, j));
    }
    return HX_OK;
}

static bool runs_here(const hx_scale_config *c, const hx_target_set *ts, hx_backend b) {
    if (!c->want[b] || b == HX_BACKEND_SERIAL)
        return false;
    if (b == HX_BACKEND_OPENCL)
        return ts && ts->ndevices > 0;
    if (b == HX_BACKEND_CUDA)
        return ts && ts->cuda;
    return true;
}

static int plan_threads(const hx_scale_config *c, const hx_target_set *ts, hx_scale_plan *plan) {
    uint64_t base = c->size_given ? c->size : hx_workload_default_size(c->w);
    for (size_t i = 0; i < c->np; i++) {
        unsigned p = (unsigned)c->p[i];
        uint64_t size = base;
        if (c->mode == HX_SCALE_WEAK)
            HX_TRY(hx_scale_weak_size(c->w, c->params, base, p, &size));
        if (i == 0 || c->mode == HX_SCALE_WEAK)
            HX_TRY(add_baselines(plan, c, size, 1));
        for (int b = 0; b < HX_BACKEND_COUNT; b++) {
            if (!runs_here(c, ts, (hx_backend)b))
                continue;
            hx_scale_job j = {size, 1, (hx_backend)b, p, false, false, true};
            HX_TRY(add_job(plan, j));
        }
    }
    return HX_OK;
}

static int plan_sizes(const hx_scale_config *c, const hx_target_set *ts, hx_scale_plan *plan) {
    int threads = c->threads_given ? (int)c->p[0] : c->cores;
    unsigned units = ts && ts->ndevices ? ts->devices[0].dev->compute_units : 0;
    for (size_t s = 0; s < c->nsizes; s++) {
        HX_TRY(add_baselines(plan, c, c->sizes[s], threads));
        for (int b = HX_BACKEND_SIMD; b < HX_BACKEND_COUNT; b++) {
            if (!runs_here(c, ts, (hx_backend)b))
                continue;
            unsigned p = b == HX_BACKEND_OPENCL                         ? units
                         : b == HX_BACKEND_SIMD || b == HX_BACKEND_CUDA ? 1
                                                                        : (unsigned)threads;
            hx_scale_job j = {c->sizes[s], threads, (hx_backend)b, p, false, false, true};
            HX_TRY(add_job(plan, j));
        }
    }
    return HX_OK;
}

int hx_scale_plan_make(const hx_scale_config *c, const hx_target_set *ts, hx_scale_plan *plan) {
    memset(plan, 0, sizeof *plan);
    int status = c->mode == HX_SCALE_SIZES ? plan_sizes(c, ts, plan) : plan_threads(c, ts, plan);
    if (status != HX_OK)
        hx_scale_plan_free(plan);
    return status;
}

void hx_scale_plan_free(hx_scale_plan *plan) {
    free(plan->jobs);
    memset(plan, 0, sizeof *plan);
}

/* ---- memory -------------------------------------------------------------------------------- */

void hx_scale_memory_estimate(const hx_scale_config *c, const hx_scale_plan *plan,
                              bool device_in_host_memory, double available, hx_scale_memory *m) {
    memset(m, 0, sizeof *m);
    m->available = available;
    for (size_t i = 0; i < plan->n; i++) {
        if (!plan->jobs[i].fresh)
            continue;
        bool opencl = false; /* does this instance run opencl jobs? */
        for (size_t k = i; k < plan->n && (k == i || !plan->jobs[k].fresh); k++)
            opencl |= plan->jobs[k].backend == HX_BACKEND_OPENCL;
        double host = c->w->host_bytes(plan->jobs[i].size);
        /* the device's buffers hold at most the inputs and one output: no more than host */
        double device = opencl && device_in_host_memory ? host : 0.0;
        if (host + device > m->estimate) {
            m->estimate = host + device;
            m->host = host;
            m->device = device;
            m->size = plan->jobs[i].size;
        }
    }
}

int hx_scale_memory_verdict(const hx_scale_config *c, const hx_scale_memory *m) {
    char need[32], host[32], dev[32], have[32], devtext[96] = "";
    if (!(m->estimate > m->available)) {
        if (m->estimate > m->available / 2) /* said before the sweep, not only in the report */
            hx_notice("the sweep's largest point, %s size %llu, needs about %s of the %s "
                      "available",
                      c->w->name, (unsigned long long)m->size,
                      hx_format_bytes((uint64_t)m->estimate, need, sizeof need),
                      hx_format_bytes((uint64_t)m->available, have, sizeof have));
        return HX_OK;
    }
    if (m->device > 0)
        snprintf(devtext, sizeof devtext, " + %s of OpenCL buffers on the CPU device",
                 hx_format_bytes((uint64_t)m->device, dev, sizeof dev));
    return hx_fail(HX_ERR_USAGE,
                   "the sweep's largest point, %s size %llu, needs about %s of memory (%s of host "
                   "arrays%s) and %s is available; use a smaller %s",
                   c->w->name, (unsigned long long)m->size,
                   hx_format_bytes((uint64_t)m->estimate, need, sizeof need),
                   hx_format_bytes((uint64_t)m->host, host, sizeof host), devtext,
                   hx_format_bytes((uint64_t)m->available, have, sizeof have),
                   c->mode == HX_SCALE_SIZES ? "upper bound of --sizes"
                                             : "--size or fewer --threads");
}

int hx_scale_memory_check(const hx_scale_config *c, const hx_scale_plan *plan,
                          const hx_target_set *ts, hx_scale_memory *m) {
    bool cpu_device = ts->ndevices > 0 && (ts->devices[0].dev->type & CL_DEVICE_TYPE_CPU);
    hx_scale_memory_estimate(c, plan, cpu_device, (double)hx_memory_available_bytes(), m);
    return hx_scale_memory_verdict(c, m);
}
