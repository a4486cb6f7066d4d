/*
 * testutil.h - helpers for hetero's tests: run the hetero binary and capture what it printed,
 * and a small JSON reader to assert on the values of its reports.
 */
#ifndef HETERO_TESTUTIL_H
#define HETERO_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* ---- running the binary --------------------------------------------------------------------- */

typedef struct hx_proc {
    int status; /* exit code, or 128 + signal */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr */
} hx_proc;

/* Run the hetero binary (HETERO_BIN from the environment, set by CTest) with args (NULL
 * terminated, not including argv[0]).  Returns 0, or -1 when it could not be started. */
int hx_run_hetero(const char *const *args, hx_proc *p);
/* Run any program: argv[0] is looked up in PATH; NULL-terminated. */
int hx_run_program(const char *const *argv, hx_proc *p);
/* printf-style: split on spaces (no quoting), then hx_run_hetero. */
int hx_run_hetero_cmd(hx_proc *p, const char *fmt, ...);
void hx_proc_free(hx_proc *p);
/* Number of lines in s (a last line without '\n' counts). */
size_t hx_count_lines(const char *s);

/* ---- this process's stderr --------------------------------------------------------------------
 */

/* What the code under test writes to stderr (its notices) between begin and end. */
typedef struct hx_capture {
    int saved;     /* the real stderr */
    char path[64]; /* the file standing in for it */
} hx_capture;

/* Point stderr at a temporary file; -1 when that cannot be done. */
int hx_capture_begin(hx_capture *c);
/* Restore stderr and return what was written (malloc'd, NUL-terminated; NULL on failure). */
char *hx_capture_end(hx_capture *c);
/* A fresh directory for a test's files, /tmp/PREFIX-XXXXXX, into buf: 0, or -1. */
int hx_scratch_make(char *buf, size_t len, const char *prefix);
/* Remove a scratch directory and everything in it: 0, or -1. */
int hx_scratch_remove(const char *dir);

/* ---- JSON ----------------------------------------------------------------------------------- */

typedef enum { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } jv_type;

typedef struct jv {
    jv_type type;
    bool boolean;
    double number;
    char *string;
    struct jv **items; /* array elements or object values */
    char **keys;       /* object keys */
    size_t len;
} jv;

/* Parse a complete document; NULL on a syntax error (with a message in err). */
jv *jv_parse(const char *text, char *err, size_t errlen);
void jv_free(jv *v);
/* Object member or NULL. */
const jv *jv_get(const jv *obj, const char *key);
/* Path of keys separated by '.', e.g. "time_s.median". */
const jv *jv_path(const jv *v, const char *path);
const jv *jv_at(const jv *arr, size_t i);

#endif
