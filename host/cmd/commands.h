/*
 * commands.h - the subcommands; each takes (argc, argv) with argv[0] = its own name and returns
 * an exit status (0, 1, 2 or 3; see error.h), having printed any error itself.
 */
#ifndef HETERO_COMMANDS_H
#define HETERO_COMMANDS_H

int hx_cmd_list(int argc, char **argv);
int hx_cmd_run(int argc, char **argv);
int hx_cmd_devices(int argc, char **argv);
int hx_cmd_scale(int argc, char **argv);
int hx_cmd_io(int argc, char **argv);
int hx_cmd_sched(int argc, char **argv);
int hx_cmd_mpi(int argc, char **argv);
int hx_cmd_misd(int argc, char **argv);
int hx_cmd_memory(int argc, char **argv);
int hx_cmd_lab(int argc, char **argv);
int hx_cmd_conc(int argc, char **argv);
int hx_cmd_map(int argc, char **argv);
int hx_cmd_compare(int argc, char **argv);
int hx_cmd_report(int argc, char **argv);

#endif
