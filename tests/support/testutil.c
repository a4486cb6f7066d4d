/*
 * testutil.c - process runner and JSON reader for the tests (see testutil.h).
 */
#include "testutil.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static int buf_append(buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hx_run_hetero(const char *const *args, hx_proc *p) {
    const char *bin = getenv("HETERO_BIN");
    if (!bin)
        bin = "hetero";
    size_t n = 0;
    while (args[n])
        n++;
    const char **argv = calloc(n + 2, sizeof *argv);
    if (!argv) {
        memset(p, 0, sizeof *p);
        return -1;
    }
    argv[0] = bin;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = args[i];
    int rc = hx_run_program(argv, p);
    free(argv);
    return rc;
}

int hx_run_program(const char *const *argv_in, hx_proc *p) {
    memset(p, 0, sizeof *p);
    char *const *argv = (char *const *)argv_in;
    const char *bin = argv[0];
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0)
        return -1;
    if (pipe(err_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
    posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        return -1;
    }
    buf out = {0}, err = {0};
    buf_append(&out, "", 0);
    buf_append(&err, "", 0);
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[65536];
            ssize_t r = read(fds[i].fd, chunk, sizeof chunk);
            if (r > 0) {
                buf_append(i == 0 ? &out : &err, chunk, (size_t)r);
            } else if (r == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    p->out = out.data;
    p->err = err.data;
    return 0;
}

int hx_run_hetero_cmd(hx_proc *p, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    const char *args[128];
    size_t n = 0;
    for (char *tok = strtok(line, " "); tok && n < 127; tok = strtok(NULL, " "))
        args[n++] = tok;
    args[n] = NULL;
    return hx_run_hetero(args, p);
}

int hx_capture_begin(hx_capture *c) {
    snprintf(c->path, sizeof c->path, "/tmp/hetero-stderr-XXXXXX");
    int fd = mkstemp(c->path);
    if (fd < 0)
        return -1;
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    int ok = c->saved >= 0 && dup2(fd, STDERR_FILENO) >= 0;
    close(fd);
    return ok ? 0 : -1;
}

char *hx_capture_end(hx_capture *c) {
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    FILE *f = fopen(c->path, "r");
    unlink(c->path);
    if (!f)
        return NULL;
    buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != 0)
            break;
    fclose(f);
    if (!b.data)
        b.data = calloc(1, 1);
    return b.data;
}

void hx_proc_free(hx_proc *p) {
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

size_t hx_count_lines(const char *s) {
    size_t n = 0;
    for (const char *c = s; *c; c++)
        if (*c == '\n')
            n++;
    if (*s && s[strlen(s) - 1] != '\n')
        n++;
    return n;
}

/* ---- JSON reader ---------------------------------------------------------------------------- */

typedef struct reader {
    const char *s;
    char *err;
    size_t errlen;
    int depth;
} reader;

static void skip_ws(reader *r) {
    while (isspace((unsigned char)*r->s))
        r->s++;
}

static jv *fail(reader *r, const char *what) {
    if (r->err && r->err[0] == '\0')
        snprintf(r->err, r->errlen, "%s near '%.20s'", what, r->s);
    return NULL;
}

static jv *new_value(jv_type t) {
    jv *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

static char *parse_string_raw(reader *r) {
    if (*r->s != '"')
        return NULL;
    r->s++;
    buf b = {0};
    buf_append(&b, "", 0);
    while (*r->s && *r->s != '"') {
        char c = *r->s++;
        if ((unsigned char)c < 0x20) {
            free(b.data);
            return NULL;
        }
        if (c == '\\') {
            char e = *r->s++;
            switch (e) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'u': {
                unsigned code = 0;
                for (int i = 0; i < 4; i++) {
                    if (!isxdigit((unsigned char)r->s[i])) {
                        free(b.data);
                        return NULL;
                    }
                    code = code * 16 + (unsigned)(isdigit((unsigned char)r->s[i])
                                                      ? r->s[i] - '0'
                                                      : tolower((unsigned char)r->s[i]) - 'a' + 10);
                }
                r->s += 4;
                c = code < 0x80 ? (char)code : '?';
                break;
            }
            case '"':
            case '\\':
            case '/':
                c = e;
                break;
            default:
                free(b.data);
                return NULL;
            }
        }
        buf_append(&b, &c, 1);
    }
    if (*r->s != '"') {
        free(b.data);
        return NULL;
    }
    r->s++;
    return b.data;
}

static jv *parse_value(reader *r);

static int push(jv *v, jv *item, char *key) {
    jv **items = realloc(v->items, (v->len + 1) * sizeof *items);
    if (!items)
        return -1;
    v->items = items;
    if (v->type == JV_OBJECT) {
        char **keys = realloc(v->keys, (v->len + 1) * sizeof *keys);
        if (!keys)
            return -1;
        v->keys = keys;
        v->keys[v->len] = key;
    }
    v->items[v->len++] = item;
    return 0;
}

static jv *parse_container(reader *r, jv_type t) {
    char close = t == JV_OBJECT ? '}' : ']';
    jv *v = new_value(t);
    r->s++;
    skip_ws(r);
    if (*r->s == close) {
        r->s++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(r);
        if (t == JV_OBJECT) {
            key = parse_string_raw(r);
            skip_ws(r);
            if (!key || *r->s != ':') {
                free(key);
                jv_free(v);
                return fail(r, "expected a key and ':'");
            }
            r->s++;
        }
        jv *item = parse_value(r);
        if (!item || push(v, item, key) != 0) {
            free(key);
            jv_free(item);
            jv_free(v);
            return fail(r, "bad value");
        }
        skip_ws(r);
        if (*r->s == ',') {
            r->s++;
            continue;
        }
        if (*r->s == close) {
            r->s++;
            return v;
        }
        jv_free(v);
        return fail(r, "expected ',' or a closing bracket");
    }
}

static jv *parse_value(reader *r) {
    skip_ws(r);
    if (++r->depth > 64)
        return fail(r, "nesting too deep");
    jv *v = NULL;
    if (*r->s == '{' || *r->s == '[') {
        v = parse_container(r, *r->s == '{' ? JV_OBJECT : JV_ARRAY);
    } else if (*r->s == '"') {
        char *s = parse_string_raw(r);
        if (!s)
            return fail(r, "bad string");
        v = new_value(JV_STRING);
        v->string = s;
    } else if (strncmp(r->s, "true", 4) == 0 || strncmp(r->s, "false", 5) == 0) {
        v = new_value(JV_BOOL);
        v->boolean = r->s[0] == 't';
        r->s += v->boolean ? 4 : 5;
    } else if (strncmp(r->s, "null", 4) == 0) {
        v = new_value(JV_NULL);
        r->s += 4;
    } else if (*r->s == '-' || isdigit((unsigned char)*r->s)) {
        char *end;
        double d = strtod(r->s, &end);
        if (end == r->s)
            return fail(r, "bad number");
        r->s = end;
        v = new_value(JV_NUMBER);
        v->number = d;
    } else {
        return fail(r, "unexpected character");
    }
    r->depth--;
    return v;
}

jv *jv_parse(const char *text, char *err, size_t errlen) {
    if (err && errlen)
        err[0] = '\0';
    reader r = {text, err, errlen, 0};
    jv *v = parse_value(&r);
    if (!v)
        return NULL;
    skip_ws(&r);
    if (*r.s) {
        jv_free(v);
        return fail(&r, "trailing text after the document");
    }
    return v;
}

void jv_free(jv *v) {
    if (!v)
        return;
    for (size_t i = 0; i < v->len; i++) {
        jv_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const jv *jv_get(const jv *obj, const char *key) {
    if (!obj || obj->type != JV_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const jv *jv_path(const jv *v, const char *path) {
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *k = strtok(copy, "."); k && v; k = strtok(NULL, "."))
        v = jv_get(v, k);
    return v;
}

const jv *jv_at(const jv *arr, size_t i) {
    if (!arr || arr->type != JV_ARRAY || i >= arr->len)
        return NULL;
    return arr->items[i];
}

int hx_scratch_make(char *dir, size_t len, const char *prefix) {
    if ((size_t)snprintf(dir, len, "/tmp/%s-XXXXXX", prefix) >= len)
        return -1;
    return mkdtemp(dir) ? 0 : -1;
}

int hx_scratch_remove(const char *dir) {
    if (strncmp(dir, "/tmp/", 5) != 0 || strstr(dir, "..") || strchr(dir, '\''))
        return -1; /* only what hx_scratch_make made */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}
