/*
 * policy.c - the co-scheduler's rules, apart from any device or thread (see sched.h): the
 * policies' names, which rows each side takes, which policies run, the speedups, and the random
 * choices of --svm-stress.  The unit tests check them directly (every row taken exactly once,
 * the static blocks equal, the edges of the split).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetero/core/error.h"
#include "hetero/core/parse.h"
#include "hetero/core/rng.h"
#include "hetero/sched/sched.h"
#include "hetero/workloads/workload.h"

static const char *const policy_names[] = {"device-only",   "host-only",   "static",
                                           "dynamic-proxy", "dynamic-svm", NULL};
/* what --policy accepts: the policies, and "all" (index HX_SCHED_POLICY_COUNT) */
static const char *const policy_choices[] = {"device-only", "host-only", "static", "dynamic-proxy",
                                             "dynamic-svm", "all",       NULL};

const char *hx_sched_policy_name(hx_sched_policy p) {
    return policy_names[p];
}

int hx_sched_parse_policies(const char *text, bool want[HX_SCHED_POLICY_COUNT]) {
    char *copy = strdup(text);
    char *items[HX_SCHED_POLICY_COUNT * 2 + 2];
    size_t n = 0;
    if (!copy)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(want, 0, HX_SCHED_POLICY_COUNT * sizeof want[0]);
    int status = hx_split_list("--policy", copy, items, sizeof items / sizeof items[0], &n);
    for (size_t i = 0; status == HX_OK && i < n; i++) {
        int p;
        status = hx_parse_choice("--policy", items[i], policy_choices, &p);
        for (int q = 0; status == HX_OK && q < HX_SCHED_POLICY_COUNT; q++)
            want[q] |= p == q || p == HX_SCHED_POLICY_COUNT;
    }
    free(copy);
    return status;
}

void hx_sched_config_defaults(hx_sched_config *c) {
    memset(c, 0, sizeof *c);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++)
        c->want[p] = true;
    c->split = 0.5;
    c->chunk = 16;
    c->inflight = 2;
    c->size = 1024;
    c->iters = 256;
    c->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c->threads < 1)
        c->threads = 1;
    c->reps = 5;
    c->warmup = 1;
}

int hx_sched_check(const hx_sched_config *c) {
    const hx_workload *w = hx_workload_find("mandelbrot");
    if (!w)
        return hx_fail(HX_ERR_MISSING, "this build has no mandelbrot workload");
    if (c->threads > HX_MAX_THREADS)
        return hx_fail(HX_ERR_USAGE, "--threads %d is more than %d", c->threads, HX_MAX_THREADS);
    return hx_workload_check_size(w, "--size", c->size);
}

hx_target_spec hx_sched_target_spec(const char *device) {
    hx_target_spec s = {
        .opencl = true,
        .opencl_explicit = true, /* the co-scheduler needs a device */
        .device = device,
        .max_devices = 1,
        .purpose = "co-scheduling",
    };
    return s;
}

/* ---- who takes which rows ------------------------------------------------------------------- */

hx_sched_range hx_sched_device_rows(hx_sched_policy p, double split, size_t height) {
    hx_sched_range r = {0, 0};
    if (p == HX_SCHED_DEVICE_ONLY)
        r.end = height;
    else if (p == HX_SCHED_STATIC)
        r.end = (size_t)lround(split * (double)height);
    return r;
}

hx_sched_range hx_sched_host_block(size_t begin, size_t end, unsigned slot, unsigned n) {
    size_t span = end - begin;
    hx_sched_range r = {begin + span * slot / n, begin + span * (slot + 1) / n};
    return r;
}

hx_sched_range hx_sched_chunk(uint32_t row, uint32_t chunk, uint32_t height) {
    hx_sched_range r = {row, row};
    if (row < height)
        r.end = (uint64_t)row + chunk < height ? (size_t)row + chunk : height;
    else
        r.begin = r.end = height;
    return r;
}

bool hx_sched_policies_to_run(const bool want[HX_SCHED_POLICY_COUNT], bool svm_ok,
                              bool run[HX_SCHED_POLICY_COUNT], bool *svm_skipped) {
    *svm_skipped = false;
    bool only_svm = want[HX_SCHED_DYNAMIC_SVM];
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++) {
        run[p] = want[p] || p == HX_SCHED_DEVICE_ONLY || p == HX_SCHED_HOST_ONLY;
        only_svm &= p == HX_SCHED_DYNAMIC_SVM || !want[p];
    }
    if (want[HX_SCHED_DYNAMIC_SVM] && !svm_ok) {
        if (only_svm)
            return false;
        run[HX_SCHED_DYNAMIC_SVM] = false;
        *svm_skipped = true;
    }
    return true;
}

void hx_sched_speedups(hx_sched_result rs[HX_SCHED_POLICY_COUNT], double serial_median) {
    double best = fmin(rs[HX_SCHED_DEVICE_ONLY].wall.median, rs[HX_SCHED_HOST_ONLY].wall.median);
    for (int p = 0; p < HX_SCHED_POLICY_COUNT; p++) {
        if (!rs[p].ran)
            continue;
        rs[p].speedup_serial = serial_median / rs[p].wall.median;
        rs[p].speedup_best = best / rs[p].wall.median;
    }
}

/* ---- --svm-stress's random runs -------------------------------------------------------------- */

void hx_sched_stress_case_of(uint64_t seed, uint64_t i, size_t nmodes, hx_sched_stress_case *k) {
    uint64_t bits = hx_rng_bits(seed, 11, i);
    k->size = 1 + hx_rng_bits(seed, 12, i) % (1u << 18);
    k->bins = (double)(1 + (bits % 4 == 0 ? bits % 3 : (bits >> 8) % 4096));
    k->device_share = (double)((bits >> 20) % 101) / 100.0;
    if ((bits >> 28) % 8 == 0)
        k->device_share = (bits >> 31) % 2 ? 1.0 : 0.0; /* the edges: one side only */
    k->threads = 1 + (int)((bits >> 32) % 4);
    k->mode = nmodes ? (size_t)((bits >> 36) % nmodes) : 0;
}
