/*
 * measure.c - the measuring loop shared by every command (see measure.h).
 */
#include "hetero/measure.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/alloc.h"
#include "hetero/cpu.h"
#include "hetero/error.h"
#include "hetero/parse.h"
#include "hetero/timer.h"

#ifdef HETERO_HAVE_CUDA
#include "hetero/cuda.h"
#endif

/* Refuse sizes that would not fit: the workload's estimate against 80% of physical memory. */
static int check_size(const hx_workload *w, uint64_t size) {
    if (size < w->min_size || size > w->max_size)
        return hx_fail(HX_ERR_USAGE,
                       "--size %llu is out of range for %s; accepted: %llu to %llu (%s)",
                       (unsigned long long)size, w->name, (unsigned long long)w->min_size,
                       (unsigned long long)w->max_size, w->size_unit);
    double need = w->host_bytes(size);
    double have = (double)hx_host_memory_bytes();
    if (need > 0.8 * have) {
        char nb[32], hb[32];
        return hx_fail(HX_ERR_USAGE,
                       "--size %llu is too large for %s: it needs %s of host memory and this host "
                       "has %s",
                       (unsigned long long)size, w->name,
                       hx_format_bytes((uint64_t)need, nb, sizeof nb),
                       hx_format_bytes((uint64_t)have, hb, sizeof hb));
    }
    return HX_OK;
}

int hx_instance_init(hx_instance *in, const hx_workload *w, uint64_t size, uint64_t seed,
                     int threads, const double *params) {
    memset(in, 0, sizeof *in);
    HX_TRY(check_size(w, size));
    hx_problem *p = &in->problem;
    p->workload = w;
    p->size = size;
    p->seed = seed;
    p->threads = threads;
    for (size_t i = 0; i < w->nparams && i < HX_MAX_PARAMS; i++)
        p->param[i] = params ? params[i] : w->params[i].def;
    p->variant = w->default_variant;
    HX_TRY(w->setup(p));
    int status = hx_alloc_checked(&in->out, p->out_bytes, "the output");
    if (status == HX_OK)
        status = hx_alloc_checked(&in->ref, p->out_bytes, "the reference output");
    if (status != HX_OK)
        hx_instance_free(in);
    return status;
}

void hx_instance_free(hx_instance *in) {
    if (in->problem.workload && in->problem.data)
        in->problem.workload->teardown(&in->problem);
    hx_free(in->out);
    hx_free(in->ref);
    memset(in, 0, sizeof *in);
}

static unsigned processing_elements(hx_backend b, const hx_instance *in, const hx_target *t) {
    unsigned lanes = (unsigned)hx_simd_float_lanes(hx_cpu()->simd);
    unsigned threads = (unsigned)in->problem.threads;
    switch (b) {
    case HX_BACKEND_SERIAL:
        return 1;
    case HX_BACKEND_SIMD:
        return lanes;
    case HX_BACKEND_OMP:
        return threads;
    case HX_BACKEND_OMP_SIMD:
    case HX_BACKEND_BLAS:
        return threads * lanes;
    case HX_BACKEND_OPENCL:
        return t && t->session ? hx_ocl_processing_elements(t->session->dev) : 0;
    default:
        return 0; /* filled in by the device code */
    }
}

void hx_result_identity(hx_result *r, const hx_instance *in, hx_backend b, const hx_target *t) {
    const hx_workload *w = in->problem.workload;
    memset(r, 0, sizeof *r);
    r->workload = w->name;
    r->backend = hx_backend_name(b);
    if (hx_workload_variant_applies(w, b))
        r->variant = w->variants[in->problem.variant];
    r->flynn = hx_backend_get(b)->flynn;
    r->size = in->problem.size;
    bool threaded = b == HX_BACKEND_OMP || b == HX_BACKEND_OMP_SIMD || b == HX_BACKEND_BLAS;
    r->threads = threaded ? in->problem.threads : 1;
    r->pe = processing_elements(b, in, t);
    r->bytes = w->bytes(&in->problem);
    r->flops = w->flops ? w->flops(&in->problem) : 0.0;
    if (b == HX_BACKEND_OPENCL && t && t->session) {
        snprintf(r->device, sizeof r->device, "%s", t->session->dev->name);
        snprintf(r->mem, sizeof r->mem, "%s", hx_mem_name(t->mem));
    } else {
        snprintf(r->device, sizeof r->device, "%s", hx_cpu()->brand);
    }
}

static int measure_cpu(hx_instance *in, hx_backend b, void *dst, const hx_measure_opts *o,
                       double *samples) {
    hx_cpu_fn fn = in->problem.workload->cpu[b];
    omp_set_num_threads(in->problem.threads);
    for (int i = 0; i < o->warmup; i++)
        fn(&in->problem, dst);
    for (int i = 0; i < o->reps; i++) {
        double t0 = hx_now();
        fn(&in->problem, dst);
        samples[i] = hx_now() - t0;
    }
    return HX_OK;
}

/* svm-fine rows also time the run as a fine-grain SVM application runs it: inputs produced in the
 * shared allocation, the result read there (job->in_place).  The copying pass must verify first;
 * the in-place pass then leaves its own output in dst for hx_measure() to verify. */
static int measure_in_place(hx_instance *in, hx_ocl_job *job, void *dst, const hx_measure_opts *o,
                            hx_result *r) {
    const hx_workload *w = in->problem.workload;
    hx_verdict v;
    w->verify(&in->problem, dst, in->ref, &v);
    if (!v.ok)
        return HX_OK; /* the row is marked failed on the copying pass's output */
    double *e2e = calloc((size_t)o->reps, sizeof *e2e);
    if (!e2e)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(dst, 0xFF, in->problem.out_bytes);
    job->in_place = true;
    int status = HX_OK;
    double k;
    for (int i = 0; status == HX_OK && i < o->warmup + o->reps; i++)
        status = hx_ocl_job_run(job, w->ocl, dst, &k, &e2e[i < o->warmup ? 0 : i - o->warmup]);
    job->in_place = false;
    if (status == HX_OK)
        hx_result_extra(r, "e2e_in_place_s", hx_stats_of(e2e, (size_t)o->reps).median);
    free(e2e);
    return status;
}

static int measure_ocl(hx_instance *in, const hx_target *t, void *dst, const hx_measure_opts *o,
                       double *kernel, double *e2e, hx_result *r) {
    const hx_ocl_binding *b = in->problem.workload->ocl;
    hx_ocl_job job;
    HX_TRY(hx_ocl_job_start(&job, t->session, b, &in->problem, t->mem));
    int status = HX_OK;
    double k, e;
    for (int i = 0; status == HX_OK && i < o->warmup; i++)
        status = hx_ocl_job_run(&job, b, dst, &k, &e);
    for (int i = 0; status == HX_OK && i < o->reps; i++)
        status = hx_ocl_job_run(&job, b, dst, &kernel[i], &e2e[i]);
    if (status == HX_OK && b->extras)
        b->extras(&job, r);
    if (status == HX_OK && t->mem == HX_MEM_SVM_FINE)
        status = measure_in_place(in, &job, dst, o, r);
    hx_ocl_job_finish(&job, b);
    return status;
}

int hx_measure(hx_instance *in, hx_backend b, const hx_target *target, const hx_measure_opts *o,
               hx_result *r) {
    const hx_workload *w = in->problem.workload;
    if (!hx_workload_has(w, b))
        return hx_fail(HX_ERR_USAGE, "workload %s has no %s backend", w->name, hx_backend_name(b));
    if (b != HX_BACKEND_SERIAL && !in->have_reference)
        return hx_fail(HX_ERR_RUNTIME, "internal: serial must run before %s", hx_backend_name(b));
    hx_result_identity(r, in, b, target);
    r->reps = o->reps;
    r->warmup = o->warmup;
    void *dst = b == HX_BACKEND_SERIAL ? in->ref : in->out;
    memset(dst, 0xFF, in->problem.out_bytes); /* poison: NaN floats, -1 integers */

    double *samples = calloc(2 * (size_t)o->reps, sizeof *samples);
    if (!samples)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double *e2e = samples + o->reps;
    int status;
    if (hx_backend_is_cpu(b)) {
        status = measure_cpu(in, b, dst, o, samples);
    } else if (b == HX_BACKEND_OPENCL) {
        status = measure_ocl(in, target, dst, o, samples, e2e, r);
        r->has_e2e = true;
#ifdef HETERO_HAVE_CUDA
    } else if (b == HX_BACKEND_CUDA) {
        status = hx_cuda_measure(in, target, dst, o, samples, e2e, r);
        r->has_e2e = true;
#endif
    } else {
        status = hx_fail(HX_ERR_MISSING, "backend %s is not in this build", hx_backend_name(b));
    }
    if (status == HX_OK) {
        r->time = hx_stats_of(samples, (size_t)o->reps);
        if (r->has_e2e)
            r->e2e = hx_stats_of(e2e, (size_t)o->reps);
        if (b == HX_BACKEND_SERIAL) {
            in->serial_median = r->time.median;
            in->have_reference = true;
        }
        hx_verdict v;
        w->verify(&in->problem, dst, in->ref, &v);
        r->verified = v.ok;
        r->max_rel_err = v.max_err;
        r->tolerance = v.tolerance;
        hx_result_derive(r, in->serial_median);
    }
    free(samples);
    return status;
}
