/*
 * hetero/io/io.h - the IO models lab's echo servers: which models exist, and how to run one.
 *
 * An IO model is one answer to "a connection has nothing to do right now: who waits for it,
 * and how?".  Each is a small TCP echo server (host/io/model_NAME.c); this header is all a
 * caller needs to start one in this process, learn its port, read its counters and stop it.
 * How a model is written (the hx_io_model table, the shared echo routine) is private to
 * host/io/ (host/io/internal.h).
 */
#ifndef HETERO_IO_IO_H
#define HETERO_IO_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The server's per-connection buffer.  Deliberately small: messages larger than it force every
 * model through its partial-read and partial-write paths. */
#define HX_IO_BUF 4096

/* At most this many loops (threads or processes) for the models that run one per core. */
#define HX_IO_MAX_WORKERS 256

/* ---- the models ------------------------------------------------------------------------------ */

typedef struct hx_io_model_info {
    const char *name;    /* "epoll-et" */
    const char *summary; /* one line */
    bool uses_workers;   /* runs --workers loops (threads or processes) */
    bool processes;      /* serves connections in child processes (memory is summed over them) */
} hx_io_model_info;

/* The models in teaching order: how many, and the i-th. */
size_t hx_io_model_count(void);
hx_io_model_info hx_io_model_at(size_t i);
/* The model of that name; all zero (name NULL) when there is none. */
hx_io_model_info hx_io_model_named(const char *name);
/* true if name is a model ("auto" included). */
bool hx_io_model_exists(const char *name);
/* "blocking-thread, blocking-fork, ..." for messages. */
const char *hx_io_model_names(void);

/* The model `auto` stands for here: epoll-et if epoll works, else poll, else select; the
 * environment variable HETERO_IO_FORCE=select|poll|epoll overrides the probe (to show the
 * fallback).  HX_OK with *model set, or HX_ERR_USAGE for a bad HETERO_IO_FORCE. */
int hx_io_auto_choice(const char **model);

/* Online cores: the default number of workers. */
unsigned hx_io_default_workers(void);

/* ---- one server in this process -------------------------------------------------------------- */

typedef struct hx_io_server hx_io_server;

typedef struct hx_io_server_config {
    const char *model; /* a name from the list, or "auto" */
    const char *addr;  /* numeric IPv4 address; NULL: 127.0.0.1 */
    int port;          /* 0 picks a free one */
    unsigned workers;  /* for the models that use them; 0: hx_io_default_workers() */
} hx_io_server_config;

/* Bind and listen, then run the model on its own thread (and, for the process models, in its
 * child processes).  Errors: HX_ERR_USAGE (unknown model, bad address, workers out of range),
 * HX_ERR_MISSING (a feature the model needs is absent: io_uring, SO_REUSEPORT), HX_ERR_RUNTIME. */
int hx_io_server_open(const hx_io_server_config *cfg, hx_io_server **out);
/* hx_io_server_open with the default workers. */
int hx_io_server_start(const char *model, const char *addr, int port, hx_io_server **out);

int hx_io_server_port(const hx_io_server *s);
/* The model that runs: the one `auto` chose, else the one asked for. */
const char *hx_io_server_model(const hx_io_server *s);
unsigned hx_io_server_workers(const hx_io_server *s);
/* true once the model has returned - before stop() only when it failed. */
bool hx_io_server_finished(hx_io_server *s);
/* Ask the server to stop, wait for it, free it; returns the status the model ended with. */
int hx_io_server_stop(hx_io_server *s);

typedef struct hx_io_server_stats {
    uint64_t accepted; /* connections accepted */
    uint64_t refused;  /* accepted but closed at once: past FD_SETSIZE, no memory, no thread */
    uint64_t shed;     /* accepted into the reserve descriptor and closed: out of descriptors */
    uint64_t rescans;  /* sigio: full rescans after the signal queue overflowed */
    unsigned workers;  /* loops that accept; 1 for the single-loop models */
    uint64_t per_worker[HX_IO_MAX_WORKERS]; /* connections each loop accepted */
} hx_io_server_stats;

void hx_io_server_stats_get(hx_io_server *s, hx_io_server_stats *out);

/* The server's live child processes (blocking-fork: one per connection; epoll-reuseport: one per
 * worker), at most cap of them; returns how many were stored. */
size_t hx_io_server_children(hx_io_server *s, pid_t *out, size_t cap);

/* How often a non-blocking send() found the socket full (all servers of this process): a test
 * uses it to show that its slow reader really made the server's writes go partial. */
uint64_t hx_io_partial_write_count(void);

#endif
