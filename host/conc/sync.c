/*
 * sync.c - one shared counter, nine ways to update it (see sync.h).
 *
 * Every method runs the same harness: T threads wait at a barrier with the main thread, which
 * starts the clock when the barrier opens and stops it when the last thread has been joined;
 * each thread does N/T operations.  The shared state lives in one struct whose hot fields sit
 * on lines of their own, so the figures are the method's cost, not an accident of layout (that
 * accident is the false-sharing demo, false_sharing.c).
 *
 * The queue methods and the future pool share one bounded ring (mutex + two condition
 * variables); the lock-free queue is Dmitry Vyukov's bounded MPMC array queue: each cell holds
 * a sequence number that says whether it is free for the enqueue at position pos (seq == pos)
 * or holds the item for the dequeue at pos (seq == pos + 1); a thread claims a position with a
 * compare-and-swap on the head or tail index, then publishes the cell with a release store.
 */
#include "hetero/conc/sync.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/timer.h"
#include "internal.h"

const char *const hx_sync_names[] = {
    "plain",     "atomic",         "cas",         "ttas",   "mutex",
    "semaphore", "lockfree-queue", "mutex-queue", "future", NULL};

#define LINE       128 /* keep hot fields apart (two 64-byte lines: adjacent-line prefetch) */
#define QUEUE_CAP  1024u
#define SPIN_YIELD 64

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spin politely: pause, and give the CPU away every SPIN_YIELD tries. */
static void backoff(unsigned *spins) {
    cpu_relax();
    if (++*spins % SPIN_YIELD == 0)
        sched_yield();
}

/* ---- the ring shared by mutex-queue and the future pool ---------------------------------------
 */

typedef struct ring {
    pthread_mutex_t m;
    pthread_cond_t not_empty, not_full;
    uint64_t items[QUEUE_CAP];
    unsigned head, count;
} ring;

static int ring_init(ring *r) {
    memset(r, 0, sizeof *r);
    if (pthread_mutex_init(&r->m, NULL) != 0)
        return -1;
    if (pthread_cond_init(&r->not_empty, NULL) != 0) {
        pthread_mutex_destroy(&r->m);
        return -1;
    }
    if (pthread_cond_init(&r->not_full, NULL) != 0) {
        pthread_cond_destroy(&r->not_empty);
        pthread_mutex_destroy(&r->m);
        return -1;
    }
    return 0;
}

static void ring_destroy(ring *r) {
    pthread_cond_destroy(&r->not_full);
    pthread_cond_destroy(&r->not_empty);
    pthread_mutex_destroy(&r->m);
}

static void ring_push(ring *r, uint64_t v) {
    pthread_mutex_lock(&r->m);
    while (r->count == QUEUE_CAP)
        pthread_cond_wait(&r->not_full, &r->m);
    r->items[(r->head + r->count) % QUEUE_CAP] = v;
    r->count++;
    pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->m);
}

static uint64_t ring_pop(ring *r) {
    pthread_mutex_lock(&r->m);
    while (r->count == 0)
        pthread_cond_wait(&r->not_empty, &r->m);
    uint64_t v = r->items[r->head];
    r->head = (r->head + 1) % QUEUE_CAP;
    r->count--;
    pthread_cond_signal(&r->not_full);
    pthread_mutex_unlock(&r->m);
    return v;
}

/* ---- Vyukov's bounded MPMC queue --------------------------------------------------------------
 */

typedef struct lf_cell {
    _Atomic size_t seq;
    uint64_t value;
} lf_cell;

typedef struct lf_queue {
    alignas(LINE) _Atomic size_t enqueue_pos;
    alignas(LINE) _Atomic size_t dequeue_pos;
    alignas(LINE) lf_cell cells[QUEUE_CAP];
} lf_queue;

static void lf_init(lf_queue *q) {
    for (size_t i = 0; i < QUEUE_CAP; i++)
        atomic_init(&q->cells[i].seq, i);
    atomic_init(&q->enqueue_pos, 0);
    atomic_init(&q->dequeue_pos, 0);
}

static bool lf_try_push(lf_queue *q, uint64_t v) {
    size_t pos = atomic_load_explicit(&q->enqueue_pos, memory_order_relaxed);
    for (;;) {
        lf_cell *c = &q->cells[pos % QUEUE_CAP];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)pos;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->enqueue_pos, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed)) {
                c->value = v;
                atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false; /* full */
        } else {
            pos = atomic_load_explicit(&q->enqueue_pos, memory_order_relaxed);
        }
    }
}

static bool lf_try_pop(lf_queue *q, uint64_t *v) {
    size_t pos = atomic_load_explicit(&q->dequeue_pos, memory_order_relaxed);
    for (;;) {
        lf_cell *c = &q->cells[pos % QUEUE_CAP];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)(pos + 1);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->dequeue_pos, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed)) {
                *v = c->value;
                atomic_store_explicit(&c->seq, pos + QUEUE_CAP, memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false; /* empty */
        } else {
            pos = atomic_load_explicit(&q->dequeue_pos, memory_order_relaxed);
        }
    }
}

/* ---- promises and futures ---------------------------------------------------------------------
 */

/* state: EMPTY, then READY once the value is in; a getter about to sleep marks it SLEEPING
 * first, so the setter makes the wake-up system call only when someone sleeps (as libstdc++'s
 * futures do). */
enum { PROMISE_EMPTY, PROMISE_READY, PROMISE_SLEEPING };

typedef struct promise {
    _Atomic uint32_t state;
    uint64_t value;
} promise;

static void promise_set(promise *p, uint64_t v) {
    p->value = v;
    if (atomic_exchange_explicit(&p->state, PROMISE_READY, memory_order_acq_rel) ==
        PROMISE_SLEEPING)
        syscall(SYS_futex, (uint32_t *)&p->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static uint64_t future_get(promise *p) {
    for (unsigned spins = 0; spins < 100; spins++) {
        if (atomic_load_explicit(&p->state, memory_order_acquire) == PROMISE_READY)
            return p->value;
        cpu_relax();
    }
    uint32_t expected = PROMISE_EMPTY;
    atomic_compare_exchange_strong(&p->state, &expected, PROMISE_SLEEPING);
    while (atomic_load_explicit(&p->state, memory_order_acquire) != PROMISE_READY)
        syscall(SYS_futex, (uint32_t *)&p->state, FUTEX_WAIT_PRIVATE, PROMISE_SLEEPING, NULL, NULL,
                0);
    return p->value;
}

/* A task is its input in the low 40 bits and the index of its promise above them. */
#define TASK_INPUT_BITS 40
#define TASK_STOP       UINT64_MAX

static uint64_t task_value(uint64_t input) {
    return 3 * input + 1;
}

/* ---- the harness ------------------------------------------------------------------------------
 */

/* The start line: threads check in, the main thread opens it (GATE_GO) once all are there, or
 * sends them home (GATE_CANCEL) when one could not be started. */
enum { GATE_WAIT, GATE_GO, GATE_CANCEL };

typedef struct gate {
    pthread_mutex_t m;
    pthread_cond_t cv;
    unsigned ready;
    int state;
} gate;

static bool gate_enter(gate *g) {
    pthread_mutex_lock(&g->m);
    g->ready++;
    pthread_cond_broadcast(&g->cv);
    while (g->state == GATE_WAIT)
        pthread_cond_wait(&g->cv, &g->m);
    bool go = g->state == GATE_GO;
    pthread_mutex_unlock(&g->m);
    return go;
}

static void gate_wait_all(gate *g, unsigned threads) {
    pthread_mutex_lock(&g->m);
    while (g->ready < threads)
        pthread_cond_wait(&g->cv, &g->m);
    pthread_mutex_unlock(&g->m);
}

static void gate_release(gate *g, int state) {
    pthread_mutex_lock(&g->m);
    g->state = state;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->m);
}

typedef struct shared {
    hx_sync_method method;
    unsigned threads;
    uint64_t per_thread;
    gate start;
    alignas(LINE) _Atomic uint64_t counter;
    alignas(LINE) uint64_t guarded; /* the counter the locks protect */
    alignas(LINE) _Atomic int spin;
    alignas(LINE) pthread_mutex_t mutex;
    sem_t sem;
    alignas(LINE) _Atomic uint64_t popped, popped_sum;
    ring ring;
    lf_queue *lf;
    promise *promises; /* future: one per task of the current batch */
} shared;

typedef struct worker {
    shared *s;
    unsigned id;
    pthread_t thread;
} worker;

static void ttas_lock(_Atomic int *l) {
    for (;;) {
        if (!atomic_exchange_explicit(l, 1, memory_order_acquire))
            return;
        unsigned spins = 0;
        while (atomic_load_explicit(l, memory_order_relaxed))
            backoff(&spins);
    }
}

static void ttas_unlock(_Atomic int *l) {
    atomic_store_explicit(l, 0, memory_order_release);
}

static void count_loop(shared *s) {
    uint64_t n = s->per_thread;
    switch (s->method) {
    case HX_SYNC_PLAIN:
        for (uint64_t i = 0; i < n; i++) {
            uint64_t v = atomic_load_explicit(&s->counter, memory_order_relaxed);
            atomic_store_explicit(&s->counter, v + 1, memory_order_relaxed);
        }
        break;
    case HX_SYNC_ATOMIC:
        for (uint64_t i = 0; i < n; i++)
            atomic_fetch_add(&s->counter, 1);
        break;
    case HX_SYNC_CAS:
        for (uint64_t i = 0; i < n; i++) {
            uint64_t old = atomic_load_explicit(&s->counter, memory_order_relaxed);
            while (!atomic_compare_exchange_weak(&s->counter, &old, old + 1)) {
            }
        }
        break;
    case HX_SYNC_TTAS:
        for (uint64_t i = 0; i < n; i++) {
            ttas_lock(&s->spin);
            s->guarded++;
            ttas_unlock(&s->spin);
        }
        break;
    case HX_SYNC_MUTEX:
        for (uint64_t i = 0; i < n; i++) {
            pthread_mutex_lock(&s->mutex);
            s->guarded++;
            pthread_mutex_unlock(&s->mutex);
        }
        break;
    case HX_SYNC_SEMAPHORE:
        for (uint64_t i = 0; i < n; i++) {
            while (sem_wait(&s->sem) != 0) {
            } /* EINTR only */
            s->guarded++;
            sem_post(&s->sem);
        }
        break;
    default:
        break;
    }
}

/* Push an item, pop an item, N/T times: every pop follows this thread's own push, so at most
 * T items are ever queued (the ring never fills) and a pop always finds one eventually. */
static void queue_loop(shared *s, unsigned id) {
    uint64_t base = (uint64_t)id * s->per_thread, count = 0, sum = 0;
    for (uint64_t i = 0; i < s->per_thread; i++) {
        uint64_t item = base + i + 1, got;
        if (s->method == HX_SYNC_LOCKFREE_QUEUE) {
            unsigned spins = 0;
            while (!lf_try_push(s->lf, item))
                backoff(&spins);
            spins = 0;
            while (!lf_try_pop(s->lf, &got))
                backoff(&spins);
        } else {
            ring_push(&s->ring, item);
            got = ring_pop(&s->ring);
        }
        count++;
        sum += got;
    }
    atomic_fetch_add(&s->popped, count);
    atomic_fetch_add(&s->popped_sum, sum);
}

/* A pool worker: take tasks until the stop task, fulfil each one's promise. */
static void future_worker(shared *s) {
    for (;;) {
        uint64_t task = ring_pop(&s->ring);
        if (task == TASK_STOP)
            return;
        uint64_t input = task & (((uint64_t)1 << TASK_INPUT_BITS) - 1);
        promise_set(&s->promises[task >> TASK_INPUT_BITS], task_value(input));
    }
}

static void *thread_main(void *arg) {
    worker *w = arg;
    if (!gate_enter(&w->s->start))
        return NULL;
    if (w->s->method == HX_SYNC_FUTURE)
        future_worker(w->s);
    else if (w->s->method == HX_SYNC_LOCKFREE_QUEUE || w->s->method == HX_SYNC_MUTEX_QUEUE)
        queue_loop(w->s, w->id);
    else
        count_loop(w->s);
    return NULL;
}

/* The submitter of the future method: batches of 4 T tasks, each with its own promise; wait
 * for every future of the batch, then the next.  Returns how many came back right. */
static uint64_t submit_futures(shared *s, uint64_t tasks) {
    unsigned batch = 4 * s->threads;
    uint64_t right = 0;
    for (uint64_t first = 0; first < tasks; first += batch) {
        unsigned n = tasks - first < batch ? (unsigned)(tasks - first) : batch;
        for (unsigned k = 0; k < n; k++) {
            atomic_store_explicit(&s->promises[k].state, PROMISE_EMPTY, memory_order_relaxed);
            ring_push(&s->ring, ((uint64_t)k << TASK_INPUT_BITS) | (first + k + 1));
        }
        for (unsigned k = 0; k < n; k++)
            right += future_get(&s->promises[k]) == task_value(first + k + 1);
    }
    for (unsigned t = 0; t < s->threads; t++)
        ring_push(&s->ring, TASK_STOP);
    return right;
}

static int shared_init(shared *s, hx_sync_method method, unsigned threads, uint64_t per) {
    memset(s, 0, sizeof *s);
    s->method = method;
    s->threads = threads;
    s->per_thread = per;
    atomic_init(&s->counter, 0);
    atomic_init(&s->spin, 0);
    atomic_init(&s->popped, 0);
    atomic_init(&s->popped_sum, 0);
    if (pthread_mutex_init(&s->start.m, NULL) != 0 || pthread_cond_init(&s->start.cv, NULL) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot initialise the start gate");
    if (pthread_mutex_init(&s->mutex, NULL) != 0 || sem_init(&s->sem, 0, 1) != 0 ||
        ring_init(&s->ring) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot initialise the locks: %s", strerror(errno));
    if (method == HX_SYNC_LOCKFREE_QUEUE) {
        s->lf = aligned_alloc(LINE, sizeof *s->lf);
        if (!s->lf)
            return hx_fail(HX_ERR_RUNTIME, "out of memory");
        lf_init(s->lf);
    }
    if (method == HX_SYNC_FUTURE) {
        s->promises = calloc(4 * (size_t)threads, sizeof *s->promises);
        if (!s->promises)
            return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    return HX_OK;
}

static void shared_destroy(shared *s) {
    free(s->promises);
    free(s->lf);
    ring_destroy(&s->ring);
    sem_destroy(&s->sem);
    pthread_mutex_destroy(&s->mutex);
    pthread_cond_destroy(&s->start.cv);
    pthread_mutex_destroy(&s->start.m);
}

static void judge(const shared *s, hx_sync_method method, uint64_t future_right,
                  hx_sync_count *out) {
    uint64_t n = out->expected;
    if (method == HX_SYNC_PLAIN || method == HX_SYNC_ATOMIC || method == HX_SYNC_CAS)
        out->observed = atomic_load(&s->counter);
    else if (method == HX_SYNC_TTAS || method == HX_SYNC_MUTEX || method == HX_SYNC_SEMAPHORE)
        out->observed = s->guarded;
    else if (method == HX_SYNC_FUTURE)
        out->observed = future_right;
    else
        out->observed = atomic_load(&s->popped);
    bool checksum = true;
    if (method == HX_SYNC_LOCKFREE_QUEUE || method == HX_SYNC_MUTEX_QUEUE)
        checksum = atomic_load(&s->popped_sum) == n * (n + 1) / 2; /* items 1..n, once each */
    out->exact = out->observed == n && checksum;
    out->lost = out->observed < n ? n - out->observed : 0;
}

int hx_conc_sync_count(hx_sync_method method, unsigned threads, uint64_t ops, hx_sync_count *out) {
    memset(out, 0, sizeof *out);
    if (threads < 1 || threads > HX_MAX_THREADS || (unsigned)method >= HX_SYNC_COUNT)
        return hx_fail(HX_ERR_USAGE, "sync: %u threads (1 to %d), method %d", threads,
                       HX_MAX_THREADS, (int)method);
    uint64_t per = ops / threads;
    if (per == 0)
        per = 1;
    shared *s = aligned_alloc(LINE, (sizeof(shared) + LINE - 1) / LINE * LINE);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = shared_init(s, method, threads, per);
    worker *w = calloc(threads, sizeof *w);
    unsigned started = 0;
    if (status == HX_OK && !w)
        status = hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (; status == HX_OK && started < threads; started++) {
        w[started] = (worker){.s = s, .id = started};
        int rc = pthread_create(&w[started].thread, NULL, thread_main, &w[started]);
        if (rc != 0)
            status = hx_fail(HX_ERR_RUNTIME, "pthread_create (thread %u of %u): %s", started + 1,
                             threads, strerror(rc));
    }
    if (status != HX_OK) {
        if (started > 0) /* the one that failed was counted */
            started--;
        if (started > 0)
            gate_release(&s->start, GATE_CANCEL);
        for (unsigned t = 0; t < started; t++)
            pthread_join(w[t].thread, NULL);
    } else {
        out->expected = per * threads;
        gate_wait_all(&s->start, threads);
        /* the clock starts before the release: a woken thread may preempt this one and finish
         * its share before this thread runs again */
        double t0 = hx_now();
        gate_release(&s->start, GATE_GO);
        uint64_t right = method == HX_SYNC_FUTURE ? submit_futures(s, per * threads) : 0;
        for (unsigned t = 0; t < threads; t++)
            pthread_join(w[t].thread, NULL);
        out->seconds = hx_now() - t0;
        judge(s, method, right, out);
    }
    free(w);
    shared_destroy(s);
    free(s);
    return status;
}

/* ---- the forced interleaving ------------------------------------------------------------------
 */

typedef struct demo {
    _Atomic uint64_t counter;
    sem_t a_loaded, b_done;
} demo;

static void *demo_b(void *arg) {
    demo *d = arg;
    while (sem_wait(&d->a_loaded) != 0) {
    }
    uint64_t v = atomic_load_explicit(&d->counter, memory_order_relaxed);
    atomic_store_explicit(&d->counter, v + 1, memory_order_relaxed);
    sem_post(&d->b_done);
    return NULL;
}

int hx_conc_lost_update_demo(uint64_t *final) {
    demo d;
    atomic_init(&d.counter, 0);
    if (sem_init(&d.a_loaded, 0, 0) != 0 || sem_init(&d.b_done, 0, 0) != 0)
        return hx_fail(HX_ERR_RUNTIME, "sem_init: %s", strerror(errno));
    pthread_t b;
    int rc = pthread_create(&b, NULL, demo_b, &d);
    if (rc != 0) {
        sem_destroy(&d.a_loaded);
        sem_destroy(&d.b_done);
        return hx_fail(HX_ERR_RUNTIME, "pthread_create: %s", strerror(rc));
    }
    uint64_t v = atomic_load_explicit(&d.counter, memory_order_relaxed); /* A loads 0 */
    sem_post(&d.a_loaded);                                               /* B: 0 -> 1 */
    while (sem_wait(&d.b_done) != 0) {
    }
    atomic_store_explicit(&d.counter, v + 1, memory_order_relaxed); /* A stores 0 + 1 */
    pthread_join(b, NULL);
    *final = atomic_load(&d.counter);
    sem_destroy(&d.a_loaded);
    sem_destroy(&d.b_done);
    return HX_OK;
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

/* Queues and futures cost far more per operation than a counter: fewer of them keep each point
 * to a fraction of a second. */
static uint64_t method_ops(hx_sync_method m, uint64_t ops) {
    if (m == HX_SYNC_LOCKFREE_QUEUE || m == HX_SYNC_MUTEX_QUEUE)
        return ops / 4 ? ops / 4 : 1;
    if (m == HX_SYNC_FUTURE)
        return ops / 128 ? ops / 128 : 1;
    return ops;
}

static int add_demo_row(hx_conc_report *r) {
    uint64_t final;
    HX_TRY(hx_conc_lost_update_demo(&final));
    hx_conc_row *row = hx_conc_row_add(r, HX_CONC_SYNC, "plain_interleaved");
    if (!row)
        return HX_ERR_RUNTIME;
    row->threads = 2;
    row->counted = true;
    row->expected = 2;
    row->observed = final;
    row->lost_updates = final < 2 ? 2 - final : 0;
    row->ok = final == 1;
    snprintf(row->note, sizeof row->note,
             "forced order: A loads 0, B loads 0 and stores 1, A stores 1: B's update is lost");
    return HX_OK;
}

static int measure_point(const hx_conc_config *c, hx_conc_report *r, hx_sync_method m,
                         unsigned threads, double *us) {
    uint64_t ops = method_ops(m, c->sync_ops);
    hx_sync_count count;
    bool all_exact = true;
    uint64_t lost_min = UINT64_MAX, lost_max = 0;
    for (unsigned rep = 0; rep < c->reps; rep++) {
        HX_TRY(hx_conc_sync_count(m, threads, ops, &count));
        us[rep] = count.seconds / (double)count.expected * 1e6;
        all_exact &= count.exact;
        lost_min = count.lost < lost_min ? count.lost : lost_min;
        lost_max = count.lost > lost_max ? count.lost : lost_max;
    }
    hx_conc_row *row = hx_conc_row_add(r, HX_CONC_SYNC, hx_sync_names[m]);
    if (!row)
        return HX_ERR_RUNTIME;
    row->threads = threads;
    hx_conc_row_costs(row, us, c->reps);
    row->counted = true;
    row->expected = count.expected;
    row->observed = count.observed;
    row->lost_updates = count.lost;
    const char *over = (int)threads > r->cores ? "; oversubscribed (T > cores)" : "";
    if (m == HX_SYNC_PLAIN) {
        snprintf(row->note, sizeof row->note, "lost updates per run: %llu to %llu of %llu%s",
                 (unsigned long long)lost_min, (unsigned long long)lost_max,
                 (unsigned long long)count.expected, over);
    } else if (all_exact) {
        snprintf(row->note, sizeof row->note, "exact in all %u runs%s", c->reps, over);
    } else {
        row->ok = false;
        snprintf(row->note, sizeof row->note, "WRONG: %llu of %llu (a lost or duplicated update)",
                 (unsigned long long)count.observed, (unsigned long long)count.expected);
    }
    return HX_OK;
}

int hx_conc_run_sync(const hx_conc_config *c, hx_conc_report *r) {
    HX_TRY(add_demo_row(r));
    double *us = calloc(c->reps, sizeof *us);
    if (!us)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    for (int m = 0; m < HX_SYNC_COUNT && status == HX_OK; m++) {
        hx_conc_progress(c, "sync %s", hx_sync_names[m]);
        for (size_t t = 0; t < c->nsync_threads && status == HX_OK; t++)
            status = measure_point(c, r, (hx_sync_method)m, c->sync_threads[t], us);
    }
    free(us);
    return status;
}
