/*
 * memory.h - memory organisation made visible: the topology, first touch, thread binding.
 *
 * The course's memory chapter sorts machines by how processors reach memory: UMA (one memory,
 * every processor at the same distance), NUMA (memory in nodes, each nearer to some processors),
 * NORMA (no remote memory at all: message passing, the MPI lab) and COMA (caches only, no home
 * node: the KSR-1, the Data Diffusion Machine; no machine one can run today, so no demo).  This
 * module shows what the running machine is and the two habits NUMA rewards:
 *
 *   topology     hwloc's view: packages, NUMA nodes with their memory and distances, cache
 *                levels and who shares them, cores and hardware threads; the organisation that
 *                follows (UMA with one node, NUMA with more).
 *   first-touch  Linux places a page on the node of the thread that first writes it.  Three
 *                arrays are initialised by one thread or by the threads that will use them, then
 *                a parallel triad runs over them; where each page landed is read back with
 *                move_pages(2), so the placement is a measurement, not a claim.
 *   binding      the same triad with the OpenMP threads unbound, bound close (consecutive
 *                cores) and spread (across packages and nodes), each thread pinned with
 *                sched_setaffinity to the core the policy gives; the core each ran on is read
 *                back with sched_getcpu.
 *
 * On one NUMA node first touch and binding cannot change the bandwidth; the results say so
 * rather than invent a difference.  Every triad result is checked element by element.
 */
#ifndef HETERO_MEMORY_H
#define HETERO_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/core/stats.h"

#define HX_MEMORY_MAX_NODES   16
#define HX_MEMORY_MAX_LEVELS  6
#define HX_MEMORY_MAX_THREADS 256

typedef struct hx_memory_cache {
    int level;
    uint64_t bytes;
    unsigned count;     /* caches of this level in the machine */
    unsigned shared_by; /* hardware threads sharing one */
} hx_memory_cache;

typedef struct hx_memory_topology {
    unsigned packages, nodes, cores, pus;
    uint64_t node_bytes[HX_MEMORY_MAX_NODES];
    unsigned distance[HX_MEMORY_MAX_NODES][HX_MEMORY_MAX_NODES]; /* 0: not reported */
    bool have_distances;
    hx_memory_cache caches[HX_MEMORY_MAX_LEVELS];
    size_t ncaches;
    const char *organisation;            /* "UMA" or "NUMA" */
    int core_cpu[HX_MEMORY_MAX_THREADS]; /* OS number of each core's first hardware thread, in
                                            topology order (cores of a package together) */
    int cpu_node[HX_MEMORY_MAX_THREADS]; /* NUMA node of each OS cpu number */
} hx_memory_topology;

int hx_memory_topology_get(hx_memory_topology *t);

typedef enum { HX_INIT_SERIAL = 0, HX_INIT_PARALLEL, HX_INIT_COUNT } hx_memory_init;
typedef enum { HX_BIND_NONE = 0, HX_BIND_CLOSE, HX_BIND_SPREAD, HX_BIND_COUNT } hx_memory_bind;

const char *hx_memory_init_name(hx_memory_init i);
const char *hx_memory_bind_name(hx_memory_bind b);

typedef struct hx_memory_opts {
    size_t elements; /* per array */
    int threads, reps, warmup;
} hx_memory_opts;

typedef struct hx_memory_row {
    const char *part;    /* "first-touch" or "binding" */
    const char *variant; /* serial/parallel init, or none/close/spread */
    int threads;
    hx_stats time;                             /* one triad over the arrays */
    double gbps;                               /* 3 x 4 x n bytes / median */
    double pages_on_node[HX_MEMORY_MAX_NODES]; /* fraction of sampled pages per node */
    unsigned nodes;
    double local_fraction;                    /* pages on the node of the thread that uses them */
    int cpu_of_thread[HX_MEMORY_MAX_THREADS]; /* binding: sched_getcpu() of each thread */
    bool verified;
} hx_memory_row;

/* First touch: one row per hx_memory_init. */
int hx_memory_first_touch(const hx_memory_opts *o, const hx_memory_topology *t,
                          hx_memory_row rows[HX_INIT_COUNT]);
/* Binding: one row per hx_memory_bind. */
int hx_memory_binding(const hx_memory_opts *o, const hx_memory_topology *t,
                      hx_memory_row rows[HX_BIND_COUNT]);

/* The core thread i gets under policy b, given the machine's cores in hwloc order (pure; for the
 * tests): close = i mod cores; spread = as far apart as the cores allow (i x cores / threads). */
int hx_memory_core_for(hx_memory_bind b, int thread, int threads, int cores);

#endif
