/*
 * tuning.c - values an autotuner chose for a device, kept in a small file across runs.
 *
 * The file is $XDG_CACHE_HOME/hetero/ocl-tuning.txt (else ~/.cache/hetero/ocl-tuning.txt),
 * separate from the survey's figures, plain text, one tab-separated line per tuned value:
 *
 *     hetero-ocl-tuning 1
 *     <what>  <16 hex digits: FNV-1a of the identity>  <value>  <identity>
 *
 * The identity is "platform|device name|driver version|device version", so another driver or
 * another machine sharing the home directory gets its own line; the hash makes lines easy to
 * compare by eye and the full identity rules out collisions.  A write replaces the matching line
 * and renames a temporary file over the old one (hx_output), so a reader never sees half a file
 * and two processes tuning at once leave one complete file (the last one's).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hetero/core/cache_dir.h"
#include "hetero/core/error.h"
#include "hetero/core/output.h"
#include "hetero/ocl/ocl.h"

#define HEADER "hetero-ocl-tuning 1"
#define LINE   2048

int hx_ocl_tuning_path(char *buf, size_t len) {
    return hx_cache_file("ocl-tuning.txt", buf, len);
}

/* "platform|name|driver|version", with no tab or newline (it is one field of a line). */
static void identity(const hx_ocl_device *d, char *buf, size_t len) {
    snprintf(buf, len, "%s|%s|%s|%s", d->platform_name, d->name, d->driver, d->version);
    for (char *p = buf; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
}

static uint64_t fnv1a(const char *text) {
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

/* Split a line into its four fields in place; false when it is not a value line. */
static bool split_line(char *line, char **what, char **key, char **value, char **id) {
    line[strcspn(line, "\n")] = '\0';
    *what = line;
    char *t1 = strchr(line, '\t');
    if (!t1)
        return false;
    *t1 = '\0';
    *key = t1 + 1;
    char *t2 = strchr(*key, '\t');
    if (!t2)
        return false;
    *t2 = '\0';
    *value = t2 + 1;
    char *t3 = strchr(*value, '\t');
    if (!t3)
        return false;
    *t3 = '\0';
    *id = t3 + 1;
    return true;
}

int hx_ocl_tuning_get(const hx_ocl_device *d, const char *what, char *value, size_t len) {
    char path[4096], id[1100], key[32], line[LINE];
    HX_TRY(hx_ocl_tuning_path(path, sizeof path));
    identity(d, id, sizeof id);
    snprintf(key, sizeof key, "%016" PRIx64, fnv1a(id));
    FILE *f = fopen(path, "r");
    if (!f)
        return HX_ERR_MISSING;
    int status = HX_ERR_MISSING;
    if (fgets(line, sizeof line, f) && strncmp(line, HEADER, strlen(HEADER)) == 0)
        while (status != HX_OK && fgets(line, sizeof line, f)) {
            char *w, *k, *v, *i;
            if (split_line(line, &w, &k, &v, &i) && strcmp(w, what) == 0 && strcmp(k, key) == 0 &&
                strcmp(i, id) == 0) {
                snprintf(value, len, "%s", v);
                status = HX_OK;
            }
        }
    fclose(f);
    return status;
}

/* Copy the value lines of the old file (if any) to out, except the one for (what, key). */
static void copy_other_lines(const char *path, FILE *out, const char *what, const char *key) {
    FILE *in = fopen(path, "r");
    if (!in)
        return;
    char line[LINE], copy[LINE];
    if (fgets(line, sizeof line, in) && strncmp(line, HEADER, strlen(HEADER)) == 0)
        while (fgets(line, sizeof line, in)) {
            snprintf(copy, sizeof copy, "%s", line);
            char *w, *k, *v, *i;
            if (!split_line(line, &w, &k, &v, &i))
                continue; /* not a value line: dropped */
            if (strcmp(w, what) == 0 && strcmp(k, key) == 0)
                continue;
            fputs(copy, out);
            if (copy[strlen(copy) - 1] != '\n')
                fputc('\n', out);
        }
    fclose(in);
}

int hx_ocl_tuning_put(const hx_ocl_device *d, const char *what, const char *value) {
    char path[4096], id[1100], key[32];
    HX_TRY(hx_ocl_tuning_path(path, sizeof path));
    HX_TRY(hx_make_parent_dirs(path));
    identity(d, id, sizeof id);
    snprintf(key, sizeof key, "%016" PRIx64, fnv1a(id));
    hx_output out; /* a temporary file renamed over the old one at commit */
    HX_TRY(hx_output_open(&out, path));
    fprintf(out.fp, "%s\n", HEADER);
    copy_other_lines(path, out.fp, what, key);
    fprintf(out.fp, "%s\t%s\t%s\t%s\n", what, key, value, id);
    return hx_output_commit(&out);
}
