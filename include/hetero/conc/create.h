/*
 * create.h - what it costs to start a process, a thread and an OpenMP parallel region.
 *
 * Each operation is timed one at a time (CLOCK_MONOTONIC around the whole operation), after
 * untimed warm-up operations, and every one is checked: a child must exit with the code it was
 * given, a thread must return its argument, a region must have run on every thread.
 *   HX_CREATE_FORK_HELPER  fork + _exit + waitpid, timed inside hetero-conc-helper: a small
 *                          program linked only to the C library, so the figure is the system's
 *   HX_CREATE_FORK_SELF    the same from this process (with every library hetero maps)
 *   HX_CREATE_VFORK_EXEC   vfork + execve(helper) + waitpid: the parent sleeps until the exec
 *   HX_CREATE_POSIX_SPAWN  posix_spawn(helper) + waitpid (glibc: clone(CLONE_VM|CLONE_VFORK))
 *   HX_CREATE_PTHREAD      pthread_create + pthread_join of a thread that returns at once
 *   HX_CREATE_OMP_REGION   entering and leaving an empty `omp parallel` region on `threads`
 *                          threads, the team already started (the fork-join overhead)
 */
#ifndef HETERO_CONC_CREATE_H
#define HETERO_CONC_CREATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HX_CREATE_FORK_HELPER,
    HX_CREATE_FORK_SELF,
    HX_CREATE_VFORK_EXEC,
    HX_CREATE_POSIX_SPAWN,
    HX_CREATE_PTHREAD,
    HX_CREATE_OMP_REGION,
} hx_create_op;

/* Time ops operations (after warmup untimed ones) into us[0..ops-1], microseconds each.
 * helper: path of hetero-conc-helper (fork-helper, vfork-exec and posix-spawn need it);
 * threads: the OpenMP team size (omp-region only).  HX_ERR_RUNTIME when a call or a check
 * fails. */
int hx_conc_create_time(hx_create_op op, const char *helper, unsigned threads, unsigned ops,
                        unsigned warmup, double *us);

/* Map and touch `bytes` of anonymous memory with transparent huge pages off (so fork must copy
 * one page-table entry per 4 KiB page), or unmap it.  HX_ERR_RUNTIME on failure. */
int hx_conc_big_memory(uint64_t bytes, void **mem);
void hx_conc_big_memory_free(void *mem, uint64_t bytes);

/* The helper next to the running executable (/proc/self/exe's directory), or HETERO_CONC_HELPER
 * from the environment; HX_ERR_MISSING, naming the path, when it is not there. */
int hx_conc_find_helper(char *path, size_t len);

#endif
