/*
 * policy_steal.c - work-stealing over per-worker Chase-Lev deques (deque.h).
 *
 * Index sources: worker w's deque starts with one task word, the range [w N / W, (w + 1) N / W)
 * packed as (begin << 32 | end).  A worker takes a range from the bottom of its own deque, and
 * while it is longer than --chunk pushes the upper half back and keeps the lower half (lazy
 * binary splitting): the big halves stay at the top, where thieves steal, and a thief that takes
 * one splits it again in its own deque.  Tree sources: worker 0's deque starts with the root,
 * and each visited node pushes its children while the deque holds fewer than SPAWN_DEPTH tasks
 * (lazy task creation; past that the worker searches them itself), so a worker goes depth-first
 * through its own part while thieves take the shallow nodes, the big subtrees.
 *
 * An idle worker picks victims (random, round-robin or nearest-first in the hwloc tree), looks
 * whether the victim's deque seems to hold work, and only then steals.  Termination: a shared
 * count of idle workers.  A worker counts itself idle when its own deque is empty and, before
 * each steal attempt, counts itself busy again, so a worker that holds a stolen task is never
 * counted idle.  A worker's deque is empty once it is idle (only its owner pushes into it), so
 * when the count reaches W every deque is empty and nobody holds a task: the search is over.
 * Idle workers back off (pause, then yield, then sleep 20 us) so that oversubscribed runs give
 * the cores to the workers that have work.
 */
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/map/deque.h"
#include "internal.h"

typedef struct steal_state {
    hx_deque *q; /* one per worker */
    _Alignas(64) atomic_uint idle;
    char pad[64 - sizeof(atomic_uint)];
    unsigned *order; /* nearest: workers x (workers - 1) victims, nearest first */
    bool ranges;     /* index source: task words are ranges */
    bool crowded;    /* more workers than processors: idle workers must give the core away */
} steal_state;

static uint64_t pack_range(size_t begin, size_t end) {
    return (uint64_t)begin << 32 | (uint64_t)end;
}

/* Lazy task creation: a child goes into the deque only while the deque holds fewer than
 * SPAWN_DEPTH tasks, enough for every thief to find one; past that the worker searches it itself
 * (src_tree.c), without the push, the take and their fences. */
#define SPAWN_DEPTH 16

static bool spawn_child(hx_map_exec *e, uint64_t task) {
    map_worker *w = e->spawn_arg;
    steal_state *st = w->team->policy;
    if (hx_deque_size_hint(&st->q[w->id]) >= SPAWN_DEPTH)
        return false;
    if (!hx_deque_push(&st->q[w->id], task)) {
        map_team_fail(w->team, "a worker ran out of memory growing its deque");
        return false; /* searched here instead; the run still reports the failure */
    }
    return true;
}

static void run_range(map_worker *w, steal_state *st, uint64_t word) {
    size_t begin = (size_t)(word >> 32), end = (size_t)(word & 0xffffffffu);
    const size_t chunk = w->team->cfg->chunk;
    while (end - begin > chunk) {
        uint64_t t = map_sched_begin();
        size_t mid = begin + (end - begin) / 2;
        if (!hx_deque_push(&st->q[w->id], pack_range(mid, end)))
            map_team_fail(w->team, "a worker ran out of memory growing its deque");
        map_sched_end(w, t);
        end = mid;
    }
    map_run_tasks(w, begin, end);
}

static unsigned pick_victim(map_worker *w, steal_state *st, unsigned k) {
    const unsigned W = w->team->nworkers;
    switch (w->team->cfg->victim) {
    case HX_MAP_VICTIM_ROUND_ROBIN: {
        unsigned v = (w->id + 1 + (unsigned)(w->rng++ % (W - 1))) % W;
        return v;
    }
    case HX_MAP_VICTIM_NEAREST:
        return st->order[w->id * (W - 1) + k];
    default: {
        w->rng = hx_mix64(w->rng);
        unsigned v = (unsigned)(w->rng % (W - 1));
        return v >= w->id ? v + 1 : v;
    }
    }
}

/* With a core each, an idle worker spins (pause) for about a millisecond before it yields: a
 * yield on a busy machine can cost a whole time slice, while work may appear any moment.  With
 * more workers than processors it yields early, and soon sleeps, so that the workers that have
 * work get the cores. */
static void back_off(unsigned round, bool crowded) {
    if (round < (crowded ? 8u : 2048u)) {
        for (int i = 0; i < 64; i++)
            __builtin_ia32_pause();
    } else if (round < (crowded ? 64u : 4096u)) {
        sched_yield();
    } else {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

/* Steal a task into *x; false when every worker is idle (the end). */
static bool find_work(map_worker *w, steal_state *st, uint64_t *x) {
    const unsigned W = w->team->nworkers;
    double cpu0 = hx_map_thread_cpu();
    uint64_t t0 = hx_map_ticks();
    atomic_fetch_add_explicit(&st->idle, 1, memory_order_seq_cst);
    bool found = false;
    for (unsigned round = 0; !found; round++) {
        if (atomic_load_explicit(&st->idle, memory_order_seq_cst) == W)
            break;
        for (unsigned k = 0; k + 1 < W && !found; k++) {
            unsigned v = pick_victim(w, st, k);
            if (!hx_deque_looks_nonempty(&st->q[v]))
                continue;
            atomic_fetch_sub_explicit(&st->idle, 1, memory_order_seq_cst);
            uint64_t t = map_sched_begin();
            w->steal_attempts++;
            if (hx_deque_steal(&st->q[v], x) == HX_DEQUE_OK) {
                map_sched_end(w, t); /* a successful steal is the policy's cost... */
                w->steals++;
                found = true;
            } else { /* ...a failed one is time without work: idle */
                atomic_fetch_add_explicit(&st->idle, 1, memory_order_seq_cst);
            }
        }
        if (!found)
            back_off(round, st->crowded);
    }
    w->idle_cpu += hx_map_thread_cpu() - cpu0;
    w->idle_ticks += hx_map_ticks() - t0;
    return found;
}

static void work_steal(map_worker *w) {
    steal_state *st = w->team->policy;
    hx_deque *own = &st->q[w->id];
    for (;;) {
        uint64_t x, t = map_sched_begin();
        hx_deque_status s = hx_deque_take(own, &x);
        map_sched_end(w, t);
        if (s != HX_DEQUE_OK && !find_work(w, st, &x))
            return;
        if (st->ranges)
            run_range(w, st, x);
        else
            map_run_word(w, x);
    }
}

static void free_state(steal_state *st, unsigned n) {
    if (st->q)
        for (unsigned i = 0; i < n; i++)
            hx_deque_destroy(&st->q[i]);
    free(st->q);
    free(st->order);
    free(st);
}

int map_policy_steal(map_team *t, hx_map_run *out) {
    const unsigned W = t->nworkers;
    const hx_map_source *s = t->src;
    steal_state *st = aligned_alloc(64, sizeof *st);
    if (!st)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    st->q = aligned_alloc(64, W * sizeof *st->q);
    st->order = t->cfg->victim == HX_MAP_VICTIM_NEAREST && W > 1
                    ? malloc((size_t)W * (W - 1) * sizeof *st->order)
                    : NULL;
    atomic_init(&st->idle, 0);
    st->ranges = !s->spawns;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    st->crowded = cpus > 0 && W > (unsigned)cpus;
    unsigned made = 0;
    int status = st->q && (st->order || t->cfg->victim != HX_MAP_VICTIM_NEAREST || W == 1)
                     ? HX_OK
                     : hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (; status == HX_OK && made < W; made++)
        status = hx_deque_init(&st->q[made], 1024);
    if (status != HX_OK) {
        if (st->q)
            for (unsigned i = 0; i + 1 < made; i++)
                hx_deque_destroy(&st->q[i]);
        free(st->q);
        st->q = NULL;
        free_state(st, 0);
        return status;
    }
    for (unsigned i = 0; st->order && i < W; i++)
        hx_map_nearest_order(i, W, st->order + (size_t)i * (W - 1));
    if (st->ranges) {
        for (unsigned i = 0; i < W; i++)
            hx_deque_push(&st->q[i], pack_range(s->ntasks * i / W, s->ntasks * (i + 1) / W));
    } else {
        hx_deque_push(&st->q[0], s->root);
        for (unsigned i = 0; i < W; i++) {
            t->w[i].exec.spawn = spawn_child;
            t->w[i].exec.spawn_arg = &t->w[i];
        }
    }
    t->policy = st;
    t->work = work_steal;
    status = map_team_run(t, out);
    free_state(st, W);
    return status;
}
