/*
 * sweep.c - run a scaling plan through the engine and derive its figures (see scale.h).
 *
 * Every job is one hx_measure() call on an instance (inputs at one size) that lives from the
 * job marked fresh to the next one: serial first, which fills the reference every other output
 * is verified against.  A CPU job runs its backend with p threads; an opencl job runs on the
 * whole device when p is all its compute units (always in a size sweep), else on a sub-device of
 * p units made by device fission for that one job.  A p the device cannot be cut to is a skipped
 * row with the runtime's reason, not an error.  An mpi job runs on the first p ranks of the MPI
 * job, one thread each (the others wait for it sleeping: engine/job.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/analysis/laws.h"
#include "hetero/analysis/scale.h"
#include "hetero/core/error.h"
#include "hetero/engine/job.h"
#include "hetero/engine/measure.h"

void hx_scale_run_init(hx_scale_run *run, const hx_scale_config *c) {
    memset(run, 0, sizeof *run);
    run->cores = c->cores;
    run->crossover = -1;
    run->ncaches = hx_cache_levels(run->caches, HX_MAX_CACHE_LEVELS);
}

void hx_scale_run_free(hx_scale_run *run) {
    free(run->points);
    free(run->refs);
    run->points = run->refs = NULL;
    run->n = run->cap = run->nrefs = run->refcap = 0;
}

static hx_scale_point *push(hx_scale_point **arr, size_t *n, size_t *cap) {
    if (*n == *cap) {
        size_t grown = *cap ? 2 * *cap : 32;
        hx_scale_point *a = realloc(*arr, grown * sizeof *a);
        if (!a) {
            hx_fail(HX_ERR_RUNTIME, "out of memory");
            return NULL;
        }
        *arr = a;
        *cap = grown;
    }
    hx_scale_point *pt = &(*arr)[(*n)++];
    memset(pt, 0, sizeof *pt);
    return pt;
}

static void add_skip(hx_scale_run *run, const hx_scale_job *j, const char *why) {
    if (run->nskips == HX_SCALE_MAX_SKIPS)
        return;
    hx_scale_skip *s = &run->skips[run->nskips++];
    s->backend = j->backend;
    s->p = j->p;
    s->size = j->size;
    snprintf(s->reason, sizeof s->reason, "%s", why);
}

/* What one opencl job runs on: the whole device, or a sub-device of p units made for it. */
typedef struct job_device {
    hx_ocl_device sub;
    hx_ocl_session session;
    bool sub_made, session_open;
} job_device;

static int open_job_device(const hx_scale_config *c, hx_target_set *ts, const hx_scale_job *j,
                           job_device *d, hx_target *t, bool *skipped) {
    memset(d, 0, sizeof *d);
    *skipped = false;
    *t = hx_target_of(ts, 0, 0);
    const hx_ocl_device *dev = ts->devices[0].dev;
    if (j->p == dev->compute_units || c->mode == HX_SCALE_SIZES)
        return HX_OK;
    int s = hx_ocl_subdevice(dev, j->p, &d->sub);
    if (s == HX_ERR_MISSING) { /* this p cannot be made here: a row that says why */
        *skipped = true;
        return HX_OK;
    }
    HX_TRY(s);
    d->sub_made = true;
    HX_TRY(hx_ocl_session_open(&d->sub, &d->session));
    d->session_open = true;
    t->session = &d->session;
    return HX_OK;
}

static void close_job_device(job_device *d) {
    if (d->session_open)
        hx_ocl_session_close(&d->session);
    if (d->sub_made)
        hx_ocl_subdevice_release(&d->sub);
}

/* Whether the mpi row ran more ranks x threads on a node than it has cores (its own figure). */
static bool oversubscribed_row(const hx_result *r) {
    for (int e = 0; e < r->nextra; e++)
        if (strcmp(r->extra[e].name, "oversubscribed") == 0)
            return r->extra[e].value > 0.0;
    return false;
}

static int measure_job(hx_scale_run *run, const hx_scale_config *c, hx_target_set *ts,
                       hx_instance *in, const hx_scale_job *j) {
    hx_measure_opts mo = {.reps = c->reps,
                          .min_reps = 1,
                          .warmup = c->warmup,
                          .adaptive = c->adaptive,
                          .min_time = c->min_time,
                          .max_time = c->max_time,
                          .target_ci = c->target_ci};
    hx_target t = {0};
    hx_mpi_spec spec;
    const hx_target *target = NULL;
    job_device d = {0};
    int status = HX_OK;
    if (j->backend == HX_BACKEND_OPENCL) {
        bool skipped;
        status = open_job_device(c, ts, j, &d, &t, &skipped);
        if (status == HX_OK && skipped) {
            add_skip(run, j, hx_error_message());
            hx_error_clear();
            return HX_OK;
        }
        target = &t;
    } else if (j->backend == HX_BACKEND_CUDA) {
        t.cuda_device = 0;
        target = &t;
    } else if (j->backend == HX_BACKEND_MPI) { /* the first p ranks of the job, one thread each */
        spec = c->mpi;
        spec.ranks = (int)j->p;
        t.mpi = &spec;
        hx_mpi_rows_variants(c->w, &c->mpi, &t.mpi_variant, 1);
        target = &t;
    } else {
        in->problem.threads = (int)j->p;
    }
    hx_scale_point *pt = NULL;
    if (status == HX_OK)
        pt = j->report ? push(&run->points, &run->n, &run->cap)
                       : push(&run->refs, &run->nrefs, &run->refcap);
    if (status == HX_OK && !pt)
        status = HX_ERR_RUNTIME;
    if (status == HX_OK)
        status = hx_measure(in, j->backend, target, &mo, &pt->r);
    close_job_device(&d);
    if (status != HX_OK) {
        if (pt)
            *(j->report ? &run->n : &run->nrefs) -= 1;
        return status;
    }
    pt->backend = j->backend;
    pt->p = j->p;
    pt->oversubscribed = j->backend == HX_BACKEND_MPI
                             ? oversubscribed_row(&pt->r) /* ranks x threads on a node > cores */
                             : hx_backend_is_cpu(j->backend) && j->p > (unsigned)run->cores;
    pt->serial_median = in->serial_median;
    return HX_OK;
}

static int run_plan(const hx_scale_config *c, const hx_scale_plan *plan, hx_target_set *ts,
                    hx_scale_run *run, hx_scale_progress_fn progress, void *ctx) {
    hx_instance in;
    bool have = false;
    int status = HX_OK;
    for (size_t i = 0; status == HX_OK && i < plan->n; i++) {
        const hx_scale_job *j = &plan->jobs[i];
        if (progress)
            progress(ctx, i, plan->n, j);
        if (j->fresh) {
            if (have)
                hx_instance_free(&in);
            have = false;
            status = hx_instance_init(&in, c->w, j->size, c->seed, j->threads, c->params);
            have = status == HX_OK;
        }
        if (status == HX_OK)
            status = measure_job(run, c, ts, &in, j);
    }
    if (have)
        hx_instance_free(&in);
    return status;
}

void hx_scale_mark_noise(hx_scale_run *run) {
    /* The measuring loop judged each row's noise window (engine/measure.c, core/noise.h); the fit
     * rules (laws.c) turn any fit over a noisy point, or over points whose T1 is noisy, into
     * "no fit". */
    for (size_t i = 0; i < run->n; i++)
        run->points[i].noisy = run->points[i].r.noisy;
    for (size_t i = 0; i < run->nrefs; i++)
        run->refs[i].noisy = run->refs[i].r.noisy;
}

static void fit_backends(hx_scale_run *run, const hx_scale_config *c) {
    for (int b = HX_BACKEND_SIMD; b < HX_BACKEND_COUNT; b++) {
        bool any = false;
        for (size_t i = 0; i < run->n && !any; i++)
            any = run->points[i].backend == (hx_backend)b;
        if (any)
            hx_scale_fit_backend(run->points, run->n, (hx_backend)b, c->mode == HX_SCALE_WEAK,
                                 run->cores, &run->fits[run->nfits++]);
    }
}

int hx_scale_sweep(const hx_scale_config *c, const hx_scale_plan *plan, hx_target_set *ts,
                   hx_scale_run *run, hx_scale_progress_fn progress, void *ctx) {
    HX_TRY(run_plan(c, plan, ts, run, progress, ctx));
    hx_scale_mark_noise(run);
    hx_scale_derive(run->points, run->n, run->refs, run->nrefs, c->mode, run->caches, run->ncaches);
    if (c->mode == HX_SCALE_SIZES) {
        run->crossover =
            hx_scale_crossover(run->points, run->n, c->sizes, c->nsizes, &run->have_crossover);
        if (run->crossover >= 0) {
            run->crossover_size = run->points[run->crossover].r.size;
            run->crossover_ws = run->points[run->crossover].working_set;
        }
    } else {
        fit_backends(run, c);
    }
    return HX_OK;
}

static int check_verified(const hx_scale_point *pts, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &pts[i].r;
        if (!r->verified)
            return hx_fail(HX_ERR_RUNTIME,
                           "verification failed: %s/%s p=%u size %llu: max error %.3g > "
                           "tolerance %.3g",
                           r->workload, r->backend, pts[i].p, (unsigned long long)r->size,
                           r->max_rel_err, r->tolerance);
    }
    return HX_OK;
}

/* The baselines are held to the serial output as well: a wrong simd result is an error. */
int hx_scale_check_verified(const hx_scale_run *run) {
    HX_TRY(check_verified(run->points, run->n));
    return check_verified(run->refs, run->nrefs);
}
