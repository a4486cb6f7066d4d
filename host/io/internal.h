/*
 * internal.h - how an IO model is written, and what the models share (private to host/io/).
 *
 * Every model is a file host/io/model_NAME.c that defines one hx_io_model: a name, a one-line
 * summary and a run() function that serves the listening socket until the server is asked to
 * stop.  server.c owns the parts every model needs the same way: the listening socket, the stop
 * signal (an eventfd that becomes readable, plus an atomic flag for loops that never sleep), the
 * reserve descriptor for running out of descriptors, the counters (in shared memory, so child
 * processes can count too), the thread that runs the model, and start/stop.  conn.c holds the
 * one echo routine every model uses, so partial reads and writes are handled in one place and
 * each model file shows only how it waits; epoll_loop.c is the edge-triggered loop that
 * epoll-et runs once and the one-loop-per-core models run per worker.
 */
#ifndef HETERO_IO_INTERNAL_H
#define HETERO_IO_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hetero/io/io.h"

typedef struct hx_io_model {
    const char *name;
    const char *summary;
    bool uses_workers; /* runs s->workers loops */
    bool processes;    /* serves in child processes */
    bool reuseport;    /* the listener is bound with SO_REUSEPORT (one per worker) */
    /* Serve s->listen_fd until hx_io_stopping(s); close every connection before returning.
     * HX_OK, or a status with hx_fail() recorded. */
    int (*run)(hx_io_server *s);
    /* Optional: unblock a run() that sleeps in a blocking call (accept, read). */
    void (*wake)(hx_io_server *s);
    /* Optional: HX_OK if the model can run here, else HX_ERR_MISSING with a message; asked
     * before the server starts, so a missing feature is reported at once. */
    int (*probe)(void);
    /* Optional: set up on the caller's thread before run() starts, so that everything a client
     * may connect to exists when start returns (the extra SO_REUSEPORT listeners). */
    int (*prepare)(hx_io_server *s);
    /* Optional: undo prepare (after run returned). */
    void (*release)(hx_io_server *s);
    /* Optional: the live child processes, at most cap. */
    size_t (*children)(hx_io_server *s, pid_t *out, size_t cap);
} hx_io_model;

/* Counters in a MAP_SHARED page: a child process's increments reach the parent. */
typedef struct hx_io_counters {
    atomic_uint_fast64_t refused, shed, rescans;
    atomic_uint_fast64_t per_worker[HX_IO_MAX_WORKERS];
} hx_io_counters;

struct hx_io_server {
    const hx_io_model *model;
    int listen_fd;
    int stop_fd; /* eventfd: readable once stop was requested */
    int port;
    unsigned workers;
    struct sockaddr_in *bound; /* the listener's address (the reuseport workers bind it too) */
    atomic_bool stopping;
    hx_io_counters *count;
    /* Out of descriptors: a descriptor kept open so that one can be freed to accept (and at
     * once close) a waiting connection; the lock keeps two threads from using it at once. */
    int reserve_fd;
    pthread_mutex_t reserve_lock;
    pthread_t thread;
    atomic_bool finished; /* run() returned (on its own: an error) */
    int status;           /* what run() returned */
    char error[256];      /* its message */
    void *state;          /* model-private */
};

static inline bool hx_io_stopping(hx_io_server *s) {
    return atomic_load_explicit(&s->stopping, memory_order_acquire);
}

/* Bind a listening socket to s->bound (SO_REUSEADDR; SO_REUSEPORT when asked). */
int hx_io_listen(const struct sockaddr_in *sa, bool reuseport, int *fd_out);

/* ---- a ready list: connections with work to do, served round-robin --------------------------- */

typedef struct hx_io_qnode {
    struct hx_io_qnode *next;
    bool queued; /* on the list (pushing it again does nothing) */
} hx_io_qnode;

typedef struct hx_io_queue {
    hx_io_qnode *head, *tail;
} hx_io_queue;

static inline void hx_io_queue_push(hx_io_queue *q, hx_io_qnode *n) {
    if (n->queued)
        return;
    n->queued = true;
    n->next = NULL;
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
}

static inline hx_io_qnode *hx_io_queue_pop(hx_io_queue *q) {
    hx_io_qnode *n = q->head;
    if (n) {
        q->head = n->next;
        if (!q->head)
            q->tail = NULL;
        n->queued = false;
    }
    return n;
}

/* The struct that holds the node `ptr` points to as its `member`. */
#define HX_IO_CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- the shared echo routine --------------------------------------------------------------- */

typedef struct hx_io_conn {
    int fd;
    size_t start, end;       /* buf[start, end) was read and is not yet written back */
    unsigned interest;       /* what the model last asked to wait for (model-defined) */
    struct hx_io_conn *next; /* free for the model's lists */
    struct hx_io_conn *prev;
    hx_io_qnode ready; /* a model's ready list */
    unsigned char buf[HX_IO_BUF];
} hx_io_conn;

typedef enum {
    HX_IO_WANT_READ,  /* everything read was echoed; the socket has nothing more now */
    HX_IO_WANT_WRITE, /* the socket's send buffer is full; wait until it is writable */
    HX_IO_YIELD,      /* the byte budget is spent; more may be ready (edge-triggered fairness) */
    HX_IO_CLOSE,      /* the peer closed or the connection failed: close it */
} hx_io_step;

/* Echo: write back what is pending, then read more, until the socket would block, the peer
 * closes, or `budget` bytes were read; with `level` (callers that will be told again while
 * data is waiting) also when a read comes back short, which means the socket is drained.  On a
 * blocking socket it blocks instead of returning WANT_WRITE; call it until HX_IO_CLOSE.  Never
 * raises SIGPIPE (MSG_NOSIGNAL). */
hx_io_step hx_io_echo(hx_io_conn *c, size_t budget, bool level);

/* Write back what is pending (no reading); HX_IO_WANT_READ once nothing is pending. */
hx_io_step hx_io_flush(hx_io_conn *c);
/* Count a send() that found the socket full. */
void hx_io_count_partial_write(void);

hx_io_conn *hx_io_conn_new(int fd);
/* Close the socket and free the connection. */
void hx_io_conn_close(hx_io_conn *c);

/* accept4 on the listening socket `lfd` for loop `worker`: a connected socket with TCP_NODELAY
 * on, non-blocking when asked; -1 when none is waiting (EAGAIN) or on an error that does not
 * stop the server.  Out of descriptors (EMFILE, ENFILE) it sheds: frees the reserve descriptor,
 * accepts the waiting connection and closes it at once, takes the reserve back, and goes on
 * until none is waiting - so the backlog never holds connections nobody will be told about
 * again (an edge-triggered loop would wait for an edge that never comes). */
int hx_io_accept_on(hx_io_server *s, int lfd, unsigned worker, bool nonblocking);
/* The same on s->listen_fd for loop 0. */
int hx_io_accept(hx_io_server *s, bool nonblocking);
/* Shed one waiting connection through the reserve descriptor (EMFILE from elsewhere, e.g. an
 * io_uring accept); false when none was waiting. */
bool hx_io_shed(hx_io_server *s, int lfd);
/* Count a connection accepted by other means (io_uring) for loop `worker`. */
void hx_io_count_accept(hx_io_server *s, unsigned worker);
int hx_io_set_nonblocking(int fd, bool on);

/* A table of connections indexed by fd, for the models that look connections up by fd. */
typedef struct hx_io_fdmap {
    hx_io_conn **at;
    size_t cap;
    size_t count;
} hx_io_fdmap;
int hx_io_fdmap_put(hx_io_fdmap *m, hx_io_conn *c);
hx_io_conn *hx_io_fdmap_get(const hx_io_fdmap *m, int fd);
void hx_io_fdmap_del(hx_io_fdmap *m, int fd);
/* Close every connection in the map and free it. */
void hx_io_fdmap_close_all(hx_io_fdmap *m);
/* A connection that could not be set up (no memory, epoll_ctl failed): take it out of m (if
 * given), close it (c may be NULL: then just fd) and count it as refused. */
void hx_io_refuse(hx_io_server *s, hx_io_fdmap *m, hx_io_conn *c, int fd);

/* ---- the edge-triggered epoll loop ----------------------------------------------------------- */

/* Serve listener `lfd` as loop `worker` until stop: epoll with EPOLLET on every connection, a
 * byte budget per turn and a ready list (epoll_loop.c explains it).  listen_events: how the
 * listener is watched - EPOLLIN|EPOLLET for a loop of its own, EPOLLIN|EPOLLEXCLUSIVE when
 * several loops share it.  ep: an epoll instance made beforehand (it is closed at the end), or
 * -1 to make one. */
int hx_io_epoll_serve(hx_io_server *s, int ep, int lfd, unsigned worker, unsigned listen_events);

/* ---- the load generator's and the idle connections' shared parts ------------------------------
 */

/* Connect to a loopback address (10 s bound), TCP_NODELAY on, the descriptor moved to >=
 * high_base when that is > 0 (keeping an in-process server's fd numbers low). */
int hx_io_connect(const struct sockaddr_in *sa, int high_base, int *out);
/* Parse a loopback IPv4 address and a port into *sa; HX_ERR_USAGE otherwise. */
int hx_io_loopback(const char *host, int port, struct sockaddr_in *sa);

/* ---- coroutines ------------------------------------------------------------------------------ */

/* A stackful coroutine: its own stack, switched to and from with a few instructions (x86-64;
 * glibc's swapcontext elsewhere).  coro.c explains the switch and the sanitizer hand-offs. */
typedef struct hx_io_coro hx_io_coro;

/* A coroutine that will run fn(arg) on a stack of stack_bytes; NULL when out of memory. */
hx_io_coro *hx_io_coro_new(size_t stack_bytes, void (*fn)(void *), void *arg);
/* Switch into co until it yields or finishes; true while it has not finished. */
bool hx_io_coro_resume(hx_io_coro *co);
/* From inside a coroutine: switch back to whoever resumed it. */
void hx_io_coro_yield(void);
/* Free co (its stack is kept for reuse by this thread, up to a limit). */
void hx_io_coro_free(hx_io_coro *co);
/* Release the stacks this thread keeps for reuse (before the thread ends). */
void hx_io_coro_pool_drain(void);
/* The same coroutine, switched with glibc's swapcontext (for `hetero io switch`). */
hx_io_coro *hx_io_coro_new_ucontext(size_t stack_bytes, void (*fn)(void *), void *arg);
/* The switch used by this build: "x86-64 register switch" or "swapcontext". */
const char *hx_io_coro_method(void);

#endif
