/*
 * report_data.c - the CSV and JSON reports of a scaling sweep (see report.h, docs/scale.md).
 *
 * The CSV is one row per point; the columns after `verified` were added with schema 2 (absolute
 * speedup, each thread's share, the marks, and the fit of the row's backend), so a reader of the
 * first 23 columns reads what it always did.  The JSON is "hetero.scale/2": schema 1's layout
 * with those fields added, and with `ok: false` plus a `no_fit` reason where schema 1 printed an
 * out-of-domain or one-point fit as a number.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hetero/analysis/report.h"
#include "hetero/core/json.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"
#include "internal.h"

const char *hx_scale_reference_text(hx_scale_mode m) {
    switch (m) {
    case HX_SCALE_STRONG:
        return "S = T1/Tp, T1 = the same backend at p=1 and the same size";
    case HX_SCALE_WEAK:
        return "S = p * T1(base)/Tp(p-times size), the scaled speedup; T1 = the same backend at "
               "p=1 on the base size";
    default:
        return "S = serial backend median / median at the same size";
    }
}

const hx_scale_fit *hx_scale_fit_of(const hx_scale_run *run, hx_backend b) {
    for (size_t i = 0; i < run->nfits; i++)
        if (run->fits[i].backend == b)
            return &run->fits[i];
    return NULL;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static void csv_fit(FILE *out, const hx_scale_fit *f) {
    if (!f) {
        fputs(",,,", out);
        return;
    }
    hx_csv_field(out, f->weak ? "gustafson" : "amdahl", 0);
    hx_csv_number(out, f->ok ? f->fit.value : NAN);
    hx_csv_field(out, f->ok ? "" : f->no_fit, 0);
}

static void csv_point(FILE *out, const hx_scale_config *c, const hx_scale_run *run,
                      const hx_scale_point *pt) {
    hx_csv_field(out, hx_scale_mode_name(c->mode), 1);
    hx_csv_field(out, c->w->name, 0);
    hx_csv_field(out, pt->r.backend, 0);
    hx_csv_field(out, pt->r.device, 0);
    hx_csv_field(out, pt->r.mem, 0);
    fprintf(out, ",%u,%llu,%.0f", pt->p, (unsigned long long)pt->r.size, pt->working_set);
    hx_csv_field(out, pt->cache, 0);
    fprintf(out, ",%s", pt->oversubscribed ? "true" : "false");
    hx_csv_number(out, pt->r.time.median);
    hx_csv_number(out, pt->r.time.min);
    hx_csv_number(out, pt->r.time.max);
    hx_csv_number(out, pt->r.has_e2e ? pt->r.e2e.median : NAN);
    hx_csv_number(out, pt->serial_median);
    hx_csv_number(out, pt->t1);
    hx_csv_number(out, pt->speedup);
    hx_csv_number(out, pt->efficiency);
    hx_csv_number(out, pt->karp_flatt);
    hx_csv_number(out, pt->speedup_serial);
    hx_csv_number(out, pt->r.gbps);
    hx_csv_number(out, pt->r.gflops);
    fprintf(out, ",%s", pt->r.verified ? "true" : "false");
    /* schema 2 */
    hx_csv_number(out, pt->speedup_abs);
    hx_csv_field(out, hx_backend_name(pt->best_serial_backend), 0);
    hx_csv_number(out, pt->best_serial);
    fprintf(out, ",%.0f", pt->share);
    hx_csv_field(out, pt->share_cache, 0);
    fprintf(out, ",%s,%s", pt->superlinear ? "true" : "false", pt->noisy ? "true" : "false");
    hx_csv_field(out, pt->karp_flatt_no_fit ? pt->karp_flatt_no_fit : "", 0);
    /* the spread of the point's runs (noisy is above) */
    hx_csv_number(out, pt->r.time.cv);
    hx_csv_number(out, pt->r.time.has_ci ? pt->r.time.ci_lo : NAN);
    hx_csv_number(out, pt->r.time.has_ci ? pt->r.time.ci_hi : NAN);
    fputs(pt->r.adaptive ? ",adaptive" : ",fixed", out);
    fputs(pt->r.ci_reached ? ",true" : ",false", out);
    csv_fit(out, hx_scale_fit_of(run, pt->backend));
    fputc('\n', out);
}

int hx_scale_write_csv(FILE *out, const hx_scale_config *c, const hx_scale_run *run) {
    fputs("mode,workload,backend,device,mem,p,size,working_set_bytes,cache,oversubscribed,"
          "median_s,min_s,max_s,e2e_median_s,serial_median_s,t1_s,speedup,efficiency,karp_flatt,"
          "speedup_vs_serial,gbps,gflops,verified,speedup_abs,best_serial_backend,"
          "best_serial_s,share_bytes,share_cache,superlinear,noisy,karp_flatt_no_fit,cv,ci95_lo_s,"
          "ci95_hi_s,reps_rule,ci_reached,fit_law,fit_value,fit_no_fit\n",
          out);
    for (size_t i = 0; i < run->n; i++)
        csv_point(out, c, run, &run->points[i]);
    return HX_OK;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_point(hx_json *j, const hx_scale_point *pt) {
    hx_json_object_begin(j);
    hx_json_kv_string(j, "backend", pt->r.backend);
    hx_json_kv_string(j, "device", pt->r.device);
    if (pt->r.mem[0])
        hx_json_kv_string(j, "mem", pt->r.mem);
    hx_json_kv_int(j, "p", pt->p);
    hx_json_kv_int(j, "threads", pt->r.threads);
    hx_json_kv_int(j, "ranks", pt->r.ranks > 0 ? pt->r.ranks : 1);
    hx_json_kv_int(j, "size", (int64_t)pt->r.size);
    hx_json_kv_number(j, "working_set_bytes", pt->working_set);
    hx_json_kv_string(j, "cache", pt->cache);
    hx_json_kv_number(j, "share_bytes", pt->share);
    hx_json_kv_string(j, "share_cache", pt->share_cache);
    hx_json_kv_bool(j, "oversubscribed", pt->oversubscribed);
    hx_json_kv_stats(j, "time_s", &pt->r.time);
    hx_json_kv_spread(j, &pt->r); /* cv, ci95_s, noisy (the point's), noise, repetitions */
    if (pt->r.has_e2e) {
        hx_json_kv_stats(j, "e2e_s", &pt->r.e2e);
    } else {
        hx_json_key(j, "e2e_s");
        hx_json_null(j);
    }
    hx_json_kv_number(j, "serial_time_s", pt->serial_median);
    hx_json_kv_number(j, "t1_s", pt->t1);
    hx_json_kv_number(j, "speedup", pt->speedup);
    hx_json_kv_number(j, "speedup_abs", pt->speedup_abs);
    hx_json_key(j, "best_serial");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "backend", hx_backend_name(pt->best_serial_backend));
    hx_json_kv_number(j, "time_s", pt->best_serial);
    hx_json_object_end(j);
    hx_json_kv_bool(j, "superlinear", pt->superlinear);
    hx_json_kv_number(j, "efficiency", pt->efficiency);
    hx_json_kv_number(j, "karp_flatt", pt->karp_flatt);
    hx_json_kv_string(j, "karp_flatt_no_fit", pt->karp_flatt_no_fit); /* NULL: null */
    hx_json_kv_number(j, "speedup_vs_serial", pt->speedup_serial);
    hx_json_kv_number(j, "gbps", pt->r.gbps);
    hx_json_kv_number(j, "gflops", pt->r.gflops);
    hx_json_kv_bool(j, "verified", pt->r.verified);
    hx_json_kv_number(j, "max_rel_err", pt->r.max_rel_err);
    hx_json_kv_number(j, "tolerance", pt->r.tolerance);
    hx_json_object_end(j);
}

static void json_fit(hx_json *j, const hx_scale_fit *f) {
    double v = f->ok ? f->fit.value : NAN;
    hx_json_object_begin(j);
    hx_json_kv_string(j, "backend", hx_backend_name(f->backend));
    hx_json_kv_string(j, "device", f->device);
    hx_json_kv_string(j, "law", f->weak ? "gustafson" : "amdahl");
    hx_json_kv_bool(j, "ok", f->ok);
    hx_json_kv_string(j, "no_fit", f->ok ? NULL : f->no_fit);
    hx_json_kv_int(j, "points", (int64_t)f->fit.points);
    hx_json_kv_bool(j, "exact", f->ok && f->exact);
    hx_json_kv_int(j, "oversubscribed_left_out", (int64_t)f->oversubscribed);
    if (f->weak) {
        hx_json_kv_number(j, "a", v);
    } else {
        hx_json_kv_number(j, "P", v);
        hx_json_kv_number(j, "serial_fraction", 1.0 - v);
        hx_json_kv_number(j, "limit", f->ok ? f->fit.limit : NAN); /* null when unbounded */
    }
    hx_json_kv_number(j, "residual", f->ok ? f->fit.residual : NAN);
    hx_json_object_end(j);
}

static void json_host(hx_json *j, const hx_scale_run *run) {
    hx_host_info host;
    hx_host_info_get(&host);
    hx_json_key(j, "host");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "cpu", host.cpu);
    hx_json_kv_int(j, "cores", host.cores);
    hx_json_kv_string(j, "simd", host.simd);
    hx_json_key(j, "caches");
    hx_json_array_begin(j);
    for (size_t i = 0; i < run->ncaches; i++) {
        hx_json_object_begin(j);
        hx_json_kv_int(j, "level", run->caches[i].level);
        hx_json_kv_int(j, "bytes", (int64_t)run->caches[i].bytes);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_object_end(j);
}

static void json_sweep(hx_json *j, const hx_scale_config *c, const hx_scale_run *run) {
    hx_json_kv_string(j, "workload", c->w->name);
    hx_json_kv_string(j, "size_unit", c->w->size_unit);
    hx_json_kv_string(j, "mode", hx_scale_mode_name(c->mode));
    hx_json_key(j, "params");
    hx_json_object_begin(j);
    for (size_t k = 0; k < c->w->nparams; k++)
        hx_json_kv_number(j, c->w->params[k].name, c->params[k]);
    hx_json_object_end(j);
    hx_json_kv_int(j, "reps", c->reps);
    hx_json_kv_int(j, "warmup", c->warmup);
    hx_json_kv_string(j, "speedup_reference", hx_scale_reference_text(c->mode));
    if (c->mode == HX_SCALE_WEAK)
        hx_json_kv_string(j, "weak_work", hx_scale_work_kind(c->w));
    hx_json_key(j, "memory");
    hx_json_object_begin(j);
    hx_json_kv_number(j, "estimate_bytes", run->memory.estimate);
    hx_json_kv_int(j, "size", (int64_t)run->memory.size);
    hx_json_kv_number(j, "available_bytes", run->memory.available);
    hx_json_object_end(j);
}

static void json_skips_and_crossover(hx_json *j, const hx_scale_config *c,
                                     const hx_scale_run *run) {
    hx_json_key(j, "skipped");
    hx_json_array_begin(j);
    for (size_t i = 0; i < run->nskips; i++) {
        hx_json_object_begin(j);
        hx_json_kv_string(j, "backend", hx_backend_name(run->skips[i].backend));
        hx_json_kv_int(j, "p", run->skips[i].p);
        hx_json_kv_int(j, "size", (int64_t)run->skips[i].size);
        hx_json_kv_string(j, "reason", run->skips[i].reason);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_key(j, "crossover");
    if (c->mode != HX_SCALE_SIZES || run->crossover < 0) {
        hx_json_null(j);
    } else {
        hx_json_object_begin(j);
        hx_json_kv_int(j, "size", (int64_t)run->crossover_size);
        hx_json_kv_number(j, "working_set_bytes", run->crossover_ws);
        hx_json_object_end(j);
    }
}

int hx_scale_write_json(FILE *out, const hx_scale_config *c, const hx_scale_run *run) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_SCALE_SCHEMA);
    hx_json_kv_provenance(&j);
    json_host(&j, run);
    json_sweep(&j, c, run);
    hx_json_key(&j, "points");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < run->n; i++)
        json_point(&j, &run->points[i]);
    hx_json_array_end(&j);
    hx_json_key(&j, "fits");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < run->nfits; i++)
        json_fit(&j, &run->fits[i]);
    hx_json_array_end(&j);
    json_skips_and_crossover(&j, c, run);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}
