/*
 * distributed.h - what the streaming workloads' message-passing bodies share (built with MPI).
 *
 * vecadd, triad, reduce and dot cut their n elements the same way: one contiguous block per rank
 * (hx_mpi_block), each rank allocating only its block of every input and first-touching it with
 * the values serial sees at those global indices (streams 1, 2, ... of the seed).  The block is
 * then a problem of its own - same workload, size = the block's length - so the omp-simd body
 * (or, for a rank with a device, the OpenCL binding) runs it unchanged.  What differs per
 * workload is what its ranks send each other, and that stays in its own file.
 */
#ifndef HETERO_WORKLOADS_DISTRIBUTED_H
#define HETERO_WORKLOADS_DISTRIBUTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/mpi/mpi.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

#define HX_STREAM_MAX_INPUTS 2

/* How a workload's block is made. */
typedef struct hx_stream_spec {
    size_t inputs;     /* float arrays, filled from streams 1 .. inputs, uniform in [-1, 1) */
    bool elementwise;  /* the output is one float per element (else one float per block) */
    size_t data_bytes; /* the workload's data struct (vecadd_data, ...) */
    /* Point the workload's data struct at the block's arrays of n elements. */
    void (*wire)(void *data, float *const *in, size_t n);
    const hx_ocl_binding *ocl; /* runs the block on the rank's device (the "device" variant) */
} hx_stream_spec;

/* A rank's block: job->state of the workloads that use it. */
typedef struct hx_stream_block {
    const hx_stream_spec *spec;
    float *in[HX_STREAM_MAX_INPUTS];
    float *out; /* n floats (elementwise) or one */
    uint64_t begin;
    size_t n;
    void *data;       /* the workload's data struct, wired to in[] */
    hx_problem local; /* the block as a problem: size n, data */
    hx_ocl_job device;
    bool on_device;
} hx_stream_block;

/* The binding's prepare: allocate, fill and wire this rank's block (job->state). */
int hx_stream_block_prepare(hx_mpi_job *job, const hx_stream_spec *spec);
/* The block's computation, timed as computing: the device's job when the rank has one, else
 * body (the workload's omp-simd function) on the local problem. */
int hx_stream_block_compute(hx_mpi_job *job, hx_cpu_fn body);
/* Elementwise outputs: every rank's block to rank 0 (out there, NULL elsewhere). */
int hx_stream_block_gather(hx_mpi_job *job, void *out);
void hx_stream_block_release(hx_mpi_job *job);
/* Enough elements for every rank (at least one each). */
int hx_stream_block_check(const hx_problem *p, int ranks, const int grid[2]);

#endif
