/*
 * lab_memory.c - chapter 2, memory organisation: UMA/NUMA on this machine, first touch and
 * binding measured, and where a NUMA effect cannot show (docs/labs/memory.md).
 */
#include <math.h>
#include <string.h>

#include "labs.h"

static const hx_lab_step steps[] = {
    {.name = "memory", .args = "memory --size=4M --reps=3", .full_args = "memory --reps=5"},
    {.name = "hierarchy",
     .args = "devices --device=host --bench --hierarchy --bench-time=200ms --no-cache "
             "--plot={DIR}/hierarchy.svg",
     .full_args = "devices --device=host --bench --hierarchy --no-cache "
                  "--plot={DIR}/hierarchy.svg"},
    {.name = "false-sharing",
     .args = "conc --only=false-sharing --quick",
     .full_args = "conc --only=false-sharing"},
};

static void check_first_touch(const json_t *doc, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *serial = hx_lab_row(doc, "results", "variant", "serial-init", NULL, NULL);
    const json_t *parallel = hx_lab_row(doc, "results", "variant", "parallel-init", NULL, NULL);
    double ls = hx_lab_number(serial, "local_fraction"),
           lp = hx_lab_number(parallel, "local_fraction");
    double gs = hx_lab_number(serial, "gbps"), gp = hx_lab_number(parallel, "gbps");
    const char *shape = "first touch: parallel initialisation keeps pages local, and faster";
    if (m->numa_nodes < 2) {
        hx_lab_find(out, shape, HX_LAB_CANNOT_SHOW,
                    "cannot show here: needs numa2 (one NUMA node: %.0f%% and %.0f%% of pages "
                    "local; %.1f vs %.1f GB/s is noise)",
                    100 * ls, 100 * lp, gs, gp);
        return;
    }
    bool shown = lp > ls && gp > gs;
    hx_lab_find(out, shape, shown ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "local pages %.0f%% (serial init) vs %.0f%% (parallel init); %.1f vs %.1f GB/s",
                100 * ls, 100 * lp, gs, gp);
}

static void check_binding(const json_t *doc, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *close = hx_lab_row(doc, "results", "variant", "close", NULL, NULL);
    const json_t *spread = hx_lab_row(doc, "results", "variant", "spread", NULL, NULL);
    const json_t *cpus = json_object_get(close, "cpus");
    bool distinct = json_array_size(cpus) >= 2 && json_integer_value(json_array_get(cpus, 0)) !=
                                                      json_integer_value(json_array_get(cpus, 1));
    hx_lab_find(out, "binding: bound threads run on the cores the policy names",
                distinct ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN,
                "close put threads 0 and 1 on cpus %lld and %lld",
                (long long)json_integer_value(json_array_get(cpus, 0)),
                (long long)json_integer_value(json_array_get(cpus, 1)));
    double gc = hx_lab_number(close, "gbps"), gs = hx_lab_number(spread, "gbps");
    if (m->numa_nodes < 2)
        hx_lab_find(out, "binding: spread uses every node's memory bandwidth, close one node's",
                    HX_LAB_CANNOT_SHOW,
                    "cannot show here: needs numa2 (close %.1f, spread %.1f GB/s)", gc, gs);
    else
        hx_lab_find(out, "binding: spread uses every node's memory bandwidth, close one node's",
                    gs > gc ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "close %.1f GB/s, spread %.1f GB/s",
                    gc, gs);
}

/* The host's hierarchy[] of a `hetero devices --bench --hierarchy` report. */
static const json_t *hierarchy(const json_t *doc) {
    const json_t *dev = json_array_get(json_object_get(doc, "devices"), 0);
    return json_object_get(json_object_get(dev, "bench"), "hierarchy");
}

static void check_hierarchy(const json_t *doc, hx_lab_findings *out) {
    const json_t *levels = hierarchy(doc);
    char lat[160] = "", bw[160] = "";
    size_t ul = 0, ub = 0, i;
    bool rising = true, falling = true;
    double last_lat = 0, last_bw = INFINITY;
    const json_t *l;
    json_array_foreach(levels, i, l) {
        double ns = hx_lab_number(l, "latency_ns"), gb = hx_lab_number(l, "read_gbps_1t");
        const char *name = hx_lab_string(l, "level");
        if (isfinite(ns)) {
            rising &= ns > last_lat;
            last_lat = ns;
            ul +=
                (size_t)snprintf(lat + ul, sizeof lat - ul, "%s%s %.1f", ul ? ", " : "", name, ns);
        }
        if (isfinite(gb)) {
            falling &= gb < last_bw;
            last_bw = gb;
            ub += (size_t)snprintf(bw + ub, sizeof bw - ub, "%s%s %.0f", ub ? ", " : "", name, gb);
        }
        if (ul >= sizeof lat || ub >= sizeof bw)
            break;
    }
    bool have = json_array_size(levels) >= 3;
    hx_lab_find(out, "the latency staircase: each level further away is slower to reach",
                have && rising ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "pointer chase, ns: %s", lat);
    hx_lab_find(out, "bandwidth falls level by level, one thread",
                have && falling ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "read GB/s: %s", bw);
}

static void check_false_sharing(const json_t *doc, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *packed = hx_lab_row(doc, "results", "name", "counters_packed", NULL, NULL);
    double slow = hx_lab_number(packed, "slowdown");
    if (m->cores < 2)
        hx_lab_find(out, "false sharing: counters on one cache line are slower than padded",
                    HX_LAB_CANNOT_SHOW, "cannot show here: needs 2 cores");
    else
        hx_lab_find(out, "false sharing: counters on one cache line are slower than padded",
                    slow > 1.5 ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "packed %.2fx the padded time%s",
                    slow,
                    slow > 1.5 ? "" : ": the two threads rarely ran at once (a busy machine)");
}

static void check(const hx_lab_reports *r, const hx_lab_machine *m, hx_lab_findings *out) {
    const json_t *doc = r->docs[0];
    const char *org = hx_lab_string(doc, "topology.organisation");
    double nodes = hx_lab_number(doc, "topology.numa_nodes");
    hx_lab_find(out, "the topology says whether this machine is UMA or NUMA",
                *org ? HX_LAB_SHOWN : HX_LAB_NOT_SHOWN, "%s: %.0f NUMA node%s, %.0f cores", org,
                nodes, nodes == 1 ? "" : "s", hx_lab_number(doc, "topology.cores"));
    check_first_touch(doc, m, out);
    check_binding(doc, m, out);
    check_hierarchy(r->docs[1], out);
    check_false_sharing(r->docs[2], m, out);
}

const hx_lab hx_lab_memory = {
    .name = "memory",
    .chapter = "memory organisation: UMA, NUMA, NORMA, COMA; caches; false sharing",
    .needs = "numa2",
    .handout = "docs/labs/memory.md",
    .steps = steps,
    .nsteps = sizeof steps / sizeof steps[0],
    .check = check,
};
