/*
 * cleanup.c - the table of children and named objects, and the handler that empties it on a
 * signal (see cleanup.h for the contract).
 *
 * The table is fixed-size and lock-free so that the signal handler can walk it at any moment:
 * a child slot holds a pid (0 = free) and is claimed with compare-and-swap; a name slot is
 * claimed (FREE -> WRITING), filled, then published (READY), and the handler only reads READY
 * slots.  Lock-free atomics are async-signal-safe; so are kill, waitpid, unlink (shm_unlink is
 * unlink under /dev/shm) and the mq_unlink system call.
 */
#include "hetero/conc/cleanup.h"

#include <errno.h>
#include <mqueue.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/core/error.h"

enum { SLOT_FREE, SLOT_WRITING, SLOT_READY };

typedef struct name_slot {
    _Atomic int state;
    hx_conc_name_kind kind;
    char name[HX_CONC_NAME_LEN];
} name_slot;

static _Atomic pid_t children[HX_CONC_MAX_CHILDREN];
static name_slot names[HX_CONC_MAX_NAMES];
static _Atomic pid_t owner; /* the process whose handler cleans up */
static const int guarded_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NGUARDED (sizeof guarded_signals / sizeof guarded_signals[0])
static struct sigaction saved[NGUARDED];
static bool installed;

/* ---- the table --------------------------------------------------------------------------------
 */

int hx_conc_track_child(pid_t pid) {
    for (size_t i = 0; i < HX_CONC_MAX_CHILDREN; i++) {
        pid_t expected = 0;
        if (atomic_compare_exchange_strong(&children[i], &expected, pid))
            return HX_OK;
    }
    return hx_fail(HX_ERR_RUNTIME, "more than %d child processes at once", HX_CONC_MAX_CHILDREN);
}

void hx_conc_untrack_child(pid_t pid) {
    for (size_t i = 0; i < HX_CONC_MAX_CHILDREN; i++) {
        pid_t expected = pid;
        if (atomic_compare_exchange_strong(&children[i], &expected, 0))
            return;
    }
}

const char *hx_conc_object_name(const char *tag, char *buf, size_t len) {
    snprintf(buf, len, "/hetero-conc-%ld-%s", (long)getpid(), tag);
    return buf;
}

int hx_conc_track_name(hx_conc_name_kind kind, const char *name) {
    if (strlen(name) >= HX_CONC_NAME_LEN)
        return hx_fail(HX_ERR_RUNTIME, "object name '%s' is too long", name);
    for (size_t i = 0; i < HX_CONC_MAX_NAMES; i++) {
        int expected = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&names[i].state, &expected, SLOT_WRITING))
            continue;
        names[i].kind = kind;
        strcpy(names[i].name, name);
        atomic_store(&names[i].state, SLOT_READY);
        return HX_OK;
    }
    return hx_fail(HX_ERR_RUNTIME, "more than %d named objects at once", HX_CONC_MAX_NAMES);
}

void hx_conc_untrack_name(const char *name) {
    for (size_t i = 0; i < HX_CONC_MAX_NAMES; i++) {
        int expected = SLOT_READY;
        if (strcmp(names[i].name, name) != 0)
            continue;
        if (atomic_compare_exchange_strong(&names[i].state, &expected, SLOT_WRITING)) {
            names[i].name[0] = '\0';
            atomic_store(&names[i].state, SLOT_FREE);
            return;
        }
    }
}

unsigned hx_conc_tracked_children(void) {
    unsigned n = 0;
    for (size_t i = 0; i < HX_CONC_MAX_CHILDREN; i++)
        n += atomic_load(&children[i]) != 0;
    return n;
}

unsigned hx_conc_tracked_names(void) {
    unsigned n = 0;
    for (size_t i = 0; i < HX_CONC_MAX_NAMES; i++)
        n += atomic_load(&names[i].state) == SLOT_READY;
    return n;
}

/* ---- emptying it (async-signal-safe) ----------------------------------------------------------
 */

void hx_conc_cleanup_now(void) {
    int saved_errno = errno;
    for (size_t i = 0; i < HX_CONC_MAX_CHILDREN; i++) {
        pid_t pid = atomic_exchange(&children[i], 0);
        if (pid <= 0)
            continue;
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    for (size_t i = 0; i < HX_CONC_MAX_NAMES; i++) {
        int expected = SLOT_READY;
        if (!atomic_compare_exchange_strong(&names[i].state, &expected, SLOT_WRITING))
            continue;
        if (names[i].kind == HX_CONC_NAME_SHM)
            shm_unlink(names[i].name);
        else
            mq_unlink(names[i].name);
        names[i].name[0] = '\0';
        atomic_store(&names[i].state, SLOT_FREE);
    }
    errno = saved_errno;
}

static void die_by(int sig) {
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig); /* pending until the handler returns (sig is blocked in it), then fatal */
}

static void on_signal(int sig) {
    if (getpid() == atomic_load(&owner))
        hx_conc_cleanup_now();
    die_by(sig);
}

int hx_conc_guard_install(void) {
    if (installed)
        return HX_OK;
    atomic_store(&owner, getpid());
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NGUARDED; i++)
        sigaddset(&sa.sa_mask, guarded_signals[i]); /* one cleanup at a time */
    for (size_t i = 0; i < NGUARDED; i++) {
        if (sigaction(guarded_signals[i], &sa, &saved[i]) != 0) {
            int err = errno;
            while (i-- > 0)
                sigaction(guarded_signals[i], &saved[i], NULL);
            return hx_fail(HX_ERR_RUNTIME, "sigaction: %s", strerror(err));
        }
    }
    installed = true;
    return HX_OK;
}

void hx_conc_guard_uninstall(void) {
    if (!installed)
        return;
    for (size_t i = 0; i < NGUARDED; i++)
        sigaction(guarded_signals[i], &saved[i], NULL);
    installed = false;
}

/* ---- fork and reap ----------------------------------------------------------------------------
 */

void hx_conc_signals_block(sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < NGUARDED; i++)
        sigaddset(&set, guarded_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

void hx_conc_signals_restore(const sigset_t *old) {
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

int hx_conc_fork(pid_t *pid, bool long_lived) {
    sigset_t old;
    hx_conc_signals_block(&old);
    pid_t p = fork();
    if (p < 0) {
        int err = errno;
        hx_conc_signals_restore(&old);
        return hx_fail(HX_ERR_RUNTIME, "fork: %s", strerror(err));
    }
    if (p == 0) {
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        for (size_t i = 0; i < NGUARDED; i++)
            sigaction(guarded_signals[i], &dfl, NULL);
        if (long_lived)
            prctl(PR_SET_PDEATHSIG, SIGKILL);
        hx_conc_signals_restore(&old);
        *pid = 0;
        return HX_OK;
    }
    int status = hx_conc_track_child(p);
    if (status != HX_OK) {
        kill(p, SIGKILL);
        waitpid(p, NULL, 0);
    }
    hx_conc_signals_restore(&old);
    *pid = p;
    return status;
}

int hx_conc_reap(pid_t pid, int *status) {
    siginfo_t info;
    /* Wait for the exit without reaping: the zombie keeps the pid from being reused while the
     * entry is still in the table. */
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0) {
        if (errno != EINTR)
            return hx_fail(HX_ERR_RUNTIME, "waitid(%ld): %s", (long)pid, strerror(errno));
    }
    sigset_t old;
    hx_conc_signals_block(&old);
    hx_conc_untrack_child(pid);
    pid_t got;
    while ((got = waitpid(pid, status, 0)) < 0 && errno == EINTR) {
    }
    int err = errno;
    hx_conc_signals_restore(&old);
    if (got != pid)
        return hx_fail(HX_ERR_RUNTIME, "waitpid(%ld): %s", (long)pid, strerror(err));
    return HX_OK;
}
