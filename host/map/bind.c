/*
 * bind.c - binding workers to processing units with hwloc, and the hwloc distance between them.
 *
 * Worker i goes to core i mod C (C cores), and to the (i / C)-th hardware thread of that core,
 * so the first C workers have a core each and oversubscribed workers are dealt over the cores
 * evenly.  The topology is loaded once per process.  A failed bind (a cpuset that excludes the
 * core, a container without the permission) leaves the worker unbound; the reason is kept so the
 * report can say it, never a silent fallback.
 */
#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static hwloc_topology_t topo;
static bool topo_ok;
static pthread_mutex_t problem_lock = PTHREAD_MUTEX_INITIALIZER;
static char problem[200];
static bool have_problem;

static void note_problem(const char *what, int err) {
    pthread_mutex_lock(&problem_lock);
    if (!have_problem) {
        snprintf(problem, sizeof problem, "%s: %s", what, strerror(err));
        have_problem = true;
    }
    pthread_mutex_unlock(&problem_lock);
}

static void load_topology(void) {
    if (hwloc_topology_init(&topo) != 0) {
        note_problem("hwloc_topology_init failed", errno);
        return;
    }
    if (hwloc_topology_load(topo) != 0) {
        note_problem("hwloc_topology_load failed", errno);
        hwloc_topology_destroy(topo);
        return;
    }
    topo_ok = true;
}

const char *hx_map_bind_problem(void) {
    pthread_mutex_lock(&problem_lock);
    const char *p = have_problem ? problem : NULL;
    pthread_mutex_unlock(&problem_lock);
    return p;
}

/* The PU object worker `index` is dealt to. */
static hwloc_obj_t worker_pu(unsigned index) {
    int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    if (ncores <= 0) {
        int npus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        return npus > 0 ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, index % (unsigned)npus) : NULL;
    }
    hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, index % (unsigned)ncores);
    int nthreads = hwloc_get_nbobjs_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU);
    if (nthreads <= 0)
        return NULL;
    unsigned k = (index / (unsigned)ncores) % (unsigned)nthreads;
    return hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU, k);
}

int hx_map_bind_worker(unsigned index, unsigned workers) {
    (void)workers;
    pthread_once(&topo_once, load_topology);
    if (!topo_ok)
        return -1;
    hwloc_obj_t pu = worker_pu(index);
    if (!pu) {
        note_problem("hwloc found no processing unit", ENODEV);
        return -1;
    }
    if (hwloc_set_cpubind(topo, pu->cpuset, HWLOC_CPUBIND_THREAD) != 0) {
        note_problem("hwloc_set_cpubind failed", errno);
        return -1;
    }
    return (int)pu->os_index;
}

typedef struct victim_key {
    unsigned worker;
    int depth;     /* depth of the common ancestor: deeper is nearer */
    unsigned ring; /* (v - w) mod W */
} victim_key;

static int nearer_first(const void *a, const void *b) {
    const victim_key *x = a, *y = b;
    if (x->depth != y->depth)
        return y->depth - x->depth;
    return (x->ring > y->ring) - (x->ring < y->ring);
}

void hx_map_nearest_order(unsigned w, unsigned workers, unsigned *order) {
    pthread_once(&topo_once, load_topology);
    victim_key *keys = malloc(workers * sizeof *keys);
    if (!keys) { /* no memory for the sort: round-robin order, still every victim once */
        for (unsigned k = 1; k < workers; k++)
            order[k - 1] = (w + k) % workers;
        return;
    }
    hwloc_obj_t mine = topo_ok ? worker_pu(w) : NULL;
    size_t n = 0;
    for (unsigned v = 0; v < workers; v++) {
        if (v == w)
            continue;
        hwloc_obj_t theirs = topo_ok ? worker_pu(v) : NULL;
        int depth = 0;
        if (mine && theirs)
            depth =
                mine == theirs ? 1000 : hwloc_get_common_ancestor_obj(topo, mine, theirs)->depth;
        keys[n++] = (victim_key){v, depth, (v + workers - w) % workers};
    }
    qsort(keys, n, sizeof keys[0], nearer_first);
    for (size_t i = 0; i < n; i++)
        order[i] = keys[i].worker;
    free(keys);
}

void map_affinity_save(map_affinity *a) {
    a->saved = sched_getaffinity(0, sizeof a->set, &a->set) == 0;
}

void map_affinity_restore(const map_affinity *a) {
    if (a->saved)
        (void)sched_setaffinity(0, sizeof a->set, &a->set);
}
