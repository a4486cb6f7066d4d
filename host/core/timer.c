/*
 * timer.c - monotonic wall clock.  CLOCK_MONOTONIC is immune to NTP steps and has nanosecond
 * resolution on Linux, far below the shortest interval hetero times (a kernel launch, ~10 us).
 */
#include "hetero/core/timer.h"

#include <time.h>

double hx_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
