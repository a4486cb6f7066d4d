/*
 * html.c - the self-contained HTML report (see html.h).
 *
 * One pass per document, each kind in its own section writer; tables are written straight from
 * the JSON values (so the page shows what the document says, not a re-derivation), plots go
 * through svg.c.  Every string that came from a document is escaped on the way out.
 */
#include "hetero/report/html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "svg.h"

#define MAX_ROWS 512

/* ---- the page's frame --------------------------------------------------------------------- */

static const char page_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
    "h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;"
    "margin-top:2em}h3{font-size:1.05em}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{padding:.15em .6em;border-bottom:1px "
    "solid #e4e4e4;text-align:right;white-space:nowrap}th{background:#f3f3f3}"
    "td.l,th.l{text-align:left}tr.noisy td{color:#8a5a00}tr.bad td{color:#b00020}"
    "table.facts td{text-align:left;white-space:normal}table.facts th{text-align:left}"
    "p.note{color:#555}svg.plot{display:block;margin:.8em 0}"
    ".frame{fill:none;stroke:#888}.grid{stroke:#eee}.tick{font-size:11px;fill:#444}"
    ".axis{font-size:12px;fill:#222}.ptitle{font-size:13px;font-weight:600;fill:#222}"
    ".legend{font-size:11px;fill:#222}pre{background:#f7f7f7;padding:.6em;overflow:auto}";

/* Counts what rendered and any error, into <html data-rendered data-errors>: the e2e test reads
 * them from the DOM Chromium dumps. */
static const char page_script[] =
    "(function(){var errors=[];"
    "window.addEventListener('error',function(e){errors.push(String(e.message||e.type));});"
    "document.addEventListener('securitypolicyviolation',function(e){errors.push('blocked '+"
    "e.blockedURI);});"
    "window.addEventListener('load',function(){"
    "var tables=document.querySelectorAll('table.data').length;"
    "var plots=document.querySelectorAll('svg.plot'),marks=0,empty=0;"
    "for(var i=0;i<plots.length;i++){var m=plots[i].querySelectorAll('.mark').length;"
    "marks+=m;if(m===0)empty++;}"
    "var root=document.documentElement;"
    "root.setAttribute('data-rendered','tables='+tables+' plots='+plots.length+' marks='+marks+"
    "' empty='+empty);root.setAttribute('data-errors',String(errors.length));"
    "var c=document.getElementById('render-check');"
    "if(c)c.textContent='rendered: '+tables+' tables, '+plots.length+' plots, '+marks+' marks'+"
    "(errors.length?'; errors: '+errors.join('; '):'');});})();";

static void esc(FILE *out, const char *s) {
    svg_text(out, s ? s : "");
}

/* ---- table cells -------------------------------------------------------------------------- */

static void cell(FILE *out, bool left, const char *s) {
    fputs(left ? "<td class=\"l\">" : "<td>", out);
    esc(out, s);
    fputs("</td>", out);
}

static void cell_num(FILE *out, double v, const char *fmt) {
    char buf[64];
    hx_format_number(buf, sizeof buf, v, fmt);
    cell(out, false, buf);
}

static void cell_seconds(FILE *out, double v) {
    char buf[32];
    hx_format_seconds(buf, sizeof buf, v);
    cell(out, false, buf);
}

/* "±2.1%" from a row's ci95_s and median, "-" without an interval */
static void cell_ci(FILE *out, const json_t *row) {
    const json_t *ci = json_object_get(row, "ci95_s");
    double med = hx_doc_number(row, "time_s.median");
    char buf[32] = "-";
    if (json_is_array(ci) && json_array_size(ci) == 2 && med > 0) {
        double rel =
            (json_number_value(json_array_get(ci, 1)) - json_number_value(json_array_get(ci, 0))) /
            2.0 / med;
        snprintf(buf, sizeof buf, "±%.1f%%", 100.0 * rel);
    }
    cell(out, false, buf);
}

static void header_row(FILE *out, const char *const *names, const char *align) {
    fputs("<tr>", out);
    for (size_t i = 0; names[i]; i++) {
        fprintf(out, "<th%s>", align[i] == 'l' ? " class=\"l\"" : "");
        esc(out, names[i]);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
}

static const char *str(const json_t *v, const char *path) {
    const char *s = hx_doc_string(v, path);
    return s ? s : "";
}

/* A measured row: failed verification in red, noisy in amber; it ends with those two cells. */
static void measured_row_begin(FILE *out, const json_t *r) {
    bool noisy = hx_doc_bool(r, "noisy", false), ok = hx_doc_bool(r, "verified", false);
    fprintf(out, "<tr%s>", !ok ? " class=\"bad\"" : noisy ? " class=\"noisy\"" : "");
}

static void measured_row_end(FILE *out, const json_t *r) {
    cell(out, true, hx_doc_bool(r, "verified", false) ? "yes" : "NO");
    cell(out, true, hx_doc_bool(r, "noisy", false) ? "~ noisy" : "");
    fputs("</tr>\n", out);
}

/* ---- the machine -------------------------------------------------------------------------- */

static void fact(FILE *out, const char *name, const char *value) {
    if (!value || !*value)
        return;
    fputs("<tr><th>", out);
    esc(out, name);
    fputs("</th><td>", out);
    esc(out, value);
    fputs("</td></tr>\n", out);
}

static void write_machine(FILE *out, const hx_doc *d) {
    const json_t *p = json_object_get(d->root, "provenance");
    fputs("<section id=\"machine\"><h2>The machine</h2>\n", out);
    if (!p) {
        fprintf(out,
                "<p class=\"note\">%s has no provenance (written before hetero recorded "
                "it); its host: ",
                "the first document");
        char m[256];
        hx_doc_machine(d, m, sizeof m);
        esc(out, m);
        fputs("</p></section>\n", out);
        return;
    }
    char buf[1024];
    fputs("<table class=\"facts data\">\n", out);
    snprintf(buf, sizeof buf, "%s (%s), %.0f cores", str(p, "cpu.model"), str(p, "cpu.vendor"),
             hx_doc_number(p, "cpu.cores"));
    fact(out, "CPU", buf);
    snprintf(buf, sizeof buf, "%s (best this CPU allows: %s)", str(p, "cpu.isa"),
             str(p, "cpu.isa_max"));
    fact(out, "ISA path of the simd backends", buf);
    fact(out, "microcode", str(p, "cpu.microcode"));
    snprintf(buf, sizeof buf, "%s %s %s", str(p, "kernel.system"), str(p, "kernel.release"),
             str(p, "kernel.version"));
    fact(out, "kernel", buf);
    fact(out, "frequency governor", str(p, "governor"));
    const json_t *ocl = json_object_get(p, "opencl");
    size_t i;
    const json_t *pl;
    json_array_foreach(ocl, i, pl) {
        snprintf(buf, sizeof buf, "%s: %s", str(pl, "name"), str(pl, "version"));
        fact(out, i == 0 ? "OpenCL platforms" : "", buf);
    }
    snprintf(buf, sizeof buf, "%s (core %s)", str(p, "openblas.config"), str(p, "openblas.core"));
    if (hx_doc_string(p, "openblas.config"))
        fact(out, "OpenBLAS", buf);
    const json_t *omp = json_object_get(p, "omp");
    const char *key;
    const json_t *val;
    size_t len = 0;
    buf[0] = '\0';
    json_object_foreach((json_t *)omp, key, val) {
        len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, "%s%s=%s",
                                len ? " " : "", key, json_string_value(val));
    }
    fact(out, "OpenMP settings", len ? buf : "none set");
    snprintf(buf, sizeof buf,
             "load %.2f at the start, %.2f at the end on %.0f CPUs; other programs %.0f%% of the "
             "CPU, steal %.0f%% during the command%s",
             hx_doc_number(p, "noise.start.load1"), hx_doc_number(p, "noise.end.load1"),
             hx_doc_number(p, "noise.cpus"), 100.0 * hx_doc_number(p, "noise.foreign"),
             100.0 * hx_doc_number(p, "noise.steal"),
             hx_doc_bool(p, "noise.noisy", false) ? " (noisy)" : "");
    fact(out, "noise", buf);
    snprintf(buf, sizeof buf, "hetero %s, commit %s%s, %s build, %s, flags %s",
             str(p, "hetero.version"), str(p, "hetero.commit"),
             hx_doc_bool(p, "hetero.dirty", false) ? " with local changes" : "",
             str(p, "hetero.build_type"), str(p, "hetero.compiler"), str(p, "hetero.c_flags"));
    fact(out, "build", buf);
    fact(out, "command", str(p, "command"));
    fact(out, "date", str(p, "date"));
    fputs("</table></section>\n", out);
}

/* ---- plots ------------------------------------------------------------------------------- */

/* The frame every line plot of the page has: 760 x 380, the legend on the right; the axes'
 * ranges start empty, for svg_extend. */
static svg_plot line_plot(FILE *out, bool xlog, const char *xlabel, bool ylog, const char *ylabel) {
    svg_plot p = {.out = out,
                  .width = 760,
                  .height = 380,
                  .left = 60,
                  .right = 190,
                  .top = 28,
                  .bottom = 40,
                  .x = {.lo = INFINITY, .hi = -INFINITY, .log = xlog, .label = xlabel},
                  .y = {.lo = INFINITY, .hi = -INFINITY, .log = ylog, .label = ylabel}};
    return p;
}

/* ---- hetero.run ----------------------------------------------------------------------------- */

/* The measured ceilings of the devices documents: (name, GB/s, GFLOP/s). */
typedef struct ceiling {
    const char *name;
    double gbps, gflops;
} ceiling;

static size_t find_ceilings(const hx_doc *docs, size_t n, ceiling *c, size_t cap) {
    size_t k = 0;
    for (size_t d = 0; d < n; d++) {
        if (strcmp(docs[d].schema, "hetero.devices/1") != 0)
            continue;
        size_t i;
        const json_t *dev;
        json_array_foreach(json_object_get(docs[d].root, "devices"), i, dev) {
            double bw = hx_doc_number(dev, "bench.figures.triad_gbps.median");
            if (!isfinite(bw))
                bw = hx_doc_number(dev, "bench.figures.copy_gbps.median");
            double peak = hx_doc_number(dev, "bench.figures.fp32_gflops.median");
            if (isfinite(bw) && isfinite(peak) && bw > 0 && peak > 0 && k < cap)
                c[k++] = (ceiling){hx_doc_string(dev, "name"), bw, peak};
        }
    }
    return k;
}

/* "A/B [mem]" (b NULL: "A [mem]"), without the brackets for a row that has no OpenCL memory
 * mode. */
static void with_mem(char *buf, size_t len, const char *a, const char *b, const json_t *r) {
    const char *mem = str(r, "mem");
    snprintf(buf, len, "%s%s%s%s%s%s", a, b ? "/" : "", b ? b : "", mem[0] ? " [" : "", mem,
             mem[0] ? "]" : "");
}

static void row_label(char *buf, size_t len, const json_t *r) {
    with_mem(buf, len, str(r, "workload"), str(r, "backend"), r);
}

static void run_table(FILE *out, const json_t *results) {
    static const char *const head[] = {"workload", "backend", "device",  "size", "thr",
                                       "median",   "±",       "speedup", "GB/s", "GFLOP/s",
                                       "verified", "noisy",   NULL};
    fputs("<table class=\"data\">\n", out);
    header_row(out, head, "lllrrrrrrrll");
    size_t i;
    const json_t *r;
    json_array_foreach(results, i, r) {
        measured_row_begin(out, r);
        cell(out, true, str(r, "workload"));
        cell(out, true, str(r, "backend"));
        char dev[300];
        with_mem(dev, sizeof dev, str(r, "device"), NULL, r);
        cell(out, true, dev);
        cell_num(out, hx_doc_number(r, "size"), "%.0f");
        cell_num(out, hx_doc_number(r, "threads"), "%.0f");
        cell_seconds(out, hx_doc_number(r, "time_s.median"));
        cell_ci(out, r);
        cell_num(out, hx_doc_number(r, "speedup"), "%.2fx");
        cell_num(out, hx_doc_number(r, "gbps"), "%.1f");
        cell_num(out, hx_doc_number(r, "gflops"), "%.2f");
        measured_row_end(out, r);
    }
    fputs("</table>\n", out);
}

static void run_speedups(FILE *out, const json_t *results) {
    size_t n = json_array_size(results);
    if (n == 0 || n > MAX_ROWS)
        return;
    char(*labels)[128] = calloc(n, sizeof *labels);
    char(*tips)[192] = calloc(n, sizeof *tips);
    const char **lp = calloc(n, sizeof *lp), **tp = calloc(n, sizeof *tp);
    double *v = calloc(n, sizeof *v);
    if (labels && tips && lp && tp && v) {
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(results, i);
            row_label(labels[i], sizeof labels[i], r);
            v[i] = hx_doc_number(r, "speedup");
            snprintf(tips[i], sizeof tips[i], "%s: %.2fx over serial", labels[i], v[i]);
            lp[i] = labels[i];
            tp[i] = tips[i];
        }
        svg_bars(out, "speedup over the serial backend (dashed: 1x)", "speedup", lp, v, tp, n, 1.0);
    }
    free(labels);
    free(tips);
    free(lp);
    free(tp);
    free(v);
}

static void run_roofline(FILE *out, const json_t *results, const ceiling *c, size_t nc) {
    size_t n = json_array_size(results);
    if (n > MAX_ROWS)
        n = MAX_ROWS;
    static double x[MAX_ROWS], y[MAX_ROWS];
    static char tips[MAX_ROWS][224];
    static const char *tp[MAX_ROWS], *backend[MAX_ROWS];
    svg_plot p = line_plot(out, true, "arithmetic intensity (flop per byte)", true, "GFLOP/s");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(results, i);
        double flops = hx_doc_number(r, "flops"), bytes = hx_doc_number(r, "bytes");
        double gf = hx_doc_number(r, "gflops");
        if (!(flops > 0 && bytes > 0 && gf > 0))
            continue;
        x[k] = flops / bytes;
        y[k] = gf;
        backend[k] = str(r, "backend");
        char label[128];
        row_label(label, sizeof label, r);
        snprintf(tips[k], sizeof tips[k], "%s: %.3g flop/B, %.3g GFLOP/s", label, x[k], y[k]);
        tp[k] = tips[k];
        svg_extend(&p.x.lo, &p.x.hi, x[k], true);
        svg_extend(&p.y.lo, &p.y.hi, y[k], true);
        k++;
    }
    if (k == 0) {
        fputs("<p class=\"note\">No roofline: no row of this run counts floating-point "
              "operations.</p>\n",
              out);
        return;
    }
    for (size_t i = 0; i < nc; i++) {
        svg_extend(&p.y.lo, &p.y.hi, c[i].gflops, true);
        svg_extend(&p.x.lo, &p.x.hi, c[i].gflops / c[i].gbps, true);
    }
    svg_nice_range(&p.x, false);
    svg_nice_range(&p.y, false);
    svg_begin(&p, "roofline: each row's GFLOP/s against its flops per byte");
    for (size_t i = 0; i < nc; i++) {
        char label[160];
        snprintf(label, sizeof label, "%.24s: %.0f GB/s, %.0f GFLOP/s", c[i].name ? c[i].name : "?",
                 c[i].gbps, c[i].gflops);
        double knee = c[i].gflops / c[i].gbps;
        double x0 = fmax(p.x.lo, p.y.lo / c[i].gbps);
        svg_line(&p, x0, c[i].gbps * x0, knee, c[i].gflops, label, "#555");
        svg_line(&p, knee, c[i].gflops, p.x.hi, c[i].gflops, NULL, "#555");
    }
    /* one colour per backend, points only: rows are not a sequence */
    static double bx[MAX_ROWS], by[MAX_ROWS];
    static const char *btp[MAX_ROWS];
    const char *seen[16];
    size_t nseen = 0;
    for (size_t i = 0; i < k; i++) {
        size_t s = 0;
        while (s < nseen && strcmp(seen[s], backend[i]) != 0)
            s++;
        if (s < nseen || nseen == 16)
            continue;
        seen[nseen++] = backend[i];
        size_t m = 0;
        for (size_t j = i; j < k; j++)
            if (strcmp(backend[j], backend[i]) == 0) {
                bx[m] = x[j];
                by[m] = y[j];
                btp[m++] = tp[j];
            }
        svg_points(&p, backend[i], nseen - 1, bx, by, btp, m);
    }
    svg_end(&p);
    if (nc == 0)
        fputs("<p class=\"note\">No ceilings: give a <code>hetero devices --bench "
              "--format=json</code> document as well to draw them.</p>\n",
              out);
}

static void write_run(FILE *out, const hx_doc *d, const hx_doc *all, size_t nall) {
    const json_t *results = json_object_get(d->root, "results");
    run_table(out, results);
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(d->root, "skipped"), i, s) {
        fputs("<p class=\"note\">skipped: ", out);
        esc(out, str(s, "workload"));
        fputc('/', out);
        esc(out, str(s, "backend"));
        fputs(": ", out);
        esc(out, str(s, "reason"));
        fputs("</p>\n", out);
    }
    run_speedups(out, results);
    ceiling c[16];
    run_roofline(out, results, c, find_ceilings(all, nall, c, 16));
}

/* ---- hetero.scale -----------------------------------------------------------------------------
 */

static void scale_table(FILE *out, const json_t *points) {
    static const char *const head[] = {"backend", "device",   "p",     "size", "working set",
                                       "median",  "±",        "S",     "E",    "GB/s",
                                       "GFLOP/s", "verified", "noisy", NULL};
    fputs("<table class=\"data\">\n", out);
    header_row(out, head, "llrrrrrrrrrll");
    size_t i;
    const json_t *r;
    json_array_foreach(points, i, r) {
        measured_row_begin(out, r);
        cell(out, true, str(r, "backend"));
        cell(out, true, str(r, "device"));
        cell_num(out, hx_doc_number(r, "p"), "%.0f");
        cell_num(out, hx_doc_number(r, "size"), "%.0f");
        char ws[32];
        double w = hx_doc_number(r, "working_set_bytes");
        cell(out, false, isfinite(w) ? hx_format_bytes((uint64_t)w, ws, sizeof ws) : "-");
        cell_seconds(out, hx_doc_number(r, "time_s.median"));
        cell_ci(out, r);
        cell_num(out, hx_doc_number(r, "speedup"), "%.2f");
        cell_num(out, hx_doc_number(r, "efficiency"), "%.2f");
        cell_num(out, hx_doc_number(r, "gbps"), "%.1f");
        cell_num(out, hx_doc_number(r, "gflops"), "%.2f");
        measured_row_end(out, r);
    }
    fputs("</table>\n", out);
}

typedef struct law {
    bool weak;
    double value; /* Amdahl P or Gustafson a */
} law;

static double law_speedup(double p, const void *ctx) {
    const law *l = ctx;
    return l->weak ? p - l->value * (p - 1.0) : 1.0 / ((1.0 - l->value) + l->value / p);
}

/* The distinct backends of the points, in order of appearance. */
static size_t backends_of(const json_t *points, const char **names, size_t cap) {
    size_t n = 0, i;
    const json_t *r;
    json_array_foreach(points, i, r) {
        const char *b = str(r, "backend");
        size_t k = 0;
        while (k < n && strcmp(names[k], b) != 0)
            k++;
        if (k == n && n < cap)
            names[n++] = b;
    }
    return n;
}

/* Points of backend b: x and y by key, sorted by x (the document lists them in sweep order). */
static size_t series_of(const json_t *points, const char *b, const char *xkey, const char *ykey,
                        double *x, double *y, char (*tips)[160], const char **tp) {
    size_t k = 0, i;
    const json_t *r;
    json_array_foreach(points, i, r) {
        if (strcmp(str(r, "backend"), b) != 0 || k >= MAX_ROWS)
            continue;
        x[k] = hx_doc_number(r, xkey);
        y[k] = hx_doc_number(r, ykey);
        snprintf(tips[k], sizeof tips[k], "%s %s=%.4g: %s=%.4g%s", b, xkey, x[k], ykey, y[k],
                 hx_doc_bool(r, "noisy", false) ? " (noisy)" : "");
        tp[k] = tips[k];
        k++;
    }
    return k;
}

static void scale_plot(FILE *out, const hx_doc *d) {
    const json_t *points = json_object_get(d->root, "points");
    const char *mode = str(d->root, "mode");
    bool sizes = strcmp(mode, "sizes") == 0, weak = strcmp(mode, "weak") == 0;
    const char *names[16];
    size_t nb = backends_of(points, names, 16);
    if (nb == 0)
        return;
    bool by_flops = false;
    if (sizes) {
        const json_t *first = json_array_get(points, 0);
        by_flops = hx_doc_number(first, "gflops") > 0 &&
                   hx_doc_number(first, "gflops") > hx_doc_number(first, "gbps");
    }
    const char *xkey = sizes ? "working_set_bytes" : "p";
    const char *ykey = sizes ? (by_flops ? "gflops" : "gbps") : "speedup";
    svg_plot p =
        line_plot(out, sizes, sizes ? "working set (bytes)" : "p (threads or compute units)", false,
                  sizes ? (by_flops ? "GFLOP/s" : "GB/s")
                        : (weak ? "scaled speedup S(p)" : "speedup S(p) = T1/Tp"));
    static double x[MAX_ROWS], y[MAX_ROWS];
    static char tips[MAX_ROWS][160];
    const char *tp[MAX_ROWS];
    size_t i;
    const json_t *r;
    json_array_foreach(points, i, r) {
        svg_extend(&p.x.lo, &p.x.hi, hx_doc_number(r, xkey), p.x.log);
        svg_extend(&p.y.lo, &p.y.hi, hx_doc_number(r, ykey), false);
    }
    if (!sizes) { /* the ideal S = p is part of the picture */
        svg_extend(&p.x.lo, &p.x.hi, 1.0, false);
        svg_extend(&p.y.lo, &p.y.hi, p.x.hi, false);
        p.x.lo = 0;
    }
    svg_nice_range(&p.x, !sizes);
    svg_nice_range(&p.y, true);
    char title[160];
    snprintf(title, sizeof title, "hetero scale %s: %s", str(d->root, "workload"),
             sizes  ? "size sweep"
             : weak ? "weak scaling"
                    : "strong scaling");
    svg_begin(&p, title);
    if (!sizes) {
        double end = fmin(p.x.hi, p.y.hi);
        svg_line(&p, 1.0, 1.0, end, end, "ideal S = p", "#999");
    }
    for (size_t b = 0; b < nb; b++) {
        size_t k = series_of(points, names[b], xkey, ykey, x, y, tips, tp);
        svg_series(&p, names[b], b, x, y, tp, k);
    }
    json_array_foreach(json_object_get(d->root, "fits"), i, r) {
        if (sizes || !hx_doc_bool(r, "ok", false))
            continue;
        law l = {.weak = weak, .value = hx_doc_number(r, weak ? "a" : "P")};
        if (!isfinite(l.value))
            continue;
        size_t colour = 0;
        while (colour < nb && strcmp(names[colour], str(r, "backend")) != 0)
            colour++;
        char label[96];
        snprintf(label, sizeof label, "%s %s %s=%.3f", str(r, "backend"),
                 weak ? "Gustafson" : "Amdahl", weak ? "a" : "P", l.value);
        svg_curve(&p, law_speedup, &l, 1.0, p.x.hi, label, colour);
    }
    svg_end(&p);
}

static void scale_fits(FILE *out, const json_t *fits) {
    size_t i;
    const json_t *f;
    json_array_foreach(fits, i, f) {
        fputs("<p class=\"note\">fit ", out);
        esc(out, str(f, "backend"));
        fputs(" (", out);
        esc(out, str(f, "law"));
        fputs("): ", out);
        const char *reason = hx_doc_string(f, "no_fit"); /* scale/2; scale/1: "reason" */
        if (!reason)
            reason = hx_doc_string(f, "reason");
        if (!hx_doc_bool(f, "ok", false)) {
            fputs("no fit", out);
            if (reason) {
                fputs(": ", out);
                esc(out, reason);
            }
        } else {
            const char *key = strcmp(str(f, "law"), "gustafson") == 0 ? "a" : "P";
            fprintf(out, "%s = %.4f over %.0f points", key, hx_doc_number(f, key),
                    hx_doc_number(f, "points"));
        }
        fputs("</p>\n", out);
    }
}

static void write_scale(FILE *out, const hx_doc *d) {
    scale_table(out, json_object_get(d->root, "points"));
    scale_plot(out, d);
    scale_fits(out, json_object_get(d->root, "fits"));
}

/* ---- hetero.devices, hetero.compare, anything else ---------------------------------------- */

static void write_devices(FILE *out, const hx_doc *d) {
    static const char *const head[] = {"kind", "name", "type", "compute units", "measured", NULL};
    fputs("<table class=\"data\">\n", out);
    header_row(out, head, "lllrl");
    size_t i;
    const json_t *dev;
    json_array_foreach(json_object_get(d->root, "devices"), i, dev) {
        fputs("<tr>", out);
        cell(out, true, str(dev, "kind"));
        cell(out, true, str(dev, "name"));
        cell(out, true, str(dev, "type"));
        cell_num(out, hx_doc_number(dev, "shape.compute_units"), "%.0f");
        char buf[1024] = "";
        size_t len = 0;
        const char *key;
        const json_t *fig;
        json_object_foreach((json_t *)hx_doc_get(dev, "bench.figures"), key, fig) {
            double v = hx_doc_number(fig, "median");
            if (hx_doc_bool(fig, "measured", false) && isfinite(v) && len < sizeof buf)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %.4g", len ? ", " : "",
                                        key, v);
        }
        cell(out, true, len ? buf : "not benchmarked");
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void write_compare(FILE *out, const hx_doc *d) {
    static const char *const head[] = {"row", "device", "size",    "base",
                                       "new", "ratio",  "verdict", NULL};
    fputs("<table class=\"data\">\n", out);
    header_row(out, head, "llrrrrl");
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(d->root, "rows"), i, r) {
        bool regression = hx_doc_bool(r, "regression", false);
        fprintf(out, "<tr%s>", regression ? " class=\"bad\"" : "");
        cell(out, true, str(r, "row"));
        cell(out, true, str(r, "device"));
        cell_num(out, hx_doc_number(r, "size"), "%.0f");
        cell_seconds(out, hx_doc_number(r, "base.median_s"));
        cell_seconds(out, hx_doc_number(r, "new.median_s"));
        cell_num(out, hx_doc_number(r, "ratio"), "%.2fx");
        char v[64];
        snprintf(v, sizeof v, "%s%s", str(r, "verdict"), regression ? " (regression)" : "");
        cell(out, true, v);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void write_raw(FILE *out, const hx_doc *d) {
    char *text = json_dumps(d->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputs("<pre>", out);
    esc(out, text ? text : "(cannot print)");
    fputs("</pre>\n", out);
    free(text);
}

static void write_doc(FILE *out, const hx_doc *d, const hx_doc *all, size_t n) {
    char machine[256];
    hx_doc_machine(d, machine, sizeof machine);
    fputs("<section class=\"doc\"><h2>", out);
    esc(out, d->path);
    fputs(" <small>(", out);
    esc(out, d->schema);
    fputs(")</small></h2>\n<p class=\"note\">", out);
    esc(out, machine);
    const char *cmd = hx_doc_string(d->root, "provenance.command");
    if (cmd) {
        fputs("; <code>", out);
        esc(out, cmd);
        fputs("</code>", out);
    }
    const char *date = hx_doc_string(d->root, "provenance.date");
    if (date) {
        fputs(" at ", out);
        esc(out, date);
    }
    fputs("</p>\n", out);
    if (strcmp(d->schema, "hetero.run/1") == 0)
        write_run(out, d, all, n);
    else if (strncmp(d->schema, "hetero.scale/", 13) == 0)
        write_scale(out, d);
    else if (strcmp(d->schema, "hetero.devices/1") == 0)
        write_devices(out, d);
    else if (strcmp(d->schema, "hetero.compare/1") == 0)
        write_compare(out, d);
    else
        write_raw(out, d);
    fputs("</section>\n", out);
}

int hx_html_report(FILE *out, const hx_doc *docs, size_t n) {
    if (n == 0)
        return hx_fail(HX_ERR_USAGE, "the report needs at least one JSON document");
    char build[256];
    fputs("<!DOCTYPE html>\n<html lang=\"en\" data-rendered=\"no\" data-errors=\"0\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
          "<title>hetero report</title>\n<style>",
          out);
    fputs(page_style, out);
    fputs("</style>\n<script>", out);
    fputs(page_script, out);
    fputs("</script>\n</head>\n<body>\n<h1>hetero report</h1>\n<p class=\"note\">", out);
    fprintf(out, "%zu document%s; written by ", n, n == 1 ? "" : "s");
    esc(out, hx_build_describe(build, sizeof build));
    fputs(". Times are medians; ± is half the 95% confidence interval of the median; rows "
          "marked ~ were measured while other programs took CPU time.</p>\n"
          "<p class=\"note\" id=\"render-check\"></p>\n",
          out);
    write_machine(out, &docs[0]);
    for (size_t i = 0; i < n; i++)
        write_doc(out, &docs[i], docs, n);
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? hx_fail(HX_ERR_RUNTIME, "cannot write the report") : HX_OK;
}
