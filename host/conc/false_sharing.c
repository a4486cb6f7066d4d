/*
 * false_sharing.c - two threads, two counters, one cache line (see sync.h).
 *
 * Coherence works on lines, not variables: a core that writes a line must own it exclusively,
 * so two cores writing *different* counters in the *same* line take turns owning it, and every
 * increment waits for the line to come back from the other core.  No data is shared - the
 * program is race-free and each count is exact - yet it runs several times slower than the
 * same loop with each counter on its own line.  This file is self-contained on purpose (the
 * memory-organisation lab runs it alone with `hetero conc --only=false-sharing`): the line size
 * comes from hwloc, the counters are laid out 8 bytes apart (packed) or one line apart
 * (padded), and the classic OpenMP pi loop shows the same effect in the form students write.
 */
#include <hwloc.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/conc/sync.h"
#include "hetero/core/error.h"
#include "hetero/core/timer.h"
#include "internal.h"

const char *const hx_pi_layout_names[] = {"packed", "padded", "reduction", NULL};

/* ---- the line size ----------------------------------------------------------------------------
 */

static unsigned hwloc_line(void) {
    hwloc_topology_t topo;
    unsigned line = 0;
    if (hwloc_topology_init(&topo) != 0)
        return 0;
    if (hwloc_topology_load(topo) == 0) {
        hwloc_obj_t l1 = hwloc_get_obj_by_type(topo, HWLOC_OBJ_L1CACHE, 0);
        if (l1 && l1->attr)
            line = l1->attr->cache.linesize;
    }
    hwloc_topology_destroy(topo);
    return line;
}

unsigned hx_conc_line_bytes(const char **source) {
    static unsigned cached;
    static const char *cached_source;
    if (!cached) {
        unsigned line = hwloc_line();
        cached_source = "hwloc";
        if (line < 16 || line > 4096 || (line & (line - 1))) {
            long l = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
            line = l >= 16 && l <= 4096 && !(l & (l - 1)) ? (unsigned)l : 0;
            cached_source = "sysconf";
        }
        if (!line) {
            line = 64;
            cached_source = "assumed";
        }
        cached = line;
    }
    if (source)
        *source = cached_source;
    return cached;
}

/* ---- per-thread counters ----------------------------------------------------------------------
 */

typedef struct fs_run {
    _Atomic uint64_t *base;
    size_t stride; /* in counters */
    uint64_t ops;
    _Atomic int go; /* 0 wait, 1 start, 2 cancelled: a yielding spin, nothing to unwind */
} fs_run;

typedef struct fs_thread {
    fs_run *run;
    unsigned id;
    pthread_t thread;
} fs_thread;

static void *fs_main(void *arg) {
    fs_thread *t = arg;
    _Atomic uint64_t *mine = t->run->base + (size_t)t->id * t->run->stride;
    int go;
    while ((go = atomic_load(&t->run->go)) == 0)
        sched_yield();
    if (go != 1)
        return NULL;
    for (uint64_t i = 0; i < t->run->ops; i++) { /* load + store, no locked instruction */
        uint64_t v = atomic_load_explicit(mine, memory_order_relaxed);
        atomic_store_explicit(mine, v + 1, memory_order_relaxed);
    }
    return NULL;
}

int hx_conc_false_sharing(unsigned threads, uint64_t ops, unsigned line_bytes, bool padded,
                          hx_false_sharing *out) {
    memset(out, 0, sizeof *out);
    size_t stride = padded ? line_bytes / sizeof(uint64_t) : 1;
    size_t bytes = (size_t)threads * stride * sizeof(uint64_t);
    bytes = (bytes + line_bytes - 1) / line_bytes * line_bytes;
    fs_run run = {.stride = stride, .ops = ops};
    run.base = aligned_alloc(line_bytes, bytes); /* packed: the counters start a line */
    fs_thread *t = calloc(threads, sizeof *t);
    if (!run.base || !t) {
        free(run.base);
        free(t);
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    }
    for (size_t i = 0; i < bytes / sizeof(uint64_t); i++)
        atomic_init(&run.base[i], 0);
    atomic_init(&run.go, 0);
    int status = HX_OK;
    unsigned started = 0;
    for (; started < threads; started++) {
        t[started] = (fs_thread){.run = &run, .id = started};
        int rc = pthread_create(&t[started].thread, NULL, fs_main, &t[started]);
        if (rc != 0) {
            status = hx_fail(HX_ERR_RUNTIME, "pthread_create: %s", strerror(rc));
            break;
        }
    }
    if (status == HX_OK) {
        double t0 = hx_now();
        atomic_store(&run.go, 1);
        for (unsigned i = 0; i < threads; i++)
            pthread_join(t[i].thread, NULL);
        out->seconds = hx_now() - t0;
        out->exact = true;
        for (unsigned i = 0; i < threads; i++)
            out->exact &= atomic_load(&run.base[(size_t)i * stride]) == ops;
    } else {
        atomic_store(&run.go, 2);
        for (unsigned i = 0; i < started; i++)
            pthread_join(t[i].thread, NULL);
    }
    free(t);
    free(run.base);
    return status;
}

/* ---- the OpenMP pi ----------------------------------------------------------------------------
 */

static double pi_with_partials(unsigned threads, uint64_t steps, size_t stride) {
    double *partial = aligned_alloc(64, ((size_t)threads * stride * sizeof(double) + 63) / 64 * 64);
    if (!partial)
        return -1;
    for (size_t i = 0; i < (size_t)threads * stride; i++)
        partial[i] = 0;
    const double step = 1.0 / (double)steps;
#pragma omp parallel num_threads(threads)
    {
        uint64_t id = (uint64_t)omp_get_thread_num(), nt = (uint64_t)omp_get_num_threads();
        volatile double *mine = &partial[id * stride];
        for (uint64_t i = id; i < steps; i += nt) {
            double x = ((double)i + 0.5) * step;
            *mine += 4.0 / (1.0 + x * x);
        }
    }
    double sum = 0;
    for (unsigned i = 0; i < threads; i++)
        sum += partial[(size_t)i * stride];
    free(partial);
    return sum * step;
}

static double pi_reduction(unsigned threads, uint64_t steps) {
    const double step = 1.0 / (double)steps;
    double sum = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : sum) schedule(static)
    for (uint64_t i = 0; i < steps; i++) {
        double x = ((double)i + 0.5) * step;
        sum += 4.0 / (1.0 + x * x);
    }
    return sum * step;
}

int hx_conc_omp_pi(hx_pi_layout layout, unsigned threads, uint64_t steps, unsigned line_bytes,
                   double *pi, double *seconds) {
    double t0 = hx_now();
    if (layout == HX_PI_REDUCTION)
        *pi = pi_reduction(threads, steps);
    else
        *pi = pi_with_partials(threads, steps,
                               layout == HX_PI_PADDED ? line_bytes / sizeof(double) : 1);
    *seconds = hx_now() - t0;
    if (*pi < 0)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    return HX_OK;
}

/* ---- the sub-benchmark ------------------------------------------------------------------------
 */

static int counters_row(const hx_conc_config *c, hx_conc_report *r, bool padded, double *us,
                        double *median) {
    hx_false_sharing fs;
    bool exact = true;
    for (unsigned rep = 0; rep < c->reps; rep++) {
        HX_TRY(hx_conc_false_sharing(c->fs_threads, c->fs_ops, r->line_bytes, padded, &fs));
        us[rep] = fs.seconds / (double)c->fs_ops * 1e6;
        exact &= fs.exact;
    }
    hx_conc_row *row =
        hx_conc_row_add(r, HX_CONC_FALSE_SHARING, padded ? "counters_padded" : "counters_packed");
    if (!row)
        return HX_ERR_RUNTIME;
    row->threads = c->fs_threads;
    row->bytes = padded ? r->line_bytes : sizeof(uint64_t);
    hx_conc_row_costs(row, us, c->reps);
    row->counted = true;
    row->expected = c->fs_ops * c->fs_threads;
    row->observed = exact ? row->expected : 0;
    row->ok = exact;
    snprintf(row->note, sizeof row->note,
             exact ? "one counter per thread, %s; time per increment per thread"
                   : "WRONG: a counter missed increments (%s)",
             padded ? "one per cache line" : "8 bytes apart in one line");
    *median = row->us_median;
    return HX_OK;
}

static int pi_row(const hx_conc_config *c, hx_conc_report *r, hx_pi_layout layout, double *us,
                  double *median) {
    double pi = 0, seconds;
    for (unsigned rep = 0; rep < c->reps; rep++) {
        HX_TRY(hx_conc_omp_pi(layout, c->fs_threads, c->pi_steps, r->line_bytes, &pi, &seconds));
        us[rep] = seconds / (double)c->pi_steps * 1e6;
    }
    static const char *const names[] = {"omp_pi_packed", "omp_pi_padded", "omp_pi_reduction"};
    hx_conc_row *row = hx_conc_row_add(r, HX_CONC_FALSE_SHARING, names[layout]);
    if (!row)
        return HX_ERR_RUNTIME;
    row->threads = c->fs_threads;
    row->bytes = layout == HX_PI_PADDED ? r->line_bytes : layout == HX_PI_PACKED ? 8 : 0;
    hx_conc_row_costs(row, us, c->reps);
    row->value = pi;
    /* midpoint rule: error ~1/(24 n^2) is far below rounding; rounding grows like n eps */
    double tolerance = 1e-10 + (double)c->pi_steps * 4 * 2.3e-16;
    row->ok = fabs(pi - 3.14159265358979323846) <= tolerance;
    snprintf(row->note, sizeof row->note, "%s; %llu steps; |pi - M_PI| = %.2g (tolerance %.2g)",
             layout == HX_PI_PACKED   ? "sum[id] += f(x), sums 8 bytes apart"
             : layout == HX_PI_PADDED ? "sum[id * line/8] += f(x), a line each"
                                      : "private sum, reduction(+:sum)",
             (unsigned long long)c->pi_steps, fabs(pi - 3.14159265358979323846), tolerance);
    *median = row->us_median;
    return HX_OK;
}

int hx_conc_run_false_sharing(const hx_conc_config *c, hx_conc_report *r) {
    double *us = calloc(c->reps, sizeof *us);
    if (!us)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    double packed, padded, pi_packed, pi_padded, pi_reduction;
    hx_conc_progress(c, "false-sharing counters (%u threads, line %u bytes)", c->fs_threads,
                     r->line_bytes);
    int status = counters_row(c, r, false, us, &packed);
    if (status == HX_OK)
        status = counters_row(c, r, true, us, &padded);
    if (status == HX_OK) { /* slowdown: over the padded layout's median */
        r->rows[r->n - 2].slowdown = packed / padded;
        r->rows[r->n - 1].slowdown = 1;
    }
    hx_conc_progress(c, "false-sharing OpenMP pi");
    if (status == HX_OK)
        status = pi_row(c, r, HX_PI_PACKED, us, &pi_packed);
    if (status == HX_OK)
        status = pi_row(c, r, HX_PI_PADDED, us, &pi_padded);
    if (status == HX_OK)
        status = pi_row(c, r, HX_PI_REDUCTION, us, &pi_reduction);
    if (status == HX_OK) {
        r->rows[r->n - 3].slowdown = pi_packed / pi_padded;
        r->rows[r->n - 2].slowdown = 1;
        r->rows[r->n - 1].slowdown = pi_reduction / pi_padded;
    }
    free(us);
    return status;
}
