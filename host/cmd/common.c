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
}

void hx_cli_free(hx_cli_opts *c) {
    for (size_t i = 0; i < c->nparams; i++)
        free(c->params[i].name);
    c->nparams = 0;
}

static int parse_count(const char *option, const char *text, uint64_t min, int *out) {
    uint64_t v;
    HX_TRY(hx_parse_uint(option, text, min, 100000, &v));
    *out = (int)v;
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
        return parse_count("--reps", v, 1, &c->reps);
    }
    if (strcmp(name, "warmup") == 0) {
        c->warmup_given = true;
        return parse_count("--warmup", v, 0, &c->warmup);
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
