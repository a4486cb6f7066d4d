/*
 * survey_cache.c - measured figures kept per machine, so `hetero run --roofline` need not
 * measure the peaks again.
 *
 * The file is $XDG_CACHE_HOME/hetero/survey.txt (else ~/.cache/hetero/survey.txt), plain text,
 * one tab-separated line per figure:
 *
 *     hetero-survey 3
 *     key      <16 hex digits: FNV-1a of the identity>
 *     identity <CPU brand; kind=name|driver|version; ...>
 *     clock    <kind>:<name>  <MHz>
 *     fig      <kind>:<name>  <figure key>  <reps>  <median>  <min>  <max>  <note>
 *
 * The identity names the CPU and every device with its driver and version (sorted), so a new
 * driver, a new GPU or another machine sharing the home directory gives another key and the old
 * figures are ignored (and replaced at the next --bench).  Records are matched by kind and name,
 * not by index, so the order of OpenCL platforms does not matter.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hetero/core/cache_dir.h"
#include "hetero/core/error.h"
#include "hetero/survey/survey.h"

/* The version of the file and of the measuring methods behind its figures: a change of method
 * (2: float4 streaming kernels for device bandwidth; 3: one source for the fp32 and fp64 peak
 * kernels) bumps it, so older figures are not read. */
#define HEADER "hetero-survey 3"

static void append(char *buf, size_t len, size_t *used, const char *text) {
    if (*used >= len)
        return;
    int n = snprintf(buf + *used, len - *used, "%s", text);
    *used += n > 0 ? (size_t)n : 0;
    if (*used >= len)
        *used = len - 1;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "cpu=BRAND" and one "kind=name|driver|version" per device, sorted so the order in which the
 * platforms list their devices does not change the key, joined by "; ". */
void hx_survey_identity(const hx_survey *s, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    char **parts = calloc(s->n ? s->n : 1, sizeof *parts);
    if (!parts)
        return;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        int ok = strcmp(r->kind, "host") == 0
                     ? asprintf(&parts[n], "cpu=%s", r->name)
                     : asprintf(&parts[n], "%s=%s|%s|%s", r->kind, r->name, r->driver, r->version);
        if (ok >= 0)
            n++;
    }
    qsort(parts, n, sizeof *parts, compare_strings);
    for (size_t i = 0; i < n; i++) {
        if (i)
            append(buf, len, &used, "; ");
        append(buf, len, &used, parts[i]);
        free(parts[i]);
    }
    free(parts);
    /* the identity is one line of the file: no tabs or newlines */
    for (char *p = buf; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
}

uint64_t hx_survey_key(const char *identity) {
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)identity; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

int hx_survey_cache_path(char *buf, size_t len) {
    return hx_cache_file("survey.txt", buf, len);
}

static void sanitize(char *dst, size_t len, const char *src) {
    snprintf(dst, len, "%s", src);
    for (char *p = dst; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
}

static void write_records(FILE *f, const hx_survey *s) {
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        if (!r->benched)
            continue;
        char name[300];
        sanitize(name, sizeof name, r->name);
        if (r->bench_clock_mhz > 0)
            fprintf(f, "clock\t%s:%s\t%.17g\n", r->kind, name, r->bench_clock_mhz);
        for (int k = 0; k < HX_FIG_COUNT; k++) {
            const hx_figure *fig = &r->fig[k];
            if (!fig->measured)
                continue;
            char note[sizeof fig->note];
            sanitize(note, sizeof note, fig->note);
            fprintf(f, "fig\t%s:%s\t%s\t%zu\t%.17g\t%.17g\t%.17g\t%s\n", r->kind, name,
                    hx_figure_info((hx_figure_id)k)->key, fig->stats.n, fig->stats.median,
                    fig->stats.min, fig->stats.max, note);
        }
    }
}

int hx_survey_cache_save(const hx_survey *s, const char *path) {
    HX_TRY(hx_make_parent_dirs(path));
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return hx_fail(HX_ERR_RUNTIME, "cannot write %s: %s", tmp, strerror(errno));
    char identity[8192];
    hx_survey_identity(s, identity, sizeof identity);
    fprintf(f, "%s\nkey\t%016" PRIx64 "\nidentity\t%s\n", HEADER, hx_survey_key(identity),
            identity);
    write_records(f, s);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        return hx_fail(HX_ERR_RUNTIME, "cannot write %s", tmp);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return hx_fail(HX_ERR_RUNTIME, "cannot rename %s to %s: %s", tmp, path, strerror(e));
    }
    return HX_OK;
}

static hx_device_record *find_record(hx_survey *s, const char *kind_name) {
    for (size_t i = 0; i < s->n; i++) {
        hx_device_record *r = &s->dev[i];
        char name[300], full[340];
        sanitize(name, sizeof name, r->name);
        snprintf(full, sizeof full, "%s:%s", r->kind, name);
        if (strcmp(full, kind_name) == 0)
            return r;
    }
    return NULL;
}

/* Split line at tabs into at most cap fields (in place). */
static size_t split_tabs(char *line, char **fields, size_t cap) {
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < cap;) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static void parse_line(hx_survey *s, char *line) {
    char *f[9];
    size_t n = split_tabs(line, f, 9);
    if (n == 3 && strcmp(f[0], "clock") == 0) {
        hx_device_record *r = find_record(s, f[1]);
        if (r)
            r->bench_clock_mhz = strtod(f[2], NULL);
        return;
    }
    if (n < 7 || strcmp(f[0], "fig") != 0)
        return;
    hx_device_record *r = find_record(s, f[1]);
    int k = hx_figure_find(f[2]);
    if (!r || k < 0)
        return;
    hx_figure *fig = &r->fig[k];
    fig->stats.n = (size_t)strtoull(f[3], NULL, 10);
    fig->stats.median = strtod(f[4], NULL);
    fig->stats.min = strtod(f[5], NULL);
    fig->stats.max = strtod(f[6], NULL);
    fig->stats.mean = fig->stats.median;
    snprintf(fig->note, sizeof fig->note, "%s", n > 7 ? f[7] : "");
    fig->measured = fig->stats.n > 0 && fig->stats.median > 0;
    r->benched |= fig->measured;
}

int hx_survey_cache_load(hx_survey *s, const char *path, bool *loaded) {
    *loaded = false;
    FILE *f = fopen(path, "r");
    if (!f)
        return HX_OK; /* no cache yet */
    char line[9000], identity[8192];
    hx_survey_identity(s, identity, sizeof identity);
    char want[32];
    snprintf(want, sizeof want, "key\t%016" PRIx64, hx_survey_key(identity));
    bool ok = fgets(line, sizeof line, f) && strncmp(line, HEADER, strlen(HEADER)) == 0 &&
              fgets(line, sizeof line, f) && strncmp(line, want, strlen(want)) == 0;
    if (ok) {
        while (fgets(line, sizeof line, f))
            parse_line(s, line);
        *loaded = true;
    }
    fclose(f);
    return HX_OK;
}
