/*
 * gil.c - a global interpreter lock and three pools around it (see pool.h).
 *
 * The lock follows CPython's "new GIL" (Antoine Pitrou, Python 3.2; Python/ceval_gil.c):
 *   take:  wait on a condition variable in slices of the switch interval (5 ms); a waiter whose
 *          slice ran out while no switch happened sets drop_request
 *   check: the holder reads drop_request every 1024 steps (one relaxed load); when it is set,
 *          the holder drops the lock and *waits until someone else has taken it* (forced
 *          switching: without it the holder would take the lock straight back, since it is
 *          already running and the waiter must first be woken)
 *   IO:    a worker drops the lock before a blocking call and takes it again after
 * So CPU-bound threads take turns, 5 ms each, and never run at once: no speedup.  IO-bound
 * threads spend most of their time without the lock: their waits overlap.  Processes each have
 * their own lock: nothing is shared, everything overlaps.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/pool.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "internal.h"
#include "work.h"

const char *const hx_gil_work_names[] = {"cpu", "io", NULL};
const char *const hx_gil_mode_names[] = {"threads-gil", "threads", "processes", NULL};

#define SWITCH_INTERVAL_NS (5 * 1000 * 1000L)

/* ---- the lock ---------------------------------------------------------------------------------
 */

typedef struct gil {
    pthread_mutex_t m;
    pthread_cond_t released; /* the lock became free */
    pthread_cond_t switched; /* someone took it after a forced drop */
    bool locked;
    uint64_t switch_number; /* times the lock was taken */
    _Atomic int drop_request;
    _Atomic uint64_t forced; /* forced hand-overs */
} gil;

static int gil_init(gil *g) {
    memset(g, 0, sizeof *g);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_mutex_init(&g->m, NULL);
    if (rc == 0)
        rc = pthread_cond_init(&g->released, &ca);
    if (rc == 0)
        rc = pthread_cond_init(&g->switched, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&g->drop_request, 0);
    atomic_init(&g->forced, 0);
    return rc == 0 ? HX_OK : hx_fail(HX_ERR_RUNTIME, "cannot initialise the GIL: %s", strerror(rc));
}

static void gil_destroy(gil *g) {
    pthread_cond_destroy(&g->switched);
    pthread_cond_destroy(&g->released);
    pthread_mutex_destroy(&g->m);
}

static void gil_take(gil *g) {
    pthread_mutex_lock(&g->m);
    while (g->locked) {
        uint64_t seen = g->switch_number;
        struct timespec until;
        hx_deadline_in(CLOCK_MONOTONIC, SWITCH_INTERVAL_NS, &until);
        int rc = pthread_cond_timedwait(&g->released, &g->m, &until);
        if (rc == ETIMEDOUT && g->locked && g->switch_number == seen)
            atomic_store_explicit(&g->drop_request, 1, memory_order_relaxed);
    }
    g->locked = true;
    g->switch_number++;
    atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
    pthread_cond_broadcast(&g->switched);
    pthread_mutex_unlock(&g->m);
}

static void gil_drop(gil *g, bool forced) {
    pthread_mutex_lock(&g->m);
    g->locked = false;
    pthread_cond_signal(&g->released);
    if (forced) {
        uint64_t n = g->switch_number;
        while (g->switch_number == n) /* until a waiter has it */
            pthread_cond_wait(&g->switched, &g->m);
    }
    pthread_mutex_unlock(&g->m);
}

/* The eval breaker: called by the interpreter loop every HX_CONC_CHECK_EVERY steps. */
static void gil_check(void *ctx) {
    gil *g = ctx;
    if (!atomic_load_explicit(&g->drop_request, memory_order_relaxed))
        return;
    atomic_fetch_add_explicit(&g->forced, 1, memory_order_relaxed);
    gil_drop(g, true);
    gil_take(g);
}

/* ---- one task ---------------------------------------------------------------------------------
 */

static void sleep_for(double seconds) {
    struct timespec t = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* g: the lock this worker holds (NULL: none). */
static uint64_t run_task(hx_gil_work work, const hx_gil_plan *plan, uint64_t task, gil *g) {
    hx_conc_breaker check = g ? gil_check : NULL;
    if (work == HX_GIL_CPU)
        return hx_conc_interpret(task, plan->cpu_steps, check, g);
    uint64_t v = hx_conc_interpret(task, plan->cpu_steps / 10, check, g);
    if (g)
        gil_drop(g, false);
    sleep_for(plan->io_seconds); /* the blocking call, without the lock */
    if (g)
        gil_take(g);
    return v;
}

double hx_conc_gil_steps_per_ms(void) {
    const uint64_t steps = 1u << 21;
    double best = 0;
    for (int i = 0; i < 3; i++) {
        double t0 = hx_now();
        volatile uint64_t sink = hx_conc_interpret((uint64_t)i, steps, NULL, NULL);
        (void)sink;
        double rate = (double)steps / ((hx_now() - t0) * 1e3);
        if (rate > best)
            best = rate;
    }
    return best;
}

int hx_conc_gil_serial(hx_gil_work work, const hx_gil_plan *plan, uint64_t *results,
                       double *seconds) {
    double t0 = hx_now();
    for (unsigned t = 0; t < plan->tasks; t++)
        results[t] = run_task(work, plan, t, NULL);
    *seconds = hx_now() - t0;
    return HX_OK;
}

/* ---- the thread pools -------------------------------------------------------------------------
 */

typedef struct thread_pool {
    hx_gil_work work;
    const hx_gil_plan *plan;
    gil *g; /* NULL: threads without the lock */
    _Atomic unsigned next;
    _Atomic int go; /* 0 wait, 1 start, 2 cancelled */
    uint64_t *results;
} thread_pool;

static void *pool_thread(void *arg) {
    thread_pool *p = arg;
    int go;
    while ((go = atomic_load(&p->go)) == 0)
        sched_yield();
    if (go != 1)
        return NULL;
    if (p->g)
        gil_take(p->g);
    for (;;) {
        unsigned t = atomic_fetch_add(&p->next, 1);
        if (t >= p->plan->tasks)
            break;
        p->results[t] = run_task(p->work, p->plan, t, p->g);
    }
    if (p->g)
        gil_drop(p->g, false);
    return NULL;
}

static int run_thread_pool(thread_pool *p, double *seconds) {
    unsigned n = p->plan->workers, started = 0;
    pthread_t *threads = calloc(n, sizeof *threads);
    if (!threads)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    for (; started < n; started++) {
        int rc = pthread_create(&threads[started], NULL, pool_thread, p);
        if (rc != 0) {
            status = hx_fail(HX_ERR_RUNTIME, "pthread_create: %s", strerror(rc));
            break;
        }
    }
    double t0 = hx_now();
    atomic_store(&p->go, status == HX_OK ? 1 : 2);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    *seconds = hx_now() - t0;
    free(threads);
    return status;
}

/* ---- the process pool -------------------------------------------------------------------------
 */

typedef struct result_record {
    uint32_t task, pad;
    uint64_t value;
} result_record; /* 16 bytes: one write, atomic on a pipe (< PIPE_BUF) */

static int process_worker(hx_gil_work work, const hx_gil_plan *plan, int task_fd, int result_fd) {
    gil g; /* this process's own interpreter lock: nobody else wants it */
    if (gil_init(&g) != HX_OK)
        return 2;
    gil_take(&g);
    for (;;) {
        uint32_t task;
        ssize_t n = read(task_fd, &task, sizeof task);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        if (n != sizeof task)
            return 2;
        result_record r = {task, 0, run_task(work, plan, task, &g)};
        if (write(result_fd, &r, sizeof r) != (ssize_t)sizeof r)
            return 2;
    }
}

typedef struct proc_pool {
    pid_t *pids;
    unsigned started;
    int task_pipe[2], result_pipe[2];
} proc_pool;

static void close_fd(int *fd) {
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int start_processes(proc_pool *pp, hx_gil_work work, const hx_gil_plan *plan) {
    if (pipe(pp->task_pipe) != 0 || pipe(pp->result_pipe) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    for (; pp->started < plan->workers; pp->started++) {
        pid_t pid;
        HX_TRY(hx_conc_fork(&pid, true));
        if (pid == 0) {
            close(pp->task_pipe[1]);
            close(pp->result_pipe[0]);
            _exit(process_worker(work, plan, pp->task_pipe[0], pp->result_pipe[1]));
        }
        pp->pids[pp->started] = pid;
    }
    close_fd(&pp->task_pipe[0]);
    close_fd(&pp->result_pipe[1]);
    return HX_OK;
}

static int feed_and_collect(proc_pool *pp, const hx_gil_plan *plan, uint64_t *results) {
    for (uint32_t t = 0; t < plan->tasks; t++) /* 4 bytes each: all fit in the pipe */
        if (write(pp->task_pipe[1], &t, sizeof t) != (ssize_t)sizeof t)
            return hx_fail(HX_ERR_RUNTIME, "writing tasks: %s", strerror(errno));
    close_fd(&pp->task_pipe[1]); /* workers exit at EOF once the tasks are taken */
    for (unsigned got = 0; got < plan->tasks;) {
        result_record r;
        ssize_t n = read(pp->result_pipe[0], &r, sizeof r);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof r || r.task >= plan->tasks)
            return hx_fail(HX_ERR_RUNTIME, "gil processes: a worker stopped after %u of %u tasks",
                           got, plan->tasks);
        results[r.task] = r.value;
        got++;
    }
    return HX_OK;
}

static int run_process_pool(hx_gil_work work, const hx_gil_plan *plan, uint64_t *results,
                            double *seconds) {
    proc_pool pp = {.task_pipe = {-1, -1}, .result_pipe = {-1, -1}};
    pp.pids = calloc(plan->workers, sizeof *pp.pids);
    if (!pp.pids)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = start_processes(&pp, work, plan);
    double t0 = hx_now();
    if (status == HX_OK)
        status = feed_and_collect(&pp, plan, results);
    *seconds = hx_now() - t0;
    close_fd(&pp.task_pipe[0]);
    close_fd(&pp.task_pipe[1]);
    close_fd(&pp.result_pipe[1]);
    for (unsigned i = 0; i < pp.started; i++) {
        int ws;
        if (status != HX_OK)
            kill(pp.pids[i], SIGKILL);
        int reaped = hx_conc_reap(pp.pids[i], &ws);
        if (status == HX_OK && reaped == HX_OK && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0))
            status = hx_fail(HX_ERR_RUNTIME, "gil processes: a worker failed (status 0x%x)",
                             (unsigned)ws);
        if (status == HX_OK)
            status = reaped;
    }
    close_fd(&pp.result_pipe[0]);
    free(pp.pids);
    return status;
}

/* ---- the entry --------------------------------------------------------------------------------
 */

int hx_conc_gil_pool(hx_gil_work work, hx_gil_mode mode, const hx_gil_plan *plan,
                     const uint64_t *expected, double *seconds, bool *verified,
                     uint64_t *switches) {
    uint64_t *results = calloc(plan->tasks, sizeof *results);
    if (!results)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    *switches = 0;
    int status;
    if (mode == HX_GIL_PROCESSES) {
        status = run_process_pool(work, plan, results, seconds);
    } else {
        gil g;
        bool with_lock = mode == HX_GIL_THREADS_GIL;
        status = with_lock ? gil_init(&g) : HX_OK;
        thread_pool p = {
            .work = work, .plan = plan, .g = with_lock ? &g : NULL, .results = results};
        atomic_init(&p.next, 0);
        atomic_init(&p.go, 0);
        if (status == HX_OK)
            status = run_thread_pool(&p, seconds);
        if (with_lock) {
            *switches = atomic_load(&g.forced);
            gil_destroy(&g);
        }
    }
    *verified = status == HX_OK;
    for (unsigned t = 0; t < plan->tasks && *verified; t++)
        *verified = results[t] == expected[t];
    free(results);
    return status;
}

uint64_t hx_conc_task_value(uint64_t task, uint64_t steps) {
    return hx_conc_interpret(task, steps, NULL, NULL);
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

static double median_of(double *v, unsigned n) {
    for (unsigned i = 1; i < n; i++) /* insertion sort: n is a handful */
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static hx_conc_row *gil_row(hx_conc_report *r, const hx_conc_config *c, hx_gil_work work,
                            const char *mode, const double *seconds) {
    hx_conc_row *row =
        hx_conc_row_add(r, HX_CONC_GIL, work == HX_GIL_CPU ? "cpu_bound" : "io_bound");
    if (!row)
        return NULL;
    double us[HX_CONC_MAX_REPS];
    for (unsigned i = 0; i < c->reps; i++)
        us[i] = seconds[i] * 1e6;
    hx_conc_row_costs(row, us, c->reps);
    snprintf(row->work, sizeof row->work, "%s", hx_gil_work_names[work]);
    snprintf(row->mode, sizeof row->mode, "%s", mode);
    row->threads = strcmp(mode, "serial") == 0 ? 1 : c->workers;
    row->tasks = c->tasks;
    return row;
}

static int gil_work(const hx_conc_config *c, hx_conc_report *r, hx_gil_work work,
                    const hx_gil_plan *plan) {
    uint64_t *expected = calloc(plan->tasks, sizeof *expected);
    if (!expected)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double serial[HX_CONC_MAX_REPS], pool[HX_CONC_MAX_REPS], sorted[HX_CONC_MAX_REPS];
    hx_conc_progress(c, "gil %s serial", hx_gil_work_names[work]);
    for (unsigned i = 0; i < c->reps; i++)
        hx_conc_gil_serial(work, plan, expected, &serial[i]);
    memcpy(sorted, serial, c->reps * sizeof *serial);
    double t_serial = median_of(sorted, c->reps);
    hx_conc_row *row = gil_row(r, c, work, "serial", serial);
    int status = row ? HX_OK : HX_ERR_RUNTIME;
    if (row) {
        row->speedup = 1;
        snprintf(row->note, sizeof row->note, "the tasks one after another: the baseline");
    }
    for (int m = 0; m < HX_GIL_MODE_COUNT && status == HX_OK; m++) {
        hx_conc_progress(c, "gil %s %s", hx_gil_work_names[work], hx_gil_mode_names[m]);
        bool all_right = true;
        uint64_t switches = 0;
        for (unsigned i = 0; i < c->reps && status == HX_OK; i++) {
            bool right;
            uint64_t sw;
            status = hx_conc_gil_pool(work, (hx_gil_mode)m, plan, expected, &pool[i], &right, &sw);
            all_right &= right;
            switches += sw;
        }
        if (status != HX_OK)
            break;
        row = gil_row(r, c, work, hx_gil_mode_names[m], pool);
        if (!row) {
            status = HX_ERR_RUNTIME;
            break;
        }
        memcpy(sorted, pool, c->reps * sizeof *pool);
        row->speedup = t_serial / median_of(sorted, c->reps);
        row->ok = all_right;
        if (!all_right)
            snprintf(row->note, sizeof row->note, "WRONG: a task's result differs from serial");
        else if (m == HX_GIL_THREADS_GIL)
            snprintf(row->note, sizeof row->note,
                     "one lock, 5 ms switch interval; %llu forced hand-overs per run",
                     (unsigned long long)(switches / c->reps));
        else
            snprintf(row->note, sizeof row->note, "%s",
                     m == HX_GIL_THREADS ? "no lock (free-threaded)"
                                         : "forked workers, a lock each; tasks over a pipe");
    }
    free(expected);
    return status;
}

int hx_conc_run_gil(const hx_conc_config *c, hx_conc_report *r) {
    double rate = hx_conc_gil_steps_per_ms();
    hx_gil_plan plan = {.workers = c->workers,
                        .tasks = c->tasks,
                        .cpu_steps = (uint64_t)(rate * c->task_ms),
                        .io_seconds = c->task_ms / 1e3};
    if (plan.cpu_steps < HX_CONC_CHECK_EVERY)
        plan.cpu_steps = HX_CONC_CHECK_EVERY;
    HX_TRY(gil_work(c, r, HX_GIL_CPU, &plan));
    return gil_work(c, r, HX_GIL_IO, &plan);
}
