/*
 * model_sigio.c - signal-driven IO: the kernel queues a real-time signal per IO event.
 *
 *   setup per socket: O_NONBLOCK | O_ASYNC, F_SETOWN_EX (this thread), F_SETSIG (SIGRTMIN+4)
 *   one thread:
 *     sigwaitinfo()  <- blocks until a signal is queued; siginfo names the fd (si_fd) and
 *                       the event (si_band: POLLIN, POLLOUT, ...)
 *     serve that fd until EAGAIN (a signal is sent once per event, like an edge)
 *
 * The signals are blocked in this thread and taken synchronously with sigwaitinfo(), so no
 * handler runs in the middle of anything.  Real-time signals queue, but the queue is bounded
 * (RLIMIT_SIGPENDING).  When it overflows the kernel sends a plain SIGIO instead, which says
 * only "you lost some": we then rescan every connection, exactly as poll() would.
 * The signals go to this thread (F_OWNER_TID), never to the rest of the process.  stop() sends
 * the same signal with pthread_kill() (si_code SI_TKILL) to wake us.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define IO_SIGNAL (SIGRTMIN + 4)

static int arm(int fd) {
    struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = gettid()};
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETOWN_EX, &owner) != 0 || fcntl(fd, F_SETSIG, IO_SIGNAL) != 0)
        return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK | O_ASYNC);
}

static void serve(hx_io_fdmap *conns, hx_io_conn *c) {
    if (hx_io_echo(c, SIZE_MAX, false) == HX_IO_CLOSE) { /* until EAGAIN: no second signal comes */
        hx_io_fdmap_del(conns, c->fd);
        hx_io_conn_close(c);
    }
}

static void accept_all(hx_io_server *s, hx_io_fdmap *conns) {
    int fd;
    while ((fd = hx_io_accept(s, true)) >= 0) {
        hx_io_conn *c = hx_io_conn_new(fd);
        if (!c || arm(fd) != 0 || hx_io_fdmap_put(conns, c) != 0) {
            hx_io_refuse(s, conns, c, fd);
            continue;
        }
        serve(conns, c); /* data that came before O_ASYNC was set raised no signal */
    }
}

/* The queue overflowed: events were lost, so look at everything. */
static void rescan(hx_io_server *s, hx_io_fdmap *conns, const sigset_t *set) {
    siginfo_t si;
    struct timespec zero = {0, 0};
    atomic_fetch_add(&s->count->rescans, 1);
    while (sigtimedwait(set, &si, &zero) > 0) {
        /* drop the queued signals: the rescan below covers them */
    }
    accept_all(s, conns);
    for (size_t fd = 0; fd < conns->cap; fd++)
        if (conns->at[fd])
            serve(conns, conns->at[fd]);
}

static void wake(hx_io_server *s) {
    pthread_kill(s->thread, IO_SIGNAL);
}

static int run(hx_io_server *s) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, IO_SIGNAL);
    sigaddset(&set, SIGIO);
    /* Blocked, to be taken by sigwaitinfo (server.c starts this thread with all blocked). */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (arm(s->listen_fd) != 0)
        return hx_fail(HX_ERR_RUNTIME, "sigio: cannot arm the listening socket: %s",
                       strerror(errno));
    hx_io_fdmap conns = {0};
    accept_all(s, &conns);
    while (!hx_io_stopping(s)) {
        siginfo_t si;
        struct timespec tick = {0, 200 * 1000 * 1000}; /* a safety net for the stop flag */
        int sig = sigtimedwait(&set, &si, &tick);      /* blocks here */
        if (sig < 0)
            continue; /* EAGAIN (tick) or EINTR */
        if (sig == SIGIO) {
            rescan(s, &conns, &set);
        } else if (si.si_code == SI_TKILL || si.si_code == SI_QUEUE || si.si_code == SI_USER) {
            continue; /* stop() woke us */
        } else if (si.si_fd == s->listen_fd) {
            accept_all(s, &conns);
        } else {
            hx_io_conn *c = hx_io_fdmap_get(&conns, si.si_fd);
            if (c) /* NULL: a late signal for a connection already closed */
                serve(&conns, c);
        }
    }
    hx_io_fdmap_close_all(&conns);
    return HX_OK;
}

const hx_io_model hx_io_model_sigio = {
    .name = "sigio",
    .summary = "signal-driven IO: O_ASYNC + F_SETSIG real-time signals, SIGIO rescan on overflow",
    .run = run,
    .wake = wake,
};
