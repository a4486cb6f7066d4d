/*
 * output.c - stdout or an atomically replaced report file (see output.h).
 */
#include "hetero/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/args.h"
#include "hetero/error.h"
#include "hetero/parse.h"

int hx_output_open(hx_output *o, const char *path) {
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return HX_OK;
    }
    o->path = strdup(path);
    if (!o->path || asprintf(&o->tmp_path, "%s.tmp", path) < 0) {
        free(o->path);
        o->path = NULL;
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    o->fp = fopen(o->tmp_path, "w");
    if (!o->fp) {
        int e = errno;
        free(o->path);
        free(o->tmp_path);
        o->path = o->tmp_path = NULL;
        return hx_fail(HX_ERR_USAGE, "cannot write --output '%s': %s", path, strerror(e));
    }
    return HX_OK;
}

int hx_output_commit(hx_output *o) {
    if (!o->fp)
        return HX_OK;
    if (!o->path) {
        fflush(o->fp);
        o->fp = NULL;
        return HX_OK;
    }
    int bad = ferror(o->fp);
    if (fclose(o->fp) != 0)
        bad = 1;
    o->fp = NULL;
    int status = HX_OK;
    if (bad || rename(o->tmp_path, o->path) != 0) {
        status = hx_fail(HX_ERR_RUNTIME, "cannot write '%s': %s", o->path, strerror(errno));
        unlink(o->tmp_path);
    }
    free(o->path);
    free(o->tmp_path);
    o->path = o->tmp_path = NULL;
    return status;
}

void hx_output_abort(hx_output *o) {
    if (o->fp && o->path) {
        fclose(o->fp);
        unlink(o->tmp_path);
    }
    o->fp = NULL;
    free(o->path);
    free(o->tmp_path);
    o->path = o->tmp_path = NULL;
}

int hx_parse_format(const char *text, hx_format *out) {
    static const char *const names[] = {"table", "csv", "json", NULL};
    int i;
    HX_TRY(hx_parse_choice("--format", text, names, &i));
    *out = (hx_format)i;
    return HX_OK;
}
