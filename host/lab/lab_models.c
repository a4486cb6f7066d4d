/*
 * lab_models.c - chapter 3, programming models: one workload as OpenMP directives, explicit
 * pthreads, message passing and an OpenCL kernel, with the code each needs and its time
 * (docs/labs/models.md).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "run",
     .args = "run --backend=serial,omp,threads,opencl --device=cpu --reps=5 --size=2M dot",
     .full_args = "run --backend=serial,omp,threads,opencl --device=cpu dot mandelbrot"},
    {.name = "code", .args = "list"},
    {.name = "mpi", .args = "run --backend=mpi,serial --reps=5 --size=2M dot", .mpi = true},
};

/* Lines of one section of dot's file (reduce.c) from `hetero list`. */
static double code_lines(const json_t *list, const char *section) {
    const json_t *dot = hx_lab_row(list, "workloads", "name", "dot", NULL, NULL);
    char path[64];
    snprintf(path, sizeof path, "code_lines.%s", section);
    return hx_lab_number(dot, path);
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *run = r->docs[0], *list = r->docs[1];
    static const char *const models[] = {"omp", "threads", "opencl"};
    int verified = 0, present = 0;
    for (size_t i = 0; i < 3; i++) {
        const json_t *row = hx_lab_row(run, "results", "workload", "dot", "backend", models[i]);
        present += row != NULL;
        verified += row && json_is_true(json_object_get(row, "verified"));
    }
    hx_lab_find(out, "every model computes the same dot product (within the rounding bound)",
                verified == present && present > 0 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "%d of %d model rows verified against serial", verified, present);
    const json_t *omp = hx_lab_row(run, "results", "workload", "dot", "backend", "omp");
    const json_t *thr = hx_lab_row(run, "results", "workload", "dot", "backend", "threads");
    double t_omp = hx_lab_number(omp, "time_s.median"), t_thr = hx_lab_number(thr, "time_s.median");
    double ratio = t_thr / t_omp;
    const char *why = ratio < 0.75 ? ": OpenMP's idle threads spin-wait at the end of each region "
                                     "(libgomp's default), and on a shared machine a spinning "
                                     "thread holds a core another needs; try "
                                     "OMP_WAIT_POLICY=passive"
                                   : "";
    hx_lab_find(out, "threads by hand and OpenMP do the same work in the same time",
                ratio > 0.75 && ratio < 1.33 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "threads %.3g s, omp %.3g s (%.2fx)%s%s", t_thr, t_omp, ratio,
                m->cores < 2 ? " on one core" : "", why);
    double l_omp = code_lines(list, "omp"), l_thr = code_lines(list, "threads"),
           l_ocl = code_lines(list, "opencl") + code_lines(list, "opencl-kernel");
    hx_lab_find(out, "the directive hides code, not work: threads need more lines than omp",
                l_thr > l_omp ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "lines in reduce.c: omp %.0f (with the shared partial-sum helper), threads %.0f, "
                "opencl %.0f (binding + kernel)",
                l_omp, l_thr, l_ocl);
    const json_t *mpi = hx_lab_row(r->docs[2], "results", "backend", "mpi", "variant", "allreduce");
    if (!r->docs[2] || !mpi)
        hx_lab_find(
            out, "message passing: the same sum over ranks", HX_LAB_CANNOT_SHOW,
            "cannot show here: needs mpi (run `mpirun -np 2 hetero run --backend=mpi,serial "
            "dot` where Open MPI is installed)");
    else
        hx_lab_find(out, "message passing: the same sum over ranks",
                    json_is_true(json_object_get(mpi, "verified")) ? HX_LAB_SHOWN
                                                                   : HX_LAB_NOT_SHOWN,
                    "%.0f ranks, MPI_Allreduce of their partial sums: %.3g s with communication "
                    "(%.3g s computing), omp %.3g s; lines in reduce.c: mpi %.0f",
                    hx_lab_number(mpi, "ranks"), hx_lab_number(mpi, "e2e_time_s.median"),
                    hx_lab_number(mpi, "time_s.median"), t_omp, code_lines(list, "mpi"));
}

const hx_lab hx_lab_models = {
    .name = "models",
    .chapter = "programming models: shared memory, threads, message passing, data parallel",
    .needs = "none",
    .handout = "docs/labs/models.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
