/*
 * hetero/io/load.h - the load generator of `hetero io bench`: active connections that send
 * verified messages (closed or open loop), idle connections that only hold a socket open, and
 * the descriptor budget both need.
 */
#ifndef HETERO_IO_LOAD_H
#define HETERO_IO_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    const char *host; /* numeric IPv4 loopback address */
    int port;
    unsigned conns;
    uint64_t size;    /* message size in bytes */
    double duration;  /* measured window, seconds */
    double rate;      /* messages/s over all connections; 0 = closed loop */
    unsigned threads; /* generator threads */
    double drain;     /* seconds to wait for outstanding echoes after the window */
    /* Optional: called on the calling thread as the window closes, every connection still
     * open (the bench reads the server's memory there). */
    void (*at_window_end)(void *arg);
    void *arg;
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
    double setup_s;     /* from the first connect() to the last warm-up echo */
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

/* ---- idle connections ------------------------------------------------------------------------ */

/* Connections that are opened, echo one message each (so the server has surely set them up:
 * accepted, forked, spawned its thread or coroutine), then stay silent until closed. */
typedef struct hx_io_idle {
    int *fds;
    unsigned n;
    double setup_s; /* from the first connect() to the last echo */
} hx_io_idle;

int hx_io_idle_open(const char *host, int port, unsigned n, hx_io_idle *out);
/* Verify none was closed by the server meanwhile, then close them all; HX_ERR_RUNTIME if one
 * was (an idle connection must stay served). */
int hx_io_idle_close(hx_io_idle *idle);

/* ---- descriptors ----------------------------------------------------------------------------- */

/* Raise RLIMIT_NOFILE's soft limit to the hard limit; HX_OK if `need` descriptors fit, else
 * HX_ERR_MISSING with a message naming `what`, the need, the soft and the hard limit. */
int hx_io_fd_budget(uint64_t need, const char *what);

#endif
