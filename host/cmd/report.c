/*
 * report.c - `hetero report DOC.json... -o report.html`: one self-contained HTML page.
 *
 * Options -> load every document (any hetero schema) -> hx_html_report (host/report/html.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/report/html.h"

#define MAX_DOCS 64

static const hx_opt report_opts[] = {
    {"output", 'o', "FILE", "write the page to FILE (default: stdout)"},
    HX_CLI_HELP_AND_END,
};

static void report_help(FILE *out) {
    hx_args_help(
        out, "hetero report DOC.json... [-o report.html]",
        "Write one self-contained HTML page from hetero's JSON reports: the machine\n"
        "(from the first report's provenance), each report's table, speedup bars and a\n"
        "roofline for `hetero run` (with the ceilings of a `hetero devices --bench`\n"
        "report given too), the scaling or size-sweep plot of `hetero scale`, the devices\n"
        "of `hetero devices` and the verdicts of `hetero compare`.  Plots are inline SVG;\n"
        "the page fetches nothing from the network (its Content-Security-Policy forbids\n"
        "it), so it can be mailed or archived as one file.\n\n"
        "Example:\n"
        "  hetero devices --bench --format=json -o devices.json\n"
        "  hetero run --format=json -o run.json vecadd sgemm\n"
        "  hetero scale amdahl --format=json -o scale.json\n"
        "  hetero report devices.json run.json scale.json -o report.html\n\n"
        "Exit status: 0 ok, 1 runtime failure, 2 usage error or a file that is not a\n"
        "hetero report.",
        report_opts);
}

static int run_report(const char *const *paths, size_t n, const char *output) {
    hx_doc *docs = calloc(n, sizeof *docs);
    if (!docs)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    size_t loaded = 0;
    for (; status == HX_OK && loaded < n; loaded++)
        status = hx_doc_load(&docs[loaded], paths[loaded], NULL);
    if (status != HX_OK)
        loaded--; /* the failed one is not loaded */
    hx_output out;
    if (status == HX_OK)
        status = hx_output_open(&out, output);
    if (status == HX_OK) {
        status = hx_html_report(out.fp, docs, n);
        if (status == HX_OK)
            status = hx_output_commit(&out);
        else
            hx_output_abort(&out);
    }
    for (size_t i = 0; i < loaded; i++)
        hx_doc_free(&docs[i]);
    free(docs);
    return status;
}

/* The command line: the reports to read and where the page goes. */
typedef struct report_args {
    const char *paths[MAX_DOCS];
    size_t n;
    const char *output;
} report_args;

static int report_positional(void *ctx, const char *value) {
    report_args *r = ctx;
    if (r->n == MAX_DOCS)
        return hx_fail(HX_ERR_USAGE, "too many reports (at most %d)", MAX_DOCS);
    r->paths[r->n++] = value;
    return HX_OK;
}

static int report_option(void *ctx, const hx_arg *a) {
    report_args *r = ctx;
    r->output = a->value; /* --output */
    return hx_output_check(a->value);
}

int hx_cmd_report(int argc, char **argv) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, report_opts, "report");
    report_args r = {.n = 0};
    bool help = false;
    int status = hx_args_parse(&ap, report_option, report_positional, &r, &help);
    if (status == HX_OK && help) {
        report_help(stdout);
        return HX_OK;
    }
    if (status == HX_OK && r.n == 0)
        status = hx_fail(HX_ERR_USAGE, "'hetero report' needs at least one JSON report, e.g. "
                                       "'hetero report run.json -o report.html'");
    if (status == HX_OK)
        status = run_report(r.paths, r.n, r.output);
    return hx_report_error(status);
}
