/*
 * table.c - aligned text tables: rows of cells are collected, then printed with each column as
 * wide as its widest cell, separated by two spaces, with a dashed rule under the header.
 */
#include "hetero/core/table.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct hx_table {
    size_t ncols;
    char **cells; /* row-major, headers first */
    size_t nrows; /* including the header row */
    size_t cap_rows;
    size_t filled; /* cells in the current row */
    char align[64];
};

hx_table *hx_table_new(size_t ncols, const char *const *headers, const char *align) {
    if (ncols == 0 || ncols >= sizeof(((hx_table *)0)->align))
        return NULL;
    hx_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    for (size_t c = 0; c < ncols; c++)
        t->align[c] = (align && align[c] == 'l') ? 'l' : 'r';
    if (hx_table_row(t) != HX_OK) {
        hx_table_free(t);
        return NULL;
    }
    for (size_t c = 0; c < ncols; c++) {
        if (hx_table_cell(t, "%s", headers[c]) != HX_OK) {
            hx_table_free(t);
            return NULL;
        }
    }
    return t;
}

void hx_table_free(hx_table *t) {
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

int hx_table_row(hx_table *t) {
    if (t->nrows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 16;
        char **cells = realloc(t->cells, cap * t->ncols * sizeof *cells);
        if (!cells)
            return hx_fail(HX_ERR_RUNTIME, "out of memory for a table");
        t->cells = cells;
        t->cap_rows = cap;
    }
    memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof *t->cells);
    t->nrows++;
    t->filled = 0;
    return HX_OK;
}

int hx_table_cell(hx_table *t, const char *fmt, ...) {
    if (t->nrows == 0 || t->filled >= t->ncols)
        return hx_fail(HX_ERR_RUNTIME, "table row has more cells than columns");
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for a table cell");
    t->cells[(t->nrows - 1) * t->ncols + t->filled++] = s;
    return HX_OK;
}

/* Columns a cell takes on a terminal: UTF-8 code points ("±" is two bytes, one column). */
static size_t display_width(const char *s) {
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* s padded with blanks to w columns, on the left or the right. */
static void put_padded(FILE *out, const char *s, size_t w, bool left) {
    size_t have = display_width(s);
    if (left)
        fputs(s, out);
    for (size_t i = have; i < w; i++)
        fputc(' ', out);
    if (!left)
        fputs(s, out);
}

static void column_widths(const hx_table *t, size_t *width) {
    for (size_t c = 0; c < t->ncols; c++)
        width[c] = 0;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = display_width(t->cells[r * t->ncols + c]);
            if (w > width[c])
                width[c] = w;
        }
}

size_t hx_table_width(const hx_table *t) {
    size_t width[64], total = 0;
    column_widths(t, width);
    for (size_t c = 0; c < t->ncols; c++)
        total += width[c] + (c + 1 < t->ncols ? 2 : 0);
    return total;
}

void hx_table_print(const hx_table *t, FILE *out) {
    size_t width[64];
    column_widths(t, width);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (!s)
                s = "";
            bool last = c + 1 == t->ncols;
            if (t->align[c] == 'l' && last)
                fputs(s, out); /* no trailing blanks */
            else
                put_padded(out, s, width[c], t->align[c] == 'l');
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
        if (r == 0) {
            for (size_t c = 0; c < t->ncols; c++) {
                for (size_t i = 0; i < width[c]; i++)
                    fputc('-', out);
                if (c + 1 < t->ncols)
                    fputs("  ", out);
            }
            fputc('\n', out);
        }
    }
}

void hx_csv_field(FILE *out, const char *s, int first) {
    if (!first)
        fputc(',', out);
    if (!s)
        return;
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}
