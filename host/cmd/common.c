/*
 * common.c - the options every workload-running command shares (see common.h).
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/engine/target.h"

void hx_cli_init(hx_cli_opts *c, int reps, int warmup) {
    memset(c, 0, sizeof *c);
    c->reps = reps;
    c->warmup = warmup;
    c->seed = 42;
    c->format = HX_FORMAT_TABLE;
    c->min_time = 0.0;
    c->max_time = 2.0;
    c->target_ci = 0.03;
}

void hx_cli_free(hx_cli_opts *c) {
    for (size_t i = 0; i < c->nparams; i++)
        free(c->params[i].name);
    c->nparams = 0;
}

/* A duration where 0 is allowed (--min-time=0: no minimum), at most an hour. */
static int parse_time(const char *option, const char *text, double *out) {
    if (text && strcmp(text, "0") == 0) {
        *out = 0.0;
        return HX_OK;
    }
    HX_TRY(hx_parse_duration(option, text, out));
    if (*out > 3600.0)
        return hx_fail(HX_ERR_USAGE, "%s '%s' is more than an hour; accepted: 0 to 3600s", option,
                       text);
    return HX_OK;
}

/* "3%" or "3": a percentage from 0.1 to 100, kept as a fraction. */
static int parse_percent(const char *option, const char *text, double *out) {
    char buf[64];
    size_t len = text ? strlen(text) : 0;
    if (len == 0 || len >= sizeof buf)
        return hx_fail(HX_ERR_USAGE, "%s '%s' is not a percentage; accepted: 0.1%% to 100%%",
                       option, text ? text : "");
    memcpy(buf, text, len + 1);
    if (buf[len - 1] == '%')
        buf[len - 1] = '\0';
    double v;
    if (hx_parse_double(option, buf, 0.1, 100.0, &v) != HX_OK)
        return hx_fail(HX_ERR_USAGE, "%s '%s' is not a percentage; accepted: 0.1%% to 100%%",
                       option, text);
    *out = v / 100.0;
    return HX_OK;
}

int hx_cli_apply(hx_cli_opts *c, const hx_arg *a, bool *handled) {
    const char *name = a->opt->name, *v = a->value;
    *handled = true;
    if (strcmp(name, "backend") == 0) {
        c->backend_given = true;
        return hx_backend_parse_list(v, c->want);
    }
    if (strcmp(name, "device") == 0) {
        c->device = v;
        return hx_ocl_check_spec(v);
    }
    if (strcmp(name, "mem") == 0) {
        c->mem = v;
        return hx_target_check_mem(v);
    }
    if (strcmp(name, "size") == 0) { /* 0 passes here: the workload's range decides */
        c->size_given = true;
        return hx_parse_size("--size", v, 0, UINT64_MAX, &c->size);
    }
    if (strcmp(name, "reps") == 0) {
        c->reps_given = true;
        return hx_parse_int("--reps", v, 1, 100000, &c->reps);
    }
    if (strcmp(name, "min-time") == 0) {
        c->timing_given = true;
        return parse_time("--min-time", v, &c->min_time);
    }
    if (strcmp(name, "max-time") == 0) {
        c->timing_given = true;
        HX_TRY(parse_time("--max-time", v, &c->max_time));
        if (c->max_time <= 0.0)
            return hx_fail(HX_ERR_USAGE,
                           "--max-time '%s' leaves no time to measure; accepted: "
                           "1us to 3600s",
                           v);
        return HX_OK;
    }
    if (strcmp(name, "target-ci") == 0) {
        c->timing_given = true;
        return parse_percent("--target-ci", v, &c->target_ci);
    }
    if (strcmp(name, "wide") == 0) {
        c->wide = true;
        return HX_OK;
    }
    if (strcmp(name, "verbose") == 0) {
        c->verbose = true;
        return HX_OK;
    }
    if (strcmp(name, "warmup") == 0) {
        c->warmup_given = true;
        return hx_parse_int("--warmup", v, 0, 100000, &c->warmup);
    }
    if (strcmp(name, "seed") == 0)
        return hx_parse_uint("--seed", v, 0, UINT64_MAX, &c->seed);
    if (strcmp(name, "kernels") == 0)
        return hx_kernels_set_dir(v);
    if (strcmp(name, "kernels-fallback") == 0) {
        hx_kernels_set_fallback(true);
        return HX_OK;
    }
    if (strcmp(name, "format") == 0)
        return hx_parse_format(v, &c->format);
    if (strcmp(name, "output") == 0) {
        c->output = v;
        return hx_output_check(v);
    }
    *handled = false;
    return HX_OK;
}

int hx_cli_keep_param(hx_cli_opts *c, hx_argparse *ap, hx_arg *a) {
    const char *v = hx_args_take_value(ap, a);
    if (!v)
        return HX_ERR_USAGE;
    if (c->nparams == HX_CLI_MAX_PARAMS)
        return hx_fail(HX_ERR_USAGE, "too many workload parameters (at most %d)",
                       HX_CLI_MAX_PARAMS);
    c->params[c->nparams].name = strdup(a->name);
    if (!c->params[c->nparams].name)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    c->params[c->nparams++].value = v;
    return HX_OK;
}

int hx_cli_params(const hx_cli_opts *c, const char *command, const hx_workload *const *ws, size_t n,
                  const hx_workload *w, double *values) {
    for (size_t k = 0; k < w->nparams; k++)
        values[k] = w->params[k].def;
    for (size_t i = 0; i < c->nparams; i++) {
        bool known = false;
        for (size_t j = 0; j < n; j++)
            known |= hx_workload_param(ws[j], c->params[i].name, NULL) != NULL;
        if (!known)
            return hx_fail(HX_ERR_USAGE,
                           "unknown option --%s for 'hetero %s'; see 'hetero %s --help' and, for "
                           "workload parameters, 'hetero list'",
                           c->params[i].name, command, command);
        size_t k;
        const hx_param_def *d = hx_workload_param(w, c->params[i].name, &k);
        if (d)
            HX_TRY(hx_param_parse(d, c->params[i].value, &values[k]));
    }
    return HX_OK;
}

void hx_cli_reps_for(const hx_cli_opts *c, const hx_workload *w, int *reps, int *warmup) {
    *reps = !c->reps_given && w->default_reps ? w->default_reps : c->reps;
    *warmup = !c->warmup_given && w->default_warmup ? w->default_warmup : c->warmup;
}

void hx_cli_measure_opts(const hx_cli_opts *c, const hx_workload *w, hx_measure_opts *o) {
    memset(o, 0, sizeof *o);
    hx_cli_reps_for(c, w, &o->reps, &o->warmup);
    if (c->reps_given)
        return;
    o->adaptive = true;
    o->min_reps = 1; /* at least one run; the times decide the rest (reps: for mpi rows) */
    o->min_time = c->min_time;
    o->max_time = c->max_time;
    o->target_ci = c->target_ci;
}

int hx_cli_check(const hx_cli_opts *c) {
    if (c->reps_given && c->timing_given)
        return hx_fail(HX_ERR_USAGE, "--reps fixes the count of runs; --min-time, --max-time and "
                                     "--target-ci decide it without --reps: use one or the other");
    if (c->min_time > c->max_time)
        return hx_fail(HX_ERR_USAGE, "--min-time (%gs) is longer than --max-time (%gs)",
                       c->min_time, c->max_time);
    return HX_OK;
}

int hx_cli_report_end(hx_output *o, int status) {
    if (status == HX_OK)
        return hx_output_commit(o);
    hx_output_abort(o);
    return status;
}
