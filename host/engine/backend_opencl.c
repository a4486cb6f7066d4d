/*
 * backend_opencl.c - the opencl backend: a workload's OpenCL binding run as a job on a session.
 *
 * The main time of a run is the sum of its kernel events (END - START); the end-to-end time is
 * the host wall time of the whole run with its transfers (ocl/job.c).  svm-fine rows also time
 * the run as a fine-grain SVM application runs it, with the inputs produced in the shared
 * allocation and the result read there (docs/svm.md): reported as e2e_in_place_s.
 */
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/engine/backends.h"

static bool opencl_has(const hx_workload *w, hx_backend b) {
    (void)b;
    return w->ocl != NULL;
}

static int opencl_describe(const hx_instance *in, hx_backend b, const hx_target *t, hx_result *r) {
    (void)in;
    (void)b;
    if (!t || !t->session)
        return hx_fail(HX_ERR_RUNTIME, "internal: an opencl row needs a session");
    snprintf(r->device, sizeof r->device, "%s", t->session->dev->name);
    snprintf(r->mem, sizeof r->mem, "%s", hx_mem_name(t->mem));
    r->pe = hx_ocl_processing_elements(t->session->dev);
    return HX_OK;
}

static int opencl_open(hx_backend_run *run) {
    hx_ocl_job *job = malloc(sizeof *job);
    if (!job)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    const hx_problem *p = &run->in->problem;
    int status =
        hx_ocl_job_start(job, run->target->session, p->workload->ocl, p, p->size, run->target->mem);
    if (status != HX_OK) {
        free(job);
        return status;
    }
    run->state = job;
    return HX_OK;
}

static int opencl_run(hx_backend_run *run, double *main_s, double *e2e_s) {
    return hx_ocl_job_run(run->state, run->in->problem.workload->ocl, run->out, main_s, e2e_s);
}

/* The in-place pass of an svm-fine row.  The copying pass must verify first; the in-place pass
 * then leaves its own output in run->out for the loop to verify. */
static int measure_in_place(hx_backend_run *run, hx_result *r) {
    hx_instance *in = run->in;
    const hx_workload *w = in->problem.workload;
    const hx_measure_opts *o = run->opts;
    hx_ocl_job *job = run->state;
    hx_verdict v;
    w->verify(&in->problem, run->out, in->ref, &v);
    if (!v.ok)
        return HX_OK; /* the row is marked failed on the copying pass's output */
    int reps = run->reps_done > 0 ? run->reps_done : 1; /* as many as the copying pass made */
    double *e2e = calloc((size_t)reps, sizeof *e2e);
    if (!e2e)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(run->out, 0xFF, in->problem.out_bytes);
    job->in_place = true;
    int status = HX_OK;
    double k;
    for (int i = 0; status == HX_OK && i < o->warmup + reps; i++)
        status = hx_ocl_job_run(job, w->ocl, run->out, &k, &e2e[i < o->warmup ? 0 : i - o->warmup]);
    job->in_place = false;
    if (status == HX_OK)
        hx_result_extra(r, "e2e_in_place_s", hx_stats_of(e2e, (size_t)reps).median);
    free(e2e);
    return status;
}

static int opencl_finish(hx_backend_run *run, hx_result *r) {
    hx_ocl_job *job = run->state;
    const hx_ocl_binding *b = run->in->problem.workload->ocl;
    int status = HX_OK;
    if (r && b->extras)
        b->extras(job, r);
    if (r && run->target->mem == HX_MEM_SVM_FINE)
        status = measure_in_place(run, r);
    hx_ocl_job_finish(job, b);
    free(job);
    run->state = NULL;
    return status;
}

const hx_backend_ops hx_backend_opencl = {
    .has_e2e = true,
    .has = opencl_has,
    .describe = opencl_describe,
    .open = opencl_open,
    .run = opencl_run,
    .finish = opencl_finish,
};
