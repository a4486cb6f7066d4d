/*
 * devices.c - `hetero devices` (placeholder until the subcommand lands).
 */
#include "commands.h"
#include "hetero/error.h"

int hx_cmd_devices(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return hx_report_error(hx_fail(HX_ERR_MISSING, "'hetero devices' is not in this build yet"));
}
