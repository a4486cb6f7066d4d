/*
 * create.c - creation costs: processes, threads, OpenMP regions (see create.h).
 *
 * Why fork's cost depends on the parent: fork copies the parent's page tables (one entry per
 * 4 KiB page it has touched) and marks every private page copy-on-write, so a parent with 1 GiB
 * touched pays for 262144 entries on every fork, and the child pays again when it exits.
 * vfork and posix_spawn share the parent's address space until the exec (glibc's posix_spawn is
 * clone(CLONE_VM | CLONE_VFORK)), so they cost the same whatever the parent holds; a thread
 * shares everything from the start.  The big parent is made with huge pages off: with 2 MiB
 * pages fork would copy 512 times fewer entries and the lesson would hide.
 *
 * Short-lived children are not entered in the cleanup table (cleanup.h): the guard's signals
 * are blocked for the whole timed batch instead, so an interrupt waits until every child of
 * the batch has been reaped (a few milliseconds) and then ends the process cleanly.
 */
#include "hetero/conc/create.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/conc/cleanup.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "internal.h"

extern char **environ;

#define HELPER_NAME "hetero-conc-helper"

/* ---- the helper -------------------------------------------------------------------------------
 */

int hx_conc_find_helper(char *path, size_t len) {
    const char *env = getenv("HETERO_CONC_HELPER");
    if (env && *env) {
        snprintf(path, len, "%s", env);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            return hx_fail(HX_ERR_RUNTIME, "readlink /proc/self/exe: %s", strerror(errno));
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(path, len, "%s/%s", exe, HELPER_NAME);
    }
    if (access(path, X_OK) != 0)
        return hx_fail(HX_ERR_MISSING,
                       "the helper program '%s' is missing (it is built with hetero, target %s; "
                       "HETERO_CONC_HELPER names another place)",
                       path, HELPER_NAME);
    return HX_OK;
}

/* ---- checks shared by the process rows --------------------------------------------------------
 */

static int wait_exit_code(pid_t pid, int code, const char *what) {
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return hx_fail(HX_ERR_RUNTIME, "%s: waitpid: %s", what, strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        return hx_fail(HX_ERR_RUNTIME, "%s: the child ended with status 0x%x, expected exit %d",
                       what, (unsigned)status, code);
    return HX_OK;
}

static int fork_self_once(int code) {
    pid_t pid = fork();
    if (pid < 0)
        return hx_fail(HX_ERR_RUNTIME, "fork: %s", strerror(errno));
    if (pid == 0)
        _exit(code);
    return wait_exit_code(pid, code, "fork");
}

static int vfork_exec_once(const char *helper, int code) {
    char code_text[8];
    snprintf(code_text, sizeof code_text, "%d", code);
    char *argv[] = {(char *)helper, "exit", code_text, NULL};
    pid_t pid = vfork();
    if (pid < 0)
        return hx_fail(HX_ERR_RUNTIME, "vfork: %s", strerror(errno));
    if (pid == 0) {
        execve(helper, argv, environ); /* only exec or _exit are allowed after vfork */
        _exit(127);
    }
    return wait_exit_code(pid, code, "vfork+exec");
}

static int posix_spawn_once(const char *helper, int code) {
    char code_text[8];
    snprintf(code_text, sizeof code_text, "%d", code);
    char *argv[] = {(char *)helper, "exit", code_text, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, helper, NULL, NULL, argv, environ);
    if (rc != 0)
        return hx_fail(HX_ERR_RUNTIME, "posix_spawn %s: %s", helper, strerror(rc));
    return wait_exit_code(pid, code, "posix_spawn");
}

static void *return_argument(void *arg) {
    return arg;
}

static int pthread_once_op(int code) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, return_argument, (void *)(intptr_t)code);
    if (rc != 0)
        return hx_fail(HX_ERR_RUNTIME, "pthread_create: %s", strerror(rc));
    void *ret;
    rc = pthread_join(t, &ret);
    if (rc != 0)
        return hx_fail(HX_ERR_RUNTIME, "pthread_join: %s", strerror(rc));
    if ((intptr_t)ret != code)
        return hx_fail(HX_ERR_RUNTIME, "a thread returned %ld, expected %d", (long)(intptr_t)ret,
                       code);
    return HX_OK;
}

static int omp_region_once(unsigned threads) {
    atomic_uint ran = 0;
    int team = 0;
#pragma omp parallel num_threads(threads)
    {
        atomic_fetch_add_explicit(&ran, 1, memory_order_relaxed);
        if (omp_get_thread_num() == 0)
            team = omp_get_num_threads();
    }
    if (team != (int)threads || atomic_load(&ran) != threads)
        return hx_fail(HX_ERR_RUNTIME,
                       "an OpenMP region of %u threads ran on %u (team %d); is OMP_THREAD_LIMIT "
                       "or OMP_DYNAMIC set?",
                       threads, atomic_load(&ran), team);
    return HX_OK;
}

/* One operation of op; code is what the child or thread must hand back. */
static int create_once(hx_create_op op, const char *helper, unsigned threads, int code) {
    switch (op) {
    case HX_CREATE_FORK_SELF:
        return fork_self_once(code);
    case HX_CREATE_VFORK_EXEC:
        return vfork_exec_once(helper, code);
    case HX_CREATE_POSIX_SPAWN:
        return posix_spawn_once(helper, code);
    case HX_CREATE_PTHREAD:
        return pthread_once_op(code);
    case HX_CREATE_OMP_REGION:
        return omp_region_once(threads);
    case HX_CREATE_FORK_HELPER:
        break;
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: creation op %d has no single-step form", (int)op);
}

/* ---- fork from the helper ---------------------------------------------------------------------
 */

static int read_all(int fd, char **text) {
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (;;) {
        if (len + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return hx_fail(HX_ERR_RUNTIME, "out of memory");
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return hx_fail(HX_ERR_RUNTIME, "reading the helper's output: %s", strerror(errno));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *text = buf;
    return HX_OK;
}

static int parse_helper_times(const char *text, unsigned ops, double *us) {
    const char *p = text;
    for (unsigned i = 0; i < ops; i++) {
        char *end;
        errno = 0;
        long long ns = strtoll(p, &end, 10);
        if (errno || end == p || ns <= 0 || *end != '\n')
            return hx_fail(HX_ERR_RUNTIME, "the helper printed %u fork times, expected %u", i, ops);
        us[i] = (double)ns / 1e3;
        p = end + 1;
    }
    return HX_OK;
}

static int fork_from_helper(const char *helper, unsigned ops, unsigned warmup, double *us) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pipe: %s", strerror(errno));
    char ops_text[16], warm_text[16];
    snprintf(ops_text, sizeof ops_text, "%u", ops);
    snprintf(warm_text, sizeof warm_text, "%u", warmup);
    char *argv[] = {(char *)helper, "fork", ops_text, warm_text, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    sigset_t old;
    hx_conc_signals_block(&old);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &old);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int rc = posix_spawn(&pid, helper, &fa, &attr, argv, environ);
    int status = rc == 0 ? hx_conc_track_child(pid) : HX_OK;
    hx_conc_signals_restore(&old);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        return hx_fail(HX_ERR_RUNTIME, "posix_spawn %s: %s", helper, strerror(rc));
    }
    char *text = NULL;
    if (status == HX_OK)
        status = read_all(out[0], &text);
    close(out[0]);
    int wstatus = 0;
    int reaped = hx_conc_reap(pid, &wstatus);
    if (status == HX_OK)
        status = reaped;
    if (status == HX_OK && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0))
        status = hx_fail(HX_ERR_RUNTIME, "%s fork %u failed (status 0x%x)", helper, ops,
                         (unsigned)wstatus);
    if (status == HX_OK)
        status = parse_helper_times(text, ops, us);
    free(text);
    return status;
}

/* ---- the timed loop ---------------------------------------------------------------------------
 */

int hx_conc_create_time(hx_create_op op, const char *helper, unsigned threads, unsigned ops,
                        unsigned warmup, double *us) {
    if (op == HX_CREATE_FORK_HELPER)
        return fork_from_helper(helper, ops, warmup, us);
    bool child_processes =
        op == HX_CREATE_FORK_SELF || op == HX_CREATE_VFORK_EXEC || op == HX_CREATE_POSIX_SPAWN;
    sigset_t old;
    if (child_processes)
        hx_conc_signals_block(&old);
    int status = HX_OK;
    for (unsigned i = 0; i < warmup && status == HX_OK; i++)
        status = create_once(op, helper, threads, (int)(i % 100));
    for (unsigned i = 0; i < ops && status == HX_OK; i++) {
        double t0 = hx_now();
        status = create_once(op, helper, threads, (int)(i % 100));
        us[i] = (hx_now() - t0) * 1e6;
    }
    if (child_processes)
        hx_conc_signals_restore(&old);
    return status;
}

/* ---- a big parent -----------------------------------------------------------------------------
 */

int hx_conc_big_memory(uint64_t bytes, void **mem) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return hx_fail(HX_ERR_RUNTIME, "cannot map %llu bytes for the large parent: %s",
                       (unsigned long long)bytes, strerror(errno));
    if (madvise(p, bytes, MADV_NOHUGEPAGE) != 0 && errno != EINVAL) {
        int err = errno;
        munmap(p, bytes);
        return hx_fail(HX_ERR_RUNTIME, "madvise(MADV_NOHUGEPAGE): %s", strerror(err));
    }
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, bytes, MADV_POPULATE_WRITE) == 0) { /* Linux 5.14: faults taken in-kernel */
        *mem = p;
        return HX_OK;
    }
#endif
    long page = sysconf(_SC_PAGESIZE);
    volatile unsigned char *c = p;
    for (uint64_t off = 0; off < bytes; off += (uint64_t)page)
        c[off] = 1; /* a write fault per page: each gets its own page-table entry */
    *mem = p;
    return HX_OK;
}

void hx_conc_big_memory_free(void *mem, uint64_t bytes) {
    if (mem)
        munmap(mem, bytes);
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

typedef struct create_row {
    const char *name;
    hx_create_op op;
    unsigned ops_scale; /* operations = create_ops x this (cheap operations get more) */
    const char *what;
} create_row;

static const create_row small_rows[] = {
    {"fork", HX_CREATE_FORK_HELPER, 1, "fork+_exit+waitpid in hetero-conc-helper (libc only)"},
    {"fork_hetero", HX_CREATE_FORK_SELF, 1, "fork+_exit+waitpid from hetero's own process"},
    {"vfork_exec", HX_CREATE_VFORK_EXEC, 1, "vfork+execve(helper)+waitpid"},
    {"posix_spawn", HX_CREATE_POSIX_SPAWN, 1, "posix_spawn(helper)+waitpid"},
    {"pthread_create", HX_CREATE_PTHREAD, 5, "pthread_create+pthread_join"},
    {"omp_region", HX_CREATE_OMP_REGION, 20, "enter+leave an empty omp parallel region"},
};

static const create_row large_rows[] = {
    {"fork_large", HX_CREATE_FORK_SELF, 0, "fork+_exit+waitpid, parent with extra memory touched"},
    {"vfork_exec_large", HX_CREATE_VFORK_EXEC, 1, "vfork+execve+waitpid, large parent"},
    {"posix_spawn_large", HX_CREATE_POSIX_SPAWN, 1, "posix_spawn+waitpid, large parent"},
    {"pthread_create_large", HX_CREATE_PTHREAD, 5, "pthread_create+join, large parent"},
    {"omp_region_large", HX_CREATE_OMP_REGION, 20, "empty omp parallel region, large parent"},
};

static int measure_row(const hx_conc_config *c, hx_conc_report *r, const create_row *cr,
                       const char *helper, uint64_t extra_bytes) {
    unsigned ops = cr->ops_scale ? c->create_ops * cr->ops_scale : c->create_ops / 20;
    if (ops < 5)
        ops = 5;
    unsigned warmup = ops / 10 < 2 ? 2 : ops / 10;
    unsigned threads = r->cores < 2 ? 2 : (unsigned)r->cores;
    double *us = calloc(ops, sizeof *us);
    if (!us)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    hx_conc_progress(c, "create %s (%u operations)", cr->name, ops);
    int status = hx_conc_create_time(cr->op, helper, threads, ops, warmup, us);
    hx_conc_row *row = status == HX_OK ? hx_conc_row_add(r, HX_CONC_CREATE, cr->name) : NULL;
    if (status == HX_OK && !row)
        status = HX_ERR_RUNTIME;
    if (row) {
        hx_conc_row_costs(row, us, ops);
        row->bytes = extra_bytes;
        row->threads = cr->op == HX_CREATE_OMP_REGION ? threads : 0;
        snprintf(row->note, sizeof row->note, "%s; %u warm-up", cr->what, warmup);
    }
    free(us);
    return status;
}

int hx_conc_run_create(const hx_conc_config *c, hx_conc_report *r) {
    char helper[4096];
    if (c->helper)
        snprintf(helper, sizeof helper, "%s", c->helper);
    else
        HX_TRY(hx_conc_find_helper(helper, sizeof helper));
    for (size_t i = 0; i < sizeof small_rows / sizeof small_rows[0]; i++)
        HX_TRY(measure_row(c, r, &small_rows[i], helper, 0));
    hx_conc_progress(c, "create: touching %llu MiB for the large parent",
                     (unsigned long long)(c->large_bytes >> 20));
    void *big;
    HX_TRY(hx_conc_big_memory(c->large_bytes, &big));
    int status = HX_OK;
    for (size_t i = 0; i < sizeof large_rows / sizeof large_rows[0] && status == HX_OK; i++)
        status = measure_row(c, r, &large_rows[i], helper, c->large_bytes);
    hx_conc_big_memory_free(big, c->large_bytes);
    return status;
}
