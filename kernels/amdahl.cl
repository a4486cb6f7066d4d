/*
 * amdahl.cl - the two sections of the amdahl workload (host/workloads/amdahl.c).
 *
 * amdahl_serial runs as ONE work-item: a dependent chain y = A*y + t[k] cannot be split, so the
 * device spends that time with a single lane busy, exactly like the host.  amdahl_parallel runs
 * one work-item per independent chain of 1024 steps.  Contraction is off so a multiply and an
 * add round separately, as in the host code, and results match the serial reference.
 */
#pragma OPENCL FP_CONTRACT OFF

#define A     0.75f
#define CHAIN 1024u
#define MASK  4095u

__kernel void amdahl_serial(__global const float *restrict t, __global const float *restrict start,
                            __global float *restrict out, const uint chains, const ulong steps) {
    float y = start[chains];
    for (ulong k = 0; k < steps; k++)
        y = A * y + t[k & MASK];
    out[0] = y;
}

__kernel void amdahl_parallel(__global const float *restrict t,
                              __global const float *restrict start, __global float *restrict out,
                              const uint chains) {
    const uint i = get_global_id(0);
    if (i >= chains)
        return;
    float y = start[i];
    for (uint k = 0; k < CHAIN; k++)
        y = A * y + t[(i + k) & MASK];
    out[1 + i] = y;
}
