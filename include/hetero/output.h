/*
 * output.h - where a command's report goes: stdout, or --output=FILE written atomically.
 *
 * A report to a file is written to FILE.tmp and renamed over FILE only when the command
 * succeeded, so a failed run never leaves a half-written report behind.
 */
#ifndef HETERO_OUTPUT_H
#define HETERO_OUTPUT_H

#include <stdio.h>

typedef struct hx_output {
    FILE *fp;
    char *path;     /* final path, NULL for stdout */
    char *tmp_path; /* path being written */
} hx_output;

/* Open path for writing (NULL or "-" means stdout). */
int hx_output_open(hx_output *o, const char *path);
/* Flush and publish the file (rename tmp -> path). */
int hx_output_commit(hx_output *o);
/* Drop a partly written file. Safe to call after commit (does nothing then). */
void hx_output_abort(hx_output *o);

/* The report formats shared by every command. */
typedef enum { HX_FORMAT_TABLE, HX_FORMAT_CSV, HX_FORMAT_JSON } hx_format;
int hx_parse_format(const char *text, hx_format *out);

#endif
