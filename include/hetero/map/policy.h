/*
 * policy.h - mapping policies: who runs which task, and what it cost to decide.
 *
 * Hand-written policies run on pthreads, one worker per core, each worker bound to one
 * processing unit through hwloc when --pin allows it (cores are dealt round-robin, so
 * oversubscribed workers share cores evenly); managers are extra threads, left unbound:
 *   static-block    worker w takes tasks [w N/W, (w+1) N/W): no communication, no help
 *   static-cyclic   chunks of --chunk tasks dealt round-robin
 *   dynamic         workers claim --chunk tasks at a time from one shared atomic counter
 *   guided          claims shrink with the work left: max(chunk, ceil(left / W)) (as libgomp)
 *   manager-worker  one manager thread hands out chunks; a worker sends a request and waits for
 *                   the reply (with --prefetch it keeps one request ahead)
 *   hierarchical    a top manager feeds group managers blocks of chunk x group x 2 tasks; each
 *                   group manager feeds --group workers their chunks
 *   work-stealing   per-worker Chase-Lev deques; an idle worker steals from a victim chosen
 *                   at random, round-robin or nearest-first in the hwloc tree (--victim).
 *                   Index tasks start as one range per worker, split in halves down to --chunk
 *                   as they are taken (the halves are what thieves steal); trees start from
 *                   the root on worker 0 and every visited node spawns its children
 * and OpenMP's own schedule(static), schedule(dynamic, chunk), schedule(guided, chunk) as
 * reference rows (omp-static, omp-dynamic, omp-guided).
 *
 * A device worker (config device_worker, a source with a device side): the last worker is a
 * thread that gets work by the policy like any other, but runs each claim of tasks on an OpenCL
 * device as one launch and waits for it.  It is left unbound (it mostly waits), --slow cannot
 * name it, and OpenMP's rows cannot have one (their threads are OpenMP's).
 *
 * What a worker measures (docs/map.md): its thread CPU time (busy = CPU time less the CPU time
 * it spent spinning idle), the wall time in task bodies, the time in the policy's own code while
 * getting work (overhead: claims, messages, takes, splits and successful steals; a failed steal
 * is idle time), and its counts.  Times come from the invariant TSC, with the cost of reading it
 * measured and subtracted from each timed section.
 */
#ifndef HETERO_MAP_POLICY_H
#define HETERO_MAP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/map/source.h"

#define HX_MAP_MAX_WORKERS 256

typedef enum {
    HX_MAP_STATIC_BLOCK,
    HX_MAP_STATIC_CYCLIC,
    HX_MAP_DYNAMIC,
    HX_MAP_GUIDED,
    HX_MAP_MANAGER_WORKER,
    HX_MAP_HIERARCHICAL,
    HX_MAP_WORK_STEALING,
    HX_MAP_OMP_STATIC,
    HX_MAP_OMP_DYNAMIC,
    HX_MAP_OMP_GUIDED,
    HX_MAP_POLICY_COUNT
} hx_map_policy;

typedef enum {
    HX_MAP_VICTIM_RANDOM,
    HX_MAP_VICTIM_ROUND_ROBIN,
    HX_MAP_VICTIM_NEAREST
} hx_map_victim;

extern const char *const hx_map_policy_names[]; /* NULL-terminated, in enum order */
extern const char *const hx_map_victim_names[];

/* Whether p is one of OpenMP's (libgomp: not instrumented for ThreadSanitizer). */
bool hx_map_policy_is_omp(hx_map_policy p);
/* HX_OK when p can have a device worker, else HX_ERR_USAGE saying why (OpenMP's rows). */
int hx_map_device_policy_check(hx_map_policy p);

typedef struct hx_map_config {
    unsigned workers;                /* threads that run tasks */
    uint64_t chunk;                  /* tasks per claim */
    bool prefetch;                   /* manager-worker, hierarchical: one request ahead */
    unsigned group;                  /* hierarchical: workers per group manager */
    hx_map_victim victim;            /* work-stealing */
    bool pin;                        /* bind workers to cores with hwloc */
    double slow[HX_MAP_MAX_WORKERS]; /* per worker, 1 = normal, F = each task F times longer */
    bool record;                     /* keep each worker's task intervals (--gantt) */
    double record_resolution_s;      /* intervals closer than this merge (bounds the memory) */
    uint64_t seed;                   /* victim choice */
    bool device_worker; /* the last worker drives the source's device (attach_device) */
} hx_map_config;

void hx_map_config_default(hx_map_config *c);

/* --policy=LIST: the policies named into want (a policy name, or all); *all says whether "all"
 * was among them.  HX_ERR_USAGE listing the names on an unknown one. */
int hx_map_parse_policies(const char *text, bool want[HX_MAP_POLICY_COUNT], bool *all);
/* "W:F[,W:F...]": worker W runs F times slower (F >= 1; after each task a busy-wait until its
 * thread has spent (F-1) times the task's own CPU time).  HX_ERR_USAGE naming the worker when W >=
 * workers. */
int hx_map_parse_slow(const char *text, hx_map_config *c);

/* One interval of a worker's timeline: seconds from the run's start. */
typedef struct hx_map_interval {
    double start, end;
    uint64_t first, count; /* first task word and tasks merged into it */
} hx_map_interval;

typedef struct hx_map_worker_stats {
    double busy_s;  /* thread CPU time less idle spinning */
    double cpu_s;   /* thread CPU time of the whole run */
    double task_s;  /* wall time in task bodies (with any --slow busy-wait) */
    double sched_s; /* wall time in the policy's code getting work */
    double idle_frac;
    uint64_t tasks, steals, steal_attempts, messages;
    int pu;      /* OS index of the processing unit it was bound to, -1 when unbound */
    bool device; /* the device worker: busy_s is its wall time in launches, not CPU time */
    hx_map_interval *iv;
    size_t niv;
} hx_map_worker_stats;

/* One run of one policy. */
typedef struct hx_map_run {
    hx_map_policy policy;
    unsigned workers, managers; /* managers: extra threads (manager-worker, hierarchical) */
    double makespan_s;          /* first worker start to last worker end */
    uint64_t tasks;             /* tasks run (trees from the root: nodes) */
    uint64_t messages;          /* requests every manager received */
    uint64_t messages_top;      /* of which the (top) manager's */
    double manager_cpu_s;       /* CPU time of the manager threads */
    bool pinned;                /* every worker was bound */
    hx_map_exec total;          /* summed counts, for verification */
    hx_map_worker_stats *w;     /* workers entries */
} hx_map_run;

/* HX_OK, or HX_ERR_USAGE with the reason a run of p on s under c is impossible (more workers
 * than tasks, chunk 0, ...), so a command can refuse before it measures anything. */
int hx_map_config_check(const hx_map_source *s, hx_map_policy p, const hx_map_config *c);

/* Run every task of s once under policy p.  The source's output must have been selected (begin);
 * HX_ERR_USAGE for an impossible configuration (more workers than tasks), HX_ERR_RUNTIME when a
 * thread cannot be made. */
int hx_map_run_policy(const hx_map_source *s, hx_map_policy p, const hx_map_config *c,
                      hx_map_run *out);
void hx_map_run_free(hx_map_run *r);

/* The figures of a run: max busy / mean busy, mean idle fraction, overhead per task in ns. */
double hx_map_imbalance(const hx_map_run *r);
double hx_map_idle_frac(const hx_map_run *r);
double hx_map_overhead_ns(const hx_map_run *r);

/* The cost of one timed section (two clock reads), subtracted from every section, in ns. */
double hx_map_timer_ns(void);

#endif
