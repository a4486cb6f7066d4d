/*
 * distributed.c - the block of a streaming workload on one rank (see distributed.h).
 */
#ifdef HETERO_HAVE_MPI

#include "distributed.h"

#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"

int hx_stream_block_check(const hx_problem *p, int ranks, const int grid[2]) {
    (void)grid;
    return hx_mpi_check_blocks("--size", p->size, 1, ranks);
}

void hx_stream_block_release(hx_mpi_job *job) {
    hx_stream_block *s = job->state;
    if (!s)
        return;
    if (s->on_device)
        hx_ocl_job_finish(&s->device, s->spec->ocl);
    for (size_t k = 0; k < HX_STREAM_MAX_INPUTS; k++)
        hx_free(s->in[k]);
    hx_free(s->out);
    hx_free(s->data);
    hx_free(s);
    job->state = NULL;
}

int hx_stream_block_prepare(hx_mpi_job *job, const hx_stream_spec *spec) {
    hx_stream_block *s = hx_alloc(sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(s, 0, sizeof *s);
    s->spec = spec;
    job->state = s;
    const hx_problem *p = job->problem;
    uint64_t end;
    hx_mpi_block(p->size, job->ranks, job->rank, &s->begin, &end);
    s->n = (size_t)(end - s->begin);
    const size_t bytes = s->n * sizeof(float);
    for (size_t k = 0; k < spec->inputs; k++) {
        HX_TRY(hx_alloc_checked((void **)&s->in[k], bytes, "this rank's block of an input"));
        /* first touch by this rank's threads, with the values serial has at these indices */
        hx_fill_uniform_from(s->in[k], s->n, s->begin, p->seed, k + 1, -1.0f, 1.0f);
    }
    HX_TRY(hx_alloc_checked((void **)&s->out, spec->elementwise ? bytes : sizeof(float),
                            "this rank's output"));
    HX_TRY(hx_alloc_checked(&s->data, spec->data_bytes, "this rank's block"));
    memset(s->data, 0, spec->data_bytes);
    spec->wire(s->data, s->in, s->n);
    s->local = *p;
    s->local.size = s->n;
    s->local.data = s->data;
    s->local.out_bytes = spec->elementwise ? bytes : sizeof(float);
    if (job->session) {
        HX_TRY(
            hx_ocl_job_start(&s->device, job->session, spec->ocl, &s->local, s->n, HX_MEM_BUFFER));
        s->on_device = true;
    }
    return HX_OK;
}

int hx_stream_block_compute(hx_mpi_job *job, hx_cpu_fn body) {
    hx_stream_block *s = job->state;
    double t = hx_mpi_compute_begin(), kernel, e2e;
    int status = HX_OK;
    if (s->on_device) /* the kernel and the transfers of the rank's block: its computing */
        status = hx_ocl_job_run(&s->device, s->spec->ocl, s->out, &kernel, &e2e);
    else
        body(&s->local, s->out);
    hx_mpi_compute_end(job, t);
    return status;
}

int hx_stream_block_gather(hx_mpi_job *job, void *out) {
    hx_stream_block *s = job->state;
    return hx_mpi_gather_blocks(job->comm, s->out, job->problem->size, sizeof(float), out);
}

#endif
