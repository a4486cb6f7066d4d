/*
 * NAME
 *     amdahl - a truly serial section followed by a perfectly parallel one, in a chosen ratio
 *
 * PURPOSE
 *     Amdahl's law made measurable.  A run does W recurrence steps y = A*y + t[k] (one multiply
 *     and one add each), of which a fraction F (--serial-fraction) form ONE dependent chain: every
 *     step needs the previous step's result, so no number of threads, vector lanes or compute
 *     units can shorten it.  The other (1-F) W steps form many independent chains of 1024 steps,
 *     one per output element, which split perfectly over threads and lanes.  Both sections are
 *     the same arithmetic at the same latency per step, so on p threads the time is
 *     F T1 + (1-F) T1 / p and `hetero scale amdahl --serial-fraction=F` must fit P = 1 - F.
 *     The serial chain is a first-order recursive (IIR) filter, the textbook loop-carried
 *     dependence.
 *
 * USAGE
 *     hetero run amdahl [--size=W] [--serial-fraction=F]     W steps (default 16M), F in [0,1]
 *     hetero scale amdahl --serial-fraction=0.1 --threads=1,2
 *
 * NOTES
 *     Work: serial steps S = round(F W); parallel chains C = floor((W - S) / 1024), each 1024
 *     steps (the fewer than 1024 left-over steps are dropped, so the true serial share is
 *     S / (S + 1024 C), reported as flops = 2 (S + 1024 C)).  Bytes = the 4096-entry table, the
 *     C+1 start values and the C+1 outputs, 4 bytes each: the workload is latency-bound, not
 *     memory-bound.  Output: out[0] = end of the serial chain, out[1+i] = end of chain i.
 *     Verification: every backend performs the same multiply and add in the same order
 *     (floating-point contraction is off in C17 and in the kernel), so results normally agree to
 *     the bit.  The bound that is checked: with |t| <= 1, |y0| <= 1 and A = 3/4, |y| <= Y =
 *     1/(1-A) = 4; each step adds at most gamma(2) Y of rounding error and the recurrence damps
 *     old errors by A, so each result is within gamma(2) Y / (1-A) of the exact value, and two
 *     results within twice that: tolerance 2 gamma(2) / (1-A) relative to the floor Y.
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

#define AMDAHL_A     0.75f /* damping of the recurrence: |A| < 1 keeps |y| <= 1/(1-A) */
#define AMDAHL_CHAIN 1024  /* steps per parallel chain */
#define AMDAHL_TABLE 4096  /* entries of t; the table is padded by 8 for vector loads */
#define AMDAHL_MASK  (AMDAHL_TABLE - 1)
#define AMDAHL_PAD   8

typedef struct amdahl_data {
    float *table; /* AMDAHL_TABLE + AMDAHL_PAD: t[4096 + j] = t[j] */
    float *start; /* chains + 1 start values: start[chains] starts the serial chain */
    uint64_t serial_steps;
    size_t chains;
} amdahl_data;

/* ---- data setup ------------------------------------------------------------------------- */

static void amdahl_split(uint64_t w, double fraction, uint64_t *serial_steps, size_t *chains) {
    uint64_t s = (uint64_t)llround(fraction * (double)w);
    if (s > w)
        s = w;
    *serial_steps = s;
    *chains = (size_t)((w - s) / AMDAHL_CHAIN);
}

static double amdahl_host_bytes(uint64_t w) {
    /* start values, output and reference: at most w / 1024 + 1 floats each */
    return 3.0 * sizeof(float) * ((double)w / AMDAHL_CHAIN + 1) +
           sizeof(float) * (AMDAHL_TABLE + AMDAHL_PAD);
}

static double amdahl_bytes(const hx_problem *p) {
    uint64_t s;
    size_t c;
    amdahl_split(p->size, p->param[0], &s, &c);
    return sizeof(float) * (AMDAHL_TABLE + 2.0 * ((double)c + 1));
}

static double amdahl_flops(const hx_problem *p) {
    uint64_t s;
    size_t c;
    amdahl_split(p->size, p->param[0], &s, &c);
    return 2.0 * ((double)s + (double)c * AMDAHL_CHAIN);
}

static void amdahl_teardown(hx_problem *p) {
    amdahl_data *d = p->data;
    if (!d)
        return;
    hx_free(d->table);
    hx_free(d->start);
    hx_free(d);
    p->data = NULL;
}

static int amdahl_setup(hx_problem *p) {
    amdahl_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->table = d->start = NULL;
    amdahl_split(p->size, p->param[0], &d->serial_steps, &d->chains);
    int status = hx_alloc_checked((void **)&d->table, (AMDAHL_TABLE + AMDAHL_PAD) * sizeof(float),
                                  "amdahl table");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->start, (d->chains + 1) * sizeof(float),
                                  "amdahl start values");
    if (status != HX_OK) {
        amdahl_teardown(p);
        return status;
    }
    hx_fill_uniform(d->table, AMDAHL_TABLE, p->seed, 1, -1.0f, 1.0f);
    for (size_t j = 0; j < AMDAHL_PAD; j++)
        d->table[AMDAHL_TABLE + j] = d->table[j];
    hx_fill_uniform(d->start, d->chains + 1, p->seed, 2, -1.0f, 1.0f);
    p->out_bytes = (d->chains + 1) * sizeof(float);
    return HX_OK;
}

/* ---- the serial section: one dependent chain, the same code for every CPU backend --------- */

HX_SERIAL static float amdahl_serial_chain(const amdahl_data *d) {
    const float *restrict t = d->table;
    float y = d->start[d->chains];
    HX_NOVEC
    for (uint64_t k = 0; k < d->serial_steps; k++)
        y = AMDAHL_A * y + t[k & AMDAHL_MASK];
    return y;
}

/* ---- serial: every chain one after another (SISD) ----------------------------------------- */

HX_SERIAL static void amdahl_chains_scalar(const amdahl_data *d, float *restrict out, size_t begin,
                                           size_t end) {
    const float *restrict t = d->table;
    HX_NOVEC
    for (size_t i = begin; i < end; i++) {
        float y = d->start[i];
        HX_NOVEC
        for (size_t k = 0; k < AMDAHL_CHAIN; k++)
            y = AMDAHL_A * y + t[(i + k) & AMDAHL_MASK];
        out[1 + i] = y;
    }
}

static void amdahl_serial(const hx_problem *p, void *out) {
    const amdahl_data *d = p->data;
    float *o = out;
    o[0] = amdahl_serial_chain(d);
    amdahl_chains_scalar(d, o, 0, d->chains);
}

/* ---- simd: 8 or 16 chains side by side in the vector lanes (SIMD) ------------------------- */

/* Lane j of chain block i needs t[(i + j + k) & MASK]; the padded table makes that one
 * unaligned load from t + ((i + k) & MASK). Multiply and add stay separate (no FMA) so every
 * lane rounds exactly as the scalar code does. */
HX_TARGET_AVX2 static void amdahl_chains_avx2(const amdahl_data *d, float *out, size_t begin,
                                              size_t end) {
    const float *t = d->table;
    const __m256 a = _mm256_set1_ps(AMDAHL_A);
    size_t i = begin;
    for (; i + 8 <= end; i += 8) {
        __m256 y = _mm256_loadu_ps(d->start + i);
        for (size_t k = 0; k < AMDAHL_CHAIN; k++)
            y = _mm256_add_ps(_mm256_mul_ps(a, y), _mm256_loadu_ps(t + ((i + k) & AMDAHL_MASK)));
        _mm256_storeu_ps(out + 1 + i, y);
    }
    amdahl_chains_scalar(d, out, i, end);
}

HX_TARGET_AVX512 static void amdahl_chains_avx512(const amdahl_data *d, float *out, size_t begin,
                                                  size_t end) {
    const float *t = d->table;
    const __m512 a = _mm512_set1_ps(AMDAHL_A);
    size_t i = begin;
    for (; i + 8 <= end && i + 16 <= end; i += 16) {
        /* 16 lanes need t[idx .. idx+15]: two 8-float halves, each within the padded table */
        __m512 y = _mm512_loadu_ps(d->start + i);
        for (size_t k = 0; k < AMDAHL_CHAIN; k++) {
            size_t lo = (i + k) & AMDAHL_MASK, hi = (i + k + 8) & AMDAHL_MASK;
            __m512 v = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(t + lo)),
                                          _mm256_loadu_ps(t + hi), 1);
            y = _mm512_add_ps(_mm512_mul_ps(a, y), v);
        }
        _mm512_storeu_ps(out + 1 + i, y);
    }
    amdahl_chains_avx2(d, out, i, end);
}

static void amdahl_chains_simd(const amdahl_data *d, float *out, size_t begin, size_t end) {
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        amdahl_chains_avx512(d, out, begin, end);
        break;
    case HX_SIMD_AVX2:
        amdahl_chains_avx2(d, out, begin, end);
        break;
    default:
        amdahl_chains_scalar(d, out, begin, end);
    }
}

static void amdahl_simd(const hx_problem *p, void *out) {
    const amdahl_data *d = p->data;
    float *o = out;
    o[0] = amdahl_serial_chain(d); /* a dependent chain has nothing to put in the other lanes */
    amdahl_chains_simd(d, o, 0, d->chains);
}

/* ---- omp: the serial chain on one thread, then the chains over all threads (MIMD) --------- */

static void amdahl_omp(const hx_problem *p, void *out) {
    const amdahl_data *d = p->data;
    float *o = out;
    o[0] = amdahl_serial_chain(d); /* the other threads have nothing to do meanwhile */
    const long chains = (long)d->chains;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < chains; i++)
        amdahl_chains_scalar(d, o, (size_t)i, (size_t)i + 1);
}

/* ---- omp-simd: threads x vectors (MIMD of SIMD) ------------------------------------------ */

static void amdahl_omp_simd(const hx_problem *p, void *out) {
    const amdahl_data *d = p->data;
    float *o = out;
    o[0] = amdahl_serial_chain(d);
#pragma omp parallel
    {
        size_t begin, end;
        hx_partition(d->chains, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16,
                     &begin, &end);
        amdahl_chains_simd(d, o, begin, end);
    }
}

/* ---- opencl: kernels/amdahl.cl ------------------------------------------------------------ */

typedef struct amdahl_ocl {
    hx_ocl_mem *table, *start, *out;
    cl_kernel serial, parallel;
    size_t global, local;
} amdahl_ocl;

static int amdahl_ocl_prepare(hx_ocl_job *job) {
    const amdahl_data *d = job->problem->data;
    amdahl_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, (AMDAHL_TABLE + AMDAHL_PAD) * sizeof(float), HX_MEM_READ, &s->table));
    HX_TRY(hx_ocl_alloc(job, (d->chains + 1) * sizeof(float), HX_MEM_READ, &s->start));
    HX_TRY(hx_ocl_alloc(job, (d->chains + 1) * sizeof(float), HX_MEM_WRITE, &s->out));
    HX_TRY(hx_ocl_kernel(job, "amdahl_serial", &s->serial));
    HX_TRY(hx_ocl_kernel(job, "amdahl_parallel", &s->parallel));
    cl_ulong steps = d->serial_steps;
    cl_uint chains = (cl_uint)d->chains;
    HX_TRY(hx_ocl_arg_mem(s->serial, 0, s->table));
    HX_TRY(hx_ocl_arg_mem(s->serial, 1, s->start));
    HX_TRY(hx_ocl_arg_mem(s->serial, 2, s->out));
    HX_CL(clSetKernelArg(s->serial, 3, sizeof chains, &chains));
    HX_CL(clSetKernelArg(s->serial, 4, sizeof steps, &steps));
    HX_TRY(hx_ocl_arg_mem(s->parallel, 0, s->table));
    HX_TRY(hx_ocl_arg_mem(s->parallel, 1, s->start));
    HX_TRY(hx_ocl_arg_mem(s->parallel, 2, s->out));
    HX_CL(clSetKernelArg(s->parallel, 3, sizeof chains, &chains));
    /* small groups, so a few thousand chains still spread over every compute unit */
    s->local = 64;
    if (s->local > job->session->dev->max_work_group)
        s->local = job->session->dev->max_work_group;
    s->global = hx_round_up(d->chains, s->local);
    return HX_OK;
}

static int amdahl_ocl_run(hx_ocl_job *job, void *out) {
    amdahl_ocl *s = job->state;
    const amdahl_data *d = job->problem->data;
    const size_t one = 1;
    HX_TRY(hx_ocl_upload(job, s->table, d->table));
    HX_TRY(hx_ocl_upload(job, s->start, d->start));
    HX_TRY(hx_ocl_launch(job, s->serial, 1, &one, &one)); /* one work-item: the serial section */
    if (s->global > 0)
        HX_TRY(hx_ocl_launch(job, s->parallel, 1, &s->global, &s->local));
    return hx_ocl_download(job, s->out, out);
}

static const hx_ocl_binding amdahl_ocl_binding = {
    .file = "amdahl.cl",
    .prepare = amdahl_ocl_prepare,
    .run = amdahl_ocl_run,
};

/* ---- verification ------------------------------------------------------------------------- */

static void amdahl_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    const amdahl_data *d = p->data;
    const double y_max = 1.0 / (1.0 - AMDAHL_A);
    hx_verify_floats(out, ref, d->chains + 1, 2.0 * hx_gamma(2) / (1.0 - AMDAHL_A), y_max, v);
}

/* ---- registry entry ----------------------------------------------------------------------- */

static const hx_param_def amdahl_params[] = {
    {"serial-fraction", 0.1, 0.0, 1.0, false,
     "fraction F of the steps in the one serial chain (Amdahl: P = 1 - F)"},
};

const hx_workload hx_workload_amdahl = {
    .name = "amdahl",
    .summary = "a serial chain of F*W steps, then (1-F)*W steps in independent chains",
    .lesson = "Amdahl's law: the serial fraction caps the speedup at 1/F",
    .size_unit = "recurrence steps W",
    .default_size = (uint64_t)16 << 20,
    .min_size = 1,
    .max_size = (uint64_t)1 << 36,
    .test_size = 10007, /* prime: vector and work-group tails */
    .params = amdahl_params,
    .nparams = 1,
    .bytes = amdahl_bytes,
    .flops = amdahl_flops,
    .host_bytes = amdahl_host_bytes,
    .setup = amdahl_setup,
    .teardown = amdahl_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = amdahl_serial,
            [HX_BACKEND_SIMD] = amdahl_simd,
            [HX_BACKEND_OMP] = amdahl_omp,
            [HX_BACKEND_OMP_SIMD] = amdahl_omp_simd},
    .ocl = &amdahl_ocl_binding,
    .verify = amdahl_verify,
};
