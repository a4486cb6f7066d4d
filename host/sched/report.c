/*
 * report.c - the reports of `hetero sched`: table, CSV and JSON ("hetero.sched/1", docs/sched.md)
 * of the co-scheduling policies, and the one-record summary of --svm-stress
 * ("hetero.sched-stress/1").
 */
#include <stdio.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "hetero/sched/sched.h"

static const char *policy_label(const hx_sched_config *c, hx_sched_policy p, char *buf,
                                size_t len) {
    if (p == HX_SCHED_STATIC)
        snprintf(buf, len, "static (%.2f)", c->split);
    else
        snprintf(buf, len, "%s", hx_sched_policy_name(p));
    return buf;
}

static void table_row(hx_table *t, const hx_sched_report *rep, hx_sched_policy p) {
    const hx_sched_result *r = &rep->results[p];
    char label[32], med[32], mn[32], mx[32], db[32], hb[32];
    hx_format_seconds(med, sizeof med, r->wall.median);
    hx_format_seconds(mn, sizeof mn, r->wall.min);
    hx_format_seconds(mx, sizeof mx, r->wall.max);
    hx_format_seconds(db, sizeof db, r->dev_busy);
    hx_format_seconds(hb, sizeof hb, r->host_busy);
    hx_table_row(t);
    hx_table_cell(t, "%s", policy_label(&rep->config, p, label, sizeof label));
    hx_table_cell(t, "%s", med);
    hx_table_cell(t, "%s..%s", mn, mx);
    hx_table_cell(t, "%.2fx", r->speedup_serial);
    hx_table_cell(t, "%.2fx", r->speedup_best);
    hx_table_cell(t, "%.0f", r->dev_chunks);
    hx_table_cell(t, "%.0f", r->dev_rows);
    hx_table_cell(t, "%s", db);
    hx_table_cell(t, "%.0f", r->host_chunks);
    hx_table_cell(t, "%.0f", r->host_rows);
    hx_table_cell(t, "%s", hb);
    hx_table_cell(t, r->verified ? "yes" : "NO (err %.2g > %.2g)", r->max_err, r->tolerance);
}

static int write_table(FILE *out, const hx_sched_report *rep) {
    static const char *const headers[] = {"policy",        "median",     "min..max",  "speedup",
                                          "vs best alone", "dev chunks", "dev rows",  "dev busy",
                                          "host chunks",   "host rows",  "host busy", "verified"};
    hx_table *t = hx_table_new(12, headers, "lrrrrrrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    const hx_sched_config *c = &rep->config;
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        if (rep->results[p].ran)
            table_row(t, rep, (hx_sched_policy)p);
    char serial[32];
    hx_format_seconds(serial, sizeof serial, rep->serial_median);
    fprintf(out,
            "mandelbrot %zux%zu, %u iterations; device '%s'; %d host threads; chunk %llu rows; "
            "%llu in flight (proxy)\n",
            rep->width, rep->height, rep->iters, rep->device, c->threads,
            (unsigned long long)c->chunk, (unsigned long long)c->inflight);
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "median of %d runs after %d warm-up, each verified; speedup = serial median (%s) / "
            "median; vs best alone = faster of device-only and host-only / median\n"
            "busy: device = kernel time (event profiling); host = time in row computation, "
            "summed over threads; median over runs\n",
            c->reps, c->warmup, serial);
    if (rep->device_is_cpu)
        fputs("note: the OpenCL device is this CPU, so device and host threads share its cores\n",
              out);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        if (!rep->results[p].ran && rep->results[p].skip_reason[0])
            fprintf(out, "skipped: %s: %s\n", hx_sched_policy_name((hx_sched_policy)p),
                    rep->results[p].skip_reason);
    return HX_OK;
}

static void json_side(hx_json *j, const char *key, double chunks, double rows, double busy) {
    hx_json_key(j, key);
    hx_json_object_begin(j);
    hx_json_kv_number(j, "chunks", chunks);
    hx_json_kv_number(j, "rows", rows);
    hx_json_kv_number(j, "busy_s", busy);
    hx_json_object_end(j);
}

static void json_result(hx_json *j, const hx_sched_result *r, hx_sched_policy p) {
    hx_json_object_begin(j);
    hx_json_kv_string(j, "policy", hx_sched_policy_name(p));
    hx_json_kv_stats(j, "time_s", &r->wall);
    hx_json_kv_number(j, "speedup_vs_serial", r->speedup_serial);
    hx_json_kv_number(j, "speedup_vs_best_alone", r->speedup_best);
    json_side(j, "device", r->dev_chunks, r->dev_rows, r->dev_busy);
    json_side(j, "host", r->host_chunks, r->host_rows, r->host_busy);
    hx_json_kv_bool(j, "verified", r->verified);
    hx_json_kv_number(j, "max_err", r->max_err);
    hx_json_kv_number(j, "tolerance", r->tolerance);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const hx_sched_report *rep) {
    const hx_sched_config *c = &rep->config;
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_SCHED_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_kv_string(&j, "workload", "mandelbrot");
    hx_json_kv_int(&j, "size", (int64_t)rep->width);
    hx_json_kv_int(&j, "iters", rep->iters);
    hx_json_kv_string(&j, "device", rep->device);
    hx_json_kv_int(&j, "threads", c->threads);
    hx_json_kv_int(&j, "chunk", (int64_t)c->chunk);
    hx_json_kv_int(&j, "inflight", (int64_t)c->inflight);
    hx_json_kv_number(&j, "split", c->split);
    hx_json_kv_int(&j, "reps", c->reps);
    hx_json_kv_int(&j, "warmup", c->warmup);
    hx_json_kv_number(&j, "serial_s", rep->serial_median);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        if (rep->results[p].ran)
            json_result(&j, &rep->results[p], (hx_sched_policy)p);
    hx_json_array_end(&j);
    hx_json_key(&j, "skipped");
    hx_json_array_begin(&j);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++) {
        if (rep->results[p].ran || !rep->results[p].skip_reason[0])
            continue;
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "policy", hx_sched_policy_name((hx_sched_policy)p));
        hx_json_kv_string(&j, "reason", rep->results[p].skip_reason);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

static int write_csv(FILE *out, const hx_sched_report *rep) {
    const hx_sched_config *c = &rep->config;
    fputs("policy,size,iters,device,threads,chunk,split,time_median_s,time_min_s,time_max_s,"
          "speedup_vs_serial,speedup_vs_best_alone,device_chunks,device_rows,device_busy_s,"
          "host_chunks,host_rows,host_busy_s,verified\n",
          out);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++) {
        const hx_sched_result *r = &rep->results[p];
        if (!r->ran)
            continue;
        hx_csv_field(out, hx_sched_policy_name((hx_sched_policy)p), 1);
        fprintf(out, ",%zu,%u", rep->width, rep->iters);
        hx_csv_field(out, rep->device, 0);
        fprintf(out, ",%d,%llu", c->threads, (unsigned long long)c->chunk);
        const double nums[] = {c->split,          r->wall.median,  r->wall.min,   r->wall.max,
                               r->speedup_serial, r->speedup_best, r->dev_chunks, r->dev_rows,
                               r->dev_busy,       r->host_chunks,  r->host_rows,  r->host_busy};
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
            fprintf(out, ",%.9g", nums[i]);
        fprintf(out, ",%s\n", r->verified ? "true" : "false");
    }
    return HX_OK;
}

int hx_sched_write(FILE *out, hx_format fmt, const hx_sched_report *rep) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return write_json(out, rep);
    case HX_FORMAT_CSV:
        return write_csv(out, rep);
    default:
        return write_table(out, rep);
    }
}

void hx_sched_stress_write(FILE *out, hx_format fmt, const hx_sched_stress_report *rep) {
    if (fmt == HX_FORMAT_JSON) {
        hx_json j;
        hx_json_init(&j, out, true);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "schema", HX_SCHED_STRESS_SCHEMA);
        hx_json_kv_provenance(&j);
        hx_json_kv_string(&j, "workload", "histogram-coop");
        hx_json_kv_string(&j, "device", rep->device);
        hx_json_kv_int(&j, "runs", (int64_t)rep->runs);
        hx_json_kv_int(&j, "seed", (int64_t)rep->seed);
        hx_json_kv_int(&j, "atomic_updates", (int64_t)rep->updates);
        hx_json_kv_bool(&j, "exact", true);
        hx_json_kv_number(&j, "seconds", rep->seconds);
        hx_json_object_end(&j);
        hx_json_end(&j);
    } else if (fmt == HX_FORMAT_CSV) {
        fputs("workload,device,runs,seed,atomic_updates,exact,seconds\n", out);
        fputs("histogram-coop", out);
        hx_csv_field(out, rep->device, 0);
        fprintf(out, ",%llu,%llu,%llu,true", (unsigned long long)rep->runs,
                (unsigned long long)rep->seed, (unsigned long long)rep->updates);
        hx_csv_number(out, rep->seconds);
        fputc('\n', out);
    } else {
        fprintf(out,
                "svm-stress: %llu runs on '%s', %llu atomic updates from device and host threads "
                "on shared SVM bins, every count exact (%.2f s)\n",
                (unsigned long long)rep->runs, rep->device, (unsigned long long)rep->updates,
                rep->seconds);
    }
}
