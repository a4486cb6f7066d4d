/*
 * model_select.c - readiness with select(2).
 *
 *   one thread:
 *     build fd_sets (every connection, every time)
 *     select()   <- blocks until some descriptor is ready or stop
 *     scan 0..maxfd for the ready ones; recv()/send() each (never blocks: O_NONBLOCK)
 *
 * Cost per wakeup is O(highest fd), both for the kernel (it tests every bit) and for us (we
 * rebuild and rescan the sets).  An fd_set is a fixed bitmap of FD_SETSIZE (1024) bits: FD_SET
 * on a descriptor >= 1024 writes past its end and corrupts memory.  So a connection whose fd is
 * that high is refused here - closed at once, with a message - and counted.  This is a limit on
 * descriptor NUMBERS, not on connections: a process with 1000 other files open hits it early.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

static void refuse(hx_io_server *s, int fd) {
    if (atomic_fetch_add(&s->count->refused, 1) == 0)
        hx_notice("select: refusing connection on fd %d: select() handles only descriptors "
                  "below FD_SETSIZE (%d); use the poll or epoll model for more connections",
                  fd, FD_SETSIZE);
    close(fd);
}

static int run(hx_io_server *s) {
    if (s->listen_fd >= FD_SETSIZE || s->stop_fd >= FD_SETSIZE)
        return hx_fail(HX_ERR_RUNTIME,
                       "select: the listening socket is fd %d, above "
                       "FD_SETSIZE (%d); use poll or epoll",
                       s->listen_fd, FD_SETSIZE);
    if (hx_io_set_nonblocking(s->listen_fd, true) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot make the listening socket non-blocking");
    hx_io_fdmap conns = {0};
    int status = HX_OK;
    while (!hx_io_stopping(s)) {
        fd_set rd, wr;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        FD_SET(s->listen_fd, &rd);
        FD_SET(s->stop_fd, &rd);
        int maxfd = s->listen_fd > s->stop_fd ? s->listen_fd : s->stop_fd;
        for (size_t fd = 0; fd < conns.cap; fd++) {
            hx_io_conn *c = conns.at[fd];
            if (!c)
                continue;
            FD_SET(c->fd, c->start < c->end ? &wr : &rd); /* write pending first, then read */
            if (c->fd > maxfd)
                maxfd = c->fd;
        }
        int n = select(maxfd + 1, &rd, &wr, NULL, NULL); /* blocks here */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "select: %s", strerror(errno));
            break;
        }
        for (int fd = 0; fd <= maxfd; fd++) {
            hx_io_conn *c = hx_io_fdmap_get(&conns, fd);
            if (!c || !(FD_ISSET(fd, &rd) || FD_ISSET(fd, &wr)))
                continue;
            if (hx_io_echo(c, HX_IO_BUF, true) == HX_IO_CLOSE) { /* one buffer per wakeup: fair */
                hx_io_fdmap_del(&conns, fd);
                hx_io_conn_close(c);
            }
        }
        if (FD_ISSET(s->listen_fd, &rd)) {
            int fd;
            while ((fd = hx_io_accept(s, true)) >= 0) {
                hx_io_conn *c = fd < FD_SETSIZE ? hx_io_conn_new(fd) : NULL;
                if (!c || hx_io_fdmap_put(&conns, c) != 0) {
                    if (c)
                        free(c);
                    refuse(s, fd);
                }
            }
        }
    }
    hx_io_fdmap_close_all(&conns);
    return status;
}

const hx_io_model hx_io_model_select = {
    .name = "select",
    .summary = "select(): one thread, fd bitmaps rebuilt per wakeup, fds < FD_SETSIZE only",
    .run = run,
};
