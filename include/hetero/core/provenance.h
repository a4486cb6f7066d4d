/*
 * provenance.h - where a JSON document's figures came from: the `provenance` object.
 *
 * A figure without its machine, build and conditions cannot be compared with another.  Every
 * JSON document hetero writes carries one `provenance` object (docs/json.md), written by
 * hx_json_kv_provenance() so every writer says the same things the same way:
 *
 *   hetero     version, git commit (and whether the tree had uncommitted changes), build type,
 *              compiler and flags: recorded at build time (cmake/build_info.cmake)
 *   command    the command line; date: when the command started (UTC, ISO 8601)
 *   cpu        model, vendor, online cores, the ISA path the simd backends take and the best the
 *              CPU allows, microcode (/proc/cpuinfo; null where a VM hides it)
 *   kernel     uname: system, release, version, machine
 *   governor   cpufreq governor of cpu0 ("unknown" where there is none)
 *   omp        every OMP_* and GOMP_* environment variable that was set
 *   noise      load average and runnable tasks at the start and at the end, and the command's
 *              share of other programs' CPU time and of steal (core/noise.h)
 *   opencl, openblas, cuda, ...   what a higher layer knows, given by a provider (below); a key
 *              whose provider was not registered is absent
 *
 * Core knows nothing of OpenCL or OpenBLAS, so those layers pass what they know in: a provider
 * is a function that writes one key's value, registered once at start (main.c through the
 * engine's hx_engine_provenance_init()) and called only when a document is written, so a command
 * that never writes JSON never enumerates platforms for it.
 */
#ifndef HETERO_CORE_PROVENANCE_H
#define HETERO_CORE_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "hetero/core/json.h"

/* Recorded at build time (the generated build_info.c). */
typedef struct hx_build_info {
    const char *version;    /* the project version, "0.1.0" */
    const char *commit;     /* git commit, 12 hex digits, or "unknown" outside a git tree */
    bool dirty;             /* the tree had uncommitted changes to tracked files */
    const char *build_type; /* Release, RelWithDebInfo, Debug */
    const char *compiler;   /* "GNU 12.2.0" */
    const char *c_flags;    /* CMAKE_C_FLAGS + the build type's + sanitizers */
} hx_build_info;

extern const hx_build_info hx_build;

/* Writes the value (an object, array, string...) of one provenance key. */
typedef void (*hx_provenance_fn)(hx_json *j);

/* Register the provider of key (at most 8; a key registered again is replaced). */
void hx_provenance_provide(const char *key, hx_provenance_fn fn);

/* The command line, for `command` (main.c, once). */
void hx_provenance_set_command(int argc, char **argv);

/* "provenance": {...} into the object being written. */
void hx_json_kv_provenance(hx_json *j);

/* "hetero 0.1.0 (commit 16a4dd04f532, Release)" for --version and the HTML report. */
const char *hx_build_describe(char *buf, size_t len);

#endif
