/*
 * report.c - the rows of a `hetero conc` run as a table, CSV, JSON (hetero.conc/1) and a plot.
 *
 * All four read the same rows (conc.h).  The table has one section per sub-benchmark, each with
 * the columns that sub-benchmark fills; CSV has every column on every line (empty where a field
 * does not apply); JSON writes a field only where it applies.  The IPC ranking is computed here,
 * from the rows, so every format ranks the same figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/conc/conc.h"
#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/plot.h"
#include "hetero/core/provenance.h"
#include "hetero/core/table.h"

/* ---- the IPC ranking --------------------------------------------------------------------------
 */

typedef struct rank_entry {
    const char *name;
    double latency_us;             /* median half round trip */
    double mbps_small, mbps_large; /* median bandwidth at the smallest and largest size */
    uint64_t small, large;
} rank_entry;

static int by_latency(const void *a, const void *b) {
    double x = ((const rank_entry *)a)->latency_us, y = ((const rank_entry *)b)->latency_us;
    return (x > y) - (x < y);
}

static size_t ipc_ranking(const hx_conc_report *r, rank_entry *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < r->n && n < cap; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_IPC || row->skipped || strcmp(row->variant, "latency") != 0)
            continue;
        rank_entry e = {row->name, row->us_median, NAN, NAN, 0, 0};
        for (size_t j = 0; j < r->n; j++) {
            const hx_conc_row *b = &r->rows[j];
            if (b->bench != HX_CONC_IPC || strcmp(b->variant, "bandwidth") != 0 ||
                strcmp(b->name, row->name) != 0)
                continue;
            if (!e.small || b->bytes < e.small) {
                e.small = b->bytes;
                e.mbps_small = b->mb_per_s;
            }
            if (b->bytes >= e.large) {
                e.large = b->bytes;
                e.mbps_large = b->mb_per_s;
            }
        }
        out[n++] = e;
    }
    qsort(out, n, sizeof *out, by_latency);
    return n;
}

/* ---- table ------------------------------------------------------------------------------------
 */

static const char *num(char *buf, size_t len, const char *fmt, double v) {
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, fmt, v);
    return buf;
}

/* best, median, max (microseconds, two decimals) and the sample count of a measured row */
static void cost_cells(hx_table *t, const hx_conc_row *row) {
    char a[32], b[32], c[32];
    hx_table_cell(t, "%s", num(a, sizeof a, "%.2f", row->us_min));
    hx_table_cell(t, "%s", num(b, sizeof b, "%.2f", row->us_median));
    hx_table_cell(t, "%s", num(c, sizeof c, "%.2f", row->us_max));
    hx_table_cell(t, "%zu", row->samples);
}

static bool any_rows(const hx_conc_report *r, hx_conc_bench b) {
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].bench == b)
            return true;
    return false;
}

static int print_table(hx_table *t, FILE *out) {
    hx_table_print(t, out);
    hx_table_free(t);
    fputc('\n', out);
    return HX_OK;
}

#define NEW_TABLE(var, headers, align)                                                             \
    hx_table *var = hx_table_new(sizeof(headers) / sizeof(headers)[0], headers, align);            \
    if (!var)                                                                                      \
    return hx_fail(HX_ERR_RUNTIME, "out of memory")

static int table_create(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"operation", "parent", "best us",      "median us",
                                    "max us",    "n",      "what is timed"};
    NEW_TABLE(t, h, "llrrrrl");
    fprintf(out, "== create: the cost of one operation, microseconds\n");
    char p[32];
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_CREATE)
            continue;
        if (row->bytes)
            snprintf(p, sizeof p, "+%llu MiB", (unsigned long long)(row->bytes >> 20));
        else
            snprintf(p, sizeof p, "%s", strcmp(row->name, "fork") == 0 ? "helper" : "hetero");
        hx_table_row(t);
        hx_table_cell(t, "%s", row->name);
        hx_table_cell(t, "%s", p);
        cost_cells(t, row);
        hx_table_cell(t, "%s", row->note);
    }
    return print_table(t, out);
}

static int table_switch(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"ping-pong", "pinning", "best us", "median us",
                                    "max us",    "n",       "note"};
    NEW_TABLE(t, h, "llrrrrl");
    fprintf(out, "== switch: half a round trip, microseconds\n");
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_SWITCH)
            continue;
        hx_table_row(t);
        hx_table_cell(t, "%s", row->name);
        hx_table_cell(t, "%s", row->variant);
        cost_cells(t, row);
        hx_table_cell(t, "%s", row->note);
    }
    return print_table(t, out);
}

static int table_ipc_latency(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"transport", "best us", "median us", "max us", "n", "note"};
    NEW_TABLE(t, h, "lrrrrl");
    fprintf(out, "== ipc latency: half the round trip of an 8-byte message, microseconds\n");
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_IPC || strcmp(row->variant, "latency") != 0)
            continue;
        hx_table_row(t);
        hx_table_cell(t, "%s", row->name);
        cost_cells(t, row);
        hx_table_cell(t, "%s", row->note);
    }
    return print_table(t, out);
}

static int table_ipc_bandwidth(const hx_conc_report *r, FILE *out) {
    const hx_conc_config *c = &r->config;
    size_t ncols = 1 + c->nipc_sizes;
    const char *h[1 + HX_CONC_MAX_IPC_SIZES];
    char labels[HX_CONC_MAX_IPC_SIZES][24], align[2 + HX_CONC_MAX_IPC_SIZES];
    h[0] = "transport";
    align[0] = 'l';
    for (size_t s = 0; s < c->nipc_sizes; s++) {
        uint64_t b = c->ipc_sizes[s];
        if (b >= (1u << 20) && b % (1u << 20) == 0)
            snprintf(labels[s], sizeof labels[s], "%lluM", (unsigned long long)(b >> 20));
        else if (b >= 1024 && b % 1024 == 0)
            snprintf(labels[s], sizeof labels[s], "%lluK", (unsigned long long)(b >> 10));
        else
            snprintf(labels[s], sizeof labels[s], "%llu", (unsigned long long)b);
        h[1 + s] = labels[s];
        align[1 + s] = 'r';
    }
    align[ncols] = '\0';
    hx_table *t = hx_table_new(ncols, h, align);
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    fprintf(out, "== ipc bandwidth: MB/s (1e6 bytes/s), median of %u bursts per message size\n",
            c->reps);
    for (int k = 0; k < 16; k++) {
        const char *name = NULL;
        size_t seen = 0;
        for (size_t i = 0; i < r->n; i++) { /* the k-th transport that has bandwidth rows */
            const hx_conc_row *row = &r->rows[i];
            if (row->bench == HX_CONC_IPC && strcmp(row->variant, "bandwidth") == 0 &&
                row->bytes == c->ipc_sizes[0] && seen++ == (size_t)k) {
                name = row->name;
                break;
            }
        }
        if (!name)
            break;
        hx_table_row(t);
        hx_table_cell(t, "%s", name);
        for (size_t s = 0; s < c->nipc_sizes; s++) {
            double v = NAN;
            for (size_t i = 0; i < r->n; i++) {
                const hx_conc_row *row = &r->rows[i];
                if (row->bench == HX_CONC_IPC && strcmp(row->variant, "bandwidth") == 0 &&
                    row->bytes == c->ipc_sizes[s] && strcmp(row->name, name) == 0)
                    v = row->mb_per_s;
            }
            char cell[32];
            hx_table_cell(t, "%s", num(cell, sizeof cell, "%.0f", v));
        }
    }
    return print_table(t, out);
}

static int table_ipc_ranking(const hx_conc_report *r, FILE *out) {
    rank_entry e[16];
    size_t n = ipc_ranking(r, e, 16);
    if (n == 0)
        return HX_OK;
    static const char *const h[] = {"rank", "transport", "latency us", "MB/s small", "MB/s large"};
    NEW_TABLE(t, h, "rlrrr");
    fprintf(out, "== ipc ranking, by latency (small = %llu bytes, large = %llu bytes)\n",
            (unsigned long long)e[0].small, (unsigned long long)e[0].large);
    char a[32], b[32], c[32];
    for (size_t i = 0; i < n; i++) {
        hx_table_row(t);
        hx_table_cell(t, "%zu", i + 1);
        hx_table_cell(t, "%s", e[i].name);
        hx_table_cell(t, "%s", num(a, sizeof a, "%.2f", e[i].latency_us));
        hx_table_cell(t, "%s", num(b, sizeof b, "%.0f", e[i].mbps_small));
        hx_table_cell(t, "%s", num(c, sizeof c, "%.0f", e[i].mbps_large));
    }
    return print_table(t, out);
}

static int table_sync(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"method",   "T",     "best ns/op", "median ns/op",
                                    "expected", "final", "lost",       "note"};
    NEW_TABLE(t, h, "lrrrrrrl");
    fprintf(out,
            "== sync: a shared counter, N operations split over T threads, ns per operation\n");
    char a[32], b[32];
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_SYNC)
            continue;
        hx_table_row(t);
        hx_table_cell(t, "%s", row->name);
        hx_table_cell(t, "%u", row->threads);
        hx_table_cell(t, "%s", num(a, sizeof a, "%.1f", row->us_min * 1e3));
        hx_table_cell(t, "%s", num(b, sizeof b, "%.1f", row->us_median * 1e3));
        hx_table_cell(t, "%llu", (unsigned long long)row->expected);
        hx_table_cell(t, "%llu", (unsigned long long)row->observed);
        hx_table_cell(t, "%llu", (unsigned long long)row->lost_updates);
        hx_table_cell(t, "%s", row->note);
    }
    return print_table(t, out);
}

static int table_false_sharing(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"name",         "T",        "apart", "best ns/op",
                                    "median ns/op", "x padded", "check"};
    NEW_TABLE(t, h, "lrrrrrl");
    fprintf(out,
            "== false sharing: cache line %u bytes (%s); ns per increment per thread, or per "
            "pi step\n",
            r->line_bytes, r->line_source);
    char a[32], b[32], c[32], d[32];
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_FALSE_SHARING)
            continue;
        hx_table_row(t);
        hx_table_cell(t, "%s", row->name);
        hx_table_cell(t, "%u", row->threads);
        if (row->bytes)
            hx_table_cell(t, "%llu B", (unsigned long long)row->bytes);
        else
            hx_table_cell(t, "private");
        hx_table_cell(t, "%s", num(a, sizeof a, "%.2f", row->us_min * 1e3));
        hx_table_cell(t, "%s", num(b, sizeof b, "%.2f", row->us_median * 1e3));
        hx_table_cell(t, "%s", num(c, sizeof c, "%.2fx", row->slowdown));
        if (!isnan(row->value))
            hx_table_cell(t, "pi %s %s", num(d, sizeof d, "%.12f", row->value),
                          row->ok ? "ok" : "WRONG");
        else
            hx_table_cell(t, "%s", row->ok ? "every counter exact" : "WRONG count");
    }
    return print_table(t, out);
}

static int table_gil(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"work",      "mode",    "workers", "tasks",
                                    "median ms", "speedup", "results", "note"};
    NEW_TABLE(t, h, "llrrrrll");
    fprintf(out,
            "== gil: %u tasks on %u workers; a cpu task interprets %.1f ms, an io task %.1f "
            "ms then blocks %.1f ms\n",
            r->config.tasks, r->config.workers, r->config.task_ms, r->config.task_ms / 10,
            r->config.task_ms);
    char a[32], b[32];
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_GIL)
            continue;
        hx_table_row(t);
        hx_table_cell(t, "%s", row->work);
        hx_table_cell(t, "%s", row->mode);
        hx_table_cell(t, "%u", row->threads);
        hx_table_cell(t, "%u", row->tasks);
        hx_table_cell(t, "%s", num(a, sizeof a, "%.1f", row->us_median / 1e3));
        hx_table_cell(t, "%s", num(b, sizeof b, "%.2fx", row->speedup));
        hx_table_cell(t, "%s", row->ok ? "= serial" : "WRONG");
        hx_table_cell(t, "%s", row->note);
    }
    return print_table(t, out);
}

static int table_crash(const hx_conc_report *r, FILE *out) {
    static const char *const h[] = {"pool",   "tasks",    "done",   "lost",
                                    "signal", "restarts", "answer", "what happened"};
    NEW_TABLE(t, h, "lrrrlrll");
    fprintf(out, "== crash: %u workers, %u tasks; the first attempt at task %u faults\n",
            r->config.workers, r->config.tasks, r->config.crash_task);
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != HX_CONC_CRASH)
            continue;
        const char *sig = row->signal ? sigabbrev_np(row->signal) : NULL;
        hx_table_row(t);
        hx_table_cell(t, "%s", row->mode);
        hx_table_cell(t, "%u", row->tasks);
        hx_table_cell(t, "%u", row->tasks_done);
        hx_table_cell(t, "%lld", (long long)row->tasks_lost);
        hx_table_cell(t, "%s%s", sig ? "SIG" : "-", sig ? sig : "");
        hx_table_cell(t, "%u", row->restarts);
        hx_table_cell(t, "%s", row->answer_ok ? "right" : "incomplete");
        hx_table_cell(t, "%s", row->note);
    }
    return print_table(t, out);
}

static int write_table(const hx_conc_report *r, FILE *out) {
    fprintf(out, "hetero conc: %s, %d cores, cache line %u bytes (%s)\n", r->cpu, r->cores,
            r->line_bytes, r->line_source);
    fprintf(out,
            "load average %.2f %.2f %.2f at the start, %.2f %.2f %.2f at the end; %.1f s; "
            "OMP_WAIT_POLICY=%s\n\n",
            r->load_start[0], r->load_start[1], r->load_start[2], r->load_end[0], r->load_end[1],
            r->load_end[2], r->seconds, r->omp_wait_policy);
    if (any_rows(r, HX_CONC_CREATE))
        HX_TRY(table_create(r, out));
    if (any_rows(r, HX_CONC_SWITCH))
        HX_TRY(table_switch(r, out));
    if (any_rows(r, HX_CONC_IPC)) {
        HX_TRY(table_ipc_latency(r, out));
        HX_TRY(table_ipc_bandwidth(r, out));
        HX_TRY(table_ipc_ranking(r, out));
    }
    if (any_rows(r, HX_CONC_SYNC))
        HX_TRY(table_sync(r, out));
    if (any_rows(r, HX_CONC_FALSE_SHARING))
        HX_TRY(table_false_sharing(r, out));
    if (any_rows(r, HX_CONC_GIL))
        HX_TRY(table_gil(r, out));
    if (any_rows(r, HX_CONC_CRASH))
        HX_TRY(table_crash(r, out));
    return HX_OK;
}

/* ---- CSV --------------------------------------------------------------------------------------
 */

static const char *const csv_columns[] = {
    "bench",      "name",     "variant",  "threads",       "bytes",    "samples",  "us_min",
    "us_median",  "us_max",   "mb_per_s", "mb_per_s_best", "expected", "observed", "lost_updates",
    "slowdown",   "value",    "work",     "mode",          "speedup",  "tasks",    "tasks_done",
    "tasks_lost", "restarts", "signal",   "answer_ok",     "ok",       "skipped",  "note",
    NULL};

static void csv_num(FILE *out, double v) {
    char buf[40] = "";
    if (!isnan(v))
        snprintf(buf, sizeof buf, "%.9g", v);
    hx_csv_field(out, buf, 0);
}

static void csv_uint(FILE *out, bool present, unsigned long long v) {
    char buf[32] = "";
    if (present)
        snprintf(buf, sizeof buf, "%llu", v);
    hx_csv_field(out, buf, 0);
}

static int write_csv(const hx_conc_report *r, FILE *out) {
    for (size_t i = 0; csv_columns[i]; i++)
        hx_csv_field(out, csv_columns[i], i == 0);
    fputc('\n', out);
    for (size_t i = 0; i < r->n; i++) {
        const hx_conc_row *row = &r->rows[i];
        hx_csv_field(out, hx_conc_bench_names[row->bench], 1);
        hx_csv_field(out, row->name, 0);
        hx_csv_field(out, row->variant, 0);
        csv_uint(out, row->threads, row->threads);
        csv_uint(out, row->bytes, row->bytes);
        csv_uint(out, row->samples, row->samples);
        csv_num(out, row->us_min);
        csv_num(out, row->us_median);
        csv_num(out, row->us_max);
        csv_num(out, row->mb_per_s);
        csv_num(out, row->mb_per_s_best);
        csv_uint(out, row->counted, row->expected);
        csv_uint(out, row->counted, row->observed);
        csv_uint(out, row->counted, row->lost_updates);
        csv_num(out, row->slowdown);
        csv_num(out, row->value);
        hx_csv_field(out, row->work, 0);
        hx_csv_field(out, row->mode, 0);
        csv_num(out, row->speedup);
        csv_uint(out, row->crash || row->tasks, row->tasks);
        csv_uint(out, row->crash, row->tasks_done);
        csv_uint(out, row->crash, (unsigned long long)row->tasks_lost);
        csv_uint(out, row->crash, row->restarts);
        csv_uint(out, row->crash, (unsigned long long)row->signal);
        hx_csv_field(out, row->crash ? (row->answer_ok ? "true" : "false") : "", 0);
        hx_csv_field(out, row->ok ? "true" : "false", 0);
        hx_csv_field(out, row->skipped ? "true" : "false", 0);
        hx_csv_field(out, row->note, 0);
        fputc('\n', out);
    }
    return HX_OK;
}

/* ---- JSON -------------------------------------------------------------------------------------
 */

static void json_optional_number(hx_json *j, const char *key, double v) {
    if (!isnan(v))
        hx_json_kv_number(j, key, v);
}

static void json_load(hx_json *j, const char *key, const double *load) {
    hx_json_key(j, key);
    hx_json_array_begin(j);
    for (int i = 0; i < 3; i++)
        hx_json_number(j, load[i]);
    hx_json_array_end(j);
}

static void json_config(hx_json *j, const hx_conc_config *c) {
    hx_json_key(j, "config");
    hx_json_object_begin(j);
    hx_json_kv_bool(j, "quick", c->quick);
    hx_json_key(j, "only");
    hx_json_array_begin(j);
    for (int b = 0; b < HX_CONC_BENCH_COUNT; b++)
        if (c->want[b])
            hx_json_string(j, hx_conc_bench_names[b]);
    hx_json_array_end(j);
    hx_json_kv_int(j, "reps", c->reps);
    hx_json_kv_int(j, "large_bytes", (int64_t)c->large_bytes);
    hx_json_kv_int(j, "create_ops", c->create_ops);
    hx_json_kv_int(j, "pingpong_rounds", c->pingpong_rounds);
    hx_json_key(j, "ipc_sizes");
    hx_json_array_begin(j);
    for (size_t i = 0; i < c->nipc_sizes; i++)
        hx_json_int(j, (int64_t)c->ipc_sizes[i]);
    hx_json_array_end(j);
    hx_json_key(j, "sync_threads");
    hx_json_array_begin(j);
    for (size_t i = 0; i < c->nsync_threads; i++)
        hx_json_int(j, c->sync_threads[i]);
    hx_json_array_end(j);
    hx_json_kv_int(j, "sync_ops", (int64_t)c->sync_ops);
    hx_json_kv_int(j, "fs_threads", c->fs_threads);
    hx_json_kv_int(j, "fs_ops", (int64_t)c->fs_ops);
    hx_json_kv_int(j, "pi_steps", (int64_t)c->pi_steps);
    hx_json_kv_int(j, "workers", c->workers);
    hx_json_kv_int(j, "tasks", c->tasks);
    hx_json_kv_number(j, "task_ms", c->task_ms);
    hx_json_kv_int(j, "crash_task", c->crash_task);
    hx_json_kv_int(j, "crash_signal", c->crash_signal);
    hx_json_object_end(j);
}

static void json_row(hx_json *j, const hx_conc_row *row) {
    hx_json_object_begin(j);
    hx_json_kv_string(j, "bench", hx_conc_bench_names[row->bench]);
    hx_json_kv_string(j, "name", row->name);
    if (row->bench == HX_CONC_SWITCH)
        hx_json_kv_string(j, "pinning", row->variant);
    else if (row->variant[0])
        hx_json_kv_string(j, "kind", row->variant);
    if (row->threads)
        hx_json_kv_int(j, "threads", row->threads);
    if (row->bytes)
        hx_json_kv_int(j, "bytes", (int64_t)row->bytes);
    if (row->samples) {
        hx_json_kv_int(j, "samples", (int64_t)row->samples);
        json_optional_number(j, "us_min", row->us_min);
        json_optional_number(j, "us_median", row->us_median);
        json_optional_number(j, "us_max", row->us_max);
    }
    json_optional_number(j, "mb_per_s", row->mb_per_s);
    json_optional_number(j, "mb_per_s_best", row->mb_per_s_best);
    if (row->counted) {
        hx_json_kv_int(j, "expected", (int64_t)row->expected);
        hx_json_kv_int(j, "observed", (int64_t)row->observed);
        hx_json_kv_int(j, "lost_updates", (int64_t)row->lost_updates);
    }
    json_optional_number(j, "slowdown", row->slowdown);
    json_optional_number(j, "value", row->value);
    if (row->work[0])
        hx_json_kv_string(j, "work", row->work);
    if (row->mode[0])
        hx_json_kv_string(j, "mode", row->mode);
    json_optional_number(j, "speedup", row->speedup);
    if (row->tasks)
        hx_json_kv_int(j, "tasks", row->tasks);
    if (row->crash) {
        hx_json_kv_int(j, "tasks_done", row->tasks_done);
        hx_json_kv_int(j, "tasks_lost", row->tasks_lost);
        hx_json_kv_int(j, "restarts", row->restarts);
        hx_json_kv_int(j, "signal", row->signal);
        const char *sig = row->signal ? sigabbrev_np(row->signal) : NULL;
        char name[24];
        snprintf(name, sizeof name, "SIG%s", sig ? sig : "");
        hx_json_kv_string(j, "signal_name", sig ? name : NULL);
        hx_json_kv_bool(j, "answer_ok", row->answer_ok);
    }
    hx_json_kv_bool(j, "ok", row->ok);
    if (row->skipped)
        hx_json_kv_bool(j, "skipped", true);
    hx_json_kv_string(j, "note", row->note);
    hx_json_object_end(j);
}

static int write_json(const hx_conc_report *r, FILE *out) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_CONC_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_key(&j, "host");
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "cpu", r->cpu);
    hx_json_kv_int(&j, "cores", r->cores);
    hx_json_kv_int(&j, "line_bytes", r->line_bytes);
    hx_json_kv_string(&j, "line_source", r->line_source);
    json_load(&j, "load_avg_start", r->load_start);
    json_load(&j, "load_avg_end", r->load_end);
    hx_json_kv_string(&j, "omp_wait_policy", r->omp_wait_policy);
    hx_json_object_end(&j);
    json_config(&j, &r->config);
    hx_json_kv_number(&j, "seconds", r->seconds);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < r->n; i++)
        json_row(&j, &r->rows[i]);
    hx_json_array_end(&j);
    rank_entry e[16];
    size_t n = ipc_ranking(r, e, 16);
    hx_json_key(&j, "ipc_ranking");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        hx_json_object_begin(&j);
        hx_json_kv_int(&j, "rank", (int64_t)i + 1);
        hx_json_kv_string(&j, "name", e[i].name);
        hx_json_kv_number(&j, "latency_us", e[i].latency_us);
        hx_json_kv_int(&j, "small_bytes", (int64_t)e[i].small);
        hx_json_kv_number(&j, "mb_per_s_small", e[i].mbps_small);
        hx_json_kv_int(&j, "large_bytes", (int64_t)e[i].large);
        hx_json_kv_number(&j, "mb_per_s_large", e[i].mbps_large);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

int hx_conc_write(const hx_conc_report *r, hx_format format, FILE *out) {
    int status = format == HX_FORMAT_JSON  ? write_json(r, out)
                 : format == HX_FORMAT_CSV ? write_csv(r, out)
                                           : write_table(r, out);
    if (status == HX_OK && ferror(out))
        return hx_fail(HX_ERR_RUNTIME, "writing the report failed");
    return status;
}

/* ---- the plot ---------------------------------------------------------------------------------
 */

/* A gnuplot datablock name from a row name: letters, digits, underscores. */
static void block_name(const char *prefix, const char *name, char *buf, size_t len) {
    size_t k = (size_t)snprintf(buf, len, "$%s_", prefix);
    for (const char *s = name; *s && k + 1 < len; s++)
        buf[k++] = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ? *s : '_';
    buf[k] = '\0';
}

/* One datablock per distinct name among rows of bench (and variant when given): x, y. */
static size_t emit_series(FILE *f, const hx_conc_report *r, hx_conc_bench bench,
                          const char *variant, const char *prefix, const char **names, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < r->n && n < cap; i++) {
        const hx_conc_row *row = &r->rows[i];
        if (row->bench != bench || row->skipped || (variant && strcmp(row->variant, variant)) ||
            isnan(row->us_median))
            continue;
        bool known = false;
        for (size_t k = 0; k < n; k++)
            known |= strcmp(names[k], row->name) == 0;
        if (known || (bench == HX_CONC_SYNC && strcmp(row->name, "plain_interleaved") == 0))
            continue;
        names[n++] = row->name;
        char block[64];
        block_name(prefix, row->name, block, sizeof block);
        fprintf(f, "%s << EOD\n", block);
        for (size_t j = 0; j < r->n; j++) {
            const hx_conc_row *p = &r->rows[j];
            if (p->bench != bench || strcmp(p->name, row->name) ||
                (variant && strcmp(p->variant, variant)))
                continue;
            if (bench == HX_CONC_SYNC)
                fprintf(f, "%u %.9g\n", p->threads, p->us_median * 1e3);
            else
                fprintf(f, "%llu %.9g\n", (unsigned long long)p->bytes, p->mb_per_s);
        }
        fputs("EOD\n", f);
    }
    return n;
}

/* Nine methods: more than gnuplot's eight default colours, so each series names its own. */
static const char *const series_colours[] = {"#9400d3", "#009e73", "#56b4e9", "#e69f00", "#f0e442",
                                             "#0072b2", "#e51e10", "#000000", "#8c564b", "#7f7f7f"};

static void plot_lines(FILE *f, const char *prefix, const char **names, size_t n) {
    fputs("plot ", f);
    for (size_t i = 0; i < n; i++) {
        char block[64];
        block_name(prefix, names[i], block, sizeof block);
        fprintf(f, "%s%s using 1:2 with linespoints lw 2 pt %zu lc rgb \"%s\" title \"%s\"",
                i ? ", " : "", block, i + 1, series_colours[i % 10], names[i]);
    }
    fputc('\n', f);
}

int hx_conc_plot(const hx_conc_report *r, const char *path) {
    bool sync = any_rows(r, HX_CONC_SYNC), ipc = any_rows(r, HX_CONC_IPC);
    if (!sync && !ipc)
        return hx_fail(HX_ERR_USAGE, "--plot draws the sync and ipc sweeps, and neither ran "
                                     "(add sync or ipc to --only)");
    hx_plot_kind kind;
    HX_TRY(hx_plot_kind_of("--plot", path, &kind));
    char *script = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&script, &len);
    if (!f)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    char term[1400];
    fputs(hx_plot_terminal(kind, path, sync && ipc ? 1200 : 640, 480, term, sizeof term), f);
    const char *sync_names[16], *ipc_names[16];
    size_t ns = sync ? emit_series(f, r, HX_CONC_SYNC, NULL, "sync", sync_names, 16) : 0;
    size_t ni = ipc ? emit_series(f, r, HX_CONC_IPC, "bandwidth", "ipc", ipc_names, 16) : 0;
    if (sync && ipc)
        fputs("set multiplot layout 1,2 title \"hetero conc\"\n", f);
    fputs("set grid\nset key top left font \",9\"\nset logscale y\n", f);
    if (ns) {
        fputs("set title \"levels of synchronisation\"\nset logscale x 2\n"
              "set xlabel \"threads T\"\nset ylabel \"ns per operation (median)\"\n",
              f);
        plot_lines(f, "sync", sync_names, ns);
    }
    if (ni) {
        fputs("set title \"IPC bandwidth\"\nset logscale x 2\nset format x \"%.0b %BB\"\n"
              "set xlabel \"message size\"\nset ylabel \"MB/s (median)\"\n",
              f);
        plot_lines(f, "ipc", ipc_names, ni);
    }
    if (sync && ipc)
        fputs("unset multiplot\n", f);
    fclose(f);
    int status = hx_plot_run(script, path);
    free(script);
    return status;
}
