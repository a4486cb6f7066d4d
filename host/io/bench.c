/*
 * bench.c - one point of `hetero io bench`: a model at a connection count, with the server's
 * CPU time separated from the load generator's.
 *
 * How the server's CPU is measured: the server runs in this process, so over the timed window
 * we take the process's CPU time (getrusage RUSAGE_SELF: every thread, including glibc's AIO
 * threads and io_uring's kernel workers, which are threads of this process) and subtract the
 * CPU time of the threads that are not the server - the generator threads and the main thread,
 * whose CPU clocks (pthread_getcpuclockid) the main thread reads at the same instants.  For
 * blocking-fork the connections are served by child processes: their CPU comes from getrusage
 * RUSAGE_CHILDREN, which counts a child once it has been reaped, so it is taken from before the
 * connections open until the server has stopped and reaped them all (it includes their connect,
 * warm-up and exit).  Against --target the server is elsewhere and its CPU is not reported.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "hetero/core/error.h"
#include "io/bench.h"

static double tv(struct timeval t) {
    return (double)t.tv_sec + 1e-6 * (double)t.tv_usec;
}

static double rusage_cpu(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

int hx_io_bench_point(const char *model, const hx_io_load *load, hx_io_bench_row *row) {
    memset(row, 0, sizeof *row);
    snprintf(row->model, sizeof row->model, "%s", model);
    row->conns = load->conns;
    row->server_cpu = NAN;
    hx_io_load cfg = *load;
    hx_io_server *srv = NULL;
    if (!cfg.host) {
        int st = hx_io_server_start(model, "127.0.0.1", 0, &srv);
        if (st != HX_OK) {
            row->status = st;
            snprintf(row->error, sizeof row->error, "%s", hx_error_message());
            return st;
        }
        cfg.host = "127.0.0.1";
        cfg.port = hx_io_server_port(srv);
    }
    double children0 = rusage_cpu(RUSAGE_CHILDREN);
    int st = hx_io_load_run(&cfg, &row->load);
    if (srv) {
        unsigned long long refused = atomic_load(&srv->refused);
        int stop = hx_io_server_stop(srv);
        if (st == HX_OK && stop != HX_OK)
            st = stop;
        const hx_io_load_result *l = &row->load;
        double server = l->process_cpu - l->main_cpu - l->gen_cpu;
        if (strcmp(model, "blocking-fork") == 0)
            server += rusage_cpu(RUSAGE_CHILDREN) - children0;
        row->server_cpu = server > 0 ? server : 0;
        if (refused && !row->error[0])
            snprintf(row->error, sizeof row->error, "the server refused %llu connection(s)",
                     refused);
    }
    if (st != HX_OK) {
        row->status = st;
        snprintf(row->error, sizeof row->error, "%s", hx_error_message());
    } else if (row->load.errors) {
        row->status = HX_ERR_RUNTIME;
        snprintf(row->error, sizeof row->error, "%llu failed connection(s); first: %s",
                 (unsigned long long)row->load.errors, row->load.first_error);
    }
    return row->status;
}
