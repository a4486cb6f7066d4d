/*
 * stream_ref.c - the reference streaming bandwidth of this machine, for tools/bench.sh.
 *
 * A STREAM-style triad a = b + s*c (and vecadd c = a + b) over arrays far larger than the caches,
 * run by every core with AVX2 non-temporal stores (the best a CPU program can do: no write-allocate
 * reads) and with plain stores, on huge pages.  Prints the best of N repetitions per kernel in
 * GB/s, counting bytes read plus bytes written (12 bytes per element), as hetero counts them.
 *
 * Build: cc -O2 -fopenmp -mavx2 -mfma stream_ref.c -o stream_ref
 * Usage: stream_ref [ELEMENTS [REPS]]
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

typedef enum { TRIAD_NT, TRIAD_PLAIN, ADD_NT } kernel;

static void run(kernel k, float *restrict a, const float *restrict b, const float *restrict c,
                long n) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i += 8) {
        __m256 vb = _mm256_load_ps(b + i), vc = _mm256_load_ps(c + i);
        __m256 v =
            k == ADD_NT ? _mm256_add_ps(vb, vc) : _mm256_fmadd_ps(_mm256_set1_ps(3.0f), vc, vb);
        if (k == TRIAD_PLAIN)
            _mm256_store_ps(a + i, v);
        else
            _mm256_stream_ps(a + i, v);
    }
    _mm_sfence();
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1L << 25;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    n = (n + 7) / 8 * 8;
    /* 2 MiB aligned and advised into huge pages: the fewest TLB misses any program can have */
    size_t bytes = ((size_t)n * sizeof(float) + (2u << 20) - 1) / (2u << 20) * (2u << 20);
    float *a = aligned_alloc(2u << 20, bytes), *b = aligned_alloc(2u << 20, bytes),
          *c = aligned_alloc(2u << 20, bytes);
    if (!a || !b || !c)
        return 1;
    madvise(a, bytes, MADV_HUGEPAGE);
    madvise(b, bytes, MADV_HUGEPAGE);
    madvise(c, bytes, MADV_HUGEPAGE);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 0.0f;
        b[i] = 1.0f;
        c[i] = 2.0f;
    }
    const char *names[] = {"triad-nt", "triad-plain", "add-nt"};
    for (int k = 0; k < 3; k++) {
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = omp_get_wtime();
            run((kernel)k, a, b, c, n);
            double t = omp_get_wtime() - t0;
            if (t < best)
                best = t;
        }
        if (a[n / 2] != (k == ADD_NT ? 3.0f : 7.0f)) {
            fprintf(stderr, "stream_ref: wrong result\n");
            return 1;
        }
        printf("%s %.2f\n", names[k], 12.0 * (double)n / best * 1e-9);
    }
    return 0;
}
