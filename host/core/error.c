/*
 * error.c - the thread-local "last error" message behind hx_fail().
 */
#include "hetero/core/error.h"

#include <stdarg.h>
#include <stdio.h>

#include "hetero/core/progress.h"

static _Thread_local char last_message[4096];
static int quiet; /* set once, before any thread starts */

int hx_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return code;
}

const char *hx_error_message(void) {
    return last_message;
}

void hx_error_clear(void) {
    last_message[0] = '\0';
}

int hx_report_error(int status) {
    if (status != HX_OK && !quiet) {
        hx_progress_clear_line();
        fprintf(stderr, "hetero: %s\n", last_message[0] ? last_message : "failed");
    }
    return status;
}

void hx_messages_quiet(int q) {
    quiet = q;
}

void hx_notice(const char *fmt, ...) {
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    hx_progress_clear_line(); /* a progress line would run into the notice */
    fputs("hetero: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
