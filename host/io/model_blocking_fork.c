/*
 * model_blocking_fork.c - blocking IO, one process per connection (the classic inetd shape).
 *
 *   parent:  accept()  <- blocks until a client connects
 *               |  fork()
 *   child:   recv()    <- blocks until its client sends
 *            send()    <- blocks while its client's socket buffer is full
 *            _exit()
 *
 * Processes share nothing, so a crash in one connection cannot touch another - at the cost of
 * a fork (page tables copied, copy-on-write faults after) per connection.  The child runs only
 * system calls (it may have been forked from a multi-threaded process, where only
 * async-signal-safe calls are allowed), echoes from a buffer on its stack, and first closes
 * every descriptor but its own socket so it does not keep other clients' sockets open.
 * The parent reaps finished children after each accept and kills the rest on stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "io/io.h"

typedef struct children {
    pid_t *pid;
    size_t n, cap;
} children;

static void child_main(int fd) {
    signal(SIGPIPE, SIG_IGN);
    if (fd > 3)
        close_range(3, (unsigned)fd - 1, 0);
    close_range((unsigned)fd + 1, ~0u, 0);
    hx_io_conn c = {.fd = fd};                              /* on the stack: no malloc after fork */
    while (hx_io_echo(&c, SIZE_MAX, true) != HX_IO_CLOSE) { /* recv/send block inside */
    }
    _exit(0);
}

static void reap(children *ch, bool wait_all) {
    size_t kept = 0;
    for (size_t i = 0; i < ch->n; i++) {
        pid_t r = waitpid(ch->pid[i], NULL, wait_all ? 0 : WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR && !wait_all))
            ch->pid[kept++] = ch->pid[i]; /* still running */
    }
    ch->n = kept;
}

static void wake(hx_io_server *s) {
    shutdown(s->listen_fd, SHUT_RDWR);
}

static int run(hx_io_server *s) {
    children ch = {0};
    while (!hx_io_stopping(s)) {
        int fd = hx_io_accept(s, false); /* blocks here */
        if (fd < 0)
            continue;
        if (ch.n == ch.cap) {
            size_t cap = ch.cap ? 2 * ch.cap : 64;
            pid_t *p = realloc(ch.pid, cap * sizeof *p);
            if (!p) {
                atomic_fetch_add(&s->refused, 1);
                close(fd);
                continue;
            }
            ch.pid = p;
            ch.cap = cap;
        }
        pid_t pid = fork();
        if (pid == 0)
            child_main(fd);
        close(fd); /* the child has its own copy */
        if (pid < 0)
            atomic_fetch_add(&s->refused, 1);
        else
            ch.pid[ch.n++] = pid;
        reap(&ch, false);
    }
    for (size_t i = 0; i < ch.n; i++)
        kill(ch.pid[i], SIGKILL);
    reap(&ch, true);
    free(ch.pid);
    return HX_OK;
}

const hx_io_model hx_io_model_blocking_fork = {
    .name = "blocking-fork",
    .summary = "blocking sockets, one process per connection (fork)",
    .run = run,
    .wake = wake,
};
