/*
 * json.h - a small streaming JSON writer.
 *
 * Every machine-readable document hetero prints goes through this writer, so escaping, commas
 * and number formatting are right in one place.  Numbers are written with 17 significant digits
 * (round-trip exact); NaN and infinities, which JSON cannot hold, are written as null.
 */
#ifndef HETERO_JSON_H
#define HETERO_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HX_JSON_MAX_DEPTH 32

typedef struct hx_json {
    FILE *out;
    bool pretty;
    int depth;
    bool first[HX_JSON_MAX_DEPTH]; /* no element written yet at this depth */
    bool after_key;
} hx_json;

void hx_json_init(hx_json *j, FILE *out, bool pretty);
void hx_json_object_begin(hx_json *j);
void hx_json_object_end(hx_json *j);
void hx_json_array_begin(hx_json *j);
void hx_json_array_end(hx_json *j);
void hx_json_key(hx_json *j, const char *key);
void hx_json_string(hx_json *j, const char *s); /* NULL is written as null */
void hx_json_number(hx_json *j, double v);
void hx_json_int(hx_json *j, int64_t v);
void hx_json_bool(hx_json *j, bool v);
void hx_json_null(hx_json *j);

/* key + value in one call */
void hx_json_kv_string(hx_json *j, const char *key, const char *s);
void hx_json_kv_number(hx_json *j, const char *key, double v);
void hx_json_kv_int(hx_json *j, const char *key, int64_t v);
void hx_json_kv_bool(hx_json *j, const char *key, bool v);

/* Finish the document with a newline. */
void hx_json_end(hx_json *j);

/* Write s as a JSON string literal (with quotes) to out. */
void hx_json_write_escaped(FILE *out, const char *s);

#endif
