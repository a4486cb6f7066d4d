/*
 * switch.c - `hetero io switch`: what it costs to switch from one connection's code to
 * another's, as a coroutine and as a thread (lmbench's lat_ctx idea, minus its pipes).
 *
 *   coroutine  resume() + yield() of a coroutine that only yields (coro.c's register switch):
 *              user space only, no system call.
 *   ucontext   the same with glibc's swapcontext, which also saves and restores the signal mask
 *              (an rt_sigprocmask system call per switch).
 *   thread     two threads pinned to the CPU this one runs on pass a token back and forth
 *              through a futex: each hand-over is a FUTEX_WAKE, the waker's FUTEX_WAIT, and
 *              the scheduler switching the CPU to the other thread - what a blocking-thread
 *              server pays when one connection's thread sleeps and another's wakes.
 * A round trip is two switches; every row is round-trip time / 2.  Each method first runs a
 * warm-up that doubles its round count until one repetition takes 10 ms, then `reps` timed
 * repetitions: the median, min and max per switch are reported.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/stats.h"
#include "hetero/core/timer.h"
#include "hetero/io/bench.h"
#include "internal.h"

#define MIN_REP_S  0.010
#define MAX_ROUNDS (1ull << 26)

typedef double (*timed_fn)(uint64_t rounds, void *ctx); /* seconds for `rounds` round trips */

/* ---- coroutines ----------------------------------------------------------------------------- */

static void yield_forever(void *arg) {
    (void)arg;
    for (;;)
        hx_io_coro_yield();
}

static double time_coro(uint64_t rounds, void *ctx) {
    hx_io_coro *co = ctx;
    double t0 = hx_now();
    for (uint64_t i = 0; i < rounds; i++)
        hx_io_coro_resume(co);
    return hx_now() - t0;
}

/* ---- threads -------------------------------------------------------------------------------- */

typedef struct pingpong {
    atomic_int turn; /* 0: the main thread's, 1: the partner's */
    uint64_t rounds;
    atomic_bool quit;
    int cpu;
} pingpong;

static void futex_wait(atomic_int *w, int v) {
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_wake(atomic_int *w) {
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static int pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *partner(void *arg) {
    pingpong *p = arg;
    (void)pin(p->cpu);
    for (;;) {
        while (atomic_load(&p->turn) == 0)
            futex_wait(&p->turn, 0);
        if (atomic_load(&p->quit))
            return NULL;
        atomic_store(&p->turn, 0);
        futex_wake(&p->turn);
    }
}

static double time_threads(uint64_t rounds, void *ctx) {
    pingpong *p = ctx;
    double t0 = hx_now();
    for (uint64_t i = 0; i < rounds; i++) {
        atomic_store(&p->turn, 1);
        futex_wake(&p->turn);
        while (atomic_load(&p->turn) == 1)
            futex_wait(&p->turn, 1);
    }
    return hx_now() - t0;
}

/* ---- the measurement ------------------------------------------------------------------------ */

static int measure(timed_fn fn, void *ctx, unsigned reps, hx_io_switch_row *row) {
    uint64_t rounds = 1000;
    while (fn(rounds, ctx) < MIN_REP_S && rounds < MAX_ROUNDS) /* warm-up and calibration */
        rounds *= 2;
    double *ns = malloc(reps * sizeof *ns);
    if (!ns)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (unsigned r = 0; r < reps; r++)
        ns[r] = fn(rounds, ctx) / (double)(2 * rounds) * 1e9;
    row->switches = 2 * rounds;
    row->ns_median = hx_quantile(ns, reps, 0.5);
    row->ns_min = hx_quantile(ns, reps, 0.0);
    row->ns_max = hx_quantile(ns, reps, 1.0);
    free(ns);
    return HX_OK;
}

static int measure_coro(bool ucontext, unsigned reps, hx_io_switch_row *row) {
    hx_io_coro *co = ucontext ? hx_io_coro_new_ucontext(64 * 1024, yield_forever, NULL)
                              : hx_io_coro_new(64 * 1024, yield_forever, NULL);
    if (!co)
        return hx_fail(HX_ERR_RUNTIME, "cannot make a coroutine: out of memory");
    int st = measure(time_coro, co, reps, row);
    hx_io_coro_free(co); /* abandoned mid-yield: its stack is reset on reuse */
    hx_io_coro_pool_drain();
    return st;
}

static int measure_threads(unsigned reps, hx_io_switch_row *row) {
    pingpong p = {.cpu = sched_getcpu()};
    cpu_set_t before;
    if (pthread_getaffinity_np(pthread_self(), sizeof before, &before) != 0 || p.cpu < 0 ||
        pin(p.cpu) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot pin to one CPU: %s", strerror(errno));
    pthread_t t;
    int rc = pthread_create(&t, NULL, partner, &p);
    int st = rc == 0 ? measure(time_threads, &p, reps, row)
                     : hx_fail(HX_ERR_RUNTIME, "pthread_create: %s", strerror(rc));
    if (rc == 0) {
        atomic_store(&p.quit, true);
        atomic_store(&p.turn, 1);
        futex_wake(&p.turn);
        pthread_join(t, NULL);
    }
    (void)pthread_setaffinity_np(pthread_self(), sizeof before, &before); /* unpin again */
    return st;
}

int hx_io_switch_measure(unsigned reps, hx_io_switch_row rows[HX_IO_SWITCH_ROWS]) {
    memset(rows, 0, HX_IO_SWITCH_ROWS * sizeof *rows);
    rows[0] = (hx_io_switch_row){.name = "coroutine"};
    rows[0].what = hx_io_coro_method()[0] == 'x'
                       ? "resume/yield, x86-64 register switch (user space only)"
                       : "resume/yield, swapcontext (this build has no register switch)";
    rows[1] = (hx_io_switch_row){.name = "ucontext",
                                 .what = "resume/yield through swapcontext (+ rt_sigprocmask)"};
    rows[2] = (hx_io_switch_row){.name = "thread",
                                 .what = "futex hand-over between two threads on one CPU"};
    HX_TRY(measure_coro(false, reps, &rows[0]));
    HX_TRY(measure_coro(true, reps, &rows[1]));
    return measure_threads(reps, &rows[2]);
}
