/*
 * internal.h - what the files of host/map share and nothing else sees: the tick clock, the
 * worker team (threads, binding, start barrier), and the helpers every policy's worker uses to
 * run tasks, so that timing, --slow and the timeline are done in one place for all of them.
 */
#ifndef HETERO_MAP_INTERNAL_H
#define HETERO_MAP_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/map/policy.h"
#include "hetero/map/source.h"

/* ---- clock: the invariant TSC (CLOCK_MONOTONIC in ns where there is none) ----------------- */

uint64_t hx_map_ticks(void);
double hx_map_tick_seconds(void);  /* seconds per tick */
uint64_t hx_map_timer_ticks(void); /* measured cost of one timed section, subtracted */
double hx_map_thread_cpu(void);    /* this thread's CPU time, seconds */

/* ---- binding ---------------------------------------------------------------------------- */

/* Bind the calling thread to the PU hwloc deals to worker `index` (cores round-robin); the OS
 * index of the PU, or -1 when binding failed (the reason in *why, once). */
int hx_map_bind_worker(unsigned index, unsigned workers);
/* Victims of worker w, nearest first: workers on PUs that share the deepest hwloc ancestor,
 * ties broken by distance in index.  order receives workers - 1 entries. */
void hx_map_nearest_order(unsigned w, unsigned workers, unsigned *order);
/* Why binding failed, or NULL. */
const char *hx_map_bind_problem(void);
/* The calling thread's affinity, kept and put back (OpenMP's rows bind the master thread, which
 * is the caller's own: it must not stay bound, or managers and later runs would inherit it). */
typedef struct map_affinity {
    cpu_set_t set;
    bool saved;
} map_affinity;
void map_affinity_save(map_affinity *a);
void map_affinity_restore(const map_affinity *a);

/* ---- a start gate: threads wait until every thread of a run exists, or are told to leave -- */

typedef struct map_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state; /* 0 wait, 1 go, -1 leave */
} map_gate;

void map_gate_init(map_gate *g);
void map_gate_destroy(map_gate *g);
void map_gate_open(map_gate *g, bool go); /* go: start; else: leave */
bool map_gate_pass(map_gate *g);          /* false: leave */

/* HX_OK, or HX_ERR_USAGE when workers is outside 1..HX_MAP_MAX_WORKERS, exceeds the `items` (named
 * `what`: "blocks of the job") there are to share, or reps is outside 1..max_reps. */
int map_check_team(unsigned workers, uint64_t items, const char *what, int reps, int max_reps);

/* ---- the team --------------------------------------------------------------------------- */

typedef struct map_team map_team;

typedef struct map_worker {
    _Alignas(64) map_team *team;
    unsigned id;
    int pu;
    bool device; /* runs its claims on the source's device (the last worker, device_worker) */
    double slow; /* factor, 1 = none */
    hx_map_exec exec;
    uint64_t start, end; /* ticks */
    uint64_t task_ticks, sched_ticks, sched_sections, idle_ticks;
    bool untimed; /* ran tasks without timing each (work-stealing's nodes): task time derived */
    double cpu_start, cpu_end, idle_cpu;
    uint64_t tasks, steals, steal_attempts, messages;
    uint64_t rng;
    /* timeline */
    hx_map_interval *iv;
    size_t niv, cap;
    uint64_t iv_last_start, iv_last_end;
    bool iv_full;
    void *priv; /* policy-private */
} map_worker;

struct map_team {
    const hx_map_source *src;
    const hx_map_config *cfg;
    unsigned nworkers;
    map_worker *w;
    pthread_barrier_t start;
    void (*work)(map_worker *w);                 /* each worker's loop */
    void (*manage)(map_team *t, unsigned index); /* each manager's loop, or NULL */
    unsigned nmanagers;
    double *manager_cpu;
    void *policy; /* policy-wide state */
    uint64_t resolution_ticks;
    atomic_int failed; /* a worker failed: why in fail_why (the first failure's) */
    char fail_why[256];
};

/* HX_ERR_USAGE naming the sources that have one when s has no device side (source.c). */
int map_require_device_side(const hx_map_source *s);

/* Mark the run failed, keeping the first reason (any thread; the run reports it after the join). */
void map_team_fail(map_team *t, const char *why);

/* Make the workers (and managers), run them from one barrier, join them; fill the run. */
int map_team_run(map_team *t, hx_map_run *out);

/* Run tasks [begin, end) of the index space: timed as task time, slowed, recorded. */
void map_run_tasks(map_worker *w, size_t begin, size_t end);
/* Run one task word (spawning sources under work-stealing). */
void map_run_word(map_worker *w, uint64_t word);

/* Time a section of policy code as overhead: t = map_sched_begin(); ...; map_sched_end(w, t). */
static inline uint64_t map_sched_begin(void) {
    return hx_map_ticks();
}
void map_sched_end(map_worker *w, uint64_t t0);

/* The policies (policy_*.c), each run by hx_map_run_policy. */
int map_policy_static(map_team *t, hx_map_policy p, hx_map_run *out);
int map_policy_manager(map_team *t, hx_map_policy p, hx_map_run *out);
int map_policy_steal(map_team *t, hx_map_run *out);
int map_policy_omp(map_team *t, hx_map_policy p, hx_map_run *out);

/* Fill out's per-worker stats from the team's workers (also used by the OpenMP rows). */
int map_collect(map_team *t, hx_map_run *out);

#endif
