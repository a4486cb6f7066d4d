/*
 * lab_io_models.c - chapter 9, the Linux IO models: poll's O(n) scan against epoll, what an
 * idle connection costs per model, set-up and switch costs, one loop per core
 * (docs/labs/io-models.md, whose Check part lists these shapes).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "closed",
     .args = "io bench --model=poll,epoll-lt --conns=1000 --duration=300ms",
     .full_args = "io bench --model=all --conns=10,1000 --duration=500ms"},
    {.name = "open",
     .args = "io bench --model=poll,epoll-lt --conns=1000 --rate=2000 --duration=1s",
     .full_args = "io bench --model=poll,select,epoll-lt --conns=1000 --rate=2000 --duration=2s"},
    {.name = "idle",
     .args = "io bench --model=blocking-thread,blocking-fork,epoll-et,coroutine --conns=10 "
             "--idle=1000 --duration=300ms",
     .full_args = "io bench --model=blocking-thread,blocking-fork,epoll-et,coroutine --conns=10 "
                  "--idle=1000 --duration=1s"},
    {.name = "setup",
     .args = "io bench --model=blocking-fork,blocking-thread,epoll-et --conns=1000 "
             "--duration=300ms",
     .full_args = "io bench --model=blocking-fork,blocking-thread,epoll-et --conns=1000 "
                  "--duration=500ms"},
    {.name = "switch", .args = "io switch"},
    {.name = "workers",
     .args = "io bench --model=epoll-et,epoll-reuseport --workers=1,2,4 --conns=100 "
             "--duration=500ms",
     .full_args = "io bench --model=epoll-et,epoll-reuseport,epoll-threads --workers=1,2,4,8 "
                  "--conns=100 --duration=2s"},
};

/* The row of model at conns (and workers, when > 0) in an io bench report. */
static const json_t *io_row(const json_t *doc, const char *model, double conns, double workers) {
    const json_t *rows = json_object_get(doc, "results");
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        if (strcmp(hx_lab_string(row, "model"), model) == 0 &&
            hx_lab_number(row, "conns") == conns &&
            (workers <= 0 || hx_lab_number(row, "workers") == workers))
            return row;
    }
    return NULL;
}

static double cpu_per_million(const json_t *doc, const char *model) {
    return hx_lab_number(io_row(doc, model, 1000, 0), "server_cpu_s_per_million");
}

static void check_scan(const hx_lab_reports *r, hx_lab_findings *out) {
    double open = cpu_per_million(r->docs[1], "poll") / cpu_per_million(r->docs[1], "epoll-lt");
    double closed = cpu_per_million(r->docs[0], "poll") / cpu_per_million(r->docs[0], "epoll-lt");
    hx_lab_find(out, "poll's O(n) scan: > 3x epoll's CPU per message, open loop, 1000 conns",
                open > 3 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "poll / epoll-lt server CPU per message: %.1fx open loop, %.1fx closed loop", open,
                closed);
    hx_lab_find(out, "the scan hides in the closed loop, where most sockets are ready",
                closed < open ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "closed-loop ratio %.1fx against open-loop %.1fx", closed, open);
}

static void check_idle(const hx_lab_reports *r, hx_lab_findings *out) {
    static const char *const order[] = {"epoll-et", "coroutine", "blocking-thread",
                                        "blocking-fork"};
    double per[4];
    bool rising = true;
    for (int i = 0; i < 4; i++) {
        per[i] = hx_lab_number(io_row(r->docs[2], order[i], 10, 0), "rss_per_1k_idle_bytes");
        rising &= isfinite(per[i]) && (i == 0 || per[i] > per[i - 1]);
    }
    hx_lab_find(out, "memory per 1000 idle connections: epoll < coroutine < thread < fork",
                rising ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "MiB per 1000 idle: epoll-et %.1f, coroutine %.1f, blocking-thread %.1f, "
                "blocking-fork %.1f",
                per[0] / 1048576, per[1] / 1048576, per[2] / 1048576, per[3] / 1048576);
}

static void check_costs(const hx_lab_reports *r, hx_lab_findings *out) {
    double fork_ms = 1e3 * hx_lab_number(io_row(r->docs[3], "blocking-fork", 1000, 0), "setup_s");
    double thread_ms =
        1e3 * hx_lab_number(io_row(r->docs[3], "blocking-thread", 1000, 0), "setup_s");
    hx_lab_find(out, "setting up 1000 connections: a process each costs more than a thread each",
                fork_ms > thread_ms ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "blocking-fork %.0f ms, blocking-thread %.0f ms", fork_ms, thread_ms);
    const json_t *thread = hx_lab_row(r->docs[4], "results", "name", "thread", NULL, NULL);
    const json_t *coro = hx_lab_row(r->docs[4], "results", "name", "coroutine", NULL, NULL);
    double ratio = hx_lab_number(thread, "ns_per_switch") / hx_lab_number(coro, "ns_per_switch");
    hx_lab_find(out, "a thread switch costs > 10x a coroutine switch",
                ratio > 10 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "thread %.0f ns, coroutine %.0f ns (%.0fx)", hx_lab_number(thread, "ns_per_switch"),
                hx_lab_number(coro, "ns_per_switch"), ratio);
}

static void check_workers(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *two = io_row(r->docs[5], "epoll-reuseport", 100, 2);
    const json_t *spread = json_object_get(two, "conns_per_worker");
    double least = 1.0, total = 0;
    size_t i;
    const json_t *c;
    json_array_foreach(spread, i, c) total += json_number_value(c);
    json_array_foreach(spread, i, c) least = fmin(least, json_number_value(c) / total);
    hx_lab_find(out, "SO_REUSEPORT spreads connections: each of 2 workers >= 30%",
                json_array_size(spread) == 2 && least >= 0.3 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "the smaller worker served %.0f%% of the connections", 100 * least);
    double single = hx_lab_number(io_row(r->docs[5], "epoll-et", 100, 1), "msgs_per_s");
    double loops = hx_lab_number(two, "msgs_per_s");
    if (m->cores <= 2)
        hx_lab_find(out, "one loop per core scales throughput with cores", HX_LAB_CANNOT_SHOW,
                    "cannot show scaling here: %d cores, and the load generator shares them "
                    "(2 workers %.0f msgs/s, one loop %.0f)",
                    m->cores, loops, single);
    else
        hx_lab_find(out, "one loop per core scales throughput with cores",
                    loops >= 0.9 * single ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "2 workers %.0f msgs/s, one loop %.0f", loops, single);
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    check_scan(r, out);
    check_idle(r, out);
    check_costs(r, out);
    check_workers(r, m, out);
}

const hx_lab hx_lab_io_models = {
    .name = "io-models",
    .chapter = "IO models: blocking, non-blocking, select/poll/epoll, signal-driven, async",
    .needs = "none",
    .handout = "docs/labs/io-models.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
