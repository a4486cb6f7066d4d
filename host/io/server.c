/*
 * server.c - start and stop an echo server of any model, in this process.
 *
 * start: parse the address, bind and listen (SO_REUSEADDR, backlog SOMAXCONN), create the stop
 * eventfd and run the model's run() on its own thread.  stop: set the flag, make the eventfd
 * readable (wakes every model that waits in select/poll/epoll/io_uring), call the model's
 * wake() for the ones that sleep in accept(), join, release.  SIGPIPE is ignored process-wide
 * on start as a second line of defence behind MSG_NOSIGNAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "io/io.h"

extern const hx_io_model hx_io_model_blocking_thread, hx_io_model_blocking_fork,
    hx_io_model_nonblocking_poll, hx_io_model_select, hx_io_model_poll, hx_io_model_epoll_lt,
    hx_io_model_epoll_et, hx_io_model_sigio, hx_io_model_posix_aio, hx_io_model_io_uring;

const hx_io_model *const hx_io_models[] = {
    &hx_io_model_blocking_thread,
    &hx_io_model_blocking_fork,
    &hx_io_model_nonblocking_poll,
    &hx_io_model_select,
    &hx_io_model_poll,
    &hx_io_model_epoll_lt,
    &hx_io_model_epoll_et,
    &hx_io_model_sigio,
    &hx_io_model_posix_aio,
    &hx_io_model_io_uring,
    NULL,
};

const hx_io_model *hx_io_model_find(const char *name) {
    for (size_t i = 0; hx_io_models[i]; i++)
        if (strcmp(hx_io_models[i]->name, name) == 0)
            return hx_io_models[i];
    return NULL;
}

const char *hx_io_model_names(void) {
    static char names[512];
    if (!names[0]) {
        size_t len = 0;
        for (size_t i = 0; hx_io_models[i]; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                    hx_io_models[i]->name);
    }
    return names;
}

static int open_listener(const char *addr, int port, int *fd_out, int *port_out) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return hx_fail(HX_ERR_USAGE,
                       "bad --bind address '%s' (want a numeric IPv4 address "
                       "such as 127.0.0.1)",
                       addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return hx_fail(HX_ERR_RUNTIME, "socket: %s", strerror(errno));
    int one = 1;
    socklen_t len = sizeof sa;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        int e = errno;
        close(fd);
        return hx_fail(HX_ERR_RUNTIME, "cannot listen on %s:%d: %s", addr, port, strerror(e));
    }
    *fd_out = fd;
    *port_out = ntohs(sa.sin_port);
    return HX_OK;
}

static void *server_main(void *arg) {
    hx_io_server *s = arg;
    s->status = s->model->run(s);
    if (s->status != HX_OK)
        snprintf(s->error, sizeof s->error, "%s", hx_error_message());
    atomic_store(&s->finished, true);
    return NULL;
}

int hx_io_server_start(const char *model, const char *addr, int port, hx_io_server **out) {
    const hx_io_model *m = hx_io_model_find(model);
    if (!m)
        return hx_fail(HX_ERR_USAGE, "unknown IO model '%s'; the models are: %s", model,
                       hx_io_model_names());
    if (m->probe)
        HX_TRY(m->probe());
    signal(SIGPIPE, SIG_IGN);
    hx_io_server *s = calloc(1, sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    s->model = m;
    s->stop_fd = -1;
    int status = open_listener(addr ? addr : "127.0.0.1", port, &s->listen_fd, &s->port);
    if (status != HX_OK) {
        free(s);
        return status;
    }
    s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    /* The server's threads start with every signal blocked: SIGINT/SIGTERM stay with the
     * command's main thread, and the sigio model takes its signals only with sigwaitinfo. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = s->stop_fd < 0 ? -1 : pthread_create(&s->thread, NULL, server_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        status = hx_fail(HX_ERR_RUNTIME, "cannot start the %s server: %s", model,
                         strerror(s->stop_fd < 0 ? errno : rc));
        if (s->stop_fd >= 0)
            close(s->stop_fd);
        close(s->listen_fd);
        free(s);
        return status;
    }
    *out = s;
    return HX_OK;
}

int hx_io_server_port(const hx_io_server *s) {
    return s->port;
}

bool hx_io_server_finished(hx_io_server *s) {
    return atomic_load(&s->finished);
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
    close(s->listen_fd);
    close(s->stop_fd);
    free(s);
    return status;
}
