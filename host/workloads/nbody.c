/*
 * NAME
 *     nbody - one all-pairs gravitational force step, softened, structure-of-arrays layout
 *
 * PURPOSE
 *     Arithmetic intensity.  Body i feels a_i = sum_j m_j (r_j - r_i) / (|r_j - r_i|^2 + eps^2)^1.5
 *     (G = 1, eps = 0.1; the j = i term is zero because its difference is).  That is n^2
 *     interactions of about 20 flops each on only 28 n bytes of input and output, so the work
 *     is compute-bound at any size and every backend can reach the floating-point peak of what
 *     it runs on: the lesson is the opposite of vecadd's.  Two habits make it fast.  Layout:
 *     the bodies are stored as a structure of arrays (x[], y[], z[], m[]), so eight consecutive
 *     bodies' x coordinates are one vector load; an array of structures would need gathers.
 *     The reciprocal square root: 1/sqrt costs a square root and a division (long-latency,
 *     low-throughput units), while the hardware's approximate rsqrt plus one Newton step gives
 *     nearly full float accuracy at the cost of a few multiplications.
 *       serial    1.0f / sqrtf(r2), one pair at a time
 *       simd      eight (AVX2) or sixteen (AVX-512) bodies i at once against one broadcast body
 *                 j; _mm256_rsqrt_ps (relative error <= 1.5 * 2^-12) or _mm512_rsqrt14_ps
 *                 (<= 2^-14), then one Newton step y <- y (1.5 - 0.5 r2 y^2), which squares the
 *                 error: about 1.5 (1.5 * 2^-12)^2 = 3.4 * 2^-24 plus the step's own roundings,
 *                 under 8 u (u = 2^-24) in all;  FMA for r2 and the accumulation
 *       omp       threads over bodies i (equal work per body: a static schedule), scalar body
 *       omp-simd  threads over blocks of bodies, each block the simd code
 *       opencl    one work-item per body i; a work-group loads tiles of bodies j into local
 *                 memory once and all its work-items reuse them; rsqrt()
 *
 * USAGE
 *     hetero run nbody [--size=N]     N bodies (default 8192)
 *
 * NOTES
 *     Bytes moved per run = 28 n: read x, y, z, m (16 n), write ax, ay, az (12 n).
 *     Flops = 20 n^2, the conventional count per interaction (3 subtractions, 3 multiplications
 *     and 3 additions for r2 + eps^2, 1 reciprocal square root, 3 multiplications for m/r^3,
 *     3 multiply-adds counted as 6).
 *     Verification, per body i and component, norm-wise: |out - ref| <= tol * S_i, where
 *     S_i = sum_j m_j |r_j - r_i| / (|r_j - r_i|^2 + eps^2)^1.5 is the sum of the magnitudes of
 *     the terms (computed once in double in setup; each component of a term is at most its
 *     magnitude).  One term is computed with relative error at most 3 e_r + 16 u: e_r <= 8 u
 *     for the reciprocal square root (above; 2 u for 1/sqrtf, 2 ulp for OpenCL's rsqrt), tripled
 *     by the cube, and about 16 u from the rounded differences, the squares and sums of r2 (half
 *     of it, through the square root, times three), m * inv^3 and s * dx: 40 u in all.
 *     Summing n terms in any order adds at most gamma(n) * S_i.  A backend is therefore within
 *     about (gamma(n) + 40 u) S_i of the exact force, two backends within twice that, and
 *     tol = 2 gamma(n + 40) covers both with the second-order terms.
 */
#include <float.h>
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

#include "nbody.h" /* nbody_data: the inputs, shared with kernels/cuda/nbody.cu */

HX_CUDA_DECLARE(nbody); /* kernels/cuda/nbody.cu */

/* ---- data setup ------------------------------------------------------------------------- */

static double nbody_host_bytes(uint64_t n) {
    /* x, y, z, m, S (double), out and reference (3 n each) */
    return (4.0 * sizeof(float) + sizeof(double) + 6.0 * sizeof(float)) * (double)n;
}

static double nbody_bytes(const hx_problem *p) {
    return 28.0 * (double)p->size;
}

static double nbody_flops(const hx_problem *p) {
    return 20.0 * (double)p->size * (double)p->size;
}

static void nbody_teardown(hx_problem *p) {
    nbody_data *d = p->data;
    if (!d)
        return;
    hx_free(d->x);
    hx_free(d->y);
    hx_free(d->z);
    hx_free(d->m);
    hx_free(d->mag_sum);
    hx_free(d);
    p->data = NULL;
}

/* S_i = sum_j |term_ij| in double, for the norm-wise tolerance. */
static void magnitude_sums(nbody_data *d) {
    const long n = (long)d->n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        double s = 0.0;
        for (long j = 0; j < n; j++) {
            double dx = (double)d->x[j] - d->x[i], dy = (double)d->y[j] - d->y[i],
                   dz = (double)d->z[j] - d->z[i];
            double r2 = dx * dx + dy * dy + dz * dz;
            s += d->m[j] * sqrt(r2) / pow(r2 + SOFTENING2, 1.5);
        }
        d->mag_sum[i] = s;
    }
}

static int nbody_setup(hx_problem *p) {
    nbody_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(d, 0, sizeof *d);
    p->data = d;
    d->n = p->size;
    const size_t bytes = d->n * sizeof(float);
    int status = hx_alloc_checked((void **)&d->x, bytes, "nbody x");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->y, bytes, "nbody y");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->z, bytes, "nbody z");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->m, bytes, "nbody masses");
    if (status == HX_OK)
        status = hx_alloc_checked((void **)&d->mag_sum, d->n * sizeof(double), "nbody scale");
    if (status != HX_OK) {
        nbody_teardown(p);
        return status;
    }
    /* bodies uniform in the cube [-1, 1)^3, masses in [0.5, 1.5) */
    hx_fill_uniform(d->x, d->n, p->seed, 1, -1.0f, 1.0f);
    hx_fill_uniform(d->y, d->n, p->seed, 2, -1.0f, 1.0f);
    hx_fill_uniform(d->z, d->n, p->seed, 3, -1.0f, 1.0f);
    hx_fill_uniform(d->m, d->n, p->seed, 4, 0.5f, 1.5f);
    magnitude_sums(d);
    p->out_bytes = 3 * d->n * sizeof(float);
    return HX_OK;
}

/* ---- serial: one pair at a time (SISD) ---------------------------------------------------- */

/* The acceleration of body i into out (ax at [i], ay at [n + i], az at [2n + i]). */
static inline void nbody_scalar_body(const nbody_data *d, float *out, size_t i) {
    const float xi = d->x[i], yi = d->y[i], zi = d->z[i];
    float ax = 0.0f, ay = 0.0f, az = 0.0f;
    for (size_t j = 0; j < d->n; j++) {
        float dx = d->x[j] - xi, dy = d->y[j] - yi, dz = d->z[j] - zi;
        float r2 = ((dx * dx + dy * dy) + dz * dz) + SOFTENING2;
        float inv = 1.0f / sqrtf(r2);
        float s = d->m[j] * (inv * inv * inv);
        ax += s * dx;
        ay += s * dy;
        az += s * dz;
    }
    out[i] = ax;
    out[d->n + i] = ay;
    out[2 * d->n + i] = az;
}

HX_SERIAL static void nbody_scalar_bodies(const nbody_data *d, float *out, size_t begin,
                                          size_t end) {
    HX_NOVEC
    for (size_t i = begin; i < end; i++)
        nbody_scalar_body(d, out, i);
}

HX_SERIAL static void nbody_serial(const hx_problem *p, void *out) {
    const nbody_data *d = p->data;
    nbody_scalar_bodies(d, out, 0, d->n);
}

/* ---- simd: 8 or 16 bodies i against one body j per instruction (SIMD) -------------------- */

/* rsqrt estimate refined by one Newton step: y (1.5 - 0.5 x y^2). */
HX_TARGET_AVX2 static inline __m256 rsqrt_newton_avx2(__m256 x) {
    const __m256 half = _mm256_set1_ps(0.5f), three_halves = _mm256_set1_ps(1.5f);
    __m256 y = _mm256_rsqrt_ps(x);
    __m256 hy = _mm256_mul_ps(_mm256_mul_ps(half, x), y);
    return _mm256_mul_ps(y, _mm256_fnmadd_ps(hy, y, three_halves));
}

/* Bodies [begin, end): vectors of 8, the remainder scalar. */
HX_TARGET_AVX2 static void nbody_avx2_bodies(const nbody_data *d, float *out, size_t begin,
                                             size_t end) {
    const size_t n = d->n;
    const __m256 eps2 = _mm256_set1_ps(SOFTENING2);
    size_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256 xi = _mm256_loadu_ps(d->x + i), yi = _mm256_loadu_ps(d->y + i),
                     zi = _mm256_loadu_ps(d->z + i);
        __m256 ax = _mm256_setzero_ps(), ay = _mm256_setzero_ps(), az = _mm256_setzero_ps();
        for (size_t j = 0; j < n; j++) {
            __m256 dx = _mm256_sub_ps(_mm256_broadcast_ss(d->x + j), xi);
            __m256 dy = _mm256_sub_ps(_mm256_broadcast_ss(d->y + j), yi);
            __m256 dz = _mm256_sub_ps(_mm256_broadcast_ss(d->z + j), zi);
            __m256 r2 =
                _mm256_fmadd_ps(dx, dx, _mm256_fmadd_ps(dy, dy, _mm256_fmadd_ps(dz, dz, eps2)));
            __m256 inv = rsqrt_newton_avx2(r2);
            __m256 s = _mm256_mul_ps(_mm256_broadcast_ss(d->m + j),
                                     _mm256_mul_ps(_mm256_mul_ps(inv, inv), inv));
            ax = _mm256_fmadd_ps(s, dx, ax);
            ay = _mm256_fmadd_ps(s, dy, ay);
            az = _mm256_fmadd_ps(s, dz, az);
        }
        _mm256_storeu_ps(out + i, ax);
        _mm256_storeu_ps(out + n + i, ay);
        _mm256_storeu_ps(out + 2 * n + i, az);
    }
    nbody_scalar_bodies(d, out, i, end);
}

HX_TARGET_AVX512 static inline __m512 rsqrt_newton_avx512(__m512 x) {
    const __m512 half = _mm512_set1_ps(0.5f), three_halves = _mm512_set1_ps(1.5f);
    __m512 y = _mm512_rsqrt14_ps(x);
    __m512 hy = _mm512_mul_ps(_mm512_mul_ps(half, x), y);
    return _mm512_mul_ps(y, _mm512_fnmadd_ps(hy, y, three_halves));
}

/* Bodies [begin, end): vectors of 16, the last one masked. */
HX_TARGET_AVX512 static void nbody_avx512_bodies(const nbody_data *d, float *out, size_t begin,
                                                 size_t end) {
    const size_t n = d->n;
    const __m512 eps2 = _mm512_set1_ps(SOFTENING2);
    for (size_t i = begin; i < end; i += 16) {
        size_t left = end - i;
        __mmask16 k = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const __m512 xi = _mm512_maskz_loadu_ps(k, d->x + i),
                     yi = _mm512_maskz_loadu_ps(k, d->y + i),
                     zi = _mm512_maskz_loadu_ps(k, d->z + i);
        __m512 ax = _mm512_setzero_ps(), ay = _mm512_setzero_ps(), az = _mm512_setzero_ps();
        for (size_t j = 0; j < n; j++) {
            __m512 dx = _mm512_sub_ps(_mm512_set1_ps(d->x[j]), xi);
            __m512 dy = _mm512_sub_ps(_mm512_set1_ps(d->y[j]), yi);
            __m512 dz = _mm512_sub_ps(_mm512_set1_ps(d->z[j]), zi);
            __m512 r2 =
                _mm512_fmadd_ps(dx, dx, _mm512_fmadd_ps(dy, dy, _mm512_fmadd_ps(dz, dz, eps2)));
            __m512 inv = rsqrt_newton_avx512(r2);
            __m512 s =
                _mm512_mul_ps(_mm512_set1_ps(d->m[j]), _mm512_mul_ps(_mm512_mul_ps(inv, inv), inv));
            ax = _mm512_fmadd_ps(s, dx, ax);
            ay = _mm512_fmadd_ps(s, dy, ay);
            az = _mm512_fmadd_ps(s, dz, az);
        }
        _mm512_mask_storeu_ps(out + i, k, ax);
        _mm512_mask_storeu_ps(out + n + i, k, ay);
        _mm512_mask_storeu_ps(out + 2 * n + i, k, az);
    }
}

/* The widest path this CPU allows, over bodies [begin, end). */
static void nbody_simd_bodies(const nbody_data *d, float *out, size_t begin, size_t end) {
    switch (hx_cpu()->simd) {
    case HX_SIMD_AVX512:
        nbody_avx512_bodies(d, out, begin, end);
        break;
    case HX_SIMD_AVX2:
        nbody_avx2_bodies(d, out, begin, end);
        break;
    default:
        nbody_scalar_bodies(d, out, begin, end);
    }
}

static void nbody_simd(const hx_problem *p, void *out) {
    const nbody_data *d = p->data;
    nbody_simd_bodies(d, out, 0, d->n);
}

/* ---- omp: threads over bodies, scalar body (MIMD) ---------------------------------------- */

/* Every body costs the same n interactions, so equal shares (schedule(static)) balance. */
HX_SERIAL static void nbody_omp(const hx_problem *p, void *out) {
    const nbody_data *d = p->data;
    const long n = (long)d->n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
        nbody_scalar_body(d, out, (size_t)i);
}

/* ---- omp-simd: threads x vectors (MIMD of SIMD) ------------------------------------------ */

static void nbody_omp_simd(const hx_problem *p, void *out) {
    const nbody_data *d = p->data;
#pragma omp parallel
    {
        size_t begin, end; /* whole vectors of bodies per thread */
        hx_partition(d->n, (size_t)omp_get_num_threads(), (size_t)omp_get_thread_num(), 16, &begin,
                     &end);
        nbody_simd_bodies(d, out, begin, end);
    }
}

/* ---- opencl: kernels/nbody.cl ------------------------------------------------------------- */

typedef struct nbody_ocl {
    hx_ocl_mem *x, *y, *z, *m, *acc;
    cl_kernel kernel;
    size_t global, local;
} nbody_ocl;

static int nbody_ocl_prepare(hx_ocl_job *job) {
    const nbody_data *d = job->problem->data;
    const hx_ocl_device *dev = job->session->dev;
    const size_t bytes = d->n * sizeof(float);
    nbody_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->x));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->y));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->z));
    HX_TRY(hx_ocl_alloc(job, bytes, HX_MEM_READ, &s->m));
    HX_TRY(hx_ocl_alloc(job, 3 * bytes, HX_MEM_WRITE, &s->acc));
    HX_TRY(hx_ocl_kernel(job, "nbody", &s->kernel));
    /* a tile of 256 bodies (4 KiB of local memory) shared by a group of 256 work-items */
    s->local = dev->max_work_group < 256 ? dev->max_work_group : 256;
    s->global = hx_round_up(d->n, s->local);
    cl_uint n = (cl_uint)d->n;
    cl_float eps2 = SOFTENING2;
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->x));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 1, s->y));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 2, s->z));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 3, s->m));
    HX_CL(clSetKernelArg(s->kernel, 4, sizeof n, &n));
    HX_CL(clSetKernelArg(s->kernel, 5, sizeof eps2, &eps2));
    HX_TRY(hx_ocl_arg_mem(s->kernel, 6, s->acc));
    HX_CL(clSetKernelArg(s->kernel, 7, s->local * sizeof(cl_float4), NULL));
    return HX_OK;
}

static int nbody_ocl_run(hx_ocl_job *job, void *out) {
    nbody_ocl *s = job->state;
    const nbody_data *d = job->problem->data;
    HX_TRY(hx_ocl_upload(job, s->x, d->x));
    HX_TRY(hx_ocl_upload(job, s->y, d->y));
    HX_TRY(hx_ocl_upload(job, s->z, d->z));
    HX_TRY(hx_ocl_upload(job, s->m, d->m));
    HX_TRY(hx_ocl_launch(job, s->kernel, 1, &s->global, &s->local));
    return hx_ocl_download(job, s->acc, out);
}

static const hx_ocl_binding nbody_ocl_binding = {
    .file = "nbody.cl",
    .prepare = nbody_ocl_prepare,
    .run = nbody_ocl_run,
};

/* ---- verification ------------------------------------------------------------------------- */

/* Norm-wise per body: err = |out - ref| / S_i for each of the three components. */
static void nbody_verify(const hx_problem *p, const void *out_, const void *ref_, hx_verdict *v) {
    const nbody_data *d = p->data;
    const float *out = out_, *ref = ref_;
    memset(v, 0, sizeof *v);
    v->tolerance = 2.0 * hx_gamma((double)d->n + 40.0);
    for (size_t k = 0; k < 3 * d->n; k++) {
        double scale = fmax(d->mag_sum[k % d->n], DBL_MIN);
        double err = fabs((double)out[k] - (double)ref[k]) / scale;
        if (isnan(out[k]) || isnan(ref[k]))
            err = INFINITY;
        if (err > v->max_err)
            v->max_err = err;
        if (err > v->tolerance && v->bad_count++ == 0)
            v->first_bad = k;
    }
    v->ok = v->bad_count == 0;
}

/* ---- registry entry ----------------------------------------------------------------------- */

const hx_workload hx_workload_nbody = {
    .name = "nbody",
    .summary = "all-pairs softened gravity, one force step, float32 SoA",
    .lesson = "arithmetic intensity: compute-bound; SoA layout and rsqrt feed the vector units",
    .size_unit = "bodies",
    .default_size = 8192,
    .min_size = 1,
    .max_size = 1 << 20,
    .test_size = 131,
    .default_reps = 5,
    .bytes = nbody_bytes,
    .flops = nbody_flops,
    .host_bytes = nbody_host_bytes,
    .setup = nbody_setup,
    .teardown = nbody_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = nbody_serial,
            [HX_BACKEND_SIMD] = nbody_simd,
            [HX_BACKEND_OMP] = nbody_omp,
            [HX_BACKEND_OMP_SIMD] = nbody_omp_simd},
    .ocl = &nbody_ocl_binding,
    .cuda = HX_CUDA_BINDING(nbody),
    .verify = nbody_verify,
};
