/*
 * ipc.c - six ways for two processes to talk, measured the same way (see ipc.h).
 *
 * A channel has two endpoints: `a` stays in this process, `b` goes to a forked child.  Every
 * transport implements the same two calls on an endpoint - send_msg(len bytes) and
 * recv_msg(len bytes) - so the latency and bandwidth schedules below are written once and read
 * the same for every transport.  Both sides know the whole schedule before the fork (sizes,
 * bursts, rounds), so no control messages are needed: the only extra traffic is the 8-byte echo
 * (latency) and the one-byte acknowledgement that ends each burst (bandwidth).
 *
 * Named objects (the shared memory object, the two message queues) are opened by name in the
 * child too, as two unrelated processes would rendezvous, and live while the transport is
 * measured: they can be seen in /dev/shm and /dev/mqueue meanwhile.  They are listed with the
 * cleanup guard before they are created (cleanup.h) and unlinked when the transport is done.
 *
 * A peer that dies must not hang the other side: pipes and sockets then report EOF or EPIPE
 * (SIGPIPE is ignored while a transport runs, MSG_NOSIGNAL on sockets), and the two waits that
 * would not notice - a futex and a message queue - wait in slices of 200 ms and check whether
 * the peer is still there.
 */
#include "hetero/conc/ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "internal.h"

const char *const hx_ipc_names[] = {"pipe",   "unix-stream", "unix-dgram", "shm-futex",
                                    "mqueue", "tcp",         NULL};

#define LATENCY_BYTES 8
#define DGRAM_CHUNK   (64u << 10)
#define SHM_SPIN      200
#define WAIT_SLICE_NS (200 * 1000 * 1000L)
#define ACK_OK        1
#define ACK_BAD       0

/* One direction of the shared memory transport: a buffer and the word that says whose turn it
 * is (0: empty, the sender may write; 1: full, the receiver may read). */
typedef struct shm_dir {
    _Atomic uint32_t full;
    uint32_t pad;
    uint64_t len;
    unsigned char data[];
} shm_dir;

typedef struct endpoint {
    hx_ipc_kind kind;
    int rfd, wfd;           /* pipe, sockets (rfd == wfd for sockets) */
    mqd_t rq, wq;           /* mqueue */
    shm_dir *in, *out;      /* shm-futex */
    size_t chunk;           /* dgram / mqueue: largest piece per send */
    unsigned char *scratch; /* mqueue: a receive buffer of the queue's message size */
    pid_t peer;             /* the child, seen from the parent; 0 in the child */
} endpoint;

typedef struct channel {
    hx_ipc_kind kind;
    endpoint a, b;
    void *shm;
    size_t shm_len, shm_out_cap;
    char shm_name[HX_CONC_NAME_LEN];
    char mq_name[2][HX_CONC_NAME_LEN];
    long mq_msgsize, mq_maxmsg;
} channel;

/* ---- waiting for a peer that may have died ----------------------------------------------------
 */

static bool peer_gone(const endpoint *e) {
    if (e->peer <= 0)
        return getppid() == 1; /* the child: the parent is gone (PDEATHSIG normally acts first) */
    siginfo_t info;
    memset(&info, 0, sizeof info);
    return waitid(P_PID, (id_t)e->peer, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid != 0;
}

static long futex_op(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *t) {
    return syscall(SYS_futex, (uint32_t *)word, op, val, t, NULL, 0);
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Wait until *word == want: spin a little (the peer is often already running), then sleep in
 * the kernel. */
static int futex_wait_for(const endpoint *e, _Atomic uint32_t *word, uint32_t want) {
    for (int i = 0; i < SHM_SPIN; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) == want)
            return 0;
        cpu_relax();
    }
    const struct timespec slice = {0, WAIT_SLICE_NS};
    uint32_t v;
    while ((v = atomic_load_explicit(word, memory_order_acquire)) != want) {
        if (futex_op(word, FUTEX_WAIT, v, &slice) != 0 && errno == ETIMEDOUT && peer_gone(e)) {
            errno = EPIPE;
            return -1;
        }
    }
    return 0;
}

static void futex_set(_Atomic uint32_t *word, uint32_t v) {
    atomic_store_explicit(word, v, memory_order_release);
    futex_op(word, FUTEX_WAKE, 1, NULL);
}

/* ---- send and receive one message -------------------------------------------------------------
 */

static int write_all(int fd, const unsigned char *p, size_t len, bool socket) {
    while (len > 0) {
        ssize_t n = socket ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, unsigned char *p, size_t len) {
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EPIPE;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int mq_send_piece(const endpoint *e, const unsigned char *p, size_t len) {
    for (;;) {
        struct timespec t;
        hx_deadline_in(CLOCK_REALTIME, WAIT_SLICE_NS, &t); /* mq_timed* */
        if (mq_timedsend(e->wq, (const char *)p, len, 0, &t) == 0)
            return 0;
        if (errno == EINTR || (errno == ETIMEDOUT && !peer_gone(e)))
            continue;
        return -1;
    }
}

static ssize_t mq_receive_piece(const endpoint *e, unsigned char *p, size_t cap) {
    for (;;) {
        struct timespec t;
        hx_deadline_in(CLOCK_REALTIME, WAIT_SLICE_NS, &t); /* mq_timed* */
        ssize_t n = mq_timedreceive(e->rq, (char *)p, cap, NULL, &t);
        if (n >= 0)
            return n;
        if (errno == EINTR || (errno == ETIMEDOUT && !peer_gone(e)))
            continue;
        return -1;
    }
}

static int send_msg(const endpoint *e, const unsigned char *p, size_t len) {
    switch (e->kind) {
    case HX_IPC_PIPE:
        return write_all(e->wfd, p, len, false);
    case HX_IPC_UNIX_STREAM:
    case HX_IPC_TCP:
        return write_all(e->wfd, p, len, true);
    case HX_IPC_UNIX_DGRAM:
        for (size_t off = 0; off < len;) {
            size_t piece = len - off < e->chunk ? len - off : e->chunk;
            ssize_t n = send(e->wfd, p + off, piece, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n != (ssize_t)piece)
                return -1;
            off += piece;
        }
        return 0;
    case HX_IPC_MQUEUE:
        for (size_t off = 0; off < len; off += e->chunk)
            if (mq_send_piece(e, p + off, len - off < e->chunk ? len - off : e->chunk) != 0)
                return -1;
        return 0;
    case HX_IPC_SHM_FUTEX:
        if (futex_wait_for(e, &e->out->full, 0) != 0)
            return -1;
        memcpy(e->out->data, p, len);
        e->out->len = len;
        futex_set(&e->out->full, 1);
        return 0;
    case HX_IPC_COUNT:
        break;
    }
    errno = EINVAL;
    return -1;
}

static int recv_msg(const endpoint *e, unsigned char *p, size_t len) {
    switch (e->kind) {
    case HX_IPC_PIPE:
    case HX_IPC_UNIX_STREAM:
    case HX_IPC_TCP:
        return read_all(e->rfd, p, len);
    case HX_IPC_UNIX_DGRAM:
        for (size_t off = 0; off < len;) {
            size_t piece = len - off < e->chunk ? len - off : e->chunk;
            ssize_t n = recv(e->rfd, p + off, piece, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n != (ssize_t)piece) {
                errno = n < 0 ? errno : EPROTO;
                return -1;
            }
            off += piece;
        }
        return 0;
    case HX_IPC_MQUEUE:
        for (size_t off = 0; off < len;) {
            size_t piece = len - off < e->chunk ? len - off : e->chunk;
            /* mq_receive wants room for a whole message of the queue's size */
            bool direct = piece == e->chunk;
            ssize_t n = mq_receive_piece(e, direct ? p + off : e->scratch, e->chunk);
            if (n != (ssize_t)piece) {
                errno = n < 0 ? errno : EPROTO;
                return -1;
            }
            if (!direct)
                memcpy(p + off, e->scratch, piece);
            off += piece;
        }
        return 0;
    case HX_IPC_SHM_FUTEX:
        if (futex_wait_for(e, &e->in->full, 1) != 0)
            return -1;
        if (e->in->len != len) {
            errno = EPROTO;
            return -1;
        }
        memcpy(p, e->in->data, len);
        futex_set(&e->in->full, 0);
        return 0;
    case HX_IPC_COUNT:
        break;
    }
    errno = EINVAL;
    return -1;
}

/* ---- opening a channel ------------------------------------------------------------------------
 */

static void endpoint_init(endpoint *e, hx_ipc_kind kind) {
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->rfd = e->wfd = -1;
    e->rq = e->wq = (mqd_t)-1;
}

static long read_proc_long(const char *path, long fallback) {
    FILE *f = fopen(path, "r");
    long v = fallback;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = fallback;
        fclose(f);
    }
    return v;
}

static int open_pipes(channel *c) {
    int ab[2], ba[2];
    if (pipe(ab) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    if (pipe(ba) != 0) {
        close(ab[0]);
        close(ab[1]);
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    }
    c->a.wfd = ab[1];
    c->b.rfd = ab[0];
    c->b.wfd = ba[1];
    c->a.rfd = ba[0];
    return HX_OK;
}

static int open_socketpair(channel *c, int type) {
    int sv[2];
    if (socketpair(AF_UNIX, type, 0, sv) != 0)
        return hx_fail(HX_ERR_RUNTIME, "socketpair: %s", strerror(errno));
    c->a.rfd = c->a.wfd = sv[0];
    c->b.rfd = c->b.wfd = sv[1];
    if (type == SOCK_DGRAM) {
        /* room for a few whole datagrams in flight; the kernel caps it at wmem_max */
        int bytes = 4 * DGRAM_CHUNK;
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
        setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
        c->a.chunk = c->b.chunk = DGRAM_CHUNK;
    }
    return HX_OK;
}

static int open_tcp(channel *c) {
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        return hx_fail(HX_ERR_RUNTIME, "socket: %s", strerror(errno));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    int cfd = -1, sfd = -1;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0)
        goto fail;
    cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof addr) != 0)
        goto fail;
    sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (sfd < 0)
        goto fail;
    close(lfd);
    int one = 1;
    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->a.rfd = c->a.wfd = cfd;
    c->b.rfd = c->b.wfd = sfd;
    return HX_OK;
fail:;
    int err = errno;
    close(lfd);
    if (cfd >= 0)
        close(cfd);
    return hx_fail(HX_ERR_RUNTIME, "TCP loopback setup: %s", strerror(err));
}

static size_t align64(size_t n) {
    return (n + 63) & ~(size_t)63;
}

/* Map the object by name: [a->b header + out_cap bytes][b->a header + LATENCY_BYTES]. */
static int map_shm(channel *c, endpoint *e, bool create) {
    int fd = shm_open(c->shm_name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
    if (fd < 0)
        return hx_fail(HX_ERR_RUNTIME, "shm_open %s: %s", c->shm_name, strerror(errno));
    if (create && ftruncate(fd, (off_t)c->shm_len) != 0) {
        int err = errno;
        close(fd);
        return hx_fail(HX_ERR_RUNTIME, "ftruncate %s: %s", c->shm_name, strerror(err));
    }
    void *p = mmap(NULL, c->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (p == MAP_FAILED)
        return hx_fail(HX_ERR_RUNTIME, "mmap %s: %s", c->shm_name, strerror(err));
    shm_dir *ab = p;
    shm_dir *ba = (shm_dir *)((unsigned char *)p + align64(sizeof *ab + c->shm_out_cap));
    e->out = create ? ab : ba;
    e->in = create ? ba : ab;
    c->shm = p;
    return HX_OK;
}

static int open_shm(channel *c, size_t max_msg) {
    hx_conc_object_name("shm", c->shm_name, sizeof c->shm_name);
    c->shm_out_cap = max_msg;
    c->shm_len = align64(sizeof(shm_dir) + max_msg) + align64(sizeof(shm_dir) + LATENCY_BYTES);
    HX_TRY(hx_conc_track_name(HX_CONC_NAME_SHM, c->shm_name));
    int status = map_shm(c, &c->a, true); /* zero-filled: both directions empty */
    if (status != HX_OK) {
        shm_unlink(c->shm_name);
        hx_conc_untrack_name(c->shm_name);
        c->shm_name[0] = '\0';
    }
    return status;
}

static int open_mq(const channel *c, int which, int flags, mqd_t *q) {
    struct mq_attr attr = {.mq_maxmsg = c->mq_maxmsg, .mq_msgsize = c->mq_msgsize};
    *q = mq_open(c->mq_name[which], flags | O_CLOEXEC, 0600, (flags & O_CREAT) ? &attr : NULL);
    if (*q == (mqd_t)-1) {
        int code = errno == ENOSYS ? HX_ERR_MISSING : HX_ERR_RUNTIME;
        return hx_fail(code, "mq_open %s: %s", c->mq_name[which], strerror(errno));
    }
    return HX_OK;
}

static int open_mqueues(channel *c) {
    c->mq_msgsize = read_proc_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
    long maxmsg = read_proc_long("/proc/sys/fs/mqueue/msg_max", 10);
    c->mq_maxmsg = maxmsg < 10 ? maxmsg : 10;
    hx_conc_object_name("mq-ab", c->mq_name[0], sizeof c->mq_name[0]);
    hx_conc_object_name("mq-ba", c->mq_name[1], sizeof c->mq_name[1]);
    for (int i = 0; i < 2; i++)
        HX_TRY(hx_conc_track_name(HX_CONC_NAME_MQ, c->mq_name[i]));
    HX_TRY(open_mq(c, 0, O_CREAT | O_EXCL | O_WRONLY, &c->a.wq));
    HX_TRY(open_mq(c, 1, O_CREAT | O_EXCL | O_RDONLY, &c->a.rq));
    c->a.chunk = c->b.chunk = (size_t)c->mq_msgsize;
    c->a.scratch = malloc((size_t)c->mq_msgsize);
    if (!c->a.scratch)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    return HX_OK;
}

static int channel_open(channel *c, hx_ipc_kind kind, size_t max_msg) {
    memset(c, 0, sizeof *c);
    c->kind = kind;
    endpoint_init(&c->a, kind);
    endpoint_init(&c->b, kind);
    switch (kind) {
    case HX_IPC_PIPE:
        return open_pipes(c);
    case HX_IPC_UNIX_STREAM:
        return open_socketpair(c, SOCK_STREAM);
    case HX_IPC_UNIX_DGRAM:
        return open_socketpair(c, SOCK_DGRAM);
    case HX_IPC_SHM_FUTEX:
        return open_shm(c, max_msg);
    case HX_IPC_MQUEUE:
        return open_mqueues(c);
    case HX_IPC_TCP:
        return open_tcp(c);
    case HX_IPC_COUNT:
        break;
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: transport %d", (int)kind);
}

/* In the child: open the named objects by name (the parent's mappings and queue descriptors
 * are dropped first, so the child's endpoint is its own). */
static int child_attach(channel *c) {
    if (c->kind == HX_IPC_SHM_FUTEX) {
        munmap(c->shm, c->shm_len);
        return map_shm(c, &c->b, false);
    }
    if (c->kind == HX_IPC_MQUEUE) {
        mq_close(c->a.wq);
        mq_close(c->a.rq);
        c->b.scratch = c->a.scratch;
        HX_TRY(open_mq(c, 0, O_RDONLY, &c->b.rq));
        return open_mq(c, 1, O_WRONLY, &c->b.wq);
    }
    return HX_OK;
}

static void close_fd(int *fd) {
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void endpoint_close(endpoint *e) {
    if (e->rfd == e->wfd)
        e->wfd = -1;
    close_fd(&e->rfd);
    close_fd(&e->wfd);
}

static void channel_close(channel *c) {
    endpoint_close(&c->a);
    endpoint_close(&c->b);
    if (c->a.rq != (mqd_t)-1)
        mq_close(c->a.rq);
    if (c->a.wq != (mqd_t)-1)
        mq_close(c->a.wq);
    for (int i = 0; i < 2; i++)
        if (c->mq_name[i][0]) {
            mq_unlink(c->mq_name[i]);
            hx_conc_untrack_name(c->mq_name[i]);
        }
    free(c->a.scratch);
    if (c->shm)
        munmap(c->shm, c->shm_len);
    if (c->shm_name[0]) {
        shm_unlink(c->shm_name);
        hx_conc_untrack_name(c->shm_name);
    }
}

/* ---- the schedule -----------------------------------------------------------------------------
 */

typedef struct plan {
    unsigned rounds, samples;
    const uint64_t *sizes;
    size_t nsizes;
    const unsigned *burst;
    size_t max_msg;
} plan;

static unsigned char pattern_byte(size_t j, uint64_t size) {
    return (unsigned char)(j * 31u + size % 251u);
}

static void fill_pattern(unsigned char *buf, uint64_t size) {
    for (size_t j = 0; j < size; j++)
        buf[j] = pattern_byte(j, size);
}

/* The first and last 8 bytes of every message carry its number. */
static void stamp(unsigned char *buf, uint64_t size, uint64_t id) {
    memcpy(buf, &id, 8);
    memcpy(buf + size - 8, &id, 8);
}

static bool check_message(const unsigned char *got, const unsigned char *want, uint64_t size,
                          uint64_t id, bool whole) {
    uint64_t head, tail;
    memcpy(&head, got, 8);
    memcpy(&tail, got + size - 8, 8);
    if (head != id || tail != id)
        return false;
    return !whole || memcmp(got + 8, want + 8, size - 16) == 0;
}

/* The child's side: echo every latency message with its first byte plus one, receive every
 * burst and answer it with an acknowledgement.  Returns the exit code: 0 all checked, 1 a
 * mismatch, 2 a failed call. */
static int peer_side(const endpoint *e, const plan *p, unsigned char *buf, unsigned char *want) {
    bool good = true;
    for (unsigned s = 0; s <= p->samples; s++)
        for (unsigned r = 0; r < p->rounds; r++) {
            if (recv_msg(e, buf, LATENCY_BYTES) != 0)
                return 2;
            buf[0]++;
            if (send_msg(e, buf, LATENCY_BYTES) != 0)
                return 2;
        }
    for (size_t i = 0; i < p->nsizes; i++) {
        uint64_t size = p->sizes[i];
        fill_pattern(want, size);
        for (unsigned s = 0; s <= p->samples; s++) {
            bool burst_good = true;
            for (unsigned m = 0; m < p->burst[i]; m++) {
                if (recv_msg(e, buf, size) != 0)
                    return 2;
                uint64_t id = ((uint64_t)s << 32) | m;
                burst_good &= check_message(buf, want, size, id, m + 1 == p->burst[i]);
            }
            unsigned char ack = burst_good ? ACK_OK : ACK_BAD;
            good &= burst_good;
            if (send_msg(e, &ack, 1) != 0)
                return 2;
        }
    }
    return good ? 0 : 1;
}

static int io_error(const char *what, hx_ipc_kind kind) {
    return hx_fail(HX_ERR_RUNTIME, "ipc %s: %s failed: %s", hx_ipc_names[kind], what,
                   strerror(errno));
}

static int latency_side(const endpoint *e, const plan *p, unsigned char *buf, hx_ipc_result *out) {
    for (unsigned s = 0; s <= p->samples; s++) {
        double t0 = hx_now();
        for (unsigned r = 0; r < p->rounds; r++) {
            uint64_t v = ((uint64_t)s << 32) | (r * 2u);
            memcpy(buf, &v, LATENCY_BYTES);
            if (send_msg(e, buf, LATENCY_BYTES) != 0 || recv_msg(e, buf, LATENCY_BYTES) != 0)
                return io_error("latency echo", e->kind);
            uint64_t back;
            memcpy(&back, buf, 8);
            if (back != v + 1)
                out->verified = false;
        }
        if (s > 0)
            out->latency_us[s - 1] = (hx_now() - t0) / p->rounds / 2 * 1e6;
    }
    return HX_OK;
}

static int bandwidth_side(const endpoint *e, const plan *p, unsigned char *buf,
                          hx_ipc_result *out) {
    for (size_t i = 0; i < p->nsizes; i++) {
        uint64_t size = p->sizes[i];
        fill_pattern(buf, size);
        for (unsigned s = 0; s <= p->samples; s++) {
            double t0 = hx_now();
            for (unsigned m = 0; m < p->burst[i]; m++) {
                stamp(buf, size, ((uint64_t)s << 32) | m);
                if (send_msg(e, buf, size) != 0)
                    return io_error("send", e->kind);
            }
            unsigned char ack;
            if (recv_msg(e, &ack, 1) != 0)
                return io_error("acknowledgement", e->kind);
            double t = hx_now() - t0;
            if (ack != ACK_OK)
                out->verified = false;
            if (s > 0)
                out->bw_mbps[i * p->samples + s - 1] = (double)size * p->burst[i] / t / 1e6;
        }
    }
    return HX_OK;
}

static int run_channel(channel *c, const plan *p, hx_ipc_result *out) {
    unsigned char *buf = malloc(p->max_msg), *want = malloc(p->max_msg);
    if (!buf || !want) {
        free(buf);
        free(want);
        return hx_fail(HX_ERR_RUNTIME, "out of memory for %zu-byte messages", p->max_msg);
    }
    pid_t pid;
    int status = hx_conc_fork(&pid, true);
    if (status == HX_OK && pid == 0) {
        endpoint_close(&c->a);
        int code = child_attach(c) == HX_OK ? peer_side(&c->b, p, buf, want) : 2;
        _exit(code);
    }
    if (status == HX_OK) {
        endpoint_close(&c->b);
        c->a.peer = pid;
        status = latency_side(&c->a, p, buf, out);
        if (status == HX_OK)
            status = bandwidth_side(&c->a, p, buf, out);
        if (status != HX_OK)
            kill(pid, SIGKILL); /* a peer stuck waiting for more would never exit */
        int wstatus;
        int reaped = hx_conc_reap(pid, &wstatus);
        if (status == HX_OK && reaped == HX_OK) {
            if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 1)
                out->verified = false;
            else if (!(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0))
                status = hx_fail(HX_ERR_RUNTIME, "ipc %s: the peer process failed (status 0x%x)",
                                 hx_ipc_names[c->kind], (unsigned)wstatus);
        }
        if (status == HX_OK)
            status = reaped;
    }
    free(buf);
    free(want);
    return status;
}

int hx_conc_ipc_measure(hx_ipc_kind kind, unsigned rounds, unsigned samples, const uint64_t *sizes,
                        size_t nsizes, uint64_t burst_bytes, hx_ipc_result *out) {
    if ((unsigned)kind >= HX_IPC_COUNT || nsizes > sizeof out->burst / sizeof out->burst[0])
        return hx_fail(HX_ERR_RUNTIME, "internal: ipc transport %d, %zu sizes", (int)kind, nsizes);
    size_t max_msg = LATENCY_BYTES;
    for (size_t i = 0; i < nsizes; i++) {
        if (sizes[i] < 16)
            return hx_fail(HX_ERR_USAGE, "ipc message size %llu is below 16 bytes",
                           (unsigned long long)sizes[i]);
        uint64_t n = burst_bytes / sizes[i];
        out->burst[i] = (unsigned)(n < 2 ? 2 : n > 100000 ? 100000 : n);
        if (sizes[i] > max_msg)
            max_msg = sizes[i];
    }
    out->verified = true;
    plan p = {rounds, samples, sizes, nsizes, out->burst, max_msg};
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    channel c;
    int status = channel_open(&c, kind, max_msg);
    out->chunk = c.a.chunk;
    if (status == HX_OK)
        status = run_channel(&c, &p, out);
    channel_close(&c);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return status;
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

static void note_transport(hx_conc_row *row, hx_ipc_kind kind, size_t chunk) {
    if (kind == HX_IPC_UNIX_DGRAM || kind == HX_IPC_MQUEUE)
        snprintf(row->note, sizeof row->note, "messages sent as pieces of at most %zu bytes%s",
                 chunk, kind == HX_IPC_MQUEUE ? " (fs.mqueue.msgsize_max)" : "");
    else if (kind == HX_IPC_SHM_FUTEX)
        snprintf(row->note, sizeof row->note,
                 "copied into and out of the shared buffer; futex handshake per message");
    else if (kind == HX_IPC_TCP)
        snprintf(row->note, sizeof row->note, "127.0.0.1, TCP_NODELAY, default buffers");
}

static int add_latency_row(hx_conc_report *r, hx_ipc_kind kind, const hx_ipc_result *res,
                           unsigned samples, unsigned rounds) {
    hx_conc_row *row = hx_conc_row_add(r, HX_CONC_IPC, hx_ipc_names[kind]);
    if (!row)
        return HX_ERR_RUNTIME;
    snprintf(row->variant, sizeof row->variant, "latency");
    row->bytes = LATENCY_BYTES;
    row->threads = 2;
    hx_conc_row_costs(row, res->latency_us, samples);
    row->ok = res->verified;
    snprintf(row->note, sizeof row->note, "half an 8-byte round trip; %u per sample", rounds);
    if (!res->verified)
        snprintf(row->note, sizeof row->note, "a message came back wrong");
    return HX_OK;
}

static int add_bandwidth_rows(hx_conc_report *r, const hx_conc_config *c, hx_ipc_kind kind,
                              const hx_ipc_result *res, unsigned samples) {
    double *us = malloc(samples * sizeof *us);
    if (!us)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < c->nipc_sizes; i++) {
        hx_conc_row *row = hx_conc_row_add(r, HX_CONC_IPC, hx_ipc_names[kind]);
        if (!row) {
            free(us);
            return HX_ERR_RUNTIME;
        }
        const double *mbps = &res->bw_mbps[i * samples];
        double best = 0;
        for (unsigned s = 0; s < samples; s++) {
            us[s] = (double)c->ipc_sizes[i] / mbps[s]; /* bytes / (1e6 bytes/s) = microseconds */
            if (mbps[s] > best)
                best = mbps[s];
        }
        snprintf(row->variant, sizeof row->variant, "bandwidth");
        row->bytes = c->ipc_sizes[i];
        row->threads = 2;
        hx_conc_row_costs(row, us, samples);
        row->mb_per_s = (double)row->bytes / row->us_median;
        row->mb_per_s_best = best;
        row->ok = res->verified;
        note_transport(row, kind, res->chunk);
        if (!row->note[0])
            snprintf(row->note, sizeof row->note, "bursts of %u messages, then an acknowledgement",
                     res->burst[i]);
        if (!res->verified)
            snprintf(row->note, sizeof row->note, "the receiver found a message that was wrong");
    }
    free(us);
    return HX_OK;
}

int hx_conc_run_ipc(const hx_conc_config *c, hx_conc_report *r) {
    unsigned samples = c->reps;
    uint64_t burst_bytes = c->quick ? 1u << 20 : 16u << 20;
    unsigned rounds = c->pingpong_rounds;
    hx_ipc_result res;
    res.latency_us = calloc(samples, sizeof *res.latency_us);
    res.bw_mbps = calloc(samples * (c->nipc_sizes ? c->nipc_sizes : 1), sizeof *res.bw_mbps);
    if (!res.latency_us || !res.bw_mbps) {
        free(res.latency_us);
        free(res.bw_mbps);
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    int status = HX_OK;
    for (int k = 0; k < HX_IPC_COUNT && status == HX_OK; k++) {
        hx_conc_progress(c, "ipc %s", hx_ipc_names[k]);
        int got = hx_conc_ipc_measure((hx_ipc_kind)k, rounds, samples, c->ipc_sizes, c->nipc_sizes,
                                      burst_bytes, &res);
        if (got == HX_ERR_MISSING) {
            hx_conc_row *row = hx_conc_row_add(r, HX_CONC_IPC, hx_ipc_names[k]);
            if (!row) {
                status = HX_ERR_RUNTIME;
                break;
            }
            row->skipped = true;
            snprintf(row->variant, sizeof row->variant, "latency");
            snprintf(row->note, sizeof row->note, "not measured: %s", hx_error_message());
            hx_error_clear();
            continue;
        }
        status = got;
        if (status == HX_OK)
            status = add_latency_row(r, (hx_ipc_kind)k, &res, samples, rounds);
        if (status == HX_OK)
            status = add_bandwidth_rows(r, c, (hx_ipc_kind)k, &res, samples);
    }
    free(res.latency_us);
    free(res.bw_mbps);
    return status;
}
