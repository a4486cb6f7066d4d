/*
 * table.h - aligned text tables and CSV fields.
 *
 * Commands collect rows of already-formatted cells and print them once, so every column is as
 * wide as its widest cell.  Column alignment is given as a string, one letter per column:
 * 'l' left, 'r' right.
 */
#ifndef HETERO_TABLE_H
#define HETERO_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "hetero/core/error.h"

typedef struct hx_table hx_table;

/* headers: ncols strings; align: ncols letters. Returns NULL on allocation failure. */
hx_table *hx_table_new(size_t ncols, const char *const *headers, const char *align);
void hx_table_free(hx_table *t);

/* Start a new row; then add exactly ncols cells with hx_table_cell(). */
int hx_table_row(hx_table *t);
int hx_table_cell(hx_table *t, const char *fmt, ...) HX_PRINTF(2, 3);

void hx_table_print(const hx_table *t, FILE *out);

/* The width in columns of the widest line hx_table_print would print. */
size_t hx_table_width(const hx_table *t);

/* Write one CSV field (quoted when it holds a comma, quote or newline), preceded by a comma
 * unless it is the first field of the line. */
void hx_csv_field(FILE *out, const char *s, int first);

#endif
