/*
 * lab_flynn.c - chapter 1, Flynn's taxonomy: SISD, SIMD, MIMD and MISD rows of one machine side
 * by side with their processing elements (docs/labs/flynn.md).
 */
#include <math.h>
#include <stdio.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "run",
     .args = "run --backend=serial,simd,omp,omp-simd --size=512 --reps=5 mandelbrot",
     .full_args = "run --backend=serial,simd,omp,omp-simd --reps=10 mandelbrot vecadd"},
    {.name = "misd",
     .args = "misd --size=16M --reps=3 --inject-fault",
     .full_args = "misd --reps=5 --inject-fault"},
};

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *run = r->docs[0], *misd = r->docs[1];
    const json_t *serial =
        hx_lab_row(run, "results", "workload", "mandelbrot", "backend", "serial");
    const json_t *simd = hx_lab_row(run, "results", "workload", "mandelbrot", "backend", "simd");
    const json_t *omp = hx_lab_row(run, "results", "workload", "mandelbrot", "backend", "omp");
    const json_t *both =
        hx_lab_row(run, "results", "workload", "mandelbrot", "backend", "omp-simd");
    double s_simd = hx_lab_number(simd, "speedup"), pe_simd = hx_lab_number(simd, "pe");
    hx_lab_find(out, "SIMD: one instruction stream on many lanes beats SISD",
                s_simd > 1.5 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "simd %.2fx serial on %.0f lanes (SISD: 1 processing element)%s", s_simd, pe_simd,
                s_simd > 1.5 ? "" : ": divergence or a scalar-only CPU keeps the lanes idle");
    double s_omp = hx_lab_number(omp, "speedup");
    if (m->cores < 2)
        hx_lab_find(out, "MIMD: independent instruction streams on several cores",
                    HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores (this machine has %d)",
                    m->cores);
    else
        hx_lab_find(out, "MIMD: independent instruction streams on several cores",
                    s_omp > 1.3 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "omp %.2fx serial on %.0f threads%s", s_omp, hx_lab_number(omp, "threads"),
                    s_omp > 1.3 ? "" : ": other work on the cores (check the load) takes them");
    double s_both = hx_lab_number(both, "speedup");
    hx_lab_find(
        out, "MIMD of SIMD multiplies the two",
        s_both > fmax(s_simd, s_omp) ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
        "omp-simd %.2fx on %.0f processing elements (threads x lanes), simd %.2fx, omp %.2fx",
        s_both, hx_lab_number(both, "pe"), s_simd, s_omp);
    const json_t *seq = hx_lab_row(misd, "results", "mode", "sequential", NULL, NULL);
    const json_t *lock = hx_lab_row(misd, "results", "mode", "lockstep", NULL, NULL);
    double s_lock = hx_lab_number(lock, "speedup");
    hx_lab_find(out, "MISD: K functions in lockstep over one stream beat running them in turn",
                s_lock > 1.0 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "lockstep %.2fx sequential with %.0f instruction streams on %d cores (sequential "
                "%.3f s, lockstep %.3f s)",
                s_lock, hx_lab_number(lock, "streams"), m->cores,
                hx_lab_number(seq, "time_s.median"), hx_lab_number(lock, "time_s.median"));
    const json_t *vote = json_object_get(misd, "vote");
    bool caught = vote && json_is_object(json_object_get(vote, "caught")) &&
                  json_is_true(json_object_get(vote, "verified"));
    hx_lab_find(out, "MISD for redundancy: the vote outvotes the injected fault",
                caught ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "%s outvoted from block %.0f; voted CRC %s", hx_lab_string(vote, "caught.voter"),
                hx_lab_number(vote, "caught.block"), caught ? "correct" : "not confirmed");
    (void)serial;
}

const hx_lab hx_lab_flynn = {
    .name = "flynn",
    .chapter = "Flynn's taxonomy: SISD, SIMD, MISD, MIMD",
    .needs = "none",
    .handout = "docs/labs/flynn.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
