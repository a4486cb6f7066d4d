/*
 * policy.c - hx_map_run_policy(): check a configuration, set up the team, hand it to the
 * policy's file; and the four loop schedules, whose state is one shared counter at most.
 *
 *   static-block   worker w: tasks [w N / W, (w + 1) N / W), one claim
 *   static-cyclic  worker w: chunks w, w + W, w + 2W, ... of --chunk tasks
 *   dynamic        fetch-and-add of --chunk on one counter (its own cache line)
 *   guided         compare-and-swap of max(chunk, ceil(left / W)) on the same counter
 */
#include <stdlib.h>
#include <string.h>

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/rng.h"
#include "internal.h"

const char *const hx_map_policy_names[] = {"static-block",
                                           "static-cyclic",
                                           "dynamic",
                                           "guided",
                                           "manager-worker",
                                           "hierarchical",
                                           "work-stealing",
                                           "omp-static",
                                           "omp-dynamic",
                                           "omp-guided",
                                           NULL};

const char *const hx_map_victim_names[] = {"random", "round-robin", "nearest", NULL};

bool hx_map_policy_is_omp(hx_map_policy p) {
    return p == HX_MAP_OMP_STATIC || p == HX_MAP_OMP_DYNAMIC || p == HX_MAP_OMP_GUIDED;
}

void hx_map_config_default(hx_map_config *c) {
    memset(c, 0, sizeof *c);
    c->workers = 2;
    c->chunk = 1;
    c->group = 2;
    c->victim = HX_MAP_VICTIM_RANDOM;
    c->pin = true;
    c->seed = 42;
    for (unsigned i = 0; i < HX_MAP_MAX_WORKERS; i++)
        c->slow[i] = 1.0;
}

int hx_map_parse_policies(const char *text, bool want[HX_MAP_POLICY_COUNT], bool *all) {
    char *copy = strdup(text), *items[2 * HX_MAP_POLICY_COUNT];
    size_t n = 0;
    if (!copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    const char *choices[HX_MAP_POLICY_COUNT + 2];
    for (int p = 0; p < HX_MAP_POLICY_COUNT; p++)
        choices[p] = hx_map_policy_names[p];
    choices[HX_MAP_POLICY_COUNT] = "all";
    choices[HX_MAP_POLICY_COUNT + 1] = NULL;
    memset(want, 0, HX_MAP_POLICY_COUNT * sizeof *want);
    *all = false;
    int status = hx_split_list("--policy", copy, items, 2 * HX_MAP_POLICY_COUNT, &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        int p;
        status = hx_parse_choice("--policy", items[i], choices, &p);
        *all |= status == HX_OK && p == HX_MAP_POLICY_COUNT;
        for (int q = 0; status == HX_OK && q < HX_MAP_POLICY_COUNT; q++)
            want[q] |= p == q || p == HX_MAP_POLICY_COUNT;
    }
    free(copy);
    return status;
}

int hx_map_parse_slow(const char *text, hx_map_config *c) {
    char *copy = strdup(text), *items[HX_MAP_MAX_WORKERS];
    size_t n = 0;
    if (!copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_split_list("--slow", copy, items, HX_MAP_MAX_WORKERS, &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        char *colon = strchr(items[i], ':');
        uint64_t w;
        double f;
        if (!colon) {
            status = hx_fail(HX_ERR_USAGE, "--slow '%s': expected W:F (worker W, F times slower)",
                             items[i]);
            break;
        }
        *colon = '\0';
        status = hx_parse_uint("--slow worker", items[i], 0, HX_MAP_MAX_WORKERS - 1, &w);
        if (status == HX_OK)
            status = hx_parse_double("--slow factor", colon + 1, 1.0, 1000.0, &f);
        if (status == HX_OK && w >= c->workers)
            status =
                hx_fail(HX_ERR_USAGE, "--slow names worker %llu, but there are only workers 0..%u",
                        (unsigned long long)w, c->workers - 1);
        if (status == HX_OK)
            c->slow[w] = f;
    }
    free(copy);
    return status;
}

/* ---- the loop schedules ------------------------------------------------------------------- */

typedef struct loop_state {
    _Alignas(64) atomic_size_t next;
    char pad[64 - sizeof(atomic_size_t)];
} loop_state;

static void work_static_block(map_worker *w) {
    const size_t n = w->team->src->ntasks, W = w->team->nworkers;
    uint64_t t = map_sched_begin();
    size_t begin = n * w->id / W, end = n * (w->id + 1) / W;
    map_sched_end(w, t);
    map_run_tasks(w, begin, end);
}

static void work_static_cyclic(map_worker *w) {
    const size_t n = w->team->src->ntasks, W = w->team->nworkers, c = w->team->cfg->chunk;
    for (size_t i = w->id * c; i < n; i += W * c) {
        uint64_t t = map_sched_begin();
        size_t end = i + c < n ? i + c : n;
        map_sched_end(w, t);
        map_run_tasks(w, i, end);
    }
}

static void work_dynamic(map_worker *w) {
    loop_state *ls = w->team->policy;
    const size_t n = w->team->src->ntasks, c = w->team->cfg->chunk;
    for (;;) {
        uint64_t t = map_sched_begin();
        size_t i = atomic_fetch_add_explicit(&ls->next, c, memory_order_relaxed);
        map_sched_end(w, t);
        if (i >= n)
            break;
        map_run_tasks(w, i, i + c < n ? i + c : n);
    }
}

static void work_guided(map_worker *w) {
    loop_state *ls = w->team->policy;
    const size_t n = w->team->src->ntasks, c = w->team->cfg->chunk, W = w->team->nworkers;
    for (;;) {
        uint64_t t = map_sched_begin();
        size_t i = atomic_load_explicit(&ls->next, memory_order_relaxed), size = 0;
        do {
            if (i >= n)
                break;
            size = (n - i + W - 1) / W;
            size = size < c ? c : size;
            size = size > n - i ? n - i : size;
        } while (!atomic_compare_exchange_weak_explicit(
            &ls->next, &i, i + size, memory_order_relaxed, memory_order_relaxed));
        map_sched_end(w, t);
        if (i >= n)
            break;
        map_run_tasks(w, i, i + size);
    }
}

int map_policy_static(map_team *t, hx_map_policy p, hx_map_run *out) {
    loop_state *ls = aligned_alloc(64, sizeof *ls);
    if (!ls)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    atomic_init(&ls->next, 0);
    t->policy = ls;
    t->work = p == HX_MAP_STATIC_BLOCK    ? work_static_block
              : p == HX_MAP_STATIC_CYCLIC ? work_static_cyclic
              : p == HX_MAP_DYNAMIC       ? work_dynamic
                                          : work_guided;
    int status = map_team_run(t, out);
    free(ls);
    return status;
}

/* ---- hx_map_run_policy ------------------------------------------------------------------- */

int hx_map_device_policy_check(hx_map_policy p) {
    if (hx_map_policy_is_omp(p))
        return hx_fail(HX_ERR_USAGE,
                       "--policy=%s cannot have a device worker: OpenMP's schedules hand work to "
                       "OpenMP threads only",
                       hx_map_policy_names[p]);
    return HX_OK;
}

/* A device worker needs a source whose device side is open, a hand-written policy, and no
 * --slow of its own (the busy-wait model is CPU time, which a waiting thread does not spend). */
static int check_device_worker(const hx_map_source *s, hx_map_policy p, const hx_map_config *c) {
    if (!s->device_ready)
        return hx_fail(HX_ERR_USAGE,
                       "a device worker needs a task source with a device kernel (%s)",
                       hx_map_device_sources());
    HX_TRY(hx_map_device_policy_check(p));
    if (c->slow[c->workers - 1] > 1.0 && c->workers == 1)
        return hx_fail(HX_ERR_USAGE, "--slow names worker 0, the device worker; there is no CPU "
                                     "worker to slow");
    if (c->slow[c->workers - 1] > 1.0)
        return hx_fail(HX_ERR_USAGE,
                       "--slow names worker %u, the device worker; only CPU workers 0..%u can be "
                       "slowed",
                       c->workers - 1, c->workers - 2);
    return HX_OK;
}

int hx_map_config_check(const hx_map_source *s, hx_map_policy p, const hx_map_config *c) {
    if ((int)p < 0 || p >= HX_MAP_POLICY_COUNT)
        return hx_fail(HX_ERR_USAGE, "unknown policy %d", (int)p);
    if (c->workers < 1 || c->workers > HX_MAP_MAX_WORKERS)
        return hx_fail(HX_ERR_USAGE, "--workers=%u: accepted 1..%d", c->workers,
                       HX_MAP_MAX_WORKERS);
    if (c->chunk < 1)
        return hx_fail(HX_ERR_USAGE, "--chunk=0: a claim must take at least one task");
    if (s->ntasks < c->workers)
        return hx_fail(HX_ERR_USAGE,
                       "--workers=%u is more than the %zu tasks of %s: some workers would have "
                       "nothing to map; use fewer workers or more tasks",
                       c->workers, s->ntasks, s->kind->name);
    if (s->ntasks >= (1ull << 31))
        return hx_fail(HX_ERR_USAGE, "%zu tasks: at most 2^31 - 1", s->ntasks);
    if (p == HX_MAP_HIERARCHICAL && c->group < 1)
        return hx_fail(HX_ERR_USAGE, "--group=0: a group has at least one worker");
    return c->device_worker ? check_device_worker(s, p, c) : HX_OK;
}

int hx_map_run_policy(const hx_map_source *s, hx_map_policy p, const hx_map_config *c,
                      hx_map_run *out) {
    memset(out, 0, sizeof *out);
    out->policy = p;
    HX_TRY(hx_map_config_check(s, p, c));
    const double tick = hx_map_tick_seconds(); /* calibrate before any worker reads the clock */
    (void)hx_cpu();                            /* detect the CPU on this thread, once */
    map_team t = {.src = s, .cfg = c, .nworkers = c->workers};
    atomic_init(&t.failed, 0);
    t.w = aligned_alloc(64, sizeof(map_worker) * c->workers);
    if (!t.w)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for %u workers", c->workers);
    memset(t.w, 0, sizeof(map_worker) * c->workers);
    t.resolution_ticks = (uint64_t)(c->record_resolution_s / tick);
    for (unsigned i = 0; i < c->workers; i++) {
        t.w[i].team = &t;
        t.w[i].id = i;
        t.w[i].pu = -1;
        t.w[i].slow = c->slow[i] > 1.0 ? c->slow[i] : 1.0;
        t.w[i].device = c->device_worker && i == c->workers - 1;
        t.w[i].exec.worker = i;
        t.w[i].rng = hx_mix64(c->seed ^ hx_mix64(i + 1));
    }
    int status;
    switch (p) {
    case HX_MAP_MANAGER_WORKER:
    case HX_MAP_HIERARCHICAL:
        status = map_policy_manager(&t, p, out);
        break;
    case HX_MAP_WORK_STEALING:
        status = map_policy_steal(&t, out);
        break;
    case HX_MAP_OMP_STATIC:
    case HX_MAP_OMP_DYNAMIC:
    case HX_MAP_OMP_GUIDED:
        status = map_policy_omp(&t, p, out);
        break;
    default:
        status = map_policy_static(&t, p, out);
        break;
    }
    for (unsigned i = 0; i < c->workers; i++)
        free(t.w[i].iv);
    free(t.w);
    out->policy = p;
    if (status != HX_OK)
        hx_map_run_free(out);
    return status;
}
