/*
 * threads.h - a fork-join of plain pthreads.
 *
 * The labs' host workers (the co-scheduler, the coop histogram, the mapping policies) are plain
 * pthreads, not OpenMP, so that ThreadSanitizer, which cannot see libgomp's synchronisation,
 * checks their threaded code.
 */
#ifndef HETERO_CORE_THREADS_H
#define HETERO_CORE_THREADS_H

/* Run fn(arg, i) for i in [0, n) on n threads (pthreads) and join them all.  Fails (having joined
 * what started) when a thread cannot be created. */
typedef void (*hx_thread_fn)(void *arg, unsigned index);
int hx_threads_run(unsigned n, hx_thread_fn fn, void *arg);

#endif
