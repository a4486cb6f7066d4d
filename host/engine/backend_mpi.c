/*
 * backend_mpi.c - the mpi backend: a workload's distributed body (its hx_mpi_binding) on the ranks
 * of an MPI job, one row per communication pattern (variant).
 *
 * MIMD on distributed memory: the processing elements are ranks x threads per rank (x the SIMD
 * lanes of the omp-simd body each rank runs, as on the omp-simd row, so the efficiency columns
 * compare; a rank on an OpenCL device counts that device's processing elements).  Each rank
 * allocates and first-touches its own block (the binding's prepare), so no rank ever holds the
 * whole input; rank 0 also holds the whole problem for the serial reference (engine/job.h).
 *
 * Timing, per run, on every rank of the team:
 *
 *     MPI_Barrier                 everyone starts together
 *     t0 = MPI_Wtime()
 *     binding run                 computing (summed into job.compute_s) and communicating
 *     t = MPI_Wtime() - t0
 *     max-reduction over ranks    the run takes as long as its slowest rank
 *
 * The row's main time is the slowest rank's computing time (like a device row's kernel time) and
 * its end-to-end time the slowest rank's whole run, with communication (like a device row's
 * transfers).  comm_fraction = 1 - compute / end-to-end (medians) is what communication and
 * waiting cost; imbalance = the slowest rank's computing time over the mean of the ranks that
 * compute (1 = perfectly balanced).  After the timed runs the binding gathers the result on rank
 * 0, which verifies it against the serial reference and shares its verdict with every rank.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/simd.h"
#include "hetero/core/stats.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/job.h"
#include "hetero/mpi/mpi.h"

/* One mpi row in progress.  Rows run one after another, so one lives at a time. */
typedef struct mpi_row {
    hx_mpi_team team;
    hx_mpi_job job;
    const hx_mpi_binding *b;
    bool prepared;
    int runs;               /* runs so far, warm-up ones first */
    double *compute, *e2e;  /* root: the timed runs' slowest-rank times */
    double *imbalance;      /* root: each timed run's max / mean computing time */
    double *rank_compute;   /* root: one computing time per team rank (MPI_Gather) */
    hx_ocl_device *devices; /* hybrid rows: every OpenCL device, one of them this rank's */
    size_t ndevices;
    hx_ocl_session session;
    bool session_open;
} mpi_row;

static mpi_row current;

static bool mpi_has(const hx_workload *w, hx_backend b) {
    (void)b;
    return w->mpi != NULL;
}

static int mpi_describe(const hx_instance *in, hx_backend b, const hx_target *t, hx_result *r) {
    (void)b;
    if (!t || !t->mpi)
        return hx_fail(HX_ERR_RUNTIME, "internal: an mpi row needs its ranks");
    const hx_workload *w = in->problem.workload;
    r->ranks = t->mpi->ranks > 0 ? t->mpi->ranks : hx_engine_ranks();
    snprintf(r->variant, sizeof r->variant, "%s", hx_mpi_variant_name(w, t->mpi_variant));
    snprintf(r->device, sizeof r->device, "%d rank%s", r->ranks, r->ranks == 1 ? "" : "s");
    return HX_OK;
}

/* This rank's OpenCL device for a hybrid row: device (node rank mod count) of those --device
 * names, so the ranks of a node share out its GPUs. */
static int open_device(mpi_row *s, const char *spec) {
    HX_TRY(hx_ocl_devices(&s->devices, &s->ndevices));
    size_t picked[64], n;
    HX_TRY(hx_ocl_select(spec, s->devices, s->ndevices < 64 ? s->ndevices : 64, picked, &n));
    const hx_ocl_device *d = &s->devices[picked[(size_t)s->team.node_rank % n]];
    HX_TRY(hx_ocl_session_open(d, &s->session));
    s->session_open = true;
    s->job.session = (struct hx_ocl_session *)&s->session;
    return HX_OK;
}

/* What every member rank needs before prepare: threads, the job, the root's sample arrays, the
 * device of a hybrid row.  Local: failures are agreed on by the caller. */
static int open_member(mpi_row *s, hx_backend_run *run) {
    const hx_mpi_spec *spec = run->target->mpi;
    omp_set_num_threads(s->team.threads);
    s->job = (hx_mpi_job){
        .problem = &run->in->problem,
        .comm = s->team.comm,
        .rank = s->team.rank,
        .ranks = s->team.size,
        .threads = s->team.threads,
        .variant = run->target->mpi_variant,
        .grid = {spec->grid[0], spec->grid[1]},
        .chunk = spec->chunk,
    };
    if (s->team.rank == 0) {
        size_t reps = (size_t)run->opts->reps;
        s->compute = calloc(3 * reps, sizeof *s->compute);
        s->rank_compute = calloc((size_t)s->team.size, sizeof *s->rank_compute);
        if (!s->compute || !s->rank_compute)
            return hx_fail(HX_ERR_RUNTIME, "out of memory");
        s->e2e = s->compute + reps;
        s->imbalance = s->e2e + reps;
    }
    if (s->b->variants[s->job.variant].device)
        HX_TRY(open_device(s, spec->device));
    return HX_OK;
}

static void close_row(mpi_row *s) {
    if (s->prepared && s->b->release)
        s->b->release(&s->job);
    if (s->session_open)
        hx_ocl_session_close(&s->session);
    free(s->devices);
    free(s->compute);
    free(s->rank_compute);
    hx_mpi_team_close(&s->team);
    memset(s, 0, sizeof *s);
}

static int mpi_open(hx_backend_run *run) {
    HX_TRY(hx_mpi_call_followers()); /* the followers were waiting for this row */
    mpi_row *s = &current;
    memset(s, 0, sizeof *s);
    s->b = run->in->problem.workload->mpi;
    run->state = s;
    const hx_mpi_spec *spec = run->target->mpi;
    int status = hx_mpi_team_open(spec->ranks, spec->threads, &s->team);
    if (status != HX_OK || !s->team.member) /* team_open fails alike on every rank */
        return status;
    status = hx_mpi_agree(s->team.comm, open_member(s, run));
    if (status == HX_OK) {
        status = hx_mpi_agree(s->team.comm, s->b->prepare(&s->job));
        s->prepared = true; /* release copes with a partial prepare */
    }
    if (status != HX_OK)
        close_row(s);
    return status;
}

/* The slowest rank's computing time and the mean over the ranks that compute, on the root. */
static void compute_spread(const mpi_row *s, double *max, double *mean) {
    double sum = 0.0;
    int n = 0;
    *max = 0.0;
    for (int r = 0; r < s->team.size; r++) {
        double c = s->rank_compute[r];
        if (c < 0.0) /* a rank that only coordinates (a manager) */
            continue;
        *max = fmax(*max, c);
        sum += c;
        n++;
    }
    *mean = n ? sum / n : NAN;
}

static int mpi_run(hx_backend_run *run, double *main_s, double *e2e_s) {
    mpi_row *s = run->state;
    *main_s = *e2e_s = 0.0;
    if (!s->team.member)
        return HX_OK;
    HX_MPI(MPI_Barrier(s->team.comm));
    s->job.compute_s = 0.0;
    double t0 = MPI_Wtime();
    int status = s->b->run(&s->job);
    double mine[2] = {MPI_Wtime() - t0, (double)status}, worst[2];
    HX_MPI(MPI_Allreduce(mine, worst, 2, MPI_DOUBLE, MPI_MAX, s->team.comm));
    HX_MPI(MPI_Gather(&s->job.compute_s, 1, MPI_DOUBLE, s->rank_compute, 1, MPI_DOUBLE, 0,
                      s->team.comm));
    int index = s->runs++ - run->opts->warmup; /* >= 0: a timed run */
    if (worst[1] != HX_OK)
        return status != HX_OK ? status
                               : hx_fail((int)worst[1], "another rank failed its run (see above)");
    if (s->team.rank != 0)
        return HX_OK;
    double max, mean;
    compute_spread(s, &max, &mean);
    *main_s = max;
    *e2e_s = worst[0];
    if (index >= 0) {
        s->compute[index] = max;
        s->e2e[index] = worst[0];
        s->imbalance[index] = mean > 0.0 ? max / mean : NAN;
    }
    return HX_OK;
}

/* The row's identity and figures, on the root, once every run succeeded. */
static void describe_team(const mpi_row *s, const hx_backend_run *run, hx_result *r) {
    const hx_mpi_team *t = &s->team;
    r->ranks = t->size;
    r->threads = t->threads;
    /* each rank runs the omp-simd body (threads x lanes), or its block on a device */
    unsigned per_rank = s->session_open
                            ? hx_ocl_processing_elements(s->session.dev)
                            : (unsigned)t->threads * (unsigned)hx_simd_float_lanes(hx_cpu()->simd);
    r->pe = (unsigned)t->size * per_rank;
    char where[160];
    snprintf(where, sizeof where, "%d rank%s on %d node%s%s%s", t->size, t->size == 1 ? "" : "s",
             t->nodes, t->nodes == 1 ? "" : "s", s->job.layout[0] ? ", " : "", s->job.layout);
    if (s->session_open) /* rank 0's device names the row; the others took theirs alike */
        snprintf(r->device, sizeof r->device, "%.100s, each on a device: %.120s", where,
                 s->session.dev->name);
    else
        snprintf(r->device, sizeof r->device, "%s", where);
    size_t reps = (size_t)run->opts->reps;
    double compute = hx_stats_of(s->compute, reps).median, e2e = hx_stats_of(s->e2e, reps).median;
    hx_result_extra(r, "comm_fraction", e2e > 0.0 ? 1.0 - compute / e2e : NAN);
    hx_result_extra(r, "imbalance", hx_stats_of(s->imbalance, reps).median);
    if (t->node_ranks * t->threads > hx_cpu()->logical_cpus) /* ranks take turns on cores */
        hx_result_extra(r, "oversubscribed", 1.0);
}

static int mpi_finish(hx_backend_run *run, hx_result *r) {
    mpi_row *s = run->state;
    int status = HX_OK;
    if (s->team.member && r) {
        void *out = s->team.rank == 0 ? run->out : NULL;
        status = hx_mpi_agree(s->team.comm, s->b->gather(&s->job, out));
        if (status == HX_OK && s->team.rank == 0)
            describe_team(s, run, r);
    }
    close_row(s);
    run->state = NULL;
    return status;
}

/* Rank 0's verdict, to every rank (those outside the team included, sleeping till it comes). */
static int mpi_share(hx_result *r) {
    struct {
        int verified;
        double max_err, tolerance;
    } v = {r->verified, r->max_rel_err, r->tolerance};
    HX_TRY(hx_mpi_share(&v, sizeof v));
    r->verified = v.verified;
    r->max_rel_err = v.max_err;
    r->tolerance = v.tolerance;
    return HX_OK;
}

const hx_backend_ops hx_backend_mpi = {
    .has_e2e = true,
    .fixed_reps = true,
    .distributed = true,
    .has = mpi_has,
    .describe = mpi_describe,
    .open = mpi_open,
    .run = mpi_run,
    .finish = mpi_finish,
    .share = mpi_share,
};
