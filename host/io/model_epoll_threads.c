/*
 * model_epoll_threads.c - one event loop per core in one process: N threads, each running its
 * own edge-triggered epoll loop over its own connections, all accepting from ONE listening
 * socket that every loop watches with EPOLLEXCLUSIVE.
 *
 *   thread k:  epoll_ctl(ADD, listener, EPOLLIN|EPOLLEXCLUSIVE)   (level-triggered)
 *              epoll loop: a new connection wakes one waiting loop, not all of them
 *              that loop accepts until EAGAIN and keeps what it accepted
 *
 * Without EPOLLEXCLUSIVE every loop would wake for every new connection and all but one would
 * find nothing to accept (the thundering herd).  With it the kernel wakes one - and which one
 * is up to it: a loop that is busy is not waiting, so connections go to the loops that are
 * idle at the moment they arrive, and the spread (conns_per_worker in the bench) can be far
 * from even.  Compare epoll-reuseport, where the kernel hashes connections to listeners.
 * Threads share the descriptor table, so the reserve descriptor for running out of
 * descriptors is shared too (conn.c takes a lock around it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

typedef struct loop_arg {
    hx_io_server *s;
    unsigned worker;
    int ep; /* made before any loop runs: a loop that accepts cannot starve the next of fds */
    pthread_t thread;
    int status;
    char error[256];
} loop_arg;

static void *loop_main(void *arg) {
    loop_arg *a = arg;
    a->status =
        hx_io_epoll_serve(a->s, a->ep, a->s->listen_fd, a->worker, EPOLLIN | EPOLLEXCLUSIVE);
    if (a->status != HX_OK)
        snprintf(a->error, sizeof a->error, "%s", hx_error_message());
    return NULL;
}

static int run(hx_io_server *s) {
    loop_arg *a = calloc(s->workers, sizeof *a);
    if (!a)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    for (unsigned k = 0; k < s->workers; k++) {
        a[k] = (loop_arg){.s = s, .worker = k, .ep = epoll_create1(EPOLL_CLOEXEC)};
        if (a[k].ep < 0 && status == HX_OK)
            status = hx_fail(HX_ERR_RUNTIME, "epoll_create1: %s", strerror(errno));
    }
    unsigned started = 0;
    for (; status == HX_OK && started < s->workers; started++) { /* signals stay blocked */
        a[started].s = s;
        int rc = pthread_create(&a[started].thread, NULL, loop_main, &a[started]);
        if (rc != 0) {
            status = hx_fail(HX_ERR_RUNTIME, "epoll-threads: cannot start loop %u: %s", started,
                             strerror(rc));
            atomic_store(&s->stopping, true); /* the loops started so far see it on the fd */
            uint64_t one = 1;
            if (write(s->stop_fd, &one, sizeof one) < 0) {
                /* the eventfd cannot be full here */
            }
            break;
        }
    }
    for (unsigned k = started; k < s->workers; k++) /* the loops that never ran */
        if (a[k].ep >= 0)
            close(a[k].ep);
    for (unsigned k = 0; k < started; k++) {
        pthread_join(a[k].thread, NULL);
        if (a[k].status != HX_OK && status == HX_OK)
            status = hx_fail(a[k].status, "epoll-threads loop %u: %s", k, a[k].error);
    }
    free(a);
    return status;
}

const hx_io_model hx_io_model_epoll_threads = {
    .name = "epoll-threads",
    .summary = "one epoll-et loop per worker thread, all on one listener (EPOLLEXCLUSIVE)",
    .uses_workers = true,
    .run = run,
};
