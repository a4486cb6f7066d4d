/*
 * NAME
 *     stencil2d - Jacobi sweeps of the 5-point Laplace stencil on an n x n float grid
 *
 * PURPOSE
 *     Neighbour communication.  Each sweep replaces every interior point by the average of its
 *     four neighbours, u'[i][j] = 0.25 * ((u[i-1][j] + u[i+1][j]) + (u[i][j-1] + u[i][j+1])),
 *     while the boundary stays fixed.  A point needs its neighbours from the PREVIOUS sweep, so
 *     a sweep reads one grid and writes another (double buffering, the two swapping roles each
 *     sweep), and no worker may start sweep s+1 before all its neighbours have finished sweep s:
 *     the omp backends put a barrier between sweeps (the end of each `omp for`), and the OpenCL
 *     backend launches one kernel per sweep, the launch boundary being the device-wide barrier.
 *     Split across threads by rows, each thread reads one row of its neighbours' part per side
 *     (the halo); on a distributed machine those rows would be messages.  With few flops per
 *     byte (4 flops per 8 bytes) the sweeps are memory-bound once the grids exceed the caches.
 *
 * USAGE
 *     hetero run stencil2d [--size=N] [--sweeps=S]
 *         an N x N grid (default 2048), S sweeps (default 10)
 *
 * NOTES
 *     Bytes moved per run = 8 * N^2 * S: every sweep reads the grid once and writes it once
 *     (the neighbours of a point come from cache: the rows above and below were just read).
 *     Flops = 4 * (N-2)^2 * S: three additions and one multiplication per interior point.
 *     Verification: multiplying by 0.25 is exact (a power of two), so one sweep rounds three
 *     times, on sums of values bounded by M = max|u0| (an average never leaves the range of its
 *     inputs, and rounding is monotonic, so every grid stays within [-M, M]): one sweep adds an
 *     absolute error of at most gamma(3) * 0.25 * (|a| + |b| + |c| + |d|) <= gamma(3) * M.
 *     Errors of earlier sweeps are averaged, never amplified (the sweep has max-norm 1), so
 *     after S sweeps a result is within S * gamma(3) * M of the exact one, and two results
 *     (backend and serial) within 2 * S * gamma(3) * M of each other.  The check is norm-wise:
 *     |out - ref| / M <= 2 S gamma(3) (hx_verify_floats with floor M, as |ref| <= M).  Every
 *     backend here evaluates the same sums in the same order, so in practice they agree to the
 *     bit; the bound is what a device that orders the sum differently may use.
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/rng.h"
#include "hetero/core/simd.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/workload.h"

enum { PARAM_SWEEPS = 0 };

#include "stencil2d.h" /* stencil2d_data: the inputs, shared with kernels/cuda/stencil2d.cu */

HX_CUDA_DECLARE(stencil2d); /* kernels/cuda/stencil2d.cu */

/* ---- data setup ------------------------------------------------------------------------- */

static double stencil2d_host_bytes(uint64_t n) {
    return 4.0 * (double)n * (double)n * sizeof(float); /* u0, tmp, out, reference */
}

static double stencil2d_bytes(const hx_problem *p) {
    return 8.0 * (double)p->size * (double)p->size * p->param[PARAM_SWEEPS];
}

static double stencil2d_flops(const hx_problem *p) {
    double inner = (double)p->size - 2.0;
    return 4.0 * inner * inner * p->param[PARAM_SWEEPS];
}

static void stencil2d_teardown(hx_problem *p) {
    stencil2d_data *d = p->data;
    if (!d)
        return;
    hx_free(d->u0);
    hx_free(d->tmp);
    hx_free(d);
    p->data = NULL;
}

static int stencil2d_setup(hx_problem *p) {
    stencil2d_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    d->n = p->size;
    d->sweeps = (unsigned)p->param[PARAM_SWEEPS];
    d->u0 = d->tmp = NULL;
    const size_t bytes = d->n * d->n * sizeof(float);
    int status = hx_alloc_checked((void **)&d->u0, bytes, "stencil2d grid");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->tmp, bytes, "stencil2d second grid");
    if (status != HX_OK) {
        stencil2d_teardown(p);
        return status;
    }
    hx_fill_uniform(d->u0, d->n * d->n, p->seed, 1, -1.0f, 1.0f);
    d->max_abs = 0.0f;
    for (size_t i = 0; i < d->n * d->n; i++)
        d->max_abs = fmaxf(d->max_abs, fabsf(d->u0[i]));
    p->out_bytes = bytes;
    return HX_OK;
}

/* Sweep s (1-based) reads the grid sweep s-1 wrote (u0 for s = 1) and writes into out or tmp,
 * alternating so that the last sweep writes out. */
static float *sweep_dst(const stencil2d_data *d, float *out, unsigned s) {
    return (d->sweeps - s) % 2 == 0 ? out : d->tmp;
}

static const float *sweep_src(const stencil2d_data *d, float *out, unsigned s) {
    return s == 1 ? d->u0 : sweep_dst(d, out, s - 1);
}

/* The fixed boundary of u0 into both buffers, so every sweep finds it in its destination. */
static void copy_boundary(const stencil2d_data *d, float *out) {
    const size_t n = d->n;
    float *bufs[2] = {out, d->tmp};
    for (int b = 0; b < 2; b++) {
        memcpy(bufs[b], d->u0, n * sizeof(float));
        memcpy(bufs[b] + (n - 1) * n, d->u0 + (n - 1) * n, n * sizeof(float));
        for (size_t i = 1; i + 1 < n; i++) {
            bufs[b][i * n] = d->u0[i * n];
            bufs[b][i * n + n - 1] = d->u0[i * n + n - 1];
        }
    }
}

/* ---- serial: one point at a time (SISD) --------------------------------------------------- */

/* The update of interior row i: THE operation order every backend follows. */
HX_SERIAL static void stencil2d_scalar_row(const float *restrict src, float *restrict dst, size_t n,
                                           size_t i) {
    const float *up = src + (i - 1) * n, *mid = src + i * n, *down = src + (i + 1) * n;
    float *row = dst + i * n;
    HX_NOVEC
    for (size_t j = 1; j + 1 < n; j++)
        row[j] = 0.25f * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]));
}

HX_SERIAL static void stencil2d_serial(const hx_problem *p, void *out) {
    const stencil2d_data *d = p->data;
    copy_boundary(d, out);
    for (unsigned s = 1; s <= d->sweeps; s++) {
        const float *src = sweep_src(d, out, s);
        float *dst = sweep_dst(d, out, s);
        for (size_t i = 1; i + 1 < d->n; i++)
            stencil2d_scalar_row(src, dst, d->n, i);
    }
}

/* ---- simd: 8 or 16 points of a row per instruction (SIMD) -------------------------------- */

HX_TARGET_AVX2 static void stencil2d_avx2_row(const float *restrict src, float *restrict dst,
                                              size_t n, size_t i) {
    const float *up = src + (i - 1) * n, *mid = src + i * n, *down = src + (i + 1) * n;
    float *row = dst + i * n;
    const __m256 quarter = _mm256_set1_ps(0.25f);
    size_t j = 1;
    for (; j + 8 < n; j += 8) { /* 8 points j..j+7, all interior (j + 7 <= n - 2) */
        __m256 vertical = _mm256_add_ps(_mm256_loadu_ps(up + j), _mm256_loadu_ps(down + j));
        __m256 horizontal =
            _mm256_add_ps(_mm256_loadu_ps(mid + j - 1), _mm256_loadu_ps(mid + j + 1));
        _mm256_storeu_ps(row + j, _mm256_mul_ps(quarter, _mm256_add_ps(vertical, horizontal)));
    }
    for (; j + 1 < n; j++) /* tail */
        row[j] = 0.25f * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]));
}

HX_TARGET_AVX512 static void stencil2d_avx512_row(const float *restrict src, float *restrict dst,
                                                  size_t n, size_t i) {
    const float *up = src + (i - 1) * n, *mid = src + i * n, *down = src + (i + 1) * n;
    float *row = dst + i * n;
    const __m512 quarter = _mm512_set1_ps(0.25f);
    for (size_t j = 1; j + 1 < n; j += 16) {
        size_t left = n - 1 - j; /* interior points from j on */
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512 vertical =
            _mm512_add_ps(_mm512_maskz_loadu_ps(m, up + j), _mm512_maskz_loadu_ps(m, down + j));
        __m512 horizontal = _mm512_add_ps(_mm512_maskz_loadu_ps(m, mid + j - 1),
                                          _mm512_maskz_loadu_ps(m, mid + j + 1));
        _mm512_mask_storeu_ps(row + j, m,
                              _mm512_mul_ps(quarter, _mm512_add_ps(vertical, horizontal)));
    }
}

/* Interior rows [r0, r1) of one sweep with the widest path this CPU allows. */
static void stencil2d_simd_rows(const float *src, float *dst, size_t n, size_t r0, size_t r1) {
    hx_simd_level level = hx_cpu()->simd;
    for (size_t i = r0; i < r1; i++) {
        if (level == HX_SIMD_AVX512)
            stencil2d_avx512_row(src, dst, n, i);
        else if (level == HX_SIMD_AVX2)
            stencil2d_avx2_row(src, dst, n, i);
        else
            stencil2d_scalar_row(src, dst, n, i);
    }
}

static void stencil2d_simd(const hx_problem *p, void *out) {
    const stencil2d_data *d = p->data;
    copy_boundary(d, out);
    for (unsigned s = 1; s <= d->sweeps; s++)
        stencil2d_simd_rows(sweep_src(d, out, s), sweep_dst(d, out, s), d->n, 1, d->n - 1);
}

/* ---- omp: rows split across threads, a barrier between sweeps (MIMD) --------------------- */

/* One parallel region for all sweeps (threads are not re-created per sweep); the implicit
 * barrier at the end of each `omp for` keeps sweep s+1 from reading rows of sweep s that a
 * neighbouring thread has not written yet. */
HX_SERIAL static void stencil2d_omp(const hx_problem *p, void *out) {
    const stencil2d_data *d = p->data;
    copy_boundary(d, out);
    const long last = (long)d->n - 1;
#pragma omp parallel
    for (unsigned s = 1; s <= d->sweeps; s++) {
        const float *src = sweep_src(d, out, s);
        float *dst = sweep_dst(d, out, s);
#pragma omp for schedule(static)
        for (long i = 1; i < last; i++)
            stencil2d_scalar_row(src, dst, d->n, (size_t)i);
    }
}

/* ---- omp-simd: threads x vectors (MIMD of SIMD) ------------------------------------------ */

static void stencil2d_omp_simd(const hx_problem *p, void *out) {
    const stencil2d_data *d = p->data;
    copy_boundary(d, out);
    const size_t interior = d->n - 2;
#pragma omp parallel
    {
        size_t r0, r1; /* the same contiguous block of rows in every sweep: its halo is the row
                          above and the row below it */
        hx_partition(interior, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 1, &r0,
                     &r1);
        for (unsigned s = 1; s <= d->sweeps; s++) {
            stencil2d_simd_rows(sweep_src(d, out, s), sweep_dst(d, out, s), d->n, 1 + r0, 1 + r1);
#pragma omp barrier
        }
    }
}

/* ---- opencl: kernels/stencil2d.cl, one launch per sweep ---------------------------------- */

typedef struct stencil2d_ocl {
    hx_ocl_mem *grid[2]; /* ping-pong: sweep s reads grid[(s-1)%2] and writes grid[s%2] */
    cl_kernel kernel;
    size_t global[2], local[2];
} stencil2d_ocl;

static int stencil2d_ocl_prepare(hx_ocl_job *job) {
    const stencil2d_data *d = job->problem->data;
    const hx_ocl_device *dev = job->session->dev;
    const size_t bytes = d->n * d->n * sizeof(float);
    stencil2d_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ_WRITE, &s->grid[0]));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ_WRITE, &s->grid[1]));
    HX_TRY(hx_ocl_kernel(job, "stencil2d", &s->kernel));
    cl_uint n = (cl_uint)d->n;
    HX_CL(clSetKernelArg(s->kernel, 2, sizeof n, &n));
    /* 64 x 4 work-items: a group covers 64 consecutive points of 4 rows (coalesced reads) */
    s->local[0] = dev->max_work_group < 64 ? dev->max_work_group : 64;
    s->local[1] = dev->max_work_group / s->local[0] < 4 ? dev->max_work_group / s->local[0] : 4;
    s->global[0] = hx_round_up(d->n, s->local[0]);
    s->global[1] = hx_round_up(d->n, s->local[1]);
    return HX_OK;
}

static int stencil2d_ocl_run(hx_ocl_job *job, void *out) {
    stencil2d_ocl *s = job->state;
    const stencil2d_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->grid[0], d->u0));
    for (unsigned k = 1; k <= d->sweeps; k++) { /* arguments are captured at each enqueue */
        HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->grid[(k - 1) % 2]));
        HX_TRY(hx_ocl_arg_mem(s->kernel, 1, s->grid[k % 2]));
        HX_TRY(hx_ocl_launch(job, s->kernel, 2, s->global, s->local));
    }
    return hx_ocl_download(job, s->grid[d->sweeps % 2], out);
}

static const hx_ocl_binding stencil2d_ocl_binding = {
    .file = "stencil2d.cl",
    .prepare = stencil2d_ocl_prepare,
    .run = stencil2d_ocl_run,
};

/* ---- verification ------------------------------------------------------------------------- */

static void stencil2d_verify(const hx_problem *p, const void *out, const void *ref, hx_verdict *v) {
    const stencil2d_data *d = p->data;
    double tol = 2.0 * d->sweeps * hx_gamma(3);
    double floor = d->max_abs > 0.0f ? d->max_abs : 1.0;
    hx_verify_floats(out, ref, d->n * d->n, tol, floor, v);
}

/* ---- registry entry ----------------------------------------------------------------------- */

static const hx_param_def stencil2d_params[] = {
    [PARAM_SWEEPS] = {"sweeps", 10, 1, 100000, true, "Jacobi sweeps (kernel launches on OpenCL)"},
};

const hx_workload hx_workload_stencil2d = {
    .name = "stencil2d",
    .summary = "5-point Jacobi sweeps on an n x n float grid, fixed boundary",
    .lesson = "neighbour communication: halos, double buffering, a barrier per sweep",
    .size_unit = "grid side n (n x n points)",
    .default_size = 2048,
    .min_size = 3,
    .max_size = 65536,
    .test_size = 61,
    .params = stencil2d_params,
    .nparams = sizeof stencil2d_params / sizeof stencil2d_params[0],
    .bytes = stencil2d_bytes,
    .flops = stencil2d_flops,
    .host_bytes = stencil2d_host_bytes,
    .setup = stencil2d_setup,
    .teardown = stencil2d_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = stencil2d_serial,
            [HX_BACKEND_SIMD] = stencil2d_simd,
            [HX_BACKEND_OMP] = stencil2d_omp,
            [HX_BACKEND_OMP_SIMD] = stencil2d_omp_simd},
    .ocl = &stencil2d_ocl_binding,
    .cuda = HX_CUDA_BINDING(stencil2d),
    .verify = stencil2d_verify,
};
