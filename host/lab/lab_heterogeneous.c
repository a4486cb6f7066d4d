/*
 * lab_heterogeneous.c - chapter 10, heterogeneous computing: the same kernels on the host and an
 * OpenCL device, what the transfers cost, shared virtual memory, co-scheduling
 * (docs/labs/heterogeneous.md).
 */
#include <math.h>
#include <string.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "run",
     .args = "run --device=all --mem=all --backend=serial,omp-simd,opencl --size=4M --reps=5 "
             "vecadd",
     .full_args = "run --device=all --mem=all --backend=serial,omp-simd,opencl vecadd sgemm"},
    {.name = "sched", .args = "sched --size=256 --reps=3", .full_args = "sched"},
};

/* The row of `backend` on the first device whose name differs from the host CPU's (a GPU), or
 * NULL. */
static const json_t *gpu_row(const json_t *run, const char *mem) {
    const json_t *rows = json_object_get(run, "results");
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        if (strcmp(hx_lab_string(row, "backend"), "opencl") == 0 &&
            strcmp(hx_lab_string(row, "mem"), mem) == 0 &&
            strstr(hx_lab_string(row, "device"), "pthread") == NULL)
            return row;
    }
    return NULL;
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *run = r->docs[0], *sched = r->docs[1];
    const json_t *buffer = hx_lab_row(run, "results", "backend", "opencl", "mem", "buffer");
    double k = hx_lab_number(buffer, "time_s.median"),
           e = hx_lab_number(buffer, "e2e_time_s.median");
    hx_lab_find(out, "the kernel is only part of the time: transfers add to it",
                e > k ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "vecadd on '%s': kernel %.3g s, end to end %.3g s (%.1fx)",
                hx_lab_string(buffer, "device"), k, e, e / k);
    const json_t *fine = hx_lab_row(run, "results", "backend", "opencl", "mem", "svm-fine");
    double in_place = hx_lab_number(fine, "e2e_in_place_s");
    if (!fine)
        hx_lab_find(out, "fine-grain SVM in place avoids the copies", HX_LAB_CANNOT_SHOW,
                    "cannot show here: the device has no fine-grain SVM");
    else
        hx_lab_find(out, "fine-grain SVM in place avoids the copies",
                    in_place < e ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "end to end: buffer %.3g s, svm-fine in place %.3g s", e, in_place);
    const json_t *gpu = gpu_row(run, "buffer");
    if (!m->gpu || !gpu)
        hx_lab_find(out, "a GPU beats the host on data-parallel work", HX_LAB_CANNOT_SHOW,
                    "cannot show here: needs gpu (the OpenCL device here is the host's own cores)");
    else
        hx_lab_find(out, "a GPU beats the host on data-parallel work",
                    hx_lab_number(gpu, "speedup") > 1 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "'%s' %.1fx serial", hx_lab_string(gpu, "device"),
                    hx_lab_number(gpu, "speedup"));
    const json_t *dyn = hx_lab_row(sched, "results", "policy", "dynamic-proxy", NULL, NULL);
    double best = hx_lab_number(dyn, "speedup_vs_best_alone");
    if (!m->gpu)
        hx_lab_find(out, "co-scheduling beats the faster side alone only with two real devices",
                    best <= 1.05 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "dynamic-proxy %.2fx the faster side alone: device and host threads share "
                    "the same cores here",
                    best);
    else
        hx_lab_find(out, "co-scheduling beats the faster side alone only with two real devices",
                    best > 1.0 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                    "dynamic-proxy %.2fx the faster side alone", best);
}

const hx_lab hx_lab_heterogeneous = {
    .name = "heterogeneous",
    .chapter = "heterogeneous computing: OpenCL, SVM, host+device atomics, co-scheduling",
    .needs = "gpu",
    .handout = "docs/labs/heterogeneous.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
