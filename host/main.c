/*
 * main.c - `hetero SUBCOMMAND ...`: find the subcommand and hand it argv.
 *
 * Each subcommand lives in host/cmd/NAME.c and prints its own errors; main only dispatches and
 * answers --help and --version.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "hetero/core/error.h"
#include "hetero/core/noise.h"
#include "hetero/core/output.h"
#include "hetero/core/provenance.h"
#include "hetero/engine/job.h"
#include "hetero/engine/provenance.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", hx_cmd_run, "run workloads on every backend, verified and timed"},
    {"list", hx_cmd_list, "list workloads, their sizes and backends"},
    {"devices", hx_cmd_devices, "survey the host CPU and every OpenCL device"},
    {"scale", hx_cmd_scale, "strong/weak scaling, Amdahl and Gustafson fits, size sweeps"},
    {"io", hx_cmd_io, "the Linux IO models lab: echo servers and a load generator"},
    {"sched", hx_cmd_sched, "co-schedule mandelbrot on an OpenCL device and host threads"},
    {"mpi", hx_cmd_mpi, "under mpirun: ping-pong with the Hockney fit, collectives"},
    {"misd", hx_cmd_misd, "Flynn's MISD: K functions over one data stream, and a vote"},
    {"memory", hx_cmd_memory, "memory organisation: topology, first touch, thread binding"},
    {"lab", hx_cmd_lab, "the course labs: list, run and check what this machine shows"},
    {"conc", hx_cmd_conc, "processes, threads, IPC, locks, a global lock, crash isolation"},
    {"map", hx_cmd_map, "mapping policies on irregular tasks: the design and mapping labs"},
    {"compare", hx_cmd_compare, "compare two JSON reports row by row: same, faster, slower"},
    {"report", hx_cmd_report, "one self-contained HTML page from JSON reports, with plots"},
};

static const size_t ncommands = sizeof commands / sizeof commands[0];

static void usage(FILE *out) {
    fputs("Usage: hetero COMMAND [OPTIONS]\n\n"
          "hetero runs one data-parallel workload as serial (SISD), SIMD, OpenMP (MIMD),\n"
          "OpenMP+SIMD and OpenCL code, verifies each result against serial and reports\n"
          "the time and the speedup over serial.\n\nCommands:\n",
          out);
    for (size_t i = 0; i < ncommands; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'hetero COMMAND --help' for a command's options.\n"
          "Examples:\n"
          "  hetero run --device=cpu vecadd\n"
          "  hetero run --backend=serial,omp-simd,opencl --size=64M --format=json vecadd\n"
          "  hetero list\n",
          out);
}

static const command *find_command(const char *name) {
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name) {
    char names[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < ncommands && len < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                commands[i].name);
    return hx_fail(HX_ERR_USAGE, "unknown command '%s'; accepted: %s (see 'hetero --help')", name,
                   names);
}

/* `hetero help [COMMAND]`, `hetero --help`. */
static int help(int argc, char **argv) {
    if (argc > 3)
        return hx_fail(HX_ERR_USAGE, "'hetero help' takes at most one command; got '%s' after '%s'",
                       argv[3], argv[2]);
    if (argc == 3) {
        if (strcmp(argv[1], "help") != 0)
            return hx_fail(HX_ERR_USAGE, "unexpected argument '%s' after '%s'", argv[2], argv[1]);
        const command *c = find_command(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        char *help_argv[] = {argv[2], "--help", NULL};
        return c->run(2, help_argv);
    }
    usage(stdout);
    return HX_OK;
}

static int dispatch(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return HX_ERR_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
        return hx_report_error(help(argc, argv));
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        if (argc > 2)
            return hx_report_error(
                hx_fail(HX_ERR_USAGE, "unexpected argument '%s' after '%s'", argv[2], cmd));
        char build[256];
        printf("%s\n", hx_build_describe(build, sizeof build));
        return HX_OK;
    }
    const command *c = find_command(cmd);
    if (!c)
        return hx_report_error(unknown_command(cmd));
    return c->run(argc - 1, argv + 1);
}

/* Said once, after the report, by every command that measured rows on a noisy machine. */
static void say_noise(void) {
    char line[256];
    if (hx_noise_summary(line, sizeof line))
        hx_notice("%s", line);
}

int main(int argc, char **argv) {
    hx_engine_prelude(); /* under mpirun: one rank speaks for the job */
    hx_noise_begin();    /* the machine before hetero adds its own load */
    hx_provenance_set_command(argc, argv);
    hx_engine_provenance_init();
    int status = dispatch(argc, argv);
    say_noise();
    /* A report lost on the way out (a full disk, a closed pipe) is a failed command. */
    int closed = hx_stdout_close();
    if (closed != HX_OK && status == HX_OK)
        status = hx_report_error(closed);
    return status;
}
