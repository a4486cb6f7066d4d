/*
 * survey_report.c - the table, CSV and JSON of `hetero devices` (schema "hetero.devices/1",
 * documented in docs/devices.md).
 *
 * The table is for reading: one summary line per device, then a short block per device with its
 * class, features and caches, then (after --bench) one line per measured figure with its best
 * sample, median, spread and method, the memory levels, and any survey error.  JSON carries
 * every field; CSV one flat row per device with the figure medians.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hetero/core/json.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/table.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"

static const char *yes_no(bool b) {
    return b ? "yes" : "no";
}

static void svm_text(const hx_device_record *r, char *buf, size_t len) {
    if (strcmp(r->kind, "host") == 0) {
        snprintf(buf, len, "n/a");
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    const char *names[4] = {"coarse", "fine-buffer", "fine-system", "atomics"};
    bool on[4] = {r->svm_coarse, r->svm_fine_buffer, r->svm_fine_system, r->svm_atomics};
    for (int i = 0; i < 4 && used < len; i++)
        if (on[i])
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i]);
    if (!used)
        snprintf(buf, len, "none");
}

typedef struct cap_bit {
    uint64_t bit;
    const char *name;
} cap_bit;

static const cap_bit atomic_bits[] = {
    {CL_DEVICE_ATOMIC_ORDER_RELAXED, "relaxed"},
    {CL_DEVICE_ATOMIC_ORDER_ACQ_REL, "acq_rel"},
    {CL_DEVICE_ATOMIC_ORDER_SEQ_CST, "seq_cst"},
    {CL_DEVICE_ATOMIC_SCOPE_WORK_ITEM, "work_item"},
    {CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP, "work_group"},
    {CL_DEVICE_ATOMIC_SCOPE_DEVICE, "device"},
    {CL_DEVICE_ATOMIC_SCOPE_ALL_DEVICES, "all_devices"},
};
#define NATOMIC_BITS (sizeof atomic_bits / sizeof atomic_bits[0])

static void caps_text(uint64_t caps, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NATOMIC_BITS && used < len; i++)
        if (caps & atomic_bits[i].bit)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
                                     atomic_bits[i].name);
    if (!used)
        snprintf(buf, len, "none");
}

static void caches_text(const hx_device_record *r, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->ncaches && used < len; i++) {
        const hx_cache_level *c = &r->caches[i];
        char size[32];
        hx_format_bytes(c->bytes, size, sizeof size);
        if (c->level == 0)
            used += (size_t)snprintf(buf + used, len - used, "%sglobal-memory cache %s",
                                     used ? ", " : "", size);
        else
            used += (size_t)snprintf(buf + used, len - used, "%sL%d%s %s x%u", used ? ", " : "",
                                     c->level,
                                     strcmp(c->type, "data") == 0          ? "d"
                                     : strcmp(c->type, "instruction") == 0 ? "i"
                                                                           : "",
                                     size, c->instances);
    }
    if (!used)
        snprintf(buf, len, "unknown");
}

/* ---- table -------------------------------------------------------------------------------- */

/* The clock cell: the measured clock where the record has one (--bench, or a clean cache); else
 * the driver's reported maximum, marked '*', since a CPU device's driver often reports the base
 * clock (PoCL: the nominal TSC rate), below what its cores run at.  Returns whether it marked. */
static bool clock_cell(hx_table *t, const hx_device_record *r) {
    if (r->clock.mhz > 0) {
        hx_table_cell(t, "%.0f", r->clock.mhz);
        return false;
    }
    hx_table_cell(t, r->clock_mhz ? "%u*" : "-", r->clock_mhz);
    return r->clock_mhz != 0;
}

static int summary_table(FILE *out, const hx_survey *s) {
    const char *headers[] = {"id",     "type",      "name", "units", "MHz",
                             "memory", "max alloc", "fp64", "fp16",  "svm"};
    hx_table *t = hx_table_new(10, headers, "lllrrrrlll");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    bool reported = false;
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        char mem[32], alloc[32], svm[64];
        hx_format_bytes(r->global_mem, mem, sizeof mem);
        hx_format_bytes(r->max_alloc, alloc, sizeof alloc);
        svm_text(r, svm, sizeof svm);
        hx_table_row(t);
        hx_table_cell(t, "%s", r->id);
        hx_table_cell(t, "%s", r->type);
        hx_table_cell(t, "%s", r->name);
        if (strcmp(r->kind, "host") == 0)
            hx_table_cell(t, "%uc/%ut", r->compute_units, r->threads);
        else
            hx_table_cell(t, "%u CU", r->compute_units);
        reported |= clock_cell(t, r);
        hx_table_cell(t, "%s", mem);
        hx_table_cell(t, "%s", alloc);
        hx_table_cell(t, "%s", yes_no(r->fp64));
        hx_table_cell(t, "%s", yes_no(r->fp16));
        hx_table_cell(t, "%s", svm);
    }
    hx_table_print(t, out);
    hx_table_free(t);
    double host_mhz = 0;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->dev[i].kind, "host") == 0)
            host_mhz = s->dev[i].clock.mhz;
    if (reported && host_mhz > 0)
        fprintf(out,
                "* MHz as the driver reports it, not measured: a CPU device's driver often "
                "gives the base clock; the host's cores measure %.0f MHz\n",
                host_mhz);
    else if (reported)
        fprintf(out, "* MHz as the driver reports it, not measured: a CPU device's driver often "
                     "gives the base clock (--bench measures the host's)\n");
    return HX_OK;
}

static void detail_block(FILE *out, const hx_device_record *r) {
    char caches[512], local[32];
    caches_text(r, caches, sizeof caches);
    hx_format_bytes(r->local_mem, local, sizeof local);
    fprintf(out, "\n%s  %s (%s)\n", r->id, r->name, r->vendor);
    fprintf(out, "  class:    %s; %s\n", r->flynn, r->memory);
    if (strcmp(r->kind, "host") == 0) {
        fprintf(out,
                "  system:   %s; %u cores, %u hardware threads, %u package(s), %u NUMA "
                "node(s)\n",
                r->driver, r->compute_units, r->threads, r->packages, r->numa_nodes);
        fprintf(out, "  isa:      %s (simd backends use %s: %u float lanes)\n",
                r->isa[0] ? r->isa : "-", r->simd, r->vec_float);
    } else {
        fprintf(out, "  platform: %s; %s; %s; driver %s\n", r->platform, r->version, r->c_version,
                r->driver);
        fprintf(out,
                "  shape:    max work-group %zu; local memory %s (%s); vector widths "
                "char/short/int/long/float/double/half %u/%u/%u/%u/%u/%u/%u\n",
                r->max_work_group, local, r->local_mem_type, r->vec_char, r->vec_short, r->vec_int,
                r->vec_long, r->vec_float, r->vec_double, r->vec_half);
        char mem_caps[128] = "n/a (device below OpenCL 3.0)", fence_caps[128] = "";
        if (r->has_atomic_caps) {
            caps_text(r->atomic_memory_caps, mem_caps, sizeof mem_caps);
            caps_text(r->atomic_fence_caps, fence_caps, sizeof fence_caps);
        }
        fprintf(out, "  atomics:  memory %s%s%s; sub-groups %s (max %u); unified host memory %s\n",
                mem_caps, r->has_atomic_caps ? "; fence " : "", fence_caps,
                yes_no(r->max_sub_groups > 0), r->max_sub_groups, yes_no(r->unified_memory));
    }
    fprintf(out, "  caches:   %s\n", caches);
}

static void fmt_value(char *buf, size_t len, double v) {
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (fabs(v) >= 100)
        snprintf(buf, len, "%.0f", v);
    else if (fabs(v) >= 10)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.2f", v);
}

static void clock_row(hx_table *t, const hx_device_record *r) {
    const hx_clock *c = &r->clock;
    char src[200];
    snprintf(src, sizeof src, "add %.0f, imul %.0f, FMA %.0f, TSC %.0f MHz", c->src.add_chain,
             c->src.imul_chain, c->src.fma_chain, c->src.tsc);
    hx_table_row(t);
    hx_table_cell(t, "%s", r->id);
    hx_table_cell(t, "clock MHz");
    hx_table_cell(t, c->mhz > 0 ? "%.0f" : "-", c->mhz);
    hx_table_cell(t, "-");
    hx_table_cell(t, "%s", src);
    hx_table_cell(t, "-");
    hx_table_cell(t, "confidence %s", c->confidence);
    hx_table_cell(t, "%s%s%s", c->method, c->disagreement[0] ? "; disagree: " : "",
                  c->disagreement);
}

static void figure_row(hx_table *t, const hx_device_record *r, int k) {
    const hx_figure *f = &r->fig[k];
    char best[32] = "-", med[32] = "-", mn[32] = "", mx[32] = "";
    if (f->measured) {
        fmt_value(best, sizeof best, hx_figure_best(f, (hx_figure_id)k));
        fmt_value(med, sizeof med, f->stats.median);
        fmt_value(mn, sizeof mn, f->stats.min);
        fmt_value(mx, sizeof mx, f->stats.max);
    }
    hx_table_row(t);
    hx_table_cell(t, "%s", r->id);
    hx_table_cell(t, "%s", hx_figure_info((hx_figure_id)k)->label);
    hx_table_cell(t, "%s", best);
    hx_table_cell(t, "%s", med);
    hx_table_cell(t, f->measured ? "%s..%s" : "-%s%s", mn, mx);
    hx_table_cell(t, f->measured ? "%zu" : "-", f->stats.n);
    hx_table_cell(t, "%s", f->method[0] ? f->method : "-");
    hx_table_cell(t, "%s", f->note);
}

static int figures_table(FILE *out, const hx_survey *s) {
    const char *headers[] = {"id",       "figure", "best",   "median",
                             "min..max", "reps",   "method", "what it includes"};
    hx_table *t = hx_table_new(8, headers, "llrrrrll");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    bool any = false;
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        if (!r->benched)
            continue;
        any = true;
        if (r->clock.mhz > 0 || r->clock.src.add_chain > 0)
            clock_row(t, r);
        for (int k = 0; k < HX_FIG_COUNT; k++)
            figure_row(t, r, k);
    }
    if (any) {
        fprintf(out, "\n");
        hx_table_print(t, out);
    }
    hx_table_free(t);
    return HX_OK;
}

static void level_cells(hx_table *t, double v, const char *fmt) {
    if (isfinite(v))
        hx_table_cell(t, fmt, v);
    else
        hx_table_cell(t, "-");
}

static int levels_table(FILE *out, const hx_device_record *r) {
    const char *headers[] = {"level",    "size",      "latency ns", "read 1t",  "read all",
                             "write 1t", "write all", "copy 1t",    "copy all", "ceiling GB/s"};
    hx_table *t = hx_table_new(10, headers, "lrrrrrrrrr");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < r->nlevels; i++) {
        const hx_mem_level *l = &r->levels[i];
        char size[32];
        hx_format_bytes(l->bytes, size, sizeof size);
        hx_table_row(t);
        hx_table_cell(t, "%s", l->name);
        if (l->instances > 1)
            hx_table_cell(t, "%s x%u", size, l->instances);
        else
            hx_table_cell(t, "%s", size);
        level_cells(t, l->latency_ns, "%.1f");
        const double v[6] = {l->read_1t,   l->read_all, l->write_1t,
                             l->write_all, l->copy_1t,  l->copy_all};
        for (int k = 0; k < 6; k++)
            level_cells(t, v[k], "%.1f");
        double c =
            strcmp(l->name, "DRAM") == 0 ? hx_record_memory_ceiling(r) : hx_mem_level_ceiling(l);
        level_cells(t, c, "%.1f");
    }
    fprintf(out, "\n%s memory levels (GB/s; 1t: one thread; all: every thread; best of reps):\n",
            r->id);
    hx_table_print(t, out);
    hx_table_free(t);
    if (r->has_curves)
        fprintf(out, "%s\n", r->curves.pages);
    return HX_OK;
}

static int bench_details(FILE *out, const hx_survey *s) {
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        if (r->benched && r->nlevels > 0)
            HX_TRY(levels_table(out, r));
        for (size_t e = 0; r->benched && e < r->nerrors; e++)
            fprintf(out, "survey error on %s: %s\n", r->id, r->errors[e]);
    }
    return HX_OK;
}

static int write_table(FILE *out, const hx_survey *s) {
    HX_TRY(summary_table(out, s));
    for (size_t i = 0; i < s->n; i++)
        detail_block(out, &s->dev[i]);
    HX_TRY(figures_table(out, s));
    return bench_details(out, s);
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_opt_string(hx_json *j, const char *key, const char *v) {
    hx_json_kv_string(j, key, v && *v ? v : NULL);
}

static void json_caps(hx_json *j, const char *key, uint64_t caps) {
    hx_json_key(j, key);
    hx_json_array_begin(j);
    for (size_t i = 0; i < NATOMIC_BITS; i++)
        if (caps & atomic_bits[i].bit)
            hx_json_string(j, atomic_bits[i].name);
    hx_json_array_end(j);
}

static void json_shape(hx_json *j, const hx_device_record *r, bool host) {
    hx_json_key(j, "shape");
    hx_json_object_begin(j);
    hx_json_kv_int(j, "compute_units", r->compute_units);
    hx_json_kv_int(j, "threads", r->threads);
    if (host) {
        hx_json_kv_int(j, "packages", r->packages);
        hx_json_kv_int(j, "numa_nodes", r->numa_nodes);
    }
    if (r->clock_mhz)
        hx_json_kv_int(j, "clock_mhz", r->clock_mhz);
    else
        hx_json_kv_string(j, "clock_mhz", NULL);
    if (host)
        hx_json_kv_string(j, "max_work_group", NULL);
    else
        hx_json_kv_int(j, "max_work_group", (int64_t)r->max_work_group);
    hx_json_key(j, "vector_widths");
    hx_json_object_begin(j);
    hx_json_kv_int(j, "char", r->vec_char);
    hx_json_kv_int(j, "short", r->vec_short);
    hx_json_kv_int(j, "int", r->vec_int);
    hx_json_kv_int(j, "long", r->vec_long);
    hx_json_kv_int(j, "float", r->vec_float);
    hx_json_kv_int(j, "double", r->vec_double);
    hx_json_kv_int(j, "half", r->vec_half);
    hx_json_object_end(j);
    hx_json_kv_int(j, "local_mem_bytes", (int64_t)r->local_mem);
    hx_json_kv_string(j, "local_mem_type", r->local_mem_type);
    hx_json_kv_int(j, "global_mem_bytes", (int64_t)r->global_mem);
    hx_json_kv_int(j, "max_alloc_bytes", (int64_t)r->max_alloc);
    hx_json_key(j, "caches");
    hx_json_array_begin(j);
    for (size_t i = 0; i < r->ncaches; i++) {
        const hx_cache_level *c = &r->caches[i];
        hx_json_object_begin(j);
        if (c->level)
            hx_json_kv_int(j, "level", c->level);
        else
            hx_json_kv_string(j, "level", NULL);
        hx_json_kv_string(j, "type", c->type);
        hx_json_kv_int(j, "bytes", (int64_t)c->bytes);
        hx_json_kv_int(j, "line_bytes", c->line);
        hx_json_kv_int(j, "instances", c->instances);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_object_end(j);
}

static void json_features(hx_json *j, const hx_device_record *r, bool host) {
    hx_json_key(j, "features");
    hx_json_object_begin(j);
    hx_json_kv_bool(j, "fp64", r->fp64);
    hx_json_kv_bool(j, "fp16", r->fp16);
    hx_json_key(j, "svm");
    if (host) {
        hx_json_null(j);
    } else {
        hx_json_object_begin(j);
        hx_json_kv_bool(j, "coarse_grain_buffer", r->svm_coarse);
        hx_json_kv_bool(j, "fine_grain_buffer", r->svm_fine_buffer);
        hx_json_kv_bool(j, "fine_grain_system", r->svm_fine_system);
        hx_json_kv_bool(j, "atomics", r->svm_atomics);
        hx_json_object_end(j);
    }
    hx_json_key(j, "atomic_capabilities");
    if (r->has_atomic_caps) {
        hx_json_object_begin(j);
        json_caps(j, "memory", r->atomic_memory_caps);
        json_caps(j, "fence", r->atomic_fence_caps);
        hx_json_object_end(j);
    } else {
        hx_json_null(j);
    }
    hx_json_kv_int(j, "max_sub_groups", r->max_sub_groups);
    hx_json_kv_bool(j, "unified_memory", r->unified_memory);
    if (host) {
        hx_json_key(j, "isa");
        hx_json_array_begin(j);
        char isa[sizeof r->isa];
        snprintf(isa, sizeof isa, "%s", r->isa);
        for (char *save = NULL, *w = strtok_r(isa, " ", &save); w; w = strtok_r(NULL, " ", &save))
            hx_json_string(j, w);
        hx_json_array_end(j);
        hx_json_kv_string(j, "simd", r->simd);
    }
    hx_json_object_end(j);
}

static void json_clock(hx_json *j, const hx_clock *c) {
    hx_json_kv_number(j, "clock_mhz_measured", c->mhz > 0 ? c->mhz : NAN);
    hx_json_key(j, "clock");
    hx_json_object_begin(j);
    hx_json_kv_number(j, "mhz", c->mhz > 0 ? c->mhz : NAN);
    hx_json_kv_string(j, "confidence", c->confidence[0] ? c->confidence : "none");
    hx_json_kv_string(j, "method", c->method);
    json_opt_string(j, "disagreement", c->disagreement);
    hx_json_key(j, "sources");
    hx_json_object_begin(j);
    const struct {
        const char *key;
        double v;
    } src[] = {{"add_chain", c->src.add_chain},     {"imul_chain", c->src.imul_chain},
               {"fma_chain", c->src.fma_chain},     {"tsc", c->src.tsc},
               {"cpufreq_min", c->src.cpufreq_min}, {"cpufreq_max", c->src.cpufreq_max},
               {"cpuid_base", c->src.cpuid_base},   {"cpuid_max", c->src.cpuid_max}};
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
        hx_json_kv_number(j, src[i].key, src[i].v > 0 ? src[i].v : NAN);
    hx_json_kv_int(j, "fma_latency_cycles", c->src.fma_latency);
    hx_json_object_end(j);
    hx_json_object_end(j);
}

static void json_levels(hx_json *j, const hx_device_record *r) {
    hx_json_key(j, "hierarchy");
    hx_json_array_begin(j);
    for (size_t i = 0; i < r->nlevels; i++) {
        const hx_mem_level *l = &r->levels[i];
        hx_json_object_begin(j);
        hx_json_kv_string(j, "level", l->name);
        hx_json_kv_int(j, "bytes", (int64_t)l->bytes);
        hx_json_kv_int(j, "instances", l->instances);
        hx_json_kv_int(j, "test_bytes", (int64_t)l->test_bytes);
        hx_json_kv_int(j, "test_bytes_1t", (int64_t)l->test_bytes_1t);
        hx_json_kv_int(j, "latency_bytes", (int64_t)l->latency_bytes);
        hx_json_kv_number(j, "latency_ns", l->latency_ns);
        hx_json_kv_number(j, "read_gbps_1t", l->read_1t);
        hx_json_kv_number(j, "read_gbps_all", l->read_all);
        hx_json_kv_number(j, "write_gbps_1t", l->write_1t);
        hx_json_kv_number(j, "write_gbps_all", l->write_all);
        hx_json_kv_number(j, "copy_gbps_1t", l->copy_1t);
        hx_json_kv_number(j, "copy_gbps_all", l->copy_all);
        hx_json_kv_number(j, "ceiling_gbps",
                          strcmp(l->name, "DRAM") == 0 ? hx_record_memory_ceiling(r)
                                                       : hx_mem_level_ceiling(l));
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
}

static void json_curves(hx_json *j, const hx_device_record *r) {
    const hx_hierarchy_curves *c = &r->curves;
    hx_json_key(j, "curves");
    if (!r->has_curves) {
        hx_json_null(j);
        return;
    }
    hx_json_object_begin(j);
    hx_json_kv_string(j, "pages", c->pages);
    hx_json_key(j, "latency");
    hx_json_array_begin(j);
    for (size_t i = 0; i < c->nlat; i++) {
        hx_json_object_begin(j);
        hx_json_kv_int(j, "bytes", (int64_t)c->lat_bytes[i]);
        hx_json_kv_number(j, "latency_ns", c->lat_ns[i]);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_key(j, "mountain");
    hx_json_object_begin(j);
    hx_json_key(j, "stride_bytes");
    hx_json_array_begin(j);
    for (size_t s = 0; s < c->nstrides; s++)
        hx_json_int(j, 8 * (int64_t)c->mtn_stride[s]);
    hx_json_array_end(j);
    hx_json_key(j, "sizes");
    hx_json_array_begin(j);
    for (size_t i = 0; i < c->nsizes; i++) {
        hx_json_object_begin(j);
        hx_json_kv_int(j, "bytes", (int64_t)c->mtn_bytes[i]);
        hx_json_key(j, "read_gbps");
        hx_json_array_begin(j);
        for (size_t s = 0; s < c->nstrides; s++)
            hx_json_number(j, c->mtn_gbps[i][s]);
        hx_json_array_end(j);
        hx_json_object_end(j);
    }
    hx_json_array_end(j);
    hx_json_object_end(j);
    hx_json_object_end(j);
}

static void json_bench(hx_json *j, const hx_device_record *r) {
    hx_json_key(j, "bench");
    if (!r->benched) {
        hx_json_null(j);
        return;
    }
    hx_json_object_begin(j);
    json_clock(j, &r->clock);
    hx_json_key(j, "figures");
    hx_json_object_begin(j);
    for (int k = 0; k < HX_FIG_COUNT; k++) {
        const hx_figure *f = &r->fig[k];
        hx_json_key(j, hx_figure_info((hx_figure_id)k)->key);
        hx_json_object_begin(j);
        hx_json_kv_string(j, "unit", hx_figure_info((hx_figure_id)k)->unit);
        hx_json_kv_bool(j, "measured", f->measured);
        hx_json_kv_number(j, "best", hx_figure_best(f, (hx_figure_id)k));
        hx_json_kv_number(j, "median", f->measured ? f->stats.median : NAN);
        hx_json_kv_number(j, "min", f->measured ? f->stats.min : NAN);
        hx_json_kv_number(j, "max", f->measured ? f->stats.max : NAN);
        hx_json_kv_int(j, "reps", f->measured ? (int64_t)f->stats.n : 0);
        json_opt_string(j, "method", f->method);
        hx_json_kv_string(j, "note", f->note);
        hx_json_object_end(j);
    }
    hx_json_object_end(j);
    json_levels(j, r);
    json_curves(j, r);
    hx_json_key(j, "errors");
    hx_json_array_begin(j);
    for (size_t e = 0; e < r->nerrors; e++)
        hx_json_string(j, r->errors[e]);
    hx_json_array_end(j);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const hx_survey *s) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_DEVICES_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_key(&j, "devices");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        bool host = strcmp(r->kind, "host") == 0;
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "kind", r->kind);
        hx_json_kv_string(&j, "id", r->id);
        hx_json_kv_string(&j, "name", r->name);
        hx_json_kv_string(&j, "vendor", r->vendor);
        json_opt_string(&j, "platform", r->platform);
        hx_json_kv_string(&j, "type", r->type);
        hx_json_kv_string(&j, "driver", r->driver);
        json_opt_string(&j, "version", r->version);
        json_opt_string(&j, "c_version", r->c_version);
        json_shape(&j, r, host);
        json_features(&j, r, host);
        hx_json_key(&j, "class");
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "flynn", r->flynn);
        hx_json_kv_string(&j, "memory", r->memory);
        hx_json_object_end(&j);
        json_bench(&j, r);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return ferror(out) ? hx_fail(HX_ERR_RUNTIME, "cannot write the report") : HX_OK;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static int write_csv(FILE *out, const hx_survey *s) {
    fprintf(out, "kind,id,type,name,vendor,platform,driver,version,c_version,compute_units,"
                 "threads,clock_mhz,global_mem_bytes,max_alloc_bytes,local_mem_bytes,fp64,fp16,"
                 "flynn,memory,clock_mhz_measured");
    for (int k = 0; k < HX_FIG_COUNT; k++)
        fprintf(out, ",%s", hx_figure_info((hx_figure_id)k)->key);
    fprintf(out, "\n");
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        const char *text[] = {r->kind,     r->id,     r->type,    r->name,     r->vendor,
                              r->platform, r->driver, r->version, r->c_version};
        for (size_t t = 0; t < sizeof text / sizeof text[0]; t++)
            hx_csv_field(out, text[t], t == 0);
        fprintf(out, ",%u,%u,%u,%llu,%llu,%llu,%d,%d", r->compute_units, r->threads, r->clock_mhz,
                (unsigned long long)r->global_mem, (unsigned long long)r->max_alloc,
                (unsigned long long)r->local_mem, r->fp64, r->fp16);
        hx_csv_field(out, r->flynn, 0);
        hx_csv_field(out, r->memory, 0);
        if (r->clock.mhz > 0)
            fprintf(out, ",%.6g", r->clock.mhz);
        else
            fprintf(out, ",");
        for (int k = 0; k < HX_FIG_COUNT; k++)
            if (r->fig[k].measured)
                fprintf(out, ",%.6g", r->fig[k].stats.median);
            else
                fprintf(out, ",");
        fprintf(out, "\n");
    }
    return ferror(out) ? hx_fail(HX_ERR_RUNTIME, "cannot write the report") : HX_OK;
}

int hx_survey_write(FILE *out, hx_format fmt, const hx_survey *s) {
    switch (fmt) {
    case HX_FORMAT_JSON:
        return write_json(out, s);
    case HX_FORMAT_CSV:
        return write_csv(out, s);
    default:
        return write_table(out, s);
    }
}
