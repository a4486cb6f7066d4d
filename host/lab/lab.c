/*
 * lab.c - running a lab's steps and reading their reports back (see lab.h).
 *
 * Each step is this same hetero binary, started with posix_spawn as a user would start it, its
 * report written with --format=json --output=DIR/NAME.json and its stderr kept in
 * DIR/NAME.log, so a lab's folder holds everything the handout asks the student to look at.
 */
#include "hetero/lab/lab.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/memory/memory.h"
#include "hetero/ocl/ocl.h"
#include "hetero/survey/survey.h"

extern char **environ;

#define MAX_ARGS 48

/* ---- the machine -------------------------------------------------------------------------- */

static bool on_path(const char *program) {
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = strdup(path), *save = NULL;
    bool found = false;
    for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", dir, program);
        found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}

void hx_lab_machine_probe(hx_lab_machine *m) {
    memset(m, 0, sizeof *m);
    m->cores = hx_cpu()->logical_cpus;
    hx_memory_topology t;
    m->numa_nodes = hx_memory_topology_get(&t) == HX_OK ? (int)t.nodes : 1;
    hx_ocl_device *devs = NULL;
    size_t n = 0;
    if (hx_ocl_devices(&devs, &n) == HX_OK) {
        m->opencl = n > 0;
        for (size_t i = 0; i < n; i++)
            m->gpu |= (devs[i].type & CL_DEVICE_TYPE_GPU) != 0;
    }
    free(devs);
    hx_survey cuda = {0};
    if (!m->gpu && hx_survey_cuda(&cuda) == HX_OK)
        m->gpu = cuda.n > 0;
    hx_survey_free(&cuda);
#ifdef HETERO_HAVE_MPI
    m->mpi = on_path("mpirun");
#else
    (void)on_path;
#endif
    hx_error_clear();
}

bool hx_lab_available(const hx_lab *lab, const hx_lab_machine *m) {
    if (strcmp(lab->needs, "gpu") == 0)
        return m->gpu;
    if (strcmp(lab->needs, "mpi") == 0)
        return m->mpi;
    if (strcmp(lab->needs, "numa2") == 0)
        return m->numa_nodes >= 2;
    return true;
}

/* ---- findings ----------------------------------------------------------------------------- */

void hx_lab_find(hx_lab_findings *out, const char *shape, hx_lab_verdict v, const char *fmt, ...) {
    if (out->n == HX_LAB_MAX_FINDINGS)
        return;
    hx_lab_finding *f = &out->f[out->n++];
    snprintf(f->shape, sizeof f->shape, "%s", shape);
    f->verdict = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
}

/* ---- reading reports ---------------------------------------------------------------------- */

static const json_t *at_path(const json_t *obj, const char *path) {
    char key[128];
    const json_t *v = obj;
    while (v && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof key)
            return NULL;
        memcpy(key, path, len);
        key[len] = '\0';
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
        path += len + (dot ? 1 : 0);
    }
    return v;
}

double hx_lab_number(const json_t *obj, const char *path) {
    const json_t *v = obj ? at_path(obj, path) : NULL;
    return v && json_is_number(v) ? json_number_value(v) : NAN;
}

const char *hx_lab_string(const json_t *obj, const char *path) {
    const json_t *v = obj ? at_path(obj, path) : NULL;
    return v && json_is_string(v) ? json_string_value(v) : "";
}

const json_t *hx_lab_row(const json_t *doc, const char *array, const char *key, const char *value,
                         const char *key2, const char *value2) {
    const json_t *rows = doc ? at_path(doc, array) : NULL;
    size_t i;
    const json_t *row;
    if (!json_is_array(rows))
        return NULL;
    json_array_foreach(rows, i, row) {
        if (strcmp(hx_lab_string(row, key), value) != 0)
            continue;
        if (!key2 || strcmp(hx_lab_string(row, key2), value2) == 0)
            return row;
    }
    return NULL;
}

void hx_lab_reports_free(hx_lab_reports *r) {
    for (size_t i = 0; i < HX_LAB_MAX_STEPS; i++)
        if (r->docs[i])
            json_decref(r->docs[i]);
    memset(r, 0, sizeof *r);
}

/* ---- running the steps -------------------------------------------------------------------- */

/* The space-separated words of args as argv[n..] (their text in buf from *used on, "{DIR}"
 * replaced by dir); returns the new n. */
static size_t split_words(const char *args, const char *dir, char *buf, size_t len, size_t *used,
                          char **argv, size_t n) {
    for (const char *p = args; *p && *used < len;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        argv[n++] = buf + *used;
        for (; *p && *p != ' ' && *used + 1 < len; p++) {
            if (strncmp(p, "{DIR}", 5) == 0) {
                *used += (size_t)snprintf(buf + *used, len - *used, "%s", dir);
                p += 4;
            } else {
                buf[(*used)++] = *p;
            }
        }
        buf[(*used)++] = '\0';
        if (n >= MAX_ARGS - 3)
            break;
    }
    return n;
}

/* argv for one step: [mpirun ... ] exe args... [--format=json --output=DIR/NAME.json]; the words
 * live in buf. */
static size_t build_argv(const hx_lab_step *s, const char *exe, const char *dir, bool full,
                         char *buf, size_t len, char **argv) {
    size_t n = 0, used = 0;
    if (s->mpi) {
        static char *const mpirun[] = {"mpirun", "--oversubscribe", "-np"};
        for (size_t i = 0; i < 3; i++)
            argv[n++] = mpirun[i];
        argv[n++] = buf;
        used += (size_t)snprintf(buf, len, "%d", s->ranks > 0 ? s->ranks : 2) + 1;
        n = split_words(s->mpirun_args ? s->mpirun_args : "", "", buf, len, &used, argv, n);
    }
    argv[n++] = (char *)exe;
    n = split_words(full && s->full_args ? s->full_args : s->args, dir, buf, len, &used, argv, n);
    if (!s->no_json && used < len) {
        argv[n++] = "--format=json";
        argv[n++] = buf + used;
        used += (size_t)snprintf(buf + used, len - used, "--output=%s/%s.json", dir, s->name) + 1;
    }
    argv[n] = NULL;
    return n;
}

/* Run argv with stderr into log; its exit status (128 + signal when killed). */
static int spawn_and_wait(char **argv, const char *log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0)
        return -err;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The last line of a log, for a step that could not run. */
static void last_line(const char *log, char *out, size_t len) {
    FILE *f = fopen(log, "r");
    char line[512];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (line[0] && line[0] != '\n')
            snprintf(out, len, "%.*s", (int)(len - 1), line);
    if (f)
        fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static int run_step(const hx_lab *lab, size_t i, const char *exe, const char *dir, bool full,
                    hx_lab_reports *r) {
    const hx_lab_step *s = &lab->steps[i];
    char buf[8192], log[4096], *argv[MAX_ARGS];
    build_argv(s, exe, dir, full, buf, sizeof buf, argv);
    snprintf(log, sizeof log, "%s/%s.log", dir, s->name);
    int st = spawn_and_wait(argv, log);
    if (st == HX_ERR_MISSING) { /* the machine lacks what this step needs: its shapes cannot show */
        last_line(log, r->why[i], sizeof r->why[i]);
        return HX_OK;
    }
    if (st != 0) {
        char why[256];
        last_line(log, why, sizeof why);
        return hx_fail(HX_ERR_RUNTIME, "lab %s: step '%s' failed (exit %d): %s", lab->name, s->name,
                       st, why[0] ? why : "see its log");
    }
    if (s->no_json)
        return HX_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", dir, s->name);
    json_error_t e;
    r->docs[i] = json_load_file(path, 0, &e);
    if (!r->docs[i])
        return hx_fail(HX_ERR_RUNTIME, "lab %s: step '%s' wrote no readable report %s: %s",
                       lab->name, s->name, path, e.text);
    return HX_OK;
}

int hx_lab_run(const hx_lab *lab, const char *exe, const char *dir, bool full,
               const hx_lab_machine *m, hx_lab_reports *r) {
    memset(r, 0, sizeof *r);
    r->n = lab->nsteps;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return hx_fail(HX_ERR_USAGE, "cannot make the lab folder '%s': %s", dir, strerror(errno));
    for (size_t i = 0; i < lab->nsteps && i < HX_LAB_MAX_STEPS; i++) {
        if (lab->steps[i].mpi && !m->mpi) {
            snprintf(r->why[i], sizeof r->why[i], "needs mpi (mpirun and a build with MPI)");
            continue;
        }
        HX_TRY(run_step(lab, i, exe, dir, full, r));
    }
    return HX_OK;
}
