/*
 * report.c - derived figures and the table / CSV / JSON writers of `hetero run`.
 *
 * All three writers walk the same records; the field list of the CSV header and of the JSON
 * objects is the one documented in docs/json.md.
 */
#include "hetero/core/report.h"
#include "hetero/core/provenance.h"

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

static bool is_mpi_row(const hx_result *r) {
    return strcmp(r->backend, "mpi") == 0;
}

/* What the device cell adds in brackets: the memory mode of opencl rows, the communication
 * pattern of mpi rows, or "".  (An algorithm variant goes beside the backend instead.) */
static const char *row_tag(const hx_result *r) {
    return r->mem[0] ? r->mem : is_mpi_row(r) ? r->variant : "";
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
            const char *tag = row_tag(r);
            if (shown++ == 0)
                fprintf(out, "%s/%s%s%s%s:", r->workload, r->backend, tag[0] ? " [" : "", tag,
                        tag[0] ? "]" : "");
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

/* ---- trust: spread, interval, noise -------------------------------------------------------- */

void hx_format_median(char *buf, size_t len, const hx_result *r) {
    char t[32];
    hx_format_seconds(t, sizeof t, r->time.median);
    snprintf(buf, len, "%s%s", r->noisy ? "~" : "", t);
}

void hx_format_ci(char *buf, size_t len, const hx_stats *s) {
    double rel = hx_stats_ci_rel(s);
    if (!isfinite(rel))
        snprintf(buf, len, "-");
    else if (rel < 0.0995)
        snprintf(buf, len, "±%.1f%%", 100.0 * rel);
    else
        snprintf(buf, len, "±%.0f%%", 100.0 * rel);
}

void hx_json_kv_spread(hx_json *j, const hx_result *r) {
    hx_json_kv_number(j, "cv", r->time.cv);
    hx_json_key(j, "ci95_s");
    if (r->time.has_ci) {
        hx_json_array_begin(j);
        hx_json_number(j, r->time.ci_lo);
        hx_json_number(j, r->time.ci_hi);
        hx_json_array_end(j);
    } else {
        hx_json_null(j);
    }
    hx_json_kv_bool(j, "noisy", r->noisy);
    hx_json_key(j, "noise");
    hx_json_object_begin(j);
    hx_json_kv_number(j, "foreign", r->noise_foreign);
    hx_json_kv_number(j, "steal", r->noise_steal);
    hx_json_object_end(j);
    hx_json_key(j, "repetitions");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "rule", r->adaptive ? "adaptive" : "fixed");
    hx_json_kv_number(j, "target_ci", r->adaptive ? r->target_ci : NAN);
    hx_json_kv_bool(j, "reached", r->ci_reached);
    hx_json_kv_string(j, "stop", r->stop ? r->stop : "reps");
    hx_json_object_end(j);
}

void hx_csv_spread(FILE *out, const hx_result *r) {
    hx_csv_number(out, r->time.cv);
    hx_csv_number(out, r->time.has_ci ? r->time.ci_lo : NAN);
    hx_csv_number(out, r->time.has_ci ? r->time.ci_hi : NAN);
    fputs(r->noisy ? ",true" : ",false", out);
    fputs(r->adaptive ? ",adaptive" : ",fixed", out);
    fputs(r->ci_reached ? ",true" : ",false", out);
}

/* "vecadd/opencl [buffer]" */
static void row_name(char *buf, size_t len, const hx_result *r) {
    snprintf(buf, len, "%s/%s%s%s%s", r->workload, r->backend, r->mem[0] ? " [" : "", r->mem,
             r->mem[0] ? "]" : "");
}

void hx_report_footer_reps(FILE *out, const hx_result *rs, size_t n) {
    if (n == 0)
        return;
    size_t adaptive = 0, reached = 0, noisy = 0;
    int fewest = rs[0].reps, most = rs[0].reps;
    for (size_t i = 0; i < n; i++) {
        adaptive += rs[i].adaptive;
        reached += rs[i].adaptive && rs[i].ci_reached;
        noisy += rs[i].noisy;
        fewest = rs[i].reps < fewest ? rs[i].reps : fewest;
        most = rs[i].reps > most ? rs[i].reps : most;
    }
    char runs[48];
    if (fewest == most)
        snprintf(runs, sizeof runs, "%d", fewest);
    else
        snprintf(runs, sizeof runs, "%d to %d", fewest, most);
    if (adaptive == 0)
        fprintf(out, "median of %s runs (--reps) after %d warm-up\n", runs, rs[0].warmup);
    else
        fprintf(out,
                "median of %s runs after %d warm-up; runs added until the 95%% CI of the median "
                "was within ±%.0f%%, or --max-time: reached on %zu of %zu rows\n",
                runs, rs[0].warmup, 100.0 * rs[0].target_ci, reached, adaptive);
    fputs("± = half the 95% CI of the median (- below 6 runs)", out);
    if (noisy)
        fprintf(out,
                "; ~ = other programs or the hypervisor took CPU time during the row (%zu of "
                "%zu rows)",
                noisy, n);
    fputc('\n', out);
    if (adaptive == reached)
        return;
    char line[160];
    int len = snprintf(line, sizeof line, "CI target not reached:");
    size_t listed = 0, missed = adaptive - reached;
    for (size_t i = 0; i < n; i++) {
        if (!rs[i].adaptive || rs[i].ci_reached)
            continue;
        char name[96], item[128];
        row_name(name, sizeof name, &rs[i]);
        int w = snprintf(item, sizeof item, "%s %s (%d runs)", listed ? "," : "", name, rs[i].reps);
        if (len + w > 140)
            break;
        memcpy(line + len, item, (size_t)w + 1);
        len += w;
        listed++;
    }
    fprintf(out, "%s%s", line, listed < missed ? "" : "\n");
    if (listed < missed)
        fprintf(out, " and %zu more\n", missed - listed);
}

const char *hx_device_short(const char *name, char *buf, size_t len, size_t max) {
    static const char *const drop[] = {"(R)",        "(r)",  "(TM)",    "(tm)",
                                       " Processor", " CPU", "NVIDIA ", " with Radeon Graphics",
                                       " Graphics",  NULL};
    char s[256];
    const char *n = name;
    bool pocl = false;
    /* PoCL's CPU device: "pthread-ARCH-NAME" or "cpu-ARCH-NAME"; the ARCH may hold dashes, the
     * name follows the last dash before the first blank */
    if (strncmp(n, "pthread-", 8) == 0 || strncmp(n, "cpu-", 4) == 0) {
        const char *blank = strchr(n, ' ');
        const char *dash = NULL;
        for (const char *p = n; *p && (!blank || p < blank); p++)
            if (*p == '-')
                dash = p;
        if (dash && dash[1]) {
            n = dash + 1;
            pocl = true;
        }
    }
    snprintf(s, sizeof s, "%s%s", pocl ? "PoCL " : "", n);
    for (size_t i = 0; drop[i]; i++) {
        char *at;
        while ((at = strstr(s, drop[i])) != NULL)
            memmove(at, at + strlen(drop[i]), strlen(at + strlen(drop[i])) + 1);
    }
    char *at = strstr(s, " @ "); /* "... @ 2.70GHz" */
    if (at)
        *at = '\0';
    at = strstr(s, "-Core"); /* "64-Core": drop the count with it */
    if (at) {
        char *w = at;
        while (w > s && w[-1] != ' ')
            w--;
        memmove(w, at + 5, strlen(at + 5) + 1);
    }
    /* collapse blanks */
    size_t k = 0;
    for (size_t i = 0; s[i]; i++)
        if (!(s[i] == ' ' && (k == 0 || s[k - 1] == ' ')))
            s[k++] = s[i];
    while (k > 0 && s[k - 1] == ' ')
        k--;
    s[k] = '\0';
    if (max >= 4 && k > max) {
        s[max - 2] = '.';
        s[max - 1] = '.';
        s[max] = '\0';
    }
    snprintf(buf, len, "%s", s);
    return buf;
}

/* ---- the writers ------------------------------------------------------------------------------
 */

/* The run table fits this many columns unless --wide: device names are cut to make it. */
#define TABLE_COLUMNS 160

static bool skip_shown(const hx_skip *s, const hx_run_table_opts *opts) {
    return strcmp(s->backend, "cuda") != 0 || !opts || opts->show_cuda_skips;
}


/* The table of the rows with device names at most device_max columns (0: uncut). */
static hx_table *build_table(const hx_result *rs, size_t n, bool wide, size_t device_max) {
    static const char *const headers[] = {"workload", "backend", "device",   "size",       "thr",
                                          "median",   "±",       "min..max", "e2e median", "GB/s",
                                          "GFLOP/s",  "speedup", "eff",      "verified",   "%peak"};
    /* %peak (pct_peak of `run --roofline`, host/survey/roofline.c) only when a row has it */
    bool has_pct = false;
    for (size_t i = 0; i < n; i++)
        has_pct |= isfinite(extra_value(&rs[i], "pct_peak"));
    hx_table *t = hx_table_new(has_pct ? 15 : 14, headers, "lllrrrrrrrrrrlr");
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &rs[i];
        char med[40], ci[16], mn[32], mx[32], e2e[32], gb[32], gf[32], sp[32], ef[32];
        hx_format_median(med, sizeof med, r);
        hx_format_ci(ci, sizeof ci, &r->time);
        hx_format_seconds(mn, sizeof mn, r->time.min);
        hx_format_seconds(mx, sizeof mx, r->time.max);
        hx_format_seconds(e2e, sizeof e2e, r->has_e2e ? r->e2e.median : NAN);
        hx_format_number(gb, sizeof gb, r->gbps, "%.1f");
        hx_format_number(gf, sizeof gf, r->gflops, "%.2f");
        hx_format_number(sp, sizeof sp, r->speedup, "%.2fx");
        hx_format_number(ef, sizeof ef, r->efficiency, "%.2f");
        char name[256], dev[300];
        const char *tag = row_tag(r);
        size_t suffix = tag[0] ? strlen(tag) + 3 : 0;
        if (wide)
            snprintf(name, sizeof name, "%s", r->device);
        else
            hx_device_short(r->device, name, sizeof name,
                            device_max == 0           ? sizeof name
                            : device_max > suffix + 4 ? device_max - suffix
                                                      : 4);
        if (tag[0])
            snprintf(dev, sizeof dev, "%s [%s]", name, tag);
        else
            snprintf(dev, sizeof dev, "%s", name);
        hx_table_row(t);
        hx_table_cell(t, "%s", r->workload);
        if (r->variant[0] && !is_mpi_row(r))
            hx_table_cell(t, "%s (%s)", r->backend, r->variant);
        else
            hx_table_cell(t, "%s", r->backend);
        hx_table_cell(t, "%s", dev);
        hx_table_cell(t, "%llu", (unsigned long long)r->size);
        hx_table_cell(t, "%d", r->threads);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s", ci);
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
            hx_table_cell(t, "%s%s%s", pct, r->ceiling[0] ? " " : "", r->ceiling);
        }
    }
    return t;
}

/* The widest device cell of the rows, as build_table writes it uncut. */
static size_t device_width(const hx_result *rs, size_t n) {
    size_t w = strlen("device");
    for (size_t i = 0; i < n; i++) {
        char name[256];
        hx_device_short(rs[i].device, name, sizeof name, sizeof name);
        const char *tag = row_tag(&rs[i]);
        size_t k = strlen(name) + (tag[0] ? strlen(tag) + 3 : 0);
        w = k > w ? k : w;
    }
    return w;
}

static int write_table(FILE *out, const hx_host_info *host, const hx_result *rs, size_t n,
                       const hx_skip *skips, size_t nskips, const hx_run_table_opts *opts) {
    bool wide = opts && opts->wide;
    hx_table *t = build_table(rs, n, wide, 0);
    size_t width = t ? hx_table_width(t) : 0;
    if (t && !wide && width > TABLE_COLUMNS) { /* cut the device names by the excess */
        size_t dev = device_width(rs, n), excess = width - TABLE_COLUMNS;
        hx_table_free(t);
        t = build_table(rs, n, wide, dev > excess + 12 ? dev - excess : 12);
    }
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    fprintf(out, "host: %s, %d cores, %s\n", host->cpu, host->cores, host->simd);
    hx_table_print(t, out);
    hx_table_free(t);
    bool any_device = false, any_ranks = false, any_beyond = false;
    for (size_t i = 0; i < n; i++) {
        any_device |= rs[i].has_e2e && !is_mpi_row(&rs[i]);
        any_ranks |= is_mpi_row(&rs[i]);
        any_beyond |= isfinite(rs[i].efficiency) && rs[i].efficiency > 1.0;
    }
    hx_report_footer_reps(out, rs, n);
    if (n > 0)
        fputs("speedup = serial median / median; eff = speedup / processing elements, where every "
              "SIMD lane counts as one\n",
              out);
    if (any_beyond) /* true, and surprising: say where the extra speed comes from */
        fputs("eff > 1: more than p times serial's speed; one serial loop leaves part of the "
              "machine unused (one core cannot draw all the memory bandwidth), or the row's "
              "algorithm reuses caches the plain loop does not (sgemm's blocking)\n",
              out);
    if (any_device)
        fputs("device rows: median = kernel time (event profiling); e2e = the whole run with "
              "host<->device transfers\n",
              out);
    if (any_ranks)
        fputs("mpi rows: median = computing time of the slowest rank; e2e = the whole run with "
              "communication (barrier before, max over ranks after); thr = threads per rank\n",
              out);
    write_extras(out, rs, n);
    for (size_t i = 0; i < nskips; i++)
        if (skip_shown(&skips[i], opts))
            fprintf(out, "skipped: %s/%s: %s\n", skips[i].workload, skips[i].backend,
                    skips[i].reason);
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

void hx_json_kv_host(hx_json *j, const hx_host_info *host) {
    hx_json_key(j, "host");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "cpu", host->cpu);
    hx_json_kv_int(j, "cores", host->cores);
    hx_json_kv_string(j, "simd", host->simd);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const hx_host_info *host, const hx_result *rs, size_t n,
                      const hx_skip *skips, size_t nskips) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_RUN_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_kv_host(&j, host);
    hx_json_key(&j, "results");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        const hx_result *r = &rs[i];
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "workload", r->workload);
        hx_json_kv_string(&j, "backend", r->backend);
        hx_json_kv_string(&j, "flynn", r->flynn);
        hx_json_kv_string(&j, "device", r->device);
        hx_json_kv_int(&j, "size", (int64_t)r->size);
        hx_json_kv_int(&j, "threads", r->threads);
        hx_json_kv_int(&j, "ranks", r->ranks > 0 ? r->ranks : 1);
        hx_json_kv_int(&j, "threads_per_rank", r->threads);
        if (r->variant[0])
            hx_json_kv_string(&j, "variant", r->variant);
        hx_json_kv_int(&j, "reps", r->reps);
        hx_json_kv_int(&j, "warmup", r->warmup);
        hx_json_kv_int(&j, "pe", r->pe);
        hx_json_kv_stats(&j, "time_s", &r->time);
        hx_json_kv_spread(&j, r);
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
        if (r->ceiling[0])
            hx_json_kv_string(&j, "ceiling", r->ceiling);
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
          "host_cpu,host_cores,host_simd,ranks,threads_per_rank,variant," HX_CSV_SPREAD_HEADER
          ",pct_peak,ceiling\n",
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
        fprintf(out, ",%d,%d", r->ranks > 0 ? r->ranks : 1, r->threads);
        hx_csv_field(out, r->variant, 0);
        hx_csv_spread(out, r);
        hx_csv_number(out, extra_value(r, "pct_peak"));
        hx_csv_field(out, r->ceiling, 0);
        fputc('\n', out);
    }
    return HX_OK;
}

int hx_report_write(FILE *out, hx_format fmt, const hx_host_info *host, const hx_result *rs,
                    size_t n, const hx_skip *skips, size_t nskips, const hx_run_table_opts *opts) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return write_json(out, host, rs, n, skips, nskips);
    case HX_FORMAT_CSV:
        return write_csv(out, host, rs, n);
    default:
        return write_table(out, host, rs, n, skips, nskips, opts);
    }
}
