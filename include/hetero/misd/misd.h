/*
 * misd.h - Flynn's fourth class made runnable: multiple instruction streams, one data stream.
 *
 * MISD is the class the taxonomy's textbooks call empty; its real uses are two.  Several
 * different computations over one stream of data, each on its own processor, fed the same block
 * at the same time (a pipeline of checksums over a network or disk stream; systolic filters);
 * and redundancy, where independent implementations of one computation run in lockstep and vote,
 * so a fault in one is outvoted (flight computers, the Space Shuttle's five GPCs).
 *
 * The stream is n bytes cut into blocks.  A function is an incremental computation over it
 * (init, update per block, final): CRC-32C, Adler-32, FNV-1a, a 64-bit sum, min/max of 32-bit
 * words.  Two ways to run K of them:
 *
 *     sequential   one thread runs the first function over the whole stream, then the next, ...
 *                  (K passes over the data; one instruction stream at a time)
 *     lockstep     one thread per function, all on block b, a barrier, then block b + 1: one pass
 *                  over the data, each block read by K instruction streams while it is in cache
 *
 * and a vote: three independent CRC-32C implementations (bit by bit, slicing-by-8 tables, the
 * SSE4.2 crc32 instruction or, without it, a byte table) in lockstep, their running values
 * compared after every block; a value that differs from the other two is outvoted and reported
 * with its implementation and block.  --inject-fault flips one bit of one implementation's value
 * at one block, so the catch is seen.
 *
 * Every result is checked: lockstep against the sequential results (exact), the vote's final
 * value against the sequential CRC-32C.
 */
#ifndef HETERO_MISD_H
#define HETERO_MISD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/core/stats.h"

#define HX_MISD_MAX_FUNCTIONS 8

typedef enum {
    HX_MISD_CRC32C = 0,
    HX_MISD_ADLER32,
    HX_MISD_FNV1A,
    HX_MISD_SUM64,
    HX_MISD_MINMAX,
    HX_MISD_FUNCTION_COUNT
} hx_misd_function;

/* "crc32c", "adler32", "fnv1a", "sum64", "minmax". */
const char *hx_misd_function_name(hx_misd_function f);
/* Parse a comma-separated list of function names (or "all") into fns[]; HX_ERR_USAGE lists the
 * accepted names. */
int hx_misd_parse_functions(const char *text, hx_misd_function *fns, size_t *count);

/* The stream: n bytes of splitmix64 output from seed, cut into blocks of `block` bytes (a
 * multiple of 8; the last block may be shorter). */
typedef struct hx_misd_stream {
    const uint8_t *data;
    size_t bytes, block;
} hx_misd_stream;

int hx_misd_stream_make(hx_misd_stream *s, size_t bytes, size_t block, uint64_t seed);
void hx_misd_stream_free(hx_misd_stream *s);
size_t hx_misd_blocks(const hx_misd_stream *s);

/* One function's result over the whole stream (two words: minmax gives min and max). */
typedef struct hx_misd_value {
    uint64_t v[2];
} hx_misd_value;

/* Reference: f over the whole stream in one pass, on the calling thread. */
hx_misd_value hx_misd_compute(hx_misd_function f, const hx_misd_stream *s);

typedef struct hx_misd_opts {
    hx_misd_function fns[HX_MISD_MAX_FUNCTIONS];
    size_t nfns;
    int reps, warmup;
    bool pin; /* pin each lockstep lane to the core hx_misd_place gives it (sched_setaffinity) */
} hx_misd_opts;

/* Where the K lockstep lanes go on `cores` cores: the costliest lane first, each onto the core
 * with the least cost so far (longest processing time first), so the slowest core - which every
 * barrier waits for - carries as little as it can.  cost[i] is lane i's time (any unit). */
void hx_misd_place(const double *cost, size_t k, size_t cores, int *core_of);

typedef enum { HX_MISD_SEQUENTIAL = 0, HX_MISD_LOCKSTEP, HX_MISD_MODE_COUNT } hx_misd_mode;
const char *hx_misd_mode_name(hx_misd_mode m);

typedef struct hx_misd_row {
    hx_misd_mode mode;
    size_t streams;      /* instruction streams (functions) */
    size_t threads;      /* threads used: 1 or one per function */
    bool oversubscribed; /* more threads than online cores */
    hx_stats time;       /* seconds per run of all the functions over the stream */
    double gbps;         /* stream bytes / median time */
    double speedup;      /* sequential median / this median */
    size_t barriers;     /* lockstep: barriers per run (one per block) */
    hx_misd_value values[HX_MISD_MAX_FUNCTIONS];
    bool verified; /* every value equals the sequential one */
} hx_misd_row;

/* Run both modes (sequential first: it is the reference). */
int hx_misd_run(const hx_misd_stream *s, const hx_misd_opts *o,
                hx_misd_row rows[HX_MISD_MODE_COUNT]);

/* ---- the vote --------------------------------------------------------------------------- */

#define HX_MISD_VOTERS 3

typedef struct hx_misd_fault {
    bool inject;
    int voter;    /* which implementation's value is flipped (0..2) */
    size_t block; /* after which block */
    int bit;      /* which bit of the 32-bit value */
} hx_misd_fault;

typedef struct hx_misd_vote {
    const char *voters[HX_MISD_VOTERS]; /* the implementations' names */
    size_t blocks;
    size_t disagreements; /* blocks after which one value differed from the other two */
    int caught_voter;     /* the outvoted implementation of the first disagreement, or -1 */
    size_t caught_block;
    bool unresolved;    /* all three differed: no majority */
    uint32_t voted;     /* the final majority value */
    uint32_t reference; /* hx_misd_compute(CRC32C) */
    bool verified;      /* voted == reference */
    double seconds;
} hx_misd_vote;

int hx_misd_run_vote(const hx_misd_stream *s, const hx_misd_fault *fault, bool pin,
                     hx_misd_vote *out);

/* The three CRC-32C implementations over one buffer from crc (pure; for the tests). */
uint32_t hx_crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t n);
uint32_t hx_crc32c_slice8(uint32_t crc, const uint8_t *p, size_t n);
uint32_t hx_crc32c_hw(uint32_t crc, const uint8_t *p, size_t n); /* byte table without SSE4.2 */

#endif
