/*
 * doc.c - load and walk hetero's JSON documents with jansson (see doc.h).
 */
#include "hetero/report/doc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hetero/core/error.h"

static int check_root(hx_doc *d, const char *const *accepted) {
    if (!json_is_object(d->root))
        return hx_fail(HX_ERR_USAGE, "%s is not a hetero report: its JSON is not an object",
                       d->path);
    const char *schema = json_string_value(json_object_get(d->root, "schema"));
    if (!schema || strncmp(schema, "hetero.", 7) != 0)
        return hx_fail(HX_ERR_USAGE,
                       "%s is not a hetero report: it has no \"schema\": "
                       "\"hetero....\" field",
                       d->path);
    d->schema = schema;
    if (!accepted)
        return HX_OK;
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; accepted[i]; i++) {
        if (strcmp(schema, accepted[i]) == 0)
            return HX_OK;
        len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
                                i ? ", " : "", accepted[i]);
    }
    return hx_fail(HX_ERR_USAGE, "%s has schema %s; accepted: %s", d->path, schema, list);
}

static int loaded(hx_doc *d, json_error_t *err, const char *const *accepted) {
    if (!d->root)
        return hx_fail(HX_ERR_USAGE, "%s is not valid JSON: %s (line %d, column %d)", d->path,
                       err->text, err->line, err->column);
    int status = check_root(d, accepted);
    if (status != HX_OK)
        hx_doc_free(d);
    return status;
}

int hx_doc_load(hx_doc *d, const char *path, const char *const *accepted) {
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f)
        return hx_fail(HX_ERR_USAGE, "cannot read %s: %s", path, strerror(errno));
    json_error_t err;
    d->root = json_loadf(f, 0, &err);
    fclose(f);
    return loaded(d, &err, accepted);
}

int hx_doc_parse(hx_doc *d, const char *name, const char *text, const char *const *accepted) {
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", name);
    json_error_t err;
    d->root = json_loads(text, 0, &err);
    return loaded(d, &err, accepted);
}

void hx_doc_free(hx_doc *d) {
    json_decref(d->root);
    memset(d, 0, sizeof *d);
}

const json_t *hx_doc_get(const json_t *v, const char *path) {
    char key[128];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

double hx_doc_number(const json_t *v, const char *path) {
    const json_t *n = hx_doc_get(v, path);
    return json_is_number(n) ? json_number_value(n) : NAN;
}

const char *hx_doc_string(const json_t *v, const char *path) {
    return json_string_value(hx_doc_get(v, path));
}

bool hx_doc_bool(const json_t *v, const char *path, bool def) {
    const json_t *b = hx_doc_get(v, path);
    return json_is_boolean(b) ? json_is_true(b) : def;
}

void hx_doc_machine(const hx_doc *d, char *buf, size_t len) {
    const json_t *p = json_object_get(d->root, "provenance");
    const char *cpu = hx_doc_string(p, "cpu.model");
    double cores = hx_doc_number(p, "cpu.cores");
    if (!cpu) { /* documents from before provenance: their host block */
        cpu = hx_doc_string(d->root, "host.cpu");
        cores = hx_doc_number(d->root, "host.cores");
    }
    if (!cpu) {
        snprintf(buf, len, "unknown machine");
        return;
    }
    const char *version = hx_doc_string(p, "hetero.version");
    const char *commit = hx_doc_string(p, "hetero.commit");
    int n = snprintf(buf, len, "%s", cpu);
    if (isfinite(cores) && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ", %.0f cores", cores);
    if (version && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, ", hetero %s commit %s%s", version,
                 commit ? commit : "?", hx_doc_bool(p, "hetero.dirty", false) ? "+" : "");
}
