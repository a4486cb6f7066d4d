/*
 * io.c - `hetero io`: the IO models lab, a thin command over the hetero_io library (host/io/).
 *
 *   hetero io serve --model=M [--port=P] [--bind=ADDR] [--workers=N]  one model's echo server
 *   hetero io bench [--model=LIST] [--conns=LIST] [--workers=LIST] [--idle=N] ...
 *   hetero io switch [--reps=N]                 coroutine vs thread switch cost
 *   hetero io list [--format=FMT]               the models, one line each
 *
 * Each action: parse the options, make one library call, write its report.  The servers, the
 * load generator, the bench points and the report writers are all in host/io/ (docs/io.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/io/bench.h"

#define DEFAULT_PORT 7007

/* Options shared by the actions that write a report. */
typedef struct report_opts {
    hx_format format;
    const char *output;
} report_opts;

/* The option loop every action shares: positionals and unknown options are errors, --help
 * asks the caller to print its help, every other option goes to `take`. */
static int parse(int argc, char **argv, const hx_opt *opts, const char *cmd, bool *help,
                 int (*take)(void *ctx, const char *name, const char *value), void *ctx) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, opts, cmd);
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            return HX_OK;
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_args_unknown(&ap, &a);
        if (a.kind == HX_ARG_POSITIONAL)
            return hx_fail(HX_ERR_USAGE, "unexpected argument '%s' for 'hetero %s'", a.value, cmd);
        if (strcmp(a.opt->name, "help") == 0)
            *help = true;
        else
            HX_TRY(take(ctx, a.opt->name, a.value));
    }
}

static int take_report(report_opts *r, const char *name, const char *value) {
    if (strcmp(name, "format") == 0)
        return hx_parse_format(value, &r->format);
    if (strcmp(name, "output") == 0) {
        r->output = value;
        return hx_output_check(value); /* before the run, not after it */
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", name);
}

static int workers_value(const char *value, unsigned *out) {
    uint64_t w;
    HX_TRY(hx_parse_uint("--workers", value, 1, HX_IO_MAX_WORKERS, &w));
    *out = (unsigned)w;
    return HX_OK;
}

/* ---- serve ---------------------------------------------------------------------------------- */

static const hx_opt serve_opts[] = {
    {"model", 'm', "M", "IO model (see 'hetero io list')"},
    {"port", 'p', "P", "TCP port (default 7007; 0 picks a free one)"},
    {"bind", 0, "ADDR", "IPv4 address to listen on (default 127.0.0.1)"},
    {"workers", 'w', "N", "loops for epoll-reuseport / epoll-threads (default: online cores)"},
    HX_CLI_HELP_AND_END,
};

static int take_serve(void *ctx, const char *name, const char *value) {
    hx_io_server_config *c = ctx;
    uint64_t port;
    if (strcmp(name, "model") == 0)
        c->model = value;
    else if (strcmp(name, "bind") == 0)
        c->addr = value;
    else if (strcmp(name, "workers") == 0)
        return workers_value(value, &c->workers);
    else if (strcmp(name, "port") == 0) {
        HX_TRY(hx_parse_uint("--port", value, 0, 65535, &port));
        c->port = (int)port;
    }
    return HX_OK;
}

static int serve(int argc, char **argv) {
    hx_io_server_config cfg = {.addr = "127.0.0.1", .port = DEFAULT_PORT};
    bool help = false;
    HX_TRY(parse(argc, argv, serve_opts, "io serve", &help, take_serve, &cfg));
    if (help) {
        hx_args_help(stdout, "hetero io serve --model=M [--port=P] [--bind=ADDR] [--workers=N]",
                     "Run a TCP echo server in one IO model until SIGINT or SIGTERM.  Prints\n"
                     "one line 'listening on ADDR:PORT' once it accepts connections ('auto'\n"
                     "adds the model it chose).",
                     serve_opts);
        return HX_OK;
    }
    if (!cfg.model)
        return hx_fail(HX_ERR_USAGE, "'hetero io serve' needs --model=M; the models are: %s",
                       hx_io_model_names());
    return hx_io_serve(&cfg, stdout);
}

/* ---- bench ---------------------------------------------------------------------------------- */

typedef struct bench_opts {
    hx_io_bench_config cfg;
    report_opts report;
    const char *model_text;
    char *model_copy;
    char target_host[64];
} bench_opts;

static const hx_opt bench_opts_table[] = {
    {"model", 'm', "LIST", "IO models, comma-separated, or 'all' (default: all)"},
    {"conns", 'c', "LIST", "connection counts (default 1,10,100,1000)"},
    {"workers", 'w', "LIST", "worker counts for the one-loop-per-core models (default: cores)"},
    {"idle", 0, "N", "also hold N idle connections open; report memory per 1000 (default 0)"},
    {"size", 's', "N", "message size in bytes, K/M suffixes (default 64)"},
    {"duration", 'd', "T", "measured window per point, e.g. 3s, 500ms (default 3s)"},
    {"rate", 'r', "R", "open loop: R messages/s over all connections (default: closed loop)"},
    {"threads", 't', "N", "load generator threads (default 1)"},
    {"drain", 0, "T", "how long to wait for owed echoes after the window (default 5s)"},
    {"target", 0, "HOST:PORT", "drive this echo server instead of starting the models"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static int take_duration(const char *opt, const char *v, double lo, double hi, double *out) {
    HX_TRY(hx_parse_duration(opt, v, out));
    if (*out < lo || *out > hi)
        return hx_fail(HX_ERR_USAGE, "%s '%s' is out of range (%gs to %gs)", opt, v, lo, hi);
    return HX_OK;
}

static int take_bench(void *ctx, const char *n, const char *v) {
    bench_opts *b = ctx;
    hx_io_bench_config *c = &b->cfg;
    uint64_t u;
    if (strcmp(n, "model") == 0) {
        b->model_text = v; /* parsed once --target is known */
        return HX_OK;
    }
    if (strcmp(n, "conns") == 0)
        return hx_parse_size_list("--conns", v, 1, 100000, c->conns, HX_IO_BENCH_MAX, &c->nconns);
    if (strcmp(n, "workers") == 0)
        return hx_parse_size_list("--workers", v, 1, HX_IO_MAX_WORKERS, c->workers, HX_IO_BENCH_MAX,
                                  &c->nworkers);
    if (strcmp(n, "idle") == 0) {
        HX_TRY(hx_parse_size("--idle", v, 0, 1000000, &u));
        c->idle = (unsigned)u;
        return HX_OK;
    }
    if (strcmp(n, "size") == 0)
        return hx_parse_size("--size", v, 1, 16u << 20, &c->load.size);
    if (strcmp(n, "duration") == 0)
        return take_duration("--duration", v, 0.01, 3600, &c->load.duration);
    if (strcmp(n, "drain") == 0)
        return take_duration("--drain", v, 0.1, 600, &c->load.drain);
    if (strcmp(n, "rate") == 0)
        return hx_parse_double("--rate", v, 1, 1e9, &c->load.rate);
    if (strcmp(n, "threads") == 0) {
        int t;
        HX_TRY(hx_parse_threads("--threads", v, &t));
        c->load.threads = (unsigned)t;
        return HX_OK;
    }
    if (strcmp(n, "target") == 0)
        return hx_io_bench_target(c, v, b->target_host, sizeof b->target_host);
    return take_report(&b->report, n, v);
}

static void bench_help(void) {
    hx_args_help(
        stdout, "hetero io bench [OPTIONS]",
        "Start each IO model's echo server in this process (or use --target), drive it with an\n"
        "epoll load generator over loopback and report messages/s, MB/s, latency p50/p99/p999,\n"
        "the server's CPU seconds per million messages, the time to set the connections up and\n"
        "the server's memory (with --idle, its growth per 1000 idle connections).  Closed loop\n"
        "by default (send, wait for the echo, repeat); --rate=R is open loop with latency\n"
        "counted from each message's intended send time.  Every echoed byte is checked; any\n"
        "mismatch or lost byte makes the exit status 1.",
        bench_opts_table);
}

static int parse_bench(bench_opts *b, int argc, char **argv, bool *help) {
    b->cfg.load = (hx_io_load){.size = 64, .duration = 3.0, .threads = 1, .drain = 5.0};
    b->report.format = HX_FORMAT_TABLE;
    b->model_text = "all";
    HX_TRY(parse(argc, argv, bench_opts_table, "io bench", help, take_bench, b));
    if (b->cfg.target_host && strcmp(b->model_text, "all") == 0)
        b->model_text = "target";
    b->model_copy = strdup(b->model_text);
    if (!b->model_copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    HX_TRY(hx_io_bench_models(&b->cfg, b->model_copy));
    if (b->cfg.nconns == 0) {
        static const uint64_t def[] = {1, 10, 100, 1000};
        memcpy(b->cfg.conns, def, sizeof def);
        b->cfg.nconns = 4;
    }
    return HX_OK;
}

/* Write a report (a callback over the library's writer) to stdout or --output. */
static int emit(const report_opts *r, void (*write)(FILE *, const void *), const void *ctx) {
    hx_output out;
    HX_TRY(hx_output_open(&out, r->output));
    write(out.fp, ctx);
    return hx_output_commit(&out);
}

typedef struct bench_report {
    const bench_opts *b;
    const hx_io_bench_row *rows;
    size_t n;
} bench_report;

static void write_bench(FILE *fp, const void *ctx) {
    const bench_report *r = ctx;
    hx_io_bench_write(fp, r->b->report.format, &r->b->cfg, r->rows, r->n);
}

static int bench(int argc, char **argv) {
    bench_opts b = {0};
    bool help = false;
    int status = parse_bench(&b, argc, argv, &help);
    if (help && status == HX_OK)
        bench_help();
    if (status != HX_OK || help) {
        free(b.model_copy);
        return status;
    }
    bench_report rep = {.b = &b};
    hx_io_bench_row *rows = NULL;
    int worst = hx_io_bench_run(&b.cfg, &rows, &rep.n);
    char why[300];
    snprintf(why, sizeof why, "%s", hx_error_message());
    rep.rows = rows;
    status = rows ? emit(&b.report, write_bench, &rep) : HX_OK;
    free(rows);
    free(b.model_copy);
    if (status != HX_OK)
        return status;
    return worst == HX_OK ? HX_OK : hx_fail(worst, "%s", why);
}

/* ---- switch and list ------------------------------------------------------------------------ */

static const hx_opt report_only_opts[] = {
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

static const hx_opt switch_opts[] = {
    {"reps", 'r', "N", "timed repetitions per method (default 7)"},
    HX_CLI_REPORT_OPTS,
    HX_CLI_HELP_AND_END,
};

typedef struct switch_opts_t {
    report_opts report;
    unsigned reps;
} switch_opts_t;

static int take_switch(void *ctx, const char *name, const char *value) {
    switch_opts_t *s = ctx;
    uint64_t u;
    if (strcmp(name, "reps") == 0) {
        HX_TRY(hx_parse_uint("--reps", value, 1, 1000, &u));
        s->reps = (unsigned)u;
        return HX_OK;
    }
    return take_report(&s->report, name, value);
}

static int take_list(void *ctx, const char *name, const char *value) {
    return take_report(ctx, name, value);
}

typedef struct switch_report {
    hx_format format;
    hx_io_switch_row rows[HX_IO_SWITCH_ROWS];
} switch_report;

static void write_switch(FILE *fp, const void *ctx) {
    const switch_report *r = ctx;
    hx_io_switch_write(fp, r->format, r->rows, HX_IO_SWITCH_ROWS);
}

static int switch_cost(int argc, char **argv) {
    switch_opts_t o = {.report = {HX_FORMAT_TABLE, NULL}, .reps = 7};
    bool help = false;
    HX_TRY(parse(argc, argv, switch_opts, "io switch", &help, take_switch, &o));
    if (help) {
        hx_args_help(stdout, "hetero io switch [--reps=N] [--format=FMT] [--output=FILE]",
                     "Time a switch between two coroutines (what the coroutine model does on\n"
                     "every wait), the same through glibc's swapcontext, and between two threads\n"
                     "on one CPU (what blocking-thread pays): nanoseconds per switch, median,\n"
                     "min and max over the repetitions.",
                     switch_opts);
        return HX_OK;
    }
    switch_report rep = {.format = o.report.format};
    HX_TRY(hx_io_switch_measure(o.reps, rep.rows));
    return emit(&o.report, write_switch, &rep);
}

static void write_list(FILE *fp, const void *ctx) {
    hx_io_list_write(fp, *(const hx_format *)ctx);
}

static int list_models(int argc, char **argv) {
    report_opts o = {HX_FORMAT_TABLE, NULL};
    bool help = false;
    HX_TRY(parse(argc, argv, report_only_opts, "io list", &help, take_list, &o));
    if (help) {
        hx_args_help(stdout, "hetero io list [--format=FMT] [--output=FILE]",
                     "The IO models, one a line: name and what it does.", report_only_opts);
        return HX_OK;
    }
    return emit(&o, write_list, &o.format);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static void io_help(FILE *out) {
    fprintf(out, "Usage: hetero io serve|bench|switch|list [OPTIONS]\n\n"
                 "The IO models lab: one TCP echo server per IO model, and a load generator\n"
                 "that measures them against each other.\n\n"
                 "  serve   run one model's echo server (hetero io serve --help)\n"
                 "  bench   measure models at several connection counts (hetero io bench --help)\n"
                 "  switch  what a coroutine switch and a thread switch cost\n"
                 "  list    the models\n");
}

int hx_cmd_io(int argc, char **argv) {
    if (argc < 2)
        return hx_report_error(hx_fail(HX_ERR_USAGE, "'hetero io' needs an action: serve, "
                                                     "bench, switch or list; see 'hetero io "
                                                     "--help'"));
    const char *action = argv[1];
    if (strcmp(action, "-h") == 0 || strcmp(action, "--help") == 0) {
        io_help(stdout);
        return HX_OK;
    }
    if (strcmp(action, "serve") == 0)
        return hx_report_error(serve(argc - 1, argv + 1));
    if (strcmp(action, "bench") == 0)
        return hx_report_error(bench(argc - 1, argv + 1));
    if (strcmp(action, "switch") == 0)
        return hx_report_error(switch_cost(argc - 1, argv + 1));
    if (strcmp(action, "list") == 0)
        return hx_report_error(list_models(argc - 1, argv + 1));
    return hx_report_error(hx_fail(HX_ERR_USAGE,
                                   "unknown action '%s' for 'hetero io'; the "
                                   "actions are: serve, bench, switch, list",
                                   action));
}
