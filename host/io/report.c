/*
 * report.c - the reports of `hetero io`: bench points, the model list and the switch costs,
 * each as a table, CSV or JSON (schemas in docs/json.md, fields explained in docs/io.md).
 *
 * Every figure is computed from the rows in one place (msgs_per_s, mb_per_s, per_million ...)
 * and written the same way by the three writers.  A figure that does not exist - the server's
 * CPU or memory against --target, the growth per idle connection without --idle - is "-" in
 * the table, empty in CSV and null in JSON, never 0.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/provenance.h"
#include "hetero/core/table.h"
#include "hetero/io/bench.h"

static double mps(const hx_io_bench_row *r) {
    return r->load.seconds > 0 ? (double)r->load.messages / r->load.seconds : 0.0;
}

static double mbps(const hx_io_bench_row *r) {
    return r->load.seconds > 0 ? (double)r->load.bytes / r->load.seconds / 1e6 : 0.0;
}

static double cpu_per_million(const hx_io_bench_row *r) {
    return r->load.messages ? r->server_cpu / (double)r->load.messages * 1e6 : NAN;
}

static double cpu_percent(const hx_io_bench_row *r) {
    return r->load.seconds > 0 ? 100.0 * r->server_cpu / r->load.seconds : NAN;
}

/* "NAME" or "auto:CHOICE" */
static void model_label(const hx_io_bench_row *r, char *buf, size_t len) {
    if (strcmp(r->model, r->mechanism) == 0)
        snprintf(buf, len, "%s", r->model);
    else
        snprintf(buf, len, "%s:%s", r->model, r->mechanism);
}

/* Each worker's share of the connections, in percent: "51/49"; "-" for one loop. */
static void spread(const hx_io_bench_row *r, char *buf, size_t len) {
    const hx_io_server_stats *s = &r->stats;
    if (s->workers < 2 || s->accepted == 0) {
        snprintf(buf, len, "-");
        return;
    }
    size_t at = 0;
    for (unsigned w = 0; w < s->workers && at + 8 < len; w++)
        at += (size_t)snprintf(buf + at, len - at, "%s%.0f", w ? "/" : "",
                               100.0 * (double)s->per_worker[w] / (double)s->accepted);
}

static void number_or_dash(char *buf, size_t len, const char *fmt, double v) {
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, fmt, v);
}

/* ---- bench ----------------------------------------------------------------------------------- */

static const char *const table_columns[] = {
    "model",    "wrk",     "conns",       "msgs/s",         "MB/s",
    "p50 us",   "p99 us",  "p999 us",     "srv CPU s/Mmsg", "srv CPU %",
    "setup ms", "RSS MiB", "KiB/1k idle", "conns/worker %", "errors"};
#define NTABLE (sizeof table_columns / sizeof *table_columns)

static void table_row(hx_table *t, const hx_io_bench_row *r) {
    char label[80], cell[6][64];
    model_label(r, label, sizeof label);
    number_or_dash(cell[0], 64, "%.2f", cpu_per_million(r));
    number_or_dash(cell[1], 64, "%.0f", cpu_percent(r)); /* of one core */
    number_or_dash(cell[2], 64, "%.1f", r->load.setup_s > 0 ? r->load.setup_s * 1e3 : NAN);
    number_or_dash(cell[3], 64, "%.1f", r->rss_bytes / (1024.0 * 1024.0));
    number_or_dash(cell[4], 64, "%.0f", r->rss_per_1k_idle_bytes / 1024.0);
    spread(r, cell[5], 64);
    hx_table_row(t);
    hx_table_cell(t, "%s", label);
    hx_table_cell(t, "%u", r->workers);
    hx_table_cell(t, r->idle ? "%u+%u" : "%u", r->conns, r->idle);
    hx_table_cell(t, "%.0f", mps(r));
    hx_table_cell(t, "%.2f", mbps(r));
    hx_table_cell(t, "%.1f", r->load.p50 * 1e6);
    hx_table_cell(t, "%.1f", r->load.p99 * 1e6);
    hx_table_cell(t, "%.1f", r->load.p999 * 1e6);
    for (int k = 0; k < 6; k++)
        hx_table_cell(t, "%s", cell[k]);
    hx_table_cell(t, "%s", r->status == HX_OK ? "0" : r->error);
}

static void write_table(FILE *out, const hx_io_bench_row *rows, size_t n) {
    hx_table *t = hx_table_new(NTABLE, table_columns, "lrrrrrrrrrrrrrl");
    if (!t)
        return;
    for (size_t i = 0; i < n; i++)
        table_row(t, &rows[i]);
    hx_table_print(t, out);
    hx_table_free(t);
}

static void csv_number(FILE *out, const char *fmt, double v) {
    char buf[64] = "";
    if (!isnan(v))
        snprintf(buf, sizeof buf, fmt, v);
    hx_csv_field(out, buf, 0);
}

/* The first 15 columns are those of the first version; new ones go at the end. */
static void write_csv(FILE *out, const hx_io_bench_row *rows, size_t n) {
    static const char *const head[] = {"model",           "conns",
                                       "messages",        "seconds",
                                       "msgs_per_s",      "mb_per_s",
                                       "p50_s",           "p99_s",
                                       "p999_s",          "max_s",
                                       "server_cpu_s",    "server_cpu_s_per_million",
                                       "errors",          "unsent",
                                       "error",           "mechanism",
                                       "workers",         "idle",
                                       "setup_s",         "idle_setup_s",
                                       "rss_bytes",       "rss_per_1k_idle_bytes",
                                       "conns_per_worker"};
    for (size_t k = 0; k < sizeof head / sizeof *head; k++)
        hx_csv_field(out, head[k], k == 0);
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        const hx_io_bench_row *r = &rows[i];
        const hx_io_load_result *l = &r->load;
        char f[64];
        hx_csv_field(out, r->model, 1);
        fprintf(out, ",%u,%llu", r->conns, (unsigned long long)l->messages);
        csv_number(out, "%.6g", l->seconds);
        csv_number(out, "%.6g", mps(r));
        csv_number(out, "%.6g", mbps(r));
        csv_number(out, "%.6g", l->p50);
        csv_number(out, "%.6g", l->p99);
        csv_number(out, "%.6g", l->p999);
        csv_number(out, "%.6g", l->max);
        csv_number(out, "%.6g", r->server_cpu);
        csv_number(out, "%.2f", cpu_per_million(r));
        fprintf(out, ",%llu,%llu", (unsigned long long)l->errors, (unsigned long long)l->unsent);
        hx_csv_field(out, r->status == HX_OK ? "" : r->error, 0);
        hx_csv_field(out, r->mechanism, 0);
        fprintf(out, ",%u,%u", r->workers, r->idle);
        csv_number(out, "%.6g", l->setup_s);
        csv_number(out, "%.6g", r->idle ? r->idle_setup_s : NAN);
        csv_number(out, "%.0f", r->rss_bytes);
        csv_number(out, "%.0f", r->rss_per_1k_idle_bytes);
        size_t at = 0;
        f[0] = 0;
        for (unsigned w = 0; w < r->stats.workers && at + 24 < sizeof f; w++)
            at += (size_t)snprintf(f + at, sizeof f - at, "%s%llu", w ? ";" : "",
                                   (unsigned long long)r->stats.per_worker[w]);
        hx_csv_field(out, f, 0);
        fputc('\n', out);
    }
}

static void json_latency(hx_json *j, const hx_io_load_result *l) {
    hx_json_key(j, "latency_s");
    hx_json_object_begin(j);
    hx_json_kv_number(j, "p50", l->p50);
    hx_json_kv_number(j, "p99", l->p99);
    hx_json_kv_number(j, "p999", l->p999);
    hx_json_kv_number(j, "max", l->max);
    hx_json_object_end(j);
}

static void json_server(hx_json *j, const hx_io_bench_row *r) {
    hx_json_kv_number(j, "rss_bytes", r->rss_bytes);
    hx_json_kv_number(j, "rss_base_bytes", r->rss_base_bytes);
    hx_json_kv_number(j, "rss_per_1k_idle_bytes", r->rss_per_1k_idle_bytes);
    hx_json_kv_string(j, "rss_method",
                      isnan(r->rss_bytes) ? NULL
                      : r->rss_is_pss     ? "pss-summed"
                                          : "rss");
    if (r->server_threads >= 0)
        hx_json_kv_int(j, "server_threads", r->server_threads);
    else
        hx_json_kv_number(j, "server_threads", NAN);
    if (r->server_processes >= 0)
        hx_json_kv_int(j, "server_processes", r->server_processes);
    else
        hx_json_kv_number(j, "server_processes", NAN);
    hx_json_kv_int(j, "shed", (int64_t)r->stats.shed);
    hx_json_key(j, "conns_per_worker");
    hx_json_array_begin(j);
    for (unsigned w = 0; w < r->stats.workers; w++)
        hx_json_int(j, (int64_t)r->stats.per_worker[w]);
    hx_json_array_end(j);
}

static void json_row(hx_json *j, const hx_io_bench_row *r) {
    const hx_io_load_result *l = &r->load;
    hx_json_object_begin(j);
    hx_json_kv_string(j, "model", r->model);
    hx_json_kv_string(j, "mechanism", r->mechanism);
    hx_json_kv_int(j, "conns", r->conns);
    hx_json_kv_int(j, "workers", r->workers);
    hx_json_kv_int(j, "idle", r->idle);
    hx_json_kv_bool(j, "ok", r->status == HX_OK);
    hx_json_kv_int(j, "messages", (int64_t)l->messages);
    hx_json_kv_int(j, "offered", (int64_t)l->offered);
    hx_json_kv_int(j, "completed", (int64_t)l->completed);
    hx_json_kv_number(j, "seconds", l->seconds);
    hx_json_kv_number(j, "msgs_per_s", mps(r));
    hx_json_kv_number(j, "mb_per_s", mbps(r));
    json_latency(j, l);
    hx_json_kv_number(j, "setup_s", l->setup_s);
    hx_json_kv_number(j, "idle_setup_s", r->idle ? r->idle_setup_s : NAN);
    hx_json_kv_number(j, "server_cpu_s", r->server_cpu);
    hx_json_kv_number(j, "server_cpu_s_per_million", cpu_per_million(r));
    hx_json_kv_number(j, "server_cpu_percent_of_core", cpu_percent(r));
    hx_json_kv_number(j, "cpu_window_s", l->window_end - l->window_start);
    hx_json_kv_number(j, "generator_cpu_s", l->gen_cpu);
    json_server(j, r);
    hx_json_kv_int(j, "errors", (int64_t)l->errors);
    hx_json_kv_int(j, "unsent", (int64_t)l->unsent);
    hx_json_kv_string(j, "error", r->status == HX_OK ? NULL : r->error);
    hx_json_object_end(j);
}

static void write_json(FILE *out, const hx_io_bench_config *c, const hx_io_bench_row *rows,
                       size_t n) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_IO_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_kv_string(&j, "mode", c->load.rate > 0 ? "open-loop" : "closed-loop");
    if (c->load.rate > 0)
        hx_json_kv_number(&j, "rate_msgs_per_s", c->load.rate);
    hx_json_kv_int(&j, "size_bytes", (int64_t)c->load.size);
    hx_json_kv_number(&j, "duration_s", c->load.duration);
    hx_json_kv_int(&j, "generator_threads", c->load.threads);
    hx_json_kv_int(&j, "idle", c->idle);
    hx_json_kv_string(&j, "target", c->target_host);
    hx_json_kv_string(&j, "server_cpu_method",
                      "process CPU (RUSAGE_SELF) over the window minus the CPU clocks of the "
                      "generator and main threads read at the same instants; the process models "
                      "(blocking-fork, epoll-reuseport) add RUSAGE_CHILDREN of the reaped "
                      "children");
    hx_json_kv_string(&j, "rss_method",
                      "/proc/PID/smaps_rollup: Rss of this process (server and generator) for "
                      "the single-process models; Pss of this process plus every child for the "
                      "process models; per 1k idle = growth while the idle connections opened");
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < n; i++)
        json_row(&j, &rows[i]);
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
}

void hx_io_bench_write(FILE *out, hx_format format, const hx_io_bench_config *cfg,
                       const hx_io_bench_row *rows, size_t n) {
    if (format == HX_FORMAT_JSON)
        write_json(out, cfg, rows, n);
    else if (format == HX_FORMAT_CSV)
        write_csv(out, rows, n);
    else
        write_table(out, rows, n);
}

/* ---- list ------------------------------------------------------------------------------------ */

void hx_io_list_write(FILE *out, hx_format format) {
    size_t n = hx_io_model_count();
    if (format == HX_FORMAT_JSON) {
        hx_json j;
        hx_json_init(&j, out, true);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "schema", HX_IO_LIST_SCHEMA);
        hx_json_kv_provenance(&j);
        hx_json_key(&j, "models");
        hx_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            hx_io_model_info m = hx_io_model_at(i);
            hx_json_object_begin(&j);
            hx_json_kv_string(&j, "name", m.name);
            hx_json_kv_string(&j, "summary", m.summary);
            hx_json_kv_bool(&j, "uses_workers", m.uses_workers);
            hx_json_kv_bool(&j, "processes", m.processes);
            hx_json_object_end(&j);
        }
        hx_json_array_end(&j);
        hx_json_object_end(&j);
        hx_json_end(&j);
        return;
    }
    if (format == HX_FORMAT_CSV)
        fputs("name,summary,uses_workers,processes\n", out);
    for (size_t i = 0; i < n; i++) {
        hx_io_model_info m = hx_io_model_at(i);
        if (format == HX_FORMAT_CSV) {
            hx_csv_field(out, m.name, 1);
            hx_csv_field(out, m.summary, 0);
            fprintf(out, ",%s,%s\n", m.uses_workers ? "true" : "false",
                    m.processes ? "true" : "false");
        } else {
            fprintf(out, "%-17s %s\n", m.name, m.summary);
        }
    }
}

/* ---- switch ---------------------------------------------------------------------------------- */

void hx_io_switch_write(FILE *out, hx_format format, const hx_io_switch_row *rows, size_t n) {
    if (format == HX_FORMAT_JSON) {
        hx_json j;
        hx_json_init(&j, out, true);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "schema", HX_IO_SWITCH_SCHEMA);
        hx_json_kv_provenance(&j);
        hx_json_key(&j, "results");
        hx_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            hx_json_object_begin(&j);
            hx_json_kv_string(&j, "name", rows[i].name);
            hx_json_kv_string(&j, "what", rows[i].what);
            hx_json_kv_int(&j, "switches", (int64_t)rows[i].switches);
            hx_json_kv_number(&j, "ns_per_switch", rows[i].ns_median);
            hx_json_kv_number(&j, "ns_min", rows[i].ns_min);
            hx_json_kv_number(&j, "ns_max", rows[i].ns_max);
            hx_json_kv_number(&j, "ratio_to_coroutine", rows[i].ns_median / rows[0].ns_median);
            hx_json_object_end(&j);
        }
        hx_json_array_end(&j);
        hx_json_object_end(&j);
        hx_json_end(&j);
        return;
    }
    if (format == HX_FORMAT_CSV) {
        fputs("name,switches,ns_per_switch,ns_min,ns_max,ratio_to_coroutine,what\n", out);
        for (size_t i = 0; i < n; i++) {
            hx_csv_field(out, rows[i].name, 1);
            fprintf(out, ",%llu,%.2f,%.2f,%.2f,%.2f", (unsigned long long)rows[i].switches,
                    rows[i].ns_median, rows[i].ns_min, rows[i].ns_max,
                    rows[i].ns_median / rows[0].ns_median);
            hx_csv_field(out, rows[i].what, 0);
            fputc('\n', out);
        }
        return;
    }
    static const char *const cols[] = {"switch", "ns/switch", "min", "max", "x coroutine", "what"};
    hx_table *t = hx_table_new(6, cols, "lrrrrl");
    if (!t)
        return;
    for (size_t i = 0; i < n; i++) {
        hx_table_row(t);
        hx_table_cell(t, "%s", rows[i].name);
        hx_table_cell(t, "%.1f", rows[i].ns_median);
        hx_table_cell(t, "%.1f", rows[i].ns_min);
        hx_table_cell(t, "%.1f", rows[i].ns_max);
        hx_table_cell(t, "%.1f", rows[i].ns_median / rows[0].ns_median);
        hx_table_cell(t, "%s", rows[i].what);
    }
    hx_table_print(t, out);
    hx_table_free(t);
}
