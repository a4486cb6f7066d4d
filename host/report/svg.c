/*
 * svg.c - axes, ticks, series, reference lines and bars as inline SVG (see svg.h).
 *
 * Coordinates: data -> pixels through each axis (log10 when asked); the y axis grows upwards.
 * Ticks: decades on log axes (with 2 and 5 between them when a plot spans few decades), 1-2-5
 * steps on linear ones.  Numbers on ticks use SI-like short forms (4K, 16M, 0.5).
 */
#include "svg.h"

#include <math.h>
#include <string.h>

static const char *const colours[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                      "#e69f00", "#56b4e9", "#000000", "#f0e442"};

const char *svg_colour(size_t i) {
    return colours[i % (sizeof colours / sizeof colours[0])];
}

void svg_text(FILE *out, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

void svg_extend(double *lo, double *hi, double v, bool log) {
    if (!isfinite(v) || (log && v <= 0))
        return;
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

void svg_nice_range(svg_axis *a, bool from_zero) {
    if (!(a->lo <= a->hi)) { /* no data: a unit range */
        a->lo = a->log ? 1.0 : 0.0;
        a->hi = a->log ? 10.0 : 1.0;
        return;
    }
    if (a->log) {
        a->lo = pow(10.0, floor(log10(a->lo)));
        a->hi = pow(10.0, ceil(log10(a->hi)));
        if (a->hi <= a->lo)
            a->hi = a->lo * 10.0;
        return;
    }
    double span = a->hi - a->lo;
    if (span <= 0)
        span = fabs(a->hi) > 0 ? fabs(a->hi) : 1.0;
    a->hi += 0.05 * span;
    a->lo = from_zero && a->lo >= 0 ? 0.0 : a->lo - 0.05 * span;
}

static double frac(const svg_axis *a, double v) {
    if (a->log)
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    return (v - a->lo) / (a->hi - a->lo);
}

static double px(const svg_plot *p, double x) {
    return p->left + frac(&p->x, x) * (p->width - p->left - p->right);
}

static double py(const svg_plot *p, double y) {
    return p->height - p->bottom - frac(&p->y, y) * (p->height - p->top - p->bottom);
}

static bool inside(const svg_axis *a, double v) {
    return isfinite(v) && (!a->log || v > 0) && v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9);
}

/* 4096 -> "4K", 1.5e9 -> "1.5G", 0.25 -> "0.25" */
static void tick_label(char *buf, size_t len, double v) {
    static const struct {
        double scale;
        const char *suffix;
    } units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "K"}};
    double a = fabs(v);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (a >= units[i].scale) {
            snprintf(buf, len, "%g%s", v / units[i].scale, units[i].suffix);
            return;
        }
    snprintf(buf, len, "%g", v);
}

/* The ticks of an axis into t (at most cap). */
static size_t ticks(const svg_axis *a, double *t, size_t cap) {
    size_t n = 0;
    if (a->log) {
        double decades = log10(a->hi) - log10(a->lo);
        static const double between[] = {1, 2, 5};
        size_t per = decades <= 3 ? 3 : 1;
        for (double d = a->lo; d <= a->hi * 1.0001 && n < cap; d *= 10)
            for (size_t k = 0; k < per && n < cap; k++)
                if (d * between[k] <= a->hi * 1.0001)
                    t[n++] = d * between[k];
        return n;
    }
    double span = a->hi - a->lo, raw = span / 5.0;
    double mag = pow(10.0, floor(log10(raw)));
    double step = raw / mag < 1.5   ? mag
                  : raw / mag < 3.5 ? 2 * mag
                  : raw / mag < 7.5 ? 5 * mag
                                    : 10 * mag;
    for (double v = ceil(a->lo / step) * step; v <= a->hi + 1e-9 * span && n < cap; v += step)
        t[n++] = fabs(v) < 1e-12 * span ? 0.0 : v;
    return n;
}

/* The ticks of one axis: a grid line across the frame and a label outside it. */
static void draw_ticks(const svg_plot *p, const svg_axis *a, bool is_x) {
    double x0 = p->left, x1 = p->width - p->right, y0 = p->height - p->bottom, y1 = p->top;
    double t[64];
    size_t n = ticks(a, t, 64);
    for (size_t i = 0; i < n; i++) {
        char label[32];
        tick_label(label, sizeof label, t[i]);
        double at = is_x ? px(p, t[i]) : py(p, t[i]);
        fprintf(p->out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"%s\">%s</text>\n",
                is_x ? at : x0, is_x ? y1 : at, is_x ? at : x1, is_x ? y0 : at, is_x ? at : x0 - 4,
                is_x ? y0 + 14 : at + 4, is_x ? "middle" : "end", label);
    }
}

void svg_begin(svg_plot *p, const char *title) {
    FILE *o = p->out;
    p->legend_items = 0;
    fprintf(o,
            "<svg class=\"plot\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>",
            p->width, p->height, p->width, p->height);
    svg_text(o, title);
    fprintf(o, "</title>\n<text x=\"%.0f\" y=\"16\" class=\"ptitle\">", p->left);
    svg_text(o, title);
    double x0 = p->left, x1 = p->width - p->right, y0 = p->height - p->bottom, y1 = p->top;
    fprintf(o,
            "</text>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "class=\"frame\"/>\n",
            x0, y1, x1 - x0, y0 - y1);
    draw_ticks(p, &p->x, true);
    if (!p->no_y_ticks)
        draw_ticks(p, &p->y, false);
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"middle\">", (x0 + x1) / 2,
            p->height - 6);
    svg_text(o, p->x.label);
    fprintf(o,
            "</text>\n<text transform=\"translate(14 %.1f) rotate(-90)\" class=\"axis\" "
            "text-anchor=\"middle\">",
            (y0 + y1) / 2);
    svg_text(o, p->y.label);
    fputs("</text>\n", o);
}

void svg_end(svg_plot *p) {
    fputs("</svg>\n", p->out);
}

static void legend(svg_plot *p, const char *name, const char *colour, bool dashed) {
    double x = p->width - p->right + 10, y = p->top + 12 + 16 * p->legend_items++;
    fprintf(p->out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%.1f\" class=\"legend\">",
            x, y - 4, x + 18, y - 4, colour, dashed ? " stroke-dasharray=\"5 3\"" : "", x + 22, y);
    svg_text(p->out, name);
    fputs("</text>\n", p->out);
}

static void marks(svg_plot *p, const char *name, size_t colour, const double *x, const double *y,
                  const char *const *tooltip, size_t n, bool lines) {
    const char *c = svg_colour(colour);
    FILE *o = p->out;
    size_t shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += inside(&p->x, x[i]) && inside(&p->y, y[i]);
    if (lines && shown > 1) {
        fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
        for (size_t i = 0; i < n; i++)
            if (inside(&p->x, x[i]) && inside(&p->y, y[i]))
                fprintf(o, "%.1f,%.1f ", px(p, x[i]), py(p, y[i]));
        fputs("\"/>\n", o);
    }
    for (size_t i = 0; i < n; i++) {
        if (!inside(&p->x, x[i]) || !inside(&p->y, y[i]))
            continue;
        fprintf(o, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>",
                px(p, x[i]), py(p, y[i]), c);
        svg_text(o, tooltip ? tooltip[i] : name);
        fputs("</title></circle>\n", o);
    }
    legend(p, name, c, false);
}

void svg_series(svg_plot *p, const char *name, size_t colour, const double *x, const double *y,
                const char *const *tooltip, size_t n) {
    marks(p, name, colour, x, y, tooltip, n, true);
}

void svg_points(svg_plot *p, const char *name, size_t colour, const double *x, const double *y,
                const char *const *tooltip, size_t n) {
    marks(p, name, colour, x, y, tooltip, n, false);
}

void svg_line(svg_plot *p, double x0, double y0, double x1, double y1, const char *label,
              const char *colour) {
    fprintf(p->out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
            px(p, x0), py(p, y0), px(p, x1), py(p, y1), colour);
    if (label)
        legend(p, label, colour, true);
}

void svg_curve(svg_plot *p, double (*f)(double x, const void *ctx), const void *ctx, double x0,
               double x1, const char *label, size_t colour) {
    const char *c = svg_colour(colour);
    fprintf(p->out,
            "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"5 3\" points=\"",
            c);
    for (int i = 0; i <= 64; i++) {
        double t = (double)i / 64.0;
        double x =
            p->x.log ? pow(10.0, log10(x0) + t * (log10(x1) - log10(x0))) : x0 + t * (x1 - x0);
        double y = f(x, ctx);
        if (inside(&p->y, y))
            fprintf(p->out, "%.1f,%.1f ", px(p, x), py(p, y));
    }
    fputs("\"/>\n", p->out);
    legend(p, label, c, true);
}

void svg_bars(FILE *out, const char *title, const char *axis_label, const char *const *labels,
              const double *value, const char *const *tooltip, size_t n, double reference) {
    double bar = 18, gap = 6, left = 200, right = 60, top = 28, bottom = 36;
    svg_plot p = {.out = out,
                  .width = 760,
                  .height = top + bottom + (double)n * (bar + gap),
                  .left = left,
                  .right = right,
                  .top = top,
                  .bottom = bottom,
                  .x = {.lo = 0, .hi = 0, .label = axis_label},
                  .y = {.lo = 0, .hi = 1, .label = ""},
                  .no_y_ticks = true};
    p.x.lo = 0;
    p.x.hi = reference > 0 ? reference : 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(value[i]) && value[i] > p.x.hi)
            p.x.hi = value[i];
    svg_nice_range(&p.x, true);
    svg_begin(&p, title);
    for (size_t i = 0; i < n; i++) {
        double y = top + (double)i * (bar + gap) + gap / 2;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">", left - 6,
                y + bar - 5);
        svg_text(out, labels[i]);
        fputs("</text>\n", out);
        if (!isfinite(value[i]) || value[i] < 0)
            continue;
        fprintf(out,
                "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"%s\"><title>",
                px(&p, 0), y, px(&p, value[i]) - px(&p, 0), bar, svg_colour(i));
        svg_text(out, tooltip ? tooltip[i] : labels[i]);
        fputs("</title></rect>\n", out);
    }
    if (reference > 0)
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" "
                "stroke-dasharray=\"4 3\"/>\n",
                px(&p, reference), top, px(&p, reference), p.height - bottom);
    svg_end(&p);
}
