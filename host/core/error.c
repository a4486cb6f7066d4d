/*
 * error.c - the thread-local "last error" message behind hx_fail().
 */
#include "hetero/core/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[4096];

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
    if (status != HX_OK)
        fprintf(stderr, "hetero: %s\n", last_message[0] ? last_message : "failed");
    return status;
}

void hx_notice(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("hetero: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
