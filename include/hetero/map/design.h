/*
 * design.h - the design chapter's two experiments: decomposition and mapping with communication.
 *
 * Decomposition (hx_map_decompose): one job - generate a block of numbers, transform each, reduce
 * them to a sum - decomposed by domain (W workers, each doing all three stages for the blocks it
 * claims) and by function (a three-stage pipeline, one thread per stage, connected by bounded
 * queues).  The pipeline's throughput is bounded by its slowest stage, whatever the core count:
 * the report gives each stage's time per block and the throughput that bound predicts beside the
 * measured one.  The reduction is a sum of 64-bit words modulo 2^64, so both decompositions are
 * checked exactly against a serial run.
 *
 * Mapping with communication (hx_map_comm): a 1-D Jacobi stencil cut into B blocks, each block a
 * task that exchanges a halo with its two neighbours every step.  Blocks are mapped onto pinned
 * workers block-wise (neighbours on one worker: few halos cross workers) or cyclically (block b on
 * worker b mod W: every halo crosses, but expensive neighbouring blocks spread out).  The report
 * counts the halo bytes that cross workers (from the task graph and the mapping: exact), the
 * last-level cache misses where perf counters can be read, and the makespan, so the trade-off
 * between locality and concurrency is a table.  Every run is checked bit for bit against serial.
 */
#ifndef HETERO_MAP_DESIGN_H
#define HETERO_MAP_DESIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/core/stats.h"

#define HX_MAP_DECOMPOSE_SCHEMA "hetero.map-decompose/1"
#define HX_MAP_COMM_SCHEMA      "hetero.map-comm/1"

typedef struct hx_map_decompose_config {
    unsigned workers;   /* domain decomposition's threads */
    uint64_t blocks;    /* blocks in the job */
    uint64_t block_len; /* 64-bit words per block */
    uint64_t stage[3];  /* work units per word of generate, transform, reduce */
    unsigned queue;     /* capacity of each bounded queue, in blocks */
    int reps, warmup;
    bool pin;
    uint64_t seed;
} hx_map_decompose_config;

void hx_map_decompose_default(hx_map_decompose_config *c);
/* "G:T:R" work units per word of the three stages. */
int hx_map_parse_stages(const char *text, uint64_t stage[3]);

typedef struct hx_map_decompose_row {
    const char *name; /* "domain", "pipeline" */
    unsigned threads;
    hx_stats time;
    double throughput; /* blocks per second at the median time */
    double stage_s[3]; /* CPU seconds per block of each stage (pipeline: each stage thread) */
    double predicted;  /* pipeline: 1 / slowest stage's time per block; domain: W / sum */
    double speedup;    /* serial time / median time */
    bool verified;
    uint64_t checksum;
} hx_map_decompose_row;

typedef struct hx_map_decompose {
    hx_map_decompose_config cfg;
    hx_stats serial;
    uint64_t checksum;
    hx_map_decompose_row rows[2];
} hx_map_decompose;

int hx_map_decompose_run(const hx_map_decompose_config *c, hx_map_decompose *out);
int hx_map_decompose_write(FILE *out, hx_format fmt, const hx_map_decompose *d);

typedef enum { HX_MAP_COMM_BLOCK, HX_MAP_COMM_CYCLIC } hx_map_comm_mapping;

typedef struct hx_map_comm_config {
    unsigned workers;
    uint64_t blocks; /* tasks of the graph */
    uint64_t cells;  /* cells per block */
    uint64_t halo;   /* cells exchanged with each neighbour per step */
    uint64_t steps;  /* Jacobi steps */
    uint64_t work;   /* work units per cell update (mean) */
    bool increasing; /* block b costs work * 2 (b + 0.5) / B: expensive blocks at one end */
    int reps, warmup;
    bool pin;
} hx_map_comm_config;

void hx_map_comm_default(hx_map_comm_config *c);

typedef struct hx_map_comm_row {
    hx_map_comm_mapping mapping;
    hx_stats time;
    double speedup, imbalance;
    uint64_t cross_bytes, local_bytes; /* halo bytes per run crossing workers / staying on one */
    uint64_t cross_edges;              /* graph edges whose ends are on different workers */
    double llc_misses;                 /* per run, summed over workers; < 0: not readable */
    bool verified;
} hx_map_comm_row;

typedef struct hx_map_comm {
    hx_map_comm_config cfg;
    hx_stats serial;
    char perf_note[128]; /* why cache misses are not reported, when they are not */
    hx_map_comm_row rows[2];
} hx_map_comm;

int hx_map_comm_run(const hx_map_comm_config *c, hx_map_comm *out);
int hx_map_comm_write(FILE *out, hx_format fmt, const hx_map_comm *m);

#endif
