/*
 * args.c - the shared command-line iterator (see args.h).
 */
#include "hetero/core/args.h"

#include <string.h>

#include "hetero/core/error.h"

void hx_args_init(hx_argparse *ap, int argc, char **argv, const hx_opt *opts, const char *command) {
    memset(ap, 0, sizeof *ap);
    ap->argc = argc;
    ap->argv = argv;
    ap->next = 1;
    ap->opts = opts;
    ap->command = command;
}

static const hx_opt *find_long(const hx_opt *opts, const char *name, size_t len) {
    for (const hx_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const hx_opt *find_short(const hx_opt *opts, char c) {
    for (const hx_opt *o = opts; o && o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

/* Value for an option that takes one: attached ("=v"/"-xv") or the next argv element. */
static int take_value(hx_argparse *ap, const char *attached, const char *shown, const char **out) {
    if (attached) {
        *out = attached;
        return HX_OK;
    }
    if (ap->next >= ap->argc)
        return hx_fail(HX_ERR_USAGE, "option %s needs a value; see 'hetero %s --help'", shown,
                       ap->command);
    *out = ap->argv[ap->next++];
    return HX_OK;
}

static int long_option(hx_argparse *ap, const char *arg, hx_arg *out) {
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const char *attached = eq ? eq + 1 : NULL;
    const hx_opt *o = find_long(ap->opts, name, len);
    if (!o) {
        size_t n = len < sizeof ap->name_buf - 1 ? len : sizeof ap->name_buf - 1;
        memcpy(ap->name_buf, name, n);
        ap->name_buf[n] = '\0';
        out->kind = HX_ARG_UNKNOWN;
        out->name = ap->name_buf;
        out->value = attached;
        return HX_OK;
    }
    out->kind = HX_ARG_OPTION;
    out->opt = o;
    out->name = o->name;
    if (!o->arg_name) {
        if (attached)
            return hx_fail(HX_ERR_USAGE, "option --%s takes no value (got '%s')", o->name,
                           attached);
        out->value = NULL;
        return HX_OK;
    }
    char shown[80];
    snprintf(shown, sizeof shown, "--%s", o->name);
    return take_value(ap, attached, shown, &out->value);
}

static int short_option(hx_argparse *ap, const char *arg, hx_arg *out) {
    const hx_opt *o = find_short(ap->opts, arg[1]);
    if (!o)
        return hx_fail(HX_ERR_USAGE, "unknown option '%s' for 'hetero %s'; see 'hetero %s --help'",
                       arg, ap->command, ap->command);
    out->kind = HX_ARG_OPTION;
    out->opt = o;
    out->name = o->name;
    if (!o->arg_name) {
        if (arg[2])
            return hx_fail(HX_ERR_USAGE, "option -%c takes no value (got '%s')", arg[1], arg);
        out->value = NULL;
        return HX_OK;
    }
    char shown[8] = {'-', arg[1], 0};
    return take_value(ap, arg[2] ? arg + 2 : NULL, shown, &out->value);
}

int hx_args_next(hx_argparse *ap, hx_arg *out) {
    memset(out, 0, sizeof *out);
    if (ap->next >= ap->argc) {
        out->kind = HX_ARG_END;
        return HX_OK;
    }
    const char *arg = ap->argv[ap->next++];
    if (!ap->options_done && strcmp(arg, "--") == 0) {
        ap->options_done = true;
        return hx_args_next(ap, out);
    }
    if (ap->options_done || arg[0] != '-' || arg[1] == '\0') {
        out->kind = HX_ARG_POSITIONAL;
        out->value = arg;
        return HX_OK;
    }
    if (arg[1] == '-')
        return long_option(ap, arg, out);
    return short_option(ap, arg, out);
}

const char *hx_args_take_value(hx_argparse *ap, hx_arg *arg) {
    if (arg->value)
        return arg->value;
    char shown[80];
    snprintf(shown, sizeof shown, "--%s", arg->name);
    const char *v = NULL;
    if (take_value(ap, NULL, shown, &v) != HX_OK)
        return NULL;
    arg->value = v;
    return v;
}

int hx_args_unknown(const hx_argparse *ap, const hx_arg *arg) {
    return hx_fail(HX_ERR_USAGE, "unknown option --%s for 'hetero %s'; see 'hetero %s --help'",
                   arg->name, ap->command, ap->command);
}

void hx_args_help(FILE *out, const char *usage, const char *description, const hx_opt *opts) {
    fprintf(out, "Usage: %s\n", usage);
    if (description)
        fprintf(out, "\n%s\n", description);
    if (!opts || !opts->name)
        return;
    fputs("\nOptions:\n", out);
    for (const hx_opt *o = opts; o->name; o++) {
        char left[96];
        char flag[4] = "   ";
        if (o->short_name) {
            flag[0] = '-';
            flag[1] = o->short_name;
            flag[2] = ',';
        }
        snprintf(left, sizeof left, "  %s --%s%s%s", flag, o->name, o->arg_name ? "=" : "",
                 o->arg_name ? o->arg_name : "");
        fprintf(out, "%-30s %s\n", left, o->help);
    }
}

int hx_args_parse_options(hx_argparse *ap, hx_args_apply_fn apply, void *ctx, bool *help) {
    return hx_args_parse(ap, apply, NULL, ctx, help);
}

int hx_args_parse(hx_argparse *ap, hx_args_apply_fn apply, hx_args_positional_fn positional,
                  void *ctx, bool *help) {
    return hx_args_parse_with(ap, apply, positional, NULL, ctx, help);
}

int hx_args_parse_with(hx_argparse *ap, hx_args_apply_fn apply, hx_args_positional_fn positional,
                       hx_args_unknown_fn unknown, void *ctx, bool *help) {
    *help = false;
    for (;;) {
        hx_arg a;
        HX_TRY(hx_args_next(ap, &a));
        if (a.kind == HX_ARG_END)
            return HX_OK;
        if (a.kind == HX_ARG_POSITIONAL && positional) {
            HX_TRY(positional(ctx, a.value));
            continue;
        }
        if (a.kind == HX_ARG_POSITIONAL)
            return hx_fail(HX_ERR_USAGE, "'hetero %s' takes no arguments; got '%s'", ap->command,
                           a.value);
        if (a.kind == HX_ARG_UNKNOWN && unknown) {
            HX_TRY(unknown(ctx, ap, &a));
            continue;
        }
        if (a.kind == HX_ARG_UNKNOWN)
            return hx_args_unknown(ap, &a);
        if (strcmp(a.opt->name, "help") == 0) {
            *help = true;
            return HX_OK;
        }
        HX_TRY(apply(ctx, &a));
    }
}
