/*
 * team.c - the worker threads every hand-written policy runs on, and the task-running helpers.
 *
 * A run makes its workers (and the managers of the manager policies), lets each bind itself,
 * then holds them at a gate until every thread exists: if one cannot be created, the others are
 * told to leave and the run fails cleanly.  Past the gate they meet at a spinning start line, so
 * that the makespan (first worker start to last worker end) measures the policy, not the thread
 * creation.  Every worker runs tasks through map_run_tasks()/map_run_word(), which time the task
 * bodies, apply the --slow factor and record the timeline in one place for every policy.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "internal.h"

#define MAX_INTERVALS (1u << 20) /* per worker; past it intervals merge into the last one */

void map_gate_init(map_gate *g) {
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->state = 0;
}

void map_gate_destroy(map_gate *g) {
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->lock);
}

void map_gate_open(map_gate *g, bool go) {
    pthread_mutex_lock(&g->lock);
    g->state = go ? 1 : -1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

bool map_gate_pass(map_gate *g) {
    pthread_mutex_lock(&g->lock);
    while (g->state == 0)
        pthread_cond_wait(&g->cond, &g->lock);
    int state = g->state;
    pthread_mutex_unlock(&g->lock);
    return state > 0;
}

typedef struct team_gate {
    map_gate gate;
    atomic_uint ready;
    unsigned total;
} team_gate;

typedef struct thread_arg {
    map_team *team;
    team_gate *gate;
    unsigned index;
    bool manager;
} thread_arg;

/* Wait at the gate; false when told to leave.  Then wait for every thread at the start line. */
static bool pass_gate(team_gate *g) {
    if (!map_gate_pass(&g->gate))
        return false;
    atomic_fetch_add_explicit(&g->ready, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&g->ready, memory_order_acquire) < g->total)
        sched_yield(); /* threads may outnumber cores: let the others arrive */
    return true;
}

static void *thread_main(void *p) {
    thread_arg *a = p;
    map_team *t = a->team;
    if (a->manager) {
        if (!pass_gate(a->gate))
            return NULL;
        double c0 = hx_map_thread_cpu();
        t->manage(t, a->index);
        t->manager_cpu[a->index] = hx_map_thread_cpu() - c0;
        return NULL;
    }
    map_worker *w = &t->w[a->index];
    unsigned cpu_workers = t->nworkers - (t->cfg->device_worker ? 1u : 0u);
    w->pu = t->cfg->pin && !w->device ? hx_map_bind_worker(a->index, cpu_workers) : -1;
    if (!pass_gate(a->gate))
        return NULL;
    w->cpu_start = hx_map_thread_cpu();
    w->start = hx_map_ticks();
    t->work(w);
    w->end = hx_map_ticks();
    w->cpu_end = hx_map_thread_cpu();
    return NULL;
}

int map_team_run(map_team *t, hx_map_run *out) {
    unsigned total = t->nworkers + t->nmanagers;
    pthread_t *tid = calloc(total, sizeof *tid);
    thread_arg *args = calloc(total, sizeof *args);
    double *mcpu = calloc(t->nmanagers + 1, sizeof *mcpu);
    if (!tid || !args || !mcpu) {
        free(tid);
        free(args);
        free(mcpu);
        return hx_fail(HX_ERR_RUNTIME, "out of memory for %u threads", total);
    }
    t->manager_cpu = mcpu;
    team_gate gate = {.total = total};
    map_gate_init(&gate.gate);
    atomic_init(&gate.ready, 0);
    unsigned made = 0;
    int err = 0;
    for (; made < total; made++) {
        bool manager = made >= t->nworkers;
        args[made] = (thread_arg){t, &gate, manager ? made - t->nworkers : made, manager};
        err = pthread_create(&tid[made], NULL, thread_main, &args[made]);
        if (err != 0)
            break;
    }
    map_gate_open(&gate.gate, err == 0);
    for (unsigned i = 0; i < made; i++)
        pthread_join(tid[i], NULL);
    map_gate_destroy(&gate.gate);
    int status = HX_OK;
    if (err != 0)
        status = hx_fail(HX_ERR_RUNTIME, "cannot create thread %u of %u: %s", made + 1, total,
                         strerror(err));
    else if (atomic_load(&t->failed))
        status = hx_fail(HX_ERR_RUNTIME, "%s", t->fail_why);
    else
        status = map_collect(t, out);
    for (unsigned i = 0; i < t->nmanagers; i++)
        out->manager_cpu_s += mcpu[i];
    out->managers = t->nmanagers;
    free(mcpu);
    t->manager_cpu = NULL;
    free(args);
    free(tid);
    return status;
}

void map_team_fail(map_team *t, const char *why) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&t->failed, &expected, 2)) {
        snprintf(t->fail_why, sizeof t->fail_why, "%s", why);
        atomic_store(&t->failed, 1); /* fail_why is complete */
    }
}

int map_check_team(unsigned workers, uint64_t items, const char *what, int reps, int max_reps) {
    if (workers < 1 || workers > HX_MAP_MAX_WORKERS)
        return hx_fail(HX_ERR_USAGE, "--workers=%u: accepted 1..%d", workers, HX_MAP_MAX_WORKERS);
    if (items < workers)
        return hx_fail(HX_ERR_USAGE, "--workers=%u is more than the %llu %s", workers,
                       (unsigned long long)items, what);
    if (reps < 1 || reps > max_reps)
        return hx_fail(HX_ERR_USAGE, "--reps=%d: accepted 1..%d", reps, max_reps);
    return HX_OK;
}

/* ---- what every worker does around a task ------------------------------------------------ */

void map_sched_end(map_worker *w, uint64_t t0) {
    w->sched_ticks += hx_map_ticks() - t0;
    w->sched_sections++;
}

static void record(map_worker *w, uint64_t t0, uint64_t t1, uint64_t word) {
    const uint64_t res = w->team->resolution_ticks;
    if (w->niv > 0 &&
        (w->iv_full || (t0 - w->iv_last_end <= res && w->iv_last_end - w->iv_last_start < res))) {
        w->iv_last_end = t1;
        w->iv[w->niv - 1].end = (double)t1;
        w->iv[w->niv - 1].count++;
        return;
    }
    if (w->niv == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        hx_map_interval *iv = cap <= MAX_INTERVALS ? realloc(w->iv, cap * sizeof *iv) : NULL;
        if (!iv) {
            w->iv_full = w->niv > 0;
            if (w->iv_full)
                record(w, t0, t1, word);
            return;
        }
        w->iv = iv;
        w->cap = cap;
    }
    w->iv[w->niv++] = (hx_map_interval){(double)t0, (double)t1, word, 1};
    w->iv_last_start = t0;
    w->iv_last_end = t1;
}

/* The --slow model: after a task, busy-wait until this thread has burnt (F - 1) times the CPU time
 * the task took.  CPU time, not wall time: a task the OS preempted for a time slice must not make
 * the slow worker spin for F time slices. */
static void slow_down(double factor, double cpu_before) {
    double cpu_after = hx_map_thread_cpu();
    double until = cpu_after + (factor - 1.0) * (cpu_after - cpu_before);
    while (hx_map_thread_cpu() < until)
        __builtin_ia32_pause();
}

/* One task, timed alone: the --slow busy-wait and the timeline need each task's own time. */
static void run_one_timed(map_worker *w, uint64_t word) {
    const hx_map_source *s = w->team->src;
    const bool slow = w->slow > 1.0;
    double cpu0 = slow ? hx_map_thread_cpu() : 0.0;
    uint64_t t0 = hx_map_ticks();
    s->kind->run(s, word, &w->exec);
    if (slow)
        slow_down(w->slow, cpu0);
    uint64_t t1 = hx_map_ticks();
    w->task_ticks += t1 - t0;
    if (w->team->cfg->record)
        record(w, t0, t1, word);
}

/* The device worker's claim: one launch of every task in it, waited for.  After a failure the
 * worker keeps claiming (so that managers and the termination of the policy see it as usual) but
 * runs nothing: the run fails with the first reason. */
static void run_on_device(map_worker *w, size_t begin, size_t end) {
    map_team *t = w->team;
    uint64_t t0 = hx_map_ticks();
    if (atomic_load_explicit(&t->failed, memory_order_relaxed) == 0 &&
        t->src->kind->device_run(t->src, begin, end, &w->exec) != HX_OK)
        map_team_fail(t, hx_error_message());
    uint64_t t1 = hx_map_ticks();
    w->task_ticks += t1 - t0;
    if (t->cfg->record) {
        record(w, t0, t1, hx_map_task(t->src, begin));
        if (w->niv > 0) /* one box for the whole launch */
            w->iv[w->niv - 1].count += end - begin - 1;
    }
    w->tasks += end - begin;
}

void map_run_tasks(map_worker *w, size_t begin, size_t end) {
    const hx_map_source *s = w->team->src;
    if (w->device) {
        run_on_device(w, begin, end);
        return;
    }
    if (w->slow > 1.0 || w->team->cfg->record) {
        for (size_t i = begin; i < end; i++)
            run_one_timed(w, hx_map_task(s, i));
    } else {
        uint64_t t0 = hx_map_ticks();
        for (size_t i = begin; i < end; i++)
            s->kind->run(s, hx_map_task(s, i), &w->exec);
        w->task_ticks += hx_map_ticks() - t0;
    }
    w->tasks += end - begin;
}

/* A spawned node costs a few hundred nanoseconds: timing each would add two clock reads to
 * every one, a cost the static policies (timed per block) do not pay.  Untimed unless --slow or
 * the timeline needs it; the task time is then derived from the worker's wall time. */
void map_run_word(map_worker *w, uint64_t word) {
    if (w->slow > 1.0 || w->team->cfg->record) {
        run_one_timed(w, word);
    } else {
        const hx_map_source *s = w->team->src;
        s->kind->run(s, word, &w->exec);
        w->untimed = true;
    }
    w->tasks++;
}

/* ---- the figures of a run ------------------------------------------------------------------ */

int map_collect(map_team *t, hx_map_run *out) {
    const double tick = hx_map_tick_seconds();
    const uint64_t timer = hx_map_timer_ticks();
    out->w = calloc(t->nworkers, sizeof *out->w);
    if (!out->w)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the run's figures");
    uint64_t first = UINT64_MAX, last = 0;
    for (unsigned i = 0; i < t->nworkers; i++) {
        first = t->w[i].start < first ? t->w[i].start : first;
        last = t->w[i].end > last ? t->w[i].end : last;
    }
    out->makespan_s = (double)(last - first) * tick;
    out->workers = t->nworkers;
    out->pinned = true;
    memset(&out->total, 0, sizeof out->total);
    for (unsigned i = 0; i < t->nworkers; i++) {
        map_worker *w = &t->w[i];
        hx_map_worker_stats *st = &out->w[i];
        double cpu = w->cpu_end - w->cpu_start;
        st->cpu_s = cpu;
        st->busy_s = cpu - w->idle_cpu > 0.0 ? cpu - w->idle_cpu : 0.0;
        st->task_s = (double)w->task_ticks * tick;
        st->device = w->device;
        if (w->device) /* its thread waits while the device computes: busy is the launches' wall */
            st->busy_s = st->task_s;
        if (w->untimed) { /* wall time less getting work and idling */
            uint64_t wall = w->end - w->start, other = w->sched_ticks + w->idle_ticks;
            st->task_s = wall > other ? (double)(wall - other) * tick : 0.0;
        }
        uint64_t timing = w->sched_sections * timer;
        st->sched_s = w->sched_ticks > timing ? (double)(w->sched_ticks - timing) * tick : 0.0;
        st->idle_frac = out->makespan_s > 0.0 ? 1.0 - st->busy_s / out->makespan_s : 0.0;
        if (st->idle_frac < 0.0)
            st->idle_frac = 0.0;
        st->tasks = w->tasks;
        st->steals = w->steals;
        st->steal_attempts = w->steal_attempts;
        st->messages = w->messages;
        st->pu = w->pu;
        out->pinned &= w->pu >= 0 || w->device; /* the device worker is never bound */
        out->tasks += w->tasks;
        out->total.units += w->exec.units;
        out->total.check ^= w->exec.check;
        for (size_t k = 0; k < w->niv; k++) { /* ticks -> seconds from the run's start */
            w->iv[k].start = (w->iv[k].start - (double)first) * tick;
            w->iv[k].end = (w->iv[k].end - (double)first) * tick;
        }
        st->iv = w->iv;
        st->niv = w->niv;
        w->iv = NULL; /* the run owns them now */
        w->niv = w->cap = 0;
    }
    return HX_OK;
}

void hx_map_run_free(hx_map_run *r) {
    if (r->w)
        for (unsigned i = 0; i < r->workers; i++)
            free(r->w[i].iv);
    free(r->w);
    r->w = NULL;
}

double hx_map_imbalance(const hx_map_run *r) {
    double max = 0.0, sum = 0.0;
    for (unsigned i = 0; i < r->workers; i++) {
        max = r->w[i].busy_s > max ? r->w[i].busy_s : max;
        sum += r->w[i].busy_s;
    }
    return sum > 0.0 ? max / (sum / r->workers) : 1.0;
}

double hx_map_idle_frac(const hx_map_run *r) {
    double sum = 0.0;
    for (unsigned i = 0; i < r->workers; i++)
        sum += r->w[i].idle_frac;
    return r->workers ? sum / r->workers : 0.0;
}

double hx_map_overhead_ns(const hx_map_run *r) {
    double sched = 0.0;
    for (unsigned i = 0; i < r->workers; i++)
        sched += r->w[i].sched_s;
    return r->tasks ? sched / (double)r->tasks * 1e9 : 0.0;
}
