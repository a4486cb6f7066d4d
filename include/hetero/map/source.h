/*
 * source.h - task sources for hetero map: work with a known, irregular cost.
 *
 * A task source is a set of tasks and the code that runs one.  Most sources are an index space,
 * task i for i in [0, ntasks): mandelbrot rows or tiles of an off-centre window, synthetic tasks
 * whose cost follows a seeded distribution, and the rows of a sparse matrix whose lengths follow
 * a power law.  The tree search (in the style of UTS) is different: work appears only as it is
 * explored, every node's children are known only once the node is visited.  It offers two views:
 * a frontier (the tree expanded breadth-first, level by level, until a level holds at least
 * --frontier nodes; each frontier node is a task that explores its whole subtree), which every
 * policy can map, and the root alone, from which work-stealing spawns every node into its deques.
 *
 * Every source verifies what a run computed against a serial run of the same source: the image
 * bit for bit, y = A x bit for bit (each row is summed in the same order by whoever runs it), the
 * synthetic tasks' results, the tree's node count and an order-free checksum of its nodes.
 *
 * Sources run tasks from many threads at once: run() may be called concurrently for different
 * tasks, writes only the task's own part of the output, and keeps counts in the caller's
 * hx_map_exec.
 */
#ifndef HETERO_MAP_SOURCE_H
#define HETERO_MAP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetero/core/args.h"

typedef enum {
    HX_MAP_DIST_UNIFORM,     /* cost uniform in [0, 2 mean] */
    HX_MAP_DIST_EXPONENTIAL, /* exponential with the mean */
    HX_MAP_DIST_BIMODAL,     /* 90% cost mean/2, 10% cost 5.5 mean */
    HX_MAP_DIST_PARETO,      /* Pareto, shape 1.5, capped at 1000 means */
    HX_MAP_DIST_INCREASING,  /* cost grows linearly with the task index, 0 .. 2 mean */
    HX_MAP_DIST_COUNT
} hx_map_dist;

typedef enum { HX_MAP_TREE_BINOMIAL, HX_MAP_TREE_GEOMETRIC, HX_MAP_TREE_BALANCED } hx_map_tree;

/* Every source's parameters; hx_map_params_default() fills the defaults, the command line
 * overrides them (hx_map_param_set), a source reads the ones it needs. */
typedef struct hx_map_params {
    uint64_t seed;
    /* mandelbrot, mandelbrot-tiles: width x height pixels over x in [-2, 1], y in [0, 1.5] */
    uint64_t width, height, iters, tile;
    /* synthetic: count tasks, each costing a draw of dist with mean `cost` work units */
    uint64_t count, cost;
    hx_map_dist dist;
    /* tree */
    hx_map_tree tree;
    uint64_t branch, depth, m, node_work,
        frontier; /* frontier: hetero map's default 4 per worker */
    double q;
    /* spmv: rows x rows, row lengths Pareto with shape alpha and at least min_nnz */
    uint64_t rows, min_nnz;
    double alpha;
} hx_map_params;

/* What a worker carries through the tasks it runs: counts a source adds to, and the spawn hook
 * of work-stealing (NULL: a tree task explores its subtree inline). */
typedef struct hx_map_exec {
    unsigned worker;
    uint64_t units; /* what the source counts: tree nodes, nonzeros */
    uint64_t check; /* order-free checksum (XOR) a source may fold results into */
    /* true: the task was queued for others to steal; false: the caller runs it now */
    bool (*spawn)(struct hx_map_exec *e, uint64_t task);
    void *spawn_arg;
} hx_map_exec;

typedef struct hx_map_check {
    bool ok;
    uint64_t checksum; /* of the run's result (the image, y, the nodes) */
    char detail[160];  /* what was compared, and the first difference when not ok */
} hx_map_check;

typedef struct hx_map_source hx_map_source;
struct hx_ocl_session; /* hetero/ocl/ocl.h: only sources with a device side use it */

typedef struct hx_map_source_kind {
    const char *name, *summary;
    int (*setup)(hx_map_source *s);
    void (*teardown)(hx_map_source *s);
    /* Select the output the next run writes (the reference, or the run's own) and poison it. */
    void (*begin)(hx_map_source *s, bool reference);
    void (*run)(const hx_map_source *s, uint64_t task, hx_map_exec *e);
    /* Optional: keep the serial run's counts as the reference (trees: nodes and checksum). */
    void (*keep_reference)(hx_map_source *s, const hx_map_exec *serial);
    /* Compare the run's output (and the summed exec counts) with the reference. */
    void (*verify)(const hx_map_source *s, const hx_map_exec *total, bool from_root,
                   hx_map_check *c);
    /* Optional, the device side of an index source (mandelbrot rows): prepare the kernel on an
     * OpenCL session, run tasks [begin, end) there as one launch that returns once their results
     * are in the output, and release it.  device_run is called by one thread at a time. */
    int (*device_open)(hx_map_source *s, struct hx_ocl_session *session);
    int (*device_run)(const hx_map_source *s, size_t begin, size_t end, hx_map_exec *e);
    void (*device_close)(hx_map_source *s);
} hx_map_source_kind;

struct hx_map_source {
    const hx_map_source_kind *kind;
    hx_map_params params;
    size_t ntasks;         /* tasks of the index space (the frontier, for trees) */
    const uint64_t *tasks; /* task words; NULL when task i is simply i */
    bool spawns;           /* run() spawns children when e->spawn is set (trees) */
    uint64_t root;         /* the root task of a spawning source */
    uint64_t above_units;  /* units above the frontier (trees): counted by setup */
    uint64_t above_check;
    char describe[160]; /* one line for reports */
    void *data;
    bool device_ready;     /* hx_map_source_attach_device() succeeded */
    char device_name[128]; /* the device's name, for reports */
};

/* The task word of task i. */
static inline uint64_t hx_map_task(const hx_map_source *s, size_t i) {
    return s->tasks ? s->tasks[i] : (uint64_t)i;
}

extern const char *const hx_map_source_names[]; /* NULL-terminated */
extern const char *const hx_map_dist_names[];
extern const char *const hx_map_tree_names[];

void hx_map_params_default(hx_map_params *p);

/* The source options (for --help) and their setter: name without dashes; HX_ERR_USAGE on a bad
 * value; *known false when name is not a source option. */
extern const hx_opt hx_map_source_opts[];
int hx_map_param_set(hx_map_params *p, const char *name, const char *value, bool *known);

/* Make source `name` (HX_ERR_USAGE listing the accepted names when unknown) with params. */
int hx_map_source_open(const char *name, const hx_map_params *params, hx_map_source *s);
void hx_map_source_close(hx_map_source *s);

/* Give s a device worker's kernel on session (opened by the caller, who closes it after
 * hx_map_source_close): HX_ERR_USAGE naming the sources that have a device side when s has
 * none.  A run whose config sets device_worker then runs its last worker's tasks there. */
int hx_map_source_attach_device(hx_map_source *s, struct hx_ocl_session *session,
                                const char *device_name);
/* Whether s has a device side (before any device is opened). */
bool hx_map_source_has_device(const hx_map_source *s);
/* The sources with a device side, for messages: "mandelbrot". */
const char *hx_map_device_sources(void);

/* Run every task on the calling thread (tree: from the root, inline) into the reference and
 * return the seconds it took. */
double hx_map_source_serial(hx_map_source *s, hx_map_exec *total);

/* The work of `units` synthetic work units: a dependent chain of multiply-xorshift steps (about
 * one nanosecond each), seeded by x.  Shared with the design experiments. */
uint64_t hx_map_spin_work(uint64_t x, uint64_t units);

#endif
