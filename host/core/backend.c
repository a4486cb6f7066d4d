/*
 * backend.c - the table of backends: names, Flynn classes, one-line descriptions.
 */
#include "hetero/core/backend.h"

#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"

static const hx_backend_info backends[HX_BACKEND_COUNT] = {
    [HX_BACKEND_SERIAL] = {"serial", "SISD",
                           "one thread, scalar code, not vectorised: the baseline"},
    [HX_BACKEND_SIMD] = {"simd", "SIMD", "one thread, AVX-512/AVX2 intrinsics chosen by cpuid"},
    [HX_BACKEND_OMP] = {"omp", "MIMD", "OpenMP threads running the scalar body"},
    [HX_BACKEND_OMP_SIMD] = {"omp-simd", "MIMD of SIMD", "OpenMP threads x SIMD vectors"},
    [HX_BACKEND_THREADS] = {"threads", "MIMD",
                            "explicit pthreads: partition, create, join, combine by hand"},
    [HX_BACKEND_BLAS] = {"blas", "MIMD of SIMD", "the tuned library call (OpenBLAS CBLAS)"},
    [HX_BACKEND_OPENCL] = {"opencl", "SIMT", "an OpenCL kernel on the chosen device"},
    [HX_BACKEND_CUDA] = {"cuda", "SIMT", "a CUDA kernel on an NVIDIA GPU"},
    [HX_BACKEND_MPI] = {"mpi", "MIMD, distributed memory",
                        "ranks of an MPI job, each its own block (mpirun -np N hetero ...)"},
};

const hx_backend_info *hx_backend_get(hx_backend b) {
    return (unsigned)b < HX_BACKEND_COUNT ? &backends[b] : NULL;
}

const char *hx_backend_name(hx_backend b) {
    return (unsigned)b < HX_BACKEND_COUNT ? backends[b].name : "?";
}

int hx_backend_parse(const char *text, hx_backend *out) {
    const char *names[HX_BACKEND_COUNT + 1];
    for (int i = 0; i < HX_BACKEND_COUNT; i++)
        names[i] = backends[i].name;
    names[HX_BACKEND_COUNT] = NULL;
    int i;
    HX_TRY(hx_parse_choice("backend", text, names, &i));
    *out = (hx_backend)i;
    return HX_OK;
}

int hx_backend_parse_list(const char *text, bool want[HX_BACKEND_COUNT]) {
    char *copy = text ? strdup(text) : NULL;
    char *items[HX_BACKEND_COUNT * 2];
    size_t n = 0;
    if (text && !copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_split_list("--backend", copy, items, HX_BACKEND_COUNT * 2, &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        hx_backend b;
        status = hx_backend_parse(items[i], &b);
        if (status == HX_OK && !hx_backend_built(b))
            status =
                hx_fail(HX_ERR_MISSING, "backend %s is not in this build of hetero%s", items[i],
                        b == HX_BACKEND_CUDA  ? " (configure on a machine with nvcc)"
                        : b == HX_BACKEND_MPI ? " (install libopenmpi-dev and rebuild)"
                                              : " (install libopenblas-dev and rebuild)");
        if (status == HX_OK)
            want[b] = true;
    }
    free(copy);
    return status;
}

bool hx_backend_built(hx_backend b) {
    switch (b) {
    case HX_BACKEND_BLAS:
#ifdef HETERO_HAVE_BLAS
        return true;
#else
        return false;
#endif
    case HX_BACKEND_CUDA:
#ifdef HETERO_HAVE_CUDA
        return true;
#else
        return false;
#endif
    case HX_BACKEND_MPI:
#ifdef HETERO_HAVE_MPI
        return true;
#else
        return false;
#endif
    default:
        return (unsigned)b < HX_BACKEND_COUNT;
    }
}

bool hx_backend_is_cpu(hx_backend b) {
    return b < HX_BACKEND_OPENCL;
}
