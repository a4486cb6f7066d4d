/*
 * conn.c - the echo routine every IO model shares, and small socket helpers.
 *
 * A connection owns one buffer.  hx_io_echo() alternates: write back whatever is pending, and
 * only when nothing is pending read more.  So the server never holds more than HX_IO_BUF bytes
 * per connection, and a client that stops reading stops being read from (TCP flow control
 * pushes back on it instead of the server's memory growing).  A read of 0 bytes means the peer
 * closed its side; since nothing is pending at that point, everything it sent was echoed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "io/io.h"

atomic_uint_fast64_t hx_io_partial_writes;

hx_io_step hx_io_flush(hx_io_conn *c) {
    while (c->start < c->end) {
        /* MSG_NOSIGNAL: a peer that vanished gives EPIPE here instead of killing us. */
        ssize_t n = send(c->fd, c->buf + c->start, c->end - c->start, MSG_NOSIGNAL);
        if (n > 0) {
            c->start += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            atomic_fetch_add_explicit(&hx_io_partial_writes, 1, memory_order_relaxed);
            return HX_IO_WANT_WRITE; /* a partial write: the rest waits for POLLOUT */
        } else {
            return HX_IO_CLOSE; /* EPIPE, ECONNRESET: the client is gone */
        }
    }
    c->start = c->end = 0;
    return HX_IO_WANT_READ;
}

hx_io_step hx_io_echo(hx_io_conn *c, size_t budget, bool level) {
    size_t done = 0;
    for (;;) {
        hx_io_step w = hx_io_flush(c);
        if (w != HX_IO_WANT_READ)
            return w;
        if (done >= budget)
            return HX_IO_YIELD;
        ssize_t n = recv(c->fd, c->buf, sizeof c->buf, 0); /* blocks here on a blocking fd */
        if (n > 0) {
            c->end = (size_t)n;
            done += (size_t)n;
            /* A short read emptied the socket's receive buffer (epoll(7) says so for stream
             * sockets): echo it and stop, saving the recv() that would only say EAGAIN.  Only
             * for level-triggered callers: a FIN that came with the data raised its edge
             * already, so an edge-triggered caller must read on until EAGAIN or 0. */
            if (level && (size_t)n < sizeof c->buf)
                return hx_io_flush(c);
        } else if (n == 0) {
            return HX_IO_CLOSE; /* orderly close; nothing was pending */
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return HX_IO_WANT_READ;
        } else {
            return HX_IO_CLOSE; /* ECONNRESET: it vanished mid-message */
        }
    }
}

hx_io_conn *hx_io_conn_new(int fd) {
    hx_io_conn *c = calloc(1, sizeof *c);
    if (c)
        c->fd = fd;
    return c;
}

void hx_io_conn_close(hx_io_conn *c) {
    if (!c)
        return;
    close(c->fd);
    free(c);
}

int hx_io_set_nonblocking(int fd, bool on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -1;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags);
}

int hx_io_accept(hx_io_server *s, bool nonblocking) {
    for (;;) {
        int fd =
            accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0));
        if (fd >= 0) {
            int one = 1;
            /* Small echoes must not wait for Nagle's algorithm to fill a segment. */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            atomic_fetch_add(&s->accepted, 1);
            return fd;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE) {
            /* Out of descriptors: the connection stays in the backlog.  Say so once. */
            static atomic_bool said;
            if (!atomic_exchange(&said, true))
                hx_notice("io server: out of file descriptors (%s); raise 'ulimit -n'",
                          strerror(errno));
            /* The listening socket stays readable, so without a pause every model would spin
             * on accept() until a descriptor is freed. */
            usleep(10 * 1000);
        }
        return -1;
    }
}

void hx_io_refuse(hx_io_server *s, hx_io_fdmap *m, hx_io_conn *c, int fd) {
    if (m)
        hx_io_fdmap_del(m, fd); /* only if it got in: del of an absent fd does nothing */
    if (c)
        hx_io_conn_close(c);
    else
        close(fd);
    atomic_fetch_add(&s->refused, 1);
}

/* ---- connections by fd ----------------------------------------------------------------------- */

int hx_io_fdmap_put(hx_io_fdmap *m, hx_io_conn *c) {
    if ((size_t)c->fd >= m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap <= (size_t)c->fd)
            cap *= 2;
        hx_io_conn **at = realloc(m->at, cap * sizeof *at);
        if (!at)
            return -1;
        memset(at + m->cap, 0, (cap - m->cap) * sizeof *at);
        m->at = at;
        m->cap = cap;
    }
    m->at[c->fd] = c;
    m->count++;
    return 0;
}

hx_io_conn *hx_io_fdmap_get(const hx_io_fdmap *m, int fd) {
    return fd >= 0 && (size_t)fd < m->cap ? m->at[fd] : NULL;
}

void hx_io_fdmap_del(hx_io_fdmap *m, int fd) {
    if (fd >= 0 && (size_t)fd < m->cap && m->at[fd]) {
        m->at[fd] = NULL;
        m->count--;
    }
}

void hx_io_fdmap_close_all(hx_io_fdmap *m) {
    for (size_t i = 0; i < m->cap; i++)
        hx_io_conn_close(m->at[i]);
    free(m->at);
    m->at = NULL;
    m->cap = m->count = 0;
}
