/*
 * lat_mem_rd.c - an lmbench-style memory read latency reference, for tools/bench/devices.sh to
 * put hetero's pointer-chase latency per level against.
 *
 * NAME     load-to-use latency over working sets from 512 bytes to MAX MiB
 * PURPOSE  an independent check of `hetero devices --bench --hierarchy` (latency_ns per level),
 *          written after lmbench's lat_mem_rd (McVoy and Staelin) and sharing no code with hetero.
 * USAGE    cc -O2 lat_mem_rd.c -o lat_mem_rd
 *          lat_mem_rd [-t] MAX_MIB [STRIDE_BYTES, default 64]
 * NOTES    Like lmbench, a chain of pointers is walked with 100 dependent loads per loop turn
 *          (the loop's own increment and branch run beside the chain, so there is no overhead
 *          to subtract), the sizes step as lmbench steps them (doubling below 4 KiB, then 16
 *          points per octave), and each line prints "MiB ns".  Without -t the chain runs
 *          backwards through memory at a fixed stride, which hardware prefetchers learn: it
 *          shows what a predictable walk costs.  With -t (lmbench's random mode) the pages are
 *          visited in a random order and the lines inside each page in a random order, so no
 *          prefetcher can follow and a TLB miss is paid once per page, not once per load.  The
 *          time per point is the best of 3 walks of 2^20 loads after one warm walk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE  4096
#define LOADS (1L << 20)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252ull;
static size_t next_random(size_t bound) { /* xorshift64 */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (size_t)(rng % bound);
}

static void shuffle(size_t *v, size_t n) {
    for (size_t i = n; i > 1; i--) {
        size_t j = next_random(i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Link `size` bytes of buf into one chain; returns its start. */
static char **link_chain(char *buf, size_t size, size_t stride, int random) {
    size_t n = size / stride;
    size_t *order = malloc(n * sizeof *order);
    if (!order)
        return NULL;
    if (!random) {
        for (size_t i = 0; i < n; i++)
            order[i] = (n - 1 - i) * stride; /* backwards, as lmbench */
    } else {
        size_t per_page = stride < PAGE ? PAGE / stride : 1;
        size_t pages = (n + per_page - 1) / per_page;
        size_t *page = malloc(pages * sizeof *page), *line = malloc(per_page * sizeof *line);
        if (!page || !line)
            return NULL;
        for (size_t p = 0; p < pages; p++)
            page[p] = p;
        shuffle(page, pages);
        size_t k = 0;
        for (size_t p = 0; p < pages; p++) {
            for (size_t l = 0; l < per_page; l++)
                line[l] = l;
            shuffle(line, per_page);
            for (size_t l = 0; l < per_page; l++) {
                size_t at = page[p] * per_page + line[l];
                if (at < n)
                    order[k++] = at * stride;
            }
        }
        free(page);
        free(line);
    }
    for (size_t i = 0; i < n; i++)
        *(char **)(buf + order[i]) = buf + order[(i + 1) % n];
    char **start = (char **)(buf + order[0]);
    free(order);
    return start;
}

#define TEN(x)     x x x x x x x x x x
#define HUNDRED(x) TEN(TEN(x))

static double walk(char **p, long loads, char ***end) {
    double t0 = now();
    for (long i = 0; i < loads; i += 100) {
        HUNDRED(p = (char **)*p;)
    }
    double t = now() - t0;
    *end = p;
    return t;
}

static size_t step(size_t k) { /* lmbench's */
    if (k < 1024)
        return k * 2;
    if (k < 4 * 1024)
        return k + 1024;
    size_t s = 32 * 1024;
    while (s <= k)
        s *= 2;
    return k + s / 16;
}

int main(int argc, char **argv) {
    int random = argc > 1 && strcmp(argv[1], "-t") == 0;
    int a = random ? 2 : 1;
    if (argc <= a) {
        fprintf(stderr, "usage: lat_mem_rd [-t] MAX_MIB [STRIDE_BYTES]\n");
        return 2;
    }
    size_t max = strtoul(argv[a], NULL, 10) << 20;
    size_t stride = argc > a + 1 ? strtoul(argv[a + 1], NULL, 10) : 64;
    if (max == 0 || stride < sizeof(char *) || stride % sizeof(char *)) {
        fprintf(stderr, "lat_mem_rd: bad size or stride\n");
        return 2;
    }
    char *buf = aligned_alloc(PAGE, max);
    if (!buf) {
        fprintf(stderr, "lat_mem_rd: cannot allocate %zu MiB\n", max >> 20);
        return 1;
    }
    memset(buf, 1, max);
    printf("\"stride=%zu%s\n", stride, random ? " random" : "");
    for (size_t size = 512; size <= max; size = step(size)) {
        if (size < 2 * stride)
            continue;
        char **p = link_chain(buf, size, stride, random), **end;
        if (!p)
            return 1;
        walk(p, LOADS / 8, &end);
        double best = 1e30;
        for (int r = 0; r < 3; r++) {
            double t = walk(end, LOADS, &end);
            if (t < best)
                best = t;
        }
        printf("%.5f %.3f\n", (double)size / (1 << 20), best / LOADS * 1e9);
        fflush(stdout);
    }
    free(buf);
    return 0;
}
