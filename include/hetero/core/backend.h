/*
 * backend.h - the ways hetero runs a workload, and what each one is in Flynn's taxonomy.
 *
 * serial is the SISD baseline every other row is verified against and divided into.  This is a
 * backend's identity only; how it runs is its entry in the engine's table (engine/backends.h).
 * Adding a backend: one enum value here, one row in backend.c, one file in host/engine/ and one
 * line in host/engine/backends.c (docs/extending.md).
 */
#ifndef HETERO_BACKEND_H
#define HETERO_BACKEND_H

#include <stdbool.h>

typedef enum {
    HX_BACKEND_SERIAL = 0,
    HX_BACKEND_SIMD,
    HX_BACKEND_OMP,
    HX_BACKEND_OMP_SIMD,
    HX_BACKEND_THREADS,
    HX_BACKEND_BLAS,
    HX_BACKEND_OPENCL,
    HX_BACKEND_CUDA,
    HX_BACKEND_MPI,
    HX_BACKEND_COUNT
} hx_backend;

typedef struct hx_backend_info {
    const char *name;  /* command-line name */
    const char *flynn; /* SISD, SIMD, MIMD, ... */
    const char *what;  /* one line for `hetero list` and --help */
} hx_backend_info;

const hx_backend_info *hx_backend_get(hx_backend b);
const char *hx_backend_name(hx_backend b);

/* Parse one backend name; on failure the message lists every backend. */
int hx_backend_parse(const char *text, hx_backend *out);

/* Parse a comma-separated --backend list into want[] (set entries for the named backends).  An
 * unknown name is HX_ERR_USAGE listing every backend; one this build lacks is HX_ERR_MISSING. */
int hx_backend_parse_list(const char *text, bool want[HX_BACKEND_COUNT]);

/* Whether this build contains the backend at all (blas, cuda and mpi are optional). */
bool hx_backend_built(hx_backend b);

/* True for the backends that run on the host CPU through plain function calls. */
bool hx_backend_is_cpu(hx_backend b);

#endif
