/*
 * bench.c - the points of `hetero io bench`: a model at a connection count, a worker count and
 * a number of idle connections, with the server's CPU time and memory separated from the load
 * generator's.
 *
 * CPU: the server runs in this process, so over the timed window we take the process's CPU time
 * (getrusage RUSAGE_SELF: every thread, including glibc's AIO threads and io_uring's kernel
 * workers, which are threads of this process) and subtract the CPU time of the threads that are
 * not the server - the generator threads and the main thread, whose CPU clocks
 * (pthread_getcpuclockid) the main thread reads at the same instants.  The process models
 * (blocking-fork, epoll-reuseport) serve in child processes: their CPU comes from getrusage
 * RUSAGE_CHILDREN, which counts a child once it has been reaped, so it is taken from before the
 * connections open until the server has stopped and reaped them all (it includes their set-up,
 * warm-up and exit).  Against --target the server is elsewhere and neither is reported.
 *
 * Memory: resident memory from /proc/PID/smaps_rollup.  For the single-process models, the
 * process's Rss (server and generator together, since they share the process); for the process
 * models, the Pss of this process plus the Pss of every child, so a page the children share
 * with the parent (copy-on-write after fork) is counted once in total, not once per child.  The
 * growth per 1,000 idle connections is what the server adds for them: everything the generator
 * needs per connection is allocated before the first reading, so the difference is the
 * server's (user-space memory only: page tables and socket buffers are kernel memory).
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/io/bench.h"
#include "internal.h"

static double tv(struct timeval t) {
    return (double)t.tv_sec + 1e-6 * (double)t.tv_usec;
}

static double rusage_cpu(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

/* A "Name:   value kB" field of a /proc file, in bytes (or a plain count); -1 if absent. */
static double proc_field(const char *path, const char *name) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    size_t len = strlen(name);
    double v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            v = strtod(line + len + 1, NULL) * (strstr(line, "kB") ? 1024.0 : 1.0);
            break;
        }
    fclose(f);
    return v;
}

static double pid_memory(pid_t pid, const char *field) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    return proc_field(path, field);
}

/* The server's resident memory now (see the top of the file); NaN when it cannot be read. */
static double server_memory(hx_io_server *s, bool *pss, int *processes) {
    hx_io_server_stats st;
    hx_io_server_stats_get(s, &st);
    *pss = s->model->processes;
    *processes = 0;
    if (!*pss) {
        double rss = pid_memory(getpid(), "Rss");
        return rss < 0 ? NAN : rss;
    }
    size_t cap = st.accepted + HX_IO_MAX_WORKERS;
    pid_t *pids = malloc(cap * sizeof *pids);
    double total = pid_memory(getpid(), "Pss");
    if (!pids || total < 0) {
        free(pids);
        return NAN;
    }
    size_t n = hx_io_server_children(s, pids, cap);
    for (size_t i = 0; i < n; i++) {
        double p = pid_memory(pids[i], "Pss");
        if (p > 0) /* a child that exited meanwhile has no file left */
            total += p;
    }
    free(pids);
    *processes = (int)n;
    return total;
}

static int thread_count(void) {
    return (int)proc_field("/proc/self/status", "Threads");
}

/* ---- one point ----------------------------------------------------------------------------------
 */

typedef struct point {
    hx_io_bench_row *row;
    hx_io_server *srv;
    int threads_before, generator_threads;
} point;

static void at_window_end(void *arg) {
    point *p = arg;
    p->row->rss_bytes = server_memory(p->srv, &p->row->rss_is_pss, &p->row->server_processes);
    int now = thread_count();
    if (now > 0 && p->threads_before > 0)
        p->row->server_threads = now - p->threads_before - p->generator_threads;
}

static void fail_row(hx_io_bench_row *row, int st) {
    if (row->status == HX_OK) {
        row->status = st;
        snprintf(row->error, sizeof row->error, "%s", hx_error_message());
    }
}

/* Open the idle connections, reading the memory before and after. */
static int open_idle(point *p, const hx_io_load *cfg, unsigned idle, hx_io_idle *conns) {
    hx_io_bench_row *row = p->row;
    bool pss;
    int procs;
    /* Give back what earlier points freed, or the idle connections' memory would come from
     * pages already resident and not show as growth. */
    malloc_trim(0);
    if (p->srv)
        row->rss_base_bytes = server_memory(p->srv, &pss, &procs);
    HX_TRY(hx_io_idle_open(cfg->host, cfg->port, idle, conns));
    row->idle_setup_s = conns->setup_s;
    if (p->srv && idle > 0)
        row->rss_per_1k_idle_bytes =
            (server_memory(p->srv, &pss, &procs) - row->rss_base_bytes) / idle * 1000.0;
    return HX_OK;
}

static int start_server(point *p, const char *model, unsigned workers) {
    hx_io_bench_row *row = p->row;
    p->threads_before = thread_count();
    hx_io_server_config sc = {.model = model, .addr = "127.0.0.1", .workers = workers};
    HX_TRY(hx_io_server_open(&sc, &p->srv));
    snprintf(row->mechanism, sizeof row->mechanism, "%s", hx_io_server_model(p->srv));
    row->workers = hx_io_server_workers(p->srv);
    return HX_OK;
}

static void init_row(hx_io_bench_row *row, const char *model, const hx_io_load *load,
                     unsigned idle) {
    memset(row, 0, sizeof *row);
    snprintf(row->model, sizeof row->model, "%s", model);
    snprintf(row->mechanism, sizeof row->mechanism, "%s", model);
    row->conns = load->conns;
    row->idle = idle;
    row->workers = 1;
    row->server_cpu = row->rss_bytes = row->rss_base_bytes = row->rss_per_1k_idle_bytes = NAN;
    row->idle_setup_s = NAN;
    row->server_threads = row->server_processes = -1;
}

/* Stop the server; fill in its CPU, counters and the refused-connections note. */
static void finish_server(point *p, double children0, int *st) {
    hx_io_bench_row *row = p->row;
    hx_io_server_stats_get(p->srv, &row->stats);
    bool processes = p->srv->model->processes;
    int stop = hx_io_server_stop(p->srv);
    p->srv = NULL;
    if (*st == HX_OK && stop != HX_OK)
        *st = stop;
    const hx_io_load_result *l = &row->load;
    double server = l->process_cpu - l->main_cpu - l->gen_cpu;
    if (processes)
        server += rusage_cpu(RUSAGE_CHILDREN) - children0;
    row->server_cpu = server > 0 ? server : 0;
    if (row->stats.refused && !row->error[0])
        snprintf(row->error, sizeof row->error, "the server refused %llu connection(s)",
                 (unsigned long long)row->stats.refused);
}

/* glibc raises its trim threshold to twice the largest mmap'd block freed so far (the
 * generator's 16 MiB latency buffers): after the first point, memory a server freed stays in
 * its arena and the next point's connections reuse resident pages, growing nothing.  Fixed
 * thresholds switch that adaptation off, so each point's growth is its own. */
static void fix_malloc_thresholds(void) {
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}

int hx_io_bench_point(const char *model, unsigned workers, unsigned idle, const hx_io_load *load,
                      hx_io_bench_row *row) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fix_malloc_thresholds);
    init_row(row, model, load, idle);
    hx_io_load cfg = *load;
    point p = {.row = row,
               .generator_threads =
                   (int)(load->threads < load->conns ? load->threads : load->conns)};
    char what[80];
    uint64_t total = (uint64_t)load->conns + idle;
    snprintf(what, sizeof what, "%llu connections", (unsigned long long)total);
    int st = hx_io_fd_budget((cfg.host ? total : 2 * total + 2 * HX_IO_MAX_WORKERS) + 64, what);
    if (st == HX_OK && !cfg.host) {
        st = start_server(&p, model, workers);
        cfg.host = "127.0.0.1";
        cfg.port = p.srv ? hx_io_server_port(p.srv) : 0;
        cfg.at_window_end = at_window_end;
        cfg.arg = &p;
    }
    double children0 = rusage_cpu(RUSAGE_CHILDREN);
    hx_io_idle conns = {0};
    if (st == HX_OK)
        st = open_idle(&p, &cfg, idle, &conns);
    if (st == HX_OK)
        st = hx_io_load_run(&cfg, &row->load);
    if (st != HX_OK)
        fail_row(row, st);
    if (conns.n) {
        int closed = hx_io_idle_close(&conns);
        if (st == HX_OK && closed != HX_OK)
            fail_row(row, st = closed);
    }
    if (p.srv)
        finish_server(&p, children0, &st);
    if (st != HX_OK) {
        fail_row(row, st);
    } else if (row->load.errors) {
        row->status = HX_ERR_RUNTIME;
        snprintf(row->error, sizeof row->error, "%llu failed connection(s); first: %s",
                 (unsigned long long)row->load.errors, row->load.first_error);
    }
    return row->status;
}

/* ---- the sweep's configuration --------------------------------------------------------------- */

int hx_io_bench_models(hx_io_bench_config *c, char *text) {
    char *items[HX_IO_BENCH_MAX];
    size_t n;
    HX_TRY(hx_split_list("--model", text, items, HX_IO_BENCH_MAX, &n));
    c->nmodels = 0;
    for (size_t i = 0; i < n; i++) {
        bool all = strcmp(items[i], "all") == 0;
        if (!all && !c->target_host && !hx_io_model_exists(items[i]))
            return hx_fail(HX_ERR_USAGE, "unknown IO model '%s'; the models are: %s, all", items[i],
                           hx_io_model_names());
        for (size_t k = 0; all && k < hx_io_model_count() && c->nmodels < HX_IO_BENCH_MAX; k++)
            c->models[c->nmodels++] = hx_io_model_at(k).name;
        if (!all && c->nmodels < HX_IO_BENCH_MAX)
            c->models[c->nmodels++] = items[i];
    }
    return HX_OK;
}

int hx_io_bench_target(hx_io_bench_config *c, const char *text, char *host, size_t len) {
    const char *colon = strrchr(text, ':');
    uint64_t port;
    if (!colon || colon == text || (size_t)(colon - text) >= len)
        return hx_fail(HX_ERR_USAGE, "bad --target '%s' (want HOST:PORT, e.g. 127.0.0.1:7007)",
                       text);
    HX_TRY(hx_parse_uint("--target port", colon + 1, 1, 65535, &port));
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = 0;
    c->target_host = host;
    c->load.port = (int)port;
    struct sockaddr_in sa;
    return hx_io_loopback(host, (int)port, &sa); /* loopback only */
}

/* ---- the sweep ------------------------------------------------------------------------------- */

static uint64_t largest(const uint64_t *v, size_t n, uint64_t floor) {
    uint64_t m = floor;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* Every connection is two descriptors when the server is in this process. */
static int check_descriptors(const hx_io_bench_config *cfg) {
    uint64_t conns = largest(cfg->conns, cfg->nconns, 1) + cfg->idle;
    uint64_t workers = largest(cfg->workers, cfg->nworkers, hx_io_default_workers());
    uint64_t need = (cfg->target_host ? conns : 2 * conns + 2 * workers) + 64;
    char what[96];
    snprintf(what, sizeof what, "%llu connections (%u of them idle)%s", (unsigned long long)conns,
             cfg->idle, cfg->target_host ? "" : " with their server");
    return hx_io_fd_budget(need, what);
}

static size_t points_of(const hx_io_bench_config *cfg, const char *model) {
    bool workers = !cfg->target_host && hx_io_model_named(model).uses_workers;
    return (workers && cfg->nworkers ? cfg->nworkers : 1) * cfg->nconns;
}

static int run_point(const hx_io_bench_config *cfg, const char *model, unsigned workers,
                     uint64_t conns, hx_io_bench_row *r) {
    hx_io_load load = cfg->load;
    load.conns = (unsigned)conns;
    load.host = cfg->target_host;
    int st = hx_io_bench_point(model, workers, cfg->idle, &load, r);
    if (st != HX_OK)
        hx_notice("io bench: %s at %u connections: %s", r->model, r->conns, r->error);
    if (r->load.unsent)
        hx_notice("io bench: %s at %u connections fell behind the open-loop schedule: %llu due "
                  "messages were never sent",
                  r->model, r->conns, (unsigned long long)r->load.unsent);
    return st;
}

int hx_io_bench_run(const hx_io_bench_config *cfg, hx_io_bench_row **rows, size_t *n) {
    *rows = NULL;
    *n = 0;
    struct sockaddr_in sa;
    if (cfg->target_host)
        HX_TRY(hx_io_loopback(cfg->target_host, cfg->load.port, &sa));
    HX_TRY(check_descriptors(cfg));
    size_t total = 0;
    for (size_t m = 0; m < cfg->nmodels; m++)
        total += points_of(cfg, cfg->models[m]);
    hx_io_bench_row *out = calloc(total ? total : 1, sizeof *out);
    if (!out)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int worst = HX_OK;
    size_t k = 0;
    for (size_t m = 0; m < cfg->nmodels; m++) {
        size_t nw = points_of(cfg, cfg->models[m]) / cfg->nconns;
        for (size_t w = 0; w < nw; w++) {
            unsigned workers = cfg->nworkers ? (unsigned)cfg->workers[w] : 0;
            for (size_t c = 0; c < cfg->nconns; c++) {
                int st = run_point(cfg, cfg->models[m], workers, cfg->conns[c], &out[k++]);
                if (st != HX_OK && (worst == HX_OK || st == HX_ERR_RUNTIME))
                    worst = st;
            }
        }
    }
    *rows = out;
    *n = k;
    if (worst != HX_OK)
        return hx_fail(worst, "io bench: %s",
                       worst == HX_ERR_RUNTIME ? "some points failed verification or errored"
                                               : "some points could not run");
    return HX_OK;
}
