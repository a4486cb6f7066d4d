/*
 * measure.c - the measuring loop shared by every command (see measure.h).
 *
 * Nothing here knows a backend: each step goes through the backend's table entry (backends.h),
 * so the loop, the poisoning, the statistics and the verification are written once.  So are the
 * repetition rule (fixed, or adaptive: runs added until the median's interval is tight enough or
 * the time is spent), the noise window around the timed runs and the progress line.
 */
#include "hetero/engine/measure.h"

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/noise.h"
#include "hetero/core/progress.h"
#include "hetero/core/timer.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/job.h"

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
    if (!hx_engine_holds_problem()) { /* an MPI follower: its distributed rows make their blocks */
        in->remote = true;
        return HX_OK;
    }
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
        snprintf(r->variant, sizeof r->variant, "%s", w->variants[in->problem.variant]);
    r->flynn = hx_backend_get(b)->flynn;
    r->size = in->problem.size;
    r->threads = 1;
    r->reps = o->reps;
    r->warmup = o->warmup;
    r->ranks = 1;
    if (in->remote) /* a cost model may read the problem's data, which a follower lacks */
        return;
    r->bytes = w->bytes(&in->problem);
    r->flops = w->flops ? w->flops(&in->problem) : 0.0;
}

/* ---- the test hook: HETERO_TEST_SLOWDOWN=WORKLOAD:FACTOR ------------------------------------- */

static char slow_workload[64];
static double slow_factor = 1.0;
static pthread_once_t slow_once = PTHREAD_ONCE_INIT;

static void read_slowdown(void) {
    const char *v = getenv("HETERO_TEST_SLOWDOWN");
    if (!v || !*v)
        return;
    const char *colon = strrchr(v, ':');
    char *end = NULL;
    double f = colon ? strtod(colon + 1, &end) : 0.0;
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof slow_workload || end == colon + 1 ||
        *end != '\0' || !(f >= 1.0 && f <= 1000.0)) {
        hx_notice("HETERO_TEST_SLOWDOWN='%s' ignored; accepted: WORKLOAD:FACTOR, FACTOR 1 to 1000",
                  v);
        return;
    }
    memcpy(slow_workload, v, (size_t)(colon - v));
    slow_factor = f;
    hx_notice("test hook: every timed run of %s is made %.3g times as long (HETERO_TEST_SLOWDOWN)",
              slow_workload, f);
}

static double slowdown_of(const hx_workload *w) {
    pthread_once(&slow_once, read_slowdown);
    return slow_factor > 1.0 && strcmp(w->name, slow_workload) == 0 ? slow_factor : 1.0;
}

/* Busy-wait (factor - 1) x the run's main time, and count it in both times. */
static void slow_down(double factor, double *main_s, double *e2e_s) {
    double extra = (factor - 1.0) * *main_s;
    double until = hx_now() + extra;
    while (hx_now() < until)
        ;
    *main_s += extra;
    if (isfinite(*e2e_s))
        *e2e_s += extra;
}

/* ---- the timed runs ------------------------------------------------------------------------- */

/* The samples of one row, grown as adaptive runs are added. */
typedef struct sample_set {
    double *main, *e2e;
    size_t n, cap;
} sample_set;

static int push_sample(sample_set *s, double m, double e) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        double *nm = realloc(s->main, cap * sizeof *nm);
        if (!nm)
            return hx_fail(HX_ERR_RUNTIME, "out of memory for the timings");
        s->main = nm;
        double *ne = realloc(s->e2e, cap * sizeof *ne);
        if (!ne)
            return hx_fail(HX_ERR_RUNTIME, "out of memory for the timings");
        s->e2e = ne;
        s->cap = cap;
    }
    s->main[s->n] = m;
    s->e2e[s->n++] = e;
    return HX_OK;
}

/* After a run: NULL to go on, or why the runs stop ("reps", "ci", "max-time", "max-reps").
 * The interval is recomputed when the count has grown by a tenth, so a row of thousands of
 * short runs does not sort its samples after every one. */
static const char *stop_after(const hx_measure_opts *o, const sample_set *s, double elapsed,
                              size_t *next_check, bool *reached) {
    size_t floor = o->min_reps > 1 ? (size_t)o->min_reps : 1;
    if (!o->adaptive)
        return s->n >= (size_t)o->reps ? "reps" : NULL;
    if (s->n >= HX_MEASURE_MAX_REPS)
        return "max-reps";
    if (s->n < floor)
        return NULL;
    if (elapsed >= o->min_time && s->n >= HX_CI_MIN_SAMPLES && s->n >= *next_check) {
        *next_check = s->n + (s->n / 10 > 1 ? s->n / 10 : 1);
        hx_stats st = hx_stats_of(s->main, s->n);
        double rel = hx_stats_ci_rel(&st);
        if (isfinite(rel) && rel <= o->target_ci) {
            *reached = true;
            return "ci";
        }
    }
    return elapsed >= o->max_time && elapsed >= o->min_time ? "max-time" : NULL;
}

static void show_progress(hx_progress *pg, const hx_measure_opts *o, size_t done) {
    if (!o->adaptive)
        hx_progress_set(pg, "run %zu of %d", done + 1, o->reps);
    else
        hx_progress_set(pg, "run %zu (until +-%.0f%% or %.3g s)", done + 1, 100.0 * o->target_ci,
                        o->max_time);
}

/* The timed runs of one row inside a noise window. */
static int timed_runs(const hx_backend_ops *ops, hx_backend_run *run, sample_set *s, hx_result *r,
                      hx_progress *pg) {
    const hx_measure_opts *o = run->opts;
    double factor = slowdown_of(run->in->problem.workload);
    hx_noise_sample before, after;
    hx_noise_read(&before);
    double t0 = hx_now();
    size_t next_check = 0;
    bool reached = false;
    const char *stop = NULL;
    int status = HX_OK;
    while (status == HX_OK && !stop) {
        double m, e;
        show_progress(pg, o, s->n);
        status = ops->run(run, &m, &e);
        if (status == HX_OK && factor > 1.0)
            slow_down(factor, &m, &e);
        if (status == HX_OK)
            status = push_sample(s, m, e);
        if (status == HX_OK)
            stop = stop_after(o, s, hx_now() - t0, &next_check, &reached);
    }
    hx_noise_read(&after);
    hx_noise noise;
    hx_noise_row(&before, &after, &noise);
    hx_noise_note_row(&noise);
    r->noisy = noise.noisy;
    r->noise_foreign = noise.foreign;
    r->noise_steal = noise.steal;
    r->adaptive = o->adaptive;
    r->target_ci = o->adaptive ? o->target_ci : NAN;
    r->ci_reached = reached;
    r->stop = stop ? stop : "error";
    r->reps = (int)s->n;
    run->reps_done = (int)s->n;
    return status;
}

/* open, warm-up, timed runs, finish; one progress line over all of it (a single warm-up run of
 * serial sgemm can take longer than the timed ones). */
static int run_backend(const hx_backend_ops *ops, hx_backend_run *run, sample_set *s,
                       hx_result *r) {
    hx_progress pg;
    char what[96];
    snprintf(what, sizeof what, "%s/%s", r->workload, r->backend);
    hx_progress_begin(&pg, what);
    hx_progress_set(&pg, "setting up");
    int status = ops->open(run);
    const hx_measure_opts *o = run->opts;
    double m, e;
    bool opened = status == HX_OK;
    for (int i = 0; status == HX_OK && i < o->warmup; i++) {
        hx_progress_set(&pg, "warm-up %d of %d", i + 1, o->warmup);
        status = ops->run(run, &m, &e);
    }
    if (status == HX_OK)
        status = timed_runs(ops, run, s, r, &pg);
    hx_progress_end(&pg);
    if (!opened)
        return status;
    int finished = ops->finish(run, status == HX_OK ? r : NULL);
    return status != HX_OK ? status : finished;
}

static void verify_row(hx_instance *in, hx_backend b, const void *dst, hx_result *r) {
    if (in->remote) /* a follower verifies nothing: rank 0's verdict comes through share */
        return;
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
    if (b != HX_BACKEND_SERIAL && !in->have_reference && !in->remote)
        return hx_fail(HX_ERR_RUNTIME, "internal: serial must run before %s", hx_backend_name(b));
    identify(r, in, b, o);
    if (in->remote && !ops->distributed) { /* rank 0 runs this row alone; this placeholder */
        r->verified = true;                /* stays unreported */
        return HX_OK;
    }
    HX_TRY(ops->describe(in, b, target, r));
    r->has_e2e = ops->has_e2e;
    void *dst = b == HX_BACKEND_SERIAL ? in->ref : in->out;
    if (dst) /* poison: NaN floats, -1 integers */
        memset(dst, 0xFF, in->problem.out_bytes);

    hx_measure_opts fixed;
    if (o->adaptive && ops->fixed_reps) { /* every rank must run as many times as rank 0 */
        fixed = *o;
        fixed.adaptive = false;
        o = &fixed;
    }
    if (!o->adaptive && o->reps < 1)
        return hx_fail(HX_ERR_USAGE, "internal: a fixed count needs at least one repetition");
    sample_set s = {0};
    hx_backend_run run = {.in = in, .backend = b, .target = target, .opts = o, .out = dst};
    int status = run_backend(ops, &run, &s, r);
    if (status == HX_OK) {
        r->time = hx_stats_of(s.main, s.n);
        if (r->has_e2e)
            r->e2e = hx_stats_of(s.e2e, s.n);
        verify_row(in, b, dst, r);
        if (ops->share)
            status = ops->share(r);
    }
    free(s.main);
    free(s.e2e);
    return status;
}
