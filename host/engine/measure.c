/*
 * measure.c - the measuring loop shared by every command (see measure.h).
 *
 * Nothing here knows a backend: each step goes through the backend's table entry (backends.h),
 * so the loop, the poisoning, the statistics and the verification are written once.
 */
#include "hetero/engine/measure.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/engine/backends.h"

int hx_instance_init(hx_instance *in, const hx_workload *w, uint64_t size, uint64_t seed,
                     int threads, const double *params) {
    memset(in, 0, sizeof *in);
    HX_TRY(hx_workload_check_size(w, "--size", size));
    hx_problem *p = &in->problem;
    p->workload = w;
    p->size = size;
    p->seed = seed;
    p->threads = threads;
    for (size_t i = 0; i < w->nparams && i < HX_MAX_PARAMS; i++)
        p->param[i] = params ? params[i] : w->params[i].def;
    p->variant = w->default_variant;
    /* setup's parallel fills first-touch the inputs with the threads that will run on them, and
     * never with an unchecked OMP_NUM_THREADS */
    omp_set_num_threads(threads);
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

/* The fields every row has, whatever ran it; the backend's describe adds the rest. */
static void identify(hx_result *r, const hx_instance *in, hx_backend b, const hx_measure_opts *o) {
    const hx_workload *w = in->problem.workload;
    memset(r, 0, sizeof *r);
    r->workload = w->name;
    r->backend = hx_backend_name(b);
    if (hx_workload_variant_applies(w, b))
        r->variant = w->variants[in->problem.variant];
    r->flynn = hx_backend_get(b)->flynn;
    r->size = in->problem.size;
    r->threads = 1;
    r->reps = o->reps;
    r->warmup = o->warmup;
    r->bytes = w->bytes(&in->problem);
    r->flops = w->flops ? w->flops(&in->problem) : 0.0;
}

/* open, warm-up, timed runs, finish: samples[i] gets the main time, e2e[i] the end-to-end one. */
static int run_backend(const hx_backend_ops *ops, hx_backend_run *run, double *samples, double *e2e,
                       hx_result *r) {
    HX_TRY(ops->open(run));
    const hx_measure_opts *o = run->opts;
    int status = HX_OK;
    double m, e;
    for (int i = 0; status == HX_OK && i < o->warmup; i++)
        status = ops->run(run, &m, &e);
    for (int i = 0; status == HX_OK && i < o->reps; i++)
        status = ops->run(run, &samples[i], &e2e[i]);
    int finished = ops->finish(run, status == HX_OK ? r : NULL);
    return status != HX_OK ? status : finished;
}

static void verify_row(hx_instance *in, hx_backend b, const void *dst, hx_result *r) {
    if (b == HX_BACKEND_SERIAL) {
        in->serial_median = r->time.median;
        in->have_reference = true;
    }
    hx_verdict v;
    in->problem.workload->verify(&in->problem, dst, in->ref, &v);
    r->verified = v.ok;
    r->max_rel_err = v.max_err;
    r->tolerance = v.tolerance;
    hx_result_derive(r, in->serial_median);
}

int hx_measure(hx_instance *in, hx_backend b, const hx_target *target, const hx_measure_opts *o,
               hx_result *r) {
    const hx_workload *w = in->problem.workload;
    const hx_backend_ops *ops = hx_backend_ops_of(b);
    if (!ops)
        return hx_fail(HX_ERR_MISSING, "backend %s is not in this build", hx_backend_name(b));
    if (!ops->has(w, b))
        return hx_fail(HX_ERR_USAGE, "workload %s has no %s backend", w->name, hx_backend_name(b));
    if (b != HX_BACKEND_SERIAL && !in->have_reference)
        return hx_fail(HX_ERR_RUNTIME, "internal: serial must run before %s", hx_backend_name(b));
    identify(r, in, b, o);
    HX_TRY(ops->describe(in, b, target, r));
    r->has_e2e = ops->has_e2e;
    void *dst = b == HX_BACKEND_SERIAL ? in->ref : in->out;
    memset(dst, 0xFF, in->problem.out_bytes); /* poison: NaN floats, -1 integers */

    double *samples = calloc(2 * (size_t)o->reps, sizeof *samples);
    if (!samples)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double *e2e = samples + o->reps;
    hx_backend_run run = {.in = in, .backend = b, .target = target, .opts = o, .out = dst};
    int status = run_backend(ops, &run, samples, e2e, r);
    if (status == HX_OK) {
        r->time = hx_stats_of(samples, (size_t)o->reps);
        if (r->has_e2e)
            r->e2e = hx_stats_of(e2e, (size_t)o->reps);
        verify_row(in, b, dst, r);
    }
    free(samples);
    return status;
}
