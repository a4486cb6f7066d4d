/*
 * model_epoll_et.c - readiness with epoll, edge-triggered (EPOLLET), one loop.
 *
 *   one thread:
 *     epoll_ctl(ADD, EPOLLIN|EPOLLOUT|EPOLLET) once per connection - never modified again
 *     epoll_wait()  <- blocks until some socket CHANGED to ready, or stop
 *     put each reported connection on a ready list; serve the list round-robin
 *
 * The loop itself is in epoll_loop.c, because the one-loop-per-core models run the same loop
 * once per worker.  Read it there: the ready list, the byte budget per turn that keeps one fast
 * client from starving the rest, and accept until EAGAIN (one edge may stand for many waiting
 * connections).
 */
#include <sys/epoll.h>

#include "internal.h"

static int run(hx_io_server *s) {
    return hx_io_epoll_serve(s, -1, s->listen_fd, 0, EPOLLIN | EPOLLET);
}

const hx_io_model hx_io_model_epoll_et = {
    .name = "epoll-et",
    .summary = "epoll, edge-triggered: read/write until EAGAIN, round-robin a ready list",
    .run = run,
};
