/*
 * backends.c - the engine's backend table (see backends.h): one line per backend.
 */
#include "hetero/engine/backends.h"

static const hx_backend_ops *const table[HX_BACKEND_COUNT] = {
    [HX_BACKEND_SERIAL] = &hx_backend_cpu, [HX_BACKEND_SIMD] = &hx_backend_cpu,
    [HX_BACKEND_OMP] = &hx_backend_cpu,    [HX_BACKEND_OMP_SIMD] = &hx_backend_cpu,
    [HX_BACKEND_THREADS] = &hx_backend_cpu,
    [HX_BACKEND_BLAS] = &hx_backend_cpu,   [HX_BACKEND_OPENCL] = &hx_backend_opencl,
#ifdef HETERO_HAVE_CUDA
    [HX_BACKEND_CUDA] = &hx_backend_cuda,
#endif
#ifdef HETERO_HAVE_MPI
    [HX_BACKEND_MPI] = &hx_backend_mpi,
#endif
};

const hx_backend_ops *hx_backend_ops_of(hx_backend b) {
    return (unsigned)b < HX_BACKEND_COUNT && hx_backend_built(b) ? table[b] : NULL;
}

bool hx_workload_has(const hx_workload *w, hx_backend b) {
    const hx_backend_ops *ops = hx_backend_ops_of(b);
    return ops && ops->has(w, b);
}
