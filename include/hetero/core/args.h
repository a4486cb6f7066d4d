/*
 * args.h - the command-line parser every subcommand shares.
 *
 * GNU-style long options: "--name=value", "--name value", short "-x value", "--" ends options,
 * positionals may come anywhere.  The parser is an iterator: each call yields one option,
 * positional or unknown option, so a subcommand can look an unknown "--name" up in a second
 * table (a workload's own parameters) before calling it an error.
 */
#ifndef HETERO_ARGS_H
#define HETERO_ARGS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct hx_opt {
    const char *name;     /* long name without "--" */
    char short_name;      /* 0 for none */
    const char *arg_name; /* NULL for a flag, else the value's name for --help ("N", "LIST") */
    const char *help;     /* one line */
} hx_opt;

typedef enum {
    HX_ARG_END = 0,
    HX_ARG_OPTION,     /* opt and value (value NULL for a flag) */
    HX_ARG_POSITIONAL, /* value */
    HX_ARG_UNKNOWN,    /* name (without dashes) and value (NULL if none was attached with '=') */
} hx_arg_kind;

typedef struct hx_arg {
    hx_arg_kind kind;
    const hx_opt *opt;
    const char *name;
    const char *value;
} hx_arg;

typedef struct hx_argparse {
    int argc;
    char **argv;
    int next;            /* index of the next argv element */
    const hx_opt *opts;  /* terminated by an entry with name == NULL */
    const char *command; /* for messages: "run" */
    bool options_done;   /* after "--" */
    char name_buf[64];
} hx_argparse;

/* argv[0] is the subcommand name and is skipped. */
void hx_args_init(hx_argparse *ap, int argc, char **argv, const hx_opt *opts, const char *command);

/* Next argument into *out; HX_OK or HX_ERR_USAGE (missing or unexpected value, bad short
 * option).  An unknown long option is not an error here: it comes back as HX_ARG_UNKNOWN. */
int hx_args_next(hx_argparse *ap, hx_arg *out);

/* For an HX_ARG_UNKNOWN option that the caller accepts and that takes a value: the value,
 * consuming the next argv element when it was not attached with '='.  NULL when missing (and
 * an error has been recorded). */
const char *hx_args_take_value(hx_argparse *ap, hx_arg *arg);

/* Fail with "unknown option --NAME for 'hetero CMD'; see 'hetero CMD --help'". */
int hx_args_unknown(const hx_argparse *ap, const hx_arg *arg);

/* For a command that takes options only: run the iterator to the end, handing each option to
 * apply(ctx, arg).  A positional argument or an unknown option is HX_ERR_USAGE naming it and the
 * command; --help (an option named "help" in the table) sets *help and stops. */
typedef int (*hx_args_apply_fn)(void *ctx, const hx_arg *arg);
int hx_args_parse_options(hx_argparse *ap, hx_args_apply_fn apply, void *ctx, bool *help);

/* The same for a command that also takes arguments: each positional one is handed to
 * positional(ctx, value), which refuses one too many with its own message. */
typedef int (*hx_args_positional_fn)(void *ctx, const char *value);
int hx_args_parse(hx_argparse *ap, hx_args_apply_fn apply, hx_args_positional_fn positional,
                  void *ctx, bool *help);

/* The same again, where an option the table lacks may be a parameter (a workload's, a task
 * source's): unknown(ctx, ap, arg) takes its value (hx_args_take_value) or refuses it
 * (hx_args_unknown). */
typedef int (*hx_args_unknown_fn)(void *ctx, hx_argparse *ap, hx_arg *arg);
int hx_args_parse_with(hx_argparse *ap, hx_args_apply_fn apply, hx_args_positional_fn positional,
                       hx_args_unknown_fn unknown, void *ctx, bool *help);

/* Print "Usage: ..." then the options, aligned. */
void hx_args_help(FILE *out, const char *usage, const char *description, const hx_opt *opts);

#endif
