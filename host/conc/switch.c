/*
 * switch.c - pipe ping-pong between two processes or two threads (see ipc.h).
 *
 * The same loop runs on both sides: the initiator writes byte b and reads the reply, the peer
 * reads b and writes b + 1.  Each round trip is two hand-offs, each a write that wakes a
 * sleeping reader; half the round trip is reported, as lmbench's lat_pipe does.  Pinning is
 * sched_setaffinity on each side (the initiator's own mask is restored afterwards), choosing
 * the first one or two CPUs this process is allowed to run on.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/ipc.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "internal.h"

const char *const hx_pin_names[] = {"none", "one-core", "two-cores", NULL};

typedef struct pingpong {
    int to_peer[2], from_peer[2];
    unsigned rounds, samples;
    int peer_cpu; /* -1: not pinned */
} pingpong;

static int write_byte(int fd, unsigned char b) {
    for (;;) {
        ssize_t n = write(fd, &b, 1);
        if (n == 1)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

static int read_byte(int fd, unsigned char *b) {
    for (;;) {
        ssize_t n = read(fd, b, 1);
        if (n == 1)
            return 0;
        if (n == 0 || errno != EINTR)
            return -1;
    }
}

static int pin_to(int cpu) {
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

/* The peer's side: echo b + 1 for every round of every sample (the untimed one included). */
static int peer_loop(const pingpong *pp) {
    uint64_t total = (uint64_t)(pp->samples + 1) * pp->rounds;
    for (uint64_t i = 0; i < total; i++) {
        unsigned char b;
        if (read_byte(pp->to_peer[0], &b) != 0 || write_byte(pp->from_peer[1], b + 1) != 0)
            return -1;
    }
    return 0;
}

static void *peer_thread(void *arg) {
    return (void *)(intptr_t)peer_loop(arg);
}

/* The initiator's side: sample 0 is the warm-up. */
static int initiator_loop(const pingpong *pp, double *us) {
    for (unsigned s = 0; s <= pp->samples; s++) {
        double t0 = hx_now();
        for (unsigned r = 0; r < pp->rounds; r++) {
            unsigned char b = (unsigned char)(s * 131u + r), reply;
            if (write_byte(pp->to_peer[1], b) != 0 || read_byte(pp->from_peer[0], &reply) != 0)
                return hx_fail(HX_ERR_RUNTIME, "ping-pong: the peer stopped answering: %s",
                               strerror(errno));
            if (reply != (unsigned char)(b + 1))
                return hx_fail(HX_ERR_RUNTIME, "ping-pong: sent %u, got back %u (expected %u)", b,
                               reply, (unsigned char)(b + 1));
        }
        double t = hx_now() - t0;
        if (s > 0)
            us[s - 1] = t / pp->rounds / 2 * 1e6;
    }
    return HX_OK;
}

/* The first two CPUs this process may use (b = -1 when there is only one). */
static int allowed_cpus(int *a, int *b) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return hx_fail(HX_ERR_RUNTIME, "sched_getaffinity: %s", strerror(errno));
    *a = *b = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        if (*a < 0)
            *a = cpu;
        else if (*b < 0)
            *b = cpu;
    }
    return HX_OK;
}

static void close_pair(int fd[2]) {
    if (fd[0] >= 0)
        close(fd[0]);
    if (fd[1] >= 0)
        close(fd[1]);
    fd[0] = fd[1] = -1;
}

static int run_procs(pingpong *pp, double *us) {
    pid_t pid;
    HX_TRY(hx_conc_fork(&pid, true));
    if (pid == 0) {
        close(pp->to_peer[1]);
        close(pp->from_peer[0]);
        _exit(pin_to(pp->peer_cpu) == 0 && peer_loop(pp) == 0 ? 0 : 1);
    }
    close(pp->to_peer[0]);
    close(pp->from_peer[1]);
    pp->to_peer[0] = pp->from_peer[1] = -1;
    int status = initiator_loop(pp, us);
    close_pair(pp->to_peer); /* the peer sees EOF if the loop stopped early */
    int wstatus;
    int reaped = hx_conc_reap(pid, &wstatus);
    if (status == HX_OK && reaped == HX_OK && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0))
        status = hx_fail(HX_ERR_RUNTIME, "ping-pong peer process failed (status 0x%x)",
                         (unsigned)wstatus);
    return status != HX_OK ? status : reaped;
}

static int run_threads(pingpong *pp, double *us) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (pp->peer_cpu >= 0) { /* pinned before it starts, so the peer itself cannot fail */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(pp->peer_cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    }
    pthread_t t;
    int rc = pthread_create(&t, &attr, peer_thread, pp);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return hx_fail(HX_ERR_RUNTIME, "pthread_create: %s", strerror(rc));
    int status = initiator_loop(pp, us);
    if (status != HX_OK) { /* unblock the peer: its read sees EOF */
        close(pp->to_peer[1]);
        pp->to_peer[1] = -1;
    }
    void *ret;
    pthread_join(t, &ret);
    if (status == HX_OK && ret != NULL)
        status = hx_fail(HX_ERR_RUNTIME, "ping-pong peer thread failed");
    return status;
}

int hx_conc_pingpong(hx_pingpong_kind kind, hx_pin pin, unsigned rounds, unsigned samples,
                     double *us) {
    int cpu_a = -1, cpu_b = -1;
    HX_TRY(allowed_cpus(&cpu_a, &cpu_b));
    if (pin == HX_PIN_TWO_CORES && cpu_b < 0)
        return hx_fail(HX_ERR_MISSING,
                       "two-core pinning needs two CPUs; this process may use "
                       "only CPU %d",
                       cpu_a);
    pingpong pp = {.rounds = rounds, .samples = samples, .peer_cpu = -1};
    if (pipe(pp.to_peer) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    if (pipe(pp.from_peer) != 0) {
        close_pair(pp.to_peer);
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    }
    cpu_set_t saved;
    bool pinned = pin != HX_PIN_NONE;
    if (pinned) {
        sched_getaffinity(0, sizeof saved, &saved);
        pp.peer_cpu = pin == HX_PIN_ONE_CORE ? cpu_a : cpu_b;
        if (pin_to(cpu_a) != 0) {
            close_pair(pp.to_peer);
            close_pair(pp.from_peer);
            return hx_fail(HX_ERR_RUNTIME, "sched_setaffinity: %s", strerror(errno));
        }
    }
    int status = kind == HX_PINGPONG_PROCS ? run_procs(&pp, us) : run_threads(&pp, us);
    if (pinned)
        sched_setaffinity(0, sizeof saved, &saved);
    close_pair(pp.to_peer);
    close_pair(pp.from_peer);
    return status;
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

int hx_conc_run_switch(const hx_conc_config *c, hx_conc_report *r) {
    static const char *const kind_names[] = {"pipe_pingpong_procs", "pipe_pingpong_threads"};
    unsigned samples = c->quick ? 5 : 11;
    double *us = calloc(samples, sizeof *us);
    if (!us)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    for (int k = 0; k < 2 && status == HX_OK; k++)
        for (int pin = HX_PIN_NONE; pin <= HX_PIN_TWO_CORES && status == HX_OK; pin++) {
            hx_conc_progress(c, "switch %s, pinning %s", kind_names[k], hx_pin_names[pin]);
            int got =
                hx_conc_pingpong((hx_pingpong_kind)k, (hx_pin)pin, c->pingpong_rounds, samples, us);
            hx_conc_row *row = hx_conc_row_add(r, HX_CONC_SWITCH, kind_names[k]);
            if (!row) {
                status = HX_ERR_RUNTIME;
                break;
            }
            snprintf(row->variant, sizeof row->variant, "%s", hx_pin_names[pin]);
            row->threads = 2;
            if (got == HX_ERR_MISSING) { /* one CPU: the row says why it is empty */
                row->skipped = true;
                snprintf(row->note, sizeof row->note, "not measured: %s", hx_error_message());
                hx_error_clear();
                continue;
            }
            status = got;
            hx_conc_row_costs(row, us, samples);
            snprintf(row->note, sizeof row->note,
                     "half of a 1-byte round trip through two pipes; %u round trips per sample",
                     c->pingpong_rounds);
        }
    free(us);
    return status;
}
