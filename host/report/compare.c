/*
 * compare.c - match two documents' rows, judge each pair, write the comparison (compare.h).
 *
 * Rows are read into hx_cmp_side pairs first (one pass over each document), matched by key,
 * then judged; the writers only format.  Matching is quadratic in the rows, which are tens.
 */
#include "hetero/report/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/table.h"

/* hetero.scale/1 and /2 have the same points (2 adds fields). */
static bool is_scale(const char *schema) {
    return strncmp(schema, "hetero.scale/", 13) == 0;
}

static const char *const verdict_names[] = {"same", "faster", "slower", "only in base",
                                            "only in new"};

const char *hx_cmp_verdict_name(hx_cmp_verdict v) {
    return verdict_names[v];
}

hx_cmp_verdict hx_cmp_judge(const hx_cmp_side *base, const hx_cmp_side *now, double threshold,
                            double *ratio) {
    *ratio = NAN;
    if (!base->present)
        return HX_CMP_ONLY_NEW;
    if (!now->present)
        return HX_CMP_ONLY_BASE;
    *ratio = base->median > 0 ? now->median / base->median : NAN;
    if (!isfinite(*ratio))
        return HX_CMP_SAME;
    bool overlap = now->lo <= base->hi && base->lo <= now->hi;
    if (overlap)
        return HX_CMP_SAME;
    if (*ratio > 1.0 + threshold)
        return HX_CMP_SLOWER;
    if (*ratio < 1.0 / (1.0 + threshold))
        return HX_CMP_FASTER;
    return HX_CMP_SAME;
}

/* ---- reading the rows ---------------------------------------------------------------------- */

static void read_side(const json_t *row, hx_cmp_side *s) {
    memset(s, 0, sizeof *s);
    s->present = true;
    s->median = hx_doc_number(row, "time_s.median");
    const json_t *ci = json_object_get(row, "ci95_s");
    if (json_is_array(ci) && json_array_size(ci) == 2 && json_is_number(json_array_get(ci, 0)) &&
        json_is_number(json_array_get(ci, 1))) {
        s->has_ci = true;
        s->lo = json_number_value(json_array_get(ci, 0));
        s->hi = json_number_value(json_array_get(ci, 1));
    } else { /* fewer than 6 runs, or a document from before intervals: min..max */
        s->lo = hx_doc_number(row, "time_s.min");
        s->hi = hx_doc_number(row, "time_s.max");
    }
    if (!isfinite(s->lo) || !isfinite(s->hi))
        s->lo = s->hi = s->median;
    s->noisy = hx_doc_bool(row, "noisy", false);
    double reps = hx_doc_number(row, "reps");
    s->reps = isfinite(reps) ? (int)reps : 0;
}

static const char *str_or(const json_t *row, const char *key, const char *def) {
    const char *s = hx_doc_string(row, key);
    return s ? s : def;
}

/* Name, device, size, threads and key of one row of a run or scale document. */
static void identify(const json_t *row, bool scale, const char *mode, hx_cmp_row *r) {
    const char *backend = str_or(row, "backend", "?"), *mem = str_or(row, "mem", "");
    double size = hx_doc_number(row, "size");
    double thr = hx_doc_number(row, scale ? "p" : "threads");
    r->size = isfinite(size) ? (unsigned long long)size : 0;
    r->threads = isfinite(thr) ? (int)thr : 0;
    snprintf(r->device, sizeof r->device, "%s", str_or(row, "device", "?"));
    if (scale)
        snprintf(r->name, sizeof r->name, "%s%s%s%s", backend, mem[0] ? " [" : "", mem,
                 mem[0] ? "]" : "");
    else
        snprintf(r->name, sizeof r->name, "%s/%s%s%s%s", str_or(row, "workload", "?"), backend,
                 mem[0] ? " [" : "", mem, mem[0] ? "]" : "");
    snprintf(r->key, sizeof r->key, "%s|%s|%s|%llu|%d", scale ? mode : "run", r->name, r->device,
             r->size, r->threads);
}

static const json_t *rows_of(const hx_doc *d, bool scale) {
    const json_t *rows = json_object_get(d->root, scale ? "points" : "results");
    return json_is_array(rows) ? rows : NULL;
}

static int add_row(hx_compare *c, size_t *cap, hx_cmp_row **out) {
    if (c->n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 32;
        hx_cmp_row *rows = realloc(c->rows, ncap * sizeof *rows);
        if (!rows)
            return hx_fail(HX_ERR_RUNTIME, "out of memory comparing the reports");
        c->rows = rows;
        *cap = ncap;
    }
    *out = &c->rows[c->n++];
    memset(*out, 0, sizeof **out);
    return HX_OK;
}

static hx_cmp_row *find_key(hx_compare *c, const char *key) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->rows[i].key, key) == 0)
            return &c->rows[i];
    return NULL;
}

int hx_compare_docs(const hx_doc *base, const hx_doc *now, const hx_cmp_opts *o, hx_compare *c) {
    memset(c, 0, sizeof *c);
    if (strcmp(base->schema, now->schema) != 0)
        return hx_fail(HX_ERR_USAGE, "%s (%s) and %s (%s) are different kinds of report",
                       base->path, base->schema, now->path, now->schema);
    bool scale = is_scale(base->schema);
    const char *mode = str_or(base->root, "mode", "?");
    const char *new_mode = str_or(now->root, "mode", "?");
    if (scale && strcmp(mode, new_mode) != 0)
        return hx_fail(HX_ERR_USAGE, "%s is a %s sweep and %s a %s sweep: nothing to match",
                       base->path, mode, now->path, new_mode);
    snprintf(c->schema, sizeof c->schema, "%s", base->schema);
    snprintf(c->base_path, sizeof c->base_path, "%s", base->path);
    snprintf(c->new_path, sizeof c->new_path, "%s", now->path);
    hx_doc_machine(base, c->base_machine, sizeof c->base_machine);
    hx_doc_machine(now, c->new_machine, sizeof c->new_machine);
    c->opts = *o;
    size_t cap = 0, i;
    const json_t *row;
    json_array_foreach(rows_of(base, scale), i, row) {
        hx_cmp_row *r = NULL;
        int status = add_row(c, &cap, &r);
        if (status != HX_OK) {
            hx_compare_free(c);
            return status;
        }
        identify(row, scale, mode, r);
        read_side(row, &r->base);
    }
    json_array_foreach(rows_of(now, scale), i, row) {
        hx_cmp_row probe;
        memset(&probe, 0, sizeof probe); /* a row of this report only: no base side */
        identify(row, scale, mode, &probe);
        hx_cmp_row *r = find_key(c, probe.key);
        if (!r || r->now.present) {
            int status = add_row(c, &cap, &r);
            if (status != HX_OK) {
                hx_compare_free(c);
                return status;
            }
            *r = probe;
        }
        read_side(row, &r->now);
    }
    for (i = 0; i < c->n; i++) {
        hx_cmp_row *r = &c->rows[i];
        r->verdict = hx_cmp_judge(&r->base, &r->now, o->threshold, &r->ratio);
        r->regression =
            r->verdict == HX_CMP_SLOWER && o->fail_above >= 0 && r->ratio > 1.0 + o->fail_above;
        c->same += r->verdict == HX_CMP_SAME;
        c->faster += r->verdict == HX_CMP_FASTER;
        c->slower += r->verdict == HX_CMP_SLOWER;
        c->unmatched += r->verdict == HX_CMP_ONLY_BASE || r->verdict == HX_CMP_ONLY_NEW;
        c->regressions += r->regression;
    }
    return HX_OK;
}

void hx_compare_free(hx_compare *c) {
    free(c->rows);
    c->rows = NULL;
    c->n = 0;
}

/* ---- writing ------------------------------------------------------------------------------- */

int hx_cmp_parse_format(const char *text, hx_cmp_format *out) {
    static const char *const names[] = {"table", "markdown", "csv", "json", NULL};
    int i;
    HX_TRY(hx_parse_choice("--format", text, names, &i));
    *out = (hx_cmp_format)i;
    return HX_OK;
}

/* "7.420 ms ±2.1%" (± of the interval, or "(range)" when min..max stood in) */
static void side_text(char *buf, size_t len, const hx_cmp_side *s) {
    if (!s->present) {
        snprintf(buf, len, "-");
        return;
    }
    char t[32];
    hx_format_seconds(t, sizeof t, s->median);
    double rel = s->median > 0 ? (s->hi - s->lo) / 2.0 / s->median : NAN;
    if (isfinite(rel))
        snprintf(buf, len, "%s%s ±%.1f%%%s", s->noisy ? "~" : "", t, 100.0 * rel,
                 s->has_ci ? "" : " (range)");
    else
        snprintf(buf, len, "%s%s", s->noisy ? "~" : "", t);
}

static const char *verdict_text(const hx_cmp_row *r, char *buf, size_t len) {
    snprintf(buf, len, "%s%s", hx_cmp_verdict_name(r->verdict),
             r->regression ? " (regression)" : "");
    return buf;
}

static void summary_line(FILE *out, const hx_compare *c) {
    fprintf(out, "%zu same, %zu faster, %zu slower, %zu in one report only", c->same, c->faster,
            c->slower, c->unmatched);
    if (c->opts.fail_above >= 0)
        fprintf(out, "; %zu beyond --fail-above %.0f%%", c->regressions,
                100.0 * c->opts.fail_above);
    fputc('\n', out);
}

static int write_table(FILE *out, const hx_compare *c) {
    static const char *const headers[] = {"row",  "device", "size",  "thr",
                                          "base", "new",    "ratio", "verdict"};
    bool scale = is_scale(c->schema);
    static const char *const scale_headers[] = {"backend", "device", "size",  "p",
                                                "base",    "new",    "ratio", "verdict"};
    hx_table *t = hx_table_new(8, scale ? scale_headers : headers, "llrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < c->n; i++) {
        const hx_cmp_row *r = &c->rows[i];
        char dev[64], b[64], n[64], ratio[32], v[48];
        hx_device_short(r->device, dev, sizeof dev, 24);
        side_text(b, sizeof b, &r->base);
        side_text(n, sizeof n, &r->now);
        hx_format_number(ratio, sizeof ratio, r->ratio, "%.2fx");
        hx_table_row(t);
        hx_table_cell(t, "%s", r->name);
        hx_table_cell(t, "%s", dev);
        hx_table_cell(t, "%llu", r->size);
        hx_table_cell(t, "%d", r->threads);
        hx_table_cell(t, "%s", b);
        hx_table_cell(t, "%s", n);
        hx_table_cell(t, "%s", ratio);
        hx_table_cell(t, "%s", verdict_text(r, v, sizeof v));
    }
    fprintf(out, "base: %s (%s)\nnew:  %s (%s)\n", c->base_path, c->base_machine, c->new_path,
            c->new_machine);
    if (strcmp(c->base_machine, c->new_machine) != 0)
        fputs("note: the two reports come from different machines or builds\n", out);
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "ratio = new median / base median; same: the 95%% intervals overlap or the ratio is "
            "within %.0f%%; ~ = noisy\n",
            100.0 * c->opts.threshold);
    summary_line(out, c);
    return HX_OK;
}

/* A markdown cell: pipes escaped. */
static void md_cell(FILE *out, const char *s) {
    fputs("| ", out);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc(' ', out);
}

static int write_markdown(FILE *out, const hx_compare *c) {
    fprintf(out, "**base** `%s` (%s)  \n**new** `%s` (%s)\n\n", c->base_path, c->base_machine,
            c->new_path, c->new_machine);
    fputs("| row | device | size | thr | base | new | ratio | verdict |\n"
          "|-----|--------|-----:|----:|-----:|----:|------:|---------|\n",
          out);
    for (size_t i = 0; i < c->n; i++) {
        const hx_cmp_row *r = &c->rows[i];
        char size[32], thr[16], b[64], n[64], ratio[32], v[64];
        snprintf(size, sizeof size, "%llu", r->size);
        snprintf(thr, sizeof thr, "%d", r->threads);
        side_text(b, sizeof b, &r->base);
        side_text(n, sizeof n, &r->now);
        hx_format_number(ratio, sizeof ratio, r->ratio, "%.2fx");
        verdict_text(r, v, sizeof v);
        if (r->verdict == HX_CMP_SLOWER || r->verdict == HX_CMP_FASTER) {
            char plain[64];
            memcpy(plain, v, sizeof plain);
            snprintf(v, sizeof v, "**%.56s**", plain);
        }
        const char *cells[] = {r->name, r->device, size, thr, b, n, ratio, v};
        for (size_t k = 0; k < 8; k++)
            md_cell(out, cells[k]);
        fputs("|\n", out);
    }
    fputc('\n', out);
    summary_line(out, c);
    return HX_OK;
}

static int write_csv(FILE *out, const hx_compare *c) {
    fputs("row,device,size,threads,base_median_s,base_lo_s,base_hi_s,base_noisy,new_median_s,"
          "new_lo_s,new_hi_s,new_noisy,ratio,verdict,regression\n",
          out);
    for (size_t i = 0; i < c->n; i++) {
        const hx_cmp_row *r = &c->rows[i];
        hx_csv_field(out, r->name, 1);
        hx_csv_field(out, r->device, 0);
        fprintf(out, ",%llu,%d", r->size, r->threads);
        const hx_cmp_side *sides[] = {&r->base, &r->now};
        for (int s = 0; s < 2; s++) {
            hx_csv_number(out, sides[s]->present ? sides[s]->median : NAN);
            hx_csv_number(out, sides[s]->present ? sides[s]->lo : NAN);
            hx_csv_number(out, sides[s]->present ? sides[s]->hi : NAN);
            fputs(sides[s]->noisy ? ",true" : ",false", out);
        }
        hx_csv_number(out, r->ratio);
        hx_csv_field(out, hx_cmp_verdict_name(r->verdict), 0);
        fputs(r->regression ? ",true\n" : ",false\n", out);
    }
    return HX_OK;
}

static void json_side(hx_json *j, const char *key, const hx_cmp_side *s) {
    hx_json_key(j, key);
    if (!s->present) {
        hx_json_null(j);
        return;
    }
    hx_json_object_begin(j);
    hx_json_kv_number(j, "median_s", s->median);
    hx_json_key(j, s->has_ci ? "ci95_s" : "range_s");
    hx_json_array_begin(j);
    hx_json_number(j, s->lo);
    hx_json_number(j, s->hi);
    hx_json_array_end(j);
    hx_json_kv_bool(j, "noisy", s->noisy);
    hx_json_kv_int(j, "reps", s->reps);
    hx_json_object_end(j);
}

static int write_json(FILE *out, const hx_compare *c) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", HX_COMPARE_SCHEMA);
    hx_json_kv_provenance(&j);
    hx_json_kv_string(&j, "compared", c->schema);
    const char *paths[] = {c->base_path, c->new_path},
               *machines[] = {c->base_machine, c->new_machine};
    const char *keys[] = {"base", "new"};
    for (int s = 0; s < 2; s++) {
        hx_json_key(&j, keys[s]);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "path", paths[s]);
        hx_json_kv_string(&j, "machine", machines[s]);
        hx_json_object_end(&j);
    }
    hx_json_kv_number(&j, "threshold", c->opts.threshold);
    hx_json_kv_number(&j, "fail_above", c->opts.fail_above >= 0 ? c->opts.fail_above : NAN);
    hx_json_key(&j, "rows");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < c->n; i++) {
        const hx_cmp_row *r = &c->rows[i];
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "row", r->name);
        hx_json_kv_string(&j, "device", r->device);
        hx_json_kv_int(&j, "size", (int64_t)r->size);
        hx_json_kv_int(&j, is_scale(c->schema) ? "p" : "threads", r->threads);
        json_side(&j, "base", &r->base);
        json_side(&j, "new", &r->now);
        hx_json_kv_number(&j, "ratio", r->ratio);
        hx_json_kv_string(&j, "verdict", hx_cmp_verdict_name(r->verdict));
        hx_json_kv_bool(&j, "regression", r->regression);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_key(&j, "summary");
    hx_json_object_begin(&j);
    hx_json_kv_int(&j, "same", (int64_t)c->same);
    hx_json_kv_int(&j, "faster", (int64_t)c->faster);
    hx_json_kv_int(&j, "slower", (int64_t)c->slower);
    hx_json_kv_int(&j, "unmatched", (int64_t)c->unmatched);
    hx_json_kv_int(&j, "regressions", (int64_t)c->regressions);
    hx_json_object_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
    return HX_OK;
}

int hx_compare_write(FILE *out, hx_cmp_format fmt, const hx_compare *c) {
    switch (fmt) {
    case HX_CMP_MARKDOWN:
        return write_markdown(out, c);
    case HX_CMP_CSV:
        return write_csv(out, c);
    case HX_CMP_JSON:
        return write_json(out, c);
    default:
        return write_table(out, c);
    }
}
