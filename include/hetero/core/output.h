/*
 * output.h - where a command's report goes: stdout, or --output=FILE.
 *
 * A report to a regular file (or a new one) is written to a unique temporary file in the
 * target's own directory (mkstemp) and renamed over the target only when the command succeeded,
 * so a failed run never leaves a half-written report behind and two runs writing the same path
 * never share a temporary.  A symlink is followed: the file it points to is replaced and the link
 * stays a link.  A target that is not a regular file (a FIFO, a character device such as
 * /dev/null, a terminal) is written in place, as a stream: renaming over it would turn it into a
 * regular file.  Directories and sockets are refused.
 *
 * hx_output_check() says, before the run, whether a path can be written (every path problem is
 * a usage error, exit 2); hx_output_open() opens it after the run.  Every write error, on a file
 * or on stdout, is found at commit (fflush, ferror, fclose) and is a runtime error (exit 1).
 */
#ifndef HETERO_OUTPUT_H
#define HETERO_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "hetero/core/plot.h"

typedef struct hx_output {
    FILE *fp;
    char *path;     /* the file finally written (the symlink's target), NULL for stdout */
    char *tmp_path; /* the temporary being written, NULL when streaming or on stdout */
} hx_output;

/* Whether path can take a report: HX_OK, or HX_ERR_USAGE naming the path and the reason.  NULL
 * and "-" mean stdout. */
int hx_output_check(const char *path);
/* Open path for writing (NULL or "-" means stdout); path problems are HX_ERR_USAGE. */
int hx_output_open(hx_output *o, const char *path);
/* Flush and publish the report (rename the temporary over the target); a write error is
 * HX_ERR_RUNTIME and leaves the target as it was. */
int hx_output_commit(hx_output *o);
/* Drop a partly written file. Safe to call after commit (does nothing then). */
void hx_output_abort(hx_output *o);

/* Flush and close stdout at exit: HX_OK, or HX_ERR_RUNTIME when anything written to it was
 * lost (a full disk, a closed pipe), with the reason recorded. */
int hx_stdout_close(void);

/* The report formats shared by every command. */
typedef enum { HX_FORMAT_TABLE, HX_FORMAT_CSV, HX_FORMAT_JSON } hx_format;
int hx_parse_format(const char *text, hx_format *out);

/* --format, --output and --plot: the report options a command shares with the others. */
typedef struct hx_report_opts {
    hx_format format;
    const char *output; /* NULL: stdout */
    const char *plot;   /* NULL: no figure */
    hx_plot_kind plot_kind;
} hx_report_opts;

/* If name is "format", "output" or "plot", check and keep value (*handled = true). */
int hx_report_opts_apply(hx_report_opts *o, const char *name, const char *value, bool *handled);

#endif
