/*
 * provenance.c - the `provenance` object of every JSON document (see provenance.h).
 *
 * What core can read itself (the build, cpuid, /proc, uname, the environment, the noise
 * samples) it writes directly; the rest comes from the providers the higher layers registered.
 * The start time is taken with the noise module's start sample, at the top of main.
 */
#include "hetero/core/provenance.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "hetero/core/cpu.h"
#include "hetero/core/noise.h"

extern char **environ;

#define MAX_PROVIDERS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const char *key;
    hx_provenance_fn fn;
} providers[MAX_PROVIDERS];
static size_t nproviders;
static char command_line[1024];
static char start_date[32];
static pthread_once_t date_once = PTHREAD_ONCE_INIT;

static void take_date(void) {
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(start_date, sizeof start_date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void hx_provenance_provide(const char *key, hx_provenance_fn fn) {
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < nproviders && strcmp(providers[i].key, key) != 0)
        i++;
    if (i < MAX_PROVIDERS) {
        providers[i].key = key;
        providers[i].fn = fn;
        if (i == nproviders)
            nproviders++;
    }
    pthread_mutex_unlock(&lock);
}

void hx_provenance_set_command(int argc, char **argv) {
    pthread_once(&date_once, take_date);
    size_t len = 0;
    command_line[0] = '\0';
    for (int i = 0; i < argc && len + 1 < sizeof command_line; i++) {
        const char *word = i == 0 ? "hetero" : argv[i]; /* not the path it was started by */
        len += (size_t)snprintf(command_line + len, sizeof command_line - len, "%s%s", i ? " " : "",
                                word);
    }
}

const char *hx_build_describe(char *buf, size_t len) {
    snprintf(buf, len, "hetero %s (commit %s%s, %s, %s)", hx_build.version, hx_build.commit,
             hx_build.dirty ? " with local changes" : "", hx_build.build_type, hx_build.compiler);
    return buf;
}

/* /proc/cpuinfo's first "microcode : 0x..." or "" */
static void microcode(char *buf, size_t len) {
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "microcode", 9) != 0)
            continue;
        const char *colon = strchr(line, ':');
        if (colon) {
            colon++;
            colon += strspn(colon, " \t");
            snprintf(buf, len, "%.*s", (int)strcspn(colon, "\n"), colon);
        }
        break;
    }
    fclose(f);
}

static void write_build(hx_json *j) {
    hx_json_key(j, "hetero");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "version", hx_build.version);
    hx_json_kv_string(j, "commit", hx_build.commit);
    hx_json_kv_bool(j, "dirty", hx_build.dirty);
    hx_json_kv_string(j, "build_type", hx_build.build_type);
    hx_json_kv_string(j, "compiler", hx_build.compiler);
    hx_json_kv_string(j, "c_flags", hx_build.c_flags);
    hx_json_object_end(j);
}

static void write_cpu(hx_json *j) {
    const hx_cpu_info *c = hx_cpu();
    char mc[64];
    microcode(mc, sizeof mc);
    hx_json_key(j, "cpu");
    hx_json_object_begin(j);
    hx_json_kv_string(j, "model", c->brand);
    hx_json_kv_string(j, "vendor", c->vendor);
    hx_json_kv_int(j, "cores", c->logical_cpus);
    hx_json_kv_string(j, "isa", hx_simd_name(c->simd)); /* the path the simd backends take */
    hx_json_kv_string(j, "isa_max", hx_simd_name(c->simd_max));
    hx_json_kv_string(j, "hetero_simd", getenv("HETERO_SIMD")); /* null when not set */
    hx_json_kv_string(j, "microcode", mc[0] ? mc : NULL);
    hx_json_object_end(j);
}

static void write_kernel(hx_json *j) {
    struct utsname u;
    hx_json_key(j, "kernel");
    if (uname(&u) != 0) {
        hx_json_null(j);
        return;
    }
    hx_json_object_begin(j);
    hx_json_kv_string(j, "system", u.sysname);
    hx_json_kv_string(j, "release", u.release);
    hx_json_kv_string(j, "version", u.version);
    hx_json_kv_string(j, "machine", u.machine);
    hx_json_object_end(j);
}

/* Every OMP_* and GOMP_* variable that is set, name -> value. */
static void write_omp(hx_json *j) {
    hx_json_key(j, "omp");
    hx_json_object_begin(j);
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "OMP_", 4) != 0 && strncmp(*e, "GOMP_", 5) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
        hx_json_kv_string(j, name, eq + 1);
    }
    hx_json_object_end(j);
}

static void write_reading(hx_json *j, const char *key, const hx_noise_sample *s) {
    hx_json_key(j, key);
    hx_json_object_begin(j);
    hx_json_kv_number(j, "load1", s->load1 >= 0 ? s->load1 : NAN);
    hx_json_kv_number(j, "load5", s->load5 >= 0 ? s->load5 : NAN);
    hx_json_kv_int(j, "runnable", s->procs_running - s->own_running);
    hx_json_object_end(j);
}

static void write_noise(hx_json *j) {
    hx_noise_sample now;
    hx_noise_read(&now);
    hx_noise cmd;
    hx_noise_command(&cmd);
    size_t measured, noisy;
    hx_noise_rows(&measured, &noisy);
    hx_json_key(j, "noise");
    hx_json_object_begin(j);
    hx_json_kv_int(j, "cpus", cmd.cpus);
    write_reading(j, "start", hx_noise_start());
    write_reading(j, "end", &now);
    hx_json_kv_number(j, "seconds", cmd.seconds);
    hx_json_kv_number(j, "foreign", cmd.known ? cmd.foreign : NAN);
    hx_json_kv_number(j, "steal", cmd.known ? cmd.steal : NAN);
    hx_json_kv_bool(j, "noisy", cmd.noisy || noisy > 0);
    hx_json_kv_string(j, "reason", cmd.reason);
    hx_json_kv_int(j, "rows", (int64_t)measured);
    hx_json_kv_int(j, "noisy_rows", (int64_t)noisy);
    hx_json_object_end(j);
}

void hx_json_kv_provenance(hx_json *j) {
    pthread_once(&date_once, take_date);
    hx_json_key(j, "provenance");
    hx_json_object_begin(j);
    write_build(j);
    hx_json_kv_string(j, "command", command_line[0] ? command_line : NULL);
    hx_json_kv_string(j, "date", start_date);
    write_cpu(j);
    write_kernel(j);
    char gov[64];
    hx_json_kv_string(j, "governor", hx_noise_governor(gov, sizeof gov));
    write_omp(j);
    write_noise(j);
    pthread_mutex_lock(&lock);
    size_t n = nproviders;
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n; i++) {
        hx_json_key(j, providers[i].key);
        providers[i].fn(j);
    }
    hx_json_object_end(j);
}
