/*
 * runner.c - every chosen workload on every chosen backend and device (see runner.h).
 */
#include "hetero/engine/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/engine/backends.h"
#include "hetero/engine/job.h"

hx_result *hx_rows_add(hx_rows *rs) {
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 16;
        hx_result *rows = realloc(rs->rows, cap * sizeof *rows);
        if (!rows) {
            hx_fail(HX_ERR_RUNTIME, "out of memory");
            return NULL;
        }
        rs->rows = rows;
        rs->cap = cap;
    }
    hx_result *r = &rs->rows[rs->n++];
    memset(r, 0, sizeof *r);
    return r;
}

void hx_rows_skip(hx_rows *rs, const hx_workload *w, hx_backend b, const char *reason) {
    if (rs->nskips == HX_ROWS_MAX_SKIPS)
        return;
    hx_skip *s = &rs->skips[rs->nskips++];
    s->workload = w->name;
    s->backend = hx_backend_name(b);
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

void hx_rows_free(hx_rows *rs) {
    free(rs->rows);
    memset(rs, 0, sizeof *rs);
}

int hx_rows_check_verified(const hx_rows *rs) {
    char msg[1024] = "";
    size_t len = 0, bad = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const hx_result *r = &rs->rows[i];
        if (r->verified)
            continue;
        bad++;
        if (len < sizeof msg)
            len += (size_t)snprintf(msg + len, sizeof msg - len,
                                    "%s%s/%s on %s: max error %.3g > tolerance %.3g",
                                    bad > 1 ? "; " : "", r->workload, r->backend, r->device,
                                    r->max_rel_err, r->tolerance);
    }
    return bad ? hx_fail(HX_ERR_RUNTIME, "verification failed: %s", msg) : HX_OK;
}

static int measure_row(hx_rows *rs, hx_instance *in, hx_backend b, const hx_target *t,
                       const hx_measure_opts *o) {
    hx_result *r = hx_rows_add(rs);
    if (!r)
        return HX_ERR_RUNTIME;
    int status = hx_measure(in, b, t, o, r);
    if (status != HX_OK)
        rs->n--;
    return status;
}

/* The mpi rows: one per variant of the workload's distributed body that the spec selects. */
static int measure_mpi(hx_rows *rs, hx_instance *in, const hx_mpi_spec *spec,
                       const hx_measure_opts *o) {
    int variants[8];
    size_t n = hx_mpi_rows_variants(in->problem.workload, spec, variants, 8);
    if (n == 0)
        hx_rows_skip(rs, in->problem.workload, HX_BACKEND_MPI,
                     "none of the --mpi-variant names is a variant of this workload");
    int status = HX_OK;
    for (size_t v = 0; status == HX_OK && v < n; v++) {
        hx_target t = {.mpi = spec, .mpi_variant = variants[v]};
        status = measure_row(rs, in, HX_BACKEND_MPI, &t, o);
    }
    return status;
}

/* Backend b of the instance on every target it runs on: each device x memory mode for opencl,
 * CUDA device 0 for cuda, each communication pattern for mpi, the host otherwise. */
static int measure_backend(hx_rows *rs, hx_instance *in, hx_backend b, hx_target_set *ts,
                           const hx_run_plan *plan, const hx_measure_opts *o) {
    if (b == HX_BACKEND_MPI) {
        static const hx_mpi_spec every_rank;
        return measure_mpi(rs, in, plan->mpi ? plan->mpi : &every_rank, o);
    }
    if (b == HX_BACKEND_OPENCL) {
        int status = HX_OK;
        for (size_t d = 0; status == HX_OK && d < ts->ndevices; d++)
            for (size_t m = 0; status == HX_OK && m < ts->devices[d].nmodes; m++) {
                hx_target t = hx_target_of(ts, d, m);
                status = measure_row(rs, in, b, &t, o);
            }
        return status;
    }
    if (b == HX_BACKEND_CUDA) {
        if (!ts->cuda) {
            hx_rows_skip(rs, in->problem.workload, b, ts->cuda_why);
            return HX_OK;
        }
        hx_target t = {.cuda_device = 0};
        return measure_row(rs, in, b, &t, o);
    }
    return measure_row(rs, in, b, NULL, o);
}

static int run_item(const hx_run_plan *plan, const hx_run_item *it, hx_target_set *ts,
                    hx_rows *rs) {
    const hx_workload *w = it->workload;
    hx_instance in;
    HX_TRY(hx_instance_init(&in, w, it->size, plan->seed, plan->threads, it->params));
    int status = measure_row(rs, &in, HX_BACKEND_SERIAL, NULL, &it->opts);
    for (int b = HX_BACKEND_SERIAL + 1; status == HX_OK && b < HX_BACKEND_COUNT; b++) {
        if (!plan->want[b])
            continue;
        if (!hx_workload_has(w, (hx_backend)b)) {
            if (plan->named[b])
                hx_rows_skip(rs, w, (hx_backend)b, "this workload has no such backend");
            continue;
        }
        if (!hx_workload_variant_applies(w, (hx_backend)b)) {
            status = measure_backend(rs, &in, (hx_backend)b, ts, plan, &it->opts);
            continue;
        }
        for (unsigned v = 0; status == HX_OK && v < hx_workload_variant_count(w); v++)
            if (it->variants[v]) {
                in.problem.variant = v;
                status = measure_backend(rs, &in, (hx_backend)b, ts, plan, &it->opts);
            }
        in.problem.variant = w->default_variant;
    }
    hx_instance_free(&in);
    return status;
}

int hx_run_plan_execute(const hx_run_plan *plan, hx_target_set *ts, hx_rows *rows) {
    for (size_t i = 0; i < plan->nitems; i++)
        HX_TRY(run_item(plan, &plan->items[i], ts, rows));
    return HX_OK;
}
