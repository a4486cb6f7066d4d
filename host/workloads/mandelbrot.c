/*
 * NAME
 *     mandelbrot - escape-time image of the Mandelbrot set, one uint32 count per pixel
 *
 * PURPOSE
 *     Irregular work.  Each pixel iterates z <- z^2 + c until |z| > 2 or --iters iterations have
 *     passed, so a pixel outside the set costs a handful of iterations and a pixel inside costs
 *     all of them.  Two lessons follow.  SIMD divergence: eight (AVX2) or sixteen (AVX-512)
 *     neighbouring pixels share one instruction stream, so a vector keeps iterating, with the
 *     escaped lanes masked off, until its slowest lane is done; the speedup over serial is the
 *     lane count times the fraction of lanes still doing useful work.  Load imbalance: the
 *     expensive rows sit in the middle of the image, so equal blocks of rows give the middle
 *     threads the set and the outer ones the cheap border (on two threads the view's symmetry
 *     about the real axis happens to balance the halves; from three threads on it does not, and
 *     any off-centre view breaks it); the omp backends take rows one at a time from a shared
 *     counter (schedule(dynamic, 1)) so that a thread that drew cheap rows takes more, and the
 *     threads backend writes the same thing out with pthreads and a C11 atomic counter.
 *
 * USAGE
 *     hetero run mandelbrot [--size=W] [--iters=N]
 *         W pixels wide and W high (default 1024), at most N iterations per pixel (default 256)
 *
 * NOTES
 *     Bytes moved per run = 4 * W * W (the image is written once; there is no input).
 *     Flops = 8 per iteration (3 multiplications x*x, y*y, x*y and 5 additions: |z|^2, 2xy, +cy,
 *     x^2-y^2, +cx; the comparison is not counted), times the total number of iterations, which
 *     setup counts once so that GFLOP/s counts useful work only: the iterations the masked-off
 *     lanes of a vector still execute are divergence, not throughput.
 *     Verification: every CPU backend evaluates the same float operations in the same order,
 *     and this file is compiled without floating-point contraction (no fused multiply-add), so
 *     the CPU images are bit-identical to serial.  The OpenCL kernel asks for the same order
 *     (FP_CONTRACT OFF, no mad); a device whose float arithmetic still differs in the last bit
 *     (a fused operation, another rounding of the coordinates) changes an orbit by an ulp, which
 *     the iteration amplifies only where the count is unstable: on the edge between two count
 *     levels, where a neighbouring pixel already has another count.  So the check is exact
 *     everywhere except at such edge pixels, and at most 0.1% of all pixels (rounded down) may
 *     differ there, by any count.  A pixel that differs inside a flat region, or more differing
 *     pixels than that, fails.  The verdict reports the fraction of differing pixels as max_err
 *     against 0.001, and 1 when a pixel off an edge differs.
 */
#include <immintrin.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "hetero/core/alloc.h"
#include "hetero/core/cpu.h"
#include "hetero/core/error.h"
#include "hetero/core/simd.h"
#include "hetero/ocl/ocl.h"
#include "hetero/workloads/mandelbrot.h"
#include "hetero/workloads/mandelbrot_device.h"
#include "hetero/workloads/workload.h"
#ifdef HETERO_HAVE_MPI
#include <stdlib.h>

#include "hetero/mpi/mpi.h"
#endif

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* GCC: -ffp-contract=off on this file, set in CMakeLists.txt */
#endif

enum { PARAM_ITERS = 0 };

HX_CUDA_DECLARE(mandelbrot); /* kernels/cuda/mandelbrot.cu */

typedef struct mandelbrot_data {
    hx_mandelbrot_geometry g;
    double total_iters; /* useful iterations of the whole image, for the flop count */
} mandelbrot_data;

/* ---- data setup ------------------------------------------------------------------------- */

/* The view: the whole set, [-2, 1] x [-1.5, 1.5], on a square image. */
static const float view_x_min = -2.0f, view_y_min = -1.5f, view_span = 3.0f;

void hx_mandelbrot_geometry_of(const hx_problem *p, hx_mandelbrot_geometry *g) {
    *g = ((const mandelbrot_data *)p->data)->g;
}

static double mandelbrot_host_bytes(uint64_t w) {
    return 3.0 * (double)w * (double)w * sizeof(uint32_t); /* out, reference, setup's count */
}

static double mandelbrot_bytes(const hx_problem *p) {
    return (double)sizeof(uint32_t) * (double)p->size * (double)p->size;
}

static double mandelbrot_flops(const hx_problem *p) {
    return 8.0 * ((const mandelbrot_data *)p->data)->total_iters;
}

static void mandelbrot_teardown(hx_problem *p) {
    hx_free(p->data);
    p->data = NULL;
}

/* Count the iterations of the whole image once (threads x vectors), for the flop count. */
static int count_iterations(hx_problem *p, double *total) {
    const hx_mandelbrot_geometry *g = &((mandelbrot_data *)p->data)->g;
    uint32_t *img;
    HX_TRY(hx_alloc_checked((void **)&img, g->width * g->height * sizeof *img,
                            "the mandelbrot iteration count"));
    const long rows = (long)g->height;
    (void)hx_cpu(); /* detect the CPU here: hx_cpu() initialises lazily, not for threads */
#pragma omp parallel for schedule(dynamic, 1)
    for (long r = 0; r < rows; r++)
        hx_mandelbrot_rows(p, img, (size_t)r, (size_t)r + 1);
    double sum = 0.0;
    for (size_t i = 0; i < g->width * g->height; i++)
        sum += img[i];
    hx_free(img);
    *total = sum;
    return HX_OK;
}

/* The geometry of --size and --iters (every rank of an MPI job makes its own). */
static void view_geometry(const hx_problem *p, hx_mandelbrot_geometry *g) {
    g->width = g->height = p->size;
    g->x_min = view_x_min;
    g->y_min = view_y_min;
    g->dx = g->dy = view_span / (float)p->size;
    g->max_iter = (uint32_t)p->param[PARAM_ITERS];
}

static int mandelbrot_setup(hx_problem *p) {
    mandelbrot_data *d = hx_alloc(sizeof *d);
    if (!d)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    p->data = d;
    view_geometry(p, &d->g);
    p->out_bytes = d->g.width * d->g.height * sizeof(uint32_t);
    int status = count_iterations(p, &d->total_iters);
    if (status != HX_OK)
        mandelbrot_teardown(p);
    return status;
}

/* ---- serial: one pixel at a time (SISD) --------------------------------------------------- */

/* The escape count of c = (cx, cy).  The operation order here is THE definition every backend
 * follows: x2 = x*x, y2 = y*y, escape when x2 + y2 > 4, xy = x*y, y = (xy + xy) + cy,
 * x = (x2 - y2) + cx. */
static inline uint32_t escape_count(float cx, float cy, uint32_t max_iter) {
    float x = 0.0f, y = 0.0f;
    uint32_t n = 0;
    while (n < max_iter) {
        float x2 = x * x, y2 = y * y;
        if (x2 + y2 > 4.0f)
            break;
        float xy = x * y;
        y = (xy + xy) + cy;
        x = (x2 - y2) + cx;
        n++;
    }
    return n;
}

/* Pixels [col_begin, col_end) of one row; the row functions below share this signature so that a
 * tile (a column range of a few rows) costs the same code as a full row. */
HX_SERIAL static void mandelbrot_scalar_row(const hx_mandelbrot_geometry *g, uint32_t *line,
                                            size_t row, size_t col_begin, size_t col_end) {
    const float cy = g->y_min + (float)row * g->dy;
    HX_NOVEC
    for (size_t col = col_begin; col < col_end; col++)
        line[col] = escape_count(g->x_min + (float)col * g->dx, cy, g->max_iter);
}

HX_SERIAL static void mandelbrot_serial(const hx_problem *p, void *out) {
    const hx_mandelbrot_geometry *g = &((const mandelbrot_data *)p->data)->g;
    for (size_t row = 0; row < g->height; row++)
        mandelbrot_scalar_row(g, (uint32_t *)out + row * g->width, row, 0, g->width);
}

/* ---- simd: 8 or 16 pixels per instruction, masked until every lane escaped (SIMD) -------- */

/* A vector of pixels iterates while any lane is active; the count of a lane grows only while it
 * is active, and an escaped lane's x, y keep changing (possibly to inf or NaN) unobserved. */
HX_TARGET_AVX2 static void mandelbrot_avx2_row(const hx_mandelbrot_geometry *g, uint32_t *line,
                                               size_t row, size_t col_begin, size_t col_end) {
    const __m256 cy = _mm256_set1_ps(g->y_min + (float)row * g->dy);
    const __m256 x_min = _mm256_set1_ps(g->x_min), dx = _mm256_set1_ps(g->dx);
    const __m256 four = _mm256_set1_ps(4.0f);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t col = col_begin; col < col_end; col += 8) {
        __m256i cols = _mm256_add_epi32(_mm256_set1_epi32((int)col), lane);
        __m256 cx = _mm256_add_ps(x_min, _mm256_mul_ps(_mm256_cvtepi32_ps(cols), dx));
        __m256 x = _mm256_setzero_ps(), y = _mm256_setzero_ps();
        __m256i count = _mm256_setzero_si256();
        __m256 active = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
        for (uint32_t n = 0; n < g->max_iter; n++) {
            __m256 x2 = _mm256_mul_ps(x, x), y2 = _mm256_mul_ps(y, y);
            active = _mm256_and_ps(active, _mm256_cmp_ps(_mm256_add_ps(x2, y2), four, _CMP_LE_OQ));
            if (_mm256_movemask_ps(active) == 0)
                break;
            count = _mm256_sub_epi32(count, _mm256_castps_si256(active)); /* active lane: -1 */
            __m256 xy = _mm256_mul_ps(x, y);
            y = _mm256_add_ps(_mm256_add_ps(xy, xy), cy);
            x = _mm256_add_ps(_mm256_sub_ps(x2, y2), cx);
        }
        size_t left = col_end - col;
        if (left >= 8) {
            _mm256_storeu_si256((__m256i *)(line + col), count);
        } else { /* the last, partial vector: store its valid lanes only */
            __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), lane);
            _mm256_maskstore_epi32((int *)(line + col), valid, count);
        }
    }
}

HX_TARGET_AVX512 static void mandelbrot_avx512_row(const hx_mandelbrot_geometry *g, uint32_t *line,
                                                   size_t row, size_t col_begin, size_t col_end) {
    const __m512 cy = _mm512_set1_ps(g->y_min + (float)row * g->dy);
    const __m512 x_min = _mm512_set1_ps(g->x_min), dx = _mm512_set1_ps(g->dx);
    const __m512 four = _mm512_set1_ps(4.0f);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i one = _mm512_set1_epi32(1);
    for (size_t col = col_begin; col < col_end; col += 16) {
        __m512i cols = _mm512_add_epi32(_mm512_set1_epi32((int)col), lane);
        __m512 cx = _mm512_add_ps(x_min, _mm512_mul_ps(_mm512_cvtepi32_ps(cols), dx));
        __m512 x = _mm512_setzero_ps(), y = _mm512_setzero_ps();
        __m512i count = _mm512_setzero_si512();
        __mmask16 active = 0xFFFF;
        for (uint32_t n = 0; n < g->max_iter; n++) {
            __m512 x2 = _mm512_mul_ps(x, x), y2 = _mm512_mul_ps(y, y);
            active = _mm512_mask_cmp_ps_mask(active, _mm512_add_ps(x2, y2), four, _CMP_LE_OQ);
            if (active == 0)
                break;
            count = _mm512_mask_add_epi32(count, active, count, one);
            __m512 xy = _mm512_mul_ps(x, y);
            y = _mm512_add_ps(_mm512_add_ps(xy, xy), cy);
            x = _mm512_add_ps(_mm512_sub_ps(x2, y2), cx);
        }
        size_t left = col_end - col;
        __mmask16 valid = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        _mm512_mask_storeu_epi32(line + col, valid, count);
    }
}

/* Pixels [col_begin, col_end) of row `row` into line (the row's first pixel) with the widest
 * SIMD code this CPU has. */
static void mandelbrot_simd_row(const hx_mandelbrot_geometry *g, uint32_t *line, size_t row,
                                size_t col_begin, size_t col_end) {
    hx_simd_level level = hx_cpu()->simd;
    if (level == HX_SIMD_AVX512)
        mandelbrot_avx512_row(g, line, row, col_begin, col_end);
    else if (level == HX_SIMD_AVX2)
        mandelbrot_avx2_row(g, line, row, col_begin, col_end);
    else
        mandelbrot_scalar_row(g, line, row, col_begin, col_end);
}

void hx_mandelbrot_block(const hx_mandelbrot_geometry *g, uint32_t *out, size_t row_begin,
                         size_t row_end, size_t col_begin, size_t col_end) {
    for (size_t row = row_begin; row < row_end; row++)
        mandelbrot_simd_row(g, out + row * g->width, row, col_begin, col_end);
}

void hx_mandelbrot_rows(const hx_problem *p, uint32_t *out, size_t row_begin, size_t row_end) {
    const hx_mandelbrot_geometry *g = &((const mandelbrot_data *)p->data)->g;
    hx_mandelbrot_block(g, out, row_begin, row_end, 0, g->width);
}

static void mandelbrot_simd(const hx_problem *p, void *out) {
    hx_mandelbrot_rows(p, out, 0, p->size);
}

/* ---- omp: threads take rows one at a time, scalar body (MIMD) ---------------------------- */

/* schedule(dynamic, 1): a row through the set costs up to --iters per pixel, a row along the
 * border a few, so equal blocks of rows (schedule(static)) leave the threads with the cheap
 * rows idle while the others finish the set.  Taking one row at a time from a shared counter
 * costs one atomic increment per row, nothing next to a row's work. */
HX_SERIAL static void mandelbrot_omp(const hx_problem *p, void *out) {
    const hx_mandelbrot_geometry *g = &((const mandelbrot_data *)p->data)->g;
    const long rows = (long)g->height;
#pragma omp parallel for schedule(dynamic, 1)
    for (long r = 0; r < rows; r++)
        mandelbrot_scalar_row(g, (uint32_t *)out + (size_t)r * g->width, (size_t)r, 0, g->width);
}

/* ---- omp-simd: threads x vectors, rows taken dynamically (MIMD of SIMD) ------------------ */

static void mandelbrot_omp_simd(const hx_problem *p, void *out) {
    const long rows = (long)p->size;
#pragma omp parallel for schedule(dynamic, 1)
    for (long r = 0; r < rows; r++)
        hx_mandelbrot_rows(p, out, (size_t)r, (size_t)r + 1);
}

/* ---- threads: explicit pthreads taking rows from a shared counter (MIMD) ----------------- */

/* What schedule(dynamic, 1) does, written out: one atomic counter of the next row, a thread per
 * share of the machine, each taking rows until none are left; created and joined by hand. */
typedef struct row_claims {
    const hx_mandelbrot_geometry *g;
    uint32_t *out;
    atomic_size_t next_row;
} row_claims;

static void *claim_rows(void *arg) {
    row_claims *c = arg;
    for (size_t r; (r = atomic_fetch_add(&c->next_row, 1)) < c->g->height;)
        mandelbrot_scalar_row(c->g, c->out + r * c->g->width, r, 0, c->g->width);
    return NULL;
}

HX_SERIAL static void mandelbrot_threads(const hx_problem *p, void *out) {
    row_claims claims = {.g = &((const mandelbrot_data *)p->data)->g, .out = out};
    atomic_init(&claims.next_row, 0);
    size_t nthreads = (size_t)p->threads;
    pthread_t *thread = hx_alloc(nthreads * sizeof *thread);
    size_t started = 0;
    while (thread && started < nthreads &&
           pthread_create(&thread[started], NULL, claim_rows, &claims) == 0)
        started++;
    if (started == 0) /* no thread at all: the caller's thread does the work */
        claim_rows(&claims);
    for (size_t t = 0; t < started; t++)
        pthread_join(thread[t], NULL);
    hx_free(thread);
}

/* ---- opencl: kernels/mandelbrot.cl -------------------------------------------------------- */

/* The arguments of kernels/mandelbrot.cl that a view fixes: width (1) and the plane (4-8); the
 * image (0) and the row range (2, 3) are set by the caller. */
static int set_view_args(cl_kernel k, const hx_mandelbrot_geometry *g) {
    cl_uint width = (cl_uint)g->width, max_iter = g->max_iter;
    HX_CL(clSetKernelArg(k, 1, sizeof width, &width));
    HX_CL(clSetKernelArg(k, 4, sizeof g->x_min, &g->x_min));
    HX_CL(clSetKernelArg(k, 5, sizeof g->y_min, &g->y_min));
    HX_CL(clSetKernelArg(k, 6, sizeof g->dx, &g->dx));
    HX_CL(clSetKernelArg(k, 7, sizeof g->dy, &g->dy));
    HX_CL(clSetKernelArg(k, 8, sizeof max_iter, &max_iter));
    return HX_OK;
}

/* Divergent rows balance in small work-groups better than streaming ones. */
static size_t rows_group_size(const hx_ocl_device *dev) {
    size_t local = hx_ocl_stream_local_size(dev);
    return local > 256 ? 256 : local;
}

typedef struct mandelbrot_ocl {
    hx_ocl_mem *img;
    cl_kernel kernel;
    size_t global, local;
} mandelbrot_ocl;

static int mandelbrot_ocl_prepare(hx_ocl_job *job) {
    const hx_mandelbrot_geometry *g = &((const mandelbrot_data *)job->problem->data)->g;
    mandelbrot_ocl *s;
    HX_TRY(hx_ocl_state(job, sizeof *s, (void **)&s));
    HX_TRY(hx_ocl_alloc(job, g->width * g->height * sizeof(uint32_t), HX_MEM_WRITE, &s->img));
    HX_TRY(hx_ocl_kernel(job, "mandelbrot", &s->kernel));
    /* the whole image as one chunk: rows [0, height) */
    cl_uint row_offset = 0, rows = (cl_uint)g->height;
    HX_TRY(hx_ocl_arg_mem(s->kernel, 0, s->img));
    HX_CL(clSetKernelArg(s->kernel, 2, sizeof row_offset, &row_offset));
    HX_CL(clSetKernelArg(s->kernel, 3, sizeof rows, &rows));
    HX_TRY(set_view_args(s->kernel, g));
    s->local = rows_group_size(job->session->dev);
    s->global = hx_round_up(g->width * g->height, s->local);
    return HX_OK;
}

static int mandelbrot_ocl_run(hx_ocl_job *job, void *out) {
    mandelbrot_ocl *s = job->state;
    HX_TRY(hx_ocl_launch(job, s->kernel, 1, &s->global, &s->local));
    return hx_ocl_download(job, s->img, out);
}

static const hx_ocl_binding mandelbrot_ocl_binding = {
    .file = "mandelbrot.cl",
    .prepare = mandelbrot_ocl_prepare,
    .run = mandelbrot_ocl_run,
};

/* Chunks of rows on a device (mandelbrot.h): the image stays on the device, each chunk's rows
 * are read back on their own, so a chunk is usable as soon as its read-back event completes. */
int hx_mandelbrot_device_open(hx_ocl_session *s, const hx_mandelbrot_geometry *g,
                              hx_mandelbrot_device *d) {
    memset(d, 0, sizeof *d);
    d->session = s;
    d->g = *g;
    cl_program prog;
    HX_TRY(hx_ocl_program(s, "mandelbrot.cl", NULL, &prog));
    cl_int err;
    d->kernel = clCreateKernel(prog, "mandelbrot", &err);
    if (err != CL_SUCCESS)
        return hx_ocl_fail(err, "clCreateKernel(mandelbrot)");
    size_t bytes = g->width * g->height * sizeof(uint32_t);
    d->image = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, bytes, NULL, &err);
    if (err != CL_SUCCESS) {
        hx_mandelbrot_device_close(d);
        return hx_ocl_fail(err, "clCreateBuffer (the device image)");
    }
    err = clSetKernelArg(d->kernel, 0, sizeof(cl_mem), &d->image);
    int status = err == CL_SUCCESS ? set_view_args(d->kernel, g)
                                   : hx_ocl_fail(err, "clSetKernelArg(mandelbrot, image)");
    if (status != HX_OK) {
        hx_mandelbrot_device_close(d);
        return status;
    }
    d->local = rows_group_size(s->dev);
    return HX_OK;
}

cl_int hx_mandelbrot_device_enqueue(hx_mandelbrot_device *d, size_t begin, size_t end,
                                    uint32_t *host_image, cl_event *kernel_done,
                                    cl_event *read_done) {
    cl_uint offset = (cl_uint)begin, count = (cl_uint)(end - begin);
    cl_int err = clSetKernelArg(d->kernel, 2, sizeof offset, &offset);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(d->kernel, 3, sizeof count, &count);
    size_t global = hx_round_up(count * d->g.width, d->local);
    if (err == CL_SUCCESS)
        err = clEnqueueNDRangeKernel(d->session->queue, d->kernel, 1, NULL, &global, &d->local, 0,
                                     NULL, kernel_done);
    size_t row_bytes = d->g.width * sizeof(uint32_t);
    if (err != CL_SUCCESS)
        return err;
    err =
        clEnqueueReadBuffer(d->session->queue, d->image, CL_FALSE, begin * row_bytes,
                            count * row_bytes, host_image + begin * d->g.width, 0, NULL, read_done);
    if (err == CL_SUCCESS) {
        err = clFlush(d->session->queue);
        if (err != CL_SUCCESS && read_done) {
            clReleaseEvent(*read_done);
            *read_done = NULL;
        }
    }
    if (err != CL_SUCCESS && kernel_done) { /* the caller gets no events to release */
        clReleaseEvent(*kernel_done);
        *kernel_done = NULL;
    }
    return err;
}

void hx_mandelbrot_device_close(hx_mandelbrot_device *d) {
    if (d->session && (d->kernel || d->image))
        clFinish(d->session->queue);
    if (d->kernel)
        clReleaseKernel(d->kernel);
    if (d->image)
        clReleaseMemObject(d->image);
    memset(d, 0, sizeof *d);
}

/* ---- mpi: rows mapped to ranks statically or on demand (MIMD, distributed memory) -------- */

#ifdef HETERO_HAVE_MPI
/* The image is its own input, so a rank needs only the geometry; what differs is which rows it
 * computes, and so how much work it gets:
 *   block    rank r takes one contiguous block of rows (blocks differ by at most one row): the
 *            middle ranks get the set, the outer ones the cheap border - the imbalance column
 *            shows it; the blocks then go to rank 0 by MPI_Gatherv;
 *   cyclic   rank r takes rows r, r + p, r + 2p, ...: every rank gets a share of every region,
 *            which balances this image without any message while computing; rank 0 receives
 *            each rank's rows with one strided MPI_Type_vector, straight into their places;
 *   dynamic  manager/worker: rank 0 hands out chunks of --chunk rows (default 4) on demand -
 *            each worker gets one to start, and each chunk it sends back asks for the next -
 *            so a worker that drew cheap rows simply comes back sooner.  The first
 *            distributed dynamic mapping, and its price: rank 0 only manages (p - 1 ranks
 *            compute) and every chunk is a round trip.  With one rank, rank 0 computes alone.
 * Inside a rank the rows go to its threads one at a time (schedule(dynamic, 1), as on the omp
 * rows).  Every pixel is computed by the same code as simd's, so the image is bit-identical;
 * all three deliver the whole image to rank 0 inside the timed run, so they compare. */
enum { MANDEL_BLOCK = 0, MANDEL_CYCLIC = 1, MANDEL_DYNAMIC = 2 };
enum { TAG_WORK = 1, TAG_STOP = 2, TAG_ROWS = 3 };

typedef struct mandelbrot_mpi {
    hx_mandelbrot_geometry g;
    uint32_t *rows;       /* this rank's rows (block, cyclic) or one chunk (dynamic workers) */
    size_t nrows;         /* how many of them */
    size_t r0;            /* block: the first */
    uint32_t *image;      /* rank 0: the whole image, where the rows arrive */
    int *counts, *displs; /* rank 0, block: every rank's share in pixels (MPI_Gatherv) */
    int *given;           /* rank 0, dynamic: the chunk each worker is computing */
    unsigned chunk;
} mandelbrot_mpi;

static int mandelbrot_mpi_check(const hx_problem *p, int ranks, const int grid[2]) {
    (void)grid;
    return hx_mpi_check_blocks("--size (rows)", p->size, 1, ranks);
}

static void mandelbrot_mpi_release(hx_mpi_job *job) {
    mandelbrot_mpi *s = job->state;
    if (!s)
        return;
    hx_free(s->rows);
    hx_free(s->image);
    free(s->counts);
    free(s->displs);
    free(s->given);
    hx_free(s);
    job->state = NULL;
}

/* Image rows first, first + step, ... (count of them) on this rank's threads, the k-th stored
 * at line k of lines. */
static void mandelbrot_mpi_compute(hx_mpi_job *job, uint32_t *lines, size_t first, size_t step,
                                   size_t count) {
    const mandelbrot_mpi *s = job->state;
    double t = hx_mpi_compute_begin();
    const long n = (long)count;
#pragma omp parallel for schedule(dynamic, 1)
    for (long k = 0; k < n; k++)
        mandelbrot_simd_row(&s->g, lines + (size_t)k * s->g.width, first + (size_t)k * step, 0,
                            s->g.width);
    hx_mpi_compute_end(job, t);
}

static int mandelbrot_mpi_prepare(hx_mpi_job *job) {
    mandelbrot_mpi *s = hx_alloc(sizeof *s);
    if (!s)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    memset(s, 0, sizeof *s);
    job->state = s;
    view_geometry(job->problem, &s->g);
    const size_t h = s->g.height, w = s->g.width, p = (size_t)job->ranks, r = (size_t)job->rank;
    s->chunk = job->chunk ? job->chunk : 4;
    if (job->variant == MANDEL_BLOCK) {
        uint64_t begin, end;
        hx_mpi_block(h, job->ranks, job->rank, &begin, &end);
        s->r0 = (size_t)begin;
        s->nrows = (size_t)(end - begin);
    } else if (job->variant == MANDEL_CYCLIC) {
        s->nrows = (h - r + p - 1) / p; /* rows r, r + p, ... below h */
    } else {
        s->nrows = s->chunk < h ? s->chunk : h;
    }
    HX_TRY(
        hx_alloc_checked((void **)&s->rows, s->nrows * w * sizeof(uint32_t), "this rank's rows"));
    if (job->rank != 0)
        return HX_OK;
    HX_TRY(hx_alloc_checked((void **)&s->image, h * w * sizeof(uint32_t), "the image"));
    s->counts = calloc(p, sizeof *s->counts);
    s->displs = calloc(p, sizeof *s->displs);
    s->given = calloc(p, sizeof *s->given);
    if (!s->counts || !s->displs || !s->given)
        return hx_fail(HX_ERR_RUNTIME, "out of memory");
    for (int k = 0; k < job->ranks; k++) {
        uint64_t begin, end;
        hx_mpi_block(h, job->ranks, k, &begin, &end);
        s->counts[k] = (int)((end - begin) * w);
        s->displs[k] = (int)(begin * w);
    }
    return HX_OK;
}

static int mandelbrot_mpi_block(hx_mpi_job *job) {
    mandelbrot_mpi *s = job->state;
    mandelbrot_mpi_compute(job, s->rows, s->r0, 1, s->nrows);
    HX_MPI(MPI_Gatherv(s->rows, (int)(s->nrows * s->g.width), MPI_UINT32_T, s->image, s->counts,
                       s->displs, MPI_UINT32_T, 0, job->comm));
    return HX_OK;
}

static int mandelbrot_mpi_cyclic(hx_mpi_job *job) {
    mandelbrot_mpi *s = job->state;
    const size_t w = s->g.width, h = s->g.height, p = (size_t)job->ranks;
    mandelbrot_mpi_compute(job, s->rows, (size_t)job->rank, p, s->nrows);
    if (job->rank != 0) {
        HX_MPI(MPI_Send(s->rows, (int)(s->nrows * w), MPI_UINT32_T, 0, TAG_ROWS, job->comm));
        return HX_OK;
    }
    for (size_t k = 0; k < s->nrows; k++) /* rank 0's own rows 0, p, 2p, ... */
        memcpy(s->image + k * p * w, s->rows + k * w, w * sizeof(uint32_t));
    for (size_t r = 1; r < p; r++) { /* rank r's rows: every p-th line from line r */
        MPI_Datatype every_pth;
        HX_MPI(MPI_Type_vector((int)((h - r + p - 1) / p), (int)w, (int)(p * w), MPI_UINT32_T,
                               &every_pth));
        HX_MPI(MPI_Type_commit(&every_pth));
        int status = MPI_Recv(s->image + r * w, 1, every_pth, (int)r, TAG_ROWS, job->comm,
                              MPI_STATUS_IGNORE);
        MPI_Type_free(&every_pth);
        HX_MPI(status);
    }
    return HX_OK;
}

/* Rank 0's side of manager/worker. */
static int mandelbrot_mpi_manage(hx_mpi_job *job) {
    mandelbrot_mpi *s = job->state;
    const size_t w = s->g.width, h = s->g.height, chunks = (h + s->chunk - 1) / s->chunk;
    if (job->ranks == 1) { /* nobody to hand work to */
        mandelbrot_mpi_compute(job, s->image, 0, 1, h);
        return HX_OK;
    }
    job->compute_s = -1.0; /* the manager computes nothing: out of the imbalance figure */
    size_t next = 0, busy = 0;
    for (int r = 1; r < job->ranks; r++) { /* one chunk each to start */
        s->given[r] = next < chunks ? (int)next++ : -1;
        HX_MPI(MPI_Send(&s->given[r], 1, MPI_INT, r, s->given[r] >= 0 ? TAG_WORK : TAG_STOP,
                        job->comm));
        busy += s->given[r] >= 0;
    }
    while (busy > 0) { /* a worker's rows are its request for more */
        MPI_Status st;
        HX_MPI(MPI_Probe(MPI_ANY_SOURCE, TAG_ROWS, job->comm, &st));
        const int r = st.MPI_SOURCE;
        size_t row = (size_t)s->given[r] * s->chunk, n = h - row < s->chunk ? h - row : s->chunk;
        HX_MPI(MPI_Recv(s->image + row * w, (int)(n * w), MPI_UINT32_T, r, TAG_ROWS, job->comm,
                        MPI_STATUS_IGNORE)); /* straight into their place */
        s->given[r] = next < chunks ? (int)next++ : -1;
        HX_MPI(MPI_Send(&s->given[r], 1, MPI_INT, r, s->given[r] >= 0 ? TAG_WORK : TAG_STOP,
                        job->comm));
        busy -= s->given[r] < 0;
    }
    return HX_OK;
}

/* A worker: compute what it is given until told to stop. */
static int mandelbrot_mpi_work(hx_mpi_job *job) {
    mandelbrot_mpi *s = job->state;
    const size_t w = s->g.width, h = s->g.height;
    for (;;) {
        int chunk;
        MPI_Status st;
        HX_MPI(MPI_Recv(&chunk, 1, MPI_INT, 0, MPI_ANY_TAG, job->comm, &st));
        if (st.MPI_TAG == TAG_STOP)
            return HX_OK;
        size_t row = (size_t)chunk * s->chunk, n = h - row < s->chunk ? h - row : s->chunk;
        mandelbrot_mpi_compute(job, s->rows, row, 1, n);
        HX_MPI(MPI_Send(s->rows, (int)(n * w), MPI_UINT32_T, 0, TAG_ROWS, job->comm));
    }
}

static int mandelbrot_mpi_run(hx_mpi_job *job) {
    switch (job->variant) {
    case MANDEL_BLOCK:
        return mandelbrot_mpi_block(job);
    case MANDEL_CYCLIC:
        return mandelbrot_mpi_cyclic(job);
    default:
        return job->rank == 0 ? mandelbrot_mpi_manage(job) : mandelbrot_mpi_work(job);
    }
}

static int mandelbrot_mpi_gather(hx_mpi_job *job, void *out) {
    mandelbrot_mpi *s = job->state;
    if (job->rank == 0) /* the run has already brought every row here */
        memcpy(out, s->image, s->g.width * s->g.height * sizeof(uint32_t));
    return HX_OK;
}

static const hx_mpi_binding mandelbrot_mpi_binding = {
    .variants = {[MANDEL_BLOCK] = {"block", "a block of rows per rank, then MPI_Gatherv"},
                 [MANDEL_CYCLIC] = {"cyclic", "every p-th row per rank, then strided receives"},
                 [MANDEL_DYNAMIC] = {"dynamic", "manager/worker: chunks of rows on demand"}},
    .nvariants = 3,
    .verification = "gathered: the image on rank 0 (inside the timed run), against serial",
    .uses_chunk = true,
    .check = mandelbrot_mpi_check,
    .prepare = mandelbrot_mpi_prepare,
    .run = mandelbrot_mpi_run,
    .gather = mandelbrot_mpi_gather,
    .release = mandelbrot_mpi_release,
};
#endif

/* ---- verification ------------------------------------------------------------------------- */

/* Whether pixel (r, c) of ref lies on an edge between count levels: a neighbour (of 8) differs. */
static int on_edge(const uint32_t *ref, size_t w, size_t h, size_t r, size_t c) {
    uint32_t v = ref[r * w + c];
    for (size_t rr = r ? r - 1 : r; rr <= r + 1 && rr < h; rr++)
        for (size_t cc = c ? c - 1 : c; cc <= c + 1 && cc < w; cc++)
            if (ref[rr * w + cc] != v)
                return 1;
    return 0;
}

void hx_mandelbrot_compare(const uint32_t *out, const uint32_t *ref, size_t w, size_t h,
                           hx_mandelbrot_diff *d) {
    const size_t npix = w * h;
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < npix; i++) {
        if (out[i] == ref[i])
            continue;
        if (d->bad++ == 0)
            d->first_bad = i;
        if (!d->off_edge && !on_edge(ref, w, h, i / w, i % w))
            d->off_edge = true;
    }
    d->ok = !d->off_edge && d->bad <= npix / 1000; /* 0.1% of the pixels, rounded down */
}

static void mandelbrot_verify(const hx_problem *p, const void *out, const void *ref,
                              hx_verdict *v) {
    const size_t npix = p->size * p->size;
    hx_mandelbrot_diff d;
    hx_mandelbrot_compare(out, ref, p->size, p->size, &d);
    memset(v, 0, sizeof *v);
    v->tolerance = 0.001;
    v->bad_count = d.bad;
    v->first_bad = d.first_bad;
    v->max_err = d.off_edge ? 1.0 : (double)d.bad / (double)npix;
    v->ok = d.ok;
}

/* ---- registry entry ----------------------------------------------------------------------- */

static const hx_param_def mandelbrot_params[] = {
    [PARAM_ITERS] = {"iters", 256, 1, 1 << 20, true, "maximum iterations per pixel"},
};

const hx_workload hx_workload_mandelbrot = {
    .name = "mandelbrot",
    .summary = "escape-time Mandelbrot image, uint32 count per pixel",
    .lesson = "irregular work: SIMD divergence (masked lanes) and thread imbalance (dynamic rows)",
    .size_unit = "image side in pixels (W x W image)",
    .default_size = 1024,
    .min_size = 1,
    .max_size = 32768,
    .test_size = 67,
    .params = mandelbrot_params,
    .nparams = sizeof mandelbrot_params / sizeof mandelbrot_params[0],
    .default_reps = 5,
    .bytes = mandelbrot_bytes,
    .flops = mandelbrot_flops,
    .flops_need_data = true,
    .host_bytes = mandelbrot_host_bytes,
    .setup = mandelbrot_setup,
    .teardown = mandelbrot_teardown,
    .cpu = {[HX_BACKEND_SERIAL] = mandelbrot_serial,
            [HX_BACKEND_SIMD] = mandelbrot_simd,
            [HX_BACKEND_OMP] = mandelbrot_omp,
            [HX_BACKEND_THREADS] = mandelbrot_threads,
            [HX_BACKEND_OMP_SIMD] = mandelbrot_omp_simd},
    .ocl = &mandelbrot_ocl_binding,
    .cuda = HX_CUDA_BINDING(mandelbrot),
    .mpi = HX_MPI_BINDING(mandelbrot_mpi_binding),
    .verify = mandelbrot_verify,
};
