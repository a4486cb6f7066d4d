/*
 * job.c - this process's part in an MPI job (see job.h).  Without MPI in the build every answer
 * is the one-process one.
 */
#include "hetero/engine/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#ifdef HETERO_HAVE_MPI
#include "hetero/mpi/mpi.h"
#endif

void hx_engine_prelude(void) {
#ifdef HETERO_HAVE_MPI
    hx_mpi_prelude();
#endif
}

bool hx_engine_launched(void) {
#ifdef HETERO_HAVE_MPI
    return hx_mpi_launched(NULL);
#else
    return false;
#endif
}

int hx_engine_start(bool mpi_requested) {
#ifdef HETERO_HAVE_MPI
    return hx_mpi_start(mpi_requested, true); /* OpenMP inside the ranks */
#else
    (void)mpi_requested;
    return HX_OK;
#endif
}

int hx_engine_stop(int status) {
#ifdef HETERO_HAVE_MPI
    return hx_mpi_stop(status);
#else
    return status;
#endif
}

bool hx_engine_holds_problem(void) {
#ifdef HETERO_HAVE_MPI
    return !hx_mpi_active() || hx_mpi_is_root();
#else
    return true;
#endif
}

int hx_engine_ranks(void) {
#ifdef HETERO_HAVE_MPI
    return hx_mpi_size();
#else
    return 1;
#endif
}

#ifdef HETERO_HAVE_MPI

/* Whether name is one of the comma-separated items of list. */
static bool listed(const char *list, const char *name) {
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

size_t hx_mpi_rows_variants(const hx_workload *w, const hx_mpi_spec *spec, int *index, size_t cap) {
    const hx_mpi_binding *b = w->mpi;
    size_t n = 0;
    for (size_t v = 0; b && v < b->nvariants && n < cap; v++)
        if (spec && spec->variants ? listed(spec->variants, b->variants[v].name)
                                   : !b->variants[v].device || (spec && spec->device))
            index[n++] = (int)v;
    return n;
}

const char *hx_mpi_variant_name(const hx_workload *w, int v) {
    const hx_mpi_binding *b = w->mpi;
    return b && v >= 0 && (size_t)v < b->nvariants ? b->variants[v].name : "";
}

int hx_mpi_rows_check(const hx_workload *w, uint64_t size, const double *params,
                      const hx_mpi_spec *spec) {
    const hx_mpi_binding *b = w->mpi;
    if (!b)
        return HX_OK;
    int ranks = spec && spec->ranks > 0 ? spec->ranks : hx_mpi_size();
    int grid[2] = {spec ? spec->grid[0] : 0, spec ? spec->grid[1] : 0};
    if (grid[0] > 0 && grid[0] * grid[1] != ranks)
        return hx_fail(HX_ERR_USAGE,
                       "--grid %dx%d has %d places but the job has %d ranks; give P x Q = %d "
                       "(e.g. --grid=%dx1) or leave --grid out",
                       grid[0], grid[1], grid[0] * grid[1], ranks, ranks, ranks);
    hx_problem p;
    memset(&p, 0, sizeof p);
    p.workload = w;
    p.size = size;
    for (size_t k = 0; k < w->nparams && k < HX_MAX_PARAMS; k++)
        p.param[k] = params ? params[k] : w->params[k].def;
    return b->check ? b->check(&p, ranks, grid) : HX_OK;
}

/* --grid and --chunk given to a run none of whose distributed bodies reads them: said once. */
static void unused_options(const hx_workload *const *ws, size_t n, const hx_mpi_spec *spec) {
    bool grid = false, chunk = false;
    for (size_t k = 0; k < n; k++) {
        grid |= ws[k]->mpi && ws[k]->mpi->uses_grid;
        chunk |= ws[k]->mpi && ws[k]->mpi->uses_chunk;
    }
    if (spec->grid[0] > 0 && !grid)
        hx_notice("--grid applies to a 2-D decomposition (stencil2d's mpi rows), not to this run");
    if (spec->chunk > 0 && !chunk)
        hx_notice("--chunk applies to manager/worker (mandelbrot's mpi rows), not to this run");
}

int hx_mpi_rows_check_variants(const hx_workload *const *ws, size_t n, const hx_mpi_spec *spec) {
    if (!spec)
        return HX_OK;
    unused_options(ws, n, spec);
    if (!spec->variants)
        return HX_OK;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", spec->variants);
    char *items[32];
    size_t nitems = 0;
    HX_TRY(hx_split_list("--mpi-variant", copy, items, 32, &nitems));
    for (size_t i = 0; i < nitems; i++) {
        bool found = false;
        char known[512] = "";
        size_t len = 0;
        for (size_t k = 0; k < n; k++) {
            const hx_mpi_binding *b = ws[k]->mpi;
            for (size_t v = 0; b && v < b->nvariants; v++) {
                found |= strcmp(items[i], b->variants[v].name) == 0;
                if (len < sizeof known)
                    len += (size_t)snprintf(known + len, sizeof known - len, "%s%s/%s",
                                            len ? ", " : "", ws[k]->name, b->variants[v].name);
            }
        }
        if (!found)
            return hx_fail(HX_ERR_USAGE, "--mpi-variant '%s' is not a variant of %s; accepted: %s",
                           items[i], n == 1 ? ws[0]->name : "these workloads",
                           known[0] ? known : "none (no distributed body)");
    }
    return HX_OK;
}

#else

size_t hx_mpi_rows_variants(const hx_workload *w, const hx_mpi_spec *spec, int *index, size_t cap) {
    (void)w, (void)spec, (void)index, (void)cap;
    return 0;
}

const char *hx_mpi_variant_name(const hx_workload *w, int v) {
    (void)w, (void)v;
    return "";
}

int hx_mpi_rows_check(const hx_workload *w, uint64_t size, const double *params,
                      const hx_mpi_spec *spec) {
    (void)w, (void)size, (void)params, (void)spec;
    return HX_OK;
}

int hx_mpi_rows_check_variants(const hx_workload *const *ws, size_t n, const hx_mpi_spec *spec) {
    (void)ws, (void)n, (void)spec;
    return HX_OK;
}

#endif
