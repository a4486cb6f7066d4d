/*
 * backend_cuda.c - the cuda backend: a workload's CUDA binding (kernels/cuda/NAME.cu) run as a
 * job on CUDA device target->cuda_device.  Built only where nvcc was found.
 *
 * The main time of a run is the sum of the CUDA-event intervals around its launches; the
 * end-to-end time is the host wall time with the cudaMemcpy transfers both ways (cuda/job.c).
 */
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/cuda/cuda.h"
#include "hetero/engine/backends.h"

typedef struct cuda_row {
    hx_cuda_device dev;
    hx_cuda_job job;
} cuda_row;

static bool cuda_has(const hx_workload *w, hx_backend b) {
    (void)b;
    return w->cuda != NULL;
}

static int find_device(const hx_target *t, hx_cuda_device *dev) {
    int count;
    char why[256];
    HX_TRY(hx_cuda_probe(&count, why, sizeof why));
    int index = t ? t->cuda_device : 0;
    if (count == 0)
        return hx_fail(HX_ERR_MISSING, "the cuda backend needs an NVIDIA GPU: %s", why);
    if (index < 0 || index >= count)
        return hx_fail(HX_ERR_MISSING, "no CUDA device %d; this machine has %d (0 to %d)", index,
                       count, count - 1);
    return hx_cuda_device_get(index, dev);
}

static int cuda_describe(const hx_instance *in, hx_backend b, const hx_target *t, hx_result *r) {
    (void)in;
    (void)b;
    hx_cuda_device dev;
    HX_TRY(find_device(t, &dev));
    snprintf(r->device, sizeof r->device, "%s", dev.name);
    r->pe = (unsigned)(dev.sm_count * dev.fp32_per_sm);
    return HX_OK;
}

static int cuda_open(hx_backend_run *run) {
    cuda_row *row = calloc(1, sizeof *row);
    if (!row)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    const hx_problem *p = &run->in->problem;
    int status = find_device(run->target, &row->dev);
    if (status == HX_OK)
        status = hx_cuda_job_start(&row->job, p->workload->cuda, p, p->size, &row->dev);
    if (status != HX_OK) {
        free(row);
        return status;
    }
    run->state = row;
    return HX_OK;
}

static int cuda_run(hx_backend_run *run, double *main_s, double *e2e_s) {
    cuda_row *row = run->state;
    return hx_cuda_job_run(&row->job, run->in->problem.workload->cuda, run->out, main_s, e2e_s);
}

static int cuda_finish(hx_backend_run *run, hx_result *r) {
    (void)r;
    cuda_row *row = run->state;
    hx_cuda_job_finish(&row->job, run->in->problem.workload->cuda);
    free(row);
    run->state = NULL;
    return HX_OK;
}

const hx_backend_ops hx_backend_cuda = {
    .has_e2e = true,
    .has = cuda_has,
    .describe = cuda_describe,
    .open = cuda_open,
    .run = cuda_run,
    .finish = cuda_finish,
};
