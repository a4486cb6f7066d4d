/*
 * model_epoll_et.c - readiness with epoll, edge-triggered (EPOLLET).
 *
 *   one thread:
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
#include "io/io.h"

#define MAX_EVENTS 256
#define BUDGET     (16 * 1024) /* bytes one connection may read per turn */

typedef struct ready_list {
    hx_io_conn *head, *tail;
} ready_list;

static void push(ready_list *r, hx_io_conn *c) {
    if (c->queued)
        return;
    c->queued = true;
    c->next = NULL;
    if (r->tail)
        r->tail->next = c;
    else
        r->head = c;
    r->tail = c;
}

static hx_io_conn *pop(ready_list *r) {
    hx_io_conn *c = r->head;
    if (c) {
        r->head = c->next;
        if (!r->head)
            r->tail = NULL;
        c->queued = false;
    }
    return c;
}

static void accept_all(hx_io_server *s, int ep, hx_io_fdmap *conns, ready_list *ready) {
    int fd;
    while ((fd = hx_io_accept(s, true)) >= 0) { /* edge: until EAGAIN */
        hx_io_conn *c = hx_io_conn_new(fd);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd};
        if (!c || hx_io_fdmap_put(conns, c) != 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            hx_io_refuse(s, conns, c, fd);
            continue;
        }
        push(ready, c); /* ADD would report data already there; serving now saves a wait */
    }
}

static int run(hx_io_server *s) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return hx_fail(HX_ERR_RUNTIME, "epoll_create1: %s", strerror(errno));
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.fd = s->listen_fd};
    struct epoll_event sev = {.events = EPOLLIN, .data.fd = s->stop_fd};
    if (hx_io_set_nonblocking(s->listen_fd, true) != 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, s->listen_fd, &lev) != 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, s->stop_fd, &sev) != 0) {
        close(ep);
        return hx_fail(HX_ERR_RUNTIME, "epoll: cannot watch the listening socket: %s",
                       strerror(errno));
    }
    hx_io_fdmap conns = {0};
    ready_list ready = {NULL, NULL};
    int status = HX_OK;
    struct epoll_event ev[MAX_EVENTS];
    while (!hx_io_stopping(s)) {
        /* Sleep only when no connection is left with work it was not allowed to finish. */
        int n = epoll_wait(ep, ev, MAX_EVENTS, ready.head ? 0 : -1); /* blocks here */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.fd == s->listen_fd) {
                accept_all(s, ep, &conns, &ready);
            } else if (ev[i].data.fd != s->stop_fd) {
                hx_io_conn *c = hx_io_fdmap_get(&conns, ev[i].data.fd);
                if (c)
                    push(&ready, c);
            }
        }
        /* One turn for each connection ready now; those that yield go round again. */
        hx_io_conn *last = ready.tail;
        for (hx_io_conn *c = pop(&ready); c; c = pop(&ready)) {
            bool was_last = c == last;
            hx_io_step st = hx_io_echo(c, BUDGET, false);
            if (st == HX_IO_CLOSE) {
                hx_io_fdmap_del(&conns, c->fd);
                hx_io_conn_close(c);
            } else if (st == HX_IO_YIELD) {
                push(&ready, c); /* not at EAGAIN yet: no new edge will come for it */
            } /* WANT_READ / WANT_WRITE: reached EAGAIN, the next edge brings it back */
            if (was_last)
                break;
        }
    }
    hx_io_fdmap_close_all(&conns);
    close(ep);
    return status;
}

const hx_io_model hx_io_model_epoll_et = {
    .name = "epoll-et",
    .summary = "epoll, edge-triggered: read/write until EAGAIN, round-robin a ready list",
    .run = run,
};
