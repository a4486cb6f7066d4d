/*
 * collectives.c - MPI_Allreduce, MPI_Bcast and MPI_Alltoall against ranks and message size (see
 * bench.h).
 *
 * For each rank count p (2, 4, 8, ... and the job's size) the first p ranks form a communicator
 * and time every operation at every size: a batch is a barrier, then `iters` calls, each rank
 * timing its own; a point is the median batch (by the ranks' average), with the fastest and the
 * slowest rank of that batch beside it, as OSU's osu_allreduce reports Avg, Min and Max.  The
 * calls per batch shrink with the bytes a call moves (OSU's rule again, at a tenth).  Before each
 * rank count the root calls its followers (runtime.c), so the ranks left out of a smaller
 * communicator sleep instead of spinning on the cores the measured ranks need.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/mpi/bench.h"
#include "hetero/mpi/mpi.h"

#define BATCH_BYTES_MAX (64u << 20) /* bytes one rank sends in a batch, at most */

static const char *const op_names[HX_COLL_COUNT + 1] = {"allreduce", "bcast", "alltoall", NULL};

const char *hx_collective_name(hx_collective op) {
    return (unsigned)op < HX_COLL_COUNT ? op_names[op] : "?";
}

int hx_collectives_parse_ops(const char *text, bool ops[HX_COLL_COUNT]) {
    char copy[128];
    snprintf(copy, sizeof copy, "%s", text ? text : "");
    char *items[HX_COLL_COUNT * 2];
    size_t n = 0;
    HX_TRY(hx_split_list("--ops", copy, items, HX_COLL_COUNT * 2, &n));
    memset(ops, 0, HX_COLL_COUNT * sizeof ops[0]);
    for (size_t i = 0; i < n; i++) {
        int k;
        HX_TRY(hx_parse_choice("--ops", items[i], op_names, &k));
        ops[k] = true;
    }
    return HX_OK;
}

int hx_collectives_check(const hx_collectives_opts *o) {
    if (o->batches < 3)
        return hx_fail(HX_ERR_USAGE, "--batches %d: at least 3 (the median is reported)",
                       o->batches);
    if (o->iters < 10)
        return hx_fail(HX_ERR_USAGE, "--iters %d: at least 10 calls a batch", o->iters);
    for (size_t i = 0; i < o->nsizes; i++)
        if (o->sizes[i] < 4 || o->sizes[i] > ((size_t)64 << 20))
            return hx_fail(HX_ERR_USAGE, "--sizes: %zu bytes is out of range; accepted: 4 to 64M",
                           o->sizes[i]);
    return HX_OK;
}

/* Bytes one rank sends in one call of op with p ranks. */
static size_t bytes_per_call(hx_collective op, size_t bytes, int p) {
    return op == HX_COLL_ALLTOALL ? bytes * (size_t)(p - 1) : bytes;
}

static int calls_per_batch(const hx_collectives_opts *o, hx_collective op, size_t bytes, int p) {
    size_t moved = bytes_per_call(op, bytes, p), iters = (size_t)o->iters;
    if (moved >= 8192)
        iters /= 10;
    if (iters * moved > BATCH_BYTES_MAX)
        iters = BATCH_BYTES_MAX / moved;
    return iters < 5 ? 5 : (int)iters;
}

static int call(hx_collective op, float *send, float *recv, size_t bytes, MPI_Comm comm) {
    switch (op) {
    case HX_COLL_ALLREDUCE:
        HX_MPI(MPI_Allreduce(send, recv, (int)(bytes / sizeof(float)), MPI_FLOAT, MPI_SUM, comm));
        break;
    case HX_COLL_BCAST:
        HX_MPI(MPI_Bcast(send, (int)bytes, MPI_BYTE, 0, comm));
        break;
    default:
        HX_MPI(MPI_Alltoall(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, comm));
    }
    return HX_OK;
}

typedef struct batch {
    double avg, min, max;
} batch;

static int cmp_batch(const void *a, const void *b) {
    double x = ((const batch *)a)->avg, y = ((const batch *)b)->avg;
    return (x > y) - (x < y);
}

/* One point on the communicator: the median batch on rank 0. */
static int measure_point(MPI_Comm comm, int p, hx_collective op, size_t bytes, int iters,
                         int batches, float *send, float *recv, hx_collective_point *pt) {
    batch b[32];
    int nb = batches < 32 ? batches : 32;
    for (int k = -1; k < nb; k++) { /* k = -1: warm-up */
        int n = k < 0 ? (iters / 10 > 0 ? iters / 10 : 1) : iters;
        HX_MPI(MPI_Barrier(comm));
        double t0 = MPI_Wtime();
        for (int i = 0; i < n; i++)
            HX_TRY(call(op, send, recv, bytes, comm));
        double mine = (MPI_Wtime() - t0) / n * 1e6, lo, hi, sum;
        HX_MPI(MPI_Reduce(&mine, &lo, 1, MPI_DOUBLE, MPI_MIN, 0, comm));
        HX_MPI(MPI_Reduce(&mine, &hi, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
        HX_MPI(MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, comm));
        if (k >= 0)
            b[k] = (batch){sum / p, lo, hi};
    }
    qsort(b, (size_t)nb, sizeof b[0], cmp_batch);
    const batch *mid = &b[nb / 2];
    *pt = (hx_collective_point){op, p, bytes, iters, mid->avg, mid->min, mid->max};
    return HX_OK;
}

/* Every op and size on the first p ranks (called on the members only). */
static int measure_ranks(MPI_Comm comm, int p, const hx_collectives_opts *o, float *send,
                         float *recv, hx_collectives_result *r) {
    for (int op = 0; op < HX_COLL_COUNT; op++) {
        if (!o->ops[op])
            continue;
        for (size_t s = 0; s < o->nsizes && r->n < HX_COLLECTIVE_MAX; s++) {
            int iters = calls_per_batch(o, (hx_collective)op, o->sizes[s], p);
            HX_TRY(measure_point(comm, p, (hx_collective)op, o->sizes[s], iters, o->batches, send,
                                 recv, &r->points[r->n]));
            r->n++;
        }
    }
    return HX_OK;
}

/* The rank counts: 2, 4, 8, ... below the job's size, then the size itself. */
static size_t rank_counts(int world, int *counts, size_t cap) {
    size_t n = 0;
    for (int p = 2; p < world && n + 1 < cap; p *= 2)
        counts[n++] = p;
    counts[n++] = world;
    return n;
}

int hx_mpi_collectives(const hx_collectives_opts *o, hx_collectives_result *r) {
    memset(r, 0, sizeof *r);
    r->opts = *o;
    r->ranks = hx_mpi_size();
    if (r->ranks < 2)
        return hx_fail(HX_ERR_USAGE,
                       "hetero mpi collectives needs at least 2 ranks and this job "
                       "has %d: run it as 'mpirun -np 4 hetero mpi collectives'",
                       r->ranks);
    size_t largest = 0;
    for (size_t s = 0; s < o->nsizes; s++)
        largest = o->sizes[s] > largest ? o->sizes[s] : largest;
    size_t buf_bytes = largest * (size_t)r->ranks; /* alltoall: one block per rank */
    float *send = NULL, *recv = NULL;
    int status = hx_alloc_checked((void **)&send, buf_bytes, "the send buffer");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&recv, buf_bytes, "the receive buffer");
    status = hx_mpi_agree(MPI_COMM_WORLD, status);
    if (status == HX_OK) {
        memset(send, 0, buf_bytes); /* zeros: sums of them stay finite */
        memset(recv, 0, buf_bytes);
    }
    int counts[32];
    size_t ncounts = rank_counts(r->ranks, counts, 32);
    for (size_t c = 0; status == HX_OK && c < ncounts; c++) {
        status = hx_mpi_call_followers(); /* the others sleep through the smaller counts */
        if (status != HX_OK)
            break;
        MPI_Comm comm;
        int me = hx_mpi_rank();
        status = MPI_Comm_split(MPI_COMM_WORLD, me < counts[c] ? 0 : MPI_UNDEFINED, me, &comm);
        if (status != MPI_SUCCESS) {
            status = hx_mpi_fail(status, "MPI_Comm_split");
            break;
        }
        if (comm == MPI_COMM_NULL)
            continue;
        status = measure_ranks(comm, counts[c], o, send, recv, r);
        MPI_Comm_free(&comm);
    }
    hx_free(send);
    hx_free(recv);
    return status;
}
