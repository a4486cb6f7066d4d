/*
 * timer.c - monotonic wall clock.  CLOCK_MONOTONIC is immune to NTP steps and has nanosecond
 * resolution on Linux, far below the shortest interval hetero times (a kernel launch, ~10 us).
 */
#include "hetero/core/timer.h"

#include <time.h>

void hx_deadline_in(clockid_t clock, long ns, struct timespec *out) {
    clock_gettime(clock, out);
    out->tv_sec += ns / 1000000000L;
    out->tv_nsec += ns % 1000000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

double hx_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
