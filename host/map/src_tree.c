/*
 * src_tree.c - an unbalanced tree search in the style of UTS (Olivier et al., LCPC 2006).
 *
 * The tree is implicit: a node is a 48-bit hash and a 16-bit depth, packed in one task word, and
 * its children follow from its hash alone (splitmix64 of the parent's hash and the child's index
 * for each child's hash; the parent's hash for how many children), so the tree is the same on
 * every run and for every policy, and is discovered only by visiting it.  Each visit does
 * --node-work work units seeded by the node's hash (UTS's granularity) and folds the result into
 * an order-free checksum.  Shapes:
 *   binomial   the root has B children (--branch, 2000); every other node has m children with
 *              probability q, else none.  With q m < 1 the expected size is 1 + B / (1 - q m),
 *              but subtree sizes vary wildly: most die at once, a few grow huge
 *   geometric  a node above depth D has a geometric number of children with mean B (UTS's
 *              "fixed" shape): n = floor(ln(1 - u) / ln(1 - p)), p = 1 / (1 + B); the root has B
 *   balanced   every node above depth D has exactly B children: (B^(D+1) - 1) / (B - 1) nodes,
 *              a closed form checked at setup against the count of the frontier expansion
 * The check is the total node count and the checksum, against a serial depth-first count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "source_kinds.h"

#define HASH_MASK ((1ull << 48) - 1)
#define MAX_DEPTH 0xffffu

typedef struct tree_data {
    hx_map_tree shape;
    uint64_t branch, depth, m, work;
    double q, log_keep; /* geometric: ln(1 - p) */
    uint64_t *frontier;
    unsigned frontier_depth;
    uint64_t ref_units, ref_check;
} tree_data;

static uint64_t node_hash(uint64_t node) {
    return node >> 16;
}
static unsigned node_depth(uint64_t node) {
    return (unsigned)(node & MAX_DEPTH);
}

static uint64_t child_of(uint64_t node, uint64_t k) {
    uint64_t h = hx_mix64(node_hash(node) ^ (0x9e3779b97f4a7c15ull * (k + 1))) & HASH_MASK;
    unsigned depth = node_depth(node);
    return h << 16 | (depth < MAX_DEPTH ? depth + 1 : MAX_DEPTH);
}

static uint64_t children(const tree_data *d, uint64_t node) {
    unsigned depth = node_depth(node);
    double u = (double)(hx_mix64(node_hash(node) ^ 0x5851f42d4c957f2dull) >> 11) * 0x1.0p-53;
    switch (d->shape) {
    case HX_MAP_TREE_BINOMIAL:
        return depth == 0 ? d->branch : (u < d->q ? d->m : 0);
    case HX_MAP_TREE_GEOMETRIC:
        if (depth >= d->depth)
            return 0;
        return depth == 0 ? d->branch : (uint64_t)floor(log1p(-u) / d->log_keep);
    default:
        return depth < d->depth ? d->branch : 0;
    }
}

static void visit(const tree_data *d, uint64_t node, hx_map_exec *e) {
    e->check ^= hx_mix64(hx_map_spin_work(node_hash(node), d->work) ^ node);
    e->units++;
}

/* Depth-first, with an explicit stack (binomial trees are deep). */
static void explore(const tree_data *d, uint64_t root, hx_map_exec *e) {
    size_t cap = 256, n = 0;
    uint64_t local[256], *stack = local;
    stack[n++] = root;
    while (n > 0) {
        uint64_t node = stack[--n];
        visit(d, node, e);
        uint64_t kids = children(d, node);
        if (n + kids > cap) {
            size_t want = cap;
            while (n + kids > want)
                want *= 2;
            uint64_t *bigger = malloc(want * sizeof *bigger);
            if (!bigger) { /* cannot happen at sane sizes; count the loss so verify fails */
                e->units = UINT64_MAX;
                break;
            }
            memcpy(bigger, stack, n * sizeof *stack);
            if (stack != local)
                free(stack);
            stack = bigger;
            cap = want;
        }
        for (uint64_t k = kids; k-- > 0;)
            stack[n++] = child_of(node, k);
    }
    if (stack != local)
        free(stack);
}

/* Under work-stealing: visit the node, then offer each child to the deque; a child the deque
 * does not take (it holds enough already) is searched here, depth-first, offering its own
 * children in turn, so the deque fills again as soon as thieves drain it. */
static void run_spawning(const tree_data *d, uint64_t node, hx_map_exec *e) {
    visit(d, node, e);
    uint64_t kids = children(d, node);
    for (uint64_t k = kids; k-- > 0;)
        if (!e->spawn(e, child_of(node, k)))
            run_spawning(d, child_of(node, k), e);
}

static void run(const hx_map_source *s, uint64_t task, hx_map_exec *e) {
    const tree_data *d = s->data;
    if (!e->spawn)
        explore(d, task, e);
    else
        run_spawning(d, task, e);
}

/* Breadth-first, a whole level at a time, until a level holds >= --frontier nodes: every
 * frontier node then roots a subtree of the same depth (a balanced tree's are equal). */
static int expand_frontier(hx_map_source *s, tree_data *d, uint64_t root) {
    size_t n = 1;
    uint64_t *level = malloc(sizeof *level);
    if (!level)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    level[0] = root;
    hx_map_exec above = {0};
    while (n < s->params.frontier) {
        size_t next_n = 0;
        for (size_t i = 0; i < n; i++)
            next_n += children(d, level[i]);
        if (next_n == 0 || next_n > (1u << 26))
            break;
        uint64_t *next = malloc(next_n * sizeof *next);
        if (!next) {
            free(level);
            return hx_fail(HX_ERR_RUNTIME, "out of memory for the tree's frontier");
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            visit(d, level[i], &above);
            for (uint64_t c = 0, kids = children(d, level[i]); c < kids; c++)
                next[k++] = child_of(level[i], c);
        }
        free(level);
        level = next;
        n = next_n;
        d->frontier_depth++;
    }
    d->frontier = level;
    s->tasks = level;
    s->ntasks = n;
    s->above_units = above.units;
    s->above_check = above.check;
    return HX_OK;
}

static int setup(hx_map_source *s) {
    const hx_map_params *p = &s->params;
    tree_data *d = calloc(1, sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    s->data = d;
    d->shape = p->tree;
    d->m = p->m;
    d->q = p->q;
    d->work = p->node_work;
    static const uint64_t default_branch[] = {2000, 3, 4}, default_depth[] = {0, 11, 9};
    d->branch = p->branch ? p->branch : default_branch[d->shape];
    d->depth = p->depth ? p->depth : default_depth[d->shape];
    d->log_keep = log(1.0 - 1.0 / (1.0 + (double)d->branch));
    if (d->shape == HX_MAP_TREE_BINOMIAL && d->q * (double)d->m >= 1.0)
        return hx_fail(HX_ERR_USAGE,
                       "--q=%g with --m=%llu: q m = %g >= 1 makes the binomial tree infinite in "
                       "expectation; choose q m < 1",
                       d->q, (unsigned long long)d->m, d->q * (double)d->m);
    if (d->shape == HX_MAP_TREE_BALANCED && pow((double)d->branch, (double)d->depth + 1.0) > 1e9)
        return hx_fail(HX_ERR_USAGE,
                       "--branch=%llu --depth=%llu: a balanced tree of more than 10^9 nodes",
                       (unsigned long long)d->branch, (unsigned long long)d->depth);
    s->spawns = true;
    s->root = (hx_mix64(p->seed) & HASH_MASK) << 16;
    HX_TRY(expand_frontier(s, d, s->root));
    if (d->shape == HX_MAP_TREE_BINOMIAL)
        snprintf(s->describe, sizeof s->describe,
                 "tree binomial: root %llu children, m=%llu q=%g; %zu frontier tasks at depth %u, "
                 "%llu work units per node",
                 (unsigned long long)d->branch, (unsigned long long)d->m, d->q, s->ntasks,
                 d->frontier_depth, (unsigned long long)d->work);
    else
        snprintf(s->describe, sizeof s->describe,
                 "tree %s: branching %llu, depth %llu; %zu frontier tasks at depth %u, %llu work "
                 "units per node",
                 hx_map_tree_names[d->shape], (unsigned long long)d->branch,
                 (unsigned long long)d->depth, s->ntasks, d->frontier_depth,
                 (unsigned long long)d->work);
    return HX_OK;
}

static void teardown(hx_map_source *s) {
    tree_data *d = s->data;
    if (!d)
        return;
    free(d->frontier);
    free(d);
}

static void begin(hx_map_source *s, bool reference) {
    (void)s;
    (void)reference; /* the counts live in the workers' hx_map_exec */
}

static void verify(const hx_map_source *s, const hx_map_exec *total, bool from_root,
                   hx_map_check *c) {
    const tree_data *d = s->data;
    uint64_t units = total->units + (from_root ? 0 : s->above_units);
    uint64_t check = total->check ^ (from_root ? 0 : s->above_check);
    memset(c, 0, sizeof *c);
    c->checksum = check;
    c->ok = units == d->ref_units && check == d->ref_check;
    snprintf(c->detail, sizeof c->detail, "%llu nodes (serial %llu), checksum %s",
             (unsigned long long)units, (unsigned long long)d->ref_units,
             check == d->ref_check ? "equal" : "DIFFERENT");
    if (d->shape == HX_MAP_TREE_BALANCED) {
        double expect =
            (pow((double)d->branch, (double)d->depth + 1.0) - 1.0) / ((double)d->branch - 1.0);
        if (d->branch == 1)
            expect = (double)d->depth + 1.0;
        if ((double)units != expect) {
            c->ok = false;
            snprintf(c->detail, sizeof c->detail, "%llu nodes, the closed form says %.0f",
                     (unsigned long long)units, expect);
        }
    }
}

static void keep_reference(hx_map_source *s, const hx_map_exec *serial) {
    tree_data *d = s->data;
    d->ref_units = serial->units;
    d->ref_check = serial->check;
}

const hx_map_source_kind hx_map_kind_tree = {
    .name = "tree",
    .summary = "UTS-style tree search: binomial, geometric or balanced; work appears as explored",
    .setup = setup,
    .teardown = teardown,
    .begin = begin,
    .run = run,
    .keep_reference = keep_reference,
    .verify = verify,
};
