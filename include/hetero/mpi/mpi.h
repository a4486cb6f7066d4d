/*
 * mpi.h - the message-passing runtime layer: an Open MPI job, its ranks, how they keep in step,
 * and what a workload gives to run on distributed memory.
 *
 * A job is every copy of hetero that `mpirun -np N` started; each copy is a rank with its own
 * address space (NORMA: no rank can read another's memory, only receive what it sends).  Every
 * rank runs the same command with the same arguments, so every rank makes the same plan; rank 0
 * (the root) does everything that needs the whole problem - the serial reference, the shared-
 * memory rows, the report - and the others (the followers) take part only in the distributed
 * rows.  Between those rows the followers wait on a control channel, sleeping rather than
 * polling, so the root's serial baseline has the machine to itself:
 *
 *     root                                   followers
 *     serial, simd, omp rows                 wait (sleeping) for a word on the control channel
 *     hx_mpi_call_followers()  -- GO -->     hx_mpi_call_followers() returns: the row starts
 *     the mpi row, every rank ...            ... the mpi row, every rank
 *     hx_mpi_stop(status)     -- STOP -->    hx_mpi_stop(): exit with the root's status
 *
 * A failure only some ranks see is made everyone's with hx_mpi_agree() (a max-reduction of the
 * statuses) before the next collective step, so a job never waits for a rank that gave up.  A
 * rank that dies (a signal, an abort) makes mpirun end the whole job; a rank that finds the
 * others out of step calls MPI_Abort rather than wait forever.
 *
 * MPI starts only under a launcher (mpirun, mpiexec, srun: their environment says so) or when a
 * command asks for the mpi backend; a command asking for it without a launcher runs as a
 * one-rank "singleton" job and says so (docs/mpi.md).
 *
 * A workload's distributed body is an hx_mpi_binding: prepare (each rank allocates and first-
 * touches its own block, its inputs generated from the seed at their global indices), run (one
 * timed run: compute and communicate, adding the seconds spent computing to job->compute_s), and
 * gather (the result on rank 0 for verification against the serial reference).  Variants are
 * the communication patterns of one workload (allreduce vs a hand-written tree, blocking vs
 * overlapped halos, static vs dynamic mapping), each run as its own row.
 */
#ifndef HETERO_MPI_MPI_H
#define HETERO_MPI_MPI_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the job ------------------------------------------------------------------------------ */

/* Whether a launcher started this process (Open MPI, MPICH/Hydra, PMIx or Slurm environment),
 * and, if so, its rank from that environment (before MPI_Init). */
bool hx_mpi_launched(int *rank);

/* Under a launcher, make every rank but the first quiet (error.h) before anything is parsed, so
 * a usage error is printed once for the job. */
void hx_mpi_prelude(void);

/* Start MPI when launched or requested.  threaded: the ranks run OpenMP threads (which never
 * call MPI): MPI_THREAD_FUNNELED, which the standard asks of a threaded process; else
 * MPI_THREAD_SINGLE, which Open MPI serves with a cheaper path (ping-pong: single-threaded).
 * requested without a launcher: a singleton job of one rank, announced.  Neither: nothing starts
 * and every query below answers for one process.  Safe to call twice. */
int hx_mpi_start(bool requested, bool threaded);

/* End the job: the root tells every follower the command's status (they return it), then
 * MPI_Finalize.  Returns the status this rank exits with (the root's, on every rank). */
int hx_mpi_stop(int status);

bool hx_mpi_active(void);
int hx_mpi_rank(void); /* in MPI_COMM_WORLD; 0 without a job */
int hx_mpi_size(void); /* 1 without a job */
bool hx_mpi_is_root(void);

/* Before each distributed step (a row every rank runs): the root calls the followers, who wait
 * for it sleeping.  HX_OK on every rank when the step starts; on a follower, the root's final
 * status when the root stopped instead (the follower then has nothing more to do). */
int hx_mpi_call_followers(void);

/* After a distributed step: the root sends `bytes` (at most HX_MPI_SHARE_MAX) of data, the
 * followers receive them - sleeping, like hx_mpi_call_followers(), so ranks outside the step's
 * team stay off the cores while it runs.  Rank 0's verdict on a row reaches every rank this way. */
#define HX_MPI_SHARE_MAX 64
int hx_mpi_share(void *data, size_t bytes);

/* Collective over comm: the worst (largest) of every rank's status.  A rank whose own status
 * failed prints its message with its rank first (quiet ranks included); a rank that was fine
 * but learns of another's failure returns that status with a message saying so. */
int hx_mpi_agree(MPI_Comm comm, int status);

/* An MPI error code as one line (MPI_Error_string) into hx_fail(HX_ERR_RUNTIME). */
int hx_mpi_fail(int mpi_code, const char *what);

/* Check an MPI call (communicators here return errors: MPI_ERRORS_RETURN). */
#define HX_MPI(call)                                                                               \
    do {                                                                                           \
        int hx_mpi_rc_ = (call);                                                                   \
        if (hx_mpi_rc_ != MPI_SUCCESS)                                                             \
            return hx_mpi_fail(hx_mpi_rc_, #call);                                                 \
    } while (0)

/* ---- the ranks of one row ----------------------------------------------------------------- */

/* The ranks a distributed row runs on: all of them, or the first n (`hetero scale --ranks`). */
typedef struct hx_mpi_team {
    MPI_Comm comm;  /* MPI_COMM_NULL on a rank outside the team */
    int rank, size; /* in comm */
    int node_ranks; /* ranks of the team on this rank's node (shared memory) */
    int node_rank;  /* this rank's place among them */
    int nodes;      /* nodes the team spans */
    int threads;    /* OpenMP threads each rank runs (see hx_mpi_threads_per_rank) */
    bool member;
} hx_mpi_team;

/* Collective over MPI_COMM_WORLD: the team of the first `ranks` ranks (0: every rank).
 * threads > 0 fixes the threads per rank; 0 takes the default rule. */
int hx_mpi_team_open(int ranks, int threads, hx_mpi_team *t);
void hx_mpi_team_close(hx_mpi_team *t);

/* The default threads per rank: OMP_NUM_THREADS when set, else max(1, cores of the node / ranks
 * on the node), and never more than the CPUs the launcher bound this rank to (a narrower binding
 * is announced once, with the mpirun option that widens it). */
int hx_mpi_threads_per_rank(int node_ranks);

/* Rank r's block of n items split over p ranks: [*begin, *end), sizes differing by at most one
 * (the first n % p ranks get one more), so 3 ranks work as well as 4. */
void hx_mpi_block(uint64_t n, int p, int r, uint64_t *begin, uint64_t *end);

/* Rank 0 collects every rank's hx_mpi_block() share of an n-item array into out (n items of
 * item_bytes; NULL on the other ranks), each rank sending its `block`.  Point to point, and no
 * allocation, so it cannot fail on one rank alone; for verification, outside the timed runs. */
int hx_mpi_gather_blocks(MPI_Comm comm, const void *block, uint64_t n, size_t item_bytes,
                         void *out);

/* HX_ERR_USAGE unless every one of p ranks gets at least one of the n items of `what`
 * ("--size 3 (elements) gives 4 ranks ..."). */
int hx_mpi_check_blocks(const char *what, uint64_t n, uint64_t min_per_rank, int p);

/* ---- what a command asks of its distributed rows ------------------------------------------ */

/* ---- a workload's distributed body ------------------------------------------------------- */

struct hx_problem;     /* workloads/workload.h: the layer above, reached through a pointer */
struct hx_ocl_session; /* ocl/ocl.h: a rank's own OpenCL device (hybrid runs) */

typedef struct hx_mpi_job {
    const struct hx_problem *problem; /* size, seed, parameters (no data on followers) */
    MPI_Comm comm;
    int rank, ranks;
    int threads;                    /* OpenMP threads inside this rank (the caller has set them) */
    int variant;                    /* index into the binding's variants */
    int grid[2];                    /* --grid, or {0, 0} */
    unsigned chunk;                 /* --chunk, or 0 */
    struct hx_ocl_session *session; /* hybrid: this rank's OpenCL device, else NULL */
    void *state;                    /* the binding's own, from prepare */
    double compute_s; /* run: seconds this rank spent computing (the rest is communication) */
    char layout[64];  /* prepare may describe its decomposition ("2x2 grid", "cyclic rows") */
} hx_mpi_job;

#define HX_MPI_MAX_VARIANTS 4

typedef struct hx_mpi_variant {
    const char *name;    /* "allreduce", "tree", "sendrecv", "overlap", "block", ... */
    const char *pattern; /* one line: what the ranks send each other */
    bool device;         /* each rank runs its block on its own OpenCL device: only with --device */
} hx_mpi_variant;

typedef struct hx_mpi_binding {
    hx_mpi_variant variants[HX_MPI_MAX_VARIANTS];
    size_t nvariants;
    /* How the result is checked: "gathered" (the whole result on rank 0 against the serial
     * reference) or "rank-wise" (every rank's copy must also agree); one line for docs and the
     * report. */
    const char *verification;
    bool uses_grid;  /* reads --grid (a 2-D decomposition) */
    bool uses_chunk; /* reads --chunk (manager/worker) */
    /* HX_OK, or HX_ERR_USAGE when the problem cannot be split over the ranks (a size smaller
     * than the ranks, a grid that does not fit).  Pure arithmetic, checked before anything runs. */
    int (*check)(const struct hx_problem *p, int ranks, const int grid[2]);
    /* Every rank: allocate and first-touch its block, inputs from the seed.  A local failure must
     * not return before hx_mpi_agree(job->comm, status), and collectives come after it, so every
     * rank leaves prepare through the same calls. */
    int (*prepare)(hx_mpi_job *job);
    /* One run on every rank: compute and communicate; add the computing seconds to
     * job->compute_s (zeroed before each run; a rank that only coordinates leaves it negative).
     * Everything it needs was allocated by prepare: a run does not fail. */
    int (*run)(hx_mpi_job *job);
    /* After the runs, every rank: the result into out on rank 0 (out is NULL elsewhere); the
     * same rule as prepare for local failures. */
    int (*gather)(hx_mpi_job *job, void *out);
    void (*release)(hx_mpi_job *job);
} hx_mpi_binding;

/* Timing helpers for a binding's run: t = hx_mpi_compute_begin(); ... ; hx_mpi_compute_end(job, t)
 * around each stretch of computing. */
static inline double hx_mpi_compute_begin(void) {
    return MPI_Wtime();
}
static inline void hx_mpi_compute_end(hx_mpi_job *job, double t0) {
    job->compute_s += MPI_Wtime() - t0;
}

#endif
