/*
 * clock.c - the clock of hetero map's timelines and overhead figures.
 *
 * A scheduling operation costs tens of nanoseconds, so it is timed with the time-stamp counter
 * (a few nanoseconds to read) where cpuid says it is invariant (constant rate, running in every
 * power state, synchronised across cores: what Linux needs to use it as its own clock), and with
 * CLOCK_MONOTONIC otherwise.  The rate is calibrated once against CLOCK_MONOTONIC over 5 ms.  The
 * cost of one timed section (two reads back to back, the median of 2001 tries) is measured too,
 * so every section can have it subtracted and the overhead figures say what the policy cost,
 * not what timing it cost (lmbench's habit: subtract the loop overhead, and say so).
 */
#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#include "internal.h"

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static bool use_tsc;
static double seconds_per_tick = 1e-9;
static uint64_t timer_cost_ticks;

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool invariant_tsc(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return false;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1u;
}

uint64_t hx_map_ticks(void) {
    return use_tsc ? __rdtsc() : monotonic_ns();
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void calibrate(void) {
    use_tsc = invariant_tsc();
    if (use_tsc) {
        uint64_t t0 = monotonic_ns(), c0 = __rdtsc(), t1;
        do
            t1 = monotonic_ns();
        while (t1 - t0 < 5000000u);
        uint64_t c1 = __rdtsc();
        if (c1 > c0)
            seconds_per_tick = (double)(t1 - t0) * 1e-9 / (double)(c1 - c0);
        else
            use_tsc = false;
    }
    enum { TRIES = 2001 };
    static uint64_t d[TRIES];
    for (int i = 0; i < TRIES; i++) {
        uint64_t a = hx_map_ticks();
        d[i] = hx_map_ticks() - a;
    }
    qsort(d, TRIES, sizeof d[0], compare_u64);
    timer_cost_ticks = d[TRIES / 2];
}

double hx_map_tick_seconds(void) {
    pthread_once(&clock_once, calibrate);
    return seconds_per_tick;
}

uint64_t hx_map_timer_ticks(void) {
    pthread_once(&clock_once, calibrate);
    return timer_cost_ticks;
}

double hx_map_timer_ns(void) {
    return (double)hx_map_timer_ticks() * hx_map_tick_seconds() * 1e9;
}

double hx_map_thread_cpu(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
