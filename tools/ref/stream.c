/*
 * stream.c - an independent STREAM reference: the best streaming bandwidth any program reaches
 * on this machine, for the scripts in tools/bench/ to put hetero's figures against.
 *
 * NAME     copy, scale, add and triad with plain and with non-temporal stores
 * PURPOSE  a reference measured in the same run as hetero, sharing no code with it, so it checks
 *          hetero's bandwidth figures instead of repeating them.
 * USAGE    cc -O3 -march=native -fopenmp stream.c -o stream
 *          stream [MiB per array, default 256] [repetitions, default 20]
 * NOTES    STREAM's four kernels (copy c = a, scale b = s*c, add c = a + b, triad a = b + s*c)
 *          on OpenMP threads, one contiguous aligned chunk each, on three arrays aligned to
 *          2 MiB and advised into transparent huge pages (the fewest TLB misses a program can
 *          have); each kernel with plain stores (compiler-vectorised) and with non-temporal
 *          stores (AVX-512 or AVX intrinsics, whichever -march=native enables; plain otherwise).
 *          GB/s = words read + words written, times 4 bytes (copy and scale 8 n, add and triad
 *          12 n), of the best repetition: STREAM's count and STREAM's rule.  Every array is
 *          checked against the value the kernels must leave in it.  Prints one line per kernel,
 *          "copy-nt 38.42", then "best 50.24".
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)
#define SCALAR    3.0f

static void chunk(size_t n, size_t *lo, size_t *hi) {
    size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
    size_t per = (n / nt) & ~(size_t)63; /* 64 floats: whole cache lines, whole vectors */
    *lo = t * per;
    *hi = t + 1 == nt ? n : *lo + per;
}

#if defined(__AVX512F__)
#define W 16
typedef __m512 vec;
#define LOAD(p)      _mm512_load_ps(p)
#define STREAM(p, v) _mm512_stream_ps((p), (v))
#define SET1(s)      _mm512_set1_ps(s)
#define ADD(a, b)    _mm512_add_ps((a), (b))
#define MUL(a, b)    _mm512_mul_ps((a), (b))
#elif defined(__AVX__)
#define W            8
typedef __m256 vec;
#define LOAD(p)      _mm256_load_ps(p)
#define STREAM(p, v) _mm256_stream_ps((p), (v))
#define SET1(s)      _mm256_set1_ps(s)
#define ADD(a, b)    _mm256_add_ps((a), (b))
#define MUL(a, b)    _mm256_mul_ps((a), (b))
#else
#define W            4
typedef __m128 vec;
#define LOAD(p)      _mm_load_ps(p)
#define STREAM(p, v) _mm_stream_ps((p), (v))
#define SET1(s)      _mm_set1_ps(s)
#define ADD(a, b)    _mm_add_ps((a), (b))
#define MUL(a, b)    _mm_mul_ps((a), (b))
#endif

enum { COPY, SCALE, ADDK, TRIAD, NKERNELS };
static const char *const names[NKERNELS] = {"copy", "scale", "add", "triad"};
static const int words[NKERNELS] = {2, 2, 3, 3};

static void plain(int k, float *restrict a, float *restrict b, float *restrict c, size_t lo,
                  size_t hi) {
    switch (k) {
    case COPY:
        for (size_t i = lo; i < hi; i++)
            c[i] = a[i];
        break;
    case SCALE:
        for (size_t i = lo; i < hi; i++)
            b[i] = SCALAR * c[i];
        break;
    case ADDK:
        for (size_t i = lo; i < hi; i++)
            c[i] = a[i] + b[i];
        break;
    default:
        for (size_t i = lo; i < hi; i++)
            a[i] = b[i] + SCALAR * c[i];
        break;
    }
}

static void nontemporal(int k, float *restrict a, float *restrict b, float *restrict c, size_t lo,
                        size_t hi) {
    vec s = SET1(SCALAR);
    switch (k) {
    case COPY:
        for (size_t i = lo; i < hi; i += W)
            STREAM(c + i, LOAD(a + i));
        break;
    case SCALE:
        for (size_t i = lo; i < hi; i += W)
            STREAM(b + i, MUL(s, LOAD(c + i)));
        break;
    case ADDK:
        for (size_t i = lo; i < hi; i += W)
            STREAM(c + i, ADD(LOAD(a + i), LOAD(b + i)));
        break;
    default:
        for (size_t i = lo; i < hi; i += W)
            STREAM(a + i, ADD(LOAD(b + i), MUL(s, LOAD(c + i))));
        break;
    }
    _mm_sfence();
}

static float *huge_array(size_t bytes) {
    size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    float *p = aligned_alloc(HUGE_PAGE, rounded);
    if (p)
        (void)madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

/* Every element must hold the value one element went through. */
static int check(const float *x, size_t n, float want, const char *name) {
    for (size_t i = 0; i < n; i += 997)
        if (fabsf(x[i] - want) > 1e-6f * fabsf(want)) {
            fprintf(stderr, "stream: %s[%zu] = %g, expected %g\n", name, i, x[i], want);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    size_t n = (mib << 20) / sizeof(float) / 64 * 64;
    float *a = huge_array(n * sizeof(float)), *b = huge_array(n * sizeof(float)),
          *c = huge_array(n * sizeof(float));
    if (!a || !b || !c || reps < 1 || n == 0) {
        fprintf(stderr, "usage: stream [MiB per array] [reps]; cannot run 3 x %zu MiB x %d\n", mib,
                reps);
        return 2;
    }
    float va = 1.0f, vb = 2.0f, vc = 0.5f;
#pragma omp parallel
    {
        size_t lo, hi;
        chunk(n, &lo, &hi);
        for (size_t i = lo; i < hi; i++)
            a[i] = va, b[i] = vb, c[i] = vc;
    }
    double best[NKERNELS][2] = {{0}};
    for (int k = 0; k < NKERNELS; k++) {
        for (int nt = 0; nt < 2; nt++)
            for (int r = 0; r < reps; r++) {
                double t0 = omp_get_wtime();
#pragma omp parallel
                {
                    size_t lo, hi;
                    chunk(n, &lo, &hi);
                    if (nt)
                        nontemporal(k, a, b, c, lo, hi);
                    else
                        plain(k, a, b, c, lo, hi);
                }
                double gbps = 4.0 * words[k] * (double)n / (omp_get_wtime() - t0) * 1e-9;
                if (gbps > best[k][nt])
                    best[k][nt] = gbps;
            }
        /* a kernel's output depends on inputs it does not write: repeating it changes nothing */
        if (k == COPY)
            vc = va;
        else if (k == SCALE)
            vb = SCALAR * vc;
        else if (k == ADDK)
            vc = va + vb;
        else
            va = vb + SCALAR * vc;
    }
    if (check(a, n, va, "a") || check(b, n, vb, "b") || check(c, n, vc, "c"))
        return 1;
    double top = 0;
    for (int k = 0; k < NKERNELS; k++)
        for (int nt = 0; nt < 2; nt++) {
            printf("%s-%s %.2f\n", names[k], nt ? "nt" : "plain", best[k][nt]);
            if (best[k][nt] > top)
                top = best[k][nt];
        }
    printf("best %.2f\n", top);
    free(a);
    free(b);
    free(c);
    return 0;
}
