/*
 * serve.c - `hetero io serve`: one model's echo server in the foreground until SIGINT/SIGTERM.
 *
 * SIGINT and SIGTERM are blocked in the calling thread and taken synchronously with
 * sigtimedwait; the server's threads block every signal (server.c).  Threads that libraries
 * start before main (OpenBLAS's pool) do not block them, and a signal sent to the process may
 * be delivered there: a handler that only records it catches that case instead of the default
 * action killing the server.  The loop also wakes every 200 ms to notice a server that stopped
 * on its own (an error).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hetero/core/error.h"
#include "hetero/io/bench.h"

static volatile sig_atomic_t stop_signal; /* set by a SIGINT/SIGTERM on any thread */

static void record_stop_signal(int sig) {
    stop_signal = sig;
}

static void catch_stop_signals(sigset_t *set) {
    struct sigaction on_stop = {.sa_handler = record_stop_signal};
    sigemptyset(&on_stop.sa_mask);
    sigaction(SIGINT, &on_stop, NULL);
    sigaction(SIGTERM, &on_stop, NULL);
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

int hx_io_serve(const hx_io_server_config *cfg, FILE *out) {
    sigset_t stop_set;
    catch_stop_signals(&stop_set);
    hx_io_server *srv;
    HX_TRY(hx_io_server_open(cfg, &srv));
    const char *addr = cfg->addr ? cfg->addr : "127.0.0.1";
    if (cfg->model && strcmp(cfg->model, "auto") == 0)
        fprintf(out, "listening on %s:%d (auto: %s)\n", addr, hx_io_server_port(srv),
                hx_io_server_model(srv));
    else
        fprintf(out, "listening on %s:%d\n", addr, hx_io_server_port(srv));
    fflush(out);
    for (;;) {
        struct timespec tick = {0, 200 * 1000 * 1000};
        int sig = sigtimedwait(&stop_set, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM || stop_signal || hx_io_server_finished(srv))
            break;
    }
    return hx_io_server_stop(srv);
}
