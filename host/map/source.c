/*
 * source.c - the registry of task sources, their parameters and the serial reference run.
 *
 * Parameters are shared by all sources (one struct, hx_map_params) and set from the command line
 * through one table, so `hetero map --help` lists them once and a source picks what it needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/timer.h"
#include "source_kinds.h"

const char *const hx_map_source_names[] = {
    "mandelbrot", "mandelbrot-tiles", "synthetic", "tree", "spmv", NULL};
static const hx_map_source_kind *const kinds[] = {&hx_map_kind_mandelbrot, &hx_map_kind_tiles,
                                                  &hx_map_kind_synthetic, &hx_map_kind_tree,
                                                  &hx_map_kind_spmv};

const char *const hx_map_dist_names[] = {"uniform", "exponential", "bimodal",
                                         "pareto",  "increasing",  NULL};
const char *const hx_map_tree_names[] = {"binomial", "geometric", "balanced", NULL};

void hx_map_params_default(hx_map_params *p) {
    memset(p, 0, sizeof *p);
    p->seed = 42;
    p->width = 1024;
    p->iters = 1024;
    p->tile = 32;
    p->count = 10000;
    p->cost = 20000;
    p->dist = HX_MAP_DIST_EXPONENTIAL;
    p->tree = HX_MAP_TREE_GEOMETRIC;
    p->node_work = 200;
    p->frontier = 8; /* hetero map: 4 per worker unless --frontier */
    p->m = 8;
    p->q = 0.124;
    p->rows = 200000;
    p->min_nnz = 4;
    p->alpha = 1.5;
}

const hx_opt hx_map_source_opts[] = {
    {"size", 0, "W", "mandelbrot: image W x W/2 pixels over x in [-2,1], y in [0,1.5] (1024)"},
    {"iters", 0, "N", "mandelbrot: iterations per pixel at most (1024)"},
    {"tile", 0, "T", "mandelbrot-tiles: tiles of T x T pixels (32)"},
    {"count", 0, "N", "synthetic: number of tasks (10000)"},
    {"cost", 0, "U", "synthetic: mean cost of a task in work units, ~1.5 ns each (20000)"},
    {"dist", 0, "D", "synthetic: uniform, exponential (default), bimodal, pareto, increasing"},
    {"tree", 0, "T", "tree: binomial, geometric (default), balanced"},
    {"branch", 0, "B",
     "tree: root children (binomial, 2000) or mean branching (geometric 3, "
     "balanced 4)"},
    {"depth", 0, "D", "tree: depth limit of geometric (11) and balanced (9) trees"},
    {"m", 0, "M", "tree: binomial children of a non-root node (8)"},
    {"q", 0, "Q", "tree: binomial probability that a node has children (0.124)"},
    {"node-work", 0, "U", "tree: work units hashed per node (200)"},
    {"frontier", 0, "N",
     "tree: tasks for non-spawning policies, a level of >= N nodes (4 per worker)"},
    {"rows", 0, "N", "spmv: matrix rows (200000)"},
    {"min-nnz", 0, "K", "spmv: shortest row (4); lengths are Pareto from K"},
    {"alpha", 0, "A", "spmv: Pareto shape of the row lengths (1.5; smaller: heavier tail)"},
    {"seed", 0, "N", "seed of every random choice (42)"},
    {NULL, 0, NULL, NULL},
};

static int set_choice(const char *opt, const char *v, const char *const *names, int *out) {
    return hx_parse_choice(opt, v, names, out);
}

int hx_map_param_set(hx_map_params *p, const char *name, const char *v, bool *known) {
    *known = true;
    int k;
    if (strcmp(name, "size") == 0)
        return hx_parse_size("--size", v, 2, 65536, &p->width);
    if (strcmp(name, "iters") == 0)
        return hx_parse_uint("--iters", v, 1, 1u << 20, &p->iters);
    if (strcmp(name, "tile") == 0)
        return hx_parse_uint("--tile", v, 1, 65536, &p->tile);
    if (strcmp(name, "count") == 0)
        return hx_parse_size("--count", v, 1, 1u << 28, &p->count);
    if (strcmp(name, "cost") == 0)
        return hx_parse_size("--cost", v, 1, 1ull << 32, &p->cost);
    if (strcmp(name, "dist") == 0) {
        HX_TRY(set_choice("--dist", v, hx_map_dist_names, &k));
        p->dist = (hx_map_dist)k;
        return HX_OK;
    }
    if (strcmp(name, "tree") == 0) {
        HX_TRY(set_choice("--tree", v, hx_map_tree_names, &k));
        p->tree = (hx_map_tree)k;
        return HX_OK;
    }
    if (strcmp(name, "branch") == 0)
        return hx_parse_uint("--branch", v, 1, 100000, &p->branch);
    if (strcmp(name, "depth") == 0)
        return hx_parse_uint("--depth", v, 1, 60000, &p->depth);
    if (strcmp(name, "m") == 0)
        return hx_parse_uint("--m", v, 1, 1000, &p->m);
    if (strcmp(name, "q") == 0)
        return hx_parse_double("--q", v, 0.0, 1.0, &p->q);
    if (strcmp(name, "node-work") == 0)
        return hx_parse_size("--node-work", v, 0, 1u << 24, &p->node_work);
    if (strcmp(name, "frontier") == 0)
        return hx_parse_size("--frontier", v, 1, 1u << 24, &p->frontier);
    if (strcmp(name, "rows") == 0)
        return hx_parse_size("--rows", v, 1, 1u << 26, &p->rows);
    if (strcmp(name, "min-nnz") == 0)
        return hx_parse_uint("--min-nnz", v, 1, 1u << 20, &p->min_nnz);
    if (strcmp(name, "alpha") == 0)
        return hx_parse_double("--alpha", v, 0.5, 10.0, &p->alpha);
    if (strcmp(name, "seed") == 0)
        return hx_parse_uint("--seed", v, 0, UINT64_MAX, &p->seed);
    *known = false;
    return HX_OK;
}

int hx_map_source_open(const char *name, const hx_map_params *params, hx_map_source *s) {
    int k;
    memset(s, 0, sizeof *s);
    HX_TRY(hx_parse_choice("--tasks", name, hx_map_source_names, &k));
    s->kind = kinds[k];
    s->params = *params;
    int status = s->kind->setup(s);
    if (status != HX_OK)
        hx_map_source_close(s);
    return status;
}

bool hx_map_source_has_device(const hx_map_source *s) {
    return s->kind && s->kind->device_open;
}

const char *hx_map_device_sources(void) {
    return "mandelbrot";
}

int map_require_device_side(const hx_map_source *s) {
    if (!hx_map_source_has_device(s))
        return hx_fail(HX_ERR_USAGE,
                       "--device: task source '%s' has no device kernel; sources with one: %s",
                       s->kind->name, hx_map_device_sources());
    return HX_OK;
}

int hx_map_source_attach_device(hx_map_source *s, struct hx_ocl_session *session,
                                const char *device_name) {
    HX_TRY(map_require_device_side(s));
    HX_TRY(s->kind->device_open(s, session));
    s->device_ready = true;
    snprintf(s->device_name, sizeof s->device_name, "%s", device_name);
    return HX_OK;
}

void hx_map_source_close(hx_map_source *s) {
    if (s->device_ready && s->kind->device_close)
        s->kind->device_close(s);
    s->device_ready = false;
    if (s->kind && s->kind->teardown)
        s->kind->teardown(s);
    s->data = NULL;
    s->kind = NULL;
}

double hx_map_source_serial(hx_map_source *s, hx_map_exec *total) {
    memset(total, 0, sizeof *total);
    s->kind->begin(s, true);
    double t0 = hx_now();
    if (s->spawns) {
        s->kind->run(s, s->root, total);
    } else {
        for (size_t i = 0; i < s->ntasks; i++)
            s->kind->run(s, hx_map_task(s, i), total);
    }
    double seconds = hx_now() - t0;
    if (s->kind->keep_reference)
        s->kind->keep_reference(s, total);
    return seconds;
}

uint64_t hx_map_spin_work(uint64_t x, uint64_t units) {
    for (uint64_t i = 0; i < units; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}
