/*
 * model_io_uring.c - completion-based asynchronous IO with io_uring (through liburing).
 *
 *   one thread:
 *     put requests in the submission ring: ACCEPT, RECV(conn), SEND(conn), POLL(stop)
 *     io_uring_submit_and_wait()  <- one system call submits all and blocks for a completion
 *     for each completion: the result of the operation (bytes, new fd, error) -> next request
 *
 * The difference from epoll: epoll says "you may read now" and we still make the recv call;
 * io_uring is told "read into this buffer" and reports "done, n bytes".  Requests and
 * completions travel through rings shared with the kernel, so many operations cost one system
 * call.  Each connection has exactly one request in flight (a recv or a send of what is still
 * pending), so its buffer is never touched by two operations at once.
 */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "internal.h"

#define RING_ENTRIES 1024
#define TAG_ACCEPT   ((uint64_t)1) /* user_data of the accept and stop requests; connections */
#define TAG_STOP     ((uint64_t)2) /* use their (aligned, so never 1 or 2) address */

static _Thread_local unsigned
    in_flight;                      /* requests submitted and not completed (this thread only) */
static _Thread_local bool draining; /* stopping: complete what is in flight, queue nothing */

static struct io_uring_sqe *get_sqe(struct io_uring *ring) {
    if (draining)
        return NULL;
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (!sqe) { /* submission ring full: hand the batch to the kernel, then there is room */
        io_uring_submit(ring);
        sqe = io_uring_get_sqe(ring);
    }
    if (sqe)
        in_flight++;
    return sqe;
}

static bool queue_accept(struct io_uring *ring, int listen_fd) {
    struct io_uring_sqe *sqe = get_sqe(ring);
    if (!sqe)
        return false;
    io_uring_prep_accept(sqe, listen_fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, TAG_ACCEPT);
    return true;
}

/* The one request of a connection: send what is pending, else receive more. */
static bool queue_io(struct io_uring *ring, hx_io_conn *c) {
    struct io_uring_sqe *sqe = get_sqe(ring);
    if (!sqe)
        return false;
    if (c->start < c->end)
        io_uring_prep_send(sqe, c->fd, c->buf + c->start, c->end - c->start, MSG_NOSIGNAL);
    else
        io_uring_prep_recv(sqe, c->fd, c->buf, sizeof c->buf, 0);
    io_uring_sqe_set_data(sqe, c);
    return true;
}

static void on_accept(hx_io_server *s, struct io_uring *ring, hx_io_fdmap *conns, int res) {
    if (res == -EMFILE || res == -ENFILE) {
        /* Out of descriptors: shed what waits through the reserve descriptor (conn.c), and
         * pause when nothing did, so a failing accept is not resubmitted in a tight loop. */
        bool shed = false;
        while (!draining && hx_io_shed(s, s->listen_fd))
            shed = true;
        if (!shed)
            usleep(10 * 1000);
    }
    if (res >= 0 && draining) {
        close(res);
    } else if (res >= 0) {
        int one = 1;
        setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        hx_io_count_accept(s, 0);
        hx_io_conn *c = hx_io_conn_new(res);
        if (!c || hx_io_fdmap_put(conns, c) != 0 || !queue_io(ring, c)) {
            hx_io_refuse(s, conns, c, res);
        }
    }
    if (!draining)
        queue_accept(ring, s->listen_fd); /* one accept in flight at all times */
}

static void on_io(struct io_uring *ring, hx_io_fdmap *conns, hx_io_conn *c, int res) {
    bool was_send = c->start < c->end;
    if (res <= 0) { /* 0: the client closed; < 0: -ECONNRESET, -EPIPE ... */
        hx_io_fdmap_del(conns, c->fd);
        hx_io_conn_close(c);
        return;
    }
    if (was_send) {
        c->start += (size_t)res; /* a short send leaves the rest pending */
        if (c->start == c->end)
            c->start = c->end = 0;
    } else {
        c->end = (size_t)res;
    }
    if (!queue_io(ring, c)) {
        hx_io_fdmap_del(conns, c->fd);
        hx_io_conn_close(c);
    }
}

/* Submit what is queued, wait for at least one completion, handle every completion there is. */
static int reap(hx_io_server *s, struct io_uring *ring, hx_io_fdmap *conns) {
    struct __kernel_timespec tick = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
    struct io_uring_cqe *cqe;
    int rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, draining ? &tick : NULL, NULL);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME)
        return hx_fail(HX_ERR_RUNTIME, "io_uring_submit_and_wait: %s", strerror(-rc));
    unsigned head, seen = 0;
    io_uring_for_each_cqe(ring, head, cqe) {
        uint64_t tag = io_uring_cqe_get_data64(cqe);
        in_flight--;
        if (tag == TAG_ACCEPT)
            on_accept(s, ring, conns, cqe->res);
        else if (tag != TAG_STOP)
            on_io(ring, conns, io_uring_cqe_get_data(cqe), cqe->res);
        seen++;
    }
    io_uring_cq_advance(ring, seen);
    return HX_OK;
}

static int run(hx_io_server *s) {
    struct io_uring ring;
    /* Only this thread touches the ring, and completions are only needed when it asks for them
     * (io_uring_enter with GETEVENTS): no interrupting the thread to run completion work. */
    int rc = io_uring_queue_init(RING_ENTRIES, &ring,
                                 IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
    if (rc == -EINVAL) /* kernels before 6.1 */
        rc = io_uring_queue_init(RING_ENTRIES, &ring, 0);
    if (rc < 0)
        return hx_fail(HX_ERR_MISSING,
                       "io_uring is not available here: %s (kernel >= 5.6 "
                       "with io_uring enabled is needed)",
                       strerror(-rc));
    hx_io_fdmap conns = {0};
    struct io_uring_sqe *sqe = get_sqe(&ring);
    io_uring_prep_poll_add(sqe, s->stop_fd, POLLIN);
    io_uring_sqe_set_data64(sqe, TAG_STOP);
    queue_accept(&ring, s->listen_fd);
    int status = HX_OK;
    while (!hx_io_stopping(s) && status == HX_OK)
        status = reap(s, &ring, &conns);
    /* Stop: end every request in flight (shutdown wakes the pending accept and recvs) and
     * collect its completion, so the kernel holds no pointer into a buffer we free. */
    draining = true;
    shutdown(s->listen_fd, SHUT_RDWR);
    for (size_t fd = 0; fd < conns.cap; fd++)
        if (conns.at[fd])
            shutdown((int)fd, SHUT_RDWR);
    for (int round = 0; in_flight > 0 && round < 100; round++) /* at most ~10 s */
        (void)reap(s, &ring, &conns);
    io_uring_queue_exit(&ring);
    hx_io_fdmap_close_all(&conns);
    in_flight = 0;
    draining = false;
    return status;
}

static void *probe_ring(void *arg) {
    struct io_uring ring;
    int *rc = arg;
    *rc = io_uring_queue_init(2, &ring, 0);
    if (*rc == 0)
        io_uring_queue_exit(&ring);
    return NULL;
}

/* Try a ring on a thread of its own: tearing a ring down may queue kernel work to the thread
 * that owned it, which interrupts that thread's next blocking call (EINTR) - not the caller's
 * business. */
static int probe(void) {
    int rc = -ENOSYS;
    pthread_t t;
    if (pthread_create(&t, NULL, probe_ring, &rc) != 0)
        return hx_fail(HX_ERR_RUNTIME, "io_uring: cannot start a probe thread");
    pthread_join(t, NULL);
    if (rc < 0)
        return hx_fail(HX_ERR_MISSING,
                       "io_uring is not available here: %s (kernel >= 5.6 "
                       "with io_uring enabled is needed)",
                       strerror(-rc));
    return HX_OK;
}

const hx_io_model hx_io_model_io_uring = {
    .name = "io_uring",
    .summary = "io_uring: submit recv/send requests, reap their completions (liburing)",
    .run = run,
    .probe = probe,
};
