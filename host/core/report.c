/*
 * report.c - derived figures and the table / CSV / JSON writers of `hetero run`.
 *
 * All three writers walk the same records; the field list of the CSV header and of the JSON
 * objects is the one documented in docs/json.md.
 */
#include "hetero/core/report.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "hetero/core/cpu.h"
#include "hetero/core/json.h"
#include "hetero/core/table.h"

void hx_host_info_get(hx_host_info *h) {
    const hx_cpu_info *c = hx_cpu();
    snprintf(h->cpu, sizeof h->cpu, "%s", c->brand);
    h->cores = c->logical_cpus;
    h->simd = hx_simd_name(c->simd);
}

void hx_result_derive(hx_result *r, double serial_median) {
    double t = r->time.median;
    r->speedup = t > 0 ? serial_median / t : NAN;
    r->efficiency = r->pe > 0 ? r->speedup / (double)r->pe : NAN;
    r->gbps = t > 0 ? r->bytes / t * 1e-9 : NAN;
    r->gflops = t > 0 && r->flops > 0 ? r->flops / t * 1e-9 : NAN;
}

void hx_result_extra(hx_result *r, const char *name, double value) {
    if (r->nextra < (int)(sizeof r->extra / sizeof r->extra[0])) {
        r->extra[r->nextra].name = name;
        r->extra[r->nextra].value = value;
        r->nextra++;
    }
}

/* Seconds in the unit that keeps 3-4 significant digits readable. */
void hx_format_seconds(char *buf, size_t len, double s) {
    if (!isfinite(s))
        snprintf(buf, len, "-");
    else if (s >= 1.0)
        snprintf(buf, len, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, len, "%.3f ms", s * 1e3);
    else
        snprintf(buf, len, "%.2f us", s * 1e6);
}

void hx_format_number(char *buf, size_t len, double v, const char *fmt) {
    if (isfinite(v))
        snprintf(buf, len, fmt, v);
    else
        snprintf(buf, len, "-");
}

/* The extra figures of each row that has some, one line per row: times (names ending in "_s",
 * not "_per_s") in readable units, other figures with 4 significant digits. */
/* Extra figures shown as table columns rather than in the lines under the table. */
static bool extra_is_column(const char *name) {
    return strcmp(name, "pct_peak") == 0;
}

static void write_extras(FILE *out, const hx_result *rs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &rs[i];
        int shown = 0;
        for (int e = 0; e < r->nextra; e++) {
            const char *name = r->extra[e].name;
            if (extra_is_column(name))
                continue;
            if (shown++ == 0)
                fprintf(out, "%s/%s%s%s%s:", r->workload, r->backend, r->mem[0] ? " [" : "", r->mem,
                        r->mem[0] ? "]" : "");
            size_t len = strlen(name);
            char value[32];
            bool is_time = len > 2 && strcmp(name + len - 2, "_s") == 0 &&
                           !(len > 6 && strcmp(name + len - 6, "_per_s") == 0);
            if (is_time)
                hx_format_seconds(value, sizeof value, r->extra[e].value);
            else
                snprintf(value, sizeof value, "%.4g", r->extra[e].value);
            fprintf(out, " %s=%s", name, value);
        }
        if (shown)
            fputc('\n', out);
    }
}

/* The extra figure called name, or NAN. */
static double extra_value(const hx_result *r, const char *name) {
    for (int e = 0; e < r->nextra; e++)
        if (strcmp(r->extra[e].name, name) == 0)
            return r->extra[e].value;
    return NAN;
}

static int write_table(FILE *out, const hx_host_info *host, const hx_result *rs, size_t n,
                       const hx_skip *skips, size_t nskips) {
    static const char *const headers[] = {"workload", "backend",  "device",     "size", "thr",
                                          "median",   "min..max", "e2e median", "GB/s", "GFLOP/s",
                                          "speedup",  "eff",      "verified",   "%peak"};
    /* %peak (pct_peak of `run --roofline`, host/survey/roofline.c) only when a row has it */
    bool has_pct = false;
    for (size_t i = 0; i < n; i++)
        has_pct |= isfinite(extra_value(&rs[i], "pct_peak"));
    hx_table *t = hx_table_new(has_pct ? 14 : 13, headers, "lllrrrrrrrrrlr");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &rs[i];
        char med[32], mn[32], mx[32], e2e[32], gb[32], gf[32], sp[32], ef[32];
        hx_format_seconds(med, sizeof med, r->time.median);
        hx_format_seconds(mn, sizeof mn, r->time.min);
        hx_format_seconds(mx, sizeof mx, r->time.max);
        hx_format_seconds(e2e, sizeof e2e, r->has_e2e ? r->e2e.median : NAN);
        hx_format_number(gb, sizeof gb, r->gbps, "%.1f");
        hx_format_number(gf, sizeof gf, r->gflops, "%.2f");
        hx_format_number(sp, sizeof sp, r->speedup, "%.2fx");
        hx_format_number(ef, sizeof ef, r->efficiency, "%.2f");
        char dev[300];
        if (r->mem[0])
            snprintf(dev, sizeof dev, "%s [%s]", r->device, r->mem);
        else
            snprintf(dev, sizeof dev, "%s", r->device);
        hx_table_row(t);
        hx_table_cell(t, "%s", r->workload);
        if (r->variant)
            hx_table_cell(t, "%s (%s)", r->backend, r->variant);
        else
            hx_table_cell(t, "%s", r->backend);
        hx_table_cell(t, "%s", dev);
        hx_table_cell(t, "%llu", (unsigned long long)r->size);
        hx_table_cell(t, "%d", r->threads);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%s", e2e);
        hx_table_cell(t, "%s", gb);
        hx_table_cell(t, "%s", gf);
        hx_table_cell(t, "%s", sp);
        hx_table_cell(t, "%s", ef);
        hx_table_cell(t, r->verified ? "yes" : "NO (err %.2g > %.2g)", r->max_rel_err,
                      r->tolerance);
        if (has_pct) {
            char pct[32];
            hx_format_number(pct, sizeof pct, extra_value(r, "pct_peak"), "%.0f%%");
            hx_table_cell(t, "%s", pct);
        }
    }
    fprintf(out, "host: %s, %d cores, %s\n", host->cpu, host->cores, host->simd);
    hx_table_print(t, out);
    hx_table_free(t);
    bool any_device = false;
    for (size_t i = 0; i < n; i++)
        any_device |= rs[i].has_e2e;
    if (n > 0)
        fprintf(out,
                "median of %d reps after %d warm-up; speedup = serial median / median; "
                "eff = speedup / processing elements\n",
                rs[0].reps, rs[0].warmup);
    if (any_device)
        fputs("device rows: median = kernel time (event profiling); e2e = the whole run with "
              "host<->device transfers\n",
              out);
    write_extras(out, rs, n);
    for (size_t i = 0; i < nskips; i++)
        fprintf(out, "skipped: %s/%s: %s\n", skips[i].workload, skips[i].backend, skips[i].reason);
    return HX_OK;
}

void hx_json_kv_stats(hx_json *j, const char *key, const hx_stats *s) {
    hx_json_key(j, key);
    hx_json_object_begin(j);
    hx_json_kv_number(j, "median", s->median);
    hx_json_kv_number(j, "min", s->min);
    hx_json_kv_number(j, "max", s->max);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const hx_host_info *host, const hx_result *rs, size_t n,
                      const hx_skip *skips, size_t nskips) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_RUN_SCHEMA);
    hx_json_key(&j, "host");
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "cpu", host->cpu);
    hx_json_kv_int(&j, "cores", host->cores);
    hx_json_kv_string(&j, "simd", host->simd);
    hx_json_object_end(&j);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &rs[i];
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "workload", r->workload);
        hx_json_kv_string(&j, "backend", r->backend);
        if (r->variant)
            hx_json_kv_string(&j, "variant", r->variant);
        hx_json_kv_string(&j, "flynn", r->flynn);
        hx_json_kv_string(&j, "device", r->device);
        hx_json_kv_int(&j, "size", (int64_t)r->size);
        hx_json_kv_int(&j, "threads", r->threads);
        hx_json_kv_int(&j, "reps", r->reps);
        hx_json_kv_int(&j, "warmup", r->warmup);
        hx_json_kv_int(&j, "pe", r->pe);
        hx_json_kv_stats(&j, "time_s", &r->time);
        if (r->has_e2e) {
            hx_json_kv_stats(&j, "e2e_time_s", &r->e2e);
            hx_json_kv_string(&j, "mem", r->mem);
        }
        hx_json_kv_number(&j, "bytes", r->bytes);
        hx_json_kv_number(&j, "flops", r->flops);
        hx_json_kv_number(&j, "speedup", r->speedup);
        hx_json_kv_number(&j, "efficiency", r->efficiency);
        hx_json_kv_number(&j, "gbps", r->gbps);
        hx_json_kv_number(&j, "gflops", r->gflops);
        hx_json_kv_bool(&j, "verified", r->verified);
        hx_json_kv_number(&j, "max_rel_err", r->max_rel_err);
        hx_json_kv_number(&j, "tolerance", r->tolerance);
        for (int e = 0; e < r->nextra; e++)
            hx_json_kv_number(&j, r->extra[e].name, r->extra[e].value);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_key(&j, "skipped");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < nskips; i++) {
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "workload", skips[i].workload);
        hx_json_kv_string(&j, "backend", skips[i].backend);
        hx_json_kv_string(&j, "reason", skips[i].reason);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

void hx_csv_number(FILE *out, double v) {
    if (isfinite(v))
        fprintf(out, ",%.9g", v);
    else
        fputc(',', out);
}

static int write_csv(FILE *out, const hx_host_info *host, const hx_result *rs, size_t n) {
    fputs("workload,backend,flynn,device,mem,size,threads,reps,warmup,pe,"
          "time_median_s,time_min_s,time_max_s,e2e_median_s,e2e_min_s,e2e_max_s,"
          "bytes,flops,speedup,efficiency,gbps,gflops,verified,max_rel_err,tolerance,"
          "host_cpu,host_cores,host_simd,variant\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &rs[i];
        hx_csv_field(out, r->workload, 1);
        hx_csv_field(out, r->backend, 0);
        hx_csv_field(out, r->flynn, 0);
        hx_csv_field(out, r->device, 0);
        hx_csv_field(out, r->mem, 0);
        fprintf(out, ",%llu,%d,%d,%d,%u", (unsigned long long)r->size, r->threads, r->reps,
                r->warmup, r->pe);
        hx_csv_number(out, r->time.median);
        hx_csv_number(out, r->time.min);
        hx_csv_number(out, r->time.max);
        hx_csv_number(out, r->has_e2e ? r->e2e.median : NAN);
        hx_csv_number(out, r->has_e2e ? r->e2e.min : NAN);
        hx_csv_number(out, r->has_e2e ? r->e2e.max : NAN);
        hx_csv_number(out, r->bytes);
        hx_csv_number(out, r->flops);
        hx_csv_number(out, r->speedup);
        hx_csv_number(out, r->efficiency);
        hx_csv_number(out, r->gbps);
        hx_csv_number(out, r->gflops);
        fputs(r->verified ? ",true" : ",false", out);
        hx_csv_number(out, r->max_rel_err);
        hx_csv_number(out, r->tolerance);
        hx_csv_field(out, host->cpu, 0);
        fprintf(out, ",%d", host->cores);
        hx_csv_field(out, host->simd, 0);
        hx_csv_field(out, r->variant ? r->variant : "", 0);
        fputc('\n', out);
    }
    return HX_OK;
}

int hx_report_write(FILE *out, hx_format fmt, const hx_host_info *host, const hx_result *rs,
                    size_t n, const hx_skip *skips, size_t nskips) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return write_json(out, host, rs, n, skips, nskips);
    case HX_FORMAT_CSV:
        return write_csv(out, host, rs, n);
    default:
        return write_table(out, host, rs, n, skips, nskips);
    }
}
