/*
 * doc.h - hetero's JSON documents read back (jansson), for compare and the HTML report.
 *
 * A document is checked once when it is loaded: it must parse, be an object and carry a
 * "schema" that the reader knows.  Every problem is a usage error naming the file and, for a
 * syntax error, the line and column, so `hetero compare old.json new.json` with a truncated file
 * says where it broke.
 */
#ifndef HETERO_REPORT_DOC_H
#define HETERO_REPORT_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct hx_doc {
    char path[512];
    json_t *root;       /* owned */
    const char *schema; /* inside root */
} hx_doc;

/* Load path and check its schema against accepted (NULL-terminated; NULL accepts any "hetero."
 * schema).  HX_ERR_USAGE with the file named on any problem. */
int hx_doc_load(hx_doc *d, const char *path, const char *const *accepted);
/* The same from text (the unit tests); name stands for the path in messages. */
int hx_doc_parse(hx_doc *d, const char *name, const char *text, const char *const *accepted);
void hx_doc_free(hx_doc *d);

/* Values by a dotted path ("time_s.median", "provenance.cpu.model"); NAN / NULL / def when
 * absent or of another type. */
double hx_doc_number(const json_t *v, const char *path);
const char *hx_doc_string(const json_t *v, const char *path);
bool hx_doc_bool(const json_t *v, const char *path, bool def);
const json_t *hx_doc_get(const json_t *v, const char *path);

/* "AMD EPYC, 2 cores, hetero 0.1.0 commit 16a4dd04f532" from a document's provenance, or the
 * host block of older documents; "unknown machine" when neither is there. */
void hx_doc_machine(const hx_doc *d, char *buf, size_t len);

#endif
