/*
 * idle.c - idle connections for `hetero io bench --idle=N`: the C10K question is what a
 * connection that does nothing costs the server, so these do nothing once they exist.
 *
 * Each is connected, sends one small message and waits for its echo - by then every model has
 * done all it does per connection (accepted it, forked its process, started its thread or its
 * coroutine, allocated its buffer) - and then stays silent, its socket open, until closed.  The
 * messages go out all at once and the echoes are collected with poll, so opening 10,000 costs
 * the round trips once, not 10,000 times.  On close each is checked: a connection the server
 * dropped meanwhile reads as closed, and is an error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "hetero/io/load.h"
#include "internal.h"

#define IDLE_MSG       8
#define IDLE_LIMIT_S   60.0 /* every idle connection must have its echo by then */
#define IDLE_HIGH_BASE 4096

static void idle_byte(unsigned i, unsigned char *msg) {
    for (unsigned k = 0; k < IDLE_MSG; k++)
        msg[k] = hx_io_pattern(0xFFFFFFu - i, 0, k); /* ids the active connections do not use */
}

/* Wait for the echo of every idle connection; HX_OK once all came back verified. */
static int collect_echoes(hx_io_idle *idle) {
    struct pollfd *p = calloc(idle->n, sizeof *p);
    unsigned char *got = calloc(idle->n, 1);
    if (!p || !got) {
        free(p);
        free(got);
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    int status = HX_OK;
    unsigned left = idle->n;
    double deadline = hx_now() + IDLE_LIMIT_S;
    while (left > 0 && status == HX_OK) {
        for (unsigned i = 0; i < idle->n; i++)
            p[i] = (struct pollfd){.fd = got[i] == IDLE_MSG ? -1 : idle->fds[i], .events = POLLIN};
        int n = poll(p, idle->n, 100);
        if (n < 0 && errno != EINTR)
            status = hx_fail(HX_ERR_RUNTIME, "poll: %s", strerror(errno));
        for (unsigned i = 0; n > 0 && i < idle->n && status == HX_OK; i++) {
            if (!p[i].revents)
                continue;
            unsigned char buf[IDLE_MSG], want[IDLE_MSG];
            ssize_t r = recv(idle->fds[i], buf, IDLE_MSG - got[i], MSG_DONTWAIT);
            idle_byte(i, want);
            if (r <= 0 || memcmp(buf, want + got[i], (size_t)r) != 0)
                status = hx_fail(HX_ERR_RUNTIME, "idle connection %u: %s", i,
                                 r == 0  ? "closed by the server before its echo"
                                 : r < 0 ? strerror(errno)
                                         : "echo differs from what was sent");
            else if ((got[i] += (unsigned char)r) == IDLE_MSG)
                left--;
        }
        if (status == HX_OK && left > 0 && hx_now() > deadline)
            status = hx_fail(HX_ERR_RUNTIME, "%u of %u idle connections had no echo within %.0f s",
                             left, idle->n, IDLE_LIMIT_S);
    }
    free(p);
    free(got);
    return status;
}

int hx_io_idle_open(const char *host, int port, unsigned n, hx_io_idle *out) {
    *out = (hx_io_idle){0};
    if (n == 0)
        return HX_OK;
    struct sockaddr_in sa;
    HX_TRY(hx_io_loopback(host, port, &sa));
    out->fds = malloc(n * sizeof *out->fds);
    if (!out->fds)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double t0 = hx_now();
    int status = HX_OK;
    for (; out->n < n && status == HX_OK; out->n++) {
        status = hx_io_connect(&sa, IDLE_HIGH_BASE, &out->fds[out->n]);
        if (status != HX_OK)
            break;
        unsigned char msg[IDLE_MSG];
        idle_byte(out->n, msg);
        if (send(out->fds[out->n], msg, IDLE_MSG, MSG_NOSIGNAL) != IDLE_MSG)
            status =
                hx_fail(HX_ERR_RUNTIME, "idle connection %u: send: %s", out->n, strerror(errno));
    }
    if (status == HX_OK)
        status = collect_echoes(out);
    out->setup_s = hx_now() - t0;
    if (status != HX_OK) {
        for (unsigned i = 0; i < out->n; i++)
            close(out->fds[i]);
        free(out->fds);
        *out = (hx_io_idle){0};
    }
    return status;
}

int hx_io_idle_close(hx_io_idle *idle) {
    int status = HX_OK;
    for (unsigned i = 0; i < idle->n; i++) {
        char byte;
        ssize_t r = recv(idle->fds[i], &byte, 1, MSG_DONTWAIT);
        if (status == HX_OK && !(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
            status = hx_fail(HX_ERR_RUNTIME, "idle connection %u was %s by the server", i,
                             r == 0  ? "closed"
                             : r > 0 ? "sent unexpected bytes"
                                     : "reset");
        close(idle->fds[i]);
    }
    free(idle->fds);
    *idle = (hx_io_idle){0};
    return status;
}
