/*
 * epoll_loop.c - the edge-triggered epoll loop: epoll-et runs it once, epoll-reuseport once in
 * each worker process (each on its own listener) and epoll-threads once in each thread (all on
 * one listener, watched with EPOLLEXCLUSIVE so a new connection wakes one loop, not all).
 *
 *   one loop:
 *     epoll_ctl(ADD, EPOLLIN|EPOLLOUT|EPOLLET) once per connection - never modified again
 *     epoll_wait()  <- blocks until some socket CHANGED to ready, or stop
 *     put each reported connection on a ready list; serve the list round-robin
 *
 * Edge-triggered means "tell me once when it becomes ready".  A socket reported readable is
 * not reported again until new data arrives, so whoever takes the event must keep reading
 * until EAGAIN or the data still in the buffer is never seen.  Doing that in one go would let
 * one fast client starve the others, so each connection gets a budget per turn; a connection
 * that used its budget (HX_IO_YIELD) goes to the back of the ready list, and the list keeps
 * being served - with epoll_wait(timeout 0) between turns to pick up new events - until every
 * connection on it has reached EAGAIN.  The same goes for accept(): accept until EAGAIN.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define MAX_EVENTS 256
#define BUDGET     (16 * 1024) /* bytes one connection may read per turn */

typedef struct loop {
    hx_io_server *s;
    int ep, lfd;
    unsigned worker;
    hx_io_fdmap conns;
    hx_io_queue ready;
} loop;

static void push(loop *l, hx_io_conn *c) {
    hx_io_queue_push(&l->ready, &c->ready);
}

static hx_io_conn *pop(loop *l) {
    hx_io_qnode *n = hx_io_queue_pop(&l->ready);
    return n ? HX_IO_CONTAINER(n, hx_io_conn, ready) : NULL;
}

static void accept_all(loop *l) {
    int fd;
    while ((fd = hx_io_accept_on(l->s, l->lfd, l->worker, true)) >= 0) { /* until EAGAIN */
        hx_io_conn *c = hx_io_conn_new(fd);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd};
        if (!c || hx_io_fdmap_put(&l->conns, c) != 0 ||
            epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            hx_io_refuse(l->s, &l->conns, c, fd);
            continue;
        }
        push(l, c); /* ADD would report data already there; serving now saves a wait */
    }
}

/* One turn for each connection ready now; those that yield go round again. */
static void serve_ready(loop *l) {
    hx_io_qnode *last = l->ready.tail;
    for (hx_io_conn *c = pop(l); c; c = pop(l)) {
        bool was_last = &c->ready == last;
        hx_io_step st = hx_io_echo(c, BUDGET, false);
        if (st == HX_IO_CLOSE) {
            hx_io_fdmap_del(&l->conns, c->fd);
            hx_io_conn_close(c);
        } else if (st == HX_IO_YIELD) {
            push(l, c); /* not at EAGAIN yet: no new edge will come for it */
        }               /* WANT_READ / WANT_WRITE: reached EAGAIN, the next edge brings it back */
        if (was_last)
            break;
    }
}

static int watch(loop *l, unsigned listen_events) {
    struct epoll_event lev = {.events = listen_events, .data.fd = l->lfd};
    struct epoll_event sev = {.events = EPOLLIN, .data.fd = l->s->stop_fd};
    if (hx_io_set_nonblocking(l->lfd, true) != 0 ||
        epoll_ctl(l->ep, EPOLL_CTL_ADD, l->lfd, &lev) != 0 ||
        epoll_ctl(l->ep, EPOLL_CTL_ADD, l->s->stop_fd, &sev) != 0)
        return hx_fail(HX_ERR_RUNTIME, "epoll: cannot watch the listening socket: %s",
                       strerror(errno));
    return HX_OK;
}

int hx_io_epoll_serve(hx_io_server *s, int ep, int lfd, unsigned worker, unsigned listen_events) {
    loop l = {.s = s, .lfd = lfd, .worker = worker};
    l.ep = ep >= 0 ? ep : epoll_create1(EPOLL_CLOEXEC);
    if (l.ep < 0)
        return hx_fail(HX_ERR_RUNTIME, "epoll_create1: %s", strerror(errno));
    int status = watch(&l, listen_events);
    struct epoll_event ev[MAX_EVENTS];
    bool stop_seen = false; /* a worker process's copy of s->stopping never changes: the eventfd */
    while (status == HX_OK && !stop_seen && !hx_io_stopping(s)) {
        /* Sleep only when no connection is left with work it was not allowed to finish. */
        int n = epoll_wait(l.ep, ev, MAX_EVENTS, l.ready.head ? 0 : -1); /* blocks here */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.fd == lfd) {
                accept_all(&l);
            } else if (ev[i].data.fd == s->stop_fd) {
                stop_seen = true;
            } else {
                hx_io_conn *c = hx_io_fdmap_get(&l.conns, ev[i].data.fd);
                if (c)
                    push(&l, c);
            }
        }
        serve_ready(&l);
    }
    hx_io_fdmap_close_all(&l.conns);
    close(l.ep);
    return status;
}
