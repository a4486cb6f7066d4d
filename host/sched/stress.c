/*
 * stress.c - `hetero sched --svm-stress=N`: host and device atomics on shared SVM bins, many
 * times over (see sched.h).
 *
 * Each run is one histogram-coop measurement with its own random size, bin count, device share,
 * host thread count and input memory mode (hx_sched_stress_case_of); the binding holds each run
 * to the serial counts, so a lost or doubled atomic update fails the command with the run that
 * showed it.
 */
#include <stdio.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "hetero/engine/measure.h"
#include "hetero/ocl/svm.h"
#include "hetero/sched/sched.h"

static int stress_run(hx_ocl_session *session, const hx_workload *w, uint64_t seed, uint64_t i,
                      const hx_sched_stress_case *k, hx_mem_mode mem) {
    double params[HX_MAX_PARAMS] = {k->bins, k->device_share};
    hx_instance in;
    HX_TRY(hx_instance_init(&in, w, k->size, seed + i, k->threads, params));
    hx_ocl_job job;
    int status = hx_ocl_job_start(&job, session, w->ocl, &in.problem, k->size, mem);
    double kernel_s, e2e_s;
    if (status == HX_OK) {
        status = hx_ocl_job_run(&job, w->ocl, in.out, &kernel_s, &e2e_s);
        hx_ocl_job_finish(&job, w->ocl);
    }
    if (status != HX_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", hx_error_message());
        status = hx_fail(status,
                         "--svm-stress run %llu (size %llu, %g bins, device share %.2f, %d host "
                         "threads, %s): %s",
                         (unsigned long long)i, (unsigned long long)k->size, k->bins,
                         k->device_share, k->threads, hx_mem_name(mem), why);
    }
    hx_instance_free(&in);
    return status;
}

int hx_sched_svm_stress(uint64_t runs, uint64_t seed, hx_target_set *ts,
                        hx_sched_stress_report *rep) {
    memset(rep, 0, sizeof *rep);
    const hx_workload *w = hx_workload_find("histogram-coop");
    if (!w)
        return hx_fail(HX_ERR_MISSING, "this build has no histogram-coop workload");
    if (ts->ndevices == 0)
        return hx_fail(HX_ERR_MISSING, "--svm-stress needs an OpenCL device, and none is open");
    const hx_ocl_device *dev = ts->devices[0].dev;
    HX_TRY(hx_svm_require_atomics(dev, "--svm-stress"));
    hx_mem_mode modes[HX_MEM_COUNT];
    size_t nmodes = 0;
    for (int m = 0; m < HX_MEM_COUNT; m++)
        if (hx_mem_supported(dev, (hx_mem_mode)m))
            modes[nmodes++] = (hx_mem_mode)m;
    snprintf(rep->device, sizeof rep->device, "%s", dev->name);
    rep->runs = runs;
    rep->seed = seed;
    double t0 = hx_now();
    for (uint64_t i = 0; i < runs; i++) {
        hx_sched_stress_case k;
        hx_sched_stress_case_of(seed, i, nmodes, &k);
        HX_TRY(stress_run(&ts->devices[0].session, w, seed, i, &k, modes[k.mode]));
        rep->updates += k.size;
    }
    rep->seconds = hx_now() - t0;
    return HX_OK;
}
