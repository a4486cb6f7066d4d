/*
 * policy_omp.c - OpenMP's own loop schedules as reference rows beside the hand-written ones:
 * omp-static (schedule(static): one block per thread, as static-block), omp-dynamic
 * (schedule(dynamic, chunk), as dynamic) and omp-guided (schedule(guided, chunk), as guided).
 *
 * Each thread binds itself the way the hand-written workers do, meets the others at a barrier,
 * then runs its share of the loop with `nowait`, so a thread's end is when it ran out of
 * iterations, not when the slowest one did.  libgomp's claim code cannot be timed from outside,
 * so a thread's overhead is its time in the loop less its time in task bodies (and less one
 * clock read per task): the cost of libgomp's claims plus the loop itself.
 *
 * libgomp is not instrumented for ThreadSanitizer, so the TSan runs leave these rows out.
 */
#include <omp.h>

#include "hetero/core/error.h"
#include "internal.h"

static void run_loop(map_team *t, hx_map_policy p, map_worker *w) {
    const long n = (long)t->src->ntasks;
    const int chunk = (int)(t->cfg->chunk < (1u << 30) ? t->cfg->chunk : (1u << 30));
    if (p == HX_MAP_OMP_STATIC) {
#pragma omp for schedule(static) nowait
        for (long i = 0; i < n; i++)
            map_run_tasks(w, (size_t)i, (size_t)i + 1);
    } else if (p == HX_MAP_OMP_DYNAMIC) {
#pragma omp for schedule(dynamic, chunk) nowait
        for (long i = 0; i < n; i++)
            map_run_tasks(w, (size_t)i, (size_t)i + 1);
    } else {
#pragma omp for schedule(guided, chunk) nowait
        for (long i = 0; i < n; i++)
            map_run_tasks(w, (size_t)i, (size_t)i + 1);
    }
}

int map_policy_omp(map_team *t, hx_map_policy p, hx_map_run *out) {
    const int W = (int)t->nworkers;
    int team_size = 0;
    map_affinity mine;
    map_affinity_save(&mine);
    omp_set_dynamic(0);
#pragma omp parallel num_threads(W)
    {
        int id = omp_get_thread_num();
#pragma omp single
        team_size = omp_get_num_threads();
        /* the implicit barrier of single: every thread has seen team_size */
        if (team_size == W) {
            map_worker *w = &t->w[id];
            w->pu = t->cfg->pin ? hx_map_bind_worker((unsigned)id, t->nworkers) : -1;
#pragma omp barrier
            w->cpu_start = hx_map_thread_cpu();
            w->start = hx_map_ticks();
            run_loop(t, p, w);
            w->end = hx_map_ticks();
            w->cpu_end = hx_map_thread_cpu();
        }
    }
    map_affinity_restore(&mine); /* thread 0 of the team is this thread */
    if (team_size != W)
        return hx_fail(HX_ERR_RUNTIME,
                       "OpenMP gave %d threads for --workers=%d (OMP_THREAD_LIMIT?)", team_size, W);
    for (int i = 0; i < W; i++) {
        map_worker *w = &t->w[i];
        uint64_t in_loop = w->end - w->start;
        w->sched_ticks = in_loop > w->task_ticks ? in_loop - w->task_ticks : 0;
        w->sched_sections = w->tasks;
    }
    return map_collect(t, out);
}
