/*
 * sync.h - levels of synchronisation on one shared counter, and false sharing.
 *
 * T threads together perform N operations (N/T each, started together at a barrier) on shared
 * state, by one method each:
 *   plain           load, add one, store - as `counter++` compiles - with nothing making the
 *                   three steps one: updates are lost whenever two threads interleave.  (Written
 *                   with relaxed atomic loads and stores, so the compiler keeps every step in
 *                   memory and the program has no undefined behaviour, but no atomic update.)
 *   atomic          atomic_fetch_add: one locked read-modify-write instruction
 *   cas             a compare-and-swap loop: read, compute, swap if unchanged, else retry
 *   ttas            a test-and-test-and-set spinlock around a plain increment (spins on a read,
 *                   pauses, and yields the CPU after 64 failed looks: without that, T > cores
 *                   spends whole time slices spinning on a holder that is not running)
 *   mutex           pthread_mutex_lock / unlock around the increment
 *   semaphore       sem_wait / sem_post of a binary POSIX semaphore around it
 *   lockfree-queue  each thread pushes an item, then pops one (any thread's), through a bounded
 *                   array queue without locks (Vyukov's MPMC: a sequence number per cell)
 *   mutex-queue     the same through a ring guarded by a mutex and a condition variable
 *   future          a pool of T workers; each task's result comes back through its own
 *                   promise/future pair (a one-shot slot with a futex to wait on)
 * The count is exact for every method but plain (or the run fails): counters must read N,
 * queues must deliver every item once (count and checksum), futures must return every
 * task's value.  plain reports its lost updates, N - final, which depend on timing: they are
 * reported, never required.  hx_conc_lost_update_demo forces the one interleaving that loses
 * an update, so the mechanism can be shown - and tested - deterministically.
 */
#ifndef HETERO_CONC_SYNC_H
#define HETERO_CONC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    HX_SYNC_PLAIN,
    HX_SYNC_ATOMIC,
    HX_SYNC_CAS,
    HX_SYNC_TTAS,
    HX_SYNC_MUTEX,
    HX_SYNC_SEMAPHORE,
    HX_SYNC_LOCKFREE_QUEUE,
    HX_SYNC_MUTEX_QUEUE,
    HX_SYNC_FUTURE,
    HX_SYNC_COUNT
} hx_sync_method;

extern const char *const hx_sync_names[]; /* "plain", "atomic", ..., NULL */

typedef struct hx_sync_count {
    uint64_t expected; /* operations asked for (rounded down to a multiple of T) */
    uint64_t observed; /* what the shared state says happened */
    uint64_t lost;     /* expected - observed (plain only; 0 otherwise when exact) */
    bool exact;        /* observed == expected and, for queues and futures, the checksum held */
    double seconds;    /* wall time from the start barrier to the last thread's end */
} hx_sync_count;

/* ops operations by threads threads (1..256) using method.  HX_ERR_RUNTIME when a thread cannot
 * be started; a wrong count is reported in *out, not as an error. */
int hx_conc_sync_count(hx_sync_method method, unsigned threads, uint64_t ops, hx_sync_count *out);

/* Two threads, one plain increment each, forced to interleave (A loads, B loads-adds-stores,
 * A stores): *final is 1, not 2.  HX_ERR_RUNTIME when a thread cannot be started. */
int hx_conc_lost_update_demo(uint64_t *final);

/* ---- false sharing ----------------------------------------------------------------------------
 */

typedef struct hx_false_sharing {
    double seconds; /* wall time of all threads' increments */
    bool exact;     /* every counter reached ops */
} hx_false_sharing;

/* threads threads each increment their own counter ops times (a load and a store, as a plain
 * `c[i]++` does each time it is kept in memory).  padded: each counter on its own line of
 * line_bytes; else all packed together (8 bytes apart). */
int hx_conc_false_sharing(unsigned threads, uint64_t ops, unsigned line_bytes, bool padded,
                          hx_false_sharing *out);

typedef enum { HX_PI_PACKED, HX_PI_PADDED, HX_PI_REDUCTION } hx_pi_layout;

extern const char *const hx_pi_layout_names[]; /* "packed", "padded", "reduction" */

/* The classic OpenMP pi: integrate 4/(1+x^2) over [0,1] with steps midpoints on threads threads.
 * packed: sum[id] += ... into one array (neighbours share a line); padded: each partial sum on
 * its own line; reduction: a private accumulator and `reduction(+)`.  The partial sums are
 * updated through a volatile pointer, as unoptimised code would: an optimising compiler would
 * otherwise keep them in a register and the effect would vanish (the lesson behind `reduction`). */
int hx_conc_omp_pi(hx_pi_layout layout, unsigned threads, uint64_t steps, unsigned line_bytes,
                   double *pi, double *seconds);

/* The cache line size: hwloc's L1 data cache, else sysconf, else 64 (*source says which). */
unsigned hx_conc_line_bytes(const char **source);

#endif
