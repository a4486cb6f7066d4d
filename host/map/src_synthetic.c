/*
 * src_synthetic.c - tasks whose cost follows a chosen distribution, reproducible from --seed.
 *
 * Task i does cost_i work units (hx_map_spin_work: a dependent multiply-add chain, so a unit is
 * real CPU work that a preempted thread does not get done, unlike a wait on the clock) and keeps
 * the chain's final value as its result, checked against serial.  Costs, with mean m:
 *   uniform      uniform in [0, 2m)
 *   exponential  -m ln(1 - u): most tasks short, a long tail
 *   bimodal      m/2 with probability 0.9, 5.5 m with probability 0.1 (mean m)
 *   pareto       (m/3) (1 - u)^(-1/1.5), shape 1.5 (infinite variance), capped at 1000 m
 *   increasing   2 m (i + 1/2) / N: the last tasks cost the most, so static-block's last worker
 *                has 3 times the first one's work on 2 workers (imbalance 1.5)
 * Each cost is at least one unit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "source_kinds.h"

typedef struct synth_data {
    uint64_t *cost;
    uint64_t *ref, *out, *cur;
    uint64_t total;
} synth_data;

static double unit_draw(uint64_t seed, uint64_t stream, uint64_t i) {
    return (double)(hx_rng_bits(seed, stream, i) >> 11) * 0x1.0p-53;
}

static double draw_cost(const hx_map_params *p, uint64_t i) {
    const double m = (double)p->cost, u = unit_draw(p->seed, 7, i);
    switch (p->dist) {
    case HX_MAP_DIST_UNIFORM:
        return 2.0 * m * u;
    case HX_MAP_DIST_EXPONENTIAL:
        return -m * log1p(-u);
    case HX_MAP_DIST_BIMODAL:
        return u < 0.9 ? 0.5 * m : 5.5 * m;
    case HX_MAP_DIST_PARETO: {
        double c = (m / 3.0) * pow(1.0 - u, -1.0 / 1.5);
        return c < 1000.0 * m ? c : 1000.0 * m;
    }
    default: /* increasing */
        return 2.0 * m * ((double)i + 0.5) / (double)p->count;
    }
}

static int setup(hx_map_source *s) {
    const hx_map_params *p = &s->params;
    synth_data *d = calloc(1, sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    s->data = d;
    const size_t n = p->count;
    HX_TRY(hx_alloc_checked((void **)&d->cost, n * sizeof *d->cost, "the task costs"));
    HX_TRY(hx_alloc_checked((void **)&d->ref, n * sizeof *d->ref, "the serial results"));
    HX_TRY(hx_alloc_checked((void **)&d->out, n * sizeof *d->out, "the results"));
    for (size_t i = 0; i < n; i++) {
        double c = draw_cost(p, i);
        d->cost[i] = c >= 1.0 ? (uint64_t)c : 1;
        d->total += d->cost[i];
    }
    s->ntasks = n;
    snprintf(s->describe, sizeof s->describe,
             "synthetic: %zu tasks, %s cost, mean %.0f work units (seed %llu)", n,
             hx_map_dist_names[p->dist], (double)d->total / (double)n, (unsigned long long)p->seed);
    return HX_OK;
}

static void teardown(hx_map_source *s) {
    synth_data *d = s->data;
    if (!d)
        return;
    hx_free(d->cost);
    hx_free(d->ref);
    hx_free(d->out);
    free(d);
}

static void begin(hx_map_source *s, bool reference) {
    synth_data *d = s->data;
    d->cur = reference ? d->ref : d->out;
    memset(d->cur, 0xff, s->ntasks * sizeof *d->cur);
}

static void run(const hx_map_source *s, uint64_t task, hx_map_exec *e) {
    const synth_data *d = s->data;
    d->cur[task] = hx_map_spin_work(hx_mix64(s->params.seed ^ task), d->cost[task]);
    e->units += d->cost[task];
}

static void verify(const hx_map_source *s, const hx_map_exec *total, bool from_root,
                   hx_map_check *c) {
    (void)from_root;
    const synth_data *d = s->data;
    memset(c, 0, sizeof *c);
    size_t bad = 0, first = 0;
    uint64_t h = 0;
    for (size_t i = 0; i < s->ntasks; i++) {
        h = hx_mix64(h ^ d->out[i]);
        if (d->out[i] != d->ref[i] && bad++ == 0)
            first = i;
    }
    c->checksum = h;
    c->ok = bad == 0 && total->units == d->total;
    if (bad)
        snprintf(c->detail, sizeof c->detail,
                 "task results: %zu of %zu differ from serial, the first task %zu", bad, s->ntasks,
                 first);
    else if (!c->ok)
        snprintf(c->detail, sizeof c->detail, "work units: %llu done, %llu in the tasks",
                 (unsigned long long)total->units, (unsigned long long)d->total);
    else
        snprintf(c->detail, sizeof c->detail,
                 "task results: all %zu equal to serial; %llu work units done", s->ntasks,
                 (unsigned long long)d->total);
}

const hx_map_source_kind hx_map_kind_synthetic = {
    .name = "synthetic",
    .summary = "tasks of seeded random cost: uniform, exponential, bimodal, pareto, increasing",
    .setup = setup,
    .teardown = teardown,
    .begin = begin,
    .run = run,
    .verify = verify,
};
