/*
 * model_nonblocking_poll.c - non-blocking sockets polled in a busy loop.
 *
 *   one thread, forever:
 *     accept()      -> EAGAIN at once if nobody is connecting
 *     for each connection: recv()/send() -> EAGAIN at once if nothing to do
 *     (nothing blocks, so nothing sleeps: the loop spins)
 *
 * Non-blocking alone is not a model of waiting; it is the absence of one.  The loop asks every
 * socket "anything?" over and over, so it holds a CPU at 100% even with no clients at all - the
 * bench's "srv CPU %" column shows it (about 100, of one core, whatever the load; less only
 * when other processes compete for the cores).  It also scans every connection on every
 * pass, so its cost grows with the number of connections, busy or not.
 */
#include <stdlib.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define BUDGET (64 * 1024) /* bytes read from one connection per pass */

static int run(hx_io_server *s) {
    if (hx_io_set_nonblocking(s->listen_fd, true) != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot make the listening socket non-blocking");
    hx_io_conn head = {.fd = -1}; /* circular list */
    head.next = head.prev = &head;
    while (!hx_io_stopping(s)) {
        int fd;
        while ((fd = hx_io_accept(s, true)) >= 0) { /* never blocks */
            hx_io_conn *c = hx_io_conn_new(fd);
            if (!c) {
                atomic_fetch_add(&s->count->refused, 1);
                close(fd);
                continue;
            }
            c->next = head.next;
            c->prev = &head;
            head.next->prev = c;
            head.next = c;
        }
        for (hx_io_conn *c = head.next, *next; c != &head; c = next) {
            next = c->next;
            hx_io_step st = hx_io_echo(c, BUDGET, true); /* never blocks */
            if (st == HX_IO_CLOSE) {
                c->prev->next = c->next;
                c->next->prev = c->prev;
                hx_io_conn_close(c);
            }
        }
        /* and straight round again: nothing here ever waits */
    }
    for (hx_io_conn *c = head.next, *next; c != &head; c = next) {
        next = c->next;
        hx_io_conn_close(c);
    }
    return HX_OK;
}

const hx_io_model hx_io_model_nonblocking_poll = {
    .name = "nonblocking-poll",
    .summary = "non-blocking sockets in a busy loop (no waiting: burns a core)",
    .run = run,
};
