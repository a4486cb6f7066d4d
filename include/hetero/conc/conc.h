/*
 * conc.h - `hetero conc`: the processes, threads and concurrency lab, as a library.
 *
 * Seven sub-benchmarks, each a function of host/conc/ that appends rows to one report:
 *   create         what it costs to start a process (fork, vfork+exec, posix_spawn), a thread
 *                  (pthread_create) and an OpenMP parallel region, with a small and a large parent
 *   switch         pipe ping-pong between two processes and two threads, unpinned, on one core
 *                  and on two cores (switch cost vs cross-core wake-up)
 *   ipc            8-byte latency and 4 KiB .. 4 MiB bandwidth of pipe, UNIX stream and datagram
 *                  sockets, POSIX shared memory with a futex handshake, POSIX message queues and
 *                  TCP loopback, ranked
 *   sync           a shared counter under every level of synchronisation (plain, atomic, CAS,
 *                  spinlock, mutex, semaphore), two queues and futures, ns/op against threads
 *   false-sharing  per-thread counters packed in one cache line vs padded to a line each, and
 *                  the OpenMP pi loop with and without the padding
 *   gil            a global interpreter lock: {cpu, io} tasks x {threads-gil, threads, processes}
 *   crash          a worker that segfaults: a thread pool dies whole (in a child, its signal
 *                  reported); a process pool restarts the worker and loses no task
 * Every measurement verifies what it did (exact counts, echoed bytes, checksums, pi within a
 * tolerance, child exit codes); a failed check marks the row and makes hx_conc_verdict fail.
 * A row is one measurement; the writers (table, CSV, JSON `hetero.conc/1`) and the plot all read
 * the same rows.
 */
#ifndef HETERO_CONC_CONC_H
#define HETERO_CONC_CONC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/core/parse.h"

#define HX_CONC_SCHEMA "hetero.conc/1"

typedef enum {
    HX_CONC_CREATE,
    HX_CONC_SWITCH,
    HX_CONC_IPC,
    HX_CONC_SYNC,
    HX_CONC_FALSE_SHARING,
    HX_CONC_GIL,
    HX_CONC_CRASH,
    HX_CONC_BENCH_COUNT
} hx_conc_bench;

/* "create", "switch", "ipc", "sync", "false-sharing", "gil", "crash", then NULL. */
extern const char *const hx_conc_bench_names[];

/* Limits the command line is held to (exit 2 outside them). */
#define HX_CONC_MAX_THREADS     HX_MAX_THREADS /* sync threads: every command's limit */
#define HX_CONC_MAX_THREAD_LIST 8              /* entries of the sync threads list */
#define HX_CONC_MAX_WORKERS     64             /* gil / crash pool size */
#define HX_CONC_MAX_IPC_SIZES   16
#define HX_CONC_MIN_IPC_BYTES   64
#define HX_CONC_MAX_IPC_BYTES   (64u << 20)
#define HX_CONC_MIN_LARGE_BYTES (1u << 20)
#define HX_CONC_MAX_LARGE_BYTES (64ull << 30)
#define HX_CONC_MAX_REPS        100
#define HX_CONC_MAX_SYNC_OPS    (1ull << 32)
#define HX_CONC_MAX_TASKS       4096

/* What to run.  Zero fields take their default (hx_conc_config_resolve): the full-size default,
 * or the small one with quick set. */
typedef struct hx_conc_config {
    bool want[HX_CONC_BENCH_COUNT]; /* all false: every sub-benchmark */
    bool quick;                     /* small sizes: seconds, for tests and a first look */
    unsigned reps;                  /* timed repetitions of each sync/gil/ipc point */
    uint64_t large_bytes;           /* parent memory of the *_large creation rows (1 GiB) */
    unsigned create_ops;            /* operations timed per creation row (small parent) */
    unsigned pingpong_rounds;       /* round trips per switch sample */
    uint64_t ipc_sizes[HX_CONC_MAX_IPC_SIZES]; /* bandwidth sizes, bytes */
    size_t nipc_sizes;
    unsigned sync_threads[HX_CONC_MAX_THREAD_LIST]; /* T values (1, 2, 4, 8) */
    size_t nsync_threads;
    uint64_t sync_ops;   /* increments per sync point, all threads together */
    unsigned fs_threads; /* false sharing threads (the cores, at least 2) */
    uint64_t fs_ops;     /* increments per thread in the false-sharing counters */
    uint64_t pi_steps;   /* OpenMP pi steps */
    unsigned workers;    /* gil and crash pool size (the cores, at least 2) */
    unsigned tasks;      /* gil and crash tasks (8 per worker) */
    double task_ms;      /* gil: CPU time of one cpu-bound task */
    unsigned crash_task; /* the task whose first attempt crashes its worker (3) */
    int crash_signal;    /* SIGSEGV (a real invalid store) or SIGABRT (abort) */
    bool crash_task_set; /* crash_task given (0 is a valid task) */
    const char *helper;  /* path of hetero-conc-helper (NULL: next to the running binary) */
    bool progress;       /* one line per step on stderr */
} hx_conc_config;

/* Fill the zero fields of c with their defaults.  HX_ERR_USAGE when a given value does not fit
 * the others (a crash task beyond the tasks). */
int hx_conc_config_resolve(hx_conc_config *c);

/* One measurement.  Fields that do not apply are NaN (doubles), 0 (counts) or "" (strings);
 * the writers leave them out. */
typedef struct hx_conc_row {
    hx_conc_bench bench;
    char name[40];    /* fork, posix_spawn, pipe_pingpong_procs, atomic, ... */
    char variant[24]; /* switch: pinning none|one-core|two-cores; ipc: latency|bandwidth */
    unsigned threads; /* threads, processes or workers involved; 0 when not meaningful */
    uint64_t bytes;   /* ipc message size; creation: the parent's extra memory */
    size_t samples;   /* how many timings the figures summarise */
    double us_min, us_median, us_max; /* cost of one operation, microseconds */
    double mb_per_s, mb_per_s_best;   /* ipc bandwidth: median and best, 1e6 bytes/s */
    /* counted results (sync, false-sharing) */
    bool counted;
    uint64_t expected, observed, lost_updates;
    double slowdown; /* false sharing: packed median / padded median */
    double value;    /* omp pi: the computed pi */
    /* gil */
    char work[8];   /* cpu | io */
    char mode[16];  /* threads-gil | threads | processes (gil, crash) */
    double speedup; /* serial time / this time */
    /* crash */
    bool crash;
    unsigned tasks, tasks_done, restarts;
    int64_t tasks_lost;
    int signal; /* the signal that ended a worker or the pool, 0 if none */
    bool answer_ok;
    bool ok;        /* the measurement verified (and a crash demo behaved as described) */
    char note[200]; /* what the figure includes, or why the row did not run */
    bool skipped;   /* not measured here (note says why) */
} hx_conc_row;

typedef struct hx_conc_report {
    hx_conc_row *rows;
    size_t n, cap;
    hx_conc_config config; /* as resolved */
    char cpu[64];
    int cores;                         /* online processors */
    unsigned line_bytes;               /* cache line (hwloc) */
    char line_source[16];              /* hwloc | sysconf | assumed */
    double load_start[3], load_end[3]; /* 1, 5, 15-minute load averages */
    double seconds;                    /* wall time of the whole run */
    char omp_wait_policy[16];
} hx_conc_report;

/* Run the sub-benchmarks c asks for, appending rows to r (zeroed by the caller).  SIGINT and
 * SIGTERM are caught meanwhile: children are killed and reaped and named objects unlinked before
 * the signal takes its default action.  A check that fails marks its row (ok false) and does not
 * stop the run; a system call that fails does (HX_ERR_RUNTIME), as does a missing helper
 * (HX_ERR_MISSING). */
int hx_conc_run(const hx_conc_config *c, hx_conc_report *r);

/* HX_ERR_RUNTIME, naming the first row that failed its check, or HX_OK. */
int hx_conc_verdict(const hx_conc_report *r);

void hx_conc_report_free(hx_conc_report *r);

/* The report as a table (one section per sub-benchmark, the IPC ranking after the IPC rows),
 * CSV (one header, one line per row) or JSON (hetero.conc/1, docs/json.md). */
int hx_conc_write(const hx_conc_report *r, hx_format format, FILE *out);

/* The sync sweep (ns/op against threads) and the IPC bandwidth sweep, side by side when both
 * ran, into path (.svg or .png) through gnuplot.  HX_ERR_USAGE when neither ran. */
int hx_conc_plot(const hx_conc_report *r, const char *path);

/* Index of a sub-benchmark name, or -1. */
int hx_conc_bench_find(const char *name);

#endif
