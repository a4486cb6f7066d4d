/*
 * parse.h - strict parsers for command-line values.
 *
 * Each parser accepts the whole string or nothing: "12x", "", "-3" and overflow are errors with
 * a message (via hx_fail) that quotes the option name and the bad text.  Sizes take binary
 * suffixes K, M, G (2^10, 2^20, 2^30), upper or lower case, because array lengths in this field
 * are powers of two more often than not.
 */
#ifndef HETERO_PARSE_H
#define HETERO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unsigned decimal integer with an optional K/M/G suffix; must be in [min, max]. */
int hx_parse_size(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Plain unsigned decimal integer in [min, max], no suffix. */
int hx_parse_uint(const char *option, const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* The most threads any hetero command starts for one role (--threads, OMP_NUM_THREADS): one
 * limit for every command, far above any core count here, low enough that thread stacks fit. */
#define HX_MAX_THREADS 1024

/* --threads N: a whole number from 1 to HX_MAX_THREADS, with the one message every command
 * gives. */
int hx_parse_threads(const char *option, const char *text, int *out);

/* A thread count for an OpenMP region that has no --threads of its own (omp_get_max_threads(),
 * i.e. OMP_NUM_THREADS or the core count), capped at HX_MAX_THREADS. */
int hx_default_threads(void);

/* Plain decimal integer in [min, max] into an int (--reps, --warmup, counts). */
int hx_parse_int(const char *option, const char *text, int min, int max, int *out);

/* Finite decimal number in [min, max]. */
int hx_parse_double(const char *option, const char *text, double min, double max, double *out);

/* A duration: a number with an optional unit s, ms, us (default s), e.g. "3s", "500ms". */
int hx_parse_duration(const char *option, const char *text, double *seconds);

/* Comma-separated list of sizes ("1,2,4", "4K,1M"), each in [min, max]; at most cap entries. */
int hx_parse_size_list(const char *option, const char *text, uint64_t min, uint64_t max,
                       uint64_t *out, size_t cap, size_t *count);

/* Geometric size range "A..B" (factor 2) or "A..B*F" (F from 2 to 16), sizes with K/M/G
 * suffixes: A, A*F, A*F^2, ... up to the last one <= B, each in [min, max]; at most cap entries.
 * "4K..256M*4" gives 4K, 16K, 64K, ..., 256M. */
int hx_parse_size_range(const char *option, const char *text, uint64_t min, uint64_t max,
                        uint64_t *out, size_t cap, size_t *count);

/* Split a comma-separated list in place: returns the number of non-empty items stored in items
 * (at most cap); an empty item ("a,,b") is an error. */
int hx_split_list(const char *option, char *text, char **items, size_t cap, size_t *count);

/* A process grid "PxQ" (--grid=2x2): P and Q whole numbers from 1 to 65536. */
int hx_parse_grid(const char *option, const char *text, int grid[2]);

/* Case-sensitive lookup of text in a NULL-terminated table; on a miss, fail with a message that
 * lists every accepted word. */
int hx_parse_choice(const char *option, const char *text, const char *const *choices, int *index);

/* Human-readable byte count into buf ("64 MiB"). Returns buf. */
const char *hx_format_bytes(uint64_t bytes, char *buf, size_t len);

#endif
