/*
 * ipc.h - switching and inter-process communication between two processes (or two threads).
 *
 * Ping-pong (the `switch` sub-benchmark): one byte goes back and forth through two pipes; the
 * peer adds one to it, so every round trip is checked.  The figure is half a round trip: one
 * write, one wake-up of the sleeping peer, one read.  Pinned to one core, every hand-off is a
 * context switch on that core; pinned to two cores it is a cross-core wake-up instead (an
 * inter-processor interrupt, the idle core waking); unpinned, the scheduler chooses.
 *
 * Transports (the `ipc` sub-benchmark), each between this process and a forked child:
 *   pipe            two pipes
 *   unix-stream     socketpair(AF_UNIX, SOCK_STREAM)
 *   unix-dgram      socketpair(AF_UNIX, SOCK_DGRAM), messages in datagrams of at most 64 KiB
 *   shm-futex       a POSIX shared memory object (shm_open + mmap) holding one buffer per
 *                   direction; a futex word per direction says full/empty (spin briefly, then
 *                   FUTEX_WAIT; FUTEX_WAKE after each change): the data is copied in and out
 *   mqueue          two POSIX message queues, messages of at most fs.mqueue.msgsize_max
 *   tcp             TCP over 127.0.0.1 with TCP_NODELAY
 * Latency: an 8-byte message echoed back, half the round trip.  Bandwidth: a burst of messages
 * of one size, then a one-byte acknowledgement from the receiver, which checks every message's
 * first and last bytes and the whole of the burst's last message against the sender's pattern.
 */
#ifndef HETERO_CONC_IPC_H
#define HETERO_CONC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { HX_PINGPONG_PROCS, HX_PINGPONG_THREADS } hx_pingpong_kind;
typedef enum { HX_PIN_NONE, HX_PIN_ONE_CORE, HX_PIN_TWO_CORES } hx_pin;

extern const char *const hx_pin_names[]; /* "none", "one-core", "two-cores" */

/* samples timings of `rounds` round trips each (after one untimed sample): half a round trip in
 * microseconds per sample into us.  HX_ERR_MISSING when pin needs two CPUs and this process may
 * run on one (the message says so). */
int hx_conc_pingpong(hx_pingpong_kind kind, hx_pin pin, unsigned rounds, unsigned samples,
                     double *us);

typedef enum {
    HX_IPC_PIPE,
    HX_IPC_UNIX_STREAM,
    HX_IPC_UNIX_DGRAM,
    HX_IPC_SHM_FUTEX,
    HX_IPC_MQUEUE,
    HX_IPC_TCP,
    HX_IPC_COUNT
} hx_ipc_kind;

extern const char *const hx_ipc_names[]; /* "pipe", "unix-stream", ..., NULL */

/* What one transport measured. */
typedef struct hx_ipc_result {
    double *latency_us; /* [samples]: half round trip of an 8-byte message */
    double *bw_mbps;    /* [nsizes * samples]: 1e6 bytes/s, size-major */
    unsigned burst[32]; /* messages per bandwidth sample, per size */
    size_t chunk;       /* largest piece one send carries (0: the whole message) */
    bool verified;      /* every echo and every checked byte matched */
} hx_ipc_result;

/* Measure one transport: `samples` latency samples of `rounds` round trips, then for each of
 * sizes[0..nsizes-1] `samples` bandwidth samples; the caller owns latency_us (samples) and
 * bw_mbps (nsizes * samples).  burst_bytes: roughly how many bytes one bandwidth sample moves.
 * HX_ERR_RUNTIME when a call fails; a data mismatch clears verified instead. */
int hx_conc_ipc_measure(hx_ipc_kind kind, unsigned rounds, unsigned samples, const uint64_t *sizes,
                        size_t nsizes, uint64_t burst_bytes, hx_ipc_result *out);

#endif
