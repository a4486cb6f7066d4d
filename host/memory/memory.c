/*
 * memory.c - the topology (hwloc), first touch and thread binding measured (see memory.h).
 *
 * Both experiments run the same kernel, a parallel STREAM triad a = b + 3 c over float arrays
 * whose values are small integers, so every result is exact and checked element by element.
 * Where pages landed is read back with move_pages(2) (no pages moved: nodes NULL asks only),
 * sampling at most 4096 pages per array.
 */
#include "hetero/memory/memory.h"

#include <errno.h>
#include <hwloc.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/simd.h"
#include "hetero/core/timer.h"

#define SAMPLE_PAGES 4096

const char *hx_memory_init_name(hx_memory_init i) {
    return i == HX_INIT_SERIAL ? "serial-init" : "parallel-init";
}

const char *hx_memory_bind_name(hx_memory_bind b) {
    static const char *const names[HX_BIND_COUNT] = {"none", "close", "spread"};
    return (unsigned)b < HX_BIND_COUNT ? names[b] : "?";
}

/* ---- topology ----------------------------------------------------------------------------- */

static unsigned count(hwloc_topology_t topo, hwloc_obj_type_t type) {
    int n = hwloc_get_nbobjs_by_type(topo, type);
    return n > 0 ? (unsigned)n : 0;
}

static void read_caches(hwloc_topology_t topo, hx_memory_topology *t) {
    static const hwloc_obj_type_t levels[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE,
                                              HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE,
                                              HWLOC_OBJ_L5CACHE};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(topo, levels[l], 0);
        if (!c || t->ncaches == HX_MEMORY_MAX_LEVELS)
            continue;
        hx_memory_cache *mc = &t->caches[t->ncaches++];
        mc->level = (int)l + 1;
        mc->bytes = c->attr->cache.size;
        mc->count = count(topo, levels[l]);
        mc->shared_by = (unsigned)hwloc_bitmap_weight(c->cpuset);
    }
}

static void read_nodes(hwloc_topology_t topo, hx_memory_topology *t) {
    for (unsigned i = 0; i < t->nodes && i < HX_MEMORY_MAX_NODES; i++) {
        hwloc_obj_t n = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);
        t->node_bytes[i] = n ? n->attr->numanode.local_memory : 0;
        for (int cpu = 0; n && cpu < HX_MEMORY_MAX_THREADS; cpu++)
            if (hwloc_bitmap_isset(n->cpuset, (unsigned)cpu))
                t->cpu_node[cpu] = (int)i;
    }
    unsigned nr = 1;
    struct hwloc_distances_s *d = NULL;
    if (hwloc_distances_get_by_type(topo, HWLOC_OBJ_NUMANODE, &nr, &d, 0, 0) == 0 && nr > 0) {
        unsigned n = d->nbobjs < HX_MEMORY_MAX_NODES ? d->nbobjs : HX_MEMORY_MAX_NODES;
        for (unsigned i = 0; i < n; i++)
            for (unsigned j = 0; j < n; j++)
                t->distance[i][j] = (unsigned)d->values[i * d->nbobjs + j];
        t->have_distances = true;
        hwloc_distances_release(topo, d);
    }
}

int hx_memory_topology_get(hx_memory_topology *t) {
    memset(t, 0, sizeof *t);
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0)
        return hx_fail(HX_ERR_RUNTIME, "hwloc could not read this machine's topology");
    t->packages = count(topo, HWLOC_OBJ_PACKAGE);
    t->nodes = count(topo, HWLOC_OBJ_NUMANODE);
    t->cores = count(topo, HWLOC_OBJ_CORE);
    t->pus = count(topo, HWLOC_OBJ_PU);
    if (t->nodes == 0)
        t->nodes = 1;
    for (unsigned i = 0; i < t->cores && i < HX_MEMORY_MAX_THREADS; i++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, i);
        hwloc_obj_t pu =
            core ? hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU, 0) : NULL;
        t->core_cpu[i] = pu ? (int)pu->os_index : (int)i;
    }
    read_caches(topo, t);
    read_nodes(topo, t);
    t->organisation = t->nodes > 1 ? "NUMA" : "UMA";
    hwloc_topology_destroy(topo);
    return HX_OK;
}

/* ---- the triad ---------------------------------------------------------------------------- */

typedef struct arrays {
    size_t n;
    float *a, *b, *c;
} arrays;

static int arrays_alloc(arrays *x, size_t n) {
    memset(x, 0, sizeof *x);
    x->n = n;
    int status = hx_alloc_checked((void **)&x->a, n * sizeof(float), "the triad's array a");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&x->b, n * sizeof(float), "the triad's array b");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&x->c, n * sizeof(float), "the triad's array c");
    return status;
}

static void arrays_free(arrays *x) {
    hx_free(x->a);
    hx_free(x->b);
    hx_free(x->c);
    memset(x, 0, sizeof *x);
}

/* Values small enough that b + 3 c is exact in float. */
static inline float b_at(size_t i) {
    return (float)(i % 1024);
}
static inline float c_at(size_t i) {
    return (float)(i % 7);
}

/* The first write of every page: one thread, or the triad's threads with its schedule. */
static void first_touch(arrays *x, bool parallel, int threads) {
    const long n = (long)x->n;
    if (!parallel) {
        for (long i = 0; i < n; i++)
            x->a[i] = 0.0f, x->b[i] = b_at((size_t)i), x->c[i] = c_at((size_t)i);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < n; i++)
        x->a[i] = 0.0f, x->b[i] = b_at((size_t)i), x->c[i] = c_at((size_t)i);
}

/* Pin the calling thread to one OS cpu, or to every cpu (-1). */
static void pin_self(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu < 0) {
        long n = sysconf(_SC_NPROCESSORS_CONF);
        for (long i = 0; i < n && i < CPU_SETSIZE; i++)
            CPU_SET((int)i, &set);
    } else {
        CPU_SET(cpu, &set);
    }
    (void)sched_setaffinity(0, sizeof set, &set); /* best effort: the cpus are read back */
}

int hx_memory_core_for(hx_memory_bind b, int thread, int threads, int cores) {
    if (cores < 1 || threads < 1)
        return 0;
    if (b == HX_BIND_SPREAD)
        return (int)(((long)thread * cores / threads) % cores);
    return thread % cores;
}

/* One triad, each thread placed by policy first; cpus[] gets where each ran. */
static void triad(arrays *x, int threads, hx_memory_bind bind, const hx_memory_topology *t,
                  int *cpus) {
    const long n = (long)x->n;
    float *restrict a = x->a;
    const float *restrict b = x->b, *restrict c = x->c;
#pragma omp parallel num_threads(threads)
    {
        int me = omp_get_thread_num();
        if (bind != HX_BIND_NONE)
            pin_self(t->core_cpu[hx_memory_core_for(bind, me, threads, (int)t->cores)]);
        if (cpus && me < HX_MEMORY_MAX_THREADS)
            cpus[me] = sched_getcpu();
#pragma omp for schedule(static)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + 3.0f * c[i];
        if (bind != HX_BIND_NONE)
            pin_self(-1);
    }
}

static bool triad_verified(const arrays *x) {
    for (size_t i = 0; i < x->n; i++)
        if (x->a[i] != b_at(i) + 3.0f * c_at(i))
            return false;
    return true;
}

/* ---- where the pages are ------------------------------------------------------------------ */

/* The thread that uses element i under schedule(static) with `threads` threads (libgomp's
 * split: the first n mod T threads take one more). */
static int owner_of(size_t i, size_t n, int threads) {
    size_t q = n / (size_t)threads, r = n % (size_t)threads;
    size_t big = r * (q + 1);
    return i < big ? (int)(i / (q + 1)) : (int)(r + (i - big) / (q ? q : 1));
}

/* Sample the node of up to SAMPLE_PAGES pages of each array; local = on the node of the cpu the
 * owning thread ran on. */
static void page_placement(const arrays *x, int threads, const int *cpus,
                           const hx_memory_topology *t, hx_memory_row *r) {
    long page = sysconf(_SC_PAGESIZE);
    size_t per_page = (size_t)page / sizeof(float), pages = (x->n + per_page - 1) / per_page;
    size_t step = pages > SAMPLE_PAGES ? pages / SAMPLE_PAGES : 1;
    void *where[SAMPLE_PAGES];
    int node[SAMPLE_PAGES];
    size_t idx[SAMPLE_PAGES];
    size_t counted = 0, on[HX_MEMORY_MAX_NODES] = {0}, local = 0;
    const float *arr[3] = {x->a, x->b, x->c};
    for (int k = 0; k < 3; k++) {
        size_t m = 0;
        for (size_t p = 0; p < pages && m < SAMPLE_PAGES; p += step, m++) {
            idx[m] = p * per_page;
            where[m] = (void *)(arr[k] + idx[m]);
        }
        if (syscall(SYS_move_pages, 0, (unsigned long)m, where, NULL, node, 0) != 0)
            continue; /* not readable here: the fractions stay 0 */
        for (size_t i = 0; i < m; i++) {
            if (node[i] < 0 || node[i] >= HX_MEMORY_MAX_NODES)
                continue;
            counted++;
            on[node[i]]++;
            int cpu = cpus[owner_of(idx[i], x->n, threads)];
            local += cpu >= 0 && cpu < HX_MEMORY_MAX_THREADS && t->cpu_node[cpu] == node[i];
        }
    }
    r->nodes = t->nodes;
    for (unsigned i = 0; i < t->nodes && i < HX_MEMORY_MAX_NODES; i++)
        r->pages_on_node[i] = counted ? (double)on[i] / (double)counted : 0.0;
    r->local_fraction = counted ? (double)local / (double)counted : 0.0;
}

/* ---- the experiments ---------------------------------------------------------------------- */

static int time_triads(arrays *x, const hx_memory_opts *o, hx_memory_bind bind,
                       const hx_memory_topology *t, hx_memory_row *r) {
    double *s = calloc((size_t)o->reps, sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (int i = 0; i < o->warmup; i++)
        triad(x, o->threads, bind, t, NULL);
    for (int i = 0; i < o->reps; i++) {
        double t0 = hx_now();
        triad(x, o->threads, bind, t, r->cpu_of_thread);
        s[i] = hx_now() - t0;
    }
    r->threads = o->threads;
    r->time = hx_stats_of(s, (size_t)o->reps);
    r->gbps = 12.0 * (double)x->n / r->time.median * 1e-9;
    r->verified = triad_verified(x);
    free(s);
    return HX_OK;
}

static int check_opts(const hx_memory_opts *o) {
    if (o->elements == 0 || o->threads < 1 || o->threads > HX_MEMORY_MAX_THREADS || o->reps < 1)
        return hx_fail(HX_ERR_USAGE,
                       "the memory experiments need elements > 0, 1 to %d threads "
                       "and at least one repetition",
                       HX_MEMORY_MAX_THREADS);
    return HX_OK;
}

int hx_memory_first_touch(const hx_memory_opts *o, const hx_memory_topology *t,
                          hx_memory_row rows[HX_INIT_COUNT]) {
    HX_TRY(check_opts(o));
    for (int i = 0; i < HX_INIT_COUNT; i++) {
        hx_memory_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        r->part = "first-touch";
        r->variant = hx_memory_init_name((hx_memory_init)i);
        arrays x; /* fresh pages each time: first touch happens once per page */
        int status = arrays_alloc(&x, o->elements);
        if (status == HX_OK) {
            first_touch(&x, i == HX_INIT_PARALLEL, o->threads);
            status = time_triads(&x, o, HX_BIND_NONE, t, r);
        }
        if (status == HX_OK)
            page_placement(&x, o->threads, r->cpu_of_thread, t, r);
        arrays_free(&x);
        HX_TRY(status);
    }
    return HX_OK;
}

int hx_memory_binding(const hx_memory_opts *o, const hx_memory_topology *t,
                      hx_memory_row rows[HX_BIND_COUNT]) {
    HX_TRY(check_opts(o));
    arrays x;
    int status = arrays_alloc(&x, o->elements);
    if (status == HX_OK)
        first_touch(&x, true, o->threads);
    for (int b = 0; status == HX_OK && b < HX_BIND_COUNT; b++) {
        hx_memory_row *r = &rows[b];
        memset(r, 0, sizeof *r);
        r->part = "binding";
        r->variant = hx_memory_bind_name((hx_memory_bind)b);
        status = time_triads(&x, o, (hx_memory_bind)b, t, r);
        if (status == HX_OK) /* the pages stay put; whether they are local depends on the cpus */
            page_placement(&x, o->threads, r->cpu_of_thread, t, r);
    }
    arrays_free(&x);
    return status;
}
