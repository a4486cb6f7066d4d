/*
 * bench.h - `hetero mpi`: what a message costs, measured (ping-pong) and modelled (Hockney), and
 * what the collectives cost against ranks and size.
 *
 * Ping-pong (OSU's osu_latency): ranks 0 and 1 send a message of n bytes back and forth; half of
 * a round trip is the time of one message.  Every power of two from --min to --max is measured in
 * batches, each a fixed number of round trips after an untimed warm-up; the report gives the best
 * batch (the machine's capability, least disturbed) with the median beside it (what a run sees).
 * The iteration rule is OSU's shape - a fixed count per size that shrinks for large messages -
 * at a tenth of its counts, so a whole sweep takes seconds: `iters` (1000) round trips a batch
 * below 8 KiB, iters / 10 from there, and no more than 256 MiB moved a batch one way (at least
 * 10 round trips).
 *
 * The Hockney model t(n) = alpha + n / beta (alpha the latency of an empty message, beta the
 * bandwidth a long one approaches) is fitted to the best times by least squares weighted by
 * 1 / t^2, so every size counts by its relative error, with R^2 in the same weights.  One line
 * rarely fits every size: transports switch protocol (eager copies below a few KiB, a rendezvous
 * handshake above), which the residuals show.
 *
 * The transport is read from the MPI library's own settings (MPI_T control variables "pml" and
 * "btl" of Open MPI: what --mca btl self,vader or self,tcp set) and from where the two ranks run
 * (one node or two), and reported with the reason; another MPI library gives "unknown".
 *
 * Collectives: MPI_Allreduce, MPI_Bcast and MPI_Alltoall over the first p ranks, for p = 2, 4,
 * ... and the job's size, at every size of --sizes; per point the time per call, averaged over
 * the ranks (OSU's Avg) with the fastest and slowest rank beside it, from the median of the
 * batches.  Ranks outside a point's communicator wait for it sleeping.
 *
 * Everything here is collective over MPI_COMM_WORLD: every rank calls, rank 0 gets the results.
 */
#ifndef HETERO_MPI_BENCH_H
#define HETERO_MPI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hetero/core/output.h"
#include "hetero/core/plot.h"
#include "hetero/mpi/mpi.h"

#define HX_PINGPONG_SCHEMA    "hetero.mpi.pingpong/1"
#define HX_COLLECTIVES_SCHEMA "hetero.mpi.collectives/1"
#define HX_PINGPONG_MAX       40
#define HX_COLLECTIVE_MAX     512

typedef struct hx_pingpong_opts {
    size_t min_bytes, max_bytes; /* powers of two from min to max (1 .. 16 MiB) */
    int batches;                 /* >= 5 */
    int iters;                   /* round trips a batch below 8 KiB (1000) */
} hx_pingpong_opts;

typedef struct hx_pingpong_point {
    size_t bytes;
    int iters;         /* round trips a batch */
    double latency_us; /* best batch: half a round trip */
    double median_us;  /* median batch */
    double gbps;       /* bytes / latency */
} hx_pingpong_point;

typedef struct hx_hockney {
    bool ok;
    double alpha_us, beta_gbps, r2;
    size_t points;
} hx_hockney;

/* What carried the messages. */
typedef struct hx_transport {
    char name[32];    /* "vader", "tcp", "ucx", "unknown" */
    char what[48];    /* "shared memory", "TCP loopback", "TCP network", ... */
    char detail[192]; /* how it was decided */
    bool same_node;
} hx_transport;

typedef struct hx_pingpong_result {
    hx_pingpong_opts opts;
    hx_pingpong_point points[HX_PINGPONG_MAX];
    size_t n;
    hx_hockney fit;
    hx_transport transport;
    int ranks; /* of the job */
} hx_pingpong_result;

/* HX_ERR_USAGE unless min and max are powers of two, 1 <= min <= max <= 1 GiB, batches >= 5 and
 * iters >= 10.  Pure: checked before MPI starts. */
int hx_pingpong_check(const hx_pingpong_opts *o);

/* The round trips of one batch at this size (the rule above). */
int hx_pingpong_iters(const hx_pingpong_opts *o, size_t bytes);

/* Measure (collective; at least 2 ranks, else HX_ERR_USAGE naming mpirun). */
int hx_mpi_pingpong(const hx_pingpong_opts *o, hx_pingpong_result *r);

/* Fit the Hockney model to the points (pure; the unit tests feed it exact times). */
hx_hockney hx_hockney_fit(const hx_pingpong_point *pts, size_t n);

/* The transport between world ranks 0 and 1 (collective over the pair's communicator). */
int hx_mpi_transport(MPI_Comm pair, hx_transport *t);

int hx_pingpong_write(FILE *out, hx_format fmt, const hx_pingpong_result *r);
int hx_pingpong_plot(const char *path, const hx_pingpong_result *r);

typedef enum { HX_COLL_ALLREDUCE, HX_COLL_BCAST, HX_COLL_ALLTOALL, HX_COLL_COUNT } hx_collective;

typedef struct hx_collectives_opts {
    bool ops[HX_COLL_COUNT];
    size_t sizes[32]; /* bytes: per rank (allreduce, bcast) or per pair of ranks (alltoall) */
    size_t nsizes;
    int batches; /* >= 3 */
    int iters;   /* calls a batch for small messages (100); fewer as they grow */
} hx_collectives_opts;

typedef struct hx_collective_point {
    hx_collective op;
    int ranks;
    size_t bytes;
    int iters;
    double avg_us, min_us, max_us; /* time per call over the ranks: mean, fastest, slowest */
} hx_collective_point;

typedef struct hx_collectives_result {
    hx_collectives_opts opts;
    hx_collective_point points[HX_COLLECTIVE_MAX];
    size_t n;
    int ranks;
} hx_collectives_result;

const char *hx_collective_name(hx_collective op);
/* Parse --ops=allreduce,bcast,alltoall. */
int hx_collectives_parse_ops(const char *text, bool ops[HX_COLL_COUNT]);
int hx_collectives_check(const hx_collectives_opts *o);
/* Measure (collective; at least 2 ranks). */
int hx_mpi_collectives(const hx_collectives_opts *o, hx_collectives_result *r);
int hx_collectives_write(FILE *out, hx_format fmt, const hx_collectives_result *r);
int hx_collectives_plot(const char *path, const hx_collectives_result *r);

#endif
