/*
 * plot.c - run gnuplot on a script a command wrote (see plot.h).
 *
 * The script goes to a temporary file (gnuplot reads a file argument more robustly than a pipe
 * when it fails half-way, and its error messages then name a line), gnuplot runs as a child
 * process with its stderr passed through, and the output file must exist and be non-empty
 * afterwards: gnuplot exits 0 on some errors in plot commands.
 */
#include "hetero/core/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/core/error.h"

int hx_plot_kind_of(const char *option, const char *path, hx_plot_kind *kind) {
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && strcasecmp(dot, ".svg") == 0) {
        *kind = HX_PLOT_SVG;
        return HX_OK;
    }
    if (dot && strcasecmp(dot, ".png") == 0) {
        *kind = HX_PLOT_PNG;
        return HX_OK;
    }
    return hx_fail(HX_ERR_USAGE, "%s '%s' must end in .svg or .png (the figure's format)", option,
                   path ? path : "");
}

/* Single-quoted gnuplot string: a quote inside is doubled. */
static void quote_path(const char *path, char *buf, size_t len) {
    size_t k = 0;
    if (len < 3) {
        buf[0] = '\0';
        return;
    }
    buf[k++] = '\'';
    for (const char *s = path; *s && k + 3 < len; s++) {
        if (*s == '\'')
            buf[k++] = '\'';
        buf[k++] = *s;
    }
    buf[k++] = '\'';
    buf[k] = '\0';
}

const char *hx_plot_terminal(hx_plot_kind kind, const char *path, int width, int height, char *buf,
                             size_t len) {
    char quoted[1100];
    quote_path(path, quoted, sizeof quoted);
    if (kind == HX_PLOT_SVG)
        snprintf(buf, len,
                 "set terminal svg size %d,%d dynamic enhanced font 'Sans,11' background "
                 "rgb 'white'\nset output %s\n",
                 width, height, quoted);
    else
        snprintf(buf, len,
                 "set terminal pngcairo size %d,%d enhanced font 'Sans,10' background rgb "
                 "'white'\nset output %s\n",
                 width, height, quoted);
    return buf;
}

static bool executable_in_path(const char *name) {
    if (strchr(name, '/'))
        return access(name, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char dir[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n + strlen(name) + 2 < sizeof dir) {
            memcpy(dir, path, n);
            dir[n] = '/';
            strcpy(dir + n + 1, name);
            if (access(dir, X_OK) == 0)
                return true;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

bool hx_gnuplot_found(const char **program) {
    const char *p = getenv("HETERO_GNUPLOT");
    if (!p || !*p)
        p = "gnuplot";
    *program = p;
    return executable_in_path(p);
}

int hx_plot_check(const char *option, const char *path) {
    hx_plot_kind kind;
    HX_TRY(hx_plot_kind_of(option, path, &kind));
    return hx_plot_require();
}

int hx_plot_run(const char *script, const char *path) {
    const char *program;
    if (!hx_gnuplot_found(&program))
        return hx_fail(HX_ERR_MISSING,
                       "--plot needs gnuplot, and '%s' was not found; install it (Debian: "
                       "apt-get install gnuplot-nox) or leave out --plot",
                       program);
    char tmp[] = "/tmp/hetero-plot-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return hx_fail(HX_ERR_RUNTIME, "cannot create a temporary gnuplot script: %s",
                       strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return hx_fail(HX_ERR_RUNTIME, "cannot write the gnuplot script: %s", strerror(errno));
    }
    int werr = fputs(script, f) < 0;
    werr |= fclose(f) != 0;
    if (werr) {
        unlink(tmp);
        return hx_fail(HX_ERR_RUNTIME, "cannot write the gnuplot script %s", tmp);
    }
    unlink(path); /* so a stale figure cannot pass for a new one */
    pid_t pid = fork();
    if (pid < 0) {
        unlink(tmp);
        return hx_fail(HX_ERR_RUNTIME, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO); /* the report may be going to stdout */
        execlp(program, program, tmp, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    unlink(tmp);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(path); /* gnuplot opens the output before it finds an error */
        return hx_fail(HX_ERR_RUNTIME, "gnuplot failed (exit status %d) drawing %s",
                       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), path);
    }
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0)
        return hx_fail(HX_ERR_RUNTIME, "gnuplot left no figure at %s", path);
    return HX_OK;
}

int hx_plot_script_open(hx_plot_script *s, const char *path, int width, int height) {
    hx_plot_kind kind = HX_PLOT_SVG;
    memset(s, 0, sizeof *s);
    HX_TRY(hx_plot_kind_of("--plot", path, &kind));
    s->path = path;
    s->f = open_memstream(&s->text, &s->len);
    if (!s->f)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for a gnuplot script");
    char term[1400];
    fputs(hx_plot_terminal(kind, path, width, height, term, sizeof term), s->f);
    return HX_OK;
}

int hx_plot_script_run(hx_plot_script *s) {
    bool bad = fclose(s->f) != 0 || !s->text;
    int status = bad ? hx_fail(HX_ERR_RUNTIME, "out of memory for a gnuplot script")
                     : hx_plot_run(s->text, s->path);
    free(s->text);
    memset(s, 0, sizeof *s);
    return status;
}

int hx_plot_require(void) {
    const char *program;
    if (hx_gnuplot_found(&program))
        return HX_OK;
    return hx_fail(HX_ERR_MISSING,
                   "--plot needs gnuplot, and '%s' was not found; install it (Debian: apt-get "
                   "install gnuplot-nox) or leave out --plot",
                   program);
}
