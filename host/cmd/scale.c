/*
 * scale.c - `hetero scale` (placeholder until the subcommand lands).
 */
#include "commands.h"
#include "hetero/error.h"

int hx_cmd_scale(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return hx_report_error(hx_fail(HX_ERR_MISSING, "'hetero scale' is not in this build yet"));
}
