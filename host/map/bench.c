/*
 * bench.c - the measurements of hetero map: the serial reference, each policy's repetitions, the
 * figures of its median run, and the chunk-size sweep.
 *
 * Every run - warm-up runs too - starts from a poisoned output and is verified; the figures of a
 * policy are those of its median-makespan run, and the min and max makespan of the others are
 * kept beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/map/map.h"
#include "internal.h"

#define MAX_REPS 1000

static int bench_serial(hx_map_source *s, int reps, int warmup, hx_stats *out) {
    double t[MAX_REPS];
    hx_map_exec total;
    for (int i = 0; i < warmup; i++)
        (void)hx_map_source_serial(s, &total);
    for (int i = 0; i < reps; i++)
        t[i] = hx_map_source_serial(s, &total);
    *out = hx_stats_of(t, (size_t)reps);
    return HX_OK;
}

static bool verify_run(const hx_map_source *s, const hx_map_run *run, hx_map_check *c) {
    bool from_root = s->spawns && run->policy == HX_MAP_WORK_STEALING;
    s->kind->verify(s, &run->total, from_root, c);
    return c->ok;
}

static int one_run(hx_map_source *s, hx_map_policy p, const hx_map_config *c, hx_map_run *run,
                   hx_map_check *check, bool *ok) {
    s->kind->begin(s, false);
    HX_TRY(hx_map_run_policy(s, p, c, run));
    hx_map_check ck;
    if (!verify_run(s, run, &ck)) {
        if (*ok)
            *check = ck; /* keep the first failure */
        *ok = false;
    } else if (*ok) {
        *check = ck;
    }
    return HX_OK;
}

static int bench_policy(hx_map_source *s, const hx_map_bench_config *c, hx_map_policy p,
                        double serial_median, hx_map_result *r) {
    memset(r, 0, sizeof *r);
    r->policy = p;
    r->chunk = c->run.chunk;
    r->verified = true;
    hx_map_run runs[MAX_REPS];
    double makespan[MAX_REPS];
    int status = HX_OK, done = 0;
    for (int i = 0; status == HX_OK && i < c->warmup; i++) {
        hx_map_run warm;
        status = one_run(s, p, &c->run, &warm, &r->check, &r->verified);
        if (status == HX_OK)
            hx_map_run_free(&warm);
    }
    for (; status == HX_OK && done < c->reps; done++) {
        status = one_run(s, p, &c->run, &runs[done], &r->check, &r->verified);
        if (status != HX_OK)
            break;
        makespan[done] = runs[done].makespan_s;
    }
    if (status != HX_OK) {
        for (int i = 0; i < done; i++)
            hx_map_run_free(&runs[i]);
        return status;
    }
    r->makespan = hx_stats_of(makespan, (size_t)done);
    int median = 0; /* the run whose makespan is the median (the lower middle for even reps) */
    for (int i = 0; i < done; i++) {
        int below = 0;
        for (int k = 0; k < done; k++)
            below += makespan[k] < makespan[i] || (makespan[k] == makespan[i] && k < i);
        if (below == (done - 1) / 2)
            median = i;
    }
    r->run = runs[median];
    for (int i = 0; i < done; i++)
        if (i != median)
            hx_map_run_free(&runs[i]);
    r->speedup = r->makespan.median > 0.0 ? serial_median / r->makespan.median : 0.0;
    r->efficiency = r->speedup / (double)r->run.workers;
    r->imbalance = hx_map_imbalance(&r->run);
    r->idle_frac = hx_map_idle_frac(&r->run);
    r->overhead_ns = hx_map_overhead_ns(&r->run);
    return HX_OK;
}

static int check_all(const hx_map_source *s, const hx_map_bench_config *c) {
    if (c->reps < 1 || c->reps > MAX_REPS)
        return hx_fail(HX_ERR_USAGE, "--reps=%d: accepted 1..%d", c->reps, MAX_REPS);
    for (int p = 0; p < HX_MAP_POLICY_COUNT; p++)
        if (c->want[p])
            HX_TRY(hx_map_config_check(s, (hx_map_policy)p, &c->run));
    return HX_OK;
}

int hx_map_bench(hx_map_source *s, const hx_map_bench_config *c, hx_map_report *out) {
    memset(out, 0, sizeof *out);
    out->src = s;
    out->cfg = *c;
    HX_TRY(check_all(s, c));
    out->results = calloc(HX_MAP_POLICY_COUNT, sizeof *out->results);
    if (!out->results)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    HX_TRY(bench_serial(s, c->reps, c->warmup, &out->serial));
    out->timer_ns = hx_map_timer_ns();
    hx_map_bench_config cfg = *c;
    if (cfg.run.record && cfg.run.record_resolution_s <= 0.0) /* ~2000 boxes per lane */
        cfg.run.record_resolution_s = out->serial.median / cfg.run.workers / 2000.0;
    out->cfg = cfg;
    bool all_ok = true;
    for (int p = 0; p < HX_MAP_POLICY_COUNT; p++) {
        if (!c->want[p])
            continue;
        hx_map_result *r = &out->results[out->n];
        HX_TRY(bench_policy(s, &cfg, (hx_map_policy)p, out->serial.median, r));
        out->n++;
        all_ok &= r->verified;
    }
    if (!all_ok)
        for (size_t i = 0; i < out->n; i++)
            if (!out->results[i].verified)
                return hx_fail(HX_ERR_RUNTIME, "%s computed a wrong result: %s",
                               hx_map_policy_names[out->results[i].policy],
                               out->results[i].check.detail);
    return HX_OK;
}

void hx_map_report_free(hx_map_report *r) {
    for (size_t i = 0; r->results && i < r->n; i++)
        hx_map_run_free(&r->results[i].run);
    free(r->results);
    r->results = NULL;
    r->n = 0;
}

/* ---- the granularity sweep ----------------------------------------------------------------- */

int hx_map_sweep_run(hx_map_source *s, const hx_map_bench_config *c, const uint64_t *chunks,
                     size_t nchunks, hx_map_sweep *out) {
    memset(out, 0, sizeof *out);
    out->src = s;
    out->cfg = *c;
    out->policies[0] = HX_MAP_DYNAMIC;
    out->policies[1] = HX_MAP_MANAGER_WORKER;
    if (nchunks == 0 || nchunks > HX_MAP_MAX_CHUNKS)
        return hx_fail(HX_ERR_USAGE, "--chunk: 1 to %d chunk sizes", HX_MAP_MAX_CHUNKS);
    hx_map_bench_config cfg = *c;
    for (size_t i = 0; i < nchunks; i++) {
        cfg.run.chunk = chunks[i];
        for (int p = 0; p < 2; p++)
            HX_TRY(hx_map_config_check(s, out->policies[p], &cfg.run));
    }
    HX_TRY(bench_serial(s, c->reps, c->warmup, &out->serial));
    out->timer_ns = hx_map_timer_ns();
    for (size_t i = 0; i < nchunks; i++) {
        cfg.run.chunk = chunks[i];
        out->chunks[i] = chunks[i];
        for (int p = 0; p < 2; p++) {
            hx_map_result *r = &out->cells[p][i];
            HX_TRY(bench_policy(s, &cfg, out->policies[p], out->serial.median, r));
            out->nchunks = i + 1;
            if (!r->verified)
                return hx_fail(HX_ERR_RUNTIME, "%s with --chunk=%llu computed a wrong result: %s",
                               hx_map_policy_names[out->policies[p]], (unsigned long long)chunks[i],
                               r->check.detail);
            if (r->makespan.median < out->cells[p][out->best[p]].makespan.median)
                out->best[p] = i;
        }
    }
    return HX_OK;
}

void hx_map_sweep_free(hx_map_sweep *sw) {
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < sw->nchunks; i++)
            hx_map_run_free(&sw->cells[p][i].run);
    sw->nchunks = 0;
}
