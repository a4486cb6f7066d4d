/*
 * parse.c - strict parsing of option values (see parse.h).
 *
 * strtoull() alone accepts "-1" (wrapping it), leading blanks and trailing junk; these parsers
 * reject all three, so "--size=-1" is an error that quotes "-1" rather than a 16 EiB request.
 */
#include "hetero/core/parse.h"

#include <omp.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"

/* Digits only, then strtoull with overflow check. */
static int parse_digits(const char *s, const char **end, uint64_t *out) {
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno == ERANGE)
        return -2;
    *end = e;
    *out = v;
    return 0;
}

static int bad_number(const char *option, const char *text, const char *what) {
    return hx_fail(HX_ERR_USAGE, "%s '%s' is not %s", option, text, what);
}

static int out_of_range(const char *option, const char *text, uint64_t min, uint64_t max) {
    return hx_fail(HX_ERR_USAGE, "%s '%s' is out of range; accepted: %llu to %llu", option, text,
                   (unsigned long long)min, (unsigned long long)max);
}

int hx_parse_size(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    static const char *what = "a positive size (N, or N with a K, M or G suffix)";
    const char *end;
    uint64_t v;
    int r = text ? parse_digits(text, &end, &v) : -1;
    if (r == -2)
        return out_of_range(option, text, min, max);
    if (r != 0)
        return bad_number(option, text ? text : "", what);
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    default:
        return bad_number(option, text, what);
    }
    if (shift && end[1] != '\0')
        return bad_number(option, text, what);
    if (shift && v > (UINT64_MAX >> shift))
        return out_of_range(option, text, min, max);
    v <<= shift;
    if (v < min || v > max)
        return out_of_range(option, text, min, max);
    *out = v;
    return HX_OK;
}

int hx_parse_uint(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    const char *end;
    uint64_t v;
    int r = text ? parse_digits(text, &end, &v) : -1;
    if (r == -2)
        return out_of_range(option, text, min, max);
    if (r != 0 || *end != '\0')
        return bad_number(option, text ? text : "", "a non-negative integer");
    if (v < min || v > max)
        return out_of_range(option, text, min, max);
    *out = v;
    return HX_OK;
}

int hx_parse_int(const char *option, const char *text, int min, int max, int *out) {
    uint64_t v = 0;
    HX_TRY(hx_parse_uint(option, text, min < 0 ? 0 : (uint64_t)min, (uint64_t)max, &v));
    *out = (int)v;
    return HX_OK;
}

int hx_parse_threads(const char *option, const char *text, int *out) {
    uint64_t v = 0;
    HX_TRY(hx_parse_uint(option, text, 1, HX_MAX_THREADS, &v));
    *out = (int)v;
    return HX_OK;
}

int hx_default_threads(void) {
    int n = omp_get_max_threads();
    return n < 1 ? 1 : n > HX_MAX_THREADS ? HX_MAX_THREADS : n;
}

int hx_parse_double(const char *option, const char *text, double min, double max, double *out) {
    if (!text || !*text || isspace((unsigned char)*text))
        return bad_number(option, text ? text : "", "a number");
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return bad_number(option, text, "a finite number");
    if (v < min || v > max)
        return hx_fail(HX_ERR_USAGE, "%s '%s' is out of range; accepted: %g to %g", option, text,
                       min, max);
    *out = v;
    return HX_OK;
}

int hx_parse_duration(const char *option, const char *text, double *seconds) {
    static const char *what = "a duration (e.g. 3s, 500ms, 250us)";
    if (!text || (!isdigit((unsigned char)*text) && *text != '.'))
        return bad_number(option, text ? text : "", what);
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    double scale = 1.0;
    if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
        scale = 1.0;
    else if (strcmp(end, "ms") == 0)
        scale = 1e-3;
    else if (strcmp(end, "us") == 0)
        scale = 1e-6;
    else
        return bad_number(option, text, what);
    if (errno == ERANGE || !isfinite(v) || v <= 0.0)
        return bad_number(option, text, what);
    *seconds = v * scale;
    return HX_OK;
}

int hx_split_list(const char *option, char *text, char **items, size_t cap, size_t *count) {
    size_t n = 0;
    char *p = text;
    if (!text || !*text)
        return hx_fail(HX_ERR_USAGE, "%s needs a comma-separated list", option);
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0')
            return hx_fail(HX_ERR_USAGE, "%s has an empty item in its list", option);
        if (n == cap)
            return hx_fail(HX_ERR_USAGE, "%s lists more than %zu items", option, cap);
        items[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    *count = n;
    return HX_OK;
}

int hx_parse_size_list(const char *option, const char *text, uint64_t min, uint64_t max,
                       uint64_t *out, size_t cap, size_t *count) {
    char *copy = text ? strdup(text) : NULL;
    char *items[256];
    size_t n = 0;
    if (text && !copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    int status = hx_split_list(option, copy, items, cap < 256 ? cap : 256, &n);
    for (size_t i = 0; status == HX_OK && i < n; i++)
        status = hx_parse_size(option, items[i], min, max, &out[i]);
    free(copy);
    if (status == HX_OK)
        *count = n;
    return status;
}

int hx_parse_choice(const char *option, const char *text, const char *const *choices, int *index) {
    for (int i = 0; choices[i]; i++)
        if (text && strcmp(text, choices[i]) == 0) {
            *index = i;
            return HX_OK;
        }
    char list[512] = "";
    size_t len = 0;
    for (int i = 0; choices[i] && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", choices[i]);
    return hx_fail(HX_ERR_USAGE, "unknown %s '%s'; accepted: %s", option, text ? text : "", list);
}

const char *hx_format_bytes(uint64_t bytes, char *buf, size_t len) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, len, v < 10 && v != floor(v) ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

/* Digits from *s up to a non-digit, at most 65536; false when there are none or too many. */
static bool grid_side(const char **s, int *out) {
    long v = 0;
    const char *p = *s;
    for (; *p >= '0' && *p <= '9' && v <= 65536; p++)
        v = v * 10 + (*p - '0');
    if (p == *s || v < 1 || v > 65536)
        return false;
    *out = (int)v;
    *s = p;
    return true;
}

int hx_parse_grid(const char *option, const char *text, int grid[2]) {
    const char *s = text ? text : "";
    if (!grid_side(&s, &grid[0]) || *s++ != 'x' || !grid_side(&s, &grid[1]) || *s != '\0')
        return hx_fail(HX_ERR_USAGE,
                       "%s '%s' is not PxQ with P and Q from 1 to 65536 (e.g. %s=2x2)", option,
                       text ? text : "", option);
    return HX_OK;
}
