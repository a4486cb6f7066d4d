/*
 * model_poll.c - readiness with poll(2).
 *
 *   one thread:
 *     build a pollfd array (every connection, every time)
 *     poll()    <- blocks until some descriptor is ready or stop
 *     walk the array for revents; recv()/send() each (never blocks: O_NONBLOCK)
 *
 * No FD_SETSIZE limit (an array, not a bitmap), but still O(connections) per wakeup: the
 * whole array crosses into the kernel and back every time, even if one socket is ready.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

static int run(hx_io_server *s) {
    if (hx_io_set_nonblocking(s->listen_fd, true) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot make the listening socket non-blocking");
    hx_io_fdmap conns = {0};
    struct pollfd *pfd = NULL;
    size_t pcap = 0;
    int status = HX_OK;
    while (!hx_io_stopping(s)) {
        if (pcap < conns.count + 2) {
            size_t cap = 2 * (conns.count + 2);
            struct pollfd *p = realloc(pfd, cap * sizeof *p);
            if (!p) {
                status = hx_fail(HX_ERR_RUNTIME, "out of memory");
                break;
            }
            pfd = p;
            pcap = cap;
        }
        nfds_t n = 0;
        pfd[n++] = (struct pollfd){.fd = s->stop_fd, .events = POLLIN};
        pfd[n++] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        for (size_t fd = 0; fd < conns.cap; fd++) {
            hx_io_conn *c = conns.at[fd];
            if (c)
                pfd[n++] = (struct pollfd){.fd = c->fd,
                                           .events = (short)(c->start < c->end ? POLLOUT : POLLIN)};
        }
        int ready = poll(pfd, n, -1); /* blocks here */
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0) {
            status = hx_fail(HX_ERR_RUNTIME, "poll: %s", strerror(errno));
            break;
        }
        for (nfds_t i = 2; i < n; i++) {
            if (!pfd[i].revents)
                continue;
            hx_io_conn *c = hx_io_fdmap_get(&conns, pfd[i].fd);
            if (hx_io_echo(c, HX_IO_BUF, true) == HX_IO_CLOSE) {
                hx_io_fdmap_del(&conns, c->fd);
                hx_io_conn_close(c);
            }
        }
        if (pfd[1].revents) {
            int fd;
            while ((fd = hx_io_accept(s, true)) >= 0) {
                hx_io_conn *c = hx_io_conn_new(fd);
                if (!c || hx_io_fdmap_put(&conns, c) != 0) {
                    free(c);
                    atomic_fetch_add(&s->count->refused, 1);
                    close(fd);
                }
            }
        }
    }
    free(pfd);
    hx_io_fdmap_close_all(&conns);
    return status;
}

const hx_io_model hx_io_model_poll = {
    .name = "poll",
    .summary = "poll(): one thread, a pollfd array passed in full per wakeup",
    .run = run,
};
