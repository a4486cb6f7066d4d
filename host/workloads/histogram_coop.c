/*
 * NAME
 *     histogram-coop - one histogram counted by an OpenCL device and host threads together,
 *     in the same fine-grain SVM bins, with atomics, at the same time
 *
 * PURPOSE
 *     Shared virtual memory with atomics made visible.  The bins are one clSVMAlloc allocation
 *     (CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS).  The opencl backend launches the kernel
 *     on the first --device-share of the input and, while it runs, host threads count the rest
 *     with C11 atomic_fetch_add on the very same bins.  No copy, no merge step: when both sides
 *     are done the bins hold the histogram, and it must equal the serial one exactly.
 *
 * USAGE
 *     hetero run histogram-coop [--size=N] [--bins=B] [--device-share=F] [--mem=MODE]
 *     N input values (uint32, uniform in [0, B)); F in [0, 1] is the fraction of the input the
 *     device counts (the host threads count the rest).  --mem chooses how the device's share of
 *     the input reaches it (buffer, svm-coarse or svm-fine); the bins are fine-grain SVM with
 *     atomics in every mode - a device without them exits 3 and says what it lacks.
 *
 * NOTES
 *     Bytes per run = 4 n (each value read once) + 4 B (bins written once); no flops.
 *     The opencl row's extra figures: device_share and host_share (fractions of the input),
 *     host_threads, host_busy_s (median wall time of the host threads' part), coop_s (median wall
 *     time from the kernel's enqueue until both sides are done) and atomic_updates_per_s = n /
 *     coop_s, the combined rate of atomic increments on the shared bins.
 *     Verification is exact (integer counts): an atomic read-modify-write is never lost, whatever
 *     the interleaving; docs/svm.md gives the memory-ordering argument.
 *     serial and omp (private per-thread bins, merged) are the references a coop run is held to.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/report.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/core/stats.h"
#include "hetero/core/threads.h"
#include "hetero/core/timer.h"
#include "hetero/ocl/ocl.h"
#include "hetero/ocl/svm.h"
#include "hetero/workloads/workload.h"

enum { PARAM_BINS, PARAM_DEVICE_SHARE };

static const hx_param_def coop_params[] = {
    {"bins", 256, 1, 65536, true, "number of bins B (values are uniform in [0, B))"},
    {"device-share", 0.5, 0.0, 1.0, false, "fraction of the input the OpenCL device counts"},
};

typedef struct coop_data {
    uint32_t *values;
    size_t n;
    uint32_t nbins;
} coop_data;

/* ---- data setup ------------------------------------------------------------------------- */

static double coop_host_bytes(uint64_t n) {
    return 4.0 * (double)n + 2.0 * 4.0 * 65536; /* values; output and reference bins */
}

static double coop_bytes(const hx_problem *p) {
    return 4.0 * (double)p->size + 4.0 * p->param[PARAM_BINS];
}

static void coop_teardown(hx_problem *p) {
    coop_data *d = p->data;
    if (!d)
        return;
    hx_free(d->values);
    hx_free(d);
    p->data = NULL;
}

static int coop_setup(hx_problem *p) {
    coop_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->nbins = (uint32_t)p->param[PARAM_BINS];
    d->values = NULL;
    int status = hx_alloc_checked((void **)&d->values, d->n * sizeof(uint32_t), "the input values");
    if (status != HX_OK) {
        coop_teardown(p);
        return status;
    }
    for (size_t i = 0; i < d->n; i++) /* counter-based: value i depends on (seed, i) only */
        d->values[i] = (uint32_t)(hx_rng_bits(p->seed, 7, i) % d->nbins);
    p->out_bytes = d->nbins * sizeof(uint32_t);
    return HX_OK;
}

/* ---- serial: one increment per step -------------------------------------------------------- */

HX_SERIAL static void coop_serial(const hx_problem *p, void *out) {
    const coop_data *d = p->data;
    uint32_t *bins = out;
    memset(bins, 0, d->nbins * sizeof *bins);
    HX_NOVEC
    for (size_t i = 0; i < d->n; i++)
        bins[d->values[i]]++;
}

/* ---- omp: private bins per thread, merged at the end (no atomics at all) ----------------- */

static void coop_omp(const hx_problem *p, void *out) {
    const coop_data *d = p->data;
    uint32_t *bins = out;
    const long n = (long)d->n;
    memset(bins, 0, d->nbins * sizeof *bins);
#pragma omp parallel
    {
        uint32_t *mine = calloc(d->nbins, sizeof *mine);
        if (mine) {
#pragma omp for schedule(static)
            for (long i = 0; i < n; i++)
                mine[d->values[i]]++;
#pragma omp critical
            for (uint32_t b = 0; b < d->nbins; b++)
                bins[b] += mine[b];
            free(mine);
        }
        /* without its private bins a thread leaves its share uncounted: verification fails */
    }
}

/* ---- opencl: kernels/histogram_coop.cl plus host threads on the same SVM bins ------------ */

#define COOP_MAX_SAMPLES 4096

typedef struct coop_ocl {
    hx_ocl_mem *values;     /* the device's share of the input, in the job's memory mode */
    _Atomic uint32_t *bins; /* fine-grain SVM with atomics, shared by host and device */
    uint32_t *expect;       /* the serial histogram: every run is checked, not only the last */
    cl_kernel kernel;
    size_t n_dev; /* values [0, n_dev) go to the device, [n_dev, n) to the host */
    size_t global, local;
    unsigned host_threads;
    /* per-run figures for the extras (warm-up and timed runs; the last reps are the timed) */
    double host_busy[COOP_MAX_SAMPLES], coop[COOP_MAX_SAMPLES];
    size_t nsamples;
} coop_ocl;

typedef struct coop_host_work {
    const uint32_t *values;
    size_t begin, end;
    unsigned threads;
    _Atomic uint32_t *bins;
    uint32_t nbins;
} coop_host_work;

/* One host thread: its contiguous slice of the host share, one relaxed atomic add per value. */
static void coop_host_thread(void *arg, unsigned index) {
    const coop_host_work *w = arg;
    size_t span = w->end - w->begin;
    size_t lo = w->begin + span * index / w->threads;
    size_t hi = w->begin + span * (index + 1) / w->threads;
    for (size_t i = lo; i < hi; i++) {
        uint32_t v = w->values[i];
        if (v < w->nbins)
            atomic_fetch_add_explicit(&w->bins[v], 1u, memory_order_relaxed);
    }
}

static int coop_ocl_prepare(hx_ocl_job *job) {
    const hx_ocl_device *dev = job->session->dev;
    HX_TRY(hx_svm_require_atomics(dev, "histogram-coop"));
    const hx_problem *p = job->problem;
    const coop_data *d = p->data;
    coop_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    double share = p->param[PARAM_DEVICE_SHARE];
    s->n_dev = (size_t)(share * (double)d->n + 0.5);
    if (s->n_dev > d->n)
        s->n_dev = d->n;
    s->host_threads = p->threads > 0 ? (unsigned)p->threads : 1;
    s->expect = malloc(d->nbins * sizeof *s->expect);
    if (!s->expect)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    coop_serial(p, s->expect);
    HX_TRY(hx_ocl_alloc(job, s->n_dev * sizeof(uint32_t), HX_MEM_READ, &s->values));
    void *bins;
    HX_TRY(hx_svm_alloc_atomic(job->session->context, d->nbins * sizeof(uint32_t), &bins));
    s->bins = bins;
    HX_TRY(hx_ocl_kernel(job, "histogram_coop", &s->kernel));
    cl_uint n_dev = (cl_uint)s->n_dev, nbins = d->nbins;
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->values));
    HX_CL(clSetKernelArg(s->kernel, 1, sizeof n_dev, &n_dev));
    HX_CL(clSetKernelArgSVMPointer(s->kernel, 2, bins));
    HX_CL(clSetKernelArg(s->kernel, 3, sizeof nbins, &nbins));
    s->local = hx_ocl_stream_local_size(dev);
    size_t groups = 4 * (size_t)(dev->compute_units ? dev->compute_units : 1);
    s->global = hx_round_up(s->n_dev ? s->n_dev : 1, s->local);
    if (s->global > groups * s->local)
        s->global = groups * s->local; /* the grid-stride loop covers the rest */
    return HX_OK;
}

/* A race shows up in one run among many, so each run is held to the serial histogram (the
 * measuring loop verifies only the last output). */
static int coop_check_run(const coop_ocl *s, const uint32_t *bins, uint32_t nbins) {
    for (uint32_t b = 0; b < nbins; b++)
        if (bins[b] != s->expect[b])
            return hx_fail(HX_ERR_RUNTIME,
                           "histogram-coop run %zu: bin %u holds %u, the serial count is %u (an "
                           "atomic update was lost or doubled)",
                           s->nsamples, b, bins[b], s->expect[b]);
    return HX_OK;
}

static int coop_ocl_run(hx_ocl_job *job, void *out) {
    coop_ocl *s = job->state;
    const coop_data *d = job->problem->data;
    /* No kernel is running (the previous run ended with clFinish), so plain host stores may zero
     * the bins; enqueueing the kernel below publishes them to the device. */
    memset((void *)s->bins, 0, d->nbins * sizeof(uint32_t));
    if (s->n_dev > 0)
        HX_TRY(hx_ocl_upload(job, s->values, d->values));
    double t0 = hx_now();
    if (s->n_dev > 0) {
        HX_TRY(hx_ocl_launch(job, s->kernel, 1, &s->global, &s->local));
        HX_CL(clFlush(job->session->queue)); /* start it now, not at the next blocking call */
    }
    coop_host_work w = {d->values, s->n_dev, d->n, s->host_threads, s->bins, d->nbins};
    int status = s->n_dev < d->n ? hx_threads_run(s->host_threads, coop_host_thread, &w) : HX_OK;
    double t_host = hx_now();
    cl_int err = clFinish(job->session->queue); /* the device's increments are now visible */
    double t_end = hx_now();
    HX_TRY(status);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clFinish");
    size_t k = s->nsamples++ % COOP_MAX_SAMPLES;
    s->host_busy[k] = t_host - t0;
    s->coop[k] = t_end - t0;
    uint32_t *bins = out;
    for (uint32_t b = 0; b < d->nbins; b++)
        bins[b] = atomic_load_explicit(&s->bins[b], memory_order_relaxed);
    return coop_check_run(s, bins, d->nbins);
}

static void coop_ocl_release(hx_ocl_job *job) {
    coop_ocl *s = job->state;
    if (!s)
        return;
    if (s->bins)
        clSVMFree(job->session->context, (void *)s->bins);
    s->bins = NULL;
    free(s->expect);
    s->expect = NULL;
}

/* Median of the last `reps` samples of a ring of COOP_MAX_SAMPLES. */
static double last_median(const double *ring, size_t count, int reps) {
    size_t n = (size_t)reps < count ? (size_t)reps : count;
    if (n > COOP_MAX_SAMPLES)
        n = COOP_MAX_SAMPLES;
    double *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        tmp[i] = ring[(count - n + i) % COOP_MAX_SAMPLES];
    double m = n ? hx_stats_of(tmp, n).median : 0.0;
    free(tmp);
    return m;
}

static void coop_ocl_extras(hx_ocl_job *job, hx_result *r) {
    const coop_ocl *s = job->state;
    const coop_data *d = job->problem->data;
    double n = (double)d->n;
    double coop = last_median(s->coop, s->nsamples, r->reps);
    hx_result_extra(r, "device_share", n > 0 ? (double)s->n_dev / n : 0.0);
    hx_result_extra(r, "host_share", n > 0 ? (double)(d->n - s->n_dev) / n : 0.0);
    hx_result_extra(r, "host_threads", s->host_threads);
    hx_result_extra(r, "host_busy_s", last_median(s->host_busy, s->nsamples, r->reps));
    hx_result_extra(r, "coop_s", coop);
    hx_result_extra(r, "atomic_updates_per_s", coop > 0 ? n / coop : 0.0);
}

static const hx_ocl_binding coop_ocl_binding = {
    .file = "histogram_coop.cl",
    .options = "-cl-std=CL3.0",
    .needs_c11_atomics = true,
    .prepare = coop_ocl_prepare,
    .run = coop_ocl_run,
    .release = coop_ocl_release,
    .extras = coop_ocl_extras,
};

/* ---- verification ------------------------------------------------------------------------- */

static void coop_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    const coop_data *d = p->data;
    hx_verify_u32(out, ref, d->nbins, v);
}

/* ---- registry entry ----------------------------------------------------------------------- */

const hx_workload hx_workload_histogram_coop = {
    .name = "histogram-coop",
    .summary = "histogram counted by device + host threads in shared SVM bins with atomics",
    .lesson = "shared virtual memory: host and device atomics on one allocation, at once",
    .size_unit = "input values",
    .default_size = (uint64_t)16 << 20,
    .min_size = 1,
    .max_size = (uint64_t)1 << 30,
    .test_size = 10007, /* prime: vector and work-group tails */
    .params = coop_params,
    .nparams = sizeof coop_params / sizeof coop_params[0],
    .bytes = coop_bytes,
    .host_bytes = coop_host_bytes,
    .setup = coop_setup,
    .teardown = coop_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = coop_serial, [HX_BACKEND_OMP] = coop_omp},
    .ocl = &coop_ocl_binding,
    .verify = coop_verify,
};
