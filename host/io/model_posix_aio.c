/*
 * model_posix_aio.c - asynchronous IO with POSIX aio_read()/aio_write().
 *
 *   main thread:   aio_read(conn)      returns at once: the request is queued
 *                  poll(listen, completions eventfd, stop)  <- blocks here
 *   glibc thread:  read(conn)          <- blocks, inside the C library, on our behalf
 *   new thread:    our SIGEV_THREAD notify function: queue the conn, poke the eventfd
 *                  (glibc starts a fresh thread for every SIGEV_THREAD notification)
 *   main thread:   aio_return() -> aio_write() the bytes back -> ... -> aio_read() again
 *
 * Asynchronous in interface, not in the kernel: glibc implements POSIX AIO in user space with
 * a pool of threads that make ordinary blocking calls (and it serialises the requests of one
 * descriptor).  A pending aio_read on an idle socket therefore holds a whole thread, so this
 * model scales like thread-per-connection with extra queueing on top.  The pool is sized with
 * aio_init() to a thread per connection we may hold, or idle connections would starve busy
 * ones.  The sockets stay blocking: the glibc threads are the ones that wait.
 * On stop, shutdown() of every socket ends the pending reads, and we wait for every request
 * to complete before freeing anything a glibc thread might still write to.
 */
#include <aio.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define AIO_THREADS 4096 /* at most this many requests run at once (one per connection) */

typedef struct aio_conn {
    hx_io_conn conn; /* first, so hx_io_conn_close(&a->conn) frees the whole aio_conn */
    struct aiocb cb;
    bool writing;
    struct aio_conn *done_next;
    struct aio_state *st;
} aio_conn;

typedef struct aio_state {
    pthread_mutex_t lock;
    aio_conn *done; /* completed requests, pushed by glibc's notify threads */
    int done_fd;    /* eventfd poked after each push */
    unsigned in_flight;
} aio_state;

static void completed(union sigval v) { /* runs on a glibc helper thread */
    aio_conn *a = v.sival_ptr;
    aio_state *st = a->st;
    pthread_mutex_lock(&st->lock);
    a->done_next = st->done;
    st->done = a;
    uint64_t one = 1;
    if (write(st->done_fd, &one, sizeof one) < 0) {
        /* an eventfd counter cannot overflow here */
    }
    pthread_mutex_unlock(&st->lock);
}

static int submit(aio_conn *a, bool writing) {
    memset(&a->cb, 0, sizeof a->cb);
    a->cb.aio_fildes = a->conn.fd;
    a->cb.aio_buf = writing ? a->conn.buf + a->conn.start : a->conn.buf;
    a->cb.aio_nbytes = writing ? a->conn.end - a->conn.start : sizeof a->conn.buf;
    a->cb.aio_sigevent.sigev_notify = SIGEV_THREAD;
    a->cb.aio_sigevent.sigev_notify_function = completed;
    a->cb.aio_sigevent.sigev_value.sival_ptr = a;
    a->writing = writing;
    int rc = writing ? aio_write(&a->cb) : aio_read(&a->cb); /* returns at once */
    if (rc == 0) {
        pthread_mutex_lock(&a->st->lock);
        a->st->in_flight++;
        pthread_mutex_unlock(&a->st->lock);
    }
    return rc;
}

/* A request finished: decide the next one.  false when the connection is done. */
static bool advance(aio_conn *a, bool stopping) {
    ssize_t n = aio_return(&a->cb);
    if (n <= 0 || stopping)
        return false; /* EOF, reset, or shutting down */
    if (a->writing) {
        a->conn.start += (size_t)n;
    } else {
        a->conn.start = 0;
        a->conn.end = (size_t)n;
    }
    bool more = a->conn.start < a->conn.end; /* a partial write resubmits the rest */
    return submit(a, more) == 0;
}

static void init_pool(void) {
    struct aioinit init = {.aio_threads = AIO_THREADS, .aio_num = AIO_THREADS, .aio_idle_time = 1};
    aio_init(&init);
}

static void drain(aio_state *st, hx_io_fdmap *conns, bool stopping) {
    uint64_t count;
    if (read(st->done_fd, &count, sizeof count) < 0) {
        /* EAGAIN: nothing new */
    }
    pthread_mutex_lock(&st->lock);
    aio_conn *list = st->done;
    st->done = NULL;
    pthread_mutex_unlock(&st->lock);
    while (list) {
        aio_conn *a = list;
        list = a->done_next;
        pthread_mutex_lock(&st->lock);
        st->in_flight--;
        pthread_mutex_unlock(&st->lock);
        if (!advance(a, stopping)) {
            hx_io_fdmap_del(conns, a->conn.fd);
            hx_io_conn_close(&a->conn);
        }
    }
}

static int run(hx_io_server *s) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_pool);
    aio_state st = {.done = NULL, .in_flight = 0};
    st.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (st.done_fd < 0 || hx_io_set_nonblocking(s->listen_fd, true) != 0)
        return hx_fail(HX_ERR_RUNTIME, "posix-aio: setup failed: %s", strerror(errno));
    pthread_mutex_init(&st.lock, NULL);
    hx_io_fdmap conns = {0};
    while (!hx_io_stopping(s)) {
        struct pollfd pfd[3] = {{.fd = s->listen_fd, .events = POLLIN},
                                {.fd = st.done_fd, .events = POLLIN},
                                {.fd = s->stop_fd, .events = POLLIN}};
        if (poll(pfd, 3, -1) < 0) /* blocks here */
            continue;
        if (pfd[1].revents)
            drain(&st, &conns, false);
        int fd;
        while (pfd[0].revents && (fd = hx_io_accept(s, false)) >= 0) {
            aio_conn *a = calloc(1, sizeof *a);
            if (!a || (a->conn.fd = fd, a->st = &st, hx_io_fdmap_put(&conns, &a->conn)) != 0) {
                free(a);
                close(fd);
                atomic_fetch_add(&s->count->refused, 1);
                continue;
            }
            if (submit(a, false) != 0) {
                hx_io_fdmap_del(&conns, fd);
                hx_io_conn_close(&a->conn);
                atomic_fetch_add(&s->count->refused, 1);
            }
        }
    }
    /* Stop: end every pending read/write, then wait until no glibc thread holds our memory. */
    for (size_t fd = 0; fd < conns.cap; fd++)
        if (conns.at[fd])
            shutdown((int)fd, SHUT_RDWR);
    for (;;) {
        pthread_mutex_lock(&st.lock);
        unsigned left = st.in_flight;
        pthread_mutex_unlock(&st.lock);
        if (left == 0)
            break;
        struct pollfd pfd = {.fd = st.done_fd, .events = POLLIN};
        (void)poll(&pfd, 1, 100);
        drain(&st, &conns, true);
    }
    hx_io_fdmap_close_all(&conns);
    close(st.done_fd);
    pthread_mutex_destroy(&st.lock);
    return HX_OK;
}

static int probe(void) {
#if defined(__SANITIZE_THREAD__)
    /* ThreadSanitizer cannot see the threads glibc creates inside the C library, and the
     * notify function would run on one of them: refuse rather than crash. */
    return hx_fail(HX_ERR_MISSING, "posix-aio cannot run under ThreadSanitizer: glibc runs "
                                   "AIO completions on threads it creates internally");
#else
    return HX_OK;
#endif
}

const hx_io_model hx_io_model_posix_aio = {
    .name = "posix-aio",
    .summary = "POSIX aio_read/aio_write with completion callbacks (glibc: a thread pool)",
    .run = run,
    .probe = probe,
};
