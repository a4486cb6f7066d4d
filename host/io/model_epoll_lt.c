/*
 * model_epoll_lt.c - readiness with epoll, level-triggered (the default).
 *
 *   one thread:
 *     epoll_ctl(ADD) once per connection (the interest list lives in the kernel)
 *     epoll_wait()  <- blocks until some registered socket is ready or stop
 *     only the ready ones come back: recv()/send() each (never blocks: O_NONBLOCK)
 *
 * Cost per wakeup is O(ready), not O(connections).  Level-triggered means "tell me again while
 * it is still ready": we may read one buffer and return to epoll_wait, and the socket will be
 * reported again if more is waiting - forgiving, and fair without extra work.  We switch the
 * interest between EPOLLIN and EPOLLOUT so a socket with nothing to send is not reported
 * writable on every wakeup.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define MAX_EVENTS 256

static int watch(int ep, int op, int fd, unsigned events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    return epoll_ctl(ep, op, fd, &ev);
}

static void serve(hx_io_fdmap *conns, int ep, hx_io_conn *c) {
    hx_io_step st = hx_io_echo(c, HX_IO_BUF, true); /* one buffer per wakeup; LT reports the rest */
    unsigned want = st == HX_IO_WANT_WRITE ? EPOLLOUT : EPOLLIN;
    if (st == HX_IO_CLOSE || (want != c->interest && watch(ep, EPOLL_CTL_MOD, c->fd, want) != 0)) {
        hx_io_fdmap_del(conns, c->fd);
        hx_io_conn_close(c); /* close() also removes it from the epoll set */
        return;
    }
    c->interest = want;
}

static int run(hx_io_server *s) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return hx_fail(HX_ERR_RUNTIME, "epoll_create1: %s", strerror(errno));
    if (hx_io_set_nonblocking(s->listen_fd, true) != 0 ||
        watch(ep, EPOLL_CTL_ADD, s->listen_fd, EPOLLIN) != 0 ||
        watch(ep, EPOLL_CTL_ADD, s->stop_fd, EPOLLIN) != 0) {
        close(ep);
        return hx_fail(HX_ERR_RUNTIME, "epoll: cannot watch the listening socket: %s",
                       strerror(errno));
    }
    hx_io_fdmap conns = {0};
    int status = HX_OK;
    struct epoll_event ev[MAX_EVENTS];
    while (!hx_io_stopping(s)) {
        int n = epoll_wait(ep, ev, MAX_EVENTS, -1); /* blocks here */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            if (fd == s->listen_fd) {
                /* level-triggered: accepting one per wakeup would also be correct */
                int cfd;
                while ((cfd = hx_io_accept(s, true)) >= 0) {
                    hx_io_conn *c = hx_io_conn_new(cfd);
                    if (!c || hx_io_fdmap_put(&conns, c) != 0 ||
                        watch(ep, EPOLL_CTL_ADD, cfd, EPOLLIN) != 0) {
                        hx_io_refuse(s, &conns, c, cfd);
                        continue;
                    }
                    c->interest = EPOLLIN;
                }
            } else if (fd != s->stop_fd) {
                hx_io_conn *c = hx_io_fdmap_get(&conns, fd);
                if (c)
                    serve(&conns, ep, c);
            }
        }
    }
    hx_io_fdmap_close_all(&conns);
    close(ep);
    return status;
}

const hx_io_model hx_io_model_epoll_lt = {
    .name = "epoll-lt",
    .summary = "epoll, level-triggered: the kernel keeps the interest list, returns the ready",
    .run = run,
};
