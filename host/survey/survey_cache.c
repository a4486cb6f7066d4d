/*
 * survey_cache.c - measured figures kept per machine, so `hetero run --roofline` need not
 * measure the peaks again.
 *
 * The file is $XDG_CACHE_HOME/hetero/survey.txt (else ~/.cache/hetero/survey.txt), plain text,
 * one tab-separated line per item:
 *
 *     hetero-survey 4
 *     key      <16 hex digits: FNV-1a of the identity>
 *     identity <cpu=BRAND; kernel=RELEASE; kind=name|platform|driver|version; ...>
 *     clock    <kind>:<name>  <MHz>  <confidence>  <add> <imul> <fma> <fma latency> <tsc>
 *              <cpufreq min> <cpufreq max> <cpuid base> <cpuid max>  <method>  <disagreement>
 *     fig      <kind>:<name>  <figure key>  <reps>  <median>  <min>  <max>  <method>  <note>
 *     level    <kind>:<name>  <L1..DRAM>  <bytes>  <instances>  <test bytes>  <1-thread test
 *              bytes>  <latency ns>  <read 1t> <read all> <write 1t> <write all> <copy 1t>
 *              <copy all>
 *
 * The identity names the CPU, the kernel and every device with its platform, driver and version
 * (sorted), so a new driver, a new kernel, a new GPU or another machine sharing the home
 * directory gives another key: the old figures are then ignored with a notice saying what
 * differs (and replaced at the next --bench).  A file for this machine whose values it cannot
 * produce (hx_survey_plausible: a clock outside the CPU's range, a rate above what the hierarchy
 * allows) is ignored the same way.  Records are matched by kind and name, not by index, so the
 * order of OpenCL platforms does not matter.  Only figures measured on a quiet machine
 * (hx_survey_quiet) and free of survey errors are written.
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
 * kernels; 4: ceilings as best-of over 8 stream kernels and 5 vector widths, the judged clock,
 * the memory levels, the kernel and platforms in the key) bumps it, so older figures are not
 * read. */
#define HEADER_NAME "hetero-survey "
#define HEADER      HEADER_NAME "4"

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

/* "cpu=BRAND", "kernel=RELEASE" and one "kind=name|platform|driver|version" per device,
 * sorted so the order in which the platforms list their devices does not change the key,
 * joined by "; ". */
void hx_survey_identity(const hx_survey *s, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    char **parts = calloc(2 * s->n + 1, sizeof *parts);
    if (!parts)
        return;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        bool host = strcmp(r->kind, "host") == 0;
        int ok = host ? asprintf(&parts[n], "cpu=%s", r->name)
                      : asprintf(&parts[n], "%s=%s|%s|%s|%s", r->kind, r->name, r->platform,
                                 r->driver, r->version);
        if (ok >= 0)
            n++;
        if (host && r->driver[0] && asprintf(&parts[n], "kernel=%s", r->driver) >= 0)
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

static void write_clock(FILE *f, const char *who, const hx_clock *c) {
    const hx_clock_sources *k = &c->src;
    char method[sizeof c->method], why[sizeof c->disagreement];
    sanitize(method, sizeof method, c->method);
    sanitize(why, sizeof why, c->disagreement);
    fprintf(f, "clock\t%s\t%.17g\t%s\t%.17g %.17g %.17g %d %.17g %.17g %.17g %.17g %.17g\t%s\t%s\n",
            who, c->mhz, c->confidence[0] ? c->confidence : "none", k->add_chain, k->imul_chain,
            k->fma_chain, k->fma_latency, k->tsc, k->cpufreq_min, k->cpufreq_max, k->cpuid_base,
            k->cpuid_max, method, why);
}

static void write_level(FILE *f, const char *who, const hx_mem_level *l) {
    fprintf(f,
            "level\t%s\t%s\t%llu\t%u\t%llu\t%llu\t%llu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t"
            "%.17g\t%.17g\n",
            who, l->name, (unsigned long long)l->bytes, l->instances,
            (unsigned long long)l->test_bytes, (unsigned long long)l->test_bytes_1t,
            (unsigned long long)l->latency_bytes, l->latency_ns, l->read_1t, l->read_all,
            l->write_1t, l->write_all, l->copy_1t, l->copy_all);
}

static void write_records(FILE *f, const hx_survey *s) {
    for (size_t i = 0; i < s->n; i++) {
        const hx_device_record *r = &s->dev[i];
        if (!r->benched)
            continue;
        if (r->uncacheable) {
            hx_notice("the figures of %s are not cached: they hold an impossible value", r->id);
            continue;
        }
        char name[300], who[340];
        sanitize(name, sizeof name, r->name);
        snprintf(who, sizeof who, "%s:%s", r->kind, name);
        if (r->clock.mhz > 0 || r->clock.src.add_chain > 0)
            write_clock(f, who, &r->clock);
        for (int k = 0; k < HX_FIG_COUNT; k++) {
            const hx_figure *fig = &r->fig[k];
            if (!fig->measured)
                continue;
            char note[sizeof fig->note], method[sizeof fig->method];
            sanitize(note, sizeof note, fig->note);
            sanitize(method, sizeof method, fig->method);
            fprintf(f, "fig\t%s\t%s\t%zu\t%.17g\t%.17g\t%.17g\t%s\t%s\n", who,
                    hx_figure_info((hx_figure_id)k)->key, fig->stats.n, fig->stats.median,
                    fig->stats.min, fig->stats.max, method, note);
        }
        for (size_t k = 0; k < r->nlevels; k++)
            write_level(f, who, &r->levels[k]);
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

static void parse_clock(hx_device_record *r, char **f, size_t n) {
    if (n < 4)
        return;
    hx_clock *c = &r->clock;
    hx_clock_sources *k = &c->src;
    c->mhz = strtod(f[2], NULL);
    snprintf(c->confidence, sizeof c->confidence, "%s", f[3]);
    if (n > 4)
        (void)sscanf(f[4], "%lf %lf %lf %d %lf %lf %lf %lf %lf", &k->add_chain, &k->imul_chain,
                     &k->fma_chain, &k->fma_latency, &k->tsc, &k->cpufreq_min, &k->cpufreq_max,
                     &k->cpuid_base, &k->cpuid_max);
    snprintf(c->method, sizeof c->method, "%s", n > 5 ? f[5] : "");
    snprintf(c->disagreement, sizeof c->disagreement, "%s", n > 6 ? f[6] : "");
    r->benched = true;
}

static void parse_level(hx_device_record *r, char **f, size_t n) {
    if (n < 15 || r->nlevels == HX_MAX_MEM_LEVELS)
        return;
    hx_mem_level *l = &r->levels[r->nlevels++];
    snprintf(l->name, sizeof l->name, "%s", f[2]);
    l->bytes = strtoull(f[3], NULL, 10);
    l->instances = (unsigned)strtoul(f[4], NULL, 10);
    l->test_bytes = strtoull(f[5], NULL, 10);
    l->test_bytes_1t = strtoull(f[6], NULL, 10);
    l->latency_bytes = strtoull(f[7], NULL, 10);
    double *v[7] = {&l->latency_ns, &l->read_1t, &l->read_all, &l->write_1t,
                    &l->write_all,  &l->copy_1t, &l->copy_all};
    for (int i = 0; i < 7; i++)
        *v[i] = strtod(f[8 + i], NULL);
    r->benched = true;
}

static void parse_figure(hx_device_record *r, char **f, size_t n) {
    int k = n >= 7 ? hx_figure_find(f[2]) : -1;
    if (k < 0)
        return;
    hx_figure *fig = &r->fig[k];
    fig->stats.n = (size_t)strtoull(f[3], NULL, 10);
    fig->stats.median = strtod(f[4], NULL);
    fig->stats.min = strtod(f[5], NULL);
    fig->stats.max = strtod(f[6], NULL);
    fig->stats.mean = fig->stats.median;
    snprintf(fig->method, sizeof fig->method, "%s", n > 7 ? f[7] : "");
    snprintf(fig->note, sizeof fig->note, "%s", n > 8 ? f[8] : "");
    fig->measured = fig->stats.n > 0;
    r->benched |= fig->measured;
}

static void parse_line(hx_survey *s, char *line) {
    char *f[20];
    size_t n = split_tabs(line, f, 20);
    if (n < 3)
        return;
    hx_device_record *r = find_record(s, f[1]);
    if (!r)
        return;
    if (strcmp(f[0], "clock") == 0)
        parse_clock(r, f, n);
    else if (strcmp(f[0], "fig") == 0)
        parse_figure(r, f, n);
    else if (strcmp(f[0], "level") == 0)
        parse_level(r, f, n);
}

/* The first "; "-separated part of a that b lacks, into out. */
static void first_missing(const char *a, const char *b, char *out, size_t len) {
    snprintf(out, len, "?");
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", a);
    for (char *save = NULL, *part = strtok_r(copy, ";", &save); part;
         part = strtok_r(NULL, ";", &save)) {
        while (*part == ' ')
            part++;
        char needle[1024];
        snprintf(needle, sizeof needle, "%s", part);
        const char *hit = strstr(b, needle);
        size_t nl = strlen(needle);
        bool whole = hit && (hit == b || hit[-1] == ' ') && (hit[nl] == ';' || hit[nl] == '\0');
        if (!whole) {
            snprintf(out, len, "%s", part);
            return;
        }
    }
}

static void forget_figures(hx_survey *s) {
    for (size_t i = 0; i < s->n; i++)
        hx_record_clear_bench(&s->dev[i]);
}

int hx_survey_cache_load(hx_survey *s, const char *path, hx_cache_state *state) {
    *state = HX_CACHE_NONE;
    FILE *f = fopen(path, "r");
    if (!f)
        return HX_OK; /* no cache yet */
    char line[9000], identity[8192];
    hx_survey_identity(s, identity, sizeof identity);
    char want[32];
    snprintf(want, sizeof want, "key\t%016" PRIx64, hx_survey_key(identity));
    if (!fgets(line, sizeof line, f) || strncmp(line, HEADER_NAME, strlen(HEADER_NAME)) != 0) {
        fclose(f);
        hx_notice("survey cache %s is not a hetero survey: ignored", path);
        return HX_OK;
    }
    if (strncmp(line, HEADER, strlen(HEADER)) != 0 || line[strlen(HEADER)] != '\n') {
        fclose(f);
        line[strcspn(line, "\n")] = '\0';
        hx_notice("survey cache %s has another format ('%s', this hetero writes '%s'): "
                  "ignored; `hetero devices --bench` rewrites it",
                  path, line, HEADER);
        return HX_OK;
    }
    bool same = fgets(line, sizeof line, f) && strncmp(line, want, strlen(want)) == 0;
    if (!same) {
        char theirs[8192] = "", ours_only[1024], theirs_only[1024];
        if (fgets(theirs, sizeof theirs, f) && strncmp(theirs, "identity\t", 9) == 0)
            memmove(theirs, theirs + 9, strlen(theirs + 9) + 1);
        theirs[strcspn(theirs, "\n")] = '\0';
        first_missing(theirs, identity, theirs_only, sizeof theirs_only);
        first_missing(identity, theirs, ours_only, sizeof ours_only);
        fclose(f);
        *state = HX_CACHE_FOREIGN;
        hx_notice("survey cache %s was written for another machine (it has '%s', this one "
                  "'%s'): its figures are ignored",
                  path, theirs_only, ours_only);
        return HX_OK;
    }
    while (fgets(line, sizeof line, f))
        parse_line(s, line);
    fclose(f);
    char why[300];
    if (!hx_survey_plausible(s, why, sizeof why)) {
        forget_figures(s);
        *state = HX_CACHE_IMPLAUSIBLE;
        hx_notice("survey cache %s: %s: its figures are ignored", path, why);
        return HX_OK;
    }
    *state = HX_CACHE_LOADED;
    return HX_OK;
}
