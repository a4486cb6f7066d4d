/*
 * backend_cpu.c - the host backends: serial, simd, omp, omp-simd, threads and blas.
 *
 * Each is a plain C function of the workload (w->cpu[b]) called on the host, timed by the host's
 * monotonic clock around the call.  The OpenMP ones get their thread count through OpenMP, set
 * here from the problem, so their bodies never read a thread count; the threads bodies create
 * p->threads pthreads themselves, which is their lesson.
 */
#include <math.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/simd.h"
#include "hetero/core/timer.h"
#include "hetero/engine/backends.h"

static bool threaded(hx_backend b) {
    return b == HX_BACKEND_OMP || b == HX_BACKEND_OMP_SIMD || b == HX_BACKEND_THREADS ||
           b == HX_BACKEND_BLAS;
}

static bool cpu_has(const hx_workload *w, hx_backend b) {
    return hx_backend_built(b) && w->cpu[b] != NULL;
}

/* Processing elements for the efficiency column: threads, lanes, or both. */
static unsigned processing_elements(hx_backend b, int threads) {
    unsigned lanes = (unsigned)hx_simd_float_lanes(hx_cpu()->simd);
    switch (b) {
    case HX_BACKEND_SIMD:
        return lanes;
    case HX_BACKEND_OMP:
    case HX_BACKEND_THREADS:
        return (unsigned)threads;
    case HX_BACKEND_OMP_SIMD:
    case HX_BACKEND_BLAS:
        return (unsigned)threads * lanes;
    default:
        return 1;
    }
}

static int cpu_describe(const hx_instance *in, hx_backend b, const hx_target *t, hx_result *r) {
    (void)t;
    r->threads = threaded(b) ? in->problem.threads : 1;
    r->pe = processing_elements(b, r->threads);
    snprintf(r->device, sizeof r->device, "%s", hx_cpu()->brand);
    return HX_OK;
}

/* OPENBLAS_CORETYPE makes OpenBLAS run the kernel it names instead of the one it picks for this
 * CPU (some environments set it for old builds): the blas rows are then the reference of every
 * sgemm ratio, so say it, once per process. */
static void announce_forced_blas_kernel(void) {
    static atomic_flag said = ATOMIC_FLAG_INIT;
    const char *forced = getenv("OPENBLAS_CORETYPE");
    if (forced && *forced && !atomic_flag_test_and_set(&said))
        hx_notice("OPENBLAS_CORETYPE=%s is set: the blas rows run OpenBLAS's %s kernel, not the "
                  "one it would pick for this CPU (unset it for the library's own choice)",
                  forced, forced);
}

static int cpu_open(hx_backend_run *run) {
    omp_set_num_threads(run->in->problem.threads);
    if (run->backend == HX_BACKEND_BLAS)
        announce_forced_blas_kernel();
    return HX_OK;
}

static int cpu_run(hx_backend_run *run, double *main_s, double *e2e_s) {
    hx_cpu_fn fn = run->in->problem.workload->cpu[run->backend];
    double t0 = hx_now();
    fn(&run->in->problem, run->out);
    *main_s = hx_now() - t0;
    *e2e_s = NAN;
    return HX_OK;
}

static int cpu_finish(hx_backend_run *run, hx_result *r) {
    (void)run;
    (void)r;
    return HX_OK;
}

const hx_backend_ops hx_backend_cpu = {
    .has_e2e = false,
    .has = cpu_has,
    .describe = cpu_describe,
    .open = cpu_open,
    .run = cpu_run,
    .finish = cpu_finish,
};
