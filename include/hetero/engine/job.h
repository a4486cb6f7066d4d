/*
 * job.h - this process's part in an MPI job, as the commands and the measuring loop see it.
 *
 * Under `mpirun -np N hetero COMMAND ...` every rank runs COMMAND.  Rank 0 holds the whole
 * problem: it sets up the inputs, runs the serial reference and every shared-memory row, and
 * writes the report.  The other ranks hold nothing but their block of the distributed (mpi) rows:
 * their instances have no data (hx_engine_holds_problem() is false), their other rows are empty
 * placeholders that are never reported, and they verify nothing themselves but take rank 0's
 * verdict, so every rank exits with the same status.  In a build without MPI, or in a process
 * that no launcher started and that does not ask for the mpi backend, there is no job: one
 * process holds everything, as always.
 *
 * A command that can run distributed rows calls hx_engine_start() once its options are parsed
 * and hx_engine_stop() with its final status; main() calls hx_engine_prelude() first of all.
 */
#ifndef HETERO_ENGINE_JOB_H
#define HETERO_ENGINE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/engine/target.h"
#include "hetero/workloads/workload.h"

/* Before parsing: under a launcher, every rank but the first prints nothing (error.h). */
void hx_engine_prelude(void);

/* Whether a launcher (mpirun, mpiexec, srun) started this process. */
bool hx_engine_launched(void);

/* Start the job when launched or when the mpi backend is asked for (a singleton otherwise,
 * announced).  A build without MPI starts nothing. */
int hx_engine_start(bool mpi_requested);

/* End the job; returns the status this process exits with (rank 0's, on every rank). */
int hx_engine_stop(int status);

/* False on the ranks after the first of an MPI job: they hold only their distributed blocks. */
bool hx_engine_holds_problem(void);

/* Ranks of the job (1 without one). */
int hx_engine_ranks(void);

/* The mpi rows of workload w: the indices of its variants that spec->variants selects (all, when
 * NULL), at most cap of them.  0 when w has no distributed body or none of the named variants. */
size_t hx_mpi_rows_variants(const hx_workload *w, const hx_mpi_spec *spec, int *index, size_t cap);

/* Name of variant v of w's distributed body ("" when there is none). */
const char *hx_mpi_variant_name(const hx_workload *w, int v);

/* Whether w's mpi rows can run at this size with these parameters on the job's ranks: the
 * workload's own check (a size smaller than the ranks, a grid that does not divide them), and
 * --grid's P x Q against the ranks.  HX_ERR_USAGE with a message naming the bad value; pure
 * arithmetic, the same answer on every rank. */
int hx_mpi_rows_check(const hx_workload *w, uint64_t size, const double *params,
                      const hx_mpi_spec *spec);

/* HX_ERR_USAGE when spec->variants names a variant none of the n workloads has; a notice for
 * --grid or --chunk that no workload's distributed body reads. */
int hx_mpi_rows_check_variants(const hx_workload *const *ws, size_t n, const hx_mpi_spec *spec);

#endif
