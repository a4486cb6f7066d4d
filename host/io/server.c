/*
 * server.c - start and stop an echo server of any model, in this process.
 *
 * start: resolve `auto`, parse the address, bind and listen (SO_REUSEADDR, SO_REUSEPORT for
 * the models that bind one listener per worker, backlog SOMAXCONN), create the stop eventfd,
 * the reserve descriptor and the counters, run the model's prepare() on the caller's thread
 * and its run() on a thread of its own.  stop: set the flag, make the eventfd readable (wakes
 * every model that waits in select/poll/epoll/io_uring, child processes included: they share
 * the eventfd), call the model's wake() for the ones that sleep in accept(), join, release.
 * SIGPIPE is ignored process-wide on start as a second line of defence behind MSG_NOSIGNAL.
 *
 * The counters live in a MAP_SHARED page so the worker processes of epoll-reuseport (and the
 * children of blocking-fork) count into the same numbers the parent reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "internal.h"

extern const hx_io_model hx_io_model_blocking_thread, hx_io_model_blocking_fork,
    hx_io_model_nonblocking_poll, hx_io_model_select, hx_io_model_poll, hx_io_model_epoll_lt,
    hx_io_model_epoll_et, hx_io_model_sigio, hx_io_model_posix_aio, hx_io_model_io_uring,
    hx_io_model_epoll_reuseport, hx_io_model_epoll_threads, hx_io_model_coroutine;

/* `auto` is resolved at start (hx_io_auto_choice); its entry only names it in the list. */
static const hx_io_model auto_entry = {
    .name = "auto",
    .summary = "the best readiness call here: epoll, else poll, else select (HETERO_IO_FORCE)",
};

static const hx_io_model *const models[] = {
    &hx_io_model_blocking_thread,
    &hx_io_model_blocking_fork,
    &hx_io_model_nonblocking_poll,
    &hx_io_model_select,
    &hx_io_model_poll,
    &hx_io_model_epoll_lt,
    &hx_io_model_epoll_et,
    &auto_entry,
    &hx_io_model_sigio,
    &hx_io_model_posix_aio,
    &hx_io_model_io_uring,
    &hx_io_model_epoll_reuseport,
    &hx_io_model_epoll_threads,
    &hx_io_model_coroutine,
};
#define NMODELS (sizeof models / sizeof *models)

size_t hx_io_model_count(void) {
    return NMODELS;
}

hx_io_model_info hx_io_model_at(size_t i) {
    const hx_io_model *m = models[i < NMODELS ? i : 0];
    return (hx_io_model_info){m->name, m->summary, m->uses_workers, m->processes};
}

static const hx_io_model *find(const char *name) {
    for (size_t i = 0; i < NMODELS; i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

hx_io_model_info hx_io_model_named(const char *name) {
    const hx_io_model *m = find(name);
    return m ? (hx_io_model_info){m->name, m->summary, m->uses_workers, m->processes}
             : (hx_io_model_info){0};
}

bool hx_io_model_exists(const char *name) {
    return find(name) != NULL;
}

static char names_text[512];

static void build_names(void) {
    size_t len = 0;
    for (size_t i = 0; i < NMODELS; i++)
        len += (size_t)snprintf(names_text + len, sizeof names_text - len, "%s%s", i ? ", " : "",
                                models[i]->name);
}

const char *hx_io_model_names(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_names);
    return names_text;
}

/* ---- auto ------------------------------------------------------------------------------------ */

static bool epoll_works(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return false; /* ENOSYS on a kernel built without CONFIG_EPOLL */
    close(ep);
    return true;
}

int hx_io_auto_choice(const char **model) {
    static const char *const forced[] = {"select", "poll", "epoll", NULL};
    const char *force = getenv("HETERO_IO_FORCE");
    if (force && *force) {
        int k;
        HX_TRY(hx_parse_choice("HETERO_IO_FORCE", force, forced, &k));
        *model = k == 0 ? "select" : k == 1 ? "poll" : "epoll-et";
        return HX_OK;
    }
    /* poll(2) is in every Linux kernel; select stays the selector idea's last resort */
    *model = epoll_works() ? "epoll-et" : "poll";
    return HX_OK;
}

unsigned hx_io_default_workers(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > HX_IO_MAX_WORKERS ? HX_IO_MAX_WORKERS : (unsigned)n;
}

/* ---- listening ------------------------------------------------------------------------------- */

int hx_io_listen(const struct sockaddr_in *sa, bool reuseport, int *fd_out) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return hx_fail(HX_ERR_RUNTIME, "socket: %s", strerror(errno));
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        close(fd);
        return hx_fail(HX_ERR_RUNTIME, "SO_REUSEADDR: %s", strerror(errno));
    }
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        int e = errno;
        close(fd);
        return hx_fail(HX_ERR_MISSING,
                       "SO_REUSEPORT is not available here (%s): the one-listener-per-worker "
                       "model needs Linux >= 3.9; use epoll-threads instead",
                       strerror(e));
    }
    char addr[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof addr);
    if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        return hx_fail(HX_ERR_RUNTIME, "cannot listen on %s:%d: %s", addr, ntohs(sa->sin_port),
                       strerror(e));
    }
    *fd_out = fd;
    return HX_OK;
}

static int open_listener(hx_io_server *s, const char *addr, int port) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return hx_fail(HX_ERR_USAGE,
                       "bad --bind address '%s' (want a numeric IPv4 address "
                       "such as 127.0.0.1)",
                       addr);
    HX_TRY(hx_io_listen(&sa, s->model->reuseport, &s->listen_fd));
    socklen_t len = sizeof sa;
    if (getsockname(s->listen_fd, (struct sockaddr *)&sa, &len) != 0)
        return hx_fail(HX_ERR_RUNTIME, "getsockname: %s", strerror(errno));
    s->bound = malloc(sizeof sa);
    if (!s->bound)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    *s->bound = sa;
    s->port = ntohs(sa.sin_port);
    return HX_OK;
}

/* ---- start and stop
 * ------------------------------------------------------------------------------ */

static void *server_main(void *arg) {
    hx_io_server *s = arg;
    s->status = s->model->run(s);
    if (s->status != HX_OK)
        snprintf(s->error, sizeof s->error, "%s", hx_error_message());
    atomic_store(&s->finished, true);
    return NULL;
}

static void server_free(hx_io_server *s) {
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->stop_fd >= 0)
        close(s->stop_fd);
    if (s->reserve_fd >= 0)
        close(s->reserve_fd);
    if (s->count)
        munmap(s->count, sizeof *s->count);
    pthread_mutex_destroy(&s->reserve_lock);
    free(s->bound);
    free(s);
}

static int resolve(const hx_io_server_config *cfg, const hx_io_model **m, unsigned *workers) {
    const char *name = cfg->model ? cfg->model : "";
    if (strcmp(name, "auto") == 0)
        HX_TRY(hx_io_auto_choice(&name));
    *m = find(name);
    if (!*m)
        return hx_fail(HX_ERR_USAGE, "unknown IO model '%s'; the models are: %s", name,
                       hx_io_model_names());
    *workers = cfg->workers ? cfg->workers : hx_io_default_workers();
    if (*workers > HX_IO_MAX_WORKERS)
        return hx_fail(HX_ERR_USAGE, "--workers %u is out of range (1 to %d)", *workers,
                       HX_IO_MAX_WORKERS);
    if (!(*m)->uses_workers)
        *workers = 1;
    return (*m)->probe ? (*m)->probe() : HX_OK;
}

/* The server's threads start with every signal blocked: SIGINT/SIGTERM stay with the command's
 * main thread, and the sigio model takes its signals only with sigwaitinfo. */
static int start_thread(hx_io_server *s) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, server_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot start the %s server: %s", s->model->name,
                       strerror(rc));
    return HX_OK;
}

static int setup(hx_io_server *s, const hx_io_server_config *cfg) {
    HX_TRY(open_listener(s, cfg->addr ? cfg->addr : "127.0.0.1", cfg->port));
    s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    void *page =
        mmap(NULL, sizeof *s->count, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s->stop_fd < 0 || s->reserve_fd < 0 || page == MAP_FAILED)
        return hx_fail(HX_ERR_RUNTIME, "cannot set up the %s server: %s", s->model->name,
                       strerror(errno));
    s->count = page; /* zero-filled */
    return s->model->prepare ? s->model->prepare(s) : HX_OK;
}

int hx_io_server_open(const hx_io_server_config *cfg, hx_io_server **out) {
    const hx_io_model *m = NULL;
    unsigned workers = 1;
    HX_TRY(resolve(cfg, &m, &workers));
    signal(SIGPIPE, SIG_IGN);
    hx_io_server *s = calloc(1, sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    *s = (hx_io_server){
        .model = m, .listen_fd = -1, .stop_fd = -1, .reserve_fd = -1, .workers = workers};
    pthread_mutex_init(&s->reserve_lock, NULL);
    int status = setup(s, cfg);
    if (status == HX_OK) {
        status = start_thread(s);
        if (status != HX_OK && m->release)
            m->release(s);
    } else if (s->state && m->release) {
        m->release(s);
    }
    if (status != HX_OK) {
        server_free(s);
        return status;
    }
    *out = s;
    return HX_OK;
}

int hx_io_server_start(const char *model, const char *addr, int port, hx_io_server **out) {
    hx_io_server_config cfg = {.model = model, .addr = addr, .port = port};
    return hx_io_server_open(&cfg, out);
}

int hx_io_server_port(const hx_io_server *s) {
    return s->port;
}

const char *hx_io_server_model(const hx_io_server *s) {
    return s->model->name;
}

unsigned hx_io_server_workers(const hx_io_server *s) {
    return s->workers;
}

bool hx_io_server_finished(hx_io_server *s) {
    return atomic_load(&s->finished);
}

void hx_io_server_stats_get(hx_io_server *s, hx_io_server_stats *out) {
    memset(out, 0, sizeof *out);
    out->refused = atomic_load(&s->count->refused);
    out->shed = atomic_load(&s->count->shed);
    out->rescans = atomic_load(&s->count->rescans);
    out->workers = s->workers;
    for (unsigned w = 0; w < s->workers; w++) {
        out->per_worker[w] = atomic_load(&s->count->per_worker[w]);
        out->accepted += out->per_worker[w];
    }
}

size_t hx_io_server_children(hx_io_server *s, pid_t *out, size_t cap) {
    return s->model->children ? s->model->children(s, out, cap) : 0;
}

int hx_io_server_stop(hx_io_server *s) {
    if (!s)
        return HX_OK;
    atomic_store_explicit(&s->stopping, true, memory_order_release);
    uint64_t one = 1;
    if (write(s->stop_fd, &one, sizeof one) < 0) {
        /* cannot fail for a fresh eventfd; the flag alone still stops every model */
    }
    if (s->model->wake)
        s->model->wake(s);
    pthread_join(s->thread, NULL);
    int status = s->status;
    if (status != HX_OK)
        status = hx_fail(status, "%s", s->error);
    if (s->model->release)
        s->model->release(s);
    server_free(s);
    return status;
}
