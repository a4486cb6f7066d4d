/*
 * model_coroutine.c - one thread, one epoll loop, and per connection a coroutine whose echo
 * code reads as if the sockets blocked.
 *
 *   coroutine of a connection:           the loop (one thread):
 *     for (;;) {                           epoll_wait()  <- blocks until some socket is ready
 *         n = co_recv(fd, buf)  ---------> EAGAIN: yield to the loop ...
 *         co_send_all(fd, buf, n)          ... which resumes the coroutine of each socket
 *     }                                        epoll reported, where it left off
 *
 * The code of echo_main is the blocking-thread model's, line for line; what differs is who
 * waits.  co_recv and co_send_all call the non-blocking socket, and on EAGAIN hand control
 * back to the loop (hx_io_coro_yield, coro.c) instead of sleeping in the kernel; the loop
 * resumes the coroutine when epoll says its socket changed.  So a connection costs a small
 * stack (only the pages it touches: its 4 KiB buffer and a few frames) instead of a thread,
 * and a wait costs a user-space switch instead of a kernel context switch.
 *
 * Edge-triggered, like epoll-et: each socket is registered once with EPOLLIN|EPOLLOUT|EPOLLET,
 * a coroutine yields only after EAGAIN (so no edge is lost), and one that has echoed BUDGET
 * bytes in a turn yields while still runnable and goes to the back of the ready list, so a
 * fast client cannot starve the rest.  A spurious resume is harmless: recv says EAGAIN again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define MAX_EVENTS 256
#define BUDGET     (16 * 1024) /* bytes one coroutine may echo per turn */
#define CORO_STACK (64 * 1024) /* virtual; a few pages of it become resident */

typedef struct co_conn {
    int fd;
    hx_io_coro *co;
    hx_io_qnode ready;
    bool runnable; /* yielded with work left (budget spent) */
    size_t turn;   /* bytes echoed this turn */
    struct co_conn *prev_all, *next_all;
} co_conn;

typedef struct sched {
    hx_io_server *s;
    int ep;
    hx_io_queue ready;
    co_conn all; /* every live connection (circular) */
    char listen_tag, stop_tag;
} sched;

/* ---- the connection's code: straight-line, as if it blocked ------------------------------------
 */

static ssize_t co_recv(co_conn *c, void *buf, size_t len) {
    for (;;) {
        ssize_t n = recv(c->fd, buf, len, 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        c->turn = 0;
        hx_io_coro_yield(); /* wait for the next edge */
    }
}

static bool co_send_all(co_conn *c, const unsigned char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            hx_io_count_partial_write();
            c->turn = 0;
            hx_io_coro_yield(); /* wait until writable */
        } else {
            return false; /* EPIPE, ECONNRESET: the client is gone */
        }
    }
    return true;
}

static void echo_main(void *arg) {
    co_conn *c = arg;
    unsigned char buf[HX_IO_BUF];
    for (;;) {
        ssize_t n = co_recv(c, buf, sizeof buf);
        if (n <= 0)
            return; /* closed or reset */
        if (!co_send_all(c, buf, (size_t)n))
            return;
        c->turn += (size_t)n;
        if (c->turn >= BUDGET) { /* fairness: let the others run, come back without an edge */
            c->turn = 0;
            c->runnable = true;
            hx_io_coro_yield();
        }
    }
}

/* ---- the loop -------------------------------------------------------------------------------- */

static void push(sched *sc, co_conn *c) {
    hx_io_queue_push(&sc->ready, &c->ready);
}

static co_conn *pop(sched *sc) {
    hx_io_qnode *n = hx_io_queue_pop(&sc->ready);
    return n ? HX_IO_CONTAINER(n, co_conn, ready) : NULL;
}

static void finish(co_conn *c) {
    c->prev_all->next_all = c->next_all;
    c->next_all->prev_all = c->prev_all;
    close(c->fd); /* also takes it out of the epoll set */
    hx_io_coro_free(c->co);
    free(c);
}

static void accept_all(sched *sc) {
    int fd;
    while ((fd = hx_io_accept(sc->s, true)) >= 0) { /* edge: until EAGAIN */
        co_conn *c = calloc(1, sizeof *c);
        if (c) {
            c->fd = fd;
            c->co = hx_io_coro_new(CORO_STACK, echo_main, c);
        }
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        if (!c || !c->co || epoll_ctl(sc->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            if (c)
                hx_io_coro_free(c->co);
            free(c);
            hx_io_refuse(sc->s, NULL, NULL, fd);
            continue;
        }
        c->next_all = sc->all.next_all;
        c->prev_all = &sc->all;
        sc->all.next_all->prev_all = c;
        sc->all.next_all = c;
        push(sc, c); /* start it: data may be waiting already */
    }
}

/* One resume for each coroutine ready now; those that yield runnable go round again. */
static void run_ready(sched *sc) {
    hx_io_qnode *last = sc->ready.tail;
    for (co_conn *c = pop(sc); c; c = pop(sc)) {
        bool was_last = &c->ready == last;
        c->runnable = false;
        if (!hx_io_coro_resume(c->co))
            finish(c);
        else if (c->runnable)
            push(sc, c);
        if (was_last)
            break;
    }
}

static int watch(sched *sc) {
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.ptr = &sc->listen_tag};
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &sc->stop_tag};
    if (hx_io_set_nonblocking(sc->s->listen_fd, true) != 0 ||
        epoll_ctl(sc->ep, EPOLL_CTL_ADD, sc->s->listen_fd, &lev) != 0 ||
        epoll_ctl(sc->ep, EPOLL_CTL_ADD, sc->s->stop_fd, &sev) != 0)
        return hx_fail(HX_ERR_RUNTIME, "coroutine: cannot watch the listening socket: %s",
                       strerror(errno));
    return HX_OK;
}

static int run(hx_io_server *s) {
    sched sc = {.s = s};
    sc.all.next_all = sc.all.prev_all = &sc.all;
    sc.ep = epoll_create1(EPOLL_CLOEXEC);
    if (sc.ep < 0)
        return hx_fail(HX_ERR_RUNTIME, "epoll_create1: %s", strerror(errno));
    int status = watch(&sc);
    struct epoll_event ev[MAX_EVENTS];
    while (status == HX_OK && !hx_io_stopping(s)) {
        int n = epoll_wait(sc.ep, ev, MAX_EVENTS, sc.ready.head ? 0 : -1); /* blocks here */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == &sc.listen_tag)
                accept_all(&sc);
            else if (ev[i].data.ptr != &sc.stop_tag)
                push(&sc, ev[i].data.ptr);
        }
        run_ready(&sc);
    }
    while (sc.all.next_all != &sc.all) /* stop: abandon the paused coroutines */
        finish(sc.all.next_all);
    hx_io_coro_pool_drain();
    close(sc.ep);
    return status;
}

const hx_io_model hx_io_model_coroutine = {
    .name = "coroutine",
    .summary = "one thread, epoll-et; per connection a coroutine with blocking-style code",
    .run = run,
};
