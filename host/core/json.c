/*
 * json.c - streaming JSON writer (see json.h).
 *
 * State is one "first element at this depth" flag per nesting level and whether a key was just
 * written, which is all that comma placement needs.
 */
#include "hetero/core/json.h"

#include <inttypes.h>
#include <math.h>

void hx_json_init(hx_json *j, FILE *out, bool pretty) {
    j->out = out;
    j->pretty = pretty;
    j->depth = 0;
    j->first[0] = true;
    j->after_key = false;
}

static void newline_indent(hx_json *j) {
    if (!j->pretty)
        return;
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Comma and indentation before a value or a key. */
static void before_item(hx_json *j) {
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->out);
        newline_indent(j);
    }
    j->first[j->depth] = false;
}

static void container_open(hx_json *j, char c) {
    before_item(j);
    fputc(c, j->out);
    if (j->depth + 1 < HX_JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void container_close(hx_json *j, char c) {
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        newline_indent(j);
    fputc(c, j->out);
}

void hx_json_object_begin(hx_json *j) {
    container_open(j, '{');
}
void hx_json_object_end(hx_json *j) {
    container_close(j, '}');
}
void hx_json_array_begin(hx_json *j) {
    container_open(j, '[');
}
void hx_json_array_end(hx_json *j) {
    container_close(j, ']');
}

void hx_json_write_escaped(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void hx_json_key(hx_json *j, const char *key) {
    before_item(j);
    hx_json_write_escaped(j->out, key);
    fputs(j->pretty ? ": " : ":", j->out);
    j->after_key = true;
}

void hx_json_string(hx_json *j, const char *s) {
    before_item(j);
    if (s)
        hx_json_write_escaped(j->out, s);
    else
        fputs("null", j->out);
}

void hx_json_number(hx_json *j, double v) {
    before_item(j);
    if (isfinite(v))
        fprintf(j->out, "%.17g", v);
    else
        fputs("null", j->out);
}

void hx_json_int(hx_json *j, int64_t v) {
    before_item(j);
    fprintf(j->out, "%" PRId64, v);
}

void hx_json_bool(hx_json *j, bool v) {
    before_item(j);
    fputs(v ? "true" : "false", j->out);
}

void hx_json_null(hx_json *j) {
    before_item(j);
    fputs("null", j->out);
}

void hx_json_kv_string(hx_json *j, const char *key, const char *s) {
    hx_json_key(j, key);
    hx_json_string(j, s);
}
void hx_json_kv_number(hx_json *j, const char *key, double v) {
    hx_json_key(j, key);
    hx_json_number(j, v);
}
void hx_json_kv_int(hx_json *j, const char *key, int64_t v) {
    hx_json_key(j, key);
    hx_json_int(j, v);
}
void hx_json_kv_bool(hx_json *j, const char *key, bool v) {
    hx_json_key(j, key);
    hx_json_bool(j, v);
}

void hx_json_end(hx_json *j) {
    fputc('\n', j->out);
}
