/*
 * plot.h - figures through gnuplot.
 *
 * A command writes a complete gnuplot script (data inline as datablocks, so no temporary data
 * files) and hands it here with the output path; the terminal (svg or pngcairo) follows from the
 * file's extension.  gnuplot is an optional runtime dependency: without it a plot request fails
 * with HX_ERR_MISSING and says which package to install.  HETERO_GNUPLOT names another program
 * (tests point it at a missing path to check that message).
 */
#ifndef HETERO_PLOT_H
#define HETERO_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { HX_PLOT_SVG, HX_PLOT_PNG } hx_plot_kind;

/* Kind from the extension of path (.svg or .png, any case); HX_ERR_USAGE otherwise. */
int hx_plot_kind_of(const char *option, const char *path, hx_plot_kind *kind);

/* "set terminal ..." and "set output ..." lines for path, into buf. */
const char *hx_plot_terminal(hx_plot_kind kind, const char *path, int width, int height, char *buf,
                             size_t len);

/* Whether the gnuplot program can be run; *program receives its name or path. */
bool hx_gnuplot_found(const char **program);

/* HX_OK when gnuplot can be run; otherwise HX_ERR_MISSING with the message every --plot option
 * gives (what was looked for, the package to install, or leave out --plot). */
int hx_plot_require(void);

/* Check a --plot option before any measuring: the extension (HX_ERR_USAGE), then
 * hx_plot_require. */
int hx_plot_check(const char *option, const char *path);

/* A gnuplot script being written for path: an in-memory stream that already holds the terminal
 * and output lines (width x height pixels), or HX_ERR_USAGE for a path that is neither .svg nor
 * .png.  hx_plot_script_run closes it, runs gnuplot on it and frees it. */
typedef struct hx_plot_script {
    FILE *f;
    char *text;
    size_t len;
    const char *path;
} hx_plot_script;
int hx_plot_script_open(hx_plot_script *s, const char *path, int width, int height);
int hx_plot_script_run(hx_plot_script *s);

/* Run gnuplot on script (its text); HX_ERR_MISSING without gnuplot, HX_ERR_RUNTIME when gnuplot
 * fails or leaves no output file at path. */
int hx_plot_run(const char *script, const char *path);

#endif
