/*
 * output.c - stdout, a report file replaced atomically, or a stream target (see output.h).
 *
 * The path rules are decided once, in classify(), so that the check before the run and the open
 * after it can never disagree.
 */
#include "hetero/core/output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"

typedef enum { TARGET_STDOUT, TARGET_REPLACE, TARGET_STREAM } target_kind;

typedef struct target {
    target_kind kind;
    char file[PATH_MAX]; /* the file to replace or stream to (a symlink resolved) */
    char dir[PATH_MAX];  /* its directory, where the temporary goes */
    mode_t mode;         /* permissions the replaced file keeps, or 0666 & ~umask for a new one */
} target;

static bool is_stdout(const char *path) {
    return !path || strcmp(path, "-") == 0;
}

static mode_t new_file_mode(void) {
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static int bad_path(const char *path, const char *why) {
    return hx_fail(HX_ERR_USAGE, "cannot write --output '%s': %s", path, why);
}

static int dir_of(const char *file, char *dir, size_t len) {
    char copy[PATH_MAX];
    if (snprintf(copy, sizeof copy, "%s", file) >= (int)sizeof copy)
        return HX_ERR_USAGE;
    snprintf(dir, len, "%s", dirname(copy));
    return HX_OK;
}

/* Decide what writing path means; every refusal is a usage error naming the path. */
static int classify(const char *path, target *t) {
    memset(t, 0, sizeof *t);
    if (is_stdout(path)) {
        t->kind = TARGET_STDOUT;
        return HX_OK;
    }
    if (path[0] == '\0')
        return hx_fail(HX_ERR_USAGE, "--output '' is empty; give a file path, or - for stdout");
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return bad_path(path, "it is a directory");
        if (S_ISSOCK(st.st_mode))
            return bad_path(path, "it is a socket");
        if (access(path, W_OK) != 0)
            return bad_path(path, strerror(errno));
        if (!S_ISREG(st.st_mode)) { /* FIFO, device, terminal: written in place, as a stream */
            if (snprintf(t->file, sizeof t->file, "%s", path) >= (int)sizeof t->file)
                return bad_path(path, "the path is too long");
            t->kind = TARGET_STREAM;
            return HX_OK;
        }
        if (!realpath(path, t->file)) /* replace the file a symlink points to, keep the link */
            return bad_path(path, strerror(errno));
        t->mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        return bad_path(path, strerror(errno));
    } else {
        struct stat lst;
        if (lstat(path, &lst) == 0)
            return bad_path(path, "it is a symbolic link to a missing file");
        if (snprintf(t->file, sizeof t->file, "%s", path) >= (int)sizeof t->file)
            return bad_path(path, "the path is too long");
        t->mode = new_file_mode();
    }
    t->kind = TARGET_REPLACE;
    if (dir_of(t->file, t->dir, sizeof t->dir) != HX_OK)
        return bad_path(path, "the path is too long");
    struct stat dst;
    if (stat(t->dir, &dst) != 0)
        return bad_path(path, strerror(errno));
    if (!S_ISDIR(dst.st_mode))
        return bad_path(path, "its parent is not a directory");
    return HX_OK;
}

/* A new temporary beside t->file: "DIR/.NAME.XXXXXX", opened for writing. */
static int open_temporary(const char *path, const target *t, hx_output *o) {
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", t->file);
    if (asprintf(&o->tmp_path, "%s/.%s.XXXXXX", t->dir, basename(copy)) < 0) {
        o->tmp_path = NULL;
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(o->tmp_path);
        o->tmp_path = NULL;
        return bad_path(path, strerror(e));
    }
    if (fchmod(fd, t->mode) != 0 || !(o->fp = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp_path);
        free(o->tmp_path);
        o->tmp_path = NULL;
        return hx_fail(HX_ERR_RUNTIME, "cannot write --output '%s': %s", path, strerror(e));
    }
    return HX_OK;
}

int hx_output_check(const char *path) {
    target t;
    HX_TRY(classify(path, &t));
    if (t.kind != TARGET_REPLACE)
        return HX_OK;
    /* prove the directory takes a new file now, not after a long run */
    hx_output probe = {0};
    HX_TRY(open_temporary(path, &t, &probe));
    fclose(probe.fp);
    unlink(probe.tmp_path);
    free(probe.tmp_path);
    return HX_OK;
}

int hx_output_open(hx_output *o, const char *path) {
    memset(o, 0, sizeof *o);
    target t;
    HX_TRY(classify(path, &t));
    if (t.kind == TARGET_STDOUT) {
        o->fp = stdout;
        return HX_OK;
    }
    o->path = strdup(t.file);
    if (!o->path)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = HX_OK;
    if (t.kind == TARGET_STREAM) {
        o->fp = fopen(t.file, "w");
        if (!o->fp)
            status = bad_path(path, strerror(errno));
    } else {
        status = open_temporary(path, &t, o);
    }
    if (status != HX_OK) {
        free(o->path);
        o->path = NULL;
    }
    return status;
}

/* fflush + ferror + fclose: whether every byte written to fp reached the kernel. */
static bool close_cleanly(FILE *fp, int *err) {
    errno = 0;
    bool ok = fflush(fp) == 0 && !ferror(fp);
    *err = errno;
    if (fclose(fp) != 0 && ok) {
        ok = false;
        *err = errno;
    }
    if (!ok && *err == 0)
        *err = EIO;
    return ok;
}

static void release(hx_output *o) {
    o->fp = NULL;
    free(o->path);
    free(o->tmp_path);
    o->path = o->tmp_path = NULL;
}

int hx_output_commit(hx_output *o) {
    if (!o->fp)
        return HX_OK;
    if (!o->path) { /* stdout: checked now, closed at exit by hx_stdout_close() */
        o->fp = NULL;
        errno = 0;
        if (fflush(stdout) != 0 || ferror(stdout))
            return hx_fail(HX_ERR_RUNTIME, "cannot write the report to standard output: %s",
                           strerror(errno ? errno : EIO));
        return HX_OK;
    }
    int err = 0;
    bool ok = close_cleanly(o->fp, &err);
    if (ok && o->tmp_path && rename(o->tmp_path, o->path) != 0) {
        ok = false;
        err = errno;
    }
    int status = HX_OK;
    if (!ok) {
        status = hx_fail(HX_ERR_RUNTIME, "cannot write '%s': %s", o->path, strerror(err));
        if (o->tmp_path)
            unlink(o->tmp_path);
    }
    release(o);
    return status;
}

void hx_output_abort(hx_output *o) {
    if (o->fp && o->path) {
        fclose(o->fp);
        if (o->tmp_path)
            unlink(o->tmp_path);
    }
    release(o);
}

int hx_stdout_close(void) {
    int err = 0;
    if (close_cleanly(stdout, &err))
        return HX_OK;
    return hx_fail(HX_ERR_RUNTIME, "cannot write to standard output: %s", strerror(err));
}

int hx_parse_format(const char *text, hx_format *out) {
    static const char *const names[] = {"table", "csv", "json", NULL};
    int i;
    HX_TRY(hx_parse_choice("--format", text, names, &i));
    *out = (hx_format)i;
    return HX_OK;
}

int hx_report_opts_apply(hx_report_opts *o, const char *name, const char *value, bool *handled) {
    *handled = true;
    if (strcmp(name, "format") == 0)
        return hx_parse_format(value, &o->format);
    if (strcmp(name, "output") == 0) {
        o->output = value;
        return hx_output_check(value);
    }
    if (strcmp(name, "plot") == 0) {
        o->plot = value;
        return hx_plot_kind_of("--plot", value, &o->plot_kind);
    }
    *handled = false;
    return HX_OK;
}
