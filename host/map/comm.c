/*
 * comm.c - mapping with communication: a halo-exchanging task graph on pinned workers (design.h).
 *
 * The graph: a 1-D array cut into B blocks of C cells; every step, block b takes H cells from
 * each neighbour into its ghost cells (a message of H x 4 bytes per edge and direction), then
 * replaces every cell by the mean of the 2H + 1 cells around it (a sliding window), passed
 * through work_b rounds of x <- 0.999 x + 0.0005 (the block's cost; --shape=increasing makes it
 * grow with b).  Two barriers per step: ghosts ready, cells ready.  Both buffers of a block are
 * its own, so which worker computes it changes nothing in the arithmetic: the result is compared
 * bit for bit with a serial run.
 *
 * Mappings: block (worker w owns blocks [w B / W, (w + 1) B / W): W - 1 edges cross workers) and
 * cyclic (block b on worker b mod W: every edge crosses when W > 1).  Bytes crossing are counted
 * from the graph and the mapping, exactly; last-level cache misses (perf_event_open, each
 * worker's own thread) are read where the kernel and the machine allow, and said to be missing
 * otherwise.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/json.h"
#include "hetero/core/parse.h"
#include "hetero/core/provenance.h"
#include "hetero/core/report.h"
#include "hetero/core/rng.h"
#include "hetero/core/table.h"
#include "hetero/core/timer.h"
#include "hetero/map/design.h"
#include "internal.h"

#define MAX_REPS 1000

static const char *const mapping_names[] = {"block", "cyclic"};

void hx_map_comm_default(hx_map_comm_config *c) {
    memset(c, 0, sizeof *c);
    c->workers = 2;
    c->blocks = 64;
    c->cells = 1024;
    c->halo = 64;
    c->steps = 200;
    c->work = 8;
    c->increasing = true;
    c->reps = 5;
    c->warmup = 1;
    c->pin = true;
}

typedef struct grid {
    const hx_map_comm_config *c;
    size_t stride;  /* cells + 2 halo */
    float *buf[2];  /* blocks x stride each */
    uint64_t *work; /* per block */
} grid;

static float *cells_of(const grid *g, int which, uint64_t b) {
    return g->buf[which] + b * g->stride + g->c->halo;
}

static int grid_init(grid *g, const hx_map_comm_config *c) {
    g->c = c;
    g->stride = c->cells + 2 * c->halo;
    size_t n = c->blocks * g->stride;
    g->buf[0] = calloc(n, sizeof(float));
    g->buf[1] = calloc(n, sizeof(float));
    g->work = malloc(c->blocks * sizeof *g->work);
    if (!g->buf[0] || !g->buf[1] || !g->work)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the stencil");
    for (uint64_t b = 0; b < c->blocks; b++) {
        g->work[b] = c->increasing
                         ? (uint64_t)((double)c->work * 2.0 * ((double)b + 0.5) / (double)c->blocks)
                         : c->work;
        float *x = cells_of(g, 0, b);
        for (uint64_t i = 0; i < c->cells; i++)
            x[i] = hx_rng_float(7, b, i, 0.0f, 1.0f);
    }
    return HX_OK;
}

static void grid_free(grid *g) {
    free(g->buf[0]);
    free(g->buf[1]);
    free(g->work);
}

/* Ghost cells of block b in buffer `which` from its neighbours (zeros at the ends). */
static void exchange(const grid *g, int which, uint64_t b) {
    const uint64_t H = g->c->halo, C = g->c->cells;
    float *x = cells_of(g, which, b);
    if (b > 0)
        memcpy(x - H, cells_of(g, which, b - 1) + C - H, H * sizeof *x);
    if (b + 1 < g->c->blocks)
        memcpy(x + C, cells_of(g, which, b + 1), H * sizeof *x);
}

static void update(const grid *g, int which, uint64_t b) {
    const int64_t H = (int64_t)g->c->halo, C = (int64_t)g->c->cells;
    const float *x = cells_of(g, which, b);
    float *y = cells_of(g, 1 - which, b);
    const float scale = 1.0f / (float)(2 * H + 1);
    const uint64_t rounds = g->work[b];
    float sum = 0.0f;
    for (int64_t j = -H; j <= H; j++)
        sum += x[j];
    for (int64_t i = 0; i < C; i++) {
        float v = sum * scale;
        for (uint64_t k = 0; k < rounds; k++)
            v = v * 0.999f + 0.0005f;
        y[i] = v;
        if (i + 1 < C) /* slide the window */
            sum += x[i + H + 1] - x[i - H];
    }
}

static void zero_outer_ghosts(grid *g) {
    const uint64_t H = g->c->halo, B = g->c->blocks;
    for (int w = 0; w < 2; w++) {
        memset(g->buf[w], 0, H * sizeof(float));
        memset(cells_of(g, w, B - 1) + g->c->cells, 0, H * sizeof(float));
    }
}

static bool owns(const hx_map_comm_config *c, hx_map_comm_mapping m, unsigned w, uint64_t b) {
    if (m == HX_MAP_COMM_CYCLIC)
        return b % c->workers == w;
    return b >= c->blocks * w / c->workers && b < c->blocks * (w + 1) / c->workers;
}

/* ---- perf counters ----------------------------------------------------------------------------
 */

static int open_llc_counter(int *err) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_HARDWARE;
    a.config = PERF_COUNT_HW_CACHE_MISSES;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    *err = fd < 0 ? errno : 0;
    return fd;
}

/* ---- a run -------------------------------------------------------------------------------------
 */

typedef struct comm_run {
    grid *g;
    hx_map_comm_mapping mapping;
    map_gate gate;
    pthread_barrier_t start;   /* the workers and the timing thread */
    pthread_barrier_t barrier; /* the workers, twice a step */
    double busy[HX_MAP_MAX_WORKERS];
    long long misses[HX_MAP_MAX_WORKERS];
    int perf_errno[HX_MAP_MAX_WORKERS];
} comm_run;

typedef struct comm_thread {
    comm_run *r;
    unsigned w;
    pthread_t tid;
} comm_thread;

static void *comm_worker(void *p) {
    comm_thread *t = p;
    comm_run *r = t->r;
    const hx_map_comm_config *c = r->g->c;
    if (!map_gate_pass(&r->gate))
        return NULL;
    if (c->pin)
        (void)hx_map_bind_worker(t->w, c->workers);
    int fd = open_llc_counter(&r->perf_errno[t->w]);
    pthread_barrier_wait(&r->start);
    if (fd >= 0)
        ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
    double cpu0 = hx_map_thread_cpu();
    for (uint64_t s = 0; s < c->steps; s++) {
        int which = (int)(s % 2);
        for (uint64_t b = 0; b < c->blocks; b++)
            if (owns(c, r->mapping, t->w, b))
                exchange(r->g, which, b);
        pthread_barrier_wait(&r->barrier);
        for (uint64_t b = 0; b < c->blocks; b++)
            if (owns(c, r->mapping, t->w, b))
                update(r->g, which, b);
        pthread_barrier_wait(&r->barrier);
    }
    r->busy[t->w] = hx_map_thread_cpu() - cpu0;
    r->misses[t->w] = -1;
    if (fd >= 0) {
        long long v;
        ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
        if (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
            r->misses[t->w] = v;
        close(fd);
    }
    return NULL;
}

static void serial_run(grid *g) {
    for (uint64_t s = 0; s < g->c->steps; s++) {
        int which = (int)(s % 2);
        for (uint64_t b = 0; b < g->c->blocks; b++)
            exchange(g, which, b);
        for (uint64_t b = 0; b < g->c->blocks; b++)
            update(g, which, b);
    }
}

static int parallel_run(grid *g, hx_map_comm_mapping m, comm_run *r, double *seconds) {
    const unsigned W = g->c->workers;
    memset(r, 0, sizeof *r);
    r->g = g;
    r->mapping = m;
    if (pthread_barrier_init(&r->barrier, NULL, W) != 0)
        return hx_fail(HX_ERR_RUNTIME, "pthread_barrier_init failed");
    if (pthread_barrier_init(&r->start, NULL, W + 1) != 0) {
        pthread_barrier_destroy(&r->barrier);
        return hx_fail(HX_ERR_RUNTIME, "pthread_barrier_init failed");
    }
    map_gate_init(&r->gate);
    comm_thread th[HX_MAP_MAX_WORKERS];
    unsigned made = 0;
    int err = 0;
    for (; made < W; made++) {
        th[made] = (comm_thread){r, made, 0};
        if ((err = pthread_create(&th[made].tid, NULL, comm_worker, &th[made])) != 0)
            break;
    }
    map_gate_open(&r->gate, err == 0); /* the barrier needs all W: without them, leave */
    if (err != 0) {
        for (unsigned i = 0; i < made; i++)
            pthread_join(th[i].tid, NULL);
        pthread_barrier_destroy(&r->start);
        pthread_barrier_destroy(&r->barrier);
        map_gate_destroy(&r->gate);
        return hx_fail(HX_ERR_RUNTIME, "cannot create worker %u: %s", made + 1, strerror(err));
    }
    pthread_barrier_wait(&r->start);
    double t0 = hx_now();
    for (unsigned i = 0; i < W; i++)
        pthread_join(th[i].tid, NULL);
    *seconds = hx_now() - t0;
    pthread_barrier_destroy(&r->start);
    pthread_barrier_destroy(&r->barrier);
    map_gate_destroy(&r->gate);
    return HX_OK;
}

/* The grid back at its initial state (every run starts from the same cells). */
static int fresh_grid(grid *g, const hx_map_comm_config *c) {
    grid_free(g);
    memset(g, 0, sizeof *g);
    HX_TRY(grid_init(g, c));
    zero_outer_ghosts(g);
    return HX_OK;
}

static void row_counts(const hx_map_comm_config *c, hx_map_comm_row *row) {
    uint64_t cross = 0;
    for (uint64_t b = 0; b + 1 < c->blocks; b++) {
        bool same = false;
        for (unsigned w = 0; w < c->workers && !same; w++)
            same = owns(c, row->mapping, w, b) && owns(c, row->mapping, w, b + 1);
        cross += !same;
    }
    const uint64_t per_edge = 2 * c->halo * sizeof(float) * c->steps;
    row->cross_edges = cross;
    row->cross_bytes = cross * per_edge;
    row->local_bytes = (c->blocks - 1 - cross) * per_edge;
}

static int measure_mapping(const hx_map_comm_config *c, hx_map_comm_mapping m, const float *ref,
                           hx_map_comm *out, hx_map_comm_row *row) {
    static comm_run r; /* large; one run at a time */
    grid g = {0};
    double t[MAX_REPS] = {0}, seconds = 0.0;
    row->mapping = m;
    row->verified = true;
    row_counts(c, row);
    double misses = 0.0;
    bool misses_ok = true;
    int status = HX_OK;
    for (int i = 0; status == HX_OK && i < c->warmup + c->reps; i++) {
        status = fresh_grid(&g, c);
        if (status == HX_OK)
            status = parallel_run(&g, m, &r, &seconds);
        if (status != HX_OK)
            break;
        int final = (int)(c->steps % 2);
        row->verified &= memcmp(g.buf[final], ref, c->blocks * g.stride * sizeof(float)) == 0;
        if (i < c->warmup)
            continue;
        t[i - c->warmup] = seconds;
        double max = 0.0, sum = 0.0;
        for (unsigned w = 0; w < c->workers; w++) {
            max = r.busy[w] > max ? r.busy[w] : max;
            sum += r.busy[w];
            misses_ok &= r.misses[w] >= 0;
            misses += (double)r.misses[w];
            if (r.misses[w] < 0 && !out->perf_note[0])
                snprintf(out->perf_note, sizeof out->perf_note,
                         "cache misses not readable: perf_event_open: %s",
                         strerror(r.perf_errno[w] ? r.perf_errno[w] : ENOSYS));
        }
        if (i == c->warmup + c->reps / 2) /* the middle run's imbalance */
            row->imbalance = sum > 0.0 ? max / (sum / c->workers) : 1.0;
    }
    grid_free(&g);
    HX_TRY(status);
    row->time = hx_stats_of(t, (size_t)c->reps);
    row->speedup = out->serial.median / row->time.median;
    row->llc_misses = misses_ok ? misses / c->reps : -1.0;
    if (!row->verified)
        return hx_fail(HX_ERR_RUNTIME, "the %s mapping's cells differ from the serial run's",
                       mapping_names[m]);
    return HX_OK;
}

int hx_map_comm_run(const hx_map_comm_config *c, hx_map_comm *out) {
    memset(out, 0, sizeof *out);
    out->cfg = *c;
    HX_TRY(map_check_team(c->workers, c->blocks, "blocks of the graph", c->reps, MAX_REPS));
    if (c->halo > c->cells)
        return hx_fail(HX_ERR_USAGE, "--halo=%llu is wider than a block's %llu cells",
                       (unsigned long long)c->halo, (unsigned long long)c->cells);
    grid g = {0};
    double t[MAX_REPS];
    int status = HX_OK;
    for (int i = 0; status == HX_OK && i < c->warmup + c->reps; i++) {
        status = fresh_grid(&g, c);
        double t0 = hx_now();
        if (status == HX_OK)
            serial_run(&g);
        if (i >= c->warmup)
            t[i - c->warmup] = hx_now() - t0;
    }
    if (status != HX_OK) {
        grid_free(&g);
        return status;
    }
    out->serial = hx_stats_of(t, (size_t)c->reps);
    const float *ref = g.buf[c->steps % 2];
    status = measure_mapping(c, HX_MAP_COMM_BLOCK, ref, out, &out->rows[0]);
    if (status == HX_OK)
        status = measure_mapping(c, HX_MAP_COMM_CYCLIC, ref, out, &out->rows[1]);
    grid_free(&g);
    return status;
}

int hx_map_comm_write(FILE *out, hx_format fmt, const hx_map_comm *m) {
    const hx_map_comm_config *c = &m->cfg;
    if (fmt == HX_FORMAT_JSON) {
        hx_json j;
        hx_json_init(&j, out, true);
        hx_json_object_begin(&j);
        hx_json_kv_string(&j, "schema", HX_MAP_COMM_SCHEMA);
        hx_json_kv_provenance(&j);
        hx_json_kv_int(&j, "workers", c->workers);
        hx_json_kv_int(&j, "blocks", (int64_t)c->blocks);
        hx_json_kv_int(&j, "cells", (int64_t)c->cells);
        hx_json_kv_int(&j, "halo", (int64_t)c->halo);
        hx_json_kv_int(&j, "steps", (int64_t)c->steps);
        hx_json_kv_int(&j, "work", (int64_t)c->work);
        hx_json_kv_string(&j, "shape", c->increasing ? "increasing" : "uniform");
        hx_json_kv_stats(&j, "serial_s", &m->serial);
        hx_json_kv_string(&j, "perf_note", m->perf_note[0] ? m->perf_note : NULL);
        hx_json_key(&j, "results");
        hx_json_array_begin(&j);
        for (int i = 0; i < 2; i++) {
            const hx_map_comm_row *r = &m->rows[i];
            hx_json_object_begin(&j);
            hx_json_kv_string(&j, "mapping", mapping_names[r->mapping]);
            hx_json_kv_stats(&j, "makespan_s", &r->time);
            hx_json_kv_number(&j, "speedup", r->speedup);
            hx_json_kv_number(&j, "imbalance", r->imbalance);
            hx_json_kv_int(&j, "cross_edges", (int64_t)r->cross_edges);
            hx_json_kv_int(&j, "cross_bytes", (int64_t)r->cross_bytes);
            hx_json_kv_int(&j, "local_bytes", (int64_t)r->local_bytes);
            if (r->llc_misses >= 0.0)
                hx_json_kv_number(&j, "llc_misses", r->llc_misses);
            else
                hx_json_kv_string(&j, "llc_misses", NULL);
            hx_json_kv_bool(&j, "verified", r->verified);
            hx_json_object_end(&j);
        }
        hx_json_array_end(&j);
        hx_json_object_end(&j);
        hx_json_end(&j);
        return HX_OK;
    }
    if (fmt == HX_FORMAT_CSV) {
        fputs("mapping,makespan_median_s,makespan_min_s,makespan_max_s,speedup,imbalance,"
              "cross_edges,cross_bytes,local_bytes,llc_misses,verified\n",
              out);
        for (int i = 0; i < 2; i++) {
            const hx_map_comm_row *r = &m->rows[i];
            fputs(mapping_names[r->mapping], out);
            double v[] = {r->time.median, r->time.min, r->time.max, r->speedup, r->imbalance};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
                hx_csv_number(out, v[k]);
            fprintf(out, ",%llu,%llu,%llu", (unsigned long long)r->cross_edges,
                    (unsigned long long)r->cross_bytes, (unsigned long long)r->local_bytes);
            hx_csv_number(out, r->llc_misses >= 0.0 ? r->llc_misses : NAN);
            fprintf(out, ",%s\n", r->verified ? "yes" : "no");
        }
        return HX_OK;
    }
    static const char *const h[] = {"mapping",    "makespan",    "min..max",    "speedup",
                                    "imbalance",  "cross edges", "bytes cross", "bytes local",
                                    "LLC misses", "verified"};
    hx_table *t = hx_table_new(10, h, "lrrrrrrrrl");
    if (!t)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the report");
    for (int i = 0; i < 2; i++) {
        const hx_map_comm_row *r = &m->rows[i];
        char med[32], mn[32], mx[32], xb[32], lb[32];
        hx_format_seconds(med, sizeof med, r->time.median);
        hx_format_seconds(mn, sizeof mn, r->time.min);
        hx_format_seconds(mx, sizeof mx, r->time.max);
        hx_table_row(t);
        hx_table_cell(t, "%s", mapping_names[r->mapping]);
        hx_table_cell(t, "%s", med);
        hx_table_cell(t, "%s..%s", mn, mx);
        hx_table_cell(t, "%.2fx", r->speedup);
        hx_table_cell(t, "%.2fx", r->imbalance);
        hx_table_cell(t, "%llu", (unsigned long long)r->cross_edges);
        hx_table_cell(t, "%s", hx_format_bytes(r->cross_bytes, xb, sizeof xb));
        hx_table_cell(t, "%s", hx_format_bytes(r->local_bytes, lb, sizeof lb));
        if (r->llc_misses >= 0.0)
            hx_table_cell(t, "%.3g", r->llc_misses);
        else
            hx_table_cell(t, "n/a");
        hx_table_cell(t, "%s", r->verified ? "yes" : "NO");
    }
    char serial[32];
    hx_format_seconds(serial, sizeof serial, m->serial.median);
    fprintf(out,
            "hetero map comm: %llu blocks of %llu cells, halo %llu cells, %llu steps, %s cost "
            "(mean %llu units per cell), %u workers; serial %s\n\n",
            (unsigned long long)c->blocks, (unsigned long long)c->cells,
            (unsigned long long)c->halo, (unsigned long long)c->steps,
            c->increasing ? "increasing" : "uniform", (unsigned long long)c->work, c->workers,
            serial);
    hx_table_print(t, out);
    hx_table_free(t);
    fprintf(out,
            "\nbytes cross/local: halo bytes per run between blocks on different workers / on "
            "the same one, from the graph.\n%s%s",
            m->perf_note[0] ? m->perf_note : "", m->perf_note[0] ? "\n" : "");
    return HX_OK;
}
