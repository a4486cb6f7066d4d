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
#ifdef HETERO_HAVE_MPI
#include <stdio.h>

#include "hetero/mpi/mpi.h"
#endif

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

/* The update of points [j0, j1) of row i of a grid with row stride ld: THE operation order every
 * backend follows. */
HX_SERIAL static void stencil2d_scalar_points(const float *restrict src, float *restrict dst,
                                              size_t ld, size_t i, size_t j0, size_t j1) {
    const float *up = src + (i - 1) * ld, *mid = src + i * ld, *down = src + (i + 1) * ld;
    float *row = dst + i * ld;
    HX_NOVEC
    for (size_t j = j0; j < j1; j++)
        row[j] = 0.25f * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]));
}

/* The interior points of row i of the n x n grid. */
static void stencil2d_scalar_row(const float *src, float *dst, size_t n, size_t i) {
    stencil2d_scalar_points(src, dst, n, i, 1, n - 1);
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
                                              size_t ld, size_t i, size_t j0, size_t j1) {
    const float *up = src + (i - 1) * ld, *mid = src + i * ld, *down = src + (i + 1) * ld;
    float *row = dst + i * ld;
    const __m256 quarter = _mm256_set1_ps(0.25f);
    size_t j = j0;
    for (; j + 8 <= j1; j += 8) { /* 8 points j..j+7, all to be updated */
        __m256 vertical = _mm256_add_ps(_mm256_loadu_ps(up + j), _mm256_loadu_ps(down + j));
        __m256 horizontal =
            _mm256_add_ps(_mm256_loadu_ps(mid + j - 1), _mm256_loadu_ps(mid + j + 1));
        _mm256_storeu_ps(row + j, _mm256_mul_ps(quarter, _mm256_add_ps(vertical, horizontal)));
    }
    for (; j < j1; j++) /* tail */
        row[j] = 0.25f * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]));
}

HX_TARGET_AVX512 static void stencil2d_avx512_row(const float *restrict src, float *restrict dst,
                                                  size_t ld, size_t i, size_t j0, size_t j1) {
    const float *up = src + (i - 1) * ld, *mid = src + i * ld, *down = src + (i + 1) * ld;
    float *row = dst + i * ld;
    const __m512 quarter = _mm512_set1_ps(0.25f);
    for (size_t j = j0; j < j1; j += 16) {
        size_t left = j1 - j; /* points to update from j on */
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512 vertical =
            _mm512_add_ps(_mm512_maskz_loadu_ps(m, up + j), _mm512_maskz_loadu_ps(m, down + j));
        __m512 horizontal = _mm512_add_ps(_mm512_maskz_loadu_ps(m, mid + j - 1),
                                          _mm512_maskz_loadu_ps(m, mid + j + 1));
        _mm512_mask_storeu_ps(row + j, m,
                              _mm512_mul_ps(quarter, _mm512_add_ps(vertical, horizontal)));
    }
}

/* Points [j0, j1) of rows [r0, r1) (row stride ld) with the widest path this CPU allows. */
static void stencil2d_simd_rect(const float *src, float *dst, size_t ld, size_t r0, size_t r1,
                                size_t j0, size_t j1) {
    hx_simd_level level = hx_cpu()->simd;
    for (size_t i = r0; i < r1; i++) {
        if (level == HX_SIMD_AVX512)
            stencil2d_avx512_row(src, dst, ld, i, j0, j1);
        else if (level == HX_SIMD_AVX2)
            stencil2d_avx2_row(src, dst, ld, i, j0, j1);
        else
            stencil2d_scalar_points(src, dst, ld, i, j0, j1);
    }
}

/* Interior rows [r0, r1) of one sweep of the n x n grid. */
static void stencil2d_simd_rows(const float *src, float *dst, size_t n, size_t r0, size_t r1) {
    stencil2d_simd_rect(src, dst, n, r0, r1, 1, n - 1);
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

/* ---- mpi: a 2-D process grid exchanging halos (MIMD, distributed memory) ---------------- */

#ifdef HETERO_HAVE_MPI
/* The n x n grid is cut into a P x Q grid of blocks, one per rank (MPI_Dims_create picks P x Q
 * unless --grid gives it; MPI_Cart_create makes the process grid, MPI_Cart_shift finds each
 * rank's neighbours up, down, left and right, MPI_PROC_NULL at the grid's edge).  Rows and
 * columns are cut as evenly as they go, so blocks differ by at most one row or column.  A rank
 * holds its block with a one-point halo around it: u0's (read by the first sweep only, so every
 * run starts from it) and two more for the ping-pong of the later sweeps, all first-touched with
 * u0 at the block's global indices; the global boundary is just points nobody updates.  Before each
 * sweep the halo is refreshed from the neighbours: sendrecv  four blocking MPI_Sendrecv: the first
 * and last owned rows up and down (contiguous floats), the first and last owned columns left and
 * right - a column is a strided MPI_Type_vector, so MPI gathers it instead of a copy loop; overlap
 * MPI_Irecv/MPI_Isend of the same four halves, then the interior points that need no halo are
 * updated while the messages travel, MPI_Waitall, and the block's rim. Both compute every point
 * with the same operations as serial, so the result is serial's bit for bit.  A block of r x c
 * points sends 2(r + c) floats a sweep for 4rc flops: the surface-to- volume ratio the lab
 * measures.  The overlap hides the halo only as far as the MPI library moves messages while the
 * rank computes: Open MPI's shared-memory and TCP transports progress inside MPI calls, so a
 * message larger than the eager limit waits for MPI_Waitall. */
enum { STENCIL_SENDRECV = 0, STENCIL_OVERLAP = 1 };

typedef struct stencil2d_mpi {
    MPI_Comm cart;
    int dims[2], coords[2];
    int up, down, left, right;
    uint64_t r0, c0;   /* global index of the first owned row and column */
    size_t rows, cols; /* owned points */
    size_t ld;         /* cols + 2 */
    float *u0;         /* (rows + 2) x ld: the initial block and halo (the first sweep reads it) */
    float *buf[2];     /* the same shape: the ping-pong of the later sweeps */
    size_t ui0, ui1, uj0, uj1; /* the owned points that are interior to the whole grid */
    size_t ii0, ii1, ij0, ij1; /* ... and of those, the ones that need no halo */
    MPI_Datatype column;       /* rows floats, stride ld */
} stencil2d_mpi;

static void stencil2d_mpi_dims(int ranks, const int grid[2], int dims[2]) {
    dims[0] = grid[0];
    dims[1] = grid[1];
    if (dims[0] < 1) {
        dims[0] = dims[1] = 0;
        MPI_Dims_create(ranks, 2, dims);
    }
}

static int stencil2d_mpi_check(const hx_problem *p, int ranks, const int grid[2]) {
    int dims[2];
    stencil2d_mpi_dims(ranks, grid, dims);
    int most = dims[0] > dims[1] ? dims[0] : dims[1];
    if (p->size < (uint64_t)most)
        return hx_fail(HX_ERR_USAGE,
                       "--size %llu is too small for a %dx%d grid of ranks: each rank needs at "
                       "least one row and one column; use --size >= %d or fewer ranks",
                       (unsigned long long)p->size, dims[0], dims[1], most);
    return HX_OK;
}

static size_t clamp(size_t v, size_t lo, size_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* Which owned points get updated (those interior to the whole grid), and which of them read no
 * halo: local index li stands for global row r0 + li - 1. */
static void stencil2d_mpi_ranges(stencil2d_mpi *s, uint64_t n) {
    /* global row r0 + li - 1 in [1, n - 2]: li from 2 - r0, below n - r0 (<= rows + 1) */
    s->ui0 = s->r0 == 0 ? 2 : 1;
    s->ui1 = (size_t)(n - s->r0) < s->rows + 1 ? (size_t)(n - s->r0) : s->rows + 1;
    s->uj0 = s->c0 == 0 ? 2 : 1;
    s->uj1 = (size_t)(n - s->c0) < s->cols + 1 ? (size_t)(n - s->c0) : s->cols + 1;
    s->ui1 = s->ui1 < s->ui0 ? s->ui0 : s->ui1;
    s->uj1 = s->uj1 < s->uj0 ? s->uj0 : s->uj1;
    s->ii0 = clamp(2, s->ui0, s->ui1);
    s->ii1 = clamp(s->rows, s->ii0, s->ui1);
    s->ij0 = clamp(2, s->uj0, s->uj1);
    s->ij1 = clamp(s->cols, s->ij0, s->uj1);
}

static void stencil2d_mpi_release(hx_mpi_job *job) {
    stencil2d_mpi *s = job->state;
    if (!s)
        return;
    if (s->column != MPI_DATATYPE_NULL)
        MPI_Type_free(&s->column);
    if (s->cart != MPI_COMM_NULL)
        MPI_Comm_free(&s->cart);
    hx_free(s->u0);
    hx_free(s->buf[0]);
    hx_free(s->buf[1]);
    hx_free(s);
    job->state = NULL;
}

/* All three buffers, halo included, from u0 at the block's global indices (first touch): the
 * global boundary in them is never written again. */
static void stencil2d_mpi_fill(stencil2d_mpi *s, uint64_t n, uint64_t seed) {
    const long rows = (long)s->rows + 2;
#pragma omp parallel for schedule(static)
    for (long li = 0; li < rows; li++)
        for (size_t lj = 0; lj < s->ld; lj++) {
            int64_t gi = (int64_t)s->r0 + li - 1, gj = (int64_t)(s->c0 + lj) - 1;
            float v = gi >= 0 && gj >= 0 && (uint64_t)gi < n && (uint64_t)gj < n
                          ? hx_rng_float(seed, 1, (uint64_t)gi * n + (uint64_t)gj, -1.0f, 1.0f)
                          : 0.0f;
            const size_t e = (size_t)li * s->ld + lj;
            s->u0[e] = s->buf[0][e] = s->buf[1][e] = v;
        }
}

/* Local: the block's place and buffers.  Then, agreed, the collective process grid. */
static int stencil2d_mpi_local(hx_mpi_job *job, stencil2d_mpi *s) {
    const uint64_t n = job->problem->size;
    stencil2d_mpi_dims(job->ranks, job->grid, s->dims);
    /* rank r's coordinates in the row-major P x Q grid MPI_Cart_create (reorder 0) will make */
    s->coords[0] = job->rank / s->dims[1];
    s->coords[1] = job->rank % s->dims[1];
    uint64_t r1, c1;
    hx_mpi_block(n, s->dims[0], s->coords[0], &s->r0, &r1);
    hx_mpi_block(n, s->dims[1], s->coords[1], &s->c0, &c1);
    s->rows = (size_t)(r1 - s->r0);
    s->cols = (size_t)(c1 - s->c0);
    s->ld = s->cols + 2;
    const size_t bytes = (s->rows + 2) * s->ld * sizeof(float);
    HX_TRY(hx_alloc_checked((void **)&s->u0, bytes, "this rank's stencil2d block"));
    HX_TRY(hx_alloc_checked((void **)&s->buf[0], bytes, "this rank's second block"));
    HX_TRY(hx_alloc_checked((void **)&s->buf[1], bytes, "this rank's third block"));
    stencil2d_mpi_fill(s, n, job->problem->seed);
    stencil2d_mpi_ranges(s, n);
    snprintf(job->layout, sizeof job->layout, "%dx%d grid", s->dims[0], s->dims[1]);
    return HX_OK;
}

static int stencil2d_mpi_prepare(hx_mpi_job *job) {
    stencil2d_mpi *s = hx_alloc(sizeof *s);
    if (s) {
        memset(s, 0, sizeof *s);
        s->cart = MPI_COMM_NULL;
        s->column = MPI_DATATYPE_NULL;
    }
    job->state = s;
    HX_TRY(hx_mpi_agree(job->comm, s ? stencil2d_mpi_local(job, s)
                                     : hx_fail(HX_ERR_RUNTIME, "out of memory")));
    int periodic[2] = {0, 0};
    HX_MPI(MPI_Cart_create(job->comm, 2, s->dims, periodic, 0, &s->cart));
    HX_MPI(MPI_Cart_shift(s->cart, 0, 1, &s->up, &s->down));
    HX_MPI(MPI_Cart_shift(s->cart, 1, 1, &s->left, &s->right));
    HX_MPI(MPI_Type_vector((int)s->rows, 1, (int)s->ld, MPI_FLOAT, &s->column));
    HX_MPI(MPI_Type_commit(&s->column));
    return HX_OK;
}

/* The eight messages of one halo exchange of buffer u: the owned rows and columns out, the halo
 * in.  Index 0 of each pair travels up/left, 1 down/right. */
static int stencil2d_mpi_post(stencil2d_mpi *s, float *u, MPI_Request req[8]) {
    const size_t ld = s->ld, rows = s->rows, cols = s->cols;
    const int nc = (int)cols;
    HX_MPI(MPI_Irecv(u + 1, nc, MPI_FLOAT, s->up, 1, s->cart, &req[0]));
    HX_MPI(MPI_Irecv(u + (rows + 1) * ld + 1, nc, MPI_FLOAT, s->down, 0, s->cart, &req[1]));
    HX_MPI(MPI_Irecv(u + ld, 1, s->column, s->left, 3, s->cart, &req[2]));
    HX_MPI(MPI_Irecv(u + ld + cols + 1, 1, s->column, s->right, 2, s->cart, &req[3]));
    HX_MPI(MPI_Isend(u + ld + 1, nc, MPI_FLOAT, s->up, 0, s->cart, &req[4]));
    HX_MPI(MPI_Isend(u + rows * ld + 1, nc, MPI_FLOAT, s->down, 1, s->cart, &req[5]));
    HX_MPI(MPI_Isend(u + ld + 1, 1, s->column, s->left, 2, s->cart, &req[6]));
    HX_MPI(MPI_Isend(u + ld + cols, 1, s->column, s->right, 3, s->cart, &req[7]));
    return HX_OK;
}

/* The same exchange, blocking: a row up while one comes from below, and so on. */
static int stencil2d_mpi_sendrecv(stencil2d_mpi *s, float *u) {
    const size_t ld = s->ld, rows = s->rows, cols = s->cols;
    const int nc = (int)cols;
    HX_MPI(MPI_Sendrecv(u + ld + 1, nc, MPI_FLOAT, s->up, 0, u + (rows + 1) * ld + 1, nc, MPI_FLOAT,
                        s->down, 0, s->cart, MPI_STATUS_IGNORE));
    HX_MPI(MPI_Sendrecv(u + rows * ld + 1, nc, MPI_FLOAT, s->down, 1, u + 1, nc, MPI_FLOAT, s->up,
                        1, s->cart, MPI_STATUS_IGNORE));
    HX_MPI(MPI_Sendrecv(u + ld + 1, 1, s->column, s->left, 2, u + ld + cols + 1, 1, s->column,
                        s->right, 2, s->cart, MPI_STATUS_IGNORE));
    HX_MPI(MPI_Sendrecv(u + ld + cols, 1, s->column, s->right, 3, u + ld, 1, s->column, s->left, 3,
                        s->cart, MPI_STATUS_IGNORE));
    return HX_OK;
}

/* Update points [i0, i1) x [j0, j1) of the block, threads over the rows, timed as computing. */
static void stencil2d_mpi_update(hx_mpi_job *job, const float *src, float *dst, size_t i0,
                                 size_t i1, size_t j0, size_t j1) {
    if (i0 >= i1 || j0 >= j1)
        return;
    const stencil2d_mpi *s = job->state;
    double t = hx_mpi_compute_begin();
    const long first = (long)i0, last = (long)i1;
#pragma omp parallel for schedule(static)
    for (long i = first; i < last; i++)
        stencil2d_simd_rect(src, dst, s->ld, (size_t)i, (size_t)i + 1, j0, j1);
    hx_mpi_compute_end(job, t);
}

static int stencil2d_mpi_run(hx_mpi_job *job) {
    stencil2d_mpi *s = job->state;
    const unsigned sweeps = (unsigned)job->problem->param[PARAM_SWEEPS];
    for (unsigned k = 1; k <= sweeps; k++) {
        float *src = k == 1 ? s->u0 : s->buf[(k - 1) % 2], *dst = s->buf[k % 2];
        if (job->variant == STENCIL_SENDRECV) {
            HX_TRY(stencil2d_mpi_sendrecv(s, src));
            stencil2d_mpi_update(job, src, dst, s->ui0, s->ui1, s->uj0, s->uj1);
            continue;
        }
        MPI_Request req[8];
        HX_TRY(stencil2d_mpi_post(s, src, req));
        stencil2d_mpi_update(job, src, dst, s->ii0, s->ii1, s->ij0, s->ij1); /* no halo needed */
        HX_MPI(MPI_Waitall(8, req, MPI_STATUSES_IGNORE));
        stencil2d_mpi_update(job, src, dst, s->ui0, s->ii0, s->uj0, s->uj1); /* the rim: top, */
        stencil2d_mpi_update(job, src, dst, s->ii1, s->ui1, s->uj0, s->uj1); /* bottom, */
        stencil2d_mpi_update(job, src, dst, s->ii0, s->ii1, s->uj0, s->ij0); /* left, */
        stencil2d_mpi_update(job, src, dst, s->ii0, s->ii1, s->ij1, s->uj1); /* right */
    }
    return HX_OK;
}

/* Every rank's owned block into its place in the n x n output on rank 0: strided types at both
 * ends, so nothing is packed by hand. */
static int stencil2d_mpi_gather(hx_mpi_job *job, void *out) {
    stencil2d_mpi *s = job->state;
    const uint64_t n = job->problem->size;
    const float *result = s->buf[(unsigned)job->problem->param[PARAM_SWEEPS] % 2];
    MPI_Datatype block;
    if (job->rank != 0) {
        HX_MPI(MPI_Type_vector((int)s->rows, (int)s->cols, (int)s->ld, MPI_FLOAT, &block));
        HX_MPI(MPI_Type_commit(&block));
        int status = MPI_Send(result + s->ld + 1, 1, block, 0, 4, s->cart);
        MPI_Type_free(&block);
        HX_MPI(status);
        return HX_OK;
    }
    for (int r = 0; r < job->ranks; r++) {
        int coords[2];
        HX_MPI(MPI_Cart_coords(s->cart, r, 2, coords));
        uint64_t r0, r1, c0, c1;
        hx_mpi_block(n, s->dims[0], coords[0], &r0, &r1);
        hx_mpi_block(n, s->dims[1], coords[1], &c0, &c1);
        float *dst = (float *)out + r0 * n + c0;
        if (r == 0) {
            for (size_t i = 0; i < s->rows; i++)
                memcpy(dst + i * n, result + (i + 1) * s->ld + 1, s->cols * sizeof(float));
            continue;
        }
        HX_MPI(MPI_Type_vector((int)(r1 - r0), (int)(c1 - c0), (int)n, MPI_FLOAT, &block));
        HX_MPI(MPI_Type_commit(&block));
        int status = MPI_Recv(dst, 1, block, r, 4, s->cart, MPI_STATUS_IGNORE);
        MPI_Type_free(&block);
        HX_MPI(status);
    }
    return HX_OK;
}

static const hx_mpi_binding stencil2d_mpi_binding = {
    .variants = {[STENCIL_SENDRECV] = {"sendrecv", "halo rows and columns by blocking "
                                                   "MPI_Sendrecv before each sweep"},
                 [STENCIL_OVERLAP] = {"overlap", "halos by MPI_Isend/Irecv while the interior is "
                                                 "updated, then the rim"}},
    .nvariants = 2,
    .verification = "gathered: every block to rank 0 (strided datatypes), against serial",
    .uses_grid = true,
    .check = stencil2d_mpi_check,
    .prepare = stencil2d_mpi_prepare,
    .run = stencil2d_mpi_run,
    .gather = stencil2d_mpi_gather,
    .release = stencil2d_mpi_release,
};
#endif

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
    .mpi = HX_MPI_BINDING(stencil2d_mpi_binding),
    .verify = stencil2d_verify,
};
