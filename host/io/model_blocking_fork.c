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
#include "internal.h"

typedef struct children {
    pthread_mutex_t lock; /* the bench reads the list (children()) while run() changes it */
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
    pthread_mutex_lock(&ch->lock);
    size_t kept = 0;
    for (size_t i = 0; i < ch->n; i++) {
        pid_t r = waitpid(ch->pid[i], NULL, wait_all ? 0 : WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR && !wait_all))
            ch->pid[kept++] = ch->pid[i]; /* still running */
    }
    ch->n = kept;
    pthread_mutex_unlock(&ch->lock);
}

/* Room for one more child; false when out of memory. */
static bool make_room(children *ch) {
    pthread_mutex_lock(&ch->lock);
    bool ok = true;
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? 2 * ch->cap : 64;
        pid_t *p = realloc(ch->pid, cap * sizeof *p);
        if (p) {
            ch->pid = p;
            ch->cap = cap;
        }
        ok = p != NULL;
    }
    pthread_mutex_unlock(&ch->lock);
    return ok;
}

static void add_child(children *ch, pid_t pid) {
    pthread_mutex_lock(&ch->lock);
    ch->pid[ch->n++] = pid;
    pthread_mutex_unlock(&ch->lock);
}

static size_t list_children(hx_io_server *s, pid_t *out, size_t cap) {
    children *ch = s->state;
    pthread_mutex_lock(&ch->lock);
    size_t n = ch->n < cap ? ch->n : cap;
    if (n)
        memcpy(out, ch->pid, n * sizeof *out);
    pthread_mutex_unlock(&ch->lock);
    return n;
}

static int prepare(hx_io_server *s) {
    children *ch = calloc(1, sizeof *ch);
    if (!ch)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    pthread_mutex_init(&ch->lock, NULL);
    s->state = ch;
    return HX_OK;
}

static void release(hx_io_server *s) {
    children *ch = s->state;
    pthread_mutex_destroy(&ch->lock);
    free(ch->pid);
    free(ch);
    s->state = NULL;
}

static void wake(hx_io_server *s) {
    shutdown(s->listen_fd, SHUT_RDWR);
}

static int run(hx_io_server *s) {
    children *ch = s->state;
    while (!hx_io_stopping(s)) {
        int fd = hx_io_accept(s, false); /* blocks here */
        if (fd < 0)
            continue;
        if (!make_room(ch)) {
            atomic_fetch_add(&s->count->refused, 1);
            close(fd);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0)
            child_main(fd);
        close(fd); /* the child has its own copy */
        if (pid < 0)
            atomic_fetch_add(&s->count->refused, 1);
        else
            add_child(ch, pid);
        reap(ch, false);
    }
    pthread_mutex_lock(&ch->lock);
    for (size_t i = 0; i < ch->n; i++)
        kill(ch->pid[i], SIGKILL);
    pthread_mutex_unlock(&ch->lock);
    reap(ch, true);
    return HX_OK;
}

const hx_io_model hx_io_model_blocking_fork = {
    .name = "blocking-fork",
    .summary = "blocking sockets, one process per connection (fork)",
    .processes = true,
    .run = run,
    .wake = wake,
    .prepare = prepare,
    .release = release,
    .children = list_children,
};
