/*
 * sgemm_ocl.c - sgemm's OpenCL binding: the tile configurations of kernels/sgemm.cl, the
 * autotuner that picks one per device, and the timed run.
 *
 * A configuration is a register tile (MR rows x NV vectors of VW floats per work-item) and a way
 * to feed it: "packed" configurations (CPU devices, whose local memory is ordinary memory: the
 * device reports CL_DEVICE_LOCAL_MEM_TYPE = CL_GLOBAL) pack A and B into panels with two small
 * kernels and run sgemm_tile on them with no barrier; "local" configurations (GPUs: CL_LOCAL)
 * stage k-slices in local memory in sgemm_local.  Which tile is fastest depends on the device
 * and its compiler (register count, how wide vectors are lowered), so the first run on a device
 * times every configuration of its kind at n = 1024 and keeps the fastest in the tuning file
 * (host/ocl/tuning.c, keyed by platform, device, driver and version): later runs read it.  The
 * tuning is announced on stderr, costs a kernel build per configuration (about a second each on
 * PoCL, once: PoCL caches binaries) and is not part of any timed run.  HETERO_SGEMM_OCL=NAME
 * forces a configuration (any kind, on any device it fits: that is how the tests run the local
 * kernel on a CPU device).
 *
 * Timing: the kernel time of a run is the sum of its launches - for packed configurations the two
 * packing kernels and the tile kernel, so the packing is paid for in every run, as in the CPU
 * variant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetero/error.h"
#include "hetero/ocl.h"
#include "hetero/report.h"
#include "hetero/rng.h"
#include "hetero/timer.h"
#include "hetero/workload.h"

#include "sgemm.h"

#define TUNING_KEY  "sgemm-tiles/1" /* bump when the kernels or the candidates change */
#define TUNING_N    1024
#define TUNING_REPS 5 /* rounds of timed runs */

typedef struct sgemm_config {
    const char *name;
    bool local;          /* sgemm_local (else the packed kernels) */
    unsigned mr, nv, vw; /* the register tile: mr x (nv * vw) */
    unsigned tx, ty, bk; /* local: work-group tx x ty items, k-slices of bk */
    unsigned group;      /* packed: row panels per work-group */
} sgemm_config;

/* The candidates.  Packed: tiles that fill AVX-512's 32 vector registers (float16) or AVX2's
 * 16 (float8) with accumulators, as the CPU micro-kernels do.  Local: the 64 x 64 tile of 8 x 8
 * items, the 128 x 128 tile of 16 x 16 items that the CUDA kernel uses, and 4 x 4 per item. */
static const sgemm_config configs[] = {
    {"packed-14x32-f16", false, 14, 2, 16, 0, 0, 0, 4},
    {"packed-8x32-f16", false, 8, 2, 16, 0, 0, 0, 4},
    {"packed-6x64-f16", false, 6, 4, 16, 0, 0, 0, 4},
    {"packed-6x32-f8", false, 6, 4, 8, 0, 0, 0, 4},
    {"packed-6x16-f8", false, 6, 2, 8, 0, 0, 0, 4},
    {"local-64x64-8x8", true, 8, 1, 8, 8, 8, 16, 0},
    {"local-128x128-8x8", true, 8, 1, 8, 16, 16, 8, 0},
    {"local-64x64-4x4", true, 4, 1, 4, 16, 16, 16, 0},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

size_t hx_sgemm_ocl_config_count(void) {
    return NCONFIGS;
}

const char *hx_sgemm_ocl_config_name(size_t i) {
    return i < NCONFIGS ? configs[i].name : NULL;
}

bool hx_sgemm_ocl_config_uses_local(size_t i) {
    return i < NCONFIGS && configs[i].local;
}

const char *hx_sgemm_ocl_config_options(size_t i, char *buf, size_t len) {
    const sgemm_config *c = &configs[i < NCONFIGS ? i : 0];
    snprintf(buf, len, "-DSGEMM_LOCAL=%d -DMR=%u -DNV=%u -DVW=%u -DTX=%u -DTY=%u -DBK=%u",
             c->local ? 1 : 0, c->mr, c->nv, c->vw, c->local ? c->tx : 1, c->local ? c->ty : 1,
             c->local ? c->bk : 1);
    return buf;
}

/* Why configuration c cannot run on d, or NULL. */
static const char *unfit(const sgemm_config *c, const hx_ocl_device *d) {
    if (c->local && (size_t)c->tx * c->ty > d->max_work_group)
        return "work-group larger than the device allows";
    if (c->local &&
        (cl_ulong)c->bk * (c->ty * c->mr + c->tx * c->nv * c->vw) * sizeof(float) > d->local_mem)
        return "more local memory than the device has";
    if (!c->local && c->group > d->max_work_group)
        return "work-group larger than the device allows";
    return NULL;
}

/* Whether c is of the kind d should run: local tiling only where local memory is real. */
static bool suits(const sgemm_config *c, const hx_ocl_device *d) {
    return c->local == (d->local_mem_type == CL_LOCAL) && !unfit(c, d);
}

static int find_config(const char *name, size_t *out) {
    for (size_t i = 0; i < NCONFIGS; i++)
        if (strcmp(configs[i].name, name) == 0) {
            *out = i;
            return HX_OK;
        }
    char list[512];
    size_t used = 0;
    for (size_t i = 0; i < NCONFIGS && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 configs[i].name);
    return hx_fail(HX_ERR_USAGE,
                   "HETERO_SGEMM_OCL='%s' is not an sgemm tile configuration; "
                   "accepted: %s",
                   name, list);
}

/* ---- the launches of one run ------------------------------------------------------------ */

typedef struct sgemm_launch {
    cl_kernel kernel;
    size_t global[2], local[2];
} sgemm_launch;

typedef struct sgemm_plan {
    sgemm_launch step[3];
    size_t nsteps;
    size_t packed_a_bytes, packed_b_bytes; /* scratch of the packed configurations */
} sgemm_plan;

static size_t round_up(size_t n, size_t m) {
    return (n + m - 1) / m * m;
}

/* Work sizes for c at order n (kernels filled in by the caller, in step order). */
static sgemm_plan plan_for(const sgemm_config *c, size_t n) {
    sgemm_plan p = {0};
    const size_t nr = (size_t)c->nv * c->vw;
    if (c->local) {
        const size_t bm = (size_t)c->ty * c->mr, bn = (size_t)c->tx * nr;
        p.nsteps = 1;
        p.step[0] = (sgemm_launch){
            NULL, {(n + bn - 1) / bn * c->tx, (n + bm - 1) / bm * c->ty}, {c->tx, c->ty}};
        return p;
    }
    const size_t panels_a = (n + c->mr - 1) / c->mr, panels_b = (n + nr - 1) / nr;
    p.nsteps = 3;
    p.step[0] = (sgemm_launch){NULL, {round_up(n, 64), panels_a}, {64, 1}}; /* pack A */
    p.step[1] = (sgemm_launch){NULL, {panels_b * nr, n}, {nr, 1}};          /* pack B */
    p.step[2] = (sgemm_launch){NULL,
                               {round_up(panels_a, c->group), panels_b}, /* tiles */
                               {c->group, 1}};
    p.packed_a_bytes = panels_a * c->mr * n * sizeof(float);
    p.packed_b_bytes = panels_b * nr * n * sizeof(float);
    return p;
}

static const char *const packed_kernels[] = {"sgemm_pack_a", "sgemm_pack_b", "sgemm_tile"};

/* ---- the autotuner ----------------------------------------------------------------------- */

/* Scratch of one tuning session: matrices of TUNING_N and packed panels big enough for every
 * candidate. */
typedef struct tune_mem {
    cl_mem a, b, c, ap, bp;
} tune_mem;

static void tune_mem_release(tune_mem *m) {
    cl_mem *all[] = {&m->a, &m->b, &m->c, &m->ap, &m->bp};
    for (size_t i = 0; i < 5; i++)
        if (*all[i])
            clReleaseMemObject(*all[i]);
}

static int tune_mem_create(hx_ocl_session *s, tune_mem *m) {
    memset(m, 0, sizeof *m);
    const size_t bytes = (size_t)TUNING_N * TUNING_N * sizeof(float);
    const size_t panels = (size_t)(TUNING_N + 64) * TUNING_N * sizeof(float); /* any tile */
    float *host = malloc(bytes);
    if (!host)
        return hx_fail(HX_ERR_RUNTIME, "out of memory for the sgemm tuning matrices");
    hx_fill_uniform(host, (size_t)TUNING_N * TUNING_N, 1, 1, -1.0f, 1.0f);
    cl_int err;
    m->a = clCreateBuffer(s->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host, &err);
    if (err == CL_SUCCESS)
        m->b =
            clCreateBuffer(s->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host, &err);
    if (err == CL_SUCCESS)
        m->c = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, bytes, NULL, &err);
    if (err == CL_SUCCESS)
        m->ap = clCreateBuffer(s->context, CL_MEM_READ_WRITE, panels, NULL, &err);
    if (err == CL_SUCCESS)
        m->bp = clCreateBuffer(s->context, CL_MEM_READ_WRITE, panels, NULL, &err);
    free(host);
    if (err != CL_SUCCESS) {
        tune_mem_release(m);
        return hx_ocl_fail(err, "clCreateBuffer (sgemm tuning)");
    }
    return HX_OK;
}

/* Set the arguments of c's kernels on the given memory. */
static int set_args(const sgemm_config *c, sgemm_plan *p, cl_mem a, cl_mem b, cl_mem out, cl_mem ap,
                    cl_mem bp, cl_uint n) {
    if (c->local) {
        cl_kernel k = p->step[0].kernel;
        HX_CL(clSetKernelArg(k, 0, sizeof a, &a));
        HX_CL(clSetKernelArg(k, 1, sizeof b, &b));
        HX_CL(clSetKernelArg(k, 2, sizeof out, &out));
        HX_CL(clSetKernelArg(k, 3, sizeof n, &n));
        return HX_OK;
    }
    HX_CL(clSetKernelArg(p->step[0].kernel, 0, sizeof a, &a));
    HX_CL(clSetKernelArg(p->step[0].kernel, 1, sizeof ap, &ap));
    HX_CL(clSetKernelArg(p->step[0].kernel, 2, sizeof n, &n));
    HX_CL(clSetKernelArg(p->step[1].kernel, 0, sizeof b, &b));
    HX_CL(clSetKernelArg(p->step[1].kernel, 1, sizeof bp, &bp));
    HX_CL(clSetKernelArg(p->step[1].kernel, 2, sizeof n, &n));
    HX_CL(clSetKernelArg(p->step[2].kernel, 0, sizeof ap, &ap));
    HX_CL(clSetKernelArg(p->step[2].kernel, 1, sizeof bp, &bp));
    HX_CL(clSetKernelArg(p->step[2].kernel, 2, sizeof out, &out));
    HX_CL(clSetKernelArg(p->step[2].kernel, 3, sizeof n, &n));
    return HX_OK;
}

/* Kernel seconds of one run of plan p (sum of its launches' event times). */
static int time_plan(cl_command_queue q, const sgemm_plan *p, double *seconds) {
    cl_event ev[3];
    size_t launched = 0;
    cl_int err = CL_SUCCESS;
    for (size_t i = 0; err == CL_SUCCESS && i < p->nsteps; i++) {
        err = clEnqueueNDRangeKernel(q, p->step[i].kernel, 2, NULL, p->step[i].global,
                                     p->step[i].local, 0, NULL, &ev[i]);
        launched += err == CL_SUCCESS;
    }
    if (err == CL_SUCCESS)
        err = clFinish(q);
    double total = 0.0;
    for (size_t i = 0; i < launched; i++) {
        cl_ulong t0 = 0, t1 = 0;
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        total += t1 > t0 ? (double)(t1 - t0) * 1e-9 : 0.0;
        clReleaseEvent(ev[i]);
    }
    *seconds = total;
    return err == CL_SUCCESS ? HX_OK : hx_ocl_fail(err, "sgemm tuning run");
}

/* One candidate of a tuning session: its program and kernels on the tuning memory. */
typedef struct candidate {
    size_t config;
    cl_program program;
    sgemm_plan plan;
    double best; /* best kernel seconds so far; 0 = none yet */
    bool failed;
} candidate;

static void candidate_release(candidate *k) {
    for (size_t i = 0; i < k->plan.nsteps; i++)
        if (k->plan.step[i].kernel)
            clReleaseKernel(k->plan.step[i].kernel);
    if (k->program)
        clReleaseProgram(k->program);
}

/* Build configuration i and set its kernels up on m.  A configuration the device's compiler
 * refuses is left out with a notice (false), not an error: the others may run. */
static bool candidate_make(hx_ocl_session *s, size_t i, const tune_mem *m, candidate *k) {
    const sgemm_config *c = &configs[i];
    char opts[256];
    memset(k, 0, sizeof *k);
    k->config = i;
    if (hx_ocl_build(s, "sgemm.cl", hx_sgemm_ocl_config_options(i, opts, sizeof opts),
                     &k->program) != HX_OK) {
        hx_notice("sgemm tuning: %s does not build on '%s'; left out", c->name, s->dev->name);
        return false;
    }
    k->plan = plan_for(c, TUNING_N);
    int status = HX_OK;
    for (size_t step = 0; status == HX_OK && step < k->plan.nsteps; step++) {
        cl_int err;
        k->plan.step[step].kernel =
            clCreateKernel(k->program, c->local ? "sgemm_local" : packed_kernels[step], &err);
        if (err != CL_SUCCESS)
            status = hx_ocl_fail(err, "clCreateKernel (sgemm tuning)");
    }
    if (status == HX_OK)
        status = set_args(c, &k->plan, m->a, m->b, m->c, m->ap, m->bp, TUNING_N);
    if (status != HX_OK) {
        hx_notice("sgemm tuning: %s cannot be set up on '%s' (%s); left out", c->name, s->dev->name,
                  hx_error_message());
        candidate_release(k);
        return false;
    }
    return true;
}

/* Time every configuration that suits the device and keep the fastest.  The candidates take
 * turns, one run each per round (after a warm-up round), and each keeps its best time, so a burst
 * of load from other programs hits them all alike instead of sinking one. */
static int tune(hx_ocl_session *s, size_t *chosen) {
    const hx_ocl_device *d = s->dev;
    char path[4096] = "the tuning file";
    hx_ocl_tuning_path(path, sizeof path);
    hx_notice("sgemm: timing the OpenCL tile configurations on '%s' at n = %d (once for this "
              "device and driver; kept in %s)",
              d->name, TUNING_N, path);
    tune_mem m;
    HX_TRY(tune_mem_create(s, &m));
    candidate cands[NCONFIGS];
    size_t ncands = 0;
    for (size_t i = 0; i < NCONFIGS; i++)
        if (suits(&configs[i], d) && candidate_make(s, i, &m, &cands[ncands]))
            ncands++;
    for (int round = 0; round <= TUNING_REPS; round++)
        for (size_t k = 0; k < ncands; k++) {
            double t;
            if (cands[k].failed)
                continue;
            if (time_plan(s->queue, &cands[k].plan, &t) != HX_OK) {
                hx_notice("sgemm tuning: %s fails on '%s' (%s); left out",
                          configs[cands[k].config].name, d->name, hx_error_message());
                cands[k].failed = true;
            } else if (round > 0 && (cands[k].best == 0.0 || t < cands[k].best)) {
                cands[k].best = t;
            }
        }
    double best = 0.0;
    char summary[512] = "";
    size_t used = 0;
    for (size_t k = 0; k < ncands; k++) {
        if (!cands[k].failed && cands[k].best > 0.0) {
            const double gflops = 2.0 * TUNING_N * TUNING_N * (double)TUNING_N / cands[k].best;
            if (used < sizeof summary)
                used += (size_t)snprintf(summary + used, sizeof summary - used, "%s%s %.1f",
                                         used ? ", " : "", configs[cands[k].config].name,
                                         gflops * 1e-9);
            if (best == 0.0 || cands[k].best < best) {
                best = cands[k].best;
                *chosen = cands[k].config;
            }
        }
        candidate_release(&cands[k]);
    }
    tune_mem_release(&m);
    if (best == 0.0)
        return hx_fail(HX_ERR_RUNTIME, "sgemm: no tile configuration runs on '%s'", d->name);
    hx_notice("sgemm: using %s on '%s' (best GFLOP/s at n = %d: %s)", configs[*chosen].name,
              d->name, TUNING_N, summary);
    if (hx_ocl_tuning_put(d, TUNING_KEY, configs[*chosen].name) != HX_OK)
        hx_notice("sgemm: could not keep the choice: %s", hx_error_message());
    return HX_OK;
}

/* The configuration for this device: forced, cached, or tuned now. */
static int choose_config(hx_ocl_session *s, size_t *chosen) {
    const hx_ocl_device *d = s->dev;
    const char *forced = getenv("HETERO_SGEMM_OCL");
    if (forced && *forced) {
        HX_TRY(find_config(forced, chosen));
        const char *why = unfit(&configs[*chosen], d);
        if (why)
            return hx_fail(HX_ERR_MISSING, "HETERO_SGEMM_OCL=%s cannot run on '%s': %s", forced,
                           d->name, why);
        return HX_OK;
    }
    char name[64];
    if (hx_ocl_tuning_get(d, TUNING_KEY, name, sizeof name) == HX_OK)
        for (size_t i = 0; i < NCONFIGS; i++)
            if (strcmp(configs[i].name, name) == 0 && suits(&configs[i], d)) {
                *chosen = i;
                return HX_OK;
            }
    return tune(s, chosen);
}

/* ---- the binding -------------------------------------------------------------------------- */

typedef struct sgemm_ocl {
    size_t config;
    hx_ocl_mem *a, *b, *c, *ap, *bp;
    sgemm_plan plan;
} sgemm_ocl;

static int sgemm_ocl_configure(hx_ocl_job *job, char *options, size_t len) {
    sgemm_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(choose_config(job->session, &s->config));
    const size_t used = strlen(options);
    char tile[256];
    snprintf(options + used, len - used, "%s%s", used ? " " : "",
             hx_sgemm_ocl_config_options(s->config, tile, sizeof tile));
    return HX_OK;
}

static int sgemm_ocl_prepare(hx_ocl_job *job) {
    sgemm_ocl *s = job->state;
    const sgemm_config *c = &configs[s->config];
    const sgemm_data *d = job->problem->data;
    const size_t bytes = d->n * d->n * sizeof(float);
    s->plan = plan_for(c, d->n);
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->a));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->b));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_WRITE, &s->c));
    const cl_uint n = (cl_uint)d->n;
    if (c->local) {
        cl_kernel k;
        HX_TRY(hx_ocl_kernel(job, "sgemm_local", &k));
        s->plan.step[0].kernel = k;
        HX_TRY(hx_ocl_arg_mem(k, 0, s->a));
        HX_TRY(hx_ocl_arg_mem(k, 1, s->b));
        HX_TRY(hx_ocl_arg_mem(k, 2, s->c));
        HX_CL(clSetKernelArg(k, 3, sizeof n, &n));
        return HX_OK;
    }
    HX_TRY(hx_ocl_alloc(job, s->plan.packed_a_bytes, HX_MEM_READ_WRITE, &s->ap));
    HX_TRY(hx_ocl_alloc(job, s->plan.packed_b_bytes, HX_MEM_READ_WRITE, &s->bp));
    for (size_t i = 0; i < 3; i++)
        HX_TRY(hx_ocl_kernel(job, packed_kernels[i], &s->plan.step[i].kernel));
    cl_kernel pack_a = s->plan.step[0].kernel, pack_b = s->plan.step[1].kernel,
              tile = s->plan.step[2].kernel;
    HX_TRY(hx_ocl_arg_mem(pack_a, 0, s->a));
    HX_TRY(hx_ocl_arg_mem(pack_a, 1, s->ap));
    HX_CL(clSetKernelArg(pack_a, 2, sizeof n, &n));
    HX_TRY(hx_ocl_arg_mem(pack_b, 0, s->b));
    HX_TRY(hx_ocl_arg_mem(pack_b, 1, s->bp));
    HX_CL(clSetKernelArg(pack_b, 2, sizeof n, &n));
    HX_TRY(hx_ocl_arg_mem(tile, 0, s->ap));
    HX_TRY(hx_ocl_arg_mem(tile, 1, s->bp));
    HX_TRY(hx_ocl_arg_mem(tile, 2, s->c));
    HX_CL(clSetKernelArg(tile, 3, sizeof n, &n));
    return HX_OK;
}

static int sgemm_ocl_run(hx_ocl_job *job, void *out) {
    sgemm_ocl *s = job->state;
    const sgemm_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->a, d->a));
    HX_TRY(hx_ocl_upload(job, s->b, d->b));
    for (size_t i = 0; i < s->plan.nsteps; i++)
        HX_TRY(hx_ocl_launch(job, s->plan.step[i].kernel, 2, s->plan.step[i].global,
                             s->plan.step[i].local));
    return hx_ocl_download(job, s->c, out);
}

/* The configuration that ran, for the row (JSON and the line under the table). */
static void sgemm_ocl_extras(hx_ocl_job *job, hx_result *r) {
    const sgemm_ocl *s = job->state;
    const sgemm_config *c = &configs[s->config];
    hx_result_extra(r, "tile_rows", c->mr);
    hx_result_extra(r, "tile_cols", (double)c->nv * c->vw);
    hx_result_extra(r, "vector_width", c->vw);
    hx_result_extra(r, "local_memory", c->local ? 1.0 : 0.0);
}

const hx_ocl_binding hx_sgemm_ocl_binding = {
    .file = "sgemm.cl",
    .configure = sgemm_ocl_configure,
    .prepare = sgemm_ocl_prepare,
    .run = sgemm_ocl_run,
    .extras = sgemm_ocl_extras,
};
