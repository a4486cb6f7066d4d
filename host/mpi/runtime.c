/*
 * runtime.c - the job: starting and ending MPI, the control channel on which the root calls its
 * followers, and the agreement on failures (see mpi.h).
 *
 * The control channel is a duplicate of MPI_COMM_WORLD, so its one-int words can never be taken
 * for a workload's messages.  A follower waits for a word with MPI_Irecv and MPI_Test, sleeping
 * between tests (50 us, doubling to 2 ms): a rank that busy-polled while the root measured its
 * serial baseline would take a core from it on a small machine, and that baseline is what every
 * speedup is divided by.  MPI errors stay fatal to the job (MPI_ERRORS_ARE_FATAL, the default):
 * a failed call ends every rank instead of leaving the others in a collective that never
 * completes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/noise.h"
#include "hetero/mpi/mpi.h"

enum { TAG_CONTROL = 1 };

/* One word on the control channel, root to follower. */
typedef enum { WORD_GO, WORD_STOP, WORD_DATA } word_kind;

typedef struct control_word {
    int kind;   /* word_kind */
    int status; /* WORD_STOP: the root's final status */
    unsigned char data[HX_MPI_SHARE_MAX];
} control_word;

static struct {
    bool active;    /* this process called MPI_Init and not yet MPI_Finalize */
    bool singleton; /* started without a launcher */
    int rank, size;
    MPI_Comm control;
    bool stopped;    /* follower: the root's final word has arrived */
    int stop_status; /* ... and said this */
} job = {.size = 1, .control = MPI_COMM_NULL};

/* ---- the launcher ------------------------------------------------------------------------- */

static bool env_rank(const char *name, int *rank) {
    const char *v = getenv(name);
    if (!v || !*v)
        return false;
    char *end;
    long r = strtol(v, &end, 10);
    if (*end != '\0' || r < 0)
        return false;
    *rank = (int)r;
    return true;
}

bool hx_mpi_launched(int *rank) {
    int r = 0;
    bool launched = env_rank("OMPI_COMM_WORLD_RANK", &r) || env_rank("PMIX_RANK", &r) ||
                    env_rank("PMI_RANK", &r);
    if (rank)
        *rank = launched ? r : 0;
    return launched;
}

void hx_mpi_prelude(void) {
    int rank;
    if (hx_mpi_launched(&rank) && rank > 0)
        hx_messages_quiet(1);
}

int hx_mpi_fail(int mpi_code, const char *what) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(mpi_code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", mpi_code);
    return hx_fail(HX_ERR_RUNTIME, "%s failed: %s", what, text);
}

/* ---- start and stop ----------------------------------------------------------------------- */

/* The other ranks on this node are this job, not other programs: give the noise readings
 * (core/noise.h) their pids, so the CPU they spend counts as hetero's own. */
static int tell_noise_the_node(void) {
    MPI_Comm node;
    HX_MPI(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, job.rank, MPI_INFO_NULL, &node));
    int n = 0, rc = MPI_Comm_size(node, &n);
    int *pids = rc == MPI_SUCCESS ? calloc((size_t)n, sizeof *pids) : NULL;
    int mine = (int)getpid();
    if (pids)
        rc = MPI_Allgather(&mine, 1, MPI_INT, pids, 1, MPI_INT, node);
    MPI_Comm_free(&node);
    int status = HX_OK;
    if (rc != MPI_SUCCESS)
        status = hx_mpi_fail(rc, "MPI_Allgather of the ranks' pids");
    else if (!pids)
        status = hx_fail(HX_ERR_RUNTIME, "out of memory for %d pids", n);
    else
        hx_noise_set_peers(pids, (size_t)n);
    free(pids);
    return status;
}

int hx_mpi_start(bool requested, bool threaded) {
    if (job.active)
        return HX_OK;
    bool launched = hx_mpi_launched(NULL);
    if (!launched && !requested)
        return HX_OK;
    int initialised = 0, provided = 0;
    HX_MPI(MPI_Initialized(&initialised));
    const int wanted = threaded ? MPI_THREAD_FUNNELED : MPI_THREAD_SINGLE;
    if (!initialised)
        HX_MPI(MPI_Init_thread(NULL, NULL, wanted, &provided));
    else
        HX_MPI(MPI_Query_thread(&provided));
    job.active = true;
    job.singleton = !launched;
    HX_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &job.rank));
    HX_MPI(MPI_Comm_size(MPI_COMM_WORLD, &job.size));
    HX_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &job.control));
    job.stopped = false;
    HX_TRY(tell_noise_the_node());
    if (job.rank > 0)
        hx_messages_quiet(1);
    if (provided < wanted)
        hx_notice("this MPI gives no thread support (MPI_THREAD_FUNNELED): the OpenMP threads "
                  "inside each rank never call MPI, which most MPIs allow anyway");
    if (job.singleton)
        hx_notice("not started by a launcher: running as a singleton MPI job of 1 rank "
                  "(mpirun -np N hetero ... starts N ranks)");
    return HX_OK;
}

static void sleep_a_little(struct timespec *ts) {
    nanosleep(ts, NULL);
    if (ts->tv_nsec < 2000000)
        ts->tv_nsec *= 2;
}

/* Follower: the next word from the root, waiting without spinning on a core. */
static int wait_word(control_word *w) {
    MPI_Request req;
    HX_MPI(MPI_Irecv(w, (int)sizeof *w, MPI_BYTE, 0, TAG_CONTROL, job.control, &req));
    struct timespec ts = {0, 50000};
    for (;;) {
        int done = 0;
        HX_MPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
        if (done)
            return HX_OK;
        sleep_a_little(&ts);
    }
}

static int send_word(const control_word *w) {
    for (int r = 1; r < job.size; r++)
        HX_MPI(MPI_Send(w, (int)sizeof *w, MPI_BYTE, r, TAG_CONTROL, job.control));
    return HX_OK;
}

/* A follower that finds the root doing something else than it is: waiting would hang the job. */
static void out_of_step(const char *expected, const control_word *got) {
    static const char *const kinds[] = {"the start of a distributed row", "the end of the job",
                                        "a result"};
    fprintf(stderr,
            "hetero: rank %d: out of step with rank 0: expected %s, rank 0 sent %s; ending the "
            "job rather than waiting\n",
            job.rank, expected, got->kind >= 0 && got->kind <= WORD_DATA ? kinds[got->kind] : "?");
    MPI_Abort(MPI_COMM_WORLD, HX_ERR_RUNTIME);
    exit(HX_ERR_RUNTIME); /* not reached: MPI_Abort ends the process */
}

/* Follower: wait for a word of kind `want`; a STOP instead means the root gave up (its status is
 * returned, and this rank is done); anything else is a job out of step. */
static int expect_word(word_kind want, const char *what, control_word *w) {
    if (job.stopped)
        return job.stop_status;
    HX_TRY(wait_word(w));
    if (w->kind == (int)want)
        return HX_OK;
    if (w->kind != WORD_STOP || w->status == HX_OK)
        out_of_step(what, w);
    job.stopped = true;
    job.stop_status = w->status;
    return w->status;
}

int hx_mpi_stop(int status) {
    if (!job.active)
        return status;
    control_word w = {.kind = WORD_STOP, .status = status};
    if (job.rank == 0) {
        int sent = send_word(&w);
        if (sent != HX_OK && status == HX_OK)
            status = hx_report_error(sent);
    } else if (job.stopped) {
        status = job.stop_status;
    } else if (wait_word(&w) == HX_OK) {
        if (w.kind != WORD_STOP)
            out_of_step("the end of the job", &w);
        status = w.status;
    }
    MPI_Comm_free(&job.control);
    MPI_Finalize();
    job.active = false;
    job.rank = 0;
    job.size = 1;
    return status;
}

bool hx_mpi_active(void) {
    return job.active;
}

int hx_mpi_rank(void) {
    return job.rank;
}

int hx_mpi_size(void) {
    return job.size;
}

bool hx_mpi_is_root(void) {
    return job.rank == 0;
}

int hx_mpi_call_followers(void) {
    if (!job.active || job.size == 1)
        return HX_OK;
    control_word w = {.kind = WORD_GO};
    if (job.rank == 0)
        return send_word(&w);
    return expect_word(WORD_GO, "the start of a distributed row", &w);
}

int hx_mpi_share(void *data, size_t bytes) {
    if (bytes > HX_MPI_SHARE_MAX)
        return hx_fail(HX_ERR_RUNTIME, "internal: %zu bytes to share, at most %d", bytes,
                       HX_MPI_SHARE_MAX);
    if (!job.active || job.size == 1)
        return HX_OK;
    control_word w = {.kind = WORD_DATA};
    if (job.rank == 0) {
        memcpy(w.data, data, bytes);
        return send_word(&w);
    }
    HX_TRY(expect_word(WORD_DATA, "a result", &w));
    memcpy(data, w.data, bytes);
    return HX_OK;
}

int hx_mpi_agree(MPI_Comm comm, int status) {
    struct {
        int status, rank;
    } mine = {status, job.rank}, worst;
    HX_MPI(MPI_Allreduce(&mine, &worst, 1, MPI_2INT, MPI_MAXLOC, comm));
    if (status != HX_OK) {
        if (job.rank > 0) /* quiet ranks still say why they failed: nobody else knows */
            fprintf(stderr, "hetero: rank %d: %s\n", job.rank, hx_error_message());
        return status;
    }
    if (worst.status != HX_OK)
        return hx_fail(worst.status, "rank %d failed (its message is above)", worst.rank);
    return HX_OK;
}
