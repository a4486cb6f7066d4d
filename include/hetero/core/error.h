/*
 * error.h - status codes and the one error message a command prints.
 *
 * Every fallible function in hetero returns an int status: HX_OK (0) or one of the exit codes
 * below.  The function that detects the problem records a one-line message with hx_fail(); the
 * status then travels up unchanged to the subcommand, which prints "hetero: <message>" once and
 * exits with the status.  Messages name the bad value and, where there is a fixed set, the
 * accepted ones.  The buffer is thread-local so worker threads cannot garble each other's text.
 */
#ifndef HETERO_ERROR_H
#define HETERO_ERROR_H

enum {
    HX_OK = 0,          /* success */
    HX_ERR_RUNTIME = 1, /* runtime failure or a result that failed verification */
    HX_ERR_USAGE = 2,   /* bad command line */
    HX_ERR_MISSING = 3, /* the requested device or feature does not exist here */
    HX_SKIP = 77,       /* CTest's SKIP_RETURN_CODE: a test whose hardware is absent */
};

#if defined(__GNUC__)
#define HX_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define HX_PRINTF(fmt, args)
#endif

/* Record a message for status `code` and return `code`, so callers write
 * `return hx_fail(HX_ERR_USAGE, "...", ...);`. */
int hx_fail(int code, const char *fmt, ...) HX_PRINTF(2, 3);

/* The last message recorded on this thread ("" if none). */
const char *hx_error_message(void);

/* Forget the last message (tests use this between cases). */
void hx_error_clear(void);

/* Print "hetero: <message>" to stderr when status is not HX_OK; return status. */
int hx_report_error(int status);

/* Print a notice ("hetero: <text>") to stderr: announced fallbacks and choices. */
void hx_notice(const char *fmt, ...) HX_PRINTF(1, 2);

/* Quiet (the ranks after the first of an MPI job, which run the same command with the same
 * arguments): notices and reported errors are not printed, so the job says each thing once. */
void hx_messages_quiet(int quiet);

/* Propagate a non-OK status from an expression. */
#define HX_TRY(expr)                                                                               \
    do {                                                                                           \
        int hx_try_status_ = (expr);                                                               \
        if (hx_try_status_ != HX_OK)                                                               \
            return hx_try_status_;                                                                 \
    } while (0)

#endif
