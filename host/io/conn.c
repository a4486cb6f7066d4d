/*
 * conn.c - the echo routine every IO model shares, and small socket helpers.
 *
 * A connection owns one buffer.  hx_io_echo() alternates: write back whatever is pending, and
 * only when nothing is pending read more.  So the server never holds more than HX_IO_BUF bytes
 * per connection, and a client that stops reading stops being read from (TCP flow control
 * pushes back on it instead of the server's memory growing).  A read of 0 bytes means the peer
 * closed its side; since nothing is pending at that point, everything it sent was echoed.
 *
 * Running out of descriptors is handled here for every model (the reserve-descriptor trick):
 * a descriptor held in reserve is freed to accept the waiting connection and close it at once,
 * so the listen backlog is drained instead of holding connections nobody will hear of again.
 * The client side of the bench (loopback connects) lives here too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

static atomic_uint_fast64_t partial_writes;

void hx_io_count_partial_write(void) {
    atomic_fetch_add_explicit(&partial_writes, 1, memory_order_relaxed);
}

uint64_t hx_io_partial_write_count(void) {
    return atomic_load(&partial_writes);
}

hx_io_step hx_io_flush(hx_io_conn *c) {
    while (c->start < c->end) {
        /* MSG_NOSIGNAL: a peer that vanished gives EPIPE here instead of killing us. */
        ssize_t n = send(c->fd, c->buf + c->start, c->end - c->start, MSG_NOSIGNAL);
        if (n > 0) {
            c->start += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            hx_io_count_partial_write();
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

void hx_io_count_accept(hx_io_server *s, unsigned worker) {
    atomic_fetch_add(&s->count->per_worker[worker < s->workers ? worker : 0], 1);
}

/* A connection is waiting on lfd (a blocking listener must not block the shedding). */
static bool waiting(int lfd) {
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

bool hx_io_shed(hx_io_server *s, int lfd) {
    bool shed = false;
    pthread_mutex_lock(&s->reserve_lock);
    if (s->reserve_fd < 0) /* lost to another thread's accept last time: try again */
        s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (s->reserve_fd >= 0 && waiting(lfd)) {
        close(s->reserve_fd); /* one descriptor free, for the accept below */
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
            close(fd); /* the client sees its connection closed: better than never an answer */
            atomic_fetch_add(&s->count->shed, 1);
            shed = true;
        }
        s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* take it back */
    }
    pthread_mutex_unlock(&s->reserve_lock);
    return shed;
}

static void say_out_of_descriptors(int err) {
    static atomic_bool said;
    if (!atomic_exchange(&said, true))
        hx_notice("io server: out of file descriptors (%s): closing the connections it cannot "
                  "serve; raise 'ulimit -n'",
                  strerror(err));
}

int hx_io_accept_on(hx_io_server *s, int lfd, unsigned worker, bool nonblocking) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0));
        if (fd >= 0) {
            int one = 1;
            /* Small echoes must not wait for Nagle's algorithm to fill a segment. */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            hx_io_count_accept(s, worker);
            return fd;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EMFILE && errno != ENFILE)
            return -1; /* EAGAIN, or the shutdown() of stop */
        /* Out of descriptors.  Treating this like EAGAIN leaves the connection in the backlog,
         * where an edge-triggered loop is never told about it again, and a level-triggered
         * one spins on it: shed until none is waiting. */
        say_out_of_descriptors(errno);
        if (hx_io_shed(s, lfd))
            continue;
        if (!nonblocking)
            usleep(10 * 1000); /* a blocking accept fails at once while none is free */
        errno = EAGAIN;
        return -1;
    }
}

int hx_io_accept(hx_io_server *s, bool nonblocking) {
    return hx_io_accept_on(s, s->listen_fd, 0, nonblocking);
}

void hx_io_refuse(hx_io_server *s, hx_io_fdmap *m, hx_io_conn *c, int fd) {
    if (m)
        hx_io_fdmap_del(m, fd); /* only if it got in: del of an absent fd does nothing */
    if (c)
        hx_io_conn_close(c);
    else
        close(fd);
    atomic_fetch_add(&s->count->refused, 1);
}

/* ---- the client side: loopback connections ----------------------------------------------------
 */

int hx_io_loopback(const char *host, int port, struct sockaddr_in *sa) {
    *sa = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    /* A load generator aimed at someone else's machine is an attack: loopback only. */
    if (!host || inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
        (ntohl(sa->sin_addr.s_addr) >> 24) != 127)
        return hx_fail(HX_ERR_USAGE,
                       "bad target address '%s' (want a loopback IPv4 address, "
                       "127.x.x.x: the bench drives only local servers)",
                       host ? host : "");
    return HX_OK;
}

/* connect() interrupted by a signal goes on in the background: wait for it (bounded). */
static bool connected_after_eintr(int fd) {
    if (errno != EINTR)
        return false;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    for (int tries = 0; tries < 100; tries++) {
        int n = poll(&p, 1, 100);
        if (n > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
            errno = err;
            return err == 0;
        }
        if (n < 0 && errno != EINTR)
            return false;
    }
    errno = ETIMEDOUT;
    return false;
}

int hx_io_connect(const struct sockaddr_in *sa, int high_base, int *out) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return hx_fail(HX_ERR_RUNTIME, "socket: %s", strerror(errno));
    struct timeval limit = {10, 0}; /* Linux bounds a blocking connect() by SO_SNDTIMEO */
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 && !connected_after_eintr(fd)) {
        int e = errno;
        close(fd);
        char addr[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof addr);
        return hx_fail(HX_ERR_RUNTIME, "cannot connect to %s:%d: %s", addr, ntohs(sa->sin_port),
                       strerror(e));
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* Keep our descriptors out of the low numbers an in-process server allocates from, so
     * its fds stay as small as if it ran alone (select's FD_SETSIZE is about fd numbers). */
    if (high_base > 0) {
        int high = fcntl(fd, F_DUPFD_CLOEXEC, high_base);
        if (high >= 0) {
            close(fd);
            fd = high;
        }
    }
    *out = fd;
    return HX_OK;
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
