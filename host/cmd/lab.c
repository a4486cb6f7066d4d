/*
 * lab.c - `hetero lab list | run NAME | check NAME`: the course labs (lab.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "hetero/core/args.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/self.h"
#include "hetero/core/timer.h"
#include "hetero/lab/lab.h"

typedef struct lab_config {
    const char *verb; /* list, run, check */
    const hx_lab *lab;
    const char *dir;
    bool full;
} lab_config;

static const hx_opt lab_opts[] = {
    {"dir", 0, "DIR", "where the lab's reports and plots go (default ./hetero-lab-NAME)"},
    {"full", 0, NULL, "the handout's sizes (default: small ones, a minute or two)"},
    HX_CLI_HELP_AND_END,
};

static void lab_help(FILE *out) {
    hx_args_help(out, "hetero lab list | run NAME | check NAME [--dir=DIR] [--full]",
                 "The course labs, one per chapter (docs/labs/README.md).  list: every lab, what\n"
                 "it needs (none, gpu, mpi, numa2) and whether this machine has it.  run: the\n"
                 "lab's commands, their JSON reports and logs written into DIR.  check: run them,\n"
                 "then say for each shape the handout predicts whether this machine showed it,\n"
                 "did not (and why it may not have), or cannot show it here (needs gpu, mpi,\n"
                 "numa2).  Verdicts are information, not failures.\n\n"
                 "Exit status: 0 the lab ran (or could not for want of hardware: 'cannot show\n"
                 "here'), 1 a command the lab needs failed, 2 usage error.",
                 lab_opts);
}

/* The words of the command line: the verb and the lab's name. */
typedef struct lab_words {
    lab_config *c;
    const char *w[2];
    size_t n;
} lab_words;

static int lab_positional(void *ctx, const char *value) {
    lab_words *words = ctx;
    if (words->n == 2)
        return hx_fail(HX_ERR_USAGE, "unexpected argument '%s'", value);
    words->w[words->n++] = value;
    return HX_OK;
}

static int lab_option(void *ctx, const hx_arg *a) {
    lab_config *c = ((lab_words *)ctx)->c;
    if (strcmp(a->opt->name, "dir") == 0)
        c->dir = a->value;
    else
        c->full = true; /* --full */
    return HX_OK;
}

static int parse_args(lab_config *c, int argc, char **argv, bool *help) {
    memset(c, 0, sizeof *c);
    hx_argparse ap;
    hx_args_init(&ap, argc, argv, lab_opts, "lab");
    lab_words parsed = {.c = c};
    HX_TRY(hx_args_parse(&ap, lab_option, lab_positional, &parsed, help));
    if (*help)
        return HX_OK;
    const char *const *words = parsed.w;
    const size_t nwords = parsed.n;
    static const char *const verbs[] = {"list", "run", "check", NULL};
    int v;
    if (nwords == 0)
        return hx_fail(HX_ERR_USAGE, "'hetero lab' needs list, run NAME or check NAME");
    HX_TRY(hx_parse_choice("lab command", words[0], verbs, &v));
    c->verb = verbs[v];
    if (v == 0 && nwords > 1)
        return hx_fail(HX_ERR_USAGE, "'hetero lab list' takes no argument; got '%s'", words[1]);
    if (v > 0 && nwords < 2)
        return hx_fail(HX_ERR_USAGE, "'hetero lab %s' needs a lab name (see 'hetero lab list')",
                       words[0]);
    if (v > 0)
        HX_TRY(hx_lab_find_by_name(words[1], &c->lab));
    return HX_OK;
}

static void list_labs(const hx_lab_machine *m) {
    printf("%-20s %-6s %s\n", "NAME", "NEEDS", "AVAILABLE");
    for (size_t i = 0; i < hx_lab_count(); i++) {
        const hx_lab *lab = hx_lab_at(i);
        printf("%-20s %-6s %s\n", lab->name, lab->needs, hx_lab_available(lab, m) ? "yes" : "no");
    }
}

static void print_machine(const hx_lab_machine *m) {
    printf("machine: %d core%s, %d NUMA node%s, %s, %s\n", m->cores, m->cores == 1 ? "" : "s",
           m->numa_nodes, m->numa_nodes == 1 ? "" : "s", m->gpu ? "a GPU" : "no GPU",
           m->mpi ? "MPI" : "no MPI");
}

static void print_findings(const hx_lab_findings *f) {
    static const char *const label[] = {"shown", "not shown", "cannot show"};
    for (size_t i = 0; i < f->n; i++)
        printf("  %-11s  %s: %s\n", label[f->f[i].verdict], f->f[i].shape, f->f[i].detail);
}

/* The binary now running: its steps are run with the same one, not one found on PATH. */
static int self_exe(char *buf, size_t len) {
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot find the hetero binary (/proc/self/exe)");
    buf[n] = '\0';
    return HX_OK;
}

static int run_lab(const lab_config *c, const hx_lab_machine *m) {
    char exe[4096], dir[4096], where[4400];
    HX_TRY(self_exe(exe, sizeof exe));
    if (hx_self_note(where, sizeof where)) /* the handouts say `hetero`: the installed one */
        hx_notice("%s", where);
    snprintf(dir, sizeof dir, "%s", c->dir ? c->dir : "");
    if (!c->dir)
        snprintf(dir, sizeof dir, "hetero-lab-%s", c->lab->name);
    printf("lab %s (%s); handout %s\n", c->lab->name, c->lab->chapter, c->lab->handout);
    fflush(stdout);
    hx_lab_reports r;
    double t0 = hx_now();
    int status = hx_lab_run(c->lab, exe, dir, c->full, m, &r);
    if (status == HX_OK) {
        printf("ran %zu commands with %s in %.1f s; reports and logs in %s/\n", c->lab->nsteps, exe,
               hx_now() - t0, dir);
        for (size_t i = 0; i < c->lab->nsteps; i++)
            if (r.why[i][0])
                printf("  %s did not run: %s\n", c->lab->steps[i].name, r.why[i]);
    }
    if (status == HX_OK && strcmp(c->verb, "check") == 0) {
        print_machine(m);
        if (!hx_lab_available(c->lab, m))
            printf("cannot show here: needs %s (the shapes that can show are checked below)\n",
                   c->lab->needs);
        hx_lab_findings f = {0};
        hx_lab_check(c->lab, &r, m, &f);
        print_findings(&f);
    }
    hx_lab_reports_free(&r);
    return status;
}

int hx_cmd_lab(int argc, char **argv) {
    lab_config c;
    bool help = false;
    int status = parse_args(&c, argc, argv, &help);
    if (status == HX_OK && help) {
        lab_help(stdout);
        return HX_OK;
    }
    hx_lab_machine m;
    if (status == HX_OK)
        hx_lab_machine_probe(&m);
    if (status == HX_OK && strcmp(c.verb, "list") == 0)
        list_labs(&m);
    else if (status == HX_OK)
        status = run_lab(&c, &m);
    return hx_report_error(status);
}
