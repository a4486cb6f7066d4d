/*
 * crash.c - one worker faults: what happens to a thread pool and to a process pool (pool.h).
 *
 * Threads share one address space, so a fault in one is a fault of the process: the kernel
 * delivers SIGSEGV to the process and its default action ends every thread at once.  The thread
 * pool therefore runs in a child process; its workers send each result up a pipe as they finish,
 * and the parent counts what arrived before the pipe closed and reads the signal from waitpid.
 *
 * Processes share nothing but the pipes the manager gave them.  The manager (this process)
 * hands each worker one task at a time over the worker's own pipe and polls the result pipes;
 * a worker that dies closes its result pipe, the manager reaps it (WIFSIGNALED, WTERMSIG),
 * starts a fresh worker in the same slot and queues the task again - up to MAX_ATTEMPTS times,
 * after which the task counts as lost.  The fault is the first attempt only, as for a transient
 * failure, so the restarted worker completes it and the answer comes out right.
 *
 * The fault is real: a store to a page mapped PROT_NONE (SIGSEGV), or abort() (SIGABRT).  The
 * dying worker first restores the signal's default action (sanitizers install handlers) and
 * sets RLIMIT_CORE to 0, so no core file is written.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/conc/pool.h"
#include "hetero/core/error.h"
#include "internal.h"
#include "work.h"

#define TASK_STEPS   (1u << 18) /* about half a millisecond of work per task */
#define MAX_ATTEMPTS 3
#define POLL_MS      10000 /* a worker silent this long is a hang, not a slow task */

typedef struct task_msg {
    uint32_t task, attempt;
} task_msg;

typedef struct result_msg {
    uint32_t task, pad;
    uint64_t value;
} result_msg; /* 16 bytes: one atomic pipe write */

static void crash_now(int sig) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (sig == SIGSEGV) {
        volatile unsigned char *page =
            mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page != MAP_FAILED)
            page[0] = 1; /* the fault */
    } else {
        abort();
    }
    raise(sig);
    _exit(99);
}

static uint64_t expected_sum(unsigned tasks) {
    uint64_t sum = 0;
    for (unsigned t = 0; t < tasks; t++)
        sum += hx_conc_task_value(t, TASK_STEPS);
    return sum;
}

static int read_full(int fd, void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got == 0 && n == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

/* ---- as threads -------------------------------------------------------------------------------
 */

typedef struct thread_crash {
    unsigned tasks, crash_task;
    int sig, result_fd;
    _Atomic unsigned next;
} thread_crash;

static void *crash_pool_thread(void *arg) {
    thread_crash *c = arg;
    for (;;) {
        unsigned t = atomic_fetch_add(&c->next, 1);
        if (t >= c->tasks)
            return NULL;
        if (t == c->crash_task)
            crash_now(c->sig); /* takes every thread of the process with it */
        result_msg r = {t, 0, hx_conc_task_value(t, TASK_STEPS)};
        if (write(c->result_fd, &r, sizeof r) != (ssize_t)sizeof r)
            return NULL;
    }
}

static int thread_pool_child(unsigned workers, thread_crash *c) {
    pthread_t *t = calloc(workers, sizeof *t);
    if (!t)
        return 2;
    unsigned started = 0;
    for (; started < workers; started++)
        if (pthread_create(&t[started], NULL, crash_pool_thread, c) != 0)
            break;
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    return started == workers ? 0 : 2;
}

int hx_conc_crash_threads(unsigned workers, unsigned tasks, unsigned crash_task, int sig,
                          hx_crash_result *out) {
    memset(out, 0, sizeof *out);
    out->tasks = tasks;
    out->expected = expected_sum(tasks);
    int fds[2];
    if (pipe(fds) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    pid_t pid;
    int status = hx_conc_fork(&pid, true);
    if (status == HX_OK && pid == 0) {
        close(fds[0]);
        thread_crash c = {
            .tasks = tasks, .crash_task = crash_task, .sig = sig, .result_fd = fds[1]};
        atomic_init(&c.next, 0);
        _exit(thread_pool_child(workers, &c));
    }
    close(fds[1]);
    if (status != HX_OK) {
        close(fds[0]);
        return status;
    }
    bool *seen = calloc(tasks, sizeof *seen);
    bool out_of_memory = !seen;
    result_msg r;
    while (seen && read_full(fds[0], &r, sizeof r) == 1) {
        if (r.task < tasks && !seen[r.task]) {
            seen[r.task] = true;
            out->done++;
            out->answer += r.value;
        }
    }
    close(fds[0]);
    free(seen);
    if (out_of_memory)
        kill(pid, SIGKILL);
    int ws;
    HX_TRY(hx_conc_reap(pid, &ws));
    if (out_of_memory)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    out->lost = (int64_t)tasks - out->done;
    out->signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    out->answer_ok = out->lost == 0 && out->answer == out->expected;
    if (!WIFSIGNALED(ws))
        return hx_fail(HX_ERR_RUNTIME,
                       "crash threads: the pool process exited with %d instead of dying by "
                       "signal %d",
                       WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, sig);
    return HX_OK;
}

/* ---- as processes -----------------------------------------------------------------------------
 */

typedef struct slot {
    pid_t pid;
    int task_fd, result_fd;
    long task; /* -1: idle */
    uint32_t attempt;
} slot;

typedef struct manager {
    slot *slots;
    unsigned workers, tasks, crash_task;
    int sig;
    task_msg *queue; /* pending tasks, FIFO */
    unsigned qhead, qlen, qcap;
    bool *done;
    hx_crash_result *out;
} manager;

static int process_worker(const manager *m, int task_fd, int result_fd) {
    for (;;) {
        task_msg t;
        int got = read_full(task_fd, &t, sizeof t);
        if (got == 0)
            return 0; /* the manager closed the pipe: no more work */
        if (got < 0)
            return 2;
        if (t.task == m->crash_task && t.attempt == 0)
            crash_now(m->sig);
        result_msg r = {t.task, 0, hx_conc_task_value(t.task, TASK_STEPS)};
        if (write(result_fd, &r, sizeof r) != (ssize_t)sizeof r)
            return 2;
    }
}

static void close_fd(int *fd) {
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int start_worker(manager *m, unsigned w) {
    int to[2], from[2];
    if (pipe(to) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    if (pipe(from) != 0) {
        close(to[0]);
        close(to[1]);
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    }
    pid_t pid;
    int status = hx_conc_fork(&pid, true);
    if (status == HX_OK && pid == 0) {
        for (unsigned i = 0; i < m->workers; i++) { /* the other workers' pipes are not ours */
            close_fd(&m->slots[i].task_fd);
            close_fd(&m->slots[i].result_fd);
        }
        close(to[1]);
        close(from[0]);
        _exit(process_worker(m, to[0], from[1]));
    }
    close(to[0]);
    close(from[1]);
    if (status != HX_OK) {
        close(to[1]);
        close(from[0]);
        return status;
    }
    m->slots[w] = (slot){.pid = pid, .task_fd = to[1], .result_fd = from[0], .task = -1};
    return HX_OK;
}

static void queue_push(manager *m, task_msg t) {
    m->queue[(m->qhead + m->qlen) % m->qcap] = t;
    m->qlen++;
}

static int assign_idle(manager *m) {
    for (unsigned w = 0; w < m->workers && m->qlen > 0; w++) {
        slot *s = &m->slots[w];
        if (s->task >= 0)
            continue;
        task_msg t = m->queue[m->qhead];
        m->qhead = (m->qhead + 1) % m->qcap;
        m->qlen--;
        if (write(s->task_fd, &t, sizeof t) != (ssize_t)sizeof t)
            return hx_fail(HX_ERR_RUNTIME, "crash processes: handing out a task: %s",
                           strerror(errno));
        s->task = t.task;
        s->attempt = t.attempt;
    }
    return HX_OK;
}

/* The worker in slot w closed its pipe: find out why, start a new one, queue its task again. */
static int worker_died(manager *m, unsigned w) {
    slot *s = &m->slots[w];
    close_fd(&s->task_fd);
    close_fd(&s->result_fd);
    int ws;
    HX_TRY(hx_conc_reap(s->pid, &ws));
    if (WIFSIGNALED(ws))
        m->out->signal = WTERMSIG(ws);
    if (s->task >= 0) {
        if (s->attempt + 1 < MAX_ATTEMPTS)
            queue_push(m, (task_msg){(uint32_t)s->task, s->attempt + 1});
        else
            m->out->lost++;
    }
    m->out->restarts++;
    return start_worker(m, w);
}

static int collect(manager *m, unsigned w) {
    slot *s = &m->slots[w];
    result_msg r;
    int got = read_full(s->result_fd, &r, sizeof r);
    if (got <= 0)
        return worker_died(m, w);
    if (r.task >= m->tasks || (long)r.task != s->task)
        return hx_fail(HX_ERR_RUNTIME, "crash processes: worker %u answered task %u, not %ld", w,
                       r.task, s->task);
    if (!m->done[r.task]) {
        m->done[r.task] = true;
        m->out->done++;
        m->out->answer += r.value;
    }
    s->task = -1;
    return HX_OK;
}

static int manage(manager *m) {
    struct pollfd *pfd = calloc(m->workers, sizeof *pfd);
    if (!pfd)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    while (status == HX_OK && m->out->done + m->out->lost < m->tasks) {
        status = assign_idle(m);
        for (unsigned w = 0; w < m->workers; w++)
            pfd[w] = (struct pollfd){.fd = m->slots[w].result_fd, .events = POLLIN};
        int n = status == HX_OK ? poll(pfd, m->workers, POLL_MS) : 0;
        if (status == HX_OK && n < 0 && errno != EINTR)
            status = hx_fail(HX_ERR_RUNTIME, "poll: %s", strerror(errno));
        else if (status == HX_OK && n == 0)
            status = hx_fail(HX_ERR_RUNTIME, "crash processes: no worker answered for %d s",
                             POLL_MS / 1000);
        for (unsigned w = 0; status == HX_OK && n > 0 && w < m->workers; w++)
            if (pfd[w].revents & (POLLIN | POLLHUP | POLLERR))
                status = collect(m, w);
    }
    free(pfd);
    return status;
}

static void stop_workers(manager *m, bool kill_them) {
    for (unsigned w = 0; w < m->workers; w++) {
        slot *s = &m->slots[w];
        close_fd(&s->task_fd); /* EOF: a worker's loop ends */
        if (s->pid <= 0)
            continue;
        if (kill_them)
            kill(s->pid, SIGKILL);
        int ws;
        hx_conc_reap(s->pid, &ws);
        close_fd(&s->result_fd);
        s->pid = 0;
    }
}

int hx_conc_crash_processes(unsigned workers, unsigned tasks, unsigned crash_task, int sig,
                            hx_crash_result *out) {
    memset(out, 0, sizeof *out);
    out->tasks = tasks;
    out->expected = expected_sum(tasks);
    manager m = {.workers = workers,
                 .tasks = tasks,
                 .crash_task = crash_task,
                 .sig = sig,
                 .qcap = tasks * MAX_ATTEMPTS,
                 .out = out};
    m.slots = calloc(workers, sizeof *m.slots);
    m.queue = calloc(m.qcap, sizeof *m.queue);
    m.done = calloc(tasks, sizeof *m.done);
    int status = m.slots && m.queue && m.done ? HX_OK : hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (unsigned w = 0; m.slots && w < workers; w++)
        m.slots[w] = (slot){.task_fd = -1, .result_fd = -1, .task = -1};
    for (unsigned t = 0; status == HX_OK && t < tasks; t++)
        queue_push(&m, (task_msg){t, 0});
    /* a write to the pipe of a worker that just died must fail with EPIPE, not kill us */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    for (unsigned w = 0; status == HX_OK && w < workers; w++)
        status = start_worker(&m, w);
    if (status == HX_OK)
        status = manage(&m);
    if (m.slots)
        stop_workers(&m, status != HX_OK);
    sigaction(SIGPIPE, &old_pipe, NULL);
    out->answer_ok = status == HX_OK && out->lost == 0 && out->answer == out->expected;
    free(m.slots);
    free(m.queue);
    free(m.done);
    return status;
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

static void fill_crash_row(hx_conc_row *row, const hx_conc_config *c, const hx_crash_result *x,
                           const char *mode) {
    snprintf(row->mode, sizeof row->mode, "%s", mode);
    row->crash = true;
    row->threads = c->workers;
    row->tasks = x->tasks;
    row->tasks_done = x->done;
    row->tasks_lost = x->lost;
    row->signal = x->signal;
    row->restarts = x->restarts;
    row->answer_ok = x->answer_ok;
}

int hx_conc_run_crash(const hx_conc_config *c, hx_conc_report *r) {
    hx_crash_result x;
    const char *sig = sigabbrev_np(c->crash_signal);
    hx_conc_progress(c, "crash: thread pool (in a child process)");
    HX_TRY(hx_conc_crash_threads(c->workers, c->tasks, c->crash_task, c->crash_signal, &x));
    hx_conc_row *row = hx_conc_row_add(r, HX_CONC_CRASH, "thread_pool");
    if (!row)
        return HX_ERR_RUNTIME;
    fill_crash_row(row, c, &x, "threads");
    row->ok = x.signal == c->crash_signal && x.lost > 0;
    snprintf(row->note, sizeof row->note,
             "task %u faulted (SIG%s): the whole pool process died, %lld tasks never came back",
             c->crash_task, sig ? sig : "?", (long long)x.lost);
    hx_conc_progress(c, "crash: process pool");
    HX_TRY(hx_conc_crash_processes(c->workers, c->tasks, c->crash_task, c->crash_signal, &x));
    row = hx_conc_row_add(r, HX_CONC_CRASH, "process_pool");
    if (!row)
        return HX_ERR_RUNTIME;
    fill_crash_row(row, c, &x, "processes");
    row->ok = x.answer_ok && x.lost == 0 && x.restarts >= 1 && x.signal == c->crash_signal;
    snprintf(row->note, sizeof row->note,
             "worker died on task %u (SIG%s), restarted %u time(s), task re-queued; answer %s",
             c->crash_task, sig ? sig : "?", x.restarts, x.answer_ok ? "right" : "WRONG");
    return HX_OK;
}
