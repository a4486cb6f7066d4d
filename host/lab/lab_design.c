/*
 * lab_design.c - chapter 5, designing a parallel program: the granularity U-curve, a pipeline
 * against a domain decomposition, block against cyclic mapping of a communicating task graph
 * (docs/labs/design.md, `hetero map sweep|decompose|comm`).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "sweep",
     .args = "map sweep --count=32768 --chunk=1..2048 --workers=2 --reps=2",
     .full_args = "map sweep --chunk=1..4096 --workers=2 --plot={DIR}/sweep.svg"},
    {.name = "decompose",
     .args = "map decompose --blocks=256 --workers=2 --reps=3",
     .full_args = "map decompose --workers=2"},
    {.name = "comm",
     .args = "map comm --steps=100 --workers=2 --reps=3",
     .full_args = "map comm --workers=2"},
    {.name = "comm-uniform",
     .args = "map comm --steps=100 --shape=uniform --workers=2 --reps=3",
     .full_args = "map comm --shape=uniform --workers=2"},
};

static const char *const noisy = ": other work on the cores (check the load average), or a run "
                                 "too short to rise above the noise";

/* The sweep's results of one policy, chunk by chunk: makespan and overhead per task. */
static size_t sweep_of(const json_t *doc, const char *policy, double *chunk, double *makespan,
                       double *ovh, size_t cap) {
    const json_t *rs = json_object_get(doc, "results");
    size_t n = 0, i;
    json_t *row;
    json_array_foreach(rs, i, row) {
        if (n < cap && strcmp(hx_lab_string(row, "policy"), policy) == 0) {
            chunk[n] = hx_lab_number(row, "chunk");
            makespan[n] = hx_lab_number(row, "makespan_s");
            ovh[n++] = hx_lab_number(row, "overhead_ns_per_task");
        }
    }
    return n;
}

static void granularity(const hx_lab_reports *r, hx_lab_findings *out) {
    double chunk[2][32], mk[2][32], ovh[2][32], best[2];
    static const char *const policies[] = {"dynamic", "manager-worker"};
    size_t n[2];
    for (int p = 0; p < 2; p++) {
        n[p] = sweep_of(r->docs[0], policies[p], chunk[p], mk[p], ovh[p], 32);
        size_t b = 0;
        for (size_t i = 1; i < n[p]; i++)
            b = mk[p][i] < mk[p][b] ? i : b;
        best[p] = n[p] ? chunk[p][b] : NAN;
        bool inside = n[p] > 2 && b > 0 && b + 1 < n[p];
        char shape[96];
        snprintf(shape, sizeof shape, "%s's makespan is a U over the chunk size", policies[p]);
        hx_lab_find(
            out, shape, inside ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "best chunk %.0f of %.0f..%.0f%s",
            best[p], n[p] ? chunk[p][0] : NAN, n[p] ? chunk[p][n[p] - 1] : NAN,
            inside   ? ""
            : p == 0 ? ": an atomic claim is so cheap that the left arm is flat at this task "
                       "size"
                     : noisy);
    }
    hx_lab_find(out, "manager-worker's best chunk is larger than dynamic's",
                best[1] > best[0] ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "manager-worker %.0f, dynamic %.0f", best[1], best[0]);
    double first = n[1] ? ovh[1][0] : NAN, last = n[1] ? ovh[1][n[1] - 1] : NAN;
    hx_lab_find(out, "a manager's overhead per task falls as chunks grow (agglomeration)",
                first > 10.0 * last ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "%.0f ns per task at chunk %.0f, %.0f ns at %.0f", first, n[1] ? chunk[1][0] : NAN,
                last, n[1] ? chunk[1][n[1] - 1] : NAN);
}

static void decomposition(const hx_lab_reports *r, hx_lab_findings *out) {
    const json_t *dom = hx_lab_row(r->docs[1], "results", "decomposition", "domain", NULL, NULL);
    const json_t *pipe = hx_lab_row(r->docs[1], "results", "decomposition", "pipeline", NULL, NULL);
    double sp = hx_lab_number(pipe, "speedup"), sd = hx_lab_number(dom, "speedup");
    double got = hx_lab_number(pipe, "throughput_blocks_per_s");
    double bound = hx_lab_number(pipe, "predicted_blocks_per_s");
    hx_lab_find(out, "the 1:6:1 pipeline stays below 1.5x serial, its slowest stage's bound",
                sp < 1.5 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "pipeline %.2fx serial", sp);
    bool near = got >= 0.75 * bound;
    hx_lab_find(out, "the pipeline runs within 25% of 1 / slowest stage",
                near ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "%.0f blocks/s, bound %.0f (%.0f%%)%s", got,
                bound, 100.0 * got / bound,
                near ? "" : ": three stage threads share the cores with other work");
    hx_lab_find(out, "the domain decomposition beats the pipeline",
                sd > sp ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "domain %.2fx, pipeline %.2fx%s", sd, sp,
                sd > sp ? "" : noisy);
}

static void communication(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *blk = hx_lab_row(r->docs[2], "results", "mapping", "block", NULL, NULL);
    const json_t *cyc = hx_lab_row(r->docs[2], "results", "mapping", "cyclic", NULL, NULL);
    double xb = hx_lab_number(blk, "cross_bytes"), xc = hx_lab_number(cyc, "cross_bytes");
    hx_lab_find(out, "cyclic mapping sends every halo across workers, block mapping W - 1",
                xc > 10.0 * xb ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "cyclic %.0f bytes over %.0f edges, block %.0f bytes over %.0f", xc,
                hx_lab_number(cyc, "cross_edges"), xb, hx_lab_number(blk, "cross_edges"));
    double ib = hx_lab_number(blk, "imbalance"), ic = hx_lab_number(cyc, "imbalance");
    hx_lab_find(out, "with increasing costs cyclic balances better than block",
                ic < ib ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "imbalance cyclic %.2fx, block %.2fx",
                ic, ib);
    if (m->cores < 2) {
        hx_lab_find(out, "... so cyclic finishes first: concurrency beats locality here",
                    HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores (%d)", m->cores);
        return;
    }
    double tb = hx_lab_number(blk, "makespan_s.median"),
           tc = hx_lab_number(cyc, "makespan_s.median");
    hx_lab_find(out, "... so cyclic finishes first: concurrency beats locality here",
                tc < tb ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "cyclic %.1f ms, block %.1f ms%s",
                1e3 * tc, 1e3 * tb, tc < tb ? "" : noisy);
    const json_t *ub = hx_lab_row(r->docs[3], "results", "mapping", "block", NULL, NULL);
    const json_t *uc = hx_lab_row(r->docs[3], "results", "mapping", "cyclic", NULL, NULL);
    double ubt = hx_lab_number(ub, "makespan_s.median"),
           uct = hx_lab_number(uc, "makespan_s.median");
    hx_lab_find(out, "with uniform costs block mapping is as fast, with 1/63 of the traffic",
                ubt <= 1.05 * uct ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "block %.1f ms, cyclic %.1f ms%s", 1e3 * ubt, 1e3 * uct,
                ubt <= 1.05 * uct ? "" : noisy);
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    granularity(r, out);
    decomposition(r, out);
    communication(r, m, out);
}

const hx_lab hx_lab_design = {
    .name = "design",
    .chapter = "designing a parallel program: decomposition, communication, agglomeration, "
               "mapping",
    .needs = "none",
    .handout = "docs/labs/design.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
