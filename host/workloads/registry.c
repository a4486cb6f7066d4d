/*
 * registry.c - the table of workloads, built from list.h.
 */
#include <stdio.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/workloads/workload.h"

#define HX_WORKLOAD(name) extern const hx_workload hx_workload_##name;
#include "list.h"
#undef HX_WORKLOAD

static const hx_workload *const registry[] = {
#define HX_WORKLOAD(name) &hx_workload_##name,
#include "list.h"
#undef HX_WORKLOAD
};

size_t hx_workload_count(void) {
    return sizeof registry / sizeof registry[0];
}

const hx_workload *hx_workload_at(size_t i) {
    return i < hx_workload_count() ? registry[i] : NULL;
}

const hx_workload *hx_workload_find(const char *name) {
    for (size_t i = 0; i < hx_workload_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

int hx_workload_parse(const char *name, const hx_workload **out) {
    const char *names[64];
    size_t n = hx_workload_count() < 63 ? hx_workload_count() : 63;
    for (size_t i = 0; i < n; i++)
        names[i] = registry[i]->name;
    names[n] = NULL;
    int idx;
    HX_TRY(hx_parse_choice("workload", name, names, &idx));
    *out = registry[idx];
    return HX_OK;
}

uint64_t hx_workload_default_size(const hx_workload *w) {
    return w->default_size_fn ? w->default_size_fn() : w->default_size;
}

const hx_param_def *hx_workload_param(const hx_workload *w, const char *name, size_t *index) {
    for (size_t k = 0; k < w->nparams; k++)
        if (strcmp(w->params[k].name, name) == 0) {
            if (index)
                *index = k;
            return &w->params[k];
        }
    return NULL;
}

int hx_param_parse(const hx_param_def *d, const char *text, double *out) {
    char opt[80];
    snprintf(opt, sizeof opt, "--%s", d->name);
    double v;
    HX_TRY(hx_parse_double(opt, text, d->min, d->max, &v));
    if (d->integer && v != (double)(long long)v)
        return hx_fail(HX_ERR_USAGE, "%s '%s' must be a whole number", opt, text);
    *out = v;
    return HX_OK;
}

bool hx_workload_variant_applies(const hx_workload *w, hx_backend b) {
    return w->variants && (b == HX_BACKEND_SIMD || b == HX_BACKEND_OMP_SIMD);
}

unsigned hx_workload_variant_count(const hx_workload *w) {
    unsigned n = 0;
    while (w->variants && n < HX_MAX_VARIANTS && w->variants[n])
        n++;
    return n;
}

/* "naive, transposed, ..." into buf. */
static const char *variant_names(const hx_workload *w, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned v = 0; v < hx_workload_variant_count(w) && used < len; v++) {
        int k = snprintf(buf + used, len - used, "%s%s", v ? ", " : "", w->variants[v]);
        used += k > 0 ? (size_t)k : 0;
    }
    return buf;
}

int hx_workload_variants_parse(const hx_workload *w, const char *list, bool *want) {
    const unsigned count = hx_workload_variant_count(w);
    for (unsigned v = 0; v < count; v++)
        want[v] = strcmp(list, "all") == 0;
    if (count == 0 || strcmp(list, "all") == 0)
        return HX_OK;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        unsigned v = 0;
        while (v < count &&
               !(strlen(w->variants[v]) == len && strncmp(w->variants[v], p, len) == 0))
            v++;
        if (v == count) {
            char names[256];
            return hx_fail(HX_ERR_USAGE,
                           "--variant '%.*s' is not a variant of %s; accepted: %s, all", (int)len,
                           p, w->name, variant_names(w, names, sizeof names));
        }
        want[v] = true;
        if (p[len] == '\0')
            return HX_OK;
        p += len + 1;
    }
}

/* Refuse sizes that would not fit: the workload's range, then its memory estimate against 80% of
 * physical memory.  Pure arithmetic, so commands call it before touching any device. */
int hx_workload_check_size(const hx_workload *w, const char *option, uint64_t size) {
    if (size < w->min_size || size > w->max_size)
        return hx_fail(HX_ERR_USAGE, "%s %llu is out of range for %s; accepted: %llu to %llu (%s)",
                       option, (unsigned long long)size, w->name, (unsigned long long)w->min_size,
                       (unsigned long long)w->max_size, w->size_unit);
    double need = w->host_bytes(size);
    double have = (double)hx_host_memory_bytes();
    if (need > 0.8 * have) {
        char nb[32], hb[32];
        return hx_fail(HX_ERR_USAGE,
                       "%s %llu is too large for %s: it needs %s of host memory and this host has "
                       "%s",
                       option, (unsigned long long)size, w->name,
                       hx_format_bytes((uint64_t)need, nb, sizeof nb),
                       hx_format_bytes((uint64_t)have, hb, sizeof hb));
    }
    return HX_OK;
}

extern const hx_code_section hx_code_sections[];
extern const size_t hx_code_section_count;

const hx_code_section *hx_workload_code(const hx_workload *w, size_t *n) {
    char file[64];
    if (w->source)
        snprintf(file, sizeof file, "%s", w->source);
    else
        snprintf(file, sizeof file, "%s.c", w->name);
    for (char *c = file; *c; c++)
        *c = *c == '-' ? '_' : *c;
    const hx_code_section *first = NULL;
    *n = 0;
    for (size_t i = 0; i < hx_code_section_count; i++)
        if (strcmp(hx_code_sections[i].file, file) == 0) {
            first = first ? first : &hx_code_sections[i];
            (*n)++;
        }
    return first;
}
