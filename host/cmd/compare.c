/*
 * compare.c - `hetero compare BASE.json NEW.json`: every row against its baseline.
 *
 * Options -> hx_compare_docs (host/report/compare.c) -> one report; the exit status is 1 when a
 * row is slower beyond --fail-above, so a CI job can run a benchmark, compare it with the last
 * one and fail on a regression.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/core/parse.h"
#include "hetero/report/compare.h"

static const hx_opt compare_opts[] = {
    {"threshold", 0, "PCT", "a ratio within PCT of 1 is \"same\" (default 5%)"},
    {"fail-above", 0, "PCT",
     "exit 1 when a row is slower by more than PCT (default 10%; none: "
     "never)"},
    {"format", 'f', "FMT", "table (default), markdown, csv, json"},
    {"output", 'o', "FILE", "write the comparison to FILE instead of stdout"},
    HX_CLI_HELP_AND_END,
};

static void compare_help(FILE *out) {
    hx_args_help(
        out, "hetero compare BASE.json NEW.json [OPTIONS]",
        "Compare two `hetero run --format=json` reports (or two `hetero scale` reports of the\n"
        "same kind) row by row: rows are matched by workload, backend, device, memory mode,\n"
        "size and threads; each gets ratio = new median / base median and a verdict:\n"
        "  same     the two 95% intervals of the median overlap, or the ratio is within\n"
        "           --threshold (rows with fewer than 6 runs use their min..max instead)\n"
        "  slower   beyond both; a regression when also beyond --fail-above\n"
        "  faster   the same the other way\n"
        "Rows measured on a noisy machine are marked ~.\n\n"
        "Examples:\n"
        "  hetero run --format=json -o base.json vecadd triad\n"
        "  hetero run --format=json -o new.json vecadd triad\n"
        "  hetero compare base.json new.json --format=markdown\n\n"
        "Exit status: 0 no regression, 1 a row slower beyond --fail-above (or a runtime\n"
        "failure), 2 usage error or a file that is not a comparable hetero report.",
        compare_opts);
}

typedef struct compare_config {
    const char *paths[2];
    size_t npaths;
    hx_cmp_opts opts;
    hx_cmp_format format;
    const char *output;
} compare_config;

/* "5%", "5" or "none" (for --fail-above) as a fraction. */
static int parse_pct(const char *option, const char *text, bool none_ok, double *out) {
    if (none_ok && text && strcmp(text, "none") == 0) {
        *out = -1.0;
        return HX_OK;
    }
    char buf[32];
    size_t len = text ? strlen(text) : 0;
    if (len > 0 && len < sizeof buf) {
        memcpy(buf, text, len + 1);
        if (buf[len - 1] == '%')
            buf[len - 1] = '\0';
        double v;
        if (hx_parse_double(option, buf, 0.0, 10000.0, &v) == HX_OK) {
            *out = v / 100.0;
            return HX_OK;
        }
    }
    return hx_fail(HX_ERR_USAGE, "%s '%s' is not a percentage; accepted: 0%% to 10000%%%s", option,
                   text ? text : "", none_ok ? " or none" : "");
}

static int compare_positional(void *ctx, const char *value) {
    compare_config *c = ctx;
    if (c->npaths == 2)
        return hx_fail(HX_ERR_USAGE,
                       "'hetero compare' takes two reports, BASE.json and NEW.json; got a third, "
                       "'%s'",
                       value);
    c->paths[c->npaths++] = value;
    return HX_OK;
}

static int compare_option(void *ctx, const hx_arg *a) {
    compare_config *c = ctx;
    const char *name = a->opt->name;
    if (strcmp(name, "threshold") == 0)
        return parse_pct("--threshold", a->value, false, &c->opts.threshold);
    if (strcmp(name, "fail-above") == 0)
        return parse_pct("--fail-above", a->value, true, &c->opts.fail_above);
    if (strcmp(name, "format") == 0)
        return hx_cmp_parse_format(a->value, &c->format);
    c->output = a->value; /* --output */
    return hx_output_check(a->value);
}

static int parse_args(compare_config *c, int argc, char **argv, bool *help) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, compare_opts, "compare");
    memset(c, 0, sizeof *c);
    c->opts.threshold = 0.05;
    c->opts.fail_above = 0.10;
    HX_TRY(hx_args_parse(&ap, compare_option, compare_positional, c, help));
    if (!*help && c->npaths != 2)
        return hx_fail(HX_ERR_USAGE, "'hetero compare' needs two reports: hetero compare BASE.json "
                                     "NEW.json (see 'hetero compare --help')");
    return HX_OK;
}

static int run_compare(const compare_config *c) {
    static const char *const kinds[] = {"hetero.run/1", "hetero.scale/2", "hetero.scale/1", NULL};
    hx_doc base, now;
    HX_TRY(hx_doc_load(&base, c->paths[0], kinds));
    int status = hx_doc_load(&now, c->paths[1], kinds);
    if (status != HX_OK) {
        hx_doc_free(&base);
        return status;
    }
    hx_compare cmp;
    status = hx_compare_docs(&base, &now, &c->opts, &cmp);
    hx_doc_free(&base);
    hx_doc_free(&now);
    if (status != HX_OK)
        return status;
    hx_output out;
    status = hx_output_open(&out, c->output);
    if (status == HX_OK) {
        status = hx_compare_write(out.fp, c->format, &cmp);
        if (status == HX_OK)
            status = hx_output_commit(&out);
        else
            hx_output_abort(&out);
    }
    if (status == HX_OK && cmp.regressions > 0)
        status = hx_fail(HX_ERR_RUNTIME, "%zu row%s slower than the base by more than %.0f%%",
                         cmp.regressions, cmp.regressions == 1 ? " is" : "s are",
                         100.0 * c->opts.fail_above);
    hx_compare_free(&cmp);
    return status;
}

int hx_cmd_compare(int argc, char **argv) {
    HX_CLI_MAIN(compare_config, parse_args, compare_help, run_compare, argc, argv);
}
