/*
 * cleanup.h - nothing `hetero conc` starts or creates outlives it, even when it is interrupted.
 *
 * Every child process and every named IPC object (POSIX shared memory, message queues) is
 * entered in a fixed table before it exists and removed after it is gone.  While the guard is
 * installed (hx_conc_guard_install), SIGINT, SIGTERM and SIGHUP run a handler that kills and
 * reaps every listed child and unlinks every listed name - using only async-signal-safe calls -
 * then lets the signal take its default action, so the exit status still says "interrupted".
 * Long-lived children also get PR_SET_PDEATHSIG, which covers a SIGKILL of the parent.
 *
 * Forks go through hx_conc_fork, which blocks the signals around fork + entry so there is no
 * moment when a child exists unlisted; reaps go through hx_conc_reap, which waits without
 * reaping (WNOWAIT), removes the entry, then reaps, so the handler never kills a pid that may
 * have been reused.
 */
#ifndef HETERO_CONC_CLEANUP_H
#define HETERO_CONC_CLEANUP_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define HX_CONC_MAX_CHILDREN 512
#define HX_CONC_MAX_NAMES    16
#define HX_CONC_NAME_LEN     64

typedef enum { HX_CONC_NAME_SHM, HX_CONC_NAME_MQ } hx_conc_name_kind;

/* Install the signal handlers (the calling process becomes the owner; a forked child that gets
 * the signal just dies).  HX_ERR_RUNTIME if sigaction fails. */
int hx_conc_guard_install(void);
/* Restore the previous handlers. */
void hx_conc_guard_uninstall(void);

/* Kill (SIGKILL) and reap every listed child, unlink every listed name, empty the table.
 * Async-signal-safe; also what the handler does. */
void hx_conc_cleanup_now(void);

/* List / forget a child.  HX_ERR_RUNTIME when the table is full. */
int hx_conc_track_child(pid_t pid);
void hx_conc_untrack_child(pid_t pid);

/* "/hetero-conc-PID-TAG" into buf: the names hetero conc gives shared memory and queues. */
const char *hx_conc_object_name(const char *tag, char *buf, size_t len);
/* List / forget a name (before creating it, after unlinking it). */
int hx_conc_track_name(hx_conc_name_kind kind, const char *name);
void hx_conc_untrack_name(const char *name);

/* Number of listed children and names (tests). */
unsigned hx_conc_tracked_children(void);
unsigned hx_conc_tracked_names(void);

/* fork() with the guard's signals blocked until the child is listed.  In the child (returns 0
 * with *pid == 0): default SIGINT/SIGTERM/SIGHUP handling, the old signal mask, and with
 * long_lived PR_SET_PDEATHSIG(SIGKILL).  HX_ERR_RUNTIME when fork or the table fails. */
int hx_conc_fork(pid_t *pid, bool long_lived);

/* waitpid for a listed child: *status as waitpid gives it.  HX_ERR_RUNTIME on failure. */
int hx_conc_reap(pid_t pid, int *status);

/* Block / restore the guard's signals (around a timed loop of short-lived forks). */
void hx_conc_signals_block(sigset_t *old);
void hx_conc_signals_restore(const sigset_t *old);

#endif
