/*
 * pool.h - worker pools: a global interpreter lock, and what a crash does to threads and to
 * processes.
 *
 * The global interpreter lock (`gil`) is modelled on CPython's (Python/ceval_gil.c): a worker
 * holds one process-wide lock while it "interprets" (runs a CPU loop); a thread that has waited
 * 5 ms for the lock sets a drop request, which the holder sees at its next check (every 1024
 * steps, CPython's eval breaker) and answers by releasing the lock and waiting until another
 * thread has taken it; and a worker releases the lock around blocking IO (here a nanosleep,
 * as time.sleep and file reads do).  Three pools run the same tasks:
 *   threads-gil  T threads in one process sharing one lock
 *   threads      T threads without the lock (a free-threaded interpreter)
 *   processes    T forked processes, each its own interpreter with its own lock
 * cpu tasks are pure interpretation; io tasks interpret a tenth as long, then block.  Speedup
 * is the time of the same tasks run one after another in one thread, without a pool or lock,
 * over the pool's time; every task's result is checked against that serial run.
 *
 * Crash isolation (`crash`): T workers run tasks, and the first attempt at one chosen task kills
 * its worker with a real fault (a store to a page mapped PROT_NONE: SIGSEGV) or abort()
 * (SIGABRT).  As threads, the whole process dies with it, so the pool runs in a child process
 * and the parent reports the signal and the tasks that never came back.  As processes, the
 * manager sees the worker's pipe close, reads its status with waitpid, starts a new worker,
 * queues the task again and finishes with the right answer (the sum of all task results).
 */
#ifndef HETERO_CONC_POOL_H
#define HETERO_CONC_POOL_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { HX_GIL_CPU, HX_GIL_IO } hx_gil_work;
typedef enum {
    HX_GIL_THREADS_GIL,
    HX_GIL_THREADS,
    HX_GIL_PROCESSES,
    HX_GIL_MODE_COUNT
} hx_gil_mode;

extern const char *const hx_gil_work_names[]; /* "cpu", "io" */
extern const char *const hx_gil_mode_names[]; /* "threads-gil", "threads", "processes" */

typedef struct hx_gil_plan {
    unsigned workers, tasks;
    uint64_t cpu_steps; /* interpretation steps of one cpu task */
    double io_seconds;  /* blocking time of one io task (it also interprets cpu_steps / 10) */
} hx_gil_plan;

/* Interpretation steps per millisecond on this machine (best of three short runs). */
double hx_conc_gil_steps_per_ms(void);

/* The tasks one after another in this thread: results[tasks], *seconds. */
int hx_conc_gil_serial(hx_gil_work work, const hx_gil_plan *plan, uint64_t *results,
                       double *seconds);

/* The tasks on a pool; *verified says whether every result equals expected[task].
 * *switches: forced GIL hand-overs (threads-gil; 0 otherwise). */
int hx_conc_gil_pool(hx_gil_work work, hx_gil_mode mode, const hx_gil_plan *plan,
                     const uint64_t *expected, double *seconds, bool *verified, uint64_t *switches);

typedef struct hx_crash_result {
    unsigned tasks;    /* tasks given to the pool */
    unsigned done;     /* tasks whose result came back */
    int64_t lost;      /* tasks - done */
    int signal;        /* what ended the pool (threads) or the crashed worker (processes) */
    unsigned restarts; /* workers started again (processes) */
    uint64_t answer;   /* sum of the results that came back */
    uint64_t expected; /* sum of all task results, computed serially */
    bool answer_ok;    /* answer == expected and nothing lost */
} hx_crash_result;

/* sig: SIGSEGV or SIGABRT.  crash_task < tasks.  HX_ERR_RUNTIME when a call fails or the pool
 * does not behave as described (a thread pool that survives, a process pool that hangs). */
int hx_conc_crash_threads(unsigned workers, unsigned tasks, unsigned crash_task, int sig,
                          hx_crash_result *out);
int hx_conc_crash_processes(unsigned workers, unsigned tasks, unsigned crash_task, int sig,
                            hx_crash_result *out);

/* The task function both pools run (exposed so tests can compute the answer). */
uint64_t hx_conc_task_value(uint64_t task, uint64_t steps);

#endif
