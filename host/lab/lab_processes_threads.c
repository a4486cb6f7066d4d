/*
 * lab_processes_threads.c - chapter 8, processes and threads: creation, switching, IPC, levels of
 * synchronisation, false sharing, a global interpreter lock, crash isolation
 * (docs/labs/processes-threads.md, `hetero conc`).
 *
 * One step, one report (hetero.conc/1); the check reads the shapes of part 8 of the handout off
 * it.  Shapes that need two threads to run at once say so when they do not show, with the load
 * average the report recorded: on a busy 2-core machine the "parallel" threads take turns.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "conc",
     .args = "conc --quick --large=256M --ipc-sizes=4K..1M*16",
     .full_args = "conc"},
};

static double us_median(const json_t *doc, const char *bench, const char *name) {
    return hx_lab_number(hx_lab_row(doc, "results", "bench", bench, "name", name), "us_median");
}

/* The reason a parallel shape may not show: the load the report recorded, on how many cores. */
static void busy_reason(const json_t *doc, const hx_lab_machine *m, char *buf, size_t len) {
    const json_t *host = json_object_get(doc, "host");
    const json_t *load = json_array_get(json_object_get(host, "load_avg_start"), 0);
    snprintf(buf, len,
             ": the threads must run at the same time - load average %.1f on %d cores at the "
             "start (other work takes the cores)",
             json_is_number(load) ? json_number_value(load) : NAN, m->cores);
}

static void creation(const json_t *doc, hx_lab_findings *out) {
    double fork = us_median(doc, "create", "fork_hetero");
    double large = us_median(doc, "create", "fork_large");
    double spawn = us_median(doc, "create", "posix_spawn");
    double spawn_large = us_median(doc, "create", "posix_spawn_large");
    double mib = hx_lab_number(doc, "config.large_bytes") / (1 << 20);
    hx_lab_find(out, "fork's cost grows with the parent's touched memory (page tables)",
                large > 10 * fork ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "fork %.0f us, with %.0f MiB touched %.0f us (%.0fx)%s", fork, mib, large,
                large / fork, large > 10 * fork ? "" : ": the large parent is too small to tell");
    bool flat = spawn_large < 1.5 * spawn;
    hx_lab_find(out, "posix_spawn's cost does not (nothing is copied)",
                flat ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "posix_spawn %.0f us, from the large parent %.0f us%s", spawn, spawn_large,
                flat ? "" : ": a busy machine (check the load average) spreads these figures");
    double small_fork = us_median(doc, "create", "fork");
    double thread = us_median(doc, "create", "pthread_create");
    hx_lab_find(out, "a thread is far cheaper to start than a process",
                thread < small_fork / 3 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "pthread_create+join %.1f us, fork of a small process %.0f us", thread, small_fork);
}

static void switching(const json_t *doc, const hx_lab_machine *m, hx_lab_findings *out) {
    const char *shape = "a hand-off on one core (a switch) and across two (a wake-up) differ";
    const json_t *two =
        hx_lab_row(doc, "results", "name", "pipe_pingpong_procs", "pinning", "two-cores");
    if (m->cores < 2 || !two || json_is_true(json_object_get(two, "skipped"))) {
        hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores");
        return;
    }
    double one_us = hx_lab_number(
        hx_lab_row(doc, "results", "name", "pipe_pingpong_procs", "pinning", "one-core"),
        "us_median");
    double two_us = hx_lab_number(two, "us_median");
    double ratio = two_us / one_us;
    bool differ = ratio > 1.5 || ratio < 1 / 1.5;
    hx_lab_find(out, shape, differ ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "one core %.2f us, two cores %.2f us per hand-off (%.1fx)%s", one_us, two_us, ratio,
                differ ? "" : ": on bare metal with busy cores the two are close");
}

static void ipc(const json_t *doc, hx_lab_findings *out) {
    const json_t *ranking = json_object_get(doc, "ipc_ranking");
    const char *best = "", *fastest = "";
    double best_bw = -1;
    size_t i;
    const json_t *e;
    json_array_foreach(ranking, i, e) {
        if (i == 0)
            fastest = hx_lab_string(e, "name");
        double bw = hx_lab_number(e, "mb_per_s_large");
        if (bw > best_bw) {
            best_bw = bw;
            best = hx_lab_string(e, "name");
        }
    }
    bool shm = strcmp(best, "shm-futex") == 0;
    hx_lab_find(out, "shared memory moves large messages fastest (no copy through the kernel)",
                shm ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "at the largest size %s leads with %.0f MB/s; lowest latency: %s%s", best, best_bw,
                fastest, shm ? "" : ": the futex handshake found its peer asleep too often");
}

/* Lost updates of plain at T >= 2 (the most over those rows), and whether every lock was exact. */
static void sync_counts(const json_t *doc, double *lost, bool *exact) {
    *lost = 0;
    *exact = true;
    size_t i;
    const json_t *row;
    json_array_foreach(json_object_get(doc, "results"), i, row) {
        if (strcmp(hx_lab_string(row, "bench"), "sync") != 0)
            continue;
        const char *name = hx_lab_string(row, "name");
        double t = hx_lab_number(row, "threads");
        if (strcmp(name, "plain") == 0 && t >= 2)
            *lost = fmax(*lost, hx_lab_number(row, "lost_updates"));
        else if (strcmp(name, "plain") != 0 && !json_is_true(json_object_get(row, "ok")))
            *exact = false;
    }
}

static void synchronisation(const json_t *doc, const hx_lab_machine *m, hx_lab_findings *out) {
    double lost;
    bool exact;
    sync_counts(doc, &lost, &exact);
    char why[200];
    busy_reason(doc, m, why, sizeof why);
    if (m->cores < 2)
        hx_lab_find(out, "a plain counter++ loses updates", HX_LAB_CANNOT_SHOW,
                    "cannot show here: needs 2 cores");
    else
        hx_lab_find(out, "a plain counter++ loses updates",
                    lost > 0 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "up to %.0f updates lost%s", lost,
                    lost > 0 ? "" : why);
    hx_lab_find(out, "every atomic, lock, queue and future counts exactly",
                exact ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "%s",
                exact ? "every count exact" : "a wrong count: a bug, hetero conc exited 1");
    double slow = hx_lab_number(
        hx_lab_row(doc, "results", "bench", "false-sharing", "name", "counters_packed"),
        "slowdown");
    if (m->cores < 2)
        hx_lab_find(out, "false sharing: counters in one line are slower", HX_LAB_CANNOT_SHOW,
                    "cannot show here: needs 2 cores");
    else
        hx_lab_find(out, "false sharing: counters in one line are slower",
                    slow > 2 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "packed %.2fx the padded time per increment%s", slow, slow > 2 ? "" : why);
}

static double gil_speedup(const json_t *doc, const char *name, const char *mode) {
    return hx_lab_number(hx_lab_row(doc, "results", "name", name, "mode", mode), "speedup");
}

static void global_lock(const json_t *doc, const hx_lab_machine *m, hx_lab_findings *out) {
    double cpu_gil = gil_speedup(doc, "cpu_bound", "threads-gil");
    double cpu_proc = gil_speedup(doc, "cpu_bound", "processes");
    double io_gil = gil_speedup(doc, "io_bound", "threads-gil");
    char why[200];
    busy_reason(doc, m, why, sizeof why);
    const char *cpu_shape = "the GIL serialises CPU-bound threads; processes scale";
    if (m->cores < 2) {
        hx_lab_find(out, cpu_shape, HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores");
    } else {
        bool shown = cpu_gil <= 1.2 && cpu_proc >= 1.6;
        hx_lab_find(out, cpu_shape, shown ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "cpu: threads-gil %.2fx, processes %.2fx%s", cpu_gil, cpu_proc,
                    shown ? "" : why);
    }
    bool io = io_gil >= 1.6;
    hx_lab_find(out, "IO-bound threads overlap even under the GIL",
                io ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "io: threads-gil %.2fx%s", io_gil,
                io ? "" : ": a very busy machine delays the wake-ups");
}

static void crashes(const json_t *doc, hx_lab_findings *out) {
    const json_t *threads = hx_lab_row(doc, "results", "name", "thread_pool", NULL, NULL);
    const json_t *procs = hx_lab_row(doc, "results", "name", "process_pool", NULL, NULL);
    double lost = hx_lab_number(procs, "tasks_lost");
    bool isolated = threads && procs && hx_lab_number(threads, "signal") > 0 && lost == 0 &&
                    json_is_true(json_object_get(procs, "answer_ok"));
    hx_lab_find(out, "a fault kills a thread pool whole; a process pool loses nothing",
                isolated ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "thread pool: %s, %.0f tasks lost; process pool: %.0f lost, %.0f restart(s), "
                "answer %s",
                hx_lab_string(threads, "signal_name"), hx_lab_number(threads, "tasks_lost"), lost,
                hx_lab_number(procs, "restarts"),
                json_is_true(json_object_get(procs, "answer_ok")) ? "right" : "not right");
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *doc = r->docs[0];
    creation(doc, out);
    switching(doc, m, out);
    ipc(doc, out);
    synchronisation(doc, m, out);
    global_lock(doc, m, out);
    crashes(doc, out);
}

const hx_lab hx_lab_processes_threads = {
    .name = "processes-threads",
    .chapter = "processes and threads: creation, IPC, switching, locks, a global lock",
    .needs = "none",
    .handout = "docs/labs/processes-threads.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
