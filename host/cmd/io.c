/*
 * io.c - `hetero io`: the IO models lab.
 *
 *   hetero io serve --model=M [--port=P] [--bind=ADDR]   an echo server in one IO model
 *   hetero io bench [--model=LIST] [--conns=LIST] ...     drive models with a load generator
 *   hetero io list                                        the models, one line each
 *
 * The servers live in host/io/model_*.c (one file per model), the load generator in
 * host/io/load.c and the CPU attribution in host/io/bench.c.  This file parses options and
 * writes reports.
 */
#include <arpa/inet.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/core/table.h"
#include "io/bench.h"
#include "io/io.h"

#define IO_SCHEMA        "hetero.io/1"
#define MAX_MODELS       16
#define MAX_CONNS_POINTS 16
#define DEFAULT_PORT     7007

/* ---- serve -------------------------------------------------------------------------------- */

static const hx_opt serve_opts[] = {
    {"model", 'm', "M", "IO model (see 'hetero io list')"},
    {"port", 'p', "P", "TCP port (default 7007; 0 picks a free one)"},
    {"bind", 0, "ADDR", "IPv4 address to listen on (default 127.0.0.1)"},
    {"help", 'h', NULL, "show this help"},
    {NULL, 0, NULL, NULL},
};

static volatile sig_atomic_t stop_signal; /* set by a SIGINT/SIGTERM on any thread */

static void record_stop_signal(int sig) {
    stop_signal = sig;
}

static int serve(int argc, char **argv) {
    const char *model = NULL, *bind = "127.0.0.1";
    uint64_t port = DEFAULT_PORT;
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, serve_opts, "io serve");
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            break;
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_args_unknown(&ap, &a);
        if (a.kind == HX_ARG_POSITIONAL)
            return hx_fail(HX_ERR_USAGE, "unexpected argument '%s' for 'hetero io serve'", a.value);
        const char *n = a.opt->name;
        if (strcmp(n, "help") == 0) {
            hx_args_help(stdout, "hetero io serve --model=M [--port=P] [--bind=ADDR]",
                         "Run a TCP echo server in one IO model until SIGINT or SIGTERM.  Prints\n"
                         "one line 'listening on ADDR:PORT' once it accepts connections.",
                         serve_opts);
            return HX_OK;
        } else if (strcmp(n, "model") == 0) {
            model = a.value;
        } else if (strcmp(n, "port") == 0) {
            HX_TRY(hx_parse_uint("--port", a.value, 0, 65535, &port));
        } else if (strcmp(n, "bind") == 0) {
            bind = a.value;
        }
    }
    if (!model)
        return hx_fail(HX_ERR_USAGE, "'hetero io serve' needs --model=M; the models are: %s",
                       hx_io_model_names());
    if (!hx_io_model_find(model))
        return hx_fail(HX_ERR_USAGE, "unknown IO model '%s'; the models are: %s", model,
                       hx_io_model_names());
    /* SIGINT/SIGTERM are taken synchronously by this thread; the server's threads block them.
     * Threads that libraries start before main (OpenBLAS's pool) do not block them, and a signal
     * sent to the process may be delivered there: a handler that only records it catches that
     * case instead of the default action killing the server. */
    struct sigaction on_stop = {.sa_handler = record_stop_signal};
    sigemptyset(&on_stop.sa_mask);
    sigaction(SIGINT, &on_stop, NULL);
    sigaction(SIGTERM, &on_stop, NULL);
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    hx_io_server *srv;
    HX_TRY(hx_io_server_start(model, bind, (int)port, &srv));
    printf("listening on %s:%d\n", bind, hx_io_server_port(srv));
    fflush(stdout);
    for (;;) {
        struct timespec tick = {0, 200 * 1000 * 1000};
        int sig = sigtimedwait(&stop_set, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM || stop_signal || hx_io_server_finished(srv))
            break;
    }
    return hx_io_server_stop(srv);
}

/* ---- bench -------------------------------------------------------------------------------- */

typedef struct bench_config {
    const char *models[MAX_MODELS];
    size_t nmodels;
    uint64_t conns[MAX_CONNS_POINTS];
    size_t nconns;
    hx_io_load load;
    char target_host[64];
    hx_format format;
    const char *output;
    char *model_text;
} bench_config;

static const hx_opt bench_opts[] = {
    {"model", 'm', "LIST", "IO models, comma-separated, or 'all' (default: all)"},
    {"conns", 'c', "LIST", "connection counts (default 1,10,100,1000)"},
    {"size", 's', "N", "message size in bytes, K/M suffixes (default 64)"},
    {"duration", 'd', "T", "measured window per point, e.g. 3s, 500ms (default 3s)"},
    {"rate", 'r', "R", "open loop: R messages/s over all connections (default: closed loop)"},
    {"threads", 't', "N", "load generator threads (default 1)"},
    {"drain", 0, "T", "how long to wait for owed echoes after the window (default 5s)"},
    {"target", 0, "HOST:PORT", "drive this echo server instead of starting the models"},
    {"format", 'f', "FMT", "report format: table (default), csv, json"},
    {"output", 'o', "FILE", "write the report to FILE instead of stdout"},
    {"help", 'h', NULL, "show this help"},
    {NULL, 0, NULL, NULL},
};

static int parse_models(bench_config *c, const char *text) {
    free(c->model_text);
    c->model_text = strdup(text);
    if (!c->model_text)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    char *items[MAX_MODELS];
    size_t n;
    HX_TRY(hx_split_list("--model", c->model_text, items, MAX_MODELS, &n));
    c->nmodels = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i], "all") == 0) {
            for (size_t k = 0; hx_io_models[k] && c->nmodels < MAX_MODELS; k++)
                c->models[c->nmodels++] = hx_io_models[k]->name;
        } else if (!hx_io_model_find(items[i]) && c->target_host[0] == 0) {
            return hx_fail(HX_ERR_USAGE, "unknown IO model '%s'; the models are: %s, all", items[i],
                           hx_io_model_names());
        } else if (c->nmodels < MAX_MODELS) {
            c->models[c->nmodels++] = items[i];
        }
    }
    return HX_OK;
}

static int parse_target(bench_config *c, const char *text) {
    const char *colon = strrchr(text, ':');
    uint64_t port;
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof c->target_host)
        return hx_fail(HX_ERR_USAGE, "bad --target '%s' (want HOST:PORT, e.g. 127.0.0.1:7007)",
                       text);
    HX_TRY(hx_parse_uint("--target port", colon + 1, 1, 65535, &port));
    memcpy(c->target_host, text, (size_t)(colon - text));
    c->target_host[colon - text] = 0;
    struct in_addr a;
    if (inet_pton(AF_INET, c->target_host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
        return hx_fail(HX_ERR_USAGE,
                       "bad --target '%s' (want a loopback IPv4 address, "
                       "127.x.x.x: the bench drives only local servers)",
                       text);
    c->load.port = (int)port;
    return HX_OK;
}

static int bench_option(bench_config *c, const hx_arg *a) {
    const char *n = a->opt->name, *v = a->value;
    uint64_t u;
    if (strcmp(n, "model") == 0)
        return parse_models(c, v);
    if (strcmp(n, "conns") == 0)
        return hx_parse_size_list("--conns", v, 1, 100000, c->conns, MAX_CONNS_POINTS, &c->nconns);
    if (strcmp(n, "size") == 0) {
        HX_TRY(hx_parse_size("--size", v, 1, 16u << 20, &u));
        c->load.size = u;
        return HX_OK;
    }
    if (strcmp(n, "duration") == 0) {
        HX_TRY(hx_parse_duration("--duration", v, &c->load.duration));
        if (c->load.duration < 0.01 || c->load.duration > 3600)
            return hx_fail(HX_ERR_USAGE, "--duration '%s' is out of range (10ms to 3600s)", v);
        return HX_OK;
    }
    if (strcmp(n, "drain") == 0) {
        HX_TRY(hx_parse_duration("--drain", v, &c->load.drain));
        if (c->load.drain < 0.1 || c->load.drain > 600)
            return hx_fail(HX_ERR_USAGE, "--drain '%s' is out of range (100ms to 600s)", v);
        return HX_OK;
    }
    if (strcmp(n, "rate") == 0)
        return hx_parse_double("--rate", v, 1, 1e9, &c->load.rate);
    if (strcmp(n, "threads") == 0) {
        int t;
        HX_TRY(hx_parse_threads("--threads", v, &t));
        c->load.threads = (unsigned)t;
        return HX_OK;
    }
    if (strcmp(n, "target") == 0)
        return parse_target(c, v);
    if (strcmp(n, "format") == 0)
        return hx_parse_format(v, &c->format);
    if (strcmp(n, "output") == 0) {
        c->output = v;
        return hx_output_check(v);
    }
    return hx_fail(HX_ERR_RUNTIME, "internal: option --%s has no handler", n);
}

static void bench_help(void) {
    hx_args_help(
        stdout, "hetero io bench [OPTIONS]",
        "Start each IO model's echo server in this process (or use --target), drive it with an\n"
        "epoll load generator over loopback and report messages/s, MB/s, latency p50/p99/p999\n"
        "and the server's CPU seconds per million messages.  Closed loop by default (send,\n"
        "wait for the echo, repeat); --rate=R is open loop with latency counted from each\n"
        "message's intended send time.  Every echoed byte is checked; any mismatch or lost\n"
        "byte makes the exit status 1.",
        bench_opts);
}

static int parse_bench(bench_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, bench_opts, "io bench");
    c->load = (hx_io_load){.size = 64, .duration = 3.0, .threads = 1, .drain = 5.0};
    c->format = HX_FORMAT_TABLE;
    const char *model_text = "all";
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(&ap, &a));
        if (a.kind == HX_ARG_END)
            break;
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_args_unknown(&ap, &a);
        if (a.kind == HX_ARG_POSITIONAL)
            return hx_fail(HX_ERR_USAGE, "unexpected argument '%s' for 'hetero io bench'", a.value);
        if (strcmp(a.opt->name, "help") == 0) {
            *help = true;
            return HX_OK;
        }
        if (strcmp(a.opt->name, "model") == 0)
            model_text = a.value; /* parsed after --target is known */
        else
            HX_TRY(bench_option(c, &a));
    }
    if (c->target_host[0] && strcmp(model_text, "all") == 0)
        model_text = "target";
    HX_TRY(parse_models(c, model_text));
    if (c->nconns == 0) {
        static const uint64_t def[] = {1, 10, 100, 1000};
        memcpy(c->conns, def, sizeof def);
        c->nconns = 4;
    }
    return HX_OK;
}

static const char *const columns[] = {"model",  "conns",   "msgs/s",         "MB/s",      "p50 us",
                                      "p99 us", "p999 us", "srv CPU s/Mmsg", "srv CPU %", "errors"};

static void fmt_cpu(char *buf, size_t len, const hx_io_bench_row *r) {
    if (isnan(r->server_cpu) || r->load.messages == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2f", r->server_cpu / (double)r->load.messages * 1e6);
}

static void write_table(FILE *out, const hx_io_bench_row *rows, size_t n) {
    hx_table *t = hx_table_new(10, columns, "lrrrrrrrrl");
    if (!t)
        return;
    for (size_t i = 0; i < n; i++) {
        const hx_io_bench_row *r = &rows[i];
        const hx_io_load_result *l = &r->load;
        char cpu[32];
        fmt_cpu(cpu, sizeof cpu, r);
        hx_table_row(t);
        hx_table_cell(t, "%s", r->model);
        hx_table_cell(t, "%u", r->conns);
        hx_table_cell(t, "%.0f", l->seconds > 0 ? (double)l->messages / l->seconds : 0.0);
        hx_table_cell(t, "%.2f", l->seconds > 0 ? (double)l->bytes / l->seconds / 1e6 : 0.0);
        hx_table_cell(t, "%.1f", l->p50 * 1e6);
        hx_table_cell(t, "%.1f", l->p99 * 1e6);
        hx_table_cell(t, "%.1f", l->p999 * 1e6);
        hx_table_cell(t, "%s", cpu);
        if (isnan(r->server_cpu) || l->seconds <= 0)
            hx_table_cell(t, "-");
        else /* of one core: the busy loop shows ~100 even when idle */
            hx_table_cell(t, "%.0f", 100.0 * r->server_cpu / l->seconds);
        hx_table_cell(t, "%s", r->status == HX_OK ? "0" : r->error);
    }
    hx_table_print(t, out);
    hx_table_free(t);
}

static void write_csv(FILE *out, const hx_io_bench_row *rows, size_t n) {
    static const char *const head[] = {
        "model",  "conns",  "messages", "seconds", "msgs_per_s",   "mb_per_s",
        "p50_s",  "p99_s",  "p999_s",   "max_s",   "server_cpu_s", "server_cpu_s_per_million",
        "errors", "unsent", "error"};
    for (size_t k = 0; k < sizeof head / sizeof *head; k++)
        hx_csv_field(out, head[k], k == 0);
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        const hx_io_bench_row *r = &rows[i];
        const hx_io_load_result *l = &r->load;
        char f[14][64];
        snprintf(f[0], 64, "%u", r->conns);
        snprintf(f[1], 64, "%llu", (unsigned long long)l->messages);
        snprintf(f[2], 64, "%.6g", l->seconds);
        snprintf(f[3], 64, "%.6g", l->seconds > 0 ? (double)l->messages / l->seconds : 0.0);
        snprintf(f[4], 64, "%.6g", l->seconds > 0 ? (double)l->bytes / l->seconds / 1e6 : 0.0);
        snprintf(f[5], 64, "%.6g", l->p50);
        snprintf(f[6], 64, "%.6g", l->p99);
        snprintf(f[7], 64, "%.6g", l->p999);
        snprintf(f[8], 64, "%.6g", l->max);
        snprintf(f[9], 64, isnan(r->server_cpu) ? "" : "%.6g", r->server_cpu);
        fmt_cpu(f[10], 64, r);
        if (strcmp(f[10], "-") == 0)
            f[10][0] = 0;
        snprintf(f[11], 64, "%llu", (unsigned long long)l->errors);
        snprintf(f[12], 64, "%llu", (unsigned long long)l->unsent);
        hx_csv_field(out, r->model, 1);
        for (int k = 0; k < 13; k++)
            hx_csv_field(out, f[k], 0);
        hx_csv_field(out, r->status == HX_OK ? "" : r->error, 0);
        fputc('\n', out);
    }
}

static void write_json(FILE *out, const bench_config *c, const hx_io_bench_row *rows, size_t n) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", IO_SCHEMA);
    hx_json_kv_string(&j, "mode", c->load.rate > 0 ? "open-loop" : "closed-loop");
    if (c->load.rate > 0)
        hx_json_kv_number(&j, "rate_msgs_per_s", c->load.rate);
    hx_json_kv_int(&j, "size_bytes", (int64_t)c->load.size);
    hx_json_kv_number(&j, "duration_s", c->load.duration);
    hx_json_kv_int(&j, "generator_threads", c->load.threads);
    hx_json_kv_string(&j, "target", c->target_host[0] ? c->target_host : NULL);
    hx_json_kv_string(&j, "server_cpu_method",
                      "process CPU (RUSAGE_SELF) over the window minus the CPU clocks of the "
                      "generator and main threads read at the same instants; blocking-fork adds "
                      "RUSAGE_CHILDREN of the reaped children");
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        const hx_io_bench_row *r = &rows[i];
        const hx_io_load_result *l = &r->load;
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "model", r->model);
        hx_json_kv_int(&j, "conns", r->conns);
        hx_json_kv_bool(&j, "ok", r->status == HX_OK);
        hx_json_kv_int(&j, "messages", (int64_t)l->messages);
        hx_json_kv_int(&j, "offered", (int64_t)l->offered);
        hx_json_kv_int(&j, "completed", (int64_t)l->completed);
        hx_json_kv_number(&j, "seconds", l->seconds);
        hx_json_kv_number(&j, "msgs_per_s", l->seconds > 0 ? (double)l->messages / l->seconds : 0);
        hx_json_kv_number(&j, "mb_per_s", l->seconds > 0 ? (double)l->bytes / l->seconds / 1e6 : 0);
        hx_json_key(&j, "latency_s");
        hx_json_object_begin(&j);
        hx_json_kv_number(&j, "p50", l->p50);
        hx_json_kv_number(&j, "p99", l->p99);
        hx_json_kv_number(&j, "p999", l->p999);
        hx_json_kv_number(&j, "max", l->max);
        hx_json_object_end(&j);
        hx_json_kv_number(&j, "server_cpu_s", r->server_cpu);
        hx_json_kv_number(&j, "server_cpu_s_per_million",
                          l->messages ? r->server_cpu / (double)l->messages * 1e6 : NAN);
        hx_json_kv_number(&j, "server_cpu_percent_of_core",
                          l->seconds > 0 ? 100.0 * r->server_cpu / l->seconds : NAN);
        hx_json_kv_number(&j, "cpu_window_s", l->window_end - l->window_start);
        hx_json_kv_number(&j, "generator_cpu_s", l->gen_cpu);
        hx_json_kv_int(&j, "errors", (int64_t)l->errors);
        hx_json_kv_int(&j, "unsent", (int64_t)l->unsent);
        hx_json_kv_string(&j, "error", r->status == HX_OK ? NULL : r->error);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
}

static int bench(int argc, char **argv) {
    bench_config c = {0};
    bool help = false;
    int status = parse_bench(&c, argc, argv, &help);
    if (status != HX_OK || help) {
        if (help)
            bench_help();
        free(c.model_text);
        return status;
    }
    size_t n = c.nmodels * c.nconns;
    hx_io_bench_row *rows = calloc(n, sizeof *rows);
    if (!rows) {
        free(c.model_text);
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    int worst = HX_OK;
    for (size_t m = 0; m < c.nmodels; m++) {
        for (size_t k = 0; k < c.nconns; k++) {
            hx_io_bench_row *r = &rows[m * c.nconns + k];
            hx_io_load load = c.load;
            load.conns = (unsigned)c.conns[k];
            load.host = c.target_host[0] ? c.target_host : NULL;
            int st = hx_io_bench_point(c.models[m], &load, r);
            if (st != HX_OK) {
                hx_notice("io bench: %s at %u connections: %s", r->model, r->conns, r->error);
                if (worst == HX_OK || st == HX_ERR_RUNTIME)
                    worst = st;
            }
            if (r->load.unsent)
                hx_notice("io bench: %s at %u connections fell behind the open-loop schedule: "
                          "%llu due messages were never sent",
                          r->model, r->conns, (unsigned long long)r->load.unsent);
        }
    }
    hx_output out;
    status = hx_output_open(&out, c.output);
    if (status == HX_OK) {
        if (c.format == HX_FORMAT_JSON)
            write_json(out.fp, &c, rows, n);
        else if (c.format == HX_FORMAT_CSV)
            write_csv(out.fp, rows, n);
        else
            write_table(out.fp, rows, n);
        status = hx_output_commit(&out);
    }
    free(rows);
    free(c.model_text);
    if (status != HX_OK)
        return status;
    if (worst != HX_OK)
        return hx_fail(worst, "io bench: %s",
                       worst == HX_ERR_RUNTIME ? "some points failed verification or errored"
                                               : "some points could not run");
    return HX_OK;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static void io_help(FILE *out) {
    fprintf(out, "Usage: hetero io serve|bench|list [OPTIONS]\n\n"
                 "The IO models lab: one TCP echo server per IO model, and a load generator\n"
                 "that measures them against each other.\n\n"
                 "  serve   run one model's echo server (hetero io serve --help)\n"
                 "  bench   measure models at several connection counts (hetero io bench --help)\n"
                 "  list    the models\n");
}

static int list_models(void) {
    for (size_t i = 0; hx_io_models[i]; i++)
        printf("%-17s %s\n", hx_io_models[i]->name, hx_io_models[i]->summary);
    return HX_OK;
}

int hx_cmd_io(int argc, char **argv) {
    if (argc < 2)
        return hx_report_error(hx_fail(HX_ERR_USAGE, "'hetero io' needs an action: serve, "
                                                     "bench or list; see 'hetero io --help'"));
    const char *action = argv[1];
    if (strcmp(action, "-h") == 0 || strcmp(action, "--help") == 0) {
        io_help(stdout);
        return HX_OK;
    }
    if (strcmp(action, "serve") == 0)
        return hx_report_error(serve(argc - 1, argv + 1));
    if (strcmp(action, "bench") == 0)
        return hx_report_error(bench(argc - 1, argv + 1));
    if (strcmp(action, "list") == 0)
        return list_models();
    return hx_report_error(hx_fail(HX_ERR_USAGE,
                                   "unknown action '%s' for 'hetero io'; the "
                                   "actions are: serve, bench, list",
                                   action));
}
