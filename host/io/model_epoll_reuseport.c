/*
 * model_epoll_reuseport.c - one event loop per core, the nginx way: N worker processes, each
 * with its own listening socket bound to the same port with SO_REUSEPORT and its own
 * edge-triggered epoll loop.
 *
 *   parent:    socket+SO_REUSEPORT+bind+listen, N times (prepare, before any client comes)
 *              fork N workers, wait for stop, wait for the workers
 *   worker k:  epoll loop on listener k   <- the kernel hashes each new connection's
 *                                            addresses and ports to one listener of the group
 *
 * Nothing is shared between the loops, not even the accept queue: no lock, no thundering herd,
 * and the kernel spreads the connections (conns_per_worker in the bench shows how evenly).
 * The price is that a worker that is busy or stalled keeps the connections hashed to it.
 * The workers are forked from a process with other threads, so they stick to what the C
 * library makes safe after such a fork (glibc's malloc is: it takes its locks around fork)
 * and start no threads.  They share the stop eventfd with the parent: writing it wakes them
 * all.  Each counts what it accepts in the server's shared counters.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

typedef struct workers {
    int lfd[HX_IO_MAX_WORKERS]; /* lfd[0] is the server's own listener */
    pid_t pid[HX_IO_MAX_WORKERS];
    unsigned n;
    atomic_uint running; /* workers forked and not yet reaped (children() reads it) */
} workers;

static int prepare(hx_io_server *s) {
    workers *w = calloc(1, sizeof *w);
    if (!w)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    s->state = w;
    w->lfd[0] = s->listen_fd;
    for (w->n = 1; w->n < s->workers; w->n++)
        HX_TRY(hx_io_listen(s->bound, true, &w->lfd[w->n]));
    return HX_OK;
}

static void release(hx_io_server *s) {
    workers *w = s->state;
    for (unsigned k = 1; k < w->n; k++)
        close(w->lfd[k]);
    free(w);
    s->state = NULL;
}

static void worker_main(hx_io_server *s, workers *w, unsigned k) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the server */
    for (unsigned j = 0; j < w->n; j++)
        if (j != k)
            close(w->lfd[j]);
    int status = hx_io_epoll_serve(s, -1, w->lfd[k], k, EPOLLIN | EPOLLET);
    _exit(status == HX_OK ? 0 : 1);
}

/* Wait for every worker (they stop on the shared eventfd), killing any that take over 5 s. */
static int reap_all(workers *w, unsigned forked) {
    int status = HX_OK;
    for (unsigned k = 0; k < forked; k++) {
        int st = 0;
        pid_t r = 0;
        for (int tries = 0; tries < 500 && r == 0; tries++) {
            r = waitpid(w->pid[k], &st, WNOHANG);
            if (r == 0)
                usleep(10 * 1000);
        }
        if (r == 0) {
            kill(w->pid[k], SIGKILL);
            r = waitpid(w->pid[k], &st, 0);
        }
        atomic_fetch_sub(&w->running, 1);
        if (r > 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && status == HX_OK)
            status = hx_fail(HX_ERR_RUNTIME, "epoll-reuseport: worker %u failed (%s %d)", k,
                             WIFEXITED(st) ? "exit status" : "signal",
                             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    return status;
}

/* Sleep until stop; a worker that died on its own is an error. */
static int watch_workers(hx_io_server *s, workers *w) {
    while (!hx_io_stopping(s)) {
        struct pollfd p = {.fd = s->stop_fd, .events = POLLIN};
        (void)poll(&p, 1, 200); /* blocks here */
        if (hx_io_stopping(s))
            break; /* the workers saw the eventfd too: their exits are expected now */
        for (unsigned k = 0; k < w->n; k++) {
            int st;
            if (waitpid(w->pid[k], &st, WNOHANG) == w->pid[k]) {
                w->pid[k] = 0;
                return hx_fail(HX_ERR_RUNTIME, "epoll-reuseport: worker %u stopped on its own", k);
            }
        }
    }
    return HX_OK;
}

static int run(hx_io_server *s) {
    workers *w = s->state;
    unsigned forked = 0;
    int status = HX_OK;
    for (; forked < w->n; forked++) {
        pid_t pid = fork();
        if (pid == 0)
            worker_main(s, w, forked);
        if (pid < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "epoll-reuseport: fork: %s", strerror(errno));
            break;
        }
        w->pid[forked] = pid;
        atomic_fetch_add(&w->running, 1);
    }
    if (status == HX_OK)
        status = watch_workers(s, w);
    /* stop (or a failure): every worker sees the eventfd readable once stop was written */
    uint64_t one = 1;
    if (write(s->stop_fd, &one, sizeof one) < 0) {
        /* the eventfd cannot be full here */
    }
    unsigned alive = 0;
    for (unsigned k = 0; k < forked; k++)
        if (w->pid[k] > 0)
            w->pid[alive++] = w->pid[k];
    int reaped = reap_all(w, alive);
    return status != HX_OK ? status : reaped;
}

static size_t list_children(hx_io_server *s, pid_t *out, size_t cap) {
    workers *w = s->state;
    size_t n = atomic_load(&w->running) == w->n ? w->n : 0; /* all forked, none reaped */
    n = n < cap ? n : cap;
    if (n)
        memcpy(out, w->pid, n * sizeof *out);
    return n;
}

const hx_io_model hx_io_model_epoll_reuseport = {
    .name = "epoll-reuseport",
    .summary = "one epoll-et loop per worker process, each on its own SO_REUSEPORT listener",
    .uses_workers = true,
    .processes = true,
    .reuseport = true,
    .run = run,
    .prepare = prepare,
    .release = release,
    .children = list_children,
};
