/*
 * team.c - the ranks one distributed row runs on, the threads inside each, and how work is cut
 * into blocks (see mpi.h).
 *
 * Threads per rank follow the hybrid rule "fill the node, not more": max(1, cores of the node /
 * ranks on the node), ranks on the node being the team's ranks that share this rank's memory
 * (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED).  Open MPI's mpirun binds each rank to a core
 * when it starts two ranks or fewer, to a socket for more, and to nothing when oversubscribed; a
 * binding narrower than the rule is respected (two threads on one core would only take turns) and
 * announced.
 */
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/mpi/mpi.h"

static int allowed_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return hx_cpu()->logical_cpus;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

/* OMP_NUM_THREADS's first value ("4" or "4,2"), 0 when unset or not a whole number. */
static int omp_num_threads_env(void) {
    const char *v = getenv("OMP_NUM_THREADS");
    if (!v || !*v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if ((*end != '\0' && *end != ',') || n < 1 || n > HX_MAX_THREADS)
        return 0;
    return (int)n;
}

int hx_mpi_threads_per_rank(int node_ranks) {
    static bool told;
    int allowed = allowed_cpus(), env = omp_num_threads_env();
    if (env > 0) {
        if (env > allowed && !told) {
            told = true;
            hx_notice("OMP_NUM_THREADS=%d threads per rank, but each rank may run on %d CPU%s "
                      "only (mpirun's binding): pass --bind-to none or --map-by slot:PE=%d",
                      env, allowed, allowed == 1 ? "" : "s", env);
        }
        return env;
    }
    int cores = hx_cpu()->logical_cpus;
    int rule = cores / (node_ranks > 0 ? node_ranks : 1);
    if (rule < 1)
        rule = 1;
    if (rule > allowed) {
        if (!told) {
            told = true;
            hx_notice("%d cores / %d ranks on this node = %d threads per rank, but mpirun bound "
                      "each rank to %d CPU%s: running %d (pass --bind-to none for %d)",
                      cores, node_ranks, rule, allowed, allowed == 1 ? "" : "s", allowed, rule);
        }
        rule = allowed;
    }
    return rule;
}

int hx_mpi_team_open(int ranks, int threads, hx_mpi_team *t) {
    memset(t, 0, sizeof *t);
    t->comm = MPI_COMM_NULL;
    if (!hx_mpi_active())
        return hx_fail(HX_ERR_RUNTIME, "internal: a distributed row without an MPI job");
    int world = hx_mpi_size(), me = hx_mpi_rank();
    int n = ranks > 0 ? ranks : world;
    if (n > world)
        return hx_fail(HX_ERR_USAGE, "%d ranks asked for, but the job has %d (mpirun -np %d ...)",
                       n, world, n);
    HX_MPI(MPI_Comm_split(MPI_COMM_WORLD, me < n ? 0 : MPI_UNDEFINED, me, &t->comm));
    if (t->comm == MPI_COMM_NULL)
        return HX_OK; /* not in this team: the row runs without this rank */
    t->member = true;
    HX_MPI(MPI_Comm_rank(t->comm, &t->rank));
    HX_MPI(MPI_Comm_size(t->comm, &t->size));
    MPI_Comm node;
    HX_MPI(MPI_Comm_split_type(t->comm, MPI_COMM_TYPE_SHARED, t->rank, MPI_INFO_NULL, &node));
    int status = MPI_Comm_size(node, &t->node_ranks);
    if (status == MPI_SUCCESS)
        status = MPI_Comm_rank(node, &t->node_rank);
    MPI_Comm_free(&node);
    HX_MPI(status);
    int first = t->node_rank == 0; /* one per node: their count is the node count */
    HX_MPI(MPI_Allreduce(&first, &t->nodes, 1, MPI_INT, MPI_SUM, t->comm));
    t->threads = threads > 0 ? threads : hx_mpi_threads_per_rank(t->node_ranks);
    return HX_OK;
}

void hx_mpi_team_close(hx_mpi_team *t) {
    if (t->comm != MPI_COMM_NULL)
        MPI_Comm_free(&t->comm);
    memset(t, 0, sizeof *t);
    t->comm = MPI_COMM_NULL;
}

void hx_mpi_block(uint64_t n, int p, int r, uint64_t *begin, uint64_t *end) {
    const uint64_t parts = (uint64_t)(p > 0 ? p : 1), k = (uint64_t)r;
    const uint64_t per = n / parts, extra = n % parts;
    *begin = k * per + (k < extra ? k : extra);
    *end = *begin + per + (k < extra ? 1 : 0);
}

int hx_mpi_check_blocks(const char *what, uint64_t n, uint64_t min_per_rank, int p) {
    if (n >= min_per_rank * (uint64_t)p)
        return HX_OK;
    return hx_fail(HX_ERR_USAGE,
                   "%s %llu is too small for %d ranks: each rank needs at least %llu; use at "
                   "least %llu or fewer ranks",
                   what, (unsigned long long)n, p, (unsigned long long)min_per_rank,
                   (unsigned long long)(min_per_rank * (uint64_t)p));
}

int hx_mpi_gather_blocks(MPI_Comm comm, const void *block, uint64_t n, size_t item_bytes,
                         void *out) {
    int rank, p;
    HX_MPI(MPI_Comm_rank(comm, &rank));
    HX_MPI(MPI_Comm_size(comm, &p));
    uint64_t begin, end;
    hx_mpi_block(n, p, 0, &begin, &end);
    if (p > 1 && end - begin > INT_MAX) /* the same answer on every rank */
        return hx_fail(HX_ERR_USAGE, "a block of %llu items is more than one MPI message holds",
                       (unsigned long long)(end - begin));
    MPI_Datatype item;
    HX_MPI(MPI_Type_contiguous((int)item_bytes, MPI_BYTE, &item));
    HX_MPI(MPI_Type_commit(&item));
    int status = MPI_SUCCESS;
    if (rank == 0) {
        memcpy(out, block, (size_t)(end - begin) * item_bytes);
        for (int r = 1; r < p && status == MPI_SUCCESS; r++) {
            hx_mpi_block(n, p, r, &begin, &end);
            status = MPI_Recv((char *)out + begin * item_bytes, (int)(end - begin), item, r, 0,
                              comm, MPI_STATUS_IGNORE);
        }
    } else {
        hx_mpi_block(n, p, rank, &begin, &end);
        status = MPI_Send(block, (int)(end - begin), item, 0, 0, comm);
    }
    MPI_Type_free(&item);
    HX_MPI(status);
    return HX_OK;
}
