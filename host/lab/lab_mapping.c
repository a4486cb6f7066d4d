/*
 * lab_mapping.c - chapter 6, dynamic mapping: static against dynamic policies, manager-worker's
 * messages, work stealing on trees, a slow worker, an OpenCL device as one more worker
 * (docs/labs/mapping.md, `hetero map`).
 */
#include <math.h>
#include <stdio.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "mandel",
     .args = "map --tasks=mandelbrot --workers=2 --reps=3 --gantt={DIR}/mapping",
     .full_args = "map --tasks=mandelbrot --workers=2 --gantt={DIR}/mapping"},
    {.name = "slow",
     .args = "map --tasks=mandelbrot --workers=2 --reps=3 --slow=1:3 "
             "--policy=static-cyclic,dynamic,work-stealing",
     .full_args = "map --tasks=mandelbrot --workers=2 --slow=1:3 "
                  "--policy=static-block,static-cyclic,dynamic,work-stealing --gantt={DIR}/slow"},
    {.name = "geometric",
     .args = "map --tasks=tree --tree=geometric --depth=10 --workers=2 --reps=3 "
             "--policy=static-block,static-cyclic,omp-static,work-stealing",
     .full_args = "map --tasks=tree --tree=geometric --workers=2 "
                  "--policy=static-block,static-cyclic,omp-static,dynamic,work-stealing"},
    {.name = "balanced",
     .args = "map --tasks=tree --tree=balanced --depth=8 --workers=2 --reps=3 "
             "--policy=static-block,static-cyclic,omp-static,work-stealing",
     .full_args = "map --tasks=tree --tree=balanced --workers=2 "
                  "--policy=static-block,static-cyclic,omp-static,dynamic,work-stealing"},
    {.name = "overhead",
     .args = "map --tasks=synthetic --dist=uniform --count=200000 --cost=50 --workers=2 --reps=3 "
             "--policy=dynamic,omp-dynamic,work-stealing",
     .full_args = "map --tasks=synthetic --dist=uniform --count=200000 --cost=50 --workers=2 "
                  "--policy=dynamic,omp-dynamic,work-stealing"},
    {.name = "messages",
     .args = "map --tasks=synthetic --dist=uniform --count=20000 --cost=50 --workers=2 --reps=3 "
             "--policy=dynamic,manager-worker",
     .full_args = "map --tasks=synthetic --dist=uniform --count=200000 --cost=50 --workers=2 "
                  "--policy=dynamic,manager-worker,hierarchical"},
    {.name = "device",
     .args = "map --tasks=mandelbrot --device=cpu --chunk=4 --reps=3 "
             "--policy=static-cyclic,dynamic",
     .full_args = "map --tasks=mandelbrot --device=cpu --chunk=4 "
                  "--policy=static-block,static-cyclic,dynamic,work-stealing "
                  "--gantt={DIR}/device"},
};

static const char *const noisy = ": other work on the cores decides who gets CPU time (check the "
                                 "load average), or the run was too short";

static double field(const json_t *doc, const char *policy, const char *path) {
    return hx_lab_number(hx_lab_row(doc, "results", "policy", policy, NULL, NULL), path);
}

static void imbalance(const hx_lab_reports *r, hx_lab_findings *out) {
    double sb = field(r->docs[0], "static-block", "imbalance");
    double dyn = field(r->docs[0], "dynamic", "imbalance");
    double ws = field(r->docs[0], "work-stealing", "imbalance");
    double gd = field(r->docs[0], "guided", "imbalance");
    hx_lab_find(out, "static-block leaves 2 workers an imbalance of at least 1.5x",
                sb >= 1.5 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "static-block %.2fx%s", sb,
                sb >= 1.5 ? "" : noisy);
    bool balanced = dyn <= 1.15 && ws <= 1.15;
    hx_lab_find(out, "dynamic and work-stealing balance to within 1.15x",
                balanced ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "dynamic %.2fx, work-stealing %.2fx%s",
                dyn, ws, balanced ? "" : noisy);
    hx_lab_find(out, "guided is as unbalanced as static-block here (its first claim is half)",
                gd >= 1.5 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "guided %.2fx, static-block %.2fx", gd,
                sb);
}

static void overhead(const hx_lab_reports *r, hx_lab_findings *out) {
    const json_t *o = r->docs[4], *msg = r->docs[5];
    double dyn = field(o, "dynamic", "overhead_ns_per_task");
    double omp = field(o, "omp-dynamic", "overhead_ns_per_task");
    double mw = field(msg, "manager-worker", "overhead_ns_per_task");
    double mdyn = field(msg, "dynamic", "overhead_ns_per_task");
    hx_lab_find(out, "a manager's message costs far more per task than an atomic counter",
                mw > 10.0 * mdyn && mw > 1000.0 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "manager-worker %.0f ns per task, dynamic %.1f ns", mw, mdyn);
    hx_lab_find(out, "the hand-written dynamic costs no more than 1.5x OpenMP's schedule(dynamic)",
                dyn <= 1.5 * omp ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "dynamic %.1f ns, omp-dynamic %.1f ns per task (makespans %.2f and %.2f ms)%s", dyn,
                omp, 1e3 * field(o, "dynamic", "makespan_s"),
                1e3 * field(o, "omp-dynamic", "makespan_s"), dyn <= 1.5 * omp ? "" : noisy);
}

static double best_static(const json_t *doc) {
    double best = 0.0;
    static const char *const statics[] = {"static-block", "static-cyclic", "omp-static"};
    for (int i = 0; i < 3; i++)
        best = fmax(best, field(doc, statics[i], "speedup"));
    return best;
}

static void trees(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    static const char *const ahead = "work-stealing is ahead of every static mapping of the "
                                     "geometric tree";
    static const char *const close = "work-stealing stays within 10% of the best static mapping "
                                     "of the balanced tree";
    if (m->cores < 2) {
        hx_lab_find(out, ahead, HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores (%d)",
                    m->cores);
        hx_lab_find(out, close, HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores (%d)",
                    m->cores);
        return;
    }
    double g_ws = field(r->docs[2], "work-stealing", "speedup"), g_st = best_static(r->docs[2]);
    hx_lab_find(out, ahead, g_ws > g_st ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "work-stealing %.2fx, best static %.2fx over serial%s", g_ws, g_st,
                g_ws > g_st ? "" : noisy);
    double b_ws = field(r->docs[3], "work-stealing", "speedup"), b_st = best_static(r->docs[3]);
    hx_lab_find(out, close, b_ws >= 0.9 * b_st ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "work-stealing %.2fx, best static %.2fx (%.0f%%)%s", b_ws, b_st,
                100.0 * b_ws / b_st, b_ws >= 0.9 * b_st ? "" : noisy);
}

static void slow(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    static const char *const shape = "a 3x slower worker stretches static-cyclic by about 3x, "
                                     "dynamic by much less";
    if (m->cores < 2) {
        hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores (%d)",
                    m->cores);
        return;
    }
    double sc = field(r->docs[1], "static-cyclic", "makespan_s") /
                field(r->docs[0], "static-cyclic", "makespan_s");
    double dyn =
        field(r->docs[1], "dynamic", "makespan_s") / field(r->docs[0], "dynamic", "makespan_s");
    bool shown = sc >= 2.0 && dyn < 0.75 * sc;
    hx_lab_find(out, shape, shown ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "static-cyclic %.2fx, dynamic %.2fx its makespan without --slow%s", sc, dyn,
                shown ? "" : noisy);
}

/* The device worker: static-cyclic hands it half the rows whatever its speed, dynamic lets it
 * come back for more at its own pace.  The two take the same time only when the device is as fast
 * as a core. */
static void device(const hx_lab_reports *r, hx_lab_findings *out) {
    static const char *const share = "dynamic gives the device worker its share; static-cyclic "
                                     "gives it half the rows whatever its speed";
    const json_t *doc = r->docs[6];
    if (!doc) {
        hx_lab_find(out, share, HX_LAB_CANNOT_SHOW, "cannot show here: %s",
                    r->why[6][0] ? r->why[6] : "no OpenCL CPU device");
        return;
    }
    double sc = field(doc, "static-cyclic", "makespan_s"),
           dyn = field(doc, "dynamic", "makespan_s");
    const json_t *dyn_row = hx_lab_row(doc, "results", "policy", "dynamic", NULL, NULL);
    const json_t *per = json_object_get(dyn_row, "per_worker");
    double dev_tasks = hx_lab_number(json_array_get(per, json_array_size(per) - 1), "tasks");
    double tasks = hx_lab_number(dyn_row, "tasks");
    bool shown = dyn < 0.8 * sc;
    hx_lab_find(
        out, share, shown ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
        "static-cyclic %.2f ms, dynamic %.2f ms; dynamic gave the device %.0f of %.0f rows%s",
        1e3 * sc, 1e3 * dyn, dev_tasks, tasks,
        shown ? "" : ": the device is about as fast as a core here, or the run was noisy");
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    imbalance(r, out);
    overhead(r, out);
    trees(r, m, out);
    slow(r, m, out);
    device(r, out);
}

const hx_lab hx_lab_mapping = {
    .name = "mapping",
    .chapter = "dynamic mapping: manager/worker, hierarchical, work stealing",
    .needs = "none",
    .handout = "docs/labs/mapping.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
