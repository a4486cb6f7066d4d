/*
 * model_blocking_thread.c - blocking IO, one thread per connection.
 *
 *   acceptor thread:   accept()  <- blocks until a client connects
 *                         |  pthread_create
 *   connection thread: recv()    <- blocks until this client sends
 *                      send()    <- blocks while this client's socket buffer is full
 *
 * The simplest code there is: each thread reads like a sequential program.  The kernel
 * scheduler is the event loop.  The price: a stack and a kernel thread per connection, and a
 * context switch for every message.  On stop, the acceptor is woken by shutdown() of the
 * listening socket, and every connection by shutdown() of its socket (recv returns 0).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define CONN_STACK (256 * 1024) /* an echo loop needs little; 1000 threads x 8 MiB would not */

typedef struct registry {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when live drops to 0 */
    hx_io_conn head;     /* circular list of live connections */
    unsigned live;
} registry;

typedef struct conn_arg {
    registry *reg;
    hx_io_conn *conn;
} conn_arg;

static void *serve_connection(void *arg) {
    conn_arg a = *(conn_arg *)arg;
    free(arg);
    while (hx_io_echo(a.conn, SIZE_MAX, true) != HX_IO_CLOSE) { /* recv/send block inside */
    }
    pthread_mutex_lock(&a.reg->lock);
    a.conn->prev->next = a.conn->next;
    a.conn->next->prev = a.conn->prev;
    hx_io_conn_close(a.conn); /* under the lock: stop() never shuts down a reused fd */
    if (--a.reg->live == 0)
        pthread_cond_signal(&a.reg->idle);
    pthread_mutex_unlock(&a.reg->lock);
    return NULL;
}

static int spawn(registry *reg, pthread_attr_t *attr, int fd) {
    hx_io_conn *c = hx_io_conn_new(fd);
    conn_arg *a = malloc(sizeof *a);
    if (!c || !a) {
        free(a);
        free(c);
        return -1;
    }
    *a = (conn_arg){reg, c};
    pthread_mutex_lock(&reg->lock);
    c->next = reg->head.next;
    c->prev = &reg->head;
    reg->head.next->prev = c;
    reg->head.next = c;
    reg->live++;
    pthread_t t;
    int rc = pthread_create(&t, attr, serve_connection, a);
    if (rc != 0) {
        c->prev->next = c->next;
        c->next->prev = c->prev;
        reg->live--;
        free(a);
        free(c);
    }
    pthread_mutex_unlock(&reg->lock);
    return rc == 0 ? 0 : -1;
}

static void wake(hx_io_server *s) {
    shutdown(s->listen_fd, SHUT_RDWR);
}

static int run(hx_io_server *s) {
    registry reg = {.live = 0};
    pthread_mutex_init(&reg.lock, NULL);
    pthread_cond_init(&reg.idle, NULL);
    reg.head.next = reg.head.prev = &reg.head;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, CONN_STACK);

    while (!hx_io_stopping(s)) {
        int fd = hx_io_accept(s, false); /* blocks here */
        if (fd < 0)
            continue; /* EMFILE or the shutdown() of stop */
        if (spawn(&reg, &attr, fd) != 0) {
            atomic_fetch_add(&s->count->refused, 1);
            shutdown(fd, SHUT_RDWR);
            close(fd);
        }
    }
    /* Stop: wake every connection thread out of recv() and wait for all of them. */
    pthread_mutex_lock(&reg.lock);
    for (hx_io_conn *c = reg.head.next; c != &reg.head; c = c->next)
        shutdown(c->fd, SHUT_RDWR);
    while (reg.live > 0)
        pthread_cond_wait(&reg.idle, &reg.lock);
    pthread_mutex_unlock(&reg.lock);
    pthread_attr_destroy(&attr);
    pthread_cond_destroy(&reg.idle);
    pthread_mutex_destroy(&reg.lock);
    return HX_OK;
}

const hx_io_model hx_io_model_blocking_thread = {
    .name = "blocking-thread",
    .summary = "blocking sockets, one thread per connection",
    .run = run,
    .wake = wake,
};
