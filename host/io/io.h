/*
 * io.h - the IO models lab: one small TCP echo server per IO model, and what they share.
 *
 * Every model is a file host/io/model_NAME.c that defines one hx_io_model: a name, a one-line
 * summary and a run() function that serves the listening socket until the server is asked to
 * stop.  server.c owns the parts every model needs the same way: the listening socket, the stop
 * signal (an eventfd that becomes readable, plus an atomic flag for loops that never sleep), the
 * thread that runs the model, and start/stop for in-process use (the bench and the tests).
 * conn.c holds the one echo routine every model uses, so partial reads and writes are handled
 * in one place and each model file shows only how it waits.
 */
#ifndef HETERO_IO_H
#define HETERO_IO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The server's per-connection buffer.  Deliberately small: messages larger than it force every
 * model through its partial-read and partial-write paths. */
#define HX_IO_BUF 4096

typedef struct hx_io_server hx_io_server;

typedef struct hx_io_model {
    const char *name;
    const char *summary;
    /* Serve s->listen_fd until hx_io_stopping(s); close every connection before returning.
     * HX_OK, or a status with hx_fail() recorded. */
    int (*run)(hx_io_server *s);
    /* Optional: unblock a run() that sleeps in a blocking call (accept, read). */
    void (*wake)(hx_io_server *s);
    /* Optional: HX_OK if the model can run here, else HX_ERR_MISSING with a message; asked
     * before the server starts, so a missing feature is reported at once. */
    int (*probe)(void);
} hx_io_model;

struct hx_io_server {
    const hx_io_model *model;
    int listen_fd;
    int stop_fd; /* eventfd: readable once stop was requested */
    int port;
    atomic_bool stopping;
    atomic_uint_fast64_t refused;  /* connections refused (select past FD_SETSIZE, no memory) */
    atomic_uint_fast64_t accepted; /* connections accepted */
    atomic_uint_fast64_t rescans;  /* sigio: full rescans after the signal queue overflowed */
    pthread_t thread;
    atomic_bool finished; /* run() returned (on its own: an error) */
    int status;           /* what run() returned */
    char error[256];      /* its message */
    void *state;          /* model-private */
};

/* ---- the in-process server API ------------------------------------------------------------- */

/* The models, in teaching order; NULL-terminated. */
extern const hx_io_model *const hx_io_models[];
const hx_io_model *hx_io_model_find(const char *name);
/* "blocking-thread, blocking-fork, ..." for messages. */
const char *hx_io_model_names(void);

/* Bind addr:port (port 0 picks a free one), start the model on its own thread. */
int hx_io_server_start(const char *model, const char *addr, int port, hx_io_server **out);
int hx_io_server_port(const hx_io_server *s);
/* true once run() has returned - before stop() only when it failed. */
bool hx_io_server_finished(hx_io_server *s);
/* Ask the server to stop, wait for it, free it; returns the status run() ended with. */
int hx_io_server_stop(hx_io_server *s);

static inline bool hx_io_stopping(hx_io_server *s) {
    return atomic_load_explicit(&s->stopping, memory_order_acquire);
}

/* ---- the shared echo routine --------------------------------------------------------------- */

typedef struct hx_io_conn {
    int fd;
    size_t start, end;       /* buf[start, end) was read and is not yet written back */
    unsigned interest;       /* what the model last asked to wait for (model-defined) */
    struct hx_io_conn *next; /* free for the model's lists */
    struct hx_io_conn *prev;
    bool queued; /* on a model's ready list */
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

/* How often a non-blocking send() found the socket full (all servers of this process): the
 * tests use it to show that their slow reader really made the server's writes go partial. */
extern atomic_uint_fast64_t hx_io_partial_writes;

/* Write back what is pending (no reading); HX_IO_WANT_READ once nothing is pending. */
hx_io_step hx_io_flush(hx_io_conn *c);

hx_io_conn *hx_io_conn_new(int fd);
/* Close the socket and free the connection. */
void hx_io_conn_close(hx_io_conn *c);

/* accept4 on the listening socket: a connected socket with TCP_NODELAY on, non-blocking when
 * asked; -1 when none is waiting (EAGAIN) or on an error that does not stop the server. */
int hx_io_accept(hx_io_server *s, bool nonblocking);
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

/* ---- the load generator ---------------------------------------------------------------------- */

/* Byte `i` of message `seq` on connection `id`: a pattern no two messages share, so a lost,
 * duplicated or reordered byte is caught by comparing.  Made 8 bytes at a time (one word per
 * 8-byte group), so generating it keeps up with the network. */
static inline uint64_t hx_io_pattern_word(uint32_t id, uint64_t seq, uint64_t word) {
    uint64_t x = ((uint64_t)id << 40) ^ (seq * 0x9E3779B97F4A7C15ull) ^ word;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return x;
}

static inline unsigned char hx_io_pattern(uint32_t id, uint64_t seq, uint64_t i) {
    return (unsigned char)(hx_io_pattern_word(id, seq, i / 8) >> (8 * (i % 8)));
}

/* The open-loop schedule of one connection: message k is meant to leave at start + k*interval.
 * Latency is measured from that intended time, not from when the generator got round to
 * sending, so a stalled server cannot hide its stall by delaying the sends behind it
 * ("coordinated omission"). */
typedef struct hx_io_schedule {
    double start, interval; /* seconds */
} hx_io_schedule;

static inline double hx_io_intended(const hx_io_schedule *s, uint64_t k) {
    return s->start + (double)k * s->interval;
}

/* Messages 0..*completed-1 have completed; `received` echoed bytes (messages of `size` bytes)
 * have arrived by time `now`.  If that completes message *completed, store its latency
 * (now - its intended send time), advance *completed and return true; call until false. */
bool hx_io_schedule_next(const hx_io_schedule *s, uint64_t *completed, uint64_t received,
                         uint64_t size, double now, double *latency);

typedef struct hx_io_load {
    const char *host; /* numeric IPv4 address */
    int port;
    unsigned conns;
    uint64_t size;    /* message size in bytes */
    double duration;  /* measured window, seconds */
    double rate;      /* messages/s over all connections; 0 = closed loop */
    unsigned threads; /* generator threads */
    double drain;     /* seconds to wait for outstanding echoes after the window */
} hx_io_load;

typedef struct hx_io_load_result {
    uint64_t messages;          /* completed inside the window */
    uint64_t bytes;             /* echoed bytes inside the window (one direction) */
    double seconds;             /* the window */
    double p50, p99, p999, max; /* latency, seconds */
    uint64_t errors;            /* connections that failed, mismatched or lost bytes */
    uint64_t unsent;    /* open loop: messages due in the window the generator never started */
    uint64_t offered;   /* messages queued in the window (closed: sent; open: due) */
    uint64_t completed; /* messages echoed in full after the warm-up, drain included */
    double gen_cpu;     /* CPU seconds of the generator threads in the window */
    double main_cpu;    /* CPU seconds of the calling thread in the window */
    double process_cpu; /* CPU seconds of the whole process in the window (RUSAGE_SELF) */
    double window_start, window_end; /* hx_now() times */
    char first_error[200];
} hx_io_load_result;

/* Connect, warm up (one message per connection), run the window, drain, verify.  At both
 * edges of the window the calling thread reads, within microseconds of each other, the
 * process's CPU time, its own and every generator thread's (pthread_getcpuclockid). */
int hx_io_load_run(const hx_io_load *cfg, hx_io_load_result *r);

#endif
