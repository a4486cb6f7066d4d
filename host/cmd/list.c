/*
 * list.c - `hetero list`: the workloads, what --size counts for each, their parameters, and which
 * backends each one implements in this build.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/output.h"
#include "hetero/core/provenance.h"
#include "hetero/core/table.h"
#include "hetero/engine/backends.h"
#include "hetero/workloads/workload.h"

/* Lines of each section of the workload's file (the programming models lab's code size). */
static void json_code_lines(hx_json *j, const hx_workload *w) {
    size_t n;
    const hx_code_section *sec = hx_workload_code(w, &n);
    hx_json_key(j, "code_lines");
    hx_json_object_begin(j);
    for (size_t i = 0; i < n; i++)
        hx_json_kv_int(j, sec[i].section, sec[i].lines);
    hx_json_object_end(j);
}

static const hx_opt list_opts[] = {
    {"format", 'f', "FMT", "table (default) or json"},
    {"output", 'o', "FILE", "write the list to FILE instead of stdout"},
    HX_CLI_HELP_AND_END,
};

static void list_json(FILE *out) {
    hx_json j;
    hx_json_init(&j, out, true);
    hx_json_object_begin(&j);
    hx_json_kv_string(&j, "schema", "hetero.list/1");
    hx_json_kv_provenance(&j);
    hx_json_key(&j, "workloads");
    hx_json_array_begin(&j);
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "name", w->name);
        hx_json_kv_string(&j, "summary", w->summary);
        hx_json_kv_string(&j, "lesson", w->lesson);
        hx_json_kv_string(&j, "size_unit", w->size_unit);
        hx_json_kv_int(&j, "default_size", (int64_t)hx_workload_default_size(w));
        hx_json_key(&j, "backends");
        hx_json_array_begin(&j);
        for (int b = 0; b < HX_BACKEND_COUNT; b++)
            if (hx_workload_has(w, (hx_backend)b))
                hx_json_string(&j, hx_backend_name((hx_backend)b));
        hx_json_array_end(&j);
        hx_json_key(&j, "params");
        hx_json_array_begin(&j);
        for (size_t k = 0; k < w->nparams; k++) {
            hx_json_object_begin(&j);
            hx_json_kv_string(&j, "name", w->params[k].name);
            hx_json_kv_number(&j, "default", w->params[k].def);
            hx_json_kv_number(&j, "min", w->params[k].min);
            hx_json_kv_number(&j, "max", w->params[k].max);
            hx_json_kv_string(&j, "help", w->params[k].help);
            hx_json_object_end(&j);
        }
        hx_json_array_end(&j);
        if (hx_workload_variant_count(w) > 0) {
            hx_json_key(&j, "variants");
            hx_json_array_begin(&j);
            for (unsigned v = 0; v < hx_workload_variant_count(w); v++)
                hx_json_string(&j, w->variants[v]);
            hx_json_array_end(&j);
            hx_json_kv_string(&j, "default_variant", w->variants[w->default_variant]);
        }
        json_code_lines(&j, w);
        hx_json_object_end(&j);
    }
    hx_json_array_end(&j);
    hx_json_object_end(&j);
    hx_json_end(&j);
}

static void list_table(FILE *out) {
    const char *headers[3 + HX_BACKEND_COUNT];
    char align[4 + HX_BACKEND_COUNT];
    size_t ncols = 0;
    headers[ncols] = "workload";
    align[ncols++] = 'l';
    headers[ncols] = "--size counts";
    align[ncols++] = 'l';
    headers[ncols] = "default";
    align[ncols++] = 'r';
    for (int b = 0; b < HX_BACKEND_COUNT; b++)
        if (hx_backend_built((hx_backend)b)) {
            headers[ncols] = hx_backend_name((hx_backend)b);
            align[ncols++] = 'l';
        }
    align[ncols] = '\0';
    hx_table *t = hx_table_new(ncols, headers, align);
    if (!t)
        return;
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        hx_table_row(t);
        hx_table_cell(t, "%s", w->name);
        hx_table_cell(t, "%s", w->size_unit);
        hx_table_cell(t, "%llu", (unsigned long long)hx_workload_default_size(w));
        for (int b = 0; b < HX_BACKEND_COUNT; b++)
            if (hx_backend_built((hx_backend)b))
                hx_table_cell(t, "%s", hx_workload_has(w, (hx_backend)b) ? "yes" : "-");
    }
    hx_table_print(t, out);
    hx_table_free(t);
    fputc('\n', out);
    for (size_t i = 0; i < hx_workload_count(); i++) {
        const hx_workload *w = hx_workload_at(i);
        fprintf(out, "%-11s %s\n            lesson: %s\n", w->name, w->summary, w->lesson);
        for (size_t k = 0; k < w->nparams; k++)
            fprintf(out, "            --%s=%g  %s (%g to %g)\n", w->params[k].name,
                    w->params[k].def, w->params[k].help, w->params[k].min, w->params[k].max);
        if (hx_workload_variant_count(w) > 0) {
            fputs("            --variant=", out);
            for (unsigned v = 0; v < hx_workload_variant_count(w); v++)
                fprintf(out, "%s%s", v ? "," : "", w->variants[v]);
            fprintf(out, "|all  simd/omp-simd variants (default %s)\n",
                    w->variants[w->default_variant]);
        }
    }
    fputs("\nbackends:\n", out);
    int flynn = 0; /* the widest Flynn class, so the descriptions line up */
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        int len = (int)strlen(hx_backend_get((hx_backend)b)->flynn);
        flynn = len > flynn ? len : flynn;
    }
    for (int b = 0; b < HX_BACKEND_COUNT; b++) {
        const hx_backend_info *info = hx_backend_get((hx_backend)b);
        fprintf(out, "  %-9s %-*s %s%s\n", info->name, flynn, info->flynn, info->what,
                hx_backend_built((hx_backend)b) ? "" : " [not in this build]");
    }
}

static int apply_option(const hx_arg *a, hx_format *fmt, const char **output) {
    if (strcmp(a->opt->name, "output") == 0) {
        *output = a->value;
        return hx_output_check(a->value);
    }
    HX_TRY(hx_parse_format(a->value, fmt));
    if (*fmt == HX_FORMAT_CSV)
        return hx_fail(HX_ERR_USAGE, "unknown --format 'csv' for list; accepted: table, json");
    return HX_OK;
}

static int write_list(hx_format fmt, const char *output) {
    hx_output out;
    HX_TRY(hx_output_open(&out, output));
    if (fmt == HX_FORMAT_JSON)
        list_json(out.fp);
    else
        list_table(out.fp);
    return hx_output_commit(&out);
}

int hx_cmd_list(int argc, char **argv) {
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, list_opts, "list");
    hx_format fmt = HX_FORMAT_TABLE;
    const char *output = NULL;
    for (;;) {
        hx_arg a;
        int status = hx_args_next(&ap, &a);
        if (status != HX_OK)
            return hx_report_error(status);
        if (a.kind == HX_ARG_END)
            break;
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_report_error(hx_args_unknown(&ap, &a));
        if (a.kind == HX_ARG_POSITIONAL)
            return hx_report_error(
                hx_fail(HX_ERR_USAGE, "'hetero list' takes no argument (got '%s')", a.value));
        if (strcmp(a.opt->name, "help") == 0) {
            hx_args_help(stdout, "hetero list [--format=table|json] [--output=FILE]",
                         "List the workloads, what --size means for each, their parameters and "
                         "the backends\neach implements in this build.",
                         list_opts);
            return HX_OK;
        }
        status = apply_option(&a, &fmt, &output);
        if (status != HX_OK)
            return hx_report_error(status);
    }
    return hx_report_error(write_list(fmt, output));
}
