/*
 * hetero/io/bench.h - `hetero io serve`, `bench`, `switch` and `list` as library
 * calls: measured points (a model at a connection count, a worker count and a number of idle
 * connections), the context-switch costs, and their table / CSV / JSON reports.
 */
#ifndef HETERO_IO_BENCH_H
#define HETERO_IO_BENCH_H

#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/io/io.h"
#include "hetero/io/load.h"

#define HX_IO_SCHEMA        "hetero.io/1"
#define HX_IO_LIST_SCHEMA   "hetero.io.list/1"
#define HX_IO_SWITCH_SCHEMA "hetero.io.switch/1"
#define HX_IO_BENCH_MAX     16 /* models, connection counts, worker counts per sweep */

typedef struct hx_io_bench_row {
    char model[32];     /* as asked: "auto", "epoll-et", or the --target label */
    char mechanism[32]; /* the model that ran ("auto" names its choice here) */
    unsigned conns, workers, idle;
    hx_io_load_result load;
    double server_cpu;            /* seconds in the window; NaN when the server is not ours */
    double rss_bytes;             /* server memory as the window closed; NaN if not ours */
    double rss_base_bytes;        /* the same before the idle connections were opened */
    double rss_per_1k_idle_bytes; /* (with idle - before) per 1000 idle; NaN without idle */
    bool rss_is_pss;              /* summed PSS of the process and its children */
    double idle_setup_s;          /* opening the idle connections and one echo on each */
    int server_threads;           /* threads the server added to this process; -1 unknown */
    int server_processes;         /* child processes it runs; -1 unknown */
    hx_io_server_stats stats;     /* accepted per worker, refused, shed */
    int status;                   /* HX_OK, or why the point failed */
    char error[300];
} hx_io_bench_row;

typedef struct hx_io_bench_config {
    const char *models[HX_IO_BENCH_MAX];
    size_t nmodels;
    uint64_t conns[HX_IO_BENCH_MAX];
    size_t nconns;
    uint64_t workers[HX_IO_BENCH_MAX]; /* for the models with workers; none: the default */
    size_t nworkers;
    unsigned idle;           /* idle connections held open beside the active ones */
    hx_io_load load;         /* size, duration, rate, threads, drain; port for a target */
    const char *target_host; /* NULL: start each model in this process */
} hx_io_bench_config;

/* --model=LIST: split text (in place; it must outlive cfg) into cfg->models, "all" standing
 * for every model; names are checked unless cfg->target_host is set (then they are labels). */
int hx_io_bench_models(hx_io_bench_config *cfg, char *text);
/* --target=HOST:PORT: HOST (a loopback address) into host[len], the port into cfg->load. */
int hx_io_bench_target(hx_io_bench_config *cfg, const char *text, char *host, size_t len);

/* One point: start `model` with `workers` in this process (load->host NULL) and drive it, or
 * drive the server at load->host:port (model is then only a label). */
int hx_io_bench_point(const char *model, unsigned workers, unsigned idle, const hx_io_load *load,
                      hx_io_bench_row *row);

/* Every point of the sweep, in order, into a new array (*rows, free() it).  A failed point is
 * announced and kept as a row; returns HX_OK, or the worst status of a point (verification
 * failures win), or an error that stopped the sweep before it began (descriptor budget). */
int hx_io_bench_run(const hx_io_bench_config *cfg, hx_io_bench_row **rows, size_t *n);

void hx_io_bench_write(FILE *out, hx_format format, const hx_io_bench_config *cfg,
                       const hx_io_bench_row *rows, size_t n);

/* `hetero io serve`: start the server, print "listening on ADDR:PORT" (auto: the model it
 * chose) to out, serve until SIGINT or SIGTERM (or the server fails), stop it. */
int hx_io_serve(const hx_io_server_config *cfg, FILE *out);

/* `hetero io list`: one line (table), row (CSV) or object (JSON) per model. */
void hx_io_list_write(FILE *out, hx_format format);

/* ---- what a switch costs -----------------------------------------------------------------------
 */

typedef struct hx_io_switch_row {
    const char *name; /* "coroutine", "ucontext", "thread" */
    const char *what; /* exactly what one switch includes */
    uint64_t switches;
    double ns_median, ns_min, ns_max; /* per switch, over the repetitions */
} hx_io_switch_row;

#define HX_IO_SWITCH_ROWS 3

/* Time round trips (two switches each) for: the coroutine switch the coroutine model uses,
 * glibc's swapcontext, and two threads on one CPU handing a token over with a futex.  Each
 * gets a warm-up that also picks its round count (doubled until a repetition takes >= 10 ms),
 * then `reps` timed repetitions. */
int hx_io_switch_measure(unsigned reps, hx_io_switch_row rows[HX_IO_SWITCH_ROWS]);
void hx_io_switch_write(FILE *out, hx_format format, const hx_io_switch_row *rows, size_t n);

#endif
