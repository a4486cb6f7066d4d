/*
 * stream-ref.c - an independent streaming-bandwidth reference for tools/bench-devices.sh.
 *
 * Compiled on its own (cc -O3 -march=native -fopenmp), sharing no code with hetero, so it checks
 * hetero's host bandwidth figure instead of repeating it.  It times copy (c = a) and triad
 * (a = b + s*c) three ways - compiler-vectorised plain stores, AVX2/AVX-512 non-temporal stores
 * when the compiler targets them, and memcpy for copy - each over REPS repetitions on OpenMP
 * threads, and prints the best rate of each in GB/s (STREAM's convention: words read + words
 * written, times 4 bytes; the best of the repetitions).
 *
 * Usage: stream-ref [MiB per array, default 128] [reps, default 20]
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double now(void) {
    return omp_get_wtime();
}

static void chunk(size_t n, size_t *lo, size_t *hi) {
    size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
    size_t per = (n / nt) & ~(size_t)63;
    *lo = t * per;
    *hi = t + 1 == nt ? n : *lo + per;
}

static void triad_plain(float *restrict a, const float *restrict b, const float *restrict c,
                        size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + 0.5f * c[i];
}

static void copy_plain(float *restrict c, const float *restrict a, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        c[i] = a[i];
}

static void triad_nt(float *restrict a, const float *restrict b, const float *restrict c, size_t lo,
                     size_t hi) {
#if defined(__AVX512F__)
    for (size_t i = lo; i < hi; i += 16)
        _mm512_stream_ps(a + i,
                         _mm512_add_ps(_mm512_load_ps(b + i),
                                       _mm512_mul_ps(_mm512_set1_ps(0.5f), _mm512_load_ps(c + i))));
#elif defined(__AVX__)
    for (size_t i = lo; i < hi; i += 8)
        _mm256_stream_ps(a + i,
                         _mm256_add_ps(_mm256_load_ps(b + i),
                                       _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_load_ps(c + i))));
#else
    triad_plain(a, b, c, lo, hi);
#endif
    _mm_sfence();
}

static void copy_nt(float *restrict c, const float *restrict a, size_t lo, size_t hi) {
#if defined(__AVX512F__)
    for (size_t i = lo; i < hi; i += 16)
        _mm512_stream_ps(c + i, _mm512_load_ps(a + i));
#elif defined(__AVX__)
    for (size_t i = lo; i < hi; i += 8)
        _mm256_stream_ps(c + i, _mm256_load_ps(a + i));
#else
    copy_plain(c, a, lo, hi);
#endif
    _mm_sfence();
}

enum { COPY_PLAIN, COPY_NT, COPY_MEMCPY, TRIAD_PLAIN, TRIAD_NT, NKERNELS };
static const char *names[NKERNELS] = {"copy_plain", "copy_nt", "copy_memcpy", "triad_plain",
                                      "triad_nt"};

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 128;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    size_t n = (mib << 20) / sizeof(float) / 64 * 64;
    float *a = aligned_alloc(64, n * sizeof(float)), *b = aligned_alloc(64, n * sizeof(float)),
          *c = aligned_alloc(64, n * sizeof(float));
    if (!a || !b || !c || reps < 1) {
        fprintf(stderr, "stream-ref: cannot allocate 3 x %zu MiB or bad reps\n", mib);
        return 1;
    }
#pragma omp parallel
    {
        size_t lo, hi;
        chunk(n, &lo, &hi);
        for (size_t i = lo; i < hi; i++)
            a[i] = 1.0f, b[i] = 2.0f, c[i] = 0.5f;
    }
    double best[NKERNELS] = {0};
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < NKERNELS; k++) {
            double t0 = now();
#pragma omp parallel
            {
                size_t lo, hi;
                chunk(n, &lo, &hi);
                switch (k) {
                case COPY_PLAIN:
                    copy_plain(c, a, lo, hi);
                    break;
                case COPY_NT:
                    copy_nt(c, a, lo, hi);
                    break;
                case COPY_MEMCPY:
                    memcpy(c + lo, a + lo, (hi - lo) * sizeof(float));
                    break;
                case TRIAD_PLAIN:
                    triad_plain(a, b, c, lo, hi);
                    break;
                default:
                    triad_nt(a, b, c, lo, hi);
                    break;
                }
            }
            double t = now() - t0;
            double bytes = (k >= TRIAD_PLAIN ? 12.0 : 8.0) * (double)n;
            if (bytes / t * 1e-9 > best[k])
                best[k] = bytes / t * 1e-9;
        }
    double top = 0;
    for (int k = 0; k < NKERNELS; k++) {
        printf("%s %.2f\n", names[k], best[k]);
        if (best[k] > top)
            top = best[k];
    }
    printf("best %.2f\n", top);
    printf("check %.1f\n", (double)a[n / 2] + c[n / 3]);
    free(a);
    free(b);
    free(c);
    return 0;
}
