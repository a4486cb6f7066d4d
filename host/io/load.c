/*
 * load.c - the load generator of `hetero io bench`: many TCP connections driven by epoll.
 *
 * Each connection is a byte stream of messages of one size; byte i of message k on connection
 * c is hx_io_pattern(c, k, i).  The sender generates bytes from the stream offset it has
 * reached and the receiver compares every echoed byte with what it should be, so nothing
 * needs to be remembered per message and any lost, duplicated, reordered or corrupted byte is
 * caught at once.  Message k is complete when k+1 messages' worth of bytes came back.
 *
 * Closed loop: a connection sends one message, waits for its echo, sends the next; latency is
 * from the send.  Open loop (--rate): message k of a connection is due at start + k/rate_c;
 * the sender sends everything due (pipelining on the connection when the server is slow) and
 * latency is counted from the DUE time (see hx_io_schedule_next), so a server stall shows up
 * in every message it delayed.
 *
 * Phases: connect (main thread) -> warm-up, one message per connection -> gate -> the timed
 * window -> drain (wait for every echo still owed, bounded) -> verify totals.  Each generator
 * thread runs its own epoll loop over its share of the connections and measures its own CPU
 * time, so the bench can subtract it from the process's.  hx_io_load_run is those phases in
 * order, one function each (connect_all, start_generators, run_window, collect, release).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/stats.h"
#include "hetero/core/timer.h"
#include "hetero/io/load.h"
#include "internal.h"

#define CHUNK          (64 * 1024)
#define WARMUP_LIMIT_S 30.0       /* every connection must echo its first message by then */
#define MAX_SAMPLES    (2u << 20) /* latency samples kept per thread (then a reservoir) */

bool hx_io_schedule_next(const hx_io_schedule *s, uint64_t *completed, uint64_t received,
                         uint64_t size, double now, double *latency) {
    if (received < (*completed + 1) * size)
        return false;
    *latency = now - hx_io_intended(s, *completed);
    (*completed)++;
    return true;
}

typedef struct gconn {
    int fd;
    uint32_t id;
    uint64_t queued;         /* messages the sender may send (stream end = queued * size) */
    uint64_t completed;      /* messages fully echoed */
    uint64_t sent, received; /* stream offsets in bytes */
    uint64_t base;           /* first message of the current phase (the schedule counts from it) */
    hx_io_schedule sched;
    bool want_out, dead;
} gconn;

/* The start line: each generator thread reports that its warm-up is done and waits; the main
 * thread waits for all of them, reads the CPU clocks, sets t0 and opens the gate. */
typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned arrived;
    bool open, closed;
    double t0;
} gate;

static double gate_pass(gate *gt) { /* generator side */
    pthread_mutex_lock(&gt->lock);
    gt->arrived++;
    pthread_cond_broadcast(&gt->cond);
    while (!gt->open)
        pthread_cond_wait(&gt->cond, &gt->lock);
    double t0 = gt->t0;
    pthread_mutex_unlock(&gt->lock);
    return t0;
}

/* After the window a generator thread waits until the main thread has read the CPU clocks:
 * a thread that had already exited would have no clock left to read. */
static void gate_wait_closed(gate *gt) {
    pthread_mutex_lock(&gt->lock);
    while (!gt->closed)
        pthread_cond_wait(&gt->cond, &gt->lock);
    pthread_mutex_unlock(&gt->lock);
}

typedef struct gthread {
    const hx_io_load *cfg;
    gconn *conns;
    size_t n;
    pthread_t thread;
    struct gate *gate;
    bool running;
    double *lat;
    size_t nlat;
    uint64_t seen, rng;
    uint64_t messages, bytes, errors, unsent, offered, completed;
    double cpu;
    char first_error[200];
    unsigned char out[CHUNK], in[CHUNK], expect[CHUNK];
} gthread;

static double clock_seconds(clockid_t id) {
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double process_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* CPU time of the generator threads, of this thread and of the process, read together. */
static void window_edge(gthread *g, unsigned n, double sign, hx_io_load_result *r) {
    r->process_cpu += sign * process_cpu();
    r->main_cpu += sign * clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (unsigned t = 0; t < n; t++) {
        clockid_t id;
        if (g[t].running && pthread_getcpuclockid(g[t].thread, &id) == 0)
            g[t].cpu += sign * clock_seconds(id);
    }
}

static void fail_conn(gthread *g, gconn *c, const char *what) {
    if (c->dead)
        return;
    c->dead = true;
    g->errors++;
    if (!g->first_error[0])
        snprintf(g->first_error, sizeof g->first_error, "connection %u: %s", c->id, what);
    close(c->fd);
    c->fd = -1;
}

/* Bytes [off, off+n) of a connection's stream. */
static void fill(uint32_t id, uint64_t size, uint64_t off, size_t n, unsigned char *out) {
    uint64_t seq = off / size, i = off % size;
    uint64_t word = hx_io_pattern_word(id, seq, i / 8);
    for (size_t j = 0; j < n; j++) {
        out[j] = (unsigned char)(word >> (8 * (i % 8)));
        if (++i == size) {
            i = 0;
            seq++;
        }
        if (i % 8 == 0)
            word = hx_io_pattern_word(id, seq, i / 8);
    }
}

static void keep_latency(gthread *g, double v) {
    g->seen++;
    if (g->nlat < MAX_SAMPLES) {
        g->lat[g->nlat++] = v;
        return;
    }
    g->rng ^= g->rng << 13, g->rng ^= g->rng >> 7, g->rng ^= g->rng << 17;
    uint64_t k = g->rng % g->seen; /* reservoir: every sample equally likely to be kept */
    if (k < MAX_SAMPLES)
        g->lat[k] = v;
}

static void set_interest(gthread *g, int ep, gconn *c, bool out) {
    if (c->dead || c->want_out == out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u), .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        fail_conn(g, c, "epoll_ctl failed");
    c->want_out = out;
}

static void send_due(gthread *g, int ep, gconn *c) {
    uint64_t size = g->cfg->size, end = c->queued * size;
    while (!c->dead && c->sent < end) {
        size_t n = end - c->sent < CHUNK ? (size_t)(end - c->sent) : CHUNK;
        fill(c->id, size, c->sent, n, g->out);
        ssize_t w = send(c->fd, g->out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            c->sent += (uint64_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_interest(g, ep, c, true);
            return;
        } else {
            fail_conn(g, c, "send failed (server closed the connection?)");
            return;
        }
    }
    set_interest(g, ep, c, false);
}

/* Read what arrived, verify it, complete messages; in_window: count them. */
static void receive(gthread *g, gconn *c, bool closed_loop, bool in_window) {
    uint64_t size = g->cfg->size;
    for (int reads = 0; !c->dead && reads < 16; reads++) { /* bounded: fair to the others */
        ssize_t r = recv(c->fd, g->in, CHUNK, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            fail_conn(g, c,
                      r == 0 ? "server closed the connection with echoes owed"
                             : "connection reset by the server");
            return;
        }
        if (c->received + (uint64_t)r > c->sent) {
            fail_conn(g, c, "received more bytes than were sent");
            return;
        }
        fill(c->id, size, c->received, (size_t)r, g->expect);
        if (memcmp(g->in, g->expect, (size_t)r) != 0) {
            fail_conn(g, c, "echoed bytes differ from the bytes sent");
            return;
        }
        c->received += (uint64_t)r;
        double now = hx_now(), lat;
        uint64_t k = c->completed - c->base;
        while (hx_io_schedule_next(&c->sched, &k, c->received - c->base * size, size, now, &lat)) {
            if (in_window) {
                g->messages++;
                g->bytes += size;
                keep_latency(g, lat);
            }
            if (closed_loop) { /* the next message leaves now */
                c->sched.start = now - (double)k * c->sched.interval;
                c->queued++;
            }
        }
        c->completed = c->base + k;
    }
}

/* Serve events until `until`, or until every connection has nothing owed (drain). */
static void pump(gthread *g, int ep, double until, bool open_loop, bool closed_loop,
                 bool in_window) {
    struct epoll_event ev[256];
    for (;;) {
        double now = hx_now();
        if (now >= until)
            return;
        double next = until;
        if (open_loop) { /* queue what has become due; sleep until the next one is */
            for (size_t i = 0; i < g->n; i++) {
                gconn *c = &g->conns[i];
                if (c->dead)
                    continue;
                if (now >= c->sched.start) {
                    uint64_t due = (uint64_t)((now - c->sched.start) / c->sched.interval) + 1;
                    if (c->base + due > c->queued) {
                        c->queued = c->base + due;
                        send_due(g, ep, c);
                    }
                }
                double t = hx_io_intended(&c->sched, c->queued - c->base);
                if (t < next)
                    next = t;
            }
        } else if (!in_window) { /* warm-up or drain: stop when nothing is owed */
            bool owed = false;
            for (size_t i = 0; i < g->n && !owed; i++)
                owed = !g->conns[i].dead && g->conns[i].completed < g->conns[i].queued;
            if (!owed)
                return;
        }
        double wait = next - hx_now();
        struct timespec ts = {0, 0};
        if (wait > 0) {
            ts.tv_sec = (time_t)wait;
            ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
        }
        int n = epoll_pwait2(ep, ev, 256, &ts, NULL); /* ns timeout: no 1 ms rounding */
        for (int i = 0; i < n; i++) {
            gconn *c = ev[i].data.ptr;
            if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                receive(g, c, closed_loop, in_window);
            if (!c->dead && c->sent < c->queued * g->cfg->size)
                send_due(g, ep, c);
        }
    }
}

static void *gen_main(void *arg) {
    gthread *g = arg;
    const hx_io_load *cfg = g->cfg;
    bool open_loop = cfg->rate > 0;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < g->n; i++) {
        gconn *c = &g->conns[i];
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
            fail_conn(g, c, "epoll_ctl failed");
    }
    /* warm-up: one closed-loop message per connection, untimed */
    for (size_t i = 0; i < g->n; i++) {
        gconn *c = &g->conns[i];
        c->queued = 1;
        c->sched = (hx_io_schedule){hx_now(), 0.0};
        send_due(g, ep, c);
    }
    pump(g, ep, hx_now() + WARMUP_LIMIT_S, false, false, false);
    for (size_t i = 0; i < g->n; i++)
        if (g->conns[i].completed < 1)
            fail_conn(g, &g->conns[i], "no echo of the warm-up message within 30 s");

    double t0 = gate_pass(g->gate), t_end = t0 + cfg->duration;
    double per_conn_interval = open_loop ? (double)cfg->conns / cfg->rate : 0.0;
    for (size_t i = 0; i < g->n; i++) {
        gconn *c = &g->conns[i];
        c->base = c->completed;
        if (open_loop) { /* spread the connections' phases over one interval */
            double phase = per_conn_interval * (double)c->id / (double)cfg->conns;
            c->sched = (hx_io_schedule){t0 + phase, per_conn_interval};
        } else {
            c->sched = (hx_io_schedule){t0, 0.0};
            c->queued = c->base + 1;
            if (!c->dead)
                send_due(g, ep, c);
        }
    }
    pump(g, ep, t_end, open_loop, !open_loop, true);
    gate_wait_closed(g->gate);

    /* Drain: nothing new is started; what was (partly) sent must come back in full. */
    for (size_t i = 0; i < g->n; i++) {
        gconn *c = &g->conns[i];
        g->offered += c->queued - c->base;
        uint64_t started = (c->sent + cfg->size - 1) / cfg->size;
        if (c->queued > started) {
            g->unsent += c->queued - started;
            c->queued = started;
        }
    }
    pump(g, ep, hx_now() + cfg->drain, false, false, false);
    for (size_t i = 0; i < g->n; i++) {
        gconn *c = &g->conns[i];
        g->completed += c->completed - c->base;
        if (!c->dead && c->completed < c->queued) {
            char what[120];
            snprintf(what, sizeof what, "%llu echoed bytes missing after the %.0f s drain",
                     (unsigned long long)(c->queued * cfg->size - c->received), cfg->drain);
            fail_conn(g, c, what);
        }
    }
    if (ep >= 0)
        close(ep);
    return NULL;
}

/* ---- descriptors ----------------------------------------------------------------------------- */

int hx_io_fd_budget(uint64_t need, const char *what) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return hx_fail(HX_ERR_RUNTIME, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
    rlim_t soft = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) { /* raising the soft limit to the hard one needs no rights */
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
        return hx_fail(HX_ERR_MISSING,
                       "%s need about %llu file descriptors in this process; the soft limit was "
                       "%llu and the hard limit is %llu (raise it: 'ulimit -Hn' as root, or "
                       "limits.conf)",
                       what, (unsigned long long)need, (unsigned long long)soft,
                       (unsigned long long)rl.rlim_max);
    return HX_OK;
}

/* ---- the phases of a run ------------------------------------------------------------------------
 */

typedef struct run_state {
    const hx_io_load *cfg;
    hx_io_load_result *r;
    gconn *conns;
    gthread *g;
    unsigned nthreads, running;
    gate gt;
} run_state;

static int connect_all(run_state *rs, const struct sockaddr_in *sa) {
    const hx_io_load *cfg = rs->cfg;
    struct rlimit rl = {0, 0};
    getrlimit(RLIMIT_NOFILE, &rl);
    int high_base = rl.rlim_cur >= 4096 + (rlim_t)cfg->conns + 64 ? 4096 : 0;
    rs->conns = calloc(cfg->conns, sizeof *rs->conns);
    if (!rs->conns)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (unsigned i = 0; i < cfg->conns; i++)
        rs->conns[i].fd = -1;
    for (unsigned i = 0; i < cfg->conns; i++) {
        rs->conns[i].id = i;
        HX_TRY(hx_io_connect(sa, high_base, &rs->conns[i].fd));
    }
    return HX_OK;
}

static int start_generators(run_state *rs) {
    const hx_io_load *cfg = rs->cfg;
    rs->nthreads = cfg->threads ? cfg->threads : 1;
    if (rs->nthreads > cfg->conns)
        rs->nthreads = cfg->conns;
    rs->g = calloc(rs->nthreads, sizeof *rs->g);
    if (!rs->g)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    for (unsigned t = 0; t < rs->nthreads; t++) {
        size_t lo = (size_t)cfg->conns * t / rs->nthreads;
        size_t hi = (size_t)cfg->conns * (t + 1) / rs->nthreads;
        gthread *g = &rs->g[t];
        *g = (gthread){.cfg = cfg,
                       .conns = rs->conns + lo,
                       .n = hi - lo,
                       .gate = &rs->gt,
                       .rng = 0x9E3779B97F4A7C15ull + t};
        g->lat = malloc(MAX_SAMPLES * sizeof(double));
        g->running = g->lat && pthread_create(&g->thread, NULL, gen_main, g) == 0;
        if (g->running) {
            rs->running++;
            continue;
        }
        /* No memory or no thread: its connections cannot run; they count as failed. */
        for (size_t i = 0; i < g->n; i++)
            fail_conn(g, &g->conns[i], "no load generator thread could be started");
        if (status == HX_OK)
            status = hx_fail(HX_ERR_RUNTIME, "cannot start load generator thread %u", t);
    }
    return status;
}

/* Wait for every warm-up, open the gate, sleep through the window, read the clocks at both
 * edges, let the generators drain. */
static void run_window(run_state *rs, double connect_start) {
    const hx_io_load *cfg = rs->cfg;
    hx_io_load_result *r = rs->r;
    pthread_mutex_lock(&rs->gt.lock);
    while (rs->gt.arrived < rs->running)
        pthread_cond_wait(&rs->gt.cond, &rs->gt.lock);
    pthread_mutex_unlock(&rs->gt.lock);
    r->setup_s = hx_now() - connect_start;
    window_edge(rs->g, rs->nthreads, -1.0, r);
    pthread_mutex_lock(&rs->gt.lock);
    rs->gt.t0 = r->window_start = hx_now();
    rs->gt.open = true;
    pthread_cond_broadcast(&rs->gt.cond);
    pthread_mutex_unlock(&rs->gt.lock);
    struct timespec end_ts = {(time_t)cfg->duration,
                              (long)((cfg->duration - (double)(time_t)cfg->duration) * 1e9)};
    while (nanosleep(&end_ts, &end_ts) != 0 && errno == EINTR) {
    }
    r->window_end = hx_now();
    window_edge(rs->g, rs->nthreads, +1.0, r);
    if (cfg->at_window_end)
        cfg->at_window_end(cfg->arg);
    pthread_mutex_lock(&rs->gt.lock);
    rs->gt.closed = true;
    pthread_cond_broadcast(&rs->gt.cond);
    pthread_mutex_unlock(&rs->gt.lock);
}

/* Join the generators, add up their counts, take the latency quantiles over all samples. */
static void collect(run_state *rs) {
    hx_io_load_result *r = rs->r;
    size_t total = 0;
    for (unsigned t = 0; t < rs->nthreads; t++) {
        if (rs->g[t].running)
            pthread_join(rs->g[t].thread, NULL);
        total += rs->g[t].nlat;
    }
    double *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (unsigned t = 0; t < rs->nthreads; t++) {
        gthread *g = &rs->g[t];
        r->messages += g->messages;
        r->bytes += g->bytes;
        r->errors += g->errors;
        r->unsent += g->unsent;
        r->offered += g->offered;
        r->completed += g->completed;
        r->gen_cpu += g->cpu;
        if (!r->first_error[0] && g->first_error[0])
            snprintf(r->first_error, sizeof r->first_error, "%s", g->first_error);
        if (all && g->nlat)
            memcpy(all + k, g->lat, g->nlat * sizeof *all);
        k += g->nlat;
    }
    r->seconds = rs->cfg->duration;
    if (all && total) {
        r->p50 = hx_quantile(all, total, 0.50);
        r->p99 = hx_quantile(all, total, 0.99);
        r->p999 = hx_quantile(all, total, 0.999);
        r->max = hx_quantile(all, total, 1.0);
    }
    free(all);
}

static void release(run_state *rs) {
    for (unsigned i = 0; rs->conns && i < rs->cfg->conns; i++)
        if (rs->conns[i].fd >= 0)
            close(rs->conns[i].fd);
    for (unsigned t = 0; rs->g && t < rs->nthreads; t++)
        free(rs->g[t].lat);
    pthread_cond_destroy(&rs->gt.cond);
    pthread_mutex_destroy(&rs->gt.lock);
    free(rs->conns);
    free(rs->g);
}

int hx_io_load_run(const hx_io_load *cfg, hx_io_load_result *r) {
    memset(r, 0, sizeof *r);
    struct sockaddr_in sa;
    HX_TRY(hx_io_loopback(cfg->host, cfg->port, &sa));
    run_state rs = {.cfg = cfg, .r = r};
    pthread_mutex_init(&rs.gt.lock, NULL);
    pthread_cond_init(&rs.gt.cond, NULL);
    char what[64];
    snprintf(what, sizeof what, "%u load generator connections", cfg->conns);
    int status = hx_io_fd_budget((uint64_t)cfg->conns + 64, what);
    double connect_start = hx_now();
    if (status == HX_OK)
        status = connect_all(&rs, &sa);
    if (status == HX_OK) {
        status = start_generators(&rs);
        if (rs.g) { /* some threads may have failed: their connections count as failed */
            run_window(&rs, connect_start);
            collect(&rs);
        }
    }
    release(&rs);
    return status;
}
