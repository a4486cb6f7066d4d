/*
 * report.c - the reports of hetero map and hetero map sweep: table, CSV and JSON.
 *
 * JSON layouts (hetero.map/1, hetero.map-sweep/1) are documented in docs/json.md; the table
 * shows the same figures for people, with the per-worker counts as "a/b/..." cells.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "hetero/map/map.h"
#include "internal.h"

/* ---- shared pieces -------------------------------------------------------------------------- */

static void per_worker_cell(char *buf, size_t len, const hx_map_run *r, int which) {
    size_t k = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < r->workers && k + 24 < len; i++) {
        uint64_t v = which == 0 ? r->w[i].tasks : r->w[i].steals;
        k += (size_t)snprintf(buf + k, len - k, "%s%llu", i ? "/" : "", (unsigned long long)v);
    }
    if (k + 24 >= len && len > 4)
        strcpy(buf + len - 4, "...");
}

static void threads_cell(char *buf, size_t len, const hx_map_run *r) {
    if (r->managers)
        snprintf(buf, len, "%u+%u", r->workers, r->managers);
    else
        snprintf(buf, len, "%u", r->workers);
}

static void pinning_line(FILE *out, const hx_map_result *rs, size_t n, const hx_map_config *c) {
    if (!c->pin) {
        fputs("workers unbound (--pin=no): the OS places and moves them\n", out);
        return;
    }
    bool all = true;
    for (size_t i = 0; i < n; i++)
        all &= rs[i].run.pinned;
    const char *why = hx_map_bind_problem();
    if (all && n > 0) {
        fputs("workers bound by hwloc to PUs ", out);
        for (unsigned i = 0, k = 0; i < rs[0].run.workers; i++)
            if (!rs[0].run.w[i].device)
                fprintf(out, "%s%d", k++ ? "," : "", rs[0].run.w[i].pu);
        fputs(c->device_worker ? "; the device worker and manager threads unbound\n"
                               : "; manager threads unbound\n",
              out);
    } else {
        fprintf(out, "binding failed, workers unbound: %s\n", why ? why : "unknown reason");
    }
}

static void json_config(hx_json *j, const hx_map_bench_config *c, const hx_map_source *s) {
    hx_host_info host;
    hx_host_info_get(&host);
    hx_json_key(j, "host");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "cpu", host.cpu);
    hx_json_kv_int(j, "cores", host.cores);
    hx_json_kv_string(j, "simd", host.simd);
    hx_json_object_end(j);
    hx_json_key(j, "source");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "name", s->kind->name);
    hx_json_kv_string(j, "describe", s->describe);
    hx_json_kv_int(j, "tasks", (int64_t)s->ntasks);
    hx_json_kv_int(j, "seed", (int64_t)s->params.seed);
    hx_json_object_end(j);
    hx_json_key(j, "config");
    hx_json_object_begin(j);
    hx_json_kv_int(j, "workers", c->run.workers);
    hx_json_kv_int(j, "chunk", (int64_t)c->run.chunk);
    hx_json_kv_bool(j, "prefetch", c->run.prefetch);
    hx_json_kv_int(j, "group", c->run.group);
    hx_json_kv_string(j, "victim", hx_map_victim_names[c->run.victim]);
    hx_json_kv_bool(j, "pin", c->run.pin);
    hx_json_kv_string(j, "device", c->run.device_worker ? s->device_name : NULL);
    hx_json_kv_int(j, "reps", c->reps);
    hx_json_kv_int(j, "warmup", c->warmup);
    hx_json_key(j, "slow");
    hx_json_array_begin(j);
    for (unsigned i = 0; i < c->run.workers; i++) {
        if (c->run.slow[i] <= 1.0)
            continue;
        hx_json_object_begin(j);
        hx_json_kv_int(j, "worker", i);
        hx_json_kv_number(j, "factor", c->run.slow[i]);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_object_end(j);
}

static void json_result(hx_json *j, const hx_map_result *r) {
    const hx_map_run *run = &r->run;
    uint64_t steals = 0, attempts = 0;
    for (unsigned i = 0; i < run->workers; i++) {
        steals += run->w[i].steals;
        attempts += run->w[i].steal_attempts;
    }
    hx_json_object_begin(j);
    hx_json_kv_string(j, "policy", hx_map_policy_names[r->policy]);
    hx_json_kv_int(j, "tasks", (int64_t)run->tasks);
    hx_json_kv_int(j, "workers", run->workers);
    hx_json_kv_int(j, "managers", run->managers);
    hx_json_kv_int(j, "chunk", (int64_t)r->chunk);
    hx_json_kv_number(j, "makespan_s", r->makespan.median);
    hx_json_kv_stats(j, "makespan", &r->makespan);
    hx_json_kv_number(j, "speedup", r->speedup);
    hx_json_kv_number(j, "efficiency", r->efficiency);
    hx_json_kv_number(j, "imbalance", r->imbalance);
    hx_json_kv_number(j, "idle_frac", r->idle_frac);
    hx_json_kv_number(j, "overhead_ns_per_task", r->overhead_ns);
    hx_json_kv_int(j, "steals", (int64_t)steals);
    hx_json_kv_int(j, "steal_attempts", (int64_t)attempts);
    hx_json_kv_int(j, "messages", (int64_t)run->messages);
    hx_json_kv_int(j, "messages_top", (int64_t)run->messages_top);
    hx_json_kv_number(j, "manager_cpu_s", run->manager_cpu_s);
    hx_json_kv_bool(j, "pinned", run->pinned);
    hx_json_kv_bool(j, "verified", r->verified);
    char sum[24];
    snprintf(sum, sizeof sum, "%016llx", (unsigned long long)r->check.checksum);
    hx_json_kv_string(j, "checksum", sum);
    hx_json_kv_string(j, "check", r->check.detail);
    hx_json_key(j, "per_worker");
    hx_json_array_begin(j);
    for (unsigned i = 0; i < run->workers; i++) {
        const hx_map_worker_stats *w = &run->w[i];
        hx_json_object_begin(j);
        hx_json_kv_int(j, "worker", i);
        hx_json_kv_int(j, "pu", w->pu);
        hx_json_kv_bool(j, "device", w->device);
        hx_json_kv_number(j, "busy_s", w->busy_s);
        hx_json_kv_number(j, "cpu_s", w->cpu_s);
        hx_json_kv_number(j, "task_s", w->task_s);
        hx_json_kv_number(j, "sched_s", w->sched_s);
        hx_json_kv_number(j, "idle_frac", w->idle_frac);
        hx_json_kv_int(j, "tasks", (int64_t)w->tasks);
        hx_json_kv_int(j, "steals", (int64_t)w->steals);
        hx_json_kv_int(j, "steal_attempts", (int64_t)w->steal_attempts);
        hx_json_kv_int(j, "messages", (int64_t)w->messages);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_object_end(j);
}

/* ---- hetero map ----------------------------------------------------------------------------- */

static const char *const headers[] = {
    "policy", "threads",  "makespan",     "min..max",      "speedup", "effic.",  "imbalance",
    "idle",   "ovh/task", "tasks/worker", "steals/worker", "msgs",    "verified"};
#define NCOLS (sizeof headers / sizeof headers[0])

static int write_table(FILE *out, const hx_map_report *r) {
    hx_table *t = hx_table_new(NCOLS, headers, "llrrrrrrrllrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    for (size_t i = 0; i < r->n; i++) {
        const hx_map_result *x = &r->results[i];
        char med[32], mn[32], mx[32], thr[16], tasks[256], steals[256];
        hx_format_seconds(med, sizeof med, x->makespan.median);
        hx_format_seconds(mn, sizeof mn, x->makespan.min);
        hx_format_seconds(mx, sizeof mx, x->makespan.max);
        threads_cell(thr, sizeof thr, &x->run);
        per_worker_cell(tasks, sizeof tasks, &x->run, 0);
        per_worker_cell(steals, sizeof steals, &x->run, 1);
        hx_table_row(t);
        hx_table_cell(t, "%s", hx_map_policy_names[x->policy]);
        hx_table_cell(t, "%s", thr);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%.2fx", x->speedup);
        hx_table_cell(t, "%.2f", x->efficiency);
        hx_table_cell(t, "%.2fx", x->imbalance);
        hx_table_cell(t, "%.0f%%", 100.0 * x->idle_frac);
        hx_table_cell(t, "%.0f ns", x->overhead_ns);
        hx_table_cell(t, "%s", tasks);
        hx_table_cell(t, "%s", steals);
        hx_table_cell(t, "%llu", (unsigned long long)x->run.messages);
        hx_table_cell(t, "%s", x->verified ? "yes" : "NO");
    }
    char serial[32], smin[32], smax[32];
    hx_format_seconds(serial, sizeof serial, r->serial.median);
    hx_format_seconds(smin, sizeof smin, r->serial.min);
    hx_format_seconds(smax, sizeof smax, r->serial.max);
    fprintf(out, "hetero map: %s\n", r->src->describe);
    fprintf(out,
            "%u workers, chunk %llu, %d reps after %d warm-up (figures of the median run); "
            "serial %s (%s..%s)\n",
            r->cfg.run.workers, (unsigned long long)r->cfg.run.chunk, r->cfg.reps, r->cfg.warmup,
            serial, smin, smax);
    pinning_line(out, r->results, r->n, &r->cfg.run);
    if (r->cfg.run.device_worker)
        fprintf(out,
                "worker %u is the device worker: its claims run on the OpenCL device '%s', one "
                "launch each (kernel and read-back, waited for); its busy time is their wall "
                "time\n",
                r->cfg.run.workers - 1, r->src->device_name);
    for (unsigned i = 0; i < r->cfg.run.workers; i++)
        if (r->cfg.run.slow[i] > 1.0)
            fprintf(out, "worker %u is %.3g times slower (--slow: a busy-wait after each task)\n",
                    i, r->cfg.run.slow[i]);
    fputc('\n', out);
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "\nthreads: workers+managers.  imbalance = max busy / mean busy (busy = a worker's "
            "thread CPU time less idle spinning);\nidle = 1 - busy / makespan, averaged; "
            "ovh/task = time in the policy's code per task (timer cost %.1f ns per section "
            "subtracted).\n",
            r->timer_ns);
    return HX_OK;
}

static void csv_row(FILE *out, const hx_map_result *x) {
    uint64_t steals = 0;
    for (unsigned i = 0; i < x->run.workers; i++)
        steals += x->run.w[i].steals;
    fprintf(out, "%s,%u,%u,%llu,%llu", hx_map_policy_names[x->policy], x->run.workers,
            x->run.managers, (unsigned long long)x->chunk, (unsigned long long)x->run.tasks);
    hx_csv_number(out, x->makespan.median);
    hx_csv_number(out, x->makespan.min);
    hx_csv_number(out, x->makespan.max);
    hx_csv_number(out, x->speedup);
    hx_csv_number(out, x->efficiency);
    hx_csv_number(out, x->imbalance);
    hx_csv_number(out, x->idle_frac);
    hx_csv_number(out, x->overhead_ns);
    fprintf(out, ",%llu,%llu,%s\n", (unsigned long long)steals, (unsigned long long)x->run.messages,
            x->verified ? "yes" : "no");
}

#define CSV_HEADER                                                                                 \
    "policy,workers,managers,chunk,tasks,makespan_median_s,makespan_min_s,makespan_max_s,"         \
    "speedup,efficiency,imbalance,idle_frac,overhead_ns_per_task,steals,messages,verified\n"

int hx_map_write(FILE *out, hx_format fmt, const hx_map_report *r) {
    if (fmt == HX_FORMAT_TABLE)
        return write_table(out, r);
    if (fmt == HX_FORMAT_CSV) {
        fputs(CSV_HEADER, out);
        for (size_t i = 0; i < r->n; i++)
            csv_row(out, &r->results[i]);
        return HX_OK;
    }
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_MAP_SCHEMA);
    hx_json_kv_provenance(&j);
    json_config(&j, &r->cfg, r->src);
    hx_json_kv_stats(&j, "serial_s", &r->serial);
    hx_json_kv_number(&j, "timer_ns", r->timer_ns);
    const char *why = hx_map_bind_problem();
    hx_json_kv_string(&j, "pin_problem", r->cfg.run.pin ? why : NULL);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < r->n; i++)
        json_result(&j, &r->results[i]);
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

/* ---- hetero map sweep ----------------------------------------------------------------------- */

static int sweep_table(FILE *out, const hx_map_sweep *sw) {
    static const char *const h[] = {"chunk",     "policy",   "makespan", "min..max", "speedup",
                                    "imbalance", "ovh/task", "msgs",     "best"};
    hx_table *t = hx_table_new(9, h, "rlrrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    for (size_t i = 0; i < sw->nchunks; i++)
        for (int p = 0; p < 2; p++) {
            const hx_map_result *x = &sw->cells[p][i];
            char med[32], mn[32], mx[32];
            hx_format_seconds(med, sizeof med, x->makespan.median);
            hx_format_seconds(mn, sizeof mn, x->makespan.min);
            hx_format_seconds(mx, sizeof mx, x->makespan.max);
            hx_table_row(t);
            hx_table_cell(t, "%llu", (unsigned long long)sw->chunks[i]);
            hx_table_cell(t, "%s", hx_map_policy_names[sw->policies[p]]);
            hx_table_cell(t, "%s", med);
            hx_table_cell(t, "%s..%s", mn, mx);
            hx_table_cell(t, "%.2fx", x->speedup);
            hx_table_cell(t, "%.2fx", x->imbalance);
            hx_table_cell(t, "%.0f ns", x->overhead_ns);
            hx_table_cell(t, "%llu", (unsigned long long)x->run.messages);
            hx_table_cell(t, "%s", sw->best[p] == i ? "<- best" : "");
        }
    char serial[32];
    hx_format_seconds(serial, sizeof serial, sw->serial.median);
    fprintf(out, "hetero map sweep: %s\n%u workers, %d reps after %d warm-up; serial %s\n",
            sw->src->describe, sw->cfg.run.workers, sw->cfg.reps, sw->cfg.warmup, serial);
    if (sw->cfg.run.device_worker)
        fprintf(out, "worker %u is the device worker: its claims run on '%s', one launch each\n",
                sw->cfg.run.workers - 1, sw->src->device_name);
    fputc('\n', out);
    hx_table_print(t, out);
    hx_table_free(t);
    for (int p = 0; p < 2; p++)
        fprintf(out, "%sbest chunk for %s: %llu\n", p ? "" : "\n",
                hx_map_policy_names[sw->policies[p]], (unsigned long long)sw->chunks[sw->best[p]]);
    return HX_OK;
}

int hx_map_sweep_write(FILE *out, hx_format fmt, const hx_map_sweep *sw) {
    if (fmt == HX_FORMAT_TABLE)
        return sweep_table(out, sw);
    if (fmt == HX_FORMAT_CSV) {
        fputs(CSV_HEADER, out);
        for (size_t i = 0; i < sw->nchunks; i++)
            for (int p = 0; p < 2; p++)
                csv_row(out, &sw->cells[p][i]);
        return HX_OK;
    }
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_MAP_SWEEP_SCHEMA);
    hx_json_kv_provenance(&j);
    json_config(&j, &sw->cfg, sw->src);
    hx_json_kv_stats(&j, "serial_s", &sw->serial);
    hx_json_kv_number(&j, "timer_ns", sw->timer_ns);
    hx_json_key(&j, "best");
    hx_json_object_begin(&j);
    for (int p = 0; p < 2; p++)
        hx_json_kv_int(&j, hx_map_policy_names[sw->policies[p]], (int64_t)sw->chunks[sw->best[p]]);
    hx_json_object_end(&j);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < sw->nchunks; i++)
        for (int p = 0; p < 2; p++)
            json_result(&j, &sw->cells[p][i]);
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}
