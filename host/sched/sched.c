/*
 * sched.c - co-schedule one mandelbrot image under each policy (see sched.h).
 *
 * The session: the problem at --size with --iters, its serial image (the reference and the
 * baseline), the kernels each policy needs on the target set's first device, then every policy
 * that runs: --warmup untimed runs and --reps timed ones, each verified against the serial image
 * with the output poisoned before it, so a row nobody wrote cannot pass.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/stats.h"
#include "hetero/core/timer.h"
#include "hetero/ocl/svm.h"
#include "internal.h"

/* Median over n runs of the field at `offset` (offsetof(sched_sample, FIELD)). */
static double median_of(const sched_sample *s, double *scratch, int n, size_t offset) {
    for (int i = 0; i < n; i++)
        memcpy(&scratch[i], (const char *)&s[i] + offset, sizeof scratch[i]);
    return hx_stats_of(scratch, (size_t)n).median;
}

static void summarise(const sched_sample *samples, double *scratch, int n, hx_sched_result *res) {
    for (int i = 0; i < n; i++)
        scratch[i] = samples[i].wall;
    res->wall = hx_stats_of(scratch, (size_t)n);
    res->dev_busy = median_of(samples, scratch, n, offsetof(sched_sample, dev_busy));
    res->host_busy = median_of(samples, scratch, n, offsetof(sched_sample, host_busy));
    res->dev_chunks = median_of(samples, scratch, n, offsetof(sched_sample, dev_chunks));
    res->host_chunks = median_of(samples, scratch, n, offsetof(sched_sample, host_chunks));
    res->dev_rows = median_of(samples, scratch, n, offsetof(sched_sample, dev_rows));
    res->host_rows = median_of(samples, scratch, n, offsetof(sched_sample, host_rows));
}

static int run_runs(sched_ctx *x, hx_sched_policy policy, sched_sample *samples,
                    hx_sched_result *res) {
    const hx_sched_config *c = x->c;
    hx_instance *in = &x->in;
    for (int i = 0; i < c->warmup + c->reps; i++) {
        memset(in->out, 0xFF, in->problem.out_bytes); /* a row nobody wrote cannot pass */
        sched_sample s;
        HX_TRY(hx_sched_run_once(x, policy, in->out, &s));
        hx_verdict v;
        in->problem.workload->verify(&in->problem, in->out, in->ref, &v);
        if (!v.ok || v.max_err > res->max_err) {
            res->max_err = v.max_err;
            res->tolerance = v.tolerance;
        }
        res->verified &= v.ok;
        if (i >= c->warmup)
            samples[i - c->warmup] = s;
    }
    return HX_OK;
}

static int run_policy(sched_ctx *x, hx_sched_policy policy, hx_sched_result *res) {
    int reps = x->c->reps;
    sched_sample *samples = calloc((size_t)reps, sizeof *samples);
    double *scratch = calloc((size_t)reps, sizeof *scratch);
    int status = samples && scratch ? HX_OK : hx_fail(HX_ERR_RUNTIME, "out of memory");
    res->verified = true;
    if (status == HX_OK)
        status = run_runs(x, policy, samples, res);
    if (status == HX_OK) {
        summarise(samples, scratch, reps, res);
        res->ran = true;
    }
    free(samples);
    free(scratch);
    return status;
}

static int measure_serial(sched_ctx *x, double *median) {
    hx_instance *in = &x->in;
    hx_cpu_fn serial = in->problem.workload->cpu[HX_BACKEND_SERIAL];
    double *t = calloc((size_t)x->c->reps, sizeof *t);
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (int i = 0; i < x->c->warmup; i++)
        serial(&in->problem, in->ref);
    for (int i = 0; i < x->c->reps; i++) {
        double t0 = hx_now();
        serial(&in->problem, in->ref);
        t[i] = hx_now() - t0;
    }
    *median = hx_stats_of(t, (size_t)x->c->reps).median;
    in->have_reference = true;
    free(t);
    return HX_OK;
}

/* The problem, its geometry and the row kernel on the device. */
static int open_session(sched_ctx *x, hx_target_set *ts) {
    const hx_workload *w = hx_workload_find("mandelbrot");
    if (!w)
        return hx_fail(HX_ERR_MISSING, "this build has no mandelbrot workload");
    if (ts->ndevices == 0)
        return hx_fail(HX_ERR_MISSING, "co-scheduling needs an OpenCL device, and none is open");
    x->session = &ts->devices[0].session;
    x->dev = ts->devices[0].dev;
    double params[HX_MAX_PARAMS] = {0};
    for (size_t i = 0; i < w->nparams && i < HX_MAX_PARAMS; i++)
        params[i] =
            strcmp(w->params[i].name, "iters") == 0 ? (double)x->c->iters : w->params[i].def;
    HX_TRY(hx_instance_init(&x->in, w, x->c->size, 42, x->c->threads, params));
    x->have_instance = true;
    hx_mandelbrot_geometry_of(&x->in.problem, &x->g);
    (void)hx_cpu(); /* detect the CPU once, before threads ask for it */
    x->local = hx_ocl_stream_local_size(x->dev);
    return hx_sched_prepare_rows_kernel(x);
}

/* Which policies run on this device; dynamic-svm needs SVM atomics. */
static int choose_policies(sched_ctx *x, hx_sched_report *rep, bool run[]) {
    const char *missing = hx_svm_atomics_missing(x->dev->svm, x->dev->c11_atomics);
    bool svm_skipped;
    if (!hx_sched_policies_to_run(x->c->want, missing == NULL, run, &svm_skipped))
        return hx_svm_require_atomics(x->dev, "--policy=dynamic-svm");
    if (svm_skipped) {
        hx_sched_result *r = &rep->results[HX_SCHED_DYNAMIC_SVM];
        snprintf(r->skip_reason, sizeof r->skip_reason,
                 "device '%s' has %s (needs fine-grain buffer SVM with atomics)", x->dev->name,
                 missing);
        hx_notice("skipping dynamic-svm: %s", r->skip_reason);
    }
    return run[HX_SCHED_DYNAMIC_SVM] ? hx_sched_prepare_persist_kernel(x) : HX_OK;
}

static int co_schedule(sched_ctx *x, hx_target_set *ts, hx_sched_report *rep) {
    HX_TRY(open_session(x, ts));
    snprintf(rep->device, sizeof rep->device, "%s", x->dev->name);
    rep->device_is_cpu = (x->dev->type & CL_DEVICE_TYPE_CPU) != 0;
    rep->width = x->g.width;
    rep->height = x->g.height;
    rep->iters = x->g.max_iter;
    bool run[HX_SCHED_POLICY_COUNT];
    HX_TRY(choose_policies(x, rep, run));
    HX_TRY(measure_serial(x, &rep->serial_median));
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        if (run[p])
            HX_TRY(run_policy(x, (hx_sched_policy)p, &rep->results[p]));
    hx_sched_speedups(rep->results, rep->serial_median);
    return HX_OK;
}

int hx_sched_run(const hx_sched_config *c, hx_target_set *ts, hx_sched_report *rep) {
    memset(rep, 0, sizeof *rep);
    rep->config = *c;
    sched_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    int status = co_schedule(&x, ts, rep);
    hx_sched_ctx_close(&x);
    return status;
}

int hx_sched_check_verified(const hx_sched_report *rep) {
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        if (rep->results[p].ran && !rep->results[p].verified)
            return hx_fail(HX_ERR_RUNTIME,
                           "a co-scheduled image differs from the serial image beyond "
                           "mandelbrot's tolerance (see the verified column)");
    return HX_OK;
}
